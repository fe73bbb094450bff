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
from lambdalint.model import FunctionInfo, ModuleModel, Project, dotted_name
from lambdalint.walk import children

_MAX_HOPS = 4
_MAX_DEPTH = 10
_MAX_ROUNDS = 6


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


class WholeEvent:
    """Which names hold the handler's whole event, per function, across the project.

    Seeds: each handler's first positional parameter (whatever its name). A
    parameter of a function in invocation scope holds the whole event too when
    some call passes it one. A parameter that the function reassigns is dropped
    (the analysis is not flow-sensitive, and `event = event["detail"]` is common).
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.params: dict[int, set[str]] = {}
        self._returning: dict[tuple[int, str], bool] = {}
        self._compute()

    def _compute(self) -> None:
        project = self.project
        for model in project.models:
            for entry in model.handlers():
                positional = entry.function.positional_params()
                if positional:
                    self._add(entry.function, positional[0].name)
        in_scope = [(model, function) for model, function, _ in project.in_scope_functions()]
        for _ in range(_MAX_ROUNDS):
            changed = False
            for model, function in in_scope:
                for call in function.calls:
                    if not any(self._mentions_whole(model, arg.value, function) for arg in call.args):
                        continue
                    for _target_model, target, bound in project.call_targets(model, call, function):
                        for param, arg in _bind(target, call, bound):
                            if param in self.params.get(id(target), ()):
                                continue
                            if self.is_whole(model, arg, function) and self._add(target, param):
                                changed = True
            if not changed:
                break

    def _add(self, function: FunctionInfo, param: str) -> bool:
        if _reassigned(function, param):
            return False
        self.params.setdefault(id(function), set()).add(param)
        return True

    def _mentions_whole(self, model: ModuleModel, expr: cst.BaseExpression, function: FunctionInfo) -> bool:
        return any(self._name_is_whole(model, name, function, 0) for name in _plain_names(expr))

    # -- the question rules ask -------------------------------------------------------

    def is_whole(self, model: ModuleModel, expr: cst.BaseExpression, function: FunctionInfo | None,
                 depth: int = 0) -> bool:
        """True when the expression's value is the whole event, or text or a container
        that includes all of it."""
        if depth > _MAX_DEPTH or function is None:
            return False
        again = depth + 1
        if isinstance(expr, cst.Name):
            return self._name_is_whole(model, expr.value, function, again)
        if isinstance(expr, cst.Attribute):
            if expr.attr.value not in RAW_EVENT_ATTRIBUTES:
                return False
            inner = expr.value
            if isinstance(inner, cst.Attribute) and inner.attr.value == CURRENT_EVENT_ATTRIBUTE:
                return True  # app.current_event.raw_event
            return self.is_whole(model, inner, function, again)
        if isinstance(expr, cst.Call):
            func = expr.func
            positional = [a.value for a in expr.args if a.keyword is None and not a.star]
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method == STR_FORMAT_METHOD:
                    return any(self.is_whole(model, a.value, function, again) for a in expr.args)
                if method in WHOLE_VALUE_METHODS:
                    return self.is_whole(model, func.value, function, again)
            if positional and model.qualify(func, function) in WHOLE_VALUE_SERIALIZERS:
                return self.is_whole(model, positional[0], function, again)
            return self._helper_returns_whole(model, expr, function, again)
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Add):
                return self.is_whole(model, expr.left, function, again) or self.is_whole(
                    model, expr.right, function, again)
            if isinstance(expr.operator, cst.Modulo):
                return self.is_whole(model, expr.right, function, again)
            return False
        if isinstance(expr, cst.FormattedString):
            return any(
                isinstance(part, cst.FormattedStringExpression)
                and self.is_whole(model, part.expression, function, again)
                for part in expr.parts
            )
        if isinstance(expr, cst.BooleanOperation):  # `event or {}`
            return self.is_whole(model, expr.left, function, again) or self.is_whole(
                model, expr.right, function, again)
        if isinstance(expr, cst.IfExp):
            return self.is_whole(model, expr.body, function, again) or self.is_whole(
                model, expr.orelse, function, again)
        if isinstance(expr, cst.ConcatenatedString):
            return self.is_whole(model, expr.left, function, again) or self.is_whole(
                model, expr.right, function, again)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return any(
                isinstance(e, cst.Element) and self.is_whole(model, e.value, function, again)
                for e in expr.elements
            )
        if isinstance(expr, cst.Dict):
            return any(
                isinstance(e, cst.DictElement) and self.is_whole(model, e.value, function, again)
                for e in expr.elements
            )
        return False

    def _helper_returns_whole(self, model: ModuleModel, call: cst.Call, function: FunctionInfo, depth: int) -> bool:
        """`safe_json(event)`, `to_log(event)`: a project function given the whole event
        that returns it, or text or a container that includes all of it."""
        for target_model, target, bound in self.project.call_targets(model, call, function):
            for param, arg in _bind(target, call, bound):
                if self.is_whole(model, arg, function, depth) and self._returns_param(target_model, target, param, depth):
                    return True
        return False

    def _returns_param(self, model: ModuleModel, function: FunctionInfo, param: str, depth: int) -> bool:
        """Whether the function's return value includes all of ``param`` (when ``param``
        alone holds the whole event: another call may pass it something else)."""
        key = (id(function), param)
        if key in self._returning:
            return self._returning[key]
        self._returning[key] = False  # a recursive helper: no
        found = False
        if not _reassigned(function, param) and function.returns:
            saved = self.params.get(id(function))
            self.params[id(function)] = {param}
            try:
                found = any(self.is_whole(model, value, function, depth + 1) for value in function.returns)
            finally:
                if saved is None:
                    del self.params[id(function)]
                else:
                    self.params[id(function)] = saved
        self._returning[key] = found
        return found

    def _name_is_whole(self, model: ModuleModel, name: str, function: FunctionInfo, depth: int) -> bool:
        current: FunctionInfo | None = function
        while current is not None:
            scope = current.scope
            if name in scope.global_names:
                return False
            if name in self.params.get(id(current), ()):
                return True
            if name in scope.bindings:
                value = scope.bindings[name]
                if isinstance(value, cst.BaseExpression) and not _is_param(current, name):
                    return self.is_whole(model, value, current, depth)
                return False
            current = current.parent
        return False


def _is_param(function: FunctionInfo, name: str) -> bool:
    return name in function.param_names


def _reassigned(function: FunctionInfo, name: str) -> bool:
    return any(name in names for names, _value in function.assignments)


def _plain_names(expr: cst.CSTNode) -> set[str]:
    found: set[str] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)  # `x.attr`: the attribute name is not a variable
            continue
        elif isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        stack.extend(children(node))
    return found


def _bind(target: FunctionInfo, call: cst.Call, bound: bool) -> list[tuple[str, cst.BaseExpression]]:
    """(parameter, argument) pairs of a call, for plain positional and keyword arguments."""
    positional = target.positional_params()
    if bound and positional:
        positional = positional[1:]
    names = {p.name for p in target.params if p.kind != "varargs" and p.kind != "varkw"}
    pairs: list[tuple[str, cst.BaseExpression]] = []
    index = 0
    for arg in call.args:
        if arg.star:
            break  # positions after a star are unknown
        if arg.keyword is not None:
            if arg.keyword.value in names:
                pairs.append((arg.keyword.value, arg.value))
        elif index < len(positional):
            pairs.append((positional[index].name, arg.value))
            index += 1
    return pairs


def whole_event(ctx: FileContext) -> WholeEvent | None:
    """The project's WholeEvent analysis, computed once per project."""
    project = ctx.model.project
    if project is None:
        return None
    return project.analysis(WholeEvent, lambda: WholeEvent(project))


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
