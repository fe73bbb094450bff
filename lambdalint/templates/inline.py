"""Python code written in a template, checked as a module of its own.

SAM `InlineCode`, CloudFormation `Code.ZipFile` and CDK `Code.fromInline` put a
function's code in the template; Lambda writes it to `index.py`. The engine
checks each such code as one more file of the run (`sources`), in the same
project as the others, so the template names its handler, every per-file and
per-invocation rule sees it, and the LAM0xx rules compare it with the
function's settings. The file never exists: its relative path is
`TemplateFunction.inline_path` (`template.yaml#Resize.py`), its `path` is the
template's, so `per-file-ignores` for the template apply, and ``rebase`` moves
its findings onto the template's lines.

Where the template holds the code verbatim (a YAML literal block, a TypeScript
template string or a Python string without escapes) each finding lands on its
own line and column; otherwise (folded or quoted YAML, JSON, `Fn::Join`,
escapes) every finding is reported at the `InlineCode`/`ZipFile`/`fromInline`
line, its message ending with the line of the code it is about.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from lambdalint.diagnostics import Diagnostic, Location
from lambdalint.source import SourceFile, parse_source
from lambdalint.suppression import Suppressions
from lambdalint.templates.deployment import read_template
from lambdalint.templates.model import TERRAFORM, Template, TemplateFunction, inline_places
from lambdalint.templates.rule import noqa_text


def sources(templates: Iterable[Template]) -> dict[str, tuple[SourceFile, TemplateFunction]]:
    """The inline code of the templates' Python functions, by its relative path, with its function."""
    found: dict[str, tuple[SourceFile, TemplateFunction]] = {}
    for template in templates:
        # Terraform holds no Python code, and its files are read together (by `build`).
        if template.kind == TERRAFORM or not read_template(template):
            continue
        for function in template.functions:
            if function.inline is None or not function.is_python or function.inline_path in found:
                continue
            source = parse_source(template.path, function.inline_path, function.inline.text.encode("utf-8"))
            found[function.inline_path] = (source, function)
    return found


def rebase(function: TemplateFunction, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The findings in a function's inline code, moved onto the template's lines; those a
    `noqa` comment on that template line silences are dropped. No fixes: the code is
    the template's text, which a fix of Python code does not know how to edit."""
    inline = function.inline
    assert inline is not None
    template = function.template
    suppressions: Suppressions | None = None
    moved = []
    for diagnostic in diagnostics:
        row, column = inline.place(diagnostic.location.row, diagnostic.location.column)
        message = inline_places([function], diagnostic.message)
        if inline.lines is None:  # all at the key: say where in the code
            end = Location(inline.where.mark.end_line, inline.where.mark.end_column)
            message = f"{message} (line {diagnostic.location.row} of the inline code of {function.label})"
        elif diagnostic.end_location.row == diagnostic.location.row:
            end = Location(*inline.place(diagnostic.end_location.row, diagnostic.end_location.column))
        else:
            end = Location(row, column + 1)
        if suppressions is None:
            suppressions = Suppressions.scan(noqa_text(template))
        if diagnostic.code != "LAM000" and suppressions.suppresses(diagnostic.code, (row,)):
            continue
        moved.append(dataclasses.replace(
            diagnostic, path=template.path, location=Location(row, column), end_location=end, message=message,
            noqa_row=row if diagnostic.noqa_row is not None else None, noqa_rows=(row,), fix=None,
            fix_applicable=False))
    return moved
