"""Results cache: what a unit of files produced, keyed by everything it depends on.

The key covers the tool version, the Python that runs it (CPython words
syntax errors differently from one version to the next), the effective
configuration, the enabled rules and the bytes of every file in the unit (a
unit holds all the files whose findings can depend on each other), so a hit
can never be stale.
Entries are written through a temporary file and an atomic rename, so
concurrent runs at worst compute the same entry twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Iterable

from lambdalint import __version__
from lambdalint.diagnostics import ChainLink, Diagnostic, Location, Severity
from lambdalint.edits import Applicability, Edit

CACHE_DIR_NAME = ".lambdalint_cache"
INTERPRETER = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}"


class FrozenFix:
    """A fix as data (no tree): what crosses processes and the cache, for output."""

    def __init__(self, code: str, applicability: Applicability, title: str, edits: list[Edit]) -> None:
        self.code = code
        self.applicability = applicability
        self.title = title
        self.edits = edits

    @classmethod
    def of(cls, fix: Any) -> FrozenFix:
        return cls(fix.code, fix.applicability, fix.title, list(fix.edits))

    def to_dict(self) -> dict[str, Any]:
        return {"applicability": self.applicability.value, "message": self.title,
                "edits": [edit.to_dict() for edit in self.edits]}


def freeze(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.fix is not None and not isinstance(diagnostic.fix, FrozenFix):
        diagnostic.fix = FrozenFix.of(diagnostic.fix)
    return diagnostic


def diagnostic_to_data(d: Diagnostic) -> dict[str, Any]:
    fix = d.fix
    return {
        "code": d.code, "name": d.name, "message": d.message, "severity": d.severity.value,
        "path": str(d.path), "location": [d.location.row, d.location.column],
        "end_location": [d.end_location.row, d.end_location.column], "noqa_row": d.noqa_row,
        "noqa_rows": list(d.noqa_rows),
        "chain": [[link.function, str(link.path), link.row] for link in d.chain],
        "fix": None if fix is None else {
            "code": fix.code, "applicability": fix.applicability.value, "title": fix.title,
            "edits": [[e.content, list(e.start), list(e.end)] for e in fix.edits],
        },
    }


# A file's findings name it again and again: one Path for each (a Path per finding was
# half of reading a cached run's findings back: 840 of them on the Lambda-shaped corpus).
_path = functools.lru_cache(maxsize=4096)(Path)


def diagnostic_from_data(data: dict[str, Any]) -> Diagnostic:
    fix = data["fix"]
    return Diagnostic(
        code=data["code"], name=data["name"], message=data["message"],
        severity=Severity(data["severity"]), path=_path(data["path"]),
        location=Location(*data["location"]), end_location=Location(*data["end_location"]),
        noqa_row=data["noqa_row"], noqa_rows=tuple(data["noqa_rows"]),
        chain=tuple(ChainLink(name, _path(path), row) for name, path, row in data.get("chain", ())),
        fix=None if fix is None else FrozenFix(
            fix["code"], Applicability(fix["applicability"]), fix["title"],
            [Edit(content, tuple(start), tuple(end)) for content, start, end in fix["edits"]],
        ),
    )


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def settings_key(config: Any, rule_codes: Iterable[str]) -> str:
    """What besides the files decides the findings: version, interpreter, config, rules."""
    payload = json.dumps([__version__, INTERPRETER, _jsonable(config), sorted(rule_codes)], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def selection_key(config: Any, plugins: Iterable[str]) -> str:
    """A key that stands for the enabled rules without loading them: the rules a
    configuration (with the command line's options merged in) selects are the
    built-in rules of this version and those of the installed plugins (``plugins``:
    `registry.plugin_identities`). A run keyed this way is answered from the cache
    without importing LibCST or any rule."""
    return settings_key(config, ["\0selection", *plugins])


def unit_key(settings: str, files: Iterable[tuple[str, bytes]], digests: Digests | None = None) -> str:
    """The key of the results of checking ``files`` (path and bytes) under ``settings``;
    ``digests``: the run's hashes of the bytes, shared by the keys of its units."""
    digest = hashlib.sha256(settings.encode())
    for rel_path, data in sorted(files):
        digest.update(rel_path.encode() + b"\0" + (digests(data) if digests is not None
                                                    else hashlib.sha256(data).digest()))
    return digest.hexdigest()


class Digests:
    """The sha256 of each file's bytes, computed once in a run: a helper every function
    imports, and every template of a run with templates, is in the key of many units
    (237 templates in each deployment unit's key hashed 16,000 times in a run over
    aws-sam-cli-app-templates)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[bytes, bytes]] = {}

    def __call__(self, data: bytes) -> bytes:
        known = self._known.get(id(data))
        if known is None or known[0] is not data:  # the bytes are kept: their id stays theirs
            known = self._known[id(data)] = (data, hashlib.sha256(data).digest())
        return known[1]


class ResultCache:
    def __init__(self, directory: Path, settings: str) -> None:
        self.directory = directory / __version__ / settings

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            with self._path(key).open(encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tag = path.parents[3] / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                               "# This directory holds lambdalint's results cache.\n")
            # Never staged by `git add -A` (as ruff's, pytest's and mypy's caches): some
            # entries are written again in place (a folder's listing), and pre-commit
            # fails a hook that changes a file git tracks.
            ignore = path.parents[3] / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by lambdalint: its cache is not to be committed.\n*\n")
            fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(value))  # json.dump encodes in Python, json.dumps in C
            os.replace(temp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time
