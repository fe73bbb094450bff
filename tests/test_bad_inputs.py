"""The bad-input catalogue, through the real command line (`python -m lambdalint`).

Every input a linter meets in the wild, and the exact result the user sees:
paths that cannot be read (one line on stderr each; exit 2 only when nothing
could be checked), configuration mistakes (one line, exit 2, nothing
checked), files that cannot be decoded or parsed (a LAM000 finding, the other
files still checked) and files that are odd but valid (checked like any
other). No traceback ever reaches the user.

In-process variants of some of these live in test_sources.py, test_cli.py and
test_config.py; this module runs the installed entry point in a subprocess
and adds what those do not cover.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cli_helpers import C_RECURSION_CAPPED, write

HANDLER = textwrap.dedent('''\
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.head_bucket(Bucket="reports")
''')
ROW, COLUMN = 5, 10  # where LAM101 reports the client in HANDLER


def lambdalint(*args: str, cwd: Path, env: dict[str, str] | None = None,
               python_args: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, *python_args, "-m", "lambdalint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def stderr_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def found(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, int, int, str]]:
    return [(item["filename"], item["location"]["row"], item["location"]["column"], item["code"])
            for item in json.loads(proc.stdout)]


# -- paths that cannot be read ------------------------------------------------------------

# Tests run as root, which reads every folder whatever its mode, so an unreadable
# folder is simulated the way the operating system reports one: os.access says no
# and listing it raises PermissionError. The real thing is tested below when not root.
DENY_READ = textwrap.dedent('''\
    import os, runpy, sys
    from pathlib import Path

    LOCKED = [os.path.realpath(p) for p in os.environ["LOCKED"].split(os.pathsep)]

    def locked(path):
        real = os.path.realpath(os.fspath(path))
        return any(real == p or real.startswith(p + os.sep) for p in LOCKED)

    def deny(path):
        return PermissionError(13, "Permission denied", os.fspath(path))

    real_access, real_scandir, real_read = os.access, os.scandir, Path.read_bytes

    def access(path, mode, *args, **kwargs):
        return False if locked(path) else real_access(path, mode, *args, **kwargs)

    def scandir(path="."):
        if locked(path):
            raise deny(path)
        return real_scandir(path)

    def read_bytes(self):
        if locked(self):
            raise deny(self)
        return real_read(self)

    os.access, os.scandir, Path.read_bytes = access, scandir, read_bytes
    sys.argv[0] = "lambdalint"
    runpy.run_module("lambdalint", run_name="__main__", alter_sys=True)
''')


def denied(*args: str, cwd: Path, locked: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCKED": os.pathsep.join(str(cwd / p) for p in locked)}
    proc = subprocess.run([sys.executable, "-c", DENY_READ, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_unreadable_folder_alone_is_one_line_and_exit_2(tmp_path: Path):
    write(tmp_path, {"locked/app.py": HANDLER})
    proc = denied("check", "--no-cache", "locked", cwd=tmp_path, locked=["locked"])
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert stderr_lines(proc) == ["lambdalint: locked: cannot read directory (Permission denied)"]


def test_unreadable_folder_next_to_a_readable_file_the_rest_is_checked(tmp_path: Path):
    write(tmp_path, {"locked/app.py": HANDLER, "app.py": HANDLER})
    proc = denied("check", "--no-cache", "--select", "LAM101", "--output-format", "json", "locked", "app.py",
                  cwd=tmp_path, locked=["locked"])
    assert proc.returncode == 1
    assert found(proc) == [("app.py", ROW, COLUMN, "LAM101")]
    assert stderr_lines(proc) == ["lambdalint: locked: cannot read directory (Permission denied)"]


def test_unreadable_folder_inside_the_tree_the_rest_is_checked(tmp_path: Path):
    write(tmp_path, {"src/locked/app.py": HANDLER, "src/ok/app.py": HANDLER})
    proc = denied("check", "--no-cache", "--select", "LAM101", "--output-format", "json", "src",
                  cwd=tmp_path, locked=["src/locked"])
    assert proc.returncode == 1
    assert found(proc) == [("src/ok/app.py", ROW, COLUMN, "LAM101")]
    assert stderr_lines(proc) == ["lambdalint: src/locked: cannot read directory (Permission denied)"]


def test_unreadable_file_is_one_line_and_the_rest_is_checked(tmp_path: Path):
    write(tmp_path, {"src/secret.py": HANDLER, "src/app.py": HANDLER})
    proc = denied("check", "--no-cache", "--select", "LAM101", "--output-format", "json", "src",
                  cwd=tmp_path, locked=["src/secret.py"])
    assert proc.returncode == 1
    assert found(proc) == [("src/app.py", ROW, COLUMN, "LAM101")]
    assert stderr_lines(proc) == ["lambdalint: src/secret.py: cannot read file (Permission denied)"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads every folder whatever its mode; simulated above")
def test_really_unreadable_folder(tmp_path: Path):  # pragma: no cover - runs only when not root
    write(tmp_path, {"locked/app.py": HANDLER, "app.py": HANDLER})
    (tmp_path / "locked").chmod(0)
    try:
        alone = lambdalint("check", "--no-cache", "locked", cwd=tmp_path)
        assert alone.returncode == 2 and len(stderr_lines(alone)) == 1
        both = lambdalint("check", "--no-cache", "--select", "LAM101", "locked", "app.py", cwd=tmp_path)
        assert both.returncode == 1 and len(stderr_lines(both)) == 1
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_missing_path_next_to_a_file_with_findings(tmp_path: Path):
    write(tmp_path, {"app.py": HANDLER})
    proc = lambdalint("check", "--no-cache", "--select", "LAM101", "--output-format", "json", "gone", "app.py",
                      cwd=tmp_path)
    assert proc.returncode == 1
    assert found(proc) == [("app.py", ROW, COLUMN, "LAM101")]
    assert stderr_lines(proc) == ["lambdalint: gone: no such file or directory"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_next_to_a_file_with_findings(tmp_path: Path):
    write(tmp_path, {"app.py": HANDLER})
    os.symlink("loop_b", tmp_path / "loop_a")
    os.symlink("loop_a", tmp_path / "loop_b")
    proc = lambdalint("check", "--no-cache", "--select", "LAM101", "--output-format", "json", "loop_a", "app.py",
                      cwd=tmp_path)
    assert proc.returncode == 1
    assert found(proc) == [("app.py", ROW, COLUMN, "LAM101")]
    assert stderr_lines(proc) == ["lambdalint: loop_a: broken symlink or symlink loop; skipped"]


# -- configuration mistakes: one line, exit 2, nothing checked ----------------------------


@pytest.mark.parametrize(
    ("args", "pyproject", "line"),
    [
        (("--select", "LAM999"), None,
         "lambdalint: error: the command line: unknown rule code or prefix 'LAM999' in --select"),
        ((), b'[tool.lambdalint]\nselect = ["LAM999"]\n',
         "lambdalint: error: {config}: unknown rule code or prefix 'LAM999' in 'select'"),
        ((), b'[tool.lambdalint]\ncolour = "always"\n',
         "lambdalint: error: {config}: unknown key 'colour' in [tool.lambdalint]"),
        ((), b"[tool.lambdalint\nselect = [\n",
         "lambdalint: error: {config}: invalid TOML: Expected ']' at the end of a table declaration "
         "(at line 1, column 17)"),
        # tomllib lets a UnicodeDecodeError escape: this was a traceback.
        ((), b'[tool.lambdalint]\nselect = ["LAM1"]  # caf\xe9\n',
         "lambdalint: error: {config}: invalid TOML: not UTF-8 (invalid continuation byte at byte 42)"),
    ],
    ids=["unknown-code-cli", "unknown-code-config", "unknown-key", "broken-toml", "toml-not-utf8"],
)
def test_configuration_mistakes(tmp_path: Path, args, pyproject, line):
    write(tmp_path, {"app.py": HANDLER})
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_bytes(pyproject)
    proc = lambdalint("check", "--no-cache", *args, "app.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert stderr_lines(proc) == [line.format(config=tmp_path / "pyproject.toml")]


# -- files: one run over all of them --------------------------------------------------------

# A handler appended after the content makes the pre-scan plan the file for the
# full execution model; without it an unparsable file is only syntax-checked.
# Both paths must say exactly the same thing.
TAIL = "\n\ndef lambda_handler(event, context):\n    return None\n"


def _long_file(lines: int) -> str:
    body = "".join(f"value_{i} = {i}  # line {i + 1}\n" for i in range(lines))
    return body + HANDLER


def _big_data_module(size: int) -> str:
    rows = []
    total, i = 0, 0
    while total < size:
        row = f"    ({i}, 'item-{i:07d}', {i * 0.5!r}, {{'id': {i}, 'tags': ['a', 'b']}}),  # row {i}\n"
        rows.append(row)
        total += len(row)
        i += 1
    return "TABLE = [\n" + "".join(rows) + "]\n"


UNPARSABLE: dict[str, tuple[bytes, int, int, str]] = {
    # name: (content, row, column, message)
    "syntax_error": (b"def f(:\n    pass\n", 1, 7, "invalid syntax"),
    "never_closed": (b"x = (1,\n", 1, 5, "invalid syntax: '(' was never closed"),
    "nul_byte": (b"x = 1\n\x00y = 2\n", 2, 1, "source contains a NUL byte"),
    "invalid_utf8": (b"import os\n\n\nx = '\xff\xfe'\n", 4, 1,
                     "cannot decode the file as utf-8 (no encoding is declared): invalid start byte (byte b'\\xff')"),
    "latin1_without_cookie": (b"x = 'caf\xe9'\n", 1, 1,
                              "cannot decode the file as utf-8 (no encoding is declared): invalid continuation "
                              "byte (byte b'\\xe9')"),
    "wrong_cookie": (b"# -*- coding: ascii -*-\nx = 'caf\xc3\xa9'\n", 2, 1,
                     "cannot decode the file as ascii: ordinal not in range(128) (byte b'\\xc3')"),
    "unknown_cookie": (b"# -*- coding: no-such-codec -*-\nx = 1\n", 1, 1,
                       "cannot determine the file's encoding: unknown encoding: no-such-codec"),
    "nested_300": (("x = " + "(" * 300 + "1" + ")" * 300 + "\n").encode(), 1, 205,
                   "invalid syntax: too many nested parentheses"),
    # Nesting CPython refuses without brackets: LibCST's parser took minutes and
    # gigabytes on these before CPython was asked first.
    "unary_5000": (("x = " + "-" * 5000 + "1\n").encode(), 1, 1, "the file is nested too deeply for Python to parse"),
    "subscripts_5000": (("x = a" + "[0]" * 5000 + "\n").encode(), 1, 1,
                        "the file is nested too deeply for Python to parse"),
    # CPython's words, not LibCST's, wherever the file is planned.
    "print_statement": (b'print "hello"\n', 1, 1,
                        "invalid syntax: Missing parentheses in call to 'print'. Did you mean print(...)?"),
}

VALID: dict[str, tuple[bytes, list[tuple[int, int, str]]]] = {
    # name: (content, findings as (row, column, code))
    "crlf": (HANDLER.replace("\n", "\r\n").encode(), [(ROW, COLUMN, "LAM101")]),
    "tabs": (HANDLER.replace("    ", "\t").encode(), [(ROW, COLUMN - 3, "LAM101")]),
    "bom": (b"\xef\xbb\xbf" + HANDLER.encode(), [(ROW, COLUMN, "LAM101")]),
    "latin1_cookie": (("# -*- coding: latin-1 -*-\n# caf\xe9\n" + HANDLER).encode("latin-1"),
                      [(ROW + 2, COLUMN, "LAM101")]),
    "empty": (b"", []),
    "stub": (b"def lambda_handler(event, context) -> None: ...\n", []),
    "lines_10000": (_long_file(10_000).encode(), [(10_000 + ROW, COLUMN, "LAM101")]),
    "data_5mb": (_big_data_module(5 << 20).encode(), []),
    # Valid code nested deeper than Python's default recursion limit allows LibCST
    # to print: these crashed with RecursionError (and a traceback) before.
    "concatenation_1000": (HANDLER.encode() + b"x = (\n" + b"".join(b'    "part%d"\n' % i for i in range(1000))
                           + b")\n", [(ROW, COLUMN, "LAM101")]),
    "elif_1000": (HANDLER.encode() + b"def pick(c):\n    if c == 0:\n        return 0\n"
                  + b"".join(b"    elif c == %d:\n        return %d\n" % (i, i) for i in range(1, 1000)),
                  [(ROW, COLUMN, "LAM101")]),
    "sum_1000": ((HANDLER + "total = " + " + ".join(f"v{i}" for i in range(1000)) + "\n").encode(),
                 [(ROW, COLUMN, "LAM101")]),
}


def _suffix(name: str) -> str:
    return ".pyi" if name == "stub" else ".py"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalogue")
    for name, (content, *_) in UNPARSABLE.items():
        (root / "plain").mkdir(exist_ok=True)
        (root / "handler").mkdir(exist_ok=True)
        (root / "plain" / f"{name}.py").write_bytes(content)
        (root / "handler" / f"{name}.py").write_bytes(content + TAIL.encode())
    for name, (content, _) in VALID.items():
        (root / "valid").mkdir(exist_ok=True)
        (root / "valid" / f"{name}{_suffix(name)}").write_bytes(content)
    return root


@pytest.fixture(scope="module", params=["1", "2"], ids=["jobs-1", "jobs-2"])
def checked(request: pytest.FixtureRequest, catalogue: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    """One run over the catalogue, in one process and with a pool of two workers."""
    proc = lambdalint("check", "--no-cache", "--select", "ALL", "--jobs", request.param, "--output-format", "json",
                      ".", cwd=catalogue)
    by_file: dict[str, list[dict]] = {}
    for item in json.loads(proc.stdout):
        by_file.setdefault(item["filename"], []).append(item)
    return proc, by_file


def test_the_catalogue_run_exits_1_with_nothing_on_stderr(checked):
    proc, by_file = checked
    assert proc.returncode == 1
    assert proc.stderr == ""


@pytest.mark.parametrize("name", sorted(UNPARSABLE))
@pytest.mark.parametrize("where", ["plain", "handler"])
def test_unparsable_file_is_one_lam000_finding(checked, name, where):
    _, by_file = checked
    _, row, column, message = UNPARSABLE[name]
    items = by_file[f"{where}/{name}.py"]
    assert [(i["code"], i["location"]["row"], i["location"]["column"], i["message"]) for i in items] == [
        ("LAM000", row, column, message)]
    assert items[0]["name"] == "syntax-error" and items[0]["severity"] == "error" and items[0]["fix"] is None


@pytest.mark.parametrize("name", sorted(VALID))
def test_odd_but_valid_file_is_checked_like_any_other(checked, name):
    _, by_file = checked
    expected = VALID[name][1]
    items = by_file.get(f"valid/{name}{_suffix(name)}", [])
    got = [(i["location"]["row"], i["location"]["column"], i["code"]) for i in items]
    assert [f for f in got if f[2] == "LAM101"] == expected
    assert "LAM000" not in {code for _, _, code in got}


def test_every_catalogue_file_is_counted_as_checked(catalogue: Path):
    proc = lambdalint("check", "--no-cache", "--select", "LAM101", "--statistics", ".", cwd=catalogue)
    assert proc.returncode == 1 and proc.stderr == ""
    total = 2 * len(UNPARSABLE) + len(VALID)
    assert proc.stdout.splitlines()[0].split() == [str(2 * len(UNPARSABLE)), "LAM000", "syntax-error"]
    assert len(list(catalogue.rglob("*.py*"))) == total


def test_fixing_the_catalogue_keeps_unparsable_files_and_writes_code_that_parses(catalogue: Path, tmp_path: Path):
    import ast

    from lambdalint.source import decode

    root = tmp_path / "copy"
    shutil.copytree(catalogue, root)
    before = {p: p.read_bytes() for p in root.rglob("*.py*")}
    proc = lambdalint("check", "--no-cache", "--select", "ALL", "--fix", "--unsafe-fixes", "--jobs", "2", ".",
                      cwd=root)
    assert proc.returncode == 1, proc.stderr
    # Where CPython caps recursion through C (3.12.0, 3.12.1), the deepest valid files cannot be printed again.
    too_deep_to_fix = ["concatenation_1000", "elif_1000", "sum_1000"] if C_RECURSION_CAPPED else []
    assert stderr_lines(proc) == [f"lambdalint: warning: valid/{name}.py is nested too deeply to fix; left unchanged"
                                  for name in too_deep_to_fix]
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert set(after) == set(before)  # no temporary file left behind
    for name in UNPARSABLE:
        for where in ("plain", "handler"):
            path = root / where / f"{name}.py"
            assert after[path] == before[path], path
    changed = [p for p in before if after[p] != before[p]]
    assert root / "valid" / "crlf.py" in changed
    assert (root / "valid" / "elif_1000.py" in changed) is not C_RECURSION_CAPPED
    for path in changed:
        text, _ = decode(after[path])
        ast.parse(text)
    assert b"\r\n" in after[root / "valid" / "crlf.py"] and b"\n\n" not in after[root / "valid" / "crlf.py"]
    assert after[root / "valid" / "bom.py"].startswith(b"\xef\xbb\xbf")
    assert b"caf\xe9" in after[root / "valid" / "latin1_cookie.py"]


# -- nothing Python or LibCST prints reaches the user ---------------------------------


def test_python_warnings_about_the_checked_code_are_not_printed(tmp_path: Path):
    # An invalid escape sequence: a DeprecationWarning from the parser on 3.11, a
    # SyntaxWarning printed by default on 3.12+. Shown here even on 3.11.
    write(tmp_path, {"app.py": 'PATTERN = "\\d+"\n' + HANDLER, "plain.py": 'PATTERN = "\\d+"\n'})
    proc = lambdalint("check", "--no-cache", "--select", "LAM101", ".", cwd=tmp_path,
                      python_args=("-W", "always::DeprecationWarning", "-W", "always::SyntaxWarning"))
    assert proc.returncode == 1
    assert proc.stderr == ""


def test_an_unexpected_error_is_one_line_and_exit_2(tmp_path: Path):
    write(tmp_path, {"app.py": HANDLER})
    boom = textwrap.dedent('''\
        import runpy, sys
        import lambdalint.runner

        def plan(*args, **kwargs):
            raise LookupError("something nobody expected")

        lambdalint.runner.plan = plan
        sys.argv[0] = "lambdalint"
        runpy.run_module("lambdalint", run_name="__main__", alter_sys=True)
    ''')
    run = [sys.executable, "-c", boom, "check", "--no-cache", "app.py"]
    proc = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert stderr_lines(proc) == [
        "lambdalint: error: internal error (LookupError: something nobody expected); please report this bug, "
        "with LAMBDALINT_DEBUG=1 set for the traceback"]
    debug = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "LAMBDALINT_DEBUG": "1"})
    assert "Traceback" in debug.stderr and debug.returncode == 1
