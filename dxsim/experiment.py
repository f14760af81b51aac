"""Running experiments: replications of a scenario, reproducible from one seed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from tqdm.auto import tqdm

from dxsim.model.population import Population
from dxsim.model.world import RunResult, run_replication
from dxsim.output import build_dataset
from dxsim.random import Keys, replication_key
from dxsim.scenario.load import load_scenario
from dxsim.scenario.schema import Scenario

__all__ = ["enterprises", "simulate"]


def _as_scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def simulate(
    scenario: Scenario | str | Path,
    replications: int = 1,
    seed: int | None = None,
    *,
    progress: bool | None = None,
) -> xr.Dataset:
    """Run ``replications`` replications of a scenario.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario, a bundled scenario's name or a TOML path.
    replications : int
        Number of replications (>= 1).
    seed : int, optional
        Replication ``k`` uses the ``k``-th child of
        ``numpy.random.SeedSequence(seed)``; defaults to the scenario's
        ``seed`` (or 0).
    progress : bool, optional
        Show a progress bar (a widget in Jupyter); by default only when
        standard error is a terminal and there is more than one replication.

    Returns
    -------
    xarray.Dataset
        The output Dataset (see ``dxsim.output.VARIABLES``).

    Examples
    --------
    >>> ds = simulate("small", replications=2, seed=1)
    >>> ds.sizes["replication"]
    2
    """
    sc = _as_scenario(scenario)
    if replications < 1:
        raise ValueError(f"replications(={replications}) must be >= 1.")
    seed = int(sc.seed if seed is None and sc.seed is not None else (seed or 0))
    show = (sys.stderr.isatty() and replications > 1) if progress is None else progress
    runs: list[RunResult] = []
    for k in tqdm(range(replications), desc=sc.name, unit="rep", disable=not show):
        runs.append(run_replication(sc, replication_key(seed, k)))
    return build_dataset(sc, runs, seed=seed)


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
        ``revenue`` (yuan / year), ``benefit`` (share of revenue / year),
        ``hurdle_rate`` (1 / year), ``max_payback`` (months), ``liquidity``
        (yuan), ``maturity`` (score), ``fails`` (bool).

    Examples
    --------
    >>> df = enterprises("small", seed=1)
    >>> len(df), sorted(df["industry"].unique())
    (400, ['machining', 'textiles'])
    """
    sc = _as_scenario(scenario)
    seed = int(sc.seed if seed is None and sc.seed is not None else (seed or 0))
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
            "fails": att.fails,
        },
        index=pd.Index(ids, name="enterprise"),
    )
    return frame
