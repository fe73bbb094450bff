"""Which import environment each file of a run is checked in.

The planner's half of `lambdalint.model.imports`: from what the templates say
(each function's code root and layers), the configuration (`src`), and the text
pre-scan of every file (which files may hold a handler, what they import), it
builds the run's environments and says which files start each one (its entry
files) and which templates' functions each one reports.

- A function a template deploys gets its code root, then its layers: the
  folders of layers the template defines, and for layers named only by ARN the
  tree's `.../python/<package>` folder of each package its code imports and
  its own root does not hold. Functions with the same search path share one
  environment (a SAM template whose functions all have `CodeUri: src/`).
- A file that may hold a handler and that no template deploys belongs to the
  environment whose code root holds it most closely; if none does, to one of
  its own: a configured `src` root that holds it, or else the folder from which
  its imports resolve (`infer_root`), with `.../python/<package>` folders for
  what it imports from a layer in the tree.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping

from lambdalint.catalog import THIRD_PARTY_PACKAGES
from lambdalint.model.imports import (
    LAYER_PYTHON,
    Environment,
    ImportSpace,
    contains,
    infer_root,
    layer_roots,
    is_test_path,
    shared_depth,
)
from lambdalint.prescan import Prescan


@dataclass(frozen=True)
class Deployed:
    """What the planner needs to know of one function a template deploys."""

    key: str  # `TemplateFunction.key`
    label: str  # how `lambdalint handlers` names its template: "template.yaml (Fn)"
    code_dir: str | None  # None: code outside the tree (S3, an image, inline)
    handler_file: str | None  # the handler's file, when it exists in the tree
    layers: tuple[tuple[str, str | None], ...] = ()  # (name, folder or None when by ARN)


@dataclass
class Layout:
    """The environments of a run and what belongs to each."""

    environments: list[Environment] = field(default_factory=list)
    entries: dict[Environment, set[str]] = field(default_factory=dict)
    functions: dict[Environment, set[str]] = field(default_factory=dict)
    # Template functions whose code is not in the tree: checked with no environment.
    homeless: set[str] = field(default_factory=set)
    # Each checked file's environment for naming it, when some environment holds it.
    home: dict[str, Environment] = field(default_factory=dict)
    space: ImportSpace = field(default_factory=lambda: ImportSpace(frozenset()))
    # Per environment, what each file `groups` reached imports among the files of the tree.
    imports: dict[Environment, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def groups(self, env: Environment, scans: Mapping[str, Prescan]) -> list[list[str]]:
        """The files an environment's entry files and their imports reach, in groups
        that share no file (each can be modelled on its own: a unit of work). What
        each of them imports is kept in `imports`."""
        parent: dict[str, str] = {}
        edges = self.imports.setdefault(env, {})

        def find(rel: str) -> str:
            while parent[rel] != rel:
                parent[rel] = parent[parent[rel]]
                rel = parent[rel]
            return rel

        for entry in sorted(self.entries.get(env, ())):
            if entry in parent:
                continue
            parent[entry] = entry
            stack = [entry]
            while stack:
                rel = stack.pop()
                found = scans.get(rel)
                if found is None:
                    continue
                targets = self.space.resolve_imports(rel, found.imports, found.relative, env)
                edges[rel] = targets = tuple(dict.fromkeys(_with_packages(targets, env, self.space.files)))
                for target in targets:
                    if target in parent:
                        parent[find(target)] = find(rel)  # reached before: one group
                    else:
                        parent[target] = find(rel)
                        stack.append(target)
        grouped: dict[str, list[str]] = defaultdict(list)
        for rel in parent:
            grouped[find(rel)].append(rel)
        return sorted(sorted(group) for group in grouped.values())


def _with_packages(targets: Iterable[str], env: Environment, files: frozenset[str]) -> Iterator[str]:
    """Imported files, each after the `__init__.py` of the packages that hold it below
    its root: importing `shared.db` runs `shared/__init__.py` first."""
    for target in targets:
        root = max((r for r in env.roots if contains(r, target)), key=len, default=None)
        if root is not None:
            folder = posixpath.dirname(target)
            inits = []
            while folder and folder != root and contains(root, folder):
                init = f"{folder}/__init__.py"
                if init in files and init != target:
                    inits.append(init)
                folder = posixpath.dirname(folder)
            yield from reversed(inits)
        yield target


def deployed_closure(imports: Mapping[str, Iterable[str]], roots: Iterable[str]) -> set[str]:
    """The files Lambda runs, given the files whose code it runs first (``roots``, the
    handlers' modules) and what each file imports: the roots and everything they import,
    directly or not, test files left out (neither run nor followed). A module imported
    anywhere, even inside a function, counts: its module-level code runs when it is."""
    found: set[str] = set()
    stack = [rel for rel in roots if not is_test_path(rel)]
    while stack:
        rel = stack.pop()
        if rel in found:
            continue
        found.add(rel)
        stack.extend(target for target in imports.get(rel, ()) if target not in found and not is_test_path(target))
    return found


def layout(scans: Mapping[str, Prescan], deployed: Iterable[Deployed] = (), src: Iterable[str] = (),
           entry_files: Iterable[str] = (), distributions: Iterable[str] = ()) -> Layout:
    """The environments of a run over the pre-scanned files. ``entry_files`` are more
    files to start from (named by the configuration's `handlers`); ``distributions``
    are the folders of the tree that hold a distribution's metadata (`pyproject.toml`,
    `setup.py`): a local package that builds install into functions (see
    `_installed_from_tree`)."""
    files = frozenset(scans)
    result = Layout()
    python_folders = _python_folders(files)
    by_roots: dict[tuple[str, ...], Environment] = {}
    deployed = list(deployed)

    # 1. Functions templates deploy.
    groups: dict[tuple[str, ...], list[Deployed]] = defaultdict(list)
    arn_layers: dict[tuple[str, ...], bool] = {}
    for function in deployed:
        if function.code_dir is None:
            result.homeless.add(function.key)
            continue
        roots: list[str] = [function.code_dir]
        for _, folder in reversed(function.layers):  # a later layer's files win in /opt
            if folder is not None:
                roots.extend(r for r in layer_roots(folder, files) if r not in roots)
        key = tuple(roots)
        groups[key].append(function)
        arn_layers[key] = arn_layers.get(key, False) or any(folder is None for _, folder in function.layers)
    template_envs: list[Environment] = []
    for roots, functions in groups.items():
        first = functions[0].label
        name = first if len(functions) == 1 else f"{first} and {len(functions) - 1} more"
        layers = tuple(dict.fromkeys(n for f in functions for n, _ in f.layers))
        env = Environment(name, roots, kind="template", layers=layers)
        by_roots[roots] = env
        template_envs.append(env)
        # A handler file outside the checked paths (read from disk for LAM001) starts nothing.
        result.entries[env] = {f.handler_file for f in functions if f.handler_file in files}
        result.functions[env] = {f.key for f in functions}

    # 2. Configured roots, then 3. files that may hold a handler and no template deploys.
    configured = _configured_roots(src, files)
    named = {f.handler_file for f in deployed if f.handler_file in files}
    candidates = sorted({rel for rel, found in scans.items() if found.may_have_entry} | set(entry_files))
    inferred: dict[str, Environment] = {}
    for rel in candidates:
        if rel in named:
            continue
        holder = _closest(rel, template_envs)
        if holder is not None:
            result.entries[holder].add(rel)
            continue
        root = next((r for r in configured if contains(r, rel)), None)
        kind = "configured"
        if root is None:
            found = scans[rel]
            root = infer_root(rel, found.imports, found.relative, files)
            kind = "inferred"
        env = inferred.get(root)
        if env is None:
            env = Environment(f"{kind} root {root or '.'}", (root,), kind=kind, suffix_fallback=kind == "inferred")
            inferred[root] = env
            result.entries[env] = set()
            result.functions[env] = set()
        result.entries[env].add(rel)

    # Layers found by the packages the code imports: for functions whose template
    # names layers by ARN, and for code no template describes.
    environments: list[Environment] = []
    for env in [*template_envs, *inferred.values()]:
        if env.kind == "inferred" or arn_layers.get(env.roots):
            env = _with_layers_found(env, result, scans, files, python_folders)
        environments.append(env)
    environments = _installed_from_tree(environments, result, distributions, files)
    result.environments = environments
    result.space = ImportSpace.of(files, environments)
    by_root: dict[str, Environment] = {}
    for env in environments:
        by_root.setdefault(env.code_root, env)
    for rel in files:  # the environment whose code root holds the file most closely
        folder = posixpath.dirname(rel)
        while True:
            env = by_root.get(folder)
            if env is not None:
                result.home[rel] = env
                break
            if not folder:
                break
            folder = posixpath.dirname(folder)
    return result


def _installed_from_tree(environments: list[Environment], result: Layout, distributions: Iterable[str],
                         files: frozenset[str]) -> list[Environment]:
    """Every environment, with the local distributions of the tree after its layers.

    A folder with a `pyproject.toml` or `setup.py` that holds no function's code (a
    shared library such as `shared/src/ecom/`) is a package the build installs into
    the functions that depend on it (`pip install ./shared/src/ecom`, a requirements
    line): its importable folder (`src/` when it has one) comes after the layers, where
    site-packages would be. A distribution that holds a function's code (the
    repository's own `pyproject.toml`) is that code, not a library, and is left out.
    """
    roots = {env.code_root for env in environments}
    folders = []
    holding = {posixpath.dirname(rel) for rel in files}
    for folder in list(holding):  # every folder that holds a file, at any depth
        while folder:
            folder = posixpath.dirname(folder)
            holding.add(folder)
    for folder in sorted(set(distributions)):
        folder = "" if folder == "." else folder
        if not folder or any(contains(folder, root) or contains(root, folder) for root in roots):
            continue
        source = f"{folder}/src"
        folder = source if source in holding else folder
        if any(f"{folder}/{name}/__init__.py" in files or f"{folder}/{name}.py" in files
               for name in THIRD_PARTY_PACKAGES):
            continue  # the source of a library the catalog knows (a copy of boto3): never ours
        folders.append(folder)
    if not folders:
        return environments
    extended = []
    for env in environments:
        more = tuple(f for f in folders if f not in env.roots)
        if not more:
            extended.append(env)
            continue
        wider = Environment(env.name, env.roots + more, env.kind, env.layers, env.suffix_fallback)
        result.entries[wider] = result.entries.pop(env)
        result.functions[wider] = result.functions.pop(env)
        extended.append(wider)
    return extended


def _closest(rel: str, environments: list[Environment]) -> Environment | None:
    holders = [env for env in environments if contains(env.code_root, rel)]
    return max(holders, key=lambda env: len(env.code_root)) if holders else None


def _configured_roots(patterns: Iterable[str], files: frozenset[str]) -> list[str]:
    """Folders the configuration's `src` names (globs allowed), deepest first."""
    folders = {posixpath.dirname(rel) for rel in files}
    ancestors = set()
    for folder in folders:
        while folder:
            ancestors.add(folder)
            folder = posixpath.dirname(folder)
    roots = set()
    for pattern in patterns:
        pattern = pattern.strip().strip("/")
        if pattern in ("", "."):
            roots.add("")
        elif any(ch in pattern for ch in "*?["):
            roots.update(f for f in ancestors if fnmatch.fnmatchcase(f, pattern))
        else:
            roots.add(pattern)
    return sorted(roots, key=lambda r: (-len(r), r))


def _python_folders(files: frozenset[str]) -> dict[str, list[str]]:
    """Top-level package or module name -> the `.../python` folders of the tree that
    hold it (layer contents laid out the way Lambda extracts them into /opt)."""
    found: dict[str, set[str]] = defaultdict(set)
    for rel in files:
        parts = rel.split("/")
        for i, part in enumerate(parts[:-1]):
            if part == LAYER_PYTHON:
                name = parts[i + 1]
                name = name[:-3] if name.endswith(".py") else name
                if name.isidentifier():
                    found[name].add("/".join(parts[: i + 1]))
    return {name: sorted(folders) for name, folders in found.items()}


def _with_layers_found(env: Environment, result: Layout, scans: Mapping[str, Prescan], files: frozenset[str],
                       python_folders: dict[str, list[str]]) -> Environment:
    """The environment with the `.../python` folders that hold packages its files
    import and its roots do not (one folder per package; the closest to the code
    root when several hold it)."""
    if not python_folders:
        return env
    roots = list(env.roots)
    space = ImportSpace(files)
    added: list[str] = []
    seen: set[str] = set()
    stack = sorted(result.entries.get(env, ()))
    while stack:
        rel = stack.pop()
        if rel in seen or rel not in scans:
            continue
        seen.add(rel)
        found = scans[rel]
        for name in found.imports:
            current = Environment(env.name, tuple(roots), env.kind)
            target = space.find(name, current)
            if target is None:
                head = name.partition(".")[0]
                folders = [f for f in python_folders.get(head, ()) if f not in roots]
                if folders:
                    folder = max(folders, key=lambda f: shared_depth(f, env.code_root))
                    roots.append(folder)
                    added.append(folder)
                    target = space.find(name, Environment(env.name, tuple(roots), env.kind))
            if target is not None:
                stack.append(target)
        stack.extend(space.resolve_imports(rel, (), found.relative, env))
    if not added:
        return env
    layered = Environment(env.name, tuple(roots), env.kind, env.layers + tuple(added), env.suffix_fallback)
    result.entries[layered] = result.entries.pop(env)
    result.functions[layered] = result.functions.pop(env)
    return layered


@dataclass(frozen=True)
class Scope:
    """What one unit of a run is: the import environment its files are modelled in,
    and which templates' functions (keys of `TemplateFunction.key`) and problems it
    reports, so that each function and each broken template is reported by exactly
    one unit."""

    environment: Environment
    functions: frozenset[str] = frozenset()
    template_problems: bool = False
    # Which files of the unit Lambda runs (`ModuleModel.deployed`). ``imports``: what
    # each file of a unit the planner made for an environment imports among the unit's
    # files (`Layout.imports`); the modules in which the model finds an entry point
    # (or that a handler spec names) and everything they import are deployed.
    # ``deployed``: without ``imports``, the files known to be deployed (a file a
    # handler's module imports, checked alone); with them, the planner's guess (its
    # entry files and their imports), which the model then narrows. Both None:
    # nothing is known, and every file but a test file counts as deployed.
    imports: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    deployed: frozenset[str] | None = None
