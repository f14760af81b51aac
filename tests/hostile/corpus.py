"""A corpus of hostile inputs: scenarios, industry CSV files, ``--case`` files, command lines,
results files and sweep stores (issue 15).

Each :class:`Case` builds its input in an empty folder and says which ``dxsim``
command reads it and what must happen: ``refused`` (exit 2, one line on
standard error naming the file and the field) or ``ok`` (the command runs to
the end: a documented behaviour, e.g. an unlimited budget).  To add a case,
add a row to one of the tables below (most take a text replacement in the
bundled ``small.toml``).  tests/hostile/test_corpus.py runs every case;

    python tests/hostile/corpus.py OUTDIR

writes them to OUTDIR (the results-file and store cases need the ``run.nc``
and ``store.zarr`` that it writes first), one folder per case, and prints
each command.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

import dxsim as dx

SMALL = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
INLINE_INDUSTRIES = '[[industries]]\nname = "textiles"\n\n[[industries]]\nname = "machining"\nimitation = 0.3\n'
CSV = "name,revenue.median\nsilk,20e6\ncotton,5e6\n"
DEEP = 2000  # nesting far past Python's recursion limit in the TOML and JSON parsers


@dataclass(frozen=True)
class Base:
    """Inputs the results-file and store cases start from (made once: a short run and a small sweep)."""

    run: Path
    store: Path


@dataclass(frozen=True)
class Case:
    """One hostile input.

    Attributes
    ----------
    name : str
        Unique; the folder and the test's id.
    build : callable
        ``build(folder, base)`` writes the input into ``folder`` and returns
        the command's arguments (after ``dxsim``).
    outcome : {"refused", "ok"}
        Exit 2 and one line naming ``field``, or exit 0.
    field : str
        Text the line must hold besides the file's name (the field, the option
        or the part of a store); unused for ``ok``.
    where : str or None
        The file the line must name, relative to the folder; None: the first
        argument after the command (the scenario, results file or store);
        ``""``: no file (a command-line option is at fault).
    """

    name: str
    build: Callable[[Path, Base], list[str]]
    outcome: str = "refused"
    field: str = ""
    where: str | None = None


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def small_with(old: str, new: str) -> str:
    """small.toml with ``old`` (which must occur once) replaced by ``new``."""
    assert SMALL.count(old) == 1, f"{old!r} must occur once in small.toml"
    return SMALL.replace(old, new)


def scenario(name: str, old: str, new: str, field: str, outcome: str = "refused") -> Case:
    """``dxsim validate`` of small.toml with one replacement."""

    def build(folder: Path, base: Base) -> list[str]:
        return ["validate", str(write(folder / "scenario.toml", small_with(old, new)))]

    return Case(name, build, outcome, field)


def added(name: str, line: str, field: str, outcome: str = "refused") -> Case:
    """``dxsim validate`` of small.toml with ``line`` added at the top level (after ``seed = 7``)."""
    return scenario(name, "seed = 7\n", f"seed = 7\n{line}\n", field, outcome)


def in_table(name: str, table: str, line: str, field: str) -> Case:
    """``dxsim validate`` of small.toml with ``line`` added to the (new) table ``[table]``."""
    return scenario(name, "[contract]", f"[{table}]\n{line}\n\n[contract]", field)


# --------------------------------------------------------------------------- numbers

#: (field as written in small.toml, its replacement, the field's path): infinity and NaN refused.
NOT_FINITE = [
    ("price = 300e3", "price = inf", "solutions.lightweight-mes.price"),
    ("price = 300e3", "price = nan", "solutions.lightweight-mes.price"),
    ("price = 300e3", "price = 300e3\nsubscription = inf", "solutions.lightweight-mes.subscription"),
    ("delivery_cost = 200e3", "delivery_cost = inf", "platforms.delivery_cost"),
    ("delivery_cost = 200e3", "delivery_cost = 200e3\nworking_capital_limit = inf", "platforms.working_capital_limit"),
    ("pass_through = 1.0", "pass_through = inf", "platforms.pass_through"),
    ("innovation = 0.01 ", "innovation = inf ", "industry_defaults.innovation"),
    ("imitation = 0.4 ", "imitation = inf ", "industry_defaults.imitation"),
    ("demonstration = 0.5 ", "demonstration = -inf ", "industry_defaults.demonstration"),
    ("lifetime_months = 60", "lifetime_months = inf", "solutions.lightweight-mes.lifetime_months"),
    ("ramp_months = 6", "ramp_months = inf", "solutions.lightweight-mes.ramp_months"),
    ("cap_per_enterprise = 300e3", "cap_per_enterprise = inf", "programme.instruments[0].cap_per_enterprise"),
    ("cap_per_platform = 6e6", "cap_per_platform = inf", "programme.instruments[0].cap_per_platform"),
    ("delay_months = 3", "delay_months = inf", "programme.acceptance.delay_months"),
    ("median = 30e6", "median = inf", "industry_defaults.revenue.median"),
    ("sigma = 0.9", "sigma = inf", "industry_defaults.revenue.sigma"),
    ("low = 0.5, mode = 1, high = 2", "low = 0.5, mode = 1, high = inf", "implementation_months.high"),
    ("low = 0.5, mode = 1, high = 2", "low = -inf, mode = 1, high = 2", "implementation_months.low"),
    ("mean = 20, sd = 6", "mean = 20, sd = inf", "maturity_gain.sd"),
    ("mean = 20, sd = 6", "mean = inf, sd = 6", "maturity_gain.mean"),
    ("mean = 0.062, sd = 0.02", "mean = nan, sd = 0.02", "industry_defaults.margin.mean"),
    (
        'benefit = { dist = "lognormal", median = 0.006, sigma = 0.5 }',
        'benefit = { dist = "empirical", values = [0.01, 0.02], weights = [1, inf] }',
        "benefit.weights[1]",
    ),
    (
        'benefit = { dist = "lognormal", median = 0.006, sigma = 0.5 }',
        'benefit = { dist = "empirical", values = [0.01, inf] }',
        "benefit.values[1]",
    ),
    (
        'benefit = { dist = "lognormal", median = 0.006, sigma = 0.5 }',
        'benefit = { dist = "exponential", mean = inf }',
        "benefit.mean",
    ),
    (
        'benefit = { dist = "lognormal", median = 0.006, sigma = 0.5 }',
        'benefit = { dist = "beta", a = inf, b = 2 }',
        "benefit.a",
    ),
    ('revenue = { dist = "lognormal", median = 30e6, sigma = 0.9 }', "revenue = inf", "industry_defaults.revenue"),
    (
        'revenue = { dist = "lognormal", median = 30e6, sigma = 0.9 }',
        "revenue = " + "9" * 400,
        "industry_defaults.revenue",
    ),
    ('payment = { scheme = "upfront" }', 'payment = { scheme = "revenue_share", floor = inf }', "payment.floor"),
    ('payment = { scheme = "upfront" }', 'payment = { scheme = "subscription", fee = inf }', "payment.fee"),
    (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "hybrid", cap_multiple = inf }',
        "contract.payment.cap_multiple",
    ),
    ('payment = { scheme = "upfront" }', 'payment = { scheme = "installments", months = inf }', "payment.months"),
    ("enterprises = 200 ", "enterprises = inf ", "industry_defaults.enterprises"),
]

#: Numbers beyond the documented bounds (docs/scenarios.md, dxsim/scenario/limits.py).
TOO_LARGE = [
    ("enterprises = 200 ", "enterprises = 1e29 ", "industry_defaults.enterprises"),
    ("enterprises = 200 ", "enterprises = 2000000000 ", "industry_defaults.enterprises"),
    ("enterprises = 200 ", "enterprises = " + "9" * 300 + " ", "industry_defaults.enterprises"),
    ("enterprises = 200 ", "enterprises = 60000000 ", "industries"),  # two industries: 120 million in all
    ("horizon_months = 60 ", "horizon_months = 90000 ", "horizon_months"),
    ("horizon_months = 60 ", "horizon_months = 1e9 ", "horizon_months"),
    ("horizon_months = 60 ", "horizon_months = 601 ", "horizon_months"),
    ("per_industry = 2", "per_industry = 1000000", "platforms.per_industry"),
    ("per_industry = 2", "per_industry = 1000000000", "platforms.per_industry"),
    ('name = "machining"', 'name = "machining"\nplatforms = 1001', "industries[1].platforms"),
    ('payment = { scheme = "upfront" }', 'payment = { scheme = "installments", months = 1e9 }', "payment.months"),
    (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "revenue_share", term_months = 1000000 }',
        "payment.term_months",
    ),
    (
        'payment = { scheme = "upfront" }',
        'payment = { scheme = "subscription", term_months = 1000000 }',
        "payment.term_months",
    ),
    ("lifetime_months = 60", "lifetime_months = 1e6", "solutions.lightweight-mes.lifetime_months"),
    ("start = 2022-09-01", "start = 9999-12-01", "horizon_months"),
    ("start = 2022-09-01", "start = 2260-01-01", "horizon_months"),
    ("start = 2022-09-01", "start = 1600-01-01", "start"),
    ("opens = 2022-09-01\ncloses = 2023-08-31", "opens = 9999-01-01\ncloses = 9999-12-31", "batches[0].opens"),
    ("seed = 7\n", "seed = -1\n", "seed"),
    ("seed = 7\n", "seed = 18446744073709551616\n", "seed"),
    ("seed = 7\n", "seed = 1.5\n", "seed"),
    ("seed = 7\n", 'seed = "7"\n', "seed"),
    ("seed = 7\n", "seed = inf\n", "seed"),
]

# --------------------------------------------------------------------------- names and structure

#: Names with characters that would break a one-line message or a file name.
NAMES = [
    ('name = "small"', 'name = "a\\u0000b"', "name"),
    ('name = "small"', 'name = "a\\u001b[31mred"', "name"),
    ('name = "small"', 'name = "two\\nlines"', "name"),
    ('name = "small"', 'name = "a\\u202eb"', "name"),
    ('name = "small"', 'name = "zero\\u200bwidth"', "name"),
    ('name = "small"', 'name = "line\\u2028separator"', "name"),
    ('name = "machining"', 'name = "machin\\ning"', "industries[1].name"),
    ('name = "2022"', 'name = "20\\t22"', "programme.batches[0].name"),
    ("[solutions.lightweight-mes]", '[solutions."lightweight-mes\\u0007"]', "solutions"),
]

STRUCTURE = [
    added("deep-array", "x = " + "[" * DEEP + "]" * DEEP, "nested deeper than 32"),
    added("deep-inline-table", "x = " + "{a=" * DEEP + "1" + "}" * DEEP, "nested deeper than 32"),
    added("depth-40-array", "x = " + "[" * 40 + "]" * 40, "x: tables and arrays nested deeper than 32"),
    added("unknown-table-not-echoed", '[secret]\npassword = "hunter2"', "secret: unknown field, got a table of 1 key"),
    in_table("unknown-nested-array-not-echoed", "behaviour", 'tokens = ["s3cr3t"]', "behaviour.tokens"),
    added("syntax-error", "x = = 1", "TOML syntax error"),
    added("extends-non-string", "extends = 3", "extends: must be a file name"),
    added("extends-missing", 'extends = "absent.toml"', "extends: no such file"),
    added("extends-absolute", 'extends = "/etc/passwd"', "extends: an absolute path is not allowed"),
    added("extends-parent", 'extends = "../small.toml"', "extends: outside the scenario's folder"),
]


def not_utf8(folder: Path, base: Base) -> list[str]:
    return ["validate", str(write(folder / "scenario.toml", SMALL.encode() + b"\nx = '\xff'\n"))]


def extends_chain(folder: Path, base: Base) -> list[str]:
    """40 files, each extending the next: longer than MAX_EXTENDS."""
    write(folder / "f40.toml", SMALL)
    for k in range(39, -1, -1):
        write(folder / f"f{k}.toml", f'extends = "f{k + 1}.toml"\n')
    return ["validate", str(folder / "f0.toml")]


def extends_circle(folder: Path, base: Base) -> list[str]:
    write(folder / "a.toml", 'extends = "b.toml"\n')
    write(folder / "b.toml", 'extends = "a.toml"\n')
    return ["validate", str(folder / "a.toml")]


def too_many_platforms(folder: Path, base: Base) -> list[str]:
    """11 industries of 1,000 platforms each: 11,000 platforms."""
    rows = "".join(f"i{k},20e6\n" for k in range(11))
    write(folder / "industries.csv", "name,revenue.median\n" + rows)
    return [
        "validate",
        str(write(folder / "scenario.toml", csv_scenario().replace("per_industry = 2", "per_industry = 1000"))),
    ]


def too_many_series(folder: Path, base: Base) -> list[str]:
    """600 months x (2 industries + 4,000 platforms): above MAX_SERIES_CELLS."""
    text = small_with("per_industry = 2", "per_industry = 1000").replace(
        "horizon_months = 60 ", "horizon_months = 600 "
    )
    text = text.replace(
        'name = "machining"', 'name = "machining"\n\n[[industries]]\nname = "dyeing"\n\n[[industries]]\nname = "paper"'
    )
    return ["validate", str(write(folder / "scenario.toml", text))]


def empty_file(folder: Path, base: Base) -> list[str]:
    return ["validate", str(write(folder / "scenario.toml", 'name = "x"\n'))]


FILES = [
    Case("not-utf8", not_utf8, field="not UTF-8"),
    Case("extends-chain-of-40", extends_chain, field="extends: a chain of more than 32 files", where="f31.toml"),
    Case("extends-circle", extends_circle, field="extends: circular chain"),
    Case("platforms-in-all", too_many_platforms, field="platforms.per_industry"),
    Case("series-cells", too_many_series, field="horizon_months"),
]

# --------------------------------------------------------------------------- industry CSV files


def csv_scenario() -> str:
    text = SMALL.replace(INLINE_INDUSTRIES, "").replace("seed = 7\n", 'seed = 7\nindustries = "industries.csv"\n')
    assert "[[industries]]" not in text
    return text


def industries_csv(name: str, content: str | bytes, field: str, outcome: str = "refused") -> Case:
    """``dxsim validate`` of small.toml with its industries in a CSV file holding ``content``."""

    def build(folder: Path, base: Base) -> list[str]:
        write(folder / "industries.csv", content)
        return ["validate", str(write(folder / "scenario.toml", csv_scenario()))]

    return Case(name, build, outcome, field, where=None if outcome == "ok" else "industries.csv")


CSV_CASES = [
    industries_csv("csv-inf", "name,revenue.median\nsilk,inf\n", "line 2: revenue.median: must be a finite number"),
    industries_csv("csv-nan", "name,imitation\nsilk,nan\n", "line 2: imitation: must be a finite number"),
    industries_csv("csv-minus-infinity", "name,innovation\nsilk,-Infinity\n", "line 2: innovation"),
    industries_csv("csv-400-digits", "name,revenue.median\nsilk," + "9" * 400 + "\n", "revenue.median"),
    industries_csv("csv-text-number", "name,enterprises\nsilk,many\n", "line 2: enterprises: not a number"),
    industries_csv("csv-extra-cells", "name,enterprises\nsilk,10,11\n", "line 2: more cells than columns"),
    industries_csv("csv-no-name-column", "industry,enterprises\nsilk,10\n", "'name' column"),
    industries_csv("csv-not-utf8", b"name,enterprises\nsilk\xff,10\n", "not UTF-8"),
    industries_csv("csv-huge-cell", "name,enterprises\n" + "x" * 200_000 + ",10\n", "not CSV"),
    industries_csv(
        "csv-10001-rows", "name\n" + "".join(f"i{k}\n" for k in range(10_001)), "more than 10,000 industries"
    ),
    industries_csv("csv-bom", b"\xef\xbb\xbf" + CSV.replace("\n", "\r\n").encode(), "", outcome="ok"),
]


def csv_missing(folder: Path, base: Base) -> list[str]:
    return ["validate", str(write(folder / "scenario.toml", csv_scenario()))]


def csv_with_control_name(folder: Path, base: Base) -> list[str]:
    write(folder / "industries.csv", "name,enterprises\nsi\x1blk,10\n")
    return ["validate", str(write(folder / "scenario.toml", csv_scenario()))]


def csv_with_big_count(folder: Path, base: Base) -> list[str]:
    write(folder / "industries.csv", "name,enterprises\nsilk," + "9" * 300 + "\n")
    return ["validate", str(write(folder / "scenario.toml", csv_scenario()))]


CSV_CASES += [
    Case("csv-missing", csv_missing, field="industries: no such CSV file, got 'industries.csv'"),
    # a value the CSV holds is named by the CSV, its line and its column
    Case("csv-control-name", csv_with_control_name, field="line 2: name", where="industries.csv"),
    Case("csv-300-digit-count", csv_with_big_count, field="line 2: enterprises", where="industries.csv"),
]

# --------------------------------------------------------------------------- command lines and --case files


def sweep_case(name: str, content: str | None, field: str) -> Case:
    """``dxsim sweep small --case c=FILE``: refused before anything runs (None: the file does not exist)."""

    def build(folder: Path, base: Base) -> list[str]:
        case = folder / "case.toml"
        if content is not None:
            write(case, content)
        return ["sweep", "small", "--case", f"c={case}", "-o", str(folder / "out.zarr"), "-n", "1"]

    return Case(name, build, field=field, where="case.toml")


def command(name: str, argv: list[str], field: str, where: str | None = "") -> Case:
    """A command line refused before any work; ``{folder}`` in an argument is the case's folder."""

    def build(folder: Path, base: Base) -> list[str]:
        write(folder / "a-file", "")
        return [a.replace("{folder}", str(folder)).replace("{run}", str(base.run)) for a in argv]

    return Case(name, build, field=field, where=where)


#: Sweep dimensions that change little (a point cannot set the seed: every point runs on the sweep's).
ONE_POINT, TWO_POINTS = "contract.platform_discount=0.1", "contract.platform_discount=0.1,0.2"


COMMANDS = [
    sweep_case("case-deep", "x = " + "[" * DEEP + "]" * DEEP, "nested deeper than 32"),
    sweep_case("case-syntax", "contract.platform_discount = = 1", "TOML syntax error"),
    sweep_case("case-infinite", "contract.platform_discount = inf", "contract.platform_discount"),
    sweep_case("case-missing", None, "cannot read"),
    command(
        "sweep-block-size-0",
        ["sweep", "small", "--param", ONE_POINT, "--block-size", "0", "-o", "{folder}/s.zarr"],
        "--block-size",
    ),
    command(
        "sweep-replications-1e9",
        ["sweep", "small", "--param", ONE_POINT, "-n", "1000000000", "-o", "{folder}/s.zarr"],
        "replications",
    ),
    command(
        "sweep-block-size-1e9",
        ["sweep", "small", "--param", ONE_POINT, "--block-size", "1000000000", "-o", "{folder}/s.zarr"],
        "block_size",
    ),
    command("run-replications-1e9", ["run", "small", "-n", "1000000000", "-o", "{folder}/r.nc"], "replications"),
    command("run-seed-negative", ["run", "small", "--seed", "-1", "-o", "{folder}/r.nc"], "seed"),
    command("run-seed-65-bits", ["run", "small", "--seed", str(2**64), "-o", "{folder}/r.nc"], "seed"),
    command("run-output-unwritable", ["run", "small", "-o", "/proc/dxsim-test.nc"], "cannot write"),
    command("run-output-under-a-file", ["run", "small", "-o", "{folder}/a-file/r.nc"], "cannot write"),
    command(
        "sweep-output-under-a-file",
        ["sweep", "small", "--param", ONE_POINT, "-o", "{folder}/a-file/s.zarr"],
        "cannot write",
    ),
    command(
        "compare-xlsx-unwritable",
        ["compare", "{run}", "--format", "xlsx", "-o", "/proc/dxsim-test.xlsx"],
        "cannot write",
    ),
    command("report-unwritable", ["report", "{run}", "-o", "/proc/dxsim-test.html"], "cannot write"),
]

# --------------------------------------------------------------------------- results files


def results_file(name: str, edit: Callable[[xr.Dataset], xr.Dataset], field: str, cmd: str = "compare") -> Case:
    """``dxsim compare`` (or ``report``) of the base run with its Dataset changed by ``edit``."""

    def build(folder: Path, base: Base) -> list[str]:
        with xr.open_dataset(base.run, engine="h5netcdf") as f:
            ds = edit(f.load())
        path = folder / "run.nc"
        ds.to_netcdf(path, engine="h5netcdf")
        return [cmd, str(path)] + (["-o", str(folder / "r.html")] if cmd == "report" else [])

    return Case(name, build, field=field)


def with_attrs(**attrs: object) -> Callable[[xr.Dataset], xr.Dataset]:
    def edit(ds: xr.Dataset) -> xr.Dataset:
        ds.attrs.update(attrs)
        return ds

    return edit


def stored_scenario(old: str, new: str) -> Callable[[xr.Dataset], xr.Dataset]:
    def edit(ds: xr.Dataset) -> xr.Dataset:
        assert ds.attrs["scenario"].count(old) == 1, old
        ds.attrs["scenario"] = ds.attrs["scenario"].replace(old, new)
        return ds

    return edit


def raw_file(name: str, content: bytes, field: str) -> Case:
    def build(folder: Path, base: Base) -> list[str]:
        return ["compare", str(write(folder / "run.nc", content))]

    return Case(name, build, field=field)


def truncated(folder: Path, base: Base) -> list[str]:
    data = base.run.read_bytes()
    return ["compare", str(write(folder / "run.nc", data[: len(data) // 2]))]


RESULTS = [
    results_file("attr-scenario-int", with_attrs(scenario=7), "attribute 'scenario': must be TOML text"),
    results_file("attr-scenario-bad-toml", with_attrs(scenario="a = 1\nb =\n"), "attribute 'scenario': TOML syntax"),
    results_file(
        "attr-scenario-bad-toml-report", with_attrs(scenario="name = 'x\ny'"), "attribute 'scenario'", cmd="report"
    ),
    results_file("attr-scenario-deep", with_attrs(scenario="x = " + "[" * DEEP + "]" * DEEP), "nested deeper"),
    results_file("attr-scenario-invalid", stored_scenario("price = 300000.0", "price = inf"), "price"),
    results_file(
        "attr-scenario-other-horizon", stored_scenario("horizon_months = 6", "horizon_months = 7"), "horizon_months"
    ),
    results_file(
        "attr-scenario-other-horizon-report",
        stored_scenario("horizon_months = 6", "horizon_months = 5"),
        "horizon_months",
        cmd="report",
    ),
    results_file(
        "attr-scenario-other-industries", stored_scenario('name = "machining"', 'name = "mining"'), "industries"
    ),
    results_file("attr-sweep-not-json", with_attrs(sweep="{"), "attribute 'sweep'", cmd="report"),
    results_file("attr-sweep-deep", with_attrs(sweep="[" * DEEP + "]" * DEEP), "attribute 'sweep'", cmd="report"),
    results_file("attr-seed-text", with_attrs(seed="abc"), "attribute 'seed'"),
    results_file("attr-seed-negative", with_attrs(seed=-1), "attribute 'seed'"),
    results_file("attr-seed-float", with_attrs(seed=1.5), "attribute 'seed'"),
    results_file("no-adopters", lambda ds: ds.drop_vars("adopters"), "not a dxsim results file"),
    raw_file("not-netcdf", b"hello\n", "not a netCDF file"),
    raw_file("empty-file", b"", "not a netCDF file"),
    Case("truncated-netcdf", truncated, field="not a netCDF file"),
]

# --------------------------------------------------------------------------- sweep stores


def store_case(name: str, damage: Callable[[Path], None], field: str) -> Case:
    """``dxsim report`` of a copy of the base store damaged by ``damage(store)``."""

    def build(folder: Path, base: Base) -> list[str]:
        store = folder / "store.zarr"
        shutil.copytree(base.store, store)
        damage(store)
        return ["report", str(store), "-o", str(folder / "r.html")]

    return Case(name, build, field=field)


def manifest(**changes: object) -> Callable[[Path], None]:
    def damage(store: Path) -> None:
        path = store / "manifest.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data.update(changes)
        path.write_text(json.dumps(data), encoding="utf-8")

    return damage


def manifest_scenario(old: str, new: str) -> Callable[[Path], None]:
    def damage(store: Path) -> None:
        path = store / "manifest.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["scenario"].count(old) == 1, old
        data["scenario"] = data["scenario"].replace(old, new)
        path.write_text(json.dumps(data), encoding="utf-8")

    return damage


def manifest_text(text: str) -> Callable[[Path], None]:
    def damage(store: Path) -> None:
        (store / "manifest.json").write_text(text, encoding="utf-8")

    return damage


def chunk(store: Path) -> Path:
    """A chunk of ``price_paid`` written by block 0 of point 1 (its record names it)."""
    keys = json.loads((store / "blocks" / "p00001-b00000.json").read_text(encoding="utf-8"))["chunks"]
    return store / "p00001.zarr" / next(k for k in sorted(keys) if k.startswith("price_paid/"))


def flip_chunk(store: Path) -> None:
    path = chunk(store)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def grow_chunk(store: Path) -> None:
    path = chunk(store)
    path.write_bytes(path.read_bytes() + b"x")


def remove_block(store: Path) -> None:
    (store / "blocks" / "p00000-b00001.json").unlink()


def record_folder(store: Path) -> None:
    record = store / "blocks" / "p00000-b00000.json"
    record.unlink()
    record.mkdir()


STORES = [
    store_case("manifest-replications-1e12", manifest(replications=10**12), "replications"),
    store_case("manifest-block-size-0", manifest(block_size=0), "block_size"),
    store_case("manifest-layout-later", manifest(store_layout=3), "store_layout"),
    store_case("manifest-seed-negative", manifest(seed=-1), "seed"),
    store_case("manifest-seed-text", manifest(seed="x"), "seed"),
    store_case("manifest-points-mismatch", manifest(points=[{}]), "points"),
    store_case("manifest-huge-dims", manifest(dims=[["a", list(range(10**5))]] * 3), "points"),
    store_case("manifest-scenario-int", manifest(scenario=3), "scenario"),
    store_case("manifest-scenario-deep", manifest(scenario="x = " + "[" * DEEP + "]" * DEEP), "nested deeper"),
    store_case("manifest-scenario-invalid", manifest_scenario("price = 300000.0", "price = -1"), "price"),
    store_case(
        "manifest-scenario-other-horizon",
        manifest_scenario("horizon_months = 6", "horizon_months = 8"),
        "horizon_months",
    ),
    store_case("manifest-deep-json", manifest_text("[" * 100_000 + "]" * 100_000), "nested deeper"),
    store_case("manifest-not-json", manifest_text("{"), "unreadable manifest.json"),
    store_case("manifest-missing-field", manifest_text('{"seed": 1}'), "manifest.json"),
    store_case("chunk-missing", lambda store: chunk(store).unlink(), "missing"),
    store_case("chunk-corrupt", flip_chunk, "checksum differs"),
    store_case("chunk-longer", grow_chunk, "bytes, not"),
    store_case("record-unreadable", record_folder, "damaged block record"),
    store_case("block-missing", remove_block, "unfinished sweep"),
]

# --------------------------------------------------------------------------- documented: runs to the end


def budget_unlimited(folder: Path, base: Base) -> list[str]:
    text = small_with("budget = 10e6", "budget = inf").replace("horizon_months = 60 ", "horizon_months = 6 ")
    path = write(folder / "scenario.toml", text)
    return ["run", str(path), "-n", "1", "-o", str(folder / "out.nc")]


RUNS = [
    Case("budget-inf-is-unlimited", budget_unlimited, outcome="ok"),
    scenario("unicode-name", 'name = "small"', 'name = "城市 试点 (2022)"', "", outcome="ok"),
    scenario("largest-seed", "seed = 7\n", f"seed = {2**64 - 1}\n", "", outcome="ok"),
    scenario("longest-horizon", "horizon_months = 60 ", "horizon_months = 600 ", "", outcome="ok"),
    scenario("most-enterprises", "enterprises = 200 ", "enterprises = 50000000 ", "", outcome="ok"),
    scenario("most-platforms-per-industry", "per_industry = 2", "per_industry = 1000", "", outcome="ok"),
]


def _cases() -> list[Case]:
    cases = [scenario(f"not-finite-{k:02d}", old, new, field) for k, (old, new, field) in enumerate(NOT_FINITE)]
    cases += [scenario(f"too-large-{k:02d}", old, new, field) for k, (old, new, field) in enumerate(TOO_LARGE)]
    cases += [scenario(f"name-{k:02d}", old, new, field) for k, (old, new, field) in enumerate(NAMES)]
    cases += STRUCTURE + FILES + CSV_CASES + COMMANDS + RESULTS + STORES + RUNS
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


#: Every case of the corpus.
CASES = _cases()


def make_base(folder: Path) -> Base:
    """A 6-month run of ``small`` and a sweep store of it (2 points x 2 blocks of 1 replication)."""
    sc = dx.load_scenario("small").with_overrides({"horizon_months": 6})
    run = folder / "run.nc"
    dx.write_netcdf(dx.simulate(sc, replications=1, seed=1), run)
    store = folder / "store.zarr"
    dx.sweep(sc, {"contract.platform_discount": [0.0, 0.1]}, replications=2, block_size=1, seed=1, store=store)
    return Base(run, store)


def main(argv: list[str]) -> int:
    """``python tests/hostile/corpus.py OUTDIR``: write every case to OUTDIR/NAME/ and print its command."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    base = make_base(out)
    for case in CASES:
        folder = out / case.name
        folder.mkdir(exist_ok=True)
        print(f"{case.name} ({case.outcome}): dxsim {' '.join(case.build(folder, base))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
