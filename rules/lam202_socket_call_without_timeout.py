"""LAM202 socket-call-without-timeout."""

from __future__ import annotations


import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.catalog.network import SOCKET_DEFAULT_TIMEOUT_SETTERS, STDLIB_TIMEOUT_CALLS

from ._callees import last_names, may_call_one_of
from ._network import add_timeout_fix, checked_here, has_star_args, is_none, shown_call, timeout_argument, where

_CALLED = last_names(STDLIB_TIMEOUT_CALLS)


class SocketCallWithoutTimeout(Rule):
    """
    ## What it does
    Flags standard-library network calls made without a timeout (or with
    `timeout=None`): `urllib.request.urlopen` (and `build_opener().open`),
    `http.client.HTTPConnection`/`HTTPSConnection`, `smtplib.SMTP`/`SMTP_SSL`,
    `ftplib.FTP`/`FTP_TLS`, `imaplib.IMAP4`/`IMAP4_SSL`, `poplib.POP3`/`POP3_SSL` and
    `socket.create_connection`. A timeout passed by position counts, in the position
    the API takes it: `socket.create_connection(address, 5)` has one,
    `urllib.request.urlopen(url, data, 5)` too.

    ## Why is this bad?
    Without a timeout these calls use the socket module's default, which is "wait
    forever" unless something calls `socket.setdefaulttimeout()`. A peer that stops
    answering holds the invocation until Lambda kills it at the function's timeout:
    billed idle time, a timeout error instead of one your code can handle, and a
    retry that likely hangs too.

    Calls are checked wherever Lambda runs them (module scope hangs the init phase).
    Not flagged: code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md), a module's `if __name__ == "__main__":` block,
    calls that pass `*args`/`**kwargs`, any such call when the checked code calls
    `socket.setdefaulttimeout(...)` somewhere, and sockets made with
    `socket.socket()` (their timeout is set with `settimeout`, which this rule does
    not follow).

    ## Fix safety
    The fix adds `timeout=<default-timeout>` (10 seconds unless the
    `default-timeout` key in `[tool.lambdalint]` says otherwise), or replaces
    `timeout=None` with it; every listed API takes a `timeout` keyword. It is
    unsafe: a call that used to succeed slowly now raises `TimeoutError`
    (`socket.timeout`), and the right value depends on the peer and on the
    function's own timeout. Review each one. (`imaplib.IMAP4` takes `timeout` from
    Python 3.9 on; every supported Lambda runtime has it.)

    ## References
    - [`socket.create_connection`](https://docs.python.org/3/library/socket.html#socket.create_connection)
    - [`urllib.request.urlopen`](https://docs.python.org/3/library/urllib.request.html#urllib.request.urlopen)
    - [Configure Lambda function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
    - [Amazon Q detector: socket-connection-timeout](https://docs.aws.amazon.com/amazonq/detector-library/python/socket-connection-timeout/)
    """

    code = "LAM202"
    name = "socket-call-without-timeout"
    severity = Severity.WARNING
    fix = FixAvailability.UNSAFE
    # The called name's last part is spelled at the call site or in its import; for
    # a method (`build_opener().open`), the name of what builds the object.
    words = tuple(sorted({name.removesuffix("().open").rsplit(".", 1)[-1] for name in STDLIB_TIMEOUT_CALLS}))
    tags = ("reliability", "network", "timeouts")

    def visit_Call(self, node: cst.Call) -> None:
        if not may_call_one_of(node.func, _CALLED):
            return
        ctx = self.ctx
        qualified = ctx.qualify(node.func)
        parameter = STDLIB_TIMEOUT_CALLS.get(qualified or "")
        if parameter is None or not checked_here(ctx) or has_star_args(node):
            return
        assert qualified is not None
        passed, arg = timeout_argument(node, parameter)
        if passed and not (arg is not None and is_none(arg.value)):
            return
        if _default_timeout_is_set(ctx):
            return
        shown = shown_call(ctx, node, qualified)
        problem = "passes `timeout=None`" if passed else "has no timeout"
        # `timeout=None` given by position is replaced in place; otherwise add the keyword.
        self.report(
            node,
            f"{shown} {problem}, so it can block forever{where(ctx)}; "
            f"pass `{parameter.keyword}=` (seconds, below the function's own timeout)",
            fix=add_timeout_fix(node, parameter.keyword, ctx.config.default_timeout, arg if passed else None),
        )

    examples = [
        Bad('''
            import json
            import urllib.request

            def lambda_handler(event, context):
                with urllib.request.urlopen("https://api.example.com/rates") as response:  # expect
                    return json.load(response)
        '''),
        Good('''
            import json
            import urllib.request

            def lambda_handler(event, context):
                with urllib.request.urlopen("https://api.example.com/rates", timeout=5) as response:
                    return json.load(response)
        '''),
        Bad('''
            import socket
            from http.client import HTTPSConnection
            from smtplib import SMTP as Mail

            def lambda_handler(event, context):
                sock = socket.create_connection(("db.internal", 5432))  # expect
                api = HTTPSConnection("api.example.com", timeout=None)  # expect
                mail = Mail("smtp.example.com", 587)  # expect
                return sock, api, mail
        '''),
        Bad('''
            import ftplib
            import imaplib
            import poplib

            def fetch_reports():
                ftp = ftplib.FTP("ftp.example.com", "user", "secret")  # expect
                imap = imaplib.IMAP4_SSL("imap.example.com")  # expect
                pop = poplib.POP3("pop.example.com", 110)  # expect
                return ftp, imap, pop
        '''),
        Good('''
            import socket
            import urllib.request

            def lambda_handler(event, context):
                sock = socket.create_connection(("db.internal", 5432), 3)
                page = urllib.request.urlopen("https://example.com", None, 5)
                return sock, page
        '''),
        Good('''
            import socket
            import urllib.request

            socket.setdefaulttimeout(5)

            def lambda_handler(event, context):
                return urllib.request.urlopen("https://example.com").read()
        '''),
        Good('''
            import http.client
            import smtplib

            OPTIONS = {"timeout": 4}

            def lambda_handler(event, context):
                conn = http.client.HTTPSConnection("api.example.com", **OPTIONS)
                mail = smtplib.SMTP_SSL("smtp.example.com", 465, "me", None, None, 4)
                return conn, mail
        '''),
        Fixed(
            before='''
            import socket
            import urllib.request

            def lambda_handler(event, context):
                sock = socket.create_connection(("db.internal", 5432))
                page = urllib.request.urlopen(event["url"], timeout=None)
                return sock, page
            ''',
            after='''
            import socket
            import urllib.request

            def lambda_handler(event, context):
                sock = socket.create_connection(("db.internal", 5432), timeout=10)
                page = urllib.request.urlopen(event["url"], timeout=10)
                return sock, page
            ''',
            unsafe=True,
        ),
    ]


def _default_timeout_is_set(ctx) -> bool:  # type: ignore[no-untyped-def]
    """Whether any checked module calls `socket.setdefaulttimeout(...)`: the
    default is process-wide, so one call at init covers every module."""
    project = ctx.model.project
    if project is None:
        return _calls_setter(ctx.model)
    return project.analysis("socket default timeout set",
                            lambda: any(_calls_setter(model) for model in project.models))


def _calls_setter(model) -> bool:  # type: ignore[no-untyped-def]
    names = {name.rsplit(".", 1)[-1] for name in SOCKET_DEFAULT_TIMEOUT_SETTERS}
    sites = [(None, call) for call in model.summary.module_calls]
    sites += [(function, call) for function in model.functions.values() for call in function.calls]
    for function, call in sites:
        func = call.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if last in names and model.qualify(func, function) in SOCKET_DEFAULT_TIMEOUT_SETTERS:
            return True
    return False

