"""``dxsim sweep``: a sweep killed with SIGKILL part-way resumes to the store an uninterrupted run
writes (nothing lost, nothing run twice, no half-written block visible); bad input exits 2 with one
line and writes nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
from cli_helpers import run_cli

import dxsim as dx
import dxsim.experiment.sweep as experiment
from dxsim.cli import _value
from dxsim.results.store import SweepStore, blocks_of, open_sweep

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
DISCOUNT = "contract.platform_discount"


def scenario_file(tmp_path: Path, months: int) -> Path:
    """``small`` over a shorter horizon, as a file the CLI reads."""
    assert "horizon_months = 60" in SMALL
    path = tmp_path / f"small{months}.toml"
    path.write_text(SMALL.replace("horizon_months = 60", f"horizon_months = {months}"), encoding="utf-8")
    return path


def blocks_in(store: Path) -> dict[str, tuple[int, int]]:
    """Finished blocks (their records): name -> (inode, mtime), which change if a block is written again."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in store.glob("blocks/p*-b*.json")}


def chunks_of(store: Path, name: str) -> dict[str, tuple[int, int]]:
    """A finished block's chunk files: key -> (inode, mtime)."""
    group = store / f"{name[:6]}.zarr"
    keys = json.loads((store / "blocks" / name).read_text(encoding="utf-8"))["chunks"]
    return {k: ((group / k).stat().st_ino, (group / k).stat().st_mtime_ns) for k in keys}


# ---------------------------------------------------------------------------
# SIGKILL part-way, then --resume


def test_resume_after_sigkill(tmp_path, request):
    scenario = scenario_file(tmp_path, 12)
    points, reps, size, seed = 3, 6, 2, 4
    store = tmp_path / "S"

    def command(out: Path) -> list[str]:
        return [
            *(sys.executable, "-m", "dxsim", "sweep", str(scenario), "--param", f"{DISCOUNT}=0,0.1,0.2"),
            *("--replications", str(reps), "--block-size", str(size), "--seed", str(seed), "-o", str(out)),
        ]

    argv = command(store)
    total = points * len(blocks_of(reps, size))
    whole = tmp_path / "U"  # the uninterrupted run, started with the same code at the same time
    reference = subprocess.Popen(command(whole), stdout=subprocess.DEVNULL)
    request.addfinalizer(lambda: (reference.kill(), reference.wait()) if reference.poll() is None else None)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            done = len(blocks_in(store)) if store.is_dir() else 0
            writing = store.is_dir() and any(p.name.startswith(".p") for p in store.iterdir())
            # Prefer to kill while a block is being written; never wait past a third of the sweep.
            if (done >= 1 and writing) or done >= total // 3:
                break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""

    # What a reader sees: the manifest, one group per point begun, the records of complete blocks, and
    # temporary entries hidden behind a dot.
    finished = blocks_in(store)
    assert 1 <= len(finished) < total
    for entry in store.iterdir():
        assert entry.name in ("manifest.json", "blocks") or entry.name.startswith((".", "p")), entry
    chunks = {}
    for name in finished:
        p, b = int(name[1:6]), int(name[8:13])
        record = json.loads((store / "blocks" / name).read_text(encoding="utf-8"))
        assert record["replications"] == [blocks_of(reps, size)[b].start, blocks_of(reps, size)[b].stop], name
        assert p < points
        chunks[name] = chunks_of(store, name)

    # Resume: only the missing blocks run (the bar counts them), finished ones are not written again.
    resumed = subprocess.run([*argv, "--resume", "--progress"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    remaining = (total - len(finished)) * size
    assert f"{remaining}/{remaining}" in resumed.stderr
    assert f"{points} points" in resumed.stdout and f"{reps} replications" in resumed.stdout
    assert str(store) in resumed.stdout
    after = blocks_in(store)
    assert len(after) == total
    assert {name: after[name] for name in finished} == finished
    assert {name: chunks_of(store, name) for name in finished} == chunks  # their chunks not written again
    assert sorted(p.name for p in store.iterdir() if p.name.startswith(".")) == []  # leftovers cleared

    # The same store as the uninterrupted run: the same manifest, and every block identical.
    assert reference.wait(timeout=120) == 0
    assert (store / "manifest.json").read_text() == (whole / "manifest.json").read_text()
    assert sorted(after) == sorted(blocks_in(whole))
    for name in after:  # the same chunks, byte for byte
        assert (store / "blocks" / name).read_text() == (whole / "blocks" / name).read_text()
    xr.testing.assert_identical(open_sweep(store).load(), open_sweep(whole).load())


# ---------------------------------------------------------------------------
# the command line


@pytest.fixture
def short(tmp_path) -> Path:
    return scenario_file(tmp_path, 12)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("12", 12), ("0.1", 0.1), ("1e6", 1e6), ("true", True), ("False", False), ("upfront", "upfront")],
)
def test_values_parsed(text, value):
    got = _value(text)
    assert got == value and type(got) is type(value)


def test_sweep_grid_and_cases(capsys, tmp_path, short):
    case = tmp_path / "rs.toml"
    case.write_text(
        '[contract]\nplatform_discount = 0.2\npayment = { scheme = "revenue_share", rate = 0.4 }\n'
        "[programme.acceptance]\ndelay_months = 2\n",
        encoding="utf-8",
    )
    base = tmp_path / "base.toml"
    base.write_text("", encoding="utf-8")
    store = tmp_path / "s.zarr"
    status, out, err = run_cli(
        capsys,
        "sweep",
        str(short),
        "--param",
        "scheme:contract.payment.scheme=upfront,installments",
        "--param",
        "programme.rollover=true,false",
        "--case",
        f"base={base}",
        "--case",
        f"rs={case}",
        "-o",
        str(store),
        "-n",
        "1",
        "--seed",
        "2",
        "--block-size",
        "1",
    )
    assert status == 2  # installments needs its months
    assert err.count("\n") == 1 and "contract.payment" in err
    assert not store.exists()

    status, out, err = run_cli(
        capsys,
        "sweep",
        str(short),
        "--param",
        "rollover:programme.rollover=true,false",
        "--case",
        f"base={base}",
        "--case",
        f"rs={case}",
        "-o",
        str(store),
        "-n",
        "1",
        "--seed",
        "2",
    )
    assert status == 0, err
    assert out.strip() == f"small: 4 points (case 2 x rollover 2) x 1 replications, seed 2 -> {store}"
    # The store holds exactly the sweep these arguments mean: opening it with them runs nothing.
    ds = dx.sweep(
        dx.load_scenario(short),
        {"rollover": ("programme.rollover", [True, False])},
        cases={
            "base": {},
            "rs": {
                "contract.platform_discount": 0.2,
                "contract.payment": {"scheme": "revenue_share", "rate": 0.4},
                "programme.acceptance.delay_months": 2,
            },
        },
        replications=1,
        seed=2,
        store=store,
        resume=True,
    )
    assert ds["adopters"].dims[:3] == ("case", "rollover", "replication")
    assert list(ds["rollover"].values) == [True, False]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--param", "contract.no_such_field=1,2"], "contract.no_such_field"),
        (["--param", f"{DISCOUNT}=0.1,1.3"], "1.3"),
        (["--param", DISCOUNT], "--param"),
        (["--param", f"{DISCOUNT}=0.1", "--param", f"{DISCOUNT}=0.2"], "twice"),
        (["--param", f"platform_discount:{DISCOUNT}=0.1"], "platform_discount"),
        ([], "--param or --case"),
        (["--case", "a=missing.toml"], "missing.toml"),
        (["--param", f"{DISCOUNT}=0.1", "--replications", "0"], "--replications"),
    ],
)
def test_bad_sweep_exits_2_and_writes_nothing(capsys, monkeypatch, short, tmp_path, args, words):
    monkeypatch.setattr(experiment, "run_tasks", lambda *a, **k: pytest.fail("work started"))
    store = tmp_path / "s.zarr"
    status, out, err = run_cli(capsys, "sweep", str(short), *args, "-o", str(store))
    assert status == 2
    assert out == "" and err.count("\n") == 1 and words in err
    assert not store.exists()


def test_bad_case_file_named(capsys, short, tmp_path):
    case = tmp_path / "bad.toml"
    case.write_text("[contract]\nplatform_discount = 3\n", encoding="utf-8")
    store = tmp_path / "s.zarr"
    status, _, err = run_cli(capsys, "sweep", str(short), "--case", f"a={case}", "-o", str(store))
    assert status == 2
    assert err.startswith(f"{case}: contract.platform_discount") and err.count("\n") == 1
    assert not store.exists()


def test_output_is_required(capsys, short):
    status, _, err = run_cli(capsys, "sweep", str(short), "--param", f"{DISCOUNT}=0.1")
    assert status == 2 and "-o" in err


def test_existing_store_needs_resume_and_the_same_sweep(capsys, monkeypatch, short, tmp_path):
    store = tmp_path / "s.zarr"
    argv = ["sweep", str(short), "--param", f"{DISCOUNT}=0,0.1", "-n", "1", "-o", str(store)]
    status, out, err = run_cli(capsys, *argv)
    assert status == 0, err
    before = blocks_in(store)
    monkeypatch.setattr(experiment, "run_tasks", lambda tasks, **k: [] if not tasks else pytest.fail("work"))

    status, out, err = run_cli(capsys, *argv)
    assert status == 2 and err.count("\n") == 1 and "--resume" in err

    status, out, err = run_cli(capsys, *argv, "--seed", "99", "--resume")
    assert status == 2 and err.count("\n") == 1 and "different sweep" in err

    status, out, err = run_cli(capsys, *argv, "--resume")  # finished: nothing to run
    assert status == 0 and "2 points" in out
    assert blocks_in(store) == before
    assert SweepStore.record_name(1, 0).split("/")[1] in before


def test_store_that_cannot_be_written(capsys, short, tmp_path):
    path = tmp_path / "results.nc"
    path.write_bytes(b"x")
    status, _, err = run_cli(
        capsys, "sweep", str(short), "--param", f"{DISCOUNT}=0.1", "-n", "1", "-o", str(path / "s.zarr")
    )
    assert status == 2 and err.startswith(f"dxsim sweep: {path / 's.zarr'}: cannot write") and err.count("\n") == 1


def test_a_file_is_not_a_store(capsys, short, tmp_path):
    path = tmp_path / "results.nc"
    path.write_bytes(b"x")
    status, _, err = run_cli(capsys, "sweep", str(short), "--param", f"{DISCOUNT}=0.1", "-n", "1", "-o", str(path))
    assert status == 2 and "not a dxsim sweep store" in err
    assert path.read_bytes() == b"x"


def test_unreachable_scheduler(capsys, short, tmp_path, monkeypatch):
    import distributed

    def refuse(*args, **kwargs):
        raise OSError("Timed out trying to connect")

    monkeypatch.setattr(distributed, "Client", refuse)
    store = tmp_path / "s.zarr"
    status, _, err = run_cli(
        capsys, "sweep", str(short), "--param", f"{DISCOUNT}=0.1", "--scheduler", "tcp://127.0.0.1:9", "-o", str(store)
    )
    assert status == 2 and "tcp://127.0.0.1:9" in err and err.count("\n") == 1
    assert not store.exists()
