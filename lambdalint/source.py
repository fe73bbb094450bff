"""Reading a file the way Python would: PEP 263 cookies, BOMs, any newline style.

Failure here is data, not an exception: an undecodable or unparsable file
becomes one LAM000 finding and the run goes on.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from lambdalint.catalog.templates import GENERATOR_MARKERS

if TYPE_CHECKING:
    import libcst as cst


class DecodeError(ValueError):
    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


# Nesting CPython refuses can make LibCST's native parser overflow the C stack
# (bracket runs) or take quadratic time and memory (5,000 unary minuses: 15 s
# and 1.4 GB; 5,000 subscripts: 100 s), so a file with such a run is shown to
# CPython's parser first. Cheap necessary conditions, each led by a literal so
# the scan stays a small fraction of the parse (asking CPython about every file
# would cost a quarter of LibCST's parse time).
_ASCII_NESTING_HINT = 150


def bracket_run_pattern(brackets: int, *, possessive: bool | None = None) -> re.Pattern[str]:
    """A run of `brackets` opening brackets, each at most 40 bracket-free word,
    dot or space characters after the last.

    The filler holds no bracket, so giving some of it back never lets the next
    bracket match: the filler is taken atomically, which spares the scan the
    retries (a third of its time on long fillers). Python 3.11+ says that with a
    possessive quantifier (`{0,40}+`); 3.10's `re` has none, so there the filler
    is captured in a lookahead and matched again by backreference, which a
    lookahead never gives back (up to a sixth slower than possessive). Both match
    exactly what the plain greedy pattern matches (tests/test_python_versions.py
    compares the three)."""
    if possessive is None:
        possessive = sys.version_info >= (3, 11)
    filler = r"[\w.\s]{0,40}+" if possessive else r"(?=([\w.\s]{0,40}))\1"
    return re.compile(rf"[(\[{{](?:{filler}[(\[{{]){{{brackets - 1},}}")


_DEEP_NESTING = bracket_run_pattern(_ASCII_NESTING_HINT)
# Each chain as (first element, the elements after it, length worth asking
# CPython about, strings each element holds one of).
_CHAINS = (
    (r"[-+~]", r"\s*[-+~]", 100, ("-", "+", "~")),  # unary operators
    (r"not\s", r"\s*not\s", 100, ("not",)),
    (r"await\s", r"\s*await\s", 100, ("await",)),
    (r"lambda[^:\n]{0,40}:", r"\s*lambda[^:\n]{0,40}:", 100, ("lambda",)),
    (r"[\])]", r"\s*(?:\[[^\[\]\n]{0,40}\]|\([^()\n]{0,40}\)|\.\s*\w+)", 300,
     ("]", ")", ".")),  # subscripts, calls, attributes
)
_DEEP_CHAINS = [re.compile(f"{first}(?:{then}){{{hint - 1},}}") for first, then, hint, _ in _CHAINS]
# How long a chain CPython parses depends on the version: 3.11 and 3.12 stop
# near 3,000 (their recursion limit); 3.13 takes 5,966 unary operators and
# 9,994 subscripts, 3.10 100,000 subscripts (and its `ast.parse` overflows an
# 8 MB C stack near 300,000); LibCST takes minutes on runs that long. One limit
# for every interpreter, below all of theirs, keeps the verdict on a file the
# same whatever Python runs lambdalint. Counting the elements' characters first
# leaves the expressions to the rare file long enough to hold such a chain.
CHAIN_LIMIT = 2900


def _chain_of_limit(first: str, then: str) -> str:
    return f"{first}(?:{then}){{{CHAIN_LIMIT - 1},}}"


_TOO_LONG_CHAINS: dict[type, list[tuple[tuple, re.Pattern]]] = {
    str: [(marks, re.compile(_chain_of_limit(first, then))) for first, then, _, marks in _CHAINS],
    bytes: [(tuple(mark.encode() for mark in marks), re.compile(_chain_of_limit(first, then).encode()))
            for first, then, _, marks in _CHAINS],
}
TOO_DEEP_FOR_PYTHON = "the file is nested too deeply for Python to parse"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DEFAULT_RECURSION_LIMIT = 1000
# CPython's tokenizer refuses brackets nested deeper than this (MAXLEVEL), on every version.
_PYTHON_BRACKET_LIMIT = 200


@dataclass
class ParseFailure:
    message: str
    row: int = 1
    column: int = 1


@dataclass
class SourceFile:
    path: Path
    rel_path: str
    data: bytes
    text: str = ""
    encoding: str = "utf-8"
    module: cst.Module | None = None
    failure: ParseFailure | None = None
    # The steps of the model's walk over the tree, kept until the rules' dispatch
    # loops over them (the same steps as `lambdalint.walk.steps_of`), then dropped.
    steps: list[tuple[cst.CSTNode, bool]] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name, or raise ValueError with a user-facing message."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if str(error.msg).startswith("invalid or missing encoding declaration"):
            # Not UTF-8 in the first two lines, and no cookie: say where, as below.
            encoding = "utf-8"
        else:
            raise DecodeError(f"cannot determine the file's encoding: {error.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        declared = "" if _declares_encoding(data) else " (no encoding is declared)"
        raise DecodeError(f"cannot decode the file as {encoding}{declared}: {error.reason} "
                          f"(byte {data[error.start:error.start + 1]!r})", row) from None
    except LookupError as error:
        raise DecodeError(f"cannot decode the file: {error}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def split_lines(text: str) -> list[str]:
    """The lines of a text, each with its line break, as Python's tokenizer and LibCST
    count them (and the Language Server Protocol): broken at `\n`, `\r\n` and `\r`
    only. `str.splitlines` also breaks at a form feed, U+2028 and others, so its line
    numbers drift from LibCST's after one."""
    lines: list[str] = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def decoded(data: bytes) -> str | None:
    """The text of a file, or None when it cannot be decoded (a pre-scan's view)."""
    try:
        return decode(data)[0]
    except DecodeError:
        return None


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.M)


def _declares_encoding(data: bytes) -> bool:
    """A PEP 263 cookie on one of the first two lines."""
    head = b"\n".join(data.split(b"\n", 2)[:2])
    return _COOKIE.search(head) is not None


def _may_nest_too_deeply(text: str) -> bool:
    """A cheap scan for runs deep enough to crash or stall LibCST's parser."""
    if text.count("(") + text.count("[") + text.count("{") >= _ASCII_NESTING_HINT \
            and _DEEP_NESTING.search(text) is not None:
        return True
    return any(pattern.search(text) is not None for pattern in _DEEP_CHAINS)


def chain_too_long(code: str | bytes) -> bool:
    """A chain of `CHAIN_LIMIT` operators, trailers or lambdas (see `_CHAINS`).
    In bytes, `\\w` is ASCII only: an attribute chain through non-ASCII names
    is left to CPython there."""
    for marks, pattern in _TOO_LONG_CHAINS[type(code)]:
        if sum(map(code.count, marks)) >= CHAIN_LIMIT and pattern.search(code) is not None:
            return True
    return False


def _bracket_depth_failure(text: str) -> ParseFailure | None:
    """CPython's refusal of brackets nested deeper than its tokenizer allows,
    found with this interpreter's `tokenize`; None when none nest that deep.

    Asked when CPython refused a deeply nested file for another reason than its
    nesting: that reason may be syntax newer than this interpreter, which LibCST
    knows, and LibCST's parser is safe at a depth CPython accepts. An older
    `tokenize` reads a newer f-string as strings and names, which only hides
    brackets that close inside it. Raises ValueError when `tokenize` gives up
    for another reason (then nothing here can tell)."""
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.OP:
                continue
            if token.string in _OPENING:
                depth += 1
                if depth > _PYTHON_BRACKET_LIMIT:
                    return ParseFailure(_TOO_MANY_BRACKETS, row=token.start[0], column=token.start[1] + 1)
            elif token.string in _CLOSING:
                depth -= 1
    except (SyntaxError, tokenize.TokenError) as error:  # 3.12+ tokenizes with CPython's own tokenizer
        message, where = (error.msg, (error.lineno, error.offset)) if isinstance(error, SyntaxError) \
            else (str(error.args[0]), error.args[1])
        if "too many nested parentheses" in message:
            return ParseFailure(_TOO_MANY_BRACKETS, row=max(where[0] or 1, 1), column=max(where[1] or 1, 1))
        raise ValueError(message) from None
    except (RecursionError, MemoryError) as error:
        raise ValueError(type(error).__name__) from None
    return None


_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")
_TOO_MANY_BRACKETS = "invalid syntax: too many nested parentheses"


def python_syntax_failure(error: SyntaxError) -> ParseFailure:
    """CPython's own words and position for a syntax error."""
    message = str(error.msg or "invalid syntax")
    if not message.startswith("invalid syntax"):
        message = f"invalid syntax: {message}"
    return ParseFailure(message, row=max(error.lineno or 1, 1), column=max(error.offset or 1, 1))


@contextmanager
def _python_default_depth() -> Iterator[None]:
    """CPython (3.11) bounds its parser by the recursion limit, which checking
    raises (lambdalint.stack); ask it under the default limit, as `python` would."""
    limit = sys.getrecursionlimit()
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    wanted = depth + _DEFAULT_RECURSION_LIMIT
    if limit <= wanted:
        yield
        return
    sys.setrecursionlimit(wanted)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def python_verdict(code: str | bytes) -> SyntaxError | ParseFailure | None:
    """What CPython's parser says: None (fine), its SyntaxError, or a failure
    for nesting too deep to parse at all. Its warnings (invalid escape
    sequences and the like) are not ours to print. Chains longer than
    `CHAIN_LIMIT` are too deep whatever this interpreter would say."""
    if chain_too_long(code):
        return ParseFailure(TOO_DEEP_FOR_PYTHON)
    try:
        with warnings.catch_warnings(), _python_default_depth():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as error:
        if "nested" in str(error.msg) or "too complex" in str(error.msg):
            return python_syntax_failure(error)
        return error
    except (RecursionError, MemoryError):
        return ParseFailure(TOO_DEEP_FOR_PYTHON)
    except ValueError as error:  # NUL bytes, reported before this is asked
        return ParseFailure(f"cannot parse: {error}")
    return None


def parse_source(path: Path, rel_path: str, data: bytes) -> SourceFile:
    source = SourceFile(path=path, rel_path=rel_path, data=data)
    try:
        source.text, source.encoding = decode(data)
    except DecodeError as error:
        source.failure = ParseFailure(str(error), row=error.row)
        return source
    if "\0" in source.text:
        row = source.text.count("\n", 0, source.text.index("\0")) + 1
        source.failure = ParseFailure("source contains a NUL byte", row=row)
        return source
    # CPython decides what is valid Python and words the errors; it is asked
    # first only about a file that could stall LibCST's parser, and otherwise
    # only when LibCST refuses the file. A file CPython refuses that LibCST
    # accepts is checked: LibCST may know newer syntax than this interpreter.
    python_accepts = False
    if _may_nest_too_deeply(source.text):
        verdict = python_verdict(source.text)
        if isinstance(verdict, ParseFailure):
            source.failure = verdict
            return source
        if verdict is not None:
            try:
                source.failure = _bracket_depth_failure(source.text)
            except ValueError:
                source.failure = python_syntax_failure(verdict)
            if source.failure is not None:
                return source
        python_accepts = verdict is None
    import libcst as cst  # here: reading, hashing and pre-scanning files never need the parser

    try:
        source.module = cst.parse_module(data)
        return source
    except cst.ParserSyntaxError as error:
        refused = ParseFailure(
            f"cannot parse: Python accepts this file but LibCST's parser does not ({_one_line(error.message)})",
            row=max(error.raw_line, 1), column=error.raw_column + 1)
    except RecursionError:
        refused = ParseFailure("the file is nested too deeply to parse")
    except Exception as error:  # noqa: BLE001 - the native parser raises assorted types
        refused = ParseFailure(f"cannot parse: {_one_line(str(error)) or type(error).__name__}")
    source.failure = _with_generator_hint(
        (None if python_accepts else _python_failure(source.text)) or refused, source.text)
    return source


def _with_generator_hint(failure: ParseFailure, text: str) -> ParseFailure:
    """Say so when the line Python stops at holds template markup (`{{ name }}`,
    `{% if ... %}`): the file is the source of a generator such as cookiecutter, not
    Python yet, and the user's move is to exclude it or check what it renders."""
    lines = text.splitlines()
    line = lines[failure.row - 1] if 0 < failure.row <= len(lines) else ""
    if not failure.message.startswith("invalid syntax") or not any(m in line for m in GENERATOR_MARKERS):
        return failure
    return ParseFailure(f"{failure.message} (template markup: this file is the source of a generator such as "
                        "cookiecutter; exclude it, or check the project it renders)", failure.row, failure.column)


def _python_failure(text: str) -> ParseFailure | None:
    """Why CPython refuses a file, in its words (None: it accepts it)."""
    verdict = python_verdict(text)
    if verdict is None or isinstance(verdict, ParseFailure):
        return verdict
    return python_syntax_failure(verdict)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:200] + "..."
