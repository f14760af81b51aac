r"""Public appraisal of a programme against its counterfactual: fiscal and social accounts, additionality over time.

Both runs are given (a programme run and its counterfactual on the same seed:
common random numbers); this module never runs a model
(:func:`dxsim.studies.appraisal.appraisal` supplies the counterfactual).  Every
figure is per replication and a difference *with the programme minus without
it*.  Months :math:`t = 0, \dots, T-1` count from the scenario start; money is
in yuan; the social discount factor of month :math:`t` is

.. math::

    \delta_t = (1 + r_s)^{-t/12},

with :math:`r_s` the social discount rate (``[appraisal]
social_discount_rate``, default 0.08 a year, FACTS row 25), separate from the
enterprises' hurdle rates and the scenario's ``discount_rate``.  Let
:math:`G_t, P_t, E_t` be the ``cash_flow`` of the government, the platforms and
the enterprises in month :math:`t`, :math:`M_t` the public money paid
(``public_money``), :math:`\Delta` the difference between the two worlds, and
:math:`\lambda` the marginal cost of public funds and :math:`s_d` the
displacement share (``[appraisal]``; defaults 1.2 and 0, stated assumptions).

Fiscal account (``fiscal_*``):

.. math::

    f_t = \Delta G_t, \qquad
    \text{fiscal\_balance} = \sum_t f_t, \qquad
    \text{fiscal\_npv} = \sum_t \delta_t f_t,

and ``fiscal_payback_month`` is the month after which :math:`\sum_{u \le t} f_u`
never again falls below 0 (paid back for good,
:func:`dxsim.analysis.payback.government_payback_month`), ``inf`` (censored)
exactly when ``fiscal_balance`` < 0, NaN when the programme had no outlay
(no public money beyond the counterfactual's and the running total never
negative: nothing to pay back, rather than a payback at month 0).  The government's cash flow carries every
tax, so the taxes gained are :math:`\Delta T_t = \Delta G_t + \Delta M_t`.

Social account, all at :math:`r_s`:

.. math::

    \text{social\_npv} = \sum_t \delta_t (\Delta E_t + \Delta P_t + \Delta T_t + \Delta F_t)
        - \lambda \sum_t \delta_t \Delta M_t - s_d \sum_t \delta_t \Delta g_t,

with :math:`g_t` the gains the adopters realise (the monthly ``gains``
variable: their incremental profit before tax, ledger kind ``gain``) and
:math:`F_t` the platforms' financing costs on their receivables (the monthly
``financing_cost`` variable).  The platforms pay :math:`F_t` to lenders, who
are part of society: in the platforms' cash flow it is their cost, in the
social account a transfer, added back (deferring payment moves money
between the parties and changes no real flow; the cost of the capital tied
up is in the discounting of the real flows).  Its terms are
``social_npv_enterprises``, ``social_npv_platforms``, ``social_npv_taxes``,
``social_npv_financing``, ``social_npv_public_funds`` (:math:`\lambda \times`
NPV of public money) and ``social_npv_displacement``.

Additionality over time.  For enterprise :math:`i` let :math:`s_i` be its first
signing month with the programme and :math:`s_i^0` without it (:math:`\infty`
when it does not sign within the horizon); :math:`S` the subsidised adopters
(public money on a contract), :math:`B` the enterprises that sign in both worlds.

.. math::

    \text{deadweight\_within}(w) = \frac{|\{ i \in S : s_i^0 \le s_i + w \}|}{|S|},
    \qquad w \in \{6, 12, 24\} \text{ months},

non-decreasing in :math:`w` and never above ``deadweight_share_any_time``
(:math:`w = \infty`: the subsidised adopters that sign without the programme
at any time within the horizon);

.. math::

    \text{timing\_additionality\_months} = \sum_{i \in B} \int_{s_i}^{s_i^0} \delta(t)\, dt
      = \sum_{i \in B} \frac{12}{\ln(1 + r_s)} \left(\delta(s_i) - \delta(s_i^0)\right),

adoption-months brought forward, discounted (negative when the programme
delays adoption); ``additional_adopters_monthly`` is the difference of the
adopters at the end of each month;

.. math::

    \text{net\_leverage} = \frac{\sum_{c \in C} (e_c + d_c) - \sum_{c \in C^0} (e_c + d_c)}{\sum_t \Delta M_t},

with :math:`C, C^0` the contracts signed with and without the programme and
:math:`e_c, d_c` their enterprise part and platform discount (the private
money in a contract), NaN without public money.

Incidence, over the subsidised enterprises that sign in both worlds
(:math:`S \cap B`), with :math:`g_i` the government part of the price of
:math:`i`'s contracts, :math:`e_i` the enterprise part and :math:`n_i = g_i +
e_i` the net price the platform receives (price minus discount):

.. math::

    \text{incidence\_enterprise} = \frac{\sum (e_i^0 - e_i)}{\sum (g_i - g_i^0)}, \qquad
    \text{incidence\_platform} = \frac{\sum (n_i - n_i^0)}{\sum (g_i - g_i^0)},

so the two add up to 1: how much of a yuan of subsidy ends as lower
enterprise outlays and how much as a higher net price for the platform.
Public money outside the price (a platform reward) is the platform's in full
and is not in these shares.

The all-horizon free-rider figures are ``free_rider_share_any_time`` and
``deadweight_share_any_time`` (:func:`dxsim.analysis.additionality.additionality`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from dxsim._version import __version__
from dxsim.analysis.additionality import (
    EnterpriseContracts,
    additionality,
    adopter_arrays,
    align_counterfactual,
    contracts_by_enterprise,
    fiscal_flow,
    payback_censored,
    running_total,
)
from dxsim.analysis.payback import government_payback_month
from dxsim.finance import discount_factors, monthly_rate
from dxsim.results.provenance import scenario_of
from dxsim.results.schema import FINANCING_VARIABLES, TAX_LAW_VARIABLES, require
from dxsim.scenario.schema import Scenario

__all__ = [
    "APPRAISAL",
    "FINANCING",
    "GAINS",
    "WINDOWS",
    "AppraisalSettings",
    "appraisal",
    "appraisal_settings",
    "deadweight_within",
    "discounted_months",
    "incidence",
    "net_leverage",
]

#: Windows of :func:`deadweight_within`, months after the subsidised signing.
WINDOWS = (6, 12, 24)
#: The monthly variable of the gains adopters realise (yuan / month), the base of the displacement term.
GAINS = "gains"
#: The monthly variable of the platforms' financing costs (yuan / month), added back in the social account.
FINANCING = "financing_cost"

#: Variables of :func:`appraisal`: name -> (units, long_name).
APPRAISAL: dict[str, tuple[str, str]] = {
    "fiscal_balance": ("yuan", "government cash flow with the programme minus without it, summed over the horizon"),
    "fiscal_npv": ("yuan", "government cash flow with minus without the programme, NPV at the social discount rate"),
    "fiscal_payback_month": (
        "months",
        "months since the start after which the running fiscal balance never again falls below 0 "
        "(inf = censored: negative at the horizon; NaN = no outlay: no public money and never negative)",
    ),
    "fiscal_payback_censored": (
        "1",
        "1 if the fiscal balance is negative at the horizon, else 0; NaN = no outlay (a share over replications "
        "counts those with an outlay)",
    ),
    "fiscal_payback_discounted_month": (
        "months",
        "fiscal payback for good of the flow discounted at the social rate (inf = censored, NaN = no outlay)",
    ),
    "public_money": ("yuan", "public money paid within the horizon, net of the counterfactual's"),
    "social_npv": (
        "yuan",
        "enterprises + platforms + taxes + financing - MCPF x public money - displacement share x gains, NPVs "
        "of the differences at the social discount rate",
    ),
    "social_npv_enterprises": ("yuan", "NPV of the enterprises' cash flow, with minus without, at the social rate"),
    "social_npv_platforms": ("yuan", "NPV of the platforms' cash flow, with minus without, at the social rate"),
    "social_npv_taxes": ("yuan", "NPV of every tax gained (government cash flow + public money) at the social rate"),
    "social_npv_financing": (
        "yuan",
        "NPV of the platforms' financing costs, with minus without, at the social rate: added back, a transfer "
        "to lenders whose time value the social discount rate already counts",
    ),
    "social_npv_public_funds": ("yuan", "marginal cost of public funds x NPV of public money at the social rate"),
    "social_npv_displacement": (
        "yuan",
        "displacement share x NPV of the adopters' gains, with minus without, at the social rate",
    ),
    "net_leverage": (
        "1",
        "(private money in contracts with the programme - without, renewals included) / public money (NaN "
        "without public money)",
    ),
    "deadweight_within": (
        "1",
        "share of subsidised adopters whose counterfactual self signs within the window after its signing month",
    ),
    "deadweight_share_any_time": (
        "1",
        "share of subsidised adopters that sign without the programme too, at any time within the horizon",
    ),
    "free_rider_share_any_time": (
        "1",
        "share of adopters that sign without the programme too, at any time within the horizon",
    ),
    "timing_additionality_months": (
        "enterprise months",
        "adoption-months brought forward by the programme, over enterprises that sign in both worlds, "
        "discounted at the social rate",
    ),
    "additional_adopters_monthly": ("enterprises", "adopters with the programme minus without it (end of month)"),
    "incidence_enterprise": (
        "1",
        "share of the subsidy in the price ending as lower enterprise outlays (subsidised free riders, first "
        "contracts)",
    ),
    "incidence_platform": (
        "1",
        "share of the subsidy in the price ending as a higher net price for the platform (subsidised free "
        "riders, first contracts)",
    ),
}


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class AppraisalSettings:
    """The appraisal's assumptions (the scenario's ``[appraisal]`` table, with its defaults).

    Attributes
    ----------
    social_discount_rate : float
        1 / year (FACTS row 25: 8%).
    marginal_cost_of_public_funds : float
        Social cost of a yuan of public money (assumption, 1.2).
    displacement_share : float
        Share of the adopters' gains taken from competitors (assumption, 0).
    """

    social_discount_rate: float = 0.08
    marginal_cost_of_public_funds: float = 1.2
    displacement_share: float = 0.0


def appraisal_settings(source: Scenario | xr.Dataset | None) -> AppraisalSettings:
    """The appraisal settings of a scenario or of the run a Dataset holds, each defaulting as documented.

    Parameters
    ----------
    source : Scenario, xarray.Dataset or None
        A scenario, a run (its scenario from the attributes, one point for a
        sweep), or None for the defaults.

    Returns
    -------
    AppraisalSettings
        The scenario's ``[appraisal]`` values; each one the scenario lacks (a
        scenario written before the table existed) is its default.

    Examples
    --------
    >>> appraisal_settings(None)
    AppraisalSettings(social_discount_rate=0.08, marginal_cost_of_public_funds=1.2, displacement_share=0.0)
    """
    if isinstance(source, xr.Dataset):
        source = scenario_of(source) if "scenario" in source.attrs else None
    table = getattr(source, "appraisal", None)
    defaults = AppraisalSettings()
    return AppraisalSettings(
        **{f.name: float(getattr(table, f.name, getattr(defaults, f.name))) for f in fields(AppraisalSettings)}
    )


# --------------------------------------------------------------------------- enterprise by enterprise
def discounted_months(start: NDArray[np.float64], end: NDArray[np.float64], rate: float) -> NDArray[np.float64]:
    r"""Months from ``start`` to ``end`` weighted by the discount factor :math:`(1 + r)^{-t/12}`.

    :math:`\int_a^b (1 + r)^{-t/12} dt = 12 / \ln(1 + r) \times ((1 + r)^{-a/12} - (1 + r)^{-b/12})`;
    ``b - a`` when ``rate`` is 0; negative when ``end < start``; exactly 0 when they are equal.

    Parameters
    ----------
    start, end : numpy.ndarray
        Months since the scenario start.
    rate : float
        Discount rate, 1 / year.

    Returns
    -------
    numpy.ndarray
        Discounted months.

    Examples
    --------
    >>> discounted_months(np.array([0.0, 12.0]), np.array([12.0, 0.0]), 0.0).tolist()
    [12.0, -12.0]
    >>> round(float(discounted_months(np.array([0.0]), np.array([12.0]), 0.08)[0]), 4)  # 12 x (1 - 1 / 1.08) / ln 1.08
    11.5499
    """
    a, b = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    if rate == 0:
        return np.asarray(b - a)
    log = np.log1p(rate)
    return np.asarray(12.0 / log * (np.exp(-log * a / 12.0) - np.exp(-log * b / 12.0)))


def _matched(p: EnterpriseContracts, c: EnterpriseContracts) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Positions in ``p`` and in ``c`` of the enterprises that sign in both worlds."""
    _, in_p, in_c = np.intersect1d(p.enterprise, c.enterprise, assume_unique=True, return_indices=True)
    return in_p, in_c


def _counterfactual_signing(p: EnterpriseContracts, c: EnterpriseContracts) -> NDArray[np.float64]:
    """For each enterprise of ``p``, its first signing month in ``c`` (inf: none within the horizon)."""
    out = np.full(len(p.enterprise), np.inf)
    in_p, in_c = _matched(p, c)
    out[in_p] = c.signed[in_c]
    return out


def deadweight_within(p: EnterpriseContracts, c: EnterpriseContracts, windows: Sequence[float]) -> NDArray[np.float64]:
    """Share of subsidised adopters whose counterfactual self signs within each window of its signing month.

    Parameters
    ----------
    p, c : EnterpriseContracts
        One replication's adopters with and without the programme
        (:func:`dxsim.analysis.additionality.contracts_by_enterprise`).
    windows : sequence of float
        Months after the subsidised signing (``inf``: any time within the horizon).

    Returns
    -------
    numpy.ndarray
        One share per window (1; NaN without subsidised adopters): a
        counterfactual self that signs earlier counts as deadweight too.
    """
    sub = p.subsidised
    if not sub.any():
        return np.full(len(windows), np.nan)
    lag = _counterfactual_signing(p, c)[sub] - p.signed[sub]
    return np.array([np.count_nonzero(lag <= w) / np.count_nonzero(sub) for w in windows], dtype=np.float64)


def incidence(p: EnterpriseContracts, c: EnterpriseContracts) -> tuple[float, float]:
    """Shares of the subsidy in the price ending as lower enterprise outlays and as a higher net price for the platform.

    Over the subsidised enterprises (a government part > 0) that sign in both
    worlds, on their first contracts (``p`` and ``c`` built with
    ``first_only=True``: a renewal, at the then price and in one world only
    as often as not, is not the subsidised purchase); see the module notes.
    NaN, NaN when there is none (or the subsidy difference is not positive).
    """
    in_p, in_c = _matched(p, c)
    keep = p.government_part[in_p] > 0
    in_p, in_c = in_p[keep], in_c[keep]
    subsidy = float(np.sum(p.government_part[in_p] - c.government_part[in_c]))
    if subsidy <= 0:
        return float("nan"), float("nan")
    enterprise = float(np.sum(c.enterprise_part[in_c] - p.enterprise_part[in_p]))
    net_p = p.government_part[in_p] + p.enterprise_part[in_p]
    net_c = c.government_part[in_c] + c.enterprise_part[in_c]
    return enterprise / subsidy, float(np.sum(net_p - net_c)) / subsidy


def net_leverage(p: EnterpriseContracts, c: EnterpriseContracts, public_money: float) -> float:
    """(Private money in contracts with the programme - without it) / public money; NaN when public money <= 0.

    Private money of a contract: its enterprise part + platform discount (the
    price less the government part), summed over every contract of the world,
    renewals included: the private money the programme mobilises within the
    horizon, renewals it brings forward too.
    """
    if public_money <= 0:
        return float("nan")
    with_programme = float(np.sum(p.enterprise_part + p.platform_discount))
    without = float(np.sum(c.enterprise_part + c.platform_discount))
    return (with_programme - without) / public_money


# --------------------------------------------------------------------------- per replication
def _npv(flows: NDArray[np.float64], rate: float) -> NDArray[np.float64]:
    """NPV along the month axis at ``rate`` a year (months from the start), summed in month order."""
    return running_total(flows * discount_factors(monthly_rate(rate), flows.shape[-1]))


def _monthly(ds: xr.Dataset, name: str, party: str | None = None) -> NDArray[np.float64]:
    var = ds[name] if party is None else ds[name].sel(party=party, drop=True)
    return np.asarray(var.transpose("replication", "month").values, dtype=np.float64)


def _accounts(ds: xr.Dataset, cf: xr.Dataset, s: AppraisalSettings) -> dict[str, NDArray[np.float64]]:
    """The fiscal and social accounts, per replication."""
    r = s.social_discount_rate
    f = np.asarray(fiscal_flow(ds, cf).values, dtype=np.float64)
    money = _monthly(ds, "public_money") - _monthly(cf, "public_money")
    out = {
        "fiscal_balance": running_total(f),
        "fiscal_npv": _npv(f, r),
        "fiscal_payback_month": government_payback_month(ds, cf).values,
        "fiscal_payback_discounted_month": government_payback_month(ds, cf, social_discount_rate=r).values,
        "public_money": money.sum(axis=1),
        "social_npv_enterprises": _npv(
            _monthly(ds, "cash_flow", "enterprise") - _monthly(cf, "cash_flow", "enterprise"), r
        ),
        "social_npv_platforms": _npv(_monthly(ds, "cash_flow", "platform") - _monthly(cf, "cash_flow", "platform"), r),
        "social_npv_taxes": _npv(f + money, r),
        "social_npv_financing": _npv(_monthly(ds, FINANCING) - _monthly(cf, FINANCING), r),
        "social_npv_public_funds": s.marginal_cost_of_public_funds * _npv(money, r),
    }
    out["fiscal_payback_censored"] = payback_censored(out["fiscal_payback_month"])
    out["social_npv_displacement"] = s.displacement_share * _npv(_monthly(ds, GAINS) - _monthly(cf, GAINS), r)
    out["social_npv"] = (
        out["social_npv_enterprises"]
        + out["social_npv_platforms"]
        + out["social_npv_taxes"]
        + out["social_npv_financing"]
        - out["social_npv_public_funds"]
        - out["social_npv_displacement"]
    )
    return out


def _over_time(
    ds: xr.Dataset, cf: xr.Dataset, s: AppraisalSettings, public_money: NDArray[np.float64], windows: Sequence[float]
) -> dict[str, NDArray[np.float64]]:
    """Additionality over time, leverage and incidence, enterprise by enterprise, per replication."""
    n = ds.sizes["replication"]
    out = {name: np.full(n, np.nan) for name in ("timing_additionality_months", "net_leverage")}
    out.update(incidence_enterprise=np.full(n, np.nan), incidence_platform=np.full(n, np.nan))
    out["deadweight_within"] = np.full((n, len(windows)), np.nan)
    arrays, arrays_cf = adopter_arrays(ds), adopter_arrays(cf)
    for k in range(n):
        p, c = contracts_by_enterprise(arrays, k), contracts_by_enterprise(arrays_cf, k)
        in_p, in_c = _matched(p, c)
        out["timing_additionality_months"][k] = float(
            np.sum(discounted_months(p.signed[in_p], c.signed[in_c], s.social_discount_rate))
        )
        out["deadweight_within"][k] = deadweight_within(p, c, windows)
        out["net_leverage"][k] = net_leverage(p, c, float(public_money[k]))
        first = (
            contracts_by_enterprise(arrays, k, first_only=True),
            contracts_by_enterprise(arrays_cf, k, first_only=True),
        )
        out["incidence_enterprise"][k], out["incidence_platform"][k] = incidence(*first)
    return out


def appraisal(
    ds: xr.Dataset,
    cf: xr.Dataset,
    *,
    settings: AppraisalSettings | None = None,
    windows: Sequence[int] = WINDOWS,
) -> xr.Dataset:
    """The appraisal of a programme run against its counterfactual, per replication (see the module notes).

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (:func:`dxsim.simulate`) or one point of a sweep.
    cf : xarray.Dataset
        Its counterfactual on the same seed, with (at least) the same replications.
    settings : AppraisalSettings, optional
        The assumptions; by default the run's scenario's ``[appraisal]``
        (:func:`appraisal_settings`).
    windows : sequence of int
        Months of the dimension ``window`` of ``deadweight_within``.

    Returns
    -------
    xarray.Dataset
        Dimensions ``replication``, ``window`` (``deadweight_within``) and
        ``month`` (``additional_adopters_monthly``); the variables of
        :data:`APPRAISAL`, each with ``units`` and ``long_name``; the settings
        in the attributes.

    Raises
    ------
    ValueError
        The two runs differ in seed, months or industries, ``cf`` lacks a
        replication of ``ds``, or either lacks a variable of
        :data:`~dxsim.results.schema.TAX_LAW_VARIABLES` (written by dxsim
        before 0.3.0: its government cash flow has no VAT and no platform tax)
        or of :data:`~dxsim.results.schema.FINANCING_VARIABLES` (written before
        0.5.1: the platforms' financing costs are not recorded apart).

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> ds = dx.simulate(sc, replications=2, seed=1)
    >>> ap = appraisal(ds, dx.simulate(dx.counterfactual(sc), replications=2, seed=1))
    >>> dw = ap["deadweight_within"]
    >>> bool((dw.diff("window") >= 0).all() and (dw <= ap["deadweight_share_any_time"]).all())
    True
    """
    require(ds, (*TAX_LAW_VARIABLES, *FINANCING_VARIABLES), what="the run")
    require(cf, (*TAX_LAW_VARIABLES, *FINANCING_VARIABLES), what="its counterfactual")
    cf = align_counterfactual(ds, cf)
    s = appraisal_settings(ds) if settings is None else settings
    accounts = _accounts(ds, cf, s)
    over_time = _over_time(ds, cf, s, accounts["public_money"], windows)
    any_time = additionality(ds, cf)
    adopters = ds["adopters"].sum("industry") - cf["adopters"].sum("industry")
    out = xr.Dataset(
        {
            **{name: ("replication", values) for name, values in accounts.items()},
            **{name: ("replication", values) for name, values in over_time.items() if name != "deadweight_within"},
            "deadweight_within": (("replication", "window"), over_time["deadweight_within"]),
            "deadweight_share_any_time": ("replication", any_time["deadweight_share_any_time"].values),
            "free_rider_share_any_time": ("replication", any_time["free_rider_share_any_time"].values),
            "additional_adopters_monthly": adopters.transpose("replication", "month").variable,
        },
        coords={
            "replication": ds["replication"].values,
            "window": ("window", np.asarray(windows), {"units": "months", "long_name": "months after signing"}),
            "month": ds["month"].values,
        },
    )
    out = out[list(APPRAISAL)]
    for name, (units, long_name) in APPRAISAL.items():
        out[name].attrs.update(units=units, long_name=long_name)
    out.attrs.update(
        scenario_name=str(ds.attrs.get("scenario_name", "")),
        seed=int(ds.attrs["seed"]),
        dxsim_version=__version__,
        social_discount_rate=s.social_discount_rate,
        marginal_cost_of_public_funds=s.marginal_cost_of_public_funds,
        displacement_share=s.displacement_share,
        title="dxsim appraisal: programme run against its counterfactual (common random numbers)",
    )
    return out
