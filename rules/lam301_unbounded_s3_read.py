"""LAM301 unbounded-s3-read."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.resources import (
    S3_BODY_FULL_READS,
    S3_BODY_KEY,
    S3_BODY_SIZED_READS,
    S3_GET_OBJECT_OPERATIONS,
    S3_RANGE_KEYWORD,
    S3_RESOURCE_GET_METHODS,
    S3_SIZE_KEYS,
)
from lambdalint.literals import string_value
from lambdalint.model import CallGraph, FunctionInfo, ModuleModel
from lambdalint.model.dataflow import returned_values, scope_binding
from lambdalint.walk import children

from ._network import is_none, keyword_arg, literal_seconds, positional_args, written
from ._resources import with_binding

# Names followed back to the expression they were bound to.
_MAX_HOPS = 6
# Where an expression is when it is not in the file being checked: its module and function.
_Place = tuple[ModuleModel, "FunctionInfo | None"]


class UnboundedS3Read(Rule):
    """
    ## What it does
    Flags `get_object(...)["Body"].read()` with no size and no `Range=` in invocation
    scope: on the response of a client's `get_object`, of the resource API's
    `Object(...).get()` (`s3.Object(b, k).get()["Body"].read()`,
    `bucket.Object(k).get()`, `obj.get()`), directly or through variables
    (`resp = s3.get_object(...)`, `body = resp["Body"]`, `body.read()`), including
    `with resp["Body"] as body:` and `aioboto3`'s awaited calls. `readlines()` on
    such a body is flagged too: it also reads everything.

    ## Why is this bad?
    `read()` with no size loads the whole object into the function's memory, and a
    second copy often follows (`.decode()`, `json.loads`). An object larger than the
    memory you configured ends the invocation with "Runtime exited with error:
    signal: killed", and objects arrive from users, from other systems, or grow over
    time. Stream it instead: `body.iter_chunks()` or `body.iter_lines()`, `read(n)`
    in a loop, `download_file` to `/tmp` (which is bounded by its own configured
    size), or fetch only the bytes you need with `Range="bytes=0-1023"`.

    Not flagged: `read(n)` with a size, ranged GETs (`Range=`), calls that pass
    `**kwargs`, functions that look at the response's `ContentLength` (they decide
    how much to read), and reads that run once per environment (at module scope, in
    code only module scope runs, lazy initialisation, `functools.cache`d loaders:
    configuration loaded once). A body the analysis cannot trace back to a
    `get_object` or `.get()` call (returned by a helper in another module, stored on
    `self`) is not seen either. Nor is code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: streaming changes how the rest of the code consumes the data.

    ## References
    - [boto3: StreamingBody](https://botocore.amazonaws.com/v1/documentation/api/latest/reference/response.html)
    - [Amazon S3: GetObject `Range`](https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax)
    - [Configure Lambda function memory](https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html)
    """

    code = "LAM301"
    name = "unbounded-s3-read"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # Fires only in invocation scope: files no handler reaches skip it.
    scope_only = True
    # Every traced shape reads the response's `"Body"` key by name.
    words = (S3_BODY_KEY,)
    tags = ("memory", "s3")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in S3_BODY_SIZED_READS:
            if self._has_size(node):
                return
        elif method not in S3_BODY_FULL_READS:
            return
        ctx = self.ctx
        if not ctx.in_invocation_scope or ctx.is_lazy_init(node):
            return
        request = self._body_source(func.value, 0)
        if request is None or self._checks_size():
            return
        how = "with no size" if method in S3_BODY_SIZED_READS else ""
        shown = f"`{written(func)}()`"
        self.report(
            node,
            f"{shown} {how + ' ' if how else ''}reads the whole S3 object into memory "
            f"({ctx.scope_note()}), however large it is; stream it (`iter_chunks()`, "
            "`iter_lines()`, `read(n)` in a loop) or fetch a byte `Range=`",
        )

    @staticmethod
    def _has_size(call: cst.Call) -> bool:
        if any(arg.star for arg in call.args):
            return True
        size = keyword_arg(call, "amt")
        if size is None:
            positional = positional_args(call)
            size = positional[0] if positional else None
        if size is None or is_none(size.value):
            return False
        value = literal_seconds(size.value)
        return value is None or value >= 0

    # -- tracing the body back to its request ---------------------------------------------

    def _body_source(self, expr: object, hops: int, place: _Place | None = None) -> cst.Call | None:
        """The `get_object`/`.get()` call whose `["Body"]` this expression is. ``place``:
        the module and function the expression is in when it is not the current
        file's (a helper's return value)."""
        if hops > _MAX_HOPS:
            return None
        if isinstance(expr, cst.Await):
            return self._body_source(expr.expression, hops + 1, place)
        if isinstance(expr, cst.Name):
            return self._body_source(self._binding(expr, place), hops + 1, place)
        if isinstance(expr, cst.Subscript):
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index) \
                    and string_value(expr.slice[0].slice.value) == S3_BODY_KEY:
                return self._response_source(expr.value, hops + 1, place)
            return None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and expr.func.attr.value == "get" and expr.args \
                and string_value(expr.args[0].value) == S3_BODY_KEY:
            return self._response_source(expr.func.value, hops + 1, place)  # resp.get("Body")
        if isinstance(expr, cst.Call):
            # A body a project function returns (`open_body(key).read()`), in any module.
            for value_model, function, value in self._returned(expr, place):
                found = self._body_source(value, hops + 1, (value_model, function))
                if found is not None:
                    return found
        return None

    def _response_source(self, expr: object, hops: int, place: _Place | None = None) -> cst.Call | None:
        if hops > _MAX_HOPS:
            return None
        if isinstance(expr, cst.Await):
            return self._response_source(expr.expression, hops + 1, place)
        if isinstance(expr, cst.Name):
            return self._response_source(self._binding(expr, place), hops + 1, place)
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
            return None
        if any(arg.star for arg in expr.args) or keyword_arg(expr, S3_RANGE_KEYWORD) is not None:
            return None
        method = expr.func.attr.value
        if method in S3_GET_OBJECT_OPERATIONS:
            return expr
        if method in S3_RESOURCE_GET_METHODS and not positional_args(expr) \
                and self._maybe_s3_object(expr.func.value, place):
            return expr
        return None

    def _maybe_s3_object(self, receiver: cst.BaseExpression, place: _Place | None = None) -> bool:
        """`.get()` with no key is not a dict lookup; on a receiver we can type it must
        be an S3 `Object`/`ObjectSummary` resource."""
        if place is None:
            qualified = self.ctx.qualify(receiver)
        else:
            qualified = place[0].qualify(receiver, place[1])
        if qualified is None:
            return True
        return qualified.endswith(("Object()", "ObjectSummary()", "ObjectVersion()"))

    def _binding(self, name: cst.Name, place: _Place | None = None) -> object:
        """What the name is bound to: the innermost `with ... as name` first, then its
        binding (in a helper: its binding there)."""
        if place is None:
            return with_binding(self.ctx, name.value) or self.ctx.binding_of(name.value)
        return scope_binding(place[0], place[1], name.value)

    def _returned(self, call: cst.Call, place: _Place | None) -> list[tuple[ModuleModel, FunctionInfo, cst.BaseExpression]]:
        """The values the project functions a call reaches return, with where they are."""
        model, function = place if place is not None else (self.ctx.model, self.ctx.function)
        project = model.project
        if not isinstance(project, CallGraph):
            return []
        return returned_values(project, model, call, function)

    def _checks_size(self) -> bool:
        """Whether the function reads `ContentLength` (it decides how much to read)."""
        function = self.ctx.function
        if function is None:
            return False
        return self.ctx.kept("LAM301: reads the object size", function, lambda: _reads_size(function))

    examples = [
        Bad('''
            import json
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                obj = s3.get_object(Bucket=event["bucket"], Key=event["key"])
                return json.loads(obj["Body"].read())  # expect
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                obj = s3.get_object(Bucket=event["bucket"], Key=event["key"])
                count = 0
                for line in obj["Body"].iter_lines():
                    count += bool(line.strip())
                return count
        '''),
        Bad('''
            import boto3

            s3 = boto3.client("s3")
            s3r = boto3.resource("s3")

            def lambda_handler(event, context):
                resp = s3.get_object(Bucket="data", Key=event["key"])
                body = resp["Body"]
                raw = body.read()  # expect
                meta = s3r.Object("data", "meta.json").get()["Body"].read()  # expect
                lines = s3r.Bucket("data").Object(event["key"]).get()["Body"].readlines()  # expect
                return raw, meta, lines
        '''),
        Bad('''
            def load(obj):
                return obj.get()["Body"].read(None)  # expect

            def lambda_handler(event, context):
                import boto3
                return load(boto3.resource("s3").Object(event["b"], event["k"]))
        '''),
        Bad('''
            import aioboto3

            session = aioboto3.Session()

            async def fetch(key):
                async with session.client("s3") as s3:
                    response = await s3.get_object(Bucket="data", Key=key)
                    async with response["Body"] as stream:
                        return await stream.read()  # expect

            def lambda_handler(event, context):
                import asyncio
                return asyncio.run(fetch(event["key"]))
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")
            MAX_BYTES = 5 * 1024 * 1024

            def lambda_handler(event, context):
                header = s3.get_object(Bucket="data", Key=event["key"], Range="bytes=0-1023")["Body"].read()
                head = s3.get_object(Bucket="data", Key=event["key"])["Body"].read(MAX_BYTES)
                return header, head
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")
            LIMIT = 10 * 1024 * 1024

            def lambda_handler(event, context):
                obj = s3.get_object(Bucket="data", Key=event["key"])
                if obj["ContentLength"] > LIMIT:
                    raise ValueError("object too large")
                return obj["Body"].read()
        '''),
        Good('''
            import json
            import boto3

            s3 = boto3.client("s3")
            SETTINGS = json.loads(s3.get_object(Bucket="config", Key="settings.json")["Body"].read())

            def lambda_handler(event, context):
                with open("/tmp/report.csv") as f:
                    text = f.read()
                message = {"Body": "x"}
                return SETTINGS[event["key"]], text, message["Body"]
        '''),
    ]


def _reads_size(function: FunctionInfo) -> bool:
    """Whether the function mentions `ContentLength` (or another size key)."""
    stack: list[cst.CSTNode] = [function.node.body]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.SimpleString):
            if string_value(current) in S3_SIZE_KEYS:
                return True
        elif isinstance(current, cst.Attribute) and current.attr.value in S3_SIZE_KEYS:
            return True
        stack.extend(children(current))
    return False
