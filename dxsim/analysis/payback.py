r"""Paybacks of the three parties under one definition: paid back for good.

A party has *paid back for good* in the first month after which the running
total of its cash flow never again falls below zero
(:func:`dxsim.finance.payback_period` with ``final=True``).  With
:math:`F_t = \sum_{u \le t} x_u` the running total of the flow :math:`x`,

.. math::

    \tau = \min\{\, t : F_u \ge 0 \text{ for every } u \ge t \,\},

interpolated linearly inside the month in which the total turns
non-negative; the payback is *censored* (not paid back) when
:math:`F_{T-1} < 0` at the horizon :math:`T`.  Discounted paybacks apply the
same rule to :math:`x_t (1 + r)^{-t/12}`.

A party that puts nothing in has nothing to pay back: its running total is
never negative, so :math:`\tau = 0` by the definition, which would read as
the fastest payback.  Such a party has *no outlay*: its payback month and
its ``paid_back_*`` and ``censored_share`` statistics are NaN, not 0 and 1,
and every mean or share over replications counts only the replications in
which it had an outlay; tables print :data:`NO_OUTLAY` for it.  Months:
``inf`` = not paid back within the horizon, NaN = no outlay.

* Enterprise and platform, per contract (the Dataset's ``payback_months`` and
  ``platform_payback_months`` and their discounted and censoring variables,
  computed by the model from each contract's signing month at the scenario's
  ``discount_rate``): per replication, the Kaplan-Meier median over contracts
  (:func:`dxsim.analysis.survival.km_median`; ``inf`` when it lies beyond the
  follow-up), the Kaplan-Meier shares paid back within 12, 24 and 36 months of
  signing and the share of contracts censored at the horizon
  (:func:`contract_paybacks`).
* Government, per replication, against the counterfactual
  (:func:`government_paybacks`): the flow is the fiscal flow
  :math:`f_t = G_t^{\text{with}} - G_t^{\text{without}}` (the government's
  ``cash_flow``: taxes gained minus public money,
  :func:`dxsim.analysis.additionality.fiscal_flow`), counted from the scenario
  start; discounted at the social discount rate :math:`r_s`.  Its payback is
  censored exactly when the fiscal balance :math:`\sum_t f_t` is negative; it
  had no outlay when the programme paid no public money beyond the
  counterfactual's in any month and :math:`F_t \ge 0` throughout
  (:func:`dxsim.analysis.additionality.fiscal_payback_months`: an empty
  programme; a budget of 0 only if its outreach changes no tax).  Enterprises and platforms: a replication
  without contracts is one without outlay (NaN statistics, as before).
* :func:`payback_by_replication` -- the three parties' statistics per replication;
  :func:`payback_table` -- their mean and interval over replications (one row a party).

Pure: the counterfactual is given (:func:`dxsim.studies.appraisal.payback` supplies it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.additionality import fiscal_payback_months, payback_censored
from dxsim.analysis.metrics import PAYBACK_THRESHOLDS, quantile
from dxsim.analysis.survival import km_median, km_share

__all__ = [
    "NO_OUTLAY",
    "NO_OUTLAY_FIGURES",
    "PARTIES",
    "PAYBACK_STATISTICS",
    "contract_paybacks",
    "government_payback_month",
    "government_paybacks",
    "payback_by_replication",
    "payback_table",
]

#: What a table shows instead of a payback where the party had no outlay (its figures NaN): nothing to pay back.
NO_OUTLAY = "no outlay"

#: The fiscal payback figures of :func:`dxsim.appraisal` and :func:`dxsim.additionality` whose NaN means no outlay.
NO_OUTLAY_FIGURES = ("fiscal_payback_month", "fiscal_payback_discounted_month", "fiscal_payback_censored")

#: Rows of :func:`payback_table`, in order.
PARTIES = ("enterprise", "platform", "government")

#: Per-replication statistics of each party: name -> (units, long_name).
PAYBACK_STATISTICS: dict[str, tuple[str, str]] = {
    "median": (
        "months",
        "median payback for good: Kaplan-Meier over contracts (enterprise, platform; from signing), "
        "the run's own payback for the government (from the start); inf = beyond the horizon; "
        "NaN = no outlay (no contract; for the government no public money and never negative)",
    ),
    **{
        f"paid_back_{m}": (
            "1",
            f"share paid back for good within {m} months (Kaplan-Meier over contracts; for the government "
            "1 or 0 per run); NaN beyond the follow-up or without an outlay (shares over replications "
            "count those with an outlay)",
        )
        for m in PAYBACK_THRESHOLDS
    },
    "censored_share": (
        "1",
        "share not paid back at the horizon (contracts; for the government 1 or 0 per run); NaN without an outlay",
    ),
}

#: party -> (payback variable, censoring flag), simple and discounted.
_CONTRACT_VARIABLES = {
    ("enterprise", False): ("payback_months", "payback_censored"),
    ("enterprise", True): ("payback_discounted_months", "payback_discounted_censored"),
    ("platform", False): ("platform_payback_months", "platform_payback_censored"),
    ("platform", True): ("platform_payback_discounted_months", "platform_payback_discounted_censored"),
}


def _per_replication(ds: xr.Dataset, table: dict[str, list[float]]) -> xr.Dataset:
    out = xr.Dataset(
        {name: ("replication", np.asarray(table[name], dtype=np.float64)) for name in PAYBACK_STATISTICS},
        coords={"replication": ds["replication"].values},
    )
    for name, (units, long_name) in PAYBACK_STATISTICS.items():
        out[name].attrs.update(units=units, long_name=long_name)
    return out


def contract_paybacks(ds: xr.Dataset, party: str, *, discounted: bool = False) -> xr.Dataset:
    """The enterprises' or the platforms' paybacks per contract, summarised per replication.

    Parameters
    ----------
    ds : xarray.Dataset
        A run (:func:`dxsim.simulate`) or one point of a sweep.
    party : {"enterprise", "platform"}
        Whose payback.
    discounted : bool
        The discounted payback (at the scenario's ``discount_rate``).

    Returns
    -------
    xarray.Dataset
        Dimension ``replication``; the variables of :data:`PAYBACK_STATISTICS`.
        A contract signed at s is followed for ``horizon - floor(s)`` months.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 48}), replications=2, seed=1)
    >>> pb = contract_paybacks(ds, "enterprise")
    >>> bool(((pb["paid_back_12"] <= pb["paid_back_24"]) & (pb["censored_share"] <= 1)).all())
    True
    """
    if (party, discounted) not in _CONTRACT_VARIABLES:
        raise ValueError(
            f"party(={party!r}) must be 'enterprise' or 'platform' (the government's: government_paybacks)"
        )
    time_var, flag_var = _CONTRACT_VARIABLES[(party, discounted)]
    horizon = int(ds.attrs.get("horizon_months", ds.sizes["month"]))

    def adopter(name: str) -> NDArray[np.float64]:
        return np.asarray(ds[name].transpose("replication", "adopter").values, dtype=np.float64)

    signed, times, flags = adopter("signed_month"), adopter(time_var), adopter(flag_var) > 0
    followup = horizon - np.floor(signed)
    table: dict[str, list[float]] = {name: [] for name in PAYBACK_STATISTICS}
    for k in range(ds.sizes["replication"]):
        ok = ~np.isnan(signed[k])
        sample = (times[k][ok], flags[k][ok], followup[k][ok])
        table["median"].append(km_median(*sample))
        for m, share in zip(PAYBACK_THRESHOLDS, km_share(*sample, PAYBACK_THRESHOLDS), strict=True):
            table[f"paid_back_{m}"].append(float(share))
        table["censored_share"].append(float(flags[k][ok].mean()) if ok.any() else float("nan"))
    return _per_replication(ds, table)


def government_payback_month(
    ds: xr.Dataset, cf: xr.Dataset, *, social_discount_rate: float | None = None
) -> xr.DataArray:
    """The government's payback for good per replication: months from the start, inf when censored, NaN without outlay.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual on the same seed.
    social_discount_rate : float, optional
        1 / year: the discounted payback at this rate; None: undiscounted.

    Returns
    -------
    xarray.DataArray
        Dimension ``replication``, months since the scenario start;
        ``finance.payback_period(f, final=True)`` of the fiscal flow ``f``
        (:func:`dxsim.analysis.additionality.fiscal_flow`); ``inf`` exactly
        when the (discounted) fiscal balance is negative at the horizon; NaN
        where the programme had no outlay: no public money beyond the
        counterfactual's in any month and a fiscal balance never negative
        (:func:`dxsim.analysis.additionality.fiscal_payback_months`).

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 12}), seed=1)
    >>> government_payback_month(ds, ds).values.tolist()  # nothing against itself: no outlay
    [nan]
    """
    months = fiscal_payback_months(ds, cf, social_discount_rate=social_discount_rate)
    kind = "undiscounted" if social_discount_rate is None else f"discounted at {social_discount_rate:g} / year"
    return xr.DataArray(
        months,
        dims="replication",
        coords={"replication": ds["replication"].values},
        attrs={
            "units": "months",
            "long_name": f"government payback for good ({kind}), months since the start "
            "(inf = censored, NaN = no outlay)",
        },
    )


def government_paybacks(
    ds: xr.Dataset, cf: xr.Dataset, *, social_discount_rate: float, discounted: bool = False
) -> xr.Dataset:
    """The government's payback against the counterfactual, as per-replication statistics.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual on the same seed.
    social_discount_rate : float
        1 / year, used when ``discounted``.
    discounted : bool
        The discounted payback.

    Returns
    -------
    xarray.Dataset
        Dimension ``replication``; the variables of :data:`PAYBACK_STATISTICS`
        for a single unit per run: ``median`` is the run's payback month
        (``inf`` when censored), ``paid_back_<m>`` is 1 if it paid back for
        good within m months of the start, 0 if not (NaN: censored and m
        beyond the horizon, unknown), ``censored_share`` 1 if censored.
        A run without outlay (:func:`government_payback_month` NaN) has every
        statistic NaN, so that means over replications leave it out.
    """
    month = government_payback_month(ds, cf, social_discount_rate=social_discount_rate if discounted else None)
    p = np.asarray(month.values, dtype=np.float64)
    censored = payback_censored(p)  # NaN without outlay
    horizon = ds.sizes["month"]
    table: dict[str, list[float]] = {"median": p.tolist()}
    for m in PAYBACK_THRESHOLDS:
        within = np.where(np.isinf(p), np.where(m <= horizon, 0.0, np.nan), (p <= m).astype(np.float64))
        table[f"paid_back_{m}"] = np.where(np.isnan(p), np.nan, within).tolist()
    table["censored_share"] = censored.tolist()
    return _per_replication(ds, table)


def payback_by_replication(
    ds: xr.Dataset, cf: xr.Dataset, *, social_discount_rate: float, discounted: bool = False
) -> xr.Dataset:
    """The three parties' payback statistics per replication.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual on the same seed.
    social_discount_rate : float
        1 / year, the government's discount rate when ``discounted``.
    discounted : bool
        Discounted paybacks (enterprise and platform at the scenario's
        ``discount_rate``, the government at ``social_discount_rate``).

    Returns
    -------
    xarray.Dataset
        Dimensions (party, replication) with ``party`` = :data:`PARTIES`;
        the variables of :data:`PAYBACK_STATISTICS`.
    """
    parts = [contract_paybacks(ds, party, discounted=discounted) for party in PARTIES[:2]]
    parts.append(government_paybacks(ds, cf, social_discount_rate=social_discount_rate, discounted=discounted))
    out = xr.concat(parts, dim=pd.Index(PARTIES, name="party"), combine_attrs="override")
    out.attrs.update(discounted=int(discounted), social_discount_rate=float(social_discount_rate))
    return out


def payback_table(per_replication: xr.Dataset, *, interval: float = 0.90) -> pd.DataFrame:
    """Mean and central interval over replications of :func:`payback_by_replication`.

    Parameters
    ----------
    per_replication : xarray.Dataset
        Output of :func:`payback_by_replication`.
    interval : float
        Central probability of the interval (0.90: the 5th and 95th percentiles).

    Returns
    -------
    pandas.DataFrame
        Index ``party`` (rows :data:`PARTIES`); for each statistic of
        :data:`PAYBACK_STATISTICS` the columns ``<name>`` (mean over
        replications, NaN left out, ``inf`` when any replication's median is
        beyond the horizon), ``<name>_low`` and ``<name>_high`` (the interval,
        :func:`dxsim.analysis.metrics.quantile`).  A replication in which the
        party had no outlay (its statistics NaN) is left out of every
        column: a share is over the replications with an outlay, and a
        party's ``median`` is NaN when it had none in any (printed
        :data:`NO_OUTLAY`).  ``attrs["units"]`` maps every column to its units.

    Examples
    --------
    >>> per_rep = xr.Dataset(
    ...     {name: (("party", "replication"), [[1.0, 3.0]] * 3) for name in PAYBACK_STATISTICS},
    ...     coords={"party": list(PARTIES)},
    ... )
    >>> table = payback_table(per_rep, interval=0.5)
    >>> table.shape, float(table.loc["government", "median"]), float(table.loc["platform", "median_high"])
    ((3, 15), 2.0, 2.5)
    """
    if not 0 < interval < 1:
        raise ValueError(f"interval(={interval}) must be between 0 and 1")
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows: dict[str, dict[str, float]] = {}
    for party in PARTIES:
        row: dict[str, float] = {}
        for name in PAYBACK_STATISTICS:
            values = np.asarray(per_replication[name].sel(party=party).values, dtype=np.float64)
            known = values[~np.isnan(values)]
            row[name] = float(known.mean()) if len(known) else float("nan")
            row[f"{name}_low"] = quantile(values, lo)
            row[f"{name}_high"] = quantile(values, hi)
        rows[party] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "party"
    frame.attrs["units"] = {column: PAYBACK_STATISTICS[_statistic(column)][0] for column in frame.columns}
    return frame


def _statistic(column: str, names: Sequence[str] = tuple(PAYBACK_STATISTICS)) -> str:
    """The statistic a column of :func:`payback_table` belongs to."""
    for suffix in ("_low", "_high"):
        if column.endswith(suffix) and column[: -len(suffix)] in names:
            return column[: -len(suffix)]
    return column
