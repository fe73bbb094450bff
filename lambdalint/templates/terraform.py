"""Terraform: `aws_lambda_function` resources, the community module
`terraform-aws-modules/lambda/aws`, their layers, and the resources that invoke them.

Terraform's unit is the module, the `.tf` files of one folder, so the files of a
folder are read together and refer to each other freely. A folder no other
module of the run calls (through a local `source = "./modules/fn"`) is a root
module: its variables are their `default`s, or the values of the variable files
Terraform loads by itself (`terraform.tfvars`, `*.auto.tfvars`); a variable that
another `*.tfvars` file sets (one passed with `-var-file`) is unknown. A called
module is read once per call, its variables bound to the caller's arguments, and
its functions are named by their address (`module.api.aws_lambda_function.this`).

Paths are relative to Terraform's working directory, the root module's folder
(`path.module` of the root is `.`, of a called module the path to it from there,
`path.cwd` the root's folder); a finding about a value passed in by a caller is
reported at the caller's argument.

Nothing is run: what needs Terraform to be known (a resource attribute, an
unknown variable, `each.value`, a function lambdalint does not evaluate) is
unknown, and rules that would need it stay quiet.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import posixpath
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from lambdalint.cache import INTERPRETER, ResultCache
from lambdalint.catalog import templates as facts
from lambdalint.discovery import relative
from lambdalint.keep import TERRAFORM_BODIES
from lambdalint.templates import hcl
from lambdalint.templates.hcl import NULL, UNKNOWN, Digest, Ref
from lambdalint.templates.loader import TemplateError
from lambdalint.templates.model import (
    API,
    BATCH_KINDS,
    EVENTBRIDGE,
    FUNCTION_URL,
    KAFKA,
    S3,
    SCHEDULE,
    SNS,
    TERRAFORM,
    EventSource,
    LayerRef,
    Setting,
    Template,
    TemplateFunction,
    Where,
    join,
)

_MAX_MODULE_DEPTH = 4  # called modules followed below a root, calls of calls included
_MAX_REFERENCE_DEPTH = 8


def is_local_source(source: Any) -> bool:
    """A module `source` that is a folder of the same repository (`./x`, `../x`)."""
    return isinstance(source, str) and source.startswith(("./", "../"))


def read(templates: list[Template], cache_dir: Path | None = None) -> None:
    """Read every Terraform template of a run (one folder of `.tf` files is one module):
    fill in their functions, their problems (files that do not parse) and `read`.

    A folder none of whose files mentions a Lambda function, the Lambda module or a
    local module (`_RELEVANT`) is not parsed at all: infrastructure repositories hold
    far more Terraform than functions, and parsing HCL is the cost of this reader.
    ``cache_dir``: the run's cache folder, where each file's reading is kept by its
    text (``Parses``); None parses every file (`--no-cache`, `--fix`, `--diff`).
    """
    loader = _Loader(templates, Parses(cache_dir))
    for template in templates:
        template.read = True
    called: set[str] = set()
    modules = loader.initial()
    for module in modules:
        for _, block in module.blocks("module"):
            source = hcl.evaluate(block.body.attributes["source"].expr, hcl.NoScope()) \
                if "source" in block.body.attributes else None
            if is_local_source(source):
                called.add(join(module.folder, source))
    for module in modules:
        if module.folder in called or not module.files:
            continue
        instance = _Instance(loader, module, prefix="", root_dir=module.folder, path_module=".",
                             tfvars=loader.tfvars(module))
        instance.run()
        for function, home in instance.all_functions():
            home.functions.append(function)
    if templates:
        templates[0].includes = list(loader.extra)
        templates[0].listings = list(loader.listings)


def disk_reads(templates: list[Template]) -> dict[str, list]:
    """What reading the run's Terraform took from disk besides its templates: each
    folder listed for more files (and what it held), each file read (and a digest of
    its text). A cached run whose reads are all the same (`same_disk_reads`) would read
    the same modules and variables."""
    return {
        "listings": [[folder, list(suffixes), list(names)]
                     for t in templates for folder, suffixes, names in t.listings],
        "files": [[str(f.path), _digest(f.text)] for t in templates for f in t.includes],
    }


def same_disk_reads(record: Mapping[str, Any]) -> bool:
    try:
        for folder, suffixes, names in record["listings"]:
            if [path.name for path in _folder_files(folder, tuple(suffixes))] != names:
                return False
        for path, digest in record["files"]:
            template = _disk_template(Path(path))
            if template is None or _digest(template.text) != digest:
                return False
    except (KeyError, TypeError, ValueError):
        return False
    return True


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- the files ------------------------------------------------------------------------------


class Parses:
    """Each Terraform file's reading, kept in the run's cache folder by the file's text.

    Reading HCL was most of what a run with Terraform cost when python-hcl2 did it
    all (it builds its trees with Lark, in Python: the examples of
    terraform-aws-modules/terraform-aws-lambda took 0.85 s of CPU, 0.09 s from the
    cache); ``hcl_read`` now reads them in about 0.1 s, and python-hcl2 only what it
    declines, but a run whose Python changed and not its Terraform (an edited
    handler, a pre-commit run on one file) still need not read it again. A reading
    depends on the text alone,
    so it is kept as data (``hcl.file_data``, JSON) under the sha256 of the text, in a
    folder of the results cache named by lambdalint's version, the interpreter and the
    versions of python-hcl2 and Lark (which define the trees: ``hcl_read`` gives
    exactly theirs, so a reading is the same whichever of the two made it), and built
    back into a ``Body`` (``hcl.body_of``) when found. A file that does not parse keeps its
    message and line. An entry that cannot be read or built back is parsed again; a
    file whose blocks nest too deeply for JSON's reader is not kept.
    """

    FORMAT = "1"  # of ``hcl.file_data``'s lists; another format is another folder
    MAX_NESTING = 100  # blocks in blocks: deeper readings are not kept

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir

    @functools.cached_property
    def store(self) -> ResultCache | None:
        """Made on the first file read: a run may parse no Terraform at all (`_RELEVANT`)."""
        if self.cache_dir is None:
            return None
        namespace = _parser_versions()
        return ResultCache(self.cache_dir, namespace) if namespace is not None else None

    def body(self, text: str) -> hcl.Body:
        """The file's top-level body, or raise TemplateError, as ``hcl.parse``; kept
        in the process for the next run when it runs many (`lambdalint.keep`)."""
        kept = TERRAFORM_BODIES.get(text)
        if kept is not None:
            return kept  # type: ignore[return-value]
        body = self._body(text)
        TERRAFORM_BODIES.put(text, body, len(text))
        return body

    def _body(self, text: str) -> hcl.Body:
        store = self.store
        if store is None:
            return hcl.parse(text)
        key = hashlib.sha256(text.encode()).hexdigest()
        cached = self._cached(store, key)
        if isinstance(cached, TemplateError):
            raise cached
        if cached is not None:
            return cached
        try:
            data = hcl.file_data(text)
        except TemplateError as error:
            if error.message != hcl.TOO_DEEP:  # Python's stack decides that one, not the text
                store.put(key, {"error": [error.message, error.line, error.column]})
            raise
        if hcl.nesting(data) <= self.MAX_NESTING:
            store.put(key, {"body": data})
        return hcl.body_of(data)

    @staticmethod
    def _cached(store: ResultCache, key: str) -> hcl.Body | TemplateError | None:
        """The kept reading: a body, the file's problem, or None (none, or damaged:
        then the file is parsed and its entry written again)."""
        try:
            entry = store.get(key)
            if not isinstance(entry, dict):
                return None
            if "error" in entry:
                message, line, column = entry["error"]
                return TemplateError(str(message), int(line), int(column))
            return hcl.body_of(entry["body"])
        except (KeyError, TypeError, ValueError, RecursionError):
            return None


def _parser_versions() -> str | None:
    """The cache folder of readings by this interpreter, python-hcl2 and Lark; None
    (nothing kept) when their versions cannot be told."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        versions = [INTERPRETER, version("python-hcl2"), version("lark"), Parses.FORMAT]
    except (PackageNotFoundError, ValueError):
        return None
    return "hcl-" + hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:16]


class _Module:
    """The parsed `.tf` files of one folder."""

    def __init__(self, folder: str, templates: list[Template], parses: Parses) -> None:
        self.folder = folder
        self.files: list[tuple[Template, hcl.Body]] = []
        for template in templates:
            try:
                body = parses.body(template.text)
            except TemplateError as error:
                template.problem = error
                continue
            self.files.append((template, body))
        self.variables: dict[str, hcl.Block] = {}
        self.locals: dict[str, tuple[Template, hcl.Attribute]] = {}
        self.outputs: dict[str, hcl.Attribute] = {}
        self.resources: dict[tuple[str, str], tuple[Template, hcl.Block]] = {}
        self.data: dict[tuple[str, str], tuple[Template, hcl.Block]] = {}
        for template, body in self.files:
            for block in body.blocks:
                labels = block.labels
                if block.type == "variable" and len(labels) == 1:
                    self.variables[labels[0]] = block
                elif block.type == "locals":
                    for name, attribute in block.body.attributes.items():
                        self.locals[name] = (template, attribute)
                elif block.type == "output" and len(labels) == 1 and "value" in block.body.attributes:
                    self.outputs[labels[0]] = block.body.attributes["value"]
                elif block.type == "resource" and len(labels) == 2:
                    self.resources[(labels[0], labels[1])] = (template, block)
                elif block.type == "data" and len(labels) == 2:
                    self.data[(labels[0], labels[1])] = (template, block)

    def blocks(self, kind: str) -> Iterator[tuple[Template, hcl.Block]]:
        for template, body in self.files:
            for block in body.blocks_of(kind):
                yield template, block

    def resources_of(self, kind: str) -> Iterator[tuple[str, Template, hcl.Block]]:
        for (resource_type, label), (template, block) in self.resources.items():
            if resource_type == kind:
                yield label, template, block

    @property
    def looks_like_the_lambda_module(self) -> bool:
        """Declares the variables of terraform-aws-modules/lambda/aws (called by a local path)."""
        return facts.TF_LAMBDA_MODULE_INTERFACE <= set(self.variables)


# Words one of which a folder's files must contain for the folder to be parsed.
_RELEVANT = re.compile(r'aws_lambda_function|lambda/aws|terraform-aws-lambda|source\s*=\s*"\.\.?/')


class _Loader:
    """The run's Terraform modules by folder, and those read from disk when called;
    each parsed on first use."""

    def __init__(self, templates: list[Template], parses: Parses) -> None:
        self.parses = parses
        self.groups: dict[str, list[Template]] = {}
        for template in templates:
            self.groups.setdefault(template.base_dir, []).append(template)
        for group in self.groups.values():
            group.sort(key=lambda t: t.rel_path)
        self.modules: dict[str, _Module | None] = {}
        self.on_disk = {folder: any(t.on_disk for t in group) for folder, group in self.groups.items()}
        self.extra: list[Template] = []  # files read from disk, outside the run's templates
        self.listings: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []  # folders listed for them

    def initial(self) -> list[_Module]:
        """The run's modules worth reading."""
        found = []
        for folder, group in self.groups.items():
            if any(_RELEVANT.search(t.text) for t in group):
                module = self.module_at(folder)
                if module is not None:
                    found.append(module)
        return found

    def module_at(self, folder: str) -> _Module | None:
        if folder not in self.modules:
            templates = self.groups.get(folder)
            if templates is None:
                paths = self._listed(folder, (facts.TERRAFORM_SUFFIX,))
                templates = [_disk_template(path) for path in paths]
                templates = [t for t in templates if t is not None]
                self.extra.extend(templates)
            self.modules[folder] = _Module(folder, templates, self.parses) if templates else None
        return self.modules[folder]

    def tfvars(self, module: _Module) -> _Vars:
        """The variable values Terraform loads by itself in a root module's folder."""
        found = _Vars()
        if not self.on_disk.get(module.folder, False):
            return found
        paths = self._listed(module.folder, facts.TERRAFORM_VARS_SUFFIXES)
        automatic = sorted((p for p in paths if p.name in facts.TERRAFORM_AUTO_VARS),
                           key=lambda p: p.name) + sorted(
            p for p in paths if p.name.endswith(facts.TERRAFORM_AUTO_VARS_SUFFIXES))
        for path in automatic:
            template = _disk_template(path)
            if template is not None:
                self.extra.append(template)
                for name, value in _variable_file(template, self.parses).items():
                    found.values[name] = value
                    found.origins[name] = template.rel_path
        for path in paths:
            if path in automatic:
                continue
            template = _disk_template(path)
            if template is not None:
                self.extra.append(template)
                found.unknown.update(_variable_file(template, self.parses))
        return found


    def _listed(self, folder: str, suffixes: tuple[str, ...]) -> list[Path]:
        paths = _folder_files(folder, suffixes)
        self.listings.append((folder, suffixes, tuple(path.name for path in paths)))
        return paths


class _Vars:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        self.unknown: set[str] = set()


def _folder_files(folder: str, suffixes: tuple[str, ...]) -> list[Path]:
    try:
        names = sorted(os.listdir(folder or "."))
    except OSError:
        return []
    return [Path(folder or ".", name) for name in names if name.endswith(suffixes)
            and os.path.isfile(os.path.join(folder or ".", name))]


def _disk_template(path: Path) -> Template | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    rel = relative(path)
    parent = posixpath.dirname(rel)
    return Template(path=Path(rel), rel_path=rel, text=text, kind=TERRAFORM, base_dir=parent, on_disk=True)


def _variable_file(template: Template, parses: Parses) -> dict[str, Any]:
    """The values a `.tfvars` (HCL) or `.tfvars.json` file sets; {} when it does not parse."""
    if template.rel_path.endswith(".json"):
        try:
            data = json.loads(template.text)
        except (ValueError, RecursionError):
            return {}
        return {str(k): _from_json(v) for k, v in data.items()} if isinstance(data, dict) else {}
    try:
        body = parses.body(template.text)
    except TemplateError:
        return {}
    return {name: hcl.evaluate(attribute.expr, hcl.NoScope()) for name, attribute in body.attributes.items()}


def _from_json(value: Any) -> Any:
    return NULL if value is None else value


# -- one module, as called ------------------------------------------------------------------------


class _Instance:
    """A module as Terraform evaluates it: a root module, or one call of a module."""

    def __init__(self, loader: _Loader, module: _Module, prefix: str, root_dir: str, path_module: str,
                 tfvars: _Vars | None = None, caller: _Instance | None = None,
                 arguments: dict[str, tuple[Template, hcl.Attribute]] | None = None,
                 home: Template | None = None, depth: int = 0) -> None:
        self.loader = loader
        self.module = module
        self.prefix = prefix
        self.root_dir = root_dir
        self.path_module = path_module
        self.tfvars = tfvars or _Vars()
        self.caller = caller
        self.arguments = arguments or {}
        self.home = home  # the root module's file the functions of a called module are listed under
        self.depth = depth
        self.functions: dict[str, TemplateFunction] = {}  # by address in this module
        self.by_name: dict[str, TemplateFunction] = {}  # by deployed function_name
        self.lambda_modules: dict[str, TemplateFunction] = {}  # community module calls, by label
        self.layer_modules: dict[str, str | None] = {}  # community module layers: label -> folder
        self.children: dict[str, _Instance] = {}
        self._homes: dict[int, Template] = {}
        # Lambda module calls whose event sources are read once every module is collected.
        self._module_sources: list[tuple[TemplateFunction, Template, hcl.Body]] = []
        self._pending_layers: list[tuple[TemplateFunction, Template, hcl.Attribute | None]] = []
        self._variables: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._active: set[str] = set()

    # -- Scope ----------------------------------------------------------------------------

    def variable(self, name: str) -> Any:
        if name not in self._variables:
            self._variables[name] = UNKNOWN  # a cycle ends here
            self._variables[name] = self._variable(name)
        return self._variables[name]

    def _variable(self, name: str) -> Any:
        if name in self.arguments:
            assert self.caller is not None
            return _owned(self.caller.eval(self.arguments[name][1].expr), self.caller)
        if name in self.tfvars.unknown:
            return UNKNOWN
        if name in self.tfvars.values:
            return self.tfvars.values[name]
        block = self.module.variables.get(name)
        default = block.body.attributes.get("default") if block is not None else None
        return self.eval(default.expr) if default is not None else UNKNOWN

    def local(self, name: str) -> Any:
        if name not in self._locals:
            found = self.module.locals.get(name)
            self._locals[name] = UNKNOWN
            if found is not None:
                self._locals[name] = self.eval(found[1].expr)
        return self._locals[name]

    def path(self, name: str) -> Any:
        if name == "module":
            return self.path_module
        if name == "root":
            return "."
        if name == "cwd":
            return Path(os.path.abspath(self.root_dir or ".")).as_posix()
        return UNKNOWN

    def eval(self, expr: Any) -> Any:
        return hcl.evaluate(expr, self)

    def attribute(self, body: hcl.Body, name: str) -> Any:
        """An attribute's value; NULL when it is not set."""
        attribute = body.attributes.get(name)
        return self.eval(attribute.expr) if attribute is not None else NULL

    def resolve(self, path: str) -> str:
        """A path of this module's expressions, relative to lambdalint's working directory."""
        if os.path.isabs(path):
            return join("", relative(Path(path)))
        return join(self.root_dir, path)

    # -- reading -----------------------------------------------------------------------------

    def run(self) -> None:
        """Read the functions of this module and of the modules it calls, then link
        them to what invokes them (which may be in any of those modules)."""
        self._collect()
        self._link()

    def _collect(self) -> None:
        for label, template, block in self.module.resources_of(facts.TF_FUNCTION):
            if not self._absent(block.body):
                self._add(f"{facts.TF_FUNCTION}.{label}", self._resource_function(template, block, label), template)
        for template, block in self.module.blocks("module"):
            if len(block.labels) == 1 and not self._absent(block.body):
                self._call(template, block, block.labels[0])

    def _link(self) -> None:
        for function, template, attribute in self._pending_layers:
            self._layers(function, template, attribute)
        for function, template, body in self._module_sources:
            self._module_events(function, template, body)
        self._invokers()
        for child in self.children.values():
            child._link()

    def _add(self, address: str, function: TemplateFunction, template: Template) -> None:
        self.functions[address] = function
        self._homes[id(function)] = self.home or template

    def all_functions(self) -> Iterator[tuple[TemplateFunction, Template]]:
        for function in self.functions.values():
            yield function, self._homes[id(function)]
        for child in self.children.values():
            yield from child.all_functions()

    def _absent(self, body: hcl.Body) -> bool:
        """`count = 0`, an empty `for_each`, or the community module's `create = false`."""
        count = self.attribute(body, "count")
        if isinstance(count, int) and not isinstance(count, bool) and count == 0:
            return True
        for_each = self.attribute(body, "for_each")
        return isinstance(for_each, (dict, list)) and not for_each

    def _new_function(self, template: Template, block: hcl.Block, name: str) -> TemplateFunction:
        return TemplateFunction(
            template=template, name=self.prefix + name, where=template.at(block.mark),
            default_timeout=facts.TF_DEFAULT_TIMEOUT, default_memory=facts.TF_DEFAULT_MEMORY,
        )

    def _settings(self, function: TemplateFunction, template: Template, body: hcl.Body) -> None:
        function.handler = self.setting(template, body, "handler", _string)
        function.runtime = self.setting(template, body, "runtime", _string)
        function.timeout = self.setting(template, body, "timeout", _number)
        function.memory = self.setting(template, body, "memory_size", _integer)
        name = self.attribute(body, "function_name")
        if isinstance(name, str):
            self.by_name[name] = function

    def setting(self, template: Template, body: hcl.Body, key: str, convert: Callable[[Any], Any]) -> Setting | None:
        attribute = body.attributes.get(key)
        if attribute is None:
            return None
        value = self.eval(attribute.expr)
        if value is NULL:
            return None  # as if it were not set
        where, origin = self.provenance(attribute.expr)
        return Setting(convert(value), where or template.at(attribute.mark), origin)

    def provenance(self, expr: Any, depth: int = 0) -> tuple[Where | None, str]:
        """Where a value that comes from elsewhere is written (a caller's argument), or
        where it comes from (a variable's default, a local)."""
        names = hcl.reference(expr)
        if not names or len(names) != 2 or depth > _MAX_REFERENCE_DEPTH:
            return None, ""
        kind, name = names
        if kind == "local":
            return None, f"local `{name}`"
        if kind != "var":
            return None, ""
        if name in self.arguments and self.caller is not None:
            template, attribute = self.arguments[name]
            where, origin = self.caller.provenance(attribute.expr, depth + 1)
            return where or template.at(attribute.mark), origin
        if name in self.tfvars.values:
            return None, f"`{self.tfvars.origins[name]}`"
        if name in self.module.variables:
            return None, f"the default of variable `{name}`"
        return None, ""

    # -- aws_lambda_function ------------------------------------------------------------------

    def _resource_function(self, template: Template, block: hcl.Block, label: str) -> TemplateFunction:
        body = block.body
        function = self._new_function(template, block, f"{facts.TF_FUNCTION}.{label}")
        self._settings(function, template, body)
        if self.attribute(body, "package_type") == "Image" or "image_uri" in body.attributes:
            function.code_note = "a container image"
        else:
            folder, where, note = self._code(template, body)
            function.code_dir, function.code_where, function.code_note = folder, where, note
            _built_later(function)
        self._pending_layers.append((function, template, body.attributes.get("layers")))
        return function

    def _code(self, template: Template, body: hcl.Body) -> tuple[str | None, Where | None, str]:
        """(code folder, where it is given, or why there is none) of a function or layer resource."""
        for key in facts.TF_CODE_ATTRIBUTES:
            attribute = body.attributes.get(key)
            if attribute is None:
                continue
            value = self.eval(attribute.expr)
            archive = self._archive(value.of if isinstance(value, Digest) else value)
            if archive is not None:
                folder, note = archive
                return folder, template.at(attribute.mark) if folder is not None else None, note
        if "s3_bucket" in body.attributes or "s3_key" in body.attributes:
            return None, None, "code stored in S3 (`s3_bucket`/`s3_key`)"
        filename = self.attribute(body, "filename")
        if isinstance(filename, str):
            return None, None, "a packaged artifact (`filename`)"
        if "filename" in body.attributes:
            return None, None, "a computed code location"
        return None, None, "no code location"

    def _archive(self, value: Any) -> tuple[str | None, str] | None:
        """(folder, note) of the `archive_file` a value names (a reference to it, or its
        `output_path`), None when it names none."""
        block: hcl.Block | None = None
        if isinstance(value, Ref) and value.owner is not None and value.owner is not self:
            return value.owner._archive(Ref(value.parts))
        if isinstance(value, Ref):
            parts = value.parts
            if parts[:2] == ("data", facts.TF_ARCHIVE) and len(parts) > 2:
                found = self.module.data.get((facts.TF_ARCHIVE, parts[2]))
            elif parts[0] == facts.TF_ARCHIVE and len(parts) > 1:
                found = self.module.resources.get((facts.TF_ARCHIVE, parts[1]))
            else:
                found = None
            block = found[1] if found is not None else None
        elif isinstance(value, str):
            wanted = self.resolve(value)
            archives = [b for (kind, _), (_, b) in self.module.data.items() if kind == facts.TF_ARCHIVE]
            archives += [b for (kind, _), (_, b) in self.module.resources.items() if kind == facts.TF_ARCHIVE]
            for candidate in archives:
                output = self.attribute(candidate.body, "output_path")
                if isinstance(output, str) and self.resolve(output) == wanted:
                    block = candidate
                    break
        if block is None:
            return None
        body = block.body
        kind = self.attribute(body, "type")
        if kind is not NULL and kind != "zip":
            return None, "a computed archive"
        if body.block("source") is not None or any(k in body.attributes for k in facts.TF_ARCHIVE_INLINE):
            return None, "an archive of inline content (`source` blocks)"
        for key in ("source_dir", "source_file"):
            if key not in body.attributes:
                continue
            path = self.attribute(body, key)
            if not isinstance(path, str):
                return None, f"a computed `{key}`"
            folder = self.resolve(path)
            return (folder if key == "source_dir" else _parent(folder)), ""
        return None, "an archive without a source"

    def _layers(self, function: TemplateFunction, template: Template, attribute: hcl.Attribute | None) -> None:
        if attribute is None:
            return
        items = hcl.elements(attribute.expr)
        if items is not None:
            values = [(self.eval(item), template.at(hcl.mark_of(item))) for item in items]
        else:
            value = self.eval(attribute.expr)
            values = [(item, template.at(attribute.mark)) for item in value] if isinstance(value, list) else []
        for value, where in values:
            layer = self._layer(value)
            if layer is not None:
                function.layers.append(LayerRef(layer[0], where, layer[1]))
            elif isinstance(value, str):
                function.layers.append(LayerRef(value, where))

    def _layer(self, value: Any, depth: int = 0) -> tuple[str, str | None] | None:
        """(name, folder) of the layer a reference names."""
        if not isinstance(value, Ref) or depth > _MAX_REFERENCE_DEPTH:
            return None
        if value.owner is not None and value.owner is not self:
            return value.owner._layer(Ref(value.parts), depth + 1)
        parts = value.parts
        if parts[0] == facts.TF_LAYER and len(parts) > 1:
            found = self.module.resources.get((facts.TF_LAYER, parts[1]))
            if found is None:
                return None
            folder, _, _ = self._code(found[0], found[1].body)
            return f"{self.prefix}{facts.TF_LAYER}.{parts[1]}", folder
        if parts[0] == "module" and len(parts) > 2:
            if parts[1] in self.layer_modules and parts[2].startswith(facts.TF_LAMBDA_MODULE_LAYER_OUTPUTS):
                return f"{self.prefix}module.{parts[1]}", self.layer_modules[parts[1]]
            child = self.children.get(parts[1])
            if child is not None:
                return child._layer(child.output(parts[2]), depth + 1)
        return None

    # -- module calls ---------------------------------------------------------------------------

    def _call(self, template: Template, block: hcl.Block, label: str) -> None:
        body = block.body
        source = self.attribute(body, "source")
        if not isinstance(source, str):
            return
        if any(marker in source for marker in facts.TF_LAMBDA_MODULE_SOURCES):
            self._lambda_module(template, block, label)
            return
        if not is_local_source(source) or self.depth >= _MAX_MODULE_DEPTH:
            return
        folder = join(self.module.folder, source)
        module = self.loader.module_at(folder)
        if module is None:
            return
        if module.looks_like_the_lambda_module:
            self._lambda_module(template, block, label)
            return
        arguments = {name: (template, attribute) for name, attribute in body.attributes.items()
                     if name not in facts.TF_MODULE_META_ARGUMENTS}
        child = _Instance(self.loader, module, prefix=f"{self.prefix}module.{label}.", root_dir=self.root_dir,
                          path_module=posixpath.relpath(folder or ".", self.root_dir or "."), caller=self,
                          arguments=arguments, home=self.home or template, depth=self.depth + 1)
        self.children[label] = child
        child._collect()

    def output(self, name: str) -> Any:
        attribute = self.module.outputs.get(name)
        return self.eval(attribute.expr) if attribute is not None else UNKNOWN

    def _lambda_module(self, template: Template, block: hcl.Block, label: str) -> None:
        """A call of terraform-aws-modules/lambda/aws: its arguments are the function's settings."""
        body = block.body
        if self.attribute(body, "create") is False:
            return
        if self.attribute(body, "create_layer") is True:
            folder, _ = self._source_path(body, None)
            self.layer_modules[label] = folder
        if self.attribute(body, "create_function") is False or self.attribute(body, "create_layer") is True:
            return
        function = self._new_function(template, block, f"module.{label}")
        self._settings(function, template, body)
        if self.attribute(body, "package_type") == "Image" or "image_uri" in body.attributes:
            function.code_note = "a container image"
        elif self.attribute(body, "create_package") is False:
            if "s3_existing_package" in body.attributes:
                function.code_note = "code stored in S3 (`s3_existing_package`)"
            else:
                function.code_note = "a packaged artifact (`local_existing_package`)"
        else:
            handler = function.handler.value if function.handler is not None else None
            folder, note = self._source_path(body, handler if isinstance(handler, str) else None)
            function.code_dir, function.code_note = folder, note
            if folder is not None:
                function.code_where = template.at(body.attributes["source_path"].mark)
            _built_later(function)
        self._pending_layers.append((function, template, body.attributes.get("layers")))
        self._module_sources.append((function, template, body))
        self.lambda_modules[label] = function
        self._add(f"module.{label}", function, template)

    def _source_path(self, body: hcl.Body, handler: str | None) -> tuple[str | None, str]:
        """The folder the community module zips (`source_path`), or why there is none."""
        if "source_path" not in body.attributes:
            return None, "no `source_path`"
        value = self.attribute(body, "source_path")
        entries = value if isinstance(value, list) else [value]
        paths = []
        for entry in entries:
            if isinstance(entry, dict):
                if "prefix_in_zip" in entry:
                    return None, "a `source_path` with `prefix_in_zip`"
                if "commands" in entry:
                    return None, "a `source_path` built by `commands`"
                entry = entry.get("path", NULL)
                if entry is NULL:
                    continue  # `{ pip_requirements = ... }` alone
            if not isinstance(entry, str):
                return None, "a computed `source_path`"
            paths.append(self.resolve(entry))
        folders = list(dict.fromkeys(_parent(p) if _is_file(p) else p for p in paths))
        if not folders:
            return None, "no `source_path` folder"
        if len(folders) == 1:
            return folders[0], ""
        # Several folders are zipped together: the handler's module is in one of them.
        if handler is not None:
            module = handler.rpartition(".")[0].replace(".", "/")
            for folder in folders:
                if module and (Path(join(folder, module + ".py")).is_file()
                               or Path(join(folder, module, "__init__.py")).is_file()):
                    return folder, ""
        return None, "several `source_path` folders"

    def _module_events(self, function: TemplateFunction, template: Template, body: hcl.Body) -> None:
        """`event_source_mapping`, `allowed_triggers` and `create_lambda_function_url` of the module."""
        for key, value, where in self._entries(template, body, "event_source_mapping"):
            if not isinstance(value, dict):
                continue
            kind = self.source_kind(value.get("event_source_arn", NULL))
            if kind is None and value.get("self_managed_event_source", NULL) is not NULL:
                kind = KAFKA
            if kind is not None:
                partial = _reports_failures(value.get("function_response_types", NULL)) if kind in BATCH_KINDS \
                    else None
                size = _integer(value.get("batch_size", NULL)) if kind in BATCH_KINDS else None
                function.events.append(EventSource(kind, f"{kind} `event_source_mapping` `{key}`", where, partial,
                                                   batch_size=size))
        for key, value, where in self._entries(template, body, "allowed_triggers"):
            if not isinstance(value, dict):
                continue
            principal = value.get("principal", NULL)
            service = value.get("service", NULL)
            if principal is NULL and isinstance(service, str):
                principal = f"{service}.amazonaws.com"
            kind = facts.PERMISSION_PRINCIPAL_KINDS.get(principal) if isinstance(principal, str) else None
            if kind is not None:
                function.events.append(EventSource(kind, f"`allowed_triggers` `{key}` ({principal})", where))
        if self.attribute(body, "create_lambda_function_url") is True:
            function.events.append(EventSource(FUNCTION_URL, "`create_lambda_function_url`",
                                               template.at(body.attributes["create_lambda_function_url"].mark)))

    def _entries(self, template: Template, body: hcl.Body, key: str) -> Iterator[tuple[str, Any, Where]]:
        """(key, value, where) of a map argument, each at its own line when written out."""
        attribute = body.attributes.get(key)
        if attribute is None:
            return
        items = hcl.object_items(attribute.expr, self)
        if items is not None:
            for name, expr, mark in items:
                yield name, self.eval(expr), template.at(mark)
            return
        value = self.eval(attribute.expr)
        if isinstance(value, dict):
            for name, item in value.items():
                yield name, item, template.at(attribute.mark)

    # -- what a reference names -------------------------------------------------------------------

    def function_for(self, value: Any, depth: int = 0) -> TemplateFunction | None:
        """The function a reference (`aws_lambda_function.x.arn`, an alias, a module output)
        or a literal function name or ARN names."""
        if depth > _MAX_REFERENCE_DEPTH:
            return None
        if isinstance(value, str):
            name = value.split(":function:", 1)[1].split(":")[0] if ":function:" in value else value
            return self.by_name.get(name)
        if not isinstance(value, Ref):
            return None
        if value.owner is not None and value.owner is not self:
            return value.owner.function_for(Ref(value.parts), depth + 1)  # passed in by a caller
        parts = value.parts
        if parts[0] == facts.TF_FUNCTION and len(parts) > 1:
            return self.functions.get(f"{facts.TF_FUNCTION}.{parts[1]}")
        if parts[0] == facts.TF_ALIAS and len(parts) > 1:
            found = self.module.resources.get((facts.TF_ALIAS, parts[1]))
            return self.function_for(self.attribute(found[1].body, "function_name"), depth + 1) if found else None
        if parts[:2] == ("data", facts.TF_FUNCTION) and len(parts) > 2:
            found = self.module.data.get((facts.TF_FUNCTION, parts[2]))
            return self.function_for(self.attribute(found[1].body, "function_name"), depth + 1) if found else None
        if parts[0] == "module" and len(parts) > 2:
            if parts[1] in self.lambda_modules and parts[2].startswith(facts.TF_LAMBDA_MODULE_FUNCTION_OUTPUTS):
                return self.lambda_modules[parts[1]]
            child = self.children.get(parts[1])
            if child is not None:
                return child.function_for(child.output(parts[2]), depth + 1)
        return None

    def source_kind(self, value: Any, depth: int = 0) -> str | None:
        """The kind of event source an `event_source_arn` names."""
        if isinstance(value, str):
            return next((kind for marker, kind in facts.ARN_EVENT_KINDS if marker in value), None)
        if not isinstance(value, Ref) or depth > _MAX_REFERENCE_DEPTH:
            return None
        if value.owner is not None and value.owner is not self:
            return value.owner.source_kind(Ref(value.parts), depth + 1)
        parts = value.parts
        if parts[0] == "module" and len(parts) > 2:
            child = self.children.get(parts[1])
            if child is not None:
                return child.source_kind(child.output(parts[2]), depth + 1)
            return facts.TF_EVENT_SOURCE_OUTPUTS.get(parts[2])
        resource_type = parts[1] if parts[0] == "data" and len(parts) > 1 else parts[0]
        return facts.TF_EVENT_SOURCE_TYPES.get(resource_type)

    # -- resources that invoke a function ----------------------------------------------------------

    def _invokers(self) -> None:
        for (kind, label), (template, block) in self.module.resources.items():
            reader = _INVOKER_READERS.get(kind)
            if reader is None and kind in facts.TF_API_INTEGRATIONS:
                reader = _Instance._integration
            if reader is not None:
                reader(self, template, block, f"{kind}.{label}")

    def _declare(self, target: Any, source: EventSource) -> None:
        function = self.function_for(target)
        if function is not None:
            function.events.append(source)

    def _mapping(self, template: Template, block: hcl.Block, address: str) -> None:
        body = block.body
        kind = self.source_kind(self.attribute(body, "event_source_arn"))
        if kind is None and body.block("self_managed_event_source") is not None:
            kind = KAFKA
        if kind is None:
            return
        partial = _reports_failures(self.attribute(body, "function_response_types")) if kind in BATCH_KINDS else None
        size = _integer(self.attribute(body, "batch_size")) if kind in BATCH_KINDS else None
        self._declare(self.attribute(body, "function_name"), EventSource(
            kind, f"{kind} event source mapping `{address}`", template.at(block.mark), partial, batch_size=size))

    def _bucket_notification(self, template: Template, block: hcl.Block, address: str) -> None:
        for entry in block.body.blocks_of("lambda_function"):
            source = EventSource(S3, f"S3 notification `{address}`", template.at(entry.mark))
            prefix, suffix = self.attribute(entry.body, "filter_prefix"), self.attribute(entry.body, "filter_suffix")
            source.prefix = prefix if isinstance(prefix, str) and prefix else None
            source.suffix = suffix if isinstance(suffix, str) and suffix else None
            self._declare(self.attribute(entry.body, "lambda_function_arn"), source)

    def _event_target(self, template: Template, block: hcl.Block, address: str) -> None:
        body = block.body
        rule = self.attribute(body, "rule")
        kind = EVENTBRIDGE
        if isinstance(rule, Ref) and rule.parts[0] == "aws_cloudwatch_event_rule" and len(rule.parts) > 1:
            found = self.module.resources.get(("aws_cloudwatch_event_rule", rule.parts[1]))
            if found is not None and "schedule_expression" in found[1].body.attributes:
                kind = SCHEDULE
        self._declare(self.attribute(body, "arn"), EventSource(kind, f"{kind} target `{address}`",
                                                                template.at(block.mark)))

    def _schedule(self, template: Template, block: hcl.Block, address: str) -> None:
        for target in block.body.blocks_of("target"):
            self._declare(self.attribute(target.body, "arn"), EventSource(
                SCHEDULE, f"schedule `{address}`", template.at(block.mark)))

    def _permission(self, template: Template, block: hcl.Block, address: str) -> None:
        principal = self.attribute(block.body, "principal")
        kind = facts.PERMISSION_PRINCIPAL_KINDS.get(principal) if isinstance(principal, str) else None
        if kind is not None:
            self._declare(self.attribute(block.body, "function_name"), EventSource(
                kind, f"permission `{address}` ({principal})", template.at(block.mark)))

    def _function_url(self, template: Template, block: hcl.Block, address: str) -> None:
        self._declare(self.attribute(block.body, "function_name"), EventSource(
            FUNCTION_URL, f"function URL `{address}`", template.at(block.mark)))

    def _subscription(self, template: Template, block: hcl.Block, address: str) -> None:
        if self.attribute(block.body, "protocol") == "lambda":
            self._declare(self.attribute(block.body, "endpoint"), EventSource(
                SNS, f"SNS subscription `{address}`", template.at(block.mark)))

    def _integration(self, template: Template, block: hcl.Block, address: str) -> None:
        key = facts.TF_API_INTEGRATIONS[address.split(".", 1)[0]]
        self._declare(self.attribute(block.body, key), EventSource(
            API, f"API Gateway integration `{address}`", template.at(block.mark)))


_INVOKER_READERS: dict[str, Callable[[_Instance, Template, hcl.Block, str], None]] = {
    "aws_lambda_event_source_mapping": _Instance._mapping,
    "aws_s3_bucket_notification": _Instance._bucket_notification,
    "aws_cloudwatch_event_target": _Instance._event_target,
    "aws_scheduler_schedule": _Instance._schedule,
    "aws_lambda_permission": _Instance._permission,
    "aws_lambda_function_url": _Instance._function_url,
    "aws_sns_topic_subscription": _Instance._subscription,
}


def _built_later(function: TemplateFunction) -> None:
    """A code folder that is not on disk is made by a build step before `terraform apply`
    (a `null_resource` running pip, a CI job); Terraform itself fails on one that is never
    made, so it is code outside the tree rather than a handler that names nothing."""
    folder = function.code_dir
    if folder is not None and function.template.on_disk and not Path(folder or ".").is_dir():
        function.code_dir = function.code_where = None
        function.code_note = f"code folder `{folder}/` that does not exist yet (made by a build step?)"


# -- values ----------------------------------------------------------------------------------------


def _owned(value: Any, owner: _Instance) -> Any:
    """A caller's value as a module receives it: its references still name the caller's things."""
    if isinstance(value, Ref):
        return value if value.owner is not None else Ref(value.parts, owner)
    if isinstance(value, Digest):
        return Digest(_owned(value.of, owner))
    if isinstance(value, list):
        return [_owned(item, owner) for item in value]
    if isinstance(value, dict):
        return {key: _owned(item, owner) for key, item in value.items()}
    return value


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(value, str):  # Terraform converts "30" to a number
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return number if isinstance(number, int) else None


def _reports_failures(value: Any) -> bool | None:
    """Whether `function_response_types` holds ReportBatchItemFailures (None: computed)."""
    if value is NULL:
        return False
    if isinstance(value, list):
        if facts.REPORT_BATCH_ITEM_FAILURES in value:
            return True
        return False if all(isinstance(item, str) for item in value) else None
    return None


def _parent(path: str) -> str:
    return posixpath.dirname(path)


def _is_file(path: str) -> bool:
    return path.endswith(".py") or Path(path or ".").is_file()
