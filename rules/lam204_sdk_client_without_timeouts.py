"""LAM204 sdk-client-without-timeouts."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.network import BOTOCORE_CONFIGS, BOTOCORE_TIMEOUT_FIELDS

from ._network import checked_here, is_sdk_client_factory, keyword_arg, positional_args, shown_call

# `boto3.client(service_name, region_name, api_version, use_ssl, verify, endpoint_url,
# aws_access_key_id, aws_secret_access_key, aws_session_token, config)`: more
# positionals than this and `config` may be among them.
_POSITIONALS_BEFORE_CONFIG = 9
_MAX_HOPS = 5


class SdkClientWithoutTimeouts(Rule):
    """
    ## What it does
    (Opt-in.) Flags AWS SDK clients and resources (`boto3.client`, `boto3.resource`,
    a session's `client`/`resource`, botocore's `create_client`, the `aioboto3`
    equivalents) created without a `config=` that sets `connect_timeout` or
    `read_timeout`: no `config=` at all, or a `botocore.config.Config(...)` the
    analysis can see (in the call, bound to a name, or imported from another checked
    module) that sets neither.

    ## Why is this bad?
    botocore waits up to 60 seconds to connect and 60 seconds for each read, and
    retries failed calls (3 attempts in the default mode, 5 in `legacy` for some
    errors). One slow or unreachable endpoint can therefore hold an invocation for
    minutes, longer than most functions' timeouts: Lambda kills the invocation and
    your code never sees an error it could handle. A `Config` with short timeouts
    (and a small retry budget) keeps a hung call from eating the whole function
    timeout.

    The rule is opt-in because many functions call only fast, highly available
    endpoints and the defaults rarely bite. Not flagged: clients whose `config=` the
    analysis cannot see (built by a factory, passed in, merged), calls with
    `*args`/`**kwargs`, your own factories from `extra-clients`, code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md),
    and a module's `if __name__ == "__main__":` block.
    A `Config` that sets only one of the two timeouts counts as setting them.

    ## Fix safety
    No automatic fix: good values depend on the operations the client makes (a
    Lambda `invoke` or an Athena query may need a long read timeout).

    ## References
    - [botocore Config reference](https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html)
    - [boto3: Retries](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html)
    - [Configure Lambda function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
    """

    code = "LAM204"
    name = "sdk-client-without-timeouts"
    severity = Severity.INFO
    fix = FixAvailability.NONE
    default_enabled = False
    words = ("client", "resource")
    tags = ("reliability", "network", "timeouts", "aws-sdk")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        qualified = ctx.qualify(node.func)
        if qualified is None or not is_sdk_client_factory(qualified, ctx) or not checked_here(ctx):
            return
        if any(arg.star for arg in node.args) or len(positional_args(node)) > _POSITIONALS_BEFORE_CONFIG:
            return
        config = keyword_arg(node, "config")
        shown = shown_call(ctx, node, qualified)
        fields = ", ".join(f"`{field}`" for field in BOTOCORE_TIMEOUT_FIELDS)
        if config is None:
            problem = "has no `config=`"
        else:
            found = self._config_call(config.value)
            if found is None:
                return  # built somewhere we cannot see
            model, call = found
            if any(keyword_arg(call, field) is not None for field in BOTOCORE_TIMEOUT_FIELDS) \
                    or any(arg.star for arg in call.args):
                return
            problem = f"has a `config=` that sets neither {fields.replace(', ', ' nor ')}"
        self.report(
            node,
            f"{shown} {problem}, so the SDK may wait 60 s to connect and 60 s per read, with "
            f"retries; pass `config=botocore.config.Config(...)` with {fields} (and `retries`) "
            "well below the function's timeout",
        )

    def _config_call(self, expr: cst.BaseExpression):  # type: ignore[no-untyped-def]
        """The `Config(...)` call an expression evaluates to, and its module, if visible."""
        ctx = self.ctx
        model = ctx.model
        function = ctx.function
        current: object = expr
        for _ in range(_MAX_HOPS):
            if isinstance(current, cst.Call):
                if model.qualify(current.func, function) in BOTOCORE_CONFIGS:
                    return model, current
                return None
            if isinstance(current, cst.Name):
                if model is ctx.model and function is ctx.function:
                    bound = ctx.binding_of(current.value)
                else:
                    bound = model.summary.module_scope.bindings.get(current.value)
                if isinstance(bound, str):
                    found = _module_level_binding(model, bound)
                    if found is None:
                        return None
                    model, bound = found
                    function = None
                current = bound
                continue
            return None
        return None

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client("s3")  # expect

            def lambda_handler(event, context):
                return s3.list_buckets()
        '''),
        Good('''
            import boto3
            from botocore.config import Config

            s3 = boto3.client("s3", config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}))

            def lambda_handler(event, context):
                return s3.list_buckets()
        '''),
        Bad('''
            import boto3 as b3
            from botocore.config import Config

            RETRIES = Config(retries={"mode": "standard"})
            session = b3.Session()
            table = b3.resource("dynamodb", config=RETRIES).Table("orders")  # expect
            sqs = session.client("sqs")  # expect
        '''),
        Bad('''
            from shared.config import SDK_CONFIG
            import boto3

            ddb = boto3.client("dynamodb", config=SDK_CONFIG)  # expect
        ''', files={"shared/config.py": '''
            from botocore.config import Config

            SDK_CONFIG = Config(region_name="eu-west-1")
        '''}),
        Good('''
            from shared.config import SDK_CONFIG, make_config
            import boto3

            ddb = boto3.client("dynamodb", config=SDK_CONFIG)
            sns = boto3.client("sns", config=make_config())
        ''', files={"shared/config.py": '''
            from botocore.config import Config

            SDK_CONFIG = Config(connect_timeout=1, read_timeout=3)

            def make_config():
                return Config(read_timeout=10)
        '''}),
        Good('''
            import boto3

            def make(service, **options):
                return boto3.client(service, **options)

            session = boto3.Session()
        '''),
        Good('''
            import boto3

            def test_upload(s3_stub):
                client = boto3.client("s3", region_name="us-east-1")
                assert client.meta.region_name == "us-east-1"
        ''', path="tests/test_upload.py"),
    ]


def _module_level_binding(model, qualified: str):  # type: ignore[no-untyped-def]
    """(module, expression) a module-level name of another checked module is bound to
    (re-exports followed)."""
    site = model.project.binding_site(model, qualified) if model.project is not None else None
    if site is None or site[2]:
        return None
    target, name, _ = site
    bound = target.summary.module_scope.bindings.get(name)
    return (target, bound) if isinstance(bound, cst.BaseExpression) else None
