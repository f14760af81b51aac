"""The keyed attributes of a whole population, as one replication draws them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dxsim.experiment.simulate import as_scenario, resolve_seed
from dxsim.model.population import Population
from dxsim.random import Keys, replication_key
from dxsim.scenario.schema import Scenario

__all__ = ["enterprises"]


def enterprises(scenario: Scenario | str | Path, seed: int | None = None, replication: int = 0) -> pd.DataFrame:
    """The keyed attributes of every enterprise in scope, as one replication draws them.

    Attributes are a pure function of the seed, the replication and the
    enterprise id, so these are exactly the values any adopter of
    ``simulate(scenario, seed=seed)`` has in replication ``replication``
    (its ``adopter_revenue``, ``adopter_liquidity``, ``adopter_hurdle_rate``).
    Use it for population quantiles, e.g. liquidity quartiles.

    Returns
    -------
    pandas.DataFrame
        One row per enterprise (index ``enterprise``): ``industry`` (name),
        ``revenue`` (yuan / year), ``benefit`` (potential gain at its
        starting maturity, share of revenue / year), ``hurdle_rate`` (1 /
        year), ``max_payback`` (months), ``liquidity`` (yuan), ``maturity``
        (score), ``failure_draw`` (a keyed uniform: its project fails when
        the draw is below its platform's failure probability at the time,
        :func:`dxsim.model.quality.failure_probability`), and the tax
        position: ``margin`` (base profit as a share of revenue: the base
        annual profit is revenue x margin) and ``high_tech`` (bool).

    Examples
    --------
    >>> df = enterprises("small", seed=1)
    >>> len(df), sorted(df["industry"].unique())
    (400, ['machining', 'textiles'])
    >>> bool((df["revenue"] * df["margin"]).median() > 0)  # base annual profit, yuan / year
    True
    """
    sc = as_scenario(scenario)
    seed = resolve_seed(sc, seed)
    pop = Population(sc.resolved_industries, sc.solutions, sc.behaviour, Keys(replication_key(seed, replication)))
    ids = np.arange(sc.enterprises)
    industry = pop.industry_of(ids)
    att = pop.attributes(ids, industry)
    names = np.array([i.name for i in sc.resolved_industries])
    frame = pd.DataFrame(
        {
            "industry": names[industry],
            "revenue": att.revenue,
            "benefit": att.benefit,
            "hurdle_rate": att.hurdle_rate,
            "max_payback": att.max_payback,
            "liquidity": att.liquidity,
            "maturity": att.maturity,
            "failure_draw": att.failure_draw,
            "margin": att.margin,
            "high_tech": att.high_tech,
        },
        index=pd.Index(ids, name="enterprise"),
    )
    return frame
