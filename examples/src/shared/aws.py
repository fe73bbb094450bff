"""AWS helpers shared by every function in this project.

SAM packages all of `src/` for each function (CodeUri: src/), so handlers
import this module as `shared.aws`.
"""

import os

import boto3
from botocore.config import Config

# Fail fast instead of waiting on the SDK defaults (60 s connect + 60 s read,
# with retries): a stuck call should not eat the whole function timeout.
SDK_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})

_secrets = None


def secrets_client():
    """The Secrets Manager client, created on first use and reused afterwards."""
    global _secrets
    if _secrets is None:
        _secrets = boto3.client("secretsmanager", config=SDK_CONFIG)
    return _secrets


def orders_table():
    """The orders table as a boto3 Table resource."""
    return boto3.resource("dynamodb", config=SDK_CONFIG).Table(os.environ["ORDERS_TABLE"])
