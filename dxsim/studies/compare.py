"""Several runs side by side: headline metrics, additionality, and the paired difference of two runs.

:func:`compare` returns a :class:`Comparison`, a small frozen object whose
tables are attributes: ``metrics`` (one row per metric, one column group per
run) and ``paired_difference`` (two runs on one seed, replication by
replication; None otherwise).  It runs counterfactuals when asked to
(:func:`dxsim.studies.counterfactual.counterfactual_run`), which is why it is a
study; :mod:`dxsim.tables` writes it as text or a workbook.

Return convention of dxsim's analyses:

* xarray per replication (or per sweep point): ``dx.additionality``,
  ``dx.shapley``, the output Datasets themselves;
* pandas for tables people read: ``dx.summarize``, ``dx.headline``,
  ``dx.additionality_by_enterprise``, each table of a result object;
* a result object with the tables as attributes when an analysis gives
  several tables: :class:`Comparison`.  Nothing is hidden in
  ``DataFrame.attrs`` except each table's ``units``.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import xarray as xr

from dxsim.analysis.additionality import interval_summary
from dxsim.analysis.display import MetricTable
from dxsim.analysis.metrics import HEADLINE, headline, paired_difference
from dxsim.studies.counterfactual import additionality

__all__ = ["COMPARE_ROWS", "RUN_ROWS", "Comparison", "Counterfactual", "Runs", "compare"]

#: Rows of :func:`compare` from :func:`dxsim.summarize` after the headline rows, with or without a
#: counterfactual: when the money runs out (the share of replications in which it does, and the
#: month, +inf where it does not within the horizon), how much of it lapsed unspent, and the
#: platforms' losses.
RUN_ROWS = (
    "budget_exhausted",
    "budget_exhaustion_month",
    "budget_lapsed",
    "platform_net_cash",
    "platform_receivables",
    "platforms_losing",
)

#: Rows of :func:`compare` with a counterfactual (after the headline rows).
COMPARE_ROWS = (
    "counterfactual_adopters",
    "additional_adopters",
    "additional_accepted",
    "additional_lighthouses",
    "induced_adopters",
    "displaced_adopters",
    "free_riders",
    "free_rider_share",
    "subsidised_adopters",
    "subsidised_free_riders",
    "deadweight_share",
    "free_rider_money",
    "acceleration_months",
    "public_money_per_additional_adopter",
    "public_money_per_additional_accepted",
    "public_money_per_additional_lighthouse",
    "private_money",
    "leverage",
    "additional_tax_revenue",
    "additional_taxes",
    "fiscal_balance",
    "fiscal_payback_month",
)

#: One run, or runs by label.
Runs = xr.Dataset | Mapping[str, xr.Dataset]
#: No counterfactual (None, False), run each run's own (True), one for every run, or one per label.
Counterfactual = bool | xr.Dataset | Mapping[str, xr.Dataset] | None


@dataclass(frozen=True, eq=False)
class Comparison:
    """What :func:`compare` returns: its tables, as attributes.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per metric (index ``metric``); columns a MultiIndex (run
        label, statistic) with statistics ``mean``, ``p5``, ``p95`` (named
        after the interval); ``metrics.attrs["units"]`` maps each metric to
        its units.  A :class:`~dxsim.analysis.display.MetricTable`: it
        prints each number on its own.
    paired_difference : pandas.DataFrame or None
        Two runs on one seed with replications in common: the paired
        difference of the headline metrics and :data:`RUN_ROWS`, ``minuend - subtrahend``
        replication by replication (:func:`dxsim.analysis.metrics.paired_difference`;
        columns ``mean``, ``p5``, ``p95``, ``units``, ``pairs``).  None otherwise.
    minuend, subtrahend : str or None
        The labels of the second and the first run when there is a paired difference.
    unpaired : str or None
        Why two or more runs have no paired difference (more than two runs,
        different seeds, no replication in common); None with one run or
        with a paired difference.
    """

    metrics: pd.DataFrame
    paired_difference: pd.DataFrame | None = None
    minuend: str | None = None
    subtrahend: str | None = None
    unpaired: str | None = None

    @property
    def units(self) -> dict[str, str]:
        """Units of each metric (row of :attr:`metrics`)."""
        return dict(self.metrics.attrs.get("units", {}))

    @property
    def paired_label(self) -> str | None:
        """``"<minuend> - <subtrahend>"``, or None without a paired difference."""
        return None if self.paired_difference is None else f"{self.minuend} - {self.subtrahend}"

    def to_frame(self) -> pd.DataFrame:
        """The side-by-side table, :attr:`metrics`."""
        return self.metrics

    def __repr__(self) -> str:
        text = f"Comparison: metrics\n{_text(self.metrics)}"
        if self.paired_difference is None:
            return text if self.unpaired is None else f"{text}\n\nno paired difference: {self.unpaired}"
        return f"{text}\n\npaired difference {self.paired_label}\n{_text(self.paired_difference)}"

    def _repr_html_(self) -> str:
        parts = [f"<h4>metrics</h4>{MetricTable(self.metrics)._repr_html_()}"]
        if self.paired_difference is not None:
            label = html.escape(f"paired difference {self.paired_label} (same seed, common random numbers)")
            parts.append(f"<h4>{label}</h4>{MetricTable(self.paired_difference)._repr_html_()}")
        elif self.unpaired is not None:
            parts.append(f"<p>no paired difference: {html.escape(self.unpaired)}</p>")
        return "\n".join(parts)

    def __getattr__(self, name: str) -> Any:
        """Deprecated: DataFrame attributes (``.loc``, ``.attrs``, ...) of :attr:`metrics`."""
        if name.startswith("_"):
            raise AttributeError(name)
        if not hasattr(pd.DataFrame, name):
            raise AttributeError(f"'Comparison' object has no attribute {name!r}")
        _deprecated(name)
        return getattr(self.metrics, name)

    def __getitem__(self, key: Any) -> Any:
        """Deprecated: ``comparison[key]`` is ``comparison.metrics[key]``."""
        _deprecated("[]")
        return self.metrics[key]


def _text(table: pd.DataFrame) -> str:
    """``table`` as text, each number on its own (:class:`~dxsim.analysis.display.MetricTable`)."""
    return repr(MetricTable(table))


def _deprecated(what: str) -> None:
    warnings.warn(
        f"compare() returns a Comparison, not a DataFrame: use .metrics{'' if what == '[]' else '.' + what} "
        f"(or .to_frame()) instead of {what} on it; the paired difference is .paired_difference",
        DeprecationWarning,
        stacklevel=3,
    )


def _counterfactual_of(label: str, counterfactual: Counterfactual) -> xr.Dataset | None:
    """The counterfactual given for run ``label`` (None: run its own)."""
    if counterfactual is True or counterfactual is None or counterfactual is False:
        return None
    if isinstance(counterfactual, xr.Dataset):
        return counterfactual
    if label not in counterfactual:
        raise ValueError(f"no counterfactual for run {label!r}")
    return counterfactual[label]


def _paired(labelled: Mapping[str, xr.Dataset], interval: float) -> Comparison:
    """The paired difference of exactly two runs on one seed with replications in common, or why there is none.

    Returns a :class:`Comparison` without metrics (the caller adds them).
    """
    none = pd.DataFrame()
    if len(labelled) != 2:
        why = None if len(labelled) < 2 else f"{len(labelled)} runs (a paired difference takes exactly two)"
        return Comparison(none, unpaired=why)
    (first, a), (second, b) = labelled.items()
    seeds = (a.attrs.get("seed"), b.attrs.get("seed"))
    if seeds[0] is None or seeds[0] != seeds[1]:
        why = f"seeds {seeds[0]} and {seeds[1]}: not the same enterprises (no common random numbers)"
        return Comparison(none, unpaired=why)
    try:
        table = paired_difference(a, b, [*HEADLINE, *RUN_ROWS], interval=interval)
    except ValueError as err:  # no replication in common, say
        return Comparison(none, unpaired=str(err))
    return Comparison(none, table, second, first)


def compare(
    runs: Runs,
    counterfactual: Counterfactual = None,
    *,
    interval: float = 0.90,
    workers: int = 1,
    executor: Any = None,
) -> Comparison:
    """Headline metrics of several runs side by side; with a counterfactual, their additionality too.

    Parameters
    ----------
    runs : xarray.Dataset or mapping of str to Dataset
        One run, or runs by label (the label of a single run is its
        ``scenario_name``).
    counterfactual : bool, Dataset or mapping, optional
        None or False: headline metrics and :data:`RUN_ROWS` only (:func:`dxsim.headline`).
        True: run each run's counterfactual from its scenario and seed
        (:func:`dxsim.studies.counterfactual.counterfactual_run`) and add the
        additionality metrics (:func:`dxsim.additionality`).  A Dataset: the
        counterfactual of every run; a mapping: one per label.
    interval : float
        Central probability of the interval over replications (0.90: the
        5th and 95th percentiles).
    workers, executor
        Where the counterfactuals run, as in :func:`dxsim.simulate`.

    Returns
    -------
    Comparison
        ``.metrics``: one row per metric (the headline metrics
        :data:`dxsim.analysis.metrics.HEADLINE`, then :data:`RUN_ROWS`, then
        with a counterfactual the additionality ones, :data:`COMPARE_ROWS`),
        columns (run label, statistic) with ``mean``, ``p5``, ``p95``.
        ``budget_exhausted`` (1) is the share of replications in which the
        budget ran out; ``budget_exhaustion_month`` (months) counts a
        budget not exhausted within the horizon as +inf, so its mean is inf
        when any replication did not run out.  A ratio's mean is the ratio
        of the means; a cost per additional SME, accepted SME or lighthouse
        is +inf in a replication that paid public money and got none
        additional, and in the mean when the mean denominator is <= 0 while
        money was paid (:func:`dxsim.analysis.additionality.interval_summary`).  Money rows
        reconcile: ``fiscal_balance = additional_taxes - public_money``, of
        which ``additional_tax_revenue`` is the enterprise income tax.
        ``.paired_difference``: with exactly two runs on the same seed, the
        same months and the same enterprises (industries and their sizes),
        with replications in common, the paired difference of the headline
        metrics and :data:`RUN_ROWS`, second run minus first; None otherwise
        (``.unpaired`` says why).

    Examples
    --------
    >>> import dxsim as dx
    >>> sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    >>> cmp = compare({"a": dx.simulate(sc, replications=2, seed=1)}, counterfactual=True)
    >>> list(cmp.metrics["a"].columns), cmp.paired_difference is None
    (['mean', 'p5', 'p95'], True)
    >>> row = cmp.metrics.loc["additional_adopters", "a"]
    >>> bool(row["p5"] <= row["p95"])
    True
    """
    if not 0 < interval < 1:
        raise ValueError(f"interval(={interval}) must be between 0 and 1")
    labelled = {str(runs.attrs.get("scenario_name", "run")): runs} if isinstance(runs, xr.Dataset) else dict(runs)
    if not labelled:
        raise ValueError("compare() needs at least one run")
    columns: dict[str, pd.DataFrame] = {}
    units: dict[str, str] = {}
    for label, ds in labelled.items():
        table: pd.DataFrame = headline(ds, interval=interval, metrics=[*HEADLINE, *RUN_ROWS])
        if counterfactual is not None and counterfactual is not False:
            cf = _counterfactual_of(label, counterfactual)
            try:
                add = additionality(ds, cf, workers=workers, executor=executor)
            except ValueError as err:
                raise ValueError(f"{label}: {err}") from None
            table = pd.concat([table, interval_summary(add, COMPARE_ROWS, interval=interval)])
        units.update({str(k): str(v) for k, v in table["units"].items()})
        columns[label] = table.drop(columns="units")
    frame = MetricTable(pd.concat(columns, axis=1, names=["run", "statistic"]))
    frame.index.name = "metric"
    frame.attrs["units"] = units
    return replace(_paired(labelled, interval), metrics=frame)
