"""An applicant's steps are events the environment numbers and orders as it would timeouts."""

from __future__ import annotations

import pytest
import simpy

from dxsim.model.applications import _schedule, _Step


def test_a_step_is_numbered_and_ordered_as_a_timeout():
    # steps and timeouts due at the same times run in the order they were made (their numbers),
    # each carrying its value; the environment counts one event for each
    env = simpy.Environment()
    seen: list[tuple[float, int]] = []

    def record(event: simpy.Event) -> None:
        seen.append((env.now, event.value))

    for k in range(8):
        delay = float(k % 3)
        if k % 2:
            _schedule(_Step(env), delay, record, k)
        else:
            simpy.Timeout(env, delay, k).callbacks.append(record)
    made = next(env._eid)  # simpy.core.Environment._eid: count of scheduled events
    env.run()
    assert made == 8
    assert seen == sorted(((float(k % 3), k) for k in range(8)), key=lambda s: s[0])


def test_a_step_is_queued_as_schedule_queues_a_timeout() -> None:
    # _Step pushes onto simpy's private queue itself: the entry must be (time, priority, number, event)
    # with the time, priority and next number that Environment.schedule gives a timeout made then
    env = simpy.Environment(initial_time=2.5)
    timeout = simpy.Timeout(env, 1.5)
    step = _Step(env)
    _schedule(step, 1.5, lambda event: None, "v")
    (t0, p0, n0, e0), (t1, p1, n1, e1) = env._queue  # simpy.core.Environment._queue: a heap of such tuples
    assert e0 is timeout and e1 is step
    assert (t1, p1, n1) == (t0, p0, n0 + 1) == (4.0, simpy.events.NORMAL, n0 + 1)
    assert step.triggered and step.ok and step.value == "v" and not step.processed
    assert env._now == env.now == 2.5  # the clock the steps read
    assert step._value is step.value  # the value the steps read


def test_a_step_cannot_go_back_in_time():
    with pytest.raises(ValueError, match="negative delay"):
        _schedule(_Step(simpy.Environment()), -1.0, lambda event: None, None)


def test_a_processed_step_is_scheduled_again_as_a_new_one() -> None:
    # the step that ran schedules its event again: numbered and ordered as a new timeout made then
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []
    step = _Step(env)

    def first(event: simpy.Event) -> None:
        seen.append((env.now, event.value))
        simpy.Timeout(env, 2.0, "timeout").callbacks.append(lambda e: seen.append((env.now, e.value)))
        _schedule(step, 2.0, lambda e: seen.append((env.now, e.value)), "again")  # after the timeout made before it
        with pytest.raises(RuntimeError, match="before it was processed"):
            _schedule(step, 1.0, lambda e: None, "twice")

    _schedule(step, 1.0, first, "first")
    env.run()
    assert seen == [(1.0, "first"), (3.0, "timeout"), (3.0, "again")]
    assert next(env._eid) == 3  # as many events as if the step had been made anew
