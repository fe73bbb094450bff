"""LAM406 long-term-credentials."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.secrets import LONG_TERM_CREDENTIAL_KWARGS, SESSION_TOKEN_KWARG

from ._secrets import EXEMPT_ORIGINS, code, credential_flow, keyword, string_value, under_main_guard

# Origins by how clearly they show stored, long-term keys, for the message.
_ORDER = {"env": 0, "secret": 1, "config": 2, "constant": 3, "call": 4}


class LongTermCredentials(Rule):
    """
    ## What it does
    Flags explicit `aws_access_key_id=`/`aws_secret_access_key=` arguments (to
    `boto3.client`, `boto3.resource`, `boto3.Session` or any other call that takes
    them) whose values are not literals but are read from somewhere: environment
    variables, Secrets Manager or SSM, settings objects, constants, or other calls,
    without an `aws_session_token=`.

    ## Why is this bad?
    The execution role already gives every Lambda function short-lived credentials
    that rotate on their own, scoped by the role's policy. Access keys passed
    explicitly are long-term IAM user keys: they never expire, someone must rotate
    them by hand, they are readable wherever they are stored (environment variables
    are shown in the function's configuration), and they bypass the role's
    permissions and its audit trail. To reach another account, assume a role there
    with STS.

    Not flagged: credentials from an STS response (`assume_role`,
    `get_session_token`...) or a session's own `get_credentials()`; calls that also
    pass `aws_session_token=` (temporary credentials only work with their session
    token, so long-term ones never come with one); the runtime's own
    `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` variables (the role's credentials);
    values from the event or from a function's parameters (the caller decides,
    and is checked where it passes them by keyword); calls with `**kwargs`;
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md); code under `if __name__ == "__main__":`. Literal keys are LAM401's.

    ## Fix safety
    No automatic fix: removing the keys changes which identity the calls use; the
    execution role may need the permissions the IAM user had.

    ## References
    - [Lambda execution role](https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html)
    - [IAM best practices: use temporary credentials](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles)
    - [Cross-account access with `sts.assume_role`](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html)
    """

    code = "LAM406"
    name = "long-term-credentials"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = LONG_TERM_CREDENTIAL_KWARGS
    tags = ("security", "secrets")

    examples = [
        Bad('''
            import os
            import boto3

            s3 = boto3.client(
                "s3",
                aws_access_key_id=os.environ["PARTNER_ACCESS_KEY_ID"],  # expect
                aws_secret_access_key=os.environ["PARTNER_SECRET_ACCESS_KEY"],
            )

            def lambda_handler(event, context):
                return s3.list_objects_v2(Bucket="partner-bucket")
        '''),
        Good('''
            import os
            import boto3

            sts = boto3.client("sts")

            def lambda_handler(event, context):
                creds = sts.assume_role(RoleArn=os.environ["PARTNER_ROLE_ARN"], RoleSessionName="orders")
                s3 = boto3.client(
                    "s3",
                    aws_access_key_id=creds["Credentials"]["AccessKeyId"],
                    aws_secret_access_key=creds["Credentials"]["SecretAccessKey"],
                    aws_session_token=creds["Credentials"]["SessionToken"],
                )
                return s3.list_objects_v2(Bucket="partner-bucket")
        '''),
        Bad('''
            import json
            import boto3
            from boto3 import Session

            secrets = boto3.client("secretsmanager")
            KEYS = json.loads(secrets.get_secret_value(SecretId="partner/keys")["SecretString"])

            def partner_session():
                return Session(aws_access_key_id=KEYS["id"], aws_secret_access_key=KEYS["secret"])  # expect

            def lambda_handler(event, context):
                return partner_session().client("s3").list_buckets()
        '''),
        Bad('''
            import boto3
            from django.conf import settings

            def lambda_handler(event, context):
                sqs = boto3.client("sqs", aws_secret_access_key=settings.AWS_SECRET)  # expect
                return sqs.list_queues()
        '''),
        Good('''
            import os
            import boto3

            def client_for(service, key_id=None, secret=None):
                return boto3.client(service, aws_access_key_id=key_id, aws_secret_access_key=secret)

            def lambda_handler(event, context):
                same_as_role = boto3.client(
                    "s3",
                    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                )
                frozen = boto3.Session().get_credentials().get_frozen_credentials()
                copy = boto3.client("s3", aws_access_key_id=frozen.access_key,
                                    aws_secret_access_key=frozen.secret_key, aws_session_token=frozen.token)
                return client_for("s3"), same_as_role, copy
        '''),
        Good('''
            import os
            import boto3

            def lambda_handler(event, context):
                settings = {"region_name": "eu-west-1"}
                return boto3.client("s3", aws_access_key_id=None, aws_secret_access_key=None, **settings)

            if __name__ == "__main__":
                local = boto3.client("s3", aws_access_key_id=os.environ["MY_KEY"],
                                     aws_secret_access_key=os.environ["MY_SECRET"])
        '''),
        Good('''
            import os
            import boto3

            def test_lists_buckets():
                s3 = boto3.client("s3", aws_access_key_id=os.environ["TEST_KEY"],
                                  aws_secret_access_key=os.environ["TEST_SECRET"])
                assert s3.list_buckets()
        ''', path="tests/test_s3.py"),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        given = [arg for arg in node.args if arg.keyword is not None
                 and arg.keyword.value in LONG_TERM_CREDENTIAL_KWARGS]
        if not given or any(arg.star == "**" for arg in node.args):
            return
        token = keyword(node, SESSION_TOKEN_KWARG)
        if token is not None and not _is_none(token.value):
            return  # temporary credentials: only they come with a session token
        ctx = self.ctx
        if not ctx.runs_on_lambda or under_main_guard(ctx):
            return
        flow = credential_flow(ctx)
        if flow is None:
            return
        for arg in given:
            value = arg.value
            if _is_none(value) or string_value(value) is not None:
                continue  # nothing, or a literal (LAM401's)
            if ctx.is_sts_derived(value) or ctx.is_event_derived(value):
                continue
            facts = flow.facts(ctx.model, value, ctx.function)
            if not facts or any(kind in EXEMPT_ORIGINS for kind, _ in facts):
                continue
            _kind, origin = min(facts, key=lambda fact: (_ORDER.get(fact[0], 9), fact[1]))
            self.report(
                value,
                f"`{code(node.func)}(...)` gets explicit long-term AWS credentials "
                f"(`{arg.keyword.value}=` from {origin}): they never expire and bypass the "
                "execution role; remove them and grant the execution role the permissions "
                "(for another account, assume a role there with STS)",
            )
            return


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
