"""Event-derived and STS-derived values, flow-insensitively, across functions.

A label marks where a value comes from: "event" (the handler's first
parameter and everything computed from it) and "sts" (credentials from an
STS response). Rules use them to stay quiet where a per-call object is
correct (LAM101/LAM102) and the event rules extend them. It is an analysis of
the dataflow engine (`lambdalint.model.dataflow`): event labels are seeded on
entry points' event parameters, flow into the parameters of the project
functions that functions in invocation scope call, and back out of their
return values; only functions in invocation scope are looked into, so files
without handlers pay nothing.
"""

from __future__ import annotations

import libcst as cst

from lambdalint import catalog
from lambdalint.model.dataflow import EMPTY, Dataflow, analysis_for, bind_arguments
from lambdalint.model.module import ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.summary import FunctionInfo
from lambdalint.walk import children

__all__ = ["EVENT", "STS", "Labels", "bind_arguments", "expression_labels", "labels_for"]

EVENT = "event"
STS = "sts"


class Labels(Dataflow):
    """The labels of one project's values (see the module docstring)."""

    splits_loops = False  # a loop variable carries what its iterable does

    def __init__(self, project: CallGraph) -> None:
        super().__init__(project)
        # id(FunctionInfo) -> the labels of its parameters on entry (entry points).
        self._seeds: dict[int, dict[str, str]] = {}
        for model in project.models:
            for entry in model.entry_points:
                function = entry.function
                positional = function.positional_params()
                seeds = self._seeds.setdefault(id(function), {})
                if entry.kind in ("handler", "record-handler") and positional:
                    seeds[positional[0].name] = EVENT
                elif entry.kind == "route":
                    for name in entry.event_params:
                        seeds[name] = EVENT
        # id(FunctionInfo) -> {name: values written into it key by key}.
        self._writes: dict[int, dict[str, list[cst.BaseExpression]]] = {}

    def tracks(self, model: ModuleModel, function: FunctionInfo) -> bool:
        return id(function) in self._seeds or model.in_invocation_scope(function)

    def local(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset | None:
        # A name of a function in invocation scope holds what it is assigned and, for
        # a parameter, what it is passed; a local of any other function holds nothing.
        scope = function.scope
        if self.tracks(model, function):
            is_param = name in function.param_names
            if is_param or name in self._assignments(function):
                found = self.assigned(model, function, name)
                written = self._item_writes(function).get(name)
                if written:
                    # `kwargs["aws_session_token"] = credentials["SessionToken"]`: a dict
                    # filled key by key with STS credentials holds them (STS only: what
                    # a dict's items carry beyond that is not followed). A cell, like
                    # what a name is assigned: items written from other such dicts would
                    # otherwise be followed again for every read, exponentially.
                    found = found | self.cell(("items", id(function), name), Labels._items_equation,
                                              (model, function, tuple(written)))
                return found | self.param(model, function, name) if is_param else found
        if name in scope.bindings and name not in scope.global_names:
            return EMPTY
        return None

    def _items_equation(self, model: ModuleModel, function: FunctionInfo,
                        written: tuple[cst.BaseExpression, ...]) -> frozenset:
        return frozenset({STS}) & self.union(model, written, function)

    def _item_writes(self, function: FunctionInfo) -> dict[str, list[cst.BaseExpression]]:
        """The values a function assigns to items of its names (`d["k"] = v`), by name."""
        found = self._writes.get(id(function))
        if found is None:
            found = self._writes[id(function)] = {}
            # Its own nodes (no nested scope; a `lambda` holds no assignment).
            for node in function.own_nodes():
                if type(node) is cst.Assign and isinstance(node, cst.Assign):
                    for target in node.targets:
                        item = target.target
                        if isinstance(item, cst.Subscript) and isinstance(item.value, cst.Name):
                            found.setdefault(item.value.value, []).append(node.value)
        return found

    def module_name(self, model: ModuleModel, name: str) -> frozenset:
        return EMPTY  # module-level values are computed once, not per event

    def parameter(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        seed = self._seeds.get(id(function), {}).get(name)
        found = self.arguments(model, function, name)
        return found | {seed} if seed is not None else found

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> frozenset:
        found: set[str] = set()
        stack: list[cst.CSTNode] = [node]
        while stack:
            node = stack.pop()
            # By exact type, then `isinstance` (fast when the type is exact): a chain of
            # `isinstance` tests through LibCST's abstract bases costs several times
            # more on the nodes that are none of these.
            kind = type(node)
            if kind not in _LABEL_NODES:
                stack.extend(children(node))
            elif kind is cst.Name and isinstance(node, cst.Name):
                found |= self.name(model, node.value, function)
            elif kind is cst.Attribute and isinstance(node, cst.Attribute):
                if node.attr.value == "current_event":
                    found.add(EVENT)
                stack.append(node.value)
            elif kind is cst.Arg and isinstance(node, cst.Arg):
                stack.append(node.value)
            elif kind is cst.Call and isinstance(node, cst.Call):
                func = node.func
                if isinstance(func, cst.Attribute) and func.attr.value in catalog.STS_CREDENTIAL_OPERATIONS:
                    found.add(STS)
                returned = self.called(model, node, function)
                if returned:
                    found |= returned
                stack.append(func)
                if (model.qualify(func, function) or "") in catalog.ENV_READS:
                    # `os.environ.get("SECRET_NAME", event.get("secret_name"))`: the
                    # deployment's setting first; the event only stands in when the
                    # variable is unset, which the deployment decides.
                    stack.extend(node.args[:1])
                    continue
                stack.extend(node.args)
        return frozenset(found)

    def table(self, model: ModuleModel, function: FunctionInfo) -> dict[str, set[str]]:
        """The labels of each name a function in invocation scope assigns or takes as
        a parameter (empty for other functions)."""
        if not self.tracks(model, function):
            return {}
        names = [*self._assignments(function), *function.param_names]
        return {name: set(self.local(model, function, name) or ()) for name in names}


# The nodes `Labels.expr` does more with than walk their children (literals: nothing).
_LABEL_NODES = frozenset({cst.Name, cst.Attribute, cst.Arg, cst.Call, cst.SimpleString, cst.Integer, cst.Float})


def labels_for(project: CallGraph) -> Labels:
    return analysis_for(project, Labels)


def expression_labels(model: ModuleModel, expr: cst.CSTNode, function: FunctionInfo | None) -> set[str]:
    """Labels ("event", "sts") of the values an expression is computed from."""
    project = model.project
    if not isinstance(project, CallGraph):
        return set()
    return set(labels_for(project).facts(model, expr, function))
