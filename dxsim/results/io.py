"""Result files: one writer (netCDF, atomic) and one reader (a run's netCDF file or a sweep store).

``dxsim run`` writes a netCDF file with :func:`write_netcdf`; ``dxsim sweep``
writes a store directory (:mod:`dxsim.results.store`).  :func:`open_results`
reads either back; :func:`read_run` reads a file that must hold a single run.
"""

from __future__ import annotations

import json
from pathlib import Path

import xarray as xr

from dxsim.atomic import atomic_path
from dxsim.results.provenance import SCENARIO_ATTR, scenario_of
from dxsim.results.schema import RUN_DIMS, VARIABLES, upgrade
from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.limits import check_seed
from dxsim.scenario.schema import Scenario

__all__ = ["check_results", "open_results", "read_run", "with_financing_cost", "write_netcdf"]


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to netCDF (h5netcdf) atomically: a temporary file, then a rename.

    A crash or an interrupt never leaves a partial file at ``path``.  The
    file is built in memory and then written with plain Python I/O, so that a
    full disk or a file-size limit is an ``OSError`` like any other: when
    HDF5 itself meets a failed write, it cannot close the file, and h5py
    crashed the interpreter (a segmentation fault) when it freed the file's
    objects.  The cost is one copy of the file in memory while it is written.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        The file cannot be written (nothing is left at ``path`` or beside it).
    """
    target = Path(path)
    data = ds.to_netcdf(engine="h5netcdf")  # bytes in memory: HDF5 never writes to the disk itself
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def check_results(ds: xr.Dataset) -> None:
    """Raise unless ``ds`` is a dxsim results Dataset whose provenance matches its data.

    Its attributes hold a scenario (TOML text that validates) and a seed (a
    whole number from 0 to 2**64 - 1), it has ``adopters``, and the stored
    scenario has the data's months, industries and platforms: a file whose
    attributes were edited is refused rather than reported on.

    Raises
    ------
    TypeError
        ``ds`` is not an xarray Dataset.
    ValueError
        One line naming the attribute or the dimension: not dxsim results, or
        provenance that does not match the data.
    """
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    if "scenario" not in ds.attrs or "seed" not in ds.attrs or "adopters" not in ds:
        raise ValueError(_not_results(ds))
    try:
        check_seed(ds.attrs["seed"], "attribute 'seed'")
    except ValueError as err:
        raise ValueError(_short(str(err), 200)) from None
    if not isinstance(ds.attrs["scenario"], str):
        raise ValueError(f"{SCENARIO_ATTR}: must be TOML text, got {type(ds.attrs['scenario']).__name__}")
    _check_sweep_attr(ds.attrs.get("sweep"))
    try:
        sc = scenario_of(ds, base=True)
    except ScenarioError as err:
        more = f" (and {len(err.lines) - 1} more)" if len(err.lines) > 1 else ""
        raise ValueError(err.lines[0] + more) from None
    _check_shape(ds, sc)


def _not_results(ds: xr.Dataset) -> str:
    """What ``ds`` is instead of a run or a sweep, and what to do with it: one line (no path)."""
    missing = [name for name in ("scenario", "seed") if name not in ds.attrs]
    if missing:
        return f"not a dxsim results file (no {' and '.join(missing)} in its attributes)"
    if "objectives" in ds.attrs and "evaluation" in ds.dims:
        n = ds.sizes["evaluation"]
        return (
            f"an optimisation result (dxsim optimize, {n} design{'s' * (n != 1)}), not a run or a sweep: read it "
            "with xarray.open_dataset (docs/optimize.md); to report a design, set its levers in the scenario, "
            "dxsim run it and report that file"
        )
    if ds.attrs.get("method") in ("sobol", "morris") and "bounds" in ds.attrs:
        return (
            "sensitivity indices (dxsim sensitivity), not a run or a sweep: read them with xarray.open_dataset "
            "and draw them with dxsim.plot.sensitivity"
        )
    return "not a dxsim results file (no variable adopters: not what dxsim run or dxsim sweep writes)"


def _check_sweep_attr(text: object) -> None:
    """A sweep's ``attrs["sweep"]`` (None for a run) is JSON text with ``dims`` and ``points`` lists."""
    if text is None:
        return
    try:
        sweep = json.loads(text) if isinstance(text, str) else None
        ok = isinstance(sweep, dict) and all(isinstance(sweep.get(k), list) for k in ("dims", "points"))
    except (ValueError, RecursionError):  # JSON errors are ValueErrors; RecursionError: nested too deep
        ok = False
    if not ok:
        raise ValueError(f"attribute 'sweep': not the JSON of a sweep's dims and points, got {_short(text)}")


def _check_shape(ds: xr.Dataset, sc: Scenario) -> None:
    """The stored scenario has the data's months, industries and platforms (one line naming the first that differs)."""
    stored: dict[str, tuple[str, int | list[str], int | list[str] | None]] = {
        "month": ("horizon_months", sc.horizon_months, ds.sizes.get("month")),
        "industry": ("industries", [i.name for i in sc.resolved_industries], _labels(ds, "industry")),
        "platform": ("platforms", [p.name for p in sc.resolved_platforms], _labels(ds, "platform")),
    }
    for dim, (field, want, got) in stored.items():
        if got is not None and got != want:
            raise ValueError(
                f"{SCENARIO_ATTR}: {field} does not match the data's {dim} dimension "
                f"(the scenario has {_count(want)}, the data {_count(got)})"
            )


def _labels(ds: xr.Dataset, dim: str) -> list[str] | None:
    return [str(v) for v in ds[dim].values] if dim in ds.coords else None


def _count(x: int | list[str]) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{len(x):,}: {_short(x)}"


def _short(value: object, most: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= most else text[: most - 3] + "..."


def open_results(path: str | Path) -> xr.Dataset:
    """What ``dxsim run`` (a netCDF file) or ``dxsim sweep`` (a store directory) wrote.

    A netCDF file is read into memory; a sweep store is opened lazily
    (:func:`dxsim.results.store.open_sweep`).

    Raises
    ------
    ValueError
        One line naming the path: missing, neither netCDF nor a sweep store,
        not dxsim results, an unfinished or damaged sweep, or provenance
        that does not match the data (:func:`check_results`).
    """
    from dxsim.results.store import open_sweep  # zarr loads only for a store

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or directory")
    if path.is_dir():
        ds = open_sweep(path)
    else:
        try:
            with xr.open_dataset(path, engine="h5netcdf") as f:
                ds = upgrade(f.load())
        except Exception as err:  # h5py and xarray raise OSError, ValueError, KeyError, ... on foreign files
            raise ValueError(f"{path}: not a netCDF file ({type(err).__name__})") from None
    try:
        check_results(ds)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    return with_financing_cost(ds)


def with_financing_cost(ds: xr.Dataset) -> xr.Dataset:
    """A run written before 0.5.1 with ``financing_cost`` rebuilt from its receivables (others as they are).

    The platforms pay ``cost_of_capital`` / 12 on what they are owed at each
    month's end (docs/model.md, "Platforms' own costs and income tax"), so
    the receivables and the stored scenario give the monthly
    ``financing_cost`` (yuan / month) exactly.  A sweep (each point with its
    own scenario) is left as it is.
    """
    if "financing_cost" in ds.variables or "receivables" not in ds.variables or "scenario" not in ds.attrs:
        return ds
    if set(ds["receivables"].dims) - set(RUN_DIMS):
        return ds
    rate = xr.DataArray([p.cost_of_capital for p in scenario_of(ds).resolved_platforms], dims="platform")
    financing = (rate / 12.0 * ds["receivables"].clip(min=0.0)).sum("platform")
    units, long_name = VARIABLES["financing_cost"][1:]
    return ds.assign(financing_cost=financing.assign_attrs(units=units, long_name=long_name))


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
