"""LAM304 unclosed-resource."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import FILE_LOADERS
from lambdalint.catalog.resources import CLOSE_METHODS, CLOSING_WRAPPERS, EXIT_STACK_METHODS, RESOURCE_OPENERS
from lambdalint.model.resolve import BUILTIN_NAMES
from lambdalint.walk import children

from ._network import written

# Methods that store their argument in a container (someone else owns it then).
_STORING_METHODS = frozenset({"append", "add", "extend", "insert", "setdefault", "put", "put_nowait"})
_MANAGED = "managed"
_ESCAPES = "escapes"
_DROPPED = "dropped"


class UnclosedResource(Rule):
    """
    ## What it does
    Flags files and sockets opened in invocation scope (`open()`, `io.open()`,
    `socket.socket()`, `socket.create_connection()`) that are neither the context
    manager of a `with` block (directly or through `contextlib.closing`, an
    `ExitStack`'s `enter_context`/`callback`) nor closed: used in place
    (`open(path).read()`, `json.load(open(path))`, `for line in open(path):`), or
    bound to a name the function never closes (`f.close()` anywhere in it, including
    a `finally:`, counts).

    ## Why is this bad?
    A Lambda execution environment lives through many invocations and allows 1,024
    open file descriptors. CPython usually closes a file as soon as the last
    reference to it goes away, but that is an implementation detail: an exception
    whose traceback is kept (logged, stored, re-raised later), a reference cycle, a
    generator left open or a closure keep the object, and with it the descriptor,
    until the garbage collector happens to run. Sockets left open also hold a
    connection on the server. Python reports each such object with a
    `ResourceWarning`. A `with` block closes the resource on every path, errors
    included.

    Not flagged: resources returned or yielded to the caller, stored on an object or
    in a container (`self.f = open(...)`, `FILES.append(f)`), or in a global (these
    have an owner elsewhere), lazy initialisation, tuple unpacking the analysis does
    not follow, and code outside invocation scope (init, test files, scripts and
    modules that no handler's module imports).

    ## Fix safety
    No automatic fix: moving code into a `with` block changes its indentation and,
    where the resource is used after the block would end, its meaning.

    ## References
    - [Lambda quotas: file descriptors](https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
    - [Python: reading and writing files (`with`)](https://docs.python.org/3/tutorial/inputoutput.html#reading-and-writing-files)
    - [Amazon Q detector: resource-leak](https://docs.aws.amazon.com/amazonq/detector-library/python/resource-leak/)
    """

    code = "LAM304"
    name = "unclosed-resource"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # Fires only in invocation scope: files no handler reaches skip it.
    scope_only = True
    words = ("open", "socket", "create_connection")
    tags = ("resources", "reliability")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        qualified = ctx.qualify(node.func)
        what = RESOURCE_OPENERS.get(qualified or "")
        if what is None or not ctx.in_invocation_scope or ctx.is_lazy_init(node):
            return
        fate, name, consumer = self._fate(node)
        if fate in (_MANAGED, _ESCAPES):
            return
        if fate is None and name is not None and self._closed_or_handed_on(name):
            return
        if consumer is not None:
            problem = f"is passed to `{written(consumer.func)}(...)` and never closed"
        elif name is not None:
            problem = f"is bound to `{name}`, which is never closed"
        else:
            problem = "is used in place and never closed"
        self.report(
            node,
            f"the {what} from `{written(node.func)}(...)` {problem} ({ctx.scope_note()}): open "
            "descriptors can outlive the invocation in a reused environment (limit 1,024); "
            f"use `with {written(node.func)}(...) as ...:`",
        )

    def _fate(self, call: cst.Call) -> tuple[str | None, str | None, cst.Call | None]:
        """What happens to the object: (_MANAGED/_ESCAPES/_DROPPED, None, consumer), or
        (None, name, consumer) when it (or what wraps it) is bound to a local name to
        follow. `consumer` is the first call it is passed to (`json.load(open(p))`)."""
        ctx = self.ctx
        node: cst.CSTNode = call
        consumer: cst.Call | None = None
        for ancestor in reversed(ctx.ancestors[:-1]):
            if isinstance(ancestor, cst.WithItem):
                return _MANAGED, None, consumer
            if isinstance(ancestor, (cst.Return, cst.Yield)):
                # Returned itself, or inside what is returned (`return Reader(open(p))`):
                # the caller may own it.
                return _ESCAPES, None, consumer
            if isinstance(ancestor, cst.Attribute) and ancestor.value is node:
                return _DROPPED, None, consumer  # `open(p).read()`: used once and dropped
            if isinstance(ancestor, cst.Call) and node is not ancestor.func:
                func = ancestor.func
                if ctx.qualify(func) in CLOSING_WRAPPERS:
                    return _MANAGED, None, consumer
                if isinstance(func, cst.Attribute) and func.attr.value in EXIT_STACK_METHODS:
                    return _MANAGED, None, consumer
                if isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS:
                    return _ESCAPES, None, consumer
                consumer = consumer or ancestor
            if isinstance(ancestor, (cst.Assign, cst.AnnAssign, cst.NamedExpr)):
                if consumer is not None and ctx.qualify(consumer.func) in FILE_LOADERS:
                    return _DROPPED, None, consumer  # `data = json.load(open(p))`: data, not the file
                fate, name = self._assigned(ancestor)
                return fate, name, consumer
            if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.Lambda,
                                     cst.BaseComp)):
                return _DROPPED, None, consumer
            node = ancestor
        return _DROPPED, None, consumer

    def _assigned(self, statement: cst.CSTNode) -> tuple[str | None, str | None]:
        if isinstance(statement, cst.Assign):
            if len(statement.targets) != 1:
                return _ESCAPES, None
            target = statement.targets[0].target
        else:
            target = statement.target  # type: ignore[attr-defined]
        if not isinstance(target, cst.Name):
            return _ESCAPES, None  # `self.f = ...`, `FILES[k] = ...`, tuple unpacking
        function = self.ctx.function
        if function is not None and any(target.value in f.scope.global_names for f in function.enclosing()):
            return _ESCAPES, None
        return None, target.value

    def _closed_or_handed_on(self, name: str) -> bool:
        """Whether the function closes `name`, manages it with `with`, or hands it on."""
        function = self.ctx.function
        if function is None:
            return True
        stack: list[cst.CSTNode] = [function.node.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Attribute) and _is_name(node.value, name) and node.attr.value in CLOSE_METHODS:
                return True  # `f.close()`, `atexit.register(f.close)`
            if isinstance(node, cst.WithItem) and _mentions_directly(node.item, name):
                return True
            if isinstance(node, (cst.Return, cst.Yield)) and node.value is not None \
                    and _mentions_directly(node.value, name):
                return True
            if isinstance(node, (cst.Assign, cst.AnnAssign)) and node.value is not None \
                    and _mentions_directly(node.value, name):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                if any(not isinstance(t, cst.Name) for t in targets):
                    return True  # `self.f = f`
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in (_STORING_METHODS | EXIT_STACK_METHODS) \
                    and any(_is_name(arg.value, name) for arg in node.args):
                return True
            if isinstance(node, cst.Call) and self.ctx.qualify(node.func) in CLOSING_WRAPPERS \
                    and any(_is_name(arg.value, name) for arg in node.args):
                return True
            stack.extend(children(node))
        return False

    examples = [
        Bad('''
            import json

            def lambda_handler(event, context):
                f = open("/tmp/state.json")  # expect
                state = json.load(f)
                return state[event["key"]]
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                with open("/tmp/state.json") as f:
                    state = json.load(f)
                return state[event["key"]]
        '''),
        Bad('''
            import csv
            import json
            import socket

            def read_rows(path):
                rows = list(csv.reader(open(path)))  # expect
                return len(rows)

            def lambda_handler(event, context):
                config = json.load(open("/tmp/config.json"))  # expect
                header = open("/tmp/data.csv").readline()  # expect
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # expect
                sock.connect((config["host"], 9000))
                sock.sendall(header.encode())
                return read_rows("/tmp/data.csv")
        '''),
        Bad('''
            import socket as so

            def ping(host):
                conn = so.create_connection((host, 80), timeout=2)  # expect
                conn.sendall(b"PING")
                for line in open("/tmp/hosts"):  # expect
                    print(line)
                return conn.recv(4)

            def handler(event, context):
                return ping(event["host"])
        '''),
        Good('''
            import contextlib
            import socket

            def lambda_handler(event, context):
                log = open("/tmp/log.txt", "a")
                try:
                    log.write("start")
                finally:
                    log.close()
                with contextlib.ExitStack() as stack:
                    data = stack.enter_context(open("/tmp/data.bin", "rb")).read()
                with contextlib.closing(socket.socket()) as sock:
                    sock.connect(("example.com", 80))
                return data
        '''),
        Good('''
            import socket

            _conn = None
            OPEN_FILES = []

            def connection():
                global _conn
                if _conn is None:
                    _conn = socket.create_connection(("cache.internal", 11211), timeout=2)
                return _conn

            class Spool:
                def __init__(self, path):
                    self.handle = open(path, "a")

            def lines(path):
                f = open(path)
                yield from f

            def opener(path):
                return open(path, "rb")

            def lambda_handler(event, context):
                OPEN_FILES.append(open("/tmp/a"))
                spool = Spool("/tmp/spool")
                return connection(), spool, list(lines("/tmp/x")), opener("/tmp/y")
        '''),
        Good('''
            import json

            CONFIG = json.load(open("config.json"))

            def load_fixture():
                return open("fixture.json").read()

            FIXTURE = load_fixture()

            def lambda_handler(event, context):
                return CONFIG, FIXTURE
        '''),
    ]


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _mentions_directly(expr: cst.CSTNode, name: str) -> bool:
    """`f`, `(f, x)`, `Wrapper(f)`, `closing(f)`: the object itself, not `f.read()`
    and not what a builtin makes of it (`len(f.read())`, `list(f)`)."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        current = stack.pop()
        if _is_name(current, name):
            return True
        if isinstance(current, cst.Attribute):
            continue
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Name) \
                and current.func.value in BUILTIN_NAMES:
            continue
        stack.extend(children(current))
    return False
