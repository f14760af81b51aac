"""dxsim.analysis.peers: the speed-up from two runs given (runs nothing)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from dxsim.analysis.peers import speedup


def runs(
    signed_with: list[list[float]],
    signed_without: list[list[float]],
    seed: int = 1,
    renewals: tuple[list[list[float]], list[list[float]]] | None = None,
) -> tuple[xr.Dataset, ...]:
    """Two runs holding only ``signed_month`` (months since the start; NaN: no contract) and ``renewal_flag``
    (``renewals``, one per contract; default: every contract a first one)."""
    flags = renewals or ([[0.0] * len(r) for r in signed_with], [[0.0] * len(r) for r in signed_without])
    return tuple(
        xr.Dataset(
            {
                "signed_month": (("replication", "adopter"), np.array(signed, dtype=float)),
                "renewal_flag": (("replication", "adopter"), np.array(flag, dtype=float)),
            },
            coords={"replication": np.arange(len(signed))},
            attrs={"seed": seed},
        )
        for signed, flag in zip((signed_with, signed_without), flags, strict=True)
    )


def test_half_of_the_smaller_adoption_signed_sooner_with_peers():
    with_, without = runs([[1.0, 2.0, 3.0, 4.0]], [[2.0, 6.0, np.nan, np.nan]])
    row = speedup(with_, without).loc[0]
    # target: ceil(min(4, 2) / 2) = 1 contract; signed at 1 with peers, at 2 without
    assert (row["target"], row["months"], row["months_without"], row["speedup"]) == (1, 1.0, 2.0, 2.0)
    assert (row["adopters"], row["adopters_without"], row["peer_adopters"]) == (4.0, 2.0, 2.0)


def test_renewals_are_no_adoptions():
    """A renewal is a contract, not an adopter: it neither counts among the adopters nor moves the target's time."""
    with_, without = runs(
        [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]],
        [[2.0, 6.0, 7.0, 8.0, np.nan, np.nan]],
        renewals=([[0, 0, 1, 1, 0, 0]], [[0, 0, 1, 1, 0, 0]]),
    )
    row = speedup(with_, without).loc[0]
    # first contracts: at 1, 2, 5, 6 with peers and at 2, 6 without; target ceil(min(4, 2) / 2) = 1
    assert (row["adopters"], row["adopters_without"], row["peer_adopters"]) == (4.0, 2.0, 2.0)
    assert (row["target"], row["months"], row["months_without"], row["speedup"]) == (1, 1.0, 2.0, 2.0)
    with_, without = runs([[1.0, 2.0, 3.0, 9.0]], [[3.0, 4.0, 5.0, 6.0]], renewals=([[0, 0, 1, 1]], [[0, 1, 1, 1]]))
    row = speedup(with_, without).loc[0]
    assert (row["adopters"], row["adopters_without"], row["months"], row["months_without"]) == (2.0, 1.0, 1.0, 3.0)


def test_a_run_without_renewal_flags_is_refused():
    with_, without = runs([[1.0]], [[1.0]])
    with pytest.raises(ValueError, match="renewal_flag"):
        speedup(with_.drop_vars("renewal_flag"), without)


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
