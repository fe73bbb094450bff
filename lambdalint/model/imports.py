"""Which file an import names: one search path per deployed function, as Lambda builds `sys.path`.

A checked tree is not one import space. Each function Lambda runs imports from
its own code root (`/var/task`: the template's `CodeUri`, a serverless service
folder, a CDK asset folder, a Terraform `source_dir`), then from its layers
(`/opt/python/lib/python3.X/site-packages` and `/opt/python`), then from
third-party code, which is never part of the checked tree. So the same
`import utils` means `functions/a/utils.py` in one function and
`functions/b/utils.py` in another, and a vendored `boto3` beside a function
never stands for the real one (`lambdalint.discovery` leaves installed
packages out of the tree altogether).

An ``Environment`` is such a search path: an ordered tuple of folders of the
tree. ``ImportSpace`` answers, for the files of the tree, what a dotted name
means in an environment and what a file's module name is there. Environments
come from deployment templates, from configuration (`src`), or are inferred for
code no template describes: the folder from which a handler's own imports
resolve (``infer_root``). Only when an environment is explicitly a last
resort (``Environment.suffix_fallback``) does a name that no root resolves fall
back to the file whose path ends with it, and only among files that no other
environment claims.

Nothing here reads syntax trees: the planner works on the text pre-scan's
import lists, and the execution model (`lambdalint.model.project`) asks the
same questions with the names it qualifies, so both agree.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, ClassVar, Iterable, Iterator, Protocol

from lambdalint import catalog
from lambdalint.catalog import THIRD_PARTY_PACKAGES

PACKAGE_INIT = "__init__"
_MODULE_SUFFIXES = (".py", ".pyi")
# A layer's folder holds `python/` (always on the path) and, for packages
# installed the way pip lays them out, `python/lib/python3.X/site-packages`.
LAYER_PYTHON = "python"
LAYER_SITE_PACKAGES_PARENT = "python/lib"


@dataclass(frozen=True)
class Environment:
    """One import search path (a `sys.path` of the tree's folders, in order).

    ``roots`` are POSIX folders relative to the working directory ("" is the
    working directory itself); the first is the code root. ``name`` says where
    it comes from, for `lambdalint handlers` and messages; ``kind`` is
    "template", "configured" (config `src`), "inferred" or "flat" (the whole
    tree as one space: a file checked alone, or code with no better answer).
    """

    name: str
    roots: tuple[str, ...]
    kind: str = "inferred"
    # Layer folders (their names as the template gives them, and the folders put
    # on the path for them), for display.
    layers: tuple[str, ...] = ()
    # Whether a name no root resolves may fall back to the file whose path ends
    # with it (among the files no other environment claims): the last resort
    # for trees with no template and no inferable root.
    suffix_fallback: bool = False

    @property
    def code_root(self) -> str:
        return self.roots[0] if self.roots else ""

    @property
    def key(self) -> tuple[tuple[str, ...], bool]:
        """What resolution depends on: two environments with the same key resolve alike."""
        return self.roots, self.suffix_fallback


FLAT = Environment("the checked files", ("",), kind="flat", suffix_fallback=True)


def contains(folder: str, rel_path: str) -> bool:
    """Whether a relative path lies in a folder ("" holds everything)."""
    return not folder or rel_path == folder or rel_path.startswith(folder + "/")


def shared_depth(a: str, b: str) -> int:
    """How many leading folders two relative paths share: how close they are."""
    count = 0
    for x, y in zip(a.split("/") if a else (), b.split("/") if b else ()):
        if x != y:
            break
        count += 1
    return count


def module_path(rel_path: str) -> tuple[list[str], bool]:
    """Path components of a module file without its suffix (a package's `__init__`
    dropped), and whether it is a package."""
    stem = rel_path
    for suffix in _MODULE_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    parts = [p for p in stem.split("/") if p not in ("", ".", "..")]
    is_package = bool(parts) and parts[-1] == PACKAGE_INIT
    if is_package:
        parts = parts[:-1]
    return parts, is_package


def name_under(root: str, rel_path: str) -> tuple[str, bool]:
    """The dotted module name of a file seen from a root that contains it."""
    sub = rel_path[len(root) + 1:] if root else rel_path
    parts, is_package = module_path(sub)
    return ".".join(parts) or "__main__", is_package


@dataclass
class ImportSpace:
    """The Python files of a run (relative POSIX paths) and what imports mean among them."""

    files: frozenset[str]
    # Code roots of the environments of the run: a suffix fallback never lands in
    # another function's code.
    claimed: tuple[str, ...] = ()
    _by_suffix: dict[str, list[str]] | None = field(default=None, repr=False)
    _found: dict[tuple[str, tuple[str, ...], bool], str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, files: Iterable[str], environments: Iterable[Environment] = ()) -> ImportSpace:
        roots = {env.code_root for env in environments if env.kind != "flat"}
        return cls(frozenset(files), tuple(sorted(r for r in roots)))

    def module_name(self, rel_path: str, env: Environment) -> tuple[str, bool]:
        """A file's dotted name in an environment: relative to the first root that holds
        it (a file outside all roots is named from the working directory)."""
        for root in env.roots:
            if contains(root, rel_path) and rel_path != root:
                return name_under(root, rel_path)
        return name_under("", rel_path)

    def find(self, dotted: str, env: Environment, importer: str | None = None) -> str | None:
        """The file a dotted module name denotes in an environment, or None (a module
        outside the tree: the standard library, third-party code, or nothing)."""
        key = (dotted, env.roots, env.suffix_fallback)
        if key in self._found:
            found = self._found[key]
        elif dotted.partition(".")[0] in THIRD_PARTY_PACKAGES:
            # `boto3` is the real boto3 unless the code root itself holds the package
            # (the library's own source, checked as such): never a copy in a layer, a
            # local distribution or anywhere a suffix matches.
            found = self._found[key] = self._search(dotted, env.roots[:1])
        else:
            found = self._search(dotted, env.roots)
            if found is None and env.suffix_fallback:
                found = self._by_suffix_unclaimed(dotted, env)
            self._found[key] = found
        return found

    def _search(self, dotted: str, roots: tuple[str, ...]) -> str | None:
        path = dotted.replace(".", "/")
        files = self.files
        for root in roots:
            base = f"{root}/{path}" if root else path
            for candidate in (base + ".py", base + "/__init__.py", base + ".pyi", base + "/__init__.pyi"):
                if candidate in files:
                    return candidate
        return None

    def _by_suffix_unclaimed(self, dotted: str, env: Environment) -> str | None:
        """The last resort: the one file whose module path ends with the name, among the
        files outside every other environment's code root (closest to the code root
        when several do)."""
        if self._by_suffix is None:
            index: dict[str, list[str]] = defaultdict(list)
            for rel in self.files:
                parts, _ = module_path(rel)
                for i in range(len(parts)):
                    index[".".join(parts[i:])].append(rel)
            self._by_suffix = index
        own = env.code_root
        others = [root for root in self.claimed if root != own and not contains(root, own)]
        candidates = [rel for rel in self._by_suffix.get(dotted, ())
                      if not any(contains(root, rel) for root in others)]
        if not candidates:
            return None
        return max(sorted(candidates), key=lambda rel: shared_depth(own, rel))

    def resolve_imports(self, rel_path: str, imports: Iterable[str], relative: Iterable[str],
                        env: Environment) -> Iterator[str]:
        """The files of the tree that a file's imports (dotted names as the pre-scan
        lists them, and relative imports as folder paths) name in an environment."""
        seen: set[str] = {rel_path}
        for name in imports:
            found = self.find(name, env)
            if found is not None and found not in seen:
                seen.add(found)
                yield found
        for path in relative:
            for candidate in (path + ".py", path + "/__init__.py"):
                if candidate in self.files and candidate not in seen:
                    seen.add(candidate)
                    yield candidate


def layer_roots(folder: str, files: frozenset[str]) -> tuple[str, ...]:
    """The folders a layer's content puts on the path: `python/lib/python3.X/site-packages`
    (each present), then `python/`; a layer folder without `python/` (one a build step
    such as SAM's `BuildMethod: python3.X` or CDK's `PythonLayerVersion` copies into
    `python/`) is itself the folder."""
    base = folder.rstrip("/")
    python = f"{base}/{LAYER_PYTHON}" if base else LAYER_PYTHON
    prefix = python + "/lib/"
    site = sorted({rel[: rel.index("/site-packages/") + len("/site-packages")]
                   for rel in files if rel.startswith(prefix) and "/site-packages/" in rel[len(prefix):]})
    if any(contains(python, rel) for rel in files):
        return (*site, python)
    return (base,)


def infer_root(rel_path: str, imports: Iterable[str], relative: Iterable[str], files: frozenset[str],
               top: str = "") -> str:
    """The code root a handler file most likely has when no template says: of its
    folder and the folders above it (up to ``top``), the one from which most of its
    imports resolve to files of the tree, the deepest on a tie (Lambda zips a
    function's folder). A file inside packages (relative imports, or `__init__.py`
    beside it, with absolute imports of its own package) gets a root above them."""
    folder = posixpath.dirname(rel_path)
    candidates = []
    current = folder
    while True:
        candidates.append(current)
        if current == top or not current:
            break
        current = posixpath.dirname(current)
    names = [n for n in dict.fromkeys(imports)]
    has_relative = any(True for _ in relative)
    best, best_score = folder, -1
    for candidate in candidates:
        if has_relative and candidate == folder and f"{folder}/__init__.py" in files:
            continue  # a module of a package is imported from above the package
        space = ImportSpace(files)
        score = sum(1 for name in names if space._search(name, (candidate,)) is not None)
        if score > best_score:
            best, best_score = candidate, score
    if best_score <= 0 and has_relative:
        # Only relative imports: the folder above the package that holds the file.
        current = folder
        while current and f"{current}/__init__.py" in files:
            current = posixpath.dirname(current)
        return current
    return best


class Resolution:
    """What imports mean for the modules of one unit of work: the question the
    execution model asks (`Project`) and the names it gives modules.

    In the "flat" environment (files checked together with no environment: a test's
    in-memory files, a file checked alone) a dotted name means the file whose
    module path ends with it, the closest to the importer when several do: the
    whole set of files is one import space.
    """

    def __init__(self, space: ImportSpace, env: Environment) -> None:
        self.space = space
        self.env = env
        self._flat = env.kind == "flat"
        self._suffixes: dict[str, list[str]] | None = None

    def module_name(self, rel_path: str) -> tuple[str, bool]:
        if self._flat:
            return name_under("", rel_path)
        return self.space.module_name(rel_path, self.env)

    def find(self, dotted: str, importer: str) -> str | None:
        if not self._flat:
            return self.space.find(dotted, self.env)
        if self._suffixes is None:
            index: dict[str, list[str]] = defaultdict(list)
            for rel in sorted(self.space.files):
                parts, _ = module_path(rel)
                for i in range(len(parts)):
                    index[".".join(parts[i:])].append(rel)
            self._suffixes = index
        candidates = self._suffixes.get(dotted)
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        return max(candidates, key=lambda rel: shared_depth(importer, rel))

    def exact(self, dotted: str) -> str | None:
        """The file whose own module name is exactly ``dotted`` (no suffix match): what
        a standard-library name may mean (`import json` is a project module only when
        the tree has a top-level `json.py`)."""
        if not self._flat:
            return self.space.find(dotted, self.env)
        path = dotted.replace(".", "/")
        for candidate in (path + ".py", path + "/__init__.py", path + ".pyi"):
            if candidate in self.space.files:
                return candidate
        return None


def is_test_path(rel_path: str) -> bool:
    """A test file by its path: in a `tests/` (`test/`, `testing/`) folder, or named
    `test_*.py`, `*_test.py`, `tests.py` or `conftest.py`."""
    path = PurePosixPath(rel_path)
    if any(part in catalog.TEST_DIRECTORIES for part in path.parts[:-1]):
        return True
    return any(fnmatch.fnmatch(path.name, p) for p in catalog.TEST_FILE_PATTERNS)


def module_name_for(rel_path: str) -> tuple[str, bool]:
    """Dotted module name for a relative path seen from the working directory, and
    whether it is a package (an import environment may name it otherwise)."""
    path = PurePosixPath(rel_path)
    parts = [p for p in path.with_suffix("").parts if p not in ("", ".", "..")]
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts) or "__main__", is_package


class NamedModule(Protocol):
    """A module by its path and its name in its environment (`ModuleModel`)."""

    rel_path: str
    module_name: str


@dataclass(frozen=True)
class HandlerSpec:
    """A handler named outside the code: `pkg/app.py:func` or `pkg.app.func`.

    ``source`` says where the name came from ("config", or a template path),
    and shows up in `lambdalint handlers`.
    """

    module: str  # dotted module name or relative file path
    function: str
    source: str = "config"
    # Event sources the deployment declares for this handler (templates fill this
    # in with `lambdalint.templates.EventSource`s); not part of its identity.
    events: tuple[Any, ...] = field(default=(), compare=False)
    # Whether a template that deploys the function names it (`TemplateHandlerSpec`):
    # the other functions of its module are then not taken for handlers by their name
    # or `(event, context)` parameters alone (`lambda_handler_local`, a driver for
    # runs on a laptop, is code Lambda never calls).
    deploys: ClassVar[bool] = False

    @classmethod
    def parse(cls, text: str, source: str = "config") -> HandlerSpec:
        text = text.strip()
        if ":" in text:
            module, _, function = text.rpartition(":")
        else:
            module, _, function = text.rpartition(".")
        if not module or not function or not function.isidentifier():
            raise ValueError(
                f"handler {text!r} is neither 'path/to/file.py:function' nor 'package.module.function'"
            )
        return cls(module=module, function=function, source=source)

    def matches(self, model: NamedModule) -> bool:
        """By the module's name in its environment (Lambda's `Handler` form, from the
        code root) or from the working directory."""
        return self.matches_file(model.rel_path, model.module_name) or \
            self.matches_file(model.rel_path, module_name_for(model.rel_path)[0])

    def matches_file(self, rel_path: str, module_name: str) -> bool:
        if self.module.endswith(".py") or "/" in self.module:
            wanted = self.module.lstrip("./")
            return rel_path == wanted or rel_path.endswith("/" + wanted)
        return module_name == self.module or module_name.endswith("." + self.module)
