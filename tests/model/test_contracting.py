"""Signing: every attempt ends in one small tagged outcome, ``Signed``, ``Waits`` or ``Refused`` (with why)."""

from __future__ import annotations

import dataclasses
import itertools
import typing

import numpy as np
import pytest

import dxsim as dx
from dxsim.model import contracting
from dxsim.model.applications import Refusal, Refused, Signed, SignOutcome, Waits
from dxsim.model.cells import MonthRows, RunRows
from dxsim.model.contracting import SETTLE_BLOCK
from dxsim.model.world import World
from dxsim.random import replication_key

TWO_BATCHES = [
    {"name": "a", "opens": "2022-09-01", "closes": "2023-02-28", "budget": 5e5},
    {"name": "b", "opens": "2023-03-01", "closes": "2024-02-29", "budget": 5e6},
]


def describe(outcome: SignOutcome) -> str:
    match outcome:
        case Signed(contract):
            return f"contract {contract}"
        case Waits(until):
            return f"back at {until:g}"
        case Refused(reason):
            return f"turned away: {reason}"
    raise AssertionError(outcome)  # pragma: no cover - the union is exhausted above


def test_sign_outcomes_are_frozen_tagged_values():
    assert typing.get_args(SignOutcome) == (Signed, Waits, Refused)
    assert typing.get_args(Refusal) == ("working_capital", "budget", "unwilling", "exited")
    outcomes = [Signed(3), Waits(6.0), Refused("budget")]
    assert [describe(o) for o in outcomes] == ["contract 3", "back at 6", "turned away: budget"]
    assert Signed(3) == Signed(3) and Signed(3) != Signed(4) and Waits(6.0) != Signed(6)
    for o in outcomes:
        with pytest.raises(dataclasses.FrozenInstanceError):
            o.__setattr__(dataclasses.fields(o)[0].name, 0)
        assert not hasattr(o, "__dict__")  # slots: one small object per attempt


def test_signed_of_is_signed():
    """``Signed.of`` sets the one field without the frozen ``__init__``: the same value, as immutable."""
    assert [f.name for f in dataclasses.fields(Signed)] == ["contract"]  # a second field would be left unset
    for contract in (0, 3, 29_483):
        made = Signed.of(contract)
        assert type(made) is Signed and made == Signed(contract) and made != Signed(contract + 1)
        assert made.contract == contract and repr(made) == repr(Signed(contract))
        assert hash(made) == hash(Signed(contract))
        match made:
            case Signed(c):
                assert c == contract
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.contract = contract + 1  # type: ignore[misc]
        assert not hasattr(made, "__dict__")


def attempts(overrides: dict, seed: int = 1):
    """Run ``small`` with ``overrides``; return the world and every attempt to sign.

    An attempt is (time, application, outcome, whether its platform was at its working-capital limit).
    """
    w = World(dx.load_scenario("small").with_overrides({"horizon_months": 36, **overrides}), replication_key(seed, 0))
    seen = []
    sign = w.contracting.try_sign

    def recording(app):
        now = w.env.now
        over = bool(w.contracting.working_capital.over_limit()[app.platform])
        out = sign(app)
        seen.append((now, app, out, over))
        return out

    w.contracting.try_sign = recording
    w.run()
    return w, seen


def test_signed_outcomes_name_the_contracts_in_the_order_they_were_signed():
    w, seen = attempts({"programme.when_budget_exhausted": "reject", "programme.batches[0].budget": 1e6})
    signed = [out.contract for _, _, out, _ in seen if isinstance(out, Signed)]
    assert signed == list(range(len(w.book)))
    assert any(isinstance(out, Refused) for _, _, out, _ in seen)
    book = w.book.arrays()
    for now, app, out, _ in seen:
        assert isinstance(out, Signed | Waits | Refused)
        if isinstance(out, Signed):
            assert book["enterprise"][out.contract] == app.enterprise
            assert book["signed"][out.contract] == now


def test_a_platform_at_its_working_capital_limit_turns_applicants_away_when_waiters_come_back():
    # Under a deferred scheme the month's decisions are rationed against each platform's working
    # capital, so the month's own applicants fit; those told to wait for batch b come back when it
    # opens, outside that rationing, and may find their platform at its limit, or push it there
    # before that month's applicants sign.
    w, seen = attempts(
        {
            "contract.payment": {"scheme": "revenue_share"},
            "platforms.working_capital_limit": 3e5,
            "programme.when_budget_exhausted": "wait",
            "programme.batches": TWO_BATCHES,
        }
    )
    second = w.scenario.month_of(w.scenario.programme.batches[1].opens)
    assert any(isinstance(out, Waits) for _, _, out, _ in seen)
    assert all(out.until == second for _, _, out, _ in seen if isinstance(out, Waits))
    refused = [(now, app, over) for now, app, out, over in seen if out == Refused("working_capital")]
    assert len(refused) >= 3
    for now, _, over in refused:
        assert over and int(now) == second
    # an applicant is refused for working capital exactly when its platform is at its limit
    assert all(out == Refused("working_capital") for *_, out, over in seen if over)


def test_a_cohort_decides_each_member_as_deciding_it_alone_would(small, monkeypatch):
    """Re-decisions without programme money, taken with the month's cohort, are the ones taken alone."""
    from dxsim.model.demand import Offers

    sc = small.with_overrides({"horizon_months": 36, "programme.batches[0].budget": 5e5, "platforms.capacity": 1})
    taken = Offers.adopts_without_money
    answers: list[tuple[bool | None, bool]] = []
    cohorts = []

    def checked(self: Offers, app, month: int) -> bool | None:
        with_cohort = taken(self, app, month)
        cohorts.append(app.cohort)
        none = np.zeros((len(self.programme.instruments), 1))
        answers.append((with_cohort, bool(self.evaluate_applicant(app, none, none, month)[1].adopt[0])))
        return with_cohort

    monkeypatch.setattr(Offers, "adopts_without_money", checked)
    with_cohorts = dx.simulate(sc, replications=3, seed=5, progress=False)
    reused = [(a, b) for a, b in answers if a is not None]
    assert len(reused) >= 10 and {b for _, b in reused} == {True, False}  # both answers occur
    assert all(a == b for a, b in reused)
    assert max(len(c.decided) for c in cohorts if c is not None) > 1  # queues moved: decided at another number waiting
    monkeypatch.setattr(Offers, "adopts_without_money", lambda self, app, month: None)
    assert dx.simulate(sc, replications=3, seed=5, progress=False).identical(with_cohorts)


def test_a_cohorts_unfunded_members_are_its_members_in_the_order_they_apply(small, monkeypatch):
    """What a cohort's re-decisions read: each member's own entries, the members sorted by when they apply."""
    from dxsim.model.demand import Offers

    sc = small.with_overrides({"horizon_months": 24, "programme.batches[0].budget": 5e5, "platforms.capacity": 1})
    made = Offers._unfunded
    checked = []

    def unfunded(self: Offers, cohort):
        members = made(self, cohort)
        order = np.argsort(cohort.time, kind="stable")
        assert (np.diff(members.time) >= 0).all() and members.time.tobytes() == cohort.time[order].tobytes()
        for got, want in ((members.enterprise, cohort.enterprise), (members.platform, cohort.platform)):
            assert got.tobytes() == want[order].tobytes()
        none = np.zeros((len(self.programme.instruments), len(order)))
        att = cohort.attributes.take(order)
        offer = self._terms(
            members.industry, members.platform, cohort.price[order], (none, none), att, cohort.renewing[order], None
        )
        for field in dataclasses.fields(offer):
            value = getattr(offer, field.name)
            if isinstance(value, np.ndarray) and field.name != "golive":
                assert getattr(members.offer, field.name).tobytes() == value.tobytes(), field.name
        inputs = self._inputs(cohort.industry, cohort.attributes, cohort.belief, cohort.month)  # in the cohort's order
        for name in ("gain", "ramp", "lifetime", "hurdle_rate", "failure", "max_payback", "liquidity"):
            assert getattr(members.inputs, name).tobytes() == getattr(inputs, name)[order].tobytes(), name
        assert members.inputs.tax.base_profit.tobytes() == inputs.tax.base_profit[order].tobytes()
        alone = self._terms(cohort.industry, cohort.platform, cohort.price, (none, none), cohort.attributes, None, None)
        taxed = inputs.bounded(alone, record=False).taxed
        for got, want in zip(members.inputs.taxed, taxed, strict=True):  # the tax as the screen takes it
            assert got.tobytes() == want[order].tobytes()
        checked.append(len(order))
        return members

    monkeypatch.setattr(Offers, "_unfunded", unfunded)
    dx.simulate(sc, replications=2, seed=5, progress=False)
    assert len(checked) >= 2 and max(checked) > 1


def _settled(scenario: dx.Scenario, monthly: bool | None) -> tuple[dict[str, np.ndarray], bool]:
    """The ledger's columns and outputs of one replication, its settlement forced monthly or not (None: as run)."""
    world = World(scenario, replication_key(3, 1))
    chosen = world.live.monthly
    if monthly is not None:
        world.live.monthly = monthly
    written = []  # the number of ledger schedules at each month's close
    close = world.driver.close_month

    def closing(t: int) -> None:
        close(t)
        written.append(len(world.ledger._chunks))

    world.driver.close_month = closing
    result = world.run(keep_ledger=True)
    table = result.ledger
    columns = {k: np.asarray(getattr(table, k)) for k in ("month", "payer", "payee", "kind", "contract", "amount")}
    columns |= {f"monthly.{k}": v for k, v in result.monthly.items()}
    columns |= {f"adopters.{k}": v for k, v in result.adopters.items()}
    columns["written"] = np.asarray(written)
    return columns, chosen


@pytest.mark.parametrize(("name", "block"), [("small", SETTLE_BLOCK), ("small", 7), ("revenue-share", 7)])
def test_settling_at_the_end_writes_what_settling_monthly_writes(name, block, monkeypatch):
    # upfront without fees: the schedules wait for the run's end (in blocks), and the ledger and
    # outputs are those of settling each month, entry by entry; payments from go-live (a revenue
    # share) move the receivables each month reads: settled monthly
    monkeypatch.setattr(contracting, "SETTLE_BLOCK", block)
    scenario = dx.load_scenario(name).with_overrides({"horizon_months": 36})
    as_run, monthly = _settled(scenario, None)
    assert monthly == (name == "revenue-share")
    forced, _ = _settled(scenario, True)
    for key in as_run:
        if key != "written":
            np.testing.assert_array_equal(as_run[key], forced[key], err_msg=key)
    assert forced["written"][-1] > 0
    assert (as_run["written"] == 0).all() != monthly  # nothing written before the end unless monthly
    with_fee = scenario.with_overrides({"solutions.lightweight-mes.subscription": 500.0})
    assert _settled(with_fee, None)[1]  # fees interleave with the gains: monthly


@pytest.mark.parametrize(("name", "block"), [("small", SETTLE_BLOCK), ("small", 7), ("revenue-share", 7)])
def test_each_contract_s_go_live_is_in_the_book_once_settled(name, block, monkeypatch):
    """A go-live's time, kept as the contract goes live, is its "golive" in the book once it settles (NaN if not live)."""
    monkeypatch.setattr(contracting, "SETTLE_BLOCK", block)  # at the run's end, blocks of 7 (monthly: each month's)
    seen: dict[int, float] = {}
    add = contracting.LiveContracts.add

    def recording(self: contracting.LiveContracts, cid: int, now: float) -> None:
        seen[cid] = now
        add(self, cid, now)

    monkeypatch.setattr(contracting.LiveContracts, "add", recording)
    world = World(dx.load_scenario(name).with_overrides({"horizon_months": 36}), replication_key(1, 0))
    world.run()
    golive = world.book.arrays()["golive"]
    want = np.full(len(golive), np.nan)
    want[list(seen)] = list(seen.values())
    assert len(seen) > 14  # several blocks of 7
    assert golive.tobytes() == want.tobytes()


def test_a_decision_on_few_enterprises_unrecorded_skips_the_screen_and_adopts_as_with_it(monkeypatch):
    """Unrecorded, a re-decision of one applicant (or of a few) is evaluated in full: the screened adoptions."""
    import dxsim.model.demand as demand

    sc = dx.load_scenario("city-pilot-east-tiered")  # applicants re-decide on part of a tiered reward
    decide = demand.decide
    seen: list[tuple[int, bool, bool, bool]] = []  # enterprises, screen, record, ruled out by the screen

    def checked(offer, **kw):
        decision = decide(offer, **kw)
        screened = decide(offer, **{**kw, "screen": True})
        assert np.array_equal(decision.adopt, screened.adopt)
        seen.append((len(decision.adopt), kw["screen"], kw["record"], bool(np.isnan(screened.value).any())))
        return decision

    monkeypatch.setattr(demand, "decide", checked)
    dx.simulate(sc, replications=1, seed=5, progress=False)
    dx.simulate(sc, replications=1, seed=5, progress=False, decisions=True)
    assert all(screen == (record or n >= demand._SCREEN_FROM) for n, screen, record, _ in seen)
    alone = [out for n, screen, _, out in seen if n == 1 and not screen]
    assert True in alone and False in alone  # some the screen would have ruled out, some it lets through
    assert any(record for _, _, record, _ in seen)


def test_in_use_is_counted_in_a_list_and_each_month_s_row_copied_as_it_closes():
    # no contract changes a closed month's row, so the array's rows, copied at each close, are the list's
    world = World(dx.load_scenario("small").with_overrides({"horizon_months": 36}), replication_key(3, 1))
    live = world.live
    in_use = live.at_close[0]
    assert isinstance(in_use, MonthRows)  # in_use's rows first
    rows = in_use.rows
    close = world.driver.close_month
    closed = []

    def closing(t: int) -> None:
        close(t)
        closed.append(t)
        listed = np.reshape(live.in_use, rows.shape)
        np.testing.assert_array_equal(rows[: t + 1], listed[: t + 1])  # rows of closed months unchanged since
        assert not rows[t + 1 :].any()  # the rest not written yet

    world.driver.close_month = closing
    world.run()
    assert closed == list(range(36))
    assert rows[:36].any() and (np.reshape(live.in_use, rows.shape) == rows).all()


def test_those_turned_away_in_a_month_join_the_rejecters_at_its_close_in_order() -> None:
    """TurnedAway.close joins one Considerers: the concatenation of one per applicant, in order, each dtype kept."""
    from dxsim.model.contracting import TurnedAway
    from dxsim.model.population import Considerers, _concat

    joined: list[Considerers] = []
    population = typing.cast(typing.Any, type("P", (), {"reconsider": lambda self, c: joined.append(c)})())
    turned = TurnedAway(population)
    turned.close(3)
    assert joined == []  # nobody turned away: no join
    rows = [(17, 2, 3.25, 0.5, 0), (4, 0, 3.5, 1.75, 2), (99, 2, 3.5, -0.0, 1)]
    turned.rows.extend(rows)
    one_each = _concat(
        [Considerers(*(np.array([value]) for value in row)) for row in rows]  # as each was joined before
    )
    turned.close(3)
    assert len(joined) == 1 and turned.rows == []
    for name in ("ids", "industry", "time", "threshold", "attempt"):
        got, expected = getattr(joined[0], name), getattr(one_each, name)
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes(), name
    turned.close(4)
    assert len(joined) == 1  # emptied at the close


def test_a_run_with_those_turned_away_joined_at_once_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Joined as each is turned away (as before TurnedAway), a run's outputs and ledger are bit for bit the same."""
    from dxsim.model.contracting import TurnedAway
    from dxsim.model.population import Considerers

    def run() -> tuple[typing.Any, int]:
        world = World(dx.load_scenario("city-pilot-east-tiered"), replication_key(3, 1))
        turned: list[typing.Any] = []
        turn_away = world.contracting._turn_away

        def counted(app: typing.Any) -> None:
            turned.append(app)
            turn_away(app)

        world.contracting._turn_away = counted  # type: ignore[method-assign]
        result = world.run()
        return result, len(turned)

    batched, n = run()
    assert n > 10  # some are turned away

    def join_now(self: contracting.Contracting, app: typing.Any) -> None:
        self.outlets.turned_away.population.reconsider(
            Considerers(
                np.array([app.enterprise]),
                np.array([app.industry]),
                np.array([app.time]),
                np.array([app.threshold]),
                np.array([app.attempt]),
            )
        )

    monkeypatch.setattr(contracting.Contracting, "_turn_away", join_now)
    monkeypatch.setattr(TurnedAway, "close", lambda self, month: None)
    at_once, _ = run()
    for name, value in vars(batched).items():
        other = vars(at_once)[name]
        if isinstance(value, dict):
            assert value.keys() == other.keys(), name
            for key in value:
                assert np.asarray(value[key]).tobytes() == np.asarray(other[key]).tobytes(), (name, key)
        elif isinstance(value, np.ndarray):
            assert value.tobytes() == other.tobytes(), name
        elif isinstance(value, int):
            assert value == other, name  # the count of events
    table, other_table = batched.ledger, at_once.ledger
    for column in ("month", "payer", "payee", "kind", "contract", "platform", "amount"):
        assert getattr(table, column).tobytes() == getattr(other_table, column).tobytes(), column


@pytest.mark.parametrize("contingent", [True, False])
@pytest.mark.parametrize("discount", [0.0, 0.1, 0.35])
def test_signing_reads_the_discount_share_of_a_contract_without_and_with_grants(contingent, discount):
    """SignOutlets.of holds the rules' discount share of an unfunded and of a funded contract."""
    from dxsim.model.contracting import SignOutlets
    from dxsim.model.institutions import ApplicantLog
    from dxsim.model.parameters import ContractRules

    rules = dataclasses.replace(
        ContractRules.of(dx.load_scenario("small")), discount=discount, discount_contingent=contingent
    )
    c = World(dx.load_scenario("small"), replication_key(1, 0)).contracting
    outlets = SignOutlets.of(typing.cast(typing.Any, None), ApplicantLog(), rules, c.outlets.tallies, c.live)
    assert outlets.discount_shares == (rules.discount_share(False), rules.discount_share(True))
    assert outlets.discount_shares == ((0.0 if contingent else discount), discount)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outlets.discount_shares = (0.0, 0.0)  # type: ignore[misc]


@pytest.mark.parametrize("name", ["small", "platform-pilot-2022-2025", "no-programme"])
def test_sign_outlets_hold_the_window_the_counts_and_the_internal_costs(name):
    """No window asked yet; the tallies are the adoptions' and renewals' lists, copied as the last month closes; the internal costs per industry."""
    world = World(dx.load_scenario(name), replication_key(1, 0))
    c = world.contracting
    outlets = c.outlets
    assert outlets.window == [(np.inf, np.inf, None)]  # an empty span: the first signing asks
    tallies = [rows for rows in c.live.at_close if isinstance(rows, RunRows)]
    counts = world.series.counts
    assert [rows.rows for rows in tallies] == [counts["adoptions"], counts["renewals"]]
    assert outlets.tallies[False] is tallies[0].cells and outlets.tallies[True] is tallies[1].cells
    assert all(rows._last == world.horizon - 1 for rows in tallies)  # the run's last month
    industry = c.live.industry
    assert outlets.industries == len(industry.internal_share) == c.live.industries
    assert outlets.internal == list(
        zip(industry.internal_share.tolist(), industry.internal_fixed.tolist(), strict=True)
    )
    world.run()
    adopted = np.reshape(outlets.tallies[False], counts["adoptions"].shape)
    assert adopted.tobytes() == counts["adoptions"].tobytes() and adopted.any()  # copied whole at the end


def test_grants_outstanding_sums_the_unsettled_price_parts_of_each_contract_in_order():
    """``Grants.outstanding`` visits only contracts with grants, summing each one's unsettled parts in its grants' order."""
    from types import SimpleNamespace

    from dxsim.model.programme import Grant, new_grant

    def grant(part: float, paid_to: str, settled: bool = False) -> Grant:
        g = new_grant(0, 0, part, part, paid_to, "golive")  # type: ignore[arg-type]
        g.settled = settled
        return g

    grants = [
        (),
        (grant(1e16, "platform"), grant(1.0, "platform"), grant(-1e16, "platform"), grant(0.5, "enterprise")),
        (),
        (grant(7.5, "enterprise", settled=True), grant(0.25, "platform")),
        (grant(2.0, "enterprise"),),
        (),
    ]

    class Register(list):  # its length is the number of contracts, as the register's
        pass

    register = Register(grants)
    register.grants = grants  # type: ignore[attr-defined]
    got = contracting.Grants.outstanding(SimpleNamespace(register=register))  # type: ignore[arg-type]
    # in the grants' order 1e16 + 1 - 1e16 is 0 (1 is lost), in another order it would be 1
    assert got["platform"].tolist() == [0.0, 0.0, 0.0, 0.25, 0.0, 0.0]
    assert got["enterprise"].tolist() == [0.0, 0.5, 0.0, 0.0, 2.0, 0.0]
    # the last contract's grant alone unsettled: the scan from the last contracts finds it first
    for g in itertools.chain.from_iterable(grants):
        g.settled = True
    grants[4][0].settled = False
    got = contracting.Grants.outstanding(SimpleNamespace(register=register))  # type: ignore[arg-type]
    assert got["enterprise"].tolist() == [0.0, 0.0, 0.0, 0.0, 2.0, 0.0] and not got["platform"].any()
    grants[4][0].settled = True  # every grant settled: zeros, one per contract
    got = contracting.Grants.outstanding(SimpleNamespace(register=register))  # type: ignore[arg-type]
    assert [a.tolist() for a in got.values()] == [[0.0] * 6, [0.0] * 6]
