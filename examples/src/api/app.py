"""GET /orders/{orderId}: the status of one order (HTTP API, payload format 2.0)."""

import hmac
import json
import logging
import os
import re

import boto3

from shared.aws import secrets_client

logger = logging.getLogger()
logger.setLevel(logging.INFO)

TABLE_NAME = os.environ["ORDERS_TABLE"]


def lambda_handler(event, context):
    supplied = (event.get("headers") or {}).get("x-api-key", "")
    if not hmac.compare_digest(supplied, api_key()):
        return response(401, {"message": "unauthorized"})

    order_id = (event.get("pathParameters") or {}).get("orderId", "")
    order_id_format = re.compile(r"^ord-[0-9a-f]{12}$")
    if not order_id_format.match(order_id):
        return response(400, {"message": "malformed order id"})

    dynamodb = boto3.client("dynamodb")
    item = dynamodb.get_item(TableName=TABLE_NAME, Key={"orderId": {"S": order_id}}).get("Item")
    if item is None:
        return response(404, {"message": "no such order"})
    return response(200, {"orderId": order_id, "status": item["status"]["S"]})


def api_key():
    secret = secrets_client().get_secret_value(SecretId=os.environ["API_KEY_SECRET_ARN"])
    return secret["SecretString"]


def response(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
