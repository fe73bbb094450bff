"""The flake8 plugin: `flake8 --select LAM` runs lambdalint's rules.

Registered as `LAM = "lambdalint.flake8_plugin:Plugin"` in the
`flake8.extension` entry-point group. For each file flake8 hands over the
lines it read (already decoded, BOM removed; the only copy for stdin), which
are parsed with LibCST and checked by the same engine and the same
`[tool.lambdalint]` configuration the CLI uses (the nearest `pyproject.toml`
with that table, upward from the file). Each finding comes back as
`(line, column, "LAMxxx message", Plugin)` with a 0-based column in code
points; flake8 shows it 1-based.

What differs from the CLI, on purpose:
- `# noqa` comments are left to flake8, so they follow flake8's rules
  (`--disable-noqa`, prefix matching, a comment on the reported physical
  line). lambdalint's file-wide `# lambdalint: noqa` still applies: flake8
  does not know it.
- A file that does not parse yields nothing: flake8 reports E999 itself.

flake8 hands over one file at a time; lambdalint judges it inside its project
(`lambdalint.discovery.project_root`: the folder of its template, its
`pyproject.toml` or its repository), as `lambdalint check FILE` does, so a
helper that a handler in another module calls gets its cross-module findings.
The project is checked once per flake8 process (and through the results cache
across runs); a file whose text differs from the disk (stdin) is checked
with that text.

This module imports nothing from flake8, and nothing of lambdalint beyond its
version until the first file is checked.
"""

from __future__ import annotations

import ast
import io
import os
import sys
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from lambdalint import __version__

if TYPE_CHECKING:
    from lambdalint.diagnostics import Diagnostic
    from lambdalint.runner import Runner
    from lambdalint.source import SourceFile

STDIN_NAMES = ("stdin", "-")

# One runner per configuration file per process (flake8 runs several worker processes),
# the configuration file of each folder, and each project's findings by file, so each
# is found, read and checked once.
_RUNNERS: dict[Path | None, Runner] = {}
_CONFIGS: dict[Path, Path | None] = {}
_PROJECTS: dict[tuple[Path | None, Path], tuple[dict[str, list[Diagnostic]], set[str]]] = {}


def _runner_for(filename: str) -> tuple[Runner, Path | None]:
    from lambdalint.cache import CACHE_DIR_NAME
    from lambdalint.config import find_config, load_config, validate_codes
    from lambdalint.registry import load_registry
    from lambdalint.runner import Runner

    start = Path.cwd() if filename in STDIN_NAMES else Path(filename).absolute().parent
    while not start.exists() and start != start.parent:
        start = start.parent
    if start not in _CONFIGS:
        _CONFIGS[start] = find_config(start)
    config_path = _CONFIGS[start]
    runner = _RUNNERS.get(config_path)
    if runner is None:
        registry = load_registry()
        config = load_config(config_path)  # a ConfigError stops flake8 with its message
        validate_codes(config, registry.codes)
        rules = registry.select(config.select, config.extend_select, config.ignore)
        # One process: flake8 parallelises over files itself, in daemonic workers.
        runner = Runner(config, rules, jobs=1, cache_dir=config.cache_dir or config.root / CACHE_DIR_NAME,
                        inline_noqa=False)
        _RUNNERS[config_path] = runner
    return runner, config_path


def _declared_encoding(text: str) -> str:
    """The PEP 263 cookie's encoding (flake8 decoded the file with it), else UTF-8."""
    head = text.splitlines(keepends=True)[:2]
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO("".join(head).encode("utf-8", "replace")).readline)
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding == "utf-8-sig" else encoding


def project_root(path: Path) -> Path | None:
    from lambdalint.runner import project_of

    return project_of(path)


def source_from_lines(filename: str, lines: list[str]) -> SourceFile:
    """A SourceFile built from the text flake8 read, re-encoded the way its cookie says."""
    from lambdalint.discovery import relative
    from lambdalint.source import parse_source

    text = "".join(lines)
    try:
        data = text.encode(_declared_encoding(text))
    except (UnicodeEncodeError, LookupError):
        data = text.encode("utf-8", "surrogatepass")
    path = Path("stdin" if filename in STDIN_NAMES else filename)
    return parse_source(path, relative(path), data)


class Plugin:
    """flake8 entry point: a tree plugin (flake8 classifies plugins by their `__init__` parameters)."""

    name = "lambdalint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: list[str], filename: str) -> None:
        self.tree = tree  # unused: requested so flake8 treats this as a tree plugin
        self.lines = lines
        self.filename = filename
        # Here rather than in run(): flake8 turns exceptions raised while building the
        # plugin (a bad [tool.lambdalint]) into a one-line "plugin execution failed" error.
        self.runner, self.config_path = _runner_for(filename)

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        source = source_from_lines(self.filename, self.lines)
        if source.module is None:
            return  # flake8 reports the syntax error (E999)
        for diagnostic in self._findings(source):
            if diagnostic.code == "LAM000":
                continue
            yield (diagnostic.location.row, diagnostic.location.column - 1,
                   f"{diagnostic.code} {diagnostic.message}", type(self))

    def _findings(self, source: SourceFile) -> list[Diagnostic]:
        path = Path(self.filename)
        root = None if self.filename in STDIN_NAMES or not path.is_file() else project_root(path)
        runner = self.runner
        if root is None:
            result = runner.engine.check_sources([source])
            _report(result.messages)
            return result.diagnostics
        key = os.path.abspath(path)
        try:
            on_disk = path.read_bytes() == source.data
        except OSError:
            on_disk = False
        if not on_disk:  # checked with flake8's text, inside its project
            runner.overrides = {key: source.data}
            try:
                outcome = runner.run([path])
            finally:
                runner.overrides = {}
            _report(outcome.messages)
            return outcome.diagnostics
        project = _PROJECTS.get((self.config_path, root))
        if project is None:
            outcome = runner.run([root])
            _report(outcome.messages)
            found: dict[str, list[Diagnostic]] = {}
            for diagnostic in outcome.diagnostics:
                found.setdefault(os.path.abspath(diagnostic.path), []).append(diagnostic)
            project = found, {os.path.abspath(checked.path) for checked in outcome.sources}
            _PROJECTS[(self.config_path, root)] = project
        findings, checked = project
        if key not in checked:
            # Not part of its project's run (an excluded folder): checked as named.
            outcome = runner.run([path])
            _report(outcome.messages)
            return outcome.diagnostics
        return findings.get(key, [])


def _report(messages: list[str]) -> None:
    for message in messages:
        if message.startswith("error:"):  # a crashed rule; handler-spec warnings would repeat per file
            print(f"lambdalint: {message}", file=sys.stderr)
