"""LAM604 batch-without-partial-failure."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.model import EventProfile
from lambdalint.walk import children


class BatchWithoutPartialFailure(Rule):
    """
    ## What it does
    Flags a loop (or comprehension) over SQS, Kinesis or DynamoDB Streams records,
    recognised by the fields it reads on each record (`body`, `messageId`,
    `receiptHandle`; `kinesis`; `dynamodb`; or the Powertools data-class
    equivalents), in a handler that neither returns `batchItemFailures` nor uses
    Powertools batch processing (`process_partial_response`, `BatchProcessor`,
    `@batch_processor`).

    ## Why is this bad?
    Without a partial batch response, the batch succeeds or fails as a whole. If
    one record raises, Lambda retries the entire batch: SQS redelivers the messages
    that were already processed (duplicates, and eventually all of them land in the
    dead-letter queue together), and a Kinesis or DynamoDB stream shard stops
    advancing until the poison record expires. Report the failed records in
    `batchItemFailures` (with `ReportBatchItemFailures` enabled on the event source
    mapping), or let Powertools batch processing do it.

    The loop may be in the handler or in a function it calls; the response may be
    built by the handler or by a function whose result it returns. Each handler is
    reported once, at its first loop over the records. A batch size of 1 makes the
    finding moot; configure it and suppress the finding there.

    Not flagged: handlers that return `batchItemFailures` (directly or through a
    function whose result they return) or use Powertools batch processing, loops over
    records of other sources (S3, SNS, EventBridge: no partial batch response exists
    for them), a `for` loop whose whole body is a `try` with a broad `except` that does
    not raise (no record can fail the batch; LAM501 reports the swallowed failure),
    loops in Powertools routes and record handlers (the entry point must
    be a handler), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: collecting failures changes the handler's error handling and
    needs the event source mapping setting too.

    ## References
    - [Handling errors for an SQS event source: reporting batch item failures](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting)
    - [Kinesis and DynamoDB Streams: partial batch responses](https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html)
    - [Powertools for AWS Lambda (Python): Batch Processing](https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/)
    """

    code = "LAM604"
    name = "batch-without-partial-failure"
    scope_only = True
    severity = Severity.INFO
    fix = FixAvailability.NONE
    words = ("Records", "records")
    tags = ("event-sources", "retries")

    examples = [
        Bad('''
            import json

            def lambda_handler(event, context):
                for record in event["Records"]:  # expect
                    order = json.loads(record["body"])
                    ship(order)
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        ship(json.loads(record["body"]))
                    except Exception:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
        '''),
        Bad('''
            import base64

            def decode(record):
                return base64.b64decode(record["kinesis"]["data"])

            def handler(event, context):
                rows = [decode(r) for r in event["Records"]]  # expect
                store(rows)
        '''),
        Bad('''
            def apply(image):
                print(image)

            def lambda_handler(event, context):
                for r in event.get("Records", []):  # expect
                    apply(r["dynamodb"]["NewImage"])
                return {"processed": True}
        '''),
        Good('''
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

            processor = BatchProcessor(event_type=EventType.SQS)

            def record_handler(record):
                ship(record.json_body)

            def lambda_handler(event, context):
                return process_partial_response(
                    event=event, record_handler=record_handler, processor=processor, context=context
                )
        '''),
        Good('''
            from urllib.parse import unquote_plus

            def lambda_handler(event, context):
                for record in event["Records"]:
                    print(unquote_plus(record["s3"]["object"]["key"]))
                for record in event["Records"]:
                    print(record["Sns"]["Message"])
        '''),
        Good('''
            import json

            def response(failed):
                return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

            def lambda_handler(event, context):
                failed = []
                for record in event["Records"]:
                    if not handle(json.loads(record["body"])):
                        failed.append(record["messageId"])
                return response(failed)
        '''),
        Bad('''
            from worker.steps import fulfil

            def lambda_handler(event, context):
                for message in event["Records"]:  # expect
                    fulfil(message)
        ''', files={"worker/steps.py": '''
            import json

            def fulfil(message):
                order = json.loads(message["body"])
                print(order["id"])
        '''}),
        Bad('''
            import boto3

            sqs = boto3.client("sqs")

            def lambda_handler(event, context):
                for record in event["Records"]:  # expect
                    handle(record["body"])
                sqs.delete_message_batch(
                    QueueUrl="q",
                    Entries=[{"Id": r["messageId"], "ReceiptHandle": r["receiptHandle"]} for r in event["Records"]],
                )
        '''),
        Good('''
            import boto3

            table = boto3.resource("dynamodb").Table("messages")

            def handler(event, context):
                for record in event["Records"]:
                    try:
                        table.put_item(Item={"id": record["messageId"], "body": record["body"]})
                    except Exception as error:
                        print(error)  # swallowed: LAM501's finding, no record fails the batch
        '''),
    ]

    def begin_file(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().begin_file(ctx)
        self._reported: set[int] = set()  # entry points already reported in this file

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._check(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._check(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._check(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._check(node)

    def _check(self, node: cst.CSTNode) -> None:
        ctx = self.ctx
        if ctx.function is None:
            return
        profile = ctx.event_sources()
        if profile is None or profile.entry.kind != "handler" or self._reports(profile) \
                or id(profile.entry.function) in self._reported:
            return
        loop = next((loop for loop in profile.record_loops if loop.node is node), None)
        if loop is None or self._never_fails(node):
            return
        sources = loop.sources & ev.BATCH_SOURCES
        if not sources:
            return
        kind = profile.describe(frozenset(sources))
        self._reported.add(id(profile.entry.function))
        self.report(
            node,
            f"this loop over {kind} records runs in `{profile.entry.function.name}`, which does not "
            f"return `batchItemFailures`: one failing record makes Lambda retry the whole batch; report "
            "failed records in `batchItemFailures` (with `ReportBatchItemFailures` enabled) or use "
            "Powertools batch processing",
        )

    def _never_fails(self, node: cst.CSTNode) -> bool:
        """A `for` loop whose whole body is a `try` with a broad `except` (bare,
        `Exception`, `BaseException`) that does not raise: no record can fail the batch,
        so there is no retry of the whole batch to speak of (LAM501 reports the
        swallowed failure)."""
        if not isinstance(node, cst.For) or not isinstance(node.body, cst.IndentedBlock) \
                or len(node.body.body) != 1 or not isinstance(node.body.body[0], cst.Try):
            return False
        attempt = node.body.body[0]
        for handler in attempt.handlers:
            if handler.type is not None and self.ctx.qualify(handler.type) not in ev.BROAD_EXCEPTIONS:
                continue
            if not _raises(handler.body) and (attempt.finalbody is None or not _raises(attempt.finalbody.body)):
                return True
        return False

    @staticmethod
    def _reports(profile: EventProfile) -> bool:
        return profile.reports_batch_failures or profile.powertools_batch


def _raises(node: cst.CSTNode) -> bool:
    """Whether a block has a `raise` statement, not counting nested functions."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Raise):
            return True
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(children(current))
    return False
