"""An applicant's steps are events the environment numbers and orders as it would timeouts."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import simpy

from dxsim.model import applications
from dxsim.model.applications import Applicants, Refused, Signed, SignOutcome, Waits, _schedule, _Step
from dxsim.model.platform import Occupancy


def _applicants(env: simpy.Environment) -> Applicants:
    """Applicants of ``env`` that schedule steps (their actions, held weakly, are never called here)."""
    return Applicants(env, _Actions(), Occupancy(1), [None])  # type: ignore[arg-type]


def test_a_step_is_numbered_and_ordered_as_a_timeout():
    # steps and timeouts due at the same times run in the order they were made (their numbers),
    # each carrying its value; the environment counts one event for each
    env = simpy.Environment()
    applicants = _applicants(env)
    seen: list[tuple[float, int]] = []

    def record(event: simpy.Event) -> None:
        seen.append((env.now, event.value))

    for k in range(8):
        delay = float(k % 3)
        if k % 2:
            _schedule(applicants, _Step(env) if k % 4 == 1 else None, delay, (record,), k)  # None: a new one
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
    _schedule(_applicants(env), step, 1.5, (lambda event: None,), "v")
    (t0, p0, n0, e0), (t1, p1, n1, e1) = env._queue  # simpy.core.Environment._queue: a heap of such tuples
    assert e0 is timeout and e1 is step
    assert (t1, p1, n1) == (t0, p0, n0 + 1) == (4.0, simpy.events.NORMAL, n0 + 1)
    assert step.triggered and step.ok and step.value == "v" and not step.processed
    assert vars(step)["_ok"] is True  # the step's own attribute (a cheaper read than its class's)
    assert env._now == env.now == 2.5  # the clock the steps read
    assert step._value is step.value  # the value the steps read


def test_a_step_shares_its_callbacks_and_simpy_leaves_them_as_they_were() -> None:
    # each step function's callbacks are one tuple shared by every event scheduled as that step: SimPy's
    # loop takes an event's callbacks, calls each and drops them (simpy.core.Environment.step), never
    # changing them, so every step scheduled with the same tuple calls the same function once
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []
    callbacks = (lambda event: seen.append((env.now, event.value)),)
    steps = [_Step(env), _Step(env)]
    applicants = _applicants(env)
    for k, step in enumerate(steps):
        _schedule(applicants, step, 1.0 + k, callbacks, f"step {k}")
        assert step.callbacks is callbacks
    env.run()
    assert seen == [(1.0, "step 0"), (2.0, "step 1")]
    assert len(callbacks) == 1 and all(step.processed for step in steps)  # callbacks taken: None
    assert applications._APPLIES == (applications._applies,)
    assert applications._GOES_LIVE == (applications._goes_live,)
    assert applications._ASSESSED == (applications._assessed,)


def test_a_step_cannot_go_back_in_time():
    with pytest.raises(ValueError, match="negative delay"):
        _schedule(_applicants(simpy.Environment()), None, -1.0, (lambda event: None,), None)


def test_a_processed_step_is_scheduled_again_as_a_new_one() -> None:
    # the step that ran schedules its event again: numbered and ordered as a new timeout made then
    env = simpy.Environment()
    applicants = _applicants(env)
    seen: list[tuple[float, str]] = []
    step = _Step(env)

    def first(event: simpy.Event) -> None:
        seen.append((env.now, event.value))
        simpy.Timeout(env, 2.0, "timeout").callbacks.append(lambda e: seen.append((env.now, e.value)))
        again = (lambda e: seen.append((env.now, e.value)),)
        _schedule(applicants, step, 2.0, again, "again")  # after the timeout made before it
        with pytest.raises(RuntimeError, match="before it was processed"):
            _schedule(applicants, step, 1.0, (lambda e: None,), "twice")

    _schedule(applicants, step, 1.0, (first,), "first")
    env.run()
    assert seen == [(1.0, "first"), (3.0, "timeout"), (3.0, "again")]
    assert next(env._eid) == 3  # as many events as if the step had been made anew


class _Actions:
    """Applicant steps that sign every even enterprise, implement in 1 month and assess the signed after 0.5."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, float]] = []

    def try_sign(self, app: SimpleNamespace) -> SignOutcome:
        return Signed(app.enterprise) if app.enterprise % 2 == 0 else Refused("unwilling")

    def start_implementation(self, contract: int, now: float) -> float:
        self.events.append(("start", contract, now))
        return 1.0

    def go_live(self, contract: int, now: float) -> float | None:
        self.events.append(("live", contract, now))
        return 0.5 if contract % 4 == 0 else None

    def assess(self, contract: int, now: float) -> None:
        self.events.append(("assess", contract, now))


def test_a_step_no_application_schedules_again_is_made_again_for_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    # a step whose application has no next step (turned away, queued, live without an assessment step,
    # assessed) is spare, without its value, and a later application's step is a spare one
    env = simpy.Environment()
    actions = _Actions()
    applicants = Applicants(env, actions, Occupancy(1), [1])  # type: ignore[arg-type]
    made: list[_Step] = []
    seen: list[float] = []  # when each applied: an enterprise's id is its place here

    def make(env: simpy.Environment) -> _Step:
        made.append(_Step(env))
        return made[-1]

    monkeypatch.setattr(applications, "_Step", make)
    for times, until in [([0.0, 0.2, 0.4], 4.0), ([5.0, 5.1], 8.0), ([9.0, 9.0], 11.0), ([12.0], None)]:
        for time in times:
            applicants.apply(SimpleNamespace(enterprise=len(seen), platform=0, time=time))  # type: ignore[arg-type]
            seen.append(time)
        env.run(until=until)
        assert all(step._value is None for step in applicants.spare)
    assert len(made) == 3  # 0 and 2 sign (2 waits for 0's go-live), 1 is turned away: every later one is spare
    assert actions.events == [
        ("start", 0, 0.0),
        ("live", 0, 1.0),
        ("start", 2, 1.0),  # 0's step is its assessment's now: 2's go-live is a spare step
        ("assess", 0, 1.5),
        ("live", 2, 2.0),
        ("start", 4, 5.1),
        ("live", 4, 6.1),
        ("assess", 4, 6.6),
        ("start", 6, 9.0),
        ("live", 6, 10.0),
    ]
    stops = simpy.Environment()  # the events that stop the runs above
    for until in (4.0, 8.0, 11.0):
        stops.run(until=until)
    # numbered as if each step were made anew: 8 applying, 4 going live, 2 assessed
    assert next(env._eid) == 14 + next(stops._eid)


class _Logged:
    """Applicant steps that log each action with the clock: even enterprises sign, every third waits 0.3 months once."""

    def __init__(self, env: simpy.Environment, log: list[tuple[float, str]]) -> None:
        self.env, self.log, self.waited = env, log, set()

    def try_sign(self, app: SimpleNamespace) -> SignOutcome:
        self.log.append((self.env.now, f"apply {app.enterprise}"))
        if app.enterprise % 3 == 1 and app.enterprise not in self.waited:
            self.waited.add(app.enterprise)
            return Waits(self.env.now + 0.3)
        return Signed(app.enterprise) if app.enterprise % 2 == 0 else Refused("unwilling")

    def start_implementation(self, contract: int, now: float) -> float:
        self.log.append((now, f"start {contract}"))
        return 0.25

    def go_live(self, contract: int, now: float) -> float | None:
        self.log.append((now, f"live {contract}"))
        return 0.25 if contract % 4 == 0 else None

    def assess(self, contract: int, now: float) -> None:
        self.log.append((now, f"assess {contract}"))


def _applied(together: bool) -> tuple[list[tuple[float, str]], int, float]:
    """What the steps of two months' applications did, applied one by one or each month's together, and the events and clock."""
    env = simpy.Environment()
    log: list[tuple[float, str]] = []
    actions = _Logged(env, log)  # held here: the applicants hold it weakly
    applicants = Applicants(env, actions, Occupancy(2), [1, None])  # type: ignore[arg-type]

    def timeout(delay: float, name: str, priority: simpy.events.EventPriority = simpy.events.NORMAL) -> None:
        event = simpy.Event(env)
        event._ok, event._value = True, name
        env.schedule(event, priority, delay)
        event.callbacks.append(lambda e: log.append((env.now, e.value)))

    def month(first: int, times: list[float]) -> None:
        apps = [SimpleNamespace(enterprise=first + k, platform=k % 2, time=t) for k, t in enumerate(times)]
        if together:
            applicants.apply_all(apps)  # type: ignore[arg-type]
        else:
            for app in apps:
                applicants.apply(app)  # type: ignore[arg-type]

    # events made before the applications come first at equal times, those made after come after them,
    # urgent ones first whenever made; the times out of order, some equal (then in the order given)
    timeout(0.5, "before 0.5")
    timeout(1.0, "before 1.0")
    month(0, [0.5, 0.25, 0.5, 1.0, 0.75, 1.0, 0.25, 1.5, 0.5, 0.8])
    timeout(1.0, "after 1.0")
    timeout(0.75, "urgent 0.75", simpy.events.URGENT)
    timeout(0.6, "second month")  # a second run, applied at 0.6, interleaves with the first
    env.run(until=0.6)
    month(20, [0.75, 0.6, 1.0, 0.8, 2.0])
    timeout(0.15, "after the second")  # at 0.75
    env.run()
    return log, next(env._eid), env.now


def test_applications_applied_together_apply_as_each_one_by_one() -> None:
    # the same actions at the same times in the same order, the same number of events and the same clock
    one_by_one, together = _applied(False), _applied(True)
    assert together == one_by_one
    log = one_by_one[0]
    assert log.index((0.5, "before 0.5")) < log.index((0.5, "apply 0")) < log.index((0.5, "apply 2"))
    assert log.index((1.0, "apply 5")) < log.index((1.0, "after 1.0")) < log.index((1.0, "apply 22"))


def test_a_run_runs_the_contracts_steps_due_before_its_next_as_the_loop_would(monkeypatch: pytest.MonkeyPatch) -> None:
    # contract 0's go-live (0.25) and assessment (0.5) fall between two applications of one run (0.0, 0.9),
    # with nothing else queued between them: the run runs them itself, at their own times, and is not queued again
    queued: list[float] = []  # the times the run's step is queued at
    queue = applications._queue

    def counted(event: simpy.Event, time: float, *rest: Any) -> None:
        queued.append(time)
        queue(event, time, *rest)

    monkeypatch.setattr(applications, "_queue", counted)

    def applied(together: bool) -> tuple[list[tuple[float, str]], int, float]:
        env = simpy.Environment()
        log: list[tuple[float, str]] = []
        actions = _Logged(env, log)  # held here: the applicants hold it weakly
        applicants = Applicants(env, actions, Occupancy(1), [None])  # type: ignore[arg-type]
        apps = [SimpleNamespace(enterprise=k, platform=0, time=t) for k, t in ((0, 0.0), (2, 0.9), (4, 0.9))]
        if together:
            applicants.apply_all(apps)  # type: ignore[arg-type]
        else:
            for app in apps:
                applicants.apply(app)  # type: ignore[arg-type]
        env.run()
        return log, next(env._eid), env.now

    one_by_one = applied(False)
    assert not queued
    together = applied(True)
    assert together == one_by_one
    assert together[0][:4] == [(0.0, "apply 0"), (0.0, "start 0"), (0.25, "live 0"), (0.5, "assess 0")]
    assert queued == [0.0]  # once, as the run is applied


def test_a_run_of_applications_refuses_one_due_before_now() -> None:
    env = simpy.Environment(initial_time=1.0)
    actions = _Logged(env, [])
    applicants = Applicants(env, actions, Occupancy(1), [None])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative delay"):
        applicants.apply_all([SimpleNamespace(enterprise=0, platform=0, time=t) for t in (1.5, 0.5)])  # type: ignore[misc]


def test_application_of_is_the_constructors():
    """``Application.of`` makes what ``Application(..., Traits(...), ...)`` makes, field by field, value and type."""
    import dataclasses
    import math

    from dxsim.model.applications import Application, Traits

    head = [7, 2, 1, 3.5, 0.25, 1, 120_000.0, 30_000.0, 0.125, 0.75]
    traits = [5e6, 0.03, 0.08, 24.0, 2e5, 4.0, 0.41, 1.5, 0.5, 0.12, True]
    tails = ([True, 60.0, None], [False, math.inf, object()])
    for tail in tails:
        made = Application.of(*head, *traits, *tail)  # type: ignore[arg-type]
        want = Application(*head, Traits(*traits), *tail)  # type: ignore[arg-type, call-arg]
        assert type(made) is Application and type(made.traits) is Traits
        for obj, ref in ((made, want), (made.traits, want.traits)):
            for f in dataclasses.fields(ref):
                got, expected = getattr(obj, f.name), getattr(ref, f.name)
                assert type(got) is type(expected) and (got is expected or got == expected), f.name
        assert made == want and not hasattr(made, "__dict__")
    # each argument lands in its own field: distinct values, in the constructors' order
    values = list(range(100, 124))
    made = Application.of(*values)  # type: ignore[arg-type]
    fields = [f.name for f in dataclasses.fields(Application)]
    flat = [getattr(made, n) for n in fields[:10]] + [
        getattr(made.traits, n) for n in list(Traits.__dataclass_fields__)[:-1]
    ]
    assert [*flat, made.renewal, made.exit, made.cohort] == values and made.traits.fails is False
