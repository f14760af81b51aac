"""Numbers as a reader sees them: one format per number, not one per column.

pandas prints a column of floats in one format; a column holding both a
count of enterprises and a sum in yuan (a headline, a paired difference)
comes out in scientific notation throughout (``2.623333e+02``).
:class:`MetricTable` is a :class:`pandas.DataFrame` that prints every number
on its own with :func:`format_number` (unless pandas' ``display.float_format``
is set); its values are untouched.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager, nullcontext

import pandas as pd

__all__ = ["MetricTable", "format_number"]


def format_number(x: float, *, infinity: str = "inf") -> str:
    """A number for a table cell: thousands separators from 100 up, three significant digits below.

    Parameters
    ----------
    x : float
        The number, in the units shown (any).
    infinity : str
        How ``+inf`` is written (``-`` in front for ``-inf``); NaN is ``n/a``.

    Examples
    --------
    >>> [format_number(x) for x in (360.7675285, 5.0509, 0.0301, 12345.0, 0.0, float("nan"), -float("inf"))]
    ['361', '5.05', '0.0301', '12,345', '0', 'n/a', '-inf']
    """
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return infinity if x > 0 else f"-{infinity}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


class MetricTable(pd.DataFrame):
    """A table of metrics in their own units (one per row) that prints each number with :func:`format_number`.

    A :class:`pandas.DataFrame` in every other way (what is taken from it
    is a MetricTable too); only its text and HTML forms differ, and only in
    how a number is written: pandas' display options hold (rows and columns
    shown, NaN written ``NaN``), and a format set with
    ``pd.set_option("display.float_format", ...)`` is followed.  Being of
    another type, it is not equal to a plain DataFrame for
    ``pandas.testing.assert_frame_equal`` unless ``check_frame_type=False``.

    Examples
    --------
    >>> MetricTable({"mean": [262.33, 5206205.1, 13.737]}, index=["adopters", "public_money", "payback"])
                      mean
    adopters           262
    public_money 5,206,205
    payback           13.7
    """

    @property
    def _constructor(self) -> type[MetricTable]:
        return MetricTable

    def __repr__(self) -> str:
        with _numbers():
            return super().__repr__()

    def _repr_html_(self) -> str | None:
        with _numbers():
            html: str | None = super()._repr_html_()  # type: ignore[misc]  # pandas-stubs leave it out
            return html


def _numbers() -> AbstractContextManager[object]:
    """pandas' display options while a :class:`MetricTable` prints: :func:`format_number` unless a format is set.

    Every other display option (rows and columns shown, HTML or not) stays the user's.
    """
    if pd.get_option("display.float_format") is not None:
        return nullcontext()
    return pd.option_context("display.float_format", format_number)
