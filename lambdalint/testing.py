"""Running a rule's own examples: the harness behind tests/test_rule_examples.py.

Third-party rule packs can use it too: `check_example(MyRule, example)`
returns the findings a bad or good example produces with only that rule on.
"""

from __future__ import annotations

from pathlib import Path

from lambdalint.config import parse_table
from lambdalint.diagnostics import Diagnostic
from lambdalint.engine import Engine, RunResult
from lambdalint.rule import Bad, Fixed, Good, Rule, _dedent
from lambdalint.source import parse_source


def run_rule(rule: type[Rule], files: dict[str, str], config: dict | None = None) -> RunResult:
    """Check an in-memory project (relative path -> code) with one rule enabled."""
    settings = parse_table(dict(config or {}), None)
    engine = Engine(settings, [rule])
    sources = [parse_source(Path(path), path, code.encode("utf-8")) for path, code in files.items()]
    return engine.check_sources(sources)


def check_example(rule: type[Rule], example: Bad | Good | Fixed) -> list[Diagnostic]:
    files = {example.path: example.code}
    for path, code in getattr(example, "files", {}).items():
        files[path] = _dedent(code)
    result = run_rule(rule, files, example.config)
    if result.internal_error:
        raise AssertionError("\n".join(result.messages))
    return [d for d in result.diagnostics if d.code == rule.code]


def expected_findings(example: Bad) -> list[tuple[str, int]]:
    """(path, line) of every `# expect` marker, in the main file and the extra files."""
    expected = [(example.path, line) for line in example.expected_lines()]
    for path, code in example.files.items():
        expected += [(path, line) for line in Bad(code).expected_lines()]
    return sorted(expected)


def fix_source(rule: type[Rule], code: str, path: str = "app.py", config: dict | None = None,
               unsafe: bool = False) -> tuple[str, list[Diagnostic]]:
    """The code after `--fix` with one rule (and `--unsafe-fixes` if asked), and what remains."""
    from lambdalint.autofix import FixPolicy, run_fixes

    settings = parse_table(dict(config or {}), None)
    engine = Engine(settings, [rule])
    source = parse_source(Path(path), path, code.encode("utf-8"))
    run = run_fixes(engine, [source], FixPolicy(unsafe=unsafe))
    if run.failed or run.result.internal_error:
        raise AssertionError("\n".join(run.messages + run.result.messages))
    fixed = run.files[0].fixed
    return fixed.text, [d for d in run.result.diagnostics if d.code == rule.code]
