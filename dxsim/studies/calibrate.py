"""Calibration by the simulated method of moments, on common random numbers.

The parameters θ (dotted paths of a scenario, each within bounds) are chosen to
minimise

    J(θ) = Σ_j w_j g_j(θ)²,   g_j(θ) = (m̄_j(θ) - t_j) / s_j,

where m̄_j(θ) is statistic j (:mod:`dxsim.analysis.moments`) averaged over R
replications, t_j its target, w_j its weight and s_j its scale (by default
|t_j|, so g_j is a relative deviation).  Every evaluation uses the same seed,
so replication k of every θ shares its random numbers: J is a deterministic
function of θ and the optimiser is not chasing noise.

Standard errors follow the SMM sandwich

    V = (G'WG)⁻¹ G'W Ω W G (G'WG)⁻¹,   Ω = diag(se_j / s_j)² + Σ_sim / R,

with G = ∂g/∂θ by central differences on common random numbers, W = diag(w),
se_j the standard error of target j (given in the targets) and Σ_sim the
covariance of the scaled statistics across replications at the fit.  They
need an ``se`` for every target and G of full column rank; otherwise they are
NaN and :attr:`Calibration.message` says why.

A parameter that the targets cannot identify may be given a prior (``priors``:
a value μ_k with standard error σ_k from outside evidence, e.g. a
meta-analysis).  Each prior adds the moment g_k = (θ_k - μ_k)/σ_k, with weight
1, Jacobian 1/σ_k and Ω entry 1, to J and to the sandwich: the estimate
combines the evidence of the targets with the prior's, and a parameter the
targets say nothing about keeps μ_k with standard error σ_k.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import Field, PositiveFloat, ValidationError
from scipy import optimize
from tqdm.auto import tqdm

from dxsim.analysis.moments import AT_MONTH, Statistic, check_statistic, statistic_units, statistics
from dxsim.atomic import atomic_path
from dxsim.experiment.executors import show_progress
from dxsim.experiment.simulate import map_points, scenario_and_seed
from dxsim.scenario.base import Frozen
from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.load import bundled_dir, parse_toml
from dxsim.scenario.schema import Scenario
from dxsim.studies.parameters import ParamSpace

__all__ = ["METHODS", "Calibration", "Prior", "Target", "Targets", "calibrate", "read_targets"]

Method = Literal["nelder-mead", "powell", "differential-evolution"]
#: Optimisers :func:`calibrate` accepts (scipy.optimize, on the unit cube of the bounds).
METHODS: tuple[str, ...] = ("nelder-mead", "powell", "differential-evolution")


class Target(Frozen):
    """One moment to match.

    Parameters
    ----------
    statistic : str, optional
        A statistic of :mod:`dxsim.analysis.moments` (default: the target's name).
    month : int, optional
        Read the statistic at the end of this month (1 .. horizon); None: over the horizon.
    value : float
        The target, in the statistic's units.
    weight : float
        w_j > 0.
    se : float, optional
        Standard error of ``value`` (its units), for the standard errors of the fit.
    scale : float, optional
        s_j > 0 (default |value|, or 1 when the value is 0).
    source : str
        Where the value comes from (e.g. ``FACTS row 6``).
    """

    statistic: str | None = None
    month: int | None = None
    value: float
    weight: PositiveFloat = 1.0
    se: PositiveFloat | None = None
    scale: PositiveFloat | None = None
    source: str = ""

    def divisor(self) -> float:
        """s_j."""
        return self.scale if self.scale is not None else (abs(self.value) or 1.0)


class Prior(Frozen):
    """Outside evidence on a fitted parameter: a value and its standard error.

    Parameters
    ----------
    value : float
        μ_k, in the parameter's units.
    se : float
        σ_k > 0, in the parameter's units.
    source : str
        Where the value comes from (e.g. ``FACTS row 26``, or ``assumption``).
    """

    value: float
    se: PositiveFloat
    source: str = ""


class Targets(Frozen):
    """A targets file: the moments and, optionally, the parameters and settings of the fit.

    Parameters
    ----------
    targets : dict of Target
        By name.
    params : dict, optional
        ``{path: [low, high]}``; the ``params`` argument of :func:`calibrate` replaces it.
    priors : dict of Prior, optional
        ``{path: Prior}`` for fitted parameters (see the module docstring).
    replications, seed, method, maxiter
        Defaults for :func:`calibrate`'s arguments of the same names.
    """

    targets: dict[str, Target] = Field(min_length=1)
    params: dict[str, tuple[float, float]] = Field(default_factory=dict)
    priors: dict[str, Prior] = Field(default_factory=dict)
    replications: int | None = Field(default=None, ge=1)
    seed: int | None = None
    method: Method | None = None
    maxiter: int | None = Field(default=None, ge=1)

    def statistics(self) -> list[Statistic]:
        """The statistic of each target, in order."""
        return [Statistic(t.statistic or name, t.month) for name, t in self.targets.items()]


def read_targets(source: str | Path | Mapping[str, Any] | Targets) -> Targets:
    """A :class:`Targets` from a TOML file, plain data or itself.

    Plain data may give a target as a number, meaning its value: ``{"adopters": 400}``.

    Raises
    ------
    ScenarioError
        One line per problem, naming the file, the field and the value.
    """
    if isinstance(source, Targets):
        return source
    name = "targets"
    if isinstance(source, str | Path):
        source = _resolve(source)
        name = str(source)
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as err:
            raise ScenarioError([f"{name}: cannot read: {err.strerror or err}"]) from None
        except UnicodeDecodeError as err:
            raise ScenarioError([f"{name}: not UTF-8 text: byte {err.start}"]) from None
        data: Any = parse_toml(text, name)
    else:
        data = dict(source)
        if "targets" not in data:
            data = {"targets": data}
    if isinstance(data.get("targets"), dict):
        data["targets"] = {k: {"value": v} if _is_number(v) else v for k, v in data["targets"].items()}
    try:
        return Targets.model_validate(data)
    except ValidationError as err:
        raise ScenarioError.from_validation(err, name) from None


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` found.

    Attributes
    ----------
    scenario : Scenario
        The base scenario with the fitted values, its ``seed`` the fit's
        (:attr:`seed`): run with :attr:`replications`, it gives the fitted moments.
    params : pandas.DataFrame
        One row per parameter (index: path): ``value`` (fitted), ``low``,
        ``high``, ``start`` (the scenario's value), ``se`` (standard error), in
        the parameter's units.
    targets : pandas.DataFrame
        One row per target: ``statistic``, ``month``, ``units``, ``target``,
        ``fitted`` (mean over replications), ``sd`` (across replications),
        ``weight``, ``se``, ``deviation`` (g_j, 1) and ``contribution`` (w_j g_j²).
    objective : float
        J at the fit.
    evaluations : pandas.DataFrame
        Every point evaluated, in order: the parameters and ``objective``.
    success : bool
        The optimiser's own verdict.
    message : str
        The optimiser's message, and why standard errors are missing if they are.
    method : str
    replications : int
    seed : int
    covariance : pandas.DataFrame, optional
        The sandwich covariance V of the fitted values (index and columns:
        the paths; products of their units); NaN where ``se`` is.
    """

    scenario: Scenario
    params: pd.DataFrame
    targets: pd.DataFrame
    objective: float
    evaluations: pd.DataFrame
    success: bool
    message: str
    method: str
    replications: int
    seed: int
    covariance: pd.DataFrame | None = None

    def summary(self) -> str:
        """The fit in a few lines of text (what ``dxsim calibrate`` prints)."""
        head = (
            f"{self.scenario.name}: {self.method}, {len(self.evaluations)} evaluations x {self.replications} "
            f"replications, seed {self.seed}; objective {self.objective:.4g}"
        )

        def fmt(x: float) -> str:
            return f"{x:,.4g}"

        tables = [self.params.to_string(float_format=fmt), self.targets.to_string(float_format=fmt)]
        return "\n".join([head, self.message, "", tables[0], "", tables[1]])

    def __repr__(self) -> str:
        return self.summary()

    def to_toml(self) -> str:
        """The fitted scenario as TOML, headed by comments that say how it was fitted."""
        lines = [f"# Calibrated by dxsim calibrate ({self.method}, {self.replications} replications, seed {self.seed})"]
        lines += [f"#   {path} = {row.value:.6g}  (se {row.se:.3g})" for path, row in self.params.iterrows()]
        lines += [f"# objective {self.objective:.4g}"]
        return "\n".join(lines) + "\n" + self.scenario.to_toml()

    def to_uncertain(self, *, bounded: bool = True) -> str:
        """The estimate and its covariance as a joint normal group of a scenario's ``[uncertain]`` table.

        TOML text to paste into a scenario (after its other tables): one
        ``[[uncertain.joint]]`` group with the fitted paths, ``mean`` (the
        fitted values), ``covariance`` (:attr:`covariance`) and, with
        ``bounded``, ``low`` and ``high`` (the bounds the fit searched, to which
        each draw is clipped).  Each replication of a run then draws the
        parameters from it (:mod:`dxsim.scenario.uncertain`).

        Parameters
        ----------
        bounded : bool
            Write the search bounds as the group's ``low`` and ``high``.  An
            unbounded normal (``False``) on a path whose field has a range (a
            share, a rate at least 0: most fitted parameters) is refused when
            the scenario is loaded (docs/scenarios.md); leave it ``True``
            unless every path is unbounded.

        Returns
        -------
        str
            TOML text, headed by a comment saying how the values were fitted.

        Raises
        ------
        ValueError
            The fit has no covariance (:attr:`message` says why).

        Examples
        --------
        >>> import pandas as pd
        >>> from dxsim.scenario import load_scenario
        >>> params = pd.DataFrame({"value": [0.1], "low": [0.0], "high": [0.5], "start": [0.04], "se": [0.02]},
        ...                       index=pd.Index(["programme.outreach"], name="param"))
        >>> fit = Calibration(load_scenario("small"), params, pd.DataFrame(), 0.0, pd.DataFrame(), True, "", "powell",
        ...                   8, 1, covariance=pd.DataFrame([[4e-4]], index=params.index, columns=params.index))
        >>> print(fit.to_uncertain(), end="")
        # dxsim calibrate (powell, 8 replications, seed 1): estimate and sandwich covariance
        [[uncertain.joint]]
        paths = ["programme.outreach"]
        mean = [0.1]
        covariance = [
            [0.0004],
        ]
        low = [0.0]
        high = [0.5]
        """
        cov = self.covariance
        if cov is None or not np.isfinite(cov.to_numpy(dtype=float)).all():
            raise ValueError(f"the fit has no covariance to draw from: {self.message}")

        def row(values: Any) -> str:
            return "[" + ", ".join(repr(float(v)) for v in values) + "]"

        lines = [
            f"# dxsim calibrate ({self.method}, {self.replications} replications, seed {self.seed}): "
            "estimate and sandwich covariance",
            "[[uncertain.joint]]",
            "paths = [" + ", ".join(json.dumps(str(p)) for p in self.params.index) + "]",
            f"mean = {row(self.params['value'])}",
            "covariance = [",
            *(f"    {row(r)}," for r in cov.to_numpy(dtype=float)),
            "]",
        ]
        if bounded:
            lines += [f"low = {row(self.params['low'])}", f"high = {row(self.params['high'])}"]
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path) -> None:
        """Write :meth:`to_toml` to ``path`` atomically."""
        with atomic_path(path) as tmp:
            tmp.write_text(self.to_toml(), encoding="utf-8")


def calibrate(
    scenario: Scenario | str | Path,
    targets: str | Path | Mapping[str, Any] | Targets,
    params: Mapping[str, Sequence[float]] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    method: str | None = None,
    maxiter: int | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> Calibration:
    """Fit parameters of a scenario to targets by the simulated method of moments.

    Parameters
    ----------
    scenario : Scenario, str or Path
        The scenario, a bundled name or a TOML path.
    targets : str, Path, mapping or Targets
        A targets TOML file (or the name of a bundled one, e.g.
        ``"platform-pilot-2022"`` for ``scenarios/targets/platform-pilot-2022.toml``)
        or ``{name: {"statistic": ..., "month": ..., "value": ..., "weight": ..., "se": ...}}``
        or ``{statistic: value}``.
    params : mapping, optional
        ``{path: (low, high)}``; default: the targets file's ``params``.
    replications : int, optional
        Replications per evaluation (default: the targets file's, else 10).
    seed : int, optional
        Common random numbers for every evaluation (default: the targets
        file's, else the scenario's).
    method : {"nelder-mead", "powell", "differential-evolution"}, optional
        The scipy.optimize method (default: the targets file's, else
        Nelder-Mead).  Differential evolution evaluates each generation's
        points together, in parallel on the workers or executor.
    maxiter : int, optional
        Iteration limit of the optimiser (default: the file's, else 50 per parameter).
    workers, executor, progress
        As in :func:`dxsim.simulate`: each evaluation's replications (and a
        generation's points) run there.

    Returns
    -------
    Calibration
        The fitted scenario, parameters with standard errors, each target's
        fitted value, the objective and every evaluation.

    Raises
    ------
    ScenarioError
        Before any simulation, for an unknown statistic, a month outside the
        horizon, bounds with low >= high or a path that is not a field.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12, "programme.outreach": 0.0})
    >>> targets = {"early": {"statistic": "adopters", "month": 12, "value": 100}}
    >>> fit = calibrate(sc, targets, {"industry_defaults.innovation": (0.001, 0.05)}, replications=2, seed=1)
    >>> bool(abs(fit.targets.loc["early", "fitted"] - 100) < 5)
    True
    """
    spec = read_targets(targets)
    sc, seed = scenario_and_seed(scenario, seed if seed is not None else spec.seed)
    source = str(targets) if isinstance(targets, str | Path) else "targets"
    wanted = _check_targets(spec, sc.horizon_months, source)
    given, origin = (params, "calibrate") if params is not None else (spec.params, source)
    space = ParamSpace(sc, given, source=origin)
    prior = _prior_moments(space, spec, source)
    reps = replications or spec.replications or 10
    method = method or spec.method or "nelder-mead"
    if method not in METHODS:
        raise ValueError(f"method(={method!r}) must be one of {', '.join(METHODS)}.")
    maxiter = maxiter or spec.maxiter or 50 * len(space)
    run = {"replications": reps, "seed": seed, "workers": workers, "executor": executor, "progress": False}
    # One bar for the whole fit, counting evaluated points (not one bar per evaluation).
    bar = tqdm(desc=f"{sc.name} calibrate", unit="point", disable=not show_progress(progress, 2))
    objective = _Objective(space, spec, wanted, run, bar, prior)
    try:
        res = _minimise(objective, space.start(), method, maxiter, seed)
        best = space.values(np.clip(res.x, 0.0, 1.0))[0]
        errors = _sandwich(
            space, best, objective.moments, objective.weight, spec, objective.scale, reps, objective.prior_se
        )
    finally:
        bar.close()
    return _result(sc, space, spec, wanted, objective, res, best, errors, method=method, seed=seed)


def _check_targets(spec: Targets, horizon_months: int, source: str) -> list[Statistic]:
    """The statistic of each target, checked against the horizon before any simulation.

    Raises
    ------
    ScenarioError
        One line per target whose statistic or month is not one of a run of ``horizon_months`` months.
    """
    wanted = spec.statistics()
    problems = []
    for (name, target), stat in zip(spec.targets.items(), wanted, strict=True):
        why = check_statistic(stat.name, stat.month, horizon_months)
        if why is not None:
            field = "month" if target.month is not None and stat.name in AT_MONTH else "statistic"
            problems.append(f"{source}: targets.{name}.{field}: {why}")
    if problems:
        raise ScenarioError(problems)
    return wanted


def _prior_moments(space: ParamSpace, spec: Targets, source: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """μ and σ of each fitted parameter's prior (NaN where it has none).

    Raises
    ------
    ScenarioError
        For a prior on a parameter that is not fitted.
    """
    mu = np.full(len(space), np.nan)
    sigma = np.full(len(space), np.nan)
    stray = [
        f"{source}: priors.{path}: not a fitted parameter (params: {', '.join(space.names)})"
        for path in spec.priors
        if path not in space.names
    ]
    if stray:
        raise ScenarioError(stray)
    for path, prior in spec.priors.items():
        k = space.names.index(path)
        mu[k], sigma[k] = prior.value, prior.se
    return mu, sigma


class _Objective:
    """J(θ) of the targets, each point of θ run once (on the workers or executor) and remembered.

    The optimiser may return to a point, and the standard errors start from the
    fit, which the optimiser has already run: every point is simulated once.
    """

    def __init__(
        self,
        space: ParamSpace,
        spec: Targets,
        wanted: list[Statistic],
        run: dict[str, Any],
        bar: tqdm[Any],
        prior: tuple[NDArray[np.float64], NDArray[np.float64]],
    ) -> None:
        self.space, self.wanted, self.run, self.bar = space, wanted, run, bar
        self.prior_mean, self.prior_se = prior
        self.value = np.array([t.value for t in spec.targets.values()])
        self.scale = np.array([t.divisor() for t in spec.targets.values()])
        self.weight = np.array([t.weight for t in spec.targets.values()])
        self.deviations: dict[bytes, NDArray[np.float64]] = {}
        self.objective: dict[bytes, float] = {}
        self.history: list[tuple[NDArray[np.float64], float]] = []

    def moments(self, theta: NDArray[np.float64]) -> list[NDArray[np.float64]]:
        """Per-replication scaled deviations at each row of theta: (replications, targets) each."""
        keys = [row.tobytes() for row in theta]
        new = list({k: i for i, k in enumerate(keys) if k not in self.deviations}.values())
        if new:
            wanted = self.wanted
            stats = map_points(self.space.scenarios(theta[new]), lambda ds: statistics(ds, wanted), **self.run)
            self.bar.update(len(new))
            for i, s in zip(new, stats, strict=True):
                self.deviations[keys[i]] = (s - self.value) / self.scale
        return [self.deviations[k] for k in keys]

    def __call__(self, unit: NDArray[np.float64]) -> NDArray[np.float64]:
        """J at each row of ``unit`` (points of the unit cube of the bounds)."""
        theta = self.space.values(unit)
        out = []
        for row, g in zip(theta, self.moments(theta), strict=True):
            key = row.tobytes()
            if key not in self.objective:
                j = float(self.weight @ g.mean(axis=0) ** 2) + self.prior_part(row)
                self.objective[key] = j if math.isfinite(j) else math.inf  # e.g. a payback beyond the horizon
                self.history.append((row, self.objective[key]))
                self.bar.set_postfix(objective=f"{min(self.objective.values()):.4g}", refresh=False)
            out.append(self.objective[key])
        return np.array(out)

    def prior_part(self, theta: NDArray[np.float64]) -> float:
        """Σ_k g_k² of the priors at one point θ (0 without priors)."""
        return float(np.nansum(((theta - self.prior_mean) / self.prior_se) ** 2))

    def evaluations(self) -> pd.DataFrame:
        """Every point evaluated, in order: the parameters and ``objective``."""
        frame = pd.DataFrame([h[0] for h in self.history], columns=self.space.names)
        frame["objective"] = [h[1] for h in self.history]
        return frame


def _minimise(
    objective: _Objective, start: NDArray[np.float64], method: str, maxiter: int, seed: int
) -> optimize.OptimizeResult:
    """Minimise ``objective`` over the unit cube with the scipy.optimize ``method``, from ``start``."""
    bounds = [(0.0, 1.0)] * len(start)
    if method == "differential-evolution":
        return optimize.differential_evolution(
            lambda u: objective(np.asarray(u).T),
            bounds,
            maxiter=maxiter,
            seed=seed,
            x0=start,
            vectorized=True,
            updating="deferred",
            polish=False,
        )
    options: dict[str, Any] = {"maxiter": maxiter}
    if method == "nelder-mead":
        # A wide first simplex: with many enterprises J is smooth only on scales well above one SME.
        step = np.where(start > 0.5, -0.25, 0.25)
        options |= {"initial_simplex": np.vstack([start, start + np.diag(step)]), "xatol": 1e-3, "fatol": 1e-6}
    return optimize.minimize(
        lambda u: objective(np.asarray(u))[0],
        start,
        method="Nelder-Mead" if method == "nelder-mead" else "Powell",
        bounds=bounds,
        options=options,
    )


def _result(
    sc: Scenario,
    space: ParamSpace,
    spec: Targets,
    wanted: list[Statistic],
    objective: _Objective,
    res: optimize.OptimizeResult,
    best: NDArray[np.float64],
    errors: tuple[NDArray[np.float64], NDArray[np.float64], str],
    *,
    method: str,
    seed: int,
) -> Calibration:
    """The :class:`Calibration` of the fit ``best``, from :func:`_sandwich`'s ``errors`` at it."""
    fitted_g, cov, why = errors
    g_mean = fitted_g.mean(axis=0)
    return Calibration(
        scenario=sc.with_overrides(space.overrides(best)),
        params=_params_table(space, best, np.sqrt(np.clip(np.diag(cov), 0.0, None)), objective),
        targets=_targets_table(spec, wanted, objective, fitted_g),
        objective=float(objective.weight @ g_mean**2) + objective.prior_part(best),
        evaluations=objective.evaluations(),
        success=bool(res.success),
        message=str(res.message) + (f"; {why}" if why else ""),
        method=method,
        replications=int(objective.run["replications"]),
        seed=seed,
        covariance=pd.DataFrame(cov, index=pd.Index(space.names, name="param"), columns=list(space.names)),
    )


def _params_table(
    space: ParamSpace, best: NDArray[np.float64], se: NDArray[np.float64], objective: _Objective
) -> pd.DataFrame:
    """:attr:`Calibration.params`: one row per parameter, in its units."""
    return pd.DataFrame(
        {
            "value": best,
            "low": space.low,
            "high": space.high,
            "start": space.values(space.start())[0],
            "se": se,
            "prior": objective.prior_mean,
            "prior_se": objective.prior_se,
        },
        index=pd.Index(space.names, name="param"),
    )


def _targets_table(
    spec: Targets, wanted: list[Statistic], objective: _Objective, fitted_g: NDArray[np.float64]
) -> pd.DataFrame:
    """:attr:`Calibration.targets`: one row per target, from the scaled deviations at the fit."""
    fitted = fitted_g * objective.scale + objective.value
    g_mean = fitted_g.mean(axis=0)
    reps = fitted_g.shape[0]
    return pd.DataFrame(
        {
            "statistic": [s.name for s in wanted],
            "month": [s.month if s.month is not None else np.nan for s in wanted],
            "units": [statistic_units(s.name) for s in wanted],
            "target": objective.value,
            "fitted": fitted.mean(axis=0),
            "sd": fitted.std(axis=0, ddof=1) if reps > 1 else np.full(len(wanted), np.nan),
            "weight": objective.weight,
            "se": [t.se if t.se is not None else np.nan for t in spec.targets.values()],
            "deviation": g_mean,
            "contribution": objective.weight * g_mean**2,
        },
        index=pd.Index(list(spec.targets), name="target"),
    )


def _sandwich(
    space: ParamSpace,
    best: NDArray[np.float64],
    moments: Callable[[NDArray[np.float64]], list[NDArray[np.float64]]],
    weight: NDArray[np.float64],
    spec: Targets,
    scale: NDArray[np.float64],
    reps: int,
    prior_se: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], str]:
    """Scaled deviations per replication at the fit, the sandwich covariance V and why it is NaN if so.

    The priors' moments join the targets' (see the module docstring): their
    rows of G are 1/σ_k on their parameter, their weights and Ω entries 1.
    """
    d = len(space)
    h = 0.05 * (space.high - space.low)
    up = np.minimum(best + h, space.high)
    down = np.maximum(best - h, space.low)
    points = [best]
    for j in range(d):
        for end in (up[j], down[j]):
            p = best.copy()
            p[j] = end
            points.append(p)
    g = moments(np.array(points))
    at_best = g[0]
    data_jac = np.column_stack(
        [(g[1 + 2 * j].mean(axis=0) - g[2 + 2 * j].mean(axis=0)) / (up[j] - down[j]) for j in range(d)]
    )
    nan = np.full((d, d), np.nan)
    if any(t.se is None for t in spec.targets.values()):
        return at_best, nan, "standard errors need an se for every target"
    sigma = np.full(d, np.nan) if prior_se is None else prior_se
    has_prior = np.isfinite(sigma)
    jac = np.vstack([data_jac, np.diag(1.0 / np.where(has_prior, sigma, 1.0))[has_prior]])
    w = np.diag(np.concatenate([weight, np.ones(int(has_prior.sum()))]))
    bread = jac.T @ w @ jac
    if np.linalg.matrix_rank(jac) < d or not math.isfinite(np.linalg.cond(bread)) or np.linalg.cond(bread) > 1e12:
        return at_best, nan, "standard errors: the targets do not identify every parameter near the fit (G'WG singular)"
    data = (np.array([t.se for t in spec.targets.values()], dtype=np.float64) / scale) ** 2
    sim = np.atleast_2d(np.cov(at_best, rowvar=False)) / reps if reps > 1 else np.zeros((len(data), len(data)))
    omega = np.zeros_like(w)
    omega[: len(data), : len(data)] = np.diag(data) + sim
    omega[len(data) :, len(data) :] = np.eye(int(has_prior.sum()))
    inv = np.linalg.inv(bread)
    cov = inv @ jac.T @ w @ omega @ w @ jac @ inv
    return at_best, (cov + cov.T) / 2, ""


def _resolve(source: str | Path) -> Path:
    """A targets file: a path, or the name of a bundled one (``scenarios/targets/NAME.toml``)."""
    path = Path(source)
    bundled = bundled_dir() / "targets" / f"{source}.toml"
    return bundled if not path.exists() and path.suffix != ".toml" and bundled.is_file() else path


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
