"""Provenance: the scenario a run, or one point of a sweep, was computed from.

A run's Dataset holds its scenario as TOML in ``attrs["scenario"]``.  A sweep's
Dataset holds the base scenario there, the sweep's dimensions and points in
``attrs["sweep"]``, and each point's overrides of the base as the coordinate
``overrides`` (JSON text, over the sweep's dimensions).  Selecting one point
(``sw.sel(pr=0.8)``) keeps its overrides, so :func:`scenario_of` returns that
point's scenario, not the base.

The stored scenario's ``seed`` is the seed the run used (``attrs["seed"]``:
:func:`seeded`), so ``dx.simulate(scenario_of(ds), replications=R)`` without
``seed=`` reproduces ``ds``.  Files of dxsim 0.5.1 and before stored the
scenario as given, with its own seed, which a ``seed=`` argument overrode:
:func:`scenario_of` gives the seed of ``attrs["seed"]`` for them too (their
``attrs["scenario"]`` text is left as written).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import xarray as xr

from dxsim.results.schema import sweep_dims
from dxsim.scenario.limits import check_seed
from dxsim.scenario.load import parse_toml
from dxsim.scenario.schema import Scenario, scenario_from_dict

__all__ = [
    "OVERRIDES",
    "SweepSpec",
    "point_overrides",
    "scenario_of",
    "seeded",
    "sweep_attrs",
    "with_point_overrides",
]

#: Name of the coordinate holding each sweep point's overrides (JSON text).
OVERRIDES = "overrides"

#: Where the errors of a stored scenario say it is (after the file's name, when there is one).
SCENARIO_ATTR = "attribute 'scenario'"

#: A sweep's dimensions ``[(name, values), ...]`` and its points ``[(coordinates, overrides), ...]``.
SweepSpec = tuple[list[tuple[str, list[Any]]], list[tuple[tuple[Any, ...], dict[str, Any]]]]


def seeded(scenario: Scenario, seed: int) -> Scenario:
    """The scenario as a run on ``seed`` stores it: ``scenario`` with ``seed`` as its own ``seed``.

    Every Dataset stores its scenario so (a run's, a sweep's base, a
    study's): its ``seed`` is the one the run used, not one a ``seed=``
    argument overrode, and the stored scenario alone reproduces the run.

    Parameters
    ----------
    scenario : Scenario
        The scenario run.
    seed : int
        The seed the run used (:func:`dxsim.experiment.simulate.resolve_seed`).

    Returns
    -------
    Scenario
        ``scenario`` itself when its seed is ``seed``, else a copy with it.

    Examples
    --------
    >>> from dxsim.scenario import load_scenario
    >>> sc = load_scenario("small")
    >>> sc.seed, seeded(sc, 1).seed, seeded(sc, 7) is sc
    (7, 1, True)
    """
    return scenario if scenario.seed == seed else scenario.with_overrides({"seed": seed})


def sweep_attrs(scenario_toml: str, spec: SweepSpec, *, seed: int, version: str) -> dict[str, Any]:
    """The attributes of a sweep's Dataset: the base scenario, the seed, the version and the sweep.

    Parameters
    ----------
    scenario_toml : str
        The base scenario as TOML (``seeded(sc, seed).to_toml()``, or a store's
        manifest; a store of 0.5.1 may hold another seed, which :func:`scenario_of` overrides).
    spec : SweepSpec
        The sweep's dimensions and points.
    seed : int
        The seed every point ran on.
    version : str
        The dxsim version that ran it.
    """
    dims, points = spec
    base = parse_toml(scenario_toml, SCENARIO_ATTR)
    return {
        "scenario": scenario_toml,
        "scenario_name": str(base.get("name", "")),
        "seed": int(seed),
        "dxsim_version": version,
        "horizon_months": int(base["horizon_months"]),
        "sweep": json.dumps({"dims": [[n, list(v)] for n, v in dims], "points": [o for _, o in points]}, default=str),
    }


def with_point_overrides(ds: xr.Dataset, spec: SweepSpec) -> xr.Dataset:
    """``ds`` (a sweep, its dimensions in product order) with each point's overrides as a coordinate."""
    dims, points = spec
    shape = [len(values) for _, values in dims]
    text = np.array([json.dumps(o, sort_keys=True, default=str) for _, o in points], dtype=object).reshape(shape)
    coord = xr.DataArray(
        text,
        dims=[name for name, _ in dims],
        attrs={"units": "1", "long_name": "the point's overrides of the base scenario (JSON: dotted path -> value)"},
    )
    return ds.assign_coords({OVERRIDES: coord})


def point_overrides(ds: xr.Dataset) -> dict[str, Any] | None:
    """The overrides of the one sweep point ``ds`` holds; None for a plain run.

    Raises
    ------
    ValueError
        When ``ds`` holds several sweep points: select one first.
    """
    if "sweep" not in ds.attrs:
        return None
    several = [str(d) for d in sweep_dims(ds) if ds.sizes[d] > 1]
    if several:
        raise ValueError(
            f"the Dataset holds several sweep points (dimensions {', '.join(several)}); "
            "select one, e.g. ds.sel(" + ", ".join(f"{d}=..." for d in several) + ")"
        )
    if OVERRIDES in ds.coords:
        return dict(json.loads(str(ds.coords[OVERRIDES].values.reshape(-1)[0])))
    return _overrides_from_attrs(ds)


def _overrides_from_attrs(ds: xr.Dataset) -> dict[str, Any]:
    """A point's overrides from ``attrs["sweep"]`` and its coordinates (stores written before 0.3)."""
    sweep = json.loads(ds.attrs["sweep"])
    names = [str(n) for n, _ in sweep["dims"]]
    combos = list(itertools.product(*(values for _, values in sweep["dims"])))
    here = tuple(_scalar(ds.coords[n]) for n in names)
    for combo, overrides in zip(combos, sweep["points"], strict=True):
        if all(_same(a, b) for a, b in zip(combo, here, strict=True)):
            return dict(overrides)
    raise ValueError(f"no point of the sweep has coordinates {dict(zip(names, here, strict=True))}")


def _scalar(coord: xr.DataArray) -> Any:
    values = np.asarray(coord.values).reshape(-1)
    return values[0].item() if hasattr(values[0], "item") else values[0]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def scenario_of(ds: xr.Dataset, *, base: bool = False) -> Scenario:
    """The scenario a Dataset was computed from: a run's, or one sweep point's.

    Parameters
    ----------
    ds : xarray.Dataset
        A run, or one point of a sweep (``sw.sel(dim=value, ...)``).
    base : bool
        For a sweep, the base scenario the points override (whatever ``ds`` holds).

    Returns
    -------
    Scenario
        For a sweep point, the base scenario with that point's overrides.  Its
        ``seed`` is the run's, ``attrs["seed"]`` (also for files of dxsim 0.5.1
        and before, whose stored scenario may hold another), so
        ``dx.simulate(scenario_of(ds), replications=R)`` reproduces ``ds``.

    Raises
    ------
    ValueError
        ``ds`` holds several sweep points and ``base`` is false, or has no
        scenario (a text attribute), or a seed that is not a whole number from
        0 to 2**64 - 1.
    ScenarioError
        The stored scenario is not valid TOML, nests too deep, or does not
        validate (each line starts ``attribute 'scenario'``).

    Examples
    --------
    >>> import dxsim as dx
    >>> sw = dx.sweep("small", {"contract.platform_discount": [0.0, 0.2]}, replications=1, seed=1)
    >>> scenario_of(sw.sel({"contract.platform_discount": 0.2})).contract.platform_discount
    0.2
    >>> scenario_of(sw, base=True).contract.platform_discount
    0.1
    >>> dx.load_scenario("small").seed, scenario_of(sw, base=True).seed  # the seed the sweep ran on
    (7, 1)
    """
    if "scenario" not in ds.attrs or not isinstance(ds.attrs["scenario"], str):
        raise ValueError("not a dxsim results Dataset (no scenario in its attributes)")
    sc = scenario_from_dict(parse_toml(ds.attrs["scenario"], SCENARIO_ATTR), source=SCENARIO_ATTR, from_results=True)
    overrides = None if base else point_overrides(ds)
    sc = sc.with_overrides(overrides) if overrides else sc
    return seeded(sc, check_seed(ds.attrs["seed"], "attribute 'seed'")) if "seed" in ds.attrs else sc
