"""Targeted tests for the credentials and secrets rules (LAM401-LAM407).

The rule examples (run by test_rule_examples.py) show the main cases; here:
the catalog's name and value tests one by one, the traps each rule documents
(aliases, pagination fields, identifiers of secrets, test files, flows through
helpers and modules), messages that never repeat the secret, pre-scan words,
and the example project.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from cli_helpers import C_RECURSION_CAPPED

from lambdalint.catalog import secrets as catalog
from lambdalint.registry import load_registry
from lambdalint.testing import check_example, run_rule

RULES = load_registry(include_plugins=False).rules
CODES = ("LAM401", "LAM402", "LAM403", "LAM404", "LAM405", "LAM406", "LAM407")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def findings(code: str, source: str, path: str = "app.py", files: dict[str, str] | None = None,
             config: dict | None = None):
    project = {path: textwrap.dedent(source).lstrip("\n")}
    project.update({p: textwrap.dedent(t) for p, t in (files or {}).items()})
    result = run_rule(RULES[code], project, config)
    assert not result.internal_error, result.messages
    return [d for d in result.diagnostics if d.code == code]


def rows(code: str, source: str, **kwargs) -> list[int]:
    return [d.location.row for d in findings(code, source, **kwargs)]


# -- metadata -----------------------------------------------------------------------------


def test_severities_and_opt_in_match_the_spec():
    assert {c: RULES[c].severity.value for c in CODES} == {
        "LAM401": "error", "LAM402": "error", "LAM403": "error", "LAM404": "error",
        "LAM405": "error", "LAM406": "warning", "LAM407": "info",
    }
    assert [c for c in CODES if not RULES[c].default_enabled] == ["LAM407"]


@pytest.mark.parametrize("sequence", catalog.SECRET_NAME_SEQUENCES)
def test_lam402_prescan_words_cover_every_password_like_name(sequence):
    words = RULES["LAM402"].words
    for spelling in ("_".join(sequence), "_".join(sequence).upper(),
                     sequence[0] + "".join(w.capitalize() for w in sequence[1:]),
                     "".join(w.capitalize() for w in sequence)):
        assert any(word in spelling for word in words), spelling


@pytest.mark.parametrize("ending", catalog.SECRET_WORD_ENDINGS)
def test_lam402_prescan_words_cover_run_together_names(ending):
    assert any(word in "db" + ending for word in RULES["LAM402"].words)


@pytest.mark.parametrize("source", [
    'DB_PASSWORD = "s3cr3t-Pa55!"\n',
    'db_password: str = "s3cr3t-Pa55!"\n',
    'settings["password"] = "s3cr3t-Pa55!"\n',
    'self.apiKey = (\n    "sk_live_4eC39HqLyjWDarjtT1"\n)\n',
    'connect(host="db", password=b"s3cr3t-Pa55!")\n',
    'CONFIG = {"client_secret": "s3cr3t-Pa55!"}\n',
    'CONFIG = {\n    "Client-Secret":\n        "s3cr3t-Pa55!",\n}\n',
    'def connect(user, token="ghp_R8x2LkQ9vP4mZ7wN1sT6yB3cD5fG0hJ2kL9q"):\n    pass\n',
    'user, password = "admin", "s3cr3t-Pa55!"\n',
    '(token, user) = "ghp_R8x2LkQ9vP4mZ7wN1sT6yB3cD5fG0hJ2kL9q", "admin"\n',
    'PASSWORD = (  # rotated monthly\n    "s3cr3t-Pa55!"\n)\n',
])
def test_lam402_prescan_lets_every_binding_shape_through(source):
    """The text test that spares library files a parse must let through every shape
    the rule reports."""
    assert len(findings("LAM402", source)) == 1


@pytest.mark.parametrize("source", [
    "token = get_token()\n",
    "API_VERSION = 3\n",
    "if token == 'expected':\n    pass\n",
    "# the api token is read from SSM\nvalue = 'abc-def-ghi'\n",
])
def test_lam402_prescan_spares_files_that_only_mention_a_secret_word(source):
    from lambdalint.engine import Engine
    from lambdalint.config import Config

    engine = Engine(Config(), [RULES["LAM402"]])
    assert not engine.may_fire(engine.rules[0], source)


# -- the catalog: names -------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "password", "DB_PASSWORD", "dbPassword", "db_password2", "passwd", "pwd", "mysql_pwd",
    "passphrase", "secret", "webhook_secret", "client_secret", "clientSecret", "token",
    "github_token", "authToken", "access_token", "refresh_token", "csrftoken", "api_key",
    "apiKey", "APIKey", "X_API_KEY", "x-api-key", "apikey", "private_key", "PRIVATE_KEY",
    "secret_key", "SECRET_KEY", "aws_secret_access_key", "AWS_SESSION_TOKEN",
    "password_value", "token_str", "default_password", "dbpassword", "verify_token",
])
def test_password_like_names(name):
    assert catalog.is_password_like(name)


@pytest.mark.parametrize("name", [
    # AWS pagination and idempotency fields (bandit#1350)
    "NextToken", "nextToken", "next_token", "ContinuationToken", "NextContinuationToken",
    "StartingToken", "PaginationToken", "NextPageToken", "page_token", "SequenceToken",
    "ClientToken", "ClientRequestToken", "IdempotencyToken", "TaskToken", "task_token",
    "Marker", "NextMarker", "KeyMarker",
    # identifiers of secrets, settings about them, other things named after them
    "secret_name", "SECRET_ARN", "secret_id", "SecretId", "password_param", "token_url",
    "TOKEN_ENDPOINT", "token_type", "password_field", "password_hash", "TOKEN_TTL",
    "secretsmanager", "secrets", "tokens", "tokenizer", "api_key_id", "api_version",
    "is_secret", "has_password", "use_token", "max_tokens", "num_tokens", "min_password_length",
    "access_key", "aws_access_key_id", "key", "passenger", "keyword",
])
def test_names_that_are_not_password_like(name):
    assert not catalog.is_password_like(name)


def test_working_directory_variables_are_not_secret_env_vars():
    assert not catalog.is_secret_env_var("PWD") and not catalog.is_secret_env_var("OLDPWD")
    assert catalog.is_secret_env_var("DB_PWD")


# -- the catalog: values ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "reason"), [
    ("", "empty"),
    ("   ", "empty"),
    ("ab", "too short"),
    ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", "ARN"),
    ("/prod/db/password", "parameter path or file path"),
    ("prod/db/credentials", "Secrets Manager id or other identifier path"),
    ("MyApp/Prod/DbPassword", "Secrets Manager id or other identifier path"),
    ("alias/orders-key", "Secrets Manager id or other identifier path"),
    ("https://auth.example.com/token", "URL"),
    ("x-api-token", "field, header or environment variable name"),
    ("X-Api-Key", "field, header or environment variable name"),
    ("password", "field, header or environment variable name"),
    ("client_secret", "field, header or environment variable name"),
    ("apiKey", "field, header or environment variable name"),
    ("DB_PASSWORD", "field, header or environment variable name"),
    ("NAME", "field, header or environment variable name"),
    ("<password>", "placeholder"),
    ("${DB_PASSWORD}", "placeholder"),
    ("$DB_PASSWORD", "placeholder"),
    ("{password}", "placeholder"),
    ("{{resolve:secretsmanager:prod/db:SecretString:password}}", "placeholder"),
    ("%(password)s", "placeholder"),
    ("xxxxxxxx", "placeholder"),
    ("eyJraWQiOiJXWlMzZTNS...", "placeholder"),  # cut short for show
    ("sk_live_\u2026a9Fq", "placeholder"),
    ("********", "placeholder"),
    (":****", "placeholder"),
    ("your-api-key", "placeholder"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "placeholder"),
    ("Please enter your password", "text with spaces"),
    ("SecureString", "setting or type name"),
    ("Bearer", "setting or type name"),
    ("true", "setting or type name"),
    ("key.pem", "file name"),
    ("client_secret.json", "file name"),
    (r"[^\W\d]\w*", "regular expression"),
    ("orders-db-credentials", "resource name"),
    ("OrdersDbCredentials", "resource name"),
])
def test_values_that_are_not_secrets(value, reason):
    assert catalog.not_a_secret(value, in_test=False) == reason


@pytest.mark.parametrize("value", [
    "hunter2!", "s3cr3t-Pa55!", "changeme", "supersecret", "ghp_R8x2LkQ9vP4mZ7wN1sT6",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCY9xAmPLEkEy", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
])
def test_values_that_may_be_secrets(value):
    assert catalog.not_a_secret(value, in_test=False) is None


@pytest.mark.parametrize("value", ["changeme", "test_pw_123", "fake_token_123", "dummy", "hunter2"])
def test_dummy_values_are_only_excused_in_tests(value):
    assert catalog.not_a_secret(value, in_test=False) is None
    assert catalog.not_a_secret(value, in_test=True) == "dummy value in a test"


@pytest.mark.parametrize(("text", "found"), [
    ("AKIA4HZQ7LRXJ2MNPV3D", ["AKIA4HZQ7LRXJ2MNPV3D"]),
    ("key=ASIAQ3WLZ7XK5NPR2MTV;", ["ASIAQ3WLZ7XK5NPR2MTV"]),
    ("AKIAIOSFODNN7EXAMPLE", []),  # AWS's documentation key
    ("AKIAXXXXXXXXXXXXXXXX", []),
    ("AKIA0000000000000000", []),
    ("AKIA1234567890123456", []),  # no letter: made up
    ("AKIA4HZQ7LRXJ2MNPV3D1", []),  # 17 characters: not a key id
    ("xAKIA4HZQ7LRXJ2MNPV3D", []),
    ("AROA3XFRBF535PLBIFPI4", []),  # a role's unique id: no credential
    ("AIDAJQABLZS4A3QDU576", []),
    ("ASIAPACIFICSOUTHEAST", []),  # a word, not a random id
])
def test_aws_key_id_shapes(text, found):
    assert [m.group("key") for m in catalog.aws_key_ids(text)] == found


@pytest.mark.parametrize(("kwarg", "value", "real"), [
    ("aws_access_key_id", "AKIA4HZQ7LRXJ2MNPV3D", True),
    ("aws_access_key_id", "my-access-key", False),
    ("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE", False),
    ("aws_secret_access_key", "tQ9v2LkP0xR7mW4sZ1bN8cY3dF6gH5jK2qE0uA9i", True),
    ("aws_secret_access_key", "fake-secret-access-key-for-the-unit-tests", False),
    ("aws_secret_access_key", "testing", False),
    ("aws_secret_access_key", "bar", False),
    ("aws_session_token", "IQoJb3JpZ2luX2VjEHMaCWV1LXdlc3QtMSJHMEUCIQ", True),
    ("aws_session_token", "", False),
])
def test_literals_that_can_be_aws_credentials(kwarg, value, real):
    assert catalog.could_be_aws_credential(kwarg, value) is real


@pytest.mark.parametrize(("name", "value", "secret"), [
    ("DB_SECRET", "orders-db-credentials", False),
    ("api_secret", "OrdersApiSecret", False),
    ("api_token", "orders-api-token-2024", False),
    ("ServiceToken", "LambdaARN", False),
    ("token", "token_type", False),
    ("SLACK_TOKEN", "XOXB_TOKEN_HERE", False),
    ("client_secret", "MyAppClientSecretV2", False),
    ("api_key", "XK7DQ9PL2MZR4TW8", True),  # upper-case and digits, no vowels: random
    ("api_key", "9f8e7d6c5b4a39281706", True),
    ("token", "t0k-3n-value", True),
    ("auth_token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", True),
    ("webhook", "xoxb-2847562910-9182736450-Zq8Lm2Vx7Rt4Wp9Kd3Hn", True),
    # people choose passwords: under a password's name any text may be one
    ("password", "user_monitoring", True),
    ("DB_PASSWORD", "changeme", True),
    ("mysql_pwd", "postgres", True),
])
def test_tokens_and_keys_must_look_generated_passwords_need_not(name, value, secret):
    assert (catalog.not_a_secret(value, in_test=False, name=name) is None) is secret


@pytest.mark.parametrize(("value", "generated"), [
    ("k-7Hq2Lm9Pz4Rx8Vt1", True), ("AbC123xYz789QwE456", True), ("q8Z!xv2Lm9", True),
    ("tQ9v2LkP0xR7mW4sZ1bN8cY3dF6gH5jK2qE0uA9i", True), ("123e4567-e89b-12d3-a456-426614174000", True),
    ("LambdaARN", False), ("token_type", False), ("orders-db-2", False), ("OrdersApiV2", False),
    ("abcdefgh", False), ("12345678", False), ("a1a1a1a1a1", False), ("short1", False),
])
def test_generated_looking_values(value, generated):
    assert catalog.looks_generated(value) is generated


@pytest.mark.parametrize(("value", "vendor"), [
    ("ghp_R8x2LkQ9vP4mZ7wN1sT6yB3cD5fG0hJ2kL9q", True),
    ("sk_live_51HxQ2Lm9Pz4Rx8Vt1", True),
    ("xoxb-2847562910-9182736450-Zq8Lm2Vx7Rt4Wp9Kd3Hn", True),
    ("AIzaSyD-8Kq2Lm9Pz4Rx8Vt1Wn3Bc5Df7Gh", True),
    ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", False),  # a placeholder
    ("sk_test_123", False),  # too short to be a key
    ("sk-", False),
])
def test_vendor_prefixes_with_a_random_body(value, vendor):
    assert catalog.vendor_secret(value) is vendor


@pytest.mark.parametrize(("value", "secret"), [
    ("Adm1n-Pa55", False),  # a made-up password
    ("s3cr3t-Pa55!", False),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", False),  # a token fixture
    ("fake-tQ9v2LkP0xR7mW4sZ1bN8cY3dF6g", False),
    ("tQ9v2LkP0xR7mW4sZ1bN8cY3dF6gH5jK2qE0uA9i", True),
    ("ghp_R8x2LkQ9vP4mZ7wN1sT6yB3cD5fG0hJ2kL9q", True),
])
def test_the_stricter_bar_of_test_files(value, secret):
    assert (catalog.not_a_secret(value, in_test=True, name="password") is None) is secret


# -- LAM401 --------------------------------------------------------------------------------


def test_lam401_aliases_and_one_finding_per_literal():
    assert rows("LAM401", '''
        import boto3 as b3
        from boto3 import client as make_client

        a = make_client("s3", aws_access_key_id="AKIA4HZQ7LRXJ2MNPV3D")
        b = b3.session.Session(aws_secret_access_key="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")
        c = b3.Session("AKIA2RJX7QZM4KTW5HNB", "tQ9v2LkP0xR7mW4sZ1bN8cY3dF6gH5jK2qE0uA9i")
    ''') == [4, 5, 6]


def test_lam401_keys_in_docstrings_and_tests_are_still_keys():
    assert rows("LAM401", '''
        def test_upload():
            """Uses AKIA2RJX7QZM4KTW5HNB from the shared test account."""
            assert "AKIAIOSFODNN7EXAMPLE"
    ''', path="tests/test_upload.py") == [2]


def test_lam401_botocore_style_dummies_are_not_credentials():
    assert rows("LAM401", '''
        import botocore.session

        client = botocore.session.get_session().create_client(
            "s3", region_name="us-east-1", aws_access_key_id="foo", aws_secret_access_key="bar",
        )
    ''') == []


# -- LAM402 ----------------------------------------------------------------------------------


def test_lam402_every_binding_form():
    assert rows("LAM402", '''
        import os

        user, password = "admin", "Adm1n-Pa55"
        os.environ["DB_PASSWORD"] = "Adm1n-Pa55"
        check = lambda token="t0k-3n-value": token

        class Config:
            api_key = "k-7Hq2Lm9Pz4Rx8Vt1"

        def connect(*, secret: str = "q8Z!xv2Lm9"):
            return dict(passwd="Adm1n-Pa55")
    ''') == [3, 4, 5, 8, 10, 11]


def test_lam402_aws_pagination_and_idempotency_fields_are_not_secrets():
    assert rows("LAM402", '''
        import boto3

        s3 = boto3.client("s3")
        ec2 = boto3.client("ec2")

        def lambda_handler(event, context):
            pages = s3.get_paginator("list_objects_v2").paginate(
                Bucket="b", PaginationConfig={"StartingToken": "eyJDb250aW51YXRpb25Ub2tlbiI6IG51bGx9"}
            )
            s3.list_objects_v2(Bucket="b", ContinuationToken="1ueGcxLPRx1Tr", StartAfter="a/b")
            s3.list_objects(Bucket="b", Marker="photos/2024")
            ec2.run_instances(ImageId="ami-1", MinCount=1, MaxCount=1, ClientToken="orders-2024-01")
            logs_token = {"nextToken": "f/3747289238"}
            return pages, logs_token
    ''') == []


def test_lam402_aws_credential_kwargs_and_key_ids_are_lam401s():
    assert rows("LAM402", '''
        import boto3

        s3 = boto3.client("s3", aws_session_token="IQoJb3JpZ2luX2VjEHMaCWV1LXdlc3QtMSJHMEUCIQ")
        api_key = "AKIA4HZQ7LRXJ2MNPV3D"
    ''') == []


def test_lam402_values_read_at_run_time_are_not_literals():
    assert rows("LAM402", '''
        import os

        def lambda_handler(event, context):
            token = event["token"]
            password = os.environ["DB_PASSWORD"]
            secret = os.urandom(16)
            api_key: str = event.get("api_key", "")
            return {"token": token, "password": f"{password}"}
    ''') == []


def test_lam402_names_that_only_sound_secret():
    # A CDK custom resource's properties, an OAuth response's field names, resource
    # names and ARNs under token-like names: none of them is a generated secret.
    assert rows("LAM402", '''
        from aws_cdk import CustomResource

        def build(scope, provider):
            CustomResource(scope, "Seed", service_token=provider.service_token,
                           properties={"ServiceToken": "LambdaARN", "TableName": "orders"})
            template = {"Type": "Custom::Seed", "Properties": {"ServiceToken": "SeedFunctionArn"}}
            fields = {"access_token": "access_token", "token_type": "Bearer"}
            token = "token_type"
            SLACK_TOKEN_SECRET = "prod-slack-bot-token"
            api_key = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key-AbCdEf"
            return template, fields, token, SLACK_TOKEN_SECRET, api_key

        WEBHOOK_TOKEN = "xoxb-2847562910-9182736450-Zq8Lm2Vx7Rt4Wp9Kd3Hn"
        SECRET_KEY = "change-for-production!"
        SAMPLE = {"id_token": "eyJraWQiOiJXWlMzZTNS...", "token_type": "Bearer", "expires_in": 3600}
        KEYS = {"PublicKey": "test-public", "PrivateKey": "test-private"}
    ''') == [13]


def test_lam402_test_files_get_the_stricter_bar():
    assert rows("LAM402", '''
        import pytest

        @pytest.fixture
        def db_settings():
            return {"host": "localhost", "password": "Adm1n-Pa55", "api_key": "k-7Hq2Lm9Pz4Rx8Vt1"}

        def test_webhook():
            jwt = {"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}
            leaked = {"client_secret": "tQ9v2LkP0xR7mW4sZ1bN8cY3dF6gH5jK2qE0uA9i"}
            github = {"token": "ghp_R8x2LkQ9vP4mZ7wN1sT6yB3cD5fG0hJ2kL9q"}
            assert jwt and leaked and github
    ''', path="tests/test_webhook.py") == [9, 10]


def test_lam403_and_lam404_share_the_judgement():
    assert rows("LAM404", '''
        import os

        SERVICE_TOKEN = os.environ.get("SERVICE_TOKEN", "LambdaARN")
        API_TOKEN = os.environ.get("API_TOKEN", "k-7Hq2Lm9Pz4Rx8Vt1")
    ''') == [4]
    assert rows("LAM403", '''
        DB_URL = "postgresql://app:Adm1n-Pa55@db.internal:5432/orders"
        REAL = "postgresql://app:tQ9v2LkP0xR7mW4sZ1bN8cY3dF6gH5jK2qE0uA9i@db.internal:5432/orders"
    ''', path="tests/conftest.py") == [2]


def test_lam402_message_names_the_binding_and_never_the_secret():
    (found,) = findings("LAM402", 'db = {"password": "Adm1n-Pa55"}\n')
    assert '"password"' in found.message and "Adm1n-Pa55" not in found.message


# -- LAM403 ------------------------------------------------------------------------------------


def test_lam403_message_masks_the_password():
    (found,) = findings("LAM403", 'URL = "mongodb+srv://app:Xk9v2Lq7pZ@cluster0.example.net/orders"\n')
    assert "Xk9v2Lq7pZ" not in found.message
    assert "mongodb+srv://app:****@cluster0.example.net" in found.message


def test_lam403_usernames_without_passwords_and_placeholders():
    assert rows("LAM403", '''
        A = "https://user@example.com/repo.git"
        B = "postgresql://app:<password>@db.example.com/orders"
        C = "postgresql://app:********@db.example.com/orders"
        D = f"redis://:{token}@cache:6379"
        E = "postgresql://app:%(password)s@db.example.com/orders"
        F = "https://example.com/users/@me:status"
    ''') == []


# -- LAM404 ----------------------------------------------------------------------------------------


def test_lam404_needs_a_password_like_variable_and_a_secret_default():
    assert rows("LAM404", '''
        import os

        A = os.getenv("STAGE", "dev-secret-stage")
        B = os.environ.get("DB_PASSWORD", "Adm1n-Pa55")
        C = os.environ.get(key="API_TOKEN", default="t0k-3n-value")
        D = os.getenv("API_TOKEN", os.environ["FALLBACK_TOKEN"])
        E = os.getenv("DB_PASSWORD") or ""
    ''') == [4, 5]


# -- LAM405 ------------------------------------------------------------------------------------------


def test_lam405_formatting_forms_and_log_levels():
    assert rows("LAM405", '''
        import logging
        import os

        log = logging.getLogger(__name__).getChild("db")
        PASSWORD = os.environ["DB_PASSWORD"]

        def lambda_handler(event, context):
            log.info("pw=%s" % PASSWORD)
            log.error("pw={}".format(PASSWORD))
            log.warning("pw=" + PASSWORD)
            log.log(logging.INFO, "%s", PASSWORD)
            log.exception("failed", extra={"password": PASSWORD})
            logging.root.debug(PASSWORD.strip())
            log.info("password set", exc_info=True)
            log.info("length %d", len(PASSWORD))
    ''') == [8, 9, 10, 11, 12, 13]


def test_lam405_only_decrypted_parameters_are_secrets():
    assert rows("LAM405", '''
        import boto3

        ssm = boto3.client("ssm")

        def lambda_handler(event, context):
            plain = ssm.get_parameter(Name="/orders/table")["Parameter"]["Value"]
            secure = ssm.get_parameters(Names=["/orders/key"], WithDecryption=True)
            print(plain)
            print(secure["Parameters"][0]["Value"])
            print(secure["InvalidParameters"])
    ''') == [9]


def test_lam405_lazy_global_cache_and_nested_helper():
    assert rows("LAM405", '''
        import boto3
        from aws_lambda_powertools import Logger

        logger = Logger()
        _secrets = boto3.client("secretsmanager")
        _token = None

        def token():
            global _token
            if _token is None:
                _token = _secrets.get_secret_value(SecretId="api")["SecretString"]
            return _token

        def lambda_handler(event, context):
            value = token()

            def debug():
                logger.debug({"token": value})

            debug()
            print(f"token loaded at {context.aws_request_id}")
    ''') == [18]


def test_lam405_powertools_parameters():
    assert rows("LAM405", '''
        from aws_lambda_powertools.utilities import parameters
        from aws_lambda_powertools.utilities.parameters import get_parameter

        def lambda_handler(event, context):
            print(parameters.get_secret("prod/api"))
            print(get_parameter("/orders/key", decrypt=True))
            print(get_parameter("/orders/table"))
    ''') == [5, 6]


def test_lam405_environment_items_show_values_not_names():
    assert rows("LAM405", '''
        import os

        def lambda_handler(event, context):
            env = os.environ
            print(env.get("STAGE"), env["REGION_NAME"])
            for name, value in os.environ.items():
                print(name)
                print(name, value)
            print(dict(os.environ))
            print(env.get("API_TOKEN"))
    ''') == [8, 9, 10]


def test_lam405_constant_imported_from_a_project_module():
    assert rows("LAM405", '''
        import logging
        import settings
        from settings import API_TOKEN

        def lambda_handler(event, context):
            logging.info("token %s", API_TOKEN)
            logging.info("token %s", settings.API_TOKEN)
            logging.info("stage %s", settings.STAGE)
    ''', files={"settings.py": '''
        import os

        API_TOKEN = os.environ["API_TOKEN"]
        STAGE = os.environ["STAGE"]
    '''}) == [6, 7]


def test_lam405_message_says_where_the_secret_comes_from():
    found = findings("LAM405", '''
        import boto3
        from pydantic import BaseSettings, SecretStr

        sm = boto3.client("secretsmanager")

        class Settings(BaseSettings):
            db_password: SecretStr

        def lambda_handler(event, context):
            print(sm.get_secret_value(SecretId="x")["SecretString"])
            print(Settings().db_password.get_secret_value())
    ''')
    assert [d.location.row for d in found] == [10, 11]
    assert "Secrets Manager secret from `sm.get_secret_value(...)`" in found[0].message
    assert "the secret from `Settings().db_password.get_secret_value(...)`" in found[1].message


def test_lam405_shadowed_print_and_unknown_loggers_are_not_sinks():
    assert rows("LAM405", '''
        import os

        def print(*args):
            return args

        def lambda_handler(event, context, logger=None):
            print(os.environ["API_TOKEN"])
            logger.info(os.environ["API_TOKEN"])
    ''') == []


def test_lam405_a_reused_variable_holds_only_what_reaches_the_log_call():
    # `response` and `password` are assigned again before they are logged: what is
    # logged is the later value. A conditional reassignment or one in a loop still
    # lets the secret through.
    assert rows("LAM405", '''
        import json
        import logging
        import os
        import boto3

        logger = logging.getLogger()
        secrets = boto3.client("secretsmanager")
        table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

        def lambda_handler(event, context):
            response = secrets.get_secret_value(SecretId=os.environ["SECRET_ARN"])
            creds = json.loads(response["SecretString"])
            response = table.put_item(Item={"id": event["id"], "user": creds["username"]})
            logger.info("put_item: %s", response)
            password = os.environ["DB_PASSWORD"]
            password = "*" * len(password)
            print("password:", password)
            token = creds["token"]
            if event.get("mask"):
                token = "***"
            print(token)  # 21: masked only sometimes
            for attempt in range(3):
                logger.info("attempt %d with %s", attempt, creds["api_key"])  # 23
            return {"ok": True}
    ''') == [21, 23]


def test_lam405_reassignment_in_branches_loops_and_handlers():
    assert rows("LAM405", '''
        import os
        import boto3

        ssm = boto3.client("ssm")

        def lambda_handler(event, context):
            key = ssm.get_parameter(Name="/app/key", WithDecryption=True)["Parameter"]["Value"]
            if event.get("rotate"):
                key = "rotated"
            else:
                key = "kept"
            print(key)  # both branches replaced it
            value = os.environ["API_TOKEN"]
            for item in event["items"]:
                print(value)  # 15: the first round still has the token
                value = item["name"]
            secret = os.environ["DB_PASSWORD"]
            try:
                secret = "hidden"
                call(secret)
            except Exception:
                print(secret)  # 22: the try may have failed before the reassignment
            with open("/tmp/x") as secret:
                print(secret)
            try:
                cleaned = "none"
            except ValueError as cleaned:
                print(cleaned)
            return key
    ''') == [15, 22]


def test_lam405_reassignment_through_augmented_assignment_keeps_the_secret():
    assert rows("LAM405", '''
        import os

        def lambda_handler(event, context):
            header = "Bearer "
            header += os.environ["API_TOKEN"]
            print(header)
            header = "Bearer ***"
            print(header)
    ''') == [6]


def test_lam405_attributes_of_a_session_made_with_assumed_credentials():
    assert rows("LAM405", '''
        import logging
        import boto3

        LOGGER = logging.getLogger()

        def assume_role(role_arn):
            creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="x")["Credentials"]
            return boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                 aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"])

        def lambda_handler(event, context):
            session = assume_role(event["role"])
            LOGGER.info(f"Region: {session.region_name}")
            LOGGER.info("client region: %s", session.client("inspector2").meta.region_name)
            return session.profile_name
    ''') == []


# -- LAM406 ---------------------------------------------------------------------------------------------


def test_lam406_sts_credentials_without_a_session_token_are_still_sts():
    assert rows("LAM406", '''
        import boto3

        sts = boto3.client("sts")

        def lambda_handler(event, context):
            creds = sts.get_session_token()["Credentials"]
            key, secret = creds["AccessKeyId"], creds["SecretAccessKey"]
            return boto3.client("s3", aws_access_key_id=key, aws_secret_access_key=secret)
    ''') == []


def test_lam406_helper_returning_environment_keys():
    assert rows("LAM406", '''
        import os
        import boto3

        def partner_keys():
            return os.environ["PARTNER_KEY"], os.environ["PARTNER_SECRET"]

        def lambda_handler(event, context):
            key, secret = partner_keys()
            return boto3.client("s3", aws_access_key_id=key, aws_secret_access_key=secret)
    ''') == [9]


def test_lam406_event_derived_credentials_are_the_callers():
    assert rows("LAM406", '''
        import boto3

        def lambda_handler(event, context):
            return boto3.client("s3", aws_access_key_id=event["key"], aws_secret_access_key=event["secret"])
    ''') == []


def test_lam406_message_names_the_origin():
    (found,) = findings("LAM406", '''
        import os
        import boto3

        s3 = boto3.client("s3", aws_access_key_id=os.getenv("KEY_ID"), aws_secret_access_key=os.getenv("SECRET"))
    ''')
    assert "the environment variable `KEY_ID`" in found.message and "boto3.client" in found.message


# -- LAM407 ---------------------------------------------------------------------------------------------


def test_lam407_is_opt_in():
    registry = load_registry(include_plugins=False)
    assert "LAM407" not in {r.code for r in registry.select(None)}
    assert "LAM407" in {r.code for r in registry.select(["ALL"])}
    assert "LAM407" in {r.code for r in registry.select(["LAM407"])}


def test_lam407_ignores_region_name_of_other_calls():
    assert rows("LAM407", '''
        def describe(region_name="eu-west-1"):
            return dict(region_name="eu-west-1")

        result = describe(region_name="us-east-1")
    ''') == []


def test_lam407_positional_regions_and_local_constants():
    assert rows("LAM407", '''
        import boto3

        REGION = "eu-west-1"
        a = boto3.client("s3", "eu-west-1")
        b = boto3.Session(None, None, None, "eu-west-1")
        c = boto3.resource("dynamodb", region_name=REGION)
        d = boto3.client("ce", "us-east-1")
    ''') == [4, 5, 6]


# -- all of them ----------------------------------------------------------------------------------------


_LITERAL = re.compile(r"""["']([^"'\s]{8,})["']""")


@pytest.mark.parametrize("code", ["LAM401", "LAM402", "LAM403", "LAM404"])
def test_messages_never_repeat_a_secret(code):
    rule = RULES[code]
    for example in rule.bad_examples():
        secrets = {s for s in _LITERAL.findall(example.code) if catalog.not_a_secret(s, in_test=False) is None}
        for diagnostic in check_example(rule, example):
            shown = {s for s in secrets if s in diagnostic.message and not s.startswith(("http", "postgresql"))}
            assert not shown, diagnostic.message


def test_example_project_has_no_secret_findings():
    paths = sorted(EXAMPLES.rglob("*.py"))
    files = {str(p.relative_to(EXAMPLES)): p.read_text(encoding="utf-8") for p in paths}
    for code in CODES:
        result = run_rule(RULES[code], files)
        assert not result.internal_error, result.messages
        assert [d for d in result.diagnostics if d.code == code] == [], code


def test_flow_rules_survive_deeply_nested_expressions():
    chain = " + ".join(["TOKEN"] * 1200)
    source = f"import os\nimport logging\nTOKEN = os.environ['API_TOKEN']\nlogging.info({chain})\n"
    try:
        cst.parse_module(source)
    except RecursionError:
        pytest.skip("libcst cannot parse it either")
    for code in ("LAM405", "LAM406"):
        findings(code, source)


def test_rules_survive_odd_strings():
    source = 'y = f"{x!r:>{10}}"\nz = "\\N{BULLET}" * 3\ntoken = "\\x00\\udcff"\nkey = rb"\\xff"\n'
    cst.parse_module(source)
    for code in CODES:
        findings(code, source)


@pytest.mark.xfail(C_RECURSION_CAPPED, strict=True,
                   reason="CPython 3.12.0/3.12.1 cap recursion through C: the file is nested too deeply to check")
def test_a_long_implicit_concatenation_is_read_once(monkeypatch):
    # Generated modules (CPython's pydoc_data/topics.py) concatenate thousands of
    # literals; LAM403 used to read the joined text again at every one of LibCST's
    # nested levels: 76 s and 8 GB for topics.py under a deep stack.
    parts = 1500  # LibCST's parser gives up at about 3,000
    source = ("URL = (\n" + "".join(f'    "line {i} "\n' for i in range(parts))
              + '    "https://admin:"\n    "Sup3rSecretValue@db.example.com/app"\n)\n')
    evaluated = 0
    real = cst.SimpleString.evaluated_value

    def counting(self):  # type: ignore[no-untyped-def]
        nonlocal evaluated
        evaluated += 1
        return real.fget(self)

    monkeypatch.setattr(cst.SimpleString, "evaluated_value", property(counting))
    assert rows("LAM403", source) == [2]  # where the concatenation starts
    assert evaluated <= 3 * (parts + 2)  # each literal: alone, in the whole, as a part
