"""The execution model's modules depend one way (issue 15, point 6).

imports -> one module's syntax (summary, resolver, reaching definitions) ->
`ModuleModel` -> the call graph (`CallGraph`) -> entry points and invocation
scope (`Project`) -> the analyses -> the facade rules ask (`model.analyses`),
and above all of them the rules' context. A lower module never imports a higher
one: not at module level, not inside a function, not under `TYPE_CHECKING`.
The test reads every import of every module with `ast`, wherever it stands.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lambdalint
import lambdalint.model

MODEL = Path(lambdalint.model.__file__).parent
PACKAGE = Path(lambdalint.__file__).parent

# Lowest first; a module may import only modules of earlier layers.
LAYERS: list[set[str]] = [
    {"imports"},
    {"summary"},
    {"resolve", "reaching"},
    {"module"},
    {"project", "guards"},
    {"entrypoints"},
    {"dataflow"},
    {"labels"},
    {"event_sources"},
    {"taint"},
    {"analyses"},
]
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}
# Parts of lambdalint above the model: the model never imports them.
ABOVE_THE_MODEL = ("lambdalint.context", "lambdalint.engine", "lambdalint.runner", "lambdalint.cli",
                   "lambdalint.rule", "lambdalint.registry", "lambdalint.templates", "lambdalint.environments",
                   "lambdalint.autofix", "lambdalint.fix", "rules")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in a file: top level, in functions, in
    `if TYPE_CHECKING:` blocks, `from x import y` as both `x` and `x.y`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}:{node.lineno}: relative import"
            module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def model_dependencies(path: Path) -> list[tuple[int, str]]:
    """(line, model module) for each import of a `lambdalint.model` module; the package
    itself (`from lambdalint.model import X`) counts as the top layer."""
    deps: list[tuple[int, str]] = []
    for line, name in imported_modules(path):
        if name == "lambdalint.model":
            deps.append((line, "analyses"))  # the package re-exports everything
        elif name.startswith("lambdalint.model."):
            part = name.split(".")[2]
            if part in RANK:
                deps.append((line, part))
    return deps


def test_every_model_module_has_a_layer():
    modules = {p.stem for p in MODEL.glob("*.py")} - {"__init__"}
    assert modules == set(RANK), "place each module of lambdalint/model in LAYERS"


@pytest.mark.parametrize("name", sorted(RANK))
def test_a_model_module_imports_only_lower_layers(name):
    path = MODEL / f"{name}.py"
    wrong = [f"{name}.py:{line} imports {dep}" for line, dep in model_dependencies(path)
             if dep != name and RANK[dep] >= RANK[name]]
    assert wrong == []


@pytest.mark.parametrize("name", sorted(RANK))
def test_the_model_imports_nothing_above_it(name):
    path = MODEL / f"{name}.py"
    wrong = [f"{name}.py:{line} imports {dep}" for line, dep in imported_modules(path)
             if dep.startswith(ABOVE_THE_MODEL)]
    assert wrong == []


def test_import_resolution_has_no_syntax_tree_code():
    assert not [dep for _, dep in imported_modules(MODEL / "imports.py") if dep.startswith(("libcst", "ast"))]


def test_rules_ask_the_analyses_through_the_top_layer():
    """Rules and their context reach the analyses through `lambdalint.model.analyses`
    (or the package), never a ModuleModel method reaching up: the module layer has
    none left to call."""
    from lambdalint.model import ModuleModel

    for question in ("labels_of", "taint", "event_sources", "declared_sources"):
        assert not hasattr(ModuleModel, question), question


def test_the_checker_finds_an_upward_import(tmp_path):
    """The test itself sees imports hidden in functions and TYPE_CHECKING blocks."""
    path = tmp_path / "module.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from lambdalint.model.project import CallGraph\n"
        "def f():\n    from lambdalint.model.taint import report_for\n    import lambdalint.model.labels\n",
        encoding="utf-8",
    )
    assert [dep for _, dep in model_dependencies(path)] == ["project", "project", "taint", "taint", "labels"]
