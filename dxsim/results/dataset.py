"""The output Dataset: schema of variables, assembly from runs, netCDF I/O.

Every variable has ``units`` and ``long_name``; ``ds.attrs`` holds the
scenario as TOML text, the seed and the dxsim version, so a file alone
reproduces its numbers (:func:`scenario_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from dxsim._version import __version__
from dxsim.atomic import atomic_path
from dxsim.finance import annual_rate, irr, monthly_rate, npv
from dxsim.model.world import RunResult
from dxsim.scenario.schema import Scenario

__all__ = ["VARIABLES", "build_dataset", "scenario_of", "write_netcdf"]

_MI = ("month", "industry")
_MP = ("month", "platform")
_A = ("adopter",)

#: name -> (dims besides replication, units, long_name)
VARIABLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "considering": (_MI, "enterprises / month", "enterprises considering adoption in the month"),
    "adoptions": (_MI, "contracts / month", "contracts signed in the month"),
    "adopters": (_MI, "enterprises", "contracts signed so far (end of month)"),
    "in_use": (_MI, "enterprises", "enterprises with a live, working solution (end of month)"),
    "accepted": (_MI, "enterprises", "enterprises that passed acceptance so far (end of month)"),
    "lighthouses": (_MI, "enterprises", "little-lighthouse enterprises so far (end of month)"),
    "queue_length": (_MP, "enterprises", "time-average number waiting for capacity in the month"),
    "utilisation": (_MP, "1", "time-average busy share of capacity (NaN when unlimited)"),
    "experience": (_MP, "deployments", "deployments started so far, with spillover (end of month)"),
    "unit_cost": (_MP, "yuan", "delivery cost of the next deployment (end of month)"),
    "price": (_MP, "yuan", "list price the platform quotes in the month"),
    "receivables": (
        _MP,
        "yuan",
        "owed to the platform on signed contracts, not yet paid nor written off (end of month)",
    ),
    "platform_cash_flow": (_MP, "yuan / month", "net cash flow of each platform in the month"),
    "budget_remaining": (("month",), "yuan", "uncommitted programme budget (end of month)"),
    "public_spending": (
        ("month",),
        "yuan / month",
        "subsidies and rewards paid by the government in the month",
    ),
    "tax_revenue": (("month",), "yuan / month", "tax on incremental profit received in the month"),
    "cash_flow": (("month", "party"), "yuan / month", "net cash flow of each party in the month"),
    "adopter_enterprise": (
        _A,
        "1",
        "enterprise id of the adopter (the same enterprise in every scenario run on one seed)",
    ),
    "adopter_industry": (_A, "1", "industry index of the adopter (see coordinate industry)"),
    "adopter_platform": (_A, "1", "platform index of the contract (see coordinate platform)"),
    "signed_month": (_A, "months", "time the contract was signed (months since the scenario start)"),
    "wait_months": (_A, "months", "time waiting for platform capacity"),
    "golive_month": (_A, "months", "time the solution went live (months since the scenario start; NaN = not yet)"),
    "assessed_month": (
        _A,
        "months",
        "time of the acceptance assessment (months since the scenario start; NaN = not yet)",
    ),
    "price_paid": (_A, "yuan", "contract price"),
    "government_part": (_A, "yuan", "government's part of the price"),
    "government_paid": (_A, "yuan", "public money paid on the contract within the horizon (subsidies and rewards)"),
    "platform_discount": (_A, "yuan", "platform's discount"),
    "enterprise_part": (_A, "yuan", "enterprise's part of the price"),
    "enterprise_paid": (
        _A,
        "yuan",
        "paid by the enterprise within the horizon, net of subsidies and rewards it received",
    ),
    "realised_gain": (_A, "yuan", "incremental profit realised within the horizon"),
    "payback_months": (
        _A,
        "months",
        "enterprise payback from the signing month, when its running total is non-negative for good (NaN = censored)",
    ),
    "payback_censored": (_A, "1", "1 if the enterprise had not paid back by the horizon"),
    "payback_discounted_months": (
        _A,
        "months",
        "enterprise discounted payback at the scenario's discount_rate (NaN = censored)",
    ),
    "payback_discounted_censored": (_A, "1", "1 if the enterprise's discounted payback was not reached by the horizon"),
    "platform_payback_months": (
        _A,
        "months",
        "platform payback on the contract from the signing month (NaN = censored)",
    ),
    "platform_payback_censored": (_A, "1", "1 if the platform had not paid back on the contract by the horizon"),
    "platform_payback_discounted_months": (
        _A,
        "months",
        "platform discounted payback on the contract (NaN = censored)",
    ),
    "platform_payback_discounted_censored": (
        _A,
        "1",
        "1 if the platform's discounted payback was not reached by the horizon",
    ),
    "recovery_ratio": (_A, "1", "enterprise payments to the platform within the horizon / what it owed on the price"),
    "delivery_cost": (_A, "yuan", "the platform's cost of delivering the contract (0 = not started)"),
    "platform_cost_recovered": (
        _A,
        "1",
        "1 if the platform's receipts on the contract covered its delivery cost by the horizon",
    ),
    "accepted_flag": (_A, "1", "1 if the enterprise passed acceptance"),
    "lighthouse_flag": (_A, "1", "1 if the enterprise became a lighthouse"),
    "failed_flag": (_A, "1", "1 if the project delivered no gain"),
    "adopter_revenue": (_A, "yuan / year", "adopter's annual revenue"),
    "adopter_liquidity": (_A, "yuan", "cash the adopter could pay at signing"),
    "adopter_hurdle_rate": (_A, "1 / year", "adopter's hurdle rate"),
    "adopter_perceived_failure": (
        _A,
        "1",
        "adopter's perceived failure probability when it decided",
    ),
    "maturity_before": (_A, "score points", "digital-maturity score before the project"),
    "maturity_after": (
        _A,
        "score points",
        "digital-maturity score at acceptance (NaN = not yet assessed)",
    ),
}


def _month_coord(scenario: Scenario) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(scenario.start), periods=scenario.horizon_months, freq="MS")


def build_dataset(
    scenario: Scenario, runs: Sequence[RunResult], *, seed: int, replications: Sequence[int] | None = None
) -> xr.Dataset:
    """Assemble replication results into the output Dataset.

    Parameters
    ----------
    scenario : Scenario
        The scenario that was run.
    runs : sequence of RunResult
        One per replication, in replication order.
    seed : int
        The seed the replications were derived from.
    replications : sequence of int, optional
        Their replication numbers (default ``0 .. len(runs) - 1``).
    """
    n_adopters = max((len(r.adopters["price_paid"]) for r in runs), default=0)
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name, (dims, _, _) in VARIABLES.items():
        if dims == _MI:
            arr = np.stack([r.monthly[name] for r in runs])
        elif dims == _MP:
            arr = np.stack([r.platform[name] for r in runs])
        elif name in ("budget_remaining", "public_spending", "tax_revenue", "cash_flow"):
            arr = np.stack([getattr(r, name) for r in runs])
        else:
            arr = np.full((len(runs), n_adopters), np.nan)
            for k, r in enumerate(runs):
                values = r.adopters[name]
                arr[k, : len(values)] = values
        data[name] = (("replication", *dims), arr)
    ds = xr.Dataset(
        {name: xr.Variable(dims, arr) for name, (dims, arr) in data.items()},
        coords={
            "replication": np.arange(len(runs)) if replications is None else np.asarray(replications),
            "month": _month_coord(scenario),
            "industry": [i.name for i in scenario.resolved_industries],
            "platform": [p.name for p in scenario.resolved_platforms],
            "party": ["government", "platform", "enterprise"],
            "adopter": np.arange(n_adopters),
        },
    )
    for name, (_, units, long_name) in VARIABLES.items():
        ds[name].attrs.update(units=units, long_name=long_name)
    _add_returns(ds, scenario)
    ds["platform_industry"] = xr.DataArray(
        [p.industry for p in scenario.resolved_platforms],
        dims="platform",
        attrs={"units": "1", "long_name": "industry the platform serves"},
    )
    ds["enterprises"] = xr.DataArray(
        [i.enterprises for i in scenario.resolved_industries],
        dims="industry",
        attrs={"units": "enterprises", "long_name": "SMEs in scope per industry"},
    )
    ds["events"] = xr.DataArray(
        [r.events for r in runs],
        dims="replication",
        attrs={"units": "events", "long_name": "SimPy events scheduled"},
    )
    ds.attrs.update(
        scenario=scenario.to_toml(),
        scenario_name=scenario.name,
        seed=int(seed),
        dxsim_version=__version__,
        horizon_months=scenario.horizon_months,
        Conventions="CF-1.8",
        title=f"dxsim results: {scenario.name}",
    )
    return ds


def _add_returns(ds: xr.Dataset, scenario: Scenario) -> None:
    """NPV and IRR of each party and each platform over the horizon, per replication."""
    rate = float(monthly_rate(scenario.discount_rate))
    flows = ds["cash_flow"].transpose(..., "month").values
    plat = ds["platform_cash_flow"].transpose(..., "month").values
    ds["npv"] = (("replication", "party"), npv(rate, flows))
    ds["npv"].attrs.update(
        units="yuan", long_name=f"NPV of each party's cash flow at {scenario.discount_rate:g} / year"
    )
    ds["irr"] = (("replication", "party"), annual_rate(irr(flows)))
    ds["irr"].attrs.update(units="1 / year", long_name="IRR of each party's cash flow, annualised (NaN = none)")
    ds["platform_npv"] = (("replication", "platform"), npv(rate, plat))
    ds["platform_npv"].attrs.update(
        units="yuan", long_name=f"NPV of each platform's cash flow at {scenario.discount_rate:g} / year"
    )
    ds["platform_irr"] = (("replication", "platform"), annual_rate(irr(plat)))
    ds["platform_irr"].attrs.update(
        units="1 / year", long_name="IRR of each platform's cash flow, annualised (NaN = none)"
    )


def scenario_of(ds: xr.Dataset) -> Scenario:
    """The scenario a Dataset was computed from (read from its attrs)."""
    import tomllib

    from dxsim.scenario.load import scenario_from_dict

    return scenario_from_dict(tomllib.loads(ds.attrs["scenario"]), source="<dataset attrs>")


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to netCDF (h5netcdf) atomically: a temporary file, then a rename.

    A crash or an interrupt never leaves a partial file at ``path``.
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
    return target
