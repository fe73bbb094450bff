"""LAM701-LAM706 as users meet them: each sink through several hops (assignment ->
format -> helper -> sink), each sanitiser quiet, messages that name the source line."""

from __future__ import annotations

import textwrap

import pytest

from lambdalint.registry import load_registry
from lambdalint.rule import Bad, Good
from lambdalint.testing import check_example, expected_findings, run_rule

RULES = {rule.code: rule for rule in load_registry(include_plugins=False).sorted()}


def findings(code: str, example: Bad) -> list[tuple[str, int]]:
    return sorted((str(d.path), d.location.row) for d in check_example(RULES[code], example))


def messages(code: str, example: Bad) -> list[str]:
    return [d.message for d in check_example(RULES[code], example)]


# -- every sink through several hops ------------------------------------------------------

MULTI_HOP = {
    "LAM701": '''
        import pymysql

        conn = pymysql.connect(host="db", user="app")

        def fetch(sql):
            with conn.cursor() as cursor:
                cursor.execute(sql)  # expect
                return cursor.fetchall()

        def lambda_handler(event, context):
            params = event["queryStringParameters"]
            status = params["status"]
            query = "SELECT * FROM orders WHERE status = '%s'" % status
            return fetch(query)
    ''',
    "LAM702": '''
        import subprocess

        def archive(command):
            return subprocess.check_output(command, shell=True)  # expect

        def lambda_handler(event, context):
            params = event["queryStringParameters"]
            name = params["name"]
            command = "tar czf /tmp/out.tgz /tmp/{}".format(name)
            return archive(command)
    ''',
    "LAM703": '''
        import pickle

        def restore(blob):
            return pickle.loads(blob)  # expect

        def lambda_handler(event, context):
            params = event["queryStringParameters"]
            data = params["state"]
            blob = bytes.fromhex(data + "00")
            return restore(blob)
    ''',
    "LAM704": '''
        import os

        def load(path):
            with open(path) as handle:  # expect
                return handle.read()

        def lambda_handler(event, context):
            params = event["queryStringParameters"]
            name = params["report"]
            path = os.path.join("/mnt/reports", f"{name}.csv")
            return load(path)
    ''',
    "LAM705": '''
        import requests

        def call(url):
            return requests.get(url, timeout=5).json()  # expect

        def lambda_handler(event, context):
            params = event["queryStringParameters"]
            host = params["host"]
            url = "https://" + host + "/status"
            return call(url)
    ''',
    "LAM706": '''
        import boto3

        table = boto3.resource("dynamodb").Table("orders")

        def search(expression):
            return table.scan(FilterExpression=expression)["Items"]  # expect

        def lambda_handler(event, context):
            params = event["queryStringParameters"]
            status = params["status"]
            expression = f"order_status = {status}"
            return search(expression)
    ''',
}


@pytest.mark.parametrize("code", MULTI_HOP, ids=MULTI_HOP.keys())
def test_each_sink_through_several_hops(code):
    example = Bad(MULTI_HOP[code])
    assert findings(code, example) == expected_findings(example)
    source = next(n for n, line in enumerate(example.code.splitlines(), 1) if "= event[" in line)
    (message,) = messages(code, example)
    assert message.startswith(f'event value from line {source} (`event["queryStringParameters"]`) reaches ')


# -- each sanitiser keeps its rule quiet ---------------------------------------------------

SANITISED = [
    ("LAM701", "parameters", '''
        cursor.execute("SELECT * FROM orders WHERE status = %s", (status,))
    '''),
    ("LAM701", "int", '''
        cursor.execute(f"SELECT * FROM orders LIMIT {int(status)}")
    '''),
    ("LAM701", "allow-list", '''
        if status not in ("open", "closed"):
            return None
        cursor.execute(f"SELECT * FROM orders WHERE status = '{status}'")
    '''),
    ("LAM702", "shlex.quote", '''
        subprocess.run(f"grep {shlex.quote(status)} /tmp/log", shell=True)
    '''),
    ("LAM702", "argument list", '''
        subprocess.run(["grep", status, "/tmp/log"])
    '''),
    ("LAM702", "float", '''
        os.system(f"sleep {float(status)}")
    '''),
    ("LAM703", "yaml.safe_load", '''
        return yaml.safe_load(status)
    '''),
    ("LAM703", "safe loader", '''
        return yaml.load(status, Loader=yaml.SafeLoader)
    '''),
    ("LAM704", "basename", '''
        return open("/tmp/" + os.path.basename(status)).read()
    '''),
    ("LAM704", "uuid", '''
        return open(f"/tmp/{uuid.UUID(status)}.json").read()
    '''),
    ("LAM705", "fixed host", '''
        return requests.get(f"https://api.example.com/orders/{status}", timeout=5).json()
    '''),
    ("LAM705", "host allow-list", '''
        if status in ("https://a.example.com/", "https://b.example.com/"):
            return requests.get(status, timeout=5).json()
    '''),
    ("LAM706", "attribute values", '''
        return table.scan(FilterExpression="s = :s", ExpressionAttributeValues={":s": status})
    '''),
    ("LAM706", "conditions", '''
        return table.scan(FilterExpression=Attr("status").eq(status))
    '''),
]

PRELUDE = '''
import os
import shlex
import subprocess
import uuid

import boto3
import pymysql
import requests
import yaml
from boto3.dynamodb.conditions import Attr

cursor = pymysql.connect(host="db").cursor()
table = boto3.resource("dynamodb").Table("orders")


def lambda_handler(event, context):
    status = event["queryStringParameters"]["status"]
'''


@pytest.mark.parametrize(("code", "body"), [(c, b) for c, _, b in SANITISED],
                         ids=[f"{c}-{name}" for c, name, _ in SANITISED])
def test_sanitisers(code, body):
    source = PRELUDE + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    assert findings(code, Bad(source)) == []


@pytest.mark.parametrize("code", sorted({c for c, _, _ in SANITISED}))
def test_the_unsanitised_twin_fires(code):
    unsafe = {
        "LAM701": 'cursor.execute(f"SELECT * FROM orders WHERE status = \'{status}\'")',
        "LAM702": 'subprocess.run(f"grep {status} /tmp/log", shell=True)',
        "LAM703": "return yaml.load(status, Loader=yaml.Loader)",
        "LAM704": 'return open("/tmp/" + status).read()',
        "LAM705": "return requests.get(status, timeout=5).json()",
        "LAM706": 'return table.scan(FilterExpression="s = " + status)',
    }[code]
    example = Bad(PRELUDE + "    " + unsafe + "  # expect\n")
    assert findings(code, example) == expected_findings(example) != []


# -- messages, reporting place and traps ------------------------------------------------------


def test_message_for_a_helper_in_another_module():
    example = Bad('''
        from repo import find

        def lambda_handler(event, context):
            return find(event["pathParameters"]["id"])
    ''', files={"repo.py": '''
        import sqlite3

        db = sqlite3.connect("/tmp/db")

        def find(order_id):
            return db.execute(f"SELECT * FROM orders WHERE id = {order_id}").fetchall()  # expect
    '''})
    assert findings("LAM701", example) == expected_findings(example)
    (message,) = messages("LAM701", example)
    assert message.startswith(
        'event value from app.py line 4 (`event["pathParameters"]["id"]`) reaches the SQL text of '
        "`db.execute(...)`; pass event values as query parameters"
    )


def test_aliases_still_pass_the_word_prescan():
    example = Bad('''
        from os import popen as run_shell
        from sqlalchemy import text as q

        def lambda_handler(event, context):
            run_shell(event["cmd"])  # expect
            return q(event["sql"])
    ''')
    assert findings("LAM702", example) == expected_findings(example)
    assert findings("LAM701", example) == [("app.py", 6)]


def test_noqa_suppresses_a_taint_finding():
    result = run_rule(RULES["LAM702"], {"app.py": (
        "import os\n\ndef lambda_handler(event, context):\n"
        "    os.system(event['cmd'])  # noqa: LAM702\n"
    )})
    assert [d for d in result.diagnostics if d.code == "LAM702"] == []


def test_code_outside_invocation_scope_is_not_flagged():
    example = Good('''
        import os
        import sys

        def main(argv):
            os.system("ls " + argv[1])

        if __name__ == "__main__":
            main(sys.argv)
    ''')
    assert findings("LAM702", example) == []


def test_event_data_that_never_reaches_the_sink_argument():
    example = Good('''
        import subprocess

        def lambda_handler(event, context):
            result = subprocess.run(["/opt/bin/report"], input=event["body"].encode(), capture_output=True)
            return {"statusCode": 200, "body": result.stdout.decode(), "request": event["requestContext"]}
    ''')
    assert findings("LAM702", example) == []


def test_lam706_reports_request_dicts_on_their_entry():
    example = Bad('''
        import boto3

        client = boto3.client("dynamodb")

        def lambda_handler(event, context):
            kwargs = {
                "TableName": "orders",
                "FilterExpression": "order_status = " + event["status"],  # expect
            }
            return client.scan(**kwargs)
    ''')
    assert findings("LAM706", example) == expected_findings(example)
    (message,) = messages("LAM706", example)
    assert "reaches the `FilterExpression` of a DynamoDB request" in message


# -- LAM701: whose `execute` ---------------------------------------------------------------


def test_lam701_a_project_class_execute_is_not_a_cursor():
    # Command objects of the project have `execute(payload)`; event text given to them
    # is not SQL. The analysis follows into the project's method instead, so SQL built
    # there from the argument is still found where it meets a real cursor.
    example = Bad('''
        import json

        from commands.base import build_command
        from commands.report import ReportCommand
        from commands.store import StoreCommand

        def lambda_handler(event, context):
            body = json.loads(event["body"])
            report = ReportCommand(body["account"])
            result = report.execute(f"monthly report for {body['month']}")
            command = build_command(body["action"])
            outcome = command.execute(body["payload"])
            StoreCommand().execute(body["customer"])
            return {"statusCode": 200, "body": json.dumps({"result": result, "outcome": outcome})}
    ''', files={
        "commands/__init__.py": "",
        "commands/base.py": '''
            class Command:
                name = "base"

                def execute(self, payload):
                    raise NotImplementedError

                def run(self, text):
                    return self.execute(f"{self.name}: {text}")


            class Echo(Command):
                name = "echo"

                def execute(self, payload):
                    return {"echo": payload}


            COMMANDS = {"echo": Echo}


            def build_command(action):
                return COMMANDS[action]()
        ''',
        "commands/report.py": '''
            from commands.base import Command


            class ReportCommand(Command):
                def __init__(self, account):
                    self.account = account

                def execute(self, title):
                    return {"title": title, "account": self.account, "text": self.run(title)}
        ''',
        "commands/store.py": '''
            import sqlite3

            from commands.base import Command

            connection = sqlite3.connect("/tmp/orders.db")


            class StoreCommand(Command):
                def execute(self, customer):
                    cursor = connection.cursor()
                    cursor.execute(f"INSERT INTO seen VALUES ('{customer}')")  # expect
                    return cursor.rowcount
        ''',
    })
    assert findings("LAM701", example) == expected_findings(example)


def test_lam701_database_objects_the_model_cannot_type_still_count():
    # `cursor` is a parameter and `get_connection()` a helper's result: their type is
    # not visible, but the project has `execute` methods of its own (`Job.execute`), so
    # only objects named like a database are taken for one; library objects are typed.
    example = Bad('''
        import psycopg2

        class Job:
            def execute(self, text):
                return text.upper()

        def get_connection():
            return psycopg2.connect(dsn="postgresql://db/app")

        def find(cursor, name):
            cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)  # expect

        def lambda_handler(event, context, db=None):
            name = event["name"]
            with get_connection() as conn:
                find(conn.cursor(), name)
                conn.cursor().execute("DELETE FROM users WHERE name = '" + name + "'")  # expect
                get_connection().execute(f"SELECT '{name}'")  # expect
            handle = db or conn
            handle.execute(f"SELECT '{name}'")
            Job().execute(name)
            return None
    ''')
    assert findings("LAM701", example) == expected_findings(example)


def test_lam701_non_sql_libraries_and_own_methods():
    example = Good('''
        from gql import Client, gql

        client = Client(url="https://api.example.com/graphql")

        class Pipeline:
            def execute(self, step):
                return step

            def run(self, event):
                return self.execute(f"step {event['step']}")

        def lambda_handler(event, context):
            client.execute(gql(f"query {{ order(id: \\"{event['id']}\\") {{ id }} }}"))
            return Pipeline().run(event)
    ''')
    assert findings("LAM701", example) == []


def test_lam706_keys_of_a_dict_with_constant_keys_are_not_event_data():
    """A helper builds an update expression from the keys of the dict it is passed,
    and puts the values in `ExpressionAttributeValues`. Called with a dict whose keys
    are written out, the expression holds no event data, whatever the values do;
    called with a dict whose keys come from the event, or iterating its values, it
    does."""
    helper = '''
        import boto3

        table = boto3.resource("dynamodb").Table("state")

        def update(key, attributes):
            expression = ""
            values = {}
            for attribute in attributes:
                expression += ", " if expression else "set "
                expression += attribute + "=:" + attribute
                values[":" + attribute] = attributes[attribute]
            return table.update_item(Key={"id": key}, UpdateExpression=expression,  # expect
                                     ExpressionAttributeValues=values)

        def find(key, attributes):
            condition = " AND ".join(f"{name} = :{name}" for name in attributes.keys())
            return table.query(KeyConditionExpression="id = :id", FilterExpression=condition,  # expect
                               ExpressionAttributeValues={":id": key})

        def labels(key, attributes):
            text = ", ".join(str(value) for value in attributes.values())
            return table.scan(FilterExpression="label IN (" + text + ")")  # expect
    '''
    quiet = Good('''
        from state import find, update

        def lambda_handler(event, context):
            props = event["ResourceProperties"]
            update("run", {"status": props["Status"], "owner": props["Owner"]})
            return find("run", {"status": props["Status"]})
    ''', files={"state.py": helper.replace("  # expect", "")})
    assert findings("LAM706", quiet) == []
    loud = Bad('''
        from state import find, labels, update

        def lambda_handler(event, context):
            props = event["ResourceProperties"]
            update("run", {props["Field"]: props["Value"]})
            find("run", dict(props))
            return labels("run", {"status": props["Status"]})
    ''', files={"state.py": helper})
    assert findings("LAM706", loud) == expected_findings(loud)


def test_lam706_a_dict_among_star_arguments_is_iterated_whole():
    """`*items` holds the arguments themselves: a loop over it gets the dict, values
    and all, whatever its keys."""
    example = Bad('''
        import boto3

        table = boto3.resource("dynamodb").Table("state")

        def scan_all(*filters):
            expression = " AND ".join(str(part) for part in filters)
            return table.scan(FilterExpression=expression)  # expect

        def lambda_handler(event, context):
            return scan_all({"status": event["status"]})
    ''')
    assert findings("LAM706", example) == expected_findings(example)
