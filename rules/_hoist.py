"""The hoist fix shared by LAM101, LAM102 and LAM107: move a call to module scope.

The call moves only when moving it cannot change what it computes: every
argument is a literal, a module-level name or an environment read, the
names it uses are bound at module scope before the function, and it is not
the context manager of a `with`. An identical module-level assignment is
reused instead of adding a second one, and the new name never clashes.
"""

from __future__ import annotations

import re

import libcst as cst

from lambdalint.context import FileContext
from lambdalint.fix import Applicability, Fix, import_insertion_index
from lambdalint.literals import simple_value
from lambdalint.walk import children

_ENV_READS = frozenset({"os.environ.get", "os.getenv"})


def hoist_fix(ctx: FileContext, call: cst.Call, name_hint: str, what: str) -> Fix | None:
    module = ctx.model.module
    if len(ctx.ancestors) < 2 or any(isinstance(node, cst.WithItem) for node in ctx.ancestors):
        return None
    top = ctx.ancestors[1]
    top_index = next((i for i, stmt in enumerate(module.body) if stmt is top), None)
    if top_index is None or ctx.function is None:
        return None
    used: set[str] = set()
    if not _movable(ctx, call.func, used, allow_call=False):
        return None
    if ctx.model.qualify(call.func, None) != ctx.qualify(call.func):
        return None  # the callee is imported inside the function
    for arg in call.args:
        if arg.star or not _movable(ctx, arg.value, used, allow_call=True):
            return None
    reused = _existing(module.body[:top_index], call)
    if reused is not None:
        return Fix(f"Reuse the module-level `{reused}`", Applicability.SAFE,
                   replacements=[(call, cst.Name(reused))])
    index = import_insertion_index(module)
    for name in used:
        bound_at = _last_binding(module.body[:top_index], name)
        if bound_at is None:
            return None
        index = max(index, bound_at + 1)
    if index > top_index:
        return None
    name = unique_name(ctx, name_hint)
    statement = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=call)],
        leading_lines=[cst.EmptyLine()],
    )
    return Fix(
        f"Create {what} once at module scope as `{name}` and reuse it",
        Applicability.SAFE,
        replacements=[(call, cst.Name(name))],
        insertions=[(statement, index)],
    )


def _movable(ctx: FileContext, expr: cst.BaseExpression, used: set[str], allow_call: bool) -> bool:
    if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
        return True
    if isinstance(expr, cst.ConcatenatedString):
        return _movable(ctx, expr.left, used, allow_call) and _movable(ctx, expr.right, used, allow_call)
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return True
        if _bound_in_function(ctx, expr.value):
            return False
        used.add(expr.value)
        return True
    if isinstance(expr, cst.Attribute):
        return _movable(ctx, expr.value, used, allow_call=False)
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return all(_movable(ctx, e.value, used, allow_call) for e in expr.elements
                   if isinstance(e, cst.Element))
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _movable(ctx, e.key, used, allow_call)
            and _movable(ctx, e.value, used, allow_call)
            for e in expr.elements
        )
    if isinstance(expr, cst.Subscript) and allow_call:
        if ctx.qualify(expr.value) != "os.environ" or len(expr.slice) != 1:
            return False
        index = expr.slice[0].slice
        return isinstance(index, cst.Index) and _movable(ctx, expr.value, used, False) and _movable(
            ctx, index.value, used, allow_call)
    if isinstance(expr, cst.Call) and allow_call:
        if ctx.qualify(expr.func) not in _ENV_READS:
            return False
        return _movable(ctx, expr.func, used, False) and all(
            not a.star and _movable(ctx, a.value, used, True) for a in expr.args)
    return False


def _bound_in_function(ctx: FileContext, name: str) -> bool:
    function = ctx.function
    while function is not None:
        scope = function.scope
        if name in scope.global_names:
            return False
        if name in scope.bindings:
            return True
        function = function.parent
    return False


def _existing(body: list[cst.BaseStatement] | tuple, call: cst.Call) -> str | None:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if (isinstance(small, cst.Assign) and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name) and small.value.deep_equals(call)):
                return small.targets[0].target.value
    return None


def _binds(stmt: cst.CSTNode, name: str) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    bound = (alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name)
                             else cst.Module([]).code_for_node(alias.name).split(".")[0])
                    if bound == name:
                        return True
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = (alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name)
                             else cst.Module([]).code_for_node(alias.name))
                    if bound == name:
                        return True
            elif isinstance(small, cst.Assign):
                if any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return True
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                if isinstance(small.target, cst.Name) and small.target.value == name:
                    return True
        return False
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        return stmt.name.value == name
    if isinstance(stmt, (cst.If, cst.Try)):
        blocks = [stmt.body]
        if isinstance(stmt, cst.Try):
            blocks += [h.body for h in stmt.handlers]
        elif stmt.orelse is not None:
            blocks.append(stmt.orelse.body)
        return any(_binds(inner, name) for block in blocks for inner in getattr(block, "body", ()))
    return False


def _last_binding(body, name: str) -> int | None:  # type: ignore[no-untyped-def]
    found = None
    for index, stmt in enumerate(body):
        if _binds(stmt, name):
            found = index
    return found


def unique_name(ctx: FileContext, hint: str) -> str:
    """`hint`, or `hint_2`, `hint_3`... whichever no code in the module uses yet."""
    hint = re.sub(r"\W", "_", hint) or "value"
    if hint[0].isdigit():
        hint = "_" + hint
    taken = _names_in_module(ctx)
    if hint not in taken:
        return hint
    counter = 2
    while f"{hint}_{counter}" in taken:
        counter += 1
    return f"{hint}_{counter}"


def _names_in_module(ctx: FileContext) -> set[str]:
    cached = getattr(ctx, "_module_names", None)
    if cached is None:
        cached = set()
        stack: list[cst.CSTNode] = [ctx.model.module]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                cached.add(node.value)
            stack.extend(children(node))
        ctx._module_names = cached  # type: ignore[attr-defined]
    return cached


def literal_argument(call: cst.Call, keyword: str | None = None, position: int = 0) -> str | None:
    """The value of a string-literal argument, by keyword or position."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if keyword and arg.keyword is not None and arg.keyword.value == keyword:
            value = arg.value
            break
    else:
        if position >= len(positional):
            return None
        value = positional[position].value
    if isinstance(value, cst.SimpleString):
        evaluated = simple_value(value)
        return evaluated if isinstance(evaluated, str) else None
    return None
