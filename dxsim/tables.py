"""Tables for people: numbers and money as text, a run's headline and paybacks, a :func:`dxsim.compare` result.

Numbers are formatted here and nowhere else in dxsim (but for the printed
form of the analysis's own tables, :class:`dxsim.analysis.display.MetricTable`,
which writes each number with the same :func:`format_number`), and money is
shown in million yuan everywhere people read it (printed tables, the HTML
report, figure labels): :func:`in_millions` converts a value and its units,
:func:`format_number` writes a number.  The tables themselves are computed in
:mod:`dxsim.studies` and :mod:`dxsim.analysis`; here they are put in rows:

* :func:`payback_of` -- the three parties' paybacks of a run (:func:`dxsim.studies.appraisal.payback`),
  the enterprise and platform rows alone when the run holds no counterfactual and none may run;
* :func:`payback_rows` -- that table in long form (a row per party and statistic);
* :func:`appraisal_rows` -- a :func:`dxsim.studies.appraisal.appraisal` Dataset as mean and interval per figure;
* :func:`format_headline`, :func:`format_payback` -- ``dxsim run``'s printed tables;
* :func:`no_outlay` -- the rows of a payback or appraisal table that read
  :data:`~dxsim.analysis.payback.NO_OUTLAY` (the party put nothing in) instead of numbers;
* :func:`format_comparison`, :func:`write_comparison` -- a comparison as text or an xlsx workbook.
"""

from __future__ import annotations

import importlib
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from dxsim._version import __version__
from dxsim.analysis.additionality import ADDITIONALITY
from dxsim.analysis.appraisal import APPRAISAL
from dxsim.analysis.display import format_number
from dxsim.analysis.metrics import METRICS, quantile
from dxsim.analysis.payback import (
    NO_OUTLAY,
    NO_OUTLAY_FIGURES,
    PARTIES,
    PAYBACK_STATISTICS,
    contract_paybacks,
    payback_table,
)
from dxsim.atomic import atomic_path
from dxsim.results.pairing import counterfactual_of
from dxsim.studies.appraisal import payback
from dxsim.studies.compare import COMPARE_ROWS, Comparison

__all__ = [
    "GOVERNMENT_NEEDS_COUNTERFACTUAL",
    "MILLION",
    "ComparisonFormat",
    "appraisal_rows",
    "format_comparison",
    "format_headline",
    "format_number",
    "format_payback",
    "in_millions",
    "is_money",
    "million_units",
    "no_outlay",
    "payback_of",
    "payback_rows",
    "write_comparison",
]

#: Formats of :func:`format_comparison` (text) and :func:`write_comparison` (also ``xlsx``).
ComparisonFormat = Literal["table", "csv", "markdown", "xlsx"]

#: Yuan in a million: money is shown in million yuan.
MILLION = 1e6

#: Excel number formats by units (the workbook keeps the Dataset's units: yuan).
_XLSX_FORMATS = {
    "yuan": "#,##0",
    "yuan / enterprise": "#,##0",
    "enterprises": "#,##0.0",
    "months": "0.0",
    "1": "0.000",
}

#: The one line printed instead of the government's payback when the run holds no counterfactual.
GOVERNMENT_NEEDS_COUNTERFACTUAL = (
    "government: its payback needs the counterfactual: dxsim run --counterfactual "
    "(dx.simulate(..., counterfactual=True)) stores it"
)

_Value = TypeVar("_Value", float, np.ndarray, pd.Series, pd.DataFrame, xr.DataArray)


# --------------------------------------------------------------------------- numbers and money


def is_money(units: str) -> bool:
    """True for units in yuan (``yuan``, ``yuan / month``, ``yuan / enterprise``).

    Examples
    --------
    >>> is_money("yuan / month"), is_money("million yuan"), is_money("enterprises")
    (True, False, False)
    """
    return units == "yuan" or units.startswith("yuan ")


def million_units(units: str) -> str:
    """The units of money shown in millions (``yuan / month`` -> ``million yuan / month``); others unchanged.

    Examples
    --------
    >>> million_units("yuan"), million_units("yuan / month"), million_units("months")
    ('million yuan', 'million yuan / month', 'months')
    """
    return f"million {units}" if is_money(units) else units


def in_millions(value: _Value, units: str) -> tuple[_Value, str]:
    """``value`` in the units people read: money divided by a million, its units said so; the rest unchanged.

    Parameters
    ----------
    value : float, numpy.ndarray, pandas or xarray object
        Values in ``units``.
    units : str
        Their units (a ``units`` attribute, a ``METRICS`` entry).

    Returns
    -------
    (value, units)
        Money (:func:`is_money`) in million yuan, anything else as given.

    Examples
    --------
    >>> in_millions(360_767_528.5, "yuan")
    (360.7675285, 'million yuan')
    >>> in_millions(9.7, "months")
    (9.7, 'months')
    """
    if is_money(units):
        return value / MILLION, million_units(units)
    return value, units


def _interval(mean: float, low: float, high: float) -> str:
    """``mean [low, high]``."""
    return f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"


def _shown(frame: pd.DataFrame, units: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """The rows of ``frame`` in the units people read (:func:`in_millions` row by row) and their units."""
    frame = frame.copy()
    shown = units.copy()
    for metric in frame.index:
        row, shown[metric] = in_millions(frame.loc[metric].astype(float), str(units.get(metric, "")))
        frame.loc[metric] = row
    return frame, shown


def _stripped(text: str) -> str:
    """``text`` without spaces at the ends of its lines (pandas pads the index name's line)."""
    return "\n".join(line.rstrip() for line in text.splitlines())


# --------------------------------------------------------------------------- a run's tables


def no_outlay(table: pd.DataFrame) -> list[str]:
    """The rows of a table of paybacks that show :data:`~dxsim.analysis.payback.NO_OUTLAY` instead of numbers.

    A party with no outlay in any replication has nothing to pay back: its
    figures are NaN (:mod:`dxsim.analysis.payback`), and a table says so
    rather than "n/a" (not defined for another reason, e.g. a share beyond
    the follow-up).

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`payback_of` table (a row per party, a column ``median``);
        or a long-form one with a column ``mean`` (:func:`payback_rows`,
        :func:`appraisal_rows`, one run of a comparison).

    Returns
    -------
    list of str
        The parties whose ``median`` is NaN; in long form, every row
        ``<party> <statistic>`` of such a party, and the rows of
        :data:`~dxsim.analysis.payback.NO_OUTLAY_FIGURES` whose mean is NaN.

    Examples
    --------
    >>> table = pd.DataFrame({s: [17.4, np.nan] for s in ("median", "median_low", "median_high")},
    ...                      index=["enterprise", "government"])
    >>> no_outlay(table), no_outlay(payback_rows(table))
    (['government'], ['government median'])
    """
    if "median" in table.columns:
        return [str(party) for party in table.index if math.isnan(float(table.loc[party, "median"]))]
    mean = table["mean"].astype(float)
    parties = {str(m).split(" ")[0] for m in mean.index if str(m).endswith(" median") and math.isnan(mean[m])}
    return [
        str(m)
        for m in mean.index
        if (m in NO_OUTLAY_FIGURES and math.isnan(mean[m])) or (" " in str(m) and str(m).split(" ")[0] in parties)
    ]


def payback_of(
    ds: xr.Dataset,
    *,
    interval: float = 0.90,
    discounted: bool = False,
    run_counterfactual: bool = True,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The paybacks for good of a run, as :func:`dxsim.studies.appraisal.payback` gives them.

    Parameters
    ----------
    ds : xarray.Dataset
        A run (or one point of a sweep).
    interval : float
        Central probability of the intervals over replications.
    discounted : bool
        The discounted paybacks.
    run_counterfactual : bool
        When ``ds`` holds no counterfactual: run it (True) for the
        government's row, or leave that row out (False).
    workers, executor, progress
        Where the counterfactual runs, as in :func:`dxsim.simulate`.

    Returns
    -------
    pandas.DataFrame
        :func:`dxsim.studies.appraisal.payback`'s table: rows ``enterprise``,
        ``platform`` and ``government``, or the first two alone.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=2, seed=1)
    >>> payback_of(ds, run_counterfactual=False).index.tolist()
    ['enterprise', 'platform']
    """
    if run_counterfactual or counterfactual_of(ds) is not None:
        return payback(
            ds, interval=interval, discounted=discounted, workers=workers, executor=executor, progress=progress
        )
    parts = [contract_paybacks(ds, party, discounted=discounted) for party in PARTIES[:2]]
    unknown = xr.full_like(parts[0], np.nan)  # payback_table wants every party: the government's is left out below
    table = payback_table(xr.concat([*parts, unknown], dim=pd.Index(PARTIES, name="party")), interval=interval)
    return table.drop(index="government")


def payback_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`payback_of` table in long form: one row per party and statistic, for a column per run.

    Returns
    -------
    pandas.DataFrame
        Index ``<party> <statistic>`` (``enterprise median``, ...); columns
        ``mean``, ``low``, ``high``, ``units`` and ``meaning``.

    Examples
    --------
    >>> table = pd.DataFrame({s: [1.0] for s in ("median", "median_low", "median_high")}, index=["platform"])
    >>> rows = payback_rows(table)
    >>> rows.index.tolist(), float(rows.loc["platform median", "high"]), rows.loc["platform median", "units"]
    (['platform median'], 1.0, 'months')
    """
    rows = {
        f"{party} {name}": {
            "mean": float(table.loc[party, name]),
            "low": float(table.loc[party, f"{name}_low"]),
            "high": float(table.loc[party, f"{name}_high"]),
            "units": units,
            "meaning": f"{party}: {meaning}",
        }
        for party in table.index
        for name, (units, meaning) in PAYBACK_STATISTICS.items()
        if name in table.columns
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "metric"
    return frame


def appraisal_rows(ap: xr.Dataset, *, interval: float = 0.90) -> pd.DataFrame:
    """Each figure of an appraisal as its mean and central interval over replications.

    Parameters
    ----------
    ap : xarray.Dataset
        Output of :func:`dxsim.studies.appraisal.appraisal`.
    interval : float
        Central probability of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per variable over ``replication`` alone (in the order of
        :data:`dxsim.analysis.appraisal.APPRAISAL`), one per window of
        ``deadweight_within`` (``deadweight_within_6`` ...); columns ``mean``,
        ``low``, ``high`` (:func:`dxsim.analysis.metrics.quantile`),
        ``units`` and ``meaning``, in the Dataset's units (yuan: see
        :func:`in_millions`).  A payback month not reached within the
        horizon is ``inf``; one of a replication without outlay (NaN) is left
        out, and the row is NaN when no replication had an outlay
        (:func:`no_outlay`).
    """
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows: dict[str, dict[str, Any]] = {}

    def add(key: str, values: np.ndarray, units: str, meaning: str) -> None:
        known = values[~np.isnan(values)]
        mean = float(known.mean()) if len(known) else math.nan
        rows[key] = {"mean": mean, "low": quantile(values, lo), "high": quantile(values, hi)}
        rows[key].update(units=units, meaning=meaning)

    for name, (units, meaning) in APPRAISAL.items():
        if name not in ap or set(ap[name].dims) - {"replication", "window"}:
            continue
        values = np.asarray(ap[name].transpose("replication", ...).values, dtype=np.float64)
        if "window" in ap[name].dims:
            for j, w in enumerate(ap["window"].values):
                add(f"{name}_{int(w)}", values[:, j], units, f"{meaning} ({int(w)} months)")
        else:
            add(name, values, units, meaning)
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "metric"
    return frame


def format_headline(table: pd.DataFrame) -> str:
    """:func:`dxsim.headline` as text: one row per metric, money in million yuan.

    Examples
    --------
    >>> table = pd.DataFrame({"mean": [360_767_528.5], "p5": [3e8], "p95": [4e8], "units": ["yuan"]},
    ...                      index=pd.Index(["public_money"], name="metric"))
    >>> print(format_headline(table))
                 mean   p5  p95         units
    metric
    public_money  361  300  400  million yuan
    """
    numbers = [c for c in table.columns if c != "units"]
    shown, units = _shown(table[numbers], table["units"].astype(str))
    cells = shown.map(lambda x: format_number(float(x)))
    cells["units"] = units
    return _stripped(cells.to_string())


def format_payback(table: pd.DataFrame, *, interval: float = 0.90) -> str:
    """A :func:`payback_of` table as text: a row per party, ``mean [low, high]`` per statistic, units in the header.

    A party without outlay in any replication (:func:`no_outlay`) reads
    ``no outlay`` in every column.  A table without the government's row
    ends with one line saying how to get it.

    Examples
    --------
    >>> table = pd.DataFrame({f"{s}{e}": [17.4, np.nan] for s in PAYBACK_STATISTICS for e in ("", "_low", "_high")},
    ...                      index=pd.Index(["enterprise", "government"], name="party"))
    >>> print(format_payback(table).splitlines()[-1].split()[:3])
    ['government', 'no', 'outlay']
    """
    units = table.attrs.get("units", {})
    cells = pd.DataFrame(index=table.index)
    nothing = no_outlay(table)
    for name in PAYBACK_STATISTICS:
        header = f"{name} ({units.get(name, PAYBACK_STATISTICS[name][0])})"
        cells[header] = [
            NO_OUTLAY
            if party in nothing
            else _interval(*(float(table.loc[party, c]) for c in (name, f"{name}_low", f"{name}_high")))
            for party in table.index
        ]
    lo, hi = (1 - interval) / 2 * 100, (1 + interval) / 2 * 100
    text = f"payback for good: mean [p{lo:g}, p{hi:g}] over replications\n{_stripped(cells.to_string())}"
    if "government" not in table.index:
        text += f"\n{GOVERNMENT_NEEDS_COUNTERFACTUAL}"
    return text


# --------------------------------------------------------------------------- comparisons


def _parts(comparison: Comparison | pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, tuple[str, pd.DataFrame] | None]:
    """(metrics, units by metric, (label ``second - first``, paired difference) or None)."""
    if isinstance(comparison, Comparison):
        frame, paired, label = comparison.metrics, comparison.paired_difference, comparison.paired_label
    else:
        frame, paired, label = comparison, None, None
    units = pd.Series(frame.attrs.get("units", {}), dtype=object).reindex(frame.index).fillna("")
    return frame, units, None if paired is None or label is None else (label, paired)


def _cells(sub: pd.DataFrame) -> list[str]:
    """``mean [low, high]`` of the first three columns of ``sub``; ``no outlay`` in its rows of :func:`no_outlay`."""
    mean, low, high = (sub.iloc[:, j] for j in range(3))
    nothing = no_outlay(sub.iloc[:, :3].set_axis(["mean", "low", "high"], axis=1))
    return [
        NO_OUTLAY if metric in nothing else _interval(m, a, b)
        for metric, m, a, b in zip(sub.index, mean, low, high, strict=True)
    ]


def _markdown(cells: pd.DataFrame, numeric: int) -> str:
    header = ["metric", *map(str, cells.columns)]
    align = ["---"] + ["---:"] * numeric + ["---"] * (len(cells.columns) - numeric)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for metric, row in cells.iterrows():
        lines.append("| " + " | ".join([str(metric), *map(str, row.tolist())]) + " |")
    return "\n".join(lines)


def _csv(frame: pd.DataFrame, units: pd.Series, paired: tuple[str, pd.DataFrame] | None) -> str:
    """Three columns per run, three for the paired difference (if any), then the units."""
    flat = frame.copy()
    flat.columns = pd.Index([f"{col[0]} {col[1]}" for col in frame.columns])
    if paired is not None:
        label, table = paired
        for stat in table.columns[:3]:
            flat[f"{label} {stat}"] = table[stat].reindex(frame.index)
    flat["units"] = units
    return str(flat.to_csv(float_format="%.10g"))


def _shown_paired(table: pd.DataFrame, units: pd.Series) -> pd.DataFrame:
    """The paired difference with its mean and interval in the units people read (``pairs`` unchanged)."""
    numbers = list(table.columns[:3])
    shown, _ = _shown(table[numbers], units.reindex(table.index).fillna(""))
    return pd.concat([shown, table.drop(columns=numbers)], axis=1)


def _paired_cells(units: pd.Series, paired: tuple[str, pd.DataFrame]) -> tuple[str, pd.DataFrame]:
    """(title, cells) of the paired difference: ``mean [low, high]``, units and pairs."""
    label, table = paired
    second = pd.DataFrame({label: _cells(table)}, index=table.index)
    second["units"] = units.reindex(table.index).fillna("")
    second["pairs"] = table["pairs"].astype(int)
    title = (
        f"paired difference {label} (same seed, common random numbers): mean [{table.columns[1]}, "
        f"{table.columns[2]}] of the per-replication difference"
    )
    return title, second


def format_comparison(comparison: Comparison | pd.DataFrame, fmt: ComparisonFormat = "table") -> str:
    """Text of a :func:`dxsim.compare` result: one row per metric, one column per run.

    Parameters
    ----------
    comparison : Comparison or pandas.DataFrame
        Output of :func:`dxsim.compare` (or its ``.metrics`` table alone).
    fmt : {"table", "csv", "markdown"}
        ``table`` and ``markdown``: each cell ``mean [low, high]`` (money in
        million yuan, :func:`in_millions`), then the units; the paired difference of two runs on one seed, if any, follows
        as a second table, one column ``<second> - <first>`` with the units
        and the number of pairs.  ``csv``: machine-readable numbers, three
        columns per run (``<run> mean``, ``<run> p5``, ``<run> p95``; in the
        Dataset's units, money in yuan), the
        paired difference as three more (``<second> - <first> mean`` ...,
        empty for the metrics it does not cover), and the units.  ``xlsx`` is
        not text: see :func:`write_comparison`.

    Returns
    -------
    str
        The text, without a final newline for ``table`` and ``markdown``.
    """
    frame, units, paired = _parts(comparison)
    if fmt == "csv":
        return _csv(frame, units, paired)
    if fmt == "xlsx":
        raise ValueError("xlsx is a workbook, not text: use write_comparison(comparison, path, 'xlsx')")
    if fmt not in ("table", "markdown"):
        raise ValueError(f"unknown format {fmt!r} (table, csv, markdown or xlsx)")
    runs = list(dict.fromkeys(frame.columns.get_level_values(0)))
    if paired is not None:  # money in million yuan, as in every table people read
        paired = (paired[0], _shown_paired(paired[1], units))
    frame, units = _shown(frame, units)
    cells = pd.DataFrame(index=frame.index)
    for run in runs:
        cells[run] = _cells(frame[run])
    cells["units"] = units
    if fmt == "table":
        text = str(cells.to_string())
        if paired is None:
            why = comparison.unpaired if isinstance(comparison, Comparison) else None
            return text if why is None else f"{text}\n\nno paired difference: {why}"
        title, second = _paired_cells(units, paired)
        return f"{text}\n\n{title}\n{second.to_string()}"
    text = _markdown(cells, len(runs))
    if paired is None:
        return text
    title, second = _paired_cells(units, paired)
    return f"{text}\n\n**{title}**\n\n{_markdown(second, 1)}"


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


def _meanings(index: pd.Index) -> pd.Series:
    """What each row of a comparison is (:data:`dxsim.analysis.metrics.METRICS` or ``ADDITIONALITY``)."""

    def meaning(metric: str) -> str:
        table = ADDITIONALITY if metric in COMPARE_ROWS or metric not in METRICS else METRICS
        return table.get(metric, ("", ""))[1]

    return pd.Series([meaning(str(m)) for m in index], index=index, dtype=object)


def _about(stats: list[str], paired: tuple[str, pd.DataFrame] | None) -> list[tuple[str, str]]:
    """Rows of the sheet ``about``: what each part of the workbook means."""
    about = [
        ("what", "dxsim compare: metrics of each run over its replications; the column meaning defines each row"),
        (
            "mean",
            "mean over replications (for ratios, the ratio of the means)",
        ),
        (f"{stats[0]}, {stats[1]}", "central interval over replications (percentiles)"),
        (
            "empty cell",
            "not defined (n/a): e.g. a share without denominator, or a cost per additional lighthouse "
            "where no public money was paid and no lighthouse is additional; fiscal_payback_month: no outlay in "
            "any replication (no public money beyond the counterfactual's and a fiscal balance never negative: "
            "nothing to pay back; the printed table says 'no outlay')",
        ),
        (
            "inf",
            "a cost per additional SME, accepted SME or lighthouse where public money was paid and none is "
            "additional (an unbounded cost); or not reached within the horizon: median_enterprise_payback "
            "beyond the follow-up, fiscal_payback_month censored, budget_exhaustion_month for a budget not "
            "exhausted (budget_exhausted is the share of replications in which it was)",
        ),
        (
            "money rows",
            "fiscal_balance = additional_taxes - public_money; additional_tax_revenue is the enterprise "
            "income tax part of additional_taxes",
        ),
        ("dxsim version", __version__),
    ]
    if paired is not None:
        about.insert(
            len(about) - 1,
            (
                "paired difference",
                f"{paired[0]}, replication by replication on the same seed (common random numbers): mean and "
                "central interval of the per-replication difference; pairs = replications with a defined difference",
            ),
        )
    return about


def _xlsx_bytes(comparison: Comparison | pd.DataFrame) -> bytes:
    """The workbook of :func:`write_comparison`, built in memory (a failed write then leaves no open zip file)."""
    openpyxl = importlib.import_module("openpyxl")  # openpyxl ships no type hints: used untyped
    book = openpyxl.Workbook()
    book.remove(book.active)
    frame, units, paired = _parts(comparison)
    runs = list(dict.fromkeys(frame.columns.get_level_values(0)))
    meaning = pd.DataFrame({"meaning": _meanings(frame.index)})
    _xlsx_sheet(book, "comparison", {str(run): frame[run] for run in runs}, units, meaning)
    if paired is not None:
        label, table = paired
        _xlsx_sheet(book, "paired difference", {label: table}, units.reindex(table.index).fillna(""), table[["pairs"]])
    stats = [str(s) for s in frame[runs[0]].columns[1:3]] if runs else ["p5", "p95"]
    ws = book.create_sheet("about")
    for i, (key, text) in enumerate(_about(stats, paired), start=1):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=2, value=text)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_comparison(comparison: Comparison | pd.DataFrame, path: str | Path, fmt: ComparisonFormat = "xlsx") -> Path:
    """Write a :func:`dxsim.compare` result to ``path`` atomically (a temporary file, then a rename).

    Parameters
    ----------
    comparison : Comparison or pandas.DataFrame
        Output of :func:`dxsim.compare` (or its ``.metrics`` table alone).
    path : str or Path
        The file; its folder is created if needed.
    fmt : {"xlsx", "table", "csv", "markdown"}
        ``xlsx``: an Excel workbook (openpyxl) with a sheet ``comparison``
        -- row 1 the run labels, each over a group of three columns, row 2
        the statistics (``mean``, ``p5``, ``p95``), then one row per metric
        with its units and its meaning in the last two columns; numbers are
        numbers (NaN an empty cell, infinity the text ``inf``) -- a sheet ``paired difference``
        when the comparison has one, laid out the same with a column
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
    if fmt == "xlsx":
        data = _xlsx_bytes(comparison)
    else:
        text = format_comparison(comparison, fmt)
        data = (text if text.endswith("\n") else text + "\n").encode("utf-8")
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target
