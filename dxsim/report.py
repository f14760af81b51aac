"""A self-contained HTML report of a run, of several runs side by side, or of a sweep: one file, no external resources.

:func:`render` returns the HTML text, :func:`write_report` writes it
atomically, :func:`open_results` (:func:`dxsim.results.io.open_results`,
re-exported here) reads what ``dxsim run`` or ``dxsim sweep`` wrote.  The
page of a run has the scenario and its provenance (name, seed, dxsim version,
replications, date), the scenario's summary and TOML, and:

* Headline: :func:`dxsim.headline` (``<table id="headline">``) and the median
  payback for good of the enterprise, the platform and the government;
* Payback for good: :func:`dxsim.studies.appraisal.payback`'s table, simple
  (``<table id="payback">``) and discounted (``id="payback-discounted"``),
  the Kaplan-Meier curves of the enterprises and the platforms with their
  confidence bands, and the government's cumulative fiscal balance;
* Appraisal against the counterfactual: :func:`dxsim.studies.appraisal.appraisal`
  as a table with intervals (``id="appraisal"``: fiscal balance and NPV, social
  NPV, deadweight windows, timing additionality, net leverage, incidence)
  and the additional adopters month by month;
* Figures: adoption, who pays for the contracts, the budget burn-down
  (``budget_remaining``, each batch's close marked: what a batch has not
  committed at its close lapses, it is not spent, or rolls over to the next
  batch under ``programme.rollover``) and Wright's law; under them the
  budget in numbers (``<table id="budget">``,
  :func:`dxsim.analysis.budget.budget_account`: the budget, the public money
  paid, what is committed and not yet paid, what lapsed at the closes
  (``budget_lapsed``), what is left).

The payback and appraisal sections use the counterfactual the run holds
(``dxsim run --counterfactual``) and run it only when it is missing (the page
says which).  Money is in million yuan (:func:`dxsim.tables.in_millions`;
the ``data-*`` attributes keep the Dataset's units).  Figures are PNG images
inlined as ``data:`` URIs (matplotlib's Agg renderer, no pyplot state).

Several runs (a mapping ``{label: Dataset}``) are put side by side: each
table has a column per run, each figure a line per run, and who pays a
stacked bar per run on one scale (Wright's law is drawn for a single run
only: its points are per platform).  For a sweep the
headline table has one row per point, heat maps of adopters and public money
cover every pair of swept dimensions, and the sections above show the sweep's
first point.

>>> import dxsim as dx
>>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=2, seed=1)
>>> page = render(ds)
>>> '<table id="headline"' in page, '<table id="appraisal"' in page, page.count('src="data:image/png;base64,')
(True, True, 7)
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from dxsim import plot
from dxsim._version import __version__
from dxsim.analysis.budget import BUDGET_ACCOUNT, budget_account
from dxsim.analysis.metrics import HEADLINE, METRICS, headline, quantile
from dxsim.analysis.payback import NO_OUTLAY, PAYBACK_STATISTICS
from dxsim.analysis.sweeps import point_indices
from dxsim.atomic import atomic_path
from dxsim.results.io import check_results, open_results
from dxsim.results.pairing import attach_counterfactual, counterfactual_of
from dxsim.results.provenance import OVERRIDES, scenario_of
from dxsim.results.schema import sweep_dims
from dxsim.studies.appraisal import appraisal
from dxsim.studies.counterfactual import counterfactual_run
from dxsim.tables import appraisal_rows, format_number, in_millions, no_outlay, payback_of, payback_rows

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["open_results", "render", "write_report"]

_FIGSIZE = (7.0, 4.5)  # inches, as dxsim.plot draws them
_DPI = 100
#: At most this many heat maps per metric (a sweep of three or more dimensions has one per pair and point).
MAX_HEATMAPS = 12
#: A sweep up to this size (bytes) is read into memory once; a larger one point by point.
_LOAD_BYTES = 1 << 30
#: Central probability of every interval on the page.
_INTERVAL = 0.90
_LOW, _HIGH = "p5", "p95"

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1d1d1f; background: #fff; margin: 0; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid #dde3ea; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p.note { color: #555; font-size: 0.92em; margin: 0.3em 0 0.8em; }
dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0.6em 0;
                background: #f5f7fa; border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 16px; }
dl.provenance dt { font-weight: 600; color: #444; }
dl.provenance dd { margin: 0; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: #f5f7fa; border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 14px;
      font-size: 0.88em; overflow-x: auto; margin: 0.5em 0; }
details { margin: 0.6em 0; }
details > summary { cursor: pointer; color: #1f5fa8; font-weight: 600; }
details pre { max-height: 480px; overflow: auto; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.93em; }
th, td { border: 1px solid #d5dbe3; padding: 5px 10px; vertical-align: top; }
thead th { background: #eaf0f6; text-align: center; }
tbody tr:nth-child(even) { background: #f8fafc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
th.dim { max-width: 160px; }
td.metric { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
td.meaning { color: #555; font-size: 0.9em; max-width: 420px; }
td .interval { color: #666; font-size: 0.88em; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(640px, 1fr)); gap: 18px; }
figure { margin: 0; border: 1px solid #e3e8ee; border-radius: 6px; padding: 8px; background: #fff; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: 0.88em; color: #555; margin-top: 6px; }
.missing { color: #8a4b00; background: #fff7e6; border: 1px solid #f0d9a8; border-radius: 6px; padding: 8px 12px; }
table.paybacks td.num { min-width: 7em; }
footer { margin-top: 2.5em; font-size: 0.85em; color: #777; }
"""


# --------------------------------------------------------------------------- formatting


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(x: float) -> str:
    """A number for a table cell (:func:`dxsim.tables.format_number`, infinity as ∞)."""
    return format_number(x, infinity="∞")


def _breakable(text: Any) -> str:
    """Escaped text that may wrap after dots and underscores (long dotted paths in table headers)."""
    return _esc(text).replace(".", ".<wbr>").replace("_", "_<wbr>")


def _raw(x: float) -> str:
    """The value of a ``data-*`` attribute: the float's repr (``nan``, ``inf`` as Python writes them)."""
    return repr(float(x))


def _label(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return f"{value:g}" if isinstance(value, float) else str(value)


def _missing(what: str, err: Exception) -> str:
    return f'<p class="missing">{_esc(what)}: not available: {_esc(err)}</p>'


# --------------------------------------------------------------------------- figures


def _png(draw: Callable[[Axes], Any], figsize: tuple[float, float] = _FIGSIZE) -> str:
    """Draw on a new Agg figure (no pyplot) and return it as a base64 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty log axes, all-NaN quantiles: the figure says what it has
        draw(ax)
        buf = BytesIO()
        fig.savefig(buf, format="png", dpi=_DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


#: A figure of the page: (caption, what draws it on an Axes, size in inches).
_Drawing = tuple[str, Callable[["Axes"], Any], tuple[float, float]]


def _figure(drawing: _Drawing) -> str:
    """A <figure> with the PNG inlined, or a note saying why it could not be drawn."""
    caption, draw, figsize = drawing
    try:
        data = _png(draw, figsize)
    except ValueError as err:  # documented by dxsim.plot: e.g. no contracts to estimate a payback curve on
        return f'<figure><p class="missing">{_esc(caption)}: not drawn: {_esc(err)}</p></figure>'
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(caption)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _figures(drawings: list[_Drawing]) -> str:
    return f'<div class="figures">{"".join(_figure(d) for d in drawings)}</div>'


def _contract_paybacks(runs: plot.Runs, party: str | None = None) -> Callable[[Axes], Any]:
    """Kaplan-Meier curves: both parties of one run, or one party of several runs."""

    def draw(ax: Axes) -> None:
        for who in ("enterprise", "platform") if party is None else (party,):
            plot.payback_survival(runs, party=who, ax=ax)

    return draw


def _payback_drawings(runs: plot.Runs) -> list[_Drawing]:
    """The payback figures: one run's two parties on one axis, or each party with a line per run."""
    government: _Drawing = (
        "Government: cumulative fiscal balance against the counterfactual (median, 90% band over replications)",
        lambda ax: plot.payback_survival(runs, party="government", ax=ax),
        _FIGSIZE,
    )
    if isinstance(runs, xr.Dataset):
        km = "Payback of the enterprise and of the platform (Kaplan-Meier, 90% confidence bands)"
        return [(km, _contract_paybacks(runs), _FIGSIZE), government]
    return [
        (f"Payback of the {party} (Kaplan-Meier, 90% confidence bands)", _contract_paybacks(runs, party), _FIGSIZE)
        for party in ("enterprise", "platform")
    ] + [government]


def _appraisal_drawings(runs: plot.Runs) -> list[_Drawing]:
    """The appraisal's figure: additional adopters month by month (of runs, or of their appraisals)."""
    caption = "Additional adopters over time: with the programme minus without it (median, 50% / 90% bands)"
    return [(caption, lambda ax: plot.additional_adopters(runs, ax=ax), _FIGSIZE)]


_WHO_PAYS = "Who pays for the contracts: government, platform and enterprise, mean over replications (million yuan)"
_WHO_PAYS_RUNS = (
    "Who pays for the contracts: a bar per run, on one scale; government, platform and enterprise, mean over "
    "replications (million yuan)"
)
_BURNDOWN = (
    "Budget burn-down: budget_remaining, the money not yet committed in the batches not yet closed (those still to "
    "open included). At a batch's close (dashed line) the money it has not committed lapses: it is not spent, so a "
    "fall at a close is not a budget used up (the table below gives the money paid, committed, lapsed and left)"
)
_BURNDOWN_ROLLOVER = (
    "Budget burn-down: budget_remaining, the money not yet committed in the batches not yet closed (those still to "
    "open included). At a batch's close the money it has not committed rolls over to the next batch under "
    "programme.rollover (dotted line); it lapses without it and where no batch is to come (dashed line): money that "
    "lapses is not spent, so a fall at a dashed line is not a budget used up"
)


def _burndown_caption(runs: plot.Runs) -> str:
    """The burn-down's caption: what a fall at a close means (lapse, or rollover if any run rolls over)."""
    datasets = [runs] if isinstance(runs, xr.Dataset) else list(runs.values())
    rollover = any(scenario_of(ds).programme.rollover for ds in datasets)
    return _BURNDOWN_ROLLOVER if rollover else _BURNDOWN


def _run_drawings(runs: plot.Runs) -> list[_Drawing]:
    """The general figures: adoption, who pays (a bar per run), the budget, Wright's law (one run)."""
    single = isinstance(runs, xr.Dataset)
    drawings: list[_Drawing] = [
        ("Adopters over time: median and 50% / 90% bands", lambda ax: plot.adoption_fan(runs, ax=ax), _FIGSIZE),
        (_WHO_PAYS if single else _WHO_PAYS_RUNS, lambda ax: plot.who_pays(runs, ax=ax), _FIGSIZE),
        (_burndown_caption(runs), lambda ax: plot.budget_burndown(runs, ax=ax), _FIGSIZE),
    ]
    if isinstance(runs, xr.Dataset):
        one = runs  # narrowed for the lambda
        drawings.append(
            ("Wright's law of the platforms' delivery cost", lambda ax: plot.wrights_law(one, ax=ax), _FIGSIZE)
        )
    return drawings


def _budget_rows(ds: xr.Dataset) -> pd.DataFrame:
    """:func:`dxsim.analysis.budget.budget_account` in the long form of the tables (mean, low, high, units, meaning)."""
    account = budget_account(ds)
    lo, hi = (1 - _INTERVAL) / 2, 1 - (1 - _INTERVAL) / 2
    rows = {}
    for name, (units, meaning) in BUDGET_ACCOUNT.items():
        v = account[name].to_numpy(dtype=float)
        rows[name] = {"mean": float(v.mean()), "low": quantile(v, lo), "high": quantile(v, hi), "units": units,
                      "meaning": meaning}  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index")


_BUDGET_NOTE = (
    "The budget burn-down in numbers: mean and 90% interval over replications, million yuan. The budget is "
    "paid, committed to signed contracts (paid later, or released), lapsed (not spent: what batches had not "
    "committed when they closed) or left."
)
_LAPSES = " Without programme.rollover a batch's uncommitted money lapses at its close, however much was left."
_ROLLS_OVER = (
    " Under programme.rollover{which} a batch's uncommitted money moves at its close to the next batch and stays "
    "in budget_remaining; it lapses only where no batch opens at or after the close (as the last batch's does)."
)


def _budget_note(runs: Mapping[str, xr.Dataset]) -> str:
    """The note above the budget table: what lapsed means, lapse or rollover as the runs have it."""
    rolling = [name for name, ds in runs.items() if scenario_of(ds).programme.rollover]
    note = _BUDGET_NOTE
    if len(rolling) < len(runs):
        note += _LAPSES
    if rolling:
        which = "" if len(rolling) == len(runs) else f" ({', '.join(rolling)})"
        note += _ROLLS_OVER.format(which=which)
    return f'<p class="note">{_esc(note)}</p>'


def _budget_section(runs: Mapping[str, xr.Dataset]) -> list[str]:
    """The budget table under the figures: one run's, or the runs' side by side."""
    rows = {name: _budget_rows(ds) for name, ds in runs.items()}
    table = _single_table("budget", next(iter(rows.values()))) if len(rows) == 1 else _runs_table("budget", rows)
    return ["<h3>Budget: paid, committed, lapsed, left</h3>", _budget_note(runs), table]


def _heatmap_size(nx: int, ny: int) -> tuple[float, float]:
    return (1.6 * nx + 3.0, 1.1 * ny + 2.5)  # as dxsim.plot.heatmap sizes its own figure


def _heatmap(data: xr.Dataset, metric: str, x: str, y: str) -> Callable[[Axes], Any]:
    def draw(ax: Axes) -> Axes:
        return plot.heatmap(data, metric, x, y, ax=ax)

    return draw


#: Heat maps of a sweep: (name in the captions, variable; public money is shown in million yuan).
_HEATMAP_METRICS = (("adopters", "adopters"), ("public money", "public_money"))


def _heatmaps(ds: xr.Dataset) -> tuple[list[str], int]:
    """Heat maps of adopters and public money: one per pair of swept dimensions (and value of the others).

    A sweep of one dimension gets a one-row heat map.  Returns the figures and how many were left out.
    """
    varying = [str(d) for d in sweep_dims(ds) if ds.sizes[d] > 1]
    figures: list[str] = []
    left_off = 0
    if len(varying) == 1:
        (x,) = varying
        y = next(n for n in ("scenario", "sweep", "base", "_") if n not in ds.dims)
        one = ds.expand_dims({y: [str(ds.attrs.get("scenario_name", "scenario"))]})
        for name, metric in _HEATMAP_METRICS:
            figures.append(_figure((f"{name} by {x}", _heatmap(one, metric, x, y), _heatmap_size(ds.sizes[x], 1))))
        return figures, 0
    for name, metric in _HEATMAP_METRICS:
        drawn = 0
        for x, y in itertools.combinations(varying, 2):
            others = [d for d in varying if d not in (x, y)]
            for idx in itertools.product(*(range(ds.sizes[d]) for d in others)):
                if drawn == MAX_HEATMAPS:
                    left_off += 1
                    continue
                at = dict(zip(others, idx, strict=True))
                part = ds.isel(at) if at else ds
                where = ", ".join(f"{d} = {_label(ds[d].values[i])}" for d, i in at.items())
                caption = f"{name} over {x} and {y}" + (f" at {where}" if where else "")
                size = _heatmap_size(ds.sizes[x], ds.sizes[y])
                figures.append(_figure((caption, _heatmap(part, metric, x, y), size)))
                drawn += 1
    return figures, left_off


# --------------------------------------------------------------------------- tables


def _headline_rows(ds: xr.Dataset) -> pd.DataFrame:
    """:func:`dxsim.headline` in the long form of the tables below (mean, low, high, units, meaning)."""
    table = headline(ds, interval=_INTERVAL).rename(columns={_LOW: "low", _HIGH: "high"})
    table["meaning"] = [METRICS[str(m)][1] for m in table.index]
    return table


def _triple(table: pd.DataFrame, row: Any, columns: tuple[str, str, str]) -> tuple[float, float, float]:
    """(mean, low, high) of one row of a table, as floats."""
    mean, low, high = (float(table.loc[row, c]) for c in columns)
    return mean, low, high


def _cell(values: tuple[float, float, float], units: str, attrs: str = "", *, outlay: bool = True) -> str:
    """A ``<td>`` of one run: the mean (money in million yuan) over its interval; raw values in ``data-*``.

    Without ``outlay`` (a party that put nothing in, :func:`dxsim.tables.no_outlay`) it reads ``no outlay``.
    """
    mean, low, high = values
    shown = [in_millions(v, units)[0] for v in values]
    data = f'<td class="num"{attrs} data-mean="{_raw(mean)}" data-low="{_raw(low)}" data-high="{_raw(high)}">'
    if not outlay:
        return f"{data}{_esc(NO_OUTLAY)}</td>"
    return (
        f'{data}{_esc(_number(shown[0]))}<br><span class="interval">[{_esc(_number(shown[1]))}, '
        f"{_esc(_number(shown[2]))}]</span></td>"
    )


def _single_table(table_id: str, table: pd.DataFrame) -> str:
    """One run's long-form table: a row per metric, columns mean, p5, p95, units, meaning (or ``no outlay``)."""
    rows = []
    nothing = no_outlay(table)
    for metric, row in table.iterrows():
        units = str(row["units"])
        values = [float(row[c]) for c in ("mean", "low", "high")]
        cells = "".join(
            f'<td class="num" data-value="{_raw(v)}">'
            f"{_esc(NO_OUTLAY if metric in nothing else _number(in_millions(v, units)[0]))}</td>"
            for v in values
        )
        rows.append(
            f'<tr data-metric="{_esc(metric)}"><td class="metric">{_esc(metric)}</td>{cells}'
            f'<td>{_esc(in_millions(1.0, units)[1])}</td><td class="meaning">{_esc(row["meaning"])}</td></tr>'
        )
    return (
        f'<div class="scroll"><table id="{table_id}"><thead><tr><th>metric</th><th>mean</th>'
        f"<th>{_LOW}</th><th>{_HIGH}</th><th>units</th><th>meaning</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _runs_table(table_id: str, tables: Mapping[str, pd.DataFrame]) -> str:
    """Long-form tables of several runs side by side: a row per metric, a column per run (mean over [p5, p95])."""
    first = next(iter(tables.values()))
    head = "".join(f"<th>{_esc(run)}</th>" for run in tables)
    nothing = {run: no_outlay(t) for run, t in tables.items()}
    rows = []
    for metric in first.index:
        units = str(first.loc[metric, "units"])
        cells = "".join(
            _cell(
                _triple(t, metric, ("mean", "low", "high")),
                units,
                f' data-run="{_esc(run)}"',
                outlay=metric not in nothing[run],
            )
            if metric in t.index
            else '<td class="num">n/a</td>'
            for run, t in tables.items()
        )
        rows.append(
            f'<tr data-metric="{_esc(metric)}"><td class="metric">{_esc(metric)}</td>{cells}'
            f'<td>{_esc(in_millions(1.0, units)[1])}</td><td class="meaning">{_esc(first.loc[metric, "meaning"])}</td>'
            "</tr>"
        )
    return (
        f'<div class="scroll"><table id="{table_id}"><thead><tr><th>metric</th>{head}<th>units</th>'
        f"<th>meaning</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _payback_table(table_id: str, table: pd.DataFrame) -> str:
    """One run's :func:`dxsim.studies.appraisal.payback` table: a row per party, a column per statistic."""
    units = table.attrs.get("units", {})
    nothing = no_outlay(table)
    head = "".join(
        f'<th title="{_esc(meaning)}">{_breakable(name)} ({_esc(units.get(name, u))})</th>'
        for name, (u, meaning) in PAYBACK_STATISTICS.items()
    )
    rows = []
    for party in table.index:
        cells = "".join(
            _cell(
                _triple(table, party, (n, f"{n}_low", f"{n}_high")),
                "1",
                f' data-statistic="{n}"',
                outlay=party not in nothing,
            )
            for n in PAYBACK_STATISTICS
        )
        rows.append(f'<tr data-party="{_esc(party)}"><td class="metric">{_esc(party)}</td>{cells}</tr>')
    return (
        f'<div class="scroll"><table id="{table_id}" class="paybacks"><thead><tr><th>party</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _sweep_headline_table(ds: xr.Dataset) -> str:
    """The headline of every point of a sweep as ``<table id="headline">``: one row per point.

    Each metric's cell is its mean over replications with the 5-95% interval below it.
    """
    dims = sweep_dims(ds)
    head = "".join(f'<th rowspan="2" class="dim">{_breakable(d)}</th>' for d in dims)
    head += "".join(f'<th title="{_esc(METRICS[m][1])}">{_breakable(m)}</th>' for m in HEADLINE)
    units = "".join(f"<th>{_esc(in_millions(1.0, METRICS[m][0])[1])}</th>" for m in HEADLINE)
    rows = []
    for at in point_indices(ds):
        table = headline(ds.isel(at).load(), interval=_INTERVAL)
        keys = "".join(f'<td class="metric">{_esc(_label(ds[d].values[i]))}</td>' for d, i in at.items())
        cells = []
        for m in HEADLINE:
            mean, p_lo, p_hi = (float(v) for v in table.loc[m, ["mean", _LOW, _HIGH]].to_numpy(dtype=float))
            shown = [in_millions(v, METRICS[m][0])[0] for v in (mean, p_lo, p_hi)]
            cells.append(
                f'<td class="num" data-metric="{_esc(m)}" data-mean="{_raw(mean)}" data-{_LOW}="{_raw(p_lo)}" '
                f'data-{_HIGH}="{_raw(p_hi)}">{_esc(_number(shown[0]))}<br>'
                f'<span class="interval">[{_esc(_number(shown[1]))}, {_esc(_number(shown[2]))}]</span></td>'
            )
        rows.append(f"<tr>{keys}{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table id="headline"><thead><tr>{head}</tr><tr>{units}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


# --------------------------------------------------------------------------- the counterfactual and the analyses


@dataclass(frozen=True)
class _Analysed:
    """One run with its counterfactual inside, and what the page shows of it (or why it cannot)."""

    ds: xr.Dataset
    note: str
    paybacks: tuple[pd.DataFrame, pd.DataFrame] | None = None  # simple, discounted
    appraisal: xr.Dataset | None = None
    error: ValueError | None = None


def _analysed(ds: xr.Dataset, engine: dict[str, Any]) -> _Analysed:
    """The paybacks and the appraisal of a run: its stored counterfactual, else one run now (and attached)."""
    note = "stored in the results (dxsim run --counterfactual)"
    try:
        if counterfactual_of(ds) is None:
            ds = attach_counterfactual(ds, counterfactual_run(ds, **engine))
            note = "run for this report (dxsim run --counterfactual would have stored it)"
        simple, discounted = (payback_of(ds, interval=_INTERVAL, discounted=d) for d in (False, True))
        return _Analysed(ds, note, (simple, discounted), appraisal(ds))
    except ValueError as err:  # e.g. a scenario whose counterfactual cannot be run
        return _Analysed(ds, note, error=err)


def _median_paybacks(table: pd.DataFrame) -> str:
    """One sentence: each party's median payback for good with its interval (``no outlay``: nothing to pay back)."""
    nothing = no_outlay(table)
    parts = [
        f"{party} {NO_OUTLAY}"
        if party in nothing
        else f"{party} {_number(float(table.loc[party, 'median']))} months "
        f"[{_number(float(table.loc[party, 'median_low']))}, {_number(float(table.loc[party, 'median_high']))}]"
        for party in table.index
    ]
    return (
        '<p class="note headline-payback">Median payback for good (mean and 90% interval over replications; '
        f"∞: not paid back within the horizon; {NO_OUTLAY}: nothing put in, nothing to pay back): "
        f"{_esc('; '.join(parts))}.</p>"
    )


_PAYBACK_NOTE = (
    '<p class="note">Paid back for good: the first month after which the running total never again falls '
    "below zero; censored when it is negative at the horizon (∞); no outlay when the party put nothing in (the "
    "government: no public money and a fiscal balance never negative), left out of means and shares rather than "
    "counted as paid back at 0. Enterprise and platform per contract from its "
    "signing (Kaplan-Meier over contracts); the government per run from the start, as the fiscal flow with the "
    "programme minus without it (taxes gained - public money). Each cell: mean over replications, 90% interval "
    "below. Discounted: enterprise and platform at the scenario's discount rate, the government at the social "
    "discount rate. Counterfactual: {note}.</p>"
)

_APPRAISAL_NOTE = (
    '<p class="note">Every figure is the run minus its counterfactual (the scenario without the programme, same '
    "seed: common random numbers), per replication: mean and 90% interval over replications. Social discount "
    "rate {rate:g} / year, marginal cost of public funds {mcpf:g}, displacement share {displacement:g} "
    "(the scenario's [appraisal]). Money in million yuan. Read the additionality against the evidence: "
    "evaluations of SME subsidies find 40-80% deadweight; where deadweight_within_12 below is far lower, the "
    "additional adopters are nearer an upper bound than a central estimate (platform-pilot-2022: 0.9%, its "
    "outreach bringing firms that were not looking; docs/validation.md (b)).</p>"
)


def _appraisal_note(ap: xr.Dataset) -> str:
    a = ap.attrs
    return _APPRAISAL_NOTE.format(
        rate=a["social_discount_rate"], mcpf=a["marginal_cost_of_public_funds"], displacement=a["displacement_share"]
    )


def _analysis_sections(runs: Mapping[str, _Analysed]) -> list[str]:
    """The sections "Payback for good" and "Appraisal against the counterfactual", of one run or side by side."""
    ok = {name: run for name, run in runs.items() if run.error is None}
    failed = "".join(_missing(f"paybacks and appraisal of {name}", run.error) for name, run in runs.items()
                     if run.error is not None)  # fmt: skip
    parts = ["<h2>Payback for good</h2>", failed]
    if not ok:
        return [*parts, "<h2>Appraisal against the counterfactual</h2>", failed]
    single = len(runs) == 1
    one = next(iter(ok.values()))
    notes = "; ".join(f"{n}: {r.note}" for n, r in ok.items()) if not single else one.note
    parts.append(_PAYBACK_NOTE.format(note=_esc(notes)))
    tables = {n: r.paybacks for n, r in ok.items() if r.paybacks is not None}  # all of them: no error
    for table_id, k, what in (("payback", 0, "Simple"), ("payback-discounted", 1, "Discounted")):
        parts.append(f"<h3>{what}</h3>")
        if single:
            parts.append(_payback_table(table_id, next(iter(tables.values()))[k]))
        else:
            parts.append(_runs_table(table_id, {n: payback_rows(both[k]) for n, both in tables.items()}))
    datasets: plot.Runs = one.ds if single else {n: r.ds for n, r in ok.items()}
    parts.append(_figures(_payback_drawings(datasets)))
    aps = {n: r.appraisal for n, r in ok.items() if r.appraisal is not None}
    rows = {n: appraisal_rows(ap, interval=_INTERVAL) for n, ap in aps.items()}
    parts += [
        "<h2>Appraisal against the counterfactual</h2>",
        _appraisal_note(next(iter(aps.values()))),
        _single_table("appraisal", next(iter(rows.values()))) if single else _runs_table("appraisal", rows),
    ]
    parts.append(_figures(_appraisal_drawings(next(iter(aps.values())) if single else aps)))
    return parts


# --------------------------------------------------------------------------- the page


def _provenance_items(ds: xr.Dataset, source: str | None) -> list[tuple[str, str]]:
    sweep = sweep_dims(ds)
    items: list[tuple[str, str]] = [("scenario", str(ds.attrs.get("scenario_name", "?")))]
    if source:
        items.append(("results", source))
    items += [
        ("seed", str(ds.attrs.get("seed", "?"))),
        ("replications", f"{ds.sizes.get('replication', 1)}" + (" per point" if sweep else "")),
        ("dxsim version", str(ds.attrs.get("dxsim_version", "?"))),
    ]
    if sweep:
        shape = " × ".join(f"{d} {ds.sizes[d]}" for d in sweep)
        points = math.prod(ds.sizes[d] for d in sweep)
        items.append(("sweep", f"{points} point{'s' * (points != 1)} ({shape})"))
    if "month" in ds.coords and ds.sizes.get("month"):
        months = pd.DatetimeIndex(ds["month"].values)
        items.append(("horizon", f"{months[0]:%Y-%m} to {months[-1]:%Y-%m} ({len(months)} months)"))
    return items


def _report_item() -> tuple[str, str]:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return ("report", f"{when}, dxsim {__version__}")


def _provenance(ds: xr.Dataset, source: str | None) -> str:
    items = [*_provenance_items(ds, source), _report_item()]
    body = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    return f'<dl class="provenance">{body}</dl>'


def _scenario_parts(ds: xr.Dataset, heading: str = "<h2>Scenario</h2>") -> list[str]:
    """The scenario's summary and its TOML, with the seed the run used (a file of 0.5.1 may store another)."""
    scenario = scenario_of(ds, base=True)
    return [
        heading,
        f"<pre>{_esc(scenario.summary())}</pre>",
        "<details><summary>Scenario TOML (reproduces the results: its seed is the run's)</summary>"
        f"<pre>{_esc(scenario.to_toml())}</pre></details>",
    ]


def _first_point(ds: xr.Dataset) -> xr.Dataset:
    """The sweep's first point as a single run's Dataset, with its own scenario (:func:`dxsim.scenario_of`:
    the base with the point's overrides) in the attrs, so that the figures use its batches, horizon and
    progress ratio."""
    point = ds.isel({d: 0 for d in sweep_dims(ds)}).load()
    scenario = scenario_of(point)
    point = point.drop_vars(OVERRIDES, errors="ignore")
    point.attrs.pop("sweep", None)
    point.attrs.update(scenario=scenario.to_toml(), horizon_months=scenario.horizon_months)
    return point


_HEADLINE_NOTE = (
    '<p class="note">Mean and 5-95% interval over replications; stocks at the end of the horizon, money in '
    "million yuan, payback in months from signing (Kaplan-Meier; ∞: beyond the follow-up).</p>"
)


def _run_parts(ds: xr.Dataset, engine: dict[str, Any]) -> list[str]:
    """The sections of one run's page after its scenario."""
    run = _analysed(ds, engine)
    return [
        "<h2>Headline</h2>",
        _HEADLINE_NOTE,
        _single_table("headline", _headline_rows(ds)),
        _median_paybacks(run.paybacks[0]) if run.paybacks is not None else "",
        *_analysis_sections({"run": run}),
        "<h2>Figures</h2>",
        _figures(_run_drawings(ds)),
        *_budget_section({"run": ds}),
    ]


def _sweep_parts(ds: xr.Dataset, engine: dict[str, Any]) -> list[str]:
    """The sections of a sweep's page after its scenario."""
    dims = sweep_dims(ds)
    if ds.nbytes <= _LOAD_BYTES:  # a store opens lazily; read it once rather than point by point
        ds = ds.compute()
    where = ", ".join(f"{d} = {_label(ds[d].values[0])}" for d in dims)
    maps, left_off = _heatmaps(ds)
    parts = [
        "<h2>Headline per point</h2>",
        '<p class="note">Each cell: mean over replications, 5-95% interval below; stocks at the end of the '
        "horizon, money in million yuan, payback in months from signing (Kaplan-Meier; ∞: beyond the follow-up).</p>",
        _sweep_headline_table(ds),
        "<h2>Heat maps</h2>",
        '<p class="note">Mean over replications at each point: adopters at the end of the horizon, '
        "public money paid within it.</p>",
        f'<div class="figures">{"".join(maps)}</div>'
        if maps
        else '<p class="missing">No heat map: no swept dimension has more than one value.</p>',
    ]
    if left_off:
        parts.append(f'<p class="note">{left_off} more heat maps left out (at most {MAX_HEATMAPS} per metric).</p>')
    first = _first_point(ds)
    parts += [f'<p class="note">The sections below show the first point ({_esc(where)}).</p>']
    parts += _analysis_sections({"first point": _analysed(first, engine)})
    parts += [f"<h2>Figures of the first point ({_esc(where)})</h2>", _figures(_run_drawings(first))]
    parts += _budget_section({"first point": first})
    return parts


def _compared_parts(runs: Mapping[str, xr.Dataset], sources: Mapping[str, str], engine: dict[str, Any]) -> list[str]:
    """The page of several runs side by side: provenance, scenarios, headline, paybacks, appraisal, figures."""
    items = {name: dict(_provenance_items(ds, sources.get(name))) for name, ds in runs.items()}
    keys = list(dict.fromkeys(k for found in items.values() for k in found))
    head = "".join(f"<th>{_esc(name)}</th>" for name in runs)
    rows = []
    for k in keys:
        cells = "".join(f"<td>{_esc(items[n].get(k, ''))}</td>" for n in runs)
        rows.append(f'<tr><td class="metric">{_esc(k)}</td>{cells}</tr>')
    body = "".join(rows)
    when = _report_item()
    parts = [
        f'<div class="scroll"><table id="provenance"><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody>'
        f"</table></div>",
        f'<p class="note">{_esc(when[0])}: {_esc(when[1])}</p>',
    ]
    for name, ds in runs.items():
        parts += _scenario_parts(ds, f"<h3>Scenario of {_esc(name)}</h3>")
    parts += [
        "<h2>Headline</h2>",
        _HEADLINE_NOTE,
        _runs_table("headline", {n: _headline_rows(d) for n, d in runs.items()}),
    ]
    analysed = {name: _analysed(ds, engine) for name, ds in runs.items()}
    parts += _analysis_sections(analysed)
    parts += ["<h2>Figures</h2>", _figures(_run_drawings({n: a.ds for n, a in analysed.items()}))]
    parts += _budget_section(runs)
    return parts


def _page(title: str, parts: list[str]) -> str:
    body = "\n".join(p for p in parts if p)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>Written by dxsim {_esc(__version__)}. Self-contained: figures are embedded, "
        "nothing is loaded from elsewhere.</footer>\n</main>\n</body>\n</html>\n"
    )


def _checked_runs(runs: Mapping[str, xr.Dataset]) -> None:
    if not runs:
        raise ValueError("no runs to report")
    for name, ds in runs.items():
        check_results(ds)
        if sweep_dims(ds):
            raise ValueError(f"{name} is a sweep: runs are compared side by side, a sweep is reported alone")


def render(
    ds: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    title: str | None = None,
    source: str | Mapping[str, str] | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> str:
    """The HTML report of a run, of several runs side by side, or of a sweep, as one self-contained page.

    Parameters
    ----------
    ds : xarray.Dataset or mapping of str to xarray.Dataset
        Output of :func:`dxsim.simulate` or :func:`dxsim.sweep` (or either
        read back with :func:`open_results`); or several runs by their
        labels, side by side (a column per run in every table, a line per run
        in every figure).
    title : str, optional
        The page's title (default ``dxsim report: NAME``, the names of the runs for several).
    source : str or mapping of str to str, optional
        Where the results were read from (per label for several runs), shown with the provenance.
    workers, executor, progress
        Where a counterfactual runs when a run holds none, as in :func:`dxsim.simulate`.

    Returns
    -------
    str
        HTML with inline CSS and every figure a base64 PNG ``data:`` URI: no
        script, no stylesheet link, no external URL.

    Raises
    ------
    ValueError
        If a Dataset holds no dxsim results (no scenario and seed in its
        attrs), or a sweep is among several runs.
    """
    engine = {"workers": workers, "executor": executor, "progress": progress}
    if not isinstance(ds, xr.Dataset):  # several runs (a Dataset is a Mapping too: asked first)
        _checked_runs(ds)
        sources = source if isinstance(source, Mapping) else {}
        title = title or f"dxsim report: {', '.join(ds)}"
        return _page(title, [f"<h1>{_esc(title)}</h1>", *_compared_parts(ds, sources, engine)])
    check_results(ds)
    name = str(ds.attrs.get("scenario_name", scenario_of(ds, base=True).name))
    title = title or f"dxsim report: {name}"
    where = source if isinstance(source, str) else None
    parts = [f"<h1>{_esc(title)}</h1>", _provenance(ds, where), *_scenario_parts(ds)]
    parts += _sweep_parts(ds, engine) if sweep_dims(ds) else _run_parts(ds, engine)
    return _page(title, parts)


def write_report(
    ds: xr.Dataset | Mapping[str, xr.Dataset],
    path: str | Path,
    *,
    title: str | None = None,
    source: str | Mapping[str, str] | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> Path:
    """Write :func:`render`'s page to ``path`` atomically: on any error no file (nor a partial one) is left.

    Returns the path written.
    """
    text = render(ds, title=title, source=source, workers=workers, executor=executor, progress=progress)
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
