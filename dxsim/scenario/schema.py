"""The scenario schema: frozen pydantic models, unknown keys refused.

Units: money in yuan, durations in months, rates per year unless the name says
otherwise, shares and probabilities in [0, 1].  The field tables of
docs/model.md list every parameter with its meaning and default.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, Self, get_args

import numpy as np
import tomli_w
from immutabledict import immutabledict
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Discriminator,
    Field,
    PrivateAttr,
    StrictInt,
    Tag,
    ValidationError,
    ValidationInfo,
    WrapSerializer,
    model_validator,
)

from dxsim.random import replication_key
from dxsim.scenario.base import Frozen
from dxsim.scenario.bounds import Bounds
from dxsim.scenario.dists import DIST_KINDS, Constant, Dist, Lognormal, Uniform
from dxsim.scenario.errors import FieldError, Origins, ScenarioError
from dxsim.scenario.limits import (
    MAX_DURATION_MONTHS,
    MAX_ENTERPRISES,
    MAX_HORIZON_MONTHS,
    MAX_INDUSTRIES,
    MAX_PLATFORMS,
    MAX_PLATFORMS_PER_INDUSTRY,
    MAX_SEED,
)
from dxsim.scenario.overrides import set_paths
from dxsim.scenario.resolve import (
    check_platform_list,
    check_programme,
    check_sizes,
    check_start,
    date_to_months,
    industry_fields,
    platforms_per_industry,
)
from dxsim.scenario.uncertain import Uncertain, draw_uncertain

__all__ = [
    "PEER_LEARNING_DEPRECATED",
    "UNION_TAGS",
    "Acceptance",
    "Admission",
    "AnyInstrument",
    "Appraisal",
    "Batch",
    "Behaviour",
    "Contract",
    "CostShare",
    "Eligibility",
    "Hybrid",
    "Industry",
    "IndustryEntry",
    "Installments",
    "Instrument",
    "Lighthouse",
    "Maturity",
    "PaidAt",
    "PaidTo",
    "Payment",
    "PaymentScheme",
    "PerceivedBenefit",
    "PerceivedFailure",
    "PlatformChoice",
    "PlatformDefaults",
    "PlatformReward",
    "PlatformSpec",
    "Pool",
    "Programme",
    "RevenueShare",
    "Scenario",
    "Solution",
    "Split",
    "Subscription",
    "Tax",
    "Tiered",
    "Upfront",
    "Voucher",
    "next_batch",
    "scenario_from_dict",
]


#: The ranges of numbers: validators that say their range (:func:`dxsim.scenario.bounds.field_bounds`).
_nonneg = Bounds(0.0, why="must be >= 0")  # infinity included: an unlimited budget


def _required_return(d: Dist) -> Dist:
    """A required return (1 / year): its lowest value, where it has one, and its mean not below 0.

    An unbounded distribution (normal) may still draw below 0: such draws
    count as 0 (:meth:`dxsim.model.population.AttributeDraws.draw`).
    """
    lowest = float(d.ppf(0.0))
    if (math.isfinite(lowest) and lowest < 0) or not d.mean >= 0:
        raise ValueError("must be >= 0 (a required return, 1 / year)")
    return d


_unit = Bounds(0.0, 1.0, why="must be between 0 and 1")
_progress_ratio = Bounds(0.0, 1.0, low_open=True, why="must be in (0, 1]")
_positive = Bounds(0.0, low_open=True, why="must be > 0")
_finite_nonneg = Bounds(0.0, math.inf, high_open=True, why="must be finite and >= 0")
_at_least_one = Bounds(1.0, math.inf, high_open=True, why="must be finite and >= 1")


def _printable(text: str) -> str:
    bad = [c for c in text if unicodedata.category(c) in _UNPRINTABLE]
    if bad:
        raise ValueError(f"must not hold control or format characters (found {bad[0]!r})")
    return text


#: The validation context's key of :func:`scenario_from_dict`'s ``from_results``.
FROM_RESULTS = "from_results"
#: Unicode categories a name may not hold: controls (NUL, newline, escape), format characters
#: (bidirectional overrides, zero-width), surrogates, line and paragraph separators.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _solutions(value: Mapping[str, Any]) -> immutabledict[str, Any]:
    for name in value:
        _printable(name)
    return immutabledict(value)


def _as_dict(value: Mapping[str, Any], handler: Any) -> Any:
    return handler(dict(value))


Money = Annotated[float, AfterValidator(_nonneg)]
#: A budget, yuan: infinity (``inf``) means unlimited.
Budget = Annotated[float, Field(allow_inf_nan=True), AfterValidator(_nonneg)]
#: A name shown in outputs and messages (one line, no control characters).
Name = Annotated[str, AfterValidator(_printable)]
#: SMEs in scope of one industry (dxsim.scenario.limits.MAX_ENTERPRISES).
Enterprises = Annotated[int, Field(ge=1, le=MAX_ENTERPRISES)]
#: Platforms of one industry (dxsim.scenario.limits.MAX_PLATFORMS_PER_INDUSTRY).
PlatformCount = Annotated[int, Field(ge=0, le=MAX_PLATFORMS_PER_INDUSTRY)]
#: A whole number of months, 1 to dxsim.scenario.limits.MAX_DURATION_MONTHS.
Months = Annotated[int, Field(ge=1, le=MAX_DURATION_MONTHS)]
#: A duration, months, 0 to dxsim.scenario.limits.MAX_DURATION_MONTHS.
Duration = Annotated[float, AfterValidator(_nonneg), Field(le=MAX_DURATION_MONTHS)]
FiniteMoney = Annotated[float, AfterValidator(_finite_nonneg)]
NonNeg = Annotated[float, AfterValidator(_nonneg)]
Share = Annotated[float, AfterValidator(_unit)]
Positive = Annotated[float, AfterValidator(_positive)]
PosInt = Annotated[int, Field(ge=1)]
#: A seed: a whole number from 0 to 2**64 - 1 (numpy's SeedSequence takes any; dxsim keys are 64-bit words).
Seed = Annotated[StrictInt, Field(ge=0, le=MAX_SEED)]
Level = Annotated[int, Field(ge=1, le=4)]


class Maturity(Frozen):
    """Initial digital-maturity split: exploration (L1), practice (L2), deep (L3+)."""

    exploration: Share
    practice: Share
    deep: Share

    @model_validator(mode="after")
    def _sums_to_one(self) -> Maturity:
        total = self.exploration + self.practice + self.deep
        if abs(total - 1.0) > 1e-6:
            raise FieldError(
                (),
                {"exploration": self.exploration, "practice": self.practice, "deep": self.deep},
                f"maturity shares must sum to 1, they sum to {total:g}",
            )
        return self


class IndustryEntry(Frozen):
    """An industry as written: every field but ``name`` may come from ``industry_defaults``."""

    name: Name | None = None
    enterprises: Enterprises | None = None
    revenue: Dist | None = None
    margin: Dist | None = None
    maturity: Maturity | None = None
    innovation: NonNeg | None = None
    imitation: NonNeg | None = None
    demonstration: NonNeg | None = None
    solution: str | None = None
    platforms: PlatformCount | None = None
    high_tech_share: Share | None = None
    internal_cost_share: Share | None = None
    internal_cost_fixed: FiniteMoney | None = None


class Industry(Frozen):
    """A sub-industry (细分行业) with its defaults filled in.

    Parameters
    ----------
    enterprises : int
        SMEs in scope, N_i.
    revenue : Dist
        Annual revenue, yuan / year.
    margin : Dist
        Profit margin before the project (share of revenue): an enterprise's
        base annual profit is revenue x margin (keyed draws), which sets its
        income-tax class (:class:`Tax`).  The project's gain is given
        separately, as a share of revenue (``Solution.benefit``).
    maturity : Maturity
        Initial split over exploration / practice / deep (L1 / L2 / L3+).
    innovation, imitation, demonstration : float
        Bass p, q and the weight of lighthouses w, per month.
    solution : str
        Name of the solution offered to the industry.
    platforms : int or None
        Number of platforms serving the industry (``platforms.per_industry`` if None).
    high_tech_share : float
        Share of the industry's enterprises certified high-tech (a keyed draw
        per enterprise), taxed at ``tax.high_tech_rate`` above the
        small-low-profit threshold.  Default 0 (assumption: no figure found).
    internal_cost_share, internal_cost_fixed : float
        The enterprise's complementary internal costs of a project (staff
        time, process change, data preparation), which no payment scheme or
        programme pays: ``internal_cost_share`` x the price it is quoted plus
        ``internal_cost_fixed`` yuan, borne at signing whether or not the
        project works.  Defaults 0.2 and 20,000 yuan (assumption: about two
        person-months of staff time and a fifth of the price in process
        change; no FACTS row measures them).
    """

    name: Name
    enterprises: Enterprises
    revenue: Dist
    margin: Dist
    maturity: Maturity
    innovation: NonNeg
    imitation: NonNeg
    demonstration: NonNeg = 0.0
    solution: str
    platforms: PlatformCount | None = None
    high_tech_share: Share = 0.0
    internal_cost_share: Share = 0.2
    internal_cost_fixed: FiniteMoney = 20e3


class Solution(Frozen):
    """A lightweight digital solution (小快轻准).

    Parameters
    ----------
    price : float
        List price of the first deployment, yuan.
    subscription : float
        Fee per month after go-live, yuan / month (paid by the enterprise).
    implementation_months : Dist
        Implementation time, months (draws below 0 count as 0).
    benefit : Dist
        Annual profit gain as a share of revenue, 1 / year.
    ramp_months : float
        Months for the gain to ramp up linearly to its full level.
    lifetime_months : float
        Months the gain lasts after go-live.
    failure_probability : float
        Probability that the project delivers no gain.
    maturity_gain : Dist
        Digital-maturity score points gained by a successful project.  One
        level is 20 points (FACTS row 15); one lightweight project adds
        about one level on average (FACTS rows 15-16).
    benefit_reference_score, benefit_maturity_exponent : float
        Starting maturity score (0-100) at which ``benefit`` is the potential
        benefit, and how fast it falls with the score: an enterprise starting
        at score s has the potential benefit ``benefit x ((100 - s) / (100 -
        benefit_reference_score)) ** benefit_maturity_exponent`` (more to
        gain from a low start; exponent 0 turns it off).  Defaults 30, the
        middle of level 1 (FACTS row 16: 89% of SMEs start at level 1), and 1
        (assumption).
    maturity_benefit_correlation : float
        Correlation (Gaussian copula, 0-1) between an enterprise's draws of
        ``benefit`` and ``maturity_gain``: a project that raises profit more
        also raises the score more.  Default 0.5 (assumption).
    failure_learning_ratio : float
        The true failure probability of a platform's next project is
        ``failure_probability x (n + 1) ** log2(failure_learning_ratio) /
        quality``, n its experience (deployments), capped at 1: each doubling
        of experience multiplies it by the ratio (0-1].  Default 0.9
        (assumption, like Wright's law for failures).
    renewal : bool
        At the end of a working solution's lifetime (go-live + ``lifetime_months``)
        the enterprise decides again, at the then price and programme terms,
        whether to sign a new contract (default true, assumption: software
        is re-bought or re-subscribed when it wears out; false = the first
        edition's one-off adoption).
    """

    price: Money
    subscription: Money = 0.0
    implementation_months: Dist
    benefit: Dist
    ramp_months: Duration = 6.0
    lifetime_months: Annotated[Positive, Field(le=MAX_DURATION_MONTHS)] = 60.0
    failure_probability: Share = 0.0
    maturity_gain: Dist
    benefit_reference_score: Annotated[float, Field(ge=0.0, lt=100.0)] = 30.0
    benefit_maturity_exponent: NonNeg = 1.0
    maturity_benefit_correlation: Share = 0.5
    failure_learning_ratio: Annotated[float, Field(gt=0.0, le=1.0)] = 0.9
    renewal: bool = True


class _PlatformFields(Frozen):
    capacity: PosInt | None = None
    delivery_cost: Positive
    progress_ratio: Annotated[float, AfterValidator(_progress_ratio)] = 1.0
    spillover: Share = 0.0
    pass_through: NonNeg = 1.0
    quality: Dist = Constant(value=1.0)
    working_capital_limit: Money | None = None
    fixed_cost_per_year: FiniteMoney = 0.0
    cost_of_capital: Share = 0.10
    markup: Annotated[float, AfterValidator(_finite_nonneg)] | None = None
    required_return: Share = 0.05


class PlatformDefaults(_PlatformFields):
    """Platforms given per industry: ``per_industry`` copies with these parameters.

    Parameters
    ----------
    per_industry : int
        Platforms per industry (an industry's ``platforms`` overrides it).
    capacity : int or None
        Concurrent implementations; None (omitted) = unlimited.
    delivery_cost : float
        Cost of the first deployment c_1, yuan.
    progress_ratio : float
        Wright's-law progress ratio PR in (0, 1]: unit cost x PR per doubling.
    spillover : float
        Share of other platforms' deployments in the industry counted as own experience.
    pass_through : float
        Elasticity of price to unit cost:
        price = c_1 (1 + markup) x (c / c_1) ** pass_through (yuan).
    quality : Dist
        Quality index of each platform (logit utility units).
    working_capital_limit : float or None
        Receivables (yuan) above which the platform signs no more contracts
        with deferred payment (any scheme but upfront) until they fall; None
        = no limit.
    fixed_cost_per_year : float
        The platform's own fixed costs (joining the programme, developing the
        solution, selling), yuan / year from its start: the opening month of
        the first batch that admits it, or month 0 without one.
    cost_of_capital : float
        Cost of the money tied up in receivables, 1 / year (assumption 0.10):
        the platform pays ``cost_of_capital / 12`` x its receivables each month,
        and discounts what a contract will pay it at this rate when it decides
        whether to sign (:mod:`dxsim.model.participation`).
    markup : float or None
        Price over the first deployment's cost, share (finite, >= 0): the
        price of the first deployment is ``delivery_cost x (1 + markup)``.
        None (the default) keeps the solution's list price, i.e. markup =
        ``price / delivery_cost - 1`` (assumption: today's prices).
    required_return : float
        Return over the expected delivery cost the platform requires to sign
        a contract, share in [0, 1] (assumption 0.05): it signs only if the
        expected present value of its receipts is at least the expected
        delivery cost x (1 + required_return).
    """

    per_industry: PlatformCount = 3


class PlatformSpec(_PlatformFields):
    """One platform named explicitly, serving one industry."""

    name: Name
    industry: str


def _platforms_tag(v: Any) -> str:
    return "list" if isinstance(v, list | tuple) else "table"


class Upfront(Frozen):
    """The enterprise pays its part at signing."""

    scheme: Literal["upfront"] = "upfront"


class Installments(Frozen):
    """The enterprise pays its part in ``months`` equal monthly payments, the first at signing."""

    scheme: Literal["installments"]
    months: Months


_rate = Bounds(0.0, 1.0, low_open=True, why="must be in (0, 1]")
_cap_multiple = Bounds(1.2, 3.0, why="must be in [1.2, 3] (FACTS row 30: repayment caps of 1.2-3 times the amount)")
_term = Bounds(24, 96, why="must be in [24, 96] months (FACTS row 30: terms of 2-8 years)")


#: Most a revenue share on revenue may take, share of revenue (FACTS row 30: 1-10% of revenue).
MAX_REVENUE_RATE = 0.10

#: Default rate of a revenue share on revenue (assumption: the middle of FACTS row 30's 1-10%).
REVENUE_RATE = 0.05


class _ShareOfBase(Frozen):
    """The deferred part paid as a share of a measurable base (revenue share, the rest of a hybrid).

    Parameters
    ----------
    rate : float
        Share of the base paid each month: in (0, 1] of the reported gain, in
        (0, 0.10] of revenue (FACTS row 30: 1-10% of revenue).  Default 0.5
        of the reported gain, 0.05 of revenue (assumptions).
    cap_multiple : float
        Payments stop once ``cap_multiple`` x the deferred part is paid, in
        [1.2, 3] (FACTS row 30; default 1.5, assumption).
    term_months : int
        Months from the go-live month in which payments fall due, in [24, 96]
        (FACTS row 30: 2-8 years; default 36, assumption).
    floor : float
        Least payment a month while payments run (yuan / month; default 0).
    base : {"reported_gain", "revenue"}
        What the rate applies to: the gain the enterprise reports
        (``reported_share`` x the realised gain, nothing once the project has
        failed) or its revenue (revenue / 12 a month from go-live, whether
        the project works or not).  Default ``"reported_gain"``.
    reported_share : float
        Share of the realised gain the enterprise reports, in [0, 1]
        (assumption 0.8: some under-reporting of an unverifiable gain).
    """

    rate: Annotated[float, AfterValidator(_rate)] = 0.5
    cap_multiple: Annotated[float, AfterValidator(_cap_multiple)] = 1.5
    term_months: Annotated[PosInt, AfterValidator(_term)] = 36
    floor: Money = 0.0
    base: Literal["reported_gain", "revenue"] = "reported_gain"
    reported_share: Share = 0.8

    @model_validator(mode="before")
    @classmethod
    def _default_rate(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("base") == "revenue" and "rate" not in data:
            return {**data, "rate": REVENUE_RATE}
        return data

    @model_validator(mode="after")
    def _rate_of_revenue(self) -> Self:
        if self.base == "revenue" and self.rate > MAX_REVENUE_RATE:
            raise FieldError(
                ("rate",), self.rate, "a share of revenue must be at most 0.1 (FACTS row 30: 1-10% of revenue)"
            )
        return self


class RevenueShare(_ShareOfBase):
    """The enterprise pays a share of a measurable base from go-live (以转型收益支付服务费用).

    From go-live it pays ``rate`` x the month's base (at least ``floor`` yuan
    a month while payments run) until it has paid ``cap_multiple`` x its part
    or ``term_months`` have passed.  The base (:class:`_ShareOfBase`) is the
    gain it reports (a failed project pays nothing) or its revenue (it pays
    whether the project works or not).  What falls short of the part is the
    platform's loss.
    """

    scheme: Literal["revenue_share"]


class Subscription(Frozen):
    """The enterprise pays ``fee`` yuan a month for ``term_months`` from go-live, working or not.

    Without ``fee`` the fee is the enterprise's part divided by the term.
    """

    scheme: Literal["subscription"]
    fee: Money | None = None
    term_months: Months = 36


class Hybrid(_ShareOfBase):
    """``upfront_fraction`` of the part at signing, the rest by revenue share (cap on the rest)."""

    scheme: Literal["hybrid"]
    upfront_fraction: Share = 0.3


Payment = Annotated[Upfront | Installments | RevenueShare | Subscription | Hybrid, Field(discriminator="scheme")]
PaymentScheme = Upfront | Installments | RevenueShare | Subscription | Hybrid


def _tag(model: type[Frozen], field: str) -> str:
    return str(get_args(model.model_fields[field].annotation)[0])


class Contract(Frozen):
    """Contract terms: the platform's discount (平台让一点) and the payment scheme.

    ``platform_discount_contingent``: the discount is given only because of
    the programme, so the counterfactual without the programme drops it
    (:func:`dxsim.scenario.variants.counterfactual`).
    """

    platform_discount: Share = 0.0
    platform_discount_contingent: bool = True
    payment: Payment = Upfront()


PaidTo = Literal["platform", "enterprise"]
PaidAt = Literal["signing", "golive", "acceptance"]


Pool = Literal["smes", "platforms"]


class _Instrument(Frozen):
    """Fields every instrument has.

    ``cap_per_enterprise`` and ``cap_per_platform`` (yuan, over the whole
    programme; None = no cap).  ``pool``: the part of a split budget it draws
    on (``programme.split``): SME transformation or platforms and services.
    """

    cap_per_enterprise: Money | None = None
    cap_per_platform: Money | None = None
    pool: Pool = "smes"


class CostShare(_Instrument):
    """The government pays ``share`` of the price (政府补一点)."""

    kind: Literal["cost_share"]
    share: Share
    paid_to: PaidTo = "platform"
    paid_at: PaidAt = "acceptance"


class Voucher(_Instrument):
    """A fixed amount per enterprise (e.g. cloud vouchers), at most the price."""

    kind: Literal["voucher"]
    amount: Money
    paid_to: PaidTo = "platform"
    paid_at: PaidAt = "signing"


class PlatformReward(_Instrument):
    """A fixed reward to the platform per accepted enterprise, capped per platform.

    ``passed_on`` is the share of the reward the platform takes off the
    enterprise's price at signing (the 2022 rules: the money goes to the SMEs);
    the rest is the platform's own reward.
    """

    kind: Literal["platform_reward"]
    amount: Money
    passed_on: Share = 1.0
    pool: Pool = "platforms"
    paid_to: Literal["platform"] = "platform"
    paid_at: Literal["acceptance"] = "acceptance"


class Tiered(_Instrument):
    """An amount per maturity level reached after transformation (e.g. Zhongshan, FACTS row 12).

    ``levels`` (strictly increasing, 1-4) and ``amounts`` (yuan, not
    decreasing): an accepted enterprise that reaches ``levels[k]`` (and not
    ``levels[k + 1]``) gets ``amounts[k]``, paid at acceptance to ``paid_to``.
    The money is a reward outside the contract's price.
    """

    kind: Literal["tiered"]
    levels: tuple[Level, ...]
    amounts: tuple[Money, ...]
    paid_to: PaidTo = "enterprise"
    paid_at: Literal["acceptance"] = "acceptance"  # when the level is known

    @model_validator(mode="after")
    def _ordered(self) -> Tiered:
        if not self.levels:
            raise FieldError(("levels",), [], "at least one tier")
        if len(self.amounts) != len(self.levels):
            raise FieldError(("amounts",), list(self.amounts), f"needs one amount per level ({len(self.levels)})")
        if any(b <= a for a, b in zip(self.levels, self.levels[1:], strict=False)):
            raise FieldError(("levels",), list(self.levels), "tiers out of order: levels must increase")
        if any(b < a for a, b in zip(self.amounts, self.amounts[1:], strict=False)):
            raise FieldError(("amounts",), list(self.amounts), "tiers out of order: amounts must not decrease")
        return self

    def amount_for(self, level: NDArray[np.int64]) -> NDArray[np.float64]:
        """The amount (yuan) an enterprise reaching ``level`` gets (0 below the first tier)."""
        idx = np.searchsorted(np.asarray(self.levels), level, side="right") - 1
        table = np.asarray((0.0, *self.amounts))
        return np.asarray(table[idx + 1])

    @property
    def most(self) -> float:
        """The largest amount, yuan (what is committed at signing)."""
        return float(self.amounts[-1])


Instrument = Annotated[CostShare | Voucher | PlatformReward | Tiered, Field(discriminator="kind")]
AnyInstrument = CostShare | Voucher | PlatformReward | Tiered


#: Tags of the discriminated unions (pydantic puts them into error locations).
UNION_TAGS = frozenset(
    {"table", "list"}
    | {_tag(m, "scheme") for m in (Upfront, Installments, RevenueShare, Subscription, Hybrid)}
    | {_tag(m, "kind") for m in (CostShare, Voucher, PlatformReward, Tiered)}
    | set(DIST_KINDS)
)


def _count_or_names(x: Any) -> Any:
    """A whole number >= 1 or a list of names (checked before pydantic's union, for a one-line error)."""
    names = isinstance(x, list | tuple) and all(isinstance(v, str) for v in x)
    if x is not None and not names and (isinstance(x, bool) or not isinstance(x, int)):
        raise ValueError("must be a count (a whole number >= 1) or a list of industry names")
    if isinstance(x, int) and x < 1:
        raise ValueError("must be >= 1")
    return x


class Batch(Frozen):
    """An application window with its budget; dates inclusive.

    A batch first fixes its sub-industries (``industries``), then admits
    platforms within them (``platforms``); only contracts with admitted
    platforms receive the batch's money (docs/model.md, "Institutions").

    Parameters
    ----------
    name : str
        The batch's name.
    opens, closes : datetime.date
        First and last day of the application window (``closes`` not before ``opens``).
    budget : float
        The batch's budget, yuan (>= 0).
    platforms : int or None
        How many platforms the batch admits (>= 1), best admission score
        first (:class:`Admission`), among the platforms of its
        sub-industries; at most the platforms there are.  Default None:
        every platform of its sub-industries.
    industries : int, list of str or None
        The batch's sub-industries: a count (>= 1, at most the scenario's
        industries), the programme choosing that many, those whose platforms
        have the highest mean admission score, sub-industries no earlier
        batch chose first, ties by a keyed draw; or a list of industry names
        of the scenario (no repeats).  With either, ``platforms`` admits at
        least one platform per chosen sub-industry when there are enough.
        Default None (assumption, the behaviour before 0.4): every
        sub-industry, platforms ranked nationally.  FACTS row 6: the 2022
        batch admitted 98 platforms in 38 sub-industries.
    """

    name: Name
    opens: dt.date
    closes: dt.date
    budget: Budget
    platforms: Annotated[int, Field(ge=1)] | None = None
    industries: Annotated[int | tuple[str, ...] | None, BeforeValidator(_count_or_names)] = None

    @model_validator(mode="after")
    def _ordered(self) -> Batch:
        if self.closes < self.opens:
            raise FieldError(("closes",), self.closes.isoformat(), f"batch closes before it opens ({self.opens})")
        if isinstance(self.industries, tuple):
            if not self.industries:
                raise FieldError(("industries",), [], "names no sub-industry (omit it for every one)")
            if len(set(self.industries)) < len(self.industries):
                raise FieldError(("industries",), list(self.industries), "names a sub-industry twice")
        return self


class Acceptance(Frozen):
    """Assessment ``delay_months`` after go-live; pass at maturity level >= ``min_level``."""

    delay_months: Duration = 3.0
    min_level: Level = 2


class Lighthouse(Frozen):
    """How the programme designates lighthouses (小灯塔) among the enterprises it accepted.

    Only enterprises whose contract received programme money, passed
    acceptance and reached maturity level ``min_level`` are candidates; without
    a programme there are none.

    Parameters
    ----------
    min_level : int
        Lowest maturity level (1-4) of a candidate.
    per_platform : int or None
        Quota: lighthouses each platform may have per batch (None: every
        candidate is designated).
    rule : {"first_accepted", "largest_gain"}
        ``first_accepted``: candidates are designated at their acceptance
        while their platform's quota for their batch lasts.
        ``largest_gain``: ``designation_months`` after the batch closes, each
        platform's candidates of that batch with the largest realised monthly
        gains (yuan / month) are designated, up to the quota.
    designation_months : float
        Months after a batch closes when ``largest_gain`` designates, >= 0
        (default 12: assumption, time for the last projects to be assessed).
    """

    min_level: Level = 3
    per_platform: PosInt | None = None
    rule: Literal["first_accepted", "largest_gain"] = "first_accepted"
    designation_months: NonNeg = 12.0


class Split(Frozen):
    """A budget split between SME transformation and platforms and public services (FACTS rows 7-8)."""

    smes: Share = 0.8
    platforms: Share = 0.2

    @model_validator(mode="after")
    def _at_most_all(self) -> Split:
        if self.smes + self.platforms > 1.0 + 1e-12:
            raise FieldError(
                ("platforms",), self.platforms, f"the split adds to more than 100% ({self.smes + self.platforms:.0%})"
            )
        return self


class Eligibility(Frozen):
    """Who may receive programme money: priority sub-industries and a revenue band (yuan / year)."""

    industries: tuple[str, ...] | None = None
    revenue_min: Money = 0.0
    revenue_max: Money | None = None

    @model_validator(mode="after")
    def _band(self) -> Eligibility:
        if self.revenue_max is not None and self.revenue_max < self.revenue_min:
            raise FieldError(("revenue_max",), self.revenue_max, f"below revenue_min ({self.revenue_min:g})")
        return self


class Admission(Frozen):
    """How batches admit platforms when a batch limits them (``Batch.platforms``).

    Score = quality - price index + ``acceptance_weight`` x the share of the
    platform's assessed enterprises that passed acceptance (0 before any).
    """

    acceptance_weight: NonNeg = 1.0


#: What loading a scenario that sets ``programme.tax_rate`` warns (it is kept for one release).
TAX_RATE_DEPRECATED = (
    "programme.tax_rate is deprecated (a flat rate on every enterprise's incremental profit, as in dxsim 0.2.0) "
    "and will be removed in the next release; remove it to apply the tax law of the [tax] table"
)


class Programme(Frozen):
    """Public money: batches, instruments, acceptance rules. Empty = no programme.

    ``rollover``: the uncommitted budget of a batch passes to the next batch
    when it closes (and money released later goes there too); otherwise it
    lapses.  ``split``: each batch's budget split into pools (None = one
    pool).  ``eligibility``: who may receive money (None = everyone).
    ``tax_rate`` (deprecated, None = the tax law of :class:`Tax`): a flat
    rate every enterprise pays on its incremental profit, without classes or
    deduction (the 0.2.0 behaviour); setting it warns (DeprecationWarning).
    ``outreach`` (1 / month): the consideration hazard the programme adds
    while a batch is open, for enterprises of the industries it covers (the
    platforms it pays bring the solutions to SMEs, MODEL.md mechanism 1);
    0 without a programme.
    ``allocation``: the order in which an oversubscribed batch serves the
    month's applicants that count on its money: ``"arrival"`` (default, the
    behaviour before 0.4: first come, first served), ``"score"`` (lowest
    starting maturity score first, the largest shortfall to the programme's
    levels; ties by arrival) or ``"lottery"`` (a keyed uniform draw per
    enterprise and month); docs/model.md, "Institutions".
    """

    when_budget_exhausted: Literal["unsubsidised", "wait", "reject"] = "unsubsidised"
    allocation: Literal["arrival", "score", "lottery"] = "arrival"
    tax_rate: Share | None = None
    acceptance: Acceptance = Acceptance()
    lighthouse: Lighthouse = Lighthouse()
    rollover: bool = False
    split: Split | None = None
    eligibility: Eligibility | None = None
    admission: Admission = Admission()
    batches: tuple[Batch, ...] = ()
    instruments: tuple[Instrument, ...] = ()
    outreach: NonNeg = 0.0

    @model_validator(mode="after")
    def _deprecated_tax_rate(self) -> Programme:
        if self.tax_rate is not None:
            warnings.warn(TAX_RATE_DEPRECATED, DeprecationWarning, stacklevel=2)
        return self


class Tax(Frozen):
    """The tax law: enterprise income tax (EIT) by class, VAT, the platforms' EIT (FACTS rows 24, 31).

    Parameters
    ----------
    general_rate : float
        EIT of enterprises in no preferential class (FACTS row 24: 25%).
    high_tech_rate : float
        EIT of certified high-tech enterprises (FACTS row 24: 15%); see
        ``Industry.high_tech_share``.
    small_low_profit_rate : float
        Effective EIT of small low-profit enterprises (SLP, annual taxable
        profit at most ``small_low_profit_threshold``) until
        ``small_low_profit_until`` (FACTS row 24: 20% on 25% of the profit, 5%).
    small_low_profit_until : datetime.date
        Last day of the SLP rate (FACTS row 24: 2027-12-31); months that
        start after it pay ``small_low_profit_rate_after``.
    small_low_profit_rate_after : float
        The SLP rate afterwards (assumption: the statutory 20% of EIT law
        art. 28, if the relief is not extended).
    small_low_profit_threshold : float
        Annual taxable profit up to which an enterprise is SLP, yuan / year
        (FACTS row 24: 3M).
    platform_rate : float
        EIT on the platforms' profit (25%), losses carried forward 5 years.
    vat_rate : float
        VAT on software and IT services (FACTS row 31: 6%); prices include it.
    platform_input_vat_share : float
        Share of a platform's delivery cost that bears deductible input VAT
        (assumption: 0.5; the rest is its own staff).
    small_scale_vat_threshold : float
        Annual revenue above which an enterprise is a general VAT taxpayer
        and deducts the VAT on what it pays for the solution, yuan / year
        (assumption, the VAT rules since 2018: 5M).

    A preferential rate (high-tech, SLP before and after) must be at most
    ``general_rate``, so that tax never falls as profit rises.
    """

    general_rate: Share = 0.25
    high_tech_rate: Share = 0.15
    small_low_profit_rate: Share = 0.05
    small_low_profit_until: dt.date = dt.date(2027, 12, 31)
    small_low_profit_rate_after: Share = 0.20
    small_low_profit_threshold: FiniteMoney = 3e6
    platform_rate: Share = 0.25
    vat_rate: Share = 0.06
    platform_input_vat_share: Share = 0.5
    small_scale_vat_threshold: FiniteMoney = 5e6

    @model_validator(mode="after")
    def _preferential(self) -> Tax:
        for name in ("high_tech_rate", "small_low_profit_rate", "small_low_profit_rate_after"):
            rate = getattr(self, name)
            if rate > self.general_rate:
                raise FieldError(
                    (name,), rate, f"a preferential rate must be at most general_rate ({self.general_rate:g})"
                )
        return self


class Appraisal(Frozen):
    """Settings of the public appraisal against the counterfactual (FACTS row 25).

    Parameters
    ----------
    social_discount_rate : float
        The government's discount rate, 1 / year (FACTS row 25: 8%), apart
        from the enterprises' hurdle rates and the scenario's ``discount_rate``.
    marginal_cost_of_public_funds : float
        What a yuan of public money costs society, at least 1 (assumption: 1.2).
    displacement_share : float
        Share of the enterprises' gains taken from competitors (assumption: 0).
    """

    social_discount_rate: Share = 0.08
    marginal_cost_of_public_funds: Annotated[float, AfterValidator(_at_least_one)] = 1.2
    displacement_share: Share = 0.0


#: What setting ``behaviour.perceived_failure.peer_learning`` warns (kept for one release).
PEER_LEARNING_DEPRECATED = (
    "behaviour.perceived_failure.peer_learning is deprecated and ignored: perceived failure now follows the "
    "outcomes observed in the sub-industry (a Beta-Binomial update, prior_strength); remove it"
)


class PerceivedFailure(Frozen):
    """An enterprise's perceived failure probability: a Beta prior updated by the outcomes it observes.

    pi = (initial x n0 + F) / (n0 + S + F + w L), with n0 = ``prior_strength``,
    S and F the projects of its sub-industry assessed as working and failed
    so far, L its designated lighthouses and w
    ``Behaviour.lighthouse_evidence`` (docs/model.md, "Information").

    Parameters
    ----------
    initial : float
        Prior mean, before any evidence (assumption: 0.4, 畏难心理 in the seed article).
    prior_strength : float
        n0, the prior's weight in observations (> 0; assumption: 10).
    peer_learning : float or None
        Deprecated and ignored (the 0.3.0 exponential rule); setting it warns.
    """

    initial: Share = 0.4
    prior_strength: Positive = 10.0
    peer_learning: NonNeg | None = None

    @model_validator(mode="after")
    def _deprecated_peer_learning(self) -> PerceivedFailure:
        if self.peer_learning is not None:
            warnings.warn(PEER_LEARNING_DEPRECATED, DeprecationWarning, stacklevel=2)
        return self


class PerceivedBenefit(Frozen):
    """The share of its potential benefit an enterprise counts on, rising to 1 with evidence.

    kappa = 1 - (1 - initial) x n0 / (n0 + S + w L), the same n0, S, L and w as
    :class:`PerceivedFailure` (docs/model.md, "Information").

    Parameters
    ----------
    initial : float
        Share counted on before any evidence (assumption: 0.7).
    """

    initial: Share = 0.7


class PlatformChoice(Frozen):
    """Logit weights: quality (+), price relative to the solution's list price (-), queue (-)."""

    price_weight: NonNeg = 1.0
    quality_weight: NonNeg = 1.0
    queue_weight: NonNeg = 0.2


class Behaviour(Frozen):
    """How enterprises decide.

    Parameters
    ----------
    hurdle_rate : Dist
        Required return, 1 / year; its lowest value (where it has one) and
        its mean must be >= 0 (draws of an unbounded one below 0 count as 0).
    evaluation_months : int
        Horizon H of the adoption NPV, months.
    max_payback_months : Dist
        Longest acceptable payback in the success case, months.
    liquidity_months : Dist
        Cash the enterprise can put up at signing, in months of revenue.
    perceived_failure, perceived_benefit
        What an enterprise believes before and after the evidence of its
        sub-industry (:class:`PerceivedFailure`, :class:`PerceivedBenefit`).
    lighthouse_evidence : float
        How many observed working projects one designated lighthouse counts
        as, w >= 0 (assumption: 5, a visited and publicised case).
    exit_rate : float
        Rate at which firms exit (close, merge, leave the scope), 1 / year,
        in [0, 1]; each enterprise's exit time is exponential with this rate
        (keyed draws).  Default 0.05 (assumption: no figure for the pilot's
        SMEs; 0 = no firm exits, the first edition).
    """

    hurdle_rate: Annotated[Dist, AfterValidator(_required_return)] = Uniform(low=0.10, high=0.30)
    evaluation_months: Months = 36
    max_payback_months: Dist = Uniform(low=12.0, high=48.0)
    liquidity_months: Dist = Lognormal(median=0.5, sigma=0.5)
    perceived_failure: PerceivedFailure = PerceivedFailure()
    perceived_benefit: PerceivedBenefit = PerceivedBenefit()
    lighthouse_evidence: NonNeg = 5.0
    platform_choice: PlatformChoice = PlatformChoice()
    exit_rate: Share = 0.05  # 1 / year; Share: finite, in [0, 1]


class Scenario(Frozen):
    """A complete, validated scenario (immutable).

    ``discount_rate`` (1 / year) discounts the parties' cash flows in the
    outputs (NPV, discounted payback).  ``tax`` is the tax law
    (:class:`Tax`); ``appraisal`` the settings of the public appraisal
    (:class:`Appraisal`).  Load one with
    :func:`dxsim.load_scenario`; derive variants with
    :meth:`with_overrides`.  ``industries`` and ``platforms`` keep what the file
    says; :attr:`resolved_industries` and :attr:`resolved_platforms` fill in
    the defaults.
    """

    name: Name
    description: str = ""
    start: dt.date
    horizon_months: Annotated[int, Field(ge=1, le=MAX_HORIZON_MONTHS)] = 120
    seed: Seed | None = None
    discount_rate: NonNeg = 0.06
    industry_defaults: IndustryEntry = IndustryEntry()
    industries: Annotated[tuple[IndustryEntry, ...], Field(max_length=MAX_INDUSTRIES)]
    solutions: Annotated[Mapping[str, Solution], AfterValidator(_solutions), WrapSerializer(_as_dict)]
    platforms: Annotated[
        Annotated[PlatformDefaults, Tag("table")]
        | Annotated[tuple[PlatformSpec, ...], Tag("list"), Field(max_length=MAX_PLATFORMS)],
        Discriminator(_platforms_tag),
    ]
    contract: Contract = Contract()
    programme: Programme = Programme()
    tax: Tax = Tax()
    behaviour: Behaviour = Behaviour()
    appraisal: Appraisal = Appraisal()
    uncertain: Uncertain = Uncertain()

    _industries: tuple[Industry, ...] = PrivateAttr(())
    _platforms: tuple[PlatformSpec, ...] = PrivateAttr(())
    _from_results: bool = PrivateAttr(False)

    @model_validator(mode="after")
    def _resolve(self, info: ValidationInfo) -> Scenario:
        self._from_results = bool((info.context or {}).get(FROM_RESULTS))
        check_start(self.start)
        fields = industry_fields(
            _given(self.industry_defaults), [_given(entry) for entry in self.industries], self.solutions
        )
        self._industries = tuple(Industry.model_validate(f) for f in fields)
        if isinstance(self.platforms, PlatformDefaults):
            shared = {k: v for k, v in self.platforms if k != "per_industry"}
            per_industry = [(ind.name, ind.platforms) for ind in self._industries]
            specs = platforms_per_industry(shared, self.platforms.per_industry, per_industry)
            self._platforms = tuple(PlatformSpec.model_validate(spec) for spec in specs)
        else:
            check_platform_list([(p.name, p.industry) for p in self.platforms], [i.name for i in self._industries])
            self._platforms = tuple(self.platforms)
        check_sizes(self.start, self.horizon_months, [i.enterprises for i in self._industries], len(self._platforms))
        check_programme(
            self.programme.model_dump(),
            start=self.start,
            horizon_months=self.horizon_months,
            platform_discount=self.contract.platform_discount,
            industries=[i.name for i in self._industries],
        )
        if self.uncertain:
            try:
                self.with_values(self.uncertain.centre())
            except ScenarioError as err:
                why = f"the central values make no valid scenario ({err.lines[0]})"
                raise FieldError(("uncertain",), None, why) from None
            if not self._from_results:
                self.uncertain.check_ranges(self)
        return self

    def __eq__(self, other: object) -> bool:
        """Equal fields: where a scenario was read from (:attr:`from_results`) does not count."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    @property
    def from_results(self) -> bool:
        """Read from a results file (or derived from such a scenario): its ``[uncertain]`` ranges are not checked.

        A file of dxsim 0.5.1 or before may hold a distribution that can draw
        outside its field's range (refused since 0.5.2); the file still opens
        and its scenario runs again, each draw checked before the first
        replication (:meth:`check_draws`).
        """
        return self._from_results

    @property
    def resolved_industries(self) -> tuple[Industry, ...]:
        """Industries with ``industry_defaults`` filled in."""
        return self._industries

    @property
    def resolved_platforms(self) -> tuple[PlatformSpec, ...]:
        """Every platform, one entry each."""
        return self._platforms

    @property
    def enterprises(self) -> int:
        """SMEs in scope, all industries."""
        return sum(i.enterprises for i in self._industries)

    def month_of(self, date: dt.date, *, end_of_day: bool = False) -> float:
        """Model time (months since ``start``) of a calendar date (see :func:`~dxsim.scenario.resolve.date_to_months`)."""
        return date_to_months(self.start, date, end_of_day=end_of_day)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new validated scenario with values set by dotted path.

        Parameters
        ----------
        overrides : mapping
            ``{"contract.platform_discount": 0.2, "industries[0].imitation": 0.3}``
            (see :func:`dxsim.scenario.overrides.set_path`).

        Returns
        -------
        Scenario
            This scenario's data with the values set, validated again.

        Raises
        ------
        ScenarioError
            One line per invalid value, naming the path.

        Examples
        --------
        >>> from dxsim.scenario import load_scenario
        >>> load_scenario("small").with_overrides({"industries[0].imitation": 0.3}).industries[0].imitation
        0.3
        """
        data = self.to_dict()  # a fresh copy, set in place
        set_paths(data, overrides)
        return scenario_from_dict(data, source="<overrides>", from_results=self._from_results)

    def with_values(self, values: Mapping[str, float]) -> Scenario:
        """This scenario with ``values`` set by dotted path and no ``[uncertain]`` table: one draw of it.

        Parameters
        ----------
        values : mapping
            ``{path: value}``, e.g. one replication's :func:`~dxsim.scenario.uncertain.draw_uncertain`.

        Raises
        ------
        ScenarioError
            A value makes an invalid scenario (one line naming the path and the value).

        Examples
        --------
        >>> from dxsim.scenario import load_scenario
        >>> sc = load_scenario("small").with_overrides(
        ...     {"uncertain": {"industry_defaults.imitation": {"dist": "uniform", "low": 0.2, "high": 0.4}}})
        >>> drawn = sc.with_values({"industry_defaults.imitation": 0.25})
        >>> drawn.industry_defaults.imitation, bool(drawn.uncertain)
        (0.25, False)
        """
        data = self.to_dict()
        data.pop("uncertain", None)
        set_paths(data, values, source="<uncertain>")
        return scenario_from_dict(data, source="<uncertain>", from_results=self._from_results)

    def drawn(self, key: int) -> Scenario:
        """The scenario replication key ``key`` runs: its uncertain parameters drawn (itself if none).

        Parameters
        ----------
        key : int
            The replication key (:func:`dxsim.random.replication_key`).

        Returns
        -------
        Scenario
            :meth:`with_values` of :func:`~dxsim.scenario.uncertain.draw_uncertain`.
        """
        return self.with_values(draw_uncertain(self.uncertain, key)) if self.uncertain else self

    def check_draws(self, seed: int, replications: Iterable[int]) -> None:
        """Check that every replication's draw of the ``[uncertain]`` table makes a valid scenario.

        Validation refuses a distribution that can draw outside its field's
        range (:meth:`~dxsim.scenario.uncertain.Uncertain.check_ranges`); a
        rule between fields (shares that sum to 1, a distribution's
        parameters) can still refuse one draw.  A run calls this before its
        first replication, so that such a draw stops it before any work.

        Parameters
        ----------
        seed : int
            The run's seed.
        replications : iterable of int
            The replications to check.

        Raises
        ------
        ScenarioError
            One line naming the scenario, the first bad replication, its
            draw and the reason.

        Examples
        --------
        >>> from dxsim.scenario import load_scenario
        >>> sc = load_scenario("small").with_overrides(  # a cost share of 0.6-0.95 beside a 10% discount
        ...     {"uncertain": {"programme.instruments[0].share": {"dist": "uniform", "low": 0.6, "high": 0.95}}})
        >>> sc.check_draws(7, range(7))  # replications 0 to 6 draw a share <= 0.9
        >>> sc.check_draws(7, range(20))
        Traceback (most recent call last):
        ...
        dxsim.scenario.errors.ScenarioError: scenario 'small': uncertain: replication 7 of seed 7 draws programme.instruments[0].share = 0.931301, which makes an invalid scenario (programme.instruments[0].share: cost shares + contract.platform_discount must be at most 1 (0.931301 + 0.1 = 1.0313), got ...); no replication was run
        """
        if not self.uncertain:
            return
        for k in replications:
            values = draw_uncertain(self.uncertain, replication_key(seed, k))
            try:
                self.with_values(values)
            except ScenarioError as err:
                drawn = ", ".join(f"{path} = {value:.6g}" for path, value in values.items())
                why = err.lines[0].removeprefix("<uncertain>: ")
                line = (
                    f"scenario {self.name!r}: uncertain: replication {k} of seed {seed} draws {drawn}, "
                    f"which makes an invalid scenario ({why}); no replication was run"
                )
                raise ScenarioError([line]) from None

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (TOML-ready: no None values)."""
        return _drop_none(self.model_dump(mode="python"))

    def to_toml(self) -> str:
        """The scenario as TOML text that loads back to an equal scenario."""
        return tomli_w.dumps(self.to_dict())

    def summary(self) -> str:
        """A few lines with the scenario's main numbers: size, time, the programme's money and rules, the terms.

        Each instrument and the payment scheme are shown with all their
        terms, defaults included (a share's cap multiple, say), so two
        scenarios that differ only there look different.
        """
        prog = self.programme
        budget = sum(b.budget for b in prog.batches)
        batches = f"{len(prog.batches)} batch{'' if len(prog.batches) == 1 else 'es'}"
        payment = self.contract.payment
        lines = [
            f"Scenario {self.name!r}: {self.description}".rstrip(": "),
            f"  {len(self._industries)} industries, {self.enterprises:,} SMEs, {len(self._platforms)} platforms",
            f"  start {self.start}, horizon {self.horizon_months} months",
            f"  programme: {batches}, budget {budget / 1e6:,.1f}M yuan"
            + ("" if prog.instruments else ", no instrument"),
            *(f"    {inst.kind}{_terms(inst, 'kind')}" for inst in prog.instruments),
            f"  contract: platform discount {self.contract.platform_discount:.0%}, "
            f"payment {payment.scheme}{_terms(payment, 'scheme')}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"


def _terms(model: Frozen, tag: str) -> str:
    """`` (name value, ...)`` of the fields of ``model`` but its tag ``tag`` and those unset; empty if none.

    Examples
    --------
    >>> _terms(CostShare(kind="cost_share", share=0.3, cap_per_enterprise=300e3), "kind")
    ' (cap_per_enterprise 300,000, pool smes, share 0.3, paid_to platform, paid_at acceptance)'
    >>> _terms(Upfront(), "scheme")
    ''
    """

    def shown(value: Any) -> str:
        if isinstance(value, tuple):
            return f"({', '.join(shown(v) for v in value)})"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:g}" if isinstance(value, float) else str(value)

    terms = [
        f"{name} {shown(value)}" for name, value in model.model_dump().items() if name != tag and value is not None
    ]
    return f" ({', '.join(terms)})" if terms else ""


def next_batch(
    opens: Sequence[float] | NDArray[np.float64], closes: Sequence[float] | NDArray[np.float64], batch: int, now: float
) -> int | None:
    """The batch that inherits ``batch``'s uncommitted money under rollover, or None (it lapses).

    The first to open at or after ``batch`` closes among those still open or
    to come at ``now`` (months since the start); the model asks at the close.

    Examples
    --------
    >>> next_batch([0.0, 12.0, 24.0], [12.0, 24.0, 36.0], 0, 12.0), next_batch([0.0], [12.0], 0, 12.0)
    (1, None)
    """
    later = [k for k, lo in enumerate(opens) if lo >= closes[batch] and closes[k] > now]
    return min(later, key=lambda k: opens[k]) if later else None


def scenario_from_dict(
    data: Mapping[str, Any], *, source: str = "<dict>", origins: Origins | None = None, from_results: bool = False
) -> Scenario:
    """Validate plain data (as read from TOML) into a :class:`Scenario`.

    Parameters
    ----------
    data : mapping
        The scenario's tables, as :meth:`Scenario.to_dict` gives them.
    source : str
        Where the data came from, at the start of each error line.
    origins : Origins, optional
        Where parts of the data were written, when not in ``source`` (a file
        it extends, an industries CSV): their problems name that file.
    from_results : bool
        The data is a scenario stored in a results file: validated as any
        other, except the ranges of its ``[uncertain]`` distributions
        (:attr:`Scenario.from_results`), so that files of older versions open.

    Raises
    ------
    ScenarioError
        One line per problem, naming ``source``, the field path and the value.
    """
    try:
        return Scenario.model_validate(data, context={FROM_RESULTS: from_results})
    except ValidationError as err:
        raise ScenarioError.from_validation(err, source, UNION_TAGS, data, origins) from None


def _given(model: Frozen) -> dict[str, Any]:
    """A model's fields that are not None."""
    return {k: v for k, v in model if v is not None}


def _drop_none(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _drop_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list | tuple):
        return [_drop_none(v) for v in x]
    return x
