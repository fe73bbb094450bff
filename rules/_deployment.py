"""What the LAM0xx rules ask about a deployed function's code.

- ``deployed_handlers``: template functions whose handler is a function of the
  checked tree, with that function's entry point;
- ``Network``: which calls go over the network (`Network.calls`: those in a
  handler's invocation scope);
- ``TimeoutBudget``: the longest a handler can wait on the network along one
  path through its code, counting only timeouts written as literals (with the
  AWS SDK's retries), and which calls make up that path.

All of it reads the execution model (entry points, invocation scope, call
resolution); nothing here keeps its own idea of what the handler is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

import libcst as cst

from lambdalint.catalog import CONNECTION_CONSTRUCTORS
from lambdalint.catalog import templates as facts
from lambdalint.literals import number_value, simple_value
from lambdalint.model import EntryPoint, FunctionInfo, ModuleModel, Project
from lambdalint.templates import CDK, CDK_TS, CLOUDFORMATION, SERVERLESS, TERRAFORM, Deployment, TemplateFunction
from lambdalint.walk import children

# -- the deployed handlers ------------------------------------------------------------


def deployed_handlers(
    deployment: Deployment,
) -> Iterator[tuple[TemplateFunction, ModuleModel, FunctionInfo, EntryPoint]]:
    """Python functions of the templates whose handler the checked tree defines."""
    for function in deployment.functions:
        if function.target is None or not function.is_python:
            continue
        model, info = function.target
        entry = model.entry_point_for(info)
        if entry is not None:
            yield function, model, info, entry


def line_of(model: ModuleModel, node: cst.CSTNode) -> int:
    """The line of a node, resolving positions once per module and only when asked."""
    return model.line_of(node)


def code_of(model: ModuleModel, node: cst.CSTNode, limit: int = 40) -> str:
    text = " ".join(model.module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def seconds(value: float) -> str:
    """`10 s`, `2.5 s`."""
    return f"{int(value)} s" if float(value).is_integer() else f"{value:g} s"


# -- network calls ----------------------------------------------------------------------------


def _region(function: FunctionInfo) -> Iterator[FunctionInfo]:
    stack = [function]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.nested)


def _binding(model: ModuleModel, function: FunctionInfo | None, name: str) -> object:
    scope = function.scope if function is not None else model.summary.module_scope
    while scope is not None:
        if name in scope.bindings:
            return scope.bindings[name]
        scope = scope.parent
    return None


Site = tuple[ModuleModel, Union[FunctionInfo, None], cst.Call]


def sdk_client_call(project: Project, model: ModuleModel, function: FunctionInfo | None,
                    expr: cst.BaseExpression, constructors: frozenset[str], depth: int = 0,
                    memo: dict[int, Site | None] | None = None) -> Site | None:
    """The call that built the AWS SDK client or resource an expression refers to, with
    the module and function it is in: through names, `.Table(...)`-style factories, and
    project functions that return one (a lazily initialised client included)."""
    if depth > 8:
        return None
    memo = {} if memo is None else memo
    if id(expr) in memo:
        return memo[id(expr)]
    memo[id(expr)] = None  # a cycle ends here
    found = _sdk_client_call(project, model, function, expr, constructors, depth, memo)
    memo[id(expr)] = found
    return found


def _sdk_client_call(project: Project, model: ModuleModel, function: FunctionInfo | None,
                     expr: cst.BaseExpression, constructors: frozenset[str], depth: int,
                     memo: dict[int, Site | None]) -> Site | None:
    if isinstance(expr, cst.Call):
        qualified = model.qualify(expr.func, function) or ""
        if qualified in constructors:
            return model, function, expr
        for target_model, target, _ in project.call_targets(model, expr, function):
            for returned in target.returns:
                found = sdk_client_call(project, target_model, target, returned, constructors, depth + 1, memo)
                if found is not None:
                    return found
        # `dynamodb.Table("orders")`, `s3.Bucket(name).Object(key)`, `client.get_paginator(...)`:
        # objects whose methods call AWS. The result of an operation (`table.get_item(...)`,
        # then `.get("Item")` on it) is data, not a client.
        if isinstance(expr.func, cst.Attribute) and (
                expr.func.attr.value[:1].isupper() or expr.func.attr.value in facts.SDK_FACTORY_METHODS):
            return sdk_client_call(project, model, function, expr.func.value, constructors, depth + 1, memo)
        return None
    if isinstance(expr, cst.Name):
        bound = _binding(model, function, expr.value)
        if isinstance(bound, cst.BaseExpression):
            scope_function = _binding_owner(model, function, expr.value)
            return sdk_client_call(project, model, scope_function, bound, constructors, depth + 1, memo)
    if isinstance(expr, cst.Await):
        return sdk_client_call(project, model, function, expr.expression, constructors, depth + 1, memo)
    return None


def _binding_owner(model: ModuleModel, function: FunctionInfo | None, name: str) -> FunctionInfo | None:
    """The function whose scope binds a name (None: the module)."""
    current = function
    while current is not None:
        if name in current.scope.global_names:
            return None
        if name in current.scope.bindings:
            return current
        current = current.parent
    return None


@dataclass(frozen=True)
class NetworkCall:
    model: ModuleModel
    function: FunctionInfo
    call: cst.Call

    def describe(self) -> str:
        return f"`{code_of(self.model, self.call.func)}` at {self.model.rel_path}:{line_of(self.model, self.call)}"


class Network:
    """Which calls go over the network, for one run (knows the configured extra clients)."""

    def __init__(self, extra_clients: list[str]) -> None:
        self.client_constructors = facts.SDK_CLIENT_CONSTRUCTORS | frozenset(extra_clients)
        self._client_prefixes = tuple(c + "()" for c in self.client_constructors)
        self._sites: dict[int, Site | None] = {}  # id(expression) -> where its client was built

    def is_network(self, project: Project, model: ModuleModel, function: FunctionInfo, call: cst.Call) -> bool:
        qualified = model.qualify(call.func, function) or ""
        if qualified in facts.TIMEOUT_CALLS or self.is_sdk_operation(qualified) or _is_other_network(qualified):
            return True
        return self.sdk_client(project, model, function, call) is not None

    def sdk_client(self, project: Project, model: ModuleModel, function: FunctionInfo,
                   call: cst.Call) -> Site | None:
        """For `<client>.<operation>(...)`, where the client was built."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if not method[:1].islower() or method in facts.SDK_LOCAL_METHODS:
            return None
        return sdk_client_call(project, model, function, func.value, self.client_constructors, memo=self._sites)

    def is_sdk_operation(self, qualified: str) -> bool:
        """`boto3.client().get_object`, `boto3.resource().Table().get_item`: a request to AWS."""
        receiver, _, method = qualified.rpartition(".")
        if not receiver.endswith("()") or not method or not method[0].islower():
            return False
        if method in facts.SDK_LOCAL_METHODS:
            return False
        prefix = next((p for p in self._client_prefixes if receiver.startswith(p)), None)
        if prefix is None:
            return False
        # Between the client and the method: sub-resources (`Table()`), paginators and
        # waiters, attributes (`meta.client`, `objects`); not an operation, whose result
        # (`get_item().get`) is data.
        return all(not segment.endswith("()") or segment[:1].isupper() or segment[:-2] in facts.SDK_FACTORY_METHODS
                   for segment in receiver[len(prefix):].split(".") if segment)

    def calls(self, project: Project, model: ModuleModel, function: FunctionInfo) -> Iterator[NetworkCall]:
        """Network calls in the invocation scope of one handler, handler first."""
        for target_model, target in project.reachable_from(model, function):
            for region in _region(target):
                for call in region.calls:
                    if self.is_network(project, target_model, region, call):
                        yield NetworkCall(target_model, region, call)


def _is_other_network(qualified: str) -> bool:
    if qualified in CONNECTION_CONSTRUCTORS:
        return qualified.endswith(".connect")  # database drivers connect right away
    if not qualified.startswith(facts.NETWORK_CALL_PREFIXES):
        return False
    last = qualified.rsplit(".", 1)[-1]
    return bool(last) and last[0].islower() and last not in facts.LOCAL_METHODS


# -- the timeout budget ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One call on the longest path, and how long it can wait."""

    model: ModuleModel
    call: cst.Call
    seconds: float
    how: str  # "timeout=10", "2 s connect + 5 s read, 3 attempts"

    def describe(self) -> str:
        return (f"`{code_of(self.model, self.call.func)}` {seconds(self.seconds)} ({self.how}) "
                f"at {self.model.rel_path}:{line_of(self.model, self.call)}")


@dataclass(frozen=True)
class Wait:
    seconds: float = 0.0
    steps: tuple[Step, ...] = ()

    def then(self, other: Wait) -> Wait:
        if not other.steps:
            return self
        if not self.steps:
            return other
        return Wait(self.seconds + other.seconds, self.steps + other.steps)


EMPTY = Wait()


def _longest(paths: list[Wait]) -> Wait:
    return max(paths, key=lambda p: p.seconds, default=EMPTY)


Node = Union[cst.CSTNode, None]
# The nodes `TimeoutBudget` does not just walk through.
_SPECIAL = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.If, cst.IfExp, cst.Try, cst.TryStar, cst.Match,
                      cst.Call})


class TimeoutBudget:
    """The longest wait along one path through a handler's code, from literal timeouts.

    Statements in sequence add up; the branches of an `if`, a `match`, an
    `x if c else y` and the handlers of a `try` are alternatives (the longest
    counts); a loop body counts once; a call adds the longest path through
    the project function it calls; `asyncio.gather(...)` counts its slowest
    argument. Only timeouts written as literals (or module constants bound to
    one) count: a call without one adds nothing, so the total is a lower bound
    of the real worst case.
    """

    def __init__(self, project: Project, network: Network) -> None:
        self.project = project
        self.network = network
        self._memo: dict[int, Wait] = {}
        self._active: set[int] = set()

    def of(self, model: ModuleModel, function: FunctionInfo) -> Wait:
        key = id(function)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return EMPTY  # recursion: counted once
        if not function.calls:
            return EMPTY  # only calls wait (`function.calls` holds every call of its body)
        self._active.add(key)
        try:
            path = self._node(model, function, function.node.body)
        except RecursionError:
            path = EMPTY
        finally:
            self._active.discard(key)
        self._memo[key] = path
        return path

    # -- statements and expressions ---------------------------------------------------------

    def _all(self, model: ModuleModel, function: FunctionInfo, nodes: list[Node]) -> Wait:
        path = EMPTY
        for node in nodes:
            if node is not None:
                path = path.then(self._node(model, function, node))
        return path

    def _node(self, model: ModuleModel, function: FunctionInfo, node: cst.CSTNode) -> Wait:
        if type(node) not in _SPECIAL:
            # Most nodes: their children in sequence. Tested on the exact type first
            # (LibCST's node classes have no subclasses): `isinstance` through LibCST's
            # abstract base classes costs several times more, on every node of a
            # handler and of the functions it calls.
            return self._all(model, function, children(node))
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return EMPTY  # defined here, runs when called
        if isinstance(node, cst.If):
            return self._node(model, function, node.test).then(_longest([
                self._node(model, function, node.body),
                self._node(model, function, node.orelse) if node.orelse is not None else EMPTY,
            ]))
        if isinstance(node, cst.IfExp):
            return self._node(model, function, node.test).then(_longest([
                self._node(model, function, node.body), self._node(model, function, node.orelse),
            ]))
        if isinstance(node, (cst.Try, cst.TryStar)):
            handlers = [self._node(model, function, h) for h in node.handlers]
            orelse = self._node(model, function, node.orelse) if node.orelse is not None else EMPTY
            final = self._node(model, function, node.finalbody) if node.finalbody is not None else EMPTY
            return self._node(model, function, node.body).then(_longest([orelse, *handlers])).then(final)
        if isinstance(node, cst.Match):
            cases = [self._node(model, function, case) for case in node.cases]
            return self._node(model, function, node.subject).then(_longest(cases))
        assert isinstance(node, cst.Call)
        return self._call(model, function, node)

    def _call(self, model: ModuleModel, function: FunctionInfo, call: cst.Call) -> Wait:
        qualified = model.qualify(call.func, function) or ""
        arguments = [self._node(model, function, arg.value) for arg in call.args]
        before = self._node(model, function, call.func)  # `a().b()`: `a()` runs first
        if qualified in facts.CONCURRENT_CALLS:
            before = before.then(_longest(arguments))
        else:
            for argument in arguments:
                before = before.then(argument)
        own = self._own(model, function, call, qualified)
        targets = [self.of(target_model, target)
                   for target_model, target, _ in self.project.call_targets(model, call, function)]
        return before.then(own).then(_longest(targets))

    # -- one call's own wait -----------------------------------------------------------------------

    def _own(self, model: ModuleModel, function: FunctionInfo, call: cst.Call, qualified: str) -> Wait:
        if qualified in facts.TIMEOUT_CALLS:
            value = _argument(call, "timeout", facts.TIMEOUT_CALLS[qualified])
            wait = literal_seconds(model, function, value) if value is not None else None
            if wait:
                shown = code_of(model, value, 20) if value is not None else ""
                return Wait(wait, (Step(model, call, wait, f"timeout={shown}"),))
            return EMPTY
        site = self.network.sdk_client(self.project, model, function, call)
        if site is not None:
            return self._sdk(model, call, site)
        return EMPTY

    def _sdk(self, model: ModuleModel, call: cst.Call, site: Site) -> Wait:
        client_model, client_function, client = site
        config = _argument(client, "config", None)
        config_call = _config_call(client_model, client_function, config) if config is not None else None
        if config_call is None:
            return EMPTY
        connect = _literal_keyword(client_model, client_function, config_call, facts.SDK_CONNECT_TIMEOUT)
        read = _literal_keyword(client_model, client_function, config_call, facts.SDK_READ_TIMEOUT)
        if not connect and not read:
            return EMPTY
        attempts = _attempts(config_call, _service(client))
        if attempts is None:
            return EMPTY
        per_attempt = (connect or 0) + (read or 0)
        parts = []
        if connect:
            parts.append(f"{seconds(connect)} connect")
        if read:
            parts.append(f"{seconds(read)} read")
        how = " + ".join(parts) + f", {attempts} attempt{'s' if attempts != 1 else ''}"
        total = per_attempt * attempts
        return Wait(total, (Step(model, call, total, how),))


def _argument(call: cst.Call, keyword: str, position: int | None) -> cst.BaseExpression | None:
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif arg.star:
            return None
        else:
            if position is not None and positional == position:
                return arg.value
            positional += 1
    return None


def literal_seconds(model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression,
                    depth: int = 0) -> float | None:
    """A timeout written as a number, a `(connect, read)` pair, a timeout object with a
    literal total, or a name bound to one of those."""
    if depth > 4:
        return None
    if isinstance(expr, (cst.Integer, cst.Float)):
        value = number_value(expr)
        return float(value) if value > 0 else None
    if isinstance(expr, cst.Tuple) and len(expr.elements) == 2:
        values = [literal_seconds(model, function, e.value, depth + 1) for e in expr.elements]
        return sum(values) if all(v is not None for v in values) else None  # type: ignore[arg-type]
    if isinstance(expr, cst.Name):
        bound = _binding(model, function, expr.value)
        if isinstance(bound, cst.BaseExpression):
            return literal_seconds(model, function, bound, depth + 1)
        return None
    if isinstance(expr, cst.Call) and (model.qualify(expr.func, function) or "") in facts.TIMEOUT_OBJECTS:
        for keyword in facts.TIMEOUT_OBJECT_TOTAL_KEYWORDS:
            value = _argument(expr, keyword, None)
            if value is not None:
                return literal_seconds(model, function, value, depth + 1)
        first = _argument(expr, "", 0)
        return literal_seconds(model, function, first, depth + 1) if first is not None else None
    return None


def _config_call(model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression,
                 depth: int = 0) -> cst.Call | None:
    if depth > 4:
        return None
    if isinstance(expr, cst.Call):
        return expr if (model.qualify(expr.func, function) or "") in facts.SDK_CONFIG_CLASSES else None
    if isinstance(expr, cst.Name):
        bound = _binding(model, function, expr.value)
        if isinstance(bound, cst.BaseExpression):
            return _config_call(model, function, bound, depth + 1)
    return None


def _literal_keyword(model: ModuleModel, function: FunctionInfo | None, call: cst.Call,
                     keyword: str) -> float | None:
    value = _argument(call, keyword, None)
    return literal_seconds(model, function, value) if value is not None else None


def _service(client: cst.Call) -> str:
    value = _argument(client, "service_name", 0)
    if isinstance(value, cst.SimpleString) and isinstance(simple_value(value), str):
        return simple_value(value)
    return ""


def _attempts(config: cst.Call, service: str) -> int | None:
    """Attempts per call under this Config: its `retries`, else botocore's defaults."""
    retries = _argument(config, "retries", None)
    mode = facts.SDK_DEFAULT_RETRY_MODE
    total: int | None = None
    if retries is not None:
        if not isinstance(retries, cst.Dict):
            return None
        for element in retries.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                return None
            key = simple_value(element.key)
            value = element.value
            if key == "mode" and isinstance(value, cst.SimpleString):
                mode = str(simple_value(value))
            elif key in ("total_max_attempts", "max_attempts"):
                if not isinstance(value, cst.Integer):
                    return None
                count = int(number_value(value))
                count = count if key == "total_max_attempts" else count + 1
                if key == "total_max_attempts" or total is None:
                    total = count
    if total is not None:
        return max(total, 1)
    if (mode, service) in facts.SDK_SERVICE_ATTEMPTS:
        return facts.SDK_SERVICE_ATTEMPTS[(mode, service)]
    return facts.SDK_DEFAULT_ATTEMPTS.get(mode)


# -- per run ----------------------------------------------------------------------------------------


def network_of(deployment: Deployment) -> Network:
    """The run's network-call knowledge (with the configured `extra-clients`), built once."""
    if "network" not in deployment.cache:
        extra = deployment.config.extra_clients if deployment.config is not None else []
        deployment.cache["network"] = Network(list(extra))
    return deployment.cache["network"]


def budget_of(deployment: Deployment) -> TimeoutBudget:
    """One TimeoutBudget per run, shared by LAM003 and LAM004."""
    if "budget" not in deployment.cache:
        assert deployment.project is not None
        deployment.cache["budget"] = TimeoutBudget(deployment.project, network_of(deployment))
    return deployment.cache["budget"]


def over_budget(deployment: Deployment, function: TemplateFunction, model: ModuleModel,
                info: FunctionInfo) -> Wait | None:
    """The longest literal wait of a handler when it exceeds the function's timeout."""
    limit = function.timeout_seconds
    if limit is None:
        return None
    wait = budget_of(deployment).of(model, info)
    return wait if wait.seconds > limit else None


def default_timeout_name(function: TemplateFunction) -> str:
    """"Lambda's default timeout" or "the Serverless Framework's default timeout"."""
    if function.template.kind == SERVERLESS:
        return "the Serverless Framework's default timeout"
    return "Lambda's default timeout"


def setting_name(function: TemplateFunction, setting: str) -> str:
    """How the function's template spells a setting: `Timeout`, `timeout`, `timeout=`."""
    names = _SETTING_NAMES[function.template.kind]
    return names.get(setting, setting)


_SETTING_NAMES = {
    CLOUDFORMATION: {"timeout": "`Timeout`", "partial": "`FunctionResponseTypes: [ReportBatchItemFailures]`"},
    SERVERLESS: {"timeout": "`timeout`", "partial": "`functionResponseType: ReportBatchItemFailures`"},
    CDK: {"timeout": "`timeout=Duration.seconds(...)`", "partial": "`report_batch_item_failures=True`"},
    CDK_TS: {"timeout": "`timeout: Duration.seconds(...)`", "partial": "`reportBatchItemFailures: true`"},
    TERRAFORM: {"timeout": "`timeout`", "partial": '`function_response_types = ["ReportBatchItemFailures"]`'},
}
