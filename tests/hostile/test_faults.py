"""Faults: a full disk, a file-size limit, SIGTERM and SIGKILL of the parent of a process pool.

A full disk or a file-size limit is one line and exit 2 from every command that writes (no
segmentation fault from HDF5, no "Exception ignored" from a zip file, no temporary file left);
SIGTERM ends a command like Ctrl-C (exit 143, temporary files removed); after SIGTERM or SIGKILL
of the parent, no worker of its pool stays alive.  Only these tests start ``dxsim`` as a separate
process (a file-size limit and a signal must not hit pytest itself).
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import xarray as xr
from cli_helpers import run_cli

import dxsim as dx
from dxsim.results.store import SweepStore

ROOT = Path(__file__).resolve().parents[2]
SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
#: Bytes a file may have under the file-size limit: far below any output of these commands.
LIMIT = 4096
#: Sweep dimensions that change little (a point cannot set the seed: every point runs on the sweep's).
ONE_POINT, TWO_POINTS = "contract.platform_discount=0.1", "contract.platform_discount=0.1,0.2"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits and signals")


def short(folder: Path) -> Path:
    """small over 6 months."""
    path = folder / "short.toml"
    path.write_text(SMALL.replace("horizon_months = 60", "horizon_months = 6"), encoding="utf-8")
    return path


def dxsim(*argv: str, limit: int | None = None, **popen) -> subprocess.Popen[str]:
    """``python -m dxsim ARGV`` of this source tree, with a file-size limit (bytes) if given."""

    def limited() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "dxsim", *argv],
        env=env,
        preexec_fn=limited,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def leftovers(folder: Path, before: set[str]) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name.startswith(".")) + sorted(
        set(os.listdir(folder)) - before
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    path = folder / "run.nc"
    dx.write_netcdf(dx.simulate(dx.load_scenario(short(folder)), replications=1, seed=1), path)
    return path


@pytest.mark.parametrize("command", ["run", "sweep", "compare", "report"])
def test_a_file_size_limit_is_one_line_and_exit_2(command, results, tmp_path):
    scenario = short(tmp_path)
    out = tmp_path / "out"
    argv = {
        "run": ["run", str(scenario), "-n", "1", "-o", f"{out}.nc"],
        "sweep": ["sweep", str(scenario), "--param", TWO_POINTS, "-n", "1", "-o", f"{out}.zarr"],
        "compare": ["compare", str(results), "--format", "xlsx", "-o", f"{out}.xlsx"],
        "report": ["report", str(results), "-o", f"{out}.html"],
    }[command]
    before = set(os.listdir(tmp_path))
    proc = dxsim(*argv, limit=LIMIT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, stderr
    assert stderr.splitlines() == [f"dxsim {command}: {out}{Path(argv[-1]).suffix}: cannot write: File too large"]
    made = leftovers(tmp_path, before)
    if command == "sweep":  # the store stays, resumable: its manifest, no block, no lock, no temporary block
        assert made == [f"{out.name}.zarr"] and os.listdir(f"{out}.zarr") == ["manifest.json"]
    else:
        assert made == []


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("command", ["run", "compare", "report"])
def test_a_full_disk_is_one_line_and_exit_2(command, results, tmp_path, capsys, monkeypatch):
    """Writes that fail with ENOSPC (as on a full disk) after the temporary file exists: nothing is left."""
    out = tmp_path / f"out.{ {'run': 'nc', 'compare': 'xlsx', 'report': 'html'}[command] }"
    argv = {
        "run": ["run", str(short(tmp_path)), "-n", "1", "-o", str(out)],
        "compare": ["compare", str(results), "--format", "xlsx", "-o", str(out)],
        "report": ["report", str(results), "-o", str(out)],
    }[command]
    before = set(os.listdir(tmp_path))
    monkeypatch.setattr(Path, "write_bytes", no_space)
    monkeypatch.setattr(Path, "write_text", no_space)
    status, _, err = run_cli(capsys, *argv)
    assert status == 2
    assert err.splitlines() == [f"dxsim {command}: {out}: cannot write: No space left on device"]
    assert leftovers(tmp_path, before) == []


def test_a_full_disk_during_a_sweep_leaves_a_resumable_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(xr.Dataset, "to_zarr", no_space)
    store = tmp_path / "s.zarr"
    status, _, err = run_cli(capsys, "sweep", str(short(tmp_path)), "--param", ONE_POINT, "-n", "1", "-o", str(store))
    assert status == 2 and err.splitlines() == [f"dxsim sweep: {store}: cannot write: No space left on device"]
    assert os.listdir(store) == ["manifest.json"]


def test_an_unwritable_output_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(SweepStore, "__init__", lambda *a, **k: pytest.fail("work started"))
    (tmp_path / "file").write_text("", encoding="utf-8")
    for argv, out in (
        (["run", "small", "-o"], tmp_path / "file" / "r.nc"),
        (["sweep", "small", "--param", ONE_POINT, "-o"], tmp_path / "file" / "s.zarr"),
        (["run", "small", "-o"], Path("/proc/dxsim-test.nc")),
    ):
        started = time.monotonic()
        status, _, err = run_cli(capsys, *argv, str(out))
        assert status == 2 and time.monotonic() - started < 5
        assert err.startswith(f"dxsim {argv[0]}: {out}: cannot write: ") and len(err.splitlines()) == 1


# --------------------------------------------------------------------------- signals and the process pool


def pool_workers(parent: psutil.Process, timeout: float = 60) -> list[psutil.Process]:
    """The descendants of ``parent`` once two loky workers run (waiting up to ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = parent.children(recursive=True)
        if sum("popen_loky" in " ".join(k.cmdline()) for k in kids) >= 2:
            return kids
        time.sleep(0.1)
    pytest.fail("the pool's workers did not start")


def alive(processes: list[psutil.Process]) -> list[int]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_worker_outlives_its_parent(sig, tmp_path):
    store = tmp_path / "s.zarr"
    proc = dxsim("sweep", "platform-pilot-2022", "--param", TWO_POINTS, "-n", "4", "--workers", "2", "-o", str(store))
    kids: list[psutil.Process] = []
    try:
        kids = pool_workers(psutil.Process(proc.pid))
        time.sleep(1)  # the workers are running replications
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
        deadline = time.monotonic() + 5
        while alive(kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alive(kids) == []
    finally:
        for pid in alive(kids):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
    if sig == signal.SIGTERM:  # a clean stop: exit 143, no temporary block, no lock; the store resumes
        assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in stderr
        assert f"dxsim sweep: interrupted; finished blocks are in {store}, continue with --resume" in stderr
        assert [p.name for p in store.iterdir() if p.name.startswith(".")] == []


def test_sigterm_during_a_run_leaves_no_file(tmp_path):
    out = tmp_path / "out.nc"
    proc = dxsim("run", "small", "-n", "200", "-o", str(out), cwd=tmp_path)
    time.sleep(4)  # imported, running
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.splitlines()[-1] == "dxsim: terminated"
    assert os.listdir(tmp_path) == []
