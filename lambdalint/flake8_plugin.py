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
- flake8 checks one file at a time, so a helper in another module that a
  handler calls is not seen as invocation scope; the CLI sees the whole tree.

This module imports nothing from flake8, and nothing of lambdalint beyond its
version until the first file is checked.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from lambdalint import __version__

if TYPE_CHECKING:
    from lambdalint.engine import Engine
    from lambdalint.source import SourceFile

STDIN_NAMES = ("stdin", "-")

# One engine per configuration file per process (flake8 runs several worker processes),
# and the configuration file of each folder, so each is found and read once.
_ENGINES: dict[Path | None, Engine] = {}
_CONFIGS: dict[Path, Path | None] = {}


def _engine_for(filename: str) -> Engine:
    from lambdalint.config import find_config, load_config, validate_codes
    from lambdalint.engine import Engine
    from lambdalint.registry import load_registry

    start = Path.cwd() if filename in STDIN_NAMES else Path(filename).absolute().parent
    while not start.exists() and start != start.parent:
        start = start.parent
    if start not in _CONFIGS:
        _CONFIGS[start] = find_config(start)
    config_path = _CONFIGS[start]
    engine = _ENGINES.get(config_path)
    if engine is None:
        registry = load_registry()
        config = load_config(config_path)  # a ConfigError stops flake8 with its message
        validate_codes(config, registry.codes)
        engine = Engine(config, registry.select(config.select, config.extend_select, config.ignore))
        engine.inline_noqa = False
        _ENGINES[config_path] = engine
    return engine


def _declared_encoding(text: str) -> str:
    """The PEP 263 cookie's encoding (flake8 decoded the file with it), else UTF-8."""
    head = text.splitlines(keepends=True)[:2]
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO("".join(head).encode("utf-8", "replace")).readline)
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding == "utf-8-sig" else encoding


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
        self.engine = _engine_for(filename)

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        engine = self.engine
        source = source_from_lines(self.filename, self.lines)
        if source.module is None:
            return  # flake8 reports the syntax error (E999)
        result = engine.check_sources([source])
        for message in result.messages:
            if message.startswith("error:"):  # a crashed rule; handler-spec warnings would repeat per file
                print(f"lambdalint: {message}", file=sys.stderr)
        for diagnostic in result.diagnostics:
            if diagnostic.code == "LAM000":
                continue
            yield (diagnostic.location.row, diagnostic.location.column - 1,
                   f"{diagnostic.code} {diagnostic.message}", type(self))
