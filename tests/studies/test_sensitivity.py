"""dx.sensitivity: Sobol indices and Morris effects through the sweep machinery.

An output that depends on one parameter only has first-order and total Sobol
indices of about 1 for it and about 0 for the others.  In ``small`` without
demonstration effects, the number of adopters depends on the cost share but
not on how much maturity a project brings (which decides lighthouses, and
feeds back into adoption only through the budget a failed acceptance frees);
the number of lighthouses depends on both.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from cli_helpers import run_cli

import dxsim as dx

SHARE = "programme.instruments[0].share"
GAIN = "solutions.lightweight-mes.maturity_gain.mean"
PARAMS = {SHARE: (0.0, 0.6), GAIN: (10.0, 40.0)}
OUTPUTS = ["adopters@24", "lighthouses@24"]


@pytest.fixture(scope="module")
def market(small: dx.Scenario) -> dx.Scenario:
    return small.with_overrides({"horizon_months": 24, "industry_defaults.demonstration": 0.0})


@pytest.fixture(scope="module")
def sobol(market):
    return dx.sensitivity(market, PARAMS, OUTPUTS, n=32, seed=3)


def test_an_output_of_one_parameter_has_sobol_indices_one_and_zero(sobol):
    adopters = sobol.sel(output="adopters@24")
    for index in ("S1", "ST"):
        assert adopters[index].sel(param=SHARE) == pytest.approx(1.0, abs=0.15), index
        assert abs(float(adopters[index].sel(param=GAIN))) < 0.05, index
    assert (sobol["S1_conf"] >= 0).all() and (sobol["ST_conf"] >= 0).all()
    # Lighthouses depend mostly on the maturity a project brings.
    lighthouses = sobol.sel(output="lighthouses@24")
    assert lighthouses["ST"].sel(param=GAIN) > 0.5 > lighthouses["ST"].sel(param=SHARE)


def test_the_dataset_says_what_was_run(sobol, market):
    assert sobol["S1"].dims == ("output", "param")
    assert list(sobol["param"].values) == list(PARAMS)
    assert list(sobol["output_units"].values) == ["enterprises", "enterprises"]
    n_points = 32 * (len(PARAMS) + 2)  # Saltelli without second order
    assert sobol["sample_value"].shape == (n_points, 2) and sobol["sample_output"].shape == (n_points, 2)
    for name, var in sobol.data_vars.items():
        assert var.attrs.get("units") and var.attrs.get("long_name"), name
    assert sobol.attrs["method"] == "sobol" and sobol.attrs["seed"] == 3
    assert dx.scenario_of(sobol) == market
    # The sample stays inside the bounds, and each output is the statistic of a run at that point.
    lo = np.array([b[0] for b in PARAMS.values()])
    hi = np.array([b[1] for b in PARAMS.values()])
    assert ((sobol["sample_value"] >= lo) & (sobol["sample_value"] <= hi)).all()
    point = sobol["sample_value"].values[5]
    ds = dx.simulate(market.with_overrides(dict(zip(PARAMS, map(float, point), strict=True))), seed=3)
    assert sobol["sample_output"].values[5, 0] == float(ds["adopters"].isel(month=23).sum())


def test_morris_gives_no_effect_to_a_parameter_an_output_ignores(market):
    mo = dx.sensitivity(market, PARAMS, ["adopters@24", "lighthouses"], method="morris", n=6, seed=3)
    adopters = mo.sel(output="adopters@24")
    assert float(adopters["mu_star"].sel(param=GAIN)) <= 0.05 * float(adopters["mu_star"].sel(param=SHARE))
    assert float(adopters["mu_star"].sel(param=SHARE)) > 0
    assert (mo["mu_star"] >= abs(mo["mu"]) - 1e-9).all()
    assert mo["sample_value"].shape == (6 * (len(PARAMS) + 1), 2)


def test_a_store_gives_the_same_indices_and_resumes(market, tmp_path):
    store = tmp_path / "si.zarr"
    args = (market, PARAMS, ["adopters@24"])
    kwargs = {"method": "morris", "n": 2, "seed": 3, "replications": 2}
    plain = dx.sensitivity(*args, **kwargs)
    stored = dx.sensitivity(*args, store=store, **kwargs)
    np.testing.assert_array_equal(plain["sample_output"].values, stored["sample_output"].values)
    np.testing.assert_array_equal(plain["mu_star"].values, stored["mu_star"].values)
    again = dx.sensitivity(*args, store=store, resume=True, **kwargs)  # nothing left to run
    np.testing.assert_array_equal(again["mu_star"].values, stored["mu_star"].values)


def test_two_workers_give_the_same_indices(market):
    kwargs = {"method": "morris", "n": 2, "seed": 4}
    one = dx.sensitivity(market, PARAMS, ["adopters@24"], **kwargs)
    two = dx.sensitivity(market, PARAMS, ["adopters@24"], workers=2, **kwargs)
    np.testing.assert_array_equal(one["sample_output"].values, two["sample_output"].values)


def test_plot_of_the_indices(sobol):
    ax = dx.plot.sensitivity(sobol, "lighthouses@24")
    assert len(ax.patches) == 2 * len(PARAMS)  # S1 and ST per parameter
    assert "Sobol" in ax.get_title() and "lighthouses@24" in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == list(PARAMS)
    with pytest.raises(ValueError, match="not in the Dataset"):
        dx.plot.sensitivity(sobol, "accepted")


@pytest.mark.parametrize(
    ("params", "outputs", "expected"),
    [
        ({SHARE: (0.6, 0.1)}, ["adopters"], 'sensitivity: params."programme.instruments[0].share": low must be < high'),
        ({"contract.discount": (0.0, 0.1)}, ["adopters"], "contract.discount: unknown field"),
        ({SHARE: (0.0, 0.1)}, ["adoptres"], "sensitivity: outputs: adoptres: unknown statistic"),
        ({SHARE: (0.0, 0.1)}, ["adopters@999"], "sensitivity: outputs: adopters@999: month must be in 1 .. 60"),
        ({SHARE: (0.0, 0.1)}, ["leverage@12"], "sensitivity: outputs: leverage@12: no value at a month"),
    ],
)
def test_bad_parameters_and_outputs_are_refused_in_one_line(small, params, outputs, expected):
    with pytest.raises(dx.ScenarioError) as err:
        dx.sensitivity(small, params, outputs)
    assert len(err.value.lines) == 1 and expected in err.value.lines[0], err.value.lines


def test_cli(capsys, tmp_path, market):
    scenario = tmp_path / "market.toml"
    scenario.write_text(market.to_toml(), encoding="utf-8")
    out = tmp_path / "si.nc"
    argv = ["sensitivity", str(scenario), "--param", f"{SHARE}=0.0,0.6", "--param", f"{GAIN}=10,40"]
    argv += ["--output-metric", "adopters@24", "--method", "morris", "-N", "2", "--seed", "3", "-o", str(out)]
    status, stdout, err = run_cli(capsys, *argv)
    assert status == 0, err
    assert "mu_star" in stdout and str(out) in stdout
    import xarray as xr

    with xr.open_dataset(out, engine="h5netcdf") as si:
        assert si["mu_star"].dims == ("output", "param")
    bad = tmp_path / "bad.nc"
    status, _, err = run_cli(capsys, "sensitivity", str(scenario), "--param", f"{SHARE}=0.6,0.1",
                             "--output-metric", "adopters", "-o", str(bad))  # fmt: skip
    assert status == 2 and err.count("\n") == 1 and "low must be < high" in err
    assert not bad.exists()
    status, _, err = run_cli(capsys, "sensitivity", str(scenario), "--param", f"{SHARE}=0.6", "-o", str(bad))
    assert status == 2 and "PATH=LOW,HIGH" in err and not bad.exists()
