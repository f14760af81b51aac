"""Shared fixtures: small scenarios built from the bundled ones."""

from __future__ import annotations

import pytest

import dxsim as dx


@pytest.fixture(scope="session")
def small() -> dx.Scenario:
    """The bundled ``small`` scenario."""
    return dx.load_scenario("small")


@pytest.fixture(scope="session")
def small_ds(small: dx.Scenario):
    """Three replications of ``small`` on seed 1."""
    return dx.simulate(small, replications=3, seed=1)


#: Replications and seed of the shared ``market`` runs (additionality, compare, counterfactual tests).
MARKET_REPS, MARKET_SEED = 3, 1


@pytest.fixture(scope="session")
def market(small: dx.Scenario) -> dx.Scenario:
    """``small`` over 30 months with slower diffusion, so that not every SME adopts anyway."""
    return small.with_overrides(
        {"horizon_months": 30, "industry_defaults.innovation": 0.003, "industry_defaults.imitation": 0.1}
    )


@pytest.fixture(scope="session")
def run(market: dx.Scenario):
    """The ``market`` programme run (3 replications, seed 1)."""
    return dx.simulate(market, replications=MARKET_REPS, seed=MARKET_SEED)


@pytest.fixture(scope="session")
def cf_run(market: dx.Scenario):
    """The counterfactual of ``run`` on the same seed and replications."""
    return dx.simulate(dx.counterfactual(market), replications=MARKET_REPS, seed=MARKET_SEED)
