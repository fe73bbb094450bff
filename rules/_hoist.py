"""The hoist fix shared by LAM101, LAM102 and LAM107: move a call to module scope.

The call moves only when moving it cannot change what it computes: every
argument is a literal, a module-level name or an environment read, the
names it uses are bound at module scope before the function, and it is not
the context manager of a `with`.

The module-level name is one a person would write:

- an identical module-level assignment is reused (`s3 = boto3.client("s3")`
  already there);
- when the call is the whole value of a local variable assigned nowhere else
  (`orders_table = boto3.resource("dynamodb").Table("orders")`, the chain of a
  resource's lazy sub-resources included), the variable itself moves to module
  scope under its own name and the local assignment goes;
- otherwise the rule's names (`s3_client`, `dynamodb`, `db_connection`), or
  the same with a leading underscore; when all are taken, no fix (never
  `s3_client_2`).

Where the call sits inside a `try` or a `with` block in the function (or the
function is called inside one in its module), a failure that the `except` (or
the context manager) handled would fail the module's import instead: the fix
is then unsafe, offered only with `--unsafe-fixes`.
"""

from __future__ import annotations

import re
from typing import Sequence

import libcst as cst

from lambdalint.context import FileContext
from lambdalint.fix import Applicability, Fix, import_insertion_index
from lambdalint.literals import simple_value
from lambdalint.model import FunctionInfo, ModuleModel
from lambdalint.model.summary import target_names
from lambdalint.model.resolve import BUILTIN_NAMES
from lambdalint.walk import children

_ENV_READS = frozenset({"os.environ.get", "os.getenv"})
_GUARDS = (cst.Try, cst.TryStar, cst.With)
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_SCOPE_TYPES = frozenset(_SCOPES)
# The statements and clauses `_binding_count` reads names from.
_BINDERS = frozenset({cst.FunctionDef, cst.ClassDef, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For,
                      cst.NamedExpr, cst.WithItem, cst.ExceptHandler, cst.Del, cst.Import, cst.ImportFrom})


def hoist_fix(ctx: FileContext, call: cst.Call, names: str | Sequence[str], what: str,
              take_over: bool = True, unsafe_when_conditional: bool = False) -> Fix | None:
    """The fix that moves ``call`` to module scope, or None when it cannot move.

    ``names`` are the module-level names to try, best first; ``take_over`` lets a
    local variable holding the call move under its own name; with
    ``unsafe_when_conditional`` a call made only on some paths (under an `if`, in a
    loop) is unsafe to move, since module scope makes it on every cold start.
    """
    module = ctx.model.module
    if len(ctx.ancestors) < 2 or any(isinstance(node, cst.WithItem) for node in ctx.ancestors):
        return None
    top = ctx.ancestors[1]
    top_index = next((i for i, stmt in enumerate(module.body) if stmt is top), None)
    function = ctx.function
    if top_index is None or function is None:
        return None
    used: set[str] = set()
    if not _movable(ctx, call.func, used, allow_call=False):
        return None
    if ctx.model.qualify(call.func, None) != ctx.qualify(call.func):
        return None  # the callee is imported inside the function
    for arg in call.args:
        if arg.star or not _movable(ctx, arg.value, used, allow_call=True):
            return None
    unsafe = _guarded(ctx, function) or (unsafe_when_conditional and _conditional(ctx, function))
    applicability = Applicability.UNSAFE if unsafe else Applicability.SAFE
    before = module.body[:top_index]
    chain, chain_used = _lazy_chain(ctx, call, used) if take_over else (call, used)

    for candidate in ([chain] if chain is not call else []) + [call]:
        reused = _existing(before, candidate)
        if reused is None:
            continue
        local = _local_assignment(ctx, candidate)
        if local is not None and local[1] == reused:
            if not _only_local(ctx, function, reused):
                return None  # `s3 = s3` would read the unassigned local
            return Fix(f"Use the module-level `{reused}`", applicability,
                       replacements=[(local[0], cst.RemovalSentinel.REMOVE)])
        return Fix(f"Reuse the module-level `{reused}`", applicability,
                   replacements=[(candidate, cst.Name(reused))])

    local = _local_assignment(ctx, chain) if take_over else None
    if local is not None and _only_local(ctx, function, local[1]) and _free_at_module(ctx, function, local[1]):
        index = _insertion_index(module, before, chain_used, top_index)
        if index is not None:
            line = local[0]
            return Fix(
                f"Move `{local[1]}` to module scope, created once, and reuse it",
                applicability,
                replacements=[(line, cst.RemovalSentinel.REMOVE)],
                insertions=[(line.with_changes(leading_lines=[cst.EmptyLine()]), index)],
                moved=[line],
            )
    index = _insertion_index(module, before, used, top_index)
    if index is None:
        return None
    name = free_name(ctx, [names] if isinstance(names, str) else list(names))
    if name is None:
        return None
    return Fix(
        f"Create {what} once at module scope as `{name}` and reuse it",
        applicability,
        replacements=[(call, cst.Name(name))],
        insertions=[(_assignment(name, call), index)],
    )


def _assignment(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=value)],
        leading_lines=[cst.EmptyLine()],
    )


def _insertion_index(module: cst.Module, before: Sequence[cst.BaseStatement], used: set[str],
                     top_index: int) -> int | None:
    """After the imports and after the last module-level binding of a name the
    moved code uses; None when that is not before the function."""
    index = import_insertion_index(module)
    for name in used:
        bound_at = _last_binding(before, name)
        if bound_at is None:
            return None
        index = max(index, bound_at + 1)
    return index if index <= top_index else None


# -- when moving changes what happens on failure -------------------------------------


def _guarded(ctx: FileContext, function: FunctionInfo) -> bool:
    """The call is inside a `try` or `with` block of its function, or the function is
    called inside one elsewhere in the module."""
    inside = _after(ctx.ancestors, function.node)
    if any(isinstance(node, _GUARDS) for node in inside):
        return True
    if ctx.model.entry_point_for(function) is not None:
        return False
    return _called_in_guard(ctx, function)


def _conditional(ctx: FileContext, function: FunctionInfo) -> bool:
    inside = _after(ctx.ancestors, function.node)
    return any(isinstance(node, (cst.If, cst.For, cst.While, cst.Match, cst.IfExp, cst.BooleanOperation))
               for node in inside)


def _after(ancestors: Sequence[cst.CSTNode], node: cst.CSTNode) -> list[cst.CSTNode]:
    for index, ancestor in enumerate(ancestors):
        if ancestor is node:
            return list(ancestors[index + 1:])
    return []


def _called_in_guard(ctx: FileContext, function: FunctionInfo) -> bool:
    return ctx.kept("hoist: called in a guard", function, lambda: _find_guarded_call(ctx, function))


def _find_guarded_call(ctx: FileContext, function: FunctionInfo) -> bool:
    model = ctx.model
    project = model.project
    if project is None:
        return False
    for caller in model.functions.values():
        calls = [c for c in caller.calls
                 if any(target is function for _, target, _ in project.call_targets(model, c, caller))]
        if not calls:
            continue
        wanted = {id(c) for c in calls}
        for guard, _ in _nodes(caller.node.body):
            if isinstance(guard, _GUARDS) and any(id(n) in wanted for n, _ in _nodes(guard)):
                return True
    return False


def _nodes(root: cst.CSTNode):  # type: ignore[no-untyped-def]
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        if type(node) not in _SCOPE_TYPES or node is root:
            stack.extend((child, node) for child in children(node))


# -- which name ----------------------------------------------------------------------------


def _lazy_chain(ctx: FileContext, call: cst.Call, used: set[str]) -> tuple[cst.BaseExpression, set[str]]:
    """`boto3.resource("dynamodb").Table("orders")`: a resource and the sub-resources
    taken from it (capitalised methods, which make lazy objects and call no API), as far
    as their arguments can move too."""
    ancestors = ctx.ancestors
    index = len(ancestors) - 1
    while index > 0 and ancestors[index] is not call:
        index -= 1
    current: cst.BaseExpression = call
    chain_used = set(used)
    while index >= 2:
        attribute, outer = ancestors[index - 1], ancestors[index - 2]
        if not (isinstance(attribute, cst.Attribute) and attribute.value is current
                and isinstance(outer, cst.Call) and outer.func is attribute
                and attribute.attr.value[:1].isupper()):
            break
        more: set[str] = set()
        if not all(not a.star and _movable(ctx, a.value, more, allow_call=True) for a in outer.args):
            break
        chain_used |= more
        current = outer
        index -= 2
    return current, chain_used


def _local_assignment(ctx: FileContext, value: cst.BaseExpression) -> tuple[cst.SimpleStatementLine, str] | None:
    """(statement, name) when ``value`` is the whole value of `name = value`, alone on
    its line, in a block with other statements."""
    ancestors = ctx.ancestors
    for index in range(len(ancestors) - 1, 2, -1):
        if ancestors[index] is not value:
            continue
        assign, line, block = ancestors[index - 1], ancestors[index - 2], ancestors[index - 3]
        if isinstance(assign, cst.Assign) and assign.value is value and len(assign.targets) == 1                 and isinstance(assign.targets[0].target, cst.Name)                 and isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1                 and isinstance(block, cst.IndentedBlock) and len(block.body) > 1:
            return line, assign.targets[0].target.value
        return None
    return None


def _only_local(ctx: FileContext, function: FunctionInfo, name: str) -> bool:
    """Whether ``name`` is a plain local of ``function`` bound by one statement only
    (the one the fix removes): not a parameter, `global`/`nonlocal`, builtin, or a
    name a nested function rebinds with `nonlocal`."""
    scope = function.scope
    if name in BUILTIN_NAMES or name in scope.global_names or name in scope.nonlocal_names \
            or name in function.param_names:
        return False
    if _binding_count(function.node.body, name) != 1:
        return False
    return not any(
        name in inner.scope.nonlocal_names and function in inner.enclosing()
        for inner in ctx.model.functions.values() if inner is not function
    )


def _free_at_module(ctx: FileContext, function: FunctionInfo, name: str) -> bool:
    """Whether a new module-level ``name`` changes nothing else: the module binds no such
    name, no function declares it `global`, and no code outside ``function`` reads it
    other than as its own local."""
    model = ctx.model
    if name in model.summary.module_scope.bindings or any(
            name in f.scope.global_names for f in model.functions.values()):
        return False
    return not _read_elsewhere(ctx, function, name)


def _binding_count(body: cst.CSTNode, name: str) -> int:
    """How many statements of a function body (not of nested scopes) bind ``name``."""
    count = 0
    for node, _ in _nodes(body):
        if type(node) not in _BINDERS:
            continue  # by exact type: `isinstance` through LibCST's abstract bases costs more
        bound: list[str] = []
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            bound = [node.name.value]
        elif isinstance(node, cst.Assign):
            bound = [n for t in node.targets for n in target_names(t.target)]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr)):
            bound = target_names(node.target)
        elif isinstance(node, (cst.WithItem, cst.ExceptHandler)):
            asname = node.asname if isinstance(node, cst.WithItem) else node.name
            bound = target_names(asname.name) if asname is not None else []  # type: ignore[arg-type]
        elif isinstance(node, cst.Del):
            bound = target_names(node.target)
        elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if alias.asname is not None:
                    bound += target_names(alias.asname.name)  # type: ignore[arg-type]
                else:
                    bound.append(cst.Module([]).code_for_node(alias.name).split(".")[0])
        count += bound.count(name)
    return count


def _read_elsewhere(ctx: FileContext, function: FunctionInfo, name: str) -> bool:
    """Whether code outside ``function`` mentions ``name`` other than as its own local."""
    inside = id(function.node)
    return any(inside not in chain and (owner is None or not _local_in(owner, name))
               for chain, owner in ctx.kept(_MENTIONS, ctx.model, lambda: _mentions(ctx.model)).get(name, ()))


_MENTIONS = "hoist: the names a module mentions"
# Where each name is mentioned: the functions around the mention, innermost last, and
# the innermost one the model knows.
Mentions = dict[str, list[tuple[tuple[int, ...], "FunctionInfo | None"]]]


def _mentions(model: ModuleModel) -> Mentions:
    """Every name a module mentions (`obj.name` and `f(name=...)` are no mention of
    it), found in one walk and kept for the module: a large module with several
    clients to hoist was walked whole once for each."""
    found: Mentions = {}
    stack: list[tuple[cst.CSTNode, tuple[int, ...], FunctionInfo | None]] = [(model.module, (), None)]
    while stack:
        node, chain, owner = stack.pop()
        if isinstance(node, cst.FunctionDef):
            chain = (*chain, id(node))
            owner = model.function_for(node) or owner
        elif isinstance(node, cst.Name):
            found.setdefault(node.value, []).append((chain, owner))
        elif isinstance(node, (cst.Attribute, cst.Arg)):
            stack.append((node.value, chain, owner))
            continue
        stack.extend((child, chain, owner) for child in children(node))
    return found


def _local_in(function: FunctionInfo, name: str) -> bool:
    current: FunctionInfo | None = function
    while current is not None:
        if name in current.scope.global_names:
            return False
        if name in current.scope.bindings:
            return True
        current = current.parent
    return False


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


def free_name(ctx: FileContext, names: Sequence[str]) -> str | None:
    """The first of ``names`` (then of the same with a leading underscore) that no code
    in the module uses yet; None when all are taken."""
    taken = _names_in_module(ctx)
    candidates = [_identifier(n) for n in names]
    candidates += ["_" + n for n in candidates if not n.startswith("_")]
    return next((n for n in candidates if n not in taken and n not in BUILTIN_NAMES), None)


def _identifier(hint: str) -> str:
    hint = re.sub(r"\W", "_", hint) or "value"
    return "_" + hint if hint[0].isdigit() else hint


def _names_in_module(ctx: FileContext) -> set[str]:
    def answer() -> set[str]:
        found: set[str] = set()
        stack: list[cst.CSTNode] = [ctx.model.module]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                found.add(node.value)
            stack.extend(children(node))
        return found

    return ctx.kept("hoist: names in the module", ctx.model, answer)


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
