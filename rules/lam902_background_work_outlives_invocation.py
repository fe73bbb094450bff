"""LAM902 background-work-outlives-invocation."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.concurrency import (
    EVENT_LOOP_OBJECTS,
    EXECUTOR_SCHEDULE_METHODS,
    EXECUTOR_SHUTDOWN,
    EXECUTOR_TYPES,
    LOOP_TASK_METHODS,
    TASK_SPAWNERS,
    THREAD_JOIN,
    THREAD_LOCAL_ATTRIBUTES,
    THREAD_START,
    THREAD_TYPES,
)
from lambdalint.model import dotted_name

from ._async import local_binding, name_uses, result_ignored, scope_body
from ._logging import keyword_arg, written

_EXECUTORS = frozenset(name + "()" for name in EXECUTOR_TYPES)


class BackgroundWorkOutlivesInvocation(Rule):
    """
    ## What it does
    Flags work started in invocation scope that nothing waits for before the handler
    returns:

    - `threading.Thread(...)`/`Timer`/`multiprocessing.Process(...)` (or a subclass
      of the same module) started with `.start()` and never joined: started
      anonymously (`Thread(target=f).start()`), or kept in a local variable that the
      function neither joins nor hands to other code;
    - `executor.submit(...)`/`executor.map(...)` on a `ThreadPoolExecutor` or
      `ProcessPoolExecutor` outside a `with` block of that executor, whose result is
      thrown away (or kept in a variable nothing reads), when the function does not
      call `executor.shutdown()` (with `wait=True`, the default);
    - `asyncio.create_task(...)`/`asyncio.ensure_future(...)`/`loop.create_task(...)`
      whose task is thrown away (or kept in a variable nothing reads), so it is never
      awaited.

    ## Why is this bad?
    Lambda freezes the execution environment as soon as the handler returns. A thread
    or task still running is suspended mid-work: it resumes only if another
    invocation thaws the same environment (maybe minutes later, with its network
    connections timed out and its data stale), and never if the environment is
    retired. Writes, uploads and notifications done "in the background" are silently
    lost or land in the wrong invocation's logs and billing. Under `asyncio.run`, a
    pending task is cancelled when the main coroutine returns. Wait for background
    work before returning (`join()`, `future.result()`, a `with` block around the
    executor, `await` the task or `asyncio.gather(...)`), or hand it to a queue, a
    Lambda extension or an asynchronous invocation.

    Not flagged: threads and executors started at module scope (background helpers of
    the environment), threads that are joined or passed on (appended to a list,
    returned, stored on an object: the analysis cannot see who joins them), futures
    and tasks whose result is read, awaited, gathered or stored, executors used as
    `with` blocks (leaving the block waits for every future), `TaskGroup` tasks, and
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: waiting changes the function's latency, and where to wait is
    the author's decision.

    ## References
    - [Lambda execution environment lifecycle (freeze and thaw)](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
    - [AWS Lambda best practices: background processes](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [`asyncio.create_task`: keep a reference to the task](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task)
    """

    code = "LAM902"
    name = "background-work-outlives-invocation"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = (THREAD_START, *sorted(EXECUTOR_SCHEDULE_METHODS), "create_task", "ensure_future")
    scope_only = True
    tags = ("correctness", "concurrency")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        ctx = self.ctx
        if ctx.function is None or not ctx.in_invocation_scope:
            return
        qualified = ctx.qualify(func)
        if qualified in TASK_SPAWNERS:
            self._check_task(node)
            return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method == THREAD_START:
            self._check_thread(node, func)
        elif method in EXECUTOR_SCHEDULE_METHODS:
            self._check_executor(node, func)
        elif method in LOOP_TASK_METHODS and ctx.qualify(func.value) in EVENT_LOOP_OBJECTS:
            self._check_task(node)

    # -- threads and processes ----------------------------------------------------------

    def _check_thread(self, node: cst.Call, func: cst.Attribute) -> None:
        receiver = func.value
        if isinstance(receiver, cst.Call):
            if self._is_thread(receiver):
                self._report_thread(node, func, "is never joined: nothing keeps a reference to it")
            return
        if not isinstance(receiver, cst.Name):
            return
        binding = local_binding(self.ctx, receiver.value)
        if not isinstance(binding, cst.Call) or not self._is_thread(binding):
            return
        for name, parent in name_uses(scope_body(self.ctx), receiver.value):
            if isinstance(parent, (cst.AssignTarget, cst.AnnAssign)) or (
                isinstance(parent, cst.Attribute) and parent.value is name
                and parent.attr.value in THREAD_LOCAL_ATTRIBUTES
            ):
                continue
            return  # joined, or handed to code that may join it
        self._report_thread(node, func, f"is never joined (`{receiver.value}.{THREAD_JOIN}()`)")

    def _is_thread(self, call: cst.Call) -> bool:
        ctx = self.ctx
        qualified = ctx.qualify(call.func)
        if qualified in THREAD_TYPES:
            return True
        prefix = ctx.model.module_name + "."
        if qualified and qualified.startswith(prefix):
            cls = ctx.model.summary.classes.get(qualified[len(prefix):])
            if cls is not None:
                return any(ctx.model.qualify(base, None) in THREAD_TYPES for base in cls.bases)
        return False

    def _report_thread(self, node: cst.Call, func: cst.Attribute, why: str) -> None:
        self.report(
            node,
            f"background work started by `{written(func)}()` ({self.ctx.scope_note()}) {why}: "
            "Lambda freezes the environment when the handler returns, so it may never "
            "finish; join it before returning",
        )

    # -- executors -----------------------------------------------------------------------

    def _check_executor(self, node: cst.Call, func: cst.Attribute) -> None:
        ctx = self.ctx
        receiver = func.value
        if ctx.qualify(receiver) not in _EXECUTORS:
            return
        if func.attr.value == "map":
            if not isinstance(ctx.parent, cst.Expr):
                return
        elif not result_ignored(ctx, node):
            return
        if self._inside_with(receiver) or self._shut_down(receiver):
            return
        self.report(
            node,
            f"`{written(func)}(...)` ({ctx.scope_note()}) schedules work that nothing waits "
            "for: Lambda freezes the environment when the handler returns, so it may never "
            "finish; use the executor in a `with` block, or wait for the futures "
            "(`future.result()`, `concurrent.futures.wait`) before returning",
        )

    def _inside_with(self, receiver: cst.BaseExpression) -> bool:
        name = dotted_name(receiver)
        for ancestor in self.ctx.ancestors:
            if not isinstance(ancestor, cst.With):
                continue
            for item in ancestor.items:
                if item.item.deep_equals(receiver):
                    return True
                if item.asname is not None and name is not None and dotted_name(item.asname.name) == name:
                    return True
        return False

    def _shut_down(self, receiver: cst.BaseExpression) -> bool:
        function = self.ctx.function
        if function is None:
            return False
        for call in function.calls:
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == EXECUTOR_SHUTDOWN
                    and func.value.deep_equals(receiver)):
                continue
            wait = keyword_arg(call, "wait")
            positional = [a for a in call.args if a.keyword is None]
            value = wait.value if wait is not None else (positional[0].value if positional else None)
            if not (isinstance(value, cst.Name) and value.value == "False"):
                return True
        return False

    # -- asyncio tasks -----------------------------------------------------------------------

    def _check_task(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not result_ignored(ctx, node):
            return
        self.report(
            node,
            f"task started by `{written(node.func)}(...)` ({ctx.scope_note()}) is never "
            "awaited: it is cancelled when `asyncio.run` returns, or frozen mid-work with "
            "the environment; `await` it (or `asyncio.gather` the tasks) before returning",
        )

    examples = [
        Bad('''
            import threading

            def send_audit(record):
                print(record)

            def lambda_handler(event, context):
                threading.Thread(target=send_audit, args=(event["id"],)).start()  # expect
                worker = threading.Thread(target=send_audit, args=("done",), daemon=True)
                worker.start()  # expect
                return {"ok": True}
        '''),
        Good('''
            import threading

            def send_audit(record):
                print(record)

            def lambda_handler(event, context):
                threads = [threading.Thread(target=send_audit, args=(r,)) for r in event["Records"]]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                worker = threading.Thread(target=send_audit, args=("done",))
                worker.start()
                worker.join(timeout=5)
                return {"ok": True}
        '''),
        Bad('''
            from concurrent.futures import ThreadPoolExecutor

            import boto3

            s3 = boto3.client("s3")
            EXECUTOR = ThreadPoolExecutor(max_workers=4)

            def upload(key, body):
                s3.put_object(Bucket="archive", Key=key, Body=body)

            def handler(event, context):
                for record in event["Records"]:
                    EXECUTOR.submit(upload, record["key"], record["body"])  # expect
                pending = EXECUTOR.submit(upload, "marker", b"")  # expect
                return {"ok": True}
        '''),
        Good('''
            from concurrent.futures import ThreadPoolExecutor, as_completed

            def upload(key):
                return key

            def lambda_handler(event, context):
                with ThreadPoolExecutor(max_workers=4) as pool:
                    for key in event["keys"]:
                        pool.submit(upload, key)
                    pool.map(upload, event["more"])
                executor = ThreadPoolExecutor()
                futures = [executor.submit(upload, k) for k in event["keys"]]
                done = [f.result() for f in as_completed(futures)]
                last = executor.submit(upload, "last")
                executor.submit(upload, "fire")
                executor.shutdown()
                return done, last.result()
        '''),
        Bad('''
            import asyncio

            async def notify(user):
                await asyncio.sleep(0)

            async def main(event):
                asyncio.create_task(notify(event["user"]))  # expect
                loop = asyncio.get_running_loop()
                loop.create_task(notify("admin"))  # expect
                return "accepted"

            def lambda_handler(event, context):
                return asyncio.run(main(event))
        '''),
        Good('''
            import asyncio

            async def notify(user):
                await asyncio.sleep(0)

            async def main(event):
                task = asyncio.create_task(notify(event["user"]))
                others = [asyncio.create_task(notify(u)) for u in event["cc"]]
                async with asyncio.TaskGroup() as group:
                    group.create_task(notify("admin"))
                await asyncio.gather(*others)
                await task
                return "sent"

            def lambda_handler(event, context):
                return asyncio.run(main(event))
        '''),
        Good('''
            import threading

            def refresh_cache():
                pass

            threading.Thread(target=refresh_cache, daemon=True).start()

            class Poller(threading.Thread):
                def run(self):
                    refresh_cache()

            def start_poller():
                poller = Poller()
                poller.start()
                return poller

            def lambda_handler(event, context):
                poller = start_poller()
                poller.join()
                return {"ok": True}
        '''),
        Bad('''
            import threading

            class Uploader(threading.Thread):
                def __init__(self, key):
                    super().__init__()
                    self.key = key

            def lambda_handler(event, context):
                Uploader(event["key"]).start()  # expect
        '''),
    ]
