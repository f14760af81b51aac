"""Speed-up of a local process pool: the same replications on 1 and 2 workers.

Target (issue 5): 2 workers at least 1.7x faster than 1 on 20 replications
of ``national``.  The Datasets must be identical (checked).

Run: ``.venv/bin/python benchmarks/bench_workers.py [--scenario national] [--replications 20]``.
"""

from __future__ import annotations

import argparse
import time

import xarray as xr

import dxsim as dx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="national")
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    sc = dx.load_scenario(args.scenario)
    seconds = {}
    results = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        results[workers] = dx.simulate(sc, replications=args.replications, seed=1, workers=workers, progress=False)
        seconds[workers] = time.perf_counter() - t0
    xr.testing.assert_identical(results[1], results[2])
    print(
        f"{sc.name}, {args.replications} replications: 1 worker {seconds[1]:.1f} s, 2 workers {seconds[2]:.1f} s, "
        f"speed-up {seconds[1] / seconds[2]:.2f}x (target >= 1.7); Datasets identical"
    )


if __name__ == "__main__":
    main()
