"""Additionality estimators: a programme run against its counterfactual (MODEL.md questions 1 and 4).

Both runs are given: this module never runs a model (the counterfactual run is
:mod:`dxsim.studies.counterfactual`'s).  The two runs are compared on common
random numbers: a programme run and its counterfactual (the same scenario with
an empty programme) on the same seed draw the same enterprises with the same
attributes and the same consideration clocks, so the difference between the
two runs is the programme's effect, enterprise by enterprise
(``adopter_enterprise`` names the enterprise).

* :func:`additionality` -- per replication: additional adopters, accepted and
  lighthouses, free riders and their public money, cost per additional
  adopter and lighthouse, leverage, the fiscal balance and its payback
  (:data:`ADDITIONALITY`).
* :func:`additionality_by_enterprise` -- one replication, enterprise by
  enterprise: additional, free rider or displaced.
* :func:`interval_summary` -- mean and central interval over replications of
  the variables of :func:`additionality` (ratios as ratios of means).
* :func:`align_counterfactual`, :func:`fiscal_flow`, :func:`running_total`,
  :func:`adopter_arrays`, :func:`contracts_by_enterprise` -- the building blocks the appraisal
  (:mod:`dxsim.analysis.appraisal`, :mod:`dxsim.analysis.payback`) shares.
* :func:`fiscal_payback` -- the 0.2 definition of the fiscal payback (the
  first return to 0 after the lowest point), kept for callers; dxsim now
  reports every party's payback "for good" (see docs/appraisal.md).

Return convention of the analyses: xarray per replication (:func:`additionality`),
pandas for tables people read (:func:`additionality_by_enterprise`,
:func:`interval_summary`).

Conventions (yuan, months since the scenario start, enterprises):

* "Adopted" means signed a contract within the horizon.  An enterprise that
  adopts with the programme and would have adopted without it, however much
  later within the horizon, is a free rider "any time" (the variables
  ``*_any_time``; the names without the suffix are the same numbers, kept for
  callers); how much earlier the programme made it adopt is
  ``acceleration_months``.  Free riders within a window of months of the
  subsidised signing are :func:`dxsim.analysis.appraisal.deadweight_within`'s.
* The fiscal flow of month t is the government's ``cash_flow`` with the
  programme minus without it: every tax gained (enterprise income tax, and
  VAT and the platforms' income tax where the model has them) minus public
  money.  ``fiscal_balance`` is its sum over the horizon and
  ``fiscal_payback_month`` the month after which its running total never
  again falls below 0 (:func:`dxsim.finance.payback_period` with
  ``final=True``), censored (``inf``) whenever the balance is negative at
  the horizon, and NaN where the programme had no outlay (no public money
  beyond the counterfactual's and a balance never negative:
  :func:`fiscal_payback_months`).
* Public money in total is what the government paid within the horizon (the
  Dataset's ``public_money``), net of what the counterfactual paid
  (nothing, for a true counterfactual).
* Public money of one contract (what a free rider received): what was paid
  on it within the horizon if the Dataset records it per adopter (a variable
  ``government_paid``, as dxsim's outputs do); for older files the government's part of its price
  (``government_part``), committed at signing: what the enterprise got off
  its price.  That counts a part forfeited at a failed acceptance, or not yet
  paid at the horizon, and leaves out money outside the price (the
  platform's kept share of a ``platform_reward``).  A contract is subsidised
  when its government part or its public money is > 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim._version import __version__
from dxsim.analysis.metrics import quantile
from dxsim.finance import monthly_rate, payback_period

__all__ = [
    "ADDITIONALITY",
    "ANY_TIME",
    "STATUS",
    "EnterpriseContracts",
    "additionality",
    "additionality_by_enterprise",
    "adopter_arrays",
    "align_counterfactual",
    "contracts_by_enterprise",
    "fiscal_flow",
    "fiscal_payback",
    "fiscal_payback_months",
    "interval_summary",
    "payback_censored",
    "running_total",
]

#: Per-replication variables of :func:`additionality`: name -> (units, long_name).
ADDITIONALITY: dict[str, tuple[str, str]] = {
    "adopters": ("enterprises", "contracts signed with the programme (end of horizon)"),
    "counterfactual_adopters": ("enterprises", "contracts signed without the programme (end of horizon)"),
    "additional_adopters": ("enterprises", "adopters with the programme minus without it (end of horizon)"),
    "additional_accepted": ("enterprises", "accepted with the programme minus without it (end of horizon)"),
    "additional_lighthouses": ("enterprises", "lighthouses with the programme minus without it (end of horizon)"),
    "induced_adopters": ("enterprises", "enterprises that adopted with the programme only"),
    "displaced_adopters": ("enterprises", "enterprises that adopted without the programme only"),
    "free_riders": ("enterprises", "enterprises that adopted in both worlds (= free_riders_any_time)"),
    "free_rider_share": (
        "1",
        "free riders / enterprises that adopted with the programme (= free_rider_share_any_time)",
    ),
    "subsidised_adopters": ("enterprises", "enterprises whose contract had public money (see module notes)"),
    "subsidised_free_riders": (
        "enterprises",
        "free riders whose contract had public money (= subsidised_free_riders_any_time)",
    ),
    "deadweight_share": ("1", "subsidised free riders / subsidised adopters (= deadweight_share_any_time)"),
    "free_rider_money": ("yuan", "public money of the free riders' contracts (= free_rider_money_any_time)"),
    "free_riders_any_time": (
        "enterprises",
        "enterprises that adopted with the programme and without it, at any time within the horizon",
    ),
    "free_rider_share_any_time": (
        "1",
        "free riders (any time within the horizon) / enterprises that adopted with the programme",
    ),
    "subsidised_free_riders_any_time": (
        "enterprises",
        "subsidised adopters that adopted without the programme too, at any time within the horizon",
    ),
    "deadweight_share_any_time": (
        "1",
        "subsidised adopters that adopted without the programme too (any time within the horizon) / subsidised adopters",
    ),
    "free_rider_money_any_time": (
        "yuan",
        "public money of the contracts of free riders (any time within the horizon; see module notes)",
    ),
    "acceleration_months": (
        "months",
        "mean of (signing month without - with the programme) over free riders",
    ),
    "public_money": ("yuan", "public money paid within the horizon, net of the counterfactual's"),
    "public_money_per_additional_adopter": (
        "yuan / enterprise",
        "public money / additional adopters (NaN when additional adopters <= 0)",
    ),
    "public_money_per_additional_accepted": (
        "yuan / enterprise",
        "public money / additional accepted (NaN when additional accepted <= 0)",
    ),
    "public_money_per_additional_lighthouse": (
        "yuan / enterprise",
        "public money / additional lighthouses (NaN when additional lighthouses <= 0)",
    ),
    "private_money": (
        "yuan",
        "enterprise part + platform discount of the contracts with a government part > 0",
    ),
    "leverage": ("1", "private money / public money (NaN when no public money)"),
    "additional_tax_revenue": (
        "yuan",
        "enterprise income tax on incremental profit (tax_revenue) with the programme minus without it: "
        "one part of additional_taxes",
    ),
    "additional_taxes": (
        "yuan",
        "every tax the government receives (income tax, VAT, the platforms' income tax: its cash flow + "
        "public money) with the programme minus without it",
    ),
    "fiscal_balance": (
        "yuan",
        "government cash flow with the programme minus without it, summed over the horizon: "
        "additional_taxes - public_money",
    ),
    "fiscal_payback_month": (
        "months",
        "months since the scenario start after which the running fiscal balance never again falls below 0 "
        "(0 = never negative; inf = censored: negative at the horizon; NaN = no outlay: no public money beyond "
        "the counterfactual's and never negative)",
    ),
    "fiscal_payback_censored": (
        "1",
        "1 if the running fiscal balance is negative at the horizon, else 0; NaN = no outlay (its share over "
        "replications counts those with an outlay)",
    ),
}

#: The all-horizon free-rider figures under names that say so -> the names they had (the same numbers).
ANY_TIME: dict[str, str] = {
    "free_riders_any_time": "free_riders",
    "free_rider_share_any_time": "free_rider_share",
    "subsidised_free_riders_any_time": "subsidised_free_riders",
    "deadweight_share_any_time": "deadweight_share",
    "free_rider_money_any_time": "free_rider_money",
}

#: Ratios: name -> (numerator, denominator, whether it is a cost).  A ratio is NaN in a replication
#: whose denominator is <= 0.  For a cost per additional SME, accepted SME or lighthouse,
#: :func:`interval_summary` counts such a replication as +inf when public money was paid (money spent,
#: nothing additional: an unbounded cost) and leaves it out when none was; a share or the leverage
#: without denominator is left out.
_RATIOS: dict[str, tuple[str, str, bool]] = {
    "free_rider_share": ("free_riders", "adopters", False),
    "deadweight_share": ("subsidised_free_riders", "subsidised_adopters", False),
    "free_rider_share_any_time": ("free_riders_any_time", "adopters", False),
    "deadweight_share_any_time": ("subsidised_free_riders_any_time", "subsidised_adopters", False),
    "public_money_per_additional_adopter": ("public_money", "additional_adopters", True),
    "public_money_per_additional_accepted": ("public_money", "additional_accepted", True),
    "public_money_per_additional_lighthouse": ("public_money", "additional_lighthouses", True),
    "leverage": ("private_money", "public_money", False),
}

#: The statuses of :func:`additionality_by_enterprise`: with the programme only, in both worlds,
#: without the programme only.
STATUS = ("additional", "free rider", "displaced")

_ADOPTER_VARIABLES = (
    "adopter_enterprise",
    "signed_month",
    "government_part",
    "platform_discount",
    "enterprise_part",
    "accepted_flag",
    "lighthouse_flag",
)
#: Per-adopter public money actually paid, used instead of ``government_part`` when present.
_PAID = "government_paid"


# --------------------------------------------------------------------------- per replication
@dataclass(frozen=True)
class EnterpriseContracts:
    """One replication's adopters in one world, one entry per enterprise (sorted by enterprise id).

    Money is summed over the enterprise's contracts signed within the horizon
    (yuan); ``signed`` is its first signing month (months since the start).

    Attributes
    ----------
    enterprise : numpy.ndarray of int
        Enterprise ids (the same enterprise in every scenario run on one seed).
    signed : numpy.ndarray of float
        First signing month, months since the scenario start.
    public : numpy.ndarray of float
        Public money of its contracts (see the module notes), yuan.
    private : numpy.ndarray of float
        Enterprise part + platform discount of its subsidised contracts, yuan.
    subsidised, accepted, lighthouse : numpy.ndarray of bool
        A contract with public money; passed acceptance; became a lighthouse.
    government_part, enterprise_part, platform_discount : numpy.ndarray of float
        The parts of the price of all its contracts, yuan (``price = government_part
        + platform_discount + enterprise_part``).
    """

    enterprise: NDArray[np.int64]
    signed: NDArray[np.float64]
    public: NDArray[np.float64]
    private: NDArray[np.float64]
    subsidised: NDArray[np.bool_]
    accepted: NDArray[np.bool_]
    lighthouse: NDArray[np.bool_]
    government_part: NDArray[np.float64]
    enterprise_part: NDArray[np.float64]
    platform_discount: NDArray[np.float64]


def adopter_arrays(ds: xr.Dataset) -> dict[str, NDArray[np.float64]]:
    """The per-adopter variables :func:`contracts_by_enterprise` needs, as (replication, adopter) arrays.

    Raises
    ------
    ValueError
        The Dataset lacks one of them (written by an older dxsim).
    """
    missing = [v for v in _ADOPTER_VARIABLES if v not in ds]
    if missing:
        raise ValueError(
            f"the Dataset lacks {', '.join(missing)}: it was written by an older dxsim; run the scenario again"
        )
    names = (*_ADOPTER_VARIABLES, _PAID) if _PAID in ds else _ADOPTER_VARIABLES
    return {v: np.asarray(ds[v].transpose("replication", "adopter").values, dtype=np.float64) for v in names}


def contracts_by_enterprise(
    arrays: Mapping[str, NDArray[np.float64]], k: int, *, first_only: bool = False
) -> EnterpriseContracts:
    """The contracts of replication position ``k`` of :func:`adopter_arrays`, grouped by enterprise.

    ``first_only`` keeps each enterprise's first contract (its earliest
    signing) and leaves out its renewals, as the Dataset's ``adopters`` counts.
    """
    signed = arrays["signed_month"][k]
    ok = ~np.isnan(signed)
    ids, inv = np.unique(arrays["adopter_enterprise"][k][ok].astype(np.int64), return_inverse=True)
    n = len(ids)
    first = np.full(n, np.inf)
    np.minimum.at(first, inv, signed[ok])
    if first_only:
        at_first = np.flatnonzero(signed[ok] == first[inv])
        keep = np.sort(at_first[np.unique(inv[at_first], return_index=True)[1]])  # one a firm, ties or not
        ok[np.flatnonzero(ok)[np.setdiff1d(np.arange(len(inv)), keep)]] = False
        inv = inv[keep]
    part = arrays["government_part"][k][ok]
    gov = np.nan_to_num(arrays[_PAID][k][ok]) if _PAID in arrays else part
    subsidised = (part > 0) | (gov > 0)
    private = (arrays["enterprise_part"][k][ok] + arrays["platform_discount"][k][ok]) * subsidised

    def total(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.bincount(inv, weights=x, minlength=n), dtype=np.float64)

    return EnterpriseContracts(
        enterprise=ids,
        signed=first,
        public=total(gov),
        private=total(private),
        subsidised=total(subsidised.astype(np.float64)) > 0,
        accepted=total(arrays["accepted_flag"][k][ok]) > 0,
        lighthouse=total(arrays["lighthouse_flag"][k][ok]) > 0,
        government_part=total(part),
        enterprise_part=total(arrays["enterprise_part"][k][ok]),
        platform_discount=total(arrays["platform_discount"][k][ok]),
    )


def align_counterfactual(ds: xr.Dataset, cf: xr.Dataset) -> xr.Dataset:
    """``cf`` with the replications of ``ds``, after checking that the two runs are comparable.

    Raises
    ------
    ValueError
        The two runs differ in seed, months or industries, or ``cf`` lacks a
        replication of ``ds``.
    """
    for name, a, b in (
        ("seed", ds.attrs.get("seed"), cf.attrs.get("seed")),
        ("month", ds.sizes.get("month"), cf.sizes.get("month")),
    ):
        if a != b:
            raise ValueError(
                f"the counterfactual must share the programme run's {name} (common random numbers): {b} != {a}"
            )
    if not np.array_equal(ds["month"].values, cf["month"].values):
        raise ValueError("the counterfactual's months differ from the programme run's (different start)")
    if list(ds["industry"].values) != list(cf["industry"].values):
        raise ValueError("the counterfactual's industries differ from the programme run's")
    reps = ds["replication"].values
    missing = np.setdiff1d(reps, cf["replication"].values)
    if len(missing):
        raise ValueError(f"the counterfactual lacks replications {missing.tolist()} of the programme run")
    return cf.sel(replication=reps)


def fiscal_flow(ds: xr.Dataset, cf: xr.Dataset) -> xr.DataArray:
    """The fiscal flow of each month: the government's cash flow with the programme minus without it.

    ``f_t = cash_flow_t(government, with) - cash_flow_t(government, without)``:
    every tax gained (enterprise income tax, and VAT and the platforms' income
    tax where the model has them) minus the public money paid, net of the
    counterfactual's.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual, as in :func:`additionality`.

    Returns
    -------
    xarray.DataArray
        Dimensions (replication, month), yuan / month.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 12}), seed=1)
    >>> float(fiscal_flow(ds, ds).sum())
    0.0
    """
    cf = align_counterfactual(ds, cf)

    def government(run: xr.Dataset) -> xr.DataArray:
        return run["cash_flow"].sel(party="government", drop=True).transpose("replication", "month")

    flow = government(ds) - government(cf)
    return flow.assign_attrs(
        units="yuan / month",
        long_name="government cash flow with the programme minus without it (taxes gained - public money)",
    )


def fiscal_payback_months(
    ds: xr.Dataset, cf: xr.Dataset, *, social_discount_rate: float | None = None
) -> NDArray[np.float64]:
    """The government's payback for good per replication, months since the start; inf or NaN when there is none.

    The payback of the fiscal flow :func:`fiscal_flow` (``payback_period(f,
    final=True)``), with its two cases without a month told apart:

    * ``inf`` -- not paid back within the horizon (censored): the running
      fiscal balance is negative at the horizon;
    * ``NaN`` -- no outlay: in no month did the programme pay more public
      money than the counterfactual (``public_money`` with minus without,
      never > 0) and the running fiscal balance is never negative.  There is
      nothing to pay back (an empty programme; a budget of 0 only if it changes no tax), so no payback
      month, rather than a payback at month 0.

    A programme that pays public money and whose taxes come in first, so that
    the balance is never negative, pays back at 0 months; one that pays
    nothing but costs taxes (the balance dips below 0) has a payback as any other.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual, as in :func:`additionality`.
    social_discount_rate : float, optional
        1 / year: the payback of the flow discounted at this rate; None:
        undiscounted.  Whether there was an outlay does not depend on it.

    Returns
    -------
    numpy.ndarray of float
        Shape (replication,), months since the scenario start.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 12}), seed=1)
    >>> fiscal_payback_months(ds, ds).tolist()  # nothing against itself: no outlay
    [nan]
    """
    cf = align_counterfactual(ds, cf)
    flow = np.asarray(fiscal_flow(ds, cf).values, dtype=np.float64)
    simple = payback_period(flow, final=True)  # 0 exactly when the running total is never negative
    months = (
        simple if social_discount_rate is None else payback_period(flow, monthly_rate(social_discount_rate), final=True)
    )
    spent = ((_monthly(ds, "public_money") - _monthly(cf, "public_money")) > 0).any(axis=-1)
    return np.asarray(np.where(~spent & (simple == 0), np.nan, np.where(np.isnan(months), np.inf, months)))


def payback_censored(months: NDArray[np.float64]) -> NDArray[np.float64]:
    """The censoring flag of paybacks as :func:`fiscal_payback_months` gives them: 1 not paid back, 0 paid back, NaN no outlay.

    Examples
    --------
    >>> payback_censored(np.array([3.5, np.inf, np.nan])).tolist()
    [0.0, 1.0, nan]
    """
    return np.where(np.isnan(months), np.nan, np.isinf(months).astype(np.float64))


def running_total(flow: NDArray[np.float64]) -> NDArray[np.float64]:
    """The total of ``flow`` along its last axis, summed in month order as the running total is.

    ``numpy.sum`` adds in a different order, so its sign can differ from the
    last running total's when the total is close to 0; with this one a
    payback is censored exactly when the total is negative.

    Examples
    --------
    >>> float(running_total(np.array([0.1, 0.2, -0.3])))
    5.551115123125783e-17
    """
    if flow.shape[-1] == 0:
        return np.zeros(flow.shape[:-1])
    return np.asarray(np.cumsum(flow, axis=-1)[..., -1])


def fiscal_payback(net: NDArray[np.float64]) -> float:
    """The 0.2 fiscal payback: months until the cumulative ``net`` flow is back at 0 after its lowest point.

    Superseded by the payback "for good" (the month after which the running
    total never again falls below 0, :func:`dxsim.finance.payback_period` with
    ``final=True``), which :func:`additionality` and
    :mod:`dxsim.analysis.appraisal` report for every party; kept for callers.
    Month t's flow comes in during month t, linearly, counting from the
    trough (the largest cumulative deficit, its first occurrence).

    Parameters
    ----------
    net : numpy.ndarray of float
        Net flow of each month since the start (e.g. additional tax - public
        money), yuan.

    Returns
    -------
    float
        Months since the start; 0 when the cumulative flow is never negative;
        NaN (censored) when it is not back at 0 by the horizon.

    Examples
    --------
    >>> fiscal_payback(np.array([-10.0, 5.0, 5.0, 5.0]))  # back at 0 at the end of month 2
    3.0
    """
    cum = np.cumsum(net)
    if len(cum) == 0:
        return 0.0
    trough = int(np.argmin(cum))
    if cum[trough] >= 0:
        return 0.0
    back = np.flatnonzero(cum[trough:] >= 0)
    if len(back) == 0:
        return float("nan")
    k = trough + int(back[0])
    return float(k + (-cum[k - 1] / net[k]))  # net[k] > 0: cum[k - 1] < 0 <= cum[k]


def _end_total(ds: xr.Dataset, name: str) -> NDArray[np.float64]:
    return np.asarray(ds[name].isel(month=-1).sum("industry").transpose("replication").values, dtype=np.float64)


def _monthly(ds: xr.Dataset, name: str) -> NDArray[np.float64]:
    return np.asarray(ds[name].transpose("replication", "month").values, dtype=np.float64)


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def _world_totals(ds: xr.Dataset, cf: xr.Dataset, out: dict[str, NDArray[np.float64]]) -> None:
    """Fill the totals of the two worlds into ``out``, the fiscal payback included."""
    adopters, adopters_cf = _end_total(ds, "adopters"), _end_total(cf, "adopters")
    out["adopters"], out["counterfactual_adopters"] = adopters, adopters_cf
    out["additional_adopters"] = adopters - adopters_cf
    out["additional_accepted"] = _end_total(ds, "accepted") - _end_total(cf, "accepted")
    out["additional_lighthouses"] = _end_total(ds, "lighthouses") - _end_total(cf, "lighthouses")
    spending = _monthly(ds, "public_money") - _monthly(cf, "public_money")
    flow = np.asarray(fiscal_flow(ds, cf).values, dtype=np.float64)
    out["public_money"] = spending.sum(axis=1)
    out["additional_tax_revenue"] = (_monthly(ds, "tax_revenue") - _monthly(cf, "tax_revenue")).sum(axis=1)
    out["additional_taxes"] = (flow + spending).sum(axis=1)
    out["fiscal_balance"] = running_total(flow)
    out["fiscal_payback_month"] = fiscal_payback_months(ds, cf)
    out["fiscal_payback_censored"] = payback_censored(out["fiscal_payback_month"])


def _enterprise_counts(
    out: dict[str, NDArray[np.float64]], k: int, p: EnterpriseContracts, c: EnterpriseContracts
) -> None:
    """Fill replication position ``k`` of the enterprise-by-enterprise variables into ``out``."""
    both, in_p, in_c = np.intersect1d(p.enterprise, c.enterprise, assume_unique=True, return_indices=True)
    out["induced_adopters"][k] = len(p.enterprise) - len(both)
    out["displaced_adopters"][k] = len(c.enterprise) - len(both)
    out["free_riders"][k] = len(both)
    out["free_rider_share"][k] = _ratio(len(both), len(p.enterprise))
    out["subsidised_adopters"][k] = np.count_nonzero(p.subsidised)
    out["subsidised_free_riders"][k] = np.count_nonzero(p.subsidised[in_p])
    out["free_rider_money"][k] = p.public[in_p].sum()
    out["acceleration_months"][k] = np.mean(c.signed[in_c] - p.signed[in_p]) if len(both) else np.nan
    out["private_money"][k] = p.private.sum()


def additionality(ds: xr.Dataset, cf: xr.Dataset) -> xr.Dataset:
    """Additionality of a programme run against its counterfactual, per replication.

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (:func:`dxsim.simulate`).
    cf : xarray.Dataset
        Its counterfactual: the same market without public money on the same
        seed, with (at least) the same replications
        (:func:`dxsim.studies.counterfactual.counterfactual_run`).  If it
        spends public money itself, the public money here is net of it (the
        effect of one programme against another).

    Returns
    -------
    xarray.Dataset
        Dimension ``replication``; the variables of :data:`ADDITIONALITY`,
        each with ``units`` and ``long_name``.  Adoption counts are taken at
        the end of the horizon; "adopted" means signed a contract.  Every
        enterprise that adopted in either world is ``induced`` (with the
        programme only), a free rider (both) or ``displaced`` (without the
        programme only), so ``additional_adopters = induced_adopters -
        displaced_adopters`` when each enterprise signs at most once.

    Raises
    ------
    ValueError
        When the two runs differ in seed, months or industries, or ``cf``
        lacks a replication of ``ds``.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> ds = dx.simulate(sc, replications=2, seed=1)
    >>> add = additionality(ds, dx.simulate(dx.counterfactual(sc), replications=2, seed=1))
    >>> bool(((0 <= add["free_rider_share"]) & (add["free_rider_share"] <= 1)).all())
    True
    """
    cf = align_counterfactual(ds, cf)
    n = ds.sizes["replication"]
    out = {name: np.full(n, np.nan) for name in ADDITIONALITY}
    _world_totals(ds, cf, out)
    arrays, arrays_cf = adopter_arrays(ds), adopter_arrays(cf)
    for k in range(n):
        _enterprise_counts(out, k, contracts_by_enterprise(arrays, k), contracts_by_enterprise(arrays_cf, k))
    for new, old in ANY_TIME.items():
        out[new] = out[old]
    for name, (num, den, _) in _RATIOS.items():
        out[name] = np.array([_ratio(a, b) for a, b in zip(out[num], out[den], strict=True)])
    result = xr.Dataset(
        {name: ("replication", values) for name, values in out.items()},
        coords={"replication": ds["replication"].values},
    )
    for name, (units, long_name) in ADDITIONALITY.items():
        result[name].attrs.update(units=units, long_name=long_name)
    result.attrs.update(
        scenario_name=str(ds.attrs.get("scenario_name", "")),
        seed=int(ds.attrs["seed"]),
        dxsim_version=__version__,
        title="dxsim additionality: programme run against its counterfactual (common random numbers)",
    )
    return result


def additionality_by_enterprise(ds: xr.Dataset, cf: xr.Dataset, replication: int = 0) -> pd.DataFrame:
    """Enterprise by enterprise, in one replication: who adopted in which world.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual, as in :func:`additionality`
        (``cf`` needs only the replication ``replication``).
    replication : int
        The replication (a value of the ``replication`` coordinate).

    Returns
    -------
    pandas.DataFrame
        One row per enterprise that adopted in at least one world (index
        ``enterprise``, sorted): ``adopted_programme``,
        ``adopted_counterfactual`` (bool), ``status`` (``"additional"``:
        with the programme only; ``"free rider"``: in both; ``"displaced"``:
        without the programme only), ``signed_programme``,
        ``signed_counterfactual`` (months since the start, NaN = did not
        adopt), ``accepted_programme``, ``lighthouse_programme``,
        ``accepted_counterfactual``, ``lighthouse_counterfactual`` (bool) and
        ``public_money`` (yuan: its contract's public money in the
        programme run, see the module notes).
    """
    one = ds.sel(replication=[replication])
    cf = align_counterfactual(one, cf)
    p, c = contracts_by_enterprise(adopter_arrays(one), 0), contracts_by_enterprise(adopter_arrays(cf), 0)
    ids = np.union1d(p.enterprise, c.enterprise)
    in_p, in_c = np.isin(ids, p.enterprise), np.isin(ids, c.enterprise)
    ip = np.searchsorted(p.enterprise, ids).clip(max=max(len(p.enterprise) - 1, 0))
    ic = np.searchsorted(c.enterprise, ids).clip(max=max(len(c.enterprise) - 1, 0))

    def pick(x: NDArray[Any], idx: NDArray[np.int64], mask: NDArray[np.bool_], empty: Any) -> NDArray[Any]:
        return np.where(mask, x[idx], empty) if len(x) else np.full(len(ids), empty)

    status = np.where(in_p & in_c, STATUS[1], np.where(in_p, STATUS[0], STATUS[2]))
    frame = pd.DataFrame(
        {
            "adopted_programme": in_p,
            "adopted_counterfactual": in_c,
            "status": pd.Categorical(status, categories=list(STATUS)),
            "signed_programme": pick(p.signed, ip, in_p, np.nan),
            "signed_counterfactual": pick(c.signed, ic, in_c, np.nan),
            "accepted_programme": pick(p.accepted, ip, in_p, False),
            "lighthouse_programme": pick(p.lighthouse, ip, in_p, False),
            "accepted_counterfactual": pick(c.accepted, ic, in_c, False),
            "lighthouse_counterfactual": pick(c.lighthouse, ic, in_c, False),
            "public_money": pick(p.public, ip, in_p, 0.0),
        },
        index=pd.Index(ids, name="enterprise"),
    )
    return frame


# --------------------------------------------------------------------------- intervals
def interval_summary(add: xr.Dataset, names: Sequence[str], *, interval: float = 0.90) -> pd.DataFrame:
    """Mean and central ``interval`` over replications of variables of :func:`additionality`.

    Parameters
    ----------
    add : xarray.Dataset
        Output of :func:`additionality`.
    names : sequence of str
        Variables of :data:`ADDITIONALITY` (the rows, in order).
    interval : float
        Central probability of the interval (0.90: the 5th and 95th percentiles).

    Returns
    -------
    pandas.DataFrame
        Index ``metric``; columns ``mean``, ``p5``, ``p95`` (named after
        ``interval``) and ``units``.  Ratios: the mean is the ratio of the
        means over all replications; the interval is over the
        per-replication ratios.  A cost per additional SME, accepted SME or
        lighthouse in a replication that paid public money and got none
        additional is +inf (an unbounded cost), and so is the mean when the
        mean denominator is <= 0 and public money was paid; a replication
        without public money and without denominator, and a share without
        denominator, have no ratio and are left out (NaN when none has one).
        Fiscal payback: over the replications with an outlay (NaN, no outlay,
        left out); a censored one is +inf, in the interval and in the mean;
        NaN when no replication had an outlay.

    Examples
    --------
    >>> add = xr.Dataset({"public_money": ("replication", [5.0, 7.0]),
    ...                   "additional_lighthouses": ("replication", [0.0, 0.0]),
    ...                   "public_money_per_additional_lighthouse": ("replication", [np.nan, np.nan])})
    >>> interval_summary(add, ["public_money_per_additional_lighthouse"]).iloc[0, :3].tolist()
    [inf, inf, inf]
    """
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows = {}
    for name in names:
        values = np.asarray(add[name].values, dtype=np.float64)
        if name in _RATIOS:
            num, den, cost = _RATIOS[name]
            nums, dens = np.asarray(add[num].values, dtype=np.float64), np.asarray(add[den].values, dtype=np.float64)
            unbounded = cost & (dens <= 0) & (nums > 0)  # money spent, nothing additional
            values = np.where(unbounded, np.inf, values)
            mean = _ratio(float(nums.mean()), float(dens.mean()))
            if cost and math.isnan(mean) and nums.mean() > 0:
                mean = math.inf
        else:
            mean = float(np.nanmean(values)) if (~np.isnan(values)).any() else float("nan")
        rows[name] = {
            "mean": mean,
            f"p{lo * 100:g}": quantile(values, lo),
            f"p{hi * 100:g}": quantile(values, hi),
            "units": ADDITIONALITY[name][0],
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "metric"
    return frame
