"""The questions rules ask of the project-wide analyses, in one place.

The top of `lambdalint.model`: it imports the analyses (labels, event sources,
taint, the dataflow engine) and nothing imports it but the rules' side
(`lambdalint.context.FileContext`, rule helpers). Each analysis runs once per
project, the first time it is asked, and keeps its result in the project
(`CallGraph.analysis`), so the project owns them without knowing them: the
model's layers depend one way (imports -> summary and resolver -> module ->
call graph -> entry points and invocation scope -> analyses -> this facade;
`tests/test_layers.py` holds them to it).

Rules keep no caches of their own: what a rule works out about a function, a loop
or a module once (does this function read the object's size, does it remove its
temporary files, which names does that module adapt) it asks through `kept`, which
keeps the answer in the project beside the analyses, for every file of the project
that asks again, and lets go of it with the project.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, TypeVar

import libcst as cst

from lambdalint.model.event_sources import EventProfile, profile_for
from lambdalint.model.labels import expression_labels, labels_for
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.summary import FunctionInfo
from lambdalint.model.taint import TaintReport, report_for

T = TypeVar("T")


def labels_of(model: ModuleModel, expr: cst.CSTNode, function: FunctionInfo | None) -> set[str]:
    """Labels ("event", "sts") of the values an expression of ``model`` is computed from."""
    return expression_labels(model, expr, function)


def labels_table(model: ModuleModel, function: FunctionInfo) -> dict[str, set[str]]:
    """The labels of the local names of a function in invocation scope (empty otherwise)."""
    project = model.project
    if not isinstance(project, CallGraph):
        return {}
    return labels_for(project).table(model, function)


def taint(model: ModuleModel) -> TaintReport:
    """Where event data reaches a sink in ``model`` (LAM7xx): findings by sink node, with
    the line the data was read on. Computed once per project, on first use."""
    return report_for(model)


def event_sources(model: ModuleModel, target: FunctionInfo | EntryPoint | None) -> EventProfile | None:
    """How the entry point that runs ``target`` reads its event: which services (SQS,
    Kinesis, DynamoDB Streams, S3, SNS, API Gateway) invoke it, its record loops,
    whether it reports partial batch failures. None outside invocation scope."""
    return profile_for(model, target)


def declared_sources(model: ModuleModel, function: FunctionInfo | None) -> list[tuple[Any, ...]]:
    """For each entry point whose invocation runs ``function``, the event sources
    deployment templates declare for it (`EntryPoint.declared`: empty for an entry
    point no template deploys); empty outside invocation scope."""
    if function is None:
        return []
    project = model.project
    if isinstance(project, CallGraph):
        reaching = project.entries_reaching(model, function)
        if reaching:
            return [entry.declared for _, entry in reaching]
    for current in function.enclosing():
        entry = model.entry_point_for(current)
        if entry is not None:
            return [entry.declared]
    return []


def kept(model: ModuleModel, question: Hashable, subject: object, answer: Callable[[], T]) -> T:
    """The answer to ``question`` about ``subject`` (a function, a node or a module model
    of ``model``'s project: something that lives as long as the project), worked out by
    ``answer`` the first time any file of the project asks and kept in the project. A
    model on its own keeps none: it is worked out each time."""
    table = kept_table(model, question)
    key = id(subject)
    if key in table:
        return table[key]
    found = table[key] = answer()
    return found


def kept_table(model: ModuleModel, question: Hashable) -> dict:
    """The project's table of answers to ``question`` (see `kept`), for a helper that
    fills it itself; an empty table for a model on its own."""
    project = model.project
    if not isinstance(project, CallGraph):
        return {}
    return project.analysis(("kept", question), dict)
