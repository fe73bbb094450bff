"""LAM403 credentials-in-url."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.secrets import (
    LOCAL_HOSTS,
    URL_PASSWORD_PLACEHOLDERS,
    URL_USERINFO,
    is_markup_placeholder,
    secret_in_test_file,
)

from lambdalint.literals import string_parts, string_value

from ._secrets import is_documentation

# Stands for an f-string's `{...}` part: a value filled in at run time.
_HOLE = "\x00"


class CredentialsInUrl(Rule):
    """
    ## What it does
    Flags a string literal (or the literal text of an f-string) holding a URL with
    a password in its user information: `scheme://user:password@host`, as in
    database, Redis, AMQP, MongoDB or HTTP URLs (`postgresql://app:s3cret@db/orders`,
    `redis://:s3cret@cache:6379`).

    ## Why is this bad?
    The password ships with the code, its history and the deployment package, and
    URLs travel further than other strings: they end up in logs, error messages,
    tracebacks and tracing metadata. Build the URL at run time from a secret read
    from Secrets Manager or SSM Parameter Store (SecureString), or pass the
    password to the driver separately.

    Not flagged: URLs without a password (`user@host`) or with an empty one
    (`user:@host`), passwords filled in at run time (`{password}` in an f-string or a
    `.format`/`%` template, `${DB_PASSWORD}`, `<password>`, `****`), documentation
    placeholders (`user:password@host`, `user:pass@host`), development defaults
    for the local machine (`localhost`, `127.0.0.1`, `host.docker.internal`),
    docstrings, and in test files every password that does not look generated
    (a vendor's token, or 20 or more random-looking characters with no stand-in
    word such as `test` or `dummy`): fixtures are full of made-up passwords.

    ## Fix safety
    No automatic fix: the password must be rotated and moved to a secret store.

    ## References
    - [RFC 3986 section 3.2.1: User Information ("use of the format "user:password" is deprecated")](https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1)
    - [Use Secrets Manager secrets in Lambda functions](https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html)
    """

    code = "LAM403"
    name = "credentials-in-url"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("://",)
    # `://`, then `@` before any `/`, within a few lines (a concatenation may break
    # the URL over lines; a user name may be an f-string field).
    pattern = r"://[^/@\n]{0,200}(?:\n[^/@\n]{0,200}){0,4}@"
    tags = ("security", "secrets")

    examples = [
        Bad('''
            import sqlalchemy

            engine = sqlalchemy.create_engine("postgresql://app:Xk9v2Lq7pZ@orders.cluster-abc.eu-west-1.rds.amazonaws.com/orders")  # expect

            def lambda_handler(event, context):
                with engine.connect() as conn:
                    return conn.execute(sqlalchemy.text("SELECT 1")).scalar()
        '''),
        Good('''
            import os
            import sqlalchemy
            from aws_lambda_powertools.utilities import parameters

            creds = parameters.get_secret("prod/db", transform="json")
            url = f"postgresql://{creds['username']}:{creds['password']}@{os.environ['DB_HOST']}/orders"
            engine = sqlalchemy.create_engine(url)

            def lambda_handler(event, context):
                with engine.connect() as conn:
                    return conn.execute(sqlalchemy.text("SELECT 1")).scalar()
        '''),
        Bad('''
            import os
            import redis

            cache = redis.from_url("redis://:cache-pass-123@cache.internal:6379/0")  # expect
            BROKER = f"amqp://worker:W0rk3r!@{os.environ['MQ_HOST']}:5672/"  # expect

            def handler(event, context):
                return cache.get(event["key"])
        '''),
        Bad('''
            import requests

            def lambda_handler(event, context):
                return requests.get(
                    "https://deploy:" "ghp_R8x2LkQ9vP4mZ7wN@github.example.com/api/v3/user",  # expect
                    timeout=5,
                ).json()
        '''),
        Good('''
            import os

            SSH = "ssh://git@github.com/org/repo.git"
            EMPTY = "ftp://anonymous:@ftp.example.com/pub"
            TEMPLATE = "mysql://{user}:{password}@{host}/db"
            PERCENT = "mysql://%s:%s@%s/db"
            SHELL = "https://user:${GITHUB_TOKEN}@github.com/org/repo.git"
            DOCS = "postgresql://user:password@host:5432/dbname"
            LOCAL = os.environ.get("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/app")
            PORT = "https://example.com:8443/path@v2"

            def build(user, password, host):
                """Return a URL like mysql://admin:hunter2@db.example.com/app."""
                return TEMPLATE.format(user=user, password=password, host=host)
        '''),
        Good('''
            DATABASE_URL = "postgresql://test:test-password@db:5432/test"
            REDIS_URL = "redis://:fake-redis-secret@redis:6379/0"
        ''', path="tests/conftest.py"),
    ]

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        text = string_value(node, bytes_too=True)
        if text and "://" in text and not is_documentation(self.ctx):
            self._check(node, text)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if is_documentation(self.ctx):
            return
        text = "".join(
            part.value if isinstance(part, cst.FormattedStringText) else _HOLE for part in node.parts
        )
        if "://" in text:
            self._check(node, text)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        # `"https://user:" "pass@host"`: the parts are checked alone too, so only
        # report what the joined text adds. The inner levels of a long
        # concatenation are parts of this one, not concatenations of their own.
        if isinstance(self.ctx.parent, cst.ConcatenatedString):
            return
        text = string_value(node, bytes_too=True)
        if not text or "://" not in text or is_documentation(self.ctx):
            return
        if any(self._matches(string_value(part, bytes_too=True) or "") for part in string_parts(node)):
            return
        self._check(node, text)

    def _matches(self, text: str) -> bool:
        return any(self._is_credential(m) for m in URL_USERINFO.finditer(text))

    def _is_credential(self, match) -> bool:  # type: ignore[no-untyped-def]
        password = match.group("password")
        host = match.group("host").lower()
        if not password or _HOLE in password or host in LOCAL_HOSTS:
            return False
        if is_markup_placeholder(password) or any(c in password for c in "{}$%<>"):
            return False
        if password.lower() in URL_PASSWORD_PLACEHOLDERS:
            return False
        if self.ctx.model.is_test_file and not secret_in_test_file(password):
            return False  # the stricter bar of test files: made-up passwords are the rule
        return True

    def _check(self, node: cst.CSTNode, text: str) -> None:
        for match in URL_USERINFO.finditer(text):
            if not self._is_credential(match):
                continue
            user = match.group("user").replace(_HOLE, "{...}")
            host = match.group("host").replace(_HOLE, "{...}")
            shown = f"{match.group('scheme')}://{user}:****@{host}"
            self.report(
                node,
                f"URL `{shown}` has a password written into it: it ships with the code and "
                "leaks wherever the URL is logged or shown in an error; build the URL at run "
                "time from a secret in Secrets Manager or SSM Parameter Store (SecureString)",
            )
            return

