"""The fix loop: apply, re-parse, re-lint, repeat; then write atomically.

Each pass applies the non-overlapping applicable fixes of every file at
once; a fix that overlaps one already taken (or would bind the same new
name to something else) waits for the next pass, never silently dropped.
A pass whose output does not parse is thrown away and the rules involved
are named. At most MAX_PASSES passes; a loop that has not settled by then
says so.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import libcst as cst

from lambdalint.edits import FixPolicy
from lambdalint.engine import Engine, RunResult, Scope
from lambdalint.fix import Fix, apply_fixes
from lambdalint.positions import spans_of
from lambdalint.source import SourceFile, parse_source
from lambdalint.stack import call_with_deep_stack, is_too_deep

MAX_PASSES = 10


@dataclass
class FileFix:
    source: SourceFile  # as first read
    fixed: SourceFile  # after the last good pass
    applied: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return self.fixed.data != self.source.data


@dataclass
class FixRun:
    result: RunResult  # findings left after fixing
    files: list[FileFix]
    messages: list[str] = field(default_factory=list)
    failed: bool = False

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.changed]

    @property
    def fixed_count(self) -> int:
        return sum(sum(f.applied.values()) for f in self.files)


def _span(positions, fix: Fix) -> list[tuple[tuple[int, int], tuple[int, int]]]:  # type: ignore[no-untyped-def]
    spans = []
    for node, _ in fix.replacements:
        if node in positions:
            r = positions[node]
            spans.append(((r.start.line, r.start.column), (r.end.line, r.end.column)))
    return spans


def _overlaps(a, b) -> bool:  # type: ignore[no-untyped-def]
    return any(s1 < e2 and s2 < e1 for (s1, e1) in a for (s2, e2) in b)


def _new_names(module: cst.Module, fix: Fix) -> dict[str, str]:
    names = {}
    for stmt, _ in fix.insertions:
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Assign):
            for target in stmt.body[0].targets:
                if isinstance(target.target, cst.Name):
                    names[target.target.value] = module.code_for_node(stmt)
    return names


def spliced(printed: bytes, original: bytes, fixed: bytes) -> bytes | None:
    """The bytes a fix writes: ``fixed`` (LibCST's print of the fixed tree), with the
    file's own bytes where LibCST's print of the unfixed tree (``printed``) is not
    the file (``original``). None when the fix changes that part.

    LibCST prints nearly every file back byte for byte, but not all: a blank line
    before a last line of spaces without a line break is dropped (2026-12: 3 of
    2,306 files of public Lambda repositories), and `--fix` took that blank line
    out along with its fix. What differs there is left as the file has it, as long
    as the fix changes nothing from the first byte that differs on.
    """
    if printed == original:
        return fixed
    same = len(os.path.commonprefix([printed, original]))
    unprinted = printed[same:]  # LibCST's print of the part it does not print back
    if not fixed.endswith(unprinted):
        return None
    return fixed[:len(fixed) - len(unprinted)] + original[same:]


def choose(module: cst.Module, fixes: list[Fix]) -> list[Fix]:
    """Non-overlapping fixes, in source order; the rest wait for the next pass."""
    positions = spans_of(module, [node for fix in fixes for node, _ in fix.replacements])
    spans = [(_span(positions, fix), fix) for fix in fixes]
    spans.sort(key=lambda item: min(item[0])[0] if item[0] else (0, 0))
    chosen: list[Fix] = []
    taken: list = []
    bound: dict[str, str] = {}
    for span, fix in spans:
        names = _new_names(module, fix)
        if any(name in bound and bound[name] != code for name, code in names.items()):
            continue
        if _overlaps(span, taken):
            continue
        chosen.append(fix)
        taken.extend(span)
        bound.update(names)
    return chosen


def run_fixes(engine: Engine, sources: list[SourceFile], policy: FixPolicy,
              writable: Callable[[SourceFile], str | None] | None = None, scope: Scope | None = None) -> FixRun:
    """``writable`` says why a file must not be changed (None: it may be); such a
    file is checked but never fixed, so its findings are still reported. ``scope``
    is the unit's import environment and what it reports (`Engine.check_sources`).
    Fixing, like checking, runs on a large stack (lambdalint.stack)."""
    return call_with_deep_stack(_run_fixes, engine, sources, policy, writable, scope)


def _run_fixes(engine: Engine, sources: list[SourceFile], policy: FixPolicy,
               writable: Callable[[SourceFile], str | None] | None, scope: Scope | None) -> FixRun:
    files = {id(s): FileFix(source=s, fixed=s) for s in sources}
    current = list(sources)
    origin = {id(s): id(s) for s in sources}  # current source -> original source
    messages: list[str] = []
    failed = False
    refused = {id(s): reason for s in sources if writable is not None and (reason := writable(s))}
    told: set[int] = set()
    result = engine.check_sources(current, scope=scope)
    for _ in range(MAX_PASSES):
        pending: dict[int, list[Fix]] = {}
        by_path = {str(s.path): s for s in current}
        for diagnostic in result.diagnostics:
            if policy.allows(diagnostic):
                source = by_path.get(str(diagnostic.path))
                if source is not None and id(source) in refused:
                    if id(source) not in told:
                        told.add(id(source))
                        messages.append(f"{source.rel_path}: {refused[id(source)]}; its fixes are not applied")
                elif source is not None and source.module is not None:
                    pending.setdefault(id(source), []).append(diagnostic.fix)
        if not pending:
            break
        progressed = False
        for index, source in enumerate(current):
            fixes = pending.get(id(source))
            if not fixes:
                continue
            assert source.module is not None
            try:
                chosen = choose(source.module, fixes)
                data = spliced(source.module.bytes, source.data, apply_fixes(source.module, chosen).bytes)
            except Exception as error:  # noqa: BLE001
                if not is_too_deep(error):
                    raise
                messages.append(f"warning: {source.rel_path} is nested too deeply to fix; left unchanged")
                pending.pop(id(source))
                continue
            if data is None:
                messages.append(f"warning: {source.rel_path}: LibCST does not print this file back as it is "
                                "where its fixes would change it; left unchanged")
                pending.pop(id(source))
                continue
            if data == source.data:
                continue
            reparsed = parse_source(source.path, source.rel_path, data)
            if reparsed.failure is not None:
                codes = sorted({fix.code for fix in chosen})
                messages.append(
                    f"error: fixes by {', '.join(codes)} produced code that does not parse in "
                    f"{source.rel_path} ({reparsed.failure.message}); those fixes were not applied. "
                    "Please report this bug."
                )
                failed = True
                pending.pop(id(source))
                continue
            first = origin.pop(id(source))
            origin[id(reparsed)] = first
            record = files[first]
            record.fixed = reparsed
            record.applied.update(fix.code for fix in chosen)
            current[index] = reparsed
            progressed = True
        if not progressed:
            break
        result = engine.check_sources(current, scope=scope)
    else:
        if any(policy.allows(d) for d in result.diagnostics):
            messages.append(f"warning: fixes did not converge after {MAX_PASSES} passes; "
                            "some findings may still be fixable")
    return FixRun(result=result, files=list(files.values()), messages=messages, failed=failed)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace a file's bytes so that a crash leaves either the old or the new file."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    # The folder as the system resolves it: tempfile would otherwise read `link/..`
    # in the path literally and put the temporary file somewhere else, or nowhere.
    folder = os.path.realpath(path.parent)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".lambdalint")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
