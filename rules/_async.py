"""What the concurrency rules (LAM901-LAM904) share.

- where a call sits: in a coroutine body (not in a `lambda` or a nested plain
  `def` that an executor may run), in sync code;
- how a name is used in a function: whether a call's result is thrown away or
  kept in a name nothing reads, whether a thread is only started;
- which coroutines a handler runs under `asyncio.run(...)` (a new event loop per
  invocation), and which module-level names they touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from lambdalint.catalog.concurrency import PER_CALL_LOOP_RUNNERS
from lambdalint.context import FileContext
from lambdalint.model import FunctionInfo, ModuleModel, Project
from lambdalint.walk import children

_MAX_REACH = 500


# -- where are we ---------------------------------------------------------------------


def in_coroutine(ctx: FileContext) -> FunctionInfo | None:
    """The `async def` whose own body holds the current node (not a nested `def`,
    not a `lambda` that may run in an executor), else None."""
    function = ctx.function
    if function is None or not function.is_async:
        return None
    for node in reversed(ctx.ancestors):
        if isinstance(node, cst.Lambda):
            return None
        if isinstance(node, cst.FunctionDef):
            break
    return function


def in_sync_code(ctx: FileContext) -> bool:
    function = ctx.function
    return function is None or not any(f.is_async for f in function.enclosing())


def scope_body(ctx: FileContext) -> cst.CSTNode:
    """The code a local name of the current scope can be used in."""
    return ctx.function.node.body if ctx.function is not None else ctx.model.module


# -- how names are used ------------------------------------------------------------------


def name_uses(root: cst.CSTNode, name: str) -> list[tuple[cst.Name, cst.CSTNode | None]]:
    """Every `Name` node reading or writing `name` under root, with its parent.

    Attribute names (`x.name`) and keyword names (`f(name=...)`) are not uses.
    """
    found: list[tuple[cst.Name, cst.CSTNode | None]] = []
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, cst.Name):
            if node.value == name:
                found.append((node, parent))
            continue
        if isinstance(node, cst.Attribute):
            stack.append((node.value, node))
            continue
        if isinstance(node, cst.Arg):
            stack.append((node.value, node))
            continue
        stack.extend((child, node) for child in children(node))
    return found


def assigned_name(ctx: FileContext, call: cst.Call) -> str | None:
    """`x` when the call is the whole value of `x = call` (or `x: T = call`)."""
    parent = ctx.parent
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and parent.value is call:
        target = parent.targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.AnnAssign) and parent.value is call and isinstance(parent.target, cst.Name):
        return parent.target.value
    return None


def result_ignored(ctx: FileContext, call: cst.Call) -> bool:
    """The call's result is thrown away, or kept in a local name nothing reads."""
    parent = ctx.parent
    if isinstance(parent, cst.Expr):
        return True
    name = assigned_name(ctx, call)
    if name is None:
        return False
    function = ctx.function
    if function is not None and (name in function.scope.global_names or name in function.scope.nonlocal_names):
        return False
    return len(name_uses(scope_body(ctx), name)) <= 1


def local_binding(ctx: FileContext, name: str) -> cst.BaseExpression | None:
    """What a name of the current scope itself (not an enclosing one) is bound to."""
    function = ctx.function
    if function is not None:
        scope = function.scope
        if name in scope.global_names or name in scope.nonlocal_names:
            return None
    else:
        scope = ctx.model.summary.module_scope
    value = scope.bindings.get(name)
    return value if isinstance(value, cst.BaseExpression) else None


# -- calls that resolve to project coroutines ------------------------------------------------


def coroutine_targets(model: ModuleModel, call: cst.Call, function: FunctionInfo | None) -> list[FunctionInfo]:
    """The `async def`s of the checked tree a call runs (empty if any target is not one)."""
    project = model.project
    if project is None:
        return []
    targets = [target for _m, target, _b in project.call_targets(model, call, function)]
    if targets and all(t.is_async for t in targets):
        return targets
    return []


# -- coroutines run with asyncio.run, and the module-level names they touch -------------------


@dataclass(frozen=True)
class LoopRun:
    """A coroutine that reaches a module-level name, and the `asyncio.run` that runs it."""

    user: FunctionInfo  # the function that mentions the name
    runner: FunctionInfo  # the invocation-scope function calling asyncio.run
    runner_model: ModuleModel


class PerInvocationLoops:
    """Module-level names used by code that handlers run under `asyncio.run(...)`."""

    def __init__(self, project: Project) -> None:
        self.project = project
        # (id(module model), name) -> the first use found
        self.uses: dict[tuple[int, str], LoopRun] = {}
        for model, function, _chain in project.in_scope_functions():
            if any(f.is_async for f in function.enclosing()):
                continue  # asyncio.run inside a running loop raises; not our case
            for call in function.calls:
                if model.qualify(call.func, function) not in PER_CALL_LOOP_RUNNERS or not call.args:
                    continue
                for reached_model, reached in reach(project, model, function, call.args[0].value):
                    for target, name in module_names(project, reached_model, reached):
                        self.uses.setdefault((id(target), name), LoopRun(reached, function, model))


def reach(project: Project, model: ModuleModel, function: FunctionInfo | None,
          arg: cst.BaseExpression) -> Iterator[tuple[ModuleModel, FunctionInfo]]:
    """The functions of the checked tree that running `arg` (a call, or a local name
    bound to one) may execute: its targets and everything they call."""
    if isinstance(arg, cst.Name) and function is not None:
        value = function.scope.bindings.get(arg.value)
        arg = value if isinstance(value, cst.BaseExpression) else arg
    if not isinstance(arg, cst.Call):
        return
    queue = [(m, t) for m, t, _b in project.call_targets(model, arg, function)]
    seen: set[int] = set()
    while queue and len(seen) < _MAX_REACH:
        current_model, current = queue.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current_model, current
        region = [current]
        while region:
            inner = region.pop()
            region.extend(inner.nested)
            for call in inner.calls:
                queue.extend((m, t) for m, t, _b in project.call_targets(current_model, call, inner))


def module_names(project: Project, model: ModuleModel,
                 function: FunctionInfo) -> Iterator[tuple[ModuleModel, str]]:
    """(module, name) of module-level variables the function's body reads."""
    stack: list[cst.CSTNode] = [function.node.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef):
            continue  # nested defs are reached on their own when called
        if isinstance(node, (cst.Name, cst.Attribute)):
            found = _module_variable(project, model, function, node)
            if found is not None:
                yield found
            if isinstance(node, cst.Attribute):
                stack.append(node.value)
            continue
        if isinstance(node, cst.Arg):
            stack.append(node.value)
            continue
        stack.extend(children(node))


def _module_variable(project: Project, model: ModuleModel, function: FunctionInfo,
                     node: cst.Name | cst.Attribute) -> tuple[ModuleModel, str] | None:
    site = model.origin(node, function)  # locals are None; imports and re-exports followed
    if site is None or site[2]:
        return None
    target, name, _ = site
    if not isinstance(target.summary.module_scope.bindings.get(name), cst.BaseExpression):
        return None
    return target, name


def per_invocation_loops(ctx: FileContext) -> PerInvocationLoops | None:
    """The project's PerInvocationLoops analysis, computed once per project."""
    project = ctx.model.project
    if project is None:
        return None
    return project.analysis(PerInvocationLoops, lambda: PerInvocationLoops(project))
