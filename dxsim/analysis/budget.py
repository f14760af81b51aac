"""The programme's budget in a run: what was paid, what fell away at the batches' closes, what is left.

``budget_remaining`` (yuan, end of month) is the budget not yet committed in
the batches whose window has not closed (docs/model.md, choice 16).  When a
batch closes, the money it has not committed lapses (unless
``programme.rollover`` moves it to the next batch): the series falls at the
close however much was left, so a fall to 0 there is money not spent, not a
budget used up.  :func:`closing_months` finds those months and
:func:`budget_account` puts the figures side by side, per replication.

Layer: analysis (a Dataset in, numbers out; the scenario is read from its attrs).

>>> import dxsim as dx
>>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=1, seed=1)
>>> closing_months(ds)  # the batch closes on 2023-08-31: month 11 is the first without it
[11]
>>> account = budget_account(ds)
>>> list(account.columns)
['budget', 'public_money', 'fall_at_closes', 'budget_remaining']
>>> bool(account.loc[0, "fall_at_closes"] > 0)  # most of the 10M lapsed at the close
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr

from dxsim.results.provenance import scenario_of

__all__ = ["BUDGET_ACCOUNT", "budget_account", "closing_months"]

#: Columns of :func:`budget_account`: name -> (units, meaning).
BUDGET_ACCOUNT: dict[str, tuple[str, str]] = {
    "budget": ("yuan", "the programme's budget: all its batches (the scenario's)"),
    "public_money": ("yuan", "public money paid within the horizon (subsidies and rewards)"),
    "fall_at_closes": (
        "yuan",
        "fall of budget_remaining in the months batches closed: what the closing batches had not committed, "
        "which lapses (it is not spent; under rollover it moves on and does not fall), plus what was committed "
        "in those months",
    ),
    "budget_remaining": (
        "yuan",
        "budget_remaining at the horizon: not yet committed in batches still open or to come",
    ),
}


def closing_months(ds: xr.Dataset) -> list[int]:
    """Positions along ``month`` (from 0) whose ``budget_remaining`` is the first to leave a closed batch out.

    ``budget_remaining`` of month ``t`` is read at the end of the month
    (model time ``t + 1``) and counts a batch while its window closes after
    that, so a batch closing at model time ``c`` drops out at position
    ``ceil(c) - 1``.

    Parameters
    ----------
    ds : xarray.Dataset
        One run of :func:`dxsim.simulate` (or one point of a sweep), with its scenario in the attrs.

    Returns
    -------
    list of int
        Sorted, without repeats; only the closes within the horizon (months).
    """
    scenario = scenario_of(ds)
    closes = {scenario.month_of(b.closes, end_of_day=True) for b in scenario.programme.batches}
    return sorted({max(math.ceil(c) - 1, 0) for c in closes if c <= ds.sizes["month"]})


def budget_account(ds: xr.Dataset) -> pd.DataFrame:
    """The budget of each replication: budget, public money paid, fall at the closes, left at the horizon.

    Parameters
    ----------
    ds : xarray.Dataset
        One run of :func:`dxsim.simulate` (or one point of a sweep), with its scenario in the attrs.

    Returns
    -------
    pandas.DataFrame
        One row per replication (index ``replication``), the columns of
        :data:`BUDGET_ACCOUNT`, in yuan: ``budget`` (the batches' budgets,
        summed), ``public_money`` (paid within the horizon),
        ``fall_at_closes`` (``budget_remaining`` at the end of the month
        before each close within the horizon minus at the end of the
        closing month, summed over the closes; before the first month it
        is ``budget``) and ``budget_remaining`` (at the last month).
        Without rollover, ``fall_at_closes`` is the money that lapsed plus
        what was committed in the closing months: an upper bound of the lapse.
    """
    total = float(sum(b.budget for b in scenario_of(ds).programme.batches))
    remaining = np.asarray(ds["budget_remaining"].transpose("replication", "month").values, dtype=np.float64)
    before = np.concatenate([np.full((remaining.shape[0], 1), total), remaining[:, :-1]], axis=1)
    months = closing_months(ds)
    columns = {
        "budget": np.full(remaining.shape[0], total),
        "public_money": np.asarray(ds["public_money"].sum("month").transpose("replication").values, dtype=float),
        "fall_at_closes": (before[:, months] - remaining[:, months]).sum(axis=1),
        "budget_remaining": remaining[:, -1],
    }
    return pd.DataFrame(columns, index=pd.Index(ds["replication"].values, name="replication"))
