"""Observability facts (LAM8xx): logging calls, Powertools Logger and Metrics, CloudWatch.

Names are qualified the way ``lambdalint.model.resolve`` spells them: a call
result ends in ``()``, so a method of a `logging.getLogger(...)` logger is
``logging.getLogger().info``.
"""

from __future__ import annotations

# -- Where log output goes (LAM801) ----------------------------------------------

# Calls that write their arguments to stdout/stderr, i.e. to CloudWatch Logs.
PRINT_CALLS = frozenset(
    {"builtins.print", "pprint.pprint", "pprint.pp", "sys.stdout.write", "sys.stderr.write"}
)
# Methods of a logger (and functions of the `logging` module) that emit a record.
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)
LOGGING_MODULES = frozenset({"logging"})
# Objects whose LOG_METHODS emit records (qualified; a call result ends in "()").
LOGGER_OBJECTS = frozenset(
    {
        "logging.getLogger()",
        "logging.Logger()",
        "logging.LoggerAdapter()",
        "logging.root",
        "structlog.get_logger()",
        "structlog.getLogger()",
        "structlog.stdlib.get_logger()",
        "loguru.logger",
        # Powertools Logger, however it is imported.
        "aws_lambda_powertools.Logger()",
        "aws_lambda_powertools.logging.Logger()",
        "aws_lambda_powertools.logging.logger.Logger()",
    }
)
# A receiver the analysis cannot resolve (a logger passed in, `self.logger`, one
# imported from a package outside the checked tree) counts as a logger when its
# own name says so: `logger`, `log`, `_LOGGER`, `request_logger`, `audit_log`,
# `applogger` (the last `_`-separated word is one of these, or ends in the first).
LOGGER_NAMES = ("logger", "log", "logs")
# Keyword arguments of print and logging calls that are not logged values.
LOG_CONTROL_KEYWORDS = frozenset(
    {"exc_info", "stack_info", "stacklevel", "sep", "end", "file", "flush"}
)
# Calls whose result carries their first argument whole, as text or as a copy:
# logging `json.dumps(event)` logs the event.
WHOLE_VALUE_SERIALIZERS = frozenset(
    {
        "json.dumps",
        "simplejson.dumps",
        "orjson.dumps",
        "ujson.dumps",
        "rapidjson.dumps",
        "jsonpickle.encode",
        "jsonpickle.dumps",
        "builtins.str",
        "builtins.repr",
        "builtins.dict",
        "builtins.ascii",
        "copy.copy",
        "copy.deepcopy",
        "pprint.pformat",
        "yaml.dump",
        "yaml.safe_dump",
    }
)
# String methods that keep a whole value whole (`orjson.dumps(event).decode()`).
WHOLE_VALUE_METHODS = frozenset({"decode", "encode", "strip"})
STR_FORMAT_METHOD = "format"
# Attributes holding the whole event of a Powertools event data class or resolver
# (`event.raw_event`, `app.current_event.raw_event`).
RAW_EVENT_ATTRIBUTES = frozenset({"raw_event"})
CURRENT_EVENT_ATTRIBUTE = "current_event"

# -- Powertools Logger (LAM801, LAM803) ------------------------------------------------

POWERTOOLS_LOGGER_TYPES = frozenset(
    {
        "aws_lambda_powertools.Logger",
        "aws_lambda_powertools.logging.Logger",
        "aws_lambda_powertools.logging.logger.Logger",
    }
)
INJECT_LAMBDA_CONTEXT = "inject_lambda_context"
LOG_EVENT_KEYWORD = "log_event"
CLEAR_STATE_KEYWORD = "clear_state"
# Logger methods whose keys stay on the logger for later records.
PERSISTENT_KEY_METHODS = frozenset({"append_keys"})
# Logger methods that take appended keys off again.
KEY_CLEARING_METHODS = frozenset({"remove_keys", "clear_state"})

# -- Metrics (LAM802, LAM804) -------------------------------------------------------

PUT_METRIC_DATA = "put_metric_data"
NAMESPACE_KEYWORD_CLOUDWATCH = "Namespace"
POWERTOOLS_METRICS_TYPES = frozenset(
    {
        "aws_lambda_powertools.Metrics",
        "aws_lambda_powertools.metrics.Metrics",
        "aws_lambda_powertools.metrics.metrics.Metrics",
        "aws_lambda_powertools.metrics.EphemeralMetrics",
        "aws_lambda_powertools.metrics.metrics.EphemeralMetrics",
        "aws_lambda_powertools.metrics.provider.datadog.DatadogMetrics",
        "aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch.AmazonCloudWatchEMFProvider",
    }
)
ADD_METRIC = "add_metric"
FLUSH_METRICS = "flush_metrics"
LOG_METRICS = "log_metrics"
# Powertools calls that take a metrics namespace, as the keyword `namespace=`.
NAMESPACE_KEYWORD_POWERTOOLS = "namespace"
NAMESPACE_TAKERS = POWERTOOLS_METRICS_TYPES | frozenset(
    {
        "aws_lambda_powertools.metrics.single_metric",
        "aws_lambda_powertools.metrics.metrics.single_metric",
        "aws_lambda_powertools.metrics.base.single_metric",
    }
)
# CloudWatch rejects custom metrics in namespaces with this prefix.
RESERVED_NAMESPACE_PREFIX = "AWS/"
