"""Targeted tests for LAM102-LAM105 that do not fit as rule examples.

The rule examples (run by test_rule_examples.py) cover what is flagged and
what is not; here: the fix LAM102 must withhold, message contents, the CLI's
JSON output, config-named handlers read from pyproject.toml, cross-module
findings through the real command, and known model limits (strict xfails
that start passing, and must then lose their marker, once the model learns).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalint.catalog import CONFIG_FETCH_OPERATIONS, CONNECTION_CONSTRUCTORS
from lambdalint.docs import missing_sections
from lambdalint.registry import load_registry
from lambdalint.testing import run_rule

RULES = load_registry(include_plugins=False).rules
MINE = ("LAM102", "LAM103", "LAM104", "LAM105")


def findings(code: str, source: str, config: dict | None = None, files: dict[str, str] | None = None):
    project = {"app.py": textwrap.dedent(source)}
    project.update({path: textwrap.dedent(text) for path, text in (files or {}).items()})
    result = run_rule(RULES[code], project, config)
    assert not result.internal_error, result.messages
    return [d for d in result.diagnostics if d.code == code]


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def write(root: Path, files: dict[str, str]) -> None:
    for relative_path, text in files.items():
        path = root / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


# -- metadata ------------------------------------------------------------------------


@pytest.mark.parametrize("code", MINE)
def test_doc_has_every_section(code):
    assert missing_sections(RULES[code]) == []


def test_severities_match_the_catalog():
    severities = {code: RULES[code].severity.value for code in MINE}
    assert severities == {"LAM102": "warning", "LAM103": "error", "LAM104": "error", "LAM105": "warning"}


@pytest.mark.parametrize("qualified", sorted(CONNECTION_CONSTRUCTORS))
def test_lam102_prescan_words_survive_any_import_alias(qualified):
    # However the constructor is imported, the name at the call site is its last part.
    last = qualified.rsplit(".", 1)[-1]
    assert any(word in last for word in RULES["LAM102"].words)


@pytest.mark.parametrize("operation", sorted(CONFIG_FETCH_OPERATIONS))
def test_lam105_prescan_words_cover_every_operation(operation):
    assert any(word in operation for word in RULES["LAM105"].words)


# -- LAM102: the hoist fix must not share a connection the function ends --------------

PLAIN = '''
    import os
    import pymysql

    def lambda_handler(event, context):
        conn = pymysql.connect(host=os.environ["DB_HOST"])
        {extra}
'''


@pytest.mark.parametrize(
    "extra",
    [
        "conn.close()",
        "with conn:\n            pass",
        "from contextlib import closing\n        with closing(conn):\n            pass",
        "return conn",
        "return conn, 1",
        "conn.autocommit = True",
        "conn.client_flag += 1",
        "conn.encoders[str] = repr",
        "conn.cursorclass.configure(event)",
    ],
    ids=["close", "with", "closing", "return", "return-tuple", "set-attribute", "augment-attribute",
         "set-item", "mutate-sub-object"],
)
def test_lam102_no_fix_when_the_function_ends_or_hands_out_the_connection(extra):
    found = findings("LAM102", PLAIN.format(extra=extra))
    assert len(found) == 1
    assert found[0].fix is None


@pytest.mark.parametrize(
    "extra",
    ["return conn.open", "with conn.cursor() as cursor:\n            cursor.execute('SELECT 1')", "del conn"],
    ids=["attribute", "cursor", "del"],
)
def test_lam102_fix_offered_when_the_connection_stays_open(extra):
    found = findings("LAM102", PLAIN.format(extra=extra))
    assert len(found) == 1
    assert found[0].fix is not None


def test_lam102_no_fix_for_a_connection_returned_by_a_helper():
    found = findings("LAM102", '''
        import pymysql

        def get_connection():
            return pymysql.connect(host="db.internal")

        def lambda_handler(event, context):
            conn = get_connection()
            try:
                return conn.ping()
            finally:
                conn.close()
    ''')
    assert [(d.location.row, d.fix) for d in found] == [(5, None)]


def test_lam102_no_fix_for_a_session_whose_headers_are_set_per_request():
    found = findings("LAM102", '''
        import requests

        def lambda_handler(event, context):
            session = requests.Session()
            session.headers.update({"Authorization": "Bearer " + event["token"]})
            return session.get("https://api.example.com/me", timeout=5).json()
    ''')
    assert [(d.location.row, d.fix) for d in found] == [(5, None)]


def test_lam102_no_fix_for_a_connection_passed_on():
    found = findings("LAM102", '''
        import pymysql

        def lambda_handler(event, context):
            return Repository(pymysql.connect(host="db.internal")).count()
    ''')
    assert [(d.location.row, d.fix) for d in found] == [(5, None)]


def test_lam102_async_client_in_sync_code_is_still_flagged():
    found = findings("LAM102", '''
        import httpx

        def lambda_handler(event, context):
            return httpx.AsyncClient()
    ''')
    assert [d.location.row for d in found] == [5]


def test_lam102_message_names_alias_and_library():
    (found,) = findings("LAM102", '''
        import psycopg2 as pg

        def lambda_handler(event, context):
            return pg.connect("dbname=orders").server_version
    ''')
    assert "pg.connect" in found.message and "psycopg2.connect" in found.message
    assert "every invocation" in found.message and "module scope" in found.message


# -- LAM103 / LAM104 messages ---------------------------------------------------------


def test_lam103_message_says_why_and_what_to_do():
    (found,) = findings("LAM103", '''
        async def main(event, context):
            return event
    ''')
    assert (found.location.row, found.location.column) == (2, 11)  # the name, not `async`
    assert "`main`" in found.message and "asyncio.run" in found.message
    assert "(event, context)" in found.message  # how the handler was found


def test_lam103_async_method_named_in_config_is_not_a_module_handler():
    # The model only matches module-level functions to config specs.
    assert findings("LAM103", '''
        class Service:
            async def process(self, event, context):
                return event
    ''', config={"handlers": ["app.py:process"]}) == []


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("(event)", "only one positional parameter (`event`)"),
        ("()", "no positional parameters"),
        ("(event, context, table, region)", "give `table`, `region` a default"),
        ("(event, context, *, table)", "keyword-only parameter `table` has no default"),
        ("(event, context, *, a, b)", "keyword-only parameters `a`, `b` have no defaults"),
    ],
)
def test_lam104_message_names_the_problem(signature, expected):
    (found,) = findings("LAM104", f"def lambda_handler{signature}:\n    return None\n")
    assert expected in found.message
    assert "TypeError" in found.message


@pytest.mark.parametrize(
    "signature",
    ["(event, context, /)", "(event, /, context)", "(event, context, table=None, *, dry_run=False)",
     "(*args)", "(event, *rest)"],
)
def test_lam104_callable_signatures_pass(signature):
    assert findings("LAM104", f"def lambda_handler{signature}:\n    return None\n") == []


def test_lam104_signature_match_is_not_checked_unless_named_lambda_handler():
    # `process(event, context, table)` is a handler to the model only by its parameter
    # names: most such functions are helpers the real handler calls.
    assert findings("LAM104", '''
        def process(event, context, table):
            return table
    ''') == []


def test_lam104_a_function_named_handler_that_nothing_calls():
    # Named like a handler, first parameter the event, in Lambda code, called by nothing:
    # it is the handler, and Lambda's `(event, context)` call fails.
    assert [d.location.row for d in findings("LAM104", '''
        import boto3

        dynamodb = boto3.resource("dynamodb")

        def handler(event):
            return dynamodb.Table("orders").get_item(Key={"id": event["id"]})
    ''')] == [6]
    assert [d.location.row for d in findings("LAM104", '''
        import boto3

        def handler(event, context, queue_url):
            return boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody=event["body"])
    ''')] == [4]


def test_lam104_a_handler_name_that_is_a_helper_a_callback_or_not_lambda_code():
    helper = findings("LAM104", '''
        import os
        import boto3
        from shared import handler

        TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])

        def lambda_handler(event, context):
            return handler(event, context, TABLE)
    ''', files={"shared.py": '''
        import boto3

        def handler(event, context, table):
            return table.put_item(Item=event)
    '''})
    callback = findings("LAM104", '''
        import boto3

        def handler(event):
            return event

        def register(bus):
            bus.subscribe(handler)
    ''')
    plain = findings("LAM104", '''
        def handler(event):
            return event
    ''')
    assert helper == callback == plain == []


def test_lam104_a_template_names_the_handler():
    template = '''
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Orders:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: app.{name}
    '''
    code = '''
        import boto3

        def main(event, context):
            return boto3.client("s3").list_buckets()

        def handler(event):
            return event
    '''
    assert findings("LAM104", code, files={"template.yaml": template.format(name="main")}) == []
    (found,) = findings("LAM104", code, files={"template.yaml": template.format(name="handler")})
    assert found.location.row == 7 and "template.yaml" in found.message


# -- LAM105 ---------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "service"), sorted(CONFIG_FETCH_OPERATIONS.items()))
def test_lam105_message_names_the_service(operation, service):
    (found,) = findings("LAM105", f'''
        import boto3

        client = boto3.client("x")

        def lambda_handler(event, context):
            return client.{operation}(Name="n")
    ''')
    assert found.message.startswith(f"{service} read `client.{operation}(...)`")


def test_lam105_extra_clients_count_as_aws_clients():
    source = '''
        from mycorp.aws import tracked_client

        ssm = tracked_client("ssm")

        def lambda_handler(event, context):
            return ssm.get_parameter(Name="/x")
    '''
    assert findings("LAM105", source) == []
    config = {"extra-clients": ["mycorp.aws.tracked_client"]}
    assert [d.location.row for d in findings("LAM105", source, config)] == [7]


def test_lam105_state_write_that_does_not_come_from_the_fetch_is_no_cache():
    found = findings("LAM105", '''
        import boto3

        ssm = boto3.client("ssm")
        _calls = {"n": 0}

        def lambda_handler(event, context):
            if _calls["n"] > 100:
                _calls["n"] = 0
            value = ssm.get_parameter(Name="/app/flag")
            _calls["n"] = 1
            return value
    ''')
    assert [d.location.row for d in found] == [10]


ROTATION_STEPS = '''
    import boto3

    secrets = boto3.client("secretsmanager")

    def set_secret(arn, token):
        # The master credentials of a multi-user rotation: a fixed secret, current version.
        master = secrets.get_secret_value(SecretId="prod/db-master")
        return master["SecretString"], arn, token
'''


def test_lam105_rotation_functions_read_versions_per_step():
    # The step compared with its names, in a helper module; or dispatched through a
    # table with both `Step` and `ClientRequestToken` read.
    assert findings("LAM105", '''
        from rotation.steps import set_secret

        def lambda_handler(event, context):
            step = event.get("Step")
            if step == "setSecret":
                set_secret(event["SecretId"], event["ClientRequestToken"])
    ''', files={"rotation/__init__.py": "", "rotation/steps.py": ROTATION_STEPS}) == []
    assert findings("LAM105", '''
        from rotation.steps import set_secret

        STEPS = {"setSecret": set_secret}

        def lambda_handler(event, context):
            STEPS[event["Step"]](event["SecretId"], event["ClientRequestToken"])
            return set_secret(event["SecretId"], event["ClientRequestToken"])
    ''', files={"rotation/__init__.py": "", "rotation/steps.py": ROTATION_STEPS}) == []


def test_lam105_the_same_reads_are_flagged_outside_a_rotation():
    """The rotation tests above read a fixed secret's current version: what makes them
    silent is the rotation, not the read."""
    found = findings("LAM105", ROTATION_STEPS + '''
    def lambda_handler(event, context):
        return set_secret("arn", "token")
    ''')
    assert [d.location.row for d in found] == [8]


def test_lam105_a_read_per_request_is_not_a_value_to_cache():
    """The secret's name from the event (a user's own secret, a secret an EventBridge
    event names), one version asked for, or a function that writes the secret back (a
    rotation by hand): not flagged. The same reads of a fixed, current secret are."""
    assert findings("LAM105", '''
        import boto3

        secrets = boto3.client("secretsmanager")

        def get_user_record(username):
            return secrets.get_secret_value(SecretId=f"sftp/users/{username}")["SecretString"]

        def lambda_handler(event, context):
            username = event["username"]
            return get_user_record(username)
    ''') == []
    assert findings("LAM105", '''
        import boto3

        secrets = boto3.client("secretsmanager")

        def lambda_handler(event, context):
            secret_arn = event["detail"]["requestParameters"]["secretId"]
            current = secrets.get_secret_value(SecretId=secret_arn, VersionStage="AWSCURRENT")
            previous = secrets.get_secret_value(SecretId="team/users", VersionStage="AWSPREVIOUS")
            return current, previous
    ''') == []
    found = findings("LAM105", '''
        import boto3

        secrets = boto3.client("secretsmanager")

        def lambda_handler(event, context):
            user = secrets.get_secret_value(SecretId=f"sftp/users/{event['username']}")
            static = secrets.get_secret_value(SecretId="sftp/host-key", VersionStage="AWSCURRENT")
            return user, static
    ''')
    assert [d.location.row for d in found] == [8]
    # The deployment's setting first, the event only when it is unset: one secret.
    found = findings("LAM105", '''
        import os
        import boto3

        secrets = boto3.client("secretsmanager")

        def lambda_handler(event, context):
            name = os.environ.get("SECRET_NAME", event.get("secret_name"))
            return secrets.get_secret_value(SecretId=name)
    ''')
    assert [d.location.row for d in found] == [9]


def test_lam105_a_template_permission_for_secrets_manager_marks_a_rotation_function():
    template = '''
        Resources:
          Rotator:
            Type: AWS::Lambda::Function
            Properties:
              Code: src/
              Handler: app.lambda_handler
              Runtime: python3.12
          RotatorPermission:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: !GetAtt Rotator.Arn
              Action: lambda:InvokeFunction
              Principal: secretsmanager.amazonaws.com
    '''
    code = '''
        import boto3

        secrets = boto3.client("secretsmanager")

        def lambda_handler(event, context):
            return rotate(event)

        def rotate(request):
            return secrets.get_secret_value(SecretId="prod/db-master", VersionStage="AWSCURRENT"), request
    '''
    result = run_rule(RULES["LAM105"], {"template.yaml": textwrap.dedent(template).lstrip("\n"),
                                         "src/app.py": textwrap.dedent(code)})
    assert [d for d in result.diagnostics if d.code == "LAM105"] == []
    # Without the permission nothing says so: an ordinary per-invocation read.
    result = run_rule(RULES["LAM105"], {"src/app.py": textwrap.dedent(code)})
    assert [d.location.row for d in result.diagnostics if d.code == "LAM105"] == [10]


@pytest.mark.parametrize("source", [
    # a custom resource answering CloudFormation itself ...
    '''
        import json
        import urllib.request
        import boto3

        ssm = boto3.client("ssm")

        def lambda_handler(event, context):
            topic = ssm.get_parameter(Name="/app/alerts-topic")["Parameter"]["Value"]
            body = json.dumps({"Status": "SUCCESS", "PhysicalResourceId": topic,
                               "StackId": event["StackId"], "RequestId": event["RequestId"],
                               "LogicalResourceId": event["LogicalResourceId"]}).encode()
            request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT")
            urllib.request.urlopen(request, timeout=10)
    ''',
    # ... through cfnresponse ...
    '''
        import boto3
        import cfnresponse

        ssm = boto3.client("ssm")

        def handler(event, context):
            value = ssm.get_parameter(Name=event["ResourceProperties"]["Name"])["Parameter"]["Value"]
            cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Value": value})
    ''',
    # ... through crhelper ...
    '''
        import boto3
        from crhelper import CfnResource

        helper = CfnResource()
        ssm = boto3.client("ssm")

        @helper.create
        @helper.update
        def create(event, context):
            helper.Data["Value"] = ssm.get_parameter(Name="/app/seed")["Parameter"]["Value"]

        def handler(event, context):
            helper(event, context)
    ''',
    # ... and a CodePipeline invoke action
    '''
        import boto3

        ssm = boto3.client("ssm")
        codepipeline = boto3.client("codepipeline")

        def lambda_handler(event, context):
            job = event["CodePipeline.job"]
            account = ssm.get_parameter(Name="/deploy/target-account")["Parameter"]["Value"]
            codepipeline.put_job_success_result(jobId=job["id"], outputVariables={"account": account})
    ''',
])
def test_lam105_custom_resources_and_pipeline_jobs_run_per_deployment(source):
    assert findings("LAM105", source) == []


def test_lam105_greengrass_local_secrets_are_no_api_call():
    assert findings("LAM105", '''
        import greengrasssdk

        secrets_client = greengrasssdk.client("secretsmanager")

        def function_handler(event, context):
            return secrets_client.get_secret_value(SecretId="greengrass-TestSecret").get("SecretString")
    ''') == []


def test_lam105_other_steps_and_other_events_are_no_rotation():
    found = findings("LAM105", '''
        import boto3

        secrets = boto3.client("secretsmanager")

        def lambda_handler(event, context):
            if event["Step"] == "validate":
                return secrets.get_secret_value(SecretId="prod/api")
    ''')
    assert [d.location.row for d in found] == [8]


# -- through the command line ----------------------------------------------------------


def test_cli_json_cross_module(tmp_path):
    write(tmp_path, {
        "app.py": '''
            from db.connection import get_connection
            from shared.settings import api_key

            async def worker(event, context):
                return event

            def lambda_handler(event, context):
                return get_connection(), api_key()
        ''',
        "db/__init__.py": "",
        "db/connection.py": '''
            import pymysql

            def get_connection():
                return pymysql.connect(host="db.internal")
        ''',
        "shared/__init__.py": "",
        "shared/settings.py": '''
            import boto3

            _ssm = boto3.client("ssm")

            def api_key():
                return _ssm.get_parameter(Name="/key", WithDecryption=True)["Parameter"]["Value"]
        ''',
    })
    proc = run_cli(tmp_path, "--select", "LAM102,LAM103,LAM104,LAM105", "--output-format", "json", ".")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    got = sorted((d["filename"], d["location"]["row"], d["code"], d["severity"]) for d in data)
    assert got == [
        ("app.py", 5, "LAM103", "error"),
        ("db/connection.py", 5, "LAM102", "warning"),
        ("shared/settings.py", 7, "LAM105", "warning"),
    ]
    by_code = {d["code"]: d for d in data}
    assert by_code["LAM102"]["name"] == "connection-in-handler"
    assert "called from `lambda_handler`" in by_code["LAM102"]["message"]
    assert by_code["LAM105"]["message"].startswith("SSM Parameter Store read `_ssm.get_parameter(...)`")
    assert by_code["LAM103"]["url"].endswith("/LAM103.md")


def test_cli_config_named_handler(tmp_path):
    write(tmp_path, {
        "pyproject.toml": '''
            [tool.lambdalint]
            handlers = ["src/jobs.py:process"]
        ''',
        "src/jobs.py": '''
            def process(payload):
                return payload
        ''',
    })
    proc = run_cli(tmp_path, "--select", "LAM104", "--output-format", "json", "src")
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)
    assert finding["filename"] == "src/jobs.py"
    assert finding["location"] == {"row": 2, "column": 5}
    assert "named in config `handlers`" in finding["message"]


# -- model limits (see the rule authors' report) ----------------------------------------


def test_fetch_in_a_helper_called_only_lazily_is_not_per_invocation():
    assert findings("LAM105", '''
        import boto3

        secrets = boto3.client("secretsmanager")
        _secret = None

        def _load():
            return secrets.get_secret_value(SecretId="prod/db")["SecretString"]

        def lambda_handler(event, context):
            global _secret
            if _secret is None:
                _secret = _load()
            return _secret
    ''') == []


def test_extra_connection_with_an_unusual_name_is_found():
    found = findings("LAM102", '''
        from mycorp.db import open_pool

        def lambda_handler(event, context):
            return open_pool("orders")
    ''', config={"extra-connections": ["mycorp.db.open_pool"]})
    assert [d.location.row for d in found] == [5]
