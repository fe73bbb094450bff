"""Name resolution across the modules of the checked tree (`Project.follow`).

`ModuleModel.qualify` follows a name imported from another module into that
module's module-level bindings: `session.get` after `from shared.http import
session` is `requests.Session().get` when `shared/http.py` binds `session =
requests.Session()`. `ModuleModel.origin` says where such a value is kept.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lambdalint.model import ModuleModel, Project
from lambdalint.registry import load_registry
from lambdalint.testing import run_rule

RULES = load_registry(include_plugins=False).rules


def models_of(files: dict[str, str]) -> dict[str, ModuleModel]:
    return {path: ModuleModel.build(cst.parse_module(textwrap.dedent(code).lstrip("\n")), path)
            for path, code in files.items()}


def build(files: dict[str, str]) -> dict[str, ModuleModel]:
    models = models_of(files)
    Project(models.values())
    return models


def build_lazily(files: dict[str, str], eager: tuple[str, ...] = ("app.py",),
                 peek: bool = False) -> tuple[Project, dict]:
    """A project whose other modules are built only when a name leads into them
    (with ``peek``, the project may read their text first, as a run's may)."""
    models = models_of(files)
    loaded: list[str] = []

    def load(rel_path: str) -> ModuleModel | None:
        loaded.append(rel_path)
        return models.get(rel_path)

    lazy = [(path, model.module_name) for path, model in models.items() if path not in eager]
    texts = {path: textwrap.dedent(code).lstrip("\n") for path, code in files.items()}
    project = Project([models[path] for path in eager], loader=load, lazy=lazy,
                      peek=(lambda rel: None if rel in loaded else texts.get(rel)) if peek else None)
    return project, {"models": models, "loaded": loaded}


def call_names(model: ModuleModel, function: str = "lambda_handler") -> list[str | None]:
    info = model.functions[function]
    return [model.qualify(call.func, info) for call in info.calls]


def expr_name(model: ModuleModel, code: str, function: str | None = None) -> str | None:
    info = model.functions[function] if function else None
    return model.qualify(cst.parse_expression(code), info)


SHARED = {
    "shared/__init__.py": """
        from .http import session
        from shared.aws import s3 as storage
        from boto3 import client as make_client
        from .models import Repo
    """,
    "shared/http.py": """
        import requests

        session = requests.Session()
    """,
    "shared/log.py": """
        from aws_lambda_powertools import Logger

        logger = Logger(service="orders")
        TABLE = "orders"
    """,
    "shared/aws.py": """
        import boto3

        s3 = boto3.client("s3")
        sqs = s3_alias = s3
    """,
    "shared/models.py": """
        class Repo:
            def save(self, item):
                return item
    """,
}


# -- objects imported from another module ---------------------------------------------------


def test_objects_imported_from_another_module_are_followed():
    app = build({**SHARED, "app.py": """
        from shared.http import session
        from shared.log import logger
        from shared.aws import s3

        def lambda_handler(event, context):
            session.get(event["url"])
            logger.info("hi")
            s3.get_object(Bucket="b", Key="k")
            session.get(event["url"]).json()
    """})["app.py"]
    assert call_names(app) == [
        "requests.Session().get",
        "aws_lambda_powertools.Logger().info",
        "boto3.client().get_object",
        "requests.Session().get().json",
        "requests.Session().get",
    ]


def test_module_attributes_and_local_aliases_are_followed():
    app = build({**SHARED, "app.py": """
        import shared.http
        import shared.aws as aws
        from shared import log

        http = shared.http.session

        def lambda_handler(event, context):
            client = aws.s3
            shared.http.session.post("u")
            client.put_object()
            log.logger.warning("w")
            http.get("u")
    """})["app.py"]
    assert call_names(app) == [
        "requests.Session().post",
        "boto3.client().put_object",
        "aws_lambda_powertools.Logger().warning",
        "requests.Session().get",
    ]


def test_a_binding_to_another_name_of_that_module_is_followed_there():
    app = build({**SHARED, "app.py": """
        from shared.aws import sqs, s3_alias
    """})["app.py"]
    assert expr_name(app, "sqs.send_message") == "boto3.client().send_message"
    assert expr_name(app, "s3_alias.list_buckets") == "boto3.client().list_buckets"


def test_constants_functions_and_classes_keep_their_names():
    app = build({**SHARED, "app.py": """
        from shared.log import TABLE
        from shared.models import Repo

        def lambda_handler(event, context):
            return Repo().save(TABLE)
    """})["app.py"]
    # A literal is not an object with a qualified name; classes and functions are
    # named where they are defined (Project.resolve finds them from there).
    assert expr_name(app, "TABLE") == "shared.log.TABLE"
    assert expr_name(app, "Repo().save") == "shared.models.Repo().save"


# -- re-exports -------------------------------------------------------------------------------


def test_re_exports_are_followed_to_the_binding():
    app = build({**SHARED, "app.py": """
        from shared import session, storage, make_client
        import shared
    """})["app.py"]
    assert expr_name(app, "session.get") == "requests.Session().get"
    assert expr_name(app, "storage.get_object") == "boto3.client().get_object"
    assert expr_name(app, "shared.session.get") == "requests.Session().get"
    # Re-exported from outside the tree: the outside name.
    assert expr_name(app, "make_client") == "boto3.client"
    assert expr_name(app, "make_client('s3').get_object") == "boto3.client().get_object"


def test_a_re_exported_class_keeps_the_importers_name_and_still_resolves():
    models = build({**SHARED, "app.py": """
        from shared import Repo

        def lambda_handler(event, context):
            return Repo().save(event)
    """})
    app = models["app.py"]
    assert expr_name(app, "Repo().save") == "shared.Repo().save"
    handler = app.functions["lambda_handler"]
    save = models["shared/models.py"].functions["Repo.save"]
    assert models["shared/models.py"].in_invocation_scope(save)
    assert [t for _, t, _ in app.project.call_targets(app, handler.calls[0], handler)] == [save]


def test_a_chain_of_re_exports_across_packages():
    app = build({
        "app.py": "from api import client\n",
        "api/__init__.py": "from api.clients import client\n",
        "api/clients/__init__.py": "from .aws import client\n",
        "api/clients/aws.py": "import boto3\nclient = boto3.client('dynamodb')\n",
    })["app.py"]
    assert expr_name(app, "client.query") == "boto3.client().query"


# -- what is left as written -------------------------------------------------------------------


def test_a_name_rebound_conditionally_is_left_unchanged():
    app = build({
        "app.py": "from shared.http import session\n",
        "shared/http.py": """
            import os
            import httpx
            import requests

            if os.environ.get("HTTPX"):
                session = httpx.Client()
            else:
                session = requests.Session()
        """,
    })["app.py"]
    assert expr_name(app, "session.get") == "shared.http.session.get"


def test_unknown_values_are_left_unchanged():
    app = build({
        "app.py": "from shared.state import config, items, missing, placeholder, first\n",
        "shared/state.py": """
            import json
            config = json.loads("{}")["x"]
            items = [1, 2]
            placeholder = None
            first, second = 1, 2
        """,
    })["app.py"]
    assert expr_name(app, "config.get") == "shared.state.config.get"
    assert expr_name(app, "items.append") == "shared.state.items.append"
    assert expr_name(app, "missing.x") == "shared.state.missing.x"
    assert expr_name(app, "placeholder.x") == "shared.state.placeholder.x"
    assert expr_name(app, "first.x") == "shared.state.first.x"


def test_a_none_placeholder_initialised_lazily_in_the_other_module():
    app = build({
        "app.py": """
            import shared.aws
            from shared.aws import _client, get_client

            def lambda_handler(event, context):
                get_client().get_object()
                shared.aws._client.put_object()
        """,
        "shared/aws.py": """
            import boto3

            _client = None

            def get_client():
                global _client
                if _client is None:
                    _client = boto3.client("s3")
                return _client
        """,
    })["app.py"]
    assert expr_name(app, "_client.list_buckets") == "boto3.client().list_buckets"
    # The function's result is not followed (that is Project.resolve's business).
    assert call_names(app) == ["shared.aws.get_client().get_object", "shared.aws.get_client",
                               "boto3.client().put_object"]


def test_function_locals_and_class_attributes_are_not_followed():
    app = build({
        "app.py": "from shared.things import Holder, make\n",
        "shared/things.py": """
            import requests

            class Holder:
                session = requests.Session()

            def make():
                session = requests.Session()
                return session
        """,
    })["app.py"]
    assert expr_name(app, "Holder.session.get") == "shared.things.Holder.session.get"
    assert expr_name(app, "make.session") == "shared.things.make.session"


def test_cycles_are_left_unchanged_whatever_is_asked_first():
    files = {
        "app.py": "from a import x\nfrom b import y\n",
        "a.py": "import b\nx = b.y\n",
        "b.py": "import a\ny = a.x\n",
        "c.py": "from d import z\n",
        "d.py": "from c import z\n",
    }
    unchanged = {"x.get": "a.x.get", "y.get": "b.y.get"}
    for order in (["x.get", "y.get"], ["y.get", "x.get"]):
        app = build(files)["app.py"]
        assert {code: expr_name(app, code) for code in order} == unchanged
    c = build(files)["c.py"]
    assert expr_name(c, "z.go") == "d.z.go"


def test_deep_chains_give_the_same_answers_in_any_order():
    n = 12  # more modules than a name is followed through
    files = {f"m{i}.py": f"import m{i + 1}\nv = m{i + 1}.v\n" if i < n else "import requests\nv = requests.Session()\n"
             for i in range(n + 1)}
    files["app.py"] = "".join(f"import m{i}\n" for i in range(n + 1))

    def answers(order):
        app = build(files)["app.py"]
        return {i: expr_name(app, f"m{i}.v.get") for i in order}

    forward = answers(range(n + 1))
    backward = answers(reversed(range(n + 1)))
    shuffled = answers([5, 0, 9, 3, 12, 1, 7, 2, 11, 4, 10, 6, 8])
    assert forward == backward == shuffled
    assert forward[n] == forward[n - 4] == "requests.Session().get"
    assert forward[0] == "m0.v.get"


def test_a_standard_library_name_is_not_a_project_module_by_suffix():
    app = build({
        "app.py": "import json\nimport logging\n",
        "utils/json.py": "import functools, json as _json\ndumps = functools.partial(_json.dumps, default=str)\n",
        "utils/logging.py": "import logging\ngetLogger = logging.getLogger('x')\n",
    })["app.py"]
    assert expr_name(app, "json.dumps") == "json.dumps"
    assert expr_name(app, "logging.getLogger") == "logging.getLogger"


def test_without_those_modules_names_are_as_before():
    code = """
        from shared.http import session
        import requests

        local = requests.Session()

        def lambda_handler(event, context):
            session.get("u")
            local.get("u")
    """
    alone = models_of({"app.py": code})["app.py"]  # no project at all
    in_project = build({"app.py": code, "other.py": "x = 1\n"})["app.py"]
    expected = ["shared.http.session.get", "requests.Session().get"]
    assert call_names(alone) == expected
    assert call_names(in_project) == expected


def test_modules_are_loaded_only_when_a_name_leads_into_them():
    files = {**SHARED, "app.py": """
        from shared.http import session

        def lambda_handler(event, context):
            return session.get("u")
    """, "unrelated.py": "import requests\nsession = requests.Session()\n"}
    project, seen = build_lazily(files)
    app = seen["models"]["app.py"]
    assert call_names(app) == ["requests.Session().get"]
    assert "unrelated.py" not in seen["loaded"]
    assert "shared/http.py" in seen["loaded"]
    eager = build(files)["app.py"]
    assert call_names(eager) == call_names(app)


def test_a_name_its_module_binds_only_by_def_or_class_is_followed_without_loading_it():
    """Rules qualify every call, in any function; following `helper` into `lib.py`
    only to learn it is a function of the project parsed and modelled a module
    for nothing."""
    files = {
        "app.py": """
            from lib import Client, helper, session, renamed

            def report(event):  # not an entry point: no call of it loads a module
                helper(event)
                Client().send()
                session.get("u")
                return renamed.get("u")
        """,
        "lib.py": """
            import requests
            from requests import Session as renamed  # a re-export: followed

            session = requests.Session()

            def helper(event):
                \"\"\"helper(event) is documented here.\"\"\"
                return helper

            class Client:
                def send(self):
                    return Client
        """,
    }
    project, seen = build_lazily(files, peek=True)
    app = seen["models"]["app.py"]
    assert expr_name(app, "helper", "report") == "lib.helper"
    assert expr_name(app, "Client().send", "report") == "lib.Client().send"
    assert seen["loaded"] == []
    assert expr_name(app, "session.get", "report") == "requests.Session().get"
    assert expr_name(app, "renamed.get", "report") == "requests.Session.get"
    assert seen["loaded"] == ["lib.py"]
    assert call_names(app, "report") == call_names(build(files)["app.py"], "report")


@pytest.mark.parametrize("binding", [
    "helper = make()", "helper: Callable = make()", "from impl import helper", "from impl import (\n    helper,\n)",
    "import helper", "a, helper = 1, 2", "for helper in []:\n    pass", "with open('f') as helper:\n    pass",
    "def set_up():\n    global helper\n    helper = 1", "from impl import *",
])
def test_any_other_binding_of_the_name_loads_the_module(binding: str):
    files = {
        "app.py": "from lib import helper\n\n\ndef report(event):\n    return helper(event)\n",
        "lib.py": f"def helper(event):\n    return event\n\n\n{binding}\n",
        "impl.py": "def helper(event):\n    return event\n",
    }
    project, seen = build_lazily(files, peek=True)
    assert seen["loaded"] == []
    call_names(seen["models"]["app.py"], "report")
    assert "lib.py" in seen["loaded"]


def test_objects_of_project_classes_put_their_methods_in_invocation_scope():
    models = build({
        "app.py": """
            from shared.store import store

            def lambda_handler(event, context):
                return store.save(event)
        """,
        "shared/store.py": """
            class Store:
                def save(self, item):
                    return item

            store = Store()
        """,
    })
    store = models["shared/store.py"]
    assert store.in_invocation_scope(store.functions["Store.save"])


def test_routes_on_a_resolver_built_in_another_module_are_entry_points():
    routes = build({
        "routes.py": """
            from shared.web import app

            @app.get("/orders/<order_id>")
            def get_order(order_id):
                return {"id": order_id}
        """,
        "shared/web.py": """
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            app = APIGatewayRestResolver()
        """,
    })["routes.py"]
    assert [(e.function.qualname, e.kind, e.event_params) for e in routes.entry_points] == [
        ("get_order", "route", ("order_id",))]


# -- origin: where a value is kept ---------------------------------------------------------------


def test_origin_names_the_module_level_variable():
    models = build({**SHARED, "app.py": """
        import shared.http
        from shared import session
        from shared.aws import s3

        CACHE = {}

        def lambda_handler(event, context):
            local = 1
            return CACHE, local, event
    """})
    app = models["app.py"]
    handler = app.functions["lambda_handler"]

    def origin(code: str):
        site = app.origin(cst.parse_expression(code), handler)
        return None if site is None else (site[0].rel_path, site[1], site[2])

    assert origin("CACHE") == ("app.py", "CACHE", "")
    assert origin("s3") == ("shared/aws.py", "s3", "")
    assert origin("session.get") == ("shared/http.py", "session", ".get")
    assert origin("shared.http.session") == ("shared/http.py", "session", "")
    assert origin("local") is None
    assert origin("event") is None
    assert origin("json.dumps") is None
    assert origin("s3.get_object()") is None  # not a dotted name


# -- rules that read the answer ---------------------------------------------------------------------


def findings(code: str, files: dict[str, str]) -> list[tuple[str, int]]:
    project = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    result = run_rule(RULES[code], project)
    assert not result.internal_error, result.messages
    return [(d.path.as_posix(), d.location.row) for d in result.diagnostics if d.code == code]


def test_an_adapter_mounted_where_the_session_is_built_counts():
    app = """
        import requests
        from shared.http import session

        def lambda_handler(event, context):
            try:
                return session.get("https://example.com")
            except requests.RequestException:
                return None
    """
    plain = "import requests\n\nsession = requests.Session()\n"
    mounted = plain + "session.mount('https://', requests.adapters.HTTPAdapter())\n"
    assert findings("LAM201", {"app.py": app, "shared/http.py": plain}) == [("app.py", 6)]
    assert findings("LAM201", {"app.py": app, "shared/http.py": mounted}) == []


@pytest.mark.parametrize(("service", "expected"), [("events", [("app.py", 4)]), ("personalize-events", [])])
def test_the_service_of_a_client_built_in_another_module(service, expected):
    app = """
        from shared.aws import client

        def lambda_handler(event, context):
            client.put_events(Entries=event["entries"])
    """
    shared = f"import boto3\n\nclient = boto3.client({service!r})\n"
    assert findings("LAM504", {"app.py": app, "shared/aws.py": shared}) == expected
