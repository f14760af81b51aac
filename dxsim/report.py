"""A self-contained HTML report of a run or a sweep: one file, figures embedded, no external resources.

:func:`render` returns the HTML text, :func:`write_report` writes it
atomically, :func:`open_results` (:func:`dxsim.results.io.open_results`,
re-exported here) reads what ``dxsim run`` or ``dxsim sweep`` wrote.  The page has the scenario and its provenance (name, seed, dxsim
version, replications, date), the scenario's summary and TOML, the headline
table (:func:`dxsim.headline`, ``<table id="headline">``) and the figures of
:mod:`dxsim.plot` as PNG images inlined as ``data:`` URIs (matplotlib's Agg
renderer, no pyplot state).  For a sweep the headline table has one row per
point, the single-run figures show the sweep's first point, and heat maps of
adopters and public money cover every pair of swept dimensions.

>>> import dxsim as dx
>>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=2, seed=1)
>>> page = render(ds)
>>> '<table id="headline"' in page, page.count('src="data:image/png;base64,')
(True, 5)
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import math
import warnings
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from dxsim import plot
from dxsim._version import __version__
from dxsim.analysis.metrics import HEADLINE, METRICS, headline
from dxsim.analysis.sweeps import point_indices
from dxsim.atomic import atomic_path
from dxsim.results.io import check_results, open_results
from dxsim.results.provenance import OVERRIDES, scenario_of
from dxsim.results.schema import sweep_dims

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["open_results", "render", "write_report"]

_FIGSIZE = (7.0, 4.5)  # inches, as dxsim.plot draws them
_DPI = 100
#: At most this many heat maps per metric (a sweep of three or more dimensions has one per pair and point).
MAX_HEATMAPS = 12
#: A sweep up to this size (bytes) is read into memory once; a larger one point by point.
_LOAD_BYTES = 1 << 30

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
footer { margin-top: 2.5em; font-size: 0.85em; color: #777; }
"""


# --------------------------------------------------------------------------- formatting


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(x: float) -> str:
    """A number for a table cell: thousands separators, three significant digits below 100."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


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


def _figure(caption: str, draw: Callable[[Axes], Any], figsize: tuple[float, float] = _FIGSIZE) -> str:
    """A <figure> with the PNG inlined, or a note saying why it could not be drawn."""
    try:
        data = _png(draw, figsize)
    except ValueError as err:  # documented by dxsim.plot: e.g. no contracts to estimate a payback curve on
        return f'<figure><p class="missing">{_esc(caption)}: not drawn: {_esc(err)}</p></figure>'
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(caption)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _payback(ds: xr.Dataset) -> Callable[[Axes], Any]:
    def draw(ax: Axes) -> None:
        plot.payback_survival(ds, party="enterprise", ax=ax)
        plot.payback_survival(ds, party="platform", ax=ax)

    return draw


def _run_figures(ds: xr.Dataset) -> list[str]:
    """The single-run figures of one scenario (a run, or one point of a sweep)."""
    return [
        _figure("Adopters over time: median and 50% / 90% bands", lambda ax: plot.adoption_fan(ds, ax=ax)),
        _figure("Payback of the enterprise and of the platform (Kaplan-Meier)", _payback(ds)),
        _figure("Who pays for the contracts", lambda ax: plot.who_pays(ds, ax=ax)),
        _figure("Budget burn-down", lambda ax: plot.budget_burndown(ds, ax=ax)),
        _figure("Wright's law of the platforms' delivery cost", lambda ax: plot.wrights_law(ds, ax=ax)),
    ]


def public_money(point: xr.Dataset) -> xr.DataArray:
    """Public money paid within the horizon per replication, million yuan (a :func:`dxsim.plot.heatmap` metric)."""
    da = point["public_money"].sum("month") / 1e6
    da.attrs["units"] = "million yuan"
    return da


def _heatmap_size(nx: int, ny: int) -> tuple[float, float]:
    return (1.6 * nx + 3.0, 1.1 * ny + 2.5)  # as dxsim.plot.heatmap sizes its own figure


def _heatmap(data: xr.Dataset, metric: plot.Metric, x: str, y: str) -> Callable[[Axes], Any]:
    def draw(ax: Axes) -> Axes:
        return plot.heatmap(data, metric, x, y, ax=ax)

    return draw


def _heatmaps(ds: xr.Dataset) -> tuple[list[str], int]:
    """Heat maps of adopters and public money: one per pair of swept dimensions (and value of the others).

    A sweep of one dimension gets a one-row heat map.  Returns the figures and how many were left out.
    """
    varying = [str(d) for d in sweep_dims(ds) if ds.sizes[d] > 1]
    metrics: list[tuple[str, plot.Metric]] = [("adopters", "adopters"), ("public money", public_money)]
    figures: list[str] = []
    left_off = 0
    if len(varying) == 1:
        (x,) = varying
        y = next(n for n in ("scenario", "sweep", "base", "_") if n not in ds.dims)
        one = ds.expand_dims({y: [str(ds.attrs.get("scenario_name", "scenario"))]})
        for name, metric in metrics:
            figures.append(
                _figure(
                    f"{name} by {x}",
                    _heatmap(one, metric, x, y),
                    _heatmap_size(ds.sizes[x], 1),
                )
            )
        return figures, 0
    for name, metric in metrics:
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
                figures.append(
                    _figure(
                        caption,
                        _heatmap(part, metric, x, y),
                        _heatmap_size(ds.sizes[x], ds.sizes[y]),
                    )
                )
                drawn += 1
    return figures, left_off


# --------------------------------------------------------------------------- tables


def _headline_table(table: pd.DataFrame) -> str:
    """:func:`dxsim.headline` as ``<table id="headline">``: one row per metric."""
    lo, hi = (c for c in table.columns if c not in ("mean", "units"))
    rows = []
    for metric, row in table.iterrows():
        cells = "".join(
            f'<td class="num" data-value="{_raw(row[c])}">{_esc(_number(float(row[c])))}</td>' for c in ("mean", lo, hi)
        )
        rows.append(
            f'<tr data-metric="{_esc(metric)}"><td class="metric">{_esc(metric)}</td>{cells}'
            f'<td>{_esc(row["units"])}</td><td class="meaning">{_esc(METRICS[str(metric)][1])}</td></tr>'
        )
    return (
        '<div class="scroll"><table id="headline"><thead><tr><th>metric</th><th>mean</th>'
        f"<th>{_esc(lo)}</th><th>{_esc(hi)}</th><th>units</th><th>meaning</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


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


def _sweep_headline_table(ds: xr.Dataset) -> str:
    """The headline of every point of a sweep as ``<table id="headline">``: one row per point.

    Each metric's cell is its mean over replications with the 5-95% interval below it.
    """
    dims = sweep_dims(ds)
    head = "".join(f'<th rowspan="2" class="dim">{_breakable(d)}</th>' for d in dims)
    head += "".join(f'<th title="{_esc(METRICS[m][1])}">{_breakable(m)}</th>' for m in HEADLINE)
    units = "".join(f"<th>{_esc(METRICS[m][0])}</th>" for m in HEADLINE)
    rows = []
    for at in point_indices(ds):
        point = ds.isel(at).load()
        table = headline(point)
        lo, hi = (c for c in table.columns if c not in ("mean", "units"))
        keys = "".join(f'<td class="metric">{_esc(_label(ds[d].values[i]))}</td>' for d, i in at.items())
        cells = []
        for m in HEADLINE:
            mean, p_lo, p_hi = (float(v) for v in table.loc[m, ["mean", lo, hi]].to_numpy(dtype=float))
            cells.append(
                f'<td class="num" data-metric="{_esc(m)}" data-mean="{_raw(mean)}" data-{lo}="{_raw(p_lo)}" '
                f'data-{hi}="{_raw(p_hi)}">{_esc(_number(mean))}<br>'
                f'<span class="interval">[{_esc(_number(p_lo))}, {_esc(_number(p_hi))}]</span></td>'
            )
        rows.append(f"<tr>{keys}{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table id="headline"><thead><tr>{head}</tr><tr>{units}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


# --------------------------------------------------------------------------- the page


def _provenance(ds: xr.Dataset, source: str | None) -> str:
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
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    items.append(("report", f"{when}, dxsim {__version__}"))
    body = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    return f'<dl class="provenance">{body}</dl>'


def render(ds: xr.Dataset, *, title: str | None = None, source: str | None = None) -> str:
    """The HTML report of a run or a sweep, as one self-contained page.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` or :func:`dxsim.sweep` (or either
        read back with :func:`open_results`).
    title : str, optional
        The page's title (default ``dxsim report: NAME``).
    source : str, optional
        Where the results were read from, shown with the provenance.

    Returns
    -------
    str
        HTML with inline CSS and every figure a base64 PNG ``data:`` URI: no
        script, no stylesheet link, no external URL.

    Raises
    ------
    ValueError
        If ``ds`` holds no dxsim results (no scenario and seed in its attrs).
    """
    check_results(ds)
    scenario = scenario_of(ds, base=True)
    name = str(ds.attrs.get("scenario_name", scenario.name))
    title = title or f"dxsim report: {name}"
    dims = sweep_dims(ds)
    parts = [
        f"<h1>{_esc(title)}</h1>",
        _provenance(ds, source),
        "<h2>Scenario</h2>",
        f"<pre>{_esc(scenario.summary())}</pre>",
        "<details><summary>Scenario TOML (reproduces the results with the seed above)</summary>"
        f"<pre>{_esc(ds.attrs['scenario'])}</pre></details>",
    ]
    if not dims:
        parts += [
            "<h2>Headline</h2>",
            '<p class="note">Mean and 5-95% interval over replications; stocks at the end of the horizon, '
            "payback in months from signing (Kaplan-Meier; ∞: beyond the follow-up).</p>",
            _headline_table(headline(ds)),
            "<h2>Figures</h2>",
            f'<div class="figures">{"".join(_run_figures(ds))}</div>',
        ]
    else:
        if ds.nbytes <= _LOAD_BYTES:  # a store opens lazily; read it once rather than point by point
            ds = ds.compute()
        where = ", ".join(f"{d} = {_label(ds[d].values[0])}" for d in dims)
        maps, left_off = _heatmaps(ds)
        parts += [
            "<h2>Headline per point</h2>",
            '<p class="note">Each cell: mean over replications, 5-95% interval below; stocks at the end of the '
            "horizon, payback in months from signing (Kaplan-Meier; ∞: beyond the follow-up).</p>",
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
        parts += [
            f"<h2>Figures of the first point ({_esc(where)})</h2>",
            f'<div class="figures">{"".join(_run_figures(_first_point(ds)))}</div>',
        ]
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>Written by dxsim {_esc(__version__)}. Self-contained: figures are embedded, "
        "nothing is loaded from elsewhere.</footer>\n</main>\n</body>\n</html>\n"
    )


def write_report(ds: xr.Dataset, path: str | Path, *, title: str | None = None, source: str | None = None) -> Path:
    """Write :func:`render`'s page to ``path`` atomically: on any error no file (nor a partial one) is left.

    Returns the path written.
    """
    text = render(ds, title=title, source=source)
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
