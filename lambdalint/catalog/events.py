"""Event sources, responses and AWS result shapes (LAM5xx, LAM6xx) as data.

The execution model recognises the service that invokes a handler from the
keys it reads (`lambdalint.model.event_sources`); the error, response and
event-source rules look up operations, result keys and JSON-unsafe values
here. Names are qualified the way ``lambdalint.model.resolve`` spells them
(a call result ends in ``()``).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Protocol

# -- Event sources --------------------------------------------------------------

SQS = "sqs"
KINESIS = "kinesis"
DYNAMODB_STREAMS = "dynamodb-streams"
S3 = "s3"
SNS = "sns"
API = "api"  # API Gateway (REST/HTTP), ALB, Lambda function URLs
SECRETS_ROTATION = "secrets-rotation"  # Secrets Manager calling a rotation function
CUSTOM_RESOURCE = "custom-resource"  # CloudFormation calling a custom resource's provider
CODEPIPELINE_JOB = "codepipeline-job"  # CodePipeline running a Lambda invoke action

SOURCE_LABELS = {
    SQS: "SQS",
    KINESIS: "Kinesis",
    DYNAMODB_STREAMS: "DynamoDB Streams",
    S3: "S3",
    SNS: "SNS",
    API: "API Gateway/function URL",
    SECRETS_ROTATION: "Secrets Manager rotation",
    CUSTOM_RESOURCE: "CloudFormation custom resource",
    CODEPIPELINE_JOB: "CodePipeline job",
}
# Sources that deliver `event["Records"]`.
RECORD_SOURCES = frozenset({SQS, KINESIS, DYNAMODB_STREAMS, S3, SNS})
# Sources whose event source mapping retries a failed batch and understands
# partial batch responses (`batchItemFailures`).
BATCH_SOURCES = frozenset({SQS, KINESIS, DYNAMODB_STREAMS})

RECORDS_KEY = "Records"
# Attribute names of the record list on Powertools event data classes.
RECORDS_ATTRIBUTES = frozenset({"records", "Records"})
# Calls that hand the elements of a list through unchanged (`enumerate(records)`).
RECORD_PASS_THROUGH = frozenset(
    {"builtins.enumerate", "builtins.list", "builtins.reversed", "builtins.sorted",
     "builtins.iter", "builtins.tuple", "builtins.filter"}
)

# Keys of one record that say which service sent it (the first key read on a record).
RECORD_FIELDS = {
    "body": SQS,
    "messageId": SQS,
    "receiptHandle": SQS,
    "md5OfBody": SQS,
    "messageAttributes": SQS,
    "kinesis": KINESIS,
    "dynamodb": DYNAMODB_STREAMS,
    "s3": S3,
    "Sns": SNS,
}
# The same facts on Powertools data-class records (`record.message_id`).
RECORD_ATTRIBUTES = {
    "body": SQS,
    "json_body": SQS,
    "message_id": SQS,
    "receipt_handle": SQS,
    "md5_of_body": SQS,
    "kinesis": KINESIS,
    "dynamodb": DYNAMODB_STREAMS,
    "s3": S3,
    "sns": SNS,
}
# `record["eventSource"] == "aws:sqs"` names the source outright.
EVENT_SOURCE_IDS = {
    "aws:sqs": SQS,
    "aws:kinesis": KINESIS,
    "aws:dynamodb": DYNAMODB_STREAMS,
    "aws:s3": S3,
    "aws:sns": SNS,
}
# Keys only an HTTP request event has (API Gateway REST/HTTP, ALB, function URLs).
API_REQUEST_KEYS = frozenset(
    {"httpMethod", "pathParameters", "queryStringParameters", "multiValueQueryStringParameters",
     "rawPath", "rawQueryString", "routeKey", "multiValueHeaders", "requestContext"}
)
# A Secrets Manager rotation function: Secrets Manager invokes it once per step,
# with the secret, the version being rotated (`ClientRequestToken`) and the step.
ROTATION_STEP_KEY = "Step"
ROTATION_TOKEN_KEY = "ClientRequestToken"
ROTATION_STEPS = frozenset({"createSecret", "setSecret", "testSecret", "finishSecret"})
# ... and the template kind of the permission that lets Secrets Manager invoke it
# (`lambdalint.catalog.templates.PERMISSION_PRINCIPAL_KINDS`).
ROTATION_TEMPLATE_KINDS = frozenset({"SecretsManager"})
# A CloudFormation custom resource's provider: its event has a `ResponseURL` (or a
# `RequestType` with `ResourceProperties`), or it answers through `cfnresponse` or
# `crhelper` (call prefixes).
CUSTOM_RESOURCE_KEY = "ResponseURL"
CUSTOM_RESOURCE_KEY_PAIR = frozenset({"RequestType", "ResourceProperties"})
CUSTOM_RESOURCE_HELPERS = ("cfnresponse.", "crhelper.")
# A CodePipeline invoke action's event.
CODEPIPELINE_JOB_KEY = "CodePipeline.job"
# Sources that invoke a function a few times per deployment or pipeline run, not per
# request: what is read per invocation there costs nothing worth a cache.
DEPLOYMENT_SOURCES = frozenset({CUSTOM_RESOURCE, CODEPIPELINE_JOB})
# Kinds of `lambdalint.templates.EventSource` whose caller is HTTP and reads the
# proxy response (`statusCode`, a string `body`): API Gateway, an ALB, a function URL.
HTTP_TEMPLATE_KINDS = frozenset({"API", "ALB", "FunctionURL"})
# The key of a proxy-integration response; a handler that returns it answers HTTP.
STATUS_CODE_KEY = "statusCode"
BODY_KEY = "body"

# Powertools event data classes and parser models (also the TypedDicts of
# `aws_lambda_typing`, which use the same class names), by class name.
DATA_CLASS_SOURCES = {
    "SQSEvent": SQS,
    "SQSRecord": SQS,
    "SqsModel": SQS,
    "SqsRecordModel": SQS,
    "KinesisStreamEvent": KINESIS,
    "KinesisStreamRecord": KINESIS,
    "KinesisDataStreamModel": KINESIS,
    "KinesisDataStreamRecord": KINESIS,
    "DynamoDBStreamEvent": DYNAMODB_STREAMS,
    "DynamoDBRecord": DYNAMODB_STREAMS,
    "DynamoDBStreamModel": DYNAMODB_STREAMS,
    "DynamoDBStreamRecordModel": DYNAMODB_STREAMS,
    "S3Event": S3,
    "S3EventRecord": S3,
    "S3Model": S3,
    "S3RecordModel": S3,
    "SNSEvent": SNS,
    "SNSEventRecord": SNS,
    "SnsModel": SNS,
    "SnsRecordModel": SNS,
    "APIGatewayProxyEvent": API,
    "APIGatewayProxyEventV2": API,
    "LambdaFunctionUrlEvent": API,
    "ALBEvent": API,
    "APIGatewayProxyEventModel": API,
    "APIGatewayProxyEventV2Model": API,
    "LambdaFunctionUrlModel": API,
    "AlbModel": API,
    "CloudFormationCustomResourceEvent": CUSTOM_RESOURCE,
    "CodePipelineJobEvent": CODEPIPELINE_JOB,
}
# Packages whose classes of those names are event types.
EVENT_TYPE_PACKAGES = ("aws_lambda_powertools", "aws_lambda_typing")
# Keyword arguments naming a data class or parser model: `@event_source(data_class=...)`,
# `@event_parser(model=...)`, `parse(event, model=...)`.
DATA_CLASS_KEYWORDS = frozenset({"data_class", "model"})

# Powertools batch processing: handlers that use it report partial failures
# through the library.
POWERTOOLS_BATCH_CALLS = frozenset(
    {"process_partial_response", "async_process_partial_response", "batch_processor",
     "async_batch_processor", "sqs_batch_processor"}
)
POWERTOOLS_PROCESSORS = {
    "BatchProcessor": None,  # the event type comes from `event_type=`
    "AsyncBatchProcessor": None,
    "SqsFifoPartialProcessor": SQS,
    "PartialSQSProcessor": SQS,
}
POWERTOOLS_EVENT_TYPES = {
    "SQS": SQS,
    "KinesisDataStreams": KINESIS,
    "DynamoDBStreams": DYNAMODB_STREAMS,
}
# Powertools event-handler resolvers that answer HTTP (`app.resolve(event, context)`).
API_RESOLVERS = frozenset(
    {"APIGatewayRestResolver", "APIGatewayHttpResolver", "ApiGatewayResolver",
     "ALBResolver", "LambdaFunctionUrlResolver", "VPCLatticeResolver", "VPCLatticeV2Resolver"}
)

# -- Partial batch responses (LAM501, LAM604, LAM606) ------------------------------

BATCH_ITEM_FAILURES = "batchItemFailures"
ITEM_IDENTIFIER = "itemIdentifier"
# The record field that identifies a failed record, per source: a path of keys
# on the record, and the Powertools attribute path.
ITEM_IDENTIFIER_FIELDS = {
    SQS: (("messageId",), ("message_id",)),
    KINESIS: (("kinesis", "sequenceNumber"), ("kinesis", "sequence_number")),
    DYNAMODB_STREAMS: (("dynamodb", "SequenceNumber"), ("dynamodb", "sequence_number")),
}
# Record fields people return instead of the identifier: reading one of these as
# the identifier is a mistake whatever the source.
NOT_ITEM_IDENTIFIERS = frozenset(
    {"receiptHandle", "md5OfBody", "body", "eventID", "eventSourceARN", "eventName",
     "partitionKey", "data", "approximateArrivalTimestamp", "Keys", "NewImage", "OldImage",
     "receipt_handle", "md5_of_body", "event_id", "event_source_arn", "partition_key",
     "json_body", "raw_event"}
)

# Broad exception classes (LAM501).
BROAD_EXCEPTIONS = frozenset({"builtins.Exception", "builtins.BaseException"})
# Operations that forward a failed record somewhere (a dead-letter queue or topic
# of the code's own): an `except` that calls one has not swallowed the failure.
FAILURE_FORWARDING_OPERATIONS = frozenset(
    {"send_message", "send_message_batch", "publish", "publish_batch", "put_record",
     "put_records", "put_record_batch", "put_events", "change_message_visibility"}
)

# -- How a function is invoked (LAM501) ---------------------------------------------

# Who invokes a function asynchronously (Lambda queues the event and retries it) or
# through an event source mapping (which retries the batch): for them, a handler that
# returns normally has succeeded. Keys read on the event that only these events have ...
ASYNC_EVENT_KEYS = {
    "detail-type": "EventBridge",
    "invokingEvent": "AWS Config",
    "configRuleName": "AWS Config",
    "awslogs": "CloudWatch Logs",
}
# ... and keys only the events of synchronous callers have: the caller gets the
# answer (or the error) itself, so an `except` that answers it is not swallowing.
SYNC_EVENT_KEYS = {
    **{key: "API Gateway/function URL" for key in API_REQUEST_KEYS},
    "requestContext": "API Gateway/function URL",
    "headers": "API Gateway/function URL",
    "body": "API Gateway/function URL",
    "triggerSource": "Cognito",
    "userPoolId": "Cognito",
    "RequestType": "a CloudFormation custom resource",
    "ResponseURL": "a CloudFormation custom resource",
    "methodArn": "an API Gateway authorizer",
    "authorizationToken": "an API Gateway authorizer",
    "arguments": "AppSync",
    "getObjectContext": "S3 Object Lambda",
    "currentIntent": "Amazon Lex",
    "sessionState": "Amazon Lex",
    "Details": "Amazon Connect",
}
# Powertools event data classes and parser models of asynchronous sources (those
# of SQS, Kinesis, DynamoDB Streams, S3 and SNS are in DATA_CLASS_SOURCES) ...
ASYNC_DATA_CLASSES = {
    "EventBridgeEvent": "EventBridge",
    "EventBridgeModel": "EventBridge",
    "S3EventBridgeNotificationEvent": "EventBridge",
    "CloudWatchLogsEvent": "CloudWatch Logs",
    "CloudWatchLogsModel": "CloudWatch Logs",
    "SESEvent": "SES",
    "SesModel": "SES",
    "KafkaEvent": "Kafka",
    "KafkaMskEventModel": "Kafka",
    "ActiveMQEvent": "Amazon MQ",
    "RabbitMQEvent": "Amazon MQ",
}
# ... and of synchronous callers.
SYNC_DATA_CLASSES = {
    "AppSyncResolverEvent": "AppSync",
    "CloudFormationCustomResourceEvent": "a CloudFormation custom resource",
    "KinesisFirehoseEvent": "Kinesis Data Firehose",
    "ConnectContactFlowEvent": "Amazon Connect",
    "LexEvent": "Amazon Lex",
    "APIGatewayAuthorizerEventV2": "an API Gateway authorizer",
    "APIGatewayAuthorizerRequestEvent": "an API Gateway authorizer",
    "APIGatewayAuthorizerTokenEvent": "an API Gateway authorizer",
    "S3ObjectLambdaEvent": "S3 Object Lambda",
    "BedrockAgentEvent": "a Bedrock agent",
}
SYNC_DATA_CLASS_PREFIXES = ("CognitoUserPool", "PreSignUp", "PostConfirmation", "PreTokenGeneration",
                            "CustomMessage", "DefineAuthChallenge", "CreateAuthChallenge",
                            "VerifyAuthChallenge", "UserMigration", "PreAuthentication",
                            "PostAuthentication")
# The record sources, by how they invoke.
RECORD_SOURCE_INVOCATION = {SQS: "poll", KINESIS: "poll", DYNAMODB_STREAMS: "poll", S3: "async", SNS: "async"}
# Template event kinds (`lambdalint.templates.model`), for messages.
TEMPLATE_KIND_LABELS = {
    "DynamoDB": "DynamoDB Streams", "Schedule": "a schedule", "CloudWatchLogs": "CloudWatch Logs",
    "FunctionURL": "a function URL", "API": "API Gateway", "MQ": "Amazon MQ", "IoT": "AWS IoT",
}

# Exceptions that mean "this failed" whatever the code was doing: the broad ones, the
# SDK's and HTTP libraries' generic errors, and transient errors (throttling,
# timeouts, unavailable services) that a retry would fix. A specific exception
# (`GoneException` of a client that disconnected, `ConditionalCheckFailedException`
# of an idempotent write, a project's own) names an outcome the author expected and
# may well handle by logging it. By qualified name, or by the exception's own name.
FAILURE_EXCEPTIONS = frozenset(
    {"builtins.Exception", "builtins.BaseException", "builtins.RuntimeError", "builtins.OSError",
     "builtins.IOError", "builtins.ConnectionError", "builtins.TimeoutError", "socket.timeout",
     "socket.error", "botocore.exceptions.ClientError", "botocore.exceptions.BotoCoreError",
     "botocore.exceptions.EndpointConnectionError", "botocore.exceptions.ConnectTimeoutError",
     "botocore.exceptions.ReadTimeoutError", "botocore.exceptions.ConnectionError",
     "requests.RequestException", "requests.exceptions.RequestException", "requests.HTTPError",
     "requests.exceptions.HTTPError", "requests.ConnectionError", "requests.exceptions.ConnectionError",
     "requests.Timeout", "requests.exceptions.Timeout", "requests.exceptions.ConnectTimeout",
     "requests.exceptions.ReadTimeout", "urllib3.exceptions.HTTPError", "urllib.error.URLError",
     "urllib.error.HTTPError", "httpx.HTTPError", "httpx.RequestError", "httpx.TimeoutException",
     "pymysql.Error", "pymysql.err.OperationalError", "psycopg2.Error", "psycopg2.OperationalError"}
)
FAILURE_EXCEPTION_NAMES = frozenset({"ClientError", "BotoCoreError", "EndpointConnectionError"})
# Parts of a modeled AWS exception's name that mean a transient failure.
TRANSIENT_EXCEPTION_WORDS = ("Throttl", "Timeout", "ProvisionedThroughputExceeded", "ServiceUnavailable",
                             "InternalServer", "InternalFailure", "TooManyRequests", "RequestLimitExceeded",
                             "SlowDown", "ServiceException")
# Calls an `except` block may make and still only report the failure, not handle it.
LOG_FUNCTIONS = frozenset(
    {"builtins.print", "traceback.print_exc", "traceback.print_exception", "traceback.format_exc",
     "warnings.warn"}
)
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)
# Calls that only clean up: a `try` around them alone is best effort on purpose.
CLEANUP_FUNCTIONS = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})
CLEANUP_METHODS = frozenset({"close", "unlink", "rmdir", "cleanup", "shutdown", "flush", "remove"})

# -- Batch writes and their partial failures (LAM504) -----------------------------


@dataclass(frozen=True)
class BatchOperation:
    services: frozenset[str]
    failure_keys: tuple[str, ...]  # result keys that report (or list) failed entries
    distinctive: bool  # the name alone identifies the AWS operation


BATCH_OPERATIONS = {
    "batch_write_item": BatchOperation(frozenset({"dynamodb"}), ("UnprocessedItems",), True),
    "batch_get_item": BatchOperation(frozenset({"dynamodb"}), ("UnprocessedKeys",), True),
    "put_records": BatchOperation(frozenset({"kinesis"}), ("FailedRecordCount", "Records"), False),
    "put_record_batch": BatchOperation(
        frozenset({"firehose"}), ("FailedPutCount", "RequestResponses"), True),
    "send_message_batch": BatchOperation(frozenset({"sqs"}), ("Failed",), True),
    "delete_message_batch": BatchOperation(frozenset({"sqs"}), ("Failed",), True),
    "put_events": BatchOperation(frozenset({"events"}), ("FailedEntryCount", "Entries"), False),
    "publish_batch": BatchOperation(frozenset({"sns"}), ("Failed",), True),
}

# -- AWS SDK objects ------------------------------------------------------------------

# Calls that build an SDK client/resource whose first argument (or `service_name=`)
# is the service; qualified like LAM101's constructors.
SERVICE_CONSTRUCTORS = frozenset(
    {"boto3.client", "boto3.resource", "boto3.Session().client", "boto3.Session().resource",
     "boto3.session.Session().client", "boto3.session.Session().resource",
     "aioboto3.Session().client", "aioboto3.Session().resource",
     "aioboto3.session.Session().client", "aioboto3.session.Session().resource",
     "botocore.session.get_session().create_client",
     "aiobotocore.session.get_session().create_client"}
)
SERVICE_KEYWORD = "service_name"
# A DynamoDB `Table` from the resource API, qualified (numbers in its items are Decimal).
DYNAMODB_TABLE_SUFFIX = ".Table()"

# -- JSON-unsafe values (LAM505) ---------------------------------------------------------

JSON_SERIALIZERS = frozenset({"json.dumps", "json.dump"})
JSON_ENCODER_KEYWORDS = frozenset({"default", "cls"})
# Calls whose result the standard JSON encoder rejects, and what to call it.
JSON_UNSAFE_CALLS = {
    "builtins.set": "a set",
    "builtins.frozenset": "a frozenset",
    "builtins.bytes": "bytes",
    "builtins.bytearray": "bytes",
    "decimal.Decimal": "a Decimal",
    "datetime.datetime": "a datetime",
    "datetime.datetime.now": "a datetime",
    "datetime.datetime.utcnow": "a datetime",
    "datetime.datetime.today": "a datetime",
    "datetime.datetime.fromtimestamp": "a datetime",
    "datetime.datetime.utcfromtimestamp": "a datetime",
    "datetime.datetime.fromisoformat": "a datetime",
    "datetime.datetime.strptime": "a datetime",
    "datetime.datetime.combine": "a datetime",
    "datetime.date": "a date",
    "datetime.date.today": "a date",
    "datetime.date.fromtimestamp": "a date",
    "datetime.date.fromisoformat": "a date",
    "datetime.time": "a time",
    "datetime.timedelta": "a timedelta",
    "uuid.uuid4": "a UUID",
    "uuid.uuid1": "a UUID",
    "uuid.UUID": "a UUID",
}
# Values the Lambda runtime's own encoder accepts in a handler's result although
# `json.dumps` rejects them: it serialises Decimal as a number and bytes as UTF-8.
RUNTIME_ENCODABLE = frozenset({"a Decimal", "bytes", "a DynamoDB item"})
# DynamoDB resource (`Table`) reads and the result key that holds items.
DYNAMODB_ITEM_READS = {"get_item": "Item", "query": "Items", "scan": "Items"}

# -- S3 events (LAM601, LAM602) ---------------------------------------------------------

S3_BUCKET_PATH = ("s3", "bucket", "name")
S3_KEY_PATH = ("s3", "object", "key")
UNQUOTE_PLUS = "urllib.parse.unquote_plus"
# Decoders that leave `+` in place: keys with spaces stay wrong.
PARTIAL_UNQUOTES = frozenset({"urllib.parse.unquote", "urllib.parse.unquote_to_bytes"})
# Client writes: operation -> (keyword for the bucket, its position when positional).
S3_CLIENT_WRITES = {
    "put_object": ("Bucket", None),
    "copy_object": ("Bucket", None),
    "upload_file": ("Bucket", 1),
    "upload_fileobj": ("Bucket", 1),
    "copy": ("Bucket", 1),
    "create_multipart_upload": ("Bucket", None),
    "restore_object": ("Bucket", None),
}
# Resource API: `s3.Object(bucket, key).put(...)`, `s3.Bucket(bucket).put_object(...)`.
S3_RESOURCE_OWNERS = {"Object": 0, "Bucket": 0, "ObjectSummary": 0, "MultipartUpload": 0}
S3_RESOURCE_WRITES = frozenset(
    {"put", "put_object", "upload_file", "upload_fileobj", "copy", "copy_from"}
)
# Where a write names the object key, to compare it with the trigger's key filter:
# client operation -> (keyword, position when positional) ...
S3_CLIENT_WRITE_KEYS = {
    "put_object": ("Key", None),
    "copy_object": ("Key", None),
    "upload_file": ("Key", 2),
    "upload_fileobj": ("Key", 2),
    "copy": ("Key", 2),
    "create_multipart_upload": ("Key", None),
    "restore_object": ("Key", None),
}
# ... a resource object's own key (`s3.Object(bucket, key)`) ...
S3_RESOURCE_OWNER_KEYS = {"Object": ("key", 1), "ObjectSummary": ("key", 1), "MultipartUpload": ("object_key", 1)}
# ... and the key a `Bucket(...)` write names.
S3_BUCKET_WRITE_KEYS = {"put_object": ("Key", None), "upload_file": ("Key", 1), "upload_fileobj": ("Key", 1),
                        "copy": ("Key", 1)}
# Early exits that count as a recursion guard when they test the object key.
KEY_TEST_METHODS = frozenset({"startswith", "endswith", "match", "search", "fullmatch"})

# -- Self-invocation (LAM607) --------------------------------------------------------------

LAMBDA_INVOKE_OPERATIONS = frozenset({"invoke", "invoke_async", "invoke_with_response_stream"})
FUNCTION_NAME_KEYWORD = "FunctionName"
CONTEXT_SELF_ATTRIBUTES = frozenset({"function_name", "invoked_function_arn"})
FUNCTION_NAME_ENV_VARS = frozenset({"AWS_LAMBDA_FUNCTION_NAME"})
# Fragments of names and keys that carry a recursion depth (`depth`, `hops`,
# `retry_count`); a comparison on one is a depth guard.
DEPTH_GUARD_WORDS = ("depth", "recurs", "hop", "generation", "attempt", "retr", "iteration",
                     "level", "ttl", "invocation")

# -- Pagination (LAM605) ------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    """How one operation pages: the tokens it takes and returns, its page-size keys."""

    input_tokens: frozenset[str]
    output_tokens: frozenset[str]  # including the "more results" flag (IsTruncated)
    limit_keys: frozenset[str]


def _paging(inputs: str, outputs: str, limits: str = "") -> Paging:
    return Paging(frozenset(inputs.split()), frozenset(outputs.split()), frozenset(limits.split()))


_S3_V2 = _paging("ContinuationToken", "NextContinuationToken IsTruncated", "MaxKeys")
_S3_V1 = _paging("Marker", "NextMarker IsTruncated", "MaxKeys")
_DDB = _paging("ExclusiveStartKey", "LastEvaluatedKey", "Limit")
_TOKEN = _paging("NextToken", "NextToken", "MaxResults")
_MARKER = _paging("Marker", "Marker NextMarker IsTruncated", "MaxItems")

# Used when botocore is not importable: the operations people most often call
# without paginating.
FALLBACK_PAGEABLE: Mapping[str, Mapping[str, Paging]] = {
    "s3": {
        "list_objects_v2": _S3_V2,
        "list_objects": _S3_V1,
        "list_object_versions": _paging("KeyMarker VersionIdMarker",
                                        "NextKeyMarker NextVersionIdMarker IsTruncated", "MaxKeys"),
        "list_multipart_uploads": _paging("KeyMarker UploadIdMarker",
                                          "NextKeyMarker NextUploadIdMarker IsTruncated", "MaxUploads"),
        "list_parts": _paging("PartNumberMarker", "NextPartNumberMarker IsTruncated", "MaxParts"),
    },
    "dynamodb": {
        "scan": _DDB,
        "query": _DDB,
        "list_tables": _paging("ExclusiveStartTableName", "LastEvaluatedTableName", "Limit"),
    },
    "lambda": {"list_functions": _MARKER, "list_event_source_mappings": _MARKER},
    "sqs": {"list_queues": _TOKEN},
    "sns": {"list_topics": _paging("NextToken", "NextToken"),
            "list_subscriptions": _paging("NextToken", "NextToken")},
    "logs": {"describe_log_groups": _paging("nextToken", "nextToken", "limit"),
             "describe_log_streams": _paging("nextToken", "nextToken", "limit"),
             "filter_log_events": _paging("nextToken", "nextToken", "limit")},
    "ssm": {"get_parameters_by_path": _TOKEN, "describe_parameters": _TOKEN},
    "secretsmanager": {"list_secrets": _TOKEN},
    "iam": {"list_users": _MARKER, "list_roles": _MARKER, "list_policies": _MARKER},
    "cloudformation": {"list_stacks": _paging("NextToken", "NextToken"),
                       "describe_stacks": _paging("NextToken", "NextToken")},
    "kinesis": {"list_streams": _paging("NextToken", "NextToken HasMoreStreams", "Limit")},
    "stepfunctions": {"list_executions": _paging("nextToken", "nextToken", "maxResults")},
    "ec2": {"describe_instances": _TOKEN},
}
# Operations whose names are unique to one service and pageable there: flagged
# even when the client's service is not visible (`def f(s3): s3.list_objects_v2(...)`).
UNAMBIGUOUS_PAGEABLE = {
    "list_objects_v2": "s3",
    "list_objects": "s3",
    "list_object_versions": "s3",
    "get_parameters_by_path": "ssm",
}
# Operations that return every result unless the caller sets a page size: they
# need pagination only when a limit key is passed.
PAGED_ONLY_WITH_LIMIT = {
    "s3": frozenset({"list_buckets"}),
    "sqs": frozenset({"list_queues"}),
}
# EC2's describe_* operations return everything when MaxResults is not given.
PAGED_ONLY_WITH_LIMIT_PREFIXES = {"ec2": ("describe_",)}
# Keyword suffixes that name specific resources: `describe_stacks(StackName=...)`
# looks up one stack, `describe_db_instances(DBInstanceIdentifier=...)` one instance.
# When the keyword names the operation's own resource, the call is a lookup, not a listing.
RESOURCE_IDENTIFIER_SUFFIXES = ("_name", "_names", "_id", "_ids", "_identifier", "_identifiers",
                                "_arn", "_arns")
# Continuation keys every paging loop uses, whatever the operation.
CONTINUATION_KEYS = frozenset(
    {"IsTruncated", "NextContinuationToken", "ContinuationToken", "LastEvaluatedKey",
     "ExclusiveStartKey", "NextToken", "nextToken", "Marker", "NextMarker", "StartingToken",
     "PaginationToken", "NextPageToken", "nextPageToken", "PageToken", "pageToken"}
)
# A literal page size of 1 is an existence check: the first page is all it wants.
EXISTENCE_CHECK_LIMIT = 1
# Page-size keywords checked for it besides the operation's own limit key.
LIMIT_KEYS = frozenset({"MaxKeys", "Limit", "MaxResults", "MaxItems", "maxResults", "limit", "PageSize"})
# A page that may be empty while later pages are not: a filter applied after the page
# is read (DynamoDB `FilterExpression`), and operations that page through time or
# scanned bytes. Their first page says nothing about the rest, not even whether
# there is anything.
FILTER_AFTER_PAGING_KEYS = frozenset({"FilterExpression", "ScanFilter", "QueryFilter"})
EMPTY_PAGE_OPERATIONS = frozenset(
    {"filter_log_events", "get_log_events", "lookup_events", "get_query_results", "search"}
)
# DynamoDB `Table` (resource API) reads have no paginator: a `LastEvaluatedKey` loop pages them.
TABLE_PAGEABLE = {"scan": _DDB, "query": _DDB}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _names(value: object) -> set[str]:
    """Key names in a botocore paginator field: a name, a list, or a JMESPath expression."""
    values = value if isinstance(value, list) else [value]
    found: set[str] = set()
    for item in values:
        if isinstance(item, str):
            found.update(_IDENTIFIER.findall(item))
    return found


def _botocore_paginators() -> dict[str, dict[str, Paging]] | None:
    """Every pageable operation botocore knows, by service; None without botocore."""
    try:
        from botocore import xform_name
    except ImportError:
        return None
    models = _paginator_models()
    if models is None:
        return None
    found: dict[str, dict[str, Paging]] = {}
    for service, model in models:
        operations: dict[str, Paging] = {}
        for operation, config in (model.get("pagination") or {}).items():
            if not isinstance(config, dict):
                continue
            operations[xform_name(operation)] = Paging(
                frozenset(_names(config.get("input_token"))),
                frozenset(_names(config.get("output_token")) | _names(config.get("more_results"))),
                frozenset(_names(config.get("limit_key"))),
            )
        if operations:
            found[service] = operations
    return found or None


_PAGINATORS = "paginators-1"


def _customer_models() -> str:
    """The folder of customer models botocore's `Loader` reads before its own data."""
    return os.path.join(os.path.expanduser("~"), ".aws", "models")


def _paginator_models() -> list[tuple[str, dict]] | None:
    """Each service's paginator model, as botocore's `Loader` gives it: from the latest
    API version that has one, with its `.sdk-extras` merged in. When botocore's own data
    folder is the only place its loader would look, the files are read directly: the
    loader's import and bookkeeping cost a cold run a quarter of a second."""
    import botocore

    builtin = os.path.join(os.path.dirname(botocore.__file__), "data")
    if os.path.isdir(_customer_models()) or not os.path.isdir(builtin):
        return _paginator_models_by_loader()
    models: list[tuple[str, dict]] = []
    try:
        services = sorted(os.listdir(builtin))
    except OSError:
        return None
    for service in services:
        folder = os.path.join(builtin, service)
        if not os.path.isdir(folder):
            continue
        try:
            versions = [v for v in os.listdir(folder) if _json_file(os.path.join(folder, v, _PAGINATORS))]
        except OSError:
            continue
        if not versions:
            continue
        where = os.path.join(folder, max(versions))
        try:
            model = _load_json(os.path.join(where, _PAGINATORS))
            extras = _load_json(os.path.join(where, _PAGINATORS + ".sdk-extras"))
        except (OSError, ValueError):
            continue  # skip one unreadable service model, as below
        if not isinstance(model, dict):
            continue
        if isinstance(extras, dict) and isinstance(extras.get("merge"), dict):
            _deep_merge(model, extras["merge"])
        models.append((service, model))
    return models


def _paginator_models_by_loader() -> list[tuple[str, dict]] | None:
    try:
        from botocore.loaders import Loader
    except ImportError:
        return None
    loader = Loader()
    try:
        services = loader.list_available_services(_PAGINATORS)
    except Exception:  # noqa: BLE001 - a broken data path means "no botocore data"
        return None
    models = []
    for service in services:
        try:
            models.append((service, loader.load_service_model(service, _PAGINATORS)))
        except Exception:  # noqa: BLE001 - skip one unreadable service model
            continue
    return models


def _json_file(stem: str) -> str | None:
    """The file botocore's loader reads for a data path without extension, if any."""
    for suffix in (".json", ".json.gz"):
        if os.path.isfile(stem + suffix):
            return stem + suffix
    return None


def _load_json(stem: str) -> object:
    path = _json_file(stem)
    if path is None:
        return None
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def _deep_merge(base: dict, extra: dict) -> None:
    """botocore's merge of an `.sdk-extras` file into a model."""
    for key, value in extra.items():
        if isinstance(base.get(key), dict) and isinstance(value, dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value


# -- Pageable operations kept between runs (LAM605) -------------------------------

# Reading botocore's paginator models costs a run 0.1-0.2 s (most of it `xform_name`
# on 3,669 operation names), more than a pre-commit run on one file can spare, and its
# result changes only with botocore. So a run with a cache folder keeps the list
# there as JSON (not pickle: a cache folder is not trusted code) and later runs read
# it back, without importing botocore's loader, listing its data or renaming.


class Store(Protocol):
    """Where a run keeps what it computed between runs (`lambdalint.cache.ResultCache`
    in the run's cache folder): JSON objects by key, written atomically; a missing or
    unreadable entry is None."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...


# Part of the key: raise it when the kept form (`_paging_data`) or what is read from
# the models (`_botocore_paginators`, `_names`) changes; a development install keeps
# its version number, under which the cache folder keeps entries.
PAGING_FORMAT = 1
_BOTOCORE_VERSION = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)

# The store of the `pageable_operations_kept_in` block being run, if any: set only
# inside one, so a store never outlives the run that gave it.
_kept_in: Store | None = None


@contextlib.contextmanager
def pageable_operations_kept_in(store: Store | None) -> Iterator[None]:
    """While inside: when this process has yet to read the pageable operations, they
    are read from ``store``, or computed and kept there (None: computed, as without a
    cache folder). The runner builds its engine (which asks for them, for LAM605's
    words) inside one. Once read, the process keeps them (`pageable_operations`), so a
    later run with another store reads and writes nothing."""
    global _kept_in
    outer, _kept_in = _kept_in, store
    try:
        yield
    finally:
        _kept_in = outer


def _botocore_identity() -> tuple[str, str] | None:
    """botocore's version and data folder, which decide its paginator models; None
    without botocore, or when they cannot be told. Read from its `__init__.py`
    without importing it: the import (and the `logging` it brings) costs a run more
    than reading the kept list back."""
    from importlib.util import find_spec

    try:
        spec = find_spec("botocore")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    try:
        with open(spec.origin, encoding="utf-8") as handle:
            found = _BOTOCORE_VERSION.search(handle.read())
    except (OSError, ValueError):
        return None
    if found is None:
        return None
    return found.group(1), os.path.join(os.path.dirname(spec.origin), "data")


def _paging_key() -> str | None:
    """The kept list's key: botocore's version and data folder and our format. None
    (nothing kept) without botocore, or when customer models exist
    (`~/.aws/models`, which botocore's loader reads too): their files can change
    under the same folder at any time, and they are rare enough to read each run."""
    identity = _botocore_identity()
    if identity is None or os.path.isdir(_customer_models()):
        return None
    payload = json.dumps(["pageable-operations", PAGING_FORMAT, *identity])
    return hashlib.sha256(payload.encode()).hexdigest()


def _paging_data(found: Mapping[str, Mapping[str, Paging]], key: str) -> dict[str, Any]:
    """The kept form: the distinct pagings once (74 for 3,669 operations), each
    operation by its paging's index."""
    pagings: dict[Paging, int] = {}
    services = {service: {operation: pagings.setdefault(paging, len(pagings))
                          for operation, paging in operations.items()}
                for service, operations in found.items()}
    return {"key": key,
            "pagings": [[sorted(p.input_tokens), sorted(p.output_tokens), sorted(p.limit_keys)] for p in pagings],
            "services": services}


def _paging_from_data(entry: dict[str, Any] | None, key: str) -> dict[str, dict[str, Paging]] | None:
    """The kept list back, or None when the entry is missing, damaged or not ours
    (then it is computed and written again)."""
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    pagings = entry.get("pagings")
    services = entry.get("services")
    if not isinstance(pagings, list) or not isinstance(services, dict) or not services:
        return None
    built: list[Paging] = []
    for paging in pagings:
        if not (isinstance(paging, list) and len(paging) == 3
                and all(isinstance(names, list) and all(isinstance(n, str) for n in names) for names in paging)):
            return None
        built.append(Paging(frozenset(paging[0]), frozenset(paging[1]), frozenset(paging[2])))
    found: dict[str, dict[str, Paging]] = {}
    for service, operations in services.items():
        if not isinstance(operations, dict) or not operations:
            return None
        for index in operations.values():
            if type(index) is not int or not 0 <= index < len(built):
                return None
        found[service] = {operation: built[index] for operation, index in operations.items()}
    return found


@functools.cache
def pageable_operations() -> Mapping[str, Mapping[str, Paging]]:
    """Pageable operations by service: botocore's paginator models when botocore is
    importable, else the built-in fallback. Read once per process; inside
    `pageable_operations_kept_in`, through its store."""
    store = _kept_in
    key = _paging_key() if store is not None else None
    if store is not None and key is not None:
        try:
            kept = _paging_from_data(store.get(key), key)
        except RecursionError:  # a foreign file nested deeper than JSON's reader goes
            kept = None
        if kept is not None:
            return kept
    loaded = _botocore_paginators()
    if loaded is None:
        return FALLBACK_PAGEABLE
    if store is not None and key is not None:
        store.put(key, _paging_data(loaded, key))
    return loaded


def paging_for(service: str, operation: str) -> Paging | None:
    return pageable_operations().get(service, {}).get(operation)


@functools.cache
def pageable_operation_names() -> frozenset[str]:
    return frozenset(op for operations in pageable_operations().values() for op in operations)
