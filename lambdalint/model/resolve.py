"""Turn an expression into the dotted name of what it refers to.

`aws.client` with `import boto3 as aws` is `boto3.client`; a call adds `()`,
so `boto3.Session().client` is "the `client` method of a boto3 session" and
`s3.get_object` with `s3 = boto3.client("s3")` is `boto3.client().get_object`.
Rules and the catalog speak this one language.

The resolver sees one module: an imported name comes out as the import names it
(`shared.aws.s3.get_object`). `ModuleModel.qualify`, which rules call, then
follows a name that starts with another module of the checked tree into that
module's module-level bindings (`Project.follow`).
"""

from __future__ import annotations

import builtins

import libcst as cst

from lambdalint.model.summary import FunctionInfo, ModuleSummary, Scope

BUILTIN_NAMES = frozenset(dir(builtins))
_MAX_DEPTH = 12


class Resolver:
    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary

    def qualify(self, expr: cst.BaseExpression, function: FunctionInfo | None = None) -> str | None:
        return self._qualify(expr, function.scope if function else self.summary.module_scope, 0)

    def _qualify(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        # By exact type (LibCST's node classes have no subclasses): every call of every
        # rule is qualified, and `isinstance` through LibCST's abstract bases costs
        # several times more when the answer is no.
        # (`isinstance` of the exact type is fast: it is the answer no that is slow.)
        kind = type(expr)
        if kind is cst.Name and isinstance(expr, cst.Name):
            return self._qualify_name(expr.value, scope, depth)
        if kind is cst.Attribute and isinstance(expr, cst.Attribute):
            base = self._qualify(expr.value, scope, depth + 1)
            return f"{base}.{expr.attr.value}" if base else None
        if kind is cst.Call and isinstance(expr, cst.Call):
            base = self._qualify(expr.func, scope, depth + 1)
            return f"{base}()" if base else None
        if kind is cst.Await and isinstance(expr, cst.Await):
            return self._qualify(expr.expression, scope, depth + 1)
        return None

    def _qualify_name(self, name: str, scope: Scope, depth: int) -> str | None:
        current: Scope | None = scope
        module_scope = self.summary.module_scope
        while current is not None:
            if current is not module_scope and name in current.global_names:
                current = module_scope
                continue
            if name in current.bindings:
                value = current.bindings[name]
                if value is None:
                    return None
                if isinstance(value, str):
                    return value
                # Resolve the assigned expression in the scope that assigned it.
                return self._qualify(value, current, depth + 1)
            current = current.parent
        if name in BUILTIN_NAMES:
            return f"builtins.{name}"
        return None
