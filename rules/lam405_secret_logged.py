"""LAM405 secret-logged."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.secrets import (
    LOGGER_FACTORIES,
    LOGGER_METHODS,
    LOGGING_FUNCTIONS,
    LOGGING_NON_OUTPUT_KWARGS,
    PRINT_FUNCTIONS,
    PRINT_NON_OUTPUT_KWARGS,
)

from ._callees import last_names, may_call_one_of
from ._secrets import code, secret_flow, short

_SINK_NAMES = last_names([*PRINT_FUNCTIONS, *LOGGING_FUNCTIONS]) | frozenset(LOGGER_METHODS)
# Facts by how directly they say "secret", for the message.
_ORDER = {"secret": 0, "environ": 1}


class SecretLogged(Rule):
    """
    ## What it does
    Flags a secret passed to `print` or a logging call: a value from Secrets
    Manager (`get_secret_value`), a decrypted SSM parameter
    (`get_parameter(s)(..., WithDecryption=True)`, Powertools `get_secret` or
    `get_parameter(..., decrypt=True)`), temporary credentials from STS
    (`assume_role`...), a password-like environment variable
    (`os.environ["DB_PASSWORD"]`, `os.getenv("API_TOKEN")`), or the whole
    `os.environ`. Log calls are the `logging` module's functions and the methods of
    loggers from `logging.getLogger(...)` or Powertools `Logger()` (`info`,
    `error`, `exception`, ..., and Powertools `append_keys`). Anywhere in a module Lambda runs:
    what module scope logs at init reaches CloudWatch too.

    The secret is followed through assignments, subscripts and `.get(...)`,
    `json.loads`/`json.dumps`, `str`/`repr`, f-strings, `.format`, `%` and `+`,
    containers (`extra={"token": token}`), module-level constants, constants
    imported from project modules, and the return values of project functions
    (`def db_password(): return secret["SecretString"]`).

    ## Why is this bad?
    Lambda sends everything a function prints or logs to CloudWatch Logs, where it
    is kept (by default forever), copied to subscriptions and log archives, and
    readable by everyone with access to the log group, a much larger audience than
    the secret's own. A logged secret must be treated as leaked and rotated. Log
    that a secret was loaded, its name or version, or a masked form, never the
    value. `print(os.environ)` is especially costly on Lambda: the environment holds
    the execution role's credentials (`AWS_SECRET_ACCESS_KEY`,
    `AWS_SESSION_TOKEN`).

    Not flagged: a secret's identifiers and metadata (`SecretId`, `ARN`, `Name`,
    `VersionId`, the `username`, `host`, `port` and `dbname` of a database
    secret, and fields whose name ends in a word that names or locates something:
    `masterarn`, `user_arn`, `dbIdentifier`, `DirectoryId`, also as the literal
    default of a configurable key, `KEY = os.environ.get("KEY") or
    "awsSeamlessDomainUsername"`), attributes of an object built from credentials that are not the
    credentials (`session.region_name`, `client.meta`), values that only describe a
    secret (`len(token)`, `token[:4]`,
    `token is None`, `bool(token)`, `hash(...)`), secrets passed through a project
    or library function that is not known to keep them (`mask(token)`), the
    keys of `os.environ`, and a variable assigned again before it is logged
    (`response = table.put_item(...)` after `response` held the secret): what is
    logged is the value that reaches the call, so a reassignment that only happens
    in one branch, or after the log call in a loop, still counts. Nor is
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md): what a test or a script prints never reaches CloudWatch.

    Not seen: secrets passed into a function's parameters and logged there,
    secrets stored on objects (`self.token`), and loggers the analysis cannot
    resolve (`self.logger`, a logger passed in).

    ## Fix safety
    No automatic fix: what is safe to log instead is the author's decision.

    ## References
    - [Powertools for AWS Lambda (Python): Logger](https://docs.powertools.aws.dev/lambda/python/latest/core/logger/)
    - [Working with Lambda function logs](https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)
    - [OWASP Logging Cheat Sheet: data to exclude](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude)
    """

    code = "LAM405"
    name = "secret-logged"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("print", "log", "Log", "LOG")
    tags = ("security", "secrets", "observability")

    examples = [
        Bad('''
            import json
            import logging
            import boto3

            logger = logging.getLogger()
            secrets = boto3.client("secretsmanager")

            def lambda_handler(event, context):
                response = secrets.get_secret_value(SecretId="prod/db")
                creds = json.loads(response["SecretString"])
                logger.info("connecting with %s", creds["password"])  # expect
                return creds["username"]
        '''),
        Good('''
            import json
            import logging
            import boto3

            logger = logging.getLogger()
            secrets = boto3.client("secretsmanager")

            def lambda_handler(event, context):
                response = secrets.get_secret_value(SecretId="prod/db")
                creds = json.loads(response["SecretString"])
                logger.info("loaded secret %s version %s", response["Name"], response["VersionId"])
                logger.info("connecting as %s to %s", creds["username"], creds["host"])
                logger.debug("password has %d characters", len(creds["password"]))
                return creds["username"]
        '''),
        Bad('''
            import os
            import boto3
            from aws_lambda_powertools import Logger

            logger = Logger(service="orders")
            API_TOKEN = os.environ["API_TOKEN"]
            ssm = boto3.client("ssm")

            def signing_key():
                param = ssm.get_parameter(Name="/orders/signing-key", WithDecryption=True)
                return param["Parameter"]["Value"]

            def lambda_handler(event, context):
                print(f"calling the API with token {API_TOKEN}")  # expect
                key = signing_key()
                logger.append_keys(signing_key=key)  # expect
                logger.debug("environment: " + str(os.environ))  # expect
                return {"ok": True}
        '''),
        Good('''
            import os
            import logging
            import boto3

            log = logging.getLogger(__name__)
            ssm = boto3.client("ssm")

            def lambda_handler(event, context):
                table = ssm.get_parameter(Name="/orders/table")["Parameter"]["Value"]
                token = os.environ["API_TOKEN"]
                log.info("table %s, token set: %s, ends with %s", table, token is not None, token[-4:])
                log.info("variables: %s", sorted(os.environ.keys()))
                for name in os.environ:
                    print(name)
                print("secret ARN:", os.environ["DB_SECRET_ARN"], "token url:", os.getenv("TOKEN_URL"))
                return table
        '''),
        Bad('''
            import logging
            from myapp.secrets import db_password

            def lambda_handler(event, context):
                password = db_password()
                logging.warning("login failed for password=%r", password)  # expect
        ''', files={"myapp/secrets.py": '''
            import boto3

            _client = boto3.client("secretsmanager")

            def db_password():
                return _client.get_secret_value(SecretId="prod/db")["SecretString"]
        '''}),
        Good('''
            import json
            import logging
            import os
            import boto3

            logger = logging.getLogger()
            secrets = boto3.client("secretsmanager")
            table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])

            def lambda_handler(event, context):
                response = secrets.get_secret_value(SecretId=os.environ["SECRET_ARN"])
                api_key = json.loads(response["SecretString"])["api_key"]
                response = table.put_item(Item={"pk": event["id"], "status": call_api(api_key)})
                logger.info("put_item answered %s", response)
                return {"ok": True}
        '''),
        Bad('''
            import boto3

            sts = boto3.client("sts")

            def lambda_handler(event, context):
                creds = sts.assume_role(RoleArn=event["role"], RoleSessionName="x")["Credentials"]
                print("assumed role:", creds)  # expect
                print("key id:", creds["AccessKeyId"], "expires:", creds["Expiration"])
                return creds["AccessKeyId"]
        '''),
        Good('''
            import logging
            import boto3

            logger = logging.getLogger()
            secrets = boto3.client("secretsmanager")

            def mask(value):
                return value[:2] + "***"

            def lambda_handler(event, context):
                secret = secrets.get_secret_value(SecretId=event["secret_id"])["SecretString"]
                logger.info("fetched %s: %s", event["secret_id"], mask(secret))
                print(f"secret id {event['secret_id']} loaded")
                return {"length": len(secret)}
        '''),
        Good('''
            import json
            import logging
            import os
            import boto3

            logger = logging.getLogger()
            secrets = boto3.client("secretsmanager")
            USERNAME_KEY = os.environ.get("USERNAME_KEY") or "awsSeamlessDomainUsername"

            def secret_dict(arn, stage):
                return json.loads(secrets.get_secret_value(SecretId=arn, VersionStage=stage)["SecretString"])

            def lambda_handler(event, context):
                current = secret_dict(event["SecretId"], "AWSCURRENT")
                pending = secret_dict(event["SecretId"], "AWSPENDING")
                master_arn = current["masterarn"]
                logger.error("cannot log in with the master secret %s" % master_arn)
                logger.info("user %s of %s" % (current["user_arn"], current["dbIdentifier"]))
                if current[USERNAME_KEY] != pending[USERNAME_KEY]:
                    logger.error("user %s is not %s" % (current[USERNAME_KEY], pending[USERNAME_KEY]))
        '''),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.runs_on_lambda:
            return  # a test's or a script's output never reaches CloudWatch
        sink = self._sink(node)
        if sink is None:
            return
        kind, excluded = sink
        flow = secret_flow(self.ctx)
        if flow is None:
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in excluded:
                continue
            facts = flow.facts(self.ctx.model, arg.value, self.ctx.function, self.ctx.ancestors)
            if not facts:
                continue
            _kind, source = min(facts, key=lambda fact: (_ORDER.get(fact[0], 9), fact[1]))
            written = code(node.func)
            shown = short(arg.value)
            self.report(
                arg.value,
                f"`{written}(...)` {kind} {source} (in `{shown}`): everything a function "
                f"{'prints' if kind == 'prints' else 'logs'} lands in CloudWatch Logs, readable by "
                "everyone with access to the log group; log that the secret was loaded, its name "
                "or a masked form, never its value",
            )
            return

    def _sink(self, node: cst.Call) -> tuple[str, frozenset[str]] | None:
        if not may_call_one_of(node.func, _SINK_NAMES):
            return None
        qualified = self.ctx.qualify(node.func)
        if qualified is None:
            return None
        if qualified in PRINT_FUNCTIONS:
            return "prints", PRINT_NON_OUTPUT_KWARGS
        if qualified in LOGGING_FUNCTIONS:
            return "logs", LOGGING_NON_OUTPUT_KWARGS
        owner, _, method = qualified.rpartition(".")
        if method in LOGGER_METHODS and any(
            owner == factory or owner.startswith((factory + "()", factory + "."))
            for factory in LOGGER_FACTORIES
        ):
            return "logs", LOGGING_NON_OUTPUT_KWARGS
        return None
