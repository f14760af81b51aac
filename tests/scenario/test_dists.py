"""Distributions of scenario files: the inverse CDF agrees with the closed-form moments.

Every draw in dxsim goes through a distribution's ``ppf`` (inverse CDF of
uniforms), so ``ppf`` must be monotone and its image of uniform quantiles must
have the ``mean`` and ``variance`` the class reports in closed form; both are
checked against scipy.stats, which knows nothing of dxsim.
"""

from __future__ import annotations

import json

import numpy as np
import pydantic
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import special, stats

from dxsim.scenario.dists import (
    DIST_KINDS,
    Beta,
    Constant,
    Empirical,
    Exponential,
    Lognormal,
    Normal,
    Triangular,
    Uniform,
    parse_dist,
)

#: One distribution of each kind, with the closed-form moments written out
#: independently of its ``mean`` / ``variance``.
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

CLASSES = {
    "constant": Constant,
    "uniform": Uniform,
    "triangular": Triangular,
    "normal": Normal,
    "lognormal": Lognormal,
    "exponential": Exponential,
    "beta": Beta,
    "empirical": Empirical,
}

N = 200_000


def test_every_kind_is_covered():
    assert set(CASES) == set(DIST_KINDS) == set(CLASSES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_dist_picks_the_class(kind):
    d = parse_dist(CASES[kind][0])
    assert type(d) is CLASSES[kind]
    assert d.dist == kind


@pytest.mark.parametrize("kind", sorted(CASES))
def test_closed_form_moments(kind):
    params, mean, variance = CASES[kind]
    d = parse_dist(params)
    assert d.mean == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert d.variance == pytest.approx(variance, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------
# Against scipy.stats: the same distribution, parameterised scipy's way


def _discrete(values, weights=None):
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    return stats.rv_discrete(values=(values, w / w.sum()))


#: (dxsim distribution, the same in scipy.stats), a few parameter sets per class.
SCIPY = [
    (Constant(value=2.5), _discrete([2.5])),
    (Constant(value=-7), _discrete([-7.0])),
    (Uniform(low=12, high=48), stats.uniform(loc=12, scale=36)),
    (Uniform(low=-1, high=0.25), stats.uniform(loc=-1, scale=1.25)),
    (Triangular(low=1, mode=2, high=4), stats.triang(c=1 / 3, loc=1, scale=3)),
    (Triangular(low=0, mode=0, high=5), stats.triang(c=0.0, loc=0, scale=5)),
    (Triangular(low=-2, mode=3, high=3), stats.triang(c=1.0, loc=-2, scale=5)),
    (Normal(mean=18, sd=6), stats.norm(loc=18, scale=6)),
    (Normal(mean=-0.3, sd=0.01), stats.norm(loc=-0.3, scale=0.01)),
    (Lognormal(median=0.5, sigma=0.5), stats.lognorm(s=0.5, scale=0.5)),
    (Lognormal(median=30e6, sigma=0.9), stats.lognorm(s=0.9, scale=30e6)),
    (Lognormal(median=2, sigma=1.5), stats.lognorm(s=1.5, scale=2)),
    (Exponential(mean=3), stats.expon(scale=3)),
    (Exponential(mean=0.2), stats.expon(scale=0.2)),
    (Beta(a=2, b=5), stats.beta(2, 5)),
    (Beta(a=0.5, b=0.5), stats.beta(0.5, 0.5)),
    (Beta(a=30, b=1.5), stats.beta(30, 1.5)),
    (Empirical(values=(3, 1, 2), weights=(1, 2, 1)), _discrete([3.0, 1.0, 2.0], [1, 2, 1])),
    (Empirical(values=(0.5, 10, -4.25)), _discrete([0.5, 10.0, -4.25])),
]


@pytest.mark.parametrize(("d", "ref"), SCIPY, ids=[repr(d) for d, _ in SCIPY])
def test_mean_and_variance_match_scipy(d, ref):
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12, abs=1e-12)
    assert d.variance == pytest.approx(ref.var(), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(("d", "ref"), SCIPY, ids=[repr(d) for d, _ in SCIPY])
def test_ppf_matches_scipy(d, ref):
    u = np.linspace(0.0, 1.0, 101)[1:-1]
    if isinstance(d, Empirical | Constant):
        u = u[~np.isclose(u * 4, np.round(u * 4))]  # steps of the discrete CDF: either side is right
    np.testing.assert_allclose(d.ppf(u), ref.ppf(u), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("d", "ref"), SCIPY, ids=[repr(d) for d, _ in SCIPY])
def test_ppf_is_monotone_for_every_parameter_set(d, ref):
    u = np.linspace(0.0, 1.0, 10_001)[1:-1]
    x = d.ppf(u)
    assert (np.diff(x) >= 0).all()
    assert np.isfinite(x).all()


# ---------------------------------------------------------------------------
# Sampling by the inverse CDF


@pytest.mark.parametrize("kind", sorted(CASES))
def test_ppf_of_uniforms_has_the_closed_form_moments(kind):
    d = parse_dist(CASES[kind][0])
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
    d = parse_dist(CASES[kind][0])
    u = np.linspace(0.0, 1.0, 10_001)[1:-1]
    assert (np.diff(d.ppf(u)) >= 0).all()


@pytest.mark.parametrize("kind", sorted(CASES))
def test_ppf_at_score_is_ppf_bit_for_bit(kind):
    """Given the normal scores of its uniforms, a distribution's quantile is its ``ppf``, to the last bit.

    The population computes the benefit's scores once for the quantile and the
    copula: a normal or lognormal reads them in place of its own ``ndtri``; the
    other kinds must ignore them (here scores of other uniforms).
    """
    d = parse_dist(CASES[kind][0])
    u = np.concatenate([[1e-300, 0.5, 1.0 - 2**-53], np.random.default_rng(7).random(1000)])
    z = special.ndtri(u)
    expected = d.ppf(u).view(np.int64)
    assert (d._ppf_at_score(u, z).view(np.int64) == expected).all()
    if kind in ("normal", "lognormal"):  # they read the scores, not the uniforms
        assert (d._ppf_at_score(u[::-1], z).view(np.int64) == expected).all()
    else:
        assert (d._ppf_at_score(u, z[::-1]).view(np.int64) == expected).all()


def test_sample_uses_the_callers_generator():
    d = parse_dist({"dist": "normal", "mean": 0, "sd": 1})
    a = d.sample(np.random.default_rng(1), 5)
    b = d.sample(np.random.default_rng(1), 5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, d.ppf(np.random.default_rng(1).random(5)))


def test_a_number_is_a_constant():
    d = parse_dist(3)
    assert d.is_constant
    assert d == Constant(value=3.0)
    assert d.mean == 3.0 and d.variance == 0.0
    np.testing.assert_array_equal(d.ppf([0.1, 0.9]), [3.0, 3.0])
    assert not parse_dist(CASES["normal"][0]).is_constant


# ---------------------------------------------------------------------------
# Written out as read: a constant as a bare number, a table with ``dist`` first


@pytest.mark.parametrize("kind", sorted(CASES))
def test_dump_reads_back_to_an_equal_distribution(kind):
    d = parse_dist(CASES[kind][0])
    again = parse_dist(d.model_dump())
    assert again == d and hash(again) == hash(d)
    assert parse_dist(json.loads(d.model_dump_json())) == d


def test_dump_is_the_toml_form():
    assert parse_dist({"dist": "constant", "value": 4}).model_dump() == 4.0
    assert parse_dist({"dist": "empirical", "values": [3, 1]}).model_dump() == {
        "dist": "empirical",
        "values": [3.0, 1.0],
    }
    assert list(parse_dist({"sd": 6, "dist": "normal", "mean": 18}).model_dump()) == ["dist", "mean", "sd"]


def test_repr_names_the_distribution_and_its_parameters():
    assert repr(parse_dist(2.5)) == "2.5"
    assert repr(parse_dist({"dist": "lognormal", "median": 0.5, "sigma": 0.5})) == "lognormal(median=0.5, sigma=0.5)"


@pytest.mark.parametrize(
    ("data", "param", "message"),
    [
        ({"dist": "lognormal", "median": 0.02}, "sigma", "lognormal distribution needs 'sigma'"),
        ({"dist": "normal", "mean": 1, "sd": 2, "low": 0}, "low", "'low' is not a parameter of normal"),
        ({"dist": "gamma", "shape": 2}, "dist", "unknown distribution (expected constant, uniform,"),
        ({"median": 1}, "dist", "field required"),
        ({"dist": "uniform", "low": 3, "high": 1}, "high", "must be greater than low (3.0)"),
        ({"dist": "triangular", "low": 1, "mode": 5, "high": 4}, "mode", "must satisfy low <= mode <= high"),
        ({"dist": "normal", "mean": 1, "sd": -1}, "sd", "must be >= 0"),
        ({"dist": "lognormal", "median": -1, "sigma": 1}, "median", "must be > 0"),
        ({"dist": "exponential", "mean": 0}, "mean", "must be > 0"),
        ({"dist": "beta", "a": 1, "b": -1}, "b", "must be > 0"),
        ({"dist": "empirical", "values": []}, "values", "must not be empty"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "weights", "must have 2 entries like values"),
        ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "weights", "must be >= 0 and not all 0"),
    ],
)
def test_a_bad_distribution_names_its_parameter(data, param, message):
    with pytest.raises(pydantic.ValidationError) as info:
        parse_dist(data)
    (error,) = info.value.errors()
    exc = error["ctx"]["error"]
    assert exc.param == param
    assert str(exc).startswith(message)


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"dist": "lognormal", "median": 1, "sigma": float("nan")}, ("lognormal", "sigma")),
        ({"dist": "lognormal", "median": float("inf"), "sigma": 1}, ("lognormal", "median")),
        ({"dist": "uniform", "low": float("-inf"), "high": 1}, ("uniform", "low")),
        ({"dist": "normal", "mean": 1, "sd": float("inf")}, ("normal", "sd")),
        ({"dist": "empirical", "values": [1, 2], "weights": [1, float("inf")]}, ("empirical", "weights", 1)),
        (float("nan"), ("constant", "value")),
        (float("inf"), ("constant", "value")),
    ],
)
def test_a_distribution_parameter_is_a_finite_number(data, loc):
    with pytest.raises(pydantic.ValidationError) as info:
        parse_dist(data)
    (error,) = info.value.errors()
    assert error["type"] == "finite_number" and error["loc"] == loc


def test_an_integer_too_large_for_a_float_is_refused():
    with pytest.raises(pydantic.ValidationError, match="must be a finite number of at most 308 digits"):
        parse_dist(10**400)


@pytest.mark.parametrize("data", [True, "abc", [1, 2]])
def test_a_distribution_is_a_number_or_a_table(data):
    with pytest.raises(pydantic.ValidationError, match="a distribution must be a number or a table with 'dist'"):
        parse_dist(data)


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
    x = parse_dist({"dist": "uniform", "low": low, "high": high}).ppf(u)
    assert ((low <= x) & (x <= high)).all()


@given(bounds=low_high(), where=unit, u=st.lists(unit, min_size=1, max_size=20))
@example(bounds=(1e-260, 1.0), where=0.0, u=[0.0])  # high - sqrt(1 * 1 * 1) = 0 < low
def test_triangular_ppf_stays_within_low_high(bounds, where, u):
    low, high = bounds
    mode = min(max(low + where * (high - low), low), high)
    d = parse_dist({"dist": "triangular", "low": low, "mode": mode, "high": high})
    x = d.ppf(u)
    assert ((low <= x) & (x <= high)).all()


@given(bounds=low_high(), where=unit, u=st.lists(unit, min_size=2, max_size=20))
def test_triangular_ppf_is_monotone_for_any_parameters(bounds, where, u):
    low, high = bounds
    mode = min(max(low + where * (high - low), low), high)
    d = parse_dist({"dist": "triangular", "low": low, "mode": mode, "high": high})
    # monotone up to rounding: at u = F(mode) the two branches of the inverse meet, and
    # high - sqrt((1 - u) ...) rounds to the last bit of the range (hypothesis found u ~ 1e-103)
    assert (np.diff(d.ppf(sorted(u))) >= -4 * np.finfo(float).eps * max(abs(low), abs(high), 1.0)).all()


@given(
    values=st.lists(finite, min_size=1, max_size=8),
    u=st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True), min_size=2, max_size=20),
)
def test_empirical_ppf_is_monotone_and_returns_given_values(values, u):
    d = parse_dist({"dist": "empirical", "values": values})
    x = d.ppf(sorted(u))
    assert (np.diff(x) >= 0).all()
    assert set(x.tolist()) <= set(values)
