"""The event-source model: which service invokes a handler, from how it reads its event."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lambdalint.catalog import events as ev
from lambdalint.model import EventProfile, ModuleModel, Project, analyses


def build(files: dict[str, str]) -> dict[str, ModuleModel]:
    models = {
        path: ModuleModel.build(cst.parse_module(textwrap.dedent(code)), path)
        for path, code in files.items()
    }
    Project(models.values(), [])
    return models


def profile(code: str, name: str = "lambda_handler", extra: dict[str, str] | None = None) -> EventProfile:
    model = build({"app.py": code, **(extra or {})})["app.py"]
    found = analyses.event_sources(model, model.functions[name])
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("code", "sources"),
    [
        # SQS: the record list plus body/messageId/receiptHandle on a record.
        ("""
         def lambda_handler(event, context):
             for record in event["Records"]:
                 print(record["body"])
         """, {ev.SQS}),
        ("""
         def lambda_handler(event, context):
             records = event.get("Records", [])
             for i, r in enumerate(records):
                 print(i, r["receiptHandle"])
         """, {ev.SQS}),
        # Kinesis, DynamoDB Streams, S3, SNS: the first key read on a record.
        ("""
         import base64
         def lambda_handler(event, context):
             return [base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]]
         """, {ev.KINESIS}),
        ("""
         def lambda_handler(event, context):
             for r in event["Records"]:
                 image = r["dynamodb"].get("NewImage")
         """, {ev.DYNAMODB_STREAMS}),
        ("""
         def lambda_handler(event, context):
             return event["Records"][0]["s3"]["bucket"]["name"]
         """, {ev.S3}),
        ("""
         def lambda_handler(event, context):
             record = event["Records"][0]
             return record["Sns"]["Message"]
         """, {ev.SNS}),
        # `eventSource` compared with the service's id.
        ("""
         def lambda_handler(event, context):
             for r in event["Records"]:
                 if r["eventSource"] == "aws:dynamodb":
                     pass
         """, {ev.DYNAMODB_STREAMS}),
        # HTTP: a `statusCode` response, or request-only keys.
        ("""
         import json
         def lambda_handler(event, context):
             body = json.loads(event["body"])
             return {"statusCode": 200, "body": json.dumps(body)}
         """, {ev.API}),
        ("""
         def lambda_handler(event, context):
             if event["httpMethod"] == "GET":
                 return "ok"
         """, {ev.API}),
        ("""
         import json
         def respond(status, payload):
             return {"statusCode": status, "body": json.dumps(payload)}
         def lambda_handler(event, context):
             return respond(200, {"ok": True})
         """, {ev.API}),
        # Reading `body` from the event itself (an HTTP request) is not SQS.
        ("""
         import json
         def lambda_handler(event, context):
             return json.loads(event["body"])["Records"]
         """, set()),
        # Keys of something that is not the event say nothing.
        ("""
         def lambda_handler(event, context):
             config = {"Records": [{"body": "x"}]}
             for r in config["Records"]:
                 print(r["body"])
         """, set()),
        # S3 notifications delivered through SQS: both.
        ("""
         import json
         def lambda_handler(event, context):
             for message in event["Records"]:
                 s3_event = json.loads(message["body"])
                 for r in s3_event["Records"]:
                     print(r["s3"]["object"]["key"])
         """, {ev.SQS, ev.S3}),
    ],
)
def test_sources_from_reads(code, sources):
    assert profile(code).sources == frozenset(sources)


def test_keys_read_in_a_helper_count():
    found = profile("""
        def handle(item):
            return item["kinesis"]["sequenceNumber"]

        def lambda_handler(event, context):
            for record in event["Records"]:
                handle(record)
    """)
    assert found.sources == {ev.KINESIS}
    assert "kinesis" in found.record_keys
    assert found.evidence[ev.KINESIS] == "reads `kinesis` from its records"


def test_keys_read_in_another_module_count():
    found = profile("""
        from worker.steps import fulfil

        def lambda_handler(event, context):
            for message in event["Records"]:
                fulfil(message)
    """, extra={"worker/steps.py": """
        def fulfil(message):
            return message["messageId"]
    """})
    assert found.sources == {ev.SQS}
    (loop,) = found.record_loops
    assert loop.sources == {ev.SQS} and loop.targets == {"message"}


def test_helpers_not_given_event_data_are_not_read():
    found = profile("""
        def unrelated(row):
            return row["body"], row["Sns"]

        def lambda_handler(event, context):
            unrelated({"body": 1})
            return event["Records"][0]["s3"]
    """)
    assert found.sources == {ev.S3}


@pytest.mark.parametrize(
    ("code", "source"),
    [
        ("""
         from aws_lambda_powertools.utilities.data_classes import event_source, SQSEvent
         @event_source(data_class=SQSEvent)
         def lambda_handler(event, context):
             return [r.body for r in event.records]
         """, ev.SQS),
        ("""
         from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent
         def lambda_handler(event: KinesisStreamEvent, context):
             return event
         """, ev.KINESIS),
        ("""
         from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
         def lambda_handler(event, context):
             stream = DynamoDBStreamEvent(event)
             return list(stream.records)
         """, ev.DYNAMODB_STREAMS),
        ("""
         from aws_lambda_powertools.utilities.parser import event_parser
         from aws_lambda_powertools.utilities.parser.models import SnsModel
         @event_parser(model=SnsModel)
         def lambda_handler(event, context):
             return event
         """, ev.SNS),
        ("""
         from aws_lambda_typing.events import S3Event
         def lambda_handler(event: S3Event, context):
             return event
         """, ev.S3),
        ("""
         from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
         app = APIGatewayHttpResolver()
         def lambda_handler(event, context):
             return app.resolve(event, context)
         """, ev.API),
    ],
)
def test_powertools_and_typing_declarations(code, source):
    assert source in profile(code).sources


def test_a_class_of_the_same_name_elsewhere_is_not_an_event_type():
    found = profile("""
        from myapp.models import SQSEvent

        def lambda_handler(event: SQSEvent, context):
            return event
    """)
    assert found.sources == frozenset()


def test_batch_processor_names_the_source_of_handler_and_record_handler():
    model = build({"app.py": """
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

        def record_handler(record):
            return record.dynamodb.new_image

        def lambda_handler(event, context):
            return process_partial_response(event=event, record_handler=record_handler, processor=processor)
    """})["app.py"]
    handler = analyses.event_sources(model, model.functions["lambda_handler"])
    record = analyses.event_sources(model, model.functions["record_handler"])
    assert handler.sources == {ev.DYNAMODB_STREAMS} and handler.powertools_batch
    assert record.entry.kind == "record-handler"
    assert ev.DYNAMODB_STREAMS in record.sources and record.powertools_batch


def test_partial_batch_response_built_by_a_returned_helper():
    found = profile("""
        def response(failed):
            return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

        def lambda_handler(event, context):
            failed = [r["messageId"] for r in event["Records"]]
            return response(failed)
    """)
    assert found.reports_batch_failures
    assert not found.powertools_batch


def test_a_helper_in_invocation_scope_shares_its_handlers_profile():
    model = build({"app.py": """
        def store(value):
            return value

        def lambda_handler(event, context):
            for record in event["Records"]:
                store(record["body"])

        def cli():
            return 1
    """})["app.py"]
    handler = analyses.event_sources(model, model.functions["lambda_handler"])
    assert analyses.event_sources(model, model.functions["store"]) is handler
    assert analyses.event_sources(model, model.functions["cli"]) is None
    assert analyses.event_sources(model, None) is None
    # Computed once, then cached on the model.
    assert analyses.event_sources(model, model.entry_points[0]) is handler


def test_record_lists_and_records_are_recognised():
    model = build({"app.py": """
        def lambda_handler(event, context):
            records = event["Records"]
            first = records[0]
            other = event["detail"]
            return first, other
    """})["app.py"]
    function = model.functions["lambda_handler"]
    found = analyses.event_sources(model, function)
    names = found.record_names[id(function)]
    assert {"records", "first"} <= names and "other" not in names
    assert found.reads_records
    expr = cst.parse_expression('event["Records"]')
    assert found.is_records(expr, model, function)
    assert not found.is_records(cst.parse_expression('event["detail"]'), model, function)


def test_describe_orders_and_joins_labels():
    found = profile("""
        def lambda_handler(event, context):
            for r in event["Records"]:
                print(r["Sns"], r["body"], r["kinesis"])
    """)
    assert found.describe() == "SQS, Kinesis and SNS"
    assert found.describe(frozenset({ev.SQS})) == "SQS"


# -- who invokes it: asynchronous invokers and synchronous callers ---------------------------


@pytest.mark.parametrize(
    ("code", "invokers", "callers"),
    [
        ("""
         def lambda_handler(event, context):
             return event["detail"]["id"], event["detail-type"]
         """, {"EventBridge"}, set()),
        ("""
         import json
         def lambda_handler(event, context):
             return json.loads(event["invokingEvent"])
         """, {"AWS Config"}, set()),
        ("""
         def lambda_handler(event, context):
             return decode(event)

         def decode(payload):
             return payload["awslogs"]["data"]
         """, {"CloudWatch Logs"}, set()),
        ("""
         def lambda_handler(event, context):
             for record in event["Records"]:
                 print(record["s3"]["object"]["key"])
             return {"statusCode": 200}
         """, {"S3"}, set()),
        # A message whose payload has a `body` is not an HTTP request.
        ("""
         import json
         def lambda_handler(event, context):
             message = json.loads(event["Records"][0]["Sns"]["Message"])
             return message["body"], message["headers"]
         """, {"SNS"}, set()),
        ("""
         def lambda_handler(event, context):
             return {"statusCode": 200, "body": event["pathParameters"]["id"]}
         """, set(), {"API Gateway/function URL"}),
        ("""
         def lambda_handler(event, context):
             event["response"]["autoConfirmUser"] = event["triggerSource"] == "PreSignUp_SignUp"
             return event
         """, set(), {"Cognito"}),
        ("""
         def lambda_handler(event, context):
             return {"statusCode": 200, "total": sum(event["items"])}
         """, set(), set()),
        ("""
         from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent, event_source

         @event_source(data_class=CloudWatchLogsEvent)
         def lambda_handler(event, context):
             return event.parse_logs_data()
         """, {"CloudWatch Logs"}, set()),
    ],
)
def test_invokers_and_callers_from_the_code(code, invokers, callers):
    found = profile(code)
    assert set(found.invokers) == invokers
    assert set(found.callers) == callers
    assert found.retried == bool(invokers and not callers)


def test_invokers_and_callers_declared_by_templates():
    from lambdalint.model import HandlerSpec
    from lambdalint.templates.loader import NO_MARK
    from lambdalint.templates.model import EventSource, Template, Where

    where = Where(Template(path=None, rel_path="template.yaml", text=""), NO_MARK)  # type: ignore[arg-type]
    events = (EventSource("Schedule", "Schedule event `Nightly`", where),
              EventSource("EventBridge", "EventBridgeRule event `Changes`", where))
    code = "def handler(event, context):\n    return None\n"
    model = ModuleModel.build(cst.parse_module(code), "app.py")
    Project([model], [HandlerSpec("app.py", "handler", "template.yaml", events)])
    found = analyses.event_sources(model, model.functions["handler"])
    assert found is not None
    assert found.invokers == {"a schedule": "Schedule event `Nightly` in template.yaml:1",
                              "EventBridge": "EventBridgeRule event `Changes` in template.yaml:1"}
    assert found.retried
    api = (EventSource("API", "Api event `Get`", where),)
    model = ModuleModel.build(cst.parse_module(code), "app.py")
    Project([model], [HandlerSpec("app.py", "handler", "template.yaml", events + api)])
    found = analyses.event_sources(model, model.functions["handler"])
    assert found is not None and found.callers == {"API Gateway": "Api event `Get` in template.yaml:1"}
    assert not found.retried
