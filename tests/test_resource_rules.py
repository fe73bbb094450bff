"""Targeted tests for LAM301-LAM304 that do not fit as rule examples.

The rule examples (run by test_rule_examples.py) cover what is flagged and what
is not; here: the traps the catalog names one by one (bounded reads, `Range=`,
`deque(maxlen=)`, cleared containers, bounded caches, `TemporaryDirectory`,
static assets cached in /tmp, `with` contexts), cross-module cases, and known
limits as strict xfails that must lose their marker once the analysis learns.
"""

from __future__ import annotations

import textwrap

import pytest

from lambdalint.docs import missing_sections
from lambdalint.registry import load_registry
from lambdalint.testing import run_rule

RULES = load_registry(include_plugins=False).rules
MINE = ("LAM301", "LAM302", "LAM303", "LAM304")


def findings(code: str, source: str, files: dict[str, str] | None = None, path: str = "app.py"):
    project = {path: textwrap.dedent(source).lstrip("\n")}
    project.update({name: textwrap.dedent(text).lstrip("\n") for name, text in (files or {}).items()})
    result = run_rule(RULES[code], project)
    assert not result.internal_error, result.messages
    return [d for d in result.diagnostics if d.code == code]


def rows(code: str, source: str, **kwargs) -> list[int]:
    return [d.location.row for d in findings(code, source, **kwargs)]


@pytest.mark.parametrize("code", MINE)
def test_doc_has_every_section(code):
    assert missing_sections(RULES[code]) == []


def test_severities_match_the_catalog():
    assert {code: RULES[code].severity.value for code in MINE} == dict.fromkeys(MINE, "warning")


# -- LAM301 unbounded-s3-read ---------------------------------------------------------------


def test_s3_body_reads_through_every_traced_shape():
    assert rows("LAM301", '''
        import boto3

        s3 = boto3.client("s3")
        s3r = boto3.resource("s3")

        def lambda_handler(event, context):
            resp = s3.get_object(Bucket="b", Key=event["k"])
            a = resp.get("Body").read()
            b = resp["Body"].read(-1)
            c = resp["Body"].read().decode("utf-8")
            obj = s3r.Object("b", event["k"])
            d = obj.get()["Body"].read()
            with resp["Body"] as stream:
                e = stream.read()
            return a, b, c, d, e
    ''') == [8, 9, 10, 12, 14]


def test_bounded_and_ranged_reads_are_fine():
    assert not findings("LAM301", '''
        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context, size=4096):
            resp = s3.get_object(Bucket="b", Key=event["k"])
            ranged = s3.get_object(Bucket="b", Key=event["k"], Range="bytes=0-99")
            obj = boto3.resource("s3").Object("b", event["k"])
            return (
                resp["Body"].read(1024),
                resp["Body"].read(amt=size),
                ranged["Body"].read(),
                obj.get(Range="bytes=0-9")["Body"].read(),
                s3.get_object(**event["request"])["Body"].read(),
                [chunk for chunk in resp["Body"].iter_chunks(65536)],
            )
    ''')


def test_dict_and_queue_gets_are_not_s3_objects():
    assert not findings("LAM301", '''
        import queue

        jobs = queue.Queue()

        def lambda_handler(event, context):
            message = {"Body": open("/tmp/x")}
            first = message["Body"].read()
            job = jobs.get()["Body"].read()
            return first, job
    ''')


def test_reads_that_run_once_per_environment_are_fine():
    assert not findings("LAM301", '''
        import functools
        import json
        import boto3

        s3 = boto3.client("s3")
        _rules = None

        def rules():
            global _rules
            if _rules is None:
                _rules = json.loads(s3.get_object(Bucket="cfg", Key="rules.json")["Body"].read())
            return _rules

        @functools.lru_cache(maxsize=1)
        def schema():
            return json.loads(s3.get_object(Bucket="cfg", Key="schema.json")["Body"].read())

        def lambda_handler(event, context):
            return rules(), schema()
    ''')


def test_body_returned_by_a_helper_of_another_module():
    assert findings("LAM301", '''
        from shared.s3 import open_body

        def lambda_handler(event, context):
            return open_body(event["key"]).read()
    ''', files={"shared/s3.py": '''
        import boto3

        s3 = boto3.client("s3")

        def open_body(key):
            return s3.get_object(Bucket="b", Key=key)["Body"]
    '''})


def test_body_returned_by_a_helper_is_traced_where_the_helper_builds_it():
    assert rows("LAM301", '''
        import boto3

        s3 = boto3.client("s3")

        def open_body(key):
            response = s3.get_object(Bucket="b", Key=key)
            return response["Body"]

        def open_range(key):
            return s3.get_object(Bucket="b", Key=key, Range="bytes=0-99")["Body"]

        def lambda_handler(event, context):
            first = open_range(event["key"]).read()
            return open_body(event["key"]).read(), first
    ''') == [14]


# -- LAM302 unbounded-global-growth ------------------------------------------------------------


def test_deques_with_maxlen_are_bounded_however_it_is_passed():
    assert rows("LAM302", '''
        from collections import deque
        import collections

        A = deque([], 10)
        B = collections.deque(maxlen=50)
        C = deque(maxlen=None)
        D = deque()

        def lambda_handler(event, context):
            for q in (A, B):
                q.append(event["id"])
            A.append(event["id"])
            B.appendleft(event["id"])
            C.append(event["id"])
            D.extend(event["ids"])
    ''') == [14, 15]


@pytest.mark.parametrize("shrink", [
    "RESULTS.clear()",
    "RESULTS.pop(0)",
    "del RESULTS[:10]",
    "RESULTS[:] = []",
    "print(len(RESULTS))",
])
def test_any_shrink_anywhere_in_the_module_counts(shrink):
    source = f'''
        RESULTS = []

        def lambda_handler(event, context):
            RESULTS.append(event["id"])
            return list(RESULTS)

        def maintenance():
            {shrink}
    '''
    assert not findings("LAM302", source)
    assert findings("LAM302", source.replace(shrink, "pass"))


def test_a_reset_needs_the_global_statement():
    source = '''
        SEEN = set()

        def reset():
            {decl}
            SEEN = set()

        def lambda_handler(event, context):
            SEEN.add(event["id"])
            reset()
    '''
    assert not findings("LAM302", source.format(decl="global SEEN"))
    assert findings("LAM302", source.format(decl="pass"))


def test_locals_with_a_module_name_are_not_the_module_container():
    assert not findings("LAM302", '''
        CACHE = {}

        def lambda_handler(event, context):
            CACHE = {}
            CACHE[event["id"]] = event
            return CACHE
    ''')


def test_keys_that_are_the_same_for_every_request_are_bounded():
    assert not findings("LAM302", '''
        import os

        CLIENTS = {}
        FLAGS = set()

        def client_for(region):
            CLIENTS[region] = CLIENTS.get(region) or object()
            return CLIENTS[region]

        def lambda_handler(event, context):
            FLAGS.add("warm")
            FLAGS.update({"seen"})
            return client_for(os.environ["AWS_REGION"])
    ''')


def test_counters_and_defaultdicts_grow_through_item_access():
    assert rows("LAM302", '''
        from collections import Counter, defaultdict

        HITS = Counter()
        GROUPS = defaultdict(list)
        TOTALS = {"all": 0}

        def lambda_handler(event, context):
            HITS[event["path"]] += 1
            GROUPS[event["user"]].append(event["item"])
            TOTALS["all"] += 1
    ''') == [8, 9]


def test_a_container_passed_to_checked_code_may_be_shrunk_there():
    assert not findings("LAM302", '''
        BATCH = []

        def flush(items):
            items.clear()

        def lambda_handler(event, context):
            BATCH.append(event["id"])
            if event.get("last"):
                flush(BATCH)
    ''')


def test_growth_at_init_or_in_init_only_code_is_fine():
    assert not findings("LAM302", '''
        ROUTES = {}

        def route(path):
            def register(function):
                ROUTES[path] = function
                return function
            return register

        @route("/orders")
        def orders(event):
            return event

        def lambda_handler(event, context):
            return ROUTES[event["path"]](event)
    ''')


def test_bounded_caches_and_constant_arguments_are_fine():
    assert not findings("LAM302", '''
        import functools
        from functools import lru_cache

        @lru_cache
        def a(x):
            return x

        @lru_cache(maxsize=1024)
        def b(x):
            return x

        @functools.cache
        def c(x):
            return x

        def lambda_handler(event, context):
            return a(event["x"]), b(event["x"]), c("constant")
    ''')


def test_unbounded_cache_called_from_another_module():
    found = findings("LAM302", '''
        from shared.text import normalise

        def lambda_handler(event, context):
            return normalise(event["text"])
    ''', files={"shared/text.py": '''
        import functools

        @functools.lru_cache(maxsize=None)
        def normalise(text):
            return text.strip().lower()
    '''})
    assert [(str(d.path), d.location.row) for d in found] == [("app.py", 4)]
    assert "`@functools.lru_cache(maxsize=None)`" in found[0].message


def test_unbounded_cache_on_a_method_and_cachetools_into_a_dict():
    found = findings("LAM302", '''
        from services import enrich_all

        def handler(event, context):
            return enrich_all(event["Records"])
    ''', files={"services.py": '''
        import functools
        import json

        from cachetools import LRUCache, cached

        class Catalog:
            @functools.cache
            def describe(self, sku):
                return sku.upper()

            def enrich(self, item):
                return self.describe(item["sku"])

        @cached(cache={})
        def lookup(sku):
            return sku

        @cached(cache=LRUCache(maxsize=512))
        def bounded(sku):
            return sku

        CATALOG = Catalog()

        def enrich_all(records):
            out = []
            for record in records:
                item = json.loads(record["body"])
                out.append(CATALOG.enrich(item))
                out.append(lookup(item["sku"]))
                out.append(bounded(item["sku"]))
            return out
    '''})
    assert [(str(d.path), d.location.row) for d in found] == [("services.py", 12), ("services.py", 29)]


def test_unbounded_cache_keyed_by_configuration_with_an_event_fallback():
    # The secret's name comes from the environment; the event only supplies a default.
    assert rows("LAM302", '''
        import functools
        import os

        @functools.cache
        def get_credentials(secret_name):
            return secret_name

        def lambda_handler(event, context):
            secret_name = os.environ.get("SECRET_NAME", event.get("secret_name"))
            first = get_credentials(secret_name)
            second = get_credentials(os.getenv("OTHER_SECRET", event["other"]))
            return first, second, get_credentials(event["name"])
    ''') == [12]


def test_a_container_grown_from_another_module():
    assert findings("LAM302", '''
        from shared.state import SEEN

        def lambda_handler(event, context):
            SEEN.append(event["id"])
    ''', files={"shared/state.py": '''
        SEEN = []
    '''})


def test_a_container_of_another_module_names_its_module_and_follows_re_exports():
    found = findings("LAM302", '''
        from shared import SEEN

        def lambda_handler(event, context):
            SEEN.append(event["id"])
    ''', files={"shared/__init__.py": "from .state import SEEN\n", "shared/state.py": "SEEN = []\n"})
    assert [d.location.row for d in found] == [4]
    assert "`SEEN` of `shared.state`" in found[0].message


def test_a_container_its_own_module_may_empty_is_left_to_that_module():
    assert findings("LAM302", '''
        from shared.state import SEEN

        def lambda_handler(event, context):
            SEEN.append(event["id"])
    ''', files={"shared/state.py": '''
        SEEN = []

        def reset():
            SEEN.clear()
    '''}) == []
    assert findings("LAM302", '''
        from shared.state import SEEN

        def lambda_handler(event, context):
            SEEN.append(event["id"])
            if len(SEEN) > 100:
                SEEN.clear()
    ''', files={"shared/state.py": "SEEN = []\n"}) == []


# -- LAM303 tmp-file-leak ---------------------------------------------------------------------------


def test_random_names_and_varying_paths_are_flagged():
    assert rows("LAM303", '''
        import os
        import tempfile
        from pathlib import Path

        def lambda_handler(event, context):
            name = event["name"]
            a = open("/tmp/" + name, "wb")
            b = open("/tmp/%s.json" % name, "w")
            c = open("/tmp/{}.csv".format(name), "x")
            Path(f"/tmp/{name}").write_text("x")
            d = open(os.path.join(tempfile.gettempdir(), name), "w")
            e = tempfile.mkdtemp(dir="/tmp/jobs")
            return a, b, c, d, e
    ''') == [7, 8, 9, 10, 11, 12]


def test_fixed_names_and_auto_deleted_files_are_fine():
    assert not findings("LAM303", '''
        import tempfile

        OUTPUT = "/tmp/output.json"
        NAME = "report"

        def lambda_handler(event, context):
            with open(OUTPUT, "w") as f:
                f.write(event["body"])
            with open(f"/tmp/{NAME}.csv", "w") as f:
                f.write(event["body"])
            with open(f"/tmp/{event['name']}", "r") as f:
                data = f.read()
            with tempfile.NamedTemporaryFile(delete=True) as tmp:
                tmp.write(b"x")
            with tempfile.TemporaryDirectory() as work:
                open(f"{work}/{event['name']}", "w").close()
            return data, tempfile.mkdtemp(dir="/mnt/efs/jobs")
    ''')


@pytest.mark.parametrize("cleanup", [
    "os.remove(path)",
    "os.unlink(path)",
    "Path(path).unlink(missing_ok=True)",
    "shutil.rmtree('/tmp/work', ignore_errors=True)",
])
def test_any_removal_in_the_function_counts(cleanup):
    source = f'''
        import os
        import shutil
        from pathlib import Path

        def lambda_handler(event, context):
            path = f"/tmp/work/{{event['id']}}"
            with open(path, "w") as f:
                f.write("x")
            {cleanup}
    '''
    assert not findings("LAM303", source)
    assert findings("LAM303", source.replace(cleanup, "pass"))


def test_removal_by_a_caller_in_another_module_counts():
    files = {"work/files.py": '''
        import os
        import tempfile

        def stage(event):
            path = os.path.join(tempfile.gettempdir(), event["name"])
            with open(path, "wb") as f:
                f.write(event["body"].encode())
            return path
    '''}
    source = '''
        import os
        from work.files import stage

        def lambda_handler(event, context):
            path = stage(event)
            try:
                return len(path)
            finally:
                {cleanup}
    '''
    assert not findings("LAM303", source.format(cleanup="os.remove(path)"), files=files)
    found = findings("LAM303", source.format(cleanup="pass"), files=files)
    assert [(str(d.path), d.location.row) for d in found] == [("work/files.py", 6)]


def test_static_assets_cached_behind_an_existence_check():
    assert not findings("LAM303", '''
        from pathlib import Path
        import boto3

        s3 = boto3.client("s3")

        def model_path(version):
            local = Path("/tmp") / f"model-{version}.bin"
            if not local.exists():
                s3.download_file("models", f"{version}/model.bin", str(local))
            return local

        def lambda_handler(event, context):
            return model_path(event["version"]).stat().st_size
    ''')


def test_lazily_downloaded_assets_are_fine():
    assert not findings("LAM303", '''
        import boto3

        s3 = boto3.client("s3")
        _model = None

        def model(version):
            global _model
            if _model is None:
                path = f"/tmp/model-{version}.bin"
                s3.download_file("models", version, path)
                _model = path
            return _model

        def lambda_handler(event, context):
            return model(event["version"])
    ''')


# -- LAM304 unclosed-resource -------------------------------------------------------------------------


def test_with_closing_and_exit_stacks_manage_the_resource():
    assert not findings("LAM304", '''
        import contextlib
        import io
        import socket

        def lambda_handler(event, context):
            with open("/tmp/a") as a, io.open("/tmp/b") as b:
                first = a.read() + b.read()
            with contextlib.closing(socket.create_connection(("h", 80), timeout=2)) as conn:
                conn.sendall(b"x")
            with contextlib.ExitStack() as stack:
                files = [stack.enter_context(open(p)) for p in event["paths"]]
                sock = socket.socket()
                stack.callback(sock.close)
                return first, files, sock
    ''')


def test_a_close_on_some_path_counts_and_a_handed_on_resource_is_not_ours():
    assert not findings("LAM304", '''
        import socket

        class Client:
            def __init__(self, host):
                self.sock = socket.create_connection((host, 80), timeout=2)

        def open_log(path):
            log = open(path, "a")
            return log

        def lambda_handler(event, context):
            f = open(event["path"])
            if event.get("peek"):
                f.close()
                return None
            client = Client(event["host"])
            return f, client, open_log("/tmp/log")
    ''')


def test_messages_say_what_happens_to_the_resource():
    messages = [d.message for d in findings("LAM304", '''
        import json

        def lambda_handler(event, context):
            a = json.load(open("/tmp/a.json"))
            b = open("/tmp/b").read()
            c = open("/tmp/c")
            return a, b, c.read()
    ''')]
    assert "is passed to `json.load(...)` and never closed" in messages[0]
    assert "is used in place and never closed" in messages[1]
    assert "is bound to `c`, which is never closed" in messages[2]
