"""LAM103 async-handler."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.model import ModuleModel, foreign_decorators


def _keeps_coroutine(model: ModuleModel, decorator: cst.BaseExpression) -> bool:
    """A project decorator whose wrappers are all `async def` returns a coroutine function too."""
    qualified = model.qualify(decorator, None)
    if not qualified or model.project is None:
        return False
    targets = model.project.resolve(model, qualified)
    return bool(targets) and all(
        target.nested and all(inner.is_async for inner in target.nested)
        for _target_model, target, _bound in targets
    )


class AsyncHandler(Rule):
    """
    ## What it does
    Flags a handler (named in config or a deployment template, or found by its
    `(event, context)` parameters, its name or a Lambda decorator) defined with
    `async def`.

    ## Why is this bad?
    The Python runtime calls the handler as a plain function and serialises what it
    returns to JSON. Calling an `async def` only creates a coroutine object: none of
    its body runs and nothing ever awaits it, so the event is never processed, Python
    warns "coroutine was never awaited", and the invocation fails with
    `Runtime.MarshalError` because a coroutine is not JSON serialisable. Keep the
    handler a plain `def` and run the asynchronous code from it with
    `asyncio.run(...)`.

    Not flagged: Powertools event-handler routes and batch record handlers (the
    Powertools async resolvers and `async_process_partial_response` await them), async
    helpers the handler runs with `asyncio.run`, and handlers wrapped by a decorator
    that is not a known Lambda decorator, which may itself turn the coroutine function
    into a synchronous one (a decorator of the checked tree whose wrapper is itself an
    `async def` does not, and is still flagged). Nor is code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: renaming the coroutine and adding a synchronous wrapper changes
    the function the deployment points to, which a reviewer should do by hand.

    ## References
    - [Define Lambda function handler in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)
    - [asyncio.run](https://docs.python.org/3/library/asyncio-runner.html#asyncio.run)
    """

    code = "LAM103"
    name = "async-handler"
    scope_only = True
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("async",)
    tags = ("correctness", "async")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        ctx = self.ctx
        function = ctx.model.function_for(node)
        if function is None:
            return
        entry = ctx.model.entry_point_for(function)
        if entry is None or entry.kind != "handler":
            return
        if any(not _keeps_coroutine(ctx.model, d) for d in foreign_decorators(ctx.model, function)):
            return  # may run the coroutine itself (`asyncio.run` in a sync wrapper)
        name = node.name.value
        self.report(
            node.name,
            f"handler `{name}` ({entry.describe()}) is an `async def`: Lambda calls it "
            "without awaiting, so its body never runs; make it a plain `def` that runs "
            "the coroutine with `asyncio.run(...)`",
        )

    examples = [
        Bad('''
            import asyncio

            async def lambda_handler(event, context):  # expect
                await asyncio.sleep(0)
                return {"ok": True}
        '''),
        Good('''
            import asyncio

            async def process(event):
                await asyncio.sleep(0)
                return {"ok": True}

            def lambda_handler(event, context):
                return asyncio.run(process(event))
        '''),
        Bad('''
            import aiohttp

            async def main(event, context):  # expect
                async with aiohttp.ClientSession() as session:
                    async with session.get(event["url"]) as response:
                        return await response.text()
        '''),
        Bad('''
            async def process(payload, runtime_context):  # expect
                return payload
        ''', config={"handlers": ["app.py:process"]}),
        Bad('''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context
            async def handler(event, context):  # expect
                return event
        '''),
        Bad('''
            import functools
            import time

            def timed(fn):
                @functools.wraps(fn)
                async def wrapper(event, context):
                    start = time.monotonic()
                    try:
                        return await fn(event, context)
                    finally:
                        print("took", time.monotonic() - start)
                return wrapper

            @timed
            async def lambda_handler(event, context):  # expect
                return event
        '''),
        Good('''
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            app = APIGatewayRestResolver()

            @app.get("/orders/<order_id>")
            async def get_order(order_id):
                return {"id": order_id}

            def lambda_handler(event, context):
                return app.resolve(event, context)
        '''),
        Good('''
            from aws_lambda_powertools.utilities.batch import (
                AsyncBatchProcessor,
                EventType,
                async_process_partial_response,
            )

            processor = AsyncBatchProcessor(event_type=EventType.SQS)

            async def record_handler(record):
                return record.body

            def lambda_handler(event, context):
                return async_process_partial_response(
                    event=event, record_handler=record_handler, processor=processor, context=context
                )
        '''),
        Good('''
            import asyncio
            import functools

            def run_async(fn):
                @functools.wraps(fn)
                def wrapper(event, context):
                    return asyncio.run(fn(event, context))
                return wrapper

            @run_async
            async def lambda_handler(event, context):
                return event
        '''),
        Good('''
            import asyncio

            class Worker:
                async def handler(self, event, context):
                    return event

            def lambda_handler(event, context):
                return asyncio.run(Worker().handler(event, context))
        '''),
    ]
