"""What lambdalint knows about AWS, Lambda and common libraries, as data.

Every rule and the execution model look names up here instead of keeping
their own literals, so a fact is stated once and users can extend it from
config (`extra-clients`, `extra-connections`). Names are qualified the way
``lambdalint.model.resolve`` spells them: a call result ends in ``()``.
"""

from __future__ import annotations

# -- The Lambda execution model ----------------------------------------------

HANDLER_PARAM_NAMES = (("event", "_event"), ("context", "_context"))
HANDLER_FUNCTION_NAMES = frozenset({"lambda_handler", "handler"})

# Powertools decorators that only make sense on a Lambda handler. The first
# group is distinctive enough to trust on any object (`logger.inject_lambda_context`);
# the second only when it resolves into the Powertools package.
LAMBDA_DECORATORS_ANYWHERE = frozenset(
    {"inject_lambda_context", "capture_lambda_handler", "log_metrics"}
)
LAMBDA_DECORATORS_POWERTOOLS = frozenset(
    {"event_source", "event_parser", "idempotent", "validator", "batch_processor",
     "async_batch_processor", "lambda_handler_decorator"}
)
POWERTOOLS_PACKAGE = "aws_lambda_powertools"

# Powertools event-handler routes: `@app.get("/x")`, `@router.route(...)`.
ROUTE_METHODS = frozenset(
    {"get", "post", "put", "delete", "patch", "head", "options", "route", "resolver"}
)
# A route decorator's object must be a resolver or router; these end its type name.
ROUTER_TYPE_SUFFIXES = ("Resolver", "Router")
RECORD_HANDLER_KEYWORDS = frozenset({"record_handler"})

# Decorators that make a function run once per environment (per distinct args).
CACHE_DECORATORS = frozenset(
    {"functools.cache", "functools.lru_cache", "functools.lru_cache()", "functools.cache()"}
)

# STS operations whose response holds per-call credentials.
STS_CREDENTIAL_OPERATIONS = frozenset(
    {"assume_role", "assume_role_with_web_identity", "assume_role_with_saml",
     "get_session_token", "get_federation_token"}
)

TEST_FILE_PATTERNS = ("test_*.py", "*_test.py", "tests.py", "conftest.py")
TEST_DIRECTORIES = frozenset({"tests", "test", "testing"})

# -- AWS SDK clients and sessions (LAM101) --------------------------------------

AWS_CLIENT_CONSTRUCTORS = frozenset(
    {
        "boto3.client",
        "boto3.resource",
        "boto3.Session",
        "boto3.session.Session",
        "boto3.Session().client",
        "boto3.Session().resource",
        "boto3.session.Session().client",
        "boto3.session.Session().resource",
        "botocore.session.get_session().create_client",
        "botocore.session.Session().create_client",
        "aioboto3.Session",
        "aioboto3.session.Session",
        "aioboto3.Session().client",
        "aioboto3.Session().resource",
        "aioboto3.session.Session().client",
        "aioboto3.session.Session().resource",
        "aiobotocore.session.get_session().create_client",
        "aiobotocore.session.AioSession().create_client",
    }
)

# -- Database, cache and HTTP connection pools (LAM102) ------------------------

CONNECTION_CONSTRUCTORS = frozenset(
    {
        "pymysql.connect",
        "pymysql.connections.Connection",
        "MySQLdb.connect",
        "mysql.connector.connect",
        "psycopg2.connect",
        "psycopg.connect",
        "psycopg.Connection.connect",
        "pg8000.connect",
        "pg8000.native.Connection",
        "redis.Redis",
        "redis.StrictRedis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.StrictRedis.from_url",
        "redis.client.Redis",
        "pymongo.MongoClient",
        "sqlalchemy.create_engine",
        "elasticsearch.Elasticsearch",
        "opensearchpy.OpenSearch",
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "httpx.Client",
        "httpx.AsyncClient",
        "urllib3.PoolManager",
    }
)

# -- Configuration and secret reads (LAM105) -----------------------------------

CONFIG_FETCH_OPERATIONS = {
    "get_secret_value": "Secrets Manager",
    "batch_get_secret_value": "Secrets Manager",
    "get_parameter": "SSM Parameter Store",
    "get_parameters": "SSM Parameter Store",
    "get_parameters_by_path": "SSM Parameter Store",
    "get_configuration": "AppConfig",
    "get_latest_configuration": "AppConfig",
}
# Names specific enough to trust even when the client's origin is not visible.
DISTINCTIVE_CONFIG_FETCH_OPERATIONS = frozenset(
    {"get_secret_value", "batch_get_secret_value", "get_parameters_by_path",
     "get_latest_configuration"}
)

# -- Process exits (LAM106) ------------------------------------------------------

EXIT_CALLS = frozenset({"sys.exit", "builtins.exit", "builtins.quit", "os._exit", "os.abort"})

# -- Static work that belongs in the init phase (LAM107) ----------------------

FILE_LOADERS = frozenset(
    {"json.load", "yaml.safe_load", "yaml.load", "yaml.full_load", "pickle.load",
     "tomllib.load", "tomli.load"}
)
PATH_LOADERS = frozenset({"joblib.load", "torch.load"})
REGEX_COMPILE = frozenset({"re.compile"})

# -- Reserved environment variables (LAM108) -----------------------------------

RESERVED_ENV_VARS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
RESERVED_ENV_PREFIXES = ("AWS_LAMBDA_",)
ENVIRON = "os.environ"
ENV_WRITE_METHODS = frozenset({"update", "setdefault"})
ENV_PUTENV = "os.putenv"
ENV_READS = frozenset({"os.environ.get", "os.getenv", "os.environ.__getitem__"})


def is_reserved_env_var(name: str) -> bool:
    return name in RESERVED_ENV_VARS or name.startswith(RESERVED_ENV_PREFIXES)
