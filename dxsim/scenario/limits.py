"""Upper bounds on what a scenario, a results file or a store may ask for, each with its reason.

Every bound is checked before any work (validation, or the first lines of
:func:`dxsim.simulate` and :func:`dxsim.sweep`), so that a scenario that
validates also runs, and an absurd number is one line naming the file, the
field and the value instead of an hour of swapping, an overflow or a
``RecursionError``.  docs/scenarios.md lists them for users.  The bounds are
far above every bundled scenario (``whole-country``: 48 million SMEs,
``national``: 100 industries, 300 platforms, 120 months).
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Mapping
from typing import Any

__all__ = [
    "FIRST_MONTH",
    "LAST_MONTH",
    "MAX_DURATION_MONTHS",
    "MAX_ENTERPRISES",
    "MAX_EXTENDS",
    "MAX_HORIZON_MONTHS",
    "MAX_INDUSTRIES",
    "MAX_NESTING",
    "MAX_PLATFORMS",
    "MAX_PLATFORMS_PER_INDUSTRY",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "MAX_SERIES_CELLS",
    "check_replications",
    "check_seed",
    "nesting_depth",
]

#: SMEs in scope, per industry and in all industries together: about twice China's SMEs (~52 million,
#: FACTS row 22).  Memory and time follow the enterprises that consider adopting (whole-country,
#: 48 million, runs in about 30 s); beyond this a typo (``1e29``) would run out of memory.
MAX_ENTERPRISES = 100_000_000

#: Industries (inline tables or rows of an industries CSV file): the finest Chinese classification
#: (GB/T 4754-2017) has 1,382 classes; 10,000 validate in seconds, a million took minutes.
MAX_INDUSTRIES = 10_000

#: Platforms serving one industry (``platforms.per_industry``, an industry's ``platforms``).
MAX_PLATFORMS_PER_INDUSTRY = 1_000

#: Platforms in all: each is a column of every month x platform variable of the output.
MAX_PLATFORMS = 10_000

#: ``horizon_months``: 50 years, longer than any programme's appraisal.  The model steps month by
#: month (90,000 months ran for hours), and the IRR's search discounts at -50% a month, whose
#: factor 2 ** months overflows a float beyond about 1,000 months.
MAX_HORIZON_MONTHS = 600

#: Other durations counted in months (installments ``months``, ``term_months``,
#: ``evaluation_months``, ``lifetime_months``, ``ramp_months``, ``acceptance.delay_months``): 100 years.
#: Schedules are arrays of this length: ``months = 1e9`` allocated 30 GiB.
MAX_DURATION_MONTHS = 1_200

#: Months x (industries + platforms): the cells of one replication's monthly series (each variable
#: holds at most this many numbers, 16 MB of float64); ``national`` has 48,000.
MAX_SERIES_CELLS = 2_000_000

#: First and last month a scenario may cover: the output's ``month`` coordinate is numpy's
#: ``datetime64[ns]``, which holds 1677-09-21 to 2262-04-11.
FIRST_MONTH = dt.date(1677, 10, 1)
LAST_MONTH = dt.date(2262, 4, 1)

#: Replications of a run, or of each point of a sweep (also a store's block size): the tasks and
#: their seeds are lists of this length, made before the first replication runs.
MAX_REPLICATIONS = 100_000

#: The largest seed: dxsim's keys are 64-bit words (numpy's SeedSequence would take any size).
MAX_SEED = 2**64 - 1

#: Tables and arrays inside one another, in a scenario file, a ``--case`` file, a stored scenario
#: or a store's manifest.  A scenario needs 4 (``programme.instruments[0].levels``); deeper nesting
#: exhausted Python's recursion limit in the TOML parser.
MAX_NESTING = 32

#: Files in one ``extends`` chain: the bundled scenarios use 3; 1,500 exhausted the recursion limit.
MAX_EXTENDS = 32


def nesting_depth(data: Any) -> int:
    """How many tables (mappings) and arrays (lists, tuples) lie inside one another in ``data``.

    Iterative, so that it works on data of any depth.

    Examples
    --------
    >>> nesting_depth(1), nesting_depth({"a": [1, {"b": []}]})
    (0, 4)
    """
    deepest = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_replications(replications: Any, name: str = "replications") -> int:
    """``replications`` as an int from 1 to :data:`MAX_REPLICATIONS`; ValueError naming ``name`` otherwise.

    Examples
    --------
    >>> check_replications(10**9)
    Traceback (most recent call last):
    ...
    ValueError: replications(=1000000000) must be at most 100,000 (dxsim.scenario.limits.MAX_REPLICATIONS).
    """
    if isinstance(replications, bool) or not isinstance(replications, numbers.Integral):
        raise ValueError(f"{name}(={replications!r}) must be a whole number.")
    replications = int(replications)
    if replications < 1:
        raise ValueError(f"{name}(={replications}) must be >= 1.")
    if replications > MAX_REPLICATIONS:
        raise ValueError(
            f"{name}(={replications}) must be at most {MAX_REPLICATIONS:,} (dxsim.scenario.limits.MAX_REPLICATIONS)."
        )
    return replications


def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as an int from 0 to :data:`MAX_SEED`; ValueError naming ``name`` otherwise.

    A float, a string or a bool is refused rather than rounded or parsed.

    Examples
    --------
    >>> check_seed(1.5)
    Traceback (most recent call last):
    ...
    ValueError: seed(=1.5) must be a whole number from 0 to 2**64 - 1
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"{name}(={seed!r}) must be a whole number from 0 to 2**64 - 1")
    return int(seed)
