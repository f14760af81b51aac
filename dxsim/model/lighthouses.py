"""Lighthouses (小灯塔) designated by the programme among the enterprises it accepted.

MODEL.md "Maturity and lighthouses": a lighthouse is a programme designation,
not a maturity level.  A candidate is a contract that received programme
money (its batch is its grants' batch), passed acceptance and reached
``programme.lighthouse.min_level``; without a programme there are no
candidates and so no lighthouses.  Each platform may have ``per_platform``
lighthouses per batch (no quota if None).  Two rules:

* ``first_accepted``: a candidate is designated at its acceptance while its
  platform's quota for its batch lasts;
* ``largest_gain``: ``designation_months`` after its batch closes, each
  platform's candidates of that batch with the largest realised monthly
  gains are designated, up to the quota (candidates assessed later are not).

A designation is counted in the month it happens, marks the contract in the
book and adds to its sub-industry's evidence (:mod:`dxsim.model.information`),
and so to the demonstration term of the consideration hazard.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Generator
from operator import itemgetter
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.scenario.schema import Lighthouse

__all__ = ["Candidate", "Lighthouses"]

#: A candidate: (contract id, platform, industry, realised monthly gain in yuan).
Candidate = tuple[int, int, int, float]
#: A candidate's contract id, platform and gain, the keys ``largest_gain`` ranks the candidates by.
_CONTRACT, _PLATFORM, _GAIN = itemgetter(0), itemgetter(1), itemgetter(3)


class Lighthouses:
    """Designates lighthouses by the programme's rule and quota.

    Parameters
    ----------
    env : simpy.Environment
        The replication's environment (months).
    rule : Lighthouse
        The programme's lighthouse settings.
    designation_times : array
        For each batch, when ``largest_gain`` designates (its close plus
        ``designation_months``), months.
    designate : bound method
        ``designate(contract, industry)`` records one designation now.  Held
        by a weak reference: its owner holds this object, and a cycle would
        outlive the run (the collector is paused during runs).
    """

    def __init__(
        self,
        env: simpy.Environment,
        rule: Lighthouse,
        designation_times: NDArray[np.float64],
        designate: Callable[[int, int], None],
    ) -> None:
        self._designate = weakref.WeakMethod(designate)
        self.env = env
        self.rule = rule
        #: Whether each candidate is designated at once (rule ``first_accepted``), read at each candidate: a
        #: bool of the object's own, where the rule's ``rule`` is a pydantic model's field (a read through
        #: its ``__getattr__`` hook, which CPython 3.11 does not specialise).
        self.at_once = rule.rule == "first_accepted"
        self.quota = np.inf if rule.per_platform is None else float(rule.per_platform)
        self.designated: defaultdict[tuple[int, int], int] = defaultdict(int)  # per (batch, platform)
        self.candidates: defaultdict[int, list[Candidate]] = defaultdict(list)  # per batch, largest_gain
        self.closed: set[int] = set()
        self._pending: list[Generator[simpy.Event, Any, None]] = []
        if rule.rule == "largest_gain":
            for batch, when in enumerate(designation_times.tolist()):
                self._pending.append(self._designate_batch(batch, when))
                env.process(self._pending[-1])

    def close(self) -> None:
        """Drop the designations still waiting at the horizon (their frames hold the replication's parts)."""
        for process in self._pending:
            process.close()

    def candidate(self, batch: int, who: Candidate) -> None:
        """An accepted programme contract of ``batch`` reached the minimum level."""
        if self.at_once:
            self._try(batch, (who,))
        elif batch not in self.closed:
            self.candidates[batch].append(who)

    def _try(self, batch: int, ranked: list[Candidate] | tuple[Candidate]) -> None:
        """Designate each of ``ranked`` in turn whose platform's quota for ``batch`` is not used up.

        The designating method is looked up once for all of them (a batch's
        candidates, about 2,400 in ``national``), each platform's count once
        per candidate.
        """
        designate = self._designate()
        assert designate is not None, "the contracting that owns the lighthouses is gone"
        designated, quota = self.designated, self.quota
        for contract, platform, industry, _ in ranked:
            key = (batch, platform)
            count = designated[key]
            if count < quota:
                designated[key] = count + 1
                designate(contract, industry)

    def _designate_batch(self, batch: int, when: float) -> Generator[simpy.Event, Any, None]:
        """At ``when``, designate the batch's candidates with the largest gains, platform by platform."""
        yield self.env.timeout(max(when - self.env.now, 0.0))
        self.closed.add(batch)
        # platform by platform, the largest gain first, ties by contract: the order of the key (platform,
        # -gain, contract), a total order (contract ids are unique; the gains are finite), by three stable
        # sorts on one field each, the last sort's field first (reverse=True keeps equal gains in contract
        # order): C's itemgetter for the keys and one-field comparisons, no Python call or tuple per candidate
        ranked = sorted(self.candidates.pop(batch, []), key=_CONTRACT)
        ranked.sort(key=_GAIN, reverse=True)
        ranked.sort(key=_PLATFORM)
        self._try(batch, ranked)
