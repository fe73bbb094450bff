"""The model's dataflow engine (lambdalint.model.dataflow), through a small analysis of
its own (which string constants a value can be) and through the labels built on it."""

from __future__ import annotations

import textwrap

import libcst as cst

from lambdalint.model import EVENT, ModuleModel, Project, analyses
from lambdalint.model.dataflow import EMPTY, Cells, Dataflow, analysis_for, returned_values
from lambdalint.model.taint import TaintEngine
from lambdalint.walk import children


class Strings(Dataflow):
    """The string constants a value may be: literals, names, calls of project
    functions, and what callers in invocation scope pass to parameters."""

    def expr(self, model, node, function):  # type: ignore[no-untyped-def]
        if isinstance(node, cst.SimpleString):
            return frozenset({node.evaluated_value})
        if isinstance(node, cst.Name):
            return self.name(model, node.value, function)
        if isinstance(node, cst.Attribute):  # `settings.REGION`
            found = self.imported_node(model, node, function)
            return self.module_name(*found) if found is not None else EMPTY
        if isinstance(node, cst.Call):
            return self.called(model, node, function) or EMPTY
        if isinstance(node, (cst.IfExp,)):
            return self.union(model, (node.body, node.orelse), function)
        return EMPTY

    def parameter(self, model, function, name):  # type: ignore[no-untyped-def]
        return self.arguments(model, function, name)


def build(files: dict[str, str]) -> tuple[Project, dict[str, ModuleModel]]:
    models = {path: ModuleModel.build(cst.parse_module(textwrap.dedent(code).lstrip("\n")), path)
              for path, code in files.items()}
    return Project(models.values(), []), models


def call_named(model: ModuleModel, name: str) -> tuple[cst.Call, list[cst.CSTNode]]:
    """The first call of ``name(...)`` in the module, and its ancestors from the module down."""
    stack: list[tuple[cst.CSTNode, list[cst.CSTNode]]] = [(model.module, [])]
    while stack:
        node, path = stack.pop(0)
        path = [*path, node]
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name:
            return node, path
        stack.extend((child, path) for child in children(node))
    raise AssertionError(name)


def strings_at(project: Project, model: ModuleModel, function: str, call: str, at: bool = False) -> set[str]:
    node, path = call_named(model, call)
    flow = analysis_for(project, Strings)
    return set(flow.facts(model, node.args[0].value, model.functions[function], path if at else None))


def test_names_imports_helpers_and_globals_across_modules():
    project, models = build({
        "app.py": """
            from settings import TABLE, pick
            import settings

            MODE = "batch"

            def refresh():
                global MODE
                MODE = "stream"

            def lambda_handler(event, context):
                name = pick(TABLE)
                emit(name)
                emit(settings.REGION)
                emit(MODE)

            def emit(value):
                return value
        """,
        "settings.py": """
            TABLE = "orders"
            REGION = "eu-west-1" if FLAG else "us-east-1"

            def pick(default):
                return default if default else "fallback"
        """,
    })
    app = models["app.py"]
    flow = analysis_for(project, Strings)
    handler = app.functions["lambda_handler"]
    calls = [c for c in handler.calls if isinstance(c.func, cst.Name) and c.func.value == "emit"]
    shown = [set(flow.facts(app, c.args[0].value, handler)) for c in calls]
    # A helper of another module returns its parameter (what this call passes) or its own constant.
    assert shown[0] == {"orders", "fallback"}
    # A module-level name of another module, read through the module.
    assert shown[1] == {"eu-west-1", "us-east-1"}
    # A module-level name holds what module scope assigns and what `global` writes add.
    assert shown[2] == {"batch", "stream"}
    # A parameter holds what every call in invocation scope passes it.
    assert set(flow.param(app, app.functions["emit"], "value")) == {
        "orders", "fallback", "eu-west-1", "us-east-1", "batch", "stream"}


def test_recursion_is_solved_to_a_fixpoint():
    """Mutually recursive helpers in another module: what `a` returns depends on `b`,
    which calls `a` back; the cells are recomputed until nothing changes."""
    project, models = build({
        "app.py": """
            from lib.walk import a

            def lambda_handler(event, context):
                emit(a("start", 0))

            def emit(value):
                pass
        """,
        "lib/walk.py": """
            def a(x, n):
                if n:
                    return b(x, n)
                return "done"

            def b(y, n):
                return a(y, n) if n else y
        """,
    })
    assert strings_at(project, models["app.py"], "lambda_handler", "emit") == {"done", "start"}
    walk = models["lib/walk.py"]
    labels = analyses.labels_table(walk, walk.functions["b"])
    assert labels["y"] == set()  # nothing from the event reaches it here
    project, models = build({
        "app.py": """
            from lib.walk import a

            def lambda_handler(event, context):
                return a(event["body"], 3)
        """,
        "lib/walk.py": """
            def a(x, n):
                return b(x, n - 1) if n else x

            def b(y, n):
                return a(y, n)
        """,
    })
    walk = models["lib/walk.py"]
    assert EVENT in analyses.labels_table(walk, walk.functions["b"])["y"]
    app = models["app.py"]
    returned = app.functions["lambda_handler"].returns[0]
    assert EVENT in analyses.labels_of(app, returned, app.functions["lambda_handler"])


def test_a_read_sees_only_the_assignments_that_reach_it():
    project, models = build({
        "app.py": """
            def lambda_handler(event, context):
                token = "secret"
                first(token)
                token = "masked"
                second(token)

            def first(x):
                pass

            def second(x):
                pass
        """,
    })
    app = models["app.py"]
    assert strings_at(project, app, "lambda_handler", "second") == {"secret", "masked"}
    assert strings_at(project, app, "lambda_handler", "second", at=True) == {"masked"}
    assert strings_at(project, app, "lambda_handler", "first", at=True) == {"secret"}


def test_an_analysis_is_built_once_per_project_and_key():
    project, _ = build({"app.py": "def lambda_handler(event, context):\n    pass\n"})
    assert analysis_for(project, Strings) is analysis_for(project, Strings)
    other, _ = build({"app.py": "def lambda_handler(event, context):\n    pass\n"})
    assert analysis_for(other, Strings) is not analysis_for(project, Strings)


def test_values_returned_by_a_helper_come_with_their_module_and_function():
    project, models = build({
        "app.py": """
            from shared.s3 import open_body

            def lambda_handler(event, context):
                return open_body(event["key"]).read()
        """,
        "shared/s3.py": """
            def open_body(key):
                if not key:
                    return None
                return CLIENT.get_object(Bucket="b", Key=key)["Body"]
        """,
    })
    app = models["app.py"]
    handler = app.functions["lambda_handler"]
    call = next(c for c in handler.calls if isinstance(c.func, cst.Name))
    found = returned_values(project, app, call, handler)
    assert [(m.rel_path, f.name) for m, f, _ in found] == [("shared/s3.py", "open_body")] * 2
    assert [cst.Module([]).code_for_node(v) for _, _, v in found] == [
        "None", 'CLIENT.get_object(Bucket="b", Key=key)["Body"]']


class Depth(Cells):
    """Cells whose values are numbers, not sets of facts: how many calls deep a chain
    of `calls` goes from a node (at most 5), through a cycle."""

    def __init__(self, calls: dict[str, list[str]]) -> None:
        super().__init__()
        self.calls = calls
        self.computed: list[str] = []

    def depth(self, node: str) -> int:
        return self.cell(("depth", node), Depth._equation, (node,))  # type: ignore[return-value]

    def _equation(self, node: str) -> int:
        self.computed.append(node)
        return min(5, 1 + max((self.depth(n) for n in self.calls[node]), default=0))

    def bottom(self, key: tuple) -> object:
        return 0

    def join(self, old: object, new: object) -> object | None:
        return new if new > old else None  # type: ignore[operator]


def test_the_solver_takes_values_that_say_how_they_start_and_change():
    acyclic = Depth({"a": ["b"], "b": ["c"], "c": []})
    assert acyclic.depth("a") == 3
    assert sorted(acyclic.computed) == ["a", "b", "c"]  # each cell once
    cyclic = Depth({"a": ["b"], "b": ["a"], "c": ["a"]})
    assert cyclic.depth("c") == 5  # the cycle grows until the cap


def test_the_event_flows_are_analyses_on_the_engine():
    """Record names, whole-event parameters, event key paths and taint's summaries are
    all solved by the engine, across modules."""
    project, models = build({
        "app.py": """
            import os
            from lib.work import handle

            def lambda_handler(event, context):
                for record in event["Records"]:
                    handle(record, event)

            def route(event, context):
                os.system(walk(event["cmd"], 3))

            def walk(value, n):
                return value if not n else back(value, n - 1)

            def back(value, n):
                return walk(value, n)
        """,
        "lib/work.py": """
            def handle(item, whole):
                key = item["s3"]["object"]["key"]
                inner(item)
                return whole["detail-type"], key

            def inner(element):
                return element["body"]
        """,
    })
    app, work = models["app.py"], models["lib/work.py"]
    handler = next(e for e in app.entry_points if e.function.name == "lambda_handler")
    profile = analyses.event_sources(app, handler)
    assert profile is not None
    assert "item" in profile.record_names[id(work.functions["handle"])]
    assert "element" in profile.record_names[id(work.functions["inner"])]
    paths = event_path_flow(project)
    assert isinstance(paths, Dataflow)
    assert paths.table(work.functions["handle"]).get("key") == ("s3", "object", "key")
    report = analyses.taint(app)
    assert any(f.kind == "shell" for f in report)
    engine = project._analyses[TaintEngine]
    assert isinstance(engine, Cells)
    assert id(app.functions["walk"]) in engine.summaries and id(app.functions["back"]) in engine.summaries


def event_path_flow(project: Project) -> Dataflow:
    from lambdalint.catalog import events as ev
    from lambdalint.rules._events import EventPath

    return analysis_for(project, EventPath, ev.S3_KEY_PATH, False)


def test_what_rules_work_out_is_kept_once_per_project():
    project, models = build({
        "app.py": "from lib import helper\n\ndef lambda_handler(event, context):\n    helper()\n",
        "lib.py": "def helper():\n    pass\n",
    })
    helper = models["lib.py"].functions["helper"]
    asked: list[str] = []

    def answer() -> bool:
        asked.append("asked")
        return False

    for model in models.values():  # two files of one project ask about the same function
        assert analyses.kept(model, "is it slow", helper, answer) is False
    assert asked == ["asked"]
    alone = ModuleModel.build(cst.parse_module("x = 1\n"), "alone.py")
    analyses.kept(alone, "is it slow", helper, answer)
    analyses.kept(alone, "is it slow", helper, answer)
    assert len(asked) == 3  # a model on its own keeps nothing
