"""LAM207 polling-instead-of-waiter."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.network import POLLING_OPERATION_PREFIXES, RETRY_ITERABLES, SLEEP_CALLS, waiters_for
from lambdalint.catalog import AWS_CLIENT_CONSTRUCTORS
from lambdalint.literals import simple_value
from lambdalint.walk import children

from ._hoist import literal_argument
from ._network import checked_here, client_method, client_service, has_star_args, written

# Token names that make a loop a page walk, not a poll.
_PAGINATION_KEYWORDS = frozenset(
    {"NextToken", "nextToken", "Marker", "ContinuationToken", "ExclusiveStartKey", "StartingToken",
     "PaginationToken", "NextMarker", "StartRecordName"}
)
# Receivers the analysis cannot type are trusted only with this very AWS-like prefix.
_UNTYPED_PREFIXES = ("describe_",)
_MAX_WAITERS_SHOWN = 3


class PollingInsteadOfWaiter(Rule):
    """
    ## What it does
    Flags a loop that calls an AWS operation reading a resource's state
    (`describe_*`, `get_*`, `list_*`, and S3's `head_object`/`head_bucket`) and sleeps,
    when botocore has a waiter for that operation: `while` loops and retry loops
    (`for attempt in range(...)`) that call `time.sleep`/`asyncio.sleep`. Which
    operations have a waiter is read from botocore's own waiter models when botocore
    is installed (once per run), from a built-in list of common waiters otherwise;
    when the client's service name is visible (`boto3.client("ec2")`), only that
    service's waiters count. A project function that reads the state this way counts
    too where the loop calls it for its condition (`while instance_state(iid) !=
    "running":`, or an `if` on its result), in the same module or another one of the
    checked tree.

    ## Why is this bad?
    Hand-written polling loops get the details wrong: no overall deadline (so the
    loop runs until Lambda kills the invocation), no handling of failure states (a
    stack that rolled back is polled forever), a fixed delay that hammers the API
    into throttling or wastes billed time. botocore's waiters encode each
    resource's success and failure states, delays and attempt limits, and
    `WaiterConfig` tunes them to the time the function has left.

    Not flagged: operations without a waiter (Athena's `get_query_execution`, Step
    Functions' `describe_execution`, Glue jobs), loops without a sleep, loops over a
    collection (`for instance_id in ids:`), page walks (calls that pass `NextToken`,
    `Marker`, `ContinuationToken`...), code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md), and a module's
    `if __name__ == "__main__":` block. The client must be an AWS SDK
    client the analysis can see; for receivers it cannot type (a client passed as a
    parameter), only `describe_*` operations count.

    ## Fix safety
    No automatic fix: a waiter raises `WaiterError` where the loop may have returned
    a value, and its delay and attempt limits need choosing.

    ## References
    - [boto3: Waiters](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#waiters)
    - [Amazon Q detector: aws-polling-instead-of-waiter](https://docs.aws.amazon.com/amazonq/detector-library/python/aws-polling-instead-of-waiter/)
    """

    code = "LAM207"
    name = "polling-instead-of-waiter"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # A poll sleeps; without a sleep there is nothing to report.
    words = ("sleep",)
    tags = ("reliability", "aws-sdk")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or not func.attr.value.startswith(POLLING_OPERATION_PREFIXES):
            self._helper_in_condition(node)
            return
        ctx = self.ctx
        if not checked_here(ctx) or has_star_args(node):
            return
        loop = self._polling_loop()
        if loop is None:
            return
        operation = func.attr.value
        service = None
        if client_method(ctx, func) == operation:
            service = client_service(ctx, func.value)
        elif not self._untyped_aws_call(node, operation):
            return
        waiters = waiters_for(operation, service)
        if not waiters:
            return
        shown = ", ".join(f"`{name}`" for name in waiters[:_MAX_WAITERS_SHOWN])
        if len(waiters) > _MAX_WAITERS_SHOWN:
            shown += ", ..."
        receiver = written(func.value)
        self.report(
            node,
            f"`{written(func)}(...)` is polled in a loop that sleeps; botocore has a waiter for it "
            f"({shown}): use `{receiver}.get_waiter(\"{waiters[0]}\").wait(...)`, with a "
            "`WaiterConfig` that fits the function's remaining time",
        )

    def _helper_in_condition(self, node: cst.Call) -> None:
        """`while instance_state(iid) != "running": time.sleep(5)`: a project helper that
        reads the state with a waitable operation, called for the loop's condition (in
        the `while` test, an `if` test in the loop, or assigned to a name one tests)."""
        ctx = self.ctx
        project = ctx.model.project
        if project is None or not isinstance(node.func, (cst.Name, cst.Attribute)) or not checked_here(ctx):
            return
        loop = self._polling_loop()
        if loop is None or not self._in_condition(loop, node):
            return
        for model, target, _ in project.call_targets(ctx.model, node, ctx.function):
            found = _waitable_read(model, target)
            if found is None:
                continue
            call, waiters = found
            shown = ", ".join(f"`{name}`" for name in waiters[:_MAX_WAITERS_SHOWN])
            if len(waiters) > _MAX_WAITERS_SHOWN:
                shown += ", ..."
            receiver = written(call.func.value)  # type: ignore[attr-defined]
            self.report(
                node,
                f"`{written(node.func)}(...)` reads a state with `{written(call.func)}(...)` and is polled "
                f"in a loop that sleeps; botocore has a waiter for it ({shown}): use "
                f"`{receiver}.get_waiter(\"{waiters[0]}\").wait(...)`, with a `WaiterConfig` that fits "
                "the function's remaining time",
            )
            return

    def _in_condition(self, loop: cst.CSTNode, call: cst.Call) -> bool:
        ancestors = self.ctx.ancestors
        start = next((i for i, node in enumerate(ancestors) if node is loop), None)
        if start is None:
            return False
        below = ancestors[start:]
        for parent, child in zip(below, below[1:]):
            if isinstance(parent, (cst.If, cst.While)) and parent.test is child:
                return True
        parent = ancestors[-2] if len(ancestors) >= 2 else None
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            name = parent.targets[0].target.value
            stack: list[cst.CSTNode] = [loop]
            while stack:
                current = stack.pop()
                if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                    continue
                if isinstance(current, (cst.If, cst.While)) and _mentions(current.test, name):
                    return True
                stack.extend(children(current))
        return False

    def _untyped_aws_call(self, node: cst.Call, operation: str) -> bool:
        """A receiver of unknown type: trusted with a `describe_*` name, unless the call
        resolves to a function of the checked code."""
        if not operation.startswith(_UNTYPED_PREFIXES):
            return False
        ctx = self.ctx
        project = ctx.model.project
        return not (project is not None and project.call_targets(ctx.model, node, ctx.function))

    def _polling_loop(self) -> cst.CSTNode | None:
        """The innermost enclosing `while` or retry `for` loop (in this function) that sleeps."""
        for ancestor in reversed(self.ctx.ancestors[:-1]):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(ancestor, cst.While) or (
                isinstance(ancestor, cst.For) and self._is_retry_iterable(ancestor.iter)
            ):
                if self._polls(ancestor):
                    return ancestor
        return None

    def _is_retry_iterable(self, expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Call) and self.ctx.qualify(expr.func) in RETRY_ITERABLES

    def _polls(self, loop: cst.CSTNode) -> bool:
        """Whether the loop sleeps and is not a page walk (it never mentions a
        pagination token: `NextToken=token`, `page.get("NextToken")`)."""
        return self.ctx.kept("LAM207: sleeps and walks no pages", loop, lambda: self._sleeps_unpaged(loop))

    def _sleeps_unpaged(self, loop: cst.CSTNode) -> bool:
        sleeps = pages = False
        stack: list[cst.CSTNode] = [loop]
        while stack and not pages:
            current = stack.pop()
            if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                continue
            if isinstance(current, cst.Call) and self.ctx.qualify(current.func) in SLEEP_CALLS:
                sleeps = True
            elif isinstance(current, cst.Arg) and current.keyword is not None:
                pages = current.keyword.value in _PAGINATION_KEYWORDS
            elif isinstance(current, cst.SimpleString):
                pages = _string_value(current) in _PAGINATION_KEYWORDS
            stack.extend(children(current))
        return sleeps and not pages

    examples = [
        Bad('''
            import time
            import boto3

            ec2 = boto3.client("ec2")

            def lambda_handler(event, context):
                ec2.start_instances(InstanceIds=[event["id"]])
                while True:
                    reservations = ec2.describe_instances(InstanceIds=[event["id"]])["Reservations"]  # expect
                    if reservations[0]["Instances"][0]["State"]["Name"] == "running":
                        return "running"
                    time.sleep(5)
        '''),
        Good('''
            import boto3

            ec2 = boto3.client("ec2")

            def lambda_handler(event, context):
                ec2.start_instances(InstanceIds=[event["id"]])
                ec2.get_waiter("instance_running").wait(
                    InstanceIds=[event["id"]], WaiterConfig={"Delay": 5, "MaxAttempts": 20}
                )
                return "running"
        '''),
        Bad('''
            import asyncio
            from time import sleep

            import boto3

            cfn = boto3.Session().client("cloudformation")
            s3 = boto3.client("s3")

            def wait_for_stack(name):
                for attempt in range(60):
                    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]  # expect
                    if stack["StackStatus"].endswith("_COMPLETE"):
                        return stack
                    sleep(10)

            def wait_for_report(key):
                while not s3.list_objects_v2(Bucket="reports", Prefix=key).get("KeyCount"):
                    sleep(2)
                while True:
                    try:
                        return s3.head_object(Bucket="reports", Key=key)  # expect
                    except s3.exceptions.ClientError:
                        sleep(2)
        '''),
        Bad('''
            import time

            def wait_until_available(rds, identifier):
                while rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0][  # expect
                    "DBInstanceStatus"
                ] != "available":
                    time.sleep(30)
        '''),
        Bad('''
            import time
            import boto3

            ec2 = boto3.client("ec2")

            def instance_state(instance_id):
                reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
                return reservations[0]["Instances"][0]["State"]["Name"]

            def lambda_handler(event, context):
                ec2.start_instances(InstanceIds=[event["id"]])
                while instance_state(event["id"]) != "running":  # expect
                    time.sleep(5)
                return "running"
        '''),
        Good('''
            import time
            import boto3

            athena = boto3.client("athena")
            sfn = boto3.client("stepfunctions")

            def run_query(sql):
                qid = athena.start_query_execution(QueryString=sql)["QueryExecutionId"]
                while True:
                    state = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
                    if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                        return state
                    time.sleep(1)

            def wait_execution(arn):
                while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                    time.sleep(2)
        '''),
        Good('''
            import time
            import boto3

            ec2 = boto3.client("ec2")

            def tag_all(instance_ids):
                for instance_id in instance_ids:
                    ec2.describe_instances(InstanceIds=[instance_id])
                    time.sleep(0.2)

            def all_instances():
                token = None
                found = []
                while True:
                    page = ec2.describe_instances(NextToken=token) if token else ec2.describe_instances()
                    found += page["Reservations"]
                    token = page.get("NextToken")
                    if not token:
                        return found
                    time.sleep(1)
        '''),
        Good('''
            import time
            import boto3

            ec2 = boto3.client("ec2")

            def lambda_handler(event, context):
                state = ec2.describe_instances(InstanceIds=[event["id"]])
                while not event.get("done"):
                    time.sleep(1)
                    break
                return state
        '''),
    ]


def _waitable_read(model, function) -> tuple[cst.Call, list[str]] | None:  # type: ignore[no-untyped-def]
    """A call of the function that reads a resource's state with an operation botocore
    has a waiter for, on an AWS SDK client it can see (or an untyped `describe_*`)."""
    for call in function.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or not func.attr.value.startswith(POLLING_OPERATION_PREFIXES):
            continue
        if has_star_args(call) or any(a.keyword is not None and a.keyword.value in _PAGINATION_KEYWORDS
                                      for a in call.args):
            continue
        operation = func.attr.value
        qualified = model.qualify(func, function) or ""
        owner = qualified.rpartition(".")[0]
        if owner.endswith("()") and owner[:-2] in AWS_CLIENT_CONSTRUCTORS and not owner[:-2].endswith("resource"):
            waiters = waiters_for(operation, _service(model, function, func.value))
        elif not qualified and operation.startswith(_UNTYPED_PREFIXES):
            waiters = waiters_for(operation, None)
        else:
            continue
        if waiters:
            return call, waiters
    return None


def _service(model, function, receiver: cst.BaseExpression) -> str | None:  # type: ignore[no-untyped-def]
    """The service literal of the client a name holds, followed through bindings."""
    expr: object = receiver
    for _ in range(4):
        if isinstance(expr, cst.Name):
            scope = function.scope if function is not None else model.summary.module_scope
            value = None
            while scope is not None:
                if expr.value in scope.bindings:
                    value = scope.bindings[expr.value]
                    break
                scope = scope.parent
            expr = value
            continue
        if isinstance(expr, cst.Call) and (model.qualify(expr.func, None) or "") in AWS_CLIENT_CONSTRUCTORS:
            service = literal_argument(expr, "service_name")
            return service.lower() if service else None
        return None
    return None


def _mentions(node: cst.CSTNode, name: str) -> bool:
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            return True
        stack.extend(children(current))
    return False


def _string_value(node: cst.SimpleString) -> object:
    try:
        return simple_value(node)
    except (ValueError, SyntaxError):  # pragma: no cover - libcst accepts what Python rejects
        return None
