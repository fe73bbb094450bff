"""Shared helpers for the CLI, config, suppression and source tests.

Imported by the test modules (`from cli_helpers import ...`); the `workdir`
fixture lives in conftest.py.

LAM101 (client-in-handler) is the rule under test throughout: it is the
first rule that landed, so these tests do not depend on the others.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from lambdalint.cli import main
from lambdalint.stack import call_with_deep_stack

# The official OASIS SARIF 2.1.0 schema (errata 01), kept as published so every
# run validates SARIF output without a download.
SARIF_SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "sarif-2.1.0.json"

# A handler that builds a client per invocation: one LAM101 finding at 5:10.
HANDLER_WITH_CLIENT = textwrap.dedent('''\
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.head_bucket(Bucket="reports")
''')
FINDING_ROW, FINDING_COLUMN = 5, 10

# The same handler done right: nothing to report.
CLEAN_HANDLER = textwrap.dedent('''\
    import boto3

    s3 = boto3.client("s3")


    def lambda_handler(event, context):
        return s3.head_bucket(Bucket="reports")
''')


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2 mixes the streams by default
    except TypeError:
        return CliRunner()


def run_cli(*args: str) -> Run:
    """Run `lambdalint ARGS` in-process in the current folder."""
    result = _runner().invoke(main, list(args), catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    """Create files under root; str contents are dedented and written as UTF-8."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def pyproject(root: Path, body: str) -> Path:
    """Write root/pyproject.toml with a [tool.lambdalint] table holding body."""
    path = root / "pyproject.toml"
    path.write_text("[tool.lambdalint]\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def copy_distribution(name: str, target: Path) -> list[str]:
    """Install a distribution of the test environment into ``target`` the way
    `pip install --target` lays it out (its packages and modules beside its
    `*.dist-info`), by copying its installed files; returns its top-level names."""
    import importlib.metadata
    import shutil

    distribution = importlib.metadata.distribution(name)
    tops: set[str] = set()
    for file in distribution.files or ():
        parts = file.parts
        if not parts or parts[0] in ("..", "bin") or "__pycache__" in parts:
            continue
        source = Path(str(distribution.locate_file(file)))
        if not source.is_file():
            continue
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        if not parts[0].endswith(".dist-info"):
            tops.add(parts[0])
    return sorted(tops)


class _Descent:
    """LibCST's code generation calls each node's `_codegen_impl` through
    `**kwargs` on a bound method, which CPython 3.12+ runs as a C call."""

    def down(self, depth: int, **kwargs: object) -> int:
        return self.step(depth, **kwargs)

    def step(self, depth: int) -> int:
        return self.down(depth - 1) + 1 if depth else 0


def _c_recursion_capped() -> bool:
    try:
        call_with_deep_stack(_Descent().down, 1000)
    except RecursionError:
        return True
    return False


# CPython 3.12.0 and 3.12.1 stop recursion through C calls at 1,500 whatever
# `sys.setrecursionlimit` says (CPython gh-112215, raised in later 3.12 releases):
# there LibCST prints, and so lambdalint positions and fixes, nothing nested more
# than about 700 levels deep (a 1,000-part string concatenation).
C_RECURSION_CAPPED = _c_recursion_capped()
