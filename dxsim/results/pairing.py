"""The paired counterfactual inside a run's Dataset: attach it once, read it back, never run it again.

A programme run and its counterfactual (the same scenario without public money,
:func:`dxsim.scenario.variants.counterfactual`, on the same seed: common random
numbers) are compared by every appraisal.  :func:`attach_counterfactual` keeps
what the comparison needs of the counterfactual inside the run's Dataset, so
one file holds both worlds; :func:`counterfactual_of` gives it back as a
Dataset of its own.

Layout inside the run's Dataset:

* every variable of the counterfactual without a ``platform`` dimension, as
  ``counterfactual_<name>`` (attributes unchanged); its ``adopter`` and
  ``applicant`` dimensions become ``counterfactual_adopter`` and
  ``counterfactual_applicant`` (the two worlds sign different contracts); its
  ``batch`` dimension is not kept (the counterfactual has no batches, and the
  one variable over it, ``admitted``, has a ``platform`` dimension);
* its non-dimension coordinates (a sweep's ``overrides``) as
  ``counterfactual_<name>``;
* every attribute of the counterfactual as ``counterfactual_<key>``, among them
  ``counterfactual_scenario`` (its scenario as TOML) and ``counterfactual_seed``.

The dimensions ``replication``, ``month``, ``industry``, ``party`` and any sweep
dimensions are shared with the run, so selecting replications or a sweep point
of the run selects the same of its counterfactual.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping

import numpy as np
import xarray as xr

__all__ = ["PREFIX", "attach_counterfactual", "counterfactual_of"]

#: Prefix of the counterfactual's variables, coordinates, dimension and attributes inside a run's Dataset.
PREFIX = "counterfactual_"
#: The counterfactual's variables with this dimension are left out (platform series are not needed to appraise).
_LEFT_OUT_DIM = "platform"
#: The counterfactual's own dimensions: renamed with the prefix (its contracts, applicants and uncertain paths are its own).
_OWN_DIMS = ("adopter", "applicant", "uncertain")


def _check_pair(ds: xr.Dataset, cf: xr.Dataset) -> None:
    """Raise unless ``cf`` can be the counterfactual of ``ds``: same seed, months, industries and sweep points."""
    if not isinstance(cf, xr.Dataset) or not isinstance(cf.attrs.get("scenario"), str):
        raise ValueError("the counterfactual must be a dxsim results Dataset (a scenario in its attributes)")
    if ds.attrs.get("seed") != cf.attrs.get("seed"):
        raise ValueError(
            f"the counterfactual must share the run's seed (common random numbers): "
            f"{cf.attrs.get('seed')} != {ds.attrs.get('seed')}"
        )
    missing = np.setdiff1d(ds["replication"].values, cf["replication"].values)
    if len(missing):
        raise ValueError(f"the counterfactual lacks replications {missing.tolist()} of the run")
    for dim in cf.dims:
        if dim in (*_OWN_DIMS, _LEFT_OUT_DIM, "batch", "replication"):
            continue
        if dim not in ds.dims:
            raise ValueError(f"the counterfactual has a dimension {dim!r} the run has not")
        if not np.array_equal(ds[dim].values, cf[dim].values):
            raise ValueError(f"the counterfactual's {dim} differ from the run's")


def _drop_counterfactual(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` without an attached counterfactual (variables, coordinates, dimension, attributes)."""
    names = [n for n in ds.variables if str(n).startswith(PREFIX)]
    out = ds.drop_vars(names)
    out.attrs = {k: v for k, v in ds.attrs.items() if not str(k).startswith(PREFIX)}
    return out


def attach_counterfactual(ds: xr.Dataset, cf: xr.Dataset) -> xr.Dataset:
    """``ds`` with its counterfactual ``cf`` inside (see the module notes for the layout).

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (:func:`dxsim.simulate`) or a sweep (:func:`dxsim.sweep`).
    cf : xarray.Dataset
        Its counterfactual on the same seed, with (at least) the replications
        of ``ds``; for a sweep, either one counterfactual for every point (no
        sweep dimension) or a sweep over the same points.  A counterfactual
        already attached to ``ds`` is replaced.

    Returns
    -------
    xarray.Dataset
        ``ds`` (its variables and attributes unchanged) plus every variable of
        ``cf`` without a ``platform`` dimension as ``counterfactual_<name>``,
        ``cf``'s ``adopter`` and ``applicant`` dimensions renamed
        ``counterfactual_adopter`` and ``counterfactual_applicant``, and
        ``cf``'s attributes as ``counterfactual_<key>`` (among them
        ``counterfactual_scenario``, its scenario as TOML).

    Raises
    ------
    ValueError
        ``cf`` is not a results Dataset, or differs from ``ds`` in seed,
        months, industries, parties or sweep points, or lacks a replication of ``ds``.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> ds = dx.simulate(sc, replications=2, seed=1)
    >>> both = attach_counterfactual(ds, dx.simulate(dx.counterfactual(sc), replications=2, seed=1))
    >>> float(both["counterfactual_public_money"].sum()), both.attrs["counterfactual_scenario_name"]
    (0.0, 'small (counterfactual)')
    """
    _check_pair(ds, cf)
    base = _drop_counterfactual(ds)
    kept = [name for name, var in cf.data_vars.items() if _LEFT_OUT_DIM not in var.dims]
    part = cf[kept].sel(replication=ds["replication"].values)
    part = part.drop_vars([c for c in part.coords if _LEFT_OUT_DIM in part[c].dims or c == _LEFT_OUT_DIM])
    renamed: dict[Hashable, str] = {name: f"{PREFIX}{name}" for name in kept}
    renamed.update({c: f"{PREFIX}{c}" for c in part.coords if c not in part.dims})
    renamed.update({dim: f"{PREFIX}{dim}" for dim in _OWN_DIMS if dim in part.dims})
    part = part.rename(renamed)
    part.attrs = {}
    out = xr.merge([base, part], join="exact", compat="equals", combine_attrs="override")
    out.attrs = {**base.attrs, **{f"{PREFIX}{k}": v for k, v in cf.attrs.items()}}
    return out


def _sweep_dims_of(attrs: Mapping[str, object]) -> list[str]:
    """The sweep dimensions named in a counterfactual's ``sweep`` attribute (none for a plain run)."""
    text = attrs.get("sweep")
    return [str(name) for name, _ in json.loads(text)["dims"]] if isinstance(text, str) else []


def counterfactual_of(ds: xr.Dataset) -> xr.Dataset | None:
    """The counterfactual attached to ``ds`` (:func:`attach_counterfactual`) as a Dataset of its own.

    Parameters
    ----------
    ds : xarray.Dataset
        A run, a sweep or any selection of them (replications, a sweep point).

    Returns
    -------
    xarray.Dataset or None
        The counterfactual's variables under their own names (those without a
        ``platform`` dimension), its ``adopter`` and ``applicant`` dimensions and its attributes
        (``scenario``, ``seed``, ...), with the replications (and sweep point)
        selected in ``ds``; None when ``ds`` holds no counterfactual.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> ds = dx.simulate(sc, replications=2, seed=1, counterfactual=True)
    >>> cf = counterfactual_of(ds.isel(replication=[1]))
    >>> cf.attrs["scenario_name"], cf["replication"].values.tolist(), counterfactual_of(cf) is None
    ('small (counterfactual)', [1], True)
    """
    if f"{PREFIX}scenario" not in ds.attrs:
        return None
    attrs = {str(k)[len(PREFIX) :]: v for k, v in ds.attrs.items() if str(k).startswith(PREFIX)}
    names = [n for n in ds.data_vars if str(n).startswith(PREFIX)]
    part = ds[names]
    own = set(_sweep_dims_of(attrs))
    drop = [c for c in part.coords if not str(c).startswith(PREFIX) and c not in part.dims and c not in own]
    part = part.drop_vars(drop)
    part = part.rename(
        {n: str(n)[len(PREFIX) :] for n in [*names, *part.coords, *part.dims] if str(n).startswith(PREFIX)}
    )
    part.attrs = attrs
    return part
