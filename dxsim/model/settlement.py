"""Settlement at go-live: the money of contracts whose schedule becomes known.

When a solution goes live, everything that follows is a known function of its
go-live time and the enterprise's keyed draws: the gain month by month, the
solution's subscription fees, and the payments from go-live under
subscription, revenue-share and hybrid schemes.  :func:`settle` computes these
for a batch of contracts at once, as arrays on a grid of months that starts
at each contract's go-live month; the world writes them to the ledger (the
taxes on them when the run's books close, :mod:`dxsim.model.closing`).

An enterprise that exits (:mod:`dxsim.model.lifecycle`) realises its gain
and pays the solution's fee until its exit time, and pays the platform in
each month it begins in business; what it then still owes on the deferred
part is a payment shortfall the platform writes off in the exit month (or
at go-live, if it left before).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dxsim.finance import gain_profile
from dxsim.model.schemes import deferred_owed, deferred_payments, due_if_failed, window
from dxsim.scenario.schema import PaymentScheme

__all__ = ["Settlement", "nonzero", "settle", "within"]


@dataclass(frozen=True)
class Settlement:
    """Schedules of a batch of contracts (rows) over months ``start[:, None] + arange(width)``.

    All money in yuan per month; ``shortfall`` and ``premium`` are totals per
    contract (yuan): what the deferred payments fall short of, or exceed, the
    deferred part owed.  Schedules of zeros may be one array: read them only.
    """

    start: NDArray[np.int64]
    gain: NDArray[np.float64]
    subscription: NDArray[np.float64]
    payments: NDArray[np.float64]
    collected: NDArray[np.float64]  # payments counted towards the deferred part (at most what is owed)
    shortfall: NDArray[np.float64]
    premium: NDArray[np.float64]
    write_off_month: NDArray[np.int64]  # when the platform writes the shortfall off

    @property
    def months(self) -> NDArray[np.int64]:
        """Calendar month (since the scenario start) of every grid cell."""
        return self.start[:, None] + np.arange(self.gain.shape[1])


def settle(
    *,
    golive: NDArray[np.float64],
    monthly_gain: NDArray[np.float64],
    works: NDArray[np.bool_],
    ramp: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    fee: NDArray[np.float64],
    owed: NDArray[np.float64],
    scheme: PaymentScheme,
    acceptance_delay: float,
    revenue: NDArray[np.float64] | None = None,
    exit_time: NDArray[np.float64] | None = None,
    horizon: int | None = None,
) -> Settlement:
    """Schedules of contracts going live at ``golive`` (months since start).

    Parameters
    ----------
    golive : array
        Go-live times, months since the scenario start.
    monthly_gain : array
        Full monthly gain (incremental profit before tax) once ramped up, yuan / month.
    works : array of bool
        False for failed projects (no gain, no fee, nothing paid under a
        revenue share of the reported gain).
    ramp, lifetime : array
        Ramp-up and lifetime of the gain, months.
    fee : array
        The solution's subscription fee, yuan / month for the lifetime.
    owed : array
        What each enterprise owes the platform on the price, yuan.
    scheme : PaymentScheme
        The contract's payment scheme.
    acceptance_delay : float
        Months from go-live to acceptance, when a failed project's unpaid
        deferred part is written off (at the end of the term under a revenue
        share of revenue or a subscription, which a failed project keeps
        paying, or at the enterprise's exit).
    revenue : array, optional
        Each enterprise's revenue, yuan / month: the base of a revenue share
        on revenue (required then).
    exit_time : array, optional
        When each enterprise exits, months since the start (inf or omitted:
        not within the horizon).
    horizon : int, optional
        The run's horizon, if the gain and the fees are wanted only before
        it: a scheme with nothing paid from go-live (:func:`~dxsim.model.schemes.window` 0)
        then ends the grid at the horizon where it can (no row's cells before it
        are left out, each cell is as on the whole grid; the payments are
        zeros all the same).
    """
    start = np.floor(golive).astype(np.int64)
    term = window(scheme)
    width = int(max(np.ceil(lifetime.max()) + 2 if len(lifetime) else 1, term + 1))
    if horizon is not None and term == 0 and len(start):  # nothing read beyond the horizon
        width = max(1, min(width, horizon - int(start.min())))
    offset = golive - start
    gone = np.full(len(golive), np.inf) if exit_time is None else exit_time
    life = np.minimum(lifetime, np.maximum(gone - golive, 0.0))  # the gain and the fee stop at the exit
    gain = gain_profile(np.where(works, np.clip(monthly_gain, 0.0, None), 0.0), offset, ramp, life, width)
    charged = np.where(works, fee, 0.0)
    # every schedule of zeros below is this one read-only broadcast of 0.0 (no grid written); in a term of 0 months
    # (e.g. upfront) nothing is paid from go-live: deferred_payments would give zeros, every cell outside the term
    zeros = np.broadcast_to(0.0, gain.shape)
    subscription = gain_profile(charged, offset, 0.0, life, width) if charged.any() else zeros
    payments = deferred_payments(scheme, owed, gain, np.zeros(len(golive), np.int64), works, revenue) if term else zeros
    paying = bool(term) and bool(payments.any())
    if paying and np.isfinite(gone).any():  # the enterprise pays in the months it begins in business
        payments = np.where(start[:, None] + np.arange(width) < gone[:, None], payments, 0.0)
    base = deferred_owed(scheme, owed)
    if paying:
        capped = np.minimum(np.cumsum(payments, axis=1), base[:, None])
        collected = np.diff(capped, axis=1, prepend=0.0)
        total = payments.sum(axis=1)
    else:  # nothing paid from go-live (e.g. upfront): nothing collected (what is owed is never negative)
        collected, total = zeros, np.zeros(len(golive))
    # a project that works, or a failed one that keeps paying (due_if_failed), pays to the end of its term
    ends = np.where(works | due_if_failed(scheme), start + term, start + int(np.ceil(acceptance_delay)))
    ends = np.where(gone < ends, np.maximum(start, np.floor(gone)), ends)  # written off at the exit
    return Settlement(
        start=start,
        gain=gain,
        subscription=subscription,
        payments=payments,
        collected=collected,
        shortfall=np.clip(base - total, 0.0, None),
        premium=np.clip(total - base, 0.0, None),
        write_off_month=ends.astype(np.int64),
    )


def nonzero(arrays: list[NDArray[np.float64]]) -> list[bool]:
    """Whether each of ``arrays`` has an element that is not 0, read once per distinct array.

    A :class:`Settlement`'s schedules of zeros may be one array: it is read
    once, however many of them it is.  An array whose every element is one
    value (strides all 0: a broadcast of it) is answered by that value.

    Examples
    --------
    >>> zeros = np.broadcast_to(0.0, (2, 3))
    >>> nonzero([zeros, np.array([0.0, 2.0]), zeros])
    [False, True, False]
    """
    seen: dict[int, bool] = {}
    out = []
    for a in arrays:
        if id(a) not in seen:
            one = a.size > 0 and not any(a.strides)  # every element is the one in memory
            seen[id(a)] = bool(a[(0,) * a.ndim]) if one else _any(a)
        out.append(seen[id(a)])
    return out


#: Elements of a large C-ordered schedule :func:`_any` reads first: a schedule with money (the gains of
#: contracts gone live) has some in its first rows.
_FIRST = 4096


def _any(a: NDArray[np.float64]) -> bool:
    """``a.any()``: the first :data:`_FIRST` elements of a large C-ordered array, then the rest only if they are all 0.

    numpy's ``any`` of floats reads every element; a schedule with money is
    answered by its first rows.

    Examples
    --------
    >>> big = np.zeros((3, 2000))
    >>> _any(big), _any(np.pad(big, ((0, 0), (0, 1)), constant_values=np.nan)), _any(big[:, :1])
    (False, True, False)
    """
    if a.size > _FIRST and a.flags.c_contiguous:
        flat = a.reshape(-1)
        return bool(flat[:_FIRST].any()) or bool(flat[_FIRST:].any())
    return bool(a.any())


def within(
    amount: NDArray[np.float64], months: NDArray[np.int64], horizon: int, *, overwrite: bool = False
) -> NDArray[np.float64]:
    """``amount * (months < horizon)``: a schedule censored at the horizon, the same products where they change a cell.

    ``months`` is the calendar month of each cell, increasing along each row
    (:attr:`Settlement.months`).  A row whose last month lies before the
    horizon is ``amount``'s own (``x * 1`` is ``x``, NaN and -0.0 included):
    only the rows from the first that reaches the horizon are multiplied;
    ``amount`` itself where none does.  ``amount`` is read, never written,
    unless ``overwrite``: then its rows from the first that reaches the
    horizon are multiplied in place (``amount`` must be a writable array
    of its own, read by no one after) and it is returned; the rows before
    are not copied.

    Examples
    --------
    >>> months = np.array([[3, 4, 5], [5, 6, 7], [4, 5, 6]])
    >>> within(np.array([[1.0, 2.0, 3.0], [4.0, np.nan, 6.0], [7.0, 8.0, 9.0]]), months, 6).tolist()
    [[1.0, 2.0, 3.0], [4.0, nan, 0.0], [7.0, 8.0, 0.0]]
    """
    reaching = np.flatnonzero(months[:, -1] >= horizon)
    if not amount.size or not len(reaching):  # every cell before the horizon
        return amount
    first = int(reaching[0])
    if overwrite:  # the same products, into the rows they change
        np.multiply(amount[first:], months[first:] < horizon, out=amount[first:])
        return amount
    if first == 0:  # every row multiplied
        return np.asarray(amount * (months < horizon))
    out = np.empty(amount.shape)
    out[:first] = amount[:first]
    np.multiply(amount[first:], months[first:] < horizon, out=out[first:])
    return out
