"""Figures of the output Dataset (matplotlib only).

Every function takes a Dataset from :func:`dxsim.simulate` (or a sweep
Dataset from :func:`dxsim.sweep`; all but :func:`heatmap` need one point of
it, e.g. ``ds.sel({"contract.platform_discount": 0.1})``) and keyword-only
options, draws on ``ax`` if given or on a new figure, and returns the Axes.
Titles and axis labels carry the units of the variables (their ``units``
attrs); money is shown in million yuan.

>>> import dxsim as dx
>>> ds = dx.simulate("small", replications=2, seed=1)
>>> ax = dx.plot.adoption_fan(ds)
>>> ax.get_ylabel()
'adopters (enterprises)'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.survival import kaplan_meier, km_median
from dxsim.analysis.sweeps import one_point
from dxsim.analysis.wright import fit_slope, progress_ratio, wright_points
from dxsim.results.provenance import scenario_of
from dxsim.results.schema import sweep_dims
from dxsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "adoption_fan",
    "budget_burndown",
    "heatmap",
    "payback_survival",
    "progress_ratio",
    "sensitivity",
    "who_pays",
    "wrights_law",
]

_MILLION = 1e6
_MONTH_LABEL = "month (calendar)"

#: party -> (time variable, censoring flag), plain and discounted.
_PAYBACK: dict[str, tuple[str, str]] = {
    "enterprise": ("payback_months", "payback_censored"),
    "platform": ("platform_payback_months", "platform_payback_censored"),
}
_PAYBACK_DISCOUNTED: dict[str, tuple[str, str]] = {
    "enterprise": ("payback_discounted_months", "payback_discounted_censored"),
    "platform": ("platform_payback_discounted_months", "platform_payback_discounted_censored"),
}

#: Stacks of :func:`who_pays`: (party, variable, colour).
_CONTRIBUTIONS: tuple[tuple[str, str, str], ...] = (
    ("government", "government_paid", "tab:blue"),
    ("platform", "platform_discount", "tab:orange"),
    ("enterprise", "enterprise_paid", "tab:green"),
)


# --------------------------------------------------------------------------- helpers


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    """``ax``, or the Axes of a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _units(da: xr.DataArray) -> str:
    return str(da.attrs.get("units", "1"))


def _million(units: str) -> str:
    """``yuan`` -> ``million yuan`` (also ``yuan / month`` and the like)."""
    return units.replace("yuan", "million yuan", 1) if units.startswith("yuan") else f"10^6 {units}"


def _one_point(ds: xr.Dataset, func: str) -> xr.Dataset:
    """The one point of ``ds`` a figure draws (:func:`dxsim.analysis.sweeps.one_point`)."""
    return one_point(ds, func, instead="use dxsim.plot.heatmap")


def _scenario(ds: xr.Dataset) -> Scenario | None:
    """The scenario of the run drawn (:func:`dxsim.scenario_of`), for the figures' notes; None if ``ds`` has none."""
    return scenario_of(ds) if "scenario" in ds.attrs else None


def _replications(ds: xr.Dataset) -> int:
    return int(ds.sizes.get("replication", 1))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- adoption


def adoption_fan(
    ds: xr.Dataset,
    variable: str = "adopters",
    *,
    industry: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Fan chart of a monthly variable: median and 50% / 90% bands over replications.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep).
    variable : str
        A variable with dimensions ``(replication, month)`` or
        ``(replication, month, industry)``, e.g. ``adopters`` (enterprises),
        ``adoptions`` (contracts / month), ``in_use`` (enterprises) or
        ``public_money`` (yuan / month). Drawn in its own units.
    industry : str, optional
        Draw this industry only; by default the sum over industries.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        Lines: the median (``label="median"``); bands: the 25-75% and
        5-95% quantiles (linear interpolation) over replications, against
        the ``month`` coordinate.

    Raises
    ------
    ValueError
        If the variable has other dimensions, or the industry is unknown.
    """
    ds = _one_point(ds, "adoption_fan")
    if variable not in ds:
        raise ValueError(f"no variable {variable!r} in the Dataset")
    da = ds[variable]
    if "replication" not in da.dims or "month" not in da.dims or set(da.dims) - {"replication", "month", "industry"}:
        raise ValueError(
            f"adoption_fan needs a variable over (replication, month[, industry]); {variable!r} has {da.dims}"
        )
    if "industry" in da.dims:
        if industry is None:
            da, where = da.sum("industry"), "all industries"
        else:
            names = [str(n) for n in ds["industry"].values]
            if industry not in names:
                raise ValueError(f"unknown industry {industry!r}; the Dataset has {names}")
            da, where = da.sel(industry=industry), industry
    elif industry is not None:
        raise ValueError(f"{variable!r} has no industry dimension")
    else:
        where = "programme"
    units = _units(ds[variable])
    q = da.quantile([0.05, 0.25, 0.5, 0.75, 0.95], dim="replication").transpose("quantile", "month").values
    months = ds["month"].values
    ax = _axes(ax)
    ax.fill_between(months, q[0], q[4], color="tab:blue", alpha=0.2, linewidth=0, label="90% band (5-95%)")
    ax.fill_between(months, q[1], q[3], color="tab:blue", alpha=0.4, linewidth=0, label="50% band (25-75%)")
    ax.plot(months, q[2], color="tab:blue", linewidth=2, label="median")
    n = _replications(ds)
    long_name = str(ds[variable].attrs.get("long_name", variable))
    ax.set_title(f"{_capitalised(long_name)}\n{where}, {n} replication{'s' if n != 1 else ''}")
    ax.set_xlabel(_MONTH_LABEL)
    ax.set_ylabel(f"{variable} ({units})")
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(q))) if np.isfinite(np.nanmin(q)) else 0.0)
    ax.legend(loc="best")
    ax.grid(True, alpha=0.3)
    return ax


# --------------------------------------------------------------------------- payback


def _payback_sample(
    ds: xr.Dataset, party: str, discounted: bool
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Pooled (times, censored, follow-up) of every contract, all replications: months."""
    table = _PAYBACK_DISCOUNTED if discounted else _PAYBACK
    if party not in table:
        raise ValueError(f"party must be one of {sorted(table)}, got {party!r}")
    time_var, flag_var = table[party]
    horizon = int(ds.attrs.get("horizon_months", ds.sizes["month"]))
    signed = ds["signed_month"].values.ravel()
    valid = ~np.isnan(signed)
    times = ds[time_var].values.ravel()[valid].astype(float)
    censored = ds[flag_var].values.ravel()[valid] > 0
    # as in dxsim.analysis.metrics.summarize: a censored contract is followed from its signing month to the horizon
    followup = (horizon - np.floor(signed[valid])).astype(float)
    return times, censored, followup


def payback_survival(
    ds: xr.Dataset,
    *,
    party: Literal["enterprise", "platform"] = "enterprise",
    discounted: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Kaplan-Meier curve of payback: the share of contracts not yet paid back, by months since signing.

    Contracts of all replications are pooled. A contract not paid back by
    the horizon is right-censored at its follow-up, ``horizon_months -
    floor(signed_month)`` months, as in :func:`dxsim.analysis.metrics.summarize`;
    the estimate is ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep).
    party : {"enterprise", "platform"}
        Whose payback: the enterprise's (``payback_months``,
        ``payback_censored``) or the platform's on the contract
        (``platform_payback_months``, ``platform_payback_censored``).
    discounted : bool
        Use the discounted paybacks (``*_discounted_*``) instead.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default. Call again on the same Axes
        to overlay the other party.

    Returns
    -------
    matplotlib.axes.Axes
        A step line (survival, dimensionless share, from 1 at 0 months)
        whose legend gives the party, the number of contracts, how many
        are censored and the Kaplan-Meier median
        (:func:`dxsim.analysis.metrics.km_median`; "beyond follow-up" when the curve
        never reaches one half).

    Raises
    ------
    ValueError
        If the party is unknown or there is no contract.
    """
    ds = _one_point(ds, "payback_survival")
    times, censored, followup = _payback_sample(ds, party, discounted)
    if len(times) == 0:
        raise ValueError("no contracts in the Dataset: nothing to estimate")
    res = kaplan_meier(times, censored, followup)
    x = np.concatenate([[0.0], np.asarray(res.sf.quantiles, dtype=float)])
    y = np.concatenate([[1.0], np.asarray(res.sf.probabilities, dtype=float)])
    median = km_median(times, censored, followup)
    shown = "beyond follow-up" if np.isinf(median) else f"{median:.1f} months"
    kind = "discounted payback" if discounted else "payback"
    label = f"{party} (n = {len(times)}, {int(censored.sum())} censored; median {shown})"
    ax = _axes(ax)
    (curve,) = ax.step(x, y, where="post", linewidth=2, label=label)
    ax.axhline(0.5, color="0.5", linestyle=":", linewidth=1)
    if np.isfinite(median):
        ax.plot([median], [0.5], marker="o", color=curve.get_color())
    n = _replications(ds)
    ax.set_title(f"Kaplan-Meier {kind} curve: share of contracts not yet paid back\n{n} replications pooled")
    ax.set_xlabel("time since signing (months)")
    ax.set_ylabel("share not yet paid back (1)")
    ax.set_ylim(0.0, 1.02)
    ax.set_xlim(left=-0.01 * max(float(np.max(x)), 1.0))  # a drop at 0 months stays visible
    ax.legend(loc="upper right")
    ax.grid(True, alpha=0.3)
    return ax


# --------------------------------------------------------------------------- money


def who_pays(
    ds: xr.Dataset,
    *,
    by: Literal["total", "industry", "platform"] = "total",
    ax: Axes | None = None,
) -> Axes:
    """Stacked bars of what each party put into the contracts, mean over replications, million yuan.

    The government's part is ``government_paid`` (subsidies and rewards paid
    within the horizon), the platform's ``platform_discount``, the
    enterprise's ``enterprise_paid`` (net of subsidies it received): each
    summed over the contracts of a replication, then averaged over
    replications.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep).
    by : {"total", "industry", "platform"}
        One bar for all contracts, or one per industry (``adopter_industry``)
        or per platform (``adopter_platform``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.containers`` holds one BarContainer per party, in the order
        government, platform, enterprise; bar heights are in million yuan.
        Negative contributions are stacked below zero. The total is written
        above each bar.
    """
    ds = _one_point(ds, "who_pays")
    if by == "total":
        groups: list[str] = ["all contracts"]
        masks = [xr.ones_like(ds["signed_month"], dtype=bool)]
        xlabel = "contracts"
    elif by in ("industry", "platform"):
        groups = [str(v) for v in ds[by].values]
        code = ds[f"adopter_{by}"]
        masks = [code == k for k in range(len(groups))]
        xlabel = by
    else:
        raise ValueError(f"by must be 'total', 'industry' or 'platform', got {by!r}")
    heights = {
        var: np.array([float(ds[var].where(m).sum("adopter").mean("replication")) / _MILLION for m in masks])
        for _, var, _ in _CONTRIBUTIONS
    }
    ax = _axes(ax)
    xs = np.arange(len(groups))
    up = np.zeros(len(groups))
    down = np.zeros(len(groups))
    for party, var, colour in _CONTRIBUTIONS:
        h = heights[var]
        bottom = np.where(h >= 0, up, down)
        ax.bar(xs, h, bottom=bottom, color=colour, width=0.6, label=f"{party} ({var})")
        up += np.where(h >= 0, h, 0.0)
        down += np.where(h < 0, h, 0.0)
    for x, top, total in zip(xs, up, up + down, strict=True):
        ax.annotate(f"{total:.2f}", (x, top), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom")
    units = _million(_units(ds["government_paid"]))
    n = _replications(ds)
    ax.set_xticks(xs, groups, rotation=30 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
    ax.set_xlim(-0.8, len(groups) - 0.2)
    ax.set_title(f"Who pays for the contracts\nmean over {n} replications, within the horizon")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"contribution ({units})")
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.margins(y=0.12)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), title="party (variable)")
    ax.grid(True, axis="y", alpha=0.3)
    return ax


def _batch_windows(ds: xr.Dataset) -> list[tuple[float, float]]:
    """(opens, closes) of each batch of the programme as matplotlib dates, from the scenario in the attrs.

    None if the attrs hold no readable scenario.
    """
    from matplotlib.dates import date2num

    scenario = _scenario(ds)
    batches = scenario.programme.batches if scenario is not None else ()
    return [(float(date2num(b.opens)), float(date2num(b.closes))) for b in batches]


def budget_burndown(ds: xr.Dataset, *, ax: Axes | None = None) -> Axes:
    """Uncommitted programme budget over time: median and 5-95% band over replications, million yuan.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        The median of ``budget_remaining`` (million yuan, end of month;
        ``label="median"``) and its 5-95% band against the ``month``
        coordinate; the batches' application windows (from the scenario in
        ``ds.attrs``) are shaded.
    """
    ds = _one_point(ds, "budget_burndown")
    da = ds["budget_remaining"] / _MILLION
    q = da.quantile([0.05, 0.5, 0.95], dim="replication").transpose("quantile", "month").values
    months = ds["month"].values
    ax = _axes(ax)
    ax.fill_between(months, q[0], q[2], color="tab:purple", alpha=0.25, linewidth=0, label="90% band (5-95%)")
    ax.plot(months, q[1], color="tab:purple", linewidth=2, label="median")
    for k, (opens, closes) in enumerate(_batch_windows(ds)):
        ax.axvspan(opens, closes, color="0.5", alpha=0.12, linewidth=0, label="batch open" if k == 0 else None)
    n = _replications(ds)
    ax.set_title(f"Programme budget not yet committed\n{n} replications")
    ax.set_xlabel(_MONTH_LABEL)
    ax.set_ylabel(f"budget_remaining ({_million(_units(ds['budget_remaining']))})")
    ax.set_ylim(bottom=0.0)
    ax.legend(loc="best")
    ax.grid(True, alpha=0.3)
    return ax


# --------------------------------------------------------------------------- Wright's law
# The estimator, progress_ratio, lives in dxsim.analysis.wright; it is imported above and re-exported here.


def _scenario_progress_ratio(ds: xr.Dataset) -> float | None:
    """The scenario's progress ratio if every platform has the same one, else None."""
    scenario = _scenario(ds)
    if scenario is None:
        return None
    ratios = {p.progress_ratio for p in scenario.resolved_platforms}
    return ratios.pop() if len(ratios) == 1 else None


def wrights_law(ds: xr.Dataset, *, replication: int | None = -1, ax: Axes | None = None) -> Axes:
    """Unit cost against experience of the platforms, log-log, with the fitted Wright's law.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep).
    replication : int or None
        Position of the replication whose platform-months are drawn and
        fitted (the last by default); None pools all replications.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        One scatter per platform (``unit_cost``, yuan, against ``experience
        + 1``, deployments) and the fitted line through the pooled means,
        labelled with the estimated progress ratio ``2 ** slope`` (see
        :func:`progress_ratio`).
    """
    ds = _one_point(ds, "wrights_law")
    x, y, plat = wright_points(ds, replication)
    slope, _ = fit_slope(x, y, plat)
    pr = 2.0**slope
    names = [str(p) for p in ds["platform"].values]
    ax = _axes(ax)
    for k, name in enumerate(names):
        sel = plat == k
        if sel.any():
            ax.scatter(np.exp(x[sel]), np.exp(y[sel]), s=14, alpha=0.6, label=name)
    if len(x) and np.isfinite(slope):
        grid = np.linspace(float(x.min()), float(x.max()), 50)
        line = float(y.mean()) + slope * (grid - float(x.mean()))
        ax.plot(np.exp(grid), np.exp(line), color="black", linewidth=2, label=f"fit: progress ratio {pr:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    which = "all replications" if replication is None else f"replication {ds['replication'].values[replication]}"
    known = _scenario_progress_ratio(ds)
    scenario = f", scenario progress ratio {known:g}" if known is not None else ""
    ax.set_title(f"Wright's law of the platforms' delivery cost\n{which}{scenario}")
    ax.set_xlabel("experience + 1 (deployments)")
    ax.set_ylabel(f"unit_cost ({_units(ds['unit_cost'])})")
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    return ax


# --------------------------------------------------------------------------- sweeps


Metric = str | Callable[[xr.Dataset], xr.DataArray]


def _reduce_variable(ds: xr.Dataset, name: str) -> tuple[xr.DataArray, str]:
    """A variable as an end-of-horizon total per replication, and its units.

    Stocks (units without ``/ month``) at the last month, flows summed over
    months; summed over industries, platforms and adopters.
    """
    if name not in ds:
        raise ValueError(f"no variable {name!r} in the Dataset")
    da = ds[name]
    units = _units(da)
    if "month" in da.dims:
        if units.endswith("/ month"):
            da, units = da.sum("month"), units.removesuffix("/ month").strip()
        else:
            da = da.isel(month=-1)
    da = da.sum([d for d in ("industry", "platform", "adopter") if d in da.dims])
    rest = [d for d in da.dims if d != "replication"]
    if rest:
        raise ValueError(f"{name!r} still has dimensions {rest} after the totals; pass a callable metric instead")
    return da, units


def _table_grid(
    table: pd.DataFrame, metric: str, x: str, y: str
) -> tuple[NDArray[np.float64], list[Any], list[Any], str, str, int]:
    for col in (metric, x, y):
        if col not in table.columns:
            raise ValueError(f"no column {col!r} in the table")
    wide = table.groupby([y, x])[metric].mean().unstack(x)
    n = int(table.groupby([y, x]).size().max())
    return wide.to_numpy(dtype=float), list(wide.columns), list(wide.index), metric, "", n


def _dataset_grid(
    ds: xr.Dataset, metric: Metric, x: str, y: str
) -> tuple[NDArray[np.float64], list[Any], list[Any], str, str, int]:
    for d in (x, y):
        if d not in ds.dims:
            raise ValueError(f"{d!r} is not a dimension of the Dataset; its sweep dimensions are {sweep_dims(ds)}")
    others = {str(d): int(ds.sizes[d]) for d in sweep_dims(ds) if d not in (x, y) and ds.sizes[d] > 1}
    if others:
        raise ValueError(f"select one value of the other sweep dimensions {others} first")
    xs, ys = list(ds[x].values), list(ds[y].values)
    values = np.full((len(ys), len(xs)), np.nan)
    label, units = (metric, "") if isinstance(metric, str) else (getattr(metric, "__name__", "metric"), "")
    for j in range(len(ys)):
        for i in range(len(xs)):
            point = one_point(ds.isel({x: i, y: j}), "heatmap")
            if isinstance(metric, str):
                da, units = _reduce_variable(point, metric)
            else:
                da = metric(point)
                units = str(da.attrs.get("units", units))
                if da.name is not None and label == "<lambda>":
                    label = str(da.name)
            da = da.mean("replication") if "replication" in da.dims else da
            if da.ndim:
                raise ValueError(f"the metric has dimensions {da.dims} at a point; it must reduce to one value")
            values[j, i] = float(da)
    return values, xs, ys, label, units, _replications(ds)


def _tick(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float | np.floating | int | np.integer) else str(v)


def heatmap(
    table_or_ds: xr.Dataset | pd.DataFrame,
    metric: Metric,
    x: str,
    y: str,
    *,
    fmt: str = "{:.3g}",
    cmap: str = "viridis",
    ax: Axes | None = None,
) -> Axes:
    """Heat map of a summary metric over two swept dimensions, mean over replications, values annotated.

    Parameters
    ----------
    table_or_ds : xarray.Dataset or pandas.DataFrame
        A sweep Dataset (:func:`dxsim.sweep`) with dimensions ``x`` and
        ``y`` (any other sweep dimension must have one value), or a long
        table with columns ``x``, ``y`` and ``metric`` (rows with the same
        ``x`` and ``y``, e.g. replications, are averaged).
    metric : str or callable
        For a Dataset: a variable name, reduced per replication to its
        end-of-horizon total over industries (and platforms and adopters):
        stocks such as ``adopters`` (enterprises) at the last month, flows
        such as ``public_money`` (yuan / month) summed over months,
        per-contract variables such as ``government_paid`` (yuan) summed over
        contracts; or a callable taking one point of the sweep (a Dataset
        like :func:`dxsim.simulate`'s) and returning a DataArray with at
        most a ``replication`` dimension (its ``units`` attr, if any, labels
        the colour bar). For a table: a column name.
    x, y : str
        The sweep dimensions (or columns) along the horizontal and vertical axes.
    fmt : str
        Format of the annotations.
    cmap : str
        A matplotlib colour map.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0]`` holds the grid of values, shape ``(len(y), len(x))``
        (row ``j``, column ``i`` for the ``j``-th value of ``y`` and the
        ``i``-th of ``x``); ``ax.texts`` the annotations, row by row.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> sw = dx.sweep(sc, {"contract.platform_discount": [0.0, 0.2], "programme.tax_rate": [0.2, 0.25]}, seed=1)
    >>> ax = heatmap(sw, "adopters", "contract.platform_discount", "programme.tax_rate")
    >>> ax.images[0].get_array().shape
    (2, 2)
    """
    if isinstance(table_or_ds, pd.DataFrame):
        if not isinstance(metric, str):
            raise TypeError("for a table, metric must be a column name")
        values, xs, ys, label, units, n = _table_grid(table_or_ds, metric, x, y)
    elif isinstance(table_or_ds, xr.Dataset):
        values, xs, ys, label, units, n = _dataset_grid(table_or_ds, metric, x, y)
    else:
        raise TypeError(f"expected an xarray.Dataset or a pandas.DataFrame, got {type(table_or_ds).__name__}")
    ax = _axes(ax, figsize=(1.6 * len(xs) + 3.0, 1.1 * len(ys) + 2.5))
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest")
    colour = image.cmap
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    for j in range(len(ys)):
        for i in range(len(xs)):
            v = values[j, i]
            text = "n/a" if not np.isfinite(v) else fmt.format(v)
            shade = colour((v - lo) / (hi - lo) if hi > lo and np.isfinite(v) else 0.5)
            luminance = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2]
            ax.text(i, j, text, ha="center", va="center", color="black" if luminance > 0.5 else "white")
    ax.set_xticks(np.arange(len(xs)), [_tick(v) for v in xs])
    ax.set_yticks(np.arange(len(ys)), [_tick(v) for v in ys])
    xunits = yunits = ""
    if isinstance(table_or_ds, xr.Dataset):
        xunits = str(table_or_ds[x].attrs.get("units", ""))
        yunits = str(table_or_ds[y].attrs.get("units", ""))
    ax.set_xlabel(f"{x} ({xunits})" if xunits else x)
    ax.set_ylabel(f"{y} ({yunits})" if yunits else y)
    described = f"{label} ({units})" if units else label
    ax.set_title(f"{described}\nmean over {n} replication{'s' if n != 1 else ''}")
    ax.figure.colorbar(image, ax=ax, label=described)
    return ax


def sensitivity(si: xr.Dataset, output: str | None = None, *, ax: Axes | None = None) -> Axes:
    """Bar chart of the sensitivity indices of one output, with their confidence intervals.

    Parameters
    ----------
    si : xarray.Dataset
        Output of :func:`dxsim.studies.sensitivity`.
    output : str, optional
        One of ``si.output`` (e.g. ``"accepted@18"``); default the first.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        One group of horizontal bars per parameter: first-order (``S1``) and
        total (``ST``) Sobol indices, or Morris ``mu_star``; the error bars
        are the ``_conf`` half-widths.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> si = dx.sensitivity(sc, {"programme.instruments[0].share": (0.1, 0.5)}, ["adopters"], method="morris", samples=2)
    >>> ax = sensitivity(si)
    >>> ax.get_xlabel()
    'mu* (enterprises per full range)'
    """
    label = str(si["output"].values[0]) if output is None else output
    if label not in si["output"].values:
        raise ValueError(f"output {label!r} is not in the Dataset; it has {', '.join(map(str, si['output'].values))}")
    one = si.sel(output=label)
    params = [str(p) for p in si["param"].values]
    sobol = "S1" in si
    bars = (
        [("S1", "first order", "tab:blue"), ("ST", "total", "tab:orange")]
        if sobol
        else [("mu_star", "mu*", "tab:blue")]
    )
    ax = _axes(ax, figsize=(7.0, 1.0 + 0.6 * len(params) * len(bars)))
    height = 0.8 / len(bars)
    y = np.arange(len(params))
    for i, (name, text, colour) in enumerate(bars):
        ax.barh(
            y + (i - (len(bars) - 1) / 2) * height,
            one[name].values,
            height,
            xerr=one[f"{name}_conf"].values,
            color=colour,
            label=text,
            capsize=3,
        )
    ax.set_yticks(y, params)
    ax.invert_yaxis()
    units = str(one["output_units"].values)
    ax.set_xlabel("Sobol index (1)" if sobol else f"mu* ({units} per full range)")
    method = "Sobol indices" if sobol else "Morris elementary effects"
    ax.set_title(f"{method} of {label} ({units}), {int(si.attrs.get('n', 0))} base samples")
    if sobol:
        ax.axvline(0.0, color="grey", linewidth=0.8)
        ax.legend(loc="best")
    return ax
