"""One cell of a float array at a time, on Python floats: a memoryview of the array's memory.

Adding to one element of a numpy array (``a[m, i] += 1``) makes a numpy
scalar and costs about 0.25 us; through a memoryview of the same memory it
costs about 0.1 us, with the same double-precision arithmetic.  The steps of
one contract at a time (:mod:`dxsim.model.contracting`) count and sum this
way into arrays that the month's end and the results read whole; so do the
programme's commitments per platform, the payments and write-offs that
reduce the platforms' receivables (:attr:`~dxsim.model.platform.Receivables.reduced`)
and the cells of their queues that :attr:`~dxsim.model.platform.Occupancy.waiting`
reads (what is owed per platform, the solutions in use and the platforms'
deployments are counted in Python lists instead: a list's item costs less
than a cell, where nothing reads the counts as an array at each change;
:class:`MonthRows` copies a month's row of such a list to its array as the
month closes; :class:`RunRows` copies all its rows as the run's last month
closes, for counts nothing reads before: the adoptions and renewals
signed).  The other way, a list of Python floats becomes an array by
packing its doubles (:func:`packed_floats`).
"""

from __future__ import annotations

import struct
from typing import cast

import numpy as np
from numpy.typing import NDArray

__all__ = ["MonthRows", "RunRows", "cells", "flat_cells", "float_packer", "packed_floats", "packed_ints"]


def cells(a: NDArray[np.float64]) -> memoryview[float]:
    """The memory of the float64 array ``a`` as a memoryview indexed like ``a``: writing one writes the other.

    Examples
    --------
    >>> a = np.zeros((2, 3))
    >>> view = cells(a)
    >>> view[1, 2] += 1.5
    >>> a[1, 2], view[1, 2]
    (np.float64(1.5), 1.5)
    """
    if a.dtype != np.float64:
        raise TypeError(f"cells of a float64 array, not {a.dtype}")
    return cast("memoryview[float]", a.data)


def flat_cells(a: NDArray[np.float64]) -> memoryview[float]:
    """The memory of the C-ordered float64 array ``a`` as one row of cells: element ``[m, i]`` of a 2-D ``a`` is ``[m * a.shape[1] + i]``.

    One index costs less than a pair on a memoryview (about 1,290 instructions against 1,620 in
    CPython 3.11), with the same double-precision arithmetic.  An array not in C order is refused
    (``TypeError``, from the casts), so no copy is written by mistake.

    Examples
    --------
    >>> a = np.zeros((2, 3))
    >>> view = flat_cells(a)
    >>> view[1 * 3 + 2] += 1.5
    >>> a[1, 2], len(view)
    (np.float64(1.5), 6)
    """
    return cells(a).cast("B").cast("d")


class MonthRows:
    """Counts per month and column kept as a list of Python floats, each month's row copied to their array as it closes.

    :attr:`cells` holds the array's values in C order (month m, column i at
    m x :attr:`width` + i): one contract at a time adds to an item of a
    list for less than to a cell of an array, with the same double-precision
    arithmetic.  :meth:`close` packs month m's row into the array's memory
    (the same doubles, as ``rows[m] = cells[...]`` converts them, for a
    fraction of numpy's conversion of a list); the array is read only where
    its rows are closed months', and no one writes a closed month's row of
    the list.

    Parameters
    ----------
    rows : array, shape (months, columns)
        The C-ordered float64 array the rows are copied to (its values so far are the list's start).

    Examples
    --------
    >>> a = np.zeros((3, 2))
    >>> counts = MonthRows(a)
    >>> counts.cells[1 * 2 + 0] += 1.0
    >>> float(a[1, 0])
    0.0
    >>> counts.close(1)
    >>> a[1].tolist()
    [1.0, 0.0]
    """

    __slots__ = ("_memory", "_row", "cells", "rows", "width")

    def __init__(self, rows: NDArray[np.float64]) -> None:
        if rows.dtype != np.float64 or not rows.flags.c_contiguous:
            raise TypeError("month rows of a C-ordered float64 array")
        self.cells: list[float] = rows.ravel().tolist()
        self.rows = rows
        self.width: int = rows.shape[1]
        self._row = struct.Struct(f"{self.width}d")  # one row's doubles, native (the array's own layout)
        self._memory = rows.data  # the array's memory, which the rows are packed into

    def close(self, month: int) -> None:
        """Month ``month`` closes: copy its row of :attr:`cells` to :attr:`rows` (packed into the array's memory)."""
        width = self.width
        self._row.pack_into(self._memory, month * self._row.size, *self.cells[month * width : (month + 1) * width])


class RunRows(MonthRows):
    """:class:`MonthRows` that nothing reads before the run's end: every row copied to the array at once, as its last month closes.

    :attr:`cells` as in :class:`MonthRows`; :meth:`close` does nothing
    before month ``last`` and packs all of :attr:`cells` into the array's
    memory then (the same doubles as a row at a time).  Added to one at a
    time through the run, read only in its results, such counts cost one
    copy a run, not one a month.

    Parameters
    ----------
    rows : array, shape (months, columns)
        The C-ordered float64 array the rows are copied to (its values so far are the list's start).
    last : int
        The run's last month: its close copies the rows.

    Examples
    --------
    >>> a = np.zeros((3, 2))
    >>> counts = RunRows(a, 1)
    >>> counts.cells[0 * 2 + 1] += 1.0
    >>> counts.close(0)
    >>> float(a[0, 1])
    0.0
    >>> counts.close(1)
    >>> a.tolist()
    [[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
    """

    __slots__ = ("_last",)

    def __init__(self, rows: NDArray[np.float64], last: int) -> None:
        super().__init__(rows)
        self._row = struct.Struct(f"{rows.size}d")  # every row's doubles, native
        self._last = last

    def close(self, month: int) -> None:
        """Month ``month`` closes: at the last (or later) copy every row of :attr:`cells` to :attr:`rows`."""
        if month >= self._last:
            self._row.pack_into(self._memory, 0, *self.cells)


#: Lists of at least this many floats become arrays by packing their doubles (:func:`packed_floats`).
_PACK_FROM = 16


def float_packer(n: int) -> struct.Struct | None:
    """What :func:`packed_floats` makes a list of ``n`` floats an array with: ``n`` doubles packed, None below :data:`_PACK_FROM`."""
    return struct.Struct(f"{n}d") if n >= _PACK_FROM else None


def packed_floats(values: list[float], packer: struct.Struct | None) -> NDArray[np.float64]:
    """``np.array(values, dtype=np.float64)`` of a list of Python floats (or ints); read-only if packed.

    ``packer`` (:func:`float_packer` of ``len(values)``) packs their doubles as
    ``np.array`` converts each (``PyFloat_AsDouble``) for a read-only array
    to read: for 300 values (a platform each in ``national``) about a third
    of the time of ``np.array``, a quarter of ``np.fromiter``'s
    instructions.  A few values (None) are cheaper by ``np.array``.
    """
    if packer is None:
        return np.array(values, dtype=np.float64)
    return np.frombuffer(packer.pack(*values))


def packed_ints(values: list[int]) -> NDArray[np.int64]:
    """``np.array(values, dtype=np.int64)`` of a list of Python ints (or bools), read-only: their words packed at once.

    ``struct`` packs each as ``np.array`` converts it (an int outside int64
    is refused by both), in about 40% of its instructions for a few
    thousand values (no type discovery, no call per value).

    Examples
    --------
    >>> packed_ints([3, True, -5]).tolist()
    [3, 1, -5]
    """
    return np.frombuffer(struct.pack(f"{len(values)}q", *values), dtype=np.int64)
