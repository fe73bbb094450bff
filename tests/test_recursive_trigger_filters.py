"""LAM601 and the S3 triggers the templates declare (issue 17, shape 8): a write whose key
every declared trigger's prefix or suffix filter keeps out cannot re-trigger the
function, whichever template kind declares it; without a declared S3 trigger, or with
one that does not exclude the key, LAM601 fires as before."""

from __future__ import annotations

import textwrap

import pytest

from lambdalint.registry import load_registry
from lambdalint.testing import run_rule

LAM601 = load_registry(include_plugins=False).rules["LAM601"]


def lam601(files: dict[str, str]) -> list[tuple[str, int]]:
    files = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    result = run_rule(LAM601, files)
    assert not result.internal_error, result.messages
    return [(str(d.path), d.location.row) for d in result.diagnostics if d.code == "LAM601"]


def handler(key: str, setup: str = "") -> str:
    """A handler that writes ``key`` (an expression) to the bucket of its S3 event."""
    return textwrap.dedent(f'''
        import boto3

        s3 = boto3.client("s3")
        {setup}

        def handler(event, context):
            for record in event["Records"]:
                bucket = record["s3"]["bucket"]["name"]
                name = record["s3"]["object"]["key"].rsplit("/", 1)[-1]
                s3.put_object(Bucket=bucket, Key={key}, Body=b"")
    ''').lstrip("\n")


WRITE_LINE = 10


def sam(rules: str = "- Name: prefix\n  Value: new/", extra_events: str = "") -> str:
    filter_ = ("Filter:\n  S3Key:\n    Rules:\n" + textwrap.indent(rules, "      ")) if rules else ""
    events = "Upload:\n  Type: S3\n  Properties:\n    Bucket: !Ref Photos\n    Events: s3:ObjectCreated:*\n" \
             + textwrap.indent(filter_, "    ") + "\n" + extra_events
    return ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
            "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.13\n"
            "      Events:\n" + textwrap.indent(events, " " * 8) + "\n  Photos:\n    Type: AWS::S3::Bucket\n")


@pytest.mark.parametrize("key, rules, fires", [
    ('f"processed/{name}"', "- Name: prefix\n  Value: new/", False),
    ('"processed/" + name', "- Name: prefix\n  Value: new/", False),
    ('"processed/latest.json"', "- Name: prefix\n  Value: new/", False),
    ('f"{name}.png"', "- Name: suffix\n  Value: .jpg", False),
    ('f"thumbs/{name}.png"', "- Name: prefix\n  Value: uploads/\n- Name: suffix\n  Value: .png", False),
    # The written key can match the filter: as before.
    ('f"new/{name}.copy"', "- Name: prefix\n  Value: new/", True),
    ('f"n{name}"', "- Name: prefix\n  Value: new/", True),
    ('f"{name}.jpg"', "- Name: suffix\n  Value: .jpg", True),
    ('f"{name}.png"', "- Name: prefix\n  Value: new/", True),
    ('name', "- Name: prefix\n  Value: new/", True),
    ('f"processed/{name}"', "", True),  # a trigger without a filter
    ('f"processed/{name}"', "- Name: prefix\n  Value: !Ref Prefix", True),  # a computed filter
])
def test_sam_filters(key, rules, fires):
    found = lam601({"template.yaml": sam(rules), "src/app.py": handler(key)})
    assert found == ([("src/app.py", WRITE_LINE)] if fires else [])


def test_every_declared_trigger_must_exclude_the_key():
    second = ("Raw:\n  Type: S3\n  Properties:\n    Bucket: !Ref Photos\n    Events: s3:ObjectCreated:*\n")
    assert lam601({"template.yaml": sam(extra_events=second), "src/app.py": handler('f"processed/{name}"')}) == [
        ("src/app.py", WRITE_LINE)]


def test_without_a_declared_s3_trigger_lam601_fires_as_before():
    sqs_only = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.13\n"
                "      Events:\n        Queue:\n          Type: SQS\n          Properties:\n"
                "            Queue: arn:aws:sqs:eu-west-1:1:q\n")
    assert lam601({"template.yaml": sqs_only, "src/app.py": handler('f"processed/{name}"')}) == [
        ("src/app.py", WRITE_LINE)]
    assert lam601({"src/app.py": handler('f"processed/{name}"')}) == [("src/app.py", WRITE_LINE)]


def test_keys_through_variables_resource_api_and_positional_arguments():
    code = '''
        import boto3

        s3 = boto3.resource("s3")
        client = boto3.client("s3")
        PREFIX = "processed/"

        def handler(event, context):
            bucket = event["Records"][0]["s3"]["bucket"]["name"]
            name = event["Records"][0]["s3"]["object"]["key"]
            out = PREFIX + name
            s3.Object(bucket, out).put(Body=b"")
            s3.Bucket(bucket).upload_file("/tmp/x", f"processed/{name}")
            client.upload_file("/tmp/x", bucket, f"processed/{name}")
            save(bucket, f"processed/{name}")
            client.copy_object(Bucket=bucket, Key=event["target"], CopySource={"Bucket": bucket, "Key": name})

        def save(bucket, key):
            client.put_object(Bucket=bucket, Key=key, Body=b"")
    '''
    found = lam601({"template.yaml": sam(), "src/app.py": code})
    # Only the writes whose key is unknown where they are made.
    assert found == [("src/app.py", 15), ("src/app.py", 18)]


PYTHON_CDK = '''
    from aws_cdk import Stack, aws_lambda as _lambda, aws_s3 as s3, aws_s3_notifications as s3n


    class S(Stack):
        def __init__(self, scope, construct_id):
            super().__init__(scope, construct_id)
            fn = _lambda.Function(self, "Fn", runtime=_lambda.Runtime.PYTHON_3_13, handler="app.handler",
                                  code=_lambda.Code.from_asset("src"))
            bucket = s3.Bucket(self, "Photos")
            bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn),
                                          s3.NotificationKeyFilter(prefix="new/"))
'''

TYPESCRIPT_CDK = '''
    import * as lambda from "aws-cdk-lib/aws-lambda";
    import * as s3 from "aws-cdk-lib/aws-s3";
    import { S3EventSource } from "aws-cdk-lib/aws-lambda-event-sources";

    export class S {
      constructor(scope: any) {
        const fn = new lambda.Function(scope, "Fn", { runtime: lambda.Runtime.PYTHON_3_13,
          handler: "app.handler", code: lambda.Code.fromAsset("src") });
        const bucket = new s3.Bucket(scope, "Photos");
        fn.addEventSource(new S3EventSource(bucket, { events: [s3.EventType.OBJECT_CREATED], filters: [{ suffix: ".jpg" }] }));
      }
    }
'''

SERVERLESS = '''
    service: photos
    provider:
      name: aws
      runtime: python3.13
    functions:
      fn:
        handler: src/app.handler
        events:
          - s3:
              bucket: photos
              event: s3:ObjectCreated:*
              rules:
                - prefix: new/
'''

CLOUDFORMATION = '''
    Resources:
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.13
          Handler: app.handler
          Code: src/
      Photos:
        Type: AWS::S3::Bucket
        Properties:
          NotificationConfiguration:
            LambdaConfigurations:
              - Event: s3:ObjectCreated:*
                Function: !GetAtt Fn.Arn
                Filter:
                  S3Key:
                    Rules:
                      - Name: Suffix
                        Value: .jpg
'''


@pytest.mark.parametrize("files, silent_key, firing_key", [
    ({"cdk.json": "{}", "infra/stack.py": PYTHON_CDK}, 'f"processed/{name}"', 'f"new/{name}"'),
    ({"cdk.json": "{}", "lib/stack.ts": TYPESCRIPT_CDK}, 'f"{name}.png"', 'f"{name}.jpg"'),
    ({"serverless.yml": SERVERLESS}, 'f"processed/{name}"', 'f"new/{name}"'),
    ({"template.yaml": CLOUDFORMATION}, 'f"{name}.png"', 'f"{name}.jpg"'),
])
def test_every_template_kind_declares_its_filters(files, silent_key, firing_key):
    assert lam601({**files, "src/app.py": handler(silent_key)}) == []
    assert lam601({**files, "src/app.py": handler(firing_key)}) == [("src/app.py", WRITE_LINE)]
