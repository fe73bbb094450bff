"""Source positions of a module's nodes: of all of them, or of the few a run reports.

LibCST's `MetadataWrapper.resolve(PositionProvider)` runs the provider's
code-generation pass and then an empty batched visit of the whole tree, which
rebuilds every node and costs about as much again (on the pinned benchmark
corpus, half of the time spent on positions). `positions_of` runs the provider
directly when this LibCST offers the hook, otherwise through the wrapper; both
give the same mapping (tests/test_positions.py).

A run needs the positions of a handful of nodes per file with findings, not
of all of them: `spans_of` generates the code with LibCST's plain state, notes
where in the token stream each wanted node starts and ends, stops once the last
one is done, and only then turns those token indices into lines and columns.
The provider's pass builds three objects per node and keeps them for the whole
unit; on the pinned corpus it cost as much as parsing the files that had
findings.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

try:  # LibCST's code-generation state, not part of its public API
    from libcst._nodes.internal import CodegenState
except ImportError:  # pragma: no cover - a LibCST that moved it: spans come from all positions
    CodegenState = None  # type: ignore[assignment,misc]


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


def spans_of(module: cst.Module, nodes: Iterable[cst.CSTNode],
             statements: dict[int, str] | None = None) -> dict[cst.CSTNode, CodeRange]:
    """What `positions_of` gives for ``nodes`` (those of them in ``module``).

    ``statements``: filled with the code of each of the module's top-level
    statements the pass generated whole, by the statement's id, for a caller that
    would print them again (`fix.Origin`: a fix's edits are worked out from them)."""
    if CodegenState is None:  # pragma: no cover
        everything = positions_of(module)
        return {node: everything[node] for node in nodes if node in everything}
    state = _SpanState(module, nodes, module.body if statements is not None else ())
    if state.pending:
        try:
            module._codegen(state)
        except _Done:
            pass
    if statements is not None:
        tokens = state.tokens
        statements.update((key, "".join(tokens[first:last])) for key, (first, last) in state.whole.items())
    return state.ranges()


class _Done(Exception):
    """Every wanted node has its range: the rest of the module need not be generated."""


class _Ignore:
    """The context of a node whose syntactic range nobody wants."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


_IGNORE = _Ignore()


class _Record:
    """A wanted node's syntactic range, as LibCST's provider records it: from here
    to the end of the block, or hoisted from the ranges of ``start``/``end``."""

    __slots__ = ("state", "node", "start", "end", "first")

    def __init__(self, state: _SpanState, node: cst.CSTNode, start: cst.CSTNode | None,
                 end: cst.CSTNode | None) -> None:
        self.state, self.node, self.start, self.end = state, node, start, end
        self.first = 0

    def __enter__(self) -> None:
        self.first = len(self.state.tokens)

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            return
        marks = self.state.marks
        first = marks[id(self.start)][0] if self.start is not None else self.first
        last = marks[id(self.end)][1] if self.end is not None else len(self.state.tokens)
        marks[id(self.node)] = (first, last)


class _SpanState(CodegenState or object):  # type: ignore[misc]
    def __init__(self, module: cst.Module, nodes: Iterable[cst.CSTNode],
                 statements: Iterable[cst.CSTNode] = ()) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.asked: dict[int, cst.CSTNode] = {id(node): node for node in nodes}
        self.pending = set(self.asked)
        # Top-level statements whose whole code is wanted (`whole`: their token indices,
        # from their first token to their last, leading lines included, whatever
        # syntactic range `marks` holds for them).
        self.statements = {id(stmt) for stmt in statements}
        self.whole: dict[int, tuple[int, int]] = {}
        # Wanted: the asked nodes and the children their ranges are hoisted from.
        self.wanted: set[int] = self.statements | set(self.asked)
        self.begun: dict[int, int] = {}
        self.marks: dict[int, tuple[int, int]] = {}  # id -> token indices [first, last)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.begun.setdefault(id(node), len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key not in self.wanted:
            return
        # A range recorded inside the node's own code (syntactic) stands.
        self.marks.setdefault(key, (self.begun[key], len(self.tokens)))
        if key in self.statements:
            self.whole[key] = (self.begun[key], len(self.tokens))
        if key in self.pending:
            self.pending.discard(key)
            if not self.pending:
                raise _Done

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None):  # type: ignore[no-untyped-def, override]
        if id(node) not in self.wanted:
            return _IGNORE
        for hoisted in (start_node, end_node):
            if hoisted is not None:
                self.wanted.add(id(hoisted))
        return _Record(self, node, start_node, end_node)

    def pop_trailing_newline(self) -> None:
        pass  # the module's last newline still counts for the positions before it

    def ranges(self) -> dict[cst.CSTNode, CodeRange]:
        """Token indices to lines and columns, counting as LibCST's provider does."""
        marks = {key: self.marks[key] for key in self.asked if key in self.marks}
        where: dict[int, CodePosition] = {}
        line, column, done = 1, 0, 0
        for index in sorted({index for pair in marks.values() for index in pair}):
            chunk = "".join(self.tokens[done:index])
            done = index
            breaks = chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")
            if breaks:
                line += breaks
                column = len(chunk) - max(chunk.rfind("\n"), chunk.rfind("\r")) - 1
            else:
                column += len(chunk)
            where[index] = CodePosition(line, column)
        return {self.asked[key]: CodeRange(where[first], where[last]) for key, (first, last) in marks.items()}
