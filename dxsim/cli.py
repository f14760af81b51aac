"""The ``dxsim`` command line: parse, call the API, print. No model logic here.

Bad input exits with status 2 and one line per problem (file, field, value),
never a traceback, and leaves no output file behind: a command raises
:class:`CommandError` (or the scenario's :class:`~dxsim.scenario.errors.ScenarioError`)
and :func:`main` prints it and returns 2.

Each subcommand is one row of :data:`COMMANDS`: the function that declares
its arguments and the function that runs it.  Options have the names of the
Python API's arguments (docs/glossary.md); an option renamed in 0.3.0
(:data:`RENAMED_OPTIONS`) still works and prints one warning line on standard
error (0.3.0 said until 0.4.0; the design's interface still names ``sweep
--set``, so the old names stay until a release's notes say otherwise).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import re
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from dxsim._version import __version__
from dxsim.scenario.errors import ScenarioError

__all__ = ["COMMANDS", "RENAMED_OPTIONS", "Command", "CommandError", "main"]

#: Options renamed in 0.3.0 -> their new name: the old one still works, with a warning on stderr.
RENAMED_OPTIONS: dict[str, str] = {"--set": "--param", "--output-metric": "--statistic"}


class CommandError(Exception):
    """A bad argument or an unusable path: :func:`main` prints ``dxsim COMMAND: MESSAGE`` and returns 2.

    Parameters
    ----------
    command : str
        The subcommand (``run``, ``sweep``, ...).
    message : str
        One line naming the argument or path and the value.

    Examples
    --------
    >>> str(CommandError("run", "--replications must be >= 1, got 0"))
    'dxsim run: --replications must be >= 1, got 0'
    """

    def __init__(self, command: str, message: str) -> None:
        super().__init__(f"dxsim {command}: {message}")
        self.command = command
        self.message = message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"dxsim: {message}\n")


class _Given(NamedTuple):
    """One value of a repeatable option, with the option as the user wrote it (for messages)."""

    option: str
    value: str


class _Append(argparse.Action):
    """``action="append"`` of :class:`_Given` values; records a renamed option for :func:`main` to warn about."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        option = option_string or self.option_strings[0]
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), _Given(option, str(values))])
        if option in RENAMED_OPTIONS:
            namespace.renamed_options = [*getattr(namespace, "renamed_options", []), option]


def _repeated(
    p: argparse.ArgumentParser, option: str, dest: str, metavar: str, help: str, *, old: str | None = None
) -> None:
    """A repeatable option (values in ``args.DEST``, a list of :class:`_Given`), and its ``old`` name if any."""
    p.add_argument(option, dest=dest, action=_Append, default=[], metavar=metavar, help=help)
    if old is not None:
        assert RENAMED_OPTIONS[old] == option, f"{old} is not a renamed {option}"
        p.add_argument(old, dest=dest, action=_Append, metavar=metavar, help=f"deprecated: use {option}")


# --------------------------------------------------------------------------- checks shared by the commands


def _check_counts(command: str, options: Sequence[tuple[str, int | None]]) -> None:
    """Counts given on the command line (None: not given) must be >= 1."""
    for option, n in options:
        if n is not None and n < 1:
            raise CommandError(command, f"{option} must be >= 1, got {n}")


def _check_output(command: str, output: Path, *, directory: bool = False) -> None:
    """The output can be written (and, unless it is a ``directory`` to fill, is not one): checked before any work."""
    from dxsim.atomic import check_writable

    if not directory and output.is_dir():
        raise CommandError(command, f"{output}: output is a directory, not a file")
    try:
        check_writable(output)
    except OSError as err:
        raise _cannot_write(command, output, err) from None


def _cannot_write(command: str, output: Path, err: OSError) -> CommandError:
    """``OUTPUT: cannot write: REASON (FILE)``."""
    where = f" ({err.filename})" if err.filename else ""
    return CommandError(command, f"{output}: cannot write: {err.strerror or err}{where}")


def _connect(scheduler: str | None) -> Any:
    """A dask Client for ``--scheduler``, or None; ValueError if it cannot connect."""
    if not scheduler:
        return None
    from distributed import Client

    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise ValueError(f"cannot connect to the scheduler {scheduler}: {err}") from None


def _check_interval(command: str, interval: float) -> None:
    """``--interval`` is a central probability, strictly between 0 and 1."""
    if not 0 < interval < 1:
        raise CommandError(command, f"--interval must be between 0 and 1, got {interval}")


@contextmanager
def _engine(scheduler: str | None) -> Iterator[Any]:
    """The dask Client of ``--scheduler`` (None without it: local ``--workers``), closed afterwards.

    ValueError if it cannot connect.
    """
    client = _connect(scheduler)
    try:
        yield client
    finally:
        if client is not None:
            client.close()


def _on_engine(command: str, scheduler: str | None, output: Path | None, work: Callable[[Any], Any]) -> Any:
    """``work(client)`` with the dask client of ``--scheduler`` (None: local ``--workers``).

    A bad value or a file that cannot be written (``output``) becomes a
    :class:`CommandError`; a ScenarioError goes on to :func:`main`.
    """
    try:
        with _engine(scheduler) as client:
            return work(client)
    except OSError as err:
        where = output if output is not None else err.filename
        raise CommandError(command, f"{where}: cannot write: {err.strerror or err}") from None
    except ValueError as err:
        if isinstance(err, ScenarioError):
            raise
        raise CommandError(command, str(err)) from None


def _add_engine(p: argparse.ArgumentParser, *, progress: bool = True) -> None:
    """``--workers``, ``--scheduler`` and (if the command shows one) ``--progress``: where runs go."""
    p.add_argument("--workers", type=int, default=1, help="local processes (default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a dask cluster (tcp://host:8786)")
    if progress:
        p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar")


# --------------------------------------------------------------------------- dxsim run


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or TOML file")
    p.add_argument("-o", "--output", type=Path, help="netCDF file (default results/NAME.nc)")
    p.add_argument("--replications", "-n", type=int, default=10, help="replications (default 10)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument(
        "--counterfactual",
        action="store_true",
        help="also run the scenario without public money on the same seed, kept in the file "
        "(dxsim compare --counterfactual and dxsim report then reuse it)",
    )
    p.add_argument(
        "--decisions",
        action="store_true",
        help="also record every enterprise's decisions and each contract's cash flows "
        "(dxsim explain reads them; national: about 160 MB per replication)",
    )
    _add_engine(p)


_RESULTS_DIR = Path("results")  # dxsim run's default folder, relative to the working directory
_MAX_NAME = 100  # characters of a file name built from a scenario name (without ``.nc``)
_MAX_NAME_BYTES = 200  # and its UTF-8 bytes: file systems allow 255 (100 CJK letters are 300)
_UNSAFE = re.compile(r"[^\w.\-]+")  # \w: Unicode letters (CJK included), digits and ``_``


def _safe_name(name: str) -> str:
    """A file name (never a path) for the scenario ``name``.

    Letters, digits, ``-``, ``_`` and ``.`` stay; every other run of characters
    (``/``, ``\\``, spaces, NUL, control characters) becomes ``-``; leading
    and trailing dots and dashes go (no hidden file, no ``..``).  An empty
    result is ``scenario``; one over 100 characters (or 200 UTF-8 bytes) is cut
    and ends in 8 hex digits of the name's SHA-256, so long names that differ
    stay different.

    >>> _safe_name("../../escaped-by-name"), _safe_name(""), _safe_name("城市 试点")
    ('escaped-by-name', 'scenario', '城市-试点')
    """
    safe = _UNSAFE.sub("-", name).strip(".-") or "scenario"
    if len(safe) > _MAX_NAME or len(safe.encode()) > _MAX_NAME_BYTES:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cut = safe[: _MAX_NAME - 9]
        while len(cut.encode()) > _MAX_NAME_BYTES - 9:
            cut = cut[:-1]
        safe = f"{cut.rstrip('.-')}-{digest}"
    return safe


def _default_output(command: str, name: str) -> Path:
    """``results/NAME.nc`` with NAME made safe (:func:`_safe_name`); one stderr line when NAME had to change."""
    out = _RESULTS_DIR / f"{_safe_name(name)}.nc"
    if out.parent != _RESULTS_DIR:  # cannot happen (no separator survives); refuse rather than escape
        raise CommandError(command, f"the scenario name {name!r} cannot be made a file name: give -o FILE.nc")
    if out.stem != name:
        print(f"dxsim {command}: the scenario name {name!r} is not a safe file name; writing {out}", file=sys.stderr)
    return out


def _cmd_run(args: argparse.Namespace) -> int:
    from dxsim.analysis.metrics import headline
    from dxsim.experiment.simulate import simulate
    from dxsim.results.io import write_netcdf
    from dxsim.scenario.load import load_scenario
    from dxsim.tables import format_headline, format_payback, payback_of

    _check_counts("run", [("--replications", args.replications), ("--workers", args.workers)])
    scenario = load_scenario(args.scenario)
    out = args.output or _default_output("run", scenario.name)
    _check_output("run", out)

    def run(client: Any) -> Any:
        return simulate(
            scenario,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
            executor=client,
            progress=args.progress,
            counterfactual=args.counterfactual,
            decisions=args.decisions,
        )

    ds = _on_engine("run", args.scheduler, out, run)
    try:
        write_netcdf(ds, out)
    except OSError as err:
        raise _cannot_write("run", out, err) from None
    print(f"{scenario.name}: {args.replications} replications, seed {ds.attrs['seed']} -> {out}")
    print(format_headline(headline(ds)))
    print()
    print(format_payback(payback_of(ds, run_counterfactual=False)))  # the government's needs --counterfactual
    return 0


# --------------------------------------------------------------------------- dxsim explain


def _explain_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", type=Path, help="netCDF file written by dxsim run --decisions")
    p.add_argument("--enterprise", "-k", type=int, required=True, help="the enterprise's id")
    p.add_argument("--replication", "-r", type=int, default=None, help="replication (default: the first)")


def _cmd_explain(args: argparse.Namespace) -> int:
    from dxsim.analysis.explain import explain
    from dxsim.results.io import open_results

    try:
        ds = open_results(args.results)
        why = explain(ds, replication=args.replication, enterprise=args.enterprise)
    except ValueError as err:
        raise CommandError("explain", f"{args.results}: {err}") from None
    print(why)
    return 0


# --------------------------------------------------------------------------- dxsim sweep


def _sweep_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or TOML file")
    _repeated(
        p,
        "--param",
        "params",
        "[ALIAS:]PATH=V1,V2,...",
        "a dimension over the values of a field (int, float, true/false, else text), "
        "named ALIAS or PATH; repeat for a grid",
        old="--set",
    )
    p.add_argument(
        "--case",
        dest="cases",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a value of the dimension 'case': a TOML file of overrides (tables become dotted paths)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the store, a directory (sweep.zarr)")
    p.add_argument("--replications", "-n", type=int, default=10, help="replications per point (default 10)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in the store")
    p.add_argument("--block-size", type=int, default=10, help="replications per stored block (default 10)")
    _add_engine(p)


def _value(text: str) -> Any:
    """A value of ``dxsim sweep --param``: int, float, true/false, else the text."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """TOML tables as dotted-path overrides; a distribution, a payment or an instrument
    (a table with dist, scheme or kind) and arrays stay whole values."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not {"dist", "scheme", "kind"} & set(value):
            out.update(_flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def _sweep_params(given: Sequence[_Given]) -> dict[str, Any]:
    """--param into the API's params; ValueError names the bad argument."""
    params: dict[str, Any] = {}
    for option, spec in given:
        name, eq, values = spec.partition("=")
        alias, colon, path = name.partition(":")
        if not colon:
            alias = path = name
        if not eq or not alias.strip() or not path.strip() or not values:
            raise ValueError(f"{option} {spec}: expected [ALIAS:]PATH=V1,V2,...")
        if alias in params:
            raise ValueError(f"{option} {spec}: dimension {alias!r} given twice")
        parsed = [_value(v.strip()) for v in values.split(",")]
        params[alias] = (path, parsed) if colon else parsed
    return params


def _sweep_cases(specs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """--case into the API's cases; ValueError (or ScenarioError) names the bad argument or file."""
    from dxsim.scenario.load import parse_toml

    cases: dict[str, dict[str, Any]] = {}
    for spec in specs:
        label, eq, file = spec.partition("=")
        if not eq or not label or not file:
            raise ValueError(f"--case {spec}: expected NAME=FILE")
        if label in cases:
            raise ValueError(f"--case {spec}: case {label!r} given twice")
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as err:
            raise ValueError(f"{file}: cannot read: {err.strerror or err}") from None
        except UnicodeDecodeError as err:
            raise ValueError(f"{file}: not UTF-8 text: byte {err.start}") from None
        cases[label] = _flatten(parse_toml(text, file))
    return cases


def _sweep_spec(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """--param and --case into the API's params and cases; ValueError names the bad argument."""
    params = _sweep_params(args.params)
    cases = _sweep_cases(args.cases)
    if not params and not cases:
        raise ValueError("give at least one --param or --case")
    return params, cases


def _sweep_inputs(args: argparse.Namespace) -> tuple[Any, dict[str, Any], dict[str, dict[str, Any]]]:
    """(scenario, params, cases) of ``dxsim sweep``; ValueError or ScenarioError names the bad argument or file."""
    from dxsim.scenario.load import load_scenario

    params, cases = _sweep_spec(args)
    scenario = load_scenario(args.scenario)
    for spec in args.cases:  # name the case file in its errors (the sweep checks every point again)
        label, _, file = spec.partition("=")
        try:
            scenario.with_overrides(cases[label])
        except ScenarioError as err:
            raise ScenarioError(line.replace("<overrides>", file, 1) for line in err.lines) from None
    return scenario, params, cases


def _sweep_run(args: argparse.Namespace) -> tuple[str, Any]:
    """Run the sweep of ``args`` (on ``--scheduler`` if given): (the scenario's name, the Dataset)."""
    from dxsim.experiment.sweep import sweep

    scenario, params, cases = _sweep_inputs(args)
    with _engine(args.scheduler) as client:
        ds = sweep(
            scenario,
            params or None,
            cases=cases or None,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
            executor=client,
            store=args.output,
            resume=args.resume,
            block_size=args.block_size,
            progress=args.progress,
        )
    return scenario.name, ds


def _cmd_sweep(args: argparse.Namespace) -> int:
    counts = [("--replications", args.replications), ("--workers", args.workers), ("--block-size", args.block_size)]
    _check_counts("sweep", counts)
    _check_output("sweep", args.output, directory=True)
    try:
        scenario_name, ds = _sweep_run(args)
    except ScenarioError:
        raise
    except ValueError as err:  # bad --param/--case, a sweep that cannot be, a store that cannot be used
        raise CommandError("sweep", str(err)) from None
    except OSError as err:
        where = err.filename or args.output
        raise CommandError("sweep", f"{where}: cannot write: {err.strerror or err}") from None
    except KeyboardInterrupt as err:
        print(
            f"dxsim sweep: interrupted; finished blocks are in {args.output}, continue with --resume", file=sys.stderr
        )
        return _interrupted(err)
    dims = [name for name, _ in json.loads(ds.attrs["sweep"])["dims"]]
    points = math.prod(ds.sizes[name] for name in dims)
    shape = " x ".join(f"{name} {ds.sizes[name]}" for name in dims)
    print(
        f"{scenario_name}: {points} point{'s' * (points != 1)} ({shape}) x {args.replications} replications, "
        f"seed {ds.attrs['seed']} -> {args.output}"
    )
    return 0


# --------------------------------------------------------------------------- dxsim calibrate


def _calibrate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or TOML file")
    p.add_argument("targets", help="the targets TOML file, or the name of a bundled one")
    _repeated(
        p, "--param", "params", "PATH=LOW,HIGH", "a parameter and its bounds, instead of the targets file's; repeat"
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the fitted scenario (TOML)")
    p.add_argument("--replications", "-n", type=int, default=None, help="replications per evaluation")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the targets file's, else the scenario's)")
    p.add_argument("--method", choices=("nelder-mead", "powell", "differential-evolution"), help="optimiser")
    p.add_argument("--maxiter", type=int, default=None, help="iteration limit of the optimiser")
    _add_engine(p)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from dxsim.scenario.load import load_scenario
    from dxsim.studies.calibrate import calibrate

    _check_counts(
        "calibrate", [("--replications", args.replications), ("--workers", args.workers), ("--maxiter", args.maxiter)]
    )
    _check_output("calibrate", args.output)
    params = _bounds("calibrate", args.params)
    scenario = load_scenario(args.scenario)

    def fit_and_write(client: Any) -> Any:
        fit = calibrate(
            scenario,
            args.targets,
            params or None,
            replications=args.replications,
            seed=args.seed,
            method=args.method,
            maxiter=args.maxiter,
            workers=args.workers,
            executor=client,
            progress=args.progress,
        )
        fit.write(args.output)
        return fit

    fit = _on_engine("calibrate", args.scheduler, args.output, fit_and_write)
    print(fit.summary())
    print(f"-> {args.output}")
    return 0


# --------------------------------------------------------------------------- dxsim sensitivity


def _sensitivity_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or TOML file")
    _repeated(p, "--param", "params", "PATH=LOW,HIGH", "a parameter and its bounds; repeat")
    _repeated(
        p,
        "--statistic",
        "statistics",
        "NAME[@MONTH]",
        "a statistic (a dxsim.summarize column, or adopters/accepted/... @MONTH); repeat",
        old="--output-metric",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the indices (netCDF)")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="default sobol")
    p.add_argument("-N", "--samples", type=int, default=64, help="base samples (Sobol) or trajectories (Morris)")
    p.add_argument(
        "--interval", type=float, default=0.95, help="central probability of the bootstrap intervals (default 0.95)"
    )
    p.add_argument("--replications", "-n", type=int, default=1, help="replications per point (default 1)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    _add_engine(p)


def _bounds(command: str, given: Sequence[_Given]) -> dict[str, tuple[float, float]]:
    """--param PATH=LOW,HIGH into the API's params."""
    params: dict[str, tuple[float, float]] = {}
    for option, spec in given:
        path, _, bounds = spec.partition("=")
        try:
            low, high = (float(b) for b in bounds.split(","))
        except ValueError:
            raise CommandError(command, f"{option} {spec}: expected PATH=LOW,HIGH") from None
        params[path] = (low, high)
    return params


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from dxsim.results.io import write_netcdf
    from dxsim.scenario.load import load_scenario
    from dxsim.studies.sensitivity import sensitivity

    _check_counts(
        "sensitivity", [("--samples", args.samples), ("--replications", args.replications), ("--workers", args.workers)]
    )
    _check_interval("sensitivity", args.interval)
    _check_output("sensitivity", args.output)
    params = _bounds("sensitivity", args.params)
    if not params or not args.statistics:
        raise CommandError("sensitivity", "give at least one --param and one --statistic")
    scenario = load_scenario(args.scenario)

    def analyse_and_write(client: Any) -> Any:
        si = sensitivity(
            scenario,
            params,
            [given.value for given in args.statistics],
            method=args.method,
            samples=args.samples,
            replications=args.replications,
            seed=args.seed,
            interval=args.interval,
            workers=args.workers,
            executor=client,
            progress=args.progress,
        )
        write_netcdf(si, args.output)
        return si

    si = _on_engine("sensitivity", args.scheduler, args.output, analyse_and_write)
    names = ["S1", "ST"] if args.method == "sobol" else ["mu_star", "sigma"]
    table = si[names].to_dataframe().drop(columns="output_units")
    print(table.to_string(float_format=lambda x: f"{x:,.3g}"))
    print(f"-> {args.output}")
    return 0


# --------------------------------------------------------------------------- dxsim optimize


def _optimize_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="bundled scenario name or TOML file")
    _repeated(p, "--lever", "levers", "PATH=LOW:HIGH|A,B,C", "a lever: a range (LOW:HIGH) or choices (A,B,C); repeat")
    _repeated(
        p,
        "--objective",
        "objective",
        "[max:|min:]METRIC",
        "a metric to maximise (max:, the default) or minimise; repeat",
    )
    _repeated(p, "--constraint", "constraints", "METRIC<=V|METRIC>=V", "a bound on a metric's mean; repeat")
    p.add_argument("-o", "--output", type=Path, required=True, help="the evaluated designs (netCDF)")
    p.add_argument("--replications", "-n", type=int, default=1, help="replications per design (default 1)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument("--evaluations", type=int, default=32, help="designs to evaluate (default 32)")
    p.add_argument("--batch", type=int, default=1, help="designs proposed and run together (default 1)")
    _add_engine(p)


def _levers(given: Sequence[_Given]) -> dict[str, Any]:
    """--lever PATH=LOW:HIGH or PATH=A,B,C into the API's levers; CommandError names the bad argument."""
    levers: dict[str, Any] = {}
    for option, spec in given:
        path, eq, values = spec.partition("=")
        low, colon, high = values.partition(":")
        bounds = (_value(low.strip()), _value(high.strip())) if colon else None
        if not eq or not path.strip() or not values or (bounds and not all(isinstance(b, int | float) for b in bounds)):
            raise CommandError("optimize", f"{option} {spec}: expected PATH=LOW:HIGH or PATH=A,B,C")
        if path in levers:
            raise CommandError("optimize", f"{option} {spec}: lever {path!r} given twice")
        levers[path] = bounds if bounds else [_value(v.strip()) for v in values.split(",")]
    return levers


def _constraints(given: Sequence[_Given]) -> dict[str, tuple[str, float]]:
    """--constraint METRIC<=V or METRIC>=V into the API's constraints; CommandError names the bad argument."""
    constraints: dict[str, tuple[str, float]] = {}
    for option, spec in given:
        op = "<=" if "<=" in spec else ">="
        metric, _, value = spec.partition(op)
        try:
            bound = float(value)
        except ValueError:
            raise CommandError("optimize", f"{option} {spec}: expected METRIC<=VALUE or METRIC>=VALUE") from None
        if not metric.strip() or not math.isfinite(bound) or metric.strip() in constraints:
            raise CommandError("optimize", f"{option} {spec}: expected METRIC<=VALUE or METRIC>=VALUE, once each")
        constraints[metric.strip()] = (op, bound)
    return constraints


def _cmd_optimize(args: argparse.Namespace) -> int:
    from dxsim.results.io import write_netcdf
    from dxsim.scenario.load import load_scenario
    from dxsim.studies.optimize import optimize

    counts = [("--replications", args.replications), ("--workers", args.workers), ("--evaluations", args.evaluations)]
    _check_counts("optimize", [*counts, ("--batch", args.batch)])
    _check_output("optimize", args.output)
    levers, constraints = _levers(args.levers), _constraints(args.constraints)
    if not levers or not args.objective:
        raise CommandError("optimize", "give at least one --lever and one --objective")
    scenario = load_scenario(args.scenario)

    def search_and_write(client: Any) -> Any:
        opt = optimize(
            scenario,
            levers,
            [given.value for given in args.objective],
            constraints,
            replications=args.replications,
            seed=args.seed,
            evaluations=args.evaluations,
            batch=args.batch,
            workers=args.workers,
            executor=client,
            progress=args.progress,
        )
        write_netcdf(opt.evaluations, args.output)
        return opt

    opt = _on_engine("optimize", args.scheduler, args.output, search_and_write)
    print(opt.summary())
    print(f"-> {args.output}")
    return 0


# --------------------------------------------------------------------------- dxsim validate, dxsim scenarios


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", help="bundled names or TOML files")


def _cmd_validate(args: argparse.Namespace) -> int:
    from dxsim.scenario.load import load_scenario

    status = 0
    for source in args.scenarios:
        try:
            sc = load_scenario(source)
        except ScenarioError as err:
            print(str(err), file=sys.stderr)
            status = 2
        else:
            print(f"{source}: ok ({sc.name}: {len(sc.resolved_industries)} industries, {sc.enterprises:,} SMEs)")
    return status


def _scenarios_arguments(p: argparse.ArgumentParser) -> None:
    """``dxsim scenarios [--copy NAME [--to DIR]]``."""
    p.add_argument(
        "--copy",
        metavar="NAME",
        help="copy bundled scenario NAME (its TOML file and the industries CSV it names) to edit; "
        "a scenario it extends stays the bundled one",
    )
    p.add_argument("--to", type=Path, help="with --copy: the folder of the copy (default: the current one)")


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from dxsim.scenario.load import bundled_scenarios, copy_scenario, load_scenario

    if args.copy is not None:
        for path in copy_scenario(args.copy, Path(".") if args.to is None else args.to):
            print(path)
        return 0
    if args.to is not None:
        raise CommandError("scenarios", f"--to names the folder of a copy: give --copy NAME too, got --to {args.to}")
    for name in bundled_scenarios():
        sc = load_scenario(name)
        print(f"{name:28s} {sc.description}")
    return 0


# --------------------------------------------------------------------------- dxsim compare


def _compare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", nargs="+", type=Path, help="netCDF files written by dxsim run")
    p.add_argument(
        "--counterfactual",
        action="store_true",
        help="also run each file's counterfactual (its scenario without public money, same seed) "
        "and report additionality",
    )
    p.add_argument(
        "--interval", type=float, default=0.90, help="central probability of the intervals (default 0.90: p5 to p95)"
    )
    p.add_argument("--format", choices=("table", "csv", "markdown", "xlsx"), default="table", help="output format")
    p.add_argument(
        "-o", "--output", type=Path, help="write to this file (atomically) instead of printing; needed for xlsx"
    )
    _add_engine(p, progress=False)


def _labelled(command: str, paths: Sequence[Path], read: Callable[[Path], Any]) -> dict[str, Any]:
    """The result files by label (the file's stem, or its path when two stems are the same)."""
    runs: dict[str, Any] = {}
    for path in paths:
        try:
            ds = read(path)
        except ValueError as err:
            raise CommandError(command, str(err)) from None
        runs[path.stem if path.stem not in runs else str(path)] = ds
    return runs


def _read_runs(paths: Sequence[Path]) -> dict[str, Any]:
    """The result files of ``dxsim compare`` by label."""
    from dxsim.results.io import read_run

    return _labelled("compare", paths, read_run)


def _cmd_compare(args: argparse.Namespace) -> int:
    from dxsim.studies.compare import compare
    from dxsim.tables import format_comparison, write_comparison

    if args.format == "xlsx" and args.output is None:
        raise CommandError("compare", "--format xlsx writes a workbook: give -o FILE.xlsx")
    if args.output is not None:  # checked before the (long) comparison
        _check_output("compare", args.output)
    _check_interval("compare", args.interval)
    _check_counts("compare", [("--workers", args.workers)])
    runs = _read_runs(args.results)
    try:  # only the counterfactuals run anything: without them there is nothing to connect to
        with _engine(args.scheduler if args.counterfactual else None) as client:
            comparison = compare(
                runs,
                counterfactual=args.counterfactual or None,
                interval=args.interval,
                workers=args.workers,
                executor=client,
            )
    except ValueError as err:  # a ScenarioError included: its lines after "dxsim compare: ", as before
        raise CommandError("compare", str(err)) from None
    if args.output is None:
        print(format_comparison(comparison, args.format))
        return 0
    try:
        write_comparison(comparison, args.output, args.format)
    except OSError as err:
        raise _cannot_write("compare", args.output, err) from None
    print(f"{len(comparison.metrics)} metrics x {len(runs)} runs ({args.format}) -> {args.output}")
    return 0


# --------------------------------------------------------------------------- dxsim report


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "results",
        type=Path,
        nargs="+",
        help="a netCDF file from dxsim run or a store directory from dxsim sweep; several run files: side by side",
    )
    p.add_argument("-o", "--output", type=Path, help="the HTML file (default: RESULTS with suffix .html; one file)")
    p.add_argument("--title", help="the page's title (default: dxsim report: SCENARIO)")
    _add_engine(p)


def _report_inputs(args: argparse.Namespace) -> tuple[Path, Any, dict[str, str]]:
    """(output, the Dataset or the runs by label, their sources) of ``dxsim report``; CommandError when unusable."""
    from dxsim.results.io import open_results

    if len(args.results) > 1 and args.output is None:
        raise CommandError("report", "several results go on one page: give -o FILE.html")
    out = args.output or args.results[0].with_suffix(".html")
    _check_output("report", out)
    for results in args.results:
        if out.resolve() == results.resolve():
            raise CommandError("report", f"{out}: the output would overwrite the results")
    runs = _labelled("report", args.results, open_results)
    sources = {label: str(path) for label, path in zip(runs, args.results, strict=True)}
    if len(runs) == 1:
        return out, next(iter(runs.values())), sources
    return out, runs, sources


def _cmd_report(args: argparse.Namespace) -> int:
    from dxsim.report import write_report
    from dxsim.results.pairing import counterfactual_of

    _check_counts("report", [("--workers", args.workers)])
    out, data, sources = _report_inputs(args)
    datasets = list(data.values()) if isinstance(data, dict) else [data]
    # a run without its counterfactual runs it for the appraisal: only then is there anything to connect to
    needs = any(counterfactual_of(ds) is None for ds in datasets)
    source: Any = sources if isinstance(data, dict) else str(args.results[0])
    try:
        with _engine(args.scheduler if needs else None) as client:
            write_report(
                data,
                out,
                title=args.title,
                source=source,
                workers=args.workers,
                executor=client,
                progress=args.progress,
            )
    except OSError as err:
        raise _cannot_write("report", out, err) from None
    except ValueError as err:  # not dxsim results, an unfinished sweep, a sweep among runs, no scheduler
        if isinstance(err, ScenarioError):
            raise
        raise CommandError("report", str(err)) from None
    names = ", ".join(sources) if isinstance(data, dict) else datasets[0].attrs.get("scenario_name", args.results[0])
    print(f"{names}: report -> {out}")
    return 0


# --------------------------------------------------------------------------- dxsim explore


def _explore_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", type=Path, help="a store directory from dxsim sweep (or a netCDF file of a sweep)")
    p.add_argument("-o", "--output", type=Path, help="the HTML file (default: SWEEP with suffix .html)")
    p.add_argument("--title", help="the page's title (default: dxsim explorer: SCENARIO)")
    _add_engine(p)


def _cmd_explore(args: argparse.Namespace) -> int:
    from dxsim.explorer import explore
    from dxsim.results.io import open_results

    _check_counts("explore", [("--workers", args.workers)])
    out = args.output or args.sweep.with_suffix(".html")
    _check_output("explore", out)
    if out.resolve() == args.sweep.resolve():
        raise CommandError("explore", f"{out}: the output would overwrite the sweep")
    try:
        sweep = open_results(args.sweep)
    except ValueError as err:
        raise CommandError("explore", str(err)) from None

    def write(client: Any) -> Any:
        return explore(
            sweep,
            out,
            title=args.title,
            source=str(args.sweep),
            workers=args.workers,
            executor=client,
            progress=args.progress,
        )

    _on_engine("explore", args.scheduler, out, write)
    print(f"{sweep.attrs.get('scenario_name', args.sweep)}: explorer -> {out}")
    return 0


# --------------------------------------------------------------------------- the table of commands


@dataclass(frozen=True)
class Command:
    """One subcommand of ``dxsim``: what it declares and what it runs.

    Attributes
    ----------
    arguments : callable
        Adds the subcommand's arguments to its parser.
    run : callable
        Runs it on the parsed arguments; returns the exit status (0, or 130
        when interrupted) or raises :class:`CommandError`.
    help : str
        One line for ``dxsim --help``.
    description : str, optional
        The paragraph of ``dxsim COMMAND --help``.
    """

    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    help: str
    description: str | None = None


#: The subcommands, in the order ``dxsim --help`` lists them.
COMMANDS: dict[str, Command] = {
    "run": Command(_run_arguments, _cmd_run, "run a scenario and write its Dataset to netCDF"),
    "sweep": Command(
        _sweep_arguments,
        _cmd_sweep,
        "run a scenario over a grid of values and/or cases into a resumable zarr store",
        "Every point runs the same replications on common random numbers (replication k of "
        "every point uses one seed), so points differ by their rules, not by noise.",
    ),
    "calibrate": Command(
        _calibrate_arguments,
        _cmd_calibrate,
        "fit scenario parameters to targets (simulated method of moments) and write the fitted scenario",
        "TARGETS.toml names the statistics to match ([targets.NAME] statistic, month, value, weight, "
        "se) and the parameters with their bounds ([params] PATH = [LOW, HIGH]); see "
        "scenarios/targets/platform-pilot-2022.toml (bundled targets can be named: platform-pilot-2022). Every evaluation uses the same seed (common random numbers).",
    ),
    "sensitivity": Command(
        _sensitivity_arguments,
        _cmd_sensitivity,
        "Sobol indices or Morris effects of statistics with respect to bounded parameters (netCDF)",
        "Each design point runs the same replications on common random numbers.",
    ),
    "explain": Command(
        _explain_arguments,
        _cmd_explain,
        "why an enterprise adopted or not: its attributes, offers, each term of its decisions, its cash flows",
        "Reads a run written by dxsim run --decisions; the enterprise's attributes are drawn again from the "
        "run's seed and each decision recomputed with the model's rule, without running the model.",
    ),
    "optimize": Command(
        _optimize_arguments,
        _cmd_optimize,
        "search levers for the best design on objectives within constraints (optuna); write every design (netCDF)",
        "Every design runs the same replications on common random numbers. A metric is a dxsim.summarize column, "
        "NAME@MONTH, or an additionality variable (additional_accepted: the counterfactual runs too). With two "
        "--objective the output marks the Pareto front (on_front).",
    ),
    "validate": Command(_validate_arguments, _cmd_validate, "check scenario files; exit 0 if all are valid, 2 if not"),
    "scenarios": Command(_scenarios_arguments, _cmd_scenarios, "list the bundled scenarios"),
    "compare": Command(
        _compare_arguments,
        _cmd_compare,
        "headline metrics of result files side by side (mean [p5, p95] over replications)",
        "One row per metric, one column per file: mean [p5, p95] over replications "
        "(other percentiles with --interval; --format csv: numeric columns mean, p5, p95 per file; xlsx: a "
        "workbook, one column group per file). "
        "Two files on the same seed also get the paired difference, replication by replication.",
    ),
    "report": Command(
        _report_arguments,
        _cmd_report,
        "one self-contained HTML page of a run, of runs side by side, or of a sweep",
        "Scenario, headline, every party's payback for good, the appraisal against the counterfactual "
        "(the one a run holds, else it runs now) and figures. Several run files: a column per run in every "
        "table, a line per run in every figure. Figures are embedded as images and nothing is loaded from "
        "elsewhere, so the file can be mailed or archived on its own.",
    ),
    "explore": Command(
        _explore_arguments,
        _cmd_explore,
        "one self-contained HTML page with a slider per swept dimension of a sweep",
        "Moving the sliders shows the chosen point's headline numbers, adoption curve and the three parties' "
        "paybacks, all computed when the page is written (each point's counterfactual: the one the sweep holds, "
        "else run once per distinct counterfactual scenario). Data, script and style are inline: no server, "
        "no network, so the file can be mailed and opened offline.",
    ),
}


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="dxsim", description="Simulate SME digital-transformation programmes.")
    p.add_argument("--version", action="version", version=f"dxsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, command in COMMANDS.items():
        command.arguments(sub.add_parser(name, help=command.help, description=command.description))
    return p


@contextlib.contextmanager
def _deprecations_as_lines(command: str) -> Iterator[None]:
    """dxsim's DeprecationWarnings (e.g. a scenario's ``programme.tax_rate``) as one line each on stderr.

    Python hides DeprecationWarnings outside ``__main__``; a command-line user
    should see them, once each, without a traceback-like source line.
    """
    seen: set[str] = set()

    def show(message: Warning | str, category: type[Warning], filename: str, *_: object, **__: object) -> None:
        text = str(message)
        ours = "dxsim" in filename or "pydantic" in filename  # a scenario's deprecated field warns from pydantic
        if ours and text not in seen:
            seen.add(text)
            print(f"dxsim {command}: warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always", DeprecationWarning)
        warnings.showwarning = show
        yield


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every cleanup runs (temporary files, pool workers, the store's lock)."""


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the command runs, SIGTERM raises :class:`_Terminated` in the main thread (then the old handler is back).

    By default SIGTERM ends Python at once: no ``finally`` runs, so a
    temporary file or a store's lock stayed behind.
    """
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(err: KeyboardInterrupt) -> int:
    """The exit status of an interrupted command: 128 + the signal (143 for SIGTERM, 130 for Ctrl-C)."""
    return 128 + (signal.SIGTERM if isinstance(err, _Terminated) else signal.SIGINT)


def _in_file(err: ScenarioError, scenario: object) -> str:
    """``err``'s lines, those about a loaded scenario (``scenario 'NAME': ...``) naming its file instead.

    A scenario checked after loading (the draws of its ``[uncertain]`` table)
    knows its name, not its file; the command line knows the file.
    """
    if not isinstance(scenario, str) or not Path(scenario).is_file():
        return str(err)
    named = re.compile(r"""^scenario (?:'[^']*'|"[^"]*"): """)
    return "\n".join(named.sub(f"{scenario}: ", line, count=1) for line in err.lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dxsim`` command; returns the exit status.

    0 on success; 2 after one line per problem on standard error (a
    :class:`CommandError`, or a :class:`~dxsim.scenario.errors.ScenarioError`
    with one line per field); 130 when interrupted (Ctrl-C), 143 when
    terminated (SIGTERM), in both cases after removing temporary files and
    stopping the workers.  A renamed option (:data:`RENAMED_OPTIONS`) first
    prints ``dxsim COMMAND: OLD is deprecated; use NEW``.
    """
    args = _parser().parse_args(argv)
    for old in dict.fromkeys(getattr(args, "renamed_options", [])):
        print(f"dxsim {args.command}: {old} is deprecated; use {RENAMED_OPTIONS[old]}", file=sys.stderr)
    try:
        with _sigterm_as_interrupt(), _deprecations_as_lines(args.command):
            return COMMANDS[args.command].run(args)
    except CommandError as err:
        print(str(err), file=sys.stderr)
        return 2
    except ScenarioError as err:
        print(_in_file(err, getattr(args, "scenario", None)), file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        print(f"dxsim: {'terminated' if isinstance(err, _Terminated) else 'interrupted'}", file=sys.stderr)
        return _interrupted(err)


if __name__ == "__main__":
    sys.exit(main())
