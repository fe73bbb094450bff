"""TypeScript CDK apps that deploy Python functions, read with tree-sitter: constructs,
imports (CDK v2 and v1), consts and `path.join(__dirname, ...)`, event sources, invokers
and layers; what stays unknown; which files are the app; LAM001-LAM005 reported on the
TypeScript lines with `// noqa`; and trees without such an app never import tree-sitter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import run_cli, write

from lambdalint import Bad, Good, Severity
from lambdalint.templates import CDK_TS, DeploymentRule, TemplateFunction
from lambdalint.testing import run_rule


class _NoRule(DeploymentRule):
    """A deployment rule that reports nothing, so runs build the deployment."""

    code = "LAM099"
    name = "no-rule"
    severity = Severity.INFO
    examples = [Bad("x = 1"), Good("x = 1")]

    def check_templates(self, deployment):  # type: ignore[no-untyped-def]
        return iter(())


def _functions(files: dict[str, str]) -> dict[str, TemplateFunction]:
    result = run_rule(_NoRule, {path: _text(code) for path, code in files.items()})
    assert result.deployment is not None and not result.internal_error, result.messages
    return {f.name: f for f in result.deployment.functions}


def _text(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def _line(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` (dedented) holding ``needle``."""
    return next(i for i, line in enumerate(_text(text).splitlines(), start=1) if needle in line)


HANDLER = "def handler(event, context):\n    return None\n"
CDK_JSON = '{"app": "npx ts-node --prefer-ts-exts bin/app.ts"}'

STACK = '''
    import * as path from "path";
    import * as cdk from "aws-cdk-lib";
    import { Duration, aws_apigateway as apigw } from "aws-cdk-lib";
    import * as lambda from "aws-cdk-lib/aws-lambda";
    import * as s3 from "aws-cdk-lib/aws-s3";
    import * as s3n from "aws-cdk-lib/aws-s3-notifications";
    import * as sqs from "aws-cdk-lib/aws-sqs";
    import * as events from "aws-cdk-lib/aws-events";
    import * as targets from "aws-cdk-lib/aws-events-targets";
    import { SqsEventSource, S3EventSource, SnsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
    import { PythonFunction, PythonLayerVersion } from "@aws-cdk/aws-lambda-python-alpha";
    import { Construct } from "constructs";

    const codeDir = path.join(__dirname, "../lambda");
    const MEMORY = 512;

    export class ShopStack extends cdk.Stack {
      public readonly orders: lambda.Function;

      constructor(scope: Construct, id: string, props?: cdk.StackProps) {
        super(scope, id, props);
        const queue = new sqs.Queue(this, "Queue");
        const deps = new lambda.LayerVersion(this, "Deps", { code: lambda.Code.fromAsset("layers/deps") });
        const helpers = new PythonLayerVersion(this, "Helpers", { entry: path.join(__dirname, "..", "layers/helpers") });
        const shared = lambda.LayerVersion.fromLayerVersionArn(this, "Shared", "arn:aws:lambda:eu-west-1:1:layer:s:1");

        this.orders = new lambda.Function(this, "Orders", {
          runtime: lambda.Runtime.PYTHON_3_9,
          handler: "orders.app.handler",
          code: lambda.Code.fromAsset(codeDir),
          timeout: cdk.Duration.seconds(30),
          memorySize: MEMORY,
          layers: [deps, helpers, shared],
        });
        this.orders.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));

        const thumbs = new PythonFunction(this, "Thumbs", {
          entry: "src/thumbs",
          index: "main.py",
          handler: "resize",
          runtime: lambda.Runtime.PYTHON_3_12,
          timeout: Duration.minutes(2),
          events: [new SnsEventSource(topic)],
        });
        const bucket = new s3.Bucket(this, "Photos");
        bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(thumbs), { prefix: "new/" });
        thumbs.addEventSource(new S3EventSource(bucket, { events: [s3.EventType.OBJECT_CREATED], filters: [{ suffix: ".jpg" }] }));
        new apigw.LambdaRestApi(this, "Api", { handler: thumbs });
        new events.Rule(this, "Nightly", { schedule: events.Schedule.rate(Duration.days(1)), targets: [new targets.LambdaFunction(this.orders)] });
        thumbs.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      }
    }
'''

APP = {
    "cdk.json": CDK_JSON,
    "lib/shop-stack.ts": STACK,
    "lambda/orders/app.py": HANDLER,
    "src/thumbs/main.py": "def resize(event, context):\n    return None\n",
}


def test_functions_their_settings_marks_layers_and_event_sources():
    functions = _functions(APP)
    orders, thumbs = functions["Orders"], functions["Thumbs"]
    assert orders.template.kind == CDK_TS and orders.template.rel_path == "lib/shop-stack.ts"
    assert (orders.runtime.value, orders.timeout_seconds, orders.memory_mb) == ("python3.9", 30, 512)
    assert (orders.code_dir, orders.module_file, orders.function_name) == ("lambda", "lambda/orders/app.py", "handler")
    assert orders.where.line == _line(STACK, '"Orders"')
    runtime_line = _line(STACK, "PYTHON_3_9")
    assert (orders.runtime.where.line, orders.runtime.where.mark.column) == (runtime_line, 7)
    assert orders.runtime.where.mark.end_column == 7 + len("runtime: lambda.Runtime.PYTHON_3_9")
    assert orders.handler.where.line == _line(STACK, '"orders.app.handler"')
    assert orders.memory.where.line == _line(STACK, "memorySize")
    assert [(layer.name, layer.content_dir) for layer in orders.layers] == [
        ("Deps", "layers/deps"), ("Helpers", "layers/helpers"), ("Shared", None)]
    assert [(e.kind, e.partial_batch, e.batch_size) for e in orders.events] == [
        ("SQS", True, 10), ("EventBridge", None, None)]
    assert thumbs.is_python and thumbs.runtime.value == "python3.12" and thumbs.timeout_seconds == 120
    assert (thumbs.module_file, thumbs.function_name) == ("src/thumbs/main.py", "resize")
    assert thumbs.memory_mb == 128
    assert [(e.kind, e.prefix, e.suffix) for e in thumbs.events] == [
        ("SNS", None, None), ("S3", None, ".jpg"), ("S3", "new/", None), ("API", None, None),
        ("FunctionURL", None, None)]


@pytest.mark.parametrize("header, construct", [
    # Named imports, renamed, and the `aws_lambda` namespace of aws-cdk-lib.
    ('import { Function, Runtime, Code } from "aws-cdk-lib/aws-lambda";\nimport { Duration } from "aws-cdk-lib";',
     'new Function(this, "F", { runtime: Runtime.PYTHON_3_8, handler: "app.handler", '
     'code: Code.fromAsset("src"), timeout: Duration.seconds(10) })'),
    ('import { Function as LambdaFn, Runtime, Code } from "aws-cdk-lib/aws-lambda";\nimport * as cdk from "aws-cdk-lib";',
     'new LambdaFn(this, "F", { runtime: Runtime.PYTHON_3_8, handler: "app.handler", '
     'code: Code.fromAsset("src"), timeout: cdk.Duration.seconds(10) })'),
    ('import { aws_lambda as lambda, Duration } from "aws-cdk-lib";',
     'new lambda.Function(this, "F", { runtime: lambda.Runtime.PYTHON_3_8, handler: "app.handler", '
     'code: lambda.Code.fromAsset("src"), timeout: Duration.seconds(10) })'),
    ('import * as cdk from "aws-cdk-lib";',
     'new cdk.aws_lambda.Function(this, "F", { runtime: cdk.aws_lambda.Runtime.PYTHON_3_8, handler: "app.handler", '
     'code: cdk.aws_lambda.Code.fromAsset("src"), timeout: cdk.Duration.seconds(10) })'),
    # CDK v1, and `import x = require(...)`.
    ('import * as lambda from "@aws-cdk/aws-lambda";\nimport * as core from "@aws-cdk/core";',
     'new lambda.Function(this, "F", { runtime: lambda.Runtime.PYTHON_3_8, handler: "app.handler", '
     'code: lambda.Code.fromAsset("src"), timeout: core.Duration.seconds(10) })'),
    ('import lambda = require("@aws-cdk/aws-lambda");\nconst cdk = require("@aws-cdk/core");',
     'new lambda.Function(this, "F", { runtime: lambda.Runtime.PYTHON_3_8, handler: "app.handler", '
     'code: lambda.AssetCode.fromAsset("src"), timeout: cdk.Duration.seconds(10) })'),
])
def test_every_import_style_names_the_same_constructs(header, construct):
    stack = f"{header}\n\nexport class S extends Stack {{\n  constructor(scope: Construct, id: string) {{\n" \
            f"    super(scope, id);\n    {construct};\n  }}\n}}\n"
    (function,) = _functions({"cdk.json": CDK_JSON, "lib/s.ts": stack, "src/app.py": HANDLER}).values()
    assert function.runtime.value == "python3.8"
    assert function.timeout_seconds == 10
    assert function.module_file == ("src/app.py" if "AssetCode" not in construct else None)


STACK_WITH_UNKNOWNS = '''
    import * as lambda from "aws-cdk-lib/aws-lambda";
    import { Duration } from "aws-cdk-lib";

    const common = { runtime: lambda.Runtime.PYTHON_3_12, timeout: Duration.seconds(20) };
    const HANDLER = "app.handler";
    let mutable = "app.handler";

    export function makeFunction(scope: Construct, props: lambda.FunctionProps, handler: string) {
      new lambda.Function(scope, "FromSpread", { ...common, handler: HANDLER, code: lambda.Code.fromAsset("src") });
      new lambda.Function(scope, "UnknownSpread", { runtime: lambda.Runtime.PYTHON_3_12, timeout: Duration.seconds(5),
        ...props, handler: "app.handler", code: lambda.Code.fromAsset("src") });
      new lambda.Function(scope, "Parameter", { runtime: lambda.Runtime.PYTHON_3_12, handler,
        code: lambda.Code.fromAsset(`${process.env.ROOT}/src`) });
      new lambda.Function(scope, "Let", { runtime: lambda.Runtime.PYTHON_3_12, handler: mutable,
        code: lambda.Code.fromAsset("src"), memorySize: 64 * 2 });
      new lambda.Function(scope, "Whole", props);
    }
'''


def test_only_literals_and_consts_are_read_everything_else_is_unknown():
    functions = _functions({"cdk.json": CDK_JSON, "lib/s.ts": STACK_WITH_UNKNOWNS, "src/app.py": HANDLER})
    spread = functions["FromSpread"]
    assert (spread.runtime.value, spread.timeout_seconds, spread.handler.value) == ("python3.12", 20, "app.handler")
    assert spread.runtime.where.line == _line(STACK_WITH_UNKNOWNS, "const common")
    unknown = functions["UnknownSpread"]
    # `...props` may set the runtime and timeout written before it, and the memory size.
    assert unknown.runtime.value is None and unknown.timeout.value is None and unknown.memory_mb is None
    assert unknown.handler.value == "app.handler"
    parameter = functions["Parameter"]
    assert parameter.handler.value is None and parameter.code_dir is None
    assert parameter.code_note == "a computed asset path"
    let = functions["Let"]
    assert let.handler.value is None and let.memory_mb is None and let.memory is not None
    whole = functions["Whole"]
    assert whole.runtime is None and whole.handler.value is None and whole.timeout.value is None


def test_path_expressions_resolve_against_the_file_or_the_app_folder():
    stack = '''
        import * as path from "node:path";
        import { join } from "path";
        import * as lambda from "aws-cdk-lib/aws-lambda";
        const ROOT = path.resolve(__dirname, "..", "..");
        export class S {
          constructor(scope: any) {
            new lambda.Function(scope, "Dirname", { runtime: lambda.Runtime.PYTHON_3_12, handler: "a.handler",
              code: lambda.Code.fromAsset(join(ROOT, "functions", "a")) });
            new lambda.Function(scope, "Template", { runtime: lambda.Runtime.PYTHON_3_12, handler: "b.handler",
              code: lambda.Code.fromAsset(`${__dirname}/../../functions/b`) });
            new lambda.Function(scope, "Cwd", { runtime: lambda.Runtime.PYTHON_3_12, handler: "c.handler",
              code: lambda.Code.fromAsset(path.join(process.cwd(), "functions", "c")) });
            new lambda.Function(scope, "Concat", { runtime: lambda.Runtime.PYTHON_3_12, handler: "d.handler",
              code: lambda.Code.fromAsset(__dirname + "/../../functions/d") });
            new lambda.Function(scope, "Zip", { runtime: lambda.Runtime.PYTHON_3_12, handler: "e.handler",
              code: lambda.Code.fromAsset("dist/e.zip") });
          }
        }
    '''
    functions = _functions({
        "infra/cdk.json": CDK_JSON, "infra/lib/stacks/s.ts": stack,
        **{f"infra/functions/{name}/{name}.py": HANDLER for name in "abcd"},
    })
    assert {name: f.code_dir for name, f in functions.items()} == {
        "Dirname": "infra/functions/a", "Template": "infra/functions/b", "Cwd": "infra/functions/c",
        "Concat": "infra/functions/d", "Zip": None}
    assert all(f.module_file for name, f in functions.items() if name != "Zip")
    assert functions["Zip"].code_note == "a packaged artifact"


def test_event_source_mappings_and_filters_through_consts():
    stack = '''
        import * as lambda from "aws-cdk-lib/aws-lambda";
        import * as s3 from "aws-cdk-lib/aws-s3";
        import * as s3n from "aws-cdk-lib/aws-s3-notifications";
        import { KinesisEventSource, DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
        const PREFIX = "incoming/";
        const options = { reportBatchItemFailures: false, batchSize: 5 };
        export class S {
          constructor(scope: any, stream: any, table: any, queue: any, extra: any) {
            const fn = new lambda.Function(scope, "Fn", { runtime: lambda.Runtime.PYTHON_3_12,
              handler: "app.handler", code: lambda.Code.fromAsset("src") });
            fn.addEventSource(new KinesisEventSource(stream, options));
            fn.addEventSource(new DynamoEventSource(table, { ...extra }));
            fn.addEventSourceMapping("Map", { eventSourceArn: queue.queueArn, reportBatchItemFailures: true });
            new lambda.EventSourceMapping(scope, "Other", { target: fn, eventSourceArn: table.tableStreamArn });
            const bucket = new s3.Bucket(scope, "B");
            bucket.addObjectCreatedNotification(new s3n.LambdaDestination(fn), { prefix: PREFIX }, { suffix: ".csv" });
          }
        }
    '''
    (fn,) = _functions({"cdk.json": CDK_JSON, "lib/s.ts": stack, "src/app.py": HANDLER}).values()
    assert [(e.kind, e.partial_batch, e.prefix, e.suffix) for e in fn.events] == [
        ("Kinesis", False, None, None), ("DynamoDB", None, None, None), ("SQS", True, None, None),
        ("DynamoDB", False, None, None), ("S3", None, "incoming/", ".csv")]


def test_a_column_after_non_ascii_text_counts_characters():
    stack = ('import * as lambda from "aws-cdk-lib/aws-lambda";\n'
             'new lambda.Function(this, "Grüße", { /* é */ runtime: lambda.Runtime.PYTHON_3_8, handler: "a.h" });\n')
    (function,) = _functions({"cdk.json": CDK_JSON, "s.ts": stack}).values()
    assert function.name == "Grüße"
    assert function.runtime.where.mark.column == stack.splitlines()[1].index("runtime") + 1


# -- which files are the app ------------------------------------------------------------------


def test_the_apps_typescript_files_but_not_tests_declarations_node_modules_or_cdk_out(workdir):
    (workdir / ".git").mkdir()
    construct = ('import * as lambda from "aws-cdk-lib/aws-lambda";\n'
                 'new lambda.Function(this, "{name}", {{ runtime: lambda.Runtime.PYTHON_3_8, '
                 'handler: "app.handler", code: lambda.Code.fromAsset("src") }});\n')
    write(workdir, {
        "cdk.json": CDK_JSON,
        "lib/stack.ts": construct.format(name="Real"),
        "lib/stack.d.ts": construct.format(name="Declaration"),
        "test/stack.test.ts": construct.format(name="Test"),
        "lib/stack.spec.ts": construct.format(name="Spec"),
        "node_modules/aws-cdk-lib/x.ts": construct.format(name="Package"),
        "cdk.out/asset/x.ts": construct.format(name="Synthesized"),
        "lib/plain.ts": "export const x = 1;\n",
        "src/app.py": HANDLER,
    })
    run = run_cli("check", "--no-cache", "--select", "LAM002", "--output-format", "json", ".")
    assert [(d["filename"], d["location"]["row"]) for d in json.loads(run.stdout)] == [("lib/stack.ts", 2)]
    # Checking only the function code finds the app above it.
    run = run_cli("check", "--no-cache", "--select", "LAM002", "--output-format", "json", "src")
    assert [d["filename"] for d in json.loads(run.stdout)] == ["lib/stack.ts"]


def test_a_python_apps_cdk_json_reads_no_typescript(workdir):
    (workdir / ".git").mkdir()
    write(workdir, {
        "cdk.json": '{"app": "python3 app.py"}',
        "web/stack.ts": 'import * as lambda from "aws-cdk-lib/aws-lambda";\n'
                        'new lambda.Function(this, "F", { runtime: lambda.Runtime.PYTHON_3_8, handler: "a.h" });\n',
        "src/app.py": HANDLER,
    })
    run = run_cli("check", "--no-cache", "--select", "LAM002", ".")
    assert "LAM002" not in run.stdout


def test_a_typescript_file_named_on_the_command_line_is_read_as_the_app(workdir):
    write(workdir, {"cdk.json": CDK_JSON, "lib/shop-stack.ts": _text(STACK), "lambda/orders/app.py": HANDLER})
    run = run_cli("check", "--no-cache", "--select", "LAM0", "--output-format", "json", "lib/shop-stack.ts")
    assert [(d["code"], d["location"]["row"]) for d in json.loads(run.stdout)] == [
        ("LAM002", _line(STACK, "PYTHON_3_9")), ("LAM001", _line(STACK, '"resize"'))]


def test_without_tree_sitter_a_found_app_is_one_warning(workdir, monkeypatch):
    from lambdalint.templates import cdk_typescript

    (workdir / ".git").mkdir()
    write(workdir, {**APP})
    monkeypatch.setattr(cdk_typescript, "available", lambda: False)
    run = run_cli("check", "--no-cache", "--select", "LAM0", ".")
    assert "LAM0" not in run.stdout
    assert "the TypeScript CDK app in ./ is not read: the tree-sitter-typescript package is not installed" \
        in run.stderr


def test_trees_without_a_typescript_app_never_import_tree_sitter(workdir):
    write(workdir, {"template.yaml": "Resources: {}\n", "cdk.json": '{"app": "python3 app.py"}',
                    "app.py": "import aws_cdk\n", "src/app.py": HANDLER})
    code = ("import sys\nfrom lambdalint.cli import main\n"
            "try:\n    main(['check', '--no-cache', '.'])\nexcept SystemExit:\n    pass\n"
            "assert not [m for m in sys.modules if m.startswith('tree_sitter')], 'tree-sitter was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the rules on TypeScript lines ----------------------------------------------------------------------


def test_lam001_to_lam005_report_on_the_typescript_lines_and_double_slash_noqa_works(workdir):
    (workdir / ".git").mkdir()
    stack = '''
        import * as cdk from "aws-cdk-lib";
        import * as lambda from "aws-cdk-lib/aws-lambda";
        import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";

        export class S extends cdk.Stack {
          constructor(scope: any, id: string, queue: any) {
            super(scope, id);
            const worker = new lambda.Function(this, "Worker", {
              runtime: lambda.Runtime.PYTHON_3_9,
              handler: "worker.handler",
              code: lambda.Code.fromAsset("functions"),
            });
            worker.addEventSource(new SqsEventSource(queue, { batchSize: 10 }));
            new lambda.Function(this, "Missing", {
              runtime: lambda.Runtime.PYTHON_3_8, // noqa: LAM002 - retired next sprint
              handler: "gone.handler",
              code: lambda.Code.fromAsset("functions"),
            });
          }
        }
    '''
    write(workdir, {
        "cdk.json": CDK_JSON,
        "lib/s.ts": _text(stack),
        "functions/worker.py": '''
            import urllib.request

            def handler(event, context):
                urllib.request.urlopen("https://example.com", timeout=2)
                return {"batchItemFailures": []}
        ''',
    })
    data = json.loads(run_cli("check", "--no-cache", "--select", "LAM0", "--output-format", "json", ".").stdout)
    found = [(d["filename"], d["location"]["row"], d["code"]) for d in data]
    assert found == [
        ("lib/s.ts", _line(stack, '"Worker"'), "LAM004"),
        ("lib/s.ts", _line(stack, "PYTHON_3_9"), "LAM002"),
        ("lib/s.ts", _line(stack, "new SqsEventSource"), "LAM005"),
        ("lib/s.ts", _line(stack, '"gone.handler"'), "LAM001"),
    ]
    lam005 = next(d for d in data if d["code"] == "LAM005")
    assert "`reportBatchItemFailures: true`" in lam005["message"]
    handlers = run_cli("handlers", ".").stdout
    assert "functions/worker.py:4: worker.handler [handler: lib/s.ts (Worker)]" in handlers
