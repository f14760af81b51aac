"""The SimPy process of one applicant: sign, queue, implement, go live, acceptance.

The process only waits and calls the world's actions; every decision and every
money schedule is a pure function elsewhere.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    from dxsim.model.world import World

__all__ = ["Application", "applicant"]


@dataclass(slots=True)
class Application:
    """An enterprise that decided to adopt at the start of a month (yuan, months)."""

    enterprise: int
    industry: int
    platform: int
    time: float  # when it applies, months since start
    threshold: float
    attempt: int
    price: float
    expected_grant: float  # programme money it counted on, yuan
    row: int  # its index in the month's arrays of attributes
    month: Any  # the month's arrays (see World._consider)


def applicant(world: World, app: Application) -> Generator[simpy.Event, Any, None]:
    """Apply, sign, wait for capacity, implement, go live and be assessed."""
    env = world.env
    yield env.timeout(app.time - env.now)
    while True:
        outcome = world.try_sign(app)
        if isinstance(outcome, int):
            contract = outcome
            break
        if outcome is None:  # turned away or no longer willing: may consider again later
            return
        yield env.timeout(outcome - env.now)  # wait for the next batch to open
    resource = world.platforms.resources[app.platform]
    world.occupancy.change(app.platform, env.now, waiting=1)
    request = resource.request() if resource is not None else None
    if request is not None:
        yield request
    world.occupancy.change(app.platform, env.now, waiting=-1, busy=1)
    duration = world.start_implementation(contract)
    yield env.timeout(duration)
    if resource is not None and request is not None:
        resource.release(request)
    world.occupancy.change(app.platform, env.now, busy=-1)
    delay = world.go_live(contract)
    yield env.timeout(delay)
    world.assess(contract)
