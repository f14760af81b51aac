"""Every party's payback and the public appraisal of a run, against its counterfactual (docs/appraisal.md).

Both need the run's counterfactual (its scenario without the programme, on
its seed): the one the run holds when it was made with
``dx.simulate(..., counterfactual=True)``
(:func:`dxsim.results.pairing.counterfactual_of`), else a fresh run through
:func:`dxsim.studies.counterfactual.counterfactual_run` (with a progress bar,
on ``workers=`` or ``executor=``).  The estimators are
:mod:`dxsim.analysis.payback`'s and :mod:`dxsim.analysis.appraisal`'s.

* :func:`payback` -- one table: the enterprises', the platforms' and the
  government's payback for good, with intervals over replications.
* :func:`appraisal` -- per replication: fiscal and social accounts,
  additionality over time, net leverage, incidence.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import xarray as xr

from dxsim.analysis import appraisal as estimators
from dxsim.analysis.payback import payback_by_replication, payback_table
from dxsim.studies.counterfactual import counterfactual_for

__all__ = ["appraisal", "payback"]


def payback(
    ds: xr.Dataset,
    *,
    interval: float = 0.90,
    discounted: bool = False,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The payback for good of the three parties: enterprises and platforms per contract, the government per run.

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (:func:`dxsim.simulate`, best with
        ``counterfactual=True``) or one point of a sweep.
    interval : float
        Central probability of the interval over replications (0.90: the
        5th and 95th percentiles).
    discounted : bool
        Discounted paybacks: enterprises and platforms at the scenario's
        ``discount_rate``, the government at the social discount rate.
    workers, executor, progress
        Where and how the counterfactual runs when ``ds`` holds none, as in
        :func:`dxsim.simulate` (a progress bar on a terminal by default).

    Returns
    -------
    pandas.DataFrame
        Rows ``enterprise``, ``platform``, ``government`` (index ``party``);
        columns ``median`` (months: Kaplan-Meier median over contracts from
        their signing for enterprises and platforms, the run's own payback
        from the scenario start for the government; ``inf`` beyond the
        horizon), ``paid_back_12``, ``paid_back_24``, ``paid_back_36``
        (shares paid back for good within 12, 24, 36 months) and
        ``censored_share`` (not paid back at the horizon), each the mean over
        replications with ``<column>_low`` and ``<column>_high``, the
        interval (:func:`dxsim.analysis.payback.payback_table`).  A
        replication in which a party had no outlay (the government: no
        public money beyond the counterfactual's and a fiscal balance never
        negative; enterprises and platforms: no contract) has NaN figures
        and is left out, so shares are over the replications with an
        outlay; a party with none in any replication has a NaN ``median``
        ("no outlay" in the printed tables), not a payback at 0.
        ``attrs["units"]`` maps every column to its units.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> table = payback(dx.simulate(sc, replications=2, seed=1, counterfactual=True))
    >>> table.index.tolist(), table.shape, table.attrs["units"]["median_low"]
    (['enterprise', 'platform', 'government'], (3, 15), 'months')
    """
    cf = counterfactual_for(ds, workers=workers, executor=executor, progress=progress)
    rate = estimators.appraisal_settings(ds).social_discount_rate
    per_replication = payback_by_replication(ds, cf, social_discount_rate=rate, discounted=discounted)
    return payback_table(per_replication, interval=interval)


def appraisal(ds: xr.Dataset, *, workers: int = 1, executor: Any = None, progress: bool | None = None) -> xr.Dataset:
    """The public appraisal of a programme run against its counterfactual, per replication.

    Parameters
    ----------
    ds : xarray.Dataset
        A programme run (:func:`dxsim.simulate`, best with
        ``counterfactual=True``) or one point of a sweep.
    workers, executor, progress
        Where and how the counterfactual runs when ``ds`` holds none, as in
        :func:`dxsim.simulate` (a progress bar on a terminal by default).

    Returns
    -------
    xarray.Dataset
        :func:`dxsim.analysis.appraisal.appraisal`: dimensions
        ``replication``, ``window`` and ``month``; ``fiscal_balance``,
        ``fiscal_npv``, ``fiscal_payback_month``, ``social_npv`` and its
        terms, ``net_leverage``, ``deadweight_within``,
        ``timing_additionality_months``, ``additional_adopters_monthly``,
        ``incidence_enterprise``, ``incidence_platform`` and the all-horizon
        ``free_rider_share_any_time`` and ``deadweight_share_any_time``, each
        with ``units`` and ``long_name``; the settings (social discount rate,
        marginal cost of public funds, displacement share) in the attributes.

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> ap = appraisal(dx.simulate(sc, replications=2, seed=1, counterfactual=True))
    >>> ap["deadweight_within"].sizes, ap.attrs["social_discount_rate"]
    (Frozen({'replication': 2, 'window': 3}), 0.08)
    """
    cf = counterfactual_for(ds, workers=workers, executor=executor, progress=progress)
    return estimators.appraisal(ds, cf)
