"""Peer effects: how much imitation and demonstration speed adoption up, from two runs given.

:func:`speedup` compares a run with a run of the same scenario without peer
effects (:func:`dxsim.scenario.variants.without_peer_effects`) on the same
seed (common random numbers).  It counts adopters, enterprises signing
their first contract (the Dataset's ``adopters``): a renewal at the end of
a solution's lifetime is no adoption.  It runs nothing:
:func:`dxsim.studies.peers.peer_speedup` makes the run without peer effects
and calls it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.sweeps import one_point
from dxsim.results.schema import require

__all__ = ["replications_to_compare", "speedup"]


def _kth(signed: NDArray[np.float64], k: int) -> float:
    """Time of the k-th adoption (1-based); inf if fewer were."""
    times = np.sort(signed[~np.isnan(signed)])
    return float(times[k - 1]) if 0 < k <= len(times) else math.inf


def _row(with_: NDArray[np.float64], without: NDArray[np.float64]) -> dict[str, float | int]:
    """The comparison of one replication (the adoption times, :func:`_adoptions`, with and without peer effects)."""
    n_with, n_without = int((~np.isnan(with_)).sum()), int((~np.isnan(without)).sum())
    k = math.ceil(min(n_with, n_without) / 2)
    t_with, t_without = (_kth(with_, k), _kth(without, k)) if k else (math.nan, math.nan)
    if not k:
        speed = math.nan
    elif t_with > 0:
        speed = t_without / t_with
    else:
        speed = 1.0 if t_without == t_with else math.inf
    return {
        "target": k,
        "months": t_with,
        "months_without": t_without,
        "speedup": speed,
        "adopters": float(n_with),
        "adopters_without": float(n_without),
        "peer_adopters": float(n_with - n_without),
    }


#: What :func:`speedup` reads of each run.
_NEEDS = ("signed_month", "renewal_flag")


def _adoptions(ds: xr.Dataset, replication: int) -> NDArray[np.float64]:
    """Signing times (months) of the first contracts of ``replication``; NaN for renewals and padding."""
    run = ds.sel(replication=replication)
    return np.where(run["renewal_flag"].values == 0, np.asarray(run["signed_month"].values, dtype=np.float64), np.nan)


def replications_to_compare(ds: xr.Dataset, replications: Sequence[int] | None = None) -> list[int]:
    """The replication numbers :func:`speedup` compares: ``replications``, or all of ``ds``.

    Raises
    ------
    ValueError
        If none is given or one is not in ``ds``.

    Examples
    --------
    >>> ds = xr.Dataset(coords={"replication": [0, 1, 2]})
    >>> replications_to_compare(ds), replications_to_compare(ds, [2])
    ([0, 1, 2], [2])
    >>> replications_to_compare(ds, [3])
    Traceback (most recent call last):
    ValueError: replications [3] are not in the Dataset
    """
    reps = [int(r) for r in (ds["replication"].values if replications is None else replications)]
    missing = sorted(set(reps) - {int(r) for r in ds["replication"].values})
    if missing or not reps:
        raise ValueError(f"replications {missing or reps} are not in the Dataset")
    return reps


def speedup(
    with_peers: xr.Dataset, without_peers: xr.Dataset, *, replications: Sequence[int] | None = None
) -> pd.DataFrame:
    """Adoption speed-up from peer effects: a run against the same scenario without them, on the same seed.

    The speed-up compares the time both runs take to reach the same number
    of adopters, ``target``: half of the smaller of their final adopters
    (both reach it within the horizon, so the ratio is finite; with peer
    effects that raise adoption, it is half of what adoption reaches without
    them).  Adopters are enterprises signing their first contract
    (``signed_month`` of the contracts with ``renewal_flag`` 0, as the
    Dataset's ``adopters`` counts them): renewals at the end of a solution's
    lifetime are left out.

    Parameters
    ----------
    with_peers : xarray.Dataset
        A run (or one point of a sweep).
    without_peers : xarray.Dataset
        The run of the same scenario with every industry's ``imitation``
        and ``demonstration`` set to 0, on the same seed, holding at least
        the replications compared.
    replications : sequence of int, optional
        Replication numbers to compare (default: all of ``with_peers``).

    Returns
    -------
    pandas.DataFrame
        Index ``replication``; columns:

        - ``target`` -- enterprises: ceil(min(adopters, adopters_without) / 2);
        - ``months``, ``months_without`` -- months since the start until the
          target-th enterprise signed its first contract, with and without
          peer effects;
        - ``speedup`` -- 1: months_without / months (> 1: peers bring
          adoption forward; NaN when a run has no adopter);
        - ``adopters``, ``adopters_without`` -- enterprises that signed a
          first contract by the horizon with and without peer effects (the
          Dataset's ``adopters`` at its last month, summed over industries);
        - ``peer_adopters`` -- enterprises: adopters - adopters_without.

    Raises
    ------
    ValueError
        If a replication is missing from either run, the runs are on
        different seeds, or a run lacks ``signed_month`` or ``renewal_flag``.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 12}), replications=1, seed=1)
    >>> speedup(ds, ds).loc[0, ["speedup", "peer_adopters"]].tolist()
    [1.0, 0.0]
    """
    with_peers = one_point(with_peers, "peer_speedup")
    without_peers = one_point(without_peers, "peer_speedup")
    require(with_peers, _NEEDS, what="the run with peer effects")
    require(without_peers, _NEEDS, what="the run without peer effects")
    seeds = (with_peers.attrs.get("seed"), without_peers.attrs.get("seed"))
    if seeds[0] != seeds[1]:
        raise ValueError(f"the speed-up compares two runs on the same seed (common random numbers): {seeds}")
    reps = replications_to_compare(with_peers, replications)
    absent = sorted(set(reps) - {int(r) for r in without_peers["replication"].values})
    if absent:
        raise ValueError(f"replications {absent} are not in the run without peer effects")
    rows = []
    for r in reps:
        rows.append({"replication": r, **_row(_adoptions(with_peers, r), _adoptions(without_peers, r))})
    return pd.DataFrame(rows).set_index("replication")
