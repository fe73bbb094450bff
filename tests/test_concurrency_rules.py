"""Targeted tests for LAM901-LAM904 (concurrency) that do not fit as rule examples.

The rule examples (run by test_rule_examples.py) show the main cases; here:
each rule's traps one by one (aliases, sync vs async code, `with` executors,
joined threads, wrappers that push blocking calls to threads, clients created
inside coroutines, one long-lived loop), the fixes LAM901 must withhold, and its
fix through the real command.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalint.catalog.concurrency import LOOP_BOUND_CLIENTS
from lambdalint.docs import missing_sections
from lambdalint.registry import load_registry
from lambdalint.testing import fix_source, run_rule

RULES = load_registry(include_plugins=False).rules
MINE = ("LAM901", "LAM902", "LAM903", "LAM904")


def findings(code: str, source: str, files: dict[str, str] | None = None, config: dict | None = None):
    project = {"app.py": textwrap.dedent(source)}
    project.update({path: textwrap.dedent(text) for path, text in (files or {}).items()})
    result = run_rule(RULES[code], project, config)
    assert not result.internal_error, result.messages
    return [d for d in result.diagnostics if d.code == code]


def rows(code: str, source: str, files: dict[str, str] | None = None) -> list[tuple[str, int]]:
    return sorted((str(d.path), d.location.row) for d in findings(code, source, files))


def fixed(source: str) -> str:
    text, _remaining = fix_source(RULES["LAM901"], textwrap.dedent(source).lstrip())
    return text


# -- metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", MINE)
def test_doc_has_every_section(code):
    assert missing_sections(RULES[code]) == []


def test_metadata_matches_the_catalog():
    meta = {code: (RULES[code].name, RULES[code].severity.value, RULES[code].fix.value) for code in MINE}
    assert meta == {
        "LAM901": ("deprecated-event-loop", "warning", "safe"),
        "LAM902": ("background-work-outlives-invocation", "warning", "none"),
        "LAM903": ("blocking-call-in-async", "warning", "none"),
        "LAM904": ("loop-bound-client-at-module-scope", "error", "none"),
    }


@pytest.mark.parametrize("qualified", sorted(LOOP_BOUND_CLIENTS))
def test_lam904_prescan_words_survive_any_import_alias(qualified):
    # However the client is imported (`from aiohttp import ClientSession as S`,
    # `from redis import asyncio as aioredis`), a word of its name is in the file.
    assert any(word in qualified for word in RULES["LAM904"].words)


# -- LAM901 deprecated-event-loop -----------------------------------------------------------


def test_lam901_only_in_sync_code_and_only_local_loops():
    assert rows("LAM901", '''
        import asyncio

        SHARED = asyncio.get_event_loop()

        async def work():
            return 1

        async def nested():
            asyncio.get_event_loop().run_until_complete(work())
            def inner():
                asyncio.get_event_loop().run_until_complete(work())
            return inner

        def lambda_handler(event, context):
            SHARED.run_until_complete(work())
            loop = asyncio.get_event_loop()
            if event:
                loop = asyncio.new_event_loop()
            loop.run_until_complete(work())
            asyncio.new_event_loop().run_until_complete(work())
    ''') == []


def test_lam901_message_for_the_variable_form():
    (finding,) = findings("LAM901", '''
        import asyncio

        async def work():
            return 1

        def lambda_handler(event, context):
            ev_loop = asyncio.get_event_loop()
            return ev_loop.run_until_complete(work())
    ''')
    assert finding.message.startswith(
        "`ev_loop.run_until_complete(...)` on `ev_loop = asyncio.get_event_loop()` relies on")
    assert "asyncio.run(...)" in finding.message


NO_FIX = {
    "a future, not a coroutine": '''
        import asyncio

        async def work():
            return 1

        def lambda_handler(event, context):
            return asyncio.get_event_loop().run_until_complete(asyncio.gather(work(), work()))
    ''',
    "an unknown awaitable": '''
        import asyncio
        from vendor import fetch

        def lambda_handler(event, context):
            return asyncio.get_event_loop().run_until_complete(fetch())
    ''',
    "the loop is used again": '''
        import asyncio

        async def work():
            return 1

        def lambda_handler(event, context):
            loop = asyncio.get_event_loop()
            result = loop.run_until_complete(work())
            loop.close()
            return result
    ''',
    "the loop line is alone in its block": '''
        import asyncio

        async def work():
            return 1

        def lambda_handler(event, context):
            if event:
                loop = asyncio.get_event_loop()
            return loop.run_until_complete(work())
    ''',
    "a module-level loop-bound client relies on the loop": '''
        import asyncio
        import aiohttp

        session = aiohttp.ClientSession()

        async def work():
            return await session.get("https://example.com")

        def lambda_handler(event, context):
            return asyncio.get_event_loop().run_until_complete(work())
    ''',
    "a coroutine caches a global": '''
        import asyncio

        _pool = None

        async def work():
            global _pool
            if _pool is None:
                _pool = await make_pool()
            return _pool

        async def make_pool():
            return object()

        def lambda_handler(event, context):
            return asyncio.get_event_loop().run_until_complete(work())
    ''',
    "asyncio names something else": '''
        from asyncio import get_event_loop
        import trio as asyncio

        async def work():
            return 1

        def lambda_handler(event, context):
            return get_event_loop().run_until_complete(work())
    ''',
}


@pytest.mark.parametrize("source", NO_FIX.values(), ids=NO_FIX.keys())
def test_lam901_no_fix_when_asyncio_run_could_differ(source):
    (finding,) = findings("LAM901", source)
    assert finding.fix is None


def test_lam901_no_fix_when_the_coroutine_uses_a_client_from_another_module():
    (finding,) = findings("LAM901", '''
        import asyncio
        from jobs import run_all

        def lambda_handler(event, context):
            return asyncio.get_event_loop().run_until_complete(run_all(event))
    ''', files={
        "jobs.py": '''
            from shared.http import session

            async def fetch(url):
                return await session.get(url)

            async def run_all(event):
                return [await fetch(u) for u in event["urls"]]
        ''',
        "shared/http.py": '''
            import aiohttp

            session = aiohttp.ClientSession()
        ''',
    })
    assert finding.fix is None


def test_lam901_fix_uses_a_local_asyncio_import_and_keeps_other_code():
    assert fixed('''
        async def work(n):
            return n

        def lambda_handler(event, context):
            import asyncio
            coro = work(event["n"])
            return asyncio.get_event_loop().run_until_complete(coro)
    ''') == textwrap.dedent('''
        async def work(n):
            return n

        def lambda_handler(event, context):
            import asyncio
            coro = work(event["n"])
            return asyncio.run(coro)
    ''').lstrip()


def test_lam901_fix_at_module_scope_with_a_stdlib_coroutine():
    assert fixed('''
        import asyncio

        if __name__ == "__main__":
            loop = asyncio.get_event_loop()
            loop.run_until_complete(asyncio.sleep(0))
    ''') == textwrap.dedent('''
        import asyncio

        if __name__ == "__main__":
            asyncio.run(asyncio.sleep(0))
    ''').lstrip()


def test_lam901_fix_for_a_coroutine_of_another_module_needs_the_project(tmp_path):
    (tmp_path / "jobs.py").write_text("async def sync_all(ids):\n    return ids\n", encoding="utf-8")
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent('''
        import asyncio

        from jobs import sync_all

        def lambda_handler(event, context):
            return asyncio.get_event_loop().run_until_complete(sync_all(event["ids"]))
    ''').lstrip(), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", "--select", "LAM901", "--fix", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "return asyncio.run(sync_all(event[\"ids\"]))\n" in app.read_text(encoding="utf-8")


# -- LAM902 background-work-outlives-invocation ----------------------------------------------


def test_lam902_timers_processes_and_shutdown_without_wait():
    assert rows("LAM902", '''
        import multiprocessing
        import threading
        from concurrent.futures import ProcessPoolExecutor

        def work():
            pass

        def lambda_handler(event, context):
            threading.Timer(5.0, work).start()
            multiprocessing.Process(target=work).start()
            pool = ProcessPoolExecutor()
            pool.submit(work)
            pool.shutdown(wait=False)
    ''') == [("app.py", 10), ("app.py", 11), ("app.py", 13)]


def test_lam902_waited_work_is_quiet():
    assert rows("LAM902", '''
        import asyncio
        import concurrent.futures
        import threading

        def work():
            pass

        BACKGROUND = set()

        async def main():
            task = asyncio.ensure_future(asyncio.sleep(0))
            BACKGROUND.add(task)
            task.add_done_callback(BACKGROUND.discard)
            await asyncio.wait_for(asyncio.create_task(asyncio.sleep(0)), 1)

        def lambda_handler(event, context):
            executor = concurrent.futures.ThreadPoolExecutor()
            try:
                future = executor.submit(work)
            finally:
                executor.shutdown(wait=True)
            t = threading.Thread(target=work)
            t.daemon = True
            t.start()
            t.join()
            asyncio.run(main())
            return future
    ''') == []


def test_lam902_only_invocation_scope():
    assert rows("LAM902", '''
        import threading
        from concurrent.futures import ThreadPoolExecutor

        POOL = ThreadPoolExecutor()

        def warm():
            pass

        def start_background():
            threading.Thread(target=warm, daemon=True).start()
            POOL.submit(warm)

        start_background()

        def lambda_handler(event, context):
            return "ok"
    ''') == []


def test_lam902_message_names_the_call():
    (finding,) = findings("LAM902", '''
        import threading

        def work():
            pass

        def lambda_handler(event, context):
            sender = threading.Thread(target=work)
            sender.start()
    ''')
    assert finding.message.startswith("background work started by `sender.start()` (in `lambda_handler`)")
    assert "`sender.join()`" in finding.message


# -- LAM903 blocking-call-in-async ------------------------------------------------------------


def test_lam903_sessions_paginators_and_response_methods():
    assert rows("LAM903", '''
        import asyncio

        import boto3
        import httpx
        import requests

        http = requests.Session()
        sync_http = httpx.Client()
        table = boto3.resource("dynamodb").Table("orders")
        s3 = boto3.client("s3")

        async def main(event):
            http.get("https://example.com", timeout=3)
            sync_http.post("https://example.com")
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket="b"):
                pass
            items = table.query(KeyConditionExpression="x")["Items"]
            response = s3.head_object(Bucket="b", Key="k")
            size = response.get("ContentLength")
            exc = s3.exceptions.NoSuchKey
            s3.meta.events.register("before-sign.s3", print)
            s3.exceptions.from_code("NoSuchKey")
            table.meta.client.describe_table(TableName="orders")
            return items, size, exc, http.headers.get("x")

        def lambda_handler(event, context):
            return asyncio.run(main(event))
    ''') == [("app.py", 14), ("app.py", 15), ("app.py", 16), ("app.py", 18), ("app.py", 19), ("app.py", 24)]


def test_lam903_unreachable_coroutines_and_sync_helpers_are_quiet():
    assert rows("LAM903", '''
        import asyncio
        import time

        async def cli_only():
            time.sleep(1)

        def blocking_helper():
            time.sleep(1)

        async def main():
            await asyncio.to_thread(blocking_helper)
            await asyncio.get_running_loop().run_in_executor(None, time.sleep, 1)

        def lambda_handler(event, context):
            return asyncio.run(main())

        if __name__ == "__main__":
            asyncio.run(cli_only())
    ''') == []


def test_lam903_s3_body_read_after_run_in_executor_with_partial():
    assert rows("LAM903", '''
        import asyncio
        import functools
        import boto3

        s3 = boto3.client("s3")

        async def main(bucket, key):
            loop = asyncio.get_running_loop()
            obj = await loop.run_in_executor(None, functools.partial(s3.get_object, Bucket=bucket, Key=key))
            first = obj["Body"].read(1024)
            return first

        def lambda_handler(event, context):
            return asyncio.run(main(event["bucket"], event["key"]))
    ''') == [("app.py", 11)]


def test_lam903_message():
    (finding,) = findings("LAM903", '''
        import asyncio
        import time

        async def main():
            time.sleep(2)

        def lambda_handler(event, context):
            asyncio.run(main())
    ''')
    assert finding.message.startswith(
        "blocking call `time.sleep(...)` in coroutine `main` (in `main`, called from `lambda_handler`)")
    assert "`await asyncio.sleep(...)`" in finding.message


# -- LAM904 loop-bound-client-at-module-scope -------------------------------------------------------


def test_lam904_reaches_through_call_chains_and_only_reports_the_outer_client():
    assert rows("LAM904", '''
        import asyncio
        import aiohttp
        from redis import asyncio as aioredis

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=10))
        cache = aioredis.from_url("redis://cache")

        async def get(url):
            async with session.get(url) as response:
                return await response.text()

        async def cached(key):
            value = await cache.get(key)
            return value or await get(key)

        async def main(event):
            return await asyncio.gather(*(cached(k) for k in event["keys"]))

        def lambda_handler(event, context):
            return asyncio.run(main(event))
    ''') == [("app.py", 6), ("app.py", 7)]


def test_lam904_quiet_without_per_invocation_asyncio_run():
    assert rows("LAM904", '''
        import asyncio
        import httpx

        client = httpx.AsyncClient()

        async def ping():
            return await client.get("https://example.com")

        def sync_use():
            return client

        async def warm():
            return await client.get("https://example.com")

        asyncio.run(warm())

        def lambda_handler(event, context):
            return sync_use()
    ''') == []


def test_lam904_local_shadowing_is_not_the_module_client():
    assert rows("LAM904", '''
        import asyncio
        import httpx

        client = httpx.AsyncClient()

        async def main():
            async with httpx.AsyncClient() as client:
                return await client.get("https://example.com")

        def lambda_handler(event, context):
            return asyncio.run(main())
    ''') == []


def test_lam904_message_names_the_coroutine_and_the_runner():
    (finding,) = findings("LAM904", '''
        import asyncio
        import aiohttp

        http = aiohttp.ClientSession()

        async def fetch():
            return await http.get("https://example.com")

        def lambda_handler(event, context):
            return asyncio.run(fetch())
    ''')
    assert finding.message.startswith(
        "`aiohttp.ClientSession(...)` is created at module scope but coroutine `fetch` uses it "
        "under `asyncio.run(...)` in `lambda_handler`")


def test_cli_fix_for_lam901_adds_the_import_once(tmp_path: Path):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent('''
        from asyncio import get_event_loop

        async def one():
            return 1

        async def two():
            return 2

        def lambda_handler(event, context):
            a = get_event_loop().run_until_complete(one())
            b = get_event_loop().run_until_complete(two())
            return a + b
    ''').lstrip(), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", "--select", "LAM901", "--fix", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = app.read_text(encoding="utf-8")
    assert text.count("import asyncio\n") == 1
    assert "a = asyncio.run(one())\n" in text and "b = asyncio.run(two())\n" in text


def test_cli_lam904_reports_in_the_module_that_creates_the_client(tmp_path: Path):
    """The creating module has no handler and nothing in invocation scope: the rule
    must still run there (it is not a scope-only rule)."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "shared" / "http.py").write_text(
        "import aiohttp\n\nsession = aiohttp.ClientSession()\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(textwrap.dedent('''
        import asyncio

        from shared.http import session

        async def fetch(url):
            async with session.get(url) as response:
                return await response.text()

        def lambda_handler(event, context):
            return asyncio.run(fetch(event["url"]))
    ''').lstrip(), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", "--select", "LAM904", "--output-format", "json", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (finding,) = json.loads(proc.stdout)
    assert (finding["filename"], finding["location"]["row"]) == ("shared/http.py", 3)
