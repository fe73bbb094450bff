"""GitHub Actions workflow commands: one annotation per finding.

`::warning file=app.py,line=5,col=10,endLine=5,endColumn=28,title=LAM101::message`
puts the message on the pull request's diff. The level follows the finding's
severity (error, warning, info -> notice). GitHub shows at most ten
annotations of each level per step, so SARIF upload is the scalable path;
annotations are for a quick look on small changes.
"""

from __future__ import annotations

from typing import TextIO

from lambdalint.diagnostics import Diagnostic, Severity
from lambdalint.discovery import relative

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part of a workflow command: `%`, CR and LF are encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as the message, plus `:` and `,`, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic) -> str:
    start, end = diagnostic.location, diagnostic.end_location
    properties = [("file", relative(diagnostic.path)), ("line", str(start.row))]
    if end.row == start.row:
        properties += [("col", str(start.column)), ("endLine", str(end.row)), ("endColumn", str(end.column))]
    else:
        # GitHub ignores columns on a range over several lines; say so by leaving them out.
        properties.append(("endLine", str(end.row)))
    properties.append(("title", diagnostic.code))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{LEVELS[diagnostic.severity]} {rendered}::{escape_data(diagnostic.message)}"


def write_github(diagnostics: list[Diagnostic], stream: TextIO) -> None:
    for diagnostic in diagnostics:
        stream.write(annotation(diagnostic) + "\n")
