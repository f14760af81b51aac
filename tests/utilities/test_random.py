"""Keyed draws: a single id or index, hashed on Python ints, gives the bits the array hash gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dxsim.random import _GOLDEN, _ID_TABLE, _INDEX_TABLE, _M2, Keys, _id_hash, _index_hash, _mix, _to_unit

int64s = st.integers(-(2**63), 2**63 - 1)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**64 - 1), st.lists(int64s, min_size=2, max_size=6), st.lists(int64s, min_size=2, max_size=6))
def test_one_id_or_index_gives_the_bits_of_the_arrays(key, ids, index):
    k = Keys(key)
    ids_a, idx_a = np.array(ids, dtype=np.int64), np.array(index, dtype=np.int64)
    grid = k.bits("s", ids_a[:, None], idx_a[None, :])  # arrays on both sides
    assert grid.shape == (len(ids), len(index)) and grid.dtype == np.uint64
    for r, i in enumerate(ids):
        np.testing.assert_array_equal(k.bits("s", i, idx_a), grid[r])  # a single id
        np.testing.assert_array_equal(k.bits("s", [i], idx_a), grid[r])
        for c, j in enumerate(index):
            one = k.bits("s", np.int64(i), j)  # both single
            assert one.shape == (1,) and one.dtype == np.uint64 and one[0] == grid[r, c]
    for c, j in enumerate(index):
        np.testing.assert_array_equal(k.bits("s", ids_a, j), grid[:, c])  # a single index
    # a single id against an index grid keeps the grid's shape
    assert k.bits("s", ids[0], idx_a.reshape(1, -1).repeat(2, axis=0)).shape == (2, len(index))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(1, 40), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_many_elements_of_few_small_values_give_each_elements_bits(key, ids_up_to, index_up_to, seed):
    """Arrays of many small ids and indices (a Feistel round's) are hashed once per pair: the same bits."""
    k = Keys(key)
    rng = np.random.default_rng(seed)
    n = 1 << 15
    ids, index = rng.integers(0, ids_up_to, n), rng.integers(0, index_up_to, n)
    one_by_one = np.concatenate([k.bits("s", ids[i : i + 1000], index[i : i + 1000]) for i in range(0, n, 1000)])
    np.testing.assert_array_equal(k.bits("s", ids, index), one_by_one)
    column, grid = ids.reshape(-1, 8)[:, :1], index.reshape(-1, 8)  # broadcast, as the platform choice's
    by_rows = np.concatenate([k.bits("s", column[i : i + 1000], grid[i : i + 1000]) for i in range(0, len(grid), 1000)])
    np.testing.assert_array_equal(k.bits("s", column, grid), by_rows)


@given(top=st.integers(min_value=0, max_value=2**53 - 1), low=st.integers(min_value=0, max_value=2**11 - 1))
@settings(max_examples=300, deadline=None)
def test_bits_become_uniforms_strictly_inside_zero_and_one(top, low):
    # (k + 0.5) / 2**53 of the top 53 bits k; k = 2**53 - 1 would round to exactly 1 (-log(1 - u) = inf)
    z = np.array([top << 11 | low, (2**53 - 1) << 11 | low, low], dtype=np.uint64)
    u = _to_unit(z)
    assert ((u > 0) & (u < 1)).all()
    assert u[0] == (top + 0.5) * 2.0**-53 or top == 2**53 - 1  # every other draw as before


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-3, _INDEX_TABLE + 3), min_size=1, max_size=40), st.integers(0, 2**64 - 1))
def test_small_indices_take_the_hash_of_the_array_hash_from_the_table(index, key):
    """An index array is hashed from the table when all its values are small, by :func:`_mix` otherwise: the same bits."""
    idx = np.array(index, dtype=np.int64)
    np.testing.assert_array_equal(_index_hash(idx), _mix(idx.astype(np.uint64) * _M2 + np.uint64(1)))
    two = np.stack([idx, idx[::-1]])  # two dimensions, as the platform choice's
    np.testing.assert_array_equal(_index_hash(two), _mix(two.astype(np.uint64) * _M2 + np.uint64(1)))
    every = np.arange(_INDEX_TABLE, dtype=np.int64)[::-1]  # the whole table, gathered
    np.testing.assert_array_equal(_index_hash(every), _mix(every.astype(np.uint64) * _M2 + np.uint64(1)))
    k = Keys(key)
    ids = np.arange(len(index), dtype=np.int64) * 7919
    one_by_one = np.concatenate([k.bits("s", [i], j) for i, j in zip(ids.tolist(), index, strict=True)])
    np.testing.assert_array_equal(k.bits("s", ids, idx), one_by_one)  # each single index hashed on Python ints


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.integers(-3, 5000), st.integers(_ID_TABLE - 3, _ID_TABLE + 3)), min_size=1, max_size=40),
    st.integers(0, 2**64 - 1),
)
def test_small_ids_take_the_hash_of_the_array_hash_from_the_table(ids, key):
    """An id array is hashed from a table when all its values are small, by :func:`_mix` otherwise: the same bits."""
    a = np.array(ids, dtype=np.int64)
    np.testing.assert_array_equal(_id_hash(a), _mix(a.astype(np.uint64) * _GOLDEN))
    column = a[:, None]  # two dimensions, as the platform choice's
    np.testing.assert_array_equal(_id_hash(column), _mix(column.astype(np.uint64) * _GOLDEN))
    every = np.arange(_ID_TABLE, dtype=np.int64)[::-1]  # the largest table, gathered
    np.testing.assert_array_equal(_id_hash(every), _mix(every.astype(np.uint64) * _GOLDEN))
    k = Keys(key)
    one_by_one = np.concatenate([k.bits("s", [i]) for i in ids])  # each single id hashed on Python ints
    np.testing.assert_array_equal(k.bits("s", a), one_by_one)
    np.testing.assert_array_equal(k.uniforms(("s",), a)["s"], _to_unit(one_by_one))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-3, 70), min_size=1, max_size=30),
    st.lists(st.integers(0, 9), min_size=1, max_size=30),
    st.integers(1, 64),
    st.integers(0, 2**64 - 1),
)
def test_a_kept_stream_gives_the_bits_of_one_not_kept(ids, index, below, key):
    """Ids below the kept bound are gathered from the stream's table, the others hashed: the bits of a stream not kept."""
    n = min(len(ids), len(index))
    a, idx = np.array(ids[:n], dtype=np.int64), np.array(index[:n], dtype=np.int64)
    plain, kept = Keys(key), Keys(key)
    kept.keep("s", below)
    for _ in range(2):  # the table made at the first ask, then read
        np.testing.assert_array_equal(kept.bits("s", a, idx), plain.bits("s", a, idx))
        np.testing.assert_array_equal(
            kept.bits("s", a[:, None], np.arange(3)), plain.bits("s", a[:, None], np.arange(3))
        )
        np.testing.assert_array_equal(kept.bits("s", a), plain.bits("s", a))
    np.testing.assert_array_equal(kept.bits("t", a), plain.bits("t", a))  # another stream: not kept


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(2, 3000), min_size=1, max_size=40), st.integers(0, 3), st.integers(0, 2**63))
def test_a_permutation_s_rounds_read_from_one_table_are_the_rounds_hashed_each(
    sizes: list[int], first_group: int, key: int
) -> None:
    # many elements of few (right half, round) pairs: each pair hashed once for every round and walk, the same bits
    keys = Keys(key)
    size = np.array(sizes, dtype=np.int64)
    group = np.repeat(np.arange(len(size)) + first_group, size)
    n = size[group - first_group]
    k = np.concatenate([np.arange(s) for s in sizes])
    half = np.maximum(1, np.ceil(np.log2(n) / 2)).astype(np.uint64)
    table = keys._round_table("p", half, group * 4)
    if table is not None:
        bits, width = table
        pairs = np.arange(len(bits))
        np.testing.assert_array_equal(bits, keys.bits("p", pairs // width, pairs % width))
    each = Keys(key)
    each._round_table = lambda *args: None  # type: ignore[method-assign]
    np.testing.assert_array_equal(
        keys.permutation_indices("p", n, k, group), each.permutation_indices("p", n, k, group)
    )
    for s, g in zip(sizes, range(first_group, first_group + len(sizes)), strict=True):
        assert sorted(keys.permutation_indices("p", s, np.arange(s), g).tolist()) == list(range(s))


def test_a_permutation_of_many_elements_reads_its_rounds_from_a_table() -> None:
    keys = Keys(3)
    size = np.full(100, 1000)
    group = np.repeat(np.arange(100), 1000)
    table = keys._round_table("p", np.full(100_000, 5, dtype=np.uint64), group * 4)
    assert table is not None and table[1] == 400 and len(table[0]) == 32 * 400
    assert keys._round_table("p", np.full(10, 5, dtype=np.uint64), np.zeros(10, dtype=np.int64)) is None
    np.testing.assert_array_equal(
        keys.permutation_indices("p", size[group], np.arange(100_000) % 1000, group)[:1000],
        keys.permutation_indices("p", 1000, np.arange(1000), 0),
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 5000), st.integers(1, 14), st.integers(0, 2**63))
def test_several_streams_uniforms_hashed_together_are_each_stream_s_own(n: int, streams: int, key: int) -> None:
    # up to _STACKED elements the streams are hashed as the rows of one array, above in blocks: each its own draws
    k = Keys(key)
    names = tuple(f"s{j}" for j in range(streams))
    ids = np.arange(n) * 7 % max(n, 1) + n  # ids in any order, some above the id table at the top
    drawn = k.uniforms(names, ids)
    assert list(drawn) == list(names)
    for name in names:
        one = k.uniform(name, ids)
        assert drawn[name].shape == one.shape
        np.testing.assert_array_equal(drawn[name].view(np.int64), one.view(np.int64))
