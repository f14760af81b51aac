"""Which instrument does the work: run every subset of a programme's instruments, then decompose (MODEL.md question 6).

:func:`shapley` runs the scenario with every subset of its instruments on one
seed (common random numbers) through the executor, so ``workers=`` and
``executor=`` apply, and hands the runs' additionality to
:func:`dxsim.analysis.shapley.shapley_values`.  Memory holds the run without
instruments and one small additionality Dataset per subset, not the 2 ** n runs.

Return convention: an xarray Dataset (means and per-replication values).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xarray import Dataset

from dxsim.analysis.additionality import additionality
from dxsim.analysis.shapley import Subset, check_metrics, shapley_values, subsets
from dxsim.experiment.simulate import map_points, scenario_and_seed, simulate
from dxsim.scenario.schema import Scenario
from dxsim.scenario.variants import with_instruments

__all__ = ["MAX_SHAPLEY_INSTRUMENTS", "shapley"]

#: Most instruments :func:`shapley` decomposes over (2 ** 8 = 256 runs).
MAX_SHAPLEY_INSTRUMENTS = 8


def _check(sc: Scenario, replications: int) -> None:
    """Raise unless :func:`shapley` can decompose over the instruments of ``sc``."""
    n = len(sc.programme.instruments)
    if n == 0:
        raise ValueError(f"scenario {sc.name!r} has no instruments to decompose over")
    if n > MAX_SHAPLEY_INSTRUMENTS:
        raise ValueError(
            f"scenario {sc.name!r} has {n} instruments; shapley() takes at most {MAX_SHAPLEY_INSTRUMENTS} "
            f"(it runs every subset: 2 ** {n} = {2**n} runs); group instruments into fewer scenarios"
        )
    if replications < 1:
        raise ValueError(f"replications(={replications}) must be >= 1")


def _levels(
    sc: Scenario, replications: int, seed: int, *, workers: int, executor: Any, progress: bool | None
) -> dict[Subset, Dataset]:
    """The additionality of the run with each subset of instruments against the run with none."""
    order = subsets(len(sc.programme.instruments))
    base = simulate(with_instruments(sc, ()), replications, seed, workers=workers, executor=executor, progress=progress)
    others = map_points(
        [with_instruments(sc, s) for s in order[1:]],
        functools.partial(additionality, cf=base),
        replications=replications,
        seed=seed,
        workers=workers,
        executor=executor,
        progress=progress,
        desc=f"{sc.name}: subsets",
    )
    return {(): additionality(base, base), **dict(zip(order[1:], others, strict=True))}


def shapley(
    scenario: Scenario | str | Path,
    *,
    replications: int,
    seed: int,
    metrics: Sequence[str] = ("additional_adopters", "additional_lighthouses", "public_money"),
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> Dataset:
    """Shapley decomposition of a programme's effect over its instruments.

    The scenario is run with every subset S of its n instruments (each keeping
    the batches, :func:`dxsim.scenario.variants.with_instruments`) on the same
    seed; the empty subset, the programme with no instrument, is the
    counterfactual.  v_r(S) is the metric of run S against the empty run in
    replication r (:func:`dxsim.additionality`), and the contributions
    (:mod:`dxsim.analysis.shapley`) add up to the total effect v(N),
    replication by replication; an instrument that changes nothing gets 0.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario whose programme has 1 to 8 instruments.
    replications : int
        Replications of each of the 2 ** n runs.
    seed : int
        Seed of every run (common random numbers).
    metrics : sequence of str
        Additive metrics of :func:`dxsim.additionality`
        (:data:`dxsim.analysis.shapley.SHAPLEY_METRICS`).
    workers, executor
        Where the runs go, as in :func:`dxsim.simulate`; the result is the
        same whatever they are.
    progress : bool, optional
        Progress bars over the replications (default: when standard error is a terminal).

    Returns
    -------
    xarray.Dataset
        :func:`dxsim.analysis.shapley.shapley_values`: coordinates ``metric``,
        ``instrument`` (``"k:kind"``, k its position in the programme),
        ``replication``, ``subset`` and ``units`` (along ``metric``);
        variables ``shapley`` (metric, instrument), the mean contribution;
        ``total`` (metric), v(N); ``shapley_replications`` and
        ``total_replications``, the same per replication (for intervals);
        ``value`` (metric, subset), mean v(S) of every subset (interactions).
        Its attrs hold the scenario, its name, the seed and the replications.

    Raises
    ------
    ValueError
        No instrument, more than 8, or an unknown or non-additive metric.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> sh = shapley(sc, replications=1, seed=1)
    >>> sh["instrument"].values.tolist()
    ['0:cost_share']
    """
    sc, seed = scenario_and_seed(scenario, seed)
    _check(sc, replications)
    metrics = check_metrics(metrics)
    names = [f"{k}:{inst.kind}" for k, inst in enumerate(sc.programme.instruments)]
    levels = _levels(sc, replications, seed, workers=workers, executor=executor, progress=progress)
    result = shapley_values(levels, names, metrics)
    result.attrs.update(
        scenario=sc.to_toml(),
        scenario_name=sc.name,
        seed=int(seed),
        replications=int(replications),
        title=f"dxsim Shapley decomposition over instruments: {sc.name}",
    )
    return result
