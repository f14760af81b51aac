"""The contract book and the split of one price: what they store and compute, bit for bit."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxsim.model.contracts import ContractBook, split_one, split_price


def application(k: int) -> SimpleNamespace:
    """A stand-in for an application: what :meth:`ContractBook.sign` reads, different for each ``k``."""
    traits = SimpleNamespace(
        fails=k % 3 == 0,
        revenue=1e6 + k / 7,
        liquidity=k * 0.1,
        hurdle_rate=0.1 + k / 1e5,
        maturity=float(k % 100),
        margin=-0.01 * k,
        high_tech=k % 2 == 1,
    )
    return SimpleNamespace(
        enterprise=10 * k,
        industry=k % 11,
        platform=k % 5,
        price=700e3 + k,
        perceived_failure=k / 1e4,
        exit=math.inf if k % 4 else 3.5 + k,
        renewal=k % 5 == 0,
        traits=traits,
    )


def test_the_book_keeps_each_row_as_signed_as_it_grows_past_its_room():
    n = 3 * ContractBook._FIRST_ROOM + 7  # the book doubles its room twice
    book, want = ContractBook(), []
    for k in range(n):
        app, t = application(k), k / 3
        parts = (0.1 * app.price, 0.0, 0.05 * app.price, app.price - 0.1 * app.price - 0.05 * app.price)
        assert book.sign(app, t, *parts) == k
        tr = app.traits
        adopter = (tr.fails, tr.revenue, tr.liquidity, tr.hurdle_rate, app.perceived_failure, tr.maturity)
        rest = (tr.margin, tr.high_tech, app.exit, app.renewal)
        want.append(
            [app.enterprise, app.industry, app.platform, t, app.price, *parts, *book.LATER.values(), *adopter, *rest]
        )
        assert len(book) == k + 1
    book.started(5, 9.0, True)
    book.set(n - 1, "golive", 7.25)
    book.went_live(np.array([3]), np.array([6.5]))  # what set(3, "golive", 6.5) writes
    book.assessed(np.array([2, n - 2]), np.array([4.0, 5.0]), np.array([True, False]), np.array([60.0, 20.0]))
    at = {name: j for j, name in enumerate(ContractBook.PLACE)}  # the columns of ``want``: in the order of arrays()
    want[5][at["wait"]], want[5][at["failed"]] = 9.0 - want[5][at["signed"]], True
    want[n - 1][at["golive"]] = 7.25
    want[3][at["golive"]] = 6.5
    for row, time, accepted, after in ((2, 4.0, True, 60.0), (n - 2, 5.0, False, 20.0)):
        want[row][at["assessed"]], want[row][at["accepted"]], want[row][at["maturity_after"]] = time, accepted, after
    table = np.array(want, dtype=np.float64)
    got = book.arrays()
    assert list(got) == list(at)
    for name, k in at.items():
        assert got[name].shape == (n,) and got[name].tobytes() == table[:, k].tobytes(), name
    assert sorted(ContractBook.PLACE.values()) == list(range(len(at)))  # every column has a place of its own
    cids = np.array([n - 1, 0, 300], dtype=np.int64)
    assert book.take("price", cids).tobytes() == table[cids, at["price"]].tobytes()
    names = ("exit", "price", "golive", "failed", "price")  # any columns, in any order, one twice
    got_columns = book.columns(names, cids)
    assert [c.tobytes() for c in got_columns] == [table[cids, at[name]].tobytes() for name in names]
    assert [c.tobytes() for c in got_columns] == [book.take(name, cids).tobytes() for name in names]


def test_an_empty_book_has_empty_columns():
    book = ContractBook()
    assert len(book) == 0 and all(column.shape == (0,) for column in book.arrays().values())


finite = st.floats(-1e9, 1e9, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.floats(0.0, 1e7), st.one_of(finite, st.sampled_from([0.0, 630.0, 700.0])), st.floats(0.0, 1.0))
def test_split_one_is_split_price_of_one_contract(price, government_part, share):
    """Bit for bit, the sign of a zero too; ties (a government part equal to what the discount leaves) included."""
    price = 700.0 if government_part in (630.0, 700.0) else price
    share = 0.1 if government_part in (630.0, 700.0) else share
    one = split_one(price, government_part, share)
    many = split_price(np.array([price]), np.array([government_part]), share)
    assert [np.float64(x).tobytes() for x in one] == [x[0].tobytes() for x in many]


@pytest.mark.parametrize(
    ("price", "government_part", "share"),
    [
        (0.0, -0.0, 0.0),  # a tie of zeros: numpy's minimum picks the second, Python's min the first
        (0.0, 0.0, 0.0),
        (-0.0, 0.0, 0.0),  # the rest -0.0: numpy's maximum picks the +0.0
        (700.0, math.nan, 0.1),
        (math.nan, 30.0, 0.1),
        (math.inf, 30.0, 0.1),  # the room NaN (inf - inf)
        (100.0, math.inf, 0.1),
        (100.0, -math.inf, 0.1),
    ],
)
def test_split_one_is_split_price_at_zeros_of_either_sign_and_nan(price, government_part, share):
    one = split_one(price, government_part, share)
    with np.errstate(invalid="ignore"):  # inf - inf
        many = split_price(np.array([price]), np.array([government_part]), share)
    assert [np.float64(x).tobytes() for x in one] == [x[0].tobytes() for x in many]
