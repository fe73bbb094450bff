"""Python code written in templates (SAM `InlineCode`, CloudFormation `ZipFile`, CDK
`Code.from_inline`/`Code.fromInline`) is checked as a module of its own: every rule
runs on it, its handler is `index.<function>`, and its findings are reported at the
template's own lines (exactly for literal blocks and plain strings, at the key with the
code's line otherwise), with `noqa`, per-file-ignores and baselines, and never a fix."""

from __future__ import annotations

import json
import textwrap

import pytest
from cli_helpers import pyproject, run_cli, write

from lambdalint.registry import load_registry
from lambdalint.testing import run_rule

RULES = load_registry(include_plugins=False).rules


def _text(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(_text(text).splitlines(), start=1) if needle in line)


def _column(text: str, needle: str) -> int:
    return next(line.index(needle) + 1 for line in _text(text).splitlines() if needle in line)


def findings(codes: str, files: dict[str, str]) -> list[tuple[str, int, int, str, str]]:
    """(file, row, column, code, message) of the given rules' findings on an in-memory project."""
    selected = [RULES[code] for code in codes.split(",")]
    from lambdalint.config import parse_table
    from lambdalint.engine import Engine
    from lambdalint.source import parse_source
    from pathlib import Path

    engine = Engine(parse_table({}, None), selected)
    sources = [parse_source(Path(p), p, _text(t).encode()) for p, t in files.items()]
    result = engine.check_sources(sources)
    assert not result.internal_error, result.messages
    return [(str(d.path), d.location.row, d.location.column, d.code, d.message) for d in result.diagnostics]


SAM = '''
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Status:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: |
            import boto3
            import urllib.request


            def handler(event, context):
                sns = boto3.client("sns")
                body = urllib.request.urlopen("https://example.com/status", timeout=2).read()
                sns.publish(TopicArn="arn:aws:sns:eu-west-1:1:status", Message=body)
                s3 = boto3.client("s3")  # noqa: LAM101
                return {"statusCode": 200}
'''


def test_a_literal_block_is_checked_and_its_findings_land_on_their_own_template_lines():
    found = findings("LAM101,LAM004", {"template.yaml": SAM})
    assert found[0][:4] == ("template.yaml", _line(SAM, "Status:"), 3, "LAM004")
    assert f"at template.yaml:{_line(SAM, 'urlopen')})" in found[0][4]
    assert found[1][:4] == ("template.yaml", _line(SAM, 'boto3.client("sns")'),
                            _column(SAM, 'boto3.client("sns")'), "LAM101")
    assert len(found) == 2  # the `# noqa: LAM101` in the code silences the second client


def test_the_handler_must_be_index_and_name_a_function_of_the_code():
    wrong_module = SAM.replace("Handler: index.handler", "Handler: app.handler")
    (found,) = findings("LAM001", {"template.yaml": wrong_module})
    assert found[1] == _line(SAM, "Handler:") and "must be `index.<function>`" in found[4]
    wrong_name = SAM.replace("Handler: index.handler", "Handler: index.main")
    (found,) = findings("LAM001", {"template.yaml": wrong_name})
    assert "its inline code defines no `main`" in found[4]
    assert findings("LAM001", {"template.yaml": SAM}) == []


def test_non_python_inline_code_is_not_checked():
    node = SAM.replace("Runtime: python3.12", "Runtime: nodejs20.x").replace("Handler: index.handler",
                                                                              "Handler: app.nothing")
    assert findings("LAM001,LAM101,LAM004", {"template.yaml": node}) == []


CLOUDFORMATION_JSON = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {"Cleanup": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.8", "Handler": "index.handler", "Timeout": 30,
        "Code": {"ZipFile": "import boto3\n\ndef handler(event, context):\n"
                            "    client = boto3.client('s3')\n    return client.list_buckets()\n"},
    }}},
}


def test_json_zipfile_findings_go_to_the_zipfile_key_with_the_codes_line():
    text = json.dumps(CLOUDFORMATION_JSON, indent=2)
    found = findings("LAM002,LAM101", {"stack.template.json": text})
    zipfile = next(i for i, line in enumerate(text.splitlines(), 1) if '"ZipFile"' in line)
    runtime = next(i for i, line in enumerate(text.splitlines(), 1) if '"Runtime"' in line)
    assert [(row, code) for _, row, _, code, _ in found] == [(runtime, "LAM002"), (zipfile, "LAM101")]
    assert found[1][4].endswith("(line 4 of the inline code of `Cleanup`)")


@pytest.mark.parametrize("code, exact", [
    # `!Sub |`: the block is the code, `${...}` left in place.
    ("ZipFile: !Sub |\n  import boto3\n  REGION = '${AWS::Region}'\n  def handler(event, context):\n"
     "      return boto3.client('s3', region_name=REGION)\n", True),
    ("ZipFile:\n  Fn::Sub: |\n    import boto3\n    def handler(event, context):\n"
     "        return boto3.client('s3')\n", True),
    ("ZipFile: |2\n  import boto3\n  def handler(event, context):\n      return boto3.client('s3')\n", True),
    # Folded, quoted and joined code: at the key.
    ("ZipFile: >\n  import boto3\n\n  def handler(event, context):\n\n      return boto3.client('s3')\n", False),
    ("ZipFile: \"import boto3\\ndef handler(event, context):\\n    return boto3.client('s3')\\n\"\n", False),
    ("ZipFile: !Join\n  - \"\\n\"\n  - - import boto3\n    - 'def handler(event, context):'\n"
     "    - \"    return boto3.client('s3')\"\n", False),
])
def test_yaml_forms_of_zipfile(code, exact):
    template = ("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                "      Runtime: python3.12\n      Handler: index.handler\n      Code:\n"
                + textwrap.indent(code, " " * 8))
    (found,) = findings("LAM101", {"template.yaml": template})
    lines = template.splitlines()
    if exact:
        row = next(i for i, line in enumerate(lines, 1) if "boto3.client(" in line)
        assert (found[1], found[2]) == (row, lines[row - 1].index("boto3.client(") + 1)
        assert "inline code" not in found[4]
    else:
        assert found[1] == next(i for i, line in enumerate(lines, 1) if "ZipFile" in line)
        assert found[4].endswith("of the inline code of `Fn`)")


def test_a_syntax_error_in_inline_code_is_lam000_at_its_template_line():
    broken = SAM.replace('sns = boto3.client("sns")', "sns = = 1")
    found = findings("LAM101", {"template.yaml": broken})
    assert [(row, code) for _, row, _, code, _ in found] == [(_line(SAM, 'boto3.client("sns")'), "LAM000")]


PYTHON_CDK = '''
    from aws_cdk import Stack, aws_lambda as _lambda

    CODE = """
    import boto3


    def handler(event, context):
        return boto3.client("s3").list_buckets()
    """


    class S(Stack):
        def __init__(self, scope, construct_id):
            super().__init__(scope, construct_id)
            _lambda.Function(self, "Literal", runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                             code=_lambda.Code.from_inline("""import boto3
    def handler(event, context):
        return boto3.resource("dynamodb").Table("t").scan()
    """))
            _lambda.Function(self, "Constant", runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                             code=_lambda.Code.from_inline(CODE))
            _lambda.Function(self, "Escaped", runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                             code=_lambda.InlineCode("import boto3\\ndef handler(e, c):\\n    return boto3.client('s3')\\n"))
'''


def test_python_cdk_inline_code_maps_verbatim_strings_exactly():
    found = findings("LAM101", {"cdk.json": "{}", "app.py": PYTHON_CDK})
    rows = [(row, column, message.endswith("of the inline code of `Escaped`)")) for _, row, column, _, message in found]
    assert rows == [
        (_line(PYTHON_CDK, 'boto3.client("s3").list_buckets()'), _column(PYTHON_CDK, 'boto3.client("s3")'), False),
        (_line(PYTHON_CDK, 'boto3.resource("dynamodb")'), _column(PYTHON_CDK, 'boto3.resource("dynamodb")'), False),
        (_line(PYTHON_CDK, "code=_lambda.InlineCode("), _column(PYTHON_CDK, "code=_lambda.InlineCode("), True),
    ]


TYPESCRIPT_CDK = '''
    import * as lambda from "aws-cdk-lib/aws-lambda";

    export class S {
      constructor(scope: any) {
        new lambda.Function(scope, "Inline", {
          runtime: lambda.Runtime.PYTHON_3_9,
          handler: "index.handler",
          code: lambda.Code.fromInline(`import boto3
    def handler(event, context):
        return boto3.client("s3").list_buckets()
    `),
        });
        new lambda.Function(scope, "Escaped", {
          runtime: lambda.Runtime.PYTHON_3_12,
          handler: "index.handler",
          code: lambda.Code.fromInline("import boto3\\ndef handler(e, c):\\n    return boto3.client('s3')\\n"), // noqa: LAM101
        });
      }
    }
'''


def test_typescript_cdk_inline_code_from_a_template_string_maps_exactly():
    found = findings("LAM101,LAM002,LAM004", {"cdk.json": "{}", "lib/s.ts": TYPESCRIPT_CDK})
    assert [(file, row, column, code) for file, row, column, code, _ in found] == [
        ("lib/s.ts", _line(TYPESCRIPT_CDK, '"Inline"'), _column(TYPESCRIPT_CDK, "new lambda"), "LAM004"),
        ("lib/s.ts", _line(TYPESCRIPT_CDK, "PYTHON_3_9"), _column(TYPESCRIPT_CDK, "runtime:"), "LAM002"),
        ("lib/s.ts", _line(TYPESCRIPT_CDK, 'boto3.client("s3")'), _column(TYPESCRIPT_CDK, 'boto3.client("s3")'),
         "LAM101"),
    ]


# -- on disk, through the command line ------------------------------------------------------------


def test_inline_findings_in_every_format_never_fixed_and_ignorable_per_file(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"infra/status.yaml": _text(SAM)})
    run = run_cli("check", "--no-cache", "--select", "LAM101", "--output-format", "json", ".")
    (finding,) = json.loads(run.stdout)
    assert (finding["filename"], finding["location"]["row"], finding["fix"]) == (
        "infra/status.yaml", _line(SAM, 'boto3.client("sns")'), None)
    sarif = json.loads(run_cli("check", "--no-cache", "--select", "LAM101", "--output-format", "sarif", ".").stdout)
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "infra/status.yaml"
    full = run_cli("check", "--no-cache", "--select", "LAM101", "--output-format", "full", ".").stdout
    assert 'sns = boto3.client("sns")' in full
    before = (workdir / "infra/status.yaml").read_text()
    assert run_cli("check", "--no-cache", "--select", "LAM101", "--fix", "--unsafe-fixes", ".").exit_code == 1
    assert (workdir / "infra/status.yaml").read_text() == before
    pyproject(workdir, '[tool.lambdalint.per-file-ignores]\n"infra/*.yaml" = ["LAM101"]\n')
    assert run_cli("check", "--no-cache", "--select", "LAM101", ".").exit_code == 0


def test_a_baseline_records_inline_findings_by_their_template_lines(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {"template.yaml": _text(SAM)})
    assert run_cli("baseline", "-o", "baseline.json", ".").exit_code == 0
    assert "template.yaml" in (workdir / "baseline.json").read_text()
    run = run_cli("check", "--no-cache", "--baseline", "baseline.json", ".")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "no longer found" not in run.stderr
