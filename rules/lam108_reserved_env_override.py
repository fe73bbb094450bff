"""LAM108 reserved-env-override."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import (
    ENV_PUTENV,
    ENV_WRITE_METHODS,
    ENVIRON_MAPPINGS,
    PER_INVOCATION_ENV_VARS,
    RESERVED_ENV_PREFIXES,
    RESERVED_ENV_VARS,
    is_reserved_env_var,
)
from lambdalint.literals import simple_value, string_value


class ReservedEnvOverride(Rule):
    """
    ## What it does
    Flags code that writes an environment variable the Lambda runtime reserves:
    `os.environ["AWS_REGION"] = ...`, `os.environ.update(...)`,
    `os.environ.setdefault(...)` and `os.putenv(...)` with a literal name among
    `_HANDLER`, `_X_AMZN_TRACE_ID`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
    `AWS_EXECUTION_ENV`, `AWS_LAMBDA_*`, `AWS_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`,
    `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `LAMBDA_TASK_ROOT` and
    `LAMBDA_RUNTIME_DIR`. Anywhere in the file, module scope included; test files
    are exempt.

    ## Why is this bad?
    Lambda sets these variables for every execution environment: the function's
    region, the execution role's temporary credentials, the X-Ray trace header of
    the current request, the paths of the code and the runtime. Lambda does not let
    you set them in the function's configuration for that reason, but code can still
    overwrite them, and then the SDK signs with other credentials or calls another
    region, tracing loses the request, and the runtime or extensions read values
    that no longer describe the function. A write lasts for the life of the
    environment, so one request's change leaks into every later warm invocation
    (only the trace header is set again by the runtime for each request).

    `setdefault` is flagged too: on Lambda the variable is always set, so the call
    does nothing there and only hides a missing setting when the code runs
    elsewhere. Pass values explicitly instead (`boto3.client("s3",
    region_name=...)`), or use your own variable names.

    Not flagged: reads, names that only look reserved (`MY_AWS_REGION`), names that
    are not literals, code Lambda does not run (test files: `test_*.py`, `*_test.py`,
    `conftest.py`, files in `tests/`; scripts and modules that no handler's module
    imports; see docs/handlers.md), pytest's `monkeypatch.setenv`, and code under
    `if __name__ == "__main__":`, which only runs when the file is run as a script
    (Lambda imports the module, so it never runs there).

    ## Fix safety
    No automatic fix: the right replacement (an explicit argument, another name)
    depends on what the write was for.

    ## References
    - [Defined runtime environment variables](https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
    - [Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
    - [`os.environ`](https://docs.python.org/3/library/os.html#os.environ)
    """

    code = "LAM108"
    name = "reserved-env-override"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    # The rule needs a literal name, so one of these is always in the text.
    words = tuple(sorted(RESERVED_ENV_VARS)) + RESERVED_ENV_PREFIXES
    tags = ("correctness", "security")

    examples = [
        Bad('''
            import os

            os.environ["AWS_REGION"] = "eu-west-1"  # expect

            def lambda_handler(event, context):
                return os.environ["AWS_REGION"]
        '''),
        Good('''
            import os

            import boto3

            REGION = os.environ.get("TARGET_REGION", os.environ["AWS_REGION"])
            s3 = boto3.client("s3", region_name=REGION)

            def lambda_handler(event, context):
                return s3.list_buckets()
        '''),
        Bad('''
            import os
            from os import environ as env

            def lambda_handler(event, context):
                env["_X_AMZN_TRACE_ID"] = event["trace"]  # expect
                os.environ.update({
                    "AWS_ACCESS_KEY_ID": event["key"],  # expect
                    "MY_SETTING": "1",
                })
                os.environ.update(AWS_LAMBDA_FUNCTION_NAME="orders-test")  # expect
        '''),
        Bad('''
            import os as system

            system.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # expect
            system.putenv("LAMBDA_TASK_ROOT", "/var/task/src")  # expect

            def handler(event, context):
                system.environ["AWS_SESSION_TOKEN"] += ""  # expect
        '''),
        Good('''
            import os

            os.environ["MY_AWS_REGION"] = "eu-west-1"
            os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "orders")

            def lambda_handler(event, context):
                name = event["name"]
                os.environ[name] = "1"
                os.environ.update({name: event["value"]})
                return os.environ.get("AWS_REGION"), os.getenv("AWS_LAMBDA_FUNCTION_NAME")
        '''),
        Good('''
            import os

            def test_uses_region(monkeypatch):
                monkeypatch.setenv("AWS_REGION", "eu-west-1")
                os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"
                assert os.environ["AWS_REGION"] == "eu-west-1"
        ''', path="tests/test_app.py"),
        Good('''
            import os

            def lambda_handler(event, context):
                return {"region": os.environ["AWS_REGION"]}

            if __name__ == "__main__":
                os.environ["AWS_REGION"] = "eu-west-1"
                print(lambda_handler({}, None))
        '''),
        Good('''
            import os

            os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
            os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
        ''', path="conftest.py"),
    ]

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._check_target(target.target, None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check_target(node.target, None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self._is_environ(node.target) and isinstance(node.operator, cst.BitOrAssign):
            self._check_mapping(node.value, f"`{_code(node.target)} |= ...`")
        else:
            self._check_target(node.target, node.operator)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.runs_on_lambda:
            return
        name = self.ctx.qualify(node.func)
        if name is None:
            return
        if name == ENV_PUTENV:
            self._check_key(_first_argument(node, "key"), _call_text(node, name))
            return
        owner, _, method = name.rpartition(".")
        if owner not in ENVIRON_MAPPINGS or method not in ENV_WRITE_METHODS:
            return
        written = _call_text(node, name)
        if method == "setdefault":
            self._check_key(_first_argument(node, "key"), written, setdefault=True)
            return
        for arg in node.args:
            if arg.keyword is not None:
                self._report(arg.keyword, arg.keyword.value, written)
            elif arg.star != "*":  # positional mapping, or `**{...}`
                self._check_mapping(arg.value, written)

    # -- helpers --------------------------------------------------------------------

    def _under_main_guard(self) -> bool:
        return any(isinstance(node, cst.If) and _is_main_test(node.test) for node in self.ctx.ancestors)

    def _is_environ(self, expr: cst.BaseExpression) -> bool:
        return self.ctx.qualify(expr) in ENVIRON_MAPPINGS

    def _check_target(self, target: cst.BaseExpression, operator: cst.BaseAugOp | None) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._check_target(element.value, operator)
        elif isinstance(target, cst.StarredElement):
            self._check_target(target.value, operator)
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1 and self._is_environ(target.value):
            index = target.slice[0].slice
            if isinstance(index, cst.Index):
                sign = _code(operator).strip() if operator is not None else "="
                self._check_key(index.value, f"`{_code(target)} {sign} ...`")

    def _check_mapping(self, value: cst.BaseExpression, written: str) -> None:
        """Literal keys of a dict display, `dict(K=...)`, or a name bound to either."""
        if isinstance(value, cst.Name):
            bound = self.ctx.binding_of(value.value)
            if isinstance(bound, (cst.Dict, cst.Call)):
                value = bound
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement):
                    self._check_key(element.key, written)
        elif isinstance(value, cst.Call) and self.ctx.qualify(value.func) == "builtins.dict":
            for arg in value.args:
                if arg.keyword is not None:
                    self._report(arg.keyword, arg.keyword.value, written)

    def _check_key(self, key: cst.BaseExpression | None, written: str, *, setdefault: bool = False) -> None:
        if not isinstance(key, (cst.SimpleString, cst.ConcatenatedString)):
            return
        # None for what LibCST parses but Python rejects, e.g. "a" b"b".
        value = string_value(key, bytes_too=True)
        if value is not None:
            self._report(key, value, written, setdefault=setdefault)

    def _report(self, node: cst.CSTNode, variable: str, written: str, *, setdefault: bool = False) -> None:
        if not self.ctx.runs_on_lambda or not is_reserved_env_var(variable):
            return
        if self._under_main_guard():
            return  # `python app.py` only: Lambda imports the module, so this never runs there
        if setdefault:
            message = (
                f"{written} gives a default to `{variable}`, which the Lambda runtime always "
                "sets (reserved): it does nothing on Lambda and hides a missing setting "
                "elsewhere; pass the value explicitly or configure it outside the code"
            )
        else:
            lasts = (
                "for the rest of this invocation" if variable in PER_INVOCATION_ENV_VARS
                else "in this and every later warm invocation"
            )
            message = (
                f"{written} overwrites `{variable}`, which the Lambda runtime sets (reserved): "
                f"{_consequence(variable)}, {lasts}; pass the value explicitly or use a "
                "variable name of your own"
            )
        self.report(node, message)


def _is_main_test(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`, either way round."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    names = [s.value for s in sides if isinstance(s, cst.Name)]
    strings = [simple_value(s) for s in sides if isinstance(s, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]


def _consequence(variable: str) -> str:
    if "REGION" in variable:
        return "SDK clients then call another region than the function's"
    if variable.startswith(("AWS_ACCESS_KEY", "AWS_SECRET", "AWS_SESSION")):
        return "the SDK then signs with other credentials than the execution role's"
    if variable == "_X_AMZN_TRACE_ID":
        return "X-Ray then loses the request's trace"
    return "the runtime, extensions and libraries then read a value that no longer describes the function"


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _call_text(node: cst.Call, qualified: str) -> str:
    written = _code(node.func)
    return f"`{written}(...)`" + ("" if written == qualified else f" (`{qualified}`)")


def _first_argument(node: cst.Call, keyword: str) -> cst.BaseExpression | None:
    for arg in node.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif not arg.star:
            return arg.value
        else:
            return None
    return None
