"""LAM504 unchecked-batch-failures."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev

from ._events import call_shown, receiver_of, result_use


class UncheckedBatchFailures(Rule):
    """
    ## What it does
    Flags AWS batch writes whose partial failures are never read: DynamoDB
    `batch_write_item` (`UnprocessedItems`) and `batch_get_item` (`UnprocessedKeys`),
    Kinesis `put_records` (`FailedRecordCount`, per-record `ErrorCode`), Firehose
    `put_record_batch` (`FailedPutCount`), SQS `send_message_batch` and
    `delete_message_batch` (`Failed`), EventBridge `put_events` (`FailedEntryCount`)
    and SNS `publish_batch` (`Failed`).

    ## Why is this bad?
    These calls succeed (HTTP 200, no exception) when only some entries were
    written: throttled or failed entries come back in the response, and the caller
    must retry them. Code that ignores the response silently loses data, typically
    under load, when throttling starts, and nothing in the logs says so.

    The result counts as checked when the code reads one of the failure keys from
    it (directly or through the variable it is assigned to), or hands it on
    (returns it, passes it to a function, stores it). Not flagged: DynamoDB's
    `Table.batch_writer()`, which resends unprocessed items itself, and calls on
    clients of other services that happen to share the name (`put_events` of
    Personalize, for example), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md): a test or a seed script that
    writes a batch is checked by running it.

    ## Fix safety
    No automatic fix: the retry (with backoff) or the error to raise depends on the
    code around it.

    ## References
    - [DynamoDB `BatchWriteItem`](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html)
    - [Kinesis `PutRecords`](https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html)
    - [EventBridge `PutEvents`](https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html)
    - [Amazon Q detector: aws-unchecked-batch-failures](https://docs.aws.amazon.com/amazonq/detector-library/python/aws-unchecked-batch-failures/)
    """

    code = "LAM504"
    name = "unchecked-batch-failures"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = tuple(sorted(ev.BATCH_OPERATIONS))
    tags = ("errors", "data-loss")

    examples = [
        Bad('''
            import boto3

            dynamodb = boto3.client("dynamodb")

            def lambda_handler(event, context):
                items = [{"PutRequest": {"Item": {"id": {"S": r["messageId"]}}}} for r in event["Records"]]
                dynamodb.batch_write_item(RequestItems={"orders": items})  # expect
        '''),
        Good('''
            import time
            import boto3

            dynamodb = boto3.client("dynamodb")

            def write_all(items):
                request = {"orders": items}
                while request:
                    response = dynamodb.batch_write_item(RequestItems=request)
                    request = response.get("UnprocessedItems")
                    if request:
                        time.sleep(0.2)
        '''),
        Bad('''
            import json
            import boto3 as aws

            kinesis = aws.client("kinesis")
            events = aws.client("events")

            def publish(rows):
                result = kinesis.put_records(StreamName="s", Records=rows)  # expect
                print("sent", result["ResponseMetadata"]["HTTPStatusCode"])
                events.put_events(Entries=[{"Source": "app", "DetailType": "x", "Detail": json.dumps(rows)}])  # expect
        '''),
        Good('''
            import boto3

            kinesis = boto3.client("kinesis")

            def publish(rows):
                result = kinesis.put_records(StreamName="s", Records=rows)
                if result["FailedRecordCount"]:
                    raise RuntimeError(f"{result['FailedRecordCount']} records failed")
        '''),
        Bad('''
            def flush(sqs, queue_url, entries):
                response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)  # expect
                return len(entries)
        '''),
        Good('''
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def lambda_handler(event, context):
                with table.batch_writer() as batch:
                    for record in event["Records"]:
                        batch.put_item(Item={"id": record["messageId"]})
        '''),
        Good('''
            import boto3

            personalize_events = boto3.client("personalize-events")
            firehose = boto3.client("firehose")

            def track(events):
                personalize_events.put_events(trackingId="t", sessionId="s", eventList=events)
                return firehose.put_record_batch(DeliveryStreamName="d", Records=events)
        '''),
        Good('''
            import boto3

            sns = boto3.client("sns")

            def fan_out(entries):
                response = sns.publish_batch(TopicArn="arn", PublishBatchRequestEntries=entries)
                check_failures(response)
        '''),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        operation = ev.BATCH_OPERATIONS.get(func.attr.value)
        if operation is None:
            return
        ctx = self.ctx
        if not ctx.runs_on_lambda:
            return
        receiver = receiver_of(ctx, func.value)
        if not receiver.may_be(operation.services, operation.distinctive):
            return
        use = result_use(ctx, node)
        if use.kind == "escapes" or use.keys & set(operation.failure_keys):
            return
        key = f"`{operation.failure_keys[0]}`"
        if use.kind == "dropped":
            how = f"its result is dropped: read {key} and retry or report the failed entries"
        else:
            how = f"{key} is never read from its result: retry or report the entries that failed"
        self.report(node, f"`{call_shown(node)}` succeeds even when some entries fail, and {how}")
