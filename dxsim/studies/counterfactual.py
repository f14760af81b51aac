"""The counterfactual of a run, run on its seed, and the additionality it gives (MODEL.md questions 1 and 4).

A programme run's counterfactual is its own scenario (:func:`dxsim.results.provenance.scenario_of`,
a sweep point's own scenario for a point) without the programme
(:func:`dxsim.scenario.variants.counterfactual`), run on the run's seed for its
replications through :func:`dxsim.experiment.simulate.simulate`, so ``workers=``
and ``executor=`` apply.  A run made with ``dx.simulate(..., counterfactual=True)``
holds its counterfactual (:func:`dxsim.results.pairing.counterfactual_of`), which
is used instead: nothing runs.  The estimators themselves are
:mod:`dxsim.analysis.additionality`'s; this module only supplies the
counterfactual run when the caller has none.

* :func:`counterfactual_run` -- the counterfactual run of a programme run.
* :func:`counterfactual_for` -- the given, the stored, or else a fresh counterfactual run.
* :func:`additionality` -- per replication, against the given, stored or run counterfactual.
* :func:`additionality_by_enterprise` -- one replication, enterprise by enterprise.

Return convention: xarray per replication, pandas for tables people read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from dxsim.analysis import additionality as estimators
from dxsim.experiment.simulate import simulate
from dxsim.results.pairing import counterfactual_of
from dxsim.results.provenance import scenario_of
from dxsim.scenario.variants import counterfactual

__all__ = ["additionality", "additionality_by_enterprise", "counterfactual_for", "counterfactual_run"]


def counterfactual_run(
    ds: xr.Dataset, *, workers: int = 1, executor: Any = None, progress: bool | None = False
) -> xr.Dataset:
    """The counterfactual of a programme run: its scenario without public money, on its seed and replications.

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (or one point of a sweep): its scenario comes from
        :func:`dxsim.results.provenance.scenario_of`, its seed from ``ds.attrs["seed"]``.
    workers, executor, progress
        As in :func:`dxsim.simulate`.

    Returns
    -------
    xarray.Dataset
        The run of :func:`dxsim.scenario.variants.counterfactual` of the run's
        scenario on its seed, with the replications of ``ds`` (replications
        0 to the largest of ``ds`` are run, the others dropped).

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> cf = counterfactual_run(dx.simulate(sc, replications=2, seed=1).isel(replication=[1]))
    >>> cf["replication"].values.tolist(), float(cf["public_money"].sum())
    ([1], 0.0)
    """
    reps = np.asarray(ds["replication"].values, dtype=np.int64)
    needed = int(reps.max()) + 1 if len(reps) else 1
    cf = simulate(
        counterfactual(scenario_of(ds)),
        replications=needed,
        seed=int(ds.attrs["seed"]),
        workers=workers,
        executor=executor,
        progress=progress,
    )
    return cf if np.array_equal(reps, np.arange(needed)) else cf.sel(replication=reps)


def counterfactual_for(
    ds: xr.Dataset,
    cf: xr.Dataset | None = None,
    *,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> xr.Dataset:
    """The counterfactual to compare ``ds`` with: ``cf`` if given, else the one ``ds`` holds, else a fresh run.

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (or one point of a sweep).
    cf : xarray.Dataset, optional
        A counterfactual the caller already has.
    workers, executor, progress
        Where and how the counterfactual runs when it must
        (:func:`counterfactual_run`; a progress bar on a terminal by
        default): only when ``cf`` is None and ``ds`` holds none
        (:func:`dxsim.results.pairing.counterfactual_of`).

    Returns
    -------
    xarray.Dataset
        The counterfactual run (a stored one without its platform series:
        what :func:`dxsim.results.pairing.attach_counterfactual` keeps).

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 12})
    >>> paired = dx.simulate(sc, replications=2, seed=1, counterfactual=True)
    >>> stored = counterfactual_for(paired)  # nothing runs
    >>> stored["adopters"].identical(counterfactual_run(paired)["adopters"]), "queue_length" in stored
    (True, False)
    """
    if cf is not None:
        return cf
    stored = counterfactual_of(ds)
    if stored is not None:
        return stored
    return counterfactual_run(ds, workers=workers, executor=executor, progress=progress)


def additionality(
    ds: xr.Dataset,
    cf: xr.Dataset | None = None,
    *,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> xr.Dataset:
    """Additionality of a programme run against its counterfactual, per replication.

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (:func:`dxsim.simulate`), or one point of a sweep.
    cf : xarray.Dataset, optional
        Its counterfactual: the same market without the programme on the
        same seed, with (at least) the same replications.  If omitted, the
        one ``ds`` holds (``dx.simulate(..., counterfactual=True)``), else
        run with :func:`counterfactual_run` (the run's own scenario and
        seed).  If it spends public money itself, the public money here is
        net of it (the effect of one programme against another).
    workers, executor, progress
        Where and how the counterfactual runs, as in :func:`dxsim.simulate`
        (a progress bar on a terminal by default; unused when ``cf`` is given
        or stored).

    Returns
    -------
    xarray.Dataset
        :func:`dxsim.analysis.additionality.additionality` of ``ds`` and
        ``cf``: dimension ``replication``; the variables of
        :data:`dxsim.analysis.additionality.ADDITIONALITY`, each with
        ``units`` and ``long_name``.

    Raises
    ------
    ValueError
        When the two runs differ in seed, months or industries, or ``cf``
        lacks a replication of ``ds``.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> add = additionality(dx.simulate(sc, replications=2, seed=1))
    >>> bool(((0 <= add["free_rider_share_any_time"]) & (add["free_rider_share_any_time"] <= 1)).all())
    True
    """
    cf = counterfactual_for(ds, cf, workers=workers, executor=executor, progress=progress)
    return estimators.additionality(ds, cf)


def additionality_by_enterprise(
    ds: xr.Dataset, cf: xr.Dataset | None = None, replication: int = 0, *, workers: int = 1, executor: Any = None
) -> pd.DataFrame:
    """Enterprise by enterprise, in one replication: who adopted in which world.

    Parameters
    ----------
    ds, cf : xarray.Dataset
        A programme run and its counterfactual, as in :func:`additionality`
        (if ``cf`` is omitted and ``ds`` holds none, the counterfactual of
        replication ``replication`` is run).
    replication : int
        The replication (a value of the ``replication`` coordinate).
    workers, executor
        As in :func:`additionality`.

    Returns
    -------
    pandas.DataFrame
        :func:`dxsim.analysis.additionality.additionality_by_enterprise`: one
        row per enterprise that adopted in at least one world, its status
        (``"additional"``, ``"free rider"``, ``"displaced"``), signing months,
        acceptance and lighthouse flags in both worlds and its public money (yuan).
    """
    cf = counterfactual_for(ds.sel(replication=[replication]), cf, workers=workers, executor=executor)
    return estimators.additionality_by_enterprise(ds, cf, replication)
