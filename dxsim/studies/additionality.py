"""Counterfactuals, additionality and which instrument does the work (MODEL.md questions 1, 4 and 6).

Every comparison here runs on common random numbers: a programme run and its
counterfactual (the same scenario with an empty programme) on the same seed
draw the same enterprises with the same attributes and the same consideration
clocks, so the difference between the two runs is the programme's effect,
enterprise by enterprise (``adopter_enterprise`` names the enterprise).

* :func:`counterfactual` -- the scenario without public money.
* :func:`additionality` -- per replication: additional adopters, accepted and
  lighthouses, free riders and their public money, cost per additional
  adopter and lighthouse, leverage, fiscal payback.
* :func:`additionality_by_enterprise` -- one replication, enterprise by
  enterprise: additional, free rider or displaced.
* :func:`compare` -- headline (and additionality) metrics of several runs side
  by side, mean and central interval over replications.
* :func:`shapley` -- the Shapley decomposition of a programme's effect over its
  instruments, from runs with every subset of instruments on one seed.

Conventions (yuan, months since the scenario start, enterprises):

* "Adopted" means signed a contract within the horizon.  An enterprise that
  adopts with the programme and would have adopted without it, however much
  later, is a free rider; how much earlier the programme made it adopt is
  ``acceleration_months``.
* Public money in total is what the government paid within the horizon (the
  Dataset's ``public_spending``), net of what the counterfactual paid
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

import importlib
import itertools
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray
from tqdm.auto import tqdm

from dxsim._version import __version__
from dxsim.analysis.metrics import HEADLINE, headline, paired_difference, quantile
from dxsim.atomic import atomic_path
from dxsim.experiment.simulate import simulate
from dxsim.results.dataset import scenario_of
from dxsim.scenario.load import load_scenario, scenario_from_dict
from dxsim.scenario.schema import Scenario

__all__ = [
    "ADDITIONALITY",
    "additionality",
    "additionality_by_enterprise",
    "compare",
    "counterfactual",
    "format_comparison",
    "read_run",
    "shapley",
    "write_comparison",
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
    "free_riders": ("enterprises", "enterprises that adopted in both worlds"),
    "free_rider_share": ("1", "free riders / enterprises that adopted with the programme"),
    "subsidised_adopters": ("enterprises", "enterprises whose contract had public money (see module notes)"),
    "subsidised_free_riders": ("enterprises", "free riders whose contract had public money"),
    "deadweight_share": ("1", "subsidised free riders / subsidised adopters"),
    "free_rider_money": ("yuan", "public money of the free riders' contracts (see module notes)"),
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
    "additional_tax_revenue": ("yuan", "tax on incremental profit with the programme minus without it"),
    "fiscal_balance": ("yuan", "additional tax revenue - public money, over the horizon"),
    "fiscal_payback_month": (
        "months",
        "months since the scenario start until the cumulative fiscal balance (additional tax - public "
        "money) is back at 0 after its lowest point (0 = never negative; NaN = censored)",
    ),
    "fiscal_payback_censored": ("1", "1 if the fiscal balance had not paid back by the horizon"),
}

#: Ratios: name -> (numerator, denominator, what an undefined ratio means in an interval).
#: ``"inf"``: a denominator <= 0 makes the ratio unbounded (no additional lighthouse: infinite
#: cost per lighthouse), counted as +inf; ``"drop"``: undefined, left out.
_RATIOS: dict[str, tuple[str, str, Literal["inf", "drop"]]] = {
    "free_rider_share": ("free_riders", "adopters", "drop"),
    "deadweight_share": ("subsidised_free_riders", "subsidised_adopters", "drop"),
    "public_money_per_additional_adopter": ("public_money", "additional_adopters", "inf"),
    "public_money_per_additional_accepted": ("public_money", "additional_accepted", "inf"),
    "public_money_per_additional_lighthouse": ("public_money", "additional_lighthouses", "inf"),
    "leverage": ("private_money", "public_money", "drop"),
}

#: Additive metrics (sums over enterprises or months): what :func:`shapley` can decompose.
SHAPLEY_METRICS = (
    "additional_adopters",
    "additional_accepted",
    "additional_lighthouses",
    "induced_adopters",
    "displaced_adopters",
    "free_riders",
    "subsidised_adopters",
    "subsidised_free_riders",
    "free_rider_money",
    "public_money",
    "private_money",
    "additional_tax_revenue",
    "fiscal_balance",
)

#: Rows of :func:`compare` with a counterfactual (the headline rows come first).
_COMPARE_ROWS = (
    "counterfactual_adopters",
    "additional_adopters",
    "additional_accepted",
    "additional_lighthouses",
    "induced_adopters",
    "displaced_adopters",
    "free_riders",
    "free_rider_share",
    "subsidised_adopters",
    "subsidised_free_riders",
    "deadweight_share",
    "free_rider_money",
    "acceleration_months",
    "public_money_per_additional_adopter",
    "public_money_per_additional_accepted",
    "public_money_per_additional_lighthouse",
    "private_money",
    "leverage",
    "additional_tax_revenue",
    "fiscal_balance",
    "fiscal_payback_month",
)

#: Most instruments :func:`shapley` decomposes over (2 ** 8 = 256 runs).
MAX_SHAPLEY_INSTRUMENTS = 8


# --------------------------------------------------------------------------- counterfactual
def counterfactual(scenario: Scenario) -> Scenario:
    """The same scenario without public money: no batches, no instruments.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a programme.

    Returns
    -------
    Scenario
        ``scenario`` with ``programme.batches = []`` and
        ``programme.instruments = []``, named ``"<name> (counterfactual)"``;
        everything else (market, platforms, contract, behaviour, the
        programme's acceptance and lighthouse rules and tax rate) unchanged.

    Examples
    --------
    >>> import dxsim as dx
    >>> cf = counterfactual(dx.load_scenario("small"))
    >>> cf.name, cf.programme.batches, cf.programme.instruments
    ('small (counterfactual)', (), ())
    """
    data = scenario.to_dict()
    data["name"] = f"{scenario.name} (counterfactual)"
    programme = dict(data.get("programme", {}))
    programme["batches"] = []
    programme["instruments"] = []
    data["programme"] = programme
    return scenario_from_dict(data, source=f"<counterfactual of {scenario.name}>")


def _without_instruments(scenario: Scenario, keep: Sequence[int]) -> Scenario:
    """``scenario`` keeping only the instruments at positions ``keep`` (batches unchanged)."""
    data = scenario.to_dict()
    programme = dict(data.get("programme", {}))
    instruments = list(programme.get("instruments", []))
    programme["instruments"] = [instruments[k] for k in keep]
    data["programme"] = programme
    return scenario_from_dict(data, source=f"<{scenario.name}, instruments {list(keep)}>")


def _counterfactual_run(ds: xr.Dataset) -> xr.Dataset:
    """The counterfactual of a programme run: its scenario without public money, on its seed and replications."""
    reps = np.asarray(ds["replication"].values, dtype=np.int64)
    needed = int(reps.max()) + 1 if len(reps) else 1
    cf = simulate(counterfactual(scenario_of(ds)), replications=needed, seed=int(ds.attrs["seed"]), progress=False)
    return cf if np.array_equal(reps, np.arange(needed)) else cf.sel(replication=reps)


# --------------------------------------------------------------------------- per replication
@dataclass(frozen=True)
class _Contracts:
    """One replication's adopters, one entry per enterprise (sorted by enterprise id)."""

    enterprise: NDArray[np.int64]
    signed: NDArray[np.float64]  # first signing month
    public: NDArray[np.float64]  # public money of its contracts (see the module notes), yuan
    private: NDArray[np.float64]  # enterprise part + platform discount of its subsidised contracts, yuan
    subsidised: NDArray[np.bool_]
    accepted: NDArray[np.bool_]
    lighthouse: NDArray[np.bool_]


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


def _adopter_arrays(ds: xr.Dataset) -> dict[str, NDArray[np.float64]]:
    missing = [v for v in _ADOPTER_VARIABLES if v not in ds]
    if missing:
        raise ValueError(
            f"the Dataset lacks {', '.join(missing)}: it was written by an older dxsim; run the scenario again"
        )
    names = (*_ADOPTER_VARIABLES, _PAID) if _PAID in ds else _ADOPTER_VARIABLES
    return {v: np.asarray(ds[v].transpose("replication", "adopter").values, dtype=np.float64) for v in names}


def _contracts(arrays: Mapping[str, NDArray[np.float64]], k: int) -> _Contracts:
    signed = arrays["signed_month"][k]
    ok = ~np.isnan(signed)
    ids, inv = np.unique(arrays["adopter_enterprise"][k][ok].astype(np.int64), return_inverse=True)
    n = len(ids)
    part = arrays["government_part"][k][ok]
    gov = np.nan_to_num(arrays[_PAID][k][ok]) if _PAID in arrays else part
    private = (arrays["enterprise_part"][k][ok] + arrays["platform_discount"][k][ok]) * ((part > 0) | (gov > 0))
    first = np.full(n, np.inf)
    np.minimum.at(first, inv, signed[ok])

    def total(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.bincount(inv, weights=x, minlength=n), dtype=np.float64)

    return _Contracts(
        enterprise=ids,
        signed=first,
        public=total(gov),
        private=total(private),
        subsidised=total(((part > 0) | (gov > 0)).astype(np.float64)) > 0,
        accepted=total(arrays["accepted_flag"][k][ok]) > 0,
        lighthouse=total(arrays["lighthouse_flag"][k][ok]) > 0,
    )


def _aligned(ds: xr.Dataset, cf: xr.Dataset) -> xr.Dataset:
    """``cf`` with the replications of ``ds``, after checking that the two runs are comparable."""
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


def _fiscal_payback(net: NDArray[np.float64]) -> float:
    """Months since the start until the cumulative ``net`` flow is back at 0 after its lowest point.

    Month t's flow comes in during month t, linearly.  Counting from the
    trough (the largest cumulative deficit, its first occurrence) and not from
    the first deficit keeps a small early outlay, recovered before the bulk of
    the programme's money goes out, from passing for the payback.  0 when the
    cumulative flow is never negative; NaN (censored) when it is not back at 0
    by the horizon.
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


def additionality(ds: xr.Dataset, cf: xr.Dataset | None = None) -> xr.Dataset:
    """Additionality of a programme run against its counterfactual, per replication.

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (:func:`dxsim.simulate`).
    cf : xarray.Dataset, optional
        Its counterfactual: the same market without public money on the same
        seed, with (at least) the same replications.  Built with
        :func:`counterfactual` from the scenario and seed in ``ds.attrs`` if
        omitted.  If it spends public money itself, the public money here is
        net of it (the effect of one programme against another).

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
    >>> add = additionality(dx.simulate(sc, replications=2, seed=1))
    >>> bool(((0 <= add["free_rider_share"]) & (add["free_rider_share"] <= 1)).all())
    True
    """
    cf = _counterfactual_run(ds) if cf is None else _aligned(ds, cf)
    n = ds.sizes["replication"]
    out = {name: np.full(n, np.nan) for name in ADDITIONALITY}
    adopters, adopters_cf = _end_total(ds, "adopters"), _end_total(cf, "adopters")
    out["adopters"], out["counterfactual_adopters"] = adopters, adopters_cf
    out["additional_adopters"] = adopters - adopters_cf
    out["additional_accepted"] = _end_total(ds, "accepted") - _end_total(cf, "accepted")
    out["additional_lighthouses"] = _end_total(ds, "lighthouses") - _end_total(cf, "lighthouses")
    spending = _monthly(ds, "public_spending") - _monthly(cf, "public_spending")
    tax = _monthly(ds, "tax_revenue") - _monthly(cf, "tax_revenue")
    out["public_money"] = spending.sum(axis=1)
    out["additional_tax_revenue"] = tax.sum(axis=1)
    out["fiscal_balance"] = out["additional_tax_revenue"] - out["public_money"]
    arrays, arrays_cf = _adopter_arrays(ds), _adopter_arrays(cf)
    for k in range(n):
        p, c = _contracts(arrays, k), _contracts(arrays_cf, k)
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
        payback = _fiscal_payback(tax[k] - spending[k])
        out["fiscal_payback_month"][k] = payback
        out["fiscal_payback_censored"][k] = float(math.isnan(payback))
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


STATUS = ("additional", "free rider", "displaced")


def additionality_by_enterprise(ds: xr.Dataset, cf: xr.Dataset | None = None, replication: int = 0) -> pd.DataFrame:
    """Enterprise by enterprise, in one replication: who adopted in which world.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual, as in :func:`additionality`
        (built if omitted).
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
    cf = _counterfactual_run(one) if cf is None else _aligned(one, cf)
    p, c = _contracts(_adopter_arrays(one), 0), _contracts(_adopter_arrays(cf), 0)
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
def _summary(add: xr.Dataset, names: Sequence[str], interval: float) -> pd.DataFrame:
    """Mean and central ``interval`` over replications of the additionality variables ``names``.

    Ratios: the mean is the ratio of the means (defined whenever the mean
    denominator is > 0); the interval is over the per-replication ratios,
    with an undefined cost per additional adopter or lighthouse counted as
    +inf.  Fiscal payback: censored replications count as +inf in the
    interval, and the mean is NaN when any is censored.
    """
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows = {}
    for name in names:
        values = np.asarray(add[name].values, dtype=np.float64)
        if name in _RATIOS:
            num, den, undefined = _RATIOS[name]
            mean = _ratio(float(add[num].mean()), float(add[den].mean()))
            if undefined == "inf":
                values = np.where(np.isnan(values), np.inf, values)
        elif name == "fiscal_payback_month":
            censored = np.isnan(values)
            mean = float("nan") if censored.any() else float(values.mean())
            values = np.where(censored, np.inf, values)
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


# --------------------------------------------------------------------------- compare
Runs = xr.Dataset | Mapping[str, xr.Dataset]
Counterfactual = bool | xr.Dataset | Mapping[str, xr.Dataset] | None


def compare(runs: Runs, counterfactual: Counterfactual = None, *, interval: float = 0.90) -> pd.DataFrame:
    """Headline metrics of several runs side by side; with a counterfactual, their additionality too.

    Parameters
    ----------
    runs : xarray.Dataset or mapping of str to Dataset
        One run, or runs by label (the label of a single run is its
        ``scenario_name``).
    counterfactual : bool, Dataset or mapping, optional
        None or False: headline metrics only (:func:`dxsim.headline`).
        True: build each run's counterfactual from the scenario and seed in
        its attrs (:func:`counterfactual`) and add the additionality metrics
        (:func:`additionality`).  A Dataset: the counterfactual of every run;
        a mapping: one per label.
    interval : float
        Central probability of the interval over replications (0.90: the
        5th and 95th percentiles).

    Returns
    -------
    pandas.DataFrame
        One row per metric (index ``metric``: the headline metrics, then the
        additionality ones); columns a MultiIndex (run label, statistic) with
        statistics ``mean``, ``p5``, ``p95`` (named after ``interval``).
        ``frame.attrs["units"]`` maps each metric to its units.  For ratios
        the mean is the ratio of the means over replications; see
        :data:`ADDITIONALITY` for what each metric means.

        With exactly two runs on the same seed (common random numbers) and
        replications in common, a second table is attached, not added as
        rows or columns: ``frame.attrs["paired_difference"]``, a dict with
        ``minuend`` and ``subtrahend`` (the second and the first label) and
        ``table``; ``pandas.DataFrame(frame.attrs["paired_difference"]["table"])``
        is :func:`dxsim.analysis.metrics.paired_difference` of the headline metrics,
        second run minus first (columns ``mean``, ``p5``, ``p95`` of the
        per-replication difference and ``pairs``).  It is kept as plain dicts
        so that frames still concatenate; :func:`format_comparison` and
        :func:`write_comparison` show it.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> table = compare({"a": dx.simulate(sc, replications=2, seed=1)}, counterfactual=True)
    >>> list(table["a"].columns)
    ['mean', 'p5', 'p95']
    >>> bool(table.loc["additional_adopters", ("a", "p5")] <= table.loc["additional_adopters", ("a", "p95")])
    True
    """
    if not 0 < interval < 1:
        raise ValueError(f"interval(={interval}) must be between 0 and 1")
    labelled = {str(runs.attrs.get("scenario_name", "run")): runs} if isinstance(runs, xr.Dataset) else dict(runs)
    if not labelled:
        raise ValueError("compare() needs at least one run")
    columns: dict[str, pd.DataFrame] = {}
    units: dict[str, str] = {}
    for label, ds in labelled.items():
        table = headline(ds, interval=interval)
        if counterfactual is not None and counterfactual is not False:
            if counterfactual is True:
                cf = None
            elif isinstance(counterfactual, xr.Dataset):
                cf = counterfactual
            else:
                if label not in counterfactual:
                    raise ValueError(f"no counterfactual for run {label!r}")
                cf = counterfactual[label]
            try:
                add = additionality(ds, cf)
            except ValueError as err:
                raise ValueError(f"{label}: {err}") from None
            table = pd.concat([table, _summary(add, _COMPARE_ROWS, interval)])
        units.update({str(k): str(v) for k, v in table["units"].items()})
        columns[label] = table.drop(columns="units")
    frame = pd.concat(columns, axis=1, names=["run", "statistic"])
    frame.index.name = "metric"
    frame.attrs["units"] = units
    if len(labelled) == 2:
        (first, a), (second, b) = labelled.items()
        if a.attrs.get("seed") is not None and a.attrs.get("seed") == b.attrs.get("seed"):
            try:
                paired = paired_difference(a, b, list(HEADLINE), interval=interval)
            except ValueError:  # no replication in common: nothing to pair
                paired = None
            if paired is not None:
                frame.attrs["paired_difference"] = {
                    "minuend": second,
                    "subtrahend": first,
                    "table": paired.drop(columns="units").to_dict(),
                }
    return frame


def read_run(path: str | Path) -> xr.Dataset:
    """Read a single run written with :func:`dxsim.write_netcdf` into memory.

    Raises
    ------
    ValueError
        One line naming the file: missing, not netCDF, not a dxsim run (no
        scenario in its attrs), or a sweep (dimensions beyond a single run's).
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory, not a netCDF file")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as f:
            ds = f.load()
    except Exception as err:  # h5py and xarray raise OSError, ValueError, KeyError, ... on foreign files
        raise ValueError(f"{path}: not a netCDF file ({type(err).__name__})") from None
    if "scenario" not in ds.attrs or "seed" not in ds.attrs or "adopters" not in ds:
        raise ValueError(f"{path}: not a dxsim results file (no scenario and seed in its attributes)")
    extra = sorted(str(d) for d in set(ds["adopters"].dims) - {"replication", "month", "industry"})
    if extra:
        raise ValueError(f"{path}: holds a sweep (dimensions {', '.join(extra)}); compare single runs")
    return ds


def _number(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-2):
        return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.2e}"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:,.0f}"


#: Formats of :func:`format_comparison` (text) and :func:`write_comparison` (also ``xlsx``).
ComparisonFormat = Literal["table", "csv", "markdown", "xlsx"]


def _paired(frame: pd.DataFrame) -> tuple[str, pd.DataFrame] | None:
    """(label ``second - first``, table) of the paired differences attached by :func:`compare`, if any."""
    info = frame.attrs.get("paired_difference")
    if not info:
        return None
    table = pd.DataFrame(info["table"])
    table.index.name = "metric"
    return f"{info['minuend']} - {info['subtrahend']}", table


def _cells(sub: pd.DataFrame) -> list[str]:
    """``mean [low, high]`` of the first three columns of ``sub``."""
    mean, low, high = (sub.iloc[:, j] for j in range(3))
    return [f"{_number(m)} [{_number(a)}, {_number(b)}]" for m, a, b in zip(mean, low, high, strict=True)]


def _markdown(cells: pd.DataFrame, numeric: int) -> str:
    header = ["metric", *map(str, cells.columns)]
    align = ["---"] + ["---:"] * numeric + ["---"] * (len(cells.columns) - numeric)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for metric, row in cells.iterrows():
        lines.append("| " + " | ".join([str(metric), *map(str, row.tolist())]) + " |")
    return "\n".join(lines)


def format_comparison(frame: pd.DataFrame, fmt: ComparisonFormat = "table") -> str:
    """Text of a :func:`compare` frame: one row per metric, one column per run.

    ``table`` and ``markdown``: each cell ``mean [low, high]``, then the
    units; the paired differences of two runs on one seed (see
    :func:`compare`), if attached, follow as a second table, one column
    ``<second> - <first>`` with the units and the number of pairs.
    ``csv``: machine-readable numbers, three columns per run (``<run>
    mean``, ``<run> p5``, ``<run> p95``), the paired differences as three
    more (``<second> - <first> mean`` ..., empty for the metrics they do not
    cover), and the units.  ``xlsx`` is not text: see :func:`write_comparison`.
    """
    units = pd.Series(frame.attrs.get("units", {}), dtype=object).reindex(frame.index).fillna("")
    runs = list(dict.fromkeys(frame.columns.get_level_values(0)))
    paired = _paired(frame)
    if fmt == "csv":
        flat = frame.copy()
        flat.columns = pd.Index([f"{col[0]} {col[1]}" for col in frame.columns])
        if paired is not None:
            label, table = paired
            for stat in table.columns[:3]:
                flat[f"{label} {stat}"] = table[stat].reindex(frame.index)
        flat["units"] = units
        return str(flat.to_csv(float_format="%.10g"))
    if fmt == "xlsx":
        raise ValueError("xlsx is a workbook, not text: use write_comparison(frame, path, 'xlsx')")
    if fmt not in ("table", "markdown"):
        raise ValueError(f"unknown format {fmt!r} (table, csv, markdown or xlsx)")
    cells = pd.DataFrame(index=frame.index)
    for run in runs:
        cells[run] = _cells(frame[run])
    cells["units"] = units
    second = None
    title = ""
    if paired is not None:
        label, table = paired
        second = pd.DataFrame({label: _cells(table)}, index=table.index)
        second["units"] = units.reindex(table.index).fillna("")
        second["pairs"] = table["pairs"].astype(int)
        title = (
            f"paired difference {label} (same seed, common random numbers): mean [{table.columns[1]}, "
            f"{table.columns[2]}] of the per-replication difference"
        )
    if fmt == "table":
        text = str(cells.to_string())
        return text if second is None else f"{text}\n\n{title}\n{second.to_string()}"
    text = _markdown(cells, len(runs))
    return text if second is None else f"{text}\n\n**{title}**\n\n{_markdown(second, 1)}"


#: Excel number formats by units.
_XLSX_FORMATS = {
    "yuan": "#,##0",
    "yuan / enterprise": "#,##0",
    "enterprises": "#,##0.0",
    "months": "0.0",
    "1": "0.000",
}


def _xlsx_value(x: Any) -> Any:
    """A cell value: numbers as numbers, NaN as an empty cell, +-inf as the text ``inf``/``-inf``."""
    if isinstance(x, float | np.floating):
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def _xlsx_sheet(
    book: Any, title: str, groups: Mapping[str, pd.DataFrame], units: pd.Series, extra: pd.DataFrame | None
) -> None:
    """One sheet: ``metric``, a group of three columns (mean, low, high) per entry of ``groups``, units, extra."""
    styles = importlib.import_module("openpyxl.styles")  # openpyxl ships no type hints: used untyped
    bold, centre = styles.Font(bold=True), styles.Alignment(horizontal="center")
    ws = book.create_sheet(title)
    index = units.index
    ws.cell(row=1, column=1, value="metric").font = bold
    col = 2
    for label, sub in groups.items():
        head = ws.cell(row=1, column=col, value=label)
        head.font, head.alignment = bold, centre
        ws.merge_cells(start_row=1, start_column=col, end_row=1, end_column=col + 2)
        for j, stat in enumerate(sub.columns[:3]):
            ws.cell(row=2, column=col + j, value=str(stat)).font = bold
            for i, metric in enumerate(index):
                cell = ws.cell(row=3 + i, column=col + j, value=_xlsx_value(sub[stat].get(metric, math.nan)))
                cell.number_format = _XLSX_FORMATS.get(str(units[metric]), "General")
        col += 3
    tail = {"units": units, **({} if extra is None else {str(c): extra[c] for c in extra.columns})}
    for name, values in tail.items():
        ws.cell(row=1, column=col, value=name).font = bold
        for i, metric in enumerate(index):
            ws.cell(row=3 + i, column=col, value=_xlsx_value(values.get(metric)))
        col += 1
    for i, metric in enumerate(index):
        ws.cell(row=3 + i, column=1, value=str(metric))
    ws.column_dimensions["A"].width = max((len(str(m)) for m in index), default=8) + 2
    for c in range(2, col):
        ws.column_dimensions[ws.cell(row=2, column=c).column_letter].width = 14
    ws.freeze_panes = "B3"


def _write_xlsx(frame: pd.DataFrame, path: str) -> None:
    openpyxl = importlib.import_module("openpyxl")  # openpyxl ships no type hints: used untyped
    book = openpyxl.Workbook()
    book.remove(book.active)
    units = pd.Series(frame.attrs.get("units", {}), dtype=object).reindex(frame.index).fillna("")
    runs = list(dict.fromkeys(frame.columns.get_level_values(0)))
    _xlsx_sheet(book, "comparison", {str(run): frame[run] for run in runs}, units, None)
    paired = _paired(frame)
    if paired is not None:
        label, table = paired
        _xlsx_sheet(book, "paired difference", {label: table}, units.reindex(table.index).fillna(""), table[["pairs"]])
    stats = [str(s) for s in frame[runs[0]].columns[1:3]] if runs else ["p5", "p95"]
    about = [
        ("what", "dxsim compare: metrics of each run over its replications"),
        ("mean", "mean over replications (for ratios, the ratio of the means)"),
        (f"{stats[0]}, {stats[1]}", "central interval over replications (percentiles)"),
        ("empty cell", "not defined (n/a); inf: beyond the horizon (censored)"),
        ("dxsim version", __version__),
    ]
    if paired is not None:
        about.insert(
            4,
            (
                "paired difference",
                f"{paired[0]}, replication by replication on the same seed (common random numbers): mean and "
                "central interval of the per-replication difference; pairs = replications with a defined difference",
            ),
        )
    ws = book.create_sheet("about")
    for i, (key, text) in enumerate(about, start=1):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=text)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 100
    book.save(path)


def write_comparison(frame: pd.DataFrame, path: str | Path, fmt: ComparisonFormat = "xlsx") -> Path:
    """Write a :func:`compare` frame to ``path`` atomically (a temporary file, then a rename).

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`compare`.
    path : str or Path
        The file; its folder is created if needed.
    fmt : {"xlsx", "table", "csv", "markdown"}
        ``xlsx``: an Excel workbook (openpyxl) with a sheet ``comparison``
        -- row 1 the run labels, each over a group of three columns, row 2
        the statistics (``mean``, ``p5``, ``p95``), then one row per metric
        with its units in the last column; numbers are numbers (NaN an empty
        cell, infinity the text ``inf``) -- a sheet ``paired difference``
        when :func:`compare` attached one, laid out the same with a column
        ``pairs``, and a sheet ``about``.  The text formats: the text of
        :func:`format_comparison`, UTF-8.

    Returns
    -------
    Path
        ``path``.  A crash or an interrupt never leaves a partial file there.
    """
    target = Path(path)
    if fmt not in ("table", "csv", "markdown", "xlsx"):
        raise ValueError(f"unknown format {fmt!r} (table, csv, markdown or xlsx)")
    text = None if fmt == "xlsx" else format_comparison(frame, fmt)
    with atomic_path(target) as tmp:
        if text is None:
            _write_xlsx(frame, str(tmp))
        else:
            tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return target


# --------------------------------------------------------------------------- shapley
def _subset_label(names: Sequence[str], subset: Sequence[int]) -> str:
    return "{" + ", ".join(names[k] for k in subset) + "}"


def shapley(
    scenario: Scenario | str | Path,
    *,
    replications: int,
    seed: int,
    metrics: Sequence[str] = ("additional_adopters", "additional_lighthouses", "public_money"),
    progress: bool | None = None,
) -> xr.Dataset:
    """Shapley decomposition of a programme's effect over its instruments.

    The scenario is run with every subset S of its n instruments (each keeping
    the batches) on the same seed; the empty subset, the programme with no
    instrument, is the counterfactual.  For each replication r and metric,
    v_r(S) = m_r(S) - m_r(empty), where m_r(S) is the metric of run S against
    the empty run (:func:`additionality`); the instrument's contribution is::

        phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! x (v(S + i) - v(S)),

    so the contributions add up to the total effect v(N), replication by
    replication, and an instrument that changes nothing gets 0.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario whose programme has 1 to 8 instruments.
    replications : int
        Replications of each of the 2 ** n runs.
    seed : int
        Seed of every run (common random numbers).
    metrics : sequence of str
        Additive metrics of :func:`additionality` (see ``SHAPLEY_METRICS``).
    progress : bool, optional
        Progress bar over the subsets (default: when standard error is a terminal).

    Returns
    -------
    xarray.Dataset
        Coordinates ``metric``, ``instrument`` (``"k:kind"``, k its position
        in the programme), ``replication``, ``subset`` and ``units`` (along
        ``metric``).  Variables: ``shapley`` (metric, instrument), the mean
        contribution; ``total`` (metric), v(N); ``shapley_replications`` and
        ``total_replications``, the same per replication (for intervals);
        ``value`` (metric, subset), mean v(S) of every subset (interactions).

    Raises
    ------
    ValueError
        No instrument, more than 8, or an unknown or non-additive metric.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> sh = shapley(sc, replications=1, seed=1)
    >>> sh["instrument"].values.tolist()
    ['0:cost_share']
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    instruments = sc.programme.instruments
    n = len(instruments)
    if n == 0:
        raise ValueError(f"scenario {sc.name!r} has no instruments to decompose over")
    if n > MAX_SHAPLEY_INSTRUMENTS:
        raise ValueError(
            f"scenario {sc.name!r} has {n} instruments; shapley() takes at most {MAX_SHAPLEY_INSTRUMENTS} "
            f"(it runs every subset: 2 ** {n} = {2**n} runs); group instruments into fewer scenarios"
        )
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in SHAPLEY_METRICS]
    if unknown or not metrics:
        raise ValueError(
            f"shapley() metrics must be additive metrics of additionality(): {', '.join(SHAPLEY_METRICS)}; "
            f"got {', '.join(unknown) or 'none'}"
        )
    if replications < 1:
        raise ValueError(f"replications(={replications}) must be >= 1")
    names = [f"{k}:{inst.kind}" for k, inst in enumerate(instruments)]
    subsets = [s for size in range(n + 1) for s in itertools.combinations(range(n), size)]
    show = sys.stderr.isatty() if progress is None else progress
    runs: dict[tuple[int, ...], xr.Dataset] = {}
    for s in tqdm(subsets, desc=f"{sc.name}: subsets", unit="run", disable=not show):
        runs[s] = simulate(_without_instruments(sc, s), replications=replications, seed=seed, progress=False)
    base = runs[()]
    level = {s: additionality(ds, base) for s, ds in runs.items()}
    # v[m, S, r] = m_r(S) - m_r(empty)
    v = np.stack([np.stack([level[s][m].values - level[()][m].values for s in subsets]) for m in metrics])
    index = {s: j for j, s in enumerate(subsets)}
    phi = np.zeros((len(metrics), n, replications))
    for i in range(n):
        for s in subsets:
            if i in s:
                continue
            weight = math.factorial(len(s)) * math.factorial(n - len(s) - 1) / math.factorial(n)
            with_i = tuple(sorted((*s, i)))
            phi[:, i] += weight * (v[:, index[with_i]] - v[:, index[s]])
    total = v[:, index[tuple(range(n))]]
    result = xr.Dataset(
        {
            "shapley": (("metric", "instrument"), phi.mean(axis=2)),
            "total": ("metric", total.mean(axis=1)),
            "shapley_replications": (("metric", "instrument", "replication"), phi),
            "total_replications": (("metric", "replication"), total),
            "value": (("metric", "subset"), v.mean(axis=2)),
        },
        coords={
            "metric": metrics,
            "instrument": names,
            "replication": np.arange(replications),
            "subset": [_subset_label(names, s) for s in subsets],
            "units": ("metric", [ADDITIONALITY[m][0] for m in metrics]),
        },
    )
    see = "units of the metric (coordinate units)"
    long_names = {
        "shapley": "Shapley contribution of the instrument to the programme's effect, mean over replications",
        "total": "programme's effect, all instruments against none, mean over replications",
        "shapley_replications": "Shapley contribution of the instrument, per replication",
        "total_replications": "programme's effect, all instruments against none, per replication",
        "value": "effect of the subset of instruments against none, mean over replications",
    }
    for name, long_name in long_names.items():
        result[name].attrs.update(units=see, long_name=long_name)
    result.attrs.update(
        scenario=sc.to_toml(),
        scenario_name=sc.name,
        seed=int(seed),
        replications=int(replications),
        dxsim_version=__version__,
        title=f"dxsim Shapley decomposition over instruments: {sc.name}",
    )
    return result
