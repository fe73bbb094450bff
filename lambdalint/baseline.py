"""Baselines: adopt lambdalint on old code and fail only on new findings.

`lambdalint baseline -o FILE` records the findings of today; `lambdalint check
--baseline FILE` (or the `baseline` config key) then reports only findings
that are not recorded. A finding is identified by its rule code, its file
(relative to the baseline file's folder) and a hash of its source line with
all whitespace removed, never by its line number, so code moving up or down,
or being re-indented, does not bring old findings back. Identical lines in
one file share an entry with a count: when a file has more such findings than
recorded, the first ones in file order count as known and the rest are new.

The file is sorted, indented JSON that diffs line by line in review:

    {
      "findings": [
        {"code": "LAM101", "count": 1, "hash": "9d5e...", "name": "client-in-handler",
         "path": "src/app.py"}
      ],
      "tool": "lambdalint",
      "version": 1
    }

Entries hold no source text, so a baselined hard-coded secret is not copied
into the baseline. Files that do not parse (LAM000) are never baselined:
hiding them would hide everything in the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from lambdalint.diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from lambdalint.source import SourceFile, decode

VERSION = 1
TOOL = "lambdalint"


class BaselineError(Exception):
    """The baseline file cannot be read or is not a lambdalint baseline; user-facing."""


@dataclass(frozen=True, order=True)
class Key:
    path: str  # POSIX, relative to the baseline file's folder
    code: str
    hash: str


class SourceLines:
    """Source lines of the files findings are in: from the run's parsed sources, else from disk."""

    def __init__(self, sources: Iterable[SourceFile] = ()) -> None:
        self._lines: dict[str, list[str]] = {}
        for source in sources:
            if source.text or source.module is not None:
                self._lines[_abs(source.path)] = source.text.splitlines()

    def line(self, path: Path, row: int) -> str:
        key = _abs(path)
        lines = self._lines.get(key)
        if lines is None:
            try:
                lines = decode(Path(path).read_bytes())[0].splitlines()
            except (OSError, ValueError):
                lines = []
            self._lines[key] = lines
        return lines[row - 1] if 1 <= row <= len(lines) else ""


def _abs(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def relative_to(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base))).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def normalise(line: str) -> str:
    """The line as identity: whitespace (indentation, spacing, line ends) does not count."""
    return "".join(line.split())


def line_hash(line: str) -> str:
    return hashlib.sha256(normalise(line).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def key_of(diagnostic: Diagnostic, base: Path, lines: SourceLines) -> Key:
    text = lines.line(diagnostic.path, diagnostic.location.row)
    return Key(relative_to(diagnostic.path, base), diagnostic.code, line_hash(text))


def occurrence_fingerprints(diagnostics: list[Diagnostic], base: Path, lines: SourceLines) -> list[str]:
    """A stable id per finding: its baseline key plus its occurrence index among equal keys.

    SARIF carries it as `partialFingerprints["lambdalint/v1"]`.
    """
    seen: Counter[Key] = Counter()
    out = []
    for diagnostic in diagnostics:
        key = key_of(diagnostic, base, lines)
        seen[key] += 1
        digest = hashlib.sha256(
            "\0".join((key.code, key.path, key.hash, str(seen[key]))).encode("utf-8", "surrogatepass")
        ).hexdigest()
        out.append(digest[:32])
    return out


# -- writing -------------------------------------------------------------------------


def build(diagnostics: list[Diagnostic], base: Path, lines: SourceLines) -> dict[str, Any]:
    counts: Counter[Key] = Counter()
    names: dict[Key, str] = {}
    for diagnostic in diagnostics:
        if diagnostic.code == SYNTAX_ERROR_CODE:
            continue
        key = key_of(diagnostic, base, lines)
        counts[key] += 1
        names[key] = diagnostic.name
    findings = [
        {"code": key.code, "count": counts[key], "hash": key.hash, "name": names[key], "path": key.path}
        for key in sorted(counts)
    ]
    return {"findings": findings, "tool": TOOL, "version": VERSION}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- reading and matching --------------------------------------------------------------


@dataclass
class Baseline:
    path: Path
    counts: Counter[Key] = field(default_factory=Counter)

    @property
    def base(self) -> Path:
        return self.path.parent

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BaselineError(
                f"{path}: no such baseline file (create it with `lambdalint baseline -o {path}`)"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise BaselineError(f"{path}: cannot read baseline: {getattr(error, 'strerror', None) or error}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise BaselineError(f"{path}: not a lambdalint baseline (invalid JSON: {error})") from None
        if not isinstance(data, dict) or data.get("tool") != TOOL or not isinstance(data.get("findings"), list):
            raise BaselineError(f"{path}: not a lambdalint baseline (write one with `lambdalint baseline`)")
        if data.get("version") != VERSION:
            raise BaselineError(
                f"{path}: baseline version {data.get('version')!r} is not supported by this lambdalint "
                f"(expected {VERSION}); rewrite it with `lambdalint baseline`"
            )
        baseline = cls(path)
        for index, entry in enumerate(data["findings"]):
            if not (isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("code", "path", "hash"))
                    and isinstance(entry.get("count"), int) and not isinstance(entry.get("count"), bool)
                    and entry["count"] > 0):
                raise BaselineError(f"{path}: findings[{index}] needs string code, path and hash and a positive count")
            baseline.counts[Key(entry["path"], entry["code"], entry["hash"])] += entry["count"]
        return baseline

    def filter(self, diagnostics: list[Diagnostic], lines: SourceLines) -> Filtered:
        """Split findings into new ones and ones the baseline knows (first occurrences win)."""
        used: Counter[Key] = Counter()
        result = Filtered()
        for diagnostic in diagnostics:
            if diagnostic.code == SYNTAX_ERROR_CODE:
                result.new.append(diagnostic)
                continue
            key = key_of(diagnostic, self.base, lines)
            if used[key] < self.counts.get(key, 0):
                used[key] += 1
                result.hidden.append(diagnostic)
            else:
                result.new.append(diagnostic)
        result.used = used
        return result

    def stale(self, filtered: Filtered, checked: Iterable[Path], codes: Iterable[str]) -> list[tuple[Key, int]]:
        """Entries (and how many of their count) that matched nothing in files this run checked,
        for rules this run ran: fixed findings, or lines that changed."""
        checked_paths = {relative_to(path, self.base) for path in checked}
        enabled = set(codes)
        out = []
        for key in sorted(self.counts):
            missing = self.counts[key] - filtered.used.get(key, 0)
            if missing > 0 and key.path in checked_paths and key.code in enabled:
                out.append((key, missing))
        return out


@dataclass
class Filtered:
    new: list[Diagnostic] = field(default_factory=list)
    hidden: list[Diagnostic] = field(default_factory=list)
    used: Counter[Key] = field(default_factory=Counter)
