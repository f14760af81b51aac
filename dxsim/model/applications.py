"""Each applicant's steps as SimPy timeouts: sign, queue, implement, go live, acceptance.

An applicant is not a SimPy process: each of its steps is one timeout
whose callback calls the action for that step and schedules the next, so an
applicant spends two events (it applies, its implementation ends), a third
when its acceptance assessment pays or forfeits programme money (the go-live
step says so; without money the assessment is only recorded, at the close of
its month: :mod:`dxsim.model.acceptance`), and no generator.  A platform with
a capacity serves first come, first served: a contract that finds every
server busy joins the platform's queue and starts the moment one is
released, without an event of its own.  A month's applications apply as
one run (:meth:`Applicants.apply_all`): each numbered and due as its own
step would be, the run's next due alone in the queue, and each next applying
at once where nothing queued comes before it, or where only contracts' steps
(go-lives, assessments) do: the run runs those first, as the environment's
loop would.

The actions are whatever satisfies :class:`ApplicantSteps` (in a replication,
:class:`~dxsim.model.contracting.Contracting`); this module knows nothing of
the world it runs in.  Every decision and every money schedule is a pure
function elsewhere; this module only orders the steps in time.

The steps are the most frequent events of a run, so this module reads and
writes what SimPy keeps private as SimPy's own ``Environment.now`` and
``Environment.schedule`` do: the clock ``_now``, the queue ``_queue``, the
event numbers ``_eid``, and a step's ``_value``
(tests/model/test_applications.py checks each against SimPy's public API).
"""

from __future__ import annotations

import math
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from heapq import heappop, heappush
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypeAlias

import numpy as np
import simpy
from numpy.typing import NDArray
from simpy.events import NORMAL

from dxsim.model.platform import Occupancy
from dxsim.model.population import Attributes

if TYPE_CHECKING:
    from dxsim.model.decision import Inputs, Offer

__all__ = [
    "ApplicantSteps",
    "Applicants",
    "Application",
    "Cohort",
    "Refusal",
    "Refused",
    "SignOutcome",
    "Signed",
    "Traits",
    "Unfunded",
    "Waits",
]


@dataclass(slots=True)
class Traits:
    """One enterprise's keyed attributes as Python values (yuan, months, shares, per year).

    The fields of :class:`~dxsim.model.population.Attributes`, in the same
    order, then ``fails``: whether the project fails, known when its
    implementation starts (it depends on the platform's experience then).
    """

    revenue: float  # yuan / year
    benefit: float  # potential profit gain, share of revenue / year
    hurdle_rate: float  # 1 / year
    max_payback: float  # months
    liquidity: float  # yuan available at signing
    implementation: float  # months
    failure_draw: float  # keyed uniform: fails if below the platform's failure probability
    maturity: float  # score before
    maturity_gain: float  # score points if the project succeeds
    margin: float  # base profit, share of revenue
    high_tech: bool  # certified high-tech enterprise
    fails: bool = False  # set when the implementation starts


@dataclass(slots=True)
class Application:
    """An enterprise that decided to adopt at the start of a month (yuan, months).

    It carries its attributes (``traits``) as Python values, which the steps
    of its application read one at a time.
    """

    enterprise: int
    industry: int
    platform: int
    time: float  # when it applies, months since start
    threshold: float  # its consideration threshold (for a later consideration, if turned away)
    attempt: int  # 0 at its first consideration
    price: float  # the price it was quoted, yuan
    expected_grant: float  # programme money it counted on, yuan
    perceived_failure: float  # the failure probability it reckoned with
    benefit_share: float  # the share of its potential gain it counted on
    traits: Traits
    renewal: bool = False  # a former user renewing its solution (dxsim.model.lifecycle)
    exit: float = math.inf  # when the enterprise exits, months since start (inf: not within the horizon)
    cohort: Cohort | None = None  # the month's applicants counting on programme money, if it is one

    @staticmethod
    def of(
        enterprise: int,
        industry: int,
        platform: int,
        time: float,
        threshold: float,
        attempt: int,
        price: float,
        expected_grant: float,
        perceived_failure: float,
        benefit_share: float,
        revenue: float,
        benefit: float,
        hurdle_rate: float,
        max_payback: float,
        liquidity: float,
        implementation: float,
        failure_draw: float,
        maturity: float,
        maturity_gain: float,
        margin: float,
        high_tech: bool,
        renewal: bool,
        exit: float,
        cohort: Cohort | None,
    ) -> Application:
        """``Application(enterprise, ..., benefit_share, Traits(revenue, ..., high_tech), renewal, exit, cohort)``, made without the ``__init__``s.

        The arguments are the fields in order, the traits' fields (those of
        :class:`~dxsim.model.population.Attributes`, ``fails`` False) in place
        of ``traits``: one call per applicant (:meth:`~dxsim.model.demand.Demand.consider`
        makes thousands a month) where the constructors take two, each through
        the type's slot.  Each object is made with ``object.__new__`` and its
        slots set as the dataclass's ``__init__`` sets them
        (tests/model/test_applications.py compares it with the constructors
        field by field).  Yuan, months, shares, per year as in the fields.
        """
        traits: Traits = _new_object(Traits)
        traits.revenue = revenue
        traits.benefit = benefit
        traits.hurdle_rate = hurdle_rate
        traits.max_payback = max_payback
        traits.liquidity = liquidity
        traits.implementation = implementation
        traits.failure_draw = failure_draw
        traits.maturity = maturity
        traits.maturity_gain = maturity_gain
        traits.margin = margin
        traits.high_tech = high_tech
        traits.fails = False
        app: Application = _new_object(Application)
        app.enterprise = enterprise
        app.industry = industry
        app.platform = platform
        app.time = time
        app.threshold = threshold
        app.attempt = attempt
        app.price = price
        app.expected_grant = expected_grant
        app.perceived_failure = perceived_failure
        app.benefit_share = benefit_share
        app.traits = traits
        app.renewal = renewal
        app.exit = exit
        app.cohort = cohort
        return app


@dataclass(slots=True)
class Cohort:
    """The applicants of one month's consideration that count on programme money (arrays, one entry each).

    If the budget gives one of them nothing when it signs, it decides again
    on the offer without programme money
    (:meth:`~dxsim.model.demand.Offers.adopts_without_money`).  What that
    decision reads that is not the member's own is the month (the tax
    calendar) and the number waiting at its platform (its expected
    go-live), so the first re-decision at a number waiting decides at once
    every member yet to apply as if that many waited at its platform, and
    the others that find that many waiting reuse their decision.  The
    cohort holds what that decision reads (enterprise ids, industries,
    platforms, quoted prices in yuan, attributes, beliefs, renewing) and
    when each applies, not the applications,
    so an application and its cohort make no reference cycle (a run leaves
    nothing for the paused garbage collector).  ``decided`` maps a number
    waiting to each member's enterprise and whether it adopts without
    programme money with that many waiting at its platform; ``unfunded``
    is what every such decision reads, made at the first (None before).
    """

    month: int
    enterprise: NDArray[np.int64]
    industry: NDArray[np.int64]
    platform: NDArray[np.int64]
    price: NDArray[np.float64]
    attributes: Attributes
    belief: tuple[NDArray[np.float64], NDArray[np.float64]]  # perceived failure, share of the gain counted on
    renewing: NDArray[np.bool_]
    time: NDArray[np.float64]  # when each applies, months since start
    decided: dict[float, dict[int, bool]] = field(default_factory=dict)
    unfunded: Unfunded | None = None


class Unfunded(NamedTuple):
    """A cohort's members in the order they apply, and what deciding them without programme money reads.

    ``time`` (months since start, in increasing order), ``enterprise``,
    ``industry`` and ``platform`` of each member; ``offer`` the terms
    without programme money of each (its go-live with no one waiting),
    ``inputs`` those of its decision (:class:`~dxsim.model.decision.Inputs`).
    The members yet to apply at a time are those from the first at it or
    after (:meth:`numpy.ndarray.searchsorted` of ``time``): slices of these.
    """

    time: NDArray[np.float64]
    enterprise: NDArray[np.int64]
    industry: NDArray[np.int64]
    platform: NDArray[np.int64]
    offer: Offer
    inputs: Inputs


@dataclass(frozen=True, slots=True)
class Signed:
    """The applicant signed: its contract is ``contract`` (an id of the contract book)."""

    contract: int

    @staticmethod
    def of(contract: int) -> Signed:
        """``Signed(contract)``, made without the frozen ``__init__`` (about half its cost, once per signing).

        The frozen ``__init__`` sets the field through ``object.__setattr__``;
        this makes the object with ``object.__new__`` and sets its one slot
        through the slot's descriptor: the same object, as immutable
        (tests/model/test_contracting.py checks it against ``Signed(contract)``
        and that ``contract`` is the one field).
        """
        out: Signed = _new_object(Signed)
        _set_contract(out, contract)
        return out


_new_object = object.__new__
_set_contract = vars(Signed)["contract"].__set__  # the slot's member descriptor


@dataclass(frozen=True, slots=True)
class Waits:
    """The budget is spent (rule ``wait``): the applicant comes back when the next batch opens.

    ``until`` is that time, months since the start.
    """

    until: float


#: Why an applicant was turned away: its platform is at its working-capital limit, the budget
#: is spent (rule ``reject``, or ``wait`` with no batch to come), or with the money left it no
#: longer wants to adopt; or it no longer applies: it has exited (while waiting for a batch).
Refusal: TypeAlias = Literal["working_capital", "budget", "unwilling", "exited"]


@dataclass(frozen=True, slots=True)
class Refused:
    """The applicant was turned away (it may consider again later); ``reason`` says why."""

    reason: Refusal


#: The outcome of an attempt to sign.
SignOutcome: TypeAlias = Signed | Waits | Refused


class ApplicantSteps(Protocol):
    """What an application needs from the world it runs in: one action per step.

    Each action happens at the environment's current time.
    """

    def try_sign(self, app: Application) -> SignOutcome:
        """Sign ``app`` now if its terms still hold."""
        ...

    def start_implementation(self, contract: int, now: float) -> float:
        """A server is free at ``now`` (the environment's time): start the project; return its duration (months)."""
        ...

    def go_live(self, contract: int, now: float) -> float | None:
        """The project ends at ``now``: go live; return the delay to the assessment's step (months), None if it has none."""
        ...

    def assess(self, contract: int, now: float) -> None:
        """The step of the acceptance assessment at ``now``."""
        ...


#: Why a step finds no actions to call: the replication they belong to is gone.
_GONE = "the actions of an applicant's steps are gone"


class Applicants:
    """Schedules the steps of every application of one replication.

    Parameters
    ----------
    env : simpy.Environment
        The replication's environment (months).
    steps : ApplicantSteps
        The actions the steps call.  Held by a weak reference (a
        :class:`weakref.ref`, called at each step: cheaper than a proxy's
        attribute): steps still pending at the horizon must not keep the
        replication alive.
    occupancy : Occupancy
        Records the number waiting and in service at each platform (a
        server is free where fewer than its servers are in service).
    capacity : list of int or None
        Servers of each platform (None: unlimited, no one waits).
    """

    def __init__(
        self, env: simpy.Environment, steps: ApplicantSteps, occupancy: Occupancy, capacity: list[int | None]
    ) -> None:
        self.env = env
        self.steps: weakref.ref[ApplicantSteps] = weakref.ref(steps)
        self.occupancy = occupancy
        # as floats, compared with the number in service (a float with a float: CPython 3.11 specialises it)
        self.capacity = [None if c is None else float(c) for c in capacity]
        self.waiting: list[deque[int]] = [deque() for _ in capacity]  # contracts queued, per platform
        #: Processed steps no application schedules again (its last step ran, or it waits in a queue or was
        #: turned away), each made again as a later application's step (:func:`_schedule`): popping one costs
        #: less than making one.  A step is made spare where its step function ends with it, its value
        #: cleared first (a spare step holds nothing: no reference back to these applicants); two statements
        #: there, not a method's call (about 390 instructions, at ~28,000 steps a ``national`` replication).
        self.spare: list[simpy.Event] = []

    def apply(self, app: Application) -> None:
        """``app`` applies at ``app.time`` (months, not before now)."""
        _schedule(self, None, app.time - self.env._now, _APPLIES, (self, app))

    def apply_all(self, apps: Iterable[Application]) -> None:
        """Each of ``apps`` applies at its ``time`` (months, not before now): :meth:`apply` of each in turn, as one run.

        Each application is numbered as :meth:`apply` numbers its step, in
        the order given, and is due at the same time, but only the first due
        is in the environment's queue: the run's one step (:func:`_arrives`)
        stands for it, and once it has applied the next stands in its place,
        applying at once if nothing in the queue comes before it, or once the
        contracts' steps that do have run.  The heap then holds one entry per
        run, not one per application, and an application that follows
        another with nothing but contracts' steps queued between them costs
        no push and no pop (in a ``national`` replication each month's run,
        of about 250, is queued once: 29,486 of its 29,606 applications).
        """
        env = self.env
        now, number = env._now, env._eid
        # (time due, number, application): the time as _schedule makes it from the delay (the same float)
        run = [(now + (app.time - now), next(number), app) for app in apps]
        if not run:
            return
        # last due first, so that the next due is popped from the end: in the order of (time, number), the
        # queue's for entries of one priority (a stable sort by time alone of the run reversed keeps equal
        # times in decreasing number: the numbers increase along the run as given)
        run.reverse()
        run.sort(key=_DUE_TIME, reverse=True)
        time, first, _ = run[-1]
        if time < now:  # the run's earliest, as _schedule refuses a negative delay
            raise ValueError(f"negative delay {time - now}")
        _queue(_Step(self.env), time, first, _ARRIVES, (self, run))  # made new: once a month (spare once done)


# An application's steps are functions of their event, whose value holds the Applicants that scheduled it
# and what the step reads: a module's function is one read of a global, where a bound method was made
# anew at each step scheduled.  (Pending, a step holds its Applicants as a bound method held it; spare,
# it holds nothing: :attr:`Applicants.spare`.)  The steps read their event's value by annotation, not
# typing.cast: a call (of a type made anew, for tuple[int, int]) at each step.  Each event, once
# processed, may be scheduled again as the next step.  A contract starts where a server is free (the
# step counts it in service): its implementation starts now, and a processed step is scheduled again as
# its go-live, with (its Applicants, contract, platform) as its value.  The weak reference to the
# actions is read, then called: ``applicants.steps()`` would look it up as a method, which CPython 3.11
# does not specialise for an instance's own attribute (reading it, it does).
def _applies(event: simpy.Event) -> None:
    """The step of an application (:meth:`Applicants.apply`, or back when the next batch opens)."""
    applicants: Applicants
    app: Application
    applicants, app = event._value
    _signs(applicants, app, event)


def _arrives(event: simpy.Event) -> None:
    """The step of a run of applications (:meth:`Applicants.apply_all`): its next applies, then each next, while no other event comes first.

    The queue's first entry is compared with the run's next as the heap
    would compare their entries, (time, priority, number): the run's next
    applies at once where it comes first (as if its own step were popped
    next: the clock set to its time).  Where a contract's go-live or
    assessment step comes first, it is popped and run here as the
    environment's loop (:func:`~dxsim.model.driver.run_until`) would run it
    next, and the comparison is made again: the same events in the same
    order at the same clock, without queueing the run's step again and
    popping it after each (15,681 times in a ``national`` replication).
    Where any other event comes first, the run's step is queued as the
    run's next, and the loop runs that event.  Its last application's next
    step, if any, is the run's step itself.
    """
    applicants: Applicants
    run: list[tuple[float, int, Application]]
    applicants, run = event._value
    env = applicants.env
    queue = env._queue
    app = run.pop()[2]
    while True:
        if not run:
            _signs(applicants, app, event)
            return
        _signs(applicants, app, None)
        entry = run.pop()  # the run's next, taken once (put back if the run's step is queued as it)
        time, number, app = entry
        while queue:
            first = queue[0]  # (time, priority, number, event): never equal to the run's next in number
            due = first[0]
            if not (time > due or (time == due and (NORMAL, number) > (first[1], first[2]))):  # floats compared first
                break  # the run's next comes first (the test that queued the run's step before, negated)
            step = first[3]
            callbacks = step.callbacks
            if callbacks is not _GOES_LIVE and callbacks is not _ASSESSED:  # not a contract's step: the loop runs it
                run.append(entry)
                _queue(event, time, number, _ARRIVES, event._value)
                return
            # a contract's go-live or assessment, due first: run here as the environment's loop runs an event
            # (popped, the clock set to its time, its callbacks taken, then called; a step never fails), so the
            # run's step is not queued again and popped after it
            heappop(queue)
            env._now = due
            step.callbacks = None  # type: ignore[assignment]  # processed, as the loop leaves it
            callbacks[0](step)
        env._now = time


def _signs(applicants: Applicants, app: Application, event: simpy.Event | None) -> None:
    """``app`` applies now: it signs and starts (or queues), waits for the next batch, or is turned away.

    ``event`` is its processed step, scheduled again as its next (or made
    spare if it has none); None if it has none of its own (in a run, not its
    last): a spare step then (:func:`_schedule`), only if it has a next.
    """
    ref = applicants.steps
    steps = ref()
    assert steps is not None, _GONE
    outcome = steps.try_sign(app)
    if isinstance(outcome, Signed):  # the common case first
        p = app.platform
        cap = applicants.capacity[p]
        now = applicants.env._now
        occupancy = applicants.occupancy
        if cap is None or occupancy.in_service[p] < cap:  # it starts at once: in service without waiting
            occupancy.change(p, now, 1.0)  # in service
            contract = outcome.contract
            _schedule(
                applicants, event, steps.start_implementation(contract, now), _GOES_LIVE, (applicants, contract, p)
            )
            return
        occupancy.change(p, now, 0.0, 1.0)  # in service, waiting
        applicants.waiting[p].append(outcome.contract)
    elif isinstance(outcome, Waits):
        _schedule(applicants, event, outcome.until - applicants.env._now, _APPLIES, (applicants, app))
        return
    else:  # refused: it may consider again later
        assert isinstance(outcome, Refused)
    if event is not None:  # spare (Applicants.spare)
        event._value = None
        applicants.spare.append(event)


def _goes_live(event: simpy.Event) -> None:
    """The step of a contract's go-live: its assessment's step, if it has one; its server to the next in its platform's queue."""
    applicants: Applicants
    contract: int
    p: int
    applicants, contract, p = event._value
    now = applicants.env._now
    ref = applicants.steps
    steps = ref()
    assert steps is not None, _GONE
    delay = steps.go_live(contract, now)
    step: simpy.Event | None = event
    if delay is not None:
        _schedule(applicants, event, delay, _ASSESSED, (applicants, contract))
        step = None  # it is the assessment's step now
    queue = applicants.waiting[p]
    if queue:  # the server passes to the first in the queue: one fewer waiting, as many in service
        applicants.occupancy.change(p, now, 0.0, -1.0)
        nxt = queue.popleft()
        _schedule(applicants, step, steps.start_implementation(nxt, now), _GOES_LIVE, (applicants, nxt, p))
    else:
        applicants.occupancy.change(p, now, -1.0)
        if step is not None:  # spare (Applicants.spare)
            step._value = None
            applicants.spare.append(step)


def _assessed(event: simpy.Event) -> None:
    """The step of the acceptance assessment of a contract with programme money to pay or forfeit."""
    applicants: Applicants
    contract: int
    applicants, contract = event._value
    ref = applicants.steps
    steps = ref()
    assert steps is not None, _GONE
    steps.assess(contract, applicants.env._now)
    event._value = None  # spare (Applicants.spare)
    applicants.spare.append(event)


class _Step(simpy.Event):
    """A step of an application: a :class:`simpy.Timeout` made in one call (:func:`_schedule`), and made again once processed.

    Made, it is not scheduled yet.  :func:`_schedule` schedules it as a
    timeout; once processed (SimPy has taken its callbacks), the step that
    ran may schedule it again as the application's next step: an event
    numbered and ordered as a new one, without the cost of making one.
    """

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.callbacks = []  # not scheduled: nothing to call
        # every step succeeds: read at each step by the environment's loop, an attribute of the step's own
        # (CPython 3.11 specialises the read of an instance's attribute, not of its class's)
        self._ok = True


#: A step's callbacks: its one function, as a tuple (made once per step function, not a list per step).
_Callbacks: TypeAlias = tuple[Callable[[simpy.Event], None]]

#: The steps' callbacks, each made once and shared by every event scheduled as that step: the run's loop
#: (SimPy's, inlined in :func:`~dxsim.model.driver.run_until`) only iterates an event's callbacks
#: (``for callback in callbacks``) and then drops them, and no one adds a callback to a step (nothing
#: waits on it), so a tuple serves as the list SimPy makes per timeout.
_APPLIES: _Callbacks = (_applies,)
_ARRIVES: _Callbacks = (_arrives,)
_GOES_LIVE: _Callbacks = (_goes_live,)
_ASSESSED: _Callbacks = (_assessed,)


def _schedule(applicants: Applicants, event: simpy.Event | None, delay: float, step: _Callbacks, value: Any) -> None:
    """Schedule the :class:`_Step` ``event`` of ``applicants`` ``delay`` months from now: its callbacks ``step`` (one function) read ``value`` then.

    ``event`` None: one of their spare steps (:attr:`Applicants.spare`), or
    a new one if there is none (taken here, not by a method's call: about
    29,500 times a ``national`` replication, for the applications of a run
    but its last).  The value is kept as ``_value`` (where the steps read
    it), the callbacks as ``callbacks``, where SimPy's loop takes them (a
    tuple made once, no list made per step).  The event is pushed onto the
    environment's queue as :meth:`simpy.Environment.schedule` pushes a
    timeout (priority ``NORMAL``, the next event number), so the
    environment numbers and orders it as it would a timeout
    (tests/model/test_applications.py checks the queue entry against
    ``schedule``'s).  A step still pending is refused.
    """
    if delay < 0.0:  # float with float: a comparison CPython 3.11 specialises (float with int it does not)
        raise ValueError(f"negative delay {delay}")
    env = applicants.env
    if event is None:  # a spare step has been processed; a new one has nothing to call
        spare = applicants.spare
        event = spare.pop() if spare else _Step(env)
    elif event.callbacks:
        raise RuntimeError("a step scheduled again before it was processed")
    event.callbacks = step  # type: ignore[assignment]  # a tuple where SimPy types a list: it only iterates it
    event._value = value
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), event))  # env.schedule(event, NORMAL, delay)


def _queue(event: simpy.Event, time: float, number: int, step: _Callbacks, value: Any) -> None:
    """Push the :class:`_Step` ``event`` onto its environment's queue as number ``number`` (drawn before), due at ``time`` (months).

    As :func:`_schedule` pushes a step (priority ``NORMAL``, callbacks
    ``step``, value ``value``), with a number drawn when its application
    applied (:meth:`Applicants.apply_all`).  (:func:`_schedule` pushes its own
    entry: one call fewer for each of the ~37,000 other steps of a ``national`` replication.)
    """
    event.callbacks = step  # type: ignore[assignment]  # a tuple where SimPy types a list: it only iterates it
    event._value = value
    heappush(event.env._queue, (time, NORMAL, number, event))


#: The time an entry (time, number, application) of a run of applications is due: the key the run is sorted by.
_DUE_TIME = itemgetter(0)
