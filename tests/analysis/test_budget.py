"""``dxsim.analysis.budget``: the months a batch's close shows in ``budget_remaining``, and the budget in numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.analysis.budget import BUDGET_ACCOUNT, budget_account, closing_months


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
    np.testing.assert_allclose(account["fall_at_closes"], remaining[:, 10] - remaining[:, 11])
    np.testing.assert_allclose(account["public_money"], small_ds["public_money"].sum("month").values)
    np.testing.assert_allclose(account["budget_remaining"], remaining[:, -1])
    assert (account["fall_at_closes"] > 1e6).all()  # most of it lapses, unspent, when the batch closes


def test_budget_remaining_says_that_a_closed_batch_lapses(small_ds: xr.Dataset) -> None:
    assert "lapses" in small_ds["budget_remaining"].attrs["long_name"]
