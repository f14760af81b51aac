"""Firm exit and renewal (issue 14, dxsim.model.lifecycle).

* without exits and renewals a run is the first edition's, to the bit;
* a working solution's enterprise decides again at go-live + lifetime, exactly, and a renewal is a
  new contract signed then (counted in ``renewals``, not again among adopters, accepted, lighthouses);
* the share of enterprises exited by month t is 1 - exp(-rate t / 12), and each enterprise's exit
  time agrees with the monthly counts;
* an exited enterprise considers no more, gains, pays and is taxed no more, and is no longer in use;
* money is conserved per contract under every scheme with exits and renewals (and see
  tests/properties/test_money.py, which draws exit rates and short lifetimes);
* renewals keep the solutions in use in the long run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import dxsim as dx
from dxsim.model import population as population_module
from dxsim.model.applications import Applicants
from dxsim.model.lifecycle import Exits, Renewals, binomial_quantile
from dxsim.model.settlement import nonzero, settle, within
from dxsim.model.world import World
from dxsim.random import Keys, replication_key
from dxsim.scenario.schema import RevenueShare, Subscription, Upfront

GOLDEN = Path(__file__).parents[1] / "regression" / "small_seed5.nc"
NEW = ("exits", "renewals", "renewal_flag", "exit_month")
PAYMENTS = {
    "upfront": {"scheme": "upfront"},
    "installments": {"scheme": "installments", "months": 12},
    "revenue_share": {"scheme": "revenue_share", "rate": 0.5, "cap_multiple": 1.2, "term_months": 24},
    "subscription": {"scheme": "subscription", "term_months": 24},
    "hybrid": {"scheme": "hybrid", "upfront_fraction": 0.3, "rate": 0.5, "term_months": 24},
}


def without_lifecycle(sc: dx.Scenario) -> dx.Scenario:
    """``sc`` with no firm exit and no renewal."""
    return sc.with_overrides({"behaviour.exit_rate": 0.0, **{f"solutions.{s}.renewal": False for s in sc.solutions}})


def renewing_run(**overrides):
    """one-enterprise-each with renewal over 24 months: three firms, live from month 1 for 12 months, that renew."""
    sc = dx.load_scenario("one-enterprise-each").with_overrides(
        {"horizon_months": 24, **{f"solutions.{s}.renewal": True for s in ("gain-0_15", "gain-0_012")}, **overrides}
    )
    return sc, World(sc, replication_key(1, 0)).run()


def test_a_working_solution_is_renewed_at_the_end_of_its_lifetime_exactly():
    sc, r = renewing_run()
    a = r.adopters
    enterprise = a["adopter_enterprise"]
    assert len(enterprise) == 6 and len(np.unique(enterprise)) == 3  # each firm: a first contract and a renewal
    for e in np.unique(enterprise):
        first, second = np.flatnonzero(enterprise == e)
        assert a["renewal_flag"][first] == 0 and a["renewal_flag"][second] == 1
        # it considers at go-live + lifetime and, no programme to wait for, signs at once
        assert a["signed_month"][second] == a["golive_month"][first] + 12.0 == pytest.approx(13.0)
        assert a["golive_month"][second] + 12.0 > sc.horizon_months  # no third one within the horizon
    m = r.monthly
    assert m["renewals"].sum() == 3 and m["adoptions"].sum() == 3 and m["adopters"][-1].sum() == 3
    assert m["accepted"][-1].sum() == 3  # each firm counted once, though both its contracts pass
    assert (a["accepted_flag"] == 1).all()
    # in use from go-live in month 1, but for month 13 (the renewal's implementation: it goes live in month 14)
    assert a["golive_month"][0] == pytest.approx(1.0) and a["golive_month"][3] == pytest.approx(14.0)
    np.testing.assert_array_equal(m["in_use"].sum(axis=1), [0] + [3] * 12 + [0] + [3] * 10)


def test_renewal_can_be_switched_off_and_needs_the_lifetime_to_end_inside_the_horizon():
    off = renewing_run(**{f"solutions.{s}.renewal": False for s in ("gain-0_15", "gain-0_012")})[1]
    assert len(off.adopters["price_paid"]) == 3 and off.monthly["renewals"].sum() == 0
    long = renewing_run(**{f"solutions.{s}.lifetime_months": 40.0 for s in ("gain-0_15", "gain-0_012")})[1]
    assert len(long.adopters["price_paid"]) == 3


def test_renewal_repeats_at_the_end_of_each_lifetime():
    _, r = renewing_run(horizon_months=60)
    assert r.monthly["renewals"].sum() == 3 * 4  # months 13, 26, 39, 52 (one month to go live each time)
    np.testing.assert_allclose(np.unique(np.round(r.adopters["signed_month"], 6)), [0.0, 13.0, 26.0, 39.0, 52.0])


def test_a_renewer_that_declines_considers_again_and_renews_when_the_terms_allow():
    # 12 months of 50,000 yuan pay back 900,000 only with the programme's 90%: batch a (months 0-2)
    # pays the first contracts; at month 13 no batch is open and the firms decline, consider again
    # each month (a huge innovation rate) and renew when batch b opens in month 18.
    _, r = renewing_run(
        **{f"solutions.{s}.price": 9e5 for s in ("gain-0_15", "gain-0_012")},
        **{
            "programme.batches": [
                {"name": "a", "opens": dt.date(2026, 1, 1), "closes": dt.date(2026, 3, 31), "budget": 1e7},
                {"name": "b", "opens": dt.date(2027, 7, 1), "closes": dt.date(2027, 12, 31), "budget": 1e7},
            ],
            "programme.instruments": [
                {"kind": "cost_share", "share": 0.9, "paid_to": "platform", "paid_at": "signing"}
            ],
        },
    )
    a, m = r.adopters, r.monthly
    np.testing.assert_allclose(a["signed_month"], [0.0] * 3 + [18.0] * 3, atol=1e-6)
    np.testing.assert_array_equal(a["renewal_flag"], [0] * 3 + [1] * 3)
    np.testing.assert_array_equal(a["government_part"], 810_000.0)  # a renewal is an ordinary programme contract
    np.testing.assert_array_equal(m["considering"].sum(axis=1)[12:19], [0, 3, 3, 3, 3, 3, 3])
    assert m["adopters"][-1].sum() == 3


@pytest.mark.parametrize("n, rate", [(200_000, 0.05), (50_000, 0.5)])
def test_the_share_exited_by_month_t_is_exponential(n, rate):
    exits = Exits(np.array([n, n // 2]), np.array([0, n]), rate, 120, Keys(replication_key(3, 0)))
    share = np.cumsum(exits.counts, axis=0) / np.array([n, n // 2])
    t = np.arange(1, 121)
    expected = -np.expm1(-rate * t / 12.0)[:, None]
    sd = np.sqrt(expected * (1 - expected) / (n // 2))
    assert (np.abs(share - expected) <= 4.5 * sd + 1e-12).all()


def test_each_enterprise_exit_time_agrees_with_the_monthly_counts():
    size = np.array([3000, 1, 40_000])
    offset = np.array([0, 3000, 3001])
    exits = Exits(size, offset, 0.3, 60, Keys(replication_key(4, 0)))
    ids = np.arange(size.sum())
    industry = np.repeat(np.arange(3), size)
    time = exits.time(ids, industry)
    inside = np.isfinite(time)
    assert ((time[inside] >= 0) & (time[inside] < 60)).all()
    counted = np.zeros((60, 3))
    np.add.at(counted, (np.floor(time[inside]).astype(int), industry[inside]), 1)
    np.testing.assert_array_equal(counted, exits.counts)
    # the times within the horizon are those of exponentials with rate 0.3 a year, given they fall in it
    big = (industry == 2) & inside
    cdf = lambda x: np.expm1(-0.3 * 5.0 * x) / np.expm1(-0.3 * 5.0)  # noqa: E731
    assert stats.kstest(time[big] / 60.0, cdf).pvalue > 1e-3
    # an enterprise's exit time is its own: asked alone, in any order, it is the same
    pick = np.array([40_000, 7, 3000, 12])
    np.testing.assert_array_equal(exits.time(ids[pick + 1], industry[pick + 1]), time[pick + 1])


def test_exit_times_kept_equal_those_computed_in_any_chunking(monkeypatch):
    # the times asked about are kept (a rejecter is asked at each consideration): the same floats
    size, offset = np.array([500, 2000]), np.array([0, 500])
    ids = np.array([2400, 3, 3, 777, 499, 1500, 3, 2499])
    industry = np.searchsorted(offset, ids, side="right") - 1
    kept = Exits(size, offset, 0.4, 36, Keys(replication_key(5, 0)))
    chunks = [kept.time(ids[:3], industry[:3]), kept.time(ids, industry), kept.time(ids[::-1], industry[::-1])]
    monkeypatch.setattr(population_module, "CACHE_LIMIT", 10)
    computed = Exits(size, offset, 0.4, 36, Keys(replication_key(5, 0)))
    assert computed._kept is None and kept._kept is not None
    expected = computed.time(ids, industry)
    assert np.isfinite(expected).any() and np.isinf(expected).any()
    np.testing.assert_array_equal(chunks[0], expected[:3])
    np.testing.assert_array_equal(chunks[1], expected)
    np.testing.assert_array_equal(chunks[2], expected[::-1])


def test_former_scores_kept_by_id_equal_those_searched():
    # up to CACHE_LIMIT enterprises the former users' scores are kept by id; without the size, searched for
    by_id, searched = Renewals(np.array([True]), 24, 100), Renewals(np.array([True]), 24)
    for renewals in (by_id, searched):
        for month, ended in enumerate(([7, 3], [50, 3, 99], [0])):
            for e in ended:
                renewals.schedule(e, 0, month + 0.5, 0, 40.0 + e + month)
            renewals.due(month, np.ones(1), np.ones(1))
    ids = np.array([3, 7, 8, 99, 0, 50, 1, 3])
    scores = by_id.former_scores(ids)
    np.testing.assert_array_equal(scores, searched.former_scores(ids))
    np.testing.assert_array_equal(scores, [44.0, 47.0, np.nan, 140.0, 42.0, 91.0, np.nan, 44.0])  # the latest kept


def test_no_former_user_until_a_lifetime_ends():
    # Demand.consider skips former_scores while any_former is False: every score must then be NaN
    for renewals in (Renewals(np.array([True]), 24, 100), Renewals(np.array([True]), 24)):
        ids = np.array([0, 3, 7, 99])
        renewals.schedule(7, 0, 1.5, 0, 47.0)
        renewals.due(0, np.ones(1), np.ones(1))  # nothing ends in month 0
        assert not renewals.any_former
        assert np.isnan(renewals.former_scores(ids)).all()
        renewals.due(1, np.ones(1), np.ones(1))
        assert renewals.any_former
        np.testing.assert_array_equal(renewals.former_scores(ids), [np.nan, np.nan, 47.0, np.nan])


def test_settlement_stops_at_the_exit():
    # full gain 1,000 a month from go-live at 2.0 for 24 months; exit at 5.25; revenue share of 50%
    # of the gain, capped at 1.2 x 10,000, over 24 months
    scheme = RevenueShare(scheme="revenue_share", rate=0.5, reported_share=1.0, cap_multiple=1.2, term_months=24)
    common = dict(
        golive=np.array([2.0, 2.0]),
        monthly_gain=np.array([1_000.0, 1_000.0]),
        works=np.array([True, True]),
        ramp=np.zeros(2),
        lifetime=np.full(2, 24.0),
        fee=np.full(2, 100.0),
        owed=np.full(2, 10_000.0),
        scheme=scheme,
        acceptance_delay=3.0,
    )
    st = settle(**common, exit_time=np.array([5.25, np.inf]))
    assert st.gain[0, :5].tolist() == [1_000.0, 1_000.0, 1_000.0, 250.0, 0.0]  # months 2, 3, 4, a quarter of 5
    assert st.gain[0, 4:].sum() == 0 and st.subscription[0, 3] == 25.0 and st.subscription[0, 4:].sum() == 0
    assert st.payments[0, :5].tolist() == [500.0, 500.0, 500.0, 125.0, 0.0]  # month 5 begins in business
    assert st.shortfall[0] == 10_000.0 - 1_625.0 and st.write_off_month[0] == 5
    np.testing.assert_array_equal(st.gain[1], settle(**common).gain[1])  # no exit: as without exits
    assert st.shortfall[1] == 0.0 and st.premium[1] == 2_000.0  # paid up to the cap


def test_a_failed_project_that_keeps_paying_is_written_off_at_its_exit_not_at_acceptance():
    # a failed project pays a subscription (and a revenue share of revenue) on to the end of its term;
    # its enterprise exits at 9.5, after acceptance (month 5): what it no longer pays is written off then
    common = dict(
        golive=np.array([2.0]),
        monthly_gain=np.array([1_000.0]),
        works=np.array([False]),
        ramp=np.zeros(1),
        lifetime=np.full(1, 24.0),
        fee=np.zeros(1),
        owed=np.full(1, 2_400.0),
        acceptance_delay=3.0,
        revenue=np.array([2_000.0]),
        exit_time=np.array([9.5]),
    )
    for scheme in (
        Subscription(scheme="subscription", term_months=24),
        RevenueShare(scheme="revenue_share", base="revenue", rate=0.05, term_months=24),
    ):
        st = settle(**common, scheme=scheme)
        assert st.payments[0, :8].tolist() == [100.0] * 8 and st.payments[0, 8:].sum() == 0  # months 2-9
        assert st.shortfall[0] == 2_400.0 - 800.0 and st.write_off_month[0] == 9
    # a failed project under a revenue share of the gain pays nothing: written off at acceptance
    gain_share = RevenueShare(scheme="revenue_share", rate=0.5, reported_share=1.0, term_months=24)
    st = settle(**common, scheme=gain_share)
    assert st.payments.sum() == 0 and st.shortfall[0] == 2_400.0 and st.write_off_month[0] == 5


def test_no_exit_rate_no_exits():
    exits = Exits(np.array([100]), np.array([0]), 0.0, 24, Keys(1))
    assert not exits.any and exits.counts.sum() == 0 and np.isinf(exits.time(np.arange(100), np.zeros(100, int))).all()


@pytest.fixture(scope="module")
def exiting() -> dict:
    """small with many exits and a 6-month lifetime (so also renewals), under each scheme."""
    runs = {}
    for name, payment in PAYMENTS.items():
        sc = dx.load_scenario("small").with_overrides(
            {
                "contract.payment": payment,
                "behaviour.exit_rate": 0.6,
                "solutions.lightweight-mes.lifetime_months": 6.0,
                "solutions.lightweight-mes.benefit.median": 0.03,  # gains a revenue share can repay: platforms sign
                "horizon_months": 48,
            }
        )
        runs[name] = (sc, World(sc, replication_key(3, 0)).run())  # conservation is checked inside the run
    return runs


@pytest.mark.parametrize("name", list(PAYMENTS))
def test_an_exited_enterprise_gains_pays_and_is_taxed_no_more(exiting, name):
    _, r = exiting[name]
    a, t = r.adopters, r.ledger
    gone = np.nan_to_num(a["exit_month"], nan=np.inf)
    assert np.isfinite(gone).sum() >= 5 and a["renewal_flag"].sum() >= 5
    exit_of = gone[np.clip(t.contract, 0, None)]
    mine = t.contract >= 0
    for kind in ("gain", "subscription", "enterprise_payment", "tax", "tax_saving", "vat_credit"):
        after = mine & t.select(kind) & (t.month >= np.ceil(exit_of)) & (t.amount > 0)
        assert not after.any(), kind
    # what an exited enterprise still owed is the platform's write-off
    owed = a["enterprise_part"]  # small pays its subsidy to the platforms
    n = len(owed)
    paid = t.total(t.select("enterprise_payment"), by="contract", size=n)
    short = t.total(t.select("payment_shortfall"), by="contract", size=n)
    premium = t.total(t.select("payment_premium"), by="contract", size=n)
    live = ~np.isnan(a["golive_month"]) | (name in ("upfront", "installments"))
    np.testing.assert_allclose((paid - premium + short)[live], owed[live], atol=1e-6)
    if name != "upfront":
        assert (short[np.isfinite(gone)] > 0).any()


@pytest.mark.parametrize("name", ["upfront", "revenue_share"])
def test_in_use_counts_the_working_solutions_until_their_lifetime_or_exit(exiting, name):
    sc, r = exiting[name]
    a = r.adopters
    start = a["golive_month"]
    end = np.minimum(start + 6.0, np.nan_to_num(a["exit_month"], nan=np.inf))
    using = (a["failed_flag"] == 0) & ~np.isnan(start) & (end > start)
    changes = np.zeros(sc.horizon_months + 1)
    np.add.at(changes, np.floor(start[using]).astype(int), 1)
    ends = np.floor(end[using]).astype(int)
    np.add.at(changes, ends[ends < sc.horizon_months], -1)
    np.testing.assert_array_equal(r.monthly["in_use"].sum(axis=1), np.cumsum(changes)[: sc.horizon_months])


def test_an_exited_enterprise_never_applies(monkeypatch):
    seen = []
    apply_all = Applicants.apply_all  # a month's applications apply together

    def spy(self, apps):
        apps = list(apps)
        seen.extend(apps)
        apply_all(self, apps)

    monkeypatch.setattr(Applicants, "apply_all", spy)
    sc = dx.load_scenario("small").with_overrides({"behaviour.exit_rate": 1.0, "horizon_months": 36})
    World(sc, replication_key(2, 0)).run()
    assert len(seen) > 50
    assert all(app.time < app.exit for app in seen)
    assert any(np.isfinite(app.exit) for app in seen)


def test_renewals_keep_solutions_in_use_in_the_long_run():
    sc = dx.load_scenario("small").with_overrides(
        {"horizon_months": 96, "solutions.lightweight-mes.lifetime_months": 24.0}
    )
    with_renewal = dx.simulate(sc, replications=2, seed=1)["in_use"].sum("industry").mean("replication")
    without = dx.simulate(sc.with_overrides({"solutions.lightweight-mes.renewal": False}), replications=2, seed=1)
    late = slice(72, 96)
    assert float(with_renewal[late].mean()) > 2 * float(
        without["in_use"].sum("industry").mean("replication")[late].mean()
    )


@given(
    u=st.lists(st.floats(min_value=1e-300, max_value=1 - 2**-53, exclude_max=False), min_size=1, max_size=8),
    n=st.integers(min_value=0, max_value=10**7),
    p=st.one_of(st.just(0.0), st.just(1.0), st.floats(min_value=0.0, max_value=1.0)),
)
@settings(max_examples=300, deadline=None)
def test_the_monthly_exit_counts_are_scipy_s_binomial_quantiles(u, n, p):
    # what Exits draws each month: binom.ppf's own quantile, on the domain it is called on
    uu = np.array(u)
    alive = np.full(len(uu), float(n))
    np.testing.assert_array_equal(binomial_quantile(uu, alive, p), stats.binom.ppf(uu, alive, p))


def test_settlement_up_to_the_horizon_is_the_whole_grid_cut_there() -> None:
    # upfront, with a fee: nothing paid from go-live, so the grid may end at the horizon (month 12); the
    # cells before it are those of the whole grid, bit for bit; with a deferred part the horizon changes nothing
    rng = np.random.default_rng(5)
    common = dict(
        golive=np.array([7.3, 9.9, 11.5, 3.0]),
        monthly_gain=rng.uniform(100.0, 1_000.0, 4),
        works=np.array([True, True, False, True]),
        ramp=np.array([0.0, 6.0, 3.0, 2.5]),
        lifetime=np.full(4, 24.0),
        fee=np.full(4, 30.0),
        owed=np.full(4, 10_000.0),
        acceptance_delay=3.0,
        exit_time=np.array([np.inf, 10.5, np.inf, np.inf]),
    )
    upfront = Upfront(scheme="upfront")
    whole, cut = settle(**common, scheme=upfront), settle(**common, scheme=upfront, horizon=12)
    assert cut.gain.shape == (4, 12 - 3) and whole.gain.shape == (4, 26)
    for name in ("gain", "subscription", "payments", "collected"):
        np.testing.assert_array_equal(getattr(cut, name), getattr(whole, name)[:, : cut.gain.shape[1]])
    for name in ("start", "shortfall", "premium", "write_off_month"):
        np.testing.assert_array_equal(getattr(cut, name), getattr(whole, name))
    assert settle(**common, scheme=upfront, horizon=2).gain.shape == (4, 1)  # all beyond it: one month
    share = RevenueShare(scheme="revenue_share", rate=0.5, reported_share=1.0, cap_multiple=1.2, term_months=24)
    np.testing.assert_array_equal(
        settle(**common, scheme=share, horizon=12).payments, settle(**common, scheme=share).payments
    )


class _Counted(np.ndarray):
    """An array that counts the calls of its ``any``."""

    calls = 0

    def any(self, *args, **kwargs):  # type: ignore[override]
        type(self).calls += 1
        return super().any(*args, **kwargs)


def test_nonzero_reads_each_array_once_and_answers_any():
    zeros = np.zeros((3, 4)).view(_Counted)
    cases = [zeros, np.array([0.0, -0.0]), np.array([[0.0, np.nan]]), zeros, np.array([-2.0]), zeros]
    _Counted.calls = 0
    assert nonzero(cases) == [bool(a.any()) for a in cases] == [False, False, True, False, True, False]
    assert _Counted.calls == 4  # once for the three zeros here, then three times in the list above


def test_nonzero_answers_a_broadcast_of_one_value_by_that_value():
    # every element is the one value in memory: answered by it, as any() would answer
    cases = [np.broadcast_to(v, (3, 4)) for v in (0.0, -0.0, 2.0, np.nan, -1.0)] + [np.broadcast_to(1.0, (0, 2))]
    assert nonzero(cases) == [bool(a.any()) for a in cases] == [False, False, True, True, True, False]
    one_row = np.broadcast_to(np.array([0.0, 3.0]), (4, 2))  # a row repeated: not one value, read whole
    assert nonzero([one_row]) == [True]


def test_nonzero_of_a_large_schedule_reads_its_first_elements_then_the_rest():
    """A large C-ordered schedule: money in its first elements, after them, or none, as any() answers."""
    from dxsim.model.settlement import _FIRST

    for where in (0, _FIRST - 1, _FIRST, 3 * _FIRST - 1, None):
        for value in (2.0, -1.0, np.nan, -0.0):
            grid = np.zeros((3, _FIRST))
            if where is not None:
                grid.reshape(-1)[where] = value
            for a in (grid, np.asfortranarray(grid), grid[:, ::2], grid[:1, :5]):
                assert nonzero([a]) == [bool(a.any())], (where, value, a.shape, a.strides)


# inf x 0 is NaN on purpose here (within() must give the product's NaN too): numpy's warning on it is expected
@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")
@settings(max_examples=80, deadline=None)
@given(
    start=st.lists(st.integers(0, 30), min_size=1, max_size=6),
    width=st.integers(1, 8),
    horizon=st.integers(0, 40),
    seed=st.integers(0, 2**16),
)
def test_a_schedule_within_the_horizon_is_the_product_of_every_cell(start, width, horizon, seed):
    """within() equals amount x (months < horizon), bit for bit: NaN, inf and -0.0 too, rows in any order; in place too."""
    rng = np.random.default_rng(seed)
    months = np.array(start)[:, None] + np.arange(width)
    amount = rng.choice([0.0, -0.0, 1.5, 1e-300, np.inf, np.nan, 7.25], size=months.shape)
    got = within(amount, months, horizon)
    expected = amount * (months < horizon)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()
    own = amount.copy()  # censored in place: the same products, in the caller's own array
    assert within(own, months, horizon, overwrite=True) is own and own.tobytes() == expected.tobytes()


@pytest.mark.parametrize("rows", [3, 40])  # below and above the packing threshold of cells.float_packer
def test_a_month_s_renewers_are_the_rows_np_array_makes(rows: int) -> None:
    # due packs each column of the month's rows by itself; it must give what one np.array of the rows gave
    # (ids, industries and attempts through doubles, exact below 2**53), bit for bit, with the thresholds
    rng = np.random.default_rng(rows)
    renewals = Renewals(np.ones(5, dtype=np.bool_), 24)
    expected = []
    for _ in range(rows):
        enterprise, industry, attempt = int(rng.integers(0, 2**40)), int(rng.integers(0, 5)), int(rng.integers(0, 9))
        end = 6.0 + float(rng.random())
        score = float(rng.choice([0.0, -0.0, 1e-300, 37.25, np.inf, np.nan, rng.random() * 100]))
        renewals.schedule(enterprise, industry, end, attempt, score)
        expected.append((enterprise, industry, end, attempt + 1, score))
    level, hazard = rng.random(5) + 1.0, rng.random(5) / 10
    got = renewals.due(6, level, hazard)
    table = np.array(expected, dtype=np.float64).T
    enterprise, industry, attempt = table[[0, 1, 3]].astype(np.int64)
    threshold = level[industry] - hazard[industry] * (6 + 1 - table[2])
    for column, want in ((got.ids, enterprise), (got.industry, industry), (got.attempt, attempt)):
        assert column.dtype == np.int64 and column.tolist() == want.tolist()
    for column, want in ((got.time, table[2]), (got.threshold, threshold)):
        assert column.dtype == np.float64 and column.tobytes() == want.tobytes()
    scores = renewals.former_scores(enterprise)  # the last of an id twice (none here: ids of 40 bits)
    assert scores.tobytes() == table[4].tobytes()


def test_a_lifetime_is_renewed_only_before_its_industry_s_until():
    # until: the horizon for a renewed solution, -inf for one not renewed; the caller skips schedule past it
    renewals = Renewals(np.array([True, False]), 24)
    assert renewals.until == [24.0, -np.inf]
    for industry, end in ((0, 23.5), (0, 24.0), (1, 3.5)):
        renewals.schedule(industry + 10, industry, end, 0, 50.0)
    assert renewals.due(3, np.ones(2), np.ones(2)).ids.tolist() == []  # industry 1 is not renewed
    assert renewals.due(23, np.ones(2), np.ones(2)).ids.tolist() == [10]
    assert renewals.due(24, np.ones(2), np.ones(2)).ids.tolist() == []  # 24.0 is at the horizon


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 300), min_size=1, max_size=8),
    st.integers(1, 40),
    st.sampled_from([0.05, 0.5, 3.0, 20.0]),
    st.integers(0, 2**62),
)
def test_each_ranks_exit_month_from_the_table_is_the_searched_one(
    sizes: list[int], months: int, rate: float, key: int
) -> None:
    # every enterprise's exit time at once (kept) reads each rank's month from a table: the months the search finds
    size = np.array(sizes, dtype=np.int64)
    offset = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    exits = Exits(size, offset, rate, months, Keys(key))
    table = Exits.exit_months(exits.counts, size)
    assert len(table) == size.sum()
    industry = np.repeat(np.arange(len(size)), size)
    rank = np.arange(int(size.sum())) - offset[industry]
    cumulated = np.cumsum(exits.counts, axis=0)  # (months, industries)
    searched = (cumulated[:, industry] <= rank).sum(axis=0)  # months by whose end at most r have exited
    np.testing.assert_array_equal(table, searched)
    ids = np.arange(int(size.sum()))
    np.testing.assert_array_equal(exits._time(ids, industry, every=True), exits._time(ids, industry))
