"""The decision record: what each considerer was offered and what it decided (opt-in, for :func:`dxsim.explain`).

A replication run with ``decisions=True`` keeps one row per decision an
enterprise took: each consideration at the start of a month
(:meth:`dxsim.model.demand.Demand.consider`), and each re-decision at
signing when the programme money it got fell short of what it counted on
(:meth:`dxsim.model.contracting.Contracting.try_sign`).  A row holds what
the decision rule (:func:`dxsim.model.decision.decide`) needs besides the
enterprise's keyed attributes (which are a pure function of the seed and its
id, so they are re-derived, not stored) and the scenario's own numbers: the
platform, price and programme money, the offer's terms, the beliefs, and
what the rule returned and what came of it.

Recording only appends copies of arrays the model has already computed: it
draws no random number and schedules no event, so a run's numbers are the
same with or without it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dxsim.model.decision import Decision, Offer

__all__ = ["COLUMNS", "OUTCOMES", "STAGES", "DecisionLog"]

#: What came of a decision (codes are the index): the enterprise went on to apply; it rejected the
#: offer itself; its industry had no platform open to it; the platform declined it (participation
#: constraint); its platform's working capital rationed it out.
OUTCOMES = ("applied", "rejected", "no_platform", "declined", "rationed")
APPLIED, REJECTED, NO_PLATFORM, DECLINED, RATIONED = range(len(OUTCOMES))

#: When the decision was taken: at a consideration (month start), or again at signing with less
#: programme money than it counted on.
STAGES = ("consider", "signing")

#: The columns of the record, in order (see :data:`dxsim.results.schema.DECISION_VARIABLES`).
COLUMNS = (
    "enterprise",
    "industry",
    "time",
    "stage",
    "outcome",
    "platform",
    "renewal",
    "price",
    "counted",
    "owed",
    "receive_signing",
    "receive_golive",
    "receive_acceptance",
    "golive",
    "perceived_failure",
    "benefit_share",
    "value",
    "payback",
    "due",
)


class DecisionLog:
    """Rows of decisions, appended a month (or a signing) at a time; :meth:`arrays` joins them."""

    def __init__(self) -> None:
        self._chunks: list[list[NDArray[np.float64]]] = []

    def add(
        self,
        stage: str,
        who: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64] | float],
        platform: NDArray[np.int64],
        money: tuple[NDArray[np.float64], NDArray[np.float64]],
        belief: tuple[NDArray[np.float64], NDArray[np.float64]],
        taken: tuple[Offer, Decision],
        outcome: NDArray[np.int64],
        renewal: NDArray[np.bool_],
    ) -> None:
        """Record the decisions of enterprises ``who`` = (ids, industries, time in months since the start).

        ``money`` is (the price quoted, the programme money counted on), yuan;
        ``belief`` (perceived failure, share of the potential gain counted on);
        ``taken`` the offer and what :func:`~dxsim.model.decision.decide`
        returned; ``outcome`` codes of :data:`OUTCOMES`; ``platform`` -1 where
        there was none.
        """
        ids, industry, time = who
        offer, decision = taken
        n = len(ids)
        columns = (
            ids,
            industry,
            np.broadcast_to(time, n),
            np.full(n, STAGES.index(stage)),
            outcome,
            platform,
            renewal,
            *money,
            offer.owed,
            offer.receive_signing,
            offer.receive_golive,
            offer.receive_acceptance,
            offer.golive,
            *belief,
            decision.value,
            decision.payback,
            decision.due_at_signing,
        )
        self._chunks.append([np.array(c, dtype=np.float64) for c in columns])

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        """The record, one array per name of :data:`COLUMNS` (one entry per decision, in the order taken)."""
        if not self._chunks:
            return {name: np.zeros(0) for name in COLUMNS}
        return {name: np.concatenate([chunk[k] for chunk in self._chunks]) for k, name in enumerate(COLUMNS)}
