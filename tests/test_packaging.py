"""The wheel carries the bundled scenarios, usable by name after a non-editable install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import dxsim as dx

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_bundles_scenarios_usable_by_name(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("dxsim-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    for name in dx.bundled_scenarios():
        assert f"dxsim/_scenarios/{name}.toml" in names
    assert "dxsim/_scenarios/industries_2022.csv" in names
    assert "dxsim/py.typed" in names
    code = (
        "import dxsim as dx, pathlib; "
        "assert 'site' in pathlib.Path(dx.__file__).parts; "
        "sc = dx.load_scenario('platform-pilot-2022'); "
        "print(len(sc.resolved_industries), len(sc.resolved_platforms))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["38", "98"]
