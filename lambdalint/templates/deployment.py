"""The functions a run's templates deploy, their handlers resolved to files and functions."""

from __future__ import annotations

import ast
import hashlib
import posixpath
import re
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from lambdalint.catalog import templates as facts
from lambdalint.templates import cdk, cloudformation, serverless
from lambdalint.keep import DOCUMENTS
from lambdalint.templates.loader import Mapping, TemplateError, load_text
from lambdalint.templates.model import (
    CDK,
    CDK_TS,
    SERVERLESS,
    TERRAFORM,
    Template,
    TemplateFunction,
    TemplateHandlerSpec,
    join,
)

if TYPE_CHECKING:
    from lambdalint.config import Config
    from lambdalint.model import ModuleModel, Project
    from lambdalint.source import SourceFile


@dataclass
class Deployment:
    """Everything the templates of one run say, for the engine and the LAM0xx rules."""

    templates: list[Template]
    config: Config | None = None
    project: Project | None = None
    specs: list[TemplateHandlerSpec] = field(default_factory=list)
    # Per-run results rules share (computed by the first rule that needs them).
    cache: dict[str, Any] = field(default_factory=dict)
    # One line per template lambdalint failed to read because of a bug of its own.
    messages: list[str] = field(default_factory=list)
    # The functions this check reports (`TemplateFunction.key`), None for all: a unit
    # of a run reports those of its own import environment.
    only: frozenset[str] | None = None
    memo: RunMemo | None = field(default=None, repr=False)
    # `functions` by the `only` they were worked out for (rules ask many times).
    _functions: dict[frozenset[str] | None, list[TemplateFunction]] = field(default_factory=dict, repr=False)

    @property
    def functions(self) -> list[TemplateFunction]:
        only = self.only
        found = self._functions.get(only)
        if found is None:
            found = self._functions[only] = self.selected(only)
        return found

    def selected(self, only: frozenset[str] | None) -> list[TemplateFunction]:
        """The functions whose keys are in ``only`` (all for None), in template order;
        a unit names a few of a run's functions, so templates that deploy none of them
        are passed over by their keys."""
        if only is None:
            return self.all_functions
        keys_of = self.memo.keys_of if self.memo is not None else _keys_of
        return [f for t in self.templates if not only.isdisjoint(keys_of(t)) for f in t.functions if f.key in only]

    @property
    def all_functions(self) -> list[TemplateFunction]:
        return [f for t in self.templates for f in t.functions]

    @property
    def broken(self) -> list[Template]:
        return [t for t in self.templates if t.problem is not None]

    def attach(self, project: Project) -> None:
        """Link each resolved handler to its function in the execution model."""
        self.project = project
        by_path = {model.rel_path: model for model in project.models}
        for function in self.all_functions:
            # Templates outlive a unit of a run: a target left from another unit's
            # project would keep its syntax trees alive.
            function.target = None
            model = by_path.get(function.module_file or "")
            info = model.functions.get(function.function_name or "") if model is not None else None
            if model is not None and info is not None and info.is_module_level:
                function.target = (model, info)

    def functions_of(self, model: ModuleModel, qualname: str) -> list[TemplateFunction]:
        """The template functions whose handler is this function."""
        return [f for f in self.all_functions
                if f.target is not None and f.target[0] is model and f.target[1].qualname == qualname]


def build(templates: list[Template], sources: Iterable[SourceFile], models: Iterable[ModuleModel],
          config: Config | None = None, only: frozenset[str] | None = None,
          memo: RunMemo | None = None, cache_dir: Path | None = None) -> Deployment:
    """Read every template and resolve every handler against the checked files (then the
    disk); with ``only`` (a unit of a run), just the handlers of those functions: each
    unit resolving every function of every template cost a monorepo seconds.

    ``memo``: what resolving handlers learnt of the disk, shared by the units of one run
    (a unit resolves the handlers of its whole environment, most of them in files of
    other units, which it reads from the disk). ``cache_dir``: the run's cache folder,
    where the reading of each Terraform file is kept (`terraform.Parses`); None when
    the run reads no cache."""
    unique: list[Template] = []
    seen: set[str] = set()
    for template in templates:
        key = posixpath.normpath(template.rel_path)
        if key not in seen:
            seen.add(key)
            unique.append(template)
    messages: list[str] = []
    _read_terraform([t for t in unique if t.kind == TERRAFORM and t.read is None], cache_dir)
    read = [t for t in unique if read_template(t)]
    messages.extend(t.bug for t in unique if t.bug)
    deployment = Deployment(read, config, messages=messages, only=only, memo=memo)
    files = _Files(sources, models, memo)
    for function in deployment.selected(only):
        function.reset()
        try:
            _resolve(function, files)
        except Exception as error:  # noqa: BLE001 - one function's bug must not stop the run
            messages.append(_bug(function.template, error))
        if function.module_file and function.function_name:
            deployment.specs.append(TemplateHandlerSpec(
                module=function.module_file, function=function.function_name, source=function.source_label(),
                events=tuple(function.events),
            ))
    return deployment


def read_template(template: Template) -> bool:
    """Fill in the template's functions (or its problem); False when it is not a template at all.

    A template is read once per run, however many times the fix loop re-checks the code.
    """
    if template.read is None:
        try:
            template.read = _parse(template)
        except Exception as error:  # noqa: BLE001 - a reader bug must not stop the run
            template.functions = []
            template.read = False
            template.bug = _bug(template, error)
    return template.read


def _read_terraform(templates: list[Template], cache_dir: Path | None = None) -> None:
    """Terraform files are read together: a module is all the `.tf` files of a folder,
    and a module may call others."""
    if not templates:
        return
    # Imported here: a run without Terraform loads neither this reader nor the HCL parser.
    from lambdalint.templates import terraform

    try:
        terraform.read(templates, cache_dir)
    except Exception as error:  # noqa: BLE001 - a reader bug must not stop the run
        for template in templates:
            template.functions = []
            template.read = False
        templates[0].bug = _bug(templates[0], error)


def _bug(template: Template, error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    origin = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return (f"error: reading the deployment template {template.rel_path} crashed: {type(error).__name__}: "
            f"{error}{origin}; its functions are left out. Please report this bug with the template.")


def _parse(template: Template) -> bool:
    if template.kind == TERRAFORM:
        return bool(template.read)  # read with its module (`_read_terraform`)
    if template.kind == CDK:
        template.functions = cdk.read(template)
        return True
    if template.kind == CDK_TS:
        from lambdalint.templates import cdk_typescript  # imports tree-sitter: only for TypeScript apps

        if not cdk_typescript.available():
            template.problem = TemplateError(
                "cannot read a TypeScript CDK app: the tree-sitter-typescript package is not installed")
            return True
        template.functions = cdk_typescript.read(template)
        return True
    text = template.text
    if not template.explicit and not any(word in text for word in facts.TEMPLATE_WORDS):
        return False  # a file of another tool that happens to be called template.yaml
    is_json = template.rel_path.endswith(".json")
    try:
        data = DOCUMENTS.get((is_json, text))
        if data is None:
            data = load_text(text, is_json=is_json)
            DOCUMENTS.put((is_json, text), data, len(text))
    except TemplateError as error:
        if not template.explicit and any(marker in text for marker in facts.GENERATOR_MARKERS):
            # The source of a generator (a cookiecutter or Jinja template that renders
            # a SAM template), not a deployment template: nothing to check until rendered.
            return False
        template.problem = error
        return True
    if cloudformation.is_cloudformation(data):
        assert isinstance(data, Mapping)
        template.functions = cloudformation.read(template, data)
    elif serverless.is_serverless(data):
        assert isinstance(data, Mapping)
        template.kind = SERVERLESS
        template.functions = serverless.read(template, data)
    elif template.explicit:
        template.problem = TemplateError(
            "not a deployment template: no CloudFormation `Resources` and no serverless.yml `functions`"
        )
    else:
        return False
    return True


# -- handler resolution -------------------------------------------------------------------


class _Files:
    """The checked files (by relative path), then the disk when a template lives there."""

    def __init__(self, sources: Iterable[SourceFile], models: Iterable[ModuleModel],
                 memo: RunMemo | None = None) -> None:
        self.models = {model.rel_path: model for model in models}
        self.texts = {source.rel_path: source for source in sources}
        self.dirs = {posixpath.dirname(rel) for rel in self.texts}
        self._names: dict[str, set[str] | None] = {}
        self.memo = memo if memo is not None else RunMemo()

    def exists(self, rel_path: str, on_disk: bool) -> bool:
        return rel_path in self.texts or (on_disk and self.memo.is_file(rel_path))

    def dir_exists(self, rel_path: str, on_disk: bool) -> bool:
        prefix = rel_path.rstrip("/") + "/" if rel_path else ""
        if any(d == rel_path or (d + "/").startswith(prefix) for d in self.dirs):
            return True
        return on_disk and self.memo.is_dir(rel_path)

    def module_names(self, rel_path: str) -> set[str] | None:
        """Names bound at a module's top level; None when they cannot be known
        (`from x import *`, a module `__getattr__`, or a file that does not parse)."""
        if rel_path in self._names:
            return self._names[rel_path]
        names = self._compute_names(rel_path)
        self._names[rel_path] = names
        return names

    def _compute_names(self, rel_path: str) -> set[str] | None:
        model = self.models.get(rel_path)
        source = self.texts.get(rel_path)
        if source is not None:
            text = source.text
        else:
            try:
                text = Path(rel_path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                return None
        if "import *" in text or "__getattr__" in text or "globals()" in text:
            return None
        if model is not None:
            return set(model.summary.module_scope.bindings)
        return self.memo.names(text)


def _keys_of(template: Template) -> frozenset[str]:
    return frozenset(f.key for f in template.functions)


class RunMemo:
    """What resolving handlers learns of the disk, shared by the units of one run: which
    paths are files or folders (the tree is taken as it was when the run started; a
    fix rewrites files, never adds or removes one), how a folder and a path join, and
    the top-level names of module texts (`top_level_names`), by the text's digest, so
    exact whatever file the text came from or when."""

    def __init__(self) -> None:
        self._files: dict[str, bool] = {}
        self._dirs: dict[str, bool] = {}
        self._joined: dict[tuple[str, ...], str] = {}
        self._names: dict[bytes, frozenset[str] | None] = {}
        self._keys: dict[int, tuple[Template, frozenset[str]]] = {}

    def keys_of(self, template: Template) -> frozenset[str]:
        """The keys of the functions a (read) template deploys."""
        found = self._keys.get(id(template))
        if found is None or found[0] is not template:
            found = self._keys[id(template)] = (template, _keys_of(template))
        return found[1]

    def is_file(self, rel_path: str) -> bool:
        found = self._files.get(rel_path)
        if found is None:
            found = self._files[rel_path] = Path(rel_path or ".").is_file()
        return found

    def is_dir(self, rel_path: str) -> bool:
        found = self._dirs.get(rel_path)
        if found is None:
            found = self._dirs[rel_path] = Path(rel_path or ".").is_dir()
        return found

    def join(self, base: str, *parts: str) -> str:
        key = (base, *parts)
        found = self._joined.get(key)
        if found is None:
            found = self._joined[key] = join(base, *parts)
        return found

    def names(self, text: str) -> set[str] | None:
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key not in self._names:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._names[key] = None
            else:
                self._names[key] = frozenset(top_level_names(tree.body))
        found = self._names[key]
        return set(found) if found is not None else None


def top_level_names(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for block in ("body", "orelse", "finalbody"):
                names |= top_level_names(getattr(node, block, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                names |= top_level_names(handler.body)
    return names


def _names_a_program(function: TemplateFunction, handler: str, files: _Files, on_disk: bool) -> bool:
    """A custom runtime's handler, or the script a wrapper such as the Lambda Web
    Adapter starts (`run.sh`, `bootstrap`, a non-Python file of the code folder):
    no Python function to look for."""
    runtime = function.runtime.value if function.runtime is not None else None
    if isinstance(runtime, str) and runtime.startswith(facts.CUSTOM_RUNTIME_PREFIX):
        return True
    if handler in facts.EXECUTABLE_HANDLERS or handler.endswith(facts.SCRIPT_HANDLER_SUFFIXES):
        return True
    return not handler.endswith(".py") and files.exists(files.memo.join(function.code_dir or "", handler), on_disk)


def _resolve(function: TemplateFunction, files: _Files) -> None:
    if function.handler_note:
        return  # the handler names no Python function
    if function.inline is not None:
        _resolve_inline(function)
        return
    handler = function.handler
    if function.code_dir is None or handler is None or not isinstance(handler.value, str):
        return  # code not in the project, or a handler the template computes
    on_disk = function.template.on_disk
    text = handler.value.strip()
    if _names_a_program(function, text, files, on_disk):
        return
    module, dot, name = text.rpartition(".")
    # The Python runtime accepts `folder/module.function` as well as `pkg.module.function`,
    # and imports the module by its file name (`lambda-handler.handler`).
    module = module.replace("/", ".").strip(".")
    if not dot or not module or not name.isidentifier() \
            or not all(re.fullmatch(facts.HANDLER_MODULE_PART, p) for p in module.split(".")):
        if function.is_python:
            function.not_found = (f"handler `{text}` of {function.label} is not `module.function` "
                                  "(for example `app.lambda_handler`): Lambda cannot load it")
        return
    code_dir = function.code_dir
    shown = (code_dir or ".") + "/"
    relative_module = module.replace(".", "/")
    candidates = [files.memo.join(code_dir, relative_module + ".py"),
                  files.memo.join(code_dir, relative_module, "__init__.py")]
    found = next((c for c in candidates if files.exists(c, on_disk)), None)
    if found is None:
        if not function.is_python:
            return
        if files.dir_exists(code_dir, on_disk):
            function.not_found = (f"handler `{text}` of {function.label} names module `{module}`, but `{shown}` "
                                  f"has neither `{candidates[0]}` nor `{candidates[1]}`: every invocation "
                                  "would fail with Runtime.ImportModuleError")
        else:
            function.not_found = (f"handler `{text}` of {function.label}: its code folder `{shown}` does not "
                                  "exist")
        return
    function.module_file = found
    function.function_name = name
    names = files.module_names(found)
    if names is not None and name not in names and function.is_python:
        function.not_found = (f"handler `{text}` of {function.label} names function `{name}`, but `{found}` "
                              f"defines no `{name}`: every invocation would fail with Runtime.HandlerNotFound")


def _resolve_inline(function: TemplateFunction) -> None:
    """A function whose code the template holds (`lambdalint.templates.inline`): its
    handler must be `index.<function>`, and name a function that code defines."""
    handler = function.handler
    if handler is None or not isinstance(handler.value, str) or not function.is_python:
        return
    text = handler.value.strip()
    module, dot, name = text.rpartition(".")
    if not dot or module != facts.INLINE_MODULE or not name.isidentifier():
        function.not_found = (
            f"handler `{text}` of {function.label} must be `{facts.INLINE_MODULE}.<function>`: Lambda writes "
            f"inline code to `{facts.INLINE_MODULE}.py`, so every invocation would fail with "
            "Runtime.ImportModuleError")
        return
    function.module_file = function.inline_path
    function.function_name = name
    assert function.inline is not None
    code = function.inline.text
    if "import *" in code or "__getattr__" in code or "globals()" in code:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # a LAM000 finding where it fails to parse
    if name not in top_level_names(tree.body):
        function.not_found = (f"handler `{text}` of {function.label} names function `{name}`, but its inline "
                              f"code defines no `{name}`: every invocation would fail with "
                              "Runtime.HandlerNotFound")
