"""One replication of ``national`` against a floor: a plain numpy loop doing only consideration and decision.

The floor walks the same population and months with the Bass hazard of the
scenario, draws the considerers per industry and month (binomial), draws
their revenue, benefit, hurdle rate and liquidity, and takes the adoption
decision vectorised (upfront price less the cost share, after-tax gain
ramping up, NPV over the evaluation horizon, liquidity).  No platforms,
queues, programme, ledger or outputs: the least any simulation of this
population must do.  Target (issue 5): dxsim within 10x of the floor.

Run: ``.venv/bin/python benchmarks/bench_national.py [--replications N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import special

import dxsim as dx
from dxsim.finance import gain_profile, monthly_rate, npv
from dxsim.model.world import run_replication
from dxsim.random import replication_key


def floor(sc: dx.Scenario, seed: int) -> int:
    """Consideration and decision only; returns the number of adopters."""
    rng = np.random.default_rng(seed)
    inds = sc.resolved_industries
    sol = sc.solutions[inds[0].solution]
    b = sc.behaviour
    size = np.array([i.enterprises for i in inds], dtype=np.int64)
    p = np.array([i.innovation for i in inds])
    q = np.array([i.imitation for i in inds])
    adopted = np.zeros(len(inds), dtype=np.int64)
    months = b.evaluation_months
    share = sum(i.share for i in sc.programme.instruments if i.kind == "cost_share")
    price = sol.price * (1 - share - sc.contract.platform_discount)
    for _ in range(sc.horizon_months):
        hazard = p + q * adopted / size
        k = rng.binomial(size - adopted, -np.expm1(-hazard))
        industry = np.repeat(np.arange(len(inds)), k)
        n = len(industry)
        if n == 0:
            continue
        u = rng.random((5, n))
        revenue = np.array([i.revenue.median for i in inds])[industry] * np.exp(0.9 * special.ndtri(u[0]))
        benefit = sol.benefit.ppf(u[1])
        rho = monthly_rate(b.hurdle_rate.ppf(u[2]))
        liquidity = b.liquidity_months.ppf(u[3]) * revenue / 12
        gain = gain_profile(
            revenue / 12 * benefit * (1 - sc.programme.tax_rate), 2.0, sol.ramp_months, sol.lifetime_months, months
        )
        flows = gain.copy()
        flows[:, 0] -= price
        adopt = (npv(rho, flows) > 0) & (liquidity >= price)
        adopted += np.bincount(industry[adopt], minlength=len(inds))
    return int(adopted.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="national")
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()
    sc = dx.load_scenario(args.scenario)
    sim, flo, sim_cpu = [], [], []
    for k in range(args.replications):
        t0, c0 = time.perf_counter(), time.process_time()
        run_replication(sc, replication_key(1, k))
        sim.append(time.perf_counter() - t0)
        sim_cpu.append(time.process_time() - c0)
        t0 = time.perf_counter()
        floor(sc, k)
        flo.append(time.perf_counter() - t0)
    s, f, c = float(np.median(sim)), float(np.median(flo)), float(np.median(sim_cpu))
    print(
        f"{sc.name}: dxsim {s:.2f} s/replication ({c:.2f} s CPU); "
        f"floor (numpy consideration + decision) {f:.2f} s; ratio {s / f:.1f} (target < 10)"
    )


if __name__ == "__main__":
    main()
