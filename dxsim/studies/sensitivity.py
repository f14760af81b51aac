"""Global sensitivity analysis with SALib: which parameters drive which outputs.

:func:`sensitivity` samples the box of parameter bounds (Saltelli's scheme
for Sobol indices, Morris trajectories for elementary effects), runs every
sample point through the sweep machinery on common random numbers (the
replications of every point share their seeds, so differences between
points are the parameters' effects, not noise), averages each statistic over
the replications and hands the results to SALib's analysers.  The keywords
renamed in 0.3.0 (``outputs``, ``n``, ``conf_level``) still work, with a
DeprecationWarning (:func:`dxsim.studies.renamed.renamed`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray
from SALib.analyze import morris as morris_analyze  # type: ignore[import-untyped]
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample  # type: ignore[import-untyped]
from SALib.sample import sobol as sobol_sample

from dxsim._version import __version__
from dxsim.analysis.moments import Statistic, check_statistic, statistic_units, statistics
from dxsim.experiment.simulate import map_points, scenario_and_seed
from dxsim.experiment.sweep import sweep
from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.limits import check_replications
from dxsim.scenario.schema import Scenario
from dxsim.studies.parameters import ParamSpace
from dxsim.studies.renamed import renamed

__all__ = ["parse_output", "sensitivity"]


def parse_output(text: str | Statistic) -> Statistic:
    """A statistic from its text, ``NAME[@MONTH]``: ``"accepted@18"`` -> ``Statistic("accepted", 18)``.

    Examples
    --------
    >>> parse_output("accepted@18")
    Statistic(name='accepted', month=18)
    """
    if isinstance(text, Statistic):
        return text
    name, at, month = str(text).partition("@")
    if not at:
        return Statistic(name)
    try:
        return Statistic(name, int(month))
    except ValueError:
        return Statistic(name, -1)  # refused by check_statistic with the month named


@renamed(outputs="statistics", n="samples", conf_level="interval")
def sensitivity(
    scenario: Scenario | str | Path,
    params: Mapping[str, Sequence[float]],
    statistics: Sequence[str | Statistic],
    *,
    method: Literal["sobol", "morris"] = "sobol",
    samples: int = 64,
    replications: int = 1,
    seed: int | None = None,
    levels: int = 4,
    interval: float = 0.95,
    workers: int = 1,
    executor: Any = None,
    store: str | Path | None = None,
    resume: bool = False,
    progress: bool | None = None,
) -> xr.Dataset:
    """Sobol indices or Morris elementary effects of statistics with respect to bounded parameters.

    .. deprecated:: 0.3.0
        ``outputs``, ``n``, ``conf_level``: now ``statistics``, ``samples``, ``interval`` (the old names still work, with a warning).

    Parameters
    ----------
    scenario : Scenario, str or Path
        The base scenario.
    params : mapping
        ``{path: (low, high)}``, each varied uniformly over its bounds.
    statistics : sequence of str
        Statistics of :mod:`dxsim.analysis.moments`: a :func:`dxsim.summarize` column
        (``"adopters"``, ``"public_money_per_lighthouse"``) or ``name@month``
        (``"accepted@18"``), each averaged over the replications of a point.
    method : {"sobol", "morris"}
        Sobol: ``samples * (d + 2)`` points (Saltelli, ``samples`` a power of 2), first-order and
        total indices.  Morris: ``samples * (d + 1)`` points on ``levels`` levels, mu, mu*, sigma.
    samples : int
        Base samples (Sobol) or trajectories (Morris).
    replications : int
        Replications per point (common random numbers across points).
    seed : int, optional
        Seeds the replications and the sample (default: the scenario's).
    levels : int
        Morris grid levels.
    interval : float
        Central probability of the bootstrap intervals (0.95: the 2.5th to the 97.5th percentile).
    workers, executor, progress
        As in :func:`dxsim.simulate`.
    store : str or Path, optional
        Stream every point's runs to this sweep store (zarr), as :func:`dxsim.sweep` does, so that
        ``resume=True`` continues an interrupted analysis; without it only the statistics are kept.
    resume : bool
        Continue an interrupted analysis in ``store``.

    Returns
    -------
    xarray.Dataset
        Dimensions ``output`` (one per statistic, e.g. ``accepted@18``) and ``param``; Sobol:
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (1; ``_conf``: half-widths of the ``interval``);
        Morris: ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` (in each statistic's units,
        coordinate ``output_units``, per full range of the parameter); ``sample_value`` (sample,
        param) and ``sample_output`` (sample, output), the design and the statistics it gave.
        Attributes: the settings above (``method``, ``samples``, ...), ``bounds``, the scenario.

    Raises
    ------
    ScenarioError
        Before any simulation: an unknown statistic, a bad month, bounds with
        low >= high or a path that is not a field.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> share = {"programme.instruments[0].share": (0.1, 0.5)}
    >>> si = sensitivity(sc, share, ["adopters@12"], method="morris", samples=2)
    >>> si["mu_star"].dims
    ('output', 'param')
    """
    sc, seed = scenario_and_seed(scenario, seed)
    _check_settings(method, samples, replications, interval)
    wanted = _check_statistics(statistics, sc.horizon_months)
    space = ParamSpace(sc, params, source="sensitivity")
    problem, x = _design(space, method, samples, levels, seed)
    y = _outputs(sc, space, x, wanted, replications, seed, store=store, resume=resume, workers=workers,
                 executor=executor, progress=progress)  # fmt: skip
    out = _indices(problem, x, y, wanted, method=method, interval=interval, levels=levels, seed=seed)
    out.attrs.update(method=method, samples=samples, replications=replications, seed=seed, interval=interval)
    out.attrs.update(levels=levels, **_provenance(sc, space))
    return out


def _provenance(sc: Scenario, space: ParamSpace) -> dict[str, str]:
    """The attrs that say what was analysed: the bounds (JSON), the scenario (TOML) and the dxsim version."""
    return {
        "bounds": json.dumps({p: [lo, hi] for p, lo, hi in zip(space.names, space.low, space.high, strict=True)}),
        "scenario": sc.to_toml(),
        "scenario_name": sc.name,
        "dxsim_version": __version__,
    }


def _check_settings(method: str, samples: int, replications: int, interval: float) -> None:
    """ValueError naming the value, for a method, a number of samples or replications or an interval that cannot be."""
    if method not in ("sobol", "morris"):
        raise ValueError(f"method(={method!r}) must be 'sobol' or 'morris'.")
    if samples < 2:
        raise ValueError(f"samples(={samples}) must be >= 2.")
    check_replications(replications)
    if not 0 < interval < 1:
        raise ValueError(f"interval(={interval}) must be between 0 and 1.")


def _design(
    space: ParamSpace, method: str, samples: int, levels: int, seed: int
) -> tuple[dict[str, Any], NDArray[np.float64]]:
    """SALib's problem of ``space`` and its design points, shape ``(points, parameters)``, in the
    parameters' units: Saltelli's scheme (Sobol) or Morris trajectories."""
    problem = {"num_vars": len(space), "names": space.names, "bounds": np.column_stack([space.low, space.high])}
    if method == "sobol":
        x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        x = morris_sample.sample(problem, samples, num_levels=levels, seed=seed)
    return problem, np.asarray(x, dtype=np.float64)


def _check_statistics(given: Sequence[str | Statistic], horizon_months: int) -> list[Statistic]:
    """Each statistic, checked against the horizon before any simulation.

    Raises
    ------
    ScenarioError
        No statistic, or one line per statistic that is not one of a run of ``horizon_months`` months.
    """
    wanted = [parse_output(s) for s in given]
    if not wanted:
        raise ScenarioError(["sensitivity: statistics: give at least one statistic"])
    problems = []
    for text, stat in zip(given, wanted, strict=True):
        why = check_statistic(stat.name, stat.month, horizon_months)
        if why is not None:
            problems.append(f"sensitivity: statistics: {text}: {why}")
    if problems:
        raise ScenarioError(problems)
    return wanted


def _indices(
    problem: dict[str, Any],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    wanted: list[Statistic],
    *,
    method: str,
    interval: float,
    levels: int,
    seed: int,
) -> xr.Dataset:
    """SALib's indices of each statistic (column of ``y``) at the design ``x``, with the design and ``y``."""
    labels = [w.label() for w in wanted]
    params = list(problem["names"])
    out = xr.Dataset(
        coords={
            "output": labels,
            "param": params,
            "output_units": ("output", [statistic_units(w.name) for w in wanted]),
        }
    )
    for j, label in enumerate(labels):
        if method == "sobol":
            res = sobol_analyze.analyze(problem, y[:, j], calc_second_order=False, conf_level=interval, seed=seed)
            names = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            res = morris_analyze.analyze(problem, x, y[:, j], conf_level=interval, num_levels=levels, seed=seed)
            names = ("mu", "mu_star", "mu_star_conf", "sigma")
        for name in names:
            if name not in out:
                out[name] = (("output", "param"), np.full((len(labels), len(params)), np.nan))
            out[name].loc[{"output": label}] = np.asarray(res[name], dtype=np.float64)
    for var in out.data_vars.values():
        var.attrs = _ATTRS[str(var.name)]
    out["sample_value"] = (("sample", "param"), x, {"units": "the parameter's", "long_name": "design point"})
    out["sample_output"] = (
        ("sample", "output"),
        y,
        {"units": "the output's (output_units)", "long_name": "output at the design point, mean over replications"},
    )
    return out


_ATTRS: dict[str, dict[str, str]] = {
    "S1": {"units": "1", "long_name": "first-order Sobol index"},
    "S1_conf": {"units": "1", "long_name": "half-width of the confidence interval of S1"},
    "ST": {"units": "1", "long_name": "total-order Sobol index"},
    "ST_conf": {"units": "1", "long_name": "half-width of the confidence interval of ST"},
    "mu": {"units": "the output's (output_units)", "long_name": "Morris mean elementary effect over the full range"},
    "mu_star": {"units": "the output's (output_units)", "long_name": "Morris mean absolute elementary effect"},
    "mu_star_conf": {"units": "the output's (output_units)", "long_name": "half-width of the interval of mu_star"},
    "sigma": {"units": "the output's (output_units)", "long_name": "standard deviation of the elementary effects"},
}


def _outputs(
    sc: Scenario,
    space: ParamSpace,
    x: NDArray[np.float64],
    wanted: list[Statistic],
    replications: int,
    seed: int,
    *,
    store: str | Path | None,
    resume: bool,
    **run: Any,
) -> NDArray[np.float64]:
    """The statistics at each design point, averaged over replications: shape ``(points, statistics)``."""
    if store is None:
        scenarios = space.scenarios(x)
        means = map_points(
            scenarios,
            lambda ds: statistics(ds, wanted).mean(axis=0),
            replications=replications,
            seed=seed,
            desc=f"{sc.name} sensitivity",
            **run,
        )
        return np.array(means)
    cases: dict[Any, dict[str, Any]] = {i: space.overrides(row) for i, row in enumerate(x)}
    ds = sweep(sc, cases=cases, replications=replications, seed=seed, store=store, resume=resume,
               block_size=replications, **run)  # fmt: skip
    return np.array([statistics(ds.isel(case=i).load(), wanted).mean(axis=0) for i in range(len(x))])
