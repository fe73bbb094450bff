"""Which files a run checks, and one-line messages for the paths it cannot."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

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
    # Each file's path relative to the working directory (`relative`), by the path as
    # in `files`, as the walk made it (one `os.path.relpath` per file cost a tenth of a
    # warm run over a tree named by its absolute path).
    relative: dict[str, str] = field(default_factory=dict)
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
            return normal  # = PurePosixPath(normal).as_posix(): normpath leaves no empty or "." part
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


def pruning(excludes: list[str]) -> tuple[Callable[[str], object] | None, list[str]]:
    """The exclude patterns for a walk that prunes excluded folders on the way down:
    an entry's own name is then the only component left to test against the patterns
    without a slash (what `is_excluded` does for a whole path), with one expression
    for all of them (its `match`, None when there is none); and the patterns with a
    slash, which `glob_match` the entry's path relative to the root."""
    names = [p.strip("/") for p in excludes if "/" not in p.strip("/")]
    paths = [p for p in excludes if "/" in p.strip("/")]
    by_name = re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in names)).match \
        if names else None
    return by_name, paths


def discover(paths: list[Path], excludes: list[str], root: Path, cache_dir: Path | None = None) -> Discovery:
    """Python files under the given paths, excluded folders pruned early.

    Explicitly named files are always checked. Symlinked folders are followed
    only while they stay inside the folder being walked, and each real folder
    is visited once, so a symlink loop ends with a message instead of a hang.
    ``cache_dir``: the run's cache folder, where each folder's listing is kept
    (`Listings`); None: every folder is listed.
    """
    found = Discovery()
    seen: set[object] = set()

    def add(path: Path, name: str | None = None, rel: str | None = None) -> None:
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
            if rel is not None:
                found.relative[os.fspath(path)] = rel

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
        listings = Listings(cache_dir, path) if cache_dir is not None else None
        _walk(path, excludes, root, add, found, listings)
        if listings is not None:
            listings.save()
    return found


class Listings:
    """Each folder's entries, kept in the run's cache folder by the folder's `stat`.

    A folder's modification time changes when an entry is added to it, removed or
    renamed (its change time also when it is made unreadable, its inode when another
    folder takes its place), so a re-run lists again only the folders whose `stat`
    changed and takes the others' entries from here: every folder is still stat'ed,
    which costs a third of listing it (aws-sam-cli-app-templates: 2,325 folders). A
    folder modified in the last ``RACY_SECONDS`` (or in the future) is not kept: an
    entry added within the same tick of the clock as the listing would leave its
    `stat` as it was (git's "racy" entries). The kind of an entry (folder or not) is
    kept, except for symlinks, whose target may change without their folder changing:
    they are looked at again.

    One JSON file per working directory and folder walked (as named), in a folder of
    the results cache named by lambdalint's version, holding the folders of the last
    walk only; written, atomically, when they changed. A file that cannot be read or
    is damaged is as none.
    """

    RACY_SECONDS = 2
    FORMAT = "1"

    def __init__(self, cache_dir: Path, top: Path) -> None:
        from lambdalint.cache import ResultCache

        self.store = ResultCache(cache_dir, "listings-" + self.FORMAT)
        self.key = hashlib.sha256(json.dumps([os.getcwd(), os.fspath(top)]).encode()).hexdigest()[:24]
        entry = self.store.get(self.key)
        folders = entry.get("folders") if isinstance(entry, dict) else None
        # As kept: the folder as walked -> [mtime, ctime, inode, folders, files, symlinks].
        self.known: dict[str, Any] = folders if isinstance(folders, dict) else {}
        self.kept: dict[str, list[Any]] = {}  # to keep, of the folders walked
        self.racy = time.time_ns() - self.RACY_SECONDS * 1_000_000_000

    def stamp(self, directory: str) -> list[int] | None:
        """The folder's stat as kept; None when it cannot be stat'ed. Taken before the
        folder is listed: a change after it is a change to the next run."""
        try:
            status = os.stat(directory)
        except OSError:
            return None
        return [status.st_mtime_ns, status.st_ctime_ns, status.st_ino]

    def entries(self, directory: str, stamp: list[int]) -> tuple[list[str], list[str], list[str]] | None:
        """The folder's (folders, files, symlinks) as kept for this stat, or None."""
        known = self.known.get(directory)
        if not (isinstance(known, list) and len(known) == 6 and known[:3] == stamp):
            return None
        lists = known[3:]
        try:
            for names in lists:
                if not isinstance(names, list):
                    return None
                "".join(names)  # raises unless every name is a string (in C: a genexpr cost a tenth of the walk)
        except TypeError:
            return None
        self.kept[directory] = known
        return lists[0], lists[1], lists[2]

    def keep(self, directory: str, stamp: list[int], dirs: list[str], files: list[str], links: list[str]) -> None:
        if stamp[0] < self.racy:
            self.kept[directory] = [*stamp, dirs, files, links]

    def save(self) -> None:
        """Keep the folders of this run, when they are not those already kept."""
        if self.kept != self.known:
            self.store.put(self.key, {"folders": self.kept})


# Whether a path below a folder is the folder's relative path, a slash and the name
# (`relative` gives POSIX paths on POSIX only).
_POSIX = os.sep == "/" and os.altsep is None


def _below(rel: str) -> bool:
    """Whether ``relative`` of an entry of the folder whose relative path is ``rel``
    is ``rel/name``: not when the folder lies above the base (`..`, `../..`: the entry
    may be the base itself, `.`, or a folder between them), nor when it is on another
    drive. A folder beside the base (`../other`, a tree named by its absolute path
    from elsewhere) is no folder above it, nor is anything in it: its entries' paths
    are its own and their names, as for a folder below the base."""
    return _POSIX and not os.path.isabs(rel) and any(part != os.pardir for part in rel.split("/"))


def _walk(top: Path, excludes: list[str], root: Path, add, found: Discovery,  # type: ignore[no-untyped-def]
          memo: Listings | None = None) -> None:
    """The folders under ``top`` in the order `os.walk` gives them (each folder, then
    each folder kept in it, in name order, depth first), entries sorted by name.

    Paths are strings here, and each folder's paths relative to the working
    directory and to ``root`` are made once: each entry's are that and its name
    (`relative` and a `Path` per entry were half of a warm re-run's discovery). An
    entry's kind (folder, symlink) is the listing's (`os.scandir`), not a `stat`,
    or, with ``memo``, the listing kept for the folder's `stat`.
    """
    top_real = str(top.resolve())
    visited: set[str] = {top_real}
    by_name, paths = pruning(excludes)

    def rel_of(folder: str, base: Path | None) -> str | None:
        rel = relative(Path(folder), base)
        return rel if _below(rel) or rel == "." else None

    def child_rel(rel: str | None, child: str, name: str, base: Path | None) -> str:
        if rel is None:
            return relative(Path(child), base)
        return name if rel == "." else f"{rel}/{name}"

    def folder_rel(rel: str | None, child: str, name: str, base: Path | None) -> str | None:
        return rel_of(child, base) if rel is None else child_rel(rel, child, name, base)

    # Each folder to walk: its path as os.walk would give it; the same, its real path
    # (a folder that is not a symlink is its parent's real path plus its name: a
    # realpath per folder cost a syscall per component) and its absolute path, each
    # joined to "" (an entry's path is that and its name: what os.path.join gives);
    # its paths relative to the working directory and to the root (None where an
    # entry's is not the folder's and its name); and its absolute path.
    start = os.fspath(top)
    absolute_start = os.path.abspath(start)
    stack: list[tuple[str, str, str, str, str | None, str | None, str]] = [
        (start, os.path.join(start, ""), os.path.join(top_real, ""), os.path.join(absolute_start, ""),
         rel_of(start, None), rel_of(start, root) if paths else None, absolute_start)]
    listings = found.listings
    while stack:
        directory, inside, real_inside, absolute_inside, rel, root_rel, absolute = stack.pop()
        # Each entry's name -> whether it is a symlink, in folders and the others.
        dirs: dict[str, bool] = {}
        files: dict[str, bool] = {}
        stamp = memo.stamp(directory) if memo is not None else None
        kept = memo.entries(directory, stamp) if memo is not None and stamp is not None else None
        if kept is not None:
            dirs = dict.fromkeys(kept[0], False)
            files = dict.fromkeys(kept[1], False)
            for name in kept[2]:
                (dirs if os.path.isdir(inside + name) else files)[name] = True
            listings[absolute] = [*kept[0], *kept[1], *kept[2]]
        else:
            try:
                entries = _scan(directory)
            except OSError as error:
                found.problems.append(f"{error.filename}: cannot read directory ({error.strerror})")
                continue
            listings[absolute] = [entry.name for entry in entries]
            certain = True  # of every entry's kind: else the listing is not kept
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:  # as os.walk: not a folder
                    is_dir = certain = False
                try:
                    link = entry.is_symlink()
                except OSError:  # as os.path.islink
                    link = certain = False
                (dirs if is_dir else files)[entry.name] = link
            if memo is not None and stamp is not None and certain:
                memo.keep(directory, stamp, [name for name, link in dirs.items() if not link],
                          [name for name, link in files.items() if not link],
                          [name for name, link in {**dirs, **files}.items() if link])
        installed: frozenset[str] = frozenset()
        for name in dirs:
            if name.endswith(_DISTRIBUTION_SUFFIXES):
                installed = installed_names(directory, list(dirs))
                break
        if installed:
            for name in sorted(installed & {*dirs, *files}):
                found.vendored.append(child_rel(rel, inside + name, name, None))

        def excluded(child: str, name: str) -> bool:
            if by_name is not None and by_name(name):
                return True
            return bool(paths) and any(glob_match(child_rel(root_rel, child, name, root), pattern)
                                       for pattern in paths)

        kept_dirs = []
        for name in sorted(dirs):
            if name in installed:
                continue
            child = inside + name
            if excluded(child, name):
                continue
            is_link = dirs[name]
            real = os.path.realpath(child) if is_link else real_inside + name
            if is_link:
                if real in visited or real == top_real or top_real.startswith(real.rstrip(os.sep) + os.sep):
                    found.problems.append(f"{Path(child)}: symlink loop; skipped")
                    continue
                if not real.startswith(top_real + os.sep):
                    continue  # a link out of the tree: not ours to check
            if real in visited:
                continue
            visited.add(real)
            child_absolute = absolute_inside + name
            kept_dirs.append((child, child + os.sep, os.path.join(real, "") if is_link else real + os.sep,
                              child_absolute + os.sep, folder_rel(rel, child, name, None),
                              folder_rel(root_rel, child, name, root) if paths else None, child_absolute))
        for name in sorted(files):
            if not name.endswith(PYTHON_SUFFIXES):
                if name.endswith(INFRASTRUCTURE_SUFFIXES):
                    child = inside + name
                    if not excluded(child, name):
                        found.infrastructure.append(Path(child))
                elif name in DISTRIBUTION_MARKERS:
                    found.distributions.append(rel if rel is not None else relative(Path(directory)))
                continue
            if name == "setup.py":
                found.distributions.append(rel if rel is not None else relative(Path(directory)))
            if name in installed:
                continue
            child = inside + name
            if excluded(child, name):
                continue
            if files[name] and not os.path.exists(child):
                found.problems.append(f"{Path(child)}: broken symlink; skipped")
                continue
            add(Path(child), child, child_rel(rel, child, name, None))
        stack.extend(reversed(kept_dirs))


def _scan(directory: str) -> list[os.DirEntry[str]]:
    """The entries of a folder (a function of its own: the tests count the folders listed)."""
    with os.scandir(directory) as listing:
        return list(listing)


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
