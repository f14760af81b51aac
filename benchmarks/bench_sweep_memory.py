"""Peak memory of many replications streamed to a zarr store.

Target (issue 5): 1,000 replications of ``national`` streamed to a store
under 1.5 GiB peak RSS.  Each block of replications is written and dropped as
soon as it is complete, so the peak should not grow with the number of
replications: compare the peak of a short run with a longer one.

Run: ``.venv/bin/python benchmarks/bench_sweep_memory.py [--replications 1000] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import dxsim as dx


def peaks_gib() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child (a worker), GiB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 2**20, children / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="national")
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--block-size", type=int, default=10)
    args = parser.parse_args()
    sc = dx.load_scenario(args.scenario)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "sweep.zarr"
        ds = dx.sweep(
            sc,
            cases={"base": {}},
            replications=args.replications,
            seed=1,
            workers=args.workers,
            store=store,
            block_size=args.block_size,
            progress=False,
        )
        size = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**30
        adopters = float(ds["adopters"].isel(month=-1).sum("industry").mean())  # read lazily from the store
    own, child = peaks_gib()
    # With workers, the peak of the whole job is at most the parent's plus each worker's peak.
    total = own + (child * args.workers if args.workers > 1 else 0.0)
    print(
        f"{sc.name}: {args.replications} replications on {args.workers} worker(s), block size {args.block_size}, "
        f"in {time.perf_counter() - t0:.0f} s, store {size:.2f} GiB, mean adopters {adopters:,.0f}; peak RSS: "
        f"parent {own:.2f} GiB, largest worker {child:.2f} GiB, all processes at most {total:.2f} GiB "
        "(target < 1.5 GiB for 1,000)"
    )


if __name__ == "__main__":
    main()
