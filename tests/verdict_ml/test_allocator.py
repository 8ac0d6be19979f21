"""release_large_blocks: freed multi-MiB buffers go back to the system instead of staying in glibc's heap."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from verdict_ml.allocator import ENVIRONMENT_OVERRIDE, release_large_blocks

ROOT = Path(__file__).resolve().parents[2]

# What a training step does to the allocator: a large block is freed (glibc then raises its mmap
# threshold above the buffers that follow), buffers of a few MiB are allocated, written and freed
# while a smaller block allocated after them stays alive. Prints the MiB still resident afterwards.
SCRIPT = textwrap.dedent(
    """
    import ctypes, os, sys
    sys.path.insert(0, sys.argv[2])
    from verdict_ml.allocator import release_large_blocks
    if sys.argv[1] == "release":
        assert release_large_blocks()
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
    libc.free.argtypes = (ctypes.c_void_p,)

    def rss():
        return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    big = libc.malloc(16 << 20)
    ctypes.memset(big, 1, 16 << 20)
    libc.free(big)
    before = rss()
    blocks = [libc.malloc(2 << 20) for _ in range(100)]
    for block in blocks:
        ctypes.memset(block, 1, 2 << 20)
    alive = libc.malloc(100 << 10)
    ctypes.memset(alive, 1, 100 << 10)
    for block in blocks:
        libc.free(block)
    print(rss() - before)
    """
)

glibc_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None, reason="glibc's mallopt"
)


def resident_after_free(mode: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != ENVIRONMENT_OVERRIDE}
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(ROOT)], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout)


@glibc_linux
def test_freed_buffers_are_returned_to_the_system():
    assert resident_after_free("release") < 20


@glibc_linux
def test_without_it_the_heap_keeps_them():
    """The problem it solves, so the test above is known to measure something."""
    assert resident_after_free("default") > 150


def test_an_operator_setting_wins(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT_OVERRIDE, "131072")
    assert release_large_blocks() is False
