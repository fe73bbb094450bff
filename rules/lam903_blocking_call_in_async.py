"""LAM903 blocking-call-in-async."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.concurrency import (
    BLOCKING_CALLS,
    EXECUTOR_OFFLOAD_METHOD,
    PARTIAL,
    S3_BODY_KEY,
    S3_GET_OPERATIONS,
    S3_RESOURCE_GET,
    SDK_LOCAL_ATTRIBUTES,
    SDK_LOCAL_METHODS,
    STREAMING_BODY_READS,
    SYNC_HTTP_METHODS,
    SYNC_HTTP_OBJECTS,
    SYNC_SDK_OBJECTS,
    THREAD_OFFLOADERS,
)
from lambdalint.literals import simple_value

from ._async import in_coroutine
from ._logging import written

_MAX_HOPS = 4
_SDK_ADVICE = "an async client (aioboto3, aiobotocore) or `await asyncio.to_thread(...)`"
_BODY_ADVICE = "`await asyncio.to_thread(body.read)` or an async client"


class BlockingCallInAsync(Rule):
    """
    ## What it does
    Flags blocking calls written directly in the body of an `async def` that a
    handler runs (through `asyncio.run(...)` or any call chain the analysis can
    follow): synchronous boto3 client and resource calls, `requests` (functions and
    `Session` methods), `httpx` module functions and `httpx.Client` methods,
    `urllib.request.urlopen`/`urlretrieve`, `time.sleep`, and reads of an S3 object's
    streaming body (`response["Body"].read()`, also when `get_object` itself ran in
    a thread through `asyncio.to_thread`/`run_in_executor`).

    ## Why is this bad?
    A coroutine shares one thread with every other task on the event loop. A blocking
    call holds that thread until the network or the timer answers, so the other
    requests the handler started concurrently wait in line: the code pays for
    `asyncio` and still runs everything one after the other, and the invocation's
    billed duration grows accordingly. Use an async client (aiohttp, `httpx.AsyncClient`,
    aioboto3/aiobotocore), `await asyncio.sleep(...)`, or push the blocking call to a
    thread with `await asyncio.to_thread(f, ...)` or `loop.run_in_executor(...)`.

    Not flagged: calls handed to `asyncio.to_thread`/`run_in_executor` (as a
    function, a `functools.partial`, or inside a `lambda`), awaited calls (async
    clients), SDK methods that do no I/O (`get_paginator`, `get_waiter`,
    `generate_presigned_url`, resource constructors such as `Table(...)`), plain
    `def` helpers nested in the coroutine, coroutines no handler reaches, and
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).
    Blocking calls inside a plain `def` that the coroutine calls directly are not
    followed.

    ## Fix safety
    No automatic fix: an async client or a thread changes error handling and
    concurrency, which a reviewer should decide.

    ## References
    - [Developing with asyncio: running blocking code](https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code)
    - [`asyncio.to_thread`](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [Ruff rules ASYNC210, ASYNC251 (flake8-async)](https://docs.astral.sh/ruff/rules/#flake8-async-async)
    """

    code = "LAM903"
    name = "blocking-call-in-async"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = ("async",)
    scope_only = True
    tags = ("performance", "async")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        coroutine = in_coroutine(ctx)
        if coroutine is None or isinstance(ctx.parent, cst.Await) or not ctx.in_invocation_scope:
            return
        func = node.func
        qualified = ctx.qualify(func)
        advice = None
        if qualified in BLOCKING_CALLS:
            advice = BLOCKING_CALLS[qualified]
        elif qualified is not None and _sdk_io_method(qualified):
            advice = _SDK_ADVICE
        elif qualified is not None and _http_io_method(qualified):
            advice = "an async HTTP client (aiohttp, `httpx.AsyncClient`) or `await asyncio.to_thread(...)`"
        elif self._reads_s3_body(func):
            advice = _BODY_ADVICE
        if advice is None:
            return
        self.report(
            node,
            f"blocking call `{written(func)}(...)` in coroutine `{coroutine.name}` "
            f"({ctx.scope_note()}) stalls the event loop, so concurrent tasks wait; use {advice}",
        )

    # -- S3 streaming bodies -----------------------------------------------------------------

    def _reads_s3_body(self, func: cst.BaseExpression) -> bool:
        if not isinstance(func, cst.Attribute) or func.attr.value not in STREAMING_BODY_READS:
            return False
        return self._is_body(func.value, 0)

    def _is_body(self, expr: cst.BaseExpression, depth: int) -> bool:
        """`response["Body"]` of an S3 get, directly or through local names."""
        if depth > _MAX_HOPS:
            return False
        if isinstance(expr, cst.Name):
            binding = self.ctx.binding_of(expr.value)
            return isinstance(binding, cst.BaseExpression) and self._is_body(binding, depth + 1)
        if not isinstance(expr, cst.Subscript) or len(expr.slice) != 1:
            return False
        index = expr.slice[0].slice
        if not (isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)
                and simple_value(index.value) == S3_BODY_KEY):
            return False
        if isinstance(expr.value, cst.Call) and self._is_s3_get(expr.value.func):
            return False  # `s3.get_object(...)["Body"].read()`: the get is reported already
        return self._is_s3_response(expr.value, depth + 1)

    def _is_s3_response(self, expr: cst.BaseExpression, depth: int) -> bool:
        if depth > _MAX_HOPS:
            return False
        if isinstance(expr, cst.Name):
            binding = self.ctx.binding_of(expr.value)
            return isinstance(binding, cst.BaseExpression) and self._is_s3_response(binding, depth + 1)
        if isinstance(expr, cst.Await):
            return self._is_s3_response(expr.expression, depth + 1)
        if not isinstance(expr, cst.Call):
            return False
        if self._is_s3_get(expr.func):
            return True
        # The get ran in a thread: `await asyncio.to_thread(s3.get_object, ...)`,
        # `await loop.run_in_executor(None, functools.partial(s3.get_object, ...))`.
        positional = [a.value for a in expr.args if a.keyword is None and not a.star]
        callable_ = None
        if self.ctx.qualify(expr.func) in THREAD_OFFLOADERS and positional:
            callable_ = positional[0]
        elif isinstance(expr.func, cst.Attribute) and expr.func.attr.value == EXECUTOR_OFFLOAD_METHOD \
                and len(positional) >= 2:
            callable_ = positional[1]
        if isinstance(callable_, cst.Call) and self.ctx.qualify(callable_.func) in PARTIAL and callable_.args:
            callable_ = callable_.args[0].value
        return callable_ is not None and self._is_s3_get(callable_)

    def _is_s3_get(self, func: cst.BaseExpression) -> bool:
        qualified = self.ctx.qualify(func)
        if qualified is None:
            return False
        method = _sdk_io_method(qualified)
        if method in S3_GET_OPERATIONS:
            return True
        return method == S3_RESOURCE_GET and qualified.endswith(f".Object().{S3_RESOURCE_GET}")

    examples = [
        Bad('''
            import asyncio
            import time

            import boto3
            import requests

            s3 = boto3.client("s3")

            async def fetch(url):
                time.sleep(1)  # expect
                return requests.get(url, timeout=5).text  # expect

            async def main(event):
                listing = s3.list_objects_v2(Bucket=event["bucket"])  # expect
                pages = await asyncio.gather(*(fetch(u) for u in event["urls"]))
                return listing, pages

            def lambda_handler(event, context):
                return asyncio.run(main(event))
        '''),
        Good('''
            import asyncio
            import functools

            import aiohttp
            import boto3

            s3 = boto3.client("s3")

            async def main(event):
                loop = asyncio.get_running_loop()
                listing = await asyncio.to_thread(s3.list_objects_v2, Bucket=event["bucket"])
                head = await loop.run_in_executor(None, functools.partial(s3.head_object, Bucket="b", Key="k"))
                tags = await loop.run_in_executor(None, lambda: s3.get_object_tagging(Bucket="b", Key="k"))
                url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
                async with aiohttp.ClientSession() as session:
                    async with session.get(url) as response:
                        body = await response.read()
                await asyncio.sleep(0.1)
                return listing, head, tags, body

            def lambda_handler(event, context):
                return asyncio.run(main(event))
        '''),
        Bad('''
            import asyncio
            import urllib.request as request
            from boto3 import resource

            table = resource("dynamodb").Table("orders")
            s3 = resource("s3")

            async def load(order_id):
                item = table.get_item(Key={"id": order_id})  # expect
                with request.urlopen("https://example.com/rates") as response:  # expect
                    rates = response.read()
                data = s3.Object("bucket", order_id).get()["Body"].read()  # expect
                return item, rates, data

            def handler(event, context):
                return asyncio.run(load(event["orderId"]))
        '''),
        Bad('''
            import asyncio
            import boto3

            s3 = boto3.client("s3")

            async def download(bucket, key):
                response = await asyncio.to_thread(s3.get_object, Bucket=bucket, Key=key)
                body = response["Body"]
                return body.read()  # expect

            def lambda_handler(event, context):
                return asyncio.run(download(event["bucket"], event["key"]))
        '''),
        Good('''
            import asyncio
            import time

            import aioboto3
            import requests

            session = aioboto3.Session()

            async def main(event):
                async with session.client("s3") as s3:
                    response = await s3.get_object(Bucket=event["bucket"], Key=event["key"])
                    data = await response["Body"].read()

                def fetch_sync():
                    return requests.get("https://example.com", timeout=5)

                page = await asyncio.to_thread(fetch_sync)
                return data, page

            async def offline_tool():
                time.sleep(5)

            def lambda_handler(event, context):
                return asyncio.run(main(event))
        '''),
        Bad('''
            import asyncio
            from shared.clients import sqs

            async def publish(body):
                sqs.send_message(QueueUrl="q", MessageBody=body)  # expect

            def lambda_handler(event, context):
                asyncio.run(publish(event["body"]))
        ''', files={"shared/clients.py": '''
            import boto3

            sqs = boto3.client("sqs")
        '''}),
    ]


def _sdk_io_method(qualified: str) -> str | None:
    """The method name when a qualified name is an I/O method of a sync SDK client or
    resource (`boto3.client().get_object`, `boto3.resource().Table().query`)."""
    for prefix in SYNC_SDK_OBJECTS:
        if not qualified.startswith(prefix + "."):
            continue
        parts = qualified[len(prefix) + 1:].split(".")
        if parts[0] in SDK_LOCAL_ATTRIBUTES:
            if parts[:2] != ["meta", "client"] or len(parts) < 3:
                return None  # `s3.meta.events.register(...)`, `s3.exceptions.from_code(...)`
            parts = parts[2:]  # `bucket.meta.client.upload_file(...)` is the client's own call
        for part in parts[:-1]:
            if part.endswith("()"):
                called = part[:-2]
                if not (called[:1].isupper() or called in SDK_LOCAL_METHODS):
                    return None  # a method of a response, not of the client
        method = parts[-1]
        if method in SDK_LOCAL_METHODS or method[:1].isupper() or method.startswith("_") or "()" in method:
            return None
        return method
    return None


def _http_io_method(qualified: str) -> bool:
    for prefix in SYNC_HTTP_OBJECTS:
        if qualified.startswith(prefix + "."):
            return qualified[len(prefix) + 1:] in SYNC_HTTP_METHODS
    return False
