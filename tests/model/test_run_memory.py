"""A run pauses the cyclic garbage collector, so it must leave nothing for it to find."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

import dxsim as dx
from dxsim.model.world import World
from dxsim.random import replication_key

SMALL = dx.load_scenario("small")


@pytest.fixture
def collector_off():
    # what earlier tests left to the collector (a world traced through a closure is a cycle) is
    # collected first: the tests below ask what this run leaves
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_a_finished_world_is_freed_by_reference_counting(collector_off):
    world = World(SMALL, replication_key(1, 0))
    result = world.run()
    refs = {
        name: weakref.ref(part)
        for name, part in [
            ("world", world),
            ("ledger", world.ledger),
            ("population", world.population),
            ("contracting", world.contracting),
            ("driver", world.driver),
            ("register", world.register),
        ]
    }
    del world
    # nothing pending in the environment holds the world or its large parts
    assert {name: ref() is None for name, ref in refs.items()} == dict.fromkeys(refs, True)
    assert len(result.adopters["price_paid"]) > 0


@pytest.mark.parametrize("enabled", [True, False])
def test_a_run_restores_the_garbage_collector(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        World(SMALL, replication_key(1, 0)).run()
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_runs_in_threads_restore_the_garbage_collector():
    assert gc.isenabled()
    errors = []

    def run(k):
        try:
            World(SMALL, replication_key(1, k)).run()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert gc.isenabled()


def test_a_run_leaves_no_application_for_the_collector(collector_off):
    # an application and the month's cohort it belongs to must not make a reference cycle
    from dxsim.model.applications import Application, Cohort

    result = World(SMALL.with_overrides({"programme.batches[0].budget": 5e5}), replication_key(1, 0)).run()
    assert len(result.adopters["price_paid"]) > 0
    assert not [o for o in gc.get_objects() if type(o) in (Application, Cohort)]


def test_the_collector_resumes_after_the_world_is_gone():
    # Resumed while the world still lived, the collector would walk its objects at the next
    # allocation (about 0.3 s of a national replication) to find nothing: run_replication lets
    # the world die by reference counting first, so nothing is left to trigger a collection
    from dxsim.model.world import run_replication

    run_replication(SMALL, replication_key(1, 0))
    walked: list[int] = []  # objects in the generations each collection walks

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            walked.append(sum(len(gc.get_objects(g)) for g in range(info["generation"] + 1)))

    was = gc.isenabled()
    gc.enable()
    gc.collect()
    gc.callbacks.append(watch)
    try:
        run_replication(SMALL, replication_key(1, 1))
    finally:
        gc.callbacks.remove(watch)
        if not was:
            gc.disable()
    # small: about 1,000 objects walked when the collector resumed with the world alive, about 50 now
    assert max(walked, default=0) < 300
