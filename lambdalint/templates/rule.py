"""Rules that compare deployment templates with the code they deploy.

Such a rule defines ``check_templates(deployment)``, which the engine calls
once per run when the run has templates, and yields ``TemplateFinding``s:
a message at a line of a template (or of a CDK app file). The engine turns
them into ordinary findings, so they reach every output format, honour
`per-file-ignores`, and are silenced by a `# noqa: LAM002` comment on the
reported line of a YAML template, a Terraform file (`# noqa` or `// noqa`) or a
TypeScript CDK app (`// noqa: LAM002`), or on the function's own line.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ClassVar, Iterable, Iterator

from lambdalint.diagnostics import SYNTAX_ERROR_CODE, SYNTAX_ERROR_NAME, Diagnostic, Location, Severity
from lambdalint.rule import Rule
from lambdalint.suppression import Suppressions
from lambdalint.templates.model import CDK_TS, TERRAFORM, Template, TemplateFinding, inline_places

if TYPE_CHECKING:
    from lambdalint.config import Config
    from lambdalint.templates.deployment import Deployment


class DeploymentRule(Rule):
    """Base class of the LAM0xx rules: no per-file traversal, one call per run."""

    # The engine skips such rules in its per-file traversal.
    per_file: ClassVar[bool] = False
    tags: ClassVar[tuple[str, ...]] = ("deployment",)
    # Whether the rule looks at the code a function runs (its execution model). A run
    # checks each function's code in the unit of its import environment, so such a
    # rule sees the functions of one unit at a time (`Deployment.functions`); a rule
    # that reads only the templates runs once, over every function (and may group
    # them: several functions that inherit one `Globals` setting are one finding).
    needs_code: ClassVar[bool] = True

    def check_templates(self, deployment: Deployment) -> Iterator[TemplateFinding]:
        raise NotImplementedError


def is_deployment_rule(rule: Rule) -> bool:
    return callable(getattr(rule, "check_templates", None))


def broken_template_diagnostics(deployment: Deployment) -> list[Diagnostic]:
    """One LAM000 finding per template that cannot be read (not suppressible, like a syntax error)."""
    found = []
    for template in deployment.broken:
        problem = template.problem
        assert problem is not None
        found.append(Diagnostic(
            code=SYNTAX_ERROR_CODE,
            name=SYNTAX_ERROR_NAME,
            message=f"cannot read the deployment template: {problem.message}",
            severity=Severity.ERROR,
            path=template.path,
            location=Location(problem.line, problem.column),
            end_location=Location(problem.line, problem.column),
            noqa_row=None,
        ))
    return found


# `// noqa: LAM002` and `// lambdalint: noqa` in a TypeScript or Terraform file (HCL's
# other line comment), read as `#` comments.
_SLASH_NOQA = re.compile(r"//(?=\s*(?:noqa|lambdalint\s*:))", re.I)


def noqa_text(template: Template) -> str:
    """The template's text as `Suppressions` reads it: `//` comments that carry `noqa`
    in a TypeScript CDK app or a Terraform file become `#` comments (line numbers
    unchanged)."""
    if template.kind in (CDK_TS, TERRAFORM) and "noqa" in template.text:
        return _SLASH_NOQA.sub("#", template.text)
    return template.text


def run_deployment_rules(
    deployment: Deployment,
    rules: Iterable[Rule],
    config: Config,
    ignored_for: Callable[[Path], list[str]],
) -> tuple[list[Diagnostic], list[str]]:
    """The findings of every deployment rule, suppressions applied, and one message per rule that crashed."""
    diagnostics: list[Diagnostic] = []
    messages: list[str] = []
    suppressions: dict[int, Suppressions] = {}
    ignored: dict[int, list[str]] = {}
    inline = [function for function in deployment.functions if function.inline is not None]

    def scan(template: Template) -> Suppressions:
        if id(template) not in suppressions:
            suppressions[id(template)] = Suppressions.scan(noqa_text(template))
        return suppressions[id(template)]

    for rule in rules:
        try:
            findings = list(rule.check_templates(deployment))  # type: ignore[attr-defined]
        except Exception as error:  # noqa: BLE001 - isolate the rule
            frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
            origin = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
            messages.append(
                f"error: rule {rule.code} ({rule.name}) crashed on the deployment templates: "
                f"{type(error).__name__}: {error}{origin}; its findings are dropped. "
                "Please report this bug with the template that triggers it."
            )
            continue
        seen: set[tuple[str, int, str]] = set()
        for finding in findings:
            template = finding.where.template
            mark = finding.where.mark
            key = (template.rel_path, mark.line, finding.message)
            if key in seen:
                continue
            seen.add(key)
            if id(template) not in ignored:
                ignored[id(template)] = ignored_for(template.path)
            if any(rule.code.startswith(prefix) for prefix in ignored[id(template)]):
                continue
            rows = tuple(dict.fromkeys(
                [mark.line, *(w.mark.line for w in finding.also if w.template is template)]
            ))
            if scan(template).suppresses(rule.code, rows):
                continue
            diagnostics.append(Diagnostic(
                code=rule.code,
                name=rule.name,
                message=inline_places(inline, finding.message),
                severity=config.severity_for(rule),
                path=template.path,
                location=Location(mark.line, mark.column),
                end_location=Location(mark.end_line, mark.end_column),
                noqa_row=mark.line,
                noqa_rows=rows,
            ))
    return diagnostics, messages
