"""The questions rules ask of the project-wide analyses, in one place.

The top of `lambdalint.model`: it imports the analyses (labels, event sources,
taint, the dataflow engine) and nothing imports it but the rules' side
(`lambdalint.context.FileContext`, rule helpers). Each analysis runs once per
project, the first time it is asked, and keeps its result in the project
(`CallGraph.analysis`), so the project owns them without knowing them: the
model's layers depend one way (imports -> summary and resolver -> module ->
call graph -> entry points and invocation scope -> analyses -> this facade;
`tests/test_layers.py` holds them to it).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from lambdalint.model.event_sources import EventProfile, profile_for
from lambdalint.model.labels import expression_labels, labels_for
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.summary import FunctionInfo
from lambdalint.model.taint import TaintReport, report_for


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
