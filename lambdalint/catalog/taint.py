"""Untrusted event data (LAM7xx): where it comes from, what makes it safe, where it hurts.

The taint engine (``lambdalint.model.taint``) reads these tables; the rules
LAM701-LAM706 only word their messages. Names are qualified the way
``lambdalint.model.resolve`` spells them: a call result ends in ``()``,
builtins live under ``builtins.``. Method names (no dots) match on any
receiver: they are distinctive enough, and a taint finding needs event data to
reach them too; `execute` is the exception (a project's command classes have
one), so its receiver must be a database object (see ``SQL_PACKAGES``).
"""

from __future__ import annotations

import re
from typing import NamedTuple


class ArgSpec(NamedTuple):
    """Which arguments of a call are the sensitive ones: positional indexes and keywords."""

    positions: tuple[int, ...] = (0,)
    keywords: tuple[str, ...] = ()


# -- Sink kinds, one per rule --------------------------------------------------------

SQL = "sql"  # LAM701
SHELL = "shell"  # LAM702
CODE = "code"  # LAM703
PATH = "path"  # LAM704
URL = "url"  # LAM705
DYNAMODB = "dynamodb"  # LAM706
SINK_KINDS = (SQL, SHELL, CODE, PATH, URL, DYNAMODB)
# Not a sink: a mark on values that went through path normalisation, which makes a
# later prefix check (`path.startswith(BASE)`) a real containment check.
NORMALISED = "normalised-path"

# -- Sources ---------------------------------------------------------------------------

# `app.current_event` of a Powertools resolver or router: the whole event.
CURRENT_EVENT_ATTRIBUTES = frozenset({"current_event"})
# Calls whose result is the event data they are given, re-shaped (Powertools event
# data classes and parser, pydantic-style models): prefixes of qualified names.
EVENT_WRAPPER_PREFIXES = (
    "aws_lambda_powertools.utilities.data_classes.",
    "aws_lambda_powertools.utilities.parser.parse",
    "aws_lambda_powertools.utilities.parser.event_parser",
)

# Fields AWS fills in, per event source: the caller cannot choose them, so they are
# not event data (`requests.put(event["ResponseURL"], ...)` answers CloudFormation,
# `urlopen(event["getObjectContext"]["inputS3Url"])` reads the object S3 presigned).
# Paths are written as they are read from the handler's event: `["key"]` for a
# key, `[*]` for any element of a list (a loop over it, `[0]`), `.attr` for an
# attribute of a Powertools event data class. A value read at a trusted path is
# clean, and so is everything computed from it (`event["methodArn"].split(":")[3]`);
# the path must be read from the event as delivered: after a decode
# (`json.loads(record["body"])["Records"]`) nothing is trusted.


class TrustedFields(NamedTuple):
    """The fields of one event source that AWS supplies."""

    source: str  # for docs and tests
    paths: tuple[str, ...]


TRUSTED_EVENT_FIELDS = (
    TrustedFields("CloudFormation custom resource", (
        '["ResponseURL"]', '["StackId"]', '["RequestId"]', '["LogicalResourceId"]',
        '["ResourceType"]', '["ServiceToken"]',
        ".response_url", ".stack_id", ".request_id", ".logical_resource_id", ".resource_type",
        ".service_token",
    )),
    TrustedFields("S3 Object Lambda", (
        '["getObjectContext"]["inputS3Url"]', '["getObjectContext"]["outputRoute"]',
        '["getObjectContext"]["outputToken"]', '["headObjectContext"]["inputS3Url"]',
        '["listObjectsContext"]["inputS3Url"]', '["listObjectsV2Context"]["inputS3Url"]',
        ".object_context.input_s3_url", ".object_context.output_route",
        ".object_context.output_token", ".input_s3_url", ".request_route", ".request_token",
    )),
    TrustedFields("API Gateway Lambda authorizer", (
        '["methodArn"]', '["routeArn"]', ".method_arn", ".route_arn", ".parsed_arn",
    )),
    TrustedFields("S3, SQS, SNS, Kinesis and DynamoDB Streams records", (
        '["Records"][*]["s3"]["bucket"]["name"]', '["Records"][*]["s3"]["bucket"]["arn"]',
        '["Records"][*]["awsRegion"]', '["Records"][*]["eventSource"]',
        '["Records"][*]["eventSourceARN"]', '["Records"][*]["EventSource"]',
        '["Records"][*]["EventSubscriptionArn"]', '["Records"][*]["Sns"]["TopicArn"]',
        ".records[*].s3.bucket.name", ".record.s3.bucket.name", ".bucket_name",
        ".records[*].aws_region", ".records[*].event_source", ".records[*].event_source_arn",
        ".records[*].sns.topic_arn",
    )),
)

# -- Propagation ---------------------------------------------------------------------

# Functions whose result carries the taint of their arguments: conversions,
# containers, decoders (`json.loads(event["body"])`, base64), path and URL builders.
PROPAGATING_CALLS = frozenset(
    {
        "builtins.str", "builtins.repr", "builtins.ascii", "builtins.format", "builtins.bytes",
        "builtins.bytearray", "builtins.list", "builtins.tuple", "builtins.set",
        "builtins.frozenset", "builtins.dict", "builtins.sorted", "builtins.reversed",
        "builtins.enumerate", "builtins.zip", "builtins.iter", "builtins.next", "builtins.min",
        "builtins.max", "builtins.filter", "builtins.memoryview",
        "json.loads", "json.dumps", "json.load", "orjson.loads", "orjson.dumps", "ujson.loads",
        "ujson.dumps", "simplejson.loads", "simplejson.dumps",
        "base64.b64decode", "base64.b64encode", "base64.urlsafe_b64decode",
        "base64.urlsafe_b64encode", "base64.standard_b64decode", "base64.decodebytes",
        "base64.b32decode", "base64.b16decode", "base64.b85decode", "base64.a85decode",
        "binascii.a2b_base64", "binascii.unhexlify", "builtins.bytes.fromhex", "codecs.decode",
        "codecs.encode", "gzip.decompress", "zlib.decompress", "bz2.decompress",
        "lzma.decompress",
        "urllib.parse.unquote", "urllib.parse.unquote_plus", "urllib.parse.unquote_to_bytes",
        "urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.urlencode",
        "urllib.parse.urljoin", "urllib.parse.urlunparse", "urllib.parse.urlunsplit",
        "urllib.parse.parse_qs", "urllib.parse.parse_qsl",
        "os.path.join", "os.path.expanduser", "os.path.expandvars", "os.path.dirname",
        "os.path.splitext", "os.path.split", "posixpath.join", "os.fspath", "os.fsencode",
        "os.fsdecode",
        "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath",
        "io.BytesIO", "io.StringIO", "copy.copy", "copy.deepcopy", "textwrap.dedent",
        "textwrap.indent", "html.unescape", "shlex.split", "string.Template",
        "re.sub", "re.subn", "re.split", "re.findall",
        "yaml.safe_load", "yaml.safe_load_all", "ast.literal_eval", "xmltodict.parse",
        "itertools.chain", "itertools.islice", "collections.OrderedDict",
        "collections.defaultdict", "collections.ChainMap", "operator.itemgetter()",
        "typing.cast",
    }
)
# ... of which these hand back the very value they are given (a field AWS supplies
# stays trusted through them).
SAME_DATA_CALLS = frozenset({"typing.cast", "copy.copy", "copy.deepcopy"})
# Methods that return their receiver's data, re-shaped, are the default on a tainted
# receiver; these return something else (a count, a position, a truth value).
NON_PROPAGATING_METHODS = frozenset(
    {
        "count", "find", "rfind", "index", "rindex", "startswith", "endswith", "isdigit",
        "isdecimal", "isnumeric", "isalnum", "isalpha", "isascii", "isidentifier", "islower",
        "isupper", "isspace", "istitle", "isprintable", "is_absolute", "is_relative_to",
        "exists", "is_file", "is_dir", "__len__", "__contains__", "bit_length",
    }
)
# Methods that fold their arguments into the result even on a clean receiver:
# `" AND ".join(parts)`, `"... {}".format(x)`, `TEMPLATE.replace("{id}", x)`,
# `Model.model_validate(body)`.
ARG_PROPAGATING_METHODS = frozenset(
    {
        "join", "format", "format_map", "replace", "substitute", "safe_substitute",
        "joinpath", "with_name", "with_suffix", "sub", "subn", "loads", "model_validate",
        "model_validate_json", "parse_obj", "parse_raw", "validate_python",
        "validate_json", "from_dict", "from_json", "construct", "model_construct", "fromkeys",
        "urljoin", "union",
    }
)
# Methods that put their arguments into the receiver (`parts.append(...)`).
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "add", "update", "setdefault", "appendleft",
        "extendleft", "write", "writelines", "__setitem__",
    }
)
# Binary operators whose result is a number whatever the operands (`x - 1`).
NUMERIC_OPERATORS = frozenset(
    {"Subtract", "FloorDivide", "Power", "LeftShift", "RightShift", "BitAnd", "BitXor",
     "MatrixMultiply"}
)

# -- Sanitisers ------------------------------------------------------------------------

# Calls that end taint for every sink: the result is a number, a UUID, a truth value.
# (A call the engine does not know returns clean data anyway; these are listed so the
# docs can say so, and so a propagating wrapper around them stays clean.)
CLEANING_CALLS = frozenset(
    {
        "builtins.int", "builtins.float", "builtins.bool", "builtins.len", "builtins.abs",
        "builtins.round", "builtins.hash", "builtins.isinstance", "builtins.complex",
        "uuid.UUID", "decimal.Decimal", "datetime.datetime.fromisoformat",
        "datetime.date.fromisoformat", "datetime.datetime.strptime", "ipaddress.ip_address",
        "math.floor", "math.ceil",
    }
)
# Calls that make a value safe for some sinks only.
PARTIAL_SANITISERS = {
    "shlex.quote": frozenset({SHELL}),
    "pipes.quote": frozenset({SHELL}),
    "shlex.join": frozenset({SHELL}),
    "os.path.basename": frozenset({PATH}),
    "posixpath.basename": frozenset({PATH}),
    "ntpath.basename": frozenset({PATH}),
    "werkzeug.utils.secure_filename": frozenset({PATH}),
    "pathvalidate.sanitize_filename": frozenset({PATH}),
}
# Path normalisation: safe only together with a prefix check on the result.
PATH_NORMALISERS = frozenset(
    {"os.path.realpath", "os.path.abspath", "os.path.normpath", "posixpath.normpath",
     "posixpath.realpath", "posixpath.abspath"}
)
PATH_NORMALISING_METHODS = frozenset({"resolve", "absolute"})
# `os.path.split(p)[1]` keeps only the last component, like `basename`.
PATH_SPLITTERS = frozenset({"os.path.split", "posixpath.split"})
# Attributes of a path object that keep only the last component (`Path(x).name`).
PATH_NAME_ATTRIBUTES = frozenset({"name", "stem"})
# Guards on a normalised path that keep it under a base directory.
PATH_PREFIX_CHECKS = frozenset({"startswith", "is_relative_to"})
PATH_COMMON_PREFIX = frozenset({"os.path.commonpath", "posixpath.commonpath"})
# String tests that admit only characters no sink treats specially.
VALIDATING_METHODS = frozenset(
    {"isdigit", "isdecimal", "isnumeric", "isalnum", "isalpha", "isidentifier"}
)
# Full-string regular-expression checks (`re.fullmatch(r"[0-9a-f-]{36}", x)`):
# `re.match`/`re.search` count only with a pattern anchored at both ends.
REGEX_FULL_MATCH = frozenset({"re.fullmatch"})
REGEX_MATCH = frozenset({"re.match", "re.search"})
REGEX_FULL_MATCH_METHODS = frozenset({"fullmatch"})
# Methods that normalise case or whitespace: a membership check on `x.lower()` vouches for `x`.
CASE_METHODS = frozenset({"lower", "upper", "casefold", "strip", "lstrip", "rstrip", "title"})
# `urlparse(url).hostname in ALLOWED_HOSTS` vouches for the URL's host (LAM705 only).
URL_PARSERS = frozenset({"urllib.parse.urlparse", "urllib.parse.urlsplit"})
URL_HOST_ATTRIBUTES = frozenset({"hostname", "netloc", "host"})
# Types an `isinstance` check can admit safely.
SAFE_TYPES = frozenset(
    {"builtins.int", "builtins.float", "builtins.bool", "uuid.UUID", "decimal.Decimal"}
)
# Collection constructors an allow-list may be written with (`frozenset({...})`).
LITERAL_COLLECTION_CALLS = frozenset(
    {"builtins.frozenset", "builtins.set", "builtins.tuple", "builtins.list", "builtins.dict"}
)

# -- LAM701: SQL text ---------------------------------------------------------------------

# Methods of DB-API cursors and connections, SQLAlchemy connections and sessions.
SQL_TEXT_METHODS = {
    "execute": ArgSpec((0,), ("sql", "query", "operation", "statement")),
    "executemany": ArgSpec((0,), ("sql", "query", "operation", "statement")),
    "executescript": ArgSpec((0,), ("sql_script",)),
    "exec_driver_sql": ArgSpec((0,), ("statement",)),
    "mogrify": ArgSpec((0,), ("query", "operation")),
}
# Whose `execute` runs SQL: the packages of DB-API drivers, SQLAlchemy and the
# other SQL clients (by the first component of the qualified name).
SQL_PACKAGES = frozenset(
    {"sqlite3", "pymysql", "MySQLdb", "mysql", "psycopg2", "psycopg", "pg8000", "sqlalchemy",
     "pyodbc", "cx_Oracle", "oracledb", "pymssql", "snowflake", "redshift_connector", "aiomysql",
     "aiopg", "asyncpg", "aiosqlite", "databricks", "duckdb", "trino", "pyhive", "pyathena",
     "clickhouse_driver", "ibm_db", "ibm_db_dbi", "teradatasql", "vertica_python", "peewee",
     "django", "records", "dataset", "sqlmodel", "pandas"}
)
# Libraries whose `execute` takes something other than SQL text (GraphQL documents,
# Google API requests): never an SQL sink.
NON_SQL_EXECUTE_PACKAGES = frozenset({"gql", "graphql", "googleapiclient", "celery"})
# Receivers named like a database object (`cursor`, `self.conn`, `db_session`): when
# the project has classes of its own with an `execute` method, an object whose type
# the model cannot see is taken for a database only under such a name.
SQL_RECEIVER_NAME = re.compile(
    r"(^|_)(cur|cursor|conn|connection|con|db|database|session|engine|sql|tx|transaction|rds|mysql|"
    r"postgres|pg|redshift|snowflake)(_|$)", re.IGNORECASE
)
SQL_TEXT_FUNCTIONS = {
    "sqlalchemy.text": ArgSpec((0,), ("text",)),
    "sqlalchemy.sql.text": ArgSpec((0,), ("text",)),
    "sqlalchemy.sql.expression.text": ArgSpec((0,), ("text",)),
    "pandas.read_sql": ArgSpec((0,), ("sql",)),
    "pandas.read_sql_query": ArgSpec((0,), ("sql",)),
    "psycopg2.sql.SQL": ArgSpec((0,), ("string",)),
    "psycopg.sql.SQL": ArgSpec((0,), ("obj",)),
}
# AWS SQL APIs, keyword arguments only (RDS Data API, Redshift Data API, Athena,
# DynamoDB PartiQL); their `parameters=`/`Parameters=` is the safe way.
SQL_AWS_OPERATIONS = {
    "execute_statement": ("sql", "Sql", "Statement"),
    "batch_execute_statement": ("sql", "Sqls"),
    "start_query_execution": ("QueryString",),
}
# ... and the PartiQL batch forms, where the statement sits in a list of dicts.
SQL_AWS_NESTED = {
    "batch_execute_statement": ("Statements", "Statement"),
    "execute_transaction": ("TransactStatements", "Statement"),
}

# -- LAM702: shells and programs ------------------------------------------------------

# The argument is run by a shell.
SHELL_COMMAND_CALLS = {
    "os.system": ArgSpec((0,), ("command",)),
    "os.popen": ArgSpec((0,), ("cmd",)),
    "subprocess.getoutput": ArgSpec((0,), ("cmd",)),
    "subprocess.getstatusoutput": ArgSpec((0,), ("cmd",)),
    "commands.getoutput": ArgSpec((0,), ("cmd",)),
    "commands.getstatusoutput": ArgSpec((0,), ("cmd",)),
    "asyncio.create_subprocess_shell": ArgSpec((0,), ("cmd",)),
}
# `args` is a shell command with `shell=True`, a program name without; a list runs
# its first item with the rest as plain arguments.
SUBPROCESS_CALLS = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
     "subprocess.Popen"}
)
SUBPROCESS_ARGS = ArgSpec((0,), ("args",))
SHELL_KEYWORD = "shell"
# Calls whose argument names the program to run.
PROGRAM_CALLS = {
    "os.execl": ArgSpec((0,), ()), "os.execle": ArgSpec((0,), ()),
    "os.execlp": ArgSpec((0,), ()), "os.execlpe": ArgSpec((0,), ()),
    "os.execv": ArgSpec((0,), ()), "os.execve": ArgSpec((0,), ()),
    "os.execvp": ArgSpec((0,), ()), "os.execvpe": ArgSpec((0,), ()),
    "os.spawnl": ArgSpec((1,), ()), "os.spawnle": ArgSpec((1,), ()),
    "os.spawnlp": ArgSpec((1,), ()), "os.spawnlpe": ArgSpec((1,), ()),
    "os.spawnv": ArgSpec((1,), ()), "os.spawnve": ArgSpec((1,), ()),
    "os.spawnvp": ArgSpec((1,), ()), "os.spawnvpe": ArgSpec((1,), ()),
    "os.posix_spawn": ArgSpec((0,), ("path",)), "os.posix_spawnp": ArgSpec((0,), ("path",)),
    "asyncio.create_subprocess_exec": ArgSpec((0,), ("program",)),
}
# Calls that take a command line as a string or an argv list (like `subprocess` without
# a shell): the event must not choose the program.
ARGV_CALLS = {"pty.spawn": ArgSpec((0,), ("argv",))}
# Programs that run their `-c` argument as a shell script: `["sh", "-c", cmd]`.
SHELL_PROGRAMS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "csh", "tcsh", "fish"})
SHELL_SCRIPT_FLAGS = frozenset({"-c"})

# -- LAM703: code and deserialisation -------------------------------------------------

CODE_CALLS = {
    "builtins.eval": ArgSpec((0,), ("source",)),
    "builtins.exec": ArgSpec((0,), ("source",)),
    "builtins.compile": ArgSpec((0,), ("source",)),
    "pickle.loads": ArgSpec((0,), ("data",)),
    "pickle.load": ArgSpec((0,), ("file",)),
    "_pickle.loads": ArgSpec((0,), ()),
    "cPickle.loads": ArgSpec((0,), ()),
    "marshal.loads": ArgSpec((0,), ()),
    "marshal.load": ArgSpec((0,), ()),
    "dill.loads": ArgSpec((0,), ("str",)),
    "dill.load": ArgSpec((0,), ("file",)),
    "cloudpickle.loads": ArgSpec((0,), ()),
    "jsonpickle.decode": ArgSpec((0,), ("string",)),
    "jsonpickle.loads": ArgSpec((0,), ("string",)),
    "pandas.read_pickle": ArgSpec((0,), ("filepath_or_buffer",)),
    "yaml.unsafe_load": ArgSpec((0,), ("stream",)),
    "yaml.unsafe_load_all": ArgSpec((0,), ("stream",)),
}
# `yaml.load(stream, Loader)`: code execution unless the loader is a safe one.
YAML_LOAD_CALLS = frozenset({"yaml.load", "yaml.load_all"})
YAML_STREAM = ArgSpec((0,), ("stream",))
YAML_LOADER = ArgSpec((1,), ("Loader",))
YAML_SAFE_LOADERS = frozenset(
    {"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader", "yaml.CBaseLoader",
     "yaml.loader.SafeLoader", "yaml.loader.BaseLoader", "yaml.cyaml.CSafeLoader",
     "yaml.cyaml.CBaseLoader"}
)

# -- LAM704: filesystem paths ---------------------------------------------------------

_FIRST = ArgSpec((0,), ("file", "path", "name", "filename", "src", "dst"))
_TWO = ArgSpec((0, 1), ("src", "dst", "path", "target_directory", "extract_dir"))
PATH_CALLS = {
    "builtins.open": ArgSpec((0,), ("file",)),
    "io.open": ArgSpec((0,), ("file",)),
    "codecs.open": ArgSpec((0,), ("filename",)),
    "gzip.open": ArgSpec((0,), ("filename",)),
    "bz2.open": ArgSpec((0,), ("filename",)),
    "lzma.open": ArgSpec((0,), ("filename",)),
    "tarfile.open": ArgSpec((0,), ("name",)),
    "zipfile.ZipFile": ArgSpec((0,), ("file",)),
    "os.open": _FIRST, "os.remove": _FIRST, "os.unlink": _FIRST, "os.rmdir": _FIRST,
    "os.removedirs": _FIRST, "os.mkdir": _FIRST, "os.makedirs": _FIRST,
    "os.listdir": _FIRST, "os.scandir": _FIRST, "os.chmod": _FIRST, "os.chown": _FIRST,
    "os.truncate": _FIRST, "os.walk": ArgSpec((0,), ("top",)),
    "os.rename": _TWO, "os.renames": _TWO, "os.replace": _TWO, "os.symlink": _TWO,
    "os.link": _TWO,
    "shutil.copy": _TWO, "shutil.copy2": _TWO, "shutil.copyfile": _TWO,
    "shutil.copytree": _TWO, "shutil.move": _TWO, "shutil.copymode": _TWO,
    "shutil.copystat": _TWO, "shutil.rmtree": _FIRST, "shutil.unpack_archive": _TWO,
    "shutil.make_archive": ArgSpec((0, 2), ("base_name", "root_dir")),
    "shutil.chown": _FIRST,
}
PATH_TYPES = ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath")
# Methods of a path object that open, create, change or list what it names.
PATH_OBJECT_METHODS = frozenset(
    {"open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir",
     "mkdir", "touch", "rename", "replace", "symlink_to", "hardlink_to", "chmod",
     "iterdir", "glob", "rglob"}
)
# S3 transfers to or from a local file: the `Filename` (client: third argument of
# `download_file`, first of `upload_file`; a Bucket or Object drops the leading ones).
S3_FILE_TRANSFERS = {"download_file": "download", "upload_file": "upload"}
S3_FILENAME_KEYWORD = "Filename"

# -- LAM705: outbound URLs ------------------------------------------------------------

_URL_FIRST = ArgSpec((0,), ("url",))
_URL_SECOND = ArgSpec((1,), ("url",))
URL_CALLS = {
    **{f"requests.{m}": _URL_FIRST for m in ("get", "post", "put", "patch", "delete", "head", "options")},
    **{f"requests.api.{m}": _URL_FIRST for m in ("get", "post", "put", "patch", "delete", "head", "options")},
    "requests.request": _URL_SECOND,
    "requests.api.request": _URL_SECOND,
    **{f"httpx.{m}": _URL_FIRST for m in ("get", "post", "put", "patch", "delete", "head", "options")},
    "httpx.request": _URL_SECOND,
    "httpx.stream": _URL_SECOND,
    "urllib.request.urlopen": _URL_FIRST,
    "urllib.request.Request": _URL_FIRST,
    "urllib.request.urlretrieve": _URL_FIRST,
    "urllib3.request": _URL_SECOND,
    "aiohttp.request": _URL_SECOND,
    "http.client.HTTPConnection": ArgSpec((0,), ("host",)),
    "http.client.HTTPSConnection": ArgSpec((0,), ("host",)),
}
# HTTP client objects (as constructor names) and the URL argument of their methods.
URL_CLIENT_TYPES = frozenset(
    {"requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
     "httpx.AsyncClient", "aiohttp.ClientSession", "aiohttp.client.ClientSession",
     "urllib3.PoolManager", "urllib3.ProxyManager"}
)
URL_CLIENT_METHODS = {
    **{m: _URL_FIRST for m in ("get", "post", "put", "patch", "delete", "head", "options", "ws_connect")},
    "request": _URL_SECOND,
    "stream": _URL_SECOND,
    "urlopen": _URL_SECOND,
}

# -- LAM706: DynamoDB expression strings --------------------------------------------

# Expression parameters of DynamoDB calls (keywords, or keys of request dicts such as
# `TransactItems` entries); values belong in `ExpressionAttributeValues`.
DYNAMODB_EXPRESSION_KEYS = frozenset(
    {"FilterExpression", "KeyConditionExpression", "ConditionExpression", "UpdateExpression"}
)
