"""Output formats. Each takes the findings of a run and writes them to a stream."""

from __future__ import annotations

from typing import Callable, TextIO

from lambdalint.diagnostics import Diagnostic
from lambdalint.output.github import write_github
from lambdalint.output.json_format import write_json, write_jsonl
from lambdalint.output.sarif import write_sarif
from lambdalint.output.text import write_full, write_text

Writer = Callable[[list[Diagnostic], TextIO], None]

WRITERS: dict[str, Writer] = {
    "text": write_text,
    "full": write_full,
    "json": write_json,
    "jsonl": write_jsonl,
    "sarif": write_sarif,  # the CLI passes a SarifRun with the rules and notifications
    "github": write_github,
}

__all__ = ["WRITERS", "Writer"]
