"""The Lambda execution model: handlers, invocation scope, lazy init, derived values.

Its modules are layered, each importing only those below it: `imports` (which
file an import names) -> `summary`, `resolve`, `reaching` (one module's syntax)
-> `module` (`ModuleModel`) -> `project` (`CallGraph`: modules and calls) ->
`entrypoints` (`Project`: entry points and invocation scope) -> the analyses
(`dataflow`, `labels`, `event_sources`, `taint`) -> `analyses` (the questions
rules ask). `tests/test_layers.py` checks it.
"""

from lambdalint.model import analyses
from lambdalint.model.entrypoints import HandlerSpec, Project, foreign_decorators, lambda_decorator_name
from lambdalint.model.event_sources import EventProfile, RecordLoop
from lambdalint.model.labels import EVENT, STS
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import CallGraph, display_name
from lambdalint.model.summary import ClassInfo, FunctionInfo, Param, dotted_name, names_in
from lambdalint.model.taint import TaintFinding

__all__ = [
    "CallGraph",
    "EVENT",
    "STS",
    "ClassInfo",
    "EntryPoint",
    "EventProfile",
    "FunctionInfo",
    "HandlerSpec",
    "ModuleModel",
    "Param",
    "Project",
    "RecordLoop",
    "TaintFinding",
    "analyses",
    "display_name",
    "foreign_decorators",
    "lambda_decorator_name",
    "dotted_name",
    "names_in",
]
