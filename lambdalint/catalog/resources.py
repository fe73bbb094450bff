"""Memory, storage and resources (LAM3xx), as data.

Names are qualified the way ``lambdalint.model.resolve`` spells them (a call
result ends in ``()``); method names are bare attribute names, since the
receiver is often a variable the analysis cannot type.
"""

from __future__ import annotations

# -- S3 object bodies (LAM301) ------------------------------------------------------

# Client operations whose response holds the object as a streaming `Body`.
S3_GET_OBJECT_OPERATIONS = frozenset({"get_object"})
# The resource API: `s3.Object(b, k).get()`, `bucket.Object(k).get()`, `obj.get()`.
# A `.get()` with no positional argument cannot be a dict lookup, so it is
# recognised by shape even when the receiver's type is unknown.
S3_RESOURCE_GET_METHODS = frozenset({"get"})
S3_BODY_KEY = "Body"
# A ranged GET reads only the requested bytes.
S3_RANGE_KEYWORD = "Range"
# Methods of a StreamingBody that read everything when given no size.
S3_BODY_SIZED_READS = frozenset({"read"})
# ... and ones that always read everything.
S3_BODY_FULL_READS = frozenset({"readlines"})
# Response fields that tell the size before reading: code that looks at one is
# deciding how much to read.
S3_SIZE_KEYS = frozenset({"ContentLength", "content_length"})

# -- Module-level containers (LAM302) ------------------------------------------------

# Calls that build an empty (or filled) container at module scope.
CONTAINER_CONSTRUCTORS = frozenset(
    {"builtins.list", "builtins.dict", "builtins.set", "collections.defaultdict",
     "collections.OrderedDict", "collections.Counter", "collections.deque"}
)
# deque(iterable, maxlen): bounded when `maxlen` is given (2nd positional or keyword).
BOUNDED_DEQUES = frozenset({"collections.deque"})
DEQUE_MAXLEN = ("maxlen", 1)
# Containers whose `c[key]` read inserts the key (`c[key].append(x)` grows them).
AUTOVIVIFYING_CONTAINERS = frozenset({"collections.defaultdict", "collections.Counter"})

# Methods that add an element whatever its value (lists, deques).
SEQUENCE_GROWTH_METHODS = frozenset({"append", "extend", "insert", "appendleft", "extendleft"})
# Methods that add a key (sets, dicts): they grow only for new keys.
KEYED_GROWTH_METHODS = frozenset({"add", "update", "setdefault"})
# Methods that remove elements: a container that is ever shrunk is managed.
SHRINK_METHODS = frozenset({"clear", "pop", "popitem", "popleft", "remove", "discard",
                            "difference_update", "intersection_update"})
# Calls that tell the size: code that checks `len(CACHE)` bounds it.
SIZE_CHECKS = frozenset({"builtins.len"})

# Memoising decorators and how they are bounded.
UNBOUNDED_CACHE_DECORATORS = frozenset({"functools.cache"})
SIZED_CACHE_DECORATORS = frozenset({"functools.lru_cache"})
CACHE_MAXSIZE = ("maxsize", 0)
# `cachetools.cached(cache={})`: memoisation into a plain dict, which nothing bounds.
CACHE_INTO_ARGUMENT_DECORATORS = {"cachetools.cached": ("cache", 0)}
UNBOUNDED_CACHE_OBJECTS = frozenset({"builtins.dict"})

# -- Files under /tmp (LAM303) ---------------------------------------------------------

TMP_DIR = "/tmp"
# Calls that return the temporary directory (`/tmp` on Lambda).
TMP_DIR_CALLS = frozenset({"tempfile.gettempdir", "tempfile.gettempdirb"})
# Calls that create a new, randomly named file or folder in /tmp and leave it there.
RANDOM_TMP_CREATORS = frozenset({"tempfile.mkstemp", "tempfile.mkdtemp"})
# Temporary files that are removed on close unless told otherwise (`delete=False`).
DELETE_ON_CLOSE_CREATORS = frozenset({"tempfile.NamedTemporaryFile"})
DELETE_KEYWORD = "delete"
# open(path, mode): creating or appending modes (the mode is the 2nd positional).
FILE_OPENERS = frozenset({"builtins.open", "io.open", "codecs.open"})
CREATING_MODE_CHARS = frozenset("wax")
APPENDING_MODE_CHARS = frozenset("a")
# `s3.download_file(bucket, key, filename)`, `bucket.download_file(key, filename)`,
# `obj.download_file(filename)`: the local path is the last positional or `Filename=`.
DOWNLOAD_METHODS = frozenset({"download_file"})
DOWNLOAD_FILENAME_KEYWORD = "Filename"
# Path methods that create the file they are called on.
PATH_WRITE_METHODS = frozenset({"write_text", "write_bytes", "touch"})
# Calls that build a path from parts.
PATH_JOINERS = frozenset({"os.path.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
                          "pathlib.PurePosixPath"})
# Calls and methods that remove files or folders.
TMP_REMOVERS = frozenset({"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree"})
TMP_REMOVER_METHODS = frozenset({"unlink", "rmdir", "cleanup"})
# Existence checks: a function that checks before writing is caching a file on
# purpose (AWS recommends caching static assets in /tmp).
EXISTENCE_CHECKS = frozenset({"os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.getsize",
                              "os.access", "os.stat"})
EXISTENCE_CHECK_METHODS = frozenset({"exists", "is_file", "is_dir"})

# -- Files and sockets (LAM304) -----------------------------------------------------------

# {qualified opener: what it opens, for messages}
RESOURCE_OPENERS = {
    "builtins.open": "file",
    "io.open": "file",
    "socket.socket": "socket",
    "socket.create_connection": "socket",
}
CLOSE_METHODS = frozenset({"close"})
# Wrappers that close what they are given when their `with` block ends.
CLOSING_WRAPPERS = frozenset({"contextlib.closing"})
# `ExitStack`/`AsyncExitStack` methods that take ownership of a resource.
EXIT_STACK_METHODS = frozenset({"enter_context", "enter_async_context", "push", "callback"})

# -- Values that differ on every invocation (LAM302 keys) ---------------------------------

# A container keyed by one of these grows by one entry per invocation.
PER_CALL_UNIQUE_CALLS = frozenset(
    {"uuid.uuid1", "uuid.uuid4", "time.time", "time.time_ns", "time.monotonic", "time.perf_counter",
     "datetime.datetime.now", "datetime.datetime.utcnow", "secrets.token_hex", "secrets.token_urlsafe",
     "os.urandom"}
)
# Attributes of the Lambda context object that are unique per invocation.
PER_CALL_UNIQUE_ATTRIBUTES = frozenset({"aws_request_id"})
