"""Memory between units of work: no collector pauses, and freed memory given back.

Python's cyclic garbage collector re-scans every live object; with a few
hundred syntax trees alive it cost as much as parsing them. A run turns
automatic collection off. Nothing a unit builds is kept in a reference cycle
(the runner closes each unit's project, see `Project.close`), so its syntax
trees are freed by reference counting the moment the unit's findings are
taken; a collection still runs once a million objects have been made and not
freed since the last one, for cycles nobody foresaw (a plugin's rules).

Freed is not given back, though: a model unit of a few hundred modules leaves
the C allocator holding tens of megabytes of free heap, and the next large file
then grows the process past the peak of the unit itself. After a large unit
the C library is asked to return what it can (glibc's `malloc_trim`; a no-op
where there is none).
"""

from __future__ import annotations

import functools
import gc
from typing import Callable

COLLECT_AFTER_OBJECTS = 1_000_000
# A unit of this much source or more is followed by a trim: one costs about a
# millisecond, a large unit hundreds.
TRIM_AFTER_BYTES = 64 << 10


def collect_now_and_then() -> None:
    if gc.get_count()[0] >= COLLECT_AFTER_OBJECTS:
        gc.collect()


def give_back() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=None)
def _malloc_trim() -> Callable[[int], int] | None:
    # ctypes is imported here: it (and the subprocess module it brings) was a fiftieth
    # of a run the results cache answers, which frees nothing.
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc: musl, macOS, Windows
        return None
