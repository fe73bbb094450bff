"""Code that is not Lambda code (issue 17, shape 3): test files, `conftest.py`, scripts
run by hand and modules no handler's module imports are no deployed code, and the rules
that speak about what happens on Lambda (init, timeouts, pagination, the runtime's
environment) say nothing there. Their positive twins (a handler module's module-level
call, a helper module a handler imports, a helper nobody calls in such a module) are
still reported, whether the run is serial or spread over processes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lambdalint.config import Config
from lambdalint.engine import Engine
from lambdalint.registry import load_registry
from lambdalint.runner import Runner
from lambdalint.source import parse_source

RULES = load_registry(include_plugins=False).select(None)

FILES = {
    # The handler's module: module-level code runs at init.
    "src/app.py": '''
        import requests
        import helpers
        import reports

        RATES = requests.get("https://rates.example.com/today").json()

        def lambda_handler(event, context):
            return helpers.lookup(event["id"], RATES)
    ''',
    # Imported by the handler: its module-level code runs at init too.
    "src/helpers.py": '''
        import boto3
        import requests

        CATALOG = requests.get("https://config.example.com/catalog.json").json()
        table = boto3.resource("dynamodb").Table("orders")

        def lookup(order_id, rates):
            return table.get_item(Key={"id": order_id}).get("Item"), rates
    ''',
    # Imported by the handler, but no call reaches it: checked alone, still Lambda code.
    "src/reports.py": '''
        import boto3

        table = boto3.resource("dynamodb").Table("orders")

        def open_orders():
            return [item["id"] for item in table.scan()["Items"]]
    ''',
    # pytest's fixtures.
    "conftest.py": '''
        import boto3
        import os
        import requests

        os.environ["AWS_REGION"] = "eu-west-1"
        STUB = requests.get("http://localhost:4566/health").json()
        table = boto3.resource("dynamodb").Table("orders")

        def seeded():
            return table.scan()["Items"]
    ''',
    # An integration test that counts what a query returns.
    "tests/integ/test_orders.py": '''
        import boto3
        import requests

        table = boto3.resource("dynamodb").Table("orders")

        def test_one_order():
            requests.post("https://api.example.com/orders", json={"id": "1"})
            items = table.query(KeyConditionExpression="pk = :p")["Items"]
            assert len(items) == 1
    ''',
    # A script run by hand.
    "scripts/seed.py": '''
        import boto3
        import requests

        table = boto3.resource("dynamodb").Table("orders")
        FIXTURES = requests.get("https://example.com/fixtures.json").json()

        def main():
            for item in table.scan()["Items"]:
                print(item)

        if __name__ == "__main__":
            main()
    ''',
    # A notebook turned into a script: no handler, nobody imports it.
    "notebooks/analysis.py": '''
        import boto3
        import requests

        rows = requests.get("https://example.com/export.csv").text
        dynamodb = boto3.client("dynamodb")
        print(len(dynamodb.scan(TableName="orders")["Items"]))
    ''',
    # The pre-scan takes it for a handler's file (`def handler(`); the model finds no
    # entry point in it, so neither it nor what it imports is Lambda code.
    "tools/signals.py": '''
        import requests
        import signal
        import shutdown

        PING = requests.get("https://example.com/ping")

        class Watcher:
            def handler(self, signum, frame):
                shutdown.stop()

        signal.signal(signal.SIGTERM, Watcher().handler)
    ''',
    "tools/shutdown.py": '''
        import requests

        requests.post("https://example.com/stopping")

        def stop():
            pass
    ''',
}

# Exactly these are Lambda code's findings; everything else above is silent.
EXPECTED = [
    ("src/app.py", 5, "LAM201"),
    ("src/helpers.py", 4, "LAM201"),
    ("src/reports.py", 6, "LAM605"),
]
SPOKEN_ABOUT = {"LAM108", "LAM201", "LAM605"}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, code in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip("\n"))


def found(outcome, root: Path) -> list[tuple[str, int, str]]:
    return sorted((Path(d.path).resolve().relative_to(root.resolve()).as_posix(), d.location.row, d.code)
                  for d in outcome.diagnostics if d.code in SPOKEN_ABOUT)


@pytest.mark.parametrize("jobs", [1, 2])
def test_only_code_lambda_runs_is_spoken_about(tmp_path: Path, jobs: int):
    write(tmp_path, FILES)
    # Enough unrelated files that two jobs check in a process pool, where the files a
    # model unit leaves alone are checked ahead of time (and `tools/shutdown.py` is
    # first guessed to be Lambda code).
    write(tmp_path, {f"lib/plain{index}.py": "def add(a, b):\n    return a + b\n" for index in range(24)})
    outcome = Runner(Config(), RULES, jobs=jobs).run([tmp_path])
    assert not outcome.internal_error, outcome.messages
    assert found(outcome, tmp_path) == EXPECTED


def test_the_init_message_is_said_of_a_handler_module_only(tmp_path: Path):
    write(tmp_path, FILES)
    outcome = Runner(Config(), RULES, jobs=1).run([tmp_path])
    messages = {Path(d.path).name: d.message for d in outcome.diagnostics if d.code == "LAM201"}
    assert set(messages) == {"app.py", "helpers.py"}
    assert all("at module scope (during init)" in message for message in messages.values())


def test_a_template_names_what_lambda_runs(tmp_path: Path):
    """A handler the template names is Lambda code even where nothing else says so
    (its function takes no `(event, context)`: LAM104's), and what it imports too."""
    write(tmp_path, {
        "template.yaml": '''
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fn/
                  Handler: main.run
                  Runtime: python3.12
        ''',
        "fn/main.py": '''
            import requests
            import setup

            def run(payload):
                return payload
        ''',
        "fn/setup.py": '''
            import requests

            TOKEN = requests.get("https://auth.example.com/token").text
        ''',
    })
    outcome = Runner(Config(), RULES, jobs=1).run([tmp_path])
    assert found(outcome, tmp_path) == [("fn/setup.py", 3, "LAM201")]


def test_a_module_a_handler_imports_only_inside_the_handler_is_still_lambda_code(tmp_path: Path):
    write(tmp_path, {
        "app.py": '''
            def lambda_handler(event, context):
                import warmup
                return warmup.VALUE
        ''',
        "warmup.py": '''
            import requests

            VALUE = requests.get("https://example.com/value").text
        ''',
        "pkg/__init__.py": '''
            import requests

            requests.get("https://example.com/registered")
        ''',
        "pkg/jobs.py": "def run():\n    return 1\n",
        "other.py": '''
            from pkg.jobs import run

            def lambda_handler(event, context):
                return run()
        ''',
    })
    outcome = Runner(Config(), RULES, jobs=1).run([tmp_path])
    # `from pkg.jobs import run` runs `pkg/__init__.py` first.
    assert found(outcome, tmp_path) == [("pkg/__init__.py", 3, "LAM201"), ("warmup.py", 3, "LAM201")]


def test_a_generic_handler_is_lambda_code_and_so_is_what_it_imports(tmp_path: Path):
    """PEP 695 type parameters (`def lambda_handler[E: dict](...)`, checked whatever
    Python runs lambdalint) hide no handler from the pre-scan's hints or the model."""
    write(tmp_path, {
        "app.py": '''
            import boto3
            import warmup

            def lambda_handler[E: dict](event: E, context) -> E:
                s3 = boto3.client("s3")
                return warmup.VALUE
        ''',
        "warmup.py": '''
            import requests

            VALUE = requests.get("https://example.com/value").text
        ''',
    })
    outcome = Runner(Config(), RULES, jobs=1).run([tmp_path])
    assert found(outcome, tmp_path) == [("warmup.py", 3, "LAM201")]
    assert [(Path(d.path).name, d.location.row) for d in outcome.diagnostics if d.code == "LAM101"] == [("app.py", 5)]


def test_a_file_checked_alone_through_the_api_keeps_its_findings_unless_it_is_a_test():
    """Without a run's plan nothing says whether Lambda runs a file: every file but a
    test file counts, as before."""
    engine = Engine(Config(), RULES)
    script = textwrap.dedent(FILES["scripts/seed.py"]).lstrip("\n")
    test = textwrap.dedent(FILES["tests/integ/test_orders.py"]).lstrip("\n")
    alone = engine.check_sources([parse_source(Path("scripts/seed.py"), "scripts/seed.py", script.encode())])
    assert {d.code for d in alone.diagnostics} >= {"LAM201", "LAM605"}
    tested = engine.check_sources([parse_source(Path("tests/integ/test_orders.py"), "tests/integ/test_orders.py",
                                                test.encode())])
    assert not {d.code for d in tested.diagnostics} & SPOKEN_ABOUT


def test_a_local_driver_beside_a_handler_a_template_names_is_no_handler(tmp_path: Path):
    """The template names `lambda_handler`; `lambda_handler_local(event, context)` is
    how the author runs the code on a laptop, and Lambda never calls it."""
    write(tmp_path, {
        "template.yaml": '''
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Results:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fn/
                  Handler: lambda_function.lambda_handler
                  Runtime: python3.12
        ''',
        "fn/lambda_function.py": '''
            def process(request):
                return request["jobId"]

            def lambda_handler(event, context):
                print("event: {}".format(event))
                return process(event["detail"])

            def lambda_handler_local(event, context):
                print("event: {}".format(event))
                return process(event)
        ''',
    })
    outcome = Runner(Config(), RULES, jobs=1).run([tmp_path])
    found = sorted((Path(d.path).name, d.location.row, d.code) for d in outcome.diagnostics if d.code == "LAM801")
    assert found == [("lambda_function.py", 5, "LAM801")]


LOCAL_BRANCHES = '''
    import os
    import boto3
    import requests

    if "AWS_EXECUTION_ENV" not in os.environ:
        WARMUP = requests.get("http://localhost:4566/health")

    def resource(name):
        if "AWS_EXECUTION_ENV" not in os.environ:
            return boto3.resource(name, endpoint_url="http://localhost:8000")
        if os.getenv("AWS_LAMBDA_FUNCTION_NAME") is None:
            return boto3.resource(name, region_name="eu-west-1")
        if not os.environ.get("LAMBDA_TASK_ROOT"):
            return boto3.resource(name)
        return boto3.resource(name)

    def lambda_handler(event, context):
        if "AWS_EXECUTION_ENV" in os.environ:
            client = boto3.client("sts")
        else:
            client = boto3.client("sts", endpoint_url="http://localhost:4566")
        return resource("dynamodb"), client
'''


def test_branches_lambda_never_takes_are_not_lambda_code():
    """A test of a variable the runtime always sets (`AWS_EXECUTION_ENV`,
    `AWS_LAMBDA_FUNCTION_NAME`, `LAMBDA_TASK_ROOT`...) guards code for a laptop:
    only the branches Lambda takes are checked."""
    engine = Engine(Config(), RULES)
    source = textwrap.dedent(LOCAL_BRANCHES).lstrip("\n")
    result = engine.check_sources([parse_source(Path("app.py"), "app.py", source.encode())])
    found = sorted((d.location.row, d.code) for d in result.diagnostics if d.code in ("LAM101", "LAM201"))
    assert found == [(15, "LAM101"), (19, "LAM101")]
