"""What a fix is once it is text: its applicability, its edits, and the policy that
says which fixes apply.

These are plain data, free of LibCST: a run answered from the cache prints findings
and says which of them `--fix` would change without importing the parser or any rule.
The tree side of a fix (`Fix`, which replaces nodes) lives in `lambdalint.fix`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdalint.diagnostics import Diagnostic


class Applicability(str, enum.Enum):
    """Ruff's vocabulary: safe fixes keep behaviour, unsafe ones need a reviewer."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Edit:
    content: str
    start: tuple[int, int]  # 1-based row and column
    end: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "location": {"row": self.start[0], "column": self.start[1]},
            "end_location": {"row": self.end[0], "column": self.end[1]},
        }


@dataclass
class FixPolicy:
    """Which fixes run: ruff's `--unsafe-fixes`, `fixable`, `unfixable`, `extend-*-fixes`."""

    unsafe: bool = False
    fixable: list[str] = field(default_factory=lambda: ["ALL"])
    unfixable: list[str] = field(default_factory=list)
    extend_safe: list[str] = field(default_factory=list)
    extend_unsafe: list[str] = field(default_factory=list)

    def applicability(self, code: str, fix: Any) -> Applicability:
        """``fix``: anything with an ``applicability`` (a `Fix`, or one read from the cache)."""
        if fix.applicability is Applicability.DISPLAY_ONLY:
            return fix.applicability
        if _matches(self.extend_unsafe, code):
            return Applicability.UNSAFE
        if _matches(self.extend_safe, code):
            return Applicability.SAFE
        return fix.applicability

    def allows(self, diagnostic: Diagnostic) -> bool:
        fix = diagnostic.fix
        if fix is None or not _matches(self.fixable, diagnostic.code) or _matches(self.unfixable, diagnostic.code):
            return False
        applicability = self.applicability(diagnostic.code, fix)
        return applicability is Applicability.SAFE or (self.unsafe and applicability is Applicability.UNSAFE)


def _matches(selectors: list[str], code: str) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)
