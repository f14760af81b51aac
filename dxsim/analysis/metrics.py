"""From Datasets to answers: metrics per replication, with intervals, and paired differences.

* :func:`summarize` -- one row per replication (and per point of a sweep):
  adoption, public money, leverage, payback of each party, budget
  exhaustion, public money per accepted SME and per lighthouse, the progress
  ratio of the platforms' costs (see :data:`METRICS` for units).
* :func:`headline` -- mean and central interval of the headline metrics.
* :func:`paired_difference` -- two runs on one seed (common random numbers):
  mean and interval of the per-replication difference.
* :func:`peer_speedup` -- how much imitation and demonstration speed adoption
  up, against the same scenario without them on the same seed.
* :func:`km_median`, :func:`km_share`, :func:`progress_ratio` -- the estimators.

Censored paybacks are handled with the Kaplan-Meier estimator
(``scipy.stats.ecdf`` on right-censored data): an adopter that has not paid
back by the horizon counts as "not yet after its follow-up time", never as
paying back at the horizon and never dropped.  A contract signed at time s
is followed for ``horizon_months - floor(s)`` months.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from scipy import stats

if TYPE_CHECKING:
    from dxsim.scenario.schema import Scenario

__all__ = [
    "EXHAUSTION_SHARE",
    "HEADLINE",
    "METRICS",
    "PAYBACK_THRESHOLDS",
    "headline",
    "km_median",
    "km_share",
    "paired_difference",
    "peer_speedup",
    "progress_ratio",
    "summarize",
]

#: Months of the ``*_paid_back_<m>`` columns of :func:`summarize`.
PAYBACK_THRESHOLDS = (12, 24, 36)
#: The budget counts as exhausted below this share of the programme's total budget.
EXHAUSTION_SHARE = 0.01

#: Columns of :func:`summarize`: name -> (units, meaning).  Stocks are at the end of the horizon.
METRICS: dict[str, tuple[str, str]] = {
    "adopters": ("enterprises", "contracts signed, all industries"),
    "accepted": ("enterprises", "enterprises that passed acceptance"),
    "lighthouses": ("enterprises", "little-lighthouse enterprises"),
    "public_money": ("yuan", "subsidies and rewards paid by the government within the horizon"),
    "private_money": (
        "yuan",
        "enterprise part + platform discount of the subsidised contracts (government part or public money > 0)",
    ),
    "leverage": ("1", "private_money / public_money (NaN without public money)"),
    "median_enterprise_payback": ("months", "Kaplan-Meier median of the enterprises' payback (inf: beyond follow-up)"),
    "median_platform_payback": ("months", "Kaplan-Meier median of the platforms' payback per contract (inf: beyond)"),
    **{
        f"{party}_paid_back_{m}": (
            "1",
            f"Kaplan-Meier share of contracts on which the {party} paid back within {m} months of signing "
            "(NaN beyond the follow-up)",
        )
        for party in ("enterprise", "platform")
        for m in PAYBACK_THRESHOLDS
    },
    "budget_exhaustion_month": (
        "months",
        f"months since the start at the end of the first month in which a batch was open and the uncommitted "
        f"budget was below {EXHAUSTION_SHARE:.0%} of the total (NaN: never)",
    ),
    "public_money_per_accepted": ("yuan / enterprise", "public_money / accepted (NaN without accepted)"),
    "public_money_per_lighthouse": ("yuan / enterprise", "public_money / lighthouses (NaN without lighthouses)"),
    "progress_ratio": ("1", "Wright's-law progress ratio fitted to the platforms' unit costs (see progress_ratio)"),
}

#: Rows of :func:`headline` (and of :func:`dxsim.compare`).
HEADLINE = ("adopters", "accepted", "lighthouses", "public_money", "median_enterprise_payback")

#: Dimensions of a single run's Dataset; any other dimension comes from a sweep.
_OWN_DIMS = frozenset({"replication", "month", "industry", "platform", "party", "adopter"})

#: party -> (payback time, censoring flag)
_PAYBACK = {
    "enterprise": ("payback_months", "payback_censored"),
    "platform": ("platform_payback_months", "platform_payback_censored"),
}


# --------------------------------------------------------------------------- Kaplan-Meier
def _km(times: NDArray[np.float64], censored: NDArray[np.bool_], followup: NDArray[np.float64]) -> Any:
    return stats.ecdf(stats.CensoredData(uncensored=times[~censored], right=followup[censored]))


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
    res = _km(times, censored, followup)
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
        As in :func:`km_median`.
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
        share = np.asarray(_km(times, censored, followup).cdf.evaluate(t), dtype=np.float64)
    return np.where(unknown, np.nan, share)


# --------------------------------------------------------------------------- Wright's law
def _sweep_dims(ds: xr.Dataset) -> list[Hashable]:
    """Dimensions of ``ds`` that come from a sweep, in the order of its variables."""
    ref = ds["adopters"].dims if "adopters" in ds else tuple(ds.dims)
    return [d for d in ref if d not in _OWN_DIMS]


def _one_point(ds: xr.Dataset, func: str) -> xr.Dataset:
    """``ds`` without sweep dimensions of size one; an error if a sweep dimension has more points."""
    dims = _sweep_dims(ds)
    many = {str(d): int(ds.sizes[d]) for d in dims if ds.sizes[d] > 1}
    if many:
        first = next(iter(many))
        raise ValueError(
            f"{func} needs one scenario, but the Dataset has sweep dimensions {many}; select a point first, "
            f"e.g. ds.isel({{{first!r}: 0}}), or use dxsim.summarize for every point."
        )
    return ds.squeeze(dims) if dims else ds


def _wright_points(
    ds: xr.Dataset, replication: int | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """(log(experience + 1), log(unit cost), platform index) of every platform-month."""
    if replication is not None:
        ds = ds.isel(replication=[replication])
    exp = ds["experience"].transpose("replication", "month", "platform").values
    cost = ds["unit_cost"].transpose("replication", "month", "platform").values
    plat = np.broadcast_to(np.arange(exp.shape[-1]), exp.shape)
    ok = np.isfinite(exp) & np.isfinite(cost) & (cost > 0) & (exp >= 0)
    return np.log(exp[ok] + 1.0), np.log(cost[ok]), plat[ok].astype(np.int64)


def _fit(x: NDArray[np.float64], y: NDArray[np.float64], group: NDArray[np.int64]) -> tuple[float, NDArray[np.float64]]:
    """Least-squares slope of y on x with one intercept per group; (slope, intercept of each group)."""
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
    ds = _one_point(ds, "progress_ratio")
    x, y, plat = _wright_points(ds, replication)
    slope, _ = _fit(x, y, plat)
    return float(2.0**slope)


# --------------------------------------------------------------------------- the scenario of a point
def _same(a: Any, b: Any) -> bool:
    a = a.item() if isinstance(a, np.generic) else a
    return bool(a == b) or str(a) == str(b)


def _point_scenario(ds: xr.Dataset) -> Scenario | None:
    """The scenario of a single run or of one point of a sweep (its scalar sweep coordinates); None if unknown."""
    from dxsim.results.dataset import scenario_of

    try:
        base = scenario_of(ds)
    except Exception:  # no scenario in the attrs, or one this dxsim cannot read
        return None
    spec = json.loads(ds.attrs["sweep"]) if "sweep" in ds.attrs else None
    if not spec:
        return base
    dims = [(str(name), list(values)) for name, values in spec["dims"]]
    here = {}
    for name, _ in dims:
        if name not in ds.coords or ds[name].size != 1:
            return None
        here[name] = ds[name].values.reshape(-1)[0]
    for combo, overrides in zip(itertools.product(*(v for _, v in dims)), spec["points"], strict=True):
        if all(_same(here[name], value) for (name, _), value in zip(dims, combo, strict=True)):
            try:
                return base.with_overrides(overrides)
            except Exception:  # overrides stored as text (default=str) that no longer validate
                return None
    return None


# --------------------------------------------------------------------------- summarize
def _exhaustion_month(remaining: NDArray[np.float64], scenario: Scenario | None) -> NDArray[np.float64]:
    """First end-of-month time (months since the start) with a batch open and < 1% of the budget left."""
    n_rep, n_month = remaining.shape
    out = np.full(n_rep, np.nan)
    if scenario is None or not scenario.programme.batches:
        return out
    batches = scenario.programme.batches
    total = float(sum(b.budget for b in batches))
    if total <= 0:
        return out
    end = np.arange(1, n_month + 1, dtype=float)  # budget_remaining[t] is read at time t + 1
    windows = [(scenario.month_of(b.opens), scenario.month_of(b.closes, end_of_day=True)) for b in batches]
    # open at the reading: a batch that closes at t + 1 no longer counts its money (it lapsed)
    open_ = np.zeros(n_month, dtype=bool)
    for lo, hi in windows:
        open_ |= (end > lo) & (end < hi)
    hit = (remaining < EXHAUSTION_SHARE * total) & open_
    for k in range(n_rep):
        first = np.flatnonzero(hit[k])
        if len(first):
            out[k] = end[first[0]]
    return out


def _ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _summarize_run(ds: xr.Dataset, scenario: Scenario | None) -> pd.DataFrame:
    """:func:`summarize` of one scenario (no sweep dimensions)."""
    horizon = int(ds.attrs.get("horizon_months", ds.sizes["month"]))
    reps = ds["replication"].values

    def adopter(name: str) -> NDArray[np.float64]:
        return np.asarray(ds[name].transpose("replication", "adopter").values, dtype=np.float64)

    def end_total(name: str) -> NDArray[np.float64]:
        return np.asarray(ds[name].isel(month=-1).sum("industry").transpose("replication").values, dtype=np.float64)

    signed = adopter("signed_month")
    valid = ~np.isnan(signed)
    public = np.asarray(ds["public_spending"].sum("month").transpose("replication").values, dtype=np.float64)
    part = np.nan_to_num(adopter("government_part"))
    paid = np.nan_to_num(adopter("government_paid")) if "government_paid" in ds else part
    subsidised = valid & ((part > 0) | (paid > 0))
    private = np.where(subsidised, np.nan_to_num(adopter("enterprise_part") + adopter("platform_discount")), 0.0)
    table: dict[str, Any] = {
        "adopters": end_total("adopters"),
        "accepted": end_total("accepted"),
        "lighthouses": end_total("lighthouses"),
        "public_money": public,
        "private_money": private.sum(axis=1),
    }
    table["leverage"] = _ratio(table["private_money"], public)
    followup = horizon - np.floor(signed)
    km: dict[str, list[float]] = {}
    for party, (time_var, flag_var) in _PAYBACK.items():
        times, flags = adopter(time_var), adopter(flag_var) > 0
        medians, shares = [], []
        for k in range(len(reps)):
            ok = valid[k]
            sample = (times[k][ok], flags[k][ok], followup[k][ok])
            medians.append(km_median(*sample))
            shares.append(km_share(*sample, PAYBACK_THRESHOLDS))
        km[f"median_{party}_payback"] = medians
        for j, m in enumerate(PAYBACK_THRESHOLDS):
            km[f"{party}_paid_back_{m}"] = [s[j] for s in shares]
    for name in METRICS:
        if name in km:
            table[name] = np.asarray(km[name], dtype=np.float64)
    remaining = np.asarray(ds["budget_remaining"].transpose("replication", "month").values, dtype=np.float64)
    table["budget_exhaustion_month"] = _exhaustion_month(remaining, scenario)
    table["public_money_per_accepted"] = _ratio(public, table["accepted"])
    table["public_money_per_lighthouse"] = _ratio(public, table["lighthouses"])
    fits = []
    for k in range(len(reps)):
        x, y, plat = _wright_points(ds, k)
        fits.append(2.0 ** _fit(x, y, plat)[0])
    table["progress_ratio"] = np.asarray(fits, dtype=np.float64)
    frame = pd.DataFrame({name: table[name] for name in METRICS}, index=pd.Index(reps, name="replication"))
    return frame


def summarize(ds: xr.Dataset) -> pd.DataFrame:
    """Metrics per replication (one row each), and per point of a sweep.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate`, or of :func:`dxsim.sweep` (any
        dimension besides replication, month, industry, platform, party and
        adopter is a sweep dimension).

    Returns
    -------
    pandas.DataFrame
        Index ``replication``; for a sweep, a MultiIndex of the sweep
        dimensions then ``replication``, one row per (point, replication).
        Columns (:data:`METRICS`; stocks at the end of the horizon):

        - ``adopters``, ``accepted``, ``lighthouses`` -- enterprises, all industries;
        - ``public_money`` -- yuan paid by the government within the horizon
          (``public_spending``);
        - ``private_money`` -- yuan: enterprise part + platform discount of
          the subsidised contracts (government part or public money > 0);
        - ``leverage`` -- 1: private_money / public_money (NaN without public money);
        - ``median_enterprise_payback``, ``median_platform_payback`` -- months
          from signing, Kaplan-Meier (:func:`km_median`; inf: beyond the follow-up);
        - ``enterprise_paid_back_12`` / ``_24`` / ``_36`` and the same for
          ``platform`` -- 1: Kaplan-Meier share of contracts paid back within
          12, 24, 36 months of signing (:func:`km_share`; NaN beyond the follow-up);
        - ``budget_exhaustion_month`` -- months since the start at the end of
          the first month in which a batch was open and the uncommitted budget
          (``budget_remaining``) was below 1% of the programme's total budget
          (all batches, from the scenario in the attrs); NaN if never (or no
          budget).  A budget used up in a batch's last month cannot be told
          from one that lapses when the batch closes, and is not counted;
        - ``public_money_per_accepted``, ``public_money_per_lighthouse`` --
          yuan / enterprise (NaN without any);
        - ``progress_ratio`` -- 1: Wright's-law fit to this replication's
          platform costs (:func:`progress_ratio`).

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=2, seed=1)
    >>> table = summarize(ds)
    >>> table.shape
    (2, 18)
    >>> bool((table["leverage"] > 0).all())
    True
    """
    dims = _sweep_dims(ds)
    if not dims:
        return _summarize_run(ds, _point_scenario(ds))
    frames = []
    for idx in itertools.product(*(range(ds.sizes[d]) for d in dims)):
        point = ds.isel(dict(zip(dims, idx, strict=True))).load()
        frame = _summarize_run(point, _point_scenario(point))
        keys = [point[d].values.item() for d in dims]
        frame.index = pd.MultiIndex.from_tuples(
            [(*keys, r) for r in frame.index], names=[*(str(d) for d in dims), "replication"]
        )
        frames.append(frame)
    return pd.concat(frames)


def headline(ds: xr.Dataset, *, interval: float = 0.90) -> pd.DataFrame:
    """Mean and central ``interval`` of each headline metric over replications of one run.

    Rows :data:`HEADLINE` (index ``metric``); columns ``mean``, ``p5``,
    ``p95`` (named after ``interval``) and ``units``.
    """
    if _sweep_dims(ds):
        raise ValueError("headline() summarises one run; select a point of the sweep, or use summarize()")
    table = summarize(ds)[list(HEADLINE)]
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    out = pd.DataFrame(
        {
            "mean": table.mean(),
            f"p{lo * 100:g}": pd.Series({c: quantile(table[c].to_numpy(dtype=float), lo) for c in table}),
            f"p{hi * 100:g}": pd.Series({c: quantile(table[c].to_numpy(dtype=float), hi) for c in table}),
            "units": pd.Series({name: METRICS[name][0] for name in HEADLINE}),
        }
    )
    out.index.name = "metric"
    return out


# --------------------------------------------------------------------------- paired differences
def quantile(values: NDArray[np.float64], q: float) -> float:
    """Linear-interpolation quantile (numpy's default) that allows +-inf; NaN values left out."""
    x = np.sort(values[~np.isnan(values)])
    if len(x) == 0:
        return float("nan")
    h = (len(x) - 1) * q
    lo, hi = math.floor(h), math.ceil(h)
    a, b = float(x[lo]), float(x[hi])
    if hi == lo or a == b:
        return a
    if math.isinf(a) or math.isinf(b):
        return a if math.isinf(a) else b
    return a + (b - a) * (h - lo)


def paired_difference(
    a: xr.Dataset, b: xr.Dataset, metric: str | Sequence[str] | None = None, *, interval: float = 0.90
) -> pd.DataFrame:
    """Per-replication difference ``b - a`` of two runs on common random numbers: mean and interval.

    Replication k of two runs on one seed draws the same enterprises with
    the same attributes and clocks, so the difference replication by
    replication is the effect of what differs between the scenarios, with
    far less noise than the difference of two means.

    Parameters
    ----------
    a, b : xarray.Dataset
        Two runs (or two sweeps over the same points) on the same seed.
    metric : str or sequence of str, optional
        Columns of :func:`summarize` (default: all).
    interval : float
        Central probability of the interval (0.90: the 5th and 95th percentiles).

    Returns
    -------
    pandas.DataFrame
        Index ``metric``; columns ``mean`` (mean of the per-replication
        differences), ``p5`` and ``p95`` (named after ``interval``), ``units``
        and ``pairs`` (replications with a defined difference).  Only the
        replications (and points) both runs have are paired.  Where both runs
        give the same value, including both inf (a median payback beyond the
        follow-up) or both never exhausting the budget, the difference is 0;
        a budget never exhausted counts as +inf; any other NaN (a ratio
        without denominator) leaves the pair out.  A run minus itself is 0.

    Raises
    ------
    ValueError
        Different seeds, no common replication, or an unknown metric.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=2, seed=1)
    >>> float(paired_difference(ds, ds, "adopters").loc["adopters", "mean"])
    0.0
    """
    if not 0 < interval < 1:
        raise ValueError(f"interval(={interval}) must be between 0 and 1")
    seeds = (a.attrs.get("seed"), b.attrs.get("seed"))
    if seeds[0] is None or seeds[0] != seeds[1]:
        raise ValueError(f"paired differences need two runs on the same seed (common random numbers): {seeds}")
    names = list(METRICS) if metric is None else [metric] if isinstance(metric, str) else list(metric)
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    ta, tb = summarize(a), summarize(b)
    if list(ta.index.names) != list(tb.index.names):
        raise ValueError(f"the runs have different sweep dimensions: {ta.index.names} != {tb.index.names}")
    common = ta.index.intersection(tb.index)
    if len(common) == 0:
        raise ValueError("the runs have no replication in common")
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows = {}
    for name in names:
        x = ta.loc[common, name].to_numpy(dtype=np.float64)
        y = tb.loc[common, name].to_numpy(dtype=np.float64)
        if name == "budget_exhaustion_month":
            x, y = np.where(np.isnan(x), np.inf, x), np.where(np.isnan(y), np.inf, y)
        with np.errstate(invalid="ignore"):
            d = np.where(x == y, 0.0, y - x)
        ok = d[~np.isnan(d)]
        with np.errstate(invalid="ignore"):
            mean = float(ok.mean()) if len(ok) else float("nan")
        rows[name] = {
            "mean": mean,
            f"p{lo * 100:g}": quantile(d, lo),
            f"p{hi * 100:g}": quantile(d, hi),
            "units": METRICS[name][0],
            "pairs": len(ok),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "metric"
    return frame


# --------------------------------------------------------------------------- peer effects
def _without_peers(scenario: Scenario) -> Scenario:
    """``scenario`` with every industry's imitation (q) and demonstration (w) set to 0."""
    from dxsim.scenario.load import scenario_from_dict

    data = scenario.to_dict()
    data["name"] = f"{scenario.name} (no peer effects)"
    data["industry_defaults"] = {**data.get("industry_defaults", {}), "imitation": 0.0, "demonstration": 0.0}
    data["industries"] = [{**entry, "imitation": 0.0, "demonstration": 0.0} for entry in data["industries"]]
    return scenario_from_dict(data, source=f"<{scenario.name} without peer effects>")


def _kth(signed: NDArray[np.float64], k: int) -> float:
    """Time of the k-th contract (1-based) signed; inf if fewer were."""
    times = np.sort(signed[~np.isnan(signed)])
    return float(times[k - 1]) if 0 < k <= len(times) else math.inf


def peer_speedup(ds: xr.Dataset, *, replications: Sequence[int] | None = None, workers: int = 1) -> pd.DataFrame:
    """Adoption speed-up from peer effects: the run against itself without imitation and demonstration.

    The scenario in ``ds.attrs`` (for one point of a sweep, with the point's
    overrides) is run again with every industry's ``imitation`` (Bass q) and
    ``demonstration`` (lighthouse weight w) set to 0, on the same seed and
    replications (common random numbers); everything else, including the
    peer learning of the perceived failure probability, is unchanged.

    The speed-up compares the time both runs take to sign the same number
    of contracts, ``target``: half of the smaller of their final adopters
    (both reach it within the horizon, so the ratio is finite; with peer
    effects that raise adoption, it is half of what adoption reaches without
    them).

    Parameters
    ----------
    ds : xarray.Dataset
        A run (or one point of a sweep).
    replications : sequence of int, optional
        Replication numbers to compare (default: all of ``ds``).
    workers : int
        Local processes for the runs without peer effects.

    Returns
    -------
    pandas.DataFrame
        Index ``replication``; columns:

        - ``target`` -- contracts: ceil(min(adopters, adopters_without) / 2);
        - ``months``, ``months_without`` -- months since the start until the
          target-th contract was signed, with and without peer effects;
        - ``speedup`` -- 1: months_without / months (> 1: peers bring
          adoption forward; NaN when a run has no adopter);
        - ``adopters``, ``adopters_without`` -- enterprises, contracts signed
          by the horizon with and without peer effects;
        - ``peer_adopters`` -- enterprises: adopters - adopters_without.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=1, seed=1)
    >>> bool(peer_speedup(ds).loc[0, "speedup"] > 1)
    True
    """
    from dxsim.experiment.executors import run_tasks
    from dxsim.results.dataset import build_dataset

    ds = _one_point(ds, "peer_speedup")
    scenario = _point_scenario(ds)
    if scenario is None or "seed" not in ds.attrs:
        raise ValueError("peer_speedup needs the scenario and the seed in the Dataset's attrs (a dxsim run)")
    reps = [int(r) for r in (ds["replication"].values if replications is None else replications)]
    missing = sorted(set(reps) - {int(r) for r in ds["replication"].values})
    if missing or not reps:
        raise ValueError(f"replications {missing or reps} are not in the Dataset")
    seed = int(ds.attrs["seed"])
    alone = _without_peers(scenario)
    runs = run_tasks([(alone, seed, k) for k in reps], workers=workers, progress=False, desc=alone.name)
    other = build_dataset(alone, runs, seed=seed, replications=reps)
    rows = []
    for r in reps:
        with_ = np.asarray(ds["signed_month"].sel(replication=r).values, dtype=np.float64)
        without = np.asarray(other["signed_month"].sel(replication=r).values, dtype=np.float64)
        n_with, n_without = int((~np.isnan(with_)).sum()), int((~np.isnan(without)).sum())
        k = math.ceil(min(n_with, n_without) / 2)
        t_with, t_without = (_kth(with_, k), _kth(without, k)) if k else (math.nan, math.nan)
        if not k:
            speed = math.nan
        elif t_with > 0:
            speed = t_without / t_with
        else:
            speed = 1.0 if t_without == t_with else math.inf
        rows.append(
            {
                "replication": r,
                "target": k,
                "months": t_with,
                "months_without": t_without,
                "speedup": speed,
                "adopters": float(n_with),
                "adopters_without": float(n_without),
                "peer_adopters": float(n_with - n_without),
            }
        )
    return pd.DataFrame(rows).set_index("replication")
