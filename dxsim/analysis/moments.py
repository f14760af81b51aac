"""Named statistics of a run, one value per replication: what calibration targets and
sensitivity outputs are made of.

A statistic is a name and, optionally, a month:

* without a month, any column of :func:`dxsim.summarize` (:data:`dxsim.analysis.metrics.METRICS`),
  at the end of the horizon;
* with a month ``m`` (months since the scenario start, ``1 .. horizon_months``),
  one of :data:`AT_MONTH`: a stock (``adopters``, ``accepted``, ``lighthouses``,
  ``in_use``) at the end of month ``m``, or a flow (``public_money``,
  ``tax_revenue``, ``considering``) summed over months ``1 .. m``.

So ``("accepted", 18)`` is the number of SMEs that passed acceptance by the end
of the 18th month, and ``("public_money_per_accepted", None)`` the public money
per accepted SME over the horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from dxsim.analysis.metrics import METRICS, summarize

__all__ = ["AT_MONTH", "Statistic", "check_statistic", "statistic_units", "statistics"]

#: Statistics that can be read at a month: name -> (Dataset variable, "stock" or "flow", units).
AT_MONTH: dict[str, tuple[str, str, str]] = {
    "adopters": ("adopters", "stock", "enterprises"),
    "accepted": ("accepted", "stock", "enterprises"),
    "lighthouses": ("lighthouses", "stock", "enterprises"),
    "in_use": ("in_use", "stock", "enterprises"),
    "public_money": ("public_money", "flow", "yuan"),
    "tax_revenue": ("tax_revenue", "flow", "yuan"),
    "considering": ("considering", "flow", "enterprises"),
}


class Statistic(NamedTuple):
    """A named statistic of a run: ``name`` at the end of ``month`` (None: over the horizon)."""

    name: str
    month: int | None = None

    def label(self) -> str:
        """``accepted@18`` or ``adopters``."""
        return self.name if self.month is None else f"{self.name}@{self.month}"


def check_statistic(name: str, month: int | None, horizon_months: int) -> str | None:
    """Why ``(name, month)`` is not a statistic of a run of ``horizon_months`` months, or None if it is.

    Examples
    --------
    >>> check_statistic("accepted", 18, 120) is None
    True
    >>> check_statistic("acepted", None, 120).startswith("unknown statistic (a dxsim.summarize column: accepted, ")
    True
    """
    if month is None:
        if name in METRICS:
            return None
        return (
            f"unknown statistic (a dxsim.summarize column: {', '.join(sorted(METRICS))}; "
            f"or NAME@MONTH with NAME one of: {', '.join(AT_MONTH)}), got {name!r}"
        )
    if name not in AT_MONTH:
        return f"no value at a month for this statistic (expected one of: {', '.join(AT_MONTH)}), got {name!r}"
    if not 1 <= month <= horizon_months:
        return f"month must be in 1 .. {horizon_months} (the horizon), got {month}"
    return None


def statistic_units(name: str) -> str:
    """The units of a statistic (the same with or without a month)."""
    return AT_MONTH[name][2] if name in AT_MONTH else METRICS[name][0]


def statistics(ds: xr.Dataset, wanted: Sequence[Statistic]) -> NDArray[np.float64]:
    """The statistics of one run, per replication.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`dxsim.simulate` (no sweep dimensions).
    wanted : sequence of Statistic
        Checked with :func:`check_statistic` beforehand.

    Returns
    -------
    numpy.ndarray
        Shape ``(replications, len(wanted))``, in each statistic's units.

    Examples
    --------
    >>> import dxsim as dx
    >>> ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 24}), replications=2, seed=1)
    >>> values = statistics(ds, [Statistic("adopters", 12), Statistic("adopters")])
    >>> values.shape, bool((values[:, 0] <= values[:, 1]).all())
    ((2, 2), True)
    """
    out = np.empty((ds.sizes["replication"], len(wanted)), dtype=np.float64)
    plain = list(dict.fromkeys(s.name for s in wanted if s.month is None))
    table = summarize(ds, metrics=plain) if plain else None  # only the metrics wanted are computed
    for j, stat in enumerate(wanted):
        if stat.month is None:
            assert table is not None
            out[:, j] = table[stat.name].to_numpy(dtype=np.float64)
            continue
        var, kind, _ = AT_MONTH[stat.name]
        da = ds[var]
        if "industry" in da.dims:
            da = da.sum("industry")
        da = da.isel(month=stat.month - 1) if kind == "stock" else da.isel(month=slice(0, stat.month)).sum("month")
        out[:, j] = np.asarray(da.transpose("replication").values, dtype=np.float64)
    return out
