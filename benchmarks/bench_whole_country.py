"""One replication of the whole-country scenario (~48 million SMEs): seconds and peak memory.

Target (issue 5): within 10 minutes and 8 GiB on this machine.  Enterprise
attributes are drawn only for enterprises that consider adopting, and each
industry's consideration thresholds are generated in increasing order
(Renyi), so time and memory follow the considerers, not the population.

Run: ``.venv/bin/python benchmarks/bench_whole_country.py``.  Prints the
figures; asserts nothing.
"""

from __future__ import annotations

import resource
import time

import dxsim as dx
from dxsim.model.world import run_replication
from dxsim.random import replication_key


def main() -> None:
    sc = dx.load_scenario("whole-country")
    t0 = time.perf_counter()
    result = run_replication(sc, replication_key(1, 0))
    seconds = time.perf_counter() - t0
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    print(
        f"whole-country: {sc.enterprises:,} SMEs, {result.monthly['considering'].sum():,.0f} considerations, "
        f"{len(result.adopters['price_paid']):,} adopters, {result.events:,} events"
    )
    print(f"seconds: {seconds:.1f} (target < 600); peak RSS: {peak_gib:.2f} GiB (target < 8)")


if __name__ == "__main__":
    main()
