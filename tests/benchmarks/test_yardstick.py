"""The yardstick of issue 17 (benchmarks/yardstick.py) is a fixed function that does not contain the model."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import numpy as np
from benchmark_helpers import BENCHMARKS, benchmark_module

import dxsim as dx

YARDSTICK = BENCHMARKS / "yardstick.py"


def _module() -> ModuleType:
    return benchmark_module("yardstick")


def _scenario() -> dx.Scenario:
    return dx.load_scenario("small").with_overrides({"horizon_months": 24})


def test_same_seed_same_numbers() -> None:
    yardstick = _module().yardstick
    first, again, other = yardstick(_scenario(), 7), yardstick(_scenario(), 7), yardstick(_scenario(), 8)
    np.testing.assert_array_equal(first.adoptions, again.adoptions)
    assert first.decisions == again.decisions > 0
    assert first.adopters > 0
    assert first.adoptions.shape == (24, len(_scenario().resolved_industries))
    assert (first.decisions, first.adoptions.tolist()) != (other.decisions, other.adoptions.tolist())


def test_does_not_import_the_model() -> None:
    code = (
        "import sys, runpy\n"
        f"ns = runpy.run_path({str(YARDSTICK)!r})\n"
        "from dxsim.scenario import load_scenario\n"
        "ns['yardstick'](load_scenario('small').with_overrides({'horizon_months': 12}), 1)\n"
        "print(sorted(m for m in sys.modules if m.startswith('dxsim.model')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
