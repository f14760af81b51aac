"""From Datasets to answers: metrics per replication, with intervals, and paired differences.

* :func:`summarize` -- one row per replication (and per point of a sweep):
  adoption, public money, leverage, payback of each party, budget
  exhaustion, public money per accepted SME and per lighthouse, the progress
  ratio of the platforms' costs, the platforms' net cash and the share of
  them losing money (see :data:`METRICS` for units).
* :func:`headline` -- mean and central interval of the headline metrics.
* :func:`paired_difference` -- two runs on one seed (common random numbers):
  mean and interval of the per-replication difference.
* :func:`quantile` -- the interval ends, allowing infinite values.

The estimators live in their own modules and are re-exported here:
:func:`km_median` and :func:`km_share` (Kaplan-Meier, :mod:`dxsim.analysis.survival`;
a payback not reached by the horizon is censored at its follow-up, never
dropped) and :func:`progress_ratio` (Wright's law, :mod:`dxsim.analysis.wright`).
The peer-effect speed-up runs the scenario again, so it is a study:
:func:`dxsim.studies.peers.peer_speedup`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.budget import batch_windows, replication_budgets
from dxsim.analysis.display import MetricTable
from dxsim.analysis.survival import km_median, km_share
from dxsim.analysis.sweeps import point_indices
from dxsim.analysis.uncertainty import variance_split
from dxsim.analysis.wright import fit_slope, progress_ratio, wright_points
from dxsim.results.provenance import scenario_of
from dxsim.results.schema import sweep_dims
from dxsim.scenario.schema import Scenario

__all__ = [
    "EXHAUSTION_SHARE",
    "HEADLINE",
    "METRICS",
    "NEVER_AS_INF",
    "PAYBACK_THRESHOLDS",
    "headline",
    "km_median",
    "km_share",
    "paired_difference",
    "progress_ratio",
    "quantile",
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
        f"budget was below {EXHAUSTION_SHARE:.0%} of the total (NaN: never; inf in intervals)",
    ),
    "budget_exhausted": (
        "1",
        "1 if the budget ran out within the horizon (budget_exhaustion_month is defined), else 0",
    ),
    "budget_lapsed": (
        "yuan",
        "budget that lapsed within the horizon, not spent (budget_lapsed summed: what batches had not committed "
        "when they closed and did not roll over; NaN in a file of dxsim before 0.5.2)",
    ),
    "public_money_per_accepted": ("yuan / enterprise", "public_money / accepted (NaN without accepted)"),
    "public_money_per_lighthouse": ("yuan / enterprise", "public_money / lighthouses (NaN without lighthouses)"),
    "progress_ratio": ("1", "Wright's-law progress ratio fitted to the platforms' unit costs (see progress_ratio)"),
    "platform_net_cash": (
        "yuan",
        "the platform party's cash_flow summed over the months of the horizon (all platforms): cash only, "
        "what enterprises still owe them (platform_receivables) not counted",
    ),
    "platform_receivables": (
        "yuan",
        "what enterprises still owe the platforms at the horizon (receivables of the last month, all platforms)",
    ),
    "platforms_losing": (
        "1",
        "share of the platforms that lose money even if all they are owed is paid: cash over the horizon "
        "+ receivables at its end < 0 (NaN without platforms)",
    ),
}

#: Metrics whose NaN means "not within the horizon" and counts as +inf in intervals and differences.
NEVER_AS_INF = ("budget_exhaustion_month",)

#: Rows of :func:`headline` (and of :func:`dxsim.compare`).
HEADLINE = ("adopters", "accepted", "lighthouses", "public_money", "median_enterprise_payback")

#: party -> (payback time, censoring flag)
_PAYBACK = {
    "enterprise": ("payback_months", "payback_censored"),
    "platform": ("platform_payback_months", "platform_payback_censored"),
}


# --------------------------------------------------------------------------- the scenario of a run
def _scenario(ds: xr.Dataset) -> Scenario | None:
    """The scenario of a run or of one point of a sweep (:func:`dxsim.scenario_of`); None if ``ds`` has none."""
    if "scenario" not in ds.attrs:
        return None
    return scenario_of(ds)


# --------------------------------------------------------------------------- summarize
def _exhaustion_month(ds: xr.Dataset, scenario: Scenario | None) -> NDArray[np.float64]:
    """First end-of-month time (months since the start) with a batch open and < 1% of the budget left.

    The budget is each replication's (:func:`~dxsim.analysis.budget.replication_budgets`).
    """
    remaining = np.asarray(ds["budget_remaining"].transpose("replication", "month").values, dtype=np.float64)
    n_rep, n_month = remaining.shape
    out = np.full(n_rep, np.nan)
    if scenario is None or not scenario.programme.batches:
        return out
    total = replication_budgets(ds)[:, None]
    end = np.arange(1, n_month + 1, dtype=float)  # budget_remaining[t] is read at time t + 1
    # open at the reading: a batch that closes at t + 1 no longer counts its money (it lapsed)
    open_ = np.zeros(n_month, dtype=bool)
    for lo, hi in batch_windows(scenario):
        open_ |= (end > lo) & (end < hi)
    hit = (remaining < EXHAUSTION_SHARE * total) & open_ & (total > 0)
    for k in range(n_rep):
        first = np.flatnonzero(hit[k])
        if len(first):
            out[k] = end[first[0]]
    return out


def _platform_losses(ds: xr.Dataset) -> tuple[NDArray[np.float64], ...]:
    """Per replication: the platforms' net cash over the horizon, what they are owed at its end, the share losing.

    A platform loses money when its cash over the horizon plus what it is
    owed at the end (at face value: some of it may never be paid) is < 0.
    """
    n_rep = ds.sizes["replication"]
    net, owed, losing = np.full(n_rep, np.nan), np.full(n_rep, np.nan), np.full(n_rep, np.nan)
    if "cash_flow" in ds and "platform" in ds["party"].values:
        flow = ds["cash_flow"].sel(party="platform").sum("month").transpose("replication")
        net = np.asarray(flow.values, dtype=np.float64)
    if "receivables" in ds and ds.sizes.get("platform", 0) > 0:
        end = ds["receivables"].isel(month=-1).transpose("replication", "platform")
        owed = np.asarray(end.sum("platform").values, dtype=np.float64)
        if "platform_cash_flow" in ds:
            cash = ds["platform_cash_flow"].sum("month").transpose("replication", "platform")
            losing = np.mean(np.asarray((cash + end).values, dtype=np.float64) < 0, axis=1)
    return net, owed, losing


def _ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


class _RunMetrics:
    """The :data:`METRICS` of one run (no sweep dimensions), each computed when first asked for.

    ``metrics[name]`` is one value per replication, in the metric's units;
    the metrics computed together (the Kaplan-Meier ones of a party, the
    platforms' losses) are computed once, and the run's scenario is read
    (parsed from the attrs) only for the budget's exhaustion.
    """

    def __init__(self, ds: xr.Dataset) -> None:
        self.ds = ds
        self.horizon = int(ds.attrs.get("horizon_months", ds.sizes["month"]))
        self._values: dict[str, NDArray[np.float64]] = {}

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        if name not in self._values:
            self._values.update(_COMPUTE[name](self))
        return self._values[name]

    def frame(self, names: Sequence[str]) -> pd.DataFrame:
        """The metrics ``names`` as columns, one row per replication (index ``replication``)."""
        index = pd.Index(self.ds["replication"].values, name="replication")
        return pd.DataFrame({name: self[name] for name in names}, index=index)

    def adopter(self, name: str) -> NDArray[np.float64]:
        """Variable ``name`` of the adopters (replication, adopter)."""
        return np.asarray(self.ds[name].transpose("replication", "adopter").values, dtype=np.float64)

    def per_replication(self, da: xr.DataArray) -> NDArray[np.float64]:
        """``da`` reduced to one value per replication, as floats."""
        return np.asarray(da.transpose("replication").values, dtype=np.float64)

    def end_total(self, name: str) -> NDArray[np.float64]:
        """Stock ``name`` at the horizon, all industries."""
        return self.per_replication(self.ds[name].isel(month=-1).sum("industry"))


def _stock(name: str) -> Callable[[_RunMetrics], dict[str, NDArray[np.float64]]]:
    """Stock ``name`` at the horizon, all industries (enterprises)."""
    return lambda m: {name: m.end_total(name)}


def _private_money(m: _RunMetrics) -> dict[str, NDArray[np.float64]]:
    """``private_money``: enterprise part and platform discount of the subsidised contracts (yuan)."""
    signed = m.adopter("signed_month")
    valid = ~np.isnan(signed)
    part = np.nan_to_num(m.adopter("government_part"))
    paid = np.nan_to_num(m.adopter("government_paid")) if "government_paid" in m.ds else part
    subsidised = valid & ((part > 0) | (paid > 0))
    private = np.where(subsidised, np.nan_to_num(m.adopter("enterprise_part") + m.adopter("platform_discount")), 0.0)
    return {"private_money": private.sum(axis=1)}


def _paybacks(party: str) -> Callable[[_RunMetrics], dict[str, NDArray[np.float64]]]:
    """The Kaplan-Meier metrics of ``party``'s payback (median, shares paid back), computed together."""

    def compute(m: _RunMetrics) -> dict[str, NDArray[np.float64]]:
        signed = m.adopter("signed_month")
        valid = ~np.isnan(signed)
        followup = m.horizon - np.floor(signed)
        time_var, flag_var = _PAYBACK[party]
        times, flags = m.adopter(time_var), m.adopter(flag_var) > 0
        medians, shares = [], []
        for k in range(len(signed)):
            ok = valid[k]
            sample = (times[k][ok], flags[k][ok], followup[k][ok])
            medians.append(km_median(*sample))
            shares.append(km_share(*sample, PAYBACK_THRESHOLDS))
        out = {f"median_{party}_payback": np.asarray(medians, dtype=np.float64)}
        for j, months in enumerate(PAYBACK_THRESHOLDS):
            out[f"{party}_paid_back_{months}"] = np.asarray([s[j] for s in shares], dtype=np.float64)
        return out

    return compute


def _progress_ratio(m: _RunMetrics) -> dict[str, NDArray[np.float64]]:
    """``progress_ratio``: Wright's-law fit to each replication's platform costs (1)."""
    fits = []
    for k in range(m.ds.sizes["replication"]):
        x, y, plat = wright_points(m.ds, k)
        fits.append(2.0 ** fit_slope(x, y, plat)[0])
    return {"progress_ratio": np.asarray(fits, dtype=np.float64)}


def _budget_lapsed(m: _RunMetrics) -> dict[str, NDArray[np.float64]]:
    """``budget_lapsed``: budget lapsed within the horizon (yuan; NaN in files before 0.5.2)."""
    if "budget_lapsed" not in m.ds.variables:
        return {"budget_lapsed": np.full(m.ds.sizes["replication"], np.nan)}
    return {"budget_lapsed": m.per_replication(m.ds["budget_lapsed"].sum("month"))}


def _exhaustion(m: _RunMetrics) -> dict[str, NDArray[np.float64]]:
    """``budget_exhaustion_month`` (months) and ``budget_exhausted`` (1): the only metrics that read the scenario."""
    month = _exhaustion_month(m.ds, _scenario(m.ds))
    return {"budget_exhaustion_month": month, "budget_exhausted": (~np.isnan(month)).astype(np.float64)}


def _losses(m: _RunMetrics) -> dict[str, NDArray[np.float64]]:
    """The platforms' net cash, receivables at the horizon (yuan) and the share of them losing (1)."""
    net, owed, losing = _platform_losses(m.ds)
    return {"platform_net_cash": net, "platform_receivables": owed, "platforms_losing": losing}


#: How each metric of :data:`METRICS` is computed (with the metrics computed together with it).
_COMPUTE: dict[str, Callable[[_RunMetrics], dict[str, NDArray[np.float64]]]] = {
    **{name: _stock(name) for name in ("adopters", "accepted", "lighthouses")},
    "public_money": lambda m: {"public_money": m.per_replication(m.ds["public_money"].sum("month"))},
    "private_money": _private_money,
    "leverage": lambda m: {"leverage": _ratio(m["private_money"], m["public_money"])},
    **{
        name: _paybacks(party)
        for party in _PAYBACK
        for name in (f"median_{party}_payback", *(f"{party}_paid_back_{months}" for months in PAYBACK_THRESHOLDS))
    },
    "budget_exhaustion_month": _exhaustion,
    "budget_exhausted": _exhaustion,
    "budget_lapsed": _budget_lapsed,
    "public_money_per_accepted": lambda m: {"public_money_per_accepted": _ratio(m["public_money"], m["accepted"])},
    "public_money_per_lighthouse": lambda m: {
        "public_money_per_lighthouse": _ratio(m["public_money"], m["lighthouses"])
    },
    "progress_ratio": _progress_ratio,
    **dict.fromkeys(("platform_net_cash", "platform_receivables", "platforms_losing"), _losses),
}


def _metric_names(metrics: Sequence[str] | None) -> list[str]:
    """``metrics`` as a list (all of :data:`METRICS` for None); a string, unknown names or repeats are refused (ValueError)."""
    if isinstance(metrics, str):
        raise ValueError(f"metrics must be a list of names, got the string {metrics!r}")
    names = list(METRICS if metrics is None else metrics)
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    twice = sorted({m for m in names if names.count(m) > 1})
    if twice:
        raise ValueError(f"metric(s) named more than once: {', '.join(twice)}")
    return names


def summarize(ds: xr.Dataset, *, split: bool = False, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Metrics per replication (one row each), and per point of a sweep; or each metric's variance split.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate`, or of :func:`dxsim.sweep` (any
        dimension besides replication, month, industry, platform, party,
        adopter, batch, applicant and uncertain is a sweep dimension).
    split : bool
        Instead of the metrics per replication, each metric's variance over
        replications split into a parameter part (what the replications'
        draws of the scenario's ``[uncertain]`` parameters explain) and a
        simulation part (:func:`dxsim.analysis.uncertainty.variance_split`):
        index ``metric``, columns ``variance``, ``parameter``, ``simulation``
        (the metric's units squared), ``parameter_share`` (1),
        ``replications`` and ``units``.  One run only (select a point of a
        sweep first).
    metrics : sequence of str, optional
        Columns of :data:`METRICS` to compute, in this order (default: all).
        Only what they need is computed: ``metrics=["adopters"]`` does not
        fit the progress ratio or read the scenario.

    Returns
    -------
    pandas.DataFrame
        Index ``replication``; for a sweep, a MultiIndex of the sweep
        dimensions then ``replication``, one row per (point, replication).
        Columns (:data:`METRICS`; stocks at the end of the horizon):

        - ``adopters``, ``accepted``, ``lighthouses`` -- enterprises, all industries;
        - ``public_money`` -- yuan paid by the government within the horizon
          (``public_money``);
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
        - ``budget_exhausted`` -- 1: 1 if ``budget_exhaustion_month`` is
          defined (the budget ran out within the horizon), else 0; its mean
          over replications is the share of them in which the money ran out;
        - ``public_money_per_accepted``, ``public_money_per_lighthouse`` --
          yuan / enterprise (NaN without any);
        - ``progress_ratio`` -- 1: Wright's-law fit to this replication's
          platform costs (:func:`progress_ratio`);
        - ``platform_net_cash`` -- yuan: the platform party's ``cash_flow``
          summed over the months of the horizon, all platforms together:
          cash only (what enterprises still owe them is not counted; under
          a deferred scheme it may be < 0 while they are owed more); NaN if
          the Dataset has no ``cash_flow``;
        - ``platform_receivables`` -- yuan: what enterprises still owe the
          platforms at the horizon (``receivables`` of the last month);
        - ``platforms_losing`` -- 1: share of the platforms losing money even
          if paid all they are owed (summed ``platform_cash_flow`` + final
          ``receivables`` < 0); NaN without those variables or platforms.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=2, seed=1)
    >>> table = summarize(ds)
    >>> table.shape
    (2, 23)
    >>> bool((table["leverage"] > 0).all())
    True
    >>> float(summarize(ds, split=True).loc["adopters", "parameter"])  # no [uncertain] table: all simulation
    0.0
    """
    names = _metric_names(metrics)
    dims = sweep_dims(ds)
    if split:
        if dims:
            raise ValueError("summarize(split=True) splits one run; select a point of the sweep first")
        return variance_split(_RunMetrics(ds).frame(names), ds, {k: v[0] for k, v in METRICS.items()})
    return _RunMetrics(ds).frame(names) if not dims else _by_point(ds, dims, names)


def _by_point(ds: xr.Dataset, dims: Sequence[Hashable], names: Sequence[str]) -> pd.DataFrame:
    """:func:`summarize` of a sweep: the metrics ``names`` of each point, index the sweep ``dims`` then replication."""
    frames = []
    for at in point_indices(ds):
        point = ds.isel(at).load()
        frame = _RunMetrics(point).frame(names)
        keys = [point[d].values.item() for d in dims]
        frame.index = pd.MultiIndex.from_tuples(
            [(*keys, r) for r in frame.index], names=[*(str(d) for d in dims), "replication"]
        )
        frames.append(frame)
    return pd.concat(frames)


def headline(ds: xr.Dataset, *, interval: float = 0.90, metrics: Sequence[str] | None = None) -> MetricTable:
    """Mean and central ``interval`` of each headline metric over replications of one run.

    Parameters
    ----------
    ds : xarray.Dataset
        One run (a sweep is refused: select a point).
    interval : float
        Central probability of the interval (0.90: the 5th and 95th percentiles).
    metrics : sequence of str, optional
        Columns of :func:`summarize`, the rows in order (default :data:`HEADLINE`).

    Returns
    -------
    MetricTable
        A :class:`pandas.DataFrame` that prints each number on its own
        (:class:`~dxsim.analysis.display.MetricTable`, the values untouched).
        Index ``metric``; columns ``mean``, ``p5``, ``p95`` (named after
        ``interval``; :func:`quantile`) and ``units``.  The mean leaves NaN
        out; a metric of :data:`NEVER_AS_INF` (a budget never exhausted)
        counts a NaN as +inf instead, so its mean is inf when any replication
        did not get there within the horizon.
    """
    if sweep_dims(ds):
        raise ValueError("headline() summarises one run; select a point of the sweep, or use summarize()")
    names = _metric_names(HEADLINE if metrics is None else metrics)
    table = _RunMetrics(ds).frame(names)
    for name in set(names) & set(NEVER_AS_INF):
        table[name] = table[name].fillna(math.inf)
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    out = pd.DataFrame(
        {
            "mean": table.mean(),
            f"p{lo * 100:g}": pd.Series({c: quantile(table[c].to_numpy(dtype=float), lo) for c in table}),
            f"p{hi * 100:g}": pd.Series({c: quantile(table[c].to_numpy(dtype=float), hi) for c in table}),
            "units": pd.Series({name: METRICS[name][0] for name in names}),
        }
    )
    out.index.name = "metric"
    return MetricTable(out)


# --------------------------------------------------------------------------- paired differences
def quantile(values: NDArray[np.float64], q: float) -> float:
    """Linear-interpolation quantile (numpy's default) that allows +-inf; NaN values left out.

    Parameters
    ----------
    values : numpy.ndarray
        The sample (any units; NaN left out, +-inf allowed).
    q : float
        Probability in [0, 1].

    Returns
    -------
    float
        The quantile, in the sample's units: between an infinite and a finite
        neighbour it is the infinite one (numpy would give NaN); NaN without data.

    Examples
    --------
    >>> quantile(np.array([1.0, 2.0, np.inf, np.nan]), 0.5), quantile(np.array([1.0, 2.0, np.inf]), 0.9)
    (2.0, inf)
    """
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


def _span(ds: xr.Dataset) -> str:
    """A run's months as ``first to last`` (``YYYY-MM``)."""
    months = pd.DatetimeIndex(ds["month"].values)
    return f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}" if len(months) else "no month"


def _firms(ds: xr.Dataset) -> tuple[list[tuple[str, int]], list[str]]:
    """A run's (or one sweep point's) industries with their enterprises, and the ``[uncertain]`` draws of them."""
    sc = scenario_of(ds)
    drawn = [f"{path} ~ {dist}" for path, dist in sc.uncertain.marginals.items() if "enterprises" in path]
    drawn += [str(g) for g in sc.uncertain.joint if any("enterprises" in path for path in g.paths)]
    return [(i.name, i.enterprises) for i in sc.resolved_industries], drawn


def _points(a: xr.Dataset, b: xr.Dataset) -> list[dict[Any, Any]]:
    """The sweep points ``a`` and ``b`` both hold (one empty selection for two runs or two single points)."""
    several = [d for d in sweep_dims(a) if a.sizes[d] > 1 or b.sizes.get(d, 1) > 1]
    if not several:
        return [{}]
    index = pd.MultiIndex.from_product([a[d].values for d in several], names=several)
    return [dict(zip(several, combo, strict=True)) for combo in index if all(
        d in b.dims and combo[k] in b[d].values for k, d in enumerate(several))]  # fmt: skip


def _check_same_enterprises(a: xr.Dataset, b: xr.Dataset) -> None:
    """Raise unless two runs on one seed follow the same enterprises over the same months.

    Replication k draws each industry's enterprises from the seed, so its
    pairs are the same firms only with the same industries, the same number
    of enterprises in each (or the same ``[uncertain]`` draw of it) and the
    same months (start and horizon); two sweeps, at each point they share.
    """
    if not np.array_equal(a["month"].values, b["month"].values):
        raise ValueError(f"the runs cover months {_span(a)} and {_span(b)}: a paired difference needs the same months")
    if "scenario" not in a.attrs or "scenario" not in b.attrs:
        return
    for point in _points(a, b):
        (fa, da), (fb, db) = _firms(a.sel(point)), _firms(b.sel(point))
        where = f" at {point}" if point else ""
        if fa != fb:
            raise ValueError(
                f"the runs differ in industries or enterprises per industry{where}: a paired difference follows the "
                f"same firms in both ({', '.join(f'{n} {e:,}' for n, e in fa)} vs "
                f"{', '.join(f'{n} {e:,}' for n, e in fb)})"
            )
        if da != db:
            raise ValueError(
                f"the runs draw their numbers of enterprises differently{where} ([uncertain]: "
                f"{'; '.join(da) or 'none'} vs {'; '.join(db) or 'none'}): not the same firms"
            )


def paired_difference(
    a: xr.Dataset, b: xr.Dataset, metric: str | Sequence[str] | None = None, *, interval: float = 0.90
) -> MetricTable:
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
    MetricTable
        A :class:`pandas.DataFrame` that prints each number on its own
        (:class:`~dxsim.analysis.display.MetricTable`).
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
        Different seeds, months (start or horizon), industries or numbers of
        enterprises in them (not the same firms), no common replication, or
        an unknown metric.

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
    _check_same_enterprises(a, b)
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
        if name in NEVER_AS_INF:
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
    frame = MetricTable.from_dict(rows, orient="index")
    frame.index.name = "metric"
    return frame
