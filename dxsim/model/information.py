"""What enterprises learn from the outcomes around them: perceived failure and perceived benefit.

MODEL.md "Diffusion that can be identified": peers and lighthouses carry
information, not only timing.  Every enterprise of sub-industry i sees the
same evidence at time t: S_i projects assessed as working, F_i assessed as
failed, and L_i designated lighthouses, each counting as ``w`` working
projects (``behaviour.lighthouse_evidence``).

Perceived failure probability: a Beta prior with mean pi_0
(``perceived_failure.initial``) and weight n0 observations
(``perceived_failure.prior_strength``), updated by the binomial evidence
(the posterior mean of a Beta-Binomial model):

    pi_i = (pi_0 n0 + F_i) / (n0 + S_i + w L_i + F_i),

which tends to the observed failure rate as evidence accumulates.

Perceived benefit: an enterprise counts on the share kappa of its own
potential gain, rising from kappa_0 (``perceived_benefit.initial``) towards 1
as it sees working projects, with the same prior weight:

    kappa_i = 1 - (1 - kappa_0) n0 / (n0 + S_i + w L_i).

Both are pure functions of the counts, so two scenarios that share their
history share their beliefs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dxsim.scenario.schema import Behaviour

__all__ = ["Beliefs", "Evidence", "perceived_benefit_share", "perceived_failure"]


def perceived_failure(
    initial: float, prior_strength: float, working: NDArray[np.float64], failed: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Posterior mean failure probability after ``working`` and ``failed`` observations (see the module).

    Examples
    --------
    >>> perceived_failure(0.4, 10.0, np.array([0.0, 90.0]), np.array([0.0, 10.0])).tolist()
    [0.4, 0.12727272727272726]
    """
    return np.asarray((initial * prior_strength + failed) / (prior_strength + working + failed))


def perceived_benefit_share(initial: float, prior_strength: float, working: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share of its potential gain an enterprise counts on after ``working`` observed successes.

    Examples
    --------
    >>> perceived_benefit_share(0.7, 10.0, np.array([0.0, 10.0, 1e9])).round(6).tolist()
    [0.7, 0.85, 1.0]
    """
    return np.asarray(1.0 - (1.0 - initial) * prior_strength / (prior_strength + working))


@dataclass
class Evidence:
    """Outcomes each sub-industry has seen so far (counts, arrays indexed by industry)."""

    working: NDArray[np.float64]
    failed: NDArray[np.float64]
    lighthouses: NDArray[np.float64]

    @classmethod
    def none(cls, industries: int) -> Evidence:
        """No evidence yet in ``industries`` sub-industries."""
        return cls(np.zeros(industries), np.zeros(industries), np.zeros(industries))

    def assessed(self, industry: NDArray[np.int64], works: NDArray[np.bool_]) -> None:
        """Projects of ``industry`` (one entry each) were assessed: each works or failed."""
        self.working += np.bincount(industry[works], minlength=len(self.working))
        self.failed += np.bincount(industry[~works], minlength=len(self.failed))

    def designated(self, industry: int) -> None:
        """A lighthouse of ``industry`` was designated."""
        self.lighthouses[industry] += 1.0


@dataclass(frozen=True)
class Beliefs:
    """The evidence each sub-industry has seen, and the rules (read once from the scenario) that make it beliefs."""

    evidence: Evidence
    failure_prior: float
    benefit_prior: float
    prior_strength: float
    lighthouse_weight: float

    @classmethod
    def of(cls, behaviour: Behaviour, evidence: Evidence) -> Beliefs:
        """The beliefs of ``behaviour`` about ``evidence`` (updated in place as outcomes come in)."""
        return cls(
            evidence=evidence,
            failure_prior=behaviour.perceived_failure.initial,
            benefit_prior=behaviour.perceived_benefit.initial,
            prior_strength=behaviour.perceived_failure.prior_strength,
            lighthouse_weight=behaviour.lighthouse_evidence,
        )

    def _working(self) -> NDArray[np.float64]:
        """Working projects seen in each sub-industry, lighthouses weighted."""
        e = self.evidence
        return np.asarray(e.working + self.lighthouse_weight * e.lighthouses)

    def failure(self, industry: NDArray[np.int64]) -> NDArray[np.float64]:
        """Perceived failure probability of enterprises of ``industry`` now.

        Computed per sub-industry, then gathered for the enterprises: the
        same floats as computed enterprise by enterprise, fewer of them.
        """
        each = perceived_failure(self.failure_prior, self.prior_strength, self._working(), self.evidence.failed)
        return np.asarray(each[industry])

    def benefit_share(self, industry: NDArray[np.int64]) -> NDArray[np.float64]:
        """Share of their potential gain enterprises of ``industry`` count on now (per sub-industry, gathered)."""
        return np.asarray(perceived_benefit_share(self.benefit_prior, self.prior_strength, self._working())[industry])
