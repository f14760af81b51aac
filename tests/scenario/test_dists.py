"""Distributions of scenario files: the inverse CDF agrees with the closed-form moments.

Every draw in dxsim goes through ``Dist.ppf`` (inverse CDF of uniforms), so
``ppf`` must be monotone and its image of uniform quantiles must have the
``mean`` and ``variance`` the class reports in closed form.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dxsim.scenario.dists import DIST_KINDS, Dist

#: One distribution of each kind, with the closed-form moments written out
#: independently of ``Dist.mean`` / ``Dist.variance``.
CASES: dict[str, tuple[dict, float, float]] = {
    # constant: a point mass
    "constant": ({"dist": "constant", "value": 2.5}, 2.5, 0.0),
    # uniform(a, b): (a + b) / 2, (b - a)^2 / 12
    "uniform": ({"dist": "uniform", "low": 12, "high": 48}, 30.0, 36.0**2 / 12),
    # triangular(a, c, b): (a + b + c) / 3, (a^2 + b^2 + c^2 - ab - ac - bc) / 18
    "triangular": ({"dist": "triangular", "low": 1, "mode": 2, "high": 4}, 7 / 3, (1 + 16 + 4 - 4 - 2 - 8) / 18),
    # normal(m, s): m, s^2
    "normal": ({"dist": "normal", "mean": 18, "sd": 6}, 18.0, 36.0),
    # lognormal(median e^mu, sigma): e^(mu + s^2/2), (e^(s^2) - 1) e^(2 mu + s^2)
    "lognormal": (
        {"dist": "lognormal", "median": 0.5, "sigma": 0.5},
        0.5 * np.exp(0.125),
        (np.exp(0.25) - 1) * 0.25 * np.exp(0.25),
    ),
    # exponential(mean m): m, m^2
    "exponential": ({"dist": "exponential", "mean": 3.0}, 3.0, 9.0),
    # beta(a, b): a / (a + b), ab / ((a + b)^2 (a + b + 1))
    "beta": ({"dist": "beta", "a": 2, "b": 5}, 2 / 7, 10 / (49 * 8)),
    # empirical: weighted mean and variance of the values (given unsorted on purpose)
    "empirical": (
        {"dist": "empirical", "values": [3.0, 1.0, 2.0], "weights": [1, 2, 1]},
        (3 + 2 + 2) / 4,
        ((3 - 1.75) ** 2 + 2 * (1 - 1.75) ** 2 + (2 - 1.75) ** 2) / 4,
    ),
}

N = 200_000


def test_every_kind_is_covered():
    assert set(CASES) == set(DIST_KINDS)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_closed_form_moments(kind):
    params, mean, variance = CASES[kind]
    d = Dist.model_validate(params)
    assert d.mean == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert d.variance == pytest.approx(variance, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_ppf_of_uniforms_has_the_closed_form_moments(kind):
    d = Dist.model_validate(CASES[kind][0])
    x = d.ppf(np.random.default_rng(20220901).random(N))
    assert x.shape == (N,)
    assert np.isfinite(x).all()

    # Standard errors of the sample mean and the sample variance (from the sample itself).
    se_mean = np.sqrt(d.variance / N)
    se_var = np.std((x - x.mean()) ** 2) / np.sqrt(N)
    assert abs(x.mean() - d.mean) <= 5 * se_mean + 1e-12
    assert abs(x.var() - d.variance) <= 5 * se_var + 1e-12


@pytest.mark.parametrize("kind", sorted(CASES))
def test_ppf_is_monotone(kind):
    d = Dist.model_validate(CASES[kind][0])
    u = np.linspace(0.0, 1.0, 10_001)[1:-1]
    assert (np.diff(d.ppf(u)) >= 0).all()


def test_sample_uses_the_callers_generator():
    d = Dist.model_validate({"dist": "normal", "mean": 0, "sd": 1})
    a = d.sample(np.random.default_rng(1), 5)
    b = d.sample(np.random.default_rng(1), 5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, d.ppf(np.random.default_rng(1).random(5)))


def test_a_number_is_a_constant():
    d = Dist.model_validate(3)
    assert d.is_constant
    assert d.mean == 3.0 and d.variance == 0.0
    np.testing.assert_array_equal(d.ppf([0.1, 0.9]), [3.0, 3.0])


# ---------------------------------------------------------------------------
# Properties for any valid parameters (hypothesis)

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def low_high(draw: st.DrawFn) -> tuple[float, float]:
    low = draw(finite)
    high = draw(finite.filter(lambda h: h > low))
    return low, high


@given(bounds=low_high(), u=st.lists(unit, min_size=1, max_size=20))
@example(bounds=(-1e9, 0.1), u=[1.0])  # low + 1 * (high - low) rounds to 0.10000002
def test_uniform_ppf_stays_within_low_high(bounds, u):
    low, high = bounds
    x = Dist.model_validate({"dist": "uniform", "low": low, "high": high}).ppf(u)
    assert ((low <= x) & (x <= high)).all()


@given(bounds=low_high(), where=unit, u=st.lists(unit, min_size=1, max_size=20))
@example(bounds=(1e-260, 1.0), where=0.0, u=[0.0])  # high - sqrt(1 * 1 * 1) = 0 < low
def test_triangular_ppf_stays_within_low_high(bounds, where, u):
    low, high = bounds
    mode = min(max(low + where * (high - low), low), high)
    d = Dist.model_validate({"dist": "triangular", "low": low, "mode": mode, "high": high})
    x = d.ppf(u)
    assert ((low <= x) & (x <= high)).all()


@given(bounds=low_high(), where=unit, u=st.lists(unit, min_size=2, max_size=20))
def test_triangular_ppf_is_monotone_for_any_parameters(bounds, where, u):
    low, high = bounds
    mode = min(max(low + where * (high - low), low), high)
    d = Dist.model_validate({"dist": "triangular", "low": low, "mode": mode, "high": high})
    assert (np.diff(d.ppf(sorted(u))) >= 0).all()


@given(
    values=st.lists(finite, min_size=1, max_size=8),
    u=st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True), min_size=2, max_size=20),
)
def test_empirical_ppf_is_monotone_and_returns_given_values(values, u):
    d = Dist.model_validate({"dist": "empirical", "values": values})
    x = d.ppf(sorted(u))
    assert (np.diff(x) >= 0).all()
    assert set(x.tolist()) <= set(values)
