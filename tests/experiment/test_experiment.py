"""Experiments: simulate and sweep give identical Datasets on every executor, store and chunking;
sweeps run on common random numbers; bad sweeps are refused before any work; progress bars."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
import dxsim.experiment.sweep as experiment
from dxsim.results.schema import RESERVED

REPS = 3
SEED = 3
DISCOUNT = "contract.platform_discount"


@pytest.fixture(scope="module")
def short(small: dx.Scenario) -> dx.Scenario:
    """``small`` over one year: enough adopters to compare, a fraction of a second per replication."""
    return small.with_overrides({"horizon_months": 12})


@pytest.fixture(scope="module")
def client():
    """A dask cluster of two worker processes, one thread each, started by the test."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def serial(short: dx.Scenario) -> xr.Dataset:
    return dx.simulate(short, replications=REPS, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def swept(short: dx.Scenario) -> xr.Dataset:
    """Two points, no store, in this process: the reference every other way of running must equal."""
    return dx.sweep(short, {DISCOUNT: [0.0, 0.2]}, replications=REPS, seed=SEED, progress=False)


def never_run(*args, **kwargs):
    raise AssertionError("work started")


# ---------------------------------------------------------------------------
# simulate: bitwise identical whatever runs it


def test_simulate_two_workers_identical(short, serial):
    ds = dx.simulate(short, replications=REPS, seed=SEED, workers=2, progress=False)
    xr.testing.assert_identical(ds, serial)


def test_simulate_process_pool_identical(short, serial):
    with ProcessPoolExecutor(max_workers=2) as pool:
        ds = dx.simulate(short, replications=REPS, seed=SEED, executor=pool, progress=False)
    xr.testing.assert_identical(ds, serial)


def test_simulate_replication_is_its_seed_child(short, serial):
    """Replication k does not depend on how many replications run: the first two of four are two runs."""
    two = dx.simulate(short, replications=2, seed=SEED, progress=False)
    xr.testing.assert_identical(two["adopters"], serial["adopters"].isel(replication=slice(0, 2)))


# ---------------------------------------------------------------------------
# sweep: identical with or without a store, whatever the blocks or the executor


@pytest.mark.parametrize("block_size", [2, REPS])
def test_sweep_store_identical(short, swept, tmp_path, block_size):
    store = tmp_path / "sweep.zarr"
    ds = dx.sweep(
        short, {DISCOUNT: [0.0, 0.2]}, replications=REPS, seed=SEED, store=store, block_size=block_size, progress=False
    )
    xr.testing.assert_identical(ds.load(), swept)
    blocks = sorted(p.name for p in store.glob("blocks/p*-b*.json"))
    assert len(blocks) == 2 * -(-REPS // block_size)
    assert sorted(p.name for p in store.glob("p*.zarr")) == ["p00000.zarr", "p00001.zarr"]  # one group per point


def test_sweep_workers_identical(short, swept):
    ds = dx.sweep(short, {DISCOUNT: [0.0, 0.2]}, replications=REPS, seed=SEED, workers=2, progress=False)
    xr.testing.assert_identical(ds, swept)


def test_sweep_point_is_the_simulation_of_its_scenario(short, swept):
    """A point of a sweep is the scenario with its overrides run on the same seed."""
    alone = dx.simulate(short.with_overrides({DISCOUNT: 0.2}), replications=REPS, seed=SEED, progress=False)
    point = swept.sel({DISCOUNT: 0.2}, drop=True)
    for name in ("adopters", "cash_flow", "price", "npv"):
        xr.testing.assert_identical(point[name], alone[name])
    n = alone.sizes["adopter"]
    xr.testing.assert_identical(point["price_paid"].isel(adopter=slice(0, n)), alone["price_paid"])
    assert bool(point["price_paid"].isel(adopter=slice(n, None)).isnull().all())


def test_sweep_resume_of_a_finished_store_runs_nothing(short, swept, tmp_path, monkeypatch):
    store = tmp_path / "s"
    dx.sweep(short, {DISCOUNT: [0.0, 0.2]}, replications=REPS, seed=SEED, store=store, block_size=REPS, progress=False)
    monkeypatch.setattr(experiment, "run_tasks", lambda tasks, **kw: [] if not tasks else never_run())
    again = dx.sweep(
        short, {DISCOUNT: [0.0, 0.2]}, replications=REPS, seed=SEED, store=store, block_size=REPS, resume=True
    )
    xr.testing.assert_identical(again.load(), swept)


# ---------------------------------------------------------------------------
# sweep dimensions


def test_sweep_dimension_named_by_path_and_by_alias(short, swept):
    assert list(swept[DISCOUNT].values) == [0.0, 0.2]
    assert swept["adopters"].dims[:2] == (DISCOUNT, "replication")
    aliased = dx.sweep(short, {"discount": (DISCOUNT, [0.0, 0.2])}, replications=REPS, seed=SEED, progress=False)
    assert aliased["adopters"].dims[:2] == ("discount", "replication")
    xr.testing.assert_identical(aliased.rename({"discount": DISCOUNT}).drop_attrs(), swept.drop_attrs())


def test_sweep_values_as_a_tuple(short):
    ds = dx.sweep(short, {DISCOUNT: (0.0, 0.2)}, replications=1, seed=SEED, progress=False)
    assert list(ds[DISCOUNT].values) == [0.0, 0.2]


def test_sweep_grid_of_two_parameters(short):
    ds = dx.sweep(
        short,
        {"discount": (DISCOUNT, [0.0, 0.2]), "scheme": ("contract.payment.scheme", ["upfront", "revenue_share"])},
        replications=1,
        seed=SEED,
        progress=False,
    )
    assert ds["adopters"].dims[:3] == ("discount", "scheme", "replication")
    assert list(ds["scheme"].values) == ["upfront", "revenue_share"]


def test_sweep_case_dimension(short, swept):
    cases = {"none": {DISCOUNT: 0.0}, "fifth": {DISCOUNT: 0.2, "contract.payment.scheme": "upfront"}}
    ds = dx.sweep(short, cases=cases, replications=REPS, seed=SEED, progress=False)
    assert list(ds["case"].values) == ["none", "fifth"]
    xr.testing.assert_identical(
        ds["adopters"].sel(case="fifth", drop=True), swept["adopters"].sel({DISCOUNT: 0.2}, drop=True)
    )
    both = dx.sweep(short, {"d": (DISCOUNT, [0.0, 0.1])}, cases=cases, replications=1, seed=SEED, progress=False)
    assert both["adopters"].dims[:3] == ("case", "d", "replication")


# ---------------------------------------------------------------------------
# common random numbers


def test_common_random_numbers(small):
    """Two nearby points on one seed differ by the rule, not by noise: the per-replication difference
    in adopters varies far less than between two seeds at the same point."""
    sc = small.with_overrides({"horizon_months": 36})
    reps = 12
    sw = dx.sweep(sc, {"d": (DISCOUNT, [0.10, 0.12])}, replications=reps, seed=11, workers=2, progress=False)
    other = dx.simulate(sc.with_overrides({DISCOUNT: 0.10}), replications=reps, seed=12, workers=2, progress=False)
    month = 17  # half way, before the market saturates

    def adopters(ds: xr.Dataset) -> np.ndarray:
        return ds["adopters"].isel(month=month).sum("industry").values

    a, b, c = adopters(sw.sel(d=0.10)), adopters(sw.sel(d=0.12)), adopters(other)
    var_crn, var_indep = np.var(a - b, ddof=1), np.var(a - c, ddof=1)
    assert var_indep > 0
    assert var_crn < var_indep / 4, (var_crn, var_indep)


# ---------------------------------------------------------------------------
# refused before any work starts, nothing written


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"contract.no_such_field": [0.1, 0.2]}, "contract.no_such_field"),
        ({DISCOUNT: [0.1, 1.3]}, "1.3"),
    ],
)
def test_bad_sweep_refused_before_work(short, tmp_path, monkeypatch, params, message):
    monkeypatch.setattr(experiment, "run_tasks", never_run)
    store = tmp_path / "sweep.zarr"
    with pytest.raises(dx.ScenarioError, match=message) as err:
        dx.sweep(short, params, replications=2, seed=1, store=store)
    assert len(str(err.value).splitlines()) == 1
    assert not store.exists()


@pytest.mark.parametrize(
    "params",
    [
        {DISCOUNT: []},
        {DISCOUNT: "0.1"},
        {"platform_discount": (DISCOUNT, [0.1])},  # an output variable
        {"month": (DISCOUNT, [0.1])},  # an output dimension
    ],
)
def test_sweep_that_cannot_be_refused(short, tmp_path, monkeypatch, params):
    monkeypatch.setattr(experiment, "run_tasks", never_run)
    store = tmp_path / "sweep.zarr"
    with pytest.raises(ValueError, match="sweep parameter"):
        dx.sweep(short, params, replications=2, seed=1, store=store)
    assert not store.exists()


def test_case_named_like_a_parameter_refused(short):
    with pytest.raises(ValueError, match="'case'"):
        dx.sweep(short, {"case": (DISCOUNT, [0.1])}, cases={"a": {}}, replications=1)


def test_reserved_names_cover_the_output(serial):
    names = set(serial.dims) | set(serial.variables)
    assert names <= RESERVED


def test_store_of_another_sweep_refused(short, tmp_path, monkeypatch):
    store = tmp_path / "s"
    dx.sweep(short, {DISCOUNT: [0.0]}, replications=1, seed=1, store=store, progress=False)
    before = sorted(p.name for p in store.iterdir())
    monkeypatch.setattr(experiment, "run_tasks", never_run)
    with pytest.raises(ValueError, match="the store exists"):
        dx.sweep(short, {DISCOUNT: [0.0]}, replications=1, seed=1, store=store)
    with pytest.raises(ValueError, match="different sweep"):
        dx.sweep(short, {DISCOUNT: [0.0]}, replications=1, seed=2, store=store, resume=True)
    assert sorted(p.name for p in store.iterdir()) == before


def test_case_contents_are_part_of_the_sweep(short, tmp_path):
    store = tmp_path / "c"
    dx.sweep(short, cases={"a": {DISCOUNT: 0.1}}, replications=1, seed=1, store=store, progress=False)
    with pytest.raises(ValueError, match="differs in: points"):
        dx.sweep(short, cases={"a": {DISCOUNT: 0.2}}, replications=1, seed=1, store=store, resume=True)


def test_a_file_is_not_a_store(short, tmp_path):
    path = tmp_path / "results.nc"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="not a dxsim sweep store"):
        dx.sweep(short, {DISCOUNT: [0.0]}, replications=1, seed=1, store=path)


# ---------------------------------------------------------------------------
# progress bars


def test_no_bar_when_off(short, capsys):
    dx.simulate(short, replications=2, seed=1, progress=False)
    dx.sweep(short, {DISCOUNT: [0.0, 0.1]}, replications=2, seed=1, progress=False)
    assert capsys.readouterr().err == ""


def test_no_bar_when_not_a_terminal(short, capsys):
    dx.simulate(short, replications=2, seed=1)
    assert capsys.readouterr().err == ""


def test_one_bar_when_forced(short, capsys):
    dx.sweep(short, {DISCOUNT: [0.0, 0.1]}, replications=2, seed=1, progress=True)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "4/4" in err


# ---------------------------------------------------------------------------
# dask, last: no process pool forks this process while the cluster's threads run


def test_simulate_dask_identical(short, serial, client):
    ds = dx.simulate(short, replications=REPS, seed=SEED, executor=client, progress=False)
    xr.testing.assert_identical(ds, serial)


def test_sweep_dask_identical(short, swept, client, tmp_path):
    plain = dx.sweep(short, {DISCOUNT: [0.0, 0.2]}, replications=REPS, seed=SEED, executor=client, progress=False)
    xr.testing.assert_identical(plain, swept)
    stored = dx.sweep(
        short,
        {DISCOUNT: [0.0, 0.2]},
        replications=REPS,
        seed=SEED,
        executor=client,
        store=tmp_path / "s",
        block_size=3,
        progress=False,
    )
    xr.testing.assert_identical(stored.load(), swept)


def test_resuming_a_finished_store_on_two_workers_runs_nothing(tmp_path):
    sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    args = dict(replications=2, seed=2, store=tmp_path / "s.zarr", progress=False)
    first = dx.sweep(sc, {"contract.platform_discount": [0.0, 0.1]}, **args).load()
    again = dx.sweep(sc, {"contract.platform_discount": [0.0, 0.1]}, workers=2, resume=True, **args).load()
    xr.testing.assert_identical(first, again)


def test_calibration_and_sensitivity_on_dask_equal_in_process(short, client):
    """Both run on the sweep machinery, so a dask cluster gives the same fit and the same indices."""
    targets = {"a12": {"statistic": "adopters", "month": 12, "value": 120.0}}
    bounds = {"industry_defaults.innovation": (0.002, 0.05)}
    fits = [
        dx.calibrate(short, targets, bounds, replications=2, seed=SEED, maxiter=4, executor=e) for e in (None, client)
    ]
    assert fits[0].evaluations.equals(fits[1].evaluations)
    params = {DISCOUNT: (0.0, 0.3), "programme.instruments[0].share": (0.1, 0.5)}
    si = [
        dx.sensitivity(short, params, ["adopters"], method="morris", samples=2, seed=SEED, executor=e)
        for e in (None, client)
    ]
    xr.testing.assert_identical(si[0], si[1])


def test_a_point_of_blocks_is_padded_with_nan_and_grows_past_its_room(tmp_path):
    """Blocks of different lengths land in one group of a fixed padded length; a longer block grows it."""
    from dxsim.results.store import SweepStore

    st = SweepStore(tmp_path / "s.zarr", {"what": "test", "replications": 8, "block_size": 2})
    for b, n in ((1, 3), (0, 5), (2, 4), (3, 40)):  # out of order; 40 > the room the first block left (16)
        ds = xr.Dataset(
            {"price_paid": (("replication", "adopter"), np.arange(2.0 * n).reshape(2, n) + 100 * b)},
            coords={"replication": [2 * b, 2 * b + 1], "adopter": np.arange(n)},
        )
        st.write(0, b, ds)
    out = st.open_point(0, 4)
    price = out["price_paid"]
    assert price.sizes["adopter"] == 40
    np.testing.assert_array_equal(out["replication"], np.arange(8))
    np.testing.assert_array_equal(out["adopter"], np.arange(40))
    np.testing.assert_array_equal(price.values[2, :5], [100.0, 101.0, 102.0, np.nan, np.nan])
    np.testing.assert_array_equal(price.values[5, :5], [204.0, 205.0, 206.0, 207.0, np.nan])
    np.testing.assert_array_equal(price.values[7], np.arange(40.0, 80.0) + 300)
    assert np.isnan(price.values[0, 5:]).all()


def test_padding_accepts_parts_whose_variables_are_chunked_differently():
    """A stored block's variables have zarr chunks of their own, which Dataset.chunks refuses to merge."""
    from dxsim.results.store import pad_adopters

    def part(n):
        ds = xr.Dataset(
            {
                "price_paid": (("replication", "adopter"), np.ones((2, n))),
                "adopters": (("replication",), np.arange(2.0)),
            },
            coords={"adopter": np.arange(n)},
        )
        return ds.assign(price_paid=ds["price_paid"].chunk(replication=1), adopters=ds["adopters"].chunk(replication=2))

    padded = pad_adopters([part(3), part(5)])
    assert [p.sizes["adopter"] for p in padded] == [5, 5]
    assert padded[0]["price_paid"].chunks == ((1, 1), (5,))
    assert np.isnan(padded[0]["price_paid"].values[:, 3:]).all()
