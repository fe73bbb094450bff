"""The event-taint engine (lambdalint.model.taint): sources, propagation, sanitisers,
sinks, provenance and cost.

Snippets mark the lines where a finding is expected with `# taint: <kind>`
(several kinds separated by commas); every other line must stay quiet.
"""

from __future__ import annotations

import re
import textwrap

import libcst as cst
import pytest

from lambdalint.model import HandlerSpec, ModuleModel, Project, analyses
from lambdalint.model import taint as taint_module

MARKER = re.compile(r"#\s*taint:\s*([a-z, ]+)$")


def build(files: dict[str, str], handlers: tuple[str, ...] = ()) -> dict[str, ModuleModel]:
    models = {
        path: ModuleModel.build(cst.parse_module(textwrap.dedent(code).lstrip("\n")), path)
        for path, code in files.items()
    }
    Project(models.values(), [HandlerSpec.parse(h) for h in handlers])
    return models


def found(models: dict[str, ModuleModel]) -> set[tuple[str, int, str]]:
    result = set()
    for path, model in models.items():
        for finding in analyses.taint(model):
            result.add((path, finding.engine.line(model, finding.node), finding.kind))
    return result


def expected(files: dict[str, str]) -> set[tuple[str, int, str]]:
    result = set()
    for path, code in files.items():
        for number, line in enumerate(textwrap.dedent(code).lstrip("\n").splitlines(), start=1):
            match = MARKER.search(line)
            if match:
                result |= {(path, number, kind.strip()) for kind in match.group(1).split(",")}
    return result


def check(code: str, files: dict[str, str] | None = None, handlers: tuple[str, ...] = ()) -> None:
    all_files = {"app.py": code, **(files or {})}
    assert found(build(all_files, handlers)) == expected(all_files)


def only_finding(code: str, files: dict[str, str] | None = None, handlers: tuple[str, ...] = ()):
    models = build({"app.py": code, **(files or {})}, handlers)
    findings = [f for model in models.values() for f in analyses.taint(model)]
    assert len(findings) == 1, findings
    return findings[0]


# -- sources -------------------------------------------------------------------------------


def test_the_first_parameter_of_a_configured_handler_whatever_its_name():
    check("""
        import os

        def process(payload, ctx):
            os.system("echo " + payload["name"])  # taint: shell
            os.system("echo " + ctx.function_name)
    """, handlers=("app.py:process",))


def test_underscore_event_and_decorated_handlers():
    check("""
        import os
        from aws_lambda_powertools import Logger

        logger = Logger()

        def first(_event, _context):
            os.system(_event["cmd"])  # taint: shell

        @logger.inject_lambda_context
        def second(evt, ctx):
            os.system(evt["cmd"])  # taint: shell
    """)


def test_context_and_module_state_are_not_event_data():
    check("""
        import os

        PREFIX = os.environ["PREFIX"]

        def lambda_handler(event, context):
            os.system(f"{PREFIX} {context.aws_request_id} {os.environ['HOME']}")
    """)


def test_record_handlers_receive_event_data():
    check("""
        import os
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        processor = BatchProcessor(event_type=EventType.SQS)

        def record_handler(record):
            os.system(record.body)  # taint: shell

        def lambda_handler(event, context):
            return process_partial_response(event=event, record_handler=record_handler, processor=processor)
    """)


def test_powertools_routes_current_event_and_its_accessors():
    check("""
        import os
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        app = APIGatewayRestResolver()

        @app.get("/files/<name>/<int:version>")
        def get_file(name, version):
            open(name)  # taint: path
            open(f"/srv/{version}")  # taint: path
            event = app.current_event
            open(event.json_body["a"])  # taint: path
            open(event.query_string_parameters["b"])  # taint: path
            open(app.current_event.get_query_string_value(name="c", default_value=""))  # taint: path
            open(app.current_event.path_parameters["d"])  # taint: path
            open(app.current_event.body)  # taint: path
            open(app.current_event.headers.get("x-file"))  # taint: path

        def lambda_handler(event, context):
            return app.resolve(event, context)
    """)


def test_powertools_event_data_classes_and_decodes_carry_the_event():
    check("""
        import base64
        import json
        import os
        from urllib.parse import unquote_plus
        from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, S3Event, event_source

        def lambda_handler(event, context):
            wrapped = APIGatewayProxyEvent(event)
            os.system(wrapped.body)  # taint: shell
            os.system(json.loads(event["body"])["cmd"])  # taint: shell
            os.system(base64.b64decode(event["data"]).decode())  # taint: shell
            os.system(unquote_plus(event["key"]))  # taint: shell

        @event_source(data_class=S3Event)
        def on_upload(event: S3Event, context):
            os.system("file " + event.object_key)  # taint: shell
    """)


def test_the_message_names_the_line_and_the_expression_read():
    finding = only_finding("""
        import os

        def run(command):
            os.system(command)

        def lambda_handler(event, context):
            body = event["body"]
            command = "convert " + body
            return run(command)
    """)
    assert finding.source_line == 7
    assert finding.source == 'line 7 (`event["body"]`)'
    assert finding.sink == "the shell command of `os.system(...)`"


def test_a_chain_of_reads_is_one_origin():
    finding = only_finding("""
        import os

        def lambda_handler(event, context):
            key = event["Records"][0]["s3"]["object"]["key"]
            os.remove(key)
    """)
    assert finding.source == 'line 4 (`event["Records"][0]["s3"]["object"]["key"]`)'


def test_a_read_in_a_helper_is_the_origin_when_the_handler_passes_the_whole_event():
    finding = only_finding("""
        import os

        def name_of(evt):
            return evt["detail"]["name"]

        def lambda_handler(event, context):
            os.remove(name_of(event))
    """)
    assert finding.source == 'line 4 (`evt["detail"]["name"]`)'


def test_route_parameters_are_named_in_messages():
    finding = only_finding("""
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        app = APIGatewayRestResolver()

        @app.get("/files/<name>")
        def get_file(name):
            return open(name).read()
    """)
    assert finding.source == "line 6 (route parameter `name`)"


# -- fields AWS supplies -------------------------------------------------------------------


def test_fields_aws_supplies_are_not_event_data():
    # Custom resources answer CloudFormation at `ResponseURL`; S3 Object Lambda reads the
    # object at the presigned `inputS3Url`; authorizers read the region from `methodArn`.
    # The caller's own data next to them (properties, the user's request, headers) is
    # still event data.
    check("""
        import json
        import urllib.request
        import requests

        def send_response(event, status, reason=""):
            body = json.dumps({"Status": status, "Reason": reason, "StackId": event["StackId"],
                               "RequestId": event["RequestId"],
                               "LogicalResourceId": event["LogicalResourceId"]})
            requests.put(event["ResponseURL"], data=body, timeout=10)

        def on_custom_resource(event, context):
            props = event["ResourceProperties"]
            requests.get(props["HealthCheckUrl"], timeout=5)  # taint: url
            send_response(event, "SUCCESS")

        def fetch(object_context):
            return urllib.request.urlopen(object_context["inputS3Url"], timeout=5).read()  # taint: url

        def on_object_lambda(event, context):
            original = fetch(event["getObjectContext"])
            route = event["getObjectContext"]["outputRoute"]
            token = event.get("getObjectContext", {}).get("outputToken")
            requests.post(f"{route}/{token}", data=original, timeout=5)
            user_url = event["userRequest"]["url"]
            requests.get(user_url, timeout=5)  # taint: url
            return fetch(event["userRequest"])

        def authorize(event, context):
            arn = event["methodArn"]
            region = arn.split(":")[3]
            requests.get(f"https://cognito-idp.{region}.amazonaws.com/jwks.json", timeout=5)
            requests.get(event["headers"]["x-jwks-url"], timeout=5)  # taint: url
            return {"principalId": "user"}
    """)


def test_record_metadata_is_trusted_but_a_decoded_body_is_not():
    check("""
        import json
        import os
        import requests

        def lambda_handler(event, context):
            for record in event["Records"]:
                bucket = record["s3"]["bucket"]["name"]
                key = record["s3"]["object"]["key"]
                region = record["awsRegion"]
                requests.get(f"https://{bucket}.s3.{region}.amazonaws.com/{key}", timeout=5)
                open("/mnt/cache/" + bucket).close()
                os.remove(key)  # taint: path

        def on_queue(event, context):
            for record in event["Records"]:
                message = json.loads(record["body"])
                requests.put(message["ResponseURL"], data="{}", timeout=5)  # taint: url
                inner = message["Records"][0]["s3"]["bucket"]["name"]
                requests.get("https://" + inner, timeout=5)  # taint: url
    """)


def test_powertools_event_classes_name_the_same_fields():
    check("""
        import urllib.request
        import requests
        from aws_lambda_powertools.utilities.data_classes import (
            CloudFormationCustomResourceEvent, S3ObjectLambdaEvent, event_source)

        @event_source(data_class=S3ObjectLambdaEvent)
        def transform(event: S3ObjectLambdaEvent, context):
            body = urllib.request.urlopen(event.input_s3_url, timeout=5).read()
            urllib.request.urlopen(event.object_context.input_s3_url, timeout=5)
            requests.get(event.user_request.url, timeout=5)  # taint: url
            return body

        def on_stack(event, context):
            request = CloudFormationCustomResourceEvent(event)
            requests.put(request.response_url, data="{}", timeout=5)
            requests.get(request.resource_properties["Url"], timeout=5)  # taint: url
    """)


# -- propagation ---------------------------------------------------------------------------

PROPAGATION = {
    "assignment chain": """
        a = event["x"]
        b = a
        c = b
        os.system(c)  # taint: shell
    """,
    "tuple unpacking is element-wise for literal tuples": """
        tainted, constant = event["x"], "ls"
        os.system(constant)
        os.system(tainted)  # taint: shell
        first, second = event["pair"]
        os.system(second)  # taint: shell
    """,
    "subscripts, get and attributes": """
        os.system(event.get("a", "")["b"].c)  # taint: shell
    """,
    "loops over tainted collections": """
        for record in event["Records"]:
            os.system(record["body"])  # taint: shell
        for index, (key, value) in enumerate(event["pairs"].items()):
            os.system(value)  # taint: shell
    """,
    "comprehensions": """
        names = [r["name"] for r in event["Records"] if r]
        os.system(" ".join(names))  # taint: shell
        by_id = {r["id"]: r["cmd"] for r in event["Records"]}
        os.system(by_id["1"])  # taint: shell
        os.system(next(c for c in event["cmds"]))  # taint: shell
    """,
    "string building": """
        name = event["name"]
        os.system(f"ls {name}")  # taint: shell
        os.system("ls %s" % name)  # taint: shell
        os.system("ls {}".format(name))  # taint: shell
        os.system("ls " + name)  # taint: shell
        os.system("ls " + str(name))  # taint: shell
        os.system(" ".join(["ls", name]))  # taint: shell
        command = "ls"
        command += " " + name
        os.system(command)  # taint: shell
        os.system(name.strip().lower())  # taint: shell
    """,
    "walrus and conditional expressions": """
        if (name := event.get("name")):
            os.system(name)  # taint: shell
        os.system(event["a"] if event["flag"] else "ls")  # taint: shell
        os.system(event.get("a") or "ls")  # taint: shell
    """,
    "objects filled with event data": """
        parts = ["ls"]
        parts.append(event["dir"])
        os.system(" ".join(parts))  # taint: shell
        options = {}
        options["dir"] = event["dir"]
        os.system(options["dir"])  # taint: shell
        settings = {}
        settings.update(event["settings"])
        os.system(settings["cmd"])  # taint: shell
        groups = {"a": []}
        groups["a"].append(event["x"])
        os.system(str(groups))  # taint: shell
    """,
    "with, try and while": """
        with open("/tmp/log", "a") as log:
            name = event["name"]
        try:
            other = event["other"]
        except KeyError:
            other = "x"
        finally:
            os.system(name)  # taint: shell
        os.system(other)  # taint: shell
        pending = list(event["cmds"])
        while pending:
            os.system(pending.pop())  # taint: shell
    """,
    "match statements": """
        match event["command"]:
            case {"run": program}:
                os.system(program)  # taint: shell
            case "status":
                os.system(event["command"])
    """,
    "numbers, lengths and truth values are not event data": """
        os.system(f"echo {len(event['Records'])} {event['n'] == 1} {not event['flag']}")
        os.system(f"echo {event['a'] - 1}")
        os.system("echo " + ("yes" if event["flag"] else "no"))
    """,
    "unknown calls return clean data": """
        import hashlib
        os.system("echo " + hashlib.sha256(event["body"].encode()).hexdigest())
        os.system(LOOKUP[event["kind"]])
        os.system(LOOKUP.get(event["kind"], "ls"))
    """,
}


@pytest.mark.parametrize("body", PROPAGATION.values(), ids=PROPAGATION.keys())
def test_propagation(body):
    code = "import os\nLOOKUP = {'a': 'ls'}\n\ndef lambda_handler(event, context):\n" + textwrap.indent(
        textwrap.dedent(body).strip("\n"), "    ") + "\n"
    check(code)


def test_same_module_helpers_arguments_and_return_values():
    check("""
        import os

        def quote(value):
            return "'" + value + "'"

        def build(name, flag=False):
            return "ls " + quote(name)

        def run(command, *extra, **options):
            os.system(command)  # taint: shell
            os.system(options["mode"])  # taint: shell
            os.system(extra[0])  # taint: shell

        def lambda_handler(event, context):
            command = build(event["name"])
            run(command, event["x"], mode=event["y"])
            run(build(name="fixed"))
    """)


def test_helpers_that_fill_a_parameter():
    check("""
        import os

        def add_filter(parts, value):
            parts.append(f"name = '{value}'")

        def lambda_handler(event, context):
            parts = []
            add_filter(parts, event["name"])
            os.system(" AND ".join(parts))  # taint: shell
            constant = []
            add_filter(constant, "fixed")
            os.system(" AND ".join(constant))
    """)


def test_methods_and_classes_of_the_module():
    check("""
        import os

        class Runner:
            def __init__(self, prefix):
                self.prefix = prefix

            def run(self, command):
                os.system(self.prefix + command)  # taint: shell

        class Order:
            pass

        def lambda_handler(event, context):
            runner = Runner("nice ")
            runner.run(event["cmd"])
            order = Order(event["order"])
            os.system(order.note)  # taint: shell
    """)


def test_nested_functions_read_the_enclosing_variables():
    check("""
        import os

        def lambda_handler(event, context):
            name = event["name"]
            safe = "ls"

            def run():
                os.system(name)  # taint: shell
                os.system(safe)

            run()
    """)


def test_helpers_called_from_routes():
    check("""
        import os
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        app = APIGatewayRestResolver()

        def remove(name):
            os.remove("/tmp/" + name)  # taint: path

        @app.delete("/files/<name>")
        def delete(name):
            remove(name)
            return {"ok": True}

        def lambda_handler(event, context):
            return app.resolve(event, context)
    """)


def test_helpers_in_other_modules_report_at_their_sink():
    files = {"lib/files.py": """
        import os

        def remove(name):
            os.remove(os.path.join("/tmp", name))  # taint: path

        def load(path):
            return open(path).read()
    """}
    check("""
        from lib.files import load, remove

        def lambda_handler(event, context):
            remove(event["name"])
            return load("/etc/config.json")
    """, files)
    finding = [f for f in analyses.taint(build({"app.py": """
        from lib.files import remove

        def lambda_handler(event, context):
            remove(event["name"])
    """, **files})["lib/files.py"])][0]
    assert finding.source == 'app.py line 4 (`event["name"]`)'


def test_context_sensitivity_a_clean_call_does_not_inherit_taint():
    models = build({"app.py": """
        import os

        def run(command):
            os.system(command)

        def handler_a(event, context):
            return run("ls")

        def other(x):
            return run(x)
    """}, ("app.py:handler_a",))
    assert found(models) == set()


def test_a_sink_reached_from_two_calls_is_reported_once():
    models = build({"app.py": """
        import os

        def run(command):
            os.system(command)

        def lambda_handler(event, context):
            run(event["a"])
            run(event["b"])
    """})
    findings = list(analyses.taint(models["app.py"]))
    assert len(findings) == 1
    assert len(findings[0].origins) == 2
    assert findings[0].source_line == 7


# -- flow sensitivity ----------------------------------------------------------------------


def test_reassignment_ends_taint_from_there_on():
    check("""
        import os

        def lambda_handler(event, context):
            count = event["count"]
            os.system(f"echo {count}")  # taint: shell
            count = int(count)
            os.system(f"echo {count}")
    """)


def test_branches_join_and_terminating_branches_drop_out():
    check("""
        import os

        def lambda_handler(event, context):
            name = "ls"
            if event["flag"]:
                name = event["name"]
            os.system(name)  # taint: shell
            other = event["other"]
            if not other.isalnum():
                return {"statusCode": 400}
            os.system(other)
    """)


def test_a_check_of_an_item_holds_only_in_its_branch():
    check("""
        import os

        ALLOWED = ("ls", "df")

        def lambda_handler(event, context):
            body = event["body"]
            if body["cmd"] in ALLOWED:
                os.system(body["cmd"])
                os.system(body.get("cmd"))
            else:
                print("unknown command")
            os.system(body["cmd"])  # taint: shell
            if event.get("tool") not in ALLOWED:
                return None
            os.system(event.get("tool"))
            os.system(event["tool"])
    """)


def test_loop_state_reaches_the_next_iteration():
    check("""
        import os

        def lambda_handler(event, context):
            previous = "ls"
            for item in event["items"]:
                os.system(previous)  # taint: shell
                previous = item
    """)


# -- sanitisers ----------------------------------------------------------------------------

SANITISED = {
    "int float uuid": """
        import uuid
        cursor.execute(f"SELECT {int(event['a'])} {float(event['b'])} {uuid.UUID(event['c'])}")
    """,
    "query parameters": """
        cursor.execute("SELECT * FROM t WHERE a = %s", (event["a"],))
        cursor.executemany("INSERT INTO t VALUES (%s)", [(x,) for x in event["xs"]])
        cursor.execute(query="SELECT 1 WHERE a = %(a)s", args={"a": event["a"]})
    """,
    "allow-list in a branch": """
        order = event["order"]
        if order in ("asc", "desc"):
            cursor.execute(f"SELECT * FROM t ORDER BY id {order}")
    """,
    "allow-list with an early return": """
        if event["order"] not in ALLOWED:
            return {"statusCode": 400}
        cursor.execute(f"SELECT * FROM t ORDER BY id {event['order']}")
    """,
    "allow-list of dict keys and frozenset constants": """
        column = event.get("sort")
        if column not in COLUMNS.keys() or event["dir"] not in DIRECTIONS:
            raise ValueError(column)
        cursor.execute(f"SELECT * FROM t ORDER BY {column} {event['dir']}")
    """,
    "case-insensitive allow-list": """
        order = event["order"]
        if order.lower() not in ("asc", "desc"):
            raise ValueError(order)
        cursor.execute(f"SELECT * FROM t ORDER BY id {order}")
    """,
    "assert": """
        limit = event["limit"]
        assert limit.isdigit()
        cursor.execute(f"SELECT * FROM t LIMIT {limit}")
    """,
    "regular expressions": """
        import re
        tenant = event["tenant"]
        if not re.fullmatch(r"[a-z]+", tenant):
            raise ValueError(tenant)
        region = event["region"]
        if re.match(r"[a-z]{2}-[a-z]+-[0-9]$", region):
            cursor.execute(f"SELECT * FROM {tenant}.t WHERE r = '{region}'")
    """,
    "isinstance and equality": """
        page = event["page"]
        if isinstance(page, int):
            cursor.execute(f"SELECT * FROM t OFFSET {page}")
        if event["mode"] == "all":
            cursor.execute(f"SELECT * FROM t WHERE mode = '{event['mode']}'")
    """,
    "literal match cases": """
        match event["order"]:
            case "asc" | "desc":
                cursor.execute(f"SELECT * FROM t ORDER BY id {event['order']}")
    """,
    "comprehension filters": """
        columns = [c for c in event["columns"] if c in COLUMNS]
        cursor.execute("SELECT " + ", ".join(columns) + " FROM t")
    """,
    "a lookup in a dict of our own": """
        cursor.execute(f"SELECT * FROM t ORDER BY {COLUMNS[event['sort']]} {COLUMNS.get(event['x'], 'id')}")
    """,
}


@pytest.mark.parametrize("body", SANITISED.values(), ids=SANITISED.keys())
def test_sql_sanitisers(body):
    code = (
        "import pymysql\ncursor = pymysql.connect().cursor()\nALLOWED = {'asc', 'desc'}\n"
        "COLUMNS = {'id': 'id', 'name': 'name'}\nDIRECTIONS = frozenset(('asc', 'desc'))\n\n"
        "def lambda_handler(event, context):\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    )
    check(code)


def test_sanitisers_are_per_sink():
    check("""
        import os
        import shlex
        import pymysql

        cursor = pymysql.connect().cursor()

        def lambda_handler(event, context):
            name = shlex.quote(event["name"])
            os.system("ls " + name)
            cursor.execute(f"SELECT * FROM t WHERE name = {name}")  # taint: sql
            base = os.path.basename(event["file"])
            open("/tmp/" + base)
            os.system("cat " + base)  # taint: shell
    """)


SINK_CASES = {
    "sql": """
        import sqlite3
        import boto3
        import pandas as pd
        from sqlalchemy import text
        from psycopg2 import sql

        db = sqlite3.connect("/tmp/db")
        athena = boto3.client("athena")
        dynamodb = boto3.client("dynamodb")

        def lambda_handler(event, context):
            name = event["name"]
            db.execute(f"SELECT '{name}'")  # taint: sql
            db.executescript("DELETE FROM t WHERE n = " + name)  # taint: sql
            text(f"SELECT '{name}'")  # taint: sql
            pd.read_sql(f"SELECT '{name}'", db)  # taint: sql
            sql.SQL("SELECT " + name)  # taint: sql
            athena.start_query_execution(QueryString=f"SELECT '{name}'", WorkGroup="primary")  # taint: sql
            dynamodb.execute_statement(Statement=f"SELECT * FROM t WHERE n = '{name}'")  # taint: sql
            dynamodb.execute_statement(Statement="SELECT * FROM t WHERE n = ?", Parameters=[{"S": name}])
            dynamodb.batch_execute_statement(Statements=[{"Statement": "SELECT " + name}])  # taint: sql
            dynamodb.batch_execute_statement(Statements=[{"Statement": "SELECT ?", "Parameters": [{"S": name}]}])
            sql.SQL("SELECT {}").format(sql.Identifier(name))
    """,
    "shell": """
        import os
        import pty
        import shlex
        import subprocess

        def lambda_handler(event, context):
            name = event["name"]
            subprocess.check_output("ls " + name, shell=True)  # taint: shell
            subprocess.Popen(name)  # taint: shell
            subprocess.call(["bash", "-c", f"ls {name}"])  # taint: shell
            subprocess.call(["ls", "-c", name])
            subprocess.run(name.split())  # taint: shell
            subprocess.run(shlex.split(f"convert {name} out.png"))
            subprocess.run(args=["ls", name], shell=False)
            subprocess.getoutput(name)  # taint: shell
            os.execvp(name, [name])  # taint: shell
            os.spawnlp(os.P_WAIT, name, name)  # taint: shell
            pty.spawn(name)  # taint: shell
            command = ["ls", name]
            subprocess.run(command)
            line = f"ls {name}"
            subprocess.run(line)  # taint: shell
    """,
    "code": """
        import marshal
        import pickle
        import yaml

        def lambda_handler(event, context):
            data = event["data"]
            exec(data)  # taint: code
            compile(data, "<event>", "exec")  # taint: code
            pickle.loads(data.encode())  # taint: code
            marshal.loads(data)  # taint: code
            yaml.load(data)  # taint: code
            yaml.unsafe_load(data)  # taint: code
            yaml.load(data, Loader=yaml.CSafeLoader)
            yaml.safe_load(data)
            eval("1 + 1")
    """,
    "path": """
        import os
        import shutil
        import tarfile
        from pathlib import Path

        import boto3

        bucket = boto3.resource("s3").Bucket("b")

        def lambda_handler(event, context):
            name = event["name"]
            shutil.rmtree("/tmp/" + name)  # taint: path
            shutil.move("/tmp/a", "/tmp/" + name)  # taint: path
            os.makedirs(f"/tmp/{name}", exist_ok=True)  # taint: path
            tarfile.open(name)  # taint: path
            (Path("/tmp") / name).read_bytes()  # taint: path
            bucket.download_file("key", "/tmp/" + name)  # taint: path
            bucket.download_file(name, "/tmp/fixed")
            Path("/tmp/x").write_text(name)
            open("/tmp/fixed", "w").write(name)
    """,
    "url": """
        import http.client
        import urllib.request
        import httpx
        import requests
        import urllib3

        pool = urllib3.PoolManager()
        client = httpx.Client()

        def lambda_handler(event, context):
            url = event["url"]
            requests.request("GET", url, timeout=5)  # taint: url
            pool.request("GET", url)  # taint: url
            client.get(url)  # taint: url
            urllib.request.Request(url)  # taint: url
            http.client.HTTPSConnection(event["host"], timeout=5)  # taint: url
            requests.get("https://api.example.com/v1?next=" + url, timeout=5)
            requests.get("https://api.example.com/items/{}".format(url), timeout=5)
            requests.get("https://api.example.com/items/%s" % url, timeout=5)
            requests.get("https://api.example.com" + url, timeout=5)  # taint: url
            requests.get(f"https://{url}/items", timeout=5)  # taint: url
            requests.get(f"{url}/items", timeout=5)  # taint: url
            requests.post("https://api.example.com/items", json={"url": url}, timeout=5)
    """,
    "dynamodb": """
        import boto3

        table = boto3.resource("dynamodb").Table("t")

        def lambda_handler(event, context):
            status = event["status"]
            table.scan(FilterExpression="s = " + status)  # taint: dynamodb
            table.put_item(Item={}, ConditionExpression=f"attribute_not_exists({status})")  # taint: dynamodb
            request = {
                "KeyConditionExpression": "pk = %s" % status,  # taint: dynamodb
                "ExpressionAttributeValues": {":s": status},
            }
            table.query(**request)
            table.query(KeyConditionExpression="pk = :s", ExpressionAttributeValues={":s": status})
    """,
}


@pytest.mark.parametrize("code", SINK_CASES.values(), ids=SINK_CASES.keys())
def test_sinks(code):
    check(code)


PATH_SANITISED = {
    "basename and name": """
        open(os.path.join("/tmp", os.path.basename(event["a"])))
        open("/tmp/" + Path(event["b"]).name)
        open(f"/tmp/{secure_filename(event['c'])}")
    """,
    "normalised and checked": """
        path = os.path.realpath(os.path.join(BASE, event["a"]))
        if not path.startswith(BASE):
            raise ValueError(path)
        open(path)
        resolved = (Path(BASE) / event["b"]).resolve()
        if resolved.is_relative_to(BASE):
            resolved.read_text()
        other = os.path.abspath(event["c"])
        if os.path.commonpath([BASE, other]) == BASE:
            open(other)
    """,
    "last component": """
        key = event["Records"][0]["s3"]["object"]["key"]
        open("/tmp/" + key.split("/")[-1])
        open("/tmp/" + key.rsplit("/", 1)[-1])
        open("/tmp/" + key.rpartition("/")[2])
        open("/tmp/" + os.path.split(key)[1])
        open("/tmp/{}{}".format(context.aws_request_id, key.replace("/", "")))
        open("/tmp/" + key.split("/")[0])  # taint: path
        open("/tmp/" + key.replace("/", "/x"))  # taint: path
    """,
    "dot-dot rejected": """
        name = event["a"]
        if ".." in name:
            return {"statusCode": 400}
        open("/tmp/" + name)
    """,
}


@pytest.mark.parametrize("body", PATH_SANITISED.values(), ids=PATH_SANITISED.keys())
def test_path_sanitisers(body):
    code = (
        "import os\nfrom pathlib import Path\nfrom werkzeug.utils import secure_filename\n"
        "BASE = '/mnt/data/'\n\ndef lambda_handler(event, context):\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    )
    check(code)


def test_normalisation_or_a_prefix_check_alone_is_not_enough():
    check("""
        import os

        BASE = "/mnt/data/"

        def lambda_handler(event, context):
            path = os.path.normpath(os.path.join(BASE, event["a"]))
            open(path)  # taint: path
            raw = BASE + event["b"]
            if raw.startswith(BASE):
                open(raw)  # taint: path
    """)


def test_url_host_allow_list():
    check("""
        from urllib.parse import urlparse
        import requests

        ALLOWED_HOSTS = {"hooks.slack.com"}

        def lambda_handler(event, context):
            url = event["url"]
            if urlparse(url).hostname in ALLOWED_HOSTS:
                requests.post(url, timeout=5)
            requests.post(url, timeout=5)  # taint: url
    """)


def test_a_base_url_the_code_does_not_show_cannot_be_judged():
    # A setting followed by event data: right when the setting ends with `/`, which the
    # concatenation implies. A literal base the code shows is judged on its text.
    check("""
        import os
        import requests

        ORDERS_API_URL = os.environ["ORDERS_API_URL"]
        INTERNAL = "https://internal.example.com"
        PUBLIC = "https://api.example.com/v1/"

        def get_order(order_id):
            return requests.get(ORDERS_API_URL + order_id, timeout=5)

        def lambda_handler(event, context):
            order_id = event["detail"]["orderId"]
            get_order(order_id)
            requests.get(f"{os.environ['API']}{order_id}", timeout=5)
            requests.get(PUBLIC + order_id, timeout=5)
            requests.get(INTERNAL + order_id, timeout=5)  # taint: url
            requests.get(f"{INTERNAL}{order_id}", timeout=5)  # taint: url
            requests.get("https://" + os.environ["HOST"] + order_id, timeout=5)  # taint: url
    """)


def test_url_prefix_rules():
    fixed = taint_module._fixed_host
    assert fixed("https://api.example.com/")
    assert fixed("https://api.example.com?q=")
    assert fixed("X/items/")
    assert not fixed("https://api.example.com")
    assert not fixed("https://")
    assert not fixed("X://")
    assert not fixed("X")
    assert not fixed("")
    assert not fixed("//")


# -- cost and robustness ---------------------------------------------------------------------


def test_projects_without_entry_points_are_never_analysed():
    models = build({"lib.py": """
        import os

        def run(command):
            os.system(command)
    """})
    project = models["lib.py"].project
    assert len(analyses.taint(models["lib.py"])) == 0
    assert taint_module.TaintEngine not in project._analyses


def test_modules_outside_invocation_scope_are_not_analysed():
    models = build({
        "app.py": """
            import os

            def lambda_handler(event, context):
                os.system(event["cmd"])
        """,
        "tools.py": """
            import os

            def run(command):
                os.system(command)
        """,
    })
    assert len(analyses.taint(models["app.py"])) == 1
    engine = models["app.py"].project._analyses[taint_module.TaintEngine]
    assert id(models["tools.py"].functions["run"]) not in engine.summaries
    assert len(analyses.taint(models["tools.py"])) == 0


def test_each_function_is_analysed_once(monkeypatch):
    calls = []
    original = taint_module._FunctionAnalysis.run

    def counting(self):
        calls.append(self.function.qualname)
        return original(self)

    monkeypatch.setattr(taint_module._FunctionAnalysis, "run", counting)
    helpers = "\n".join(
        f"def step{i}(value):\n    return step{i + 1}(value) + step{i + 1}(value)\n" for i in range(30)
    )
    code = "import os\n" + helpers + "def step30(value):\n    return value\n\n" \
        "def lambda_handler(event, context):\n    os.system(step0(event['x']))\n"
    models = build({"app.py": code})
    assert len(analyses.taint(models["app.py"])) == 1
    assert sorted(calls) == sorted(set(calls))


def test_recursion_and_deep_loops_terminate():
    check("""
        import os

        def walk(node, depth):
            if depth > 3:
                return node
            return walk(node["child"], depth + 1)

        def lambda_handler(event, context):
            value = event["x"]
            for a in range(3):
                for b in range(3):
                    for c in range(3):
                        while value:
                            value = value + "x"
            os.system(value)  # taint: shell
            walk(event, 0)
    """)


def test_a_format_spec_inside_a_concatenation_carries_taint():
    # The concatenated path once dropped f-string format specs (`{x:{width}}`).
    models = build({"app.py": """
        import os

        def lambda_handler(event, context):
            os.system("echo " f"{'x':{event['width']}}")
    """})
    assert len(analyses.taint(models["app.py"])) == 1
