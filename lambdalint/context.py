"""What a rule sees while the traversal is inside one file.

The engine keeps the stacks (functions, statements, ancestors) once for all
rules; rules ask questions here instead of tracking "am I in the handler?"
themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Hashable, TypeVar

import libcst as cst

from lambdalint.model import EVENT, STS, EventProfile, FunctionInfo, ModuleModel, analyses
from lambdalint.model.guards import off_lambda
from lambdalint.model.taint import TaintReport

if TYPE_CHECKING:
    from lambdalint.config import Config
    from lambdalint.rule import Rule
    from lambdalint.source import SourceFile

T = TypeVar("T")


@dataclass
class Report:
    rule: Rule
    node: cst.CSTNode
    message: str
    statement: cst.CSTNode | None
    fix: Any = None
    function: FunctionInfo | None = None  # the innermost `def` around the node


@dataclass
class RuleFailure:
    rule: Rule
    node: cst.CSTNode | None
    error: BaseException


@dataclass
class FileContext:
    source: SourceFile
    model: ModuleModel
    config: Config
    # The `def`s whose bodies enclose the current node, outermost first.
    functions: list[FunctionInfo | None] = field(default_factory=list)
    statements: list[cst.CSTNode] = field(default_factory=list)
    ancestors: list[cst.CSTNode] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    _guard_verdicts: dict[int, bool | None] = field(default_factory=dict, repr=False)

    # -- where are we ---------------------------------------------------------

    @property
    def rel_path(self) -> str:
        return self.source.rel_path

    @property
    def function(self) -> FunctionInfo | None:
        """The innermost `def` around the current node (None at module scope)."""
        return self.functions[-1] if self.functions else None

    @property
    def in_invocation_scope(self) -> bool:
        """Whether the current code runs per invocation: a handler's call chain reaches
        it, in code Lambda runs (a test's own `lambda_handler` does not count, nor a
        branch Lambda never takes)."""
        return self.model.deployed and self.model.in_invocation_scope(self.function) and not self.off_lambda

    @property
    def deployed(self) -> bool:
        """Whether Lambda runs this file's code (`ModuleModel.deployed`): not a test,
        a script or a module no handler's module imports."""
        return self.model.deployed

    @property
    def off_lambda(self) -> bool:
        """Whether the current node lies in a branch Lambda never takes (`if
        "AWS_EXECUTION_ENV" not in os.environ:`; see `lambdalint.model.guards`)."""
        return off_lambda(self.model, self.ancestors, self.function, self._guard_verdicts)

    @property
    def runs_on_lambda(self) -> bool:
        """Whether Lambda may run the current code: a deployed module, outside a branch
        Lambda never takes."""
        return self.model.deployed and not self.off_lambda

    @property
    def parent(self) -> cst.CSTNode | None:
        """The parent of the node being visited (ancestors[-1] is the node itself)."""
        return self.ancestors[-2] if len(self.ancestors) >= 2 else None

    def scope_chain(self) -> tuple[str, ...]:
        return self.model.scope_chain(self.function)

    def scope_note(self) -> str:
        """Where this runs per invocation, for messages: "in `f`, called from `handler`"."""
        chain = self.scope_chain()
        if not chain:
            return ""
        short = [name.rsplit(".", 1)[-1] for name in chain]
        if len(short) == 1:
            return f"in `{short[0]}`"
        return f"in `{short[-1]}`, called from `{' -> '.join(short[:-1])}`"

    # -- what is this ------------------------------------------------------------

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        return self.model.qualify(expr, self.function)

    def labels_of(self, expr: cst.CSTNode) -> set[str]:
        """Labels ("event", "sts") of the values an expression is computed from."""
        return analyses.labels_of(self.model, expr, self.function)

    def is_event_derived(self, expr: cst.CSTNode) -> bool:
        return EVENT in self.labels_of(expr)

    def is_sts_derived(self, expr: cst.CSTNode) -> bool:
        return STS in self.labels_of(expr)

    def is_lazy_init(self, call: cst.Call) -> bool:
        return self.model.is_lazy_init(call)

    def event_sources(self) -> EventProfile | None:
        """How the entry point that runs this code reads its event (None outside
        invocation scope): its sources, record loops, partial-batch reporting."""
        return analyses.event_sources(self.model, self.function)

    def declared_sources(self) -> list[tuple[Any, ...]]:
        """For each entry point whose invocation runs this code, the event sources
        deployment templates declare for it (empty outside invocation scope)."""
        return analyses.declared_sources(self.model, self.function)

    def kept(self, question: Hashable, subject: object, answer: Callable[[], T]) -> T:
        """``answer()``, worked out once per project for ``subject`` (a function, node or
        module model of the project) and kept there for every file that asks again
        (`lambdalint.model.analyses.kept`): rules keep no caches of their own."""
        return analyses.kept(self.model, question, subject, answer)

    @property
    def taint(self) -> TaintReport:
        """Where event data reaches a sink in this file (LAM7xx), computed once per run."""
        return analyses.taint(self.model)

    def binding_of(self, name: str) -> object:
        """The expression last assigned to a name visible here (None if unknown)."""
        scope = self.function.scope if self.function else self.model.summary.module_scope
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        return None

    # -- reporting ------------------------------------------------------------------

    def report(self, rule: Rule, node: cst.CSTNode, message: str, *, fix: Any = None) -> None:
        statement = self.statements[-1] if self.statements else None
        self.reports.append(Report(rule, node, message, statement, fix, self.function))
