"""The finding a rule produces, shared by every reporter and integration."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(str, enum.Enum):
    """How bad a finding is; ``fail-on`` compares against this order."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.lower())
        except ValueError:
            raise ValueError(
                f"unknown severity {value!r} (expected one of: info, warning, error)"
            ) from None


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based row and a 1-based column (in code points), like ruff's JSON."""

    row: int
    column: int


@dataclass(frozen=True)
class ChainLink:
    """One function on the call chain that puts a finding in invocation scope: its
    display name (`module.qualname`), its file and the line of its `def`."""

    function: str
    path: Path
    row: int


@dataclass
class Diagnostic:
    """One finding in one file, ready for any output format."""

    code: str
    name: str
    message: str
    severity: Severity
    path: Path
    location: Location
    end_location: Location
    noqa_row: int | None = None
    fix: Any = None  # lambdalint.fixes.Fix once the fix engine attaches one
    # Lines where a `# noqa` comment suppresses this finding (reported line and
    # the first line of the enclosing statement).
    noqa_rows: tuple[int, ...] = field(default=(), compare=False, repr=False)
    # Whether the fix would be applied under the run's fix policy (the `[*]` marker).
    fix_applicable: bool = field(default=False, compare=False, repr=False)
    # The calls from the entry point (first) to the function the finding is in (last),
    # when it runs per invocation: the structure behind "called from `handler`".
    chain: tuple[ChainLink, ...] = field(default=(), compare=False, repr=False)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (str(self.path), self.location.row, self.location.column, self.code)


HOMEPAGE = "https://github.com/lambdalint/lambdalint"


def rule_url(code: str) -> str:
    """Where a rule's page is (output formats link each finding to it)."""
    return f"{HOMEPAGE}/blob/main/docs/rules/{code}.md"


SYNTAX_ERROR_CODE = "LAM000"
SYNTAX_ERROR_NAME = "syntax-error"
