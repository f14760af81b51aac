"""Reopening a sweep store of 1,000 replications of ``national`` (issue 17, part 3: target under 1 s).

Running 1,000 replications of ``national`` takes about an hour, so the store
is built by writing ONE real replication of ``national`` 1,000 times through
the store's own writer (:meth:`dxsim.results.store.SweepStore.write`, blocks
of ``--block-size`` replications, relabelled 0..999): the layout, the chunks,
the records and the metadata are those of a real sweep of one point; only the
values repeat.  Then :func:`dxsim.results.store.open_sweep` is timed
``--repeat`` times (the median is the figure; each open is in a fresh process
state as far as xarray's caches go: nothing is kept between opens), and so
is reading one variable of every replication (``adopters``, month x
industry) to show that the lazily opened store is usable at once.

Run: ``.venv/bin/python benchmarks/bench_store_open.py [--replications 1000] [--store DIR]``
(``--store``: keep the store there and reuse it on the next run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import dxsim as dx
from dxsim._version import __version__
from dxsim.results.store import LAYOUT, SweepStore, blocks_of, open_sweep


def build(path: Path, replications: int, block_size: int, seed: int) -> float:
    """The store of ``replications`` copies of one replication of ``national``; seconds spent writing."""
    sc = dx.load_scenario("national")
    one = dx.simulate(sc, replications=1, seed=seed, progress=False)
    manifest = {
        "dxsim_version": __version__,
        "scenario": sc.to_toml(),
        "dims": [["case", ["base"]]],
        "points": [{}],
        "seed": seed,
        "replications": replications,
        "block_size": block_size,
        "store_layout": LAYOUT,
    }
    start = time.perf_counter()
    with SweepStore(path, manifest) as st:
        for b, reps in enumerate(blocks_of(replications, block_size)):
            block = one.isel(replication=[0] * len(reps)).assign_coords(replication=list(reps))
            st.write(0, b, block)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--block-size", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store", type=Path, default=None, help="keep the store here (reused if it exists)")
    args = parser.parse_args()
    tmp = None
    path = args.store
    if path is None:
        tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
        path = tmp / "national.zarr"
    try:
        if not (path / "manifest.json").exists():
            took = build(path, args.replications, args.block_size, seed=1)
            print(
                f"built {path}: {args.replications} replications of national in {took:.0f} s (one replication written {args.replications} times)"
            )
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        print(f"store: {size / 2**30:.2f} GiB, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        opens, reads = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            ds = open_sweep(path)
            opens.append(time.perf_counter() - start)
            start = time.perf_counter()
            ds["adopters"].isel(month=-1).sum("industry").load()
            reads.append(time.perf_counter() - start)
        reps, adopters = ds.sizes["replication"], ds.sizes["adopter"]
        print(
            f"open_sweep of {reps} replications x {adopters:,} adopters: median {statistics.median(opens):.3f} s "
            f"(runs {', '.join(f'{t:.3f}' for t in opens)}; target < 1 s)"
        )
        print(f"then adopters at the horizon of every replication: median {statistics.median(reads):.3f} s")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
