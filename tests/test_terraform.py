"""Terraform: functions, layers and event sources read from real-shaped `.tf` files
(`aws_lambda_function` with `archive_file`, the community module
terraform-aws-modules/lambda/aws, local modules), the expressions that are and are
not known, LAM001-LAM005 at the `.tf` lines (`# noqa` and `// noqa` included, in
SARIF and the baseline), discovery, and broken files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import run_cli, write

from lambdalint import Bad, Severity
from lambdalint.registry import load_registry
from lambdalint.templates import DeploymentRule, TemplateError, TemplateFunction, hcl, terraform
from lambdalint.testing import run_rule

RULES = load_registry(include_plugins=False).rules


class _NoRule(DeploymentRule):
    """A deployment rule that reports nothing, so runs build the deployment."""

    code = "LAM099"
    name = "no-rule"
    severity = Severity.INFO
    examples: list[Bad] = []

    def check_templates(self, deployment):  # type: ignore[no-untyped-def]
        return iter(())


def _dedent(files: dict[str, str]) -> dict[str, str]:
    return {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}


def functions(files: dict[str, str]) -> dict[str, TemplateFunction]:
    result = run_rule(_NoRule, _dedent(files))
    assert not result.internal_error, result.messages
    assert result.deployment is not None
    return {f.name: f for f in result.deployment.functions}


def findings(code: str, files: dict[str, str]) -> list[tuple[str, int, str]]:
    result = run_rule(RULES[code], _dedent(files))
    assert not result.internal_error, result.messages
    return [(str(d.path), d.location.row, d.message) for d in result.diagnostics if d.code == code]


def line_of(text: str, needle: str) -> int:
    """The line of the first line of a (dedented) file that contains ``needle``."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


# A function packaged by `archive_file` from ../src, with a deprecated runtime from a
# variable's default, no timeout, and an SQS queue feeding it without partial batch responses.
MAIN_TF = '''
    terraform {
      required_providers {
        aws = { source = "hashicorp/aws", version = "~> 5.0" }
      }
    }

    variable "python_runtime" {
      description = "Runtime of the report function"
      type        = string
      default     = "python3.8"
    }

    locals {
      source_root = "${path.module}/../src"
      memory      = 512
    }

    data "archive_file" "report" {
      type        = "zip"
      source_dir  = local.source_root
      output_path = "${path.module}/build/report.zip"
    }

    resource "aws_lambda_function" "report" {
      function_name    = "nightly-report"
      role             = aws_iam_role.lambda.arn
      handler          = "report.main"
      runtime          = var.python_runtime
      memory_size      = local.memory
      filename         = data.archive_file.report.output_path
      source_code_hash = data.archive_file.report.output_base64sha256

      environment {
        variables = {
          TABLE = aws_dynamodb_table.reports.name
        }
      }
    }
'''

EVENTS_TF = '''
    resource "aws_sqs_queue" "jobs" {
      name                       = "report-jobs"
      visibility_timeout_seconds = 60
    }

    resource "aws_lambda_event_source_mapping" "jobs" {
      event_source_arn = aws_sqs_queue.jobs.arn
      function_name    = aws_lambda_function.report.arn
      batch_size       = 10
    }
'''

REPORT_PY = '''
    import requests


    def main(event, context):
        failures = []
        for record in event["Records"]:
            try:
                requests.post("https://hooks.example.com/report", json=record["body"], timeout=2)
            except requests.RequestException:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
'''

PROJECT = {"infra/main.tf": MAIN_TF, "infra/events.tf": EVENTS_TF, "src/report.py": REPORT_PY}
FUNCTION_LINE = line_of(MAIN_TF, 'resource "aws_lambda_function"')
RUNTIME_LINE = line_of(MAIN_TF, "runtime ")
MAPPING_LINE = line_of(EVENTS_TF, 'resource "aws_lambda_event_source_mapping"')


# -- HCL ---------------------------------------------------------------------------------------


class _Scope:
    def variable(self, name):  # type: ignore[no-untyped-def]
        return {"stage": "prod", "seconds": 30, "names": ["a", "b"]}.get(name, hcl.UNKNOWN)

    def local(self, name):  # type: ignore[no-untyped-def]
        return {"root": "lambda"}.get(name, hcl.UNKNOWN)

    def path(self, name):  # type: ignore[no-untyped-def]
        return {"module": "infra", "root": "."}.get(name, hcl.UNKNOWN)


@pytest.mark.parametrize(("expression", "value"), [
    ('"report.main"', "report.main"),
    ('"${path.module}/../src"', "infra/../src"),
    ('"${local.root}/${var.stage}"', "lambda/prod"),
    ("var.seconds * 2 + 1", 61),
    ("5 * 60", 300),
    ('var.stage == "prod" ? 60 : 10', 60),
    ('format("%s/src", path.module)', "infra/src"),
    ('join("/", [path.module, "src"])', "infra/src"),
    ('abspath("${path.root}/src")', "src"),
    ("var.names[1]", "b"),
    ('{ a = "x", "b" = 2 }', {"a": "x", "b": 2}),
    ('"tab\\tquote\\" $${literal}"', 'tab\tquote" ${literal}'),
    ("null", hcl.NULL),
    ("true", True),
    ("aws_sqs_queue.jobs.arn", hcl.Ref(("aws_sqs_queue", "jobs", "arn"))),
    ('"${aws_lambda_function.f[0].arn}"', hcl.Ref(("aws_lambda_function", "f", "arn"))),
    ("module.fn.lambda_function_arn", hcl.Ref(("module", "fn", "lambda_function_arn"))),
    ('filebase64sha256("${path.module}/x.zip")', hcl.Digest("infra/x.zip")),
])
def test_expressions_that_are_known(expression, value):
    body = hcl.parse(f"x = {expression}\n")
    assert hcl.evaluate(body.attributes["x"].expr, _Scope()) == value


@pytest.mark.parametrize("expression", [
    "var.unset", 'var.flag ? "python3.8" : "python3.12"', "each.value.handler", "count.index",
    '"${var.unset}/src"', "data.aws_region.current.name == 1", "[for s in var.names : s]",
    "var.names[*]", 'templatefile("x.tpl", {})', "terraform.workspace", 'file("handler.txt")',
    '"%{ if var.stage == "prod" }a%{ endif }"', "provider::aws::arn_parse(x)", "try(var.unset, 3)",
    "aws_lambda_function.f.timeout + 1",
])
def test_expressions_that_are_unknown(expression):
    body = hcl.parse(f"x = {expression}\n")
    assert hcl.evaluate(body.attributes["x"].expr, _Scope()) is hcl.UNKNOWN


def test_blocks_and_attributes_keep_their_lines_and_columns():
    text = textwrap.dedent(MAIN_TF).lstrip("\n")
    body = hcl.parse(text)
    (function,) = [b for b in body.blocks if b.type == "resource"]
    assert function.labels == ("aws_lambda_function", "report")
    assert function.mark.line == line_of(MAIN_TF, 'resource "aws_lambda_function"')
    assert (function.mark.column, function.mark.end_column) == (1, len('resource "aws_lambda_function" "report" {') + 1)
    handler = function.body.attributes["handler"]
    assert handler.mark.line == line_of(MAIN_TF, "handler ")
    assert (handler.mark.column, handler.mark.end_column) == (3, len('  handler          = "report.main"') + 1)
    assert function.body.block("environment") is not None


@pytest.mark.parametrize(("text", "line"), [
    ('resource "aws_lambda_function" "x" {\n  handler = "a.b"\n', 3),  # no closing brace
    ('locals {\n  a = = 1\n}\n', 2),
    ('resource "x" "y" {\n  a = "unterminated\n}\n', 2),
])
def test_a_file_that_does_not_parse_is_one_error_with_its_line(text, line):
    with pytest.raises(TemplateError) as raised:
        hcl.parse(text)
    assert raised.value.message.startswith("invalid HCL")
    assert raised.value.line == line


# -- what is read ----------------------------------------------------------------------------


def test_a_function_packaged_by_archive_file_with_its_settings_and_mapping():
    report = functions(PROJECT)["aws_lambda_function.report"]
    assert report.template.rel_path == "infra/main.tf"
    assert report.where.line == line_of(MAIN_TF, 'resource "aws_lambda_function"')
    assert report.handler.value == "report.main"
    assert (report.runtime.value, report.runtime.origin) == ("python3.8", "the default of variable `python_runtime`")
    assert report.runtime.where.line == line_of(MAIN_TF, "runtime ")
    assert report.timeout is None and report.timeout_seconds == 3
    assert report.memory_mb == 512
    assert report.code_dir == "src" and report.module_file == "src/report.py" and report.function_name == "main"
    (mapping,) = report.events
    assert (mapping.kind, mapping.partial_batch, mapping.invocation) == ("SQS", False, "poll")
    assert mapping.where.template.rel_path == "infra/events.tf"
    assert mapping.where.line == line_of(EVENTS_TF, 'resource "aws_lambda_event_source_mapping"')


def test_the_community_module_with_source_path_and_its_event_sources():
    main = '''
        module "ingest" {
          source  = "terraform-aws-modules/lambda/aws"
          version = "~> 7.0"

          function_name = "ingest"
          handler       = "ingest.app.handler"
          runtime       = "python3.12"
          timeout       = 30
          memory_size   = 1024

          source_path = [
            {
              path             = "${path.module}/functions"
              pip_requirements = true
            },
            { pip_requirements = "${path.module}/requirements.txt" },
          ]

          event_source_mapping = {
            sqs = {
              event_source_arn        = aws_sqs_queue.ingest.arn
              function_response_types = ["ReportBatchItemFailures"]
            }
            stream = {
              event_source_arn  = aws_kinesis_stream.clicks.arn
              starting_position = "LATEST"
            }
          }
          allowed_triggers = {
            api = {
              service    = "apigateway"
              source_arn = "${module.api_gateway.api_execution_arn}/*/*"
            }
          }
          create_lambda_function_url = true
        }

        module "single_file" {
          source      = "terraform-aws-modules/lambda/aws"
          handler     = "index.lambda_handler"
          runtime     = "python3.11"
          source_path = "${path.module}/single/index.py"
        }

        module "prebuilt" {
          source                 = "terraform-aws-modules/lambda/aws"
          handler                = "index.lambda_handler"
          runtime                = "python3.12"
          create_package         = false
          local_existing_package = "${path.module}/dist/prebuilt.zip"
        }

        module "only_a_layer" {
          source       = "terraform-aws-modules/lambda/aws"
          create_layer = true
          layer_name   = "deps"
          source_path  = "${path.module}/layers/deps"
        }
    '''
    found = functions({"main.tf": main, "functions/ingest/app.py": "def handler(event, context):\n    pass\n",
                       "single/index.py": "def lambda_handler(event, context):\n    pass\n"})
    assert sorted(found) == ["module.ingest", "module.prebuilt", "module.single_file"]
    ingest = found["module.ingest"]
    assert (ingest.handler.value, ingest.runtime.value, ingest.timeout_seconds, ingest.memory_mb) == (
        "ingest.app.handler", "python3.12", 30, 1024)
    assert ingest.where.line == line_of(main, 'module "ingest"')
    assert ingest.code_dir == "functions" and ingest.module_file == "functions/ingest/app.py"
    assert sorted((e.kind, e.partial_batch, e.where.line) for e in ingest.events) == [
        ("API", None, line_of(main, "api = {")),
        ("FunctionURL", None, line_of(main, "create_lambda_function_url")),
        ("Kinesis", False, line_of(main, "stream = {")),
        ("SQS", True, line_of(main, "sqs = {")),
    ]
    assert found["module.single_file"].code_dir == "single"
    assert found["module.single_file"].module_file == "single/index.py"
    assert found["module.prebuilt"].code_dir is None
    assert "local_existing_package" in found["module.prebuilt"].code_note


def test_variables_take_their_defaults_and_unknown_ones_stay_unknown():
    main = '''
        variable "runtime" {
          type    = string
          default = "python3.9"
        }
        variable "timeout" {
          type = number
        }
        variable "memory" {
          type    = number
          default = null
        }

        resource "aws_lambda_function" "a" {
          function_name = "a"
          handler       = "app.handler"
          runtime       = var.runtime
          timeout       = var.timeout
          memory_size   = var.memory
          filename      = "build/a.zip"
        }
    '''
    (function,) = functions({"main.tf": main}).values()
    assert function.runtime.value == "python3.9"
    assert function.timeout is not None and function.timeout.value is None  # set, to a value not known
    assert function.timeout_seconds is None
    assert function.memory is None and function.memory_mb == 128  # null: as if not set
    assert function.code_dir is None and "packaged artifact" in function.code_note


def test_code_locations_that_are_not_in_the_tree():
    main = '''
        resource "aws_lambda_function" "image" {
          function_name = "image"
          package_type  = "Image"
          image_uri     = "${aws_ecr_repository.app.repository_url}:latest"
        }
        resource "aws_lambda_function" "s3" {
          function_name = "s3"
          handler       = "app.missing"
          runtime       = "python3.12"
          s3_bucket     = "artifacts"
          s3_key        = "s3/app.zip"
        }
        data "archive_file" "inline" {
          type        = "zip"
          output_path = "inline.zip"
          source {
            content  = "def handler(event, context): pass"
            filename = "index.py"
          }
        }
        resource "aws_lambda_function" "inline" {
          function_name = "inline"
          handler       = "index.missing"
          runtime       = "python3.12"
          filename      = data.archive_file.inline.output_path
        }
        resource "aws_lambda_function" "computed" {
          function_name = "computed"
          handler       = "app.missing"
          runtime       = "python3.12"
          filename      = var.artifact
        }
    '''
    found = functions({"main.tf": main, "app.py": "def handler(event, context):\n    pass\n"})
    notes = {name: (f.code_dir, f.code_note) for name, f in found.items()}
    assert notes == {
        "aws_lambda_function.image": (None, "a container image"),
        "aws_lambda_function.s3": (None, "code stored in S3 (`s3_bucket`/`s3_key`)"),
        "aws_lambda_function.inline": (None, "an archive of inline content (`source` blocks)"),
        "aws_lambda_function.computed": (None, "a computed code location"),
    }
    assert findings("LAM001", {"main.tf": main, "app.py": "def handler(event, context):\n    pass\n"}) == []


def test_an_archive_named_by_its_output_path_and_a_single_source_file():
    main = '''
        data "archive_file" "zip" {
          type        = "zip"
          source_file = "${path.module}/lambda/handler.py"
          output_path = "${path.module}/lambda.zip"
        }
        resource "aws_lambda_function" "f" {
          function_name    = "f"
          handler          = "handler.run"
          runtime          = "python3.12"
          filename         = "lambda.zip"
          source_code_hash = filebase64sha256("lambda.zip")
        }
    '''
    (function,) = functions({"main.tf": main, "lambda/handler.py": "def run(event, context):\n    pass\n"}).values()
    assert function.code_dir == "lambda" and function.module_file == "lambda/handler.py"


def test_layers_in_order_with_their_folders():
    main = '''
        data "archive_file" "deps" {
          type        = "zip"
          source_dir  = "${path.module}/layers/deps"
          output_path = "${path.module}/build/deps.zip"
        }
        resource "aws_lambda_layer_version" "deps" {
          layer_name          = "deps"
          filename            = data.archive_file.deps.output_path
          compatible_runtimes = ["python3.12"]
        }
        resource "aws_lambda_function" "f" {
          function_name = "f"
          handler       = "app.handler"
          runtime       = "python3.12"
          filename      = "f.zip"
          layers = [
            module.shared_layer.lambda_layer_arn,
            aws_lambda_layer_version.deps.arn,
            "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
            var.extra_layer,
          ]
        }
    '''
    main += '''
        module "shared_layer" {
          source       = "terraform-aws-modules/lambda/aws"
          create_layer = true
          layer_name   = "shared"
          source_path  = "${path.module}/layers/shared"
        }
    '''
    (function,) = functions({"main.tf": main}).values()
    assert [(layer.name, layer.content_dir, layer.where.line) for layer in function.layers] == [
        ("module.shared_layer", "layers/shared", line_of(main, "module.shared_layer.lambda_layer_arn")),
        ("aws_lambda_layer_version.deps", "layers/deps", line_of(main, "aws_lambda_layer_version.deps.arn")),
        ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7", None,
         line_of(main, "arn:aws:lambda:eu-west-1")),
    ]


def test_every_kind_of_invoker_is_linked_to_its_function():
    main = '''
        resource "aws_lambda_function" "thumbs" {
          function_name = "thumbs"
          handler       = "app.handler"
          runtime       = "python3.12"
          filename      = "thumbs.zip"
        }
        resource "aws_lambda_alias" "live" {
          name          = "live"
          function_name = aws_lambda_function.thumbs.function_name
        }
        resource "aws_s3_bucket_notification" "uploads" {
          bucket = aws_s3_bucket.uploads.id
          lambda_function {
            lambda_function_arn = aws_lambda_function.thumbs.arn
            events              = ["s3:ObjectCreated:*"]
            filter_prefix       = "incoming/"
            filter_suffix       = ".jpg"
          }
        }
        resource "aws_cloudwatch_event_rule" "nightly" {
          schedule_expression = "cron(0 3 * * ? *)"
        }
        resource "aws_cloudwatch_event_target" "nightly" {
          rule = aws_cloudwatch_event_rule.nightly.name
          arn  = aws_lambda_function.thumbs.arn
        }
        resource "aws_cloudwatch_event_rule" "uploaded" {
          event_pattern = jsonencode({ source = ["aws.s3"] })
        }
        resource "aws_cloudwatch_event_target" "uploaded" {
          rule = aws_cloudwatch_event_rule.uploaded.name
          arn  = aws_lambda_alias.live.arn
        }
        resource "aws_scheduler_schedule" "hourly" {
          schedule_expression = "rate(1 hour)"
          flexible_time_window {
            mode = "OFF"
          }
          target {
            arn      = aws_lambda_function.thumbs.arn
            role_arn = aws_iam_role.scheduler.arn
          }
        }
        resource "aws_lambda_permission" "api" {
          statement_id  = "AllowAPIGateway"
          action        = "lambda:InvokeFunction"
          function_name = aws_lambda_function.thumbs.function_name
          principal     = "apigateway.amazonaws.com"
        }
        resource "aws_lambda_permission" "topic" {
          function_name = "thumbs"
          principal     = "sns.amazonaws.com"
        }
        resource "aws_lambda_function_url" "url" {
          function_name      = aws_lambda_function.thumbs.function_name
          authorization_type = "AWS_IAM"
        }
        resource "aws_sns_topic_subscription" "sub" {
          topic_arn = aws_sns_topic.t.arn
          protocol  = "lambda"
          endpoint  = aws_lambda_function.thumbs.arn
        }
        resource "aws_apigatewayv2_integration" "http" {
          api_id           = aws_apigatewayv2_api.http.id
          integration_type = "AWS_PROXY"
          integration_uri  = aws_lambda_function.thumbs.invoke_arn
        }
        resource "aws_lambda_event_source_mapping" "unknown_source" {
          event_source_arn = var.queue_arn
          function_name    = aws_lambda_function.thumbs.arn
        }
    '''
    (thumbs,) = functions({"main.tf": main}).values()
    assert sorted((e.kind, e.invocation, e.prefix, e.suffix) for e in thumbs.events) == [
        ("API", "sync", None, None), ("API", "sync", None, None),
        ("EventBridge", "async", None, None), ("FunctionURL", "sync", None, None),
        ("S3", "async", "incoming/", ".jpg"), ("SNS", "async", None, None), ("SNS", "async", None, None),
        ("Schedule", "async", None, None), ("Schedule", "async", None, None),
    ]
    (s3,) = [e for e in thumbs.events if e.kind == "S3"]
    assert s3.where.line == line_of(main, "lambda_function {")


def test_declared_sources_reach_the_handlers_entry_point():
    main = '''
        resource "aws_lambda_function" "thumbs" {
          function_name = "thumbs"
          handler       = "app.handler"
          runtime       = "python3.12"
          filename      = data.archive_file.code.output_path
        }
        data "archive_file" "code" {
          type        = "zip"
          source_dir  = "src"
          output_path = "code.zip"
        }
        resource "aws_s3_bucket_notification" "uploads" {
          bucket = "uploads"
          lambda_function {
            lambda_function_arn = aws_lambda_function.thumbs.arn
            events              = ["s3:ObjectCreated:*"]
            filter_prefix       = "incoming/"
          }
        }
    '''
    files = _dedent({"main.tf": main, "src/app.py": "def handler(event, context):\n    return None\n"})
    result = run_rule(_NoRule, files)
    (model,) = [m for m in result.project.models if m.rel_path == "src/app.py"]
    (entry,) = model.handlers()
    assert [(e.kind, e.prefix) for e in entry.declared] == [("S3", "incoming/")]


def test_a_local_module_is_followed_with_the_callers_arguments():
    main = '''
        module "api" {
          source  = "./modules/python-function"
          name    = "api"
          handler = "api.handler"
          runtime = "python3.8"
          code    = "${path.module}/services/api"
        }

        resource "aws_lambda_event_source_mapping" "api" {
          event_source_arn = aws_sqs_queue.q.arn
          function_name    = module.api.function_arn
        }
    '''
    module = '''
        variable "name" {}
        variable "handler" {}
        variable "runtime" {
          default = "python3.12"
        }
        variable "code" {}
        variable "timeout" {
          default = 15
        }

        data "archive_file" "this" {
          type        = "zip"
          source_dir  = var.code
          output_path = "${path.module}/build/${var.name}.zip"
        }

        resource "aws_lambda_function" "this" {
          function_name = var.name
          handler       = var.handler
          runtime       = var.runtime
          timeout       = var.timeout
          filename      = data.archive_file.this.output_path
        }

        output "function_arn" {
          value = aws_lambda_function.this.arn
        }
    '''
    found = functions({"main.tf": main, "modules/python-function/main.tf": module,
                       "services/api/api.py": "def handler(event, context):\n    pass\n"})
    assert list(found) == ["module.api.aws_lambda_function.this"]
    api = found["module.api.aws_lambda_function.this"]
    assert api.template.rel_path == "modules/python-function/main.tf"
    assert api.code_dir == "services/api" and api.module_file == "services/api/api.py"
    # The runtime is written where the caller passes it ...
    assert (api.runtime.value, api.runtime.where.describe()) == ("python3.8", f"main.tf:{line_of(main, 'runtime')}")
    # ... the timeout where the module defaults it.
    assert (api.timeout.value, api.timeout.origin) == (15, "the default of variable `timeout`")
    assert [(e.kind, e.where.template.rel_path) for e in api.events] == [("SQS", "main.tf")]


def test_a_module_is_read_alone_only_when_nothing_calls_it(workdir):
    module = '''
        variable "runtime" {}
        resource "aws_lambda_function" "this" {
          function_name = "x"
          handler       = "app.handler"
          runtime       = var.runtime
          filename      = "x.zip"
        }
    '''
    alone = functions({"modules/fn/main.tf": module})
    assert list(alone) == ["aws_lambda_function.this"] and alone["aws_lambda_function.this"].runtime.value is None
    called = functions({"modules/fn/main.tf": module,
                        "main.tf": 'module "a" {\n  source  = "./modules/fn"\n  runtime = "python3.9"\n}\n'})
    assert list(called) == ["module.a.aws_lambda_function.this"]
    assert called["module.a.aws_lambda_function.this"].runtime.value == "python3.9"


def test_tfvars_that_terraform_loads_override_defaults_and_others_make_them_unknown(workdir):
    write(workdir, {".git/HEAD": "", "src/app.py": "def handler(event, context):\n    pass\n", "main.tf": '''
        variable "runtime" {
          default = "python3.8"
        }
        variable "memory" {
          default = 128
        }
        resource "aws_lambda_function" "f" {
          function_name = "f"
          handler       = "app.handler"
          runtime       = var.runtime
          memory_size   = var.memory
          filename      = data.archive_file.f.output_path
        }
        data "archive_file" "f" {
          type        = "zip"
          source_dir  = "src"
          output_path = "f.zip"
        }
    '''})
    first = run_cli("check", "--select", "LAM002", "--output-format", "json", ".")
    assert [d["code"] for d in json.loads(first.stdout)] == ["LAM002"]
    write(workdir, {"terraform.tfvars": 'runtime = "python3.13"\n'})
    assert run_cli("check", "--select", "LAM002", ".").exit_code == 0
    (workdir / "terraform.tfvars").unlink()
    write(workdir, {"prod.tfvars": 'runtime = "python3.12"\n'})  # passed with -var-file: the value is unknown
    assert run_cli("check", "--select", "LAM002", ".").exit_code == 0


# -- the rules ---------------------------------------------------------------------------------


def test_lam004_a_function_from_source_dir_with_no_timeout_that_calls_the_network():
    (found,) = findings("LAM004", PROJECT)
    assert found[:2] == ("infra/main.tf", line_of(MAIN_TF, 'resource "aws_lambda_function"'))
    assert "`aws_lambda_function.report` keeps Lambda's default timeout of 3 s" in found[2]
    assert "`requests.post` at src/report.py:8" in found[2] and "set `timeout`" in found[2]
    with_timeout = MAIN_TF.replace('handler          = "report.main"',
                                   'handler          = "report.main"\n      timeout          = 30')
    assert findings("LAM004", {**PROJECT, "infra/main.tf": with_timeout}) == []


def test_lam002_a_deprecated_runtime_at_the_line_that_uses_it():
    (found,) = findings("LAM002", PROJECT)
    assert found[:2] == ("infra/main.tf", line_of(MAIN_TF, "runtime "))
    assert "runtime `python3.8` (from the default of variable `python_runtime`)" in found[2]


def test_lam001_a_handler_that_names_nothing():
    broken = MAIN_TF.replace('"report.main"', '"reports.main"')
    (found,) = findings("LAM001", {**PROJECT, "infra/main.tf": broken})
    assert found[:2] == ("infra/main.tf", line_of(MAIN_TF, "handler "))
    assert "names module `reports`" in found[2] and "`src/`" in found[2]
    renamed = MAIN_TF.replace('"report.main"', '"report.run"')
    (found,) = findings("LAM001", {**PROJECT, "infra/main.tf": renamed})
    assert "`src/report.py` defines no `run`" in found[2]


def test_lam005_an_sqs_mapping_without_report_batch_item_failures():
    (found,) = findings("LAM005", PROJECT)
    assert found[:2] == ("infra/events.tf", line_of(EVENTS_TF, 'resource "aws_lambda_event_source_mapping"'))
    assert 'does not set `function_response_types = ["ReportBatchItemFailures"]`' in found[2]
    assert "`report.main` (src/report.py:4)" in found[2]
    enabled = EVENTS_TF.replace("batch_size       = 10",
                                'batch_size       = 10\n      function_response_types = ["ReportBatchItemFailures"]')
    assert findings("LAM005", {**PROJECT, "infra/events.tf": enabled}) == []


def test_lam003_a_timeout_shorter_than_the_code_waits():
    short = MAIN_TF.replace('handler          = "report.main"',
                            'handler          = "report.main"\n      timeout          = 1')
    (found,) = findings("LAM003", {**PROJECT, "infra/main.tf": short})
    assert found[:2] == ("infra/main.tf", line_of(short, "timeout"))


def test_an_image_function_has_no_handler_to_check():
    main = '''
        resource "aws_lambda_function" "worker" {
          function_name = "worker"
          package_type  = "Image"
          image_uri     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:1"
          handler       = "nothing.here"
          runtime       = "python3.12"
        }
    '''
    assert findings("LAM001", {"main.tf": main, "nothing.py": "x = 1\n"}) == []
    assert findings("LAM004", {"main.tf": main}) == []


@pytest.mark.parametrize("comment", ["# noqa: LAM002", "// noqa: LAM002", "#noqa"])
def test_noqa_on_the_reported_tf_line(comment):
    silenced = MAIN_TF.replace("runtime          = var.python_runtime",
                               f"runtime          = var.python_runtime  {comment}")
    assert findings("LAM002", {**PROJECT, "infra/main.tf": silenced}) == []
    other = MAIN_TF.replace("runtime          = var.python_runtime",
                            "runtime          = var.python_runtime  # noqa: LAM001")
    assert len(findings("LAM002", {**PROJECT, "infra/main.tf": other})) == 1


def test_noqa_on_the_resource_line_silences_a_finding_about_the_function():
    silenced = MAIN_TF.replace('resource "aws_lambda_function" "report" {',
                               'resource "aws_lambda_function" "report" { # noqa: LAM004')
    assert findings("LAM004", {**PROJECT, "infra/main.tf": silenced}) == []


# -- on disk: discovery, outputs, broken files --------------------------------------------------


def test_check_reports_at_tf_lines_and_handlers_shows_the_terraform_function(workdir):
    write(workdir, {".git/HEAD": "", **_dedent(PROJECT)})
    run = run_cli("check", ".")
    assert run.exit_code == 1
    lines = [line.split(" ")[:2] for line in run.stdout.splitlines() if ": LAM0" in line]
    assert lines == [
        [f"infra/events.tf:{MAPPING_LINE}:1:", "LAM005"],
        [f"infra/main.tf:{FUNCTION_LINE}:1:", "LAM004"],
        [f"infra/main.tf:{RUNTIME_LINE}:3:", "LAM002"],
    ]
    shown = run_cli("handlers", ".")
    assert "src/report.py:4: report.main [handler: infra/main.tf (aws_lambda_function.report)]" in shown.stdout
    assert (f"deployed as aws_lambda_function.report (infra/main.tf:{line_of(MAIN_TF, 'resource')}): "
            "runtime python3.8, timeout 3 s (default), memory 512 MB") in shown.stdout


def test_a_tf_above_the_checked_folder_is_found_and_a_sibling_folder_is_not(workdir):
    write(workdir, {".git/HEAD": "", "main.tf": MAIN_TF.replace("/../src", "/src"), "src/report.py": REPORT_PY})
    assert "LAM002" in run_cli("check", "src/").stdout
    (workdir / "main.tf").rename(workdir / "infra.tf")
    write(workdir, {"infra/main.tf": MAIN_TF, "infra/events.tf": EVENTS_TF})
    (workdir / "infra.tf").unlink()
    # `infra/` is beside `src/`, not above it: checking `src/` alone does not read it ...
    assert "LAM0" not in run_cli("check", "src/").stdout
    # ... naming it, or checking the folder that holds both, does.
    assert "infra/main.tf" in run_cli("check", "src/", "infra/main.tf").stdout
    assert "infra/events.tf" in run_cli("check", "src/", "infra/main.tf").stdout


def test_a_tf_named_alone_is_read_with_its_module(workdir):
    write(workdir, {".git/HEAD": "", **_dedent(PROJECT)})
    run = run_cli("check", "--output-format", "json", "infra/events.tf")
    found = {(d["code"], d["filename"]) for d in json.loads(run.stdout)}
    # The mapping's file alone: main.tf comes with it (LAM002 there); the handler's code is on disk.
    assert ("LAM002", "infra/main.tf") in found
    assert all(code != "LAM000" for code, _ in found)
    assert run_cli("check", "--select", "LAM002", "infra/terraform.tfvars").exit_code == 2  # no such file
    # A variable file named alone stands for the module in its folder.
    write(workdir, {"infra/terraform.tfvars": 'python_runtime = "python3.9"\n'})
    run = run_cli("check", "--select", "LAM002", "infra/terraform.tfvars")
    assert f"infra/main.tf:{RUNTIME_LINE}:3: LAM002 runtime `python3.9` (from `infra/terraform.tfvars`)" in run.stdout
    write(workdir, {"infra/terraform.tfvars": 'python_runtime = "python3.13"\n'})
    assert run_cli("check", "--select", "LAM002", "infra/terraform.tfvars").exit_code == 0


def test_a_tf_that_does_not_parse_is_one_lam000_and_the_rest_is_checked(workdir):
    write(workdir, {".git/HEAD": "", **_dedent(PROJECT),
                    "infra/broken.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl = \n}\n',
                    "other/main.tf": 'locals {\n  a = "unterminated\n}\nresource "aws_lambda_function" "x" {}\n'})
    run = run_cli("check", "--output-format", "json", ".")
    found = sorted((d["code"], d["filename"], d["location"]["row"]) for d in json.loads(run.stdout))
    broken = [f[1:] for f in found if f[0] == "LAM000"]
    assert [path for path, _ in broken] == ["infra/broken.tf", "other/main.tf"]
    assert broken[0][1] == 3  # `acl = ` with no value
    assert {f[0] for f in found} == {"LAM000", "LAM002", "LAM004", "LAM005"}
    (message,) = [d["message"] for d in json.loads(run.stdout) if d["filename"] == "infra/broken.tf"]
    assert message.startswith("cannot read the deployment template: invalid HCL: unexpected")


def test_excluded_tf_files_and_dot_terraform_are_not_read(workdir):
    write(workdir, {".git/HEAD": "", **_dedent(PROJECT),
                    ".terraform/modules/x/main.tf": MAIN_TF})
    assert ".terraform" not in run_cli("check", ".").stdout
    write(workdir, {"pyproject.toml": '[tool.lambdalint]\nextend-exclude = ["infra"]\n'})
    assert "LAM0" not in run_cli("check", ".").stdout


def test_configured_templates_name_a_terraform_folder_or_file(workdir):
    write(workdir, {".git/HEAD": "", **_dedent(PROJECT),
                    "pyproject.toml": '[tool.lambdalint]\ntemplates = ["infra"]\n'})
    assert "infra/events.tf" in run_cli("check", "src/").stdout
    write(workdir, {"pyproject.toml": '[tool.lambdalint]\ntemplates = ["infra/main.tf"]\n'})
    assert "infra/events.tf" in run_cli("check", "src/").stdout


def test_sarif_locations_point_into_the_tf_file(workdir):
    write(workdir, {".git/HEAD": "", **_dedent(PROJECT)})
    log = json.loads(run_cli("check", "--output-format", "sarif", ".").stdout)
    results = log["runs"][0]["results"]
    located = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                      r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results)
    assert located == [
        ("LAM002", "infra/main.tf", line_of(MAIN_TF, "runtime ")),
        ("LAM004", "infra/main.tf", line_of(MAIN_TF, 'resource "aws_lambda_function"')),
        ("LAM005", "infra/events.tf", line_of(EVENTS_TF, "aws_lambda_event_source_mapping")),
    ]


def test_the_baseline_records_tf_findings_and_hides_them(workdir):
    write(workdir, {".git/HEAD": "", **_dedent(PROJECT)})
    assert run_cli("baseline", "-o", "baseline.json", ".").exit_code == 0
    recorded = json.loads((workdir / "baseline.json").read_text(encoding="utf-8"))
    assert "infra/main.tf" in json.dumps(recorded) and "infra/events.tf" in json.dumps(recorded)
    assert run_cli("check", "--baseline", "baseline.json", ".").exit_code == 0
    # A new finding in the .tf file is reported; the recorded ones stay hidden.
    (workdir / "infra/main.tf").write_text(textwrap.dedent(MAIN_TF).lstrip("\n").replace(
        '"report.main"', '"report.gone"'), encoding="utf-8")
    run = run_cli("check", "--baseline", "baseline.json", "--output-format", "json", ".")
    assert [d["code"] for d in json.loads(run.stdout)] == ["LAM001"]


def test_a_tree_without_terraform_never_imports_the_hcl_parser(workdir):
    """Nor one whose Terraform the fast reader reads; python-hcl2 (and Lark) only for a
    file it declines, here a broken one."""
    write(workdir, {".git/HEAD": "", "template.yaml": "Resources: {}\n", "app.py": "x = 1\n"})
    script = ("import sys\nfrom lambdalint.cli import main\n"
              "try:\n    main(['check', '.'])\nexcept SystemExit:\n    pass\n"
              "print('hcl2' in sys.modules, 'lark' in sys.modules)\n")
    script += "print('lambdalint.templates.terraform' in sys.modules)\n"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip().splitlines()[-2:] == ["False False", "False"], run.stdout + run.stderr
    write(workdir, {"main.tf": 'resource "aws_lambda_function" "f" {}\n'})
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip().splitlines()[-2:] == ["False False", "True"], run.stdout + run.stderr
    write(workdir, {"broken.tf": BROKEN_TF})
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip().splitlines()[-2:] == ["True True", "True"], run.stdout + run.stderr


def test_a_code_folder_made_by_a_build_step_is_not_a_missing_handler(workdir):
    write(workdir, {".git/HEAD": "", "src/app.py": "def handler(event, context):\n    pass\n", "main.tf": '''
        resource "null_resource" "package" {
          provisioner "local-exec" {
            command = "pip install -r requirements.txt -t build/package && cp src/*.py build/package/"
          }
        }
        data "archive_file" "package" {
          type        = "zip"
          source_dir  = "${path.module}/build/package"
          output_path = "${path.module}/build/package.zip"
          depends_on  = [null_resource.package]
        }
        resource "aws_lambda_function" "f" {
          function_name = "f"
          handler       = "app.handler"
          runtime       = "python3.12"
          timeout       = 10
          filename      = data.archive_file.package.output_path
        }
    '''})
    assert run_cli("check", "--select", "LAM001", ".").exit_code == 0


def test_a_module_that_receives_the_function_from_its_caller_links_its_invokers():
    main = '''
        module "queue" {
          source        = "./modules/queue"
          function_arn  = module.worker.arn
        }
        module "worker" {
          source  = "./modules/worker"
          handler = "worker.handle"
        }
        module "api" {
          source        = "./modules/api"
          function_name = aws_lambda_function.direct.function_name
        }
        resource "aws_lambda_function" "direct" {
          function_name = "direct"
          handler       = "direct.handler"
          runtime       = "python3.12"
          filename      = "direct.zip"
        }
    '''
    worker = '''
        variable "handler" {}
        resource "aws_lambda_function" "this" {
          function_name = "worker"
          handler       = var.handler
          runtime       = "python3.12"
          filename      = "worker.zip"
        }
        output "arn" {
          value = aws_lambda_function.this.arn
        }
    '''
    queue = '''
        variable "function_arn" {}
        resource "aws_sqs_queue" "this" {}
        resource "aws_lambda_event_source_mapping" "this" {
          event_source_arn        = aws_sqs_queue.this.arn
          function_name           = var.function_arn
          function_response_types = ["ReportBatchItemFailures"]
        }
    '''
    api = '''
        variable "function_name" {}
        resource "aws_lambda_permission" "apigw" {
          function_name = var.function_name
          principal     = "apigateway.amazonaws.com"
        }
    '''
    found = functions({"main.tf": main, "modules/worker/main.tf": worker, "modules/queue/main.tf": queue,
                       "modules/api/main.tf": api})
    assert [(e.kind, e.partial_batch, e.where.template.rel_path)
            for e in found["module.worker.aws_lambda_function.this"].events] == [
        ("SQS", True, "modules/queue/main.tf")]
    assert [(e.kind, e.where.template.rel_path) for e in found["aws_lambda_function.direct"].events] == [
        ("API", "modules/api/main.tf")]


def test_a_cached_run_reads_no_hcl_and_sees_a_called_module_change(workdir, monkeypatch):
    """The whole run's cache entry answers before the `.tf` files are parsed, while the
    files its reading took from outside the run (a called module) are unchanged."""
    from lambdalint.config import Config
    from lambdalint.runner import Runner

    called = '''
        resource "aws_lambda_function" "f" {
          function_name = "f"
          handler       = "app.handler"
          runtime       = "python3.8"
          filename      = data.archive_file.f.output_path
        }
        data "archive_file" "f" {
          type        = "zip"
          source_dir  = "${path.module}/../../src"
          output_path = "f.zip"
        }
    '''
    write(workdir, {".git/HEAD": "", "src/app.py": "def handler(event, context):\n    pass\n",
                    "infra/main.tf": 'module "fn" {\n  source = "../modules/fn"\n}\n',
                    "modules/fn/main.tf": called})
    rules = [RULES["LAM002"]]

    def codes() -> list[str]:
        outcome = Runner(Config(), rules, jobs=1, cache_dir=workdir / "cache").run([Path("infra"), Path("src")])
        return [d.code for d in outcome.diagnostics]

    assert codes() == ["LAM002"]

    def no_reading(parses: object, text: str) -> None:
        raise AssertionError("a .tf file was read")

    with monkeypatch.context() as patched:  # neither parsed nor taken from the per-file cache
        patched.setattr(terraform.Parses, "body", no_reading)
        assert codes() == ["LAM002"]
    write(workdir, {"modules/fn/main.tf": called.replace("python3.8", "python3.13")})
    assert codes() == []


# -- each file's reading, cached by its text ------------------------------------------------------

BROKEN_TF = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl = \n}\n'
CACHED_PROJECT = {".git/HEAD": "", **_dedent(PROJECT), "infra/broken.tf": BROKEN_TF,
                  "infra/terraform.tfvars": 'python_runtime = "python3.9"\n'}
READ_FILES = 4  # main.tf, events.tf, broken.tf and terraform.tfvars


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts read in this process (the cost the cache saves): every reading goes
    through ``hcl.file_data``, by the fast reader or python-hcl2."""
    texts: list[str] = []
    real = hcl.file_data

    def counting(text: str) -> list:
        texts.append(text)
        return real(text)

    monkeypatch.setattr(hcl, "file_data", counting)
    return texts


def _check(*args: str) -> str:
    return run_cli("check", "--output-format", "json", *args, ".").stdout


def _entries(root: Path) -> list[Path]:
    return sorted(root.glob(".lambdalint_cache/*/hcl-*/*/*.json"))


def test_a_run_after_a_python_edit_parses_no_tf_file_and_finds_the_same(workdir, parsed):
    write(workdir, CACHED_PROJECT)
    fresh = _check("--no-cache")
    assert len(parsed) == READ_FILES
    assert not (workdir / ".lambdalint_cache").exists()  # --no-cache writes nothing
    found = {(d["code"], d["filename"]) for d in json.loads(fresh)}
    assert {("LAM000", "infra/broken.tf"), ("LAM002", "infra/main.tf"), ("LAM005", "infra/events.tf")} <= found
    assert "invalid HCL: unexpected" in fresh
    parsed.clear()
    assert _check() == fresh  # cold: every file parsed, and kept
    assert len(parsed) == READ_FILES and len(_entries(workdir)) == READ_FILES
    parsed.clear()
    assert _check() == fresh  # warm: the whole run's entry answers
    assert parsed == []
    with (workdir / "src/report.py").open("a", encoding="utf-8") as handle:
        handle.write("# a comment\n")
    fresh = _check("--no-cache")
    parsed.clear()
    assert _check() == fresh  # the run is checked again, its Terraform read from the cache
    assert parsed == []


def test_a_changed_tf_file_is_parsed_again_and_only_it(workdir, parsed):
    write(workdir, CACHED_PROJECT)
    _check()
    events = (workdir / "infra/events.tf").read_text(encoding="utf-8").replace("batch_size       = 10", "")
    (workdir / "infra/events.tf").write_text(events, encoding="utf-8")
    fresh = _check("--no-cache")
    parsed.clear()
    assert _check() == fresh
    assert parsed == [events]
    assert len(_entries(workdir)) == READ_FILES + 1


_MANY_EXPRESSIONS = textwrap.dedent("""\
    locals {
      name   = "fn-${var.stage}"
      table  = { a = [1, "b", var.c], "d" = { e = null } }
      chosen = var.on ? upper(local.name) : lower("X")
      all    = [for k, v in var.m : "${k}=${v}" if v != ""]
      part   = -var.x * (2 + aws_sqs_queue.q.arn[0].id) % 3
    }
    resource "aws_lambda_function" "f" {
      function_name = local.name
      handler       = "app.handler"
      tags          = merge(var.tags, { Name = local.name })
    }
    """)


def test_an_expression_is_built_when_asked_for_and_its_list_checked_before():
    """A body's expressions are checked when it is built, and their trees built on
    first use: the same trees as built at once."""
    data = hcl.file_data(_MANY_EXPRESSIONS)
    body = hcl.body_of(data)
    function = next(body.blocks_of("resource")).body
    resource = next(block for block in data[1] if block[0] == "resource")
    flat = next(attribute[5] for attribute in resource[6][0] if attribute[0] == "handler")
    assert repr(function.attributes["handler"].expr) == repr(hcl._node_of(flat))
    assert hcl.evaluate(function.attributes["handler"].expr, hcl.NoScope()) == "app.handler"


def test_only_a_list_that_makes_one_tree_passes_the_check():
    """Whatever `_check_expression` lets through, `_node_of` builds, however the
    lists are damaged (a cache entry written by something else)."""
    import random

    data = hcl.file_data(_MANY_EXPRESSIONS)
    flats = [attribute[5] for attribute in data[0]]
    stack = list(data[1])
    while stack:
        block = stack.pop()
        flats += [attribute[5] for attribute in block[6][0]]
        stack += block[6][1]
    assert len(flats) == 8
    odd = [0, 1, 2, 7, -1, "x", "NAME y", None, 1.5, [], True, "identifier"]
    rng = random.Random(19)
    taken = 0
    for flat in flats:
        hcl._check_expression(flat)
        assert isinstance(hcl._node_of(flat), hcl.Node)
        for _ in range(300):
            damaged = list(flat)
            where = rng.randrange(len(damaged) + 1)
            how = rng.randrange(4)
            if how == 0:
                damaged = damaged[:where]
            elif how == 1 and where < len(damaged):
                del damaged[where]
            elif how == 2 and where < len(damaged):
                damaged[where] = rng.choice(odd)
            else:
                damaged.insert(where, rng.choice(odd))
            try:
                hcl._check_expression(damaged)
            except ValueError:
                continue
            taken += 1
            assert isinstance(hcl._node_of(damaged), hcl.Node)
    assert taken > 100  # a damaged token's text still makes a tree: such lists pass


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[]", b'{"body": [1, 2]}', b'{"body": [[["x"]], []]}',
                                    b'{"error": "x"}', b'{"body": [[["x", 1, 1, 1, 2, [9, "a"]]], []]}'])
def test_a_damaged_entry_is_parsed_again(workdir, parsed, damage):
    write(workdir, CACHED_PROJECT)
    fresh = _check()
    entries = _entries(workdir)
    kept = {path: path.read_bytes() for path in entries}
    for path in entries:
        path.write_bytes(damage)
    with (workdir / "src/report.py").open("a", encoding="utf-8") as handle:
        handle.write("# a comment\n")  # not answered by the whole run's entry
    parsed.clear()
    assert _check() == fresh
    assert len(parsed) == READ_FILES
    assert {path: path.read_bytes() for path in entries} == kept  # written again


def test_runs_that_do_not_read_the_cache_parse_every_file(workdir, parsed):
    write(workdir, CACHED_PROJECT)
    fresh = _check()
    # Entries that say the files hold nothing: a run that reads them finds nothing there.
    for path in _entries(workdir):
        path.write_text('{"body": [[], []]}', encoding="utf-8")
    with (workdir / "src/report.py").open("a", encoding="utf-8") as handle:
        handle.write("# a comment\n")
    assert _check("--no-cache") == fresh
    for args in (["--diff"], ["--fix"]):
        parsed.clear()
        run_cli("check", *args, ".")
        assert len(parsed) == READ_FILES, args
    parsed.clear()
    assert "infra/main.tf" not in _check()  # the planted readings are read by a cached run
    assert parsed == []


def test_deeply_nested_terraform_reads_the_same_through_the_cache(workdir, parsed):
    """An expression nested hundreds deep is kept (it is stored flat); a file whose
    blocks nest deeper than JSON's reader should recurse is parsed every time."""
    nested = "(" * 400 + '"x"' + ")" * 400
    blocks = 'resource "aws_s3_bucket" "b" {\n' + "".join(f'dynamic "d{i}" {{\n' for i in range(120)) \
        + "x = 1\n" + "}\n" * 121
    main = ('resource "aws_lambda_function" "f" {\n  function_name = "f"\n  handler = "app.handler"\n'
            f'  runtime = "python3.8"\n  filename = "f.zip"\n  description = {nested}\n}}\n')
    write(workdir, {".git/HEAD": "", "app.py": "def handler(event, context):\n    pass\n",
                    "main.tf": main, "deep.tf": blocks})
    fresh = _check("--no-cache")
    assert [d["code"] for d in json.loads(fresh)] == ["LAM002"]
    assert _check() == fresh
    assert len(_entries(workdir)) == 1  # main.tf's
    with (workdir / "app.py").open("a", encoding="utf-8") as handle:
        handle.write("# a comment\n")
    fresh = _check("--no-cache")
    parsed.clear()
    assert _check() == fresh
    assert parsed == [blocks]
