"""Traps of the error, response and event-source rules (LAM5xx, LAM6xx) beyond their examples."""

from __future__ import annotations

import sys
import textwrap

import pytest

from lambdalint.catalog import events as ev
from lambdalint.registry import load_registry
from lambdalint.testing import fix_source, run_rule

RULES = load_registry(include_plugins=False).rules


def findings(code: str, source: str, extra: dict[str, str] | None = None) -> list[tuple[str, int, str]]:
    files = {"app.py": textwrap.dedent(source)}
    files.update({path: textwrap.dedent(text) for path, text in (extra or {}).items()})
    result = run_rule(RULES[code], files)
    assert not result.internal_error, result.messages
    return [(str(d.path), d.location.row, d.message) for d in result.diagnostics if d.code == code]


def rows(code: str, source: str, extra: dict[str, str] | None = None) -> list[int]:
    return [row for _, row, _ in findings(code, source, extra)]


def fixed(code: str, source: str, unsafe: bool = False) -> str:
    text, remaining = fix_source(RULES[code], textwrap.dedent(source), unsafe=unsafe)
    return text


# -- LAM501 -----------------------------------------------------------------------------


def test_lam501_helper_whose_result_is_used_is_not_a_record_processor():
    assert rows("LAM501", """
        import json

        def parse(text):
            try:
                return json.loads(text)
            except Exception:
                return None

        def lambda_handler(event, context):
            for record in event["Records"]:
                order = parse(record["body"])
                if order is None:
                    raise ValueError("bad message")
    """) == []


def test_lam501_not_in_handlers_without_records():
    assert rows("LAM501", """
        def lambda_handler(event, context):
            try:
                return {"statusCode": 200, "body": do(event["body"])}
            except Exception:
                return {"statusCode": 500, "body": "error"}
    """) == []


def test_lam501_http_error_response_in_a_dispatcher_is_left_alone():
    assert rows("LAM501", """
        def lambda_handler(event, context):
            if "Records" in event:
                for record in event["Records"]:
                    work(record["body"])
                return None
            try:
                return {"statusCode": 200, "body": run(event["body"])}
            except Exception:
                return {"statusCode": 500, "body": "error"}
    """) == []


def test_lam501_named_exception_and_narrow_excepts():
    assert rows("LAM501", """
        import builtins

        def lambda_handler(event, context):
            for record in event["Records"]:
                try:
                    work(record["body"])
                except KeyError:
                    pass
                except builtins.Exception:
                    pass
    """) == [10]


# -- LAM502 -----------------------------------------------------------------------------


def test_lam502_except_star_and_other_names_are_left_alone():
    assert rows("LAM502", """
        def f():
            try:
                g()
            except* ValueError as e:
                raise e
            try:
                g()
            except ValueError as e:
                raise err
    """) == []


@pytest.mark.parametrize("rebinding", [
    "for e in errors: pass",
    "with open('x') as e: pass",
    "(e := other)",
    "del e",
    "import e",
    "e += 1",
])
def test_lam502_rebound_names_are_left_alone(rebinding):
    assert rows("LAM502", f"""
        def f(errors, other):
            try:
                g()
            except ValueError as e:
                {rebinding}
                raise e
    """) == []


def test_lam502_fix_is_bare_raise_everywhere_in_the_block():
    assert fixed("LAM502", """
        def f():
            try:
                g()
            except (KeyError, ValueError) as e:
                if e.args:
                    raise e
                with lock:
                    raise e
    """) == textwrap.dedent("""
        def f():
            try:
                g()
            except (KeyError, ValueError) as e:
                if e.args:
                    raise
                with lock:
                    raise
    """)


# -- LAM503 -----------------------------------------------------------------------------


def lam503(files: dict[str, str]) -> list[tuple[int, str, str | None]]:
    """(line, message, fix applicability) of LAM503's findings in a small project."""
    result = run_rule(RULES["LAM503"], {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()})
    assert not result.internal_error, result.messages
    return [(d.location.row, d.message, d.fix.applicability.value if d.fix else None)
            for d in result.diagnostics if d.code == "LAM503"]


SAM_FUNCTION = """
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Orders:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.lambda_handler
          Runtime: python3.12
          Events:
{events}
"""
STATUS_CODE_HANDLER = """
    def lambda_handler(event, context):
        order = {"id": event["order_id"], "status": "validated"}
        return {"statusCode": 200, "body": order}
"""


def sam_with(events: str) -> str:
    return SAM_FUNCTION.format(events=textwrap.indent(textwrap.dedent(events).strip("\n"), " " * 12))


def test_lam503_a_template_api_event_makes_the_response_certain():
    (found,) = lam503({"template.yaml": sam_with("""
        Get:
          Type: Api
          Properties: {Path: "/orders/{id}", Method: get}
    """), "src/app.py": STATUS_CODE_HANDLER})
    assert found[0] == 3 and found[2] == "safe"
    assert "its template declares an API event" in found[1]


def test_lam503_silent_when_nothing_says_an_http_client_waits():
    # Step Functions, another function (`Invoke`) or Amazon Connect may read `body` as a
    # dict on purpose; a queue consumer's result goes nowhere.
    assert lam503({"src/app.py": STATUS_CODE_HANDLER}) == []
    assert lam503({"template.yaml": sam_with("""
        Queue:
          Type: SQS
          Properties: {Queue: !GetAtt Queue.Arn}
    """), "src/app.py": STATUS_CODE_HANDLER}) == []


def test_lam503_other_callers_beside_http_make_the_fix_unsafe():
    (found,) = lam503({"template.yaml": sam_with("""
        Get:
          Type: HttpApi
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
    """), "src/app.py": STATUS_CODE_HANDLER})
    assert found[2] == "unsafe"


def test_lam503_the_event_shape_alone_offers_an_unsafe_fix():
    source = """
        def lambda_handler(event, context):
            params = event.get("queryStringParameters") or {}
            return {"statusCode": 200, "body": {"q": params.get("q")}}
    """
    ((row, message, applicability),) = lam503({"app.py": source})
    assert (row, applicability) == (3, "unsafe") and "reads `queryStringParameters` from the event" in message
    assert fixed("LAM503", source) == textwrap.dedent(source)
    assert "json.dumps({\"q\": params.get(\"q\")})" in fixed("LAM503", source, unsafe=True)


def test_lam503_request_context_is_an_http_request():
    assert rows("LAM503", """
        def lambda_handler(event, context):
            caller = event["requestContext"]["identity"]["sourceIp"]
            return {"statusCode": 200, "body": {"caller": caller}}
    """) == [4]


def test_lam503_no_fix_when_json_is_a_parameter():
    source = """
        def lambda_handler(event, context, json=None):
            return {"statusCode": 200, "body": {"a": event["httpMethod"]}}
    """
    assert rows("LAM503", source) == [3]
    assert fixed("LAM503", source, unsafe=True) == textwrap.dedent(source)


def test_lam503_local_import_of_json_is_used_without_adding_one():
    assert fixed("LAM503", """
        def lambda_handler(event, context):
            import json
            return {"statusCode": 200, "body": [event["rawPath"]]}
    """, unsafe=True) == textwrap.dedent("""
        def lambda_handler(event, context):
            import json
            return {"statusCode": 200, "body": json.dumps([event["rawPath"]])}
    """)


def test_lam503_set_bodies_are_reported_without_a_fix():
    source = """
        def lambda_handler(event, context):
            return {"statusCode": 200, "body": {1, event["httpMethod"]}}
    """
    assert rows("LAM503", source) == [3]
    assert fixed("LAM503", source, unsafe=True) == textwrap.dedent(source)


def test_lam503_only_returned_responses_of_handlers():
    assert rows("LAM503", """
        import json

        def lambda_handler(event, context):
            log = {"statusCode": 200, "body": {"a": event["pathParameters"]}}
            print(json.dumps(log))
            return {"statusCode": 200, "body": "ok", "extra": {"a": 1}}
    """) == []


# -- LAM504 -----------------------------------------------------------------------------


def test_lam504_resource_batch_write_and_async_clients():
    assert rows("LAM504", """
        import aioboto3
        import boto3

        dynamodb = boto3.resource("dynamodb")

        async def send(entries):
            async with aioboto3.Session().client("events") as events:
                await events.put_events(Entries=entries)

        def lambda_handler(event, context):
            dynamodb.batch_write_item(RequestItems={"t": []})
    """) == [9, 12]


def test_lam504_results_handed_on_or_checked_by_membership():
    assert rows("LAM504", """
        import boto3

        sqs = boto3.client("sqs")

        def delete(entries):
            response = sqs.delete_message_batch(QueueUrl="q", Entries=entries)
            if "Failed" in response:
                raise RuntimeError(response["Failed"])

        def send(entries):
            return sqs.send_message_batch(QueueUrl="q", Entries=entries)

        def record(entries, log):
            log.append(sqs.send_message_batch(QueueUrl="q", Entries=entries))
    """) == []


def test_lam504_non_distinctive_names_need_a_visible_client():
    assert rows("LAM504", """
        def publish(stream, rows, bus):
            stream.put_records(Records=rows)
            bus.put_events(Entries=rows)
    """) == []


# -- LAM505 -----------------------------------------------------------------------------


def test_lam505_runtime_accepts_decimal_and_bytes_in_returns():
    assert rows("LAM505", """
        from decimal import Decimal
        import boto3

        table = boto3.resource("dynamodb").Table("t")

        def lambda_handler(event, context):
            item = table.get_item(Key={"id": "1"})["Item"]
            return {"item": item, "price": Decimal("1.5"), "raw": b"x"}
    """) == []


def test_lam505_json_dumps_of_dynamodb_items_through_a_response_name():
    assert rows("LAM505", """
        import json
        import boto3

        table = boto3.session.Session().resource("dynamodb").Table("t")

        def lambda_handler(event, context):
            response = table.query(KeyConditionExpression="pk = :p")
            return json.dumps(response["Items"])
    """) == [9]


def test_lam505_returns_of_helpers_and_routes_are_not_the_handlers_result():
    assert rows("LAM505", """
        import datetime

        def stamp():
            return datetime.datetime.now()

        def lambda_handler(event, context):
            return {"at": stamp().isoformat()}
    """) == []


# -- LAM601 -----------------------------------------------------------------------------


def test_lam601_bucket_from_somewhere_else_or_derived():
    assert rows("LAM601", """
        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            for record in event["Records"]:
                bucket = record["s3"]["bucket"]["name"]
                s3.put_object(Bucket=f"{bucket}-thumbnails", Key="k", Body=b"")
                s3.download_file(bucket, "k", "/tmp/k")
    """) == []


def test_lam601_not_outside_invocation_scope():
    assert rows("LAM601", """
        import boto3

        s3 = boto3.client("s3")

        def replay(record):
            s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key="k", Body=b"")
    """) == []


# -- LAM602 -----------------------------------------------------------------------------


def test_lam602_no_fix_when_unquote_plus_is_something_else():
    source = """
        from mylib import unquote_plus

        def lambda_handler(event, context):
            return event["Records"][0]["s3"]["object"]["key"]
    """
    assert rows("LAM602", source) == [5]
    assert fixed("LAM602", source) == textwrap.dedent(source)


def test_lam602_decoded_in_a_helper_of_another_module():
    assert rows("LAM602", """
        from shared.keys import decoded

        def lambda_handler(event, context):
            key = event["Records"][0]["s3"]["object"]["key"]
            return decoded(key)
    """, {"shared/keys.py": """
        import urllib.parse

        def decoded(raw):
            return urllib.parse.unquote_plus(raw)
    """}) == []


def test_lam602_already_decoded_through_str_fstrings_and_variables():
    # The shape whose "safe" fix once decoded twice: `unquote_plus(str(unquote_plus(...)))`
    # corrupts keys that contain `%`.
    source = """
        from urllib.parse import unquote_plus

        def lambda_handler(event, context):
            for record in event["Records"]:
                key = unquote_plus(str(record["s3"]["object"]["key"]))
                other = unquote_plus(f"{record['s3']['object']['key']}")
                raw = record["s3"]["object"]["key"]
                text = str(raw)
                plain = unquote_plus(text)
                trimmed = unquote_plus(raw.strip() + ".json")
                yield key, other, plain, trimmed
    """
    assert rows("LAM602", source) == []
    assert fixed("LAM602", source) == textwrap.dedent(source)


def test_lam602_fix_wraps_inside_str_and_is_stable():
    source = textwrap.dedent("""
        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            for record in event["Records"]:
                s3.head_object(Bucket="b", Key=str(record["s3"]["object"]["key"]))
                s3.head_object(Bucket="b", Key=f"in/{record['s3']['object']['key']}")
    """)
    once, remaining = fix_source(RULES["LAM602"], source)
    assert remaining == []
    assert 'Key=str(unquote_plus(record["s3"]["object"]["key"]))' in once
    assert "Key=f\"in/{unquote_plus(record['s3']['object']['key'])}\"" in once
    assert once.count("unquote_plus(") == 2
    twice, _ = fix_source(RULES["LAM602"], once)
    assert twice == once


def test_lam602_a_library_call_around_str_gets_no_fix():
    source = """
        from thirdparty import normalise_key

        def lambda_handler(event, context):
            return normalise_key(str(event["Records"][0]["s3"]["object"]["key"]))
    """
    assert rows("LAM602", source) == [5]
    assert fixed("LAM602", source) == textwrap.dedent(source)


def test_lam602_other_s3_fields_and_non_event_data():
    assert rows("LAM602", """
        def lambda_handler(event, context):
            record = event["Records"][0]
            size = record["s3"]["object"]["size"]
            tag = event["detail"]["object"]["key"]
            return size, tag
    """) == []


# -- LAM603 -----------------------------------------------------------------------------


def test_lam603_reported_once_per_function():
    assert rows("LAM603", """
        def lambda_handler(event, context):
            bucket = event["Records"][0]["s3"]["bucket"]["name"]
            key = event["Records"][0]["s3"]["object"]["key"]
            return bucket, key
    """) == [3]


def test_lam603_iteration_in_the_handler_covers_a_helper():
    assert rows("LAM603", """
        def first(records):
            return records[0]

        def lambda_handler(event, context):
            head = event["Records"][0]
            for record in event["Records"]:
                print(record["body"])
            return head
    """) == []


# -- LAM604 -----------------------------------------------------------------------------


def test_lam604_record_handlers_and_unknown_records_are_left_alone():
    assert rows("LAM604", """
        def lambda_handler(event, context):
            for record in event["Records"]:
                print(record["eventName"])
    """) == []


def test_lam604_powertools_decorator_counts_as_batch_processing():
    assert rows("LAM604", """
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, batch_processor

        processor = BatchProcessor(event_type=EventType.SQS)

        def record_handler(record):
            return record.body

        @batch_processor(record_handler=record_handler, processor=processor)
        def lambda_handler(event, context):
            for record in event["Records"]:
                print(record["body"])
            return processor.response()
    """) == []


# -- LAM605 -----------------------------------------------------------------------------


@pytest.fixture
def without_botocore(monkeypatch):
    """Make `botocore` unimportable and the pageable-operation cache start empty."""
    monkeypatch.setitem(sys.modules, "botocore", None)
    monkeypatch.setitem(sys.modules, "botocore.loaders", None)
    ev.pageable_operations.cache_clear()
    ev.pageable_operation_names.cache_clear()
    yield
    ev.pageable_operations.cache_clear()
    ev.pageable_operation_names.cache_clear()


_ECS = """
    import boto3

    ecs = boto3.client("ecs")
    s3 = boto3.client("s3")

    def lambda_handler(event, context):
        clusters = ecs.list_clusters()["clusterArns"]
        keys = s3.list_objects_v2(Bucket="b")["Contents"]
        return clusters, keys
"""


def test_lam605_pageable_operations_come_from_botocore():
    pytest.importorskip("botocore")
    ev.pageable_operations.cache_clear()
    ev.pageable_operation_names.cache_clear()
    operations = ev.pageable_operations()
    assert operations is not ev.FALLBACK_PAGEABLE
    assert len(operations) > len(ev.FALLBACK_PAGEABLE)
    paging = operations["s3"]["list_objects_v2"]
    assert "ContinuationToken" in paging.input_tokens
    assert {"NextContinuationToken", "IsTruncated"} <= paging.output_tokens
    assert "MaxKeys" in paging.limit_keys
    assert ev.pageable_operations() is operations  # read once
    # ecs.list_clusters is only in botocore's data.
    assert rows("LAM605", _ECS) == [8, 9]


def test_lam605_reads_botocore_data_as_its_loader_does():
    """The paginator files read directly are the models botocore's Loader gives."""
    pytest.importorskip("botocore")
    direct = ev._paginator_models()
    assert direct is not None and len(direct) > 100
    assert direct == ev._paginator_models_by_loader()


def test_lam605_falls_back_to_the_builtin_list_without_botocore(without_botocore):
    assert ev._botocore_paginators() is None
    assert ev.pageable_operations() is ev.FALLBACK_PAGEABLE
    assert rows("LAM605", _ECS) == [9]


def test_lam605_existence_checks_and_continuation_kwargs():
    assert rows("LAM605", """
        import boto3

        dynamodb = boto3.client("dynamodb")
        table = boto3.resource("dynamodb").Table("t")

        def exists(pk):
            return bool(dynamodb.query(TableName="t", KeyConditionExpression="pk = :p", Limit=1)["Items"])

        def page(start):
            return table.query(KeyConditionExpression="pk = :p", ExclusiveStartKey=start)

        def probe():
            dynamodb.scan(TableName="t")
    """) == []


def test_lam605_a_literal_page_size_bounds_the_results_on_purpose():
    # EC2 describe_* return everything unless a page size is given; a literal page size
    # (here and anywhere) asks for at most that many, as the comment says. A computed
    # one may be anything.
    assert rows("LAM605", """
        import boto3

        ec2 = boto3.client("ec2")
        table = boto3.resource("dynamodb").Table("connections")

        def instances(size):
            everything = ec2.describe_instances()["Reservations"]
            some = ec2.describe_instances(MaxResults=5)["Reservations"]
            # Only notify the first 100 connections
            first = table.query(IndexName="service", KeyConditionExpression="service = :s", Limit=100)
            chosen = table.query(IndexName="service", KeyConditionExpression="service = :s", Limit=size)
            return everything, some, first["Items"], chosen["Items"]
    """) == [12]


def test_lam605_first_item_emptiness_and_unused_results_need_no_second_page():
    # The first page answers "is there anything" and "what is the first item" as well as
    # all pages do, and a result nobody reads needs no more pages.
    assert rows("LAM605", """
        import logging
        import os
        import unittest
        import boto3

        s3 = boto3.client("s3")
        iam = boto3.client("iam")
        sns = boto3.client("sns")
        lam = boto3.client("lambda")
        cfn = boto3.client("cloudformation")
        logs = boto3.client("logs")
        org = boto3.client("organizations")
        LOGGER = logging.getLogger()
        table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

        def bucket_has_reports(bucket):
            response = s3.list_objects_v2(Bucket=bucket, Prefix="reports/")
            return "Contents" in response

        def first_user():
            return iam.list_users()["Users"][0]["UserName"]

        def first_version(name):
            versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
            if not versions:
                return None
            return versions[0]["Version"]

        def customer_exists(customer_id):
            items = table.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": customer_id})["Items"]
            return len(items) > 0

        def any_exports():
            if cfn.list_exports().get("Exports"):
                return True
            return s3.list_objects_v2(Bucket="b").get("KeyCount", 0) == 0

        def touch(bucket):
            listing = s3.list_objects_v2(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="touched", Body=b"")

        def reused(bucket):
            response = s3.list_objects_v2(Bucket=bucket, Prefix="a/")
            if response.get("KeyCount", 0) == 0:
                return []
            response = s3.get_object(Bucket=bucket, Key="a/index.json")
            return [line for line in response["Body"].iter_lines()]

        def latest_stream(group):
            try:
                response = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)
            except Exception as error:
                if error.response["Error"]["Code"] == "ResourceNotFoundException":
                    return None
                raise
            log_streams = response["logStreams"]
            assert log_streams
            unittest.TestCase().assertTrue(log_streams, "no log streams")
            return log_streams[0]

        def deregistered(principal):
            admins = org.list_delegated_administrators(ServicePrincipal=principal)
            LOGGER.debug(str(admins))
            LOGGER.info(f"{admins}")
            details = {"API_Call": "organizations:ListDelegatedAdministrators", "API_Response": admins}
            LOGGER.info(details)
            return not admins["DelegatedAdministrators"]

        def lambda_handler(event, context):
            topic = next(iter(sns.list_topics()["Topics"]), None)
            return topic, bool(iam.list_roles()["Roles"])
    """) == []


def test_lam605_pages_whose_contents_are_read_still_need_every_page():
    # A membership test of a value, a count, the last item, or a page that may be empty
    # while later ones are not (a DynamoDB filter, `filter_log_events`).
    assert rows("LAM605", """
        import logging
        import boto3

        s3 = boto3.client("s3")
        sns = boto3.client("sns")
        table = boto3.resource("dynamodb").Table("orders")
        logs = boto3.client("logs")

        def subscribed(arn):
            return arn in [t["TopicArn"] for t in sns.list_topics()["Topics"]]

        def open_order():
            items = table.scan(FilterExpression="attribute_exists(open_since)")["Items"]
            return items[0] if items else None

        def errors(group):
            return bool(logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"])

        def count(bucket):
            return len(s3.list_objects_v2(Bucket=bucket)["Contents"])

        def last(bucket):
            return s3.list_objects_v2(Bucket=bucket)["Contents"][-1]

        def names(bucket):
            response = s3.list_objects_v2(Bucket=bucket)
            if not response.get("Contents"):
                return []
            return [o["Key"] for o in response["Contents"]]

        def logged_and_used(bucket):
            listing = s3.list_objects_v2(Bucket=bucket)
            logging.info("listing %s", listing)
            return listing["Contents"]

        def exactly_one(pk):
            assert len(table.query(KeyConditionExpression=pk).get("Items", [])) == 1
            return len(table.query(KeyConditionExpression=pk)["Items"]) >= 1
    """) == [11, 14, 18, 21, 24, 27, 33, 38]


# -- LAM606 -----------------------------------------------------------------------------


def test_lam606_near_misses_only_in_returned_responses_of_batch_handlers():
    assert rows("LAM606", """
        def lambda_handler(event, context):
            stats = {"BatchItemFailures": 0}
            print(stats)
            return {"batchItemFailures": []}

        def api(event, context):
            return {"BatchItemFailures": 1, "statusCode": 200}
    """) == []


def test_lam606_extend_and_plus_equals_are_followed():
    assert rows("LAM606", """
        def lambda_handler(event, context):
            failures = [{"id": "x"}]
            failures.extend([{"itemIdentifier": r["md5OfBody"]} for r in event["Records"]])
            return {"batchItemFailures": failures}
    """) == [3, 4]


# -- LAM607 -----------------------------------------------------------------------------


def test_lam607_other_services_and_module_scope_are_left_alone():
    assert rows("LAM607", """
        import os
        import boto3

        sfn = boto3.client("stepfunctions")
        lam = boto3.client("lambda")
        lam.invoke(FunctionName=os.environ["AWS_LAMBDA_FUNCTION_NAME"])

        def lambda_handler(event, context):
            sfn.invoke(FunctionName=context.function_name)
    """) == []


def test_lam607_guard_in_the_handler_covers_a_helper():
    assert rows("LAM607", """
        import boto3

        lam = boto3.client("lambda")

        def again(context, payload):
            lam.invoke(FunctionName=context.invoked_function_arn, Payload=payload)

        def lambda_handler(event, context):
            if event.get("attempt", 0) > 3:
                return
            again(context, b"{}")
    """) == []


def test_lam601_s3_clients_made_by_a_project_factory():
    assert findings("LAM601", """
        import urllib.parse

        from common.aws import create_client, s3_client

        def lambda_handler(event, context):
            s3 = create_client("s3")
            sqs = create_client("sqs")
            for record in event["Records"]:
                bucket = record["s3"]["bucket"]["name"]
                key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(1024)
                s3.put_object(Bucket=bucket, Key=key + ".thumb", Body=body)
                s3_client().copy_object(Bucket=bucket, Key="copy/" + key, CopySource={"Bucket": bucket, "Key": key})
                sqs.send_message(QueueUrl=bucket, MessageBody=key)
    """, {"common/__init__.py": "", "common/aws.py": """
        import functools
        import os

        import boto3

        @functools.lru_cache(maxsize=None)
        def create_client(service):
            return boto3.client(service, region_name=os.environ["AWS_REGION"])

        def s3_client():
            client = boto3.client("s3")
            return client
    """})[0][:2] == ("app.py", 13)
    assert [row for _, row, _ in findings("LAM601", """
        from common.aws import create_client

        def lambda_handler(event, context):
            for record in event["Records"]:
                create_client("s3").put_object(Bucket=record["s3"]["bucket"]["name"], Key="k", Body=b"")
                create_client("sqs").put_object(Bucket=record["s3"]["bucket"]["name"], Key="k", Body=b"")
    """, {"common/__init__.py": "", "common/aws.py": """
        import boto3

        def create_client(service):
            return boto3.client(service)
    """})] == [6]


def test_lam601_a_bucket_name_reassigned_elsewhere_is_not_trusted():
    assert rows("LAM601", """
        import os
        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            bucket = event["Records"][0]["s3"]["bucket"]["name"]
            data = s3.get_object(Bucket=bucket, Key="in")["Body"].read(100)
            bucket = os.environ["OUTPUT_BUCKET"]
            s3.put_object(Bucket=bucket, Key="out", Body=data)
    """) == []


def test_lam605_lookups_only_when_the_keyword_names_the_listed_resource():
    assert rows("LAM605", """
        import boto3

        logs = boto3.client("logs")

        def streams(group):
            return logs.describe_log_streams(logGroupName=group)["logStreams"]
    """) == [7]


def test_lam505_self_referencing_assignments_do_not_loop():
    assert rows("LAM505", """
        import json

        def lambda_handler(event, context):
            total = total + 1
            items = items
            return json.dumps({"total": total, "items": items})
    """) == []


def test_lam602_helpers_that_decode_and_callees_lambdalint_cannot_see():
    assert rows("LAM602", """
        from urllib.parse import unquote_plus

        def decode_key(raw):
            return unquote_plus(raw)

        def lambda_handler(event, context):
            return decode_key(event["Records"][0]["s3"]["object"]["key"])
    """) == []
    source = """
        from thirdparty import normalise_key

        def lambda_handler(event, context):
            return normalise_key(event["Records"][0]["s3"]["object"]["key"])
    """
    assert rows("LAM602", source) == [5]
    assert fixed("LAM602", source) == textwrap.dedent(source)
