"""Each applicant's steps as SimPy timeouts: sign, queue, implement, go live, acceptance.

An applicant is not a SimPy process: each of its steps is one ``Timeout``
whose callback calls the world's action for that step and schedules the
next, so an applicant spends three events (it applies, its implementation
ends, it is assessed) and no generator.  A platform with a capacity serves
first come, first served: a contract that finds every server busy joins the
platform's queue and starts the moment one is released, without an event of
its own.  Every decision and every money schedule is a pure function
elsewhere; this module only orders the steps in time.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import simpy

if TYPE_CHECKING:
    from dxsim.model.world import World

__all__ = ["Applicants", "Application"]


@dataclass(slots=True)
class Application:
    """An enterprise that decided to adopt at the start of a month (yuan, months).

    It carries its own attributes (those of
    :class:`~dxsim.model.population.Attributes`, in the same order) as
    Python values, which the steps of its application read one at a time.
    """

    enterprise: int
    industry: int
    platform: int
    time: float  # when it applies, months since start
    threshold: float
    attempt: int
    price: float
    expected_grant: float  # programme money it counted on, yuan
    revenue: float  # yuan / year
    benefit: float  # profit gain, share of revenue / year
    hurdle_rate: float  # 1 / year
    max_payback: float  # months
    liquidity: float  # yuan available at signing
    implementation: float  # months
    fails: bool
    maturity: float  # score before
    maturity_gain: float  # score points if the project succeeds
    perceived_failure: float  # the failure probability it reckoned with


class Applicants:
    """Schedules the steps of every application of one world.

    Parameters
    ----------
    world : World
        The world whose actions the steps call (``try_sign``,
        ``start_implementation``, ``go_live``, ``assess``).
    capacity : list of int or None
        Servers of each platform (None: unlimited, no one waits).
    """

    def __init__(self, world: World, capacity: list[int | None]) -> None:
        # A weak reference: steps still pending at the horizon must not keep the world alive.
        self.world = weakref.proxy(world)
        self.env = world.env
        self.capacity = capacity
        self.busy = [0] * len(capacity)  # servers in use, per platform
        self.waiting: list[deque[int]] = [deque() for _ in capacity]  # contracts queued, per platform

    def apply(self, app: Application) -> None:
        """``app`` applies at ``app.time`` (months, not before now)."""
        self._after(app.time - self.env.now, self._apply, app)

    def _after(self, delay: float, step: Callable[[simpy.Event], None], value: Any) -> None:
        """Call ``step(event)`` ``delay`` months from now; the event's value is ``value``."""
        simpy.Timeout(self.env, delay, value).callbacks.append(step)

    def _apply(self, event: simpy.Event) -> None:
        app = cast(Application, event.value)
        outcome = self.world.try_sign(app)
        if outcome is None:  # turned away or no longer willing: may consider again later
            return
        if not isinstance(outcome, int):  # wait for the next batch to open
            self._after(outcome - self.env.now, self._apply, app)
            return
        p = app.platform
        self.world.occupancy.change(p, self.env.now, waiting=1)
        cap = self.capacity[p]
        if cap is None or self.busy[p] < cap:
            self.busy[p] += 1
            self._start(outcome, p)
        else:
            self.waiting[p].append(outcome)

    def _start(self, contract: int, p: int) -> None:
        """A server is free: the implementation of ``contract`` at platform ``p`` starts now."""
        self.world.occupancy.change(p, self.env.now, waiting=-1, busy=1)
        duration = self.world.start_implementation(contract)
        self._after(duration, self._go_live, (contract, p))

    def _go_live(self, event: simpy.Event) -> None:
        contract, p = cast(tuple[int, int], event.value)
        self.world.occupancy.change(p, self.env.now, busy=-1)
        delay = self.world.go_live(contract)
        self._after(delay, self._assess, contract)
        queue = self.waiting[p]
        if queue:  # the server passes to the first in the queue
            self._start(queue.popleft(), p)
        else:
            self.busy[p] -= 1

    def _assess(self, event: simpy.Event) -> None:
        self.world.assess(cast(int, event.value))
