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
from typing import Any

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
    is a MetricTable too); only its text and HTML forms differ.  A format
    set with ``pd.set_option("display.float_format", ...)`` is followed.

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
        return str(self.to_string(**_shown()))

    def _repr_html_(self) -> str:
        return str(self.to_html(**_shown()))


def _shown() -> dict[str, Any]:
    """How a :class:`MetricTable` writes its numbers: pandas' ``display.float_format`` if set, else :func:`format_number`."""
    chosen = pd.get_option("display.float_format")
    return {"float_format": chosen} if chosen is not None else {"float_format": format_number, "na_rep": "n/a"}
