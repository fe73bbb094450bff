"""SARIF 2.1.0, shaped for GitHub code scanning.

One run with one tool. `tool.driver.rules` describes every rule that ran
(plus any rule with a result, such as LAM000 for files that do not parse)
with the rule's generated doc page as help. Each result points at a path
relative to the working directory under `%SRCROOT%`, with 1-based lines and
columns counted in code points, and carries
`partialFingerprints.primaryLocationLineHash` computed the way GitHub's
upload action computes it, so alerts keep their identity when lines move and
the upload does not warn about inconsistent fingerprints. Fixes are included
as SARIF `fixes` (GitHub ignores them; other viewers apply them).

GitHub accepts at most 25,000 results per run and shows the 5,000 most severe,
so beyond 25,000 the least severe results are left out and a notification says
how many.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, TextIO
from urllib.parse import quote

from lambdalint import __version__
from lambdalint.baseline import SourceLines, occurrence_fingerprints
from lambdalint.diagnostics import SYNTAX_ERROR_CODE, SYNTAX_ERROR_NAME, Diagnostic, Severity
from lambdalint.discovery import relative
from lambdalint.docs import HOMEPAGE, render_markdown, rule_url
from lambdalint.rule import Rule, doc_section
from lambdalint.source import SourceFile

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000  # GitHub rejects runs with more
SHOWN_RESULTS = 5_000  # GitHub shows only this many, the most severe first
MAX_TAGS = 20
MAX_DESCRIPTION = 1024

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
# Security rules (credentials and secrets, untrusted event data) become
# security alerts; the score follows the rule's default severity.
SECURITY_FAMILIES = ("LAM4", "LAM7")
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "3.0"}


@dataclass
class SarifRun:
    """What the run knew beyond its findings."""

    rules: list[type[Rule]] = field(default_factory=list)  # the rules that ran
    path_problems: list[str] = field(default_factory=list)  # paths named or found that were not checked
    notifications: list[str] = field(default_factory=list)  # other stderr lines: crashed rules, warnings
    successful: bool = True
    sources: list[SourceFile] = field(default_factory=list)
    baseline: bool = False  # results were filtered by a baseline: mark them "new"
    warnings: list[str] = field(default_factory=list)  # filled in by the writer, for stderr


# -- GitHub's line hash -----------------------------------------------------------------

_MASK = (1 << 64) - 1
_BLOCK = 100
_MOD = 37
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13
_EOF = 0xFFFF


def _utf16_units(text: str) -> Iterable[int]:
    for char in text:
        point = ord(char)
        if point > 0xFFFF:
            point -= 0x10000
            yield 0xD800 + (point >> 10)
            yield 0xDC00 + (point & 0x3FF)
        else:
            yield point


def line_hashes(text: str) -> list[str]:
    """`primaryLocationLineHash` of every line, as GitHub's codeql-action computes it.

    A rolling hash (base 37, modulo 2**64) over a window of the next 100
    characters that are not spaces or tabs, starting at the line's first such
    character; CR and CRLF count as LF. Each value is rendered `<hex>:<n>`
    where n counts earlier lines with the same hash. Characters are UTF-16
    code units, as in JavaScript. Index i holds line i + 1.
    """
    window = [0] * _BLOCK
    starts = [False] * _BLOCK  # whether a line starts at this window slot
    counts: dict[str, int] = {}
    out: list[str] = []
    value = index = 0
    line_start, prev_cr = True, False

    def emit() -> None:
        rendered = format(value, "x")
        counts[rendered] = counts.get(rendered, 0) + 1
        out.append(f"{rendered}:{counts[rendered]}")
        starts[index] = False

    units = list(_utf16_units(text))
    units.append(_EOF)
    for unit in units:
        if unit == _SPACE or unit == _TAB or (prev_cr and unit == _LF):
            prev_cr = False
            continue
        prev_cr = unit == _CR
        if prev_cr:
            unit = _LF
        if starts[index]:
            emit()
        if line_start:
            line_start = False
            starts[index] = True
        if unit == _LF:
            line_start = True
        value = (_MOD * value + unit - _FIRST_MOD * window[index]) & _MASK
        window[index] = unit
        index = (index + 1) % _BLOCK
    for _ in range(_BLOCK):  # flush: hash the last lines' windows padded with zeros
        if starts[index]:
            emit()
        value = (_MOD * value - _FIRST_MOD * window[index]) & _MASK
        window[index] = 0
        index = (index + 1) % _BLOCK
    return out


class _LineHashes:
    """Hashes per file, computed once, from the bytes GitHub will read (UTF-8, BOM kept)."""

    def __init__(self, sources: Iterable[SourceFile]) -> None:
        self._data = {os.path.abspath(s.path): s.data for s in sources if s.data}
        self._hashes: dict[str, list[str]] = {}

    def get(self, path: Path, row: int) -> str | None:
        key = os.path.abspath(path)
        if key not in self._hashes:
            data = self._data.get(key)
            if data is None:
                try:
                    data = Path(path).read_bytes()
                except OSError:
                    data = None
            self._hashes[key] = line_hashes(data.decode("utf-8", "replace")) if data is not None else []
        hashes = self._hashes[key]
        return hashes[row - 1] if 1 <= row <= len(hashes) else None


# -- rules ----------------------------------------------------------------------------


def is_security_rule(code: str) -> bool:
    return code.startswith(SECURITY_FAMILIES)


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    doc = render_markdown(rule)
    tags = list(dict.fromkeys([*rule.tags, *(["security"] if is_security_rule(rule.code) else [])]))
    properties: dict[str, Any] = {
        "tags": tags[:MAX_TAGS],
        "precision": getattr(rule, "precision", "high"),
        "problem.severity": PROBLEM_SEVERITY[rule.severity],
    }
    if is_security_rule(rule.code):
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary() or rule.name)},
        "fullDescription": {"text": _clip(doc_section(rule.doc(), "What it does") or rule.summary() or rule.name)},
        "help": {"text": doc, "markdown": doc},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


_SYNTAX_HELP = (
    f"# {SYNTAX_ERROR_CODE} {SYNTAX_ERROR_NAME}\n\n"
    "The file could not be decoded or parsed as Python, so no rule checked it. "
    "Fix the syntax or encoding error; this finding cannot be suppressed.\n"
)


def _syntax_descriptor() -> dict[str, Any]:
    return {
        "id": SYNTAX_ERROR_CODE,
        "name": SYNTAX_ERROR_NAME,
        "shortDescription": {"text": "The file could not be decoded or parsed."},
        "fullDescription": {"text": "The file could not be decoded or parsed as Python, so no rule checked it."},
        "help": {"text": _SYNTAX_HELP, "markdown": _SYNTAX_HELP},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["correctness"], "problem.severity": "error"},
    }


def _descriptor_for_unknown(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "id": diagnostic.code,
        "name": diagnostic.name,
        "shortDescription": {"text": diagnostic.name},
        "fullDescription": {"text": diagnostic.name},
        "help": {"text": diagnostic.name},
        "defaultConfiguration": {"level": LEVELS[diagnostic.severity]},
    }


# -- results --------------------------------------------------------------------------


def artifact_uri(path: Path) -> str:
    return quote(relative(path), safe="/")


def _location(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(diagnostic.path), "uriBaseId": SRCROOT},
            "region": {
                "startLine": diagnostic.location.row,
                "startColumn": max(1, diagnostic.location.column),
                "endLine": diagnostic.end_location.row,
                "endColumn": max(1, diagnostic.end_location.column),
            },
        }
    }


def _fix(diagnostic: Diagnostic) -> dict[str, Any] | None:
    fix = diagnostic.fix
    if fix is None:
        return None
    edits = fix.edits
    if not edits:
        return None
    replacements = []
    for edit in edits:
        end_row, end_col = edit.end
        replacement: dict[str, Any] = {
            "deletedRegion": {"startLine": edit.start[0], "startColumn": edit.start[1],
                              "endLine": end_row, "endColumn": end_col},
        }
        if edit.content:
            replacement["insertedContent"] = {"text": edit.content}
        replacements.append(replacement)
    return {
        "description": {"text": fix.title},
        "artifactChanges": [{
            "artifactLocation": {"uri": artifact_uri(diagnostic.path), "uriBaseId": SRCROOT},
            "replacements": replacements,
        }],
        "properties": {"applicability": fix.applicability.value},
    }


def _keep_most_severe(diagnostics: list[Diagnostic], limit: int) -> list[Diagnostic]:
    ranked = sorted(range(len(diagnostics)), key=lambda i: (-diagnostics[i].severity.rank, i))
    kept = sorted(ranked[:limit])
    return [diagnostics[i] for i in kept]


_UNREADABLE = re.compile(r"cannot read|no such file")


def _notification(message: str, default: str) -> dict[str, Any]:
    level = default
    for prefix, name in (("error: ", "error"), ("warning: ", "warning")):
        if message.startswith(prefix):
            message, level = message[len(prefix):], name
    return {"level": level, "message": {"text": message}}


def _directory_uri(path: Path) -> str:
    uri = path.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def build_sarif(diagnostics: list[Diagnostic], run: SarifRun | None = None) -> dict[str, Any]:
    """The SARIF log as a dict; `run.warnings` receives what stderr should say."""
    run = run or SarifRun()
    # A file that could not be read was not checked: an error, and the run did not fully
    # succeed. Skipped symlinks are warnings.
    notifications = [_notification(m, "error" if _UNREADABLE.search(m) else "warning") for m in run.path_problems]
    notifications += [_notification(m, "warning") for m in run.notifications]
    successful = run.successful and not any(n["level"] == "error" for n in notifications)
    total = len(diagnostics)
    if total > MAX_RESULTS:
        diagnostics = _keep_most_severe(diagnostics, MAX_RESULTS)
        text = (f"{total} results exceed GitHub's limit of {MAX_RESULTS} per run; "
                f"the {total - MAX_RESULTS} least severe were left out")
        run.warnings.append(f"warning: {text}")
        notifications.append({"level": "warning", "message": {"text": text}})
    elif total > SHOWN_RESULTS:
        run.warnings.append(f"warning: {total} results; GitHub code scanning shows only the "
                            f"{SHOWN_RESULTS} most severe")

    rules_by_code = {rule.code: rule for rule in run.rules}
    if not run.rules:  # no run information: describe the rules that have results
        from lambdalint.registry import load_registry

        registry = load_registry().rules
        rules_by_code = {d.code: registry[d.code] for d in diagnostics if d.code in registry}
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for code in sorted(rules_by_code):
        index[code] = len(descriptors)
        descriptors.append(rule_descriptor(rules_by_code[code]))
    for diagnostic in diagnostics:
        if diagnostic.code not in index:
            index[diagnostic.code] = len(descriptors)
            descriptors.append(_syntax_descriptor() if diagnostic.code == SYNTAX_ERROR_CODE
                               else _descriptor_for_unknown(diagnostic))

    hashes = _LineHashes(run.sources)
    stable = occurrence_fingerprints(diagnostics, Path.cwd(), SourceLines(run.sources))
    results = []
    for diagnostic, fingerprint in zip(diagnostics, stable):
        result: dict[str, Any] = {
            "ruleId": diagnostic.code,
            "ruleIndex": index[diagnostic.code],
            "level": LEVELS[diagnostic.severity],
            "message": {"text": diagnostic.message},
            "locations": [_location(diagnostic)],
        }
        fingerprints = {"lambdalint/v1": fingerprint}
        line_hash = hashes.get(diagnostic.path, diagnostic.location.row)
        if line_hash is not None:
            fingerprints["primaryLocationLineHash"] = line_hash
        result["partialFingerprints"] = fingerprints
        fix = _fix(diagnostic)
        if fix is not None:
            result["fixes"] = [fix]
        if run.baseline:
            result["baselineState"] = "new"
        results.append(result)

    invocation: dict[str, Any] = {
        "executionSuccessful": successful,
        "workingDirectory": {"uri": _directory_uri(Path.cwd())},
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lambdalint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(Path.cwd())}},
            "columnKind": "unicodeCodePoints",
            "invocations": [invocation],
            "results": results,
        }],
    }


def write_sarif(diagnostics: list[Diagnostic], stream: TextIO, run: SarifRun | None = None) -> None:
    json.dump(build_sarif(diagnostics, run), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
