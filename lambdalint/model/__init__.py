"""The Lambda execution model: handlers, invocation scope, lazy init, derived values.

Its modules are layered, each importing only those below it: `imports` (which
file an import names) -> `summary`, `resolve`, `reaching` (one module's syntax)
-> `module` (`ModuleModel`) -> `project` (`CallGraph`: modules and calls) ->
`entrypoints` (`Project`: entry points and invocation scope) -> the analyses
(`dataflow`, `labels`, `event_sources`, `taint`) -> `analyses` (the questions
rules ask). `tests/test_layers.py` checks it.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what `__getattr__` gives, as type checkers should see it
    from lambdalint.model import analyses  # noqa: F401
    from lambdalint.model.entrypoints import Project, foreign_decorators, lambda_decorator_name  # noqa: F401
    from lambdalint.model.event_sources import EventProfile, RecordLoop  # noqa: F401
    from lambdalint.model.imports import HandlerSpec  # noqa: F401
    from lambdalint.model.labels import EVENT, STS  # noqa: F401
    from lambdalint.model.module import EntryPoint, ModuleModel  # noqa: F401
    from lambdalint.model.project import CallGraph, display_name  # noqa: F401
    from lambdalint.model.summary import ClassInfo, FunctionInfo, Param, dotted_name, names_in  # noqa: F401
    from lambdalint.model.taint import TaintFinding  # noqa: F401

# Each name and the module that defines it. They are imported when first asked
# for: the planner and a run answered from the cache use the lowest layer
# (`imports`: module names, handler specs) without loading the rest, which
# imports LibCST.
_HOMES = {
    "analyses": "lambdalint.model.analyses",
    "HandlerSpec": "lambdalint.model.imports",
    "Project": "lambdalint.model.entrypoints",
    "foreign_decorators": "lambdalint.model.entrypoints",
    "lambda_decorator_name": "lambdalint.model.entrypoints",
    "EventProfile": "lambdalint.model.event_sources",
    "RecordLoop": "lambdalint.model.event_sources",
    "EVENT": "lambdalint.model.labels",
    "STS": "lambdalint.model.labels",
    "EntryPoint": "lambdalint.model.module",
    "ModuleModel": "lambdalint.model.module",
    "CallGraph": "lambdalint.model.project",
    "display_name": "lambdalint.model.project",
    "ClassInfo": "lambdalint.model.summary",
    "FunctionInfo": "lambdalint.model.summary",
    "Param": "lambdalint.model.summary",
    "dotted_name": "lambdalint.model.summary",
    "names_in": "lambdalint.model.summary",
    "TaintFinding": "lambdalint.model.taint",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(home)
    value = module if name == "analyses" else getattr(module, name)
    globals()[name] = value
    return value


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
