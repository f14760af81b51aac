"""Speed-up of a local process pool: the same replications on 1 and 2 workers.

Target (issue 5): 2 workers at least 1.7x faster than 1 on 20 replications
of ``national``.  The Datasets must be identical (checked).

Beside the wall times it prints the CPU time of each run, this process's and
its finished workers' (``resource.getrusage``): on a machine shared with
other work the wall-clock speed-up says little, while the CPU the two workers
spent against the one worker's tells what running in parallel costs.

Run: ``.venv/bin/python benchmarks/bench_workers.py [--scenario national] [--replications 20]``.
"""

from __future__ import annotations

import argparse
import resource
import time

import xarray as xr

import dxsim as dx


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the pool's workers, once shut down)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="national")
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    sc = dx.load_scenario(args.scenario)
    seconds, cpu, results = {}, {}, {}
    for workers in (1, 2):
        t0, c0 = time.perf_counter(), _cpu()
        results[workers] = dx.simulate(sc, replications=args.replications, seed=1, workers=workers, progress=False)
        seconds[workers], cpu[workers] = time.perf_counter() - t0, _cpu() - c0
    xr.testing.assert_identical(results[1], results[2])
    print(
        f"{sc.name}, {args.replications} replications: 1 worker {seconds[1]:.1f} s, 2 workers {seconds[2]:.1f} s, "
        f"speed-up {seconds[1] / seconds[2]:.2f}x (target >= 1.7); Datasets identical; "
        f"CPU 1 worker {cpu[1]:.1f} s, 2 workers {cpu[2]:.1f} s (this process and its workers)"
    )


if __name__ == "__main__":
    main()
