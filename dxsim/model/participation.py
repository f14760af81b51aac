"""The platform's participation constraint (MODEL.md "Platforms decide"), pure and vectorised.

A platform offered contract j values what the contract will pay it over the
months m = 0, 1, ... from the month of signing, discounted at its monthly
cost of capital rho = (1 + r) ** (1/12) - 1 (r = ``cost_of_capital``):

* the enterprise's payments x_m under the payment scheme
  (:mod:`dxsim.model.schemes`): the fixed part from month 0, the deferred
  part from the expected go-live T (months; the grid month floor(T)), and the
  solution's subscription fee while it works;
* programme money paid to the platform at signing (month 0), go-live
  (floor(T)) and acceptance (floor(T + delay)), the last only if the
  enterprise passes acceptance.

It cannot observe the enterprise's own benefit and failure draws; it
expects, from what it observes (industry, revenue, starting maturity score):

* the gain g_m = revenue / 12 x E[benefit] x benefit_factor(score) x
  realised_share(quality), ramped up from T over the solution's lifetime
  (:func:`dxsim.finance.gain_profile`; :mod:`dxsim.model.quality`);
* failure with its own failure probability pi at its quality and
  experience (:func:`dxsim.model.quality.failure_probability`);
* acceptance with probability a (works, and the expected level reached
  passes the acceptance level).

So, with v the VAT share of a price that includes VAT (v / (1 + v)), which
the platform passes to the government from what the enterprise pays it and
from programme money that covers part of the price (not from rewards):

    R = (1 - v) [(1 - pi) PV(x | works) + pi PV(x | fails) + PV(S)] + PV(W)

with S the programme's price parts and W its rewards, each at its month,
those due at acceptance times a.  The expected delivery cost is the
platform's current Wright's-law unit cost c, of which a share s bears input
VAT it deducts: C = c (1 - s v).  The platform signs if and only if

    R >= C (1 + k)

with k its ``required_return``.  Under a revenue share of the reported gain
x_m | fails is the fixed part alone; under a share of revenue the enterprise
pays whether or not the project works.  Fixed costs do not enter: they do
not depend on the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dxsim.finance import gain_profile, monthly_rate, npv
from dxsim.model.decision import MAX_MONTHS, Offer
from dxsim.model.schemes import expected_payments, fixed_months, window

__all__ = ["Outlook", "ProgrammeMoney", "Valuation", "programme_receipts", "receipts_value", "valuation"]


@dataclass(frozen=True)
class ProgrammeMoney:
    """Programme money a platform expects on each contract, yuan (arrays, shape (3, n)).

    Rows are the moments it is paid: signing, go-live, acceptance (the last
    only if the enterprise passes).  ``price_part`` covers part of the price
    (VAT is due on it); ``reward`` is kept outside the price (no VAT).
    """

    price_part: NDArray[np.float64]
    reward: NDArray[np.float64]


@dataclass(frozen=True)
class Outlook:
    """What a platform expects of the enterprises it is offered (arrays, one entry per contract).

    Attributes
    ----------
    gain : array
        Expected full monthly gain once ramped up, yuan / month.
    ramp, lifetime : array
        Ramp-up and lifetime of the gain, months.
    failure : array
        Probability that the project fails.
    accepted : array
        Probability that the enterprise passes acceptance.
    """

    gain: NDArray[np.float64]
    ramp: NDArray[np.float64]
    lifetime: NDArray[np.float64]
    failure: NDArray[np.float64]
    accepted: NDArray[np.float64]


@dataclass(frozen=True)
class Valuation:
    """Outcome of :func:`valuation` (arrays, yuan).

    ``receipts`` is R, ``cost`` C and ``required`` C (1 + k) (see the module's
    docstring); the platform signs where ``signs``.
    """

    receipts: NDArray[np.float64]
    cost: NDArray[np.float64]
    required: NDArray[np.float64]

    @property
    def signs(self) -> NDArray[np.bool_]:
        """Where the participation constraint holds: R >= C (1 + k)."""
        return np.asarray(self.receipts >= self.required)

    @property
    def margin(self) -> NDArray[np.float64]:
        """R - C: the contract's expected value to the platform, yuan."""
        return np.asarray(self.receipts - self.cost)


def _months(offer: Offer, lifetime: NDArray[np.float64], subscribed: bool) -> int:
    """Width of the grid (months from signing) that holds every payment the platform expects.

    ``subscribed``: some contract pays a subscription fee (its payments run over the lifetime).
    """
    # the greatest by the reduction itself (ndarray.max's answer, without its Python wrapper)
    last_golive = float(np.maximum.reduce(offer.golive))
    months = max(fixed_months(offer.scheme), int(last_golive) + window(offer.scheme) + 1)
    if subscribed:
        months = max(months, int(np.ceil(last_golive + np.maximum.reduce(lifetime))) + 1)
    return min(months, MAX_MONTHS)


def receipts_value(
    offer: Offer, outlook: Outlook, money: ProgrammeMoney, *, cost_of_capital: NDArray[np.float64], vat_share: float
) -> NDArray[np.float64]:
    """R: the expected present value of what each contract pays the platform, net of VAT (yuan).

    Parameters
    ----------
    offer : Offer
        The contract's terms (what the enterprise owes, the scheme, the
        expected go-live, the acceptance delay, the subscription fee).
    outlook : Outlook
        What the platform expects of the enterprise.
    money : ProgrammeMoney
        Programme money paid to the platform.
    cost_of_capital : array
        The platform's cost of capital, 1 / year.
    vat_share : float
        v / (1 + v), the VAT inside a price that includes it.

    Examples
    --------
    >>> from dxsim.scenario.schema import Upfront
    >>> one = np.ones(1)
    >>> offer = Offer(owed=100 * one, scheme=Upfront(), receive_signing=0 * one, receive_golive=0 * one,
    ...               receive_acceptance=0 * one, golive=2 * one, acceptance_delay=3.0, subscription=0 * one)
    >>> outlook = Outlook(gain=0 * one, ramp=one, lifetime=12 * one, failure=0 * one, accepted=0.5 * one)
    >>> money = ProgrammeMoney(price_part=np.array([[0.0], [0.0], [40.0]]), reward=np.zeros((3, 1)))
    >>> receipts_value(offer, outlook, money, cost_of_capital=0 * one, vat_share=0.0).tolist()  # 100 + 0.5 x 40
    [120.0]
    """
    subscribed = bool((offer.subscription > 0).any())
    months = _months(offer, outlook.lifetime, subscribed)
    rho = monthly_rate(cost_of_capital)
    gain = None
    if window(offer.scheme) > 0:  # the base of a revenue share of the gain
        gain = gain_profile(outlook.gain, offer.golive, outlook.ramp, outlook.lifetime, months)
    paid_ok, paid_fail = expected_payments(offer.scheme, offer.owed, months, offer.golive, gain, offer.monthly_revenue)
    if subscribed:
        paid_ok = paid_ok + gain_profile(offer.subscription, offer.golive, 0.0, outlook.lifetime, months)
    if paid_fail is paid_ok:  # one and the same payments (expected_payments): their present value once, row by row
        pv_ok = pv_fail = npv(rho, paid_ok)
    else:
        pv_ok, pv_fail = npv(rho, np.array([paid_ok, paid_fail]))  # stacked (np.stack's array, one C call)
    pi = outlook.failure
    price_part, reward = programme_receipts(offer, outlook.accepted, money, rho)
    return np.asarray((1.0 - vat_share) * ((1.0 - pi) * pv_ok + pi * pv_fail + price_part) + reward)


def programme_receipts(
    offer: Offer, accepted: NDArray[np.float64], money: ProgrammeMoney, rho: NDArray[np.float64]
) -> tuple[NDArray[np.float64] | float, NDArray[np.float64] | float]:
    """PV(S) and PV(W): the programme's price parts and rewards paid to the platform, discounted (yuan).

    Each at its month (signing, floor(T), floor(T + delay)) at the monthly
    rate ``rho``, those due at acceptance times its probability
    ``accepted``.  Without programme money paid to the platform, 0.0 each:
    zeros times weights in (0, 1], summed, are 0.0 (the same sums, not computed).
    """
    if not (money.price_part.any() or money.reward.any()):
        return 0.0, 0.0
    n = len(offer.golive)
    when = np.array([np.zeros(n), np.floor(offer.golive), np.floor(offer.golive + offer.acceptance_delay)])
    weight = (1.0 + rho) ** -when * np.array([np.ones(n), np.ones(n), accepted])
    return (money.price_part * weight).sum(axis=0), (money.reward * weight).sum(axis=0)


def valuation(
    offer: Offer,
    outlook: Outlook,
    money: ProgrammeMoney,
    *,
    unit_cost: NDArray[np.float64],
    cost_of_capital: NDArray[np.float64],
    required_return: NDArray[np.float64],
    vat_share: float,
    input_vat_share: float,
) -> Valuation:
    """The platform's participation constraint on each contract (see the module's docstring).

    Parameters
    ----------
    offer, outlook, money, cost_of_capital, vat_share
        As :func:`receipts_value`.
    unit_cost : array
        The platform's current Wright's-law unit cost c, yuan.
    required_return : array
        k, share of the expected delivery cost.
    input_vat_share : float
        s, share of the delivery cost that bears deductible input VAT.

    Examples
    --------
    >>> from dxsim.scenario.schema import Upfront
    >>> one = np.ones(2)
    >>> offer = Offer(owed=np.array([100.0, 110.0]), scheme=Upfront(), receive_signing=0 * one,
    ...               receive_golive=0 * one, receive_acceptance=0 * one, golive=one, acceptance_delay=3.0,
    ...               subscription=0 * one)
    >>> outlook = Outlook(gain=0 * one, ramp=one, lifetime=12 * one, failure=0 * one, accepted=one)
    >>> none = ProgrammeMoney(price_part=np.zeros((3, 2)), reward=np.zeros((3, 2)))
    >>> v = valuation(offer, outlook, none, unit_cost=100 * one, cost_of_capital=0.1 * one,
    ...               required_return=0.05 * one, vat_share=0.0, input_vat_share=0.0)
    >>> v.signs.tolist(), v.required.tolist()  # paid 100 or 110 at signing for a cost of 100 (105 required)
    ([False, True], [105.0, 105.0])
    """
    receipts = receipts_value(offer, outlook, money, cost_of_capital=cost_of_capital, vat_share=vat_share)
    cost = np.asarray(unit_cost * (1.0 - input_vat_share * vat_share), dtype=np.float64)
    return Valuation(receipts=receipts, cost=cost, required=cost * (1.0 + required_return))
