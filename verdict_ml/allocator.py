"""Keep a CPU training process's resident memory close to what it actually holds.

glibc's malloc serves blocks below its mmap threshold from heaps that it gives back to the system only
from the top, and raises that threshold (up to 32 MiB) each time a larger block is freed. A training
loop frees and reallocates activation and gradient buffers of a few MiB every step, so after the first
steps those buffers come from the heaps, whose free space fragments: the process's RSS creeps up over
a run although the tensors alive at any moment do not grow (measured on the default reward model,
README "Proof of learning"). A fixed threshold sends every block of that size or more to its own
mapping, which is unmapped when freed.
"""
from __future__ import annotations

import ctypes
import os
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
DEFAULT_MMAP_THRESHOLD = 1 << 20
ENVIRONMENT_OVERRIDE = "MALLOC_MMAP_THRESHOLD_"


def release_large_blocks(threshold_bytes: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold_bytes`` for this process; True when it was set.

    Does nothing off Linux/glibc, or when ``MALLOC_MMAP_THRESHOLD_`` is set (the operator's choice wins).
    The cost is a page-fault pass over each large buffer when it is allocated again.
    """
    if not sys.platform.startswith("linux") or ENVIRONMENT_OVERRIDE in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, threshold_bytes))
