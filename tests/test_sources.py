"""Failure is data: unreadable files, odd encodings, bad paths and crashing rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from cli_helpers import (
    CLEAN_HANDLER,
    FINDING_COLUMN,
    FINDING_ROW,
    HANDLER_WITH_CLIENT,
    run_cli,
    write,
)
from lambdalint import Severity
from lambdalint.config import Config
from lambdalint.engine import Engine
from lambdalint.registry import load_registry
from lambdalint.rule import Rule
from lambdalint.source import parse_source

LAM101 = load_registry(include_plugins=False).rules["LAM101"]
HANDLER_BYTES = HANDLER_WITH_CLIENT.encode("utf-8")


def _check(*paths: str) -> tuple[int, list[tuple[str, int, str]], list[str]]:
    run = run_cli("check", "--select", "LAM101", "--output-format", "json", *paths)
    found = [(item["filename"], item["location"]["row"], item["code"]) for item in json.loads(run.stdout or "[]")]
    return run.exit_code, found, run.stderr_lines


# -- files that cannot be decoded or parsed: LAM000, and the others still checked ------------


@pytest.mark.parametrize(
    ("content", "row", "words"),
    [
        (b"def f(:\n    pass\n", None, "invalid syntax"),
        (b'x = "caf\xe9"\n', 1, "encoding"),  # latin-1 bytes without a cookie
        (b"import os\n\n\nx = '\xff\xfe'\n", None, "decode"),
        (b"x = 1\n\x00y = 2\n", 2, "NUL"),
        (b"# -*- coding: no-such-codec -*-\nx = 1\n", 1, "encoding"),
    ],
    ids=["syntax-error", "bad-utf8-line-1", "bad-utf8-line-4", "nul-byte", "unknown-cookie"],
)
def test_unparsable_file_is_lam000_and_the_rest_is_checked(workdir, content, row, words):
    write(workdir, {"bad.py": content, "good.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--select", "LAM101", "--output-format", "json", ".")
    assert run.exit_code == 1
    items = json.loads(run.stdout)
    assert [(i["filename"], i["code"]) for i in items] == [("bad.py", "LAM000"), ("good.py", "LAM101")]
    bad = items[0]
    assert bad["name"] == "syntax-error" and bad["severity"] == "error"
    assert words.lower() in bad["message"].lower()
    if row is not None:
        assert bad["location"]["row"] == row
    assert bad["fix"] is None and bad["url"] is None and bad["noqa_row"] is None
    assert run.stderr == ""


def test_template_markup_says_what_the_file_is():
    """A cookiecutter source stops Python at its markup: LAM000 says so. Markup that is
    valid Python (a string) or a syntax error on another line keeps the plain message."""
    jinja = parse_source(Path("app.py"), "app.py", b"import json\nfrom {{ cookiecutter.pkg }} import handler\n")
    assert jinja.failure is not None and jinja.failure.row == 2
    assert jinja.failure.message.startswith("invalid syntax (template markup:")
    other = parse_source(Path("b.py"), "b.py", b'NAME = "{{ name }}"\ndef f(:\n    pass\n')
    assert other.failure is not None and other.failure.message == "invalid syntax"


def test_undecodable_byte_is_reported_on_its_line(workdir):
    write(workdir, {"bad.py": b"import os\n\n\nx = '\xff\xfe'\n"})
    run = run_cli("check", "--output-format", "json", "bad.py")
    assert json.loads(run.stdout)[0]["location"]["row"] == 4


def test_lam000_in_text_and_full_output(workdir):
    write(workdir, {"bad.py": b"x = (\n"})
    text = run_cli("check", "bad.py")
    assert text.exit_code == 1
    assert text.stdout.startswith("bad.py:") and " LAM000 " in text.stdout
    full = run_cli("check", "--output-format", "full", "bad.py")
    assert "(syntax-error, error)" in full.stdout


def test_lam000_fails_even_with_fail_on_error_but_not_with_exit_zero(workdir):
    write(workdir, {"bad.py": b"def (\n"})
    assert run_cli("check", "--fail-on", "error", "bad.py").exit_code == 1
    assert run_cli("check", "--exit-zero", "bad.py").exit_code == 0


def test_lam000_cannot_be_ignored_or_unselected(workdir):
    write(workdir, {"bad.py": b"def (\n"})
    assert run_cli("check", "--ignore", "LAM000", "bad.py").exit_code == 1
    assert run_cli("check", "--select", "LAM101", "bad.py").exit_code == 1


# -- files Python accepts must parse and be checked --------------------------------------


@pytest.mark.parametrize(
    ("content", "row", "column"),
    [
        (("# -*- coding: latin-1 -*-\n# caf\xe9 cr\xe8me\n" + HANDLER_WITH_CLIENT).encode("latin-1"),
         FINDING_ROW + 2, FINDING_COLUMN),
        (b"\xef\xbb\xbf" + HANDLER_BYTES, FINDING_ROW, FINDING_COLUMN),
        (b"\xef\xbb\xbf# coding: utf-8\n" + HANDLER_BYTES, FINDING_ROW + 1, FINDING_COLUMN),
        (HANDLER_BYTES.replace(b"\n", b"\r\n"), FINDING_ROW, FINDING_COLUMN),
        (HANDLER_BYTES.replace(b"\n", b"\r"), FINDING_ROW, FINDING_COLUMN),
        (HANDLER_BYTES.replace(b"    ", b"\t"), FINDING_ROW, FINDING_COLUMN - 3),
        (HANDLER_BYTES.rstrip(b"\n"), FINDING_ROW, FINDING_COLUMN),
        (("# \u00e9\u4e2d\u6587 \U0001f600\n" + HANDLER_WITH_CLIENT).encode("utf-8"), FINDING_ROW + 1, FINDING_COLUMN),
    ],
    ids=["latin-1-cookie", "utf-8-bom", "bom-and-cookie", "crlf", "cr-only", "tabs", "no-final-newline",
         "non-ascii-comment"],
)
def test_encodings_and_newlines_are_read_like_python_reads_them(workdir, content, row, column):
    write(workdir, {"app.py": content})
    code, found, stderr = _check("app.py")
    assert (code, found, stderr) == (1, [("app.py", row, "LAM101")], [])
    run = run_cli("check", "--select", "LAM101", "--output-format", "json", "app.py")
    assert json.loads(run.stdout)[0]["location"]["column"] == column


def test_full_output_of_a_latin1_file_shows_the_decoded_line(workdir):
    content = ("# -*- coding: latin-1 -*-\nimport boto3\n\n"
               "def lambda_handler(event, context):\n    s3 = boto3.client('caf\xe9')\n")
    write(workdir, {"app.py": content.encode("latin-1")})
    run = run_cli("check", "--select", "LAM101", "--output-format", "full", "app.py")
    assert "boto3.client('caf\xe9')" in run.stdout


def test_pyi_files_are_checked(workdir):
    write(workdir, {"stubs.pyi": "def lambda_handler(event, context) -> None: ...\n", "notes.txt": "def (\n"})
    run = run_cli("check", ".")
    assert run.exit_code == 0
    assert "(1 file checked)" in run.stdout


def test_deeply_nested_code_does_not_crash(workdir):
    depth = 200
    code = "x = " + "(" * depth + "1" + ")" * depth + "\n" + HANDLER_WITH_CLIENT
    write(workdir, {"deep.py": code})
    run = run_cli("check", "--select", "LAM101", "--output-format", "json", "deep.py")
    assert run.exit_code in (1, 2)
    assert "Traceback" not in run.stderr


def test_absurd_nesting_is_lam000_not_a_crash(tmp_path: Path):
    write(tmp_path, {"deep.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "app.py": HANDLER_WITH_CLIENT})
    run = subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", "--select", "LAM101", "--output-format", "json", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1, run.returncode
    found = {(item["filename"], item["code"]) for item in json.loads(run.stdout)}
    assert found == {("deep.py", "LAM000"), ("app.py", "LAM101")}


# -- paths that do not exist or loop ----------------------------------------------------


def test_missing_path_alone_is_one_line_and_exit_2(workdir):
    run = run_cli("check", "missing.py")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr_lines == ["lambdalint: missing.py: no such file or directory"]


def test_missing_path_next_to_real_ones_is_reported_and_the_rest_checked(workdir):
    write(workdir, {"app.py": CLEAN_HANDLER})
    run = run_cli("check", "missing.py", "app.py")
    assert run.exit_code == 0
    assert run.stderr_lines == ["lambdalint: missing.py: no such file or directory"]
    assert "All checks passed! (1 file checked)" in run.stdout


def test_an_empty_folder_is_clean(workdir):
    (workdir / "empty").mkdir()
    run = run_cli("check", "empty")
    assert run.exit_code == 0
    assert run.stderr == ""


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_inside_a_folder_is_one_line_and_does_not_hang(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT})
    os.symlink("..", workdir / "src" / "parent")  # src/parent -> . : a cycle
    os.symlink("loop_b", workdir / "src" / "loop_a")  # two links that point at each other
    os.symlink("loop_a", workdir / "src" / "loop_b")
    os.symlink("loop_d.py", workdir / "src" / "loop_c.py")
    os.symlink("loop_c.py", workdir / "src" / "loop_d.py")
    code, found, stderr = _check("src")
    assert code == 1
    assert found == [("src/app.py", FINDING_ROW, "LAM101")]
    assert len(stderr) == len({line for line in stderr})  # no repeats
    assert any("src/parent" in line and "loop" in line for line in stderr)
    assert all(line.startswith("lambdalint: ") and "Traceback" not in line for line in stderr)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_folder_inside_the_tree_is_checked_once(workdir):
    write(workdir, {"src/real/app.py": HANDLER_WITH_CLIENT})
    os.symlink("real", workdir / "src" / "alias")
    code, found, stderr = _check("src")
    assert code == 1
    assert len(found) == 1
    assert stderr == []


def test_a_file_named_twice_or_linked_in_the_tree_is_checked_once(workdir):
    write(workdir, {"src/app.py": HANDLER_WITH_CLIENT})
    if hasattr(os, "symlink"):
        os.symlink("app.py", workdir / "src" / "same.py")
    code, found, stderr = _check("src", "src/app.py", "./src/../src/app.py")
    assert code == 1
    assert len(found) == 1
    assert stderr == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_as_an_argument_is_one_line_and_exit_2(workdir):
    os.symlink("loop_b", workdir / "loop_a")
    os.symlink("loop_a", workdir / "loop_b")
    run = run_cli("check", "loop_a")
    assert run.exit_code == 2
    assert len(run.stderr_lines) == 1 and "loop_a" in run.stderr


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_broken_symlink_file_is_skipped_with_a_message(workdir):
    write(workdir, {"src/app.py": CLEAN_HANDLER})
    os.symlink("gone.py", workdir / "src" / "dangling.py")
    run = run_cli("check", "src")
    assert run.exit_code == 0
    assert len(run.stderr_lines) == 1 and "dangling.py" in run.stderr


# -- a rule that raises ----------------------------------------------------------------


class BrokenRule(Rule):
    """A rule that crashes on every call, to show one bad rule cannot hide the others."""

    code = "LAM999"
    name = "broken-rule"
    severity = Severity.ERROR

    def visit_Call(self, node: cst.Call) -> None:
        raise ZeroDivisionError("boom")


class BrokenAtStart(Rule):
    code = "LAM998"
    name = "broken-at-start"
    severity = Severity.ERROR

    def begin_file(self, ctx) -> None:  # type: ignore[no-untyped-def]
        raise KeyError("no context for you")


def _in_memory(files: dict[str, str]):
    return [parse_source(Path(name), name, textwrap.dedent(code).encode("utf-8")) for name, code in files.items()]


@pytest.mark.parametrize("broken", [BrokenRule, BrokenAtStart])
def test_a_rule_that_raises_leaves_the_other_rules_findings_standing(broken):
    engine = Engine(Config(), [LAM101, broken])
    result = engine.check_sources(_in_memory({"app.py": HANDLER_WITH_CLIENT, "other.py": HANDLER_WITH_CLIENT}))
    assert [(str(d.path), d.location.row, d.code) for d in result.diagnostics] == [
        ("app.py", FINDING_ROW, "LAM101"),
        ("other.py", FINDING_ROW, "LAM101"),
    ]
    assert result.internal_error is True
    assert len(result.messages) == 2
    for message, path in zip(result.messages, ("app.py", "other.py")):
        assert broken.code in message and broken.name in message
        assert path in message
        assert "\n" not in message


def test_a_crash_message_names_the_line(workdir):
    engine = Engine(Config(), [LAM101, BrokenRule])
    result = engine.check_sources(_in_memory({"app.py": HANDLER_WITH_CLIENT}))
    # The first call in the file is boto3.client("s3") on FINDING_ROW.
    assert f"app.py:{FINDING_ROW}" in result.messages[0]
    assert "ZeroDivisionError" in result.messages[0]


def test_a_rule_that_raises_makes_the_cli_exit_2(workdir, monkeypatch):
    import lambdalint.cli as cli

    original = cli.load_registry

    def with_broken_rule(*args, **kwargs):
        registry = original(*args, **kwargs)
        registry.add(BrokenRule, "tests")
        return registry

    monkeypatch.setattr(cli, "load_registry", with_broken_rule)
    write(workdir, {"app.py": HANDLER_WITH_CLIENT})
    run = run_cli("check", "--select", "LAM101,LAM999", "--output-format", "json", "app.py")
    assert run.exit_code == 2
    assert [item["code"] for item in json.loads(run.stdout)] == ["LAM101"]
    assert len(run.stderr_lines) == 1
    assert "LAM999" in run.stderr and "app.py" in run.stderr
    assert run_cli("check", "--exit-zero", "--select", "LAM101,LAM999", "app.py").exit_code == 2


def test_relative_paths_are_those_relpath_gives(tmp_path, monkeypatch):
    """Paths already relative to the working directory are only normalised, unless
    they climb out of it and back (`../src/app.py` from `src` is `app.py`)."""
    from pathlib import Path

    from lambdalint.discovery import relative

    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    for given, expected in [("app.py", "app.py"), ("./pkg//mod.py", "pkg/mod.py"), ("pkg/../app.py", "app.py"),
                            ("../src/app.py", "app.py"), ("../other/x.py", "../other/x.py"), (".", ".")]:
        assert relative(Path(given)) == expected == Path(os.path.relpath(given)).as_posix()


@pytest.mark.parametrize("where, named", [
    ("tree/a", "."),  # below the working directory
    ("tree/a", "../b"),  # beside it
    ("tree/a", "ABSOLUTE/tree/b"),  # by its absolute path, from elsewhere
    ("tree/b/deep", ".."),  # above it: its entries may be on the way back
    ("tree/b/deep", "../.."),
    ("elsewhere", "ABSOLUTE/tree"),
])
def test_the_walk_gives_each_file_the_path_relpath_gives(tmp_path, monkeypatch, where, named):
    """The walk makes each folder's and file's path relative to the working directory
    from its folder's and its name, without `os.path.relpath` per entry, wherever
    the tree lies: below, beside or above the working directory, or named by its
    absolute path. What it gives is what `relpath` gives."""
    from pathlib import Path

    from lambdalint.discovery import discover

    for folder in ("tree/a/pkg", "tree/b/deep/x", "tree/b/pkg", "elsewhere"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    for file in ("tree/a/app.py", "tree/a/pkg/m.py", "tree/b/deep/x/h.py", "tree/b/pkg/setup.py", "tree/b/top.py"):
        (tmp_path / file).write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "tree/b/pkg/pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path / where)
    top = Path(named.replace("ABSOLUTE", str(tmp_path)))
    found = discover([top], [], Path.cwd())
    assert found.files
    for path in found.files:
        assert found.relative[os.fspath(path)] == Path(os.path.relpath(path)).as_posix()
    below = (tmp_path / "tree/b/pkg").is_relative_to(top.resolve())
    assert found.distributions == ([Path(os.path.relpath(tmp_path / "tree/b/pkg")).as_posix()] * 2 if below else [])
