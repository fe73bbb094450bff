"""LAM605 missing-pagination."""

from __future__ import annotations

import re

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.config import Config
from lambdalint.context import FileContext
from lambdalint.literals import string_value
from lambdalint.model.event_sources import own_nodes, string_index
from lambdalint.model.reaching import reaching

from ._events import (
    argument,
    call_shown,
    code_of,
    has_star_kwargs,
    is_dynamodb_table,
    literal_int,
    receiver_of,
    resolve_name,
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
    flagged: a literal page size (`MaxKeys=1`, an existence check; `Limit=100`, the
    first hundred on purpose; also a constant, or a parameter whose default is one:
    `def find(prefix, limit=10)` then `Limit=limit`), results that are dropped or never read, results used only to
    test whether there is anything (`if response["Items"]:`, `"Contents" in
    response`, `len(items) > 0`, `bool(...)`) or to take the first item
    (`["Users"][0]`, `next(iter(...), None)`), or to log it (`LOGGER.info(f"{response}")`),
    which the first page answers as well as all of them (except where a page can be empty while later ones are not: a
    DynamoDB `FilterExpression`, `filter_log_events`), operations that return everything
    unless a page size is given (S3 `list_buckets`, SQS `list_queues`, EC2
    `describe_*`) when none is, lookups of named resources
    (`describe_stacks(StackName=...)`, `describe_db_instances(DBInstanceIdentifier=...)`,
    where the keyword names the operation's own resource), clients of services
    where the operation does not page, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md): an integration test that
    counts what a query returns, or a script that lists a few items, reads what it
    needs.

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
                count = dynamodb.query(TableName="orders", KeyConditionExpression="pk = :p")  # expect
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
        Good('''
            import os
            import boto3

            s3 = boto3.client("s3")
            table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])

            def lambda_handler(event, context):
                listing = s3.list_objects_v2(Bucket=os.environ["BUCKET"], Prefix=event["prefix"])
                if "Contents" not in listing:
                    return {"status": "empty"}
                latest = table.query(KeyConditionExpression="pk = :p", ScanIndexForward=False,
                                     ExpressionAttributeValues={":p": event["prefix"]})["Items"]
                return {"status": "ready", "latest": latest[0] if latest else None}
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
                functions = lam.list_functions()["Functions"]  # expect
                return len(users), len(functions)
        '''),
        Good('''
            import boto3

            cognito = boto3.client("cognito-idp")

            def users_by_email_prefix(pool, prefix, limit=10):
                response = cognito.list_users(UserPoolId=pool, Filter=f'email ^= "{prefix}"', Limit=limit)
                return [user["Username"] for user in response.get("Users", [])]
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
        if not ctx.runs_on_lambda:
            return  # tests and scripts read what they need; Lambda code is what is checked
        found = self._paging(func.value, operation, node)
        if found is None:
            return
        _, paging, table = found
        if self._first_page_on_purpose(node, paging) or self._continues(node, paging):
            return
        if not self._reads_pages(node, operation):
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

    def _reads_pages(self, call: cst.Call, operation: str) -> bool:
        """Whether the code reads what the page holds beyond its first item: the result
        is used, and not only to test whether there is anything (`if response["Items"]:`,
        `"Contents" in response`, `len(items) > 0`) or to take the first item
        (`["Users"][0]`, `next(iter(...), None)`), which the first page answers as well as
        all of them. Where a page can be empty while later ones are not (a DynamoDB
        `FilterExpression`, `filter_log_events`), those answers need every page too."""
        if result_use(self.ctx, call).kind == "dropped":
            return False
        if operation in ev.EMPTY_PAGE_OPERATIONS or any(
                arg.keyword is not None and arg.keyword.value in ev.FILTER_AFTER_PAGING_KEYS for arg in call.args):
            return True
        function = self.ctx.function
        root = function.node.body if function is not None else self.ctx.model.module
        parents = self.ctx.kept("LAM605: parents", root,
                                lambda: {id(n): p for n, p in walk_with_parents(root) if p is not None})
        return _page_use(self.ctx, parents, root, call, response=True, depth=0)

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

    def _first_page_on_purpose(self, call: cst.Call, paging: ev.Paging) -> bool:
        """A literal page size: the code asks for at most that many on purpose (1 is an
        existence check, `Limit=100` "the first hundred"); also through a name bound to
        one, or a parameter whose default is one (`def find(prefix, limit=10)`: the
        caller's count). A computed size may be anything."""
        return any((self._literal_size(argument(call, key, None)) or 0) >= ev.EXISTENCE_CHECK_LIMIT
                   for key in paging.limit_keys | ev.LIMIT_KEYS)

    def _literal_size(self, size: cst.BaseExpression | None) -> int | None:
        if not isinstance(size, cst.Name):
            return literal_int(size)
        function = self.ctx.function
        if function is not None:
            params = function.node.params
            for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
                if param.name.value == size.value:
                    return literal_int(param.default) if param.default is not None else None
        bound = resolve_name(self.ctx.model, function, size, hops=2)
        return literal_int(bound) if bound is not size else None

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


_MAX_NAME_HOPS = 3
_TRUTH_ASSERTIONS = frozenset({"assertTrue", "assertFalse", "assertIsNone", "assertIsNotNone"})
_EMPTY_LITERALS = ("[]", "{}", "()", "None", "0", "1")


def _page_use(ctx: FileContext, parents: dict[int, cst.CSTNode], root: cst.CSTNode,
              value: cst.CSTNode, response: bool, depth: int) -> bool:
    """Whether ``value`` (the response, ``response`` True, or a list read from it) is
    used for more than its first item or a test for emptiness."""
    parent = parents.get(id(value))
    if isinstance(parent, cst.Await):
        value, parent = parent, parents.get(id(parent))
    if parent is None or isinstance(parent, cst.Expr):
        return parent is None
    if isinstance(parent, cst.Subscript) and parent.value is value:
        index = parent.slice[0].slice if len(parent.slice) == 1 else None
        if isinstance(index, cst.Index) and literal_int(index.value) == 0:
            return False  # the first item
        if response and string_index(parent) is not None:
            return _page_use(ctx, parents, root, parent, False, depth)
        return True
    if response and isinstance(parent, cst.Attribute) and parent.value is value and parent.attr.value == "get":
        call = parents.get(id(parent))
        if isinstance(call, cst.Call) and call.func is parent and call.args \
                and isinstance(call.args[0].value, cst.SimpleString):
            return _page_use(ctx, parents, root, call, False, depth)
        return True
    if _tests_emptiness(ctx, parents, value, parent, response):
        return False
    if _only_logged(ctx, parents, root, value, depth):
        return False
    call = parents.get(id(parent)) if isinstance(parent, cst.Arg) else None
    if isinstance(call, cst.Call) and not response and call.args and call.args[0] is parent \
            and ctx.qualify(call.func) == "builtins.iter":
        outer = parents.get(id(call))
        outer = parents.get(id(outer)) if isinstance(outer, cst.Arg) else None
        if isinstance(outer, cst.Call) and outer.args and outer.args[0].value is call \
                and ctx.qualify(outer.func) == "builtins.next":
            return False  # `next(iter(items), None)`: the first item
        return True
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is value and depth < _MAX_NAME_HOPS:
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], cst.Name):
            return _name_page_use(ctx, parents, root, targets[0].value, value, response, depth + 1)
    return True


def _name_page_use(ctx: FileContext, parents: dict[int, cst.CSTNode], root: cst.CSTNode, name: str,
                   assigned: cst.CSTNode, response: bool, depth: int) -> bool:
    """Whether a read of ``name`` that can see the value ``assigned`` to it uses the page."""
    function = ctx.function
    for node, parent in walk_with_parents(root):
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not root:
            continue
        if not isinstance(node, cst.Name) or node.value != name:
            continue
        if isinstance(parent, cst.AssignTarget) or (isinstance(parent, cst.AnnAssign) and parent.target is node):
            continue
        if isinstance(parent, (cst.For, cst.CompFor, cst.NamedExpr)) and parent.target is node:
            continue
        if isinstance(parent, cst.Attribute) and parent.attr is node or isinstance(parent, cst.Arg) \
                and parent.keyword is node:
            continue  # `error.response`, `f(response=...)`: another name
        if function is not None:
            path: list[cst.CSTNode] = [node]
            while id(path[-1]) in parents:
                path.append(parents[id(path[-1])])
            path.append(function.node)
            found = reaching(function, name, path[::-1])
            if found is not None and not any(v is assigned for v in found.values):
                continue  # a read of another value assigned to the same name
        if _page_use(ctx, parents, root, node, response, depth):
            return True
    return False


_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_TEXT_CALLS = frozenset({"builtins.str", "builtins.repr", "json.dumps"})


def _only_logged(ctx: FileContext, parents: dict[int, cst.CSTNode], root: cst.CSTNode,
                 value: cst.CSTNode, depth: int) -> bool:
    """`LOGGER.info(f"{response}")`, `print(str(response))`, `{"API_Response": response}`
    logged: printing a page for debugging reads none of it."""
    node, parent = value, parents.get(id(value))
    while True:
        if isinstance(parent, (cst.DictElement, cst.Element, cst.FormattedStringExpression, cst.Dict,
                               cst.List, cst.Tuple, cst.FormattedString)):
            node, parent = parent, parents.get(id(parent))
            continue
        if isinstance(parent, cst.Arg):
            call = parents.get(id(parent))
            if isinstance(call, cst.Call) and ctx.qualify(call.func) in _TEXT_CALLS:
                node, parent = call, parents.get(id(call))
                continue
            return isinstance(call, cst.Call) and _is_log_call(ctx, call)
        break
    if node is value or not isinstance(parent, cst.Assign) or depth >= _MAX_NAME_HOPS:
        return False
    targets = [t.target for t in parent.targets]
    if len(targets) != 1 or not isinstance(targets[0], cst.Name):
        return False
    name = targets[0].value
    reads = [n for n, p in walk_with_parents(root) if isinstance(n, cst.Name) and n.value == name
             and not isinstance(p, cst.AssignTarget)]
    return bool(reads) and all(_only_logged(ctx, parents, root, read, depth + 1) for read in reads)


def _is_log_call(ctx: FileContext, call: cst.Call) -> bool:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in _LOG_METHODS
    return ctx.qualify(func) == "builtins.print"


def _tests_emptiness(ctx: FileContext, parents: dict[int, cst.CSTNode], value: cst.CSTNode,
                     parent: cst.CSTNode, response: bool) -> bool:
    """`if items:`, `not items`, `bool(items)`, `len(items) > 0`, `items == []`,
    `items is None`, `"Contents" in response`."""
    if _in_truth_test(parents, value):
        return True
    if isinstance(parent, cst.Arg):
        call = parents.get(id(parent))
        if isinstance(call, cst.Call) and call.args and call.args[0] is parent \
                and isinstance(call.func, cst.Attribute) and call.func.attr.value in _TRUTH_ASSERTIONS:
            return True  # `self.assertTrue(items, "no items")`
        if isinstance(call, cst.Call) and len(call.args) == 1:
            function = ctx.qualify(call.func)
            if function == "builtins.bool":
                return True
            if function == "builtins.len":
                return _in_truth_test(parents, call) or _compared_with_small_literal(parents, call)
        return False
    if isinstance(parent, cst.ComparisonTarget):
        parent = parents.get(id(parent))
    if isinstance(parent, cst.Comparison):
        if response and _membership_key(parent, value):
            return True
        return _compared_with_small_literal(parents, value)
    return False


def _in_truth_test(parents: dict[int, cst.CSTNode], node: cst.CSTNode) -> bool:
    parent = parents.get(id(node))
    while isinstance(parent, (cst.BooleanOperation, cst.UnaryOperation)) and (
            isinstance(parent, cst.BooleanOperation) or isinstance(parent.operator, cst.Not)):
        if isinstance(parent, cst.UnaryOperation):
            return True  # `not items`
        node, parent = parent, parents.get(id(parent))
    return isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert)) and parent.test is node


def _compared_with_small_literal(parents: dict[int, cst.CSTNode], node: cst.CSTNode) -> bool:
    """`len(items) > 0`, `items == []`, `items is not None`."""
    parent = parents.get(id(node))
    if isinstance(parent, cst.ComparisonTarget):
        parent = parents.get(id(parent))
    if not isinstance(parent, cst.Comparison) or len(parent.comparisons) != 1:
        return False
    target = parent.comparisons[0]
    if isinstance(target.operator, (cst.In, cst.NotIn)):
        return False
    other = code_of(target.comparator if parent.left is node else parent.left)
    if other != "1":
        return other in _EMPTY_LITERALS
    # `len(items) >= 1`, `len(items) < 1` ask "any?"; `== 1` and `> 1` count them.
    operator = target.operator
    if parent.left is not node:
        return isinstance(operator, (cst.LessThanEqual, cst.GreaterThan))  # `1 <= len(items)`
    return isinstance(operator, (cst.GreaterThanEqual, cst.LessThan))


def _membership_key(comparison: cst.Comparison, node: cst.CSTNode) -> bool:
    """`"Contents" in response`."""
    return len(comparison.comparisons) == 1 and isinstance(comparison.comparisons[0].operator, (cst.In, cst.NotIn)) \
        and comparison.comparisons[0].comparator is node and isinstance(comparison.left, cst.SimpleString)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(name: str) -> str:
    """`DBInstanceIdentifier` -> `db_instance_identifier`."""
    return _CAMEL.sub("_", name).lower()
