"""LAM602 s3-key-not-unquoted."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.fix import Applicability, Fix, ImportSpec, has_import
from lambdalint.model import FunctionInfo
from lambdalint.model.event_sources import bind_arguments, key_read, own_nodes

from ._events import MISSING, code_of, ends_with, event_path, key_path, lookup, shorten

_UNQUOTE_PLUS = "unquote_plus"
# Callees known not to decode their argument: the fix may wrap a key passed to them.
_TRANSPARENT_CALLEES = ("builtins.", "boto3.", "aioboto3.", "botocore.", "logging.", "os.path.")
_PARSE = "urllib.parse"
# Methods that hand a string on, trimmed: the key goes through them as it is.
_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip"})


class S3KeyNotUnquoted(Rule):
    """
    ## What it does
    Flags an S3 event's object key (`record["s3"]["object"]["key"]`, also through
    `.get(...)`) used without `urllib.parse.unquote_plus`: passed on, formatted or
    stored as it arrives. A key assigned to a variable counts as decoded when the
    variable is passed to `unquote_plus` in the same function or in the function it
    is handed to. Decoding with `urllib.parse.unquote` is flagged too: it leaves
    `+` (an encoded space) in the key.

    Not flagged: a key decoded on the way, also through `str(...)`, f-strings, `+`
    and `.strip()` (`unquote_plus(str(record["s3"]["object"]["key"]))`,
    `unquote_plus(f"incoming/{key}")`), and through a variable that is decoded that
    way; and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Why is this bad?
    S3 event notifications carry the object key URL-encoded the way HTML forms
    are: a space arrives as `+`, and `+`, `%`, non-ASCII and other special
    characters as `%XX` escapes. `get_object(Key=raw_key)` then asks for an object
    that does not exist (`NoSuchKey`, or `AccessDenied` without list permission),
    but only for the files whose names contain such characters, so the failure
    shows up in production long after the tests passed.

    ## Fix safety
    The fix wraps the read in `unquote_plus(...)`, adding
    `from urllib.parse import unquote_plus` when the name is not already imported
    (or using `urllib.parse.unquote_plus` when the module imports `urllib.parse`
    itself). It is safe: S3 always encodes the key in the event, and for keys
    without special characters `unquote_plus` returns them unchanged; a key already
    decoded further out (`unquote_plus(str(...))`) is never reported, so never
    wrapped twice (decoding twice corrupts keys that contain `%`). No fix is
    offered when `unquote_plus` is bound to something else, for keys decoded with
    `unquote` (change the call yourself), or when the raw key goes straight into a
    call lambdalint cannot see into (a library function that might decode it too;
    decoding twice corrupts keys that contain `%`).

    ## References
    - [Amazon S3 event message structure (the key is URL-encoded)](https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html)
    - [Tutorial: using an Amazon S3 trigger to invoke a Lambda function](https://docs.aws.amazon.com/lambda/latest/dg/with-s3-example.html)
    - [`urllib.parse.unquote_plus`](https://docs.python.org/3/library/urllib.parse.html#urllib.parse.unquote_plus)
    """

    code = "LAM602"
    name = "s3-key-not-unquoted"
    scope_only = True
    severity = Severity.ERROR
    fix = FixAvailability.SAFE
    words = ("key",)
    tags = ("event-sources", "s3")

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    bucket = record["s3"]["bucket"]["name"]
                    key = record["s3"]["object"]["key"]  # expect
                    s3.download_file(bucket, key, "/tmp/input")
        '''),
        Good('''
            import urllib.parse
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    bucket = record["s3"]["bucket"]["name"]
                    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"], encoding="utf-8")
                    s3.download_file(bucket, key, "/tmp/input")
        '''),
        Bad('''
            from urllib.parse import unquote

            def lambda_handler(event, context):
                obj = event["Records"][0]["s3"]["object"]
                print(f"new object {event['Records'][0]['s3']['object']['key']}")  # expect
                return unquote(event["Records"][0]["s3"].get("object", {}).get("key"))  # expect
        '''),
        Good('''
            from urllib.parse import unquote_plus

            def process(raw_key):
                return unquote_plus(raw_key)

            def lambda_handler(event, context):
                key = event["Records"][0]["s3"]["object"]["key"]
                other = event["Records"][0]["s3"]["object"]["key"]
                print("raw", key)
                return unquote_plus(key), process(other)
        '''),
        Good('''
            from urllib.parse import unquote_plus
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    key = unquote_plus(str(record["s3"]["object"]["key"]))
                    raw = record["s3"]["object"]["key"]
                    archived = unquote_plus(f"archive/{raw}".strip())
                    s3.copy_object(Bucket="b", Key=archived, CopySource={"Bucket": "b", "Key": key})
        '''),
        Good('''
            def lambda_handler(event, context):
                size = event["Records"][0]["s3"]["object"]["size"]
                settings = {"s3": {"object": {"key": "fixed.csv"}}}
                return size, settings["s3"]["object"]["key"]
        '''),
        Fixed(
            before='''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]
                key = record["s3"]["object"]["key"]
                return s3.head_object(Bucket="b", Key=key)
            ''',
            after='''
            import boto3
            from urllib.parse import unquote_plus

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]
                key = unquote_plus(record["s3"]["object"]["key"])
                return s3.head_object(Bucket="b", Key=key)
            ''',
        ),
        Fixed(
            before='''
            import boto3
            from urllib.parse import unquote_plus

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    name = str(record["s3"]["object"]["key"])
                    s3.delete_object(Bucket="b", Key=name)
                    done = unquote_plus(str(record["s3"]["object"]["key"]))
                    s3.put_object(Bucket="out", Key=done, Body=b"")
            ''',
            after='''
            import boto3
            from urllib.parse import unquote_plus

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                for record in event["Records"]:
                    name = str(unquote_plus(record["s3"]["object"]["key"]))
                    s3.delete_object(Bucket="b", Key=name)
                    done = unquote_plus(str(record["s3"]["object"]["key"]))
                    s3.put_object(Bucket="out", Key=done, Body=b"")
            ''',
        ),
        Fixed(
            before='''
            import urllib.parse

            def lambda_handler(event, context):
                return [r["s3"]["object"]["key"] for r in event["Records"]]
            ''',
            after='''
            import urllib.parse

            def lambda_handler(event, context):
                return [urllib.parse.unquote_plus(r["s3"]["object"]["key"]) for r in event["Records"]]
            ''',
        ),
        Fixed(
            before='''
            from urllib.parse import unquote_plus as decode, unquote_plus

            def handler(event, context):
                return event["Records"][0]["s3"]["object"].get("key")
            ''',
            after='''
            from urllib.parse import unquote_plus as decode, unquote_plus

            def handler(event, context):
                return unquote_plus(event["Records"][0]["s3"]["object"].get("key"))
            ''',
        ),
        Bad('''
            import json
            import boto3

            bucket = boto3.resource("s3").Bucket("logs")

            def process_object(s3_object):
                key = s3_object.get("object", {}).get("key")  # expect
                return bucket.Object(key).get()

            def lambda_handler(event, context):
                for message in event["Records"]:
                    for entry in json.loads(message["body"]).get("Records", []):
                        process_object(entry["s3"])
        '''),
    ]

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._check(node)

    def visit_Call(self, node: cst.Call) -> None:
        self._check(node)

    def _check(self, node: cst.Subscript | cst.Call) -> None:
        read = key_read(node)
        if read is None or read[0] != ev.S3_KEY_PATH[-1]:
            return
        ctx = self.ctx
        # Names holding part of the way (`s3 = record["s3"]`) count, also across calls.
        partial = event_path(ctx, ev.S3_KEY_PATH)
        table = partial.table(ctx.function) if partial is not None else None
        path = key_path(ctx.model, ctx.function, node, table)
        if not ends_with(path, ev.S3_KEY_PATH):
            return
        decoder = self._decoder(node)
        if decoder == ev.UNQUOTE_PLUS:
            return
        if decoder is not None:
            self.report(
                node,
                f"the S3 event's object key is decoded with `{decoder.rsplit('.', 1)[-1]}`, which leaves `+` "
                "(an encoded space) in it; use `urllib.parse.unquote_plus`",
            )
            return
        self.report(
            node,
            f"the object key `{shorten(code_of(node), 50)}` arrives URL-encoded in S3 events (a space "
            "as `+`): decode it with `urllib.parse.unquote_plus(...)` before using it",
            fix=self._fix(node) if self._fixable(node) else None,
        )

    # -- is it decoded ------------------------------------------------------------------

    def _decoder(self, node: cst.BaseExpression) -> str | None:
        """The decoder the read goes through (directly, or via the name it is assigned to),
        seen through `str(...)`, f-strings, `+` and `.strip()`."""
        ctx = self.ctx
        parent, grandparent = self._carrier_parents(node)
        if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call):
            return self._decoding_call(grandparent, ctx.function) or self._callee_decodes(grandparent, parent)
        target = None
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 \
                and isinstance(parent.targets[0].target, cst.Name):
            target = parent.targets[0].target.value
        elif isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
            target = parent.target.value
        if target is None or ctx.function is None:
            return None
        return self._name_decoded(ctx.function, target, follow=True)

    def _callee_decodes(self, call: cst.Call, arg: cst.Arg) -> str | None:
        """A project function that decodes the parameter this argument binds."""
        ctx = self.ctx
        project = ctx.model.project
        if project is None or ctx.function is None:
            return None
        for _, target, bound in project.call_targets(ctx.model, call, ctx.function):
            for param, value in bind_arguments(target, call, bound):
                if value is arg.value:
                    decoder = self._name_decoded(target, param, follow=False)
                    if decoder is not None:
                        return decoder
        return None

    def _fixable(self, node: cst.BaseExpression) -> bool:
        """Wrapping is safe unless the read goes straight into a call we cannot see into
        (a library function might decode it itself: decoding twice corrupts `%` keys)."""
        parent, grandparent = self._carrier_parents(node)
        if not (isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call)):
            return True
        ctx = self.ctx
        qualified = ctx.qualify(grandparent.func) or ""
        if qualified.startswith(_TRANSPARENT_CALLEES):
            return True
        project = ctx.model.project
        return project is not None and bool(project.call_targets(ctx.model, grandparent, ctx.function))

    def _carrier_parents(self, node: cst.CSTNode) -> tuple[cst.CSTNode | None, cst.CSTNode | None]:
        """The parent and grandparent of the outermost expression that carries the key's
        text: `str(key)`, `f"{key}"`, `prefix + key`, `key.strip()` hand it on as it is."""
        ancestors = self.ctx.ancestors
        index = len(ancestors) - 1
        while index >= 0 and ancestors[index] is not node:
            index -= 1

        def at(i: int) -> cst.CSTNode | None:
            return ancestors[i] if i >= 0 else None

        while index >= 1:
            current, parent, grandparent = ancestors[index], ancestors[index - 1], at(index - 2)
            if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call) \
                    and self._is_str_call(grandparent):
                index -= 2
            elif (isinstance(parent, cst.FormattedStringExpression) and parent.expression is current) \
                    or isinstance(parent, (cst.FormattedString, cst.ConcatenatedString)):
                index -= 1
            elif isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add):
                index -= 1
            elif isinstance(parent, cst.Attribute) and parent.value is current \
                    and parent.attr.value in _STRING_METHODS and isinstance(grandparent, cst.Call) \
                    and grandparent.func is parent:
                index -= 2
            else:
                break
        return at(index - 1), at(index - 2)

    def _is_str_call(self, call: cst.Call) -> bool:
        return len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star \
            and self.ctx.model.qualify(call.func, self.ctx.function) == "builtins.str"

    def _carries(self, expr: cst.BaseExpression, name: str, function: FunctionInfo) -> bool:
        """Whether ``expr`` is the text of local ``name`` handed on as it is (`name`,
        `str(name)`, `f"{name}"`, `prefix + name`, `name.strip()`)."""
        if isinstance(expr, cst.Name):
            return expr.value == name
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in _STRING_METHODS:
                return self._carries(func.value, name, function)
            return len(expr.args) == 1 and expr.args[0].keyword is None and not expr.args[0].star \
                and self.ctx.model.qualify(func, function) == "builtins.str" \
                and self._carries(expr.args[0].value, name, function)
        if isinstance(expr, cst.FormattedString):
            return any(isinstance(part, cst.FormattedStringExpression)
                       and self._carries(part.expression, name, function) for part in expr.parts)
        if isinstance(expr, cst.ConcatenatedString):
            return self._carries(expr.left, name, function) or self._carries(expr.right, name, function)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return self._carries(expr.left, name, function) or self._carries(expr.right, name, function)
        return False

    def _decoding_call(self, call: cst.Call, function: FunctionInfo | None) -> str | None:
        qualified = self.ctx.model.qualify(call.func, function) or ""
        if qualified == ev.UNQUOTE_PLUS or qualified in ev.PARTIAL_UNQUOTES:
            return qualified
        if not qualified:
            # Not resolvable (`from urllib.parse import *`): trust the name as written.
            func = call.func
            last = func.attr.value if isinstance(func, cst.Attribute) else \
                func.value if isinstance(func, cst.Name) else ""
            for known in (ev.UNQUOTE_PLUS, *ev.PARTIAL_UNQUOTES):
                if last == known.rsplit(".", 1)[-1]:
                    return known
        return None

    def _name_decoded(self, function: FunctionInfo, name: str, follow: bool) -> str | None:
        """How a local name is decoded in the function (or in a function it is passed to)."""
        project = self.ctx.model.project
        found: str | None = None
        for node in own_nodes(function):
            if not isinstance(node, cst.Call):
                continue
            if not any(self._carries(a.value, name, function) for a in node.args):
                continue
            decoder = self._decoding_call(node, function)
            if decoder == ev.UNQUOTE_PLUS:
                return decoder
            found = found or decoder
            if follow and project is not None:
                for _, target, bound in project.call_targets(self.ctx.model, node, function):
                    for param, arg in bind_arguments(target, node, bound):
                        if isinstance(arg, cst.Name) and arg.value == name:
                            inner = self._name_decoded(target, param, follow=False)
                            if inner == ev.UNQUOTE_PLUS:
                                return inner
        return found

    # -- the fix ----------------------------------------------------------------------------

    def _fix(self, node: cst.BaseExpression) -> Fix | None:
        ctx = self.ctx
        model = ctx.model
        bound = lookup(model, ctx.function, _UNQUOTE_PLUS)
        imports: list[ImportSpec] = []
        if bound == ev.UNQUOTE_PLUS:
            func: cst.BaseExpression = cst.Name(_UNQUOTE_PLUS)
        elif self._parse_module_imported():
            func = cst.parse_expression(f"{_PARSE}.{_UNQUOTE_PLUS}")
        elif bound is MISSING:
            func = cst.Name(_UNQUOTE_PLUS)
            imports = [ImportSpec(_PARSE, _UNQUOTE_PLUS)]
        else:
            return None
        wrapped = cst.Call(func=func, args=[cst.Arg(value=node)])
        return Fix("Decode the key with `unquote_plus(...)`", Applicability.SAFE,
                   replacements=[(node, wrapped)], imports=imports)

    def _parse_module_imported(self) -> bool:
        """`import urllib.parse` at module level, with `urllib` not rebound here."""
        ctx = self.ctx
        return has_import(ctx.model.module, ImportSpec(_PARSE)) and \
            lookup(ctx.model, ctx.function, "urllib") == "urllib"
