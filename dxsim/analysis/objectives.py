"""Metrics a study can aim at: the statistics of a run, and its additionality against a counterfactual.

An objective or a constraint of :func:`dxsim.optimize` is a metric, one number
per replication:

* a statistic of :mod:`dxsim.analysis.moments` (a :func:`dxsim.summarize`
  column at the horizon, or ``name@month``), read from the run alone;
* a variable of :data:`dxsim.analysis.additionality.ADDITIONALITY` that
  :func:`dxsim.summarize` does not have (``additional_accepted``,
  ``public_money_per_additional_lighthouse``, ``fiscal_balance``, ...), which
  needs the run's counterfactual on the same seed.

This module only reads Datasets; the counterfactual run is the caller's
(:mod:`dxsim.studies.optimize`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.additionality import ADDITIONALITY, additionality
from dxsim.analysis.metrics import METRICS
from dxsim.analysis.moments import Statistic, check_statistic, statistic_units, statistics
from dxsim.analysis.payback import NO_OUTLAY_FIGURES

__all__ = ["check_metric", "metric_units", "metric_values", "needs_counterfactual", "replication_mean"]


def _is_additional(metric: Statistic) -> bool:
    """Whether ``metric`` is an additionality variable (a name :func:`dxsim.summarize` has is read from the run)."""
    return metric.month is None and metric.name in ADDITIONALITY and metric.name not in METRICS


def check_metric(metric: Statistic, horizon_months: int) -> str | None:
    """Why ``metric`` is not a metric of a run of ``horizon_months`` months, or None if it is.

    Examples
    --------
    >>> check_metric(Statistic("additional_accepted"), 72) is None
    True
    >>> check_metric(Statistic("additional_acepted"), 72)
    "unknown metric (a dxsim.summarize column, NAME@MONTH, or an additionality variable such as additional_accepted), got 'additional_acepted'"
    """
    if _is_additional(metric):
        return None
    why = check_statistic(metric.name, metric.month, horizon_months)
    if why is not None and why.startswith("unknown statistic"):
        return (
            "unknown metric (a dxsim.summarize column, NAME@MONTH, or an additionality variable such as "
            f"additional_accepted), got {metric.name!r}"
        )
    return why


def metric_units(metric: Statistic) -> str:
    """The units of a metric checked by :func:`check_metric`.

    Examples
    --------
    >>> metric_units(Statistic("public_money_per_additional_accepted")), metric_units(Statistic("accepted", 12))
    ('yuan / enterprise', 'enterprises')
    """
    return ADDITIONALITY[metric.name][0] if _is_additional(metric) else statistic_units(metric.name)


def needs_counterfactual(metrics: Sequence[Statistic]) -> bool:
    """Whether any of ``metrics`` is an additionality variable (its run needs a counterfactual).

    Examples
    --------
    >>> needs_counterfactual([Statistic("accepted"), Statistic("additional_accepted")])
    True
    """
    return any(_is_additional(m) for m in metrics)


def metric_values(ds: xr.Dataset, metrics: Sequence[Statistic], cf: xr.Dataset | None = None) -> NDArray[np.float64]:
    """The metrics of one run, per replication.

    Parameters
    ----------
    ds : xarray.Dataset
        A run (:func:`dxsim.simulate`, no sweep dimensions).
    metrics : sequence of Statistic
        Checked with :func:`check_metric` beforehand.
    cf : xarray.Dataset, optional
        The run's counterfactual on the same seed, with its replications;
        needed when :func:`needs_counterfactual`.

    Returns
    -------
    numpy.ndarray
        Shape ``(replications, len(metrics))``, in each metric's units (:func:`metric_units`).

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> ds, cf = (dx.simulate(s, replications=2, seed=1) for s in (sc, dx.counterfactual(sc)))
    >>> values = metric_values(ds, [Statistic("accepted"), Statistic("additional_accepted")], cf)
    >>> values.shape, bool((values[:, 1] <= values[:, 0]).all())
    ((2, 2), True)
    """
    out = np.empty((ds.sizes["replication"], len(metrics)), dtype=np.float64)
    plain = [j for j, m in enumerate(metrics) if not _is_additional(m)]
    if plain:
        out[:, plain] = statistics(ds, [metrics[j] for j in plain])
    added = [j for j in range(len(metrics)) if j not in plain]
    if added:
        if cf is None:
            raise ValueError(f"metric {metrics[added[0]].name!r} needs the run's counterfactual (cf=)")
        add = additionality(ds, cf)
        for j in added:
            out[:, j] = np.asarray(add[metrics[j].name].values, dtype=np.float64)
    return out


def replication_mean(
    values: NDArray[np.float64], metrics: Sequence[Statistic]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each metric's mean over replications and its standard error, as :func:`dxsim.compare` reads them.

    A fiscal payback (:data:`~dxsim.analysis.payback.NO_OUTLAY_FIGURES`) is
    NaN in a replication without outlay: its mean is over the replications
    with one (NaN when there is none), and ``inf`` when one is censored.
    Any other NaN makes the mean NaN.

    Parameters
    ----------
    values : numpy.ndarray
        :func:`metric_values`, shape ``(replications, len(metrics))``.
    metrics : sequence of Statistic
        The metrics of the columns.

    Returns
    -------
    mean, se : numpy.ndarray
        One per metric; ``se`` is NaN with fewer than two replications counted
        and where a value counted is infinite.

    Examples
    --------
    >>> values = np.array([[1.0, np.nan], [3.0, 12.0], [5.0, 18.0]])
    >>> mean, se = replication_mean(values, [Statistic("adopters"), Statistic("fiscal_payback_month")])
    >>> mean.tolist(), se.round(3).tolist()
    ([3.0, 15.0], [1.155, 3.0])
    """
    mean, se = np.full(values.shape[1], np.nan), np.full(values.shape[1], np.nan)
    for j, metric in enumerate(metrics):
        column = values[:, j]
        if metric.name in NO_OUTLAY_FIGURES and metric.month is None:
            column = column[~np.isnan(column)]
        if len(column):
            mean[j] = column.mean()
        if len(column) > 1 and np.isfinite(column).all():
            se[j] = column.std(ddof=1) / np.sqrt(len(column))
    return mean, se
