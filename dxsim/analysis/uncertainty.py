"""Parameter and simulation uncertainty: splitting a metric's variance over replications.

A run of a scenario with an ``[uncertain]`` table (:mod:`dxsim.scenario.uncertain`)
draws the uncertain parameters θ anew in every replication, so a metric Y varies
over replications for two reasons, and its variance splits as (law of total
variance)

    Var(Y) = Var(E[Y | θ]) + E[Var(Y | θ)]
           = parameter part + simulation part.

One replication per draw cannot tell the two apart replication by replication,
so E[Y | θ] is estimated by least squares on the draws: an intercept, each
drawn value and its square (no interactions; the squares are left out when
there are fewer than ``2p + 3`` replications for ``p`` paths).  The simulation
part is the residual variance ``RSS / (n - r)`` (``r`` the rank of the fit),
unbiased for E[Var(Y | θ)] when E[Y | θ] is of that form; the parameter part is
the sample variance less the simulation part (the adjusted explained variance),
at least 0.  A metric the draws do not move has a parameter part of 0 in
expectation (before the floor at 0) and a simulation part equal to its variance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

__all__ = ["SPLIT_COLUMNS", "split_variance", "variance_split"]

#: Columns of :func:`variance_split` besides ``units``.
SPLIT_COLUMNS = ("variance", "parameter", "simulation", "parameter_share", "replications")


def split_variance(y: NDArray[np.float64], draws: NDArray[np.float64]) -> tuple[float, float, float, int]:
    """Variance of ``y`` over replications, its parameter and simulation parts, and the replications used.

    Parameters
    ----------
    y : numpy.ndarray
        The metric, one value per replication (any units; replications where
        it is not finite are left out).
    draws : numpy.ndarray
        ``(replications, paths)``: the values each replication drew.

    Returns
    -------
    tuple
        ``(variance, parameter, simulation, n)`` in the metric's units
        squared; NaN where there are too few replications to tell (fewer than
        ``p + 3`` finite ones, or fewer than 2 for the variance).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.uniform(0, 1, size=(400, 1))
    >>> y = 10 * theta[:, 0] + rng.normal(0, 1, 400)
    >>> total, param, sim, n = split_variance(y, theta)
    >>> round(float(param), 1), round(float(sim), 1), n  # 10^2 / 12 = 8.3 and 1
    (8.6, 1.0, 400)
    """
    ok = np.isfinite(y)
    y, x = np.asarray(y, dtype=np.float64)[ok], np.asarray(draws, dtype=np.float64)[ok]
    n, p = x.shape
    total = float(np.var(y, ddof=1)) if n > 1 else float("nan")
    if p == 0:
        return total, 0.0, total, n
    if n < p + 3:
        return total, float("nan"), float("nan"), n
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    columns = [np.ones(n), *z.T] + ([*(z**2).T] if n >= 2 * p + 3 else [])
    design = np.column_stack(columns)
    coef, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    simulation = float(resid @ resid) / (n - rank)
    return total, max(0.0, total - simulation), simulation, n


def variance_split(table: pd.DataFrame, ds: xr.Dataset, units: dict[str, str]) -> pd.DataFrame:
    """Each column of a per-replication table split into parameter and simulation variance.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per replication of ``ds`` (index ``replication``), e.g.
        :func:`dxsim.summarize`'s.
    ds : xarray.Dataset
        The run: its ``uncertain_value`` (replication, uncertain) gives the
        draws; without it every part is simulation.
    units : dict
        The units of each column.

    Returns
    -------
    pandas.DataFrame
        Index ``metric``; columns ``variance``, ``parameter``, ``simulation``
        (the metric's units squared, see :func:`split_variance`),
        ``parameter_share`` (1: parameter / (parameter + simulation)),
        ``replications`` (finite values used) and ``units`` (of the metric,
        not squared).
    """
    if "uncertain_value" in ds:
        draws = ds["uncertain_value"].sel(replication=table.index.to_numpy()).transpose("replication", "uncertain")
        x = np.asarray(draws.values, dtype=np.float64)
    else:
        x = np.empty((len(table), 0))
    rows = {}
    for name in table.columns:
        total, param, sim, n = split_variance(table[name].to_numpy(dtype=np.float64), x)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = param / (param + sim) if param + sim > 0 else float("nan")
        rows[name] = dict(zip(SPLIT_COLUMNS, (total, param, sim, share, n), strict=True)) | {"units": units[name]}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "metric"
    return out
