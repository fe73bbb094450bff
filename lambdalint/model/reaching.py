"""Which assignments of a local variable can reach one place where it is read.

The value analyses built on `FunctionInfo.assignments` are flow-insensitive: a
name holds everything it is ever assigned in the function. That is the right
default for "could this ever carry event data", and the wrong one where a
variable is reused: `response = secrets.get_secret_value(...)`, later
`response = table.put_item(...)` and `logger.info(response)` logs the second
value, not the secret. This module answers, for one read, which assignments can
still be the value there: it walks back from the read through the statements
before it (and the enclosing blocks), stops at an assignment that always runs
before it, and adds what loops bring round and what a `try` body may have
assigned before an `except` ran.

The answer over-approximates (an assignment in a branch that cannot run still
counts), which is the safe direction for the rules that ask ("may this be a
secret here?"); where the read is in a nested function, lambda or
comprehension, or the name is not a plain local, it answers None and the caller
keeps its flow-insensitive view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import libcst as cst

from lambdalint.model.summary import FunctionInfo, target_names
from lambdalint.walk import children

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_BLOCKS = (cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)


@dataclass(frozen=True)
class Reaching:
    """The assignments that can give a name its value at one read.

    ``values`` are the assigned expressions, as recorded in
    `FunctionInfo.assignments` (for a `for` target, the loop's iterable; for
    `x += y`, `y`); ``from_entry`` is True when the value the name had on
    entry (a parameter) can still be there.
    """

    values: tuple[cst.BaseExpression, ...]
    from_entry: bool


Assigned = dict[int, dict[str, list[cst.BaseExpression]]]


def reaching(function: FunctionInfo, name: str, path: Sequence[cst.CSTNode],
             cache: Assigned | None = None) -> Reaching | None:
    """The assignments of ``name`` that reach the node at the end of ``path`` (its
    ancestors from anywhere above ``function``'s `def` down to the node itself), or
    None when this cannot be told (see the module docstring). ``cache`` (kept by the
    caller for as long as the trees live) remembers what each statement assigns, for
    callers that ask about many reads."""
    cache = {} if cache is None else cache

    def _assigned_values(node: cst.CSTNode, wanted: str) -> list[cst.BaseExpression]:
        table = cache.get(id(node))
        if table is None:
            table = cache[id(node)] = _assignments(node)
        return table.get(wanted, [])

    scope = function.scope
    if name not in scope.bindings or name in scope.global_names or name in scope.nonlocal_names:
        return None
    start = next((i for i, node in enumerate(path) if node is function.node), None)
    if start is None:
        return None
    inner = list(path[start + 1:])
    if not _same_scope(inner):
        return None
    values: list[cst.BaseExpression] = []
    chain = [function.node, *inner]
    for depth in range(len(chain) - 2, -1, -1):
        parent, child = chain[depth], chain[depth + 1]
        if isinstance(parent, _BLOCKS):
            before = _before(parent, child)
            for statement in reversed(before):
                values.extend(_assigned_values(statement, name))
                if _always_assigns(statement, name):
                    return Reaching(tuple(values), False)
        elif isinstance(parent, (cst.For, cst.While)):
            if child is parent.body or (isinstance(parent, cst.While) and child is parent.test):
                values.extend(_assigned_values(parent.body, name))  # brought round by the loop
            if isinstance(parent, cst.For) and name in target_names(parent.target):
                values.append(parent.iter)
                if child is parent.body:
                    return Reaching(tuple(values), False)
            if child is parent.orelse:
                values.extend(_assigned_values(parent.body, name))
        elif isinstance(parent, (cst.Try, cst.TryStar)):
            if child is not parent.body:
                values.extend(_assigned_values(parent.body, name))  # may have run in part
                if child is parent.finalbody:
                    for handler in parent.handlers:
                        values.extend(_assigned_values(handler, name))
                    if parent.orelse is not None:
                        values.extend(_assigned_values(parent.orelse, name))
        elif isinstance(parent, cst.ExceptHandler):
            if parent.name is not None and name in target_names(parent.name.name):
                return Reaching(tuple(values), False)  # the exception object
        elif isinstance(parent, cst.With) and child is parent.body:
            for item in reversed(parent.items):
                if item.asname is not None and name in target_names(item.asname.name):
                    values.append(item.item)
                    return Reaching(tuple(values), False)
    return Reaching(tuple(values), True)


def _same_scope(inner: list[cst.CSTNode]) -> bool:
    """Whether the end of the path is evaluated in the function's own scope: not in a
    nested function, lambda or class, and in a comprehension only as the iterable of its
    first `for` (which Python evaluates in the enclosing scope)."""
    for index, node in enumerate(inner):
        if not isinstance(node, _SCOPES):
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        following = inner[index + 1:index + 3]
        if len(following) < 2 or following[0] is not node.for_in or following[1] is not node.for_in.iter:  # type: ignore[attr-defined]
            return False
    return True


def _before(block: cst.CSTNode, child: cst.CSTNode) -> list[cst.CSTNode]:
    body = list(block.body)  # type: ignore[attr-defined]
    for index, statement in enumerate(body):
        if statement is child:
            return body[:index]
    return []


def _assignments(node: cst.CSTNode) -> dict[str, list[cst.BaseExpression]]:
    """The values a statement (or block) may assign, by name, in its own scope."""
    found: dict[str, list[cst.BaseExpression]] = {}

    def add(target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        for name in target_names(target):
            found.setdefault(name, []).append(value)

    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, _SCOPES):
            continue
        if isinstance(current, cst.Assign):
            for target in current.targets:
                add(target.target, current.value)
        elif isinstance(current, (cst.AnnAssign, cst.AugAssign)):
            if current.value is not None:
                add(current.target, current.value)
        elif isinstance(current, cst.NamedExpr):
            add(current.target, current.value)
        elif isinstance(current, cst.For):
            add(current.target, current.iter)
        elif isinstance(current, cst.WithItem):
            if current.asname is not None:
                add(current.asname.name, current.item)
        stack.extend(children(current))
    return found


def _always_assigns(statement: cst.CSTNode, name: str) -> bool:
    """Whether ``name`` is always assigned when the statement completes normally."""
    if isinstance(statement, cst.SimpleStatementLine):
        return any(_small_assigns(small, name) for small in statement.body)
    if isinstance(statement, _BLOCKS):
        return any(_always_assigns(s, name) for s in statement.body)  # type: ignore[attr-defined]
    if isinstance(statement, (cst.Assign, cst.AnnAssign)):
        return _small_assigns(statement, name)
    if isinstance(statement, cst.If):
        orelse = statement.orelse
        if orelse is None:
            return False
        other = orelse if isinstance(orelse, cst.If) else orelse.body
        return _always_assigns(statement.body, name) and _always_assigns(other, name)
    if isinstance(statement, cst.With):
        return any(item.asname is not None and name in target_names(item.asname.name) for item in statement.items) \
            or _always_assigns(statement.body, name)
    if isinstance(statement, (cst.Try, cst.TryStar)):
        if statement.finalbody is not None and _always_assigns(statement.finalbody.body, name):
            return True
        return _always_assigns(statement.body, name) and all(
            _always_assigns(handler.body, name) or _leaves(handler.body) for handler in statement.handlers
        )
    return False


def _small_assigns(small: cst.CSTNode, name: str) -> bool:
    if isinstance(small, cst.Assign):
        return any(name in target_names(t.target) for t in small.targets)
    if isinstance(small, cst.AnnAssign):
        return small.value is not None and name in target_names(small.target)
    return False


def _leaves(block: cst.BaseSuite) -> bool:
    """The block ends by raising or returning."""
    body = block.body if isinstance(block, cst.IndentedBlock) else [block]
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine):
        return isinstance(last.body[-1], (cst.Raise, cst.Return))
    if isinstance(last, cst.SimpleStatementSuite):
        return isinstance(last.body[-1], (cst.Raise, cst.Return))
    return False
