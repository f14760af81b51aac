"""What a platform's quality and experience do to a project: its true failure probability and its gain.

MODEL.md "Enterprises weigh every cost": realised benefit and failure depend
on the chosen platform.  A platform of quality ``Q`` (a keyed draw per
platform, median about 1) with experience ``n`` (deployments, its own plus the
spillover of others', :class:`~dxsim.model.platform.Platforms`) fails a
project with probability

    pi(Q, n) = min(1, pi_0 x (n + 1) ** log2(r) / Q),

``pi_0`` the solution's ``failure_probability`` and ``r`` its
``failure_learning_ratio`` (each doubling of experience multiplies the
failure probability by ``r``, like Wright's law for costs), and a working
project yields ``Q`` times the enterprise's potential gain.  Enterprises
choose platforms on quality (:class:`~dxsim.model.demand.Demand`) but count on
their own potential gain and their perceived failure probability
(:mod:`dxsim.model.information`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["failure_probability", "learned_failure_probability", "realised_share"]


def failure_probability(base: float, quality: float, experience: float, ratio: float) -> float:
    """True failure probability of a platform's next project (see the module docstring).

    On Python floats: it is evaluated once per project, as the project starts.

    Parameters
    ----------
    base : float
        The solution's failure probability pi_0 (0-1).
    quality : float
        The platform's quality Q (a quality <= 0 fails every project).
    experience : float
        The platform's experience n >= 0 before this project, deployments.
    ratio : float
        The solution's failure learning ratio r in (0, 1].

    Examples
    --------
    >>> [round(failure_probability(0.1, 1.0, n, 0.9), 4) for n in (0.0, 1.0, 3.0)]
    [0.1, 0.09, 0.081]
    >>> failure_probability(0.1, 0.5, 0.0, 0.9)
    0.2
    """
    return learned_failure_probability(base, quality, experience, math.log2(ratio))


def learned_failure_probability(base: float, quality: float, experience: float, exponent: float) -> float:
    """:func:`failure_probability` with the learning ratio r given as its exponent ``log2(r)``.

    A project's start calls this with the exponent of its solution's ratio
    computed once per replication: the same ``math.log2`` of the same
    float, so the same probability, without a logarithm per project.

    Parameters
    ----------
    base, quality, experience : float
        As :func:`failure_probability`'s (a probability 0-1, a quality,
        deployments).
    exponent : float
        ``log2(r)`` of the solution's failure learning ratio r in (0, 1] (<= 0).

    Examples
    --------
    >>> learned_failure_probability(0.1, 1.0, 1.0, -1.0)
    0.05
    """
    if quality <= 0.0:  # float with float: a comparison CPython 3.11 specialises (float with int it does not)
        return 1.0
    pi = base * (experience + 1.0) ** exponent / quality
    return pi if pi < 1.0 else 1.0  # min(1.0, pi) without a call (NaN: 1.0 as min gives)


def realised_share(quality: ArrayLike) -> NDArray[np.float64]:
    """Share of its potential gain a working project yields with a platform of ``quality`` (never negative).

    Examples
    --------
    >>> realised_share([1.1, -0.2]).tolist()
    [1.1, 0.0]
    """
    return np.asarray(np.clip(np.asarray(quality, dtype=np.float64), 0.0, None))
