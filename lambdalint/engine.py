"""Parse once, model once, run every rule in one traversal.

The pipeline for a run: discover files -> read and parse each file once ->
build every module's model -> build the Project (handlers, invocation scope,
derived values across files) -> one batched traversal per file in which all
enabled rules see each node -> positions only for files that have findings
-> suppressions. A rule that raises loses its own results for that file and
nothing else.

Deployment templates (``lambdalint.templates``) found next to or above the
checked files name handlers before the Project is built; rules that compare
templates with code (``check_templates``) run once per run, after the files.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import libcst as cst
from libcst.metadata import CodeRange

from lambdalint.config import Config
from lambdalint.context import FileContext, Report, RuleFailure
from lambdalint.diagnostics import SYNTAX_ERROR_CODE, SYNTAX_ERROR_NAME, ChainLink, Diagnostic, Location, Severity
from lambdalint.discovery import discover, glob_match, relative
from lambdalint.environments import Scope, deployed_closure
from lambdalint.fix import Origin
from lambdalint.model import CallGraph, FunctionInfo, ModuleModel, Project
from lambdalint.model.imports import FLAT, ImportSpace, Resolution
from lambdalint.prescan import imported_names
from lambdalint.rule import Rule
from lambdalint.source import SourceFile, decoded, parse_source
from lambdalint.stack import call_with_deep_stack, is_too_deep
from lambdalint.suppression import Suppressions
from lambdalint import templates as deploy
from lambdalint.walk import NODE_TYPES, TRIVIA_TYPES, Step, steps_of

if TYPE_CHECKING:
    from lambdalint.templates.deployment import RunMemo

Method = Callable[[cst.CSTNode], None]
Parser = Callable[[Path, str, bytes], SourceFile]


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # one line each, for stderr
    internal_error: bool = False
    files_checked: int = 0
    deployment: deploy.Deployment | None = None  # what the run's deployment templates say
    nothing_checked: bool = False
    project: Project | None = None
    sources: list[SourceFile] = field(default_factory=list)
    # Files given to check_sources lazily that no handler's calls reached.
    unloaded: list[tuple[Path, str, bytes]] = field(default_factory=list)
    # The files of the check that Lambda runs, when the scope says (`Scope.imports`).
    deployed: set[str] | None = None

    def close(self) -> None:
        """Keep only the findings and messages (see `Project.close`)."""
        if self.project is not None:
            self.project.close()
        self.project = None
        self.deployment = None
        self.sources = []


def _dispatch(ctx: FileContext, steps: list[Step], visits: dict[type, list[tuple[Rule, Method]]],
              leaves: dict[type, list[tuple[Rule, Method]]], failures: dict[Rule, RuleFailure]) -> None:
    """Hand each node of one walk to every rule that asked for its type, keeping the
    context's ancestors, statements and enclosing functions. One loop, not a
    visitor's two method calls per node: on a large project the calls cost more
    than the bookkeeping."""
    ancestors, statements, functions = ctx.ancestors, ctx.statements, ctx.functions
    model = ctx.model
    suites, compound = _SUITES, _STATEMENTS
    function_def = cst.FunctionDef
    for node, leaving in steps:
        kind = type(node)
        if leaving:
            methods = leaves.get(kind)
            if methods:
                _call(methods, node, failures)
            if kind in compound:
                statements.pop()
            ancestors.pop()
            if kind in suites and ancestors and type(ancestors[-1]) is function_def \
                    and ancestors[-1].body is node:
                functions.pop()
            continue
        # A def's decorators, defaults and annotations run where the `def` runs;
        # only its body belongs to the function.
        if kind in suites and ancestors and type(ancestors[-1]) is function_def and ancestors[-1].body is node:
            functions.append(model.function_for(ancestors[-1]))
        ancestors.append(node)
        if kind in compound:
            statements.append(node)
        methods = visits.get(kind)
        if methods:
            _call(methods, node, failures)


def _call(methods: list[tuple[Rule, Method]], node: cst.CSTNode, failures: dict[Rule, RuleFailure]) -> None:
    for rule, method in methods:
        if rule not in failures:
            try:
                method(node)
            except Exception as error:  # noqa: BLE001 - isolate the rule
                failures[rule] = RuleFailure(rule, node, error)


# Concrete node classes of the abstract bases the dispatcher asks about: a set
# lookup of `type(node)` is far cheaper than isinstance against an ABC.
_SUITES = frozenset(t for t in NODE_TYPES if issubclass(t, cst.BaseSuite))
_STATEMENTS = frozenset(
    t for t in NODE_TYPES if issubclass(t, (cst.SimpleStatementLine, cst.BaseCompoundStatement)))


def _tables(rules: Iterable[Rule]) -> tuple[dict[type, list[tuple[Rule, Method]]], dict[type, list[tuple[Rule, Method]]]]:
    visits: dict[type, list[tuple[Rule, Method]]] = defaultdict(list)
    leaves: dict[type, list[tuple[Rule, Method]]] = defaultdict(list)
    for rule in rules:
        for attr in dir(type(rule)):
            if attr.startswith(("visit_", "leave_")):
                kind, _, type_name = attr.partition("_")
                node_type = getattr(cst, type_name, None)
                if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
                    (visits if kind == "visit" else leaves)[node_type].append((rule, getattr(rule, attr)))
    return dict(visits), dict(leaves)


class Engine:
    """One configured set of rules, reusable across runs and files."""

    def __init__(self, config: Config, rules: Iterable[type[Rule]]) -> None:
        self.config = config
        self.rules = [cls() for cls in rules]
        self._words = {id(rule): rule.scan_words(config) for rule in self.rules}
        self._patterns = {id(rule): re.compile(pattern) for rule in self.rules
                          if (pattern := rule.scan_pattern(config)) is not None}
        self._text_tests = {id(rule): rule.may_fire_on for rule in self.rules
                            if type(rule).may_fire_on is not Rule.may_fire_on}
        self._rule_attributes = {id(rule): frozenset(vars(rule)) for rule in self.rules}
        self._table_cache: dict[frozenset[int], tuple[dict, dict]] = {}
        # Deployment templates found next to or above the files `load` read.
        self.templates: list[deploy.Template] = []
        # Whether line `# noqa` comments silence findings; the flake8 plugin turns
        # this off because flake8 applies its own (file-wide `# lambdalint: noqa` still counts).
        self.inline_noqa = True
        # While a unit is checked: the text of each of its files by relative path, and
        # what the pre-scan through imports learnt of them (`_rules_through_imports`).
        self._unit_texts: Callable[[str], str | None] | None = None
        self._firing: dict[str, frozenset[int]] = {}
        self._imports: dict[str, list[str]] = {}
        # What resolving handlers learnt of the disk, shared by the units of a run
        # (`lambdalint.templates.deployment.RunMemo`), with the templates it is for.
        self._memo: tuple[list[deploy.Template], RunMemo] | None = None

    # -- entry points ------------------------------------------------------------------

    def load(self, paths: list[Path]) -> tuple[list[SourceFile], list[str]]:
        """Read and parse every file to check; messages for paths that cannot be read."""
        found = discover(paths, self.config.excludes, self.config.root)
        sources: list[SourceFile] = []
        messages = list(found.problems)
        for path in found.files:
            try:
                data = path.read_bytes()
            except OSError as error:
                messages.append(f"{path}: cannot read file ({error.strerror or error})")
                continue
            sources.append(parse_source(path, relative(path), data))
        self.templates, template_messages = deploy.find_templates(
            found.files, self.config, found.infrastructure, found.walked, found.listings)
        messages.extend(template_messages)
        return sources, messages

    def check_paths(self, paths: list[Path]) -> RunResult:
        sources, messages = self.load(paths)
        result = self.check_sources(sources)
        result.messages[:0] = messages
        result.nothing_checked = not sources and bool(messages)
        return result

    def words_of(self, rule: Rule) -> tuple[str, ...]:
        return self._words[id(rule)]

    def may_fire(self, rule: Rule, text: str, words: tuple[str, ...] | None = None) -> bool:
        """The pre-scan: the rule's words (or ``words``) and its pattern are in the
        text, and its own test (`Rule.may_fire_on`) passes."""
        words = self._words[id(rule)] if words is None else words
        if words and not any(word in text for word in words):
            return False
        pattern = self._patterns.get(id(rule))
        if pattern is not None and pattern.search(text) is None:
            return False
        test = self._text_tests.get(id(rule))
        return test is None or test(text)

    def check_sources(self, sources: list[SourceFile], warn_unmatched: bool = True,
                      lazy: dict[str, tuple[Path, bytes]] | None = None, templates: bool = True,
                      scope: Scope | None = None, parse: Parser = parse_source,
                      wanted: frozenset[str] | None = None) -> RunResult:
        """Check files as one project.

        ``lazy`` holds more files of the project (relative path -> (path, bytes))
        that are parsed and checked only if a call from invocation scope resolves
        into them; the others come back in ``RunResult.unloaded``. ``scope`` is the
        import environment the files are modelled in and which of the templates'
        functions (and problems) this check reports (a unit of a larger run);
        without one, the files are one flat import space and every template is
        reported. ``parse`` reads the ``lazy`` files (the runner's shares the trees
        of files several units hold). ``wanted``: the files whose findings are wanted
        (a run over files named one by one); the others are modelled, as the wanted
        ones' findings depend on them, but no rule checks them, and neither the
        templates' rules nor their inline code run. Checking runs on a large stack
        (lambdalint.stack), whoever calls.
        """
        return call_with_deep_stack(self._check_sources, sources, warn_unmatched, lazy, templates, scope, parse,
                                    wanted)

    def _check_sources(self, sources: list[SourceFile], warn_unmatched: bool,
                       lazy: dict[str, tuple[Path, bytes]] | None, templates: bool,
                       scope: Scope | None, parse: Parser = parse_source,
                       wanted: frozenset[str] | None = None) -> RunResult:
        result = RunResult(sources=sources)
        # ``templates=False``: a unit of a larger run whose template checks run elsewhere.
        templates = self.templates if templates else []
        if any(deploy.is_template_name(source.rel_path) for source in sources):
            given, sources = deploy.templates_from_sources(sources)
            templates = [*templates, *given]
            result.files_checked += len(given)
        models: dict[int, ModuleModel] = {}
        sources = list(sources)
        files = [source.rel_path for source in sources] + list(lazy or ())
        environment = scope.environment if scope is not None else FLAT
        resolution = Resolution(ImportSpace.of(files), environment)
        # Python code written in the templates: modules of the project that are no
        # files of the run (kept out of `result.sources`); see lambdalint.templates.inline.
        # A unit of a run checks the inline code of its own functions only.
        inline = deploy.inline_sources(templates) if templates else {}
        if scope is not None:
            inline = {path: item for path, item in inline.items() if item[1].key in scope.functions}
        # A file checked alone is walked by the rules right after its model is
        # built, so the model's walk is kept for them to replay; in a project the
        # kept walks of all its files would cost more memory than they save time.
        replayable = len(sources) == 1 and not lazy and not inline
        for source in sources:
            self._build_model(source, models, result, replayable, resolution)
        inline_models: set[int] = set()  # ids of the models of code written in templates
        for source, _ in inline.values():
            model = self._build_model(source, models, result, replayable, resolution)
            if model is not None:
                inline_models.add(id(model))
        pending = dict(lazy or {})

        def load(rel_path: str) -> ModuleModel | None:
            item = pending.pop(rel_path, None)
            if item is None:
                return None
            source = parse(item[0], rel_path, item[1])
            sources.append(source)
            model = self._build_model(source, models, result, False, resolution)
            if model is not None and deployed is not None:
                model.runs_on_lambda = rel_path in deployed
            return model
        def peek(rel_path: str) -> str | None:
            item = pending.get(rel_path)
            return decoded(item[1]) if item is not None else None
        by_path = {source.rel_path: source for source in sources}
        lazy_texts = dict(lazy or {})

        decoded_texts: dict[str, str | None] = {}

        def text_of(rel_path: str) -> str | None:
            source = by_path.get(rel_path)
            if source is not None:
                return source.text
            if rel_path not in decoded_texts:
                item = lazy_texts.get(rel_path)
                decoded_texts[rel_path] = decoded(item[1]) if item is not None else None
            return decoded_texts[rel_path]
        self._unit_texts = text_of
        deployed: set[str] | None = None
        specs = list(self.config.handlers)
        if templates:
            # A unit resolves the handlers of its own functions; the one that reports the
            # templates' problems runs the template-only rules over all, so resolves all.
            only = scope.functions if scope is not None and not scope.template_problems else None
            result.deployment = deploy.build(templates, sources, models.values(), self.config, only,
                                             self._run_memo())
            specs[:0] = result.deployment.specs
            if scope is not None:
                result.deployment.only = scope.functions
        try:
            project = Project(models.values(), specs, loader=load,
                              lazy=[(rel, resolution.module_name(rel)[0]) for rel in pending], peek=peek,
                              resolution=resolution)
        except Exception as error:  # noqa: BLE001 - a model bug must not hide the per-file rules
            project = Project([], self.config.handlers)
            models = {}
            if is_too_deep(error):
                result.messages.append("the project is nested too deeply to model; only per-file rules ran")
            else:
                result.internal_error = True
                result.messages.append(_bug_message("the project model", "this run", None, error))
        result.project = project
        deployed = result.deployed = _deployed_files(scope, project, inline_models)
        if deployed is not None:
            for model in models.values():
                model.runs_on_lambda = model.rel_path in deployed or id(model) in inline_models
        if result.deployment is not None:
            result.deployment.attach(project)
        for spec in project.unmatched_specs if warn_unmatched else ():
            if isinstance(spec, deploy.TemplateHandlerSpec):
                continue  # LAM001 reports handlers that name nothing
            result.messages.append(
                f"warning: handler '{spec.module}:{spec.function}' from {spec.source} matches no function"
            )
        # Inline code first: a module its calls load joins `sources`, checked below.
        for source, function in inline.values() if wanted is None else ():
            start = len(result.diagnostics)
            self._check_source(source, models, result)
            result.diagnostics[start:] = deploy.rebase_inline(function, result.diagnostics[start:])
        for source in sources:
            result.files_checked += 1
            if wanted is None or source.rel_path in wanted:
                self._check_source(source, models, result)
        if result.deployment is not None and wanted is None:
            self._check_deployment(result.deployment, result, scope is None or scope.template_problems)
        result.unloaded = [(path, rel, data) for rel, (path, data) in pending.items()]
        result.sources = sources
        result.diagnostics.sort(key=Diagnostic.sort_key)
        self._forget_files()
        return result

    def _check_source(self, source: SourceFile, models: dict[int, ModuleModel], result: RunResult) -> None:
        if source.failure is not None or id(source) not in models:
            if source.failure is not None:
                result.diagnostics.append(_syntax_error(source))
            return
        self._check_file(source, models[id(source)], result)

    def _forget_files(self) -> None:
        """Drop what the rules kept of the last file (its context, per-file state set
        in `begin_file`): the engine outlives a unit of work, and that state would
        keep the unit's syntax trees alive while the next one is checked."""
        self._unit_texts = None
        self._firing.clear()
        self._imports.clear()
        for rule in self.rules:
            for name in vars(rule).keys() - self._rule_attributes[id(rule)]:
                delattr(rule, name)

    def _build_model(self, source: SourceFile, models: dict[int, ModuleModel], result: RunResult,
                     replayable: bool, resolution: Resolution) -> ModuleModel | None:
        if source.module is None:
            return None
        source.steps = [] if replayable else None
        try:
            model = ModuleModel.build(source.module, source.rel_path, source.steps,
                                      resolution.module_name(source.rel_path))
        except Exception as error:  # noqa: BLE001 - a model bug must not hide other files
            source.steps = None
            if is_too_deep(error):
                source.failure = _too_deep()
                return None
            result.internal_error = True
            result.messages.append(_bug_message("the execution model", source.rel_path, None, error))
            source.module = None
            return None
        models[id(source)] = model
        return model

    @functools.cached_property
    def _deployment_rules(self) -> list[Rule]:
        """The rules that compare templates with code (asked once per unit)."""
        return [rule for rule in self.rules if deploy.is_deployment_rule(rule)]

    def _run_memo(self) -> RunMemo:
        """The memo of this run: the runner gives each run a new list of templates."""
        if self._memo is None or self._memo[0] is not self.templates:
            from lambdalint.templates.deployment import RunMemo

            self._memo = (self.templates, RunMemo())
        return self._memo[1]

    def _check_deployment(self, deployment: deploy.Deployment, result: RunResult, problems: bool) -> None:
        """Broken templates (LAM000; ``problems``: when this check reports them), then the
        rules that compare templates with code."""
        if problems:
            if deployment.messages:
                result.internal_error = True
                result.messages.extend(deployment.messages)
            result.diagnostics.extend(deploy.broken_template_diagnostics(deployment))
        rules = self._deployment_rules
        # Rules that read only the templates run once, in the check that reports the
        # templates' problems, over every function; the others over this check's own.
        only = deployment.only
        for needs_code in (True, False):
            chosen = [rule for rule in rules if getattr(rule, "needs_code", True) is needs_code]
            if not needs_code:
                if not problems:
                    continue
                deployment.only = None
            if chosen and deployment.functions:
                diagnostics, messages = deploy.run_deployment_rules(
                    deployment, chosen, self.config, self._ignored_for_path)
                result.diagnostics.extend(diagnostics)
                if messages:
                    result.internal_error = True
                    result.messages.extend(messages)
            deployment.only = only

    # -- one file ------------------------------------------------------------------

    def rules_for(self, source: SourceFile, scoped: bool = True) -> list[Rule]:
        """The rules that may fire in a file; without ``scoped`` (nothing in the file
        runs per invocation), not those that fire only in invocation scope, whose
        words are then not even looked for."""
        ignored = self._ignored_codes(source)
        text = source.text
        chosen = []
        for rule in self.rules:
            if not getattr(rule, "per_file", True):
                continue  # deployment rules run once per run, not per file
            if rule.scope_only and not scoped:
                continue
            if any(rule.code.startswith(prefix) for prefix in ignored):
                continue
            if self.may_fire(rule, text):
                chosen.append(rule)
        return chosen

    def _rules_through_imports(self, source: SourceFile, model: ModuleModel, chosen: list[Rule],
                               scoped: bool) -> list[Rule]:
        """The rules the pre-scan of the file's own text left out that may fire on what
        its imports bring in. A name imported from another module of the project stands
        for what that module binds it to (`from shared.http import session` is a
        `requests.Session()`), and a helper's return value for what the helper returns,
        so the words a rule looks for may be in those modules' text only: the pre-scan
        stays sound by also accepting a rule whose pre-scan passes on a module the file
        imports, directly or through the modules those import (as deep as the model
        follows a name). Only in a project, and only for rules the file's own text
        left out."""
        project = model.project
        texts = self._unit_texts
        if not isinstance(project, CallGraph) or texts is None:
            return []
        taken = {id(rule) for rule in chosen}
        ignored = self._ignored_codes(source)
        left = [rule for rule in self.rules
                if id(rule) not in taken and getattr(rule, "per_file", True)
                and not (rule.scope_only and not scoped)
                and not any(rule.code.startswith(prefix) for prefix in ignored)]
        if not left:
            return []
        added: list[Rule] = []
        for rel_path in self._imported_files(project, source.rel_path, source.text, texts):
            fires = self._firing.get(rel_path)
            if fires is None:
                text = texts(rel_path)
                fires = self._firing[rel_path] = frozenset(
                    id(rule) for rule in self.rules if text is not None and self.may_fire(rule, text))
            added += [rule for rule in left if id(rule) in fires]
            left = [rule for rule in left if id(rule) not in fires]
            if not left:
                break
        return added

    def _imported_files(self, project: CallGraph, rel_path: str, text: str,
                        texts: Callable[[str], str | None]) -> list[str]:
        """The project files a file imports, and those they import, breadth first, as
        deep as the model follows a name through modules."""
        seen = {rel_path}
        order: list[str] = []
        frontier = [(rel_path, text)]
        for _ in range(_MAX_IMPORT_DEPTH):
            following: list[tuple[str, str]] = []
            for importer, importer_text in frontier:
                imports = self._imports.get(importer)
                if imports is None:
                    imports = self._imports[importer] = _project_imports(project, importer, importer_text)
                for found in imports:
                    if found not in seen:
                        seen.add(found)
                        order.append(found)
                        found_text = texts(found)
                        if found_text is not None:
                            following.append((found, found_text))
            if not following:
                break
            frontier = following
        return order

    def _ignored_codes(self, source: SourceFile) -> list[str]:
        return self._ignored_for_path(source.path)

    def _ignored_for_path(self, path: Path) -> list[str]:
        if not self.config.per_file_ignores:
            return []
        rel = relative(path.resolve(), self.config.root.resolve())
        codes: list[str] = []
        for pattern, values in self.config.per_file_ignores.items():
            negate = pattern.startswith("!")
            matched = glob_match(rel, pattern.lstrip("!"))
            if matched != negate:
                codes.extend("" if v == "ALL" else v for v in values)
        return codes

    def _check_file(self, source: SourceFile, model: ModuleModel, result: RunResult) -> None:
        # Rules that speak only about invocation scope say nothing of code Lambda does
        # not run (a test's own `lambda_handler`, what only it calls).
        scoped = bool(model.scope_chains) and model.deployed
        rules = self.rules_for(source, scoped=scoped)
        rules += self._rules_through_imports(source, model, rules, scoped)
        if not rules:
            return
        key = frozenset(id(r) for r in rules)
        if key not in self._table_cache:
            self._table_cache[key] = _tables(rules)
        visits, leaves = self._table_cache[key]
        ctx = FileContext(source=source, model=model, config=self.config)
        failures: dict[Rule, RuleFailure] = {}
        for rule in rules:
            try:
                rule.begin_file(ctx)
            except Exception as error:  # noqa: BLE001
                failures[rule] = RuleFailure(rule, None, error)
        assert source.module is not None
        try:
            steps, source.steps = source.steps, None
            trivia = any(t in TRIVIA_TYPES for t in (*visits, *leaves))
            if not steps or trivia:
                steps = steps_of(source.module, with_trivia=trivia)
            _dispatch(ctx, steps, visits, leaves, failures)
            del steps
        except Exception as error:  # noqa: BLE001 - rules are isolated inside; this is the walk itself
            if is_too_deep(error):
                result.diagnostics.append(_syntax_error(source, _too_deep()))
            else:
                result.internal_error = True
                result.messages.append(_bug_message("the engine", source.rel_path, None, error))
            return
        for rule in rules:
            if rule not in failures:
                try:
                    rule.end_file()
                except Exception as error:  # noqa: BLE001
                    failures[rule] = RuleFailure(rule, None, error)
        reports = [r for r in ctx.reports if r.rule not in failures]
        chains = _chains(model, reports)
        positions = None
        # The code of the top-level statements the positions pass generates whole: a
        # fix's edits are worked out from it (`fix.Origin`), not from a second print.
        printed: dict[int, str] | None = {} if any(report.fix is not None for report in reports) else None
        if reports or failures:
            wanted = [node for report in reports for node in (report.node, report.statement) if node is not None]
            wanted += [failure.node for failure in failures.values() if failure.node is not None]
            # The `def`s of this module on the findings' call chains: positions in the same pass.
            wanted += [info.node.name for links in chains.values() for owner, info in links if owner is model]
            try:
                positions = model.spans(wanted, printed)
            except Exception as error:  # noqa: BLE001
                if not is_too_deep(error):
                    raise
                result.diagnostics.append(_syntax_error(source, _too_deep()))
                return
        for failure in failures.values():
            result.internal_error = True
            line = None
            if failure.node is not None and positions is not None and failure.node in positions:
                line = positions[failure.node].start.line
            result.messages.append(_bug_message(f"rule {failure.rule.code} ({failure.rule.name})",
                                                source.rel_path, line, failure.error))
        if not reports:
            return
        assert positions is not None
        suppressions = Suppressions.scan(source.text)
        if not self.inline_noqa:
            suppressions.by_line = {}
        links: dict[tuple[str, ...], tuple[ChainLink, ...]] = {}
        origin = Origin(source.module, printed)
        for report in reports:
            span = positions[report.node]
            rows = [span.start.line]
            if report.statement is not None and report.statement in positions:
                rows.append(positions[report.statement].start.line)
            code = report.rule.code
            if suppressions.suppresses(code, tuple(rows)):
                continue
            if report.fix is not None:
                report.fix.code = code
                report.fix.origin = origin
                origin.fixes.append(report.fix)
            result.diagnostics.append(
                Diagnostic(
                    code=code,
                    name=report.rule.name,
                    message=report.message,
                    severity=self.config.severity_for(report.rule),
                    path=source.path,
                    location=Location(span.start.line, span.start.column + 1),
                    end_location=Location(span.end.line, span.end.column + 1),
                    noqa_row=span.start.line,
                    fix=report.fix,
                    noqa_rows=tuple(rows),
                    chain=_chain_links(model, source, report.function, chains, positions, links),
                )
            )


def _deployed_files(scope: Scope | None, project: Project, inline: set[int]) -> set[str] | None:
    """The files of a check that Lambda runs (see `Scope`), None when nothing says.
    With the unit's imports: the modules given up front in which the model found an
    entry point, or that a handler spec (a template's, the configuration's) names, the
    code written in templates, and everything they import. A file the pre-scan took for
    a handler's (`def handler(self, signum)`, a script's `if __name__ == "__main__":`
    block and no handler) starts nothing."""
    if scope is None:
        return None
    roots = [model.rel_path for model in project.models
             if model.entry_points or id(model) in inline or any(spec.matches(model) for spec in project.specs)]
    if scope.imports is None:
        # A file checked alone is deployed when the planner knew it (a handler's module
        # imports it) or when the model finds an entry point in it that the pre-scan's
        # hints missed (`def handler[E: dict](event: E, context)`).
        return set(scope.deployed) | set(roots) if scope.deployed is not None else None
    return deployed_closure(dict(scope.imports), roots)


Chains = dict[tuple[str, ...], list[tuple[ModuleModel, FunctionInfo]]]


def _chains(model: ModuleModel, reports: list[Report]) -> Chains:
    """The call chains of the reports made in invocation scope (`ModuleModel.scope_chain`),
    each function found in its module; a chain with a function that cannot be found is
    left out (no chain rather than part of one)."""
    chains: Chains = {}
    project = model.project
    if not isinstance(project, CallGraph):
        return chains
    for report in reports:
        names = model.scope_chain(report.function) if report.function is not None else ()
        if not names or names in chains:
            continue
        found = [project.function_named(name) for name in names]
        if all(item is not None for item in found):
            chains[names] = found  # type: ignore[assignment]
    return chains


def _chain_links(model: ModuleModel, source: SourceFile, function: FunctionInfo | None, chains: Chains,
                 positions: Mapping[cst.CSTNode, CodeRange] | None,
                 known: dict[tuple[str, ...], tuple[ChainLink, ...]]) -> tuple[ChainLink, ...]:
    """A finding's call chain with where each function is defined (empty outside invocation
    scope): lines of this module's `def`s from ``positions``, other modules' from theirs."""
    names = model.scope_chain(function) if function is not None else ()
    if names not in chains:
        return ()
    if names not in known:
        links = []
        for name, (owner, info) in zip(names, chains[names]):
            node = info.node.name
            if owner is model:
                span = positions.get(node) if positions is not None else None
                row = span.start.line if span is not None else model.line_of(node)
                links.append(ChainLink(name, source.path, row))
            else:
                links.append(ChainLink(name, Path(owner.rel_path), owner.line_of(node)))
        known[names] = tuple(links)
    return known[names]


def _too_deep():  # type: ignore[no-untyped-def]
    from lambdalint.source import ParseFailure

    return ParseFailure("the file is nested too deeply to check")


def _syntax_error(source: SourceFile, failure=None) -> Diagnostic:  # type: ignore[no-untyped-def]
    failure = failure or source.failure
    return Diagnostic(
        code=SYNTAX_ERROR_CODE,
        name=SYNTAX_ERROR_NAME,
        message=failure.message,
        severity=Severity.ERROR,
        path=source.path,
        location=Location(failure.row, failure.column),
        end_location=Location(failure.row, failure.column),
        noqa_row=None,
    )


def _bug_message(what: str, path: str, line: int | None, error: BaseException | None = None) -> str:
    where = f"{path}:{line}" if line else path
    detail = ""
    if error is not None:
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        origin = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        detail = f": {type(error).__name__}: {_describe(error)}{origin}"
    return (f"error: {what} crashed on {where}{detail}; its findings for this file are dropped. "
            "Please report this bug with the file that triggers it.")


def _describe(error: BaseException) -> str:
    """An exception's text on one short line; a syntax tree in it is named, not printed
    (`KeyError(node)` would print the whole subtree, or overflow the stack doing so)."""
    if any(isinstance(arg, cst.CSTNode) for arg in error.args):
        text = ", ".join(f"<{type(arg).__name__} node>" if isinstance(arg, cst.CSTNode) else _short(arg)
                         for arg in error.args)
    else:
        try:
            text = str(error)
        except Exception:  # noqa: BLE001
            text = "<unprintable>"
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:200] + "..."


def _short(value: object) -> str:
    try:
        return repr(value)[:100]
    except Exception:  # noqa: BLE001
        return "<unprintable>"


# Modules deep that the pre-scan follows imports (as deep as `CallGraph.follow`).
_MAX_IMPORT_DEPTH = 8


def _project_imports(project: CallGraph, rel_path: str, text: str) -> list[str]:
    """The files of the project that a file's import statements name (text only)."""
    found: list[str] = []
    for name, is_relative in imported_names(rel_path, text):
        if is_relative:
            for candidate in (name + ".py", name + "/__init__.py"):
                if project.is_file(candidate):
                    found.append(candidate)
                    break
            continue
        path = project.file_of(name, rel_path)
        if path is not None:
            found.append(path)
    return list(dict.fromkeys(found))
