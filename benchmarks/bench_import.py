"""Import time of dxsim next to xarray's, measured in one run (issue 12, item 4).

Each figure is the median over fresh interpreters of the wall time of the import
statement alone (``time.perf_counter`` around it, inside the child), so interpreter
start-up is not counted.  Three imports are timed:

* ``import xarray`` in a fresh interpreter: what xarray costs;
* ``import dxsim`` after ``import xarray``: what dxsim adds on top (target: less
  than half of xarray's);
* ``import dxsim`` alone, for reference.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_import.py [--runs N]``.
Prints the figures; asserts nothing (machines are noisy).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TIMED = "import time; {before}; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"


def seconds(statement: str, before: str = "pass", runs: int = 7) -> float:
    """Median wall time of ``statement`` in ``runs`` fresh interpreters, after ``before``."""
    code = TIMED.format(before=before, statement=statement)
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per figure (median)")
    runs = parser.parse_args().runs
    xarray = seconds("import xarray", runs=runs)
    added = seconds("import dxsim", before="import xarray", runs=runs)
    alone = seconds("import dxsim", runs=runs)
    print(f"import xarray                 {xarray * 1e3:8.1f} ms")
    print(f"import dxsim after xarray     {added * 1e3:8.1f} ms  ({added / xarray:.2f} of xarray; target < 0.50)")
    print(f"import dxsim alone            {alone * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
