"""The C allocator's policy in a process that runs models: arrays of a few MiB reused,
not mapped and unmapped on every allocation.

Every round of an ensemble allocates and frees many temporaries of a few MiB (a chunk's
rows times parties times issues). glibc's malloc serves a block above its mmap threshold
with a fresh mapping and unmaps it on free; its threshold adapts to freed blocks, but
the heap's top beyond twice that is returned to the system again, so a new temporary
costs page faults round after round. On a six-party scenario that was 14% of the CPU time
(system time), and on the two-party baseline a smaller share. Raising the mmap threshold
to 32 MiB and the trim threshold to 64 MiB keeps freed blocks in the heap for the next
round: the same peak memory, a sixth less CPU time on six parties.

Setting the trim threshold alone is the trap: it switches the adaptive mmap threshold
off and leaves it at 128 KiB, and numpy then runs about four times slower
(:mod:`sim.distributed` keeps dask's nanny from doing exactly that).

Only on glibc, only once per process, and never where the user has set the allocator
through its environment variables (any ``MALLOC_*``, ``GLIBC_TUNABLES``).
"""

from __future__ import annotations

import ctypes
import os
import platform

__all__ = ["reuse_large_blocks"]

MMAP_THRESHOLD = 32 << 20  # glibc's upper limit for this parameter on 64-bit systems
TRIM_THRESHOLD = 64 << 20
_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3

_done: bool | None = None


def user_configured(environ: os._Environ[str] | dict[str, str] | None = None) -> bool:
    """Whether the allocator's policy was set by the user through the environment."""
    env = os.environ if environ is None else environ
    return "GLIBC_TUNABLES" in env or any(k.startswith("MALLOC_") for k in env)


def reuse_large_blocks() -> bool:
    """Apply the policy to this process (once); whether it is in force."""
    global _done
    if _done is not None:
        return _done
    _done = False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or user_configured():
        return _done
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return _done
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    # the mmap threshold first: were the trim threshold set and the other refused, the
    # adaptive threshold would be off at its small default (the trap above)
    if mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1:
        _done = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return _done
