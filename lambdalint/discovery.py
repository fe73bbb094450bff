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

    def add(path: Path) -> None:
        # One stat, not a realpath of every component: the same file reached twice
        # (named twice, or through a symlink) has the same device and inode.
        try:
            status = path.stat()
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


def _walk(top: Path, excludes: list[str], root: Path, add, found: Discovery) -> None:  # type: ignore[no-untyped-def]
    top_real = str(top.resolve())
    visited: set[str] = {top_real}
    # Excluded folders are pruned on the way down, so an entry's own name is the
    # only component left to test against the patterns without a slash (what
    # `is_excluded` does for a whole path): one expression for all of them.
    names = [p.strip("/") for p in excludes if "/" not in p.strip("/")]
    paths = [p for p in excludes if "/" in p.strip("/")]
    by_name = re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in names)) if names else None

    def excluded(child: str, name: str) -> bool:
        if by_name is not None and by_name.match(name):
            return True
        return bool(paths) and any(glob_match(relative(Path(child), root), pattern) for pattern in paths)

    def on_error(error: OSError) -> None:
        found.problems.append(f"{error.filename}: cannot read directory ({error.strerror})")

    # The real path of each folder walked: a folder that is not a symlink is its
    # parent's real path plus its name (a realpath per folder cost a syscall per
    # component). Paths are strings here: a Path per entry cost a third of a
    # warm re-run's discovery.
    real_of = {os.fspath(top): top_real}
    for directory, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=True):
        kept = []
        parent_real = real_of.get(directory)
        installed = installed_names(directory, dirnames) if any(
            name.endswith(_DISTRIBUTION_SUFFIXES) for name in dirnames) else frozenset()
        if installed:
            for name in sorted(installed & {*dirnames, *filenames}):
                found.vendored.append(relative(Path(directory, name)))
        for name in sorted(dirnames):
            if name in installed:
                continue
            child = os.path.join(directory, name)
            if excluded(child, name):
                continue
            is_link = os.path.islink(child)
            real = os.path.realpath(child) if is_link or parent_real is None else os.path.join(parent_real, name)
            real_of[child] = real
            if is_link:
                if real in visited or real == top_real or top_real.startswith(real.rstrip(os.sep) + os.sep):
                    found.problems.append(f"{Path(child)}: symlink loop; skipped")
                    continue
                if not real.startswith(top_real + os.sep):
                    continue  # a link out of the tree: not ours to check
            if real in visited:
                continue
            visited.add(real)
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(PYTHON_SUFFIXES):
                if name.endswith(INFRASTRUCTURE_SUFFIXES):
                    child = os.path.join(directory, name)
                    if not excluded(child, name):
                        found.infrastructure.append(Path(child))
                elif name in DISTRIBUTION_MARKERS:
                    found.distributions.append(relative(Path(directory)))
                continue
            if name == "setup.py":
                found.distributions.append(relative(Path(directory)))
            if name in installed:
                continue
            child = os.path.join(directory, name)
            if excluded(child, name):
                continue
            if os.path.islink(child) and not os.path.exists(child):
                found.problems.append(f"{Path(child)}: broken symlink; skipped")
                continue
            add(Path(child))


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
