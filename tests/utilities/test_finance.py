"""dxsim.finance against closed forms and invariants (npv, payback, gain profile)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dxsim as dx

npv = dx.finance.npv
payback_period = dx.finance.payback_period
gain_profile = dx.finance.gain_profile

FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None)

rates = st.floats(min_value=1e-3, max_value=0.5)


# ------------------------------------------------------------------------ npv
@FAST
@given(rate=rates, n=st.integers(1, 240), c=st.floats(-1e6, 1e6))
def test_npv_of_an_annuity_is_the_closed_form(rate, n, c):
    # sum_{k=1..n} c / (1+r)^k = c (1 - (1+r)^-n) / r
    flows = np.r_[0.0, np.full(n, c)]
    expected = c * (1.0 - (1.0 + rate) ** -n) / rate
    np.testing.assert_allclose(npv(rate, flows), expected, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("rate", [0.01, 0.05, 0.2])
def test_npv_of_a_long_annuity_tends_to_the_perpetuity(rate):
    # c / r is the limit; the tail left out after n periods is (c / r) (1 + r)^-n.
    c = 1000.0
    for n in (10, 100, 1000):
        value = float(npv(rate, np.r_[0.0, np.full(n, c)]))
        assert c / rate - value == pytest.approx(c / rate * (1.0 + rate) ** -n, rel=1e-9, abs=1e-9 * c / rate)
    assert float(npv(rate, np.r_[0.0, np.full(5000, c)])) == pytest.approx(c / rate, rel=1e-12)


def test_npv_time_zero_is_undiscounted_and_rate_zero_is_the_sum():
    assert float(npv(0.3, [-123.0])) == -123.0
    flows = np.array([-5.0, 1.0, 2.0, 3.0])
    assert float(npv(0.0, flows)) == pytest.approx(flows.sum())


def test_npv_broadcasts_rates_over_rows():
    flows = np.array([[-100.0, 60.0, 60.0], [10.0, 0.0, 121.0]])
    rate = np.array([0.0, 0.1])
    np.testing.assert_allclose(npv(rate, flows), [20.0, 110.0])
    np.testing.assert_allclose(npv(0.1, flows), [npv(0.1, flows[0]), npv(0.1, flows[1])])


def test_npv_with_factors_computed_before_reads_their_first_periods_and_refuses_too_few():
    flows = np.array([[-100.0, 60.0, 60.0], [10.0, 0.0, 121.0]])
    rate = np.array([0.0, 0.1])
    longer = dx.finance.discount_factors(rate, 5)
    assert npv(rate, flows, factors=longer).tobytes() == npv(rate, flows).tobytes()
    for periods in (1, 2):  # one period would broadcast over every month: a wrong value, not an error
        with pytest.raises(ValueError, match=f"factors over {periods} periods for flows over 3"):
            npv(rate, flows, factors=dx.finance.discount_factors(rate, periods))


# -------------------------------------------------------------------- payback
@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([-100, 40, 40, 40], 2.5),  # 20 short after 2 periods, 40 in the third: half of it
        ([-100, 100], 1.0),  # reached exactly at the end of period 1
        ([-100, 150], 2.0 / 3.0),
        ([-100, 0, 100], 2.0),
        ([-60, -40, 25, 100], 2.75),  # -100 after period 1, 75 short after 2, 100 in the third
        ([-100, 300, -1000, 5000], 1.0 / 3.0),  # first crossing counts
        ([0, -5, 10], 0.0),  # flows[0] >= 0
        ([7, -100, 10], 0.0),
    ],
)
def test_payback_period_examples(flows, expected):
    assert float(payback_period(flows)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("flows", [[-100, 10, 10, 10], [-1, 0, 0], [-100, 50, -100, 40]])
def test_payback_period_is_nan_when_never_reached(flows):
    assert np.isnan(payback_period(flows))


def test_discounted_payback_example():
    # At 10 %: -100 + 55 / 1.1 = -50 after period 1, then 121 / 1.21 = 100 in period 2: half of it.
    assert float(payback_period([-100.0, 55.0, 121.0], rate=0.1)) == pytest.approx(1.5, rel=1e-12)
    assert float(payback_period([-100.0, 55.0, 121.0])) == pytest.approx(1.0 + 45.0 / 121.0, rel=1e-12)


# Regression: payback_period used to index period 1 unconditionally, so a single
# period raised IndexError and a run with horizon_months = 1 crashed.
@pytest.mark.parametrize(("flows", "expected"), [([5.0], 0.0), ([-1.0], np.nan)])
def test_payback_period_of_a_single_period(flows, expected):
    np.testing.assert_array_equal(payback_period(flows), expected)
    np.testing.assert_array_equal(payback_period([flows, flows]), [expected, expected])


def test_payback_period_rows_are_independent():
    rows = [[-100, 40, 40, 40], [5, -1, -1, -1], [-100, 10, 10, 10], [-100, 0, 0, 300]]
    table = payback_period(np.array(rows, dtype=float))
    one_by_one = [float(payback_period(r)) for r in rows]
    np.testing.assert_array_equal(table, one_by_one)
    np.testing.assert_allclose(table, [2.5, 0.0, np.nan, 2.0 + 1.0 / 3.0])


# Integer flows (as floats) keep the undiscounted running total exact.
int_flows = st.lists(st.integers(-1000, 1000), min_size=2, max_size=30).map(lambda x: np.array(x, dtype=float))


@FAST
@given(flows=int_flows, rate=rates)
def test_discounted_payback_is_never_shorter_than_simple_payback(flows, rate):
    simple = float(payback_period(flows))
    discounted = float(payback_period(flows, rate=rate))
    if np.isnan(simple):
        assert np.isnan(discounted)  # discounting never rescues a project that never pays back
    elif not np.isnan(discounted):
        assert discounted >= simple - 1e-9


@FAST
@given(flows=int_flows)
def test_payback_lies_in_the_period_where_the_running_total_turns_nonnegative(flows):
    b = float(payback_period(flows))
    cum = np.cumsum(flows)
    if np.isnan(b):
        assert (cum < 0).all()
        return
    k = int(np.argmax(cum >= 0))
    assert (k == 0 and b == 0.0) or (k - 1 < b <= k)


# ---------------------------------------------------------------- gain profile
@FAST
@given(
    gain=st.floats(0.0, 1e6, allow_subnormal=False),
    golive=st.floats(0.0, 5.0, allow_subnormal=False),
    lifetime=st.floats(0.5, 60.0),
    ramp_share=st.floats(0.0, 1.0, allow_subnormal=False),
)
def test_gain_profile_total_over_the_whole_life(gain, golive, lifetime, ramp_share):
    # A linear ramp over `ramp` months then the full gain: total = gain (lifetime - ramp / 2).
    ramp = ramp_share * lifetime
    months = int(np.ceil(golive + lifetime)) + 1
    profile = gain_profile(gain, golive, ramp, lifetime, months)
    assert profile.shape == (months,)
    assert profile.sum() == pytest.approx(gain * (lifetime - ramp / 2.0), rel=1e-9, abs=1e-9)
    assert (profile[: int(np.floor(golive))] == 0).all()  # nothing before go-live
    assert (profile <= gain * (1 + 1e-12)).all()  # never more than the full gain in a month


@FAST
@given(
    gain=st.floats(0.0, 1e6, allow_subnormal=False),
    golive=st.floats(-10.0, 30.0, allow_subnormal=False),
    ramp=st.floats(0.0, 100.0, allow_subnormal=False),
    lifetime=st.floats(0.01, 100.0),
    months=st.integers(0, 80),
)
def test_gain_profile_is_never_negative(gain, golive, ramp, lifetime, months):
    profile = gain_profile(gain, golive, ramp, lifetime, months)
    assert profile.shape == (months,)
    assert (profile >= 0).all()


def test_gain_profile_is_vectorised_over_contracts():
    gain = np.array([1.0, 2.0, 3.0])
    golive = np.array([0.0, 0.5, 2.0])
    ramp = np.array([0.0, 2.0, 1.0])
    life = np.array([3.0, 10.0, 2.0])
    table = gain_profile(gain, golive, ramp, life, 6)
    for j in range(3):
        np.testing.assert_array_equal(table[j], gain_profile(gain[j], golive[j], ramp[j], life[j], 6))
    np.testing.assert_allclose(table[0], [1, 1, 1, 0, 0, 0])


@FAST
@given(
    golive=st.floats(-3.0, 8.0, allow_subnormal=False),
    ramp=st.sampled_from([0.0, -0.0, 0.5, 6.0, 80.0]),
    exits=st.floats(0.0, 70.0),
)
def test_gain_profile_of_a_large_grid_with_one_ramp_is_that_of_each_row(golive, ramp, exits):
    # Every row shares one ramp (broadcast as one value on a large grid): each row is, bit for bit, the
    # profile of that row alone (a small grid), lifetimes cut short by exits and rows without gain included.
    rows = 200
    gain = np.linspace(0.0, 3e5, rows)
    t0 = golive + np.linspace(0.0, 0.99, rows)
    life = np.minimum(60.0, np.linspace(0.0, exits, rows))
    table = gain_profile(gain, t0, np.full(rows, ramp), life, 70)
    assert table.shape == (rows, 70)
    for j in range(0, rows, 7):
        expected = gain_profile(gain[j], t0[j], ramp, life[j], 70)
        assert table[j].tobytes() == expected.tobytes()
    # one go-live for every row: the rows still come from the ramps
    assert gain_profile(1.0, 0.5, np.full(rows, ramp), 60.0, 70).shape == (rows, 70)


def test_one_if_uniform_takes_one_value_only_when_every_bit_agrees():
    one_if_uniform = dx.finance._one_if_uniform
    same = np.full((5000, 1), 6.0)
    assert one_if_uniform(same, 5000).shape == (1, 1)
    assert one_if_uniform(same, 5000)[0, 0] == 6.0
    signed = same.copy()
    signed[3] = -0.0
    signed[4] = 0.0
    assert one_if_uniform(signed, 5000) is signed  # -0.0 and 0.0 compare equal but are not the same value
    different = same.copy()
    different[-1] = np.nextafter(6.0, 7.0)
    assert one_if_uniform(different, 5000) is different
    assert one_if_uniform(same, 10) is same  # a small grid: as given


@pytest.mark.parametrize("rows", [1, 2, 450, dx.finance._GATHER_ROWS + 7])  # a C-ordered table: one gather at any size
def test_at_reads_each_series_at_its_period_whatever_the_layout(rows: int) -> None:
    at = dx.finance._at
    rng = np.random.default_rng(3)
    table = rng.normal(size=(rows, 9))
    k = rng.integers(0, 9, size=rows).astype(np.int16)
    expected = table[np.arange(rows), k]
    for a in (table, np.asfortranarray(table), np.ascontiguousarray(table[:, ::-1])[:, ::-1]):
        assert at(a, k).tobytes() == expected.tobytes()
    row = table[0]
    assert at(np.broadcast_to(row, table.shape), k).tobytes() == row[k].tobytes()
    series = rng.normal(size=(2, 3, 9))
    j = rng.integers(0, 9, size=(2, 3))
    assert at(series, j).tobytes() == np.take_along_axis(series, j[..., None], axis=-1)[..., 0].tobytes()


# ----------------------------------------------------------------------- irr
def test_irr_of_a_two_period_investment_is_the_simple_return():
    assert dx.finance.irr([-100.0, 110.0]) == pytest.approx(0.10, abs=1e-12)


def test_irr_of_an_annuity_matches_its_closed_form_npv():
    # 1000 now buys 12 payments of 100: the rate at which the annuity factor is 10
    r = float(dx.finance.irr([-1000.0] + [100.0] * 12))
    assert 100.0 * (1 - (1 + r) ** -12) / r == pytest.approx(1000.0, rel=1e-9)


def test_irr_is_nan_where_no_rate_exists():
    assert np.isnan(dx.finance.irr([-100.0, -5.0, -1.0]))
    assert np.isnan(dx.finance.irr([100.0, 5.0]))


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    outlay=st.floats(1.0, 1e6),
    inflows=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=30).filter(lambda x: sum(x) > 0),
)
def test_npv_at_the_irr_is_zero(outlay, inflows):
    flows = np.array([-outlay, *inflows])
    r = dx.finance.irr(flows)
    if np.isnan(r):  # only when the rate lies outside the searched bracket
        assert dx.finance.npv(10.0, flows) > 0 or dx.finance.npv(-0.5, flows) < 0
        return
    assert abs(float(dx.finance.npv(r, flows))) <= 1e-6 * (outlay + sum(inflows))


@pytest.mark.parametrize(
    "flows",
    [
        [100.0, -110.0],  # a loan taken, not an investment: its rate (10%) is not a return
        [50.0, -100.0, 100.0],  # paid before delivering: the NPV changes sign, yet no outlay comes first
        [0.0, 0.0, 30.0, -10.0],  # the first flow that counts is an inflow
        [0.0, 0.0, 0.0],  # nothing at all
        [-100.0, 0.0, -5.0],  # outlays only: no sign change
        [0.0, -100.0, -5.0],
    ],
)
def test_irr_is_nan_unless_the_flow_starts_with_an_outlay_and_changes_sign(flows):
    assert np.isnan(dx.finance.irr(flows))


def test_irr_skips_leading_zeros_before_the_outlay():
    assert dx.finance.irr([0.0, 0.0, -100.0, 110.0]) == pytest.approx(0.10, abs=1e-12)


def test_irr_is_nan_row_by_row_where_a_row_is_no_investment():
    flows = np.array([[-100.0, 110.0], [100.0, -110.0], [0.0, 0.0], [-100.0, 121.0]])
    out = dx.finance.irr(flows)
    np.testing.assert_allclose(out[[0, 3]], [0.10, 0.21], atol=1e-12)
    assert np.isnan(out[[1, 2]]).all()


def test_irr_works_row_by_row():
    flows = np.array([[-100.0, 110.0], [-100.0, 121.0], [-100.0, -1.0]])
    out = dx.finance.irr(flows)
    np.testing.assert_allclose(out[:2], [0.10, 0.21], atol=1e-12)
    assert np.isnan(out[2])


def test_monthly_and_annual_rates_are_inverse():
    assert float(dx.finance.annual_rate(dx.finance.monthly_rate(0.12))) == pytest.approx(0.12)


# ------------------------------------------------------------ payback, more
@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    flows=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=24),
    more=st.lists(st.floats(0.0, 1e3), min_size=24, max_size=24),
    final=st.booleans(),
)
def test_payback_is_never_later_when_every_inflow_grows(flows, more, final):
    base = np.array(flows)
    richer = base + np.where(base > 0, np.array(more[: len(flows)]), 0.0)
    before = dx.finance.payback_period(base, final=final)
    after = dx.finance.payback_period(richer, final=final)
    if np.isnan(before):
        return  # never paid back: any payback of the richer flows is earlier
    assert not np.isnan(after)
    assert after <= before + 1e-9


def test_final_payback_waits_for_the_last_dip():
    flows = [50.0, -100.0, 100.0]  # paid before delivering, then in the red, then back
    assert dx.finance.payback_period(flows) == 0.0
    assert dx.finance.payback_period(flows, final=True) == pytest.approx(1.5)
    assert np.isnan(dx.finance.payback_period([50.0, -100.0], final=True))
    assert dx.finance.payback_period([10.0, 5.0], final=True) == 0.0


@settings(max_examples=100, deadline=None, derandomize=True)
@given(outlay=st.floats(1.0, 1e6), inflows=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=30))
def test_final_payback_equals_first_crossing_for_conventional_flows(outlay, inflows):
    flows = np.array([-outlay, *inflows])
    np.testing.assert_equal(dx.finance.payback_period(flows), dx.finance.payback_period(flows, final=True))


@pytest.mark.parametrize(("rows", "cut"), [(5, 1), (5, 17), (700, 1), (700, 9), (700, 39)])
def test_final_paybacks_of_flows_ending_in_zeros_are_those_of_the_flows_without_them(rows, cut):
    # what accounts.adopter_records relies on when it trims the months past every entry: bit for bit,
    # simple and discounted, in a table of few rows (cumsum) and of many (period by period)
    rng = np.random.default_rng(rows + cut)
    flows = np.zeros((40, rows)).T  # months outermost in memory, as party_flows gives them
    flows[:, :cut] = rng.normal(0.0, 100.0, (rows, cut)) * (rng.random((rows, cut)) < 0.6)
    flows[:, 0] -= 50.0 * rng.random(rows)
    trimmed = np.asfortranarray(flows[:, :cut])
    for rate in (None, 0.004):
        whole = payback_period(flows, rate, final=True)
        assert payback_period(trimmed, rate, final=True).tobytes() == whole.tobytes()
        assert np.isnan(whole).any() and (cut == 1 or (whole[~np.isnan(whole)] > 0).any())


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    flows=st.lists(
        st.one_of(
            st.floats(-1e3, 1e3),
            st.integers(-5, 5).map(float),
            st.sampled_from([0.0, -0.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324]),
        ),
        min_size=1,
        max_size=24,
    )
)
def test_the_final_payback_of_one_series_is_its_row_in_a_table(flows):
    # one series (a re-decision at signing) is paid back on Python floats: bit for bit its row among others
    one = np.array([flows])
    with np.errstate(over="ignore", invalid="ignore"):  # running totals of +-1e308 and inf overflow, as they may
        alone = payback_period(one, final=True)
        among = payback_period(np.vstack([one, one]), final=True)
    assert alone.shape == (1,) and alone.dtype == np.float64
    assert alone.tobytes() == among[:1].tobytes()
