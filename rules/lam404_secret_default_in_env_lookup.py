"""LAM404 secret-default-in-env-lookup."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.secrets import aws_key_ids, is_secret_env_var, not_a_secret

from ._secrets import ENV_GET_CALLS, argument, code, env_name, string_value

# Lookups whose second argument is returned when the variable is not set.
_LOOKUPS_WITH_DEFAULT = ENV_GET_CALLS | {"os.environ.setdefault"}


class SecretDefaultInEnvLookup(Rule):
    """
    ## What it does
    Flags an environment lookup of a password-like variable with a non-empty
    string literal as its fallback: `os.environ.get("DB_PASSWORD", "...")`,
    `os.getenv("API_TOKEN", "...")`, `os.environ.setdefault("SECRET_KEY", "...")`,
    and the same fallback written as `os.getenv("API_TOKEN") or "..."`. The name
    may be a literal or a module constant bound to one.

    ## Why is this bad?
    The fallback is a real secret shipped in the code: it is in the repository,
    its history and the deployment package, and it is silently used whenever the
    variable is missing (a typo in the template, a new stage), so a production
    function may run with a development password nobody rotates. Read the
    variable without a default (`os.environ["DB_PASSWORD"]` fails fast), or better,
    keep the secret in Secrets Manager or SSM Parameter Store and read it once per
    execution environment; plain environment variables are visible to anyone who
    can read the function's configuration.

    Not flagged: empty or `None` defaults, defaults that are identifiers of a
    secret rather than the secret (`os.getenv("DB_SECRET", "prod/db/credentials")`,
    SSM paths, ARNs), placeholders (`"<token>"`), defaults of a token or key that do
    not look generated (`os.getenv("SERVICE_TOKEN", "LambdaARN")`; LAM402 says what
    looks like a secret, and a password may be any text), made-up values in test
    files, variables whose names only look secret (`DB_SECRET_ARN`, `TOKEN_URL`,
    `PWD`), and defaults built at run time.

    ## Fix safety
    No automatic fix: dropping the default changes what happens when the
    variable is missing, and the secret must be rotated anyway.

    ## References
    - [Using Lambda environment variables](https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html)
    - [Use Secrets Manager secrets in Lambda functions](https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html)
    - [`os.getenv`](https://docs.python.org/3/library/os.html#os.getenv)
    """

    code = "LAM404"
    name = "secret-default-in-env-lookup"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("getenv", "environ")
    tags = ("security", "secrets")

    examples = [
        Bad('''
            import os

            DB_PASSWORD = os.environ.get("DB_PASSWORD", "pg-Dev-2024!")  # expect

            def lambda_handler(event, context):
                return DB_PASSWORD
        '''),
        Good('''
            import os

            DB_PASSWORD = os.environ["DB_PASSWORD"]

            def lambda_handler(event, context):
                return DB_PASSWORD
        '''),
        Bad('''
            from os import getenv, environ as env

            TOKEN_VAR = "GITHUB_TOKEN"

            def handler(event, context):
                token = getenv(TOKEN_VAR, default="ghp_R8x2LkQ9vP4mZ7wN1sT6")  # expect
                key = env.get("STRIPE_API_KEY") or "sk_test_51HxQ2Lm9Pz4"  # expect
                env.setdefault("JWT_SECRET", "q8Z!xv2Lm9")  # expect
                return token, key
        '''),
        Good('''
            import os

            def lambda_handler(event, context):
                return (
                    os.getenv("DB_PASSWORD", ""),
                    os.getenv("API_TOKEN", None),
                    os.getenv("DB_SECRET", "prod/db/credentials"),
                    os.getenv("DB_PASSWORD_PARAM", "/prod/db/password"),
                    os.getenv("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:db"),
                    os.getenv("TOKEN_URL", "https://auth.example.com/token"),
                    os.getenv("PWD", "/var/task"),
                    os.getenv("LOG_LEVEL", "INFO"),
                    os.getenv("API_KEY", "<set me>"),
                    os.getenv("API_KEY") or event["api_key"],
                )
        '''),
        Good('''
            import os

            def test_connects(monkeypatch):
                password = os.getenv("DB_PASSWORD", "changeme")
                assert password
        ''', path="tests/test_db.py"),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ctx.qualify(node.func)
        if qualified not in _LOOKUPS_WITH_DEFAULT:
            return
        variable = env_name(self.ctx, argument(node, 0, "key"))
        default = argument(node, 1, "default")
        if variable is not None and default is not None:
            self._check(node, variable, default)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if not isinstance(node.operator, cst.Or) or not isinstance(node.left, cst.Call):
            return
        lookup = node.left
        if self.ctx.qualify(lookup.func) not in ENV_GET_CALLS:
            return
        variable = env_name(self.ctx, argument(lookup, 0, "key"))
        if variable is not None:
            self._check(lookup, variable, node.right)

    def _check(self, lookup: cst.Call, variable: str, default: cst.BaseExpression) -> None:
        text = string_value(default)
        if text is None or not is_secret_env_var(variable):
            return
        if not_a_secret(text, in_test=self.ctx.model.is_test_file, name=variable) is not None \
                or aws_key_ids(text):
            return
        self.report(
            default,
            f"`{code(lookup.func)}(...)` falls back to a hard-coded value for `{variable}`: the "
            "secret ships in the code and is used silently whenever the variable is missing; "
            "read the variable without a default, or keep the secret in Secrets Manager or SSM "
            "Parameter Store",
        )
