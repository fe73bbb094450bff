"""A rule that raises never hides the other rules' findings.

The crash is caught per rule and file; stderr names the rule, the file and
the line and asks for a bug report; the exit code is 2 (even with
--exit-zero), so CI cannot pass on an incomplete run. Tested in-process
(Runner, one process and a pool) and end to end with a rule pack installed
through a real `lambdalint.rules` entry point, checked with --jobs 1 and 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from lambdalint import Rule
from lambdalint.config import Config
from lambdalint.registry import load_registry
from lambdalint.runner import MIN_FILES_FOR_POOL, Runner

LAM101 = load_registry(include_plugins=False).rules["LAM101"]
HANDLER = textwrap.dedent('''\
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.head_bucket(Bucket="reports")
''')
ROW = 5  # the client call: LAM101's finding and the first Call node
FILES = MIN_FILES_FOR_POOL + 6  # enough for --jobs 2 to use a process pool
BUG_REPORT = "; its findings for this file are dropped. Please report this bug with the file that triggers it."


PACK = textwrap.dedent('''\
    """A deliberately broken rule pack."""
    import os
    import multiprocessing

    import libcst as cst

    from lambdalint import Rule, Severity


    class CrashesOnCalls(Rule):
        code = "LAM990"
        name = "crashes-on-calls"
        severity = Severity.ERROR

        def visit_Call(self, node: cst.Call) -> None:
            raise ZeroDivisionError("boom")


    class ReportsThenCrashes(Rule):
        code = "LAM991"
        name = "reports-then-crashes"
        severity = Severity.ERROR

        def visit_Call(self, node: cst.Call) -> None:
            self.report(node, "a call")

        def end_file(self) -> None:
            raise RuntimeError("lost my place")


    class RaisesWithANode(Rule):
        code = "LAM992"
        name = "raises-with-a-node"
        severity = Severity.ERROR

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            raise KeyError(node)


    class KillsItsWorker(Rule):
        """Ends a worker process abruptly, as the kernel's OOM killer would."""

        code = "LAM993"
        name = "kills-its-worker"
        severity = Severity.ERROR
        default_enabled = False

        def visit_Call(self, node: cst.Call) -> None:
            if multiprocessing.parent_process() is not None:
                os._exit(9)
''')


def load_pack() -> list[type[Rule]]:
    """The pack's rules that raise, loaded from its text for the in-process tests."""
    module = types.ModuleType("brokenpack")
    exec(compile(PACK, "brokenpack.py", "exec"), module.__dict__)  # noqa: S102 - the test's own code
    return [module.CrashesOnCalls, module.ReportsThenCrashes, module.RaisesWithANode]


BROKEN = load_pack()


def project(root: Path, count: int = FILES) -> Path:
    for index in range(count):
        (root / f"app_{index:02d}.py").write_text(HANDLER, encoding="utf-8")
    return root


def check_messages(messages: list[str], files: list[str]) -> None:
    """One line per broken rule and file, naming rule, file (and line where known)."""
    expected = set()
    for rel in files:
        expected.add(f"error: rule LAM990 (crashes-on-calls) crashed on {rel}:{ROW}: ZeroDivisionError: boom")
        expected.add(f"error: rule LAM991 (reports-then-crashes) crashed on {rel}: RuntimeError: lost my place")
        expected.add(f"error: rule LAM992 (raises-with-a-node) crashed on {rel}:4: KeyError: <FunctionDef node>")
    got = set()
    for message in messages:
        assert "\n" not in message and len(message) < 400, message
        assert message.endswith(BUG_REPORT), message
        head, _, _ = message.partition(" at ")  # then where in the rule's code it raised
        got.add(head)
    assert got == expected
    assert len(messages) == len(expected)


@pytest.mark.parametrize("jobs", [1, 2])
def test_runner_isolates_broken_rules_in_process_and_in_a_pool(tmp_path: Path, jobs: int):
    root = project(tmp_path)
    outcome = Runner(Config(), [LAM101, *BROKEN], jobs=jobs).run([root])
    rels = sorted({str(d.path) for d in outcome.diagnostics})
    assert [(d.code, d.location.row) for d in outcome.diagnostics] == [("LAM101", ROW)] * FILES
    assert outcome.internal_error is True
    from lambdalint.discovery import relative

    check_messages(outcome.messages, [relative(Path(p)) for p in rels])


# -- end to end: a rule pack installed through an entry point -----------------------------



@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the pack and its dist-info, as `pip install` would leave them."""
    site = tmp_path_factory.mktemp("site")
    (site / "brokenpack.py").write_text(PACK, encoding="utf-8")
    info = site / "brokenpack-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenpack\nVersion: 0.0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[lambdalint.rules]\nbroken = brokenpack\n", encoding="utf-8")
    return site


def run(plugin_path: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(plugin_path),
                                                                    os.environ.get("PYTHONPATH", "")]))}
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_broken_rule_pack_through_the_command_line(tmp_path: Path, plugin_path: Path, jobs: str):
    project(tmp_path)
    proc = run(plugin_path, tmp_path, "--no-cache", "--jobs", jobs, "--select", "LAM101,LAM990,LAM991,LAM992",
               "--output-format", "json", ".")
    assert proc.returncode == 2
    findings = [(item["filename"], item["location"]["row"], item["code"]) for item in json.loads(proc.stdout)]
    names = [f"app_{index:02d}.py" for index in range(FILES)]
    assert findings == [(name, ROW, "LAM101") for name in names]
    lines = proc.stderr.splitlines()
    assert all(line.startswith("lambdalint: error: rule LAM99") for line in lines), lines
    check_messages([line.removeprefix("lambdalint: ") for line in lines], names)


def test_a_crash_is_never_cached_into_silence(tmp_path: Path, plugin_path: Path):
    project(tmp_path, count=2)
    args = ("--jobs", "1", "--select", "LAM101,LAM990", "--exit-zero", "--output-format", "json", ".")
    first = run(plugin_path, tmp_path, *args)
    second = run(plugin_path, tmp_path, *args)
    assert first.returncode == second.returncode == 2
    assert first.stdout == second.stdout
    assert first.stderr == second.stderr and first.stderr.count("LAM990") == 2


def test_a_worker_process_that_dies_is_reported_not_passed(tmp_path: Path, plugin_path: Path):
    project(tmp_path)
    proc = run(plugin_path, tmp_path, "--no-cache", "--jobs", "2", "--select", "LAM101,LAM993", ".")
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("lambdalint: error: a checking process died while checking app_")
                         and line.endswith("Please report this bug with those files.") for line in lines), lines
