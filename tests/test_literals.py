"""String literal values are read off the text only where that gives Python's value."""

from __future__ import annotations

import ast
import gc

import libcst as cst
import pytest

from lambdalint.literals import number_value, simple_value, string_value

LITERALS = [
    "'plain'", '"plain"', "''", '""', "''''''", '""""""', "'''tri\nple'''", '"""a "quoted" b"""',
    "r'C:\\path\\n'", "R'\\d+'", "rb'\\x00'", "b'bytes'", "B'x'", "u'unicode'", "U'x'",
    "'tab\\tand newline\\n'", "'\\u00e9'", "'caf\u00e9'", "'line \\\n continued'", "br'raw'",
    "Rb'\\\\'", "'''a\\\nb'''", "\"it's\"", "'say \"hi\"'", "'''\"\"'''",
]


@pytest.mark.parametrize("literal", LITERALS)
def test_simple_value_is_pythons_value(literal: str) -> None:
    node = cst.parse_expression(literal)
    assert isinstance(node, cst.SimpleString)
    assert simple_value(node) == ast.literal_eval(literal)
    assert type(simple_value(node)) is type(ast.literal_eval(literal))


def test_crlf_in_a_triple_quoted_literal_reads_as_python_reads_it() -> None:
    module = cst.parse_module("x = '''a\r\nb'''\r\n")
    node = module.body[0].body[0].value  # type: ignore[attr-defined]
    assert simple_value(node) == "a\nb"


def test_what_python_rejects_still_raises() -> None:
    node = cst.SimpleString("b'caf\u00e9'")
    with pytest.raises((SyntaxError, ValueError)):
        simple_value(node)


def test_reading_literals_leaves_no_cyclic_garbage() -> None:
    # ast.literal_eval leaves self-referencing closures behind; a model reads
    # tens of thousands of literals, and each cycle waits for the collector.
    nodes = [cst.parse_expression(literal) for literal in ("'plain'", "'esc\\taped'", "b'\\x00'")]
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        for _ in range(100):
            for node in nodes:
                string_value(node, bytes_too=True)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


@pytest.mark.parametrize("literal", ["10", "0", "00", "0x1F", "0o17", "0b101", "1_000", "0x_ff", "1.5", "1e3", ".5",
                                     "1_0.0_1", "5."])
def test_number_value_is_pythons_value(literal: str) -> None:
    node = cst.parse_expression(literal)
    assert isinstance(node, (cst.Integer, cst.Float))
    value = number_value(node)
    assert value == ast.literal_eval(literal) and type(value) is type(ast.literal_eval(literal))
