"""Pausing Python's cyclic garbage collector while replications run, in any number of threads.

A run creates hundreds of thousands of small objects (applications, grants,
events) that die by reference counting, yet their count triggers full
collections that walk every live object: about a fifth of the time of a
``national`` replication, for nothing to collect.  :func:`cyclic_gc_paused`
switches the collector off for the duration of a run; runs in progress in
several threads of one process share one pause, and the collector comes back
(if it was on) when the last of them ends, however it ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cyclic_gc_paused"]

_lock = threading.Lock()
_runs = 0  # runs in progress in this process
_was_enabled = False  # whether the collector was on when the first of them started


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector until the last run in progress in the process ends.

    Examples
    --------
    >>> import gc
    >>> with cyclic_gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _runs, _was_enabled
    with _lock:
        if _runs == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0 and _was_enabled:
                gc.enable()
