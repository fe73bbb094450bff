"""The `lambdalint` command: exit codes, output formats, rule selection, subcommands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import lambdalint
from cli_helpers import (
    CLEAN_HANDLER,
    FINDING_COLUMN,
    FINDING_ROW,
    HANDLER_WITH_CLIENT,
    pyproject,
    run_cli,
    write,
)

JSON_KEYS = {"code", "name", "message", "severity", "filename", "location", "end_location",
             "fix", "url", "noqa_row"}


# -- exit codes ---------------------------------------------------------------------


def test_clean_code_exits_0_and_says_so(workdir):
    write(workdir, {"app.py": CLEAN_HANDLER})
    run = run_cli("check", "app.py")
    assert run.exit_code == 0
    assert run.stdout == "All checks passed! (1 file checked)\n"
    assert run.stderr == ""


def test_findings_exit_1(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "app.py")
    assert run.exit_code == 1
    assert "LAM101" in run.stdout


def test_no_paths_checks_the_current_folder(workdir):
    write(workdir, {"pkg/app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check")
    assert run.exit_code == 1
    assert run.stdout.startswith(f"pkg/app.py:{FINDING_ROW}:{FINDING_COLUMN}: LAM101")


def test_bad_config_exits_2_and_checks_nothing(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'select = "LAM101"\n')
    run = run_cli("check", "app.py")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1


def test_exit_zero_turns_findings_into_0(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--exit-zero", "app.py")
    assert run.exit_code == 0
    assert "LAM101" in run.stdout


def test_exit_zero_never_masks_an_error(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, "colour = true\n")
    assert run_cli("check", "--exit-zero", "app.py").exit_code == 2
    assert run_cli("check", "--exit-zero", "missing.py").exit_code == 2


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("info", 1), ("warning", 1), ("error", 0)],
)
def test_fail_on_sets_the_lowest_failing_severity(workdir, fail_on, expected):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})  # LAM101 is a warning
    run = run_cli("check", "--fail-on", fail_on, "app.py")
    assert run.exit_code == expected
    assert "LAM101" in run.stdout  # below the threshold still reported


def test_fail_on_from_config_and_cli_overrides_it(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'fail-on = "error"\n')
    assert run_cli("check", "app.py").exit_code == 0
    assert run_cli("check", "--fail-on", "warning", "app.py").exit_code == 1


def test_severity_override_feeds_fail_on_and_output(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'fail-on = "error"\nseverity = { LAM101 = "error" }\n')
    run = run_cli("check", "--output-format", "json", "app.py")
    assert run.exit_code == 1
    assert json.loads(run.stdout)[0]["severity"] == "error"


def test_bad_fail_on_value_is_a_usage_error(workdir):
    write(workdir, {"app.py": CLEAN_HANDLER})
    run = run_cli("check", "--fail-on", "fatal", "app.py")
    assert run.exit_code == 2
    assert run.stdout == ""


# -- JSON and JSON Lines ---------------------------------------------------------------


def _assert_ruff_shape(item: dict) -> None:
    assert set(item) == JSON_KEYS
    assert isinstance(item["code"], str) and isinstance(item["name"], str)
    assert item["severity"] in ("info", "warning", "error")
    for key in ("location", "end_location"):
        assert set(item[key]) == {"row", "column"}
        assert item[key]["row"] >= 1 and item[key]["column"] >= 1
    assert (item["end_location"]["row"], item["end_location"]["column"]) >= (
        item["location"]["row"], item["location"]["column"])
    fix = item["fix"]
    if fix is not None:
        assert {"applicability", "message", "edits"} <= set(fix)
        assert fix["applicability"] in ("safe", "unsafe", "display-only", "display_only", "displayonly")
        for edit in fix["edits"]:
            assert set(edit) == {"content", "location", "end_location"}
            assert set(edit["location"]) == {"row", "column"}
            assert set(edit["end_location"]) == {"row", "column"}


def test_json_has_every_key_of_ruffs_shape(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--output-format", "json", "src")
    assert run.exit_code == 1
    items = json.loads(run.stdout)
    assert len(items) == 1
    item = items[0]
    _assert_ruff_shape(item)
    assert item["code"] == "LAM101"
    assert item["name"] == "client-in-handler"
    assert item["severity"] == "warning"
    assert item["filename"] == "src/app.py"
    assert item["location"] == {"row": FINDING_ROW, "column": FINDING_COLUMN}
    assert item["end_location"] == {"row": FINDING_ROW, "column": FINDING_COLUMN + len('boto3.client("s3")')}
    assert item["noqa_row"] == FINDING_ROW
    assert item["url"].endswith("/LAM101.md")
    assert "boto3.client" in item["message"]


def test_json_filenames_are_relative_even_for_absolute_paths(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--output-format", "json", str(workdir / "src" / "app.py"))
    assert json.loads(run.stdout)[0]["filename"] == "src/app.py"


def test_json_of_a_clean_run_is_an_empty_list(workdir):
    write(workdir, {"app.py": CLEAN_HANDLER})
    run = run_cli("check", "--output-format", "json", "app.py")
    assert run.exit_code == 0
    assert json.loads(run.stdout) == []


def test_jsonl_is_one_object_per_line_in_the_same_shape(workdir):
    write(workdir, {"a.py": HANDLER_WITH_CLIENT, "b.py": HANDLER_WITH_CLIENT, "c.py": CLEAN_HANDLER})
    run = run_cli("check", "--output-format", "jsonl", ".")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert len(lines) == 2
    items = [json.loads(line) for line in lines]
    for item in items:
        _assert_ruff_shape(item)
    assert [i["filename"] for i in items] == ["a.py", "b.py"]


def test_json_and_jsonl_print_no_summary(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    assert "Found" not in run_cli("check", "--output-format", "json", "app.py").stdout
    assert "Found" not in run_cli("check", "--output-format", "jsonl", "app.py").stdout


def test_output_format_from_config_and_cli_overrides_it(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'output-format = "json"\n')
    assert json.loads(run_cli("check", "app.py").stdout)[0]["code"] == "LAM101"
    assert run_cli("check", "--output-format", "text", "app.py").stdout.startswith("app.py:")


# -- text and full --------------------------------------------------------------


def test_text_is_one_line_per_finding_and_a_summary(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT, "clean.py": CLEAN_HANDLER})
    run = run_cli("check", ".")
    lines = run.stdout.splitlines()
    assert re.fullmatch(rf"app\.py:{FINDING_ROW}:{FINDING_COLUMN}: LAM101( \[\*\])? .*boto3\.client.*", lines[0])
    assert lines[1] == "Found 1 finding in 1 file (2 files checked)."


def test_full_shows_the_source_line_and_a_caret(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--output-format", "full", "app.py")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"app.py:{FINDING_ROW}:{FINDING_COLUMN}: LAM101")
    assert lines[0].endswith("(client-in-handler, warning)")
    source_line = f'{FINDING_ROW} |     s3 = boto3.client("s3")'
    assert source_line in lines
    caret = lines[lines.index(source_line) + 1]
    assert caret == "  | " + " " * (FINDING_COLUMN - 1) + "^" * len('boto3.client("s3")')
    assert "Found 1 finding in 1 file (1 file checked)." in lines


def test_quiet_prints_findings_only(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT, "clean.py": CLEAN_HANDLER})
    run = run_cli("check", "--quiet", ".")
    assert run.exit_code == 1
    assert len(run.stdout.splitlines()) == 1
    assert "Found" not in run.stdout
    clean = run_cli("check", "-q", "clean.py")
    assert clean.exit_code == 0
    assert clean.stdout == ""


def test_statistics_counts_per_rule(workdir):
    write(workdir, {"a.py": HANDLER_WITH_CLIENT, "b.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--statistics", "--quiet", ".")
    assert run.exit_code == 1
    assert run.stdout.split() == ["2", "LAM101", "client-in-handler"]


def test_statistics_of_a_clean_run_is_empty(workdir):
    write(workdir, {"a.py": CLEAN_HANDLER})
    run = run_cli("check", "--statistics", "--quiet", ".")
    assert (run.exit_code, run.stdout) == (0, "")


def test_output_file_gets_the_findings_and_stdout_stays_empty(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--output-format", "json", "--output-file", "report.json", "app.py")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert json.loads((workdir / "report.json").read_text())[0]["code"] == "LAM101"


def test_output_file_short_option_with_text(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "-o", "report.txt", "app.py")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert (workdir / "report.txt").read_text().startswith("app.py:")


def test_unwritable_output_file_is_one_line_and_exit_2(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT, "blocker": "not a folder"})
    run = run_cli("check", "-o", "blocker/report.txt", "app.py")
    assert run.exit_code == 2
    assert len(run.stderr_lines) == 1
    assert "blocker/report.txt" in run.stderr


# -- choosing rules -------------------------------------------------------------------


@pytest.mark.parametrize("selector", ["LAM101", "LAM10", "LAM1", "LAM", "ALL", "lam101"])
def test_select_by_code_prefix_or_all(workdir, selector):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--select", selector, "--output-format", "json", "app.py")
    assert "LAM101" in {item["code"] for item in json.loads(run.stdout)}


@pytest.mark.parametrize("selector", ["LAM101", "LAM10", "LAM1", "ALL", "LAM000,LAM101"])
def test_ignore_by_code_prefix_or_all(workdir, selector):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--ignore", selector, "--output-format", "json", "app.py")
    assert "LAM101" not in {item["code"] for item in json.loads(run.stdout)}


def test_ignore_takes_comma_separated_codes(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--ignore", "LAM000,LAM101", "app.py")
    assert run.exit_code == 0


def test_cli_select_replaces_config_select(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, "select = []\n")
    assert run_cli("check", "app.py").exit_code == 0
    assert run_cli("check", "--select", "LAM101", "app.py").exit_code == 1


def test_extend_select_adds_to_config_select(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, "select = []\n")
    run = run_cli("check", "--extend-select", "LAM101", "app.py")
    assert run.exit_code == 1
    assert "LAM101" in run.stdout


def test_ignore_wins_over_select(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    assert run_cli("check", "--select", "LAM101", "--ignore", "LAM1", "app.py").exit_code == 0


@pytest.mark.parametrize("option", ["--select", "--extend-select", "--ignore"])
def test_unknown_rule_code_on_the_command_line_is_exit_2_and_nothing_checked(workdir, option):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", option, "LAM999", "app.py")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1
    line = run.stderr_lines[0]
    assert "LAM999" in line and option.lstrip("-") in line


def test_unknown_code_from_the_command_line_does_not_blame_the_config_file(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    config = pyproject(workdir, 'select = ["LAM1"]\n')
    run = run_cli("check", "--select", "LAM999", "app.py")
    assert run.exit_code == 2
    assert str(config) not in run.stderr
    assert "command line" in run.stderr and "--select" in run.stderr


# -- other subcommands ---------------------------------------------------------------


def test_rules_lists_lam101(workdir):
    run = run_cli("rules")
    assert run.exit_code == 0
    line = next(line for line in run.stdout.splitlines() if line.startswith("LAM101"))
    assert line.split()[:3] == ["LAM101", "client-in-handler", "warning"]
    assert line.split()[-1] == "on"
    codes = [line.split()[0] for line in run.stdout.splitlines()]
    assert codes == sorted(codes)


def test_rules_as_json(workdir):
    run = run_cli("rules", "--output-format", "json")
    assert run.exit_code == 0
    data = json.loads(run.stdout)
    by_code = {item["code"]: item for item in data}
    assert set(by_code["LAM101"]) == {"code", "name", "severity", "fix", "default", "summary"}
    assert by_code["LAM101"]["name"] == "client-in-handler"
    assert by_code["LAM101"]["default"] is True
    assert by_code["LAM101"]["summary"].endswith(".")
    assert [item["code"] for item in data] == sorted(by_code)


@pytest.mark.parametrize("name", ["LAM101", "lam101", "client-in-handler"])
def test_rule_shows_the_documentation(workdir, name):
    run = run_cli("rule", name)
    assert run.exit_code == 0
    assert run.stdout.startswith("# LAM101 client-in-handler\n")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## References"):
        assert section in run.stdout


def test_rule_unknown_code_is_one_line_and_exit_2(workdir):
    run = run_cli("rule", "LAM999")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1 and "LAM999" in run.stderr


def test_version_matches_the_package():
    run = run_cli("--version")
    assert run.exit_code == 0
    assert run.stdout.strip() == f"lambdalint {lambdalint.__version__}"
    assert lambdalint.__version__ == version("lambdalint")


def test_handlers_lists_handlers_and_their_invocation_scope(workdir):
    write(workdir, {"app.py": '''
        import boto3

        def build():
            return boto3.client("s3")

        def lambda_handler(event, context):
            return build()
    '''})
    run = run_cli("handlers", ".")
    assert run.exit_code == 0
    assert run.stdout.splitlines() == [
        "app.py:7: app.lambda_handler [handler: signature (event, context)]",
        "    imports from: ./ (code root, inferred)",
        "    app.py:4: app.build  (via app.lambda_handler -> build)",
    ]
    data = json.loads(run_cli("handlers", "--output-format", "json", ".").stdout)
    assert data[0]["handler"] == "app.lambda_handler"
    assert data[0]["invocation_scope"][0]["function"] == "app.build"


def test_handlers_with_no_handler_explains_how_to_name_one(workdir):
    write(workdir, {"util.py": "def helper(x):\n    return x\n"})
    run = run_cli("handlers", ".")
    assert run.exit_code == 0
    assert "No handlers found" in run.stdout and "handlers" in run.stdout


def test_handlers_of_a_missing_path_is_exit_2(workdir):
    run = run_cli("handlers", "missing")
    assert run.exit_code == 2
    assert len(run.stderr_lines) == 1


def test_help_lists_the_subcommands():
    run = run_cli("--help")
    assert run.exit_code == 0
    for command in ("check", "rules", "rule", "handlers"):
        assert re.search(rf"^\s+{command}\s", run.stdout, re.M)


# -- the real entry points ---------------------------------------------------------


def test_python_dash_m_lambdalint(tmp_path: Path):
    write(tmp_path, {"app.py": HANDLER_WITH_CLIENT})
    version_run = subprocess.run([sys.executable, "-m", "lambdalint", "--version"],
                                 capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert version_run.returncode == 0
    assert version_run.stdout.strip() == f"lambdalint {lambdalint.__version__}"
    check = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--select", "LAM101", "app.py"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert check.returncode == 1, check.stderr
    assert check.stdout.startswith(f"app.py:{FINDING_ROW}:{FINDING_COLUMN}: LAM101")


def test_console_script_is_installed(tmp_path: Path):
    script = Path(sys.executable).parent / ("lambdalint.exe" if sys.platform == "win32" else "lambdalint")
    if not script.exists():
        pytest.skip("lambdalint is not installed as a console script in this environment")
    write(tmp_path, {"app.py": CLEAN_HANDLER})
    run = subprocess.run([str(script), "check", "app.py"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr
