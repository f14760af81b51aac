"""benchmarks/timing.py: each stage's time is net of the wrapped calls inside it, and the originals come back."""

from __future__ import annotations

import types

import pytest
from benchmark_helpers import benchmark_module


def _module() -> types.ModuleType:
    return benchmark_module("timing")


class _Tick:
    """A clock that moves only when told to (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _work() -> tuple[types.SimpleNamespace, _Tick]:
    """An outer step of 1 + 0.5 s around an inner one of 2 s, and a second function in the inner's stage."""
    tick = _Tick()
    ns = types.SimpleNamespace()

    def inner() -> None:
        tick.now += 2.0

    def other() -> None:
        tick.now += 4.0

    def outer() -> None:
        tick.now += 1.0
        ns.inner()
        tick.now += 0.5

    ns.inner, ns.outer, ns.other = inner, outer, other
    return ns, tick


def test_a_stage_is_net_of_the_wrapped_calls_inside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    timing = _module()
    ns, tick = _work()
    monkeypatch.setattr(timing.time, "perf_counter", tick)
    clock = timing.Clock()
    with timing.timing(clock, [("outer", ns, "outer"), ("inner", ns, "inner"), ("inner", ns, "other")]):
        ns.outer()
        ns.outer()
        ns.other()
    assert clock.seconds == {"outer": 3.0, "inner": 8.0}  # 2 x 1.5 net; 2 x 2 inside it + 4 alone
    assert clock.calls == {"outer": 2, "inner": 3}
    assert sum(clock.seconds.values()) == tick.now  # every second counted once


def test_the_originals_come_back_even_after_an_error() -> None:
    timing = _module()
    ns, _ = _work()
    original = ns.__dict__["outer"]

    def boom() -> None:
        raise RuntimeError("boom")

    ns.boom = boom
    clock = timing.Clock()
    with pytest.raises(RuntimeError), timing.timing(clock, [("outer", ns, "outer"), ("boom", ns, "boom")]):
        assert ns.outer is not original
        ns.boom()
    assert ns.outer is original and ns.boom is boom
    assert clock.calls == {"boom": 1}
    assert not clock._inner  # no call left open
