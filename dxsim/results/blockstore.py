"""Sweep stores of dxsim 0.4.0 (one zarr store per block of replications), read only.

Such a store holds ``manifest.json`` and one zarr store per block of a
point, ``p00003-b00002.zarr``, each with the SHA-256 of each of its files
(``checksums.sha256``), checked when the block is opened: a missing or damaged
file is one :class:`~dxsim.results.store.StoreError` naming the block.  Stores
written before checksums existed (no ``checksums.sha256`` in any block) open
unchecked; a block without one in a store whose other blocks have one is
damaged.  Opening reads every byte of every block (about 0.1 s a block of 10
``national`` replications), which is why 0.5.0 writes one zarr group per
point instead (:mod:`dxsim.results.store`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import xarray as xr

from dxsim.results.combine import pad_adopters, renumber
from dxsim.results.schema import upgrade

__all__ = ["CHECKSUMS", "block_checksums", "block_name", "is_block_store", "open_blocks", "verify_block"]

CHECKSUMS = "checksums.sha256"


class BlockError(ValueError):
    """A damaged or missing block (one line naming it); :mod:`dxsim.results.store` reraises it as a StoreError."""


def block_name(point: int, block: int) -> str:
    """File name of a block's zarr store."""
    return f"p{point:05d}-b{block:05d}.zarr"


def is_block_store(path: Path) -> bool:
    """True when ``path`` holds blocks of the 0.4.0 layout."""
    return (path / block_name(0, 0)).is_dir() or any(path.glob("p?????-b?????.zarr"))


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
    BlockError
        One line naming the block and the first missing, damaged or unexpected file.
    """
    try:
        text = (block / CHECKSUMS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, ValueError) as err:
        raise BlockError(f"{block}: damaged block (unreadable {CHECKSUMS}: {type(err).__name__})") from None
    want = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        want[name] = digest
    try:
        got = block_checksums(block)
    except OSError as err:
        raise BlockError(f"{block}: damaged block ({type(err).__name__}: {err.strerror})") from None
    for name in sorted(set(want) | set(got)):
        if name not in got:
            problem = "missing"
        elif name not in want:
            problem = "not in its checksums"
        elif got[name] != want[name]:
            problem = "checksum differs"
        else:
            continue
        raise BlockError(f"{block}: damaged block ({name} {problem}); delete it and resume the sweep (--resume)")


def open_blocks(path: Path, points: int, blocks: int) -> list[xr.Dataset]:
    """Each point of a 0.4.0 store: its blocks checked, padded and concatenated along ``replication`` (lazily).

    Raises
    ------
    BlockError
        One line naming the store (blocks missing) or the first damaged block.
    """
    names = [[path / block_name(p, b) for b in range(blocks)] for p in range(points)]
    flat = [n for row in names for n in row]
    missing = sum(not n.is_dir() for n in flat)
    if missing:
        raise BlockError(
            f"{path}: unfinished sweep ({len(flat) - missing} of {len(flat)} blocks); "
            "finish it with dxsim 0.4.0: dxsim sweep ... --resume"
        )
    unchecked = [n for n in flat if not (n / CHECKSUMS).exists()]
    if 0 < len(unchecked) < len(flat):  # a block that lost its checksums would open unchecked
        raise BlockError(
            f"{unchecked[0]}: damaged block ({CHECKSUMS} missing, which the store's other blocks have); "
            "delete it and resume the sweep (--resume)"
        )
    out = []
    for row in names:
        for n in row:
            verify_block(n)
        parts = [upgrade(xr.open_zarr(n, consolidated=True)) for n in row]
        if len(parts) == 1:
            out.append(parts[0])
            continue
        padded = pad_adopters(parts)
        joined = xr.concat(
            padded, dim="replication", join="override", data_vars="minimal", coords="minimal", compat="override"
        )
        out.append(renumber(joined))
    return out
