"""Reading a file the way Python would: PEP 263 cookies, BOMs, any newline style.

Failure here is data, not an exception: an undecodable or unparsable file
becomes one LAM000 finding and the run goes on.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from typing import Iterator

import libcst as cst


class DecodeError(ValueError):
    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


# Nesting CPython refuses can make LibCST's native parser overflow the C stack
# (bracket runs) or take quadratic time and memory (5,000 unary minuses: 15 s
# and 1.4 GB), so a file with such a run is shown to CPython's parser first.
# Cheap necessary conditions, each led by a literal so the scan stays a small
# fraction of the parse (asking CPython about every file would cost a quarter
# of LibCST's parse time). The bracket run's filler is possessive (`{0,40}+`):
# it holds no bracket, so giving some back never helps, and trying to made the
# scan five times slower.
_DEEP_NESTING = re.compile(r"[(\[{](?:[\w.\s]{0,40}+[(\[{]){149,}")
_ASCII_NESTING_HINT = 150
_DEEP_CHAINS = [re.compile(pattern) for pattern in (
    r"[-+~](?:\s*[-+~]){99,}",  # unary operators
    r"not\s(?:\s*not\s){99,}",
    r"await\s(?:\s*await\s){99,}",
    r"lambda[^:\n]{0,40}:(?:\s*lambda[^:\n]{0,40}:){99,}",
    r"[\])](?:\s*(?:\[[^\[\]\n]{0,40}\]|\([^()\n]{0,40}\)|\.\s*\w+)){299,}",  # subscripts, calls, attributes
)]
TOO_DEEP_FOR_PYTHON = "the file is nested too deeply for Python to parse"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DEFAULT_RECURSION_LIMIT = 1000


@dataclass
class ParseFailure:
    message: str
    row: int = 1
    column: int = 1


@dataclass
class SourceFile:
    path: Path
    rel_path: str
    data: bytes
    text: str = ""
    encoding: str = "utf-8"
    module: cst.Module | None = None
    failure: ParseFailure | None = None
    # The steps of the model's walk over the tree, kept until the rules' dispatch
    # loops over them (the same steps as `lambdalint.walk.steps_of`), then dropped.
    steps: list[tuple[cst.CSTNode, bool]] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name, or raise ValueError with a user-facing message."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if str(error.msg).startswith("invalid or missing encoding declaration"):
            # Not UTF-8 in the first two lines, and no cookie: say where, as below.
            encoding = "utf-8"
        else:
            raise DecodeError(f"cannot determine the file's encoding: {error.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        declared = "" if _declares_encoding(data) else " (no encoding is declared)"
        raise DecodeError(f"cannot decode the file as {encoding}{declared}: {error.reason} "
                          f"(byte {data[error.start:error.start + 1]!r})", row) from None
    except LookupError as error:
        raise DecodeError(f"cannot decode the file: {error}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def split_lines(text: str) -> list[str]:
    """The lines of a text, each with its line break, as Python's tokenizer and LibCST
    count them (and the Language Server Protocol): broken at `\n`, `\r\n` and `\r`
    only. `str.splitlines` also breaks at a form feed, U+2028 and others, so its line
    numbers drift from LibCST's after one."""
    lines: list[str] = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def decoded(data: bytes) -> str | None:
    """The text of a file, or None when it cannot be decoded (a pre-scan's view)."""
    try:
        return decode(data)[0]
    except DecodeError:
        return None


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.M)


def _declares_encoding(data: bytes) -> bool:
    """A PEP 263 cookie on one of the first two lines."""
    head = b"\n".join(data.split(b"\n", 2)[:2])
    return _COOKIE.search(head) is not None


def _may_nest_too_deeply(text: str) -> bool:
    """A cheap scan for runs deep enough to crash or stall LibCST's parser."""
    if text.count("(") + text.count("[") + text.count("{") >= _ASCII_NESTING_HINT \
            and _DEEP_NESTING.search(text) is not None:
        return True
    return any(pattern.search(text) is not None for pattern in _DEEP_CHAINS)


def python_syntax_failure(error: SyntaxError) -> ParseFailure:
    """CPython's own words and position for a syntax error."""
    message = str(error.msg or "invalid syntax")
    if not message.startswith("invalid syntax"):
        message = f"invalid syntax: {message}"
    return ParseFailure(message, row=max(error.lineno or 1, 1), column=max(error.offset or 1, 1))


@contextmanager
def _python_default_depth() -> Iterator[None]:
    """CPython (3.11) bounds its parser by the recursion limit, which checking
    raises (lambdalint.stack); ask it under the default limit, as `python` would."""
    limit = sys.getrecursionlimit()
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    wanted = depth + _DEFAULT_RECURSION_LIMIT
    if limit <= wanted:
        yield
        return
    sys.setrecursionlimit(wanted)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def python_verdict(code: str | bytes) -> SyntaxError | ParseFailure | None:
    """What CPython's parser says: None (fine), its SyntaxError, or a failure
    for nesting too deep to parse at all. Its warnings (invalid escape
    sequences and the like) are not ours to print."""
    try:
        with warnings.catch_warnings(), _python_default_depth():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as error:
        if "nested" in str(error.msg) or "too complex" in str(error.msg):
            return python_syntax_failure(error)
        return error
    except (RecursionError, MemoryError):
        return ParseFailure(TOO_DEEP_FOR_PYTHON)
    except ValueError as error:  # NUL bytes, reported before this is asked
        return ParseFailure(f"cannot parse: {error}")
    return None


def parse_source(path: Path, rel_path: str, data: bytes) -> SourceFile:
    source = SourceFile(path=path, rel_path=rel_path, data=data)
    try:
        source.text, source.encoding = decode(data)
    except DecodeError as error:
        source.failure = ParseFailure(str(error), row=error.row)
        return source
    if "\0" in source.text:
        row = source.text.count("\n", 0, source.text.index("\0")) + 1
        source.failure = ParseFailure("source contains a NUL byte", row=row)
        return source
    # CPython decides what is valid Python and words the errors; it is asked
    # first only about a file that could stall LibCST's parser, and otherwise
    # only when LibCST refuses the file. A file CPython refuses that LibCST
    # accepts is checked: LibCST may know newer syntax than this interpreter.
    python_accepts = False
    if _may_nest_too_deeply(source.text):
        source.failure = _python_failure(source.text)
        if source.failure is not None:
            return source
        python_accepts = True
    try:
        source.module = cst.parse_module(data)
        return source
    except cst.ParserSyntaxError as error:
        refused = ParseFailure(
            f"cannot parse: Python accepts this file but LibCST's parser does not ({_one_line(error.message)})",
            row=max(error.raw_line, 1), column=error.raw_column + 1)
    except RecursionError:
        refused = ParseFailure("the file is nested too deeply to parse")
    except Exception as error:  # noqa: BLE001 - the native parser raises assorted types
        refused = ParseFailure(f"cannot parse: {_one_line(str(error)) or type(error).__name__}")
    source.failure = (None if python_accepts else _python_failure(source.text)) or refused
    return source


def _python_failure(text: str) -> ParseFailure | None:
    """Why CPython refuses a file, in its words (None: it accepts it)."""
    verdict = python_verdict(text)
    if verdict is None or isinstance(verdict, ParseFailure):
        return verdict
    return python_syntax_failure(verdict)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:200] + "..."
