"""Baselines: `lambdalint baseline -o FILE` records today's findings; `check --baseline FILE`
reports only new ones, whatever happened to the line numbers."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from cli_helpers import CLEAN_HANDLER, HANDLER_WITH_CLIENT, pyproject, run_cli, write

# Two LAM101 findings (s3 at line 5, sqs at line 6).
TWO_CLIENTS = textwrap.dedent('''\
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        sqs = boto3.client("sqs")
        return s3.head_bucket(Bucket="reports"), sqs
''')


def _baseline(*args: str, output: str = "baseline.json"):
    run = run_cli("baseline", "-o", output, *args)
    assert run.exit_code == 0, run.stderr
    return run


def _codes_and_lines(stdout: str) -> list[tuple[str, int]]:
    return [(item["code"], item["location"]["row"]) for item in json.loads(stdout)]


def test_baseline_records_findings_and_check_then_passes(workdir):
    write(workdir, {"app.py": TWO_CLIENTS})
    run = _baseline("app.py")
    assert run.stdout == "Wrote 2 findings in 1 file to baseline.json.\n"
    data = json.loads((workdir / "baseline.json").read_text(encoding="utf-8"))
    assert data["tool"] == "lambdalint" and data["version"] == 1
    assert [(e["code"], e["path"], e["count"]) for e in data["findings"]] == [("LAM101", "app.py", 1)] * 2
    check = run_cli("check", "--baseline", "baseline.json", "app.py")
    assert check.exit_code == 0
    assert check.stdout == "All checks passed! (1 file checked)\n2 findings in the baseline not shown.\n"
    assert check.stderr == ""


def test_moved_and_reindented_lines_stay_hidden(workdir):
    write(workdir, {"app.py": TWO_CLIENTS})
    _baseline("app.py")
    moved = TWO_CLIENTS.replace("import boto3\n", "import boto3\nimport os\n\nTABLE = os.environ.get('T')\n")
    moved = moved.replace('    s3 = boto3.client("s3")\n', '    if event:\n        s3  =  boto3.client("s3")\n')
    (workdir / "app.py").write_text(moved, encoding="utf-8")
    run = run_cli("check", "--baseline", "baseline.json", "--output-format", "json", "app.py")
    assert run.exit_code == 0, run.stdout
    assert json.loads(run.stdout) == []


def test_a_new_finding_is_reported_alone_and_fails(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    _baseline("app.py")
    (workdir / "app.py").write_text(TWO_CLIENTS, encoding="utf-8")
    run = run_cli("check", "--baseline", "baseline.json", "--output-format", "json", "app.py")
    assert run.exit_code == 1
    assert _codes_and_lines(run.stdout) == [("LAM101", 6)]
    text = run_cli("check", "--baseline", "baseline.json", "app.py")
    assert text.exit_code == 1
    assert "Found 1 finding in 1 file" in text.stdout
    assert "1 finding in the baseline not shown." in text.stdout


def test_a_second_identical_line_is_new(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    _baseline("app.py")
    doubled = HANDLER_WITH_CLIENT + textwrap.dedent('''\


        def other_handler(event, context):
            s3 = boto3.client("s3")
            return s3.head_bucket(Bucket="reports")
    ''')
    (workdir / "app.py").write_text(doubled, encoding="utf-8")
    run = run_cli("check", "--baseline", "baseline.json", "--output-format", "json", "app.py")
    assert run.exit_code == 1
    assert _codes_and_lines(run.stdout) == [("LAM101", 10)]  # the first occurrence is the known one


def test_counts_record_identical_lines(workdir):
    doubled = HANDLER_WITH_CLIENT + HANDLER_WITH_CLIENT.replace("import boto3\n", "").replace(
        "lambda_handler", "other_handler")
    write(workdir, {"app.py": doubled})
    _baseline("app.py")
    [entry] = json.loads((workdir / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert entry["count"] == 2
    assert run_cli("check", "--baseline", "baseline.json", "app.py").exit_code == 0


def test_same_line_in_another_file_is_new(workdir):
    write(workdir, {"a.py": HANDLER_WITH_CLIENT})
    _baseline("a.py")
    write(workdir, {"b.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--baseline", "baseline.json", "--output-format", "json", ".")
    assert [item["filename"] for item in json.loads(run.stdout)] == ["b.py"]


def test_the_file_is_sorted_stable_and_holds_no_source(workdir):
    write(workdir, {"b.py": TWO_CLIENTS, "a.py": HANDLER_WITH_CLIENT})
    _baseline(".")
    first = (workdir / "baseline.json").read_bytes()
    _baseline(".")
    assert (workdir / "baseline.json").read_bytes() == first
    text = first.decode("utf-8")
    assert text.endswith("}\n") and "\r" not in text
    data = json.loads(text)
    keys = [(e["path"], e["code"], e["hash"]) for e in data["findings"]]
    assert keys == sorted(keys)
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert "boto3" not in text  # no code: a baselined secret is not copied into the baseline
    assert {e["name"] for e in data["findings"]} == {"client-in-handler"}


def test_stale_entries_are_reported_on_stderr(workdir):
    write(workdir, {"app.py": TWO_CLIENTS})
    _baseline("app.py")
    (workdir / "app.py").write_text(HANDLER_WITH_CLIENT, encoding="utf-8")  # the sqs client is gone
    run = run_cli("check", "--baseline", "baseline.json", "app.py")
    assert run.exit_code == 0
    assert "1 recorded finding no longer found" in run.stderr_lines[0]
    assert "lambdalint baseline -o baseline.json" in run.stderr_lines[0]
    assert run.stderr_lines[1].split() == ["lambdalint:", "LAM101", "app.py", "(1", "of", "1)"]


def test_entries_for_files_or_rules_not_checked_are_not_stale(workdir):
    write(workdir, {"a.py": HANDLER_WITH_CLIENT, "b.py": HANDLER_WITH_CLIENT})
    _baseline(".")
    assert run_cli("check", "--baseline", "baseline.json", "a.py").stderr == ""
    assert run_cli("check", "--baseline", "baseline.json", "--select", "LAM106", ".").stderr == ""


def test_a_file_that_stops_parsing_keeps_its_entries(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    _baseline("app.py")
    (workdir / "app.py").write_text(HANDLER_WITH_CLIENT + "def broken(:\n", encoding="utf-8")
    run = run_cli("check", "--baseline", "baseline.json", "app.py")
    assert run.exit_code == 1 and "LAM000" in run.stdout
    assert run.stderr == ""  # not "stale": the file was not checked


def test_unparsable_files_are_never_baselined(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT, "broken.py": "def f(:\n"})
    run = run_cli("baseline", "-o", "baseline.json", ".")
    assert run.exit_code == 0
    assert "do not parse (LAM000)" in run.stderr
    codes = {e["code"] for e in json.loads((workdir / "baseline.json").read_text(encoding="utf-8"))["findings"]}
    assert codes == {"LAM101"}
    check = run_cli("check", "--baseline", "baseline.json", "--output-format", "json", ".")
    assert check.exit_code == 1
    assert [item["code"] for item in json.loads(check.stdout)] == ["LAM000"]


def test_config_key_and_no_baseline(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'baseline = "ci/lambdalint-baseline.json"\n')
    run = run_cli("baseline", "src")  # the config names the file
    assert run.exit_code == 0
    assert (workdir / "ci" / "lambdalint-baseline.json").is_file()
    assert json.loads((workdir / "ci" / "lambdalint-baseline.json").read_text())["findings"][0]["path"] == \
        "../src/app.py"  # relative to the baseline's own folder
    assert run_cli("check", "src").exit_code == 0
    assert run_cli("check", "--no-baseline", "src").exit_code == 1


def test_paths_do_not_depend_on_the_working_directory(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'baseline = "lambdalint-baseline.json"\n')
    _baseline(".", output="lambdalint-baseline.json")
    os.chdir(workdir / "src")
    run = run_cli("check", "app.py")
    assert run.exit_code == 0, run.stdout + run.stderr


def test_command_line_baseline_overrides_the_config(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'baseline = "missing.json"\n')
    _baseline("app.py", output="other.json")
    assert run_cli("check", "--baseline", "other.json", "app.py").exit_code == 0


@pytest.mark.parametrize(("content", "fragment"), [
    (None, "no such baseline file"),
    ("{not json", "invalid JSON"),
    ('{"findings": []}', "not a lambdalint baseline"),
    ('{"tool": "lambdalint", "version": 99, "findings": []}', "version 99"),
    ('{"tool": "lambdalint", "version": 1, "findings": [{"code": "LAM101"}]}', "findings[0]"),
])
def test_bad_baseline_files_exit_2_with_one_line(workdir, content, fragment):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    if content is not None:
        (workdir / "baseline.json").write_text(content, encoding="utf-8")
    run = run_cli("check", "--baseline", "baseline.json", "app.py")
    assert run.exit_code == 2
    assert len(run.stderr_lines) == 1 and fragment in run.stderr and "baseline.json" in run.stderr
    assert run.stdout == ""


def test_baseline_command_needs_a_file_name(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("baseline", "app.py")
    assert run.exit_code == 2
    assert "-o FILE" in run.stderr


def test_baseline_command_refuses_an_incomplete_run(workdir):
    run = run_cli("baseline", "-o", "baseline.json", "missing.py")
    assert run.exit_code == 2
    assert not (workdir / "baseline.json").exists()


def test_baseline_of_clean_code_is_empty_and_exits_0(workdir):
    write(workdir, {"app.py": CLEAN_HANDLER})
    run = _baseline("app.py")
    assert run.stdout == "Wrote 0 findings in 0 files to baseline.json.\n"
    assert json.loads((workdir / "baseline.json").read_text())["findings"] == []


def test_fail_on_applies_to_the_new_findings_only(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    _baseline("app.py")
    (workdir / "app.py").write_text(TWO_CLIENTS, encoding="utf-8")
    assert run_cli("check", "--baseline", "baseline.json", "--fail-on", "error", "app.py").exit_code == 0
    assert run_cli("check", "--baseline", "baseline.json", "--fail-on", "warning", "app.py").exit_code == 1


def test_statistics_count_only_new_findings(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    _baseline("app.py")
    (workdir / "app.py").write_text(TWO_CLIENTS, encoding="utf-8")
    run = run_cli("check", "--baseline", "baseline.json", "--statistics", "app.py")
    assert run.stdout.splitlines()[0].split() == ["1", "LAM101", "client-in-handler"]


def test_github_output_with_a_baseline(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    _baseline("app.py")
    run = run_cli("check", "--baseline", "baseline.json", "--output-format", "github", "app.py")
    assert run.exit_code == 0 and run.stdout == ""
