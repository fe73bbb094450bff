"""LAM005 partial-batch-not-enabled."""

from __future__ import annotations

from typing import Iterator

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.model import analyses
from lambdalint.templates import Deployment, DeploymentRule, TemplateFinding
from lambdalint.templates.model import BATCH_KINDS

from ._deployment import deployed_handlers, line_of, setting_name


class PartialBatchNotEnabled(DeploymentRule):
    """
    ## What it does
    Flags an SQS, Kinesis or DynamoDB Streams event source of a deployed function
    that does not turn on partial batch responses while the function's code reports
    failed records in `batchItemFailures` (a response it builds itself, or
    Powertools' `process_partial_response`/`BatchProcessor`). It reads SAM `Events`
    of type `SQS`/`Kinesis`/`DynamoDB` and `AWS::Lambda::EventSourceMapping` resources
    (`FunctionResponseTypes`), serverless.yml `sqs`/`stream` events
    (`functionResponseType`), CDK `SqsEventSource`/`KinesisEventSource`/
    `DynamoEventSource` and event source mappings (`report_batch_item_failures`), and
    Terraform `aws_lambda_event_source_mapping` resources and the community Lambda
    module's `event_source_mapping` (`function_response_types`). The finding is
    reported at the event source in the template. In the example below,
    `src/worker.py` reports the messages it could not parse:

    ```python
    def handler(event, context):
        failures = []
        for record in event["Records"]:
            try:
                json.loads(record["body"])
            except ValueError:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
    ```

    ## Why is this bad?
    Lambda reads `batchItemFailures` only when the event source mapping lists
    `ReportBatchItemFailures` in its `FunctionResponseTypes`. Without it, a function
    that returns normally has processed the whole batch as far as Lambda is
    concerned: the SQS messages are deleted and the stream moves on, so exactly the
    records the code marked as failed are lost, silently, with no retry and no
    dead-letter queue.

    Not flagged: a setting the template computes (`!If`, a `${...}` variable), code
    that does not report batch item failures (LAM604 batch-without-partial-failure
    is about that), and event sources of other kinds.

    ## Fix safety
    No automatic fix: add the setting to the event source (see the example).

    ## References
    - [Handling errors for an SQS event source: partial batch responses](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)
    - [Partial batch responses for Kinesis and DynamoDB streams](https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html)
    - [Powertools for AWS Lambda (Python): Batch processing](https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/)
    """

    code = "LAM005"
    name = "partial-batch-not-enabled"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    tags = ("deployment", "reliability", "event-source")

    examples = [
        Bad('''
            Resources:
              OrdersQueue:
                Type: AWS::SQS::Queue
              WorkerFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: worker.handler
                  Runtime: python3.12
                  Timeout: 30
                  Events:
                    Orders:  # expect
                      Type: SQS
                      Properties:
                        Queue: !GetAtt OrdersQueue.Arn
                        BatchSize: 10
        ''', path="template.yaml", files={"src/worker.py": '''
            import json

            def handler(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        json.loads(record["body"])
                    except ValueError:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
        '''}),
        Good('''
            Resources:
              OrdersQueue:
                Type: AWS::SQS::Queue
              WorkerFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: worker.handler
                  Runtime: python3.12
                  Timeout: 30
                  Events:
                    Orders:
                      Type: SQS
                      Properties:
                        Queue: !GetAtt OrdersQueue.Arn
                        BatchSize: 10
                        FunctionResponseTypes:
                          - ReportBatchItemFailures
        ''', path="template.yaml", files={"src/worker.py": '''
            import json

            def handler(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        json.loads(record["body"])
                    except ValueError:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
        '''}),
        Bad('''
            Resources:
              Clicks:
                Type: AWS::Kinesis::Stream
                Properties:
                  ShardCount: 1
              ClickFunction:
                Type: AWS::Lambda::Function
                Properties:
                  Code: src/
                  Handler: clicks.lambda_handler
                  Runtime: python3.12
                  Role: !GetAtt Role.Arn
              ClickMapping:  # expect
                Type: AWS::Lambda::EventSourceMapping
                Properties:
                  FunctionName: !Ref ClickFunction
                  EventSourceArn: !GetAtt Clicks.Arn
                  StartingPosition: LATEST
        ''', path="template.yaml", files={"src/clicks.py": '''
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

            processor = BatchProcessor(event_type=EventType.KinesisDataStreams)

            def record_handler(record):
                return record.kinesis.data_as_text()

            def lambda_handler(event, context):
                return process_partial_response(event=event, record_handler=record_handler,
                                                processor=processor, context=context)
        '''}),
        Bad('''
            service: orders
            provider:
              name: aws
              runtime: python3.12
              timeout: 30
            functions:
              worker:
                handler: worker.handler
                events:
                  - sqs:  # expect
                      arn: arn:aws:sqs:eu-west-1:123456789012:orders
                      batchSize: 10
        ''', path="serverless.yml", files={"worker.py": '''
            def handler(event, context):
                failed = [r["messageId"] for r in event["Records"] if not r["body"]]
                return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
        '''}),
        Bad('''
            from aws_cdk import Duration, Stack
            from aws_cdk import aws_lambda as _lambda
            from aws_cdk.aws_lambda_event_sources import SqsEventSource


            class Orders(Stack):
                def __init__(self, scope, construct_id, queue):
                    super().__init__(scope, construct_id)
                    worker = _lambda.Function(
                        self, "Worker",
                        runtime=_lambda.Runtime.PYTHON_3_12,
                        handler="worker.handler",
                        code=_lambda.Code.from_asset("src"),
                        timeout=Duration.seconds(30),
                    )
                    worker.add_event_source(SqsEventSource(queue, batch_size=10))  # expect
        ''', path="stack.py", files={"cdk.json": "{}", "src/worker.py": '''
            def handler(event, context):
                return {"batchItemFailures": []}
        '''}),
        Good('''
            Resources:
              WorkerFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: worker.handler
                  Runtime: python3.12
                  Timeout: 30
                  Events:
                    Orders:
                      Type: SQS
                      Properties:
                        Queue: !GetAtt OrdersQueue.Arn
        ''', path="template.yaml", files={"src/worker.py": '''
            import json

            def handler(event, context):
                for record in event["Records"]:
                    json.loads(record["body"])
        '''}),
        Good('''
            Conditions:
              Partial: !Equals [!Ref Mode, partial]
            Resources:
              WorkerFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: worker.handler
                  Runtime: python3.12
                  Timeout: 30
                  Events:
                    Orders:
                      Type: SQS
                      Properties:
                        Queue: !GetAtt OrdersQueue.Arn
                        FunctionResponseTypes: !If [Partial, [ReportBatchItemFailures], !Ref AWS::NoValue]
                    Api:
                      Type: HttpApi
        ''', path="template.yaml", files={"src/worker.py": '''
            def handler(event, context):
                return {"batchItemFailures": []}
        '''}),
        Bad('''
            resource "aws_sqs_queue" "orders" {
              name                       = "orders"
              visibility_timeout_seconds = 180
            }

            resource "aws_lambda_event_source_mapping" "orders" {  # expect
              event_source_arn = aws_sqs_queue.orders.arn
              function_name    = aws_lambda_function.worker.arn
              batch_size       = 10
            }

            resource "aws_lambda_function" "worker" {
              function_name = "orders-worker"
              role          = aws_iam_role.worker.arn
              handler       = "worker.handler"
              runtime       = "python3.12"
              timeout       = 30
              filename      = data.archive_file.worker.output_path
            }

            data "archive_file" "worker" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/build/worker.zip"
            }
        ''', path="main.tf", files={"src/worker.py": '''
            import json

            def handler(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        json.loads(record["body"])
                    except ValueError:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
        '''}),
    ]

    def check_templates(self, deployment: Deployment) -> Iterator[TemplateFinding]:
        for function, model, info, entry in deployed_handlers(deployment):
            sources = [e for e in function.events if e.kind in BATCH_KINDS and e.partial_batch is False]
            if not sources:
                continue
            profile = analyses.event_sources(model, entry)
            if profile is None or not (profile.reports_batch_failures or profile.powertools_batch):
                continue
            handler = function.handler.value if function.handler is not None else info.qualname
            where = f"{model.rel_path}:{line_of(model, info.node.name)}"
            for source in sources:
                yield TemplateFinding(
                    source.where,
                    f"{source.name} of {function.label} does not set "
                    f"{setting_name(function, 'partial')}, but `{handler}` ({where}) reports failed records "
                    "in `batchItemFailures`: Lambda ignores that list and treats the whole batch as "
                    "processed, so the failed records are lost",
                    also=(function.where,),
                )
