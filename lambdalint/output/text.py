"""Human formats: `text` (one line per finding) and `full` (with the source line)."""

from __future__ import annotations

from typing import TextIO

from lambdalint.diagnostics import Diagnostic
from lambdalint.discovery import relative


def _line(diagnostic: Diagnostic) -> str:
    marker = " [*]" if diagnostic.fix_applicable else ""
    return (f"{relative(diagnostic.path)}:{diagnostic.location.row}:{diagnostic.location.column}: "
            f"{diagnostic.code}{marker} {diagnostic.message}")


def write_text(diagnostics: list[Diagnostic], stream: TextIO) -> None:
    for diagnostic in diagnostics:
        stream.write(_line(diagnostic) + "\n")


def write_full(diagnostics: list[Diagnostic], stream: TextIO) -> None:
    cache: dict[str, list[str]] = {}
    for diagnostic in diagnostics:
        stream.write(f"{_line(diagnostic)} ({diagnostic.name}, {diagnostic.severity.value})\n")
        key = str(diagnostic.path)
        if key not in cache:
            try:
                from lambdalint.source import decode

                cache[key] = decode(diagnostic.path.read_bytes())[0].splitlines()
            except (OSError, ValueError):
                cache[key] = []
        lines = cache[key]
        row = diagnostic.location.row
        if 1 <= row <= len(lines):
            source_line = lines[row - 1].expandtabs(1)
            gutter = " " * len(str(row))
            start = diagnostic.location.column - 1
            if diagnostic.end_location.row == row:
                width = max(1, diagnostic.end_location.column - diagnostic.location.column)
            else:
                width = max(1, len(source_line) - start)
            stream.write(f"{gutter} |\n{row} | {source_line}\n{gutter} | {' ' * start}{'^' * width}\n")
        stream.write("\n")
