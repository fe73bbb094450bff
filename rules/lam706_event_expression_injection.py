"""LAM706 event-expression-injection."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.catalog import taint as catalog

from ._taint import EventTaintRule


class EventExpressionInjection(EventTaintRule):
    """
    ## What it does
    Flags DynamoDB expression strings built from event data: the
    `KeyConditionExpression`, `FilterExpression`, `ConditionExpression` or
    `UpdateExpression` of a client or `Table` call (`query`, `scan`, `update_item`,
    `put_item`, `delete_item`, ...), and the same keys in request dicts such as
    `transact_write_items` entries.

    Event data means values read from the handler's first parameter (any name),
    `app.current_event`, route path parameters and record handlers' records, followed
    through assignments, f-strings, `%`, `.format`, `+`, `.join`, comprehensions and
    the project's own functions; the message names the line where it was read.

    ## Why is this bad?
    An expression is a small language: a value formatted into it can add clauses of
    its own. `status = {value}` with `x OR attribute_exists(pk)` reads every item a
    filter meant to hide, a `ConditionExpression` that guards an update (ownership,
    optimistic locking) can be turned into one that always holds, and an event-chosen
    attribute name in an `UpdateExpression` writes fields the caller must not touch.

    Not flagged: values passed through `ExpressionAttributeValues` (`:value`
    placeholders) and names through `ExpressionAttributeNames`, conditions built with
    `boto3.dynamodb.conditions` (`Key("pk").eq(value)`, `Attr(...)`), attribute names
    checked against a literal allow-list, numbers (`int()`), what an AWS SDK call made with event data returns (`get_secret_value(SecretId=event["SecretId"])`
    answers with the secret, which is AWS's data, not the caller's), and
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: moving values to `ExpressionAttributeValues` changes two
    arguments and needs placeholder names.

    ## References
    - [How lambdalint follows event data](https://github.com/lambdalint/lambdalint/blob/main/docs/taint.md)
    - [DynamoDB: expression attribute values](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeValues.html)
    - [DynamoDB: expression attribute names](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeNames.html)
    - [boto3: DynamoDB conditions](https://boto3.amazonaws.com/v1/documentation/api/latest/reference/customizations/dynamodb.html#ref-dynamodb-conditions)
    - [CWE-943: Improper Neutralization of Special Elements in Data Query Logic](https://cwe.mitre.org/data/definitions/943.html)
    """

    code = "LAM706"
    name = "event-expression-injection"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = tuple(sorted(catalog.DYNAMODB_EXPRESSION_KEYS))
    tags = ("security", "injection", "dynamodb")
    kind = catalog.DYNAMODB
    advice = (
        "put event values in `ExpressionAttributeValues` (`:value` placeholders), or build "
        "the condition with `boto3.dynamodb.conditions` (`Key`, `Attr`)"
    )

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._check(node)

    examples = [
        Bad('''
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def orders_for(customer):
                return table.query(KeyConditionExpression=f"customer_id = {customer}")  # expect

            def lambda_handler(event, context):
                customer = event["pathParameters"]["customer"]
                return orders_for(customer)["Items"]
        '''),
        Good('''
            import boto3
            from boto3.dynamodb.conditions import Attr, Key

            table = boto3.resource("dynamodb").Table("orders")

            def lambda_handler(event, context):
                customer = event["pathParameters"]["customer"]
                table.query(
                    KeyConditionExpression="customer_id = :c",
                    ExpressionAttributeValues={":c": customer},
                )
                return table.query(
                    KeyConditionExpression=Key("customer_id").eq(customer),
                    FilterExpression=Attr("status").eq(event["queryStringParameters"]["status"]),
                )["Items"]
        '''),
        Bad('''
            import json
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def lambda_handler(event, context):
                changes = json.loads(event["body"])
                parts = [f"{name} = :{name}" for name in changes]
                table.update_item(  # expect
                    Key={"id": event["pathParameters"]["id"]},
                    UpdateExpression="SET " + ", ".join(parts),
                    ExpressionAttributeValues={f":{k}": v for k, v in changes.items()},
                )
        '''),
        Good('''
            import json
            import boto3

            table = boto3.resource("dynamodb").Table("orders")

            def lambda_handler(event, context):
                changes = json.loads(event["body"])
                names = {f"#f{i}": name for i, name in enumerate(changes)}
                values = {f":v{i}": value for i, value in enumerate(changes.values())}
                expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes)))
                table.update_item(
                    Key={"id": event["pathParameters"]["id"]},
                    UpdateExpression=expression,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
        '''),
        Bad('''
            import boto3

            client = boto3.client("dynamodb")

            def lambda_handler(event, context):
                status = event["queryStringParameters"]["status"]
                client.scan(TableName="orders", FilterExpression="order_status = {}".format(status))  # expect
                client.transact_write_items(TransactItems=[{
                    "Update": {
                        "TableName": "orders",
                        "Key": {"id": {"S": event["queryStringParameters"]["id"]}},
                        "UpdateExpression": "SET order_status = " + status,  # expect
                    }
                }])
        '''),
        Good('''
            import boto3

            table = boto3.resource("dynamodb").Table("orders")
            UPDATABLE = ("status", "note")

            def lambda_handler(event, context):
                field = event["field"]
                if field not in UPDATABLE:
                    raise ValueError(f"cannot update {field}")
                limit = int(event.get("limit", 10))
                table.scan(FilterExpression=f"size(items) < {limit}")
                return table.update_item(
                    Key={"id": event["id"]},
                    UpdateExpression=f"SET {field} = :v",
                    ExpressionAttributeValues={":v": event["value"]},
                )
        '''),
    ]
