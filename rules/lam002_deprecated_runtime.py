"""LAM002 deprecated-runtime."""

from __future__ import annotations

from typing import Iterator

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.catalog.templates import DEPRECATED_RUNTIMES, RECOMMENDED_RUNTIME
from lambdalint.templates import Deployment, DeploymentRule, TemplateFinding, TemplateFunction


class DeprecatedRuntime(DeploymentRule):
    """
    ## What it does
    Flags a function deployed on a Python runtime that AWS Lambda has deprecated:
    `python2.7`, `python3.6`, `python3.7`, `python3.8` and `python3.9` (as of 2026).
    It reads SAM/CloudFormation `Runtime` (also from `Globals.Function`, or the
    default of the parameter it `!Ref`s), serverless.yml `runtime` (also from
    `provider`), CDK `runtime=_lambda.Runtime.PYTHON_3_9`, and Terraform `runtime`
    (also from a variable's `default`, or a module's argument). A runtime set once in
    `Globals` or `provider` is reported once, at that line.

    ## Why is this bad?
    After the deprecation date Lambda no longer applies security patches to the
    runtime, and AWS support no longer covers functions that use it. Some time later,
    Lambda blocks creating functions on it and then blocks updating them, so a
    deployment that changes nothing but the code starts failing. The libraries the
    code depends on drop old Pythons too (boto3 and Powertools included). Move to a
    supported runtime such as `python3.13` (test the code on it first).

    Not flagged: supported Python runtimes, runtimes of other languages and custom
    runtimes (`nodejs20.x`, `provided.al2023`), functions that set no runtime (a
    container image), and a runtime the template computes (`!If`, a `${...}`
    variable, a parameter or Terraform variable without a default), which cannot be
    read.

    ## Fix safety
    No automatic fix: a new Python version needs the code and its dependencies
    tested on it.

    ## References
    - [Lambda runtimes: supported and deprecated runtimes](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
    - [Runtime deprecation policy](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtime-support-policy)
    """

    code = "LAM002"
    needs_code = False  # reads only the templates: one finding per Globals line
    name = "deprecated-runtime"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    tags = ("deployment", "security", "maintenance")

    examples = [
        Bad('''
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.9  # expect
                Timeout: 10
            Resources:
              OrdersFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.lambda_handler
              ReportsFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: reports.lambda_handler
        ''', path="template.yaml"),
        Good('''
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.13
                Timeout: 10
            Resources:
              OrdersFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.lambda_handler
        ''', path="template.yaml"),
        Bad('''
            service: reports
            provider:
              name: aws
              runtime: python3.12
            functions:
              nightly:
                handler: jobs.nightly
                runtime: python3.8  # expect
              hourly:
                handler: jobs.hourly
        ''', path="serverless.yml"),
        Bad('''
            Parameters:
              PythonRuntime:
                Type: String
                Default: python3.7
            Resources:
              Legacy:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: !Ref PythonRuntime  # expect
                  Handler: index.handler
                  Code:
                    ZipFile: "def handler(event, context): return None"
              Ancient:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: python2.7  # expect
                  Handler: index.handler
                  Code:
                    ZipFile: "def handler(event, context): return None"
        ''', path="template.yaml"),
        Bad('''
            from aws_cdk import Stack, aws_lambda as _lambda


            class Reports(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    _lambda.Function(
                        self, "Nightly",
                        runtime=_lambda.Runtime.PYTHON_3_8,  # expect
                        handler="jobs.nightly",
                        code=_lambda.Code.from_asset("src"),
                    )
        ''', path="stack.py", files={"cdk.json": "{}"}),
        Good('''
            Conditions:
              IsProd: !Equals [!Ref Stage, prod]
            Resources:
              Orders:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.lambda_handler
                  Runtime: !If [IsProd, python3.12, python3.13]
              Web:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: web/
                  Handler: index.handler
                  Runtime: nodejs20.x
        ''', path="template.yaml"),
        Good('''
            service: reports
            provider:
              name: aws
              runtime: ${env:PYTHON_RUNTIME}
            functions:
              nightly:
                handler: jobs.nightly
        ''', path="serverless.yml"),
        Bad('''
            variable "python_runtime" {
              type    = string
              default = "python3.8"
            }

            module "exporter" {
              source  = "terraform-aws-modules/lambda/aws"
              version = "~> 7.0"

              function_name = "exporter"
              handler       = "export.handler"
              runtime       = var.python_runtime  # expect
              source_path   = "${path.module}/exporter"
            }
        ''', path="main.tf"),
    ]

    def check_templates(self, deployment: Deployment) -> Iterator[TemplateFinding]:
        by_place: dict[tuple[int, int], list[TemplateFunction]] = {}
        for function in deployment.functions:
            runtime = function.runtime
            if runtime is None or runtime.value not in DEPRECATED_RUNTIMES:
                continue
            key = (id(runtime.where.template), runtime.where.line)
            by_place.setdefault(key, []).append(function)
        for functions in by_place.values():
            runtime = functions[0].runtime
            assert runtime is not None
            names = ", ".join(f.label for f in functions[:4]) + (
                f" and {len(functions) - 4} more" if len(functions) > 4 else "")
            yield TemplateFinding(
                runtime.where,
                f"runtime `{runtime.value}`{runtime.describe()} of {names} reached its AWS Lambda "
                f"deprecation date on {DEPRECATED_RUNTIMES[runtime.value]}: no more security patches, "
                f"and Lambda will block creating and then updating such functions; move to "
                f"{RECOMMENDED_RUNTIME} or later",
                also=tuple(f.where for f in functions),
            )
