"""dxsim: agent-based simulation of SME digital-transformation programmes.

The public API is this module's ``__all__``. Names load when first used
(PEP 562), so ``import dxsim`` costs little: SimPy loads with the first
simulation, SALib with the first sensitivity analysis, optuna with the first
optimisation, matplotlib with the first figure.

>>> import dxsim as dx
>>> sc = dx.load_scenario("small")
>>> ds = dx.simulate(sc, replications=1, seed=1)
>>> int(ds.sizes["replication"])
1
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from dxsim._version import __version__

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and IDEs
    from dxsim import finance, plot
    from dxsim.analysis.explain import Explanation, explain
    from dxsim.analysis.metrics import headline, summarize
    from dxsim.analysis.wright import progress_ratio
    from dxsim.experiment.enterprises import enterprises
    from dxsim.experiment.simulate import simulate
    from dxsim.experiment.sweep import sweep
    from dxsim.explorer import explore
    from dxsim.results.io import open_results, write_netcdf
    from dxsim.results.provenance import scenario_of
    from dxsim.scenario.errors import ScenarioError
    from dxsim.scenario.load import bundled_scenarios, load_scenario
    from dxsim.scenario.schema import Scenario
    from dxsim.scenario.variants import counterfactual
    from dxsim.studies.appraisal import appraisal, payback
    from dxsim.studies.calibrate import Calibration, calibrate
    from dxsim.studies.compare import Comparison, compare
    from dxsim.studies.counterfactual import additionality, additionality_by_enterprise
    from dxsim.studies.optimize import Optimization, optimize
    from dxsim.studies.peers import peer_speedup
    from dxsim.studies.sensitivity import sensitivity
    from dxsim.studies.shapley import shapley

#: Public name -> the module that defines it (a module itself when the name is the module's).
_WHERE: dict[str, str] = {
    "Calibration": "dxsim.studies.calibrate",
    "Scenario": "dxsim.scenario.schema",
    "ScenarioError": "dxsim.scenario.errors",
    "Comparison": "dxsim.studies.compare",
    "Explanation": "dxsim.analysis.explain",
    "Optimization": "dxsim.studies.optimize",
    "additionality": "dxsim.studies.counterfactual",
    "additionality_by_enterprise": "dxsim.studies.counterfactual",
    "appraisal": "dxsim.studies.appraisal",
    "bundled_scenarios": "dxsim.scenario.load",
    "calibrate": "dxsim.studies.calibrate",
    "compare": "dxsim.studies.compare",
    "counterfactual": "dxsim.scenario.variants",
    "enterprises": "dxsim.experiment.enterprises",
    "explain": "dxsim.analysis.explain",
    "explore": "dxsim.explorer",
    "finance": "dxsim.finance",
    "headline": "dxsim.analysis.metrics",
    "load_scenario": "dxsim.scenario.load",
    "open_results": "dxsim.results.io",
    "optimize": "dxsim.studies.optimize",
    "payback": "dxsim.studies.appraisal",
    "peer_speedup": "dxsim.studies.peers",
    "plot": "dxsim.plot",
    "progress_ratio": "dxsim.analysis.wright",
    "scenario_of": "dxsim.results.provenance",
    "sensitivity": "dxsim.studies.sensitivity",
    "shapley": "dxsim.studies.shapley",
    "simulate": "dxsim.experiment.simulate",
    "summarize": "dxsim.analysis.metrics",
    "sweep": "dxsim.experiment.sweep",
    "write_netcdf": "dxsim.results.io",
}

#: Old public name -> (module, name there or None for the module itself, what to use instead).
_DEPRECATED: dict[str, tuple[str, str | None, str]] = {
    "metrics": ("dxsim.analysis.metrics", None, "dx.summarize, dx.progress_ratio, dx.peer_speedup, or dxsim.analysis"),
}

#: The public API: every name of _WHERE (tests/test_architecture.py checks they agree).
__all__ = [
    "Calibration",
    "Comparison",
    "Explanation",
    "Optimization",
    "Scenario",
    "ScenarioError",
    "__version__",
    "additionality",
    "additionality_by_enterprise",
    "appraisal",
    "bundled_scenarios",
    "calibrate",
    "compare",
    "counterfactual",
    "enterprises",
    "explain",
    "explore",
    "finance",
    "headline",
    "load_scenario",
    "open_results",
    "optimize",
    "payback",
    "peer_speedup",
    "plot",
    "progress_ratio",
    "scenario_of",
    "sensitivity",
    "shapley",
    "simulate",
    "summarize",
    "sweep",
    "write_netcdf",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = importlib.import_module(_WHERE[name])
        value = module if module.__name__ == f"dxsim.{name}" else getattr(module, name)
    elif name in _DEPRECATED:
        where, attr, instead = _DEPRECATED[name]
        warnings.warn(f"dxsim.{name} is deprecated; use {instead}", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(where)
        return module if attr is None else getattr(module, attr)
    else:
        raise AttributeError(f"module 'dxsim' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
