"""Keyed random numbers: every draw is a pure function of the seed and a key.

A replication's randomness is not a stream consumed in event order.  Each draw
is ``uniform(key, stream, id, index)``: a counter-based 64-bit hash (SplitMix64
finaliser, applied in a chain) of the replication key, a named stream (one per
attribute or decision), an id (enterprise, platform, industry) and an index
(attempt number, order statistic).  Consequences:

* attributes can be drawn only for the enterprises that need them, in any order
  and in any chunking, and always come out the same;
* two scenarios run on the same seed give the same enterprise the same revenue,
  hurdle rate, consideration threshold and so on (common random numbers), so
  they differ only where their rules differ;
* replication ``k`` uses the ``k``-th child of ``numpy.random.SeedSequence(seed)``
  whatever the number of workers.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Keys", "replication_key", "stream_id"]

_MASK = 0xFFFFFFFFFFFFFFFF
_GOLDEN_INT, _M1_INT, _M2_INT = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_GOLDEN, _M1, _M2 = np.uint64(_GOLDEN_INT), np.uint64(_M1_INT), np.uint64(_M2_INT)
_TWO_M53 = 2.0**-53
_BELOW_ONE = 1.0 - 2.0**-53  # the largest double below 1
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
#: Fewest elements of arrays of ids and indices hashed once per pair of values (:func:`_grid`).
_TABLE_FROM = 1 << 14
#: Indices below this are hashed once, at import (:data:`_INDEX_HASHES`): attempts, slots, rounds.
_INDEX_TABLE = 1 << 12
#: Ids below this take their hash from a table made once a process (:func:`_id_table`): enterprises, industries.
_ID_TABLE = 1 << 17
#: Up to this many elements the uniforms of several streams are hashed as one array (:meth:`Keys.uniforms`).
_STACKED = 1 << 14


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser on arrays (uint64 arithmetic wraps modulo 2**64)."""
    z = np.asarray(x + _GOLDEN)  # a new array: the steps below work in place
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _mix_int(x: int) -> int:
    """SplitMix64 finaliser on a Python int in ``[0, 2**64)`` (same function as :func:`_mix`)."""
    z = (x + _GOLDEN_INT) & _MASK
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
    return z ^ (z >> 31)


def _index_hash(index: NDArray[np.int64]) -> NDArray[np.uint64]:
    """The hash of each index (at least one dimension): :data:`_INDEX_HASHES` gathered when all are small."""
    # as unsigned, a negative index is above the table too: one reduction checks both ends
    if index.size and int(np.maximum.reduce(index.view(np.uint64), axis=None)) < _INDEX_TABLE:
        return _INDEX_HASHES[index]
    return _mix(index.astype(np.uint64) * _M2 + np.uint64(1))


def _id_hash(ids: NDArray[np.int64]) -> NDArray[np.uint64]:
    """The hash of each id, ``_mix(id * golden)`` (at least one dimension): gathered from :func:`_id_table` when all are small."""
    if ids.size:
        # as unsigned, a negative id is above the table too: one reduction checks both ends
        top = int(np.maximum.reduce(ids.view(np.uint64), axis=None))
        if top < _ID_TABLE:
            return _id_table(max(top.bit_length(), 12))[ids]
    return _mix(ids.astype(np.uint64) * _GOLDEN)


@functools.lru_cache(maxsize=8)
def _id_table(bits: int) -> NDArray[np.uint64]:
    """The hashes of the ids below ``2**bits``, read only (one table per size, made at the first ask).

    Shared by every replication of a process (the cache is thread safe and
    holds the tables of 2**12 to 2**17 ids at most: 2 MB in all).
    """
    table = _mix(np.arange(1 << bits, dtype=np.uint64) * _GOLDEN)
    table.flags.writeable = False
    return table


def _grid(ids: NDArray[np.int64], index: NDArray[np.int64]) -> tuple[int, int] | None:
    """Ids and indices up to which to hash every pair, when their arrays hold many elements of few small values.

    Elements of a Feistel round (:meth:`Keys.permutation_indices`) are pairs
    of a right half and a round: hashing each pair of values once and
    gathering gives the same bits.  None when there are fewer than four
    elements to a pair (or a negative value).
    """
    if _single(ids) or _single(index) or ids.size * index.size < _TABLE_FROM:  # the broadcast holds fewer
        return None
    n = np.broadcast(ids, index).size  # the elements of the broadcast
    if n < _TABLE_FROM:
        return None
    pairs = (int(ids.max()) + 1, int(index.max()) + 1)
    if pairs[0] * pairs[1] > n // 4 or int(ids.min()) < 0 or int(index.min()) < 0:
        return None
    return pairs


def _single(a: NDArray[np.int64]) -> bool:
    """True for one value that broadcasts like a scalar (0-d, or 1-d of length 1)."""
    return a.ndim == 0 or a.shape == (1,)


def _to_unit(z: NDArray[np.uint64]) -> NDArray[np.float64]:
    """Top 53 bits to a float in the open interval (0, 1).

    ``(k + 0.5) / 2**53`` for the top bits ``k``; ``k = 2**53 - 1`` would round
    to 1 (``2**53 - 0.5`` is not a double), so it gives the largest double below 1.
    """
    # the top bits are below 2**53: read as int64 (the same numbers), they convert to floats without uint64's detour
    u = ((z >> _S11).view(np.int64).astype(np.float64) + 0.5) * _TWO_M53
    return np.minimum(u, _BELOW_ONE, out=u)


#: The hash of each index below :data:`_INDEX_TABLE`, as :meth:`Keys.bits` hashes an array of indices.
_INDEX_HASHES = _mix(np.arange(_INDEX_TABLE, dtype=np.uint64) * _M2 + np.uint64(1))
_INDEX_HASHES.flags.writeable = False  # shared by every replication: never written


def stream_id(name: str) -> int:
    """Stable integer id of a named stream (CRC-32 of its name)."""
    return zlib.crc32(name.encode("utf-8"))


def replication_key(seed: int, replication: int) -> int:
    """64-bit key of replication ``replication`` under ``seed``.

    The key is drawn from the ``replication``-th child of
    ``numpy.random.SeedSequence(seed)``, so it does not depend on how many
    replications are run, or where.
    """
    child = np.random.SeedSequence(seed, spawn_key=(replication,))
    return int(child.generate_state(1, dtype=np.uint64)[0])


class Keys:
    """Keyed uniform draws for one replication.

    Parameters
    ----------
    key : int
        The replication key (see :func:`replication_key`).

    Examples
    --------
    >>> k = Keys(replication_key(1, 0))
    >>> u = k.uniform("revenue", [3, 1, 2])
    >>> bool(((0 < u) & (u < 1)).all())
    True
    >>> bool((k.uniform("revenue", [1]) == u[1]).all())
    True
    """

    def __init__(self, key: int) -> None:
        self.key = int(key) & 0xFFFFFFFFFFFFFFFF
        self._bases: dict[str, np.uint64] = {}
        self._kept_below: dict[str, int] = {}  # streams whose id part is kept (see keep), up to these ids
        self._kept: dict[str, NDArray[np.uint64]] = {}

    def keep(self, stream: str, n: int) -> None:
        """Keep the id part of ``stream``'s hash for the ids below ``n``, made at the stream's first array of ids.

        For a stream asked about the same ids month after month (the
        platform choice, the rejecters' next thresholds): the hash of
        ``(stream, id)``, the first of the chain, is then gathered, not
        computed (the same bits).  Ignored above :data:`_ID_TABLE` ids.
        """
        if 0 < n <= _ID_TABLE:
            self._kept_below[stream] = n

    def _id_part(self, stream: str, ids: NDArray[np.int64]) -> NDArray[np.uint64]:
        """The hash of ``(stream, id)`` of each of ``ids`` (at least one dimension), from the kept table if any."""
        below = self._kept_below.get(stream)
        if below is not None and ids.size and int(np.maximum.reduce(ids.view(np.uint64), axis=None)) < below:
            table = self._kept.get(stream)
            if table is None:
                table = self._kept[stream] = _mix(self._base(stream) ^ _id_hash(np.arange(below, dtype=np.int64)))
            return table[ids]
        return _mix(self._base(stream) ^ _id_hash(ids))

    def _base(self, stream: str) -> np.uint64:
        base = self._bases.get(stream)
        if base is None:
            base = np.uint64(_mix_int(self.key ^ _mix_int(stream_id(stream))))
            self._bases[stream] = base
        return base

    def bits(self, stream: str, ids: ArrayLike, index: ArrayLike = 0) -> NDArray[np.uint64]:
        """64 random bits per ``(stream, id, index)``; ``ids`` and ``index`` broadcast.

        A single id or index is hashed on Python ints (:func:`_mix_int`, the
        same function), the rest on arrays: the same bits, fewer numpy calls;
        many elements of few small values (:func:`_grid`) are hashed once per
        pair of values and gathered, indices below :data:`_INDEX_TABLE`
        take their hash from a table made at import (:func:`_index_hash`)
        and ids below :data:`_ID_TABLE` from one made once a process
        (:func:`_id_hash`); a stream's kept id part (:meth:`keep`) is gathered.
        """
        ids_a = np.asarray(ids, dtype=np.int64)
        idx_a = np.asarray(index, dtype=np.int64)
        grid = _grid(ids_a, idx_a)
        if grid is not None:  # few pairs of small values: each pair hashed once
            # the pairs' bits C-ordered, pair (i, k) at i x grid[1] + k: one flat gather, cheaper than by a pair of indices
            table = self.bits(stream, np.arange(grid[0])[:, None], np.arange(grid[1]))
            return table.ravel().take(ids_a * grid[1] + idx_a)
        z: int | NDArray[np.uint64]
        if _single(ids_a):
            z = _mix_int(int(self._base(stream)) ^ _mix_int(int(ids_a.reshape(())) * _GOLDEN_INT & _MASK))
        else:
            z = self._id_part(stream, ids_a if ids_a.ndim else ids_a.reshape(1))  # np.atleast_1d, inline
        if not _single(idx_a):
            last = _index_hash(idx_a if idx_a.ndim else idx_a.reshape(1))
            return _mix(np.uint64(z) ^ last if isinstance(z, int) else z ^ last)
        last_int = _mix_int((int(idx_a.reshape(())) * _M2_INT + 1) & _MASK)
        if isinstance(z, int):
            return np.array([_mix_int(z ^ last_int)], dtype=np.uint64)
        return _mix(z ^ np.uint64(last_int))

    def uniforms(self, streams: Sequence[str], ids: ArrayLike) -> dict[str, NDArray[np.float64]]:
        """Uniforms of several streams for the same ids (index 0), sharing the id hash.

        Equal to ``{s: self.uniform(s, ids) for s in streams}``, only faster:
        streams whose draws together hold at most :data:`_STACKED` elements
        are hashed as the rows of one array (the same operations on each
        element, fewer numpy calls); more, one stream at a time.
        """
        ids_a = np.asarray(ids, dtype=np.int64)
        ids_mix = _id_hash(ids_a if ids_a.ndim else ids_a.reshape(1))
        last = _INDEX_HASHES[:1]  # the hash of index 0, _mix(1)
        per = max(1, _STACKED // ids_mix.size) if ids_mix.size else len(streams)  # streams hashed together
        out: dict[str, NDArray[np.float64]] = {}
        for at in range(0, len(streams), per):
            block = streams[at : at + per]
            bases = np.array([self._base(s) for s in block], dtype=np.uint64).reshape(-1, *([1] * ids_mix.ndim))
            out.update(zip(block, _to_unit(_mix(_mix(bases ^ ids_mix) ^ last)), strict=True))
        return out

    def uniform(self, stream: str, ids: ArrayLike, index: ArrayLike = 0) -> NDArray[np.float64]:
        """Uniform draws on the open interval (0, 1), one per broadcast element."""
        return _to_unit(self.bits(stream, ids, index))

    def exponential(self, stream: str, ids: ArrayLike, index: ArrayLike = 0) -> NDArray[np.float64]:
        """Unit-rate exponential draws (mean 1)."""
        return -np.log(self.uniform(stream, ids, index))

    def gumbel(self, stream: str, ids: ArrayLike, index: ArrayLike = 0) -> NDArray[np.float64]:
        """Standard Gumbel draws, for exact logit choice by ``argmax(u + g)``."""
        return -np.log(-np.log(self.uniform(stream, ids, index)))

    def permutation_index(self, stream: str, n: int, k: ArrayLike) -> NDArray[np.int64]:
        """Element at positions ``k`` of a keyed random permutation of ``range(n)``.

        A four-round Feistel network on the smallest even-bit power-of-two
        domain that holds ``n``, with cycle walking, so the permutation is a
        bijection of ``range(n)`` evaluated in O(len(k)) without storing it.
        """
        k_arr = np.asarray(k, dtype=np.int64)
        if n <= 1:
            return np.zeros_like(k_arr)
        half = max(1, int(np.ceil(np.log2(n) / 2)))
        mask = np.uint64((1 << half) - 1)
        x = k_arr.astype(np.uint64)
        todo = np.ones(x.shape, dtype=bool)
        out = x.copy()
        while todo.any():
            y = self._feistel(out[todo], stream, half, mask)
            out[todo] = y
            todo[todo] = y >= np.uint64(n)
        return out.astype(np.int64)

    def permutation_indices(self, stream: str, n: ArrayLike, k: ArrayLike, group: ArrayLike) -> NDArray[np.int64]:
        """Element at positions ``k`` of keyed random permutations of ``range(n)``, one per ``group``.

        :meth:`permutation_index` for many permutations at once: element
        ``e`` is position ``k[e]`` of the permutation of ``range(n[e])`` of
        group ``group[e]`` (``n``, ``k`` and ``group`` broadcast; ``group``
        a non-negative int).  The same Feistel network, each element on its
        own domain, the rounds keyed by ``(stream, right half, 4 x group +
        round)``: group 0 gives :meth:`permutation_index`'s permutation.

        Examples
        --------
        >>> k = Keys(7)
        >>> p = k.permutation_indices("p", [5, 5, 5, 5, 5, 3, 3, 3], [0, 1, 2, 3, 4, 0, 1, 2], [1, 1, 1, 1, 1, 2, 2, 2])
        >>> sorted(p[:5].tolist()), sorted(p[5:].tolist())
        ([0, 1, 2, 3, 4], [0, 1, 2])
        >>> bool((k.permutation_indices("p", 9, [4, 8], 0) == k.permutation_index("p", 9, [4, 8])).all())
        True
        """
        n_a, k_a, g_a = np.broadcast_arrays(
            np.asarray(n, dtype=np.int64), np.asarray(k, dtype=np.int64), np.asarray(group, dtype=np.int64)
        )
        out = k_a.astype(np.uint64).ravel()  # a copy
        size = n_a.ravel().astype(np.uint64)
        half = np.maximum(1, np.ceil(np.log2(np.maximum(n_a.ravel(), 2)) / 2)).astype(np.uint64)
        mask = (np.uint64(1) << half) - np.uint64(1)
        rounds = g_a.ravel() * 4
        todo = np.flatnonzero(n_a.ravel() > 1)
        out[n_a.ravel() <= 1] = 0
        table = self._round_table(stream, half[todo], rounds[todo])
        while len(todo):
            h, m, first = half[todo], mask[todo], rounds[todo]
            left, right = out[todo] >> h, out[todo] & m
            for r in range(4):
                # a right half is below 2**32: read as int64, the same numbers (no copy)
                if table is None:
                    f = self.bits(stream, right.view(np.int64), first + r) & m
                else:  # the pair's bits gathered: (right half, round) at right half x width + round
                    f = table[0].take(right.view(np.int64) * table[1] + (first + r)) & m
                left, right = right, left ^ f
            y = (left << h) | right
            out[todo] = y
            todo = todo[y >= size[todo]]
        return out.astype(np.int64).reshape(n_a.shape)

    def _round_table(
        self, stream: str, half: NDArray[np.uint64], rounds: NDArray[np.int64]
    ) -> tuple[NDArray[np.uint64], int] | None:
        """The bits of every pair of a right half and a round of :meth:`permutation_indices`, and the table's width.

        Elements of halves of ``half`` bits whose rounds start at ``rounds``
        (four each) hash pairs of a right half below ``2**half.max()`` and a
        round below ``rounds.max() + 4``: where there are at least four
        elements to a pair (and :data:`_TABLE_FROM` elements), each pair is
        hashed once for every round and walk, as :meth:`bits` hashes the
        pairs of one call (:func:`_grid`); the pair ``(right, round)`` is
        element ``right x width + round``, its bits :meth:`bits`'.  None
        otherwise (or for a negative round): :meth:`bits` round by round.
        """
        n = len(rounds)
        if n < _TABLE_FROM or int(np.minimum.reduce(rounds)) < 0:
            return None
        rights, width = 1 << int(np.maximum.reduce(half)), int(np.maximum.reduce(rounds)) + 4
        if rights * width > n // 4:
            return None
        return self.bits(stream, np.arange(rights)[:, None], np.arange(width)).ravel(), width

    def _feistel(self, x: NDArray[np.uint64], stream: str, half: int, mask: np.uint64) -> NDArray[np.uint64]:
        left = x >> np.uint64(half)
        right = x & mask
        for r in range(4):
            f = self.bits(stream, right.astype(np.int64), r) & mask
            left, right = right, left ^ f
        return (left << np.uint64(half)) | right
