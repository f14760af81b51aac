"""Tables for people: a :func:`dxsim.compare` result as text (table, csv, markdown) or an Excel workbook.

The face of :class:`dxsim.studies.compare.Comparison`: :func:`format_comparison`
gives its text, :func:`write_comparison` writes it to a file atomically (xlsx
through openpyxl, loaded only then).  Numbers are formatted here and nowhere
else; the tables themselves are computed in :mod:`dxsim.studies.compare`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from dxsim._version import __version__
from dxsim.atomic import atomic_path
from dxsim.studies.compare import Comparison

__all__ = ["ComparisonFormat", "format_comparison", "write_comparison"]

#: Formats of :func:`format_comparison` (text) and :func:`write_comparison` (also ``xlsx``).
ComparisonFormat = Literal["table", "csv", "markdown", "xlsx"]

#: Excel number formats by units.
_XLSX_FORMATS = {
    "yuan": "#,##0",
    "yuan / enterprise": "#,##0",
    "enterprises": "#,##0.0",
    "months": "0.0",
    "1": "0.000",
}


def _parts(comparison: Comparison | pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, tuple[str, pd.DataFrame] | None]:
    """(metrics, units by metric, (label ``second - first``, paired difference) or None)."""
    if isinstance(comparison, Comparison):
        frame, paired, label = comparison.metrics, comparison.paired_difference, comparison.paired_label
    else:
        frame, paired, label = comparison, None, None
    units = pd.Series(frame.attrs.get("units", {}), dtype=object).reindex(frame.index).fillna("")
    return frame, units, None if paired is None or label is None else (label, paired)


def _number(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-2):
        return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.2e}"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:,.0f}"


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
        ``table`` and ``markdown``: each cell ``mean [low, high]``, then the
        units; the paired difference of two runs on one seed, if any, follows
        as a second table, one column ``<second> - <first>`` with the units
        and the number of pairs.  ``csv``: machine-readable numbers, three
        columns per run (``<run> mean``, ``<run> p5``, ``<run> p95``), the
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
    cells = pd.DataFrame(index=frame.index)
    for run in runs:
        cells[run] = _cells(frame[run])
    cells["units"] = units
    if fmt == "table":
        text = str(cells.to_string())
        if paired is None:
            return text
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


def _about(stats: list[str], paired: tuple[str, pd.DataFrame] | None) -> list[tuple[str, str]]:
    """Rows of the sheet ``about``: what each part of the workbook means."""
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
    return about


def _write_xlsx(comparison: Comparison | pd.DataFrame, path: str) -> None:
    openpyxl = importlib.import_module("openpyxl")  # openpyxl ships no type hints: used untyped
    book = openpyxl.Workbook()
    book.remove(book.active)
    frame, units, paired = _parts(comparison)
    runs = list(dict.fromkeys(frame.columns.get_level_values(0)))
    _xlsx_sheet(book, "comparison", {str(run): frame[run] for run in runs}, units, None)
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
    book.save(path)


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
        with its units in the last column; numbers are numbers (NaN an empty
        cell, infinity the text ``inf``) -- a sheet ``paired difference``
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
    text = None if fmt == "xlsx" else format_comparison(comparison, fmt)
    with atomic_path(target) as tmp:
        if text is None:
            _write_xlsx(comparison, str(tmp))
        else:
            tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return target
