"""LAM203 timeout-disabled."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.network import (
    AIOHTTP_BOUNDING_FIELDS,
    AIOHTTP_DEFAULT_TOTAL_SECONDS,
    AIOHTTP_SESSIONS,
    AIOHTTP_TIMEOUT_FIELDS,
    AIOHTTP_TIMEOUT_TYPES,
    HTTPX_CLIENT_METHODS,
    HTTPX_CLIENTS,
    HTTPX_FUNCTIONS,
    HTTPX_TIMEOUT_TYPES,
    LAMBDA_MAX_TIMEOUT_SECONDS,
    TIMEOUT_SECONDS_ARGUMENTS,
    URLLIB3_CALLS,
    URLLIB3_TIMEOUT_PARTS,
    URLLIB3_TIMEOUT_TYPES,
)

from ._callees import last_names, may_call_one_of
from ._network import (
    argument,
    checked_here,
    format_seconds,
    has_star_args,
    is_none,
    keyword_arg,
    literal_seconds,
    shown_call,
    where,
)

_TIMEOUT_NONE_CALLS = HTTPX_FUNCTIONS | HTTPX_CLIENTS | HTTPX_CLIENT_METHODS | URLLIB3_CALLS
_CALLED = last_names([*_TIMEOUT_NONE_CALLS, *HTTPX_TIMEOUT_TYPES, *AIOHTTP_SESSIONS, *AIOHTTP_TIMEOUT_TYPES,
                      *URLLIB3_TIMEOUT_TYPES, *TIMEOUT_SECONDS_ARGUMENTS])


class TimeoutDisabled(Rule):
    """
    ## What it does
    Flags network timeouts that are switched off or longer than Lambda allows:
    `httpx` calls and clients given `timeout=None` (or `httpx.Timeout(None)`),
    `aiohttp.ClientSession()` without `timeout=`, `aiohttp.ClientTimeout(total=None)`
    with no `sock_read` limit (and `ClientTimeout()` with no limit at all),
    `urllib3` calls and pools given `timeout=None`, `urllib3.Timeout(total=None)`
    without `connect`/`read`, and any literal timeout above 900 seconds on a network
    call or timeout object the catalog knows (`requests`, the standard-library calls
    of LAM202, `httpx`, `urllib3`, `aiohttp.ClientTimeout`, botocore's
    `Config(connect_timeout=..., read_timeout=...)`).

    ## Why is this bad?
    Lambda stops an invocation after at most 900 seconds (15 minutes), and usually
    much sooner. A client with its timeout disabled waits on a stalled peer until the
    function times out: billed idle time, and an error your code never gets to
    handle. aiohttp's default session timeout is 300 seconds in total, longer than
    most functions' timeouts, so it gives the same result. A timeout longer than 900
    seconds can never fire in Lambda; it reads like protection but is none.

    Calls are checked wherever Lambda runs them. Not flagged: code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md), a
    module's `if __name__ == "__main__":` block, `httpx`
    calls without `timeout=` (httpx has a 5-second default), timeouts computed at run
    time, and calls that pass `*args`/`**kwargs`.

    ## Fix safety
    No automatic fix: the right timeout depends on the service called and on the
    function's configured timeout.

    ## References
    - [HTTPX: Timeouts](https://www.python-httpx.org/advanced/timeouts/)
    - [aiohttp: Timeouts](https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts)
    - [urllib3: Timeout](https://urllib3.readthedocs.io/en/stable/reference/urllib3.util.html#urllib3.util.Timeout)
    - [Configure Lambda function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
    """

    code = "LAM203"
    name = "timeout-disabled"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # Libraries by their import names; literal timeouts by their keyword
    # (`timeout`, `connect_timeout`, `read_timeout`) or type (`ClientTimeout`).
    words = ("httpx", "aiohttp", "urllib3", "timeout", "Timeout")
    tags = ("reliability", "network", "timeouts")

    def visit_Call(self, node: cst.Call) -> None:
        if not may_call_one_of(node.func, _CALLED):
            return
        ctx = self.ctx
        qualified = ctx.qualify(node.func)
        if qualified is None or not checked_here(ctx):
            return
        problem = self._disabled(node, qualified) or self._too_long(node, qualified)
        if problem is None:
            return
        self.report(node, f"{shown_call(ctx, node, qualified)} {problem}{where(ctx)}")

    # -- switched off ----------------------------------------------------------------------

    def _disabled(self, node: cst.Call, qualified: str) -> str | None:
        if qualified in _TIMEOUT_NONE_CALLS:
            timeout = keyword_arg(node, "timeout")
            if timeout is not None and is_none(timeout.value):
                return ("passes `timeout=None`, which switches the timeout off, so it can wait "
                        "until Lambda stops the invocation; pass a number of seconds")
            return None
        if has_star_args(node):
            return None
        if qualified in HTTPX_TIMEOUT_TYPES:
            values = [arg.value for arg in node.args]
            if values and all(is_none(value) for value in values):
                return "switches every timeout off; give a number of seconds"
            return None
        if qualified in AIOHTTP_SESSIONS:
            timeout = keyword_arg(node, "timeout")
            if timeout is None:
                return (f"has no `timeout=`, so each request may take aiohttp's default "
                        f"{AIOHTTP_DEFAULT_TOTAL_SECONDS} seconds; pass "
                        "`timeout=aiohttp.ClientTimeout(total=...)` below the function's timeout")
            if is_none(timeout.value):
                return "passes `timeout=None`; pass `timeout=aiohttp.ClientTimeout(total=...)`"
            return None
        if qualified in AIOHTTP_TIMEOUT_TYPES:
            fields = {field: argument(node, field, index) for index, field in enumerate(AIOHTTP_TIMEOUT_FIELDS)}
            total = fields["total"]
            bounded = any(
                arg is not None and not is_none(arg.value)
                for field, arg in fields.items() if field in AIOHTTP_BOUNDING_FIELDS
            )
            if bounded:
                return None
            if not node.args:
                return "sets no limit at all (every field defaults to None); set `total=`"
            if total is not None:
                return "has `total=None` and no `sock_read`, so a request can wait forever; set `total=`"
            return None
        if qualified in URLLIB3_TIMEOUT_TYPES:
            total = argument(node, "total", 0)
            if total is None or not is_none(total.value):
                return None
            parts = [argument(node, part, index + 1) for index, part in enumerate(URLLIB3_TIMEOUT_PARTS)]
            if all(part is None or is_none(part.value) for part in parts):
                return ("has `total=None` and no `connect`/`read`, so it falls back to the socket "
                        "default (wait forever); set `total=` or `connect=` and `read=`")
        return None

    # -- longer than Lambda allows -------------------------------------------------------------

    def _too_long(self, node: cst.Call, qualified: str) -> str | None:
        spots = TIMEOUT_SECONDS_ARGUMENTS.get(qualified)
        if not spots:
            return None
        for keyword, position in spots:
            arg = argument(node, keyword, position)
            if arg is None:
                continue
            values = [arg.value]
            if isinstance(arg.value, cst.Tuple):  # requests' (connect, read)
                values = [element.value for element in arg.value.elements]
            for value in values:
                seconds = literal_seconds(value)
                if seconds is not None and seconds > LAMBDA_MAX_TIMEOUT_SECONDS:
                    return (f"sets `{keyword}` to {format_seconds(seconds)} seconds, longer than the "
                            f"{LAMBDA_MAX_TIMEOUT_SECONDS} seconds a Lambda invocation can run, so it "
                            "can never fire; use a value below the function's own timeout")
        return None

    examples = [
        Bad('''
            import httpx

            client = httpx.Client(base_url="https://api.example.com", timeout=None)  # expect

            def lambda_handler(event, context):
                return client.get("/rates").json()
        '''),
        Good('''
            import httpx

            client = httpx.Client(base_url="https://api.example.com", timeout=5)

            def lambda_handler(event, context):
                return client.get("/rates").json()
        '''),
        Bad('''
            import aiohttp
            from aiohttp import ClientTimeout

            async def fetch(url):
                async with aiohttp.ClientSession() as session:  # expect
                    async with session.get(url) as response:
                        return await response.text()

            async def fetch_slow(url):
                timeout = ClientTimeout(total=None)  # expect
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.get(url) as response:
                        return await response.text()
        '''),
        Bad('''
            import requests
            import urllib3
            from botocore.config import Config

            http = urllib3.PoolManager(timeout=urllib3.Timeout(total=None))  # expect
            SDK = Config(connect_timeout=5, read_timeout=3600)  # expect

            def lambda_handler(event, context):
                report = requests.get("https://reports.example.com", timeout=(5, 20 * 60))  # expect
                page = http.request("GET", "https://example.com", timeout=None)  # expect
                return report, page
        '''),
        Bad('''
            import httpx

            async def call(url):
                async with httpx.AsyncClient(timeout=httpx.Timeout(None)) as client:  # expect
                    return await client.get(url)
        '''),
        Good('''
            import aiohttp
            import httpx
            import urllib3

            TIMEOUT = aiohttp.ClientTimeout(total=10, sock_connect=2)
            POOL = urllib3.PoolManager(timeout=urllib3.Timeout(total=None, connect=2, read=5))

            async def fetch(url):
                async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                    async with session.get(url) as response:
                        return await response.text()

            def lambda_handler(event, context):
                return httpx.get("https://example.com"), POOL
        '''),
        Good('''
            import requests
            import subprocess
            from botocore.config import Config

            SDK = Config(connect_timeout=2, read_timeout=15 * 60)

            def lambda_handler(event, context):
                subprocess.run(["convert", "in.png", "out.png"], timeout=3600, check=True)
                return requests.get("https://example.com", timeout=context.get_remaining_time_in_millis() / 1000)
        '''),
        Good('''
            import httpx

            def test_client_without_timeout():
                with httpx.Client(timeout=None) as client:
                    assert client.timeout.read is None
        ''', path="tests/test_client.py"),
    ]
