"""The values of string literals, without recursion.

LibCST nests an implicit concatenation (`"a" "b" "c"`) as a left-leaning chain
of ConcatenatedString nodes, one level per part, and computes its value
recursively. Generated modules hold concatenations of thousands of parts
(CPython's `pydoc_data/topics.py` has 1,700 in one), so every function here
walks the chain with a loop, and rules that look at concatenations look at the
outermost one only (a ConcatenatedString whose parent is one is a level of
it): asking each level again is quadratic in time and memory.
"""

from __future__ import annotations

import libcst as cst

StringPart = cst.SimpleString | cst.FormattedString


def string_parts(node: cst.ConcatenatedString) -> list[StringPart]:
    """The literals of an implicit concatenation, in source order."""
    parts: list[StringPart] = []
    stack: list[cst.BaseExpression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.ConcatenatedString):
            stack.append(current.right)
            stack.append(current.left)
        else:
            parts.append(current)  # type: ignore[arg-type]
    return parts


def string_value(node: object, *, bytes_too: bool = False) -> str | None:
    """The value of a string literal or of an implicit concatenation of them.

    An f-string has no value known before run time: None. Bytes literals give
    None unless ``bytes_too`` (then their bytes read as latin-1, one character
    per byte, which is how a secret pattern sees them).
    """
    if isinstance(node, cst.SimpleString):
        parts: list[StringPart] = [node]
    elif isinstance(node, cst.ConcatenatedString):
        parts = string_parts(node)
    else:
        return None
    values: list[str | bytes] = []
    for part in parts:
        if not isinstance(part, cst.SimpleString):
            return None
        try:
            values.append(part.evaluated_value)
        except (TypeError, ValueError, SyntaxError, UnicodeError):  # LibCST accepts what Python rejects
            return None
    if all(isinstance(value, str) for value in values):
        return "".join(values)  # type: ignore[arg-type]
    if bytes_too and all(isinstance(value, bytes) for value in values):
        return b"".join(values).decode("latin-1")  # type: ignore[arg-type]
    return None

