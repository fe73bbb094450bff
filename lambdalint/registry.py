"""Finding rules: the built-in `lambdalint.rules` package plus third-party packs.

Third-party packs register an entry point in the group `lambdalint.rules`
that names a Rule subclass or a module holding some. A broken pack is
reported and skipped; it never takes the built-in rules down with it.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import pkgutil
import sys
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterable

from lambdalint.diagnostics import SYNTAX_ERROR_CODE

if TYPE_CHECKING:
    from importlib.metadata import EntryPoints

    from lambdalint.cache import ResultCache
    from lambdalint.rule import Rule

ENTRY_POINT_GROUP = "lambdalint.rules"


@dataclass
class Registry:
    rules: dict[str, type[Rule]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, rule: type[Rule], origin: str) -> None:
        from lambdalint.rule import validate_rule_class

        problems = validate_rule_class(rule)
        if problems:
            self.warnings.append(f"rule {rule.__name__} from {origin} skipped: {'; '.join(problems)}")
            return
        existing = self.rules.get(rule.code)
        if existing is not None and existing is not rule:
            self.warnings.append(
                f"rule {rule.__name__} from {origin} skipped: code {rule.code} is taken by {existing.__name__}"
            )
            return
        self.rules[rule.code] = rule

    def sorted(self) -> list[type[Rule]]:
        return [self.rules[code] for code in sorted(self.rules)]

    @property
    def codes(self) -> list[str]:
        return sorted([*self.rules, SYNTAX_ERROR_CODE])

    def select(
        self,
        select: list[str] | None,
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
    ) -> list[type[Rule]]:
        """Rules enabled by selectors: codes, prefixes (`LAM1`) or `ALL`.

        Opt-in rules come on only through `ALL` or their full code; a family
        prefix selects the family's default rules.
        """
        chosen: set[str] = set()
        if select is None:
            chosen = {code for code, rule in self.rules.items() if rule.default_enabled}
        else:
            chosen = self._expand(select)
        chosen |= self._expand(extend_select)
        chosen -= self._expand(ignore, include_opt_in=True)
        return [self.rules[code] for code in sorted(chosen)]

    def _expand(self, selectors: Iterable[str], include_opt_in: bool = False) -> set[str]:
        codes: set[str] = set()
        for selector in selectors:
            for code, rule in self.rules.items():
                if selector == "ALL" or code == selector:
                    codes.add(code)
                elif code.startswith(selector) and (rule.default_enabled or include_opt_in):
                    codes.add(code)
        return codes


def rules_in_module(module: ModuleType) -> list[type[Rule]]:
    from lambdalint.rule import Rule

    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
        and getattr(obj, "code", None)
    ]


def plugin_identities(store: ResultCache | None = None) -> list[str]:
    """What the installed rule plugins are, without loading them: each entry point
    and the version of the distribution that provides it. With the version of
    lambdalint, this says which rules exist (`cache.selection_key`).

    With ``store`` (in the run's cache folder), the answer is kept there under what
    the search for distributions looks at (`distributions_stamp`), and read back
    while that is unchanged: a run the cache answers then never imports
    `importlib.metadata` (its import and the search cost about 30 ms, a sixth of
    such a run on aws-serverless-ecommerce-platform)."""
    stamp = distributions_stamp() if store is not None else None
    if store is not None and stamp is not None:
        kept = store.get(stamp)
        found = kept.get("plugins") if isinstance(kept, dict) else None
        if isinstance(found, list) and all(isinstance(item, str) for item in found):
            return found
    found = sorted(
        f"{entry.name}={entry.value} ({_owner(entry)})" for entry in _entry_points())
    if store is not None and stamp is not None:
        store.put(stamp, {"plugins": found})
    return found


PLUGINS_STORE = "plugins-1"  # the folder of the results cache where they are kept
RACY_SECONDS = 2


def distributions_stamp() -> str | None:
    """A digest of what `importlib.metadata` looks at to find the installed
    distributions and their entry points, by `stat` alone: each folder on
    ``sys.path`` (a distribution installed, removed or upgraded adds, removes or
    renames a `.dist-info` folder in it, which changes its modification time) and
    each distribution's `entry_points.txt` there (edited in place by a
    development install). None when `stat` cannot tell: a finder other than
    Python's own lists distributions too, or something was modified in the last
    ``RACY_SECONDS`` (a change within the same tick of the clock would leave its
    `stat` as it was: git's "racy" entries)."""
    from importlib.machinery import PathFinder

    if any(finder is not PathFinder and hasattr(finder, "find_distributions") for finder in sys.meta_path):
        return None
    racy = time.time_ns() - RACY_SECONDS * 1_000_000_000
    seen: list[Any] = [sys.executable, sys.version]
    for entry in dict.fromkeys(sys.path):
        if not isinstance(entry, str):  # a tool put something else there: searched each time
            return None
        folder = entry or "."
        try:
            status = os.stat(folder)
        except OSError:
            seen.append([entry])
            continue
        infos = _dist_infos(folder, racy)
        if status.st_mtime_ns >= racy or infos is None:
            return None
        seen.append([entry, status.st_mtime_ns, status.st_ino, status.st_size, infos])
    return hashlib.sha256(json.dumps([os.getcwd(), seen]).encode()).hexdigest()


def _dist_infos(folder: str, racy: int) -> list[Any] | None:
    """The distributions' metadata in a folder on ``sys.path``, with the `stat` of
    their entry points; [] for a file (a zip archive: its own `stat` says it all);
    None when one was modified too recently to tell."""
    found: list[Any] = []
    try:
        entries = os.scandir(folder)
    except OSError:  # a file, or a folder that cannot be listed: the search finds nothing there
        return []
    with entries:
        for item in entries:
            low = item.name.lower()
            if not (low.endswith((".dist-info", ".egg-info"))
                    or (low == "egg-info" and folder.lower().endswith(".egg"))):
                continue
            place = os.path.join(item.path, "entry_points.txt")
            try:
                status = os.stat(place if item.is_dir() else item.path)
            except OSError:
                found.append([item.name])
                continue
            if status.st_mtime_ns >= racy:
                return None
            found.append([item.name, status.st_mtime_ns, status.st_size, status.st_ino])
    return sorted(found)


def _entry_points() -> EntryPoints:
    from importlib.metadata import entry_points

    return entry_points(group=ENTRY_POINT_GROUP)


def _owner(entry: Any) -> str:
    dist = getattr(entry, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "?"


def load_registry(include_plugins: bool = True) -> Registry:
    from lambdalint.rule import Rule

    registry = Registry()
    import lambdalint.rules as builtin

    for info in sorted(pkgutil.iter_modules(builtin.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{builtin.__name__}.{info.name}")
        for rule in rules_in_module(module):
            registry.add(rule, module.__name__)
    if include_plugins:
        for entry in _entry_points():
            try:
                loaded = entry.load()
            except Exception as error:  # noqa: BLE001 - a broken plugin must not stop the run
                registry.warnings.append(f"cannot load rule plugin {entry.name!r} ({entry.value}): {error}")
                continue
            if inspect.isclass(loaded) and issubclass(loaded, Rule):
                registry.add(loaded, entry.value)
            elif inspect.ismodule(loaded):
                for rule in rules_in_module(loaded):
                    registry.add(rule, entry.value)
            else:
                registry.warnings.append(
                    f"rule plugin {entry.name!r} ({entry.value}) is neither a Rule subclass nor a module"
                )
    return registry
