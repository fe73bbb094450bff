"""The values of string literals, without recursion.

LibCST nests an implicit concatenation (`"a" "b" "c"`) as a left-leaning chain
of ConcatenatedString nodes, one level per part, and computes its value
recursively. Generated modules hold concatenations of thousands of parts
(CPython's `pydoc_data/topics.py` has 1,700 in one), so every function here
walks the chain with a loop, and rules that look at concatenations look at the
outermost one only (a ConcatenatedString whose parent is one is a level of
it): asking each level again is quadratic in time and memory.

A literal's value is read off its text when no escape can change it, and
parsed with `ast.parse` otherwise (`simple_value`). LibCST's `evaluated_value`
compiles every literal with `ast.literal_eval`, which also leaves four
self-referencing closures per call: a model of a large project made tens of
thousands of reference cycles that only the garbage collector could free.
"""

from __future__ import annotations

import ast
from typing import Callable

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


def simple_value(node: cst.SimpleString) -> str | bytes:
    """``node.evaluated_value``, read off the text when no escape can change it.

    Raises what `ast.literal_eval` raises for what LibCST accepts but Python
    does not (a non-ASCII bytes literal, a bad escape).
    """
    text = node.value
    start = 0
    while text[start] not in "'\"":
        start += 1
    prefix = text[:start].lower()
    width = 3 if len(text) - start >= 6 and text[start] * 3 == text[start:start + 3] else 1
    body = text[start + width:len(text) - width]
    # A backslash escapes unless the literal is raw, and the tokenizer turns a
    # "\r\n" inside a triple-quoted literal into "\n": leave both to Python.
    if ("\\" in body and "r" not in prefix) or "\r" in body:
        return _parsed_value(text)
    if "b" in prefix:
        return body.encode("ascii") if body.isascii() else _parsed_value(text)
    return body


def number_value(node: cst.Integer | cst.Float) -> int | float:
    """``node.evaluated_value``, without `ast.literal_eval` (see `simple_value`)."""
    return int(node.value, 0) if isinstance(node, cst.Integer) else float(node.value)


def _parsed_value(literal: str) -> str | bytes:
    # What `ast.literal_eval` does for a lone literal, without its closures.
    expression = ast.parse(literal.strip(), mode="eval").body
    if not isinstance(expression, ast.Constant) or not isinstance(expression.value, (str, bytes)):
        raise ValueError(f"not a string literal: {literal!r}")
    return expression.value


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
            values.append(simple_value(part))
        except (TypeError, ValueError, SyntaxError, UnicodeError):  # LibCST accepts what Python rejects
            return None
    if all(isinstance(value, str) for value in values):
        return "".join(values)  # type: ignore[arg-type]
    if bytes_too and all(isinstance(value, bytes) for value in values):
        return b"".join(values).decode("latin-1")  # type: ignore[arg-type]
    return None



def string_ends(node: cst.BaseExpression,
                resolve: Callable[[cst.BaseExpression], cst.BaseExpression] | None = None,
                ) -> tuple[str, str, str | None]:
    """What every value of a string expression starts and ends with, and its whole value
    when it is one: `f"processed/{name}.png"` is ("processed/", ".png", None), `"out.csv"`
    is ("out.csv", "out.csv", "out.csv"). Literals, f-strings, implicit concatenations
    and `+` are read; ``resolve`` follows a name to the expression bound to it; anything
    else contributes an unknown middle ("" at an end that is unknown)."""
    segments = _segments(node, resolve, 0)
    if all(segment is not None for segment in segments):
        whole = "".join(segments)  # type: ignore[arg-type]
        return whole, whole, whole
    first = segments.index(None)
    last = len(segments) - segments[::-1].index(None)
    return "".join(segments[:first]), "".join(segments[last:]), None  # type: ignore[arg-type]


def _segments(node: cst.BaseExpression, resolve: Callable[[cst.BaseExpression], cst.BaseExpression] | None,
              depth: int) -> list[str | None]:
    """Known text and unknown parts (None), in order."""
    if depth > 8:
        return [None]
    if isinstance(node, cst.Name) and resolve is not None:
        bound = resolve(node)
        return [None] if bound is node else _segments(bound, resolve, depth + 1)
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return [value] if value is not None else [None]
    if isinstance(node, cst.ConcatenatedString):
        return [segment for part in string_parts(node) for segment in _segments(part, resolve, depth + 1)]
    if isinstance(node, cst.FormattedString):
        found: list[str | None] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText) and "\\" not in part.value:
                found.append(part.value.replace("{{", "{").replace("}}", "}"))
            else:
                found.append(None)
        return found
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _segments(node.left, resolve, depth + 1) + _segments(node.right, resolve, depth + 1)
    return [None]
