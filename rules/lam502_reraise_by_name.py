"""LAM502 reraise-by-name."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.fix import Applicability, Fix
from lambdalint.walk import children


class ReraiseByName(Rule):
    """
    ## What it does
    Flags `raise e` inside the `except ... as e:` block that caught `e`, where a bare
    `raise` re-raises the same exception.

    ## Why is this bad?
    `raise e` adds the re-raise line to the exception's traceback, so the error
    Lambda reports (and CloudWatch shows) points at the handler's `except` block
    first, and the line that failed is buried below it. A bare `raise` re-raises the
    exception being handled with its traceback untouched, and says plainly that
    nothing was changed. (Adding context is what `raise NewError(...) from e` is for.)

    Not flagged: `raise e from ...` (a bare `raise` cannot set a cause), `raise e` in
    a nested function or class, in a nested `except` or `finally` block (where the
    exception being handled is another one), blocks that assign `e` before
    raising it, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md), whose errors Lambda never reports.

    ## Fix safety
    The fix replaces `raise e` with `raise`. It is safe: it is offered only where the
    exception being handled is the one bound to `e` (directly in its own `except`
    block, not inside a nested handler, `finally` or function) and `e` is never
    rebound in the block, so the same exception object propagates; only the extra
    traceback line goes away.

    ## References
    - [The `raise` statement](https://docs.python.org/3/reference/simple_stmts.html#the-raise-statement)
    - [AWS Lambda function errors in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html)
    """

    code = "LAM502"
    name = "reraise-by-name"
    severity = Severity.INFO
    fix = FixAvailability.SAFE
    words = ("raise",)
    # `raise NAME` ending its line (a call or `from` after the name is not this rule's).
    pattern = r"(?m)raise[ \t]*\(?[ \t]*[A-Za-z_]\w*[ \t]*\)?[ \t]*(?:[#;].*)?$"
    tags = ("errors",)

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                try:
                    return s3.get_object(Bucket="b", Key=event["key"])
                except s3.exceptions.NoSuchKey as error:
                    print("missing", event["key"])
                    raise error  # expect
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                try:
                    return s3.get_object(Bucket="b", Key=event["key"])
                except s3.exceptions.NoSuchKey:
                    print("missing", event["key"])
                    raise
        '''),
        Bad('''
            import json

            def parse(text):
                try:
                    return json.loads(text)
                except (ValueError, TypeError) as e:
                    if text:
                        raise e  # expect
                    return None

            def lambda_handler(event, context):
                for record in event["Records"]:
                    try:
                        parse(record["body"])
                    except Exception as exc:
                        raise exc  # expect
        '''),
        Bad('''
            def handler(event, context):
                try:
                    do_work(event)
                except Exception as e:
                    try:
                        cleanup()
                    finally:
                        pass
                    raise e  # expect
        '''),
        Good('''
            class OrderFailed(Exception):
                pass

            def lambda_handler(event, context):
                try:
                    return charge(event)
                except KeyError as e:
                    raise OrderFailed(str(e)) from e
        '''),
        Good('''
            def lambda_handler(event, context):
                try:
                    return charge(event)
                except ValueError as e:
                    e = RuntimeError(f"bad order: {e}")
                    raise e
        '''),
        Good('''
            def lambda_handler(event, context):
                try:
                    return charge(event)
                except ValueError as e:
                    try:
                        refund(event)
                    except ConnectionError:
                        raise e
                    def later():
                        raise e
                    return later
        '''),
        Good('''
            def lambda_handler(event, context):
                try:
                    return charge(event)
                except ValueError as e:
                    raise e from None
        '''),
        Good('''
            import boto3
            from botocore.exceptions import ClientError

            def latest_stream(group):
                try:
                    return boto3.client("logs").describe_log_streams(logGroupName=group)
                except ClientError as e:
                    if e.response["Error"]["Code"] == "ResourceNotFoundException":
                        return None
                    raise e
        ''', path="tests/integration/test_events.py"),
        Fixed(
            before='''
            def lambda_handler(event, context):
                try:
                    return charge(event)
                except ValueError as e:
                    log(e)
                    raise e  # re-raise for a retry
            ''',
            after='''
            def lambda_handler(event, context):
                try:
                    return charge(event)
                except ValueError as e:
                    log(e)
                    raise  # re-raise for a retry
            ''',
        ),
    ]

    def visit_Raise(self, node: cst.Raise) -> None:
        if not isinstance(node.exc, cst.Name) or node.cause is not None or not self.ctx.runs_on_lambda:
            return
        name = node.exc.value
        handler = self._handling(name)
        if handler is None or _rebinds(handler.body, name):
            return
        fix = Fix.replace(
            node,
            node.with_changes(exc=None, whitespace_after_raise=cst.MaybeSentinel.DEFAULT),
            "Re-raise with a bare `raise`",
            Applicability.SAFE,
        )
        self.report(
            node,
            f"`raise {name}` re-raises the exception this `except` caught as `{name}` and adds this "
            "line to its traceback; use a bare `raise`",
            fix=fix,
        )

    def _handling(self, name: str) -> cst.ExceptHandler | None:
        """The `except ... as name` block whose exception is the one being handled here."""
        for node in reversed(self.ctx.ancestors[:-1]):
            if isinstance(node, cst.ExceptHandler):
                bound = node.name
                if bound is not None and isinstance(bound.name, cst.Name) and bound.name.value == name:
                    return node
                return None
            if isinstance(node, (cst.ExceptStarHandler, cst.Finally, cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
        return None


def _rebinds(block: cst.CSTNode, name: str) -> bool:
    """Anything in the block that binds ``name`` again (assignment, loop, import, ...)."""
    stack: list[cst.CSTNode] = [block]
    while stack:
        node = stack.pop()
        targets: list[cst.CSTNode] = []
        if isinstance(node, cst.AssignTarget):
            targets.append(node.target)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr)):
            targets.append(node.target)
        elif isinstance(node, (cst.AsName,)):
            targets.append(node.name)
        elif isinstance(node, cst.Del):
            targets.append(node.target)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            targets.append(node.name)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            targets.extend(n.name for n in node.names)
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            root: cst.CSTNode = node.name
            while isinstance(root, cst.Attribute):  # `import a.b` binds `a`
                root = root.value
            targets.append(root)
        elif isinstance(node, (cst.MatchAs, cst.MatchStar)) and node.name is not None:
            targets.append(node.name)
        for target in targets:
            if any(isinstance(n, cst.Name) and n.value == name for n in _names(target)):
                return True
        if not isinstance(node, (cst.CompFor,)):
            stack.extend(children(node))
    return False


def _names(node: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for element in node.elements for n in _names(element.value)]
    if isinstance(node, cst.StarredElement):
        return _names(node.value)
    return []
