"""Source positions of every node of a module, in one code-generation pass.

LibCST's `MetadataWrapper.resolve(PositionProvider)` runs the provider's
code-generation pass and then an empty batched visit of the whole tree, which
rebuilds every node and costs about as much again (on the pinned benchmark
corpus, half of the time spent on positions). The provider is run directly
when this LibCST offers the hook; otherwise through the wrapper. Both give the
same mapping (tests/test_positions.py).
"""

from __future__ import annotations

from typing import Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider


def positions_of(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Line and column ranges, keyed by the module's own nodes."""
    provider = PositionProvider()
    generate = getattr(provider, "_gen_impl", None)
    computed = getattr(provider, "_computed", None)
    if callable(generate) and isinstance(computed, dict):
        generate(module)
        return computed
    return slow_positions_of(module)


def slow_positions_of(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """LibCST's public way, for a LibCST without the hook."""
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
