"""The rule API: a rule is a class with metadata, examples and visit methods.

A rule module reads like its doc page: the docstring holds ruff's sections
(What it does / Why is this bad? / Fix safety / References), ``examples``
holds the bad and good code that both the generated docs and the tests use,
and ``visit_<Node>`` methods do the checking against the shared execution
model in ``self.ctx``. Rules never re-derive what the model knows.
"""

from __future__ import annotations

import enum
import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

from lambdalint.diagnostics import Severity

if TYPE_CHECKING:
    from lambdalint.config import Config
    from lambdalint.context import FileContext

CODE_PATTERN = re.compile(r"^LAM[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# Trailing marker on a line of a bad example: the line where a finding is expected.
EXPECT_MARKER = re.compile(r"\s*#\s*expect(?::\s*(?P<codes>[A-Z0-9, ]+))?\s*$")


class FixAvailability(str, enum.Enum):
    """Whether ``--fix`` can repair this rule's findings, and how safely."""

    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"


def _dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


@dataclass(frozen=True)
class Bad:
    """Code the rule must flag; lines ending in ``# expect`` are where."""

    source: str
    config: dict[str, Any] = field(default_factory=dict)
    # Extra files of a small project, for cross-module cases: {relative path: code}.
    files: dict[str, str] = field(default_factory=dict)
    path: str = "app.py"

    @property
    def code(self) -> str:
        return _dedent(self.source)

    def expected_lines(self) -> list[int]:
        return [
            number
            for number, line in enumerate(self.code.splitlines(), start=1)
            if EXPECT_MARKER.search(line)
        ]

    def display(self) -> str:
        """The code as docs show it: without the test markers."""
        return "\n".join(EXPECT_MARKER.sub("", line) for line in self.code.splitlines())


@dataclass(frozen=True)
class Good:
    """Code the rule must not flag (often one of its traps)."""

    source: str
    config: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    path: str = "app.py"

    @property
    def code(self) -> str:
        return _dedent(self.source)

    def display(self) -> str:
        return self.code.rstrip("\n")


@dataclass(frozen=True)
class Fixed:
    """A before/after pair: what ``--fix`` must turn ``before`` into."""

    before: str
    after: str
    unsafe: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    path: str = "app.py"

    @property
    def code(self) -> str:
        return _dedent(self.before)

    @property
    def expected(self) -> str:
        return _dedent(self.after)


class Rule:
    """Base class of every check.

    One instance serves a whole run (rules are built once per configuration,
    not per file); per-file state lives in ``self.ctx`` or is reset in
    ``begin_file``.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    fix: ClassVar[FixAvailability] = FixAvailability.NONE
    default_enabled: ClassVar[bool] = True
    # Words the source must contain for the rule to possibly fire (a cheap
    # pre-scan); empty means "always run".
    words: ClassVar[tuple[str, ...]] = ()
    # A regular expression the source must also match for the rule to possibly
    # fire, for rules whose findings need a shape in the text (`://user:pw@`, a
    # name then a string literal), not only a word; searched only where the
    # words hold. The engine skips the rule where it does not match, so every
    # example and test of the rule goes through it.
    pattern: ClassVar[str | None] = None
    # True when the rule can only fire in invocation scope (or on entry points):
    # files no handler reaches then skip it, and often skip parsing altogether.
    scope_only: ClassVar[bool] = False
    # Words for the part of a rule that can fire outside invocation scope, when
    # that part is narrower than the rule (None: the same as `words`).
    free_words: ClassVar[tuple[str, ...] | None] = None
    tags: ClassVar[tuple[str, ...]] = ()
    examples: ClassVar[list[Bad | Good | Fixed]] = []

    ctx: FileContext

    def __init__(self, options: Any = None) -> None:
        self.options = options

    def scan_words(self, config: Config) -> tuple[str, ...]:
        """Words for the pre-scan under this configuration (rules that read
        extra names from config add them here)."""
        return self.words

    def scan_pattern(self, config: Config) -> str | None:
        """The pattern under this configuration (None: no pattern)."""
        return self.pattern

    def may_fire_on(self, text: str) -> bool:
        """A necessary condition on a file's text that words and a pattern cannot
        say cheaply ("names one of botocore's 2,890 pageable operations"), tested
        only where they hold; like them it decides whether the file is parsed at
        all. False only when no finding of the rule can be in the file."""
        return True

    def begin_file(self, ctx: FileContext) -> None:
        """Called before the traversal of each file."""
        self.ctx = ctx

    def end_file(self) -> None:
        """Called after the traversal; rules that decide at the end report here."""

    def report(self, node: cst.CSTNode, message: str, *, fix: Any = None) -> None:
        self.ctx.report(self, node, message, fix=fix)

    # -- metadata helpers -------------------------------------------------

    @classmethod
    def doc(cls) -> str:
        return textwrap.dedent(cls.__doc__ or "").strip()

    @classmethod
    def summary(cls) -> str:
        """The first sentence of "What it does", for listings and SARIF."""
        section = doc_section(cls.doc(), "What it does")
        text = " ".join(section.split())
        match = re.match(r"(.+?\.)(\s|$)", text)
        return match.group(1) if match else text

    @classmethod
    def bad_examples(cls) -> list[Bad]:
        return [e for e in cls.examples if isinstance(e, Bad)]

    @classmethod
    def good_examples(cls) -> list[Good]:
        return [e for e in cls.examples if isinstance(e, Good)]

    @classmethod
    def fixed_examples(cls) -> list[Fixed]:
        return [e for e in cls.examples if isinstance(e, Fixed)]


def doc_section(doc: str, title: str) -> str:
    """The text under ``## <title>`` in a rule docstring, up to the next heading."""
    pattern = re.compile(
        rf"^##\s+{re.escape(title)}\s*$\n(?P<body>.*?)(?=^##\s|\Z)", re.M | re.S
    )
    match = pattern.search(doc)
    return match.group("body").strip() if match else ""


def validate_rule_class(rule: type[Rule]) -> list[str]:
    """Problems with a rule's metadata; the registry refuses rules that have any."""
    problems = []
    code = getattr(rule, "code", None)
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        problems.append(f"code {code!r} does not match LAM + three digits")
    name = getattr(rule, "name", None)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        problems.append(f"name {name!r} is not kebab-case")
    if not isinstance(getattr(rule, "severity", None), Severity):
        problems.append("severity must be a lambdalint.Severity")
    return problems
