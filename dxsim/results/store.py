"""Zarr stores for sweeps: results streamed block by block, resumable, never half-written.

A sweep store is a directory holding ``manifest.json`` (what the sweep is:
base scenario, points, seed, replications, block size, dxsim version) and
one zarr store per finished block of replications of one point,
``p00003-b00002.zarr``.  A block is written under a temporary name and
renamed when complete, so a reader (or a resumed sweep) never sees a
half-written block; a resumed sweep runs only the blocks that are missing.

One writer at a time: a writer holds the lock file ``.lock`` (its pid, host
and start time) for as long as it runs, and a second writer is refused with
one line saying who holds it; a lock left by a dead process on the same host
is taken over.  Temporary blocks carry their writer's pid
(``.p00003-b00002.zarr.<pid>.<random>``); only their writer, or the taker of
a stale lock, removes them.  Every block holds the SHA-256 of each of its
files (``checksums.sha256``, written into the block before its rename), checked
when the block is opened: a missing or damaged chunk is one
:class:`StoreError` naming the block, never NaN data.  Stores written before
checksums existed (no ``checksums.sha256`` in any block) open unchecked; a
block without one in a store whose other blocks have one is damaged.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import xarray as xr

from dxsim.atomic import atomic_path
from dxsim.results.provenance import SweepSpec, sweep_attrs, with_point_overrides
from dxsim.results.schema import RAGGED_DIMS, upgrade
from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.limits import MAX_NESTING, check_replications, check_seed, nesting_depth
from dxsim.scenario.load import parse_toml
from dxsim.scenario.schema import scenario_from_dict

__all__ = [
    "StoreError",
    "SweepStore",
    "block_checksums",
    "blocks_of",
    "combine_points",
    "open_sweep",
    "pad_adopters",
    "renumber",
    "take_lock",
    "verify_block",
]

MANIFEST = "manifest.json"
LOCK = ".lock"
CHECKSUMS = "checksums.sha256"


class StoreError(ValueError):
    """A store that cannot be used for this sweep (one line, names the path)."""


class SweepStore:
    """A directory of per-block zarr stores with a manifest.

    Parameters
    ----------
    path : str or Path
        The store's directory (``sweep.zarr``).
    manifest : dict
        What the sweep is; a resumed sweep must have the same manifest.
    resume : bool
        Continue a sweep whose store exists; without it an existing store is
        an error (nothing a user computed is overwritten).
    """

    def __init__(self, path: str | Path, manifest: dict[str, Any], *, resume: bool = False) -> None:
        self.path = Path(path)
        self.manifest = json.loads(json.dumps(manifest, sort_keys=True, default=str))
        self._locked = False
        self._create_or_resume(resume)

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release the store's lock (a writer holds it from its creation; a reader never does)."""
        if self._locked:
            self._locked = False
            (self.path / LOCK).unlink(missing_ok=True)

    @classmethod
    def reader(cls, path: str | Path, manifest: dict[str, Any]) -> SweepStore:
        """A store opened for reading only: no lock taken, no manifest written, no stale block removed."""
        store = cls.__new__(cls)
        store.path, store.manifest, store._locked = Path(path), manifest, False
        return store

    def _create_or_resume(self, resume: bool) -> None:
        try:
            _make_directory(self.path)  # atomic: of two creators, one makes it; the other finds it locked or made
        except FileExistsError:
            if not self.path.is_dir():
                raise StoreError(f"{self.path}: exists and is not a dxsim sweep store") from None
            if not (self.path / MANIFEST).exists() and not all(_is_ours(e.name) for e in self.path.iterdir()):
                raise StoreError(f"{self.path}: exists and is not a dxsim sweep store") from None
        stale = take_lock(self.path / LOCK)
        self._locked = True
        try:
            self._check_or_write_manifest(resume)
            _remove_temporary_blocks(self.path, stale)
        except BaseException:
            self.close()
            raise

    def _check_or_write_manifest(self, resume: bool) -> None:
        existing = self.path / MANIFEST
        if existing.exists():
            if not resume:
                raise StoreError(
                    f"{self.path}: the store exists; resume it (--resume, resume=True) or choose another path"
                )
            stored = json.loads(existing.read_text(encoding="utf-8"))
            if stored != self.manifest:
                differ = sorted(k for k in set(stored) | set(self.manifest) if stored.get(k) != self.manifest.get(k))
                raise StoreError(f"{self.path}: the store holds a different sweep (differs in: {', '.join(differ)})")
        else:
            with atomic_path(existing) as tmp:
                tmp.write_text(json.dumps(self.manifest, indent=1, sort_keys=True), encoding="utf-8")

    @staticmethod
    def block_name(point: int, block: int) -> str:
        """File name of a block's zarr store."""
        return f"p{point:05d}-b{block:05d}.zarr"

    def has(self, point: int, block: int) -> bool:
        """True when the block is complete in the store."""
        return (self.path / self.block_name(point, block)).is_dir()

    def write(self, point: int, block: int, ds: xr.Dataset) -> None:
        """Write one block atomically: a temporary directory named by this process, checksums, then a rename."""
        final = self.path / self.block_name(point, block)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", dir=self.path))
        try:
            data = tmp / "data.zarr"
            ds.to_zarr(data, mode="w", consolidated=True, zarr_format=2)
            lines = "".join(f"{digest}  {name}\n" for name, digest in block_checksums(data).items())
            (data / CHECKSUMS).write_text(lines, encoding="utf-8")
            os.replace(data, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def open_block(self, point: int, block: int) -> xr.Dataset:
        """A stored block, lazily, after its checksums are checked (variables of earlier versions renamed).

        Raises
        ------
        StoreError
            One line naming the block when a file is missing or its bytes
            differ from the checksum written with the block.  A block written
            before checksums existed opens unchecked.
        """
        path = self.path / self.block_name(point, block)
        verify_block(path)
        return upgrade(xr.open_zarr(path, consolidated=True))

    def open_point(self, point: int, blocks: int) -> xr.Dataset:
        """All blocks of a point, concatenated along ``replication`` (lazily; adopters and applicants padded with NaN).

        Blocks have different numbers of adopters (and applicants); they are padded to the
        longest (:func:`pad_adopters`) rather than aligned by an outer join,
        whose masks xarray builds as numpy arrays inside the dask graph: with
        100 blocks of ``national`` that held about 2 GiB in memory.  The
        result is the same.
        """
        parts = [self.open_block(point, b) for b in range(blocks)]
        if len(parts) == 1:
            return parts[0]
        padded = pad_adopters(parts)
        out = xr.concat(
            padded, dim="replication", join="override", data_vars="minimal", coords="minimal", compat="override"
        )
        return renumber(out)


def pad_adopters(parts: Sequence[xr.Dataset]) -> list[xr.Dataset]:
    """Datasets padded to the longest of each ragged dimension, without its coordinate.

    The ragged dimensions (:data:`~dxsim.results.schema.RAGGED_DIMS`) are
    ``adopter`` and ``applicant``, padded with NaN, and ``batch`` (sweep
    points may have different numbers of batches), padded with 0 (a padded
    batch admitted no platform); a part without one (a file of an earlier
    version) is left as it is.  The same as aligning them by an outer join on
    ``adopter`` (whose coordinate is ``0, 1, ...`` in every part), without
    the masks that the join builds as numpy arrays inside a dask graph.  Lazy
    parts come out as one chunk along each ragged dimension: zarr chunks
    every block differently, and concatenating parts whose chunks differ
    makes dask unify them in a large graph (17 s and 0.9 GiB for 100 blocks
    of 10 ``national`` replications; 0.7 s and 0.05 GiB as one chunk).
    Number them with :func:`renumber` after combining them.
    """
    out = list(parts)
    for dim, fill in RAGGED_DIMS.items():
        longest = max((p.sizes.get(dim, 0) for p in out), default=0)
        out = [_pad(p, dim, longest, fill) if dim in p.dims else p for p in out]
    chunked = []
    for q in out:
        lazy = any(v.chunks is not None for v in q.variables.values())  # Dataset.chunks refuses mixed chunks
        chunked.append(q.chunk({d: -1 for d in RAGGED_DIMS if d in q.dims}) if lazy else q)
    return chunked


def _pad(part: xr.Dataset, dim: str, length: int, fill: float) -> xr.Dataset:
    """``part`` without the coordinate of ``dim``, padded with ``fill`` to ``length`` along it.

    A lazy variable with nothing along ``dim`` (no applicant in a block) is
    loaded first: it holds no values, and dask cannot pad an empty chunk.
    """
    part = part.drop_vars(dim, errors="ignore")
    if part.sizes[dim] == length:
        return part
    if part.sizes[dim] == 0:
        part = part.assign({name: var.load() for name, var in part.data_vars.items() if dim in var.dims})
    return part.pad({dim: (0, length - part.sizes[dim])}, constant_values=fill)


def renumber(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the coordinates of its ragged dimensions numbered ``0, 1, ...`` again (after :func:`pad_adopters`)."""
    return ds.assign_coords({d: np.arange(ds.sizes[d]) for d in RAGGED_DIMS if d in ds.dims})


def _make_directory(path: Path) -> None:
    """``os.mkdir``, creating missing parents first (FileExistsError if ``path`` exists)."""
    try:
        os.mkdir(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path)


def take_lock(lock: Path) -> dict[str, Any] | None:
    """Take a store's lock file atomically; the stale lock taken over, if any.

    The lock (``{"pid", "host", "since"}`` as JSON) is written to a
    temporary file and hard-linked to ``lock``, which fails if the lock
    exists: the lock never exists half-written.  A lock whose process is not
    alive on this host is taken over; any other is refused.

    Raises
    ------
    StoreError
        ``{store}: in use by pid N on HOST since TIME``.
    """
    mine = {"pid": os.getpid(), "host": socket.gethostname(), "since": datetime.datetime.now().astimezone().isoformat()}
    fd, name = tempfile.mkstemp(prefix=f"{lock.name}.{os.getpid()}.", suffix=".tmp", dir=lock.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(mine, f)
        stale = None
        for _ in range(3):
            try:
                os.link(name, lock)
                return stale
            except FileExistsError:
                holder = _read_lock(lock)
                if holder is None or not _is_stale(holder):
                    break
                stale = holder
                _remove_if_unchanged(lock, holder)
        holder = _read_lock(lock) or {}
        who = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} since {holder.get('since', '?')}"
        raise StoreError(f"{lock.parent}: in use by {who} (lock file {lock.name})")
    finally:
        os.unlink(name)


def _read_lock(lock: Path) -> dict[str, Any] | None:
    """A lock's owner, or None if the lock vanished; an unreadable lock is a live one of unknown owner."""
    try:
        holder = json.loads(lock.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _is_stale(holder: dict[str, Any]) -> bool:
    """True when the lock's process is dead on this host (a lock of another host is never stale here)."""
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0 or holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else
        return False
    return False


def _remove_if_unchanged(lock: Path, holder: dict[str, Any]) -> None:
    """Remove a stale lock, unless another taker replaced it meanwhile (then put that one back)."""
    moved = lock.with_name(f"{lock.name}.{os.getpid()}.stale")
    try:
        os.rename(lock, moved)
    except FileNotFoundError:
        return
    if _read_lock(moved) != holder:
        try:
            os.link(moved, lock)  # someone's fresh lock: restore it, unless a newer one exists
        except FileExistsError:
            pass
    moved.unlink(missing_ok=True)


TEMPORARY = re.compile(r"\.p\d{5}-b\d{5}\.zarr\.(?:(\d+)\.)?|\.lock\.(\d+)\.")


def _is_ours(name: str) -> bool:
    """True for the lock and the temporary entries a writer makes (found in a store without a manifest)."""
    return name == LOCK or TEMPORARY.match(name) is not None


def _remove_temporary_blocks(store: Path, stale: dict[str, Any] | None) -> None:
    """Remove temporary entries of the stale lock's process, of dead processes, and unnamed ones of old versions."""
    for tmp in store.iterdir():
        found = TEMPORARY.match(tmp.name)
        if found is None:
            continue
        digits = found.group(1) or found.group(2)
        pid = int(digits) if digits else None
        dead = pid is not None and _is_stale({"pid": pid, "host": socket.gethostname()})
        if pid is None or dead or (stale is not None and pid == stale.get("pid")):
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


def block_checksums(block: Path) -> dict[str, str]:
    """SHA-256 of every file of a zarr block, by path relative to it (sorted; the checksum file excluded)."""
    out = {}
    for f in sorted(p for p in block.rglob("*") if p.is_file()):
        name = f.relative_to(block).as_posix()
        if name != CHECKSUMS:
            out[name] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def verify_block(block: Path) -> None:
    """Check a block's files against its ``checksums.sha256`` (none: a block of an earlier version, unchecked).

    Raises
    ------
    StoreError
        One line naming the block and the first missing, damaged or unexpected file.
    """
    try:
        text = (block / CHECKSUMS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, ValueError) as err:
        raise StoreError(f"{block}: damaged block (unreadable {CHECKSUMS}: {type(err).__name__})") from None
    want = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        want[name] = digest
    try:
        got = block_checksums(block)
    except OSError as err:
        raise StoreError(f"{block}: damaged block ({type(err).__name__}: {err.strerror})") from None
    for name in sorted(set(want) | set(got)):
        if name not in got:
            problem = "missing"
        elif name not in want:
            problem = "not in its checksums"
        elif got[name] != want[name]:
            problem = "checksum differs"
        else:
            continue
        raise StoreError(f"{block}: damaged block ({name} {problem}); delete it and resume the sweep (--resume)")


def blocks_of(replications: int, block_size: int) -> Sequence[range]:
    """Replication ranges of the blocks: ``[range(0, b), range(b, 2b), ...]``."""
    return [range(lo, min(lo + block_size, replications)) for lo in range(0, replications, block_size)]


def combine_points(parts: list[xr.Dataset], spec: SweepSpec) -> xr.Dataset:
    """Points (in product order) into one Dataset with the sweep's dimensions in front.

    Points have different numbers of adopters: they are padded to the longest
    (:func:`pad_adopters`, the same as an outer join, without its masks in the
    dask graph of a store's points).  Each point's overrides are kept as the
    coordinate ``overrides`` (:func:`dxsim.results.provenance.with_point_overrides`).
    """
    dims, _ = spec
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
    return with_point_overrides(renumber(out), spec)


def _read_manifest(path: Path) -> tuple[dict[str, Any], SweepSpec, Sequence[range]]:
    """The manifest of a store, its sweep spec and its blocks (one-line StoreError naming the manifest's field)."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path}: not a dxsim sweep store (no {MANIFEST})") from None
    except RecursionError:
        raise StoreError(f"{path}: {MANIFEST}: nested deeper than {MAX_NESTING} levels") from None
    except (OSError, ValueError) as err:  # JSON errors are ValueErrors
        raise StoreError(f"{path}: unreadable {MANIFEST} ({type(err).__name__}: {err})") from None
    try:
        dims, points, replications, block_size = _manifest_fields(manifest)
    except (ValueError, KeyError, TypeError) as err:
        field = f"{err.args[0]}: missing" if isinstance(err, KeyError) else str(err)
        raise StoreError(f"{path}: {MANIFEST}: {field}") from None
    combos = list(itertools.product(*(values for _, values in dims)))
    spec: SweepSpec = (dims, [(c, dict(o)) for c, o in zip(combos, points, strict=True)])
    return manifest, spec, blocks_of(replications, block_size)


def _manifest_fields(manifest: Any) -> tuple[list[tuple[str, list[Any]]], list[Any], int, int]:
    """``(dims, points, replications, block_size)`` of a manifest, checked before anything is allocated.

    Raises ValueError or TypeError starting with the field's name, KeyError
    naming a missing field.
    """
    if not isinstance(manifest, dict) or nesting_depth(manifest) > MAX_NESTING:
        raise ValueError(f"not a table of at most {MAX_NESTING} levels")
    check_seed(manifest["seed"])
    check_replications(manifest["replications"])
    check_replications(manifest["block_size"], "block_size")
    dims = [(str(name), list(values)) for name, values in manifest["dims"]]
    points = manifest["points"]
    if not isinstance(points, list) or len(points) != math.prod(len(v) for _, v in dims) or not points:
        raise ValueError(f"points: {len(points)} points for dimensions of sizes {[len(v) for _, v in dims]}")
    if not isinstance(manifest["scenario"], str):
        raise TypeError(f"scenario: must be TOML text, got {type(manifest['scenario']).__name__}")
    try:
        scenario_from_dict(parse_toml(manifest["scenario"], "scenario"), source="scenario")
    except ScenarioError as err:
        raise ValueError(err.lines[0]) from None
    return dims, points, manifest["replications"], manifest["block_size"]


def open_sweep(path: str | Path) -> xr.Dataset:
    """A finished sweep store, read back as the Dataset :func:`dxsim.sweep` returned (lazily; nothing runs).

    Raises
    ------
    StoreError
        One line naming the path: not a directory, no readable manifest,
        blocks missing (an interrupted sweep: finish it with ``--resume``), or
        a block whose files do not match its checksums, or without checksums
        in a store whose other blocks have them (one line naming the block;
        stores written before checksums, none in any block, are not checked).
    """
    path = Path(path)
    if not path.is_dir():
        raise StoreError(f"{path}: not a directory, so not a dxsim sweep store")
    manifest, spec, blocks = _read_manifest(path)
    n_points = len(spec[1])
    store = SweepStore.reader(path, manifest)
    keys = [(p, b) for p in range(n_points) for b in range(len(blocks))]
    names = [store.block_name(p, b) for p, b in keys]
    missing = sum(not store.has(p, b) for p, b in keys)
    if missing:
        raise StoreError(
            f"{path}: unfinished sweep ({len(names) - missing} of {len(names)} blocks); "
            "finish it with dxsim sweep ... --resume"
        )
    unchecked = [name for name in names if not (path / name / CHECKSUMS).exists()]
    if 0 < len(unchecked) < len(names):  # a block that lost its checksums would open unchecked
        raise StoreError(
            f"{path / unchecked[0]}: damaged block ({CHECKSUMS} missing, which the store's other blocks have); "
            "delete it and resume the sweep (--resume)"
        )
    try:
        out = combine_points([store.open_point(p, len(blocks)) for p in range(n_points)], spec)
    except StoreError:
        raise
    except Exception as err:  # zarr and xarray raise many kinds of errors on damaged blocks
        first = str(err).splitlines()[0] if str(err) else ""
        raise StoreError(f"{path}: unreadable blocks ({type(err).__name__}: {first})") from None
    out.attrs.update(
        sweep_attrs(
            manifest["scenario"], spec, seed=int(manifest["seed"]), version=str(manifest.get("dxsim_version", "?"))
        )
    )
    return out
