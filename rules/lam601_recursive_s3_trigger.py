"""LAM601 recursive-s3-trigger."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.literals import string_ends
from lambdalint.model import FunctionInfo
from lambdalint.templates.model import S3 as S3_TRIGGER

from ._events import (
    EventPath,
    argument,
    call_shown,
    code_of,
    event_path,
    exits,
    receiver_of,
    resolve_name,
    shorten,
    walk_with_parents,
)

_S3 = frozenset({"s3"})



# A SAM template whose S3 trigger is filtered to keys under `new/` (the examples below).
_TRIGGER_ON_NEW_PREFIX = {"template.yaml": '''
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Thumbnails:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: .
          Handler: app.lambda_handler
          Runtime: python3.13
          Events:
            Upload:
              Type: S3
              Properties:
                Bucket: !Ref Photos
                Events: s3:ObjectCreated:*
                Filter:
                  S3Key:
                    Rules:
                      - Name: prefix
                        Value: new/
      Photos:
        Type: AWS::S3::Bucket
'''}

class RecursiveS3Trigger(Rule):
    """
    ## What it does
    Flags writes to the bucket named in the triggering S3 event: client
    `put_object`, `copy_object`, `upload_file`, `upload_fileobj`, `copy`,
    `create_multipart_upload`, and the resource API's `Object(bucket, key).put(...)`,
    `Bucket(bucket).put_object(...)`/`upload_file(...)`/`copy(...)`, when the bucket is
    the `["s3"]["bucket"]["name"]` the event carries (directly, through variables, or
    passed to a helper). The client may be built where the write is, at module scope,
    in another module, or by a project factory (`create_client("s3")`, `s3_client()`
    returning `boto3.client(...)`).

    ## Why is this bad?
    An object created in the bucket fires the same `s3:ObjectCreated` notification
    that invoked the function, so each write invokes it again: an endless loop that
    runs up cost and concurrency until someone notices. AWS's recursive-loop
    detection does not cover S3. Write the output to another bucket, or under a
    prefix the trigger's filter excludes, and make the function skip keys under that
    prefix.

    Not flagged: writes to another bucket (a constant, an environment variable),
    and writes in a function that tests the object key before writing (a
    `startswith`/`endswith`/regex or comparison on the key that skips with `return`,
    `continue` or `raise`, or that the write sits under): that is the usual guard
    that stops the loop after one round. Nor is code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    Nor writes the trigger's own key filter keeps out. When the deployment templates
    (SAM, CloudFormation, serverless.yml, CDK in Python or TypeScript) declare the
    S3 notifications that invoke the function, and every one of them filters keys
    by a prefix or suffix the written key cannot have, the write fires nothing: a
    trigger on `new/` and a write under `processed/` (a literal key, or one that
    starts with the literal part of an f-string or `+`), or a trigger on `.jpg` and
    a write of a `.png` key. A function with no S3 trigger in any template (or
    with one without a filter, or one the template computes) is judged as above.

    ## Fix safety
    No automatic fix: the destination is a design decision.

    ## References
    - [Using an Amazon S3 trigger to invoke a Lambda function (the recursion warning)](https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html)
    - [AWS Lambda best practices: avoid recursive invocations](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [Lambda recursive loop detection (which services it covers)](https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html)
    """

    code = "LAM601"
    name = "recursive-s3-trigger"
    scope_only = True
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("bucket",)
    tags = ("event-sources", "recursion", "cost")

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    bucket = record["s3"]["bucket"]["name"]
                    body = s3.get_object(Bucket=bucket, Key="in.csv")["Body"].read(1024)
                    s3.put_object(Bucket=bucket, Key="out.csv", Body=body)  # expect
        '''),
        Good('''
            import os
            import boto3

            s3 = boto3.client("s3")
            OUTPUT_BUCKET = os.environ["OUTPUT_BUCKET"]

            def lambda_handler(event, context):
                for record in event["Records"]:
                    bucket = record["s3"]["bucket"]["name"]
                    body = s3.get_object(Bucket=bucket, Key="in.csv")["Body"].read(1024)
                    s3.put_object(Bucket=OUTPUT_BUCKET, Key="out.csv", Body=body)
        '''),
        Bad('''
            import boto3

            s3 = boto3.resource("s3")

            def save(bucket_name, data):
                s3.Object(bucket_name, "report.json").put(Body=data)  # expect
                target = s3.Bucket(bucket_name)
                target.upload_file("/tmp/report.json", "report-copy.json")  # expect

            def handler(event, context):
                info = event["Records"][0]["s3"]
                save(info["bucket"]["name"], b"{}")
        '''),
        Bad('''
            from boto3 import client

            s3 = client("s3")

            def lambda_handler(event, context):
                src = event["Records"][0]["s3"]
                s3.copy_object(  # expect
                    Bucket=src["bucket"]["name"],
                    Key="copies/latest",
                    CopySource={"Bucket": src["bucket"]["name"], "Key": "x"},
                )
        '''),
        Good('''
            from urllib.parse import unquote_plus
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    bucket = record["s3"]["bucket"]["name"]
                    key = unquote_plus(record["s3"]["object"]["key"])
                    if key.startswith("processed/"):
                        continue
                    s3.put_object(Bucket=bucket, Key=f"processed/{key}", Body=b"")
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]
                bucket = record["s3"]["bucket"]["name"]
                key = record["s3"]["object"]["key"]
                if key.endswith(".csv"):
                    s3.upload_file("/tmp/out.parquet", bucket, key[:-4] + ".parquet")
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                bucket = event["bucket"]
                s3.put_object(Bucket=bucket, Key="x", Body=b"")
                archive = event["Records"][0]["s3"]["bucket"]["name"] + "-archive"
                s3.put_object(Bucket=archive, Key="x", Body=b"")
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    bucket = record["s3"]["bucket"]["name"]
                    name = record["s3"]["object"]["key"].rsplit("/", 1)[-1]
                    s3.put_object(Bucket=bucket, Key=f"processed/{name}", Body=b"")
        ''', files=_TRIGGER_ON_NEW_PREFIX),
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    bucket = record["s3"]["bucket"]["name"]
                    s3.put_object(Bucket=bucket, Key="new/thumbnail.jpg", Body=b"")  # expect
        ''', files=_TRIGGER_ON_NEW_PREFIX),
        Bad('''
            from shared.storage import save_report

            def lambda_handler(event, context):
                for record in event["Records"]:
                    save_report(record["s3"]["bucket"]["name"], b"report")
        ''', files={"shared/storage.py": '''
            import boto3 as b3

            s3 = b3.client("s3")

            def save_report(bucket, data):
                s3.upload_fileobj(data, bucket, "reports/latest.json")  # expect
        '''}),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        operation = func.attr.value
        if operation not in ev.S3_CLIENT_WRITES and operation not in ev.S3_RESOURCE_WRITES:
            return
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        bucket = self._bucket(func.value, operation, node)
        if bucket is None:
            return
        buckets = event_path(ctx, ev.S3_BUCKET_PATH)
        if buckets is None or not buckets.holds(ctx.model, ctx.function, bucket):
            return
        if self._guarded() or self._filtered_out(func.value, operation, node):
            return
        self.report(
            node,
            f"`{call_shown(node)}` writes to the bucket that triggered this function "
            f"(`{shorten(code_of(bucket), 40)}` comes from the S3 event): each new object can invoke "
            "it again, in an endless loop; write to another bucket, or under a prefix the trigger "
            "excludes and skip those keys",
        )

    def _bucket(self, receiver: cst.BaseExpression, operation: str, call: cst.Call) -> cst.BaseExpression | None:
        ctx = self.ctx
        owner = resolve_name(ctx.model, ctx.function, receiver)
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Attribute) \
                and owner.func.attr.value in ev.S3_RESOURCE_OWNERS:
            if operation not in ev.S3_RESOURCE_WRITES or not receiver_of(ctx, owner.func.value).may_be(_S3, True):
                return None
            return argument(owner, "bucket_name", ev.S3_RESOURCE_OWNERS[owner.func.attr.value])
        if operation not in ev.S3_CLIENT_WRITES or not receiver_of(ctx, receiver).may_be(_S3, True):
            return None
        keyword, position = ev.S3_CLIENT_WRITES[operation]
        return argument(call, keyword, position)

    def _filtered_out(self, receiver: cst.BaseExpression, operation: str, call: cst.Call) -> bool:
        """Every S3 trigger the templates declare for the entry points that run this
        code filters out the key written here (see the docstring)."""
        ctx = self.ctx
        filters: list[tuple[str | None, str | None]] = []
        for declared in ctx.declared_sources():
            triggers = [source for source in declared if getattr(source, "kind", None) == S3_TRIGGER]
            if not triggers:
                return False  # an entry point without a declared S3 trigger: nothing is known
            filters += [(source.prefix, source.suffix) for source in triggers]
        key = self._key(receiver, operation, call) if filters else None
        if key is None:
            return False
        model, function = ctx.model, ctx.function
        start, end, whole = string_ends(key, lambda name: resolve_name(model, function, name, 1))
        return all(_excludes(prefix, suffix, start, end, whole) for prefix, suffix in filters)

    def _key(self, receiver: cst.BaseExpression, operation: str, call: cst.Call) -> cst.BaseExpression | None:
        """The object key a write names (an argument of the call, or of `s3.Object(...)`)."""
        ctx = self.ctx
        owner = resolve_name(ctx.model, ctx.function, receiver)
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Attribute) \
                and owner.func.attr.value in ev.S3_RESOURCE_OWNERS:
            kind = owner.func.attr.value
            if kind in ev.S3_RESOURCE_OWNER_KEYS:
                return argument(owner, *ev.S3_RESOURCE_OWNER_KEYS[kind])
            if operation in ev.S3_BUCKET_WRITE_KEYS:
                return argument(call, *ev.S3_BUCKET_WRITE_KEYS[operation])
            return None
        if operation in ev.S3_CLIENT_WRITE_KEYS:
            return argument(call, *ev.S3_CLIENT_WRITE_KEYS[operation])
        return None

    def _guarded(self) -> bool:
        """The write depends on a test of the object key (`if key.startswith(...)`)."""
        ctx = self.ctx
        keys = event_path(ctx, ev.S3_KEY_PATH, loose=True)
        if keys is None:
            return False
        for ancestor in ctx.ancestors:
            if isinstance(ancestor, (cst.If, cst.While)) and self._tests_key(keys, ctx.function, ancestor.test):
                return True
        profile = ctx.event_sources()
        functions: list[FunctionInfo] = [f for f in [ctx.function] if f is not None]
        if profile is not None and profile.model is ctx.model:
            functions.append(profile.entry.function)
        for function in functions:
            for node, _ in walk_with_parents(function.node.body):
                if isinstance(node, cst.If) and exits(node.body) and self._tests_key(keys, function, node.test):
                    return True
        return False

    def _tests_key(self, keys: EventPath, function: FunctionInfo | None, test: cst.BaseExpression) -> bool:
        model = self.ctx.model
        for node, _ in walk_with_parents(test):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in ev.KEY_TEST_METHODS:
                operands = [node.func.value, *(a.value for a in node.args)]
                if any(keys.holds(model, function, o) for o in operands):
                    return True
            elif isinstance(node, cst.Comparison):
                operands = [node.left, *(t.comparator for t in node.comparisons)]
                if any(keys.holds(model, function, o) for o in operands):
                    return True
        return False


def _excludes(prefix: str | None, suffix: str | None, start: str, end: str, whole: str | None) -> bool:
    """A trigger filtered to ``prefix``/``suffix`` never fires for a key that starts with
    ``start`` and ends with ``end`` (``whole``: the key itself, when known)."""
    if prefix:
        if whole is not None:
            if not whole.startswith(prefix):
                return True
        elif start and not start.startswith(prefix) and not prefix.startswith(start):
            return True
    if suffix:
        if whole is not None:
            if not whole.endswith(suffix):
                return True
        elif end and not end.endswith(suffix) and not suffix.endswith(end):
            return True
    return False
