"""Wright's law fitted to the platforms' costs: the progress ratio a run shows.

The model's cost of a platform's next deployment is ``c_1 (n + 1) ** log2(PR)``
after n deployments of experience, so ``log(unit_cost)`` is linear in
``log(experience + 1)`` with slope ``log2(PR)``.

* :func:`wright_points` -- the (log experience, log cost, platform) of every platform-month;
* :func:`fit_slope` -- the least-squares slope with one intercept per platform;
* :func:`progress_ratio` -- ``2 ** slope`` of a run.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.sweeps import one_point

__all__ = ["fit_slope", "progress_ratio", "wright_points"]


def wright_points(
    ds: xr.Dataset, replication: int | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """The points Wright's law is fitted to: every platform-month with a positive cost.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep, its sweep
        dimensions squeezed), with ``experience`` and ``unit_cost``.
    replication : int, optional
        Position of one replication; all are pooled by default.

    Returns
    -------
    x : numpy.ndarray
        ``log(experience + 1)`` (log of deployments).
    y : numpy.ndarray
        ``log(unit_cost)`` (log of yuan).
    platform : numpy.ndarray of int
        Position of each point's platform along ``platform``.

    Examples
    --------
    >>> import dxsim as dx
    >>> x, y, platform = wright_points(dx.simulate("small", replications=1, seed=1))
    >>> len(x) == len(y) == len(platform) > 0
    True
    """
    if replication is not None:
        ds = ds.isel(replication=[replication])
    exp = ds["experience"].transpose("replication", "month", "platform").values
    cost = ds["unit_cost"].transpose("replication", "month", "platform").values
    plat = np.broadcast_to(np.arange(exp.shape[-1]), exp.shape)
    ok = np.isfinite(exp) & np.isfinite(cost) & (cost > 0) & (exp >= 0)
    return np.log(exp[ok] + 1.0), np.log(cost[ok]), plat[ok].astype(np.int64)


def fit_slope(
    x: NDArray[np.float64], y: NDArray[np.float64], group: NDArray[np.int64]
) -> tuple[float, NDArray[np.float64]]:
    """Least-squares slope of y on x with one intercept per group.

    Parameters
    ----------
    x, y : numpy.ndarray
        The points (as :func:`wright_points` returns them: log deployments, log yuan).
    group : numpy.ndarray of int
        Group of each point (0, 1, ...): the platform.

    Returns
    -------
    slope : float
        The common slope (``log2`` of the progress ratio for Wright's points);
        NaN if x does not vary within any group.
    intercepts : numpy.ndarray
        The intercept of each group (NaN for a group without points).

    Examples
    --------
    >>> slope, intercepts = fit_slope(np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.5, 3.0, 2.5]), np.array([0, 0, 1, 1]))
    >>> slope, intercepts.tolist()
    (-0.5, [1.0, 3.0])
    """
    n_groups = int(group.max()) + 1 if len(group) else 0
    counts = np.bincount(group, minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.bincount(group, weights=x, minlength=n_groups) / counts
        ym = np.bincount(group, weights=y, minlength=n_groups) / counts
    dx, dy = x - xm[group], y - ym[group]
    sxx = float(np.sum(dx * dx))
    slope = float(np.sum(dx * dy) / sxx) if sxx > 0 else float("nan")
    return slope, ym - slope * xm


def progress_ratio(ds: xr.Dataset, *, replication: int | None = None) -> float:
    """Wright's-law progress ratio estimated from the platforms' costs: ``2 ** slope``.

    The slope is the least-squares fit of ``log(unit_cost)`` on
    ``log(experience + 1)`` over every platform and month (the model's cost
    of the next deployment is ``c_1 (n + 1) ** log2(PR)``), with one
    intercept per platform so that platforms with different first costs
    share one slope.  With spillover between platforms the experience
    includes the others' deployments, so the fit still recovers PR.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep).
    replication : int, optional
        Position of one replication to use; all are pooled by default.

    Returns
    -------
    float
        The progress ratio (dimensionless: unit cost multiplier per
        doubling of experience); NaN if no platform gained experience.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate("small", replications=1, seed=1)
    >>> round(progress_ratio(ds), 3)  # small.toml: progress_ratio = 0.85
    0.85
    """
    ds = one_point(ds, "progress_ratio")
    x, y, plat = wright_points(ds, replication)
    slope, _ = fit_slope(x, y, plat)
    return float(2.0**slope)
