"""Helpers shared by the credentials and secrets rules (LAM401-LAM407).

Two kinds of help: reading string literals and the names they are bound to
(`password = "..."`, `f(token="...")`, `{"api_key": "..."}`), and two analyses
of the model's dataflow engine (`lambdalint.model.dataflow`): `SecretFlow`, used
by LAM405 (does a secret reach a log call?), and `CredentialFlow`, used by
LAM406 (where do explicit credentials come from?). They say what an expression
carries; the engine follows names, returns of project functions and module-level
names across modules, once per project (`secret_flow`, `credential_flow`).
Values passed into a function's parameters are not followed (a helper's
parameters are "unknown"), nor values stored on objects.
"""

from __future__ import annotations

import libcst as cst

from lambdalint.catalog import AWS_CLIENT_CONSTRUCTORS, ENVIRON_MAPPINGS, STS_CREDENTIAL_OPERATIONS
from lambdalint.catalog import secrets as catalog
from lambdalint.context import FileContext
from lambdalint.literals import string_value as literal_value
from lambdalint.model import CallGraph, FunctionInfo, ModuleModel
from lambdalint.model.dataflow import Dataflow, analysis_for
from lambdalint.model.summary import target_names

Fact = tuple[str, str]  # (kind, description for messages)
Facts = frozenset[Fact]
EMPTY: Facts = frozenset()
ENV_GET_CALLS = frozenset({"os.environ.get", "os.getenv", "os.environb.get", "os.getenvb"})
_MAX_TEXT = 60


# -- literals and names --------------------------------------------------------------


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def short(node: cst.CSTNode) -> str:
    text = " ".join(code(node).split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def string_value(node: cst.CSTNode | None) -> str | None:
    """A literal's value; secrets hide in bytes literals too."""
    return literal_value(node, bytes_too=True)


def _key(model: ModuleModel, expr: cst.BaseExpression, function: FunctionInfo | None) -> str | None:
    """The key of a subscript: a literal, or a module-level constant bound to one, or
    to a configurable one with a literal default (`KEY = os.environ.get("KEY") or
    "awsSeamlessDomainUsername"`: the key the code is written for)."""
    value = string_value(expr)
    if value is not None or not isinstance(expr, cst.Name):
        return value
    site = model.origin(expr, function)
    if site is None or site[2]:
        return None
    bound = site[0].summary.module_scope.bindings.get(site[1])
    if isinstance(bound, cst.BooleanOperation) and isinstance(bound.operator, cst.Or):
        bound = bound.right
    return string_value(bound) if isinstance(bound, cst.BaseExpression) else None


def target_name(target: cst.BaseExpression) -> str | None:
    """The name a value is stored under: `x`, `self.x`, `d["x"]`."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            return string_value(index.value)
    return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def argument(call: cst.Call, position: int, name: str | None = None) -> cst.BaseExpression | None:
    """A call's argument by position or keyword (None behind `*args`)."""
    if name is not None:
        found = keyword(call, name)
        if found is not None:
            return found.value
    index = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if index == position:
                return arg.value
            index += 1
    return None


def is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def under_main_guard(ctx: FileContext) -> bool:
    """Inside `if __name__ == "__main__":` (Lambda imports the module: never runs there)."""
    for node in ctx.ancestors:
        if isinstance(node, cst.If) and isinstance(node.test, cst.Comparison):
            test = node.test
            sides = [test.left] + [c.comparator for c in test.comparisons]
            names = {s.value for s in sides if isinstance(s, cst.Name)}
            strings = {string_value(s) for s in sides}
            if "__name__" in names and "__main__" in strings:
                return True
    return False


def is_documentation(ctx: FileContext) -> bool:
    """The string being visited is a statement of its own (a docstring)."""
    ancestors = ctx.ancestors
    for node in reversed(ancestors[:-1]):
        if isinstance(node, cst.Expr):
            return True
        if not isinstance(node, (cst.ConcatenatedString, cst.FormattedString,
                                 cst.FormattedStringExpression)):
            return False
    return False


def env_name(ctx: FileContext, node: cst.BaseExpression | None) -> str | None:
    """The environment variable name an expression spells: a literal, or a
    module constant bound to one."""
    value = string_value(node)
    if value is not None:
        return value
    if isinstance(node, cst.Name):
        bound = ctx.binding_of(node.value)
        if isinstance(bound, cst.BaseExpression):
            return string_value(bound)
    return None


# -- the value flows ---------------------------------------------------------------


def secret_flow(ctx: FileContext) -> SecretFlow | None:
    """The project's SecretFlow (None for a module outside a project)."""
    project = ctx.model.project
    if not isinstance(project, CallGraph):
        return None
    return analysis_for(project, SecretFlow, frozenset(ctx.config.extra_clients))


def credential_flow(ctx: FileContext) -> CredentialFlow | None:
    """The project's CredentialFlow (None for a module outside a project)."""
    project = ctx.model.project
    if not isinstance(project, CallGraph):
        return None
    return analysis_for(project, CredentialFlow)


# -- LAM405: secrets on their way to the logs ------------------------------------------


class SecretFlow(Dataflow):
    """Which secrets (Secrets Manager, decrypted SSM, STS credentials, password-like
    environment variables, the whole environment) an expression's value shows.
    ``extra_clients``: the configured constructors of AWS clients."""

    def __init__(self, project: CallGraph, extra_clients: frozenset[str] = frozenset()) -> None:
        super().__init__(project)
        self.constructors = AWS_CLIENT_CONSTRUCTORS | extra_clients

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> Facts:
        if isinstance(node, cst.Name):
            return self.name(model, node.value, function)
        if isinstance(node, cst.Attribute):
            if node.attr.value in catalog.NON_SECRET_ATTRIBUTES:
                return EMPTY  # `session.region_name` of a session made with assumed credentials
            qualified = model.qualify(node, function)
            if qualified in ENVIRON_MAPPINGS:
                whole = f"the whole environment `{code(node)}`, which holds the execution role's credentials"
                return frozenset({("environ", whole)})
            imported = self.imported_node(model, node, function)
            if imported is not None:
                return self.module_name(*imported)
            return self.expr(model, node.value, function)
        if isinstance(node, cst.Subscript):
            return self._subscript(model, node, function)
        if isinstance(node, cst.Call):
            return self._call(model, node, function)
        if isinstance(node, cst.FormattedString):
            return self.union(model, (p.expression for p in node.parts
                                      if isinstance(p, cst.FormattedStringExpression)), function)
        if isinstance(node, cst.ConcatenatedString):
            return self.union(model, (node.left, node.right), function)
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            return self.union(model, (node.left, node.right), function)
        if isinstance(node, cst.IfExp):
            return self.union(model, (node.body, node.orelse), function)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return self.union(model, (e.value for e in node.elements), function)
        if isinstance(node, cst.Dict):
            return self.union(model, (e.value for e in node.elements), function)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self.expr(model, node.elt, function)
        if isinstance(node, cst.DictComp):
            return self.expr(model, node.value, function)
        if isinstance(node, (cst.Await, cst.StarredElement)):
            inner = node.expression if isinstance(node, cst.Await) else node.value
            return self.expr(model, inner, function)
        if isinstance(node, cst.NamedExpr):
            return self.expr(model, node.value, function)
        return EMPTY

    def _on_aws_client(self, model: ModuleModel, func: cst.BaseExpression, function: FunctionInfo | None) -> bool:
        qualified = model.qualify(func, function) or ""
        return any(qualified.startswith(constructor + "().") for constructor in self.constructors)

    def iteration(self, model: ModuleModel, iterable: cst.BaseExpression, target: cst.BaseExpression,
                  function: FunctionInfo) -> dict[str, Facts]:
        # Iterating a mapping yields its keys; `.items()` its values in the last name.
        names = target_names(target)
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute):
            method = iterable.func.attr.value
            receiver = iterable.func.value
            if method == "keys":
                return {}
            if method == "items" and isinstance(target, (cst.Tuple, cst.List)) and names:
                return {names[-1]: self.expr(model, receiver, function)}
        facts = self.expr(model, iterable, function)
        facts = frozenset(f for f in facts if f[0] != "environ")
        return {name: facts for name in names}

    def _subscript(self, model: ModuleModel, node: cst.Subscript, function: FunctionInfo | None) -> Facts:
        base = node.value
        index = node.slice[0].slice if len(node.slice) == 1 else None
        key = _key(model, index.value, function) if isinstance(index, cst.Index) else None
        if model.qualify(base, function) in ENVIRON_MAPPINGS:
            return _env_secret(key)
        if isinstance(index, cst.Slice):
            return EMPTY  # a part of the value (`token[:4]`), the usual way to mask one
        return self._item(self.expr(model, base, function), key)

    @staticmethod
    def _item(container: Facts, key: str | None) -> Facts:
        """What an item of a container shows: one variable of an environment, a
        non-secret field of a response or of a secret's JSON."""
        if key is not None and catalog.is_non_secret_field(key):
            return EMPTY
        if any(kind == "environ" for kind, _ in container):
            return frozenset(f for f in container if f[0] != "environ") | _env_secret(key)
        return container

    def _call(self, model: ModuleModel, node: cst.Call, function: FunctionInfo | None) -> Facts:
        func = node.func
        written = code(func)
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if method in catalog.SECRET_OPERATIONS:
            # Also pydantic's `SecretStr.get_secret_value()`: it reveals a secret too.
            what = catalog.SECRET_OPERATIONS[method] if self._on_aws_client(model, func, function) else "secret"
            return frozenset({("secret", f"the {what} from `{written}(...)`")})
        if method in catalog.DECRYPTING_OPERATIONS and is_true(argument(node, -1, catalog.DECRYPTION_KWARG)):
            return frozenset({("secret", f"the {catalog.DECRYPTING_OPERATIONS[method]} from `{written}(...)`")})
        if method in STS_CREDENTIAL_OPERATIONS:
            return frozenset({("secret", f"the temporary credentials from `{written}(...)`")})
        qualified = model.qualify(func, function) or ""
        if qualified in ENV_GET_CALLS:
            return _env_secret(string_value(argument(node, 0, "key")))
        if qualified.startswith(catalog.POWERTOOLS_PARAMETERS + "."):
            last = qualified.rsplit(".", 1)[-1]
            if last in catalog.POWERTOOLS_SECRET_FUNCTIONS or (
                last in catalog.POWERTOOLS_DECRYPTING_FUNCTIONS
                and is_true(argument(node, -1, catalog.POWERTOOLS_DECRYPTION_KWARG))
            ):
                return frozenset({("secret", f"the secret from `{written}(...)`")})
            return EMPTY
        if qualified in catalog.SECRET_PRESERVING_CALLS:
            return self.union(model, (a.value for a in node.args), function)
        if method in catalog.SECRET_PRESERVING_METHODS:
            receiver: Facts = self.expr(model, func.value, function)  # type: ignore[union-attr]
            if method in ("get", "pop"):
                return self._item(receiver, string_value(argument(node, 0)))
            return receiver | self.union(model, (a.value for a in node.args), function)
        returned = self.called(model, node, function)
        return returned if returned is not None else EMPTY


def _env_secret(name: str | None) -> Facts:
    if name is not None and catalog.is_secret_env_var(name):
        return frozenset({("secret", f"the environment variable `{name}`")})
    return EMPTY


# -- LAM406: where explicit credentials come from -----------------------------------------

# Origins that make explicit credentials fine (or not ours to judge).
EXEMPT_ORIGINS = frozenset({"sts", "session", "role-env", "parameter", "event"})


class CredentialFlow(Dataflow):
    """Where a credential value comes from: kinds "env", "secret", "config",
    "constant", "call" (long-term) or "sts", "session", "role-env",
    "parameter", "event" (exempt)."""

    def parameter(self, model: ModuleModel, function: FunctionInfo, name: str) -> Facts:
        return frozenset({("parameter", name)})

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> Facts:
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return frozenset({("constant", "a string constant")})
        if isinstance(node, cst.FormattedString):
            return self.union(model, (p.expression for p in node.parts
                                      if isinstance(p, cst.FormattedStringExpression)), function)
        if isinstance(node, cst.Name):
            return self.name(model, node.value, function)
        if isinstance(node, cst.Attribute):
            return self._attribute(model, node, function)
        if isinstance(node, cst.Subscript):
            if model.qualify(node.value, function) in ENVIRON_MAPPINGS:
                index = node.slice[0].slice if len(node.slice) == 1 else None
                return _env_origin(string_value(index.value) if isinstance(index, cst.Index) else None)
            return self.expr(model, node.value, function)
        if isinstance(node, cst.Call):
            return self._call(model, node, function)
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            return self.union(model, (node.left, node.right), function)
        if isinstance(node, cst.IfExp):
            return self.union(model, (node.body, node.orelse), function)
        if isinstance(node, cst.Await):
            return self.expr(model, node.expression, function)
        if isinstance(node, (cst.Tuple, cst.List)):
            return self.union(model, (e.value for e in node.elements), function)
        if isinstance(node, cst.Dict):
            return self.union(model, (e.value for e in node.elements), function)
        return EMPTY

    def _attribute(self, model: ModuleModel, node: cst.Attribute, function: FunctionInfo | None) -> Facts:
        inner = self.expr(model, node.value, function)
        if inner:
            return inner
        imported = self.imported_node(model, node, function)
        if imported is not None:
            return self.module_name(*imported)
        qualified = model.qualify(node, function)
        if qualified and "()" not in qualified and not qualified.startswith("builtins."):
            return frozenset({("config", f"the setting `{code(node)}`")})
        return EMPTY

    def _call(self, model: ModuleModel, node: cst.Call, function: FunctionInfo | None) -> Facts:
        func = node.func
        written = code(func)
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if method in STS_CREDENTIAL_OPERATIONS:
            return frozenset({("sts", written)})
        if method in catalog.SESSION_CREDENTIAL_METHODS:
            return frozenset({("session", written)})
        if method in catalog.SECRET_OPERATIONS or method in catalog.DECRYPTING_OPERATIONS:
            return frozenset({("secret", f"`{written}(...)`")})
        qualified = model.qualify(func, function) or ""
        if qualified in ENV_GET_CALLS:
            return _env_origin(string_value(argument(node, 0, "key")))
        if qualified in catalog.SECRET_PRESERVING_CALLS:
            return self.union(model, (a.value for a in node.args), function)
        if method in catalog.SECRET_PRESERVING_METHODS and isinstance(func, cst.Attribute):
            receiver = self.expr(model, func.value, function)
            if receiver:
                return receiver
        returned = self.called(model, node, function)
        if returned is not None:
            return returned
        return frozenset({("call", f"`{written}(...)`")})


def _env_origin(name: str | None) -> Facts:
    if name in catalog.ROLE_CREDENTIAL_ENV_VARS:
        return frozenset({("role-env", name)})
    if name is None:
        return frozenset({("env", "an environment variable")})
    return frozenset({("env", f"the environment variable `{name}`")})
