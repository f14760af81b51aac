"""Sweeps: one scenario per point of a grid of parameters and/or named cases, on common random numbers."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from dxsim._version import __version__
from dxsim.experiment.executors import Task, check_draws, run_tasks
from dxsim.experiment.simulate import scenario_and_seed
from dxsim.model.result import RunResult
from dxsim.results.dataset import build_dataset
from dxsim.results.provenance import SweepSpec, sweep_attrs
from dxsim.results.schema import RESERVED
from dxsim.results.store import LAYOUT, SweepStore, blocks_of, combine_points
from dxsim.scenario.limits import check_replications
from dxsim.scenario.schema import Scenario

__all__ = ["grid", "sweep"]


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
        differ by their rules, not by noise.  The base scenario is stored
        with this seed as its own (a point that sets ``seed`` is refused), so
        ``simulate(dx.scenario_of(sw.sel(...)), replications)`` reruns a point.
    workers, executor, progress
        As in :func:`simulate`.
    store : str or Path, optional
        A directory: every finished block of ``block_size`` replications of a
        point is written into the point's zarr group there and dropped from
        memory, and the result is opened lazily from the store
        (:mod:`dxsim.results.store`).
    resume : bool
        Continue an interrupted sweep in ``store``: only missing blocks run.
    block_size : int
        Replications per stored block.  ``replications`` and ``block_size``
        are whole numbers from 1 to :data:`dxsim.scenario.limits.MAX_REPLICATIONS`,
        checked before anything runs or is written.

    Returns
    -------
    xarray.Dataset
        The output variables with the sweep's dimensions in front.

    Raises
    ------
    ScenarioError
        Before any work starts (no store written), if a parameter does not exist,
        a value is invalid or a replication's draw of ``[uncertain]`` makes an invalid scenario.
    ValueError
        Before any work starts, if ``replications`` or ``block_size`` is out of
        bounds, or a point sets ``seed`` (every point runs on the sweep's seed).
    """
    replications = check_replications(replications)
    block_size = check_replications(block_size, "block_size")
    sc, seed = scenario_and_seed(scenario, seed)
    spec = grid(params, cases)
    scenarios, tasks = _checked_points(sc, spec, seed, replications)  # before anything runs or a store is written
    desc = f"{sc.name} sweep"
    if store is None:
        runs = run_tasks(tasks, workers=workers, executor=executor, progress=progress, desc=desc)
        parts = [
            build_dataset(s, runs[i * replications : (i + 1) * replications], seed=seed)
            for i, s in enumerate(scenarios)
        ]
    else:
        blocks = blocks_of(replications, block_size)
        manifest = _manifest(sc, spec, seed, replications, block_size)
        with SweepStore(store, manifest, resume=resume) as st:  # the store's lock, held until the sweep ends
            _run_blocks(st, scenarios, blocks, seed, workers=workers, executor=executor, progress=progress, desc=desc)
            parts = [st.open_point(i, len(blocks)) for i in range(len(scenarios))]
    out = combine_points(parts, spec)
    out.attrs.update(sweep_attrs(sc.to_toml(), spec, seed=seed, version=__version__))
    return out


def _checked_points(sc: Scenario, spec: SweepSpec, seed: int, replications: int) -> tuple[list[Scenario], list[Task]]:
    """The points' scenarios and their tasks, checked: same shape, the sweep's seed, every draw valid."""
    scenarios = [sc.with_overrides(overrides) for _, overrides in spec[1]]
    _same_shape(scenarios, seed)
    tasks: list[Task] = [(s, seed, k) for s in scenarios for k in range(replications)]
    check_draws(tasks)
    return scenarios, tasks


def _manifest(sc: Scenario, spec: SweepSpec, seed: int, replications: int, block_size: int) -> dict[str, Any]:
    """What identifies the sweep in its store (a store holding another is refused, not resumed)."""
    dims, points = spec
    return {
        "dxsim_version": __version__,
        "scenario": sc.to_toml(),
        "dims": [[name, list(values)] for name, values in dims],
        "points": [overrides for _, overrides in points],
        "seed": seed,
        "replications": replications,
        "block_size": block_size,
        "store_layout": LAYOUT,
    }


def grid(params: dict[str, Any] | None, cases: dict[str, dict[str, Any]] | None) -> SweepSpec:
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
        if name in RESERVED or (name == "case" and cases):
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


def _is_values(values: Any) -> bool:
    return isinstance(values, Iterable) and not isinstance(values, str | bytes | dict)


def _same_shape(scenarios: list[Scenario], seed: int) -> None:
    """ValueError unless every point has the same industries, platforms, start and horizon, and the sweep's seed."""
    first = scenarios[0]
    if any(s.seed != seed for s in scenarios):
        raise ValueError(
            f"every point of a sweep runs on the sweep's seed ({seed}): a point cannot set 'seed'; "
            "run one sweep per seed instead (seed=)"
        )
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
