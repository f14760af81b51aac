"""Why an enterprise adopted, or did not: :func:`explain` reads one enterprise out of a stored run.

A run recorded with ``dx.simulate(..., decisions=True)`` (``dxsim run
--decisions``) holds one row per decision an enterprise took (the
``decision_*`` variables, :mod:`dxsim.model.decisions`) and each contract's
cash flows by party and month (``contract_cash_flow``).  The enterprise's
own attributes are not stored: they are keyed draws, a pure function of the
run's seed, the replication and the enterprise's id, so they are drawn again
here (:class:`dxsim.model.population.AttributeDraws`), without running the
model.  :func:`redecide` puts the two together and applies the model's own
decision rule (:func:`dxsim.model.decision.weigh`) to every recorded offer:
it must give back what the run decided.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim.model.decision import Decision, Offer, weigh
from dxsim.model.decisions import OUTCOMES, STAGES
from dxsim.model.parameters import ContractRules, IndustryParameters
from dxsim.model.population import AttributeDraws, Attributes
from dxsim.model.schemes import on_revenue
from dxsim.random import Keys, replication_key
from dxsim.results.provenance import scenario_of
from dxsim.scenario.schema import Scenario

__all__ = ["Explanation", "explain", "redecide"]

_NEEDS = "decision_enterprise"


def _run(ds: xr.Dataset, replication: int | None) -> tuple[xr.Dataset, int]:
    """The replication ``replication`` of ``ds`` (default: its first) and its number; checks the record is there."""
    if _NEEDS not in ds.variables:
        raise ValueError(
            "the Dataset has no decision record: run it with dx.simulate(..., decisions=True) or dxsim run --decisions"
        )
    extra = [d for d in ds[_NEEDS].dims if d not in ("replication", "decision")]
    if extra:
        raise ValueError(f"explain takes one run, not a sweep: select one point of {extra} first")
    reps = [int(r) for r in ds["replication"].values]
    rep = reps[0] if replication is None else int(replication)
    if rep not in reps:
        raise ValueError(f"replication(={replication}) is not in the Dataset (it has {reps[0]} to {reps[-1]})")
    return ds.sel(replication=rep), rep


def _scenario(run: xr.Dataset, rep: int) -> Scenario:
    """The scenario replication ``rep`` ran: the run's, with that replication's ``[uncertain]`` draws."""
    return scenario_of(run).drawn(replication_key(int(run.attrs["seed"]), rep))


def _attributes(
    scenario: Scenario, seed: int, rep: int, ids: NDArray[np.int64]
) -> tuple[Attributes, NDArray[np.int64]]:
    """The keyed attributes of enterprises ``ids`` in replication ``rep`` of ``seed``, and their industries."""
    industries = scenario.resolved_industries
    sizes = np.array([ind.enterprises for ind in industries], dtype=np.int64)
    industry = np.searchsorted(np.cumsum(sizes), ids, side="right").astype(np.int64)
    solutions = [scenario.solutions[ind.solution] for ind in industries]
    draws = AttributeDraws(industries, solutions, scenario.behaviour, Keys(replication_key(seed, rep)))
    return draws.draw(ids, industry), industry


def redecide(ds: xr.Dataset, replication: int | None = None, rows: NDArray[np.int64] | None = None) -> Decision:
    """The model's decision rule applied again to recorded decisions (no model run).

    Parameters
    ----------
    ds : xarray.Dataset
        A run recorded with ``decisions=True``.
    replication : int, optional
        Which replication (a value of its coordinate; default the first).
    rows : array of int, optional
        Which decisions (positions along ``decision``; default all recorded).

    Returns
    -------
    Decision
        V (yuan), the success-case payback (months), what is due at signing
        (yuan) and whether it adopts, one entry per row: the same as the run
        recorded (``decision_value``, ``decision_payback``, ``decision_due``;
        ``decision_outcome`` 1 = rejected where it does not adopt).

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate("small", replications=1, seed=1, decisions=True)
    >>> again = redecide(ds)
    >>> recorded = ds["decision_value"].isel(replication=0).values  # one replication: no padding
    >>> bool(np.allclose(again.value, recorded, equal_nan=True))
    True
    """
    run, rep = _run(ds, replication)
    valid = np.flatnonzero(~np.isnan(run[_NEEDS].values))
    rows = valid if rows is None else np.asarray(rows, dtype=np.int64)
    return _weigh(run, rep, rows, None)


def _weigh(run: xr.Dataset, rep: int, rows: NDArray[np.int64], failure: float | None) -> Decision:
    """Decide recorded rows again; ``failure`` replaces the perceived failure (and turns the screen off)."""
    scenario = _scenario(run, rep)
    col = {name: run[f"decision_{name}"].values[rows] for name in _COLUMNS}
    ids = col["enterprise"].astype(np.int64)
    att, industry = _attributes(scenario, int(run.attrs["seed"]), rep, ids)
    params = IndustryParameters.of(scenario)
    rules = ContractRules.of(scenario)
    price = col["price"]
    offer = Offer(  # as dxsim.model.demand.Offers.offer builds it, from the recorded terms
        owed=col["owed"],
        scheme=rules.scheme,
        receive_signing=col["receive_signing"],
        receive_golive=col["receive_golive"],
        receive_acceptance=col["receive_acceptance"],
        golive=col["golive"],
        acceptance_delay=rules.acceptance_delay,
        subscription=params.subscription[industry],
        internal=params.internal_cost(industry, price),
        monthly_revenue=att.revenue / 12.0 if on_revenue(rules.scheme) else None,
    )
    belief = (col["perceived_failure"] if failure is None else np.full(len(rows), failure), col["benefit_share"])
    months = np.floor(col["time"]).astype(np.int64)
    out = [
        weigh(
            _rows(offer, m == months),
            Attributes(*(getattr(att, f)[m == months] for f in Attributes.__dataclass_fields__)),
            (belief[0][m == months], belief[1][m == months]),
            industry=industry[m == months],
            params=params,
            law=rules.tax,
            month=int(m),
            horizon=scenario.behaviour.evaluation_months,
            screen=failure is None,
        )
        for m in np.unique(months)
    ]
    return _in_order([m == months for m in np.unique(months)], out, len(rows))


_COLUMNS = (
    "enterprise",
    "time",
    "price",
    "owed",
    "receive_signing",
    "receive_golive",
    "receive_acceptance",
    "golive",
    "perceived_failure",
    "benefit_share",
)


def _rows(offer: Offer, mask: NDArray[np.bool_]) -> Offer:
    """The offers where ``mask`` holds."""

    def pick(x: NDArray[np.float64] | float | None) -> NDArray[np.float64] | None:
        return None if x is None else np.broadcast_to(x, mask.shape)[mask]

    return Offer(
        owed=offer.owed[mask],
        scheme=offer.scheme,
        receive_signing=offer.receive_signing[mask],
        receive_golive=offer.receive_golive[mask],
        receive_acceptance=offer.receive_acceptance[mask],
        golive=offer.golive[mask],
        acceptance_delay=offer.acceptance_delay,
        subscription=offer.subscription[mask],
        internal=np.asarray(pick(offer.internal)),
        monthly_revenue=pick(offer.monthly_revenue),
    )


def _in_order(masks: list[NDArray[np.bool_]], parts: list[Decision], n: int) -> Decision:
    """One :class:`Decision` of ``n`` rows from the ``parts`` decided on the rows ``masks``."""
    fields = {name: np.full(n, np.nan) for name in ("value", "payback", "due_at_signing")}
    adopt = np.zeros(n, dtype=bool)
    for mask, part in zip(masks, parts, strict=True):
        for name, column in fields.items():
            column[mask] = getattr(part, name)
        adopt[mask] = part.adopt
    return Decision(adopt=adopt, **fields)


@dataclass(frozen=True)
class Explanation:
    """What one enterprise was and saw in one replication, and why it decided as it did.

    Attributes
    ----------
    enterprise, replication : int
        Which enterprise (its id, as ``adopter_enterprise``) in which replication.
    scenario : str
        The run's scenario name.
    attributes : pandas.Series
        Its keyed attributes (drawn again from the run's seed), units in the labels.
    decisions : pandas.DataFrame
        One row per decision it took (:meth:`to_frame`): when, the offer
        (platform, price, programme money, scheme), the terms of V, what is due
        at signing against its liquidity and its internal costs then, the
        payback against its limit, the outcome and what tipped it.
    contracts : pandas.DataFrame
        One row per contract it signed (adopter index, signing, price parts,
        flags) and its signing month: what was due to the platform then, the
        internal costs and the enterprise's net cash flow of that month.
    cash_flows : pandas.DataFrame
        Each contract's net cash flow of government, platform and enterprise
        by calendar month (yuan / month; the months with any money).
    """

    enterprise: int
    replication: int
    scenario: str
    attributes: pd.Series
    decisions: pd.DataFrame
    contracts: pd.DataFrame
    cash_flows: pd.DataFrame

    def to_frame(self, part: str = "decisions") -> pd.DataFrame:
        """One part as a DataFrame: ``"decisions"``, ``"contracts"``, ``"cash_flows"`` or ``"attributes"``."""
        if part not in _PARTS:
            raise ValueError(f"part(={part!r}) must be one of {', '.join(_PARTS)}")
        value = getattr(self, part)
        return value.to_frame("value") if isinstance(value, pd.Series) else value

    def __str__(self) -> str:
        head = f"enterprise {self.enterprise}, replication {self.replication} of {self.scenario}"
        lines = [head, "", "attributes:", self.attributes.to_string(), "", "decisions:"]
        if self.decisions.empty:
            lines.append("  it never considered adopting within the horizon")
        for _, row in self.decisions.iterrows():
            lines.append(_decision_text(row))
        for k, row in self.contracts.iterrows():
            lines += ["", f"contract (adopter {k}):", row.to_string(), _signing_text(row)]
            flows = self.cash_flows.xs(k, level="adopter") if k in self.cash_flows.index.get_level_values(0) else None
            if flows is not None:
                shown = flows.head(_SHOWN).round(0).to_string()
                more = (
                    f"... {len(flows)} months with money in all (to_frame('cash_flows'))" if len(flows) > _SHOWN else ""
                )
                total = pd.DataFrame(flows).sum(axis=0).round(0).to_string()
                lines += ["cash flows by party (yuan / month):", shown, more, "total within the horizon:", total]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        pre = f"<pre>{html.escape(str(self.attributes.to_string()))}</pre>"
        return (
            f"<h4>{html.escape(f'enterprise {self.enterprise}, replication {self.replication} of {self.scenario}')}</h4>"
            + pre
            + "<h5>decisions</h5>"
            + self.decisions.to_html()
            + "<h5>contracts</h5>"
            + self.contracts.to_html()
            + "<h5>cash flows by party (yuan / month)</h5>"
            + self.cash_flows.to_html()
        )


_PARTS = ("decisions", "contracts", "cash_flows", "attributes")

#: Months of cash flows :meth:`Explanation.__str__` prints (the rest: :meth:`Explanation.to_frame`).
_SHOWN = 12


def _decision_text(row: pd.Series) -> str:
    """One decision in words."""
    offer = (
        f"  month {row['time']:g} ({row['stage']}): {row['platform']} quoted {row['price']:,.0f} yuan, "
        f"programme money counted on {row['programme_money']:,.0f}, owes {row['owed']:,.0f} ({row['scheme']})"
    )
    terms = (
        f"    V {row['value']:,.0f} = (1 - {row['perceived_failure']:.3f}) x {row['value_if_works']:,.0f} "
        f"+ {row['perceived_failure']:.3f} x {row['value_if_fails']:,.0f}; perceived risk costs "
        f"{row['risk_cost']:,.0f}; payback {row['payback']:.1f} of at most {row['max_payback']:.1f} months; "
        f"due at signing {row['due']:,.0f} yuan to the platform (net of programme money then) "
        f"of liquidity {row['liquidity']:,.0f}"
    )
    internal = (
        f"    internal costs of {row['internal_cost']:,.0f} yuan at signing are its own staff time "
        "(in V, not cash the liquidity test counts)"
    )
    return f"{offer}\n{terms}\n{internal}\n    -> {row['outcome']}: {row['tipped']}"


def _signing_text(row: pd.Series) -> str:
    """The enterprise's cash flow in a contract's signing month, in its parts."""
    rest = row["enterprise_flow_at_signing"] + row["due_at_signing"] + row["internal_cost"]
    return (
        f"signing month: the enterprise's cash flow {row['enterprise_flow_at_signing']:,.0f} yuan = "
        f"{0.0 - row['due_at_signing']:,.0f} due to the platform (net of programme money then) "
        f"- {row['internal_cost']:,.0f} internal costs (staff time, outside the liquidity test) "
        f"{'+' if rest >= 0 else '-'} {abs(rest):,.0f} else (the VAT it deducts; any gain, tax or fee that month)"
    )


def explain(ds: xr.Dataset, replication: int | None = None, enterprise: int = 0) -> Explanation:
    """What enterprise ``enterprise`` was and saw in a stored run, each term of its decisions and what tipped them.

    Works on the Dataset alone (a file written by ``dxsim run --decisions`` or
    ``dx.simulate(..., decisions=True).to_netcdf``): the decisions, offers
    and cash flows are read from its decision record
    (:data:`dxsim.results.schema.DECISION_VARIABLES`), the enterprise's
    attributes drawn again from the run's seed, and the terms of each
    decision recomputed with the model's own rule (:func:`redecide`);
    nothing else of the model is run.

    Parameters
    ----------
    ds : xarray.Dataset
        One run (not a sweep) recorded with ``decisions=True``.
    replication : int, optional
        Which replication (a value of its coordinate); default the first.
    enterprise : int
        The enterprise's id (0 to the number of SMEs in scope - 1), as in
        ``adopter_enterprise`` and ``decision_enterprise``.

    Returns
    -------
    Explanation
        Printable (``str``, and HTML in Jupyter); :meth:`Explanation.to_frame`
        gives its parts as DataFrames.  Money in yuan, times in months since
        the scenario's start.

    Raises
    ------
    ValueError
        The Dataset has no decision record, is a sweep, or lacks the
        replication or the enterprise.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate("small", replications=1, seed=1, decisions=True)
    >>> k = int(ds["adopter_enterprise"].isel(replication=0, adopter=0))
    >>> why = dx.explain(ds, enterprise=k)
    >>> why.decisions["outcome"].iloc[-1]
    'applied'
    >>> list(why.cash_flows.columns)
    ['government', 'platform', 'enterprise']
    """
    run, rep = _run(ds, replication)
    total = int(run["enterprises"].sum())
    if not 0 <= int(enterprise) < total:
        raise ValueError(f"enterprise(={enterprise}) must be an id from 0 to {total - 1}")
    ids = run[_NEEDS].values
    rows = np.flatnonzero(ids == int(enterprise))
    scenario = _scenario(run, rep)
    att, industry = _attributes(scenario, int(run.attrs["seed"]), rep, np.array([int(enterprise)]))
    mine = np.flatnonzero(run["adopter_enterprise"].values == int(enterprise))
    params = IndustryParameters.of(scenario)

    def internal(price: NDArray[np.float64]) -> NDArray[np.float64]:  # yuan, as the model books them at signing
        return params.internal_cost(np.repeat(industry, len(price)), price)

    limits = (float(att.max_payback[0]), float(att.liquidity[0]))
    decisions = _decision_frame(run, rep, rows, limits, internal(run["decision_price"].values[rows]))
    due = run["decision_due"].values[_signed_on(run, rows, mine)]
    return Explanation(
        enterprise=int(enterprise),
        replication=rep,
        scenario=scenario.name,
        attributes=_attribute_series(att, str(run["industry"].values[industry[0]])),
        decisions=decisions,
        contracts=_contract_frame(run, mine, due, internal(run["price_paid"].values[mine])),
        cash_flows=_cash_flow_frame(run, mine),
    )


def _signed_on(run: xr.Dataset, rows: NDArray[np.int64], adopters: NDArray[np.int64]) -> NDArray[np.int64]:
    """The decision (of ``rows``, one enterprise's) each contract of ``adopters`` was signed on: its last application by then."""
    applied = rows[run["decision_outcome"].values[rows] == OUTCOMES.index("applied")]
    at = np.searchsorted(run["decision_time"].values[applied], run["signed_month"].values[adopters], side="right")
    if (at == 0).any():  # every contract follows an application: the record is not this run's
        raise ValueError("a contract was signed before any application of its enterprise in the decision record")
    return applied[at - 1]


def _attribute_series(att: Attributes, industry: str) -> pd.Series:
    """The attributes of one enterprise, labelled with their units."""
    return pd.Series(
        {
            "industry": industry,
            "revenue (yuan / year)": float(att.revenue[0]),
            "margin (share of revenue)": float(att.margin[0]),
            "high-tech": bool(att.high_tech[0]),
            "potential gain (share of revenue / year)": float(att.benefit[0]),
            "hurdle rate (1 / year)": float(att.hurdle_rate[0]),
            "maximum payback (months)": float(att.max_payback[0]),
            "liquidity (yuan)": float(att.liquidity[0]),
            "maturity score before": float(att.maturity[0]),
            "implementation (months)": float(att.implementation[0]),
        },
        dtype=object,
    )


def _decision_frame(
    run: xr.Dataset,
    rep: int,
    rows: NDArray[np.int64],
    limits: tuple[float, float],
    internal: NDArray[np.float64],
) -> pd.DataFrame:
    """One row per decision of ``rows``, with the terms of V and what tipped it.

    ``limits`` are the enterprise's maximum payback (months) and liquidity
    (yuan); ``internal`` its internal costs of each offer (yuan).
    """
    if len(rows) == 0:
        return pd.DataFrame()
    col = {name: run[f"decision_{name}"].values[rows] for name in DECISION_COLUMNS}
    works, fails = _weigh(run, rep, rows, 0.0), _weigh(run, rep, rows, 1.0)
    pi = col["perceived_failure"]
    max_payback, liquidity = limits
    platforms = run["platform"].values
    frame = pd.DataFrame(
        {
            "time": col["time"],
            "stage": [STAGES[int(s)] for s in col["stage"]],
            "platform": [str(platforms[int(p)]) if p >= 0 else "none" for p in col["platform"]],
            "renewal": col["renewal"].astype(bool),
            "price": col["price"],
            "programme_money": col["counted"],
            "scheme": scenario_of(run).contract.payment.scheme,
            "owed": col["owed"],
            "received": col["receive_signing"] + col["receive_golive"] + col["receive_acceptance"],
            "expected_golive": col["golive"],
            "perceived_failure": pi,
            "benefit_share": col["benefit_share"],
            "value": (1.0 - pi) * works.value + pi * fails.value,
            "value_if_works": works.value,
            "value_if_fails": fails.value,
            "risk_cost": pi * (works.value - fails.value),
            "screened": np.isnan(col["value"]),
            "payback": works.payback,
            "max_payback": max_payback,
            "due": col["due"],
            "liquidity": liquidity,
            "internal_cost": internal,
            "outcome": [OUTCOMES[int(o)] for o in col["outcome"]],
        }
    )
    frame["tipped"] = [_tipped(r) for _, r in frame.iterrows()]
    return frame


DECISION_COLUMNS = (*_COLUMNS, "stage", "outcome", "platform", "renewal", "counted", "value", "payback", "due")


_ELSEWHERE = {
    "no_platform": "no platform was open to it",
    "declined": "it would adopt, but its platform declined the contract (it expected to lose on it)",
    "rationed": "it would adopt, but its platform's working capital was used up",
}


def _tipped(row: pd.Series) -> str:
    """What decided it: the conditions of the rule that failed, or the one that held by the least."""
    if row["outcome"] in _ELSEWHERE:
        return _ELSEWHERE[row["outcome"]]
    failed = []
    if not row["value"] > 0:
        failed.append(f"V {row['value']:,.0f} yuan is not positive")
    if np.isnan(row["payback"]):
        failed.append(f"it would not pay back within its limit of {row['max_payback']:.1f} months")
    elif not row["payback"] <= row["max_payback"]:
        failed.append(f"payback {row['payback']:.1f} months exceeds its limit {row['max_payback']:.1f}")
    if not row["due"] <= row["liquidity"]:
        failed.append(f"due at signing {row['due']:,.0f} yuan exceeds its liquidity {row['liquidity']:,.0f}")
    if failed:
        risk = len(failed) == 1 and not row["value"] > 0 and row["value_if_works"] > 0
        return "; ".join(failed) + (" (perceived risk tipped it: V if it works is positive)" if risk else "")
    money = row["programme_money"] + row["received"]
    if money > 0 and row["value"] < money:
        return f"all three tests held; V {row['value']:,.0f} yuan is less than the programme money on the offer ({money:,.0f}): that money tipped it"
    slack = {
        "V": row["value"] / max(row["price"], 1.0),
        "payback": 1.0 - row["payback"] / row["max_payback"],
        "liquidity": 1.0 - row["due"] / row["liquidity"] if row["liquidity"] > 0 else 1.0,
    }
    return f"all three tests held; the narrowest was {min(slack, key=lambda k: slack[k])}"


def _contract_frame(
    run: xr.Dataset, adopters: NDArray[np.int64], due: NDArray[np.float64], internal: NDArray[np.float64]
) -> pd.DataFrame:
    """The contracts (adopter rows) ``adopters`` of ``run``, with what was ``due`` at signing and the ``internal`` costs (yuan)."""
    names = (
        "signed_month",
        "golive_month",
        "assessed_month",
        "price_paid",
        "government_part",
        "platform_discount",
        "enterprise_part",
        "government_paid",
        "enterprise_paid",
        "realised_gain",
        "payback_months",
        "accepted_flag",
        "failed_flag",
        "renewal_flag",
    )
    frame = pd.DataFrame({name: run[name].values[adopters] for name in names}, index=adopters)
    frame["due_at_signing"] = due
    frame["internal_cost"] = internal
    flows = run["contract_cash_flow"].sel(party="enterprise").transpose("adopter", "month").values
    frame["enterprise_flow_at_signing"] = flows[adopters, np.floor(frame["signed_month"]).astype(np.int64)]
    frame.index.name = "adopter"
    return frame


def _cash_flow_frame(run: xr.Dataset, adopters: NDArray[np.int64]) -> pd.DataFrame:
    """Each contract's net cash flow by party and calendar month (months with any money), yuan / month."""
    values = run["contract_cash_flow"].transpose("adopter", "month", "party").values[adopters]
    months = run["month"].values
    index = pd.MultiIndex.from_product([adopters, months], names=["adopter", "month"])
    frame = pd.DataFrame(values.reshape(-1, values.shape[-1]), index=index, columns=run["party"].values)
    return frame[(frame != 0).any(axis=1)]
