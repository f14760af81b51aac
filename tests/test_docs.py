"""The ``>>>`` examples of the documentation pages (docs/**/*.md) run and print what they show.

Each page's examples run in order in one namespace, like a doctest file, in an empty
temporary directory (so files the examples write land there), with ELLIPSIS and
NORMALIZE_WHITESPACE. Markdown fence lines (```` ``` ````, ``~~~``, ``:::``) are blanked first, so
that a fence closing a code block does not count as expected output. The docs build
(``make docs``) renders the pages but does not run them; this test does.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: Built or copied by the docs build, not written by hand.
NOT_PAGES = {"_build", "_templates", "generated", "notebooks"}
PAGES = sorted(p for p in DOCS.rglob("*.md") if not NOT_PAGES & set(p.relative_to(DOCS).parts))
IDS = [p.relative_to(DOCS).as_posix() for p in PAGES]
FENCE = re.compile(r"^[ \t]*(?:```|~~~|:::).*$", re.MULTILINE)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def examples(path: Path) -> doctest.DocTest:
    """The page's ``>>>`` examples as one doctest (line numbers as in the file)."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return doctest.DocTestParser().get_doctest(text, {"__name__": "__main__"}, path.stem, str(path), 0)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty working directory; afterwards no open figures and pandas' default display options."""
    monkeypatch.chdir(tmp_path)
    yield
    plt.close("all")
    pd.reset_option("^display\\.")


def test_there_are_pages_with_examples():
    assert PAGES, "no docs/*.md found"
    assert len(examples(DOCS / "tutorial.md").examples) >= 10


@pytest.mark.parametrize("path", PAGES, ids=IDS)
def test_examples_run(path: Path):
    test = examples(path)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=True)
    assert runner.failures == 0, f"{path.name}: {runner.failures} of {runner.tries} examples failed\n" + "".join(report)
