"""Regression: every bundled scenario's headline figures agree, within Monte Carlo error, with the stored reference.

Issue 17 (part 2) allows a restructuring of the model (a monthly array
pipeline, say) to change the outputs of a run only "within Monte Carlo error
of before": it may draw its random numbers differently, so the golden file
(``test_golden.py``, equal to 1e-9) cannot judge it, but the distribution of
what an economist reads must not move.  This test is that check.

``monte_carlo.json`` stores, for every bundled scenario but ``whole-country``
(48 million firms), the mean, standard deviation and number of replications
of a few headline statistics (one value per replication) at seed 1 with many
replications.  The test runs a few replications at another seed and asks
that each mean lie within four standard errors of the difference of the
reference mean (the new replications' standard deviation is taken as at
least the reference's, which a handful of replications would underestimate).

A model change that moves these numbers on purpose regenerates the file with
``DXSIM_REGEN_MONTE_CARLO=1 pytest tests/regression/test_monte_carlo.py``
(a few minutes) and says why in the commit; a restructuring must not
regenerate it.  Any other failure is a regression.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.atomic import atomic_path

REFERENCE = Path(__file__).with_name("monte_carlo.json")
REFERENCE_SEED = 1
REFERENCE_REPLICATIONS = 20
SEED = 2  # not the reference's: the test compares distributions, not one stream of random numbers
#: Replications of the test run, chosen so that the whole file runs in about a minute; 10 for a scenario not named.
REPLICATIONS = {"national": 3, "platform-pilot-2022-2025": 4, "revenue-share": 4, "platform-pilot-2022": 5}
DEFAULT_REPLICATIONS = 10
SCENARIOS = sorted(name for name in dx.bundled_scenarios() if name != "whole-country")


def _at_horizon(name: str) -> Callable[[xr.Dataset], xr.DataArray]:
    return lambda ds: ds[name].isel(month=-1).sum("industry")


def _total(*names: str) -> Callable[[xr.Dataset], xr.DataArray]:
    return lambda ds: sum((ds[name].sum("month") for name in names), xr.zeros_like(ds.events, dtype=float))


#: The headline statistics: one value per replication, every other dimension reduced.
STATISTICS: dict[str, Callable[[xr.Dataset], xr.DataArray]] = {
    "adopters_at_horizon": _at_horizon("adopters"),
    "accepted_at_horizon": _at_horizon("accepted"),
    "lighthouses_at_horizon": _at_horizon("lighthouses"),
    "public_money_total": _total("public_money"),
    "gains_total": _total("gains"),
    "taxes_total": _total("tax_revenue", "platform_tax", "vat_revenue"),
    "government_npv": lambda ds: ds.npv.sel(party="government"),
}


def summarize(name: str, replications: int, seed: int) -> dict[str, dict[str, float]]:
    """``{statistic: {"mean", "sd", "n"}}`` of ``replications`` runs of the bundled scenario ``name``."""
    ds = dx.simulate(dx.load_scenario(name), replications=replications, seed=seed, progress=False)
    out = {}
    for stat, reduce in STATISTICS.items():
        values = reduce(ds)
        assert values.dims == ("replication",), (name, stat, values.dims)
        x = np.asarray(values, dtype=float)
        out[stat] = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)), "n": len(x)}
    return out


def regenerate() -> None:
    reference = {
        "dxsim_version": dx.__version__,
        "seed": REFERENCE_SEED,
        "replications": REFERENCE_REPLICATIONS,
        "statistics": sorted(STATISTICS),
        "scenarios": {name: summarize(name, REFERENCE_REPLICATIONS, REFERENCE_SEED) for name in SCENARIOS},
    }
    with atomic_path(REFERENCE) as tmp:
        tmp.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def reference() -> dict:
    if os.environ.get("DXSIM_REGEN_MONTE_CARLO") == "1":
        regenerate()
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def allowance(ref: dict[str, float], new: dict[str, float]) -> float:
    """Four standard errors of the difference of the means, plus a rounding margin for a statistic with no variance."""
    sd_new = max(new["sd"], ref["sd"])  # a few replications may underestimate the spread; the null says it is the same
    se = math.sqrt(ref["sd"] ** 2 / ref["n"] + sd_new**2 / new["n"])
    return 4 * se + 1e-9 * (1 + abs(ref["mean"]))


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_headline_statistics_within_monte_carlo_error(reference, name):
    assert name in reference["scenarios"], f"{name}: no reference; regenerate with DXSIM_REGEN_MONTE_CARLO=1"
    assert sorted(reference["statistics"]) == sorted(STATISTICS), "the statistics changed; regenerate the reference"
    ref = reference["scenarios"][name]
    new = summarize(name, REPLICATIONS.get(name, DEFAULT_REPLICATIONS), SEED)
    failures = []
    for stat in STATISTICS:
        diff, allowed = abs(new[stat]["mean"] - ref[stat]["mean"]), allowance(ref[stat], new[stat])
        if not diff <= allowed:
            failures.append(
                f"{name} {stat}: mean {new[stat]['mean']!r} (seed {SEED}, n {new[stat]['n']}) vs reference "
                f"{ref[stat]['mean']!r} (n {ref[stat]['n']}): difference {diff!r} > allowance {allowed!r}"
            )
    assert not failures, "\n".join(failures)
