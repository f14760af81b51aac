"""Reading results loads no engine: ``dxsim.model.result`` imports neither SimPy nor the world."""

from __future__ import annotations

import subprocess
import sys

import dxsim as dx
from dxsim.model.result import RunResult
from dxsim.model.world import run_replication
from dxsim.random import replication_key


def test_importing_the_result_type_loads_no_simpy():
    code = (
        "import sys, dxsim.model.result; "
        "loaded = [m for m in ('simpy', 'dxsim.model.world', 'dxsim.model.driver') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_replication_returns_a_run_result_without_its_ledger():
    sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    r = run_replication(sc, replication_key(1, 0))
    assert isinstance(r, RunResult)
    assert r.ledger is None  # reduced to the output arrays in the worker
    assert r.budget_remaining.shape == (12,) and r.cash_flow.shape == (12, 3)
    assert r.events > 0
