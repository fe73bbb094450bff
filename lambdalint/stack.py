"""Room for deeply nested code: checking runs on a thread with a large stack.

LibCST builds, prints and transforms trees recursively, so valid Python that
nests a few hundred levels deep (a long `elif` chain, a 1,000-term string
concatenation, a long `a + b + ...`) overflows Python's default recursion
limit of 1,000 in code generation, positions or a fix. The work of a run
therefore happens on a thread whose C stack leaves room for a far higher
limit. Code deeper than even that becomes a LAM000 finding ("nested too
deeply"), never a crash: see `is_too_deep`.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

# Virtual memory: only the pages actually used are committed. Measured with
# LibCST's deepest paths: under 1.1 KB of C stack per Python frame, so the
# limit below leaves a wide margin and a RecursionError always comes first.
STACK_SIZE = 512 << 20
RECURSION_LIMIT = 100_000

_state = threading.local()


def call_with_deep_stack(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` on a large-stack thread (at once when already on one)."""
    if getattr(_state, "deep", False):
        return function(*args)
    outcome: dict[str, object] = {}

    def run() -> None:
        _state.deep = True
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - re-raised on the calling thread
            outcome["error"] = error

    try:
        previous_size = threading.stack_size(STACK_SIZE)
    except (ValueError, RuntimeError):  # a platform that cannot size thread stacks
        return function(*args)
    previous_limit = sys.getrecursionlimit()
    raise_limit = previous_limit < RECURSION_LIMIT
    try:
        thread = threading.Thread(target=run, name="lambdalint-check", daemon=True)
        if raise_limit:
            sys.setrecursionlimit(RECURSION_LIMIT)
        try:
            thread.start()
        except (RuntimeError, MemoryError):  # no room for the stack: run here, at the usual depth
            if raise_limit:
                sys.setrecursionlimit(previous_limit)
            raise_limit = False
            return function(*args)
    finally:
        threading.stack_size(previous_size)
    try:
        thread.join()
    finally:
        if raise_limit:
            sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def is_too_deep(error: BaseException) -> bool:
    """Whether an error comes from nesting too deep for the stack.

    LibCST's position tracking turns a RecursionError into a KeyError while
    unwinding, so the cause may sit anywhere in the chain of exceptions.
    """
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 10_000:
        if isinstance(current, (RecursionError, MemoryError)):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False
