"""Checking editor buffers: the part of the language server that knows lambdalint
and nothing of the protocol.

A buffer is checked the way `lambdalint check FILE` checks a file named on its
own (`Runner.run`): inside its project, with the unsaved text of every open
buffer in place of what is on disk, reporting only the findings in the file.
One Runner (and so one Engine, with its rules) lives per configuration file and
working folder for the whole session; a change to one file re-checks only the
units that hold it (`Runner.run` of one file), and saved text is read through the
results cache that `lambdalint check` fills. The disk is read on
every check (files other than the open buffers can change at any time: a `git
checkout`, a formatter), which costs little beside checking.

Every method runs on one thread (the server's checking thread): a check changes
the working directory to the file's workspace folder, because lambdalint, like
the command line, names files and reads `src` relative to it.
"""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from lambdalint.autofix import FixPolicy, run_fixes
from lambdalint.cache import CACHE_DIR_NAME
from lambdalint.config import Config, ConfigError, find_config, load_config, validate_codes
from lambdalint.diagnostics import ChainLink, Diagnostic
from lambdalint.discovery import is_excluded, project_root, relative
from lambdalint.registry import Registry, load_registry
from lambdalint.runner import Runner
from lambdalint.source import DecodeError, decode, parse_source, split_lines


class ConfigProblem(Exception):
    """The configuration that applies to a file cannot be used (the message says why)."""


@dataclass
class Checked:
    """What a check of one buffer found."""

    text: str  # the buffer as checked: the findings' positions are in it
    diagnostics: list[Diagnostic] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    policy: FixPolicy = field(default_factory=FixPolicy)  # the configured fix policy
    skipped: str | None = None  # why the file is not checked (an `exclude` pattern)


@dataclass
class Fixed:
    """The buffer after its safe fixes (None: nothing to fix) and what the fixing said."""

    text: str | None
    messages: list[str] = field(default_factory=list)
    failed: bool = False


@dataclass
class _Setup:
    cwd: Path
    config: Config
    runner: Runner
    cache_dir: Path  # the results cache `lambdalint check` uses
    policy: FixPolicy


def encode_text(text: str) -> bytes:
    """A buffer's text as the bytes its file would hold: in the encoding its PEP 263
    cookie declares (UTF-8 without one), so the engine decodes it back to the same text."""
    head = "".join(split_lines(text)[:2])
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(head.encode("utf-8", "surrogatepass")).readline)[0]
    except SyntaxError:
        encoding = "utf-8"
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        return text.encode(encoding, "surrogatepass" if encoding == "utf-8" else "strict")
    except LookupError:  # an unknown codec: the engine reports it (LAM000)
        return text.encode("utf-8", "surrogatepass")
    except UnicodeEncodeError:  # a character the declared encoding lacks: one `?` for it
        return text.encode(encoding, "replace")


class Checker:
    """Checks buffers for one editor session (``folders``: its workspace folders)."""

    def __init__(self, folders: list[Path] | None = None, registry: Registry | None = None) -> None:
        self.folders = [Path(os.path.abspath(f)) for f in folders or []]
        self.registry = registry or load_registry()
        self._configs: dict[Path, Path | None] = {}  # folder -> its config file
        self._setups: dict[tuple[Path, Path | None], _Setup] = {}
        self._errors: dict[tuple[Path, Path | None], str] = {}

    def reload(self) -> None:
        """Forget every configuration read (a `pyproject.toml` changed): the next check
        finds and reads them again, with a new runner."""
        self._configs.clear()
        self._setups.clear()
        self._errors.clear()

    def config_files(self) -> list[Path]:
        """The configuration files in use."""
        return sorted({path for _, path in self._setups if path is not None})

    # -- per file ------------------------------------------------------------------------

    def _cwd_for(self, path: Path) -> Path:
        """The folder a check runs in: the innermost workspace folder that holds the file,
        as if `lambdalint check` ran there; else the file's project, or its folder."""
        holders = [f for f in self.folders if f == path or f in path.parents]
        if holders:
            return max(holders, key=lambda f: len(f.parts))
        return project_root(path) or path.parent

    def _setup(self, path: Path) -> _Setup:
        cwd = self._cwd_for(path)
        if Path.cwd() != cwd:
            os.chdir(cwd)
        folder = path.parent
        if folder not in self._configs:
            start = folder
            while not start.exists() and start != start.parent:
                start = start.parent
            try:
                self._configs[folder] = find_config(start)
            except ConfigError as error:  # a pyproject.toml on the way that is not TOML
                raise ConfigProblem(str(error)) from None
        config_path = self._configs[folder]
        key = (cwd, config_path)
        setup = self._setups.get(key)
        if setup is not None:
            return setup
        if key in self._errors:
            raise ConfigProblem(self._errors[key])
        try:
            config = load_config(config_path)
            validate_codes(config, self.registry.codes)
        except ConfigError as error:
            self._errors[key] = str(error)
            raise ConfigProblem(str(error)) from None
        rules = self.registry.select(config.select, config.extend_select, config.ignore)
        cache_dir = config.cache_dir or config.root / CACHE_DIR_NAME
        runner = Runner(config, rules, jobs=1, cache_dir=cache_dir)
        policy = FixPolicy(unsafe=config.unsafe_fixes, fixable=config.fixable, unfixable=config.unfixable,
                           extend_safe=config.extend_safe_fixes, extend_unsafe=config.extend_unsafe_fixes)
        setup = self._setups[key] = _Setup(cwd, config, runner, cache_dir, policy)
        return setup

    def _excluded(self, setup: _Setup, path: Path) -> bool:
        """Whether an `exclude` pattern matches the file, as `--force-exclude` reads them:
        an editor opens files the configuration leaves out (tests, generated code)."""
        root = setup.config.root.resolve()
        resolved = path.resolve()
        if root not in resolved.parents:
            return False
        return is_excluded(relative(resolved, root), setup.config.excludes)

    def check(self, path: Path, text: str, dirty: Mapping[str, str] | None = None) -> Checked:
        """Check a buffer inside its project. ``dirty``: the other open buffers whose text
        differs from their file (by absolute path), seen instead of the disk. Raises
        ConfigProblem when the configuration cannot be used."""
        path = Path(os.path.abspath(path))
        setup = self._setup(path)
        checked = Checked(text, policy=setup.policy)
        if self._excluded(setup, path):
            checked.skipped = "excluded by the configuration"
            return checked
        data = encode_text(text)
        if not path.is_file():  # not saved yet: checked alone
            engine = setup.runner.engine
            result = engine.check_sources([parse_source(path, relative(path), data)], warn_unmatched=False,
                                          templates=False)
            result.close()
            checked.diagnostics, checked.messages = _absolute(list(result.diagnostics)), list(result.messages)
            return checked
        runner = setup.runner
        overrides = {os.path.abspath(p): encode_text(t) for p, t in (dirty or {}).items()}
        # Saved text is checked through the results cache, as `lambdalint check` would
        # (a file opened after a run is answered from it). Text being edited is not:
        # the units that hold it are new each time, and storing their results (which
        # prints every fix's edits) would cost more than the check.
        runner.cache_dir = setup.cache_dir if not overrides and _same_as_disk(path, data) else None
        overrides[str(path)] = data
        runner.overrides = overrides
        try:
            outcome = runner.run([path])
        finally:
            runner.overrides = {}
        checked.diagnostics = _absolute([d for d in outcome.diagnostics if os.path.abspath(d.path) == str(path)])
        checked.messages = [*outcome.problems, *outcome.messages]
        return checked

    def fix_all(self, path: Path, text: str, dirty: Mapping[str, str] | None = None) -> Fixed:
        """The buffer with every safe fix applied, the way `lambdalint check --fix` fixes
        the file (passes re-parsed and re-checked until nothing is left to fix)."""
        path = Path(os.path.abspath(path))
        setup = self._setup(path)
        if self._excluded(setup, path):
            return Fixed(None)
        config = setup.config
        policy = FixPolicy(unsafe=False, fixable=config.fixable, unfixable=config.unfixable,
                           extend_safe=config.extend_safe_fixes, extend_unsafe=config.extend_unsafe_fixes)
        data = encode_text(text)
        if not path.is_file():
            run = run_fixes(setup.runner.engine, [parse_source(path, relative(path), data)], policy)
            after = run.files[0].fixed.data if run.files and run.files[0].changed else None
            messages, failed = run.messages, run.failed
        else:
            runner = setup.runner
            overrides = {os.path.abspath(p): encode_text(t) for p, t in (dirty or {}).items()}
            overrides[str(path)] = data
            runner.overrides = overrides
            try:
                outcome = runner.run([path], policy)
            finally:
                runner.overrides = {}
            records = [f for f in outcome.changed if os.path.abspath(f.path) == str(path)]
            after = records[0].after if records else None
            messages, failed = [*outcome.problems, *outcome.messages], outcome.fix_failed
        if after is None:
            return Fixed(None, messages, failed)
        try:
            fixed = decode(after)[0]
        except DecodeError:  # pragma: no cover - fixes keep the encoding
            return Fixed(None, messages, True)
        if text.startswith("\ufeff") and not fixed.startswith("\ufeff"):
            fixed = "\ufeff" + fixed
        return Fixed(fixed, messages, failed)


def _absolute(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The findings with the files of their call chains as absolute paths: they are named
    relative to the working directory, which the next check may change."""
    for diagnostic in diagnostics:
        if diagnostic.chain:
            diagnostic.chain = tuple(ChainLink(link.function, Path(os.path.abspath(link.path)), link.row)
                                     for link in diagnostic.chain)
    return diagnostics


def _same_as_disk(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False
