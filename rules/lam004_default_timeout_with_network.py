"""LAM004 default-timeout-with-network."""

from __future__ import annotations

from typing import Iterator

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.templates import Deployment, DeploymentRule, TemplateFinding

from ._deployment import (
    default_timeout_name,
    deployed_handlers,
    network_of,
    over_budget,
    seconds,
    setting_name,
)


class DefaultTimeoutWithNetwork(DeploymentRule):
    """
    ## What it does
    Flags a deployed function that sets no timeout anywhere (not on the function, not
    in SAM `Globals` or serverless.yml `provider`, no Terraform `timeout`) while its
    invocation scope makes network calls: AWS SDK operations,
    `requests`/`httpx`/`urllib3`/`urllib` requests, sockets, mail and FTP clients,
    database connections. The finding is reported at the function in the template. In the example below, `src/thumbs.py` reads from S3:

    ```python
    s3 = boto3.client("s3")

    def lambda_handler(event, context):
        record = event["Records"][0]["s3"]
        return s3.get_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"])
    ```

    ## Why is this bad?
    Lambda's default timeout is 3 seconds (the Serverless Framework's is 6). It was
    chosen for a hello-world, not for code that waits on other services: one slow
    dependency, a cold TLS handshake or a few SDK retries and the invocation ends with
    "Task timed out", without the code's error handling running. A timeout that
    nobody chose is rarely the right one; set it to what the function should wait for,
    with the code's own timeouts below it.

    Not flagged: functions whose code makes no network call lambdalint recognises,
    and functions LAM003 timeout-budget already reports (their literal timeouts
    exceed the default).

    ## Fix safety
    No automatic fix: only you know how long the function may wait.

    ## References
    - [Configure Lambda function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
    - [Lambda best practices: timeouts and retries](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [serverless-rules ES1006: Lambda default timeout](https://awslabs.github.io/serverless-rules/rules/lambda/default_timeout/)
    """

    code = "LAM004"
    name = "default-timeout-with-network"
    severity = Severity.INFO
    fix = FixAvailability.NONE
    tags = ("deployment", "reliability", "timeouts")

    examples = [
        Bad('''
            Resources:
              ThumbnailFunction:  # expect
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: thumbs.lambda_handler
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/thumbs.py": '''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]["s3"]
                return s3.get_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"])
        '''}),
        Good('''
            Globals:
              Function:
                Timeout: 20
            Resources:
              ThumbnailFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: thumbs.lambda_handler
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/thumbs.py": '''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]["s3"]
                return s3.get_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"])
        '''}),
        Bad('''
            service: notifier
            provider:
              name: aws
              runtime: python3.12
            functions:
              notify:  # expect
                handler: notify.handler
        ''', path="serverless.yml", files={"notify.py": '''
            from urllib.request import urlopen

            def handler(event, context):
                return post(event["url"])

            def post(url):
                with urlopen(url) as response:
                    return response.status
        '''}),
        Bad('''
            from aws_cdk import Stack
            from aws_cdk.aws_lambda_python_alpha import PythonFunction
            from aws_cdk.aws_lambda import Runtime


            class Api(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    PythonFunction(self, "Orders", entry="api", runtime=Runtime.PYTHON_3_12)  # expect
        ''', path="app.py", files={"cdk.json": "{}", "api/index.py": '''
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def handler(event, context):
                return table.get_item(Key={"id": event["id"]})
        '''}),
        Good('''
            Resources:
              Formatter:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: fmt.handler
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/fmt.py": '''
            import json

            def handler(event, context):
                return json.dumps(event, sort_keys=True)
        '''}),
        Good('''
            Resources:
              Fetcher:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: fetch.handler
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/fetch.py": '''
            import requests

            def handler(event, context):
                return requests.get(event["url"], timeout=10).text
        '''}),
        Bad('''
            data "archive_file" "thumbs" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/build/thumbs.zip"
            }

            resource "aws_lambda_function" "thumbs" {  # expect
              function_name    = "thumbs"
              role             = aws_iam_role.thumbs.arn
              handler          = "thumbs.lambda_handler"
              runtime          = "python3.12"
              filename         = data.archive_file.thumbs.output_path
              source_code_hash = data.archive_file.thumbs.output_base64sha256
            }
        ''', path="main.tf", files={"src/thumbs.py": '''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]["s3"]
                return s3.get_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"])
        '''}),
    ]

    def check_templates(self, deployment: Deployment) -> Iterator[TemplateFinding]:
        network = network_of(deployment)
        assert deployment.project is not None
        for function, model, info, _ in deployed_handlers(deployment):
            if function.timeout is not None:
                continue
            first = next(network.calls(deployment.project, model, info), None)
            if first is None or over_budget(deployment, function, model, info) is not None:
                continue
            handler = function.handler.value if function.handler is not None else info.qualname
            yield TemplateFinding(
                function.where,
                f"{function.label} keeps {default_timeout_name(function)} of "
                f"{seconds(function.default_timeout)}, but `{handler}` makes network calls ({first.describe()}); "
                f"set {setting_name(function, 'timeout')} to how long the function should wait, with the "
                "code's own timeouts below it",
            )
