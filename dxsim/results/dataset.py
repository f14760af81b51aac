"""Building the output Dataset from the results of replications.

Every variable has ``units`` and ``long_name`` (:data:`dxsim.results.schema.VARIABLES`);
``ds.attrs`` holds the scenario as TOML text (its ``seed`` the run's,
:func:`~dxsim.results.provenance.seeded`), the seed and the dxsim version, so a
file alone reproduces its numbers (:func:`dxsim.results.provenance.scenario_of`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from dxsim._version import __version__
from dxsim.finance import annual_rate, irr, monthly_rate, npv
from dxsim.model.result import RunResult
from dxsim.random import replication_key
from dxsim.results.provenance import seeded
from dxsim.results.schema import (
    APPLICANT,
    BATCH_PLATFORM,
    DECISION_VARIABLES,
    MONTH_INDUSTRY,
    MONTH_PLATFORM,
    VARIABLES,
)
from dxsim.scenario.schema import Scenario
from dxsim.scenario.uncertain import draw_uncertain

__all__ = ["build_dataset"]

#: Variables that are attributes of :class:`~dxsim.model.result.RunResult` of their own (month series).
_SERIES = (
    "budget_remaining",
    "budget_lapsed",
    "budget_committed",
    "public_money",
    "tax_revenue",
    "platform_tax",
    "vat_revenue",
    "gains",
    "financing_cost",
    "cash_flow",
)


def _month_coord(scenario: Scenario) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(scenario.start), periods=scenario.horizon_months, freq="MS")


def build_dataset(
    scenario: Scenario, runs: Sequence[RunResult], *, seed: int, replications: Sequence[int] | None = None
) -> xr.Dataset:
    """Assemble replication results into the output Dataset.

    Parameters
    ----------
    scenario : Scenario
        The scenario that was run; stored with ``seed`` as its own seed
        (:func:`~dxsim.results.provenance.seeded`).
    runs : sequence of RunResult
        One per replication, in replication order.
    seed : int
        The seed the replications were derived from.
    replications : sequence of int, optional
        Their replication numbers (default ``0 .. len(runs) - 1``).
    """
    n_adopters = max((len(r.adopters["price_paid"]) for r in runs), default=0)
    n_applicants = max((len(r.applicants["won"]) for r in runs), default=0)
    variables: dict[str, xr.Variable] = {}
    for name, (dims, units, long_name) in VARIABLES.items():
        if dims == MONTH_INDUSTRY:
            arr = np.stack([r.monthly[name] for r in runs])
        elif dims == MONTH_PLATFORM:
            arr = np.stack([r.platform[name] for r in runs])
        elif dims == BATCH_PLATFORM:
            arr = np.stack([r.admitted for r in runs]).astype(np.int8)
        elif name in _SERIES:
            arr = np.stack([getattr(r, name) for r in runs])
        elif dims == APPLICANT:
            arr = _padded([r.applicants[name.removeprefix("applicant_")] for r in runs], n_applicants)
        else:
            arr = _padded([r.adopters[name] for r in runs], n_adopters)
        variables[name] = xr.Variable(("replication", *dims), arr, attrs={"units": units, "long_name": long_name})
    recorded = runs and all(r.decisions is not None for r in runs)
    more: dict[str, xr.Variable | xr.DataArray] = {}
    if recorded:
        more |= _decisions(runs, n_adopters, scenario.horizon_months)
    more |= _returns(variables, scenario)
    more["platform_industry"] = xr.Variable(
        "platform",
        [p.industry for p in scenario.resolved_platforms],
        attrs={"units": "1", "long_name": "industry the platform serves"},
    )
    more["enterprises"] = xr.Variable(
        "industry",
        [i.enterprises for i in scenario.resolved_industries],
        attrs={"units": "enterprises", "long_name": "SMEs in scope per industry"},
    )
    reps = np.arange(len(runs)) if replications is None else np.asarray(replications)
    if scenario.uncertain:
        more["uncertain_value"] = uncertain_values(scenario, seed, reps)
    more["events"] = xr.Variable(
        "replication", [r.events for r in runs], attrs={"units": "events", "long_name": "SimPy events scheduled"}
    )
    ds = xr.Dataset(  # the variables added in two merges, not one each (each aligns and copies the Dataset)
        variables,
        coords={
            "replication": reps,
            "month": _month_coord(scenario),
            "industry": [i.name for i in scenario.resolved_industries],
            "platform": [p.name for p in scenario.resolved_platforms],
            "party": ["government", "platform", "enterprise"],
            "adopter": np.arange(n_adopters),
            "batch": np.arange(len(scenario.programme.batches)),
            "applicant": np.arange(n_applicants),
        },
    )
    ds.update(more)
    ds.attrs.update(
        scenario=seeded(scenario, seed).to_toml(),
        scenario_name=scenario.name,
        seed=int(seed),
        dxsim_version=__version__,
        horizon_months=scenario.horizon_months,
        Conventions="CF-1.8",
        title=f"dxsim results: {scenario.name}",
    )
    return ds


def uncertain_values(scenario: Scenario, seed: int, replications: Sequence[int] | np.ndarray) -> xr.DataArray:
    """The values each replication drew for the scenario's ``[uncertain]`` paths (``uncertain_value``).

    Recomputed from the keys (:func:`~dxsim.scenario.uncertain.draw_uncertain`
    of each replication's key): the same values the replications ran with.

    Returns
    -------
    xarray.DataArray
        Dims ``(replication, uncertain)``; coordinate ``uncertain``: the paths.
        Each column is in the units of the scenario field its path names.
    """
    paths = list(scenario.uncertain.paths)
    values = [
        [draw_uncertain(scenario.uncertain, replication_key(seed, int(k)))[p] for p in paths] for k in replications
    ]
    return xr.DataArray(
        np.asarray(values, dtype=np.float64).reshape(len(replications), len(paths)),
        dims=("replication", "uncertain"),
        coords={"uncertain": paths},
        attrs={
            "units": "of the scenario field each path names",
            "long_name": "value of each uncertain parameter drawn for the replication ([uncertain])",
        },
    )


def _decisions(runs: Sequence[RunResult], n_adopters: int, months: int) -> dict[str, xr.Variable]:
    """The decision record and the contracts' cash flows (:data:`~dxsim.results.schema.DECISION_VARIABLES`)."""
    records = [r.decisions or {} for r in runs]
    length = max(len(d["enterprise"]) for d in records)
    out = {}
    for name, (dims, units, long_name) in DECISION_VARIABLES.items():
        if name == "contract_cash_flow":
            arr = np.full((len(runs), n_adopters, months, 3), np.nan)
            for k, r in enumerate(runs):
                flows = r.contract_flows if r.contract_flows is not None else np.zeros((0, months, 3))
                arr[k, : len(flows)] = flows
        else:
            arr = _padded([d[name.removeprefix("decision_")] for d in records], length)
        out[name] = xr.Variable(("replication", *dims), arr, attrs={"units": units, "long_name": long_name})
    return out


def _padded(columns: Sequence[np.ndarray], length: int) -> np.ndarray:
    """One row per replication, each ``length`` long, padded with NaN."""
    arr = np.full((len(columns), length), np.nan)
    for k, values in enumerate(columns):
        arr[k, : len(values)] = values
    return arr


def _returns(variables: dict[str, xr.Variable], scenario: Scenario) -> dict[str, xr.Variable]:
    """NPV and IRR of each party and each platform over the horizon, per replication."""
    rate = float(monthly_rate(scenario.discount_rate))
    flows = variables["cash_flow"].transpose(..., "month").values
    plat = variables["platform_cash_flow"].transpose(..., "month").values
    at = f"at {scenario.discount_rate:g} / year"
    out = {}
    for prefix, dim, f, whose in (
        ("", "party", flows, "each party's"),
        ("platform_", "platform", plat, "each platform's"),
    ):
        out[f"{prefix}npv"] = xr.Variable(
            ("replication", dim), npv(rate, f), attrs={"units": "yuan", "long_name": f"NPV of {whose} cash flow {at}"}
        )
        out[f"{prefix}irr"] = xr.Variable(
            ("replication", dim),
            annual_rate(irr(f)),
            attrs={"units": "1 / year", "long_name": f"IRR of {whose} cash flow, annualised (NaN = none)"},
        )
    return out
