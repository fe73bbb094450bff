"""Output formats. Each takes the findings of a run and writes them to a stream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TextIO

from lambdalint.diagnostics import Diagnostic
from lambdalint.output.github import write_github
from lambdalint.output.json_format import write_json, write_jsonl
from lambdalint.output.text import write_full, write_text

if TYPE_CHECKING:
    from lambdalint.output.sarif import SarifRun

Writer = Callable[[list[Diagnostic], TextIO], None]


def write_sarif(diagnostics: list[Diagnostic], stream: TextIO, run: SarifRun | None = None) -> None:
    """SARIF describes every enabled rule, so it imports them: only when asked for."""
    from lambdalint.output import sarif

    sarif.write_sarif(diagnostics, stream, run)


WRITERS: dict[str, Writer] = {
    "text": write_text,
    "full": write_full,
    "json": write_json,
    "jsonl": write_jsonl,
    "sarif": write_sarif,  # the CLI passes a SarifRun with the rules and notifications
    "github": write_github,
}

__all__ = ["WRITERS", "Writer"]
