"""Resolving a scenario: defaults inherited by industries, platforms per industry, cross-field checks, dates.

The rules that tie a scenario's parts together, once each part is valid on its
own.  They work on plain values (the parts' fields as mappings, names, dates),
so :class:`~dxsim.scenario.schema.Scenario` calls them while it validates and
they need none of its classes.  A broken rule raises
:class:`~dxsim.scenario.errors.FieldError` with the path of the field,
relative to the scenario.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from dxsim.scenario.errors import FieldError
from dxsim.scenario.limits import FIRST_MONTH, LAST_MONTH, MAX_ENTERPRISES, MAX_PLATFORMS, MAX_SERIES_CELLS

__all__ = [
    "INDUSTRY_REQUIRED",
    "add_months",
    "check_platform_list",
    "check_programme",
    "check_sizes",
    "check_start",
    "date_to_months",
    "industry_fields",
    "platforms_per_industry",
]

#: Fields an industry must have, in its own entry or in ``industry_defaults``.
INDUSTRY_REQUIRED = ("name", "enterprises", "revenue", "margin", "maturity", "innovation", "imitation", "solution")


def check_start(start: dt.date) -> None:
    """The scenario starts on the first day of a month, no earlier than :data:`~dxsim.scenario.limits.FIRST_MONTH`.

    Examples
    --------
    >>> check_start(dt.date(2022, 9, 2))
    Traceback (most recent call last):
    ...
    dxsim.scenario.errors.FieldError: must be the first day of a month
    """
    if start.day != 1:
        raise FieldError(("start",), start.isoformat(), "must be the first day of a month")
    if start < FIRST_MONTH:
        raise FieldError(("start",), start.isoformat(), f"must be {FIRST_MONTH} or later (the output's dates)")


def check_sizes(start: dt.date, horizon_months: int, enterprises: Sequence[int], platforms: int) -> None:
    """A scenario's totals within the bounds of :mod:`dxsim.scenario.limits`, checked before anything is allocated.

    Parameters
    ----------
    start : datetime.date
        The first month.
    horizon_months : int
        The months simulated.
    enterprises : sequence of int
        Each industry's SMEs in scope.
    platforms : int
        Platforms in all.

    Raises
    ------
    FieldError
        Too many SMEs in all, a last month beyond
        :data:`~dxsim.scenario.limits.LAST_MONTH`, or more monthly series
        cells than :data:`~dxsim.scenario.limits.MAX_SERIES_CELLS`.

    Examples
    --------
    >>> check_sizes(dt.date(2250, 1, 1), 240, [100], 3)
    Traceback (most recent call last):
    ...
    dxsim.scenario.errors.FieldError: the last month, 2269-12, is after 2262-04 (the output's dates end there)
    """
    total = sum(enterprises)
    if total > MAX_ENTERPRISES:
        raise FieldError(("industries",), total, f"SMEs in all industries must be at most {MAX_ENTERPRISES:,}")
    last = start.year * 12 + start.month - 1 + horizon_months - 1
    if last > LAST_MONTH.year * 12 + LAST_MONTH.month - 1:
        year, month = divmod(last, 12)
        raise FieldError(
            ("horizon_months",),
            horizon_months,
            f"the last month, {year}-{month + 1:02d}, is after {LAST_MONTH:%Y-%m} (the output's dates end there)",
        )
    cells = horizon_months * (len(enterprises) + platforms)
    if cells > MAX_SERIES_CELLS:
        raise FieldError(
            ("horizon_months",),
            horizon_months,
            f"months x (industries + platforms) = {cells:,} exceeds {MAX_SERIES_CELLS:,} "
            f"({len(enterprises):,} industries, {platforms:,} platforms)",
        )


def industry_fields(
    defaults: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], solutions: Collection[str]
) -> list[dict[str, Any]]:
    """Each industry's fields: its entry's over ``industry_defaults``.

    Parameters
    ----------
    defaults : mapping
        The fields ``industry_defaults`` gives (None values left out).
    entries : sequence of mapping
        Each industry's fields as written (None values left out).
    solutions : collection of str
        The names of the scenario's solutions.

    Returns
    -------
    list of dict
        One dict per industry, every field of :data:`INDUSTRY_REQUIRED` present.

    Raises
    ------
    FieldError
        No industry, a required field given nowhere, a name given twice, or an
        unknown solution.

    Examples
    --------
    >>> industry_fields({"solution": "mes"}, [{"name": "silk", "imitation": 0.3}], ["mes"])
    Traceback (most recent call last):
    ...
    dxsim.scenario.errors.FieldError: field required (here or in industry_defaults)
    """
    if not entries:
        raise FieldError(("industries",), [], "a scenario needs at least one industry")
    out = []
    names: set[str] = set()
    for k, entry in enumerate(entries):
        data = {**defaults, **entry}
        for field in INDUSTRY_REQUIRED:
            if field not in data:
                raise FieldError(("industries", k, field), None, "field required (here or in industry_defaults)")
        if data["name"] in names:
            raise FieldError(("industries", k, "name"), data["name"], "industry names must be unique")
        names.add(data["name"])
        if data["solution"] not in solutions:
            known = ", ".join(sorted(solutions)) or "none"
            raise FieldError(("industries", k, "solution"), data["solution"], f"no such solution (known: {known})")
        out.append(data)
    return out


def platforms_per_industry(
    fields: Mapping[str, Any], per_industry: int, industries: Sequence[tuple[str, int | None]]
) -> list[dict[str, Any]]:
    """The platforms that ``platforms`` given as one table stands for.

    Parameters
    ----------
    fields : mapping
        The platform parameters every copy shares (no ``per_industry``).
    per_industry : int
        Platforms per industry.
    industries : sequence of (str, int or None)
        Each industry's name and its own platform count (None: ``per_industry``).

    Returns
    -------
    list of dict
        One platform's fields each, named ``<industry>/p1``, ``<industry>/p2``, ...

    Examples
    --------
    >>> [p["name"] for p in platforms_per_industry({"delivery_cost": 1.0}, 2, [("silk", None), ("dye", 1)])]
    ['silk/p1', 'silk/p2', 'dye/p1']

    Raises
    ------
    FieldError
        More than :data:`~dxsim.scenario.limits.MAX_PLATFORMS` platforms in
        all (checked before any is made).
    """
    total = sum(per_industry if own is None else own for _, own in industries)
    if total > MAX_PLATFORMS:
        raise FieldError(
            ("platforms", "per_industry"), per_industry, f"{total:,} platforms in all, more than {MAX_PLATFORMS:,}"
        )
    out: list[dict[str, Any]] = []
    for name, own in industries:
        count = per_industry if own is None else own
        out.extend({**fields, "name": f"{name}/p{k + 1}", "industry": name} for k in range(count))
    return out


def check_platform_list(platforms: Sequence[tuple[str, str]], industries: Collection[str]) -> None:
    """Platforms named one by one: each serves a known industry, names unique.

    Parameters
    ----------
    platforms : sequence of (str, str)
        Each platform's name and industry.
    industries : collection of str
        The names of the scenario's industries.
    """
    seen: set[str] = set()
    for k, (name, industry) in enumerate(platforms):
        if industry not in industries:
            raise FieldError(("platforms", k, "industry"), industry, "no such industry")
        if name in seen:
            raise FieldError(("platforms", k, "name"), name, "platform names must be unique")
        seen.add(name)


def check_programme(
    programme: Mapping[str, Any],
    *,
    start: dt.date,
    horizon_months: int,
    platform_discount: float,
    industries: Collection[str],
) -> None:
    """The programme's rules that involve other parts of the scenario.

    Parameters
    ----------
    programme : mapping
        The programme's fields (``instruments``, ``batches``, ``eligibility``).
    start : datetime.date
        The scenario's first day.
    horizon_months : int
        The scenario's length, months.
    platform_discount : float
        The contract's platform discount, share of the price.
    industries : collection of str
        The names of the scenario's industries.

    Raises
    ------
    FieldError
        Cost shares and the platform discount above 100%, a batch opening
        outside the horizon, an eligibility that excludes every industry,
        instruments without a batch, or a batch's ``industries`` naming an
        industry the scenario lacks or counting more than it has.
    """
    share = 0.0
    for k, inst in enumerate(programme["instruments"]):
        if inst["kind"] == "cost_share":
            share += inst["share"]
            if share + platform_discount > 1.0 + 1e-12:
                raise FieldError(
                    ("programme", "instruments", k, "share"),
                    inst["share"],
                    f"cost shares + contract.platform_discount must be at most 1 ({share:g} + {platform_discount:g} "
                    f"= {share + platform_discount:g})",
                )
    end = add_months(start, horizon_months)
    for k, batch in enumerate(programme["batches"]):
        if batch["opens"] < start or batch["opens"] >= end:
            raise FieldError(
                ("programme", "batches", k, "opens"),
                batch["opens"].isoformat(),
                f"outside the horizon {start} to {end}",
            )
        _check_batch_industries(batch.get("industries"), k, industries)
    eligible = (programme["eligibility"] or {}).get("industries")
    if eligible is not None and not set(industries) & set(eligible):
        raise FieldError(
            ("programme", "eligibility", "industries"), list(eligible), "excludes every industry of the scenario"
        )
    if programme["instruments"] and not programme["batches"]:
        raise FieldError(("programme", "batches"), [], "instruments need at least one batch with a budget")


def _check_batch_industries(chosen: int | Sequence[str] | None, batch: int, industries: Collection[str]) -> None:
    """A batch's ``industries``: a count at most the scenario's industries, or names of its industries."""
    path = ("programme", "batches", batch, "industries")
    if isinstance(chosen, int) and chosen > len(industries):
        raise FieldError(path, chosen, f"more than the scenario's {len(industries)} industries")
    if isinstance(chosen, Sequence):
        unknown = [name for name in chosen if name not in set(industries)]
        if unknown:
            raise FieldError(path, list(chosen), f"not an industry of the scenario: {unknown[0]!r}")


def add_months(start: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``start``'s.

    Examples
    --------
    >>> add_months(dt.date(2022, 9, 1), 120)
    datetime.date(2032, 9, 1)
    """
    y, m = divmod(start.month - 1 + months, 12)
    return dt.date(start.year + y, m + 1, 1)


def date_to_months(start: dt.date, date: dt.date, *, end_of_day: bool = False) -> float:
    """Months from ``start`` (a month's first day = whole number) to ``date``.

    Inside a month the fraction is the elapsed share of its days; with
    ``end_of_day`` the date itself counts as elapsed (inclusive window ends).

    Examples
    --------
    >>> date_to_months(dt.date(2022, 9, 1), dt.date(2022, 11, 16))  # November has 30 days
    2.5
    >>> date_to_months(dt.date(2022, 9, 1), dt.date(2022, 9, 30), end_of_day=True)
    1.0
    """
    whole = (date.year - start.year) * 12 + (date.month - start.month)
    days = calendar.monthrange(date.year, date.month)[1]
    elapsed = date.day - (0 if end_of_day else 1)
    return whole + elapsed / days
