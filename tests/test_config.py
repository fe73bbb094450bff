"""`[tool.lambdalint]`: discovery, validation, and what each key does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import (
    CLEAN_HANDLER,
    HANDLER_WITH_CLIENT,
    pyproject,
    run_cli,
    write,
)
from lambdalint import Bad, Good, Rule, Severity
from lambdalint.config import Config, ConfigError, find_config, load_config, parse_table
from lambdalint.registry import Registry


def _codes_and_files(run) -> set[tuple[str, str]]:
    return {(item["filename"], item["code"]) for item in json.loads(run.stdout)}


# -- bad configuration: one line naming key and file, exit 2, nothing checked -----------


def config_error(workdir, body: str):
    """Check app.py under a config with `body`: exit 2, nothing checked, one stderr line."""
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    config = pyproject(workdir, body)
    run = run_cli("check", "app.py")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1
    return config, run.stderr_lines[0]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('select = "LAM101"\n', "select"),
        ("ignore = [1]\n", "ignore"),
        ("extend-select = 3\n", "extend-select"),
        ('per-file-ignores = ["tests/*"]\n', "per-file-ignores"),
        ('per-file-ignores = { "tests/*" = "LAM101" }\n', "per-file-ignores.tests/*"),
        ('exclude = "build"\n', "exclude"),
        ("extend-exclude = [true]\n", "extend-exclude"),
        ('handlers = ["no-function-here"]\n', "handlers"),
        ('severity = { LAM101 = "loud" }\n', "severity.LAM101"),
        ("severity = { LAM101 = 3 }\n", "severity.LAM101"),
        ('severity = "error"\n', "severity"),
        ('fail-on = "fatal"\n', "fail-on"),
        ('output-format = "xml"\n', "output-format"),
        ('extra-clients = ["not a dotted name"]\n', "extra-clients"),
        ('extra-connections = "mycorp.db.connect"\n', "extra-connections"),
    ],
)
def test_bad_value_names_key_and_file(workdir, body, key):
    config, line = config_error(workdir, body)
    assert f"'{key}'" in line
    assert str(config) in line


def test_unknown_key_is_an_error(workdir):
    config, line = config_error(workdir, 'colour = "always"\n')
    assert line == f"lambdalint: error: {config}: unknown key 'colour' in [tool.lambdalint]"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('select = ["LAM999"]\n', "select"),
        ('extend-select = ["LAM99"]\n', "extend-select"),
        ('ignore = ["XYZ1"]\n', "ignore"),
        ('per-file-ignores = { "tests/**" = ["LAM998"] }\n', "per-file-ignores.tests/**"),
        ('severity = { LAM997 = "error" }\n', "severity"),
    ],
)
def test_unknown_rule_code_in_config_is_an_error(workdir, body, key):
    config, line = config_error(workdir, body)
    assert f"in '{key}'" in line and str(config) in line


def test_broken_toml_is_an_error(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    path = workdir / "pyproject.toml"
    path.write_text("[tool.lambdalint\nselect = [\n", encoding="utf-8")
    run = run_cli("check", "app.py")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1
    assert str(path) in run.stderr and "invalid TOML" in run.stderr


def test_tool_lambdalint_must_be_a_table(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool]\nlambdalint = "on"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a table"):
        load_config(path)


# -- finding the config ------------------------------------------------------------


def test_nearest_pyproject_upward_is_used(workdir):
    write(workdir, {"services/orders/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'ignore = ["LAM101"]\n')
    assert run_cli("check", "services/orders").exit_code == 0
    assert run_cli("check", "services/orders/app.py").exit_code == 0


def test_a_pyproject_without_the_table_is_skipped(workdir):
    write(workdir, {"svc/app.py": HANDLER_WITH_CLIENT,
                    "svc/pyproject.toml": '[project]\nname = "svc"\n'})
    pyproject(workdir, 'ignore = ["LAM101"]\n')
    assert find_config(workdir / "svc") == workdir / "pyproject.toml"
    assert run_cli("check", "svc").exit_code == 0


def test_the_nearest_table_wins_over_one_further_up(workdir):
    write(workdir, {"svc/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'ignore = ["LAM101"]\n')
    pyproject(workdir / "svc", "ignore = []\n")
    assert run_cli("check", "svc").exit_code == 1


def test_no_config_anywhere_means_defaults(tmp_path):
    assert find_config(tmp_path) is None
    config = load_config(None)
    assert config.select is None and config.ignore == [] and config.fail_on is Severity.INFO


def test_config_option_overrides_discovery(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT,
                    "ci/lambdalint.toml": '[tool.lambdalint]\nignore = ["LAM101"]\n'})
    pyproject(workdir, "ignore = []\n")
    assert run_cli("check", "app.py").exit_code == 1
    assert run_cli("check", "--config", "ci/lambdalint.toml", "app.py").exit_code == 0


def test_config_option_with_a_missing_file_is_exit_2(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--config", "nope.toml", "app.py")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1 and "nope.toml" in run.stderr


def test_config_option_is_validated_too(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT, "other.toml": "[tool.lambdalint]\nbogus = 1\n"})
    run = run_cli("check", "--config", "other.toml", "app.py")
    assert run.exit_code == 2
    assert "other.toml" in run.stderr and "'bogus'" in run.stderr


# -- what the keys do -----------------------------------------------------------------


def test_per_file_ignores_globs(workdir):
    files = ["src/handlers/orders.py", "src/handlers/deep/inner.py", "src/app.py",
             "tests/test_app.py", "tests/unit/test_deep.py", "scripts/seed.py"]
    write(workdir, {name: HANDLER_WITH_CLIENT for name in files})
    pyproject(workdir, '''
        [tool.lambdalint.per-file-ignores]
        "tests/**" = ["LAM1"]
        "src/handlers/*.py" = ["LAM101"]
        "seed.py" = ["ALL"]
    ''')
    run = run_cli("check", "--output-format", "json", ".")
    assert _codes_and_files(run) == {
        ("src/handlers/deep/inner.py", "LAM101"),  # `*` does not cross folders
        ("src/app.py", "LAM101"),
    }


def test_per_file_ignores_negated_pattern(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT, "tools/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'per-file-ignores = { "!src/**" = ["LAM101"] }\n')
    run = run_cli("check", "--output-format", "json", ".")
    assert _codes_and_files(run) == {("src/app.py", "LAM101")}


def test_per_file_ignores_are_relative_to_the_config_file(workdir):
    write(workdir, {"proj/tests/test_app.py": HANDLER_WITH_CLIENT, "proj/src/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir / "proj", 'per-file-ignores = { "tests/**" = ["LAM101"] }\n')
    run = run_cli("check", "--output-format", "json", "proj")
    assert _codes_and_files(run) == {("proj/src/app.py", "LAM101")}


def test_default_excludes_skip_virtualenvs_and_build_output(workdir):
    write(workdir, {name: HANDLER_WITH_CLIENT for name in
                    [".venv/lib/x.py", "build/lib/x.py", ".aws-sam/build/Fn/app.py",
                     "node_modules/x.py", "src/app.py"]})
    run = run_cli("check", "--output-format", "json", ".")
    assert _codes_and_files(run) == {("src/app.py", "LAM101")}


def test_extend_exclude_adds_to_the_defaults(workdir):
    write(workdir, {"vendor/lib.py": HANDLER_WITH_CLIENT, "gen/api/client.py": HANDLER_WITH_CLIENT,
                    ".venv/x.py": HANDLER_WITH_CLIENT, "src/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'extend-exclude = ["vendor", "gen/api"]\n')
    run = run_cli("check", "--output-format", "json", ".")
    assert _codes_and_files(run) == {("src/app.py", "LAM101")}


def test_exclude_replaces_the_defaults(workdir):
    write(workdir, {"build/app.py": HANDLER_WITH_CLIENT, "legacy/app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'exclude = ["legacy"]\n')
    run = run_cli("check", "--output-format", "json", ".")
    assert _codes_and_files(run) == {("build/app.py", "LAM101")}


def test_a_file_named_on_the_command_line_is_checked_even_if_excluded(workdir):
    write(workdir, {"vendor/lib.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'extend-exclude = ["vendor"]\n')
    assert run_cli("check", ".").exit_code == 0
    assert run_cli("check", "vendor/lib.py").exit_code == 1


def test_a_folder_named_on_the_command_line_is_checked_even_if_excluded(workdir):
    write(workdir, {"build/pkg/app.py": HANDLER_WITH_CLIENT, "build/pkg/build/gen.py": HANDLER_WITH_CLIENT,
                    "sam/.aws-sam/build/Fn/app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "build")
    assert run.exit_code == 1
    assert "(1 file checked)" in run.stdout  # excludes still apply below the named folder
    assert "(1 file checked)" in run_cli("check", "sam/.aws-sam/build/Fn").stdout


def test_handlers_key_names_a_handler_the_heuristics_miss(workdir):
    code = '''
        import boto3

        def process(payload, ctx):
            return boto3.client("s3").head_bucket(Bucket="reports")
    '''
    write(workdir, {"svc/app.py": code})
    assert run_cli("check", "svc").exit_code == 0
    pyproject(workdir, 'handlers = ["svc/app.py:process"]\n')
    run = run_cli("check", "--output-format", "json", "svc")
    assert _codes_and_files(run) == {("svc/app.py", "LAM101")}
    handlers = json.loads(run_cli("handlers", "--output-format", "json", "svc").stdout)
    assert [(h["handler"], h["reason"]) for h in handlers] == [("app.process", "config")]  # named from its inferred code root, svc


def test_handlers_key_accepts_a_dotted_name(workdir):
    write(workdir, {"svc/app.py": "import boto3\n\ndef process(payload, ctx):\n    return boto3.client('s3')\n"})
    pyproject(workdir, 'handlers = ["svc.app.process"]\n')
    assert run_cli("check", "svc").exit_code == 1


def test_a_handler_that_matches_nothing_is_a_warning(workdir):
    write(workdir, {"app.py": CLEAN_HANDLER})
    pyproject(workdir, 'handlers = ["app.py:missing_function"]\n')
    run = run_cli("check", "app.py")
    assert run.exit_code == 0
    assert "missing_function" in run.stderr and "matches no function" in run.stderr


def test_extra_clients(workdir):
    write(workdir, {"app.py": '''
        from mycorp.aws import tracked_client

        def lambda_handler(event, context):
            return tracked_client("s3")
    '''})
    assert run_cli("check", "app.py").exit_code == 0
    pyproject(workdir, 'extra-clients = ["mycorp.aws.tracked_client"]\n')
    run = run_cli("check", "--output-format", "json", "app.py")
    assert _codes_and_files(run) == {("app.py", "LAM101")}


def test_severity_prefix_and_most_specific_entry_wins(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'severity = { LAM1 = "info", LAM101 = "error" }\n')
    run = run_cli("check", "--output-format", "json", "app.py")
    assert json.loads(run.stdout)[0]["severity"] == "error"
    pyproject(workdir, 'severity = { LAM1 = "info" }\n')
    run = run_cli("check", "--output-format", "json", "app.py")
    assert json.loads(run.stdout)[0]["severity"] == "info"


def test_select_in_config(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'select = ["LAM1"]\nignore = ["LAM101"]\n')
    assert run_cli("check", "app.py").exit_code == 0
    pyproject(workdir, 'select = ["ALL"]\n')
    assert run_cli("check", "app.py").exit_code == 1


def test_keys_are_kebab_case_only(tmp_path):
    with pytest.raises(ConfigError, match="unknown key 'extend_select'"):
        parse_table({"extend_select": ["LAM1"]}, tmp_path / "pyproject.toml")


def test_parse_table_reads_every_supported_key(tmp_path):
    config = parse_table(
        {
            "select": ["LAM1"],
            "extend-select": ["LAM101"],
            "ignore": ["LAM102"],
            "per-file-ignores": {"tests/**": ["LAM1"]},
            "exclude": ["build"],
            "extend-exclude": ["vendor"],
            "handlers": ["src/app.py:handle", "pkg.mod.fn"],
            "severity": {"LAM101": "error"},
            "fail-on": "warning",
            "output-format": "json",
            "extra-clients": ["mycorp.aws.client"],
            "extra-connections": ["mycorp.db.connect"],
        },
        tmp_path / "pyproject.toml",
    )
    assert isinstance(config, Config)
    assert config.select == ["LAM1"] and config.extend_select == ["LAM101"] and config.ignore == ["LAM102"]
    assert config.per_file_ignores == {"tests/**": ["LAM1"]}
    assert config.excludes == ["build", "vendor"]
    assert [(h.module, h.function) for h in config.handlers] == [("src/app.py", "handle"), ("pkg.mod", "fn")]
    assert config.severity == {"LAM101": Severity.ERROR}
    assert config.fail_on is Severity.WARNING
    assert config.output_format == "json"
    assert config.extra_clients == ["mycorp.aws.client"]
    assert config.extra_connections == ["mycorp.db.connect"]
    assert config.root == tmp_path


# -- opt-in rules: only ALL or their exact code turns them on ------------------------------


def _fake_rule(code: str, opt_in: bool) -> type[Rule]:
    return type(
        f"Fake{code}",
        (Rule,),
        {"code": code, "name": f"fake-{code.lower()}", "severity": Severity.INFO,
         "default_enabled": not opt_in, "examples": [Bad("x = 1  # expect\n"), Good("x = 1\n")]},
    )


@pytest.fixture
def registry() -> Registry:
    registry = Registry()
    for code, opt_in in (("LAM901", False), ("LAM902", True), ("LAM911", False)):
        registry.add(_fake_rule(code, opt_in), "tests")
    assert not registry.warnings
    return registry


def _codes(rules) -> list[str]:
    return [rule.code for rule in rules]


def test_default_selection_leaves_opt_in_rules_off(registry):
    assert _codes(registry.select(None)) == ["LAM901", "LAM911"]


def test_a_prefix_does_not_turn_on_opt_in_rules(registry):
    assert _codes(registry.select(["LAM9"])) == ["LAM901", "LAM911"]
    assert _codes(registry.select(["LAM90"])) == ["LAM901"]
    assert _codes(registry.select(None, extend_select=["LAM9"])) == ["LAM901", "LAM911"]


def test_all_or_the_exact_code_turns_on_opt_in_rules(registry):
    assert _codes(registry.select(["ALL"])) == ["LAM901", "LAM902", "LAM911"]
    assert _codes(registry.select(["LAM902"])) == ["LAM902"]
    assert _codes(registry.select(None, extend_select=["LAM902"])) == ["LAM901", "LAM902", "LAM911"]


def test_ignore_prefix_also_removes_opt_in_rules(registry):
    assert _codes(registry.select(["ALL"], ignore=["LAM90"])) == ["LAM911"]


def test_registry_refuses_malformed_rules():
    registry = Registry()
    registry.add(_fake_rule("LAM9", False), "tests")
    bad_name = _fake_rule("LAM950", False)
    bad_name.name = "Not Kebab"
    registry.add(bad_name, "tests")
    assert registry.rules == {}
    assert len(registry.warnings) == 2


def test_registry_refuses_a_duplicate_code():
    registry = Registry()
    registry.add(_fake_rule("LAM950", False), "first")
    registry.add(_fake_rule("LAM950", False), "second")
    assert list(registry.rules) == ["LAM950"]
    assert "taken" in registry.warnings[0]


def test_check_with_a_path_in_a_missing_folder_still_finds_the_config(workdir: Path):
    write(workdir, {"app.py": CLEAN_HANDLER})
    pyproject(workdir, "bogus = 1\n")
    run = run_cli("check", "does/not/exist.py")
    assert run.exit_code == 2
    assert "'bogus'" in run.stderr
