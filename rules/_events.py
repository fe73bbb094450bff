"""What the LAM5xx/LAM6xx rules share: reading AWS calls, results and event paths.

- which service an SDK receiver talks to (`boto3.client("s3")` two assignments away);
- how a call's result is used afterwards (read at a key, handed on, dropped);
- values read from the event at a key path (`record["s3"]["bucket"]["name"]`),
  followed through assignments and into the project functions they are passed to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

import libcst as cst

from lambdalint.catalog import events as ev
from lambdalint.context import FileContext
from lambdalint.literals import number_value, string_value
from lambdalint.model import EVENT, FunctionInfo, ModuleModel, Project, analyses
from lambdalint.model.dataflow import EMPTY, Dataflow, analysis_for, bind_arguments
from lambdalint.model.event_sources import key_read, string_index
from lambdalint.walk import children

MISSING = object()
_AWS_PACKAGES = ("boto3.", "aioboto3.", "botocore.", "aiobotocore.")
_MAX_HOPS = 4


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def call_shown(call: cst.Call) -> str:
    """`s3.put_object(...)`: a call as written, without its arguments."""
    return f"{shorten(code_of(call.func))}(...)"


# -- names and bindings -----------------------------------------------------------------


def lookup(model: ModuleModel, function: FunctionInfo | None, name: str) -> object:
    """What a name visible in ``function`` is bound to, or MISSING when nothing binds it."""
    scope = function.scope if function is not None else model.summary.module_scope
    while scope is not None:
        if name in scope.bindings:
            return scope.bindings[name]
        scope = scope.parent
    return MISSING


def resolve_name(model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression,
                 hops: int = _MAX_HOPS) -> cst.BaseExpression:
    """Follow a name to the expression assigned to it (a few hops), else the expression."""
    for _ in range(hops):
        if not isinstance(expr, cst.Name):
            break
        bound = lookup(model, function, expr.value)
        if not isinstance(bound, cst.BaseExpression):
            break
        expr = bound
    return expr


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def argument(call: cst.Call, name: str, position: int | None) -> cst.BaseExpression | None:
    """The argument passed as ``name=`` or at ``position``."""
    found = keyword(call, name)
    if found is not None or position is None:
        return found
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[position].value if position < len(positional) else None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def literal_int(expr: cst.BaseExpression | None) -> int | None:
    if isinstance(expr, cst.Integer):
        return int(number_value(expr))
    return None


def walk_with_parents(root: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.CSTNode | None]]:
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in children(node))


def body_root(ctx: FileContext) -> cst.CSTNode:
    """The function body being visited, or the module at module scope."""
    function = ctx.function
    return function.node.body if function is not None else ctx.model.module


# -- which AWS service ------------------------------------------------------------------------


@dataclass(frozen=True)
class Receiver:
    """What an SDK call's receiver is: `kind` is "service" (known service name),
    "aws" (an SDK object of unknown service), "unknown" or "other" (not the SDK)."""

    kind: str
    service: str | None = None
    qualified: str = ""

    def may_be(self, services: frozenset[str] | set[str], distinctive: bool) -> bool:
        """Could this receiver be a client of one of ``services``?"""
        if self.kind == "service":
            return self.service in services
        if self.kind == "aws":
            return True
        return self.kind == "unknown" and distinctive


def receiver_of(ctx: FileContext, receiver: cst.BaseExpression) -> Receiver:
    model, function = ctx.model, ctx.function
    qualified = model.qualify(receiver, function) or ""
    model, function, expr = _bound_value(model, function, receiver)
    # `boto3.resource("dynamodb").Table("t")`: the service of the object the chain starts from.
    for _ in range(_MAX_HOPS):
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and (model.qualify(expr.func, function) or "") not in ev.SERVICE_CONSTRUCTORS:
            model, function, expr = _bound_value(model, function, expr.func.value)
        elif isinstance(expr, cst.Attribute) and expr.attr.value in ("client", "meta"):
            model, function, expr = _bound_value(model, function, expr.value)
        else:
            break
    if isinstance(expr, cst.Call) and (model.qualify(expr.func, function) or "") in ev.SERVICE_CONSTRUCTORS:
        service = string_value(argument(expr, ev.SERVICE_KEYWORD, 0))
        if service is not None:
            return Receiver("service", service, qualified)
        return Receiver("aws", None, qualified)
    if isinstance(expr, cst.Call):
        made = _factory_service(model, function, expr)
        if made is not None:
            return Receiver("service", made, qualified) if made else Receiver("aws", None, qualified)
    if qualified.startswith(_AWS_PACKAGES):
        return Receiver("aws", None, qualified)
    if qualified.endswith("()"):
        # The result of calling something that is not the SDK (`Repo()`, `sessionmaker()()`).
        return Receiver("other", None, qualified)
    # A parameter, an attribute of an object, a name imported from elsewhere: could be anything.
    return Receiver("unknown", None, qualified)


def _factory_service(model: ModuleModel, function: FunctionInfo | None, call: cst.Call) -> str | None:
    """`create_client("s3")`, `s3_client()`: a project function that returns an SDK
    client; its service, from a literal in the factory or the argument the call gives
    the factory's service parameter ("" when it is not visible; None when the call is
    no such factory)."""
    project = model.project
    if project is None:
        return None
    for target_model, target, bound in project.call_targets(model, call, function):
        for value in target.returns:
            made = resolve_name(target_model, target, value)
            if not isinstance(made, cst.Call) or \
                    (target_model.qualify(made.func, target) or "") not in ev.SERVICE_CONSTRUCTORS:
                continue
            service = argument(made, ev.SERVICE_KEYWORD, 0)
            literal = string_value(service) if service is not None else None
            if literal is not None:
                return literal
            if isinstance(service, cst.Name) and service.value in target.param_names:
                given = dict(bind_arguments(target, call, bound)).get(service.value)
                value = string_value(given) if given is not None else None
                if value is not None:
                    return value
            return ""
    return None


def _bound_value(model: ModuleModel, function: FunctionInfo | None,
                 expr: cst.BaseExpression) -> tuple[ModuleModel, FunctionInfo | None, cst.BaseExpression]:
    """`resolve_name`, continued into the module-level binding of another project module
    (`from shared.aws import s3`, `shared.aws.s3`): the value, and where to read it."""
    for _ in range(_MAX_HOPS):
        expr = resolve_name(model, function, expr)
        site = model.origin(expr, function) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if site is None or site[0] is model or site[2]:
            break
        bound = site[0].summary.module_scope.bindings.get(site[1])
        if not isinstance(bound, cst.BaseExpression):
            break
        model, function, expr = site[0], None, bound
    return model, function, expr


def is_dynamodb_table(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
    """A `Table` of the DynamoDB resource API (`boto3.resource("dynamodb").Table(...)`)."""
    qualified = ctx.qualify(receiver) or ""
    return qualified.endswith(ev.DYNAMODB_TABLE_SUFFIX) and "resource()" in qualified \
        and qualified.startswith(_AWS_PACKAGES)


# -- how a result is used ----------------------------------------------------------------------


@dataclass
class ResultUse:
    """How a call's result is used: "dropped", "keys" (only read at literal keys:
    ``keys`` holds them), or "escapes" (returned, passed on, stored...)."""

    kind: str
    keys: set[str]


def result_use(ctx: FileContext, call: cst.Call) -> ResultUse:
    ancestors = ctx.ancestors
    index = len(ancestors) - 1
    while index > 0 and ancestors[index] is not call:
        index -= 1
    value: cst.CSTNode = call
    parent = ancestors[index - 1] if index > 0 else None
    if isinstance(parent, cst.Await):
        value, parent = parent, ancestors[index - 2] if index > 1 else None
    if isinstance(parent, cst.Expr):
        return ResultUse("dropped", set())
    read = _read_at(parent, value, ancestors[index - 2] if index > 1 else None)
    if read is not None:
        return ResultUse("keys", {read})
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        return name_use(ctx, parent.targets[0].target.value)
    if isinstance(parent, (cst.AnnAssign,)) and isinstance(parent.target, cst.Name):
        return name_use(ctx, parent.target.value)
    return ResultUse("escapes", set())


def _read_at(parent: cst.CSTNode | None, value: cst.CSTNode, grandparent: cst.CSTNode | None) -> str | None:
    if isinstance(parent, cst.Subscript) and parent.value is value:
        return string_index(parent)
    if isinstance(parent, cst.Attribute) and parent.value is value and parent.attr.value == "get" \
            and isinstance(grandparent, cst.Call) and grandparent.func is parent:
        return string_value(grandparent.args[0].value) if grandparent.args else None
    return None


def name_use(ctx: FileContext, name: str) -> ResultUse:
    """How a local name holding a result is used in the current function."""
    keys: set[str] = set()
    root = body_root(ctx)
    nodes = list(walk_with_parents(root))
    parents = {id(node): parent for node, parent in nodes}
    for node, parent in nodes:
        if not isinstance(node, cst.Name) or node.value != name:
            continue
        if _is_binding_target(node, parent):
            continue
        grandparent = parents.get(id(parent)) if parent is not None else None
        read = _read_at(parent, node, grandparent)
        if read is not None:
            keys.add(read)
            continue
        if isinstance(parent, cst.Comparison) and _membership_key(parent, node) is not None:
            keys.add(_membership_key(parent, node) or "")
            continue
        return ResultUse("escapes", keys)
    return ResultUse("keys", keys)


def _membership_key(comparison: cst.Comparison, node: cst.CSTNode) -> str | None:
    read = key_read(comparison)
    return read[0] if read is not None and read[1] is node else None


def _is_binding_target(node: cst.Name, parent: cst.CSTNode | None) -> bool:
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return True
    if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node:
        return isinstance(parent, cst.AnnAssign)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is node:
        return True
    if isinstance(parent, cst.NamedExpr) and parent.target is node:
        return True
    if isinstance(parent, cst.AsName):
        return True
    return isinstance(parent, cst.Param)


# -- values read from the event at a key path ------------------------------------------------


def key_path(model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression,
             table: Mapping[str, tuple[str, ...]] | _PathTable | None = None) -> tuple[str, ...] | None:
    """The keys read from event data to get ``expr`` (`record["s3"]["bucket"]` ->
    ("s3", "bucket")); integer indexes are transparent; None when not event data."""
    read = key_read(expr) if isinstance(expr, (cst.Subscript, cst.Call)) else None
    if read is not None:
        base = key_path(model, function, read[1], table)
        return None if base is None else base + (read[0],)
    if isinstance(expr, cst.Subscript):
        return key_path(model, function, expr.value, table)
    if isinstance(expr, cst.Name) and table is not None:
        held = table.get(expr.value)
        if held is not None:
            return held
    if EVENT in analyses.labels_of(model, expr, function):
        return ()
    return None


def ends_with(path: tuple[str, ...] | None, suffix: tuple[str, ...]) -> bool:
    return path is not None and len(path) >= len(suffix) and path[len(path) - len(suffix):] == suffix


_CONFLICT = object()  # a fact: the name is also assigned something that is no key path


class EventPath(Dataflow):
    """Names, per function in invocation scope, holding the value read from the event
    at ``path`` (`bucket = record["s3"]["bucket"]["name"]`), or part of the way there
    (`s3 = record["s3"]`), followed into project functions they are passed to: an
    analysis on the dataflow engine (`lambdalint.model.dataflow`), kept per project.

    ``loose``: also names computed from such a value (`unquote_plus(key)`, f-strings).
    Strict: a name also assigned something else (`bucket = OUTPUT` later) is not known
    to hold the value (flow-insensitively, like bindings), unless it is a parameter a
    call passes the value (then it holds that). A name holds one key path: a complete
    one (ending with ``path``) if it is assigned one, else the one it is assigned
    (a parameter: the one the first call that passes it one passes).
    """

    splits_loops = False  # a loop variable holds what its iterable is read at

    def __init__(self, project: Project, path: tuple[str, ...], loose: bool) -> None:
        super().__init__(project)
        self.path = path
        self.loose = loose
        functions = [(m, f) for m, f, _ in project.in_scope_functions()]
        self._models = {id(f): m for m, f in functions}
        # id(callee) -> the calls functions in invocation scope make to it, in order.
        self._callers: dict[int, list[tuple[ModuleModel, FunctionInfo, cst.Call, bool]]] = {}
        for model, function in functions:
            for call in function.calls:
                for _, target, bound in project.call_targets(model, call, function):
                    if id(target) in self._models:
                        self._callers.setdefault(id(target), []).append((model, function, call, bound))
        self._single: dict[int, dict[str, list[cst.BaseExpression]]] = {}

    def _interesting(self, found: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """``found`` if it is part of the way to the path (it ends with a prefix of it)."""
        if found is None:
            return None
        for cut in range(len(self.path), 0, -1):
            if len(found) >= cut and found[len(found) - cut:] == self.path[:cut]:
                return found
        return None

    def path_of(self, model: ModuleModel, function: FunctionInfo | None,
                expr: cst.BaseExpression) -> tuple[str, ...] | None:
        table = self.table(function)
        found = key_path(model, function, expr, table)
        if ends_with(found, self.path):
            return found
        if isinstance(expr, cst.Call) and expr.args and (model.qualify(expr.func, function) or "") == "builtins.str":
            return self.path_of(model, function, expr.args[0].value)
        if self.loose and any(self.holds(model, function, n) for n in _expressions_in(expr)):
            return self.path
        return self._interesting(found)

    def holds(self, model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression) -> bool:
        """True when ``expr`` is (loose: is computed from) the value at the path."""
        if isinstance(expr, cst.Name):
            return ends_with(self.table(function).get(expr.value), self.path)
        found = key_path(model, function, expr, self.table(function))
        return ends_with(found, self.path)

    def table(self, function: FunctionInfo | None) -> _PathTable:
        """Names visible in ``function`` and the key paths they hold (a mapping)."""
        return _PathTable(self, function)

    # -- the analysis on the engine -----------------------------------------------------

    def tracks(self, model: ModuleModel, function: FunctionInfo) -> bool:
        return id(function) in self._models

    def _assignments(self, function: FunctionInfo) -> dict[str, list[cst.BaseExpression]]:
        # Only assignments to one name (`a, b = ...` says nothing about either).
        index = self._single.get(id(function))
        if index is None:
            index = self._single[id(function)] = {}
            for names, value in function.assignments:
                if len(names) == 1:
                    index.setdefault(names[0], []).append(value)
        return index

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> frozenset:
        found = self.path_of(model, function, node) if isinstance(node, cst.BaseExpression) else None
        if found is not None:
            return frozenset({found})
        return EMPTY if self.loose else frozenset({_CONFLICT})

    def parameter(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        for caller_model, caller, call, bound in self._callers.get(id(function), ()):
            for param, arg in bind_arguments(function, call, bound):
                if param == name:
                    found = self.path_of(caller_model, caller, arg)
                    if found is not None:
                        return frozenset({found})
        return EMPTY

    def held(self, function: FunctionInfo, name: str) -> tuple[str, ...] | None:
        """The key path ``name`` holds as a name of ``function`` (None: none it knows of)."""
        model = self._models.get(id(function))
        if model is None:
            return None
        facts = self.assigned(model, function, name)
        passed = self.param(model, function, name) if name in function.param_names else EMPTY
        if _CONFLICT in facts:
            facts = EMPTY
            if not passed:
                return None
        paths: list[tuple[str, ...]] = sorted(facts)  # type: ignore[arg-type]
        complete = [p for p in paths if ends_with(p, self.path)]
        if complete:
            return complete[0]
        complete = [p for p in passed if ends_with(p, self.path)]
        if complete:
            return complete[0]
        if paths:
            return paths[-1]
        return next(iter(passed), None)


class _PathTable:
    """The names visible in a function and the key paths they hold, looked up through
    the enclosing functions (an inner function's own name first), for `key_path`."""

    __slots__ = ("flow", "function")

    def __init__(self, flow: EventPath, function: FunctionInfo | None) -> None:
        self.flow = flow
        self.function = function

    def get(self, name: str, default: tuple[str, ...] | None = None) -> tuple[str, ...] | None:
        current = self.function
        while current is not None:
            found = self.flow.held(current, name)
            if found is not None:
                return found
            current = current.parent
        return default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __getitem__(self, name: str) -> tuple[str, ...]:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found


def _expressions_in(expr: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Name, cst.Subscript)):
            yield node  # type: ignore[misc]
        if isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        stack.extend(children(node))


def event_path(ctx: FileContext, path: tuple[str, ...], loose: bool = False) -> EventPath | None:
    """The shared (per run) EventPath analysis for ``path``."""
    project = ctx.model.project
    if project is None:
        return None
    return analysis_for(project, EventPath, path, loose)


# -- guards and exits ----------------------------------------------------------------------------


def exits(block: cst.BaseSuite) -> bool:
    """The block ends in `return`, `continue`, `break` or `raise`."""
    body = getattr(block, "body", ())
    if isinstance(body, (list, tuple)) and body:
        last = body[-1]
        if isinstance(last, cst.SimpleStatementLine):
            return any(isinstance(s, (cst.Return, cst.Continue, cst.Break, cst.Raise)) for s in last.body)
        if isinstance(last, cst.SimpleStatementSuite):
            return any(isinstance(s, (cst.Return, cst.Continue, cst.Break, cst.Raise)) for s in last.body)
    if isinstance(block, cst.SimpleStatementSuite):
        return any(isinstance(s, (cst.Return, cst.Continue, cst.Break, cst.Raise)) for s in block.body)
    return False
