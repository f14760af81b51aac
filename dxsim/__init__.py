"""dxsim: agent-based simulation of SME digital-transformation programmes.

>>> import dxsim as dx
>>> sc = dx.load_scenario("small")
>>> ds = dx.simulate(sc, replications=1, seed=1)
>>> int(ds.sizes["replication"])
1
"""

from dxsim import finance
from dxsim._version import __version__
from dxsim.experiment import enterprises, simulate
from dxsim.metrics import headline, summarize
from dxsim.output import scenario_of, write_netcdf
from dxsim.scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "__version__",
    "bundled_scenarios",
    "enterprises",
    "finance",
    "headline",
    "load_scenario",
    "scenario_of",
    "simulate",
    "summarize",
    "write_netcdf",
]
