"""The driver's run loop (:func:`~dxsim.model.driver.run_until`) is SimPy's ``Environment.run`` to a time."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy

from dxsim.model.applications import Applicants, _schedule, _Step
from dxsim.model.driver import run_until
from dxsim.model.platform import Occupancy
from dxsim.model.programme import UrgentTimeout


class _NoActions:
    """The actions of applicants whose steps only record (never called)."""


def _scene(env: simpy.Environment, seen: list[tuple[float, str]]) -> None:
    """Events of every kind the replications make: a process, timeouts, urgent events, steps, a defused failure."""

    def record(name: str) -> Callable[[simpy.Event], None]:
        return lambda event: seen.append((env.now, f"{name}:{event.value}"))

    actions = _NoActions()  # held here: the applicants hold it weakly
    applicants = Applicants(env, actions, Occupancy(1), [None])  # type: ignore[arg-type]

    def months() -> Generator[simpy.Event, Any, None]:
        for t in range(6):
            seen.append((env.now, f"month {t}"))
            urgent = simpy.Timeout(env, 0.5, t)
            urgent.callbacks.append(record("urgent"))
            UrgentTimeout(env, 1.0).callbacks.append(record("month end"))  # before what else is due then
            yield env.timeout(1.0)
            for k in range(3):
                _schedule(applicants, _Step(env), 0.25 * k, (record(f"step {t}"),), k)

    env.process(months())
    for k in range(5):
        simpy.Timeout(env, 0.5 * k, k).callbacks.append(record("timeout"))
    failed = simpy.Event(env)
    failed.defused = True
    failed.fail(ValueError("defused"))
    failed.callbacks.append(lambda event: seen.append((env.now, "failed, defused")))


@pytest.mark.parametrize("until", [3, 3.0, 2.5, 10])
def test_run_until_runs_what_run_runs(until: float) -> None:
    # the same events in the same order at the same times, the same count of events, the same clock
    # (an int kept an int), and the same queue left (the stopping event again, with its callbacks taken)
    runs = []
    for run in (lambda env: env.run(until=until), lambda env: run_until(env, until)):
        env = simpy.Environment()
        seen: list[tuple[float, str]] = []
        _scene(env, seen)
        run(env)
        left = [(t, p, n, type(e).__name__, len(e.callbacks), e.value) for t, p, n, e in sorted(env._queue)]
        runs.append((seen, next(env._eid), env.now, type(env.now), left))
    assert runs[0] == runs[1]
    assert len(runs[0][0]) > 10


def test_run_until_crashes_on_a_failed_event_as_run_does() -> None:
    errors = []
    for run in (lambda env: env.run(until=5.0), lambda env: run_until(env, 5.0)):
        env = simpy.Environment()
        simpy.Timeout(env, 1.0)
        env.timeout(2.0).callbacks.append(lambda event: simpy.Event(event.env).fail(KeyError("lost")))
        with pytest.raises(KeyError, match="lost") as raised:
            run(env)
        errors.append((type(raised.value.__cause__), env.now, next(env._eid)))
    assert errors[0] == errors[1] == (KeyError, 2.0, 4)


def test_run_until_refuses_a_time_not_after_now() -> None:
    env = simpy.Environment(initial_time=2.0)
    with pytest.raises(ValueError, match="greater than the current"):
        run_until(env, 2.0)
