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

from lambdalint.templates.deployment import Deployment, build
from lambdalint.templates.discovery import find_templates, is_template_name, templates_from_sources
from lambdalint.templates.inline import rebase as rebase_inline
from lambdalint.templates.inline import sources as inline_sources
from lambdalint.templates.loader import Mapping, Mark, Sequence, TemplateError, load_text
from lambdalint.templates.model import (
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
from lambdalint.templates.rule import (
    DeploymentRule,
    broken_template_diagnostics,
    is_deployment_rule,
    run_deployment_rules,
)

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
