"""The best programme design: a search over levers on common random numbers, with optuna.

:func:`optimize` asks an optuna sampler for designs (values of the levers,
:mod:`dxsim.studies.levers`), runs each design's scenario on the same seed and
replications (replication k of every design draws the same enterprises with the
same thresholds, so two designs differ by their rules, not by luck, and the
objective is a deterministic function of the design), reduces every run to the
means over replications of the objective and constraint metrics
(:mod:`dxsim.analysis.objectives`), and tells the sampler.  It returns an
:class:`Optimization`: every evaluated design as a Dataset, the best feasible
design and, with several objectives, the Pareto front.

Why optuna: it is maintained and widely used, takes real, integer and
categorical levers in one search, its samplers are seeded (the same seed gives
the same designs), its TPE sampler handles one or several objectives (a Pareto
front) and constraints, and its ask-and-tell interface lets dxsim run the
designs itself, through :func:`dxsim.experiment.simulate.map_points`, so
``workers=`` and ``executor=`` apply as everywhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import optuna
import xarray as xr
from numpy.typing import NDArray
from tqdm.auto import tqdm

from dxsim._version import __version__
from dxsim.analysis.moments import Statistic
from dxsim.analysis.objectives import check_metric, metric_units, metric_values, needs_counterfactual, replication_mean
from dxsim.experiment.executors import show_progress
from dxsim.experiment.simulate import map_points, scenario_and_seed, simulate
from dxsim.random import Keys
from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.limits import check_replications
from dxsim.scenario.schema import Scenario
from dxsim.scenario.variants import counterfactual
from dxsim.studies.levers import Levers
from dxsim.studies.sensitivity import parse_output

__all__ = ["FRONT_SHOWN", "Design", "Optimization", "optimize"]

Sense = Literal["max", "min"]
#: The comparison operators of a constraint.
OPERATORS = ("<=", ">=")


@dataclass(frozen=True)
class Design:
    """One evaluated design.

    Attributes
    ----------
    evaluation : int
        Its position in :attr:`Optimization.evaluations`.
    levers : dict
        ``{path: value}``, in each field's units.
    metrics : dict
        ``{metric: mean over replications}``, in each metric's units.
    scenario : Scenario
        The base scenario with the levers set, its ``seed`` the search's: run
        it (without ``seed=`` it gives :attr:`metrics` again), compare it, report it.
    """

    evaluation: int
    levers: dict[str, Any]
    metrics: dict[str, float]
    scenario: Scenario


@dataclass(frozen=True)
class Optimization:
    """What :func:`optimize` evaluated, and the best of it.

    Attributes
    ----------
    evaluations : xarray.Dataset
        Dimension ``evaluation`` (in the order evaluated) and ``metric``: one
        variable per lever, named by its path (the design); ``mean`` and ``se``
        (evaluation, metric): each objective and constraint metric's mean over
        the replications and its standard error (the metric's units, coordinate
        ``metric_units``); ``feasible`` (every constraint met) and ``on_front``
        (feasible and not dominated on the objectives). Attributes: the
        objectives, constraints and levers (JSON), the seed, the replications,
        the sampler and the scenario (TOML).
    scenario : Scenario
        The base scenario, its ``seed`` the one every design ran on.
    """

    evaluations: xr.Dataset
    scenario: Scenario

    @property
    def objectives(self) -> list[tuple[str, Sense]]:
        """``[(metric, "max" or "min"), ...]``, in the order given."""
        return [(str(m), s) for m, s in json.loads(self.evaluations.attrs["objectives"])]

    @property
    def front(self) -> xr.Dataset:
        """The evaluations on the Pareto front, sorted by the first objective (best first).

        With one objective: the evaluations that share the best value.
        """
        ev = self.evaluations
        on = ev.isel(evaluation=np.flatnonzero(ev["on_front"].to_numpy()))
        metric, sense = self.objectives[0]
        order = np.argsort(on["mean"].sel(metric=metric).to_numpy() * (-1.0 if sense == "max" else 1.0), kind="stable")
        return on.isel(evaluation=order)

    @property
    def best(self) -> Design:
        """The best feasible design: best on the first objective, ties broken by the next ones, then the earliest.

        Raises
        ------
        ValueError
            If no evaluated design met every constraint with finite objectives.
        """
        ev = self.evaluations
        front = np.flatnonzero(ev["on_front"].to_numpy())
        if not len(front):
            raise ValueError(
                f"no evaluated design of {self.scenario.name} met the constraints "
                f"{ev.attrs['constraints']} (see .evaluations['mean']); widen the levers or the constraints"
            )
        keys = [ev["mean"].sel(metric=m).to_numpy()[front] * (-1.0 if s == "max" else 1.0) for m, s in self.objectives]
        return self.design(int(front[np.lexsort([front, *reversed(keys)])[0]]))

    def design(self, evaluation: int) -> Design:
        """The design of one evaluation, with its scenario."""
        row = self.evaluations.isel(evaluation=evaluation)
        levers = {path: _plain(row[path].item()) for path in json.loads(self.evaluations.attrs["levers"])}
        metrics = {str(m): float(v) for m, v in zip(row["metric"].values, row["mean"].values, strict=True)}
        return Design(evaluation, levers, metrics, self.scenario.with_overrides(levers))

    def summary(self) -> str:
        """The search and its best design in a few lines (what ``dxsim optimize`` prints).

        With several objectives "best" is best on the first one (ties broken
        by the next), and the trade-off follows: every design on the front
        (up to :data:`FRONT_SHOWN`), its levers and its objectives.
        """
        ev = self.evaluations
        goals = ", ".join(f"{s} {m}" for m, s in self.objectives)
        head = (
            f"{self.scenario.name}: {ev.sizes['evaluation']} evaluations x {ev.attrs['replications']} replications, "
            f"seed {ev.attrs['seed']}; {goals}; {int(ev['feasible'].sum())} feasible, "
            f"{int(ev['on_front'].sum())} on the front"
        )
        try:
            best = self.best
        except ValueError as err:
            return f"{head}\n{err}"
        first = f" on {self.objectives[0][1]} {self.objectives[0][0]}" if len(self.objectives) > 1 else ""
        lines = [head, f"best{first} (evaluation {best.evaluation}):"]
        lines += [f"  {path} = {value:.6g}" if isinstance(value, float) else f"  {path} = {value!r}"
                  for path, value in best.levers.items()]  # fmt: skip
        lines += [f"  {metric}: {value:,.4g}" for metric, value in best.metrics.items()]
        if len(self.objectives) > 1:
            lines += self._trade_off()
        return "\n".join(lines)

    def _trade_off(self) -> list[str]:
        """Lines of the front: no design on it does at least as well on every objective and better on one."""
        front = self.front
        n = front.sizes["evaluation"]
        lines = [f"the trade-off: {n} designs on the front{'' if n <= FRONT_SHOWN else f', the first {FRONT_SHOWN}'}"]
        for k in front["evaluation"].values[:FRONT_SHOWN]:
            design = self.design(int(k))
            levers = ", ".join(
                f"{p} = {v:.4g}" if isinstance(v, float) else f"{p} = {v!r}" for p, v in design.levers.items()
            )
            goals = ", ".join(f"{m} {design.metrics[m]:,.4g}" for m, _ in self.objectives)
            lines.append(f"  evaluation {int(k)}: {goals} ({levers})")
        return lines

    def __repr__(self) -> str:
        return self.summary()


#: Designs of the front :meth:`Optimization.summary` prints with several objectives.
FRONT_SHOWN = 10


def optimize(
    scenario: Scenario | str | Path,
    levers: Mapping[str, Any],
    objective: str | Sequence[str],
    constraints: Mapping[str, tuple[str, float]] | None = None,
    *,
    replications: int = 1,
    seed: int | None = None,
    evaluations: int = 32,
    batch: int = 1,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> Optimization:
    """Search the levers for the design that does best on the objectives within the constraints.

    Parameters
    ----------
    scenario : Scenario, str or Path
        The base scenario.
    levers : mapping
        ``{path: (low, high) or [choices]}``: a real range, an integer range
        (two whole numbers) or a list of values (:mod:`dxsim.studies.levers`).
    objective : str or sequence of str
        One metric, or several (a Pareto front): ``"NAME"`` or ``"max:NAME"``
        is maximised, ``"min:NAME"`` minimised.  A metric is a
        :func:`dxsim.summarize` column, ``NAME@MONTH`` (:mod:`dxsim.analysis.moments`)
        or an additionality variable (``additional_accepted``,
        ``public_money_per_additional_lighthouse``, ...: then each design's
        counterfactual runs too, once for all designs that share it), each the
        mean over the replications of a design.
    constraints : mapping, optional
        ``{metric: (op, value)}`` with op ``"<="`` or ``">="``, on the mean over
        replications, in the metric's units: ``{"public_money": ("<=", 150e6)}`` (yuan).
    replications : int
        Replications per design; every design runs replications ``0 .. replications - 1``
        of ``seed`` (common random numbers).
    seed : int, optional
        Seeds the replications and the sampler (its own keyed stream ``"optimize"``);
        default: the scenario's.
    evaluations : int
        Designs to evaluate.  The first is the scenario's own design when its values
        lie within the levers; then optuna's TPE sampler (random designs for its
        first ``max(2, min(10, evaluations // 4))``).  A design proposed again is
        not run again.
    batch : int
        Designs proposed at once and run together (in parallel on the workers or
        executor); the designs depend on ``batch`` but not on ``workers``.
    workers, executor, progress
        As in :func:`dxsim.simulate`; the progress bar counts designs.

    Returns
    -------
    Optimization
        ``.evaluations`` (a Dataset over ``evaluation``), ``.best`` (a :class:`Design`)
        and ``.front``.

    Raises
    ------
    ScenarioError
        Before anything runs: a lever, an objective or a constraint that cannot be.
    ValueError
        Before anything runs: ``replications``, ``evaluations`` or ``batch`` out of bounds.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> opt = dx.optimize(sc, {"programme.instruments[0].share": (0.1, 0.6)}, "accepted",
    ...                   {"public_money": ("<=", 2e6)}, evaluations=4, seed=1)
    >>> opt.evaluations.sizes["evaluation"], opt.best.metrics["public_money"] <= 2e6
    (4, True)
    """
    sc, seed = scenario_and_seed(scenario, seed)
    replications = check_replications(replications)
    _check_counts(evaluations=evaluations, batch=batch)
    space = Levers(sc, levers)
    goals, limits = _goals(objective, sc.horizon_months), _limits(constraints or {}, sc.horizon_months)
    metrics = list(dict.fromkeys([m for m, _ in goals] + [m for m, _, _ in limits]))
    run = _Runner(sc, [parse_output(m) for m in metrics], replications, seed, workers, executor)
    bar = tqdm(
        total=evaluations, desc=f"{sc.name} optimize", unit="design", disable=not show_progress(progress, evaluations)
    )
    with _quiet(), bar:
        designs, means, ses = _search(space, run, metrics, goals, limits, seed=seed, evaluations=evaluations,
                                      batch=batch, bar=bar)  # fmt: skip
    ds = _dataset(space, designs, means, ses, metrics, goals, limits)
    ds.attrs.update(_provenance(sc, replications, seed))
    return Optimization(ds, sc)


def _check_counts(**counts: int) -> None:
    """ValueError naming a count that is not a whole number >= 1."""
    for name, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name}(={n!r}) must be a whole number >= 1.")


def _provenance(sc: Scenario, replications: int, seed: int) -> dict[str, Any]:
    """The attrs that say how the designs were evaluated: replications, seed, sampler, scenario, versions."""
    return {
        "replications": replications,
        "seed": seed,
        "sampler": "optuna TPESampler",
        "optuna_version": optuna.__version__,
        "scenario": sc.to_toml(),
        "scenario_name": sc.name,
        "dxsim_version": __version__,
        "title": "dxsim optimize: every evaluated design (common random numbers)",
    }


def _search(
    space: Levers,
    run: _Runner,
    metrics: list[str],
    goals: list[tuple[str, Sense]],
    limits: list[tuple[str, str, float]],
    *,
    seed: int,
    evaluations: int,
    batch: int,
    bar: Any,
) -> tuple[list[dict[str, Any]], NDArray[np.float64], NDArray[np.float64]]:
    """Ask, run and tell ``evaluations`` designs, ``batch`` at a time: the designs, the metrics' means and their se."""
    study = _study(goals, seed, evaluations)
    if space.start():
        study.enqueue_trial(space.start())
    designs: list[dict[str, Any]] = []
    means: list[NDArray[np.float64]] = []
    ses: list[NDArray[np.float64]] = []
    while len(designs) < evaluations:
        trials = [study.ask() for _ in range(min(batch, evaluations - len(designs)))]
        proposed = [space.suggest(t) for t in trials]
        for trial, design, (mean, se) in zip(trials, proposed, run(proposed), strict=True):
            _tell(study, trial, [mean[metrics.index(m)] for m, _ in goals], _violations(mean, metrics, limits))
            designs.append(design)
            means.append(mean)
            ses.append(se)
            bar.update(1)
    return designs, np.array(means), np.array(ses)


def _goals(objective: str | Sequence[str], horizon_months: int) -> list[tuple[str, Sense]]:
    """``[(metric, sense)]`` of ``objective``; ScenarioError naming each bad one."""
    given = [objective] if isinstance(objective, str) else list(objective)
    goals: list[tuple[str, Sense]] = []
    lines = [] if given else ["optimize: objective: give at least one metric"]
    for text in given:
        sense, colon, name = str(text).partition(":")
        if not colon:
            sense, name = "max", sense
        why = check_metric(parse_output(name), horizon_months) if sense in ("max", "min") else None
        if sense not in ("max", "min"):
            lines.append(f"optimize: objective: {text}: expected NAME, max:NAME or min:NAME")
        elif why is not None:
            lines.append(f"optimize: objective: {text}: {why}")
        elif name in (m for m, _ in goals):
            lines.append(f"optimize: objective: {name} given twice")
        else:
            goals.append((name, "max" if sense == "max" else "min"))
    if lines:
        raise ScenarioError(lines)
    return goals


def _limits(constraints: Mapping[str, Any], horizon_months: int) -> list[tuple[str, str, float]]:
    """``[(metric, op, value)]`` of ``constraints``; ScenarioError naming each bad one."""
    limits: list[tuple[str, str, float]] = []
    lines = []
    for name, spec in constraints.items():
        where = f"optimize: constraints.{name}"
        ok = isinstance(spec, tuple | list) and len(spec) == 2 and spec[0] in OPERATORS
        value = spec[1] if ok else None
        if not ok or isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            lines.append(
                f"{where}: expected (op, value) with op one of {', '.join(OPERATORS)} and a number, got {spec!r}"
            )
        elif (why := check_metric(parse_output(name), horizon_months)) is not None:
            lines.append(f"{where}: {why}")
        else:
            limits.append((name, str(spec[0]), float(value)))
    if lines:
        raise ScenarioError(lines)
    return limits


def _violations(mean: NDArray[np.float64], metrics: list[str], limits: list[tuple[str, str, float]]) -> list[float]:
    """By how much each constraint is missed (<= 0: met; 1 + |value| when the metric is undefined), as optuna wants."""
    out = []
    for name, op, value in limits:
        m = mean[metrics.index(name)]
        gap = m - value if op == "<=" else value - m
        out.append(float(gap) if np.isfinite(gap) else 1.0 + abs(value))
    return out


def _study(goals: list[tuple[str, Sense]], seed: int, evaluations: int) -> optuna.Study:
    """An optuna study with a TPE sampler seeded from ``seed``'s own stream, one direction per objective."""
    sampler = optuna.samplers.TPESampler(
        seed=int(Keys(seed).bits("optimize", [0])[0]) & 0xFFFFFFFF,
        n_startup_trials=max(2, min(10, evaluations // 4)),
        multivariate=True,
    )
    directions: list[Literal["maximize", "minimize"]] = ["maximize" if s == "max" else "minimize" for _, s in goals]
    return optuna.create_study(sampler=sampler, directions=directions)


def _tell(study: optuna.Study, trial: optuna.Trial, values: list[float], violations: list[float]) -> None:
    """Tell ``study`` a design's objective values (a failed trial when one is undefined) and its violations."""
    for j, gap in enumerate(violations):
        trial.set_constraint(f"constraint {j}", gap)
    if all(np.isfinite(values)):
        study.tell(trial, [float(v) for v in values])
    else:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)


@contextmanager
def _quiet() -> Any:
    """optuna without its line per trial (its verbosity as it was afterwards)."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


class _Runner:
    """Runs designs on common random numbers: the metrics' mean and standard error over replications per design.

    A design evaluated before is not run again; a counterfactual is run once for all
    the designs that share it (all of them, when no lever touches the market).
    """

    def __init__(
        self, sc: Scenario, metrics: list[Statistic], replications: int, seed: int, workers: int, executor: Any
    ) -> None:
        self.scenario, self.metrics = sc, metrics
        self.common = {"replications": replications, "seed": seed, "workers": workers, "executor": executor}
        self.done: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
        self.counterfactuals: dict[str, xr.Dataset] = {}

    def __call__(self, designs: list[dict[str, Any]]) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
        keys = [json.dumps(d, sort_keys=True) for d in designs]
        todo = {k: d for k, d in zip(keys, designs, strict=True) if k not in self.done}
        groups: dict[str, list[tuple[str, Scenario]]] = {}
        for key, design in todo.items():
            try:
                s = self.scenario.with_overrides(design)
                s.check_draws(self.common["seed"], range(self.common["replications"]))
            except ScenarioError:  # levers valid one by one, not together, or a draw they refuse: undefined
                self.done[key] = (np.full(len(self.metrics), np.nan), np.full(len(self.metrics), np.nan))
                continue
            cf_key = counterfactual(s).to_toml() if needs_counterfactual(self.metrics) else ""
            groups.setdefault(cf_key, []).append((key, s))
        for cf_toml, members in groups.items():
            cf = self._counterfactual(cf_toml, members[0][1]) if cf_toml else None
            reduced = map_points(
                [s for _, s in members],
                partial(metric_values, metrics=self.metrics, cf=cf),
                progress=False,
                desc="designs",
                **self.common,
            )
            for (key, _), values in zip(members, reduced, strict=True):
                self.done[key] = replication_mean(values, self.metrics)
        return [self.done[k] for k in keys]

    def _counterfactual(self, cf_toml: str, design: Scenario) -> xr.Dataset:
        """The counterfactual run of ``design`` (whose counterfactual is ``cf_toml``), run once."""
        if cf_toml not in self.counterfactuals:
            if len(self.counterfactuals) >= 8:  # levers that move the market: keep memory bounded
                self.counterfactuals.pop(next(iter(self.counterfactuals)))
            self.counterfactuals[cf_toml] = simulate(counterfactual(design), progress=False, **self.common)
        return self.counterfactuals[cf_toml]


def _front(values: NDArray[np.float64], senses: list[Sense], ok: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Which rows of ``values`` (evaluation, objective) are feasible (``ok``), finite and not dominated."""
    gain = values * np.array([1.0 if s == "max" else -1.0 for s in senses])
    candidate = ok & np.isfinite(gain).all(axis=1)
    out = np.zeros(len(gain), dtype=bool)
    for i in np.flatnonzero(candidate):
        others = gain[candidate]
        dominated = ((others >= gain[i]).all(axis=1) & (others > gain[i]).any(axis=1)).any()
        out[i] = not dominated
    return out


def _dataset(
    space: Levers,
    designs: list[dict[str, Any]],
    mean: NDArray[np.float64],
    se: NDArray[np.float64],
    metrics: list[str],
    goals: list[tuple[str, Sense]],
    limits: list[tuple[str, str, float]],
) -> xr.Dataset:
    """The evaluations as a Dataset (see :class:`Optimization`)."""
    units = [metric_units(parse_output(m)) for m in metrics]
    ds = xr.Dataset(
        coords={"evaluation": np.arange(len(designs)), "metric": metrics, "metric_units": ("metric", units)}
    )
    for lever in space.items:
        ds[lever.path] = ("evaluation", [d[lever.path] for d in designs])
        ds[lever.path].attrs.update(units="the field's", long_name=f"lever {lever.path}")
    ds["mean"] = (
        ("evaluation", "metric"),
        mean,
        {"units": "the metric's (metric_units)", "long_name": "mean over replications"},
    )
    ds["se"] = (
        ("evaluation", "metric"),
        se,
        {"units": "the metric's (metric_units)", "long_name": "standard error of the mean"},
    )
    ok = np.ones(len(designs), dtype=bool)
    for name, op, value in limits:
        m = mean[:, metrics.index(name)]
        ok &= m <= value if op == "<=" else m >= value
    ds["feasible"] = ("evaluation", ok, {"units": "1", "long_name": "every constraint met (by the mean)"})
    objective = mean[:, [metrics.index(m) for m, _ in goals]]
    front = _front(objective, [s for _, s in goals], ok)
    ds["on_front"] = ("evaluation", front, {"units": "1", "long_name": "feasible and not dominated on the objectives"})
    ds.attrs.update(
        objectives=json.dumps(goals),
        constraints=json.dumps({m: [op, v] for m, op, v in limits}),
        levers=json.dumps({lever.path: lever.spec() for lever in space.items}),
    )
    return ds


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it is (an integer lever stays an int)."""
    return value.item() if isinstance(value, np.generic) else value
