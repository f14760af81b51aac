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
