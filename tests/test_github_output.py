"""`--output-format github`: workflow-command annotations, escaped the way the runner reads them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli_helpers import FINDING_COLUMN, FINDING_ROW, HANDLER_WITH_CLIENT, pyproject, run_cli, write
from lambdalint.diagnostics import Diagnostic, Location, Severity
from lambdalint.output.github import annotation, escape_data, escape_property, write_github


def _diagnostic(**changes) -> Diagnostic:
    values = dict(code="LAM101", name="client-in-handler", message="build it once", severity=Severity.WARNING,
                  path=Path("app.py"), location=Location(5, 10), end_location=Location(5, 28))
    values.update(changes)
    return Diagnostic(**values)


def test_one_annotation_per_finding_with_position_and_title(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--output-format", "github", "app.py")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert len(lines) == 1  # no summary line: the runner would print it as log noise
    prefix = f"::warning file=app.py,line={FINDING_ROW},col={FINDING_COLUMN},endLine={FINDING_ROW},endColumn=28,title=LAM101::"
    assert lines[0].startswith(prefix)
    assert "boto3.client" in lines[0]


@pytest.mark.parametrize(("severity", "level"), [
    (Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "notice"),
])
def test_level_follows_severity(severity, level):
    assert annotation(_diagnostic(severity=severity)).startswith(f"::{level} ")


def test_configured_severity_changes_the_level(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, '[tool.lambdalint.severity]\nLAM101 = "error"\n')
    assert run_cli("check", "--output-format", "github", "app.py").stdout.startswith("::error ")


def test_multi_line_range_drops_the_columns():
    line = annotation(_diagnostic(location=Location(3, 5), end_location=Location(7, 2)))
    assert line.startswith("::warning file=app.py,line=3,endLine=7,title=LAM101::")
    assert "col=" not in line and "endColumn=" not in line


def test_message_escapes_percent_and_newlines():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    line = annotation(_diagnostic(message="a%b\nc: d, e"))
    assert line.endswith("::a%25b%0Ac: d, e")  # `:` and `,` are fine in the message


def test_properties_escape_colons_and_commas_too():
    assert escape_property("a,b:c%d\n") == "a%2Cb%3Ac%25d%0A"
    line = annotation(_diagnostic(path=Path("src/odd,name:1.py")))
    assert "file=src/odd%2Cname%3A1.py," in line


def test_paths_are_relative_and_posix(workdir):
    write(workdir, {"pkg/sub/app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--output-format", "github", str(workdir / "pkg"))
    assert "file=pkg/sub/app.py," in run.stdout


def test_unparsable_file_is_an_error_annotation(workdir):
    write(workdir, {"broken.py": "def f(:\n"})
    run = run_cli("check", "--output-format", "github", "broken.py")
    assert run.exit_code == 1
    assert run.stdout.startswith("::error file=broken.py,line=1,")
    assert "title=LAM000::" in run.stdout


def test_no_findings_prints_nothing(workdir):
    stream = io.StringIO()
    write_github([], stream)
    assert stream.getvalue() == ""


def test_output_format_github_is_accepted_in_config(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'output-format = "github"\n')
    assert run_cli("check", "app.py").stdout.startswith("::warning ")
