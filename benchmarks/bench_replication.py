"""Seconds per replication and SimPy events, for platform-pilot-2022 and a 10x population.

The 10x variant multiplies every industry's enterprises by 10 and lowers the
innovation rate p and the programme's outreach (since 0.4.0 the hazard the
programme adds while a batch is open, most of the pilot's considerations) by
the same factor so that the number of applicants (contracts signed over the
horizon) stays the same.  Dividing p by 10 keeps only the first month's
considerers: the 10x pool hardly depletes, and fresh enterprises adopt more
often than rejecters considering again, so p is found by bisection on one
replication.  Imitation and demonstration act through q A / N and w L / N with
the same A and L, so they are left alone.  Cost should follow applicants, not
population x months: the script prints time per replication and per adopter.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_replication.py [--replications N]``.
Prints the figures; asserts nothing (machines are noisy).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import dxsim as dx
from dxsim.model.world import run_replication
from dxsim.random import replication_key


def scaled(sc: dx.Scenario, factor: int, innovation_factor: float) -> dx.Scenario:
    """``sc`` with ``factor`` times the enterprises, innovation rates and outreach times ``innovation_factor``."""
    overrides: dict[str, object] = {"programme.outreach": sc.programme.outreach * innovation_factor}
    for k, ind in enumerate(sc.resolved_industries):
        overrides[f"industries[{k}].enterprises"] = ind.enterprises * factor
        overrides[f"industries[{k}].innovation"] = ind.innovation * innovation_factor
    return sc.with_overrides(overrides)


def same_applicants(sc: dx.Scenario, factor: int, seed: int) -> dx.Scenario:
    """The ``factor`` x population variant whose one replication signs as many contracts as ``sc``'s."""
    key = replication_key(seed, 0)
    target = len(run_replication(sc, key).adopters["price_paid"])
    lo, hi = 0.0, 1.0 / factor
    for _ in range(12):
        mid = (lo + hi) / 2
        got = len(run_replication(scaled(sc, factor, mid), key).adopters["price_paid"])
        if abs(got - target) <= 0.01 * target:
            break
        lo, hi = (mid, hi) if got < target else (lo, mid)
    return scaled(sc, factor, mid)


def measure(sc: dx.Scenario, replications: int, seed: int) -> tuple[float, float, float, float, float]:
    """Median seconds (wall, CPU) per replication, mean events, mean adopters, mean considerers."""
    seconds, cpu, events, adopters, considering = [], [], [], [], []
    for k in range(replications):
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_replication(sc, replication_key(seed, k))
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        events.append(result.events)
        adopters.append(len(result.adopters["price_paid"]))
        considering.append(result.monthly["considering"].sum())
    return (
        float(np.median(seconds)),
        float(np.median(cpu)),
        float(np.mean(events)),
        float(np.mean(adopters)),
        float(np.mean(considering)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="platform-pilot-2022")
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    base = dx.load_scenario(args.scenario)
    rows = []
    for label, sc in (("1x", base), ("10x", same_applicants(base, 10, args.seed))):
        sec, cpu, ev, ad, co = measure(sc, args.replications, args.seed)
        rows.append((label, sc.enterprises, sec, ev, ad, co))
        print(
            f"{label:>4}: {sc.enterprises:>9,} SMEs  {sec:6.3f} s/replication ({cpu:.3f} s CPU)  {ev:9,.0f} events  {ad:8,.0f} adopters  {co:9,.0f} considerations"
        )
    ratio = rows[1][2] / rows[0][2]
    print(
        f"10x population / 1x time ratio: {ratio:.2f} (target < 2); 1x seconds per replication: {rows[0][2]:.3f} (target < 1)"
    )


if __name__ == "__main__":
    main()
