"""dx.sensitivity: Sobol indices and Morris effects through the sweep machinery.

The keywords renamed in 0.3.0 (``outputs``, ``n``, ``conf_level``) give the same
Dataset as their new names (``statistics``, ``samples``, ``interval``), with a
DeprecationWarning naming both.

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

import warnings

import numpy as np
import pytest
import xarray as xr
from cli_helpers import run_cli

import dxsim as dx

SHARE = "programme.instruments[0].share"
GAIN = "solutions.lightweight-mes.maturity_gain.mean"
PARAMS = {SHARE: (0.0, 0.6), GAIN: (10.0, 40.0)}
STATISTICS = ["adopters@24", "lighthouses@24"]


@pytest.fixture(scope="module")
def market(small: dx.Scenario) -> dx.Scenario:
    # every accepted programme SME at level 3 is a lighthouse at once (no quota), so lighthouses follow
    # maturity; lighthouses neither raise the hazard nor inform, and the share is paid at signing (so
    # platforms do not screen on the acceptance a maturity gain brings): adoption ignores maturity
    return small.with_overrides(
        {
            "horizon_months": 24,
            "programme.instruments[0].paid_at": "signing",
            "industry_defaults.demonstration": 0.0,
            "behaviour.lighthouse_evidence": 0.0,
            "programme.lighthouse": {"min_level": 3},
        }
    )


@pytest.fixture(scope="module")
def sobol(market):
    return dx.sensitivity(market, PARAMS, STATISTICS, samples=32, seed=3)


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
    assert (sobol.attrs["samples"], sobol.attrs["interval"], sobol.attrs["replications"]) == (32, 0.95, 1)
    assert dx.scenario_of(sobol) == market.with_overrides({"seed": 3})  # the seed it ran on
    # The sample stays inside the bounds, and each output is the statistic of a run at that point.
    lo = np.array([b[0] for b in PARAMS.values()])
    hi = np.array([b[1] for b in PARAMS.values()])
    assert ((sobol["sample_value"] >= lo) & (sobol["sample_value"] <= hi)).all()
    point = sobol["sample_value"].values[5]
    ds = dx.simulate(market.with_overrides(dict(zip(PARAMS, map(float, point), strict=True))), seed=3)
    assert sobol["sample_output"].values[5, 0] == float(ds["adopters"].isel(month=23).sum())


def test_morris_gives_no_effect_to_a_parameter_an_output_ignores(market):
    mo = dx.sensitivity(market, PARAMS, ["adopters@24", "lighthouses"], method="morris", samples=6, seed=3)
    adopters = mo.sel(output="adopters@24")
    assert float(adopters["mu_star"].sel(param=GAIN)) <= 0.05 * float(adopters["mu_star"].sel(param=SHARE))
    assert float(adopters["mu_star"].sel(param=SHARE)) > 0
    assert (mo["mu_star"] >= abs(mo["mu"]) - 1e-9).all()
    assert mo["sample_value"].shape == (6 * (len(PARAMS) + 1), 2)


def test_a_store_gives_the_same_indices_and_resumes(market, tmp_path):
    store = tmp_path / "si.zarr"
    args = (market, PARAMS, ["adopters@24"])
    kwargs = {"method": "morris", "samples": 2, "seed": 3, "replications": 2}
    plain = dx.sensitivity(*args, **kwargs)
    stored = dx.sensitivity(*args, store=store, **kwargs)
    np.testing.assert_array_equal(plain["sample_output"].values, stored["sample_output"].values)
    np.testing.assert_array_equal(plain["mu_star"].values, stored["mu_star"].values)
    again = dx.sensitivity(*args, store=store, resume=True, **kwargs)  # nothing left to run
    np.testing.assert_array_equal(again["mu_star"].values, stored["mu_star"].values)


def test_two_workers_give_the_same_indices(market):
    kwargs = {"method": "morris", "samples": 2, "seed": 4}
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
    ("params", "statistics", "expected"),
    [
        ({SHARE: (0.6, 0.1)}, ["adopters"], 'sensitivity: params."programme.instruments[0].share": low must be < high'),
        ({"contract.discount": (0.0, 0.1)}, ["adopters"], "contract.discount: unknown field"),
        ({SHARE: (0.0, 0.1)}, ["adoptres"], "sensitivity: statistics: adoptres: unknown statistic"),
        ({SHARE: (0.0, 0.1)}, ["adopters@999"], "sensitivity: statistics: adopters@999: month must be in 1 .. 60"),
        ({SHARE: (0.0, 0.1)}, ["leverage@12"], "sensitivity: statistics: leverage@12: no value at a month"),
        ({SHARE: (0.0, 0.1)}, [], "sensitivity: statistics: give at least one statistic"),
        ({"seed": (1, 9)}, ["adopters"], 'sensitivity: params."seed": the seed is not a parameter'),
    ],
)
def test_bad_parameters_and_statistics_are_refused_in_one_line(small, params, statistics, expected):
    with pytest.raises(dx.ScenarioError) as err:
        dx.sensitivity(small, params, statistics)
    assert len(err.value.lines) == 1 and expected in err.value.lines[0], err.value.lines


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"method": "fast"}, r"method\(='fast'\) must be 'sobol' or 'morris'"),
        ({"samples": 1}, r"samples\(=1\) must be >= 2"),
        ({"replications": 0}, r"replications\(=0\) must be >= 1"),
        ({"interval": 1.0}, r"interval\(=1.0\) must be between 0 and 1"),
    ],
)
def test_bad_settings_are_refused_by_name(small, settings, expected):
    with pytest.raises(ValueError, match=expected):
        dx.sensitivity(small, {SHARE: (0.0, 0.1)}, ["adopters"], **settings)


# ---------------------------------------------------------------------------
# Names renamed in 0.3.0: the old keyword works for one release, with a DeprecationWarning.

RENAMED = [("outputs", "statistics", ["adopters@12"]), ("n", "samples", 2), ("conf_level", "interval", 0.5)]


@pytest.fixture(scope="module")
def tiny(small):
    """``small`` over 12 months, and the keywords of a Morris run of 4 points on it."""
    sc = small.with_overrides({"horizon_months": 12})
    return sc, {"method": "morris", "replications": 1, "seed": 2}


@pytest.fixture(scope="module")
def tiny_new(tiny):
    sc, kwargs = tiny
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        si = dx.sensitivity(sc, {SHARE: (0.1, 0.5)}, **{new: v for _, new, v in RENAMED}, **kwargs)
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning) and "dx." in str(w.message)]
    return si


def test_old_keywords_give_the_same_dataset_and_warn(tiny, tiny_new):
    sc, kwargs = tiny
    with pytest.warns(DeprecationWarning) as caught:
        old = dx.sensitivity(sc, {SHARE: (0.1, 0.5)}, **{o: v for o, _, v in RENAMED}, **kwargs)
    xr.testing.assert_identical(old, tiny_new)
    assert [str(w.message) for w in caught] == [
        f"dx.sensitivity({o}=...) is deprecated; use {new}=..." for o, new, _ in RENAMED
    ]
    assert all(w.filename == __file__ for w in caught)  # they point at the caller's line
    assert (tiny_new.attrs["samples"], tiny_new.attrs["interval"]) == (2, 0.5)
    assert "n" not in tiny_new.attrs and "conf_level" not in tiny_new.attrs


@pytest.mark.parametrize(("old", "new", "value"), RENAMED)
def test_each_old_keyword_alone_is_its_new_name(tiny, tiny_new, old, new, value):
    sc, kwargs = tiny
    given = {n: v for _, n, v in RENAMED if n != new} | {old: value}
    with pytest.warns(DeprecationWarning, match=rf"dx\.sensitivity\({old}=\.\.\.\) is deprecated; use {new}=\.\.\."):
        xr.testing.assert_identical(dx.sensitivity(sc, {SHARE: (0.1, 0.5)}, **given, **kwargs), tiny_new)


def test_an_old_and_a_new_name_together_are_refused(small):
    with pytest.raises(TypeError, match=r"got both n= and samples="):
        dx.sensitivity(small, {SHARE: (0.0, 0.1)}, ["adopters"], n=2, samples=2)


def test_the_interval_sets_the_width_of_the_bootstrap_intervals(tiny):
    sc, kwargs = tiny
    narrow, wide = (
        dx.sensitivity(sc, {SHARE: (0.1, 0.5)}, ["adopters@12"], samples=3, interval=p, **kwargs) for p in (0.5, 0.99)
    )
    xr.testing.assert_identical(wide["mu_star"], narrow["mu_star"])
    assert (wide["mu_star_conf"] > narrow["mu_star_conf"]).all() and (narrow["mu_star_conf"] > 0).all()


def test_the_signature_shows_the_new_names_only():
    import inspect

    names = set(inspect.signature(dx.sensitivity).parameters)
    assert {"statistics", "samples", "interval"} <= names
    assert not {"outputs", "n", "conf_level"} & names


def test_cli(capsys, tmp_path, market):
    scenario = tmp_path / "market.toml"
    scenario.write_text(market.to_toml(), encoding="utf-8")
    out = tmp_path / "si.nc"
    argv = ["sensitivity", str(scenario), "--param", f"{SHARE}=0.0,0.6", "--param", f"{GAIN}=10,40"]
    argv += ["--statistic", "adopters@24", "--method", "morris", "-N", "2", "--seed", "3", "-o", str(out)]
    status, stdout, err = run_cli(capsys, *argv)
    assert (status, err) == (0, "")
    assert "mu_star" in stdout and str(out) in stdout
    with xr.open_dataset(out, engine="h5netcdf") as si:
        assert si["mu_star"].dims == ("output", "param")
    bad = tmp_path / "bad.nc"
    status, _, err = run_cli(capsys, "sensitivity", str(scenario), "--param", f"{SHARE}=0.6,0.1",
                             "--statistic", "adopters", "-o", str(bad))  # fmt: skip
    assert status == 2 and err.count("\n") == 1 and "low must be < high" in err
    assert not bad.exists()
    status, _, err = run_cli(capsys, "sensitivity", str(scenario), "--param", f"{SHARE}=0.6", "-o", str(bad))
    assert status == 2 and "PATH=LOW,HIGH" in err and not bad.exists()
