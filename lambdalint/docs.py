"""Rule documentation, generated from each rule's own metadata and examples.

The same text serves `lambdalint rule CODE`, `docs/rules/<CODE>.md` (a test
fails when those are stale) and, later, SARIF help.
"""

from __future__ import annotations

import re
from pathlib import Path

from lambdalint.diagnostics import HOMEPAGE, rule_url
from lambdalint.rule import Bad, FixAvailability, Good, Rule, doc_section

__all__ = ["HOMEPAGE", "REQUIRED_SECTIONS", "expected_pages", "missing_sections", "render_markdown",
           "render_terminal", "rule_url", "write_pages"]

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Fix safety", "References")
_FIX_WORDS = {
    FixAvailability.NONE: "no automatic fix",
    FixAvailability.SAFE: "safe fix (applied by `--fix`)",
    FixAvailability.UNSAFE: "unsafe fix (applied by `--fix --unsafe-fixes`)",
}


def missing_sections(rule: type[Rule]) -> list[str]:
    doc = rule.doc()
    return [title for title in REQUIRED_SECTIONS if not doc_section(doc, title)]


def render_markdown(rule: type[Rule]) -> str:
    """The rule's doc page: metadata, then its docstring with the examples inserted."""
    doc = rule.doc()
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"- Severity: {rule.severity.value}",
        f"- Fix: {_FIX_WORDS[rule.fix]}",
        f"- Enabled by default: {'yes' if rule.default_enabled else 'no (opt-in: select it by code or ALL)'}",
        "",
    ]
    sections = re.split(r"(?m)^(?=##\s)", doc)
    example_done = False
    for section in sections:
        if not section.strip():
            continue
        title = section.splitlines()[0].lstrip("#").strip()
        if title in ("Fix safety", "References") and not example_done:
            lines.extend(_examples(rule))
            example_done = True
        lines.append(section.rstrip())
        lines.append("")
    if not example_done:
        lines.extend(_examples(rule))
    return "\n".join(lines).rstrip() + "\n"


def _examples(rule: type[Rule]) -> list[str]:
    out: list[str] = []
    bad = rule.bad_examples()
    good = rule.good_examples()
    if bad:
        out += ["## Example", "", *_example_files(bad[0])]
    if good:
        out += ["Use instead:", "", *_example_files(good[0])]
    return out


_FENCES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".tf": "hcl"}


def _fence(path: str) -> str:
    return _FENCES.get(Path(path).suffix, "python")


def _example_files(example: Bad | Good) -> list[str]:
    """The example's main file, then the other files of its small project, each named."""
    files = [(example.path, example.display())]
    files += [(path, Bad(code).display() if isinstance(example, Bad) else Good(code).display())
              for path, code in example.files.items()]
    out: list[str] = []
    for path, code in files:
        if len(files) > 1:
            out += [f"`{path}`:", ""]
        out += [f"```{_fence(path)}", code.rstrip("\n"), "```", ""]
    return out


def render_terminal(rule: type[Rule]) -> str:
    return render_markdown(rule)


def expected_pages(rules: list[type[Rule]]) -> dict[str, str]:
    pages = {f"{rule.code}.md": render_markdown(rule) for rule in rules}
    pages["README.md"] = _index(rules)
    return pages


def _index(rules: list[type[Rule]]) -> str:
    lines = [
        "# Rules",
        "",
        "Generated from `rules/` by `python -m lambdalint.docs docs/rules`; do not edit by hand.",
        "",
        "| Code | Name | Severity | Fix | Default |",
        "|---|---|---|---|---|",
    ]
    for rule in rules:
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | "
            f"{rule.fix.value} | {'on' if rule.default_enabled else 'opt-in'} |"
        )
    return "\n".join(lines) + "\n"


def write_pages(directory: Path, rules: list[type[Rule]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected_pages(rules).items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    import sys

    from lambdalint.registry import load_registry

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    for path in write_pages(target, load_registry(include_plugins=False).sorted()):
        print(f"wrote {path}")
