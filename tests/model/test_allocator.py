"""The process keeps freed memory for the next replication (glibc only)."""

from __future__ import annotations

import ctypes
import platform

import numpy as np
import pytest

from dxsim.model.allocator import MMAP_THRESHOLD, keep_freed_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mapped_bytes() -> int:
    """Bytes glibc holds in blocks of their own (mmap), as mallinfo2 reports them."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _Mallinfo2
    return int(libc.mallinfo2().hblkhd)


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator only")
def test_large_arrays_come_from_the_heap_and_stay_there():
    assert keep_freed_memory() and keep_freed_memory()  # once per process, asked again: the same answer
    before = _mapped_bytes()
    block = np.ones(MMAP_THRESHOLD // 16)  # half the threshold, far over glibc's default 128 KiB
    assert _mapped_bytes() == before  # not a mapping of its own, which freeing would give back
    del block


@pytest.mark.skipif(GLIBC, reason="other C libraries")
def test_nothing_changes_elsewhere():
    assert keep_freed_memory() is False
