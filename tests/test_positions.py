"""Positions computed in one code-generation pass are LibCST's own."""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from lambdalint.positions import positions_of, slow_positions_of, spans_of

STDLIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.mark.parametrize("name", ["json/decoder.py", "textwrap.py", "dataclasses.py"])
def test_positions_match_libcsts_public_way(name: str):
    module = cst.parse_module((STDLIB / name).read_bytes())
    fast = positions_of(module)
    slow = slow_positions_of(module)
    assert len(fast) > 1000
    assert set(fast) == set(slow)
    assert all(fast[node] == slow[node] for node in fast)


def test_positions_are_keyed_by_the_modules_own_nodes():
    module = cst.parse_module("import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    call = module.body[1].body.body[0].body[0].value  # type: ignore[attr-defined]
    span = positions_of(module)[call]
    assert (span.start.line, span.start.column, span.end.line, span.end.column) == (5, 11, 5, 29)


@pytest.mark.parametrize("name", ["json/decoder.py", "textwrap.py", "dataclasses.py"])
def test_spans_of_every_node_are_the_providers(name: str):
    module = cst.parse_module((STDLIB / name).read_bytes())
    full = positions_of(module)
    assert spans_of(module, list(full)) == dict(full)


@pytest.mark.parametrize("seed", range(5))
def test_spans_of_a_few_nodes_stop_early_and_agree(seed: int):
    # The pass stops after the last wanted node: what it gives must not depend
    # on where that is, nor on nodes (blocks, statements) whose ranges are
    # hoisted from children nobody asked for.
    module = cst.parse_module((STDLIB / "textwrap.py").read_bytes())
    full = positions_of(module)
    nodes = random.Random(seed).sample(list(full), 4)
    assert spans_of(module, nodes) == {node: full[node] for node in nodes}


@pytest.mark.parametrize("seed", range(5))
def test_spans_give_the_code_of_the_statements_they_generated(seed: int):
    """The positions pass hands over the code of each top-level statement it generated
    whole (a fix's edits are worked out from it): each is what printing the statement
    gives, the statement the pass stopped in is not among them, and asking for them
    changes no position."""
    module = cst.parse_module((STDLIB / "textwrap.py").read_bytes())
    full = positions_of(module)
    nodes = random.Random(seed).sample(list(full), 3) + [module.body[0]]
    statements: dict[int, str] = {}
    assert spans_of(module, nodes, statements) == {node: full[node] for node in nodes}
    assert statements
    last = max(full[node].end.line for node in nodes)
    for stmt in module.body:
        text = statements.get(id(stmt))
        if full[stmt].end.line < last:
            assert text == module.code_for_node(stmt)
        elif full[stmt].start.line > last:
            assert text is None
    assert "".join(statements[id(stmt)] for stmt in module.body if id(stmt) in statements) \
        in module.code


def test_spans_count_lines_as_libcst_does():
    # "\r\n", "\r" and "\n" are one line break each, also inside a literal.
    source = "x = 1\r\ny = '''a\rb\r\nc'''\r\nz = (\n    2)\r\n"
    module = cst.parse_module(source)
    full = positions_of(module)
    assert spans_of(module, list(full)) == dict(full)


def test_spans_ignore_nodes_of_another_module():
    module = cst.parse_module("a = 1\n")
    other = cst.parse_module("b = 2\n")
    assert spans_of(module, [other.body[0]]) == {}
    assert spans_of(module, []) == {}


def test_a_module_asked_line_after_line_generates_its_code_at_most_three_times(monkeypatch: pytest.MonkeyPatch):
    """`ModuleModel.line_of`, asked node by node (a taint's source, a call chain's
    links): the lines are those of the module's positions; the first `def` name
    asked gives every `def`'s line, and the second other node every node's."""
    from lambdalint.model import module as models
    from lambdalint.walk import steps_of

    model = models.ModuleModel.build(cst.parse_module((STDLIB / "textwrap.py").read_bytes()), "textwrap.py")
    full = positions_of(model.module)
    generated = []
    real = models.spans_of
    monkeypatch.setattr(models, "spans_of", lambda module, nodes, *rest: generated.append(1) or real(module, nodes, *rest))
    names = [node.name for node, leaving in steps_of(model.module) if isinstance(node, cst.FunctionDef)]
    assert len(names) > 20
    assert [model.line_of(name) for name in reversed(names)] == [full[name].start.line for name in reversed(names)]
    assert len(generated) == 1
    others = random.Random(7).sample([node for node, leaving in steps_of(model.module)
                                      if not leaving and node not in names], 200)
    assert [model.line_of(node) for node in others] == [full[node].start.line for node in others]
    assert len(generated) == 3
    other = cst.parse_module("x = 1\n")
    assert model.line_of(other.body[0]) == 0  # a node of another module has no line here
