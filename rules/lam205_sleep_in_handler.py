"""LAM205 sleep-in-handler."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.network import LONG_SLEEP_SECONDS, SLEEP_CALLS

from ._network import argument, constant_seconds, format_seconds, shown_call


class SleepInHandler(Rule):
    """
    ## What it does
    Flags `time.sleep` and `asyncio.sleep` (also `gevent`, `trio` and `anyio` sleeps)
    with a fixed duration of one second or more in invocation scope: in the handler
    or in any function it calls. A fixed duration is a literal (`15 * 60` too), a
    module-level constant (`POLL_SECONDS = 5`, also imported from another module of
    the checked tree), or a local assigned it once.

    ## Why is this bad?
    Lambda bills every millisecond an invocation runs, sleeping included, and the
    sleeping invocation keeps a unit of concurrency busy. Waiting belongs outside the
    function: a Step Functions `Wait` state, an SQS delivery delay or visibility
    timeout, an EventBridge Scheduler schedule, or a botocore waiter for AWS
    resources (see LAM207).

    Not flagged: durations below one second, durations computed at run time (backoff
    with jitter, `context.get_remaining_time_in_millis()`, a variable that changes, a
    value read from the environment), sleeps at module scope or in code that only
    module scope runs, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: moving a wait out of the function changes its design.

    ## References
    - [AWS Lambda pricing](https://aws.amazon.com/lambda/pricing/)
    - [Step Functions: Wait state](https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html)
    - [Amazon SQS delay queues](https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html)
    """

    code = "LAM205"
    name = "sleep-in-handler"
    severity = Severity.INFO
    fix = FixAvailability.NONE
    # Fires only in invocation scope: files no handler reaches skip it.
    scope_only = True
    words = ("sleep",)
    tags = ("cost", "performance")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        qualified = ctx.qualify(node.func)
        if qualified not in SLEEP_CALLS:
            return
        duration = argument(node, "secs", 0) or argument(node, "delay", None) or argument(node, "seconds", None)
        seconds = constant_seconds(ctx, duration.value) if duration is not None else None
        if seconds is None or seconds < LONG_SLEEP_SECONDS:
            return
        self.report(
            node,
            f"{shown_call(ctx, node, qualified)} sleeps {format_seconds(seconds)} s on every invocation "
            f"({ctx.scope_note()}): billed idle time; wait outside the function (a Step Functions "
            "Wait state, an SQS delay, a waiter)",
        )

    examples = [
        Bad('''
            import os
            import time

            import boto3

            POLL_SECONDS = 5
            glue = boto3.client("glue")

            def lambda_handler(event, context):
                run = glue.start_job_run(JobName=os.environ["JOB"])
                time.sleep(POLL_SECONDS)  # expect
                return glue.get_job_run(JobName=os.environ["JOB"], RunId=run["JobRunId"])["JobRun"]["JobRunState"]
        '''),
        Good('''
            import os
            import random
            import time

            BASE_DELAY = float(os.environ.get("BASE_DELAY", "0.2"))

            def call_with_backoff(call):
                delay = BASE_DELAY
                for attempt in range(5):
                    try:
                        return call()
                    except ConnectionError:
                        time.sleep(delay + random.random() / 10)
                        delay *= 2
                raise RuntimeError("gave up")

            def lambda_handler(event, context):
                time.sleep(BASE_DELAY)
                return call_with_backoff(lambda: event["id"])
        '''),
        Bad('''
            import time

            import boto3

            sqs = boto3.client("sqs")

            def lambda_handler(event, context):
                sqs.send_message(QueueUrl=event["queue"], MessageBody="start")
                time.sleep(30)  # expect
                return "done"
        '''),
        Good('''
            import boto3

            sqs = boto3.client("sqs")

            def lambda_handler(event, context):
                sqs.send_message(QueueUrl=event["queue"], MessageBody="start", DelaySeconds=30)
                return "queued"
        '''),
        Bad('''
            import asyncio
            from time import sleep as pause

            def settle():
                pause(2 * 60)  # expect

            async def poll():
                await asyncio.sleep(1.5)  # expect

            def handler(event, context):
                settle()
                return asyncio.run(poll())
        '''),
        Good('''
            import random
            import time

            def call_with_backoff(operation, attempts=5):
                for attempt in range(attempts):
                    try:
                        return operation()
                    except ConnectionError:
                        time.sleep(min(2 ** attempt, 8) * random.random())
                        time.sleep(0.2)
                raise RuntimeError("gave up")

            def lambda_handler(event, context):
                return call_with_backoff(lambda: event["value"])
        '''),
        Good('''
            import time

            time.sleep(1)  # at import: waits for a sidecar, once per environment

            def warm_up():
                time.sleep(5)

            warm_up()

            def lambda_handler(event, context):
                return event
        '''),
    ]
