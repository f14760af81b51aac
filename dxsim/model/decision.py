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

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from dxsim.finance import gain_profile, monthly_rate, npv, payback_period, straight_line
from dxsim.model.schemes import deferred_payments, fixed_months, fixed_payments, most_paid, window
from dxsim.model.tax import TaxLaw, TaxPosition
from dxsim.scenario.schema import PaymentScheme

if TYPE_CHECKING:
    from dxsim.model.parameters import IndustryParameters
    from dxsim.model.population import Attributes

__all__ = ["Decision", "Offer", "decide", "weigh"]

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
        Without ``tax``: a flat tax on the gain; the enterprise keeps
        ``1 - tax_rate`` of it (no deduction, no VAT).
    tax : TaxPosition, optional
        Each enterprise's tax position (see the module's docstring); it
        replaces ``tax_rate``.
    screen : bool
        Skip the enterprises a quick upper bound on V rules out (the
        default); False evaluates every one (the same adoptions, slower).

    Notes
    -----
    ``value`` and ``payback`` are NaN where a quick bound already rules
    adoption out (what is due at signing exceeds liquidity, or even the full
    gain in every month from the expected go-live, taxed at the enterprise's
    lowest rate, with the largest tax saving the deduction could bring in
    every month of the lifetime, cannot make V positive).
    """
    rho = monthly_rate(hurdle_rate)
    first = fixed_payments(offer.scheme, offer.owed, fixed_months(offer.scheme))
    due = first[:, 0] - offer.receive_signing
    bound = _upper_bound(
        offer, first, rho, gain=gain, lifetime=lifetime, failure=failure, horizon=horizon, tax_rate=tax_rate, tax=tax
    )
    live = np.flatnonzero((due <= liquidity) & ((bound > 0) | (not screen)))
    value = np.full(len(gain), np.nan)
    payback = np.full(len(gain), np.nan)
    if len(live):
        value[live], payback[live] = _value_and_payback(
            offer, live, gain, ramp, lifetime, rho, failure, horizon, max_payback, tax_rate, tax
        )
    adopt = (value > 0) & (payback <= max_payback) & (due <= liquidity)
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
    screen : bool
        As :func:`decide`.
    """
    failure, benefit_share = belief
    tax = TaxPosition(law, att.revenue * att.margin, att.high_tech, law.general_vat(att.revenue), month)
    return decide(
        offer,
        gain=att.revenue / 12.0 * att.benefit * benefit_share,
        tax=tax,
        ramp=params.ramp[industry],
        lifetime=params.lifetime[industry],
        hurdle_rate=att.hurdle_rate,
        failure=failure,
        horizon=horizon,
        max_payback=att.max_payback,
        liquidity=att.liquidity,
        screen=screen,
    )


def _upper_bound(
    offer: Offer,
    first: NDArray[np.float64],
    rho: NDArray[np.float64],
    *,
    gain: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    failure: NDArray[np.float64],
    horizon: int,
    tax_rate: float,
    tax: TaxPosition | None,
) -> NDArray[np.float64]:
    """A quick upper bound on V (yuan), from the fixed payments ``first`` (months from signing).

    The full gain in every month from the expected go-live to the horizon,
    taxed at the lowest rate the enterprise can face, plus the largest tax
    saving of the deduction in every month of the lifetime inside the
    horizon, both discounted month by month; receipts inside the horizon
    undiscounted; deferred payments left out (they cost more than their VAT
    credit); the fixed payments inside the horizon, net of their VAT credit,
    each as late as the last.
    """
    k = min(first.shape[1], horizon)
    fixed = first[:, :k].sum(axis=1)
    live_from = np.minimum(np.floor(offer.golive), horizon)
    kept: NDArray[np.float64] | float = 1.0 - tax_rate  # of the gain, at most
    saving: NDArray[np.float64] | float = 0.0
    if tax is not None:
        life = np.broadcast_to(lifetime, gain.shape)
        most = most_paid(offer.scheme, offer.owed) / life + np.broadcast_to(offer.subscription, gain.shape)
        kept = 1.0 - tax.law.lowest_rate(tax.base_profit, most, tax.high_tech)
        saving = tax.law.largest_saving(tax.base_profit, most, tax.high_tech) * _annuity(
            rho, live_from, np.minimum(horizon, live_from + np.ceil(life) + 1)
        )
        saving = saving + tax.law.vat_share * tax.general_vat * fixed
    return np.asarray(
        (1.0 - failure) * kept * np.clip(gain, 0.0, None) * _annuity(rho, live_from, horizon)
        + saving
        + offer.receive_signing
        + np.where(offer.golive < horizon, offer.receive_golive, 0.0)
        + np.where(offer.golive + offer.acceptance_delay < horizon, offer.receive_acceptance, 0.0)
        - fixed * (1.0 + rho) ** -(k - 1)
        - offer.internal
    )


def _annuity(
    rho: NDArray[np.float64], start: NDArray[np.float64] | float, end: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Sum of ``(1 + rho) ** -m`` over the months ``m`` from ``start`` up to ``end`` (whole numbers; 0 if none)."""
    months = np.maximum(np.asarray(end, dtype=np.float64) - start, 0.0)
    v = 1.0 / (1.0 + rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        sums = v**start * (1.0 - v**months) / (1.0 - v)
    return np.asarray(np.where(rho > 0, sums, months))


def _add_at_month(flows: NDArray[np.float64], when: NDArray[np.float64], amount: NDArray[np.float64]) -> None:
    """Add ``amount`` to each row of ``flows`` in month ``floor(when)``; money due after the window is left out."""
    col = when.astype(np.int64)
    inside = col < flows.shape[1]
    flows[np.flatnonzero(inside), col[inside]] += amount[inside]


def _value_and_payback(
    offer: Offer,
    rows: NDArray[np.int64],
    gain: NDArray[np.float64],
    ramp: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    rho: NDArray[np.float64],
    failure: NDArray[np.float64],
    horizon: int,
    max_payback: NDArray[np.float64],
    tax_rate: float,
    tax: TaxPosition | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """V and the success-case payback of the enterprises ``rows`` (month-by-month cash flows)."""
    n = len(rows)
    finite_pb = max_payback[rows][np.isfinite(max_payback[rows])]
    longest = np.ceil(finite_pb.max()) + 2 if len(finite_pb) else horizon
    months = int(max(min(MAX_MONTHS, max(horizon, longest)), fixed_months(offer.scheme)))
    owed = offer.owed[rows]
    golive = offer.golive[rows]
    life = np.broadcast_to(lifetime, gain.shape)[rows]
    g = gain_profile(gain[rows], golive, np.broadcast_to(ramp, gain.shape)[rows], life, months)
    start = golive.astype(np.int64)
    paid_ok = paid_fail = fixed_payments(offer.scheme, owed, months)
    if window(offer.scheme) > 0:  # a deferred part, paid from go-live
        revenue = None if offer.monthly_revenue is None else offer.monthly_revenue[rows]
        paid_ok = paid_ok + deferred_payments(offer.scheme, owed, g, start, np.ones(n, dtype=bool), revenue)
        paid_fail = paid_fail + deferred_payments(
            offer.scheme, owed, np.zeros_like(g), start, np.zeros(n, dtype=bool), revenue
        )
    receipts_fail = np.zeros((n, months))
    receipts_fail[:, 0] += offer.receive_signing[rows]
    _add_at_month(receipts_fail, golive, offer.receive_golive[rows])
    receipts_ok = receipts_fail.copy()
    _add_at_month(receipts_ok, golive + offer.acceptance_delay, offer.receive_acceptance[rows])
    subscription = np.broadcast_to(offer.subscription, gain.shape)[rows]
    if (subscription > 0).any():
        paid_ok = paid_ok + gain_profile(subscription, golive, 0.0, life, months)  # the solution's fees
    # Each enterprise looks ahead over its own window (the evaluation horizon, or its maximum payback
    # plus two months), so its payback and its deduction do not depend on who else is evaluated with it.
    mp = max_payback[rows]
    own = np.minimum(months, np.maximum(horizon, np.where(np.isfinite(mp), np.ceil(mp) + 2, months)))
    ok = receipts_ok - paid_ok
    fail = receipts_fail - paid_fail
    internal = np.broadcast_to(offer.internal, gain.shape)[rows]
    ok[:, 0] -= internal
    fail[:, 0] -= internal
    if tax is None:
        ok += (1.0 - tax_rate) * g
    else:
        ok_tax, fail_tax = _taxes(tax, rows, g, golive, life, own, (paid_ok, receipts_ok), (paid_fail, receipts_fail))
        ok += g - ok_tax
        fail -= fail_tax
    pi = failure[rows]
    npv_ok, npv_fail = npv(rho[rows], np.stack([ok[:, :horizon], fail[:, :horizon]]))  # one set of discount factors
    value = (1.0 - pi) * npv_ok + pi * npv_fail
    seen = np.where(np.arange(months) < own[:, None], ok, 0.0)
    return value, payback_period(seen, final=True)


def _taxes(
    tax: TaxPosition,
    rows: NDArray[np.int64],
    gain: NDArray[np.float64],
    golive: NDArray[np.float64],
    life: NDArray[np.float64],
    own: NDArray[np.float64],
    ok: tuple[NDArray[np.float64], NDArray[np.float64]],
    fail: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each month's income tax net of the VAT credit (yuan / month), in the success and the failure case.

    ``ok`` and ``fail`` are (what the enterprise pays the platform, what the
    programme pays it) per month in each case; ``gain`` the success-case gain.
    What it deducts is what it pays within its own window of ``own`` months.
    """
    law = tax.law
    credit_share = (law.vat_share * tax.general_vat[rows])[:, None]
    if law.flat_rate is not None:  # the deprecated flat rate on the gain, without deduction
        return law.flat_rate * gain - credit_share * ok[0], -credit_share * fail[0]
    months = gain.shape[1]
    per_yuan = straight_line(1.0, golive, life, months)  # the deduction of one yuan
    low, high = law.brackets(tax.high_tech[rows][:, None], law.slp_rates(tax.month + np.arange(months)))
    base = tax.base_profit[rows][:, None]
    base_tax = law.tax_in_brackets(base, low, high)
    visible = (np.arange(months) < own[:, None]).astype(np.float64)

    def within(flows: NDArray[np.float64]) -> NDArray[np.float64]:  # the total within each one's own window
        return np.asarray(np.einsum("ij,ij->i", flows, visible))

    out = []
    for g, (paid, receipts) in ((gain, ok), (0.0, fail)):
        deductible = np.clip(within(paid) * (1.0 - credit_share[:, 0]) - within(receipts), 0.0, None)
        taxable = base + 12.0 * (g - deductible[:, None] * per_yuan)
        out.append((law.tax_in_brackets(taxable, low, high) - base_tax) / 12.0 - credit_share * paid)
    return out[0], out[1]
