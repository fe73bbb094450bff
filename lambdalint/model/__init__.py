"""The Lambda execution model: handlers, invocation scope, lazy init, derived values."""

from lambdalint.model.entrypoints import HandlerSpec, foreign_decorators, lambda_decorator_name
from lambdalint.model.labels import EVENT, STS
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import Project, display_name
from lambdalint.model.summary import ClassInfo, FunctionInfo, Param, dotted_name, names_in

__all__ = [
    "EVENT",
    "STS",
    "ClassInfo",
    "EntryPoint",
    "FunctionInfo",
    "HandlerSpec",
    "ModuleModel",
    "Param",
    "Project",
    "display_name",
    "foreign_decorators",
    "lambda_decorator_name",
    "dotted_name",
    "names_in",
]
