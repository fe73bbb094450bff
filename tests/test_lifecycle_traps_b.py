"""Traps of LAM106 exit-in-handler, LAM107 static-init-in-handler and LAM108
reserved-env-override that do not fit as doc examples: the CLI end to end,
the cheap pre-scan, config-named handlers, cross-module reach, suppressions,
message wording, and the lazy-init shapes the execution model must recognise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalint import FixAvailability, Severity
from lambdalint.docs import missing_sections, render_markdown
from lambdalint.registry import load_registry
from lambdalint.testing import run_rule

REGISTRY = load_registry(include_plugins=False)
EXIT, STATIC, ENV = (REGISTRY.rules[code] for code in ("LAM106", "LAM107", "LAM108"))


def findings(rule, files: dict[str, str], config: dict | None = None) -> list[tuple[str, int, str]]:
    """(path, row, message) of one rule's findings in an in-memory project (row 1 is the
    blank line after the opening quotes)."""
    result = run_rule(rule, {path: textwrap.dedent(code) for path, code in files.items()}, config)
    assert not result.internal_error, result.messages
    return [(str(d.path), d.location.row, d.message) for d in result.diagnostics if d.code == rule.code]


def rows(rule, code: str, path: str = "app.py", config: dict | None = None) -> list[int]:
    return [row for _, row, _ in findings(rule, {path: code}, config)]


def lambdalint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", *args],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )


def write(root: Path, files: dict[str, str]) -> None:
    for name, code in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code), encoding="utf-8")


# -- metadata -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "name", "severity"),
    [(EXIT, "exit-in-handler", Severity.ERROR),
     (STATIC, "static-init-in-handler", Severity.INFO),
     (ENV, "reserved-env-override", Severity.ERROR)],
    ids=["LAM106", "LAM107", "LAM108"],
)
def test_metadata_matches_the_catalog(rule, name, severity):
    assert rule.name == name
    assert rule.severity is severity
    assert rule.fix is (FixAvailability.SAFE if rule is STATIC else FixAvailability.NONE)
    assert rule.default_enabled
    assert rule.tags
    assert len(rule.bad_examples()) >= 3 and len(rule.good_examples()) >= 3
    assert not missing_sections(rule)
    assert f"# {rule.code} {name}" in render_markdown(rule)


def test_static_init_documents_its_hoist_fix_and_its_limits():
    from lambdalint.rule import doc_section

    text = " ".join(doc_section(STATIC.doc(), "Fix safety").split())
    assert "re.compile(<literal>)" in text and "Loads of fixed files have no fix" in text


@pytest.mark.parametrize("rule", [EXIT, STATIC, ENV], ids=["LAM106", "LAM107", "LAM108"])
def test_prescan_words_keep_every_bad_example(rule):
    """The pre-scan may skip a file only when the rule cannot fire in it."""
    for example in rule.bad_examples():
        texts = [example.code, *(textwrap.dedent(c) for c in example.files.values())]
        assert any(word in text for word in rule.words for text in texts), example.code


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (EXIT, "from os import _exit as die\n\ndef handler(event, context):\n    die(1)\n"),
        (EXIT, "import sys as s\n\ndef handler(event, context):\n    s.exit()\n"),
        (STATIC, "from joblib import load as get\n\ndef handler(event, context):\n    return get('m.joblib')\n"),
        (STATIC, "from re import compile as rx\n\ndef handler(event, context):\n    return rx('a+')\n"),
        (ENV, "from os import environ as e\n\ne['AWS_LAMBDA_FUNCTION_NAME'] = 'x'\n"),
    ],
)
def test_aliased_imports_pass_the_prescan_and_are_flagged(rule, code):
    assert any(word in code for word in rule.words)
    assert rows(rule, code) == [len(code.splitlines())]


# -- LAM106 exit-in-handler ------------------------------------------------------------


def test_exit_cli_end_to_end(tmp_path):
    write(tmp_path, {"app.py": '''
        import sys

        def lambda_handler(event, context):
            if not event:
                sys.exit(1)
            return event

        def main():
            sys.exit(0 if lambda_handler({"x": 1}, None) else 1)

        if __name__ == "__main__":
            main()
            raise SystemExit(0)
    '''})
    run = lambdalint(tmp_path, "--select", "LAM106", "--output-format", "json", ".")
    assert run.returncode == 1, run.stderr
    found = json.loads(run.stdout)
    assert [(f["filename"], f["location"]["row"], f["severity"]) for f in found] == [("app.py", 6, "error")]
    assert "sys.exit" in found[0]["message"] and "lambda_handler" in found[0]["message"]


def test_exit_in_a_handler_named_by_config():
    code = '''
        import sys

        def run(job, ctx):
            if job.get("cancel"):
                sys.exit(0)
            return job
    '''
    assert rows(EXIT, code, path="jobs/worker.py") == []
    assert rows(EXIT, code, path="jobs/worker.py", config={"handlers": ["jobs/worker.py:run"]}) == [6]


def test_exit_in_a_nested_function_and_a_method_reached_from_the_handler():
    code = '''
        import os

        class Job:
            def abort(self):
                os.abort()

        def lambda_handler(event, context):
            def bail():
                exit(3)
            if event.get("bail"):
                bail()
            Job().abort()
    '''
    assert rows(EXIT, code) == [6, 10]


def test_exit_shadowed_by_an_import_of_another_module_is_not_flagged():
    code = '''
        from myapp.shutdown import exit

        def lambda_handler(event, context):
            return exit("graceful")
    '''
    assert rows(EXIT, code) == []


def test_exit_finding_can_be_suppressed_with_noqa():
    code = '''
        import sys

        def lambda_handler(event, context):
            sys.exit(1)  # noqa: LAM106
    '''
    assert rows(EXIT, code) == []


def test_reraising_a_caught_systemexit_is_not_a_new_exit():
    code = '''
        def lambda_handler(event, context):
            try:
                return run(event)
            except SystemExit as stop:
                raise RuntimeError("a library tried to exit") from stop

        def run(event):
            return event
    '''
    assert rows(EXIT, code) == []


# -- LAM107 static-init-in-handler -----------------------------------------------------


def test_static_load_in_another_module_reached_from_the_handler():
    found = findings(STATIC, {
        "app.py": '''
            from settings.loader import settings

            def lambda_handler(event, context):
                return settings()[event["key"]]
        ''',
        "settings/loader.py": '''
            import json
            import os

            HERE = os.path.dirname(__file__)

            def settings():
                with open(os.path.join(HERE, "settings.json")) as f:
                    return json.load(f)
        ''',
    })
    assert [(path, row) for path, row, _ in found] == [("settings/loader.py", 9)]
    message = found[0][2]
    assert "`settings.json`" in message and "in `settings`, called from `lambda_handler`" in message


def test_static_message_names_the_file_and_the_remedy():
    (_, _, message), = findings(STATIC, {"app.py": '''
        import yaml

        def lambda_handler(event, context):
            with open("rules.yaml") as stream:
                return yaml.safe_load(stream)
    '''})
    assert "`yaml.safe_load(...)`" in message and "`rules.yaml`" in message
    assert "module scope" in message


@pytest.mark.parametrize("path", [
    '"/tmp/data.json"',
    'os.path.join("/tmp", "data.json")',
    'Path("/tmp") / "data.json"',
    'f"/tmp/{event[\'key\']}"',
    'event["path"]',
    'os.path.join(os.path.dirname(__file__), event["name"])',
])
def test_static_paths_written_at_run_time_or_from_the_event_are_not_flagged(path):
    code = f'''
        import json
        import os
        from pathlib import Path

        def lambda_handler(event, context):
            with open({path}) as f:
                return json.load(f)
    '''
    assert rows(STATIC, code) == []


def test_static_a_path_parameter_is_not_static():
    code = '''
        import joblib

        def load_model(path):
            return joblib.load(path)

        def lambda_handler(event, context):
            return load_model("model.joblib").predict(event["x"])
    '''
    assert rows(STATIC, code) == []


def test_static_regex_with_a_computed_flag_or_pattern_is_not_flagged():
    code = '''
        import re

        WORD = "[a-z]+"

        def lambda_handler(event, context):
            flags = re.I if event.get("ci") else 0
            return re.compile("x", flags), re.compile(WORD), re.compile(*event["args"])
    '''
    assert rows(STATIC, code) == []


def test_static_module_level_class_attribute_is_init_phase():
    code = '''
        import re

        class Validator:
            EMAIL = re.compile(r"[^@]+@[^@]+")

            def check(self, value):
                return bool(self.EMAIL.match(value))

        def lambda_handler(event, context):
            return Validator().check(event["email"])
    '''
    assert rows(STATIC, code) == []


def test_static_factory_called_only_by_lazy_init_is_not_flagged():
    code = '''
        import json

        _config = None

        def read_config():
            with open("config.json") as f:
                return json.load(f)

        def lambda_handler(event, context):
            global _config
            if _config is None:
                _config = read_config()
            return _config[event["key"]]
    '''
    assert rows(STATIC, code) == []


def test_static_lazy_init_through_a_local_is_not_flagged():
    code = '''
        import json

        _config = None

        def lambda_handler(event, context):
            global _config
            if _config is None:
                with open("config.json") as f:
                    loaded = json.load(f)
                _config = loaded
            return _config[event["key"]]
    '''
    assert rows(STATIC, code) == []


# -- LAM108 reserved-env-override -------------------------------------------------------


ENV_WRITES = '''
    import os

    os.environ["AWS_REGION"] = "eu-west-1"
    os.putenv("_HANDLER", "app.handler")
'''


def test_env_test_files_are_exempt_through_the_cli(tmp_path):
    write(tmp_path, {
        # A handler's module: the other files are tests, which Lambda never runs.
        "src/app.py": ENV_WRITES + "\n    def lambda_handler(event, context):\n        return None\n",
        "tests/test_app.py": ENV_WRITES,
        "tests/helpers.py": ENV_WRITES,
        "conftest.py": ENV_WRITES,
        "src/app_test.py": ENV_WRITES,
        "src/test_handler.py": ENV_WRITES,
    })
    run = lambdalint(tmp_path, "--select", "LAM108", "--output-format", "json", ".")
    assert run.returncode == 1, run.stderr
    found = json.loads(run.stdout)
    assert sorted((f["filename"], f["location"]["row"]) for f in found) == [("src/app.py", 4), ("src/app.py", 5)]
    assert {f["code"] for f in found} == {"LAM108"}


def test_env_clean_project_exits_zero(tmp_path):
    write(tmp_path, {"app.py": '''
        import os

        os.environ["MY_AWS_REGION"] = os.environ["AWS_REGION"]

        def lambda_handler(event, context):
            return os.getenv("AWS_LAMBDA_FUNCTION_NAME")
    '''})
    run = lambdalint(tmp_path, "--select", "LAM108", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_env_every_reserved_key_of_one_update_is_reported_where_it_is_written():
    code = '''
        import os

        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "a",
                "APP_MODE": "b",
                "AWS_SECRET_ACCESS_KEY": "c",
            },
            AWS_SESSION_TOKEN="d",
        )
    '''
    assert rows(ENV, code) == [6, 8, 10]


def test_env_update_with_a_module_level_mapping_and_dict_call():
    code = '''
        import os

        DEFAULTS = {"AWS_DEFAULT_REGION": "us-east-1", "LOG_LEVEL": "INFO"}

        def lambda_handler(event, context):
            os.environ.update(DEFAULTS)
            os.environ.update(dict(LAMBDA_RUNTIME_DIR="/opt"))
            os.environ.update(event["env"])
    '''
    assert rows(ENV, code) == [4, 8]


def test_env_messages_say_what_breaks_and_what_to_do():
    found = findings(ENV, {"app.py": '''
        import os

        os.environ["AWS_SECRET_ACCESS_KEY"] = "x"
        os.environ.setdefault("AWS_REGION", "us-east-1")
    '''})
    (_, _, overwrite), (_, _, default) = found
    assert "`AWS_SECRET_ACCESS_KEY`" in overwrite and "credentials" in overwrite
    assert "warm invocation" in overwrite and "variable name of your own" in overwrite
    assert "`os.environ.setdefault(...)`" in default and "does nothing on Lambda" in default


def test_env_writes_to_other_mappings_or_copies_are_not_flagged():
    code = '''
        import os

        settings = {}
        settings["AWS_REGION"] = "eu-west-1"
        env = os.environ.copy()
        env["AWS_REGION"] = "eu-west-1"
        os.environ.get("AWS_REGION")
        os.environ["AWS_REGION"] == "eu-west-1"
    '''
    assert rows(ENV, code) == []


def test_env_tuple_targets_and_chained_assignment():
    code = '''
        import os

        os.environ["AWS_REGION"], other = "eu-west-1", 1
        a = os.environ["AWS_LAMBDA_LOG_LEVEL"] = "DEBUG"
    '''
    assert rows(ENV, code) == [4, 5]


def test_env_trace_header_is_said_to_last_for_this_invocation_only():
    (_, _, message), = findings(ENV, {"app.py": '''
        import os

        def lambda_handler(event, context):
            os.environ["_X_AMZN_TRACE_ID"] = event["trace"]
    '''})
    assert "X-Ray" in message and "rest of this invocation" in message
    assert "later warm invocation" not in message


def test_static_default_of_a_def_nested_in_the_handler_runs_per_invocation():
    code = '''
        import re

        def lambda_handler(event, context):
            def words(text, _find=re.compile("[a-z]+").findall):
                return _find(text)
            return words(event["text"])
    '''
    assert rows(STATIC, code) == [5]
