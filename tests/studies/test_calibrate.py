"""dx.calibrate: the simulated method of moments recovers parameters from data simulated with them,
its standard errors follow the sandwich formula, and bad targets or bounds are refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

import dxsim as dx
from dxsim.analysis.moments import Statistic, statistics
from dxsim.studies.calibrate import Targets, _sandwich, read_targets
from dxsim.studies.parameters import ParamSpace

P, Q = "industry_defaults.innovation", "industry_defaults.imitation"
TRUTH = {P: 0.01, Q: 0.4}
BOUNDS = {P: (0.002, 0.05), Q: (0.05, 1.0)}
MONTHS = (6, 12, 24)


@pytest.fixture(scope="module")
def market(small: dx.Scenario) -> dx.Scenario:
    """``small`` over 24 months: adoption still rising, so timing tells p from q (no outreach to blur p)."""
    return small.with_overrides({"horizon_months": 24, "programme.outreach": 0.0})


def observed_targets(scenario: dx.Scenario, seed: int, replications: int) -> dict[str, dict[str, float]]:
    """Adopters at 6, 12 and 24 months of the true parameters on an unrelated seed, with their standard errors."""
    data = dx.simulate(scenario.with_overrides(TRUTH), replications=replications, seed=seed)
    values = statistics(data, [Statistic("adopters", m) for m in MONTHS])
    se = values.std(axis=0, ddof=1) / np.sqrt(replications)
    return {
        f"adopters_{m}": {"statistic": "adopters", "month": m, "value": float(v), "se": float(s)}
        for m, v, s in zip(MONTHS, values.mean(axis=0), se, strict=True)
    }


def test_recovers_the_bass_parameters_of_simulated_data(market):
    targets = observed_targets(market, seed=99, replications=20)
    fit = dx.calibrate(market, targets, BOUNDS, replications=6, seed=1)
    assert fit.success, fit.message
    for path, true in TRUTH.items():
        value, se = fit.params.loc[path, ["value", "se"]]
        low, high = BOUNDS[path]
        assert np.isfinite(se) and 0 < se < (high - low) / 4, (path, se)
        assert abs(value - true) < 3 * se, (path, value, true, se)
    # The fitted scenario carries the fitted values, and the fit is the best point evaluated.
    assert fit.scenario.resolved_industries[0].innovation == pytest.approx(fit.params.loc[P, "value"])
    assert fit.objective == pytest.approx(fit.evaluations["objective"].min(), rel=1e-9, abs=1e-12)
    assert list(fit.targets.index) == list(targets)


def test_the_same_seed_gives_the_same_fit(market):
    targets = {"a12": {"statistic": "adopters", "month": 12, "value": 120.0}}
    runs = [dx.calibrate(market, targets, {P: BOUNDS[P]}, replications=2, seed=3, maxiter=6) for _ in range(2)]
    assert runs[0].params.equals(runs[1].params)
    assert runs[0].evaluations.equals(runs[1].evaluations)
    assert runs[0].scenario.seed == runs[0].seed == 3 != market.seed  # the fitted scenario reruns the fit's seed


def test_differential_evolution_on_two_workers_equals_one(market):
    targets = {"a12": {"statistic": "adopters", "month": 12, "value": 120.0}}
    fits = [
        dx.calibrate(
            market, targets, {P: BOUNDS[P]}, replications=2, seed=3, method="differential-evolution", maxiter=1,
            workers=w,
        )
        for w in (1, 2)
    ]  # fmt: skip
    assert fits[0].evaluations.equals(fits[1].evaluations)
    assert len(fits[0].evaluations) > 15  # a generation's points are evaluated together
    assert fits[0].params.loc[P, "value"] == fits[1].params.loc[P, "value"]


def _standard_errors(*args, **kwargs):
    """The deviations at the fit, the standard errors (root of the sandwich's diagonal) and why they are NaN."""
    at_best, cov, why = _sandwich(*args, **kwargs)
    return at_best, np.sqrt(np.clip(np.diag(cov), 0.0, None)), why


def linear_model(a, seed):
    """Two parameters, three targets with se 0.1, 0.2, 0.3, weights (1, 2, 0.5), and g(θ) = A θ plus
    centred per-replication noise (8 replications): the parts of every closed-form sandwich test."""
    space = ParamSpace(dx.load_scenario("small"), {P: (0.0, 0.1), Q: (0.0, 1.0)})
    noise = np.random.default_rng(seed).normal(size=(8, 3))
    noise -= noise.mean(axis=0)
    spec = Targets.model_validate({"targets": {f"t{j}": {"value": 1.0, "se": 0.1 * (j + 1)} for j in range(3)}})

    def moments(theta):
        return [a @ row + noise for row in theta]

    return space, spec, np.array([1.0, 2.0, 0.5]), moments, noise


def test_sandwich_standard_errors_of_a_linear_model():
    """g(θ) = A θ - t exactly, with known per-replication noise: V = (A'WA)⁻¹ A'WΩWA (A'WA)⁻¹."""
    a = np.array([[10.0, 1.0], [2.0, 5.0], [1.0, 1.0]])
    space, spec, weight, moments, noise = linear_model(a, seed=0)
    best = np.array([0.05, 0.5])
    at_best, se, why = _standard_errors(space, best, moments, weight, spec, np.ones(3), reps=8)
    assert why == ""
    np.testing.assert_allclose(at_best.mean(axis=0), a @ best)
    w = np.diag(weight)
    omega = np.diag([0.01, 0.04, 0.09]) + np.cov(noise, rowvar=False) / 8
    inv = np.linalg.inv(a.T @ w @ a)
    np.testing.assert_allclose(se, np.sqrt(np.diag(inv @ a.T @ w @ omega @ w @ a @ inv)))
    # A parameter no target moves is not identified: NaN and the reason.
    _, se, why = _standard_errors(space, best, lambda th: [np.outer(np.ones(8), a[:, 0] * r[0]) for r in th],
                                  weight, spec, np.ones(3), reps=8)  # fmt: skip
    assert np.isnan(se).all() and "identify" in why


def test_priors_join_the_sandwich_as_moments_of_known_jacobian():
    """A prior (μ, σ) adds the row 1/σ to G with weight 1 and Ω entry 1: a parameter no target moves
    keeps the prior's σ as its standard error, and one the targets move gets the augmented sandwich."""
    a = np.array([[10.0, 0.0], [2.0, 0.0], [1.0, 0.0]])  # no target moves Q
    space, spec, weight, moments, noise = linear_model(a, seed=1)
    best = np.array([0.05, 0.5])
    _, se, why = _standard_errors(space, best, moments, weight, spec, np.ones(3), 8, np.array([np.nan, 0.2]))
    assert why == ""
    assert se[1] == pytest.approx(0.2)
    # With priors on both, the closed form of the augmented sandwich.
    sigma = np.array([0.01, 0.2])
    _, se, why = _standard_errors(space, best, moments, weight, spec, np.ones(3), 8, sigma)
    g = np.vstack([a, np.diag(1 / sigma)])
    w = np.diag(np.concatenate([weight, [1.0, 1.0]]))
    omega = np.zeros((5, 5))
    omega[:3, :3] = np.diag([0.01, 0.04, 0.09]) + np.cov(noise, rowvar=False) / 8
    omega[3:, 3:] = np.eye(2)
    inv = np.linalg.inv(g.T @ w @ g)
    np.testing.assert_allclose(se, np.sqrt(np.diag(inv @ g.T @ w @ omega @ w @ g @ inv)))
    assert se[0] < 0.01  # the targets add to the prior's evidence on P


def test_a_tight_prior_holds_its_parameter_and_is_reported(market):
    targets = {"a12": {"statistic": "adopters", "month": 12, "value": 120.0, "se": 12.0}}
    spec = {"targets": targets, "priors": {P: {"value": 0.02, "se": 1e-4, "source": "test"}}}
    fit = dx.calibrate(market, spec, {P: BOUNDS[P]}, replications=2, seed=1, maxiter=40)
    value, se, prior, prior_se = fit.params.loc[P, ["value", "se", "prior", "prior_se"]]
    assert (prior, prior_se) == (0.02, 1e-4)
    assert abs(value - 0.02) < 3e-4 and 0 < se <= 1e-4 * (1 + 1e-9)
    assert fit.objective >= ((value - 0.02) / 1e-4) ** 2  # the prior's part is in J


def test_a_prior_on_a_parameter_not_fitted_is_refused(market):
    spec = {"targets": {"adopters": 300.0}, "priors": {Q: {"value": 0.4, "se": 0.1}}}
    with pytest.raises(dx.ScenarioError, match=r"priors\.industry_defaults\.imitation: not a fitted parameter"):
        dx.calibrate(market, spec, {P: BOUNDS[P]}, replications=1, seed=1, maxiter=2)


def test_without_an_se_for_every_target_there_are_no_standard_errors(market):
    fit = dx.calibrate(market, {"adopters": 300.0}, {P: BOUNDS[P]}, replications=2, seed=1, maxiter=4)
    assert np.isnan(fit.params.loc[P, "se"]) and "se for every target" in fit.message


def test_cli_writes_a_fitted_scenario_that_loads(capsys, tmp_path, market):
    scenario = tmp_path / "market.toml"
    scenario.write_text(market.to_toml(), encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(
        f"""replications = 2
seed = 5
maxiter = 6
[params]
"{P}" = [0.002, 0.05]
[targets.early]
statistic = "adopters"
month = 12
value = 150
""",
        encoding="utf-8",
    )
    out = tmp_path / "fitted.toml"
    status, stdout, err = run_cli(capsys, "calibrate", str(scenario), str(targets), "-o", str(out), "--no-progress")
    assert status == 0, err
    assert "early" in stdout and str(out) in stdout
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Calibrated by dxsim calibrate")
    fitted = dx.load_scenario(out)
    value = float(text.split(f"{P} = ")[1].split()[0])
    assert fitted.resolved_industries[0].innovation == pytest.approx(value, rel=1e-5)
    assert fitted.resolved_industries[0].innovation != market.resolved_industries[0].innovation


def test_cli_param_replaces_the_targets_files_params(capsys, tmp_path, market):
    """``--param`` is the ``params`` argument of dx.calibrate: the same fit, of other parameters than the file's."""
    scenario = tmp_path / "market.toml"
    scenario.write_text(market.to_toml(), encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(
        f'replications = 1\nseed = 5\nmaxiter = 2\n[params]\n"{P}" = [0.002, 0.05]\n'
        '[targets.early]\nstatistic = "adopters"\nmonth = 12\nvalue = 150\n',
        encoding="utf-8",
    )
    out = tmp_path / "fitted.toml"
    argv = ["calibrate", str(scenario), str(targets), "--param", f"{Q}=0.05,1.0", "-o", str(out), "--no-progress"]
    status, _, err = run_cli(capsys, *argv)
    assert (status, err) == (0, "")
    fit = dx.calibrate(scenario, targets, {Q: BOUNDS[Q]})
    assert list(fit.params.index) == [Q]
    assert out.read_text(encoding="utf-8") == fit.to_toml()
    status, _, err = run_cli(capsys, *argv[:3], "--param", Q, "-o", str(tmp_path / "bad.toml"))
    assert status == 2 and err.splitlines() == [f"dxsim calibrate: --param {Q}: expected PATH=LOW,HIGH"]
    assert not (tmp_path / "bad.toml").exists()


@pytest.mark.parametrize("name", ["platform-pilot-2022", "city-pilot-east"])
def test_bundled_targets_file_is_valid_for_its_scenario(name):
    spec = read_targets(name)
    sc = dx.load_scenario(name)
    space = ParamSpace(sc, spec.params)
    assert spec.replications and spec.seed == sc.seed
    assert all(t.source.startswith("FACTS row") for t in spec.targets.values())
    # Every prior is on a fitted parameter, within its bounds, and says where it comes from.
    for path, prior in spec.priors.items():
        low, high = spec.params[path]
        assert path in space.names and low <= prior.value <= high and prior.source


# ---------------------------------------------------------------------------
# Bad targets and bounds: one line naming the file, the field and the value.
BAD = [
    ('[params]\n"{P}" = [0.05, 0.01]\n[targets.a]\nvalue = 1\nstatistic = "adopters"',
     'params."industry_defaults.innovation": low must be < high, got (0.05, 0.01)'),
    ('[params]\n"{P}" = [0.01, 0.01]\n[targets.a]\nvalue = 1\nstatistic = "adopters"',
     "low must be < high, got (0.01, 0.01)"),
    ('[params]\n"industry_defaults.inovation" = [0.0, 0.1]\n[targets.a]\nvalue = 1\nstatistic = "adopters"',
     "industry_defaults.inovation: unknown field"),
    ('[params]\n"behaviour.perceived_failure.initial" = [0.1, 2.0]\n[targets.a]\nvalue = 1\nstatistic = "adopters"',
     "behaviour.perceived_failure.initial: must be between 0 and 1, got 2.0"),
    ('[params]\n"{P}" = [0.0, 0.1]\n[targets.a]\nvalue = 1\nstatistic = "adoptres"',
     "targets.a.statistic: unknown statistic"),
    ('[params]\n"{P}" = [0.0, 0.1]\n[targets.a]\nvalue = 1\nstatistic = "adopters"\nmonth = 400',
     "targets.a.month: month must be in 1 .. 60 (the horizon), got 400"),
    ('[params]\n"{P}" = [0.0, 0.1]\n[targets.a]\nvalue = 1\nstatistic = "leverage"\nmonth = 12',
     "targets.a.statistic: no value at a month for this statistic"),
    ('[params]\n"{P}" = [0.0, 0.1]\n[targets.a]\nstatistic = "adopters"',
     "targets.a.value: field required"),
    ('[params]\n"{P}" = [0.0, 0.1]\n[targets.a]\nvalue = 1\nweight = -1',
     "targets.a.weight: Input should be greater than 0, got -1"),
    ('[params]\n"{P}" = "wide"\n[targets.a]\nvalue = 1', "params."),
    ('[targets]', "targets: Dictionary should have at least 1 item"),
    ('[params]\n"{P}" = [0.0, 0.1]\n[targets.a\nvalue = 1', "TOML syntax error"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_targets_are_refused_in_one_line(capsys, tmp_path, text, expected):
    targets = tmp_path / "bad.toml"
    targets.write_text(text.replace("{P}", P), encoding="utf-8")
    with pytest.raises(dx.ScenarioError) as err:
        dx.calibrate("small", targets)
    lines = err.value.lines
    assert len(lines) == 1 and lines[0].startswith(str(targets)), lines
    assert expected in lines[0], lines
    out = tmp_path / "fitted.toml"
    status, _, stderr = run_cli(capsys, "calibrate", "small", str(targets), "-o", str(out))
    assert status == 2 and stderr.strip() == lines[0]
    assert not out.exists()


def test_bad_arguments_of_the_api_are_refused(tmp_path: Path):
    with pytest.raises(dx.ScenarioError, match=r'calibrate: params."industry_defaults.innovation": low must be < high'):
        dx.calibrate("small", {"adopters": 10}, {P: (0.5, 0.1)})
    with pytest.raises(ValueError, match="method"):
        dx.calibrate("small", {"adopters": 10}, {P: (0.0, 0.1)}, method="bfgs")
    with pytest.raises(dx.ScenarioError, match=r"missing\.toml: cannot read: No such file"):
        dx.calibrate("small", tmp_path / "missing.toml")
