"""The pre-commit hooks, run by the real pre-commit (`pre-commit try-repo`).

pre-commit installs a hook repository from a git commit, so the hooks are tried
against a committed copy of this working tree in a temporary repository (the
uncommitted changes under test included). Installing the hook's virtualenv
takes a while, so the copy and pre-commit's cache are shared by the module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli_helpers import CLEAN_HANDLER, HANDLER_WITH_CLIENT, pyproject, run_cli, write

pytest.importorskip("pre_commit")

REPO = Path(__file__).resolve().parent.parent
HOOK_REPO_ITEMS = (".pre-commit-hooks.yaml", "pyproject.toml", "README.md", "LICENSE", "lambdalint", "rules")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update({
        "PRE_COMMIT_HOME": str(home),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(home),
    })
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=120)


def _commit_all(cwd: Path, env: dict[str, str]) -> None:
    _git(cwd, env, "add", "-A")
    _git(cwd, env, "commit", "-q", "--allow-empty", "-m", "snapshot")


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(hook repository, environment): this working tree committed in a fresh git repository."""
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "home")
    (base / "home").mkdir()
    repo = base / "hook-repo"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in HOOK_REPO_ITEMS:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, repo / name, ignore=ignore)
        elif item.is_file():
            shutil.copy2(item, repo / name)
    _git(repo, env, "init", "-q")
    _commit_all(repo, env)
    return repo, env


@pytest.fixture
def project(tmp_path: Path, hooks: tuple[Path, dict[str, str]]) -> Path:
    _git(tmp_path, hooks[1], "init", "-q")
    return tmp_path


def try_repo(hooks: tuple[Path, dict[str, str]], project: Path, hook: str,
             staged: tuple[str, ...] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a hook on every file, or (``staged``) on those files only, staged after a
    commit of everything else: what `git commit` hands the hook."""
    repo, env = hooks
    if staged is None:
        _git(project, env, "add", "-A")
        selection = ["--all-files"]
    else:
        _git(project, env, "add", *staged)
        selection = []
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, *selection,
                           "--color", "never"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)


def test_manifest_follows_ruffs_hooks():
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for hook in manifest}
    assert set(hooks) == {"lambdalint", "lambdalint-fix", "lambdalint-templates"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
        assert hook["entry"].startswith("lambdalint check")
    for name in ("lambdalint", "lambdalint-fix"):
        assert hooks[name]["types_or"] == ["python", "pyi", "yaml", "json", "terraform"]
    assert "--fix" in hooks["lambdalint-fix"]["entry"].split()
    assert hooks["lambdalint-templates"]["pass_filenames"] is False


def test_force_exclude_applies_excludes_to_named_files(workdir):
    write(workdir, {"app.py": HANDLER_WITH_CLIENT, "generated/client.py": HANDLER_WITH_CLIENT})
    pyproject(workdir, 'extend-exclude = ["generated"]\n')
    named = ("app.py", "generated/client.py")
    assert run_cli("check", "--output-format", "json", *named).stdout.count('"LAM101"') == 2
    run = run_cli("check", "--force-exclude", "--output-format", "json", *named)
    assert run.stdout.count('"LAM101"') == 1 and "generated" not in run.stdout
    only_excluded = run_cli("check", "--force-exclude", "generated/client.py")
    assert only_excluded.exit_code == 0
    assert only_excluded.stdout == "All checks passed! (0 files checked)\n"


@pytest.mark.slow
def test_hook_fails_on_a_bad_handler_and_passes_on_a_clean_one(hooks, project):
    write(project, {"app.py": HANDLER_WITH_CLIENT, "README.txt": "not python\n"})
    failed = try_repo(hooks, project, "lambdalint")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "app.py:5:10: LAM101" in failed.stdout

    write(project, {"app.py": CLEAN_HANDLER})
    passed = try_repo(hooks, project, "lambdalint")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.slow
def test_hook_reads_the_projects_config_and_honours_excludes(hooks, project):
    write(project, {"app.py": HANDLER_WITH_CLIENT, "generated/client.py": HANDLER_WITH_CLIENT})
    (project / "pyproject.toml").write_text('[tool.lambdalint]\nextend-exclude = ["generated"]\n'
                                            'per-file-ignores = { "app.py" = ["LAM101"] }\n', encoding="utf-8")
    run = try_repo(hooks, project, "lambdalint")
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.slow
def test_fix_hook_rewrites_the_file_and_fails_so_it_is_reviewed(hooks, project):
    write(project, {"app.py": HANDLER_WITH_CLIENT})
    run = try_repo(hooks, project, "lambdalint-fix")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "files were modified by this hook" in run.stdout
    fixed = (project / "app.py").read_text(encoding="utf-8")
    assert 's3 = boto3.client("s3")\n' in fixed and "    s3 = " not in fixed
    again = try_repo(hooks, project, "lambdalint-fix")
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.mark.slow
def test_templates_hook_checks_the_project_when_a_template_changes(hooks, project):
    write(project, {"src/app.py": HANDLER_WITH_CLIENT, "template.yaml": "Resources: {}\n"})
    run = try_repo(hooks, project, "lambdalint-templates")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "src/app.py:5:10: LAM101" in run.stdout


HELPER = """\
import boto3


def orders_table():
    return boto3.resource("dynamodb").Table("orders")
"""
HELPER_DONE_RIGHT = """\
import boto3

_TABLE = boto3.resource("dynamodb").Table("orders")


def orders_table():
    return _TABLE
"""
WORKER = """\
from shared.db import orders_table


def handle(event, context):
    orders_table().put_item(Item=event)
"""
SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: worker.handle
      Runtime: {runtime}
"""
TERRAFORM = """\
variable "runtime" {
  default = "python3.12"
}

data "archive_file" "app" {
  type        = "zip"
  source_dir  = "${path.module}/../src"
  output_path = "${path.module}/app.zip"
}

resource "aws_lambda_function" "app" {
  function_name    = "app"
  handler          = "app.lambda_handler"
  runtime          = var.runtime
  timeout          = 10
  filename         = data.archive_file.app.output_path
  source_code_hash = data.archive_file.app.output_base64sha256
}
"""


@pytest.mark.slow
def test_only_a_helper_staged_gets_its_cross_module_finding(hooks, project):
    write(project, {"src/worker.py": WORKER, "src/shared/db.py": HELPER_DONE_RIGHT,
                    "template.yaml": SAM.format(runtime="python3.12")})
    _commit_all(project, hooks[1])
    write(project, {"src/shared/db.py": HELPER})
    run = try_repo(hooks, project, "lambdalint", staged=("src/shared/db.py",))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "src/shared/db.py:5:12: LAM101" in run.stdout and "called from `handle`" in run.stdout
    assert "worker.py" not in run.stdout  # only findings in the staged file


@pytest.mark.slow
def test_only_a_template_staged_is_checked_as_a_template(hooks, project):
    write(project, {"src/worker.py": WORKER, "src/shared/db.py": HELPER,
                    "template.yaml": SAM.format(runtime="python3.12")})
    _commit_all(project, hooks[1])
    write(project, {"template.yaml": SAM.format(runtime="python3.8")})
    run = try_repo(hooks, project, "lambdalint", staged=("template.yaml",))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "template.yaml:9:7: LAM002" in run.stdout and "template.yaml:4:3: LAM004" in run.stdout
    assert "db.py" not in run.stdout  # the helper's finding is not in a staged file


@pytest.mark.slow
def test_hooks_run_when_only_a_terraform_file_is_staged(hooks, project):
    repo, env = hooks
    write(project, {"src/app.py": CLEAN_HANDLER, "infra/main.tf": TERRAFORM})
    _commit_all(project, env)
    # Only the .tf file changes: its runtime becomes a deprecated one.
    (project / "infra/main.tf").write_text(TERRAFORM.replace("python3.12", "python3.8"), encoding="utf-8")
    _git(project, env, "add", "infra/main.tf")

    def run(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, "--color", "never"],
                              cwd=project, env=env, capture_output=True, text=True, timeout=900)

    named = run("lambdalint")  # the staged .tf file is passed, and read as Terraform
    assert named.returncode == 1, named.stdout + named.stderr
    assert "infra/main.tf:14:3: LAM002 runtime `python3.8`" in named.stdout
    assert "LAM000" not in named.stdout
    whole = run("lambdalint-templates")  # the whole project is checked again
    assert whole.returncode == 1, whole.stdout + whole.stderr
    assert "infra/main.tf:14:3: LAM002" in whole.stdout
