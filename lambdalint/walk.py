"""A fast, read-only traversal of a LibCST tree in source order.

LibCST's visitor rebuilds every node's children through `_visit_and_replace_children`
even when nothing changes; on a large corpus one such walk costs about as much as
parsing. Checking only reads the tree, so we walk the dataclass fields directly,
in the order LibCST's own visitor uses (read once per node type from its source),
and skip whitespace and punctuation fields unless a visitor asks for those nodes.
"""

from __future__ import annotations

import dataclasses
import inspect
import operator
import re
from typing import Any, Callable

import libcst as cst

_FIELD_IN_VISIT = re.compile(r"visit_\w+\(\s*self,\s*\"(\w+)\"")

# Fields that only hold whitespace, comments and punctuation.
TRIVIA_FIELDS = re.compile(
    r"^(whitespace\w*|leading_lines|lines_after_decorators|header|footer|lpar|rpar|comma|semicolon|"
    r"dot|colon|equal|lbracket|rbracket|lbrace|rbrace|trailing_whitespace|newline|"
    r"first_line|empty_lines|indent|lines_after_\w+|star_tok|arrow|"
    r"whitespace_before_\w+|whitespace_after_\w+|operator_\w*)$"
)
# Node types that live in trivia fields; a visitor interested in any of them gets the full walk.
TRIVIA_TYPES = frozenset(
    {cst.Comment, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline, cst.SimpleWhitespace,
     cst.ParenthesizedWhitespace, cst.Comma, cst.Semicolon, cst.Colon, cst.Dot, cst.AssignEqual,
     cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
     cst.LeftCurlyBrace, cst.RightCurlyBrace}
)

_ORDER: dict[tuple[type, bool], tuple[str, ...]] = {}


def child_fields(node_type: type, with_trivia: bool) -> tuple[str, ...]:
    """Fields of a node type that may hold child nodes, in LibCST's visiting order."""
    key = (node_type, with_trivia)
    cached = _ORDER.get(key)
    if cached is not None:
        return cached
    names = [f.name for f in dataclasses.fields(node_type)]
    try:
        source = inspect.getsource(node_type._visit_and_replace_children)
        ordered = [name for name in dict.fromkeys(_FIELD_IN_VISIT.findall(source)) if name in names]
    except (OSError, TypeError):
        ordered = []
    ordered += [name for name in names if name not in ordered]
    if not with_trivia:
        ordered = [name for name in ordered if not TRIVIA_FIELDS.match(name)]
    result = tuple(ordered)
    _ORDER[key] = result
    return result


def _node_types() -> frozenset[type]:
    found: set[type] = set()
    stack = [cst.CSTNode]
    while stack:
        current = stack.pop()
        for sub in current.__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return frozenset(t for t in found if not inspect.isabstract(t))


# Concrete node classes: `type(x) in NODE_TYPES` avoids the slow ABC isinstance.
NODE_TYPES = _node_types()
_SEQUENCES = (list, tuple)


_GETTERS: dict[tuple[type, bool], Callable[[cst.CSTNode], tuple[Any, ...]]] = {}


def _getter(node_type: type, with_trivia: bool) -> Callable[[cst.CSTNode], tuple[Any, ...]]:
    names = child_fields(node_type, with_trivia)
    if not names:
        getter: Callable[[cst.CSTNode], tuple[Any, ...]] = lambda node: ()  # noqa: E731
    elif len(names) == 1:
        single = operator.attrgetter(names[0])
        getter = lambda node: (single(node),)  # noqa: E731
    else:
        getter = operator.attrgetter(*names)
    _GETTERS[(node_type, with_trivia)] = getter
    return getter


def _children_of(node: cst.CSTNode, with_trivia: bool) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    node_types = NODE_TYPES
    key = (type(node), with_trivia)
    for value in (_GETTERS.get(key) or _getter(*key))(node):
        kind = type(value)
        if kind in node_types:
            out.append(value)
        elif kind in _SEQUENCES:
            out.extend(item for item in value if type(item) in node_types)
    return out


def walk(root: cst.CSTNode, on_visit: Callable[[cst.CSTNode], Any],
         on_leave: Callable[[cst.CSTNode], Any], with_trivia: bool = False) -> None:
    """Call on_visit on entering and on_leave on leaving every node, in source order."""
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    push = stack.append
    pop = stack.pop
    while stack:
        node, leaving = pop()
        if leaving:
            on_leave(node)
            continue
        on_visit(node)
        push((node, True))
        for child in reversed(_children_of(node, with_trivia)):
            push((child, False))


Step = tuple[cst.CSTNode, bool]  # a node, and whether the walk is leaving it
_VISITOR_TYPES: dict[type, tuple[dict[type, str], dict[type, str], bool]] = {}


def _visitor_methods(visitor_type: type) -> tuple[dict[type, str], dict[type, str], bool]:
    cached = _VISITOR_TYPES.get(visitor_type)
    if cached is None:
        visits: dict[type, str] = {}
        leaves: dict[type, str] = {}
        for attr in dir(visitor_type):
            # Only methods the visitor defines: cst.CSTVisitor has a no-op for every
            # node type, trivia included, which would make every walk a full one.
            if attr.startswith(("visit_", "leave_")) and \
                    getattr(visitor_type, attr) is not getattr(cst.CSTVisitor, attr, None):
                node_type = getattr(cst, attr.partition("_")[2], None)
                if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
                    (visits if attr.startswith("visit_") else leaves)[node_type] = attr
        trivia = any(t in TRIVIA_TYPES for t in (*visits, *leaves))
        cached = _VISITOR_TYPES[visitor_type] = (visits, leaves, trivia)
    return cached


def walk_visitor(root: cst.CSTNode, visitor: cst.CSTVisitor, record: list[Step] | None = None) -> None:
    """Run a read-only CSTVisitor's visit_*/leave_* methods with the fast walk.

    Unlike LibCST's traversal, returning False from a visit method does not skip
    the children; visitors used here never rely on that. With ``record`` (and a
    visitor that skips trivia), every step of the walk is appended to it (what
    `steps_of` gives), so the engine's rule traversal can follow the model's
    summary pass without working out any node's children again.
    """
    visit_names, leave_names, with_trivia = _visitor_methods(type(visitor))
    visits = {t: getattr(visitor, name) for t, name in visit_names.items()}
    leaves = {t: getattr(visitor, name) for t, name in leave_names.items()}
    recording = record is not None and not with_trivia
    remember = record.append if recording else None  # type: ignore[union-attr]
    stack: list[Step] = [(root, False)]
    push = stack.append
    pop = stack.pop
    while stack:
        step = pop()
        if remember is not None:
            remember(step)
        node, leaving = step
        node_type = type(node)
        if leaving:
            method = leaves.get(node_type)
            if method is not None:
                method(node)
            continue
        method = visits.get(node_type)
        if method is not None:
            method(node)
        if remember is not None or node_type in leaves:
            push((node, True))
        for child in reversed(_children_of(node, with_trivia)):
            push((child, False))


def steps_of(root: cst.CSTNode, with_trivia: bool = False) -> list[Step]:
    """Every step `walk` takes, in order, for a caller that loops over them itself
    (two calls per node cost the engine's dispatch more than its own work)."""
    out: list[Step] = []
    add = out.append
    stack: list[Step] = [(root, False)]
    push = stack.append
    pop = stack.pop
    while stack:
        step = pop()
        add(step)
        if not step[1]:
            node = step[0]
            push((node, True))
            for child in reversed(_children_of(node, with_trivia)):
                push((child, False))
    return out


def children(node: cst.CSTNode, with_trivia: bool = False) -> list[cst.CSTNode]:
    """A node's children in source order, whitespace and punctuation only when
    asked: `node.children` without its cost."""
    return _children_of(node, with_trivia)
