"""One replication of ``national`` against the yardstick, with the older floors beside it.

The target (issue 17): one replication within 10x of the **yardstick**,
``benchmarks/yardstick.py``, a fixed plain numpy loop over the same population
and months (attributes drawn once, Bass consideration, a closed-form
decision) that never calls ``dxsim.model``; all three are timed in this one
run, one after the other, and the medians printed.

The floors below are printed for continuity (issue 5's target was against
the floor); they call the model's own ``decide()``, so they reward a slow
decision.  The floor walks the same population and months as the model, in plain
numpy with one unkeyed generator:

* each enterprise draws its attributes once from the scenario's
  distributions (revenue, benefit, hurdle rate, payback limit, liquidity,
  maturity, whether its project works, its margin and whether it is
  high-tech: its tax position);
* consideration as in the model: an enterprise considers in the month its
  industry's integrated Bass hazard ``p + (q x in use + d x lighthouses) / N``
  passes its threshold (a unit exponential; a rejecter adds another, an
  adopter leaves); in use are the adopters within the solution's lifetime
  whose project works, lighthouses those whose project works and lifts them
  to the lighthouse level, counted from the mean implementation time plus
  the acceptance delay after adopting;
* the decision is the model's own vectorised one
  (:func:`dxsim.model.decision.decide`: NPV over the evaluation horizon,
  perceived failure (since 0.4.0 the sub-industry's Beta-Binomial posterior
  on the floor's expected working and failed projects), payback limit,
  liquidity, and each enterprise's own income tax under the scenario's tax
  law, :class:`dxsim.model.tax.TaxPosition`: its marginal rate on the gain,
  the deduction of what it pays, its VAT
  credit) on an upfront offer at the
  list price less the platform discount and, while a batch is open and its
  budget lasts, the programme's cost share (capped per enterprise; the
  month's grants come out of the budget).

No platforms, queues, contracts, acceptance, ledger or outputs: the least
any simulation of this population must do.  Issue 5's target: dxsim within
10x of the floor.

Both print how many decisions they took: the floor is only a fair yardstick
if it decides about as often as the model does.  For continuity the first
floor (a simplified decision without payback limit or perceived failure,
which made a quarter of the model's decisions) is printed as well; it taxes
each gain at the enterprise's own rate under the tax law (its base profit at
the industry's median margin, not high-tech, no deduction), where it used the
flat ``programme.tax_rate`` of dxsim 0.2.0.

Last, one more replication is run with its stages timed (``benchmarks/timing.py``:
decisions, the platforms' screen, the rest of consideration, the population's
clock, signing, starts, go-lives, assessments, month close, results, each net
of the others inside it) and where its time went is printed: the profile the
next pass starts from, without a profiler.

Run: ``.venv/bin/python benchmarks/bench_national.py [--replications N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import special
from timing import Clock, timing  # benchmarks/timing.py, beside this script
from yardstick import yardstick  # benchmarks/yardstick.py, beside this script

import dxsim as dx
import dxsim.model.decision as decision
import dxsim.model.demand as demand
from dxsim.finance import gain_profile, monthly_rate, npv
from dxsim.model.acceptance import Assessments
from dxsim.model.contracting import Contracting
from dxsim.model.decision import Offer, decide
from dxsim.model.driver import MonthlyDriver
from dxsim.model.information import perceived_failure
from dxsim.model.population import Population, maturity_level
from dxsim.model.tax import TaxLaw, TaxPosition
from dxsim.model.world import World, run_replication
from dxsim.random import replication_key


def _by_group(dists: list[dx.dists.Dist], u: np.ndarray, industry: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws of each industry's distribution (one ppf call per distinct one)."""
    out = np.empty(len(u))
    for d in set(dists):
        rows = np.flatnonzero(np.array([x == d for x in dists])[industry])
        out[rows] = d.ppf(u[rows])
    return out


def floor(sc: dx.Scenario, seed: int) -> tuple[int, int]:
    """Consideration and decision only; returns (adopters, decisions taken)."""
    rng = np.random.default_rng(seed)
    inds = sc.resolved_industries
    sols = [sc.solutions[i.solution] for i in inds]
    b = sc.behaviour
    size = np.array([i.enterprises for i in inds], dtype=np.int64)
    of = np.repeat(np.arange(len(inds)), size)  # industry of each enterprise
    u = rng.random((11, len(of)))  # each enterprise's attributes, drawn once
    revenue = _by_group([i.revenue for i in inds], u[0], of)
    gain = revenue / 12.0 * _by_group([s.benefit for s in sols], u[1], of)
    hurdle = b.hurdle_rate.ppf(u[2])
    max_payback = b.max_payback_months.ppf(u[3])
    liquidity = np.clip(b.liquidity_months.ppf(u[4]), 0.0, None) * revenue / 12.0
    law = TaxLaw.of(sc)  # each enterprise's tax position: base profit, high-tech, general VAT taxpayer
    base_profit = revenue * _by_group([i.margin for i in inds], u[9], of)
    high_tech = u[10] < np.array([i.high_tech_share for i in inds])[of]
    general_vat = law.general_vat(revenue)
    # lighthouse if the project works and lifts the maturity score to the lighthouse level
    edges = np.array([[i.maturity.exploration, i.maturity.exploration + i.maturity.practice] for i in inds])[of]
    band = (u[5] >= edges[:, 0]).astype(np.int64) + (u[5] >= edges[:, 1])
    low, high = np.array([20.0, 40.0, 60.0])[band], np.array([40.0, 60.0, 100.0])[band]
    after = low + u[6] * (high - low) + _by_group([s.maturity_gain for s in sols], u[7], of)
    lighthouse = (maturity_level(after) >= sc.programme.lighthouse.min_level) & (
        u[8] >= np.array([s.failure_probability for s in sols])[of]
    )
    p = np.array([i.innovation for i in inds])
    q = np.array([i.imitation for i in inds])
    demonstration = np.array([i.demonstration for i in inds])
    price = np.array([s.price for s in sols])
    ramp = np.array([s.ramp_months for s in sols])
    lifetime = np.array([s.lifetime_months for s in sols])
    subscription = np.array([s.subscription for s in sols])
    golive = np.array([s.implementation_months.mean for s in sols])
    works = 1.0 - np.array([s.failure_probability for s in sols])
    share = sum(i.share for i in sc.programme.instruments if i.kind == "cost_share")
    caps = [i.cap_per_enterprise for i in sc.programme.instruments if i.kind == "cost_share"]
    cap = min((c for c in caps if c is not None), default=np.inf)
    batches = [(sc.month_of(x.opens), sc.month_of(x.closes, end_of_day=True), x.budget) for x in sc.programme.batches]
    left = [budget for *_, budget in batches]
    discount = sc.contract.platform_discount
    pf = b.perceived_failure
    adoptions = np.zeros((sc.horizon_months, len(inds)))  # by month of adoption
    lighthouses = np.zeros((sc.horizon_months + 1, len(inds)))  # by month of acceptance
    to_acceptance = round(float(golive.mean()) + sc.programme.acceptance.delay_months)
    # Consideration as in the model: enterprise j considers when its industry's integrated hazard
    # passes its threshold (unit exponential); a rejecter draws its next threshold, an adopter leaves.
    threshold = rng.exponential(size=len(of))
    integrated = np.zeros(len(inds))
    adopted = np.zeros(len(of), dtype=bool)
    decisions = 0
    for t in range(sc.horizon_months):
        # in use: adopters within their solution's lifetime whose project works (in expectation)
        since = np.arange(t)[:, None] >= t - lifetime[None, :]
        within = (adoptions[:t] * since).sum(axis=0)
        in_use, failed = works * within, (1.0 - works) * within
        hazard = p + (q * in_use + demonstration * lighthouses[:t].sum(axis=0)) / size
        integrated += hazard
        who = np.flatnonzero(threshold <= integrated[of])
        industry = of[who]
        n = len(who)
        decisions += n
        if n == 0:
            continue
        batch = next((j for j, (lo, hi, _) in enumerate(batches) if lo <= t < hi and left[j] > 0), None)
        grant = np.minimum(share * price[industry], cap) if batch is not None else np.zeros(n)
        zero = np.zeros(n)
        offer = Offer(
            owed=price[industry] * (1.0 - discount) - grant,
            scheme=sc.contract.payment,
            receive_signing=zero,
            receive_golive=zero,
            receive_acceptance=zero,
            golive=golive[industry],
            acceptance_delay=sc.programme.acceptance.delay_months,
            subscription=subscription[industry],
        )
        adopt = decide(
            offer,
            gain=gain[who],
            tax=TaxPosition(law, base_profit[who], high_tech[who], general_vat[who], t),
            ramp=ramp[industry],
            lifetime=lifetime[industry],
            hurdle_rate=hurdle[who],
            failure=perceived_failure(pf.initial, pf.prior_strength, in_use, failed)[industry],
            horizon=b.evaluation_months,
            max_payback=max_payback[who],
            liquidity=liquidity[who],
        ).adopt
        adopted[who[adopt]] = True
        threshold[who[adopt]] = np.inf
        threshold[who[~adopt]] += rng.exponential(size=int((~adopt).sum()))
        adoptions[t] = np.bincount(industry[adopt], minlength=len(inds))
        lit = adopt & lighthouse[who]
        lighthouses[min(t + to_acceptance, sc.horizon_months)] += np.bincount(industry[lit], minlength=len(inds))
        if batch is not None:
            left[batch] -= grant[adopt].sum()  # the month's grants come out of the batch's budget
    return int(adopted.sum()), decisions


def first_floor(sc: dx.Scenario, seed: int) -> tuple[int, int]:
    """The first floor: a simplified decision (NPV at the subsidised price and liquidity only)."""
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
    law = TaxLaw.of(sc)
    margin = np.array([float(i.margin.ppf(0.5)) for i in inds])  # the industry's median margin
    decisions = 0
    for t in range(sc.horizon_months):
        hazard = p + q * adopted / size
        k = rng.binomial(size - adopted, -np.expm1(-hazard))
        industry = np.repeat(np.arange(len(inds)), k)
        n = len(industry)
        decisions += n
        if n == 0:
            continue
        u = rng.random((5, n))
        revenue = np.array([i.revenue.median for i in inds])[industry] * np.exp(0.9 * special.ndtri(u[0]))
        benefit = sol.benefit.ppf(u[1])
        rho = monthly_rate(b.hurdle_rate.ppf(u[2]))
        liquidity = b.liquidity_months.ppf(u[3]) * revenue / 12
        monthly_gain = revenue / 12 * benefit
        # the enterprise's own income tax on the gain (its base profit at the median margin, not high-tech)
        tax = law.incremental(revenue * margin[industry], monthly_gain, 0.0, False, t)
        gain = gain_profile(monthly_gain - tax, 2.0, sol.ramp_months, sol.lifetime_months, months)
        flows = gain.copy()
        flows[:, 0] -= price
        adopt = (npv(rho, flows) > 0) & (liquidity >= price)
        adopted += np.bincount(industry[adopt], minlength=len(inds))
    return int(adopted.sum()), decisions


#: The stages of a replication: (stage, owner, function or method); each stage's time is net of the others inside it.
#: A function is wrapped where the model calls it by name: ``decide`` in ``decision`` (for ``weigh``) and in ``demand``.
STAGES = [
    ("decisions (decide: consideration, cohorts, re-decisions at signing)", decision, "decide"),
    ("decisions (decide: consideration, cohorts, re-decisions at signing)", demand, "decide"),  # as demand calls it
    ("platforms' participation screen", demand, "valuation"),
    ("consideration, less its decisions and screen", demand.Demand, "consider"),
    ("the population's clock (thresholds, exits)", Population, "step"),
    ("signing, less its re-decisions", Contracting, "try_sign"),
    ("starts (Wright's law, failure, delivery cost)", Contracting, "start_implementation"),
    ("go-lives", Contracting, "go_live"),
    ("assessments (with money; records at month close)", Contracting, "assess"),
    ("assessments (with money; records at month close)", Assessments, "write"),
    ("month close, less its assessments' records", MonthlyDriver, "close_month"),
    ("results (settlement at the end, taxes, accounts)", World, "_result"),
]


def stages(sc: dx.Scenario, key: int) -> None:
    """Run one more replication with its stages timed (:data:`STAGES`) and print where its time went."""
    clock = Clock()
    with timing(clock, STAGES):
        t0 = time.perf_counter()
        run_replication(sc, key)
        total = time.perf_counter() - t0
    print(f"  where a replication's time goes (one more, its stages timed; {total:.2f} s):")
    for stage in dict.fromkeys(s for s, *_ in STAGES):
        sec, n = clock.seconds.get(stage, 0.0), clock.calls.get(stage, 0)
        print(f"    {stage}: {sec:.3f} s ({sec / total:.0%}; {n:,} calls)")
    rest = total - sum(clock.seconds.values())
    print(f"    the rest (SimPy's event loop, the applicants' steps, setting up): {rest:.3f} s ({rest / total:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="national")
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()
    sc = dx.load_scenario(args.scenario)
    run_replication(sc, replication_key(2, 0))  # untimed warm-up of each: imports, caches, first allocations
    floor(sc, 12345)
    first_floor(sc, 12345)
    yardstick(sc, 12345)
    times: dict[str, list[float]] = {"sim": [], "cpu": [], "yard": [], "yard_cpu": [], "floor": [], "first": []}
    counts: dict[str, list[int]] = {
        "sim": [],
        "yard": [],
        "floor": [],
        "first": [],
        "sim_adopters": [],
        "yard_adopters": [],
        "floor_adopters": [],
    }
    for k in range(args.replications):
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_replication(sc, replication_key(1, k))
        times["sim"].append(time.perf_counter() - t0)
        times["cpu"].append(time.process_time() - c0)
        counts["sim"].append(int(result.monthly["considering"].sum()))
        counts["sim_adopters"].append(int(result.monthly["adoptions"].sum() + result.monthly["renewals"].sum()))
        t0, c0 = time.perf_counter(), time.process_time()
        tally = yardstick(sc, k)
        times["yard"].append(time.perf_counter() - t0)
        times["yard_cpu"].append(time.process_time() - c0)
        counts["yard"].append(tally.decisions)
        counts["yard_adopters"].append(tally.adopters)
        for name, fn in (("floor", floor), ("first", first_floor)):
            t0 = time.perf_counter()
            adopters, decisions = fn(sc, k)
            times[name].append(time.perf_counter() - t0)
            counts[name].append(decisions)
            if name == "floor":
                counts["floor_adopters"].append(adopters)
    s, c, y, yc, f, f1 = (float(np.median(times[x])) for x in ("sim", "cpu", "yard", "yard_cpu", "floor", "first"))
    d = {x: int(np.median(v)) for x, v in counts.items()}
    print(
        f"{sc.name} ({args.replications} replications, medians): dxsim {s:.2f} s/replication ({c:.2f} s CPU, "
        f"{d['sim']:,} decisions, {d['sim_adopters']:,} contracts); yardstick {y:.3f} s ({yc:.3f} s CPU, "
        f"{d['yard']:,} decisions, {d['yard_adopters']:,} adopters); ratio {s / y:.1f} (target < 10; CPU {c / yc:.1f})"
    )
    print(
        f"  older floors: floor (numpy consideration + the model's decision) {f:.2f} s "
        f"({d['floor']:,} decisions, {d['floor_adopters']:,} adopters), ratio {s / f:.1f}; "
        f"first floor (simplified decision) {f1:.2f} s ({d['first']:,} decisions), ratio {s / f1:.1f}"
    )
    print(
        f"  the floor is {f / y:.1f}x the yardstick: the model's decision alone (its tax law month by month, "
        "payback limit, perceived failure, liquidity) on about as many decisions takes most of the target's 10x"
    )
    stages(sc, replication_key(1, args.replications))


if __name__ == "__main__":
    main()
