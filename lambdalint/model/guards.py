"""Branches Lambda never takes: code under a test of the runtime's own environment.

Code written for a laptop or a test run often sits in the module Lambda imports,
behind a test of a variable the Lambda runtime always sets:

    if "AWS_EXECUTION_ENV" not in os.environ:
        table = boto3.resource("dynamodb", endpoint_url="http://localhost:8000")

On Lambda that branch never runs (nor the `else` of `if "AWS_EXECUTION_ENV" in
os.environ:`), so it is not code Lambda runs, per invocation or at init.
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from lambdalint import catalog
from lambdalint.literals import simple_value
from lambdalint.model.module import ModuleModel
from lambdalint.model.summary import FunctionInfo


def on_lambda(model: ModuleModel, test: cst.BaseExpression, function: FunctionInfo | None) -> bool | None:
    """True when ``test`` holds on Lambda (it says the runtime's variable is set), False
    when it never does, None when it says nothing about where the code runs."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = on_lambda(model, test.expression, function)
        return None if inner is None else not inner
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        operator = target.operator
        if isinstance(operator, (cst.In, cst.NotIn)) and _runtime_variable(test.left) \
                and model.qualify(target.comparator, function) in catalog.ENVIRON_MAPPINGS:
            return isinstance(operator, cst.In)
        if isinstance(operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) \
                and isinstance(target.comparator, cst.Name) and target.comparator.value == "None" \
                and _reads_runtime_variable(model, test.left, function):
            return isinstance(operator, (cst.IsNot, cst.NotEqual))
        return None
    if _reads_runtime_variable(model, test, function):
        return True  # `if os.environ.get("AWS_EXECUTION_ENV"):`
    return None


def off_lambda(model: ModuleModel, ancestors: Sequence[cst.CSTNode], function: FunctionInfo | None,
               verdicts: dict[int, bool | None]) -> bool:
    """Whether the innermost node of ``ancestors`` (outermost first) lies in a branch
    Lambda never takes. ``verdicts`` keeps each `if`'s answer (by id) for the file."""
    for index in range(len(ancestors) - 1):
        node = ancestors[index]
        # By exact type (LibCST's node classes have no subclasses): asked for the
        # ancestors of every node a rule checks, and `isinstance` through LibCST's
        # abstract bases costs several times more when the answer is no.
        if type(node) not in _BRANCHES:
            continue
        key = id(node)
        if key not in verdicts:
            verdicts[key] = on_lambda(model, node.test, function)
        verdict = verdicts[key]
        if verdict is None:
            continue
        branch = ancestors[index + 1]
        if branch is node.body:
            taken = verdict
        elif branch is node.orelse:
            taken = not verdict
        else:
            continue
        if not taken:
            return True
    return False


_BRANCHES = frozenset({cst.If, cst.IfExp})


def _runtime_variable(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.SimpleString) and simple_value(expr) in catalog.LAMBDA_RUNTIME_VARIABLES


def _reads_runtime_variable(model: ModuleModel, expr: cst.BaseExpression, function: FunctionInfo | None) -> bool:
    """`os.environ.get("AWS_EXECUTION_ENV")`, `os.getenv("AWS_LAMBDA_FUNCTION_NAME")`."""
    return isinstance(expr, cst.Call) and bool(expr.args) and expr.args[0].keyword is None \
        and model.qualify(expr.func, function) in catalog.ENV_READS and _runtime_variable(expr.args[0].value) \
        and len(expr.args) == 1
