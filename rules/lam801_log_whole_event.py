"""LAM801 log-whole-event."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.observability import INJECT_LAMBDA_CONTEXT, LOG_EVENT_KEYWORD

from ._logging import callee_last_name, is_true, keyword_arg, log_call, logged_values, whole_event, written

_SHOWN = 40  # characters of the logged expression quoted in messages


class LogWholeEvent(Rule):
    """
    ## What it does
    Flags `print` and logging calls (any level; the `logging` module's functions,
    `logging.getLogger(...)` loggers, the Powertools `Logger`, structlog and loguru
    loggers, `pprint`, `sys.stdout.write`) whose output includes the handler's whole
    event: the handler's first parameter, whatever its name, logged directly, through
    `json.dumps`/`str`/`repr`/`jsonpickle`, concatenated with `+`, formatted with `%`,
    `.format` or an f-string, put in a dict or `extra=`, or through a variable bound
    to any of these; also the `raw_event` of a Powertools event data class or of
    `app.current_event` in a route. A helper that the handler passes the event to
    counts too, in the same module or another module of the checked tree, whether it
    logs the event itself or returns it for the caller to log (`safe_json(event)`,
    `to_log(event)` returning `json.dumps(event)` or `{"event": event, ...}`). Also flags
    Powertools `@logger.inject_lambda_context(log_event=True)`, which logs every
    incoming event.

    ## Why is this bad?
    An event carries whatever the caller sent: request headers with authorization
    tokens and cookies, form fields with personal data, whole SQS message bodies.
    Logged, all of it lands in CloudWatch Logs, readable by everyone with access to
    the log group and kept for its retention period, which makes the logs subject to
    the same data-protection rules as the data itself. The cost grows with the
    payload too: CloudWatch bills ingestion per GB, and a batch event can be
    megabytes on every invocation. Log the fields you need (an id, a count, a type)
    instead; that is also why Powertools leaves `log_event` off by default.

    Not flagged: parts of the event (`event["detail"]`, `event.get("id")`), what a
    helper makes of the event when it returns something else (`redact(event)` building
    a new dict without some keys),
    summaries (`len(event["Records"])`, `list(event)`, `event.keys()`), a handler
    parameter that the function reassigns before logging (`event = event["detail"]`;
    the analysis does not follow statement order, so it stays quiet for the whole
    function), and `log_event=` set from a variable or an environment switch (a
    deliberate debugging toggle), functions a template does not name in a module
    whose handler it names (`lambda_handler_local(event, context)`, a driver for
    local runs), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md). Logging at `debug` level is still flagged: the level
    is configuration, and a debug level switched on in production logs every event.

    ## Fix safety
    No automatic fix: which fields are safe and useful to log is the author's call.

    ## References
    - [Powertools for AWS Lambda (Python): Logger, log incoming event](https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#log-incoming-event)
    - [AWS Lambda function logging in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html)
    - [OWASP Logging Cheat Sheet: data to exclude](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude)
    """

    code = "LAM801"
    name = "log-whole-event"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # `print`/`pprint`, `logging`/`logger`/`log_event`, a Powertools `Logger`
    # imported under another name, `sys.stdout.write`.
    words = ("print", "log", "Log", "write")
    scope_only = True
    tags = ("security", "privacy", "cost", "logging")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if ctx.function is None or not log_call(ctx, node):
            return
        analysis = whole_event(ctx)
        if analysis is None:
            return
        for value in logged_values(node):
            if analysis.is_whole(ctx.model, value, ctx.function):
                shown = written(value)
                if len(shown) > _SHOWN:
                    shown = shown[: _SHOWN - 3] + "..."
                where = ctx.scope_note()
                self.report(
                    node,
                    f"`{written(node.func)}(...)` logs the whole event (`{shown}`)"
                    f"{' ' + where if where else ''}: personal data and tokens in it end up "
                    "in CloudWatch Logs, and log cost grows with the payload; log only the "
                    "fields you need (an id, a type, a count)",
                )
                return

    def visit_Decorator(self, node: cst.Decorator) -> None:
        call = node.decorator
        if not isinstance(call, cst.Call) or callee_last_name(call) != INJECT_LAMBDA_CONTEXT:
            return
        arg = keyword_arg(call, LOG_EVENT_KEYWORD)
        if arg is None or not is_true(arg.value):
            return
        self.report(
            arg,
            f"`@{written(call.func)}(log_event=True)` logs every incoming event in full: "
            "personal data and tokens in it end up in CloudWatch Logs, and log cost grows "
            "with the payload; remove `log_event=True` and log the fields you need",
        )

    examples = [
        Bad('''
            import json
            import logging

            logger = logging.getLogger()
            logger.setLevel(logging.INFO)

            def lambda_handler(event, context):
                logger.info(json.dumps(event))  # expect
                print(event)  # expect
                return {"statusCode": 200}
        '''),
        Good('''
            import json
            import logging

            logger = logging.getLogger()

            def lambda_handler(event, context):
                logger.info("received %d records", len(event["Records"]))
                logger.info("detail: %s", json.dumps(event["detail"]))
                print("keys:", list(event), sorted(event.keys()))
                logger.info("request %s", event.get("requestContext", {}).get("requestId"))
                return {"statusCode": 200}
        '''),
        Bad('''
            import logging as log
            from json import dumps

            def handler(payload, ctx):
                message = "got " + dumps(payload)
                log.debug(message)  # expect
                log.warning("event: %s" % payload)  # expect
                log.error("event: {}".format(payload))  # expect
                log.info(f"processing {payload!r}")  # expect
                log.info("processing %s", str(payload))  # expect
        '''),
        Bad('''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context(log_event=True)  # expect
            def lambda_handler(event, context):
                request = event
                logger.info("incoming", extra={"event": request})  # expect
                return {"ok": True}
        '''),
        Bad('''
            from shared.audit import log_request

            def lambda_handler(event, context):
                log_request(event, context.aws_request_id)
                return {"ok": True}
        ''', files={"shared/audit.py": '''
            import logging

            _log = logging.getLogger(__name__)

            def log_request(evt, request_id):
                _log.info("request %s: %s", request_id, evt)  # expect

            def log_summary(summary):
                _log.info("summary: %s", summary)
        '''}),
        Bad('''
            import json
            import logging

            logger = logging.getLogger()

            def safe_json(value):
                return json.dumps(value, default=str)

            def lambda_handler(event, context):
                logger.info("received %s", safe_json(event))  # expect
                logger.info("detail %s", safe_json(event["detail"]))
                return {"ok": True}
        '''),
        Good('''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context(log_event=False)
            def lambda_handler(event, context):
                event = event["detail"]
                logger.info(event)
                return {"ok": True}
        '''),
        Good('''
            import json
            import os
            import boto3
            from aws_lambda_powertools import Logger

            logger = Logger()
            sqs = boto3.client("sqs")
            DEBUG_EVENTS = os.environ.get("DEBUG_EVENTS") == "1"

            def summarize(data):
                print("summary:", data)

            @logger.inject_lambda_context(log_event=DEBUG_EVENTS)
            def lambda_handler(event, context):
                sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody=json.dumps(event))
                summarize(event["detail"]["type"])
                logger.info("forwarded", extra={"type": event["detail-type"]})
        '''),
        Good('''
            import logging

            logger = logging.getLogger()

            def process(record):
                logger.info("record %s", record)
                return record

            def lambda_handler(event, context):
                for record in event["Records"]:
                    process(record["body"])
                logger.info("done with %d records", len(event["Records"]))
        '''),
    ]
