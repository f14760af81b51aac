"""The platforms' counts changed one start or one step at a time, and read as arrays."""

from __future__ import annotations

import numpy as np
import pytest

import dxsim as dx
from dxsim.model.platform import Occupancy, Receivables
from dxsim.model.world import World
from dxsim.random import Keys, replication_key


def test_the_deployments_read_after_each_start_are_those_started() -> None:
    platforms = World(dx.load_scenario("small"), replication_key(1, 0)).platforms
    industry, spillover = platforms.industry, platforms.spillover
    own, started = np.zeros(len(platforms)), np.zeros(int(industry.max()) + 1)
    for p in np.random.default_rng(3).integers(0, len(platforms), 40).tolist():
        expected = own + spillover * (started[industry] - own)
        np.testing.assert_array_equal(platforms.experience, expected)  # read before the start: made as arrays
        unit_cost = platforms.unit_cost
        experience, cost = platforms.start_deployment(p)
        assert experience == expected[p]
        assert cost == pytest.approx(unit_cost[p], rel=1e-12)  # Wright's law at that experience
        own[p] += 1.0
        started[industry[p]] += 1.0
        np.testing.assert_array_equal(platforms.own, own)  # read after it: made again
        np.testing.assert_array_equal(platforms.industry_deployments, started)
    read = platforms.own
    read += 1.0  # a copy: the platforms' own count is unchanged
    np.testing.assert_array_equal(platforms.own, own)


def test_the_number_waiting_is_read_after_each_change_and_averaged_over_the_month() -> None:
    occupancy = Occupancy(3)
    waiting = np.zeros(3)
    # (platform, time, change of the number waiting, change of the number in service)
    for p, now, w, b in [(0, 0.25, 1, 0), (0, 0.5, 0, 1), (2, 0.5, 1, 0), (0, 0.75, -1, 0), (2, 0.75, 1, 1)]:
        occupancy.change(p, now, b, w)
        waiting[p] += w
        np.testing.assert_array_equal(occupancy.waiting, waiting)
        assert occupancy.queued == waiting.tolist()  # one platform's number, as the array's
    wait, busy = occupancy.close(1.0)
    np.testing.assert_array_equal(wait, [0.5, 0.0, 0.25 + 2 * 0.25])  # 1 over [0.25, 0.75); 1 then 2 from 0.5
    np.testing.assert_array_equal(busy, [0.5, 0.0, 0.25])
    wait, _ = occupancy.close(2.0)  # the next month: as many waiting throughout
    np.testing.assert_array_equal(wait, [0.0, 0.0, 2.0])


def test_experience_and_unit_cost_are_kept_read_only_until_a_start() -> None:
    platforms = World(dx.load_scenario("small"), replication_key(1, 0)).platforms
    for p in [0, 1, 1, 3]:
        experience, unit_cost = platforms.experience, platforms.unit_cost
        assert platforms.experience is experience and platforms.unit_cost is unit_cost  # made once
        with pytest.raises(ValueError, match="read-only"):
            experience[0] = 1.0  # kept and handed to every reader: none may write it
        with pytest.raises(ValueError, match="read-only"):
            unit_cost[0] = 1.0
        platforms.start_deployment(p)
        own = platforms.own
        after = own + platforms.spillover * (platforms.industry_deployments[platforms.industry] - own)
        np.testing.assert_array_equal(platforms.experience, after)  # made again after the start
        assert platforms.experience is not experience
        np.testing.assert_array_equal(
            platforms.unit_cost, platforms.first_cost * (after + 1.0) ** np.log2(platforms.progress_ratio)
        )


def test_the_receivables_level_reads_every_amount_owed_added_before_it() -> None:
    # what is owed is kept on Python floats: each level must see every add before it, summed as float64
    # cells would sum them, less the reductions due up to its month
    rec, owed = Receivables(3, 4), np.zeros(3)
    rng = np.random.default_rng(5)
    for month in range(4):
        for _ in range(5):
            p, amount = int(rng.integers(3)), float(rng.uniform(1e3, 1e6)) / 3
            rec.add(p, amount)
            owed[p] += amount
            rec.reduce_one(p, month, amount / 7)
            level = owed - rec.reduced[: month + 1].sum(axis=0)
            assert rec.level(month).tobytes() == np.where(np.abs(level) < 1e-6, 0.0, level).tobytes()
    assert rec.level(3).dtype == np.float64 and rec.level(3).shape == (3,)


def test_add_paid_is_add_then_reduce_one() -> None:
    # signing's one call: what is owed and what is paid land where the two calls put them, bit for bit,
    # and a payment at or after the last month tracked reduces nothing
    one, two = Receivables(3, 4), Receivables(3, 4)
    rng = np.random.default_rng(11)
    for month in range(6):
        for _ in range(5):
            p, owed = int(rng.integers(3)), float(rng.uniform(1e3, 1e6)) / 3
            paid = owed / 7 if month % 2 else owed
            one.add(p, owed)
            one.reduce_one(p, month, paid)
            two.add_paid(p, owed, month, paid)
    assert one.reduced.tobytes() == two.reduced.tobytes()
    for month in range(4):
        assert one.level(month).tobytes() == two.level(month).tobytes()


def test_each_platform_s_quality_is_its_own_keyed_draw() -> None:
    scenario = dx.load_scenario("platform-pilot-2022")
    key = replication_key(1, 0)
    world = World(scenario, key)
    keys, specs = Keys(key), scenario.resolved_platforms
    # the definition (docs/design.md, stream platform_quality keyed by the platform's index), one draw at a time
    one_at_a_time = [s.quality.ppf(keys.uniform("platform_quality", k))[0] for k, s in enumerate(specs)]
    np.testing.assert_array_equal(world.platforms.quality, one_at_a_time)
    assert len(set(world.platforms.quality.tolist())) > 1  # drawn, not one value for all
