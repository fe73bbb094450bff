"""`[tool.lambdalint]` in pyproject.toml: found, read and validated once per run.

A bad config never half-runs: every problem is a ConfigError naming the key
and the file, the CLI prints it on one line and exits 2 before checking.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from lambdalint.diagnostics import Severity
from lambdalint.model import HandlerSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

OUTPUT_FORMATS = ("text", "full", "json", "jsonl", "sarif", "github")

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "__pycache__", ".tox", ".nox",
    "node_modules", "build", "dist", ".eggs", "*.egg-info", ".aws-sam", ".serverless",
    "cdk.out", ".terraform", ".terragrunt-cache", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".lambdalint_cache", "site-packages",
)


class ConfigError(Exception):
    """A problem with configuration or options; the message is user-facing."""


@dataclass
class Config:
    path: Path | None = None
    select: list[str] | None = None  # None: the default set (every rule not opt-in)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    extend_exclude: list[str] = field(default_factory=list)
    handlers: list[HandlerSpec] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.INFO
    output_format: str = "text"
    extra_clients: list[str] = field(default_factory=list)
    extra_connections: list[str] = field(default_factory=list)
    fix: bool = False
    unsafe_fixes: bool = False
    fixable: list[str] = field(default_factory=lambda: ["ALL"])
    unfixable: list[str] = field(default_factory=list)
    extend_safe_fixes: list[str] = field(default_factory=list)
    extend_unsafe_fixes: list[str] = field(default_factory=list)
    default_timeout: float = 10.0  # seconds, for fixes that add a timeout
    templates: list[Path] = field(default_factory=list)  # explicit deployment templates
    baseline: Path | None = None  # findings file to subtract
    jobs: int | None = None  # processes; None or 0: the number of cores
    cache_dir: Path | None = None  # results cache (default: .lambdalint_cache beside the config)
    extra_timeout_calls: list[str] = field(default_factory=list)  # more calls that need `timeout=`
    # Code roots of code no template describes (folders or globs, relative to the
    # working directory once read): like ruff's `src`, where its imports start.
    src: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """Where relative config paths (per-file-ignores, exclude) are anchored."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "the command line"

    @property
    def excludes(self) -> list[str]:
        return [*self.exclude, *self.extend_exclude]

    def severity_for(self, rule: Any) -> Severity:
        """A rule's configured severity: the most specific `severity` entry wins."""
        best: tuple[int, Severity] | None = None
        for selector, level in self.severity.items():
            if rule.code.startswith(selector) and (best is None or len(selector) > best[0]):
                best = (len(selector), level)
        return best[1] if best else rule.severity


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.lambdalint] table, upward from start."""
    start = start.resolve()
    for directory in [start, *start.parents] if start.is_dir() else list(start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return candidate
    return None


def _has_table(path: Path) -> bool:
    data = _read_toml(path)
    return isinstance(data.get("tool"), dict) and "lambdalint" in data["tool"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except UnicodeDecodeError as error:  # TOML is UTF-8 only; tomllib lets this through
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file (None: defaults)."""
    if path is None:
        return Config()
    data = _read_toml(path)
    table = data.get("tool", {}).get("lambdalint") if isinstance(data.get("tool"), dict) else None
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.lambdalint] must be a table")
    return parse_table(table, path)


def _strings(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def parse_table(table: dict[str, Any], path: Path | None) -> Config:
    where = str(path) if path else "configuration"
    config = Config(path=path)
    for key, value in table.items():
        if key == "select":
            config.select = _strings(value, key, where)
        elif key == "extend-select":
            config.extend_select = _strings(value, key, where)
        elif key == "ignore":
            config.ignore = _strings(value, key, where)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
            config.per_file_ignores = {
                str(glob): _strings(codes, f"per-file-ignores.{glob}", where) for glob, codes in value.items()
            }
        elif key == "exclude":
            config.exclude = _strings(value, key, where)
        elif key == "extend-exclude":
            config.extend_exclude = _strings(value, key, where)
        elif key == "handlers":
            try:
                config.handlers = [HandlerSpec.parse(h) for h in _strings(value, key, where)]
            except ValueError as error:
                raise ConfigError(f"{where}: 'handlers': {error}") from None
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'severity' must be a table of code = level")
            for code, level in value.items():
                if not isinstance(level, str):
                    raise ConfigError(f"{where}: 'severity.{code}' must be a string")
                try:
                    config.severity[str(code)] = Severity.parse(level)
                except ValueError as error:
                    raise ConfigError(f"{where}: 'severity.{code}': {error}") from None
        elif key == "fail-on":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: 'fail-on' must be a string")
            try:
                config.fail_on = Severity.parse(value)
            except ValueError as error:
                raise ConfigError(f"{where}: 'fail-on': {error}") from None
        elif key == "output-format":
            if value not in OUTPUT_FORMATS:
                raise ConfigError(
                    f"{where}: 'output-format' must be one of {', '.join(OUTPUT_FORMATS)}, not {value!r}"
                )
            config.output_format = value
        elif key in ("fix", "unsafe-fixes"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: '{key}' must be true or false")
            setattr(config, key.replace("-", "_"), value)
        elif key in ("fixable", "unfixable", "extend-safe-fixes", "extend-unsafe-fixes"):
            setattr(config, key.replace("-", "_"), _strings(value, key, where))
        elif key == "default-timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 900:
                raise ConfigError(f"{where}: 'default-timeout' must be a number of seconds above 0 and at most 900")
            config.default_timeout = float(value)
        elif key == "jobs":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where}: 'jobs' must be a whole number, 0 for one process per core")
            config.jobs = value
        elif key == "cache-dir":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: 'cache-dir' must be a folder path")
            config.cache_dir = config.root / value
        elif key == "templates":
            config.templates = [config.root / p for p in _strings(value, key, where)]
        elif key == "src":
            from lambdalint.discovery import relative

            config.src = [relative(config.root / p) for p in _strings(value, key, where)]
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: 'baseline' must be a file path")
            config.baseline = config.root / value
        elif key == "extra-clients":
            config.extra_clients = _dotted(value, key, where)
        elif key == "extra-connections":
            config.extra_connections = _dotted(value, key, where)
        elif key == "extra-timeout-calls":
            config.extra_timeout_calls = _dotted(value, key, where)
        else:
            raise ConfigError(f"{where}: unknown key '{key}' in [tool.lambdalint]")
    return config


def _dotted(value: Any, key: str, where: str) -> list[str]:
    names = _strings(value, key, where)
    for name in names:
        # A part may end in `()`: `mycorp.http.Client().get` is the `get` method of a Client.
        if not all(part.removesuffix("()").isidentifier() for part in name.split(".")):
            raise ConfigError(f"{where}: '{key}': {name!r} is not a dotted name like 'mycorp.db.connect'")
    return names


def validate_codes(config: Config, known: Iterable[str]) -> None:
    """Every code or prefix in the config must name at least one rule."""
    codes = sorted(set(known))

    def check(selector: str, key: str) -> None:
        if selector == "ALL":
            return
        if not any(code.startswith(selector) for code in codes):
            where = f"'{key}'" if config.path else f"--{key}"
            raise ConfigError(f"{config.source}: unknown rule code or prefix '{selector}' in {where}")

    for key, values in (
        ("select", config.select or []),
        ("extend-select", config.extend_select),
        ("ignore", config.ignore),
    ):
        for value in values:
            check(value, key)
    for key, values in (
        ("fixable", config.fixable),
        ("unfixable", config.unfixable),
        ("extend-safe-fixes", config.extend_safe_fixes),
        ("extend-unsafe-fixes", config.extend_unsafe_fixes),
    ):
        for value in values:
            check(value, key)
    for glob, values in config.per_file_ignores.items():
        for value in values:
            check(value, f"per-file-ignores.{glob}")
    for code in config.severity:
        check(code, "severity")

