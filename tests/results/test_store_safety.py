"""Sweep stores are safe: one writer at a time (a second is refused naming the holder, a dead
holder's lock is taken over), temporary blocks are removed only by their owner, and a missing or
damaged chunk is one ``StoreError`` naming the block, never NaN data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import xarray as xr

import dxsim as dx
from dxsim.results.blockstore import CHECKSUMS, block_checksums
from dxsim.results.store import LOCK, StoreError, SweepStore, open_sweep, verify_sweep

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
DISCOUNT = "contract.platform_discount"


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> dx.Scenario:
    assert "horizon_months = 60" in SMALL
    path = tmp_path_factory.mktemp("sc") / "small12.toml"
    path.write_text(SMALL.replace("horizon_months = 60", "horizon_months = 12"), encoding="utf-8")
    return dx.load_scenario(path)


def run(sc: dx.Scenario, store: Path, **kw) -> xr.Dataset:
    return dx.sweep(sc, {DISCOUNT: [0.0, 0.1]}, replications=2, block_size=1, seed=3, store=store, **kw)


@pytest.fixture(scope="module")
def whole(short, tmp_path_factory) -> Path:
    """An uninterrupted store."""
    store = tmp_path_factory.mktemp("whole") / "S.zarr"
    run(short, store)
    return store


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_second_writer_is_refused_while_the_first_runs(short, whole, tmp_path, monkeypatch):
    store = tmp_path / "S.zarr"
    written, go = threading.Event(), threading.Event()
    write = SweepStore.write

    def slow_write(self, point, block, ds):
        write(self, point, block, ds)
        written.set()
        assert go.wait(60)

    monkeypatch.setattr(SweepStore, "write", slow_write)
    first: dict[str, object] = {}
    thread = threading.Thread(target=lambda: first.update(out=run(short, store)))
    thread.start()
    try:
        assert written.wait(60)
        before = sorted(p.name for p in store.iterdir())
        with pytest.raises(StoreError) as err:
            run(short, store, resume=True)
        message = str(err.value)
        assert "\n" not in message
        assert message.startswith(f"{store}: in use by pid {os.getpid()} on {socket.gethostname()} since ")
        assert sorted(p.name for p in store.iterdir()) == before  # the refused writer touched nothing
    finally:
        go.set()
        thread.join(120)
    assert "out" in first
    assert not (store / LOCK).exists()  # released when the sweep ends
    assert sorted(p.name for p in store.iterdir()) == sorted(p.name for p in whole.iterdir())
    assert (store / "manifest.json").read_text() == (whole / "manifest.json").read_text()
    for record in whole.glob("blocks/p*-b*.json"):  # the same chunks, byte for byte
        assert (store / "blocks" / record.name).read_text() == record.read_text()
    xr.testing.assert_identical(open_sweep(store).load(), open_sweep(whole).load())


def test_lock_is_released_on_error(short, tmp_path, monkeypatch):
    store = tmp_path / "S.zarr"

    def fail(self, point, block, ds):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SweepStore, "write", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(short, store)
    assert not (store / LOCK).exists()


def test_stale_lock_is_taken_over_and_only_dead_writers_blocks_removed(short, whole, tmp_path):
    store = tmp_path / "S.zarr"
    store.mkdir()
    pid = dead_pid()
    host = socket.gethostname()
    (store / LOCK).write_text(json.dumps({"pid": pid, "host": host, "since": "then"}), encoding="utf-8")
    dead = store / f".p00000.zarr.{pid}.abc"
    alive = store / f".p00001.zarr.{os.getppid()}.abc"  # a live process's group: not ours to remove
    dead.mkdir()
    alive.mkdir()
    run(short, store, resume=True)
    assert not (store / LOCK).exists() and not dead.exists() and alive.exists()
    alive.rmdir()
    xr.testing.assert_identical(open_sweep(store).load(), open_sweep(whole).load())


def test_lock_of_a_live_process_or_another_host_is_kept(short, tmp_path):
    store = tmp_path / "S.zarr"
    store.mkdir()
    for holder in ({"pid": os.getppid(), "host": socket.gethostname()}, {"pid": dead_pid(), "host": "elsewhere"}):
        lock = {**holder, "since": "2026-01-01T00:00:00+00:00"}
        (store / LOCK).write_text(json.dumps(lock), encoding="utf-8")
        with pytest.raises(StoreError, match=rf"in use by pid {holder['pid']} on {holder['host']} since 2026-01-01"):
            run(short, store, resume=True)
        assert json.loads((store / LOCK).read_text(encoding="utf-8")) == lock
        assert not (store / "manifest.json").exists()


def copy_of(whole: Path, tmp_path: Path) -> Path:
    import shutil

    store = tmp_path / "S.zarr"
    shutil.copytree(whole, store)
    return store


def a_chunk(store: Path, record: str) -> Path:
    """A chunk file of a data variable written by the block of ``record`` (not metadata)."""
    keys = json.loads((store / "blocks" / record).read_text(encoding="utf-8"))["chunks"]
    return store / f"{record[:6]}.zarr" / next(k for k in sorted(keys) if k.startswith("price_paid/"))


def test_missing_chunk_is_one_line_naming_the_block(whole, tmp_path):
    store = copy_of(whole, tmp_path)
    a_chunk(store, "p00001-b00000.json").unlink()
    with pytest.raises(StoreError) as err:
        open_sweep(store)
    message = str(err.value)
    assert "\n" not in message and "p00001.zarr block 0" in message and "missing" in message


def flip(chunk: Path) -> None:
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0xFF
    chunk.write_bytes(bytes(data))


def test_corrupt_chunk_is_one_line_naming_the_block_when_read(whole, tmp_path):
    """Opening reads no chunk (it stays fast); reading the damaged one, or verifying, names its block."""
    store = copy_of(whole, tmp_path)
    flip(a_chunk(store, "p00000-b00001.json"))
    ds = open_sweep(store)
    ds["adopters"].load()  # undamaged chunks read as they are
    for read in (lambda: ds["price_paid"].load(), lambda: verify_sweep(store)):
        with pytest.raises(StoreError) as err:
            read()
        message = str(err.value)
        assert "\n" not in message and "p00000.zarr block 1" in message and "checksum differs" in message
    verify_sweep(whole)


def test_chunk_of_another_size_or_a_lost_record(whole, tmp_path):
    store = copy_of(whole, tmp_path)
    chunk = a_chunk(store, "p00001-b00001.json")
    chunk.write_bytes(chunk.read_bytes() + b"x")
    with pytest.raises(StoreError, match=r"p00001\.zarr block 1 \(price_paid/.*bytes, not"):
        open_sweep(store)
    (store / "blocks" / "p00001-b00001.json").write_text("{", encoding="utf-8")
    with pytest.raises(StoreError, match=r"p00001-b00001\.json: damaged block record"):
        open_sweep(store)


def old_store(path: Path, whole: Path, *, checksums: bool) -> Path:
    """A store in the block layout of dxsim 0.4.0, of the same sweep as ``whole``."""
    path.mkdir()
    manifest = json.loads((whole / "manifest.json").read_text(encoding="utf-8"))
    del manifest["store_layout"]
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    sweep = open_sweep(whole).load()
    for p, discount in enumerate(sweep[DISCOUNT].values):
        point = sweep.sel({DISCOUNT: discount}, drop=True).drop_vars("overrides", errors="ignore")
        for b in range(2):
            block = point.isel(replication=[b]).dropna("adopter", how="all", subset=["price_paid"])
            name = path / f"p{p:05d}-b{b:05d}.zarr"
            block.to_zarr(name, consolidated=True, zarr_format=2)
            if checksums:
                sums = "".join(f"{d}  {n}\n" for n, d in block_checksums(name).items())
                (name / CHECKSUMS).write_text(sums, encoding="utf-8")
    return path


@pytest.mark.parametrize("checksums", [True, False])
def test_a_store_of_0_4_0_opens_and_is_not_resumed(short, whole, tmp_path, checksums):
    store = old_store(tmp_path / "old.zarr", whole, checksums=checksums)
    got, want = open_sweep(store).load(), open_sweep(whole).load()
    xr.testing.assert_identical(got.drop_attrs(deep=False), want.drop_attrs(deep=False))
    with pytest.raises(StoreError, match=r"dxsim 0\.4\.0") as err:
        run(short, store, resume=True)
    assert "\n" not in str(err.value)
    if checksums:
        flip(next(f for f in sorted((store / "p00001-b00000.zarr" / "price_paid").iterdir()) if f.name[0] != "."))
        with pytest.raises(StoreError, match=r"p00001-b00000\.zarr: damaged block \(price_paid/.* checksum differs"):
            open_sweep(store)
