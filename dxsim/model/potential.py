"""The market potential of each sub-industry: the enterprises for which adoption is worth considering.

MODEL.md "Diffusion that can be identified": the Bass hazard acts on adoption
among the market potential m_i, not among all N_i enterprises.  An
enterprise is in the market potential when the gain it could expect over the
solution's lifetime covers what the project costs it at the list price,
without programme money:

    (1 - pi_0) x R / 12 x b x L  >=  price x (1 + c_share) + c_fixed,

with R its revenue (yuan / year), b its potential benefit (share of revenue
/ year, at its starting maturity), L the lifetime (months), pi_0 the
solution's failure probability, and c its complementary internal costs
(:class:`~dxsim.scenario.schema.Industry`).  This is a screen (undiscounted,
before tax and liquidity), not the decision: most of the potential still
need the decision's hurdle rate and payback to be met.

m_i = max(1, N_i x share_i), the share measured on the industry's first
``SAMPLE`` enterprises: their keyed attributes are an independent sample
(attributes depend on the seed and the id only), so m_i is the same in two
scenarios with the same market, whatever their programmes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dxsim.model.parameters import IndustryParameters
from dxsim.model.population import Population

__all__ = ["SAMPLE", "market_potential"]

#: Enterprises per industry whose attributes measure its market potential.
SAMPLE = 2048


def market_potential(
    population: Population, industry: IndustryParameters, list_price: NDArray[np.float64]
) -> NDArray[np.float64]:
    """m_i of every industry (enterprises, at least 1; see the module docstring).

    Parameters
    ----------
    population : Population
        The enterprises (sizes, keyed attributes).
    industry : IndustryParameters
        Failure probabilities, lifetimes and internal costs per industry.
    list_price : array
        The solution's list price in each industry, yuan.
    """
    size = population.size
    take = np.minimum(size, SAMPLE)
    ind = np.repeat(np.arange(len(size)), take)
    ids = np.concatenate([population.offset[i] + np.arange(k) for i, k in enumerate(take.tolist())])
    att = population.columns(("revenue", "benefit"), ids, ind)
    expected = (1.0 - industry.failure[ind]) * att["revenue"] / 12.0 * att["benefit"] * industry.lifetime[ind]
    cost = list_price[ind] + industry.internal_cost(ind, list_price[ind])
    share = np.bincount(ind, weights=(expected >= cost).astype(np.float64), minlength=len(size)) / take
    return np.asarray(np.maximum(share * size, 1.0))
