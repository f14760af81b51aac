"""``dxsim.analysis.budget``: the months a batch's close shows in ``budget_remaining``, and the budget in numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import dxsim as dx
from dxsim.analysis.budget import (
    BUDGET_ACCOUNT,
    batch_closes,
    batch_windows,
    budget_account,
    closing_months,
    total_budget,
)


def with_batch_close(ds: xr.Dataset, closes: dt.date) -> xr.Dataset:
    """``ds`` whose scenario's batch closes on ``closes`` (the data are not rerun: only the months are read)."""
    scenario = dx.scenario_of(ds).with_overrides({"programme.batches[0].closes": closes})
    return ds.assign_attrs(scenario=scenario.to_toml())


@pytest.mark.parametrize(
    ("closes", "expected"),
    [
        (dt.date(2023, 8, 31), [11]),  # small: opens 2022-09-01; the August 2023 reading is the first without it
        (dt.date(2023, 8, 15), [11]),  # mid-month: gone by the end of August too
        (dt.date(2023, 7, 31), [10]),
        (dt.date(2030, 1, 31), []),  # beyond the horizon: no close to show
    ],
)
def test_closing_months(small_ds: xr.Dataset, closes: dt.date, expected: list[int]) -> None:
    assert closing_months(with_batch_close(small_ds, closes)) == expected


def test_closing_month_is_where_budget_remaining_leaves_the_batch_out(small_ds: xr.Dataset) -> None:
    (m,) = closing_months(small_ds)
    remaining = small_ds["budget_remaining"].transpose("replication", "month").values
    assert (remaining[:, m - 1] > 0).all() and (remaining[:, m:] == 0).all()


def test_budget_account(small_ds: xr.Dataset) -> None:
    account = budget_account(small_ds)
    assert list(account.columns) == list(BUDGET_ACCOUNT)
    assert list(account.index) == list(small_ds["replication"].values)
    remaining = small_ds["budget_remaining"].transpose("replication", "month").values
    np.testing.assert_allclose(account["budget"], 10e6)  # small: one batch of 10M
    lapsed = small_ds["budget_lapsed"].transpose("replication", "month").values
    assert (lapsed[:, :11] == 0).all() and (lapsed[:, 11] > 1e6).all()  # most of it lapses when the batch closes
    np.testing.assert_allclose(account["lapsed"], lapsed.sum(axis=1))
    np.testing.assert_allclose(account["public_money"], small_ds["public_money"].sum("month").values)
    np.testing.assert_allclose(account["budget_remaining"], remaining[:, -1])
    np.testing.assert_allclose(account["committed"], small_ds["budget_committed"].isel(month=-1).values)
    parts = account[["public_money", "committed", "lapsed", "budget_remaining"]].sum(axis=1)
    np.testing.assert_allclose(parts, account["budget"], rtol=1e-12)  # measured apart, they add up


def test_budget_account_of_an_uncertain_budget(small: dx.Scenario) -> None:
    budget = "programme.batches[0].budget"
    sc = small.with_overrides(
        {"horizon_months": 24, "uncertain": {budget: {"dist": "uniform", "low": 1e6, "high": 6e6}}}
    )
    ds = dx.simulate(sc, replications=4, seed=1)
    account = budget_account(ds)
    np.testing.assert_allclose(account["budget"], ds["uncertain_value"].sel(uncertain=budget).values)
    assert account["budget"].nunique() == 4  # each replication its own budget
    parts = account[["public_money", "committed", "lapsed", "budget_remaining"]].sum(axis=1)
    np.testing.assert_allclose(parts, account["budget"], rtol=1e-12)
    # the money runs out (below 1% left) against each replication's own budget, not the scenario's 10M
    exhausted = dx.summarize(ds)["budget_exhaustion_month"].to_numpy()
    remaining = ds["budget_remaining"].transpose("replication", "month").values
    expected = []
    for k, budget_k in enumerate(account["budget"]):
        below = np.flatnonzero(remaining[k, :11] < 0.01 * budget_k)  # months 0-10: the batch open at the reading
        expected.append(below[0] + 1.0 if len(below) else np.nan)
    np.testing.assert_array_equal(exhausted, expected)
    assert np.isfinite(exhausted).any()


def test_budget_account_of_a_file_before_budget_lapsed(small_ds: xr.Dataset) -> None:
    account = budget_account(small_ds.drop_vars(["budget_lapsed", "budget_committed"]))
    assert account["lapsed"].isna().all() and account["committed"].isna().all()
    np.testing.assert_allclose(account["public_money"], budget_account(small_ds)["public_money"])


def two_batches(small: dx.Scenario, *, rollover: bool) -> dx.Scenario:
    """``small`` over 24 months with two half-year batches (3M, then 8M), a cost share paid at signing.

    Paid at signing, every commitment is paid when it is made and none is
    released, so the public money of a month is what was committed in it.
    """
    return small.with_overrides(
        {
            "horizon_months": 24,
            "programme.rollover": rollover,
            "programme.instruments[0].paid_at": "signing",
            "programme.batches": [
                {"name": "a", "opens": dt.date(2022, 9, 1), "closes": dt.date(2023, 2, 28), "budget": 3e6},
                {"name": "b", "opens": dt.date(2023, 3, 1), "closes": dt.date(2023, 8, 31), "budget": 8e6},
            ],
        }
    )


def test_batch_windows_and_closes(small: dx.Scenario) -> None:
    scenario = two_batches(small, rollover=True)
    assert batch_windows(scenario) == [(0.0, 6.0), (6.0, 12.0)]  # model months: start of opens, end of closes
    assert total_budget(scenario) == 11e6
    ds = xr.Dataset(coords={"month": np.arange(24)}, attrs={"scenario": scenario.to_toml()})
    assert batch_closes(ds) == {5: True, 11: False}  # a rolls into b; b has nothing to roll into: it lapses
    assert batch_closes(ds.assign_attrs(scenario=two_batches(small, rollover=False).to_toml())) == {5: False, 11: False}


@pytest.mark.parametrize("rollover", [False, True])
def test_budget_lapsed_is_what_the_closes_leave_unspent(small: dx.Scenario, rollover: bool):
    ds = dx.simulate(two_batches(small, rollover=rollover), replications=2, seed=1)
    paid = ds["public_money"].transpose("replication", "month").values  # = committed, month by month
    lapsed = ds["budget_lapsed"].transpose("replication", "month").values
    assert closing_months(ds) == [5, 11]
    np.testing.assert_array_equal(np.delete(lapsed, [5, 11], axis=1), 0.0)  # only at the closes
    np.testing.assert_allclose(lapsed.sum(axis=1), 11e6 - paid.sum(axis=1))  # all of it committed, or lapsed
    if rollover:  # a's money moved on to b: nothing lapses at the first close
        np.testing.assert_array_equal(lapsed[:, 5], 0.0)
    else:  # a's money lapsed: what a had not committed by its close (b commits nothing before it opens)
        np.testing.assert_allclose(lapsed[:, 5], 3e6 - paid[:, :6].sum(axis=1))
        assert (lapsed[:, 5] > 0).all()
    account = budget_account(ds)
    np.testing.assert_allclose(account["committed"], 0.0, atol=1e-6)  # paid at signing: nothing left to pay


def test_budget_account_of_a_sweep_point(small_ds: xr.Dataset) -> None:
    sweep = xr.concat([small_ds, small_ds], dim=xr.DataArray([0.1, 0.2], dims="discount", name="discount"))
    sweep = sweep.assign_attrs(small_ds.attrs)
    pd.testing.assert_frame_equal(budget_account(sweep.isel(discount=[0])), budget_account(small_ds))
    with pytest.raises(ValueError, match="budget_account needs one scenario"):
        budget_account(sweep)
