"""The per-file execution model: one module's summary, resolver and scope facts.

This layer knows one module; what it needs of the project around it (where an
imported name is bound) comes in through the `ProjectLinks` protocol. The
project-wide analyses (labels, event sources, taint, dataflow) sit above it and
are asked through `lambdalint.model.analyses` or the rules' `FileContext`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Protocol

import libcst as cst
from libcst.metadata import CodeRange

from lambdalint.model.imports import is_test_path, module_name_for
from lambdalint.model.resolve import Resolver
from lambdalint.model.summary import FunctionInfo, ModuleSummary, dotted_name, summarize
from lambdalint.positions import spans_of
from lambdalint.walk import Step, steps_of



class ProjectLinks(Protocol):
    """What a module asks of the project it belongs to: where the names it imports
    from other modules of the project are bound. The project (`lambdalint.model.
    project.CallGraph`) sits above this layer and sets ``ModuleModel.project``; this
    protocol names the little a module needs of it, so that the module layer
    imports nothing above it (`tests/test_layers.py`)."""

    module_heads: set[str]

    def follow(self, importer: ModuleModel, qualified: str) -> str: ...

    def binding_site(self, importer: ModuleModel, qualified: str) -> tuple[ModuleModel, str, str] | None: ...


@dataclass(frozen=True)
class EntryPoint:
    """A function Lambda (or Powertools, on Lambda's behalf) calls per invocation.

    ``kind`` is "handler" for functions Lambda calls directly, "route" and
    "record-handler" for Powertools callbacks; ``reason`` says how we know.
    """

    function: FunctionInfo
    kind: str
    reason: str
    # Parameters that receive event data besides the first (route path parameters).
    event_params: tuple[str, ...] = ()
    # Event sources deployment templates declare for this function, from every
    # template that deploys it (`lambdalint.templates.EventSource`).
    declared: tuple[Any, ...] = ()

    def describe(self) -> str:
        """Why the model calls this function a handler, for messages."""
        reason = self.reason
        if reason == "config":
            return "named in config `handlers`"
        if reason.startswith("name "):
            return "found by its name"
        if reason.startswith("decorator "):
            return f"decorated with `{reason.split(' ', 1)[1]}`"
        if reason.startswith("signature "):
            return "found by its `(event, context)` parameters"
        return f"named in {reason}"


@dataclass(eq=False)
class ModuleModel:
    rel_path: str  # POSIX path relative to the project root, for display and matching
    module_name: str
    module: cst.Module
    summary: ModuleSummary
    resolver: Resolver
    entry_points: list[EntryPoint] = field(default_factory=list)
    # id(FunctionInfo) -> the call chain that puts it in invocation scope.
    scope_chains: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # The project this module belongs to (a `lambdalint.model.project.CallGraph`; the
    # analyses built on it live in the project, see `lambdalint.model.analyses`).
    project: ProjectLinks | None = None
    # Whether Lambda runs this module, as the engine knows it from the unit's scope
    # (`lambdalint.engine.Scope`); None when nothing says (see `deployed`).
    runs_on_lambda: bool | None = None
    # What `line_of` has worked out: lines by node id, the names of the `def`s.
    _lines: dict[int, int] = field(default_factory=dict, repr=False)
    _names_of_defs: dict[int, cst.Name] | None = field(default=None, repr=False)
    _asked_a_line: bool = field(default=False, repr=False)
    _lines_of_all: bool = field(default=False, repr=False)

    @classmethod
    def build(cls, module: cst.Module, rel_path: str, record: list[Step] | None = None,
              name: tuple[str, bool] | None = None) -> ModuleModel:
        """``record`` receives the steps of the summary's walk (see `walk_visitor`);
        ``name`` is the module's dotted name and whether it is a package, as its import
        environment names it (`lambdalint.model.imports`); by default, its path from
        the working directory."""
        module_name, is_package = name if name is not None else module_name_for(rel_path)
        summary = summarize(module, module_name, rel_path, is_package, record)
        return cls(rel_path, module_name, module, summary, Resolver(summary))

    # -- questions rules ask -------------------------------------------------

    @property
    def functions(self) -> dict[str, FunctionInfo]:
        return self.summary.functions

    def function_for(self, node: cst.FunctionDef) -> FunctionInfo | None:
        return self.summary.by_node.get(id(node))

    def handlers(self) -> list[EntryPoint]:
        return [e for e in self.entry_points if e.kind == "handler"]

    def entry_point_for(self, function: FunctionInfo) -> EntryPoint | None:
        for entry in self.entry_points:
            if entry.function is function:
                return entry
        return None

    def spans(self, nodes: Iterable[cst.CSTNode],
              statements: dict[int, str] | None = None) -> Mapping[cst.CSTNode, CodeRange]:
        """Source positions of a few nodes (those of them in this module): a run needs
        only its findings', and working them out stops where the last one ends (all
        of a module's positions cost about as much as its parse). ``statements``:
        filled with the code of the top-level statements generated on the way
        (`positions.spans_of`)."""
        return spans_of(self.module, nodes, statements)

    def line_of(self, node: cst.CSTNode) -> int:
        """The line a node starts on (0 for a node of another module), kept with the
        model. Lines are asked one node at a time (a taint's source, the links of a
        finding's call chain), and each answer costs generating the module's code up
        to its node, so each question answers more than itself: a `def`'s name (a
        call chain's link; the same functions are asked for again and again, in
        every module of a unit, 113 times in one unit of bedrock-chat) gives the
        lines of all of the module's `def`s at once, as cheaply as the code up to the
        last one; the second question about any other node gives the lines of every
        node (2,500 lines of aws-security-reference-architecture-examples were
        generated 25 times, 60 % of its unit's time)."""
        lines = self._lines
        line = lines.get(id(node))
        if line is not None:
            return line
        names = self._def_names()
        if id(node) in names:
            wanted: list[cst.CSTNode] = list(names.values())
        elif self._lines_of_all:
            return self._line_alone(node)  # whitespace or punctuation, or another module's node
        elif self._asked_a_line:
            self._lines_of_all = True
            wanted = [step[0] for step in steps_of(self.module) if not step[1]]
        else:
            self._asked_a_line = True
            wanted = [node]
        lines.update((id(each), span.start.line) for each, span in self.spans(wanted).items())
        return lines.get(id(node), 0)

    def _def_names(self) -> dict[int, cst.Name]:
        names = self._names_of_defs
        if names is None:
            names = self._names_of_defs = {id(info.node.name): info.node.name
                                           for info in self.summary.by_node.values()}
        return names

    def _line_alone(self, node: cst.CSTNode) -> int:
        span = self.spans([node]).get(node)
        return span.start.line if span is not None else 0

    def in_invocation_scope(self, function: FunctionInfo | None) -> bool:
        """True when the function (or one it is nested in) runs per invocation."""
        while function is not None:
            if id(function) in self.scope_chains:
                return True
            function = function.parent
        return False

    def scope_chain(self, function: FunctionInfo | None) -> tuple[str, ...]:
        while function is not None:
            chain = self.scope_chains.get(id(function))
            if chain is not None:
                return chain
            function = function.parent
        return ()

    def is_lazy_init(self, call: cst.Call) -> bool:
        return id(call) in self.summary.lazy_calls

    def qualify(self, expr: cst.BaseExpression, function: FunctionInfo | None) -> str | None:
        """The dotted name of what ``expr`` refers to (see `model.resolve`); a name that
        starts with another module of the project is followed into that module's
        module-level bindings (`CallGraph.follow`): `session.get` after `from shared.http
        import session` is `requests.Session().get` when `shared/http.py` binds
        `session = requests.Session()`."""
        qualified = self.resolver.qualify(expr, function)
        project = self.project
        if qualified is None or project is None or qualified.partition(".")[0] not in project.module_heads:
            return qualified
        return project.follow(self, qualified)

    def origin(self, expr: cst.BaseExpression, function: FunctionInfo | None) -> tuple[ModuleModel, str, str] | None:
        """The module-level variable a dotted expression (`x`, `x.y`, `mod.x.y`) reads,
        as (module, name, the rest): `SEEN` is (this module, "SEEN", "") when this module
        binds it; after `from shared.state import SEEN` it is (the model of
        `shared/state.py`, "SEEN", ""), re-exports followed (`CallGraph.binding_site`);
        `shared.http.session.get` is (that module, "session", ".get"). None for locals,
        parameters, attributes of other objects and names outside the tree. Unlike
        `qualify`, this says where a value is kept, not what it is."""
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        head, dot, tail = dotted.partition(".")
        scope = function.scope if function is not None else self.summary.module_scope
        module_scope = self.summary.module_scope
        while scope is not None and scope is not module_scope:
            if head in scope.global_names:
                break
            if head in scope.bindings:
                return None  # a local or parameter of an enclosing function
            scope = scope.parent
        binding = module_scope.bindings.get(head)
        if isinstance(binding, cst.BaseExpression):
            return self, head, dot + tail
        if not isinstance(binding, str) or self.project is None:
            return None
        return self.project.binding_site(self, binding + dot + tail)

    @functools.cached_property
    def is_test_file(self) -> bool:
        """Asked by many rules for every node they look at: worked out once."""
        return is_test_path(self.rel_path)

    @property
    def deployed(self) -> bool:
        """Whether this is code Lambda runs ("deployed code"): a module with an entry point
        (or that a template or config names as a handler's), or one such a module imports,
        directly or not, so that its module-level code runs at init. Never a test file;
        not a script no handler's module imports (`scripts/seed.py` run by hand, whose
        work is under `if __name__ == "__main__":`), nor a module no handler's module
        imports. Rules that speak about what happens on Lambda (init, timeouts,
        retries, the runtime's environment) ask this. When nothing tells (a file
        checked alone through the Python API), every module but a test file counts."""
        return not self.is_test_file and self.runs_on_lambda is not False


