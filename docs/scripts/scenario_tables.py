"""Rewrite the measured tables of docs/scenarios.md from runs of the bundled scenarios.

Run from the repository's root after a change to the model or a bundled scenario::

    .venv/bin/python docs/scripts/scenario_tables.py [--replications 10] [--workers 2]

Each table sits between markers of the page: the headline table between
``<!-- headlines:start -->`` and ``<!-- headlines:end -->`` (every scenario it
lists, seed 1), the city pilot's between ``<!-- city:start -->`` and
``<!-- city:end -->`` (``city-pilot-east`` and its counterfactual, seed 1), so
the page's figures are always those of the code it documents.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import xarray as xr

import dxsim as dx

PAGE = Path(__file__).resolve().parents[1] / "scenarios.md"

SCENARIOS = (
    "small",
    "no-programme",
    "platform-pilot-2022",
    "revenue-share",
    "platform-pilot-2022-2025",
    "city-pilot-east",
    "city-pilot-east-gov-heavy",
    "city-pilot-east-platform-reward",
    "city-pilot-east-vouchers",
    "city-pilot-east-tiered",
    "national",
)
#: Fewer replications where one takes seconds (the label says so in the table).
REPLICATIONS = {"national": 5}
COLUMNS = (  # metric, divisor, format
    ("adopters", 1, "{:,.0f}"),
    ("accepted", 1, "{:,.0f}"),
    ("lighthouses", 1, "{:,.0f}"),
    ("public_money", 1e6, "{:,.1f}"),
    ("median_enterprise_payback", 1, "{:,.1f}"),
)


def headline_row(name: str, replications: int, workers: int) -> str:
    """One table row: each metric's mean and its 5-95% range over replications."""
    reps = REPLICATIONS.get(name, replications)
    table = dx.headline(dx.simulate(name, replications=reps, seed=1, workers=workers, progress=False))
    cells = []
    for metric, divisor, fmt in COLUMNS:
        mean, low, high = (table.loc[metric, c] / divisor for c in ("mean", "p5", "p95"))
        cells.append("0" if mean == low == high == 0 else f"{fmt.format(mean)} ({fmt.format(low)}–{fmt.format(high)})")
    label = f"`{name}`" + (f" ({reps} replications)" if reps != replications else "")
    return f"| {label} | " + " | ".join(cells) + " |"


NAME = "city-pilot-east"
TARGET = 500  # SMEs, FACTS row 10 (east)


def spread(values: np.ndarray, fmt: str = "{:,.0f}") -> str:
    """Mean and 5-95% range over replications."""
    low, high = np.percentile(values, [5, 95])
    return f"{fmt.format(values.mean())} ({fmt.format(low)}–{fmt.format(high)})"


def accepted(ds: xr.Dataset) -> np.ndarray:
    """Accepted SMEs at the end of each month: (replication, month)."""
    return ds["accepted"].sum("industry").to_numpy()


def city_rows(replications: int, workers: int) -> list[str]:
    """The table's rows: acceptances, the target, the counterfactual and the money."""
    scenario = dx.load_scenario(NAME)
    run = {"replications": replications, "seed": 1, "workers": workers, "progress": False}
    ds = dx.simulate(scenario, **run)
    base = accepted(dx.simulate(dx.counterfactual(scenario), **run))
    acc = accepted(ds)
    close = 23  # the end of June 2025, month index 23 (month 0 is July 2023)
    money = ds["public_money"].cumsum("month").to_numpy() / 1e6
    budget = sum(b.budget for b in scenario.programme.batches) / 1e6
    reached = [int(np.argmax(a >= TARGET)) if (a >= TARGET).any() else None for a in acc]
    hit = [m for m in reached if m is not None]
    when = f"months {min(hit)}–{max(hit)} in {len(hit)} of {len(reached)} replications" if hit else "never"
    return [
        f"| SMEs accepted after one year (June 2024) | {spread(acc[:, 11])} |",
        f"| **SMEs accepted after two years (June 2025, the window closes)** | **{spread(acc[:, close])}** "
        f"against the target of {TARGET} |",
        f"| accepted by the horizon (June 2029) | {spread(acc[:, -1])} |",
        f"| month index in which {TARGET} acceptances are reached | {when} |",
        f"| counterfactual: accepted after one / two years / at the horizon | "
        f"{base[:, 11].mean():,.0f} / {base[:, close].mean():,.0f} / {base[:, -1].mean():,.0f} |",
        f"| money paid by the close (end of June 2025), M yuan | {spread(money[:, close], '{:,.1f}')} of {budget:,.0f} |",
        f"| money paid within the horizon, M yuan | {spread(money[:, -1], '{:,.1f}')} |",
    ]


HEADER = (
    "| scenario | adopters | accepted | lighthouses | public money (M yuan) | median enterprise payback (months) |",
    "|---|---|---|---|---|---|",
)


def replace_between(text: str, name: str, lines: list[str]) -> str:
    """``text`` with the lines between the markers ``<!-- name:start -->`` and ``<!-- name:end -->`` replaced."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head, rest = text.split(start)
    _, tail = rest.split(end)
    return f"{head}{start}\n" + "\n".join(lines) + f"\n{end}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    text = PAGE.read_text(encoding="utf-8")
    headlines = [headline_row(name, args.replications, args.workers) for name in SCENARIOS]
    text = replace_between(text, "headlines", [*HEADER, *headlines])
    city = ["| quantity | value |", "|---|---|", *city_rows(args.replications, args.workers)]
    text = replace_between(text, "city", city)
    PAGE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
