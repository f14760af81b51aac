"""Keeping freed memory in the process for the next replication (glibc's allocator only).

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
later use. No number changes; only where the arrays live.
"""

from __future__ import annotations

import ctypes
import platform
import threading

__all__ = ["keep_freed_memory"]

#: ``mallopt`` parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # bytes
TRIM_THRESHOLD = 512 * 2**20  # bytes

_lock = threading.Lock()
_kept: bool | None = None  # None: not asked yet in this process


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
