"""Taxes and the platforms' own costs, against calculations by hand (to the yuan).

The bundled ``one-enterprise-each`` scenario has three enterprises, one per tax class, each
with its own platform: each signs in month 0 and pays 240,000 yuan upfront
(prices include 6% VAT), its solution goes live in month 1 and gains 50,000
yuan a month for 12 months.  With v = 0.06, VAT inside a price is v / (1 + v):

* VAT on 240,000: 240,000 x 0.06 / 1.06 = 13,584.91;
* input VAT on the delivery cost of 100,000, half of which bears VAT:
  100,000 x 0.5 x 0.06 / 1.06 = 2,830.19 (paid by the platform's
  suppliers, refunded to the platform);
* a general VAT taxpayer deducts 13,584.91 of what it paid, so it deducts
  240,000 - 13,584.91 = 226,415.09 from its profit over 12 months,
  18,867.92 a month; a small-scale taxpayer deducts 240,000, 20,000 a month.

Income tax in each of months 1-12, ``[T(P + 12 (g - d)) - T(P)] / 12``:

* small low-profit (revenue 4M, margin 10%: P = 400k, small-scale VAT):
  400k + 12 x 30,000 = 760k <= 3M, so 5% x 360,000 / 12 = 1,500.00;
* high-tech (P = 50M x 8% = 4M > 3M): 15% x 12 x 31,132.08 / 12 = 4,669.81;
* general (P = 4M): 25% x 31,132.08 = 7,783.02.

Each platform's profit in 2026: 240,000 - 13,584.91 + 2,830.19 - 100,000
= 129,245.28, taxed at 25% = 32,311.32 in December (month 11).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model.ledger import GOVERNMENT, MARKET, PLATFORM
from dxsim.model.world import World
from dxsim.random import replication_key
from dxsim.scenario.variants import counterfactual

FIXTURE = "one-enterprise-each"  # bundled: the worked example of docs/appraisal.md, "Tax, by hand"
VAT = 240_000 * 0.06 / 1.06  # 13,584.91
INPUT_VAT = 100_000 * 0.5 * 0.06 / 1.06  # 2,830.19
TAX = {"small-low-profit": 1_500.00, "high-tech": 4_669.81, "general": 7_783.02}
CREDIT = {"small-low-profit": 0.0, "high-tech": VAT, "general": VAT}
PLATFORM_TAX = 0.25 * (240_000 - VAT + INPUT_VAT - 100_000)  # 32,311.32


def run(overrides: dict | None = None, *, months: int = 24):
    """Run the fixture once; return the result and, per industry name, its contract id."""
    sc = dx.load_scenario(FIXTURE)
    if overrides:
        sc = sc.with_overrides(overrides)
    r = World(sc, replication_key(1, 0)).run()
    names = [i.name for i in sc.resolved_industries]
    contract = {names[int(i)]: c for c, i in enumerate(r.adopters["adopter_industry"])}
    return r, contract


def monthly(r, kind: str, *, contract: int | None = None, payer: int | None = None, months: int = 24):
    """Entries of ``kind`` per month (yuan), optionally of one contract or one payer."""
    t = r.ledger
    mask = t.select(kind)
    if contract is not None:
        mask &= t.contract == contract
    if payer is not None:
        mask &= t.payer == payer
    return t.total(mask, by="month", size=months)


def test_every_enterprise_signs_in_month_0_and_goes_live_in_month_1():
    r, contract = run()
    assert sorted(contract) == sorted(TAX)
    np.testing.assert_array_equal(np.floor(r.adopters["signed_month"]), 0.0)
    np.testing.assert_array_equal(np.floor(r.adopters["golive_month"]), 1.0)


@pytest.mark.parametrize("firm", sorted(TAX))
def test_income_tax_of_each_class_matches_the_hand_calculation(firm):
    r, contract = run()
    c = contract[firm]
    tax = monthly(r, "tax", contract=c)
    expected = np.r_[0.0, np.full(12, TAX[firm]), np.zeros(11)]
    np.testing.assert_allclose(tax, expected, atol=0.5)  # to the yuan
    assert not monthly(r, "tax_saving", contract=c).any()


@pytest.mark.parametrize("firm", sorted(TAX))
def test_vat_and_vat_credit_of_each_class_match_the_hand_calculation(firm):
    r, contract = run()
    c = contract[firm]
    month0 = np.r_[1.0, np.zeros(23)]
    np.testing.assert_allclose(monthly(r, "vat", contract=c, payer=PLATFORM), VAT * month0, atol=0.5)
    np.testing.assert_allclose(monthly(r, "vat", contract=c, payer=GOVERNMENT), INPUT_VAT * month0, atol=0.5)
    np.testing.assert_allclose(monthly(r, "vat", contract=c, payer=MARKET), INPUT_VAT * month0, atol=0.5)
    np.testing.assert_allclose(monthly(r, "vat_credit", contract=c), CREDIT[firm] * month0, atol=0.5)


def test_vat_revenue_is_the_vat_of_the_small_scale_taxpayer_alone():
    # a general VAT taxpayer deducts what the platform pays; the suppliers' VAT is refunded to the platform
    r, _ = run()
    np.testing.assert_allclose(r.vat_revenue, VAT * np.r_[1.0, np.zeros(23)], atol=0.5)
    np.testing.assert_allclose(r.tax_revenue, np.r_[0.0, np.full(12, sum(TAX.values())), np.zeros(11)], atol=1.5)


def test_each_platform_pays_a_quarter_of_its_profit_in_december():
    r, _ = run()
    tax = monthly(r, "platform_tax")
    np.testing.assert_allclose(tax, 3 * PLATFORM_TAX * (np.arange(24) == 11), atol=1.5)
    np.testing.assert_allclose(r.platform_tax, tax)


def test_fixed_costs_run_monthly_and_a_loss_is_carried_forward():
    # 132,000 a year: 11,000 a month. 2026: 129,245.28 - 132,000 = -2,754.72, a loss, no tax;
    # 2027: -132,000. Horizon 36 months, then 3 years: no profit to set the losses against.
    r, _ = run({"platforms.fixed_cost_per_year": 132_000.0, "horizon_months": 36})
    fixed = monthly(r, "fixed_cost", months=36)
    np.testing.assert_allclose(fixed, 3 * 11_000.0)
    assert not monthly(r, "platform_tax", months=36).any()


REVENUE_SHARE = {
    "contract.payment": {
        "scheme": "revenue_share",
        "rate": 0.5,
        "reported_share": 1.0,
        "cap_multiple": 1.2,
        "term_months": 24,
    }
}


def paid_back(months: int = 24) -> np.ndarray:
    """What each enterprise owes at each month's end under revenue share: 240,000 less 25,000 a month from month 1."""
    return np.clip(240_000.0 - 25_000.0 * np.arange(months), 0.0, None)


def test_financing_cost_is_the_cost_of_capital_on_receivables():
    r, _ = run(REVENUE_SHARE)
    np.testing.assert_allclose(monthly(r, "financing_cost"), 3 * 0.10 / 12 * paid_back(), atol=1.0)


def test_a_loss_is_carried_into_the_next_year():
    # Start in October 2026: months 0-2 are 2026, 3-14 are 2027. In 2026 a platform receives
    # 2 x 25,000 and pays the delivery cost of 100,000 and financing: a loss. In 2027 it receives the
    # rest of 1.2 x 240,000, 238,000; its profit less the 2026 loss is taxed at 25% in December 2027
    # (month 14).
    r, _ = run({**REVENUE_SHARE, "start": "2026-10-01"})
    receipts = np.diff(np.minimum(25_000.0 * np.arange(24), 288_000.0), prepend=0.0)  # 13,000 in month 12
    profit = receipts * (1 - 0.06 / 1.06) - 0.10 / 12 * paid_back()
    profit[0] += INPUT_VAT - 100_000.0
    loss_2026, profit_2027 = profit[:3].sum(), profit[3:15].sum()
    assert loss_2026 < 0 < profit_2027 + loss_2026
    expected = 3 * 0.25 * (profit_2027 + loss_2026)
    tax = monthly(r, "platform_tax")
    np.testing.assert_allclose(tax, expected * (np.arange(24) == 14), atol=1.5)


def test_the_small_low_profit_rate_ends_with_2027():
    # start 2027-09-01: months 0-3 are Sep-Dec 2027 at 5%, from month 4 (January 2028) 20%
    r, contract = run({"start": "2027-09-01"})
    tax = monthly(r, "tax", contract=contract["small-low-profit"])
    expected = np.r_[0.0, np.full(3, 0.05), np.full(9, 0.20), np.zeros(11)] * 360_000 / 12
    np.testing.assert_allclose(tax, expected, atol=0.5)
    # the high-tech firm pays 15% throughout: above the threshold the SLP rate does not apply
    np.testing.assert_allclose(
        monthly(r, "tax", contract=contract["high-tech"]),
        np.r_[0.0, np.full(12, TAX["high-tech"]), np.zeros(11)],
        atol=0.5,
    )


def test_after_2027_a_high_tech_small_firm_keeps_the_lower_high_tech_rate():
    # a high-tech SLP firm: 5% until 2027, then the lower of 20% and 15%
    r, contract = run({"start": "2027-09-01", "industries[0].high_tech_share": 1.0})
    tax = monthly(r, "tax", contract=contract["small-low-profit"])
    expected = np.r_[0.0, np.full(3, 0.05), np.full(9, 0.15), np.zeros(11)] * 360_000 / 12
    np.testing.assert_allclose(tax, expected, atol=0.5)


def test_a_gain_that_would_lift_profit_over_the_threshold_waits_for_the_end_of_the_relief():
    # P = 50M x 5.8% = 2.9M: with the gain and the deduction 2.9M + 12 x 31,132.08 = 3.27M, taxed at
    # 25% on the whole instead of 5% on 2.9M: (818,396.23 - 145,000) / 12 = 56,116.35 a month, more
    # than the gain of 50,000, so the firm declines while the 5% lasts. From 2028 the SLP rate is 20%
    # and the same gain costs (818,396.23 - 580,000) / 12 = 19,866.35: it signs when enough of its
    # lifetime falls after 2027 (the 2027 months still cost it 56,116.35 each).
    r, contract = run({"industries[2].margin": 0.058})
    c = contract["general"]
    assert r.adopters["signed_month"][c] >= 12
    tax = monthly(r, "tax", contract=c)
    lifetime = tax > 0
    np.testing.assert_allclose(tax[lifetime], 56_116.35, atol=0.5)  # every month of it before 2028 (month 24)


def test_a_failed_project_still_deducts_what_was_paid():
    r, contract = run({"solutions.gain-0_012.failure_probability": 1.0})
    c = contract["general"]
    assert not monthly(r, "tax", contract=c).any()
    # P = 4M; 12 x 18,867.92 less: 25% of it, a saving of 4,716.98 a month
    saving = np.r_[0.0, np.full(12, 0.25 * 226_415.09 / 12), np.zeros(11)]
    np.testing.assert_allclose(monthly(r, "tax_saving", contract=c), saving, atol=0.5)


def test_the_deprecated_flat_rate_taxes_the_gain_without_deduction():
    with pytest.warns(DeprecationWarning, match="programme.tax_rate is deprecated"):
        sc = dx.load_scenario(FIXTURE).with_overrides({"programme.tax_rate": 0.25})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        r = World(sc, replication_key(1, 0)).run()
    np.testing.assert_allclose(
        r.tax_revenue, 3 * 0.25 * 50_000 * ((np.arange(24) >= 1) & (np.arange(24) <= 12)), atol=0.5
    )
    assert not r.ledger.select("tax_saving").any()


def test_the_government_cash_flow_is_every_tax_less_public_money():
    sc = dx.load_scenario("small").with_overrides({"platforms.fixed_cost_per_year": 1e5, "horizon_months": 36})
    ds = dx.simulate(sc, replications=1, seed=3)
    government = ds["cash_flow"].sel(party="government")
    expected = ds["tax_revenue"] + ds["platform_tax"] + ds["vat_revenue"] - ds["public_money"]
    xr.testing.assert_allclose(government.drop_vars("party"), expected, atol=1e-6)


def test_a_programme_that_pays_nothing_has_the_taxes_of_its_counterfactual():
    sc = dx.load_scenario("small").with_overrides(
        {
            "programme.batches[0].budget": 0.0,
            "programme.outreach": 0.0,  # a programme that also reaches no one
            "contract.platform_discount_contingent": False,
            "contract.payment": {"scheme": "revenue_share"},
            "platforms.fixed_cost_per_year": 2e5,
            "industry_defaults.high_tech_share": 0.3,
        }
    )
    with_programme = dx.simulate(sc, replications=2, seed=11)
    without = dx.simulate(counterfactual(sc), replications=2, seed=11)
    assert float(with_programme["public_money"].sum()) == 0.0
    assert int(with_programme["adopters"].isel(month=-1).sum()) > 10
    for name in ("tax_revenue", "platform_tax", "vat_revenue", "cash_flow", "platform_cash_flow"):
        xr.testing.assert_identical(with_programme[name], without[name])


def test_fixed_costs_run_from_the_batch_that_admits_the_platform():
    # small has 4 platforms; the first batch admits 2 of them, the second (a year later) all 4: the
    # other two start then. Without an admission round every platform starts at month 0.
    sc = dx.load_scenario("small").with_overrides(
        {
            "platforms.fixed_cost_per_year": 120_000.0,
            "horizon_months": 36,
            "programme.batches": [
                {"name": "a", "opens": "2022-09-01", "closes": "2023-08-31", "budget": 5e6, "platforms": 2},
                {"name": "b", "opens": "2023-09-01", "closes": "2024-08-31", "budget": 5e6, "platforms": 4},
            ],
        }
    )
    r = World(sc, replication_key(2, 0)).run()
    t = r.ledger
    fixed = np.stack([t.total(t.select("fixed_cost") & (t.platform == p), by="month", size=36) for p in range(4)])
    first = np.argmax(fixed > 0, axis=1)
    assert sorted(first.tolist()) == [0, 0, 12, 12]
    np.testing.assert_allclose(fixed[fixed > 0], 10_000.0)
    plain = World(dx.load_scenario("small").with_overrides({"platforms.fixed_cost_per_year": 1.2e5}), 2).run()
    assert (plain.ledger.month[plain.ledger.select("fixed_cost")] == 0).sum() == 4


def test_income_tax_in_blocks_is_the_tax_of_the_whole_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    # blocks of 3 contracts, each computed up to the last month one of them pays tax in (the horizon, or
    # the exit), give the tax of the whole grid bit for bit: the cells left out are those masked to 0
    from dxsim.model import closing
    from dxsim.model.tax import TaxLaw

    law = TaxLaw(0.25, 0.15, 0.05, 0.20, 30.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    rng = np.random.default_rng(11)
    n, width, months = 10, 14, 24
    golive = np.array([0.5, 3.2, 22.7, 23.1, 12.0, 1.0, 20.5, 21.9, 22.2, 5.5])
    case = dict(
        base=rng.uniform(-1e6, 5e6, n),
        high_tech=rng.random(n) < 0.4,
        golive=golive,
        lifetime=np.full(n, 12.0),
        deductible=rng.uniform(0.0, 5e5, n),
        gain=rng.uniform(0.0, 4e4, (n, width)),
        months=months,
        exit_time=np.array([np.inf, 6.5, np.inf, 23.5, np.inf, 0.2, 22.0, np.inf, np.inf, 30.0]),
    )
    whole = closing.income_tax_schedule(law, **case)
    monkeypatch.setattr(closing, "TAX_BLOCK", 3)
    blocks = closing.income_tax_schedule(law, **case)
    calendar = np.floor(golive).astype(np.int64)[:, None] + np.arange(width)
    assert blocks.tobytes() == whole.tobytes() and (whole[2:4] != 0).any()
    assert (whole[calendar >= months] == 0).all() and not whole[5].any()  # exited before going live
    late = {**case, "golive": golive + 30.0}  # every block past the horizon: no tax
    assert not closing.income_tax_schedule(law, **late).any()
    own = {**case, "gain": case["gain"].copy()}  # the tax written into the gains, each block's read first
    written = closing.income_tax_schedule(law, **own, overwrite=True)
    assert written is own["gain"] and written.tobytes() == whole.tobytes()
    late_own = {**late, "gain": case["gain"].copy()}  # every cell of a block paying nothing is 0 as well
    assert not closing.income_tax_schedule(law, **late_own, overwrite=True).any()


def test_the_incremental_tax_written_into_out_is_the_tax_bit_for_bit() -> None:
    # the tax computed in ``out`` (an array of its own, or the gains themselves) is the tax of an array of its
    # own: under one SLP rate, across the switch, and under the flat rate
    from dxsim.model.tax import TaxLaw

    rng = np.random.default_rng(5)
    base, high_tech = rng.uniform(-1e6, 5e6, (6, 1)), rng.random((6, 1)) < 0.5
    gain, deduction = rng.uniform(0.0, 4e4, (6, 10)), rng.uniform(0.0, 3e4, (6, 10))
    grid = np.arange(6)[:, None] + np.arange(10) + 15
    for law in (
        TaxLaw(0.25, 0.15, 0.05, 0.20, 20.0, 3e6, 0.25, 0.06, 0.5, 5e6),  # the switch inside the grid
        TaxLaw(0.25, 0.15, 0.05, 0.20, 99.0, 3e6, 0.25, 0.06, 0.5, 5e6),  # one rate
        TaxLaw(0.25, 0.15, 0.05, 0.20, 20.0, 3e6, 0.25, 0.06, 0.5, 5e6, flat_rate=0.1),
    ):
        for month in (grid, grid[:1, :1]):
            want = law.incremental(base, gain, deduction, high_tech, month)
            out = np.full(gain.shape, np.nan)
            assert law.incremental(base, gain, deduction, high_tech, month, out=out) is out
            own = gain.copy()  # the gains overwritten by their tax
            assert law.incremental(base, own, deduction, high_tech, month, out=own) is own
            assert out.tobytes() == want.tobytes() == own.tobytes()


def test_the_months_of_a_block_are_its_calendar_months_in_int16_where_they_fit() -> None:
    # the grid of a block with months on both sides of the switch: its calendar months, of int16 only
    # where every one fits (up to 2 ** 15 - 1), and each on the side of the switch its int64 month is
    from dxsim.model.closing import _months
    from dxsim.model.tax import TaxLaw

    for starts, cut, switch, small in (
        ([60, 62, 3], 9, 64.0, True),
        ([-32768, -32760], 20, -32750.5, True),
        ([32700, 32759], 9, 32760.5, True),  # the last month is 32767
        ([32700, 32760], 9, 32760.5, False),  # 32768 does not fit
        ([-32769, -32760], 20, -32750.5, False),
    ):
        start = np.array(starts, dtype=np.int64)
        law = TaxLaw(0.25, 0.15, 0.05, 0.20, switch, 3e6, 0.25, 0.06, 0.5, 5e6)
        grid = _months(law, start, cut)
        calendar = start[:, None] + np.arange(cut)
        assert grid.dtype == (np.int16 if small else np.int64)
        assert (grid.astype(np.int64) == calendar).all()
        assert (law.before_switch(grid) == law.before_switch(calendar)).all() and law.before_switch(grid).any()


def test_chosen_is_where_and_integer_months_meet_the_switch_as_floats() -> None:
    from dxsim.model.tax import TaxLaw, chosen

    rng = np.random.default_rng(3)
    mask = rng.random((7, 9)) < 0.5
    for yes, no in ((rng.normal(size=(7, 1)), rng.normal(size=(7, 1))), (rng.normal(size=(7, 9)), 2.5)):
        out = chosen(mask, yes, no)
        assert out.dtype == np.float64 and out.tobytes() == np.where(mask, yes, no).astype(np.float64).tobytes()
    months = np.arange(-3, 130)
    for switch in (64.0, 64.5, 63.999, -0.5, 0.0, np.inf, -np.inf):
        law = TaxLaw(0.25, 0.15, 0.05, 0.20, switch, 3e6, 0.25, 0.06, 0.5, 5e6)
        for m in (months, months.astype(np.int32), months.astype(float) + 0.5, 64):
            np.testing.assert_array_equal(law.before_switch(m), np.less(np.asarray(m, dtype=float), switch))


@pytest.mark.parametrize("high_tech", [False, True])
def test_the_gain_bounds_of_one_class_are_those_of_each_enterprise_among_others(high_tech: bool) -> None:
    # one class for all takes its brackets once: each row's bounds are those it gets among enterprises
    # of both classes, bit for bit, with and without the classes
    from dxsim.model.tax import TaxLaw

    rng = np.random.default_rng(5)
    law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    base = np.concatenate([rng.uniform(-1e6, 6e6, 40), [3e6, 0.0, -0.0, 3e6 + 12.0]])
    deduction = np.concatenate([rng.uniform(0.0, 5e4, 40), [1.0, 0.0, 0.0, 1.0]])
    same = np.full(len(base), high_tech)
    mixed = np.concatenate([same, [not high_tech]])
    for classes in (False, True):
        alone = law.gain_bounds(base, deduction, same, classes=classes)
        among = law.gain_bounds(np.append(base, 1e6), np.append(deduction, 10.0), mixed, classes=classes)
        for got, want in zip(alone, among, strict=True):
            assert got.shape == base.shape and got.tobytes() == want[:-1].tobytes()


@pytest.mark.parametrize("high_tech", [False, True])
def test_the_incremental_tax_of_one_class_or_one_rate_is_that_of_each_enterprise_among_others(high_tech: bool) -> None:
    # one class for all, or months all on one side of the switch, take one set of brackets: each cell's
    # tax is the one it gets among enterprises of both classes and months on both sides, bit for bit
    from dxsim.model.tax import TaxLaw, _one_if_uniform

    rng = np.random.default_rng(7)
    law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    n, width = 30, 8
    base = np.concatenate([rng.uniform(-1e6, 6e6, n - 3), [3e6, 0.0, -0.0]])[:, None]
    gain = rng.uniform(0.0, 4e4, (n, width))
    deduction = rng.uniform(0.0, 3e4, (n, width))
    same = np.full((n, 1), high_tech)
    for start in (0, 40, 70):  # before the switch, across it, after it
        month = start + np.arange(width) + np.zeros((n, 1), dtype=np.int64)
        alone = law.incremental(base, gain, deduction, same, month)
        among = law.incremental(
            np.vstack([base, [[1e6]]]),
            np.vstack([gain, gain[:1]]),
            np.vstack([deduction, deduction[:1]]),
            np.vstack([same, [[not high_tech]]]),
            np.vstack([month, 60 + np.arange(width)]),  # a row across the switch
        )
        assert alone.shape == (n, width) and alone.tobytes() == among[:-1].tobytes()
    # a mask whose elements are all equal is its first element alone; a mixed one is kept
    for mask in (np.ones((3, 4), dtype=bool), np.zeros((3, 1), dtype=bool), np.ones(5, dtype=bool)):
        one = _one_if_uniform(mask)
        assert one.shape == (1,) * mask.ndim and one.flat[0] == mask.flat[0]
    mixed = np.array([[True, True], [True, False]])
    assert _one_if_uniform(mixed) is mixed and _one_if_uniform(np.array(True)).shape == ()


@settings(max_examples=80, deadline=None)
@given(width=st.integers(0, 9), data=st.data())
def test_tails_are_the_cells_of_each_row_from_its_first_on(width: int, data: st.DataObject) -> None:
    # the flat indices income_tax_schedule zeroes: each row's cells at or after its first, row by row
    from dxsim.model.closing import tails

    first = np.array(data.draw(st.lists(st.integers(0, width), max_size=12)), dtype=np.int64)
    expected = np.flatnonzero(np.arange(width)[None, :] >= first[:, None])
    got = tails(first, width)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


def test_a_blocks_months_are_its_grid_or_one_month_on_the_grids_one_side() -> None:
    # one month (1, 1) only where every month of the block's grid is on its side of the SLP switch, and then
    # the incremental tax is the grid's bit for bit; the grid itself where the switch falls inside it
    from dxsim.model import closing
    from dxsim.model.tax import TaxLaw

    rng = np.random.default_rng(8)
    base, gain = rng.uniform(-1e6, 5e6, (6, 1)), rng.uniform(0.0, 4e4, (6, 10))
    deduction, high_tech = rng.uniform(0.0, 3e4, (6, 10)), rng.random((6, 1)) < 0.5
    for switch in (20.0, 20.5, 25.0, 30.0, 0.0, np.inf):
        law = TaxLaw(0.25, 0.15, 0.05, 0.20, switch, 3e6, 0.25, 0.06, 0.5, 5e6)
        for start in (np.array([11, 12, 14, 11, 13, 12]), np.array([20, 21, 20, 22, 20, 20])):
            grid = start[:, None] + np.arange(10)
            months = closing._months(law, start, 10)
            side = law.before_switch(grid)
            if side.all() or not side.any():
                assert months.shape == (1, 1) and (law.before_switch(months) == side).all()
                assert months[0, 0] in grid
            else:
                np.testing.assert_array_equal(months, grid)
            got = law.incremental(base, gain, deduction, high_tech, months)
            assert got.tobytes() == law.incremental(base, gain, deduction, high_tech, grid).tobytes()
