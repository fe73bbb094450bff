"""Reading a file the way Python would: PEP 263 cookies, BOMs, any newline style.

Failure here is data, not an exception: an undecodable or unparsable file
becomes one LAM000 finding and the run goes on.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import libcst as cst


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

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name, or raise ValueError with a user-facing message."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise ValueError(f"cannot determine the file's encoding: {error.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise ValueError(f"cannot decode the file as {encoding}: {error}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def parse_source(path: Path, rel_path: str, data: bytes) -> SourceFile:
    source = SourceFile(path=path, rel_path=rel_path, data=data)
    try:
        source.text, source.encoding = decode(data)
    except ValueError as error:
        source.failure = ParseFailure(str(error))
        return source
    if "\0" in source.text:
        row = source.text.count("\n", 0, source.text.index("\0")) + 1
        source.failure = ParseFailure("source contains a NUL byte", row=row)
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
