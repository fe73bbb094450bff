"""Fulfil orders from the orders queue (SQS, batches of up to 10 messages).

Reports partial batch failures, so one bad message is retried on its own
instead of the whole batch (the event source mapping sets
FunctionResponseTypes: [ReportBatchItemFailures]).
"""

import functools
import json
import logging
import os
import sys

import requests

from shared.aws import orders_table, secrets_client

logger = logging.getLogger()
logger.setLevel(logging.INFO)

SHIPPING_WEBHOOK_URL = os.environ["SHIPPING_WEBHOOK_URL"]


def handle_batch(event, context):
    if "Records" not in event:
        logger.error("handle_batch was invoked without SQS records")
        sys.exit(1)
    table = orders_table()
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            mark_fulfilled(table, order["orderId"])
            notify_shipping(order)
        except Exception:
            logger.exception("message %s failed", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def mark_fulfilled(table, order_id):
    table.update_item(
        Key={"orderId": order_id},
        UpdateExpression="SET #status = :fulfilled",
        ConditionExpression="attribute_exists(orderId)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":fulfilled": "FULFILLED"},
    )


def notify_shipping(order):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {webhook_token()}"
    response = session.post(
        SHIPPING_WEBHOOK_URL,
        json={"orderId": order["orderId"], "items": order["items"]},
        timeout=5,
    )
    response.raise_for_status()


@functools.lru_cache(maxsize=1)
def webhook_token():
    """Read once per execution environment, then served from memory."""
    secret = secrets_client().get_secret_value(SecretId=os.environ["WEBHOOK_SECRET_ARN"])
    return secret["SecretString"]
