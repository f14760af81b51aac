"""Platforms as columns: Wright's-law costs, cost-following prices, capacity and queues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from dxsim.model.cells import cells, flat_cells, float_packer, packed_floats
from dxsim.random import Keys
from dxsim.scenario.schema import Industry, PlatformSpec, Solution

__all__ = ["Occupancy", "Platforms", "wright_cost"]


def wright_cost(
    first_cost: NDArray[np.float64] | float,
    n: NDArray[np.float64] | float,
    progress_ratio: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Wright's law: cost of deployment number ``n`` (n >= 1) is ``c_1 * n ** log2(PR)``.

    Examples
    --------
    >>> float(wright_cost(100.0, 2, 0.8))
    80.0
    """
    return np.asarray(first_cost * np.power(n, np.log2(progress_ratio)))


class Platforms:
    """All platforms of a replication, one array slot each.

    Experience of platform p: its own deployments plus ``spillover`` times the
    other platforms' deployments in its industry; the next deployment costs
    ``c_t = c_1 (n + 1) ** log2(PR)``; the quoted price is
    ``P_1 (c_t / c_1) ** pass_through`` with P_1 the price of the first
    deployment: ``c_1 (1 + markup)``, or the solution's list price when the
    platform's markup is None.
    """

    def __init__(
        self,
        specs: Sequence[PlatformSpec],
        industries: Sequence[Industry],
        solutions: Mapping[str, Solution],
        keys: Keys,
    ) -> None:
        index = {ind.name: i for i, ind in enumerate(industries)}
        self.names = [s.name for s in specs]
        self.industry = np.array([index[s.industry] for s in specs], dtype=np.int64)
        self.first_cost = np.array([s.delivery_cost for s in specs], dtype=float)
        self.progress_ratio = np.array([s.progress_ratio for s in specs], dtype=float)
        self.spillover = np.array([s.spillover for s in specs], dtype=float)
        self.pass_through = np.array([s.pass_through for s in specs], dtype=float)
        list_price = np.array([solutions[industries[i].solution].price for i in self.industry], dtype=float)
        #: Price of each platform's first deployment, yuan: c_1 (1 + markup), or the list price.
        self.base_price = np.array(
            [
                lp if s.markup is None else s.delivery_cost * (1.0 + s.markup)
                for lp, s in zip(list_price, specs, strict=True)
            ],
            dtype=float,
        )
        #: First price relative to the solution's list price (1 without a markup, or for a free solution).
        self._relative = np.where(list_price > 0, self.base_price / np.where(list_price > 0, list_price, 1.0), 1.0)
        self.capacity = np.array([np.inf if s.capacity is None else s.capacity for s in specs], dtype=float)
        #: Each platform's servers, NaN for an unlimited one: a month's utilisation is its mean number in
        #: service over this, NaN without a limit (any number over NaN is NaN).
        self.servers = np.where(np.isfinite(self.capacity), self.capacity, np.nan)
        # each platform's draw keyed by its index, all drawn in one call (the same bits as a call a platform: the
        # keyed hash is elementwise), each one's quantile taken of its own one-element slice, as of that call's draw
        drawn = keys.uniform("platform_quality", np.arange(len(specs)))
        self.quality = np.array([s.quality.ppf(drawn[k : k + 1])[0] for k, s in enumerate(specs)], dtype=float)
        # deployments started, per platform and per industry: Python floats, changed one start at a time
        self._own, self._started = [0.0] * len(specs), [0.0] * len(industries)
        # both as arrays, and what is made of them (:attr:`experience`, :attr:`unit_cost`: the month's close and
        # the next month's consideration read them five and three times), until a start
        self._counts: tuple[NDArray[np.float64], NDArray[np.float64], dict[str, NDArray[np.float64]]] | None = None
        # for the two counts (:func:`packed_floats`)
        self._packers = float_packer(len(specs)), float_packer(len(industries))
        # plain floats for start_deployment, called once per contract
        self._scalars = list(
            zip(
                self.industry.tolist(),
                self.first_cost.tolist(),
                self.spillover.tolist(),
                np.log2(self.progress_ratio).tolist(),  # Wright's exponent
                strict=True,
            )
        )
        members: list[list[int]] = [[] for _ in industries]
        for p, i in enumerate(self.industry):
            members[i].append(p)
        width = max((len(m) for m in members), default=0)
        #: Platforms serving each industry, padded with -1: shape (industries, max platforms).
        self.by_industry = np.full((len(industries), max(width, 1)), -1, dtype=np.int64)
        for i, m in enumerate(members):
            self.by_industry[i, : len(m)] = m

    def __len__(self) -> int:
        return len(self.names)

    @property
    def own(self) -> NDArray[np.float64]:
        """Deployments each platform has started."""
        return self._arrays()[0].copy()

    @property
    def industry_deployments(self) -> NDArray[np.float64]:
        """Deployments started in each industry, all its platforms together."""
        return self._arrays()[1].copy()

    def _arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[str, NDArray[np.float64]]]:
        """The deployments started per platform and per industry as arrays, made once after each start (read-only).

        With them, the arrays made of them until the next start, by name
        (:attr:`experience`, :attr:`unit_cost`; read-only).
        """
        if self._counts is None:
            own, started = self._packers
            self._counts = (
                _read_only(packed_floats(self._own, own)),
                _read_only(packed_floats(self._started, started)),
                {},
            )
        return self._counts

    @property
    def experience(self) -> NDArray[np.float64]:
        """Effective experience n, deployments: own + spillover x others' in the industry (read-only: kept until a start)."""
        own, started, made = self._arrays()
        if "experience" not in made:
            made["experience"] = _read_only(own + self.spillover * (started[self.industry] - own))
        return made["experience"]

    @property
    def unit_cost(self) -> NDArray[np.float64]:
        """Cost of the next deployment, yuan (read-only: kept until a start)."""
        made = self._arrays()[2]
        if "unit_cost" not in made:
            made["unit_cost"] = _read_only(wright_cost(self.first_cost, self.experience + 1.0, self.progress_ratio))
        return made["unit_cost"]

    def prices(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Each platform's price relative to the solution's list price, and its quoted price now (yuan).

        The quote is ``P_1 (c / c_1) ** pass_through``; the index is the
        quote over the list price (``(c / c_1) ** pass_through`` without a markup).
        """
        learned = (self.unit_cost / self.first_cost) ** self.pass_through
        return np.asarray(self._relative * learned), np.asarray(self.base_price * learned)

    def start_deployment(self, p: int) -> tuple[float, float]:
        """Start a deployment at platform ``p``; return the experience before it (deployments) and its delivery cost (yuan).

        The experience is platform ``p``'s entry of :attr:`experience`, on Python floats.
        """
        industry, first_cost, spillover, exponent = self._scalars[p]
        own_counts, started = self._own, self._started
        own = own_counts[p]
        experience = own + spillover * (started[industry] - own)
        own_counts[p] = own + 1.0
        started[industry] += 1.0
        self._counts = None
        return experience, first_cost * (experience + 1.0) ** exponent


def _read_only(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """``a``, made read-only (an array kept and handed to every reader must not be written by one)."""
    a.flags.writeable = False
    return a


class Occupancy:
    """Time integrals of the number waiting and the number in service, per platform.

    ``change`` is called whenever the number waiting or in service at a
    platform changes (one platform at a time, so on Python floats); ``close``
    returns the month's time averages and starts the next month.
    """

    def __init__(self, n: int) -> None:
        self._waiting_all = np.zeros(n)  # an array, so that :attr:`waiting` is one copy
        #: The number waiting at each platform now, the same numbers as Python floats: read at every change
        #: (a list's item is cheaper than a cell's), and read, not written, where one platform's number is
        #: wanted (a re-decision at signing: no copy of :attr:`waiting`, no float made of its cell).
        self.queued = [0.0] * n
        self._waiting_cells = cells(self._waiting_all)  # the array's cells, written with the list's items
        #: The number in service at each platform now (Python floats, whole numbers): read, not written, by
        #: the applicants' steps (:class:`~dxsim.model.applications.Applicants`) to find whether a server is free.
        self.in_service = [0.0] * n
        self._last = [0.0] * n
        self._area_wait = [0.0] * n
        self._area_busy = [0.0] * n
        self._waiting_now: NDArray[np.float64] | None = None  # :attr:`waiting` until the next change of it
        self._packer = float_packer(n)  # for the month's sums (:func:`packed_floats`)

    @property
    def waiting(self) -> NDArray[np.float64]:
        """Number waiting at each platform now (read-only: kept until the number changes)."""
        if self._waiting_now is None:
            self._waiting_now = self._waiting_all.copy()
            self._waiting_now.flags.writeable = False
        return self._waiting_now

    def change(self, p: int, now: float, busy: float, waiting: float = 0.0) -> None:
        """Add ``busy`` and ``waiting`` (whole numbers, may be negative) at platform ``p`` at time ``now``.

        Called by position (a cheaper call: it is called as applicants start,
        queue and go live), mostly with ``busy`` alone, and with floats: the
        counts are Python floats, and CPython 3.11 specialises a float plus a
        float, not a float plus an int (the same sum).  A platform with no
        one waiting adds nothing to its waiting integral (0 x dt: the same
        sum).
        """
        last = self._last
        dt = now - last[p]
        last[p] = now
        queued = self.queued[p]
        if queued:
            self._area_wait[p] += queued * dt
        in_service = self.in_service
        count = in_service[p]
        self._area_busy[p] += count * dt
        in_service[p] = count + busy
        if waiting:
            queued += waiting
            self.queued[p] = self._waiting_cells[p] = queued
            self._waiting_now = None

    def close(self, end: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Time-average waiting and busy counts over the month ``[end - 1, end)``.

        A month is one unit of time (months): each average is its count's
        integral over the month, with no division (``x / 1.0`` is ``x``).
        """
        packer = self._packer
        dt = end - packed_floats(self._last, packer)
        wait = packed_floats(self._area_wait, packer) + self._waiting_all * dt
        busy = packed_floats(self._area_busy, packer) + packed_floats(self.in_service, packer) * dt
        n = len(self._last)
        self._area_wait = [0.0] * n
        self._area_busy = [0.0] * n
        self._last = [float(end)] * n
        return wait, busy


class Receivables:
    """What enterprises still owe each platform on their contracts (yuan).

    A contract adds what its enterprise owes at signing; payments (counted up
    to what is owed) and write-offs of what will never be paid reduce it in
    the month they fall due.  Months at or after ``months`` are not tracked.
    """

    def __init__(self, n_platforms: int, months: int) -> None:
        self.months = months
        self.reduced = np.zeros((months, n_platforms))
        # what is owed per platform as a list of Python floats (an item's sum costs less than a cell's; only
        # :meth:`level` reads it, as an array of the same doubles); one contract's reductions on Python floats,
        # ``reduced`` as one row of cells in C order (month m, platform p at m x platforms + p: one index is
        # cheaper than a pair; the casts refuse other orders)
        self._owed, self._reduced = [0.0] * n_platforms, flat_cells(self.reduced)
        self._platforms = n_platforms
        self._packer = float_packer(n_platforms)  # for what is owed, as an array (:func:`packed_floats`)

    def add(self, p: int, amount: float) -> None:
        """A contract of platform ``p`` adds ``amount`` yuan owed."""
        self._owed[p] += amount

    def reduce(self, p: NDArray[np.int64], month: NDArray[np.int64], amount: NDArray[np.float64]) -> None:
        """Payments or write-offs (yuan) of platforms ``p`` falling due in ``month`` (arrays broadcast)."""
        if not np.any(amount):  # e.g. nothing deferred: nothing to reduce
            return
        p_b, m_b, a_b = np.broadcast_arrays(p, month, amount)
        keep = (m_b < self.months) & (a_b != 0)
        np.add.at(self.reduced, (m_b[keep], p_b[keep]), a_b[keep])

    def reduce_one(self, p: int, month: int, amount: float) -> None:
        """One payment or write-off (yuan) of platform ``p`` falling due in ``month``."""
        if month < self.months:
            self._reduced[month * self._platforms + p] += amount

    def add_paid(self, p: int, amount: float, month: int, paid: float) -> None:
        """:meth:`add` of ``amount`` yuan owed, then :meth:`reduce_one` of ``paid`` yuan paid in ``month``, of platform ``p``: one call.

        For a contract paid at signing (the common case): what is owed and
        what is paid are kept apart (the same additions as the two calls).
        """
        self._owed[p] += amount
        if month < self.months:
            self._reduced[month * self._platforms + p] += paid

    def level(self, month: int) -> NDArray[np.float64]:
        """Receivables per platform once the payments due up to ``month`` (inclusive) are in."""
        # the months' sum by the ufunc's reduce, as ndarray.sum calls it, without the method's Python wrapper
        level = packed_floats(self._owed, self._packer) - np.add.reduce(self.reduced[: month + 1], axis=0)
        return np.asarray(np.where(np.abs(level) < 1e-6, 0.0, level))  # float round-off, not money
