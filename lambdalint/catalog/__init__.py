"""What lambdalint knows about AWS, Lambda and common libraries, as data.

This package is the one catalog: this module holds the execution-model and
lifecycle (LAM1xx) facts; each rule family keeps its facts in a submodule
(`lambdalint.catalog.network`, `.secrets`, ...).

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

# Third-party packages the catalog knows by name (its qualified names start with them).
# A folder of the checked tree never stands for one of them in another function's
# import environment (a layer, a local distribution, a suffix match): `boto3` means the
# real boto3 whatever copy lies in the tree, unless a function's own code root holds it
# (the library's own source being checked).
THIRD_PARTY_PACKAGES = frozenset({
    "aioboto3", "aiobotocore", "aiohttp", "anyio", "aws_cdk", "aws_lambda_powertools", "aws_xray_sdk",
    "boto3", "botocore", "cachetools", "cfnresponse", "cloudpickle", "crhelper", "dill", "elasticsearch",
    "gevent", "greengrasssdk", "httpx", "joblib", "jsonpickle", "loguru", "MySQLdb", "mysql", "opensearchpy",
    "oracledb", "orjson", "pandas", "pg8000", "psycopg", "psycopg2", "psycopg_pool", "pymongo", "pymssql",
    "pymysql", "pyodbc", "rapidjson", "redis", "requests", "s3transfer", "simplejson", "sqlalchemy",
    "structlog", "torch", "trio", "ujson", "urllib3", "werkzeug", "xmltodict", "yaml",
})

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
        # Beyond the spec's list: the same kind of object under other names.
        "pymongo.mongo_client.MongoClient",
        "sqlalchemy.engine.create_engine",
        "redis.RedisCluster",
        "redis.cluster.RedisCluster",
        "psycopg2.pool.SimpleConnectionPool",
        "psycopg2.pool.ThreadedConnectionPool",
        "psycopg_pool.ConnectionPool",
        "mysql.connector.pooling.MySQLConnectionPool",
        "pymssql.connect",
        "pyodbc.connect",
        "oracledb.connect",
        "oracledb.create_pool",
        "urllib3.HTTPSConnectionPool",
    }
)
# Async clients tied to the event loop they first run on. A coroutine that the
# handler runs with `asyncio.run(...)` gets a new loop per invocation, so there
# such a client must be built per invocation (LAM102 stays quiet, LAM904 flags
# the module-level one).
LOOP_BOUND_CONNECTION_CONSTRUCTORS = frozenset({"httpx.AsyncClient"})
# Methods that end a connection's or pool's life: a function that calls one on
# the object it built cannot share a module-level one (no hoist fix).
CONNECTION_CLOSE_METHODS = frozenset(
    {"close", "dispose", "disconnect", "quit", "shutdown", "terminate",
     "closeall", "aclose", "__exit__", "__aexit__"}
)
# Module-level names the hoist fix gives connections, by qualified-name prefix
# (first match wins; the fix adds `_2`, `_3` when a name is taken).
CONNECTION_NAME_HINTS = (
    ("requests", "http_session"),
    ("httpx.AsyncClient", "async_http_client"),
    ("httpx", "http_client"),
    ("urllib3", "http_pool"),
    ("redis", "redis_client"),
    ("pymongo", "mongo_client"),
    ("sqlalchemy", "engine"),
    ("elasticsearch", "es_client"),
    ("opensearchpy", "opensearch_client"),
    ("psycopg2.pool", "db_pool"),
    ("psycopg_pool", "db_pool"),
    ("mysql.connector.pooling", "db_pool"),
    ("oracledb.create_pool", "db_pool"),
    ("pymysql", "db_connection"),
    ("MySQLdb", "db_connection"),
    ("mysql", "db_connection"),
    ("psycopg2", "db_connection"),
    ("psycopg", "db_connection"),
    ("pg8000", "db_connection"),
    ("pymssql", "db_connection"),
    ("pyodbc", "db_connection"),
    ("oracledb", "db_connection"),
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
# Keyword arguments of those reads that say which value a request wants; when one of
# them comes from the event, each request reads a value of its own (LAM105).
CONFIG_FETCH_IDENTIFIERS = frozenset({"SecretId", "SecretIdList", "Name", "Names", "Path", "Filters"})
# Writes of a secret: a function that reads a secret and writes it back rotates it, and
# must read it as it is now (LAM105).
SECRET_WRITE_OPERATIONS = frozenset({"put_secret_value", "update_secret", "update_secret_version_stage"})
# Clients whose reads stay on the device: the AWS IoT Greengrass Core SDK serves
# secrets from the core's local store, with no API call, charge or quota.
LOCAL_CONFIG_CLIENT_PREFIXES = ("greengrasssdk.",)
# Time-bounded memoisation, the rotation-friendly way to cache a secret: a fetch
# inside a function with one of these decorators is not per invocation.
# (`functools.cache`/`lru_cache` are CACHE_DECORATORS, known to the model.)
CONFIG_CACHE_DECORATORS = frozenset(
    {"cachetools.cached()", "cachetools.func.ttl_cache", "cachetools.func.ttl_cache()",
     "cachetools.func.lru_cache", "cachetools.func.lru_cache()", "cachetools.func.fifo_cache()",
     "cachetools.func.lfu_cache()", "cachetools.func.rr_cache()", "cachetools.func.mru_cache()"}
)

# -- Process exits (LAM106) ------------------------------------------------------

EXIT_CALLS = frozenset({"sys.exit", "builtins.exit", "builtins.quit", "os._exit", "os.abort"})
# `raise SystemExit(...)` is what `sys.exit` does: the runtime does not catch it either.
EXIT_EXCEPTIONS = frozenset({"builtins.SystemExit"})

# -- Static work that belongs in the init phase (LAM107) ----------------------

FILE_LOADERS = frozenset(
    {"json.load", "yaml.safe_load", "yaml.load", "yaml.full_load", "pickle.load",
     "tomllib.load", "tomli.load"}
)
PATH_LOADERS = frozenset({"joblib.load", "torch.load"})
REGEX_COMPILE = frozenset({"re.compile"})
# Flags a literal pattern may carry and still be compiled once at import.
REGEX_FLAGS = frozenset(
    {"re.A", "re.ASCII", "re.DEBUG", "re.I", "re.IGNORECASE", "re.L", "re.LOCALE",
     "re.M", "re.MULTILINE", "re.NOFLAG", "re.S", "re.DOTALL", "re.U", "re.UNICODE",
     "re.X", "re.VERBOSE"}
)
# Loaders of text already read (`json.loads(Path("c.json").read_text())`).
TEXT_LOADERS = frozenset({"json.loads", "tomllib.loads", "tomli.loads", "pickle.loads"})
# Calls that open a file named by their first argument.
FILE_OPENERS = frozenset(
    {"builtins.open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open"}
)
# Methods of a file object or a path object that return its contents.
FILE_READ_METHODS = frozenset({"read", "read_text", "read_bytes"})
# Calls that build a path from other paths: static when every argument is static.
PATH_BUILDERS = frozenset(
    {"os.path.join", "os.path.dirname", "os.path.abspath", "os.path.realpath",
     "os.path.normpath", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
     "pathlib.PurePosixPath"}
)
# Methods and attributes of a `pathlib.Path` that keep a static path static.
PATH_METHODS = frozenset({"joinpath", "resolve", "absolute", "with_name", "with_suffix"})
PATH_ATTRIBUTES = frozenset({"parent"})
# Files under these are written at run time (often from the event), not bundled.
RUNTIME_WRITABLE_DIRS = ("/tmp",)

# -- Reserved environment variables (LAM108) -----------------------------------

RESERVED_ENV_VARS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY",  # AWS's reserved list has this older alias of AWS_ACCESS_KEY_ID
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
# The process environment as a mapping: str keys, and the bytes view on POSIX.
ENVIRON_MAPPINGS = frozenset({ENVIRON, "os.environb"})
# Reserved variables the runtime sets again before each invocation (the rest stay as written).
PER_INVOCATION_ENV_VARS = frozenset({"_X_AMZN_TRACE_ID"})
ENV_READS = frozenset({"os.environ.get", "os.getenv", "os.environ.__getitem__"})
# Variables the Lambda runtime always sets: a test of one says whether code runs on
# Lambda (`if "AWS_EXECUTION_ENV" not in os.environ:` guards code for a laptop).
LAMBDA_RUNTIME_VARIABLES = frozenset({"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API",
                                      "LAMBDA_TASK_ROOT", "AWS_LAMBDA_FUNCTION_VERSION"})


def is_reserved_env_var(name: str) -> bool:
    return name in RESERVED_ENV_VARS or name.startswith(RESERVED_ENV_PREFIXES)
