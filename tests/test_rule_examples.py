"""Every rule's own examples, collected automatically: adding a rule adds its tests."""

from __future__ import annotations

import pytest

from lambdalint.registry import load_registry
import libcst as cst

from lambdalint.rule import Bad, FixAvailability, Fixed, Good
from lambdalint.testing import check_example, expected_findings, fix_source

RULES = load_registry(include_plugins=False).sorted()


def _cases(kind):
    for rule in RULES:
        for index, example in enumerate(e for e in rule.examples if isinstance(e, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind.__name__.lower()}-{index}")


@pytest.mark.parametrize(("rule", "example"), list(_cases(Bad)))
def test_bad_example_is_flagged_on_the_marked_lines(rule, example):
    found = check_example(rule, example)
    assert found, f"{rule.code} found nothing in:\n{example.code}"
    expected = expected_findings(example)
    if expected:
        actual = sorted((str(d.path), d.location.row) for d in found)
        assert actual == expected, "\n".join(f"{d.path}:{d.location.row}: {d.message}" for d in found)


@pytest.mark.parametrize(("rule", "example"), list(_cases(Good)))
def test_good_example_is_not_flagged(rule, example):
    found = check_example(rule, example)
    assert not found, "\n".join(f"{d.location.row}: {d.message}" for d in found)


@pytest.mark.parametrize(("rule", "example"), list(_cases(Fixed)))
def test_fixed_example(rule, example):
    """The fix gives exactly the expected code, which parses, is clean, and is stable."""
    fixed, remaining = fix_source(rule, example.code, example.path, example.config, example.unsafe)
    assert fixed == example.expected
    cst.parse_module(fixed)
    assert not remaining, [d.message for d in remaining]
    again, _ = fix_source(rule, fixed, example.path, example.config, example.unsafe)
    assert again == fixed


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_bad_and_good_examples(rule):
    assert len(rule.bad_examples()) >= 2 and len(rule.good_examples()) >= 2


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_fixable_rules_have_fixed_examples(rule):
    if rule.fix is FixAvailability.NONE:
        assert not rule.fixed_examples()
    else:
        assert rule.fixed_examples(), f"{rule.code} declares a fix but shows none"
