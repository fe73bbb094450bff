"""Which files a run checks, and one-line messages for the paths it cannot."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

PYTHON_SUFFIXES = (".py", ".pyi")
# Files that may describe a deployment (SAM/CloudFormation YAML or JSON, serverless.yml,
# Terraform, a CDK app's cdk.json): collected by the same walk, read by
# `lambdalint.templates` only when their text says so.
INFRASTRUCTURE_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".tf")
# Files that make their folder the root of a distribution of the tree (a package a
# build step installs into functions: `pip install ./shared/src/ecom`).
DISTRIBUTION_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py")
# Folders that record an installed distribution: their siblings that the distribution
# installed are third-party code (`pip install --target`, a layer's `python/` folder).
_DISTRIBUTION_SUFFIXES = (".dist-info", ".egg-info")


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    infrastructure: list[Path] = field(default_factory=list)
    # Folders of the tree that hold a distribution's metadata (pyproject.toml, setup.py,
    # setup.cfg), relative to the working directory, possibly repeated.
    distributions: list[str] = field(default_factory=list)
    walked: list[Path] = field(default_factory=list)  # the folders named, walked whole
    # Third-party packages and modules found installed inside the walked folders,
    # never checked (POSIX paths relative to the working directory).
    vendored: list[str] = field(default_factory=list)
    # The names in each folder walked, by the folder's absolute path (`os.path.abspath`,
    # symlinks not resolved): `find_templates` looks in the folders of the files found
    # for templates, and need not list them again.
    listings: dict[str, list[str]] = field(default_factory=dict)


def relative(path: Path, base: Path | None = None) -> str:
    """A POSIX path relative to base (default: the working directory) when possible."""
    if base is None and not os.path.isabs(path):
        # Already relative to the working directory and not climbing out of it
        # (`../src/app.py` from `src` is `app.py`): what relpath would give,
        # without its two absolute paths (a tenth of a warm re-run).
        normal = os.path.normpath(path)
        if normal != os.pardir and not normal.startswith(os.pardir + os.sep):
            return PurePosixPath(normal).as_posix()
    base = base or Path.cwd()
    try:
        return PurePosixPath(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def is_excluded(rel_path: str, patterns: list[str], below: str | None = None) -> bool:
    """A pattern without a slash matches any path component (of `below`, the part
    under the folder named on the command line, when given); with one, the path."""
    parts = PurePosixPath(below if below is not None else rel_path).parts
    for pattern in patterns:
        if "/" in pattern.strip("/"):
            if glob_match(rel_path, pattern):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern.strip("/")) for part in parts):
            return True
    return False


def glob_match(rel_path: str, pattern: str) -> bool:
    """`**` spans folders, `*` stays inside one; a pattern without a slash matches the file name."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(rel_path).name, pattern)
    return _glob_regex(pattern).match(rel_path) is not None


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _glob_regex(pattern: str) -> re.Pattern[str]:
    cached = _REGEX_CACHE.get(pattern)
    if cached is not None:
        return cached
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    compiled = re.compile("".join(out) + r"(?:/.*)?\Z")
    _REGEX_CACHE[pattern] = compiled
    return compiled


def discover(paths: list[Path], excludes: list[str], root: Path) -> Discovery:
    """Python files under the given paths, excluded folders pruned early.

    Explicitly named files are always checked. Symlinked folders are followed
    only while they stay inside the folder being walked, and each real folder
    is visited once, so a symlink loop ends with a message instead of a hang.
    """
    found = Discovery()
    seen: set[object] = set()

    def add(path: Path, name: str | None = None) -> None:
        # One stat, not a realpath of every component: the same file reached twice
        # (named twice, or through a symlink) has the same device and inode.
        try:
            status = os.stat(path if name is None else name)
            key: object = (status.st_dev, status.st_ino) if status.st_ino else path.resolve()
        except OSError:
            key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for path in paths:
        if path.is_symlink() and not path.exists():
            found.problems.append(f"{path}: broken symlink or symlink loop; skipped")
            continue
        if not path.exists():
            found.problems.append(f"{path}: no such file or directory")
            continue
        if path.is_file():
            add(path)  # a template named on purpose too: the engine reads it as one
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            found.problems.append(f"{path}: cannot read directory (Permission denied)")
            continue
        found.walked.append(path)
        _walk(path, excludes, root, add, found)
    return found


# Whether a path below a folder is the folder's relative path, a slash and the name
# (`relative` gives POSIX paths on POSIX only).
_POSIX = os.sep == "/" and os.altsep is None


def _below(rel: str) -> bool:
    """Whether ``relative`` of an entry of the folder whose relative path is ``rel``
    is ``rel/name``: not when the folder lies above the base (`..`: the entry may be
    the base itself, `.`), nor when it is on another drive."""
    return _POSIX and rel != os.pardir and not rel.startswith("../") and not os.path.isabs(rel)


def _walk(top: Path, excludes: list[str], root: Path, add, found: Discovery) -> None:  # type: ignore[no-untyped-def]
    """The folders under ``top`` in the order `os.walk` gives them (each folder, then
    each folder kept in it, in name order, depth first), entries sorted by name.

    Paths are strings here, and each folder's paths relative to the working
    directory and to ``root`` are made once: each entry's are that and its name
    (`relative` and a `Path` per entry were half of a warm re-run's discovery). An
    entry's kind (folder, symlink) is the listing's (`os.scandir`), not a `stat`.
    """
    top_real = str(top.resolve())
    visited: set[str] = {top_real}
    # Excluded folders are pruned on the way down, so an entry's own name is the
    # only component left to test against the patterns without a slash (what
    # `is_excluded` does for a whole path): one expression for all of them.
    names = [p.strip("/") for p in excludes if "/" not in p.strip("/")]
    paths = [p for p in excludes if "/" in p.strip("/")]
    by_name = re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in names)).match \
        if names else None

    def rel_of(folder: str, base: Path | None) -> str | None:
        rel = relative(Path(folder), base)
        return rel if _below(rel) or rel == "." else None

    def child_rel(rel: str | None, child: str, name: str, base: Path | None) -> str:
        if rel is None:
            return relative(Path(child), base)
        return name if rel == "." else f"{rel}/{name}"

    def folder_rel(rel: str | None, child: str, name: str, base: Path | None) -> str | None:
        return rel_of(child, base) if rel is None else child_rel(rel, child, name, base)

    # Each folder to walk: its path as os.walk would give it, its real path (a folder
    # that is not a symlink is its parent's real path plus its name: a realpath per
    # folder cost a syscall per component), and its paths relative to the working
    # directory and to the root (None where an entry's is not the folder's and its name),
    # and its absolute path.
    start = os.fspath(top)
    stack: list[tuple[str, str, str | None, str | None, str]] = [
        (start, top_real, rel_of(start, None), rel_of(start, root) if paths else None, os.path.abspath(start))]
    listings = found.listings
    while stack:
        directory, parent_real, rel, root_rel, absolute = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            found.problems.append(f"{error.filename}: cannot read directory ({error.strerror})")
            continue
        listings[absolute] = [entry.name for entry in entries]
        dirs: dict[str, os.DirEntry[str]] = {}
        files: dict[str, os.DirEntry[str]] = {}
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:  # as os.walk: not a folder
                is_dir = False
            (dirs if is_dir else files)[entry.name] = entry
        installed = installed_names(directory, list(dirs)) if any(
            name.endswith(_DISTRIBUTION_SUFFIXES) for name in dirs) else frozenset()
        if installed:
            for name in sorted(installed & {*dirs, *files}):
                found.vendored.append(child_rel(rel, os.path.join(directory, name), name, None))

        def excluded(child: str, name: str) -> bool:
            if by_name is not None and by_name(name):
                return True
            return bool(paths) and any(glob_match(child_rel(root_rel, child, name, root), pattern)
                                       for pattern in paths)

        kept = []
        for name in sorted(dirs):
            if name in installed:
                continue
            child = os.path.join(directory, name)
            if excluded(child, name):
                continue
            is_link = dirs[name].is_symlink()
            real = os.path.realpath(child) if is_link else os.path.join(parent_real, name)
            if is_link:
                if real in visited or real == top_real or top_real.startswith(real.rstrip(os.sep) + os.sep):
                    found.problems.append(f"{Path(child)}: symlink loop; skipped")
                    continue
                if not real.startswith(top_real + os.sep):
                    continue  # a link out of the tree: not ours to check
            if real in visited:
                continue
            visited.add(real)
            kept.append((child, real, folder_rel(rel, child, name, None),
                         folder_rel(root_rel, child, name, root) if paths else None, os.path.join(absolute, name)))
        for name in sorted(files):
            if not name.endswith(PYTHON_SUFFIXES):
                if name.endswith(INFRASTRUCTURE_SUFFIXES):
                    child = os.path.join(directory, name)
                    if not excluded(child, name):
                        found.infrastructure.append(Path(child))
                elif name in DISTRIBUTION_MARKERS:
                    found.distributions.append(rel if rel is not None else relative(Path(directory)))
                continue
            if name == "setup.py":
                found.distributions.append(rel if rel is not None else relative(Path(directory)))
            if name in installed:
                continue
            child = os.path.join(directory, name)
            if excluded(child, name):
                continue
            if files[name].is_symlink() and not os.path.exists(child):
                found.problems.append(f"{Path(child)}: broken symlink; skipped")
                continue
            add(Path(child), child)
        stack.extend(reversed(kept))


def installed_names(directory: str, dirnames: list[str]) -> frozenset[str]:
    """The entries of a folder that installed distributions put there: the packages
    and modules their `*.dist-info/RECORD` (or `*.egg-info/top_level.txt`, or else the
    distribution's own name) list, so that `pip install --target` output beside a
    function's own code is told apart from it.

    Only a record of an installation counts: a `*.dist-info` with its `RECORD` (pip
    writes one for every install), or a `*.egg-info` with `installed-files.txt` (a
    legacy install). The `*.egg-info` that `pip install -e .` or an sdist leaves beside
    a project's own source package says nothing of the kind, and that package is the
    user's code."""
    names: set[str] = set()
    for entry in dirnames:
        if not entry.endswith(_DISTRIBUTION_SUFFIXES):
            continue
        folder = os.path.join(directory, entry)
        marker = "RECORD" if entry.endswith(".dist-info") else "installed-files.txt"
        if not os.path.isfile(os.path.join(folder, marker)):
            continue
        listed = _top_level(os.path.join(folder, "top_level.txt")) or _recorded(os.path.join(folder, "RECORD"))
        if not listed:
            project = entry.rsplit(".", 1)[0].split("-")[0]
            listed = {project.replace("-", "_").lower(), project}
        names.update(listed)
    return frozenset(n for n in names if n and not n.endswith(_DISTRIBUTION_SUFFIXES) and n not in ("..", "."))


def _top_level(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            names = {line.strip() for line in handle if line.strip()}
    except OSError:
        return set()
    # A module name stands for the package folder or the `.py` file of that name.
    return names | {f"{name}.py" for name in names}


def _recorded(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            rows = handle.read().splitlines()
    except OSError:
        return set()
    names = set()
    for row in rows:
        first = row.split(",", 1)[0].strip('"').replace("\\", "/").split("/", 1)
        if len(first) == 2 or first[0].endswith((".py", ".pyi", ".so", ".pth")):
            names.add(first[0])
    return names


# What marks the folder of a project around a file named on the command line:
# a deployment template or CDK app, Terraform, the configuration, the top of a repository.
PROJECT_FILE_NAMES = ("template.yaml", "template.yml", "template.json", "serverless.yml", "serverless.yaml",
                      "cdk.json", "pyproject.toml", ".git", ".hg", ".svn")


def project_root(path: Path) -> Path | None:
    """The folder of the project a named file belongs to: the nearest folder, from the
    file's own upward, that holds a deployment template (a SAM/serverless template, a
    CDK app, `.tf` files), a `pyproject.toml`, or is the top of a repository. None when
    there is none below the home folder: the file is then a project of its own."""
    try:
        home: Path | None = Path.home().resolve()
    except (RuntimeError, OSError):
        home = None
    current = Path(os.path.abspath(path)).parent
    while current != home:
        try:
            names = os.listdir(current)
        except OSError:
            names = []
        if any(name in PROJECT_FILE_NAMES or name.endswith(".tf") for name in names):
            return current
        if current.parent == current:
            return None
        current = current.parent
    return None
