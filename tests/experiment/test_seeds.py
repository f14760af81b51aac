"""Seeds are whole numbers from 0 to 2**64 - 1, in Python, in a scenario file and on the command line
(issue 15, item 4 of its build list, the seed part)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli

import dxsim as dx

BAD = [-1, 1.5, "7", True, 2**64]


@pytest.fixture(scope="module")
def short() -> dx.Scenario:
    return dx.load_scenario("small").with_overrides({"horizon_months": 6})


@pytest.mark.parametrize("seed", BAD, ids=repr)
def test_a_bad_seed_is_refused_before_any_run(short, seed, monkeypatch):
    import dxsim.experiment.simulate as simulate_module

    monkeypatch.setattr(simulate_module, "run_tasks", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(ValueError, match=r"^seed\(=.*\) must be a whole number from 0 to 2\*\*64 - 1$"):
        dx.simulate(short, seed=seed)


def test_the_largest_seed_runs_and_is_stored(short, tmp_path):
    ds = dx.simulate(short, seed=2**64 - 1)
    dx.write_netcdf(ds, tmp_path / "big.nc")
    assert int(dx.open_results(tmp_path / "big.nc").attrs["seed"]) == 2**64 - 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("seed = -1", "seed: Input should be greater than or equal to 0, got -1"),
        ("seed = 1.5", "seed: Input should be a valid integer, got 1.5"),
        ('seed = "7"', "seed: Input should be a valid integer, got '7'"),
        ("seed = 18446744073709551616", "seed: Input should be less than or equal to 18446744073709551615"),
    ],
)
def test_a_bad_seed_in_a_scenario_is_one_line(capsys, tmp_path, line, message):
    path = tmp_path / "seeded.toml"
    small = Path(dx.bundled_scenarios()["small"]).read_text(encoding="utf-8")
    assert "\nseed = 7\n" in small
    path.write_text(small.replace("\nseed = 7\n", f"\n{line}\n", 1), encoding="utf-8")
    status, out, err = run_cli(capsys, "validate", str(path))
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"{path}: {message}")
