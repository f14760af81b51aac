"""dxsim.studies.peers: the run against itself without imitation and demonstration, on one seed."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.scenario.variants import without_peer_effects
from dxsim.studies.peers import peer_speedup

REPS, SEED = 3, 1


@pytest.fixture(scope="module")
def short(small: dx.Scenario) -> dx.Scenario:
    """``small`` over two years."""
    return small.with_overrides({"horizon_months": 24})


@pytest.fixture(scope="module")
def run(short: dx.Scenario) -> xr.Dataset:
    return dx.simulate(short, replications=REPS, seed=SEED)


def test_peers_bring_adoption_forward(small, short, run):
    assert small.resolved_industries[0].imitation > 0 and small.resolved_industries[0].demonstration > 0
    alone = without_peer_effects(short)
    assert all(i.imitation == 0 and i.demonstration == 0 for i in alone.resolved_industries)
    speed = peer_speedup(run, replications=[0, 2])
    assert speed.index.tolist() == [0, 2]
    # the same number of contracts, half of what adoption reaches without peers, is signed sooner with them
    assert (speed["target"] == np.ceil(speed["adopters_without"] / 2)).all()
    assert (speed["months"] < speed["months_without"]).all()
    assert (speed["speedup"] > 1).all() and np.isfinite(speed["speedup"]).all()
    assert (speed["peer_adopters"] > 0).all()
    assert (speed["adopters"] == dx.summarize(run).loc[[0, 2], "adopters"]).all()


def test_a_sweep_point_is_compared_with_its_own_scenario_without_peers(short):
    discount = "contract.platform_discount"
    sw = dx.sweep(short, {"d": (discount, [0.0, 0.3])}, replications=1, seed=SEED)
    for i, value in enumerate([0.0, 0.3]):
        speed = peer_speedup(sw.isel(d=i))
        alone = dx.simulate(without_peer_effects(short.with_overrides({discount: value})), replications=1, seed=SEED)
        assert speed.loc[0, "adopters_without"] == int((~np.isnan(alone["signed_month"].values)).sum())
    with pytest.raises(ValueError, match="select a point"):
        peer_speedup(sw)


def _without_attrs(ds: xr.Dataset) -> xr.Dataset:
    bare = ds.copy()
    bare.attrs = {}
    return bare


def test_bad_replications_are_refused_before_anything_runs(run):
    with pytest.raises(ValueError, match=r"replications \[7\] are not in the Dataset"):
        peer_speedup(run, replications=[0, 7])
    with pytest.raises(ValueError, match="scenario and the seed"):
        peer_speedup(_without_attrs(run))


def test_renewals_are_no_adoptions(short):
    """With a six-month lifetime enterprises renew within the horizon: the speed-up counts first contracts only,
    as the Dataset's ``adopters`` and ``adoptions`` do."""
    renewing = short.with_overrides({"solutions.lightweight-mes.lifetime_months": 6.0})
    run = dx.simulate(renewing, replications=1, seed=SEED)
    alone = dx.simulate(without_peer_effects(renewing), replications=1, seed=SEED)
    for ds in (run, alone):  # renewals within the horizon: more contracts than adopters
        assert ds["renewals"].sum() > 0 and (ds["renewal_flag"] == 1).sum() == ds["renewals"].sum()
    row = peer_speedup(run).loc[0]
    ends = [float(ds["adopters"].isel(month=-1).sum()) for ds in (run, alone)]
    assert [row["adopters"], row["adopters_without"]] == ends
    assert row["peer_adopters"] == ends[0] - ends[1] and row["target"] == np.ceil(min(ends) / 2)
    # the target-th adoption falls in the first month by whose end the adoptions add up to the target
    for months, ds in ((row["months"], run), (row["months_without"], alone)):
        adopted = ds["adoptions"].isel(replication=0).sum("industry").cumsum("month").values
        assert int(np.floor(months)) == int(np.argmax(adopted >= row["target"]))
