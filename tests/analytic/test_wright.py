"""Wright's law on the supply side (MODEL.md mechanism 7).

The n-th deployment of a platform costs c_1 n ** log2(PR); its experience counts
its own deployments plus a share s (spillover) of the other platforms' in the
same industry; it quotes price = solution price x (unit cost / c_1) ** pass_through.
"""

from __future__ import annotations

import numpy as np
import pytest

import dxsim as dx
from dxsim.model.ledger import LedgerTable
from dxsim.model.world import World
from dxsim.random import replication_key

SEED = 31
MONTHS = 36


def scenario(spillover: tuple[float, float, float, float]) -> dx.Scenario:
    """``small`` with four explicit platforms of different costs, progress ratios and pass-throughs."""
    plats = [
        dict(name="t1", industry="textiles", capacity=3, delivery_cost=200e3, progress_ratio=0.80, pass_through=0.7),
        dict(name="t2", industry="textiles", capacity=2, delivery_cost=150e3, progress_ratio=0.90, pass_through=1.0),
        dict(name="m1", industry="machining", delivery_cost=250e3, progress_ratio=0.75, pass_through=0.5),
        dict(name="m2", industry="machining", capacity=4, delivery_cost=100e3, progress_ratio=1.0, pass_through=2.0),
    ]
    for p, s in zip(plats, spillover, strict=True):
        p["spillover"] = s
    return dx.load_scenario("small").with_overrides({"platforms": plats, "horizon_months": MONTHS})


def params(sc: dx.Scenario) -> dict[str, np.ndarray]:
    specs = sc.resolved_platforms
    index = {ind.name: i for i, ind in enumerate(sc.resolved_industries)}
    return {
        "c1": np.array([p.delivery_cost for p in specs]),
        "b": np.log2([p.progress_ratio for p in specs]),
        "s": np.array([p.spillover for p in specs]),
        "eta": np.array([p.pass_through for p in specs]),
        "industry": np.array([index[p.industry] for p in specs]),
        "price": np.array([sc.solutions[sc.resolved_industries[index[p.industry]].solution].price for p in specs]),
    }


def deliveries(table: LedgerTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Platform, month and cost of every deployment, in the order they were recorded."""
    m = table.select("delivery_cost")
    return table.platform[m], table.month[m], table.amount[m]


@pytest.fixture(scope="module")
def no_spillover():
    sc = scenario((0.0, 0.0, 0.0, 0.0))
    return sc, dx.simulate(sc, replications=2, seed=SEED)


@pytest.fixture(scope="module")
def spillover():
    sc = scenario((0.3, 0.6, 0.0, 1.0))
    return sc, World(sc, replication_key(SEED, 0)).run()


def test_unit_cost_follows_experience(no_spillover):
    sc, ds = no_spillover
    p = params(sc)
    experience = ds["experience"].values
    np.testing.assert_allclose(ds["unit_cost"].values, p["c1"] * (experience + 1.0) ** p["b"], rtol=1e-12)
    assert (np.diff(experience, axis=1) >= 0).all()
    np.testing.assert_array_equal(experience, np.round(experience))  # whole deployments without spillover
    assert (experience[:, -1] >= 5).all()  # every platform learned something


def test_the_kth_deployment_costs_c1_k_to_the_log2_pr(no_spillover):
    sc, ds = no_spillover
    p = params(sc)
    table = World(sc, replication_key(SEED, 0)).run().ledger
    platform, _, cost = deliveries(table)
    for q in range(len(p["c1"])):
        own = cost[platform == q]
        k = np.arange(1, len(own) + 1)
        np.testing.assert_allclose(own, p["c1"][q] * k ** p["b"][q], rtol=1e-12)
        # The same replication's Dataset counts those deployments as its experience.
        assert ds["experience"].values[0, -1, q] == len(own)
    assert cost[platform == 3].max() == cost[platform == 3].min()  # PR = 1: no learning


def test_experience_with_spillover_counts_a_share_of_the_others(spillover):
    sc, run = spillover
    p = params(sc)
    platform, month, cost = deliveries(run.ledger)
    n_plat = len(p["c1"])
    for t in range(MONTHS):
        own = np.bincount(platform[month <= t], minlength=n_plat).astype(float)
        industry = np.bincount(p["industry"], weights=own)[p["industry"]]
        expected = own + p["s"] * (industry - own)
        np.testing.assert_allclose(run.platform["experience"][t], expected, rtol=1e-12)
    # Replaying the deployments in the order they happened gives each one's cost.
    own = np.zeros(n_plat)
    for q, c in zip(platform, cost, strict=True):
        others = own[p["industry"] == p["industry"][q]].sum() - own[q]
        n = own[q] + p["s"][q] * others
        assert c == pytest.approx(p["c1"][q] * (n + 1.0) ** p["b"][q], rel=1e-12)
        own[q] += 1
    assert (own > 0).all()


def test_price_follows_the_cost_at_the_start_of_the_month(no_spillover, spillover):
    for sc, price, unit_cost in (
        (no_spillover[0], no_spillover[1]["price"].values[0], no_spillover[1]["unit_cost"].values[0]),
        (spillover[0], spillover[1].platform["price"], spillover[1].platform["unit_cost"]),
    ):
        p = params(sc)
        start_cost = np.vstack([p["c1"], unit_cost[:-1]])  # month 0 starts at c_1
        np.testing.assert_allclose(price, p["price"] * (start_cost / p["c1"]) ** p["eta"], rtol=1e-12)
        assert (price[-1, :3] < p["price"][:3]).all()  # learning lowered the quotes
