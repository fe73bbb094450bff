"""LAM104 handler-signature."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import HANDLER_FUNCTION_NAMES, HANDLER_PARAM_NAMES
from lambdalint.model import EntryPoint, FunctionInfo, ModuleModel, foreign_decorators
from lambdalint.walk import children

# Packages whose import says a module is Lambda code.
LAMBDA_PACKAGES = ("boto3", "botocore", "aioboto3", "aws_lambda_powertools", "aws_xray_sdk", "aws_lambda_typing")



def _names(params: list) -> str:
    return ", ".join(f"`{p.name}`" for p in params)


def signature_problem(function: FunctionInfo) -> str | None:
    """Why `function(event, context)` would raise TypeError, or None if it would not."""
    params = function.params
    positional = function.positional_params()
    has_varargs = any(p.kind == "varargs" for p in params)
    if not has_varargs and len(positional) < 2:
        if not positional:
            return "it takes no positional parameters; declare `(event, context)`"
        return (f"it takes only one positional parameter ({_names(positional)}); add a second one "
                "for the context object (`_context` if unused)")
    required = [p for p in positional if not p.has_default]
    if len(required) > 2:
        extra = required[2:]
        them = "it" if len(extra) == 1 else "them"
        return (f"it requires {len(required)} positional parameters; give {_names(extra)} a default, "
                f"or build {them} in the handler or at module scope")
    keyword_only = [p for p in params if p.kind == "keyword-only" and not p.has_default]
    if keyword_only:
        if len(keyword_only) == 1:
            return f"keyword-only parameter {_names(keyword_only)} has no default; give it one"
        return f"keyword-only parameters {_names(keyword_only)} have no defaults; give them defaults"
    return None


class HandlerSignature(Rule):
    """
    ## What it does
    Flags a handler that cannot be called as `handler(event, context)`: it accepts
    fewer than two positional arguments (and has no `*args`), requires more than two
    positional arguments, or has a keyword-only parameter without a default. Checked
    are handlers named in config `handlers` or a deployment template, functions named
    `lambda_handler`, functions with a known Lambda decorator (Powertools
    `inject_lambda_context`, `event_source`, ...), and module-level functions named
    `handler` whose first parameter is `event` (`def handler(event):`, `def
    handler(event, context, table):`) in a module that is Lambda code (a template
    deploys it, or it imports boto3, botocore or Powertools), when nothing in the
    project calls them or passes them on.

    ## Why is this bad?
    The Python runtime calls the handler with exactly two positional arguments, the
    event and the context object. Any other signature raises `TypeError` before the
    first line of the handler runs, so every invocation fails; the error only shows
    up once the function is deployed and invoked.

    Not flagged: handlers with a decorator that is not a known Lambda decorator (it
    may adapt the signature, as web-framework adapters do); module-level functions
    that are handlers only because their first two parameters are named `event` and
    `context` (those are often helpers such as `process(event, context, table)`),
    unless they are named `lambda_handler` or `handler`; a `handler` that the project
    calls or passes on (a helper, or a callback such as `bus.subscribe(handler)`), that
    lives in a module with no sign of Lambda, or whose module a template deploys with
    another function as its handler; and functions in test files.

    ## Fix safety
    No automatic fix: which parameter is missing or extra is a decision about what
    the function means.

    ## References
    - [Define Lambda function handler in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)
    - [Using the Lambda context object to retrieve Python function information](https://docs.aws.amazon.com/lambda/latest/dg/python-context.html)
    """

    code = "LAM104"
    name = "handler-signature"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("def",)
    # Outside invocation scope, only a function named like a handler that is not one
    # (`def handler(event):`) can be reported.
    free_words = ("def handler(",)
    tags = ("correctness",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        ctx = self.ctx
        function = ctx.model.function_for(node)
        if function is None:
            return
        entry = ctx.model.entry_point_for(function)
        if entry is None:
            if not self._named_like_a_handler(function):
                return
        elif not self._is_checked(entry):
            return
        if foreign_decorators(ctx.model, function):
            return
        problem = signature_problem(function)
        if problem is None:
            return
        name = node.name.value
        # A signature match is only checked for handler names: the name is the evidence.
        why = "found by its name" if entry is None or entry.reason.startswith("signature ") else entry.describe()
        self.report(
            node.name,
            f"handler `{name}` ({why}) cannot be called as `{name}(event, context)`, so every "
            f"invocation fails with TypeError: {problem}",
        )

    def _is_checked(self, entry: EntryPoint) -> bool:
        if entry.kind != "handler":
            return False
        if entry.reason.startswith("signature "):
            # `(event, context, ...)` may be a helper; the name settles it.
            return entry.function.name == "lambda_handler" or self._named_like_a_handler(entry.function)
        return True

    def _named_like_a_handler(self, function: FunctionInfo) -> bool:
        """`def handler(event)` or `def handler(event, context, table)` at module scope of a
        module that is Lambda code (deployed by a template or using the AWS SDK or
        Powertools): named like a handler, its first parameter the event, and called or
        passed on by nothing in the project (a helper or a callback would be); not when a
        template names another function of the module as its handler."""
        model = self.ctx.model
        if not function.is_module_level or function.name not in HANDLER_FUNCTION_NAMES or model.is_test_file:
            return False
        positional = function.positional_params()
        if not positional or positional[0].name not in HANDLER_PARAM_NAMES[0]:
            return False
        project = model.project
        specs = [spec for spec in (project.specs if project is not None else []) if spec.matches(model)]
        if specs and all(spec.function != function.name for spec in specs):
            return False
        if not specs and not any(
                isinstance(value, str) and value.startswith(LAMBDA_PACKAGES)
                for value in model.summary.module_scope.bindings.values()):
            return False
        return not _referenced(model, function)

    examples = [
        Bad('''
            def lambda_handler(event):  # expect
                return {"statusCode": 200, "body": event["body"]}
        '''),
        Good('''
            def lambda_handler(event, _context):
                return {"statusCode": 200, "body": event["body"]}
        '''),
        Bad('''
            def lambda_handler(event, context, table):  # expect
                return table.get_item(Key={"id": event["id"]})
        '''),
        Bad('''
            def process(payload):  # expect
                return payload
        ''', config={"handlers": ["app.py:process"]}),
        Bad('''
            def lambda_handler(event, context, *, dry_run):  # expect
                return {"dry_run": dry_run}
        '''),
        Bad('''
            def lambda_handler():  # expect
                return "ok"
        '''),
        Bad('''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context
            def handle(event):  # expect
                return event
        '''),
        Bad('''
            def lambda_handler(*, event, context):  # expect
                return event
        ''', config={"handlers": ["app.lambda_handler"]}),
        Good('''
            def lambda_handler(event, context, *args):
                return event
        '''),
        Good('''
            def lambda_handler(event, context=None):
                return event
        '''),
        Good('''
            def lambda_handler(*args, **kwargs):
                return args[0]
        '''),
        Good('''
            def lambda_handler(event, context, /, *, verbose=False):
                return event
        '''),
        Good('''
            def process(event, context, table):
                return table.put_item(Item=event)

            def handler(event, context):
                return process(event, context, None)
        '''),
        Good('''
            from mangum import Mangum
            from myapp import asgi_app

            adapter = Mangum(asgi_app)

            @adapter.wrap
            def lambda_handler(request):
                return request
        '''),
        Good('''
            def handler(event):
                return event
        '''),
        Bad('''
            import os
            import boto3

            sqs = boto3.client("sqs")

            def handler(event, context, queue_url):  # expect
                return sqs.send_message(QueueUrl=queue_url, MessageBody=event["body"])
        '''),
        Good('''
            import os
            import boto3

            sqs = boto3.client("sqs")
            QUEUE_URL = os.environ["QUEUE_URL"]

            def handler(event, context, queue_url):
                return sqs.send_message(QueueUrl=queue_url, MessageBody=event["body"])

            def lambda_handler(event, context):
                return handler(event, context, QUEUE_URL)
        '''),
    ]


def _referenced(model: ModuleModel, function: FunctionInfo) -> bool:
    """Whether anything in the module besides the `def` names the function, or a call in
    another module of the project reaches it."""
    name = function.name
    stack: list[cst.CSTNode] = [model.module]
    while stack:
        node = stack.pop()
        if node is function.node:
            stack.extend(children(node.body))  # a recursive call counts; the def's own name does not
            stack.extend(d for d in node.decorators)
            continue
        if isinstance(node, cst.Name) and node.value == name:
            return True
        stack.extend(children(node))
    project = model.project
    if project is None:
        return False
    for other in project.models:
        if other is model:
            continue
        places = [(None, other.summary.module_calls)] + [(f, f.calls) for f in other.functions.values()]
        for owner, calls in places:
            for call in calls:
                qualified = other.qualify(call.func, owner)
                if qualified and qualified.endswith("." + name) and any(
                        target is function for _, target, _ in project.call_targets(other, call, owner)):
                    return True
    return False
