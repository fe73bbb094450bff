"""LAM105 per-invocation-config-fetch."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import (
    AWS_CLIENT_CONSTRUCTORS,
    CONFIG_FETCH_IDENTIFIERS,
    CONFIG_FETCH_OPERATIONS,
    DISTINCTIVE_CONFIG_FETCH_OPERATIONS,
    LOCAL_CONFIG_CLIENT_PREFIXES,
    POWERTOOLS_PACKAGE,
    SECRET_WRITE_OPERATIONS,
)
from lambdalint.catalog import events as ev
from lambdalint.walk import children


class PerInvocationConfigFetch(Rule):
    """
    ## What it does
    Flags Secrets Manager `get_secret_value`/`batch_get_secret_value`, SSM Parameter
    Store `get_parameter`, `get_parameters` and `get_parameters_by_path`, and AppConfig
    `get_configuration`/`get_latest_configuration` calls in invocation scope whose
    result is not cached across invocations.

    ## Why is this bad?
    Configuration and secrets change rarely, but a read in the handler calls the API
    on every request: it adds a network round trip (often tens of milliseconds) to
    every invocation, costs money per call (Secrets Manager and AppConfig bill per
    request, SSM's higher-throughput tier too), and under load hits the services'
    request quotas, so invocations fail with `ThrottlingException`. Read the value once
    per execution environment and reuse it: at module scope, lazily behind a `None`
    check or a dict cache, in a `functools.cache`/`cachetools` TTL-cached function
    (so rotated secrets are picked up), with Powertools `parameters` (which caches for
    five seconds by default, configurable with `max_age`), or through the AWS
    Parameters and Secrets Lambda extension.

    A call counts when its receiver is an AWS SDK client the analysis can see
    (`boto3.client("ssm")`, a session's client, `extra-clients` from config), or when
    the operation name is distinctive enough on its own (`get_secret_value`,
    `get_parameters_by_path`, `get_latest_configuration`). Not flagged: lazy
    initialisation, module-level state that the same function tests and fills with
    the fetched value (`if name not in CACHE: CACHE[name] = ...`, TTL caches, early
    returns of a cached value), calls in memoised functions, Powertools `parameters`
    functions, reads from the AWS IoT Greengrass Core SDK's local secret store
    (`greengrasssdk.client("secretsmanager")`), code that only module scope runs, and Secrets Manager rotation
    functions: each step (`createSecret`, `setSecret`, `testSecret`, `finishSecret`)
    must read the secret's versions as they are at that moment, and a cached value
    would rotate the wrong version. A function is a rotation function when it
    compares its event's `Step` with those names, reads both `Step` and
    `ClientRequestToken` from its event, or its template grants
    `secretsmanager.amazonaws.com` permission to invoke it. Nor are CloudFormation
    custom resources (the event has a `ResponseURL`, or the code answers through
    `cfnresponse`, `crhelper` or Powertools' `CloudFormationCustomResourceEvent`) and
    CodePipeline jobs (`event["CodePipeline.job"]`): they run a few times per
    deployment or pipeline run, and a cache saves nothing. Nor is a read that asks for
    one version (`VersionId`, or a `VersionStage` other than `AWSCURRENT`), a read in a
    function that also writes secrets (`put_secret_value`, `update_secret`: it rotates
    by hand, and must read the secret as it is now), or a read whose name comes from
    the event (`SecretId=f"users/{username}"` with the user from the request, a secret
    named in an EventBridge event): each request wants a value of its own, a cache
    keyed by request data grows with every caller and keeps credentials past their
    rotation, and whether one pays off depends on traffic lambdalint cannot see. Nor is
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: where to cache, and for how long (secrets rotate), is a
    decision for the author.

    ## References
    - [AWS Lambda best practices: function code](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [Use AWS Secrets Manager secrets in AWS Lambda functions](https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html)
    - [Powertools for AWS Lambda (Python): Parameters](https://docs.powertools.aws.dev/lambda/python/latest/utilities/parameters/)
    """

    code = "LAM105"
    name = "per-invocation-config-fetch"
    scope_only = True
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # Method names are spelled out at the call site whatever the client's name.
    words = tuple(sorted(CONFIG_FETCH_OPERATIONS))
    tags = ("performance", "cost", "secrets")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        operation = func.attr.value
        service = CONFIG_FETCH_OPERATIONS.get(operation)
        if service is None:
            return
        ctx = self.ctx
        if not ctx.in_invocation_scope or ctx.is_lazy_init(node):
            return
        qualified = ctx.qualify(func) or ""
        if qualified.startswith(POWERTOOLS_PACKAGE):
            return  # Powertools parameters: cached by the library
        if qualified.startswith(LOCAL_CONFIG_CLIENT_PREFIXES):
            return  # a device-local store (Greengrass): no API call to save
        if not (self._on_aws_client(qualified) or operation in DISTINCTIVE_CONFIG_FETCH_OPERATIONS):
            return
        profile = ctx.event_sources()
        if profile is not None and profile.has(ev.SECRETS_ROTATION, *ev.DEPLOYMENT_SOURCES):
            # A rotation step must read the versions as they are now; custom resources
            # and pipeline jobs run a few times per deployment, not per request.
            return
        if self._one_version(node) or self._per_request(node) or self._writes_secrets():
            return
        written = cst.Module([]).code_for_node(func)
        self.report(
            node,
            f"{service} read `{written}(...)` runs on every invocation ({ctx.scope_note()}); "
            "fetch the value once per environment and reuse it: at module scope, behind a "
            "`None` check or a dict cache, or with Powertools `parameters` (which caches)",
        )

    def _one_version(self, node: cst.Call) -> bool:
        """The read names a version: `VersionId=...`, or a stage other than AWSCURRENT."""
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword == "VersionId":
                return True
            if keyword == "VersionStage" and not (isinstance(arg.value, cst.SimpleString)
                                                  and arg.value.evaluated_value == "AWSCURRENT"):
                return True
        return False

    def _per_request(self, node: cst.Call) -> bool:
        """Which value is read comes from the event."""
        return any(arg.keyword is not None and arg.keyword.value in CONFIG_FETCH_IDENTIFIERS
                   and self.ctx.is_event_derived(arg.value) for arg in node.args)

    def _writes_secrets(self) -> bool:
        """The enclosing function also writes a secret (a rotation by hand)."""
        function = self.ctx.function
        if function is None:
            return False
        stack: list[cst.CSTNode] = [function.node.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in SECRET_WRITE_OPERATIONS:
                return True
            stack.extend(children(node))
        return False

    def _on_aws_client(self, qualified: str) -> bool:
        constructors = AWS_CLIENT_CONSTRUCTORS | frozenset(self.ctx.config.extra_clients)
        return any(qualified.startswith(constructor + "().") for constructor in constructors)

    examples = [
        Bad('''
            import json
            import boto3

            secrets = boto3.client("secretsmanager")

            def lambda_handler(event, context):
                secret = secrets.get_secret_value(SecretId="prod/db")  # expect
                return json.loads(secret["SecretString"])["username"]
        '''),
        Good('''
            import json
            import boto3

            secrets = boto3.client("secretsmanager")
            DB = json.loads(secrets.get_secret_value(SecretId="prod/db")["SecretString"])

            def lambda_handler(event, context):
                return DB["username"]
        '''),
        Bad('''
            import boto3

            ssm = boto3.session.Session().client("ssm")

            def read_flag(name):
                return ssm.get_parameter(Name=name)["Parameter"]["Value"]  # expect

            def load_all(client):
                return client.get_parameters_by_path(Path="/app/", Recursive=True)  # expect

            def handler(event, context):
                return read_flag("/app/flag"), load_all(ssm)
        '''),
        Bad('''
            import boto3

            appconfig = boto3.client("appconfigdata")

            def lambda_handler(event, context):
                session = appconfig.start_configuration_session(
                    ApplicationIdentifier="shop",
                    EnvironmentIdentifier="prod",
                    ConfigurationProfileIdentifier="flags",
                )
                config = appconfig.get_latest_configuration(  # expect
                    ConfigurationToken=session["InitialConfigurationToken"]
                )
                return config["Configuration"].read()
        '''),
        Bad('''
            from shared.settings import api_key

            def lambda_handler(event, context):
                return {"key": api_key()}
        ''', files={"shared/settings.py": '''
            import boto3

            _ssm = boto3.client("ssm")

            def api_key():
                response = _ssm.get_parameter(Name="/shop/api-key", WithDecryption=True)  # expect
                return response["Parameter"]["Value"]
        '''}),
        Good('''
            import boto3

            secrets = boto3.client("secretsmanager")

            def lambda_handler(event, context):
                tenant = secrets.get_secret_value(SecretId=f"tenants/{event['tenant']}")
                return tenant["SecretString"]
        '''),
        Good('''
            import json
            import os
            import boto3

            secrets = boto3.client("secretsmanager")

            def lambda_handler(event, context):
                secret_id = os.environ["SECRET_ID"]
                current = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
                current["password"] = secrets.get_random_password()["RandomPassword"]
                secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(current))
        '''),
        Good('''
            import boto3

            secrets = boto3.client("secretsmanager")
            _password = None

            def get_password():
                global _password
                if _password is None:
                    _password = secrets.get_secret_value(SecretId="prod/db")["SecretString"]
                return _password

            def lambda_handler(event, context):
                return get_password()
        '''),
        Good('''
            import boto3

            ssm = boto3.client("ssm")
            _parameters = {}

            def parameter(name):
                if name not in _parameters:
                    _parameters[name] = ssm.get_parameter(Name=name)["Parameter"]["Value"]
                return _parameters[name]

            def lambda_handler(event, context):
                return parameter("/app/table")
        '''),
        Good('''
            import time
            import boto3

            secrets = boto3.client("secretsmanager")
            _cache = {"value": None, "expires": 0.0}

            def get_secret():
                if _cache["value"] is not None and time.monotonic() < _cache["expires"]:
                    return _cache["value"]
                response = secrets.get_secret_value(SecretId="prod/api")
                _cache["value"] = response["SecretString"]
                _cache["expires"] = time.monotonic() + 300
                return _cache["value"]

            def lambda_handler(event, context):
                return get_secret()
        '''),
        Good('''
            import functools
            import boto3
            from cachetools.func import ttl_cache

            ssm = boto3.client("ssm")

            @functools.lru_cache(maxsize=None)
            def table_name():
                return ssm.get_parameter(Name="/app/table")["Parameter"]["Value"]

            @ttl_cache(maxsize=1, ttl=300)
            def api_token():
                return ssm.get_parameter(Name="/app/token", WithDecryption=True)["Parameter"]["Value"]

            def lambda_handler(event, context):
                return table_name(), api_token()
        '''),
        Good('''
            from aws_lambda_powertools.utilities import parameters
            from aws_lambda_powertools.utilities.parameters import get_parameter

            def lambda_handler(event, context):
                secret = parameters.get_secret("prod/db", max_age=300)
                table = parameters.get_parameter("/app/table")
                return secret, table, get_parameter("/app/flag")
        '''),
        Good('''
            import boto3

            service_client = boto3.client("secretsmanager")

            def lambda_handler(event, context):
                arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
                if step == "createSecret":
                    create_secret(arn, token)
                elif step == "finishSecret":
                    finish_secret(arn, token)

            def create_secret(arn, token):
                current = service_client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
                try:
                    service_client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
                except service_client.exceptions.ResourceNotFoundException:
                    password = service_client.get_random_password(ExcludeCharacters="/@")
                    service_client.put_secret_value(SecretId=arn, ClientRequestToken=token,
                                                    SecretString=password["RandomPassword"],
                                                    VersionStages=["AWSPENDING"])
                return current

            def finish_secret(arn, token):
                metadata = service_client.describe_secret(SecretId=arn)
                return metadata["VersionIdsToStages"]
        '''),
        Good('''
            from myapp.settings import SettingsStore

            store = SettingsStore()

            def lambda_handler(event, context):
                return store.get_parameter("page_size")
        '''),
    ]
