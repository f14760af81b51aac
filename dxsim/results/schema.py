"""The output schema: the dimensions and variables of a run's Dataset, with units (one copy).

Every variable has ``units`` and ``long_name``; the dimensions of one run are
:data:`RUN_DIMS`; a sweep adds one dimension per swept parameter (or ``case``)
in front (:func:`sweep_dims`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import xarray as xr

__all__ = [
    "ADOPTER",
    "APPLICANT",
    "BATCH_PLATFORM",
    "DECISION",
    "DECISION_VARIABLES",
    "FINANCING_VARIABLES",
    "INSTITUTION_VARIABLES",
    "MONTH_INDUSTRY",
    "MONTH_PLATFORM",
    "RAGGED_DIMS",
    "RENAMED_VARIABLES",
    "RESERVED",
    "RUN_DIMS",
    "TAX_LAW_VARIABLES",
    "VARIABLES",
    "require",
    "sweep_dims",
    "upgrade",
]

#: The dimensions of a single run's Dataset; any other dimension is a sweep's.
RUN_DIMS = frozenset(
    {"replication", "month", "industry", "platform", "party", "adopter", "batch", "applicant", "uncertain", "decision"}
)

#: Dimensions whose length differs between runs of one scenario (replications, blocks) or between
#: scenarios (sweep points), padded when runs are combined, with the value a padded entry takes.
RAGGED_DIMS: dict[str, float] = {
    "adopter": float("nan"),
    "applicant": float("nan"),
    "batch": 0.0,
    "decision": float("nan"),
}

MONTH_INDUSTRY = ("month", "industry")
MONTH_PLATFORM = ("month", "platform")
ADOPTER = ("adopter",)
BATCH_PLATFORM = ("batch", "platform")
APPLICANT = ("applicant",)
DECISION = ("decision",)

#: name -> (dims besides replication, units, long_name)
VARIABLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "considering": (MONTH_INDUSTRY, "enterprises / month", "enterprises considering adoption in the month"),
    "adoptions": (MONTH_INDUSTRY, "contracts / month", "first contracts signed in the month (renewals apart)"),
    "adopters": (MONTH_INDUSTRY, "enterprises", "enterprises that signed a first contract so far (end of month)"),
    "in_use": (MONTH_INDUSTRY, "enterprises", "enterprises with a live, working solution (end of month)"),
    "accepted": (MONTH_INDUSTRY, "enterprises", "enterprises that passed acceptance so far (end of month)"),
    "lighthouses": (MONTH_INDUSTRY, "enterprises", "little-lighthouse enterprises so far (end of month)"),
    "declined": (
        MONTH_INDUSTRY,
        "enterprises / month",
        "would-be adopters their platform declined in the month (participation constraint)",
    ),
    "renewals": (
        MONTH_INDUSTRY,
        "enterprises / month",
        "contracts signed in the month by former users renewing their solution after its lifetime",
    ),
    "exits": (MONTH_INDUSTRY, "enterprises / month", "enterprises that exited in the month (all, adopters or not)"),
    "queue_length": (MONTH_PLATFORM, "enterprises", "time-average number waiting for capacity in the month"),
    "utilisation": (MONTH_PLATFORM, "1", "time-average busy share of capacity (NaN when unlimited)"),
    "experience": (MONTH_PLATFORM, "deployments", "deployments started so far, with spillover (end of month)"),
    "unit_cost": (MONTH_PLATFORM, "yuan", "delivery cost of the next deployment (end of month)"),
    "price": (MONTH_PLATFORM, "yuan", "list price the platform quotes in the month"),
    "receivables": (
        MONTH_PLATFORM,
        "yuan",
        "owed to the platform on signed contracts, not yet paid nor written off (end of month)",
    ),
    "platform_cash_flow": (MONTH_PLATFORM, "yuan / month", "net cash flow of each platform in the month"),
    "budget_remaining": (
        ("month",),
        "yuan",
        "budget not yet committed in the batches not yet closed, those to come included (end of month); "
        "a closed batch's uncommitted money lapses and is not counted",
    ),
    "budget_lapsed": (
        ("month",),
        "yuan / month",
        "budget that lapsed in the month, not spent: a closing batch's uncommitted money that does not roll over "
        "to a later batch, and commitments released into a closed batch later",
    ),
    "budget_committed": (
        ("month",),
        "yuan",
        "budget committed to signed contracts and not yet paid nor released (end of month): paid, or given back "
        "to a budget, later",
    ),
    "public_money": (
        ("month",),
        "yuan / month",
        "subsidies and rewards paid by the government in the month",
    ),
    "tax_revenue": (
        ("month",),
        "yuan / month",
        "enterprise income tax on the adopters' incremental profit in the month, net of tax savings",
    ),
    "platform_tax": (("month",), "yuan / month", "enterprise income tax paid by the platforms in the month"),
    "vat_revenue": (
        ("month",),
        "yuan / month",
        "VAT on the contracts in the month, net of the platforms' input VAT and the enterprises' VAT credit",
    ),
    "gains": (
        ("month",),
        "yuan / month",
        "incremental profit before tax the adopters realised in the month (ledger kind gain)",
    ),
    "financing_cost": (
        ("month",),
        "yuan / month",
        "the platforms' financing costs on their receivables in the month (cost of capital / 12 x receivables)",
    ),
    "cash_flow": (
        ("month", "party"),
        "yuan / month",
        "net cash flow of each party in the month (government: all taxes less public money)",
    ),
    "adopter_enterprise": (
        ADOPTER,
        "1",
        "enterprise id of the adopter (the same enterprise in every scenario run on one seed)",
    ),
    "adopter_industry": (ADOPTER, "1", "industry index of the adopter (see coordinate industry)"),
    "adopter_platform": (ADOPTER, "1", "platform index of the contract (see coordinate platform)"),
    "signed_month": (ADOPTER, "months", "time the contract was signed (months since the scenario start)"),
    "wait_months": (ADOPTER, "months", "time waiting for platform capacity"),
    "golive_month": (ADOPTER, "months", "time the solution went live (months since the scenario start; NaN = not yet)"),
    "assessed_month": (
        ADOPTER,
        "months",
        "time of the acceptance assessment (months since the scenario start; NaN = not yet)",
    ),
    "price_paid": (ADOPTER, "yuan", "contract price"),
    "government_part": (ADOPTER, "yuan", "government's part of the price"),
    "government_paid": (
        ADOPTER,
        "yuan",
        "public money paid on the contract within the horizon (subsidies and rewards)",
    ),
    "platform_discount": (ADOPTER, "yuan", "platform's discount"),
    "enterprise_part": (ADOPTER, "yuan", "enterprise's part of the price"),
    "enterprise_paid": (
        ADOPTER,
        "yuan",
        "paid by the enterprise within the horizon, net of subsidies and rewards it received",
    ),
    "realised_gain": (ADOPTER, "yuan", "incremental profit realised within the horizon"),
    "payback_months": (
        ADOPTER,
        "months",
        "enterprise payback from the signing month, when its running total is non-negative for good (NaN = censored)",
    ),
    "payback_censored": (ADOPTER, "1", "1 if the enterprise had not paid back by the horizon"),
    "payback_discounted_months": (
        ADOPTER,
        "months",
        "enterprise discounted payback at the scenario's discount_rate (NaN = censored)",
    ),
    "payback_discounted_censored": (
        ADOPTER,
        "1",
        "1 if the enterprise's discounted payback was not reached by the horizon",
    ),
    "platform_payback_months": (
        ADOPTER,
        "months",
        "platform payback on the contract from the signing month (NaN = censored)",
    ),
    "platform_payback_censored": (ADOPTER, "1", "1 if the platform had not paid back on the contract by the horizon"),
    "platform_payback_discounted_months": (
        ADOPTER,
        "months",
        "platform discounted payback on the contract (NaN = censored)",
    ),
    "platform_payback_discounted_censored": (
        ADOPTER,
        "1",
        "1 if the platform's discounted payback was not reached by the horizon",
    ),
    "recovery_ratio": (
        ADOPTER,
        "1",
        "enterprise payments to the platform within the horizon / what it owed on the price",
    ),
    "delivery_cost": (ADOPTER, "yuan", "the platform's cost of delivering the contract (0 = not started)"),
    "platform_cost_recovered": (
        ADOPTER,
        "1",
        "1 if the platform's receipts on the contract covered its delivery cost by the horizon",
    ),
    "accepted_flag": (ADOPTER, "1", "1 if the enterprise passed acceptance"),
    "lighthouse_flag": (ADOPTER, "1", "1 if the enterprise became a lighthouse"),
    "failed_flag": (ADOPTER, "1", "1 if the project delivered no gain"),
    "adopter_revenue": (ADOPTER, "yuan / year", "adopter's annual revenue"),
    "adopter_liquidity": (ADOPTER, "yuan", "cash the adopter could pay at signing"),
    "adopter_hurdle_rate": (ADOPTER, "1 / year", "adopter's hurdle rate"),
    "adopter_perceived_failure": (
        ADOPTER,
        "1",
        "adopter's perceived failure probability when it decided",
    ),
    "maturity_before": (ADOPTER, "score points", "digital-maturity score before the project"),
    "admitted": (
        BATCH_PLATFORM,
        "1",
        "1 if the batch admitted the platform (batch: index of programme.batches; int8)",
    ),
    "applicant_enterprise": (
        APPLICANT,
        "1",
        "enterprise id of an applicant counting on a batch's money (one row per attempt to sign in a window)",
    ),
    "applicant_month": (APPLICANT, "months", "month of the attempt to sign (months since the scenario start)"),
    "applicant_batch": (APPLICANT, "1", "batch the applicant applied to (index of programme.batches)"),
    "applicant_won": (
        APPLICANT,
        "1",
        "1 if the batch committed programme money to the applicant; 0 if its budget or the platform cap left none",
    ),
    "maturity_after": (
        ADOPTER,
        "score points",
        "digital-maturity score at acceptance (NaN = not yet assessed)",
    ),
    "renewal_flag": (ADOPTER, "1", "1 if the contract renews a solution whose lifetime ended"),
    "exit_month": (
        ADOPTER,
        "months",
        "time the enterprise exited (months since the scenario start; NaN = not within the horizon)",
    ),
}

#: The decision record (opt-in: ``dx.simulate(..., decisions=True)``, ``dxsim run --decisions``), one entry
#: per decision an enterprise took (:mod:`dxsim.model.decisions`), and each contract's cash flows by party;
#: read by :func:`dxsim.explain`.  name -> (dims besides replication, units, long_name).
DECISION_VARIABLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "decision_enterprise": (DECISION, "1", "enterprise id of the decision (as adopter_enterprise)"),
    "decision_industry": (DECISION, "1", "industry index of the enterprise (see coordinate industry)"),
    "decision_time": (DECISION, "months", "time of the decision (months since the scenario start)"),
    "decision_stage": (DECISION, "1", "0 = at a consideration (month start), 1 = again at signing with less money"),
    "decision_outcome": (
        DECISION,
        "1",
        "what came of it: 0 applied, 1 rejected the offer, 2 no platform, 3 platform declined, 4 rationed",
    ),
    "decision_platform": (DECISION, "1", "platform index offered (see coordinate platform; -1 = none)"),
    "decision_renewal": (DECISION, "1", "1 if a former user renewing its solution"),
    "decision_price": (DECISION, "yuan", "price the platform quoted"),
    "decision_counted": (
        DECISION,
        "yuan",
        "programme money the enterprise counted on (price parts and tiered rewards committed)",
    ),
    "decision_owed": (DECISION, "yuan", "what the enterprise would owe the platform under the payment scheme"),
    "decision_receive_signing": (DECISION, "yuan", "programme money it would receive itself at signing"),
    "decision_receive_golive": (DECISION, "yuan", "programme money it would receive itself at go-live"),
    "decision_receive_acceptance": (
        DECISION,
        "yuan",
        "programme money it would receive itself at acceptance (tiered reward included), if it passes",
    ),
    "decision_golive": (DECISION, "months", "expected months from signing to go-live (queue wait + implementation)"),
    "decision_perceived_failure": (DECISION, "1", "perceived failure probability the enterprise reckoned with"),
    "decision_benefit_share": (DECISION, "1", "share of its potential gain the enterprise counted on"),
    "decision_value": (
        DECISION,
        "yuan",
        "V, the expected NPV of the offer to the enterprise (NaN = ruled out by the quick bound)",
    ),
    "decision_payback": (
        DECISION,
        "months",
        "success-case payback the enterprise expected (NaN = never, or ruled out by the quick bound)",
    ),
    "decision_due": (DECISION, "yuan", "what the enterprise must pay at signing, net of programme money then"),
    "contract_cash_flow": (
        ("adopter", "month", "party"),
        "yuan / month",
        "net cash flow of each party on the contract in the calendar month (from the run's ledger)",
    ),
}

#: Names a sweep dimension cannot take: the run's dimensions and variables, and what a sweep adds.
RESERVED = (
    frozenset(VARIABLES)
    | frozenset(DECISION_VARIABLES)
    | RUN_DIMS
    | {"npv", "irr", "platform_npv", "platform_irr", "platform_industry", "enterprises", "events", "overrides"}
    | {"uncertain_value"}
)


def sweep_dims(ds: xr.Dataset | xr.DataArray) -> list[Hashable]:
    """The sweep dimensions of a Dataset or DataArray (those not of a single run), in order.

    Examples
    --------
    >>> import xarray as xr
    >>> sweep_dims(xr.DataArray([[1, 2]], dims=("pr", "replication")))
    ['pr']
    """
    dims = ds["adopters"].dims if isinstance(ds, xr.Dataset) and "adopters" in ds else ds.dims
    return [d for d in dims if d not in RUN_DIMS]


#: Variables renamed since an earlier version: old name -> new name (0.3.0: one name per thing).
RENAMED_VARIABLES = {"public_spending": "public_money"}

#: Monthly variables that came with the tax law (0.3.0): files written before lack them, and
#: :func:`upgrade` does not invent them (their government ``cash_flow`` has no VAT and no platform tax).
TAX_LAW_VARIABLES = ("platform_tax", "vat_revenue", "gains")

#: Monthly variables that came with the social account's treatment of financing (0.5.1): files
#: written before lack them; :func:`dxsim.results.io.open_results` rebuilds them for a run (not a
#: sweep, nor a counterfactual stored in the file) from its receivables and its scenario.
FINANCING_VARIABLES = ("financing_cost",)

#: Variables that came with the institutions of issue 14 (admission per batch, the applicants'
#: allocation): files written before lack them, and :func:`upgrade` does not invent them.
INSTITUTION_VARIABLES = ("admitted", "applicant_enterprise", "applicant_month", "applicant_batch", "applicant_won")


def upgrade(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the variables of an earlier version under their current names (:data:`RENAMED_VARIABLES`).

    Variables an earlier version did not compute (:data:`TAX_LAW_VARIABLES`)
    stay missing: an analysis that needs one says so (:func:`require`).

    Examples
    --------
    >>> old = xr.Dataset({"public_spending": ("month", [1.0, 2.0])})
    >>> list(upgrade(old).data_vars)
    ['public_money']
    """
    old = {a: b for a, b in RENAMED_VARIABLES.items() if a in ds.variables and b not in ds.variables}
    return ds.rename_vars(old) if old else ds


def require(ds: xr.Dataset, names: Sequence[str], *, what: str = "the Dataset") -> None:
    """Check that ``ds`` has the variables ``names``; raise a one-line error naming the first it lacks.

    Parameters
    ----------
    ds : xarray.Dataset
        A run's Dataset (or its counterfactual).
    names : sequence of str
        The variables an analysis needs.
    what : str
        How the message calls ``ds`` (e.g. "the run", "its counterfactual").

    Raises
    ------
    ValueError
        ``"<what> lacks the variable '<name>' (...): run the scenario again"``,
        with the dxsim version that wrote it when known.

    Examples
    --------
    >>> old = xr.Dataset({"tax_revenue": ("month", [1.0])}, attrs={"dxsim_version": "0.2.0"})
    >>> require(old, ("tax_revenue", "vat_revenue"), what="the run")
    Traceback (most recent call last):
    ...
    ValueError: the run lacks the variable 'vat_revenue' (VAT on the contracts in the month, ...): it was written by dxsim 0.2.0, before the variable existed; run the scenario again
    """
    for name in names:
        if name not in ds.variables:
            meaning = VARIABLES[name][2] if name in VARIABLES else "a variable of the current output"
            version = ds.attrs.get("dxsim_version")
            by = f"dxsim {version}" if version else "an older dxsim"
            raise ValueError(
                f"{what} lacks the variable {name!r} ({meaning}): it was written by {by}, "
                "before the variable existed; run the scenario again"
            )
