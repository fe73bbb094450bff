"""The `lambdalint` command: check, baseline, rules, rule, handlers, server.

Option names and exit codes follow ruff's where the concept is the same:
0 clean, 1 findings at or above `fail-on`, 2 a usage, config or internal error.
"""

from __future__ import annotations

import copy
import difflib
import errno
import functools
import json
import os
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, TextIO

import click

from lambdalint import __version__
from lambdalint.baseline import Baseline, BaselineError, SourceLines
from lambdalint.baseline import build as build_baseline
from lambdalint.baseline import dumps as dump_baseline
from lambdalint.cache import CACHE_DIR_NAME, ResultCache, selection_key
from lambdalint.config import OUTPUT_FORMATS, Config, ConfigError, find_config, load_config, validate_codes
from lambdalint.diagnostics import SYNTAX_ERROR_CODE, Diagnostic, Severity
from lambdalint.discovery import is_excluded, relative
from lambdalint.edits import Applicability, FixPolicy
from lambdalint.output import WRITERS
from lambdalint.registry import PLUGINS_STORE, Registry, load_registry, plugin_identities
from lambdalint.runner import Outcome, Runner
from lambdalint.source import decode

# LibCST, the rules and the model are imported where a command needs them, not
# here: `check` answered from the cache needs none of them (`Runner`).
if TYPE_CHECKING:
    from lambdalint.engine import RunResult
    from lambdalint.model.imports import Environment
    from lambdalint.rule import Rule

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_ARGS = "lambdalint.args"
# Discovery reports a path it cannot read in one line and checks the rest;
# click's own check would stop the run with a usage error instead.
PATHS = click.Path(path_type=Path, readable=False)


def _split_codes(values: tuple[str, ...]) -> list[str]:
    return [code.strip().upper() if code.strip().upper() != "ALL" else "ALL"
            for value in values for code in value.split(",") if code.strip()]


def _fail(message: str) -> None:
    click.echo(f"lambdalint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _registry() -> Registry:
    registry = load_registry()
    for warning in registry.warnings:
        click.echo(f"lambdalint: warning: {warning}", err=True)
    return registry


def _selected_rules(config: Config, configured: Config, written: Config) -> list[type[Rule]]:
    """The rules a run with ``config`` enables, once the codes in the configuration
    (``configured``) and the options (``written``) are checked: a code that names no
    rule stops the run."""
    registry = _registry()
    try:
        validate_codes(configured, registry.codes)
        validate_codes(written, registry.codes)
    except ConfigError as error:
        _fail(str(error))
    return registry.select(config.select, config.extend_select, config.ignore)


def _load(config_path: Path | None, paths: list[Path]) -> Config:
    try:
        if config_path is not None:
            if not config_path.is_file():
                raise ConfigError(f"{config_path}: no such config file")
            return load_config(config_path)
        start = Path(os.path.commonpath([os.path.abspath(p) for p in paths])) if paths else Path.cwd()
        while not start.exists() and start != start.parent:
            start = start.parent
        return load_config(find_config(start))
    except ConfigError as error:
        _fail(str(error))
        raise  # unreachable


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8", newline="\n")
    except OSError as error:
        _fail(f"cannot write {path}: {error.strerror or error}")
    with handle:
        yield handle


class _Guarded(click.Group):
    """The last line of defence: an unexpected error is one line on stderr and exit 2,
    never a traceback (LAMBDALINT_DEBUG=1 shows it)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_ARGS] = list(args)  # as given, for `check --daemon` to send on
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001
            if os.environ.get("LAMBDALINT_DEBUG") or (isinstance(error, OSError) and error.errno == errno.EPIPE):
                raise  # click reports a closed pipe itself
            text = " ".join(str(error).split())[:200]
            click.echo(f"lambdalint: error: internal error ({type(error).__name__}: {text}); please report this "
                       "bug, with LAMBDALINT_DEBUG=1 set for the traceback", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lambdalint", message="%(prog)s %(version)s")
def main() -> None:
    """A linter for Python code that runs on AWS Lambda."""


config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Use this pyproject.toml instead of the nearest one.",
)


@main.command()
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("--select", multiple=True, metavar="CODES", help="Rules to enable (codes, prefixes like LAM1, or ALL); replaces the config's select.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable on top of select.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable.")
@click.option("--fix/--no-fix", "fix", default=None, help="Apply safe fixes (and unsafe ones with --unsafe-fixes).")
@click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None, help="Also apply unsafe fixes with --fix; without --fix, show them as available.")
@click.option("--diff", is_flag=True, help="Print the unified diff --fix would make and write nothing (exit 1 when there is one).")
@click.option("--show-fixes", is_flag=True, help="List what was fixed.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default=None, help="How findings are printed (default: text).")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the findings to this file.")
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of each finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default=None, help="Lowest severity that makes the exit code 1.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path, dir_okay=False), help="Report only findings not recorded in this baseline file (see `lambdalint baseline`).")
@click.option("--no-baseline", is_flag=True, help="Ignore the configured baseline and report every finding.")
@click.option("--force-exclude", is_flag=True, help="Apply exclude patterns to files named on the command line too (for pre-commit).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None, help="Processes to check with (default: the number of cores; 0 means the same).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the results cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="Where the results cache lives (default: .lambdalint_cache next to the config).")
@click.option("--daemon", is_flag=True, help="Run in this user's lambdalint daemon, which keeps the engine loaded between runs (started in the background when none runs; see `lambdalint daemon`).")
@config_option
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], select: tuple[str, ...], extend_select: tuple[str, ...],
          ignore: tuple[str, ...], fix: bool | None, unsafe_fixes: bool | None, diff: bool,
          show_fixes: bool, output_format: str | None, output_file: Path | None,
          statistics: bool, exit_zero: bool, fail_on: str | None, quiet: bool,
          baseline_file: Path | None, no_baseline: bool, force_exclude: bool,
          jobs: int | None, no_cache: bool, cache_dir: Path | None, daemon: bool,
          config_path: Path | None) -> None:
    """Check PATHS (default: the current folder) for Lambda problems."""
    if daemon:
        from lambdalint import daemon as daemons

        if not daemons.ASKED and _ARGS in ctx.meta:
            code = daemons.forward(ctx.meta[_ARGS])
            if code is not None:
                sys.exit(code)
    targets = list(paths) or [Path(".")]
    config = _load(config_path, targets)
    if force_exclude:
        targets = _force_exclude(targets, config)
    # The codes as configured and as given, each checked on its own (`_selected_rules`).
    configured = copy.copy(config)
    configured.extend_select, configured.ignore = list(config.extend_select), list(config.ignore)
    written = Config(select=_split_codes(select) or None, extend_select=_split_codes(extend_select),
                     ignore=_split_codes(ignore))
    if select:
        config.select = _split_codes(select)
    config.extend_select += _split_codes(extend_select)
    config.ignore += _split_codes(ignore)
    if fail_on:
        config.fail_on = Severity.parse(fail_on)
    if fix is not None:
        config.fix = fix
    if unsafe_fixes is not None:
        config.unsafe_fixes = unsafe_fixes
    policy = FixPolicy(
        unsafe=config.unsafe_fixes, fixable=config.fixable, unfixable=config.unfixable,
        extend_safe=config.extend_safe_fixes, extend_unsafe=config.extend_unsafe_fixes,
    )
    fixing = config.fix or diff
    cache = None if (no_cache or fixing) else (cache_dir or config.cache_dir or config.root / CACHE_DIR_NAME)
    # The rules are loaded (and the codes checked) when the run needs them: a run the
    # cache answers whole needs neither, as its key is the selection as written (the
    # configuration, the options and the installed rule plugins); a run with plugins
    # loads them first, so that their warnings are always shown.
    plugins = plugin_identities(ResultCache(cache, PLUGINS_STORE) if cache is not None else None)
    load = functools.partial(_selected_rules, config, configured, written)
    rules = load() if plugins or cache is None else load
    runner = Runner(config, rules, jobs=jobs if jobs is not None else config.jobs, cache_dir=cache,
                    selection=selection_key(config, plugins) if cache is not None else None)
    result = runner.run(targets, policy if fixing else None)
    nothing_checked = result.nothing_checked
    for message in [*result.problems, *result.messages]:
        click.echo(f"lambdalint: {message}", err=True)
    fixed = result if fixing else None
    if diff:
        _write_diff(result)
        code = EXIT_ERROR if (result.fix_failed or result.internal_error or nothing_checked) else (
            EXIT_FINDINGS if result.changed else EXIT_CLEAN)
        sys.exit(code)
    if fixed is not None:
        _write_fixed_files(result)
    baseline_path = None if no_baseline else (baseline_file or config.baseline)
    hidden = _apply_baseline(baseline_path, result, runner.rule_classes) if baseline_path is not None else 0
    for diagnostic in result.diagnostics:
        diagnostic.fix_applicable = policy.allows(diagnostic)
    fmt = output_format or config.output_format
    with _output(output_file) as stream:
        if statistics:
            _write_statistics(result.diagnostics, stream)
        elif fmt == "sarif":
            from lambdalint.output.sarif import SarifRun, write_sarif

            sarif = SarifRun(rules=list(runner.rule_classes), path_problems=result.problems,
                             notifications=list(result.messages),
                             successful=not (result.internal_error or nothing_checked),
                             sources=result.sources, baseline=baseline_path is not None)
            write_sarif(result.diagnostics, stream, sarif)
            for warning in sarif.warnings:
                click.echo(f"lambdalint: {warning}", err=True)
        else:
            WRITERS[fmt](result.diagnostics, stream)
        if fmt in ("text", "full") and not quiet and not result.nothing_checked:
            if show_fixes and fixed is not None:
                _write_fix_list(fixed, stream)
            _write_summary(result, stream, fixed, policy, hidden)
    code = _exit_code(result, config, exit_zero)
    if fixed is not None and result.fix_failed:
        code = EXIT_ERROR
    sys.exit(code)


def _write_diff(fixed: Outcome) -> None:
    for record in fixed.changed:
        before = decode(record.before)[0].splitlines(keepends=True)
        after = decode(record.after)[0].splitlines(keepends=True)
        name = record.rel_path
        sys.stdout.writelines(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"))
    count = fixed.fixed_count
    click.echo(f"Would fix {_plural(count, 'finding')} in {_plural(len(fixed.changed), 'file')}.", err=True)


def _write_fixed_files(fixed: Outcome) -> None:
    from lambdalint.autofix import write_atomically

    for record in fixed.changed:
        path = record.path
        if path.is_symlink():
            click.echo(f"lambdalint: {path}: is a symlink; not writing fixes through it", err=True)
            continue
        try:
            write_atomically(path, record.after)
        except OSError as error:
            click.echo(f"lambdalint: error: cannot write {path}: {error.strerror or error}", err=True)
            fixed.fix_failed = True


def _write_fix_list(fixed: Outcome, stream: TextIO) -> None:
    for record in sorted(fixed.fixed, key=lambda r: r.rel_path):
        for code, count in sorted(record.applied.items()):
            stream.write(f"Fixed {record.rel_path}: {count} x {code}\n")


def _exit_code(result: RunResult | Outcome, config: Config, exit_zero: bool) -> int:
    if result.internal_error or result.nothing_checked:
        return EXIT_ERROR
    failing = [d for d in result.diagnostics if d.severity.rank >= config.fail_on.rank]
    if failing and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write_summary(result: RunResult | Outcome, stream: TextIO, fixed: Outcome | None, policy: FixPolicy,
                   hidden: int = 0) -> None:
    count = len(result.diagnostics)
    done = fixed.fixed_count if fixed is not None else 0
    if count == 0:
        note = f", {_plural(done, 'finding')} fixed" if done else ""
        stream.write(f"All checks passed! ({_plural(result.files_checked, 'file')} checked{note})\n")
        if hidden:
            stream.write(f"{_plural(hidden, 'finding')} in the baseline not shown.\n")
        return
    files = len({d.path for d in result.diagnostics})
    note = f", {done} fixed" if done else ""
    stream.write(f"Found {_plural(count, 'finding')} in {_plural(files, 'file')} "
                 f"({_plural(result.files_checked, 'file')} checked{note}).\n")
    if hidden:
        stream.write(f"{_plural(hidden, 'finding')} in the baseline not shown.\n")
    applicable = sum(1 for d in result.diagnostics if getattr(d, "fix_applicable", False))
    hidden = sum(1 for d in result.diagnostics if d.fix is not None and not getattr(d, "fix_applicable", False)
                 and policy.applicability(d.code, d.fix) is Applicability.UNSAFE)
    if applicable and fixed is None:
        stream.write(f"[*] {applicable} fixable with the `--fix` option.\n")
    if hidden and not policy.unsafe:
        stream.write(f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option.\n")


def _plural(n: int, word: str) -> str:
    suffix = "" if n == 1 else ("es" if word.endswith(("x", "s")) else "s")
    return f"{n} {word}{suffix}"


def _write_statistics(diagnostics: list[Diagnostic], stream: TextIO) -> None:
    counts = Counter((d.code, d.name) for d in diagnostics)
    for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        stream.write(f"{count:>5}  {code}  {name}\n")


def _force_exclude(targets: list[Path], config: Config) -> list[Path]:
    """Drop the files named on the command line that an exclude pattern matches."""
    root = config.root.resolve()
    return [path for path in targets
            if not (path.is_file() and is_excluded(relative(path.resolve(), root), config.excludes))]


def _apply_baseline(path: Path, result: RunResult | Outcome, rules: list[type[Rule]]) -> int:
    """Keep only the findings the baseline does not know; report stale entries; return how many were hidden."""
    try:
        baseline = Baseline.load(path)
    except BaselineError as error:
        _fail(str(error))
    filtered = baseline.filter(result.diagnostics, SourceLines(result.sources))
    result.diagnostics = filtered.new
    # A file that does not parse (this time) was not really checked: its entries are not stale.
    checked = [s.path for s in result.sources if s.failure is None]
    stale = baseline.stale(filtered, checked, [r.code for r in rules])
    if stale:
        total = sum(missing for _, missing in stale)
        click.echo(f"lambdalint: baseline {path}: {_plural(total, 'recorded finding')} no longer found "
                   f"(fixed, or the line changed); refresh it with `lambdalint baseline -o {path}`", err=True)
        for key, missing in stale:
            click.echo(f"lambdalint:     {key.code} {key.path} ({missing} of {baseline.counts[key]})", err=True)
    return len(filtered.hidden)


@main.command("baseline")
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="The baseline file to write (default: the `baseline` config key).")
@click.option("--force-exclude", is_flag=True, help="Apply exclude patterns to files named on the command line too.")
@config_option
def write_baseline(paths: tuple[Path, ...], output_file: Path | None, force_exclude: bool,
                   config_path: Path | None) -> None:
    """Record the findings in PATHS so that `check --baseline FILE` reports only new ones."""
    targets = list(paths) or [Path(".")]
    config = _load(config_path, targets)
    registry = _registry()
    try:
        validate_codes(config, registry.codes)
    except ConfigError as error:
        _fail(str(error))
    target = output_file or config.baseline
    if target is None:
        _fail("name the baseline file with -o FILE (or set `baseline` in [tool.lambdalint])")
    assert target is not None
    if force_exclude:
        targets = _force_exclude(targets, config)
    rules = registry.select(config.select, config.extend_select, config.ignore)
    from lambdalint.engine import Engine

    result = Engine(config, rules).check_paths(targets)
    for message in result.messages:
        click.echo(f"lambdalint: {message}", err=True)
    if result.internal_error or result.nothing_checked:
        _fail(f"{target} not written: the run was incomplete")
    data = build_baseline(result.diagnostics, target.parent, SourceLines(result.sources))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(dump_baseline(data))
    except OSError as error:
        _fail(f"cannot write {target}: {error.strerror or error}")
    unparsable = sum(1 for d in result.diagnostics if d.code == SYNTAX_ERROR_CODE)
    recorded = sum(entry["count"] for entry in data["findings"])
    files = len({entry["path"] for entry in data["findings"]})
    click.echo(f"Wrote {_plural(recorded, 'finding')} in {_plural(files, 'file')} to {target}.")
    if unparsable:
        click.echo(f"lambdalint: warning: {_plural(unparsable, 'file')} that do not parse (LAM000) "
                   "cannot be baselined and will still be reported", err=True)
    sys.exit(EXIT_CLEAN)


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def list_rules(output_format: str) -> None:
    """List every rule: code, name, severity, fix and whether it is on by default."""
    rules = _registry().sorted()
    if output_format == "json":
        data = [
            {"code": r.code, "name": r.name, "severity": r.severity.value, "fix": r.fix.value,
             "default": r.default_enabled, "summary": r.summary()}
            for r in rules
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for r in rules:
        default = "on" if r.default_enabled else "opt-in"
        click.echo(f"{r.code}  {r.name:<36} {r.severity.value:<8} fix:{r.fix.value:<7} {default}")


@main.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Show the documentation of rule CODE."""
    rules = _registry().rules
    rule = rules.get(code.upper())
    if rule is None:
        by_name = {r.name: r for r in rules.values()}
        rule = by_name.get(code.lower())
    if rule is None:
        _fail(f"unknown rule '{code}' (see `lambdalint rules`)")
    from lambdalint.docs import render_terminal

    click.echo(render_terminal(rule), nl=False)


@main.command()
@click.option("--stdio", is_flag=True, help="Accepted for clients that add it: stdio is the only transport.")
def server(stdio: bool) -> None:
    """Run the language server (LSP over stdio) that editors start; needs the `lsp` extra."""
    try:
        import pygls  # noqa: F401
        import lsprotocol  # noqa: F401
    except ImportError as error:
        _fail(f"`lambdalint server` needs the language server extra ({error.name} is not installed): "
              "pip install 'lambdalint[lsp]'")
    from lambdalint.lsp.server import serve

    serve()


@main.group()
def daemon() -> None:
    """The daemon that `check --daemon` runs in: it keeps LibCST, the model and the
    rules loaded between runs (for pre-commit). It stops by itself after 30 minutes
    without a run, and when lambdalint or a rule plugin is changed or installed."""


def _no_daemons() -> None:
    _fail("the lambdalint daemon needs Unix sockets and a private folder for them "
          "(set LAMBDALINT_DAEMON_DIR); `check --daemon` runs in the process here")


@daemon.command("start")
def daemon_start() -> None:
    """Start the daemon in the background unless it runs, and wait until it answers."""
    from lambdalint import daemon as daemons

    if daemons.address() is None:
        _no_daemons()
    found = daemons.start()
    if found is None:
        _fail("the daemon did not start (try `lambdalint daemon run` to see why)")
    click.echo(f"lambdalint daemon running (pid {found['pid']}, {found['address']})")


@daemon.command("stop")
def daemon_stop() -> None:
    """Stop the daemon."""
    from lambdalint import daemon as daemons

    click.echo("lambdalint daemon stopped" if daemons.stop() else "no lambdalint daemon was running")


@daemon.command("status")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def daemon_status(output_format: str) -> None:
    """Whether the daemon runs (exit 0) or not (exit 1), its pid and what it did."""
    from lambdalint import daemon as daemons

    found = daemons.status()
    if output_format == "json":
        click.echo(json.dumps(found, indent=2))
    elif found is None:
        click.echo("no lambdalint daemon is running")
    else:
        click.echo(f"lambdalint daemon running: pid {found['pid']}, up {found['uptime']} s, "
                   f"{_plural(found['answered'], 'run')} answered, peak memory {found['peak_memory_mb']} MB, "
                   f"{found['address']}")
    sys.exit(EXIT_CLEAN if found is not None else EXIT_FINDINGS)


@daemon.command("run")
@click.option("--idle-timeout", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
              help="Stop after this long without a run (default: 1800).")
def daemon_run(idle_timeout: float | None) -> None:
    """Run the daemon in the foreground (what `start` and `check --daemon` start)."""
    from lambdalint import daemon as daemons

    path = daemons.address()
    if path is None:
        _no_daemons()
    served = daemons.Daemon(path, idle_timeout or daemons.IDLE_TIMEOUT).serve()
    if served:
        _fail("another lambdalint daemon is running (`lambdalint daemon status`)")


@main.command()
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
@config_option
def handlers(paths: tuple[Path, ...], output_format: str, config_path: Path | None) -> None:
    """Show the handlers found in PATHS, why, what runs per invocation, and where their imports come from."""
    targets = list(paths) or [Path(".")]
    config = _load(config_path, targets)
    runner = Runner(config, [], jobs=1)
    entries = []
    for environment, result in runner.explore(targets):
        try:
            entries += _handler_entries(result, environment, runner.vendored)
        finally:
            result.close()
    for message in runner.messages:
        click.echo(f"lambdalint: {message}", err=True)
    entries.sort(key=lambda e: (e["file"], e["line"], e["handler"]))
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2))
    else:
        if not entries:
            click.echo("No handlers found. Name them in [tool.lambdalint] handlers = [\"path/app.py:func\"].")
        for entry in entries:
            click.echo(f"{entry['file']}:{entry['line']}: {entry['handler']} "
                       f"[{entry['kind']}: {entry['reason']}]")
            for deployed in entry["deployments"]:
                click.echo(f"    deployed as {deployed['function']} ({deployed['template']}:{deployed['line']}): "
                           f"runtime {deployed['runtime'] or '?'}, timeout {_shown(deployed, 'timeout', 's')}, "
                           f"memory {_shown(deployed, 'memory', 'MB')}")
            click.echo(f"    imports from: {_environment_text(entry['environment'])}")
            for item in entry["invocation_scope"]:
                via = " -> ".join(name.rsplit(".", 1)[-1] if i else name for i, name in enumerate(item["via"]))
                click.echo(f"    {item['file']}:{item['line']}: {item['function']}  (via {via})")
    nothing = not entries and any("no such file" in m or "cannot read" in m for m in runner.messages)
    sys.exit(EXIT_ERROR if nothing else EXIT_CLEAN)


def _handler_entries(result: RunResult, environment: Environment | None, vendored: list[str]) -> list[dict]:
    from lambdalint.model import display_name

    project = result.project
    if project is None:
        return []
    deployment = result.deployment
    env = _environment_data(environment, vendored)
    entries = []
    for model in sorted(project.models, key=lambda m: m.rel_path):
        for entry in model.entry_points:
            scope = [
                {"function": display_name(m, f), "file": m.rel_path, "line": _line_of(m, f),
                 "via": list(chain)}
                for m, f, chain in project.in_scope_functions()
                if chain and chain[0] == display_name(model, entry.function) and f is not entry.function
            ]
            entries.append({
                "handler": display_name(model, entry.function),
                "file": model.rel_path,
                "line": _line_of(model, entry.function),
                "kind": entry.kind,
                "reason": entry.reason,
                "async": entry.function.is_async,
                "invocation_scope": scope,
                "deployments": [_deployed(f) for f in deployment.functions_of(model, entry.function.qualname)]
                if deployment is not None else [],
                "environment": env,
            })
    return entries


def _environment_data(environment: Environment | None, vendored: list[str]) -> dict:
    """Where a handler's imports come from, for `lambdalint handlers`: its code root, the
    folders its layers put on the path, and the installed packages left out beneath them."""
    if environment is None:
        return {"name": "the checked files", "kind": "flat", "code_root": ".", "layers": [], "skipped": []}
    roots = [root or "." for root in environment.roots]
    skipped = [v for v in vendored if any(root == "." or v.startswith(root + "/") for root in roots)]
    return {"name": environment.name, "kind": environment.kind, "code_root": roots[0], "layers": roots[1:],
            "skipped": skipped}


def _environment_text(env: dict) -> str:
    kind = {"template": "code root", "configured": "code root, from config `src`",
            "inferred": "code root, inferred", "flat": "the checked files as one import space"}[env["kind"]]
    root = env["code_root"].rstrip("/") + "/"
    text = f"{root} ({kind})" if env["kind"] != "flat" else kind
    if env["layers"]:
        text += "; layers: " + ", ".join(f"{layer}/" for layer in env["layers"])
    if env["skipped"]:
        shown = ", ".join(env["skipped"][:5]) + (f" and {len(env['skipped']) - 5} more" if len(env["skipped"]) > 5 else "")
        text += f"; installed packages left out: {shown}"
    return text


def _deployed(function) -> dict:  # type: ignore[no-untyped-def]
    """A template function's settings as `lambdalint handlers` shows them (None: computed by the template)."""
    return {
        "template": function.template.rel_path,
        "line": function.where.line,
        "function": function.name,
        "runtime": function.runtime.value if function.runtime is not None else None,
        "timeout": function.timeout_seconds,
        "timeout_default": function.timeout is None,
        "memory": function.memory_mb,
        "memory_default": function.memory is None,
    }


def _shown(deployed: dict, key: str, unit: str) -> str:
    value = deployed[key]
    if value is None:
        return "computed by the template"
    number = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{number} {unit}" + (" (default)" if deployed[f"{key}_default"] else "")


def _line_of(model, function) -> int:  # type: ignore[no-untyped-def]
    return model.line_of(function.node.name)


if __name__ == "__main__":  # pragma: no cover
    main()
