"""Event sources and layers each template kind declares for a function: every kind
of source (S3 with its key filter, SNS, schedules, EventBridge, API, ALB, function
URLs, ...) with how it invokes the function, and the layers in order with their
folders. The execution model receives the sources through the handler's entry point."""

from __future__ import annotations

import textwrap

from lambdalint import Bad, Good, Severity
from lambdalint.templates import DeploymentRule, TemplateFunction
from lambdalint.testing import run_rule


class _NoRule(DeploymentRule):
    """A deployment rule that reports nothing, so runs build the deployment."""

    code = "LAM099"
    name = "no-rule"
    severity = Severity.INFO
    examples: list[Bad | Good] = []

    def check(self, deployment):  # type: ignore[no-untyped-def]
        return iter(())


def _functions(files: dict[str, str]) -> dict[str, TemplateFunction]:
    files = {path: textwrap.dedent(code).lstrip("\n") for path, code in files.items()}
    result = run_rule(_NoRule, files)
    assert result.deployment is not None
    return {f.name: f for f in result.deployment.functions}


HANDLER = "def handler(event, context):\n    return None\n"

SAM = '''
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: python3.12
        Layers:
          - !Ref SharedLayer
    Resources:
      SharedLayer:
        Type: AWS::Serverless::LayerVersion
        Properties:
          ContentUri: layers/shared/
      Thumbs:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.handler
          Layers:
            - arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
          FunctionUrlConfig:
            AuthType: AWS_IAM
          Events:
            Upload:
              Type: S3
              Properties:
                Bucket: !Ref Bucket
                Events: s3:ObjectCreated:*
                Filter:
                  S3Key:
                    Rules:
                      - Name: prefix
                        Value: incoming/
                      - Name: suffix
                        Value: .jpg
            Nightly:
              Type: Schedule
              Properties:
                Schedule: rate(1 day)
            Api:
              Type: Api
              Properties:
                Path: /thumbs
                Method: get
      Plain:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Code: src/
          Handler: app.handler
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          NotificationConfiguration:
            LambdaConfigurations:
              - Event: s3:ObjectCreated:*
                Function: !GetAtt Plain.Arn
                Filter:
                  S3Key:
                    Rules:
                      - Name: Prefix
                        Value: new/
      Topic:
        Type: AWS::SNS::Subscription
        Properties:
          Protocol: lambda
          Endpoint: !GetAtt Plain.Arn
          TopicArn: arn:aws:sns:eu-west-1:1:t
      Rule:
        Type: AWS::Events::Rule
        Properties:
          EventPattern: {source: [aws.ec2]}
          Targets:
            - Arn: !GetAtt Plain.Arn
              Id: plain
      AllowAlb:
        Type: AWS::Lambda::Permission
        Properties:
          Action: lambda:InvokeFunction
          FunctionName: !Ref Plain
          Principal: elasticloadbalancing.amazonaws.com
'''


def test_sam_and_cloudformation_declare_every_kind_of_source():
    functions = _functions({"template.yaml": SAM, "src/app.py": HANDLER})
    thumbs, plain = functions["Thumbs"], functions["Plain"]
    assert [(e.kind, e.invocation) for e in thumbs.events] == [
        ("S3", "async"), ("Schedule", "async"), ("API", "sync"), ("FunctionURL", "sync")]
    upload = thumbs.events[0]
    assert (upload.prefix, upload.suffix, upload.partial_batch) == ("incoming/", ".jpg", None)
    assert [(e.kind, e.prefix) for e in plain.events] == [
        ("S3", "new/"), ("SNS", None), ("EventBridge", None), ("ALB", None)]


def test_sam_layers_come_in_order_globals_first_with_their_folders():
    functions = _functions({"template.yaml": SAM, "src/app.py": HANDLER})
    layers = functions["Thumbs"].layers
    assert [(layer.name, layer.content_dir) for layer in layers] == [
        ("SharedLayer", "layers/shared"),
        ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7", None)]
    assert layers[0].where.line == 7
    assert functions["Plain"].layers == []  # Globals are SAM's: a plain function does not inherit them


SERVERLESS = '''
    service: media
    provider:
      name: aws
      runtime: python3.12
      layers:
        - arn:aws:lambda:eu-west-1:1:layer:base:1
    layers:
      image-deps:
        path: layers/image-deps
    functions:
      resize:
        handler: handler.handler
        url: true
        layers:
          - Ref: ImageDashdepsLambdaLayer
          - arn:aws:lambda:eu-west-1:1:layer:other:2
        events:
          - s3:
              bucket: photos
              event: s3:ObjectCreated:*
              rules:
                - prefix: uploads/
                - suffix: .png
          - sns: alerts
          - schedule: rate(5 minutes)
          - eventBridge:
              pattern: {source: [aws.ec2]}
          - cloudwatchLog: /aws/lambda/other
          - alb:
              listenerArn: arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/x/y/z
              priority: 1
              conditions: {path: /resize}
      report:
        handler: handler.handler
'''


def test_serverless_declares_every_kind_of_source_and_its_layers():
    functions = _functions({"serverless.yml": SERVERLESS, "handler.py": HANDLER})
    resize, report = functions["resize"], functions["report"]
    assert [(e.kind, e.invocation) for e in resize.events] == [
        ("FunctionURL", "sync"), ("S3", "async"), ("SNS", "async"), ("Schedule", "async"),
        ("EventBridge", "async"), ("CloudWatchLogs", "async"), ("ALB", "sync")]
    assert (resize.events[1].prefix, resize.events[1].suffix) == ("uploads/", ".png")
    assert [(layer.name, layer.content_dir) for layer in resize.layers] == [
        ("image-deps", "layers/image-deps"), ("arn:aws:lambda:eu-west-1:1:layer:other:2", None)]
    # A function without `layers:` gets the provider's.
    assert [(layer.name, layer.content_dir) for layer in report.layers] == [
        ("arn:aws:lambda:eu-west-1:1:layer:base:1", None)]


CDK_APP = '''
    from aws_cdk import Stack, aws_lambda as _lambda, aws_s3 as s3, aws_s3_notifications as s3n
    from aws_cdk import aws_apigateway as apigw, aws_events as events, aws_events_targets as targets
    from aws_cdk.aws_lambda_event_sources import S3EventSource, SnsEventSource
    from aws_cdk.aws_lambda_python_alpha import PythonLayerVersion


    class MediaStack(Stack):
        def __init__(self, scope, construct_id, **kwargs):
            super().__init__(scope, construct_id, **kwargs)
            deps = _lambda.LayerVersion(self, "Deps", code=_lambda.Code.from_asset("layers/deps"))
            helpers = PythonLayerVersion(self, "Helpers", entry="layers/helpers")
            shared = _lambda.LayerVersion.from_layer_version_arn(self, "Shared", "arn:aws:lambda:eu-west-1:1:layer:s:1")
            resize = _lambda.Function(
                self, "Resize",
                runtime=_lambda.Runtime.PYTHON_3_12,
                handler="handler.handler",
                code=_lambda.Code.from_asset("src"),
                layers=[deps, helpers, shared],
            )
            bucket = s3.Bucket(self, "Photos")
            bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(resize),
                                          s3.NotificationKeyFilter(prefix="new/", suffix=".jpg"))
            resize.add_event_source(S3EventSource(bucket, events=[s3.EventType.OBJECT_CREATED],
                                                  filters=[s3.NotificationKeyFilter(prefix="raw/")]))
            resize.add_event_source(SnsEventSource(topic))
            apigw.LambdaRestApi(self, "Api", handler=resize)
            events.Rule(self, "Nightly", schedule=events.Schedule.rate(1), targets=[targets.LambdaFunction(resize)])
            resize.add_function_url(auth_type=_lambda.FunctionUrlAuthType.NONE)
'''


def test_python_cdk_declares_sources_with_filters_and_layers():
    functions = _functions({"cdk.json": "{}", "app.py": CDK_APP, "src/handler.py": HANDLER})
    resize = functions["Resize"]
    assert sorted((e.kind, e.prefix, e.suffix) for e in resize.events) == [
        ("API", None, None), ("EventBridge", None, None), ("FunctionURL", None, None),
        ("S3", "new/", ".jpg"), ("S3", "raw/", None), ("SNS", None, None)]
    assert [(layer.name, layer.content_dir) for layer in resize.layers] == [
        ("Deps", "layers/deps"), ("Helpers", "layers/helpers"), ("Shared", None)]


def test_declared_sources_reach_the_handlers_entry_point():
    files = {"template.yaml": SAM, "src/app.py": HANDLER}
    files = {path: textwrap.dedent(code).lstrip("\n") for path, code in files.items()}
    result = run_rule(_NoRule, files)
    project = result.project
    assert project is not None
    (model,) = [m for m in project.models if m.rel_path == "src/app.py"]
    (entry,) = model.handlers()
    # Both functions deploy this handler: the sources of both templates' functions.
    assert sorted({e.kind for e in entry.declared}) == [
        "ALB", "API", "EventBridge", "FunctionURL", "S3", "SNS", "Schedule"]


BATCHES = {
    # SAM: an SQS event with a batch size, a stream without one; a CloudFormation mapping.
    "sam/template.yaml": '''
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Jobs:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: .
              Handler: app.handler
              Runtime: python3.12
              Events:
                Queue:
                  Type: SQS
                  Properties:
                    Queue: !GetAtt JobsQueue.Arn
                    BatchSize: 1
                Stream:
                  Type: Kinesis
                  Properties:
                    Stream: !GetAtt Clicks.Arn
                    StartingPosition: LATEST
          JobsQueue:
            Type: AWS::SQS::Queue
          Mapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: !Ref Jobs
              EventSourceArn: !GetAtt JobsQueue.Arn
              BatchSize: "5"
    ''',
    "sam/app.py": HANDLER,
    "sls/serverless.yml": '''
        service: jobs
        provider:
          name: aws
          runtime: python3.12
        functions:
          work:
            handler: handler.handler
            events:
              - sqs:
                  arn: arn:aws:sqs:eu-west-1:1:jobs
                  batchSize: 1
    ''',
    "sls/handler.py": HANDLER,
    "cdk/cdk.json": "{}",
    "cdk/app.py": '''
        from aws_cdk import Stack, aws_lambda as _lambda
        from aws_cdk.aws_lambda_event_sources import SqsEventSource


        class JobsStack(Stack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id, **kwargs)
                work = _lambda.Function(self, "Work", runtime=_lambda.Runtime.PYTHON_3_12,
                                        handler="handler.handler", code=_lambda.Code.from_asset("src"))
                work.add_event_source(SqsEventSource(queue, batch_size=1))
    ''',
    "cdk/src/handler.py": HANDLER,
    "tf/main.tf": '''
        resource "aws_lambda_function" "report" {
          function_name = "report"
          filename      = "report.zip"
          handler       = "report.main"
          runtime       = "python3.12"
        }

        resource "aws_sqs_queue" "jobs" {
          name = "jobs"
        }

        resource "aws_lambda_event_source_mapping" "jobs" {
          event_source_arn = aws_sqs_queue.jobs.arn
          function_name    = aws_lambda_function.report.arn
          batch_size       = 1
        }
    ''',
}


def test_batch_sizes_are_read_where_templates_set_them():
    """LAM603 trusts a batch of one record (`BatchSize: 1`) that a template declares."""
    found = sorted((name, e.kind, e.batch_size) for name, f in _functions(BATCHES).items() for e in f.events)
    assert found == [("Jobs", "Kinesis", None), ("Jobs", "SQS", 1), ("Jobs", "SQS", 5), ("Work", "SQS", 1),
                     ("aws_lambda_function.report", "SQS", 1), ("work", "SQS", 1)]
