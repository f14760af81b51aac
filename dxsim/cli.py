"""The ``dxsim`` command line: parse, call the API, print. No model logic here.

Bad input exits with status 2 and one line per problem (file, field, value),
never a traceback, and leaves no output file behind.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dxsim._version import __version__

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
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar")

    val = sub.add_parser("validate", help="check scenario files; exit 0 if all are valid, 2 if not")
    val.add_argument("scenarios", nargs="+", help="bundled names or TOML files")

    sub.add_parser("scenarios", help="list the bundled scenarios")

    cmp_ = sub.add_parser(
        "compare",
        help="headline metrics of result files side by side (mean [p5, p95] over replications)",
        description="One row per metric, one column per file: mean [p5, p95] over replications "
        "(--format csv: numeric columns mean, p5, p95 per file).",
    )
    cmp_.add_argument("results", nargs="+", type=Path, help="netCDF files written by dxsim run")
    cmp_.add_argument(
        "--counterfactual",
        action="store_true",
        help="also run each file's counterfactual (its scenario without public money, same seed) "
        "and report additionality",
    )
    cmp_.add_argument("--format", choices=("table", "csv", "markdown"), default="table", help="output format")
    return p


def _cmd_run(args: argparse.Namespace) -> int:
    from dxsim.experiment import simulate
    from dxsim.metrics import headline
    from dxsim.output import write_netcdf
    from dxsim.scenario.load import load_scenario

    if args.replications < 1:
        print(f"dxsim run: --replications must be >= 1, got {args.replications}", file=sys.stderr)
        return 2
    scenario = load_scenario(args.scenario)
    out = args.output or Path("results") / f"{scenario.name}.nc"
    if out.is_dir():  # checked before the (long) run, not after
        print(f"dxsim run: {out}: output is a directory, not a file", file=sys.stderr)
        return 2
    ds = simulate(scenario, replications=args.replications, seed=args.seed, progress=args.progress)
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


def _cmd_validate(args: argparse.Namespace) -> int:
    from dxsim.scenario.errors import ScenarioError
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
    from dxsim.additionality import compare, format_comparison, read_run

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
    print(format_comparison(table, args.format))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dxsim`` command; returns the exit status."""
    from dxsim.scenario.errors import ScenarioError

    args = _parser().parse_args(argv)
    commands = {"run": _cmd_run, "validate": _cmd_validate, "scenarios": _cmd_scenarios, "compare": _cmd_compare}
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
