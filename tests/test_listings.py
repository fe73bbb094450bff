"""Each folder's listing is kept in the cache folder by the folder's `stat`
(`lambdalint.discovery.Listings`): a re-run over an unchanged tree lists no folder
again, finds exactly what a walk without the cache finds, and sees every file or
folder added, removed or renamed. The tests count the folders listed by wrapping the
lister (the real one still lists), and make folders older than the racy window with
`os.utime`."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

import pytest
from cli_helpers import HANDLER_WITH_CLIENT, run_cli, write

from lambdalint import discovery
from lambdalint.cache import CACHE_DIR_NAME
from lambdalint.config import DEFAULT_EXCLUDES
from lambdalint.discovery import Discovery, discover

HOUR_AGO = time.time_ns() - 3600 * 1_000_000_000


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "tree"
    write(root, {
        "functions/orders/app.py": "x = 1\n",
        "functions/orders/template.yaml": "Resources: {}\n",
        "functions/users/app.py": "x = 1\n",
        "functions/users/tests/test_app.py": "x = 1\n",
        "shared/db.py": "x = 1\n",
        "layer/python/requests/__init__.py": "x = 1\n",
        "layer/python/requests-2.0.dist-info/RECORD": "requests/__init__.py,,\n",
        "node_modules/pkg/index.py": "x = 1\n",
        "pyproject.toml": "",
        "elsewhere/thing/lib.py": "x = 1\n",
    })
    (root / "functions/orders/shared").symlink_to("../../shared")  # a layer linked in
    (root / "functions/loop").symlink_to("..")
    (root / "functions/gone.py").symlink_to("missing.py")
    monkeypatch.chdir(root)
    _age(root)
    return root


def _age(root: Path) -> None:
    """Every folder under root (and root) last modified an hour ago: outside the racy window."""
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir() and not p.is_symlink())]:
        if CACHE_DIR_NAME not in folder.parts:
            os.utime(folder, ns=(HOUR_AGO, HOUR_AGO), follow_symlinks=False)


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders listed from the disk."""
    seen: list[str] = []
    real = discovery._scan

    def counting(directory: str):  # type: ignore[no-untyped-def]
        seen.append(directory)
        return real(directory)

    monkeypatch.setattr(discovery, "_scan", counting)
    return seen


def _walk(cache: Path | None, *paths: str) -> Discovery:
    return discover([Path(p) for p in paths or ["."]], list(DEFAULT_EXCLUDES), Path.cwd(), cache)


def _view(found: Discovery) -> Discovery:
    """The walk's results, each folder's names in order (they are kept in another)."""
    return dataclasses.replace(found, listings={folder: sorted(names) for folder, names in found.listings.items()})


def _same(cache: Path, *paths: str) -> Discovery:
    """The walk with the cache, checked against the walk without it."""
    cached = _view(_walk(cache, *paths))
    assert cached == _view(_walk(None, *paths))
    return cached


def test_an_unchanged_tree_lists_no_folder_again(tree, listed):
    cache = tree.parent / "cache"
    _walk(cache)
    assert "./functions" in listed
    listed.clear()
    cached = _view(_walk(cache))
    assert listed == []
    assert cached == _view(_walk(None))


def test_what_is_found_is_what_a_walk_without_the_cache_finds(tree):
    cache = tree.parent / "cache"
    for _ in range(2):  # the cache written, then read
        found = _same(cache)
        assert [p.as_posix() for p in found.files] == [
            "elsewhere/thing/lib.py", "functions/orders/app.py", "functions/users/app.py",
            "functions/users/tests/test_app.py", "shared/db.py"]
        assert found.problems == ["functions/loop: symlink loop; skipped",
                                  "functions/gone.py: broken symlink; skipped",
                                  "functions/orders/shared: symlink loop; skipped"]
        assert [p.as_posix() for p in found.infrastructure] == ["functions/orders/template.yaml"]
        assert found.vendored == ["layer/python/requests"]
        assert found.distributions == ["."]
        assert set(found.listings[os.path.abspath("functions")]) == {"orders", "users", "loop", "gone.py"}


@pytest.mark.parametrize("change", ["add file", "remove file", "rename file", "add folder", "remove folder",
                                    "rename folder", "replace folder"])
def test_changes_to_the_tree_are_seen(tree, listed, change):
    cache = tree.parent / "cache"
    _same(cache)
    if change == "add file":
        write(tree, {"functions/users/handler.py": "x = 1\n"})
    elif change == "remove file":
        (tree / "functions/users/app.py").unlink()
    elif change == "rename file":
        (tree / "functions/users/app.py").rename(tree / "functions/users/main.py")
    elif change == "add folder":
        write(tree, {"functions/billing/app.py": "x = 1\n"})
    elif change == "remove folder":
        for path in sorted((tree / "functions/users").rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        (tree / "functions/users").rmdir()
    elif change == "rename folder":
        (tree / "functions/users").rename(tree / "functions/customers")
    elif change == "replace folder":  # another folder takes its place
        (tree / "functions/users").rename(tree / "old-users")
        (tree / "elsewhere/thing").rename(tree / "functions/users")
    listed.clear()
    after = _view(_walk(cache))
    relisted = list(listed)
    assert after == _view(_walk(None))
    expected = {
        "add file": {"functions/users/handler.py"},
        "rename file": {"functions/users/main.py"},
        "add folder": {"functions/billing/app.py"},
        "rename folder": {"functions/customers/app.py", "functions/customers/tests/test_app.py"},
        "replace folder": {"functions/users/lib.py"},
    }.get(change, set())
    assert expected <= {p.as_posix() for p in after.files}
    # Only the folders that changed, and those new to the walk, were listed again.
    assert relisted == {
        "add file": ["./functions/users"],
        "remove file": ["./functions/users"],
        "rename file": ["./functions/users"],
        "add folder": ["./functions", "./functions/billing"],
        "remove folder": ["./functions"],
        "rename folder": ["./functions", "./functions/customers", "./functions/customers/tests"],
        "replace folder": [".", "./elsewhere", "./functions", "./functions/users", "./old-users",
                           "./old-users/tests"],
    }[change]


def test_a_change_in_an_old_folder_keeps_the_other_folders(tree, listed):
    cache = tree.parent / "cache"
    _same(cache)
    write(tree, {"shared/util.py": "x = 1\n"})
    listed.clear()
    _walk(cache)
    assert listed == ["./shared"]


def test_a_folder_modified_within_the_racy_window_is_listed_again(tree, listed):
    cache = tree.parent / "cache"
    recent = time.time_ns() - 500_000_000  # half a second ago
    os.utime(tree / "shared", ns=(recent, recent))
    _same(cache)
    for _ in range(2):
        listed.clear()
        _walk(cache)
        assert listed == ["./shared"]
    # Once older than the window, its listing is kept.
    _age(tree)
    _walk(cache)
    listed.clear()
    _walk(cache)
    assert listed == []


def test_a_symlink_whose_target_changes_is_looked_at_again(tree):
    cache = tree.parent / "cache"
    # Linked to folders walked after theirs: walked through the links.
    write(tree, {"zz/thing/lib.py": "x = 1\n", "zz/util.py": "x = 1\n"})
    (tree / "functions/orders/lib").symlink_to("../../zz/thing")
    (tree / "functions/orders/util.py").symlink_to("../../zz/util.py")
    _age(tree)
    found = _same(cache)
    assert "functions/orders/lib/lib.py" in [p.as_posix() for p in found.files]
    # The targets change; the folder holding the links does not.
    (tree / "zz/thing/lib.py").unlink()
    (tree / "zz/thing").rmdir()
    write(tree, {"zz/thing": "not a folder any more\n"})
    (tree / "zz/util.py").unlink()
    found = _same(cache)
    assert not any("functions/orders/lib" in p.as_posix() for p in found.files)
    assert "functions/orders/util.py: broken symlink; skipped" in found.problems


@pytest.mark.parametrize("damage", [b"{not json", b"[]", b'{"folders": []}', b'{"folders": {".": 1}}',
                                    b'{"folders": {".": [1, 2, 3, [], [], []]}}', b"\xff",
                                    b'{"folders": {"STAMPED": [[7], [], []]}}', b'{"folders": {"STAMPED": [7, 8]}}',
                                    b'{"folders": {"STAMPED": [[1], "functions", []]}}'])
def test_a_damaged_file_is_ignored_and_written_again(tree, listed, damage):
    cache = tree.parent / "cache"
    _same(cache)
    [kept] = [p for p in cache.rglob("*.json") if "listings-" in str(p)]
    stat = os.stat(".")
    stamp = json.dumps([stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino])[1:-1].encode()
    kept.write_bytes(damage.replace(b'"STAMPED": [', b'".": [' + stamp + b", "))
    _same(cache)
    listed.clear()
    _walk(cache)
    assert listed == []


def test_without_a_cache_folder_nothing_is_kept(tree, listed):
    for _ in range(2):
        listed.clear()
        _walk(None)
        assert "./functions" in listed
    assert not list(tree.parent.rglob("*.json"))


def test_each_folder_walked_keeps_its_own(tree, listed):
    cache = tree.parent / "cache"
    _same(cache, "functions", "shared")
    _same(cache, "shared")
    listed.clear()
    _walk(cache, "functions", "shared")
    _walk(cache, "shared")
    assert listed == []


def test_a_warm_cli_run_finds_a_file_added_to_an_old_folder(tree):
    write(tree, {"functions/users/app.py": HANDLER_WITH_CLIENT})
    _age(tree)
    first = run_cli("check", "--output-format", "json", ".")
    assert [f["filename"] for f in json.loads(first.stdout)] == ["functions/users/app.py"]
    write(tree, {"functions/orders/handler.py": HANDLER_WITH_CLIENT})
    warm = run_cli("check", "--output-format", "json", ".")
    assert [f["filename"] for f in json.loads(warm.stdout)] == ["functions/orders/handler.py",
                                                              "functions/users/app.py"]
    assert warm.stdout == run_cli("check", "--no-cache", "--output-format", "json", ".").stdout
