"""`--output-format sarif`: valid SARIF 2.1.0 in the shape GitHub code scanning reads."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import jsonschema
import pytest

from cli_helpers import FINDING_COLUMN, FINDING_ROW, HANDLER_WITH_CLIENT, SARIF_SCHEMA_PATH, run_cli, write
from lambdalint import Bad, Good, Rule, Severity
from lambdalint.diagnostics import Diagnostic, Location
from lambdalint.docs import render_markdown, rule_url
from lambdalint.output import sarif as sarif_module
from lambdalint.output.sarif import SarifRun, build_sarif, line_hashes, rule_descriptor
from lambdalint.registry import load_registry



@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SARIF_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _valid(validator, log: dict) -> dict:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    return log


def _sarif(*args: str) -> tuple[dict, object]:
    run = run_cli("check", "--output-format", "sarif", *args)
    return json.loads(run.stdout), run


# -- the whole log -----------------------------------------------------------------------


def test_log_is_valid_against_the_official_schema(workdir, validator):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT, "broken.py": "def f(:\n"})
    log, run = _sarif(".", "missing.py")
    assert run.exit_code == 1
    _valid(validator, log)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert len(log["runs"]) == 1  # GitHub rejects several runs of one tool and category


def test_clean_run_is_valid_with_no_results(workdir, validator):
    write(workdir, {"app.py": "x = 1\n"})
    log, run = _sarif("app.py")
    assert run.exit_code == 0
    _valid(validator, log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_driver_names_the_tool(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    driver = _sarif("app.py")[0]["runs"][0]["tool"]["driver"]
    assert driver["name"] == "lambdalint"
    assert driver["version"] == driver["semanticVersion"] == __import__("lambdalint").__version__
    assert driver["informationUri"].startswith("https://")


# -- rules ----------------------------------------------------------------------------------


def test_every_rule_that_ran_is_described_with_its_doc_page(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    log = _sarif("app.py")[0]
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    registry = load_registry().rules
    default = {code for code, rule in registry.items() if rule.default_enabled}
    assert default <= set(rules)
    lam101 = rules["LAM101"]
    assert lam101["name"] == "client-in-handler"
    assert lam101["helpUri"] == rule_url("LAM101")
    assert lam101["help"]["markdown"] == render_markdown(registry["LAM101"])
    assert lam101["help"]["text"]
    assert lam101["shortDescription"]["text"] == registry["LAM101"].summary()
    assert lam101["fullDescription"]["text"].startswith("Flags")
    assert lam101["defaultConfiguration"]["level"] == "warning"
    assert lam101["properties"]["tags"] == list(registry["LAM101"].tags)
    for rule in rules.values():
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert len(rule["properties"]["tags"]) <= 20


def test_selection_limits_the_rules(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    log = _sarif("--select", "LAM101", "app.py")[0]
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == ["LAM101"]


def _fake_rule(code: str, severity: Severity, tags: tuple[str, ...] = ()) -> type[Rule]:
    doc = """
    ## What it does
    Flags something. More text.

    ## Why is this bad?
    Because.

    ## Fix safety
    No fix.

    ## References
    - none
    """
    return type("Fake", (Rule,), {
        "__doc__": doc, "code": code, "name": "fake-rule", "severity": severity, "tags": tags,
        "examples": [Bad("x = 1  # expect\n"), Good("y = 2\n")],
    })


@pytest.mark.parametrize(("code", "severity", "score"), [
    ("LAM401", Severity.ERROR, "8.0"), ("LAM406", Severity.WARNING, "5.5"),
    ("LAM407", Severity.INFO, "3.0"), ("LAM701", Severity.ERROR, "8.0"),
])
def test_security_rules_carry_a_security_severity(code, severity, score):
    descriptor = rule_descriptor(_fake_rule(code, severity, ("secrets",)))
    assert descriptor["properties"]["security-severity"] == score
    assert 0 < float(score) <= 10
    assert descriptor["properties"]["tags"] == ["secrets", "security"]


@pytest.mark.parametrize("code", ["LAM101", "LAM108", "LAM501", "LAM605"])
def test_other_rules_are_not_security_alerts(code):
    descriptor = rule_descriptor(_fake_rule(code, Severity.ERROR, ("security",)))
    assert "security-severity" not in descriptor["properties"]


def test_rule_levels_map_severities():
    assert rule_descriptor(_fake_rule("LAM101", Severity.INFO))["defaultConfiguration"]["level"] == "note"
    assert rule_descriptor(_fake_rule("LAM101", Severity.ERROR))["defaultConfiguration"]["level"] == "error"


# -- results ----------------------------------------------------------------------------------


def test_result_points_at_the_finding(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT})
    log = _sarif("src")[0]
    run = log["runs"][0]
    [result] = run["results"]
    assert result["ruleId"] == "LAM101"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "LAM101"
    assert result["level"] == "warning"
    assert "boto3.client" in result["message"]["text"]
    [location] = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": FINDING_ROW, "startColumn": FINDING_COLUMN,
                                  "endLine": FINDING_ROW, "endColumn": 28}
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == workdir.resolve().as_uri() + "/"


def test_configured_severity_sets_the_result_level(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    (workdir / "pyproject.toml").write_text('[tool.lambdalint.severity]\nLAM101 = "error"\n', encoding="utf-8")
    log = _sarif("app.py")[0]
    assert log["runs"][0]["results"][0]["level"] == "error"
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "LAM101")
    assert rule["defaultConfiguration"]["level"] == "warning"  # the rule's own default


def test_uris_are_percent_encoded(workdir, validator):
    write(workdir, {"my handlers/app #1.py": HANDLER_WITH_CLIENT})
    log = _valid(validator, _sarif(".")[0])
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20handlers/app%20%231.py"


def test_unparsable_file_is_a_lam000_result(workdir, validator):
    write(workdir, {"broken.py": "def f(:\n"})
    log = _valid(validator, _sarif("broken.py")[0])
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "LAM000" and result["level"] == "error"
    rule = log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "LAM000" and rule["name"] == "syntax-error"


# -- fingerprints ----------------------------------------------------------------------------------

# Expected values from the test suite of GitHub's codeql-action (src/fingerprints.test.ts).
GITHUB_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (" a\nb\n  \t\tc\n d", ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]),
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
     ["8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1", "c6805c5e1288b612:1",
      "b86d3392aea1be30:1", "e6ceba753e1a442:1"]),
]
_HELLO = ["e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
          "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"]
GITHUB_VECTORS += [
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", _HELLO),
    (" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", _HELLO),
    (" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", _HELLO),
    (" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", _HELLO),
    ("Lorem ipsum dolor sit amet.\n" * 10,
     [f"a7f2ff13bc495cf2:{n}" for n in range(1, 7)]
     + ["a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1",
        "c129715d7a2bc9a3:1"]),
]


@pytest.mark.parametrize(("text", "expected"), GITHUB_VECTORS, ids=range(len(GITHUB_VECTORS)))
def test_line_hash_matches_githubs_vectors(text, expected):
    assert line_hashes(text) == expected


def test_line_hash_counts_utf16_code_units():
    # An astral character is two UTF-16 units in JavaScript: the hash must see both.
    assert line_hashes("x = '\U0001F600'\n") != line_hashes("x = '\uFFFF'\n")
    assert len(line_hashes("a\U0001F600\nb")) == 2


def test_result_carries_the_line_hash_of_its_line(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    result = _sarif("app.py")[0]["runs"][0]["results"][0]
    expected = line_hashes((workdir / "app.py").read_text(encoding="utf-8"))[FINDING_ROW - 1]
    assert result["partialFingerprints"]["primaryLocationLineHash"] == expected
    assert result["partialFingerprints"]["lambdalint/v1"]


def test_identical_lines_get_distinct_occurrence_indices(workdir):
    # Three handlers whose client line and the 100 characters after it are the same.
    block = textwrap.dedent('''\
        def handler_{name}(event, context):
            s3 = boto3.client("s3")
            # The bucket listing below is the same in every handler of this module, on purpose.
            return s3.list_buckets()


    ''')
    write(workdir, {"app.py": "import boto3\n\n\n" + "".join(block.format(name=n) for n in "abc")})
    results = _sarif("app.py")[0]["runs"][0]["results"]
    assert len(results) == 3
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(set(hashes)) == 3
    first, second = (h.split(":") for h in hashes[:2])
    assert first[0] == second[0] and (first[1], second[1]) == ("1", "2")
    stable = [r["partialFingerprints"]["lambdalint/v1"] for r in results]
    assert len(set(stable)) == 3


def test_output_is_deterministic(workdir):
    write(workdir, {"a.py": HANDLER_WITH_CLIENT, "b/c.py": HANDLER_WITH_CLIENT})
    assert run_cli("check", "--output-format", "sarif", ".").stdout == \
        run_cli("check", "--output-format", "sarif", ".").stdout


def test_fingerprints_survive_moved_lines(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    before = _sarif("app.py")[0]["runs"][0]["results"][0]["partialFingerprints"]
    (workdir / "app.py").write_text("# a new comment\n\n" + HANDLER_WITH_CLIENT, encoding="utf-8")
    after = _sarif("app.py")[0]["runs"][0]["results"][0]
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == FINDING_ROW + 2
    assert after["partialFingerprints"] == before


# -- fixes ----------------------------------------------------------------------------------------


def _apply(text: str, replacements: list[dict]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(row: int, column: int) -> int:
        return starts[row - 1] + column - 1

    spans = []
    for replacement in replacements:
        region = replacement["deletedRegion"]
        spans.append((offset(region["startLine"], region["startColumn"]),
                      offset(region["endLine"], region["endColumn"]),
                      replacement.get("insertedContent", {}).get("text", "")))
    for start, end, inserted in sorted(spans, reverse=True):
        text = text[:start] + inserted + text[end:]
    return text


def test_fixable_finding_carries_a_fix_that_does_what_fix_does(workdir, validator):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    log = _valid(validator, _sarif("app.py")[0])
    [fix] = log["runs"][0]["results"][0]["fixes"]
    assert fix["description"]["text"]
    assert fix["properties"]["applicability"] == "safe"
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    patched = _apply(HANDLER_WITH_CLIENT, change["replacements"])
    assert run_cli("check", "--fix", "app.py").exit_code == 0
    assert patched == (workdir / "app.py").read_text(encoding="utf-8")


def test_fix_at_the_end_of_a_file_without_a_final_newline(workdir, validator):
    source = HANDLER_WITH_CLIENT.rstrip("\n")
    write(workdir, {"app.py": source})
    log = _valid(validator, _sarif("app.py")[0])
    change = log["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]
    patched = _apply(source, change["replacements"])
    run_cli("check", "--fix", "app.py")
    assert patched == (workdir / "app.py").read_text(encoding="utf-8")


def test_findings_without_a_fix_have_no_fixes(workdir):
    write(workdir, {"app.py": "import sys\n\n\ndef lambda_handler(event, context):\n    sys.exit(1)\n"})
    results = _sarif("--select", "LAM106", "app.py")[0]["runs"][0]["results"]
    assert results and all("fixes" not in r for r in results)


# -- invocation ----------------------------------------------------------------------------------


def test_unreadable_paths_become_error_notifications(workdir, validator):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    log, run = _sarif("app.py", "missing.py")
    _valid(validator, log)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "missing.py" in note["message"]["text"]
    assert len(log["runs"][0]["results"]) == 1  # the readable file was still checked


def test_nothing_checked_is_unsuccessful_and_exits_2(workdir, validator):
    log, run = _sarif("missing.py")
    assert run.exit_code == 2
    _valid(validator, log)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_output_file(workdir, validator):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--output-format", "sarif", "-o", "out.sarif", "app.py")
    assert run.exit_code == 1 and run.stdout == ""
    _valid(validator, json.loads((workdir / "out.sarif").read_text(encoding="utf-8")))


def _diagnostics(count: int) -> list[Diagnostic]:
    severities = [Severity.INFO, Severity.ERROR, Severity.WARNING]
    return [Diagnostic(code="LAM101", name="client-in-handler", message=f"m{i}", severity=severities[i % 3],
                       path=Path("nowhere.py"), location=Location(i + 1, 1), end_location=Location(i + 1, 2))
            for i in range(count)]


def test_results_beyond_githubs_limit_are_cut_most_severe_first(monkeypatch, validator):
    monkeypatch.setattr(sarif_module, "MAX_RESULTS", 4)
    run = SarifRun()
    log = _valid(validator, build_sarif(_diagnostics(9), run))
    results = log["runs"][0]["results"]
    assert [r["message"]["text"] for r in results] == ["m1", "m2", "m4", "m7"]  # errors, then warnings
    assert any("5 least severe" in w for w in run.warnings)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("left out" in n["message"]["text"] for n in notes)


def test_many_results_warn_that_github_shows_only_some(monkeypatch):
    monkeypatch.setattr(sarif_module, "SHOWN_RESULTS", 2)
    run = SarifRun()
    build_sarif(_diagnostics(3), run)
    assert any("shows only" in w for w in run.warnings)


def test_baseline_marks_results_new(workdir, validator):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    assert run_cli("baseline", "-o", "baseline.json", "app.py").exit_code == 0
    (workdir / "app.py").write_text(HANDLER_WITH_CLIENT.replace('s3.head', 'boto3.client("sqs")\n    s3.head'),
                                    encoding="utf-8")
    log = _valid(validator, _sarif("--baseline", "baseline.json", "app.py")[0])
    results = log["runs"][0]["results"]
    assert len(results) == 1 and results[0]["baselineState"] == "new"


def test_example_project_validates(workdir, validator):
    examples = Path(__file__).resolve().parent.parent / "examples"
    shutil.copytree(examples, workdir / "examples")
    log, run = _sarif("examples")
    assert run.exit_code == 1
    _valid(validator, log)
    assert log["runs"][0]["results"]
