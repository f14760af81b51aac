"""The adoption decision (MODEL.md mechanism 2), pure and vectorised.

An enterprise values the offer over months m = 0, 1, ... after signing, with
its monthly hurdle rate rho = (1 + r) ** (1/12) - 1:

* success: after-tax gain ramping up from the expected go-live, less what it
  pays the platform under its scheme (:mod:`dxsim.model.schemes`) and any
  subscription of the solution, plus programme money paid to it;
* failure (probability pi): no gain; it still pays under upfront,
  instalments and subscription, and pays nothing from go-live under revenue
  share (the upfront fraction of a hybrid is paid); programme money paid at
  acceptance is lost;
* V = (1 - pi) NPV_ok + pi NPV_fail over the evaluation horizon H.

It adopts when V > 0, its success-case payback is within its maximum
acceptable payback, and what it must pay at signing fits its liquidity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dxsim.finance import gain_profile, monthly_rate, npv, payback_period
from dxsim.model.schemes import deferred_payments, fixed_months, fixed_payments, window
from dxsim.scenario.schema import PaymentScheme

__all__ = ["Decision", "Offer", "decide", "perceived_failure"]

#: Longest schedule the decision looks at (months), whatever the payback limits.
MAX_MONTHS = 600


def perceived_failure(initial: float, peer_learning: float, adoption_share: NDArray[np.float64]) -> NDArray[np.float64]:
    """pi = initial x exp(-peer_learning x A / N) (畏难心理, hesitancy falling as peers adopt)."""
    return np.asarray(initial * np.exp(-peer_learning * np.asarray(adoption_share, dtype=np.float64)))


@dataclass(frozen=True)
class Offer:
    """The terms an enterprise considers (arrays, one entry per enterprise; yuan and months).

    ``owed`` is what it pays the platform under ``scheme``; ``receive_*`` is
    programme money paid to the enterprise itself at signing, go-live and
    acceptance (the last one only if the project succeeds).
    """

    owed: NDArray[np.float64]
    scheme: PaymentScheme
    receive_signing: NDArray[np.float64]
    receive_golive: NDArray[np.float64]
    receive_acceptance: NDArray[np.float64]
    golive: NDArray[np.float64]  # expected months from signing to go-live
    acceptance_delay: float
    subscription: NDArray[np.float64]  # yuan / month after go-live


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
        Tax on the gain; the enterprise keeps ``1 - tax_rate`` of it.

    Notes
    -----
    ``value`` and ``payback`` are NaN where a quick bound already rules
    adoption out (what is due at signing exceeds liquidity, or even the full
    after-tax gain from month 0 cannot make V positive).
    """
    rho = monthly_rate(hurdle_rate)
    first = fixed_payments(offer.scheme, offer.owed, fixed_months(offer.scheme))
    due = first[:, 0] - offer.receive_signing
    # A quick upper bound on V: the full after-tax gain from month 0, receipts undiscounted,
    # deferred payments left out, and the fixed payments inside the horizon each as late as the last.
    k = min(first.shape[1], horizon)
    bound = (
        (1.0 - failure) * (1.0 - tax_rate) * np.clip(gain, 0.0, None) * horizon
        + offer.receive_signing
        + offer.receive_golive
        + offer.receive_acceptance
        - first[:, :k].sum(axis=1) * (1.0 + rho) ** -(k - 1)
    )
    live = np.flatnonzero((due <= liquidity) & (bound > 0))
    value = np.full(len(gain), np.nan)
    payback = np.full(len(gain), np.nan)
    if len(live):
        value[live], payback[live] = _value_and_payback(
            offer, live, gain, ramp, lifetime, rho, failure, horizon, max_payback, tax_rate
        )
    adopt = (value > 0) & (payback <= max_payback) & (due <= liquidity)
    return Decision(adopt=adopt, value=value, payback=payback, due_at_signing=due)


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
        paid_ok = paid_ok + deferred_payments(offer.scheme, owed, g, start, np.ones(n, dtype=bool))
        paid_fail = paid_fail + deferred_payments(offer.scheme, owed, np.zeros_like(g), start, np.zeros(n, dtype=bool))
    receipts_fail = np.zeros((n, months))
    receipts_fail[:, 0] += offer.receive_signing[rows]
    _add_at_month(receipts_fail, golive, offer.receive_golive[rows])
    receipts_ok = receipts_fail.copy()
    _add_at_month(receipts_ok, golive + offer.acceptance_delay, offer.receive_acceptance[rows])
    ok = (1.0 - tax_rate) * g - paid_ok + receipts_ok
    subscription = np.broadcast_to(offer.subscription, gain.shape)[rows]
    if (subscription > 0).any():
        ok -= gain_profile(subscription, golive, 0.0, life, months)
    fail = receipts_fail - paid_fail
    pi = failure[rows]
    npv_ok, npv_fail = npv(rho[rows], np.stack([ok[:, :horizon], fail[:, :horizon]]))  # one set of discount factors
    value = (1.0 - pi) * npv_ok + pi * npv_fail
    # Each enterprise looks ahead over its own window (the evaluation horizon, or its maximum payback
    # plus two months), so its payback does not depend on who else is evaluated with it.
    mp = max_payback[rows]
    own = np.minimum(months, np.maximum(horizon, np.where(np.isfinite(mp), np.ceil(mp) + 2, months)))
    seen = np.where(np.arange(months) < own[:, None], ok, 0.0)
    return value, payback_period(seen, final=True)
