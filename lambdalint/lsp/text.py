"""Text positions and edits for the language server, without any LSP library.

lambdalint reports 1-based rows and 1-based columns in code points, with the
lines LibCST sees: separated by `\\n`, `\\r\\n` or `\\r` only (a form feed or
U+2028 is not a line break for Python's tokenizer, though `str.splitlines`
breaks there). The Language Server Protocol counts 0-based lines, separated
the same way, and 0-based characters in the code units of the negotiated
position encoding: UTF-16 unless client and server agree on UTF-8 or UTF-32.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from typing import Iterable

from lambdalint.fix import Edit
from lambdalint.source import split_lines
from lambdalint.suppression import INLINE_NOQA

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def units(text: str, encoding: str) -> int:
    """How many code units ``text`` is in a position encoding."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


@dataclass(frozen=True)
class Point:
    """A 0-based line and character in the client's code units (an LSP Position)."""

    line: int
    character: int


class Positions:
    """Converts between lambdalint's positions and the client's, for one text."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.lines = split_lines(text)
        if not self.lines or self.lines[-1] != _content(self.lines[-1]):
            self.lines.append("")  # the empty line after a final line break
        # The engine reads the buffer's bytes the way it reads a file, without a BOM.
        self.bom = 1 if text.startswith("\ufeff") else 0

    def to_client(self, row: int, column: int) -> Point:
        """A 1-based row and code-point column (lambdalint's) as a client position;
        past the end of a line or of the text, it is clamped there."""
        if row > len(self.lines):
            last = len(self.lines) - 1
            return Point(last, units(_content(self.lines[last]), self.encoding))
        line = _content(self.lines[max(row, 1) - 1])
        points = max(column, 1) - 1 + (self.bom if row == 1 else 0)
        return Point(max(row, 1) - 1, units(line[:points], self.encoding))

    def from_client(self, point: Point) -> tuple[int, int]:
        """A client position as lambdalint's 1-based row and code-point column."""
        if point.line >= len(self.lines):
            return len(self.lines) + 1, 1
        line = _content(self.lines[point.line])
        count = 0
        column = 0
        for char in line:
            if count >= point.character:
                break
            count += units(char, self.encoding)
            column += 1
        if point.line == 0:
            column = max(column - self.bom, 0)
        return point.line + 1, column + 1

    def end(self) -> Point:
        """The position just after the last character."""
        last = len(self.lines) - 1
        return Point(last, units(self.lines[last], self.encoding))


def comment_slots(text: str) -> dict[int, int | None] | None:
    """The rows that can take a comment at their end (the row ends outside any string
    and any backslash continuation), each with the 0-based code-point column of the
    comment it has (None: it has none); None when Python's tokenizer cannot read the text."""
    slots: dict[int, int | None] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                slots[token.start[0]] = token.start[1]
            elif token.type in (tokenize.NEWLINE, tokenize.NL):
                slots.setdefault(token.start[0], None)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return slots


def noqa_edit(text: str, rows: Iterable[int], code: str,
              slots: dict[int, int | None] | None = None) -> Edit | None:
    """The edit that adds ``code`` to a `# noqa` comment on the first of ``rows`` that can
    take a comment: appended to the codes of an existing `# noqa: ...`, else a new
    `  # noqa: CODE` at the end of the line (after any comment it has; flake8 and
    lambdalint read the first `# noqa` anywhere in the line). None when no row can
    (each ends inside a string, continues with a backslash, or holds `# noqa` in a
    string, which is the one they would read). ``slots``: `comment_slots(text)`, if known."""
    slots = comment_slots(text) if slots is None else slots
    if slots is None:
        return None
    lines = split_lines(text)
    for row in rows:
        if row not in slots or row > len(lines):
            continue
        line = _content(lines[row - 1])
        comment = slots[row]
        first = INLINE_NOQA.search(line)
        if first is not None and (comment is None or first.start() < comment):
            continue  # `# noqa` inside a string: what flake8 and lambdalint read on this line
        if comment is not None:
            match = INLINE_NOQA.search(line, comment)
            if match is not None and match.group("codes"):
                at = match.end("codes") + 1
                return Edit(f", {code}", (row, at), (row, at))
            if match is not None:  # a bare `# noqa` silences every code already
                return None
        end = len(line.rstrip())
        return Edit(f"  # noqa: {code}", (row, end + 1), (row, len(line) + 1))
    return None
