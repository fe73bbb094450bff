"""LAM607 self-invocation."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import ENVIRON, ENV_READS
from lambdalint.catalog import events as ev
from lambdalint.literals import simple_value, string_value
from lambdalint.model import EVENT, FunctionInfo, analyses
from lambdalint.model.event_sources import key_read, own_nodes, string_index

from ._events import call_shown, code_of, keyword, receiver_of, resolve_name, walk_with_parents

_LAMBDA = frozenset({"lambda"})
_CONTEXT_NAMES = ("context", "ctx")


class SelfInvocation(Rule):
    """
    ## What it does
    Flags a Lambda client's `invoke` (also `invoke_async`,
    `invoke_with_response_stream`) whose `FunctionName` is the function itself:
    `context.function_name`, `context.invoked_function_arn`, or the
    `AWS_LAMBDA_FUNCTION_NAME` environment variable (directly, through a variable,
    or inside an f-string or concatenation), when neither the calling function nor
    its handler has a depth guard.

    ## Why is this bad?
    A function that invokes itself is a loop that only its own logic ends. A bug, an
    unexpected input or a retry turns it into an endless chain of invocations that
    runs up cost and concurrency (and can throttle every other function in the
    account); Lambda's recursive-loop detection does not stop direct `invoke`
    calls. Carry a depth counter in the payload and stop at a limit, or hand the
    continuation to Step Functions or a queue.

    A depth guard is a comparison in an `if`, `while`, `assert` or conditional
    expression, in the invoking function or its handler, on a name or key that
    says depth (`depth`, `hops`, `attempt`, `retries`, `level`, `generation`,
    `ttl`, `recursion`, `iteration`, `invocation`), as in
    `if event.get("depth", 0) >= 5: return`, or a counter read from the event
    compared with a limit (an integer or an UPPER_CASE constant), as in
    `page = event.get("page", 1)` then `if page < MAX_PAGES: ...invoke(...)`.

    Not flagged: calls guarded as above, invocations of other functions (a literal
    name or ARN, a name read from another environment variable or from the event),
    a `FunctionName` the rule cannot follow (passed by position, built by a helper,
    in `**kwargs`), receivers that are not Lambda clients, and invokes outside
    invocation scope (init, test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: the limit and what to do when it is reached belong to the
    author.

    ## References
    - [AWS Lambda best practices: avoid recursive invocations](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [Lambda recursive loop detection](https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html)
    - [Lambda context object in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-context.html)
    """

    code = "LAM607"
    name = "self-invocation"
    scope_only = True
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = tuple(sorted(ev.LAMBDA_INVOKE_OPERATIONS))
    tags = ("recursion", "cost")

    examples = [
        Bad('''
            import json
            import boto3

            lambda_client = boto3.client("lambda")

            def lambda_handler(event, context):
                remaining = process(event["items"][:100])
                if remaining:
                    lambda_client.invoke(  # expect
                        FunctionName=context.function_name,
                        InvocationType="Event",
                        Payload=json.dumps({"items": remaining}),
                    )
        '''),
        Good('''
            import json
            import boto3

            lambda_client = boto3.client("lambda")
            MAX_DEPTH = 5

            def lambda_handler(event, context):
                depth = event.get("depth", 0)
                if depth >= MAX_DEPTH:
                    raise RuntimeError("recursion limit reached")
                remaining = process(event["items"][:100])
                if remaining:
                    lambda_client.invoke(
                        FunctionName=context.function_name,
                        InvocationType="Event",
                        Payload=json.dumps({"items": remaining, "depth": depth + 1}),
                    )
        '''),
        Bad('''
            import os
            import boto3 as aws

            SELF = os.environ["AWS_LAMBDA_FUNCTION_NAME"]

            def requeue(lam, payload):
                lam.invoke(FunctionName=SELF, InvocationType="Event", Payload=payload)  # expect

            def handler(event, ctx):
                lam = aws.client("lambda")
                arn = f"{ctx.invoked_function_arn}"
                lam.invoke_async(FunctionName=arn, InvokeArgs=b"{}")  # expect
                requeue(lam, b"{}")
        '''),
        Good('''
            import os
            import boto3

            lambda_client = boto3.client("lambda")

            def lambda_handler(event, context):
                lambda_client.invoke(FunctionName=os.environ["WORKER_FUNCTION"], InvocationType="Event")
                return {"invoked": os.environ["WORKER_FUNCTION"]}
        '''),
        Good('''
            import boto3

            lambda_client = boto3.client("lambda")

            def lambda_handler(event, context):
                hops = event.get("hops", 0)
                if hops < 3:
                    lambda_client.invoke(FunctionName=context.function_name, Payload=b'{"hops": 1}')
        '''),
        Good('''
            from langchain_core.runnables import RunnableLambda

            chain = RunnableLambda(lambda x: x)

            def lambda_handler(event, context):
                sfn_name = context.function_name
                return chain.invoke({"name": sfn_name})
        '''),
        Good('''
            import json
            import boto3

            lambda_client = boto3.client("lambda")
            MAX_PAGES = 5

            def lambda_handler(event, context):
                page = event.get("page", 1)
                fetch(page)
                if page < MAX_PAGES:
                    lambda_client.invoke(
                        FunctionName=context.function_name,
                        InvocationType="Event",
                        Payload=json.dumps({**event, "page": page + 1}),
                    )
        '''),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ev.LAMBDA_INVOKE_OPERATIONS:
            return
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        target = keyword(node, ev.FUNCTION_NAME_KEYWORD)
        if target is None or not receiver_of(ctx, func.value).may_be(_LAMBDA, True):
            return
        how = self._self_reference(target, ctx.function, 0)
        if how is None or self._guarded():
            return
        self.report(
            node,
            f"`{call_shown(node)}` invokes this function itself (`FunctionName` is {how}) with no depth "
            "guard: a bug or retry becomes an endless chain of invocations; carry a depth counter in the "
            "payload and stop at a limit",
        )

    def _self_reference(self, expr: cst.BaseExpression, function: FunctionInfo | None, depth: int) -> str | None:
        """How ``expr`` names the running function, else None."""
        if depth > 4:
            return None
        model = self.ctx.model
        if isinstance(expr, cst.Attribute) and expr.attr.value in ev.CONTEXT_SELF_ATTRIBUTES:
            if isinstance(expr.value, cst.Name) and self._is_context(expr.value.value, function):
                return f"`{code_of(expr)}`"
            return None
        if isinstance(expr, cst.Subscript) and string_index(expr) in ev.FUNCTION_NAME_ENV_VARS \
                and model.qualify(expr.value, function) == ENVIRON:
            return f"`{code_of(expr)}`"
        if isinstance(expr, cst.Call) and (model.qualify(expr.func, function) or "") in ENV_READS and expr.args \
                and string_value(expr.args[0].value) in ev.FUNCTION_NAME_ENV_VARS:
            return f"`{code_of(expr)}`"
        if isinstance(expr, cst.Name):
            bound = resolve_name(model, function, expr, hops=1)
            if bound is not expr:
                scope = function if not self._module_level(expr.value, function) else None
                inner = self._self_reference(bound, scope, depth + 1)
                return f"`{expr.value}`, which is {inner}" if inner else None
            return None
        if isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    inner = self._self_reference(part.expression, function, depth + 1)
                    if inner:
                        return inner
            return None
        if isinstance(expr, cst.BinaryOperation):
            return self._self_reference(expr.left, function, depth + 1) or \
                self._self_reference(expr.right, function, depth + 1)
        return None

    def _module_level(self, name: str, function: FunctionInfo | None) -> bool:
        """The name is bound at module scope, not in the function or one around it."""
        module_scope = self.ctx.model.summary.module_scope
        scope = function.scope if function is not None else None
        while scope is not None and scope is not module_scope:
            if name in scope.bindings:
                return False
            scope = scope.parent
        return True

    def _is_context(self, name: str, function: FunctionInfo | None) -> bool:
        """The handler's context parameter (its second), or a name that says context."""
        if any(word in name.lower() for word in _CONTEXT_NAMES):
            return True
        profile = self.ctx.event_sources()
        if profile is None:
            return False
        positional = profile.entry.function.positional_params()
        return len(positional) >= 2 and positional[1].name == name

    def _guarded(self) -> bool:
        ctx = self.ctx
        functions: list[FunctionInfo] = [f for f in [ctx.function] if f is not None]
        profile = ctx.event_sources()
        if profile is not None and profile.model is ctx.model:
            functions.append(profile.entry.function)
        for function in functions:
            for node in own_nodes(function):
                test = None
                if isinstance(node, (cst.If, cst.While, cst.IfExp)):
                    test = node.test
                elif isinstance(node, cst.Assert):
                    test = node.test
                if test is not None and self._depth_comparison(test, function):
                    return True
        return False

    def _depth_comparison(self, test: cst.BaseExpression, function: FunctionInfo) -> bool:
        """A comparison on a name or key that says depth, or a counter read from the
        event compared with a limit (`page < 5`, `event["n"] >= MAX_PAGES`)."""
        for node, _ in walk_with_parents(test):
            if not isinstance(node, cst.Comparison):
                continue
            if any(_says_depth(word) for word in _words(node)) and any(
                not isinstance(t.operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot)) for t in node.comparisons
            ):
                return True
            if any(isinstance(t.operator, _ORDERING) for t in node.comparisons):
                operands = [node.left, *(t.comparator for t in node.comparisons)]
                if any(_is_limit(o) for o in operands) and any(
                        EVENT in analyses.labels_of(self.ctx.model, o, function) for o in operands):
                    return True
        return False


_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def _is_limit(expr: cst.BaseExpression) -> bool:
    """An integer literal or an UPPER_CASE constant."""
    if isinstance(expr, cst.Integer):
        return True
    name = expr.attr.value if isinstance(expr, cst.Attribute) else expr.value if isinstance(expr, cst.Name) else ""
    return bool(name) and name.isupper()


def _words(node: cst.CSTNode) -> list[str]:
    found: list[str] = []
    for child, _ in walk_with_parents(node):
        if isinstance(child, cst.Name):
            found.append(child.value)
        elif isinstance(child, cst.Attribute):
            found.append(child.attr.value)
        elif isinstance(child, cst.SimpleString):
            value = simple_value(child)
            if isinstance(value, str):
                found.append(value)
        read = key_read(child) if isinstance(child, (cst.Subscript, cst.Call)) else None
        if read is not None:
            found.append(read[0])
    return found


def _says_depth(word: str) -> bool:
    lowered = word.lower()
    return any(fragment in lowered for fragment in ev.DEPTH_GUARD_WORDS)
