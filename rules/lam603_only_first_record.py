"""LAM603 only-first-record."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.model import EVENT, EventProfile, FunctionInfo, analyses
from lambdalint.model.event_sources import key_read, own_nodes, string_index
from lambdalint.templates.model import SNS as SNS_TRIGGER

from ._events import code_of, literal_int, resolve_name, walk_with_parents

# Calls that only measure the record list.
_MEASURES = frozenset({"builtins.len", "builtins.bool"})


class OnlyFirstRecord(Rule):
    """
    ## What it does
    Flags a handler that reads `event["Records"][0]` (also `.get("Records")[0]`, a
    Powertools event's `records[0]`, or a variable holding the list) and never
    iterates the record list or hands it to anything that could: no `for` loop or
    comprehension over it, no other index, no call that receives the list.

    ## Why is this bad?
    SQS, Kinesis and DynamoDB Streams deliver batches (up to 10 SQS messages by
    default, up to 10,000 records from a stream), and S3 notifications are a list
    too. Reading only the first record processes one item and reports success for
    the whole batch: the other messages are deleted or the stream moves past them,
    silently lost. Loop over `event["Records"]`, or, if one record per invocation
    is really required, configure a batch size of 1 and assert `len(...) == 1`.

    Not flagged: SNS records (`...[0]["Sns"]`, or a handler that reads `Sns`), since
    SNS invokes a function with exactly one record; a function every template that
    deploys it gives batches of one record (`BatchSize: 1`, `batchSize: 1`,
    `batch_size=1` on each of its SQS, Kinesis and DynamoDB sources); code that
    checks the length against 1 (`if len(event["Records"]) != 1: raise ...`); and
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: turning the body into a loop changes error handling and the
    response.

    ## References
    - [Using Lambda with Amazon SQS: batch size](https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html)
    - [Lambda event source mappings: batching behavior](https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html#invocation-eventsourcemapping-batching)
    - [Using Lambda with Amazon SNS (one record per invocation)](https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html)
    """

    code = "LAM603"
    name = "only-first-record"
    scope_only = True
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = ("Records", "records")
    tags = ("event-sources", "data-loss")

    examples = [
        Bad('''
            import json

            def lambda_handler(event, context):
                message = json.loads(event["Records"][0]["body"])  # expect
                save(message)
                return {"ok": True}
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                for record in event["Records"]:
                    save(json.loads(record["body"]))
                return {"ok": True}
        '''),
        Bad('''
            from urllib.parse import unquote_plus

            def handler(event, context):
                records = event.get("Records", [])
                if not records:
                    return
                first = records[0]  # expect
                bucket = event["Records"][0]["s3"]["bucket"]["name"]
                key = unquote_plus(first["s3"]["object"]["key"])
                return bucket, key
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                message = json.loads(event["Records"][0]["Sns"]["Message"])
                return message["orderId"]
        '''),
        Good('''
            def lambda_handler(event, context):
                record = event["Records"][0]
                payload = record["Sns"]["Message"]
                return payload
        '''),
        Good('''
            def lambda_handler(event, context):
                if len(event["Records"]) != 1:
                    raise ValueError("configure BatchSize: 1")
                return handle(event["Records"][0]["body"])
        '''),
        Good('''
            def lambda_handler(event, context):
                first = event["Records"][0]
                rest = process_all(event["Records"])
                return first["eventID"], rest
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                message = json.loads(event["Records"][0]["body"])
                return message["JobId"]
        ''', files={"template.yaml": '''
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Results:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: app.lambda_handler
                  Runtime: python3.12
                  Events:
                    Jobs:
                      Type: SQS
                      Properties:
                        Queue: !GetAtt JobsQueue.Arn
                        BatchSize: 1
        '''}),
        Bad('''
            from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source

            @event_source(data_class=SQSEvent)
            def lambda_handler(event: SQSEvent, context):
                record = list(event.records)[0]  # expect
                return record.body
        '''),
    ]

    def begin_file(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().begin_file(ctx)
        self._reported: set[int] = set()

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index) \
                or literal_int(node.slice[0].slice.value) != 0:
            return
        ctx = self.ctx
        function = ctx.function
        if function is None or id(function) in self._reported:
            return
        profile = ctx.event_sources()
        if profile is None or profile.has(ev.SNS) or not self._record_list(profile, function, node.value):
            return
        if self._sns_read(node):
            return
        entry = profile.entry.function
        scopes = [function] if function is entry else [function, entry]
        if any(self._iterates(profile, f) for f in scopes):
            return
        if self._one_record_per_invocation(function):
            return
        self._reported.add(id(function))
        kind = profile.describe(profile.record_sources)
        batch = f"an {kind} event" if kind and kind[0] in "AEIOS" else (f"a {kind} event" if kind else "an event")
        self.report(
            node,
            f"`{code_of(node)}` reads only the first record and `{entry.name}` never iterates the "
            f"records: {batch} can carry several, and the rest are dropped as if processed; loop over "
            "all of them",
        )

    def _one_record_per_invocation(self, function: FunctionInfo) -> bool:
        """Every entry point that runs this code has event sources the templates declare,
        and each of them delivers one record at a time: SNS, or a batch source whose
        `BatchSize` is 1."""
        declared = analyses.declared_sources(self.ctx.model, function)
        return bool(declared) and all(
            sources and all(getattr(s, "kind", None) == SNS_TRIGGER or getattr(s, "batch_size", None) == 1
                            for s in sources)
            for sources in declared)

    def _record_list(self, profile: EventProfile, function: FunctionInfo, expr: cst.BaseExpression) -> bool:
        """The record list itself (not one record)."""
        model = self.ctx.model
        resolved = resolve_name(model, function, expr)
        if isinstance(resolved, cst.Call) and resolved.args and \
                (model.qualify(resolved.func, function) or "") in ev.RECORD_PASS_THROUGH:
            resolved = resolve_name(model, function, resolved.args[0].value)
        return _raw_records(model, function, resolved)

    def _sns_read(self, node: cst.Subscript) -> bool:
        ancestors = self.ctx.ancestors
        parent = ancestors[-2] if len(ancestors) >= 2 else None
        read = key_read(parent) if isinstance(parent, cst.Subscript) else None
        if read is None and isinstance(parent, cst.Attribute) and len(ancestors) >= 3:
            read = key_read(ancestors[-3])
        return read is not None and read[0] == "Sns"

    def _iterates(self, profile: EventProfile, function: FunctionInfo) -> bool:
        """The function loops over the record list, indexes it otherwise, or hands it on."""
        model = self.ctx.model
        if any(loop.function is function for loop in profile.record_loops):
            return True
        parents: dict[int, cst.CSTNode | None] = {}
        for node, parent in walk_with_parents(function.node.body):
            parents[id(node)] = parent
        for node in own_nodes(function):
            if not isinstance(node, cst.BaseExpression):
                continue
            if not (_raw_records(model, function, node)
                    or (isinstance(node, cst.Name) and self._record_list(profile, function, node))):
                continue
            parent = parents.get(id(node))
            if isinstance(parent, cst.Subscript) and parent.value is node:
                index = parent.slice[0].slice if len(parent.slice) == 1 else None
                if not (isinstance(index, cst.Index) and literal_int(index.value) == 0):
                    return True
            elif isinstance(parent, cst.Arg):
                call = parents.get(id(parent))
                if isinstance(call, cst.Call) and (model.qualify(call.func, function) or "") in _MEASURES:
                    if self._single_check(parents, call):
                        return True
                elif isinstance(call, cst.Call) and (model.qualify(call.func, function) or "") \
                        not in ev.RECORD_PASS_THROUGH:
                    return True
            elif isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
                return True
            elif isinstance(parent, (cst.StarredElement,)):
                return True
        return False

    @staticmethod
    def _single_check(parents: dict[int, cst.CSTNode | None], call: cst.Call) -> bool:
        """`len(records) == 1` (or `!=`, `>`, `<=` against 1): one record on purpose."""
        comparison = parents.get(id(call))
        if not isinstance(comparison, cst.Comparison):
            return False
        operands = [comparison.left, *(t.comparator for t in comparison.comparisons)]
        return any(literal_int(o) == 1 for o in operands)


def _raw_records(model, function: FunctionInfo, expr: cst.BaseExpression) -> bool:  # type: ignore[no-untyped-def]
    """`event["Records"]`, `event.get("Records", ...)`, `event.records` on event data."""
    if isinstance(expr, cst.Subscript) and string_index(expr) == ev.RECORDS_KEY:
        return EVENT in analyses.labels_of(model, expr.value, function)
    if isinstance(expr, cst.Call):
        read = key_read(expr)
        return read is not None and read[0] == ev.RECORDS_KEY and EVENT in analyses.labels_of(model, read[1], function)
    if isinstance(expr, cst.Attribute) and expr.attr.value in ev.RECORDS_ATTRIBUTES:
        return EVENT in analyses.labels_of(model, expr.value, function)
    return False
