"""Reading scenarios: bundled names or paths, TOML, ``extends``, industry CSV files."""

from __future__ import annotations

import csv
import io
import math
import tomllib
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.limits import MAX_EXTENDS, MAX_INDUSTRIES, MAX_NESTING, nesting_depth
from dxsim.scenario.schema import IndustryEntry, Scenario, scenario_from_dict

#: A field path of a scenario's data, and where a value at it was written (:data:`dxsim.scenario.errors.Origins`).
FieldPath = tuple[str | int, ...]
Origin = tuple[str, int]

# scenario_from_dict is defined in schema (Scenario.with_overrides needs it); loading uses it and re-exports it.
__all__ = ["bundled_dir", "bundled_scenarios", "copy_scenario", "load_scenario", "parse_toml", "scenario_from_dict"]


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


def load_scenario(source: str | Path, *, allow_outside: bool = False) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str or Path
        A path to a TOML file, or the name of a bundled scenario
        (see ``dxsim scenarios``).  A file wins over a bundled name; a
        folder does not: ``small`` with a folder ``./small`` loads the bundled
        scenario, with a warning saying so.
    allow_outside : bool, default False
        The files a scenario names (``extends``, an ``industries`` CSV) must
        lie in the folder of the file that names them or its subfolders (or
        among the bundled scenarios); absolute paths and ``../`` escapes are
        refused.  True allows any path.

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
    data, origins = _read_with_extends(path, (), allow_outside=allow_outside)
    ref = data.get("industries")
    cells: list[tuple[int, list[tuple[str, ...]]]] | None = None
    if isinstance(ref, _IndustriesCsv):
        # Read after the ``extends`` merge, so dotted columns see the final defaults.
        cells, data["industries"] = _read_industries_csv(ref.path, ref.scenario, data.get("industry_defaults"))
    origins = _industry_origins(data.get("industries"), origins, cells, ref)
    return scenario_from_dict(data, source=str(path), origins=origins)


def _industry_origins(
    rows: Any, origins: dict[FieldPath, Origin], cells: list[tuple[int, list[tuple[str, ...]]]] | None, ref: Any
) -> dict[FieldPath, Origin]:
    """``origins`` with each industry field named by what wrote it: its CSV cell, its row, or ``industry_defaults``.

    A field an industry does not write itself comes from
    ``industry_defaults`` (resolved by the schema), so its problems name the
    file that wrote that default; a dotted CSV column (``revenue.median``)
    writes one parameter of a default table, whose other parameters keep
    the default's file.
    """
    if not isinstance(rows, list):
        return origins
    out = dict(origins)
    written_by = _lookup(origins, ("industries",))

    def default(field: str) -> Origin | None:
        return _lookup(origins, ("industry_defaults", field)) or written_by

    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        for field in IndustryEntry.model_fields:
            if field not in row and (found := default(field)) is not None:
                out[("industries", i, field)] = found
        if cells is None:
            continue
        line, written = cells[i]
        for cell in written:
            if len(cell) > 1 and (found := default(cell[0])) is not None:
                out[("industries", i, cell[0])] = found
            out[("industries", i, *cell)] = (f"{ref.path}: line {line}", 2)
    return out


def _lookup(origins: dict[FieldPath, Origin], key: FieldPath) -> Origin | None:
    """The origin of ``key``: that of its longest prefix in ``origins``, or None."""
    for k in range(len(key), 0, -1):
        if (found := origins.get(key[:k])) is not None:
            return found
    return None


def _resolve(source: str | Path) -> Path:
    path = Path(source)
    bundled = bundled_scenarios()
    name = str(source)
    if path.is_file():
        if name in bundled:
            warnings.warn(f"{name}: the file ./{name} (not the bundled scenario)", UserWarning, stacklevel=1)
        return path
    if name in bundled:
        if path.exists():
            kind = "a folder" if path.is_dir() else "not a file"
            warnings.warn(f"{name}: the bundled scenario (./{name} is {kind})", UserWarning, stacklevel=1)
        return bundled[name]
    if path.suffix == ".toml" or path.exists():
        raise ScenarioError([f"{path}: no such file"])
    names = ", ".join(bundled) or "none"
    raise ScenarioError([f"{source}: no such file or bundled scenario (bundled: {names})"])


def copy_scenario(name: str, folder: str | Path) -> list[Path]:
    """Copy bundled scenario ``name`` into ``folder`` to edit: its TOML file and the industries CSV it names.

    The copy loads as the bundled scenario does: a scenario it ``extends``
    that is not beside it is the bundled one of that name.

    Parameters
    ----------
    name : str
        A bundled scenario (``dxsim scenarios``).
    folder : str or Path
        Where to write the copies (created if missing).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ScenarioError
        ``name`` is not bundled, or a file of the copy already exists in
        ``folder`` (nothing is written then), or ``folder`` cannot be
        written (a file, no permission).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = copy_scenario("city-pilot-east", tmp)
    ...     [p.name for p in written], load_scenario(written[0]) == load_scenario("city-pilot-east")
    (['city-pilot-east.toml', 'industries_city_east.csv'], True)
    """
    bundled = bundled_scenarios()
    if name not in bundled:
        raise ScenarioError([f"{name}: no such bundled scenario (bundled: {', '.join(bundled)})"])
    source = bundled[name]
    csv_name = _read_toml(source).get("industries")
    sources = [source, *([bundled_dir() / csv_name] if isinstance(csv_name, str) else [])]
    folder = Path(folder)
    targets = [folder / s.name for s in sources]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise ScenarioError([f"{existing[0]}: already exists (the copy overwrites nothing)"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for s, t in zip(sources, targets, strict=True):
            t.write_bytes(s.read_bytes())
    except OSError as err:
        raise ScenarioError([f"{err.filename or folder}: cannot write the copy: {err.strerror}"]) from None
    return targets


@dataclass(frozen=True)
class _IndustriesCsv:
    """An industries CSV file named in ``scenario`` (read once ``extends`` is merged)."""

    path: Path
    scenario: Path


def parse_toml(text: str, source: str | Path) -> dict[str, Any]:
    """TOML text as data, its tables and arrays at most :data:`~dxsim.scenario.limits.MAX_NESTING` deep.

    Every TOML that dxsim reads goes through here: scenario files, ``--case``
    files, calibration targets, the scenario stored in a results file or a
    store's manifest.

    Raises
    ------
    ScenarioError
        One line naming ``source``: a syntax error, or nesting too deep
        (which would otherwise exhaust Python's recursion limit).

    Examples
    --------
    >>> parse_toml("a = " + "[" * 40 + "]" * 40, "deep.toml")
    Traceback (most recent call last):
    ...
    dxsim.scenario.errors.ScenarioError: deep.toml: a: tables and arrays nested deeper than 32 levels
    """
    too_deep = f"tables and arrays nested deeper than {MAX_NESTING} levels"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError([f"{source}: TOML syntax error: {err}"]) from None
    except RecursionError:  # the parser recurses once per level: long before MAX_NESTING is checked
        raise ScenarioError([f"{source}: {too_deep}"]) from None
    for key, value in data.items():
        if nesting_depth(value) >= MAX_NESTING:
            raise ScenarioError([f"{source}: {key}: {too_deep}"])
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from None
    except OSError as err:
        raise ScenarioError([f"{path}: cannot read: {err.strerror}"]) from None
    return parse_toml(text, path)


def _inside(path: Path, field: str, ref: str, *, allow_outside: bool) -> Path:
    """The file ``ref`` that ``path`` names in ``field``, refused if outside ``path``'s folder tree.

    Inside means in the folder of ``path`` or a subfolder (symbolic links
    followed), or among the bundled scenarios (dxsim's own files).
    """
    if "\x00" in ref:
        raise ScenarioError([f"{path}: {field}: a file name cannot hold a NUL character, got {ref!r}"])
    target = path.parent / ref  # an absolute ``ref`` replaces path.parent
    if allow_outside:
        return target
    try:
        real = target.resolve()
    except (OSError, RuntimeError) as err:  # RuntimeError: a loop of symbolic links (Python < 3.13)
        raise ScenarioError([f"{path}: {field}: cannot resolve the path ({err}), got {ref!r}"]) from None
    roots = (path.parent.resolve(), bundled_dir().resolve())
    if any(real.is_relative_to(root) for root in roots):
        return target
    where = "an absolute path" if Path(ref).is_absolute() else "outside the scenario's folder"
    raise ScenarioError([f"{path}: {field}: {where} is not allowed (load_scenario(allow_outside=True)), got {ref!r}"])


def _check_parent_keys(path: Path, data: dict[str, Any], child: Path) -> None:
    """Top-level keys of an extended file must be scenario fields; the error names the key, never its value."""
    unknown = [key for key in data if key not in Scenario.model_fields]
    if unknown:
        raise ScenarioError([f"{path}: {key}: unknown field (in the file {child} extends)" for key in unknown])


def _read_with_extends(
    path: Path, seen: tuple[Path, ...], *, allow_outside: bool, child: Path | None = None
) -> tuple[dict[str, Any], dict[FieldPath, Origin]]:
    """The data of ``path`` merged over those of the files it extends, and which file wrote each part.

    The origins map every value :func:`_deep_merge` replaces whole to the
    file that wrote it last; a file that writes inside a value an earlier
    file wrote (one parameter of a distribution) takes the whole value.
    """
    real = path.resolve()
    if real in seen:
        chain = " -> ".join(str(p) for p in (*seen, real))
        raise ScenarioError([f"{path}: extends: circular chain {chain}"])
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError([f"{child}: extends: a chain of more than {MAX_EXTENDS} files, got {path.name!r}"])
    data = _read_toml(path)
    parent_ref = data.pop("extends", None)
    if child is not None:
        _check_parent_keys(path, data, child)
    if isinstance(data.get("industries"), str):
        csv_path = _inside(path, "industries", data["industries"], allow_outside=allow_outside)
        data["industries"] = _IndustriesCsv(csv_path, path)
    own = {leaf: (str(path), 0) for leaf in _leaves(data)}
    if parent_ref is None:
        return data, own
    if not isinstance(parent_ref, str):
        raise ScenarioError([f"{path}: extends: must be a file name, got {parent_ref!r}"])
    parent_path = _inside(path, "extends", parent_ref, allow_outside=allow_outside)
    if not parent_path.is_file():
        parent_path = bundled_scenarios().get(parent_ref.removesuffix(".toml"), parent_path)
    if not parent_path.is_file():
        raise ScenarioError([f"{path}: extends: no such file or bundled scenario, got {parent_ref!r}"])
    parent, origins = _read_with_extends(parent_path, (*seen, real), allow_outside=allow_outside, child=path)
    for leaf in own:  # what this file writes is its own: below it, and the value it writes into
        origins = {
            key: (str(path), 0) if key == leaf[: len(key)] else where
            for key, where in origins.items()
            if key[: len(leaf)] != leaf
        }
    return _deep_merge(parent, data), {**origins, **own}


def _leaves(data: dict[str, Any], prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The paths of the values :func:`_deep_merge` replaces whole (all but tables that are not distributions)."""
    out: list[tuple[str | int, ...]] = []
    for key, value in data.items():
        if isinstance(value, dict) and "dist" not in value:
            out += _leaves(value, (*prefix, key))
        else:
            out.append((*prefix, key))
    return out


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; every other value (lists included) is replaced."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_industries_csv(
    path: Path, scenario: Path, defaults: Any
) -> tuple[list[tuple[int, list[tuple[str, ...]]]], list[dict[str, Any]]]:
    """Industries from a CSV file: one row each; a column ``revenue.median`` sets one parameter.

    A dotted column overrides one parameter of the distribution (or table) that
    ``industry_defaults`` gives for that field; an empty cell keeps the default.
    Returns, for each row, its line in the file (blank lines counted) and the
    fields its cells write (``("enterprises",)``, ``("revenue", "median")``);
    and the rows.
    """
    if not path.is_file():
        raise ScenarioError([f"{scenario}: industries: no such CSV file, got {path.name!r}"])
    defaults = defaults if isinstance(defaults, dict) else {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:  # utf-8-sig: Excel's byte-order mark
            text = fh.read()
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from None
    except OSError as err:
        raise ScenarioError([f"{path}: cannot read: {err.strerror}"]) from None
    rows: list[dict[str, Any]] = []
    cells: list[tuple[int, list[tuple[str, ...]]]] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if reader.fieldnames is None or "name" not in reader.fieldnames:
            raise ScenarioError([f"{path}: the header must have a 'name' column"])
        for row in reader:
            if len(rows) == MAX_INDUSTRIES:
                raise ScenarioError([f"{path}: line {reader.line_num}: more than {MAX_INDUSTRIES:,} industries"])
            rows.append(_industry_row(row, path, reader.line_num, defaults))
            written = [tuple(str(c).split(".", 1)) for c, cell in row.items() if (cell or "").strip()]
            cells.append((reader.line_num, written))
    except csv.Error as err:  # e.g. a cell longer than the csv module's field size limit
        raise ScenarioError([f"{path}: line {reader.line_num}: not CSV ({err})"]) from None
    return cells, rows


def _industry_row(row: dict[str | None, Any], path: Path, line: int, defaults: dict[str, Any]) -> dict[str, Any]:
    """One industry from one CSV row (``line``: the row's line in the file, blank lines counted)."""
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
    return entry


def _not_utf8(path: Path, err: UnicodeDecodeError) -> ScenarioError:
    return ScenarioError([f"{path}: not UTF-8 text: byte {err.start}, got {err.object[err.start : err.end]!r}"])


def _number(cell: str, path: Path, line: int, column: str) -> int | float:
    """A cell as an int (digits only) or a float; one line naming the cell when it is neither, or not finite."""
    try:
        as_float = float(cell)
    except ValueError:
        raise ScenarioError([f"{path}: line {line}: {column}: not a number, got {_cell(cell)}"]) from None
    if not math.isfinite(as_float):  # "inf", "nan", or more digits than a float holds
        raise ScenarioError([f"{path}: line {line}: {column}: must be a finite number, got {_cell(cell)}"])
    return int(as_float) if as_float.is_integer() and "." not in cell and "e" not in cell.lower() else as_float


def _cell(cell: str) -> str:
    """A cell for a message: its repr, cut to 80 characters."""
    text = repr(cell)
    return text if len(text) <= 80 else text[:77] + "..."
