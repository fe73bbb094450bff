"""LAM605 missing-pagination."""

from __future__ import annotations

import re

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.config import Config
from lambdalint.literals import string_value
from lambdalint.model.event_sources import own_nodes

from ._events import (
    argument,
    call_shown,
    code_of,
    has_star_kwargs,
    is_dynamodb_table,
    literal_int,
    receiver_of,
    result_use,
    walk_with_parents,
)

# A name after a dot: `client.list_users`, `client . scan`, or on the next line.
_ATTRIBUTE = re.compile(r"\.[\s\\]*([A-Za-z_]\w*)")


def _is_pageable(operation: str) -> bool:
    return operation in ev.pageable_operation_names() or operation in ev.TABLE_PAGEABLE \
        or operation in ev.UNAMBIGUOUS_PAGEABLE


class MissingPagination(Rule):
    """
    ## What it does
    Flags a call to a paginated AWS operation whose result is used without a
    paginator or a continuation loop: `list_objects_v2`, `list_objects`, DynamoDB
    `scan` and `query` (client and `Table` resource), and every operation botocore
    lists as pageable when botocore is installed (without it, a built-in list of
    the usual suspects). The service must be visible (`boto3.client("s3")`), except
    for operations whose name alone identifies them (`list_objects_v2`,
    `get_parameters_by_path`).

    ## Why is this bad?
    These operations return one page: 1,000 S3 keys, 1 MB of DynamoDB items, 50 or
    100 entries for most list calls. Code that reads only the first response works
    in development and silently skips data once the bucket, table or account grows.
    Use the client's paginator (`client.get_paginator("list_objects_v2").paginate(...)`),
    or loop on the continuation token (`NextContinuationToken`, `LastEvaluatedKey`
    -> `ExclusiveStartKey`, `NextToken`, `Marker`).

    A call counts as paginated when it passes a continuation token, passes
    `**kwargs` (a token loop usually does), or when the function reads a
    continuation key (`IsTruncated`, `NextContinuationToken`, `LastEvaluatedKey`,
    `NextToken`, `Marker`, or the operation's own token from botocore). Not
    flagged: a literal page size of 1 (`MaxKeys=1`, `Limit=1`, `MaxResults=1`: an
    existence check), results that are dropped, operations that return everything
    unless a page size is given (S3 `list_buckets`, SQS `list_queues`, EC2
    `describe_*`) when none is, lookups of named resources
    (`describe_stacks(StackName=...)`, `describe_db_instances(DBInstanceIdentifier=...)`,
    where the keyword names the operation's own resource), and clients of services
    where the operation does not page.

    ## Fix safety
    No automatic fix: rewriting the call into a paginator loop changes the shape of
    the code that consumes the result.

    ## References
    - [Boto3: Paginators](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/paginators.html)
    - [DynamoDB: paginating table query results](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html)
    - [Amazon Q detector: missing-pagination](https://docs.aws.amazon.com/amazonq/detector-library/python/missing-pagination/)
    """

    code = "LAM605"
    name = "missing-pagination"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = ("list_", "scan", "query")
    # It needs a client it can identify (built with boto3/aioboto3/botocore in view), a
    # DynamoDB `Table`, or an operation name only one service has.
    free_words = ("boto", "Table", *ev.UNAMBIGUOUS_PAGEABLE)
    tags = ("aws-sdk", "data-loss")

    def scan_words(self, config: Config) -> tuple[str, ...]:
        # Every pageable operation starts with one of a few words (`list`, `describe`, `get`, ...).
        return tuple(sorted({name.split("_")[0] for name in ev.pageable_operation_names()} | set(self.words)))

    def may_fire_on(self, text: str) -> bool:
        # A finding is a call of a pageable operation as a method: its name follows
        # a dot. Library code says `list_` and `boto` everywhere; few files call one.
        return any(_is_pageable(name) for name in _ATTRIBUTE.findall(text))

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                response = s3.list_objects_v2(Bucket="reports", Prefix=event["prefix"])  # expect
                return [obj["Key"] for obj in response.get("Contents", [])]
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                paginator = s3.get_paginator("list_objects_v2")
                keys = []
                for page in paginator.paginate(Bucket="reports", Prefix=event["prefix"]):
                    keys += [obj["Key"] for obj in page.get("Contents", [])]
                return keys
        '''),
        Bad('''
            import boto3

            table = boto3.resource("dynamodb").Table("orders")
            dynamodb = boto3.client("dynamodb")

            def open_orders():
                items = table.scan(FilterExpression="attribute_exists(open_since)")["Items"]  # expect
                count = dynamodb.query(TableName="orders", KeyConditionExpression="pk = :p", Limit=10)  # expect
                return items, count["Count"]
        '''),
        Good('''
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def all_items():
                items, start = [], None
                while True:
                    kwargs = {"ExclusiveStartKey": start} if start else {}
                    page = table.scan(**kwargs)
                    items += page["Items"]
                    start = page.get("LastEvaluatedKey")
                    if not start:
                        return items
        '''),
        Good('''
            import boto3

            s3 = boto3.client("s3")

            def object_exists(prefix):
                return s3.list_objects_v2(Bucket="b", Prefix=prefix, MaxKeys=1).get("KeyCount", 0) > 0

            def bucket_names():
                return [b["Name"] for b in s3.list_buckets()["Buckets"]]

            def lambda_handler(event, context):
                exists = object_exists(event["key"])
                token = None
                names = []
                while True:
                    page = s3.list_objects_v2(Bucket="b", **({"ContinuationToken": token} if token else {}))
                    names += [o["Key"] for o in page.get("Contents", [])]
                    if not page["IsTruncated"]:
                        break
                    token = page["NextContinuationToken"]
                return exists, bucket_names(), names
        '''),
        Bad('''
            def keys_under(client, bucket, prefix):
                return [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]  # expect
        '''),
        Good('''
            from sqlalchemy.orm import Session
            import boto3

            kinesis = boto3.client("kinesis")

            def lambda_handler(event, context):
                with Session() as session:
                    rows = session.query("orders").all()
                shard = kinesis.get_records(ShardIterator=event["iterator"])
                return rows, shard["Records"]
        '''),
        Bad('''
            import boto3

            logs = boto3.client("logs")
            ssm = boto3.client("ssm")

            def lambda_handler(event, context):
                groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]  # expect
                params = ssm.get_parameters_by_path(Path="/app/", Recursive=True)  # expect
                return groups, params["Parameters"]
        '''),
        Bad('''
            import boto3 as b3
            from boto3 import client

            iam = client("iam")
            lam = b3.client("lambda")

            def audit(event, context):
                users = iam.list_users()["Users"]  # expect
                functions = lam.list_functions(MaxItems=50)["Functions"]  # expect
                return len(users), len(functions)
        '''),
        Good('''
            import boto3

            cloudformation = boto3.client("cloudformation")
            rds = boto3.client("rds")

            def outputs(event, context):
                stack = cloudformation.describe_stacks(StackName=event["stack"])["Stacks"][0]
                db = rds.describe_db_instances(DBInstanceIdentifier="orders")["DBInstances"][0]
                return stack["Outputs"], db["Endpoint"]
        '''),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        operation = func.attr.value
        if not _is_pageable(operation):
            return
        ctx = self.ctx
        found = self._paging(func.value, operation, node)
        if found is None:
            return
        _, paging, table = found
        if self._first_page_on_purpose(node, paging) or self._continues(node, paging):
            return
        if result_use(ctx, node).kind == "dropped":
            return
        if table:
            advice = ("loop while the response has `LastEvaluatedKey`, passing it back as "
                      "`ExclusiveStartKey` (the `Table` resource has no paginator)")
        else:
            advice = (f"use `{code_of(func.value)}.get_paginator(\"{operation}\")`, or loop on "
                      f"{self._token_names(paging)}")
        self.report(
            node,
            f"`{call_shown(node)}` returns only the first page of results and this code never asks "
            f"for the next one: {advice}",
        )

    def _paging(self, receiver: cst.BaseExpression, operation: str,
                call: cst.Call) -> tuple[str, ev.Paging, bool] | None:
        """(service shown, paging, is a DynamoDB Table) for a pageable call, else None."""
        ctx = self.ctx
        if operation in ev.TABLE_PAGEABLE and is_dynamodb_table(ctx, receiver):
            return "DynamoDB", ev.TABLE_PAGEABLE[operation], True
        found = receiver_of(ctx, receiver)
        if found.kind == "service" and found.service is not None:
            service = found.service
        elif found.kind in ("aws", "unknown") and operation in ev.UNAMBIGUOUS_PAGEABLE:
            service = ev.UNAMBIGUOUS_PAGEABLE[operation]
        else:
            return None
        paging = ev.paging_for(service, operation)
        if paging is None:
            return None
        if self._pages_only_with_limit(service, operation) and not self._limit_given(call, paging):
            return None
        if self._lookup_by_identifier(operation, call):
            return None
        return service, paging, False

    @staticmethod
    def _lookup_by_identifier(operation: str, call: cst.Call) -> bool:
        """`describe_stacks(StackName=...)`: the keyword names the listed resource itself."""
        resource = operation.split("_", 1)[1] if "_" in operation else operation
        for arg in call.args:
            if arg.keyword is None:
                continue
            snake = _snake(arg.keyword.value)
            for suffix in ev.RESOURCE_IDENTIFIER_SUFFIXES:
                if snake.endswith(suffix) and resource.startswith(snake[: -len(suffix)]):
                    return True
        return False

    @staticmethod
    def _pages_only_with_limit(service: str, operation: str) -> bool:
        if operation in ev.PAGED_ONLY_WITH_LIMIT.get(service, frozenset()):
            return True
        prefixes = ev.PAGED_ONLY_WITH_LIMIT_PREFIXES.get(service, ())
        return bool(prefixes) and operation.startswith(prefixes)

    @staticmethod
    def _limit_given(call: cst.Call, paging: ev.Paging) -> bool:
        return any(argument(call, key, None) is not None for key in paging.limit_keys)

    @staticmethod
    def _first_page_on_purpose(call: cst.Call, paging: ev.Paging) -> bool:
        """A literal page size of 1: an existence check."""
        return any(literal_int(argument(call, key, None)) == ev.EXISTENCE_CHECK_LIMIT
                   for key in paging.limit_keys | ev.LIMIT_KEYS)

    def _continues(self, call: cst.Call, paging: ev.Paging) -> bool:
        """The call passes a token, or the code around it reads one."""
        if has_star_kwargs(call):
            return True
        tokens = paging.input_tokens | paging.output_tokens | ev.CONTINUATION_KEYS
        if any(arg.keyword is not None and arg.keyword.value in tokens for arg in call.args):
            return True
        function = self.ctx.function
        nodes = own_nodes(function) if function is not None else \
            (node for node, _ in walk_with_parents(self.ctx.model.module))
        for node in nodes:
            if isinstance(node, cst.SimpleString) and string_value(node) in tokens:
                return True
            if isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value in tokens:
                return True
            if isinstance(node, cst.Attribute) and node.attr.value in tokens:
                return True
        return False

    @staticmethod
    def _token_names(paging: ev.Paging) -> str:
        # Tokens first, "more results" flags (`IsTruncated`, `HasMoreStreams`) last.
        outputs = sorted(paging.output_tokens, key=lambda t: (t.startswith(("Is", "Has")), t))
        inputs = sorted(paging.input_tokens)
        if outputs and inputs:
            return f"`{outputs[0]}` (passing it back as `{inputs[0]}`)" if outputs[0] != inputs[0] \
                else f"`{outputs[0]}`"
        return "the continuation token"


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(name: str) -> str:
    """`DBInstanceIdentifier` -> `db_instance_identifier`."""
    return _CAMEL.sub("_", name).lower()
