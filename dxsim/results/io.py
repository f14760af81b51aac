"""Result files: one writer (netCDF, atomic) and one reader (a run's netCDF file or a sweep store).

``dxsim run`` writes a netCDF file with :func:`write_netcdf`; ``dxsim sweep``
writes a store directory (:mod:`dxsim.results.store`).  :func:`open_results`
reads either back; :func:`read_run` reads a file that must hold a single run.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from dxsim.atomic import atomic_path
from dxsim.results.schema import RUN_DIMS, upgrade

__all__ = ["check_results", "open_results", "read_run", "write_netcdf"]


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to netCDF (h5netcdf) atomically: a temporary file, then a rename.

    A crash or an interrupt never leaves a partial file at ``path``.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
    return target


def check_results(ds: xr.Dataset) -> None:
    """Raise unless ``ds`` is a dxsim results Dataset (a scenario and a seed in its attrs, adopters).

    Raises
    ------
    TypeError
        ``ds`` is not an xarray Dataset.
    ValueError
        One line: not dxsim results.
    """
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    if "scenario" not in ds.attrs or "seed" not in ds.attrs or "adopters" not in ds:
        raise ValueError("not a dxsim results file (no scenario and seed in its attributes)")


def open_results(path: str | Path) -> xr.Dataset:
    """What ``dxsim run`` (a netCDF file) or ``dxsim sweep`` (a store directory) wrote.

    A netCDF file is read into memory; a sweep store is opened lazily
    (:func:`dxsim.results.store.open_sweep`).

    Raises
    ------
    ValueError
        One line naming the path: missing, neither netCDF nor a sweep store,
        not dxsim results, or an unfinished sweep.
    """
    from dxsim.results.store import open_sweep  # zarr loads only for a store

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or directory")
    if path.is_dir():
        return open_sweep(path)
    try:
        with xr.open_dataset(path, engine="h5netcdf") as f:
            ds = upgrade(f.load())
    except Exception as err:  # h5py and xarray raise OSError, ValueError, KeyError, ... on foreign files
        raise ValueError(f"{path}: not a netCDF file ({type(err).__name__})") from None
    try:
        check_results(ds)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    return ds


def read_run(path: str | Path) -> xr.Dataset:
    """Read a single run written with :func:`write_netcdf` into memory.

    Raises
    ------
    ValueError
        One line naming the file: missing, a directory, not netCDF, not a dxsim
        run (no scenario in its attrs), or a sweep (dimensions beyond a single run's).
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path}: is a directory, not a netCDF file")
    ds = open_results(path)
    extra = sorted(str(d) for d in set(ds["adopters"].dims) - RUN_DIMS)
    if extra:
        raise ValueError(f"{path}: holds a sweep (dimensions {', '.join(extra)}); compare single runs")
    return ds
