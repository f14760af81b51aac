"""The acceptance assessment: one rule for one and for many; its records written at the close of its month."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model.acceptance import Assessments, assessment
from dxsim.model.world import World
from dxsim.random import replication_key

scores = st.floats(0.0, 100.0)
times = st.floats(0.0, 200.0)


@given(
    st.lists(st.tuples(st.booleans(), scores, st.floats(-10.0, 40.0), times | st.just(np.inf), times), min_size=1),
    st.integers(1, 4),
)
def test_the_rule_is_the_same_for_one_assessment_and_for_many(rows, min_level):
    works, maturity, gain, exit_time, now = (np.array(column) for column in zip(*rows, strict=True))
    after, level, accepted = assessment(works, maturity, gain, exit_time, now, min_level)
    for k, row in enumerate(rows):
        one = assessment(*row, min_level)
        assert (one[0], one[1], bool(one[2])) == (after[k], level[k], accepted[k])
        w, m, g, e, t = row
        assert after[k] == (m + g if w else m)  # a failed project adds nothing
        assert accepted[k] == (w and level[k] >= min_level and e > t)


def run(overrides: dict, seed: int = 3) -> tuple[World, list[int]]:
    """A replication of ``small`` over 36 months with ``overrides``; the world and the contracts stepped to acceptance."""
    sc = dx.load_scenario("small").with_overrides({"horizon_months": 36, **overrides})
    w = World(sc, replication_key(seed, 0))
    stepped: list[int] = []
    step = w.contracting.assess

    def recording(contract: int, now: float) -> None:
        stepped.append(contract)
        step(contract, now)

    w.contracting.assess = recording  # type: ignore[method-assign]
    w.run()
    return w, stepped


def test_only_an_assessment_that_moves_programme_money_takes_a_step_of_its_own():
    w, stepped = run({})
    book = w.register.book.arrays()
    assessed = np.flatnonzero(np.isfinite(book["assessed"]))
    funded = np.array([bool(w.register.grants[c]) for c in range(len(book["price"]))])
    assert funded[assessed].any() and (~funded[assessed]).any()  # both kinds in the run
    assert sorted(stepped) == sorted(c for c in assessed.tolist() if funded[c])
    # without a programme none takes a step, and every one is still recorded
    w0, stepped0 = run({"programme.instruments": []})
    assert stepped0 == [] and np.isfinite(w0.register.book.arrays()["assessed"]).sum() > 0


def test_the_records_written_at_the_month_s_close_follow_the_rule():
    w, _ = run({})
    book = w.register.book.arrays()
    delay = w.rules.acceptance_delay
    golive = book["golive"]
    due = np.isfinite(golive) & (golive + delay < 36)  # assessed within the horizon
    assert np.array_equal(np.isfinite(book["assessed"]), due)
    assert np.array_equal(book["assessed"][due], golive[due] + delay)
    gain = np.array([app.traits.maturity_gain for app in w.register.apps])[due]
    works = book["failed"][due] == 0.0
    after, _, accepted = assessment(
        works, book["maturity_before"][due], gain, book["exit"][due], book["assessed"][due], w.rules.acceptance_level
    )
    assert np.array_equal(book["maturity_after"][due], after)
    assert np.array_equal(book["accepted"][due] == 1.0, accepted)
    # the month's count of enterprises accepted (first contracts), each sub-industry's evidence, each platform's record
    industry, platform = book["industry"][due].astype(int), book["platform"][due].astype(int)
    month = book["assessed"][due].astype(int)
    first = book["renewal"][due] == 0.0
    counted = np.zeros_like(w.series.counts["accepted"])
    np.add.at(counted, (month[accepted & first], industry[accepted & first]), 1.0)
    assert np.array_equal(w.series.counts["accepted"], counted)
    present = book["exit"][due] > book["assessed"][due]
    evidence = w.contracting.assessments.evidence
    n_ind, n_plat = len(evidence.working), len(w.platforms)
    assert np.array_equal(evidence.working, np.bincount(industry[present & works], minlength=n_ind))
    assert np.array_equal(evidence.failed, np.bincount(industry[present & ~works], minlength=n_ind))
    admission = w.contracting.assessments.admission
    assert np.array_equal(admission.assessed, np.bincount(platform[present], minlength=n_plat))
    assert np.array_equal(admission.passed, np.bincount(platform[present & accepted], minlength=n_plat))


#: ``small`` with a second batch that opens inside a month and admits the platforms of best score.
MID_MONTH = {
    "programme.admission": {"acceptance_weight": 5.0},
    "programme.batches": [
        {"name": "2022", "opens": "2022-09-01", "closes": "2023-08-31", "budget": 10e6},
        {"name": "2023", "opens": "2023-09-15", "closes": "2024-08-31", "budget": 10e6, "platforms": 2},
    ],
}


def tallies(w: World, before: float) -> dict[str, np.ndarray]:
    """What the assessments made before ``before`` (months) add up to: evidence and admission record.

    From each contract's go-live and the rule, not from what the assessments wrote.
    """
    book = w.register.book.arrays()
    when = book["golive"] + w.rules.acceptance_delay  # NaN: never live
    made = when < before
    works = book["failed"] == 0.0
    gain = np.array([app.traits.maturity_gain for app in w.register.apps])
    _, _, accepted = assessment(works, book["maturity_before"], gain, book["exit"], when, w.rules.acceptance_level)
    present = made & (book["exit"] > when)
    industry, platform = book["industry"].astype(int), book["platform"].astype(int)
    n_ind, n_plat = len(w.contracting.assessments.evidence.working), len(w.platforms)
    return {
        "working": np.bincount(industry[present & works], minlength=n_ind),
        "failed": np.bincount(industry[present & ~works], minlength=n_ind),
        "assessed": np.bincount(platform[present], minlength=n_plat),
        "passed": np.bincount(platform[present & accepted], minlength=n_plat),
    }


@pytest.mark.parametrize("seed", [1, 7])
def test_what_is_read_during_the_run_counts_every_assessment_made_before(seed):
    # the considerers' beliefs at each month's start, a batch's admission when it first scores the platforms
    # (here inside a month): each sees the records of every assessment made before then, none after
    sc = dx.load_scenario("small").with_overrides({"horizon_months": 36, **MID_MONTH})
    w = World(sc, replication_key(seed, 0))
    seen: list[tuple[float, dict[str, np.ndarray]]] = []
    assessments, admission = w.contracting.assessments, w.contracting.admission
    consider, score = w.driver.demand.consider, admission.score

    def snapshot() -> dict[str, np.ndarray]:
        evidence = assessments.evidence
        return {
            "working": evidence.working.copy(),
            "failed": evidence.failed.copy(),
            "assessed": admission.assessed.copy(),
            "passed": admission.passed.copy(),
        }

    def considering(c, t):  # type: ignore[no-untyped-def]
        seen.append((float(t), snapshot()))
        consider(c, t)

    def scoring():  # type: ignore[no-untyped-def]
        out = score()
        seen.append((w.env.now, snapshot()))
        return out

    w.driver.demand.consider = considering  # type: ignore[method-assign]
    admission.score = scoring  # type: ignore[method-assign]
    w.run()
    inside = [t for t, _ in seen if t != int(t)]
    assert inside  # the second batch scored its platforms inside a month
    later = [t for t in inside if (tallies(w, t)["assessed"] > tallies(w, int(t))["assessed"]).any()]
    assert later  # ... after assessments made earlier in that month: what a month-end write would miss
    for t, state in seen:
        expected = tallies(w, t)
        for name, values in state.items():
            np.testing.assert_array_equal(values, expected[name], err_msg=f"{name} at {t}")


class _Book:
    """What :class:`Assessments` reads of a book (every enterprise in business, industry and platform 0) and writes, and when."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.written: list[tuple[float, list[int], list[float]]] = []

    def columns(self, names: tuple[str, ...], cids: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.full(len(cids), np.inf if name == "exit" else 0.0) for name in names)

    def assessed(self, cids: np.ndarray, time: np.ndarray, accepted: np.ndarray, after: np.ndarray) -> None:
        self.written.append((self.env.now, cids.tolist(), time.tolist()))


class _Tally:
    """An admission record or a sub-industry's evidence: what it is told is dropped."""

    def record(self, *args: object) -> None: ...

    def assessed(self, *args: object) -> None: ...


def test_each_write_takes_the_assessments_due_before_its_end_in_the_order_they_fell_due() -> None:
    # due at month ends and inside months, some at the same time; written at each month's close (month m
    # at m + 1) and before a batch reads them at 1.25 and at 2.25: those due before then, not at then
    times = [0.5, 0.75, 1.0, 1.0, 1.5, 2.25, 2.25, 3.0]
    apps = [SimpleNamespace(traits=SimpleNamespace(maturity_gain=10.0 + c)) for c in range(len(times))]
    env = simpy.Environment()
    book = _Book(env)
    assessments = Assessments(env, book, apps, _Tally(), _Tally(), np.zeros((5, 1)), 2)  # type: ignore[arg-type]
    for c, t in enumerate(times):
        assessments.due(c, t)
    for now, month in ((1.0, 0), (1.25, None), (2.0, 1), (2.25, None), (3.0, 2), (4.0, 3), (5.0, 4)):
        env.run(until=now)
        if month is None:
            assessments.write_due()
        else:
            assessments.write(month)
    assert book.written == [
        (1.0, [0, 1], [0.5, 0.75]),
        (1.25, [2, 3], [1.0, 1.0]),
        (2.0, [4], [1.5]),
        (3.0, [5, 6], [2.25, 2.25]),
        (4.0, [7], [3.0]),
    ]


def test_an_assessment_made_due_before_the_last_one_is_refused() -> None:
    # the month's records are the first ones due: an assessment out of order would be written in the wrong month
    apps = [SimpleNamespace(traits=SimpleNamespace(maturity_gain=1.0)) for _ in range(3)]
    env = simpy.Environment()
    assessments = Assessments(env, _Book(env), apps, _Tally(), _Tally(), np.zeros((5, 1)), 2)  # type: ignore[arg-type]
    assessments.due(0, 2.5)
    assessments.due(1, 2.5)  # at the same time: in order
    env.run(until=3.0)
    assessments.write(2)  # none left to compare with in the lists: the last time is still known
    with pytest.raises(ValueError, match=r"assessment at 1\.5 months made due after one at 2\.5"):
        assessments.due(2, 1.5)
