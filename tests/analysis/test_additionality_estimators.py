"""dxsim.analysis.additionality: the estimators on a programme run and its counterfactual, both given.

Common random numbers: the two runs share the seed, so enterprise by enterprise
the difference between them is the programme's effect.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.analysis.additionality import (
    ADDITIONALITY,
    additionality,
    additionality_by_enterprise,
    fiscal_payback,
    interval_summary,
)
from dxsim.analysis.metrics import quantile

ADOPTION = ("adopters", "in_use", "accepted", "lighthouses")
REPS, SEED = 3, 1

COST_SHARE = {"kind": "cost_share", "share": 0.2, "cap_per_enterprise": 300e3, "paid_at": "acceptance"}
VOUCHER = {"kind": "voucher", "amount": 30e3}


@pytest.fixture(scope="module")
def add(run: xr.Dataset, cf_run: xr.Dataset) -> xr.Dataset:
    return additionality(run, cf_run)


def test_every_variable_has_units_and_long_name(add):
    assert set(add.data_vars) == set(ADDITIONALITY)
    for name, var in add.data_vars.items():
        assert var.dims == ("replication",), name
        assert var.attrs["units"] and var.attrs["long_name"], name


def test_free_rider_and_deadweight_shares_within_unit_interval(add):
    for name in ("free_rider_share", "deadweight_share"):
        share = add[name].values
        assert np.isfinite(share).all(), name
        assert ((share >= 0) & (share <= 1)).all(), name
    assert (add["subsidised_free_riders"] <= add["free_riders"]).all()
    assert (add["subsidised_free_riders"] <= add["subsidised_adopters"]).all()


def test_additional_adopters_are_the_difference_of_the_two_worlds(run, cf_run, add):
    p, c = dx.summarize(run), dx.summarize(cf_run)
    for metric in ("adopters", "accepted", "lighthouses"):
        np.testing.assert_array_equal(add[f"additional_{metric}"].values, (p[metric] - c[metric]).values)
    np.testing.assert_array_equal(
        add["additional_adopters"].values, (add["induced_adopters"] - add["displaced_adopters"]).values
    )
    assert (add["additional_adopters"] > 0).any()  # the programme does something in this market
    np.testing.assert_allclose(add["public_money"].values, p["public_money"].values)


def test_enterprise_by_enterprise(run, cf_run, add):
    for r in range(REPS):
        table = additionality_by_enterprise(run, cf_run, replication=r)
        counts = table["status"].value_counts()
        assert counts["additional"] - counts["displaced"] == add["additional_adopters"].values[r]
        assert counts["free rider"] == add["free_riders"].values[r]
        assert (table["adopted_programme"] | table["adopted_counterfactual"]).all()
        assert (
            table["status"].eq("free rider") == (table["adopted_programme"] & table["adopted_counterfactual"])
        ).all()
        # the programme's adopters are exactly its contracts' enterprises
        rec = run.sel(replication=r)
        ids = rec["adopter_enterprise"].values[~np.isnan(rec["signed_month"].values)].astype(int)
        assert sorted(ids) == table.index[table["adopted_programme"]].tolist()
        free = table["status"] == "free rider"
        assert table.loc[free, "public_money"].sum() == pytest.approx(add["free_rider_money"].values[r])
        assert (table.loc[~table["adopted_programme"], "public_money"] == 0).all()


def test_enterprise_by_enterprise_needs_only_that_replication_of_the_counterfactual(run, cf_run):
    table = additionality_by_enterprise(run, cf_run.isel(replication=[1]), replication=1)
    assert table.equals(additionality_by_enterprise(run, cf_run, replication=1))


def test_leverage_and_cost_per_additional_adopter(run, add):
    for r in range(REPS):
        rec = run.sel(replication=r)
        gov = rec["government_part"].values
        sub = gov > 0
        private = (rec["enterprise_part"].values[sub] + rec["platform_discount"].values[sub]).sum()
        assert add["private_money"].values[r] == pytest.approx(private)
        assert add["leverage"].values[r] == pytest.approx(private / add["public_money"].values[r])
        extra = add["additional_adopters"].values[r]
        expected = add["public_money"].values[r] / extra if extra > 0 else np.nan
        np.testing.assert_allclose(add["public_money_per_additional_adopter"].values[r], expected)


def test_a_programme_that_pays_nothing_equals_its_counterfactual(market, cf_run):
    """Nothing paid, no programme-contingent discount, no outreach: the programme changes nothing."""
    free = market.with_overrides(
        {
            "programme.instruments": [{**COST_SHARE, "share": 0.0}, {**VOUCHER, "amount": 0.0}],
            "contract.platform_discount": 0.0,
            "programme.outreach": 0.0,  # and reaches no one
        }
    )
    ds = dx.simulate(free, replications=REPS, seed=SEED)
    for name in ADOPTION:
        xr.testing.assert_equal(ds[name], cf_run[name])
    add = additionality(ds, cf_run)
    for name in ("additional_adopters", "additional_accepted", "additional_lighthouses", "public_money"):
        assert (add[name] == 0).all(), name
    assert (add["free_rider_share"] == 1).all()
    assert (add["acceleration_months"] == 0).all()
    # nothing spent, never in deficit: no outlay, so no payback month (not a payback at 0) and no censoring flag
    assert add["fiscal_payback_month"].isnull().all() and add["fiscal_payback_censored"].isnull().all()


def test_counterfactual_must_share_the_seed(run, market):
    other = dx.simulate(dx.counterfactual(market), replications=REPS, seed=SEED + 1)
    with pytest.raises(ValueError, match="seed"):
        additionality(run, other)


def test_counterfactual_must_hold_the_replications(run, cf_run):
    with pytest.raises(ValueError, match=r"lacks replications \[2\]"):
        additionality(run, cf_run.isel(replication=[0, 1]))


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([-10.0, 5.0, 5.0, 5.0], 3.0),  # back at 0 at the end of month 2
        ([1.0, -3.0, 4.0], 2.5),  # a surplus first, then a deficit, recovered half-way through month 2
        ([], 0.0),
        ([0.0, 0.0], 0.0),  # never in deficit
        ([-1.0, 0.0], math.nan),  # censored
        ([-4.0, 8.0, -8.0], 1.5),  # the first trough counts; a later relapse does not undo the payback
        ([-1.0, 2.0, -10.0, 20.0], 3.45),  # counted from the largest deficit, not from a small early one
    ],
)
def test_fiscal_payback(flows, expected):
    got = fiscal_payback(np.array(flows))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_quantile_with_unbounded_values_matches_numpy_when_finite():
    x = np.array([3.0, 1.0, 2.0, 7.0])
    for q in (0.05, 0.5, 0.95):
        assert quantile(x, q) == pytest.approx(np.quantile(x, q))
    assert quantile(np.array([1.0, 2.0, np.inf]), 0.95) == math.inf
    assert quantile(np.array([1.0, 2.0, np.inf]), 0.05) == pytest.approx(1.1)
    assert quantile(np.array([np.nan, 4.0]), 0.5) == 4.0


def test_interval_summary_of_ratios_and_censored_paybacks():
    """Ratios: the ratio of the means, money spent for nothing +inf; a censored payback +inf, no outlay left out."""
    per_rep = {
        "public_money": [100.0, 300.0, 500.0],
        "additional_adopters": [10.0, 0.0, 20.0],  # replication 1: no additional adopter, an unbounded cost
        "additional_lighthouses": [0.0, 0.0, -1.0],  # none in any replication
        "public_money_per_additional_adopter": [10.0, math.nan, 25.0],
        "public_money_per_additional_lighthouse": [math.nan] * 3,
        "fiscal_payback_month": [12.0, math.inf, 14.0],  # replication 1 censored
    }
    add = xr.Dataset({k: ("replication", v) for k, v in per_rep.items()}, coords={"replication": [0, 1, 2]})
    table = interval_summary(add, list(per_rep), interval=0.5)
    assert list(table.columns) == ["mean", "p25", "p75", "units"]
    assert table.loc["public_money", "mean"] == 300.0
    cost = table.loc["public_money_per_additional_adopter"]
    assert cost["mean"] == 900.0 / 30.0  # the ratio of the means, replication 1's money included
    assert (cost["p25"], cost["p75"]) == (17.5, math.inf)  # of 10, 25 and inf (replication 1)
    # no additional lighthouse anywhere while money was paid: an unbounded cost, in the mean and the interval
    assert (table.loc["public_money_per_additional_lighthouse", ["mean", "p25", "p75"]] == math.inf).all()
    nothing = add.assign(public_money=("replication", [0.0, 0.0, 0.0]))  # no money, nothing: no ratio at all
    assert interval_summary(nothing, ["public_money_per_additional_lighthouse"]).iloc[0, :3].isna().all()
    assert table.loc["fiscal_payback_month", "mean"] == math.inf  # not paid back in one replication
    assert table.loc["fiscal_payback_month", "p75"] == math.inf
    outlay = add.assign(fiscal_payback_month=("replication", [12.0, math.nan, 14.0]))  # replication 1: no outlay
    row = interval_summary(outlay, ["fiscal_payback_month"], interval=0.5).loc["fiscal_payback_month"]
    assert (row["mean"], row["p25"], row["p75"]) == (13.0, 12.5, 13.5)  # over the two with an outlay
    assert table.loc["public_money_per_additional_adopter", "units"] == "yuan / enterprise"
