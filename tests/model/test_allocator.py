"""The process keeps freed memory for the next replication (glibc only)."""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from dxsim.model.allocator import MMAP_THRESHOLD, keep_freed_memory, no_huge_page_advice

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


def _advice_after_the_call(env: dict[str, str]) -> str:
    """numpy's huge-page advice setting after ``no_huge_page_advice`` in a fresh interpreter with ``env``."""
    code = (
        "import numpy as np; from dxsim.model.allocator import no_huge_page_advice as f; "
        "core = getattr(np, '_core', None) or np.core; "
        "off = f(); print(off, f(), core.multiarray._set_madvise_hugepage(True))"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return run.stdout.strip()


def test_numpy_advises_no_huge_pages_unless_the_user_says():
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    # off, asked again the same answer, and numpy's switch was off (it returns the setting it replaces)
    assert _advice_after_the_call(env) == "True True False"
    assert _advice_after_the_call(env | {"NUMPY_MADVISE_HUGEPAGE": "1"}) == "False False True"  # the user's choice
    assert _advice_after_the_call(env | {"NUMPY_MADVISE_HUGEPAGE": "0"}) == "False False False"
    assert no_huge_page_advice() is (os.environ.get("NUMPY_MADVISE_HUGEPAGE") is None)
