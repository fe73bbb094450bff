"""LAM302 unbounded-global-growth."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.resources import (
    AUTOVIVIFYING_CONTAINERS,
    BOUNDED_DEQUES,
    CACHE_INTO_ARGUMENT_DECORATORS,
    CACHE_MAXSIZE,
    CONTAINER_CONSTRUCTORS,
    DEQUE_MAXLEN,
    KEYED_GROWTH_METHODS,
    PER_CALL_UNIQUE_ATTRIBUTES,
    PER_CALL_UNIQUE_CALLS,
    SEQUENCE_GROWTH_METHODS,
    SHRINK_METHODS,
    SIZE_CHECKS,
    SIZED_CACHE_DECORATORS,
    UNBOUNDED_CACHE_DECORATORS,
    UNBOUNDED_CACHE_OBJECTS,
)
from lambdalint.model import ModuleModel
from lambdalint.walk import children

from ._network import argument, is_none, written
from ._resources import bound_locally

_SEQUENCE_LITERALS = (cst.List, cst.ListComp)
_KEYED_LITERALS = (cst.Dict, cst.Set, cst.DictComp, cst.SetComp)


@dataclass
class _Container:
    name: str
    sequence: bool  # list/deque: grows by value; otherwise by key
    autovivifying: bool  # defaultdict/Counter: `c[k]` alone adds k
    # The module that defines it, when that is another module of the project.
    module: str | None = None


class UnboundedGlobalGrowth(Rule):
    """
    ## What it does
    Flags module-level containers (a list, dict or set literal or comprehension,
    `list()`, `dict()`, `set()`, `defaultdict`, `OrderedDict`, `Counter`, or a
    `deque` without `maxlen`) that invocation scope grows and that the module never
    shrinks. Growing means `append`/`extend`/`insert`/`appendleft`/`extendleft` (or
    `+=`) on a list or deque, and, on a dict or set, `c[key] = ...`, `add`,
    `setdefault`, `update` (or `|=`) with a key that differs from one request to the
    next: a value derived from the event, or a per-invocation value
    (`context.aws_request_id`, `uuid.uuid4()`, `time.time()`). Shrinking means
    `clear`, `pop`, `popitem`, `popleft`, `remove`, `discard`, `del c[...]`, a
    reassignment in a function (`global c; c = []`), or any `len(c)` check.

    Also flags calls, in invocation scope and with event-derived arguments, to a
    function memoised without a size limit: `@functools.cache`,
    `@functools.lru_cache(maxsize=None)` or `@cachetools.cached(cache={})` (also a
    method, or a function of another module).

    ## Why is this bad?
    Lambda reuses an execution environment for many invocations, and module-level
    objects live as long as it does (hours, under steady traffic). A container that
    every request adds to grows until the function runs out of memory: the
    invocation that crosses the limit fails ("Runtime exited with error: signal:
    killed"), and requests from one user stay in memory where later requests can
    read them. An unbounded cache keyed by event data is the same leak.

    Keep per-request data in local variables, bound caches (`deque(maxlen=...)`,
    `lru_cache(maxsize=...)`, `cachetools.TTLCache`), or clear the container at the
    end of each invocation.

    Not flagged: growth at module scope (init), lazy initialisation, dict or set
    entries keyed by a constant or by a value that is the same for every request
    (a cache of configuration by parameter name), an `append` guarded by a test of
    the container itself (`if not HOOKS: HOOKS.append(...)`, unless the appended
    value comes from the event), containers passed to a function of the checked code
    (which may shrink them), containers of other modules (only the module that
    defines a container is checked), and a memoised function called with a value read
    from the environment that the event only provides a default for
    (`os.environ.get("SECRET_NAME", event.get("secret_name"))`), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: the right bound, or whether the data belongs in the
    environment at all, is the author's call.

    ## References
    - [Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
    - [AWS Lambda best practices: function code](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [`functools.lru_cache`](https://docs.python.org/3/library/functools.html#functools.lru_cache)
    """

    code = "LAM302"
    name = "unbounded-global-growth"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # Fires only in invocation scope: files no handler reaches skip it.
    scope_only = True
    tags = ("memory", "state")

    def begin_file(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().begin_file(ctx)
        self._containers = _module_containers(ctx.model)
        # Names imported from other modules of the project are looked up the first time
        # the file uses one like a container (`_is_container`): the other module is
        # then modelled only for the names that matter.
        self._imports = {name for name, binding in ctx.model.summary.module_scope.bindings.items()
                         if isinstance(binding, str)}
        self._shrunk: set[str] = set()
        self._growth: dict[str, tuple[cst.CSTNode, str, str]] = {}

    def end_file(self) -> None:
        for name, (node, how, note) in self._growth.items():
            if name in self._shrunk:
                continue
            module = self._containers[name].module
            shown = f"`{name}` of `{module}`" if module else f"`{name}`"
            self.report(
                node,
                f"module-level {shown} grows on every invocation ({how}, {note}) and nothing "
                "ever removes entries: it lives as long as the execution environment and grows "
                "until memory runs out; bound it, clear it per invocation, or keep the data local",
            )

    # -- growth and shrinking of module-level containers ------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            name = self._container_name(func.value)
            if name is not None:
                self._method_call(node, name, func.attr.value)
            else:
                inner = func.value
                if isinstance(inner, cst.Subscript):  # `groups[key].append(x)` on a defaultdict
                    name = self._container_name(inner.value)
                    if name is not None and self._containers[name].autovivifying:
                        self._keyed_growth(node, name, _index(inner), f"`{written(func)}(...)`")
        if self._containers or self._imports:
            self._container_arguments(node)
        self._unbounded_cache_call(node)

    def _method_call(self, node: cst.Call, name: str, method: str) -> None:
        container = self._containers[name]
        if method in SHRINK_METHODS:
            self._shrunk.add(name)
        elif method in SEQUENCE_GROWTH_METHODS and container.sequence:
            guard = self._guarded_by(name)
            value = node.args[0].value if node.args else None
            if guard and value is not None:
                self._keyed_growth(node, name, value, f"`{written(node.func)}(...)`")
            elif not guard:
                self._grow(node, name, f"`{written(node.func)}(...)`", "once per call")
        elif method in KEYED_GROWTH_METHODS and not container.sequence and node.args:
            first = node.args[0].value
            if method == "update" and isinstance(first, cst.Dict):
                for element in first.elements:
                    key = element.key if isinstance(element, cst.DictElement) else element.value
                    self._keyed_growth(node, name, key, f"`{written(node.func)}(...)`")
            else:
                self._keyed_growth(node, name, first, f"`{written(node.func)}(...)`")

    def _container_arguments(self, node: cst.Call) -> None:
        """`len(CACHE)` bounds it; `flush(CACHE)` to checked code may shrink it."""
        names = [self._container_name(arg.value) for arg in node.args]
        names = [name for name in names if name is not None]
        if not names:
            return
        ctx = self.ctx
        if ctx.qualify(node.func) in SIZE_CHECKS:
            self._shrunk.update(names)
            return
        project = ctx.model.project
        if project is not None and project.call_targets(ctx.model, node, ctx.function):
            self._shrunk.update(names)

    def visit_Del(self, node: cst.Del) -> None:
        stack: list[cst.CSTNode] = [node.target]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name) and self._is_container(current.value):
                self._shrunk.add(current.value)
            stack.extend(children(current))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._assigned(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node.target)

    def _assigned(self, target: cst.BaseExpression) -> None:
        ctx = self.ctx
        if isinstance(target, cst.Name):
            function = ctx.function
            if function is not None and self._is_container(target.value) and any(
                target.value in f.scope.global_names for f in function.enclosing()
            ):
                self._shrunk.add(target.value)  # `global CACHE; CACHE = {}`: reset
            return
        if isinstance(target, cst.Subscript):
            name = self._container_name(target.value)
            if name is None:
                return
            if any(isinstance(element.slice, cst.Slice) for element in target.slice):
                self._shrunk.add(name)  # `buffer[:] = []`
            elif not self._containers[name].sequence:
                self._keyed_growth(target, name, _index(target), f"`{written(target)} = ...`")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Name):
            name = self._container_name(target)
            if name is None:
                return
            if self._containers[name].sequence and isinstance(node.operator, cst.AddAssign):
                self._grow(node, name, f"`{written(target)} += ...`", "once per call")
            elif isinstance(node.operator, cst.BitOrAssign):
                self._keyed_growth(node, name, node.value, f"`{written(target)} |= ...`")
        elif isinstance(target, cst.Subscript):  # `COUNTS[key] += 1` on a Counter/defaultdict
            name = self._container_name(target.value)
            if name is not None and self._containers[name].autovivifying:
                self._keyed_growth(node, name, _index(target), f"`{written(target)} {_op(node)} ...`")

    # -- helpers -----------------------------------------------------------------------------

    def _container_name(self, expr: cst.BaseExpression) -> str | None:
        """The module-level container an expression names (not a local of the same name)."""
        if not isinstance(expr, cst.Name):
            return None
        if self.ctx.function is not None and bound_locally(self.ctx, expr.value):
            return None
        return expr.value if self._is_container(expr.value) else None

    def _is_container(self, name: str) -> bool:
        """Whether a module-level name of this file is a growable container: its own,
        or one imported from another module of the project (`_imported_container`)."""
        if name in self._containers:
            return True
        if name not in self._imports:
            return False
        model = self.ctx.model
        container = self.ctx.kept(("LAM302: imported container", name), model,
                                  lambda: _imported_container(model, name))
        if container is None:
            return False
        self._containers[name] = container
        return True

    def _keyed_growth(self, node: cst.CSTNode, name: str, key: cst.CSTNode | None, how: str) -> None:
        if key is None:
            return
        reason = self._varying(key)
        if reason is not None:
            self._grow(node, name, how, reason)

    def _varying(self, key: cst.CSTNode) -> str | None:
        """Why a key differs between invocations, or None when it may not."""
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return None
        if ctx.is_event_derived(key):
            return "keyed by event data"
        stack: list[cst.CSTNode] = [key]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Attribute) and current.attr.value in PER_CALL_UNIQUE_ATTRIBUTES:
                return f"keyed by `{written(current)}`"
            if isinstance(current, cst.Call) and ctx.qualify(current.func) in PER_CALL_UNIQUE_CALLS:
                return f"keyed by `{written(current.func)}()`"
            stack.extend(children(current))
        return None

    def _grow(self, node: cst.CSTNode, name: str, how: str, note: str) -> None:
        ctx = self.ctx
        if not ctx.in_invocation_scope or name in self._growth:
            return
        if isinstance(node, cst.Call) and ctx.is_lazy_init(node):
            return
        self._growth[name] = (node, how, f"{note}, {ctx.scope_note()}")

    def _guarded_by(self, name: str) -> bool:
        """Whether an enclosing `if`/`while` in this function tests the container."""
        for ancestor in reversed(self.ctx.ancestors):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            test = getattr(ancestor, "test", None) if isinstance(ancestor, (cst.If, cst.While)) else None
            if test is not None and _mentions(test, name):
                return True
        return False

    # -- unbounded memoisation -------------------------------------------------------------------

    def _unbounded_cache_call(self, node: cst.Call) -> None:
        ctx = self.ctx
        project = ctx.model.project
        if project is None or not node.args or not ctx.in_invocation_scope:
            return
        for model, target, _bound in project.call_targets(ctx.model, node, ctx.function):
            decorator = _unbounded_cache(model, target)
            if decorator is None:
                continue
            if not any(ctx.is_event_derived(arg.value) and not _environment_first(ctx, arg.value)
                       for arg in node.args):
                return
            self.report(
                node,
                f"`{written(node.func)}(...)` is memoised without a size limit (`@{decorator}`) "
                f"and called with event data ({ctx.scope_note()}): every distinct request adds "
                "a cache entry for the life of the execution environment; use "
                "`functools.lru_cache(maxsize=...)` or a TTL cache",
            )
            return

    examples = [
        Bad('''
            import json

            PROCESSED = []

            def lambda_handler(event, context):
                for record in event["Records"]:
                    PROCESSED.append(json.loads(record["body"]))  # expect
                return {"count": len(event["Records"])}
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                processed = []
                for record in event["Records"]:
                    processed.append(json.loads(record["body"]))
                return {"count": len(processed)}
        '''),
        Bad('''
            from collections import defaultdict, deque
            import uuid

            SESSIONS = {}
            BY_USER = defaultdict(list)
            AUDIT = deque()
            SEEN = set()

            def remember(user, item):
                BY_USER[user].append(item)  # expect

            def lambda_handler(event, context):
                SESSIONS[event["session_id"]] = event["user"]  # expect
                AUDIT.appendleft(context.aws_request_id)  # expect
                SEEN.add(uuid.uuid4())  # expect
                remember(event["user"], event["item"])
        '''),
        Bad('''
            import functools

            @functools.lru_cache(maxsize=None)
            def render(template, name):
                return template.format(name=name)

            @functools.cache
            def geocode(address):
                return address.upper()

            def lambda_handler(event, context):
                greeting = render("Hello {name}", event["name"])  # expect
                where = geocode(event["address"])  # expect
                return greeting, where, render("Hi {name}", "team")
        '''),
        Good('''
            from collections import deque
            import functools

            RECENT = deque(maxlen=100)
            BUFFER = []
            SEEN = set()

            @functools.lru_cache(maxsize=256)
            def lookup(key):
                return key.lower()

            def lambda_handler(event, context):
                RECENT.append(event["id"])
                BUFFER.append(event["id"])
                if len(SEEN) > 1000:
                    SEEN.clear()
                SEEN.add(event["id"])
                try:
                    return lookup(event["key"]), list(BUFFER)
                finally:
                    BUFFER.clear()
        '''),
        Good('''
            import os
            import boto3

            ssm = boto3.client("ssm")
            _parameters = {}
            HOOKS = []
            COUNTERS = {"calls": 0}

            def parameter(name):
                if name not in _parameters:
                    _parameters[name] = ssm.get_parameter(Name=name)["Parameter"]["Value"]
                return _parameters[name]

            def lambda_handler(event, context):
                if not HOOKS:
                    HOOKS.append(print)
                COUNTERS["calls"] += 1
                return parameter(os.environ["TABLE_PARAM"])
        '''),
        Good('''
            REGISTRY = []
            STATE = {}

            def register(name):
                REGISTRY.append(name)

            register("orders")
            register("invoices")

            def reset():
                global STATE
                STATE = {}

            def lambda_handler(event, context):
                results = []
                results.append(event["id"])
                STATE[event["id"]] = True
                reset()
                return results, REGISTRY
        '''),
    ]


def _imported_container(model: ModuleModel, name: str) -> _Container | None:
    """The container a module-level name of ``model`` imports from another module of the
    project that binds it to one (`from shared.state import SEEN`), followed through
    re-exports (`ModuleModel.origin`). Only a container its own module never mentions
    again: one that module may empty (`SEEN.clear()` in a helper of its own) is left to
    that module's check."""
    site = model.origin(cst.Name(name), None)
    if site is None or site[0] is model or site[2]:
        return None
    other, other_name, _rest = site
    container = _module_containers(other).get(other_name)
    if container is None or not _mentions_once(other, other_name):
        return None
    return _Container(name, container.sequence, container.autovivifying, other.module_name)


def _mentions_once(model: ModuleModel, name: str) -> bool:
    """Whether the module's code names ``name`` only once (where it binds it)."""
    seen = 0
    stack: list[cst.CSTNode] = [model.module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value == name:
            seen += 1
            if seen > 1:
                return False
        stack.extend(children(node))
    return True


def _module_containers(model: ModuleModel) -> dict[str, _Container]:
    """Module-level names bound to a growable container."""
    found: dict[str, _Container] = {}
    for statement in model.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
                value = small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                targets, value = [small.target], small.value
            else:
                continue
            container = _container_kind(model, value)
            for target in targets:
                if isinstance(target, cst.Name):
                    if container is None:
                        found.pop(target.value, None)
                    else:
                        found[target.value] = _Container(target.value, *container)
    return found


def _container_kind(model: ModuleModel, value: cst.BaseExpression) -> tuple[bool, bool] | None:
    """(grows by value, autovivifying) for a container-building expression."""
    if isinstance(value, _SEQUENCE_LITERALS):
        return True, False
    if isinstance(value, _KEYED_LITERALS):
        return False, False
    if not isinstance(value, cst.Call):
        return None
    qualified = model.qualify(value.func, None)
    if qualified not in CONTAINER_CONSTRUCTORS:
        return None
    if qualified in BOUNDED_DEQUES:
        maxlen = argument(value, *DEQUE_MAXLEN)
        if maxlen is not None and not is_none(maxlen.value):
            return None
        return True, False
    sequence = qualified == "builtins.list"
    return sequence, qualified in AUTOVIVIFYING_CONTAINERS


def _unbounded_cache(model, function) -> str | None:  # type: ignore[no-untyped-def]
    """How an unbounded memoising decorator of a function is written, else None."""
    for decorator in function.node.decorators:
        expr = decorator.decorator
        call = expr if isinstance(expr, cst.Call) else None
        qualified = model.qualify(call.func if call else expr, None)
        if qualified in UNBOUNDED_CACHE_DECORATORS:
            return written(expr)
        if qualified in SIZED_CACHE_DECORATORS and call is not None:
            maxsize = argument(call, *CACHE_MAXSIZE)
            if maxsize is not None and is_none(maxsize.value):
                return written(expr)
        if qualified in CACHE_INTO_ARGUMENT_DECORATORS and call is not None:
            cache = argument(call, *CACHE_INTO_ARGUMENT_DECORATORS[qualified])
            value = cache.value if cache is not None else None
            if isinstance(value, cst.Dict) and not value.elements or isinstance(value, cst.Call) and not value.args \
                    and model.qualify(value.func, None) in UNBOUNDED_CACHE_OBJECTS:
                return written(expr)
    return None


_ENV_READS = frozenset({"os.environ.get", "os.getenv"})


def _environment_first(ctx, expr: cst.BaseExpression) -> bool:  # type: ignore[no-untyped-def]
    """`os.environ.get("SECRET_NAME", event.get("secret_name"))` (or a name assigned it
    once): configuration, with the event only as a fallback; one cache entry in practice."""
    for _ in range(3):
        if isinstance(expr, cst.Call):
            return ctx.qualify(expr.func) in _ENV_READS
        if not isinstance(expr, cst.Name) or ctx.function is None:
            return False
        values = [value for names, value in ctx.function.assignments if expr.value in names]
        if len(values) != 1:
            return False
        expr = values[0]
    return False


def _index(subscript: cst.Subscript) -> cst.CSTNode | None:
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return None
    return subscript.slice[0].slice.value


def _mentions(node: cst.CSTNode, name: str) -> bool:
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            return True
        stack.extend(children(current))
    return False


def _op(node: cst.AugAssign) -> str:
    return cst.Module([]).code_for_node(node.operator).strip()
