"""`# noqa` comments, parsed the way flake8 parses them.

`# noqa` alone silences every finding on its line; `# noqa: LAM101,LAM2`
only the listed codes and prefixes, so `# noqa: E501` never hides LAM101.
`# lambdalint: noqa[: codes]` on a line of its own applies to the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CODE = r"[A-Z]+[0-9]+"
INLINE_NOQA = re.compile(rf"#\s*noqa(?::[\s]?(?P<codes>{_CODE}(?:[,\s]+{_CODE})*))?", re.I)
FILE_NOQA = re.compile(
    rf"^\s*#\s*lambdalint:\s*noqa(?::\s*(?P<codes>{_CODE}(?:[,\s]+{_CODE})*))?\s*$", re.I
)
_SPLIT = re.compile(r"[,\s]+")

ALL = frozenset({"*"})


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return ALL
    return frozenset(code.upper() for code in _SPLIT.split(text.strip()) if code)


@dataclass
class Suppressions:
    by_line: dict[int, frozenset[str]] = field(default_factory=dict)
    file_codes: frozenset[str] = frozenset()

    @classmethod
    def scan(cls, text: str) -> Suppressions:
        result = cls()
        file_codes: set[str] = set()
        for number, line in enumerate(text.splitlines(), start=1):
            if "#" not in line:
                continue
            file_match = FILE_NOQA.match(line)
            if file_match:
                file_codes |= _codes(file_match.group("codes"))
                continue
            match = INLINE_NOQA.search(line)
            if match:
                result.by_line[number] = _codes(match.group("codes"))
        result.file_codes = frozenset(file_codes)
        return result

    def suppresses(self, code: str, rows: tuple[int, ...]) -> bool:
        if _matches(self.file_codes, code):
            return True
        return any(_matches(self.by_line.get(row, frozenset()), code) for row in rows)


def _matches(codes: frozenset[str], code: str) -> bool:
    if not codes:
        return False
    if "*" in codes:
        return True
    return any(code.startswith(prefix) for prefix in codes)
