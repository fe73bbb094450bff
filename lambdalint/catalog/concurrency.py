"""Concurrency facts (LAM9xx): event loops, threads, executors, tasks, blocking calls.

Names are qualified the way ``lambdalint.model.resolve`` spells them: a call
result ends in ``()`` (`asyncio.get_event_loop().run_until_complete`).
"""

from __future__ import annotations

from lambdalint.catalog import AWS_CLIENT_CONSTRUCTORS

# -- Event loops (LAM901, LAM904) --------------------------------------------------

ASYNCIO_MODULE = "asyncio"
GET_EVENT_LOOP = "asyncio.get_event_loop"
RUN_UNTIL_COMPLETE = "run_until_complete"
# Coroutine functions of the standard library (a call returns a coroutine, which
# `asyncio.run` accepts; `gather`, `ensure_future` and `shield` return futures,
# which it rejects).
STDLIB_COROUTINE_FUNCTIONS = frozenset({"asyncio.sleep", "asyncio.wait_for", "asyncio.wait"})
# Calls that start a new event loop each time they run: a coroutine run this way
# from the handler gets a fresh loop per invocation.
PER_CALL_LOOP_RUNNERS = frozenset({"asyncio.run"})

# Async clients bound to the event loop they are created or first used on. Kept
# at module scope and used from a coroutine run with `asyncio.run` per
# invocation, they outlive their loop (LAM904).
LOOP_BOUND_CLIENTS = frozenset(
    {
        "aiohttp.ClientSession",
        "aiohttp.client.ClientSession",
        "aiohttp.TCPConnector",
        "aiohttp.connector.TCPConnector",
        "httpx.AsyncClient",
        "aioboto3.Session().client",
        "aioboto3.Session().resource",
        "aioboto3.session.Session().client",
        "aioboto3.session.Session().resource",
        "aiobotocore.session.get_session().create_client",
        "aiobotocore.session.AioSession().create_client",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
        "redis.asyncio.client.Redis",
    }
)

# -- Background work (LAM902) ----------------------------------------------------------

# Objects whose `start()` runs code in the background until `join()`.
THREAD_TYPES = frozenset(
    {"threading.Thread", "threading.Timer", "multiprocessing.Process",
     "multiprocessing.context.Process"}
)
THREAD_START = "start"
THREAD_JOIN = "join"
# Attributes of a thread object that neither wait for it nor hand it to other code.
THREAD_LOCAL_ATTRIBUTES = frozenset(
    {"start", "daemon", "name", "setDaemon", "setName", "is_alive", "ident", "native_id"}
)
EXECUTOR_TYPES = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
    }
)
# Executor methods that schedule work and return at once.
EXECUTOR_SCHEDULE_METHODS = frozenset({"submit", "map"})
EXECUTOR_SHUTDOWN = "shutdown"
# Calls that schedule a coroutine as a task on the running loop.
TASK_SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
LOOP_TASK_METHODS = frozenset({"create_task"})
# Event loop objects, as qualified call results.
EVENT_LOOP_OBJECTS = frozenset(
    {"asyncio.get_event_loop()", "asyncio.get_running_loop()", "asyncio.new_event_loop()",
     "asyncio.get_event_loop_policy().get_event_loop()", "asyncio.get_event_loop_policy().new_event_loop()"}
)

# -- Blocking calls in coroutines (LAM903) ---------------------------------------------

# Calls that block the thread they run on: qualified name -> what to use instead.
BLOCKING_CALLS = {
    "time.sleep": "`await asyncio.sleep(...)`",
    **{f"requests.{m}": "an async HTTP client (aiohttp, `httpx.AsyncClient`) or `asyncio.to_thread`"
       for m in ("get", "post", "put", "patch", "delete", "head", "options", "request")},
    **{f"httpx.{m}": "`httpx.AsyncClient` or `asyncio.to_thread`"
       for m in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")},
    "urllib.request.urlopen": "an async HTTP client (aiohttp, `httpx.AsyncClient`) or `asyncio.to_thread`",
    "urllib.request.urlretrieve": "an async HTTP client (aiohttp, `httpx.AsyncClient`) or `asyncio.to_thread`",
}
# Objects every method call of which does network I/O (minus the exceptions below):
# synchronous SDK clients and resources, and synchronous HTTP sessions.
SYNC_SDK_OBJECTS = frozenset(
    name + "()" for name in AWS_CLIENT_CONSTRUCTORS
    if not name.startswith(("aioboto3", "aiobotocore")) and not name.endswith("Session")
)
SYNC_HTTP_OBJECTS = frozenset(
    {"requests.Session()", "requests.session()", "requests.sessions.Session()", "httpx.Client()"}
)
SYNC_HTTP_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"}
)
# SDK methods that do no network I/O (building objects, presigning locally).
SDK_LOCAL_METHODS = frozenset(
    {"get_paginator", "get_waiter", "can_paginate", "generate_presigned_url",
     "generate_presigned_post", "close"}
)
# Attributes of an SDK client or resource whose methods do no network I/O, except
# `meta.client`, the resource's own client.
SDK_LOCAL_ATTRIBUTES = frozenset({"meta", "exceptions"})
# Reading an S3 object's streaming body blocks on the network.
S3_GET_OPERATIONS = frozenset({"get_object"})
S3_RESOURCE_GET = "get"  # `s3.Object(bucket, key).get()["Body"]`
S3_BODY_KEY = "Body"
STREAMING_BODY_READS = frozenset({"read", "iter_chunks", "iter_lines", "readlines", "readline"})
# Ways to run a blocking callable off the event loop; what they return is the
# callable's result.
THREAD_OFFLOADERS = frozenset({"asyncio.to_thread"})
EXECUTOR_OFFLOAD_METHOD = "run_in_executor"
PARTIAL = frozenset({"functools.partial"})
