"""A whole run: plan units of work from a text pre-scan, run them (in parallel
and from the cache where possible), merge the results.

A unit is a set of files whose findings can depend on each other: the files
that may hold an entry point plus everything they import (transitively) form
units that get the full execution model, one per connected group. Every other
file is independent: it is parsed on its own when some rule that works
outside invocation scope could fire in it, and otherwise only syntax-checked
with CPython's parser (a syntax error is still a LAM000 finding).
"""

from __future__ import annotations

import functools
import gc
import os
from collections import Counter, defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Mapping

from lambdalint.autofix import FixPolicy, run_fixes
from lambdalint.cache import (ResultCache, diagnostic_from_data, diagnostic_to_data, freeze, settings_key,
                              unit_key)
from lambdalint.config import Config
from lambdalint.diagnostics import SYNTAX_ERROR_CODE, SYNTAX_ERROR_NAME, Diagnostic, Location, Severity
from lambdalint.discovery import discover, relative
from lambdalint.engine import Engine
from lambdalint.prescan import Prescan, scan
from lambdalint.rule import Rule
from lambdalint import memory
from lambdalint import templates as deploy
from lambdalint.model import HandlerSpec
from lambdalint.source import ParseFailure, SourceFile, decoded, parse_source, python_verdict
from lambdalint.stack import call_with_deep_stack

# Below this many files a process pool costs more than it saves.
MIN_FILES_FOR_POOL = 24
SYNTAX_BATCH = 64


@dataclass
class FileFixed:
    path: Path
    rel_path: str
    before: bytes
    after: bytes
    applied: Counter[str]

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class UnitResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    internal_error: bool = False
    fixed: list[FileFixed] = field(default_factory=list)
    fix_failed: bool = False
    # Files of a model unit that no handler reached: independent, so the runner
    # spreads them over the pool like any other file (see Runner._execute).
    deferred: list[tuple[Path, str, bytes]] = field(default_factory=list)

    def merge(self, other: UnitResult) -> None:
        self.diagnostics += other.diagnostics
        self.messages += other.messages
        self.internal_error |= other.internal_error
        self.fixed += other.fixed
        self.fix_failed |= other.fix_failed


@dataclass
class Outcome:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # paths that could not be read
    messages: list[str] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)  # every file read (bytes only)
    internal_error: bool = False
    files_checked: int = 0
    nothing_checked: bool = False
    fixed: list[FileFixed] = field(default_factory=list)
    fix_failed: bool = False

    @property
    def changed(self) -> list[FileFixed]:
        return [f for f in self.fixed if f.changed]

    @property
    def fixed_count(self) -> int:
        return sum(sum(f.applied.values()) for f in self.fixed)


@dataclass
class Unit:
    kind: str  # "model" (full execution model), "file" (one file), "syntax" (syntax check only)
    files: list[tuple[Path, str, bytes]]
    # For model units: the files that may hold entry points (parsed up front; the
    # others only when a call from invocation scope reaches them).
    entries: frozenset[str] = frozenset()
    deployment: bool = False  # the unit also runs the template checks

    @property
    def size(self) -> int:
        return sum(len(data) for _, _, data in self.files)


# -- planning ----------------------------------------------------------------------------


def _needs_parse(engine: Engine, text: str | None) -> bool:
    """Whether a file no handler reaches may still have findings: some rule that can
    fire outside invocation scope passes the pre-scan (an undecodable file is
    parsed, to report why it cannot be)."""
    if text is None:
        return True
    for rule in engine.rules:
        if not rule.scope_only and getattr(rule, "per_file", True):
            if engine.may_fire(rule, text, rule.free_words):
                return True
    return False


def plan(engine: Engine, files: list[tuple[Path, str, bytes]], extra_specs: list[HandlerSpec] | None = None,
         deployment: bool = False) -> list[Unit]:
    """Split the files into units; ``extra_specs`` are the handlers templates name.

    With deployment templates, all files that may run per invocation form one unit,
    because the template checks look at every deployed function at once.
    """
    config = engine.config
    texts: dict[str, str | None] = {}
    scans: dict[str, Prescan] = {}
    for path, rel, data in files:
        texts[rel] = text = decoded(data)
        scans[rel] = scan(rel, text or "")
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for rel, found in scans.items():
        parts = found.module_name.split(".")
        for i in range(len(parts)):
            by_suffix[".".join(parts[i:])].append(rel)

    def resolve(name: str, importer: str) -> str | None:
        candidates = by_suffix.get(name)
        if not candidates:
            return None
        importer_parts = importer.split("/")
        return max(candidates, key=lambda rel: sum(
            1 for _ in _common_prefix(importer_parts, rel.split("/"))))

    specs = [*config.handlers, *(extra_specs or [])]
    entries = {
        rel for rel, found in scans.items()
        if found.may_have_entry or any(spec.matches_file(rel, found.module_name) for spec in specs)
    }
    edges: dict[str, set[str]] = defaultdict(set)
    closure: set[str] = set()
    frontier = list(entries)
    while frontier:
        rel = frontier.pop()
        if rel in closure:
            continue
        closure.add(rel)
        for name in scans[rel].imports:
            target = resolve(name, rel)
            if target is not None and target != rel:
                edges[rel].add(target)
                edges[target].add(rel)
                frontier.append(target)
    by_rel = {rel: (path, rel, data) for path, rel, data in files}
    units: list[Unit] = []
    seen: set[str] = set()
    for rel in sorted(closure):
        if rel in seen:
            continue
        group, stack = [], [rel]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            group.append(current)
            stack.extend(edges[current] & closure)
        units.append(Unit("model", [by_rel[r] for r in sorted(group)], frozenset(entries & set(group))))
    if deployment:
        merged = [f for unit in units for f in unit.files]
        units = [Unit("model", merged, frozenset(entries), deployment=True)]
    units += independent_units(engine, [f for f in files if f[1] not in closure], texts)
    return units


def independent_units(engine: Engine, files: list[tuple[Path, str, bytes]],
                      texts: Mapping[str, str | None] | None = None) -> list[Unit]:
    """Units for files no handler reaches: each checked alone when a rule that can
    fire outside invocation scope may fire in it, else syntax-checked in batches."""
    units: list[Unit] = []
    light: list[tuple[Path, str, bytes]] = []
    for path, rel, data in files:
        text = texts[rel] if texts is not None else decoded(data)
        if _needs_parse(engine, text):
            units.append(Unit("file", [(path, rel, data)]))
        else:
            light.append((path, rel, data))
    for start in range(0, len(light), SYNTAX_BATCH):
        units.append(Unit("syntax", light[start:start + SYNTAX_BATCH]))
    return units


def _common_prefix(a: list[str], b: list[str]):  # type: ignore[no-untyped-def]
    for x, y in zip(a, b):
        if x != y:
            return
        yield x


# -- running one unit ----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_init(config: Config, rules: list[type[Rule]], engine: Engine | None = None) -> None:
    # The rule classes themselves (by reference): a rule given to the Runner that
    # the registry does not know, or a plugin that fails to load again in a
    # worker, would otherwise silently check nothing there. A forked worker is
    # given the parent's engine as it is (no pickling), and starts at once.
    gc.disable()
    _WORKER["engine"] = engine if engine is not None else Engine(config, rules)


def _syntax_check(files: list[tuple[Path, str, bytes]]) -> list[Diagnostic]:
    found = []
    for path, rel, data in files:
        if python_verdict(data) is not None:
            # The full reader words it exactly as for a file checked in full (and
            # accepts syntax newer than this interpreter's that LibCST knows).
            found += _failure(path, rel, data)
    return found


def _failure(path: Path, rel: str, data: bytes) -> list[Diagnostic]:
    failure = parse_source(path, rel, data).failure
    if failure is None:
        return []
    where = Location(failure.row, failure.column)
    return [Diagnostic(SYNTAX_ERROR_CODE, SYNTAX_ERROR_NAME, failure.message, Severity.ERROR, path, where, where)]


def run_unit(unit: Unit, policy: FixPolicy | None, engine: Engine | None = None) -> UnitResult:
    """Check one unit; in a worker process (no engine given) the findings are made
    picklable, which computes their fixes' text edits."""
    try:
        return call_with_deep_stack(_run_and_freeze, unit, policy, engine)
    finally:
        memory.collect_now_and_then()
        if unit.kind != "syntax" and unit.size >= memory.TRIM_AFTER_BYTES:
            memory.give_back()


def _run_and_freeze(unit: Unit, policy: FixPolicy | None, engine: Engine | None) -> UnitResult:
    result = _run_unit(unit, policy, engine or _WORKER["engine"])
    if engine is None:
        result.diagnostics = [freeze(d) for d in result.diagnostics]
    return result


def _run_unit(unit: Unit, policy: FixPolicy | None, engine: Engine) -> UnitResult:
    if unit.kind == "syntax":
        return UnitResult(diagnostics=_syntax_check(unit.files))
    if policy is not None:
        return _fix_unit(unit, policy, engine)
    if unit.kind == "file":
        return _check(engine, unit.files)
    eager = [f for f in unit.files if f[1] in unit.entries]
    lazy = {rel: (path, data) for path, rel, data in unit.files if rel not in unit.entries}
    result = engine.check_sources([parse_source(*f) for f in eager], warn_unmatched=False, lazy=lazy,
                                  templates=unit.deployment)
    result.close()
    return UnitResult(list(result.diagnostics), result.messages, result.internal_error,
                      deferred=result.unloaded)


def _check(engine: Engine, files: list[tuple[Path, str, bytes]]) -> UnitResult:
    result = engine.check_sources([parse_source(*f) for f in files], warn_unmatched=False, templates=False)
    result.close()
    return UnitResult(list(result.diagnostics), result.messages, result.internal_error)


def _refuse_to_write(source: SourceFile) -> str | None:
    """Fixes are written to the checked paths only: never through a symlink, whose
    target may be anywhere (the file is still checked and its findings reported)."""
    return "is a symlink" if source.path.is_symlink() else None


def _fix_unit(unit: Unit, policy: FixPolicy, engine: Engine) -> UnitResult:
    """--fix checks the whole unit eagerly: fixes are rare and passes re-check it anyway."""
    saved = engine.templates
    if not unit.deployment:
        engine.templates = []
    try:
        run = run_fixes(engine, [parse_source(*f) for f in unit.files], policy, writable=_refuse_to_write)
    finally:
        engine.templates = saved
    fixed = [FileFixed(f.source.path, f.source.rel_path, f.source.data, f.fixed.data, f.applied)
             for f in run.files if f.changed]
    return UnitResult(list(run.result.diagnostics), run.messages + run.result.messages,
                      run.result.internal_error, fixed, run.failed)


# -- the run ----------------------------------------------------------------------------------


class Runner:
    def __init__(self, config: Config, rules: list[type[Rule]], jobs: int | None = None,
                 cache_dir: Path | None = None) -> None:
        self.config = config
        self.rule_classes = rules
        self.jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
        self.cache = ResultCache(cache_dir, settings_key(config, [r.code for r in rules])) if cache_dir else None

    @functools.cached_property
    def engine(self) -> Engine:
        """Built on first use: a run answered whole from the cache needs none (building
        one reads botocore's list of paginated operations for LAM605's words)."""
        return Engine(self.config, self.rule_classes)

    def run(self, paths: list[Path], policy: FixPolicy | None = None) -> Outcome:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run(paths, policy)
        finally:
            if enabled:
                gc.enable()

    def _run(self, paths: list[Path], policy: FixPolicy | None) -> Outcome:
        found = discover(paths, self.config.excludes, self.config.root)
        outcome = Outcome(problems=list(found.problems))
        files: list[tuple[Path, str, bytes]] = []
        for path in found.files:
            try:
                files.append((path, relative(path), path.read_bytes()))
            except OSError as error:
                outcome.problems.append(f"{path}: cannot read file ({error.strerror or error})")
        outcome.files_checked = len(files)
        outcome.nothing_checked = not files and bool(outcome.problems)
        outcome.sources = [SourceFile(path, rel, data) for path, rel, data in files]
        templates, template_messages = deploy.find_templates(
            found.files, self.config, found.infrastructure, found.walked)
        outcome.messages += template_messages
        # Templates named on the command line are read as templates, whatever their name.
        named, python_sources = deploy.templates_from_sources(
            SourceFile(path, rel, data, text=_text(data)) for path, rel, data in files)
        if named:
            kept = {source.rel_path for source in python_sources}
            files = [f for f in files if f[1] in kept]
            templates = [t for t in templates if t.rel_path not in {n.rel_path for n in named}] + named
        outcome.messages += self._unmatched_specs(files)
        template_specs: list[HandlerSpec] = []
        if templates:
            probe = [SourceFile(path, rel, data, text=_text(data)) for path, rel, data in files]
            template_specs = list(deploy.build(templates, probe, [], self.config).specs)
        use_cache = self.cache is not None and policy is None
        # Files read along with the templates (a Terraform module's called modules) count too.
        template_bytes = [(f.rel_path, f.text.encode()) for t in templates for f in (t, *t.includes)]
        whole_key = unit_key("run", [(rel, data) for _, rel, data in files] + template_bytes) if use_cache else ""
        if use_cache:
            cached = self.cache.get(whole_key)
            if cached is not None:
                outcome.diagnostics = [diagnostic_from_data(d) for d in cached["diagnostics"]]
                outcome.messages += cached["messages"]
                _mark_unparsable(outcome)
                return outcome
        self.engine.templates = templates
        units = plan(self.engine, files, template_specs, deployment=bool(templates))
        results = self._execute(units, policy, use_cache, template_bytes)
        for result in results:
            outcome.diagnostics += result.diagnostics
            outcome.messages += result.messages
            outcome.internal_error |= result.internal_error
            outcome.fixed += result.fixed
            outcome.fix_failed |= result.fix_failed
        outcome.diagnostics.sort(key=Diagnostic.sort_key)
        _mark_unparsable(outcome)
        if use_cache and not outcome.internal_error:
            self.cache.put(whole_key, {"diagnostics": [diagnostic_to_data(d) for d in outcome.diagnostics],
                                       "messages": [m for r in results for m in r.messages]})
        return outcome

    def _unmatched_specs(self, files: list[tuple[Path, str, bytes]]) -> list[str]:
        from lambdalint.model.module import module_name_for

        messages = []
        for spec in self.config.handlers:
            needle = f"def {spec.function}".encode()
            if not any(spec.matches_file(rel, module_name_for(rel)[0]) and needle in data
                       for _, rel, data in files):
                messages.append(f"warning: handler '{spec.module}:{spec.function}' from {spec.source} "
                                "matches no function")
        return messages

    def _execute(self, units: list[Unit], policy: FixPolicy | None, use_cache: bool,
                 template_bytes: list[tuple[str, bytes]]) -> list[UnitResult]:
        results: list[UnitResult | None] = [None] * len(units)
        pending: list[int] = []
        keys: dict[int, str] = {}
        for index, unit in enumerate(units):
            if use_cache:
                extra = template_bytes if unit.deployment else []
                keys[index] = unit_key(unit.kind, [(rel, data) for _, rel, data in unit.files] + extra)
                cached = self.cache.get(keys[index])
                if cached is not None:
                    results[index] = UnitResult([diagnostic_from_data(d) for d in cached["diagnostics"]],
                                                cached["messages"])
                    continue
            pending.append(index)
        pending.sort(key=lambda i: -units[i].size)
        # The template checks need this process's engine (it holds the templates).
        local = [i for i in pending if units[i].deployment]
        remote = [i for i in pending if not units[i].deployment]
        files = sum(len(units[i].files) for i in remote)
        if self.jobs > 1 and len(remote) > 1 and files >= MIN_FILES_FOR_POOL:
            self._in_pool(units, local, remote, policy, results)
        else:
            for index in local + remote:
                work = [units[index]]
                while work:
                    unit = work.pop()
                    work += self._absorb(results, index, run_unit(unit, policy, self.engine))
        if use_cache:
            for index in pending:
                result = results[index]
                if result is not None and not result.internal_error:
                    self.cache.put(keys[index], {"diagnostics": [diagnostic_to_data(d) for d in result.diagnostics],
                                                 "messages": result.messages})
        return [r for r in results if r is not None]


    def _in_pool(self, units: list[Unit], local: list[int], remote: list[int], policy: FixPolicy | None,
                 results: list[UnitResult | None]) -> None:
        """Units in a process pool; the files a model unit leaves to check alone go
        back into the pool as soon as it is done, so one large unit does not keep
        a worker busy while the other waits.

        Which files those are is known only when the model unit ends, and it is
        the longest unit: the other workers would run out of work and wait for
        them. So the files of a model unit that are not entry points are also
        checked alone speculatively, queued after every other unit: a worker that
        would wait takes them. When the model unit ends, the results of the files
        it left alone are taken, and the others are dropped (or cancelled while
        still queued). Every file's findings come from the same checks either way.
        """
        context = _context()
        inherited = self.engine if context.get_start_method() == "fork" else None
        with ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=_worker_init,
                                 initargs=(self.config, list(self.rule_classes), inherited)) as pool:
            running: dict[Future[UnitResult], tuple[int, Unit]] = {}
            speculative: dict[str, Future[UnitResult]] = {}

            def submit(index: int, unit: Unit) -> None:
                try:
                    running[pool.submit(run_unit, unit, policy)] = (index, unit)
                except BrokenProcessPool:
                    self._absorb(results, index, _lost(unit))

            for index in remote:
                submit(index, units[index])
            if policy is None:
                for index in remote:
                    unit = units[index]
                    if unit.kind == "model":
                        others = [f for f in unit.files if f[1] not in unit.entries]
                        for alone in independent_units(self.engine, others):
                            if alone.kind == "file":
                                try:
                                    speculative[alone.files[0][1]] = pool.submit(run_unit, alone, policy)
                                except BrokenProcessPool:
                                    break
            for index in local:
                work = [units[index]]
                while work:
                    work += self._absorb(results, index, run_unit(work.pop(), policy, self.engine))
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index, unit = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        result = _lost(unit)
                    for more in self._absorb(results, index, result):
                        ahead = speculative.pop(more.files[0][1], None) if more.kind == "file" else None
                        if ahead is not None:
                            running[ahead] = (index, more)
                        else:
                            submit(index, more)
                    if unit.kind == "model":
                        for rel in [f[1] for f in unit.files if f[1] in speculative]:
                            speculative.pop(rel).cancel()  # checked in the model unit after all

    def _absorb(self, results: list[UnitResult | None], index: int, result: UnitResult) -> list[Unit]:
        """Merge a result into its unit's (a unit's deferred files count as its own,
        for the cache too) and return the units its deferred files make."""
        deferred, result.deferred = result.deferred, []
        if results[index] is None:
            results[index] = result
        else:
            results[index].merge(result)  # type: ignore[union-attr]
        return independent_units(self.engine, deferred)


def _lost(unit: Unit) -> UnitResult:
    """A worker process died (killed for memory, or a crash in native code): the
    unit's findings are missing, which the run must say rather than pass."""
    first = unit.files[0][1]
    more = f" and {len(unit.files) - 1} more" if len(unit.files) > 1 else ""
    return UnitResult(messages=[f"error: a checking process died while checking {first}{more}; their findings "
                                "are missing. Please report this bug with those files."],
                      internal_error=True)


def _mark_unparsable(outcome: Outcome) -> None:
    """Files with a LAM000 finding were not really checked (baselines need to know)."""
    broken = {str(d.path) for d in outcome.diagnostics if d.code == SYNTAX_ERROR_CODE}
    for source in outcome.sources:
        if str(source.path) in broken:
            source.failure = ParseFailure("does not parse")


def _text(data: bytes) -> str:
    return decoded(data) or ""


def _context():  # type: ignore[no-untyped-def]
    try:
        return get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        return get_context("spawn")
