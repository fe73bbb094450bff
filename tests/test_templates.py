"""Deployment templates: loading (short-form tags, lines), discovery, the three template
kinds, Globals inheritance, handler resolution, and `lambdalint handlers`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from cli_helpers import pyproject, run_cli, write

from lambdalint.config import parse_table
from lambdalint.engine import Engine
from lambdalint.templates import (
    CDK,
    SERVERLESS,
    Mapping,
    Sequence,
    TemplateError,
    TemplateFunction,
    load_text,
)
from lambdalint.testing import run_rule

# -- the loader -------------------------------------------------------------------------------


def test_short_form_tags_become_the_long_form():
    data = load_text(textwrap.dedent('''\
        A: !Ref Bucket
        B: !GetAtt Queue.Arn
        C: !Sub "arn:aws:s3:::${Bucket}/*"
        D: !If [IsProd, 30, 3]
        E: !Join ["", [a, !Ref B]]
        F: !Select [0, !GetAZs ""]
        G: !Split [",", !ImportValue Shared]
        H: !FindInMap [Map, !Ref "AWS::Region", Key]
        I: !Base64 text
        J: !Cidr [10.0.0.0/16, 2, 8]
        K: !Equals [!Ref Stage, prod]
        L: !And [!Condition A, !Not [!Condition B]]
        M: !Or [!Condition A, !Condition B]
        N: !GetAtt [Table, StreamArn]
        O: !Sub
          - "${x}"
          - x: !Ref Y
    '''))
    assert data["A"] == {"Ref": "Bucket"}
    assert data["B"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert data["C"] == {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}
    assert data["D"] == {"Fn::If": ["IsProd", 30, 3]}
    assert data["E"] == {"Fn::Join": ["", ["a", {"Ref": "B"}]]}
    assert data["F"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert data["G"] == {"Fn::Split": [",", {"Fn::ImportValue": "Shared"}]}
    assert data["H"] == {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Key"]}
    assert data["I"] == {"Fn::Base64": "text"}
    assert data["J"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    assert data["K"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert data["L"] == {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]}
    assert data["M"] == {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}
    assert data["N"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert data["O"] == {"Fn::Sub": ["${x}", {"x": {"Ref": "Y"}}]}


def test_keys_remember_their_line_and_column_in_yaml_and_json():
    data = load_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Timeout: 5\n")
    props = data["Resources"]["Fn"]["Properties"]
    assert isinstance(props, Mapping)
    mark = props.mark_of("Timeout")
    assert (mark.line, mark.column, mark.end_line, mark.end_column) == (5, 7, 5, 17)
    json_text = '{\n\t"Resources": {\n\t\t"Fn": {"Type": "AWS::Lambda::Function",\n\t\t\t"Properties": {"Timeout": 5}}}}\n'
    data = load_text(json_text, is_json=True)
    assert data["Resources"].mark_of("Fn").line == 3
    assert data["Resources"]["Fn"]["Properties"].mark_of("Timeout").line == 4


def test_aliases_are_converted_once_and_recursive_ones_end():
    text = "a: &x [1, 2]\nb: [*x, *x, *x]\nc: &c {d: *c}\n"
    data = load_text(text)
    assert data["b"][0] is data["a"] and data["b"][2] is data["a"]
    assert data["c"]["d"] is data["c"]


@pytest.mark.parametrize(("text", "is_json", "line"), [
    ("Resources:\n  Fn: [\n", False, 3),
    ("Resources:\n\tFn: 1\n", False, 2),
    ('{"Resources": {"Fn": 1,}}', True, 1),
    ("a: 1\n---\nb: 2\n", False, 2),
])
def test_broken_yaml_and_json_raise_one_error_with_a_line(text, is_json, line):
    with pytest.raises(TemplateError) as raised:
        load_text(text, is_json=is_json)
    assert raised.value.line == line
    assert raised.value.message.startswith(("invalid YAML", "invalid JSON"))


def test_nesting_too_deep_is_an_error_not_a_crash():
    with pytest.raises(TemplateError):
        load_text("[" * 5000 + "]" * 5000)


def test_sequences_keep_item_lines():
    data = load_text("events:\n  - sqs: arn\n  - http: GET /\n")
    assert isinstance(data["events"], Sequence)
    assert [data["events"].mark_of(i).line for i in range(2)] == [2, 3]


# -- reading the three kinds in memory --------------------------------------------------------


def _deployment(files: dict[str, str], config: dict | None = None):
    """The deployment a run over in-memory files sees (no rules)."""
    files = {path: textwrap.dedent(code).lstrip("\n") for path, code in files.items()}
    result = run_rule(_NoRule, files, config)
    assert result.deployment is not None
    return result


from lambdalint import Bad, Good, Severity  # noqa: E402
from lambdalint.templates import DeploymentRule  # noqa: E402


class _NoRule(DeploymentRule):
    """A deployment rule that reports nothing, so runs build the deployment."""

    code = "LAM099"
    name = "no-rule"
    severity = Severity.INFO
    examples = [Bad("x = 1"), Good("x = 1")]

    def check_templates(self, deployment):
        return iter(())


def _by_name(result) -> dict[str, TemplateFunction]:
    return {f.name: f for f in result.deployment.functions}


SAM = '''
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Memory:
        Type: Number
        Default: 1024
    Globals:
      Function:
        Runtime: python3.12
        Timeout: 30
        CodeUri: src/
        MemorySize: !Ref Memory
    Resources:
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Handler: api.handler
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Handler: jobs/worker.process
          Timeout: 900
          Runtime: python3.13
          MemorySize: 256
          Events:
            Queue:
              Type: SQS
              Properties:
                Queue: !GetAtt Jobs.Arn
                FunctionResponseTypes: [ReportBatchItemFailures]
            Stream:
              Type: Kinesis
              Properties:
                Stream: !GetAtt Clicks.Arn
                StartingPosition: LATEST
      Plain:
        Type: AWS::Lambda::Function
        Properties:
          Handler: plain.main
          Runtime: python3.11
          Code: lambda/
      Mapping:
        Type: AWS::Lambda::EventSourceMapping
        Properties:
          FunctionName: !GetAtt Plain.Arn
          EventSourceArn: !GetAtt Table.StreamArn
          FunctionResponseTypes: !If [Partial, [ReportBatchItemFailures], !Ref AWS::NoValue]
      Table:
        Type: AWS::DynamoDB::Table
'''

CODE = {
    "src/api.py": "def handler(event, context):\n    return None\n",
    "src/jobs/worker.py": "def process(evt, ctx):\n    return None\n",
    "lambda/plain.py": "def main(event, context):\n    return None\n",
}


def test_sam_globals_are_inherited_and_overridden():
    functions = _by_name(_deployment({"template.yaml": SAM, **CODE}))
    api, worker, plain = functions["Api"], functions["Worker"], functions["Plain"]
    assert (api.runtime.value, api.runtime.origin) == ("python3.12", "Globals")
    assert (api.timeout_seconds, api.memory_mb) == (30, 1024)
    assert api.memory.origin == "Globals, the default of parameter Memory"
    assert api.code_dir == "src" and api.module_file == "src/api.py"
    assert (worker.runtime.value, worker.timeout_seconds, worker.memory_mb) == ("python3.13", 900, 256)
    assert worker.module_file == "src/jobs/worker.py" and worker.function_name == "process"
    # Globals apply to AWS::Serverless::Function only.
    assert plain.timeout is None and plain.timeout_seconds == 3 and plain.memory_mb == 128
    assert plain.module_file == "lambda/plain.py"


def test_sam_events_and_event_source_mappings():
    functions = _by_name(_deployment({"template.yaml": SAM, **CODE}))
    events = [(e.kind, e.partial_batch) for e in functions["Worker"].events]
    assert events == [("SQS", True), ("Kinesis", False)]
    assert [(e.kind, e.partial_batch) for e in functions["Plain"].events] == [("DynamoDB", None)]
    assert functions["Worker"].events[0].where.line == 26


def test_template_handlers_join_the_model_whatever_their_names():
    result = _deployment({"template.yaml": SAM, **CODE})
    worker = next(m for m in result.project.models if m.rel_path == "src/jobs/worker.py")
    (entry,) = worker.entry_points
    assert entry.function.name == "process" and entry.kind == "handler"
    assert entry.reason == "template.yaml (Worker)"
    assert entry.describe() == "named in template.yaml (Worker)"


def test_json_template_reads_like_yaml():
    template = json.dumps({
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function",
                   "Properties": {"Handler": "app.handler", "Runtime": "python3.9", "CodeUri": "src",
                                  "Timeout": {"Ref": "T"}}},
        },
        "Parameters": {"T": {"Type": "Number", "Default": 12}},
    }, indent=2)
    (fn,) = _deployment({"template.json": template, "src/app.py": "def handler(e, c):\n    return 1\n"}
                        ).deployment.functions
    assert fn.runtime.value == "python3.9" and fn.runtime.where.line == 7
    assert fn.timeout_seconds == 12
    assert fn.target is not None


SERVERLESS_YML = '''
    service: shop
    provider:
      name: aws
      runtime: python3.12
      memorySize: 512
    functions:
      checkout:
        handler: src/handlers/checkout.main
        timeout: 20
        events:
          - http: POST /checkout
          - sqs:
              arn: arn:aws:sqs:eu-west-1:1:q
              functionResponseType: ReportBatchItemFailures
          - stream:
              type: dynamodb
              arn: !GetAtt Orders.StreamArn
      report:
        handler: reports.nightly
        timeout: ${self:custom.timeout}
        events:
          - stream: arn:aws:kinesis:eu-west-1:1:stream/clicks
'''


def test_serverless_functions_use_provider_defaults_and_framework_defaults():
    result = _deployment({"serverless.yml": SERVERLESS_YML,
                          "src/handlers/checkout.py": "def main(event, context):\n    pass\n",
                          "reports.py": "def nightly(event, context):\n    pass\n"})
    functions = _by_name(result)
    checkout, report = functions["checkout"], functions["report"]
    assert checkout.template.kind == SERVERLESS
    assert (checkout.runtime.value, checkout.runtime.origin) == ("python3.12", "provider")
    assert (checkout.timeout_seconds, checkout.memory_mb) == (20, 512)
    assert checkout.module_file == "src/handlers/checkout.py"
    assert [(e.kind, e.partial_batch) for e in checkout.events] == [("API", None), ("SQS", True), ("DynamoDB", False)]
    assert [e.invocation for e in checkout.events] == ["sync", "poll", "poll"]
    assert report.timeout is not None and report.timeout_seconds is None  # a variable: unknown
    assert [(e.kind, e.partial_batch) for e in report.events] == [("Kinesis", False)]
    assert report.default_timeout == 6


CDK_STACK = '''
    import os

    from aws_cdk import Duration, Stack
    from aws_cdk import aws_lambda as _lambda
    from aws_cdk.aws_lambda_event_sources import DynamoEventSource, SqsEventSource
    from aws_cdk.aws_lambda_python_alpha import PythonFunction


    class Shop(Stack):
        def __init__(self, scope, construct_id, queue, table):
            super().__init__(scope, construct_id)
            self.api = _lambda.Function(
                self, "Api",
                runtime=_lambda.Runtime.PYTHON_3_11,
                handler="api.app.handler",
                code=_lambda.Code.from_asset(os.path.join(os.path.dirname(__file__), "..", "src")),
                timeout=Duration.minutes(2),
                memory_size=256,
                events=[SqsEventSource(queue, report_batch_item_failures=True)],
            )
            worker = PythonFunction(self, "Worker", entry="src/jobs", index="worker.py", handler="run")
            worker.add_event_source(DynamoEventSource(table, starting_position=None))
'''


def test_cdk_functions_their_settings_and_event_sources():
    result = _deployment({
        "cdk.json": '{"app": "python3 infra/app.py"}',
        "infra/stack.py": CDK_STACK,
        "src/api/app.py": "def handler(event, context):\n    pass\n",
        "src/jobs/worker.py": "def run(event, context):\n    pass\n",
    })
    functions = _by_name(result)
    api, worker = functions["Api"], functions["Worker"]
    assert api.template.kind == CDK and api.template.rel_path == "infra/stack.py"
    assert (api.runtime.value, api.timeout_seconds, api.memory_mb) == ("python3.11", 120, 256)
    assert api.code_dir == "src" and api.module_file == "src/api/app.py"
    assert [(e.kind, e.partial_batch) for e in api.events] == [("SQS", True)]
    assert worker.is_python and worker.runtime is None
    assert (worker.module_file, worker.function_name) == ("src/jobs/worker.py", "run")
    assert [(e.kind, e.partial_batch) for e in worker.events] == [("DynamoDB", False)]
    assert worker.timeout_seconds == 3


def test_a_found_file_that_is_not_a_template_is_ignored(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": "greeting: {{ cookiecutter.name }}\n", "app.py": "x = 1\n"})
    result = _engine().check_paths([Path(".")])
    assert result.deployment is not None and not result.deployment.templates
    assert not result.diagnostics


def test_a_named_file_that_is_not_a_template_is_one_finding():
    result = run_rule(_NoRule, {"template.yaml": "greeting: hello\n", "app.py": "x = 1\n"})
    (finding,) = result.diagnostics
    assert finding.code == "LAM000" and "not a deployment template" in finding.message


def test_runs_without_templates_build_no_deployment():
    result = run_rule(_NoRule, {"app.py": "def handler(event, context):\n    return 1\n"})
    assert result.deployment is None


# -- discovery on disk --------------------------------------------------------------------------


def _sam(handler: str = "app.handler", code_uri: str = "src/", extra: str = "") -> str:
    return textwrap.dedent(f'''\
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: {code_uri}
              Handler: {handler}
              Runtime: python3.12
    ''') + extra


def _engine(config=None) -> Engine:
    from lambdalint.registry import load_registry

    rules = [r for r in load_registry(include_plugins=False).sorted() if r.code.startswith("LAM00")]
    return Engine(config or parse_table({}, None), rules)


def test_templates_above_the_checked_folder_are_found(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": _sam(), "src/app.py": "def handler(event, context):\n    pass\n"})
    result = _engine().check_paths([Path("src")])
    assert result.deployment is not None
    assert [t.rel_path for t in result.deployment.templates] == ["template.yaml"]
    assert result.deployment.functions[0].target is not None


def test_the_search_stops_at_the_repository_top(workdir):
    write(workdir, {"template.yaml": _sam(handler="missing.handler"),
                    "repo/.git/HEAD": "ref\n", "repo/src/app.py": "def handler(event, context):\n    pass\n"})
    result = _engine().check_paths([Path("repo/src")])
    assert result.deployment is None
    assert result.diagnostics == []


def test_excluded_templates_are_not_read(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": _sam(handler="missing.handler"), "src/app.py": "x = 1\n"})
    config = parse_table({"extend-exclude": ["template.yaml"]}, None)
    assert _engine(config).check_paths([Path(".")]).deployment is None


def test_configured_templates_replace_discovery(workdir):
    write(workdir, {
        "template.yaml": _sam(handler="nothing.here"),
        "infra/template.yaml": _sam(code_uri="../src/"),
        "src/app.py": "def handler(event, context):\n    pass\n",
    })
    config_path = pyproject(workdir, 'templates = ["infra/template.yaml", "infra/missing.yaml"]\n')
    from lambdalint.config import load_config

    engine = _engine(load_config(config_path))
    result = engine.check_paths([Path("src")])
    assert [t.rel_path for t in result.deployment.templates] == ["infra/template.yaml"]
    assert result.deployment.functions[0].module_file == "src/app.py"
    assert any("infra/missing.yaml" in m and "does not exist" in m for m in result.messages)
    assert result.diagnostics == []


def test_a_cdk_app_folder_is_found_by_its_cdk_json(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {
        "cdk.json": '{"app": "python3 app.py"}',
        "app.py": "import aws_cdk as cdk\nfrom stacks.shop import Shop\n",
        "stacks/shop.py": CDK_STACK.replace('os.path.join(os.path.dirname(__file__), "..", "src")', '"src"'),
        "src/api/app.py": "def handler(event, context):\n    pass\n",
        "src/jobs/worker.py": "def run(event, context):\n    pass\n",
    })
    result = _engine().check_paths([Path("src")])
    functions = _by_name(result)
    assert set(functions) == {"Api", "Worker"}
    assert all(f.target is not None for f in functions.values())


def test_a_cdk_app_inside_another_reads_asset_paths_from_its_own_folder(workdir):
    """A repository with an app at its root and another in `techniques/` (each with its
    `cdk.json`): the inner app's `entry="functions/parse"` is `techniques/functions/parse`,
    where its `cdk synth` runs, not a folder of the outer app."""
    (workdir / ".git").mkdir()
    stack = '''
        from aws_cdk import Stack
        from aws_cdk import aws_lambda_python_alpha as lambda_python


        class Chain(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                lambda_python.PythonFunction(self, "Parse", entry="functions/parse")
    '''
    write(workdir, {
        "cdk.json": '{"app": "python3 app.py"}',
        "app.py": "import aws_cdk as cdk\n",
        "techniques/cdk.json": '{"app": "python3 stacks.py"}',
        "techniques/stacks/chain.py": stack,
        "techniques/functions/parse/index.py": "def handler(event, context):\n    return event\n",
    })
    result = _engine().check_paths([Path(".")])
    assert [d.code for d in result.diagnostics if d.code == "LAM001"] == []
    (parse,) = _by_name(result).values()
    assert parse.module_file == "techniques/functions/parse/index.py"


def test_a_template_named_on_the_command_line_is_read(workdir):
    write(workdir, {"template.yaml": _sam(handler="app.nothing"), "src/app.py": "def handler(e, c):\n    pass\n"})
    result = _engine().check_paths([Path("template.yaml")])
    assert [d.code for d in result.diagnostics] == ["LAM001"]
    assert result.files_checked == 1


# -- handler resolution ---------------------------------------------------------------------------


@pytest.mark.parametrize(("handler", "files", "module_file", "function"), [
    ("app.handler", {"src/app.py": "def handler(e, c): pass\n"}, "src/app.py", "handler"),
    ("pkg.mod.run", {"src/pkg/mod/__init__.py": "def run(e, c): pass\n"}, "src/pkg/mod/__init__.py", "run"),
    ("pkg/mod.run", {"src/pkg/mod.py": "def run(e, c): pass\n"}, "src/pkg/mod.py", "run"),
    ("app.handler", {"src/app.py": "handler = object()\n"}, "src/app.py", "handler"),
])
def test_handlers_resolve_to_files_and_functions(handler, files, module_file, function):
    (fn,) = _deployment({"template.yaml": _sam(handler=handler), **files}).deployment.functions
    assert (fn.module_file, fn.function_name, fn.not_found) == (module_file, function, None)


def test_a_template_handler_outside_the_checked_files_is_resolved_on_disk(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": _sam(), "src/app.py": "def handler(event, context):\n    pass\n",
                    "tools/check.py": "x = 1\n"})
    result = _engine().check_paths([Path("tools")])
    (fn,) = result.deployment.functions
    assert fn.module_file == "src/app.py" and fn.not_found is None and fn.target is None
    assert result.diagnostics == []


# -- `lambdalint handlers` ---------------------------------------------------------------------------


def test_handlers_shows_template_handlers_with_runtime_timeout_and_memory(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": textwrap.dedent(SAM).lstrip("\n"), **CODE})
    run = run_cli("handlers", ".")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "src/jobs/worker.py:1: jobs.worker.process [handler: template.yaml (Worker)]" in lines
    assert "    deployed as Worker (template.yaml:18): runtime python3.13, timeout 900 s, memory 256 MB" in lines
    assert "    deployed as Plain (template.yaml:36): runtime python3.11, timeout 3 s (default), " \
           "memory 128 MB (default)" in lines
    data = {e["handler"]: e for e in json.loads(run_cli("handlers", "--output-format", "json", ".").stdout)}
    (deployed,) = data["api.handler"]["deployments"]
    assert deployed == {"template": "template.yaml", "line": 14, "function": "Api", "runtime": "python3.12",
                        "timeout": 30, "timeout_default": False, "memory": 1024, "memory_default": False}


def test_a_run_from_below_the_template_matches_its_handlers(workdir, monkeypatch):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": _sam(handler="app.process"),
                    "src/app.py": "import boto3\n\ndef process(evt, ctx):\n    return boto3.client('s3')\n"})
    monkeypatch.chdir(workdir / "src")
    run = run_cli("check", "--select", "LAM001,LAM101", ".")
    assert run.stdout.splitlines()[0].startswith("app.py:4:12: LAM101"), run.stdout
    assert "LAM001" not in run.stdout


def test_tests_of_a_cdk_app_are_not_read_as_the_app():
    stack = CDK_STACK.replace('os.path.join(os.path.dirname(__file__), "..", "src")', '"nowhere"')
    result = _deployment({"cdk.json": "{}", "tests/unit/test_stack.py": stack, "test_app.py": stack,
                          "app.py": "import aws_cdk\n"})
    assert result.deployment.functions == []


# -- templates of any name, anywhere in the checked tree --------------------------------------


def test_templates_are_found_by_their_content_anywhere_in_the_tree(workdir):
    write(workdir, {
        "iac/apigw.yaml": '''
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Api:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: ../src
                  Handler: app.handler
                  Runtime: python3.8
        ''',
        "infra/stack.template.json": json.dumps({"Resources": {"Worker": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Code": "../worker", "Handler": "main.run", "Runtime": "python3.7"}}}}),
        "src/app.py": "def handler(event, context):\n    return {}\n",
        "worker/main.py": "def run(event, context):\n    return {}\n",
        # Neither is a template: a test event and a CI workflow.
        "events/event.json": json.dumps({"Records": [{"eventSource": "aws:s3"}]}),
        ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    })
    run = run_cli("check", "--no-cache", "--select", "LAM002", ".")
    rows = sorted(line.split(": LAM002")[0] for line in run.stdout.splitlines() if "LAM002" in line)
    assert rows == ["iac/apigw.yaml:10:7", "infra/stack.template.json:1:119"]


def test_a_template_of_another_name_is_read_when_named_on_the_command_line(workdir):
    write(workdir, {
        "deploy/functions.yml": '''
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: ../src
                  Handler: app.missing
                  Runtime: python3.12
        ''',
        "src/app.py": "def handler(event, context):\n    return {}\n",
    })
    run = run_cli("check", "--no-cache", "deploy/functions.yml")
    assert "LAM001" in run.stdout and "LAM000" not in run.stdout


def test_a_code_uri_that_climbs_out_of_the_templates_folder_resolves_inside_the_tree(workdir):
    """`process(evt, ctx)` is a handler only because a template two folders away names it."""
    (workdir / ".git").mkdir()
    write(workdir, {
        "deploy/stacks/api.yml": '''
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                CodeUri: ../../services/api/
            Resources:
              Api:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: handler.process
                  Runtime: python3.12
              Jobs:
                Type: AWS::Lambda::Function
                Properties:
                  Code: ./../../services/jobs
                  Handler: jobs.run
                  Runtime: python3.12
        ''',
        "services/api/handler.py": "import boto3\n\ndef process(evt, ctx):\n    return boto3.client('s3').list_buckets()\n",
        "services/jobs/jobs.py": "import boto3\n\ndef run(evt, ctx):\n    return boto3.client('sqs').list_queues()\n",
    })
    run = run_cli("check", "--no-cache", "--select", "LAM001,LAM101", "--output-format", "json", ".")
    assert [(d["filename"], d["code"]) for d in json.loads(run.stdout)] == [
        ("services/api/handler.py", "LAM101"), ("services/jobs/jobs.py", "LAM101")]
    handlers = run_cli("handlers", ".").stdout
    assert "services/api/handler.py:3: handler.process [handler: deploy/stacks/api.yml (Api)]" \
        in handlers


_WEB_ADAPTER = {
    "sam": ("template.yaml", '''
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Environment:
              Variables:
                AWS_LAMBDA_EXEC_WRAPPER: {wrapper}
        Resources:
          Web:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: app/
              Handler: run.sh
              Runtime: python3.12
    '''),
    "serverless": ("serverless.yml", '''
        service: web
        provider:
          name: aws
          runtime: python3.12
          environment:
            AWS_LAMBDA_EXEC_WRAPPER: {wrapper}
        functions:
          web:
            handler: app/run.sh
    '''),
    "python-cdk": ("stack.py", '''
        from aws_cdk import Stack, aws_lambda as _lambda


        class S(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                _lambda.Function(self, "Web", runtime=_lambda.Runtime.PYTHON_3_12, handler="run.sh",
                                 code=_lambda.Code.from_asset("app"),
                                 environment={{"AWS_LAMBDA_EXEC_WRAPPER": "{wrapper}", "PORT": "8000"}})
    '''),
    "typescript-cdk": ("lib/stack.ts", '''
        import * as lambda from "aws-cdk-lib/aws-lambda";
        new lambda.Function(this, "Web", {{ runtime: lambda.Runtime.PYTHON_3_12, handler: "run.sh",
          code: lambda.Code.fromAsset("app"), environment: {{ ...shared, AWS_LAMBDA_EXEC_WRAPPER: "{wrapper}" }} }});
    '''),
}


@pytest.mark.parametrize("kind", sorted(_WEB_ADAPTER))
def test_a_lambda_web_adapter_function_names_no_python_handler(kind):
    """With `AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap` the Web Adapter runs a web server: `run.sh`
    is no `module.function`. With another wrapper the adapter is not known, but a `.sh`
    handler names a program all the same, so it is not looked up either (LAM001 stays
    silent where it cannot tell)."""
    path, template = _WEB_ADAPTER[kind]
    files = {"cdk.json": "{}", "app/main.py": "app = object()\n"} if "cdk" in kind else {"app/main.py": "x = 1\n"}
    adapter = _deployment({path: template.format(wrapper="/opt/bootstrap"), **files}).deployment.functions
    assert [(f.not_found, f.module_file, bool(f.handler_note)) for f in adapter] == [(None, None, True)]
    traced = _deployment({path: template.format(wrapper="/opt/otel-instrument"), **files}).deployment.functions
    assert [(bool(f.handler_note), f.not_found) for f in traced] == [(False, None)]


def test_the_source_of_a_template_generator_is_left_alone(workdir):
    """A cookiecutter/Jinja file that renders a SAM template is not one until rendered:
    found in the tree, it is no LAM000; named on purpose, its problem is reported."""
    write(workdir, {"{{cookiecutter.project_name}}/template.yaml": '''
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
        {%- if cookiecutter.architecture == "arm64" %}
              Architectures: [arm64]
        {%- endif %}
              Runtime: {{cookiecutter.runtime}}
              Handler: app.handler
              Timeout: [
    ''', "app.py": "def handler(event, context):\n    return None\n"})
    assert run_cli("check", "--no-cache", ".").exit_code == 0
    named = run_cli("check", "--no-cache", "{{cookiecutter.project_name}}/template.yaml")
    assert "LAM000" in named.stdout
