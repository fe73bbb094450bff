"""LAM803 logger-keys-persist."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.catalog import ENV_READS, ENVIRON
from lambdalint.catalog.observability import (
    CLEAR_STATE_KEYWORD,
    INJECT_LAMBDA_CONTEXT,
    KEY_CLEARING_METHODS,
    LOGGER_OBJECTS,
    PERSISTENT_KEY_METHODS,
    POWERTOOLS_LOGGER_TYPES,
)
from lambdalint.fix import Applicability, Fix
from lambdalint.model import FunctionInfo

from ._logging import (
    decorator_named,
    is_literal,
    is_true,
    keyword_arg,
    looks_like_logger,
    owning_handlers,
    written,
)

_POWERTOOLS_LOGGERS = frozenset(name + "()" for name in POWERTOOLS_LOGGER_TYPES)
_MAX_HOPS = 4


class LoggerKeysPersist(Rule):
    """
    ## What it does
    Flags Powertools `logger.append_keys(...)` in invocation scope (the handler,
    functions it calls, Powertools routes and record handlers) when the handler is
    not decorated with `@logger.inject_lambda_context(clear_state=True)`. For a route
    or record handler, the handler is the one in its module that resolves the
    request, or, for a `Router` in a module of its own, the handler of the module
    that imports it.

    ## Why is this bad?
    The Powertools `Logger` is created once per execution environment, at module
    scope, and keys appended to it stay on it. On the next warm invocation every log
    line still carries the previous request's `order_id` or `user_id` until code sets
    that key again, and a request that takes another path (an error, a different
    event type) never does: its logs are attributed to someone else's request, which
    misleads debugging and can leak one customer's identifiers into another's
    records. `inject_lambda_context(clear_state=True)` resets the logger's keys at the
    start of every invocation.

    Not flagged: `append_keys` at module scope (keys meant for every invocation),
    calls whose values are all the same on every invocation (literals, environment
    variables read with literal names, module-level constants bound to those): such
    keys cannot go stale; code that takes the keys off again (`remove_keys`,
    `clear_state()` in the same function or in the handler), handlers decorated with
    `clear_state=` set from a variable, and loggers the analysis knows are not
    Powertools loggers (`logging.getLogger()`). A logger it cannot follow (a
    parameter, `self.logger`) counts when its name says it is one. Nor is
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    The fix is unsafe: it adds `clear_state=True` to the handler's existing
    `inject_lambda_context` decorator (turning a bare `@logger.inject_lambda_context`
    into a call, or changing an explicit `clear_state=False`). Clearing the state at
    each invocation also drops keys appended at module scope or by code that runs
    only on cold start, which then disappear from every later log line; a reviewer
    should check that no such keys are expected. It is offered only when the handler
    is in the same file and already has that decorator; otherwise the finding has no
    fix.

    ## References
    - [Powertools for AWS Lambda (Python): Logger, appending additional keys](https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#appending-additional-keys)
    - [Powertools for AWS Lambda (Python): Logger, clearing all state](https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#clearing-all-state)
    """

    code = "LAM803"
    name = "logger-keys-persist"
    severity = Severity.WARNING
    fix = FixAvailability.UNSAFE
    words = tuple(sorted(PERSISTENT_KEY_METHODS))
    scope_only = True
    tags = ("correctness", "logging", "privacy")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in PERSISTENT_KEY_METHODS:
            return
        ctx = self.ctx
        if not ctx.in_invocation_scope or not self._is_powertools_logger(func.value):
            return
        if all(arg.star == "" and arg.keyword is not None and self._invariant(arg.value, 0) for arg in node.args):
            return  # the same keys with the same values on every invocation cannot go stale
        handlers = owning_handlers(ctx)
        if not handlers:
            return
        if ctx.function is not None and _takes_keys_off(ctx.function):
            return
        # Every handler that runs this code must clear the keys; one that does not leaks them.
        handlers = [(model, function) for model, function in handlers
                    if not _clears_state(function) and not _takes_keys_off(function)]
        if not handlers:
            return
        names = ", ".join(f"`{function.name}`" for _model, function in handlers)
        self.report(
            node,
            f"`{written(func)}(...)` ({ctx.scope_note()}) adds keys that stay on the logger "
            "after this invocation, so later requests' logs carry them; decorate the handler "
            f"{names} with `@logger.inject_lambda_context(clear_state=True)`, or take the "
            "keys off with `remove_keys` when done",
            fix=self._fix(handlers),
        )

    def _is_powertools_logger(self, receiver: cst.BaseExpression) -> bool:
        qualified = self.ctx.qualify(receiver)
        if qualified in _POWERTOOLS_LOGGERS:
            return True
        if qualified in LOGGER_OBJECTS:
            return False  # another kind of logger
        return looks_like_logger(receiver)

    def _invariant(self, expr: cst.BaseExpression, depth: int) -> bool:
        """A value that is the same on every invocation of this environment: a literal,
        an environment variable read with literal arguments, or a module-level name
        bound to one of those."""
        if is_literal(expr):
            return True
        if depth > _MAX_HOPS:
            return False
        ctx = self.ctx
        if isinstance(expr, cst.Call):
            return ctx.qualify(expr.func) in ENV_READS and all(
                not arg.star and is_literal(arg.value) for arg in expr.args)
        if isinstance(expr, cst.Subscript):
            return (ctx.qualify(expr.value) == ENVIRON and len(expr.slice) == 1
                    and isinstance(expr.slice[0].slice, cst.Index)
                    and is_literal(expr.slice[0].slice.value))
        if isinstance(expr, cst.Name):
            function = ctx.function
            while function is not None:
                if expr.value in function.scope.global_names:
                    return False  # a global the code reassigns
                if expr.value in function.scope.bindings:
                    return False
                function = function.parent
            value = ctx.model.summary.module_scope.bindings.get(expr.value)
            return isinstance(value, cst.BaseExpression) and self._invariant(value, depth + 1)
        return False

    def _fix(self, handlers: list) -> Fix | None:
        ctx = self.ctx
        if len(handlers) != 1 or handlers[0][0] is not ctx.model:
            return None
        function: FunctionInfo = handlers[0][1]
        decorator = decorator_named(function, INJECT_LAMBDA_CONTEXT)
        if decorator is None:
            return None
        new = _with_clear_state(decorator.decorator)
        if new is None:
            return None
        return Fix(
            f"Add `clear_state=True` to `@{written(decorator.decorator)}` on `{function.name}`",
            Applicability.UNSAFE,
            replacements=[(decorator.decorator, new)],
        )

    examples = [
        Bad('''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context
            def lambda_handler(event, context):
                if "customer" in event:
                    logger.append_keys(customer_id=event["customer"]["id"])  # expect
                logger.info("processing order")
        '''),
        Good('''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context(clear_state=True)
            def lambda_handler(event, context):
                if "customer" in event:
                    logger.append_keys(customer_id=event["customer"]["id"])
                logger.info("processing order")
        '''),
        Bad('''
            from aws_lambda_powertools.logging import Logger as PowertoolsLogger

            log = PowertoolsLogger(service="orders")

            def tag_request(order):
                log.append_keys(order_id=order["id"], tenant=order["tenant"])  # expect

            def handler(event, context):
                tag_request(event["order"])
                log.info("accepted")
        '''),
        Bad('''
            from shared.log import logger

            def lambda_handler(event, context):
                logger.append_keys(user=event["requestContext"]["authorizer"]["principalId"])  # expect
                return {"statusCode": 200}
        ''', files={"shared/log.py": '''
            from aws_lambda_powertools import Logger

            logger = Logger(service="api")
        '''}),
        Good('''
            import logging
            from aws_lambda_powertools import Logger

            logger = Logger()
            logger.append_keys(version="1.4.2")
            std = logging.getLogger()

            def lambda_handler(event, context):
                logger.append_keys(environment="prod", region="eu-west-1")
                try:
                    logger.append_keys(order_id=event["orderId"])
                    logger.info("processing")
                finally:
                    logger.remove_keys(["order_id"])
        '''),
        Good('''
            from aws_lambda_powertools import Logger

            logger = Logger()

            def enrich(event):
                logger.append_keys(order_id=event["orderId"])

            enrich({"orderId": "warmup"})

            def lambda_handler(event, context):
                logger.info("no per-request keys")
        '''),
        Fixed(
            before='''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context
            def lambda_handler(event, context):
                logger.append_keys(order_id=event["orderId"])
            ''',
            after='''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context(clear_state=True)
            def lambda_handler(event, context):
                logger.append_keys(order_id=event["orderId"])
            ''',
            unsafe=True,
        ),
        Fixed(
            before='''
            from aws_lambda_powertools import Logger, Tracer

            logger = Logger()
            tracer = Tracer()

            @tracer.capture_lambda_handler
            @logger.inject_lambda_context(
                log_event=False,
                correlation_id_path="requestContext.requestId",
            )
            def lambda_handler(event, context):
                logger.append_keys(user=event["user"])
                logger.append_keys(cart=event["cart"])
            ''',
            after='''
            from aws_lambda_powertools import Logger, Tracer

            logger = Logger()
            tracer = Tracer()

            @tracer.capture_lambda_handler
            @logger.inject_lambda_context(
                log_event=False,
                correlation_id_path="requestContext.requestId",
                clear_state=True,
            )
            def lambda_handler(event, context):
                logger.append_keys(user=event["user"])
                logger.append_keys(cart=event["cart"])
            ''',
            unsafe=True,
        ),
        Fixed(
            before='''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context(log_event=False, clear_state=False)
            def lambda_handler(event, context):
                logger.append_keys(user=event["user"])
            ''',
            after='''
            from aws_lambda_powertools import Logger

            logger = Logger()

            @logger.inject_lambda_context(log_event=False, clear_state=True)
            def lambda_handler(event, context):
                logger.append_keys(user=event["user"])
            ''',
            unsafe=True,
        ),
    ]


def _clears_state(function: FunctionInfo) -> bool:
    """Decorated with `inject_lambda_context(clear_state=...)` set to True or to a
    value we cannot read."""
    decorator = decorator_named(function, INJECT_LAMBDA_CONTEXT)
    if decorator is None or not isinstance(decorator.decorator, cst.Call):
        return False
    arg = keyword_arg(decorator.decorator, CLEAR_STATE_KEYWORD)
    if arg is None:
        return False
    return is_true(arg.value) or not is_literal(arg.value)


def _takes_keys_off(function: FunctionInfo) -> bool:
    return any(
        isinstance(call.func, cst.Attribute) and call.func.attr.value in KEY_CLEARING_METHODS
        for call in function.calls
    )


def _with_clear_state(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The decorator expression with `clear_state=True` set."""
    true = cst.Name("True")
    if not isinstance(expr, cst.Call):
        return cst.Call(func=expr, args=[_clear_state_arg(true)])
    existing = keyword_arg(expr, CLEAR_STATE_KEYWORD)
    if existing is not None:
        return expr.with_changes(
            args=[arg.with_changes(value=true) if arg is existing else arg for arg in expr.args]
        )
    args = list(expr.args)
    if not args:
        return expr.with_changes(args=[_clear_state_arg(true)])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma (usually one argument per line): the new argument takes
        # over the layout of the previous one.
        between = args[-2].comma if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) else cst.Comma(
            whitespace_after=expr.whitespace_before_args)
        args[-1] = last.with_changes(comma=between)
        args.append(_clear_state_arg(true).with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(_clear_state_arg(true))
    return expr.with_changes(args=args)


def _clear_state_arg(value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(CLEAR_STATE_KEYWORD),
        value=value,
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                              whitespace_after=cst.SimpleWhitespace("")),
    )
