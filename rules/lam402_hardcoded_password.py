"""LAM402 hardcoded-password."""

from __future__ import annotations

import re

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.secrets import (
    AWS_CREDENTIAL_KWARGS,
    SECRET_NAME_STEMS,
    aws_key_ids,
    is_password_like,
    not_a_secret,
)

from ._secrets import string_value, target_name

# The shapes of the text a finding needs, lowered, stem first: `name = "x"`,
# `name: T = "x"`, `d["name"] = "x"`, `f(name="x")`, `{"name": "x"}`,
# `name, other = ...` and `other, name = ...` (a parenthesised value may start on
# the next line, after a comment).
_STEM = "(?:" + "|".join(SECRET_NAME_STEMS) + ")"
_STRING = r"(?:#[^\n]*\n\s*)?[rbu]{0,2}['\"]"
_BOUND_TO_SECRET_NAME = re.compile(
    _STEM + "(?:"
    + r"\w*(?:['\"]\s*\])?\s*(?::[^=\n]*)?=\s*[(\[]?\s*" + _STRING
    + r"|[^'\"\n]*['\"]\s*:\s*[(\[]?\s*" + _STRING
    + r"|\w*\s*[,)\]][^=\n]*=[^\n]*['\"]"
    + ")"
)
_UNPACKED = re.compile(r",\s*" + _STEM + r"\w*\s*[)\]]?\s*=[^\n]*['\"]")


class HardcodedPassword(Rule):
    """
    ## What it does
    Flags a string literal that looks like a secret, assigned to, passed as, stored
    under or given as the default of a password-like name: `password`, `passwd`,
    `pwd`, `passphrase`, `secret`, `token`, `api_key`/`apiKey`, `access_token`,
    `client_secret`, `private_key`, `secret_key`, in any case and with any prefix
    (`DB_PASSWORD`, `githubToken`, `self.api_key`, `config["password"]`,
    `connect(password=...)`, `{"client_secret": ...}`, `def f(token=...)`).

    What looks like a secret depends on the name. People choose passwords, so under
    a password's name (`password`, `passwd`, `pwd`, `passphrase`) any text may be one
    (`"hunter2!"`, `"changeme"`). Machines generate tokens, keys and client secrets,
    so under their names the value must look generated: a vendor's prefix with a
    random body (`ghp_`, `github_pat_`, `glpat-`, `xoxb-`, `sk_live_`, `whsec_`,
    `sk-`, `AIza`, `SG.`, `npm_`, `hf_`, ...), a JSON Web Token, a PEM private key, or
    eight or more varied characters mixing letters with digits (or three kinds of
    character) that are not made of words (`"k-7Hq2Lm9Pz4Rx8Vt1"`,
    `"9f8e7d6c5b4a39281706"`, not `"LambdaARN"` or `"orders-api-token-2024"`). In
    test files the bar is higher for every name: a vendor's token, or 20 or more
    generated-looking characters with no stand-in word (`test`, `fake`, `dummy`,
    ...) in them.

    ## Why is this bad?
    A secret in the code ships with every copy of the repository, its history and
    the deployment package, and cannot be rotated without a deployment. Keep secrets
    in AWS Secrets Manager or SSM Parameter Store (SecureString) and read them once
    per execution environment, for example with Powertools `parameters` or the AWS
    Parameters and Secrets Lambda extension, which cache them.

    Not flagged: secret *identifiers*, which are not secrets: ARNs, SSM
    parameter paths (`"/prod/db/password"`), Secrets Manager ids and KMS aliases
    (`"prod/db/credentials"`, and names such as `"orders-db-credentials"` given to a
    `*secret*` name), URLs, file names (`"key.pem"`), regular expressions, header and field
    names (`"x-api-token"`, `"password"`), environment-variable names
    (`"DB_PASSWORD"`), placeholders and templates (`"<password>"`, `"${TOKEN}"`,
    `"{password}"`, `"xxx"`, AWS's `...EXAMPLE` keys, values cut short for show such as
    `"eyJraWQiOiJX..."`), text with spaces (messages,
    labels; a PEM private key is still flagged), settings and type names (`"true"`,
    `"SecureString"`, `"Bearer"`), empty and two-character strings. Names that only
    look secret are not password-like: AWS pagination and idempotency fields
    (`NextToken`, `ContinuationToken`, `Marker`, `ClientToken`, Step Functions'
    `TaskToken`), identifiers of secrets (`secret_name`, `SECRET_ARN`,
    `token_url`, `token_type`), flags (`is_secret`, `use_token`) and counts
    (`max_tokens`). Names and words under a token's or key's name are not
    generated secrets (`"ServiceToken": "LambdaARN"`, `token = "token_type"`,
    `SLACK_TOKEN_SECRET = "prod-slack-bot-token"`). Values read at run time
    (`token = event["token"]`) are not literals. In test files, made-up values
    (`"changeme"`, `"test-password"`, `"Adm1n-Pa55"`, token fixtures such as JWTs,
    PEM test keys) are not flagged; in production code `"changeme"` under a
    password's name is a default password and is reported. Keyword arguments `aws_access_key_id`,
    `aws_secret_access_key` and `aws_session_token`, and strings holding an AWS
    access key id, are LAM401's.

    Not seen: passwords passed by position (`HTTPBasicAuth("user", "pw")`),
    compared (`if token == "..."`), or inside a longer string (see LAM403 for URLs).

    ## Fix safety
    No automatic fix: the secret must be rotated and moved to a secret store,
    which the code cannot do.

    ## References
    - [Use Secrets Manager secrets in Lambda functions](https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html)
    - [Powertools for AWS Lambda (Python): Parameters](https://docs.powertools.aws.dev/lambda/python/latest/utilities/parameters/)
    - [bandit B105/B106/B107 hardcoded passwords](https://bandit.readthedocs.io/en/latest/plugins/b105_hardcoded_password_string.html)
    """

    code = "LAM402"
    name = "hardcoded-password"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = tuple(sorted({v for stem in SECRET_NAME_STEMS for v in (stem, stem.capitalize(), stem.upper())}))
    tags = ("security", "secrets")

    def may_fire_on(self, text: str) -> bool:
        # Library code says `api` and `token` everywhere; a finding needs a string
        # literal bound to such a name. Searched in the lowered text: a
        # case-insensitive search is six times slower.
        lowered = text.lower()
        return _BOUND_TO_SECRET_NAME.search(lowered) is not None or _UNPACKED.search(lowered) is not None

    examples = [
        Bad('''
            import pymysql

            DB_PASSWORD = "s3cr3t-Pa55!"  # expect

            def lambda_handler(event, context):
                conn = pymysql.connect(host="db.internal", user="app", password="hunter2!")  # expect
                return conn.ping()
        '''),
        Good('''
            import os
            import pymysql
            from aws_lambda_powertools.utilities import parameters

            DB_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
            SSM_PASSWORD = "/prod/db/password"
            password_param = "prod/db/credentials"
            PASSWORD_ENV = "DB_PASSWORD"

            def lambda_handler(event, context):
                password = parameters.get_secret(DB_SECRET_ARN, max_age=300)
                conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", password=password)
                return conn.ping()
        '''),
        Bad('''
            import requests

            class GitHub:
                def __init__(self, token="ghp_R8x2LkQ9vP4mZ7wN1sT6yB3cD5fG0hJ2kL9q"):  # expect
                    self.token = token
                    self.apiKey = "k-7Hq2Lm9Pz4Rx8Vt1"  # expect

            def handler(event, context):
                body = {"client_id": "app", "client_secret": "9f8e7d6c5b4a39281706"}  # expect
                headers = {}
                headers["X-Api-Key"] = "AbC123xYz789QwE456"  # expect
                return requests.post("https://example.com/token", data=body, headers=headers, timeout=5)
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def list_all(bucket, token=""):
                kwargs = {"Bucket": bucket}
                if token:
                    kwargs["ContinuationToken"] = token
                page = s3.list_objects_v2(**kwargs)
                return page.get("NextContinuationToken"), page.get("Contents", [])

            def lambda_handler(event, context):
                token = event["token"]
                next_token, marker = None, ""
                TOKEN_HEADER = "x-api-token"
                token_type = "Bearer"
                headers = {"Authorization": f"Bearer {token}", "x-api-key": "<api key>"}
                message = {"password": "Please enter your password"}
                return list_all(event["bucket"], token=next_token), headers, message, TOKEN_HEADER
        '''),
        Bad('''
            from dataclasses import dataclass

            @dataclass
            class Settings:
                api_key: str = "sk_live_51HxQ2Lm9Pz4Rx8Vt1"  # expect
                webhook_secret: bytes = b"whsec_4f9a8b7c6d5e"  # expect
                timeout: int = 5

            PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAK\\n-----END RSA PRIVATE KEY-----"  # expect
        '''),
        Good('''
            import os

            def connect(password=None, secret_name="prod/db", token_url="https://auth.example.com/token"):
                return password, secret_name, token_url

            def lambda_handler(event, context):
                is_secret = "yes"
                max_tokens = 512
                template = {"password": "{password}", "token": "${API_TOKEN}", "apiKey": "xxxx"}
                return connect(password=os.environ["DB_PASSWORD"]), template, is_secret, max_tokens
        '''),
        Good('''
            from aws_cdk import CustomResource, Stack

            class SeedStack(Stack):
                def __init__(self, scope, provider):
                    super().__init__(scope, "Seed")
                    CustomResource(self, "SeedData", service_token=provider.service_token,
                                   properties={"ServiceToken": "LambdaARN", "Table": "orders"})
                    self.auth = {"token_type": "Bearer", "access_token": "access_token"}
                    self.slack_token_secret = "prod-slack-bot-token"
        '''),
        Bad('''
            SLACK_BOT_TOKEN = "xoxb-2847562910-9182736450-Zq8Lm2Vx7Rt4Wp9Kd3Hn"  # expect

            def lambda_handler(event, context):
                return SLACK_BOT_TOKEN[:4]
        '''),
        Good('''
            import pytest

            @pytest.fixture
            def settings(monkeypatch):
                monkeypatch.setenv("DB_PASSWORD", "test-password")
                return {"password": "changeme", "api_key": "fake-api-key", "db_password": "Adm1n-Pa55"}

            def test_login(settings):
                token = "dummy-token"
                assert settings["password"] == "changeme" and token
        ''', path="tests/test_settings.py"),
    ]

    # -- where values are bound to names --------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value, "assigned to")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value, "assigned to")

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is None or node.keyword.value in AWS_CREDENTIAL_KWARGS:
            return  # positional, or LAM401's
        self._check(node.keyword.value, node.value, "passed as")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = string_value(node.key)
        if key is not None:
            self._check(key, node.value, "stored under")

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            self._check(node.name.value, node.default, "the default of")

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, how: str) -> None:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
                and len(target.elements) == len(value.elements):
            for t, v in zip(target.elements, value.elements):
                self._bind(t.value, v.value, how)
            return
        name = target_name(target)
        if name is not None:
            self._check(name, value, "stored under" if isinstance(target, cst.Subscript) else how)

    # -- the check -------------------------------------------------------------------------

    def _check(self, name: str, value: cst.BaseExpression, how: str) -> None:
        text = string_value(value)
        if text is None or not is_password_like(name):
            return
        if not_a_secret(text, in_test=self.ctx.model.is_test_file, name=name) is not None:
            return
        if aws_key_ids(text):
            return  # an AWS key id: LAM401 reports it
        where = {
            "assigned to": f"assigned to `{name}`",
            "passed as": f"passed as `{name}=`",
            "stored under": f'stored under the key "{name}"',
            "the default of": f"as the default of parameter `{name}`",
        }[how]
        self.report(
            value,
            f"hard-coded secret {where}: it ships with the code, its history and the deployment "
            "package, and cannot be rotated without a deployment; keep it in Secrets Manager or "
            "SSM Parameter Store (SecureString) and read it once per execution environment "
            "(e.g. Powertools `parameters`)",
        )
