"""An [uncertain] table that can make an invalid scenario stops a run before its first replication."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

import dxsim as dx
import dxsim.experiment.executors as executors
from dxsim.random import replication_key
from dxsim.scenario import ScenarioError
from dxsim.scenario.uncertain import draw_uncertain

#: Valid at its centre and in replications 0 to 6 of seed 7; replication 7 draws a share above 0.9
#: (above 1 with the 10% platform discount).
CROSS = 'programme.instruments[0].share" = { dist = "uniform", low = 0.6, high = 0.95 }'
#: A normal on a share: validation refuses it.
NORMAL = 'contract.platform_discount" = { dist = "normal", mean = 0.1, sd = 0.2 }'


def _scenario(tmp_path, entry: str):
    path = tmp_path / "x.toml"
    path.write_text(f'extends = "small"\nname = "x"\nhorizon_months = 12\n[uncertain]\n"{entry}\n')
    return path


def test_a_bad_draw_stops_simulate_before_any_replication(tmp_path, monkeypatch):
    ran = []
    run = executors.replicate
    monkeypatch.setattr(executors, "replicate", lambda *task: ran.append(task[2]) or run(*task))
    with pytest.raises(ScenarioError, match=r"replication 7 of seed 7 draws programme\.instruments\[0\]\.share"):
        dx.simulate(_scenario(tmp_path, CROSS), replications=20, seed=7)
    assert ran == []  # before: replications 0 to 6 ran, then the 8th stopped the run
    assert dx.simulate(_scenario(tmp_path, CROSS), replications=2, seed=7).sizes["replication"] == 2


def test_a_bad_draw_stops_a_sweep_before_its_store_is_written(tmp_path):
    store = tmp_path / "store"
    with pytest.raises(ScenarioError, match="replication 7 of seed 7"):
        dx.sweep(
            _scenario(tmp_path, CROSS), {"contract.platform_discount": [0.0, 0.1]}, replications=20, seed=7, store=store
        )
    assert not store.exists()


@pytest.mark.parametrize(
    ("entry", "command", "says"),
    [
        (NORMAL, "validate", 'x.toml: uncertain."contract.platform_discount": normal(mean=0.1, sd=0.2) can draw'),
        (NORMAL, "run", 'x.toml: uncertain."contract.platform_discount": normal(mean=0.1, sd=0.2) can draw'),
        (
            CROSS,
            "run",
            "x.toml: uncertain: replication 7 of seed 7 draws programme.instruments[0].share = 0.931301",
        ),
        (NORMAL, "sensitivity", 'x.toml: uncertain."contract.platform_discount": normal(mean=0.1, sd=0.2) can draw'),
        (CROSS, "sensitivity", "x.toml: uncertain: replication 7 of seed 7 draws programme.instruments[0].share"),
    ],
)
def test_the_cli_says_it_in_one_line_with_status_2_and_writes_nothing(tmp_path, capsys, entry, command, says):
    scenario, out = _scenario(tmp_path, entry), tmp_path / "out.nc"
    argv = {
        "validate": [],
        "run": ["-n", "20", "--seed", "7", "-o", str(out)],
        "sensitivity": [
            "--param",
            "programme.instruments[0].share=0.1,0.5",
            "--statistic",
            "adopters",
            "--method",
            "morris",
            "-N",
            "2",
            "-n",
            "20",
            "--seed",
            "7",
            "-o",
            str(out),
        ],
    }[command]
    status, _, err = run_cli(capsys, command, str(scenario), *argv)
    assert status == 2 and len(err.splitlines()) == 1 and says in err
    assert not out.exists()


def test_a_valid_uncertain_scenario_runs_with_the_same_draws(tmp_path):
    entry = 'contract.platform_discount" = { dist = "beta", a = 2, b = 8 }'
    ds = dx.simulate(_scenario(tmp_path, entry), replications=3, seed=7)
    sc = dx.load_scenario(_scenario(tmp_path, entry))
    expected = [draw_uncertain(sc.uncertain, replication_key(7, k))["contract.platform_discount"] for k in range(3)]
    assert np.array_equal(ds["uncertain_value"].sel(uncertain="contract.platform_discount").values, expected)
    assert len(set(expected)) == 3 and all(0 < x < 1 for x in expected)
