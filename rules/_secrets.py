"""Helpers shared by the credentials and secrets rules (LAM401-LAM407).

Two kinds of help: reading string literals and the names they are bound to
(`password = "..."`, `f(token="...")`, `{"api_key": "..."}`), and a small
flow-insensitive value flow over one function's assignments, its returns and
those of the project functions it calls, used by LAM405 (does a secret reach a
log call?) and LAM406 (where do explicit credentials come from?).

The flow reads the model's per-function facts (``FunctionInfo.assignments``,
``.returns``, ``.calls``) and ``Project.call_targets``; it is deliberately
small. Values passed into a function's parameters are not followed (a
helper's parameters are "unknown"), nor values stored on objects.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Sequence

import libcst as cst

from lambdalint.catalog import AWS_CLIENT_CONSTRUCTORS, ENVIRON_MAPPINGS, STS_CREDENTIAL_OPERATIONS
from lambdalint.catalog import secrets as catalog
from lambdalint.context import FileContext
from lambdalint.literals import string_value as literal_value
from lambdalint.model import FunctionInfo, ModuleModel
from lambdalint.model.reaching import Reaching, reaching
from lambdalint.walk import children

Fact = tuple[str, str]  # (kind, description for messages)
Facts = frozenset[Fact]
EMPTY: Facts = frozenset()
ENV_GET_CALLS = frozenset({"os.environ.get", "os.getenv", "os.environb.get", "os.getenvb"})
_ROUNDS = 6
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


# -- the value flow -----------------------------------------------------------------


class Flow:
    """Facts about the values names hold, per function, computed on demand.

    Subclasses say what an expression carries (``expr``) and what a
    parameter holds (``parameter``); this class finds what a name is bound
    to: the function's own assignments (flow-insensitively), enclosing
    functions, module-level assignments, `global` writes in other
    functions, constants imported from project modules, and the returns of
    project functions called.
    """

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.project = ctx.model.project
        self._tables: dict[int, dict[str, Facts]] = {}
        self._returns: dict[int, Facts] = {}
        self._module: dict[tuple[int, str], Facts] = {}
        self._active: set[object] = set()
        self._iterations: dict[int, dict[int, cst.BaseExpression]] = {}
        self._module_values: dict[int, dict[str, list[cst.BaseExpression]]] = {}
        # (function, the read's ancestors) while `facts` looks at one read: its local
        # names are looked up flow-sensitively (`model.reaching`).
        self._at: tuple[FunctionInfo, Sequence[cst.CSTNode]] | None = None
        self._assignment_counts: dict[tuple[int, str], bool] = {}
        self._assigned: dict[int, dict[str, list[cst.BaseExpression]]] = {}  # see `model.reaching`

    def facts(self, node: cst.CSTNode, function: FunctionInfo | None,
              at: Sequence[cst.CSTNode] | None = None) -> Facts:
        """What an expression of the current file carries (nothing when the code is
        nested too deeply to follow). With ``at``, the ancestors of the place the
        expression is read (from the module down), a local name it reads holds only the
        values that can reach that place: `token = "***"` before `print(token)` leaves
        nothing secret to print, whatever `token` held before."""
        self._at = (function, at) if at is not None and function is not None else None
        try:
            return self.expr(self.ctx.model, node, function)
        except RecursionError:
            return EMPTY
        finally:
            self._at = None

    # -- what subclasses define -----------------------------------------------------

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> Facts:
        raise NotImplementedError

    def parameter(self, function: FunctionInfo, name: str) -> Facts:
        return EMPTY

    def iteration(self, model: ModuleModel, iterable: cst.BaseExpression, target: cst.BaseExpression,
                  function: FunctionInfo) -> dict[str, Facts]:
        """Facts of loop variables: by default each gets what the iterable carries."""
        facts = self.expr(model, iterable, function)
        return {name: facts for name in _names(target)}

    # -- shared machinery ------------------------------------------------------------

    def union(self, model: ModuleModel, nodes: Iterable[cst.CSTNode], function: FunctionInfo | None) -> Facts:
        found: set[Fact] = set()
        for node in nodes:
            found |= self.expr(model, node, function)
        return frozenset(found)

    def name(self, model: ModuleModel, name: str, function: FunctionInfo | None) -> Facts:
        at = self._at
        if at is not None and function is at[0] and model is self.ctx.model and self._reassigned(function, name):
            found = reaching(function, name, at[1], self._assigned)
            if found is not None:
                self._at = None  # the assigned values are looked at flow-insensitively
                try:
                    return self._reaching(model, function, name, found)
                finally:
                    self._at = at
        current = function
        while current is not None:
            scope = current.scope
            if name in scope.global_names:
                break
            table = self.table(model, current)
            if name in table:
                return table[name]
            if name in current.param_names:
                return self.parameter(current, name)
            if name in scope.bindings:
                return EMPTY
            current = current.parent
        return self.module_name(model, name)

    def _reassigned(self, function: FunctionInfo, name: str) -> bool:
        """Whether a name can hold different values in the function (assigned more than
        once, or a parameter assigned again): only then does the place of a read matter."""
        key = (id(function), name)
        found = self._assignment_counts.get(key)
        if found is None:
            count = sum(1 for names, _ in function.assignments if name in names)
            found = self._assignment_counts[key] = count > 1 or (count == 1 and name in function.param_names)
        return found

    def _reaching(self, model: ModuleModel, function: FunctionInfo, name: str, found: Reaching) -> Facts:
        loops = self._loops(function)
        facts: set[Fact] = set()
        for value in found.values:
            target = loops.get(id(value))
            if target is not None:
                facts |= self.iteration(model, value, target, function).get(name, EMPTY)
            else:
                facts |= self.expr(model, value, function)
        if found.from_entry and name in function.param_names:
            facts |= self.parameter(function, name)
        return frozenset(facts)

    def table(self, model: ModuleModel, function: FunctionInfo) -> dict[str, Facts]:
        key = id(function)
        table = self._tables.get(key)
        if table is not None:
            return table
        table = defaultdict(frozenset)
        self._tables[key] = table
        loops = self._loops(function)
        for _ in range(_ROUNDS):
            changed = False
            for names, value in function.assignments:
                loop_target = loops.get(id(value))
                if loop_target is not None:
                    found = self.iteration(model, value, loop_target, function)
                else:
                    facts = self.expr(model, value, function)
                    found = {name: facts for name in names}
                for name, facts in found.items():
                    if facts and not facts <= table[name]:
                        table[name] = table[name] | facts
                        changed = True
            if not changed:
                break
        return table

    def returns(self, model: ModuleModel, function: FunctionInfo) -> Facts:
        key = id(function)
        if key in self._returns:
            return self._returns[key]
        if key in self._active:
            return EMPTY
        self._active.add(key)
        try:
            facts = self.union(model, function.returns, function)
        finally:
            self._active.discard(key)
        self._returns[key] = facts
        return facts

    def called(self, model: ModuleModel, call: cst.Call, function: FunctionInfo | None) -> Facts | None:
        """What project functions a call reaches return; None when it reaches none."""
        if self.project is None:
            return None
        targets = self.project.call_targets(model, call, function)
        if not targets:
            return None
        found: set[Fact] = set()
        for target_model, target, _bound in targets:
            found |= self.returns(target_model, target)
        return frozenset(found)

    def module_name(self, model: ModuleModel, name: str) -> Facts:
        key = (id(model), name)
        if key in self._module:
            return self._module[key]
        if key in self._active:
            return EMPTY
        self._active.add(key)
        try:
            found: set[Fact] = set()
            values = self._module_values.get(id(model))
            if values is None:
                values = self._module_values[id(model)] = _module_assignments(model)
            for value in values.get(name, ()):
                found |= self.expr(model, value, None)
            for function in model.functions.values():
                if name in function.scope.global_names:
                    found |= self.table(model, function).get(name, EMPTY)
            binding = model.summary.module_scope.bindings.get(name)
            if isinstance(binding, str):
                found |= self.imported(model, binding)
        finally:
            self._active.discard(key)
        facts = frozenset(found)
        self._module[key] = facts
        return facts

    def imported(self, model: ModuleModel, qualified: str) -> Facts:
        """A constant of a project module (`from settings import TOKEN`, `settings.TOKEN`)."""
        found = self.imported_module(model, qualified)
        if found is None:
            return EMPTY
        other, name = found
        return self.module_name(other, name)

    def imported_module(self, model: ModuleModel, qualified: str) -> tuple[ModuleModel, str] | None:
        """The other project module, and its module-level name, that an imported name
        is bound in (re-exports followed)."""
        site = self.project.binding_site(model, qualified) if self.project is not None else None
        return _other_module(model, site)

    @staticmethod
    def imported_node(model: ModuleModel, node: cst.BaseExpression,
                      function: FunctionInfo | None) -> tuple[ModuleModel, str] | None:
        """The same for an expression (`settings.TOKEN`, `shared.settings.TOKEN`)."""
        return _other_module(model, model.origin(node, function))

    def _loops(self, function: FunctionInfo) -> dict[int, cst.BaseExpression]:
        key = id(function)
        loops = self._iterations.get(key)
        if loops is None:
            loops = {}
            stack: list[cst.CSTNode] = [function.node.body]
            while stack:
                node = stack.pop()
                if isinstance(node, (cst.For, cst.CompFor)):
                    loops[id(node.iter)] = node.target
                stack.extend(children(node))
            self._iterations[key] = loops
        return loops


def _other_module(model: ModuleModel, site: tuple[ModuleModel, str, str] | None) -> tuple[ModuleModel, str] | None:
    if site is None or site[2] or site[0] is model:
        return None
    return site[0], site[1]


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            names.extend(_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []


def _module_assignments(model: ModuleModel) -> dict[str, list[cst.BaseExpression]]:
    """Values assigned to plain names by module-level statements (also under `if`/`try`)."""
    found: dict[str, list[cst.BaseExpression]] = defaultdict(list)
    stack: list[cst.CSTNode] = list(model.module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                for name in _names(target.target):
                    found[name].append(node.value)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            for name in _names(node.target):
                found[name].append(node.value)
        elif isinstance(node, (cst.SimpleStatementLine, cst.If, cst.Else, cst.Try, cst.ExceptHandler,
                               cst.Finally, cst.With, cst.IndentedBlock, cst.SimpleStatementSuite)):
            stack.extend(children(node))
    return found


# -- LAM405: secrets on their way to the logs ------------------------------------------


class SecretFlow(Flow):
    """Which secrets (Secrets Manager, decrypted SSM, STS credentials, password-like
    environment variables, the whole environment) an expression's value shows."""

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
        constructors = AWS_CLIENT_CONSTRUCTORS | frozenset(self.ctx.config.extra_clients)
        return any(qualified.startswith(constructor + "().") for constructor in constructors)

    def iteration(self, model: ModuleModel, iterable: cst.BaseExpression, target: cst.BaseExpression,
                  function: FunctionInfo) -> dict[str, Facts]:
        # Iterating a mapping yields its keys; `.items()` its values in the last name.
        names = _names(target)
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


class CredentialFlow(Flow):
    """Where a credential value comes from: kinds "env", "secret", "config",
    "constant", "call" (long-term) or "sts", "session", "role-env",
    "parameter", "event" (exempt)."""

    def parameter(self, function: FunctionInfo, name: str) -> Facts:
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
