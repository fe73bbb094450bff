"""LAM101 client-in-handler."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Severity
from lambdalint.catalog import AWS_CLIENT_CONSTRUCTORS
from lambdalint.config import Config

from ._hoist import literal_argument
from ._lifecycle import PerInvocationConstructor


class ClientInHandler(PerInvocationConstructor):
    """
    ## What it does
    Flags AWS SDK clients, resources and sessions (`boto3.client`, `boto3.resource`,
    `boto3.Session`, `session.client`, botocore's `create_client`, and the `aioboto3`
    equivalents) created in invocation scope: in the handler or in any function the
    handler calls, across modules of the checked tree.

    ## Why is this bad?
    Lambda keeps the execution environment warm between invocations and runs module
    scope only once per environment. A client created in the handler is rebuilt on
    every request: boto3 loads its service model, resolves credentials and endpoints
    and opens fresh TLS connections each time, adding tens to hundreds of milliseconds
    of billed latency. AWS's best practices say to initialise SDK clients outside the
    handler and reuse them.

    Not flagged: lazy initialisation (`global c; if c is None: c = boto3.client(...)`,
    `functools.cache`/`lru_cache` factories), clients built from event data or from
    STS credentials (a per-tenant or per-region client must be built per call),
    code that only module scope runs, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    The fix moves the construction to module scope and uses the module-level name in
    the function: an identical module-level client that already exists; or, when the
    client is the whole value of a local variable assigned nowhere else (`s3 =
    boto3.client("s3")`, `orders = boto3.resource("dynamodb").Table("orders")`, the
    resource's lazy sub-resources moving with it), that variable itself, under its
    own name; or a new name (`s3_client`, `dynamodb`, `session`, or the same with a
    leading underscore; when those are taken, no fix). It is offered only when every
    argument is a literal, a module-level name or an `os.environ`/`os.getenv` read
    (values that cannot differ between invocations) and the call is not the context
    manager of a `with` block; otherwise the finding has no fix.

    The fix is safe, except where the client is created inside a `try` or `with`
    block (or in a function called inside one in the same module): there a failure
    the `except` (or the context manager) handled would fail the module's import
    instead, so the fix is unsafe and needs `--unsafe-fixes`.

    ## References
    - [AWS Lambda best practices: function code](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [Amazon Q detector: lambda-client-reuse](https://docs.aws.amazon.com/amazonq/detector-library/python/lambda-client-reuse/)
    """

    code = "LAM101"
    name = "client-in-handler"
    scope_only = True
    severity = Severity.WARNING
    fix = FixAvailability.SAFE
    words = ("boto", "Session", "client", "resource")
    tags = ("performance", "cold-start")
    what = "AWS client"

    def constructors(self) -> frozenset[str]:
        return AWS_CLIENT_CONSTRUCTORS | frozenset(self.configured_names(self.ctx.config))

    def configured_names(self, config: Config) -> list[str]:
        return config.extra_clients

    def hoisted_names(self, call: cst.Call, qualified: str) -> list[str]:
        if qualified.endswith("Session"):
            return ["session", "boto_session", "aws_session"]
        service = literal_argument(call, "service_name")
        if service is None:
            return ["aws_client"] if not qualified.endswith("resource") else ["aws_resource"]
        service = service.replace("-", "_").lower()
        if qualified.endswith("resource"):
            return [service, f"{service}_resource"]
        return [f"{service}_client", service]

    examples = [
        Bad('''
            import boto3

            def lambda_handler(event, context):
                s3 = boto3.client("s3")  # expect
                return s3.list_buckets()
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                return s3.list_buckets()
        '''),
        Bad('''
            import boto3 as b3
            from boto3 import client as make

            def handler(event, context):
                table = b3.resource("dynamodb").Table("orders")  # expect
                sqs = make("sqs")  # expect
                session = b3.Session()  # expect
                return session, table, sqs
        '''),
        Bad('''
            import boto3

            def get_queue():
                return boto3.client("sqs")  # expect

            def process(event, context):
                get_queue().send_message(QueueUrl="q", MessageBody="x")
        '''),
        Bad('''
            import boto3

            def lambda_handler(event, context):
                return boto3.Session().client("s3")  # expect
        '''),
        Bad('''
            from shared.aws import make_client

            def lambda_handler(event, context):
                return make_client()
        ''', files={"shared/aws.py": '''
            import boto3

            def make_client():
                return boto3.client("s3")  # expect
        '''}),
        Bad('''
            import boto3

            class OrderProcessor:
                def __init__(self):
                    self.table = boto3.resource("dynamodb").Table("orders")  # expect

                def run(self, event):
                    return self.table.get_item(Key={"id": event["id"]})

            def lambda_handler(event, context):
                return OrderProcessor().run(event)
        '''),
        Good('''
            import boto3

            _s3 = None

            def get_s3():
                global _s3
                if _s3 is None:
                    _s3 = boto3.client("s3")
                return _s3

            def lambda_handler(event, context):
                return get_s3().list_buckets()
        '''),
        Good('''
            import functools
            import boto3

            @functools.lru_cache(maxsize=None)
            def client_for(service):
                return boto3.client(service)

            def lambda_handler(event, context):
                return client_for("s3").list_buckets()
        '''),
        Good('''
            import boto3

            sts = boto3.client("sts")

            def lambda_handler(event, context):
                creds = sts.assume_role(RoleArn=event["role"], RoleSessionName="x")["Credentials"]
                tenant = boto3.client(
                    "s3",
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                )
                return tenant.list_buckets()
        '''),
        Good('''
            import boto3

            def lambda_handler(event, context):
                regional = boto3.client("ec2", region_name=event["region"])
                return regional.describe_instances()
        '''),
        Good('''
            import boto3

            class AuditLog:
                def __init__(self):
                    self.logs = boto3.client("logs")

                def write(self, message):
                    self.logs.put_log_events(logGroupName="audit", logStreamName="a", logEvents=[])

            audit = AuditLog()

            def lambda_handler(event, context):
                audit.write("called")
        '''),
        Good('''
            import boto3

            def make_admin_client():
                return boto3.client("iam")

            ADMIN = make_admin_client()

            def handle_request(payload):
                return payload
        '''),
        Fixed(
            before='''
            import boto3

            def lambda_handler(event, context):
                s3 = boto3.client("s3")  # uploads
                return s3.list_buckets()
            ''',
            after='''
            import boto3

            s3 = boto3.client("s3")  # uploads

            def lambda_handler(event, context):
                return s3.list_buckets()
            ''',
        ),
        Fixed(
            before='''
            import os
            import boto3

            TABLE = os.environ["TABLE"]
            sqs_client = boto3.client("sqs")
            s3_client = "taken"

            def lambda_handler(event, context):
                boto3.client("sqs").send_message(QueueUrl=os.getenv("QUEUE"), MessageBody="x")
                table = boto3.resource("dynamodb", region_name=os.environ.get("REGION")).Table(TABLE)
                return boto3.client("s3"), table
            ''',
            after='''
            import os
            import boto3

            s3 = boto3.client("s3")

            TABLE = os.environ["TABLE"]

            table = boto3.resource("dynamodb", region_name=os.environ.get("REGION")).Table(TABLE)
            sqs_client = boto3.client("sqs")
            s3_client = "taken"

            def lambda_handler(event, context):
                sqs_client.send_message(QueueUrl=os.getenv("QUEUE"), MessageBody="x")
                return s3, table
            ''',
        ),
        Fixed(
            before='''
            import json
            import logging
            import boto3

            logger = logging.getLogger()

            def lambda_handler(event, context):
                try:
                    events = boto3.client("events", endpoint_url="https://events.internal")
                except Exception:
                    logger.exception("no EventBridge endpoint")
                    return {"published": False}
                events.put_events(Entries=[{"Source": "orders", "DetailType": "x", "Detail": json.dumps(event)}])
                return {"published": True}
            ''',
            after='''
            import json
            import logging
            import boto3

            events_client = boto3.client("events", endpoint_url="https://events.internal")

            logger = logging.getLogger()

            def lambda_handler(event, context):
                try:
                    events = events_client
                except Exception:
                    logger.exception("no EventBridge endpoint")
                    return {"published": False}
                events.put_events(Entries=[{"Source": "orders", "DetailType": "x", "Detail": json.dumps(event)}])
                return {"published": True}
            ''',
            unsafe=True,
        ),
        Bad('''
            import boto3
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

            app = APIGatewayRestResolver()
            processor = BatchProcessor(event_type=EventType.SQS)

            @app.get("/orders/<order_id>")
            def get_order(order_id):
                table = boto3.resource("dynamodb").Table("orders")  # expect
                return table.get_item(Key={"id": order_id})

            def record_handler(record):
                boto3.client("sns").publish(TopicArn="arn", Message=record.body)  # expect

            def lambda_handler(event, context):
                if "Records" in event:
                    return process_partial_response(event=event, record_handler=record_handler, processor=processor)
                return app.resolve(event, context)
        '''),
        Good('''
            import boto3

            def lambda_handler(event, context):
                with open("/tmp/out", "w") as out:
                    out.write("x")
                return "ok"

            def build_clients_for_cli():
                return boto3.client("s3")

            if __name__ == "__main__":
                build_clients_for_cli()
        '''),
        Bad('''
            from mycorp.aws import tracked_client

            def lambda_handler(event, context):
                return tracked_client("s3")  # expect
        ''', config={"extra-clients": ["mycorp.aws.tracked_client"]}),
    ]
