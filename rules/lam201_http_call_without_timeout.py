"""LAM201 http-call-without-timeout."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.catalog.network import (
    REQUESTS_TIMEOUT_CALLS,
    SESSION_ADAPTER_METHODS,
    SESSION_PATCHED_METHODS,
    URLLIB3_POOL_TIMEOUT_POSITION,
    URLLIB3_POOLS,
    URLLIB3_REQUEST_METHODS,
    TimeoutParameter,
)
from lambdalint.config import Config
from lambdalint.model import ModuleModel, dotted_name
from lambdalint.walk import children

from ._network import add_timeout_fix, checked_here, has_star_args, is_none, shown_call, timeout_argument, where


class HttpCallWithoutTimeout(Rule):
    """
    ## What it does
    Flags `requests` calls that can wait forever: `requests.get`, `post`, `put`,
    `patch`, `delete`, `head`, `options` and `request`, and the same methods on a
    `requests.Session` object (however it is named, including a module-level session
    used inside the handler, a `with requests.Session() as s:` block or
    `requests.session()`), called without `timeout=` or with `timeout=None`. Also
    `request`/`urlopen` on a urllib3 pool (`urllib3.PoolManager()`, `ProxyManager`,
    `HTTPConnectionPool`) when neither the call nor the pool sets a timeout: urllib3's
    default is the socket's, no timeout at all (the vendored `cfnresponse` module
    does this).

    ## Why is this bad?
    `requests` has no default timeout: a server that accepts the connection and never
    answers keeps the call waiting until Lambda kills the invocation at the function's
    timeout. You pay for the whole wait, the caller gets a timeout instead of an error
    it can handle, the retry (SQS, async invoke) probably hangs the same way, and a
    slow dependency ties up your concurrency. A call at module scope is no better: it
    hangs the init phase, and the environment never starts serving.

    Calls are checked wherever Lambda runs them: at module scope, in the handler,
    and in helpers (the message says when the call runs on every invocation), in
    the handlers' modules and every module they import. Not flagged:
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md), a module's `if __name__ == "__main__":` block, which Lambda
    never runs, calls that pass `**kwargs` (the timeout may be
    inside), calls on a session that may have a default timeout (one with a
    transport adapter mounted, `session.mount(...)`, or whose `request` method is
    replaced, `session.request = functools.partial(session.request, timeout=5)`),
    urllib3 pools made where the rule cannot see them (a parameter, a helper's result)
    or with `**kwargs`, the top-level `urllib3.request(...)` (its default is 3 seconds),
    an explicit `timeout=None` on urllib3 (LAM203's), and other HTTP clients, which
    LAM202 and LAM203 cover. A session imported from
    another module of the checked tree is recognised (an adapter mounted on it
    there counts too), but only in files that name `requests` themselves: the
    rule's pre-scan skips the others.

    ## Fix safety
    The fix adds `timeout=<default-timeout>` (10 seconds unless the `default-timeout`
    key in `[tool.lambdalint]` says otherwise), or replaces `timeout=None` with it. It
    is unsafe: a request that used to succeed after a long wait now raises
    `requests.exceptions.Timeout`, and the right value depends on the service and on
    the function's own timeout (keep it below the function timeout, minus time for
    the rest of the work). Review each one.

    ## References
    - [requests: Timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    - [Configure Lambda function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
    - [Bandit B113: request_without_timeout](https://bandit.readthedocs.io/en/latest/plugins/b113_request_without_timeout.html)
    """

    code = "LAM201"
    name = "http-call-without-timeout"
    severity = Severity.WARNING
    fix = FixAvailability.UNSAFE
    # Every way to reach requests (or urllib3) imports it by name (`from requests import get
    # as fetch` too) ...
    words = ("requests", "urllib3")
    # ... in an import statement: library code says "requests" in every docstring.
    pattern = r"(?m)^[ \t]*(?:from[ \t]+(?:requests|urllib3)\b|import[ \t][^\n#]*\b(?:requests|urllib3)\b)"
    tags = ("reliability", "network", "timeouts")

    def scan_words(self, config: Config) -> tuple[str, ...]:
        # Calls named in `extra-timeout-calls` are reached by their own last name.
        return (*self.words, *(name.rsplit(".", 1)[-1] for name in config.extra_timeout_calls))

    def scan_pattern(self, config: Config) -> str | None:
        return None if config.extra_timeout_calls else self.pattern

    def begin_file(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().begin_file(ctx)
        self._calls = {**REQUESTS_TIMEOUT_CALLS,
                       **{name: TimeoutParameter() for name in ctx.config.extra_timeout_calls}}

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        qualified = ctx.qualify(node.func)
        parameter = self._calls.get(qualified or "")
        if parameter is None:
            self._urllib3(node, qualified)
            return
        if not checked_here(ctx) or has_star_args(node):
            return
        assert qualified is not None
        passed, arg = timeout_argument(node, parameter)
        if passed and not (arg is not None and is_none(arg.value)):
            return
        if self._has_adapter(node):
            return
        seconds = ctx.config.default_timeout
        shown = shown_call(ctx, node, qualified)
        if passed:
            problem = f"{shown} passes `timeout=None`, so it can wait forever"
        else:
            problem = f"{shown} has no timeout, so it can wait forever"
        self.report(
            node,
            f"{problem}{where(ctx)}; pass `timeout=` (seconds, below the function's own timeout)",
            fix=add_timeout_fix(node, parameter.keyword, seconds, arg if passed else None),
        )

    def _urllib3(self, node: cst.Call, qualified: str | None) -> None:
        """`http.request("GET", url)` on a `urllib3.PoolManager()` that sets no timeout
        either: urllib3 then waits as long as the socket does, forever. An explicit
        `timeout=None` is LAM203's."""
        func = node.func
        if qualified is None or not isinstance(func, cst.Attribute) or func.attr.value not in URLLIB3_REQUEST_METHODS:
            return
        pool_type = qualified[: -len(func.attr.value) - 3] if qualified.endswith("()." + func.attr.value) else None
        if pool_type not in URLLIB3_POOLS or not checked_here(self.ctx) or has_star_args(node):
            return
        if timeout_argument(node, TimeoutParameter())[0]:
            return
        pool = self._pool_constructor(func.value)
        if pool is None or has_star_args(pool):
            return  # not seen (or may pass one through `**kwargs`): it may set a timeout
        if timeout_argument(pool, TimeoutParameter(position=URLLIB3_POOL_TIMEOUT_POSITION.get(pool_type)))[0]:
            return
        shown = shown_call(self.ctx, node, qualified)
        self.report(
            node,
            f"{shown} has no timeout, and neither has its `{cst.Module([]).code_for_node(pool.func)}(...)` "
            f"pool, so it can wait forever (urllib3's default){where(self.ctx)}; pass `timeout=` "
            "(seconds, below the function's own timeout) to the request or to the pool",
            fix=add_timeout_fix(node, "timeout", self.ctx.config.default_timeout, None),
        )

    def _pool_constructor(self, receiver: cst.BaseExpression) -> cst.Call | None:
        """The call that made a urllib3 pool: inline, or the one value a local or
        module-level name (of this module or one it imports from) is assigned."""
        ctx = self.ctx
        for _ in range(4):
            if isinstance(receiver, cst.Call):
                return receiver
            if isinstance(receiver, cst.Name) and _bound_once_to(ctx, receiver.value) is not None:
                receiver = _bound_once_to(ctx, receiver.value)  # type: ignore[assignment]
                continue
            site = ctx.model.origin(receiver, ctx.function)
            if site is None or site[2]:
                return None
            value = site[0].summary.module_scope.bindings.get(site[1])
            if not isinstance(value, cst.BaseExpression) or not _assigned_once(site[0], site[1]):
                return None
            receiver = value
        return None

    def _has_adapter(self, call: cst.Call) -> bool:
        """`session.mount(...)` somewhere in the module (the adapter may set a timeout),
        or `session.request = functools.partial(session.request, timeout=5)`; for a
        session imported from another module, in that module too."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return False
        receiver = dotted_name(func.value)
        if receiver is None:
            return False
        if receiver in self._adapted(self.ctx.model):
            return True
        site = self.ctx.model.origin(func.value, self.ctx.function)
        if site is None or site[0] is self.ctx.model:
            return False
        return site[1] + site[2] in self._adapted(site[0])

    def _adapted(self, model: ModuleModel) -> set[str]:
        return self.ctx.kept("LAM201: receivers given a timeout adapter", model, lambda: _adapted_receivers(model))

    examples = [
        Bad('''
            import json
            import urllib3

            http = urllib3.PoolManager()

            def send(event, context, status):
                body = json.dumps({"Status": status, "RequestId": event["RequestId"]})
                http.request("PUT", event["ResponseURL"], body=body, headers={"content-type": ""})  # expect
        '''),
        Good('''
            import json
            import urllib3

            http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=10.0))

            def send(event, context, status):
                body = json.dumps({"Status": status, "RequestId": event["RequestId"]})
                http.request("PUT", event["ResponseURL"], body=body, headers={"content-type": ""})
                urllib3.PoolManager().request("GET", "https://example.com/health", timeout=3.0)
        '''),
        Bad('''
            from mycorp.http import fetch

            def lambda_handler(event, context):
                return fetch("https://inventory.internal/items")  # expect
        ''', config={"extra-timeout-calls": ["mycorp.http.fetch"]}),
        Bad('''
            import requests

            def lambda_handler(event, context):
                response = requests.get("https://api.example.com/rates")  # expect
                return response.json()
        '''),
        Good('''
            import requests

            def lambda_handler(event, context):
                response = requests.get("https://api.example.com/rates", timeout=5)
                return response.json()
        '''),
        Bad('''
            import requests
            import requests as r
            from requests import post as send

            http = requests.Session()

            def notify(payload):
                return http.post("https://hooks.example.com", json=payload)  # expect

            def lambda_handler(event, context):
                r.request("GET", "https://api.example.com", timeout=None)  # expect
                send("https://audit.example.com", data=b"x")  # expect
                notify(event)
        '''),
        Bad('''
            import requests

            CATALOG = requests.get("https://config.example.com/catalog.json").json()  # expect

            def lambda_handler(event, context):
                with requests.Session() as session:
                    return session.get(event["url"]).status_code  # expect
        '''),
        Bad('''
            import requests

            def fetch(url):
                s = requests.session()
                return s.get(url).text  # expect
        '''),
        Good('''
            import requests

            DEFAULTS = {"timeout": 5}

            def call(url, **kwargs):
                return requests.get(url, **kwargs)

            def lambda_handler(event, context):
                return call("https://api.example.com", timeout=3), requests.post(
                    "https://api.example.com", **DEFAULTS
                )
        '''),
        Good('''
            import requests
            from requests.adapters import HTTPAdapter

            class TimeoutAdapter(HTTPAdapter):
                def send(self, request, **kwargs):
                    kwargs.setdefault("timeout", 5)
                    return super().send(request, **kwargs)

            session = requests.Session()
            session.mount("https://", TimeoutAdapter())

            def lambda_handler(event, context):
                return session.get("https://api.example.com").json()
        '''),
        Good('''
            import functools
            import requests

            http = requests.Session()
            http.request = functools.partial(http.request, timeout=5)

            def lambda_handler(event, context):
                return http.get("https://api.example.com").json()
        '''),
        Good('''
            import httpx
            import requests

            TIMEOUT = (3.05, 10)

            def lambda_handler(event, context):
                a = requests.get("https://a.example.com", timeout=TIMEOUT)
                b = httpx.get("https://b.example.com")  # httpx has a 5 s default
                cache = {}
                c = cache.get("https://c.example.com")
                return a, b, c
        '''),
        Good('''
            import requests

            def test_rates_endpoint(requests_mock):
                requests_mock.get("https://api.example.com/rates", json={})
                assert requests.get("https://api.example.com/rates").json() == {}
        ''', path="tests/test_rates.py"),
        Fixed(
            before='''
            import requests

            def lambda_handler(event, context):
                a = requests.get("https://a.example.com")
                b = requests.post("https://b.example.com", json=event, timeout=None)
                return a, b
            ''',
            after='''
            import requests

            def lambda_handler(event, context):
                a = requests.get("https://a.example.com", timeout=10)
                b = requests.post("https://b.example.com", json=event, timeout=10)
                return a, b
            ''',
            unsafe=True,
        ),
        Fixed(
            before='''
            import requests

            session = requests.Session()

            def lambda_handler(event, context):
                return session.post(
                    "https://api.example.com/orders",
                    json=event,
                )
            ''',
            after='''
            import requests

            session = requests.Session()

            def lambda_handler(event, context):
                return session.post(
                    "https://api.example.com/orders",
                    json=event,
                    timeout=2.5,
                )
            ''',
            unsafe=True,
            config={"default-timeout": 2.5},
        ),
    ]


def _adapted_receivers(model) -> set[str]:  # type: ignore[no-untyped-def]
    """Receivers (as written) that a module mounts an adapter on or patches."""
    return {
        dotted_name(c.func.value) or ""
        for c in _all_calls(model)
        if isinstance(c.func, cst.Attribute) and c.func.attr.value in SESSION_ADAPTER_METHODS
    } | _patched_sessions(model.module)


def _all_calls(model) -> list[cst.Call]:  # type: ignore[no-untyped-def]
    summary = model.summary
    calls = list(summary.module_calls)
    for function in summary.functions.values():
        calls.extend(function.calls)
    return calls


def _patched_sessions(module: cst.Module) -> set[str]:
    """Receivers whose request method is replaced: `s.request = partial(s.request, timeout=5)`."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Attribute) \
                and node.target.attr.value in SESSION_PATCHED_METHODS:
            found.add(dotted_name(node.target.value) or "")
        stack.extend(children(node))
    return found


def _bound_once_to(ctx, name: str) -> cst.BaseExpression | None:  # type: ignore[no-untyped-def]
    """The value of a local of the current function assigned exactly once."""
    function = ctx.function
    if function is None or name not in function.scope.bindings:
        return None
    values = [value for targets, value in function.assignments if name in targets]
    value = function.scope.bindings.get(name)
    return value if len(values) == 1 and isinstance(value, cst.Call) else None


def _assigned_once(model, name: str) -> bool:  # type: ignore[no-untyped-def]
    """A module-level name no function rebinds (`global`) and assigned once at module scope."""
    if any(name in f.scope.global_names for f in model.functions.values()):
        return False
    count = 0
    for statement in model.module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    count += 1
    return count == 1
