"""Zarr stores for sweeps: one zarr group per point, written block by block, resumable, opened at once.

A sweep store is a directory holding ``manifest.json`` (what the sweep is:
base scenario, points, seed, replications, block size, dxsim version and
``store_layout`` 2), one zarr group per point, ``p00003.zarr``, and one record
per finished block of replications, ``blocks/p00003-b00002.json``.

A point's group is made (under a temporary name, then renamed) when its first
block is written, with every replication of the sweep along ``replication``
(chunked by ``block_size``, so a block is its own chunks) and the ragged
dimensions (:data:`~dxsim.results.schema.RAGGED_DIMS`) padded to a fixed
length: half again the first block's longest (``batch``: its length).  Each
block is written into its region of the group by xarray (``to_zarr(region=)``),
then its record is written atomically: the block's lengths along the ragged
dimensions, and the size and SHA-256 of each chunk file it wrote.  A block is
finished when its record exists, so a reader or a resumed sweep never counts
a half-written block, and a resumed sweep writes only the blocks without a
record (a killed block is written again into the same chunks).  A block
longer than its group's padded length is rare (the length has half again
the first block's): the group's arrays are then resized by zarr, with room
again, before the block is written.

Integrity: opening checks that every record exists and every chunk file it
names exists with its size (``stat``, no byte read); each chunk's bytes are
checked against its SHA-256 when the chunk is read (:class:`CheckedStore`),
so a missing or damaged chunk is one :class:`StoreError` naming the block,
never NaN data.  :func:`verify_sweep` reads and checks every chunk at once.

One writer at a time: a writer holds the lock file ``.lock`` (its pid, host
and start time) for as long as it runs, and a second writer is refused with
one line saying who holds it; a lock left by a dead process on the same host
is taken over.  Temporary groups carry their writer's pid
(``.p00003.zarr.<pid>.<random>``); only their writer, or the taker of a
stale lock, removes them.  Stores of dxsim 0.4.0 (one zarr store per block,
:mod:`dxsim.results.blockstore`) still open; they cannot be resumed.
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
import zarr
from zarr.abc.store import ByteRequest
from zarr.core.buffer import Buffer, BufferPrototype
from zarr.storage import LocalStore

from dxsim.atomic import atomic_path
from dxsim.results.blockstore import BlockError, block_checksums, is_block_store, open_blocks, verify_block
from dxsim.results.combine import combine_points, pad_adopters, pad_dim, renumber
from dxsim.results.provenance import SweepSpec, sweep_attrs
from dxsim.results.schema import RAGGED_DIMS, upgrade
from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.limits import MAX_NESTING, check_replications, check_seed, nesting_depth
from dxsim.scenario.load import parse_toml
from dxsim.scenario.schema import scenario_from_dict

__all__ = [
    "CheckedStore",
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
    "verify_sweep",
]

MANIFEST = "manifest.json"
LOCK = ".lock"
BLOCKS = "blocks"
#: The layout this version writes (``store_layout`` in the manifest); 0.4.0's block layout has none.
LAYOUT = 2
#: Padded length of a ragged dimension in a new group, relative to its first block's (room for the rest).
HEADROOM = 1.5


class StoreError(ValueError):
    """A store that cannot be used for this sweep (one line, names the path)."""


class SweepStore:
    """A directory of one zarr group per point, written block by block, with a manifest.

    Parameters
    ----------
    path : str or Path
        The store's directory (``sweep.zarr``).
    manifest : dict
        What the sweep is; a resumed sweep must have the same manifest.  It
        holds ``replications`` and ``block_size`` (whole numbers), which fix
        the length and the chunks of every point's ``replication``.
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
        """A store opened for reading only: no lock taken, no manifest written, no stale group removed."""
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
            _remove_temporary_groups(self.path, stale)
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
            if "store_layout" not in stored and is_block_store(self.path):
                raise StoreError(
                    f"{self.path}: a store of dxsim 0.4.0 (one zarr store per block): it opens, but only "
                    "dxsim 0.4.0 resumes it; or run the sweep again into a new store"
                )
            if stored != self.manifest:
                differ = sorted(k for k in set(stored) | set(self.manifest) if stored.get(k) != self.manifest.get(k))
                raise StoreError(f"{self.path}: the store holds a different sweep (differs in: {', '.join(differ)})")
        else:
            with atomic_path(existing) as tmp:
                tmp.write_text(json.dumps(self.manifest, indent=1, sort_keys=True), encoding="utf-8")

    @staticmethod
    def point_name(point: int) -> str:
        """Directory name of a point's zarr group."""
        return f"p{point:05d}.zarr"

    @staticmethod
    def record_name(point: int, block: int) -> str:
        """Path of a finished block's record, relative to the store."""
        return f"{BLOCKS}/p{point:05d}-b{block:05d}.json"

    def has(self, point: int, block: int) -> bool:
        """True when the block is complete in the store (its record exists)."""
        return (self.path / self.record_name(point, block)).is_file()

    def _blocks(self) -> Sequence[range]:
        return blocks_of(int(self.manifest["replications"]), int(self.manifest["block_size"]))

    def write(self, point: int, block: int, ds: xr.Dataset) -> None:
        """Write one block into its region of the point's group, then its record (atomically).

        ``ds`` holds the block's replications (``blocks_of(...)[block]``).
        The group is made when the point's first block is written; a block
        longer than the group's padded length grows it first.
        """
        reps = self._blocks()[block]
        if list(ds["replication"].values) != list(reps):
            raise ValueError(f"block {block} holds replications {reps.start}..{reps.stop - 1}")
        group = self.path / self.point_name(point)
        sizes = {d: int(ds.sizes[d]) for d in RAGGED_DIMS if d in ds.dims}
        if not group.is_dir():
            _make_group(group, ds, sizes, int(self.manifest["replications"]), int(self.manifest["block_size"]))
        lengths = _fit(group, sizes)
        for dim, fill in RAGGED_DIMS.items():
            if dim in ds.dims:
                ds = pad_dim(ds, dim, lengths[dim], fill)
        # The group has the replication numbers (written with it): only the block's own chunks are written.
        ds = ds.drop_vars([n for n, v in ds.variables.items() if "replication" not in v.dims or n == "replication"])
        ds.to_zarr(group, region={"replication": slice(reps.start, reps.stop)}, zarr_format=2, write_empty_chunks=True)
        record = {"replications": [reps.start, reps.stop], "sizes": sizes, "chunks": _chunk_files(group, block)}
        with atomic_path(self.path / self.record_name(point, block)) as tmp:
            tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")

    def records(self, point: int, blocks: int) -> list[dict[str, Any]]:
        """The records of a point's blocks (one-line StoreError naming a missing or unreadable one)."""
        out = []
        for b in range(blocks):
            name = self.path / self.record_name(point, b)
            try:
                record = json.loads(name.read_text(encoding="utf-8"))
                _ = record["sizes"], record["chunks"].items()
            except FileNotFoundError:
                raise StoreError(f"{name}: missing; resume the sweep (--resume)") from None
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
                raise StoreError(f"{name}: damaged block record ({type(err).__name__}); delete it and resume") from None
            out.append(record)
        return out

    def open_point(self, point: int, blocks: int) -> xr.Dataset:
        """A point's replications (lazily, every chunk checked when read), its ragged dimensions cut to its longest block.

        Raises
        ------
        StoreError
            One line naming the block whose record is missing or damaged, or
            a chunk file of which is missing or of another size.
        """
        records = self.records(point, blocks)
        group = self.path / self.point_name(point)
        digests: dict[str, str] = {}
        owner: dict[str, str] = {}
        for b, record in enumerate(records):
            name = f"{self.point_name(point)} block {b}"
            for key, (size, digest) in record["chunks"].items():
                try:
                    found = (group / key).stat().st_size
                except OSError:
                    raise StoreError(f"{self.path}: damaged {name} ({key} missing); resume the sweep") from None
                if found != size:
                    raise StoreError(f"{self.path}: damaged {name} ({key}: {found} bytes, not {size})")
                digests[key], owner[key] = digest, f"{self.path}: damaged {name}"
        ds = upgrade(xr.open_zarr(CheckedStore(group, digests, owner), consolidated=True))
        longest = {d: max(int(r["sizes"].get(d, 0)) for r in records) for d in RAGGED_DIMS if d in ds.dims}
        return renumber(ds.isel({d: slice(0, n) for d, n in longest.items()}))


class CheckedStore(LocalStore):
    """A local zarr store whose chunks are checked against their SHA-256 when read.

    Parameters
    ----------
    root : Path
        The zarr group's directory.
    digests : dict
        ``{key: sha256}`` of the chunks to check (other keys are read as they are).
    owner : dict
        ``{key: message}``: the start of the error for a damaged chunk (names its block).
    """

    def __init__(self, root: Path, digests: dict[str, str], owner: dict[str, str]) -> None:
        super().__init__(root, read_only=True)
        self.digests, self.owner = digests, owner

    async def get(
        self, key: str, prototype: BufferPrototype | None = None, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        """The bytes of ``key``; StoreError (naming the block) if a chunk's differ from its SHA-256, or it is gone."""
        buf = await super().get(key, prototype, byte_range)
        want = self.digests.get(key)
        if want is None or byte_range is not None:
            return buf
        if buf is None:
            raise StoreError(f"{self.owner[key]} ({key} missing); resume the sweep")
        if hashlib.sha256(buf.to_bytes()).hexdigest() != want:
            raise StoreError(f"{self.owner[key]} ({key} checksum differs); delete its record and resume the sweep")
        return buf


def _make_group(group: Path, first: xr.Dataset, sizes: dict[str, int], total: int, size: int) -> None:
    """A point's zarr group, metadata only, under a temporary name then renamed.

    ``total`` replications along ``replication``, chunked by ``size`` (the
    block size), the ragged dimensions padded to :func:`_room`; the values
    come with the blocks (``to_zarr(region=)``).
    """
    lazy = first.assign({n: v.chunk() for n, v in first.data_vars.items() if "replication" in v.dims})
    for dim, fill in RAGGED_DIMS.items():
        if dim in lazy.dims:
            lazy = pad_dim(lazy, dim, _room(dim, sizes[dim]), fill)
    template = lazy.isel(replication=np.zeros(total, dtype=int)).assign_coords(replication=np.arange(total))
    chunks = {"replication": size, **{d: max(1, template.sizes[d]) for d in RAGGED_DIMS if d in template.dims}}
    template = template.chunk(chunks)
    tmp = Path(tempfile.mkdtemp(prefix=f".{group.name}.{os.getpid()}.", dir=group.parent))
    try:
        template.to_zarr(tmp / "g.zarr", mode="w", compute=False, consolidated=True, zarr_format=2)
        static = [n for n, v in first.data_vars.items() if "replication" not in v.dims]
        first[static].to_zarr(tmp / "g.zarr", mode="r+", zarr_format=2)  # what compute=False leaves unwritten
        os.replace(tmp / "g.zarr", group)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _room(dim: str, length: int) -> int:
    """Padded length of a ragged dimension whose longest block so far is ``length`` (``batch``: ``length``)."""
    return length if dim == "batch" else max(16, math.ceil(length * HEADROOM))


def _fit(group: Path, sizes: dict[str, int]) -> dict[str, int]:
    """The group's padded lengths, grown (zarr ``resize``, then consolidated metadata) where ``sizes`` exceed them.

    The lengths are the longest over the group's arrays, so a writer killed
    while resizing is completed by the next.
    """
    root = zarr.open_group(group, mode="r+", use_consolidated=False, zarr_format=2)
    arrays = [(a, _dims(a.attrs.get("_ARRAY_DIMENSIONS"))) for _, a in root.arrays()]
    lengths, stale = {}, False
    consolidated = xr.open_zarr(group, consolidated=True).sizes
    for dim, need in sizes.items():
        have = max((a.shape[d.index(dim)] for a, d in arrays if dim in d), default=0)
        lengths[dim] = have if need <= have else _room(dim, need)
        for a, d in arrays:
            if dim in d and a.shape[d.index(dim)] < lengths[dim]:
                a.resize(tuple(lengths[dim] if x == dim else n for x, n in zip(d, a.shape, strict=True)))
        stale = stale or consolidated.get(dim) != lengths[dim]
    if stale:
        zarr.consolidate_metadata(group, zarr_format=2)
    return lengths


def _dims(value: object) -> list[str]:
    """An array's dimension names from its ``_ARRAY_DIMENSIONS`` attribute (xarray's, in zarr format 2)."""
    return [str(d) for d in value] if isinstance(value, list) else []


def _chunk_files(group: Path, block: int) -> dict[str, list[Any]]:
    """``{key: [size, sha256]}`` of the chunk files of a block (index ``block`` along ``replication``)."""
    out: dict[str, list[Any]] = {}
    for var in sorted(p for p in group.iterdir() if p.is_dir()):
        dims = _dims(json.loads((var / ".zattrs").read_text(encoding="utf-8")).get("_ARRAY_DIMENSIONS"))
        if "replication" not in dims:
            continue
        axis = dims.index("replication")
        for chunk in sorted(var.iterdir()):
            parts = chunk.name.split(".")
            if not chunk.name.startswith(".") and len(parts) == len(dims) and parts[axis] == str(block):
                data = chunk.read_bytes()
                out[f"{var.name}/{chunk.name}"] = [len(data), hashlib.sha256(data).hexdigest()]
    return out


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


TEMPORARY = re.compile(r"\.p\d{5}(?:-b\d{5})?\.zarr\.(?:(\d+)\.)?|\.lock\.(\d+)\.")


def _is_ours(name: str) -> bool:
    """True for the lock and the temporary entries a writer makes (found in a store without a manifest)."""
    return name == LOCK or TEMPORARY.match(name) is not None


def _remove_temporary_groups(store: Path, stale: dict[str, Any] | None) -> None:
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


def blocks_of(replications: int, block_size: int) -> Sequence[range]:
    """Replication ranges of the blocks: ``[range(0, b), range(b, 2b), ...]``."""
    return [range(lo, min(lo + block_size, replications)) for lo in range(0, replications, block_size)]


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
    if manifest.get("store_layout", LAYOUT) != LAYOUT:
        raise ValueError(f"store_layout: {manifest['store_layout']!r}, written by a later dxsim; open it with that one")
    dims = [(str(name), list(values)) for name, values in manifest["dims"]]
    points = manifest["points"]
    if not isinstance(points, list) or len(points) != math.prod(len(v) for _, v in dims) or not points:
        raise ValueError(f"points: {len(points)} points for dimensions of sizes {[len(v) for _, v in dims]}")
    if not isinstance(manifest["scenario"], str):
        raise TypeError(f"scenario: must be TOML text, got {type(manifest['scenario']).__name__}")
    try:
        scenario_from_dict(parse_toml(manifest["scenario"], "scenario"), source="scenario", from_results=True)
    except ScenarioError as err:
        raise ValueError(err.lines[0]) from None
    return dims, points, manifest["replications"], manifest["block_size"]


def open_sweep(path: str | Path) -> xr.Dataset:
    """A finished sweep store, read back as the Dataset :func:`dxsim.sweep` returned (lazily; nothing runs).

    Opening reads the manifest, the blocks' records and the groups' metadata,
    and checks that every chunk file a record names exists with its size; the
    bytes of a chunk are checked against their SHA-256 when it is read
    (:class:`CheckedStore`).  A store of dxsim 0.4.0 (one zarr store per
    block) opens too, every byte checked (:mod:`dxsim.results.blockstore`).

    Raises
    ------
    StoreError
        One line naming the path: not a directory, no readable manifest,
        blocks missing (an interrupted sweep: finish it with ``--resume``), or
        a block whose record or chunk files are missing or damaged.  Reading
        a damaged chunk raises it too, naming the block.

    Examples
    --------
    >>> import dxsim as dx, tempfile, pathlib
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 3})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.zarr"
    >>> _ = dx.sweep(sc, {"contract.platform_discount": [0.0, 0.1]}, replications=2, seed=1, store=path)
    >>> dict(open_sweep(path)["adopters"].sizes)["replication"]
    2
    """
    path = Path(path)
    if not path.is_dir():
        raise StoreError(f"{path}: not a directory, so not a dxsim sweep store")
    manifest, spec, blocks = _read_manifest(path)
    n_points = len(spec[1])
    try:
        if "store_layout" not in manifest and is_block_store(path):
            parts = open_blocks(path, n_points, len(blocks))
        else:
            parts = _open_points(SweepStore.reader(path, manifest), n_points, len(blocks))
        out = combine_points(parts, spec)
    except BlockError as err:
        raise StoreError(str(err)) from None
    except StoreError:
        raise
    except Exception as err:  # zarr and xarray raise many kinds of errors on damaged groups
        first = str(err).splitlines()[0] if str(err) else ""
        raise StoreError(f"{path}: unreadable groups ({type(err).__name__}: {first})") from None
    out.attrs.update(
        sweep_attrs(
            manifest["scenario"], spec, seed=int(manifest["seed"]), version=str(manifest.get("dxsim_version", "?"))
        )
    )
    return out


def _open_points(store: SweepStore, points: int, blocks: int) -> list[xr.Dataset]:
    """Every point of a finished store, lazily (one-line StoreError when blocks are missing)."""
    names = [store.record_name(p, b) for p in range(points) for b in range(blocks)]
    done = {f"{BLOCKS}/{n.name}" for n in (store.path / BLOCKS).glob("*.json")}
    missing = sum(n not in done for n in names)
    if missing:
        raise StoreError(
            f"{store.path}: unfinished sweep ({len(names) - missing} of {len(names)} blocks); "
            "finish it with dxsim sweep ... --resume"
        )
    return [store.open_point(p, blocks) for p in range(points)]


def verify_sweep(path: str | Path) -> None:
    """Read every chunk of a finished sweep store and check it against its SHA-256 (slow: every byte is read).

    Raises
    ------
    StoreError
        One line naming the first damaged block, as :func:`open_sweep`.

    Examples
    --------
    >>> import dxsim as dx, tempfile, pathlib
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 3})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.zarr"
    >>> _ = dx.sweep(sc, {"contract.platform_discount": [0.0]}, replications=2, seed=1, store=path)
    >>> verify_sweep(path)
    """
    path = Path(path)
    manifest, spec, blocks = _read_manifest(path)
    if "store_layout" not in manifest and is_block_store(path):
        open_sweep(path)  # a 0.4.0 store: every byte is checked on opening
        return
    store = SweepStore.reader(path, manifest)
    _open_points(store, len(spec[1]), len(blocks))  # records and sizes
    for p in range(len(spec[1])):
        for b, record in enumerate(store.records(p, len(blocks))):
            for key, (_, digest) in record["chunks"].items():
                data = (path / store.point_name(p) / key).read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    raise StoreError(
                        f"{path}: damaged {store.point_name(p)} block {b} ({key} checksum differs); "
                        "delete its record and resume the sweep"
                    )
