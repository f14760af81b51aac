"""Running experiments: replications of a scenario, reproducible from one seed."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from dxsim._version import __version__
from dxsim.experiment.executors import run_tasks
from dxsim.model.population import Population
from dxsim.model.world import RunResult
from dxsim.random import Keys, replication_key
from dxsim.results.dataset import VARIABLES, build_dataset
from dxsim.results.store import SweepStore, blocks_of, pad_adopters
from dxsim.scenario.load import load_scenario
from dxsim.scenario.schema import Scenario

__all__ = ["enterprises", "grid", "map_points", "simulate", "sweep"]

T = TypeVar("T")


def _as_scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _seed(sc: Scenario, seed: int | None) -> int:
    return int(sc.seed if seed is None and sc.seed is not None else (seed or 0))


def simulate(
    scenario: Scenario | str | Path,
    replications: int = 1,
    seed: int | None = None,
    *,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> xr.Dataset:
    """Run ``replications`` replications of a scenario.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario, a bundled scenario's name or a TOML path.
    replications : int
        Number of replications (>= 1).
    seed : int, optional
        Replication ``k`` uses the ``k``-th child of
        ``numpy.random.SeedSequence(seed)``; defaults to the scenario's
        ``seed`` (or 0).
    workers : int
        Local processes (a process pool that also works inside Jupyter);
        1 runs in this process.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the replications instead.
    progress : bool, optional
        Show a progress bar (a widget in Jupyter); by default only when
        standard error is a terminal and there is more than one replication.

    Returns
    -------
    xarray.Dataset
        The output Dataset (see ``dxsim.results.dataset.VARIABLES``), identical
        whatever the workers or executor.

    Examples
    --------
    >>> ds = simulate("small", replications=2, seed=1)
    >>> ds.sizes["replication"]
    2
    """
    sc = _as_scenario(scenario)
    if replications < 1:
        raise ValueError(f"replications(={replications}) must be >= 1.")
    seed = _seed(sc, seed)
    tasks = [(sc, seed, k) for k in range(replications)]
    runs = run_tasks(tasks, workers=workers, executor=executor, progress=progress, desc=sc.name)
    return build_dataset(sc, runs, seed=seed)


def sweep(
    scenario: Scenario | str | Path,
    params: dict[str, Any] | None = None,
    *,
    cases: dict[str, dict[str, Any]] | None = None,
    replications: int = 1,
    seed: int | None = None,
    workers: int = 1,
    executor: Any = None,
    store: str | Path | None = None,
    resume: bool = False,
    block_size: int = 10,
    progress: bool | None = None,
) -> xr.Dataset:
    """Run a scenario over a grid of parameter values and/or named cases, on common random numbers.

    Parameters
    ----------
    scenario : Scenario, str or Path
        The base scenario.
    params : dict, optional
        ``{path: values}`` or ``{alias: (path, values)}``: one dimension per
        entry, named by the alias or the path, over the product of values.
    cases : dict, optional
        ``{label: overrides}``: a dimension ``case``.
    replications, seed : int
        Replication k of every point uses the same seed child, so two points
        differ by their rules, not by noise.
    workers, executor, progress
        As in :func:`simulate`.
    store : str or Path, optional
        A directory: every finished block of ``block_size`` replications of a
        point is written there (zarr) and dropped from memory, and the result
        is opened lazily from the store.
    resume : bool
        Continue an interrupted sweep in ``store``: only missing blocks run.

    Returns
    -------
    xarray.Dataset
        The output variables with the sweep's dimensions in front.

    Raises
    ------
    ScenarioError
        Before any work starts, if a parameter does not exist or a value is invalid.
    """
    sc = _as_scenario(scenario)
    if replications < 1:
        raise ValueError(f"replications(={replications}) must be >= 1.")
    seed = _seed(sc, seed)
    dims, points = grid(params, cases)
    scenarios = [sc.with_overrides(overrides) for _, overrides in points]
    _same_shape(scenarios)
    desc = f"{sc.name} sweep"
    if store is None:
        tasks = [(s, seed, k) for s in scenarios for k in range(replications)]
        runs = run_tasks(tasks, workers=workers, executor=executor, progress=progress, desc=desc)
        parts = [
            build_dataset(s, runs[i * replications : (i + 1) * replications], seed=seed)
            for i, s in enumerate(scenarios)
        ]
    else:
        blocks = blocks_of(replications, block_size)
        manifest = {
            "dxsim_version": __version__,
            "scenario": sc.to_toml(),
            "dims": [[name, list(values)] for name, values in dims],
            "points": [overrides for _, overrides in points],
            "seed": seed,
            "replications": replications,
            "block_size": block_size,
        }
        st = SweepStore(store, manifest, resume=resume)
        _run_blocks(st, scenarios, blocks, seed, workers=workers, executor=executor, progress=progress, desc=desc)
        parts = [st.open_point(i, len(blocks)) for i in range(len(scenarios))]
    out = _combine(parts, dims)
    out.attrs.update(
        scenario=sc.to_toml(),
        scenario_name=sc.name,
        seed=seed,
        dxsim_version=__version__,
        horizon_months=sc.horizon_months,
        sweep=json.dumps({"dims": [[n, list(v)] for n, v in dims], "points": [o for _, o in points]}, default=str),
    )
    return out


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
    if replications < 1:
        raise ValueError(f"replications(={replications}) must be >= 1.")
    tasks = [(s, seed, k) for s in scenarios for k in range(replications)]
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


def grid(
    params: dict[str, Any] | None, cases: dict[str, dict[str, Any]] | None
) -> tuple[list[tuple[str, list[Any]]], list[tuple[tuple[Any, ...], dict[str, Any]]]]:
    """The sweep's dimensions and its points (coordinates, overrides), in product order."""
    dims: list[tuple[str, list[Any]]] = []
    paths: list[str | None] = []
    if cases:
        dims.append(("case", list(cases)))
        paths.append(None)
    for name, spec in (params or {}).items():
        aliased = isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str) and _is_values(spec[1])
        path, values = spec if aliased else (name, spec)
        if not _is_values(values) or not list(values):
            raise ValueError(f"sweep parameter {name!r}: values must be a non-empty list, got {values!r}")
        if name in _RESERVED or (name == "case" and cases):
            raise ValueError(
                f"sweep parameter {name!r}: the name is taken by the output Dataset; "
                "give the dimension another name (an alias)"
            )
        dims.append((name, list(values)))
        paths.append(path)
    if not dims:
        raise ValueError("a sweep needs params or cases.")
    points = []
    for combo in itertools.product(*(values for _, values in dims)):
        overrides: dict[str, Any] = {}
        for path, value in zip(paths, combo, strict=True):
            overrides.update(cases[value] if path is None and cases else {str(path): value})
        points.append((combo, overrides))
    return dims, points


#: Dimensions and variables of the output Dataset: a sweep dimension cannot take these names.
_RESERVED = frozenset(VARIABLES) | {
    "replication", "month", "industry", "platform", "party", "adopter",
    "npv", "irr", "platform_npv", "platform_irr", "platform_industry", "enterprises", "events",
}  # fmt: skip


def _is_values(values: Any) -> bool:
    return isinstance(values, Iterable) and not isinstance(values, str | bytes | dict)


def _same_shape(scenarios: list[Scenario]) -> None:
    first = scenarios[0]
    for s in scenarios[1:]:
        if [i.name for i in s.resolved_industries] != [i.name for i in first.resolved_industries] or [
            p.name for p in s.resolved_platforms
        ] != [p.name for p in first.resolved_platforms]:
            raise ValueError("every point of a sweep must have the same industries and platforms.")
        if s.horizon_months != first.horizon_months or s.start != first.start:
            raise ValueError("every point of a sweep must have the same start and horizon.")


def _run_blocks(
    st: SweepStore,
    scenarios: list[Scenario],
    blocks: Sequence[range],
    seed: int,
    **run: Any,
) -> None:
    """Run the blocks missing from the store; write each as soon as its replications are done."""
    todo = [(p, b) for p in range(len(scenarios)) for b in range(len(blocks)) if not st.has(p, b)]
    tasks: list[tuple[Scenario, int, int]] = []
    owner: list[tuple[int, int]] = []
    for p, b in todo:
        for k in blocks[b]:
            tasks.append((scenarios[p], seed, k))
            owner.append((p, b))
    pending: dict[tuple[int, int], dict[int, RunResult]] = {key: {} for key in todo}

    def finished(i: int, result: RunResult) -> None:
        p, b = owner[i]
        got = pending[(p, b)]
        got[tasks[i][2]] = result
        if len(got) == len(blocks[b]):
            ks = sorted(got)
            st.write(p, b, build_dataset(scenarios[p], [got[k] for k in ks], seed=seed, replications=ks))
            del pending[(p, b)]

    run_tasks(tasks, on_result=finished, keep=False, **run)


def _combine(parts: list[xr.Dataset], dims: list[tuple[str, list[Any]]]) -> xr.Dataset:
    """Points (in product order) into one Dataset with the sweep's dimensions in front.

    Points have different numbers of adopters: they are padded to the longest
    (:func:`dxsim.results.store.pad_adopters`, the same as an outer join, without its
    masks in the dask graph of a store's points).
    """
    labelled = []
    padded = pad_adopters(parts)
    for part, combo in zip(padded, itertools.product(*(v for _, v in dims)), strict=True):
        labelled.append(part.expand_dims({name: [value] for (name, _), value in zip(dims, combo, strict=True)}))
    nested: Any = labelled
    for _, values in reversed(dims[1:]):
        n = len(values)
        nested = [nested[i : i + n] for i in range(0, len(nested), n)]
    out = xr.combine_nested(
        nested, concat_dim=[name for name, _ in dims], join="override", combine_attrs="drop_conflicts", data_vars="all"
    )
    return out.assign_coords(adopter=np.arange(out.sizes["adopter"]))


def enterprises(scenario: Scenario | str | Path, seed: int | None = None, replication: int = 0) -> pd.DataFrame:
    """The keyed attributes of every enterprise in scope, as one replication draws them.

    Attributes are a pure function of the seed, the replication and the
    enterprise id, so these are exactly the values any adopter of
    ``simulate(scenario, seed=seed)`` has in replication ``replication``
    (its ``adopter_revenue``, ``adopter_liquidity``, ``adopter_hurdle_rate``).
    Use it for population quantiles, e.g. liquidity quartiles.

    Returns
    -------
    pandas.DataFrame
        One row per enterprise (index ``enterprise``): ``industry`` (name),
        ``revenue`` (yuan / year), ``benefit`` (share of revenue / year),
        ``hurdle_rate`` (1 / year), ``max_payback`` (months), ``liquidity``
        (yuan), ``maturity`` (score), ``fails`` (bool).

    Examples
    --------
    >>> df = enterprises("small", seed=1)
    >>> len(df), sorted(df["industry"].unique())
    (400, ['machining', 'textiles'])
    """
    sc = _as_scenario(scenario)
    seed = _seed(sc, seed)
    pop = Population(sc.resolved_industries, sc.solutions, sc.behaviour, Keys(replication_key(seed, replication)))
    ids = np.arange(sc.enterprises)
    industry = pop.industry_of(ids)
    att = pop.attributes(ids, industry)
    names = np.array([i.name for i in sc.resolved_industries])
    frame = pd.DataFrame(
        {
            "industry": names[industry],
            "revenue": att.revenue,
            "benefit": att.benefit,
            "hurdle_rate": att.hurdle_rate,
            "max_payback": att.max_payback,
            "liquidity": att.liquidity,
            "maturity": att.maturity,
            "fails": att.fails,
        },
        index=pd.Index(ids, name="enterprise"),
    )
    return frame
