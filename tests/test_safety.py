"""Reading and writing are safe.

lambdalint reads the code it checks and never imports or runs it (nor the
deployment templates next to it); `--fix` writes only the files it was asked
to check, never through a symlink, and atomically: a failed write leaves the
old file and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalint.autofix import write_atomically

HANDLER = textwrap.dedent('''\
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.head_bucket(Bucket="reports")
''')
FIXED_LINE = 's3 = boto3.client("s3")\n'  # the local moved to module scope


def booby_trap(marker: Path, name: str) -> str:
    """Module code that leaves a marker file and ends the process when it runs."""
    return f"import os\nopen({str(marker / name)!r}, 'w').close()\nos._exit(42)\n"


def console_script() -> Path | None:
    script = Path(sys.executable).parent / ("lambdalint.exe" if os.name == "nt" else "lambdalint")
    return script if script.exists() else None


def command(how: str) -> list[str]:
    if how == "python -m":
        return [sys.executable, "-m", "lambdalint"]
    script = console_script()
    if script is None:
        pytest.skip("the lambdalint console script is not installed next to this Python")
    return [str(script)]


@pytest.mark.parametrize("how", ["python -m", "console script"])
def test_checking_never_imports_or_runs_the_checked_code(tmp_path: Path, how: str):
    markers = tmp_path / "markers"
    markers.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    trapped = {
        # The checked code itself, and the files tools conventionally import.
        "app.py": HANDLER + booby_trap(markers, "app"),
        "__init__.py": booby_trap(markers, "init"),
        "conftest.py": booby_trap(markers, "conftest"),
        "setup.py": booby_trap(markers, "setup"),
        "handlers/__init__.py": booby_trap(markers, "handlers"),
        "handlers/orders.py": HANDLER + booby_trap(markers, "orders"),
        # Modules of the standard library and of lambdalint's dependencies: with
        # `python -m` the current folder comes first on the import path.
        "typing.py": booby_trap(markers, "typing"),
        "json.py": booby_trap(markers, "json"),
        "yaml.py": booby_trap(markers, "yaml"),
        "click.py": booby_trap(markers, "click"),
        "libcst.py": booby_trap(markers, "libcst"),
        "difflib.py": booby_trap(markers, "difflib"),
    }
    for name, code in trapped.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(code, encoding="utf-8")
    # A template whose YAML would run a command if it were loaded unsafely.
    (project / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        f"    Properties:\n      Handler: !!python/object/apply:os.system ['touch {markers / 'yaml-tag'}']\n",
        encoding="utf-8")
    run = command(how)
    for args in (["check", "--no-cache", "--select", "ALL", "."],
                 ["check", "--no-cache", "--select", "ALL", "--fix", "--unsafe-fixes", "--jobs", "2", "."],
                 ["handlers", "."],
                 ["baseline", "-o", str(tmp_path / "baseline.json"), "."]):
        proc = subprocess.run([*run, *args], cwd=project, capture_output=True, text=True, timeout=300)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode != 42, (args, proc.stderr)
        assert sorted(p.name for p in markers.iterdir()) == [], (args, proc.stdout, proc.stderr)
    assert FIXED_LINE in (project / "app.py").read_text(encoding="utf-8")  # it did check and fix


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_fix_writes_only_inside_the_checked_paths(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shared.py").write_text(HANDLER, encoding="utf-8")
    (outside / "pkg").mkdir()
    (outside / "pkg" / "deep.py").write_text(HANDLER, encoding="utf-8")
    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "app.py").write_text("from src.helper import make\n" + HANDLER, encoding="utf-8")
    (tree / "src" / "helper.py").write_text(HANDLER.replace("lambda_handler", "make"), encoding="utf-8")
    (tree / "other").mkdir()
    (tree / "other" / "app.py").write_text(HANDLER, encoding="utf-8")
    os.symlink(outside / "shared.py", tree / "src" / "linked.py")  # a file link out of the tree
    os.symlink(outside / "pkg", tree / "src" / "linked_pkg")  # a folder link out of the tree
    before_outside = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in outside.rglob("*.py")}
    before_other = (tree / "other" / "app.py").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--no-cache", "--fix", "--select", "LAM101",
                           "src/app.py", "src/linked.py", "src"],
                          cwd=tree, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    # The link's finding is still reported (it was not fixed), so the run exits 1.
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "src/linked.py:5:10: LAM101" in proc.stdout
    assert proc.stderr.splitlines() == ["lambdalint: src/linked.py: is a symlink; its fixes are not applied"]
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in outside.rglob("*.py")} == before_outside
    assert (tree / "src" / "linked.py").is_symlink() and (tree / "src" / "linked_pkg").is_symlink()
    assert (tree / "other" / "app.py").read_bytes() == before_other  # not named: not touched
    assert FIXED_LINE in (tree / "src" / "app.py").read_text(encoding="utf-8")
    assert FIXED_LINE in (tree / "src" / "helper.py").read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_fix_through_a_path_that_climbs_out_of_a_symlinked_folder(tmp_path: Path):
    # `linked/..` is the folder holding the link's target, as the system resolves
    # it; the write used to go to the folder the text of the path names.
    (tmp_path / "real" / "pkg").mkdir(parents=True)
    (tmp_path / "real" / "pkg" / "app.py").write_text(HANDLER, encoding="utf-8")
    (tmp_path / "work").mkdir()
    os.symlink(tmp_path / "real" / "pkg", tmp_path / "work" / "linked")
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--no-cache", "--fix", "--select", "LAM101",
                           "work/linked/../pkg/app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stdout + proc.stderr
    assert FIXED_LINE in (tmp_path / "real" / "pkg" / "app.py").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "real" / "pkg").iterdir()) == ["app.py"]


def test_fix_of_one_named_file_leaves_the_files_it_imports_alone(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("from src.helper import make\n" + HANDLER, encoding="utf-8")
    helper = HANDLER.replace("lambda_handler", "make")
    (tmp_path / "src" / "helper.py").write_text(helper, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--no-cache", "--fix", "--select", "LAM101",
                           "src/app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert FIXED_LINE in (tmp_path / "src" / "app.py").read_text(encoding="utf-8")
    assert (tmp_path / "src" / "helper.py").read_text(encoding="utf-8") == helper


def test_fix_leaves_no_temporary_file(tmp_path: Path):
    for index in range(30):
        (tmp_path / f"app_{index}.py").write_text(HANDLER, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--no-cache", "--fix", "--select", "LAM101",
                           "--jobs", "2", "."], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"app_{index}.py" for index in range(30))
    assert all(FIXED_LINE in p.read_text(encoding="utf-8") for p in tmp_path.iterdir())


@pytest.mark.parametrize("failing", ["fsync", "replace", "chmod"])
def test_a_failed_write_keeps_the_old_file_and_no_temporary_file(tmp_path: Path, monkeypatch, failing: str):
    path = tmp_path / "app.py"
    path.write_text(HANDLER, encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError):
        write_atomically(path, b"# new\n")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == HANDLER
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]


DISK_FULL = textwrap.dedent('''\
    import errno, os, runpy, sys

    def fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    os.fsync = fsync
    sys.argv[0] = "lambdalint"
    runpy.run_module("lambdalint", run_name="__main__", alter_sys=True)
''')


def test_a_failed_write_through_the_command_line_is_one_line_and_exit_2(tmp_path: Path):
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", DISK_FULL, "check", "--no-cache", "--fix", "--select", "LAM101",
                           "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["lambdalint: error: cannot write app.py: No space left on device"]
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == HANDLER
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]
