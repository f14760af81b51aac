"""The Shapley decomposition of a programme's effect over its instruments, from runs it is given (MODEL.md question 6).

The runs (one per subset S of the n instruments, on one seed) are given: this
module never runs a model; :func:`dxsim.studies.shapley.shapley` runs them.
For each replication r and metric, v_r(S) = m_r(S) - m_r(empty), where m_r(S)
is the metric of run S against the empty run
(:func:`dxsim.analysis.additionality.additionality`); the instrument's
contribution is::

    phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! x (v(S + i) - v(S)),

so the contributions add up to the total effect v(N), replication by
replication, and an instrument that changes nothing gets 0.

* :func:`subsets` -- every subset of n instruments, in the order of the result.
* :func:`shapley_values` -- the decomposition of per-replication values of each subset.
* :func:`shapley_of_runs` -- the decomposition of runs: their additionality
  against the empty subset's run, then :func:`shapley_values`.

Return convention: an xarray Dataset, means and per-replication values.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from dxsim._version import __version__
from dxsim.analysis.additionality import ADDITIONALITY, additionality

__all__ = ["SHAPLEY_METRICS", "Subset", "check_metrics", "shapley_of_runs", "shapley_values", "subset_label", "subsets"]

#: A subset of instruments: their positions in the programme, ascending.
Subset = tuple[int, ...]

#: Additive metrics of :func:`~dxsim.analysis.additionality.additionality` (sums over
#: enterprises or months): what a Shapley decomposition can split over instruments.
SHAPLEY_METRICS = (
    "additional_adopters",
    "additional_accepted",
    "additional_lighthouses",
    "induced_adopters",
    "displaced_adopters",
    "free_riders",
    "subsidised_adopters",
    "subsidised_free_riders",
    "free_rider_money",
    "public_money",
    "private_money",
    "additional_tax_revenue",
    "fiscal_balance",
)

_LONG_NAMES = {
    "shapley": "Shapley contribution of the instrument to the programme's effect, mean over replications",
    "total": "programme's effect, all instruments against none, mean over replications",
    "shapley_replications": "Shapley contribution of the instrument, per replication",
    "total_replications": "programme's effect, all instruments against none, per replication",
    "value": "effect of the subset of instruments against none, mean over replications",
}


def subsets(n: int) -> list[Subset]:
    """Every subset of ``range(n)``, by size, then in lexicographic order.

    Examples
    --------
    >>> subsets(2)
    [(), (0,), (1,), (0, 1)]
    """
    return [s for size in range(n + 1) for s in itertools.combinations(range(n), size)]


def subset_label(names: Sequence[str], subset: Subset) -> str:
    """``{a, b}``: the names of the instruments of ``subset``.

    Examples
    --------
    >>> subset_label(["0:voucher", "1:cost_share"], (0, 1))
    '{0:voucher, 1:cost_share}'
    """
    return "{" + ", ".join(names[k] for k in subset) + "}"


def check_metrics(metrics: Sequence[str]) -> list[str]:
    """``metrics`` as a list, after checking that each is in :data:`SHAPLEY_METRICS`.

    Raises
    ------
    ValueError
        No metric, or one that is unknown or not additive.
    """
    names = list(metrics)
    unknown = [m for m in names if m not in SHAPLEY_METRICS]
    if unknown or not names:
        raise ValueError(
            f"shapley() metrics must be additive metrics of additionality(): {', '.join(SHAPLEY_METRICS)}; "
            f"got {', '.join(unknown) or 'none'}"
        )
    return names


def shapley_values(
    levels: Mapping[Subset, xr.Dataset], instruments: Sequence[str], metrics: Sequence[str]
) -> xr.Dataset:
    """Shapley decomposition of per-replication values of every subset of instruments.

    Parameters
    ----------
    levels : mapping of Subset to xarray.Dataset
        For every subset of ``range(len(instruments))`` (:func:`subsets`), a
        Dataset over ``replication`` holding the ``metrics`` of that subset's
        run against one common reference (e.g. its
        :func:`~dxsim.analysis.additionality.additionality` against the run
        without instruments).  v(S) is ``levels[S] - levels[()]``.
    instruments : sequence of str
        The instruments' names (``"k:kind"``), in programme order.
    metrics : sequence of str
        Additive metrics (:data:`SHAPLEY_METRICS`).

    Returns
    -------
    xarray.Dataset
        Coordinates ``metric``, ``instrument``, ``replication`` (those of
        ``levels[()]``), ``subset`` and ``units`` (along ``metric``).
        Variables: ``shapley`` (metric, instrument), the mean contribution;
        ``total`` (metric), v(N); ``shapley_replications`` and
        ``total_replications``, the same per replication (for intervals);
        ``value`` (metric, subset), mean v(S) of every subset (interactions).

    Raises
    ------
    ValueError
        A non-additive metric, or ``levels`` not holding exactly every subset.

    Examples
    --------
    >>> one = {s: xr.Dataset({"public_money": ("replication", [10.0 * len(s)])}) for s in subsets(2)}
    >>> shapley_values(one, ["0:a", "1:b"], ["public_money"])["shapley"].values.tolist()
    [[10.0, 10.0]]
    """
    metrics = check_metrics(metrics)
    n = len(instruments)
    order = subsets(n)
    if set(levels) != set(order):
        raise ValueError(f"shapley_values() needs the values of every subset of {n} instruments, and only those")
    base = levels[()]
    # v[m, S, r] = m_r(S) - m_r(empty)
    v = np.stack([np.stack([levels[s][m].values - base[m].values for s in order]) for m in metrics])
    index = {s: j for j, s in enumerate(order)}
    phi = np.zeros((len(metrics), n, v.shape[2]))
    for i in range(n):
        for s in order:
            if i in s:
                continue
            weight = math.factorial(len(s)) * math.factorial(n - len(s) - 1) / math.factorial(n)
            with_i = tuple(sorted((*s, i)))
            phi[:, i] += weight * (v[:, index[with_i]] - v[:, index[s]])
    total = v[:, index[tuple(range(n))]]
    result = xr.Dataset(
        {
            "shapley": (("metric", "instrument"), phi.mean(axis=2)),
            "total": ("metric", total.mean(axis=1)),
            "shapley_replications": (("metric", "instrument", "replication"), phi),
            "total_replications": (("metric", "replication"), total),
            "value": (("metric", "subset"), v.mean(axis=2)),
        },
        coords={
            "metric": metrics,
            "instrument": list(instruments),
            "replication": base["replication"].values,
            "subset": [subset_label(instruments, s) for s in order],
            "units": ("metric", [ADDITIONALITY[m][0] for m in metrics]),
        },
    )
    for name, long_name in _LONG_NAMES.items():
        result[name].attrs.update(units="units of the metric (coordinate units)", long_name=long_name)
    result.attrs.update(dxsim_version=__version__, title="dxsim Shapley decomposition over instruments")
    return result


def shapley_of_runs(
    runs: Mapping[Subset, xr.Dataset], instruments: Sequence[str], metrics: Sequence[str]
) -> xr.Dataset:
    """Shapley decomposition of runs with every subset of instruments, on one seed.

    Parameters
    ----------
    runs : mapping of Subset to xarray.Dataset
        For every subset S of ``range(len(instruments))``, the run of the
        programme with the instruments of S only (same seed, same
        replications); ``runs[()]`` is the reference.
    instruments, metrics
        As in :func:`shapley_values`.

    Returns
    -------
    xarray.Dataset
        :func:`shapley_values` of the additionality of each run against ``runs[()]``.
    """
    check_metrics(metrics)
    base = runs[()]
    return shapley_values({s: additionality(ds, base) for s, ds in runs.items()}, instruments, metrics)
