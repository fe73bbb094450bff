"""What the observability rules (LAM801-LAM804) share.

- `log_call`: whether a call prints or logs, and which of its arguments are
  logged values.
- `WholeEvent`: which expressions carry the handler's whole event (its first
  parameter, directly, serialised, formatted into a string or through a
  variable), including in helpers the handler passes the event to.
- `owning_handlers` and the decorator helpers: the handler(s) a piece of
  invocation-scope code runs for, and how they are decorated.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from lambdalint.catalog.observability import (
    CURRENT_EVENT_ATTRIBUTE,
    LOG_CONTROL_KEYWORDS,
    LOG_METHODS,
    LOGGER_NAMES,
    LOGGER_OBJECTS,
    LOGGING_MODULES,
    PRINT_CALLS,
    RAW_EVENT_ATTRIBUTES,
    STR_FORMAT_METHOD,
    WHOLE_VALUE_METHODS,
    WHOLE_VALUE_SERIALIZERS,
)
from lambdalint import literals
from lambdalint.context import FileContext
from lambdalint.model import CallGraph, FunctionInfo, ModuleModel, Project, dotted_name
from lambdalint.model.dataflow import EMPTY, Dataflow, analysis_for, bind_arguments

_MAX_HOPS = 4
_MAX_DEPTH = 10


def written(node: cst.CSTNode) -> str:
    """The source text of a node, on one line, for messages."""
    return " ".join(cst.Module([]).code_for_node(node).split())


# -- print and logging calls ---------------------------------------------------------


def log_call(ctx: FileContext, call: cst.Call) -> bool:
    """True for print/pprint/stdout writes and logging calls of any level."""
    func = call.func
    qualified = ctx.qualify(func)
    if qualified in PRINT_CALLS:
        return True
    if qualified is not None:
        module, _, function = qualified.rpartition(".")
        if module in LOGGING_MODULES and function in LOG_METHODS:
            return True  # logging.info(...), `from logging import info`
    if not isinstance(func, cst.Attribute) or func.attr.value not in LOG_METHODS:
        return False
    if ctx.qualify(func.value) in LOGGER_OBJECTS:
        return True
    # A logger the analysis cannot follow (a parameter, `self.logger`, one from a
    # package outside the tree): trust its name.
    return looks_like_logger(func.value)


def looks_like_logger(expr: cst.BaseExpression) -> bool:
    """`logger`, `log`, `LOGGER`, `_log`, `audit_logger`, `request_log`, `self.logger`."""
    name = dotted_name(expr)
    if not name:
        return False
    last = name.rsplit(".", 1)[-1].lower().strip("_").rsplit("_", 1)[-1]
    return last in LOGGER_NAMES or last.endswith(LOGGER_NAMES[0])


def logged_values(call: cst.Call) -> Iterator[cst.BaseExpression]:
    """The arguments whose values end up in the output."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in LOG_CONTROL_KEYWORDS:
            continue
        yield arg.value


# -- the whole event -------------------------------------------------------------------


WHOLE = "whole"


class WholeEvent(Dataflow):
    """Which expressions hold the handler's whole event, across the project: an
    analysis of the model's dataflow engine (`lambdalint.model.dataflow`).

    Seeds: each handler's first positional parameter (whatever its name). A
    parameter of a function in invocation scope holds the whole event too when
    some call passes it one. A parameter that the function reassigns is dropped,
    and a name holds the whole event only when its one binding does (the analysis
    is not flow-sensitive, and `event = event["detail"]` is common). A project
    function's return value is followed back into its caller (`safe_json(event)`):
    it holds what the caller passes to the parameters the function returns all of.
    """

    def __init__(self, project: CallGraph) -> None:
        super().__init__(project)
        self._seeds: set[tuple[int, str]] = set()
        for model in project.models:
            for entry in model.handlers():
                positional = entry.function.positional_params()
                if positional:
                    self._seeds.add((id(entry.function), positional[0].name))

    # -- the question rules ask -------------------------------------------------------

    def is_whole(self, model: ModuleModel, expr: cst.BaseExpression, function: FunctionInfo | None) -> bool:
        """True when the expression's value is the whole event, or text or a container
        that includes all of it."""
        if function is None:
            return False
        return WHOLE in self.facts(model, expr, function)

    # -- the analysis ---------------------------------------------------------------------

    def tracks(self, model: ModuleModel, function: FunctionInfo) -> bool:
        return True

    def module_name(self, model: ModuleModel, name: str) -> frozenset:
        return EMPTY

    def local(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset | None:
        scope = function.scope
        if name in scope.global_names:
            return EMPTY
        if name in function.param_names and not _reassigned(function, name):
            return self.param(model, function, name)
        if name in scope.bindings:
            value = scope.bindings[name]
            if isinstance(value, cst.BaseExpression) and name not in function.param_names:
                return self._bound(model, value, function)
            return EMPTY
        return None

    def _bound(self, model: ModuleModel, value: cst.BaseExpression, function: FunctionInfo) -> frozenset:
        """What a name's one binding holds (followed at most ``_MAX_DEPTH`` bindings deep)."""
        if self._depth >= _MAX_DEPTH:
            return EMPTY
        self._depth += 1
        try:
            return self.expr(model, value, function)
        finally:
            self._depth -= 1

    def parameter(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        # The whole event when a handler receives it there or a call in invocation scope
        # passes it; and, for return values, the parameter itself (see `_returned`).
        own = frozenset({(PARAM, id(function), name)})
        if (id(function), name) in self._seeds:
            return own | {WHOLE}
        for caller_model, caller, call, bound in self._calls_of(function):
            for param, arg in bind_arguments(function, call, bound, exact=True):
                if param == name and WHOLE in self.expr(caller_model, arg, caller):
                    return own | {WHOLE}
        return own

    def expr(self, model: ModuleModel, expr: cst.CSTNode, function: FunctionInfo | None) -> frozenset:
        if function is None:
            return EMPTY
        if isinstance(expr, cst.Name):
            return self.name(model, expr.value, function)
        if isinstance(expr, cst.Attribute):
            if expr.attr.value not in RAW_EVENT_ATTRIBUTES:
                return EMPTY
            inner = expr.value
            if isinstance(inner, cst.Attribute) and inner.attr.value == CURRENT_EVENT_ATTRIBUTE:
                return _WHOLE  # app.current_event.raw_event
            return self.expr(model, inner, function)
        if isinstance(expr, cst.Call):
            func = expr.func
            positional = [a.value for a in expr.args if a.keyword is None and not a.star]
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method == STR_FORMAT_METHOD:
                    return self.union(model, (a.value for a in expr.args), function)
                if method in WHOLE_VALUE_METHODS:
                    return self.expr(model, func.value, function)
            if positional and model.qualify(func, function) in WHOLE_VALUE_SERIALIZERS:
                return self.expr(model, positional[0], function)
            return self._returned(model, expr, function)
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):
                return self.union(model, (expr.left, expr.right), function)
            if isinstance(expr.operator, cst.Modulo):
                return self.expr(model, expr.right, function)
            return EMPTY
        if isinstance(expr, cst.FormattedString):
            return self.union(model, (part.expression for part in expr.parts
                                      if isinstance(part, cst.FormattedStringExpression)), function)
        if isinstance(expr, (cst.BooleanOperation, cst.ConcatenatedString)):  # `event or {}`
            return self.union(model, (expr.left, expr.right), function)
        if isinstance(expr, cst.IfExp):
            return self.union(model, (expr.body, expr.orelse), function)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return self.union(model, (e.value for e in expr.elements if isinstance(e, cst.Element)), function)
        if isinstance(expr, cst.Dict):
            return self.union(model, (e.value for e in expr.elements if isinstance(e, cst.DictElement)), function)
        return EMPTY

    def _returned(self, model: ModuleModel, call: cst.Call, function: FunctionInfo) -> frozenset:
        """`safe_json(event)`, `to_log(event)`: a project function given the whole event
        that returns it, or text or a container that includes all of it. What a function
        returns is kept with its parameters as placeholders; the caller's arguments take
        their place (what other calls pass it does not count here)."""
        found: set = set()
        for target_model, target, bound in self.project.call_targets(model, call, function):
            returned = self.returns(target_model, target)
            if not returned:
                continue
            for param, arg in bind_arguments(target, call, bound, exact=True):
                if (PARAM, id(target), param) in returned:
                    found |= self.expr(model, arg, function) & _WHOLE
        return frozenset(found)


PARAM = "param"
_WHOLE = frozenset({WHOLE})


def _reassigned(function: FunctionInfo, name: str) -> bool:
    return any(name in names for names, _value in function.assignments)


def whole_event(ctx: FileContext) -> WholeEvent | None:
    """The project's WholeEvent analysis, computed once per project."""
    project = ctx.model.project
    if not isinstance(project, CallGraph):
        return None
    return analysis_for(project, WholeEvent)


# -- handlers and their decorators ---------------------------------------------------------


def owning_handlers(ctx: FileContext) -> list[tuple[ModuleModel, FunctionInfo]]:
    """The handlers the current invocation-scope code runs for.

    Every entry point that reaches this code counts: a handler as is; for a
    Powertools route or record handler, the handlers of its module (the ones
    that call `app.resolve(...)` or `process_partial_response(...)`), or, for a
    `Router` in a module without a handler, the handlers of the modules importing it.
    """
    project = ctx.model.project
    function = ctx.function
    if project is None or function is None:
        return []
    found: list[tuple[ModuleModel, FunctionInfo]] = []
    for model, entry in project.entries_reaching(ctx.model, function):
        if entry.kind == "handler":
            owners = [(model, entry.function)]
        else:
            owners = [(model, handler.function) for handler in model.handlers()]
            owners = owners or _importing_handlers(project, model)
        found += [owner for owner in owners if all(owner[1] is not f for _, f in found)]
    return found


def _importing_handlers(project: Project, routes: ModuleModel) -> list[tuple[ModuleModel, FunctionInfo]]:
    """Handlers of the modules that import a routes module (a Powertools `Router` in
    its own file, included by the module with the handler)."""
    found: list[tuple[ModuleModel, FunctionInfo]] = []
    for model in project.models:
        if model is routes or not model.handlers():
            continue
        for value in model.summary.module_scope.bindings.values():
            if isinstance(value, str) and _names_module(project, model, value, routes):
                found.extend((model, handler.function) for handler in model.handlers())
                break
    return found


def _names_module(project: Project, importer: ModuleModel, qualified: str, target: ModuleModel) -> bool:
    parts = qualified.split(".")
    return any(project.find_module(".".join(parts[:i]), importer) is target for i in range(len(parts), 0, -1))


def decorator_named(function: FunctionInfo, last_name: str) -> cst.Decorator | None:
    """The function's decorator whose callee ends in `last_name` (`@logger.inject_lambda_context`,
    `@metrics.log_metrics(...)`)."""
    for decorator in function.node.decorators:
        if callee_last_name(decorator.decorator) == last_name:
            return decorator
    return None


def callee_last_name(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Name):
        return expr.value
    return None


def keyword_arg(call: cst.Call, keyword: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


def is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def is_literal(expr: cst.BaseExpression) -> bool:
    """A constant that cannot differ between invocations."""
    if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None")
    if isinstance(expr, cst.UnaryOperation):
        return is_literal(expr.expression)
    return False


def string_value(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> str | None:
    """The text of a string literal, or of a name bound to one (`NAMESPACE = "AWS/X"`);
    the literal prefix of an f-string."""
    if depth > _MAX_HOPS:
        return None
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        return literals.string_value(expr)
    if isinstance(expr, cst.FormattedString):
        prefix = ""
        for part in expr.parts:
            if not isinstance(part, cst.FormattedStringText):
                break
            prefix += part.value
        return prefix or None
    if isinstance(expr, cst.Name):
        binding = ctx.binding_of(expr.value)
        if isinstance(binding, cst.BaseExpression):
            return string_value(ctx, binding, depth + 1)
    return None
