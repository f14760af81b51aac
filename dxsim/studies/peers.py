"""Peer effects as a study: run a scenario again without imitation and demonstration, and compare.

:func:`peer_speedup` makes the run without peer effects
(:func:`dxsim.scenario.variants.without_peer_effects`) through
:func:`dxsim.experiment.simulate.simulate`, so ``workers`` and ``executor``
apply, and hands both runs to :func:`dxsim.analysis.peers.speedup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import xarray as xr

from dxsim.analysis.peers import replications_to_compare, speedup
from dxsim.analysis.sweeps import one_point
from dxsim.experiment.simulate import simulate
from dxsim.results.provenance import scenario_of
from dxsim.scenario.variants import without_peer_effects

__all__ = ["peer_speedup"]


def peer_speedup(
    ds: xr.Dataset,
    *,
    replications: Sequence[int] | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = False,
) -> pd.DataFrame:
    """Adoption speed-up from peer effects: the run against itself without imitation and demonstration.

    The scenario of ``ds`` (:func:`dxsim.scenario_of`: for one point of a
    sweep, the point's own) is run again with every industry's ``imitation``
    (Bass q) and ``demonstration`` (lighthouse weight w) set to 0, on the
    same seed (common random numbers); everything else, including what
    enterprises learn from the outcomes in their sub-industry (perceived
    failure and perceived benefit, :mod:`dxsim.model.information`), is
    unchanged.  The comparison is :func:`dxsim.analysis.peers.speedup`.

    Parameters
    ----------
    ds : xarray.Dataset
        A run (or one point of a sweep).
    replications : sequence of int, optional
        Replication numbers to compare (default: all of ``ds``).  The run
        without peer effects runs replications ``0 .. max(replications)``.
    workers, executor : optional
        As in :func:`dxsim.simulate`: where the runs without peer effects run.
    progress : bool, optional
        Show a progress bar of those runs (default: no).

    Returns
    -------
    pandas.DataFrame
        Index ``replication``; columns ``target`` (enterprises), ``months``,
        ``months_without`` (months since the start), ``speedup`` (1),
        ``adopters``, ``adopters_without`` and ``peer_adopters``
        (enterprises with a first contract; renewals are no adoptions): see
        :func:`dxsim.analysis.peers.speedup`.

    Raises
    ------
    ValueError
        Without the scenario and the seed in the attrs, or for a replication
        not in ``ds``, before anything runs.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=1, seed=1)
    >>> bool(peer_speedup(ds).loc[0, "speedup"] > 1)
    True
    """
    ds = one_point(ds, "peer_speedup")
    if "scenario" not in ds.attrs or "seed" not in ds.attrs:
        raise ValueError("peer_speedup needs the scenario and the seed in the Dataset's attrs (a dxsim run)")
    reps = replications_to_compare(ds, replications)
    alone = without_peer_effects(scenario_of(ds))
    seed = int(ds.attrs["seed"])
    other = simulate(alone, max(reps) + 1, seed, workers=workers, executor=executor, progress=progress)
    return speedup(ds, other, replications=reps)
