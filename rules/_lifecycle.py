"""What LAM101 and LAM102 share: an expensive object built per invocation.

Both rules look for a constructor call in invocation scope and both stay
quiet on the same traps: lazy init, objects built from event data or STS
credentials (per-tenant clients must be per call), and the inner call of a
chain the outer call already reports (`boto3.Session().client("s3")`).
"""

from __future__ import annotations

import libcst as cst

from lambdalint import Rule
from lambdalint.config import Config
from lambdalint.fix import Fix
from lambdalint.model import EVENT, STS

from ._hoist import hoist_fix


class PerInvocationConstructor(Rule):
    what = "object"

    def constructors(self) -> frozenset[str]:
        raise NotImplementedError

    def configured_names(self, config: Config) -> list[str]:
        """Constructors users add in config (`extra-clients`, `extra-connections`)."""
        return []

    def scan_words(self, config: Config) -> tuple[str, ...]:
        # An alias still ends in the constructor's own last name (`pg.connect`).
        return (*self.words, *(name.rsplit(".", 1)[-1] for name in self.configured_names(config)))

    # LAM102: a connection opened only on some paths would be opened on every cold start.
    unsafe_when_conditional = False

    def hoisted_names(self, call: cst.Call, qualified: str) -> list[str]:
        """Module-level names the hoist fix may give the object, best first (when the
        object is not simply a local variable that can move under its own name)."""
        return [self.what.lower().replace(" ", "_")]

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        constructors = self.constructors()
        name = ctx.qualify(node.func)
        if name not in constructors or ctx.is_lazy_init(node):
            return
        if self._is_receiver_of_outer_constructor(node, constructors):
            return
        if ctx.labels_of(node) & {EVENT, STS}:
            return
        written = cst.Module([]).code_for_node(node.func)
        shown = f"{written}(...)`" if written == name else f"{written}(...)` ({name})"
        fix: Fix | None = hoist_fix(ctx, node, self.hoisted_names(node, name), f"the {self.what}",
                                    unsafe_when_conditional=self.unsafe_when_conditional)
        self.report(
            node,
            f"{self.what} `{shown} is created on every invocation ({ctx.scope_note()}); "
            "create it once at module scope so warm invocations reuse it",
            fix=fix,
        )

    def _is_receiver_of_outer_constructor(self, node: cst.Call, constructors: frozenset[str]) -> bool:
        ancestors = self.ctx.ancestors
        if len(ancestors) < 3:
            return False
        attribute, outer = ancestors[-2], ancestors[-3]
        return (
            isinstance(attribute, cst.Attribute)
            and attribute.value is node
            and isinstance(outer, cst.Call)
            and outer.func is attribute
            and self.ctx.qualify(outer.func) in constructors
        )
