"""Zarr stores for sweeps: results streamed block by block, resumable, never half-written.

A sweep store is a directory holding ``manifest.json`` (what the sweep is:
base scenario, points, seed, replications, block size, dxsim version) and
one zarr store per finished block of replications of one point,
``p00003-b00002.zarr``.  A block is written under a temporary name and
renamed when complete, so a reader (or a resumed sweep) never sees a
half-written block; a resumed sweep runs only the blocks that are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from dxsim.atomic import atomic_path

__all__ = ["StoreError", "SweepStore"]

MANIFEST = "manifest.json"


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
            for stale in self.path.glob(".p*-b*.zarr.*"):  # blocks an interrupted run was writing
                shutil.rmtree(stale, ignore_errors=True)
        else:
            if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
                raise StoreError(f"{self.path}: exists and is not a dxsim sweep store")
            self.path.mkdir(parents=True, exist_ok=True)
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
        """Write one block atomically: a temporary directory, then a rename."""
        final = self.path / self.block_name(point, block)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=self.path))
        try:
            ds.to_zarr(tmp / "data.zarr", mode="w", consolidated=True, zarr_format=2)
            os.replace(tmp / "data.zarr", final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def open_block(self, point: int, block: int) -> xr.Dataset:
        """A stored block, lazily."""
        return xr.open_zarr(self.path / self.block_name(point, block), consolidated=True)

    def open_point(self, point: int, blocks: int) -> xr.Dataset:
        """All blocks of a point, concatenated along ``replication`` (lazily; adopters padded with NaN)."""
        parts = [self.open_block(point, b) for b in range(blocks)]
        if len(parts) == 1:
            return parts[0]
        return xr.concat(
            parts, dim="replication", join="outer", data_vars="minimal", coords="minimal", compat="override"
        )


def blocks_of(replications: int, block_size: int) -> Sequence[range]:
    """Replication ranges of the blocks: ``[range(0, b), range(b, 2b), ...]``."""
    return [range(lo, min(lo + block_size, replications)) for lo in range(0, replications, block_size)]
