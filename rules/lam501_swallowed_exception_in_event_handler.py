"""LAM501 swallowed-exception-in-event-handler."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.literals import simple_value
from lambdalint.model import EVENT, EventProfile, FunctionInfo, ModuleModel, analyses
from lambdalint.context import FileContext
from lambdalint.model.event_sources import dict_key, own_nodes

from ._events import code_of, walk_with_parents


class SwallowedExceptionInEventHandler(Rule):
    """
    ## What it does
    Flags an `except` that swallows a failure in a handler invoked asynchronously or
    by an event source mapping, so that the invocation reports success:

    - In a handler Lambda invokes asynchronously or through an event source mapping
      (S3, SNS, EventBridge and schedules, AWS Config rules, CloudWatch Logs
      subscriptions, SQS, Kinesis, DynamoDB Streams, Kafka, Amazon MQ), an `except`
      of a failure (broad, generic or transient: see below) whose block only logs,
      prints, passes, continues or returns (or assigns values), after which the
      handler returns normally. How the handler is
      invoked comes from the templates that deploy it (SAM/CloudFormation,
      serverless.yml, CDK), from Powertools event classes (`EventBridgeEvent`,
      `S3Event`...), or from the event's shape: `detail-type` (EventBridge),
      `invokingEvent` (AWS Config), `awslogs` (CloudWatch Logs), or the records'
      fields (`record["s3"]`, `record["Sns"]`, `record["body"]`, `record["kinesis"]`,
      `record["dynamodb"]`, `eventSource`).
    - A `return` in a `finally` block of such a handler: it discards whatever
      exception the `try` raised.
    - In a handler that reads `event["Records"]`, or a Powertools batch record
      handler, a broad `except` (bare, `Exception`, `BaseException`) that neither
      re-raises nor records the failure: it does not `raise`, does not add the record
      to `batchItemFailures`, does not set something the handler later raises on or
      returns as a batch failure, and does not forward the record elsewhere itself
      (`send_message`, `publish`, `put_record(s)`, `put_events`).

    The `except` counts when it is in the handler (or a function nested in it) or in
    a function the handler calls as a statement, without using its result, and gives
    event data (`process(record)`) or calls as all its work (`rotate_keys()`); and its
    `try` handles the event (reads event data, or sits in a loop over the records) or
    holds the function's whole work (a scheduled job that reads nothing of its
    event). A helper the handler calls besides its work without the event (a
    best-effort metric or notification) is not the handler's failure.

    ## Why is this bad?
    For these invokers the function's outcome is the only failure signal Lambda gets.
    A handler that catches the error and returns normally tells Lambda the event was
    processed: an asynchronous event is not retried and never reaches the function's
    dead-letter queue or on-failure destination, SQS deletes the messages, a stream
    moves past the records, and the Errors metric (and every alarm on it) stays at
    zero. The error is in the logs at best, and the event is gone. Log, then re-raise;
    or (for SQS, Kinesis and DynamoDB Streams with `ReportBatchItemFailures`) return
    the failed record's id in `batchItemFailures`.

    Not flagged: handlers whose invoker waits for the answer (API Gateway, ALB,
    function URLs, AppSync, Cognito triggers, authorizers, CloudFormation custom
    resources, Step Functions tasks and direct invocations: anything with no evidence
    of an asynchronous invoker, or with evidence of a synchronous one; a `statusCode`
    response alone is evidence of neither); an `except` that re-raises, reports the
    record in `batchItemFailures`, forwards it, or does other work (calls something
    besides logging); an `except` of specific exceptions, which name an outcome the
    author expected (`ConditionalCheckFailedException` of an idempotent write,
    `GoneException` of a WebSocket client that left, `ValueError` or `KeyError` of a
    malformed message that no retry can fix, the project's own exceptions): only
    broad ones (bare, `Exception`, `BaseException`), generic SDK, HTTP and network
    errors (`ClientError`, `BotoCoreError`, `requests.RequestException`, `OSError`)
    and transient ones (throttling, timeouts, unavailable services) count as failures;
    a `try` inside an `except` or `finally` block (reporting the failure the outer
    `except` caught: that one decides); a `try` around cleanup only (`os.remove`,
    `close()`); a best-effort step
    after the work (a metric) that does not touch the event; and a `try` that only
    computes values which have a fallback (`parent = None` before it, or assigned
    again in the `except`), tolerated on purpose. Nor is code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: whether a failure should fail the invocation, be reported per
    item, or really be ignored is the author's decision.

    ## References
    - [Lambda asynchronous invocation: retries and destinations](https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html)
    - [Using Lambda with Amazon SQS: handling errors](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)
    - [Lambda: reporting batch item failures](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting)
    - [Error handling and automatic retries in Lambda](https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html)
    """

    code = "LAM501"
    name = "swallowed-exception-in-event-handler"
    scope_only = True
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = ("except", "finally")
    tags = ("errors", "event-sources")

    examples = [
        Bad('''
            import logging
            import boto3
            from botocore.exceptions import ClientError

            logger = logging.getLogger()
            ec2 = boto3.client("ec2")

            def lambda_handler(event, context):
                instance_id = event["detail"]["instance-id"]
                logger.info("%s for %s", event["detail-type"], instance_id)
                try:
                    ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "seen", "Value": "yes"}])
                except ClientError as error:  # expect
                    logger.error("tagging %s failed: %s", instance_id, error)
                return {"statusCode": 200}
        '''),
        Good('''
            import logging
            import boto3
            from botocore.exceptions import ClientError

            logger = logging.getLogger()
            ec2 = boto3.client("ec2")

            def lambda_handler(event, context):
                instance_id = event["detail"]["instance-id"]
                logger.info("%s for %s", event["detail-type"], instance_id)
                try:
                    ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "seen", "Value": "yes"}])
                except ClientError:
                    logger.exception("tagging %s failed", instance_id)
                    raise
        '''),
        Bad('''
            import datetime
            import logging
            import boto3

            logger = logging.getLogger()
            rds = boto3.client("rds")

            def handler(event, context):
                try:
                    cutoff = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=7)
                    for snapshot in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]:
                        if snapshot["SnapshotCreateTime"] < cutoff:
                            rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"])
                except Exception:  # expect
                    logger.exception("snapshot cleanup failed")
        ''', files={"template.yaml": '''
            Transform: AWS::Serverless-2016-10-31
            Resources:
              SnapshotCleanup:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
                  Events:
                    Weekly:
                      Type: Schedule
                      Properties:
                        Schedule: rate(7 days)
        '''}),
        Good('''
            import json
            import logging
            import boto3

            logger = logging.getLogger()
            dynamodb = boto3.client("dynamodb")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    order = json.loads(record["body"])
                    try:
                        dynamodb.put_item(TableName="orders", Item={"id": {"S": order["id"]}},
                                          ConditionExpression="attribute_not_exists(id)")
                    except dynamodb.exceptions.ConditionalCheckFailedException:
                        logger.info("order %s was already stored", order["id"])
        '''),
        Bad('''
            import json
            import logging

            logger = logging.getLogger()

            def lambda_handler(event, context):
                for record in event["Records"]:
                    try:
                        save(json.loads(record["body"]))
                    except Exception:  # expect
                        logger.exception("could not save %s", record["messageId"])
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        save(json.loads(record["body"]))
                    except Exception:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
        '''),
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def process(record):
                bucket = record["s3"]["bucket"]["name"]
                try:
                    s3.copy_object(Bucket="archive", Key="x", CopySource={"Bucket": bucket, "Key": "x"})
                except:  # expect
                    pass

            def handler(event, context):
                for record in event["Records"]:
                    process(record)
        '''),
        Good('''
            import logging

            def lambda_handler(event, context):
                for record in event["Records"]:
                    try:
                        update(record["dynamodb"]["NewImage"])
                    except Exception:
                        logging.exception("update failed")
                        raise
        '''),
        Good('''
            def lambda_handler(event, context):
                failed = False
                for record in event["Records"]:
                    try:
                        notify(record["Sns"]["Message"])
                    except BaseException as error:
                        print(error)
                        failed = True
                if failed:
                    raise RuntimeError("some notifications failed")
        '''),
        Bad('''
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

            processor = BatchProcessor(event_type=EventType.SQS)

            def record_handler(record):
                try:
                    charge(record.json_body)
                except (ValueError, Exception) as error:  # expect
                    print("charge failed", error)

            def lambda_handler(event, context):
                return process_partial_response(event=event, record_handler=record_handler, processor=processor)
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                try:
                    order = json.loads(event["body"])
                except Exception:
                    return {"statusCode": 400, "body": "invalid JSON"}
                return {"statusCode": 200, "body": json.dumps(order)}
        '''),
        Good('''
            import boto3

            sqs = boto3.client("sqs")

            def lambda_handler(event, context):
                try:
                    settings = load_settings()
                except Exception:
                    settings = {}
                for record in event["Records"]:
                    try:
                        handle(record["body"], settings)
                    except ValueError:
                        pass
                    except Exception:
                        sqs.send_message(QueueUrl="dead-letters", MessageBody=record["body"])
        '''),
        Bad('''
            from orders.process import handle_message

            def lambda_handler(event, context):
                for record in event["Records"]:
                    handle_message(record)
        ''', files={"orders/process.py": '''
            import json
            import logging

            def handle_message(record):
                try:
                    fulfil(json.loads(record["body"]))
                except Exception:  # expect
                    logging.exception("failed")

            def parse(text):
                try:
                    return json.loads(text)
                except Exception:
                    return None
        '''}),
        Good('''
            import json
            import logging

            logger = logging.getLogger()

            def lambda_handler(event, context):
                for record in event["Records"]:
                    trace = None
                    try:
                        trace = json.loads(record["messageAttributes"]["trace"]["stringValue"])
                        logger.info("trace %s", trace)
                    except Exception:
                        logger.warning("no trace context")
                    try:
                        priority = int(record["attributes"]["priority"])
                    except Exception:
                        priority = 0
                    handle(json.loads(record["body"]), trace, priority)
        '''),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        ctx = self.ctx
        function = ctx.function
        if function is None:
            return
        profile = ctx.event_sources()
        try_node = ctx.parent
        if profile is None or not isinstance(try_node, (cst.Try, cst.TryStar)):
            return
        if self._in_error_path(function):
            return  # a `try` inside an `except` or `finally`: the outer handler decides
        if not self._records_case(node, try_node, function, profile):
            self._retried_case(node, try_node, function, profile)

    def visit_Finally(self, node: cst.Finally) -> None:
        """`finally: return ...` discards the exception the `try` raised."""
        ctx = self.ctx
        function = ctx.function
        profile = ctx.event_sources() if function is not None else None
        if function is None or profile is None or not (profile.retried or self._records_handler(profile)):
            return
        if not self._runs_for_the_handler(profile, function, need_event=False):
            return
        for statement, _ in walk_with_parents(node.body):
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                break
            if isinstance(statement, cst.Return):
                who, why = _invoker(profile)
                self.report(
                    statement,
                    f"`return` in the `finally` block of `{function.name}` discards any exception the "
                    f"`try` raised: {who} invokes `{profile.entry.function.name}` ({why}), and Lambda counts "
                    "the event as processed, so no retry, dead-letter queue, on-failure destination or "
                    "Errors metric sees the failure; return after the `try` statement instead",
                )
                return

    def _in_error_path(self, function: FunctionInfo) -> bool:
        ancestors = self.ctx.ancestors
        for index in range(len(ancestors) - 3, -1, -1):
            ancestor = ancestors[index]
            if ancestor is function.node:
                return False
            if isinstance(ancestor, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
                return True
        return False

    # -- records handlers: broad excepts that neither re-raise nor record the failure ----------

    def _records_case(self, node: cst.ExceptHandler, try_node: cst.Try | cst.TryStar, function: FunctionInfo,
                      profile: EventProfile) -> bool:
        if not self._records_handler(profile) or not self._runs_for_the_handler(profile, function, need_event=True):
            return False
        if profile.callers:
            return False  # it also answers a synchronous caller (a custom resource, an API)
        broad = self._broad(node)
        if broad is None or not self._handles_event_data(try_node):
            return False
        if _has_fallback(try_node, node, function, self._names_read()) or self._handled(node, function, profile, False):
            return False
        kind = profile.describe(profile.record_sources)
        if kind:
            who = f"{'an' if kind[0] in 'AEIOS' else 'a'} {kind} handler"
        else:
            who = "a batch record handler" if profile.entry.kind == "record-handler" else "a handler of `Records`"
        self.report(
            node,
            f"`{broad}` in `{function.name}` ({who}) neither re-raises nor records a batch item "
            "failure: the record counts as processed, so no retry, DLQ or on-failure destination "
            "sees it; re-raise, or report it in `batchItemFailures`",
        )
        return True

    # -- asynchronous and event-source invocations: any except that only logs ------------------

    def _retried_case(self, node: cst.ExceptHandler, try_node: cst.Try | cst.TryStar, function: FunctionInfo,
                      profile: EventProfile) -> None:
        ctx = self.ctx
        if not profile.retried or not self._runs_for_the_handler(profile, function, need_event=False):
            return
        types = _exception_names(ctx, node)
        if types and not any(_failure(name) for name in types):
            return
        verb = _only_reports(ctx, node.body)
        if verb is None or _cleanup_only(ctx, try_node):
            return
        if not (self._handles_event_data(try_node) or _whole_body(try_node, function)):
            return
        if _has_fallback(try_node, node, function, self._names_read()) or self._handled(node, function, profile, False):
            return
        who, why = _invoker(profile)
        written = "except:" if node.type is None else f"except {code_of(node.type)}"
        batch = profile.batch_sources or any(
            label in ("SQS", "Kinesis", "DynamoDB Streams") for label in profile.invokers)
        advice = "re-raise after logging" + (", or report the record in `batchItemFailures`" if batch else "")
        self.report(
            node,
            f"`{written}` in `{function.name}` only {verb} the failure, and `{profile.entry.function.name}` "
            f"then returns normally: {who} invokes it ({why}), so Lambda counts the event as processed and "
            f"no retry, dead-letter queue, on-failure destination or Errors metric sees the failure; {advice}",
        )

    # -- which handlers ---------------------------------------------------------------

    @staticmethod
    def _records_handler(profile: EventProfile) -> bool:
        return profile.entry.kind == "record-handler" or bool(profile.record_sources) or profile.reads_records

    def _runs_for_the_handler(self, profile: EventProfile, function: FunctionInfo, need_event: bool) -> bool:
        """The entry point itself (or a function nested in it), or a function it calls
        as a statement, without using the result (`process(record)`; with
        ``need_event``, only when given event data): its failure was the handler's."""
        entry = profile.entry.function
        if any(f is entry for f in function.enclosing()):
            return True
        return id(function) in self._statement_callees(profile, need_event)

    def _names_read(self) -> dict[int, list[tuple[int, str]]]:
        """Per function, the names it reads (`_has_fallback`), kept in the project."""
        return analyses.kept_table(self.ctx.model, "LAM501: names read")

    def _statement_callees(self, profile: EventProfile, need_event: bool) -> set[int]:
        model, entry = profile.model, profile.entry.function
        return self.ctx.kept(("LAM501: statement callees", need_event), entry, lambda: _statement_callees(
            model, entry, need_event, analyses.kept_table(model, "LAM501: statement calls")))

    # -- which excepts --------------------------------------------------------------------

    def _broad(self, node: cst.ExceptHandler) -> str | None:
        if node.type is None:
            return "except:"
        types = [e.value for e in node.type.elements] if isinstance(node.type, cst.Tuple) else [node.type]
        for expr in types:
            if self.ctx.qualify(expr) in ev.BROAD_EXCEPTIONS:
                return f"except {code_of(node.type)}"
        return None

    def _handles_event_data(self, try_node: cst.Try) -> bool:
        ctx = self.ctx
        for node, _ in walk_with_parents(try_node.body):
            if isinstance(node, cst.Name) and ctx.is_event_derived(node):
                return True
        profile = ctx.event_sources()
        loops = {id(loop.node) for loop in profile.record_loops} if profile is not None else set()
        return any(id(a) in loops for a in ctx.ancestors)

    def _handled(self, handler: cst.ExceptHandler, function: FunctionInfo, profile: EventProfile,
                 answers_http: bool) -> bool:
        mutated: set[str] = set()
        for node, parent in walk_with_parents(handler.body):
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                continue
            if isinstance(node, cst.Raise):
                return True
            if isinstance(node, cst.SimpleString) and simple_value(node) in (
                    ev.ITEM_IDENTIFIER, ev.BATCH_ITEM_FAILURES):
                return True
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                if node.func.attr.value in ev.FAILURE_FORWARDING_OPERATIONS:
                    return True
                if isinstance(node.func.value, cst.Name):
                    mutated.add(node.func.value.value)  # failures.append(...), errors.add(...)
            if isinstance(node, cst.Return) and node.value is not None and answers_http \
                    and isinstance(node.value, cst.Dict) and dict_key(node.value, ev.STATUS_CODE_KEY):
                return True
            if isinstance(node, cst.AssignTarget) and isinstance(node.target, (cst.Name, cst.Subscript)):
                target = node.target if isinstance(node.target, cst.Name) else node.target.value
                if isinstance(target, cst.Name):
                    mutated.add(target.value)
            if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
                mutated.add(node.target.value)
        if not mutated:
            return False
        sinks = self.ctx.kept("LAM501: failure sinks", function, lambda: _failure_sinks(function))
        return bool(mutated & sinks)


def _has_fallback(try_node: cst.Try, handler: cst.ExceptHandler, function: FunctionInfo,
                  cache: dict[int, list[tuple[int, str]]]) -> bool:
    """`try: ctx = extract(...) except Exception: ctx = None`: the `try` only computes
    values (assignments, logging, `if` branches of them), and each that the function
    uses after it has a fallback, given in the `except` block or assigned elsewhere in
    the function. A failure there is tolerated by design. ``cache`` keeps the names each
    function reads, for the file being checked."""
    assigned: set[str] = set()
    if not _only_assigns(try_node.body, assigned) or not assigned:
        return False
    inside = {id(node) for node, _ in walk_with_parents(try_node.body)}
    fallbacks = {
        name
        for targets, value in function.assignments
        if id(value) not in inside
        for name in targets
    }
    if assigned <= fallbacks:
        return True
    # Names only the `try` itself uses (`parsed = strptime(...)`, then `shown =
    # parsed.strftime(...)`) need no fallback.
    names = cache.get(id(function))
    if names is None:
        names = cache[id(function)] = [(id(node), node.value) for node, _ in walk_with_parents(function.node.body)
                                       if isinstance(node, cst.Name)]
    used_after = {value for key, value in names if key not in inside}
    return assigned & used_after <= fallbacks and bool(assigned & used_after)


def _only_assigns(block: cst.BaseSuite, assigned: set[str]) -> bool:
    """The block (and the `if` branches in it) only assigns names and logs."""
    statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
    for statement in statements:
        if isinstance(statement, cst.If):
            orelse = statement.orelse
            if not _only_assigns(statement.body, assigned) or (
                    orelse is not None and not _only_assigns(orelse if isinstance(orelse, cst.If) else orelse.body,
                                                              assigned)):
                return False
            continue
        if isinstance(statement, cst.If):
            continue
        smalls = statement.body if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else None
        if smalls is None:
            return False
        for small in smalls:
            if isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = small.targets if isinstance(small, cst.Assign) else [small]
                for target in targets:
                    if not isinstance(target.target, cst.Name):
                        return False
                    assigned.add(target.target.value)
            elif not _is_logging(small):
                return False
    return True


def _is_logging(small: cst.BaseSmallStatement) -> bool:
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    func = small.value.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name in _LOGGING_CALLS


_LOGGING_CALLS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"}
)


def _failure_sinks(function: FunctionInfo) -> set[str]:
    """Names the function raises on, or reports as batch failures."""
    sinks: set[str] = set()
    for node in own_nodes(function):
        if isinstance(node, cst.If) and _raises(node.body):
            sinks |= _names(node.test)
        elif isinstance(node, cst.Raise) and node.exc is not None:
            sinks |= _names(node.exc)
        elif isinstance(node, cst.Dict):
            element = dict_key(node, ev.BATCH_ITEM_FAILURES)
            if element is not None:
                sinks |= _names(element.value)
    return sinks


def _raises(block: cst.CSTNode) -> bool:
    return any(isinstance(node, cst.Raise) for node, _ in walk_with_parents(block))


def _names(expr: cst.CSTNode) -> set[str]:
    return {node.value for node, _ in walk_with_parents(expr) if isinstance(node, cst.Name)}


def _statement_callees(model: ModuleModel, entry: FunctionInfo, need_event: bool,
                       statements: dict[int, set[int]]) -> set[int]:
    """Functions the entry point calls as a statement (result unused) with event data;
    without ``need_event``, also the one call that is all the entry point does (a
    scheduled job's `def handler(event, context): rotate_keys()`), but not a helper it
    calls besides its work without the event (a best-effort metric)."""
    found: set[int] = set()
    project = model.project
    if project is None:
        return found
    sole = None if need_event else _sole_work(entry)
    for node in entry.calls:
        if not _is_statement(entry, node, statements):
            continue
        if node is not sole and not any(EVENT in analyses.labels_of(model, arg.value, entry) for arg in node.args):
            continue
        for _, target, _ in project.call_targets(model, node, entry):
            found.add(id(target))
    return found


# -- what an except block does -----------------------------------------------------------


def _invoker(profile: EventProfile) -> tuple[str, str]:
    """(who, how we know) for messages: the first asynchronous invoker, else the records."""
    for label, why in profile.invokers.items():
        return label, why
    kind = profile.describe(profile.record_sources)
    return (kind or "an event source"), "it reads `Records`"


def _exception_names(ctx: FileContext, handler: cst.ExceptHandler) -> list[str]:
    """The exceptions an `except` names, qualified where possible (empty for a bare one)."""
    if handler.type is None:
        return []
    exprs = [e.value for e in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
    return [ctx.qualify(e) or code_of(e) for e in exprs]


def _failure(name: str) -> bool:
    """A broad, generic or transient exception: a failure, not an expected outcome."""
    last = name.rsplit(".", 1)[-1]
    return name in ev.FAILURE_EXCEPTIONS or last in ev.FAILURE_EXCEPTION_NAMES \
        or any(word in last for word in ev.TRANSIENT_EXCEPTION_WORDS)


def _only_reports(ctx: FileContext, block: cst.BaseSuite) -> str | None:
    """"logs" or "ignores" when every statement of an `except` block only logs, prints,
    passes, continues, breaks, returns or assigns a value computed without side
    effects; None when it does anything else (calls something, branches)."""
    statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
    logs = False
    for statement in statements:
        smalls = statement.body if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else None
        if smalls is None:
            return None
        for small in smalls:
            if isinstance(small, (cst.Pass, cst.Continue, cst.Break, cst.Del)):
                continue
            if isinstance(small, cst.Expr):
                if isinstance(small.value, (cst.Ellipsis, cst.SimpleString)):
                    continue
                if isinstance(small.value, cst.Call) and _is_log_call(ctx, small.value):
                    logs = True
                    continue
                return None
            if isinstance(small, cst.Return):
                if small.value is not None and not _inert(ctx, small.value):
                    return None
                continue
            if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                if small.value is not None and not _inert(ctx, small.value):
                    return None
                continue
            return None
    return "logs" if logs else "ignores"


def _is_log_call(ctx: FileContext, call: cst.Call) -> bool:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ev.LOG_METHODS:
        return True
    return ctx.qualify(func) in ev.LOG_FUNCTIONS


_INERT_CALLS = frozenset({"builtins.str", "builtins.repr", "builtins.type", "json.dumps", "builtins.len",
                          "traceback.format_exc", "builtins.dict", "builtins.list"})


def _inert(ctx: FileContext, value: cst.BaseExpression) -> bool:
    """A value computed without side effects: literals, names, containers, f-strings,
    `str(error)`, `json.dumps(...)`."""
    for node, _ in walk_with_parents(value):
        if isinstance(node, (cst.Lambda, cst.Await, cst.Yield)):
            return False
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "format":
                continue
            if ctx.qualify(func) not in _INERT_CALLS:
                return False
    return True


def _cleanup_only(ctx: FileContext, try_node: cst.Try | cst.TryStar) -> bool:
    """`try: os.remove(path)`: a best-effort cleanup, failing quietly on purpose."""
    calls = [node for node, _ in walk_with_parents(try_node.body) if isinstance(node, cst.Call)]
    if not calls:
        return False
    for call in calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ev.CLEANUP_METHODS:
            continue
        if ctx.qualify(func) in ev.CLEANUP_FUNCTIONS:
            continue
        return False
    return True


def _sole_work(function: FunctionInfo) -> cst.Call | None:
    """The call that is the only statement of the function besides assignments, logging,
    returns and imports."""
    body = function.node.body
    if not isinstance(body, cst.IndentedBlock):
        return None
    work = [statement for statement in body.body if not _inert_statement(statement)]
    if len(work) != 1 or not isinstance(work[0], cst.SimpleStatementLine) or len(work[0].body) != 1:
        return None
    small = work[0].body[0]
    return small.value if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) else None


def _inert_statement(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.Return, cst.Pass, cst.Global, cst.Import,
                              cst.ImportFrom)):
            continue
        if isinstance(small, cst.Expr) and (isinstance(small.value, cst.SimpleString) or (
                isinstance(small.value, cst.Call) and isinstance(small.value.func, (cst.Attribute, cst.Name))
                and (small.value.func.attr.value if isinstance(small.value.func, cst.Attribute)
                     else small.value.func.value) in _LOGGING_CALLS)):
            continue
        return False
    return True


def _whole_body(try_node: cst.Try | cst.TryStar, function: FunctionInfo) -> bool:
    """The `try` holds the function's work: the other statements of its body only
    assign, log, return or import."""
    body = function.node.body
    if not isinstance(body, cst.IndentedBlock) or not any(s is try_node for s in body.body):
        return False
    return all(statement is try_node or _inert_statement(statement) for statement in body.body)


def _is_statement(function: FunctionInfo, call: cst.Call, cache: dict[int, set[int]]) -> bool:
    """Whether a call of the function is an expression statement of its own (result unused)."""
    found = cache.get(id(function))
    if found is None:
        found = cache[id(function)] = {id(node.value) for node, _ in walk_with_parents(function.node.body)
                                       if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call)}
    return id(call) in found
