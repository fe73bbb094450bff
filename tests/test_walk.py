"""The fast walk visits exactly what LibCST's visitor visits, in the same order."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest

import lambdalint.engine
import lambdalint.model.summary
from lambdalint.walk import TRIVIA_TYPES, children, walk, walk_visitor

SOURCES = [Path(inspect.getfile(module)) for module in (lambdalint.engine, lambdalint.model.summary)]
SAMPLE = '''
@decorator(x=1)  # comment
async def f(a, /, b: int = 2, *args, c, **kw) -> "T":
    async with open(a) as h, ctx() as (x, y):
        pass
    match a:
        case [1, *rest] if rest:
            return {k: v for k, v in kw.items()}
    try:
        yield from (i async for i in g())
    except* ValueError as e:
        raise e from None
    lambda q=1: q ** 2 if q else -q
    print(f"{a!r:>{b}}", *args, sep="")
    global z
'''


def _libcst_order(module: cst.Module) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []

    class Recorder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            seen.append(("visit", id(node)))
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            seen.append(("leave", id(original_node)))

    module.visit(Recorder())
    return seen


@pytest.mark.parametrize("source", [SAMPLE, *[p.read_text() for p in SOURCES]], ids=["sample", "engine", "summary"])
def test_full_walk_matches_libcst_visitor(source):
    module = cst.parse_module(source)
    seen: list[tuple[str, int]] = []
    walk(module, lambda n: seen.append(("visit", id(n))), lambda n: seen.append(("leave", id(n))), with_trivia=True)
    assert seen == _libcst_order(module)


def test_walk_without_trivia_skips_only_trivia():
    module = cst.parse_module(SAMPLE)
    full: list[cst.CSTNode] = []
    lean: list[cst.CSTNode] = []
    walk(module, full.append, lambda n: None, with_trivia=True)
    walk(module, lean.append, lambda n: None)
    assert lean == [n for n in full if type(n) not in TRIVIA_TYPES]


def test_children_are_node_children_without_trivia():
    module = cst.parse_module(SAMPLE)
    nodes: list[cst.CSTNode] = []
    walk(module, nodes.append, lambda n: None)
    for node in nodes:
        assert children(node) == [c for c in node.children if type(c) not in TRIVIA_TYPES]


def test_walk_visitor_calls_typed_methods():
    calls: list[str] = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            calls.append(node.value)

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            calls.append("/" + original_node.name.value)

    walk_visitor(cst.parse_module("def f(a):\n    return b\n"), Names())
    assert calls == ["f", "a", "b", "/f"]


@pytest.mark.parametrize("source", [SAMPLE, *[p.read_text() for p in SOURCES]], ids=["sample", "engine", "summary"])
def test_the_models_walk_is_the_rules_walk(source):
    """The engine's dispatch loops over the summary pass's recorded steps instead of
    walking again; both are `walk`'s steps."""
    from lambdalint.model import ModuleModel
    from lambdalint.walk import steps_of

    module = cst.parse_module(source)
    steps: list = []
    ModuleModel.build(module, "app.py", steps)
    walked: list[tuple[str, int]] = []
    walk(module, lambda n: walked.append(("visit", id(n))), lambda n: walked.append(("leave", id(n))))
    assert len(walked) > 100
    assert [("leave" if leaving else "visit", id(node)) for node, leaving in steps] == walked
    listed = [("leave" if leaving else "visit", id(node)) for node, leaving in steps_of(module)]
    assert listed == walked


@pytest.mark.parametrize("source", [SAMPLE, *[p.read_text() for p in SOURCES]], ids=["sample", "engine", "summary"])
def test_the_listed_steps_with_trivia_are_the_full_walk(source):
    from lambdalint.walk import steps_of

    module = cst.parse_module(source)
    walked: list[tuple[bool, int]] = []
    walk(module, lambda n: walked.append((False, id(n))), lambda n: walked.append((True, id(n))), with_trivia=True)
    assert [(leaving, id(node)) for node, leaving in steps_of(module, with_trivia=True)] == walked
