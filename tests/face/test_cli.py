"""The ``dxsim`` command line: exit status 0 or 2, one line per error, no traceback, no partial files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from cli_helpers import run_cli

import dxsim as dx

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
HEADLINE = ("adopters", "accepted", "lighthouses", "public_money", "median_enterprise_payback")


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path) -> Path:
    """Two problems: a negative price and a misspelt key."""
    path = tmp_path / "bad.toml"
    path.write_text(
        SMALL.replace("price = 300e3", "price = -1").replace(
            "[contract]", "[behaviour]\nhurdle_rat = 0.2\n\n[contract]"
        ),
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------------------
# dxsim validate


def test_validate_a_valid_file(capsys, good):
    status, out, err = run_cli(capsys, "validate", str(good))
    assert status == 0
    assert out.startswith(f"{good}: ok")
    assert err == ""


def test_validate_a_bundled_name(capsys):
    status, out, _ = run_cli(capsys, "validate", "small")
    assert status == 0
    assert out.startswith("small: ok")


def test_validate_an_invalid_file_prints_one_line_per_error(capsys, bad):
    status, out, err = run_cli(capsys, "validate", str(bad))
    assert status == 2
    assert out == ""
    assert err.splitlines() == [
        f"{bad}: solutions.lightweight-mes.price: must be >= 0, got -1",
        f"{bad}: behaviour.hurdle_rat: unknown field, got 0.2",
    ]


def test_validate_several_files(capsys, good, bad, tmp_path):
    absent = tmp_path / "absent.toml"
    status, out, err = run_cli(capsys, "validate", str(good), str(bad), str(absent), "small")
    assert status == 2
    assert [line.split(":")[0] for line in out.splitlines()] == [str(good), "small"]
    assert all(": ok" in line for line in out.splitlines())
    lines = err.splitlines()
    assert len(lines) == 3
    assert [line.split(": ")[0] for line in lines] == [str(bad), str(bad), str(absent)]


def test_validate_without_files_is_a_usage_error(capsys):
    status, _, err = run_cli(capsys, "validate")
    assert status == 2
    assert len(err.splitlines()) == 1


def test_validate_as_a_subprocess(good, bad):
    proc = subprocess.run(
        [sys.executable, "-m", "dxsim", "validate", str(good), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].startswith(f"{good}: ok")
    assert len(proc.stderr.splitlines()) == 2
    assert all(line.startswith(f"{bad}: ") for line in proc.stderr.splitlines())

    ok = subprocess.run(
        [sys.executable, "-m", "dxsim", "validate", str(good)], capture_output=True, text=True, timeout=120, check=False
    )
    assert ok.returncode == 0
    assert ok.stderr == ""


# ---------------------------------------------------------------------------
# dxsim run


def test_run_a_bad_scenario_leaves_no_output(capsys, bad, tmp_path):
    before = set(tmp_path.iterdir())
    status, out, err = run_cli(capsys, "run", str(bad), "-o", str(tmp_path / "out.nc"), "--replications", "1")
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 2
    assert set(tmp_path.iterdir()) == before  # no out.nc, no temporary file


def test_run_a_missing_scenario(capsys, tmp_path):
    status, _, err = run_cli(capsys, "run", str(tmp_path / "absent.toml"), "-o", str(tmp_path / "out.nc"))
    assert status == 2
    assert err.splitlines() == [f"{tmp_path / 'absent.toml'}: no such file"]
    assert list(tmp_path.iterdir()) == []


def test_run_writes_netcdf_and_prints_the_headline(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(capsys, "run", "small", "-o", "out.nc", "--replications", "2", "--seed", "1")
    assert status == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nc"]
    with xr.open_dataset(tmp_path / "out.nc", engine="h5netcdf") as ds:
        assert ds.attrs["seed"] == 1
        assert ds.sizes["replication"] == 2
        assert dx.scenario_of(ds) == dx.load_scenario("small")
    assert out.splitlines()[0] == "small: 2 replications, seed 1 -> out.nc"
    for word in HEADLINE:
        assert word in out


def test_run_output_opens_with_default_decoding(capsys, tmp_path):
    status, _, _ = run_cli(capsys, "run", "small", "-o", str(tmp_path / "out.nc"), "--replications", "1")
    assert status == 0
    with xr.open_dataset(tmp_path / "out.nc", engine="h5netcdf") as ds:
        assert ds.attrs["seed"] == 7
        assert ds["month"].dtype.kind == "M"


@pytest.mark.parametrize("n", ["0", "-3"])
def test_run_with_no_replications(capsys, tmp_path, n):
    status, _, err = run_cli(capsys, "run", "small", "-o", str(tmp_path / "out.nc"), "--replications", n)
    assert status == 2
    assert err.splitlines() == [f"dxsim run: --replications must be >= 1, got {n}"]
    assert list(tmp_path.iterdir()) == []


def test_run_with_a_non_integer_replications(capsys, tmp_path):
    status, _, err = run_cli(capsys, "run", "small", "-o", str(tmp_path / "out.nc"), "--replications", "many")
    assert status == 2
    assert len(err.splitlines()) == 1 and "many" in err


def test_run_into_a_directory_is_refused(capsys, tmp_path):
    status, _, err = run_cli(capsys, "run", "small", "-o", str(tmp_path), "--replications", "1")
    assert status == 2
    assert len(err.splitlines()) == 1 and str(tmp_path) in err
    assert list(tmp_path.iterdir()) == []


def test_run_below_a_file_is_refused(capsys, tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    status, _, err = run_cli(capsys, "run", "small", "-o", str(blocker / "out.nc"), "--replications", "1")
    assert status == 2
    assert len(err.splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


# ---------------------------------------------------------------------------
# dxsim scenarios, usage errors


def test_scenarios_lists_small(capsys):
    status, out, _ = run_cli(capsys, "scenarios")
    assert status == 0
    assert "small" in [line.split()[0] for line in out.splitlines()]


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["run"]])
def test_usage_errors_are_one_line(capsys, argv):
    status, _, err = run_cli(capsys, *argv)
    assert status == 2
    assert len(err.splitlines()) == 1
    assert err.startswith("dxsim: ")


def test_run_on_two_workers_writes_the_same_numbers(capsys, tmp_path):
    one, two = tmp_path / "one.nc", tmp_path / "two.nc"
    assert run_cli(capsys, "run", "small", "-o", str(one), "--replications", "2", "--seed", "3")[0] == 0
    assert (
        run_cli(capsys, "run", "small", "-o", str(two), "--replications", "2", "--seed", "3", "--workers", "2")[0] == 0
    )
    with xr.open_dataset(one, engine="h5netcdf") as a, xr.open_dataset(two, engine="h5netcdf") as b:
        xr.testing.assert_identical(a.load(), b.load())


def test_run_with_no_workers(capsys, tmp_path):
    status, _, err = run_cli(capsys, "run", "small", "-o", str(tmp_path / "out.nc"), "--workers", "0")
    assert status == 2
    assert err.splitlines() == ["dxsim run: --workers must be >= 1, got 0"]
    assert list(tmp_path.iterdir()) == []
