"""dxsim.analysis.payback: every party's payback "for good" (issue 13, item 1), the counterfactual given."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import dxsim as dx
from dxsim.analysis.metrics import quantile
from dxsim.analysis.payback import (
    NO_OUTLAY,
    PARTIES,
    PAYBACK_STATISTICS,
    contract_paybacks,
    government_payback_month,
    government_paybacks,
    payback_by_replication,
    payback_table,
)
from dxsim.finance import monthly_rate, payback_period
from dxsim.results.pairing import counterfactual_of
from dxsim.tables import appraisal_rows, format_payback, no_outlay

SEED = 1
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None)


def government(flows: Sequence[Sequence[float]], public: Sequence[Sequence[float]] | None = None) -> xr.Dataset:
    """A results Dataset whose government cash flow is ``flows[replication][month]`` (yuan / month).

    Its ``public_money`` is ``public``, by default what the flow loses (its negative part).
    """
    cash = np.zeros((len(flows), len(flows[0]), 3))
    cash[..., 0] = flows
    money = np.clip(-np.asarray(flows, dtype=float), 0.0, None) if public is None else np.asarray(public, dtype=float)
    ds = xr.Dataset(
        {"cash_flow": (("replication", "month", "party"), cash), "public_money": (("replication", "month"), money)},
        coords={
            "replication": np.arange(len(flows)),
            "month": pd.date_range("2024-01-01", periods=len(flows[0]), freq="MS"),
            "industry": ["all"],
            "party": ["government", "platform", "enterprise"],
        },
    )
    ds.attrs.update(seed=SEED)
    return ds


@SETTINGS
@given(st.lists(st.lists(st.floats(-1e6, 1e6), min_size=40, max_size=40), min_size=1, max_size=4))
def test_government_payback_is_censored_exactly_when_the_balance_is_negative(flows):
    ds, cf = government(flows), government(np.zeros((len(flows), 40)))
    pb = government_paybacks(ds, cf, social_discount_rate=0.08)
    f = np.asarray(flows)
    balance = np.cumsum(f, axis=1)[:, -1]
    outlay = (f < 0).any(axis=1)  # public money is what the flow loses: paid in a month with a negative flow
    np.testing.assert_array_equal(pb["censored_share"], np.where(outlay, (balance < 0).astype(float), np.nan))
    months = payback_period(f, final=True)
    expected = np.where(outlay, np.where(np.isnan(months), np.inf, months), np.nan)  # inf: censored, NaN: no outlay
    np.testing.assert_array_equal(government_payback_month(ds, cf), expected)
    np.testing.assert_array_equal(pb["median"], expected)
    for m in (12, 24, 36):  # within the 40-month horizon: known either way
        np.testing.assert_array_equal(pb[f"paid_back_{m}"], np.where(outlay, (months <= m).astype(float), np.nan))


def test_government_payback_by_hand():
    """-100, then +30 a month: the running total is -70, -40, -10, +20; back at 0 a third into month 4."""
    flow = [-100.0, 30.0, 30.0, 30.0, 30.0]
    ds, cf = government([flow]), government([[0.0] * 5])
    assert float(government_payback_month(ds, cf)[0]) == pytest.approx(3 + 10 / 30)
    relapse = government([[-100.0, 150.0, -60.0, 0.0, 0.0]])  # +50 at month 1, -10 at the horizon
    assert math.isinf(float(government_payback_month(relapse, cf)[0]))  # not paid back within the horizon
    pb = government_paybacks(ds, cf, social_discount_rate=0.08, discounted=True)
    rate = float(monthly_rate(0.08))
    assert float(pb["median"][0]) == pytest.approx(float(payback_period(flow, rate, final=True)))
    # beyond a 5-month horizon, a censored run's share is unknown, a paid-back one's is 1
    assert float(pb["paid_back_12"][0]) == 1.0
    censored = government_paybacks(relapse, cf, social_discount_rate=0.08)
    assert math.isnan(float(censored["paid_back_12"][0])) and float(censored["censored_share"][0]) == 1.0


def test_a_government_that_puts_nothing_in_has_no_payback_rather_than_one_at_month_0():
    """NaN (no outlay) only when no public money is paid and the balance is never negative; inf when censored."""
    zeros = [[0.0] * 40]
    cf = government(zeros)
    cases = {  # fiscal flow, public money -> payback month
        "nothing at all": ([[0.0] * 40], zeros, math.nan),
        "taxes gained, nothing paid": ([[5.0] * 40], zeros, math.nan),
        "paid, the taxes came first": ([[50.0, -10.0] + [0.0] * 38], [[0.0, 10.0] + [0.0] * 38], 0.0),
        "nothing paid, taxes lost first": ([[-10.0, 20.0] + [0.0] * 38], zeros, 0.5),
        "paid, never paid back": ([[-100.0] + [1.0] * 39], None, math.inf),
    }
    for name, (flow, public, expected) in cases.items():
        ds = government(flow, public)
        np.testing.assert_array_equal(government_payback_month(ds, cf), [expected], err_msg=name)
        np.testing.assert_array_equal(government_payback_month(ds, cf, social_discount_rate=0.08).isnull(),
                                      [math.isnan(expected)], err_msg=name)  # fmt: skip
        pb = government_paybacks(ds, cf, social_discount_rate=0.08)
        stats = [float(pb[n][0]) for n in PAYBACK_STATISTICS]
        if math.isnan(expected):
            assert all(math.isnan(x) for x in stats), name  # no payback figure at all, not "paid back at 0"
        else:
            assert not any(math.isnan(x) for x in stats), name
            assert float(pb["paid_back_12"][0]) == float(expected <= 12), name
            assert float(pb["censored_share"][0]) == float(math.isinf(expected)), name


def test_shares_over_replications_count_only_those_with_an_outlay():
    """Replication 0 pays nothing, replication 1 pays 100 and gets 39 back: the government's shares are replication 1's."""
    zeros = [0.0] * 40
    ds, cf = government([zeros, [-100.0] + [1.0] * 39]), government([zeros, zeros])
    per_rep = payback_by_replication_of_government(ds, cf)
    table = payback_table(per_rep, interval=0.9)
    row = table.loc["government"]
    assert row["median"] == math.inf and row["censored_share"] == 1.0  # not 0.5: the empty run is left out
    assert row["paid_back_12"] == 0.0 and row["paid_back_36"] == 0.0  # not 0.5 ("paid back at 0" in replication 0)
    nothing = payback_table(payback_by_replication_of_government(government([zeros]), government([zeros])))
    assert nothing.loc["government"].isna().all()  # no outlay anywhere: every figure NaN


def payback_by_replication_of_government(ds: xr.Dataset, cf: xr.Dataset) -> xr.Dataset:
    """:func:`payback_by_replication`'s layout with the government's statistics (no contracts in these Datasets)."""
    gov = government_paybacks(ds, cf, social_discount_rate=0.08)
    return xr.concat([xr.full_like(gov, np.nan), xr.full_like(gov, np.nan), gov], dim=pd.Index(PARTIES, name="party"))


def test_no_programme_has_no_government_payback_and_says_so(small: dx.Scenario):
    """An empty programme against its counterfactual: no outlay, printed as such; the enterprises' payback stays."""
    empty = dx.simulate(dx.counterfactual(small).with_overrides({"horizon_months": 24}), replications=2, seed=SEED,
                        counterfactual=True)  # fmt: skip
    table = dx.payback(empty)
    assert table.loc["government"].isna().all()
    assert np.isfinite(table.loc["enterprise", "median"])
    assert no_outlay(table) == ["government"]
    government_row = format_payback(table).splitlines()[-1]
    assert government_row.split()[0] == "government" and government_row.count(NO_OUTLAY) == len(PAYBACK_STATISTICS)
    ap = dx.appraisal(empty)
    assert ap["fiscal_payback_month"].isnull().all() and ap["fiscal_payback_censored"].isnull().all()
    rows = appraisal_rows(ap)
    assert rows.loc["fiscal_payback_month", ["mean", "low", "high"]].isna().all()
    assert {"fiscal_payback_month", "fiscal_payback_censored"} <= set(no_outlay(rows))
    assert "fiscal_balance" not in no_outlay(rows)  # 0: the figures without a payback keep their numbers


@pytest.fixture(scope="module")
def paired(small: dx.Scenario) -> xr.Dataset:
    sc = small.with_overrides({"horizon_months": 48})
    return dx.simulate(sc, replications=3, seed=SEED, counterfactual=True)


def test_on_a_run_the_government_payback_is_paid_back_for_good_of_the_fiscal_flow(paired):
    """A programme that pays: a finite payback month, as before."""
    cf = counterfactual_of(paired)
    assert np.isfinite(government_payback_month(paired, cf)).all()
    flow = (paired["cash_flow"] - cf["cash_flow"]).sel(party="government").transpose("replication", "month")
    np.testing.assert_array_equal(government_payback_month(paired, cf), payback_period(flow.values, final=True))
    rate = float(monthly_rate(0.06))
    np.testing.assert_array_equal(
        government_payback_month(paired, cf, social_discount_rate=0.06),
        payback_period(flow.values, rate, final=True),
    )


def test_contract_paybacks_agree_with_summarize(paired):
    table = dx.summarize(paired)
    for party in ("enterprise", "platform"):
        pb = contract_paybacks(paired, party)
        np.testing.assert_array_equal(pb["median"], table[f"median_{party}_payback"])
        for m in (12, 24, 36):
            np.testing.assert_array_equal(pb[f"paid_back_{m}"], table[f"{party}_paid_back_{m}"])
        flags = paired["payback_censored" if party == "enterprise" else "platform_payback_censored"]
        np.testing.assert_allclose(pb["censored_share"], flags.mean("adopter", skipna=True))
    with pytest.raises(ValueError, match="party"):
        contract_paybacks(paired, "government")


def test_payback_table_shape_units_and_intervals(paired):
    per_rep = payback_by_replication(paired, counterfactual_of(paired), social_discount_rate=0.08)
    assert per_rep["party"].values.tolist() == list(PARTIES)
    table = payback_table(per_rep, interval=0.90)
    assert table.index.tolist() == list(PARTIES) and table.index.name == "party"
    columns = [f"{name}{end}" for name in PAYBACK_STATISTICS for end in ("", "_low", "_high")]
    assert table.columns.tolist() == columns
    assert table.attrs["units"] == {c: "months" if c.startswith("median") else "1" for c in columns}
    for name in PAYBACK_STATISTICS:
        low, high = table[f"{name}_low"], table[f"{name}_high"]
        assert (low.isna() | (low <= high)).all(), name
        for party in PARTIES:
            values = per_rep[name].sel(party=party).values
            known = values[~np.isnan(values)]
            expected = known.mean() if len(known) else np.nan
            np.testing.assert_array_equal(table.loc[party, name], expected)
            assert table.loc[party, f"{name}_low"] == pytest.approx(quantile(values, 0.05))
    shares = table[[c for c in columns if not c.startswith("median")]]
    assert ((shares >= 0) & (shares <= 1) | shares.isna()).all().all()
    with pytest.raises(ValueError, match="interval"):
        payback_table(per_rep, interval=1.0)
