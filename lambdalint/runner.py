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
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterator, Mapping, Sequence

from lambdalint.cache import (Digests, ResultCache, diagnostic_from_data, diagnostic_to_data, freeze,
                              settings_key, unit_key)
from lambdalint.config import Config
from lambdalint.diagnostics import SYNTAX_ERROR_CODE, SYNTAX_ERROR_NAME, Diagnostic, Location, Severity
from lambdalint.discovery import discover, project_root, relative
from lambdalint.edits import FixPolicy
from lambdalint.keep import TREES
from lambdalint.environments import Deployed, Layout, Scope, deployed_closure, layout
from lambdalint.prescan import Prescan, scan
from lambdalint import memory
from lambdalint import templates as deploy
from lambdalint.catalog import templates as tf
from lambdalint.templates.model import TERRAFORM
from lambdalint.model.imports import FLAT, Environment
from lambdalint.source import ParseFailure, SourceFile, decoded, parse_source, python_verdict
from lambdalint.stack import call_with_deep_stack

# The engine (and with it LibCST, the model and the rules) is imported by the
# functions that check code: a run the cache answers whole reads and hashes the
# files, and imports none of it.
if TYPE_CHECKING:
    from concurrent.futures import Future

    from lambdalint.engine import Engine, RunResult
    from lambdalint.rule import Rule

# The cache folder's namespace for what the catalog computes from the installed
# packages (`catalog.events.pageable_operations_kept_in`): it keys its own entries.
CATALOG_STORE = "catalog"
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
    # Those of them that Lambda runs all the same (a handler's module imports them).
    deferred_deployed: frozenset[str] = frozenset()

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
    # The import environment the files are modelled in and the templates' functions
    # (and problems) the unit reports; None: one flat import space, no templates.
    scope: Scope | None = None
    # Its files that other model units hold too (a shared helper, a layer): parsed once
    # per process (`_SharedTrees`).
    shared: frozenset[str] = frozenset()
    # The files whose findings are wanted, in a run over files named one by one (None:
    # all). The others are modelled but not checked, and the results are not cached.
    only: frozenset[str] | None = None

    @property
    def size(self) -> int:
        return sum(len(data) for _, _, data in self.files)

    @property
    def deployment(self) -> bool:
        """Whether the unit runs template checks (for its own functions or problems)."""
        return self.scope is not None and bool(self.scope.functions or self.scope.template_problems)


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


def plan(engine: Engine, files: list[tuple[Path, str, bytes]], deployed: list[Deployed] | None = None,
         templates: bool = False, distributions: list[str] | None = None) -> tuple[list[Unit], Layout]:
    """Split the files into units, one per import environment (`lambdalint.environments`);
    ``deployed`` are the functions the run's templates deploy (``templates``: the run has
    templates, whose problems one unit reports).

    An environment's unit holds its entry files and every file their imports reach in
    it; a file several environments reach (a layer) is in each of their units, and
    modelled in each. Every other file is independent.
    """
    config = engine.config
    texts: dict[str, str | None] = {}
    scans: dict[str, Prescan] = {}
    for path, rel, data in files:
        texts[rel] = text = decoded(data)
        scans[rel] = scan(rel, text or "")
    extra = [rel for rel, found in scans.items()
             if any(spec.matches_file(rel, found.module_name) for spec in config.handlers)]
    found = layout(scans, deployed or [], config.src, extra, distributions or [])
    by_rel = {rel: (path, rel, data) for path, rel, data in files}
    units: list[Unit] = []
    reached: set[str] = set()
    problems = templates
    handler_files = {f.key: f.handler_file for f in deployed or []}
    for env in found.environments:
        functions = set(found.functions.get(env, ()))
        entries = found.entries.get(env, set())
        for members in found.groups(env, scans):
            reached.update(members)
            mine = frozenset(key for key in functions if handler_files.get(key) in members)
            functions -= mine
            imports = found.imports.get(env, {})
            graph = tuple((rel, imports.get(rel, ())) for rel in members)
            guess = frozenset(deployed_closure(imports, entries & set(members)))
            units.append(Unit("model", [by_rel[r] for r in members], frozenset(entries & set(members)),
                              Scope(env, mine, template_problems=problems, imports=graph, deployed=guess)))
            problems = False
        if functions:  # handlers that name no file of the tree (LAM001)
            units.append(Unit("model", [], frozenset(), Scope(env, frozenset(functions), problems)))
            problems = False
    if found.homeless or problems:
        units.append(Unit("model", [], frozenset(), Scope(FLAT, frozenset(found.homeless), problems)))
    held = Counter(rel for unit in units for _, rel, _ in unit.files)
    for unit in units:
        shared = frozenset(rel for _, rel, _ in unit.files if held[rel] > 1)
        if shared:
            unit.shared = shared
    units += independent_units(engine, [f for f in files if f[1] not in reached], texts, found.home)
    return units, found


def independent_units(engine: Engine, files: list[tuple[Path, str, bytes]],
                      texts: Mapping[str, str | None] | None = None,
                      home: Mapping[str, Environment] | None = None,
                      deployed: Collection[str] = ()) -> list[Unit]:
    """Units for files no handler's calls reach: each checked alone when a rule that
    can fire outside invocation scope may fire in it, else syntax-checked in batches.
    ``home`` names each file by the environment that holds it; ``deployed`` are those
    of them that Lambda runs all the same (`ModuleModel.deployed`: a handler's module
    imports them), the others are not."""
    units: list[Unit] = []
    light: list[tuple[Path, str, bytes]] = []
    for path, rel, data in files:
        text = texts[rel] if texts is not None else decoded(data)
        if _needs_parse(engine, text):
            env = home.get(rel) if home is not None else None
            runs = frozenset((rel,)) if rel in deployed else frozenset()
            units.append(Unit("file", [(path, rel, data)], scope=Scope(env or FLAT, deployed=runs)))
        else:
            light.append((path, rel, data))
    for start in range(0, len(light), SYNTAX_BATCH):
        units.append(Unit("syntax", light[start:start + SYNTAX_BATCH]))
    return units


# -- running one unit ----------------------------------------------------------------------


class _SharedTrees:
    """The parsed files that several model units hold (a helper every function imports,
    a layer), kept for the units of the run that this process checks next: each such
    file was parsed, the most expensive step of checking it, once per unit. The
    trees are immutable and each unit builds its own model of them. At most
    ``limit`` bytes of source are kept (the least recently used go first), so
    that memory does not grow with the size of a layer; `clear` ends the run's."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._trees: dict[tuple[Path, bytes], SourceFile] = {}
        self._size = 0

    def parse(self, shared: frozenset[str], path: Path, rel: str, data: bytes) -> SourceFile:
        if rel not in shared or len(data) > self.limit:
            return parse_source(path, rel, data)
        key = (path, data)
        source = self._trees.pop(key, None)
        if source is None:
            source = parse_source(path, rel, data)
            self._size += len(data)
            while self._size > self.limit and self._trees:
                oldest = next(iter(self._trees))
                self._size -= len(oldest[1])
                del self._trees[oldest]
        self._trees[key] = source  # the most recently used last
        return source

    def clear(self) -> None:
        self._trees.clear()
        self._size = 0


SHARED_TREES = _SharedTrees(limit=512 * 1024)

_WORKER: dict[str, Any] = {}


def _catalog_kept_in(cache_dir: Path | None) -> AbstractContextManager[None]:
    """While building an engine: where the catalog keeps what it computes from the
    installed packages (botocore's pageable operations), in the run's cache folder."""
    from lambdalint.catalog.events import pageable_operations_kept_in

    return pageable_operations_kept_in(None if cache_dir is None else ResultCache(cache_dir, CATALOG_STORE))


def _worker_init(config: Config, rules: list[type[Rule]], engine: Engine | None = None,
                 templates: list[deploy.Template] | None = None, inline_noqa: bool = True,
                 cache_dir: Path | None = None) -> None:
    # The rule classes themselves (by reference): a rule given to the Runner that
    # the registry does not know, or a plugin that fails to load again in a
    # worker, would otherwise silently check nothing there. A forked worker is
    # given the parent's engine as it is (no pickling), and starts at once; a
    # spawned one builds its own, with the run's templates and cache folder.
    gc.disable()
    if engine is None:
        from lambdalint.engine import Engine

        with _catalog_kept_in(cache_dir):
            engine = Engine(config, rules)
        engine.templates = list(templates or [])
        engine.inline_noqa = inline_noqa
    _WORKER["engine"] = engine


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


def parse_kept(path: Path, rel: str, data: bytes) -> SourceFile:
    """`parse_source`, through the trees a process that runs check after check keeps
    (`keep.TREES`): a tree is immutable, and each unit builds its own model of it."""
    key = (os.fspath(path), rel, data)
    source = TREES.get(key)
    if source is None:
        source = parse_source(path, rel, data)
        TREES.put(key, source, len(data))
    return source  # type: ignore[return-value]


def _parser(unit: Unit) -> Callable[[Path, str, bytes], SourceFile]:
    if TREES.enabled:
        return parse_kept
    return functools.partial(SHARED_TREES.parse, unit.shared) if unit.shared else parse_source


def _run_unit(unit: Unit, policy: FixPolicy | None, engine: Engine) -> UnitResult:
    if unit.kind == "syntax":
        return UnitResult(diagnostics=_syntax_check(unit.files))
    if policy is not None:
        return _fix_unit(unit, policy, engine)
    if unit.kind == "file":
        return _check(engine, unit)
    eager = [f for f in unit.files if f[1] in unit.entries]
    lazy = {rel: (path, data) for path, rel, data in unit.files if rel not in unit.entries}
    parse = _parser(unit)
    result = engine.check_sources([parse(*f) for f in eager], warn_unmatched=False, lazy=lazy,
                                  templates=unit.deployment, scope=unit.scope, parse=parse, wanted=unit.only)
    result.close()
    deployed = result.deployed if result.deployed is not None else set()
    return UnitResult(list(result.diagnostics), result.messages, result.internal_error,
                      deferred=result.unloaded,
                      deferred_deployed=frozenset(rel for _, rel, _ in result.unloaded if rel in deployed))


def _check(engine: Engine, unit: Unit) -> UnitResult:
    parse = _parser(unit)
    result = engine.check_sources([parse(*f) for f in unit.files], warn_unmatched=False, templates=False,
                                  scope=unit.scope)
    result.close()
    return UnitResult(list(result.diagnostics), result.messages, result.internal_error)


def _refuse_to_write(source: SourceFile) -> str | None:
    """Fixes are written to the checked paths only: never through a symlink, whose
    target may be anywhere (the file is still checked and its findings reported)."""
    return "is a symlink" if source.path.is_symlink() else None


def _fix_unit(unit: Unit, policy: FixPolicy, engine: Engine) -> UnitResult:
    """--fix checks the whole unit eagerly: fixes are rare and passes re-check it anyway."""
    from lambdalint.autofix import run_fixes

    saved = engine.templates
    if not unit.deployment:
        engine.templates = []
    try:
        run = run_fixes(engine, [parse_source(*f) for f in unit.files], policy, writable=_refuse_to_write,
                        scope=unit.scope)
    finally:
        engine.templates = saved
    fixed = [FileFixed(f.source.path, f.source.rel_path, f.source.data, f.fixed.data, f.applied)
             for f in run.files if f.changed]
    return UnitResult(list(run.result.diagnostics), run.messages + run.result.messages,
                      run.result.internal_error, fixed, run.failed)


# -- the run ----------------------------------------------------------------------------------


class Runner:
    def __init__(self, config: Config, rules: Sequence[type[Rule]] | Callable[[], Sequence[type[Rule]]],
                 jobs: int | None = None, cache_dir: Path | None = None, inline_noqa: bool = True,
                 selection: str | None = None) -> None:
        """``rules``: the enabled rules, or a function that loads them when the run needs
        them. ``inline_noqa``: whether line `# noqa` comments silence findings (the
        flake8 plugin leaves them to flake8). ``selection``: a key that stands for the
        rules as selected (`cache.selection_key`), under which the whole run's results
        are cached, so that a run the cache answers never loads them."""
        self.config = config
        self._rules = rules
        self.jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
        self.inline_noqa = inline_noqa
        self.cache_dir = cache_dir
        self.selection = selection
        self._settings: str | None = None  # the units' cache key, once the rules are loaded
        self._alone: dict[tuple[str, Scope | None], _Alone] = {}  # this run's files checked alone
        # Text to check instead of what is on disk, by absolute path (an editor's unsaved buffer).
        self.overrides: dict[str, bytes] = {}
        self.layout: Layout | None = None  # the last run's environments
        self.vendored: list[str] = []  # the third-party packages the last run left out
        self.distributions: list[str] = []  # folders of local distributions (pyproject.toml, setup.py)
        self.messages: list[str] = []  # what `explore` could not read
        self._templates: list[deploy.Template] = []

    @functools.cached_property
    def rule_classes(self) -> list[type[Rule]]:
        return list(self._rules() if callable(self._rules) else self._rules)

    @property
    def cache(self) -> ResultCache | None:
        """The units' results, keyed by the enabled rules' codes (which loads them).
        None when the run uses no cache (``cache_dir`` None: an editor sets it so for
        a buffer being edited)."""
        if self.cache_dir is None:
            return None
        if self._settings is None:
            codes = [r.code for r in self.rule_classes] + ([] if self.inline_noqa else ["-noqa"])
            self._settings = settings_key(self.config, codes)
        return ResultCache(self.cache_dir, self._settings)

    @property
    def run_cache(self) -> ResultCache | None:
        """The whole run's results: under the selection's key when there is one."""
        if self.cache_dir is None or self.selection is None:
            return self.cache
        return ResultCache(self.cache_dir, self.selection)

    @functools.cached_property
    def engine(self) -> Engine:
        """Built on first use: a run answered whole from the cache needs none (building
        one imports LibCST and the rules, and reads botocore's list of paginated
        operations for LAM605's words: from the cache folder, when the run has one and
        an earlier run kept it there)."""
        from lambdalint.engine import Engine

        with _catalog_kept_in(self.cache_dir):
            engine = Engine(self.config, self.rule_classes)
        engine.inline_noqa = self.inline_noqa
        return engine

    def run(self, paths: list[Path], policy: FixPolicy | None = None, in_project: bool = True) -> Outcome:
        """Check the paths. Files named one by one (pre-commit, an editor, flake8) are
        judged inside their project (``in_project``): the project around them
        (`discovery.project_root`) is modelled, through the cache, and only findings
        located in the named files (and in the named folders) are reported, the same
        that a run over the whole project reports there."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            named = [p for p in paths if p.is_file()]
            roots = _project_roots(named) if in_project and named else []
            if not roots:
                return self._run(paths, policy)
            folders = [p for p in paths if not p.is_file()]
            focus = _Focus(named, folders)
            outcome = self._run([*roots, *paths], policy, focus)
            return focus.narrow(outcome)
        finally:
            SHARED_TREES.clear()
            if enabled:
                gc.enable()

    def _gather(self, paths: list[Path]) -> tuple[Outcome, list[tuple[Path, str, bytes]], list[deploy.Template],
                                                  list[Deployed]]:
        """Read the run's files and templates: the outcome so far (problems, messages,
        sources), the Python files, the templates, and the functions they deploy."""
        outcome, files, templates = self._read(paths)
        return outcome, files, templates, self._deployed(files, templates)

    def _read(self, paths: list[Path]) -> tuple[Outcome, list[tuple[Path, str, bytes]], list[deploy.Template]]:
        """The run's files and templates as found (no template parsed yet): the outcome
        so far (problems, messages, sources), the Python files and the templates."""
        found = discover(paths, self.config.excludes, self.config.root, self.cache_dir)
        self.vendored = found.vendored
        self.distributions = found.distributions
        outcome = Outcome(problems=list(found.problems))
        files: list[tuple[Path, str, bytes]] = []
        overrides = self.overrides
        known = found.relative
        for path in found.files:
            try:
                data = overrides.get(os.path.abspath(path)) if overrides else None
                rel = known.get(os.fspath(path)) or relative(path)
                files.append((path, rel, data if data is not None else path.read_bytes()))
            except OSError as error:
                outcome.problems.append(f"{path}: cannot read file ({error.strerror or error})")
        outcome.files_checked = len(files)
        outcome.nothing_checked = not files and bool(outcome.problems)
        outcome.sources = [SourceFile(path, rel, data) for path, rel, data in files]
        templates, template_messages = deploy.find_templates(
            found.files, self.config, found.infrastructure, found.walked, found.listings,
            cache_dir=self.cache_dir)
        outcome.messages += template_messages
        # Templates named on the command line are read as templates, whatever their name
        # (the files are decoded for it only when a name says there is one).
        named: list[deploy.Template] = []
        python_sources = outcome.sources
        if any(deploy.is_template_name(rel) for _, rel, _ in files):
            named, python_sources = deploy.templates_from_sources(
                SourceFile(path, rel, data, text=_text(data)) for path, rel, data in files)
        if len(named) + len(python_sources) < len(files):  # YAML/JSON named that is no template
            known = {t.rel_path for t in named} | {source.rel_path for source in python_sources}
            outcome.sources = [source for source in outcome.sources if source.rel_path in known]
            outcome.files_checked = len(outcome.sources)
        if len(python_sources) < len(files):
            kept = {source.rel_path for source in python_sources}
            files = [f for f in files if f[1] in kept]
            templates = [t for t in templates if t.rel_path not in {n.rel_path for n in named}] + named
        outcome.messages += self._unmatched_specs(files)
        return outcome, files, templates

    def _deployed(self, files: list[tuple[Path, str, bytes]], templates: list[deploy.Template],
                  cache_dir: Path | None = None) -> list[Deployed]:
        """The functions the templates deploy (which reads and parses every template;
        Terraform files through the cache in ``cache_dir``)."""
        deployed: list[Deployed] = []
        if templates:
            probe = [SourceFile(path, rel, data, text=_text(data)) for path, rel, data in files]
            deployed = [Deployed(f.key, f.source_label(), f.code_dir, f.module_file,
                                 tuple((layer.name, layer.content_dir) for layer in f.layers))
                        for f in deploy.build(templates, probe, [], self.config, cache_dir=cache_dir).all_functions]
        return deployed

    def _run(self, paths: list[Path], policy: FixPolicy | None, focus: _Focus | None = None) -> Outcome:
        """``focus``: only the findings in some files are wanted (files named one by one),
        so only the units that can have findings there run; a whole run's cached results
        still answer."""
        outcome, files, templates = self._read(paths)
        use_cache = self.cache_dir is not None and policy is None
        # The whole run's entry is looked up before any template is parsed or the engine
        # built, so an unchanged re-run costs finding, reading and hashing the files. A
        # Terraform module's reader also reads files that are no template of the run (the
        # modules it calls, `.tfvars`), and which ones only reading it tells: the entry
        # of such a run lists what it read, and answers only while that is unchanged.
        terraform = any(t.kind == TERRAFORM for t in templates)
        digests = Digests()
        whole_key = unit_key("run", [(rel, data) for _, rel, data in files]
                             + [(t.rel_path, t.text.encode()) for t in templates], digests) if use_cache else ""
        if use_cache:
            cached = self.run_cache.get(whole_key)
            if cached is not None and (not terraform or _same_disk_reads(cached.get("terraform"))):
                outcome.diagnostics = [diagnostic_from_data(d) for d in cached["diagnostics"]]
                outcome.messages += cached["messages"]
                _mark_unparsable(outcome)
                return outcome
        deployed = self._deployed(files, templates, self.cache_dir if use_cache else None)
        # Files read along with the templates (a Terraform module's called modules) count too.
        template_bytes = [(f.rel_path, f.text.encode()) for t in templates for f in (t, *t.includes)]
        self.engine.templates = templates
        self._templates = templates
        units, self.layout = plan(self.engine, files, deployed, templates=bool(templates),
                                  distributions=self.distributions)
        if focus is not None:
            units = [unit for unit in units if focus.wants(unit, templates)]
            if policy is None:
                for unit in units:
                    focus.narrow_unit(unit, templates)
        results = self._execute(units, policy, use_cache, template_bytes, digests)
        messages: list[str] = []
        for result in results:
            outcome.diagnostics += result.diagnostics
            messages += result.messages
            outcome.internal_error |= result.internal_error
            outcome.fixed += result.fixed
            outcome.fix_failed |= result.fix_failed
        # A file several environments reach is checked in each: one finding per place.
        outcome.diagnostics = _unique(outcome.diagnostics)
        messages = list(dict.fromkeys(messages))
        outcome.messages += messages
        outcome.fixed = _merge_fixed(outcome.fixed)
        _mark_unparsable(outcome)
        if use_cache and not outcome.internal_error and focus is None:
            entry: dict[str, Any] = {"diagnostics": [diagnostic_to_data(d) for d in outcome.diagnostics],
                                     "messages": messages}
            if terraform:
                from lambdalint.templates.terraform import disk_reads

                entry["terraform"] = disk_reads(templates)
            self.run_cache.put(whole_key, entry)
        return outcome

    def explore(self, paths: list[Path]) -> Iterator[tuple[Environment | None, RunResult]]:
        """The model of every unit of a run over the paths, for `lambdalint handlers`:
        each model unit's environment and its checked result, project and deployment
        still open (the caller closes it). The rules given to the runner run too."""
        outcome, files, templates, deployed = self._gather(paths)
        self.engine.templates = templates
        self._templates = templates
        self.messages = outcome.problems + outcome.messages
        units, self.layout = plan(self.engine, files, deployed, templates=bool(templates),
                                  distributions=self.distributions)
        for unit in units:
            if unit.kind != "model":
                continue
            eager = [parse_source(*f) for f in unit.files if f[1] in unit.entries]
            lazy = {rel: (path, data) for path, rel, data in unit.files if rel not in unit.entries}
            result = self.engine.check_sources(eager, warn_unmatched=False, lazy=lazy, templates=unit.deployment,
                                               scope=unit.scope)
            yield (unit.scope.environment if unit.scope is not None else None), result

    def _unmatched_specs(self, files: list[tuple[Path, str, bytes]]) -> list[str]:
        from lambdalint.model.imports import module_name_for

        messages = []
        for spec in self.config.handlers:
            needle = f"def {spec.function}".encode()
            if not any(spec.matches_file(rel, module_name_for(rel)[0]) and needle in data
                       for _, rel, data in files):
                messages.append(f"warning: handler '{spec.module}:{spec.function}' from {spec.source} "
                                "matches no function")
        return messages

    def _execute(self, units: list[Unit], policy: FixPolicy | None, use_cache: bool,
                 template_bytes: list[tuple[str, bytes]], digests: Digests | None = None) -> list[UnitResult]:
        results: list[UnitResult | None] = [None] * len(units)
        cache = self.cache if use_cache else None
        self._alone = {}
        pending: list[int] = []
        keys: dict[int, str] = {}
        for index, unit in enumerate(units):
            if cache is not None:
                extra = template_bytes if unit.deployment else []
                keys[index] = unit_key(unit.kind, [(rel, data) for _, rel, data in unit.files] + extra
                                       + _scope_items(unit.scope), digests)
                cached = cache.get(keys[index])
                if cached is not None:
                    results[index] = UnitResult([diagnostic_from_data(d) for d in cached["diagnostics"]],
                                                cached["messages"])
                    continue
            pending.append(index)
        pending.sort(key=lambda i: -units[i].size)
        files = sum(len(units[i].files) for i in pending)
        # --fix: a file several units hold (a layer) is fixed by one unit after the
        # other, each starting from what the previous one wrote.
        shared = policy is not None and _has_shared_files([units[i] for i in pending])
        if self.jobs > 1 and len(pending) > 1 and files >= MIN_FILES_FOR_POOL and not shared:
            self._in_pool(units, [], pending, policy, results)
        else:
            latest: dict[str, bytes] = {}
            for index in pending:
                work = [_with_latest(units[index], latest)]
                while work:
                    unit = work.pop()
                    result = run_unit(unit, policy, self.engine)
                    for record in result.fixed:
                        latest[record.rel_path] = record.after
                    work += self._absorb(results, index, result, unit)
        if cache is not None:
            for index in pending:
                result = results[index]
                if result is not None and not result.internal_error and units[index].only is None:
                    cache.put(keys[index], {"diagnostics": [diagnostic_to_data(d) for d in result.diagnostics],
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
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        context = _context()
        inherited = self.engine if context.get_start_method() == "fork" else None
        with ProcessPoolExecutor(max_workers=self.jobs, mp_context=context, initializer=_worker_init,
                                 initargs=(self.config, list(self.rule_classes), inherited,
                                           None if inherited is not None else self._templates,
                                           self.inline_noqa, self.cache_dir)) as pool:
            running: dict[Future[UnitResult], tuple[int, Unit]] = {}
            speculative: dict[str, tuple[Future[UnitResult], Unit]] = {}

            def submit(index: int, unit: Unit) -> None:
                try:
                    running[pool.submit(run_unit, unit, policy)] = (index, unit)
                except BrokenProcessPool:
                    self._absorb(results, index, _lost(unit), unit)

            for index in remote:
                submit(index, units[index])
            if policy is None:
                home = self.layout.home if self.layout is not None else None
                for index in remote:
                    unit = units[index]
                    if unit.kind == "model":
                        others = [f for f in unit.files if f[1] not in unit.entries and f[1] not in speculative
                                  and (unit.only is None or f[1] in unit.only)]
                        guess = unit.scope.deployed if unit.scope is not None and unit.scope.deployed else ()
                        for alone in independent_units(self.engine, others, home=home, deployed=guess):
                            if alone.kind == "file":
                                try:
                                    speculative[alone.files[0][1]] = (pool.submit(run_unit, alone, policy), alone)
                                except BrokenProcessPool:
                                    break
            for index in local:
                work = [units[index]]
                while work:
                    unit = work.pop()
                    work += self._absorb(results, index, run_unit(unit, policy, self.engine), unit)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index, unit = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        result = _lost(unit)
                    for more in self._absorb(results, index, result, unit):
                        ahead = speculative.pop(more.files[0][1], None) if more.kind == "file" else None
                        if ahead is not None and ahead[1].scope == more.scope:
                            running[ahead[0]] = (index, more)
                        else:
                            if ahead is not None:
                                ahead[0].cancel()  # checked as Lambda code when it is none, or the reverse
                            submit(index, more)
                    if unit.kind == "model":
                        loaded = {f[1] for f in unit.files} - {f[1] for f in result.deferred}
                        for rel in [rel for rel in loaded if rel in speculative]:
                            speculative.pop(rel)[0].cancel()  # checked in the model unit after all

    def _absorb(self, results: list[UnitResult | None], index: int, result: UnitResult,
                unit: Unit) -> list[Unit]:
        """Merge the result of ``unit`` into the result of the run's unit ``index`` (a
        unit's deferred files count as its own, for the cache too) and return the units
        its deferred files make.

        A file that several model units leave alone (a helper none of their handlers
        calls) is checked alone once, not once for each: the others take a copy of its
        result, so each unit's cache entry still holds all of its files' findings."""
        deferred, result.deferred = result.deferred, []
        deployed, result.deferred_deployed = result.deferred_deployed, frozenset()
        if unit.only is not None:
            deferred = [f for f in deferred if f[1] in unit.only]
        _merge_into(results, index, result)
        if unit.kind == "file":
            alone = self._alone.get((unit.files[0][1], unit.scope))
            if alone is not None and alone.result is None:
                alone.result = UnitResult(list(result.diagnostics), list(result.messages), result.internal_error)
                for follower in alone.followers:
                    _merge_into(results, follower, alone.copy())
        home = self.layout.home if self.layout is not None else None
        fresh = []
        for more in independent_units(self.engine, deferred, home=home, deployed=deployed):
            if more.kind != "file":
                fresh.append(more)
                continue
            key = (more.files[0][1], more.scope)
            alone = self._alone.get(key)
            if alone is None:
                self._alone[key] = _Alone()
                fresh.append(more)
            elif alone.result is not None:
                _merge_into(results, index, alone.copy())
            else:
                alone.followers.append(index)
        return fresh


@dataclass
class _Alone:
    """A file some model units left to be checked alone: its result once checked, and
    the other units that left it too (waiting for that result)."""

    result: UnitResult | None = None
    followers: list[int] = field(default_factory=list)

    def copy(self) -> UnitResult:
        assert self.result is not None
        return UnitResult(list(self.result.diagnostics), list(self.result.messages), self.result.internal_error)


def _merge_into(results: list[UnitResult | None], index: int, result: UnitResult) -> None:
    if results[index] is None:
        results[index] = result
    else:
        results[index].merge(result)  # type: ignore[union-attr]


def project_of(path: Path) -> Path | None:
    """The folder of the project a named file is judged in (`discovery.project_root`),
    or None when it is a project of its own: nothing marks a project around it, or its
    project is unrelated to the working directory (neither holds the other: the file
    is someone else's code, a library's, and only it was asked about)."""
    root = project_root(path)
    if root is None:
        return None
    here = Path.cwd().resolve()
    return root if root == here or root in here.parents or here in root.parents else None


def _project_roots(named: list[Path]) -> list[Path]:
    """The projects of the named files, the outermost of nested ones only."""
    roots = {root for root in (project_of(path) for path in named) if root is not None}
    return sorted(root for root in roots if not any(other != root and other in root.parents for other in roots))


class _Focus:
    """The files and folders named in a run over their projects: the findings wanted."""

    def __init__(self, named: list[Path], folders: list[Path]) -> None:
        self.wanted = {os.path.abspath(p) for p in named}
        self.under = [os.path.abspath(p) + os.sep for p in folders]
        # A Terraform module is all the `.tf` files of a folder: a staged `.tf` or
        # `.tfvars` file stands for the module, whose findings may land in any of them
        # (a variable's new value is reported where the function uses it).
        for path in named:
            if path.name.endswith((tf.TERRAFORM_SUFFIX, *tf.TERRAFORM_VARS_SUFFIXES)):
                self.wanted.update(os.path.abspath(p) for p in path.parent.glob("*" + tf.TERRAFORM_SUFFIX))

    def __contains__(self, path: Path | str) -> bool:
        absolute = os.path.abspath(path)
        return absolute in self.wanted or any(absolute.startswith(folder) for folder in self.under)

    def wants(self, unit: Unit, templates: list[deploy.Template]) -> bool:
        """Whether a unit can have findings in the named files: it holds one of them,
        or it checks templates and a template is named."""
        if any(path in self for path, _, _ in unit.files):
            return True
        return unit.deployment and any(template.path in self for template in templates)

    def narrow_unit(self, unit: Unit, templates: list[deploy.Template]) -> None:
        """Have a model unit check only the named files it holds (it models the others,
        which their findings depend on), unless a named template needs its template
        checks: a pre-commit run on a helper that every function imports modelled and
        checked each of those functions whole."""
        if unit.kind != "model" or (unit.deployment and any(t.path in self for t in templates)):
            return
        unit.only = frozenset(rel for path, rel, _ in unit.files if path in self)

    def narrow(self, outcome: Outcome) -> Outcome:
        """The outcome of a project run, narrowed to the named files and folders."""
        outcome.diagnostics = [d for d in outcome.diagnostics if d.path in self]
        outcome.fixed = [f for f in outcome.fixed if f.path in self]
        outcome.sources = [s for s in outcome.sources if s.path in self]
        outcome.files_checked = len(outcome.sources)
        return outcome


def _scope_items(scope: Scope | None) -> list[tuple[str, bytes]]:
    """What a unit's results depend on besides its files' bytes: its environment and
    the functions it reports, for the cache key."""
    if scope is None:
        return []
    env = scope.environment
    deployed = sorted(scope.deployed) if scope.deployed is not None else None
    text = repr((env.roots, env.suffix_fallback, env.kind, sorted(scope.functions), scope.template_problems,
                 scope.imports, deployed))
    return [("\0scope", text.encode())]


def _same_disk_reads(record: Any) -> bool:
    from lambdalint.templates.terraform import same_disk_reads  # only for runs with Terraform

    return isinstance(record, dict) and same_disk_reads(record)


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """One finding per rule and place (the first, in the usual order): a module that
    several environments reach is checked in each of their units."""
    seen: set[tuple] = set()
    kept = []
    for diagnostic in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (str(diagnostic.path), diagnostic.code, diagnostic.location, diagnostic.end_location)
        if key not in seen:
            seen.add(key)
            kept.append(diagnostic)
    return kept


def _has_shared_files(units: list[Unit]) -> bool:
    seen: set[str] = set()
    for unit in units:
        for _, rel, _ in unit.files:
            if rel in seen:
                return True
            seen.add(rel)
    return False


def _with_latest(unit: Unit, latest: Mapping[str, bytes]) -> Unit:
    """The unit with the bytes an earlier unit's fixes gave its shared files."""
    if not latest or not any(rel in latest for _, rel, _ in unit.files):
        return unit
    files = [(path, rel, latest.get(rel, data)) for path, rel, data in unit.files]
    return Unit(unit.kind, files, unit.entries, unit.scope)


def _merge_fixed(fixed: list[FileFixed]) -> list[FileFixed]:
    """One record per file fixed by several units: the bytes before the first, after the last."""
    by_path: dict[str, FileFixed] = {}
    for record in fixed:
        earlier = by_path.get(record.rel_path)
        if earlier is None:
            by_path[record.rel_path] = record
        else:
            by_path[record.rel_path] = FileFixed(earlier.path, earlier.rel_path, earlier.before, record.after,
                                                 earlier.applied + record.applied)
    return list(by_path.values())


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
    from multiprocessing import get_context

    try:
        return get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        return get_context("spawn")
