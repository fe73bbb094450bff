"""`# noqa` and `# lambdalint: noqa`, with flake8's semantics."""

from __future__ import annotations

import json
import textwrap

import pytest

from cli_helpers import HANDLER_WITH_CLIENT, run_cli, write
from lambdalint.registry import load_registry
from lambdalint.suppression import Suppressions
from lambdalint.testing import run_rule

LAM101 = load_registry(include_plugins=False).rules["LAM101"]


def _rows(code: str) -> list[int]:
    result = run_rule(LAM101, {"app.py": textwrap.dedent(code)})
    assert not result.internal_error, result.messages
    return [d.location.row for d in result.diagnostics if d.code == "LAM101"]


def _handler(*body: str, header: str = "") -> str:
    lines = [header, "import boto3", "", "", "def lambda_handler(event, context):", *body, "    return None", ""]
    return "\n".join(line for line in lines if line is not None)


def test_without_noqa_the_finding_is_reported():
    assert _rows(_handler('    s3 = boto3.client("s3")')) == [6]


@pytest.mark.parametrize(
    "comment",
    ["# noqa", "#noqa", "# NOQA", "# noqa: LAM101", "# noqa:LAM101", "# noqa: LAM1",
     "# noqa: LAM101,LAM2", "# noqa: E501, LAM101", "# noqa: E501 LAM101", "# noqa: lam101"],
)
def test_inline_noqa_that_covers_lam101(comment):
    assert _rows(_handler(f'    s3 = boto3.client("s3")  {comment}')) == []


@pytest.mark.parametrize("comment", ["# noqa: E501", "# noqa: LAM102", "# noqa: LAM2,F401", "# noqa: LAM1010"])
def test_inline_noqa_for_other_codes_does_not_hide_lam101(comment):
    assert _rows(_handler(f'    s3 = boto3.client("s3")  {comment}')) == [6]


def test_noqa_on_another_line_does_not_apply():
    code = _handler("    # noqa", '    s3 = boto3.client("s3")', '    x = 1  # noqa')
    assert _rows(code) == [7]


def test_noqa_on_the_first_line_of_a_multi_line_statement_covers_it():
    code = _handler(
        "    clients = [  # noqa: LAM101",
        '        boto3.client("s3"),',
        '        boto3.client("sqs"),',
        "    ]",
    )
    assert _rows(code) == []


def test_noqa_on_the_reported_line_inside_a_multi_line_statement():
    code = _handler(
        "    clients = [",
        '        boto3.client("s3"),  # noqa: LAM101',
        '        boto3.client("sqs"),',
        "    ]",
    )
    assert _rows(code) == [8]


def test_file_level_noqa_silences_the_whole_file():
    code = _handler('    s3 = boto3.client("s3")', '    sqs = boto3.client("sqs")', header="# lambdalint: noqa")
    assert _rows(code) == []


def test_file_level_noqa_with_codes_and_prefixes():
    assert _rows(_handler('    s3 = boto3.client("s3")', header="# lambdalint: noqa: LAM1")) == []
    assert _rows(_handler('    s3 = boto3.client("s3")', header="# lambdalint: noqa: LAM101, LAM2")) == []
    assert _rows(_handler('    s3 = boto3.client("s3")', header="# lambdalint: noqa: LAM2")) == [6]


def test_file_level_noqa_must_be_on_its_own_line():
    code = _handler('    s3 = boto3.client("s3")  # lambdalint: noqa: LAM2', '    sqs = boto3.client("sqs")')
    # Trailing, it is read as an inline `# noqa`-less comment: nothing is suppressed.
    assert _rows(code) == [6, 7]


def test_file_level_noqa_anywhere_in_the_file():
    code = _handler('    s3 = boto3.client("s3")') + "\n# lambdalint: noqa: LAM101\n"
    assert _rows(code) == []


def test_noqa_inside_a_string_is_not_a_comment_for_the_file_directive():
    code = _handler('    s3 = boto3.client("s3")', '    text = "# lambdalint: noqa"')
    assert _rows(code) == [6]


def test_syntax_errors_are_not_suppressible(workdir):
    write(workdir, {"broken.py": "# lambdalint: noqa\ndef f(:  # noqa\n    pass  # noqa: LAM000\n"})
    run = run_cli("check", "--output-format", "json", "broken.py")
    assert run.exit_code == 1
    items = json.loads(run.stdout)
    assert [item["code"] for item in items] == ["LAM000"]
    assert items[0]["noqa_row"] is None


def test_noqa_through_the_cli(workdir):
    write(workdir, {
        "a.py": HANDLER_WITH_CLIENT.replace('boto3.client("s3")', 'boto3.client("s3")  # noqa: LAM101'),
        "b.py": HANDLER_WITH_CLIENT.replace('boto3.client("s3")', 'boto3.client("s3")  # noqa: E501'),
        "c.py": "# lambdalint: noqa\n" + HANDLER_WITH_CLIENT,
    })
    run = run_cli("check", "--output-format", "json", ".")
    assert [(item["filename"], item["code"]) for item in json.loads(run.stdout)] == [("b.py", "LAM101")]


# -- the parser on its own -------------------------------------------------------------


def test_scan_reads_codes_per_line():
    scanned = Suppressions.scan("x = 1  # noqa: LAM101, lam2\ny = 2  # noqa\nz = 3\n")
    assert scanned.by_line[1] == frozenset({"LAM101", "LAM2"})
    assert scanned.suppresses("LAM205", (1,))
    assert not scanned.suppresses("LAM301", (1,))
    assert scanned.suppresses("LAM301", (2,))
    assert not scanned.suppresses("LAM101", (3,))
    assert scanned.file_codes == frozenset()


def test_scan_file_level():
    scanned = Suppressions.scan("  #  lambdalint:  noqa: LAM3\nx = 1\n")
    assert scanned.suppresses("LAM301", (2,))
    assert not scanned.suppresses("LAM101", (2,))
