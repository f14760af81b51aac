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

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["failure_probability", "realised_share"]


def failure_probability(
    base: ArrayLike, quality: ArrayLike, experience: ArrayLike, ratio: ArrayLike
) -> NDArray[np.float64]:
    """True failure probability of a platform's next project (see the module docstring).

    Parameters
    ----------
    base : array_like
        The solution's failure probability pi_0 (0-1).
    quality : array_like
        The platform's quality Q (a quality <= 0 fails every project).
    experience : array_like
        The platform's experience n >= 0 before this project, deployments.
    ratio : array_like
        The solution's failure learning ratio r in (0, 1].

    Examples
    --------
    >>> failure_probability(0.1, 1.0, [0.0, 1.0, 3.0], 0.9).round(4).tolist()
    [0.1, 0.09, 0.081]
    >>> float(failure_probability(0.1, 0.5, 0.0, 0.9))
    0.2
    """
    q = np.asarray(quality, dtype=np.float64)
    learned = np.asarray(base, dtype=np.float64) * (np.asarray(experience, dtype=np.float64) + 1.0) ** np.log2(ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = np.where(q > 0, learned / np.where(q > 0, q, 1.0), 1.0)
    return np.asarray(np.clip(pi, 0.0, 1.0))


def realised_share(quality: ArrayLike) -> NDArray[np.float64]:
    """Share of its potential gain a working project yields with a platform of ``quality`` (never negative).

    Examples
    --------
    >>> realised_share([1.1, -0.2]).tolist()
    [1.1, 0.0]
    """
    return np.asarray(np.clip(np.asarray(quality, dtype=np.float64), 0.0, None))
