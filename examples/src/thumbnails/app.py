"""Make a thumbnail of every image uploaded to the uploads bucket.

Triggered by `s3:ObjectCreated:*`. Thumbnails go to a different bucket: writing
back to the bucket that triggered us would invoke this function again.
"""

import io
import logging
import os
import re
from urllib.parse import unquote_plus

import boto3
from PIL import Image

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Our buckets live in eu-west-1, so make every client talk to eu-west-1.
os.environ["AWS_REGION"] = "eu-west-1"

# Created once per execution environment and reused by warm invocations.
s3 = boto3.client("s3")

THUMBNAIL_BUCKET = os.environ["THUMBNAIL_BUCKET"]
THUMBNAIL_SIZE = (256, 256)
MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_KEY = re.compile(r"\.(jpe?g|png|webp)$", re.IGNORECASE)


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        if not IMAGE_KEY.search(key):
            logger.info("skipping %s: not an image", key)
            continue
        thumbnail = make_thumbnail(bucket, key)
        s3.put_object(
            Bucket=THUMBNAIL_BUCKET,
            Key=f"thumbnails/{key}.png",
            Body=thumbnail,
            ContentType="image/png",
        )
        logger.info("wrote a thumbnail of s3://%s/%s", bucket, key)
    return {"processed": len(event["Records"])}


def make_thumbnail(bucket, key):
    obj = s3.get_object(Bucket=bucket, Key=key)
    if obj["ContentLength"] > MAX_IMAGE_BYTES:
        raise ValueError(f"{key} is larger than {MAX_IMAGE_BYTES} bytes")
    data = obj["Body"].read(MAX_IMAGE_BYTES)
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.save(out, format="PNG")
    return out.getvalue()
