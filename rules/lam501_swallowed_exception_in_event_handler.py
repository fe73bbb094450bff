"""LAM501 swallowed-exception-in-event-handler."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.literals import simple_value
from lambdalint.model import EVENT, EventProfile, FunctionInfo, ModuleModel
from lambdalint.model.event_sources import dict_key, own_nodes

from ._events import code_of, walk_with_parents


class SwallowedExceptionInEventHandler(Rule):
    """
    ## What it does
    Flags a broad `except` (bare, `Exception` or `BaseException`) in a handler that
    reads `event["Records"]` (SQS, SNS, S3, Kinesis or DynamoDB Streams) or in a
    Powertools batch record handler, when the `except` block neither re-raises nor
    records the failure: it does not `raise`, does not add the record to
    `batchItemFailures`, does not set something the handler later raises on or
    returns as a batch failure, and does not forward the record elsewhere itself
    (`send_message`, `publish`, `put_record(s)`, `put_events`).

    ## Why is this bad?
    For these sources the function's outcome is the only failure signal Lambda gets.
    A handler that catches everything and returns normally tells Lambda the whole
    batch succeeded: SQS deletes the messages, the stream moves past the records,
    and no retry, dead-letter queue or on-failure destination ever sees the record
    that failed. The error is in the logs at best, and the data is gone. Let the
    exception propagate, or (for SQS, Kinesis and DynamoDB Streams with
    `ReportBatchItemFailures`) return the failed record's id in `batchItemFailures`.

    Only `try` blocks that handle event data count (they read the event or a record,
    or sit inside a loop over the records), in the handler itself or in a function
    it calls once per record without using its result. An `except` that returns an
    HTTP error response (`statusCode`) in a handler that also answers HTTP is left
    alone, and so is a `try` that only computes values which have a fallback
    (`parent = None` before it, or assigned again in the `except`): a best-effort
    step such as extracting tracing context, tolerated on purpose.

    ## Fix safety
    No automatic fix: whether a failure should fail the batch, be reported per item,
    or really be ignored is the author's decision.

    ## References
    - [Using Lambda with Amazon SQS: handling errors](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)
    - [Lambda: reporting batch item failures](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting)
    - [Lambda asynchronous invocation: retries and destinations](https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html)
    """

    code = "LAM501"
    name = "swallowed-exception-in-event-handler"
    scope_only = True
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = ("except",)
    tags = ("errors", "event-sources")

    examples = [
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
        if profile is None or not self._records_handler(profile):
            return
        if not self._processes_records(profile, function):
            return
        broad = self._broad(node)
        if broad is None:
            return
        try_node = ctx.parent
        if not isinstance(try_node, cst.Try) or not self._handles_event_data(try_node):
            return
        if _has_fallback(try_node, node, function):
            return
        if self._handled(node, function, profile):
            return
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

    # -- which handlers ---------------------------------------------------------------

    @staticmethod
    def _records_handler(profile: EventProfile) -> bool:
        return profile.entry.kind == "record-handler" or bool(profile.record_sources) or profile.reads_records

    def _processes_records(self, profile: EventProfile, function: FunctionInfo) -> bool:
        """The entry point itself (or a function nested in it), or a function it calls
        once per record without using the result (`process(record)`)."""
        entry = profile.entry.function
        if any(f is entry for f in function.enclosing()):
            return True
        return id(function) in self._per_record_callees(profile)

    def _per_record_callees(self, profile: EventProfile) -> set[int]:
        cache = getattr(self, "_callee_cache", None)
        if cache is None or cache[0] is not self.ctx:
            cache = (self.ctx, {})
            self._callee_cache = cache
        key = id(profile.entry.function)
        if key not in cache[1]:
            cache[1][key] = _statement_callees(profile.model, profile.entry.function)
        return cache[1][key]

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

    def _handled(self, handler: cst.ExceptHandler, function: FunctionInfo, profile: EventProfile) -> bool:
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
            if isinstance(node, cst.Return) and node.value is not None and ev.API in profile.sources \
                    and isinstance(node.value, cst.Dict) and dict_key(node.value, ev.STATUS_CODE_KEY):
                return True
            if isinstance(node, cst.AssignTarget) and isinstance(node.target, (cst.Name, cst.Subscript)):
                target = node.target if isinstance(node.target, cst.Name) else node.target.value
                if isinstance(target, cst.Name):
                    mutated.add(target.value)
            if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
                mutated.add(node.target.value)
        return bool(mutated & _failure_sinks(function))


def _has_fallback(try_node: cst.Try, handler: cst.ExceptHandler, function: FunctionInfo) -> bool:
    """`try: ctx = extract(...) except Exception: ctx = None`: the `try` only computes
    values (assignments, logging), and each has a fallback, given in the `except` block
    or assigned elsewhere in the function. A failure there is tolerated by design."""
    assigned: set[str] = set()
    for statement in try_node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = small.targets if isinstance(small, cst.Assign) else [small]
                for target in targets:
                    if not isinstance(target.target, cst.Name):
                        return False
                    assigned.add(target.target.value)
            elif not _is_logging(small):
                return False
    if not assigned:
        return False
    inside = {id(node) for node, _ in walk_with_parents(try_node.body)}
    fallbacks = {
        name
        for targets, value in function.assignments
        if id(value) not in inside
        for name in targets
    }
    return assigned <= fallbacks


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


def _statement_callees(model: ModuleModel, entry: FunctionInfo) -> set[int]:
    """Functions the entry point calls as a statement (result unused) with event data."""
    found: set[int] = set()
    project = model.project
    if project is None:
        return found
    for node, parent in walk_with_parents(entry.node.body):
        if not isinstance(node, cst.Call) or not isinstance(parent, cst.Expr):
            continue
        if not any(EVENT in model.labels_of(arg.value, entry) for arg in node.args):
            continue
        for _, target, _ in project.call_targets(model, node, entry):
            found.add(id(target))
    return found
