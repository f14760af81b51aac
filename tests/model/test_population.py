"""Keyed attributes: the same enterprise gets the same attributes however and whenever it is drawn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model import population as population_module
from dxsim.model.population import Attributes, Population
from dxsim.model.world import World
from dxsim.random import Keys, replication_key

SMALL = dx.load_scenario("small")


def population(seed: int = 1) -> Population:
    return Population(SMALL.resolved_industries, SMALL.solutions, SMALL.behaviour, Keys(replication_key(seed, 0)))


def assert_same(a: Attributes, b: Attributes) -> None:
    for name in Attributes.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 399), min_size=1, max_size=40, unique=True), min_size=1, max_size=6))
def test_cached_attributes_equal_fresh_draws_in_any_chunking(chunks):
    pop = population()
    assert pop.draws.cached  # small is far below CACHE_LIMIT
    for chunk in chunks:
        ids = np.array(chunk, dtype=np.int64)
        industry = pop.industry_of(ids)
        assert_same(pop.attributes(ids, industry), population().draws.draw(ids, industry))


def test_a_population_above_the_cache_limit_draws_every_time_with_the_same_values(monkeypatch):
    ids = np.array([5, 317, 5, 123], dtype=np.int64)
    cached = population()
    industry = cached.industry_of(ids)
    expected = cached.attributes(ids, industry)
    monkeypatch.setattr(population_module, "CACHE_LIMIT", 10)
    uncached = population()
    assert not uncached.draws.cached
    assert_same(uncached.attributes(ids, industry), expected)
    assert_same(uncached.attributes(ids, industry), expected)


@pytest.mark.parametrize("limit", [None, 10])  # kept, or drawn every time
def test_some_columns_are_those_of_the_whole_attributes(monkeypatch, limit):
    if limit is not None:
        monkeypatch.setattr(population_module, "CACHE_LIMIT", limit)
    pop = population()
    ids = np.array([5, 317, 5, 123, 0, 399], dtype=np.int64)
    industry = pop.industry_of(ids)
    whole = population().draws.draw(ids, industry)
    for names in [("revenue", "benefit"), ("high_tech",), ("margin", "high_tech", "maturity"), ()]:
        some = pop.columns(names, ids, industry)
        assert list(some) == list(names)
        for name in names:
            np.testing.assert_array_equal(some[name], getattr(whole, name), err_msg=name)
            assert some[name].dtype == getattr(whole, name).dtype


def test_the_cache_does_not_change_a_run(monkeypatch):
    key = replication_key(3, 0)
    with_cache = World(SMALL, key).run()
    monkeypatch.setattr(population_module, "CACHE_LIMIT", 10)
    without = World(SMALL, key).run()
    for name, values in with_cache.adopters.items():
        np.testing.assert_array_equal(values, without.adopters[name], err_msg=name)
    for name, values in with_cache.monthly.items():
        np.testing.assert_array_equal(values, without.monthly[name], err_msg=name)


def test_an_application_carries_the_attributes_in_their_order():
    # Demand.consider fills an application's Traits positionally from the Attributes' columns
    from dxsim.model.applications import Application, Traits

    assert list(Traits.__dataclass_fields__) == [*Attributes.__dataclass_fields__, "fails"]
    # ... then the renewal flag, the exit time and the month's cohort, which it passes after the traits
    assert list(Application.__dataclass_fields__)[-4:] == ["traits", "renewal", "exit", "cohort"]


@settings(max_examples=10, deadline=None)
@given(st.floats(0.01, 0.5), st.floats(0.01, 0.5))
def test_a_threshold_depends_on_the_seed_industry_and_rank_only(slow, fast):
    # two hazard paths generate the thresholds in different chunks; each enterprise's first threshold
    # must come out the same float (common random numbers across scenarios, to the last bit)
    def first_thresholds(hazard):
        pop = population()
        out = {}
        for month in range(200):
            c = pop.step(np.full(2, hazard), month)
            out.update({int(i): float(e) for i, e, a in zip(c.ids, c.threshold, c.attempt, strict=True) if a == 0})
        return out

    a, b = first_thresholds(slow), first_thresholds(fast)
    common = set(a) & set(b)
    assert len(common) > 300
    assert all(a[i] == b[i] for i in common)


def test_margin_and_high_tech_are_keyed_draws_that_leave_the_other_streams_alone():
    # new streams (0.3.0): margin from the industry's margin distribution, high-tech a keyed uniform
    # below the industry's share; revenue and the rest are the draws they always were
    sc = SMALL.with_overrides({"industries[1].high_tech_share": 0.4})
    keys = Keys(replication_key(3, 0))
    pop = Population(sc.resolved_industries, sc.solutions, sc.behaviour, keys)
    ids = np.arange(400, dtype=np.int64)
    industry = pop.industry_of(ids)
    att = pop.draws.draw(ids, industry)
    margin = sc.resolved_industries[0].margin
    np.testing.assert_array_equal(att.margin, margin.ppf(keys.uniform("margin", ids)))
    np.testing.assert_array_equal(att.high_tech, (industry == 1) & (keys.uniform("high_tech", ids) < 0.4))
    assert 0.25 < att.high_tech[industry == 1].mean() < 0.55
    assert abs(att.margin.mean() - 0.062) < 0.005  # normal(0.062, 0.02)
    revenue = sc.resolved_industries[0].revenue
    np.testing.assert_array_equal(att.revenue, np.clip(revenue.ppf(keys.uniform("revenue", ids)), 0.0, None))
    np.testing.assert_array_equal(att.hurdle_rate, sc.behaviour.hurdle_rate.ppf(keys.uniform("hurdle_rate", ids)))


def test_a_hurdle_rate_drawn_below_zero_counts_as_zero():
    # a required return below zero is not modelled (one of -1 or less has no discount factor); the schema
    # refuses a distribution whose lowest value or mean is below 0, but a normal one may still draw there:
    # like the revenue, the implementation time and the liquidity, such draws are clipped at 0
    sc = SMALL.with_overrides({"behaviour.hurdle_rate": {"dist": "normal", "mean": 0.05, "sd": 0.3}})
    keys = Keys(replication_key(3, 0))
    pop = Population(sc.resolved_industries, sc.solutions, sc.behaviour, keys)
    ids = np.arange(400, dtype=np.int64)
    drawn = sc.behaviour.hurdle_rate.ppf(keys.uniform("hurdle_rate", ids))
    att = pop.draws.draw(ids, pop.industry_of(ids))
    assert (drawn < 0).sum() > 100 and (drawn > 0).sum() > 100
    np.testing.assert_array_equal(att.hurdle_rate, np.where(drawn < 0, 0.0, drawn))


def considerers_of(size: list[int], hazards: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Each month's considerers of industries of ``size`` enterprises at ``hazards``, half of them rejecting."""
    size_a = np.array(size, dtype=np.int64)
    offset = np.concatenate([[0], np.cumsum(size_a)[:-1]]).astype(np.int64)
    th = population_module.Thresholds(size_a, offset, Keys(replication_key(6, 0)))
    out = []
    for month, hazard in enumerate(hazards):
        c = th.step(hazard, month)
        out.append((c.ids, c.industry, c.time, c.threshold, c.attempt))
        th.reconsider(c.subset(c.ids % 2 == 0))
    return out


@pytest.mark.parametrize("dense_limit", [population_module.DENSE_LIMIT, 600])
def test_the_considerers_do_not_depend_on_the_chunks(monkeypatch, dense_limit):
    # the thresholds of all industries sit in one array popped with one searchsorted; generating them
    # in small chunks must give the same considerers month by month, with the holders stored (dense)
    # or evaluated rank by rank (Feistel, industries above DENSE_LIMIT)
    monkeypatch.setattr(population_module, "DENSE_LIMIT", dense_limit)
    rng = np.random.default_rng(2)
    size = [700, 0, 1500, 30]
    hazards = rng.exponential(0.08, (40, len(size))) * (rng.random((40, len(size))) < 0.8)
    expected = considerers_of(size, hazards)
    first = np.concatenate([ids[attempt == 0] for ids, _, _, _, attempt in expected])
    assert len(first) > 1000 and len(np.unique(first)) == len(first)
    monkeypatch.setattr(population_module, "MIN_CHUNK", 5)
    for month, (got, want) in enumerate(zip(considerers_of(size, hazards), expected, strict=True)):
        for a, b in zip(got, want, strict=True):
            assert a.dtype == b.dtype, month
            np.testing.assert_array_equal(a, b, err_msg=str(month))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(st.floats(allow_nan=True), st.sampled_from([40.0, 60.0, 80.0, np.nextafter(60.0, 0.0)])),
        min_size=0,
        max_size=12,
    )
)
def test_maturity_levels_count_the_edges_each_score_reaches(scores):
    s = np.array(scores, dtype=np.float64)
    level = population_module.maturity_level(s)
    expected = 1 + (s >= 40.0).astype(np.int64) + (s >= 60.0).astype(np.int64) + (s >= 80.0).astype(np.int64)
    assert level.dtype == np.int64 and level.shape == s.shape
    np.testing.assert_array_equal(level, expected)
    grid = population_module.maturity_level(s.reshape(1, -1))  # any shape
    np.testing.assert_array_equal(grid, expected.reshape(1, -1))
    assert [population_module.maturity_level(float(x)) for x in scores] == expected.tolist()


def test_a_power_of_one_is_its_base_on_this_machine():
    """``x ** 1.0`` is ``x`` to the last bit on the paths numpy's float64 power takes here (benefit_factor skips it).

    An exponent array (AVX-512: SVML's pow8_ha) and a scalar one, on doubles of
    random bits over the scale of the benefit's ratio, every one of the 2^16
    leading mantissa patterns (the tables' indices) and the special values.
    """
    rng = np.random.default_rng(17)
    n = 1 << 20
    random = (
        (rng.integers(1023 - 60, 1023 + 5, n, dtype=np.uint64) << np.uint64(52))
        | rng.integers(0, 1 << 52, n, dtype=np.uint64)
    ).view(np.float64)
    patterns = np.arange(1 << 16, dtype=np.uint64) << np.uint64(36)
    leading = np.concatenate(
        [
            ((np.uint64(e) << np.uint64(52)) | patterns | low).view(np.float64)
            for e in (1022, 1023)
            for low in (0, 1 << 35)
        ]
    )
    special = np.array([0.0, -0.0, np.inf, -np.inf, -1.0, -2.5, 1.0, 0.5, 2.0, 8 / 7, 1e-300, 1.7976931348623157e308])
    for x in (random, leading, special):
        with np.errstate(all="ignore"):
            by_array, by_scalar = np.power(x, np.ones(len(x))), x**1.0
        assert (by_array.view(np.int64) == x.view(np.int64)).all()
        assert (by_scalar.view(np.int64) == x.view(np.int64)).all()
    assert np.isnan(np.power(np.array([np.nan] * 9), np.ones(9))).all()


@pytest.mark.parametrize("exponent", [1.0, 0.0, 0.5, 2.0, 1.5])
def test_the_benefit_factor_is_the_ratio_to_its_power_bit_for_bit(exponent):
    rng = np.random.default_rng(3)
    score = np.concatenate([[0.0, 20.0, 30.0, 99.99999999999999, 100.0], 20.0 + 80.0 * rng.random(5000)])
    reference = np.where(rng.random(len(score)) < 0.5, 30.0, 25.0)
    ratio = (100.0 - score) / (100.0 - reference)
    assert len(score) >= population_module.POWER_ONE_FROM  # large enough to look for exponents of 1.0
    for e in (np.full(len(score), exponent), exponent):  # an exponent per enterprise, or one for all
        factor = population_module.benefit_factor(score, reference, e)
        assert factor.shape == score.shape
        assert (factor.view(np.int64) == (ratio ** np.asarray(e)).view(np.int64)).all()
    mixed = np.where(rng.random(len(score)) < 0.5, 1.0, exponent)  # not all 1.0: raised as before
    assert (population_module.benefit_factor(score, reference, mixed) == ratio**mixed).all()


@pytest.mark.parametrize("ahead", [0, 3])
@pytest.mark.parametrize("spent_kept", [population_module.SPENT_KEPT, 3])
def test_the_pool_gives_the_due_entries_once_in_the_order_they_joined(monkeypatch, spent_kept, ahead):
    # against a plain list of the entries: every take returns those at or below their industry's level,
    # in the order they joined, and each only once (with the columns compacted often, or seldom), after the
    # rows left ahead of them for the first-time considerers
    monkeypatch.setattr(population_module, "SPENT_KEPT", spent_kept)
    rng = np.random.default_rng(5)
    pool = population_module._Pool(lambda c: np.full(len(c), 0.5))  # each entry's next threshold: 0.5 above its last
    waiting: list[tuple[int, int, float, int]] = []
    level = np.zeros(4)
    for month in range(30):
        k = int(rng.integers(0, 40))
        ids = rng.integers(0, 10**6, k)
        industry = rng.integers(0, 4, k)
        threshold = level[industry] + rng.exponential(1.0, k)
        attempt = rng.integers(0, 5, k)
        pool.join(population_module.Considerers(ids, industry, np.full(k, float(month)), threshold, attempt))
        # each waits at its next threshold, for its next attempt
        waiting += list(
            zip(ids.tolist(), industry.tolist(), (threshold + 0.5).tolist(), (attempt + 1).tolist(), strict=True)
        )
        level = level + rng.exponential(0.3, 4)
        due = [w for w in waiting if w[2] <= level[w[1]]]
        waiting = [w for w in waiting if w[2] > level[w[1]]]
        got = pool.take(level, ahead)
        assert [a.dtype for a in got] == [np.int64, np.int64, np.float64, np.int64]
        assert all(len(a) == ahead + len(due) for a in got)
        assert list(zip(*(a[ahead:].tolist() for a in got), strict=True)) == due, month


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**64 - 1), max_size=200) | st.lists(st.integers(0, 3), max_size=200)  # many equal keys
)
def test_the_order_of_hashes_is_the_stable_sorts(values):
    """Distinct keys sorted by the default sort, equal ones in the stable sort's order of positions."""
    keys = np.array(values, dtype=np.uint64)
    order = population_module._stable_order(keys)
    assert order.dtype == np.int64
    np.testing.assert_array_equal(order, np.argsort(keys, kind="stable"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 6)), max_size=8))
def test_ranges_are_the_positions_of_each_range_in_turn(bounds):
    start = np.array([a for a, _ in bounds], dtype=np.int64)
    stop = start + np.array([k for _, k in bounds], dtype=np.int64)
    got = population_module._ranges(start, stop)
    assert got.dtype == np.int64
    assert got.tolist() == [p for a, b in zip(start.tolist(), stop.tolist(), strict=True) for p in range(a, b)]


def test_a_month_without_first_time_considerers_gives_the_rejecters_alone() -> None:
    # once every first threshold is passed, a month's considerers are the pool's due rejecters, as they joined
    size = np.array([5, 3], dtype=np.int64)
    keys = Keys(replication_key(4, 0))
    th = population_module.Thresholds(size, np.array([0, 5], dtype=np.int64), keys)
    first = th.step(np.array([80.0, 80.0]), 0)  # every threshold passed in the first month
    assert sorted(first.ids.tolist()) == list(range(8)) and not first.attempt.any()
    none = th.step(np.array([0.0, 0.0]), 1)  # no first-time considerer left, none waiting
    assert len(none) == 0
    dtypes = [np.int64, np.int64, np.float64, np.float64, np.int64]
    assert [a.dtype for a in (none.ids, none.industry, none.time, none.threshold, none.attempt)] == dtypes
    th.reconsider(first)
    again = th.step(np.array([1e-9, 0.0]), 2)  # their next thresholds lie below the level of 80
    assert [a.dtype for a in (again.ids, again.industry, again.time, again.threshold, again.attempt)] == dtypes
    np.testing.assert_array_equal(again.ids, first.ids)  # in the order they joined
    np.testing.assert_array_equal(again.industry, first.industry)
    np.testing.assert_array_equal(again.attempt, first.attempt + 1)
    np.testing.assert_array_equal(again.threshold, first.threshold + keys.exponential("reconsider", first.ids, 0))
    np.testing.assert_array_equal(again.time, np.full(8, 2.0))  # at the month's start: passed before it
