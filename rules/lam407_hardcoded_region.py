"""LAM407 hardcoded-region."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import AWS_CLIENT_CONSTRUCTORS
from lambdalint.catalog.secrets import (
    FIXED_REGION_SERVICES,
    REGION_CONFIG_CALLS,
    REGION_KWARG,
    REGION_POSITIONS,
)

from ._secrets import argument, code, string_value


class HardcodedRegion(Rule):
    """
    ## What it does
    (Opt-in.) Flags a string literal region (`region_name=`, by keyword or by
    position, or a local name bound to a literal) given to an AWS SDK client,
    resource or session (`boto3.client`, `boto3.resource`, `boto3.Session`, a
    session's `client`/`resource`, botocore's `create_client`, the `aioboto3`
    equivalents, `extra-clients` from config) or to `botocore.config.Config` and
    `boto3.setup_default_session`.

    ## Why is this bad?
    Without `region_name`, the SDK uses the region the function runs in (Lambda
    sets `AWS_REGION`). A literal region pins every call to that region wherever the
    function is deployed: a copy in another region (a new stage, disaster
    recovery) silently calls across regions, adding latency and data-transfer
    cost, and fails when the resource only exists locally. Leave it out, or read it
    from configuration when cross-region access is the point.

    The rule is opt-in because cross-region calls are often deliberate; suppress
    those with a reason (`# noqa: LAM407 -- replica in us-east-1`). Not flagged:
    services with a single endpoint region, where the region is fixed by AWS
    (`ce`, `pricing`, `budgets`, `iam`, `organizations`, `route53`,
    `cloudfront`, ...), regions that are not literals (`os.environ["AWS_REGION"]`,
    `event["region"]`), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md) (moto and LocalStack need a region, a script
    runs wherever its author is).

    ## Fix safety
    No automatic fix: whether the region is deliberate is for the author to say.

    ## References
    - [Defined runtime environment variables (`AWS_REGION`)](https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
    - [boto3 configuration: region](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/configuration.html)
    - [SonarSource S6262: AWS region should not be set with a hardcoded String](https://rules.sonarsource.com/python/RSPEC-6262/)
    """

    code = "LAM407"
    name = "hardcoded-region"
    severity = Severity.INFO
    fix = FixAvailability.NONE
    default_enabled = False
    words = (REGION_KWARG,)
    tags = ("portability",)

    examples = [
        Bad('''
            import boto3

            dynamodb = boto3.resource("dynamodb", region_name="eu-west-1")  # expect

            def lambda_handler(event, context):
                return dynamodb.Table("orders").get_item(Key={"id": event["id"]})
        '''),
        Good('''
            import boto3

            dynamodb = boto3.resource("dynamodb")

            def lambda_handler(event, context):
                return dynamodb.Table("orders").get_item(Key={"id": event["id"]})
        '''),
        Bad('''
            import boto3 as b3
            from botocore.config import Config

            session = b3.Session(region_name="us-west-2")  # expect
            sqs = session.client("sqs", region_name="us-west-2")  # expect
            config = Config(region_name="ap-southeast-2", retries={"max_attempts": 2})  # expect

            def handler(event, context):
                return sqs.list_queues(), config
        '''),
        Bad('''
            import boto3

            def get_secret():
                region_name = "us-east-1"
                session = boto3.session.Session()
                client = session.client(service_name="secretsmanager", region_name=region_name)  # expect
                ssm = boto3.client("ssm", "us-east-2")  # expect
                return client, ssm

            def lambda_handler(event, context):
                return get_secret()
        '''),
        Good('''
            import os
            import boto3

            # Single-region services: AWS fixes the region.
            cost = boto3.client("ce", region_name="us-east-1")
            prices = boto3.client(service_name="pricing", region_name="us-east-1")
            replica = boto3.client("s3", region_name=os.environ.get("REPLICA_REGION", os.environ["AWS_REGION"]))

            def lambda_handler(event, context):
                regional = boto3.client("ec2", region_name=event["region"])
                return cost, prices, replica, regional
        '''),
        Good('''
            import boto3
            from moto import mock_aws

            @mock_aws
            def test_get_item():
                table = boto3.resource("dynamodb", region_name="us-east-1").Table("orders")
                assert table
        ''', path="tests/test_orders.py"),
        Bad('''
            from mycorp.aws import client

            def lambda_handler(event, context):
                return client("s3", region_name="eu-central-1").list_buckets()  # expect
        ''', config={"extra-clients": ["mycorp.aws.client"]}),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.runs_on_lambda or not node.args:
            return
        qualified = self.ctx.qualify(node.func)
        constructors = AWS_CLIENT_CONSTRUCTORS | REGION_CONFIG_CALLS | frozenset(self.ctx.config.extra_clients)
        if qualified not in constructors:
            return
        last = qualified.rsplit(".", 1)[-1]
        position = next((p for suffix, p in REGION_POSITIONS if last == suffix), -1)
        value = argument(node, position, REGION_KWARG)
        region = self._literal(value)
        if not region:
            return
        service = string_value(argument(node, 0, "service_name"))
        if service in FIXED_REGION_SERVICES:
            return
        self.report(
            value,
            f"`{code(node.func)}(...)` pins `region_name=\"{region}\"`: every copy of the function "
            "calls that region wherever it is deployed; leave `region_name` out to use the "
            "function's own region (`AWS_REGION`), or read it from configuration if the call is "
            "cross-region on purpose",
        )

    def _literal(self, value: cst.BaseExpression | None) -> str | None:
        """A string literal, or a name bound to one (`region_name = "us-east-1"`)."""
        if isinstance(value, cst.Name):
            bound = self.ctx.binding_of(value.value)
            value = bound if isinstance(bound, cst.BaseExpression) else None
        return string_value(value)
