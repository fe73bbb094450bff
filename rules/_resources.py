"""What the resource rules (LAM301-LAM304) share: literal strings, the calls a
function makes, and what a name is bound to at a given point."""

from __future__ import annotations

import libcst as cst

from lambdalint.context import FileContext
from lambdalint.model import FunctionInfo


def calls_of(function: FunctionInfo, include_nested: bool = False) -> list[cst.Call]:
    """Calls in a function's body (and in the functions nested in it, if asked)."""
    calls = list(function.calls)
    if include_nested:
        stack = list(function.nested)
        while stack:
            nested = stack.pop()
            calls.extend(nested.calls)
            stack.extend(nested.nested)
    return calls


def with_binding(ctx: FileContext, name: str) -> cst.BaseExpression | None:
    """The item of the innermost enclosing `with <item> as <name>:` in this function."""
    for node in reversed(ctx.ancestors):
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(node, cst.With):
            for item in node.items:
                target = item.asname.name if item.asname is not None else None
                if isinstance(target, cst.Name) and target.value == name:
                    return item.item
    return None


def bound_locally(ctx: FileContext, name: str) -> bool:
    """Whether a name in the current function refers to a local (or enclosing
    function's) variable rather than a module-level one."""
    function = ctx.function
    while function is not None:
        scope = function.scope
        if name in scope.global_names:
            return False
        if name in scope.bindings:
            return True
        function = function.parent
    return False


def chain_functions(ctx: FileContext) -> list[tuple[object, FunctionInfo]]:
    """(module model, function) for each function on the call chain that puts the
    current function in invocation scope: the handler first, the current one last."""
    project = ctx.model.project
    models = project.models if project is not None else [ctx.model]
    found: list[tuple[object, FunctionInfo]] = []
    for display in ctx.scope_chain():
        for model in models:
            prefix = model.module_name + "."
            if display.startswith(prefix) and display[len(prefix):] in model.functions:
                found.append((model, model.functions[display[len(prefix):]]))
                break
    return found


def callees(model, function: FunctionInfo) -> list[tuple[object, FunctionInfo]]:  # type: ignore[no-untyped-def]
    """Functions of the checked code that a function (or one nested in it) calls directly."""
    project = model.project
    if project is None:
        return []
    found = []
    stack = [function]
    while stack:
        current = stack.pop()
        stack.extend(current.nested)
        for call in current.calls:
            for target_model, target, _bound in project.call_targets(model, call, current):
                found.append((target_model, target))
    return found
