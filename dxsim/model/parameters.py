"""The scenario's numbers a replication reads at every step, compiled once per replication.

Pure: plain numpy arrays (indexed by industry) and floats read from a
validated :class:`~dxsim.scenario.schema.Scenario`, so that the engine does
not walk the scenario's models in its inner loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from dxsim.model.schemes import fixed_months, is_deferred
from dxsim.model.tax import TaxLaw
from dxsim.scenario.schema import PaymentScheme, Scenario

__all__ = ["ContractRules", "IndustryParameters", "internal_cost"]

_Yuan = TypeVar("_Yuan", float, NDArray[np.float64])


def internal_cost(share: _Yuan, fixed: _Yuan, price: _Yuan) -> _Yuan:
    """Complementary internal costs of a project (staff time, ...): ``share`` x ``price`` + ``fixed``, yuan.

    The one formula the decision (on arrays) and the contract's ledger entry
    (one contract, as floats) both use.

    Examples
    --------
    >>> internal_cost(0.1, 20e3, 300e3)
    50000.0
    """
    return share * price + fixed


@dataclass(frozen=True)
class IndustryParameters:
    """Per-industry numbers of one replication (arrays indexed by industry).

    Attributes
    ----------
    innovation, imitation, demonstration : array
        Bass coefficients: external influence, and the influence of
        enterprises in use and of lighthouses (1 / month).
    ramp : array
        Ramp-up of the gain after go-live, months.
    lifetime : array
        Lifetime of the solution after go-live, months.
    lifetime_months : list of float
        ``lifetime`` as Python floats (read one contract at a time).
    subscription : array
        The solution's subscription fee, yuan / month.
    mean_implementation : array
        Mean implementation time (at least 0), months.
    mean_maturity_gain : array
        Mean maturity gain of a successful project (at least 0), score points.
    failure, failure_learning_ratio : array
        The solution's failure probability pi_0 and its learning ratio
        (:mod:`dxsim.model.quality`).
    internal_share, internal_fixed : array
        Complementary internal costs: share of the price, and yuan.
    """

    innovation: NDArray[np.float64]
    imitation: NDArray[np.float64]
    demonstration: NDArray[np.float64]
    ramp: NDArray[np.float64]
    lifetime: NDArray[np.float64]
    lifetime_months: list[Any]
    subscription: NDArray[np.float64]
    mean_implementation: NDArray[np.float64]
    mean_maturity_gain: NDArray[np.float64]
    failure: NDArray[np.float64]
    failure_learning_ratio: NDArray[np.float64]
    internal_share: NDArray[np.float64]
    internal_fixed: NDArray[np.float64]

    @classmethod
    def of(cls, scenario: Scenario) -> IndustryParameters:
        """The per-industry numbers of ``scenario``."""
        industries = scenario.resolved_industries
        sols = [scenario.solutions[ind.solution] for ind in industries]
        lifetime = np.array([s.lifetime_months for s in sols])
        return cls(
            innovation=np.array([ind.innovation for ind in industries]),
            imitation=np.array([ind.imitation for ind in industries]),
            demonstration=np.array([ind.demonstration for ind in industries]),
            ramp=np.array([s.ramp_months for s in sols]),
            lifetime=lifetime,
            lifetime_months=lifetime.tolist(),
            subscription=np.array([s.subscription for s in sols]),
            mean_implementation=np.array([max(s.implementation_months.mean, 0.0) for s in sols]),
            mean_maturity_gain=np.array([max(s.maturity_gain.mean, 0.0) for s in sols]),
            failure=np.array([s.failure_probability for s in sols]),
            failure_learning_ratio=np.array([s.failure_learning_ratio for s in sols]),
            internal_share=np.array([ind.internal_cost_share for ind in industries]),
            internal_fixed=np.array([ind.internal_cost_fixed for ind in industries]),
        )

    def internal_cost(self, industry: NDArray[np.int64], price: NDArray[np.float64]) -> NDArray[np.float64]:
        """Complementary internal costs of projects quoted ``price`` (yuan) in ``industry``, yuan."""
        return np.asarray(internal_cost(self.internal_share[industry], self.internal_fixed[industry], price))


@dataclass(frozen=True)
class ContractRules:
    """The rules a contract is signed, paid, taxed and assessed under (shares, months, levels).

    Attributes
    ----------
    discount : float
        The platform's discount, share of the price.
    discount_contingent : bool
        The discount is given only on contracts that receive programme money
        (:meth:`discount_share`).
    scheme : PaymentScheme
        How the enterprise pays the platform.
    deferred : bool
        True when part of the enterprise's payment comes after signing
        (receivables arise, working capital binds).
    fixed_months : int
        Months the fixed part of the scheme spans from the signing month.
    tax : TaxLaw
        The tax law (income tax by class, VAT).
    acceptance_delay : float
        Months from go-live to the acceptance assessment.
    acceptance_level, lighthouse_level : int
        Maturity levels (1-4) to pass acceptance and to become a lighthouse.
    when_budget_exhausted : {"unsubsidised", "wait", "reject"}
        What an applicant meets when the budget cannot cover what it counted on.
    allocation : {"arrival", "score", "lottery"}
        The order in which a batch serves the month's applicants that count on its money.
    """

    discount: float
    discount_contingent: bool
    scheme: PaymentScheme
    deferred: bool
    fixed_months: int
    tax: TaxLaw
    acceptance_delay: float
    acceptance_level: int
    lighthouse_level: int
    when_budget_exhausted: Literal["unsubsidised", "wait", "reject"]
    allocation: Literal["arrival", "score", "lottery"]

    @classmethod
    def of(cls, scenario: Scenario) -> ContractRules:
        """The contract rules of ``scenario``."""
        programme = scenario.programme
        scheme = scenario.contract.payment
        return cls(
            discount=scenario.contract.platform_discount,
            discount_contingent=scenario.contract.platform_discount_contingent,
            scheme=scheme,
            deferred=is_deferred(scheme),
            fixed_months=fixed_months(scheme),
            tax=TaxLaw.of(scenario),
            acceptance_delay=float(programme.acceptance.delay_months),
            acceptance_level=programme.acceptance.min_level,
            lighthouse_level=programme.lighthouse.min_level,
            when_budget_exhausted=programme.when_budget_exhausted,
            allocation=programme.allocation,
        )

    @overload
    def discount_share(self, funded: bool) -> float: ...

    @overload
    def discount_share(self, funded: NDArray[np.bool_]) -> NDArray[np.float64]: ...

    def discount_share(self, funded: bool | NDArray[np.bool_]) -> float | NDArray[np.float64]:
        """The platform's discount (share of the price) on contracts ``funded`` by programme money or not.

        A programme-contingent discount is given only while the platform
        receives programme money for the contract: 0 where ``funded`` is
        false; a discount that is not contingent is always given.  A float
        for one contract (a bool), an array for an array.

        Examples
        --------
        >>> from dxsim.scenario import load_scenario
        >>> rules = ContractRules.of(load_scenario("small"))
        >>> rules.discount, rules.discount_share(np.array([True, False])).tolist(), rules.discount_share(False)
        (0.1, [0.1, 0.0], 0.0)
        """
        if isinstance(funded, bool):
            return self.discount if funded or not self.discount_contingent else 0.0
        return np.where(funded | (not self.discount_contingent), self.discount, 0.0)
