"""Event-derived and STS-derived values, flow-insensitively, across functions.

A label marks where a value comes from: "event" (the handler's first
parameter and everything computed from it) and "sts" (credentials from an
STS response). Rules use them to stay quiet where a per-call object is
correct (LAM101/LAM102) and the taint rules extend them. The analysis is a
small fixpoint over the assignments, calls and returns of the functions in
invocation scope only, so files without handlers pay nothing.
"""

from __future__ import annotations

from collections import defaultdict

import libcst as cst

from lambdalint import catalog
from lambdalint.model.module import ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.summary import FunctionInfo
from lambdalint.walk import children

EVENT = "event"
STS = "sts"
_MAX_ROUNDS = 8


class Labels:
    """The labels of one project: per function in invocation scope, the labels of its
    local names and of its return value. Kept in the project (`CallGraph.analysis`),
    built the first time a rule asks."""

    def __init__(self, project: CallGraph) -> None:
        self.project = project
        # id(FunctionInfo) -> {local name: labels such as "event", "sts"}.
        self.tables: dict[int, dict[str, set[str]]] = {}
        # id(FunctionInfo) -> labels its return value carries.
        self.returns: dict[int, set[str]] = {}
        seed_labels(self)
        propagate_labels(self)


def labels_for(project: CallGraph) -> Labels:
    return project.analysis(Labels, lambda: Labels(project))


def _name_labels(labels: Labels, name: str, function: FunctionInfo | None) -> set[str]:
    current = function
    while current is not None:
        table = labels.tables.get(id(current))
        if table is not None and name in table:
            return table[name]
        if name in current.scope.bindings and name not in current.scope.global_names:
            return set()
        current = current.parent
    return set()


def expression_labels(model: ModuleModel, expr: cst.CSTNode, function: FunctionInfo | None) -> set[str]:
    """Labels ("event", "sts") of the values an expression is computed from."""
    project = model.project
    if not isinstance(project, CallGraph):
        return set()
    return _expression_labels(labels_for(project), model, expr, function)


def _expression_labels(labels: Labels, model: ModuleModel, expr: cst.CSTNode,
                       function: FunctionInfo | None) -> set[str]:
    found: set[str] = set()
    stack: list[cst.CSTNode] = [expr]
    project = labels.project
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found |= _name_labels(labels, node.value, function)
        elif isinstance(node, cst.Attribute):
            if node.attr.value == "current_event":
                found.add(EVENT)
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        elif isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in catalog.STS_CREDENTIAL_OPERATIONS:
                found.add(STS)
            for _target_model, target, _bound in project.call_targets(model, node, function):
                found |= labels.returns.get(id(target), set())
            stack.append(func)
            stack.extend(node.args)
        elif isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)):
            continue
        else:
            stack.extend(children(node))
    return found


def seed_labels(labels: Labels) -> None:
    """Event labels on entry points' parameters."""
    for model in labels.project.models:
        for entry in model.entry_points:
            function = entry.function
            table = labels.tables.setdefault(id(function), defaultdict(set))
            positional = function.positional_params()
            if entry.kind in ("handler", "record-handler") and positional:
                table[positional[0].name].add(EVENT)
            elif entry.kind == "route":
                for name in entry.event_params:
                    table[name].add(EVENT)


def propagate_labels(labels: Labels) -> None:
    """Run the fixpoint over every function in invocation scope."""
    project = labels.project
    in_scope = [
        (model, function)
        for model in project.models
        for function in model.functions.values()
        if model.in_invocation_scope(function)
    ]
    for model, function in in_scope:
        labels.tables.setdefault(id(function), defaultdict(set))
    for _ in range(_MAX_ROUNDS):
        changed = False
        for model, function in in_scope:
            table = labels.tables[id(function)]
            for names, value in function.assignments:
                found = _expression_labels(labels, model, value, function)
                for name in names:
                    if not found <= table[name]:
                        table[name] |= found
                        changed = True
            for call in function.calls:
                for _target_model, target, bound in project.call_targets(model, call, function):
                    target_table = labels.tables.get(id(target))
                    if target_table is None:
                        continue
                    for param, arg in bind_arguments(target, call, bound):
                        found = _expression_labels(labels, model, arg, function)
                        if not found <= target_table[param]:
                            target_table[param] |= found
                            changed = True
            returned: set[str] = set()
            for value in function.returns:
                returned |= _expression_labels(labels, model, value, function)
            old = labels.returns.get(id(function), set())
            if not returned <= old:
                labels.returns[id(function)] = old | returned
                changed = True
        if not changed:
            break


def bind_arguments(target: FunctionInfo, call: cst.Call, bound: bool) -> list[tuple[str, cst.BaseExpression]]:
    """Which parameter of ``target`` each argument of ``call`` lands in, the way Python
    binds them (``bound``: the call goes through an instance, so `self` is taken)."""
    positional = target.positional_params()
    if bound and positional:
        positional = positional[1:]
    names = {p.name for p in target.params if p.kind in ("positional", "keyword-only")}
    varargs = next((p.name for p in target.params if p.kind == "varargs"), None)
    varkw = next((p.name for p in target.params if p.kind == "varkw"), None)
    pairs: list[tuple[str, cst.BaseExpression]] = []
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            keyword = arg.keyword.value
            if keyword in names:
                pairs.append((keyword, arg.value))
            elif varkw:
                pairs.append((varkw, arg.value))
        elif arg.star == "*":
            pairs.extend((p.name, arg.value) for p in positional[index:])
            if varargs:
                pairs.append((varargs, arg.value))
        elif arg.star == "**":
            pairs.extend((p.name, arg.value) for p in target.params if p.kind != "varargs")
        elif index < len(positional):
            pairs.append((positional[index].name, arg.value))
            index += 1
        elif varargs:
            pairs.append((varargs, arg.value))
    return pairs
