"""Every hostile input of the corpus (tests/hostile/corpus.py) is refused with exit 2 and one line
naming the file and the field, or, where documented, runs to the end: never a traceback, a hang
(30 s per case), a secret echoed or a file left behind.

The commands run in this process (tests/cli_helpers.py), so the whole corpus takes seconds.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_helpers import run_cli
from corpus import CASES, Base, Case, make_base

#: Longest a case may take, seconds.
TIME_LIMIT = 30
#: Texts of the corpus's files that no message may show.
SECRETS = ("hunter2", "s3cr3t")


class CaseTimeout(Exception):
    """A case ran past :data:`TIME_LIMIT` (not a KeyboardInterrupt: the command must not catch it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise CaseTimeout(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    return make_base(tmp_path_factory.mktemp("base"))


def test_the_corpus_is_large():
    assert len(CASES) >= 100
    assert {c.outcome for c in CASES} == {"refused", "ok"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_input(case: Case, base: Base, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default output (results/NAME.nc) would land here
    folder = tmp_path / "case"
    folder.mkdir()
    argv = case.build(folder, base)
    before = files(tmp_path)
    with time_limit(TIME_LIMIT):
        status, out, err = run_cli(capsys, *argv)
    assert "Exception ignored" not in err and not any(s in out + err for s in SECRETS)
    made = files(tmp_path) - before
    if case.outcome == "ok":
        assert status == 0, err
        assert not [name for name in made if name.endswith(".tmp") or "/." in f"/{name}"], made
        return
    assert status == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert case.field in lines[0], lines[0]
    where = argv[1] if case.where is None else "" if case.where == "" else str(folder / case.where)
    assert where in lines[0], lines[0]
    assert made == set(), made  # no output, not even a partial or temporary one
