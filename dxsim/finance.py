"""Pure cash-flow mathematics, vectorised along the last axis.

Conventions (as numpy-financial): ``flows[..., 0]`` happens at time 0 and
``flows[..., k]`` at the end of period ``k``; a ``rate`` is per period (per
month in dxsim) and broadcasts against the leading axes of ``flows``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "annual_rate",
    "discount_factors",
    "gain_profile",
    "irr",
    "monthly_rate",
    "npv",
    "payback_period",
    "ramp_integral",
    "straight_line",
]

#: Grids of at least this many cells broadcast a uniform per-row value as one (:func:`_one_if_uniform`).
_UNIFORM_CELLS = 4096

#: Tables of at least this many rows are read at one period per row by one gather from memory (:func:`_at`).
_GATHER_ROWS = 1024


def discount_factors(rate: ArrayLike, periods: int) -> NDArray[np.float64]:
    """``(1 + rate) ** -k`` for ``k = 0, ..., periods - 1``; shape ``rate.shape + (periods,)``."""
    r = np.asarray(rate, dtype=np.float64)[..., None]
    return np.asarray((1.0 + r) ** -np.arange(periods, dtype=np.float64))


def npv(rate: ArrayLike, flows: ArrayLike, *, factors: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Net present value of ``flows`` at ``rate`` per period.

    Parameters
    ----------
    rate : float or array
        Discount rate per period; broadcasts against ``flows[..., 0]``.
    flows : array
        Cash flows (yuan), ``flows[..., k]`` at the end of period ``k``.
    factors : array, optional
        ``discount_factors(rate, periods)`` over at least the periods of ``flows``, if computed
        before (no unit); only their first periods are read (fewer periods than ``flows`` raise
        ValueError).  None computes them (the same).

    Returns
    -------
    array
        ``sum_k flows[..., k] / (1 + rate) ** k`` (yuan).

    Examples
    --------
    >>> float(npv(1.0, [-100, 100, 100]))  # -100 + 100/2 + 100/4
    -25.0
    """
    f = np.asarray(flows, dtype=np.float64)
    n = f.shape[-1]
    if factors is None:
        return np.asarray(np.add.reduce(f * discount_factors(rate, n), axis=-1))
    if factors.shape[-1] < n:  # fewer would broadcast (one period) or fail far from the cause
        raise ValueError(f"npv: factors over {factors.shape[-1]} periods for flows over {n}")
    return np.asarray(np.add.reduce(f * factors[..., :n], axis=-1))


def irr(flows: ArrayLike, *, low: float = -0.5, high: float = 10.0, iterations: int = 200) -> NDArray[np.float64]:
    """Internal rate of return per period, along the last axis; NaN unless the flow is an investment.

    An IRR means something only for a flow that starts with an outlay (its
    first non-zero flow is negative) and changes sign (some later flow is
    positive).  Anything else is NaN: a flow that starts with an inflow (a
    platform paid before it delivers) has no rate of return, only a rate of
    borrowing, and a flow that never changes sign has no rate at all.
    Among investments, the rate r in ``(low, high)`` at which :func:`npv` is
    0, found by bisection (vectorised over the leading axes); for
    conventional flows (outlays first, then inflows: one sign change) it is
    the unique IRR.

    Parameters
    ----------
    flows : array
        Cash flows (yuan), ``flows[..., k]`` at the end of period ``k``.
    low, high : float
        Bracket of rates searched, per period.
    iterations : int
        Bisection steps at most (200 halve the bracket far below float
        precision); they stop once a step changes nothing, as every later
        one would change nothing either.

    Returns
    -------
    array
        Rate per period; NaN where the flow does not start with an outlay,
        never changes sign, or has the same NPV sign at both ends of the
        bracket (no rate inside it).

    Examples
    --------
    >>> round(float(irr([-100, 110])), 12)
    0.1
    >>> round(float(irr([0, -100, 110])), 12)  # leading zeros: the outlay is the first flow that counts
    0.1
    >>> bool(np.isnan(irr([-100, 50, 40])))
    False
    >>> bool(np.isnan(irr([-100, -10])))  # never changes sign
    True
    >>> bool(np.isnan(irr([100, -110])))  # starts with an inflow: paid before it delivers
    True
    >>> bool(np.isnan(irr([0.0, 0.0])))
    True
    """
    f = np.asarray(flows, dtype=np.float64)
    shape = f.shape[:-1]
    nonzero = f != 0.0
    first = np.take_along_axis(f, np.argmax(nonzero, axis=-1)[..., None], axis=-1)[..., 0]
    investment = (first < 0.0) & (f > 0.0).any(axis=-1)  # starts with an outlay, changes sign
    a, b = np.full(shape, low), np.full(shape, high)
    fa, fb = npv(a, f), npv(b, f)
    ok = np.isfinite(fa) & np.isfinite(fb) & (np.sign(fa) != np.sign(fb))
    for _ in range(iterations):
        mid = (a + b) / 2.0
        fm = npv(mid, f)
        left = np.sign(fm) == np.sign(fa)
        step = a, b, fa
        a, fa = np.where(left, mid, a), np.where(left, fm, fa)
        b = np.where(left, b, mid)
        if all(new.tobytes() == old.tobytes() for new, old in zip((a, b, fa), step, strict=True)):
            break  # a step is a function of (a, b, fa) alone: unchanged by one, they stay so to the last
    exact = fa == 0.0
    rate = np.where(exact, a, (a + b) / 2.0)
    return np.asarray(np.where(investment & (ok | exact), rate, np.nan))


def monthly_rate(annual: ArrayLike) -> NDArray[np.float64]:
    """The monthly rate equivalent to an annual one: ``(1 + r) ** (1 / 12) - 1``."""
    return np.asarray((1.0 + np.asarray(annual, dtype=np.float64)) ** (1.0 / 12.0) - 1.0)


def annual_rate(monthly: ArrayLike) -> NDArray[np.float64]:
    """The annual rate equivalent to a monthly one: ``(1 + r) ** 12 - 1``."""
    return np.asarray((1.0 + np.asarray(monthly, dtype=np.float64)) ** 12 - 1.0)


def payback_period(flows: ArrayLike, rate: ArrayLike | None = None, *, final: bool = False) -> NDArray[np.float64]:
    """Periods until the running total of ``flows`` first reaches zero.

    The crossing is interpolated linearly inside the period where it happens.

    Parameters
    ----------
    flows : array
        Cash flows (yuan) along the last axis.
    rate : float or array, optional
        Discount rate per period; if given the discounted payback is returned.
    final : bool
        Report instead when the running total is non-negative for good: the
        end of its last dip below zero.  The same for conventional flows
        (outlays, then returns); it differs when the total starts
        non-negative and dips later (a platform paid before it delivers),
        where the first-crossing payback is 0.

    Returns
    -------
    array
        Fractional periods; 0 where ``flows[..., 0] >= 0`` (with ``final``:
        where the running total is never negative); NaN where the running
        total never reaches 0 (with ``final``: is negative at the end).

    Examples
    --------
    >>> float(payback_period([-100, 40, 40, 40]))
    2.5
    >>> bool(np.isnan(payback_period([-100, 10])))
    True
    >>> float(payback_period([50, -100, 100])), float(payback_period([50, -100, 100], final=True))
    (0.0, 1.5)
    """
    f = np.asarray(flows, dtype=np.float64)
    n = f.shape[-1]
    factors = None if rate is None else discount_factors(rate, n)
    cum = _running_total(f) if factors is None else _running_total(f * factors, overwrite=True)
    if final and factors is None and f.shape[:-1] == (1,):  # one series (a re-decision at signing): on floats
        return _final_payback_of_one(f[0], cum[0])
    if final:
        negative = cum < 0.0
        # the period in which it turns non-negative: 1 + the last with a negative total, 0 if none
        start = (negative * np.arange(1, n + 1, dtype=np.int16 if n < 2**15 else np.int64)).max(axis=-1)
        never = negative[..., -1]
    else:
        reached = cum >= 0.0
        start = np.argmax(reached, axis=-1)
        never = np.asarray(~reached.any(axis=-1))
    if n == 1:
        return np.asarray(np.where(never, np.nan, 0.0))
    k = np.minimum(np.maximum(start, 1), n - 1)
    before = k - 1  # the period before the one of the crossing
    prev = _at(cum, before)
    step = _at(f if factors is None else np.broadcast_to(f, cum.shape), k)
    if factors is not None:  # the discounted flow, the same product as in the running total
        step = step * _at(np.broadcast_to(factors, cum.shape), k)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        frac = np.asarray(np.where(step > 0, -prev / step, 1.0))
    # No clip to [0, 1] needed: where the crossing is read (0 < start < n) the total before it is
    # negative and the one at it (their sum, rounded) is not, so a positive step is at least -prev
    # and the quotient is in [0, 1] (NaN only for inf / inf, as a clip would leave it).
    out = np.where(start == 0, 0.0, np.add(before, frac, out=frac))
    return np.asarray(np.where(never, np.nan, out))


def _final_payback_of_one(f: NDArray[np.float64], cum: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`payback_period` with ``final`` of the one series ``f`` (periods; ``cum`` its running total), as one entry.

    The same steps on Python floats where numpy would take each on one element: the same IEEE
    negation, quotient and sum (the period before the crossing a whole number, exact as a float),
    so the same bits, in a few numpy calls rather than a dozen and an ``errstate``.
    """
    n = len(f)
    negative = (cum < 0.0).nonzero()[0]
    start = int(negative[-1]) + 1 if len(negative) else 0  # 1 + the last period with a negative total, 0 if none
    if start == n:  # negative at the end: never for good
        return np.array([np.nan])
    if start == 0:  # never negative
        return np.array([0.0])
    before, step = start - 1, f.item(start)  # the crossing in period start, inside (0, n): k = start
    return np.array([before + (-cum.item(before) / step if step > 0 else 1.0)])


def _at(a: NDArray[np.float64], k: NDArray[np.integer]) -> NDArray[np.float64]:
    """``a[..., k]`` series by series: ``np.take_along_axis`` along the last axis (in fewer calls for a table)."""
    if a.ndim == 2:
        rows, periods = a.shape
        if rows >= _GATHER_ROWS and a.strides[0] == 0:  # one series broadcast to every row
            return np.asarray(np.take(a[0], k))
        if a.flags.c_contiguous:  # one gather from memory (a[i, k]: element i x periods + k), whatever the rows
            return a.reshape(-1).take(k + np.arange(0, rows * periods, periods))  # (k as int64: no overflow)
        if rows >= _GATHER_ROWS and a.flags.f_contiguous:  # one gather from Fortran-ordered memory: k x rows + i
            return a.T.reshape(-1).take(k.astype(np.intp) * rows + np.arange(rows))
        return np.asarray(a[np.arange(rows), k])  # a pair of index arrays: more instructions for a large table
    return np.asarray(np.take_along_axis(a, k[..., None], axis=-1)[..., 0])


def _running_total(f: NDArray[np.float64], *, overwrite: bool = False) -> NDArray[np.float64]:
    """``np.cumsum(f, axis=-1)``, bit for bit; into ``f`` itself if ``overwrite`` and ``f`` is large and in Fortran order.

    When there are many series (512 or more), one vectorised addition per
    period, faster than numpy's accumulation along the rows (up to several
    times when the periods are the outermost axis in memory, Fortran order;
    about twice for a few hundred rows of a few dozen months in C order).
    """
    if f.size < 512 * f.shape[-1]:
        return f.cumsum(axis=-1)
    periods = np.moveaxis(f, -1, 0)
    out = periods if overwrite and periods.flags.c_contiguous else np.empty(periods.shape)
    out[0] = periods[0]
    for k in range(1, len(periods)):
        np.add(out[k - 1], periods[k], out=out[k])  # the sum of cumsum, period by period
    return np.moveaxis(out, 0, -1)


def ramp_integral(s: ArrayLike, ramp: ArrayLike, lifetime: ArrayLike) -> NDArray[np.float64]:
    """Integral over [0, s] of the gain profile r(u) = min(u / ramp, 1) on [0, lifetime).

    Units: months of full gain.  ``ramp = 0`` means the full gain at once; a
    lifetime shorter than the ramp ends the gain before it is fully ramped up.

    Examples
    --------
    >>> float(ramp_integral(5.0, 10.0, 5.0))  # 5 ** 2 / (2 x 10)
    1.25
    """
    ramp_a = np.asarray(ramp, dtype=np.float64)
    life = np.asarray(lifetime, dtype=np.float64)
    s_arr = np.asarray(s, dtype=np.float64)
    shape = np.broadcast(s_arr, ramp_a, life).shape
    u = np.minimum(np.maximum(s_arr, 0.0), life)  # np.clip(s, 0, None), in one call
    if u.shape != shape or u.ndim == 0:  # a full array of its own, for the steps in place below
        u = np.array(np.broadcast_to(u, shape), dtype=np.float64, ndmin=1)
    # In place on arrays of the result's shape (this runs on every decision): same arithmetic as
    # where(u <= ramp, u * u / (2 ramp) [0 without a ramp], ramp / 2 + (u - ramp)).
    out = u * u
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out /= 2.0 * ramp_a
    if np.count_nonzero(ramp_a > 0) < ramp_a.size:
        out = np.where(ramp_a > 0, out, 0.0)
    past = ~(u <= ramp_a)
    if np.count_nonzero(past):
        u -= ramp_a
        u += ramp_a / 2.0
        np.copyto(out, u, where=past)
    return out.reshape(shape)


def gain_profile(
    gain: ArrayLike, golive: ArrayLike, ramp: ArrayLike, lifetime: ArrayLike, months: int
) -> NDArray[np.float64]:
    """Gain realised in each month ``[m, m + 1)`` for ``m = 0, ..., months - 1``.

    Parameters
    ----------
    gain : array
        Full monthly gain (yuan / month) once ramped up.
    golive : array
        Go-live time (months, on the same clock as ``m``).
    ramp, lifetime : array
        Ramp-up and lifetime of the gain (months).
    months : int
        Number of months returned.

    Returns
    -------
    array, shape ``gain.shape + (months,)``
        Yuan per month: ``gain x (R(m + 1 - golive) - R(m - golive))`` with
        ``R`` the :func:`ramp_integral`.

    Examples
    --------
    >>> gain_profile(1.0, 0.0, 0.0, 2.0, 4).tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    g = np.asarray(gain, dtype=np.float64)[..., None]
    t0 = np.asarray(golive, dtype=np.float64)[..., None]
    rmp = np.asarray(ramp, dtype=np.float64)[..., None]
    life = np.asarray(lifetime, dtype=np.float64)[..., None]
    edges = np.arange(months + 1, dtype=np.float64)
    if rmp.shape == t0.shape or rmp.shape == life.shape:  # the grid has its shape without it: it only broadcasts
        rmp = _one_if_uniform(rmp, rmp.size * len(edges))
    cum = ramp_integral(edges - t0, rmp, life)
    step = np.subtract(cum[..., 1:], cum[..., :-1])  # np.diff, in one call
    return np.asarray(g * step)


def _one_if_uniform(x: NDArray[np.float64], cells: int) -> NDArray[np.float64]:
    """``x`` as one value (shape ``(1,) * x.ndim``) if all its elements have the same bits and ``cells`` is large.

    An operation on a grid of ``cells`` then broadcasts one value instead of
    a value per row, which costs numpy fewer instructions; each element of
    its result is the same.
    """
    if cells < _UNIFORM_CELLS or x.size < 2:
        return x
    bits = x.reshape(-1).view(np.int64)
    return x.reshape(-1)[:1].reshape((1,) * x.ndim) if bool((bits == bits[0]).all()) else x


def straight_line(amount: ArrayLike, start: ArrayLike, length: ArrayLike, months: int) -> NDArray[np.float64]:
    """``amount`` spread evenly over ``[start, start + length)``: the part in each month ``[m, m + 1)``.

    Straight-line depreciation (or a steady fee) on a grid of ``months``
    months; a month partly covered gets its share.  The same as
    :func:`gain_profile` without a ramp, times ``length``, only faster.

    Parameters
    ----------
    amount : array
        Total spread (yuan).
    start, length : array
        When the spreading starts and how long it lasts (months, > 0).
    months : int
        Number of months returned.

    Returns
    -------
    array, shape ``amount.shape + (months,)``
        Yuan per month: ``amount / length x |[m, m + 1) & [start, start + length)|``.

    Examples
    --------
    >>> straight_line(120.0, 0.5, 12.0, 14).tolist()
    [5.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 5.0, 0.0]
    """
    a = np.asarray(amount, dtype=np.float64)[..., None]
    t0 = np.asarray(start, dtype=np.float64)[..., None]
    n = np.asarray(length, dtype=np.float64)[..., None]
    edges = np.arange(months + 1, dtype=np.float64)
    covered = np.minimum(edges[1:], t0 + n)
    covered -= np.maximum(edges[:-1], t0)
    np.maximum(covered, 0.0, out=covered)
    covered *= a / n  # in place: the same products as a / n * covered
    return covered
