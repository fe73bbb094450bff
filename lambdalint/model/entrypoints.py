"""Which functions Lambda calls: the spec's "Handler" definition, in code.

Sources, strongest first: explicit specs (config `handlers`, and deployment
templates through the same `HandlerSpec` hook), then the Powertools
decorators, then names and signatures. Powertools routes and batch record
handlers are entry points of their own kinds.

`Project` is the call graph (`lambdalint.model.project`) with its entry points
found and its invocation scope computed: what the rest of lambdalint builds.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

import libcst as cst

from lambdalint import catalog
from lambdalint.literals import simple_value
from lambdalint.model.imports import HandlerSpec, Resolution
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.summary import FunctionInfo, dotted_name


class Project(CallGraph):
    """All modules of one run, their entry points and the invocation scope across them.

    Handler specs from deployment templates and config come in through
    ``specs`` (templates first: `lambdalint.templates` passes one
    ``TemplateHandlerSpec`` per function it deploys, named after its template).
    The other arguments are the call graph's (`CallGraph`). The analyses built on
    the project (labels, event sources, taint, the dataflow) are computed the first
    time a rule asks (`lambdalint.model.analyses`).
    """

    def __init__(self, models: Iterable[ModuleModel], specs: Iterable[HandlerSpec] = (),
                 loader: Callable[[str], ModuleModel | None] | None = None,
                 lazy: Iterable[tuple[str, str]] = (),
                 peek: Callable[[str], str | None] | None = None,
                 resolution: Resolution | None = None) -> None:
        super().__init__(models, loader=loader, lazy=lazy, peek=peek, resolution=resolution)
        self.specs = list(specs)
        self.unmatched_specs = [
            spec for spec in self.specs
            if not any(spec.matches(m) and spec.function in m.functions for m in self.models)
        ]
        # Modules loaded while discovering (names followed into them) are not searched
        # for entry points, like those loaded later: only the modules given up front.
        for model in list(self.models):
            model.entry_points = discover(model, self.specs)
        self.compute_scope()


_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def discover(model: ModuleModel, specs: Iterable[HandlerSpec]) -> list[EntryPoint]:
    found: dict[int, EntryPoint] = {}

    def add(function: FunctionInfo, kind: str, reason: str, params: tuple[str, ...] = (),
            declared: tuple[Any, ...] = ()) -> None:
        if id(function) not in found:
            found[id(function)] = EntryPoint(function, kind, reason, params, declared)
        elif declared:
            entry = found[id(function)]
            found[id(function)] = EntryPoint(entry.function, entry.kind, entry.reason, entry.event_params,
                                             entry.declared + declared)

    functions = model.functions
    named = False  # by a template that deploys this module's handler
    for spec in specs:
        if spec.matches(model) and spec.function in functions:
            add(functions[spec.function], "handler", spec.source, declared=spec.events)
            named = named or spec.deploys
    for function in functions.values():
        if not function.is_module_level:
            continue
        route = _route(model, function)
        if route is not None:
            add(function, "route", route[0], route[1])
            continue
        decorator = _lambda_decorator(model, function)
        if decorator:
            add(function, "handler", f"decorator @{decorator}")
        elif named:
            continue
        elif _has_event_context_params(function):
            add(function, "handler", "signature (event, context)")
        elif function.name == "lambda_handler" or (
            function.name in catalog.HANDLER_FUNCTION_NAMES and len(function.positional_params()) == 2
        ):
            add(function, "handler", f"name {function.name}")
    for call in _all_calls(model):
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in catalog.RECORD_HANDLER_KEYWORDS:
                target = _local_function(model, arg.value)
                if target is not None:
                    add(target, "record-handler", f"record_handler= of {_call_name(call)}")
    return list(found.values())


def _has_event_context_params(function: FunctionInfo) -> bool:
    positional = function.positional_params()
    if len(positional) < 2:
        return False
    (events, contexts) = catalog.HANDLER_PARAM_NAMES
    return positional[0].name in events and positional[1].name in contexts


def _decorator_name(decorator: cst.Decorator) -> tuple[cst.BaseExpression, str | None]:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr, expr.attr.value
    if isinstance(expr, cst.Name):
        return expr, expr.value
    return expr, None


def lambda_decorator_name(model: ModuleModel, decorator: cst.Decorator) -> str | None:
    """How a known Lambda decorator is written (`logger.inject_lambda_context`), else None.

    Known ones pass `(event, context)` through unchanged: the Powertools handler
    decorators and middlewares made with `lambda_handler_decorator`.
    """
    expr, last = _decorator_name(decorator)
    if last is None:
        return None
    qualified = model.qualify(expr, None) or ""
    label = dotted_name(expr) or last
    if last in catalog.LAMBDA_DECORATORS_ANYWHERE:
        return label
    if last in catalog.LAMBDA_DECORATORS_POWERTOOLS and qualified.startswith(catalog.POWERTOOLS_PACKAGE):
        return label
    if _made_by_handler_decorator(model, qualified):
        return label
    return None


def foreign_decorators(model: ModuleModel, function: FunctionInfo) -> list[cst.BaseExpression]:
    """A function's decorators that are not known Lambda decorators: they may adapt
    its signature or make a coroutine function synchronous."""
    return [
        _decorator_name(d)[0] for d in function.node.decorators if lambda_decorator_name(model, d) is None
    ]


def _lambda_decorator(model: ModuleModel, function: FunctionInfo) -> str | None:
    for decorator in function.node.decorators:
        name = lambda_decorator_name(model, decorator)
        if name is not None:
            return name
    return None


def _made_by_handler_decorator(model: ModuleModel, qualified: str) -> bool:
    """`@my_middleware` where `my_middleware` is wrapped by Powertools' `lambda_handler_decorator`,
    in this module or another module of the checked tree."""
    if not qualified:
        return False
    if isinstance(model.project, CallGraph):
        targets = [target for _, target, _ in model.project.resolve(model, qualified)]
    else:
        prefix = model.module_name + "."
        local = model.functions.get(qualified[len(prefix):]) if qualified.startswith(prefix) else None
        targets = [local] if local is not None else []
    return any(
        _decorator_name(decorator)[1] == "lambda_handler_decorator"
        for target in targets
        for decorator in target.node.decorators
    )


def _route(model: ModuleModel, function: FunctionInfo) -> tuple[str, tuple[str, ...]] | None:
    for decorator in function.node.decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            continue
        if call.func.attr.value not in catalog.ROUTE_METHODS:
            continue
        owner = model.qualify(call.func.value, None) or ""
        owner_type = owner[:-2] if owner.endswith("()") else ""
        if not owner_type.endswith(catalog.ROUTER_TYPE_SUFFIXES):
            continue
        params: tuple[str, ...] = ()
        if call.args and isinstance(call.args[0].value, cst.SimpleString):
            path = simple_value(call.args[0].value)
            if isinstance(path, str):
                params = tuple(_ROUTE_PARAM.findall(path))
        label = dotted_name(call.func) or call.func.attr.value
        return f"route @{label}", params
    return None


def _all_calls(model: ModuleModel) -> Iterable[cst.Call]:
    yield from model.summary.module_calls
    for function in model.functions.values():
        yield from function.calls


def _local_function(model: ModuleModel, expr: cst.BaseExpression) -> FunctionInfo | None:
    qualified = model.qualify(expr, None)
    prefix = model.module_name + "."
    if qualified and qualified.startswith(prefix):
        return model.functions.get(qualified[len(prefix):])
    return None


def _call_name(call: cst.Call) -> str:
    return dotted_name(call.func) or "a call"
