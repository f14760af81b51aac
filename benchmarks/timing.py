"""Where a run's time goes: wall seconds spent in wrapped functions, each net of the wrapped calls inside it.

The benchmarks wrap, for their own run only, the functions that mark the
stages of a replication or a study (``timing``) and print each stage's
seconds and calls.  A wrapped call inside another is counted once, in its own
stage: the outer stage's time is net of it (a re-decision at signing counts
as decision, not as signing).  Wrapping costs about a microsecond a call, so
the stages of a timed run add up to a little more than an untimed one takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Clock:
    """Seconds (wall, net of the wrapped calls inside) and calls of each wrapped function, by stage name."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    _inner: list[float] = field(default_factory=list)  # per open call: seconds of the wrapped calls inside it

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn``, adding its wall time less that of the wrapped calls inside it to ``seconds[name]``."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._inner.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - t0
                inside = self._inner.pop()
                self.seconds[name] = self.seconds.get(name, 0.0) + spent - inside
                self.calls[name] = self.calls.get(name, 0) + 1
                if self._inner:  # the call that encloses this one does not count it again
                    self._inner[-1] += spent

        return timed


@contextmanager
def timing(clock: Clock, targets: list[tuple[str, Any, str]]) -> Iterator[None]:
    """Wrap each ``owner.name`` (a module's function or a class's method) as its stage for the block.

    ``targets`` holds ``(stage, owner, name)``; several may share a stage.
    The originals are put back when the block ends, whatever happens in it.
    """
    saved = [(stage, owner, name, owner.__dict__[name]) for stage, owner, name in targets]
    for stage, owner, name, fn in saved:
        setattr(owner, name, clock.wrap(stage, fn))
    try:
        yield
    finally:
        for _, owner, name, fn in saved:
            setattr(owner, name, fn)
