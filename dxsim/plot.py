"""Figures of the output Dataset (matplotlib only), fit for a paper.

Every function takes a Dataset from :func:`dxsim.simulate` (or a sweep
Dataset from :func:`dxsim.sweep`; all but :func:`heatmap` need one point of
it, e.g. ``ds.sel({"contract.platform_discount": 0.1})``) and keyword-only
options, draws on ``ax`` if given or on a new figure, and returns the Axes.

House style:

* Titles and axis labels carry the units of the variables (their ``units``
  attrs); money is shown in million yuan (:func:`dxsim.tables.in_millions`).
* Several runs on one axis: :func:`adoption_fan`, :func:`payback_survival`,
  :func:`budget_burndown` and :func:`additional_adopters` take a mapping
  ``{label: Dataset}`` (or one Dataset with ``label=``, drawn again on the
  same ``ax``); each run gets the next colour of the cycle (``C0``, ``C1``,
  ...) and the Axes keeps one legend, an entry per run.  :func:`who_pays`
  takes a mapping too: a stacked bar per run, named by its label, on one scale.
* Legends sit outside the axes, to their right, so they never cover data; a
  figure with many items (Wright's law of 98 platforms) groups them
  (:data:`MAX_LEGEND_ENTRIES`).

>>> import dxsim as dx
>>> ds = dx.simulate("small", replications=2, seed=1)
>>> ax = dx.plot.adoption_fan(ds)
>>> ax.get_ylabel()
'adopters (enterprises)'
>>> ax = dx.plot.adoption_fan({"seed 1": ds, "seed 2": dx.simulate("small", replications=2, seed=2)})
>>> [t.get_text() for t in ax.get_legend().get_texts()], ax.lines[0].get_color() != ax.lines[1].get_color()
(['seed 1', 'seed 2'], True)
"""

from __future__ import annotations

import calendar
import textwrap
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.additionality import fiscal_flow
from dxsim.analysis.appraisal import appraisal_settings
from dxsim.analysis.budget import batch_closes, batch_windows
from dxsim.analysis.payback import government_payback_month
from dxsim.analysis.survival import kaplan_meier, km_median
from dxsim.analysis.sweeps import one_point
from dxsim.analysis.wright import fit_slope, progress_ratio, wright_points
from dxsim.finance import discount_factors, monthly_rate
from dxsim.results.provenance import scenario_of
from dxsim.results.schema import sweep_dims
from dxsim.scenario.resolve import add_months
from dxsim.scenario.schema import Scenario
from dxsim.studies.appraisal import appraisal
from dxsim.studies.counterfactual import counterfactual_for
from dxsim.tables import MILLION, format_number, in_millions

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "KM_CONFIDENCE",
    "MAX_LEGEND_ENTRIES",
    "Runs",
    "additional_adopters",
    "adoption_fan",
    "budget_burndown",
    "heatmap",
    "payback_survival",
    "progress_ratio",
    "sensitivity",
    "who_pays",
    "wrights_law",
]

#: One run, or several by their labels (drawn on one axis, one colour each).
Runs = xr.Dataset | Mapping[str, xr.Dataset]

#: Most entries a legend lists one by one; more items are grouped (e.g. "other platforms").
MAX_LEGEND_ENTRIES = 8
#: Confidence level of the Kaplan-Meier bands (``scipy.stats`` ``confidence_interval``, Greenwood).
KM_CONFIDENCE = 0.90
#: More groups than this and :func:`who_pays` lays its bars horizontally, one readable label per bar.
_MAX_UPRIGHT_BARS = 6

_MONTH_LABEL = "month (calendar)"
#: Characters per line of a legend entry (longer lines wrap), so that the legend leaves the axes their room.
_LEGEND_WIDTH = 30
#: gid of the artist that stands for a run on an Axes: counted to give the next run the next colour.
_RUN = "dxsim-run"
#: Quantile bands of a fan: (low, high, alpha, label of a single run's band).
_BANDS: tuple[tuple[float, float, float, str], ...] = (
    (0.05, 0.95, 0.2, "90% band (5-95%)"),
    (0.25, 0.75, 0.4, "50% band (25-75%)"),
)

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


def _runs(ds: Runs, label: str | None) -> list[tuple[str | None, xr.Dataset]]:
    """(label, Dataset) of each run to draw; a single run keeps ``label`` (None: drawn as the only run)."""
    if isinstance(ds, xr.Dataset):
        return [(label, ds)]
    if not isinstance(ds, Mapping):
        raise TypeError(f"expected an xarray.Dataset or a mapping of them, got {type(ds).__name__}")
    runs = cast(Mapping[str, xr.Dataset], ds)  # mypy keeps a Dataset possible here: a Dataset is a Mapping too
    if not runs:
        raise ValueError("no runs to draw: the mapping is empty")
    if label is not None:
        raise ValueError("label= names a single run; a mapping names its runs by its keys")
    return [(str(name), run) for name, run in runs.items()]


def _colour(ax: Axes) -> str:
    """The colour of the next run on ``ax``: ``C<k>`` for the k-th run already drawn there."""
    drawn = sum(1 for artist in ax.get_children() if artist.get_gid() == _RUN)
    return f"C{drawn % 10}"


def _title(ax: Axes, text: str) -> None:
    """The Axes' title, one size below matplotlib's default so that it fits over the axes beside the legend."""
    ax.set_title(text, fontsize="medium")


def _wrapped(label: str) -> str:
    """A legend label with each line wrapped at :data:`_LEGEND_WIDTH` characters (long run or platform names)."""
    return "\n".join(textwrap.fill(line, _LEGEND_WIDTH) for line in label.split("\n"))


def _legend(ax: Axes, *, title: str | None = None) -> None:
    """One legend of every labelled artist on ``ax``, outside the axes on their right: it never covers data.

    Called again after another run is drawn, it replaces the legend (one legend per Axes).
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    ax.legend(
        handles,
        [_wrapped(text) for text in labels],
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
        frameon=False,
        fontsize="small",
        title=title,
        title_fontsize="small",
        alignment="left",
    )


def _quantiles(values: NDArray[np.float64], qs: list[float]) -> NDArray[np.float64]:
    """Quantiles over replications (axis 0, linear interpolation, NaN left out); all-NaN months give NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanquantile(values, qs, axis=0), dtype=np.float64)


def _fan(
    ax: Axes,
    x: NDArray[Any],
    values: NDArray[np.float64],
    label: str | None,
    bands: tuple[tuple[float, float, float, str], ...] = _BANDS,
) -> None:
    """Median line and quantile bands over replications of ``values`` (replication, month), in the next colour.

    A run without a label is drawn as the only one: its legend names the median
    and the bands; a labelled run has one entry, its label, on the median.
    """
    colour = _colour(ax)
    q = _quantiles(values, [0.5, *(b for band in bands for b in band[:2])])
    for k, (_, _, alpha, text) in enumerate(bands):
        ax.fill_between(
            x, q[1 + 2 * k], q[2 + 2 * k], color=colour, alpha=alpha, linewidth=0, label=text if label is None else None
        )
    ax.plot(x, q[0], color=colour, linewidth=2, label="median" if label is None else label, gid=_RUN)


def _several(runs: list[tuple[str | None, xr.Dataset]]) -> bool:
    return len(runs) > 1 or runs[0][0] is not None


# --------------------------------------------------------------------------- adoption


def _fan_variable(ds: xr.Dataset, variable: str, industry: str | None) -> tuple[xr.DataArray, str]:
    """The (replication, month) series of ``variable`` a fan draws, and where it counts (industry or all)."""
    if variable not in ds:
        raise ValueError(f"no variable {variable!r} in the Dataset")
    da = ds[variable]
    if "replication" not in da.dims or "month" not in da.dims or set(da.dims) - {"replication", "month", "industry"}:
        raise ValueError(
            f"adoption_fan needs a variable over (replication, month[, industry]); {variable!r} has {da.dims}"
        )
    if "industry" in da.dims:
        if industry is None:
            return da.sum("industry"), "all industries"
        names = [str(n) for n in ds["industry"].values]
        if industry not in names:
            raise ValueError(f"unknown industry {industry!r}; the Dataset has {names}")
        return da.sel(industry=industry), industry
    if industry is not None:
        raise ValueError(f"{variable!r} has no industry dimension")
    return da, "programme"


def adoption_fan(
    ds: Runs,
    variable: str = "adopters",
    *,
    industry: str | None = None,
    label: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Fan chart of a monthly variable: median and 50% / 90% bands over replications.

    Parameters
    ----------
    ds : xarray.Dataset or mapping of str to xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep), or
        several by their labels, drawn on one axis in distinct colours.
    variable : str
        A variable with dimensions ``(replication, month)`` or
        ``(replication, month, industry)``, e.g. ``adopters`` (enterprises),
        ``adoptions`` (contracts / month), ``in_use`` (enterprises) or
        ``public_money`` (yuan / month, drawn in million yuan / month).
    industry : str, optional
        Draw this industry only; by default the sum over industries.
    label : str, optional
        The run's name in the legend (a single Dataset); with a label the
        legend has one entry per run, so call again with ``ax=`` and another
        label to add a run.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        Per run: the median line (``label="median"`` for an unlabelled run,
        else the run's label) and the 25-75% and 5-95% quantile bands (linear
        interpolation) over replications, against the ``month`` coordinate.

    Raises
    ------
    ValueError
        If the variable has other dimensions, or the industry is unknown.
    """
    runs = _runs(ds, label)
    ax = _axes(ax)
    units, long_name, where, n = "1", variable, "programme", 0
    for name, run in runs:
        run = _one_point(run, "adoption_fan")
        da, where = _fan_variable(run, variable, industry)
        values, units = in_millions(np.asarray(da.transpose("replication", "month").values, dtype=float), _units(da))
        _fan(ax, run["month"].values, values, name)
        long_name, n = str(run[variable].attrs.get("long_name", variable)), _replications(run)
    how = (
        "median (line), 50% and 90% bands over replications (shades)"
        if _several(runs)
        else f"{n} replication{'s' if n != 1 else ''}"
    )
    _title(ax, f"{_capitalised(long_name)}\n{where}, {how}")
    ax.set_xlabel(_MONTH_LABEL)
    ax.set_ylabel(f"{variable} ({units})")
    low = float(ax.dataLim.y0)
    ax.set_ylim(bottom=min(0.0, low) if np.isfinite(low) else 0.0)
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return ax


def additional_adopters(ds: Runs, *, label: str | None = None, ax: Axes | None = None) -> Axes:
    """Additional adopters over time: with the programme minus without it, median and bands over replications.

    Parameters
    ----------
    ds : xarray.Dataset or mapping of str to xarray.Dataset
        A run (its appraisal is :func:`dxsim.studies.appraisal.appraisal`,
        with the counterfactual it holds, else one run now) or an appraisal
        Dataset (with ``additional_adopters_monthly``); or several by their labels.
    label : str, optional
        The run's name in the legend, as in :func:`adoption_fan`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        Per run the median of ``additional_adopters_monthly`` (enterprises,
        end of month) and its 50% and 90% bands against the ``month``
        coordinate; a line at zero.
    """
    runs = _runs(ds, label)
    ax = _axes(ax)
    n = 0
    for name, run in runs:
        ap = run if "additional_adopters_monthly" in run else appraisal(run, progress=None)
        da = ap["additional_adopters_monthly"]
        _fan(ax, ap["month"].values, np.asarray(da.transpose("replication", "month").values, dtype=float), name)
        n = int(ap.sizes["replication"])
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    how = "median (line), 50% and 90% bands (shades)" if _several(runs) else f"{n} replication{'s' if n != 1 else ''}"
    _title(ax, f"Additional adopters: with the programme minus without it\nend of month, {how}")
    ax.set_xlabel(_MONTH_LABEL)
    ax.set_ylabel("additional_adopters_monthly (enterprises)")
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return ax


# --------------------------------------------------------------------------- payback


def _payback_sample(
    ds: xr.Dataset, party: str, discounted: bool
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Pooled (times, censored, follow-up) of every contract, all replications: months."""
    table = _PAYBACK_DISCOUNTED if discounted else _PAYBACK
    time_var, flag_var = table[party]
    horizon = int(ds.attrs.get("horizon_months", ds.sizes["month"]))
    signed = ds["signed_month"].values.ravel()
    valid = ~np.isnan(signed)
    times = ds[time_var].values.ravel()[valid].astype(float)
    censored = ds[flag_var].values.ravel()[valid] > 0
    # as in dxsim.analysis.metrics.summarize: a censored contract is followed from its signing month to the horizon
    followup = (horizon - np.floor(signed[valid])).astype(float)
    return times, censored, followup


def _km_curve(ax: Axes, ds: xr.Dataset, party: str, name: str, discounted: bool) -> None:
    """One Kaplan-Meier curve with its confidence band, in the next colour."""
    times, censored, followup = _payback_sample(ds, party, discounted)
    if len(times) == 0:
        raise ValueError("no contracts in the Dataset: nothing to estimate")
    res = kaplan_meier(times, censored, followup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Greenwood's variance is undefined where the curve is 0
        band = res.sf.confidence_interval(confidence_level=KM_CONFIDENCE)
    y = np.concatenate([[1.0], np.asarray(res.sf.probabilities, dtype=float)])
    x = np.concatenate([[0.0], np.asarray(res.sf.quantiles, dtype=float)])
    low = np.concatenate([[1.0], np.asarray(band.low.probabilities, dtype=float)])
    high = np.concatenate([[1.0], np.asarray(band.high.probabilities, dtype=float)])
    low, high = np.where(np.isnan(low), y, low), np.where(np.isnan(high), y, high)
    median = km_median(times, censored, followup)
    shown = "beyond follow-up" if np.isinf(median) else f"{median:.1f} months"
    colour = _colour(ax)
    label = f"{name}\nn = {len(times)}, {int(censored.sum())} censored\nmedian {shown}"
    ax.step(x, y, where="post", linewidth=2, color=colour, label=label, gid=_RUN)
    ax.fill_between(x, low, high, step="post", color=colour, alpha=0.2, linewidth=0)
    if np.isfinite(median):
        ax.plot([median], [0.5], marker="o", color=colour)


def _government_balance(ax: Axes, ds: xr.Dataset, name: str, discounted: bool) -> None:
    """The government's cumulative fiscal balance against the counterfactual: median and 90% band, million yuan."""
    cf = counterfactual_for(ds, progress=None)
    flow = np.asarray(fiscal_flow(ds, cf).values, dtype=float)
    rate = appraisal_settings(ds).social_discount_rate
    if discounted:
        flow = flow * discount_factors(monthly_rate(rate), flow.shape[1])
    balance = np.concatenate([np.zeros((flow.shape[0], 1)), np.cumsum(flow, axis=1)], axis=1) / MILLION
    months = np.asarray(
        government_payback_month(ds, cf, social_discount_rate=rate if discounted else None).values, dtype=float
    )
    x = np.arange(balance.shape[1], dtype=float)
    q = _quantiles(balance, [0.05, 0.5, 0.95])
    colour = _colour(ax)
    ax.fill_between(x, q[0], q[2], color=colour, alpha=0.2, linewidth=0)
    outlay = months[~np.isnan(months)]  # NaN: no outlay, nothing to pay back; inf: not paid back
    paid = int(np.count_nonzero(np.isfinite(outlay)))
    middle = float(np.median(outlay)) if len(outlay) else float("nan")
    when = f"\nmedian month {middle:.0f}" if np.isfinite(middle) else ""
    none = f", no outlay in {len(months) - len(outlay)}" if len(outlay) < len(months) else ""
    label = (
        f"{name}\nhorizon: {format_number(float(q[1, -1]))} million yuan\n"
        f"paid back for good: {paid}/{len(months)} runs{none}{when}"
    )
    ax.plot(x, q[1], color=colour, linewidth=2, label=label, gid=_RUN)
    if np.isfinite(middle):
        ax.plot([middle], [0.0], marker="o", color=colour)


def payback_survival(
    ds: Runs,
    *,
    party: Literal["enterprise", "platform", "government"] = "enterprise",
    discounted: bool = False,
    label: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Payback for good: Kaplan-Meier curves of the contracts, or the government's cumulative fiscal balance.

    Enterprise and platform: the share of contracts not yet paid back, by
    months since signing, with its 90% confidence band
    (:data:`KM_CONFIDENCE`; ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``,
    its ``confidence_interval``).  Contracts of all replications are pooled;
    a contract not paid back by the horizon is right-censored at its
    follow-up, ``horizon_months - floor(signed_month)`` months, as in
    :func:`dxsim.analysis.metrics.summarize`.

    Government (one payback per run, against the counterfactual): the
    running total of the fiscal flow (taxes gained minus public money, with
    the programme minus without it,
    :func:`dxsim.analysis.additionality.fiscal_flow`), million yuan, by months
    since the start: median and 5-95% band over replications.  The
    counterfactual is the one the run holds (``dx.simulate(...,
    counterfactual=True)``), else it runs now (with a progress bar on a terminal).

    Parameters
    ----------
    ds : xarray.Dataset or mapping of str to xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep), or several
        by their labels, one colour each.
    party : {"enterprise", "platform", "government"}
        Whose payback: the enterprise's (``payback_months``,
        ``payback_censored``), the platform's on the contract
        (``platform_payback_months``, ``platform_payback_censored``) or the government's.
    discounted : bool
        The discounted paybacks (``*_discounted_*``; the government's flow at
        the social discount rate of the scenario's ``[appraisal]``).
    label : str, optional
        The run's name in the legend (default: the party).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default. Call again on the same Axes
        to overlay the other party or another run: one legend, a colour each.

    Returns
    -------
    matplotlib.axes.Axes
        Contracts: a step line per run (survival, dimensionless share, from 1
        at 0 months) and its band; its legend entry gives the name, the number
        of contracts, how many are censored and the Kaplan-Meier median
        (:func:`dxsim.analysis.survival.km_median`; "beyond follow-up" when
        the curve never reaches one half).  Government: the median balance
        line and its band; the legend gives the balance at the horizon, in how
        many runs it paid back for good and in how many it had no outlay.

    Raises
    ------
    ValueError
        If the party is unknown or there is no contract.
    """
    if party not in ("enterprise", "platform", "government"):
        raise ValueError(f"party must be 'enterprise', 'platform' or 'government', got {party!r}")
    runs = _runs(ds, label)
    ax = _axes(ax)
    for name, run in runs:
        run = _one_point(run, "payback_survival")
        if party == "government":
            _government_balance(ax, run, name or party, discounted)
        else:
            _km_curve(ax, run, party, name or party, discounted)
    kind = "discounted payback" if discounted else "payback"
    n = _replications(runs[-1][1])
    if party == "government":
        _government_axes(ax, discounted, "per run" if _several(runs) else f"over {n} replications")
    else:
        whose = f" of the {party}" if _several(runs) else ""
        pooled = "replications pooled per run" if _several(runs) else f"{n} replications pooled"
        _title(
            ax,
            f"{_capitalised(kind)}{whose}: share of contracts not yet paid back\n"
            f"Kaplan-Meier, {pooled}; shades: {KM_CONFIDENCE:.0%} confidence bands",
        )
        ax.set_xlabel("time since signing (months)")
        ax.set_ylabel("share not yet paid back (1)")
        ax.axhline(0.5, color="0.5", linestyle=":", linewidth=1)
        ax.set_ylim(0.0, 1.02)
        ax.set_xlim(left=-0.01 * max(float(ax.dataLim.x1), 1.0))  # a drop at 0 months stays visible
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return ax


def _government_axes(ax: Axes, discounted: bool, replications: str) -> None:
    """Title and labels of the government's balance."""
    kind = "discounted at the social rate, " if discounted else ""
    _title(
        ax,
        "Government: cumulative fiscal balance against the counterfactual\n"
        f"(taxes gained - public money); median and 90% band {replications}",
    )
    ax.set_xlabel("months since the start (months)")
    ax.set_ylabel(f"cumulative fiscal balance ({kind}million yuan)")
    ax.axhline(0.0, color="0.3", linewidth=0.8)


# --------------------------------------------------------------------------- money


def _who_pays_groups(ds: xr.Dataset, by: str) -> tuple[list[str], list[xr.DataArray], str]:
    """(group names, contract masks, axis label) of :func:`who_pays`."""
    if by == "total":
        return ["all contracts"], [xr.ones_like(ds["signed_month"], dtype=bool)], "contracts"
    if by in ("industry", "platform"):
        groups = [str(v) for v in ds[by].values]
        code = ds[f"adopter_{by}"]
        return groups, [code == k for k in range(len(groups))], by
    raise ValueError(f"by must be 'total', 'industry' or 'platform', got {by!r}")


def _who_pays_bars(ds: Runs, by: str) -> tuple[list[str], dict[str, NDArray[np.float64]], str, list[int]]:
    """(bar names, million yuan per variable and bar, axis label, replications per run) of :func:`who_pays`.

    One run: a bar per group. Several: a bar per run and group, named by the
    run (``"10%"``) or by the run and the group (``"10%: manufacturing"``), the runs in their order.
    """
    runs = _runs(ds, None)
    names: list[str] = []
    lengths: dict[str, list[float]] = {var: [] for _, var, _ in _CONTRIBUTIONS}
    label, replications = "contracts", []
    for run_name, run in runs:
        run = _one_point(run, "who_pays")
        groups, masks, label = _who_pays_groups(run, by)
        if run_name is None or not _several(runs):
            names += groups
        else:
            names += [run_name] if by == "total" else [f"{run_name}: {g}" for g in groups]
        for _, var, _ in _CONTRIBUTIONS:
            lengths[var] += [float(run[var].where(m).sum("adopter").mean("replication")) / MILLION for m in masks]
        replications.append(_replications(run))
    if _several(runs):
        label = "run" if by == "total" else f"run: {label}"
    return names, {var: np.array(v) for var, v in lengths.items()}, label, replications


def who_pays(
    ds: Runs,
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
    ds : xarray.Dataset or mapping of str to xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep), or
        several runs by their labels: their bars side by side on one scale,
        each named by its run's label (and group).
    by : {"total", "industry", "platform"}
        One bar for all contracts (of each run), or one per industry
        (``adopter_industry``) or per platform (``adopter_platform``).  More
        than six bars are drawn horizontally, one readable label per bar (a
        new figure grows with them).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.containers`` holds one BarContainer per party, in the order
        government, platform, enterprise; bar lengths are in million yuan
        (heights of upright bars, widths of horizontal ones), the runs' bars
        in the mapping's order.  Negative contributions are stacked below
        zero. The total is written at the end of each bar.
    """
    groups, lengths, group_label, replications = _who_pays_bars(ds, by)
    flat = len(groups) > _MAX_UPRIGHT_BARS
    ax = _axes(ax, figsize=(7.0, max(4.5, 0.22 * len(groups) + 1.8)) if flat else (7.0, 4.5))
    xs = np.arange(len(groups))
    up, down = np.zeros(len(groups)), np.zeros(len(groups))
    for party, var, colour in _CONTRIBUTIONS:
        h = lengths[var]
        start = np.where(h >= 0, up, down)
        if flat:
            ax.barh(xs, h, left=start, color=colour, height=0.7, label=f"{party} ({var})")
        else:
            ax.bar(xs, h, bottom=start, color=colour, width=0.6, label=f"{party} ({var})")
        up += np.where(h >= 0, h, 0.0)
        down += np.where(h < 0, h, 0.0)
    _who_pays_axes(ax, groups, group_label, up, up + down, flat)
    n = set(replications)
    over = f"{n.pop()} replication{'s' * (replications[0] != 1)}" if len(n) == 1 else "each run's replications"
    _title(ax, f"Who pays for the contracts\nmean over {over}, within the horizon")
    _legend(ax, title="party (variable)")
    return ax


def _who_pays_axes(
    ax: Axes, groups: list[str], group_label: str, ends: NDArray[np.float64], totals: NDArray[np.float64], flat: bool
) -> None:
    """Ticks, totals and labels of :func:`who_pays` (upright or horizontal bars)."""
    xs = np.arange(len(groups))
    value_label = "contribution (million yuan)"
    small = "small" if len(groups) > 12 else None
    for x, end, total in zip(xs, ends, totals, strict=True):
        text = format_number(float(total))
        if flat:
            ax.annotate(text, (end, x), xytext=(3, 0), textcoords="offset points", ha="left", va="center",
                        fontsize=small or "medium")  # fmt: skip
        else:
            ax.annotate(text, (x, end), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom")
    if flat:
        ax.set_yticks(xs, groups, fontsize=small)
        ax.set_ylim(len(groups) - 0.4, -0.6)  # the first group on top
        ax.set_ylabel(group_label)
        ax.set_xlabel(value_label)
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.margins(x=0.12)
        ax.grid(True, axis="x", alpha=0.3)
    else:
        ax.set_xticks(xs, groups, rotation=30 if len(groups) > 3 else 0, ha="right" if len(groups) > 3 else "center",
                      rotation_mode="anchor")  # fmt: skip
        ax.set_xlim(-0.8, len(groups) - 0.2)
        ax.set_xlabel(group_label)
        ax.set_ylabel(value_label)
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        ax.margins(y=0.12)
        ax.grid(True, axis="y", alpha=0.3)


def _batch_windows(ds: xr.Dataset) -> list[tuple[float, float]]:
    """(opens, closes) of each batch as matplotlib dates: :func:`dxsim.analysis.budget.batch_windows`, in dates.

    Empty if the attrs hold no readable scenario.
    """
    scenario = _scenario(ds)
    if scenario is None:
        return []
    return [(_date_num(scenario, lo), _date_num(scenario, hi)) for lo, hi in batch_windows(scenario)]


def _date_num(scenario: Scenario, months: float) -> float:
    """Matplotlib date (days) of a model time (months since ``start``): the inverse of ``Scenario.month_of``."""
    from matplotlib.dates import date2num

    whole = int(np.floor(months))
    first = add_months(scenario.start, whole)
    days = calendar.monthrange(first.year, first.month)[1]
    return float(date2num(first)) + (months - whole) * days


#: Legend entry of a batch's close on :func:`budget_burndown`: its money lapses, or rolls over (dotted).
_BATCH_CLOSES = {
    False: "batch closes: what it has not committed lapses",
    True: "batch closes: what it has not committed rolls over to the next batch",
}


def budget_burndown(ds: Runs, *, label: str | None = None, ax: Axes | None = None) -> Axes:
    """Uncommitted budget of the batches not yet closed over time: median and 5-95% band over replications.

    ``budget_remaining`` counts the batches whose window has not closed by
    the end of the month (those still to open included).  When a batch
    closes, the money it has not committed **lapses** (unless
    ``programme.rollover`` moves it to the next batch, the first opening at
    or after the close; the last batch's money lapses all the same): the
    line falls at a lapsing close however much was left, so a fall to 0
    there is money not spent, not a budget used up.  Each close is marked:
    dashed where the money lapses, dotted where it rolls over.

    Parameters
    ----------
    ds : xarray.Dataset or mapping of str to xarray.Dataset
        Output of :func:`dxsim.simulate` (or one point of a sweep), or several by their labels.
    label : str, optional
        The run's name in the legend, as in :func:`adoption_fan`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes
        Per run the median of ``budget_remaining`` (million yuan, end of
        month; ``label="median"`` for an unlabelled run) and its 5-95% band
        against the ``month`` coordinate; the batches' application windows
        (from the first run's scenario in ``ds.attrs``;
        :func:`dxsim.analysis.budget.batch_windows`, from the start of the
        opening day to the end of the closing day) are shaded and each close
        is marked by a vertical line at the first month whose value leaves
        the batch out (:func:`dxsim.analysis.budget.batch_closes`): dashed,
        "batch closes: what it has not committed lapses", or dotted, "...
        rolls over to the next batch" where ``programme.rollover`` has a
        batch to move it to.
    """
    runs = _runs(ds, label)
    ax = _axes(ax)
    n = 0
    for name, run in runs:
        run = _one_point(run, "budget_burndown")
        values = np.asarray(run["budget_remaining"].transpose("replication", "month").values, dtype=float) / MILLION
        _fan(ax, run["month"].values, values, name, bands=_BANDS[:1])
        n = _replications(run)
    if "batch open" not in ax.get_legend_handles_labels()[1]:
        first = _one_point(runs[0][1], "budget_burndown")
        windows = _batch_windows(first)
        for k, (opens, closes) in enumerate(windows):
            ax.axvspan(opens, closes, color="0.5", alpha=0.12, linewidth=0, label="batch open" if k == 0 else None)
        if _scenario(first) is not None:
            for m, rolls in batch_closes(first).items():
                entry = _BATCH_CLOSES[rolls]
                ax.axvline(first["month"].values[m], color="0.3", linestyle=":" if rolls else "--", linewidth=1.0,
                           label=None if entry in ax.get_legend_handles_labels()[1] else entry)  # fmt: skip
    how = "median (line) and 90% band (shade) per run" if _several(runs) else f"{n} replications"
    _title(ax, f"Budget not yet committed in the batches not yet closed\n{how}")
    ax.set_xlabel(_MONTH_LABEL)
    ax.set_ylabel("budget_remaining (million yuan)")
    ax.set_ylim(bottom=0.0)
    ax.grid(True, alpha=0.3)
    _legend(ax)
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


def _plain_log_ticks(ax: Axes) -> None:
    """Log axes labelled 0.4, 20, 1,000 (:func:`dxsim.tables.format_number`) rather than 4 x 10^-1.

    An axis spanning less than a decade also labels its minor ticks (else it might show no number at all).
    """
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _: format_number(float(value)))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(plain)
        low, high = sorted(axis.get_view_interval())
        if low > 0 and high / low < 10:
            axis.set_minor_formatter(plain)


def _named_platforms(plat: NDArray[np.int64], count: int) -> list[int]:
    """The platforms a legend names one by one: all if they fit, else those with the most points."""
    if count <= MAX_LEGEND_ENTRIES:
        return list(range(count))
    points = np.bincount(plat, minlength=count)
    return sorted(np.argsort(-points, kind="stable")[: MAX_LEGEND_ENTRIES - 1].tolist())


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
        Scatters of ``unit_cost`` (million yuan) against ``experience + 1``
        (deployments): one per platform when there are at most
        :data:`MAX_LEGEND_ENTRIES`, else one for each of the
        ``MAX_LEGEND_ENTRIES - 1`` platforms with the most points and one, in
        grey, for all the others ("other platforms (N)"); and the fitted line
        through the pooled means, labelled with the estimated progress ratio
        ``2 ** slope`` (see :func:`progress_ratio`).
    """
    ds = _one_point(ds, "wrights_law")
    x, y, plat = wright_points(ds, replication)
    slope, _ = fit_slope(x, y, plat)
    pr = 2.0**slope
    names = [str(p) for p in ds["platform"].values]
    ax = _axes(ax)
    named = _named_platforms(plat, len(names))
    for colour, k in enumerate(named):
        sel = plat == k
        if sel.any():
            ax.scatter(np.exp(x[sel]), np.exp(y[sel]) / MILLION, s=14, alpha=0.6, color=f"C{colour}", label=names[k])
    others = ~np.isin(plat, named)
    if others.any():
        rest = len(names) - len(named)
        ax.scatter(np.exp(x[others]), np.exp(y[others]) / MILLION, s=10, alpha=0.3, color="0.6",
                   label=f"other platforms ({rest})")  # fmt: skip
    if len(x) and np.isfinite(slope):
        grid = np.linspace(float(x.min()), float(x.max()), 50)
        line = float(y.mean()) + slope * (grid - float(x.mean()))
        ax.plot(np.exp(grid), np.exp(line) / MILLION, color="black", linewidth=2, label=f"fit: progress ratio {pr:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    which = "all replications" if replication is None else f"replication {ds['replication'].values[replication]}"
    known = _scenario_progress_ratio(ds)
    scenario = f", scenario progress ratio {known:g}" if known is not None else ""
    _title(ax, f"Wright's law of the platforms' delivery cost\n{which}{scenario}")
    ax.set_xlabel("experience + 1 (deployments)")
    ax.set_ylabel(f"unit_cost ({in_millions(1.0, _units(ds['unit_cost']))[1]})")
    ax.grid(True, which="both", alpha=0.3)
    _legend(ax, title="platform" if len(names) > 1 else None)
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
            da, units = in_millions(da, units)
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
        contracts; money (yuan) is shown in million yuan; or a callable taking one point of the sweep (a Dataset
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
    >>> sw = dx.sweep(sc, {"contract.platform_discount": [0.0, 0.2], "industry_defaults.imitation": [0.2, 0.25]}, seed=1)
    >>> ax = heatmap(sw, "adopters", "contract.platform_discount", "industry_defaults.imitation")
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
    _title(ax, f"{described}\nmean over {n} replication{'s' if n != 1 else ''}")
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
    _title(ax, f"{method} of {label} ({units}), {int(si.attrs.get('n', 0))} base samples")
    if sobol:
        ax.axvline(0.0, color="grey", linewidth=0.8)
        _legend(ax)
    return ax
