"""LAM401 hardcoded-aws-credentials."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.secrets import (
    AWS_CREDENTIAL_KWARGS,
    AWS_KEY_ID_PREFIXES,
    CREDENTIAL_KEY_ID_PREFIXES,
    SESSION_TOKEN_KWARG,
    aws_key_ids,
    could_be_aws_credential,
)
from lambdalint.context import FileContext
from lambdalint.walk import children

from ._secrets import code, string_value


class HardcodedAwsCredentials(Rule):
    """
    ## What it does
    Flags AWS credentials written into the code: a string literal passed as
    `aws_access_key_id=`, `aws_secret_access_key=` or `aws_session_token=` (to
    `boto3.client`, `boto3.resource`, `boto3.Session`, a session's `client`, or any
    other call that takes them), and any string literal that contains an AWS access
    key id: `AKIA` (long-term key), `ASIA` (temporary key), `ABIA` or `ACCA`
    followed by 16 upper-case letters or digits, anywhere in the file, docstrings
    and test files included.

    ## Why is this bad?
    A key in the code is in every copy of the repository, its history, the
    deployment package and the function's code in the Lambda console: anyone who
    can read one of them can act as that IAM user until the key is deactivated.
    Leaked keys are found and abused within minutes of a push to a public
    repository. A Lambda function never needs them: its execution role supplies
    short-lived credentials that the SDK picks up on its own; for another account,
    assume a role with STS.

    Not flagged: AWS's documentation keys (ids ending in `EXAMPLE`, like
    `AKIAIOSFODNN7EXAMPLE`, and `...EXAMPLEKEY` secrets); made-up ids
    (`AKIAXXXXXXXXXXXXXXXX`: fewer than six different characters, or no letter or
    no digit after the prefix, which also leaves out upper-case words such as
    `ASIAPACIFICSOUTHEAST`); literals that cannot be AWS credentials, because a key
    id has its fixed shape and secret keys and session tokens are long random
    strings mixing upper case, lower case and digits, so the dummies of moto,
    LocalStack, MinIO and botocore's own docs (`"testing"`, `"test"`, `"foo"`,
    `"minioadmin"`, `"fake-secret-key"`) pass; empty strings and placeholders
    (`"<key>"`, `"${AWS_KEY}"`). IAM *unique ids* with other prefixes (`AROA`
    roles, `AIDA` users, `AGPA` groups, `ANPA` policies...) are not reported
    either: they name a principal in policies and grant nothing by themselves.
    Credentials that are not literals are LAM406's.

    ## Fix safety
    No automatic fix. Deactivate and rotate the key in IAM first (removing it from
    the code does not remove it from the history), then delete the arguments and
    let the execution role supply credentials.

    ## References
    - [Lambda execution role](https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html)
    - [IAM unique identifiers (key id prefixes)](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids)
    - [What to do if you inadvertently expose an AWS access key](https://aws.amazon.com/blogs/security/what-to-do-if-you-inadvertently-expose-an-aws-access-key/)
    - [Amazon Q detector: hardcoded-credentials](https://docs.aws.amazon.com/amazonq/detector-library/python/hardcoded-credentials/)
    """

    code = "LAM401"
    name = "hardcoded-aws-credentials"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = tuple(AWS_CREDENTIAL_KWARGS) + tuple(sorted(CREDENTIAL_KEY_ID_PREFIXES))
    tags = ("security", "secrets")

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client(
                "s3",
                aws_access_key_id="AKIA4HZQ7LRXJ2MNPV3D",  # expect
                aws_secret_access_key="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",  # expect
            )

            def lambda_handler(event, context):
                return s3.list_buckets()
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                return s3.list_buckets()
        '''),
        Bad('''
            import boto3 as b3
            from boto3.session import Session

            def lambda_handler(event, context):
                session = Session(aws_session_token="IQoJb3JpZ2luX2VjEHMaCWV1LXdlc3QtMSJHMEUCIQ")  # expect
                table = b3.resource("dynamodb", aws_secret_access_key=b"tQ9v2LkP0xR7mW4sZ1bN8cY3dF6gH5jK")  # expect
                return session, table
        '''),
        Bad('''
            DEPLOY_KEY_ID = "AKIA2RJX7QZM4KTW5HNB"  # expect
            CONFIG = "[default]\\naws_access_key_id = ASIAQ3WLZ7XK5NPR2MTV\\n"  # expect

            def handler(event, context):
                return DEPLOY_KEY_ID, CONFIG
        '''),
        Bad('''
            import boto3

            def lambda_handler(event, context):
                url = f"https://example.com/upload?key=AKIA7PLMQ2ZX4RWT6HJB&user={event['user']}"  # expect
                return url
        '''),
        Good('''
            import boto3

            # AWS's documentation keys, moto and LocalStack dummies
            DOC_KEY = "AKIAIOSFODNN7EXAMPLE"
            DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            local = boto3.client(
                "s3",
                endpoint_url="http://localhost:4566",
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
            moto = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
            minio = boto3.client("s3", aws_access_key_id="minioadmin", aws_secret_access_key="minioadmin")
        '''),
        Good('''
            import boto3

            ROLE_ID = "AROA3XFRBF535PLBIFPI4"
            USER_ID = "AIDAJQABLZS4A3QDU576Q"
            PLACEHOLDER = "AKIAXXXXXXXXXXXXXXXX"
            NOT_A_KEY = "AKIA4HZQ7LRXJ2MNPV3D1"
            explicit_none = boto3.client("s3", aws_access_key_id=None, aws_secret_access_key="")

            def lambda_handler(event, context):
                return ROLE_ID, USER_ID, PLACEHOLDER, NOT_A_KEY
        '''),
        Good('''
            import os
            import boto3

            def lambda_handler(event, context):
                sts = boto3.client("sts")
                creds = sts.assume_role(RoleArn=os.environ["ROLE_ARN"], RoleSessionName="x")["Credentials"]
                return boto3.client(
                    "s3",
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                ).list_buckets()
        '''),
    ]

    def begin_file(self, ctx: FileContext) -> None:
        super().begin_file(ctx)
        self._reported: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in AWS_CREDENTIAL_KWARGS:
                continue
            value = string_value(arg.value)
            if value is None or not could_be_aws_credential(arg.keyword.value, value):
                continue
            self._reported.update(id(n) for n in _strings(arg.value))
            what = AWS_CREDENTIAL_KWARGS[arg.keyword.value]
            revoke = (
                "revoke the role's active sessions" if arg.keyword.value == SESSION_TOKEN_KWARG
                else "deactivate the key in IAM"
            )
            self.report(
                arg.value,
                f"`{code(node.func)}(...)` gets a hard-coded AWS {what} (`{arg.keyword.value}=`): "
                f"anyone who can read the code, its history or the deployment package can use it; "
                f"{revoke}, remove the argument and let the execution role supply credentials "
                "(for another account, assume a role with STS)",
            )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) not in self._reported:
            self._check_text(node, string_value(node))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self._check_text(node, node.value)

    def _check_text(self, node: cst.CSTNode, text: str | None) -> None:
        if not text:
            return
        found = aws_key_ids(text)
        if not found:
            return
        prefix = found[0].group("prefix")
        self.report(
            node,
            f"string contains an AWS {AWS_KEY_ID_PREFIXES[prefix]} (`{prefix}...`): a key in the code "
            "is in every copy of the repository and the deployment package; deactivate and rotate it "
            "in IAM, and let the execution role supply credentials",
        )


def _strings(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.SimpleString):
            found.append(current)
        stack.extend(children(current))
    return found
