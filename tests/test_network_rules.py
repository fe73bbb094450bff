"""Targeted tests for LAM201-LAM207 that do not fit as rule examples.

The rule examples (run by test_rule_examples.py) cover what is flagged and what
is not; here: the timeout fix's formatting and the `default-timeout` key end to
end, positional timeouts, the process-wide `socket.setdefaulttimeout`, opt-in
selection of LAM204, and LAM207's two sources of waiter knowledge (botocore's
data and the built-in fallback).
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from cli_helpers import pyproject, run_cli, write
from lambdalint.catalog import network
from lambdalint.catalog.network import REQUESTS_TIMEOUT_CALLS, STDLIB_TIMEOUT_CALLS
from lambdalint.docs import missing_sections
from lambdalint.registry import load_registry
from lambdalint.testing import fix_source, run_rule

REGISTRY = load_registry(include_plugins=False)
RULES = REGISTRY.rules
MINE = ("LAM201", "LAM202", "LAM203", "LAM204", "LAM205", "LAM206", "LAM207")


def findings(code: str, source: str, config: dict | None = None, files: dict[str, str] | None = None,
             path: str = "app.py"):
    project = {path: textwrap.dedent(source)}
    project.update({name: textwrap.dedent(text) for name, text in (files or {}).items()})
    result = run_rule(RULES[code], project, config)
    assert not result.internal_error, result.messages
    return [d for d in result.diagnostics if d.code == code]


def fixed(code: str, source: str, config: dict | None = None) -> str:
    text, remaining = fix_source(RULES[code], textwrap.dedent(source), config=config, unsafe=True)
    assert not remaining, [d.message for d in remaining]
    return text


# -- metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", MINE)
def test_doc_has_every_section(code):
    assert missing_sections(RULES[code]) == []


def test_severities_and_fixes_match_the_catalog():
    got = {code: (RULES[code].severity.value, RULES[code].fix.value) for code in MINE}
    assert got == {
        "LAM201": ("warning", "unsafe"), "LAM202": ("warning", "unsafe"), "LAM203": ("warning", "none"),
        "LAM204": ("info", "none"), "LAM205": ("info", "none"), "LAM206": ("info", "none"),
        "LAM207": ("warning", "none"),
    }


def test_lam204_is_opt_in():
    assert RULES["LAM204"].default_enabled is False
    default = {rule.code for rule in REGISTRY.select(None)}
    family = {rule.code for rule in REGISTRY.select(["LAM2"])}
    assert "LAM204" not in default and "LAM204" not in family
    assert "LAM201" in family
    assert "LAM204" in {rule.code for rule in REGISTRY.select(["ALL"])}
    assert "LAM204" in {rule.code for rule in REGISTRY.select(None, ["LAM204"])}


@pytest.mark.parametrize("qualified", sorted(STDLIB_TIMEOUT_CALLS))
def test_lam202_prescan_words_survive_any_import_alias(qualified):
    # `from http.client import HTTPSConnection as C` still spells the name in the import.
    name = qualified.removesuffix("().open").rsplit(".", 1)[-1]
    assert any(word in name for word in RULES["LAM202"].words)


def test_lam201_knows_every_requests_verb_on_module_and_session():
    for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request"):
        assert f"requests.{verb}" in REQUESTS_TIMEOUT_CALLS
        assert f"requests.Session().{verb}" in REQUESTS_TIMEOUT_CALLS
        assert f"requests.session().{verb}" in REQUESTS_TIMEOUT_CALLS


# -- LAM201/LAM202: the timeout fix --------------------------------------------------------


def test_fix_writes_whole_seconds_without_a_decimal_point():
    source = '''
        import requests

        def lambda_handler(event, context):
            return requests.get("https://example.com")
    '''
    assert "timeout=10)" in fixed("LAM201", source)
    assert "timeout=3)" in fixed("LAM201", source, {"default-timeout": 3.0})
    assert "timeout=0.5)" in fixed("LAM201", source, {"default-timeout": 0.5})


def test_fix_keeps_the_layout_of_multi_line_calls():
    source = '''
        import requests

        def lambda_handler(event, context):
            a = requests.post(
                "https://a.example.com",
                json=event,
            )
            b = requests.post(
                "https://b.example.com"
            )
            c = requests.post(
                "https://c.example.com",
            )
            return a, b, c
    '''
    assert fixed("LAM201", source) == textwrap.dedent('''
        import requests

        def lambda_handler(event, context):
            a = requests.post(
                "https://a.example.com",
                json=event,
                timeout=10,
            )
            b = requests.post(
                "https://b.example.com", timeout=10
            )
            c = requests.post(
                "https://c.example.com",
                timeout=10,
            )
            return a, b, c
    ''')


def test_fix_replaces_a_positional_none_in_place():
    source = '''
        import socket

        def lambda_handler(event, context):
            return socket.create_connection(("db", 5432), None)
    '''
    assert 'socket.create_connection(("db", 5432), 10)' in fixed("LAM202", source)


def test_default_timeout_from_pyproject_reaches_the_fix(workdir):
    write(workdir, {"app.py": '''
        import requests

        def lambda_handler(event, context):
            return requests.get("https://example.com").json()
    '''})
    pyproject(workdir, "default-timeout = 4\n")
    run = run_cli("check", "app.py", "--fix", "--unsafe-fixes", "--select", "LAM201")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert 'requests.get("https://example.com", timeout=4)' in (workdir / "app.py").read_text()


def test_without_unsafe_fixes_nothing_is_rewritten(workdir):
    source = textwrap.dedent('''
        import requests

        def lambda_handler(event, context):
            return requests.get("https://example.com").json()
    ''')
    write(workdir, {"app.py": source})
    run = run_cli("check", "app.py", "--fix", "--select", "LAM201")
    assert run.exit_code == 1
    assert (workdir / "app.py").read_text() == source


# -- LAM201: what counts as a timeout -----------------------------------------------------------


def test_session_request_takes_a_positional_timeout():
    source = '''
        import requests

        s = requests.Session()

        def lambda_handler(event, context):
            s.request("GET", "https://e.com", None, None, None, None, None, None, 5)
            s.request("GET", "https://e.com", None, None, None, None, None, None, None)
            return s.request("GET", "https://e.com", None)
    '''
    assert [d.location.row for d in findings("LAM201", source)] == [8, 9]


def test_messages_name_the_call_as_written_and_where_it_runs():
    source = '''
        import requests as r

        r.get("https://config.example.com")

        def helper():
            return r.post("https://example.com")

        def lambda_handler(event, context):
            return helper()
    '''
    init, per_call = findings("LAM201", source)
    assert "`r.get(...)` (`requests.get`)" in init.message and "module scope" in init.message
    assert "in `helper`, called from `lambda_handler`" in per_call.message


def test_a_session_imported_from_another_module():
    assert findings("LAM201", '''
        from shared.http import session

        def lambda_handler(event, context):
            return session.get("https://example.com")
    ''', files={"shared/http.py": '''
        import requests

        session = requests.Session()
    '''})


def test_a_session_re_exported_by_a_package_reaches_the_pre_scan_through_each_module():
    """The pre-scan accepts LAM201 for app.py because a module it imports, through the
    package's `__init__.py`, imports `requests`; a module that never does, imported
    the same way, does not make it run (and nothing is reported)."""
    package = {"shared/__init__.py": "from .http import session\n",
               "shared/http.py": "import requests\n\nsession = requests.Session()\n"}
    source = '''
        from shared import session

        def lambda_handler(event, context):
            return session.get("https://example.com")
    '''
    assert [d.location.row for d in findings("LAM201", source, files=package)] == [5]
    quiet = {"shared/__init__.py": "from .http import session\n",
             "shared/http.py": "import httpx\n\nsession = httpx.Client(timeout=None)\n"}
    assert findings("LAM201", source, files=quiet) == []


# -- LAM202: the process-wide default ------------------------------------------------------------


def test_setdefaulttimeout_in_another_module_covers_the_project():
    source = '''
        import urllib.request
        import shared.net

        def lambda_handler(event, context):
            return urllib.request.urlopen("https://example.com").read()
    '''
    assert findings("LAM202", source)
    assert not findings("LAM202", source, files={"shared/net.py": '''
        import socket

        socket.setdefaulttimeout(5)
    '''})


def test_https_connection_positional_arguments_are_not_guessed():
    # Before Python 3.12 the 5th positional argument of HTTPSConnection was `timeout`.
    assert not findings("LAM202", '''
        import http.client

        def lambda_handler(event, context):
            return http.client.HTTPSConnection("h", 443, None, None, 5)
    ''')


# -- LAM203 -----------------------------------------------------------------------------------------


def test_lam203_messages_say_what_is_wrong():
    messages = [d.message for d in findings("LAM203", '''
        import aiohttp
        from botocore.config import Config

        CONFIG = Config(read_timeout=1800)
        NO_LIMIT = aiohttp.ClientTimeout()
    ''')]
    assert "`read_timeout` to 1800 seconds" in messages[0] and "900" in messages[0]
    assert "sets no limit at all" in messages[1]


# -- LAM205/LAM206 ----------------------------------------------------------------------------------


def test_short_or_computed_sleeps_are_fine():
    assert not findings("LAM205", '''
        import time

        def lambda_handler(event, context):
            time.sleep(0.5)
            time.sleep(event["delay"])
            time.sleep(1 / 4)
    ''')


def test_invoke_on_a_client_of_another_service_is_not_lambda():
    assert not findings("LAM206", '''
        import boto3

        runtime = boto3.client("sagemaker-runtime")

        def lambda_handler(event, context):
            return runtime.invoke(EndpointName="x")
    ''')


# -- LAM207: where the waiter knowledge comes from ------------------------------------------------

POLL = '''
    import time
    import boto3

    client = boto3.client("{service}")

    def lambda_handler(event, context):
        while True:
            state = client.{operation}(Id=event["id"])
            if state["done"]:
                return state
            time.sleep(5)
'''


def _poll(service: str, operation: str):
    return findings("LAM207", POLL.format(service=service, operation=operation))


@pytest.fixture
def without_botocore(monkeypatch):
    """As if botocore were not installed: importing it fails."""
    for name in [name for name in sys.modules if name == "botocore" or name.startswith("botocore.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "botocore", None)
    network.waiter_operations.cache_clear()
    yield
    network.waiter_operations.cache_clear()


def test_waiters_come_from_botocore_and_are_read_once():
    pytest.importorskip("botocore")
    network.waiter_operations.cache_clear()
    first = network.waiter_operations()
    assert network.waiter_operations() is first
    assert network.waiter_operations.cache_info().misses == 1
    # Far more than the fallback knows: botocore has waiters for ~200 services.
    assert len(first) > len(network.FALLBACK_WAITERS)
    assert "bundle_task_complete" in network.waiters_for("describe_bundle_tasks", "ec2")
    assert _poll("ec2", "describe_bundle_tasks")


def test_the_fallback_list_is_used_without_botocore(without_botocore):
    assert network.waiter_operations() is network.FALLBACK_WAITERS
    assert "instance_running" in network.waiters_for("describe_instances")
    assert _poll("ec2", "describe_instances")
    assert _poll("rds", "describe_db_instances")
    # Only botocore's data knows this one.
    assert not _poll("ec2", "describe_bundle_tasks")


def test_every_fallback_waiter_is_real():
    """The built-in list must agree with botocore (so the two paths tell the same story)."""
    pytest.importorskip("botocore")
    network.waiter_operations.cache_clear()
    table = network.waiter_operations()
    for service, operations in network.FALLBACK_WAITERS.items():
        for operation, waiters in operations.items():
            assert set(waiters) <= set(table[service][operation]), (service, operation)


def test_the_service_decides_which_waiters_count():
    pytest.importorskip("botocore")
    # Deadline has a `get_job` waiter; Glue has none, and Athena and Step Functions none at all.
    assert _poll("deadline", "get_job")
    assert not _poll("glue", "get_job")
    assert not _poll("athena", "get_query_execution")


def test_untyped_receivers_count_only_with_describe_operations():
    source = '''
        import time

        def wait(client, name):
            while True:
                if client.{operation}(Name=name)["ok"]:
                    return
                time.sleep(3)

        def lambda_handler(event, context, client=None):
            wait(client, event["name"])
    '''
    assert findings("LAM207", source.format(operation="describe_stream"))
    assert not findings("LAM207", source.format(operation="get_job"))


def test_message_suggests_the_waiter():
    (finding,) = _poll("dynamodb", "describe_table")
    assert 'client.get_waiter("table_exists").wait(...)' in finding.message


def test_a_scripts_main_block_is_not_lambda_code():
    source = '''
        import requests

        def main():
            return requests.get("https://example.com")

        if __name__ == "__main__":
            requests.get("https://example.com/ping")
            main()
    '''
    assert [d.location.row for d in findings("LAM201", source)] == [5]


@pytest.mark.parametrize("source", [
    "import requests\n\n\ndef lambda_handler(event, context):\n    return requests.get(event['url'])\n",
    "import os, requests\n\n\ndef lambda_handler(event, context):\n    return requests.get(event['url'])\n",
    "import requests.adapters\n\n\ndef lambda_handler(event, context):\n    return requests.get(event['url'])\n",
    "from requests import get as fetch\n\n\ndef lambda_handler(event, context):\n    return fetch(event['url'])\n",
    "from requests import (\n    Session,\n)\n\nhttp = Session()\n\n\ndef lambda_handler(event, context):\n"
    "    return http.post(event['url'])\n",
    "def lambda_handler(event, context):\n    import requests as r\n    return r.get(event['url'])\n",
])
def test_lam201_prescan_lets_every_import_of_requests_through(source):
    """LAM201's pattern (an import of requests) spares library files that only
    mention requests; every way to import it must still be checked."""
    assert len(findings("LAM201", source)) == 1


def test_lam201_prescan_spares_a_file_that_only_mentions_requests():
    from lambdalint.config import Config
    from lambdalint.engine import Engine

    engine = Engine(Config(), [RULES["LAM201"]])
    text = '"""Retry policy for requests made by the SDK."""\nimport json  # like requests\n'
    assert not engine.may_fire(engine.rules[0], text)
    # Calls named in config are reached by their own names, imported from anywhere.
    extended = Engine(Config(extra_timeout_calls=["mycorp.http.requests"]), [RULES["LAM201"]])
    assert extended.may_fire(extended.rules[0], text)


def test_attribute_calls_no_rule_looks_for_are_not_qualified():
    """Qualifying a call may load another module of the project; `x.append(...)`
    cannot be `httpx.get`, so LAM203 does not ask. A bare name may be an alias
    of anything, and is asked about."""
    import libcst as cst

    from lambdalint.rules._callees import last_names, may_call_one_of

    names = last_names(["httpx.Client().get", "urllib.request.build_opener().open", "aiohttp.ClientSession"])
    assert names == {"get", "open", "ClientSession"}
    assert may_call_one_of(cst.parse_expression("session.get"), names)
    assert not may_call_one_of(cst.parse_expression("items.append"), names)
    assert may_call_one_of(cst.parse_expression("fetch"), names)
    source = "from httpx import get as fetch\n\n\ndef lambda_handler(event, context):\n    return fetch('u', timeout=None)\n"
    assert [d.location.row for d in findings("LAM203", source)] == [5]


def test_lam201_urllib3_pools_without_a_timeout_anywhere():
    found = run_rule(RULES["LAM201"], {
        "app.py": textwrap.dedent('''
            import json
            import os

            import urllib3
            from urllib3 import PoolManager, Timeout

            from shared.http import http

            pool = PoolManager(timeout=Timeout(connect=2.0, read=5.0))
            SLACK = urllib3.PoolManager(num_pools=2)

            def notify(text):
                return SLACK.request("POST", os.environ["SLACK_URL"], body=json.dumps({"text": text}))

            def lambda_handler(event, context, given=None):
                notify("hello")
                pool.request("GET", "https://example.com")
                urllib3.PoolManager().request("GET", "https://example.com/a")
                urllib3.PoolManager().request("GET", "https://example.com/b", timeout=3.0)
                local = urllib3.PoolManager()
                local.urlopen("GET", "https://example.com/c")
                urllib3.request("GET", "https://example.com/d")
                urllib3.HTTPSConnectionPool("example.com", 443, 5.0).request("GET", "/e")
                urllib3.HTTPSConnectionPool("example.com", 443).request("GET", "/f")
                http.request("GET", "https://example.com/g")
                given.request("GET", "https://example.com/h")
                return urllib3.PoolManager(**{"timeout": 3}).request("GET", "https://example.com/i")
        '''),
        "shared/__init__.py": "",
        "shared/http.py": "import urllib3\n\nhttp = urllib3.PoolManager()\n",
    })
    assert not found.internal_error, found.messages
    assert sorted(d.location.row for d in found.diagnostics if d.code == "LAM201") == [14, 19, 22, 25, 26]


def test_lam205_durations_from_constants_here_and_in_another_module():
    found = run_rule(RULES["LAM205"], {
        "app.py": textwrap.dedent('''
            import asyncio
            import time

            import settings
            from settings import RETRY_SECONDS

            WAIT = 3
            SHORT = 0.5
            MINUTES = 2
            changing = 1

            def bump():
                global changing
                changing += 1

            def lambda_handler(event, context, delay=10):
                time.sleep(WAIT)
                time.sleep(SHORT)
                time.sleep(MINUTES * 60)
                time.sleep(RETRY_SECONDS)
                time.sleep(settings.RETRY_SECONDS)
                time.sleep(changing)
                time.sleep(delay)
                pause = 4
                time.sleep(pause)
                backoff = 1
                backoff *= 2
                time.sleep(backoff)
                asyncio.run(asyncio.sleep(settings.FROM_ENV))
        '''),
        "settings.py": "import os\n\nRETRY_SECONDS = 15\nFROM_ENV = float(os.environ['WAIT'])\n",
    })
    assert not found.internal_error, found.messages
    assert sorted(d.location.row for d in found.diagnostics if d.code == "LAM205") == [18, 20, 21, 22, 26]


def test_lam207_a_helper_that_reads_the_state_for_the_loop_condition():
    found = run_rule(RULES["LAM207"], {
        "app.py": textwrap.dedent('''
            import time

            import boto3

            from stacks import stack_status

            ec2 = boto3.client("ec2")
            athena = boto3.client("athena")

            def instance_state(instance_id):
                reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
                return reservations[0]["Instances"][0]["State"]["Name"]

            def query_state(qid):
                return athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]

            def process(item):
                return item

            def lambda_handler(event, context):
                ec2.start_instances(InstanceIds=[event["id"]])
                while instance_state(event["id"]) != "running":
                    time.sleep(5)
                for _ in range(30):
                    status = stack_status(event["stack"])
                    if status.endswith("_COMPLETE"):
                        break
                    time.sleep(10)
                while query_state(event["qid"]) == "RUNNING":
                    time.sleep(1)
                while True:
                    process(instance_state(event["id"]))
                    time.sleep(1)
                while instance_state(event["id"]) != "stopped":
                    break
        '''),
        "stacks.py": textwrap.dedent('''
            import boto3

            cfn = boto3.client("cloudformation")

            def stack_status(name):
                return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        '''),
    })
    assert not found.internal_error, found.messages
    assert sorted(d.location.row for d in found.diagnostics if d.code == "LAM207") == [23, 26]
