"""Which deployment templates a run reads.

Without configuration: `template.yaml`/`.yml`/`.json`, `serverless.yml`,
CDK apps (a folder with `cdk.json`: its Python files, or its TypeScript files
outside `node_modules`, `cdk.out` and tests) and Terraform `.tf` files in the
folder of each checked file and in the folders above it, up to the top of the
repository (a folder with `.git`, `.hg` or `.svn`), the folder of the
configuration file, or the home folder, whichever comes first; and templates of
any name, and `.tf` files, anywhere in the checked folders. `exclude`/
`extend-exclude` apply to them as to Python files. With `templates = [...]` in
the configuration, exactly those are read instead.

A Terraform module is all the `.tf` files of a folder, so a `.tf` file always
brings the other `.tf` files of its folder with it.

A run without templates pays a few `stat` calls per folder (and a listing of
each folder above the checked ones), nothing more.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import time
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Mapping

from lambdalint import catalog
from lambdalint.cache import ResultCache
from lambdalint.catalog import templates as facts
from lambdalint.discovery import discover, glob_match, is_excluded, pruning, relative
from lambdalint.templates.model import CDK, CDK_TS, TERRAFORM, Template

if TYPE_CHECKING:
    from lambdalint.config import Config
    from lambdalint.source import SourceFile


def is_template_name(path: str) -> bool:
    """Whether a file given to the engine is a template rather than Python code: a
    SAM/CloudFormation/serverless YAML or JSON file of any name, a CDK app's marker,
    or a Terraform file (`.tf`, or a `.tfvars` variable file, which stands for the
    module in its folder)."""
    if not path.endswith(_TEMPLATE_ENDINGS) and not path.endswith(("/", ".")):
        return False  # its name, which ends the path, cannot end so either (no Path made)
    name = PurePosixPath(path).name
    return name.endswith(facts.TEMPLATE_SUFFIXES) or name == facts.CDK_APP_MARKER or _is_typescript(name) \
        or _is_terraform_name(name)


# Every name `is_template_name` accepts ends with one of these.
_TEMPLATE_ENDINGS = (*facts.TEMPLATE_SUFFIXES, facts.CDK_APP_MARKER, facts.CDK_TS_SUFFIX, facts.TERRAFORM_SUFFIX,
                     *facts.TERRAFORM_VARS_SUFFIXES)


def _is_typescript(name: str) -> bool:
    return name.endswith(facts.CDK_TS_SUFFIX)


def _is_terraform_name(name: str) -> bool:
    return name.endswith(facts.TERRAFORM_SUFFIX) or name.endswith(facts.TERRAFORM_VARS_SUFFIXES)


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _read(path: Path) -> str | None:
    try:
        return _decode(path.read_bytes())
    except OSError:
        return None


# -- on disk ------------------------------------------------------------------------------


def find_templates(files: Iterable[Path], config: Config, infrastructure: Iterable[Path] = (),
                   walked: Iterable[Path] = (),
                   listings: Mapping[str, Collection[str]] | None = None,
                   cache_dir: Path | None = None) -> tuple[list[Template], list[str]]:
    """Templates for a run over ``files`` (the Python files found), and one-line messages.

    ``infrastructure`` are the other files the walk found in the checked folders
    (`lambdalint.discovery.INFRASTRUCTURE_SUFFIXES`): each is read as a template when
    its name or its text says it is one (files named on the command line are given
    to the engine, which reads them as templates: `templates_from_sources`).
    ``walked`` are the folders that walk went through: their `.tf` files are among
    ``infrastructure`` already, so only the folders above them are listed for more.
    ``listings``: the names in the folders the walk listed, by absolute path
    (`Discovery.listings`); the others are listed here. ``cache_dir``: the run's cache
    folder, where whether each YAML/JSON file is a template is kept by the file's
    `stat` (`Sniffed`).

    Paths are absolute strings here (a `Path` per folder and name looked at was most
    of what finding no template cost).
    """
    if config.templates:
        return _explicit(config)
    found: list[Template] = []
    messages: list[str] = []
    seen_files: set[str] = set()
    sniffed = Sniffed(cache_dir, walked)
    absolute = _absolute()
    for path in infrastructure:
        key = absolute(path)
        if key in seen_files:
            continue
        name = path.name
        if name.endswith(facts.TERRAFORM_SUFFIX):
            seen_files.add(key)
            template = _terraform_file(path, explicit=False)
            if template is not None:
                found.append(template)
        elif name == facts.CDK_APP_MARKER:
            seen_files.add(key)
            found.extend(_cdk_app(path.parent, config, seen_files, explicit=False, messages=messages))
        elif name.endswith(facts.TEMPLATE_SUFFIXES) and (
                name in facts.TEMPLATE_FILE_NAMES or sniffed.looks_like_template(path, key)):
            seen_files.add(key)
            template = _template_file(path, explicit=False)
            if template is not None:
                found.append(template)
    sniffed.save()
    seen_dirs: set[str] = set()
    stops = _stops(config)
    excludes = config.excludes
    root = config.root
    walked_dirs = tuple(os.path.join(os.path.abspath(d), "") for d in walked)
    listed = listings or {}
    # The folders of the files, in the order of the files.
    for directory in dict.fromkeys(os.path.dirname(path) for path in map(os.fspath, files)):
        current = absolute(directory)
        while current not in seen_dirs:
            seen_dirs.add(current)
            if not os.path.join(current, "").startswith(walked_dirs):
                found.extend(_terraform_folder(Path(current), config, seen_files))
            # One listing of the folder rather than a stat per name looked for.
            names = listed.get(current)
            entries = set(names) if names is not None else _entries(current)
            for name in facts.TEMPLATE_FILE_NAMES:
                if entries is not None and name not in entries:
                    continue
                candidate = os.path.join(current, name)
                if candidate not in seen_files and os.path.isfile(candidate) \
                        and not is_excluded(relative(Path(candidate), root), excludes):
                    seen_files.add(candidate)
                    template = _template_file(Path(candidate), explicit=False)
                    if template is not None:
                        found.append(template)
            marker = os.path.join(current, facts.CDK_APP_MARKER)
            if (entries is None or facts.CDK_APP_MARKER in entries) and os.path.isfile(marker) \
                    and not is_excluded(relative(Path(marker), root), excludes):
                found.extend(_cdk_app(Path(current), config, seen_files, explicit=False, messages=messages))
            if current in stops or any((entries is None or m in entries) and os.path.exists(os.path.join(current, m))
                                       for m in facts.REPOSITORY_MARKERS):
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
    return found, messages


def _absolute() -> Callable[[str | Path], str]:
    """`os.path.abspath`, the working directory asked once (it asks it every time)."""
    cwd = os.getcwd()

    def absolute(path: str | Path) -> str:
        path = os.fspath(path)
        return os.path.normpath(path if os.path.isabs(path) else os.path.join(cwd, path))

    return absolute


def _entries(folder: str) -> set[str] | None:
    """The names in a folder; None when it cannot be listed (its entries may still be
    reachable by name)."""
    try:
        return set(os.listdir(folder))
    except OSError:
        return None


class Sniffed:
    """Whether each YAML/JSON file of another name is a template (`_looks_like_template`),
    kept in the run's cache folder by the file's `stat`.

    A tree holds many YAML and JSON files that are not templates (test events, package
    manifests, CI workflows: 671 of the 908 in aws-sam-cli-app-templates), and reading
    their first kilobytes to tell was a tenth of a re-run the results cache answers (the
    templates themselves are read whole anyway: the run's key hashes them). A file keeps
    its answer while its size, modification and change times and inode are those the
    answer was given for. An answer is not kept for a file modified in the last
    ``RACY_SECONDS`` (or in the future): a file written again within the same tick of
    the clock as its `stat` would keep all four, as git's "racy" entries.

    One JSON file per set of folders walked (a run over `.` and one over `src` keep
    their own), in a folder of the results cache named by lambdalint's version and what
    the answers depend on (the markers looked for, how much of a file is read), holding
    the answers about the files of the last run only; written, atomically, when they
    changed. A file that cannot be read or is damaged is as none. Without a cache folder
    (`--no-cache`), every file is read, as before.
    """

    RACY_SECONDS = 2
    FORMAT = "1"

    def __init__(self, cache_dir: Path | None, walked: Iterable[Path]) -> None:
        self.store: ResultCache | None = None
        self.known: dict[str, list[Any]] = {}  # as kept: absolute path -> [*stamp, answer]
        self.answers: dict[str, list[Any]] = {}  # to keep, of the files looked at
        # Files modified after this (nanoseconds since the epoch) are racy.
        self.racy = time.time_ns() - self.RACY_SECONDS * 1_000_000_000
        folders = sorted({os.path.abspath(folder) for folder in walked})
        if cache_dir is None or not folders:
            return
        depends = [self.FORMAT, facts.TEMPLATE_SNIFF_BYTES, facts.TEMPLATE_MARKERS, facts.FUNCTION_RESOURCE_TYPES]
        self.store = ResultCache(cache_dir, "sniffed-" + _digest(depends))
        self.key = _digest(folders)
        entry = self.store.get(self.key)
        files = entry.get("files") if isinstance(entry, dict) else None
        if isinstance(files, dict):
            self.known = files

    def looks_like_template(self, path: Path, key: str) -> bool:
        """``key``: the file's absolute path."""
        if self.store is None:
            return _looks_like_template(path)
        try:
            status = os.stat(path)
        except OSError:
            return _looks_like_template(path)
        stamp = [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]
        known = self.known.get(key)
        if isinstance(known, list) and known[:-1] == stamp and isinstance(known[-1], bool):
            self.answers[key] = known
            return known[-1]
        answer = _looks_like_template(path)
        if status.st_mtime_ns < self.racy:
            self.answers[key] = [*stamp, answer]
        return answer

    def save(self) -> None:
        """Keep the answers of this run, when they are not those already kept."""
        if self.store is not None and self.answers != self.known:
            self.store.put(self.key, {"files": self.answers})


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:24]


def _looks_like_template(path: Path | str) -> bool:
    """Whether a YAML/JSON file of another name is a CloudFormation/SAM template, told
    from its first few kilobytes (a tree holds many YAML and JSON files: test events,
    package manifests, CI workflows; none of them is parsed for this)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(facts.TEMPLATE_SNIFF_BYTES)
    except OSError:
        return False
    return _template_text(head.decode("utf-8", "replace"))


def _template_text(text: str) -> bool:
    head = text[:facts.TEMPLATE_SNIFF_BYTES]
    if any(marker in head for marker in facts.TEMPLATE_MARKERS):
        return True
    return "Resources" in head and any(kind in head for kind in facts.FUNCTION_RESOURCE_TYPES)


def is_other_data(rel_path: str, text: str) -> bool:
    """Whether a YAML/JSON file is neither named nor written like a deployment template
    (a test event, a package manifest, a CI workflow): named on the command line (by
    pre-commit, say), it is not lambdalint's to check, and is left alone."""
    name = PurePosixPath(rel_path).name
    if not name.endswith(facts.TEMPLATE_SUFFIXES) or name in facts.TEMPLATE_FILE_NAMES \
            or name == facts.CDK_APP_MARKER:
        return False
    return not _template_text(text)


def _terraform_folder(folder: Path, config: Config, seen: set[str], explicit: bool = False) -> list[Template]:
    """The `.tf` files of a folder (one Terraform module), those not read yet."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    templates = []
    for name in names:
        if not name.endswith(facts.TERRAFORM_SUFFIX):
            continue
        key = os.path.join(folder, name)
        if key in seen or not os.path.isfile(key):
            continue
        path = Path(key)
        if is_excluded(relative(path, config.root), config.excludes):
            continue
        seen.add(key)
        template = _terraform_file(path, explicit)
        if template is not None:
            templates.append(template)
    return templates


def _terraform_file(path: Path, explicit: bool) -> Template | None:
    text = _read(path)
    if text is None:
        return None
    rel = relative(path)
    return Template(path=Path(rel), rel_path=rel, text=text, kind=TERRAFORM, base_dir=_parent(rel),
                    on_disk=True, explicit=explicit)


def _stops(config: Config) -> set[str]:
    stops = set()
    if config.path is not None:
        stops.add(os.path.abspath(config.path.parent))
    try:
        stops.add(str(Path.home().resolve()))
    except (RuntimeError, OSError):
        pass
    return stops


def _explicit(config: Config) -> tuple[list[Template], list[str]]:
    found: list[Template] = []
    messages: list[str] = []
    seen: set[str] = set()
    for path in config.templates:
        where = f"{relative(path)} (named in `templates` in {config.source})"
        if path.is_dir() and not (path / facts.CDK_APP_MARKER).is_file() and any(
                name.endswith(facts.TERRAFORM_SUFFIX) for name in os.listdir(path)):
            found.extend(_terraform_folder(Path(os.path.abspath(path)), config, seen, explicit=True))
        elif path.is_dir():
            found.extend(_cdk_app(path, config, seen, explicit=True))
        elif not path.is_file():
            messages.append(f"warning: template {where} does not exist")
        elif path.name == facts.CDK_APP_MARKER:
            found.extend(_cdk_app(path.parent, config, seen, explicit=True))
        elif _is_terraform_name(path.name):
            found.extend(_terraform_folder(Path(os.path.abspath(path.parent)), config, seen, explicit=True))
        elif path.suffix == ".py" or _is_typescript(path.name):
            template = _cdk_file(path, app_root(path), explicit=True)
            if template is not None and str(path.resolve()) not in seen:
                seen.add(str(path.resolve()))
                found.append(template)
        else:
            template = _template_file(path, explicit=True)
            if template is not None:
                found.append(template)
    return found, messages


def _template_file(path: Path, explicit: bool) -> Template | None:
    text = _read(path)
    if text is None:
        text = ""
    rel = relative(path)
    return Template(path=Path(rel), rel_path=rel, text=text, base_dir=_parent(rel), on_disk=True, explicit=explicit)


def _cdk_app(root: Path, config: Config, seen: set[str], explicit: bool,
             messages: list[str] | None = None) -> list[Template]:
    python, typescript = _app_languages(root)
    files = discover([root], config.excludes, config.root).files if python else []
    if typescript:
        files += _typescript_files(root, config)
    templates = []
    top = root.resolve()
    for path in files:
        key = os.path.abspath(path)
        if key in seen or not (path.suffix == ".py" or _is_typescript(path.name)):
            continue
        if _in_nested_app(path, top):
            continue  # read by that app, whose folder its asset paths start from
        seen.add(key)
        template = _cdk_file(path, root, explicit)
        if template is not None:
            templates.append(template)
    if any(t.kind == CDK_TS for t in templates):
        from lambdalint.templates import cdk_typescript

        if not cdk_typescript.available():
            if messages is not None:
                messages.append(f"warning: the TypeScript CDK app in {relative(root)}/ is not read: "
                                "the tree-sitter-typescript package is not installed")
            templates = [t for t in templates if t.kind != CDK_TS]
    return templates


def _app_languages(root: Path) -> tuple[bool, bool]:
    """(Python, TypeScript): the languages the `app` command of cdk.json runs; both
    when it says neither (or cannot be read)."""
    text = _read(root / facts.CDK_APP_MARKER)
    try:
        data = json.loads(text) if text else None
    except (ValueError, RecursionError):
        data = None
    app = data.get("app") if isinstance(data, dict) else None
    if not isinstance(app, str):
        return True, True
    command = app.lower()
    python = any(word in command for word in facts.CDK_APP_PYTHON_WORDS)
    typescript = any(word in command for word in facts.CDK_APP_TYPESCRIPT_WORDS)
    return (True, True) if python == typescript else (python, typescript)


def _typescript_files(root: Path, config: Config) -> list[Path]:
    """The app's TypeScript files, not type declarations, and nothing in excluded folders
    (`node_modules` and `cdk.out` are excluded by default)."""
    found: list[Path] = []
    by_name, paths = pruning(config.excludes)  # as is_excluded(relative path, excludes, below=name)

    def excluded(directory: str, name: str) -> bool:
        if by_name is not None and by_name(name):
            return True
        return bool(paths) and any(glob_match(relative(Path(directory, name), config.root), pattern)
                                   for pattern in paths)

    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not excluded(directory, d))
        for name in sorted(filenames):
            if _is_typescript(name) and not name.endswith(facts.CDK_TS_DECLARATION_SUFFIX) \
                    and not excluded(directory, name):
                found.append(Path(directory, name))
    return found


def app_root(path: Path) -> Path:
    """The CDK app a file belongs to: the nearest folder above it with `cdk.json`, else its own."""
    return next((d for d in path.resolve().parents if (d / facts.CDK_APP_MARKER).is_file()), path.parent)


def _in_nested_app(path: Path, root: Path) -> bool:
    """Whether a file of the app at ``root`` (resolved) lies in another app below it: a
    folder between them has its own `cdk.json`."""
    for folder in path.resolve().parents:
        if folder == root:
            return False
        if (folder / facts.CDK_APP_MARKER).is_file():
            return True
    return False


def _is_test_file(rel_path: str) -> bool:
    """Tests of a CDK app build constructs with made-up handlers: not part of the app."""
    path = PurePosixPath(rel_path)
    directories = catalog.TEST_DIRECTORIES | facts.CDK_TS_TEST_DIRECTORIES
    patterns = catalog.TEST_FILE_PATTERNS + facts.CDK_TS_TEST_FILE_PATTERNS
    return any(part in directories for part in path.parts[:-1]) or any(
        fnmatch.fnmatch(path.name, pattern) for pattern in patterns)


def _cdk_file(path: Path, app_root: Path, explicit: bool) -> Template | None:
    if not explicit and _is_test_file(relative(path, app_root)):
        return None
    text = _read(path)
    typescript = _is_typescript(path.name)
    word = facts.CDK_TS_IMPORT_WORD if typescript else facts.CDK_IMPORT_WORD
    if text is None or word not in text:
        return None
    base = relative(app_root)
    rel = relative(path)
    return Template(path=Path(rel), rel_path=rel, text=text, kind=CDK_TS if typescript else CDK,
                    base_dir="" if base == "." else base, on_disk=True, explicit=explicit)


def _parent(rel_path: str) -> str:
    parent = str(PurePosixPath(rel_path).parent)
    return "" if parent == "." else parent


# -- given to the engine as files ------------------------------------------------------------


def templates_from_sources(sources: Iterable[SourceFile]) -> tuple[list[Template], list[SourceFile]]:
    """Templates among the files given to the engine (named on the command line, or
    the in-memory files of a test), and the Python files that remain."""
    sources = list(sources)
    templates: list[Template] = []
    python: list[SourceFile] = []
    app_roots: list[str] = []
    typescript: list[SourceFile] = []
    terraform_dirs: dict[str, bool] = {}  # folder -> on disk
    for source in sources:
        if not is_template_name(source.rel_path):
            python.append(source)
            continue
        if is_other_data(source.rel_path, source.text or _decode(source.data) or ""):
            continue
        name = PurePosixPath(source.rel_path).name
        if name == facts.CDK_APP_MARKER:
            app_roots.append(_parent(source.rel_path))
            continue
        if _is_typescript(source.rel_path):
            typescript.append(source)
            continue
        if _is_terraform_name(name):
            on_disk = source.path.is_file()
            folder = _parent(source.rel_path)
            terraform_dirs[folder] = terraform_dirs.get(folder, False) or on_disk
            if name.endswith(facts.TERRAFORM_SUFFIX):
                templates.append(Template(
                    path=source.path, rel_path=source.rel_path, text=_decode(source.data) or "", kind=TERRAFORM,
                    base_dir=folder, on_disk=on_disk, explicit=True,
                ))
            continue
        templates.append(Template(
            path=source.path, rel_path=source.rel_path, text=_decode(source.data) or "",
            base_dir=_parent(source.rel_path), on_disk=source.path.is_file(), explicit=True,
        ))
    # The rest of each named Terraform file's module: the other `.tf` files of its folder.
    named = {Path(os.path.abspath(t.rel_path)) for t in templates if t.kind == TERRAFORM}
    for folder, on_disk in terraform_dirs.items():
        if not on_disk:
            continue
        for path in sorted(Path(folder or ".").glob("*" + facts.TERRAFORM_SUFFIX)):
            key = Path(os.path.abspath(path))
            if key not in named and path.is_file():
                named.add(key)
                template = _terraform_file(path, explicit=False)
                if template is not None:
                    templates.append(template)
    for root in app_roots:
        for source in python:
            if not _under(source.rel_path, root) or facts.CDK_IMPORT_WORD not in source.text:
                continue
            if _is_test_file(source.rel_path[len(root) + 1:] if root else source.rel_path):
                continue
            templates.append(Template(path=source.path, rel_path=source.rel_path, text=source.text, kind=CDK,
                                      base_dir=root, on_disk=source.path.is_file(), explicit=True))
    for source in typescript:
        # The app's folder: the deepest `cdk.json` given with it, else one on disk above it.
        roots = [root for root in app_roots if _under(source.rel_path, root)]
        if roots:
            base = max(roots, key=len)
        elif source.path.is_file():
            base = relative(app_root(source.path))
            base = "" if base == "." else base
        else:
            base = _parent(source.rel_path)
        templates.append(Template(path=source.path, rel_path=source.rel_path, text=_decode(source.data) or "",
                                  kind=CDK_TS, base_dir=base, on_disk=source.path.is_file(), explicit=True))
    return templates, python


def _under(rel_path: str, root: str) -> bool:
    return not root or rel_path.startswith(root.rstrip("/") + "/")
