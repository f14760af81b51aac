"""Consideration's shortcuts choose what the general steps choose: the platform choice and the platforms' screen."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dxsim as dx
import dxsim.model.demand as demand
from dxsim.model.population import Considerers
from dxsim.model.quality import failure_probability
from dxsim.model.world import World
from dxsim.random import replication_key


@pytest.fixture(scope="module")
def small_world():
    return World(dx.load_scenario("small"), replication_key(3, 0))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_choice_among_valid_slots_only_is_the_general_choice(small_world, data):
    """Where every slot holds a platform open to choose, the shortcut picks what masking the invalid picks."""
    d = small_world.driver.demand
    n_ids = int(d.population.size.sum())
    ids = np.array(data.draw(st.lists(st.integers(0, n_ids - 1), min_size=0, max_size=30)), dtype=np.int64)
    attempt = np.array(data.draw(st.lists(st.integers(0, 9), min_size=len(ids), max_size=len(ids))), dtype=np.int64)
    industry = d.population.industry_of(ids)
    c = Considerers(ids, industry, np.zeros(len(ids)), np.zeros(len(ids)), attempt)
    table = d.platforms.by_industry.T  # each industry's candidates, slots x industries
    assert (table >= 0).all()  # small: every industry fills every slot
    fast, general = d._pick(c, table), d._pick(c, table, table >= 0)
    np.testing.assert_array_equal(fast[0], general[0])
    np.testing.assert_array_equal(fast[1], general[1])
    chosen = d.choose_platform(c, 0.5)  # outside a batch that restricts the platforms: the shortcut
    np.testing.assert_array_equal(chosen[0], general[0])


@pytest.mark.parametrize("slot_by_slot_from", [0, 1 << 30])  # slot after slot on any columns, or by argmax
@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    slots=st.integers(1, 4),
    columns=st.integers(0, 12),
    values=st.lists(st.sampled_from([0.0, -0.0, 1.0, 2.5, -np.inf, np.inf, np.nan]), min_size=1, max_size=7),
)
def test_the_first_best_is_argmax_along_the_slots(slot_by_slot_from, data, slots, columns, values):
    """``_first_best`` chooses what ``argmax`` along the slots chooses: ties to the first, NaN first, -inf."""
    cells = st.lists(st.sampled_from(values), min_size=slots * columns, max_size=slots * columns)
    utility = np.array(data.draw(cells), dtype=np.float64).reshape(slots, columns)
    choices = np.arange(slots * columns, dtype=np.int64).reshape(slots, columns) * 7 + 3
    expected = choices[utility.argmax(axis=0), np.arange(columns)]
    with mock.patch.object(demand, "_SLOT_BY_SLOT_FROM", slot_by_slot_from):
        np.testing.assert_array_equal(demand._first_best(utility, choices), expected)


@given(st.lists(st.integers(-5, 40), max_size=60))
def test_the_distinct_values_are_numpys_unique(values):
    """``_distinct`` gives ``np.unique``'s answer: each value once, in increasing order (none of none)."""
    a = np.array(values, dtype=np.int64)
    got = demand._distinct(a)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.unique(a))


@pytest.mark.parametrize("each_row", [0, 1 << 20])  # each distinct pair evaluated once, or each offer's own
@pytest.mark.parametrize("counted", [0, 1 << 20])  # the pairs found by sorting, or by counting
def test_the_screen_values_each_offer_at_its_own_platforms_failure_probability(monkeypatch, counted, each_row):
    """One failure probability per (industry, platform) pair, gathered back to each offer: its own pair's."""
    monkeypatch.setattr(demand, "_COUNTED_PAIRS", counted)
    monkeypatch.setattr(demand, "_EACH_ROW", each_row)
    w = World(dx.load_scenario("platform-pilot-2022"), replication_key(2, 0))
    screen, p, ind = w.driver.demand.screen, w.driver.demand.platforms, w.driver.demand.offers.industry
    asked: list[tuple[np.ndarray, np.ndarray]] = []
    checked = []
    value, valuation = screen.value, demand.valuation

    def value_spy(industry, platform, *args):
        asked.append((industry, platform))
        return value(industry, platform, *args)

    def valuation_spy(offer, outlook, *args, **kwargs):
        industry, platform = asked[-1]
        own = [
            failure_probability(ind.failure[i], p.quality[j], p.experience[j], ind.failure_learning_ratio[i])
            for i, j in zip(industry.tolist(), platform.tolist(), strict=True)
        ]
        np.testing.assert_array_equal(outlook.failure, own)
        checked.append(len(np.unique(industry * len(p.quality) + platform)) < len(industry))
        return valuation(offer, outlook, *args, **kwargs)

    monkeypatch.setattr(screen, "value", value_spy)
    monkeypatch.setattr(demand, "valuation", valuation_spy)
    w.run()
    assert len(checked) > 10 and any(checked)  # offers sharing a pair among them


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_screen_evaluates_each_offers_own_pair(small_world, data):
    """The pairs to evaluate and each offer's entry among them give back every offer's (industry, platform)."""
    screen = small_world.driver.demand.screen
    n_ind, n_pl = len(screen.mean_benefit), len(screen.platforms.quality)
    n = data.draw(st.integers(0, 3 * demand._EACH_ROW))
    industry = np.array(data.draw(st.lists(st.integers(0, n_ind - 1), min_size=n, max_size=n)), dtype=np.int64)
    platform = np.array(data.draw(st.lists(st.integers(0, n_pl - 1), min_size=n, max_size=n)), dtype=np.int64)
    of, at, back = screen._pairs(industry, platform)
    if back is None:  # few offers: each its own
        assert n <= demand._EACH_ROW
    else:  # each distinct pair once, in increasing order
        assert n > demand._EACH_ROW
        pair = of * n_pl + at
        assert (np.diff(pair) > 0).all()
        of, at = of[back], at[back]
    np.testing.assert_array_equal(of, industry)
    np.testing.assert_array_equal(at, platform)


def test_the_adopters_apply_with_their_own_values_in_the_applications_fields() -> None:
    """``Demand._apply`` hands each adopter's row of every column to its application, as an int, float or bool."""
    from types import SimpleNamespace

    from dxsim.model.applications import Application
    from dxsim.model.population import Attributes

    n = 7
    rng = np.random.default_rng(3)
    ints = [rng.integers(0, 10**6, n) for _ in range(4)]  # enterprise, industry, platform, attempt
    reals = [rng.random(n) for _ in range(7)]  # time, threshold, price, money, failure, share, exit
    reals[3][[0, 4]] = 0.0  # two adopters count on no programme money: no cohort
    renewing = rng.random(n) < 0.5
    att = Attributes(*[rng.random(n) for _ in range(10)], rng.random(n) < 0.5)  # type: ignore[arg-type, call-arg]
    head = (*ints[:3], *reals[:2], ints[3], *reals[2:6], renewing, reals[6])
    adopt = np.array([True, False, True, True, True, False, True])
    made: list[Application] = []
    stub = SimpleNamespace(applicants=SimpleNamespace(apply_all=made.extend))  # the month's applications together
    rows = adopt.nonzero()[0]
    demand.Demand._apply(stub, rows, head, att, 5)  # type: ignore[arg-type]
    assert len(made) == len(rows)
    names = ["enterprise", "industry", "platform", "time", "threshold", "attempt", "price", "expected_grant"]
    names += ["perceived_failure", "benefit_share"]
    for app, row in zip(made, rows.tolist(), strict=True):
        for name, column in zip(names, head[:10], strict=True):
            value = getattr(app, name)
            assert value == column[row] and type(value) is type(column[row].item()), name
        for name in Attributes.__dataclass_fields__:
            value = getattr(app.traits, name)
            assert value == getattr(att, name)[row] and type(value) is type(getattr(att, name)[row].item()), name
        assert app.renewal is bool(renewing[row]) and app.exit == reals[6][row] and type(app.exit) is float
        assert (app.cohort is None) == (reals[3][row] == 0.0)
        if app.cohort is not None:
            assert app.cohort.month == 5 and row in [int(i) for i in np.flatnonzero(adopt & (reals[3] > 0))]
    # the cohort (one object) holds the rows of the mask adopt & (money > 0), in order, whatever _apply gathers them by
    cohort = next(app.cohort for app in made if app.cohort is not None)
    money = adopt & (reals[3] > 0)
    assert not money.all() and (reals[3][~adopt] > 0).any()  # some who count on money do not adopt
    columns = (cohort.enterprise, cohort.industry, cohort.platform, cohort.price, *cohort.belief, cohort.renewing)
    for got, column in zip(columns, (*ints[:3], reals[2], reals[4], reals[5], renewing), strict=True):
        np.testing.assert_array_equal(got, column[money])
    np.testing.assert_array_equal(cohort.time, reals[0][money])
    for name in Attributes.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(cohort.attributes, name), getattr(att, name)[money])


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    slots=st.integers(1, 4),
    columns=st.integers(0, 12),
    utilities=st.lists(st.sampled_from([0.0, -0.0, 1.0, 1.0 + 1e-12, -3.5, 99.0, -100.0]), min_size=1, max_size=5),
)
def test_the_race_decides_what_the_utilities_decide_and_leaves_near_ties_open(data, slots, columns, utilities):
    """Where ``_race`` decides a choice it is ``_pick_by_utility``'s; equal clocks and no valid candidate stay open."""
    each = np.array(utilities, dtype=np.float64)
    safe = np.array(
        data.draw(st.lists(st.integers(0, len(each) - 1), min_size=slots * columns, max_size=slots * columns)),
        dtype=np.int64,
    ).reshape(slots, columns)
    clocks = st.sampled_from([1.1e-16, 0.5, 0.5 + 1e-13, 1.0, np.e, 37.4])
    clock = np.array(data.draw(st.lists(clocks, min_size=slots * columns, max_size=slots * columns))).reshape(
        slots, columns
    )
    valid = data.draw(st.one_of(st.none(), st.lists(st.booleans(), min_size=slots * columns, max_size=slots * columns)))
    valid = None if valid is None else np.array(valid, dtype=bool).reshape(slots, columns)
    # each column its own group: any candidates and any valid ones, column by column
    chosen, near = demand._race(each, clock, safe, valid, np.arange(columns))
    expected = demand._pick_by_utility(each, clock, safe, valid)
    np.testing.assert_array_equal(chosen[~near], expected[~near])
    scaled = clock * np.exp(-each)[safe]
    if valid is not None:
        scaled[~valid] = np.inf
        assert near[~valid.any(axis=0)].all()  # no candidate to choose: left to the utilities
    tied = (
        (np.sort(scaled, axis=0)[:1] == np.sort(scaled, axis=0)[1:2]).ravel() if slots > 1 else np.zeros(columns, bool)
    )
    assert near[tied].all()  # equal clocks are near ties: the utilities break them (to the first)


@pytest.mark.parametrize("margin", [demand._RACE_MARGIN, np.inf])  # the race decides, or leaves every choice open
def test_the_choice_by_the_race_is_the_choice_by_the_utilities(small_world, monkeypatch, margin):
    """Run from any number of considerers, the race (near ties left to the utilities) chooses what the utilities choose."""
    d = small_world.driver.demand
    n_ids = int(d.population.size.sum())
    ids = np.arange(n_ids, dtype=np.int64)
    attempt = ids % 5
    c = Considerers(ids, d.population.industry_of(ids), np.zeros(n_ids), np.zeros(n_ids), attempt)
    table = d.platforms.by_industry.T  # slots x industries
    # every candidate open; the second slot of the first industry closed; every slot of the second closed
    closed = np.array([[True, True], [False, True]]), np.array([[True, False], [True, False]])
    for v in (None, *closed):
        monkeypatch.setattr(demand, "_RACE_FROM", 1 << 30)
        by_utility = d._pick(c, table, v)
        monkeypatch.setattr(demand, "_RACE_FROM", 0)
        monkeypatch.setattr(demand, "_RACE_MARGIN", margin)
        raced = d._pick(c, table, v)
        np.testing.assert_array_equal(raced[0], by_utility[0])
        np.testing.assert_array_equal(raced[1], by_utility[1])


def test_an_unlimited_platform_makes_no_one_wait_whatever_the_number_waiting():
    # the expected go-live: the queue at each one's platform (number waiting x mean implementation /
    # capacity), then the implementation; at a platform without a limit no wait at all, even with an
    # infinite number waiting (inf / inf would be NaN)
    offers = World(dx.load_scenario("small"), replication_key(3, 0)).driver.demand.offers
    assert not offers.any_unlimited  # small: every platform has 4 servers
    platforms = offers.platforms
    platforms.capacity[0] = np.inf
    unlimited = demand.Offers(
        offers.programme, platforms, offers.occupancy, offers.industry, offers.rules, offers.evaluation_months
    )
    assert unlimited.any_unlimited
    industry, platform = np.array([0, 0, 1]), np.array([0, 1, 2])
    waiting = np.array([np.inf, 2.0, 0.0])
    mean = offers.industry.mean_implementation[industry]
    expected = np.array([mean[0], 2.0 * mean[1] / platforms.capacity[1] + mean[1], mean[2]])
    with np.errstate(invalid="ignore"):  # inf / inf, the cell the unlimited platform's rule replaces
        got = unlimited.expected_golive(industry, platform, waiting)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("race_from", [0, 1 << 30])  # by the race (near ties by the utilities), or the utilities
@pytest.mark.parametrize("deferred", [False, True])
@pytest.mark.parametrize("admitted", [None, [True, False, False, False], [False, False, True, True]])
def test_the_candidates_found_per_industry_are_each_considerers_own(
    small_world, monkeypatch, race_from, deferred, admitted
):
    """``_choose`` works out which candidates are open per industry: each considerer gets what it would on its own.

    The reference, considerer by considerer: its industry's platforms, less those over their working-capital
    limit under a deferred scheme, then only the admitted ones where its industry has any; the highest
    utility plus the keyed Gumbel noise (ties to the first slot; with none open, the first slot's platform).
    """
    d = small_world.driver.demand
    monkeypatch.setattr(demand, "_RACE_FROM", race_from)
    monkeypatch.setattr(d, "rules", replace(d.rules, deferred=deferred))
    over = np.array([False, True, False, False])  # the first industry's second platform at its limit
    monkeypatch.setattr(d.working_capital, "over_limit", lambda: over)
    mask = None if admitted is None else np.array(admitted)
    n_ids = int(d.population.size.sum())
    ids = np.arange(n_ids, dtype=np.int64)
    c = Considerers(ids, d.population.industry_of(ids), np.zeros(n_ids), np.zeros(n_ids), ids % 7)
    chosen, has = d._choose(c, mask)
    pc, p = d.choice.weights, d.platforms
    each = pc.quality_weight * p.quality - pc.price_weight * d.prices.index - pc.queue_weight * d.occupancy.waiting
    n_slots = p.by_industry.shape[1]
    for j in range(n_ids):
        cand = p.by_industry[c.industry[j]]
        open_ = [k for k in cand if k >= 0 and not (deferred and over[k])]
        if mask is not None and any(mask[k] for k in open_):
            open_ = [k for k in open_ if mask[k]]
        assert has[j] == bool(open_)
        if not open_:
            assert chosen[j] == max(cand[0], 0)
            continue
        noise = d.keys.gumbel("platform_choice", c.ids[j], c.attempt[j] * n_slots + np.arange(n_slots))
        utility = [each[k] + noise[s] if k in open_ else -np.inf for s, k in enumerate(cand)]
        assert chosen[j] == cand[int(np.argmax(utility))]
