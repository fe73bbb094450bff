"""Soak: lambdalint over the standard library of the running interpreter.

Real code at scale, including the files CPython's own tests keep broken on
purpose (bad encodings, Python 2 syntax, invalid characters): no crash, no
traceback, exit code 0 or 1, a LAM000 finding for exactly the files CPython
refuses, and `--fix --unsafe-fixes --diff` output that applies to the files
and leaves code that parses (on the library's top-level modules imported by a
handler, so that they are code Lambda runs).

The whole library is checked, its `test` package included (about 1,800 files,
31 MB; about a minute on two cores), except `site-packages`, which holds
installed packages, not the standard library.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

import pytest

from lambdalint.source import decode

pytestmark = pytest.mark.slow

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SKIPPED = {"site-packages", "dist-packages", "__pycache__"}
LIBCST_LIMITATION = "cannot parse: Python accepts this file but LibCST's parser does not"


def targets() -> list[Path]:
    return sorted(p for p in STDLIB.iterdir() if p.name not in SKIPPED and (p.is_dir() or p.suffix in (".py", ".pyi")))


def python_files() -> list[Path]:
    return sorted(found for top in targets() for found in ([top] if top.is_file() else top.rglob("*.py"))
                  if not SKIPPED & set(found.relative_to(STDLIB).parts))


def lambdalint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=900)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def refused_by_python(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in the library's own tests
            ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return False


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], list[dict], Path]:
    cwd = tmp_path_factory.mktemp("soak")
    proc = lambdalint("check", "--no-cache", "--select", "ALL", "--jobs", "2", "--output-format", "json",
                      *map(str, targets()), cwd=cwd)
    return proc, json.loads(proc.stdout or "[]"), cwd


def test_checking_the_standard_library_does_not_crash(checked):
    proc, findings, _ = checked
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert proc.stderr == ""
    assert findings


def test_lam000_for_exactly_the_files_python_refuses(checked):
    _, findings, cwd = checked
    unparsable = {(cwd / item["filename"]).resolve(): item["message"] for item in findings if item["code"] == "LAM000"}
    refused = {path.resolve() for path in python_files() if refused_by_python(path)}
    assert refused  # the deliberately broken files are part of the run
    assert set(unparsable) >= refused
    # What else is LAM000 is valid Python LibCST cannot parse (test_grammar.py has a
    # parenthesised annotated target), and says so.
    for path in set(unparsable) - refused:
        assert unparsable[path].startswith(LIBCST_LIMITATION), (path, unparsable[path])


HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_unified_diff(diff: str, read) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Apply `lambdalint check --diff` output to the files it names; every context and
    removed line must match the file exactly. Returns the new text of each file."""
    results: dict[str, str] = {}
    lines = diff.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("--- a/"):
            index += 1
            continue
        name = line[len("--- a/"):].rstrip("\r\n")
        assert lines[index + 1].startswith("+++ b/"), lines[index + 1]
        index += 2
        old = read(name).splitlines(keepends=True)
        new: list[str] = []
        position = 0  # next line of old to copy
        while index < len(lines) and lines[index].startswith("@@"):
            match = HUNK.match(lines[index])
            assert match, lines[index]
            start = int(match.group(1)) - (0 if match.group(2) == "0" else 1)
            new += old[position:start]
            position = start
            index += 1
            while index < len(lines) and lines[index][:1] in (" ", "-", "+"):
                body = lines[index]
                if body.startswith("--- a/") and index + 1 < len(lines) and lines[index + 1].startswith("+++ b/"):
                    break
                kind, text = body[0], body[1:]
                if kind in (" ", "-"):
                    assert old[position] == text, (name, position + 1, old[position], text)
                    position += 1
                if kind in (" ", "+"):
                    new.append(text)
                index += 1
        new += old[position:]
        results[name] = "".join(new)
    return results


@pytest.fixture(scope="module")
def deployed_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Path]:
    """The library's top-level modules copied byte for byte beside a handler that
    imports them all, and checked there. In its own folder the standard library is no
    function's code, so the rules that speak of code Lambda runs say nothing of it
    (`ModuleModel.deployed`); imported by a handler, every module is Lambda code and
    those rules, and their fixes, apply."""
    cwd = tmp_path_factory.mktemp("deployed")
    names = []
    for path in sorted(STDLIB.glob("*.py")):
        if path.stem.isidentifier() and not refused_by_python(path):
            (cwd / path.name).write_bytes(path.read_bytes())
            names.append(path.stem)
    assert "lambda_function" not in names
    (cwd / "lambda_function.py").write_text(
        "".join(f"import {name}\n" for name in names) + "\n\ndef lambda_handler(event, context):\n    return None\n")
    proc = lambdalint("check", "--no-cache", "--select", "ALL", "--jobs", "2", "--output-format", "json", ".",
                      cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    return json.loads(proc.stdout or "[]"), cwd


def test_the_fixes_diff_applies_and_parses(deployed_library):
    findings, cwd = deployed_library
    fixable = sorted({item["filename"] for item in findings if item["fix"] is not None})
    assert fixable  # the standard library has some: otherwise this tests nothing
    proc = lambdalint("check", "--no-cache", "--select", "ALL", "--fix", "--unsafe-fixes", "--diff", "--jobs", "2",
                      *fixable, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    assert re.fullmatch(r"Would fix \d+ findings? in \d+ files?\.\n", proc.stderr), proc.stderr

    def read(name: str) -> str:
        return decode((cwd / name).read_bytes())[0]

    fixed = apply_unified_diff(proc.stdout, read)
    assert (proc.returncode == 1) == bool(fixed)
    assert set(fixed) <= set(fixable)
    for name, text in fixed.items():
        assert text != read(name)
        ast.parse(text, filename=name)
