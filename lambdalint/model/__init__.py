"""The Lambda execution model: handlers, invocation scope, lazy init, derived values."""

from lambdalint.model.entrypoints import HandlerSpec, foreign_decorators, lambda_decorator_name
from lambdalint.model.event_sources import EventProfile, RecordLoop
from lambdalint.model.labels import EVENT, STS
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import Project, display_name
from lambdalint.model.summary import ClassInfo, FunctionInfo, Param, dotted_name, names_in
from lambdalint.model.taint import TaintFinding

__all__ = [
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
    "display_name",
    "foreign_decorators",
    "lambda_decorator_name",
    "dotted_name",
    "names_in",
]
