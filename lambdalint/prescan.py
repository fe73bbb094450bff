"""A text-only look at every file before anything is parsed.

Two questions decide how much work a file needs. Could it hold a Lambda entry
point (then it and everything it imports form a unit that needs the full
execution model)? And could any rule that works outside invocation scope fire
in it (then it is parsed on its own)? A file that answers no to both is only
syntax-checked with CPython's much cheaper parser. The answers over-approximate:
a hint that is not really a handler costs time, never a finding.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from lambdalint import catalog
from lambdalint.model.imports import module_name_for

_DECORATOR_WORDS = sorted(catalog.LAMBDA_DECORATORS_ANYWHERE | catalog.LAMBDA_DECORATORS_POWERTOOLS)
_HANDLER_NAMES = sorted(catalog.HANDLER_FUNCTION_NAMES)
_EVENT, _CONTEXT = (sorted(group) for group in catalog.HANDLER_PARAM_NAMES)
# Each is a necessary condition of some ways the model finds entry points. They
# are separate expressions, each starting with a literal the regex engine looks
# for first: one alternation of them all was tried at every position of the
# text (ten times slower).
ENTRY_HINTS = [re.compile(pattern) for pattern in (
    r"def\s+(?:" + "|".join(_HANDLER_NAMES) + r")\s*[(\[]"
    r"|def\s+\w+\s*(?:\[[^\n]*?\]\s*)?\(\s*(?:" + "|".join(_EVENT) + r")\b[^,)]*,\s*(?:" + "|".join(_CONTEXT) + r")\b",
    r"@[\w.]*\b(?:" + "|".join(_DECORATOR_WORDS) + r")\b"
    r"|@\w+\.(?:" + "|".join(sorted(catalog.ROUTE_METHODS)) + r")\s*\(",
    r"(?:" + "|".join(sorted(catalog.RECORD_HANDLER_KEYWORDS)) + r")\s*=",
)]
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)
_NAME = re.compile(r"[A-Za-z_][\w.]*")


@dataclass(frozen=True)
class Prescan:
    rel_path: str
    module_name: str  # seen from the working directory (an environment may name it otherwise)
    may_have_entry: bool
    imports: tuple[str, ...]  # absolute dotted names that may be modules of the checked tree
    # Relative imports as folder paths without suffix (`from .db import x` in
    # `src/orders/app.py` is `src/orders/db` and `src/orders/db/x`): what they name does
    # not depend on the environment.
    relative: tuple[str, ...] = ()


def imported_names(rel_path: str, text: str) -> list[tuple[str, bool]]:
    """What a file's import statements name, as (dotted module name, False) or, for a
    relative import, (folder path without suffix, True); a `from m import a, b` gives
    `m`, `m.a` and `m.b` (any of them may be a module). Text only, like `scan`."""
    found = scan(rel_path, text)
    return [(name, False) for name in found.imports] + [(path, True) for path in found.relative]


def scan(rel_path: str, text: str) -> Prescan:
    module_name, _ = module_name_for(rel_path)
    folder = posixpath.dirname(rel_path)
    imports: list[str] = []
    relative: list[str] = []
    for match in _FROM_IMPORT.finditer(text):
        dots, module, names = match.groups()
        listed = _NAME.findall(names.replace(" as ", " , "))
        if dots:
            base = folder
            for _ in range(len(dots) - 1):
                base = posixpath.dirname(base)
            path = "/".join(p for p in (base, module.replace(".", "/")) if p)
            if module:
                relative.append(path)
            relative.extend(f"{path}/{name}" if path else name for name in listed if "." not in name)
            continue
        if not module:
            continue
        imports.append(module)
        for name in listed:
            imports.append(f"{module}.{name}")
    for match in _IMPORT.finditer(text):
        for item in match.group(1).split(","):
            name = item.strip().split(" ")[0]
            if name:
                imports.append(name)
    return Prescan(rel_path, module_name, any(hint.search(text) is not None for hint in ENTRY_HINTS),
                   tuple(dict.fromkeys(imports)), tuple(dict.fromkeys(relative)))
