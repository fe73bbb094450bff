"""LAM904 loop-bound-client-at-module-scope."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.concurrency import LOOP_BOUND_CLIENTS
from lambdalint.model import display_name

from ._async import assigned_name, per_invocation_loops
from ._logging import written


class LoopBoundClientAtModuleScope(Rule):
    """
    ## What it does
    Flags an `aiohttp.ClientSession` (or `TCPConnector`), an `httpx.AsyncClient`, an
    `aioboto3`/`aiobotocore` client or a `redis.asyncio` client kept in a module-level
    variable (created at module scope, or assigned to a `global` inside a function)
    when a coroutine that a handler runs with `asyncio.run(...)` uses that variable,
    in the same module or through an import from another module of the checked tree.

    ## Why is this bad?
    These clients belong to the event loop they are created or first used on: their
    connection pools, timers and futures live on that loop. `asyncio.run(...)` creates
    a new loop on every call and closes it at the end, so with `asyncio.run` in the
    handler every invocation has its own loop. The first invocation works; from the
    second on, the module-level client still points at the first, closed loop and
    fails with `RuntimeError: Event loop is closed` or "attached to a different loop",
    on warm invocations only, which makes the bug look intermittent. Create the client
    inside the coroutine (`async with aiohttp.ClientSession() as session:`), or keep
    one event loop for the whole environment (create it at module scope with
    `asyncio.new_event_loop()` and run every invocation on it with
    `loop.run_until_complete(...)`), and then keep the client too.

    Not flagged: clients created inside the coroutine, module-level clients of code
    that runs every invocation on one long-lived loop, an `aioboto3.Session()` at
    module scope (a session holds no connections; its clients do), clients only
    module-scope code uses, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: moving the client into the coroutine, or switching to one
    long-lived loop, changes how connections are reused.

    ## References
    - [`asyncio.run`: creates a new event loop and closes it at the end](https://docs.python.org/3/library/asyncio-runner.html#asyncio.run)
    - [aiohttp client quickstart: make a session inside a coroutine](https://docs.aiohttp.org/en/stable/client_quickstart.html#make-a-request)
    - [Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
    """

    code = "LAM904"
    name = "loop-bound-client-at-module-scope"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    # The constructor's own name, or the package named in its import.
    words = ("ClientSession", "TCPConnector", "AsyncClient", "aioboto3", "aiobotocore", "asyncio")
    tags = ("correctness", "async")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        qualified = ctx.qualify(node.func)
        if qualified not in LOOP_BOUND_CLIENTS:
            return
        name = assigned_name(ctx, node)
        if name is None:
            return
        function = ctx.function
        if function is not None and name not in function.scope.global_names:
            return
        loops = per_invocation_loops(ctx)
        use = loops.uses.get((id(ctx.model), name)) if loops is not None else None
        if use is None:
            return
        runner = display_name(use.runner_model, use.runner).rsplit(".", 1)[-1]
        kept = "created at module scope" if function is None else f"kept in the module-level `{name}`"
        self.report(
            node,
            f"`{written(node.func)}(...)` is {kept} but coroutine `{use.user.name}` uses it under "
            f"`asyncio.run(...)` in `{runner}`, which starts a new event loop per invocation: from "
            "the second invocation on, the client is bound to a closed loop; create it inside the "
            "coroutine (`async with ...`), or run every invocation on one long-lived loop",
        )

    examples = [
        Bad('''
            import asyncio
            import aiohttp

            session = aiohttp.ClientSession()  # expect

            async def fetch(url):
                async with session.get(url) as response:
                    return await response.text()

            def lambda_handler(event, context):
                return asyncio.run(fetch(event["url"]))
        '''),
        Good('''
            import asyncio
            import aiohttp

            async def fetch(url):
                async with aiohttp.ClientSession() as session:
                    async with session.get(url) as response:
                        return await response.text()

            def lambda_handler(event, context):
                return asyncio.run(fetch(event["url"]))
        '''),
        Bad('''
            import asyncio
            import httpx

            _client = None

            async def get_client():
                global _client
                if _client is None:
                    _client = httpx.AsyncClient(timeout=5)  # expect
                return _client

            async def main(event):
                client = await get_client()
                return (await client.get(event["url"])).status_code

            def handler(event, context):
                return asyncio.run(main(event))
        '''),
        Bad('''
            import asyncio
            from shared.http import http

            async def call(url):
                response = await http.get(url)
                return response.json()

            def lambda_handler(event, context):
                return asyncio.run(call(event["url"]))
        ''', files={"shared/http.py": '''
            import httpx

            http = httpx.AsyncClient(timeout=10)  # expect
        '''}),
        Good('''
            import asyncio
            import aiohttp

            loop = asyncio.new_event_loop()
            session = aiohttp.ClientSession(loop=loop)

            async def fetch(url):
                async with session.get(url) as response:
                    return await response.text()

            def lambda_handler(event, context):
                return loop.run_until_complete(fetch(event["url"]))
        '''),
        Good('''
            import asyncio
            import aioboto3

            boto_session = aioboto3.Session()

            async def list_buckets():
                async with boto_session.client("s3") as s3:
                    return await s3.list_buckets()

            def lambda_handler(event, context):
                return asyncio.run(list_buckets())
        '''),
    ]
