"""LAM001-LAM005 beyond their own examples: traps, SAM (YAML and JSON), serverless.yml and
CDK apps on disk, findings on template lines in every output format, `# noqa` in YAML,
per-file-ignores, broken templates, and template handlers feeding the other rules."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from cli_helpers import SARIF_SCHEMA_PATH, pyproject, run_cli, write

from lambdalint.registry import load_registry
from lambdalint.testing import run_rule

RULES = load_registry(include_plugins=False).rules


def findings(code: str, files: dict[str, str], config: dict | None = None) -> list[tuple[str, int, str]]:
    """(path, line, message) of one rule's findings on an in-memory project."""
    files = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    result = run_rule(RULES[code], files, config)
    assert not result.internal_error, result.messages
    return [(str(d.path), d.location.row, d.message) for d in result.diagnostics if d.code == code]


def sam(properties: str, extra_resources: str = "", globals_: str = "") -> str:
    props = textwrap.indent(textwrap.dedent(properties).strip("\n"), " " * 6)
    text = "Transform: AWS::Serverless-2016-10-31\n"
    if globals_:
        text += "Globals:\n  Function:\n" + textwrap.indent(textwrap.dedent(globals_).strip("\n"), "    ") + "\n"
    text += "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n" + props + "\n"
    if extra_resources:
        text += textwrap.indent(textwrap.dedent(extra_resources).strip("\n"), "  ") + "\n"
    return text


BASE = "CodeUri: src/\nHandler: app.handler\nRuntime: python3.12\n"

# -- LAM001 handler-not-found ------------------------------------------------------------------


@pytest.mark.parametrize("properties", [
    "CodeUri: src/\nHandler: app.handler\n",  # no runtime: maybe not Python
    "CodeUri: {Bucket: b, Key: k}\nHandler: app.nothing\nRuntime: python3.12\n",
    "CodeUri: dist/app.zip\nHandler: app.nothing\nRuntime: python3.12\n",
    "PackageType: Image\nImageUri: repo:tag\nRuntime: python3.12\nHandler: app.nothing\n",
    "InlineCode: 'def h(e, c): pass'\nHandler: index.h\nRuntime: python3.12\n",
    "CodeUri: src/\nHandler: !Sub '${Module}.handler'\nRuntime: python3.12\n",
])
def test_lam001_stays_quiet_when_the_code_is_not_in_the_project(properties):
    assert findings("LAM001", {"template.yaml": sam(properties), "src/other.py": "x = 1\n"}) == []


def test_lam001_names_what_is_missing_and_where():
    (found,) = findings("LAM001", {
        "template.yaml": sam("CodeUri: src/\nHandler: app.run\nRuntime: python3.12\n"),
        "src/app.py": "def handler(event, context):\n    pass\n",
    })
    assert found[:2] == ("template.yaml", 7)
    assert "`app.run`" in found[2] and "`src/app.py` defines no `run`" in found[2]
    assert "Runtime.HandlerNotFound" in found[2]


def test_lam001_rejects_a_handler_that_is_not_module_dot_function():
    (found,) = findings("LAM001", {"template.yaml": sam("CodeUri: src/\nHandler: handler\nRuntime: python3.12\n"),
                                   "src/app.py": "x = 1\n"})
    assert "is not `module.function`" in found[2]


def test_lam001_module_file_names_may_hold_hyphens():
    # Lambda imports the module by its file name: `lambda-handler.handler` loads
    # `lambda-handler.py`; the handler's module in the model is that file.
    files = {"template.yaml": sam("CodeUri: src/\nHandler: lambda-handler.handler\nRuntime: python3.12\n"),
             "src/lambda-handler.py": "def handler(event, context):\n    return {}\n"}
    assert findings("LAM001", files) == []
    files["src/lambda-handler.py"] = "def main(event, context):\n    return {}\n"
    (found,) = findings("LAM001", files)
    assert "`src/lambda-handler.py` defines no `handler`" in found[2]
    (found,) = findings("LAM001", {"template.yaml": files["template.yaml"],
                                   "src/lambda_handler.py": "def handler(event, context):\n    pass\n"})
    assert "names module `lambda-handler`" in found[2]


@pytest.mark.parametrize("properties", [
    # the Lambda Web Adapter on a Python runtime: the handler is its start-up script
    "CodeUri: src/\nHandler: run.sh\nRuntime: python3.12\n"
    "Environment:\n  Variables:\n    AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap\n",
    "CodeUri: src/\nHandler: start\nRuntime: python3.12\n",  # a script of the code folder
    "CodeUri: src/\nHandler: bootstrap\nRuntime: python3.12\n",
    "CodeUri: src/\nHandler: main.handler\nRuntime: provided.al2023\n",
    "CodeUri: src/\nHandler: bootstrap\nRuntime: provided.al2\n",
])
def test_lam001_custom_runtimes_and_wrapper_scripts_name_no_python_function(properties):
    files = {"template.yaml": sam(properties), "src/main.py": "app = object()\n",
             "src/run.sh": "#!/bin/sh\nexec python -m uvicorn main:app\n",
             "src/start": "#!/bin/sh\nexec python main.py\n"}
    assert findings("LAM001", files) == []


def test_lam001_serverless_web_adapter_function():
    files = {"serverless.yml": """
        service: web
        provider:
          name: aws
          runtime: python3.12
        functions:
          web:
            handler: run.sh
            layers:
              - arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerX86:24
            environment:
              AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
          worker:
            handler: jobs.run
    """, "run.sh": "#!/bin/sh\nexec gunicorn app:app\n", "jobs.py": "def main(event, context):\n    pass\n"}
    (found,) = findings("LAM001", files)
    assert "`jobs.run`" in found[2]


def test_lam001_accepts_names_bound_by_import_assignment_or_conditionally():
    for code in ("from .impl import handler\n", "handler = make()\n",
                 "try:\n    from fast import handler\nexcept ImportError:\n    from slow import handler\n"):
        assert findings("LAM001", {"template.yaml": sam(BASE), "src/app.py": code}) == [], code


def test_lam001_checks_the_handler_file_on_disk_when_it_is_not_checked(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": sam(BASE), "src/app.py": "def other(event, context):\n    pass\n",
                    "tools/x.py": "x = 1\n"})
    run = run_cli("check", "--select", "LAM001", "tools")
    assert run.exit_code == 1
    assert run.stdout.startswith("template.yaml:7:7: LAM001 handler `app.handler` of `Fn`")


# -- LAM002 deprecated-runtime ------------------------------------------------------------------


def test_lam002_reports_a_globals_runtime_once_for_every_function():
    template = sam(BASE.replace("Runtime: python3.12", ""), globals_="Runtime: python3.8\n",
                   extra_resources="Other:\n  Type: AWS::Serverless::Function\n  Properties:\n"
                                   "    CodeUri: src/\n    Handler: app.other\n")
    (found,) = findings("LAM002", {"template.yaml": template})
    assert found[:2] == ("template.yaml", 4)
    assert "`Fn`, `Other`" in found[2] and "(from Globals)" in found[2] and "2024-10-14" in found[2]


def test_lam002_ignores_current_and_non_python_runtimes():
    for runtime in ("python3.10", "python3.14", "nodejs16.x", "provided.al2"):
        assert findings("LAM002", {"template.yaml": sam(f"Handler: a.b\nRuntime: {runtime}\n")}) == []


# -- LAM003 timeout-budget ------------------------------------------------------------------------


def lam003(code: str, timeout: str = "Timeout: 10\n", files: dict[str, str] | None = None):
    return findings("LAM003", {"template.yaml": sam(BASE + timeout), "src/app.py": code, **(files or {})})


def test_lam003_counts_sdk_retries_from_the_client_config():
    code = '''
        import boto3
        from botocore.config import Config

        CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 2, "mode": "legacy"})
        table = boto3.resource("dynamodb", config=CONFIG).Table("orders")

        def handler(event, context):
            table.put_item(Item=event)
            return table.get_item(Key={"id": event["id"]})
    '''
    (found,) = lam003(code, "Timeout: 11\n")
    assert "can wait 12 s" in found[2]
    assert "`table.put_item` 6 s (1 s connect + 2 s read, 2 attempts)" in found[2]
    assert lam003(code, "Timeout: 12\n") == []


@pytest.mark.parametrize(("config", "attempts"), [
    ("Config(read_timeout=4)", 3),  # botocore's standard mode: 3 attempts
    ('Config(read_timeout=4, retries={"mode": "legacy"})', 5),
    ('Config(read_timeout=4, retries={"max_attempts": 0})', 1),
])
def test_lam003_attempts_per_retry_setting(config, attempts):
    code = f'''
        import boto3
        from botocore.config import Config

        def handler(event, context):
            client = boto3.client("sqs", config={config})
            client.send_message(QueueUrl="q", MessageBody="x")
    '''
    assert lam003(code, f"Timeout: {4 * attempts}\n") == []
    (found,) = lam003(code, f"Timeout: {4 * attempts - 1}\n")
    assert f"{attempts} attempt" in found[2]


def test_lam003_reads_tuples_timeout_objects_and_constants():
    code = '''
        import httpx
        import requests

        CONNECT_AND_READ = (3.05, 27)

        def handler(event, context):
            requests.get("https://a.example.com", timeout=CONNECT_AND_READ)
            with httpx.Client() as client:
                client.get("https://b.example.com", timeout=httpx.Timeout(10.0))
    '''
    (found,) = lam003(code, "Timeout: 30\n")
    assert "can wait 40.05 s" in found[2]


def test_lam003_branches_and_concurrent_calls_are_alternatives():
    code = '''
        import asyncio
        import httpx

        async def fetch(url):
            async with httpx.AsyncClient() as client:
                return await client.get(url, timeout=8)

        async def main():
            return await asyncio.gather(fetch("https://a"), fetch("https://b"))

        def handler(event, context):
            match event.get("mode"):
                case "fast":
                    return httpx.get("https://fast", timeout=2)
                case _:
                    return asyncio.run(main())
    '''
    assert lam003(code, "Timeout: 9\n") == []


def test_lam003_a_helper_called_twice_counts_twice_and_recursion_ends():
    code = '''
        import requests

        def call(url):
            return requests.get(url, timeout=4)

        def walk(node):
            if node:
                return walk(node["next"])
            return call("https://x")

        def handler(event, context):
            call("https://a")
            call("https://b")
            return walk(event)
    '''
    (found,) = lam003(code, "Timeout: 10\n")
    assert "can wait 12 s" in found[2]


def test_lam003_is_per_function_when_two_functions_share_code():
    template = sam(BASE + "Timeout: 5\n", extra_resources='''
        Slow:
          Type: AWS::Serverless::Function
          Properties:
            CodeUri: src/
            Handler: app.handler
            Runtime: python3.12
            Timeout: 60
    ''')
    code = "import requests\n\ndef handler(event, context):\n    return requests.get('https://x', timeout=30)\n"
    (found,) = findings("LAM003", {"template.yaml": template, "src/app.py": code})
    assert found[1] == 9 and "`Fn` has a timeout of 5 s" in found[2]


def test_lam003_init_code_does_not_count():
    code = '''
        import requests

        CONFIG = requests.get("https://config.example.com", timeout=60).json()

        def handler(event, context):
            return CONFIG
    '''
    assert lam003(code) == []


# -- LAM004 default-timeout-with-network -------------------------------------------------------------


def test_lam004_counts_network_calls_in_called_modules_and_lazy_clients():
    files = {"src/store.py": '''
        import boto3

        _table = None

        def table():
            global _table
            if _table is None:
                _table = boto3.resource("dynamodb").Table("orders")
            return _table

        def save(item):
            table().put_item(Item=item)
    '''}
    code = "from store import save\n\ndef handler(event, context):\n    save(event)\n"
    (found,) = lam004(code, files=files)
    assert "`table().put_item` at src/store.py:12" in found[2]


def lam004(code: str, timeout: str = "", files: dict[str, str] | None = None):
    return findings("LAM004", {"template.yaml": sam(BASE + timeout), "src/app.py": code, **(files or {})})


def test_lam004_stays_quiet_for_a_set_or_computed_timeout_and_local_work():
    network = "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    return s3.list_buckets()\n"
    assert lam004(network, "Timeout: !Ref FunctionTimeout\n") == []
    assert lam004(network, "Timeout: 3\n") == []
    local = "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3').generate_presigned_url('get_object')\n"
    assert lam004(local) == []


def test_lam004_names_the_request_not_a_method_of_its_result():
    """`table.get_item(...)` goes over the network; `.get("Item")` on what it returned does not."""
    code = "from store import load\n\ndef handler(event, context):\n    item = load(event['id'])\n" \
           "    return item.get('name')\n"
    store = "import boto3\n\ntable = boto3.resource('dynamodb').Table('t')\n\ndef load(key):\n" \
            "    return table.get_item(Key={'id': key}).get('Item')\n"
    (found,) = lam004(code, files={"src/store.py": store})
    assert "(`table.get_item` at src/store.py:6)" in found[2]


# -- LAM005 partial-batch-not-enabled ----------------------------------------------------------------

REPORTS = '''
    def handler(event, context):
        failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if not r["body"]]
        return {"batchItemFailures": failures}
'''


def test_lam005_event_source_mapping_with_a_literal_arn_and_sub():
    template = textwrap.dedent('''\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Code: src/
              Handler: app.handler
              Runtime: python3.12
          FromArn:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: !Ref Fn
              EventSourceArn: arn:aws:sqs:eu-west-1:123456789012:orders
          FromSub:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: !GetAtt Fn.Arn
              EventSourceArn: !Sub "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders"
              FunctionResponseTypes: [ReportBatchItemFailures]
          Unknown:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: !Ref Fn
              EventSourceArn: !ImportValue SharedQueueArn
    ''')
    found = findings("LAM005", {"template.yaml": template, "src/app.py": REPORTS})
    assert [(f[0], f[1]) for f in found] == [("template.yaml", 8)]


def test_lam005_stays_quiet_when_the_code_reports_nothing_or_the_event_is_not_a_batch():
    plain = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'batchItemFailures'}\n"
    template = sam(BASE + "Events:\n  Q:\n    Type: SQS\n    Properties:\n      Queue: !GetAtt Q.Arn\n")
    assert findings("LAM005", {"template.yaml": template, "src/app.py": plain.replace("'batchItemFailures'", "'x'")}) == []
    api = sam(BASE + "Events:\n  Get:\n    Type: HttpApi\n")
    assert findings("LAM005", {"template.yaml": api, "src/app.py": REPORTS}) == []


def test_lam005_serverless_stream_event():
    template = textwrap.dedent('''\
        service: s
        provider:
          name: aws
          runtime: python3.12
        functions:
          f:
            handler: app.handler
            events:
              - stream:
                  type: dynamodb
                  arn: !GetAtt Orders.StreamArn
              - stream:
                  type: kinesis
                  arn: arn:aws:kinesis:eu-west-1:1:stream/s
                  functionResponseType: ReportBatchItemFailures
    ''')
    found = findings("LAM005", {"serverless.yml": template, "app.py": REPORTS})
    assert [(f[0], f[1]) for f in found] == [("serverless.yml", 9)]
    assert "`stream` event (DynamoDB) of `f`" in found[0][2]


# -- findings on template lines: outputs, noqa, per-file-ignores ---------------------------------------

PROJECT = {
    "template.yaml": sam("CodeUri: src/\nHandler: app.missing\nTimeout: 10\n", globals_="Runtime: python3.9\n"),
    "src/app.py": "def handler(event, context):\n    return None\n",
}


@pytest.fixture
def project(workdir: Path) -> Path:
    (workdir / ".git").mkdir()
    write(workdir, PROJECT)
    return workdir


def test_findings_on_template_lines_in_text_and_full(project):
    run = run_cli("check", "src")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("template.yaml:4:5: LAM002 runtime `python3.9` (from Globals) of `Fn`")
    assert lines[1].startswith("template.yaml:10:7: LAM001 handler `app.missing` of `Fn`")
    full = run_cli("check", "--output-format", "full", "src").stdout
    assert "4 |     Runtime: python3.9\n  |     ^^^^^^^^^^^^^^^^^^" in full


def test_findings_on_template_lines_in_json_sarif_and_github(project):
    data = json.loads(run_cli("check", "--output-format", "json", "src").stdout)
    assert [(d["filename"], d["location"]["row"], d["code"]) for d in data] == [
        ("template.yaml", 4, "LAM002"), ("template.yaml", 10, "LAM001")]
    assert data[0]["noqa_row"] == 4 and data[0]["url"].endswith("/LAM002.md")
    jsonl = run_cli("check", "--output-format", "jsonl", "src").stdout.splitlines()
    assert [json.loads(line)["code"] for line in jsonl] == ["LAM002", "LAM001"]
    sarif = json.loads(run_cli("check", "--output-format", "sarif", "src").stdout)
    results = sarif["runs"][0]["results"]
    locations = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results]
    assert locations == [("LAM002", "template.yaml", 4), ("LAM001", "template.yaml", 10)]
    github = run_cli("check", "--output-format", "github", "src").stdout
    assert "::warning " in github and "file=template.yaml,line=4" in github
    assert "::error " in github and "file=template.yaml,line=10" in github


def test_sarif_with_template_findings_is_valid(project):
    sarif = json.loads(run_cli("check", "--output-format", "sarif", "src").stdout)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA_PATH.read_text(encoding="utf-8")))


def test_a_yaml_noqa_comment_silences_a_template_finding(workdir):
    (workdir / ".git").mkdir()
    template = PROJECT["template.yaml"].replace("Runtime: python3.9", "Runtime: python3.9  # noqa: LAM002")
    template = template.replace("Handler: app.missing", "Handler: app.missing  # noqa: LAM002")
    write(workdir, {**PROJECT, "template.yaml": template})
    data = json.loads(run_cli("check", "--output-format", "json", "src").stdout)
    assert [(d["code"], d["location"]["row"]) for d in data] == [("LAM001", 10)]


def test_a_noqa_comment_on_the_function_line_covers_inherited_settings(workdir):
    (workdir / ".git").mkdir()
    template = PROJECT["template.yaml"].replace("  Fn:\n", "  Fn:  # noqa: LAM002\n")
    write(workdir, {**PROJECT, "template.yaml": template})
    data = json.loads(run_cli("check", "--output-format", "json", "src").stdout)
    assert [d["code"] for d in data] == ["LAM001"]


def test_per_file_ignores_apply_to_templates(workdir):
    (workdir / ".git").mkdir()
    template = json.dumps({"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
        "CodeUri": "src/", "Handler": "app.handler", "Runtime": "python3.8", "Timeout": 5}}}}, indent=2)
    write(workdir, {"template.json": template, "src/app.py": PROJECT["src/app.py"]})
    run = run_cli("check", "--output-format", "json", "src")
    assert [(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(run.stdout)] == [
        ("template.json", 8, "LAM002")]
    pyproject(workdir, '[tool.lambdalint.per-file-ignores]\n"template.json" = ["LAM002"]\n')
    assert json.loads(run_cli("check", "--output-format", "json", "src").stdout) == []


def test_a_broken_template_is_one_lam000_line_and_the_code_is_still_checked(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {
        "template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn: [unclosed\n",
        "src/app.py": "import boto3\n\ndef lambda_handler(event, context):\n    return boto3.client('s3')\n",
    })
    run = run_cli("check", "src")
    assert run.exit_code == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("src/app.py:4:12: LAM101")
    assert lines[1].startswith("template.yaml:4:1: LAM000 cannot read the deployment template: invalid YAML")
    assert run.stderr == ""


def test_selecting_other_rules_still_uses_template_handlers(workdir):
    """`process(evt, ctx)` is a handler because the template says so; LAM101 then applies."""
    (workdir / ".git").mkdir()
    write(workdir, {
        "template.yaml": sam("CodeUri: src/\nHandler: worker.process\nRuntime: python3.9\n"),
        "src/worker.py": "import boto3\n\ndef process(evt, ctx):\n    return boto3.client('s3').list_buckets()\n",
    })
    run = run_cli("check", "--select", "LAM101", "--output-format", "json", "src")
    assert [(d["filename"], d["code"]) for d in json.loads(run.stdout)] == [("src/worker.py", "LAM101")]
    assert run_cli("check", "--select", "LAM101", "--fix", "src").exit_code == 0
    assert "s3_client = boto3.client('s3')" in (workdir / "src" / "worker.py").read_text()


def test_a_cdk_app_finding_is_reported_in_the_python_file_and_noqa_works(workdir):
    (workdir / ".git").mkdir()
    stack = textwrap.dedent('''\
        from aws_cdk import Stack, aws_lambda as _lambda


        class S(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                _lambda.Function(self, "A", runtime=_lambda.Runtime.PYTHON_3_9, handler="app.handler",
                                 code=_lambda.Code.from_asset("src"))
                _lambda.Function(self, "B", runtime=_lambda.Runtime.PYTHON_3_8,  # noqa: LAM002
                                 handler="app.handler", code=_lambda.Code.from_asset("src"))
    ''')
    write(workdir, {"cdk.json": "{}", "infra/stack.py": stack,
                    "src/app.py": "def handler(event, context):\n    return None\n"})
    data = json.loads(run_cli("check", "--select", "LAM0", "--output-format", "json", "src").stdout)
    assert [(d["filename"], d["location"]["row"], d["code"]) for d in data] == [("infra/stack.py", 7, "LAM002")]
