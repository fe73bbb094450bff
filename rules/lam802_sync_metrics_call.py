"""LAM802 sync-metrics-call."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.observability import PUT_METRIC_DATA

from ._logging import written


class SyncMetricsCall(Rule):
    """
    ## What it does
    Flags CloudWatch `put_metric_data` calls in invocation scope: in the handler or
    in any function it calls, across modules of the checked tree, on any client
    (`boto3.client("cloudwatch")`, a session's client, one passed in or kept on
    `self`).

    ## Why is this bad?
    `put_metric_data` is a synchronous API call: every invocation waits for a round
    trip to CloudWatch (tens of milliseconds, more on a cold connection), pays for
    the request, and under load hits the API's request quota, so metric calls start
    failing with `Throttling` exactly when traffic peaks. Lambda has a cheaper path:
    write the metric to the log in the CloudWatch Embedded Metric Format (EMF), and
    CloudWatch extracts it asynchronously with no API call and no added latency.
    Powertools `Metrics` (`add_metric` plus `@metrics.log_metrics`) and the
    `aws-embedded-metrics` library both write EMF.

    Not flagged: calls at module scope or in code that only module scope runs,
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md), and a
    project's own method that happens to be named `put_metric_data` (the call
    resolves to a function of the checked tree; what that function calls is checked
    where it is).

    ## Fix safety
    No automatic fix: moving to EMF changes how metrics are named and dimensioned.

    ## References
    - [Embedded metric format specification](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
    - [Powertools for AWS Lambda (Python): Metrics](https://docs.powertools.aws.dev/lambda/python/latest/core/metrics/)
    - [CloudWatch service quotas (`PutMetricData` request rate)](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html)
    """

    code = "LAM802"
    name = "sync-metrics-call"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = (PUT_METRIC_DATA,)
    scope_only = True
    tags = ("performance", "cost", "metrics")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != PUT_METRIC_DATA:
            return
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        project = ctx.model.project
        if project is not None and project.call_targets(ctx.model, node, ctx.function):
            return  # a project wrapper named put_metric_data
        self.report(
            node,
            f"`{written(func)}(...)` calls the CloudWatch API on every invocation "
            f"({ctx.scope_note()}): added latency, a charge per request and throttling "
            "under load; write the metric as Embedded Metric Format log lines instead "
            "(Powertools `Metrics` or `aws-embedded-metrics`)",
        )

    examples = [
        Bad('''
            import boto3

            cloudwatch = boto3.client("cloudwatch")

            def lambda_handler(event, context):
                cloudwatch.put_metric_data(  # expect
                    Namespace="Shop",
                    MetricData=[{"MetricName": "Orders", "Value": 1, "Unit": "Count"}],
                )
        '''),
        Good('''
            from aws_lambda_powertools import Metrics
            from aws_lambda_powertools.metrics import MetricUnit

            metrics = Metrics(namespace="Shop")

            @metrics.log_metrics
            def lambda_handler(event, context):
                metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=1)
        '''),
        Bad('''
            from boto3 import client as make_client

            class Reporter:
                def __init__(self):
                    self.cw = make_client("cloudwatch")

                def count(self, name):
                    self.cw.put_metric_data(Namespace="Shop", MetricData=[{"MetricName": name, "Value": 1}])  # expect

            reporter = Reporter()

            def handler(event, context):
                reporter.count("Orders")
        '''),
        Bad('''
            from shared.metrics import publish

            def lambda_handler(event, context):
                publish("Orders", len(event["Records"]))
        ''', files={"shared/metrics.py": '''
            import boto3

            _cw = boto3.Session().client("cloudwatch")

            def publish(name, value):
                _cw.put_metric_data(Namespace="Shop", MetricData=[{"MetricName": name, "Value": value}])  # expect
        '''}),
        Good('''
            import boto3

            cloudwatch = boto3.client("cloudwatch")

            def report_deployment():
                cloudwatch.put_metric_data(Namespace="Shop", MetricData=[{"MetricName": "Deploys", "Value": 1}])

            report_deployment()

            def lambda_handler(event, context):
                return {"ok": True}
        '''),
        Good('''
            class MetricBuffer:
                def __init__(self):
                    self.items = []

                def put_metric_data(self, **data):
                    self.items.append(data)

            buffer = MetricBuffer()

            def lambda_handler(event, context):
                buffer.put_metric_data(Namespace="Shop", MetricData=[])
                return buffer.items
        '''),
    ]
