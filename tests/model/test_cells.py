"""One cell at a time through a memoryview: the same memory as the array, refused when it would not be."""

import numpy as np
import pytest

from dxsim.model.cells import (
    _PACK_FROM,
    MonthRows,
    RunRows,
    cells,
    flat_cells,
    float_packer,
    packed_floats,
    packed_ints,
)
from dxsim.model.institutions import ApplicantLog


def test_flat_cells_write_the_array_at_row_major_positions() -> None:
    a = np.zeros((4, 3))
    view = flat_cells(a)
    for m in range(4):
        for i in range(3):
            view[m * 3 + i] += m + 0.25 * i
    np.testing.assert_array_equal(a, np.arange(4)[:, None] + 0.25 * np.arange(3))


def test_flat_cells_refuse_an_array_not_in_c_order() -> None:
    with pytest.raises(TypeError):
        flat_cells(np.zeros((3, 4)).T)
    with pytest.raises(TypeError):
        flat_cells(np.zeros((3, 4), dtype=np.int64).astype(np.float32))  # not float64


def test_cells_index_like_the_array() -> None:
    a = np.zeros((2, 3))
    cells(a)[1, 2] += 1.5
    assert a[1, 2] == 1.5


@pytest.mark.parametrize("n", [0, 1, 4, _PACK_FROM - 1, _PACK_FROM, 300])
def test_floats_are_the_array_of_the_list(n: int) -> None:
    special = [0.1, -0.0, 3.0, 1e300, float("inf"), float("-inf"), float("nan"), 5e-324, 2, 0, -7]  # ints as floats
    values = (special * (n // len(special) + 1))[:n]
    expected = np.array(values, dtype=np.float64)
    got = packed_floats(values, float_packer(n))
    assert got.dtype == np.float64 and got.shape == (n,)
    assert got.tobytes() == expected.tobytes()  # bit for bit: -0.0 and NaN included
    assert (float_packer(n) is None) == (n < _PACK_FROM)  # a few by np.array, more packed


@pytest.mark.parametrize("n", [0, 1, 5, 3000])
def test_ints_are_the_array_of_the_list(n: int) -> None:
    special = [0, 1, -1, True, False, 2**53 + 1, -(2**63), 2**63 - 1, 48241, np.int64(7)]
    values = (special * (n // len(special) + 1))[:n]
    got = packed_ints(values)
    assert got.dtype == np.int64 and got.shape == (n,) and not got.flags.writeable
    assert got.tobytes() == np.array(values, dtype=np.int64).tobytes()


def test_applicant_columns_are_the_floats_of_the_list() -> None:
    log = ApplicantLog()
    record = log.recorder()
    for row in ((48241, 0, 0, True), (2**53 + 1, 119, 3, False), (-(2**62) - 1, 7, 1, True)):  # rounded alike
        record(row)
    table = np.asarray(log.rows, dtype=np.float64).reshape(-1, 4)
    for k, (name, column) in enumerate(log.arrays().items()):
        assert name == ApplicantLog.COLUMNS[k] and column.flags.c_contiguous
        assert column.tobytes() == table[:, k].copy().tobytes()


def test_month_rows_start_from_the_array_and_copy_one_closed_row_each_time() -> None:
    a = np.arange(12.0).reshape(4, 3) - 4.0  # its values so far: the list's start
    rows = MonthRows(a)
    assert rows.cells == a.ravel().tolist() and rows.width == 3 and rows.rows is a
    before = a.copy()
    for m in range(4):
        for i in range(3):
            rows.cells[m * 3 + i] += 0.5 + m * 0.25 - i  # row m, column i
    np.testing.assert_array_equal(a, before)  # nothing written before a month closes
    rows.close(2)
    expected = before.copy()
    expected[2] += 0.5 + 2 * 0.25 - np.arange(3)
    assert a.tobytes() == expected.tobytes()  # that row only, the list's doubles
    for m in (0, 1, 3):
        rows.close(m)
    assert a.tobytes() == np.array(rows.cells).reshape(4, 3).tobytes()


def test_month_rows_copy_the_doubles_numpy_would_and_refuse_other_arrays() -> None:
    a = np.zeros((2, 5))
    rows = MonthRows(a)
    special = [0.1, -0.0, float("nan"), float("-inf"), 5e-324]
    rows.cells[5:] = special
    rows.close(1)
    expected = np.zeros((2, 5))
    expected[1] = special
    assert a.tobytes() == expected.tobytes()  # bit for bit: -0.0, NaN and a subnormal included
    with pytest.raises(TypeError):
        MonthRows(np.zeros((3, 4)).T)  # not in C order
    with pytest.raises(TypeError):
        MonthRows(np.zeros((3, 4), dtype=np.float32))


def test_run_rows_copy_every_row_as_the_last_month_closes_and_nothing_before() -> None:
    a = np.arange(12.0).reshape(4, 3) - 4.0  # its values so far: the list's start
    rows = RunRows(a, 2)
    assert rows.cells == a.ravel().tolist() and rows.width == 3 and rows.rows is a
    before = a.copy()
    special = [0.1, -0.0, float("nan"), float("-inf"), 5e-324, 1e300]
    for m in range(4):
        for i in range(3):
            rows.cells[m * 3 + i] += special[(m + i) % len(special)]
    for m in (0, 1):
        rows.close(m)
        assert a.tobytes() == before.tobytes()  # nothing written before the last month closes
    rows.close(2)
    expected = np.array(rows.cells, dtype=np.float64).reshape(4, 3)
    assert a.tobytes() == expected.tobytes()  # every row, the list's doubles (-0.0, NaN, a subnormal)
    rows.cells[0] = 7.0
    rows.close(3)  # a later close copies again
    assert a[0, 0] == 7.0
    with pytest.raises(TypeError):
        RunRows(np.zeros((3, 4)).T, 2)  # not in C order
