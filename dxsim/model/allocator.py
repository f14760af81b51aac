"""Memory for replications: freed memory kept for the next one (glibc), no huge-page advice (numpy).

A replication of ``national`` works on about 500 MB of arrays. By default
glibc gives large freed blocks back to the operating system (blocks over the
mmap threshold are unmapped; free memory at the top of the heap over the trim
threshold is trimmed), so each replication touches new pages again: 20,000 to
30,000 page faults, 0.4-0.6 s of system time per replication on the machine
of docs/model.md "Performance" (where transparent huge pages make a fault
dear). :func:`keep_freed_memory` raises the mmap threshold to 32 MiB (the
largest value glibc's own adaptive threshold reaches) and the trim threshold
to 512 MiB, so freed blocks stay in the heap and the next replication reuses
them: a few hundred to a few thousand faults per replication. The price: a
process that has run replications keeps up to 512 MiB of free memory for
later use.

:func:`no_huge_page_advice` turns off numpy's advice to the kernel
(``madvise(MADV_HUGEPAGE)``) that its arrays of 4 MB or more be backed by
transparent huge pages, unless the environment variable
``NUMPY_MADVISE_HUGEPAGE`` (numpy's own switch, read when numpy is
imported) says what to do. Where transparent huge pages are on only when
advised (``madvise``, as on this machine and many Linux distributions), a
fault on advised memory may stall while the kernel compacts memory to find
a huge page: the first replication of `national` in a process took 5.8-6.4 s
(1.5-1.8 s of system time) with the advice and 4.1-4.5 s (0.3 s) without.

Neither changes a number; only where the arrays live.
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading

import numpy as np

__all__ = ["keep_freed_memory", "no_huge_page_advice"]

#: ``mallopt`` parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # bytes
TRIM_THRESHOLD = 512 * 2**20  # bytes

_lock = threading.Lock()
_kept: bool | None = None  # None: not asked yet in this process
_advice_off: bool | None = None  # None: not asked yet in this process


def keep_freed_memory() -> bool:
    """Ask glibc, once per process, to keep freed memory for reuse; whether it does.

    False where the C library is not glibc (macOS, Windows, musl): there
    nothing is changed.
    """
    global _kept
    with _lock:
        if _kept is None:
            _kept = False
            if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
                libc = ctypes.CDLL(None)
                _kept = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
                    libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                )
        return _kept


def no_huge_page_advice() -> bool:
    """Ask numpy, once per process, not to advise huge pages for new arrays; whether its advice is off.

    Left as it is (and False returned) where ``NUMPY_MADVISE_HUGEPAGE`` is
    set (the user's choice) or where numpy has no such switch.
    """
    global _advice_off
    with _lock:
        if _advice_off is None:
            _advice_off = False
            core = getattr(np, "_core", None) or getattr(np, "core", None)  # numpy._core since 2.0
            switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)  # since 1.19
            if switch is not None and os.environ.get("NUMPY_MADVISE_HUGEPAGE") is None:
                switch(False)
                _advice_off = True
        return _advice_off
