"""Calibration.to_uncertain: the estimate and covariance as a joint normal group a scenario loads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dxsim.random import replication_key
from dxsim.scenario import load_scenario, scenario_from_dict
from dxsim.scenario.load import parse_toml
from dxsim.scenario.uncertain import draw_uncertain
from dxsim.studies.calibrate import Calibration

PATHS = ["programme.outreach", "industry_defaults.imitation"]
COV = [[4e-4, 6e-4], [6e-4, 4e-3]]


def _fit(cov):
    params = pd.DataFrame(
        {"value": [0.1, 0.35], "low": [0.0, 0.0], "high": [1.0, 1.0], "start": [0.04, 0.4], "se": [0.02, 0.06]},
        index=pd.Index(PATHS, name="param"),
    )
    covariance = pd.DataFrame(cov, index=params.index, columns=PATHS)
    return Calibration(
        load_scenario("small"),
        params,
        pd.DataFrame(),
        0.0,
        pd.DataFrame(),
        True,
        "G'WG singular",
        "powell",
        8,
        1,
        covariance=covariance,
    )


def test_the_text_pastes_into_a_scenario_and_draws_the_estimate_and_covariance():
    data = load_scenario("small").to_dict() | parse_toml(_fit(COV).to_uncertain(), "fit.toml")
    sc = scenario_from_dict(data)
    assert sc.uncertain.paths == tuple(PATHS)
    draws = np.array([list(draw_uncertain(sc.uncertain, replication_key(1, k)).values()) for k in range(4000)])
    assert draws.mean(axis=0) == pytest.approx([0.1, 0.35], abs=0.005)
    assert np.cov(draws, rowvar=False) == pytest.approx(np.array(COV), rel=0.1)


def test_without_a_covariance_there_is_nothing_to_paste():
    with pytest.raises(ValueError, match="G'WG singular"):
        _fit(np.full((2, 2), np.nan)).to_uncertain()
