"""The ``dxsim`` command line: exit status 0 or 2, one line per error, no traceback, no partial files."""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from cli_helpers import run_cli

import dxsim as dx
from dxsim.cli import main
from dxsim.studies.appraisal import payback
from dxsim.tables import GOVERNMENT_NEEDS_COUNTERFACTUAL

ROOT = Path(__file__).resolve().parents[2]
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
        assert dx.scenario_of(ds) == dx.load_scenario("small").with_overrides({"seed": 1})  # the seed it ran on
    assert out.splitlines()[0] == "small: 2 replications, seed 1 -> out.nc"
    for word in HEADLINE:
        assert word in out
    # money in million yuan (once 5,050,936.1 yuan), units in the table
    public = next(line for line in out.splitlines() if line.startswith("public_money"))
    assert public.split()[-2:] == ["million", "yuan"] and float(public.split()[1]) < 100
    assert not re.search(r"\d{1,3}(,\d{3}){2}", out)  # no number in the millions is printed
    # the paybacks: enterprise and platform; the government's needs the counterfactual, said in one line
    rows = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert "enterprise" in rows and "platform" in rows and "government" not in rows
    assert out.splitlines()[-1] == GOVERNMENT_NEEDS_COUNTERFACTUAL
    assert "median (months)" in out and "censored_share (1)" in out


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


def test_scenarios_copy_writes_an_editable_copy_and_overwrites_nothing(capsys, tmp_path):
    # the designer's first step: a copy of city-pilot-east (its TOML and its CSV) that validates as it is;
    # it extends platform-pilot-2022.toml, which is not beside it: the bundled one
    status, out, _ = run_cli(capsys, "scenarios", "--copy", "city-pilot-east", "--to", str(tmp_path / "mine"))
    copy = tmp_path / "mine" / "city-pilot-east.toml"
    assert status == 0 and out.splitlines() == [str(copy), str(tmp_path / "mine" / "industries_city_east.csv")]
    status, out, _ = run_cli(capsys, "validate", str(copy))
    assert status == 0 and out.startswith(f"{copy}: ok (city-pilot-east: 6 industries, 2,400 SMEs)")
    before = copy.read_bytes()
    copy.write_text(copy.read_text() + "\n# edited\n")
    status, _, err = run_cli(capsys, "scenarios", "--copy", "city-pilot-east", "--to", str(tmp_path / "mine"))
    assert status == 2 and err.splitlines() == [f"{copy}: already exists (the copy overwrites nothing)"]
    assert copy.read_bytes() == before + b"\n# edited\n"
    status, _, err = run_cli(capsys, "scenarios", "--copy", "nowhere")
    assert status == 2 and len(err.splitlines()) == 1 and err.startswith("nowhere: no such bundled scenario")
    (tmp_path / "a-file").write_text("")
    status, _, err = run_cli(capsys, "scenarios", "--copy", "small", "--to", str(tmp_path / "a-file"))
    assert status == 2 and err.splitlines() == [f"{tmp_path / 'a-file'}: cannot write the copy: File exists"]
    status, _, err = run_cli(capsys, "scenarios", "--to", str(tmp_path))
    assert status == 2 and len(err.splitlines()) == 1 and "give --copy NAME too" in err


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


def test_every_subcommand_is_one_row_of_the_table(capsys):
    from dxsim.cli import COMMANDS

    status, out, _ = run_cli(capsys, "--help")
    assert status == 0
    listed = out[out.index("{") + 1 : out.index("}")].split(",")
    assert listed == list(COMMANDS)


def test_a_command_error_is_one_line_and_status_2(capsys, monkeypatch):
    from dxsim import cli

    def broken(args):
        raise cli.CommandError("run", "something is wrong with --x")

    monkeypatch.setitem(cli.COMMANDS, "run", dataclasses.replace(cli.COMMANDS["run"], run=broken))
    status, _, err = run_cli(capsys, "run", "small")
    assert (status, err) == (2, "dxsim run: something is wrong with --x\n")


# ---------------------------------------------------------------------------
# One name per thing (docs/glossary.md): every command that runs simulations takes --workers and
# --scheduler; an option renamed in 0.3.0 works as its new name, after one warning line on stderr.

DISCOUNT = "contract.platform_discount"
SHARE = "programme.instruments[0].share"
RUNNING = ("run", "sweep", "calibrate", "sensitivity", "compare", "report", "optimize", "explore")


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> Path:
    """``small`` over 12 months, as a file the command line reads."""
    path = tmp_path_factory.mktemp("short") / "short.toml"
    assert "horizon_months = 60" in SMALL
    path.write_text(SMALL.replace("horizon_months = 60", "horizon_months = 12"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def short_run(short, tmp_path_factory) -> Path:
    """One replication of ``short`` on seed 3, written by ``dxsim run``."""
    out = tmp_path_factory.mktemp("short_run") / "short.nc"
    assert main(["run", str(short), "-n", "1", "--seed", "3", "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def short_sweep(short, tmp_path_factory) -> Path:
    """Two points of ``short``, one replication each, written by ``dxsim sweep``."""
    out = tmp_path_factory.mktemp("short_sweep") / "sweep.zarr"
    assert main(["sweep", str(short), "--param", f"{DISCOUNT}=0,0.1", "-n", "1", "--seed", "3", "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("command", RUNNING)
def test_every_running_command_takes_workers_and_a_scheduler(capsys, command):
    status, out, _ = run_cli(capsys, command, "--help")
    assert status == 0
    assert "--workers WORKERS" in out and "--scheduler ADDRESS" in out


def running_argv(
    command: str, short: Path, short_run: Path, tmp_path: Path, short_sweep: Path
) -> tuple[list[str], Path]:
    """Arguments that make ``command`` run simulations, and the file it would write."""
    out = tmp_path / "out"
    if command == "calibrate":
        targets = tmp_path / "targets.toml"
        targets.write_text('[targets.a]\nstatistic = "adopters"\nvalue = 10\n', encoding="utf-8")
        return ["calibrate", str(short), str(targets), "--param", f"{SHARE}=0.1,0.5", "-o", str(out)], out
    return {
        "run": ["run", str(short), "-n", "1", "-o", str(out)],
        "sweep": ["sweep", str(short), "--param", f"{DISCOUNT}=0,0.1", "-n", "1", "-o", str(out)],
        "sensitivity": ["sensitivity", str(short), "--param", f"{SHARE}=0.1,0.5", "--statistic", "adopters",
                        "-o", str(out)],
        "compare": ["compare", str(short_run), "--counterfactual", "-o", str(out)],
        "report": ["report", str(short_run), "-o", str(out)],  # the run holds no counterfactual: it must run
        "optimize": ["optimize", str(short), "--lever", f"{SHARE}=0.1:0.5", "--objective", "adopters", "-o", str(out)],
        "explore": ["explore", str(short_sweep), "-o", str(out)],  # the sweep holds none: they must run
    }[command], out  # fmt: skip


@pytest.mark.parametrize("command", RUNNING)
def test_every_running_command_goes_to_its_scheduler(
    capsys, monkeypatch, tmp_path, short, short_run, short_sweep, command
):
    """The scheduler is contacted before any simulation: a refusal is one line, status 2, no file."""
    import distributed

    def refuse(address, **kwargs):
        raise OSError(f"Timed out trying to connect to {address}")

    monkeypatch.setattr(distributed, "Client", refuse)
    argv, out = running_argv(command, short, short_run, tmp_path, short_sweep)
    status, stdout, err = run_cli(capsys, *argv, "--scheduler", "tcp://127.0.0.1:9", "--workers", "2")
    assert (status, stdout) == (2, "")
    assert (
        err.startswith(f"dxsim {command}: cannot connect to the scheduler tcp://127.0.0.1:9") and err.count("\n") == 1
    )
    assert not out.exists()


def test_compare_without_counterfactuals_runs_nothing_so_needs_no_scheduler(capsys, monkeypatch, short_run):
    import distributed

    monkeypatch.setattr(distributed, "Client", lambda *a, **k: pytest.fail("connected"))
    status, out, err = run_cli(capsys, "compare", str(short_run), "--scheduler", "tcp://127.0.0.1:9")
    assert (status, err) == (0, "") and "adopters" in out


def test_run_on_a_dask_cluster_writes_the_same_numbers(capsys, tmp_path, short, short_run):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "cluster.nc"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster:
        argv = ["run", str(short), "-n", "1", "--seed", "3", "-o", str(out), "--scheduler", cluster.scheduler_address]
        status, _, err = run_cli(capsys, *argv)
    assert status == 0, err
    with xr.open_dataset(out, engine="h5netcdf") as a, xr.open_dataset(short_run, engine="h5netcdf") as b:
        xr.testing.assert_identical(a.load(), b.load())


def test_run_with_its_counterfactual_keeps_it_in_the_file(capsys, tmp_path, short, short_run):
    """``dxsim run --counterfactual`` is ``dx.simulate(..., counterfactual=True)``: the run, plus its counterfactual."""
    out = tmp_path / "paired.nc"
    status, printed, err = run_cli(
        capsys, "run", str(short), "-n", "1", "--seed", "3", "-o", str(out), "--counterfactual"
    )
    assert (status, err) == (0, "")
    with xr.open_dataset(out, engine="h5netcdf") as paired, xr.open_dataset(short_run, engine="h5netcdf") as plain:
        assert "counterfactual_adopters" in paired
        xr.testing.assert_equal(paired[list(plain.data_vars)].load(), plain.load())
        table = payback(paired.load())
    # all three parties' paybacks, the government's from the stored counterfactual
    government = next(line for line in printed.splitlines() if line.startswith("government"))
    median = float(table.loc["government", "median"])
    assert government.split()[1] == ("inf" if median == float("inf") else f"{median:.3g}")
    assert GOVERNMENT_NEEDS_COUNTERFACTUAL not in printed


def test_sweep_set_is_param_after_one_warning_line(capsys, tmp_path, short):
    grid = [f"{DISCOUNT}=0,0.1", "rollover:programme.rollover=true,false"]
    argv = ["sweep", str(short), "-n", "1", "--seed", "2"]
    outputs = {}
    for name, options in {
        "new": ["--param", "--param"],
        "old": ["--set", "--set"],
        "both": ["--set", "--param"],
    }.items():
        store = tmp_path / f"{name}.zarr"
        given = [word for option, spec in zip(options, grid, strict=True) for word in (option, spec)]
        status, out, err = run_cli(capsys, *argv, *given, "-o", str(store))
        assert status == 0, err
        assert err == ("" if name == "new" else "dxsim sweep: --set is deprecated; use --param\n")
        outputs[name] = (out.replace(str(store), "STORE"), dx.open_results(store).load())
    assert outputs["new"][0] == f"small: 4 points ({DISCOUNT} 2 x rollover 2) x 1 replications, seed 2 -> STORE\n"
    for name in ("old", "both"):
        assert outputs[name][0] == outputs["new"][0]
        xr.testing.assert_identical(outputs[name][1], outputs["new"][1])


@pytest.mark.parametrize("option", ["--param", "--set"])
def test_sweep_messages_name_the_option_as_given(capsys, monkeypatch, tmp_path, short, option):
    import dxsim.experiment.sweep as experiment

    monkeypatch.setattr(experiment, "run_tasks", lambda *a, **k: pytest.fail("work started"))
    warned = [f"dxsim sweep: {option} is deprecated; use --param"] if option == "--set" else []
    store = tmp_path / "s.zarr"
    status, _, err = run_cli(capsys, "sweep", str(short), option, DISCOUNT, "-o", str(store))
    assert status == 2
    assert err.splitlines() == [*warned, f"dxsim sweep: {option} {DISCOUNT}: expected [ALIAS:]PATH=V1,V2,..."]
    status, _, err = run_cli(capsys, "sweep", str(short), option, f"d:{DISCOUNT}=0", option, f"d:{DISCOUNT}=1", "-o",
                             str(store))  # fmt: skip
    assert status == 2 and err.splitlines() == [
        *warned,
        f"dxsim sweep: {option} d:{DISCOUNT}=1: dimension 'd' given twice",
    ]
    status, _, err = run_cli(capsys, "sweep", str(short), "-o", str(store))
    assert status == 2 and err.splitlines() == ["dxsim sweep: give at least one --param or --case"]
    assert not store.exists()


def test_sensitivity_output_metric_is_statistic_after_one_warning_line(capsys, tmp_path, short):
    argv = ["sensitivity", str(short), "--param", f"{SHARE}=0.1,0.5", "--method", "morris", "-N", "2", "--seed", "2"]
    results = {}
    for option in ("--statistic", "--output-metric"):
        out = tmp_path / f"{option.strip('-')}.nc"
        status, stdout, err = run_cli(capsys, *argv, option, "adopters@12", option, "accepted", "-o", str(out))
        assert status == 0, err
        assert err == ("" if option == "--statistic" else
                       "dxsim sensitivity: --output-metric is deprecated; use --statistic\n")  # fmt: skip
        with xr.open_dataset(out, engine="h5netcdf") as si:
            results[option] = (stdout.replace(str(out), "OUT"), si.load())
    assert list(results["--statistic"][1]["output"].values) == ["adopters@12", "accepted"]
    assert results["--statistic"][1].attrs["interval"] == 0.95
    assert results["--output-metric"][0] == results["--statistic"][0]
    xr.testing.assert_identical(results["--output-metric"][1], results["--statistic"][1])


def test_sensitivity_without_a_statistic(capsys, tmp_path, short):
    out = tmp_path / "si.nc"
    status, _, err = run_cli(capsys, "sensitivity", str(short), "--param", f"{SHARE}=0.1,0.5", "-o", str(out))
    assert status == 2 and err.splitlines() == ["dxsim sensitivity: give at least one --param and one --statistic"]
    status, _, err = run_cli(capsys, "sensitivity", str(short), "--param", f"{SHARE}=0.1,0.5", "--statistic",
                             "adopters", "--interval", "0", "-o", str(out))  # fmt: skip
    assert status == 2 and err.splitlines() == ["dxsim sensitivity: --interval must be between 0 and 1, got 0.0"]
    assert not out.exists()


def test_compare_interval(capsys, short_run):
    status, out, err = run_cli(capsys, "compare", str(short_run), "--interval", "0.5", "--format", "csv")
    assert status == 0, err
    assert out.splitlines()[0].split(",")[:4] == ["metric", "short mean", "short p25", "short p75"]
    status, out, err = run_cli(capsys, "compare", str(short_run), "--interval", "1.5")
    assert (status, out) == (2, "") and err.splitlines() == [
        "dxsim compare: --interval must be between 0 and 1, got 1.5"
    ]


def test_compare_raises_command_errors(tmp_path):
    from dxsim import cli

    args = argparse.Namespace(
        results=[tmp_path / "absent.nc"], counterfactual=False, interval=0.9, format="table", output=None,
        workers=1, scheduler=None,
    )  # fmt: skip
    with pytest.raises(cli.CommandError, match=r"^dxsim compare: .*absent\.nc"):
        cli.COMMANDS["compare"].run(args)
    with pytest.raises(cli.CommandError, match=r"^dxsim compare: --format xlsx writes a workbook: give -o FILE\.xlsx$"):
        cli.COMMANDS["compare"].run(argparse.Namespace(**{**vars(args), "format": "xlsx"}))
    with pytest.raises(cli.CommandError, match=rf"^dxsim compare: {tmp_path}: output is a directory, not a file$"):
        cli.COMMANDS["compare"].run(argparse.Namespace(**{**vars(args), "output": tmp_path}))


def test_a_deprecated_scenario_field_is_one_warning_line(capsys, tmp_path):
    """``programme.tax_rate`` (a flat rate, deprecated in 0.3.0) validates, with one warning line on stderr."""
    flat = tmp_path / "flat.toml"
    flat.write_text(f'extends = "{(ROOT / "scenarios" / "small.toml").as_posix()}"\n[programme]\ntax_rate = 0.25\n')
    status, out, err = run_cli(capsys, "validate", str(flat))
    assert status == 0 and out.startswith(f"{flat}: ok")
    assert err.splitlines() == [
        "dxsim validate: warning: programme.tax_rate is deprecated (a flat rate on every enterprise's incremental "
        "profit, as in dxsim 0.2.0) and will be removed in the next release; remove it to apply the tax law of the "
        "[tax] table"
    ]


# --------------------------------------------------------------------------- dxsim optimize


def test_optimize_writes_every_design_and_prints_the_best(capsys, tmp_path, short):
    out = tmp_path / "opt.nc"
    argv = ["optimize", str(short), "--lever", f"{SHARE}=0.1:0.5", "--lever", "programme.when_budget_exhausted=unsubsidised,reject",
            "--objective", "accepted", "--objective", "min:public_money", "--constraint", "public_money<=2e6",
            "--evaluations", "3", "--seed", "4", "-o", str(out)]  # fmt: skip
    status, stdout, err = run_cli(capsys, *argv)
    assert status == 0, err
    assert (
        "3 evaluations x 1 replications, seed 4; max accepted, min public_money" in stdout
        and "best on max accepted (" in stdout
    )
    with xr.open_dataset(out, engine="h5netcdf") as ev:
        assert ev.sizes["evaluation"] == 3 and ev.attrs["constraints"] == '{"public_money": ["<=", 2000000.0]}'
        assert set(ev["programme.when_budget_exhausted"].values) <= {"unsubsidised", "reject"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lever", f"{SHARE}=0.1:high"], f"--lever {SHARE}=0.1:high: expected PATH=LOW:HIGH or PATH=A,B,C"),
        (
            ["--lever", f"{SHARE}=0.1:0.5", "--constraint", "public_money<2e6"],
            "--constraint public_money<2e6: expected",
        ),
        (["--lever", f"{SHARE}=0.1:0.5", "--objective", "acepted"], "optimize: objective: acepted: unknown metric"),
        (["--lever", "programme.nope=1:2"], "programme.nope"),
    ],
)
def test_optimize_bad_input_is_one_line_and_no_file(capsys, tmp_path, short, args, message):
    out = tmp_path / "opt.nc"
    objective = [] if "--objective" in args else ["--objective", "accepted"]
    status, stdout, err = run_cli(capsys, "optimize", str(short), *args, *objective, "-o", str(out))
    assert (status, stdout) == (2, "") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_run_prints_no_outlay_for_a_government_that_pays_nothing(capsys, tmp_path):
    """no-programme against its counterfactual: 'no outlay', not a payback at month 0; a paying programme: numbers."""
    empty = tmp_path / "empty.toml"
    empty.write_text(f'extends = "{(ROOT / "scenarios" / "no-programme.toml").as_posix()}"\nhorizon_months = 24\n')
    for scenario, outlay in ((str(empty), False), ("small", True)):
        argv = ["run", scenario, "-o", str(tmp_path / "out.nc"), "--replications", "2", "--seed", "1"]
        status, out, err = run_cli(capsys, *argv, "--counterfactual")
        assert status == 0, err
        rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
        assert "no outlay" not in " ".join(rows["enterprise"])
        if outlay:
            assert "no" not in rows["government"] and float(rows["government"][0]) > 0
        else:
            assert rows["government"] == ["no", "outlay"] * 5  # every statistic
        (tmp_path / "out.nc").unlink()


def test_a_run_file_reruns_from_its_scenario_without_a_seed(capsys, tmp_path):
    """``dxsim run --seed 1`` stores the scenario with seed 1 (not small.toml's 7): that TOML alone reruns the file."""
    first, again, toml = tmp_path / "first.nc", tmp_path / "again.nc", tmp_path / "stored.toml"
    assert run_cli(capsys, "run", "small", "-o", str(first), "--replications", "2", "--seed", "1")[0] == 0
    with xr.open_dataset(first, engine="h5netcdf") as ds:
        toml.write_text(dx.scenario_of(ds).to_toml(), encoding="utf-8")
    assert run_cli(capsys, "run", str(toml), "-o", str(again), "--replications", "2")[0] == 0
    with dx.open_results(first) as a, dx.open_results(again) as b:
        assert b.attrs["seed"] == 1
        xr.testing.assert_equal(a, b)
