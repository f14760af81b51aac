"""Running replications on executors: in process, a local process pool, any
``concurrent.futures.Executor``, or a ``dask.distributed.Client``.

A task is one replication of one scenario: ``(scenario, seed, k)``, or
``(scenario, seed, k, True)`` to record its decisions.  Its
result depends only on the scenario, the seed and k (the replication key is
the k-th child of ``SeedSequence(seed)``), so results are identical whatever
runs them, in whatever order; they are put back in task order.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from tqdm.auto import tqdm

from dxsim.model.result import RunResult
from dxsim.model.world import run_replication
from dxsim.random import replication_key
from dxsim.scenario.schema import Scenario

__all__ = ["PARENT_CHECK_SECONDS", "Task", "check_draws", "exit_with_parent", "replicate", "run_tasks", "show_progress"]

Task = tuple[Scenario, int, int] | tuple[Scenario, int, int, bool]  # scenario, seed, replication[, decisions]
T = TypeVar("T")


def replicate(scenario: Scenario, seed: int, replication: int, decisions: bool = False) -> RunResult:
    """One replication (a module-level function, so process pools and dask can pickle it).

    With ``decisions`` it records every decision and each contract's cash
    flows (:mod:`dxsim.model.decisions`); the numbers are the same.
    """
    return run_replication(scenario, replication_key(seed, replication), decisions=decisions)


def check_draws(tasks: Sequence[Task]) -> None:
    """Check, before any of them runs, that each task's draw of its scenario's ``[uncertain]`` table is valid.

    Raises
    ------
    ScenarioError
        One line naming the first bad draw and why
        (:meth:`~dxsim.scenario.schema.Scenario.check_draws`).
    """
    for scenario, seed, k, *_ in tasks:
        scenario.check_draws(seed, [k])


def show_progress(progress: bool | None, total: int) -> bool:
    """Whether to show a bar: as asked, else only on a terminal and for more than one task."""
    return (sys.stderr.isatty() and total > 1) if progress is None else progress


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__name__ == "Client" and hasattr(executor, "gather") and hasattr(executor, "scatter")


#: How often a pool worker checks that the process that started it is alive, seconds.
PARENT_CHECK_SECONDS = 0.5


def exit_with_parent(parent: int) -> None:
    """Make this worker process exit as soon as ``parent`` (the pid that started it) is gone.

    The initializer of the local pool's workers: a daemon thread compares
    ``os.getppid()`` with ``parent`` every :data:`PARENT_CHECK_SECONDS` and
    ends the process (``os._exit``, even in the middle of a replication)
    once the worker has been handed to another parent.  loky's workers
    otherwise outlive a parent killed by SIGKILL (or by SIGTERM without
    dxsim's handler): they wait on their call queue, busy or idle, for
    minutes.  Polling works on every platform (Linux's ``PR_SET_PDEATHSIG``
    would follow the thread that started the worker, not the process).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="dxsim-exit-with-parent", daemon=True).start()


@contextmanager
def _pool(workers: int) -> Iterator[Executor]:
    """A local process pool that is safe in any process and needs no ``__main__`` guard.

    loky's workers start as fresh interpreters (fork then exec: nothing of
    this process's threads, e.g. dask's or h5py's, is copied into them) and do
    not import ``__main__`` (the task is a function of dxsim), so the pool
    works from Jupyter and from a script without ``if __name__ == "__main__"``.
    Each worker exits when this process is gone (:func:`exit_with_parent`).
    """
    from loky import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, initializer=exit_with_parent, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        # An error or Ctrl-C: kill the workers instead of waiting for the queued tasks.
        pool.shutdown(wait=True, kill_workers=True)
        raise
    pool.shutdown(wait=True)


def run_tasks(
    tasks: Sequence[Task],
    *,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
    desc: str = "replications",
    on_result: Callable[[int, RunResult], None] | None = None,
    keep: bool = True,
) -> list[RunResult]:
    """Run ``tasks`` and return their results in task order.

    Parameters
    ----------
    tasks : sequence of (Scenario, seed, replication)
        The replications to run.
    workers : int
        Local processes when no ``executor`` is given (1 = in this process).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the tasks.
    progress : bool, optional
        Progress bar (tqdm.auto: a widget in Jupyter); default on a terminal only.
    on_result : callable, optional
        Called as ``on_result(index, result)`` as each task finishes (in
        completion order), e.g. to stream results to a store.
    keep : bool
        Keep and return the results; with False only ``on_result`` sees them
        (memory stays bounded) and an empty list is returned.
    """
    if workers < 1:
        raise ValueError(f"workers(={workers}) must be >= 1.")
    if not tasks:
        return []  # e.g. a resumed sweep with every block done
    results: list[RunResult | None] = [None] * len(tasks)
    bar = tqdm(total=len(tasks), desc=desc, unit="rep", disable=not show_progress(progress, len(tasks)))

    def done(i: int, result: RunResult) -> None:
        if keep:
            results[i] = result
        if on_result is not None:
            on_result(i, result)
        bar.update(1)

    try:
        if executor is None and workers == 1:
            for i, task in enumerate(tasks):
                done(i, replicate(*task))
        elif executor is not None and _is_dask_client(executor):
            from distributed import as_completed as dask_completed

            futures = {executor.submit(replicate, *task, pure=False): i for i, task in enumerate(tasks)}
            try:
                # Futures are dropped as they finish, so that finished results do not pile up.
                for future in dask_completed(list(futures)):
                    done(futures.pop(future), future.result())
            finally:
                if futures:  # an error or an interrupt: the cluster need not finish the rest
                    with suppress(Exception):
                        executor.cancel(list(futures))
        elif executor is not None:
            cf = {executor.submit(replicate, *task): i for i, task in enumerate(tasks)}
            try:
                for future in as_completed(cf):
                    done(cf.pop(future), future.result())
            finally:
                for future in cf:
                    future.cancel()
        else:
            with _pool(min(workers, len(tasks))) as pool:
                cf = {pool.submit(replicate, *task): i for i, task in enumerate(tasks)}
                for future in as_completed(cf):
                    done(cf.pop(future), future.result())
    finally:
        bar.close()
    return [r for r in results if r is not None]
