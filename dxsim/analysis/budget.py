"""The programme's budget in a run: what was paid, what is committed, what lapsed, what is left.

``budget_remaining`` (yuan, end of month) is the budget not yet committed in
the batches whose window has not closed (docs/model.md, choice 16).  When a
batch closes, the money it has not committed lapses, unless
``programme.rollover`` moves it to the next batch (the first to open at or
after the close; without one it lapses all the same): the series falls at a
lapsing close however much was left, so a fall to 0 there is money not
spent, not a budget used up.  :func:`batch_windows` gives the batches'
windows in model months (the one conversion every reader of the windows
uses), :func:`batch_closes` the months a close shows in and whether its money
rolls over, and :func:`budget_account` puts the figures side by side, per
replication: paid, committed, lapsed (``budget_lapsed``, the money a close
left unspent) and left.

Layer: analysis (a Dataset in, numbers out; the scenario is read from its attrs).

>>> import dxsim as dx
>>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=1, seed=1)
>>> batch_windows(dx.scenario_of(ds))  # 2022-09-01 to the end of 2023-08-31
[(0.0, 12.0)]
>>> closing_months(ds)  # month 11 (August 2023) is the first reading without the batch
[11]
>>> batch_closes(ds)  # its money lapses (no rollover)
{11: False}
>>> account = budget_account(ds)
>>> list(account.columns)
['budget', 'public_money', 'committed', 'lapsed', 'budget_remaining']
>>> bool(account.loc[0, "lapsed"] > 4e6)  # over 4M of the 10M lapsed, unspent, at the close
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.sweeps import one_point
from dxsim.random import replication_key
from dxsim.results.provenance import scenario_of
from dxsim.scenario.schema import Scenario, next_batch

__all__ = [
    "BUDGET_ACCOUNT",
    "batch_closes",
    "batch_windows",
    "budget_account",
    "closing_months",
    "replication_budgets",
    "total_budget",
]

#: Columns of :func:`budget_account`: name -> (units, meaning).
BUDGET_ACCOUNT: dict[str, tuple[str, str]] = {
    "budget": ("yuan", "the programme's budget: all its batches (as the replication drew them, if uncertain)"),
    "public_money": ("yuan", "public money paid within the horizon (subsidies and rewards)"),
    "committed": (
        "yuan",
        "committed to signed contracts and not paid by the horizon (paid, or released, later): budget_committed "
        "at the last month; n/a in a file of dxsim before 0.5.2",
    ),
    "lapsed": (
        "yuan",
        "lapsed, not spent (budget_lapsed): what batches had not committed when they closed and did not roll "
        "over to a later batch, and commitments released into a closed batch later; n/a in a file of dxsim "
        "before 0.5.2",
    ),
    "budget_remaining": (
        "yuan",
        "budget_remaining at the horizon: not yet committed in batches still open or to come",
    ),
}


def batch_windows(scenario: Scenario) -> list[tuple[float, float]]:
    """Each batch's application window in model time: (opens, closes), in months since the start.

    The model's own conversion (``ProgrammeState``): a batch opens at the
    start of its ``opens`` day and closes at the end of its ``closes`` day,
    so a batch closing on the last day of a month closes at the next whole
    month.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose ``programme.batches`` are read.

    Returns
    -------
    list of tuple of float
        One (opens, closes) per batch, in the scenario's order (months since ``start``).
    """
    return [
        (scenario.month_of(b.opens), scenario.month_of(b.closes, end_of_day=True)) for b in scenario.programme.batches
    ]


def total_budget(scenario: Scenario) -> float:
    """The programme's budget: its batches' budgets summed (yuan; 0 without batches)."""
    return float(sum(b.budget for b in scenario.programme.batches))


def batch_closes(ds: xr.Dataset) -> dict[int, bool]:
    """The months in which a batch's close shows in ``budget_remaining``, and whether its money rolls over.

    ``budget_remaining`` of month ``t`` is read at the end of the month
    (model time ``t + 1``) and counts a batch while its window closes after
    that, so a batch closing at model time ``c`` (:func:`batch_windows`)
    drops out at position ``ceil(c) - 1``.

    Parameters
    ----------
    ds : xarray.Dataset
        One run of :func:`dxsim.simulate` (or one point of a sweep), with its scenario in the attrs.

    Returns
    -------
    dict of int to bool
        Position along ``month`` (from 0, sorted; only the closes within
        the horizon) -> True if what the batches closing then have not
        committed rolls over (``programme.rollover`` and a batch opening at
        or after the close: :func:`dxsim.scenario.schema.next_batch`),
        False if any of it lapses.
    """
    scenario = scenario_of(ds)
    windows = batch_windows(scenario)
    opens, closes = [lo for lo, _ in windows], [hi for _, hi in windows]
    out: dict[int, bool] = {}
    for k, close in enumerate(closes):
        if close <= ds.sizes["month"]:
            month = max(math.ceil(close) - 1, 0)
            rolls = scenario.programme.rollover and next_batch(opens, closes, k, close) is not None
            out[month] = out.get(month, True) and rolls
    return dict(sorted(out.items()))


def closing_months(ds: xr.Dataset) -> list[int]:
    """Positions along ``month`` (from 0) whose ``budget_remaining`` is the first to leave a closed batch out.

    Parameters
    ----------
    ds : xarray.Dataset
        One run of :func:`dxsim.simulate` (or one point of a sweep), with its scenario in the attrs.

    Returns
    -------
    list of int
        The keys of :func:`batch_closes`: sorted, without repeats; only the closes within the horizon (months).
    """
    return list(batch_closes(ds))


def replication_budgets(ds: xr.Dataset) -> NDArray[np.float64]:
    """Each replication's programme budget (yuan): :func:`total_budget` of the scenario it ran.

    The scenario's own with no ``[uncertain]`` table; else each
    replication's draw of it (the run's seed and the replication number in
    the attrs and coordinates), as the model drew it.

    Parameters
    ----------
    ds : xarray.Dataset
        One run (or one point of a sweep), with its scenario in the attrs.
    """
    scenario = scenario_of(ds)
    reps = ds["replication"].values
    if not scenario.uncertain:
        return np.full(len(reps), total_budget(scenario))
    seed = int(ds.attrs["seed"])
    return np.array([total_budget(scenario.drawn(replication_key(seed, int(k)))) for k in reps])


def budget_account(ds: xr.Dataset) -> pd.DataFrame:
    """The budget of each replication: paid, committed, lapsed and left at the horizon.

    Parameters
    ----------
    ds : xarray.Dataset
        One run of :func:`dxsim.simulate`, or one point of a sweep (sweep
        dimensions of size one, :func:`dxsim.analysis.sweeps.one_point`),
        with its scenario and seed in the attrs.

    Returns
    -------
    pandas.DataFrame
        One row per replication (index ``replication``), the columns of
        :data:`BUDGET_ACCOUNT`, in yuan: ``budget`` (:func:`replication_budgets`),
        ``public_money`` (paid within the horizon), ``committed``
        (``budget_committed`` at the last month: to signed contracts, not
        yet paid), ``lapsed`` (``budget_lapsed`` summed: money not spent)
        and ``budget_remaining`` (at the last month).  The model measures
        the four parts apart, and they add up to the budget.  A file written
        before they were recorded (dxsim < 0.5.2) gives NaN for
        ``committed`` and ``lapsed``.

    Raises
    ------
    ValueError
        If a sweep dimension has more than one point.
    """
    ds = one_point(ds, "budget_account", instead="call it on each point in turn")
    reps = ds["replication"].values

    def at_horizon(name: str) -> NDArray[np.float64]:
        if name not in ds.variables:
            return np.full(len(reps), np.nan)
        return np.asarray(ds[name].isel(month=-1).transpose("replication").values, dtype=np.float64)

    lapsed = (
        np.asarray(ds["budget_lapsed"].sum("month").transpose("replication").values, dtype=np.float64)
        if "budget_lapsed" in ds.variables
        else np.full(len(reps), np.nan)
    )
    columns = {
        "budget": replication_budgets(ds),
        "public_money": np.asarray(ds["public_money"].sum("month").transpose("replication").values, dtype=float),
        "committed": at_horizon("budget_committed"),
        "lapsed": lapsed,
        "budget_remaining": at_horizon("budget_remaining"),
    }
    return pd.DataFrame(columns, index=pd.Index(reps, name="replication"))
