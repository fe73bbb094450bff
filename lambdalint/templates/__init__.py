"""Deployment templates: SAM/CloudFormation (YAML or JSON), serverless.yml, CDK apps
(Python or TypeScript) and Terraform.

The engine uses this package in three steps of a run:

1. ``find_templates`` (on disk, next to or above the checked code, or the
   configured ``templates``) and ``templates_from_sources`` (templates given
   as files) collect the templates;
2. ``build`` reads them and resolves every function's `Handler` to a file
   and a function of the checked tree; the resulting ``TemplateHandlerSpec``s
   join the execution model as handlers, ahead of every other way of finding
   one;
   Python code a template holds (`InlineCode`, `ZipFile`, `Code.fromInline`)
   joins the run as a module of its own (``inline_sources``), its findings
   moved onto the template's lines (``rebase_inline``);
3. after the per-file checks, the LAM0xx rules (``DeploymentRule``) compare
   each function's settings with its code, and report at the template's line.

A run without templates skips steps 2 and 3 entirely.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what `__getattr__` gives, as type checkers should see it
    from lambdalint.templates.deployment import Deployment, build  # noqa: F401
    from lambdalint.templates.discovery import find_templates, is_template_name, templates_from_sources  # noqa: F401
    from lambdalint.templates.inline import rebase as rebase_inline, sources as inline_sources  # noqa: F401
    from lambdalint.templates.loader import (  # noqa: F401
        Mapping,
        Mark,
        Sequence,
        TemplateError,
        load_text,
    )
    from lambdalint.templates.model import (  # noqa: F401
        CDK,
        CDK_TS,
        CLOUDFORMATION,
        SERVERLESS,
        TERRAFORM,
        EventSource,
        LayerRef,
        Setting,
        Template,
        TemplateFinding,
        TemplateFunction,
        TemplateHandlerSpec,
        Where,
    )
    from lambdalint.templates.rule import (  # noqa: F401
        DeploymentRule,
        broken_template_diagnostics,
        is_deployment_rule,
        run_deployment_rules,
    )

# Each name, the module that defines it and its name there. They are imported when
# first asked for: finding templates (`discovery`) is all a run answered from the
# cache needs, and the readers import YAML, HCL, tree-sitter and LibCST.
_HOMES = {
    "Deployment": ("lambdalint.templates.deployment", "Deployment"),
    "build": ("lambdalint.templates.deployment", "build"),
    "find_templates": ("lambdalint.templates.discovery", "find_templates"),
    "is_template_name": ("lambdalint.templates.discovery", "is_template_name"),
    "templates_from_sources": ("lambdalint.templates.discovery", "templates_from_sources"),
    "rebase_inline": ("lambdalint.templates.inline", "rebase"),
    "inline_sources": ("lambdalint.templates.inline", "sources"),
    "Mapping": ("lambdalint.templates.loader", "Mapping"),
    "Mark": ("lambdalint.templates.loader", "Mark"),
    "Sequence": ("lambdalint.templates.loader", "Sequence"),
    "TemplateError": ("lambdalint.templates.loader", "TemplateError"),
    "load_text": ("lambdalint.templates.loader", "load_text"),
    "CDK": ("lambdalint.templates.model", "CDK"),
    "CDK_TS": ("lambdalint.templates.model", "CDK_TS"),
    "CLOUDFORMATION": ("lambdalint.templates.model", "CLOUDFORMATION"),
    "SERVERLESS": ("lambdalint.templates.model", "SERVERLESS"),
    "TERRAFORM": ("lambdalint.templates.model", "TERRAFORM"),
    "EventSource": ("lambdalint.templates.model", "EventSource"),
    "LayerRef": ("lambdalint.templates.model", "LayerRef"),
    "Setting": ("lambdalint.templates.model", "Setting"),
    "Template": ("lambdalint.templates.model", "Template"),
    "TemplateFinding": ("lambdalint.templates.model", "TemplateFinding"),
    "TemplateFunction": ("lambdalint.templates.model", "TemplateFunction"),
    "TemplateHandlerSpec": ("lambdalint.templates.model", "TemplateHandlerSpec"),
    "Where": ("lambdalint.templates.model", "Where"),
    "DeploymentRule": ("lambdalint.templates.rule", "DeploymentRule"),
    "broken_template_diagnostics": ("lambdalint.templates.rule", "broken_template_diagnostics"),
    "is_deployment_rule": ("lambdalint.templates.rule", "is_deployment_rule"),
    "run_deployment_rules": ("lambdalint.templates.rule", "run_deployment_rules"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home[0]), home[1])
    globals()[name] = value
    return value


__all__ = [
    "CDK",
    "CDK_TS",
    "CLOUDFORMATION",
    "SERVERLESS",
    "TERRAFORM",
    "Deployment",
    "DeploymentRule",
    "EventSource",
    "LayerRef",
    "Mapping",
    "Mark",
    "Sequence",
    "Setting",
    "Template",
    "TemplateError",
    "TemplateFinding",
    "TemplateFunction",
    "TemplateHandlerSpec",
    "Where",
    "broken_template_diagnostics",
    "build",
    "find_templates",
    "inline_sources",
    "is_deployment_rule",
    "is_template_name",
    "load_text",
    "rebase_inline",
    "run_deployment_rules",
    "templates_from_sources",
]
