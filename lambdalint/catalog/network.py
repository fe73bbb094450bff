"""Network calls and their timeouts (LAM2xx), as data.

Names are qualified the way ``lambdalint.model.resolve`` spells them: a call
result ends in ``()``, so ``requests.Session().get`` is "the `get` method of
a requests session", whether the session is `requests.Session()` or a name
bound to it.

Where a maintained library knows a fact, it is read from there: which AWS
operations have a waiter comes from botocore's own waiter models when
botocore is installed (`waiter_operations`), with a small built-in list for
when it is not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# -- Lambda's own limits ---------------------------------------------------------

# The longest a function may run: a timeout above it can never fire.
LAMBDA_MAX_TIMEOUT_SECONDS = 900


# -- Where a call takes its timeout ----------------------------------------------


@dataclass(frozen=True)
class TimeoutParameter:
    """How a call receives its timeout.

    ``keyword`` is the keyword name (every API listed here accepts one).
    ``position`` is the 0-based positional index when the timeout can also be
    passed positionally in every supported Python version; when it cannot be
    known (the position moved between versions) ``position`` is None and
    ``positional_limit`` is the number of positional arguments that certainly
    come before it: more positional arguments than that and the call may
    already pass a timeout, so rules stay quiet.
    """

    keyword: str = "timeout"
    position: int | None = None
    positional_limit: int | None = None

    def passed_positionally(self, positional_count: int) -> bool:
        """Whether `positional_count` positional arguments include (or may include) the timeout."""
        if self.position is not None:
            return positional_count > self.position
        if self.positional_limit is not None:
            return positional_count > self.positional_limit
        return False


_KEYWORD_ONLY = TimeoutParameter()

# -- requests (LAM201) -------------------------------------------------------------

REQUESTS_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

# Module-level functions: `requests.get(url, **kwargs)`; only `request` and the
# verbs, never a positional timeout.
REQUESTS_FUNCTIONS = frozenset(
    f"{module}.{method}" for module in ("requests", "requests.api") for method in REQUESTS_METHODS
)

# What builds a `requests.Session`; its methods are `<constructor>().<method>`.
REQUESTS_SESSION_CONSTRUCTORS = frozenset(
    {"requests.Session", "requests.session", "requests.sessions.Session", "requests.sessions.session"}
)

# `Session.request(method, url, params, data, headers, cookies, files, auth, timeout, ...)`:
# the one requests API whose timeout can be positional (the 9th argument).
_SESSION_REQUEST = TimeoutParameter(position=8)

REQUESTS_SESSION_METHODS = {
    f"{constructor}().{method}": (_SESSION_REQUEST if method == "request" else _KEYWORD_ONLY)
    for constructor in REQUESTS_SESSION_CONSTRUCTORS
    for method in REQUESTS_METHODS
}

REQUESTS_TIMEOUT_CALLS: dict[str, TimeoutParameter] = {
    **{name: _KEYWORD_ONLY for name in REQUESTS_FUNCTIONS},
    **REQUESTS_SESSION_METHODS,
}

# A session with a transport adapter mounted (`session.mount("https://", TimeoutAdapter())`)
# may set a default timeout in the adapter: its calls are not flagged.
SESSION_ADAPTER_METHODS = frozenset({"mount"})
# ... and so may one whose request method is replaced
# (`session.request = functools.partial(session.request, timeout=5)`).
SESSION_PATCHED_METHODS = frozenset({"request", "send"})

# -- Standard-library network calls (LAM202) ------------------------------------------
# Without a timeout they use `socket.getdefaulttimeout()`, which is None (block
# forever) unless something calls `socket.setdefaulttimeout(...)`.

STDLIB_TIMEOUT_CALLS: dict[str, TimeoutParameter] = {
    # urlopen(url, data=None, timeout=...)
    "urllib.request.urlopen": TimeoutParameter(position=2),
    # OpenerDirector.open(fullurl, data=None, timeout=...)
    "urllib.request.build_opener().open": TimeoutParameter(position=2),
    "urllib.request.OpenerDirector().open": TimeoutParameter(position=2),
    # HTTPConnection(host, port=None, timeout=...)
    "http.client.HTTPConnection": TimeoutParameter(position=2),
    # HTTPSConnection(host, port=None, [key_file, cert_file,] timeout...): moved in 3.12
    "http.client.HTTPSConnection": TimeoutParameter(positional_limit=2),
    # SMTP(host='', port=0, local_hostname=None, timeout=...)
    "smtplib.SMTP": TimeoutParameter(position=3),
    # SMTP_SSL(host='', port=0, local_hostname=None, [keyfile, certfile,] timeout...): moved in 3.12
    "smtplib.SMTP_SSL": TimeoutParameter(positional_limit=3),
    # FTP(host='', user='', passwd='', acct='', timeout=...)
    "ftplib.FTP": TimeoutParameter(position=4),
    # FTP_TLS(host, user, passwd, acct, [keyfile, certfile, context,] timeout...): moved in 3.12
    "ftplib.FTP_TLS": TimeoutParameter(positional_limit=4),
    # IMAP4(host='', port=143, timeout=None)
    "imaplib.IMAP4": TimeoutParameter(position=2),
    # IMAP4_SSL(host='', port=993, [keyfile, certfile, ssl_context,] timeout=None): moved in 3.12
    "imaplib.IMAP4_SSL": TimeoutParameter(positional_limit=2),
    # POP3(host, port=110, timeout=...)
    "poplib.POP3": TimeoutParameter(position=2),
    # POP3_SSL(host, port=995, [keyfile, certfile,] timeout...): moved in 3.12
    "poplib.POP3_SSL": TimeoutParameter(positional_limit=2),
    # create_connection(address, timeout=..., source_address=None): the second positional
    "socket.create_connection": TimeoutParameter(position=1),
}

# Calling this anywhere in the checked code gives every stdlib socket a timeout.
SOCKET_DEFAULT_TIMEOUT_SETTERS = frozenset({"socket.setdefaulttimeout"})

# -- Other HTTP clients (LAM203) -------------------------------------------------------

HTTPX_FUNCTIONS = frozenset(
    f"httpx.{name}"
    for name in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
)
HTTPX_CLIENTS = frozenset({"httpx.Client", "httpx.AsyncClient"})
HTTPX_CLIENT_METHODS = frozenset(
    f"{client}().{method}"
    for client in HTTPX_CLIENTS
    for method in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
                   "send", "build_request")
)
# httpx's own timeout object: `httpx.Timeout(None)` switches every timeout off.
HTTPX_TIMEOUT_TYPES = frozenset({"httpx.Timeout"})

URLLIB3_CALLS = frozenset(
    {"urllib3.request", "urllib3.PoolManager", "urllib3.PoolManager().request",
     "urllib3.PoolManager().urlopen", "urllib3.PoolManager().request_encode_url",
     "urllib3.PoolManager().request_encode_body", "urllib3.ProxyManager",
     "urllib3.HTTPConnectionPool", "urllib3.HTTPSConnectionPool",
     "urllib3.connectionpool.HTTPConnectionPool", "urllib3.connectionpool.HTTPSConnectionPool",
     "urllib3.connection_from_url", "urllib3.poolmanager.PoolManager"}
)
# urllib3 pools, whose requests wait forever unless the pool or the request sets a
# timeout (their default is the socket default: none). The top-level
# `urllib3.request(...)` of urllib3 2 has a 3-second default, so it is not here.
URLLIB3_POOLS = frozenset(
    {"urllib3.PoolManager", "urllib3.poolmanager.PoolManager", "urllib3.ProxyManager",
     "urllib3.poolmanager.ProxyManager", "urllib3.HTTPConnectionPool", "urllib3.HTTPSConnectionPool",
     "urllib3.connectionpool.HTTPConnectionPool", "urllib3.connectionpool.HTTPSConnectionPool",
     "urllib3.connection_from_url", "urllib3.connectionpool.connection_from_url", "urllib3.proxy_from_url"}
)
URLLIB3_REQUEST_METHODS = frozenset({"request", "urlopen", "request_encode_url", "request_encode_body"})
# `HTTPConnectionPool(host, port=None, timeout=...)`: the only pool taking it by position.
URLLIB3_POOL_TIMEOUT_POSITION = {"urllib3.HTTPConnectionPool": 2, "urllib3.HTTPSConnectionPool": 2,
                                 "urllib3.connectionpool.HTTPConnectionPool": 2,
                                 "urllib3.connectionpool.HTTPSConnectionPool": 2}
# `urllib3.Timeout(total=None)` with no `connect`/`read` leaves both at the socket default (None).
URLLIB3_TIMEOUT_TYPES = frozenset({"urllib3.Timeout", "urllib3.util.Timeout", "urllib3.util.timeout.Timeout"})
URLLIB3_TIMEOUT_PARTS = ("connect", "read")

AIOHTTP_SESSIONS = frozenset({"aiohttp.ClientSession", "aiohttp.client.ClientSession"})
# aiohttp's session default is ClientTimeout(total=300, sock_connect=30).
AIOHTTP_DEFAULT_TOTAL_SECONDS = 300
AIOHTTP_TIMEOUT_TYPES = frozenset({"aiohttp.ClientTimeout", "aiohttp.client.ClientTimeout"})
# Fields of ClientTimeout that bound a request on their own (total, or a per-read limit).
AIOHTTP_BOUNDING_FIELDS = ("total", "sock_read")
AIOHTTP_TIMEOUT_FIELDS = ("total", "connect", "sock_read", "sock_connect")

# botocore's Config: timeouts in seconds.
BOTOCORE_CONFIGS = frozenset({"botocore.config.Config", "botocore.client.Config"})
BOTOCORE_TIMEOUT_FIELDS = ("connect_timeout", "read_timeout")


# Everywhere a literal number of seconds is a network timeout, for "longer than
# Lambda allows": {qualified call: keyword names (and positions) holding seconds}.
def _seconds_table() -> dict[str, tuple[tuple[str, int | None], ...]]:
    table: dict[str, tuple[tuple[str, int | None], ...]] = {}
    for name, parameter in {**REQUESTS_TIMEOUT_CALLS, **STDLIB_TIMEOUT_CALLS}.items():
        table[name] = ((parameter.keyword, parameter.position),)
    for name in HTTPX_FUNCTIONS | HTTPX_CLIENTS | HTTPX_CLIENT_METHODS | URLLIB3_CALLS:
        table[name] = (("timeout", None),)
    for name in HTTPX_TIMEOUT_TYPES:
        table[name] = (("timeout", 0), ("connect", None), ("read", None), ("write", None), ("pool", None))
    for name in URLLIB3_TIMEOUT_TYPES:
        table[name] = (("total", 0), ("connect", 1), ("read", 2))
    for name in AIOHTTP_TIMEOUT_TYPES:
        table[name] = tuple((field, index) for index, field in enumerate(AIOHTTP_TIMEOUT_FIELDS))
    for name in BOTOCORE_CONFIGS:
        table[name] = tuple((field, None) for field in BOTOCORE_TIMEOUT_FIELDS)
    return table


TIMEOUT_SECONDS_ARGUMENTS = _seconds_table()

# -- AWS SDK clients (LAM204, LAM206, LAM207) -------------------------------------------

# Constructors of SDK clients that accept `config=` (not sessions, which do not).
SDK_CLIENT_FACTORY_SUFFIXES = ("client", "resource", "create_client")

# -- Sleeping (LAM205, LAM207) ------------------------------------------------------------

SLEEP_CALLS = frozenset({"time.sleep", "asyncio.sleep", "gevent.sleep", "trio.sleep", "anyio.sleep"})
# A sleep this long or longer in invocation scope is billed idle time worth a finding.
LONG_SLEEP_SECONDS = 1

# -- Synchronous Lambda invokes (LAM206) -------------------------------------------------

LAMBDA_SERVICE = "lambda"
LAMBDA_SYNC_INVOKE_OPERATIONS = frozenset({"invoke"})
INVOCATION_TYPE_KEYWORD = "InvocationType"
SYNC_INVOCATION_TYPE = "RequestResponse"

# -- Polling instead of a waiter (LAM207) --------------------------------------------------

# Operation name prefixes that read a resource's state (the spec's describe/get/list,
# plus S3's head_object/head_bucket, whose waiters are the classic object_exists).
POLLING_OPERATION_PREFIXES = ("describe_", "get_", "list_", "head_")
# Loops that iterate these count as retry loops (`for attempt in range(30)`).
RETRY_ITERABLES = frozenset({"builtins.range", "itertools.count", "itertools.repeat"})

# When botocore is not installed: common waiters, {service: {operation: (waiter, ...)}}.
FALLBACK_WAITERS: dict[str, dict[str, tuple[str, ...]]] = {
    "ec2": {
        "describe_instances": ("instance_exists", "instance_running", "instance_stopped", "instance_terminated"),
        "describe_instance_status": ("instance_status_ok", "system_status_ok"),
        "describe_images": ("image_exists", "image_available"),
        "describe_snapshots": ("snapshot_completed",),
        "describe_volumes": ("volume_available", "volume_deleted", "volume_in_use"),
        "describe_nat_gateways": ("nat_gateway_available", "nat_gateway_deleted"),
        "describe_vpcs": ("vpc_available", "vpc_exists"),
        "describe_subnets": ("subnet_available",),
    },
    "rds": {
        "describe_db_instances": ("db_instance_available", "db_instance_deleted"),
        "describe_db_clusters": ("db_cluster_available", "db_cluster_deleted"),
        "describe_db_snapshots": ("db_snapshot_available", "db_snapshot_deleted", "db_snapshot_completed"),
    },
    "cloudformation": {
        "describe_stacks": ("stack_exists", "stack_create_complete", "stack_delete_complete",
                            "stack_update_complete", "stack_import_complete", "stack_rollback_complete"),
        "describe_change_set": ("change_set_create_complete",),
    },
    "dynamodb": {"describe_table": ("table_exists", "table_not_exists")},
    "lambda": {
        "get_function": ("function_active_v2", "function_exists", "function_updated_v2"),
        "get_function_configuration": ("function_active", "function_updated", "published_version_active"),
    },
    "ecs": {
        "describe_services": ("services_inactive", "services_stable"),
        "describe_tasks": ("tasks_running", "tasks_stopped"),
    },
    "s3": {
        "head_bucket": ("bucket_exists", "bucket_not_exists"),
        "head_object": ("object_exists", "object_not_exists"),
    },
    "kinesis": {"describe_stream": ("stream_exists", "stream_not_exists")},
    "emr": {"describe_cluster": ("cluster_running", "cluster_terminated"), "describe_step": ("step_complete",)},
    "eks": {"describe_cluster": ("cluster_active", "cluster_deleted"),
            "describe_nodegroup": ("nodegroup_active", "nodegroup_deleted")},
    "redshift": {"describe_clusters": ("cluster_available", "cluster_deleted", "cluster_restored")},
    "elasticache": {"describe_cache_clusters": ("cache_cluster_available", "cache_cluster_deleted"),
                    "describe_replication_groups": ("replication_group_available", "replication_group_deleted")},
    "elbv2": {"describe_load_balancers": ("load_balancer_exists", "load_balancer_available", "load_balancers_deleted"),
              "describe_target_health": ("target_in_service", "target_deregistered")},
    "cloudfront": {"get_distribution": ("distribution_deployed",), "get_invalidation": ("invalidation_completed",)},
    "acm": {"describe_certificate": ("certificate_validated",)},
    "ssm": {"get_command_invocation": ("command_executed",)},
    "route53": {"get_change": ("resource_record_sets_changed",)},
    "transcribe": {"get_transcription_job": ("transcription_job_completed",)},
    "sagemaker": {"describe_endpoint": ("endpoint_deleted", "endpoint_in_service"),
                  "describe_training_job": ("training_job_completed_or_stopped",)},
}


def _snake_case(name: str) -> str:
    """`DescribeDBInstances` -> `describe_db_instances` (botocore's own rule when present)."""
    try:
        from botocore import xform_name
    except ImportError:
        xform_name = None
    if xform_name is not None:
        return str(xform_name(name))
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", words).lower()


@functools.cache
def waiter_operations() -> dict[str, dict[str, tuple[str, ...]]]:
    """{service: {snake_case operation: (waiter names as `get_waiter` takes them)}}.

    Read once per process from botocore's waiter models (`waiters-2` data of every
    service) when botocore is importable, else the built-in FALLBACK_WAITERS.
    """
    try:
        from botocore.loaders import create_loader
    except ImportError:
        return FALLBACK_WAITERS
    try:
        loader = create_loader()
        table: dict[str, dict[str, tuple[str, ...]]] = {}
        for service in loader.list_available_services("waiters-2"):
            model = loader.load_service_model(service, "waiters-2")
            operations: dict[str, list[str]] = {}
            for waiter, spec in (model.get("waiters") or {}).items():
                operation = spec.get("operation") if isinstance(spec, dict) else None
                if isinstance(operation, str):
                    operations.setdefault(_snake_case(operation), []).append(_snake_case(waiter))
            if operations:
                table[service] = {op: tuple(names) for op, names in operations.items()}
    except Exception:  # noqa: BLE001 - a broken botocore install must not break linting
        return FALLBACK_WAITERS
    return table or FALLBACK_WAITERS


def waiters_for(operation: str, service: str | None = None) -> tuple[str, ...]:
    """Waiter names that poll `operation` (of `service`, or of any service when unknown)."""
    table = waiter_operations()
    if service is not None:
        return table.get(service, {}).get(operation, ())
    found: list[str] = []
    for operations in table.values():
        for name in operations.get(operation, ()):
            if name not in found:
                found.append(name)
    return tuple(found)
