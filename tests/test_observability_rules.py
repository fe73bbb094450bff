"""Targeted tests for LAM801-LAM804 (observability) that do not fit as rule examples.

The rule examples (run by test_rule_examples.py) show the main cases; here:
each rule's traps one by one (aliases, helpers in other modules, module scope
vs invocation scope, Powertools routes), message contents, the fix LAM803 must
withhold, and the unsafe fix through the real command.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalint.catalog.observability import LOG_METHODS, PERSISTENT_KEY_METHODS
from lambdalint.docs import missing_sections
from lambdalint.registry import load_registry
from lambdalint.testing import fix_source, run_rule

RULES = load_registry(include_plugins=False).rules
MINE = ("LAM801", "LAM802", "LAM803", "LAM804")


def findings(code: str, source: str, files: dict[str, str] | None = None, config: dict | None = None):
    project = {"app.py": textwrap.dedent(source)}
    project.update({path: textwrap.dedent(text) for path, text in (files or {}).items()})
    result = run_rule(RULES[code], project, config)
    assert not result.internal_error, result.messages
    return [d for d in result.diagnostics if d.code == code]


def rows(code: str, source: str, files: dict[str, str] | None = None) -> list[tuple[str, int]]:
    return sorted((str(d.path), d.location.row) for d in findings(code, source, files))


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


# -- metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", MINE)
def test_doc_has_every_section(code):
    assert missing_sections(RULES[code]) == []


def test_metadata_matches_the_catalog():
    meta = {code: (RULES[code].name, RULES[code].severity.value, RULES[code].fix.value) for code in MINE}
    assert meta == {
        "LAM801": ("log-whole-event", "warning", "none"),
        "LAM802": ("sync-metrics-call", "warning", "none"),
        "LAM803": ("logger-keys-persist", "warning", "unsafe"),
        "LAM804": ("metrics-never-flushed", "warning", "none"),
    }
    assert all(RULES[code].default_enabled for code in MINE)


@pytest.mark.parametrize("method", sorted(LOG_METHODS))
def test_lam801_prescan_words_match_any_logger_spelling(method):
    # A file that logs must mention print/log/Log/write somewhere, whatever the aliases.
    for line in (f"import logging as lg\nlg.{method}(x)", "from aws_lambda_powertools import Logger as L",
                 "import structlog", "import sys\nsys.stdout.write(x)", "from pprint import pprint"):
        assert any(word in line for word in RULES["LAM801"].words)


def test_lam803_prescan_word_is_the_method_name():
    assert set(RULES["LAM803"].words) == set(PERSISTENT_KEY_METHODS)


# -- LAM801 log-whole-event ------------------------------------------------------------------


def test_lam801_every_logger_spelling():
    assert rows("LAM801", '''
        import structlog
        from logging import getLogger as gl, info
        from loguru import logger as loguru_logger
        from aws_lambda_powertools import Logger as L

        slog = structlog.get_logger()
        LOG = gl(__name__)
        pt = L()

        def handler(event, context):
            slog.info("evt", payload=event)
            LOG.info(dict(event))
            info(event)
            pt.info(event)
            pt.info("x %s",
                    event)
            loguru_logger.debug(event)
            return None
    ''') == [("app.py", 12), ("app.py", 13), ("app.py", 14), ("app.py", 15), ("app.py", 16), ("app.py", 18)]


def test_lam801_unresolved_loggers_trusted_by_name_only():
    assert rows("LAM801", '''
        import math

        class Service:
            def __init__(self, logger):
                self.logger = logger

            def run(self, event, audit_log, catalog):
                self.logger.info(event)
                audit_log.warning(event)
                catalog.info(event)
                math.log(event)

        def lambda_handler(event, context):
            Service(None).run(event, None, None)
    ''') == [("app.py", 9), ("app.py", 10)]


def test_lam801_closures_and_boolean_fallbacks():
    assert rows("LAM801", '''
        import sys

        def lambda_handler(event, context):
            def inner():
                print(event)
            inner()
            print(event or {})
            sys.stdout.write(str(event) + "\\n")
            data = event if event else {}
            print(data)
    ''') == [("app.py", 6), ("app.py", 8), ("app.py", 9), ("app.py", 11)]


def test_lam801_parts_and_summaries_are_quiet():
    assert rows("LAM801", '''
        import json
        import logging

        logger = logging.getLogger()

        def lambda_handler(event, context):
            logger.info(event["detail"])
            logger.info(json.dumps(event["detail"]))
            logger.info("%d records", len(event["Records"]))
            logger.info("keys %s", list(event))
            logger.info("keys %s", event.keys())
            logger.info(f"{event['id']}")
            logger.info("id=" + str(event.get("id")))
            print(type(event))
            return json.dumps(event)
    ''') == []


def test_lam801_reassigned_or_looped_name_is_not_the_event():
    assert rows("LAM801", '''
        def lambda_handler(event, context):
            for event in event["Records"]:
                print(event)

        def handler(event, context):
            event = event["detail"]
            print(event)
    ''') == []


def test_lam801_record_handlers_and_module_scope_are_quiet():
    assert rows("LAM801", '''
        import logging
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        logger = logging.getLogger()
        processor = BatchProcessor(event_type=EventType.SQS)
        SAMPLE = {"Records": []}
        print(SAMPLE)

        def record_handler(record):
            logger.info(record)

        def lambda_handler(event, context):
            return process_partial_response(event=event, record_handler=record_handler, processor=processor)
    ''') == []


def test_lam801_helpers_receiving_the_event_by_keyword_or_through_two_hops():
    assert rows("LAM801", '''
        from shared.audit import audit

        def describe(evt):
            return audit(payload=evt)

        def lambda_handler(event, context):
            describe(event)
            describe(event["detail"])
    ''', files={"shared/audit.py": '''
        import json

        def audit(payload):
            print(json.dumps(payload, default=str))
    '''}) == [("shared/audit.py", 5)]


def test_lam801_helpers_that_return_the_event_for_the_caller_to_log():
    assert rows("LAM801", """
        import json
        import logging

        from shared.logs import to_log

        logger = logging.getLogger()

        def safe_json(obj):
            return json.dumps(obj, default=str)

        def redact(event):
            return {key: value for key, value in event.items() if key != "headers"}

        def lambda_handler(event, context):
            logger.info("event: %s", safe_json(event))
            logger.info(to_log(event, context))
            logger.info("redacted: %s", safe_json(redact(event)))
            logger.info("detail: %s", safe_json(event["detail"]))
            print(to_log(event["detail"], context))
            return {"ok": True}
    """, files={"shared/__init__.py": "", "shared/logs.py": """
        import time

        def to_log(event, context):
            return {"event": event, "request_id": context.aws_request_id, "at": time.time()}
    """}) == [("app.py", 16), ("app.py", 17)]


def test_lam801_raw_event_of_powertools_data_classes_and_routes():
    assert rows("LAM801", '''
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source

        logger = Logger()
        app = APIGatewayRestResolver()

        @app.get("/orders")
        def orders():
            logger.info(app.current_event.raw_event)
            logger.info(app.current_event.path)
            return {}

        @event_source(data_class=SQSEvent)
        def lambda_handler(event, context):
            logger.info(event.raw_event)
            return app.resolve(event.raw_event, context)
    ''') == [("app.py", 11), ("app.py", 17)]


def test_lam801_message_names_the_call_and_the_expression():
    (finding,) = findings("LAM801", '''
        import json
        import logging

        log = logging.getLogger("orders")

        def process(payload, context):
            log.warning("bad payload: %s", json.dumps(payload))

        handler = None
    ''', config={"handlers": ["app.py:process"]})
    assert finding.message.startswith("`log.warning(...)` logs the whole event (`json.dumps(payload)`) in `process`")


def test_lam801_log_event_only_when_literally_true():
    assert rows("LAM801", '''
        import os
        from aws_lambda_powertools import Logger

        logger = Logger()

        @logger.inject_lambda_context(log_event=os.getenv("LOG_EVENTS") == "1")
        def one(event, context):
            return 1

        @logger.inject_lambda_context(correlation_id_path="id", log_event=True)
        def two(event, context):
            return 2

        @logger.inject_lambda_context
        def three(event, context):
            return 3
    ''') == [("app.py", 11)]


# -- LAM802 sync-metrics-call -------------------------------------------------------------


def test_lam802_any_receiver_in_invocation_scope_but_not_at_module_scope():
    assert rows("LAM802", '''
        import aiobotocore.session

        cw_session = aiobotocore.session.get_session()

        async def publish(client, value):
            await client.put_metric_data(Namespace="Shop", MetricData=[{"MetricName": "N", "Value": value}])

        def setup(client):
            client.put_metric_data(Namespace="Shop", MetricData=[])

        setup(None)

        def lambda_handler(event, context):
            import asyncio
            return asyncio.run(publish(event["client"], 1))
    ''') == [("app.py", 7)]


def test_lam802_message_names_the_call():
    (finding,) = findings("LAM802", '''
        import boto3

        metrics_client = boto3.client("cloudwatch")

        def lambda_handler(event, context):
            metrics_client.put_metric_data(Namespace="Shop", MetricData=[])
    ''')
    assert finding.message.startswith("`metrics_client.put_metric_data(...)` calls the CloudWatch API")
    assert "Embedded Metric Format" in finding.message


# -- LAM803 logger-keys-persist -------------------------------------------------------------


ROUTE = '''
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    logger = Logger()
    app = APIGatewayRestResolver()

    @app.get("/orders/<order_id>")
    def get_order(order_id):
        logger.append_keys(order_id=order_id)
        return dict(id=order_id)

    @logger.inject_lambda_context{args}
    def lambda_handler(event, context):
        return app.resolve(event, context)
'''


def test_lam803_route_runs_for_the_module_handler():
    assert rows("LAM803", ROUTE.format(args="")) == [("app.py", 10)]
    assert rows("LAM803", ROUTE.format(args="(clear_state=True)")) == []
    assert rows("LAM803", ROUTE.format(args="(clear_state=CLEAR)")) == []


def test_lam803_fix_on_the_handler_of_a_route():
    fixed, remaining = fix_source(RULES["LAM803"], textwrap.dedent(ROUTE.format(args="()")), unsafe=True)
    assert "@logger.inject_lambda_context(clear_state=True)\n" in fixed
    assert remaining == []


def test_lam803_unsafe_fix_needs_opt_in():
    source = textwrap.dedent(ROUTE.format(args=""))
    fixed, remaining = fix_source(RULES["LAM803"], source, unsafe=False)
    assert fixed == source
    assert len(remaining) == 1 and remaining[0].fix is not None
    assert remaining[0].fix.applicability.value == "unsafe"


def test_lam803_no_fix_without_a_decorator_or_with_the_handler_elsewhere():
    (bare,) = findings("LAM803", '''
        from aws_lambda_powertools import Logger

        logger = Logger()

        def lambda_handler(event, context):
            logger.append_keys(user=event["user"])
    ''')
    assert bare.fix is None
    assert "decorate the handler `lambda_handler`" in bare.message
    (remote,) = findings("LAM803", '''
        from aws_lambda_powertools import Logger
        from shared.keys import tag

        logger = Logger()

        @logger.inject_lambda_context
        def lambda_handler(event, context):
            tag(event)
    ''', files={"shared/keys.py": '''
        from aws_lambda_powertools import Logger

        logger = Logger(service="orders")

        def tag(event):
            logger.append_keys(order_id=event["id"])
    '''})
    assert str(remote.path) == "shared/keys.py" and remote.fix is None


def test_lam803_which_receivers_count():
    assert rows("LAM803", '''
        import logging
        from aws_lambda_powertools import Logger

        std = logging.getLogger()
        pt = Logger()

        class Handler:
            def __init__(self, logger, store):
                self.logger = logger
                self.store = store

            def run(self, event):
                self.logger.append_keys(user=event["user"])
                self.store.append_keys(user=event["user"])
                std.append_keys(user=event["user"])

        def lambda_handler(event, context):
            Handler(pt, None).run(event)
    ''') == [("app.py", 14)]


def test_lam803_constant_keys_and_clear_state_calls_are_quiet():
    assert rows("LAM803", '''
        import os
        from aws_lambda_powertools import Logger

        logger = Logger()
        VERSION = os.environ.get("VERSION", "dev")

        def lambda_handler(event, context):
            logger.clear_state()
            logger.append_keys(order_id=event["orderId"])

        def handler(event, context):
            logger.append_keys(stage="prod", retries=3, debug=False, missing=None)
            logger.append_keys(region=os.environ["AWS_REGION"], table=os.getenv("TABLE", ""), version=VERSION)
            logger.append_keys(request=context.aws_request_id)
    ''') == [("app.py", 15)]


# -- LAM804 metrics-never-flushed ---------------------------------------------------------------


def test_lam804_flush_in_a_helper_counts():
    assert rows("LAM804", '''
        from aws_lambda_powertools import Metrics

        metrics = Metrics(namespace="Shop")

        def finish():
            metrics.flush_metrics()

        def lambda_handler(event, context):
            metrics.add_metric(name="Orders", unit="Count", value=1)
            finish()
    ''') == []


def test_lam804_route_of_a_decorated_handler_is_quiet_undecorated_is_not():
    source = '''
        from aws_lambda_powertools import Metrics
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        metrics = Metrics(namespace="Shop")
        app = APIGatewayRestResolver()

        @app.post("/orders")
        def create():
            metrics.add_metric(name="Orders", unit="Count", value=1)
            return {}

        {decorator}
        def lambda_handler(event, context):
            return app.resolve(event, context)
    '''
    assert rows("LAM804", source.replace("{decorator}", "@metrics.log_metrics(raise_on_empty_metrics=False)")) == []
    assert rows("LAM804", source.replace("{decorator}", "")) == [("app.py", 10)]


def test_lam804_unknown_metrics_objects_and_module_scope_are_quiet():
    assert rows("LAM804", '''
        from aws_lambda_powertools import Metrics
        from aws_embedded_metrics import metric_scope

        metrics = Metrics(namespace="Shop")
        metrics.add_metric(name="ColdStart", unit="Count", value=1)

        @metric_scope
        def lambda_handler(event, context, metrics):
            metrics.add_metric("Orders", 1)
    ''') == []


def test_lam804_reserved_namespaces_only_with_the_aws_slash_prefix():
    assert rows("LAM804", '''
        import boto3
        from aws_lambda_powertools.metrics import EphemeralMetrics, single_metric

        cw = boto3.client("cloudwatch")
        CUSTOM = "AWSome/Shop"

        def report():
            cw.put_metric_data(Namespace=CUSTOM, MetricData=[])
            cw.put_metric_data(Namespace="aws/lower", MetricData=[])
            cw.put_metric_data(Namespace="AWS/EC2", MetricData=[])
            with single_metric(name="N", unit="Count", value=1, namespace="AWS/Lambda"):
                pass
            return EphemeralMetrics(namespace="AWS/Custom")
    ''') == [("app.py", 11), ("app.py", 12), ("app.py", 14)]


def test_lam804_messages():
    found = findings("LAM804", '''
        from aws_lambda_powertools import Metrics

        metrics = Metrics(namespace="AWS/Shop")

        def lambda_handler(event, context):
            metrics.add_metric(name="Orders", unit="Count", value=1)
    ''')
    messages = sorted(d.message for d in found)
    assert messages[0].startswith(
        "`metrics.add_metric(...)` (in `lambda_handler`) records a metric that is never emitted")
    assert messages[1].startswith("metrics namespace `AWS/Shop` starts with `AWS/`")
    assert "e.g. `Shop`" in messages[1]


# -- the command line ---------------------------------------------------------------------------


def test_cli_unsafe_fix_for_lam803(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent('''
        from aws_lambda_powertools import Logger

        logger = Logger()

        @logger.inject_lambda_context
        def lambda_handler(event, context):
            logger.append_keys(order_id=event["orderId"])
    ''').lstrip(), encoding="utf-8")
    proc = run_cli(tmp_path, "--select", "LAM803", "--output-format", "json", ".")
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)
    assert finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["edits"][0]["content"] == "@logger.inject_lambda_context(clear_state=True)\n"
    proc = run_cli(tmp_path, "--select", "LAM803", "--fix", ".")
    assert "@logger.inject_lambda_context\n" in app.read_text(encoding="utf-8")
    proc = run_cli(tmp_path, "--select", "LAM803", "--fix", "--unsafe-fixes", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "@logger.inject_lambda_context(clear_state=True)\n" in app.read_text(encoding="utf-8")


ROUTER_FILES = {
    "routes/orders.py": '''
        from aws_lambda_powertools import Logger, Metrics
        from aws_lambda_powertools.event_handler.api_gateway import Router

        logger = Logger(child=True)
        metrics = Metrics()
        router = Router()

        @router.get("/orders")
        def list_orders():
            logger.append_keys(user=router.current_event.get_header_value("x-user"))
            metrics.add_metric(name="Listed", unit="Count", value=1)
            return []
    ''',
}
ROUTER_APP = '''
    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from routes import orders

    logger = Logger()
    metrics = Metrics()
    app = APIGatewayRestResolver()
    app.include_router(orders.router)

    {decorators}
    def lambda_handler(event, context):
        return app.resolve(event, context)
'''


def test_lam803_lam804_router_in_its_own_module_runs_for_the_importing_handler():
    bare = ROUTER_APP.format(decorators="")
    assert rows("LAM803", bare, ROUTER_FILES) == [("routes/orders.py", 11)]
    assert rows("LAM804", bare, ROUTER_FILES) == [("routes/orders.py", 12)]
    decorated = ROUTER_APP.format(
        decorators="@metrics.log_metrics\n    @logger.inject_lambda_context(clear_state=True)")
    assert rows("LAM803", decorated, ROUTER_FILES) == []
    assert rows("LAM804", decorated, ROUTER_FILES) == []


def test_lam803_every_handler_that_runs_the_code_must_clear_state():
    from lambdalint.registry import load_registry
    from lambdalint.testing import run_rule

    rule = load_registry(include_plugins=False).rules["LAM803"]
    code = '''
from aws_lambda_powertools import Logger

logger = Logger()

def tag(event):
    logger.append_keys(order_id=event["order_id"])

@logger.inject_lambda_context(clear_state=True)
def cleared(event, context):
    tag(event)

def leaky(event, context):
    tag(event)
'''
    found = run_rule(rule, {"app.py": code}).diagnostics
    assert [d.location.row for d in found] == [7]
    assert "`leaky`" in found[0].message and "`cleared`" not in found[0].message.split("decorate")[1]
    cleared_only = code.replace("def leaky(event, context):\n    tag(event)\n", "")
    assert not run_rule(rule, {"app.py": cleared_only}).diagnostics
