"""The yardstick of issue 17: the least a simulation of a scenario's population must do, in plain numpy.

A fixed function, written down once, against which one replication of the
model is timed (``bench_national.py``; target: ``national`` within 10x of it).
It never imports or calls ``dxsim.model`` (a yardstick that contains the code
it measures rewards that code for being slow); it reads the scenario's
parameters through ``dxsim.scenario`` only.  What it does, and nothing else:

* one generator, ``numpy.random.default_rng(seed)``;
* the same population and months as the scenario: each industry's
  enterprises, ``horizon_months`` months;
* each enterprise's attributes drawn once, by inverse CDF of the scenario's
  distributions: its revenue (its industry's), the benefit of its industry's
  solution (a fraction of revenue) and its hurdle rate;
* Bass consideration each month: an enterprise considers in the month its
  industry's integrated hazard passes its threshold (a unit exponential); a
  rejecter adds another unit exponential to its threshold, an adopter
  leaves.  The hazard is ``p + q x adopters / N``, plus the programme's
  ``outreach`` while a batch is open (the model's, without lighthouses,
  lifetimes and market potential: adopters count as in use, ``N`` is the
  industry's enterprises);
* a closed-form decision: it adopts when the present value, at its monthly
  hurdle rate, of its full monthly gain ``revenue / 12 x benefit`` from the
  solution's mean implementation time (whole months) to the decision horizon
  ``behaviour.evaluation_months`` exceeds the net price: the solution's list
  price less the platform discount and, while a batch is open and its budget
  lasts, the programme's cost share (capped per enterprise; the month's grants
  come out of the budget).

No tax, failure, payback limit, liquidity, platforms, queues, contracts,
ledger or outputs.  It is a cost yardstick, not a model: its adoptions are
printed only to show it decides about as often as the model does.

Run alone: ``.venv/bin/python benchmarks/yardstick.py [--scenario national] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dxsim.scenario import Scenario, load_scenario
from dxsim.scenario.dists import Dist

__all__ = ["Tally", "yardstick"]


@dataclass(frozen=True)
class Tally:
    """What the yardstick counted: adoptions (month, industry) and decisions taken."""

    adoptions: NDArray[np.int64]  # enterprises adopting, by month and industry
    decisions: int  # considerations, each one decision

    @property
    def adopters(self) -> int:
        """All adopters over the horizon."""
        return int(self.adoptions.sum())


def _draw(dists: list[Dist], u: NDArray[np.float64], of: NDArray[np.int64]) -> NDArray[np.float64]:
    """Inverse-CDF draws of each enterprise's industry's distribution, ``dists[of]`` (one ppf call per distinct one)."""
    out = np.empty(len(u))
    for d in set(dists):
        rows = np.flatnonzero(np.array([x == d for x in dists])[of])
        out[rows] = d.ppf(u[rows])
    return out


def _present_value(gain: NDArray[np.float64], rate: NDArray[np.float64], start: int, end: int) -> NDArray[np.float64]:
    """Present value (yuan) of ``gain`` (yuan / month) in months ``start .. end - 1``, annual ``rate`` (closed form)."""
    v = (1.0 + rate) ** (-1.0 / 12.0)  # monthly discount factor
    months = max(end - start, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(v < 1.0, v**start * (1.0 - v**months) / (1.0 - v), float(months))
    return gain * annuity


def yardstick(sc: Scenario, seed: int) -> Tally:
    """Consideration and a closed-form decision over ``sc``'s population and months (see the module's docstring).

    Parameters
    ----------
    sc : Scenario
        The scenario whose population, months and parameters are read.
    seed : int
        Seed of the one generator.

    Returns
    -------
    Tally
        Adoptions by month and industry, and the number of decisions taken.

    Examples
    --------
    >>> sc = load_scenario("small").with_overrides({"horizon_months": 12})
    >>> yardstick(sc, 1).adoptions.shape == (12, len(sc.resolved_industries))
    True
    """
    rng = np.random.default_rng(seed)
    inds = sc.resolved_industries
    sols = [sc.solutions[i.solution] for i in inds]
    size = np.array([i.enterprises for i in inds], dtype=np.int64)
    of = np.repeat(np.arange(len(inds)), size)  # industry of each enterprise
    u = rng.random((3, len(of)))  # each enterprise's attributes, drawn once
    revenue = _draw([i.revenue for i in inds], u[0], of)
    gain = revenue / 12.0 * _draw([s.benefit for s in sols], u[1], of)
    golive = np.array([int(s.implementation_months.mean) for s in sols])[of]
    pv = np.empty(len(of))
    for start in np.unique(golive):
        rows = golive == start
        pv[rows] = _present_value(
            gain[rows], sc.behaviour.hurdle_rate.ppf(u[2, rows]), int(start), sc.behaviour.evaluation_months
        )
    price = np.array([s.price for s in sols]) * (1.0 - sc.contract.platform_discount)
    share = sum(i.share for i in sc.programme.instruments if i.kind == "cost_share")
    cap = min(
        (
            i.cap_per_enterprise
            for i in sc.programme.instruments
            if i.kind == "cost_share" and i.cap_per_enterprise is not None
        ),
        default=np.inf,
    )
    grant = np.minimum(share * np.array([s.price for s in sols]), cap)  # by industry
    batches = [[sc.month_of(b.opens), sc.month_of(b.closes, end_of_day=True), b.budget] for b in sc.programme.batches]
    p = np.array([i.innovation for i in inds])
    q = np.array([i.imitation for i in inds])
    threshold = rng.exponential(size=len(of))
    integrated = np.zeros(len(inds))
    adopters = np.zeros(len(inds))
    adoptions = np.zeros((sc.horizon_months, len(inds)), dtype=np.int64)
    decisions = 0
    for t in range(sc.horizon_months):
        open_now = any(b[0] <= t < b[1] for b in batches)
        integrated += p + q * adopters / size + (sc.programme.outreach if open_now else 0.0)
        who = np.flatnonzero(threshold <= integrated[of])
        decisions += len(who)
        batch = next((b for b in batches if b[0] <= t < b[1] and b[2] > 0), None)
        net = price - grant if batch is not None else price
        adopt = pv[who] > net[of[who]]
        threshold[who[adopt]] = np.inf
        threshold[who[~adopt]] += rng.exponential(size=int((~adopt).sum()))
        adoptions[t] = np.bincount(of[who[adopt]], minlength=len(inds))
        adopters += adoptions[t]
        if batch is not None:
            batch[2] -= float(grant @ adoptions[t])  # the month's grants come out of the batch's budget
    return Tally(adoptions=adoptions, decisions=decisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="national")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sc = load_scenario(args.scenario)
    t0 = time.perf_counter()
    tally = yardstick(sc, args.seed)
    print(
        f"{sc.name}: yardstick {time.perf_counter() - t0:.3f} s, {tally.decisions:,} decisions, {tally.adopters:,} adopters"
    )


if __name__ == "__main__":
    main()
