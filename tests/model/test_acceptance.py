"""The acceptance assessment: one rule for one and for many; its records written at the close of its month."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model.acceptance import assessment
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


def run(overrides: dict) -> tuple[World, list[int]]:
    """A replication of ``small`` over 36 months with ``overrides``; the world and the contracts stepped to acceptance."""
    w = World(dx.load_scenario("small").with_overrides({"horizon_months": 36, **overrides}), replication_key(3, 0))
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
