"""Whatever Python 3.10 to 3.13 runs lambdalint, it checks code of every Python
version LibCST parses, and the same file gets the same verdict.

CPython's parser is asked about some files (those that may nest too deeply for
LibCST, and every file that is only syntax-checked), and an older CPython
refuses newer syntax: a refusal must then never become a LAM000 for code that
LibCST parses. `.ci/run` runs this file on every interpreter it finds, so each
test here holds on each of them.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint import cache as cache_module
from lambdalint.config import Config
from lambdalint.registry import load_registry
from lambdalint.runner import Runner
from lambdalint.source import (_DEEP_NESTING, CHAIN_LIMIT, TOO_DEEP_FOR_PYTHON, bracket_run_pattern,
                               python_verdict)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
RULES = load_registry(include_plugins=False).select(["ALL"])
CLIENT_LINE = '    s3 = boto3.client("s3")'


def handler_file(before: str = "", inside: str = "") -> str:
    """A handler module with a client built per invocation, and the given code
    at module level before the handler and in its body (after the client)."""
    return "".join([
        "import boto3\n\n",
        textwrap.dedent(before).lstrip("\n"),
        "\n\ndef lambda_handler(event, context):\n",
        CLIENT_LINE + "\n",
        textwrap.indent(textwrap.dedent(inside).lstrip("\n"), "    "),
        "    return s3\n",
    ])


def client_row(code: str) -> int:
    return code.splitlines().index(CLIENT_LINE) + 1


# Syntax newer than some supported Python, each valid in the version named and
# parsed by LibCST whatever Python runs it.
NEWER_SYNTAX: dict[str, tuple[tuple[int, int], str]] = {
    "except_star": ((3, 11), handler_file(inside='''
        try:
            s3.head_bucket(Bucket=event["bucket"])
        except* ValueError as group:
            raise RuntimeError(len(group.exceptions))
    ''')),
    "star_in_subscript": ((3, 11), handler_file(before='''
        from typing import TypeVarTuple
        Ts = TypeVarTuple("Ts")

        def pack(*args: *Ts) -> tuple[*Ts]:
            return args
    ''', inside='''
        shape = event["shape"][*event["index"]]
    ''')),
    "type_alias": ((3, 12), handler_file(before='''
        type Json = dict[str, Json] | list[Json] | str | int | float | bool | None
        type Pair[T] = tuple[T, T]
    ''')),
    "generic_function_and_class": ((3, 12), handler_file(before='''
        def first[T](items: list[T]) -> T:
            return items[0]

        class Box[T: (int, str), *Ts, **P]:
            def __init__(self, item: T) -> None:
                self.item = item
    ''', inside='''
        box = Box[int](first(event["sizes"]))
    ''')),
    "fstring_nested_quotes": ((3, 12), handler_file(inside='''
        key = f"{event["bucket"]}/{event["key"]}"
        nested = f"{f"{f"{key}"}"}"
        joined = f"{'\\n'.join(event["lines"])}"
        commented = f"""{
            key  # the object's key
        }"""
    ''')),
    "generic_handler": ((3, 12), textwrap.dedent('''\
        import boto3


        def lambda_handler[E: dict](event: E, context) -> E:
            s3 = boto3.client("s3")
            return s3
    ''')),
    "type_parameter_default": ((3, 13), handler_file(before='''
        def first[T = int](items: list[T]) -> T:
            return items[0]

        type Table[K = str, V = object] = dict[K, V]
    ''')),
    "except_without_parentheses": ((3, 14), handler_file(inside='''
        try:
            s3.head_bucket(Bucket=event["bucket"])
        except ValueError, TypeError:
            pass
    ''')),
    "template_string": ((3, 14), handler_file(inside='''
        greeting = t"hello {event["name"]!r:>10}"
    ''')),
}

# Code nested as deeply as LibCST is shown only after CPython has seen it: an
# older CPython refuses the newer syntax first, and the file is still checked.
DEEP_CALLS = "deep = " + "f(" * 160 + "1" + ")" * 160
NEWER_AND_DEEP = {
    "type_alias_and_deep_calls": handler_file(before="type Pair[T] = tuple[T, T]\n" + DEEP_CALLS + "\n"),
    "fstring_and_deep_calls": handler_file(inside=f'key = f"{{event["key"]}}"\n{DEEP_CALLS}\n'),
}

# Only syntax-checked (no handler, no rule can fire): an older CPython refuses them.
SYNTAX_ONLY = {
    "aliases": "type Vector = list[float]\ntype Matrix[T] = list[list[T]]\n",
    "strings": 'names = {"a": 1}\nlabel = f"{names["a"]}"\n',
    "deep_aliases": "type Pair[T] = tuple[T, T]\n" + "x = " + "(" * 160 + "1" + ")" * 160 + "\n",
}


def run_check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--no-cache", "--select", "ALL",
                           "--output-format", "json", *args, "."], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    return proc


def by_file(proc: subprocess.CompletedProcess[str]) -> dict[str, list[tuple[int, int, str, str]]]:
    found: dict[str, list[tuple[int, int, str, str]]] = {}
    for item in json.loads(proc.stdout):
        found.setdefault(item["filename"], []).append(
            (item["location"]["row"], item["location"]["column"], item["code"], item["message"]))
    return found


@pytest.fixture(scope="module")
def newer_syntax_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, int, str, str]]]:
    root = tmp_path_factory.mktemp("newer")
    (root / ".git").mkdir()
    (root / "baseline.py").write_text(handler_file(), encoding="utf-8")
    for name, (_, code) in NEWER_SYNTAX.items():
        (root / f"{name}.py").write_text(code, encoding="utf-8")
    for name, code in NEWER_AND_DEEP.items():
        (root / f"{name}.py").write_text(code, encoding="utf-8")
    (root / "lib").mkdir()
    for name, code in SYNTAX_ONLY.items():
        (root / "lib" / f"{name}.py").write_text(code, encoding="utf-8")
    proc = run_check(root)
    assert proc.returncode == 1 and proc.stderr == ""  # no rule crashed on the newer nodes
    return by_file(proc)


@pytest.mark.parametrize("name", sorted(NEWER_SYNTAX))
def test_newer_syntax_is_checked_whatever_python_runs_lambdalint(newer_syntax_run, name):
    version, code = NEWER_SYNTAX[name]
    # The cases are what they claim: this Python refuses exactly those newer than it.
    assert (python_verdict(code) is None) == (sys.version_info[:2] >= version), name
    assert codes_at(newer_syntax_run, f"{name}.py", client_row(code)) == expected_codes(newer_syntax_run)


@pytest.mark.parametrize("name", sorted(NEWER_AND_DEEP))
def test_newer_syntax_nested_deeply_is_checked(newer_syntax_run, name):
    code = NEWER_AND_DEEP[name]
    assert codes_at(newer_syntax_run, f"{name}.py", client_row(code)) == expected_codes(newer_syntax_run)


def test_newer_syntax_that_is_only_syntax_checked_is_no_finding(newer_syntax_run):
    assert not [name for name in newer_syntax_run if name.startswith("lib/")]


def codes_at(found: dict, filename: str, row: int) -> list[str]:
    """The codes found in a file, all of which must be on `row`."""
    assert {found_row for found_row, *_ in found[filename]} == {row}, found[filename]
    return [code for _, _, code, _ in found[filename]]


def expected_codes(found: dict) -> list[str]:
    """What every rule finds in the handler without the newer syntax."""
    codes = codes_at(found, "baseline.py", client_row(handler_file()))
    assert "LAM101" in codes
    return codes


# Files LibCST cannot parse: one LAM000 with the reason, never a crash, and the
# same (code, row, column) on every interpreter.
UNPARSABLE: dict[str, tuple[str, int | None, int | None, str]] = {
    # Valid Python (a parenthesised annotated target) that LibCST's grammar lacks
    # (where: LibCST's own position, not checked here).
    "libcst_limitation": (handler_file(before="(width): int = 3\n"), None, None,
                          "cannot parse: Python accepts this file but LibCST's parser does not"),
    "broken": ("def f(:\n    pass\n", 1, 7, "invalid syntax"),
    # Newer syntax nested deeper than CPython allows: its tokenizer's words,
    # whether or not this interpreter knows the syntax.
    "type_alias_too_deep": ("type Pair[T] = tuple[T, T]\nx = " + "(" * 260 + "1" + ")" * 260 + "\n", 2, 205,
                            "invalid syntax: too many nested parentheses"),
    "handler_too_deep": (handler_file(before='label = f"{names["a"]}"\nx = ' + "[" * 250 + "]" * 250 + "\n"),
                         4, 205, "invalid syntax: too many nested parentheses"),
    # Chains at the limit: too deep whatever this interpreter's parser would take.
    "unary_chain": ("x = " + "-" * CHAIN_LIMIT + "1\n", 1, 1, TOO_DEEP_FOR_PYTHON),
    "unary_chain_in_handler": (handler_file(inside="x = " + "-" * CHAIN_LIMIT + "1\n"), 1, 1,
                               TOO_DEEP_FOR_PYTHON),
    # 3.10's `ast.parse` overflowed an 8 MB C stack on this one.
    "subscript_chain": ("x = a" + "[0]" * 300_000 + "\n", 1, 1, TOO_DEEP_FOR_PYTHON),
}


@pytest.fixture(scope="module")
def unparsable_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, int, str, str]]]:
    root = tmp_path_factory.mktemp("unparsable")
    (root / ".git").mkdir()
    for name, (code, *_) in UNPARSABLE.items():
        (root / f"{name}.py").write_text(code, encoding="utf-8")
    (root / "just_below.py").write_text("x = " + "-" * (CHAIN_LIMIT - 1) + "1\n", encoding="utf-8")
    proc = run_check(root, "--jobs", "2")
    assert proc.returncode == 1 and proc.stderr == ""
    return by_file(proc)


@pytest.mark.parametrize("name", sorted(UNPARSABLE))
def test_what_libcst_cannot_parse_is_one_lam000_with_the_reason(unparsable_run, name):
    _, row, column, message = UNPARSABLE[name]
    [(found_row, found_column, code, found_message)] = unparsable_run[f"{name}.py"]
    assert code == "LAM000"
    if row is not None:
        assert (found_row, found_column) == (row, column)
    assert found_message.startswith(message), found_message


def test_a_chain_just_below_the_limit_is_valid_python_everywhere(unparsable_run):
    assert "just_below.py" not in unparsable_run


# -- the pre-scan's bracket run: one meaning on every interpreter ----------------------


def _greedy(brackets: int) -> re.Pattern[str]:
    """The plain pattern both variants must agree with (it retries in vain)."""
    return re.compile(rf"[(\[{{](?:[\w.\s]{{0,40}}[(\[{{]){{{brackets - 1},}}")


def _variants(brackets: int) -> list[re.Pattern[str]]:
    variants = [_greedy(brackets), bracket_run_pattern(brackets, possessive=False)]
    if sys.version_info >= (3, 11):  # 3.10's `re` has no possessive quantifiers
        variants.append(bracket_run_pattern(brackets, possessive=True))
    return variants


def test_this_interpreter_uses_the_pattern_its_re_supports():
    assert _DEEP_NESTING.pattern == bracket_run_pattern(150, possessive=sys.version_info >= (3, 11)).pattern
    if sys.version_info < (3, 11):
        with pytest.raises(re.error):
            bracket_run_pattern(150, possessive=True)


@pytest.mark.parametrize("text", [
    "x = " + "f(" * 150,
    "x = " + "f(" * 149 + "1",
    "x = " + ("(" + "a" * 40) * 149 + "(",
    "x = " + ("(" + "a" * 41) * 149 + "(",
    "x = " + ("[" + "é\u2003." * 13) * 149 + "{",
    "x = " + ("(" + "a" * 39 + ",") * 200,
    "".join("{[(" + "ab cd." * (index % 8) for index in range(400)),
])
def test_bracket_run_variants_agree_at_the_real_length(text):
    spans = {repr(pattern.search(text) and pattern.search(text).span()) for pattern in _variants(150)}
    assert len(spans) == 1, spans


@settings(max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="([{)]}ab_.é \t\n,=\u2003", max_size=200), st.integers(min_value=2, max_value=6))
def test_bracket_run_variants_agree(text, brackets):
    matches = [pattern.search(text) for pattern in _variants(brackets)]
    assert len({match and match.span() for match in matches}) == 1


# -- the results cache ------------------------------------------------------------------


def test_a_cache_written_by_another_python_is_not_replayed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "app.py").write_text(handler_file(), encoding="utf-8")
    cache_dir = tmp_path / "cache"
    Runner(Config(), RULES, jobs=1, cache_dir=cache_dir).run([tmp_path / "app.py"])
    replaying = Runner(Config(), RULES, jobs=1, cache_dir=cache_dir)
    replaying.run([tmp_path / "app.py"])
    assert "engine" not in vars(replaying)  # the same interpreter: answered from the cache
    monkeypatch.setattr(cache_module, "INTERPRETER", "cpython-3.99")
    other = Runner(Config(), RULES, jobs=1, cache_dir=cache_dir)
    assert "LAM101" in [d.code for d in other.run([tmp_path / "app.py"]).diagnostics]
    assert "engine" in vars(other)  # checked again


# -- what is supported, said in one voice -----------------------------------------------


def test_ci_the_package_metadata_and_the_readme_name_the_same_versions():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    [listed] = re.findall(r"^SUPPORTED=\((.*)\)$", ci, re.M)
    supported = shlex.split(listed)
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == f">={supported[0]}"
    classified = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"]
                  if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert classified == supported
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"lambdalint runs on Python {', '.join(supported[:-1])} and {supported[-1]}, and CI tests each" in readme
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in supported
