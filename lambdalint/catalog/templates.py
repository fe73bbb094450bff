"""Deployment templates and what the code they deploy must agree with (LAM0xx), as data.

Template facts (resource types, defaults, deprecated runtimes, CDK construct
names) and the code facts the LAM0xx rules compare them with (which calls go
over the network, where a literal timeout is written, how many attempts the
AWS SDK makes). Code names are qualified the way ``lambdalint.model.resolve``
spells them: a call result ends in ``()``.
"""

from __future__ import annotations

from lambdalint.catalog import network

# -- Files ----------------------------------------------------------------------

# SAM/CloudFormation templates and serverless.yml, found next to or above the code.
CLOUDFORMATION_FILE_NAMES = ("template.yaml", "template.yml", "template.json")
SERVERLESS_FILE_NAMES = ("serverless.yml", "serverless.yaml")
TEMPLATE_FILE_NAMES = CLOUDFORMATION_FILE_NAMES + SERVERLESS_FILE_NAMES
# A template found (not named) that does not parse and holds one of these is the source
# of a generator (cookiecutter, Jinja) that renders a template: left alone, not LAM000.
GENERATOR_MARKERS = ("{{", "{%")
# Other YAML/JSON files of the checked tree are templates when their first
# TEMPLATE_SNIFF_BYTES hold a marker, or `Resources` and a function resource type.
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
TEMPLATE_SNIFF_BYTES = 16384
TEMPLATE_MARKERS = ("AWSTemplateFormatVersion", "AWS::Serverless-2016-10-31")
FUNCTION_RESOURCE_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
# A folder holding this file is the root of a CDK app; its Python files that
# mention CDK_IMPORT_WORD are read as the app.
CDK_APP_MARKER = "cdk.json"
CDK_IMPORT_WORD = "aws_cdk"
# Folders whose presence marks the top of a repository: the upward search stops there.
REPOSITORY_MARKERS = (".git", ".hg", ".svn")
# Words one of which a file named like a template must contain to be treated as
# one; a `template.yaml` of some other tool (a Jinja or cookiecutter file) is
# then ignored instead of reported as broken.
TEMPLATE_WORDS = ("AWS::", "AWSTemplateFormatVersion", "Resources", "functions:", '"functions"',
                  "provider:", '"provider"')

# -- SAM and CloudFormation -------------------------------------------------------

SAM_FUNCTION = "AWS::Serverless::Function"
CFN_FUNCTION = "AWS::Lambda::Function"
CFN_EVENT_SOURCE_MAPPING = "AWS::Lambda::EventSourceMapping"
SAM_LAYER = "AWS::Serverless::LayerVersion"
CFN_LAYER = "AWS::Lambda::LayerVersion"

# Lambda's defaults when a template sets nothing (CloudFormation, SAM and CDK alike).
DEFAULT_TIMEOUT = 3  # seconds
DEFAULT_MEMORY = 128  # MB
# The Serverless Framework writes its own defaults into the stack it generates.
SERVERLESS_DEFAULT_TIMEOUT = 6
SERVERLESS_DEFAULT_MEMORY = 1024

# `Metadata: BuildMethod` values whose build step produces the deployed code:
# the handler may not exist in the source folder.
BUILD_METHODS_THAT_GENERATE_CODE = frozenset({"makefile", "esbuild", "rust-cargolambda", "dotnet7"})
# The Lambda Web Adapter: with `AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap` its layer starts
# a web server in place of the runtime, and `Handler` names no Python function
# (`run.sh`, or anything at all). Other wrappers (OpenTelemetry, Datadog) still call it.
EXEC_WRAPPER_VARIABLE = "AWS_LAMBDA_EXEC_WRAPPER"
WEB_ADAPTER_WRAPPER = "/opt/bootstrap"
# Code locations that are not a folder of the project.
REMOTE_CODE_PREFIXES = ("s3://", "http://", "https://")
ARCHIVE_SUFFIXES = (".zip", ".jar", ".tar.gz", ".tgz", ".whl")

# Handlers that name a program, not a Python function: a custom runtime's
# `bootstrap`, and the start-up script the Lambda Web Adapter (or any
# `AWS_LAMBDA_EXEC_WRAPPER`) runs on a Python runtime (`Handler: run.sh`).
CUSTOM_RUNTIME_PREFIX = "provided"
EXECUTABLE_HANDLERS = frozenset({"bootstrap"})
SCRIPT_HANDLER_SUFFIXES = (".sh", ".bash")
# A part of a handler's module path: Lambda imports the module by its file name,
# so `lambda-handler.handler` loads `lambda-handler.py`.
HANDLER_MODULE_PART = r"[\w-]+"

# Event sources by SAM event type (the kinds of `lambdalint.templates.model`) ...
SAM_EVENT_KINDS = {
    "SQS": "SQS", "Kinesis": "Kinesis", "DynamoDB": "DynamoDB", "S3": "S3", "SNS": "SNS",
    "Api": "API", "HttpApi": "API", "Schedule": "Schedule", "ScheduleV2": "Schedule",
    "EventBridgeRule": "EventBridge", "CloudWatchEvent": "EventBridge", "CloudWatchLogs": "CloudWatchLogs",
    "IoTRule": "IoT", "Cognito": "Cognito", "MQ": "MQ", "MSK": "Kafka", "SelfManagedKafka": "Kafka",
}
# ... by the service principal of an `AWS::Lambda::Permission` (who may invoke it) ...
PERMISSION_PRINCIPAL_KINDS = {
    "apigateway.amazonaws.com": "API", "elasticloadbalancing.amazonaws.com": "ALB",
    "sns.amazonaws.com": "SNS", "events.amazonaws.com": "EventBridge",
    "scheduler.amazonaws.com": "Schedule", "logs.amazonaws.com": "CloudWatchLogs",
    "iot.amazonaws.com": "IoT", "cognito-idp.amazonaws.com": "Cognito",
    "secretsmanager.amazonaws.com": "SecretsManager",  # a rotation function
}
# S3 notification key filter rule names (`Filter.S3Key.Rules[].Name`, any case).
S3_FILTER_PREFIX, S3_FILTER_SUFFIX = "prefix", "suffix"
# ... by the type of the resource an event source mapping's `!GetAtt` names ...
RESOURCE_EVENT_KINDS = {
    "AWS::SQS::Queue": "SQS",
    "AWS::Kinesis::Stream": "Kinesis",
    "AWS::DynamoDB::Table": "DynamoDB",
    "AWS::DynamoDB::GlobalTable": "DynamoDB",
    "AWS::Serverless::SimpleTable": "DynamoDB",
}
# ... and by the service in a literal ARN (`arn:aws:sqs:...`).
ARN_EVENT_KINDS = ((":sqs:", "SQS"), (":kinesis:", "Kinesis"), (":dynamodb:", "DynamoDB"))
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

# -- serverless.yml ---------------------------------------------------------------

# `events:` entries that feed batches: `sqs` and `stream` (Kinesis or DynamoDB) ...
SERVERLESS_STREAM_TYPES = {"kinesis": "Kinesis", "dynamodb": "DynamoDB"}
# ... and the others, by their key.
SERVERLESS_EVENT_KINDS = {
    "http": "API", "httpApi": "API", "websocket": "API", "alb": "ALB", "s3": "S3", "sns": "SNS",
    "schedule": "Schedule", "eventBridge": "EventBridge", "cloudwatchEvent": "EventBridge",
    "cloudwatchLog": "CloudWatchLogs", "iot": "IoT", "cognitoUserPool": "Cognito",
    "activemq": "MQ", "rabbitmq": "MQ", "msk": "Kafka", "kafka": "Kafka",
}
SERVERLESS_RESPONSE_TYPE_KEY = "functionResponseType"

# -- CDK (Python) -----------------------------------------------------------------

CDK_FUNCTIONS = frozenset(
    {"aws_cdk.aws_lambda.Function", "aws_cdk.aws_lambda.SingletonFunction"}
)
CDK_PYTHON_FUNCTIONS = frozenset({"aws_cdk.aws_lambda_python_alpha.PythonFunction"})
# PythonFunction's defaults: `index="index.py"`, `handler="handler"`.
CDK_PYTHON_DEFAULT_INDEX = "index.py"
CDK_PYTHON_DEFAULT_HANDLER = "handler"
CDK_CODE_FROM_ASSET = frozenset({"aws_cdk.aws_lambda.Code.from_asset", "aws_cdk.aws_lambda.Code.asset",
                                 "aws_cdk.aws_lambda.AssetCode"})
CDK_RUNTIME_PREFIX = "aws_cdk.aws_lambda.Runtime."
CDK_DURATION_UNITS = {"aws_cdk.Duration.seconds": 1, "aws_cdk.Duration.minutes": 60,
                      "aws_cdk.Duration.millis": 0.001, "aws_cdk.Duration.hours": 3600}
CDK_EVENT_SOURCES = {
    "aws_cdk.aws_lambda_event_sources.SqsEventSource": "SQS",
    "aws_cdk.aws_lambda_event_sources.KinesisEventSource": "Kinesis",
    "aws_cdk.aws_lambda_event_sources.DynamoEventSource": "DynamoDB",
    "aws_cdk.aws_lambda_event_sources.S3EventSource": "S3",
    "aws_cdk.aws_lambda_event_sources.S3EventSourceV2": "S3",
    "aws_cdk.aws_lambda_event_sources.SnsEventSource": "SNS",
    "aws_cdk.aws_lambda_event_sources.ApiEventSource": "API",
    "aws_cdk.aws_lambda_event_sources.ManagedKafkaEventSource": "Kafka",
    "aws_cdk.aws_lambda_event_sources.SelfManagedKafkaEventSource": "Kafka",
}
# Constructs that take the function as an argument and invoke it: `LambdaRestApi(handler=fn)`,
# `LambdaIntegration(fn)`, `targets.LambdaFunction(fn)` (a rule or schedule), ...
CDK_INVOKERS = {
    "aws_cdk.aws_apigateway.LambdaRestApi": "API",
    "aws_cdk.aws_apigateway.LambdaIntegration": "API",
    "aws_cdk.aws_apigatewayv2_integrations.HttpLambdaIntegration": "API",
    "aws_cdk.aws_apigatewayv2_integrations.WebSocketLambdaIntegration": "API",
    "aws_cdk.aws_elasticloadbalancingv2_targets.LambdaTarget": "ALB",
    "aws_cdk.aws_events_targets.LambdaFunction": "EventBridge",
    "aws_cdk.aws_s3_notifications.LambdaDestination": "S3",
    "aws_cdk.aws_sns_subscriptions.LambdaSubscription": "SNS",
    "aws_cdk.aws_logs_destinations.LambdaDestination": "CloudWatchLogs",
}
CDK_ADD_FUNCTION_URL = "add_function_url"
# `bucket.add_event_notification(event, dest, *filters)` and its shorthands.
CDK_S3_NOTIFICATIONS = frozenset({"add_event_notification", "add_object_created_notification",
                                  "add_object_removed_notification"})
CDK_S3_KEY_FILTER = "aws_cdk.aws_s3.NotificationKeyFilter"
# Layers: a construct with its code folder (`code=Code.from_asset(...)`, `entry=`), or one by ARN.
CDK_LAYERS = frozenset({"aws_cdk.aws_lambda.LayerVersion", "aws_cdk.aws_lambda_python_alpha.PythonLayerVersion"})
CDK_LAYER_FROM_ARN = frozenset({"aws_cdk.aws_lambda.LayerVersion.from_layer_version_arn",
                                "aws_cdk.aws_lambda.LayerVersion.from_layer_version_attributes"})
CDK_EVENT_SOURCE_MAPPING = "aws_cdk.aws_lambda.EventSourceMapping"
CDK_ADD_EVENT_SOURCE = "add_event_source"
CDK_ADD_EVENT_SOURCE_MAPPING = "add_event_source_mapping"
CDK_REPORT_FAILURES_KEYWORD = "report_batch_item_failures"
# The ARN attribute an event source mapping reads tells what it maps.
CDK_ARN_ATTRIBUTES = {"queue_arn": "SQS", "stream_arn": "Kinesis", "table_stream_arn": "DynamoDB"}
# Code written in the app itself: Lambda stores it as `index.py` (see INLINE_MODULE).
CDK_CODE_FROM_INLINE = frozenset({"aws_cdk.aws_lambda.Code.from_inline", "aws_cdk.aws_lambda.Code.inline",
                                  "aws_cdk.aws_lambda.InlineCode"})

# -- CDK (TypeScript) ---------------------------------------------------------------
#
# jsii generates the Python CDK from the TypeScript one, so a TypeScript name maps
# onto the Python names above: the module `aws-cdk-lib/aws-lambda` is
# `aws_cdk.aws_lambda`, and a member that starts in lower case goes from camelCase
# to snake_case (`Code.fromAsset` is `Code.from_asset`, `memorySize` is
# `memory_size`); classes and enum members keep their names. The TypeScript reader
# qualifies names that way and looks them up in the tables above.

CDK_TS_SUFFIX = ".ts"
CDK_TS_DECLARATION_SUFFIX = ".d.ts"  # type declarations: no constructs
# A TypeScript file of the app is read only when it mentions this (it is in every
# `aws-cdk-lib` and `@aws-cdk/...` import).
CDK_TS_IMPORT_WORD = "aws-cdk"
CDK_TS_TEST_FILE_PATTERNS = ("*.test.ts", "*.spec.ts")
CDK_TS_TEST_DIRECTORIES = frozenset({"__tests__"})
# Package names as the Python CDK spells them: whole names, then prefixes whose
# rest becomes a submodule (`aws-lambda-event-sources` -> `aws_lambda_event_sources`;
# an `-alpha` suffix is dropped, except for the Python alpha module below).
CDK_TS_MODULES = {
    "aws-cdk-lib": "aws_cdk",
    "@aws-cdk/core": "aws_cdk",  # CDK v1: Duration, Stack
    "@aws-cdk/aws-lambda-python": "aws_cdk.aws_lambda_python_alpha",  # CDK v1
    "@aws-cdk/aws-lambda-python-alpha": "aws_cdk.aws_lambda_python_alpha",
}
CDK_TS_MODULE_PREFIXES = ("aws-cdk-lib/", "@aws-cdk/")
CDK_TS_ALPHA_SUFFIX = "-alpha"
# Node's path module (`import * as path from "path"`, or `node:path`) and the calls
# that build an asset path; `__dirname` is the folder of the TypeScript file (the app
# runs through ts-node, as `cdk init` sets it up).
CDK_TS_PATH_MODULES = frozenset({"path", "node:path"})
CDK_TS_PATH_JOIN = frozenset({"path.join", "path.resolve", "path.posix.join", "path.posix.resolve",
                              "path.normalize", "path.posix.normalize"})
CDK_TS_PATH_DIRNAME = frozenset({"path.dirname", "path.posix.dirname"})
CDK_TS_DIRNAME = "__dirname"
CDK_TS_CWD = "process.cwd"
# The `app` command in cdk.json says the app's language; a command that names
# neither (or no cdk.json `app`) gets both readers.
CDK_APP_PYTHON_WORDS = ("python", ".py")
CDK_APP_TYPESCRIPT_WORDS = ("ts-node", "tsx", ".ts", "node ", ".js", "npx ", "npm ", "yarn ", "pnpm ", "bun ")

# -- Inline code --------------------------------------------------------------------

# CloudFormation writes `ZipFile` code (SAM `InlineCode`, CDK `Code.fromInline`) to a
# file named `index`, so the handler must be `index.<function>`.
INLINE_MODULE = "index"

# -- Terraform -------------------------------------------------------------------

# Files of a Terraform module (the `.tf` files of one folder are one module), and
# the variable files Terraform loads by itself in the root module's folder
# (`terraform.tfvars`, `*.auto.tfvars`, and their `.json` forms); other `*.tfvars`
# files are passed with `-var-file`, so a variable they set is unknown.
TERRAFORM_SUFFIX = ".tf"
TERRAFORM_VARS_SUFFIXES = (".tfvars", ".tfvars.json")
TERRAFORM_AUTO_VARS = ("terraform.tfvars", "terraform.tfvars.json")
TERRAFORM_AUTO_VARS_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")
TF_FUNCTION = "aws_lambda_function"
TF_LAYER = "aws_lambda_layer_version"
TF_ALIAS = "aws_lambda_alias"
TF_ARCHIVE = "archive_file"  # `data "archive_file"` (and the older `resource "archive_file"`)
# The Lambda provider's defaults (the same as Lambda's).
TF_DEFAULT_TIMEOUT = 3
TF_DEFAULT_MEMORY = 128
# Attributes whose value is the hash of the code: they may name the archive the code is in.
TF_CODE_ATTRIBUTES = ("filename", "source_code_hash")
# Attributes of an `archive_file` that give its zip's content from outside the tree.
TF_ARCHIVE_INLINE = ("source_content", "source_content_filename")
# Module arguments that are Terraform's own, not the module's variables.
TF_MODULE_META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
# The community module terraform-aws-modules/lambda/aws, by its source address ...
TF_LAMBDA_MODULE_SOURCES = ("terraform-aws-modules/lambda/aws", "terraform-aws-modules/terraform-aws-lambda")
# ... or, for a module called from a local path (its own examples call `../../`),
# by these variables among those it declares.
TF_LAMBDA_MODULE_INTERFACE = frozenset({"source_path", "handler", "runtime", "create_package",
                                        "local_existing_package", "event_source_mapping", "allowed_triggers"})
# Its outputs that stand for the function and for the layer.
TF_LAMBDA_MODULE_FUNCTION_OUTPUTS = ("lambda_function_",)
TF_LAMBDA_MODULE_LAYER_OUTPUTS = ("lambda_layer_",)
# Event sources by the resource type an `event_source_arn` refers to (`aws_sqs_queue.q.arn`,
# `data.aws_sqs_queue.q.arn`) ...
TF_EVENT_SOURCE_TYPES = {
    "aws_sqs_queue": "SQS", "aws_kinesis_stream": "Kinesis", "aws_dynamodb_table": "DynamoDB",
    "aws_mq_broker": "MQ", "aws_msk_cluster": "Kafka", "aws_msk_serverless_cluster": "Kafka",
}
# ... and by the output of another module it refers to (`module.queue.queue_arn`, the
# community SQS, DynamoDB and Kinesis modules' outputs).
TF_EVENT_SOURCE_OUTPUTS = {"queue_arn": "SQS", "dynamodb_table_stream_arn": "DynamoDB",
                           "kinesis_stream_arn": "Kinesis", "stream_arn": "Kinesis"}
# API Gateway integrations whose URI is a function's `invoke_arn`.
TF_API_INTEGRATIONS = {"aws_api_gateway_integration": "uri", "aws_apigatewayv2_integration": "integration_uri"}

# -- Runtimes (LAM002) ----------------------------------------------------------------

# Python runtimes past their AWS Lambda deprecation date (as of 2026), with that date.
DEPRECATED_RUNTIMES = {
    "python2.7": "2021-07-15",
    "python3.6": "2022-07-18",
    "python3.7": "2023-12-04",
    "python3.8": "2024-10-14",
    "python3.9": "2025-12-15",
}
RECOMMENDED_RUNTIME = "python3.13"

# -- Network calls and their literal timeouts (LAM003, LAM004) ---------------------

# Calls that wait on the network, whose timeout is the keyword `timeout` (and,
# for some, a positional argument at the index given): the LAM2xx network
# catalog's tables, so both families agree on where a timeout goes.
TIMEOUT_CALLS: dict[str, int | None] = {
    **{name: parameter.position for name, parameter in network.REQUESTS_TIMEOUT_CALLS.items()},
    **{name: parameter.position for name, parameter in network.STDLIB_TIMEOUT_CALLS.items()},
    **{name: None for name in network.HTTPX_FUNCTIONS | network.HTTPX_CLIENT_METHODS},
    **{name: None for name in network.URLLIB3_CALLS if "()." in name or name == "urllib3.request"},
}
# Timeout objects whose total is their first argument or `total=`/`timeout=`.
TIMEOUT_OBJECTS = frozenset({"httpx.Timeout", "aiohttp.ClientTimeout", "urllib3.Timeout",
                             "urllib3.util.Timeout", "urllib3.util.timeout.Timeout"})
TIMEOUT_OBJECT_TOTAL_KEYWORDS = ("total", "timeout")
# Run their argument coroutines at the same time: the slowest one counts, not the sum.
CONCURRENT_CALLS = frozenset({"asyncio.gather", "asyncio.wait"})

# Other calls that go over the network (without a literal timeout lambdalint can add up).
NETWORK_CALL_PREFIXES = ("requests.", "httpx.", "urllib.request.urlopen", "urllib3.", "aiohttp.",
                         "http.client.", "socket.create_connection", "smtplib.", "ftplib.")
# Methods on such objects that stay in the process.
LOCAL_METHODS = frozenset({
    "close", "mount", "headers", "cookies", "build_request", "prepare_request", "raise_for_status",
    "json", "text", "content", "merge_environment_settings", "get_adapter", "__enter__", "__exit__",
})

# AWS SDK: what builds a client or resource (their methods are API calls) ...
SDK_CLIENT_CONSTRUCTORS = frozenset({
    "boto3.client", "boto3.resource", "boto3.Session().client", "boto3.Session().resource",
    "boto3.session.Session().client", "boto3.session.Session().resource",
    "botocore.session.get_session().create_client", "botocore.session.Session().create_client",
})
SDK_PREFIXES = ("boto3.", "botocore.session.", "aioboto3.", "aiobotocore.")
# ... client and resource methods that make no request ...
SDK_LOCAL_METHODS = frozenset({
    "get_paginator", "get_waiter", "can_paginate", "generate_presigned_url", "generate_presigned_post",
    "close", "meta", "exceptions", "batch_writer", "register", "get_available_subresources",
})
# ... the methods besides a resource's sub-resources (`Table(...)`, `Bucket(...)`) whose
# result makes requests of its own ...
SDK_FACTORY_METHODS = frozenset({"get_paginator", "get_waiter"})
# ... the botocore Config that carries timeouts and retries ...
SDK_CONFIG_CLASSES = frozenset({"botocore.config.Config", "botocore.client.Config", "boto3.session.Config"})
SDK_CONNECT_TIMEOUT = "connect_timeout"
SDK_READ_TIMEOUT = "read_timeout"
# ... and how many attempts a call makes: botocore's "standard" retry mode (its
# default) makes 3 (4 for DynamoDB), "legacy" mode 5 (11 for DynamoDB).
# `retries={"total_max_attempts": n}` is n attempts, `{"max_attempts": n}` n + 1.
SDK_DEFAULT_ATTEMPTS = {"standard": 3, "adaptive": 3, "legacy": 5}
SDK_SERVICE_ATTEMPTS = {("standard", "dynamodb"): 4, ("adaptive", "dynamodb"): 4,
                        ("standard", "dynamodbstreams"): 4, ("adaptive", "dynamodbstreams"): 4,
                        ("legacy", "dynamodb"): 11}
SDK_DEFAULT_RETRY_MODE = "standard"

# -- Partial batch responses (LAM005) -------------------------------------------------

BATCH_ITEM_FAILURES_KEY = "batchItemFailures"
# Powertools builds the `batchItemFailures` response for you.
PARTIAL_RESPONSE_FUNCTIONS = frozenset({"process_partial_response", "async_process_partial_response"})
PARTIAL_RESPONSE_METHOD = "response"
PARTIAL_RESPONSE_PROCESSOR_SUFFIX = "Processor()"
POWERTOOLS_PACKAGE = "aws_lambda_powertools"
