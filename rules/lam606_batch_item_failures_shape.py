"""LAM606 batch-item-failures-shape."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.literals import simple_value
from lambdalint.model import EventProfile, FunctionInfo
from lambdalint.model.event_sources import dict_key, key_read, own_nodes

from ._events import code_of, resolve_name, shorten

_MAX_DEPTH = 3
Env = dict[str, cst.BaseExpression]


class BatchItemFailuresShape(Rule):
    """
    ## What it does
    Flags a `batchItemFailures` response Lambda cannot use: entries that are not
    dicts keyed `itemIdentifier` (`{"itemIdentifer": ...}`, `{"ItemIdentifier": ...}`,
    `{"id": ...}`, or bare ids), empty or `None` identifiers, identifiers read from
    the wrong record field (`receiptHandle`, `eventID`, `body`, ...; SQS needs the
    record's `messageId`, Kinesis `kinesis.sequenceNumber`, DynamoDB Streams
    `dynamodb.SequenceNumber`), and a near miss of the response key itself
    (`BatchItemFailures`, `batch_item_failures`). Entries are followed through the
    list literal, a comprehension, or the `append`/`extend` calls that fill a list
    variable.

    ## Why is this bad?
    Lambda treats a malformed partial batch response as a failure of the whole
    batch: an entry with a wrong key name, an empty or null identifier, or an id
    that matches no record makes it retry every record, including the ones that
    succeeded. A misspelled `batchItemFailures` key is worse: the response counts
    as "no failures", and the records that failed are deleted as if processed.

    Not flagged: entries built with `**` (`{**entry, ...}`), identifiers the rule
    cannot trace to a record field (a parameter, a call's result), identifiers read
    from a field that is not one of the wrong ones above (a project's own id field
    may hold the record's id), near misses of `batchItemFailures` in a dict the
    function does not return or in a function whose entry point reads no batch
    records, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: the right identifier depends on the event source, which the
    code may not show.

    ## References
    - [Reporting batch item failures for SQS (valid and invalid responses)](https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting)
    - [Kinesis partial batch responses](https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html)
    - [DynamoDB Streams partial batch responses](https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html)
    """

    code = "LAM606"
    name = "batch-item-failures-shape"
    scope_only = True
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    # Every spelling of the key, right or wrong, contains this.
    words = ("ailure",)
    tags = ("event-sources", "retries")

    examples = [
        Bad('''
            def lambda_handler(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        handle(record["body"])
                    except Exception:
                        failures.append({"itemIdentifer": record["messageId"]})  # expect
                return {"batchItemFailures": failures}
        '''),
        Good('''
            def lambda_handler(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        handle(record["body"])
                    except Exception:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
        '''),
        Bad('''
            def lambda_handler(event, context):
                failed = [r["receiptHandle"] for r in event["Records"] if not handle(r["body"])]  # expect
                return {"batchItemFailures": [{"itemIdentifier": f} for f in failed]}

            def handler_two(event, context):
                bad = [r for r in event["Records"] if not handle(r["body"])]
                return {"batchItemFailures": [r["messageId"] for r in bad]}  # expect
        '''),
        Bad('''
            def lambda_handler(event, context):
                failures = []
                for record in event["Records"]:
                    if not process(record["kinesis"]["data"]):
                        failures.append({"itemIdentifier": record["eventID"]})  # expect
                return {"BatchItemFailures": failures}  # expect
        '''),
        Good('''
            def lambda_handler(event, context):
                failures = []
                for record in event["Records"]:
                    if not process(record["dynamodb"]["NewImage"]):
                        failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
                return {"batchItemFailures": failures}
        '''),
        Good('''
            def to_failures(ids):
                return {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}

            def lambda_handler(event, context):
                entry = {"itemIdentifier": event["Records"][0]["messageId"]}
                if not handle(event["Records"][0]["body"]):
                    return {"batchItemFailures": [entry]}
                return to_failures([])
        '''),
        Bad('''
            def lambda_handler(event, context):
                return {"batchItemFailures": [{"itemIdentifier": ""}]}  # expect
        '''),
    ]

    def begin_file(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().begin_file(ctx)
        self._seen: set[int] = set()

    def visit_Dict(self, node: cst.Dict) -> None:
        ctx = self.ctx
        function = ctx.function
        if function is None:
            return
        profile = ctx.event_sources()
        element = dict_key(node, ev.BATCH_ITEM_FAILURES) or self._near_miss(node, function, profile)
        if element is None:
            return
        for entry, env in self._entries(element.value, function, 0, {}):
            for where, problem in self._problems(entry, env, function, profile):
                if id(where) not in self._seen:
                    self._seen.add(id(where))
                    self.report(where, problem)

    # -- the response key ------------------------------------------------------------

    def _near_miss(self, node: cst.Dict, function: FunctionInfo,
                   profile: EventProfile | None) -> cst.DictElement | None:
        """A misspelt `batchItemFailures` key of a returned dict (reported here)."""
        if profile is None or not (profile.batch_sources or profile.reads_records):
            return None
        if not self._returned(node, function):
            return None
        for element in node.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                continue
            key = simple_value(element.key)
            if isinstance(key, str) and key != ev.BATCH_ITEM_FAILURES and _squash(key) in _NEAR_MISSES:
                self.report(
                    element.key,
                    f"`{key}` is not the partial batch response key `{ev.BATCH_ITEM_FAILURES}`: Lambda "
                    "sees no failures and deletes the failed records as if processed",
                )
                return element
        return None

    def _returned(self, node: cst.Dict, function: FunctionInfo) -> bool:
        if any(value is node for value in function.returns):
            return True
        names = {v.value for v in function.returns if isinstance(v, cst.Name)}
        return any(value is node and names.intersection(targets) for targets, value in function.assignments)

    # -- the entries ---------------------------------------------------------------------

    def _entries(self, value: cst.BaseExpression, function: FunctionInfo, depth: int,
                 env: Env) -> list[tuple[cst.BaseExpression, Env]]:
        """The expressions that become elements of the list, each with the comprehension
        variables in scope there (name -> the list it iterates)."""
        if depth > _MAX_DEPTH:
            return []
        if isinstance(value, (cst.List, cst.Tuple)):
            found: list[tuple[cst.BaseExpression, Env]] = []
            for element in value.elements:
                if isinstance(element, cst.StarredElement):
                    found += self._entries(element.value, function, depth + 1, env)
                else:
                    found.append((element.value, env))
            return found
        if isinstance(value, (cst.ListComp, cst.GeneratorExp)):
            inner = dict(env)
            comp: cst.CompFor | None = value.for_in
            while comp is not None:
                if isinstance(comp.target, cst.Name):
                    inner[comp.target.value] = comp.iter
                comp = comp.inner_for_in
            return [(value.elt, inner)]
        if isinstance(value, cst.Name):
            if value.value in env:
                return []
            return self._filled(value.value, function, depth, env)
        return []

    def _filled(self, name: str, function: FunctionInfo, depth: int,
                env: Env) -> list[tuple[cst.BaseExpression, Env]]:
        """What a local list receives: its initial value, `append`, `extend`, `+=`."""
        found: list[tuple[cst.BaseExpression, Env]] = []
        for targets, assigned in function.assignments:
            if targets == [name]:
                found += self._entries(assigned, function, depth + 1, env)
        for node in own_nodes(function):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and isinstance(node.func.value, cst.Name) and node.func.value.value == name and node.args:
                method = node.func.attr.value
                if method in ("append", "insert"):
                    found.append((node.args[-1].value, env))
                elif method == "extend":
                    found += self._entries(node.args[0].value, function, depth + 1, env)
        return found

    def _problems(self, entry: cst.BaseExpression, env: Env, function: FunctionInfo,
                  profile: EventProfile | None) -> list[tuple[cst.CSTNode, str]]:
        value = resolve_name(self.ctx.model, function, entry, hops=2)
        if isinstance(value, cst.Dict):
            if any(isinstance(e, cst.StarredDictElement) for e in value.elements):
                return []
            element = dict_key(value, ev.ITEM_IDENTIFIER)
            if element is None:
                keys = [code_of(e.key) for e in value.elements if isinstance(e, cst.DictElement)]
                shown = ", ".join(keys) or "no keys"
                return [(entry, f"this batch item failure is keyed {shown}, not `\"{ev.ITEM_IDENTIFIER}\"`: "
                         "Lambda rejects the response and retries the whole batch")]
            identifier = element.value
            if isinstance(identifier, cst.Name) and identifier.value in env:
                # `[{"itemIdentifier": i} for i in ids]`: check what `ids` holds.
                return [
                    (item, problem)
                    for item, inner in self._entries(env[identifier.value], function, 1, {})
                    for problem in [self._identifier_problem(item, function, profile)]
                    if problem is not None
                ]
            problem = self._identifier_problem(identifier, function, profile)
            return [(identifier, problem)] if problem is not None else []
        if self._bare_id(value):
            return [(entry, f"`{shorten(code_of(entry), 40)}` is a bare id: each entry of `batchItemFailures` "
                     f"must be a dict `{{\"{ev.ITEM_IDENTIFIER}\": ...}}`; Lambda rejects the response and "
                     "retries the whole batch")]
        return []

    def _bare_id(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            return True
        read = key_read(value) if isinstance(value, (cst.Subscript, cst.Call)) else None
        return read is not None and self.ctx.is_event_derived(read[1])

    def _identifier_problem(self, value: cst.BaseExpression, function: FunctionInfo,
                            profile: EventProfile | None) -> str | None:
        resolved = resolve_name(self.ctx.model, function, value, hops=2)
        if (isinstance(resolved, cst.SimpleString) and simple_value(resolved) == "") or \
                (isinstance(resolved, cst.Name) and resolved.value == "None"):
            return ("an empty or `None` `itemIdentifier` makes Lambda fail the whole batch; use the "
                    "failed record's id")
        field = _last_field(resolved)
        if field is None:
            return None
        expected = self._expected(profile, resolved)
        if field in ev.NOT_ITEM_IDENTIFIERS:
            return (f"`itemIdentifier` is the record's `{field}`; Lambda expects {expected} and retries the "
                    "whole batch otherwise")
        return None

    @staticmethod
    def _expected(profile: EventProfile | None, value: cst.BaseExpression) -> str:
        sources = set(profile.batch_sources) if profile is not None else set()
        path = _fields(value)
        if "kinesis" in path:
            sources = {ev.KINESIS}
        elif "dynamodb" in path:
            sources = {ev.DYNAMODB_STREAMS}
        chosen = [s for s in ev.ITEM_IDENTIFIER_FIELDS if s in sources] or list(ev.ITEM_IDENTIFIER_FIELDS)
        return " or ".join(
            f"the {ev.SOURCE_LABELS[s]} record's `{'.'.join(ev.ITEM_IDENTIFIER_FIELDS[s][0])}`" for s in chosen
        )


def _fields(value: cst.BaseExpression) -> list[str]:
    """The keys and attributes read, outermost last: `r["kinesis"]["data"]` -> [kinesis, data]."""
    found: list[str] = []
    current: cst.BaseExpression = value
    while True:
        read = key_read(current) if isinstance(current, (cst.Subscript, cst.Call)) else None
        if read is not None:
            found.append(read[0])
            current = read[1]
        elif isinstance(current, cst.Attribute):
            found.append(current.attr.value)
            current = current.value
        elif isinstance(current, cst.Subscript):
            current = current.value
        else:
            return list(reversed(found))


def _last_field(value: cst.BaseExpression) -> str | None:
    fields = _fields(value)
    return fields[-1] if fields else None


def _squash(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


_NEAR_MISSES = frozenset(
    {"batchitemfailures", "batchitemfailure", "batchitemsfailures", "batchitemsfailure",
     "batchfailures", "batchfailureitems", "itemfailures", "batchitemfailurers"}
)
