"""The execution model: handlers, invocation scope, lazy init and derived values."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lambdalint.model import EVENT, STS, HandlerSpec, ModuleModel, Project, analyses


def build(files: dict[str, str], handlers: list[str] = ()) -> dict[str, ModuleModel]:
    models = {
        path: ModuleModel.build(cst.parse_module(textwrap.dedent(code)), path)
        for path, code in files.items()
    }
    Project(models.values(), [HandlerSpec.parse(h) for h in handlers])
    return models


def entries(model: ModuleModel) -> dict[str, tuple[str, str]]:
    return {e.function.qualname: (e.kind, e.reason) for e in model.entry_points}


def in_scope(model: ModuleModel) -> set[str]:
    return {f.qualname for f in model.functions.values() if model.in_invocation_scope(f)}


# -- handler discovery -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def process(event, context): pass", {"process"}),
        ("def process(_event, _context): pass", {"process"}),
        ("async def process(event, context): pass", {"process"}),
        ("def lambda_handler(evt, ctx): pass", {"lambda_handler"}),
        ("def lambda_handler(evt): pass", {"lambda_handler"}),
        ("def handler(request, ctx): pass", {"handler"}),
        ("def handler(request): pass", set()),
        ("def process(request, response): pass", set()),
        ("class C:\n    def lambda_handler(self, event, context): pass", set()),
        ("def outer():\n    def lambda_handler(event, context): pass", set()),
    ],
)
def test_handlers_by_name_and_signature(code, expected):
    model = build({"app.py": code})["app.py"]
    assert {e.function.qualname for e in model.handlers()} == expected


def test_powertools_decorators_make_handlers():
    model = build({"app.py": """
        from aws_lambda_powertools import Logger, Tracer
        from aws_lambda_powertools.utilities.data_classes import event_source, SQSEvent
        from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
        from pydantic import validator

        logger = Logger()
        tracer = Tracer()

        @lambda_handler_decorator
        def audit(handler, event, context):
            return handler(event, context)

        @logger.inject_lambda_context
        @tracer.capture_lambda_handler
        def main(payload, ctx):
            pass

        @event_source(data_class=SQSEvent)
        def consume(records, ctx):
            pass

        @audit
        def audited(a, b):
            pass

        @validator("name")
        def check_name(value):
            pass
    """})["app.py"]
    found = entries(model)
    assert found["main"] == ("handler", "decorator @logger.inject_lambda_context")
    assert found["consume"][0] == "handler"
    assert found["audited"][0] == "handler"
    assert "check_name" not in found


def test_routes_and_record_handlers():
    model = build({"app.py": """
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
        from flask import Flask

        app = APIGatewayRestResolver()
        processor = BatchProcessor(event_type=EventType.SQS)
        web = Flask(__name__)

        @app.get("/orders/<order_id>")
        def get_order(order_id):
            return {"id": order_id}

        @web.get("/flask")
        def flask_view():
            pass

        def record_handler(record):
            return record.body

        def lambda_handler(event, context):
            return process_partial_response(event=event, record_handler=record_handler, processor=processor)
    """})["app.py"]
    found = entries(model)
    assert found["get_order"] == ("route", "route @app.get")
    assert found["record_handler"][0] == "record-handler"
    assert "flask_view" not in found
    route = next(e for e in model.entry_points if e.function.qualname == "get_order")
    assert route.event_params == ("order_id",)
    assert EVENT in analyses.labels_table(model, route.function)["order_id"]


@pytest.mark.parametrize("spec", ["app.py:process", "app.process", "src/app.py:process"])
def test_config_handlers(spec):
    path = "src/app.py" if spec.startswith("src/") else "app.py"
    model = build({path: "def process(evt, ctx): pass\ndef other(x): pass"}, [spec])[path]
    assert entries(model) == {"process": ("handler", "config")}


def test_bad_handler_spec():
    with pytest.raises(ValueError):
        HandlerSpec.parse("not a spec")


# -- invocation scope --------------------------------------------------------------


def test_scope_follows_calls_but_not_module_only_callers():
    model = build({"app.py": """
        def helper():
            return inner()

        def inner():
            pass

        def init_only():
            pass

        CONFIG = init_only()

        def lambda_handler(event, context):
            helper()
    """})["app.py"]
    assert in_scope(model) == {"lambda_handler", "helper", "inner"}
    chain = model.scope_chain(model.functions["inner"])
    assert chain == ("app.lambda_handler", "app.helper", "app.inner")


def test_scope_crosses_modules():
    models = build({
        "src/orders/app.py": """
            from shared.aws import make_client
            import shared.db as db
            from .local import tidy

            def lambda_handler(event, context):
                make_client()
                db.connect()
                tidy()
        """,
        "src/shared/aws.py": "def make_client(): pass\ndef unused(): pass",
        "src/shared/db.py": "def connect(): pass",
        "src/orders/local.py": "def tidy(): pass",
        "other/shared/aws.py": "def make_client(): pass",
    })
    assert in_scope(models["src/shared/aws.py"]) == {"make_client"}
    assert in_scope(models["src/shared/db.py"]) == {"connect"}
    assert in_scope(models["src/orders/local.py"]) == {"tidy"}
    # With two modules named shared.aws, the nearer one is meant.
    assert in_scope(models["other/shared/aws.py"]) == set()


def test_scope_through_reexport():
    models = build({
        "pkg/__init__.py": "from .impl import work",
        "pkg/impl.py": "def work(): pass",
        "app.py": "from pkg import work\ndef lambda_handler(event, context):\n    work()",
    })
    assert in_scope(models["pkg/impl.py"]) == {"work"}


def test_classes_instantiated_per_invocation_vs_at_module_scope():
    model = build({"app.py": """
        class OrderProcessor:
            def __init__(self):
                pass
            def run(self, event):
                return self.step(event)
            def step(self, event):
                pass
            def unused(self):
                pass

        class AuditLog:
            def __init__(self):
                pass
            def write(self, message):
                pass

        audit = AuditLog()

        def lambda_handler(event, context):
            audit.write("x")
            processor = OrderProcessor()
            return processor.run(event)
    """})["app.py"]
    assert in_scope(model) == {
        "lambda_handler", "OrderProcessor.__init__", "OrderProcessor.run", "OrderProcessor.step",
        "AuditLog.write",
    }


def test_cached_factories_and_callbacks():
    model = build({"app.py": """
        import functools
        from functools import lru_cache

        @functools.cache
        def settings():
            return load()

        @lru_cache(maxsize=None)
        def client_for(name):
            pass

        def load():
            pass

        def transform(item):
            pass

        def lambda_handler(event, context):
            settings()
            client_for("s3")
            return list(map(transform, event["items"]))
    """})["app.py"]
    assert in_scope(model) == {"lambda_handler", "transform"}


def test_decorator_wrapper_runs_per_invocation_but_decorator_body_does_not():
    model = build({"app.py": """
        def with_logging(fn):
            setup()
            def wrapper(event, context):
                return fn(event, context)
            return wrapper

        def setup():
            pass

        @with_logging
        def lambda_handler(event, context):
            pass
    """})["app.py"]
    assert in_scope(model) == {"lambda_handler", "with_logging.<locals>.wrapper"}


# -- lazy initialisation -------------------------------------------------------------


def lazy_count(code: str) -> int:
    return len(build({"app.py": code})["app.py"].summary.lazy_calls)


@pytest.mark.parametrize(
    "code",
    [
        """
        _c = None
        def get():
            global _c
            if _c is None:
                _c = make()
            return _c
        """,
        """
        _c = None
        def get():
            global _c
            if not _c:
                _c = make()
            return _c
        """,
        """
        _c = None
        def get():
            global _c
            _c = _c or make()
            return _c
        """,
        """
        CACHE = {}
        def get(name):
            if name not in CACHE:
                CACHE[name] = make(name)
            return CACHE[name]
        """,
        """
        class Repo:
            def client(self):
                if self._client is None:
                    self._client = make()
                return self._client
        """,
        """
        _secret = None
        def secret():
            global _secret
            if _secret is not None:
                return _secret
            resp = make()
            _secret = resp["SecretString"]
            return _secret
        """,
        """
        CACHE = {}
        def get(name):
            if name not in CACHE:
                resp = make(name)
                CACHE[name] = resp["Value"]
            return CACHE[name]
        """,
        """
        conn = None
        def query():
            global conn
            try:
                conn.ping()
            except Exception:
                conn = make()
        """,
    ],
)
def test_lazy_init_shapes(code):
    assert lazy_count(code) == 1


def test_local_guard_is_not_lazy():
    assert lazy_count("""
        def handler(event, context):
            client = None
            if client is None:
                client = make()
    """) == 0


# -- derived values ---------------------------------------------------------------------


def test_event_labels_follow_assignments_calls_and_returns():
    model = build({"app.py": """
        import json

        def pick(body):
            return body["region"]

        def lambda_handler(evt, ctx):
            body = json.loads(evt["body"])
            region = pick(body)
            for record in evt.get("Records", []):
                key = record["s3"]["object"]["key"]
            constant = "eu-west-1"
            return region, key, constant
    """})["app.py"]
    handler = model.functions["lambda_handler"]
    labels = analyses.labels_table(model, handler)
    assert EVENT in labels["body"]
    assert EVENT in labels["region"]
    assert EVENT in labels["key"]
    assert not labels["constant"]
    assert EVENT in analyses.labels_table(model, model.functions["pick"])["body"]


def test_sts_labels():
    model = build({"app.py": """
        import boto3
        sts = boto3.client("sts")

        def lambda_handler(event, context):
            creds = sts.assume_role(RoleArn="arn", RoleSessionName="s")["Credentials"]
            key = creds["AccessKeyId"]
            return key
    """})["app.py"]
    labels = analyses.labels_table(model, model.functions["lambda_handler"])
    assert STS in labels["key"]
    assert EVENT not in labels["key"]


def test_sts_labels_of_a_dict_filled_key_by_key():
    """`boto3.client(**config)` with STS credentials written into `config` one key at a
    time holds them (LAM101 then leaves the per-call client alone); other items do not
    label the dict."""
    model = build({"app.py": """
        import boto3
        sts = boto3.client("sts")

        def lambda_handler(event, context):
            config = {"service_name": "s3"}
            if event.get("role"):
                credentials = sts.assume_role(RoleArn="arn", RoleSessionName="s")["Credentials"]
                config["aws_session_token"] = credentials["SessionToken"]
            plain = {"service_name": "sqs"}
            plain["region_name"] = event["region"]
            return boto3.client(**config), plain
    """})["app.py"]
    labels = analyses.labels_table(model, model.functions["lambda_handler"])
    assert STS in labels["config"]
    assert not labels["plain"]


def test_a_dict_whose_items_read_it_is_labelled_once(monkeypatch: pytest.MonkeyPatch):
    """`order["total"] = order["price"] + order["fee"]`: the items written into a dict
    are a cell of the solver, so a dict whose items read itself (or others filled the
    same way) is followed once; it used to be followed again on every read, down to
    the recursion limit (60 s for one handler of the e-commerce sample)."""
    from lambdalint.model.labels import Labels

    lines = [f'    order["k{i}"] = order["k{i - 1}"] + order["k{max(i - 2, 0)}"] + credentials["SessionToken"]'
             for i in range(1, 40)]
    model = build({"app.py": "\n".join([
        "import boto3",
        "sts = boto3.client('sts')",
        "",
        "def lambda_handler(event, context):",
        "    credentials = sts.assume_role(RoleArn='arn', RoleSessionName='s')['Credentials']",
        "    order = {'k0': event['price']}",
        *lines,
        "    return order",
    ])})["app.py"]
    calls = 0
    expr = Labels.expr

    def counted(self, *args):
        nonlocal calls
        calls += 1
        return expr(self, *args)

    monkeypatch.setattr(Labels, "expr", counted)
    labels = analyses.labels_table(model, model.functions["lambda_handler"])
    assert STS in labels["order"] and EVENT in labels["order"]
    assert calls < 1000


# -- qualified names ---------------------------------------------------------------------


def test_qualified_names_for_aliases_and_bindings():
    model = build({"app.py": """
        import boto3 as aws
        from boto3 import client as mk
        from requests import get as http_get
        import botocore.session

        session = aws.Session()

        def lambda_handler(event, context):
            s3 = mk("s3")
            s3.get_object(Bucket="b", Key="k")
            session.client("sqs")
            http_get("https://example.com")
            botocore.session.get_session().create_client("s3")
            open("x")
    """})["app.py"]
    handler = model.functions["lambda_handler"]
    names = [model.qualify(call.func, handler) for call in handler.calls]
    assert names == [
        "boto3.client",
        "boto3.client().get_object",
        "boto3.Session().client",
        "requests.get",
        "botocore.session.get_session().create_client",
        "botocore.session.get_session",
        "builtins.open",
    ]


def test_def_header_runs_where_the_def_runs():
    from lambdalint.testing import run_rule
    from lambdalint.registry import load_registry

    rule = load_registry(include_plugins=False).rules["LAM101"]
    code = textwrap.dedent("""
        import boto3

        def lambda_handler(event, context, s3=boto3.client("s3")):
            def inner(x=boto3.client("sqs")):
                return x
            return inner()
    """)
    found = run_rule(rule, {"app.py": code}).diagnostics
    assert [d.location.row for d in found] == [5]


def test_entries_reaching_lists_every_handler_that_runs_a_function():
    models = build({
        "app.py": """
            from shared import save

            def api(event, context):
                return save(event)

            def worker(event, context):
                for record in event["Records"]:
                    save(record)

            def other(event, context):
                pass
        """,
        "shared.py": "def save(item):\n    def inner():\n        pass\n    return inner()\n",
    })
    shared = models["shared.py"]
    project = shared.project
    save = shared.functions["save"]
    inner = shared.functions["save.<locals>.inner"]
    names = [entry.function.name for _, entry in project.entries_reaching(shared, save)]
    assert names == ["api", "worker"]
    assert [e.function.name for _, e in project.entries_reaching(shared, inner)] == ["api", "worker"]
    app = models["app.py"]
    assert [e.function.name for _, e in project.entries_reaching(app, app.functions["other"])] == ["other"]


def test_bind_arguments_follows_python_binding():
    from lambdalint.model.labels import bind_arguments

    model = build({"app.py": "def run(c, *extra, **options):\n    pass\nrun(x, y, extra=z, c2=w)\n"})["app.py"]
    call = model.summary.module_calls[0]
    pairs = [(param, cst.Module([]).code_for_node(arg)) for param, arg in
             bind_arguments(model.functions["run"], call, bound=False)]
    assert pairs == [("c", "x"), ("extra", "y"), ("options", "z"), ("options", "w")]


@pytest.mark.parametrize("name", ["json/decoder.py", "textwrap.py", "dataclasses.py", "argparse.py", "asyncio/tasks.py"])
def test_assignments_of_a_block_are_found_walking_only_statements(name: str):
    """The lazy-init check collects what an `if` block assigns for every `if` in a
    function; it walks only statements, and must find what a walk of every node
    finds (assignments are statements; nested functions and classes are not the
    block's)."""
    import sysconfig
    from pathlib import Path

    from lambdalint.model.summary import _assigned_keys
    from lambdalint.walk import children

    def key_of(target, function):  # type: ignore[no-untyped-def]
        return cst.Module([]).code_for_node(target)

    def every_node(block):  # type: ignore[no-untyped-def]
        keys, stack = set(), [block]
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(node, cst.Assign):
                keys.update(key_of(t.target, None) for t in node.targets)
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
                keys.add(key_of(node.target, None))
            stack.extend(children(node))
        return keys

    module = cst.parse_module((Path(sysconfig.get_paths()["stdlib"]) / name).read_bytes())
    blocks = []
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.If, cst.For, cst.While, cst.With, cst.Try)):
            blocks.append(node.body)
        stack.extend(children(node))
    assert len(blocks) > 20
    for block in blocks:
        assert _assigned_keys(block, None, key_of) == every_node(block)
