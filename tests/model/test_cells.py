"""One cell at a time through a memoryview: the same memory as the array, refused when it would not be."""

import numpy as np
import pytest

from dxsim.model.cells import cells, flat_cells


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
