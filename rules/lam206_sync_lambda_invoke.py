"""LAM206 sync-lambda-invoke."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.network import (
    INVOCATION_TYPE_KEYWORD,
    LAMBDA_SERVICE,
    LAMBDA_SYNC_INVOKE_OPERATIONS,
    SYNC_INVOCATION_TYPE,
)

from ._hoist import literal_argument
from ._network import client_method, client_service, has_star_args, keyword_arg, written


class SyncLambdaInvoke(Rule):
    """
    ## What it does
    Flags a Lambda client's `invoke` in invocation scope with
    `InvocationType="RequestResponse"` or with no `InvocationType` (which means
    `RequestResponse`). The client is recognised when the call's receiver is an AWS
    SDK client (`boto3.client("lambda")`, a session's client, `extra-clients`); when
    the service name is visible it must be `lambda`. (`invoke` is an operation of
    the Lambda API only.)

    ## Why is this bad?
    A synchronous invoke makes this function wait, billed, for the other one to
    finish: you pay for both durations, the caller's timeout must cover the callee's,
    and the two functions' concurrency is coupled (a burst doubles the concurrent
    executions). Errors and retries get harder too: a throttled callee fails the
    caller. Prefer an asynchronous invoke (`InvocationType="Event"`) with a
    destination, a queue (SQS, SNS, EventBridge) between the two, or a Step Functions
    workflow that orchestrates them.

    Not flagged: `InvocationType="Event"` or `"DryRun"`, an `InvocationType` computed
    at run time, calls passing `**kwargs`, receivers the analysis cannot type (a
    client passed in as a parameter), and code outside invocation scope (init,
    test files, scripts and modules that no handler's module imports). A small synchronous fan-in on purpose is a fine reason to suppress the
    finding.

    ## Fix safety
    No automatic fix: switching to an asynchronous invoke drops the response the
    caller may use.

    ## References
    - [Invoke a Lambda function synchronously](https://docs.aws.amazon.com/lambda/latest/dg/invocation-sync.html)
    - [Anti-patterns in Lambda-based applications: Lambda functions calling Lambda functions](https://docs.aws.amazon.com/lambda/latest/operatorguide/functions-calling-functions.html)
    - [Sonar S6246](https://rules.sonarsource.com/python/RSPEC-6246/)
    """

    code = "LAM206"
    name = "sync-lambda-invoke"
    severity = Severity.INFO
    fix = FixAvailability.NONE
    # Fires only in invocation scope: files no handler reaches skip it.
    scope_only = True
    words = tuple(sorted(LAMBDA_SYNC_INVOKE_OPERATIONS))
    tags = ("cost", "architecture")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LAMBDA_SYNC_INVOKE_OPERATIONS:
            return
        if not ctx.in_invocation_scope or has_star_args(node):
            return
        if client_method(ctx, func) not in LAMBDA_SYNC_INVOKE_OPERATIONS:
            return
        service = client_service(ctx, func.value)
        if service is not None and service != LAMBDA_SERVICE:
            return
        invocation_type = keyword_arg(node, INVOCATION_TYPE_KEYWORD)
        if invocation_type is None:
            how = f"has no `{INVOCATION_TYPE_KEYWORD}`, so it is synchronous (`{SYNC_INVOCATION_TYPE}`)"
        elif literal_argument(node, INVOCATION_TYPE_KEYWORD) == SYNC_INVOCATION_TYPE:
            how = f"is synchronous (`{INVOCATION_TYPE_KEYWORD}=\"{SYNC_INVOCATION_TYPE}\"`)"
        else:
            return
        self.report(
            node,
            f"`{written(func)}(...)` {how} ({ctx.scope_note()}): this function waits, billed, "
            "for the other one; invoke asynchronously (`InvocationType=\"Event\"`), or put a "
            "queue or Step Functions between them",
        )

    examples = [
        Bad('''
            import json
            import boto3

            lambda_client = boto3.client("lambda")

            def lambda_handler(event, context):
                response = lambda_client.invoke(  # expect
                    FunctionName="resize-image",
                    Payload=json.dumps(event),
                )
                return json.load(response["Payload"])
        '''),
        Good('''
            import json
            import boto3

            lambda_client = boto3.client("lambda")

            def lambda_handler(event, context):
                lambda_client.invoke(
                    FunctionName="resize-image",
                    InvocationType="Event",
                    Payload=json.dumps(event),
                )
                return {"status": "accepted"}
        '''),
        Bad('''
            import boto3 as b3
            from boto3 import client

            session = b3.Session()

            def call_pricing(payload):
                return session.client("lambda").invoke(  # expect
                    FunctionName="pricing", InvocationType="RequestResponse", Payload=payload
                )

            def handler(event, context):
                client("lambda").invoke(FunctionName="audit", Payload=b"{}")  # expect
                return call_pricing(event["body"])
        '''),
        Bad('''
            import boto3

            def make_client(name):
                return boto3.client(name)

            functions = boto3.client(service_name="lambda", region_name="eu-west-1")

            def lambda_handler(event, context):
                return functions.invoke(FunctionName=event["target"])  # expect
        '''),
        Good('''
            import boto3

            lam = boto3.client("lambda")

            def lambda_handler(event, context, mode="Event"):
                lam.invoke(FunctionName="a", InvocationType="DryRun")
                lam.invoke(FunctionName="b", InvocationType=mode)
                lam.invoke(**event["call"])
        '''),
        Good('''
            import boto3

            class Pipeline:
                def invoke(self, step):
                    return step

            lam = boto3.client("lambda")

            def deploy():
                return lam.invoke(FunctionName="smoke-test")

            def lambda_handler(event, context, runner=None):
                Pipeline().invoke("x")
                return runner.invoke(FunctionName="x") if runner else None

            if __name__ == "__main__":
                deploy()
        '''),
    ]
