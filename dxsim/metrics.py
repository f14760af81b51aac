"""From Datasets to answers: headline metrics per replication, with intervals.

Censored paybacks are handled with the Kaplan-Meier estimator
(``scipy.stats.ecdf`` on right-censored data): an adopter that has not paid
back by the horizon counts as "not yet after its follow-up time", never as
paying back at the horizon and never dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray
from scipy import stats

__all__ = ["headline", "km_median", "summarize"]


def km_median(times: NDArray[np.float64], censored: NDArray[np.bool_], followup: NDArray[np.float64]) -> float:
    """Kaplan-Meier median of right-censored durations.

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
    float
        The smallest t with estimated CDF >= 0.5; ``inf`` if the estimate
        never reaches one half within the follow-up (the median lies beyond
        it: censored, not dropped); NaN without data.

    Examples
    --------
    >>> km_median(np.array([1.0, 2.0, 3.0]), np.array([False, False, False]), np.zeros(3))
    2.0
    """
    done = times[~censored]
    right = followup[censored]
    if len(done) == 0:
        return float("inf") if len(right) else float("nan")
    res = stats.ecdf(stats.CensoredData(uncensored=done, right=right))
    q, p = res.cdf.quantiles, res.cdf.probabilities
    hit = np.flatnonzero(p >= 0.5 - 1e-12)
    return float(q[hit[0]]) if len(hit) else float("inf")


def summarize(ds: xr.Dataset) -> pd.DataFrame:
    """Headline metrics per replication (one row each).

    Columns: ``adopters``, ``accepted``, ``lighthouses`` (enterprises, end of
    horizon), ``public_money`` (yuan paid), ``median_enterprise_payback``
    (months, Kaplan-Meier).
    """
    horizon = int(ds.attrs.get("horizon_months", ds.sizes["month"]))
    last = ds.isel(month=-1)
    rows = []
    for r in ds["replication"].values:
        rec = ds.sel(replication=r)
        signed = rec["signed_month"].values
        valid = ~np.isnan(signed)
        censored = rec["payback_censored"].values[valid] > 0
        rows.append(
            {
                "replication": int(r),
                "adopters": float(last["adopters"].sel(replication=r).sum()),
                "accepted": float(last["accepted"].sel(replication=r).sum()),
                "lighthouses": float(last["lighthouses"].sel(replication=r).sum()),
                "public_money": float(rec["public_spending"].sum()),
                "median_enterprise_payback": km_median(
                    rec["payback_months"].values[valid], censored, horizon - np.floor(signed[valid])
                ),
            }
        )
    return pd.DataFrame(rows).set_index("replication")


def headline(ds: xr.Dataset, *, interval: float = 0.90) -> pd.DataFrame:
    """Mean and central ``interval`` of each headline metric over replications."""
    table = summarize(ds)
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    units = {
        "adopters": "enterprises",
        "accepted": "enterprises",
        "lighthouses": "enterprises",
        "public_money": "yuan",
        "median_enterprise_payback": "months",
    }
    out = pd.DataFrame(
        {
            "mean": table.mean(),
            f"p{lo * 100:g}": table.quantile(lo),
            f"p{hi * 100:g}": table.quantile(hi),
            "units": pd.Series(units),
        }
    )
    out.index.name = "metric"
    return out
