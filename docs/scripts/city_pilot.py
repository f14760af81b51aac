"""Rewrite the measured table of city-pilot-east in docs/scenarios.md from runs of it.

Run from the repository's root after a change to the model or the scenario::

    .venv/bin/python docs/scripts/city_pilot.py [--replications 10] [--workers 2]

It simulates ``city-pilot-east`` and its counterfactual (seed 1) and replaces the rows between
the ``<!-- city:start -->`` and ``<!-- city:end -->`` markers of docs/scenarios.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import xarray as xr

import dxsim as dx

PAGE = Path(__file__).resolve().parents[1] / "scenarios.md"
START, END = "<!-- city:start -->", "<!-- city:end -->"
NAME = "city-pilot-east"
TARGET = 500  # SMEs, FACTS row 10 (east)


def spread(values: np.ndarray, fmt: str = "{:,.0f}") -> str:
    """Mean and 5-95% range over replications."""
    low, high = np.percentile(values, [5, 95])
    return f"{fmt.format(values.mean())} ({fmt.format(low)}–{fmt.format(high)})"


def accepted(ds: xr.Dataset) -> np.ndarray:
    """Accepted SMEs at the end of each month: (replication, month)."""
    return ds["accepted"].sum("industry").to_numpy()


def rows(replications: int, workers: int) -> list[str]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    text = PAGE.read_text(encoding="utf-8")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    table = ["| quantity | value |", "|---|---|", *rows(args.replications, args.workers)]
    PAGE.write_text(f"{head}{START}\n" + "\n".join(table) + f"\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
