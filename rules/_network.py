"""What the network rules (LAM201-LAM207) share: reading a call's arguments,
literal numbers of seconds, AWS client receivers, and the add-a-timeout fix."""

from __future__ import annotations

import libcst as cst

from lambdalint.catalog import AWS_CLIENT_CONSTRUCTORS
from lambdalint.catalog.network import SDK_CLIENT_FACTORY_SUFFIXES, TimeoutParameter
from lambdalint.context import FileContext
from lambdalint.fix import Applicability, Fix
from lambdalint.literals import number_value, simple_value

from ._hoist import literal_argument

_EMPTY = cst.Module([])
# Names followed back to the expression they were bound to.
_MAX_HOPS = 5


def written(node: cst.CSTNode) -> str:
    """The code of a node as it appears in the source."""
    return _EMPTY.code_for_node(node)


def shown_call(ctx: FileContext, call: cst.Call, qualified: str) -> str:
    """`name(...)` as written, with the qualified name when an alias hides it."""
    text = written(call.func)
    return f"`{text}(...)`" if text == qualified else f"`{text}(...)` (`{qualified}`)"


def has_star_args(call: cst.Call) -> bool:
    """`f(*args)` or `f(**kwargs)`: a timeout may be hidden inside."""
    return any(arg.star for arg in call.args)


def keyword_arg(call: cst.Call, keyword: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def argument(call: cst.Call, keyword: str, position: int | None) -> cst.Arg | None:
    """The argument passed as `keyword=`, or at `position` among the positionals."""
    found = keyword_arg(call, keyword)
    if found is not None or position is None:
        return found
    positional = positional_args(call)
    return positional[position] if position < len(positional) else None


def timeout_argument(call: cst.Call, parameter: TimeoutParameter) -> tuple[bool, cst.Arg | None]:
    """(whether a timeout is passed, the argument when it can be pointed at)."""
    found = keyword_arg(call, parameter.keyword)
    if found is not None:
        return True, found
    positional = positional_args(call)
    if parameter.position is not None and parameter.position < len(positional):
        return True, positional[parameter.position]
    if parameter.passed_positionally(len(positional)):
        return True, None
    return False, None


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def literal_seconds(expr: cst.BaseExpression) -> float | None:
    """The value of a literal number, or of arithmetic on literals (`15 * 60`)."""
    if isinstance(expr, cst.Integer):
        return float(number_value(expr))
    if isinstance(expr, cst.Float):
        return float(number_value(expr))
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        value = literal_seconds(expr.expression)
        return -value if value is not None else None
    if isinstance(expr, cst.BinaryOperation):
        left, right = literal_seconds(expr.left), literal_seconds(expr.right)
        if left is None or right is None:
            return None
        operator = expr.operator
        if isinstance(operator, cst.Multiply):
            return left * right
        if isinstance(operator, cst.Add):
            return left + right
        if isinstance(operator, cst.Subtract):
            return left - right
        if isinstance(operator, cst.Divide) and right:
            return left / right
        return None
    return None


def constant_seconds(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> float | None:
    """`literal_seconds`, also through names bound once to such a value: a module-level
    constant (`POLL_SECONDS = 5`, in this module or imported from another of the tree),
    or a local assigned once (`delay = 2 * 60`); arithmetic on them too."""
    value = literal_seconds(expr)
    if value is not None or depth > 4:
        return value
    if isinstance(expr, cst.BinaryOperation):
        left, right = constant_seconds(ctx, expr.left, depth + 1), constant_seconds(ctx, expr.right, depth + 1)
        if left is None or right is None:
            return None
        return literal_seconds(cst.BinaryOperation(left=_number(left), operator=expr.operator, right=_number(right)))
    bound = _constant_binding(ctx, expr)
    return constant_seconds(ctx, bound, depth + 1) if bound is not None else None


def _number(value: float) -> cst.BaseExpression:
    return cst.Float(repr(float(value))) if value >= 0 else cst.UnaryOperation(cst.Minus(), cst.Float(repr(-value)))


def _constant_binding(ctx: FileContext, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    function = ctx.function
    if isinstance(expr, cst.Name) and function is not None:
        current = function
        while current is not None:
            if expr.value in current.scope.global_names:
                break
            if expr.value in current.scope.bindings:
                values = [v for names, v in current.assignments if expr.value in names]
                if len(values) != 1 or expr.value in current.param_names:
                    return None
                return values[0]
            current = current.parent
    site = ctx.model.origin(expr, function)
    if site is None or site[2]:
        return None
    model, name = site[0], site[1]
    if any(name in f.scope.global_names for f in model.functions.values()):
        return None
    values = [
        small.value
        for statement in model.module.body if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None and any(
            isinstance(target, cst.Name) and target.value == name
            for target in ([t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]))
    ]
    binding = model.summary.module_scope.bindings.get(name)
    return values[0] if len(values) == 1 and binding is values[0] else None


def format_seconds(seconds: float) -> str:
    """10.0 -> `10`, 2.5 -> `2.5`: how the fix writes a number of seconds."""
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


def where(ctx: FileContext) -> str:
    """Where the call runs, for messages: ` (in `f`, called from `handler`)`,
    ` at module scope (during init)` or nothing."""
    if ctx.in_invocation_scope:
        return f" ({ctx.scope_note()})"
    if ctx.function is None:
        return " at module scope (during init)"
    return ""


def checked_here(ctx: FileContext) -> bool:
    """The rules that apply outside invocation scope check the code Lambda runs
    (`FileContext.deployed`): not test code (tests mock the network or talk to
    local fakes), scripts or modules no handler's module imports, and not the
    `if __name__ == "__main__":` block of a deployed module, which Lambda never runs."""
    if not ctx.runs_on_lambda:
        return False
    return not any(isinstance(node, cst.If) and _is_main_guard(node.test) for node in ctx.ancestors)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = [test.left, test.comparisons[0].comparator]
    return isinstance(test.comparisons[0].operator, cst.Equal) and \
        any(isinstance(side, cst.Name) and side.value == "__name__" for side in sides) and \
        any(isinstance(side, cst.SimpleString) and simple_value(side) == "__main__" for side in sides)


# -- the timeout fix -----------------------------------------------------------------------


def add_timeout_fix(call: cst.Call, keyword: str, seconds: float, existing: cst.Arg | None) -> Fix:
    """Set `keyword=<seconds>`: replace an explicit `None`, or append the keyword."""
    value = cst.parse_expression(format_seconds(seconds))
    if existing is not None:
        new_call = call.with_changes(
            args=[arg.with_changes(value=value) if arg is existing else arg for arg in call.args]
        )
        title = f"Replace `{keyword}=None` with `{keyword}={format_seconds(seconds)}`"
    else:
        new_call = call.with_changes(args=_appended(call, cst.Arg(
            value=value,
            keyword=cst.Name(keyword),
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                  whitespace_after=cst.SimpleWhitespace("")),
        )))
        title = f"Add `{keyword}={format_seconds(seconds)}`"
    return Fix.replace(call, new_call, title, Applicability.UNSAFE)


def _appended(call: cst.Call, new: cst.Arg) -> list[cst.Arg]:
    args = list(call.args)
    if not args:
        return [new]
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma: the new argument takes it (and with it the line break
        # before the closing parenthesis); the old last one gets a separator like
        # the others'.
        if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
            separator = args[-2].comma
        elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
            separator = cst.Comma(whitespace_after=call.whitespace_before_args)
        else:
            separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args[-1] = last.with_changes(comma=separator)
        return [*args, new.with_changes(comma=last.comma)]
    args[-1] = last.with_changes(
        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        whitespace_after_arg=cst.SimpleWhitespace(""),
    )
    return [*args, new.with_changes(whitespace_after_arg=last.whitespace_after_arg)]


# -- AWS SDK clients -----------------------------------------------------------------------


def sdk_constructors(ctx: FileContext) -> frozenset[str]:
    return AWS_CLIENT_CONSTRUCTORS | frozenset(ctx.config.extra_clients)


def is_sdk_client_factory(qualified: str, ctx: FileContext) -> bool:
    """`boto3.client`, `boto3.resource`, `session.client`, `create_client`, not sessions."""
    return qualified in sdk_constructors(ctx) and qualified.rsplit(".", 1)[-1] in SDK_CLIENT_FACTORY_SUFFIXES


def client_method(ctx: FileContext, func: cst.BaseExpression) -> str | None:
    """For `s3.get_object` on an AWS SDK *client* (not a resource), the operation name."""
    if not isinstance(func, cst.Attribute):
        return None
    qualified = ctx.qualify(func) or ""
    owner, _, method = qualified.rpartition(".")
    if not owner.endswith("()"):
        return None
    constructor = owner[:-2]
    if constructor not in sdk_constructors(ctx) or constructor.endswith("resource"):
        return None
    return method


def client_service(ctx: FileContext, receiver: cst.BaseExpression) -> str | None:
    """The service literal of the client an expression holds (`boto3.client("lambda")`),
    followed through names; None when it is not visible."""
    expr: object = receiver
    for _ in range(_MAX_HOPS):
        if isinstance(expr, cst.Name):
            expr = ctx.binding_of(expr.value)
            continue
        if isinstance(expr, cst.Call) and (ctx.qualify(expr.func) or "") in sdk_constructors(ctx):
            service = literal_argument(expr, "service_name")
            return service.lower() if service else None
        return None
    return None
