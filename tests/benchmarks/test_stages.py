"""benchmarks/bench_national.py times every stage it names: each is called, through the name it wraps, in a run."""

from __future__ import annotations

from benchmark_helpers import benchmark_module

import dxsim as dx
from dxsim.model.world import run_replication
from dxsim.random import replication_key


def test_every_stage_is_called_where_it_is_wrapped() -> None:
    # a stage whose function the model came to call under another name (imported into another module,
    # say) would print 0 calls and hand its time to the stage that calls it
    timing = benchmark_module("timing")
    benchmark_module("yardstick")  # bench_national imports both beside it
    bench = benchmark_module("bench_national")
    clock = timing.Clock()
    with timing.timing(clock, bench.STAGES):
        run_replication(dx.load_scenario("small"), replication_key(7, 0))
    stages = dict.fromkeys(stage for stage, *_ in bench.STAGES)
    assert [stage for stage in stages if not clock.calls.get(stage)] == []
