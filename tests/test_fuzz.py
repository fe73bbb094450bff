"""Property-based fuzzing: whatever valid Python comes in, checking never crashes,
and `--fix --unsafe-fixes` writes code that parses, keeps every comment and is
a fixed point (fixing again changes nothing).

Two sources of programs: hypothesmith's generated Python (odd, valid, rarely
Lambda-shaped) and handler-shaped programs built from every rule's own
examples, combined, with comments sprinkled on every line end and between
lines, and with statements of generated Python spliced into handler bodies.
The second kind is what exercises the fixes: most generated programs offer none.

The default run is bounded (about 30 s, in CI); `pytest --long -m long` runs
the long one, whose size LAMBDALINT_FUZZ_EXAMPLES sets (default 600 examples
per property, about ten minutes on two cores).
"""

from __future__ import annotations

import ast
import io
import os
import textwrap
import tokenize
from collections import Counter
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lambdalint.autofix import FixPolicy, run_fixes
from lambdalint.config import Config
from lambdalint.engine import Engine
from lambdalint.registry import load_registry
from lambdalint.source import parse_source

RULES = load_registry(include_plugins=False).select(["ALL"])
POLICY = FixPolicy(unsafe=True)
SLOW_EXAMPLES = int(os.environ.get("LAMBDALINT_FUZZ_EXAMPLES", "600"))

fast = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
thorough = settings(max_examples=SLOW_EXAMPLES, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _seeds() -> list[str]:
    """Every single-file example of every rule: the code the fixes were written for."""
    seeds = set()
    for rule in RULES:
        for example in rule.examples:
            if getattr(example, "config", None) or getattr(example, "files", None):
                continue
            code = example.code
            try:
                ast.parse(code)
            except SyntaxError:
                continue
            seeds.add(code)
    return sorted(seeds)


SEEDS = _seeds()
FIXABLE_SEEDS = [seed for rule in RULES for example in rule.fixed_examples()
                 if not example.config for seed in [example.code]]


def comments(text: str) -> Counter[str]:
    return Counter(token.string for token in tokenize.generate_tokens(io.StringIO(text).readline)
                   if token.type == tokenize.COMMENT)


def line_ends(text: str) -> list[tuple[int, int]]:
    """(row, column) of every line end where a comment may go: after NEWLINE and NL tokens
    (inside brackets too), never inside a string or after a backslash."""
    ends = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL) and token.string:
            ends.append(token.start)
    return ends


def sprinkle(text: str, trailing: set[int], between: set[int]) -> str:
    """Add `# tN` at the chosen line ends and `# bN` lines after the chosen line ends."""
    lines = text.splitlines(keepends=True)
    ends = line_ends(text)
    commented = {row for row, _ in ends} & {t.start[0] for t in tokenize.generate_tokens(
        io.StringIO(text).readline) if t.type == tokenize.COMMENT}
    additions: dict[int, tuple[str, str]] = {}
    for index, (row, column) in enumerate(ends):
        tail = f"  # t{index}" if index in trailing and row not in commented else ""
        after = f"# b{index}\n" if index in between else ""
        additions[row] = (tail, after) if row not in additions else additions[row]
        additions[row] = (tail, after)
    out = []
    for number, line in enumerate(lines, start=1):
        if number in additions:
            tail, after = additions[number]
            body = line.rstrip("\r\n")
            newline = line[len(body):] or "\n"
            out.append(body + tail + newline + after)
        else:
            out.append(line)
    return "".join(out)


ENGINE = Engine(Config(), RULES)


def check_fix_and_refix(code: str) -> None:
    """The properties, on one program."""
    source = parse_source(Path("app.py"), "app.py", code.encode("utf-8"))
    run = run_fixes(ENGINE, [source], POLICY)
    assert not run.result.internal_error, run.result.messages
    assert not run.failed, run.messages
    assert not [m for m in run.messages if m.startswith("error")], run.messages
    fixed = run.files[0].fixed
    if not run.files[0].changed:
        return
    ast.parse(fixed.text)
    missing = comments(code) - comments(fixed.text)
    assert not missing, f"fixes by {sorted(run.files[0].applied)} dropped comments {sorted(missing)}"
    again = run_fixes(ENGINE, [parse_source(Path("app.py"), "app.py", fixed.data)], POLICY)
    assert not again.result.internal_error and not again.failed, again.messages
    assert again.files[0].fixed.data == fixed.data, "a second --fix changed the output again"


def _statements(module: str) -> str:
    """Generated module text as a function body: indented one level (valid only if it parses)."""
    return textwrap.indent(module, "    ", lambda line: True) if module.strip() else "    pass\n"


@st.composite
def handler_programs(draw: st.DrawFn) -> str:
    """One to three rule examples, concatenated, sprinkled with comments; sometimes with
    generated statements spliced into a handler."""
    parts = draw(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=3))
    if draw(st.booleans()):
        parts.insert(0, draw(st.sampled_from(FIXABLE_SEEDS)))
    code = "\n\n".join(parts)
    if draw(st.booleans()):
        body = draw(hypothesmith.from_grammar(auto_target=False))
        spliced = ("import boto3\n\n\ndef lambda_handler(event, context):\n"
                   "    client = boto3.client('s3')\n" + _statements(body) + "    return client\n")
        try:
            ast.parse(spliced)
            code = code + "\n\n" + spliced
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    ends = len(line_ends(code))
    trailing = draw(st.sets(st.integers(0, max(ends - 1, 0)), max_size=ends))
    between = draw(st.sets(st.integers(0, max(ends - 1, 0)), max_size=ends))
    sprinkled = sprinkle(code, trailing, between)
    try:
        ast.parse(sprinkled)
    except SyntaxError:
        assume(False)
    return sprinkled


def _valid(code: str) -> bool:
    try:
        ast.parse(code)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


# -- the bounded run (in every test run) ---------------------------------------------------


def test_the_seeds_cover_every_fixable_rule():
    fixable = {rule.code for rule in RULES if rule.fixed_examples()}
    covered = set()
    for code in FIXABLE_SEEDS:
        source = parse_source(Path("app.py"), "app.py", code.encode())
        covered |= {d.code for d in ENGINE.check_sources([source]).diagnostics if d.fix is not None}
    assert fixable <= covered


@fast
@given(hypothesmith.from_grammar(auto_target=False))
def test_generated_python_never_crashes_the_checker_or_the_fixer(code: str):
    assume(_valid(code))
    check_fix_and_refix(code)


@fast
@given(handler_programs())
def test_handler_shaped_programs_fix_cleanly(code: str):
    check_fix_and_refix(code)


@settings(max_examples=15, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node(auto_target=False))
def test_generated_syntax_trees_never_crash_the_checker(code: str):
    assume(_valid(code))
    check_fix_and_refix(code)


def test_sprinkling_adds_comments_only_where_python_allows_them():
    code = 'x = f(\n    1,\n    "a\\\n b",\n)\ny = 1 + \\\n    2\n'
    ends = range(len(line_ends(code)))
    out = sprinkle(code, set(ends), set(ends))
    ast.parse(out)
    assert sum(comments(out).values()) == 2 * len(ends)


def apply_edits(before: str, edits) -> str:  # type: ignore[no-untyped-def]
    """Apply 1-based (row, column) edits as an editor or ruff's JSON consumer would."""
    lines = before.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(row: int, column: int) -> int:
        return (starts[row - 1] if row - 1 < len(starts) else starts[-1]) + column - 1

    text = before
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:offset(*edit.start)] + edit.content + text[offset(*edit.end):]
    return text


LINES = st.lists(st.sampled_from(["\n", "x = 1\n", "    return y\n", "# c\n", "def f():\n", "\r\n", "z"]),
                 max_size=40)


@fast
@given(LINES, LINES, LINES)
def test_text_edits_turn_before_into_after(common: list[str], old: list[str], new: list[str]):
    """The JSON `fix.edits` of a finding, applied to the file, give exactly what --fix writes."""
    from lambdalint.fix import text_edits

    before = "".join(common + old + common)
    after = "".join(common + new + common)
    assert apply_edits(before, text_edits(before, after)) == after


def test_text_edits_match_only_the_lines_a_fix_changed(monkeypatch):
    """The unchanged head and tail of a file are never given to difflib, whose
    matching is quadratic in repeated lines (a 500 KB file took 19 s; 5 MB, most
    of an hour)."""
    import difflib

    from lambdalint import fix

    matched: list[int] = []

    class Recording(difflib.SequenceMatcher):
        def __init__(self, *args, a=(), b=(), **kwargs):  # type: ignore[no-untyped-def]
            matched.append(len(a) + len(b))
            super().__init__(*args, a=a, b=b, **kwargs)

    monkeypatch.setattr(fix.difflib, "SequenceMatcher", Recording)
    before = "".join(f"def f{i}(a):\n    # {i}\n    return a\n\n\n" for i in range(60_000))  # 1.9 MB
    after = before.replace("def f30000(", "def g30000(")
    assert apply_edits(before, fix.text_edits(before, after)) == after
    assert matched == [2]  # of 300,000 lines, the one that changed, before and after
    # Changes at both ends leave the whole file to match (with difflib's junk
    # heuristic on, which keeps it near linear); the edits are still exact.
    after = "import boto3\n" + before.replace("def f59999(", "def g59999(")
    assert apply_edits(before, fix.text_edits(before, after)) == after


# -- the long run ------------------------------------------------------------------------------


@pytest.mark.long
@thorough
@given(hypothesmith.from_grammar(auto_target=False))
def test_generated_python_long_run(code: str):
    assume(_valid(code))
    check_fix_and_refix(code)


@pytest.mark.long
@thorough
@given(handler_programs())
def test_handler_shaped_programs_long_run(code: str):
    check_fix_and_refix(code)
