"""The GitHub Action: action.yml passes its inputs to action/run.py as environment
variables; the script runs here in a subprocess with the same variables, on a
temporary project, the way the action's step runs it on a runner."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "action" / "run.py"
HANDLER = textwrap.dedent('''\
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.head_bucket(Bucket="reports")
''')


def load_script():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("action_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(HANDLER, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.lambdalint]\n", encoding="utf-8")
    return root


def run_action(cwd: Path, tmp_path: Path, script: Path = SCRIPT, environment: dict[str, str] | None = None,
               **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the script as the action's step does, with ``inputs`` as its `LAMBDALINT_*`
    variables (and more ``environment``); returns the process and what it wrote to
    $GITHUB_OUTPUT."""
    outputs = tmp_path / "github_output"
    outputs.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAMBDALINT_", "GITHUB_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update({"GITHUB_OUTPUT": str(outputs), "GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(tmp_path),
                # The lambdalint of the test environment, as a workflow that installed it.
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])})
    env.update(environment or {})
    env.update({f"LAMBDALINT_{name.upper()}": value for name, value in inputs.items()})
    proc = subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    written = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if line)
    return proc, written


def test_action_yml_passes_every_input_the_script_reads():
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    run, upload = action["runs"]["steps"]
    script = load_script()
    # Every input of the script is an input of the action, passed under the name the script reads.
    for variable, (name, default) in script.INPUTS.items():
        assert run["env"][variable] == f"${{{{ inputs.{name} }}}}"
        assert str(action["inputs"][name]["default"]) == default
    assert "action/run.py" in run["run"] and run["shell"] == "bash"
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "inputs.upload-sarif == 'true'" in upload["if"] and "!cancelled()" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.run.outputs.sarif-file }}"
    assert set(action["outputs"]) == {"exit-code", "sarif-file"}
    assert all(f"steps.run.outputs.{name}" in value["value"] for name, value in action["outputs"].items())


def test_annotations_and_the_exit_code(project: Path, tmp_path: Path):
    proc, outputs = run_action(project, tmp_path, install="false")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::warning file=src/app.py,line=5,col=10,endLine=5,endColumn=28,title=LAM101::" in proc.stdout
    assert "$ lambdalint check --output-format github ." in proc.stdout
    assert outputs == {"exit-code": "1"}
    # Options and paths go to `lambdalint check`.
    proc, outputs = run_action(project, tmp_path, install="false", args="--exit-zero --select LAM1", paths="src")
    assert proc.returncode == 0 and outputs == {"exit-code": "0"}
    assert "::warning file=src/app.py" in proc.stdout
    (project / "src" / "app.py").write_text("def lambda_handler(event, context):\n    return {}\n", encoding="utf-8")
    proc, outputs = run_action(project, tmp_path, install="false")
    assert proc.returncode == 0 and "::" not in proc.stdout.replace("::group::", "").replace("::endgroup::", "")


def test_sarif_for_the_upload_step(project: Path, tmp_path: Path):
    stale = project / "out" / "lambdalint.sarif"
    stale.parent.mkdir()
    stale.write_text("stale", encoding="utf-8")
    proc, outputs = run_action(project, tmp_path, install="false", **{"upload_sarif": "true",
                                                                      "sarif_file": "out/lambdalint.sarif"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outputs == {"exit-code": "1", "sarif-file": str(stale.resolve())}
    log = json.loads(stale.read_text(encoding="utf-8"))
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "LAM101"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"
    # The log lists what was written; the annotations are code scanning's.
    assert "src/app.py:5:10: LAM101 AWS client" in proc.stdout
    assert "Wrote 1 result to" in proc.stdout
    assert "::warning" not in proc.stdout


def test_errors_are_one_clear_line_and_exit_2(project: Path, tmp_path: Path):
    # A configuration error: no SARIF, so the upload step is skipped.
    (project / "pyproject.toml").write_text("[tool.lambdalint]\nselect = [\"LAM9999\"]\n", encoding="utf-8")
    proc, outputs = run_action(project, tmp_path, install="false", upload_sarif="true")
    assert proc.returncode == 2 and outputs == {"exit-code": "2"}
    assert "unknown rule code or prefix 'LAM9999'" in proc.stderr
    assert not (project / "lambdalint.sarif").exists()
    # Inputs the action cannot use, before anything is installed.
    for inputs, message in [
        ({"version": "the newest one"}, "input `version` must be"),
        ({"upload_sarif": "yes"}, "input `upload-sarif` must be true or false"),
        ({"args": "--output-format json"}, "input `args` must not set --output-format"),
        ({"args": "-o=report.txt", "install": "false"}, "input `args` must not set -o"),
        ({"version": "current"}, "GITHUB_ACTION_PATH does not name one"),
    ]:
        proc, outputs = run_action(project, tmp_path, **inputs)
        assert proc.returncode == 2, (inputs, proc.stdout)
        assert re.search(r"^::error title=lambdalint action::", proc.stdout, re.M), proc.stdout
        assert message in proc.stdout, proc.stdout
        assert outputs == {"exit-code": "2"}


@pytest.mark.parametrize(("version", "expected"), [
    ("latest", "lambdalint"), ("0.1.0", "lambdalint==0.1.0"), ("1.2.0rc1", "lambdalint==1.2.0rc1"),
    (">=0.1,<0.2", "lambdalint>=0.1,<0.2"), ("~=0.1", "lambdalint~=0.1"),
])
def test_version_input_to_pip_requirement(version: str, expected: str):
    assert load_script().requirement(version) == expected


@pytest.mark.slow
def test_version_current_installs_the_actions_own_checkout(project: Path, tmp_path: Path):
    """`version: current` (the default) installs lambdalint from the action's checkout into
    a virtualenv of its own, as on a runner (GITHUB_ACTION_PATH is the checkout)."""
    checkout = tmp_path / "action-checkout"
    checkout.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("pyproject.toml", "README.md", "LICENSE", "action.yml", "lambdalint", "rules", "action"):
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, checkout / name, ignore=ignore)
        elif item.is_file():
            shutil.copy2(item, checkout / name)
    proc, outputs = run_action(project, tmp_path, script=checkout / "action" / "run.py",
                               environment={"GITHUB_ACTION_PATH": str(checkout), "PATH": os.environ.get("PATH", "")})
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "::group::Install lambdalint (" in proc.stdout
    assert "lambdalint 0.1.0" in proc.stdout
    assert "::warning file=src/app.py,line=5" in proc.stdout
    assert outputs == {"exit-code": "1"}
    [venv] = tmp_path.glob("lambdalint-action-*")
    # Installed without the `lsp` extra: the language server says how to get it.
    command = venv / ("Scripts/lambdalint.exe" if os.name == "nt" else "bin/lambdalint")
    server = subprocess.run([str(command), "server"], cwd=project, capture_output=True, text=True, timeout=120)
    assert server.returncode == 2
    assert server.stderr.strip() == ("lambdalint: error: `lambdalint server` needs the language server extra "
                                     "(pygls is not installed): pip install 'lambdalint[lsp]'")


def _yaml_blocks(path: Path) -> list[str]:
    return [textwrap.dedent(block) for block in re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"),
                                                            re.S)]


@pytest.mark.parametrize("doc", [REPO / "docs" / "integrations.md", REPO / "README.md"], ids=lambda p: p.name)
def test_documented_workflows_use_the_actions_real_inputs(doc: Path):
    inputs = set(yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["inputs"])
    steps = []
    for block in _yaml_blocks(doc):
        if "lambdalint/lambdalint@" not in block:
            continue
        loaded = yaml.safe_load(block)
        if isinstance(loaded, dict):  # a whole workflow
            loaded = [step for job in loaded["jobs"].values() for step in job["steps"]]
        steps += [step for step in loaded if str(step.get("uses", "")).startswith("lambdalint/lambdalint@")]
    assert steps
    for step in steps:
        assert set(step.get("with") or {}) <= inputs, step
