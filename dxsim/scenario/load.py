"""Reading scenarios: bundled names or paths, TOML, ``extends``, industry CSV files."""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.schema import Scenario, scenario_from_dict

# scenario_from_dict is defined in schema (Scenario.with_overrides needs it); loading uses it and re-exports it.
__all__ = ["bundled_dir", "bundled_scenarios", "load_scenario", "scenario_from_dict"]


def bundled_dir() -> Path:
    """The folder of the bundled scenarios (and their ``targets/``).

    Returns
    -------
    Path
        Inside the installed wheel (``dxsim/_scenarios``), or the source tree's
        ``scenarios/``.
    """
    packaged = Path(str(resources.files("dxsim"))) / "_scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Names and paths of the scenarios shipped with dxsim."""
    return {p.stem: p for p in sorted(bundled_dir().glob("*.toml"))}


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str or Path
        A path to a TOML file, or the name of a bundled scenario
        (see ``dxsim scenarios``).

    Returns
    -------
    Scenario
        The validated, immutable scenario.

    Raises
    ------
    ScenarioError
        With one line per problem naming the file, the field and the value.

    Examples
    --------
    >>> sc = load_scenario("small")
    >>> sc.name
    'small'
    """
    path = _resolve(source)
    data = _read_with_extends(path, ())
    ref = data.get("industries")
    if isinstance(ref, _IndustriesCsv):
        # Read after the ``extends`` merge, so dotted columns see the final defaults.
        data["industries"] = _read_industries_csv(ref.path, ref.scenario, data.get("industry_defaults"))
    return scenario_from_dict(data, source=str(path))


def _resolve(source: str | Path) -> Path:
    path = Path(source)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError([f"{path}: no such file"])
        return path
    bundled = bundled_scenarios()
    if str(source) in bundled:
        return bundled[str(source)]
    names = ", ".join(bundled) or "none"
    raise ScenarioError([f"{source}: no such file or bundled scenario (bundled: {names})"])


@dataclass(frozen=True)
class _IndustriesCsv:
    """An industries CSV file named in ``scenario`` (read once ``extends`` is merged)."""

    path: Path
    scenario: Path


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError([f"{path}: TOML syntax error: {err}"]) from None
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from None
    except OSError as err:
        raise ScenarioError([f"{path}: cannot read: {err.strerror}"]) from None


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    real = path.resolve()
    if real in seen:
        chain = " -> ".join(str(p) for p in (*seen, real))
        raise ScenarioError([f"{path}: extends: circular chain {chain}"])
    data = _read_toml(path)
    parent_ref = data.pop("extends", None)
    if isinstance(data.get("industries"), str):
        data["industries"] = _IndustriesCsv(path.parent / data["industries"], path)
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str):
        raise ScenarioError([f"{path}: extends: must be a file name, got {parent_ref!r}"])
    parent_path = (path.parent / parent_ref) if not Path(parent_ref).is_absolute() else Path(parent_ref)
    if not parent_path.is_file():
        raise ScenarioError([f"{path}: extends: no such file, got {parent_ref!r}"])
    parent = _read_with_extends(parent_path, (*seen, real))
    return _deep_merge(parent, data)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; every other value (lists included) is replaced."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_industries_csv(path: Path, scenario: Path, defaults: Any) -> list[dict[str, Any]]:
    """Industries from a CSV file: one row each; a column ``revenue.median`` sets one parameter.

    A dotted column overrides one parameter of the distribution (or table) that
    ``industry_defaults`` gives for that field; an empty cell keeps the default.
    """
    if not path.is_file():
        raise ScenarioError([f"{scenario}: industries: no such CSV file, got {path.name!r}"])
    defaults = defaults if isinstance(defaults, dict) else {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from None
    except OSError as err:
        raise ScenarioError([f"{path}: cannot read: {err.strerror}"]) from None
    rows = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or "name" not in reader.fieldnames:
        raise ScenarioError([f"{path}: the header must have a 'name' column"])
    for row in reader:
        line = reader.line_num  # counts blank lines, unlike enumerate
        entry: dict[str, Any] = {}
        for column, cell in row.items():
            if column is None:
                raise ScenarioError([f"{path}: line {line}: more cells than columns, got extra {cell!r}"])
            cell = (cell or "").strip()
            if cell == "":
                continue
            value = cell if column in ("name", "solution") else _number(cell, path, line, column)
            field, _, param = column.partition(".")
            if param:
                base = entry.get(field, defaults.get(field))
                table = dict(base) if isinstance(base, dict) else {}
                table[param] = value
                entry[field] = table
            else:
                entry[field] = value
        rows.append(entry)
    return rows


def _not_utf8(path: Path, err: UnicodeDecodeError) -> ScenarioError:
    return ScenarioError([f"{path}: not UTF-8 text: byte {err.start}, got {err.object[err.start : err.end]!r}"])


def _number(cell: str, path: Path, line: int, column: str) -> int | float:
    try:
        as_float = float(cell)
    except ValueError:
        raise ScenarioError([f"{path}: line {line}: {column}: not a number, got {cell!r}"]) from None
    return int(as_float) if as_float.is_integer() and "." not in cell and "e" not in cell.lower() else as_float
