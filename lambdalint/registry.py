"""Finding rules: the built-in `lambdalint.rules` package plus third-party packs.

Third-party packs register an entry point in the group `lambdalint.rules`
that names a Rule subclass or a module holding some. A broken pack is
reported and skipped; it never takes the built-in rules down with it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Iterable

from lambdalint.diagnostics import SYNTAX_ERROR_CODE

if TYPE_CHECKING:
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


def plugin_identities() -> list[str]:
    """What the installed rule plugins are, without loading them: each entry point
    and the version of the distribution that provides it. With the version of
    lambdalint, this says which rules exist (`cache.selection_key`)."""
    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(entry, "dist", None)
        owner = f"{dist.name} {dist.version}" if dist is not None else "?"
        found.append(f"{entry.name}={entry.value} ({owner})")
    return sorted(found)


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
        for entry in entry_points(group=ENTRY_POINT_GROUP):
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
