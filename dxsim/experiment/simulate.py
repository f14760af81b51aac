"""Running replications of a scenario, reproducible from one seed, on any executor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import xarray as xr

from dxsim.experiment.executors import Task, check_draws, run_tasks
from dxsim.model.result import RunResult
from dxsim.results.dataset import build_dataset
from dxsim.results.pairing import attach_counterfactual
from dxsim.results.provenance import seeded
from dxsim.scenario.limits import check_replications, check_seed
from dxsim.scenario.load import load_scenario
from dxsim.scenario.schema import Scenario
from dxsim.scenario.variants import counterfactual as counterfactual_scenario

__all__ = ["as_scenario", "map_points", "resolve_seed", "scenario_and_seed", "simulate"]

T = TypeVar("T")


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """``scenario`` itself, or the scenario a bundled name or a TOML path names (:func:`dxsim.load_scenario`)."""
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def resolve_seed(sc: Scenario, seed: int | None) -> int:
    """The seed a run uses: ``seed`` if given, else the scenario's ``seed``, else 0.

    Raises
    ------
    ValueError
        ``seed`` is not a whole number from 0 to 2**64 - 1 (a float, a string or
        a bool is refused rather than rounded or parsed).

    Examples
    --------
    >>> from dxsim.scenario import load_scenario
    >>> resolve_seed(load_scenario("small"), 7)
    7
    >>> resolve_seed(load_scenario("small"), 1.5)
    Traceback (most recent call last):
    ...
    ValueError: seed(=1.5) must be a whole number from 0 to 2**64 - 1
    """
    if seed is not None:
        return check_seed(seed)
    return 0 if sc.seed is None else sc.seed


def scenario_and_seed(scenario: Scenario | str | Path, seed: int | None) -> tuple[Scenario, int]:
    """The scenario a run uses and stores, and its seed: the seed :func:`resolve_seed` gives, as the scenario's own.

    Every run and study starts from this pair, so what it stores (the
    scenario, with :func:`~dxsim.results.provenance.seeded`) reproduces it
    without a ``seed=`` argument.

    Examples
    --------
    >>> sc, seed = scenario_and_seed("small", 1)
    >>> sc.seed, seed, scenario_and_seed("small", None)[1]
    (1, 1, 7)
    """
    sc = as_scenario(scenario)
    used = resolve_seed(sc, seed)
    return seeded(sc, used), used


def simulate(
    scenario: Scenario | str | Path,
    replications: int = 1,
    seed: int | None = None,
    *,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
    counterfactual: bool = False,
    decisions: bool = False,
) -> xr.Dataset:
    """Run ``replications`` replications of a scenario (and, if asked, of its counterfactual).

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario, a bundled scenario's name or a TOML path.
    replications : int
        Number of replications, 1 to :data:`dxsim.scenario.limits.MAX_REPLICATIONS`
        (checked before anything is loaded or run).
    seed : int, optional
        Replication ``k`` uses the ``k``-th child of
        ``numpy.random.SeedSequence(seed)``; defaults to the scenario's
        ``seed`` (or 0).  The Dataset stores the scenario with this seed as
        its own, so ``simulate(dx.scenario_of(ds), replications)`` reproduces it.
    workers : int
        Local processes (a process pool that also works inside Jupyter);
        1 runs in this process.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the replications instead.
    progress : bool, optional
        Show a progress bar (a widget in Jupyter); by default only when
        standard error is a terminal and there is more than one replication.
    counterfactual : bool
        Also run the paired counterfactual (the scenario without public money,
        :func:`dxsim.counterfactual`) on the same seed and replications, in the
        same run of tasks on the same workers or executor, and keep it inside
        the Dataset (:func:`dxsim.results.pairing.attach_counterfactual`), so
        that :func:`dxsim.additionality`, :func:`dxsim.payback`,
        :func:`dxsim.appraisal` and :func:`dxsim.compare` never run it again.
        :func:`dxsim.sweep` does not take this flag: attach a counterfactual
        sweep with :func:`dxsim.results.pairing.attach_counterfactual`.
    decisions : bool
        Also record every decision each enterprise took and each contract's
        cash flows by party and month (the ``decision_*`` variables and
        ``contract_cash_flow``, :data:`dxsim.results.schema.DECISION_VARIABLES`),
        which :func:`dxsim.explain` reads.  The other numbers are the same
        with or without it; it costs memory (``national``: about 160 MB per
        replication), so it is off by default.  Only the scenario's own
        replications are recorded, not its counterfactual's.

    Returns
    -------
    xarray.Dataset
        The output Dataset (see ``dxsim.results.schema.VARIABLES``), identical
        whatever the workers or executor; with ``counterfactual``, the same
        Dataset plus the counterfactual's variables (``counterfactual_<name>``,
        read back with :func:`dxsim.results.pairing.counterfactual_of`).

    Raises
    ------
    ScenarioError
        Before any replication runs, if one's draw of the ``[uncertain]``
        table makes an invalid scenario.

    Examples
    --------
    >>> ds = simulate("small", replications=2, seed=1)
    >>> ds.sizes["replication"]
    2
    >>> paired = simulate("small", replications=2, seed=1, counterfactual=True)
    >>> paired.attrs["counterfactual_scenario_name"], paired[list(ds.data_vars)].equals(ds)
    ('small (counterfactual)', True)
    """
    replications = check_replications(replications)
    sc, seed = scenario_and_seed(scenario, seed)
    worlds = [sc, counterfactual_scenario(sc)] if counterfactual else [sc]
    tasks: list[Task] = [(s, seed, k, decisions and s is sc) for s in worlds for k in range(replications)]
    check_draws(tasks)
    desc = f"{sc.name} and its counterfactual" if counterfactual else sc.name
    runs = run_tasks(tasks, workers=workers, executor=executor, progress=progress, desc=desc)
    ds = build_dataset(sc, runs[:replications], seed=seed)
    if not counterfactual:
        return ds
    return attach_counterfactual(ds, build_dataset(worlds[1], runs[replications:], seed=seed))


def map_points(
    scenarios: Sequence[Scenario],
    reduce: Callable[[xr.Dataset], T],
    *,
    replications: int,
    seed: int,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
    desc: str = "points",
) -> list[T]:
    """``reduce`` of each scenario's Dataset, on common random numbers, keeping only what ``reduce`` returns.

    Replication k of every scenario uses the same seed child (as in
    :func:`sweep`).  Each point's Dataset is built as soon as its
    replications are done, reduced and dropped, so memory holds the
    reductions, not the runs: this is how calibration and sensitivity
    analysis evaluate many points.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The points.
    reduce : callable
        ``reduce(ds)`` of one point's output Dataset (replications
        ``0 .. replications - 1``), e.g. a few statistics per replication.
    replications, seed : int
        Replications per point and the seed they derive from.
    workers, executor, progress
        As in :func:`simulate`.
    desc : str
        The progress bar's label.

    Returns
    -------
    list
        One reduction per scenario, in order; identical whatever the workers
        or executor.

    Examples
    --------
    >>> sc = load_scenario("small").with_overrides({"horizon_months": 12})
    >>> points = [sc, sc.with_overrides({"programme.instruments[0].share": 0.5})]
    >>> a, b = map_points(points, lambda ds: int(ds["adopters"][:, -1].sum()), replications=2, seed=1)
    >>> a <= b
    True
    """
    replications = check_replications(replications)
    tasks: list[Task] = [(s, seed, k) for s in scenarios for k in range(replications)]
    check_draws(tasks)
    pending: list[dict[int, RunResult]] = [{} for _ in scenarios]
    out: list[Any] = [None] * len(scenarios)

    def finished(i: int, result: RunResult) -> None:
        p, k = divmod(i, replications)
        pending[p][k] = result
        if len(pending[p]) == replications:
            runs = [pending[p][j] for j in range(replications)]
            pending[p] = {}
            out[p] = reduce(build_dataset(scenarios[p], runs, seed=seed))

    run_tasks(tasks, workers=workers, executor=executor, progress=progress, desc=desc, on_result=finished, keep=False)
    return out
