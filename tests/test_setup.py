"""Setting up: two commands in the README (``make run``, ``make test``), and ``make lab`` for the notebooks
(issue 16 item 5): the notebooks extra and its kernel in the same virtualenv, JupyterLab on notebooks/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_sets_up_with_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", quickstart, flags=re.S)
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make run", "make test"]
    assert "make lab" not in readme  # the notebooks' README and the docs say it


def test_the_notebooks_extra_has_the_kernel():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {re.split(r"[<>=\[ ]", requirement)[0] for requirement in extras["notebooks"]}
    assert {"jupyterlab", "ipykernel"} <= names


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_lab_installs_into_the_virtualenv_and_opens_the_notebooks(tmp_path: Path):
    venv = tmp_path / "venv"
    # Not as a sub-make of `make test`: without its MAKELEVEL and flags, make prints only the commands.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "lab", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    lines = done.stdout.splitlines()
    python = f"{venv}/bin/python"
    assert f"{python} -m pip install --quiet -e '.[notebooks]'" in lines
    assert any(line.startswith(f"{python} -m ipykernel install --sys-prefix --name python3 ") for line in lines)
    root = " --allow-root" if os.geteuid() == 0 else ""  # JupyterLab refuses root unless told
    assert lines[-1].endswith(f"{venv}/bin/jupyter lab --ServerApp.root_dir=notebooks{root}")
    for page in ("notebooks/README.md", "docs/notebooks.md"):
        assert "make lab" in (ROOT / page).read_text(encoding="utf-8"), page
