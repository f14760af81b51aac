"""Counts given to the Python API are checked before anything is loaded, run or written (issue 15)."""

from __future__ import annotations

import time

import pytest

import dxsim as dx
from dxsim.scenario.limits import MAX_REPLICATIONS


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replications": 10**9}, r"^replications\(=1000000000\) must be at most 100,000 "),
        ({"replications": 0}, r"^replications\(=0\) must be >= 1\.$"),
        ({"replications": 2.5}, r"^replications\(=2\.5\) must be a whole number\.$"),
        ({"block_size": 0}, r"^block_size\(=0\) must be >= 1\.$"),
        ({"block_size": -1}, r"^block_size\(=-1\) must be >= 1\.$"),
        ({"block_size": MAX_REPLICATIONS + 1}, r"^block_size\(=100001\) must be at most 100,000 "),
    ],
)
def test_a_sweep_refuses_bad_counts_and_leaves_no_store(small, tmp_path, kwargs, message):
    store = tmp_path / "s.zarr"
    started = time.monotonic()
    with pytest.raises(ValueError, match=message):
        dx.sweep(small, {"contract.platform_discount": [0.0]}, store=store, **{"replications": 1, **kwargs})
    assert time.monotonic() - started < 2 and not store.exists()


def test_simulate_refuses_a_billion_replications_at_once(small):
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"^replications\(=1000000000\) must be at most 100,000"):
        dx.simulate(small, replications=10**9)
    assert time.monotonic() - started < 1
