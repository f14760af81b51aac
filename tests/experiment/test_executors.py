"""The local process pool: safe in a process holding threads, from a script without a
``__main__`` guard and from a Jupyter kernel (issue 12, item 7)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import nbformat
import pytest
from nbclient import NotebookClient

SCRIPT = """
import threading, time
import xarray as xr
import dxsim as dx

held = threading.Lock()
held.acquire()  # a lock held by this process while the pool starts (what a fork would copy, held)
threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
pooled = dx.simulate("small", replications=3, seed=2, workers=2)
serial = dx.simulate("small", replications=3, seed=2)
xr.testing.assert_identical(pooled, serial)
print("identical")
"""


def test_a_script_without_a_main_guard_runs_on_two_workers(tmp_path):
    script = tmp_path / "no_guard.py"
    script.write_text(textwrap.dedent(SCRIPT))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "identical"


@pytest.mark.slow
def test_a_jupyter_kernel_runs_on_two_workers():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SCRIPT)]
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    stdout = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("name") == "stdout")
    assert stdout.strip() == "identical"
