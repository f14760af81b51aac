"""One name per thing (docs/glossary.md): a keyword of the Python API and the option of the command
line that sets it have the same name, ``_`` written ``-`` (``block_size`` is ``--block-size``).

The exceptions are listed here, each as the glossary's "Arguments and options" table states it:
a plural keyword that takes several values is a singular option given once per value
(``params`` / ``--param``), ``executor`` is ``--scheduler ADDRESS``, a sweep's ``store`` is ``-o``.
A keyword without an option, or an option without a keyword, is listed with the reason.
"""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import dxsim as dx
from dxsim.cli import COMMANDS, RENAMED_OPTIONS

GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"

#: Each command that calls one function of the API, and that function.
API: dict[str, Callable[..., Any]] = {
    "run": dx.simulate,
    "sweep": dx.sweep,
    "calibrate": dx.calibrate,
    "sensitivity": dx.sensitivity,
    "compare": dx.compare,
    "optimize": dx.optimize,
    "explore": dx.explore,
}

#: Keyword -> its option when the name differs (documented in docs/glossary.md).
SPELLED_OTHERWISE: dict[str, dict[str, str]] = {
    "run": {"executor": "--scheduler"},
    "sweep": {"params": "--param", "cases": "--case", "executor": "--scheduler", "store": "--output"},
    "calibrate": {"params": "--param", "executor": "--scheduler"},
    "sensitivity": {"params": "--param", "statistics": "--statistic", "executor": "--scheduler"},
    "compare": {"runs": "results", "executor": "--scheduler"},  # the files, read into the runs
    "optimize": {"levers": "--lever", "constraints": "--constraint", "executor": "--scheduler"},
    "explore": {"path": "--output", "executor": "--scheduler"},
}

#: Keywords with no option, and why.
PYTHON_ONLY: dict[str, dict[str, str]] = {
    "run": {},
    "sweep": {},
    "calibrate": {},
    "sensitivity": {
        "levels": "Morris grid levels: the default (4) serves; a Python-only refinement",
        "store": "-o is the file of the indices; a sensitivity analysis streamed to a store is Python-only",
        "resume": "goes with store",
    },
    "compare": {},
    "optimize": {},
    "explore": {"source": "the command line shows the SWEEP path it was given"},
}

#: Options with no keyword: what the command does around the call, and why.
CLI_ONLY: dict[str, dict[str, str]] = {
    "run": {"--output": "the netCDF file the command writes"},
    "sweep": {},
    "calibrate": {"--output": "the fitted scenario the command writes"},
    "sensitivity": {"--output": "the netCDF file of the indices the command writes"},
    "compare": {"--format": "how the command prints or writes the tables", "--output": "where it writes them"},
    "optimize": {"--output": "the netCDF file of every evaluated design the command writes"},
    "explore": {},
}


def actions(command: str, *, renamed: bool = False) -> list[argparse.Action]:
    """The arguments of ``dxsim COMMAND`` but ``--help``; the renamed options only if ``renamed``."""
    parser = argparse.ArgumentParser()
    COMMANDS[command].arguments(parser)
    return [
        a
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction) and (renamed or not set(a.option_strings) & set(RENAMED_OPTIONS))
    ]


def name(action: argparse.Action) -> str:
    """An option's long name (``--block-size``), or a positional's name (``scenario``)."""
    return next((o for o in action.option_strings if o.startswith("--")), action.dest)


def glossary_rows() -> list[tuple[set[str], str]]:
    """The "Arguments and options" table of the glossary: (Python names, command-line cell) per row."""
    text = GLOSSARY.read_text(encoding="utf-8")
    table = text.split("## Arguments and options", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and not set(cells[0]) <= set("-"):
            rows.append((set(re.findall(r"`(\w+)`", cells[0])), cells[1]))
    return rows


@pytest.mark.parametrize("command", list(API))
def test_each_keyword_is_its_option(command):
    keywords = list(inspect.signature(API[command]).parameters)
    options = {name(a) for a in actions(command)}
    for keyword in keywords:
        if keyword in PYTHON_ONLY[command]:
            assert f"--{keyword.replace('_', '-')}" not in options, f"{keyword} has an option: not Python-only"
            continue
        option = SPELLED_OTHERWISE[command].get(keyword)
        if option is None:  # the same name, or the positional argument of that name
            option = keyword if keyword in options else f"--{keyword.replace('_', '-')}"
        assert option in options, f"dxsim {command}: {keyword}= has no option {option}"


@pytest.mark.parametrize("command", list(API))
def test_each_option_is_a_keyword(command):
    keywords = set(inspect.signature(API[command]).parameters)
    by_option = {option: keyword for keyword, option in SPELLED_OTHERWISE[command].items()}
    for action in actions(command):
        option = name(action)
        if option in CLI_ONLY[command]:
            continue
        keyword = by_option.get(option, option.removeprefix("--").replace("-", "_"))
        assert keyword in keywords, f"dxsim {command} {option}: {API[command].__name__}() has no {keyword}="


def test_the_exceptions_are_the_glossarys():
    rows = glossary_rows()
    assert rows, f"no 'Arguments and options' table in {GLOSSARY}"
    for command, spelled in SPELLED_OTHERWISE.items():
        for keyword, option in spelled.items():
            if not option.startswith("--"):
                continue  # a positional argument: its name is the command line's own
            strings = next(a.option_strings for a in actions(command) if name(a) == option)
            assert any(keyword in names and any(s in cell for s in strings) for names, cell in rows), (
                f"docs/glossary.md: no row says that {keyword} is {' or '.join(strings)}"
            )


def test_a_short_option_means_one_thing_in_every_command():
    meaning: dict[str, str] = {}
    for command in COMMANDS:
        for action in actions(command):
            for short in (o for o in action.option_strings if not o.startswith("--")):
                assert meaning.setdefault(short, name(action)) == name(action), (command, short)
    assert (meaning["-n"], meaning["-N"], meaning["-o"]) == ("--replications", "--samples", "--output")


@pytest.mark.parametrize(("old", "new"), list(RENAMED_OPTIONS.items()))
def test_a_renamed_option_sets_what_its_new_name_sets(old, new):
    users = [c for c in COMMANDS if any(old in a.option_strings for a in actions(c, renamed=True))]
    assert users, f"{old} is listed as renamed but no command takes it"
    for command in users:
        dests = {a.dest for a in actions(command, renamed=True) if {old, new} & set(a.option_strings)}
        assert len(dests) == 1, (command, old, new, dests)
