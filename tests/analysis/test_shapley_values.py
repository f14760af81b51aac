"""dxsim.analysis.shapley: the Shapley decomposition of values it is given, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from dxsim.analysis.shapley import SHAPLEY_METRICS, shapley_values, subset_label, subsets


def levels(value, n: int, reps: int = 2) -> dict[tuple[int, ...], xr.Dataset]:
    """Datasets over replication of ``value(S, r)`` for every subset S of n instruments."""
    return {
        s: xr.Dataset(
            {"public_money": ("replication", [value(s, r) for r in range(reps)])},
            coords={"replication": np.arange(reps)},
        )
        for s in subsets(n)
    }


def test_subsets_by_size_then_lexicographic():
    assert subsets(3) == [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
    assert subset_label(["0:voucher", "1:cost_share"], ()) == "{}"


def test_an_additive_game_gives_each_instrument_its_own_value():
    weights = [3.0, -1.0, 7.0]  # v(S) = sum of the weights in S (times the replication + 1)
    sh = shapley_values(levels(lambda s, r: (r + 1) * sum(weights[k] for k in s), 3), ["a", "b", "c"], ["public_money"])
    np.testing.assert_allclose(sh["shapley_replications"].sel(metric="public_money"), [[3, 6], [-1, -2], [7, 14]])
    assert float(sh["total"].sel(metric="public_money")) == pytest.approx(1.5 * sum(weights))
    assert sh["subset"].values.tolist()[-1] == "{a, b, c}"


def test_a_pure_interaction_is_split_equally():
    # v(S) = 1 only with both instruments: each gets half
    sh = shapley_values(levels(lambda s, r: float(len(s) == 2), 2), ["a", "b"], ["public_money"])
    np.testing.assert_allclose(sh["shapley"].values, [[0.5, 0.5]])
    np.testing.assert_allclose(sh["value"].values, [[0.0, 0.0, 0.0, 1.0]])


def test_values_are_taken_against_the_empty_subset():
    # a constant offset of every level (the reference) changes nothing
    plain = shapley_values(levels(lambda s, r: 2.0 * len(s), 2), ["a", "b"], ["public_money"])
    offset = shapley_values(levels(lambda s, r: 2.0 * len(s) + 100.0, 2), ["a", "b"], ["public_money"])
    xr.testing.assert_identical(plain, offset)


def test_units_and_long_names():
    sh = shapley_values(levels(lambda s, r: 1.0, 1), ["0:voucher"], ["public_money"])
    assert sh["units"].values.tolist() == ["yuan"]
    for name, var in sh.data_vars.items():
        assert var.attrs["units"] and var.attrs["long_name"], name


def test_refuses_missing_subsets_and_non_additive_metrics():
    some = levels(lambda s, r: 1.0, 2)
    del some[(0, 1)]
    with pytest.raises(ValueError, match="every subset"):
        shapley_values(some, ["a", "b"], ["public_money"])
    with pytest.raises(ValueError, match="additive"):
        shapley_values(levels(lambda s, r: 1.0, 1), ["a"], ["leverage"])
    assert "leverage" not in SHAPLEY_METRICS
