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


def walk(root: cst.CSTNode, on_visit: Callable[[cst.CSTNode], Any],
         on_leave: Callable[[cst.CSTNode], Any], with_trivia: bool = False) -> None:
    """Call on_visit on entering and on_leave on leaving every node, in source order."""
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    push = stack.append
    node_base = cst.CSTNode
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_leave(node)
            continue
        on_visit(node)
        push((node, True))
        children: list[cst.CSTNode] = []
        for name in _ORDER.get((type(node), with_trivia)) or child_fields(type(node), with_trivia):
            value = getattr(node, name)
            if isinstance(value, node_base):
                children.append(value)
            elif type(value) is list or type(value) is tuple:
                children.extend(item for item in value if isinstance(item, node_base))
        for child in reversed(children):
            push((child, False))


def walk_visitor(root: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Run a read-only CSTVisitor's visit_*/leave_* methods with the fast walk.

    Unlike LibCST's traversal, returning False from a visit method does not skip
    the children; visitors used here never rely on that.
    """
    visits: dict[type, Callable] = {}
    leaves: dict[type, Callable] = {}
    wanted: set[type] = set()

    def methods(node_type: type) -> tuple[Callable | None, Callable | None]:
        if node_type not in visits:
            visits[node_type] = getattr(visitor, f"visit_{node_type.__name__}", None)
            leaves[node_type] = getattr(visitor, f"leave_{node_type.__name__}", None)
        return visits[node_type], leaves[node_type]

    for attr in dir(type(visitor)):
        if attr.startswith(("visit_", "leave_")):
            node_type = getattr(cst, attr.partition("_")[2], None)
            if isinstance(node_type, type):
                wanted.add(node_type)

    def on_visit(node: cst.CSTNode) -> None:
        method = methods(type(node))[0]
        if method is not None:
            method(node)

    def on_leave(node: cst.CSTNode) -> None:
        method = methods(type(node))[1]
        if method is not None:
            method(node)

    walk(root, on_visit, on_leave, with_trivia=bool(wanted & TRIVIA_TYPES))


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's non-trivia children in source order: `node.children` without its cost."""
    found: list[cst.CSTNode] = []
    for name in _ORDER.get((type(node), False)) or child_fields(type(node), False):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif type(value) is list or type(value) is tuple:
            found.extend(item for item in value if isinstance(item, cst.CSTNode))
    return found
