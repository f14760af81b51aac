"""The ``dxsim`` command line: parse, call the API, print. No model logic here.

Bad input exits with status 2 and one line per problem (file, field, value),
never a traceback, and leaves no output file behind.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dxsim._version import __version__
from dxsim.scenario.errors import ScenarioError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"dxsim: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="dxsim", description="Simulate SME digital-transformation programmes.")
    p.add_argument("--version", action="version", version=f"dxsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and write its Dataset to netCDF")
    run.add_argument("scenario", help="bundled scenario name or TOML file")
    run.add_argument("-o", "--output", type=Path, help="netCDF file (default results/NAME.nc)")
    run.add_argument("--replications", "-n", type=int, default=10, help="replications (default 10)")
    run.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    run.add_argument("--workers", type=int, default=1, help="local processes (default 1)")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar")

    sw = sub.add_parser(
        "sweep",
        help="run a scenario over a grid of values and/or cases into a resumable zarr store",
        description="Every point runs the same replications on common random numbers (replication k of "
        "every point uses one seed), so points differ by their rules, not by noise.",
    )
    sw.add_argument("scenario", help="bundled scenario name or TOML file")
    sw.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="[ALIAS:]PATH=V1,V2,...",
        help="a dimension over the values of a field (int, float, true/false, else text), "
        "named ALIAS or PATH; repeat for a grid",
    )
    sw.add_argument(
        "--case",
        dest="cases",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a value of the dimension 'case': a TOML file of overrides (tables become dotted paths)",
    )
    sw.add_argument("-o", "--output", type=Path, required=True, help="the store, a directory (sweep.zarr)")
    sw.add_argument("--replications", "-n", type=int, default=10, help="replications per point (default 10)")
    sw.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    sw.add_argument("--workers", type=int, default=1, help="local processes (default 1)")
    sw.add_argument("--scheduler", metavar="ADDRESS", help="run on a dask cluster (tcp://host:8786)")
    sw.add_argument("--resume", action="store_true", help="continue an interrupted sweep in the store")
    sw.add_argument("--block-size", type=int, default=10, help="replications per stored block (default 10)")
    sw.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar")

    cal = sub.add_parser(
        "calibrate",
        help="fit scenario parameters to targets (simulated method of moments) and write the fitted scenario",
        description="TARGETS.toml names the statistics to match ([targets.NAME] statistic, month, value, weight, "
        "se) and the parameters with their bounds ([params] PATH = [LOW, HIGH]); see "
        "scenarios/targets/platform-pilot-2022.toml (bundled targets can be named: platform-pilot-2022). Every evaluation uses the same seed (common random numbers).",
    )
    cal.add_argument("scenario", help="bundled scenario name or TOML file")
    cal.add_argument("targets", help="the targets TOML file, or the name of a bundled one")
    cal.add_argument("-o", "--output", type=Path, required=True, help="the fitted scenario (TOML)")
    cal.add_argument("--replications", "-n", type=int, default=None, help="replications per evaluation")
    cal.add_argument("--seed", type=int, default=None, help="seed (default: the targets file's, else the scenario's)")
    cal.add_argument("--method", choices=("nelder-mead", "powell", "differential-evolution"), help="optimiser")
    cal.add_argument("--maxiter", type=int, default=None, help="iteration limit of the optimiser")
    _add_engine(cal)

    sen = sub.add_parser(
        "sensitivity",
        help="Sobol indices or Morris effects of outputs with respect to bounded parameters (netCDF)",
        description="Each design point runs the same replications on common random numbers.",
    )
    sen.add_argument("scenario", help="bundled scenario name or TOML file")
    sen.add_argument(
        "--param", dest="params", action="append", default=[], metavar="PATH=LOW,HIGH", help="a parameter; repeat"
    )
    sen.add_argument(
        "--output-metric",
        dest="outputs",
        action="append",
        default=[],
        metavar="NAME[@MONTH]",
        help="a statistic (a dxsim.summarize column, or adopters/accepted/... @MONTH); repeat",
    )
    sen.add_argument("-o", "--output", type=Path, required=True, help="the indices (netCDF)")
    sen.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="default sobol")
    sen.add_argument("-N", "--samples", type=int, default=64, help="base samples (Sobol) or trajectories (Morris)")
    sen.add_argument("--replications", "-n", type=int, default=1, help="replications per point (default 1)")
    sen.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    _add_engine(sen)

    val = sub.add_parser("validate", help="check scenario files; exit 0 if all are valid, 2 if not")
    val.add_argument("scenarios", nargs="+", help="bundled names or TOML files")

    sub.add_parser("scenarios", help="list the bundled scenarios")

    cmp_ = sub.add_parser(
        "compare",
        help="headline metrics of result files side by side (mean [p5, p95] over replications)",
        description="One row per metric, one column per file: mean [p5, p95] over replications "
        "(--format csv: numeric columns mean, p5, p95 per file; xlsx: a workbook, one column group per file). "
        "Two files on the same seed also get the paired difference, replication by replication.",
    )
    cmp_.add_argument("results", nargs="+", type=Path, help="netCDF files written by dxsim run")
    cmp_.add_argument(
        "--counterfactual",
        action="store_true",
        help="also run each file's counterfactual (its scenario without public money, same seed) "
        "and report additionality",
    )
    cmp_.add_argument("--format", choices=("table", "csv", "markdown", "xlsx"), default="table", help="output format")
    cmp_.add_argument(
        "-o", "--output", type=Path, help="write to this file (atomically) instead of printing; needed for xlsx"
    )

    rep = sub.add_parser(
        "report",
        help="one self-contained HTML page of a run or a sweep: scenario, headline table, figures",
        description="Figures are embedded as images and nothing is loaded from elsewhere, so the file "
        "can be mailed or archived on its own.",
    )
    rep.add_argument("results", type=Path, help="a netCDF file from dxsim run or a store directory from dxsim sweep")
    rep.add_argument("-o", "--output", type=Path, help="the HTML file (default: RESULTS with suffix .html)")
    rep.add_argument("--title", help="the page's title (default: dxsim report: SCENARIO)")
    return p


def _add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=1, help="local processes (default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a dask cluster (tcp://host:8786)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar")


def _cmd_run(args: argparse.Namespace) -> int:
    from dxsim.analysis.metrics import headline
    from dxsim.experiment.simulate import simulate
    from dxsim.results.dataset import write_netcdf
    from dxsim.scenario.load import load_scenario

    if args.replications < 1:
        print(f"dxsim run: --replications must be >= 1, got {args.replications}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print(f"dxsim run: --workers must be >= 1, got {args.workers}", file=sys.stderr)
        return 2
    scenario = load_scenario(args.scenario)
    out = args.output or Path("results") / f"{scenario.name}.nc"
    if out.is_dir():  # checked before the (long) run, not after
        print(f"dxsim run: {out}: output is a directory, not a file", file=sys.stderr)
        return 2
    ds = simulate(
        scenario, replications=args.replications, seed=args.seed, workers=args.workers, progress=args.progress
    )
    try:
        write_netcdf(ds, out)
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        print(f"dxsim run: {out}: cannot write: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    table = headline(ds)
    print(f"{scenario.name}: {args.replications} replications, seed {ds.attrs['seed']} -> {out}")
    print(table.to_string(float_format=lambda x: f"{x:,.1f}"))
    return 0


def _value(text: str) -> Any:
    """A --set value: int, float, true/false, else the text."""
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


def _sweep_spec(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """--set and --case into the API's params and cases; ValueError names the bad argument."""
    import tomllib

    params: dict[str, Any] = {}
    for spec in args.sets:
        name, eq, values = spec.partition("=")
        alias, colon, path = name.partition(":")
        if not colon:
            alias = path = name
        if not eq or not alias.strip() or not path.strip() or not values:
            raise ValueError(f"--set {spec}: expected [ALIAS:]PATH=V1,V2,...")
        if alias in params:
            raise ValueError(f"--set {spec}: dimension {alias!r} given twice")
        parsed = [_value(v.strip()) for v in values.split(",")]
        params[alias] = (path, parsed) if colon else parsed
    cases: dict[str, dict[str, Any]] = {}
    for spec in args.cases:
        label, eq, file = spec.partition("=")
        if not eq or not label or not file:
            raise ValueError(f"--case {spec}: expected NAME=FILE")
        if label in cases:
            raise ValueError(f"--case {spec}: case {label!r} given twice")
        try:
            cases[label] = _flatten(tomllib.loads(Path(file).read_text(encoding="utf-8")))
        except OSError as err:
            raise ValueError(f"{file}: cannot read: {err.strerror or err}") from None
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"{file}: not valid TOML: {err}") from None
    if not params and not cases:
        raise ValueError("give at least one --set or --case")
    return params, cases


def _cmd_sweep(args: argparse.Namespace) -> int:
    from dxsim.experiment.simulate import sweep
    from dxsim.scenario.load import load_scenario

    for option, n in (
        ("--replications", args.replications),
        ("--workers", args.workers),
        ("--block-size", args.block_size),
    ):
        if n < 1:
            print(f"dxsim sweep: {option} must be >= 1, got {n}", file=sys.stderr)
            return 2
    client = None
    try:
        params, cases = _sweep_spec(args)
        scenario = load_scenario(args.scenario)
        for spec in args.cases:  # name the case file in its errors (the sweep checks every point again)
            label, _, file = spec.partition("=")
            try:
                scenario.with_overrides(cases[label])
            except ScenarioError as err:
                raise ScenarioError(line.replace("<overrides>", file, 1) for line in err.lines) from None
        client = _connect(args.scheduler)
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
    except ScenarioError:
        raise
    except ValueError as err:  # bad --set/--case, a sweep that cannot be, a store that cannot be used
        print(f"dxsim sweep: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        where = err.filename or args.output
        print(f"dxsim sweep: {where}: cannot write: {err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"dxsim sweep: interrupted; finished blocks are in {args.output}, continue with --resume", file=sys.stderr
        )
        return 130
    finally:
        if client is not None:
            client.close()
    dims = [name for name, _ in json.loads(ds.attrs["sweep"])["dims"]]
    points = math.prod(ds.sizes[name] for name in dims)
    shape = " x ".join(f"{name} {ds.sizes[name]}" for name in dims)
    print(
        f"{scenario.name}: {points} point{'s' * (points != 1)} ({shape}) x {args.replications} replications, "
        f"seed {ds.attrs['seed']} -> {args.output}"
    )
    return 0


def _connect(scheduler: str | None) -> Any:
    """A dask Client for ``--scheduler``, or None; ValueError if it cannot connect."""
    if not scheduler:
        return None
    from distributed import Client

    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise ValueError(f"cannot connect to the scheduler {scheduler}: {err}") from None


def _usable(command: str, output: Path, options: Sequence[tuple[str, int | None]]) -> bool:
    """Check counts (>= 1) and the output path before a long computation; print one line if not usable."""
    for option, n in options:
        if n is not None and n < 1:
            print(f"dxsim {command}: {option} must be >= 1, got {n}", file=sys.stderr)
            return False
    if output.is_dir():
        print(f"dxsim {command}: {output}: output is a directory, not a file", file=sys.stderr)
        return False
    return True


def _on_engine(command: str, args: argparse.Namespace, work: Callable[[Any], Any]) -> tuple[int, Any]:
    """``work(client)`` with the dask client of ``--scheduler`` (None: local ``--workers``).

    Returns ``(0, result)``, or ``(2, None)`` after printing one line for a bad value or a file
    that cannot be written; a ScenarioError goes on to :func:`main`.
    """
    client = None
    try:
        client = _connect(args.scheduler)
        return 0, work(client)
    except OSError as err:
        print(f"dxsim {command}: {args.output}: cannot write: {err.strerror or err}", file=sys.stderr)
    except ValueError as err:
        if isinstance(err, ScenarioError):
            raise
        print(f"dxsim {command}: {err}", file=sys.stderr)
    finally:
        if client is not None:
            client.close()
    return 2, None


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from dxsim.scenario.load import load_scenario
    from dxsim.studies.calibrate import calibrate

    counts = [("--replications", args.replications), ("--workers", args.workers), ("--maxiter", args.maxiter)]
    if not _usable("calibrate", args.output, counts):
        return 2
    scenario = load_scenario(args.scenario)

    def fit_and_write(client: Any) -> Any:
        fit = calibrate(
            scenario,
            args.targets,
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

    status, fit = _on_engine("calibrate", args, fit_and_write)
    if status == 0:
        print(fit.summary())
        print(f"-> {args.output}")
    return status


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from dxsim.results.dataset import write_netcdf
    from dxsim.scenario.load import load_scenario
    from dxsim.studies.sensitivity import sensitivity

    counts = [("--samples", args.samples), ("--replications", args.replications), ("--workers", args.workers)]
    if not _usable("sensitivity", args.output, counts):
        return 2
    params: dict[str, tuple[float, float]] = {}
    for spec in args.params:
        path, _, bounds = spec.partition("=")
        try:
            low, high = (float(b) for b in bounds.split(","))
        except ValueError:
            print(f"dxsim sensitivity: --param {spec}: expected PATH=LOW,HIGH", file=sys.stderr)
            return 2
        params[path] = (low, high)
    if not params or not args.outputs:
        print("dxsim sensitivity: give at least one --param and one --output-metric", file=sys.stderr)
        return 2
    scenario = load_scenario(args.scenario)

    def analyse_and_write(client: Any) -> Any:
        si = sensitivity(
            scenario,
            params,
            args.outputs,
            method=args.method,
            n=args.samples,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
            executor=client,
            progress=args.progress,
        )
        write_netcdf(si, args.output)
        return si

    status, si = _on_engine("sensitivity", args, analyse_and_write)
    if status == 0:
        names = ["S1", "ST"] if args.method == "sobol" else ["mu_star", "sigma"]
        table = si[names].to_dataframe().drop(columns="output_units")
        print(table.to_string(float_format=lambda x: f"{x:,.3g}"))
        print(f"-> {args.output}")
    return status


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


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from dxsim.scenario.load import bundled_scenarios, load_scenario

    for name in bundled_scenarios():
        sc = load_scenario(name)
        print(f"{name:28s} {sc.description}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from dxsim.studies.additionality import compare, format_comparison, read_run, write_comparison

    if args.format == "xlsx" and args.output is None:
        print("dxsim compare: --format xlsx writes a workbook: give -o FILE.xlsx", file=sys.stderr)
        return 2
    if args.output is not None and args.output.is_dir():  # checked before the (long) comparison
        print(f"dxsim compare: {args.output}: output is a directory, not a file", file=sys.stderr)
        return 2
    runs = {}
    for path in args.results:
        try:
            ds = read_run(path)
        except ValueError as err:
            print(f"dxsim compare: {err}", file=sys.stderr)
            return 2
        label = path.stem if path.stem not in runs else str(path)
        runs[label] = ds
    try:
        table = compare(runs, counterfactual=args.counterfactual or None)
    except ValueError as err:
        print(f"dxsim compare: {err}", file=sys.stderr)
        return 2
    if args.output is None:
        print(format_comparison(table, args.format))
        return 0
    try:
        write_comparison(table, args.output, args.format)
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        print(f"dxsim compare: {args.output}: cannot write: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    print(f"{len(table)} metrics x {len(runs)} runs ({args.format}) -> {args.output}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from dxsim.report import open_results, write_report

    out = args.output or args.results.with_suffix(".html")
    if out.is_dir():
        print(f"dxsim report: {out}: output is a directory, not a file", file=sys.stderr)
        return 2
    if out.resolve() == args.results.resolve():
        print(f"dxsim report: {out}: the output would overwrite the results", file=sys.stderr)
        return 2
    try:
        ds = open_results(args.results)
        write_report(ds, out, title=args.title, source=str(args.results))
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        print(f"dxsim report: {out}: cannot write: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    except ValueError as err:  # not dxsim results, an unfinished sweep
        print(f"dxsim report: {err}", file=sys.stderr)
        return 2
    print(f"{ds.attrs.get('scenario_name', args.results)}: report -> {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dxsim`` command; returns the exit status."""

    args = _parser().parse_args(argv)
    commands = {
        "run": _cmd_run,
        "sweep": _cmd_sweep,
        "validate": _cmd_validate,
        "scenarios": _cmd_scenarios,
        "compare": _cmd_compare,
        "report": _cmd_report,
        "calibrate": _cmd_calibrate,
        "sensitivity": _cmd_sensitivity,
    }
    try:
        return commands[args.command](args)
    except ScenarioError as err:
        print(str(err), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dxsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
