"""``dxsim run``'s default output: ``results/NAME.nc`` with NAME a safe file name, never a path.

The scenario's ``name`` is data, possibly hostile: whatever it holds, the
default output lands inside ``results/`` of the working directory, and only
``results/`` is created.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import xarray as xr
from cli_helpers import run_cli

import dxsim as dx

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
LONG = "x" * 300


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (control characters escaped)."""
    body = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or c in '"\\' or ord(c) == 0x7F else c for c in text)
    return f'"{body}"'


def scenario_named(folder: Path, name: str) -> Path:
    """``small`` over 12 months, named ``name``, in ``folder``."""
    assert 'name = "small"' in SMALL and "horizon_months = 60" in SMALL
    text = SMALL.replace('name = "small"', f"name = {toml_string(name)}", 1)
    path = folder / "scenario.toml"
    path.write_text(text.replace("horizon_months = 60", "horizon_months = 12"), encoding="utf-8")
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() or p.is_dir())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../escaped-by-name", "escaped-by-name"),
        ("", "scenario"),
        ("..", "scenario"),
        ("colon:star*ask?", "colon-star-ask"),
        ("back\\..\\slash", "back-..-slash"),
        ("城市 试点/东部", "城市-试点-东部"),
        (".hidden", "hidden"),
        (LONG, "x" * 91 + "-" + hashlib.sha256(LONG.encode()).hexdigest()[:8]),
        ("长" * 150, "长" * 63 + "-" + hashlib.sha256(("长" * 150).encode()).hexdigest()[:8]),
    ],
    ids=["dotdot", "empty", "only-dots", "punctuation", "backslash", "cjk", "hidden", "long", "long-cjk"],
)
def test_run_writes_inside_results_with_a_safe_name(capsys, tmp_path, monkeypatch, name, expected):
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    source = scenario_named(tmp_path, name)
    monkeypatch.chdir(work)
    status, out, err = run_cli(capsys, "run", str(source), "-n", "1", "--seed", "1")
    assert status == 0, err
    target = Path("results") / f"{expected}.nc"
    assert len(expected.encode()) <= 200 and "/" not in expected and "\\" not in expected and "\x00" not in expected
    work_files = [Path("a"), Path("a/b"), Path("a/b/work"), Path("a/b/work/results"), Path("a/b/work") / target]
    assert files_under(tmp_path) == sorted([*work_files, Path("scenario.toml")])
    assert f"-> {target}\n" in out
    assert err.splitlines() == [
        f"dxsim run: the scenario name {name!r} is not a safe file name; writing {target}",
    ]
    with xr.open_dataset(target, engine="h5netcdf") as ds:
        assert ds.attrs["scenario_name"] == name  # the name itself is kept, only the file name changes


def test_an_absolute_name_writes_inside_results(capsys, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    absolute = tmp_path / "outside" / "abs-target"
    source = scenario_named(tmp_path, str(absolute))
    monkeypatch.chdir(work)
    status, _, err = run_cli(capsys, "run", str(source), "-n", "1")
    assert status == 0, err
    assert not (tmp_path / "outside").exists()
    (written,) = (work / "results").iterdir()
    assert written.name.endswith("-outside-abs-target.nc") and not written.name.startswith((".", "-"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.toml", "work"]


@pytest.mark.parametrize("name", ["a\x00b", "line\nbreak", "esc\x1b[31m", "bidi\u202e"], ids=repr)
def test_control_characters_in_the_name_are_refused_before_the_run(capsys, tmp_path, monkeypatch, name):
    """NUL cannot be stored in a results file, others break one-line messages: one line, exit 2, nothing written."""
    source = scenario_named(tmp_path, name)
    monkeypatch.chdir(tmp_path)
    for output in ([], ["-o", "out.nc"]):
        status, out, err = run_cli(capsys, "run", str(source), "-n", "1", *output)
        assert status == 2 and out == ""
        (line,) = err.splitlines()
        assert line.startswith(f"{source}: name: must not hold control or format characters (found ")
        assert line.endswith(f"got {name!r}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.toml"]


def test_a_safe_name_is_used_as_it_is(capsys, tmp_path, monkeypatch):
    source = scenario_named(tmp_path, "pilot_2024.v2")
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli(capsys, "run", str(source), "-n", "1")
    assert status == 0 and err == ""
    assert (tmp_path / "results" / "pilot_2024.v2.nc").is_file()


def test_two_long_names_give_two_files(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for last in "ab":
        folder = tmp_path / last
        folder.mkdir()
        assert run_cli(capsys, "run", str(scenario_named(folder, "y" * 200 + last)), "-n", "1")[0] == 0
    assert len(list((tmp_path / "results").iterdir())) == 2


def test_output_option_is_not_renamed(capsys, tmp_path, monkeypatch):
    source = scenario_named(tmp_path, "../../escaped-by-name")
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli(capsys, "run", str(source), "-n", "1", "-o", "chosen.nc")
    assert status == 0 and err == ""
    assert (tmp_path / "chosen.nc").is_file() and not (tmp_path / "results").exists()


def test_a_folder_named_like_a_bundled_scenario_does_not_hide_it(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small").mkdir()
    status, out, err = run_cli(capsys, "run", "small", "-n", "1", "-o", "out.nc")
    assert status == 0, err
    assert err.splitlines() == ["dxsim run: warning: small: the bundled scenario (./small is a folder)"]
    assert out.splitlines()[0] == "small: 1 replications, seed 7 -> out.nc"
