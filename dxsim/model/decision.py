"""The adoption decision (MODEL.md mechanism 2), pure and vectorised.

An enterprise values the offer over months m = 0, 1, ... after signing, with
its monthly hurdle rate rho = (1 + r) ** (1/12) - 1:

* success: the gain ramping up from the expected go-live, less the income
  tax it adds, less what it pays the platform under its scheme
  (:mod:`dxsim.model.schemes`) and any subscription of the solution, plus
  programme money paid to it and the VAT it deducts;
* failure (probability pi): no gain; it still pays under upfront,
  instalments and subscription, and under a revenue share of revenue, and
  pays nothing from go-live under a revenue share of the reported gain (the
  upfront fraction of a hybrid is paid); programme money paid at
  acceptance is lost; the deduction of what it paid still lowers its tax;
* in both cases it bears its complementary internal costs at signing
  (staff time, process change, data preparation), which no scheme or
  programme pays; they are an opportunity cost of its own people, so they
  are not deducted from its taxable profit and need no cash at signing;
* V = (1 - pi) NPV_ok + pi NPV_fail over the evaluation horizon H.

Tax (:mod:`dxsim.model.tax`), each enterprise with its own position: in
month m of its schedule it pays the incremental income tax
``[T(P + 12 g_m - 12 d_m) - T(P)] / 12`` at its own rates (its class follows
its profit P including the gain g_m, in the calendar month m falls in), where
d_m is the straight-line deduction over the solution's lifetime, from the
expected go-live, of what it pays net of the VAT it deducts and of programme
money received: so the tax on the gain is at its own marginal rate and the
deduction is worth that rate (a saving when the project fails).  A general
VAT taxpayer deducts v / (1 + v) of each payment to the platform, in the
month it pays.  Under the deprecated flat rate it keeps ``1 - rate`` of the
gain, without deduction.

It adopts when V > 0, its success-case payback is within its maximum
acceptable payback, and what it must pay at signing fits its liquidity.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dxsim.finance import (
    discount_factors,
    gain_profile,
    monthly_rate,
    npv,
    payback_period,
    ramp_integral,
    straight_line,
)
from dxsim.model.schemes import expected_payments, fixed_months, fixed_payments, most_paid, window
from dxsim.model.tax import TaxLaw, TaxPosition
from dxsim.scenario.schema import PaymentScheme

if TYPE_CHECKING:
    from dxsim.model.parameters import IndustryParameters
    from dxsim.model.population import Attributes

__all__ = ["Decision", "Inputs", "Offer", "decide", "weigh"]

#: Longest schedule the decision looks at (months), whatever the payback limits.
MAX_MONTHS = 600


@dataclass(frozen=True)
class Offer:
    """The terms an enterprise considers (arrays, one entry per enterprise; yuan and months).

    ``owed`` is what it pays the platform under ``scheme``; ``receive_*`` is
    programme money paid to the enterprise itself at signing, go-live and
    acceptance (the last one only if the project succeeds); ``internal`` its
    complementary internal costs, borne at signing in any case;
    ``monthly_revenue`` its revenue (yuan / month), the base of a revenue
    share on revenue (None: no such scheme).
    """

    owed: NDArray[np.float64]
    scheme: PaymentScheme
    receive_signing: NDArray[np.float64]
    receive_golive: NDArray[np.float64]
    receive_acceptance: NDArray[np.float64]
    golive: NDArray[np.float64]  # expected months from signing to go-live
    acceptance_delay: float
    subscription: NDArray[np.float64]  # yuan / month after go-live
    internal: NDArray[np.float64] | float = 0.0  # yuan at signing
    monthly_revenue: NDArray[np.float64] | None = None

    def take(self, rows: NDArray[np.int64] | slice, golive: NDArray[np.float64] | None = None) -> Offer:
        """The offers of the enterprises ``rows`` only (views for a slice), with ``golive`` (months) if given."""
        revenue = self.monthly_revenue
        return Offer(  # (every field: fewer steps than dataclasses.replace)
            owed=self.owed[rows],
            scheme=self.scheme,
            receive_signing=self.receive_signing[rows],
            receive_golive=self.receive_golive[rows],
            receive_acceptance=self.receive_acceptance[rows],
            golive=self.golive[rows] if golive is None else golive,
            acceptance_delay=self.acceptance_delay,
            subscription=self.subscription[rows],
            internal=_each(self.internal, rows),
            monthly_revenue=None if revenue is None else revenue[rows],
        )


@dataclass(frozen=True)
class Decision:
    """Outcome of :func:`decide` (arrays)."""

    adopt: NDArray[np.bool_]
    value: NDArray[np.float64]  # V, yuan
    payback: NDArray[np.float64]  # success case, months (NaN = never)
    due_at_signing: NDArray[np.float64]  # yuan


def decide(
    offer: Offer,
    *,
    gain: NDArray[np.float64],
    ramp: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    hurdle_rate: NDArray[np.float64],
    failure: NDArray[np.float64],
    horizon: int,
    max_payback: NDArray[np.float64],
    liquidity: NDArray[np.float64],
    tax_rate: float = 0.0,
    tax: TaxPosition | None = None,
    screen: bool = True,
    record: bool = True,
    taxed: _Taxed | None = None,
    discounts: NDArray[np.float64] | None = None,
) -> Decision:
    """Evaluate the adoption decision for many enterprises at once.

    Parameters
    ----------
    offer : Offer
        Contract terms.
    gain : array
        Perceived full monthly gain (incremental profit before tax), yuan / month.
    ramp, lifetime : array
        Ramp-up and lifetime of the gain, months.
    hurdle_rate : array
        Required return, 1 / year.
    failure : array
        Perceived failure probability.
    horizon : int
        Evaluation horizon H, months.
    max_payback : array
        Longest acceptable success-case payback, months.
    liquidity : array
        Cash the enterprise can pay at signing, yuan.
    tax_rate : float
        Without ``tax``: a flat tax on the gain; the enterprise keeps ``1 - tax_rate`` of it (no deduction, no VAT).
    tax : TaxPosition, optional
        Each enterprise's tax position (see the module's docstring); it replaces ``tax_rate``.
    screen : bool
        Skip the enterprises a quick upper bound on V rules out (the
        default); False evaluates every one (the same adoptions, slower).
    record : bool
        Whether ``value`` and ``payback`` are wanted for every enterprise the quick bound on V lets through
        (the decision record keeps them). False, with ``screen``, screens harder: a tighter bound on V (the
        ramp-up, the tax class) and one on the running total at the payback limit rule out more enterprises
        (the same adoptions; NaN value and payback for more of those that do not adopt; NaN value wherever
        the payback is beyond the limit).
    taxed : optional
        The tax as the screen takes it, if taken before for these enterprises (:meth:`Inputs.bounded`).
    discounts : array, optional
        Each one's discount factors over the horizon, if computed before (:meth:`Inputs.discounted`).

    Notes
    -----
    ``value`` and ``payback`` are NaN where a quick bound already rules adoption out (what is due at
    signing exceeds liquidity, or even the full gain in every month from the expected go-live, taxed at
    the enterprise's lowest rate, with the largest tax saving the deduction could bring in every month of
    the lifetime, cannot make V positive; without ``record``, or the same gain less what its ramp-up costs
    at least, or the same gain and saving to the end of the month after its payback limit cannot repay
    what it has paid by then).
    """
    first = fixed_payments(offer.scheme, offer.owed, fixed_months(offer.scheme))
    due = first[:, 0] - offer.receive_signing
    live = fits = due <= liquidity
    if screen:  # the monthly hurdle rate (a pow each) only where it is read: the screen writes those it computes
        rho = _nans(len(fits))
        taxed = _tax_bounds(offer, lifetime, tax_rate, tax, classes=not record) if taxed is None else taxed
        rates = (hurdle_rate, rho)
        live = _screened(
            offer, first, fits, gain, ramp, lifetime, rates, failure, horizon, max_payback, taxed, record=record
        )
        todo = (live & np.isnan(rho)).nonzero()[0]  # those evaluated that the screen did not look at (or NaN)
        rho[todo] = monthly_rate(hurdle_rate[todo])
    else:  # few enterprises (a re-decision at signing, mostly): one call for all
        rho = monthly_rate(hurdle_rate)
    args = (gain, ramp, lifetime, rho, failure, horizon, max_payback, tax_rate, tax, discounts)
    n = len(live)
    if n and np.count_nonzero(live) == n:  # every one evaluated (a single enterprise, mostly): no gaps to fill
        value, payback = _value_and_payback(offer, first, slice(None), *args, record=record)
    else:
        rows = live.nonzero()[0]
        value, payback = _nans(n), _nans(n)
        if len(rows):
            value[rows], payback[rows] = _value_and_payback(offer, first, rows, *args, record=record)
    adopt = (value > 0) & (payback <= max_payback) & fits
    return Decision(adopt=adopt, value=value, payback=payback, due_at_signing=due)


def weigh(
    offer: Offer,
    att: Attributes,
    belief: tuple[NDArray[np.float64], NDArray[np.float64]],
    *,
    industry: NDArray[np.int64],
    params: IndustryParameters,
    law: TaxLaw,
    month: int,
    horizon: int,
    screen: bool = True,
    record: bool = True,
) -> Decision:
    """Enterprises' decisions on ``offer`` from their attributes and beliefs: :func:`decide` as the model calls it.

    Parameters
    ----------
    offer : Offer
        The terms on offer.
    att : Attributes
        The enterprises' keyed attributes (revenue, potential benefit, margin,
        high-tech status, hurdle rate, payback limit, liquidity).
    belief : (array, array)
        Perceived failure probability, and the share of the potential gain
        counted on (:mod:`dxsim.model.information`).
    industry : array
        Each one's industry index (ramp and lifetime of the gain).
    params : IndustryParameters
        Per-industry numbers.
    law : TaxLaw
        The tax law; each enterprise's position follows from its revenue,
        margin and high-tech status.
    month : int
        Model month of the decision (its tax calendar).
    horizon : int
        Evaluation horizon, months.
    screen, record : bool
        As :func:`decide`.
    """
    inputs = Inputs.of(att, belief, industry=industry, params=params, law=law, month=month)
    return decide(offer, **inputs._asdict(), horizon=horizon, screen=screen, record=record)


class Inputs(NamedTuple):
    """What :func:`decide` reads of the enterprises besides the offer (arrays, one entry per enterprise).

    ``gain`` in yuan / month, ``ramp``, ``lifetime`` and ``max_payback`` in months,
    ``hurdle_rate`` in 1 / year, ``failure`` the perceived failure probability,
    ``liquidity`` in yuan, ``tax`` each one's tax position, ``taxed`` the tax as the
    screen takes it if taken before (:meth:`bounded`; None: not yet), ``discounts`` the
    discount factors if computed before (:meth:`discounted`; None: not yet): :func:`decide`'s
    arguments of the same names.  Each entry is a function of its enterprise alone, so the
    inputs of some enterprises (:meth:`take`) are what :meth:`of` gives for them alone.
    """

    gain: NDArray[np.float64]
    ramp: NDArray[np.float64]
    lifetime: NDArray[np.float64]
    hurdle_rate: NDArray[np.float64]
    failure: NDArray[np.float64]
    max_payback: NDArray[np.float64]
    liquidity: NDArray[np.float64]
    tax: TaxPosition
    taxed: _Taxed | None = None  # the tax as the screen takes it, if taken before (:meth:`bounded`)
    discounts: NDArray[np.float64] | None = None  # the discount factors, if computed before (:meth:`discounted`)

    @classmethod
    def of(
        cls,
        att: Attributes,
        belief: tuple[NDArray[np.float64], NDArray[np.float64]],
        *,
        industry: NDArray[np.int64],
        params: IndustryParameters,
        law: TaxLaw,
        month: int,
    ) -> Inputs:
        """The inputs of enterprises from their attributes and beliefs (the arguments as :func:`weigh`'s)."""
        failure, benefit_share = belief
        return cls(
            gain=att.revenue / 12.0 * att.benefit * benefit_share,
            ramp=params.ramp[industry],
            lifetime=params.lifetime[industry],
            hurdle_rate=att.hurdle_rate,
            failure=failure,
            max_payback=att.max_payback,
            liquidity=att.liquidity,
            tax=TaxPosition(law, att.revenue * att.margin, att.high_tech, law.general_vat(att.revenue), month),
        )

    def take(self, rows: NDArray[np.int64] | slice) -> Inputs:
        """The inputs of the enterprises ``rows`` only (views for a slice)."""
        tax = self.tax
        return Inputs(
            self.gain[rows],
            self.ramp[rows],
            self.lifetime[rows],
            self.hurdle_rate[rows],
            self.failure[rows],
            self.max_payback[rows],
            self.liquidity[rows],
            TaxPosition(tax.law, tax.base_profit[rows], tax.high_tech[rows], tax.general_vat[rows], tax.month),
            None if self.taxed is None else self.taxed.take(rows),
            None if self.discounts is None else self.discounts[rows],
        )

    def bounded(self, offer: Offer, *, record: bool) -> Inputs:
        """These inputs with the tax as :func:`decide`'s screen takes it for ``offer``, as ``record`` asks (taken once).

        A function of each enterprise's own entries, of its offer's but its go-live: the same for the
        enterprises taken (:meth:`take`), whatever their go-live.
        """
        return self._replace(taxed=_tax_bounds(offer, self.lifetime, 0.0, self.tax, classes=not record))

    def discounted(self, horizon: int) -> Inputs:
        """These inputs with each one's discount factors over ``horizon`` months, computed once (no unit).

        ``(1 + rho) ** -k`` for ``k = 0, ..., horizon - 1``, rho the monthly hurdle rate: each factor a
        ``pow`` of the enterprise's own rate, as :func:`decide` computes it, bit for bit; so an
        enterprise decided on again and again (a cohort's member) has them computed once, not each time.
        """
        return self._replace(discounts=discount_factors(monthly_rate(self.hurdle_rate), horizon))


def _screened(
    offer: Offer,
    first: NDArray[np.float64],
    fits: NDArray[np.bool_],
    gain: NDArray[np.float64],
    ramp: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    rates: tuple[NDArray[np.float64], NDArray[np.float64]],
    failure: NDArray[np.float64],
    horizon: int,
    max_payback: NDArray[np.float64],
    taxed: _Taxed,
    *,
    record: bool,
) -> NDArray[np.bool_]:
    """Which of the enterprises that can pay what is due at signing (``fits``) the quick bounds let through.

    ``first`` are the fixed payments (yuan), ``taxed`` the tax as the bounds take it; the rest as
    :func:`decide`.  The bound on V, the costliest, is computed only for the enterprises the
    others let through (row by row: the same for them), and so is the monthly hurdle rate rho.
    ``rates`` are the hurdle rates (1 / year) and the monthly ones, NaN where not computed: this
    writes those it computes.  A negative rho or gain is beyond the bounds: such an enterprise is
    let through, to be evaluated in full (a negative rho needs a negative hurdle rate:
    ``(1 + r) ** (1/12)`` is at least 1 when ``1 + r`` is).
    """
    hurdle_rate, monthly = rates
    live = fits.copy() if record else fits & _repaid_by_limit(offer, first, gain, ramp, lifetime, max_payback, taxed)
    beyond = fits & (gain < 0)
    maybe = (fits & ~(hurdle_rate >= 0)).nonzero()[0]  # (NaN too)
    if len(maybe):
        monthly[maybe] = monthly_rate(hurdle_rate[maybe])
        beyond[maybe] |= monthly[maybe] < 0
    rows = live.nonzero()[0]
    offer, first = offer.take(rows), first.take(rows, axis=0)
    rho = monthly[rows] = monthly_rate(hurdle_rate[rows])
    gain, ramp, lifetime, failure = (x[rows] for x in (gain, ramp, lifetime, failure))
    taxed = taxed.take(rows)
    upper = _upper_bound(offer, first, rho, gain, lifetime, failure, horizon, taxed)
    if record:
        live[rows] = upper > 0
    else:  # harder, with a margin for rounding where the bounds may be tight
        upper -= _ramp_cost(offer, rho, gain, ramp, failure, horizon, taxed.kept)
        live[rows] = upper > -1e-9 * _size(offer, gain, horizon)
    live |= beyond
    return live


class _Taxed(NamedTuple):
    """What the quick bounds take of the tax (arrays, one entry per enterprise, or one for all).

    ``kept``: the share of a gain kept after tax, at most; ``saving``: the
    largest tax saving of the deduction in a month of the lifetime (yuan /
    month); ``credit``: the share of a payment deducted as VAT.  Without the
    tax law (a flat rate or none) ``saving`` and ``credit`` are None.
    """

    kept: NDArray[np.float64] | float
    saving: NDArray[np.float64] | None
    credit: NDArray[np.float64] | None

    def take(self, rows: NDArray[np.int64] | slice) -> _Taxed:
        """The bounds of the enterprises ``rows`` only (views for a slice)."""
        saving, credit = self.saving, self.credit
        return _Taxed(
            _each(self.kept, rows), None if saving is None else saving[rows], None if credit is None else credit[rows]
        )


def _tax_bounds(
    offer: Offer, lifetime: NDArray[np.float64], tax_rate: float, tax: TaxPosition | None, *, classes: bool
) -> _Taxed:
    """The tax as the quick bounds take it (:meth:`~dxsim.model.tax.TaxLaw.gain_bounds`, with its ``classes``)."""
    if tax is None:
        return _Taxed(1.0 - tax_rate, None, None)
    most = most_paid(offer.scheme, offer.owed) / lifetime + offer.subscription
    lowest, largest = tax.law.gain_bounds(tax.base_profit, most, tax.high_tech, classes=classes)
    return _Taxed(1.0 - lowest, largest, np.asarray(tax.law.vat_share * tax.general_vat, dtype=np.float64))


def _upper_bound(
    offer: Offer,
    first: NDArray[np.float64],
    rho: NDArray[np.float64],
    gain: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    failure: NDArray[np.float64],
    horizon: int,
    taxed: _Taxed,
) -> NDArray[np.float64]:
    """A quick upper bound on V (yuan), from the fixed payments ``first`` (months from signing); only its sign is used.

    The full gain in every month from the expected go-live to the horizon,
    taxed at the lowest rate the enterprise can face, plus the largest tax
    saving of the deduction in every month of the lifetime inside the
    horizon, both discounted month by month (``taxed``); receipts inside the horizon
    undiscounted; deferred payments left out (they cost more than their VAT
    credit); the fixed payments inside the horizon, net of their VAT credit,
    each as late as the last.
    """
    k = min(first.shape[1], horizon)
    fixed = first[:, :k].sum(axis=1)
    live_from = np.minimum(np.floor(offer.golive), horizon)
    annuity = _annuity(rho, live_from, float(horizon))  # the months from go-live to the horizon (one end for all)
    # Only its sign counts: a term of zeros is not added (it could only change the sign of a zero).
    bound = np.asarray((1.0 - failure) * taxed.kept * np.maximum(gain, 0.0) * annuity)
    if taxed.saving is not None and taxed.credit is not None:
        # the saving to the horizon too, or to the end of the lifetime if it comes first (NaN: not the horizon)
        ends = np.minimum(horizon, live_from + np.ceil(lifetime) + 1)
        short = (ends != horizon).nonzero()[0]
        saved = annuity
        if len(short):
            saved = annuity.copy()
            saved[short] = _annuity(rho[short], live_from[short], ends[short])
        bound += taxed.saving * saved + taxed.credit * fixed
    _add_received(bound, offer, horizon)
    bound -= fixed if k == 1 else fixed * (1.0 + rho) ** -(k - 1)  # as late as the last: (1 + rho) ** 0 = 1
    bound -= offer.internal
    return bound


def _ramp_cost(
    offer: Offer,
    rho: NDArray[np.float64],
    gain: NDArray[np.float64],
    ramp: NDArray[np.float64],
    failure: NDArray[np.float64],
    horizon: int,
    kept: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """A lower bound on what the ramp-up takes from the gain :func:`_upper_bound` counts in full (yuan).

    Against the full gain from the month of go-live t0, the ramp-up leaves
    ``ramp / 2`` months of gain or more unearned (:func:`~dxsim.finance.ramp_integral`),
    all in months before ``t0 + ramp``: discounted, at least
    ``(1 + rho) ** -(t0 + ramp)`` each, when the ramp-up ends inside the horizon
    (0 otherwise).  Of the gain the bound keeps ``kept``, in the success case.
    """
    end = offer.golive + ramp
    cost = (1.0 - failure) * kept * np.maximum(gain, 0.0) * (1.0 + np.maximum(rho, 0.0)) ** -end * (ramp / 2.0)
    return np.asarray(np.where(end <= horizon, cost, 0.0))  # (decide evaluates in full where rho < 0)


def _add_received(total: NDArray[np.float64], offer: Offer, end: float | NDArray[np.float64]) -> None:
    """Add to ``total`` (in place) the programme money paid to the enterprise in the months before ``end``, yuan.

    At signing; at go-live and at acceptance (if the project succeeds) when
    their months are before ``end``.  A term of zeros is not added.
    """
    total += offer.receive_signing
    if np.count_nonzero(offer.receive_golive):
        total += np.where(offer.golive < end, offer.receive_golive, 0.0)
    if np.count_nonzero(offer.receive_acceptance):
        total += np.where(offer.golive + offer.acceptance_delay < end, offer.receive_acceptance, 0.0)


def _size(offer: Offer, gain: NDArray[np.float64], horizon: int) -> NDArray[np.float64]:
    """The size of the terms of V over the horizon, yuan: for a margin of rounding against a tight bound."""
    size = np.abs(offer.owed) + np.abs(gain) * horizon + offer.subscription * horizon + 1.0
    size += offer.receive_signing + offer.receive_golive + offer.receive_acceptance + np.abs(offer.internal)
    return size


def _repaid_by_limit(
    offer: Offer,
    first: NDArray[np.float64],
    gain: NDArray[np.float64],
    ramp: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    max_payback: NDArray[np.float64],
    taxed: _Taxed,
) -> NDArray[np.bool_]:
    """Whether a quick upper bound lets the success-case payback be within ``max_payback`` (bool array).

    A payback within M months needs the running total of the success-case
    flows non-negative at the end of month ``K = floor(M) + 1`` (months
    0..K from signing; :func:`~dxsim.finance.payback_period` with
    ``final``).  Its upper bound, undiscounted: the gain to then
    (:func:`~dxsim.finance.ramp_integral`) of which it keeps ``taxed.kept``, the
    largest tax saving in each month of the lifetime to then, the
    programme money received by then, less the fixed payments by then net
    of their VAT credit and the internal costs (deferred payments and fees
    left out: they cost more than their VAT credit).  A bound short of zero
    by more than rounding (a billionth of what comes in and goes out by
    then, plus one yuan) rules the payback out; a limit not below 599
    months, or NaN, rules nothing out (the window may end before month K).
    """
    limit = np.floor(max_payback) + 1.0
    fixed = (
        first[:, 0]
        if first.shape[1] == 1
        else np.einsum("ij,ij->i", first, np.arange(first.shape[1]) <= limit[:, None])
    )
    received = taxed.kept * np.maximum(gain, 0.0) * ramp_integral(limit + 1.0 - offer.golive, ramp, lifetime)
    _add_received(received, offer, limit + 1.0)  # what comes in by then, at most
    paid = fixed + offer.internal  # what goes out by then, at least
    if taxed.saving is not None and taxed.credit is not None:
        # the months of saving, clipped as np.clip does, without its wrapper (never -0.0 here; NaN passes)
        lived = np.minimum(np.maximum(limit + 1.0 - np.floor(offer.golive), 0.0), np.ceil(lifetime) + 1.0)
        received += taxed.saving * lived
        paid -= taxed.credit * fixed
    short = received - paid < -1e-9 * (received + paid + 1.0)
    return np.asarray(~short | ~(max_payback <= MAX_MONTHS - 2))  # ~(x <= y): NaN too


def _annuity(
    rho: NDArray[np.float64], start: NDArray[np.float64], end: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Sum of ``(1 + rho) ** -m`` over the months ``m`` from ``start`` up to ``end`` (whole numbers; 0 if none).

    ``end`` may have leading axes (several ends for each start), or be one for all; ``rho`` and ``start``
    broadcast against it (each element the same either way).
    """
    months = np.maximum(end - start, 0.0)
    v = 1.0 / (1.0 + rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        sums = v**start * (1.0 - v**months) / (1.0 - v)
    return np.asarray(np.where(rho > 0, sums, months))


def _nans(n: int) -> NDArray[np.float64]:
    """``np.full(n, np.nan)``: ``n`` NaNs (no unit), without its wrapper's calls."""
    out = np.empty(n)
    out.fill(np.nan)
    return out


def _each(x: NDArray[np.float64] | float, rows: NDArray[np.int64] | slice) -> NDArray[np.float64] | float:
    """The entries of ``x`` (one per enterprise, or one for all) of the enterprises ``rows``."""
    return x[rows] if isinstance(x, np.ndarray) and x.ndim else x


def _taken(x: NDArray[np.float64], rows: NDArray[np.intp] | NDArray[np.int64] | slice) -> NDArray[np.float64]:
    """``x[rows]`` (along the first axis): the same rows, by ``take`` for an index array, a view for a slice.

    Indexing a table by an array of rows costs numpy several times what ``take`` does.
    """
    return x[rows] if isinstance(rows, slice) else x.take(rows, axis=0)


def _add_at_month(flows: NDArray[np.float64], when: NDArray[np.float64], amount: NDArray[np.float64]) -> None:
    """Add ``amount`` to each row of ``flows`` (its last two axes) in month ``floor(when)``; money due after the window is left out.

    Nothing to add is skipped: ``flows`` hold receipts, sums of zeros and programme money, never -0.0,
    so adding zeros would leave them as they are.
    """
    if not np.count_nonzero(amount):
        return
    col = when.astype(np.int64)
    inside = col < flows.shape[-1]
    flows[..., inside.nonzero()[0], col[inside]] += amount[inside]


#: Decisions on at least this many enterprises compute the income tax once for months alike (:func:`_net_of_tax`).
_COLUMNS_FROM = 64

#: Profiles of one yuan with at most this many cells (timings x months) are kept (:func:`_kept_profile`).
_PROFILE_SIZE = 4096


class _Timings(NamedTuple):
    """The distinct timings of the enterprises evaluated (months), and each one's among them.

    ``golive``, ``ramp`` and ``life`` (go-live, ramp-up, lifetime) once for each distinct timing;
    ``which`` each enterprise's (a slice when they all have one); ``bits`` the bits of the three.  A
    profile computed for each timing, taken at ``which``, is each enterprise's own, bit for bit, at
    the cost of a few.
    """

    golive: NDArray[np.float64]
    ramp: NDArray[np.float64] | float
    life: NDArray[np.float64] | float
    which: NDArray[np.intp] | slice
    bits: bytes

    def gain(self, amount: NDArray[np.float64], months: int, *, ramp: bool = True) -> NDArray[np.float64]:
        """:func:`~dxsim.finance.gain_profile` of ``amount`` (yuan / month, one per enterprise), ramped up or not.

        ``amount`` times the profile of one yuan: the same products.
        """
        return amount[:, None] * _taken(self.profile("ramped" if ramp else "flat", months), self.which)

    def deduction(self, months: int) -> NDArray[np.float64]:
        """:func:`~dxsim.finance.straight_line` of one yuan over the lifetime from go-live (a row per enterprise, or one)."""
        return _taken(self.profile("deduction", months), self.which)

    def profile(self, kind: str, months: int) -> NDArray[np.float64]:
        """The profile of one yuan of each distinct timing over ``months`` months (read only).

        ``kind``: the gain ramped up (``"ramped"``) or not (``"flat"``), or the deduction
        (``"deduction"``).  A function of the timings' bits and ``months`` alone, so a small one
        computed before (:func:`_kept_profile`) is the same, bit for bit.
        """
        if len(self.golive) * months <= _PROFILE_SIZE:
            return _kept_profile(self.bits, kind, months)
        return _unit_profile(self.golive, self.ramp, self.life, kind, months)

    def columns(self, months: int, first: int, slp: NDArray[np.float64]) -> _Columns | None:
        """The months of a schedule of ``months`` months the income tax tells apart (:func:`_kept_columns`).

        ``first``: the months paid for at first (each its own); ``slp`` the SLP rates
        (:func:`_slp_rates`).  None where the profiles are not kept, or too few months are alike.
        """
        if first >= months or len(self.golive) * months > _PROFILE_SIZE:
            return None
        return _kept_columns(self.bits, months, first, slp.tobytes())


class _Columns(NamedTuple):
    """Months of a schedule that the income tax tells apart, for a set of timings (:func:`_kept_columns`).

    ``months``: the first of each run of consecutive months (from signing) whose profiles of one
    yuan, the gain ramped up and the deduction, of every timing, and whose SLP rate have the same
    bits; ``runs`` the number of months in each run; ``ramped`` and ``deduction`` those profiles at
    ``months`` (a row per timing).  Read only.
    """

    months: NDArray[np.intp]
    runs: NDArray[np.intp]
    ramped: NDArray[np.float64]
    deduction: NDArray[np.float64]


@functools.lru_cache(maxsize=256)
def _kept_columns(bits: bytes, months: int, first: int, slp: bytes) -> _Columns | None:
    """The runs of months alike for the timings of ``bits`` (:func:`_kept_profile`) over ``months`` months, kept.

    The first ``first`` months are each a run of their own (what is paid in them is credited
    month by month); ``slp`` the bits of the SLP rates (one for every month, or one each).  A
    month's income tax is a function of the enterprise's own numbers, its profiles of one yuan
    and its SLP rate alone, so the tax computed at :attr:`_Columns.months` and repeated over
    :attr:`_Columns.runs` is the tax of every month, bit for bit.  None when fewer than a tenth of
    the months are alike (the repetition would cost about what it saves).  At most 256 kept
    (thread-safe; small, read only).
    """
    ramped, deduction = (_kept_profile(bits, kind, months) for kind in ("ramped", "deduction"))
    rates = np.frombuffer(slp, dtype=np.float64)
    keys = np.concatenate([ramped, deduction, *([rates[None, :]] if len(rates) > 1 else [])]).view(np.int64)
    new = np.empty(months, dtype=bool)  # where a month differs from the one before it (or is one of the first)
    new[: first + 1] = True
    np.any(keys[:, first + 1 :] != keys[:, first:-1], axis=0, out=new[first + 1 :])
    at = new.nonzero()[0]
    if 10 * len(at) > 9 * months:
        return None
    runs = np.empty(len(at), dtype=at.dtype)  # np.diff(at, append=months), without its wrapper's calls
    np.subtract(at[1:], at[:-1], out=runs[:-1])
    runs[-1] = months - at[-1]
    columns = _Columns(at, runs, ramped[:, at], deduction[:, at])
    for each in columns:
        each.flags.writeable = False
    return columns


@functools.lru_cache(maxsize=256)
def _kept_profile(bits: bytes, kind: str, months: int) -> NDArray[np.float64]:
    """:func:`_unit_profile` of the timings whose go-live, ramp-up and lifetime rows have ``bits``, kept.

    A re-decision at signing mostly meets a timing decided on before.  At most 256 profiles of at
    most :data:`_PROFILE_SIZE` cells are kept (some 8 MB), the least recently used going first; the
    cache is thread-safe, and what it holds is read only.
    """
    golive, ramp, life = np.frombuffer(bits, dtype=np.float64).reshape(3, -1)
    return _unit_profile(golive, ramp, life, kind, months)


def _unit_profile(
    golive: NDArray[np.float64],
    ramp: NDArray[np.float64] | float,
    life: NDArray[np.float64] | float,
    kind: str,
    months: int,
) -> NDArray[np.float64]:
    """The profile of one yuan (a row per timing; read only): the gain ramped up or not, or the deduction."""
    if kind == "deduction":
        unit = straight_line(1.0, golive, life, months)
    else:
        unit = gain_profile(1.0, golive, ramp if kind == "ramped" else 0.0, life, months)
    unit.flags.writeable = False
    return unit


def _timings(
    golive: NDArray[np.float64], ramp: NDArray[np.float64] | float, life: NDArray[np.float64] | float
) -> _Timings:
    """The distinct timings among the enterprises' ``golive``, ``ramp`` and ``life`` (months; one entry each)."""
    if len(golive) == 1:
        one = b"".join(np.asarray(x, dtype=np.float64).tobytes() for x in (golive, ramp, life))
        return _Timings(golive, ramp, life, slice(None), one)
    columns = np.empty((3, len(golive)))
    columns[0], columns[1], columns[2] = golive, ramp, life
    bits = columns.view(np.int64)  # the same bits, the same profiles (-0.0 is not 0.0, nor one NaN another)
    which: NDArray[np.intp] | slice
    alike = bits == bits[:, :1]
    if alike.all():  # one timing for all
        which, distinct = slice(None), columns[:, :1]
    else:  # a ramp-up and a lifetime for all (one industry's, or every industry's alike): by go-live alone
        first, which = _groups(bits[:1] if alike[1:].all() else bits)
        distinct = columns.take(first, axis=1)
    golive, ramp, life = distinct
    return _Timings(golive, ramp, life, which, distinct.tobytes())


def _groups(bits: NDArray[np.int64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The distinct columns of ``bits`` (a row a key): the index of one of each, and each column's among them.

    ``bits[:, first][:, which]`` is ``bits``.  The distinct columns in the order of :func:`numpy.lexsort`
    (by the last row first), found by sorting the keys as integers: fewer instructions than
    :func:`numpy.unique` of the columns as bytes.
    """
    order = np.lexsort(bits)
    ranked = bits.take(order, axis=1)
    new = np.empty(len(order), dtype=bool)  # where a distinct column starts among the sorted ones
    new[:1] = True
    np.any(ranked[:, 1:] != ranked[:, :-1], axis=0, out=new[1:])
    which = np.empty(len(order), dtype=np.intp)
    which[order] = np.cumsum(new) - 1
    return order[new], which


def _value_and_payback(
    offer: Offer,
    first: NDArray[np.float64],
    rows: NDArray[np.int64] | slice,
    gain: NDArray[np.float64],
    ramp: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    rho: NDArray[np.float64],
    failure: NDArray[np.float64],
    horizon: int,
    max_payback: NDArray[np.float64],
    tax_rate: float,
    tax: TaxPosition | None,
    discounts: NDArray[np.float64] | None,
    *,
    record: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """V and the success-case payback of the enterprises ``rows`` (month-by-month cash flows; ``rho`` 1 / month).

    ``first`` are every enterprise's fixed payments (yuan; :func:`_flows`), ``discounts`` their
    discount factors if computed before (:func:`decide`).

    Without ``record``, V only of those whose payback is within their maximum (NaN for the others:
    they do not adopt whatever V is); each one's V is the same, computed with others or alone.
    """
    limit = max_payback[rows]
    months, inside = _windows(offer.scheme, limit, horizon)
    flows = _flows(offer, first, rows, months, inside, gain, ramp, lifetime, tax_rate, tax)
    seen = flows[0]
    if np.count_nonzero(inside) < inside.size:  # every month before the horizon is inside: V reads none of these
        seen[~inside] = 0.0  # only the months of each one's own window
    payback = payback_period(seen, final=True)
    pi, rate, horizon_flows = failure[rows], rho[rows], flows[:, :, :horizon]
    factors = None if discounts is None else _taken(discounts, rows)
    if not record:
        wanted = (payback <= limit).nonzero()[0]
        if len(wanted) < len(payback):
            value = _nans(len(payback))
            if len(wanted):
                pi, rate, horizon_flows = pi[wanted], rate[wanted], np.take(horizon_flows, wanted, axis=1)
                factors = None if factors is None else factors.take(wanted, axis=0)
                npv_ok, npv_fail = npv(rate, horizon_flows, factors=factors)  # one set of discount factors
                value[wanted] = (1.0 - pi) * npv_ok + pi * npv_fail
            return value, payback
    npv_ok, npv_fail = npv(rate, horizon_flows, factors=factors)  # one set of discount factors
    return (1.0 - pi) * npv_ok + pi * npv_fail, payback


def _flows(
    offer: Offer,
    first: NDArray[np.float64],
    rows: NDArray[np.int64] | slice,
    months: int,
    inside: NDArray[np.bool_],
    gain: NDArray[np.float64],
    ramp: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    tax_rate: float,
    tax: TaxPosition | None,
) -> NDArray[np.float64]:
    """The net cash flows of the enterprises ``rows`` (success, failure; enterprise; month), yuan / month.

    ``first`` are every enterprise's fixed payments (:func:`~dxsim.model.schemes.fixed_payments`, yuan). Over
    ``months`` months from signing, each enterprise's own window the months ``inside``
    (what it deducts); the arrays of their parts are gone when it returns.
    """
    golive = offer.golive[rows]
    timing = _timings(golive, _each(ramp, rows), _each(lifetime, rows))
    amount = gain[rows]
    n = len(amount)
    g = None  # the gain month by month, where the payments read it
    if window(offer.scheme):
        g = timing.gain(amount, months)
        revenue = None if offer.monthly_revenue is None else offer.monthly_revenue[rows]
        paid_ok, paid_fail = expected_payments(offer.scheme, offer.owed[rows], months, golive, g, revenue)
    else:  # the fixed part alone: its months only (zeros after them, which change nothing they are taken from)
        paid_ok = paid_fail = _taken(first, rows)
    subscription = np.asarray(_each(offer.subscription, rows))
    if np.count_nonzero(subscription > 0):
        paid_ok = _full(paid_ok, months) + timing.gain(subscription, months, ramp=False)  # the solution's fees
    received = _received(offer, rows, golive, months)
    net, runs = None, None
    if tax is not None:
        net, runs = _net_of_tax(tax, rows, amount, g, timing, inside, (paid_ok, paid_fail), received)
        if runs is not None and received is not None:  # the months of the money are not runs: month by month
            net, runs = np.repeat(net, runs, axis=2), None
    # success, failure: what the programme pays, then the net flows (a column a run of months, or a month)
    flows = received if received is not None else np.zeros((2, n, months if runs is None else len(runs)))
    if paid_fail is paid_ok:  # one subtraction for both cases: the same one in each cell
        flows[:, :, : paid_ok.shape[1]] -= paid_ok
    else:
        flows[0, :, : paid_ok.shape[1]] -= paid_ok
        flows[1, :, : paid_fail.shape[1]] -= paid_fail
    flows[:, :, 0] -= _each(offer.internal, rows)
    if net is None:
        flows[0] += (1.0 - tax_rate) * (timing.gain(amount, months) if g is None else g)
    else:
        flows[0] += net[0]
        flows[1] -= net[1]
    return flows if runs is None else np.repeat(flows, runs, axis=2)


def _received(
    offer: Offer, rows: NDArray[np.int64] | slice, golive: NDArray[np.float64], months: int
) -> NDArray[np.float64] | None:
    """What the programme pays the enterprises ``rows`` month by month (success, failure; enterprise; month), yuan / month.

    None when it pays them nothing (every amount zero: each cell would be +0.0).  ``golive`` is
    theirs (months from signing).
    """
    signing = offer.receive_signing[rows]
    at_golive, at_acceptance = offer.receive_golive[rows], offer.receive_acceptance[rows]
    if not (np.count_nonzero(signing) or np.count_nonzero(at_golive) or np.count_nonzero(at_acceptance)):
        return None
    flows = np.zeros((2, len(golive), months))
    if np.count_nonzero(signing):  # (adding zeros to +0.0 changes nothing)
        flows[:, :, 0] += signing
    _add_at_month(flows, golive, at_golive)
    _add_at_month(flows[0], golive + offer.acceptance_delay, at_acceptance)
    return flows


def _net_of_tax(
    tax: TaxPosition,
    rows: NDArray[np.int64] | slice,
    amount: NDArray[np.float64],
    g: NDArray[np.float64] | None,
    timing: _Timings,
    inside: NDArray[np.bool_],
    paid: tuple[NDArray[np.float64], NDArray[np.float64]],
    received: NDArray[np.float64] | None,
) -> tuple[NDArray[np.float64], NDArray[np.intp] | None]:
    """The success-case gain net of its tax and the failure case's tax (2, enterprise, column), yuan / month, and the runs.

    ``amount`` is each one's full gain (yuan / month), ``g`` its gain month by month if computed
    already (None: not yet); the rest as :func:`_taxes`.  On many enterprises the tax is computed
    once for each run of months :meth:`_Timings.columns` finds alike: a column a run, each cell of
    its months the one computed month by month, bit for bit, and the number of months in each run
    (:attr:`_Columns.runs`); else a column a month and None.
    """
    months = inside.shape[1]
    columns = None
    if g is None and tax.law.flat_rate is None and len(amount) >= _COLUMNS_FROM:  # (a deferred part: by month)
        slp = _slp_rates(tax.law, tax.month, months)
        columns = timing.columns(months, max(paid[0].shape[1], paid[1].shape[1]), slp)
    if columns is None:
        g = timing.gain(amount, months) if g is None else g
        due = _taxes(tax, rows, g, timing.deduction(months), None, inside, paid, received)
    else:
        g = amount[:, None] * _taken(columns.ramped, timing.which)
        due = _taxes(tax, rows, g, _taken(columns.deduction, timing.which), columns.months, inside, paid, received)
    np.subtract(g, due[0], out=due[0])
    return due, None if columns is None else columns.runs


def _windows(scheme: PaymentScheme, max_payback: NDArray[np.float64], horizon: int) -> tuple[int, NDArray[np.bool_]]:
    """The months of the schedules, and each enterprise's own window in them (months, bool array).

    Each enterprise looks ahead over its own window (the evaluation horizon, or its maximum payback
    plus two months, or :data:`MAX_MONTHS` without a finite maximum payback), so its payback and its
    deduction do not depend on who else is evaluated with it.  One enterprise's window is a
    read-only view of the kept windows (:func:`_kept_windows`), the others' a copy.
    """
    if len(max_payback) == 1:  # one enterprise (a re-decision at signing): the same whole numbers, on Python ints
        # math.ceil is exact where np.ceil + 2 is (below 2 ** 53 in size); beyond, both are cut to the same bounds
        limit = max_payback.item()
        end = math.ceil(limit) + 2 if math.isfinite(limit) else MAX_MONTHS
        months = max(min(MAX_MONTHS, max(horizon, end)), fixed_months(scheme))
        row = min(max(end, horizon, 0), months)  # its own end, cut to [0, months]
        return months, _kept_windows(months)[row : row + 1]
    reach = np.where(np.isfinite(max_payback), np.ceil(max_payback) + 2, MAX_MONTHS)
    longest = reach.max(initial=-np.inf)  # -inf: no enterprise
    months = int(max(min(MAX_MONTHS, max(horizon, longest)), fixed_months(scheme)))
    own = reach  # whole numbers: month k is inside where k < own, the same with own cut to [0, months]
    np.maximum(own, max(horizon, 0), out=own)
    np.minimum(own, months, out=own)
    return months, _kept_windows(months).take(own.astype(np.intp), axis=0)


@functools.lru_cache(maxsize=64)
def _kept_windows(months: int) -> NDArray[np.bool_]:
    """``np.arange(months) < np.arange(months + 1)[:, None]``: row j the window of the first j months, kept (read only).

    Taking each enterprise's row copies it, in fewer instructions than comparing the months with
    its own end broadcast along them (one enterprise alone reads its row as a view, read only:
    :func:`_windows`).  A function of ``months`` alone; the cache (thread-safe) keeps 64.
    """
    windows = np.arange(months) < np.arange(months + 1)[:, None]
    windows.flags.writeable = False
    return windows


def _taxes(
    tax: TaxPosition,
    rows: NDArray[np.int64] | slice,
    gain: NDArray[np.float64],
    deduction: NDArray[np.float64],
    columns: NDArray[np.intp] | None,
    inside: NDArray[np.bool_],
    paid: tuple[NDArray[np.float64], NDArray[np.float64]],
    received: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    """Each month's income tax net of the VAT credit (success, failure; enterprise; month), yuan / month.

    ``paid`` is what the enterprise pays the platform per month in each
    case, ``received`` (success, failure; enterprise; month) what the
    programme pays it (None: nothing); ``gain`` the success-case gain and ``deduction``
    the deduction of one yuan from go-live (a row per enterprise, or one), in the months
    ``columns`` of the schedule (None: every month; else they include the months of ``paid``,
    first).  What it deducts is what it pays within its own window, the months ``inside``.
    """
    law = tax.law
    credit = law.vat_share * tax.general_vat[rows]  # the share of a payment it deducts as VAT
    paid_ok, paid_fail = paid
    months = inside.shape[1]
    if law.flat_rate is not None:  # the deprecated flat rate on the gain, without deduction (every month)
        ok, fail = (_full(each, months) for each in paid)
        flat = np.empty((2, *gain.shape))
        np.subtract(law.flat_rate * gain, credit[:, None] * ok, out=flat[0])
        np.multiply(-credit[:, None], fail, out=flat[1])
        return flat
    deductible = _deductible(inside, paid)
    deductible *= 1.0 - credit
    if received is not None and received.any():  # (less nothing: the same)
        deductible -= _deductible(inside, (received[0], received[1]))
    np.maximum(deductible, 0.0, out=deductible)
    taxable = deductible[:, :, None] * deduction  # the deduction of one yuan
    np.subtract(gain, taxable[0], out=taxable[0])
    np.subtract(0.0, taxable[1], out=taxable[1])
    taxable *= 12.0
    base = tax.base_profit[rows][:, None]
    taxable += base
    high_tech = tax.high_tech[rows]
    if np.count_nonzero(high_tech) in (0, len(high_tech)):  # one class for all (none, or all): its rates, kept
        low, high = _class_brackets(law, tax.month, months, bool(high_tech[0]))
        if columns is not None:  # (a rate for every month: at the months computed)
            low, high = (x if x.shape[1] == 1 else x[:, columns] for x in (low, high))
    else:
        slp = _slp_rates(law, tax.month, months)
        low, high = law.brackets(high_tech[:, None], slp if columns is None or len(slp) == 1 else slp[columns])
    due = law.tax_in_brackets(taxable, low, high, overwrite=True)
    due -= law.tax_in_brackets(base, low, high)
    due /= 12.0
    # a credit is never negative (v >= 0): on the months after those of ``paid`` it is 0.0, which changes nothing
    credited = credit[:, None] * paid_ok
    if paid_fail is paid_ok:  # one subtraction for both cases: the same one in each cell
        due[:, :, : paid_ok.shape[1]] -= credited
    else:
        due[0, :, : paid_ok.shape[1]] -= credited
        due[1, :, : paid_fail.shape[1]] -= credit[:, None] * paid_fail
    return due


@functools.lru_cache(maxsize=1024)
def _slp_rates(law: TaxLaw, month: int, months: int) -> NDArray[np.float64]:
    """The SLP rate of each of the ``months`` months from model month ``month``, or one when both ends have it (a step in time).

    Read only, kept (a function of the law, frozen, and the two numbers; the cache is thread-safe).
    """
    slp = law.slp_rates(month + np.arange(months))
    slp = slp[:1] if slp[0] == slp[-1] else slp
    slp.flags.writeable = False
    return slp


@functools.lru_cache(maxsize=1024)
def _class_brackets(
    law: TaxLaw, month: int, months: int, high_tech: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:meth:`~dxsim.model.tax.TaxLaw.brackets` of one class over the ``months`` months from model month ``month``, kept.

    Shapes (1, 1) or (1, months) (:func:`_slp_rates`), read only: they broadcast against a row per
    enterprise, each element the one its own class gives.  A function of the law (frozen), the
    month, the months and the class alone; the cache (thread-safe) keeps the last 1,024.
    """
    low, high = law.brackets(np.array([[high_tech]]), _slp_rates(law, month, months))
    low.flags.writeable = high.flags.writeable = False
    return low, high


def _deductible(
    inside: NDArray[np.bool_], paid: tuple[NDArray[np.float64], NDArray[np.float64]]
) -> NDArray[np.float64]:
    """The totals of ``paid`` in the success and the failure case within each one's own window, yuan (2, enterprise).

    ``paid`` (enterprise; month) in each case, the failure case's the same object as the success case's
    when they are the same, over the first months only when the rest are zeros (:func:`_full`); the
    months ``inside`` each one's window.
    """
    visible = None
    out = np.empty((2, len(inside)))
    for case, each in enumerate(paid):
        if case and each is paid[0]:
            out[1] = out[0]
        elif each.shape[1] == 1 < inside.shape[1]:  # one month: its product plus zeros (-0.0 turns 0.0)
            np.add(each[:, 0] * inside[:, 0], 0.0, out=out[case])
        else:
            visible = inside.astype(np.float64) if visible is None else visible
            out[case] = np.einsum("ij,ij->i", _full(each, inside.shape[1]), visible)
    return out


def _full(paid: NDArray[np.float64], months: int) -> NDArray[np.float64]:
    """``paid`` (enterprise; month) over ``months`` months: zeros after its own (the same array if it has them)."""
    if paid.shape[1] == months:
        return paid
    out = np.zeros((len(paid), months))
    out[:, : paid.shape[1]] = paid
    return out
