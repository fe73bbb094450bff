"""Positions and edits for the language server (lambdalint/lsp/text.py), and the line
numbering fix edits share with it: lines as LibCST and LSP count them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from cli_helpers import run_cli
from lambdalint.fix import text_edits
from lambdalint.lsp.text import UTF8, UTF16, UTF32, Point, Positions, comment_slots, noqa_edit
from lambdalint.source import split_lines
from lambdalint.suppression import Suppressions


def apply(text: str, edit) -> str:  # type: ignore[no-untyped-def]
    """Apply one lambdalint Edit (1-based rows, code-point columns) to a text."""
    lines = split_lines(text)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(row: int, column: int) -> int:
        return len(text) if row > len(lines) else offsets[row - 1] + column - 1

    return text[:at(*edit.start)] + edit.content + text[at(*edit.end):]


def test_lines_break_where_libcst_breaks_them():
    text = "a = 1 \x0c\nb = 2\rc = 3\r\nd = 4  # \u2028 e\nf = 5"
    assert split_lines(text) == ["a = 1 \x0c\n", "b = 2\r", "c = 3\r\n", "d = 4  # \u2028 e\n", "f = 5"]
    rows = {node.value: span.start.line
            for node, span in MetadataWrapper(cst.parse_module(text)).resolve(PositionProvider).items()
            if isinstance(node, cst.Name)}
    assert rows == {"a": 1, "b": 2, "c": 3, "d": 4, "f": 5}
    assert split_lines("") == [] and split_lines("x\n") == ["x\n"]


@pytest.mark.parametrize(("encoding", "column"), [(UTF16, 11), (UTF8, 14), (UTF32, 10)])
def test_columns_count_the_negotiated_code_units(encoding: str, column: int):
    # "😀" is two UTF-16 units and four UTF-8 bytes; "é" one UTF-16 unit and two bytes.
    text = 'x = "😀é"; boto3.client("s3")\n'
    positions = Positions(text, encoding)
    point = positions.to_client(1, 11)  # the `b` of boto3 is the 11th code point
    assert point == Point(0, column)
    assert positions.from_client(point) == (1, 11)


def test_positions_clamp_at_the_ends_and_skip_a_bom():
    positions = Positions("ab\ncd\n")
    assert positions.to_client(2, 99) == Point(1, 2)
    assert positions.to_client(3, 1) == Point(2, 0)  # after the last line break
    assert positions.to_client(9, 1) == Point(2, 0)
    assert positions.end() == Point(2, 0)
    assert Positions("ab").end() == Point(0, 2)
    # The engine reads the text without its BOM: column 1 is after it.
    with_bom = Positions("\ufeffab\ncd")
    assert with_bom.to_client(1, 1) == Point(0, 1)
    assert with_bom.from_client(Point(0, 1)) == (1, 1)
    assert with_bom.to_client(2, 1) == Point(1, 0)


def test_fix_edits_count_lines_like_libcst_after_a_form_feed(workdir: Path):
    """`text_edits` split lines with `str.splitlines`, which breaks at a form feed: the
    edits of a fix below one pointed a line too low (JSON output and the editor alike)."""
    source = 'import boto3\n\x0c\ndef lambda_handler(event, context):\n    s3 = boto3.client("s3")\n    return s3\n'
    (workdir / "app.py").write_text(source, encoding="utf-8", newline="")
    run = run_cli("check", "--no-cache", "--output-format", "json", "app.py")
    [finding] = json.loads(run.stdout)
    assert finding["location"]["row"] == 4
    # The fix moves the client's line (4) out of the handler: the edit that removes it.
    removed = [e for e in finding["fix"]["edits"] if e["content"] == ""]
    assert [(e["location"]["row"], e["end_location"]["row"]) for e in removed] == [(4, 5)]
    edits = text_edits(source, source.replace("\x0c\n", "\x0c\nx = 1\n"))
    assert [(e.start, e.end, e.content) for e in edits] == [((3, 1), (3, 1), "x = 1\n")]


# -- `# noqa` --------------------------------------------------------------------------------


def suppressed(text: str, code: str, row: int) -> bool:
    return Suppressions.scan(text).suppresses(code, (row,))


@pytest.mark.parametrize(("line", "expected"), [
    ('    s3 = boto3.client("s3")', '    s3 = boto3.client("s3")  # noqa: LAM101'),
    ('    s3 = boto3.client("s3")   ', '    s3 = boto3.client("s3")  # noqa: LAM101'),
    ('    s3 = boto3.client("s3")  # noqa: E501', '    s3 = boto3.client("s3")  # noqa: E501, LAM101'),
    ('    s3 = boto3.client("s3")  # NOQA:E501,W291 long line', '    s3 = boto3.client("s3")  # NOQA:E501,W291, LAM101 long line'),
    ('    s3 = boto3.client("s3")  # keep: see ADR 7', '    s3 = boto3.client("s3")  # keep: see ADR 7  # noqa: LAM101'),
    ('    s3 = boto3.client("s3")  # type: ignore  # noqa: E501', '    s3 = boto3.client("s3")  # type: ignore  # noqa: E501, LAM101'),
])
def test_noqa_goes_on_the_reported_line(line: str, expected: str):
    text = f"import boto3\n\ndef handler(event, context):\n{line}\n    return s3\n"
    edit = noqa_edit(text, [4], "LAM101")
    assert edit is not None
    fixed = apply(text, edit)
    assert fixed.splitlines()[3] == expected
    assert suppressed(fixed, "LAM101", 4)
    cst.parse_module(fixed)


def test_noqa_moves_to_the_first_line_when_the_reported_line_cannot_take_a_comment():
    text = textwrap.dedent('''\
        def handler(event, context):
            s3 = boto3.client("s3", \\
                region_name="eu-west-1")
            note = """text
        """ + str(boto3.client("sqs"))
            return s3, note
    ''')
    slots = comment_slots(text)
    assert slots is not None and 2 not in slots and 4 not in slots and 5 in slots
    # A backslash continuation: the statement's first line cannot take it either.
    assert noqa_edit(text, [2], "LAM101") is None
    # Inside a string: the finding on line 5 is reported on line 5, its statement starts on 4.
    edit = noqa_edit(text, [4, 5], "LAM101")
    assert edit is not None and edit.start[0] == 5
    assert apply(text, edit).splitlines()[4] == '""" + str(boto3.client("sqs"))  # noqa: LAM101'


def test_noqa_is_not_added_where_a_string_holds_the_noqa_that_counts():
    text = 'def handler(event, context):\n    s3 = boto3.client(\n        "# noqa: E501")\n'
    # Line 3 reads as `# noqa: E501` to flake8 and lambdalint: the comment goes on line 2.
    edit = noqa_edit(text, [3, 2], "LAM101")
    assert edit is not None and edit.start[0] == 2
    fixed = apply(text, edit)
    assert suppressed(fixed, "LAM101", 2) and not suppressed(fixed, "LAM101", 3)
    assert noqa_edit(text, [3], "LAM101") is None


def test_noqa_keeps_the_line_break_and_answers_for_a_bare_noqa():
    text = 'x = f()\r\ny = g()  # noqa\r\n'
    edit = noqa_edit(text, [1], "LAM101")
    assert edit is not None and apply(text, edit) == 'x = f()  # noqa: LAM101\r\ny = g()  # noqa\r\n'
    assert noqa_edit(text, [2], "LAM101") is None  # silences every code already
    assert noqa_edit("x = (\n", [1], "LAM101") is None  # the tokenizer cannot read it
