"""Paths a scenario names: ``extends`` and CSV files stay in the scenario's folder tree; Excel's CSV; bundled names.

A scenario file may name other files (``extends``, an ``industries`` CSV).  By
default they must lie in the folder of the file that names them or one of its
subfolders (or among the bundled scenarios): an absolute path or a ``../``
escape is refused with one line naming the file, the field and the value, and
an error never shows what another file holds beyond the offending key.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import dxsim as dx

SMALL_PATH = Path(dx.bundled_scenarios()["small"])
SMALL = SMALL_PATH.read_text(encoding="utf-8")
INLINE_INDUSTRIES = '[[industries]]\nname = "textiles"\n\n[[industries]]\nname = "machining"\nimitation = 0.3\n'
CSV = "name,revenue.median\nsilk,20e6\ncotton,5e6\n"
SECRET = 'password = "hunter2"\n[db]\nuser = "root"\ntoken = "s3cr3t"\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def only_line(source: str | Path, **options: bool) -> str:
    with pytest.raises(dx.ScenarioError) as info:
        dx.load_scenario(source, **options)
    assert len(info.value.lines) == 1, info.value.lines
    return info.value.lines[0]


def with_csv(folder: Path, reference: str) -> Path:
    """small.toml in ``folder`` with its industries in the CSV file ``reference``."""
    text = SMALL.replace(INLINE_INDUSTRIES, "").replace("seed = 7\n", f'seed = 7\nindustries = "{reference}"\n')
    assert f'industries = "{reference}"' in text and "[[industries]]" not in text
    return write(folder / "scenario.toml", text)


# ---------------------------------------------------------------------------
# extends


def test_extends_a_file_in_a_subfolder(tmp_path):
    write(tmp_path / "base" / "small.toml", SMALL)
    child = write(tmp_path / "child.toml", 'extends = "base/small.toml"\nname = "child"\n')
    assert dx.load_scenario(child).name == "child"


def test_extends_back_into_the_folder_is_inside(tmp_path):
    write(tmp_path / "small.toml", SMALL)
    (tmp_path / "sub").mkdir()
    child = write(tmp_path / "child.toml", 'extends = "sub/../small.toml"\nname = "child"\n')
    assert dx.load_scenario(child).name == "child"


def test_extends_out_of_the_folder_is_refused(tmp_path):
    write(tmp_path / "small.toml", SMALL)
    child = write(tmp_path / "kids" / "child.toml", 'extends = "../small.toml"\nname = "child"\n')
    line = only_line(child)
    assert line.startswith(f"{child}: extends: ")
    assert "outside the scenario's folder" in line and "allow_outside=True" in line
    assert line.endswith("got '../small.toml'")


def test_extends_an_absolute_path_is_refused(tmp_path):
    parent = write(tmp_path / "elsewhere" / "small.toml", SMALL)
    child = write(tmp_path / "kids" / "child.toml", f'extends = "{parent.as_posix()}"\nname = "child"\n')
    line = only_line(child)
    assert line.startswith(f"{child}: extends: an absolute path is not allowed")
    assert line.endswith(f"got {parent.as_posix()!r}")


def test_an_absolute_path_into_its_own_folder_is_inside(tmp_path):
    parent = write(tmp_path / "small.toml", SMALL)
    child = write(tmp_path / "child.toml", f'extends = "{parent.as_posix()}"\nname = "child"\n')
    assert dx.load_scenario(child).name == "child"


def test_a_refused_file_is_not_even_looked_for(tmp_path):
    """Outside is refused before the file is looked for: the message does not tell whether it exists."""
    child = write(tmp_path / "kids" / "child.toml", 'extends = "../../absent.toml"\nname = "child"\n')
    assert "outside the scenario's folder" in only_line(child)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path):
    write(tmp_path / "elsewhere" / "small.toml", SMALL)
    (tmp_path / "kids").mkdir()
    (tmp_path / "kids" / "link.toml").symlink_to(tmp_path / "elsewhere" / "small.toml")
    child = write(tmp_path / "kids" / "child.toml", 'extends = "link.toml"\nname = "child"\n')
    assert "outside the scenario's folder" in only_line(child)


@pytest.mark.parametrize("allow_outside", [False, True])
def test_a_nul_in_a_file_name_is_one_line(tmp_path, allow_outside):
    child = write(tmp_path / "child.toml", 'extends = "a\\u0000b.toml"\nname = "child"\n')
    scenario = with_csv(tmp_path / "csv", "a\\u0000b.csv")
    assert only_line(child, allow_outside=allow_outside) == (
        f"{child}: extends: a file name cannot hold a NUL character, got 'a\\x00b.toml'"
    )
    assert only_line(scenario, allow_outside=allow_outside) == (
        f"{scenario}: industries: a file name cannot hold a NUL character, got 'a\\x00b.csv'"
    )


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_loop_of_symbolic_links_is_one_line(tmp_path):
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    child = write(tmp_path / "child.toml", 'extends = "loop.toml"\nname = "child"\n')
    line = only_line(child)
    assert line.startswith(f"{child}: extends: ") and line.endswith("got 'loop.toml'")


def test_allow_outside_allows_other_folders(tmp_path):
    parent = write(tmp_path / "elsewhere" / "small.toml", SMALL)
    up = write(tmp_path / "kids" / "up.toml", 'extends = "../elsewhere/small.toml"\nname = "up"\n')
    absolute = write(tmp_path / "kids" / "abs.toml", f'extends = "{parent.as_posix()}"\nname = "abs"\n')
    assert dx.load_scenario(up, allow_outside=True).name == "up"
    assert dx.load_scenario(absolute, allow_outside=True).name == "abs"


def test_each_file_of_a_chain_is_checked_against_its_own_folder(tmp_path):
    write(tmp_path / "small.toml", SMALL)
    write(tmp_path / "kids" / "middle.toml", 'extends = "../small.toml"\nname = "middle"\n')
    child = write(tmp_path / "kids" / "child.toml", 'extends = "middle.toml"\nname = "child"\n')
    line = only_line(child)
    assert line.startswith(f"{tmp_path / 'kids' / 'middle.toml'}: extends: ")
    assert line.endswith("got '../small.toml'")


def test_extends_a_bundled_scenario_by_its_path(tmp_path):
    """The bundled scenarios are dxsim's own files: extending one by its absolute path is allowed."""
    child = write(tmp_path / "child.toml", f'extends = "{SMALL_PATH.as_posix()}"\nname = "child"\n')
    assert dx.load_scenario(child).name == "child"


@pytest.mark.parametrize("name", ["city-pilot-east-tiered", "national", "revenue-share", "no-programme"])
def test_bundled_scenarios_extend_their_neighbours(name):
    assert dx.load_scenario(name).name == name


def test_extends_a_non_scenario_file_names_the_keys_not_their_values(tmp_path):
    write(tmp_path / "secret.toml", SECRET)
    child = write(tmp_path / "child.toml", 'extends = "secret.toml"\nname = "child"\n')
    with pytest.raises(dx.ScenarioError) as info:
        dx.load_scenario(child)
    text = str(info.value)
    assert "hunter2" not in text and "s3cr3t" not in text and "'root'" not in text
    assert info.value.lines == [
        f"{tmp_path / 'secret.toml'}: password: unknown field (in the file {child} extends)",
        f"{tmp_path / 'secret.toml'}: db: unknown field (in the file {child} extends)",
    ]


def test_extends_outside_with_allow_outside_still_does_not_echo(tmp_path):
    write(tmp_path / "elsewhere" / "secret.toml", SECRET)
    child = write(tmp_path / "kids" / "child.toml", 'extends = "../elsewhere/secret.toml"\nname = "child"\n')
    with pytest.raises(dx.ScenarioError) as info:
        dx.load_scenario(child, allow_outside=True)
    assert "hunter2" not in str(info.value) and "s3cr3t" not in str(info.value)


# ---------------------------------------------------------------------------
# industries CSV


def test_csv_in_a_subfolder(tmp_path):
    write(tmp_path / "data" / "industries.csv", CSV)
    sc = dx.load_scenario(with_csv(tmp_path, "data/industries.csv"))
    assert [i.name for i in sc.resolved_industries] == ["silk", "cotton"]


def test_csv_out_of_the_folder_is_refused(tmp_path):
    write(tmp_path / "industries.csv", CSV)
    scenario = with_csv(tmp_path / "kids", "../industries.csv")
    line = only_line(scenario)
    assert line.startswith(f"{scenario}: industries: ")
    assert "outside the scenario's folder" in line
    assert line.endswith("got '../industries.csv'")
    assert [i.name for i in dx.load_scenario(scenario, allow_outside=True).resolved_industries] == ["silk", "cotton"]


def test_csv_absolute_path_is_refused(tmp_path):
    csv_path = write(tmp_path / "elsewhere" / "industries.csv", CSV)
    scenario = with_csv(tmp_path / "kids", csv_path.as_posix())
    line = only_line(scenario)
    assert line.startswith(f"{scenario}: industries: an absolute path is not allowed")
    assert line.endswith(f"got {csv_path.as_posix()!r}")


def test_csv_named_by_a_parent_is_checked_against_the_parents_folder(tmp_path):
    """A CSV named by an extended file resolves next to that file, not next to the child."""
    write(tmp_path / "base" / "industries.csv", CSV)
    with_csv(tmp_path / "base", "industries.csv")
    child = write(tmp_path / "child.toml", 'extends = "base/scenario.toml"\nname = "child"\n')
    assert [i.name for i in dx.load_scenario(child).resolved_industries] == ["silk", "cotton"]


def test_csv_with_a_byte_order_mark_as_excel_saves_it(tmp_path):
    plain = with_csv(tmp_path / "plain", "industries.csv")
    write(tmp_path / "plain" / "industries.csv", CSV)
    excel = with_csv(tmp_path / "excel", "industries.csv")
    (tmp_path / "excel" / "industries.csv").write_bytes(b"\xef\xbb\xbf" + CSV.replace("\n", "\r\n").encode("utf-8"))
    sc = dx.load_scenario(excel)
    assert [i.name for i in sc.resolved_industries] == ["silk", "cotton"]
    assert sc.resolved_industries[0].revenue.median == 20e6
    assert sc == dx.load_scenario(plain)


# ---------------------------------------------------------------------------
# bundled names and the working directory


def test_a_folder_does_not_hide_a_bundled_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small").mkdir()
    with pytest.warns(UserWarning) as record:
        sc = dx.load_scenario("small")
    assert sc == dx.load_scenario(SMALL_PATH)
    assert [str(w.message) for w in record] == ["small: the bundled scenario (./small is a folder)"]


def test_a_file_wins_over_a_bundled_name_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "small", SMALL.replace('name = "small"', 'name = "mine"'))
    with pytest.warns(UserWarning) as record:
        sc = dx.load_scenario("small")
    assert sc.name == "mine"
    assert [str(w.message) for w in record] == ["small: the file ./small (not the bundled scenario)"]


def test_a_missing_toml_file_is_not_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert only_line("small.toml") == "small.toml: no such file"
    (tmp_path / "x.toml").mkdir()
    assert only_line("x.toml") == "x.toml: no such file"
