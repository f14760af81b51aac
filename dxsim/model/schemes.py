"""Payment schemes: what the enterprise pays the platform, month by month.

Pure and vectorised; the same functions serve the enterprise's decision (on
perceived gains, months counted from signing) and the realised payments (on
realised gains, months counted from the signing month).  A scheme's payments
have two parts:

* fixed: known at signing, counted from the signing month (upfront,
  instalments, the upfront fraction of a hybrid);
* deferred: paid from go-live and, for revenue share, depending on its base
  (subscription, revenue share, the rest of a hybrid): the gain the
  enterprise reports (``reported_share`` x the realised gain, nothing once
  the project has failed) or its revenue (whether the project works or not).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dxsim.scenario.schema import Hybrid, Installments, PaymentScheme, RevenueShare, Subscription, Upfront

__all__ = [
    "deferred_owed",
    "deferred_payments",
    "due_if_failed",
    "expected_payments",
    "fixed_months",
    "fixed_payments",
    "is_deferred",
    "most_paid",
    "on_revenue",
    "window",
]


def is_deferred(scheme: PaymentScheme) -> bool:
    """True when any of the enterprise's part is paid after signing (receivables arise)."""
    return not isinstance(scheme, Upfront)


def on_revenue(scheme: PaymentScheme) -> bool:
    """True when the deferred part is a share of revenue: due whether or not the project works."""
    return isinstance(scheme, RevenueShare | Hybrid) and scheme.base == "revenue"


def due_if_failed(scheme: PaymentScheme) -> bool:
    """True when the deferred part is due whether or not the project works (subscription, a share of revenue).

    Otherwise a failed project pays none of it (:func:`deferred_payments` with ``works`` False: zeros).
    """
    return isinstance(scheme, Subscription) or on_revenue(scheme)


def expected_payments(
    scheme: PaymentScheme,
    owed: NDArray[np.float64],
    months: int,
    golive: NDArray[np.float64],
    gain: NDArray[np.float64] | None,
    revenue: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """What each enterprise expects to pay the platform per month if its project works and if it fails.

    The fixed part from signing (:func:`fixed_payments`) and the deferred
    part from the expected go-live (:func:`deferred_payments`), on a grid of
    ``months`` months from signing, yuan / month, shape (n, months) each.

    Parameters
    ----------
    scheme : PaymentScheme
        The payment scheme.
    owed : array, shape (n,)
        What each owes the platform on the price, yuan (never negative: a
        failed project then pays none of a revenue share of the gain).
    months : int
        Months of the grid.
    golive : array, shape (n,)
        Expected go-live, months from signing.
    gain : array, shape (n, months), or None
        The gain expected if the project works, yuan / month (the base of a
        revenue share of the gain); None where ``scheme`` has no deferred part.
    revenue : array, shape (n,), optional
        Revenue, yuan / month: the base of a revenue share on revenue.

    Returns
    -------
    (array, array)
        If it works, if it fails: one and the same array when the two are
        the same (:func:`due_if_failed`, or no deferred part).
    """
    paid = fixed_payments(scheme, owed, months)
    if window(scheme) == 0:
        return paid, paid
    if gain is None:
        raise ValueError("a scheme with a deferred part needs the gain expected")
    works = np.ones(len(owed), dtype=bool)
    ok = paid + deferred_payments(scheme, owed, gain, golive.astype(np.int64), works, revenue)
    return ok, ok if due_if_failed(scheme) else paid  # a failed project pays none of the deferred part then


def fixed_months(scheme: PaymentScheme) -> int:
    """Months the fixed part of ``scheme`` spans from the signing month."""
    return scheme.months if isinstance(scheme, Installments) else 1


def window(scheme: PaymentScheme) -> int:
    """Months after go-live the deferred part can span (0 when there is none)."""
    return scheme.term_months if isinstance(scheme, RevenueShare | Subscription | Hybrid) else 0


def deferred_owed(scheme: PaymentScheme, owed: NDArray[np.float64]) -> NDArray[np.float64]:
    """The part of ``owed`` (yuan) that ``scheme`` pays from go-live."""
    if isinstance(scheme, RevenueShare | Subscription):
        return np.asarray(owed, dtype=np.float64)
    if isinstance(scheme, Hybrid):
        return np.asarray((1.0 - scheme.upfront_fraction) * owed)
    return np.zeros_like(owed, dtype=np.float64)


def most_paid(scheme: PaymentScheme, owed: NDArray[np.float64]) -> NDArray[np.float64]:
    """The most an enterprise can ever pay the platform under ``scheme`` (yuan), fixed and deferred parts.

    Revenue share and hybrid: the deferred part up to ``cap_multiple`` times;
    subscription with a fee: the fee for the whole term.

    Examples
    --------
    >>> rs = RevenueShare(scheme="revenue_share", rate=0.5, cap_multiple=1.5, term_months=36)
    >>> most_paid(rs, np.array([100.0])).tolist()
    [150.0]
    """
    a = np.asarray(owed, dtype=np.float64)
    if isinstance(scheme, Upfront | Installments):  # no deferred part: all of it, as it is
        return a
    fixed = a - deferred_owed(scheme, a)
    if isinstance(scheme, RevenueShare | Hybrid):
        return np.asarray(fixed + scheme.cap_multiple * deferred_owed(scheme, a))
    if isinstance(scheme, Subscription) and scheme.fee is not None:
        return np.asarray(fixed + scheme.fee * scheme.term_months)
    return a


def fixed_payments(scheme: PaymentScheme, owed: NDArray[np.float64], months: int) -> NDArray[np.float64]:
    """Payments known at signing, per month from the signing month (month 0).

    Parameters
    ----------
    scheme : PaymentScheme
        The payment scheme.
    owed : array
        What each enterprise owes the platform on the price (yuan).
    months : int
        Width of the schedule; at least :func:`fixed_months`.

    Returns
    -------
    array, shape ``owed.shape + (months,)``
        Yuan per month.

    Examples
    --------
    >>> fixed_payments(Installments(scheme="installments", months=4), np.array([100.0]), 6).tolist()
    [[25.0, 25.0, 25.0, 25.0, 0.0, 0.0]]
    """
    a = np.asarray(owed, dtype=np.float64)
    out = np.zeros((*a.shape, months))
    if isinstance(scheme, Installments):
        if months < scheme.months:
            raise ValueError(f"months(={months}) must be >= the {scheme.months} instalments.")
        out[..., : scheme.months] = (a / scheme.months)[..., None]
    elif isinstance(scheme, Upfront):
        out[..., 0] = a
    elif isinstance(scheme, Hybrid):
        out[..., 0] = scheme.upfront_fraction * a
    return out


def deferred_payments(
    scheme: PaymentScheme,
    owed: NDArray[np.float64],
    gain: NDArray[np.float64],
    golive: NDArray[np.int64],
    works: NDArray[np.bool_],
    revenue: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Payments from go-live, per month on the grid of ``gain``.

    Parameters
    ----------
    scheme : PaymentScheme
        The payment scheme.
    owed : array, shape (n,)
        What each enterprise owes the platform on the price (yuan).
    gain : array, shape (n, months)
        Gain (incremental profit before tax) in each month of the grid, yuan.
    golive : array of int, shape (n,)
        Grid month in which the solution goes live; the term starts there.
    works : array of bool, shape (n,)
        False for a failed project (it pays nothing under a revenue share of
        the reported gain).
    revenue : array, shape (n,), optional
        Each enterprise's revenue, yuan / month: the base of a revenue share
        on revenue (required then, unused otherwise).

    Returns
    -------
    array, shape (n, months)
        Yuan per month.  Revenue share (and a hybrid's rest) while the term
        runs, until ``cap_multiple`` x the deferred part is paid: on the
        reported gain ``max(rate x reported_share x gain, floor)`` while the
        solution works; on revenue ``max(rate x revenue, floor)``, working
        or not.  Subscription: the fee for the term.

    Examples
    --------
    >>> rs = RevenueShare(scheme="revenue_share", rate=0.5, cap_multiple=1.2, term_months=24, reported_share=1.0)
    >>> deferred_payments(rs, np.array([25.0]), np.full((1, 5), 20.0), np.array([1]), np.array([True])).tolist()
    [[0.0, 10.0, 10.0, 10.0, 0.0]]
    >>> on_sales = RevenueShare(scheme="revenue_share", base="revenue", rate=0.05, term_months=24)
    >>> deferred_payments(on_sales, np.array([25.0]), np.zeros((1, 4)), np.array([1]), np.array([False]),
    ...                   revenue=np.array([200.0])).tolist()  # 5% of 200 a month, failed or not
    [[0.0, 10.0, 10.0, 10.0]]
    """
    n, months = gain.shape
    out = np.zeros((n, months))
    if not isinstance(scheme, RevenueShare | Subscription | Hybrid):
        return out
    col = np.arange(months)
    in_term = (col >= golive[:, None]) & (col < golive[:, None] + scheme.term_months)
    base = deferred_owed(scheme, owed)
    if isinstance(scheme, Subscription):
        fee = base / scheme.term_months if scheme.fee is None else np.full(n, scheme.fee)
        return np.where(in_term, fee[:, None], 0.0)
    if on_revenue(scheme):
        if revenue is None:
            raise ValueError("a revenue share on revenue needs each enterprise's revenue")
        due = np.where(in_term, np.maximum(scheme.rate * np.asarray(revenue)[:, None], scheme.floor), 0.0)
    else:
        reported = scheme.rate * scheme.reported_share * gain
        due = np.where(in_term & works[:, None], np.maximum(reported, scheme.floor), 0.0)
    paid = np.minimum(np.cumsum(due, axis=1), (scheme.cap_multiple * base)[:, None])
    return np.diff(paid, axis=1, prepend=0.0)
