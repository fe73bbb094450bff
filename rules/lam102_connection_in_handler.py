"""LAM102 connection-in-handler."""

from __future__ import annotations

from typing import Any

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Severity
from lambdalint.catalog import (
    CONNECTION_CLOSE_METHODS,
    CONNECTION_CONSTRUCTORS,
    CONNECTION_NAME_HINTS,
    LOOP_BOUND_CONNECTION_CONSTRUCTORS,
)
from lambdalint.config import Config
from lambdalint.model import dotted_name
from lambdalint.walk import children

from ._lifecycle import PerInvocationConstructor


def _unsafe_to_share(function: cst.FunctionDef, name: str) -> bool:
    """Whether one object shared by all invocations would behave differently here.

    It would when the function ends the object's life (`conn.close()`, `with conn:`,
    `closing(conn)`): the first invocation closes what the later ones use; when it
    hands the object out (`return conn`): a caller may close it; and when it changes
    the object's state (`session.headers.update(...)`, `conn.autocommit = True`):
    what one request sets (an auth header) would leak into the next.
    """
    stack: list[cst.CSTNode] = list(children(function.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.Call):
            func = node.func
            if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                    and func.value.value == name and func.attr.value in CONNECTION_CLOSE_METHODS):
                return True
            if (dotted_name(func) or "").startswith(name + ".") and (dotted_name(func) or "").count(".") >= 2:
                return True  # `session.headers.update(...)`, `session.cookies.set(...)`
        elif isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            target = node.target
            if isinstance(target, (cst.Attribute, cst.Subscript)) and _root_is(target, name):
                return True
        elif isinstance(node, cst.WithItem):
            item = node.item
            if _is_name(item, name) or (
                isinstance(item, cst.Call) and any(_is_name(a.value, name) for a in item.args)
            ):
                return True
        elif isinstance(node, (cst.Return, cst.Yield)) and node.value is not None:
            if _hands_out(node.value, name):
                return True
        stack.extend(children(node))
    return False


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _root_is(target: cst.BaseExpression, name: str) -> bool:
    """`conn.autocommit`, `session.headers["X"]`: an attribute or item of `name`."""
    while isinstance(target, (cst.Attribute, cst.Subscript)):
        target = target.value
    return _is_name(target, name)


def _hands_out(value: cst.CSTNode, name: str) -> bool:
    """`return conn`, `return conn, x`, `return Repo(conn)`; not `return conn.cursor()`."""
    stack = [value]
    while stack:
        current = stack.pop()
        if _is_name(current, name):
            return True
        if isinstance(current, cst.Attribute):
            if not isinstance(current.value, cst.Name):
                stack.append(current.value)
            continue  # `conn.cursor()`: the receiver is used, not handed out
        stack.extend(children(current))
    return False


class ConnectionInHandler(PerInvocationConstructor):
    """
    ## What it does
    Flags database, cache and HTTP connections or connection pools (`pymysql.connect`,
    `psycopg2.connect`, `redis.Redis`, `pymongo.MongoClient`, `sqlalchemy.create_engine`,
    `requests.Session`, `httpx.Client`, `urllib3.PoolManager` and the others in the
    catalog, plus `extra-connections` from config) created in invocation scope: in the
    handler or in any function it calls, across modules of the checked tree.

    ## Why is this bad?
    Module scope runs once per execution environment; the handler runs on every
    request. A connection opened in the handler pays DNS, TCP, TLS and the database's
    authentication handshake on every invocation, and under load each concurrent
    environment opens connection after connection until the database's connection
    limit is reached. An HTTP session built per call throws away its keep-alive pool.
    Open the connection once at module scope (or lazily, once) and reuse it across
    warm invocations; reconnect only when it has failed.

    A `with psycopg2.connect(...) as conn:` block in the handler is still a new
    connection per invocation (with psycopg2 the `with` only ends the transaction and
    does not even close the connection).

    Not flagged: lazy initialisation (`global conn; if conn is None: conn = ...`), a
    reconnect in an `except` block that replaces a module-level connection,
    `functools.cache`/`lru_cache` factories, connections built from event data or STS
    credentials (a per-tenant database must be connected per call), code that only
    module scope runs, and loop-bound async clients (`httpx.AsyncClient`) created
    inside a coroutine: the handler's `asyncio.run(...)` starts a new event loop per
    invocation, so such a client must be created per invocation (see LAM904). Nor is
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    The fix moves the construction to module scope and uses the module-level name in
    the function: an identical module-level object that already exists; or, when
    the connection is the whole value of a local variable assigned nowhere else
    (`conn = pymysql.connect(...)`), that variable itself, under its own name; or a
    new name (`db_connection`, `http_session`, or the same with a leading
    underscore; when those are taken, no fix). It is offered
    only when every argument is a literal, a module-level name or an
    `os.environ`/`os.getenv` read, the call is not the context manager of a `with`,
    and the function neither closes the object (`close()`, `with conn:`,
    `closing(conn)`), nor returns it or passes it on, nor changes its state
    (`session.headers.update(...)`, `conn.autocommit = True`): a shared connection
    that the first invocation closes would break every later one, and state one
    request sets would leak into the next. Otherwise the finding has no fix.

    The fix is safe, except where the connection is opened inside a `try` or `with`
    block (or in a function called inside one in the same module), or only on some
    paths (under an `if`, in a loop): at module scope a failure the `except` handled
    would fail the module's import, and a connection some invocations never needed
    would be opened on every cold start (and fail them all while the server is
    down). There the fix is unsafe and needs `--unsafe-fixes`.
    Consider adding a reconnect path (`ping(reconnect=True)`, or rebuilding the
    module-level connection in an `except` block) for connections the server may drop
    while the environment is frozen.

    ## References
    - [AWS Lambda best practices: function code](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [Amazon RDS Proxy with AWS Lambda](https://docs.aws.amazon.com/lambda/latest/dg/configuration-database.html)
    """

    code = "LAM102"
    name = "connection-in-handler"
    scope_only = True
    severity = Severity.WARNING
    fix = FixAvailability.SAFE
    # The called name's last part is in the source whatever the import alias
    # (`import psycopg2 as pg` -> `pg.connect`, `from redis import Redis as R`).
    words = tuple(sorted({name.rsplit(".", 1)[-1] for name in CONNECTION_CONSTRUCTORS}))
    tags = ("performance", "cold-start", "database")
    what = "connection"

    def constructors(self) -> frozenset[str]:
        names = CONNECTION_CONSTRUCTORS | frozenset(self.configured_names(self.ctx.config))
        function = self.ctx.function
        if function is not None and any(f.is_async for f in function.enclosing()):
            # Bound to the running loop; a coroutine run by `asyncio.run` per
            # invocation must build its own (LAM904 flags the module-level one).
            names -= LOOP_BOUND_CONNECTION_CONSTRUCTORS
        return names

    def configured_names(self, config: Config) -> list[str]:
        return config.extra_connections

    unsafe_when_conditional = True

    def hoisted_names(self, call: cst.Call, qualified: str) -> list[str]:
        for prefix, hint in CONNECTION_NAME_HINTS:
            if qualified == prefix or qualified.startswith(prefix + "."):
                return [hint]
        return ["connection"]

    def report(self, node: cst.CSTNode, message: str, *, fix: Any = None) -> None:
        if fix is not None and self._escapes_or_closed(node):
            fix = None
        super().report(node, message, fix=fix)

    def _escapes_or_closed(self, call: cst.CSTNode) -> bool:
        """No hoist when sharing one object across invocations could change behaviour."""
        function = self.ctx.function
        if function is None:
            return True
        ancestors = self.ctx.ancestors
        parent = ancestors[-2] if len(ancestors) >= 2 else None
        if isinstance(parent, cst.Attribute) and parent.value is call:
            return False  # used in place: `pymysql.connect(...).cursor()`
        bound = None
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            bound = parent.targets[0].target
        elif isinstance(parent, (cst.AnnAssign, cst.NamedExpr)):
            bound = parent.target
        if not isinstance(bound, cst.Name):
            # Returned, passed to a call, stored on `self`: code we do not see
            # here may close it.
            return True
        return _unsafe_to_share(function.node, bound.value)

    examples = [
        Bad('''
            import os
            import pymysql

            def lambda_handler(event, context):
                conn = pymysql.connect(host=os.environ["DB_HOST"], user="app")  # expect
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return cursor.fetchone()
        '''),
        Good('''
            import os
            import pymysql

            conn = pymysql.connect(host=os.environ["DB_HOST"], user="app")

            def lambda_handler(event, context):
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return cursor.fetchone()
        '''),
        Bad('''
            import psycopg2 as pg
            from redis import Redis

            def handler(event, context):
                db = pg.connect("dbname=orders")  # expect
                cache = Redis(host="cache.internal")  # expect
                return db, cache
        '''),
        Bad('''
            import httpx
            import requests

            def lambda_handler(event, context):
                session = requests.Session()  # expect
                client = httpx.Client(base_url="https://api.example.com")  # expect
                return session.get("https://example.com", timeout=5), client
        '''),
        Bad('''
            import psycopg2

            def lambda_handler(event, context):
                with psycopg2.connect("dbname=orders") as conn:  # expect
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM orders")
                        return cursor.fetchone()[0]
        '''),
        Bad('''
            from db.connection import get_connection

            def lambda_handler(event, context):
                return get_connection().cursor().execute("SELECT 1")
        ''', files={"db/connection.py": '''
            import os
            import pymysql

            def get_connection():
                return pymysql.connect(host=os.environ["DB_HOST"])  # expect
        '''}),
        Bad('''
            import sqlalchemy

            class Repository:
                def __init__(self):
                    self.engine = sqlalchemy.create_engine("postgresql://db/orders")  # expect

            def lambda_handler(event, context):
                return Repository().engine
        '''),
        Bad('''
            from mycorp.db import connect

            def lambda_handler(event, context):
                return connect("orders")  # expect
        ''', config={"extra-connections": ["mycorp.db.connect"]}),
        Good('''
            import os
            import pymysql

            conn = None

            def get_conn():
                global conn
                if conn is None:
                    conn = pymysql.connect(host=os.environ["DB_HOST"])
                return conn

            def lambda_handler(event, context):
                return get_conn().ping()
        '''),
        Good('''
            import os
            import pymysql

            conn = pymysql.connect(host=os.environ["DB_HOST"])

            def lambda_handler(event, context):
                global conn
                try:
                    conn.ping()
                except pymysql.err.OperationalError:
                    conn = pymysql.connect(host=os.environ["DB_HOST"])
                return conn.open
        '''),
        Good('''
            import psycopg2

            def lambda_handler(event, context):
                tenant_db = psycopg2.connect(host=event["tenant"]["db_host"], dbname="app")
                try:
                    return tenant_db.server_version
                finally:
                    tenant_db.close()
        '''),
        Good('''
            import requests
            from redis import Redis

            http = requests.Session()
            cache = Redis(host="cache.internal")

            def lambda_handler(event, context):
                return cache.get(event["key"]) or http.get("https://example.com", timeout=5).text
        '''),
        Fixed(
            before='''
            import os
            import pymysql

            def lambda_handler(event, context):
                conn = pymysql.connect(host=os.environ["DB_HOST"], user="app")
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return cursor.fetchone()
            ''',
            after='''
            import os
            import pymysql

            conn = pymysql.connect(host=os.environ["DB_HOST"], user="app")

            def lambda_handler(event, context):
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return cursor.fetchone()
            ''',
        ),
        Fixed(
            before='''
            import requests
            from redis import Redis

            http_session = requests.Session()

            def lambda_handler(event, context):
                cache = Redis(host="cache.internal")
                session = requests.Session()
                return cache.get("k") or session.get("https://example.com", timeout=5).text
            ''',
            after='''
            import requests
            from redis import Redis

            cache = Redis(host="cache.internal")

            http_session = requests.Session()

            def lambda_handler(event, context):
                session = http_session
                return cache.get("k") or session.get("https://example.com", timeout=5).text
            ''',
        ),
        Fixed(
            before='''
            import os
            import psycopg2

            def lambda_handler(event, context):
                if event.get("source") == "aws.events":
                    return {"skipped": True}
                if event.get("report"):
                    conn = psycopg2.connect(os.environ["DATABASE_URL"])
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM orders")
                        return {"orders": cursor.fetchone()[0]}
                return {"orders": None}
            ''',
            after='''
            import os
            import psycopg2

            conn = psycopg2.connect(os.environ["DATABASE_URL"])

            def lambda_handler(event, context):
                if event.get("source") == "aws.events":
                    return {"skipped": True}
                if event.get("report"):
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM orders")
                        return {"orders": cursor.fetchone()[0]}
                return {"orders": None}
            ''',
            unsafe=True,
        ),
        Good('''
            import asyncio
            import httpx

            async def fetch(urls):
                async with httpx.AsyncClient(timeout=5) as client:
                    return await asyncio.gather(*(client.get(u) for u in urls))

            def lambda_handler(event, context):
                return asyncio.run(fetch(["https://a.example", "https://b.example"]))
        '''),
    ]
