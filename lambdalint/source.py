"""Reading a file the way Python would: PEP 263 cookies, BOMs, any newline style.

Failure here is data, not an exception: an undecodable or unparsable file
becomes one LAM000 finding and the run goes on.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from typing import Mapping

import libcst as cst
from libcst.metadata import CodeRange


class DecodeError(ValueError):
    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


# CPython refuses more than 200 nested brackets; LibCST's native parser can
# overflow the C stack long before failing politely, so find such runs first.
_DEEP_NESTING = re.compile(r"(?:[(\[{][\w.\s]{0,40}){150,}")
_ASCII_NESTING_HINT = 150


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
    # Node positions, resolved by the engine only for files with findings.
    positions: Mapping[cst.CSTNode, CodeRange] | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name, or raise ValueError with a user-facing message."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise DecodeError(f"cannot determine the file's encoding: {error.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        raise DecodeError(f"cannot decode the file as {encoding}: {error.reason} "
                          f"(byte {data[error.start:error.start + 1]!r})", row) from None
    except LookupError as error:
        raise DecodeError(f"cannot decode the file: {error}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def _too_deep(text: str) -> bool:
    """A cheap scan for bracket runs deep enough to crash the parser, confirmed by CPython's."""
    if text.count("(") + text.count("[") + text.count("{") < _ASCII_NESTING_HINT:
        return False
    if not _DEEP_NESTING.search(text):
        return False
    try:
        ast.parse(text)
    except SyntaxError as error:
        return "nested" in str(error.msg)
    except (RecursionError, MemoryError, ValueError):
        return True
    return False


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
    if _too_deep(source.text):
        source.failure = ParseFailure("too many nested brackets (Python allows at most 200)")
        return source
    try:
        source.module = cst.parse_module(data)
    except cst.ParserSyntaxError as error:
        source.failure = ParseFailure(
            f"invalid syntax: {error.message}", row=max(error.raw_line, 1), column=error.raw_column + 1
        )
    except RecursionError:
        source.failure = ParseFailure("the file is nested too deeply to parse")
    except Exception as error:  # noqa: BLE001 - the native parser raises assorted types
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        source.failure = ParseFailure(f"cannot parse: {message}")
    return source
