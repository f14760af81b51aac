"""Kaplan-Meier estimates of right-censored durations (paybacks), on plain arrays.

An adopter that has not paid back by the horizon counts as "not yet after its
follow-up time", never as paying back at the horizon and never dropped: the
estimator is ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``.  A contract
signed at time s is followed for ``horizon_months - floor(s)`` months (see
:func:`dxsim.summarize` and :func:`dxsim.plot.payback_survival`).

* :func:`kaplan_meier` -- the fitted estimate (its ``cdf`` and ``sf``);
* :func:`km_median` -- the median duration (inf beyond the follow-up);
* :func:`km_share` -- the share of units whose event happened within given durations.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["kaplan_meier", "km_median", "km_share"]


def kaplan_meier(times: NDArray[np.float64], censored: NDArray[np.bool_], followup: NDArray[np.float64]) -> Any:
    """The Kaplan-Meier estimate of right-censored durations.

    Parameters
    ----------
    times : array
        Observed durations (months); ignored where ``censored``.
    censored : array of bool
        True where the event had not happened by the end of follow-up.
    followup : array
        Follow-up time of each unit (months), used where ``censored``.

    Returns
    -------
    ECDFResult
        What ``scipy.stats.ecdf`` returns: ``cdf`` (share with the event by t) and ``sf`` (share without it),
        each with ``quantiles`` (months), ``probabilities`` (1) and ``evaluate``.
        Needs at least one event.

    Examples
    --------
    >>> res = kaplan_meier(np.array([1.0, 2.0, np.nan]), np.array([False, False, True]), np.array([0, 0, 5.0]))
    >>> res.sf.quantiles.tolist(), res.sf.probabilities.round(3).tolist()
    ([1.0, 2.0, 5.0], [0.667, 0.333, 0.333])
    """
    from scipy import stats  # about 1 s to import: loaded with the first estimate, not with dxsim.analysis

    return stats.ecdf(stats.CensoredData(uncensored=times[~censored], right=followup[censored]))


def km_median(times: NDArray[np.float64], censored: NDArray[np.bool_], followup: NDArray[np.float64]) -> float:
    """Kaplan-Meier median of right-censored durations.

    Parameters
    ----------
    times, censored, followup : arrays
        As in :func:`kaplan_meier` (months).

    Returns
    -------
    float
        The smallest t (months) with estimated CDF >= 0.5; ``inf`` if the
        estimate never reaches one half within the follow-up (the median
        lies beyond it: censored, not dropped); NaN without data.

    Examples
    --------
    >>> km_median(np.array([1.0, 2.0, 3.0]), np.array([False, False, False]), np.zeros(3))
    2.0
    """
    done = times[~censored]
    right = followup[censored]
    if len(done) == 0:
        return float("inf") if len(right) else float("nan")
    res = kaplan_meier(times, censored, followup)
    q, p = res.cdf.quantiles, res.cdf.probabilities
    hit = np.flatnonzero(p >= 0.5 - 1e-12)
    return float(q[hit[0]]) if len(hit) else float("inf")


def km_share(
    times: NDArray[np.float64], censored: NDArray[np.bool_], followup: NDArray[np.float64], at: ArrayLike
) -> NDArray[np.float64]:
    """Kaplan-Meier estimate of the share of units whose event happened within ``at`` months.

    Parameters
    ----------
    times, censored, followup : arrays
        As in :func:`kaplan_meier` (months).
    at : float or array
        Durations (months).

    Returns
    -------
    numpy.ndarray
        The estimated CDF, P(T <= t), at each ``t`` in ``at`` (dimensionless,
        in [0, 1], non-decreasing in t).  NaN where it is not identified: no
        data, or t beyond the last observation when that observation is
        censored.  Without censoring it is the empirical share of
        ``times <= t``.

    Examples
    --------
    >>> km_share(np.array([1.0, 2.0, 3.0, 9.0]), np.array([False, False, True, True]), np.array([0, 0, 3.0, 9.0]), [2, 5, 10])
    array([0.5, 0.5, nan])
    """
    t = np.atleast_1d(np.asarray(at, dtype=np.float64))
    done, right = times[~censored], followup[censored]
    if len(done) + len(right) == 0:
        return np.full(t.shape, np.nan)
    last_event = float(done.max()) if len(done) else -math.inf
    last_censored = float(right.max()) if len(right) else -math.inf
    # beyond the last observation the estimate is known only if that observation is an event (S = 0 after it)
    unknown = (t > max(last_event, last_censored)) & (last_censored >= last_event)
    if len(done) == 0:
        share = np.zeros(t.shape)
    else:
        share = np.asarray(kaplan_meier(times, censored, followup).cdf.evaluate(t), dtype=np.float64)
    return np.where(unknown, np.nan, share)
