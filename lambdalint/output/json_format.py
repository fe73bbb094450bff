"""JSON and JSON Lines in ruff's shape, so tools that read ruff's output read ours."""

from __future__ import annotations

import json
from typing import Any, TextIO

from lambdalint.diagnostics import Diagnostic, rule_url
from lambdalint.discovery import relative


def diagnostic_to_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    fix = diagnostic.fix
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "message": diagnostic.message,
        "severity": diagnostic.severity.value,
        "filename": relative(diagnostic.path),
        "location": {"row": diagnostic.location.row, "column": diagnostic.location.column},
        "end_location": {"row": diagnostic.end_location.row, "column": diagnostic.end_location.column},
        "fix": fix.to_dict() if fix is not None else None,
        "url": rule_url(diagnostic.code) if diagnostic.code != "LAM000" else None,
        "noqa_row": diagnostic.noqa_row,
    }


def write_json(diagnostics: list[Diagnostic], stream: TextIO) -> None:
    json.dump([diagnostic_to_dict(d) for d in diagnostics], stream, indent=2)
    stream.write("\n")


def write_jsonl(diagnostics: list[Diagnostic], stream: TextIO) -> None:
    for diagnostic in diagnostics:
        stream.write(json.dumps(diagnostic_to_dict(diagnostic)) + "\n")
