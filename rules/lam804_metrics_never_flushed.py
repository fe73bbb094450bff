"""LAM804 metrics-never-flushed."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.observability import (
    ADD_METRIC,
    FLUSH_METRICS,
    LOG_METRICS,
    NAMESPACE_KEYWORD_CLOUDWATCH,
    NAMESPACE_KEYWORD_POWERTOOLS,
    NAMESPACE_TAKERS,
    POWERTOOLS_METRICS_TYPES,
    PUT_METRIC_DATA,
    RESERVED_NAMESPACE_PREFIX,
)
from lambdalint.model import FunctionInfo, ModuleModel

from ._logging import (
    callee_last_name,
    decorator_named,
    keyword_arg,
    owning_handlers,
    string_value,
    written,
)

_POWERTOOLS_METRICS = frozenset(name + "()" for name in POWERTOOLS_METRICS_TYPES)


class MetricsNeverFlushed(Rule):
    """
    ## What it does
    Flags Powertools `metrics.add_metric(...)` in invocation scope when the handler
    it runs for is not decorated with `@metrics.log_metrics` (nor wrapped with
    `metrics.log_metrics(handler)`) and no invocation-scope code of the checked tree
    calls `metrics.flush_metrics()` (for routes and record handlers, the handler is
    found as for LAM803: in the same module, or the module importing a `Router`).
    Also flags a metrics namespace starting with `AWS/`, anywhere:
    `put_metric_data(Namespace="AWS/...")` and Powertools `Metrics(namespace="AWS/...")`/
    `single_metric(namespace="AWS/...")`, written as a literal, a name bound to one,
    or an f-string starting with `AWS/`.

    ## Why is this bad?
    Powertools `Metrics` only buffers what `add_metric` records; the metrics reach
    CloudWatch when they are flushed as an Embedded Metric Format log line, which
    `@metrics.log_metrics` does after each invocation and `flush_metrics()` does on
    demand. Without either, the buffer is never written: the dashboards and alarms
    built on those metrics stay empty, silently (and the buffer grows across warm
    invocations until Powertools' 100-metric limit forces a flush with a mix of
    requests' data).

    The `AWS/` prefix is reserved for metrics that AWS services publish. CloudWatch
    rejects `put_metric_data` calls into such a namespace with `InvalidParameterValue`,
    and does not extract custom metrics for it from EMF logs, so the metrics never
    appear.

    Not flagged: `single_metric(...)` blocks (they flush when the block ends), metrics
    added at module scope or in code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md), metrics objects the analysis cannot
    identify as Powertools ones, and namespaces computed at run time. A reserved
    namespace is flagged in every file: CloudWatch rejects it wherever the call runs.

    ## Fix safety
    No automatic fix: where to flush (decorator, `finally` block) and which namespace
    to use are the author's decisions.

    ## References
    - [Powertools for AWS Lambda (Python): Metrics, flushing metrics](https://docs.powertools.aws.dev/lambda/python/latest/core/metrics/#flushing-metrics)
    - [CloudWatch concepts: namespaces](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Namespace)
    - [PutMetricData API reference](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html)
    """

    code = "LAM804"
    name = "metrics-never-flushed"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = (ADD_METRIC, RESERVED_NAMESPACE_PREFIX)
    tags = ("correctness", "metrics")

    def visit_Call(self, node: cst.Call) -> None:
        self._check_namespace(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == ADD_METRIC:
            self._check_flushed(node, func)

    # -- add_metric without a flush ----------------------------------------------------

    def _check_flushed(self, node: cst.Call, func: cst.Attribute) -> None:
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        if ctx.qualify(func.value) not in _POWERTOOLS_METRICS:
            return
        handlers = owning_handlers(ctx)
        if not handlers or any(_logs_metrics(model, function) for model, function in handlers):
            return
        if _flushed_somewhere(ctx.model):
            return
        names = ", ".join(f"`{function.name}`" for _model, function in handlers)
        self.report(
            node,
            f"`{written(func)}(...)` ({ctx.scope_note()}) records a metric that is never "
            f"emitted: the handler {names} is not decorated with `@metrics.log_metrics` and "
            "nothing calls `metrics.flush_metrics()`; add the decorator to the handler",
        )

    # -- reserved namespaces ------------------------------------------------------------

    def _check_namespace(self, node: cst.Call) -> None:
        ctx = self.ctx
        func = node.func
        arg = None
        if isinstance(func, cst.Attribute) and func.attr.value == PUT_METRIC_DATA:
            project = ctx.model.project
            if project is None or not project.call_targets(ctx.model, node, ctx.function):
                arg = keyword_arg(node, NAMESPACE_KEYWORD_CLOUDWATCH)
        elif ctx.qualify(func) in NAMESPACE_TAKERS:
            arg = keyword_arg(node, NAMESPACE_KEYWORD_POWERTOOLS)
        if arg is None:
            return
        value = string_value(ctx, arg.value)
        if value is None or not value.startswith(RESERVED_NAMESPACE_PREFIX):
            return
        self.report(
            arg,
            f"metrics namespace `{value}` starts with `{RESERVED_NAMESPACE_PREFIX}`, which "
            "CloudWatch reserves for AWS services: the custom metrics are rejected and never "
            f"appear; use your own namespace (e.g. `{value[len(RESERVED_NAMESPACE_PREFIX):] or 'MyApp'}`)",
        )

    examples = [
        Bad('''
            from aws_lambda_powertools import Metrics
            from aws_lambda_powertools.metrics import MetricUnit

            metrics = Metrics(namespace="Shop", service="orders")

            def lambda_handler(event, context):
                metrics.add_metric(name="OrderPlaced", unit=MetricUnit.Count, value=1)  # expect
                return {"ok": True}
        '''),
        Good('''
            from aws_lambda_powertools import Metrics
            from aws_lambda_powertools.metrics import MetricUnit

            metrics = Metrics(namespace="Shop", service="orders")

            @metrics.log_metrics(capture_cold_start_metric=True)
            def lambda_handler(event, context):
                metrics.add_metric(name="OrderPlaced", unit=MetricUnit.Count, value=1)
                return {"ok": True}
        '''),
        Bad('''
            import boto3
            from aws_lambda_powertools.metrics import Metrics as PowertoolsMetrics

            NAMESPACE = "AWS/Lambda"
            cloudwatch = boto3.client("cloudwatch")
            metrics = PowertoolsMetrics(namespace=f"AWS/{'Shop'}")  # expect

            def report(count):
                cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[])  # expect
        '''),
        Bad('''
            from shared.telemetry import metrics

            def record(kind):
                metrics.add_metric(name=kind, unit="Count", value=1)  # expect

            def handler(event, context):
                record(event["detail-type"])
        ''', files={"shared/telemetry.py": '''
            from aws_lambda_powertools import Metrics

            metrics = Metrics(namespace="Shop")
        '''}),
        Good('''
            from aws_lambda_powertools import Metrics
            from aws_lambda_powertools.metrics import MetricUnit, single_metric

            metrics = Metrics(namespace="Shop")

            def lambda_handler(event, context):
                try:
                    metrics.add_metric(name="OrderPlaced", unit=MetricUnit.Count, value=1)
                finally:
                    metrics.flush_metrics()
                with single_metric(name="Latency", unit=MetricUnit.Milliseconds, value=5, namespace="Shop") as m:
                    m.add_metric(name="Retries", unit=MetricUnit.Count, value=0)
        '''),
        Good('''
            from aws_lambda_powertools import Metrics

            metrics = Metrics(namespace="Shop")
            metrics.add_metric(name="ColdStart", unit="Count", value=1)

            def _handler(event, context):
                metrics.add_metric(name="Orders", unit="Count", value=1)

            lambda_handler = metrics.log_metrics(_handler)
        '''),
        Good('''
            import boto3

            cloudwatch = boto3.client("cloudwatch")

            def lambda_handler(event, context):
                namespace = "Shop/" + event["tenant"]
                cloudwatch.get_metric_data(MetricDataQueries=[])
                return namespace, "AWS/Lambda"
        '''),
    ]


def _logs_metrics(model: ModuleModel, function: FunctionInfo) -> bool:
    """Decorated with `@metrics.log_metrics`, or wrapped by a module-level
    `metrics.log_metrics(function)` call."""
    if decorator_named(function, LOG_METRICS) is not None:
        return True
    for call in model.summary.module_calls:
        if callee_last_name(call.func) == LOG_METRICS and any(
            isinstance(arg.value, cst.Name) and arg.value.value == function.name for arg in call.args
        ):
            return True
    return False


def _flushed_somewhere(model: ModuleModel) -> bool:
    """Some invocation-scope code of the checked tree calls `flush_metrics()`."""
    project = model.project
    if project is None:
        return False
    return any(
        isinstance(call.func, cst.Attribute) and call.func.attr.value == FLUSH_METRICS
        for _model, function, _chain in project.in_scope_functions()
        for call in function.calls
    )
