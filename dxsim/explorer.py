"""An explorer of a sweep: one self-contained HTML page with a slider per swept dimension.

:func:`explore` (``dx.explore``, ``dxsim explore SWEEP -o explorer.html``)
writes the page atomically; :func:`render` returns its text.  Moving the
sliders picks a point of the sweep and updates, for that point:

* the headline numbers (:func:`dxsim.headline`: mean and 90% interval over
  replications; ``<table id="headline">``);
* the adoption curve (adopters, all industries: median with 50% and 90% bands
  over replications, and the median without the programme, dashed), drawn as
  inline SVG on axes common to every point, so that a move shows as a change;
* the three parties' paybacks for good (:func:`dxsim.payback`: enterprises and
  platforms per contract, the government per run against the counterfactual;
  ``<table id="payback">`` and a figure of the medians with their intervals).

Every figure is computed here, in Python, with the functions the rest of
dxsim uses (:func:`dxsim.analysis.metrics.headline`,
:func:`dxsim.analysis.payback.payback_by_replication`); the page holds them
per point as JSON and its plain script only draws.  Nothing is loaded from
elsewhere (no server, no network, no CDN): the file can be mailed, archived,
or opened offline.  A cell's ``data-mean``, ``data-low`` and ``data-high``
keep the Dataset's units (yuan, months); its text shows money in million yuan.

The government's payback needs each point's counterfactual (its scenario
without the programme, on the sweep's seed): the one the sweep holds
(:func:`dxsim.results.pairing.counterfactual_of`), else it is run, once per
distinct counterfactual scenario (points that differ only in the programme
share one run).

>>> import dxsim as dx
>>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
>>> sw = dx.sweep(sc, {"discount": ("contract.platform_discount", [0.0, 0.2])}, replications=2, seed=1)
>>> page = render(sw, progress=False)
>>> page.count('type="range"'), '<table id="headline"' in page, "https://" in page
(1, True, False)
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from tqdm.auto import tqdm

from dxsim._version import __version__
from dxsim.analysis.appraisal import appraisal_settings
from dxsim.analysis.metrics import HEADLINE, METRICS, headline
from dxsim.analysis.payback import NO_OUTLAY, PARTIES, PAYBACK_STATISTICS, payback_by_replication, payback_table
from dxsim.analysis.sweeps import point_indices
from dxsim.atomic import atomic_path
from dxsim.experiment.executors import show_progress
from dxsim.results.io import check_results, open_results
from dxsim.results.pairing import counterfactual_of
from dxsim.results.provenance import OVERRIDES, scenario_of
from dxsim.results.schema import sweep_dims
from dxsim.scenario.variants import counterfactual
from dxsim.studies.counterfactual import counterfactual_run
from dxsim.tables import MILLION, is_money, million_units

__all__ = ["INTERVAL", "explore", "render"]

#: Central probability of every interval on the page (the 5th to the 95th percentile).
INTERVAL = 0.90
#: Quantiles of the adoption curve over replications: median, 90% band, 50% band.
_ADOPTION_QUANTILES = {"median": 0.5, "p5": 0.05, "p95": 0.95, "p25": 0.25, "p75": 0.75}
#: What a point's JSON numbers are rounded to (significant digits): exact enough, and a smaller page.
_DIGITS = 10


# --------------------------------------------------------------------------- numbers for JSON


def _number(x: Any) -> float | str | None:
    """A number for JSON: NaN as null, infinities as ``"inf"`` and ``"-inf"`` (JSON has neither)."""
    value = float(x)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(f"{value:.{_DIGITS}g}")


def _triple(table: pd.DataFrame, row: Any, columns: tuple[str, str, str]) -> list[float | str | None]:
    """(mean, low, high) of a row of a table, for JSON."""
    return [_number(table.loc[row, c]) for c in columns]


def _label(value: Any) -> str:
    """A coordinate value as the slider shows it (floats as ``%g``)."""
    if isinstance(value, np.generic):
        value = value.item()
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- the figures of one point


def _headline_of(point: xr.Dataset) -> dict[str, list[float | str | None]]:
    """:func:`dxsim.headline` of one point: metric -> (mean, low, high), in the Dataset's units."""
    table = headline(point, interval=INTERVAL)
    low, high = (str(c) for c in table.columns if c not in ("mean", "units"))
    return {str(metric): _triple(table, metric, ("mean", low, high)) for metric in table.index}


def _paybacks_of(point: xr.Dataset, cf: xr.Dataset) -> dict[str, dict[str, list[float | str | None]]]:
    """:func:`dxsim.payback` of one point against its counterfactual: party -> statistic -> (mean, low, high)."""
    rate = appraisal_settings(point).social_discount_rate
    table = payback_table(payback_by_replication(point, cf, social_discount_rate=rate), interval=INTERVAL)
    return {
        party: {name: _triple(table, party, (name, f"{name}_low", f"{name}_high")) for name in PAYBACK_STATISTICS}
        for party in PARTIES
    }


def _adopters(ds: xr.Dataset) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Adopters of every industry, (replication, month)."""
    return np.asarray(ds["adopters"].sum("industry").transpose("replication", "month").values, dtype=np.float64)


def _adoption_of(point: xr.Dataset, cf: xr.Dataset) -> dict[str, list[float | str | None]]:
    """The adoption curve of one point: quantiles over replications by month, and the counterfactual's median."""
    values = _adopters(point)
    curves = {name: np.nanquantile(values, q, axis=0) for name, q in _ADOPTION_QUANTILES.items()}
    curves["counterfactual"] = np.nanquantile(_adopters(cf), 0.5, axis=0)
    return {name: [_number(x) for x in curve] for name, curve in curves.items()}


def _counterfactuals(engine: dict[str, Any]) -> Callable[[xr.Dataset], xr.Dataset]:
    """The counterfactual of a point: the stored one, else a run, once per distinct counterfactual scenario."""
    runs: dict[str, xr.Dataset] = {}

    def of(point: xr.Dataset) -> xr.Dataset:
        stored = counterfactual_of(point)
        if stored is not None:
            return stored
        key = counterfactual(scenario_of(point)).to_toml()
        if key not in runs:
            runs[key] = counterfactual_run(point, **engine)
        return runs[key]

    return of


def _points(ds: xr.Dataset, engine: dict[str, Any], progress: bool | None) -> list[dict[str, Any]]:
    """The figures of every point, in product order (the last sweep dimension fastest)."""
    counterfactual_for = _counterfactuals(engine)
    positions = list(point_indices(ds))
    out = []
    bar = tqdm(total=len(positions), desc="explorer", unit="point", disable=not show_progress(progress, len(positions)))
    with bar:
        for at in positions:
            point = ds.isel(at).load()
            cf = counterfactual_for(point)
            overrides = str(point[OVERRIDES].values.reshape(-1)[0]) if OVERRIDES in point.coords else "{}"
            out.append(
                {
                    "overrides": overrides,
                    "headline": _headline_of(point),
                    "payback": _paybacks_of(point, cf),
                    "adoption": _adoption_of(point, cf),
                }
            )
            bar.update()
    return out


def _data(
    ds: xr.Dataset, title: str, source: str | None, engine: dict[str, Any], progress: bool | None
) -> dict[str, Any]:
    """Everything the page's script needs: the dimensions, the metrics' units, the months and every point."""
    months = pd.DatetimeIndex(ds["month"].values)
    return {
        "title": title,
        "source": source,
        "scenario": str(ds.attrs.get("scenario_name", scenario_of(ds, base=True).name)),
        "seed": int(ds.attrs["seed"]),
        "replications": int(ds.sizes["replication"]),
        "dxsim_version": str(ds.attrs.get("dxsim_version", "?")),
        "interval": INTERVAL,
        "dims": [{"name": str(d), "labels": [_label(v) for v in ds[d].values]} for d in sweep_dims(ds)],
        "months": [f"{m:%Y-%m}" for m in months],
        "horizon_months": len(months),
        "metrics": {
            name: {
                "units": million_units(METRICS[name][0]),
                "scale": MILLION if is_money(METRICS[name][0]) else 1.0,
                "meaning": METRICS[name][1],
            }
            for name in HEADLINE
        },
        "statistics": {
            name: {"units": units, "meaning": meaning} for name, (units, meaning) in PAYBACK_STATISTICS.items()
        },
        "parties": list(PARTIES),
        "no_outlay": NO_OUTLAY,
        "points": _points(ds, engine, progress),
    }


# --------------------------------------------------------------------------- the page


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _script_json(data: dict[str, Any]) -> str:
    """``data`` as JSON safe inside ``<script>``: no ``<`` (so no ``</script>``), no NaN."""
    return json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _controls(dims: list[dict[str, Any]]) -> str:
    """A slider per sweep dimension (a dimension of one value: a disabled one), with the value it points at."""
    rows = []
    for i, dim in enumerate(dims):
        n = len(dim["labels"])
        disabled = " disabled" if n == 1 else ""
        rows.append(
            f'<label for="slider-{i}">{_esc(dim["name"])}</label>'
            f'<input type="range" id="slider-{i}" class="dim" data-dim="{_esc(dim["name"])}" min="0" max="{n - 1}" '
            f'step="1" value="0"{disabled}><output id="value-{i}">{_esc(dim["labels"][0])}</output>'
        )
    return f'<div class="controls">{"".join(rows)}</div>'


def _headline_skeleton() -> str:
    head = '<tr><th>metric</th><th>mean</th><th>p5</th><th>p95</th><th>units</th><th class="meaning">meaning</th></tr>'
    rows = "".join(
        f'<tr data-metric="{m}"><td class="metric">{m}</td>'
        + "".join(f'<td class="num" data-stat="{s}"></td>' for s in ("mean", "low", "high"))
        + '<td class="units"></td><td class="meaning"></td></tr>'
        for m in HEADLINE
    )
    return f'<table id="headline"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def _payback_skeleton() -> str:
    names = list(PAYBACK_STATISTICS)
    head = "<tr><th>party</th>" + "".join(f"<th>{_esc(n)} ({_esc(PAYBACK_STATISTICS[n][0])})</th>" for n in names)
    rows = "".join(
        f'<tr data-party="{p}"><td class="metric">{p}</td>'
        + "".join(f'<td class="num" data-statistic="{n}"></td>' for n in names)
        + "</tr>"
        for p in PARTIES
    )
    return f'<table id="payback"><thead>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _page(data: dict[str, Any]) -> str:
    title = data["title"]
    facts = [
        ("scenario", data["scenario"]),
        *([("sweep", data["source"])] if data["source"] else []),
        ("seed", data["seed"]),
        ("replications", f"{data['replications']} per point"),
        ("points", len(data["points"])),
        ("horizon", f"{data['months'][0]} to {data['months'][-1]} ({data['horizon_months']} months)"),
        ("dxsim version", data["dxsim_version"]),
        ("written", f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}, dxsim {__version__}"),
    ]
    provenance = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts)
    body = [
        f"<h1>{_esc(title)}</h1>",
        f'<dl class="provenance">{provenance}</dl>',
        "<h2>The point</h2>",
        '<p class="note">Move a slider to choose the value of a swept dimension; everything below is that '
        "point's (computed by dxsim when the page was written).</p>",
        _controls(data["dims"]),
        '<p class="note">Overrides of the base scenario at this point: <code id="overrides"></code></p>',
        '<noscript><p class="missing">This page draws its numbers with JavaScript: allow it to see them.</p></noscript>',
        "<h2>Headline</h2>",
        '<p class="note">Mean and 5-95% interval over replications; stocks at the end of the horizon, money in '
        "million yuan, payback in months from signing (Kaplan-Meier; ∞: beyond the follow-up).</p>",
        _headline_skeleton(),
        "<h2>Adoption</h2>",
        '<figure><div id="adoption" class="figure"></div><figcaption>Adopters, all industries: median (line), '
        "50% and 90% bands over replications, and the median without the programme (dashed: the counterfactual, "
        "same seed). The axes are the same at every point.</figcaption></figure>",
        "<h2>Payback for good</h2>",
        '<p class="note">The first month after which the running total never again falls below zero. Enterprise '
        "and platform per contract from its signing (Kaplan-Meier), the government per run from the start against "
        "the counterfactual (taxes gained - public money). Each cell: mean over replications, 90% interval below; "
        "∞: not paid back within the horizon.</p>",
        _payback_skeleton(),
        '<figure><div id="paybacks" class="figure"></div><figcaption>Median payback for good of each party (dot: '
        "mean over replications; bar: 90% interval; arrow: beyond the horizon).</figcaption></figure>",
        f"<footer>Written by dxsim {_esc(__version__)}. Self-contained: data, script and style are in this "
        "file, nothing is loaded from elsewhere.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f'\n</main>\n<script type="application/json" id="explorer-data">{_script_json(data)}</script>\n'
        f"<script>{_JS}</script>\n</body>\n</html>\n"
    )


def _checked_sweep(ds: xr.Dataset) -> None:
    check_results(ds)
    if not sweep_dims(ds):
        raise ValueError("not a sweep (no swept dimension): the explorer needs dxsim sweep's results; "
                         "dxsim report makes the page of a run")  # fmt: skip


def render(
    sweep: xr.Dataset | str | Path,
    *,
    title: str | None = None,
    source: str | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> str:
    """The explorer of a sweep as HTML text: a slider per swept dimension, every point's figures inside.

    Parameters
    ----------
    sweep : xarray.Dataset, str or pathlib.Path
        Output of :func:`dxsim.sweep`, or the store (or netCDF file) it was
        written to (:func:`dxsim.open_results` reads it).
    title : str, optional
        The page's title (default ``dxsim explorer: SCENARIO``).
    source : str, optional
        Where the sweep was read from, shown with the provenance (default: ``sweep`` when it is a path).
    workers, executor
        Where the counterfactuals run when the sweep holds none (one run per
        distinct counterfactual scenario), as in :func:`dxsim.simulate`.
    progress : bool, optional
        A progress bar over the points (tqdm; default: on a terminal only).

    Returns
    -------
    str
        One HTML page: inline CSS, the points' figures as JSON in a
        ``<script type="application/json">`` and a plain script that draws
        them (SVG); no external URL.

    Raises
    ------
    ValueError
        If the input is not dxsim results, or not a sweep (no swept dimension).
    """
    if not isinstance(sweep, xr.Dataset):
        source = source or str(sweep)
        sweep = open_results(sweep)
    _checked_sweep(sweep)
    name = str(sweep.attrs.get("scenario_name", scenario_of(sweep, base=True).name))
    engine = {"workers": workers, "executor": executor, "progress": False}
    return _page(_data(sweep, title or f"dxsim explorer: {name}", source, engine, progress))


def explore(
    sweep: xr.Dataset | str | Path,
    path: str | Path,
    *,
    title: str | None = None,
    source: str | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> Path:
    """Write the explorer of a sweep to ``path``: one self-contained HTML page with a slider per swept dimension.

    Moving the sliders shows, for the chosen point, the headline numbers
    (:func:`dxsim.headline`), the adoption curve and the three parties'
    paybacks for good (:func:`dxsim.payback`), all computed here; the page
    needs no server and no network.  Written atomically: on any error no
    file (nor a partial one) is left.

    Parameters
    ----------
    sweep : xarray.Dataset, str or pathlib.Path
        Output of :func:`dxsim.sweep`, or the store it wrote.
    path : str or pathlib.Path
        The HTML file to write.
    title, source, workers, executor, progress
        As in :func:`render`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If the input is not dxsim results, or not a sweep.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> sw = dx.sweep(sc, {"contract.platform_discount": [0.0, 0.2]}, replications=2, seed=1)
    >>> import pathlib, tempfile
    >>> out = dx.explore(sw, pathlib.Path(tempfile.mkdtemp()) / "explorer.html", progress=False)
    >>> out.name, out.read_text(encoding="utf-8").count('<input type="range"')  # a slider: one swept dimension
    ('explorer.html', 1)
    """
    text = render(sweep, title=title, source=source, workers=workers, executor=executor, progress=progress)
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1d1d1f; background: #fff; margin: 0; line-height: 1.45; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.3em; margin: 1.4em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid #dde3ea; }
p.note { color: #555; font-size: 0.92em; margin: 0.3em 0 0.8em; }
dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0.6em 0;
                background: #f5f7fa; border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 16px; }
dl.provenance dt { font-weight: 600; color: #444; }
dl.provenance dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
.controls { display: grid; grid-template-columns: max-content minmax(200px, 420px) max-content; gap: 8px 14px;
            align-items: center; background: #f5f7fa; border: 1px solid #dde3ea; border-radius: 6px;
            padding: 12px 16px; position: sticky; top: 0; z-index: 1; }
.controls label { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; }
.controls output { font-family: ui-monospace, Menlo, Consolas, monospace; min-width: 5em; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.93em; }
th, td { border: 1px solid #d5dbe3; padding: 5px 10px; vertical-align: top; }
thead th { background: #eaf0f6; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; min-width: 6em; }
td.metric { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
td.meaning { color: #555; font-size: 0.9em; max-width: 380px; }
td .interval { color: #666; font-size: 0.88em; }
figure { margin: 0.6em 0; border: 1px solid #e3e8ee; border-radius: 6px; padding: 8px; }
figcaption { font-size: 0.88em; color: #555; margin-top: 6px; }
svg text { font-size: 12px; fill: #333; }
.missing { color: #8a4b00; background: #fff7e6; border: 1px solid #f0d9a8; border-radius: 6px; padding: 8px 12px; }
footer { margin-top: 2.5em; font-size: 0.85em; color: #777; }
"""

#: The page's script: reads the JSON, wires the sliders, fills the tables and draws the SVG figures.
_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var sliders = Array.prototype.slice.call(document.querySelectorAll("input.dim"));
  var COLOUR = "#1f5fa8", GREY = "#6b7280";

  function num(v) { return v === null ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v; }
  function fmt(x) {  // dxsim.tables.format_number: separators from 100 up, three significant digits below
    if (Number.isNaN(x)) { return "n/a"; }
    if (!Number.isFinite(x)) { return x > 0 ? "\u221e" : "-\u221e"; }
    if (Math.abs(x) >= 100) { return Math.round(x).toLocaleString("en-US"); }
    return String(Number(x.toPrecision(3)));
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c]; });
  }
  function index() {  // the point's position in product order, the last dimension fastest
    var k = 0;
    data.dims.forEach(function (dim, i) { k = k * dim.labels.length + Number(sliders[i].value); });
    return k;
  }
  function fill(cell, triple) {  // mean over its interval; the raw numbers in data-*
    var v = triple.map(num);
    cell.setAttribute("data-mean", String(v[0]));
    cell.setAttribute("data-low", String(v[1]));
    cell.setAttribute("data-high", String(v[2]));
    cell.innerHTML = esc(fmt(v[0])) + '<br><span class="interval">[' + esc(fmt(v[1])) + ", " + esc(fmt(v[2])) +
      "]</span>";
  }
  function headline(point) {
    Object.keys(data.metrics).forEach(function (name) {
      var row = document.querySelector('#headline tr[data-metric="' + name + '"]'), m = data.metrics[name];
      var t = point.headline[name].map(num);
      ["mean", "low", "high"].forEach(function (stat, j) {
        var cell = row.querySelector('td[data-stat="' + stat + '"]');
        cell.setAttribute("data-value", String(t[j]));
        cell.textContent = fmt(t[j] / m.scale);
      });
      row.querySelector("td.units").textContent = m.units;
      row.querySelector("td.meaning").textContent = m.meaning;
    });
  }
  function paybacks(point) {  // a party whose median is NaN put nothing in (dxsim.tables.no_outlay)
    data.parties.forEach(function (party) {
      var none = Number.isNaN(num(point.payback[party].median[0]));
      Object.keys(data.statistics).forEach(function (name) {
        var cell = document.querySelector('#payback tr[data-party="' + party + '"] td[data-statistic="' + name + '"]');
        fill(cell, point.payback[party][name]);
        if (none) { cell.textContent = data.no_outlay; }
      });
    });
  }
  // ----------------------------------------------------------------- SVG
  var W = 760, H = 340, L = 64, R = 20, T = 16, B = 44;
  function ticks(top, steps) {  // [0, step, ..., top]: the smallest step of steps * 10^k giving at most 6 ticks
    if (!(top > 0)) { top = 1; }
    var p = Math.pow(10, Math.floor(Math.log10(top / 5))), step = 10 * p;
    for (var i = 0; i < steps.length; i++) { if (steps[i] * p * 5 >= top) { step = steps[i] * p; break; } }
    var out = [];
    for (var v = 0; v < top + step; v += step) { out.push(v); if (v >= top) { break; } }
    return out;
  }
  function axes(xs, ys, xTicks, yTicks, xLabel, yLabel) {
    var s = '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - R) + '" y2="' + (H - B) + '" stroke="#333"/>' +
      '<line x1="' + L + '" y1="' + T + '" x2="' + L + '" y2="' + (H - B) + '" stroke="#333"/>';
    xTicks.forEach(function (t) {
      s += '<line x1="' + xs(t[0]) + '" y1="' + (H - B) + '" x2="' + xs(t[0]) + '" y2="' + (H - B + 5) + '" stroke="#333"/>' +
        '<text x="' + xs(t[0]) + '" y="' + (H - B + 18) + '" text-anchor="middle">' + esc(t[1]) + "</text>";
    });
    yTicks.forEach(function (v) {
      s += '<line x1="' + L + '" y1="' + ys(v) + '" x2="' + (W - R) + '" y2="' + ys(v) + '" stroke="#e5e7eb"/>' +
        '<text x="' + (L - 6) + '" y="' + (ys(v) + 4) + '" text-anchor="end">' + esc(fmt(v)) + "</text>";
    });
    return s + '<text x="' + ((L + W - R) / 2) + '" y="' + (H - 6) + '" text-anchor="middle">' + esc(xLabel) + "</text>" +
      '<text x="14" y="' + ((T + H - B) / 2) + '" text-anchor="middle" transform="rotate(-90 14 ' + ((T + H - B) / 2) + ')">' +
      esc(yLabel) + "</text>";
  }
  function line(xs, ys, values) {
    var d = "", pen = "M";
    values.forEach(function (v, i) {
      v = num(v);
      if (Number.isFinite(v)) { d += pen + xs(i).toFixed(1) + "," + ys(v).toFixed(1); pen = "L"; } else { pen = "M"; }
    });
    return d;
  }
  function band(xs, ys, low, high) {
    var up = [], down = [];
    low.forEach(function (v, i) {
      var a = num(v), b = num(high[i]);
      if (Number.isFinite(a) && Number.isFinite(b)) {
        up.push(xs(i).toFixed(1) + "," + ys(b).toFixed(1));
        down.unshift(xs(i).toFixed(1) + "," + ys(a).toFixed(1));
      }
    });
    return up.length ? "M" + up.concat(down).join("L") + "Z" : "";
  }
  var adoptionTicks = ticks(Math.max.apply(null, data.points.map(function (p) {
    return Math.max.apply(null, p.adoption.p95.concat(p.adoption.counterfactual).map(num).filter(Number.isFinite));
  })), [1, 2, 2.5, 5]);
  var adoptionTop = adoptionTicks[adoptionTicks.length - 1];
  function adoption(point) {
    var n = data.months.length, a = point.adoption;
    var xs = function (i) { return L + (W - L - R) * (n > 1 ? i / (n - 1) : 0.5); };
    var ys = function (v) { return H - B - (H - T - B) * v / adoptionTop; };
    var step = Math.max(1, Math.ceil(n / 8)), xTicks = [];
    for (var i = 0; i < n; i += step) { xTicks.push([i, data.months[i]]); }
    var s = axes(xs, ys, xTicks, adoptionTicks, "month", "adopters (enterprises)") +
      '<path id="adoption-band90" d="' + band(xs, ys, a.p5, a.p95) + '" fill="' + COLOUR + '" fill-opacity="0.15"/>' +
      '<path id="adoption-band50" d="' + band(xs, ys, a.p25, a.p75) + '" fill="' + COLOUR + '" fill-opacity="0.3"/>' +
      '<path id="adoption-counterfactual" d="' + line(xs, ys, a.counterfactual) + '" fill="none" stroke="' + GREY +
      '" stroke-width="2" stroke-dasharray="6 4"/>' +
      '<path id="adoption-median" data-final="' + String(num(a.median[n - 1])) + '" d="' + line(xs, ys, a.median) +
      '" fill="none" stroke="' + COLOUR + '" stroke-width="2.5"/>' +
      '<text x="' + (L + 10) + '" y="' + (T + 14) + '">median ' + esc(fmt(num(a.median[n - 1]))) + " at " +
      esc(data.months[n - 1]) + "; without the programme " + esc(fmt(num(a.counterfactual[n - 1]))) + "</text>";
    document.getElementById("adoption").innerHTML = '<svg data-point="' + index() + '" viewBox="0 0 ' + W + " " + H +
      '" width="100%">' + s + "</svg>";
  }
  var paybackTicks = ticks(Math.max.apply(null, [data.horizon_months].concat(data.points.map(function (p) {
    return Math.max.apply(null, data.parties.map(function (q) {
      return Math.max.apply(null, p.payback[q].median.map(num).filter(Number.isFinite).concat([0]));
    }));
  }))), [1.2, 2.4, 6]);  // months: steps of 6, 12, 24, 60, ...
  var paybackTop = paybackTicks[paybackTicks.length - 1];
  function paybackFigure(point) {
    var h = 60 * data.parties.length + T + B, rowH = 60;
    var xs = function (v) { return L + 50 + (W - L - 50 - R) * Math.min(v, paybackTop) / paybackTop; };
    var s = "", right = xs(paybackTop);
    paybackTicks.forEach(function (v) {
      var x = xs(v);
      s += '<line x1="' + x + '" y1="' + T + '" x2="' + x + '" y2="' + (h - B) + '" stroke="#e5e7eb"/>' +
        '<text x="' + x + '" y="' + (h - B + 18) + '" text-anchor="middle">' + esc(fmt(v)) + "</text>";
    });
    s += '<text x="' + ((L + W) / 2) + '" y="' + (h - 6) + '" text-anchor="middle">months (enterprise, platform: from ' +
      "signing; government: from the start)</text>";
    data.parties.forEach(function (party, k) {
      var t = point.payback[party].median.map(num), y = T + rowH * k + rowH / 2;
      var g = '<text x="' + (L + 36) + '" y="' + (y + 4) + '" text-anchor="end">' + esc(party) + "</text>";
      var lo = Number.isFinite(t[1]) ? xs(t[1]) : (t[1] > 0 ? right : NaN);
      var hi = Number.isFinite(t[2]) ? xs(t[2]) : (t[2] > 0 ? right : NaN);
      if (Number.isFinite(lo) && Number.isFinite(hi)) {
        g += '<line x1="' + lo + '" y1="' + y + '" x2="' + hi + '" y2="' + y + '" stroke="' + COLOUR + '" stroke-width="3"/>';
      }
      if (Number.isFinite(t[0])) {
        g += '<circle cx="' + xs(t[0]) + '" cy="' + y + '" r="6" fill="' + COLOUR + '"/>';
      } else if (t[0] > 0) {
        g += '<path d="M' + (right - 12) + "," + (y - 7) + "L" + right + "," + y + "L" + (right - 12) + "," + (y + 7) +
          'Z" fill="' + COLOUR + '"/>';
      }
      g += '<text x="' + (L + 50) + '" y="' + (y - 12) + '">' + esc(fmt(t[0])) + " [" + esc(fmt(t[1])) + ", " +
        esc(fmt(t[2])) + "] months</text>";
      s += '<g id="payback-' + party + '" data-median="' + String(t[0]) + '">' + g + "</g>";
    });
    document.getElementById("paybacks").innerHTML = '<svg viewBox="0 0 ' + W + " " + h + '" width="100%">' + s + "</svg>";
  }
  function update() {
    sliders.forEach(function (slider, i) {
      document.getElementById("value-" + i).textContent = data.dims[i].labels[Number(slider.value)];
    });
    var point = data.points[index()];
    document.getElementById("overrides").textContent = point.overrides;
    headline(point);
    paybacks(point);
    adoption(point);
    paybackFigure(point);
  }
  sliders.forEach(function (slider) { slider.addEventListener("input", update); });
  update();
})();
"""
