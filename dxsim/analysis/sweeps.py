"""Points of a sweep Dataset: walking them, and taking the one point an analysis needs.

A sweep Dataset (:func:`dxsim.sweep`) has a run's dimensions
(:data:`dxsim.results.schema.RUN_DIMS`) and one dimension per swept parameter
in front (:func:`dxsim.results.schema.sweep_dims`).  A point is one value of
each sweep dimension.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator

import xarray as xr

from dxsim.results.schema import sweep_dims

__all__ = ["one_point", "point_indices"]


def point_indices(ds: xr.Dataset) -> Iterator[dict[Hashable, int]]:
    """The positions of every point of a sweep, in product order (the last dimension fastest).

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep, or a single run (one point: ``{}``).

    Yields
    ------
    dict
        ``{sweep dimension: position}``, for ``ds.isel``.

    Examples
    --------
    >>> ds = xr.Dataset({"adopters": (("pr", "q", "replication"), [[[1], [2]]])})
    >>> list(point_indices(ds))
    [{'pr': 0, 'q': 0}, {'pr': 0, 'q': 1}]
    """
    dims = sweep_dims(ds)
    for idx in itertools.product(*(range(ds.sizes[d]) for d in dims)):
        yield dict(zip(dims, idx, strict=True))


def one_point(ds: xr.Dataset, func: str, *, instead: str = "use dxsim.summarize for every point") -> xr.Dataset:
    """``ds`` without its sweep dimensions of size one; an error if a sweep dimension has more points.

    Parameters
    ----------
    ds : xarray.Dataset
        A run, or one point of a sweep (sweep dimensions of size one).
    func : str
        The function that needs one point, named in the error.
    instead : str
        What to do for every point instead, said in the error.

    Returns
    -------
    xarray.Dataset
        ``ds`` with the run's dimensions only; the sweep's coordinates (and
        the point's ``overrides``) stay as scalar coordinates, so
        :func:`dxsim.scenario_of` still gives the point's scenario.

    Raises
    ------
    ValueError
        If a sweep dimension has more than one point; it names them and how to select one.

    Examples
    --------
    >>> ds = xr.Dataset({"adopters": (("pr", "replication"), [[1, 2], [3, 4]])}, coords={"pr": [0.8, 0.9]})
    >>> one_point(ds.isel(pr=[1]), "f")["adopters"].dims
    ('replication',)
    >>> one_point(ds, "f")
    Traceback (most recent call last):
    ValueError: f needs one scenario, but the Dataset has sweep dimensions {'pr': 2}; select a point first, e.g. ds.isel({'pr': 0}), or use dxsim.summarize for every point.
    """
    dims = sweep_dims(ds)
    many = {str(d): int(ds.sizes[d]) for d in dims if ds.sizes[d] > 1}
    if many:
        first = next(iter(many))
        raise ValueError(
            f"{func} needs one scenario, but the Dataset has sweep dimensions {many}; select a point first, "
            f"e.g. ds.isel({{{first!r}: 0}}), or {instead}."
        )
    return ds.squeeze(dims) if dims else ds
