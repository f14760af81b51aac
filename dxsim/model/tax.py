"""The tax law of a replication (MODEL.md "Tax"; FACTS rows 24, 31), pure numpy.

Enterprise income tax (EIT).  An enterprise j with annual taxable profit x
pays, in model month m, at the annual rate

    T_j(x, m) = rate_j(x, m) x max(x, 0),

where rate_j is the small-low-profit (SLP) rate of month m (``tax.small_low_profit_rate``
in the months that start on or before ``small_low_profit_until``, then
``small_low_profit_rate_after``) when x is at most the SLP threshold
(a high-tech enterprise takes the lower of it and the high-tech rate: the
preferences are not stacked, the enterprise picks the better one); above the
threshold ``high_tech_rate`` for a high-tech enterprise and ``general_rate``
otherwise.  A project's incremental EIT in month m is

    tax_m = [T_j(P_j + 12 g_m - 12 d_m, m) - T_j(P_j, m)] / 12,

with P_j = revenue_j x margin_j the base annual profit, g_m the month's gain
and d_m the month's straight-line deduction of what the enterprise paid for
the solution (so the class follows the firm's own profit including the gain).
A negative tax_m is a tax saving.  With the deprecated flat rate
(``programme.tax_rate``) tax_m = rate x g_m, as in dxsim 0.2.0.

Preferential rates are at most the general rate (the schema checks it), so
T_j is non-decreasing in x: a deduction lowers the tax, a gain raises it.

VAT.  Prices include VAT at rate v: a platform owes v / (1 + v) of what it
receives for the solution and deducts v / (1 + v) of the share of its
delivery cost that bears input VAT; a general VAT taxpayer deducts
v / (1 + v) of what it pays.

The platforms' EIT: ``platform_rate`` on each calendar year's profit, losses
carried forward up to five years, oldest first (EIT law art. 18):
:func:`carry_forward_tax`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dxsim.scenario.schema import Scenario

__all__ = ["LOSS_YEARS", "TaxLaw", "TaxPosition", "carry_forward_tax", "chosen"]

#: Years a platform's loss may be carried forward (EIT law art. 18).
LOSS_YEARS = 5


@dataclass(frozen=True)
class TaxLaw:
    """The tax law as plain numbers (shares, yuan / year, model months).

    Attributes
    ----------
    general_rate, high_tech_rate : float
        EIT rates above the SLP threshold.
    slp_rate, slp_rate_after : float
        SLP rates before and after ``slp_switch``.
    slp_switch : float
        Model month (since the scenario start) at which the SLP rate ends: a
        month m pays ``slp_rate`` when m < slp_switch.
    slp_threshold : float
        Annual taxable profit up to which an enterprise is SLP, yuan / year.
    platform_rate : float
        EIT of the platforms.
    vat_rate : float
        VAT rate v (prices include VAT).
    input_vat_share : float
        Share of a platform's delivery cost that bears input VAT.
    small_scale_vat_threshold : float
        Annual revenue above which an enterprise is a general VAT taxpayer, yuan / year.
    flat_rate : float or None
        The deprecated flat EIT rate on incremental profit (None = the law above).

    Examples
    --------
    >>> law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    >>> [float(t) for t in law.income_tax(np.array([2e6, 4e6]), np.array([False, False]), 0)]
    [100000.0, 1000000.0]
    >>> float(law.income_tax(2e6, True, 70))  # high-tech, SLP: the lower of 20% (after 2027) and 15%
    300000.0
    """

    general_rate: float
    high_tech_rate: float
    slp_rate: float
    slp_rate_after: float
    slp_switch: float
    slp_threshold: float
    platform_rate: float
    vat_rate: float
    input_vat_share: float
    small_scale_vat_threshold: float
    flat_rate: float | None = None

    @classmethod
    def of(cls, scenario: Scenario) -> TaxLaw:
        """The tax law of ``scenario`` (its ``[tax]`` table and the deprecated ``programme.tax_rate``)."""
        t = scenario.tax
        return cls(
            general_rate=t.general_rate,
            high_tech_rate=t.high_tech_rate,
            slp_rate=t.small_low_profit_rate,
            slp_rate_after=t.small_low_profit_rate_after,
            slp_switch=scenario.month_of(t.small_low_profit_until, end_of_day=True),
            slp_threshold=t.small_low_profit_threshold,
            platform_rate=t.platform_rate,
            vat_rate=t.vat_rate,
            input_vat_share=t.platform_input_vat_share,
            small_scale_vat_threshold=t.small_scale_vat_threshold,
            flat_rate=scenario.programme.tax_rate,
        )

    @property
    def vat_share(self) -> float:
        """v / (1 + v): the VAT inside a price that includes it."""
        return self.vat_rate / (1.0 + self.vat_rate)

    def general_vat(self, revenue: ArrayLike) -> NDArray[np.bool_]:
        """Whether enterprises with annual ``revenue`` (yuan / year) are general VAT taxpayers."""
        return np.asarray(np.asarray(revenue, dtype=np.float64) > self.small_scale_vat_threshold)

    def before_switch(self, month: ArrayLike) -> NDArray[np.bool_]:
        """Whether model months ``month`` pay the first SLP rate (``month < slp_switch``, compared as float64).

        Integer months are compared with the first integer not below the
        switch, without converting them: the same answer (for months below
        2 ** 53 in magnitude).

        Examples
        --------
        >>> law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.5, 3e6, 0.25, 0.06, 0.5, 5e6)
        >>> law.before_switch(np.array([63, 64, 65])).tolist(), law.before_switch(64.6).tolist()
        ([True, True, False], False)
        """
        m = np.asarray(month)
        if m.dtype.kind in "iu" and math.isfinite(self.slp_switch):
            return np.asarray(np.less(m, math.ceil(self.slp_switch)))
        return np.asarray(np.less(m, self.slp_switch))

    def slp_rates(self, month: ArrayLike) -> NDArray[np.float64]:
        """The SLP rate in model months ``month``."""
        m = np.asarray(month, dtype=np.float64)
        return np.asarray(np.where(m < self.slp_switch, self.slp_rate, self.slp_rate_after))

    def brackets(self, high_tech: ArrayLike, slp_rate: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """EIT rates at or below the SLP threshold and above it, for enterprises ``high_tech`` at ``slp_rate``.

        Below: the SLP rate (the lower of it and the high-tech rate for a
        high-tech enterprise); above: the high-tech or the general rate.
        The arrays broadcast.
        """
        ht = np.asarray(high_tech, dtype=bool)
        slp = np.asarray(slp_rate, dtype=np.float64)
        low = np.where(ht, np.minimum(slp, self.high_tech_rate), slp)
        return low, np.where(ht, self.high_tech_rate, self.general_rate)

    def tax_in_brackets(
        self, profit: ArrayLike, low: NDArray[np.float64], high: NDArray[np.float64], *, overwrite: bool = False
    ) -> NDArray[np.float64]:
        """Annual EIT T(x) (yuan / year) of annual taxable ``profit`` x with the rates of :meth:`brackets`.

        With ``overwrite``, ``profit`` is the caller's own array, of the
        result's shape: it holds the tax (one array of its size fewer).
        """
        x = np.asarray(profit, dtype=np.float64)
        below = x <= self.slp_threshold
        if not (overwrite and x.shape == np.broadcast(x, low, high).shape):
            rate = np.where(below, low, high)  # of the shape of the result
            return np.asarray(np.multiply(rate, np.maximum(x, 0.0), out=rate))
        rate = chosen(below, low, high)  # fewer instructions than two products, each masked
        np.maximum(x, 0.0, out=x)
        np.multiply(x, rate, out=x)  # the same products as rate x max(x, 0) above
        return x

    def income_tax_at(self, profit: ArrayLike, high_tech: ArrayLike, slp_rate: ArrayLike) -> NDArray[np.float64]:
        """Annual EIT T_j(x) (yuan / year) of annual taxable ``profit`` x at a given SLP rate (arrays broadcast)."""
        return self.tax_in_brackets(profit, *self.brackets(high_tech, slp_rate))

    def income_tax(self, profit: ArrayLike, high_tech: ArrayLike, month: ArrayLike) -> NDArray[np.float64]:
        """Annual EIT T_j(x, m) (yuan / year) of annual taxable ``profit`` in model ``month`` (arrays broadcast)."""
        return self.income_tax_at(profit, high_tech, self.slp_rates(month))

    def incremental(
        self,
        base: ArrayLike,
        gain: ArrayLike,
        deduction: ArrayLike,
        high_tech: ArrayLike,
        month: ArrayLike,
        *,
        out: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """A project's incremental EIT in each month, yuan / month (negative: a saving).

        Parameters
        ----------
        base : array
            Base annual profit P_j, yuan / year.
        gain, deduction : array
            The month's gain g_m and deduction d_m, yuan / month.
        high_tech : array of bool
            High-tech enterprises.
        month : array
            Model months (since the scenario start).
        out : array, optional
            Where to write the tax (float64, of the result's shape; it may be
            ``gain`` itself): every step after the first is in place, so the
            same values are computed in it, not in an array of their own.

        Returns
        -------
        array
            ``[T(P + 12 g - 12 d, m) - T(P, m)] / 12``; ``flat_rate x g`` under the flat rate (``out`` if given).

        Examples
        --------
        >>> law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
        >>> float(law.incremental(2.4e6, 10_000.0, 5_000.0, False, 0))  # SLP: 5% of 12 x 5,000 / 12
        250.0
        >>> round(float(law.incremental(2.9e6, 10_000.0, 0.0, False, 0)), 2)  # over 3M: 25% of 3.02M - 5% of 2.9M
        50833.33
        """
        g = np.asarray(gain, dtype=np.float64)
        if self.flat_rate is not None:
            return np.asarray(np.multiply(self.flat_rate, g, out=out))
        before = self.before_switch(month)
        p = np.asarray(base, dtype=np.float64)
        # then 12 x it, then P +, in place (in out, if given: each step writes the same values where it computes)
        taxable = np.asarray(np.subtract(g, np.asarray(deduction, dtype=np.float64), out=out))
        taxable *= 12.0
        taxable = np.add(
            p, taxable, out=taxable if taxable.shape == np.broadcast_shapes(p.shape, taxable.shape) else None
        )
        ht = np.asarray(high_tech, dtype=bool)
        one_rate = False
        if taxable.shape == np.broadcast_shapes(taxable.shape, before.shape, ht.shape):  # the result's shape
            ht = _one_if_uniform(ht)  # one class: its brackets, broadcast alike
            before = _one_if_uniform(before)
            one_rate = before.size == 1  # one SLP rate: its brackets alone
        (low_before, high), (low_after, _) = (self.brackets(ht, r) for r in (self.slp_rate, self.slp_rate_after))
        if one_rate:  # T(P) with the one rate, as a column: its elements subtract as the chosen ones
            low = low_before if before.flat[0] else low_after
            tax = self.tax_in_brackets(taxable, low, high, overwrite=True)
            tax -= self.tax_in_brackets(p, low, high)
        else:
            tax = self.tax_in_brackets(taxable, chosen(before, low_before, low_after), high, overwrite=True)
            # T(P) takes one of two values per enterprise: each element as tax_in_brackets(p, low, high) gives it
            tax -= chosen(before, self.tax_in_brackets(p, low_before, high), self.tax_in_brackets(p, low_after, high))
        tax /= 12.0
        return tax

    def gain_bounds(
        self, base: ArrayLike, deduction: ArrayLike, high_tech: ArrayLike, *, classes: bool = False
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Bounds on the tax of a gain, with a deduction of at most ``deduction`` (yuan / month).

        Returns
        -------
        lowest : array
            Lower bound of the tax rate on a gain: T rises at least at the
            lowest rate an enterprise can face on positive profit (the lower of
            its rates at or below the threshold, before and after the relief);
            0 where the deduction may take the profit below zero (no tax
            there).  With ``classes``, the rate above the threshold
            (high-tech or general) where the deduction cannot take the profit
            down to the threshold: every profit it can have is taxed at that
            rate.  The flat rate under the flat rate.
        saving : array
            Upper bound of a month's tax saving, yuan / month: ``max over the
            SLP rates of [T(P) - T(P - 12 d)] / 12``; T is non-decreasing, so
            no gain >= 0 and deduction <= d saves more.  0 under the flat rate
            (no deduction).
        """
        p = np.asarray(base, dtype=np.float64)
        if self.flat_rate is not None:
            return np.full(np.shape(p), self.flat_rate), np.zeros(np.shape(p))
        less = p - 12.0 * np.asarray(deduction, dtype=np.float64)
        # both SLP rates along a first axis of two: one set of brackets, each element as for one rate
        rates = np.array([self.slp_rate, self.slp_rate_after]).reshape(2, *[1] * max(less.ndim, np.ndim(high_tech)))
        ht = np.asarray(high_tech, dtype=bool)
        if ht.ndim == 1 and (ht.all() or not ht.any()):  # one class for all: its brackets once, broadcast
            ht = ht[:1]
        low, high = self.brackets(ht, rates)
        saving = self.tax_in_brackets(p, low, high) - self.tax_in_brackets(less, low, high)
        lowest = np.where(less >= 0.0, np.minimum(low[0], low[1]), 0.0)
        if classes:
            lowest = np.where(less > self.slp_threshold, high, lowest)
        return lowest, np.maximum(saving[0], saving[1]) / 12.0


@dataclass(frozen=True)
class TaxPosition:
    """The tax position of enterprises when they decide (arrays, one entry per enterprise).

    Attributes
    ----------
    law : TaxLaw
        The tax law.
    base_profit : array
        Base annual profit P_j = revenue x margin, yuan / year.
    high_tech : array of bool
        Certified high-tech enterprises.
    general_vat : array of bool
        General VAT taxpayers (they deduct the VAT on what they pay).
    month : int
        Model month of the decision (month 0 of the enterprise's schedule).
    """

    law: TaxLaw
    base_profit: NDArray[np.float64]
    high_tech: NDArray[np.bool_]
    general_vat: NDArray[np.bool_]
    month: int


def chosen(mask: NDArray[np.bool_], yes: ArrayLike, no: ArrayLike) -> NDArray[np.float64]:
    """``np.where(mask, yes, no)`` as float64, by two copies (fewer instructions when ``yes`` and ``no`` broadcast).

    Examples
    --------
    >>> chosen(np.array([[True, False], [False, True]]), np.array([[1.0], [2.0]]), np.array([[3.0], [4.0]])).tolist()
    [[1.0, 3.0], [4.0, 2.0]]
    """
    out = np.empty(np.broadcast(mask, yes, no).shape)
    np.copyto(out, no)
    np.copyto(out, yes, where=mask)
    return out


def _one_if_uniform(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``mask``'s first element alone, shape (1, ..., 1), when every element equals it; else ``mask`` itself.

    Examples
    --------
    >>> _one_if_uniform(np.array([[True], [True]])).tolist(), _one_if_uniform(np.array([True, False])).tolist()
    ([[True]], [True, False])
    """
    if mask.size > 1 and (mask.all() or not mask.any()):
        return mask.reshape(-1)[:1].reshape((1,) * mask.ndim)
    return mask


def carry_forward_tax(profit: ArrayLike, rate: float, years: int = LOSS_YEARS) -> NDArray[np.float64]:
    """Income tax per year with losses carried forward (yuan / year), along the first axis.

    Parameters
    ----------
    profit : array, shape (years, ...)
        Taxable profit (negative: a loss) of each calendar year, yuan.
    rate : float
        The income-tax rate.
    years : int
        Years a loss may be carried forward; the oldest losses are used first
        and expire after that.

    Returns
    -------
    array, shape of ``profit``
        ``rate x max(profit - losses used, 0)`` in each year.

    Examples
    --------
    >>> carry_forward_tax([-100.0, 30.0, 100.0], 0.25).tolist()  # 30 then 70 of the loss used
    [0.0, 0.0, 7.5]
    >>> carry_forward_tax([-100.0, 0.0, 100.0], 0.25, years=1).tolist()  # the loss expired
    [0.0, 0.0, 25.0]
    """
    p = np.asarray(profit, dtype=np.float64)
    losses = np.zeros((years, *p.shape[1:]))  # losses[k]: the loss of k + 1 years ago still unused
    tax = np.zeros_like(p)
    for y in range(p.shape[0]):
        left = np.maximum(p[y], 0.0)
        for k in range(years - 1, -1, -1):  # oldest first
            used = np.minimum(losses[k], left)
            losses[k] -= used
            left -= used
        tax[y] = rate * left
        losses = np.concatenate([np.maximum(-p[y], 0.0)[None], losses[:-1]])
    return tax
