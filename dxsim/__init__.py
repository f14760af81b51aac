"""dxsim: agent-based simulation of SME digital-transformation programmes.

>>> import dxsim as dx
>>> sc = dx.load_scenario("small")
>>> ds = dx.simulate(sc, replications=1, seed=1)
>>> int(ds.sizes["replication"])
1
"""

from dxsim import finance, plot
from dxsim._version import __version__
from dxsim.analysis import metrics as metrics
from dxsim.analysis.metrics import headline, summarize
from dxsim.experiment.simulate import enterprises, simulate, sweep
from dxsim.results.dataset import scenario_of, write_netcdf
from dxsim.scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario
from dxsim.studies.additionality import additionality, additionality_by_enterprise, compare, counterfactual, shapley
from dxsim.studies.calibrate import Calibration, calibrate
from dxsim.studies.sensitivity import sensitivity

__all__ = [
    "Calibration",
    "Scenario",
    "ScenarioError",
    "__version__",
    "additionality",
    "additionality_by_enterprise",
    "bundled_scenarios",
    "calibrate",
    "compare",
    "counterfactual",
    "enterprises",
    "finance",
    "headline",
    "load_scenario",
    "plot",
    "scenario_of",
    "sensitivity",
    "shapley",
    "simulate",
    "summarize",
    "sweep",
    "write_netcdf",
]
