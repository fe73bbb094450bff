"""LAM001 handler-not-found."""

from __future__ import annotations

from typing import Iterator

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.templates import Deployment, DeploymentRule, TemplateFinding


class HandlerNotFound(DeploymentRule):
    """
    ## What it does
    Flags a deployment template whose `Handler` names no module or no function in
    the code it deploys: SAM and CloudFormation `Handler` with `CodeUri`/`Code`,
    serverless.yml `handler`, CDK `handler=` with `Code.from_asset(...)` or
    `PythonFunction(entry=..., index=..., handler=...)`, and Terraform `handler` with
    the folder of its `archive_file` (or the community Lambda module's `source_path`).
    The finding is reported at the template's `Handler` line.

    ## Why is this bad?
    Lambda imports the handler's module and looks the function up on the first
    invocation of every execution environment. A renamed file or function, a typo
    in the template, or a `CodeUri` that points at the wrong folder deploys without
    complaint and then fails every invocation with `Runtime.ImportModuleError` or
    `Runtime.HandlerNotFound`.

    `Handler: pkg.module.function` is looked up in the code folder as
    `pkg/module.py` or `pkg/module/__init__.py` (Lambda imports the module by its
    file name, so `lambda-handler.handler` is `lambda-handler.py`); the function may
    be any name the module binds at its top level (a `def`, an assignment such as
    `handler = Mangum(app)`, or an import). Not flagged: functions whose runtime is not
    Python (or not given), custom runtimes (`provided.*`) and handlers that name a
    program rather than a function: the start-up script of the Lambda Web Adapter
    or another `AWS_LAMBDA_EXEC_WRAPPER` (`run.sh`, any `.sh` file, a file of the
    code folder such as `start`), and `bootstrap`; code that is inline, in S3, a container image or a
    packaged archive, code produced by a build step (`Metadata: BuildMethod:
    makefile`), handlers the template computes (`!Ref`, `${...}`), and modules
    that define names dynamically (`from x import *`, a module `__getattr__`).

    ## Fix safety
    No automatic fix: whether the template or the code is wrong is for you to say.

    ## References
    - [Define Lambda function handler in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)
    - [AWS::Serverless::Function `Handler` and `CodeUri`](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html)
    - [Troubleshoot invocation issues: Runtime.ImportModuleError](https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html)
    """

    code = "LAM001"
    needs_code = False  # handler files are looked up in the tree, not modelled
    name = "handler-not-found"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    tags = ("deployment", "correctness")

    examples = [
        Bad('''
            Transform: AWS::Serverless-2016-10-31
            Resources:
              OrdersFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler  # expect
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/app.py": '''
            def lambda_handler(event, context):
                return {"ok": True}
        '''}),
        Good('''
            Transform: AWS::Serverless-2016-10-31
            Resources:
              OrdersFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.lambda_handler
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/app.py": '''
            def lambda_handler(event, context):
                return {"ok": True}
        '''}),
        Bad('''
            service: orders
            provider:
              name: aws
              runtime: python3.12
            functions:
              worker:
                handler: handlers/worker.main  # expect
        ''', path="serverless.yml", files={"handlers/orders.py": '''
            def main(event, context):
                return None
        '''}),
        Bad('''
            Globals:
              Function:
                Runtime: python3.12
                CodeUri: functions/
            Resources:
              Api:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: api.app.lambda_handler  # expect
              Worker:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: worker/
                  Handler: jobs.run  # expect
        ''', path="template.yaml", files={"functions/api/routes.py": '''
            def lambda_handler(event, context):
                return None
        '''}),
        Bad('''
            from aws_cdk import Stack, aws_lambda as _lambda


            class OrdersStack(Stack):
                def __init__(self, scope, construct_id, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
                    _lambda.Function(
                        self, "Orders",
                        runtime=_lambda.Runtime.PYTHON_3_12,
                        handler="orders.handle",  # expect
                        code=_lambda.Code.from_asset("lambda"),
                    )
        ''', path="infra/stack.py", files={"cdk.json": '{"app": "python3 app.py"}', "lambda/orders.py": '''
            def handler(event, context):
                return None
        '''}),
        Good('''
            Resources:
              ApiFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: api.handler
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/api/__init__.py": '''
            from mangum import Mangum

            from .routes import app

            handler = Mangum(app)
        ''', "src/api/routes.py": '''
            app = object()
        '''}),
        Good('''
            Resources:
              Legacy:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: web/
                  Handler: index.handler
                  Runtime: nodejs20.x
              Inline:
                Type: AWS::Lambda::Function
                Properties:
                  Handler: index.handler
                  Runtime: python3.12
                  Code:
                    ZipFile: |
                      def handler(event, context):
                          return None
              Built:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: generated/
                  Handler: app.handler
                  Runtime: python3.12
                Metadata:
                  BuildMethod: makefile
              FromParameter:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: !Ref HandlerName
                  Runtime: python3.12
        ''', path="template.yaml", files={"src/app.py": "x = 1\n"}),
        Good('''
            Transform: AWS::Serverless-2016-10-31
            Resources:
              WebApp:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: web/
                  Handler: run.sh
                  Runtime: python3.12
                  Layers:
                    - !Sub arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:24
                  Environment:
                    Variables:
                      AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
              Thumbnails:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: thumbnails/
                  Handler: lambda-handler.handler
                  Runtime: python3.12
              Native:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: native/
                  Handler: bootstrap
                  Runtime: provided.al2023
        ''', path="template.yaml", files={"web/run.sh": '''
            #!/bin/sh
            exec python -m uvicorn main:app --port 8080
        ''', "web/main.py": '''
            app = object()
        ''', "thumbnails/lambda-handler.py": '''
            def handler(event, context):
                return {"ok": True}
        '''}),
        Good('''
            service: orders
            provider:
              name: aws
              runtime: python3.12
            functions:
              worker:
                handler: src/handlers/worker.main
              other:
                handler: ${self:custom.otherHandler}
        ''', path="serverless.yml", files={"src/handlers/worker.py": '''
            from .common import *
        ''', "src/handlers/common.py": '''
            def main(event, context):
                return None
        '''}),
        Bad('''
            data "archive_file" "orders" {
              type        = "zip"
              source_dir  = "${path.module}/src"
              output_path = "${path.module}/build/orders.zip"
            }

            resource "aws_lambda_function" "orders" {
              function_name    = "orders"
              role             = aws_iam_role.orders.arn
              handler          = "orders.handler"  # expect
              runtime          = "python3.12"
              filename         = data.archive_file.orders.output_path
              source_code_hash = data.archive_file.orders.output_base64sha256
            }
        ''', path="main.tf", files={"src/app.py": '''
            def handler(event, context):
                return {"ok": True}
        '''}),
    ]

    def check_templates(self, deployment: Deployment) -> Iterator[TemplateFinding]:
        for function in deployment.functions:
            if function.not_found is None:
                continue
            where = function.handler.where if function.handler is not None else function.where
            yield TemplateFinding(where, function.not_found, also=(function.where,))
