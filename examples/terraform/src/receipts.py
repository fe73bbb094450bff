"""Records every receipt uploaded to the uploads bucket in the receipts table.

The code is right; the way ../main.tf deploys it is not (see ../../README.md).
"""

import os
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        head = s3.head_object(Bucket=bucket, Key=key)
        table.put_item(Item={"key": key, "size": head["ContentLength"], "etag": head["ETag"]})
    return {"recorded": len(event["Records"])}
