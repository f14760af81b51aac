"""dxsim.analysis.peers: the speed-up from two runs given (runs nothing)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from dxsim.analysis.peers import speedup


def runs(signed_with: list[list[float]], signed_without: list[list[float]], seed: int = 1) -> tuple[xr.Dataset, ...]:
    """Two runs holding only ``signed_month`` (months since the start; NaN: no contract)."""
    return tuple(
        xr.Dataset(
            {"signed_month": (("replication", "adopter"), np.array(signed, dtype=float))},
            coords={"replication": np.arange(len(signed))},
            attrs={"seed": seed},
        )
        for signed in (signed_with, signed_without)
    )


def test_half_of_the_smaller_adoption_signed_sooner_with_peers():
    with_, without = runs([[1.0, 2.0, 3.0, 4.0]], [[2.0, 6.0, np.nan, np.nan]])
    row = speedup(with_, without).loc[0]
    # target: ceil(min(4, 2) / 2) = 1 contract; signed at 1 with peers, at 2 without
    assert (row["target"], row["months"], row["months_without"], row["speedup"]) == (1, 1.0, 2.0, 2.0)
    assert (row["adopters"], row["adopters_without"], row["peer_adopters"]) == (4.0, 2.0, 2.0)


def test_no_adopter_gives_no_speedup():
    with_, without = runs([[np.nan, np.nan]], [[1.0, np.nan]])
    row = speedup(with_, without).loc[0]
    assert row["target"] == 0 and np.isnan(row["speedup"]) and np.isnan(row["months"])


def test_the_runs_must_share_the_seed_and_the_replications():
    with_, _ = runs([[1.0], [2.0]], [[1.0], [2.0]])
    _, other_seed = runs([[1.0], [2.0]], [[1.0], [2.0]], seed=2)
    with pytest.raises(ValueError, match="same seed"):
        speedup(with_, other_seed)
    _, short = runs([[1.0], [2.0]], [[1.0]])
    assert speedup(with_, short, replications=[0]).index.tolist() == [0]
    with pytest.raises(ValueError, match=r"replications \[1\] are not in the run without peer effects"):
        speedup(with_, short)
    with pytest.raises(ValueError, match=r"replications \[5\] are not in the Dataset"):
        speedup(with_, short, replications=[5])
