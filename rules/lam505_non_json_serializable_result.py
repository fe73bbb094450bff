"""LAM505 non-json-serializable-result."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.model.event_sources import key_read

from ._events import code_of, has_star_kwargs, is_dynamodb_table, resolve_name, shorten

_MAX_DEPTH = 4
_DYNAMODB_ITEM = "a DynamoDB item"
_SERIALIZER_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in ev.JSON_SERIALIZERS)
_DATE_ARITHMETIC = frozenset({"a datetime", "a date", "a timedelta"})


class NonJsonSerializableResult(Rule):
    """
    ## What it does
    Flags values the JSON encoder rejects where they get encoded: passed to
    `json.dumps`/`json.dump` without `default=` or `cls=`, or returned by a handler.
    It knows set and bytes literals, `set()`/`frozenset()`/`bytes()`, `datetime`,
    `date`, `time` and `timedelta` objects, `Decimal`, `UUID`, and items read with
    the DynamoDB resource API (`Table.get_item(...)["Item"]`, `query`/`scan`
    `["Items"]`), whose numbers arrive as `Decimal`, directly, inside dict, list and
    tuple displays, and through names assigned one of those.

    ## Why is this bad?
    The encoding happens after the work is done: the item was written, the message
    sent, and then `TypeError: Object of type Decimal is not JSON serializable`
    fails the invocation. API clients get a 502, asynchronous and stream sources
    retry the whole event (repeating the side effects), and the error only shows
    for the data that triggers it, often not in tests.

    A handler's own return value is encoded by the Lambda runtime, whose encoder
    accepts `Decimal` (as a number) and bytes, so for returns only sets, dates and
    times, and UUIDs are flagged; `json.dumps` accepts none of them. Pass
    `default=str` (or a `cls=` encoder) to `json.dumps`, or convert the value first
    (`list(...)`, `.isoformat()`, `int(...)`).

    Not flagged: `json.dumps` calls that pass `default=` or `cls=` (or `**kwargs`,
    which may hold one), a value passed by keyword or unpacked (`*args`), a
    handler's returned `Decimal` or bytes (the runtime encodes them), items of the
    low-level DynamoDB client (`boto3.client("dynamodb")`, whose typed attribute
    values are strings), and values whose type the rule cannot see: parameters,
    results of other calls, attributes, and names bound to different values. The rule
    checks every file, test files and scripts included: the encoder fails there too.

    ## Fix safety
    No automatic fix: which conversion is right (`float` or `str` for a `Decimal`,
    an ISO date or a timestamp) depends on the consumer of the JSON.

    ## References
    - [`json.dumps` and `default`](https://docs.python.org/3/library/json.html#json.dumps)
    - [Define Lambda function handlers in Python: returning a value](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)
    - [Boto3 DynamoDB: numbers are returned as `Decimal`](https://boto3.amazonaws.com/v1/documentation/api/latest/reference/customizations/dynamodb.html)
    """

    code = "LAM505"
    name = "non-json-serializable-result"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("dump", "return")
    # Outside invocation scope only the `json.dumps` check applies.
    free_words = ("dumps",)
    tags = ("errors", "responses")

    examples = [
        Bad('''
            import json
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def lambda_handler(event, context):
                item = table.get_item(Key={"id": event["pathParameters"]["id"]})["Item"]
                return {"statusCode": 200, "body": json.dumps(item)}  # expect
        '''),
        Good('''
            import json
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def lambda_handler(event, context):
                item = table.get_item(Key={"id": event["pathParameters"]["id"]})["Item"]
                return {"statusCode": 200, "body": json.dumps(item, default=str)}
        '''),
        Bad('''
            import datetime
            from decimal import Decimal
            import json as j

            def lambda_handler(event, context):
                tags = {"a", "b"}
                summary = {"at": datetime.datetime.now(), "total": Decimal("9.99")}
                print(j.dumps({"tags": tags}))  # expect
                print(j.dumps(summary))  # expect
                return {"tags": tags, "count": len(tags)}  # expect
        '''),
        Good('''
            import datetime
            import json

            def lambda_handler(event, context):
                now = datetime.datetime.now(datetime.timezone.utc)
                return {"at": now.isoformat(), "tags": sorted({"a", "b"}), "raw": json.dumps(list({1, 2}))}
        '''),
        Bad('''
            import boto3
            from datetime import date, datetime, timedelta, timezone

            def handler(event, context):
                cutoff = datetime.now(timezone.utc) - timedelta(days=30)
                if event.get("day"):
                    return {"day": date.today()}  # expect
                return {"deleted": [], "before": cutoff}  # expect
        '''),
        Good('''
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def lambda_handler(event, context):
                return table.query(KeyConditionExpression="pk = :p")["Items"]
        '''),
        Bad('''
            from json import dumps as encode

            def lambda_handler(event, context):
                return {"statusCode": 200, "body": encode({"ids": {1, 2}})}  # expect
        '''),
        Good('''
            import json
            import boto3

            dynamodb = boto3.client("dynamodb")

            class Encoder(json.JSONEncoder):
                def default(self, o):
                    return str(o)

            def lambda_handler(event, context):
                item = dynamodb.get_item(TableName="t", Key={"id": {"S": "1"}})["Item"]
                response = boto3.resource("dynamodb").Table("t").scan()
                return json.dumps(item) + json.dumps(response["Items"], cls=Encoder)
        '''),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        # `json.dumps`, `j.dumps`; a bare name may be an alias (`from json import dumps as encode`).
        if not node.args or (isinstance(func, cst.Attribute) and func.attr.value not in _SERIALIZER_NAMES):
            return
        ctx = self.ctx
        if ctx.qualify(func) not in ev.JSON_SERIALIZERS:
            return
        if has_star_kwargs(node) or any(
                arg.keyword is not None and arg.keyword.value in ev.JSON_ENCODER_KEYWORDS for arg in node.args):
            return
        first = node.args[0]
        if first.keyword is not None or first.star:
            return
        found = self._unsafe(first.value, 0, runtime=False)
        if found is None:
            return
        what, where = found
        self.report(
            node,
            f"`{code_of(node.func)}(...)` serialises {what}{where}, which the JSON encoder rejects "
            "(`TypeError` after the work is done); pass `default=str` or a `cls=` encoder, or convert it first",
        )

    def visit_Return(self, node: cst.Return) -> None:
        ctx = self.ctx
        function = ctx.function
        if node.value is None or function is None:
            return
        profile = ctx.event_sources()
        if profile is None or profile.entry.kind != "handler" or profile.entry.function is not function:
            return
        found = self._unsafe(node.value, 0, runtime=True)
        if found is None:
            return
        what, where = found
        self.report(
            node.value,
            f"the handler returns {what}{where}, which the Lambda runtime cannot encode as JSON: "
            "the invocation fails after the work is done; convert it first (`list(...)`, `.isoformat()`, `str(...)`)",
        )

    def _unsafe(self, expr: cst.BaseExpression, depth: int, runtime: bool) -> tuple[str, str] | None:
        """(what, where) for a value the encoder rejects, else None; ``where`` shows the way
        to it (`` (`summary["at"]`)``)."""
        found = self._find(expr, depth, runtime)
        if found is None:
            return None
        what, path, named = found
        notes = [f"`{path}`" if named else f"at `{path}`"] if path else []
        if what == _DYNAMODB_ITEM:
            notes.append("its numbers are `Decimal`")
        return what, f" ({', '.join(notes)})" if notes else ""

    def _find(self, expr: cst.BaseExpression, depth: int, runtime: bool) -> tuple[str, str, bool] | None:
        if depth > _MAX_DEPTH:
            return None
        what = self._kind(expr)
        if what is not None:
            if runtime and what in ev.RUNTIME_ENCODABLE:
                return None
            return what, "", False
        inner: list[tuple[str, cst.BaseExpression]] = []
        if isinstance(expr, cst.Dict):
            inner = [(f"[{shorten(code_of(e.key), 20)}]", e.value)
                     for e in expr.elements if isinstance(e, cst.DictElement)]
        elif isinstance(expr, (cst.List, cst.Tuple)):
            inner = [(f"[{i}]", e.value) for i, e in enumerate(expr.elements) if isinstance(e, cst.Element)]
        elif isinstance(expr, cst.Name):
            bound = resolve_name(self.ctx.model, self.ctx.function, expr, hops=1)
            if bound is not expr:
                found = self._find(bound, depth + 1, runtime)
                if found is not None and not found[2]:
                    return found[0], expr.value + found[1], True
                return found
        for step, value in inner:
            found = self._find(value, depth + 1, runtime)
            if found is not None:
                return found if found[2] else (found[0], step + found[1], False)
        return None

    def _kind(self, expr: cst.BaseExpression, depth: int = 0) -> str | None:
        ctx = self.ctx
        if isinstance(expr, (cst.Set, cst.SetComp)):
            return "a set"
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            prefix = expr.prefix if isinstance(expr, cst.SimpleString) else ""
            return "bytes" if "b" in prefix.lower() else None
        if isinstance(expr, cst.Call):
            kind = ev.JSON_UNSAFE_CALLS.get(ctx.qualify(expr.func) or "")
            if kind is not None:
                return kind
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Subtract)) \
                and depth < _MAX_DEPTH:
            # `now - timedelta(days=1)` is still a datetime.
            left = self._kind(resolve_name(ctx.model, ctx.function, expr.left, hops=1), depth + 1)
            if left in _DATE_ARITHMETIC:
                return left
        return _DYNAMODB_ITEM if self._dynamodb_items(expr, 0) else None

    def _dynamodb_items(self, expr: cst.BaseExpression, depth: int) -> bool:
        """`table.get_item(...)["Item"]`, `table.query(...)["Items"]` (also via a response name)."""
        read = key_read(expr) if isinstance(expr, (cst.Subscript, cst.Call)) else None
        if read is None or depth > 2:
            return False
        key, base = read
        base = resolve_name(self.ctx.model, self.ctx.function, base, hops=1)
        if not isinstance(base, cst.Call) or not isinstance(base.func, cst.Attribute):
            return False
        operation = base.func.attr.value
        return ev.DYNAMODB_ITEM_READS.get(operation) == key and is_dynamodb_table(self.ctx, base.func.value)
