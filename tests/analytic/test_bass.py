"""Consideration is the discrete-time Bass model when every later step is switched off.

MODEL.md mechanism 1: in month t a not-yet-adopted enterprise of industry i
considers with probability 1 - exp(-h_i(t)), h_i(t) = p_i + q_i A_i(t) / m_i,
A_i(t) taken at the start of month t; a free solution with a positive gain is
worth considering for everyone, so the market potential m_i is N_i.  With free,
instant, infallible, everlasting solutions, no firm exit and no programme, every
considerer adopts and is live in the month it
considers, so A_i(t) / N_i = F_t and

    F_{t+1} = F_t + (1 - F_t) (1 - exp(-(p + q F_t))),  F_0 = 0.

Indexing: ``in_use`` at the end of month t is A_i(t + 1), i.e. N F_{t+1}.
"""

from __future__ import annotations

import numpy as np
import pytest

import dxsim as dx
from dxsim.model.population import Population
from dxsim.random import Keys, replication_key
from dxsim.scenario import scenario_from_dict

N = 3000  # enterprises per industry
MONTHS = 36
REPLICATIONS = 10
SEED = 20240917
BASS = {"textiles": (0.01, 0.40), "machining": (0.04, 0.15)}  # (p, q) per month


def bass_path(p: float, q: float, months: int) -> np.ndarray:
    """F_1 .. F_months of the discrete-time Bass recursion from F_0 = 0."""
    f, out = 0.0, []
    for _ in range(months):
        f = f + (1.0 - f) * (1.0 - np.exp(-(p + q * f)))
        out.append(f)
    return np.array(out)


def frictionless() -> dx.Scenario:
    """``small`` with every step after consideration switched off."""
    overrides = {
        "horizon_months": MONTHS,
        "industry_defaults.enterprises": N,
        "industry_defaults.demonstration": 0.0,
        "industry_defaults.internal_cost_share": 0.0,  # nothing to pay, so everyone is in the market potential
        "industry_defaults.internal_cost_fixed": 0.0,
        "solutions.lightweight-mes.price": 0.0,
        "solutions.lightweight-mes.failure_probability": 0.0,
        "solutions.lightweight-mes.implementation_months": 0,
        "solutions.lightweight-mes.ramp_months": 0,
        "solutions.lightweight-mes.lifetime_months": 10 * MONTHS,
        "solutions.lightweight-mes.benefit": 0.02,
        "programme.batches": [],
        "programme.instruments": [],
        "contract.platform_discount": 0.0,
        "behaviour.perceived_failure.initial": 0.0,
        # a one-yuan fee on a one-yuan delivery: the platforms' participation constraint holds for a free solution
        "solutions.lightweight-mes.subscription": 1.0,
        "solutions.lightweight-mes.benefit_maturity_exponent": 0.0,  # the same gain whatever the starting score
        "platforms.delivery_cost": 1.0,
        "behaviour.exit_rate": 0.0,  # firms that never exit (everlasting solutions, everlasting firms)
        # one income-tax rate for all: without the small-low-profit notch a free gain is always worth taking
        "tax.small_low_profit_rate": 0.25,
        "tax.small_low_profit_rate_after": 0.25,
    }
    for k, (name, (p, q)) in enumerate(BASS.items()):
        overrides[f"industries[{k}].name"] = name
        overrides[f"industries[{k}].innovation"] = p
        overrides[f"industries[{k}].imitation"] = q
    data = dx.load_scenario("small").with_overrides(overrides).to_dict()
    del data["platforms"]["capacity"]  # unlimited
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def runs():
    sc = frictionless()
    assert [i.name for i in sc.resolved_industries] == list(BASS)
    assert all(p.capacity is None for p in sc.resolved_platforms)
    return dx.simulate(sc, replications=REPLICATIONS, seed=SEED)


def test_every_considerer_adopts_and_goes_live_at_once(runs):
    np.testing.assert_array_equal(runs["adoptions"], runs["considering"])
    np.testing.assert_array_equal(runs["in_use"], runs["adopters"])
    signed = runs["signed_month"].values
    done = ~np.isnan(signed)
    assert done.sum() > 0.5 * REPLICATIONS * N * len(BASS)
    np.testing.assert_array_equal(runs["golive_month"].values[done], signed[done])
    np.testing.assert_array_equal(runs["wait_months"].values[done], 0.0)


def test_considerers_are_binomial_given_the_start_of_the_month(runs):
    # X_t | A_t ~ Binomial(N - A_t, 1 - exp(-(p + q A_t / N))): exact, so the
    # standardised residuals summed over months and replications are N(0, 1)
    # and their squares average 1.
    in_use = runs["in_use"].values  # (replication, month, industry)
    start = np.concatenate([np.zeros_like(in_use[:, :1]), in_use[:, :-1]], axis=1)  # A_t
    x = runs["considering"].values
    for k, (p, q) in enumerate(BASS.values()):
        a, xk = start[..., k], x[..., k]
        prob = 1.0 - np.exp(-(p + q * a / N))
        mean, var = (N - a) * prob, (N - a) * prob * (1.0 - prob)
        live = var > 0
        assert (xk[~live] == 0).all()  # a saturated industry has no one left to consider
        z = (xk[live] - mean[live]) / np.sqrt(var[live])
        assert abs(z.sum() / np.sqrt(z.size)) < 4.0
        assert abs(np.mean(z**2) - 1.0) < 4.0 * np.sqrt(2.0 / z.size) + 0.05


def test_mean_adoption_follows_the_discrete_bass_recursion(runs):
    share = runs["in_use"].values / N  # (replication, month, industry); month t holds F_{t+1}
    mean = share.mean(axis=0)
    se = share.std(axis=0, ddof=1) / np.sqrt(REPLICATIONS)
    # The mean of the random path differs from the recursion run on the mean by
    # a Jensen term of order 1/N (about 5/N at most for these p, q).
    tolerance = 4.0 * se + 10.0 / N
    for k, (p, q) in enumerate(BASS.values()):
        expected = bass_path(p, q, MONTHS)
        gap = np.abs(mean[:, k] - expected)
        assert (gap <= tolerance[:, k]).all(), f"industry {k}: worst month {int(np.argmax(gap - tolerance[:, k]))}"
        # The test can tell a one-month slip in the indexing (F_t instead of F_{t+1}).
        slipped = np.r_[0.0, expected[:-1]]
        assert (np.abs(mean[:, k] - slipped) > tolerance[:, k]).any()
    assert mean[-1, 0] > 0.95  # the fast industry is (nearly) saturated by the end


# ------------------------------------------------------------ the population
@pytest.fixture(scope="module")
def industries():
    sc = dx.load_scenario("small").with_overrides({"industries[0].enterprises": 40, "industries[1].enterprises": 25})
    return sc


def _population(sc: dx.Scenario, key: int) -> Population:
    return Population(sc.resolved_industries, sc.solutions, sc.behaviour, Keys(key))


def test_first_time_considerers_up_to_a_hazard_are_binomial(industries):
    # Up to integrated hazard L, each of N enterprises has considered with
    # probability 1 - exp(-L), independently: Binomial(N, 1 - exp(-L)).
    hazard = np.array([0.7, 0.3])
    sizes = np.array([40, 25])
    keys = 3000
    counts = np.empty((keys, 2))
    for k in range(keys):
        c = _population(industries, replication_key(11, k)).step(hazard, 0)
        assert (c.attempt == 0).all()
        counts[k] = np.bincount(c.industry, minlength=2)
    prob = 1.0 - np.exp(-hazard)
    mean, var = sizes * prob, sizes * prob * (1.0 - prob)
    se_mean = np.sqrt(var / keys)
    np.testing.assert_array_less(np.abs(counts.mean(axis=0) - mean), 4.0 * se_mean)
    # Sample variance: standard error sqrt(2 / keys) relative, for a near-normal count.
    rel = counts.var(axis=0, ddof=1) / var - 1.0
    np.testing.assert_array_less(np.abs(rel), 4.0 * np.sqrt(2.0 / (keys - 1)) + 0.02)


def test_consideration_is_a_time_change_of_the_industry_clocks(industries):
    # Advancing the clock by L in one month or by L/3 in three months picks the
    # same enterprises with the same thresholds; each considers inside its month,
    # at the time its threshold is passed.
    key = replication_key(5, 0)
    hazard = np.array([0.9, 0.45])
    one = _population(industries, key).step(hazard, 0)
    pop = _population(industries, key)
    parts = [pop.step(hazard / 3.0, t) for t in range(3)]
    ids = np.concatenate([c.ids for c in parts])
    thresholds = np.concatenate([c.threshold for c in parts])
    order = np.argsort(ids)
    np.testing.assert_array_equal(ids[order], np.sort(one.ids))
    np.testing.assert_allclose(thresholds[order], one.threshold[np.argsort(one.ids)])
    for t, c in enumerate(parts):
        assert ((c.time >= t) & (c.time <= t + 1)).all()
        lo = t * hazard[c.industry] / 3.0
        np.testing.assert_allclose(c.time, t + (c.threshold - lo) / (hazard[c.industry] / 3.0), atol=1e-9)
    assert len(np.unique(ids)) == len(ids)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 16, 17, 64, 100, 1000, 4097])
def test_keyed_permutation_is_a_bijection(n):
    keys = Keys(replication_key(3, 1))
    perm = keys.permutation_index("holder:0", n, np.arange(n))
    np.testing.assert_array_equal(np.sort(perm), np.arange(n))
    # Evaluating position by position (in any order) gives the same permutation.
    back = np.arange(n)[::-1]
    np.testing.assert_array_equal(keys.permutation_index("holder:0", n, back), perm[back])
    if n >= 17:  # and it is not the identity, nor the same under another stream
        assert (perm != np.arange(n)).any()
        assert (keys.permutation_index("holder:1", n, np.arange(n)) != perm).any()


def test_population_holders_are_a_bijection(industries):
    pop = _population(industries, replication_key(9, 0))
    for i, n in enumerate((40, 25)):
        holders = pop.thresholds.holders(i, np.arange(n))
        np.testing.assert_array_equal(np.sort(holders), np.arange(n))
    # Over a long enough clock every enterprise considers exactly once for the first time.
    c = pop.step(np.array([60.0, 60.0]), 0)
    np.testing.assert_array_equal(np.sort(c.ids), np.arange(65))
