"""docs/rules/ is generated from the rules and must not go stale; the hand-written
docs' examples must be valid."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalint.config import parse_table
from lambdalint.docs import REQUIRED_SECTIONS, expected_pages, missing_sections, rule_url
from lambdalint.registry import load_registry
from lambdalint.testing import check_example, expected_findings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
RULE_DOCS = REPO / "docs" / "rules"
RULES = load_registry(include_plugins=False).sorted()
REGENERATE = "regenerate with: python -m lambdalint.docs docs/rules"


def test_rule_pages_are_up_to_date():
    expected = expected_pages(RULES)
    missing = sorted(name for name in expected if not (RULE_DOCS / name).is_file())
    stale = sorted(
        name for name in expected
        if (RULE_DOCS / name).is_file() and (RULE_DOCS / name).read_text(encoding="utf-8") != expected[name]
    )
    assert not missing and not stale, f"missing: {missing}, stale: {stale}; {REGENERATE}"


def test_no_pages_for_rules_that_do_not_exist():
    expected = set(expected_pages(RULES))
    extra = sorted(path.name for path in RULE_DOCS.glob("*.md") if path.name not in expected)
    assert not extra, f"pages without a rule: {extra}; delete them and {REGENERATE}"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_docstring_has_the_required_sections(rule):
    assert missing_sections(rule) == [], f"{rule.code} lacks: {missing_sections(rule)} (need {REQUIRED_SECTIONS})"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_docstring_says_what_it_does_not_flag(rule):
    """Issue 17: a user reading a finding needs the rule's traps and exemptions, which
    each rule lists in a "Not flagged:" paragraph of "What it does" or "Why is this bad?"."""
    text = " ".join(rule.doc().split())
    before_fixes = text[: text.find("## Fix safety")]
    assert "Not flagged:" in before_fixes, f"{rule.code} does not say what it does not flag"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_page_shows_an_example_and_what_to_do_instead(rule):
    page = expected_pages([rule])[f"{rule.code}.md"]
    assert page.startswith(f"# {rule.code} {rule.name}\n")
    assert "## Example" in page and "Use instead:" in page
    assert "# expect" not in page  # test markers never leak into the docs


def test_rule_urls_point_at_the_checked_in_pages():
    for rule in RULES:
        assert rule_url(rule.code).endswith(f"/docs/rules/{rule.code}.md")


def test_rules_index_lists_every_rule():
    index = (RULE_DOCS / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"[{rule.code}]({rule.code}.md)" in index


# -- hand-written docs -------------------------------------------------------------------

HAND_WRITTEN = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "examples" / "README.md"]


def _blocks(path: Path, language: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [textwrap.dedent(block) for block in re.findall(rf"```{language}\n(.*?)```", text, re.S)]


def _lambdalint_tables(path: Path) -> list[dict]:
    tables = []
    for block in _blocks(path, "toml"):
        data = tomllib.loads(block)
        if "tool" in data and "lambdalint" in data["tool"]:
            tables.append(data["tool"]["lambdalint"])
        elif not data.get("tool") and not data.get("project"):
            tables.append(data)  # a fragment of [tool.lambdalint]
    return tables


@pytest.mark.parametrize("path", [REPO / "README.md", REPO / "docs" / "configuration.md"],
                         ids=lambda p: p.name)
def test_every_toml_example_is_a_valid_configuration(path):
    tables = _lambdalint_tables(path)
    assert tables
    for table in tables:
        parse_table(table, path)


def test_configuration_doc_describes_every_key_and_the_refused_ones():
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `([a-z-]+)`", text, re.M))
    documented |= {k for pair in re.findall(r"^### `([a-z-]+)` and `([a-z-]+)`", text, re.M) for k in pair}
    for key in documented:
        parse_table({key: _sample(key)}, None)  # each documented key is accepted
    full_example = _lambdalint_tables(REPO / "docs" / "configuration.md")[0]
    assert set(full_example) <= documented


def _sample(key: str):
    samples = {"per-file-ignores": {}, "severity": {}, "fail-on": "info", "output-format": "text",
               "fix": False, "unsafe-fixes": False, "handlers": ["app.py:handler"], "jobs": 2,
               "cache-dir": ".lambdalint_cache", "baseline": "lambdalint-baseline.json", "default-timeout": 10}
    return samples.get(key, [])


def test_readme_plugin_example_is_a_working_rule():
    blocks = [b for b in _blocks(REPO / "README.md", "python") if "class " in b and "(Rule)" in b]
    assert len(blocks) == 1
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - our own doc
    rule = next(v for v in namespace.values() if isinstance(v, type) and getattr(v, "code", None) == "LAM951")
    assert missing_sections(rule) == []
    for example in rule.bad_examples():
        found = check_example(rule, example)
        assert sorted((str(d.path), d.location.row) for d in found) == expected_findings(example)
    for example in rule.good_examples():
        assert check_example(rule, example) == []


def test_readme_has_exactly_the_two_quick_start_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [b.strip() for b in re.findall(r"```console\n(.*?)```", quick, re.S)]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/lambdalint check examples/",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]


@pytest.mark.parametrize("path", HAND_WRITTEN, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (path.parent / target).exists(), f"{path.name} links to missing {target}"
