"""Rewrite the headline table of docs/scenarios.md from runs of the bundled scenarios.

Run from the repository's root after a change to the model or a bundled scenario::

    .venv/bin/python docs/scripts/scenario_headlines.py [--replications 10] [--workers 2]

It simulates every scenario the table lists (seed 1) and replaces the rows between the
``<!-- headlines:start -->`` and ``<!-- headlines:end -->`` markers of docs/scenarios.md,
so the page's figures are always those of the code it documents.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import dxsim as dx

PAGE = Path(__file__).resolve().parents[1] / "scenarios.md"
START, END = "<!-- headlines:start -->", "<!-- headlines:end -->"
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


def row(name: str, replications: int, workers: int) -> str:
    """One table row: each metric's mean and its 5-95% range over replications."""
    reps = REPLICATIONS.get(name, replications)
    table = dx.headline(dx.simulate(name, replications=reps, seed=1, workers=workers, progress=False))
    cells = []
    for metric, divisor, fmt in COLUMNS:
        mean, low, high = (table.loc[metric, c] / divisor for c in ("mean", "p5", "p95"))
        cells.append("0" if mean == low == high == 0 else f"{fmt.format(mean)} ({fmt.format(low)}–{fmt.format(high)})")
    label = f"`{name}`" + (f" ({reps} replications)" if reps != replications else "")
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    text = PAGE.read_text(encoding="utf-8")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    header = (
        "| scenario | adopters | accepted | lighthouses | public money (M yuan) | median enterprise payback (months) |\n"
        "|---|---|---|---|---|---|"
    )
    rows = [row(name, args.replications, args.workers) for name in SCENARIOS]
    PAGE.write_text(f"{head}{START}\n{header}\n" + "\n".join(rows) + f"\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
