"""The installed rule plugins, kept in the cache folder by the `stat` of what the
search for distributions looks at (`registry.plugin_identities`): a warm run reads
them back without importing `importlib.metadata`, and any install, removal or
edit of a distribution's entry points is seen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lambdalint import registry
from lambdalint.cache import ResultCache
from lambdalint.registry import PLUGINS_STORE, distributions_stamp, plugin_identities

PACK = '''
import libcst as cst
from lambdalint import Rule, Severity


class NoPrint(Rule):
    code = "LAM980"
    name = "no-print"
    severity = Severity.INFO

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "print":
            self.report(node, "print called")
'''


def _age(*paths: Path) -> None:
    """Older than the racy window, as any folder installed more than a moment ago."""
    past = time.time_ns() - 60 * 1_000_000_000
    for path in paths:
        os.utime(path, ns=(past, past))


def _install(site: Path, name: str, version: str, entry_points: str) -> Path:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    _age(info / "entry_points.txt", info, site)
    return info


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path, as a site-packages folder, before the installed ones
    (and not the folders of the tests, which a test run may be writing to)."""
    folder = tmp_path / "site"
    folder.mkdir()
    _age(folder)
    installed = [entry for entry in sys.path if entry.startswith((sys.base_prefix, sys.prefix))]
    monkeypatch.setattr(sys, "path", [str(folder), *installed])
    return folder


def test_the_stamp_changes_with_what_the_search_finds(site: Path):
    before = distributions_stamp()
    assert before is not None and distributions_stamp() == before
    info = _install(site, "pack", "1.0", "[lambdalint.rules]\npack = pack\n")
    installed = distributions_stamp()
    assert installed not in (None, before)
    # A development install rewrites the entry points in place.
    (info / "entry_points.txt").write_text("[lambdalint.rules]\npack = pack.rules\n", encoding="utf-8")
    _age(info / "entry_points.txt")
    edited = distributions_stamp()
    assert edited not in (None, before, installed)
    # An upgrade renames the folder.
    info.rename(site / "pack-2.0.dist-info")
    _age(site)
    assert distributions_stamp() not in (None, before, installed, edited)


def test_a_change_too_recent_to_tell_by_stat_is_not_kept(site: Path):
    info = _install(site, "pack", "1.0", "[lambdalint.rules]\npack = pack\n")
    (info / "entry_points.txt").write_text("[lambdalint.rules]\npack = other\n", encoding="utf-8")
    assert distributions_stamp() is None
    _age(info / "entry_points.txt")
    assert distributions_stamp() is not None
    os.utime(site)  # a distribution added or removed just now
    assert distributions_stamp() is None


def test_another_finder_of_distributions_is_never_guessed_at(site: Path, monkeypatch: pytest.MonkeyPatch):
    class Finder:
        @staticmethod
        def find_spec(*args: object) -> None:
            return None

        @staticmethod
        def find_distributions(*args: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])
    assert distributions_stamp() is None


def test_a_path_entry_that_is_no_string_is_never_guessed_at(site: Path, monkeypatch: pytest.MonkeyPatch):
    assert distributions_stamp() is not None
    monkeypatch.setattr(sys, "path", [site, *sys.path[1:]])  # a Path, as some tools insert
    assert distributions_stamp() is None


def test_identities_are_kept_and_found_again_when_they_change(site: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    store = ResultCache(tmp_path / "cache", PLUGINS_STORE)
    assert plugin_identities(store) == plugin_identities()
    searches = []
    real = registry._entry_points
    monkeypatch.setattr(registry, "_entry_points", lambda: searches.append(1) or real())
    plugin_identities(store)
    assert searches == []  # read back
    _install(site, "pack", "1.0", "[lambdalint.rules]\npack = pack\n")
    assert "pack=pack (pack 1.0)" in plugin_identities(store)
    assert searches == [1]
    assert "pack=pack (pack 1.0)" in plugin_identities(store)
    assert searches == [1]
    # A damaged entry is searched again, and written again.
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("[", encoding="utf-8")
    assert "pack=pack (pack 1.0)" in plugin_identities(store)
    assert searches == [1, 1]


def _check(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """A run from the project (on sys.path, as with `python -m`), whose cache folder
    lies outside it, so that the run leaves the folders on sys.path as they were."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))}
    script = ("import sys\nfrom lambdalint.launch import main\ntry:\n    sys.exit(main())\nfinally:\n"
              "    print('importlib.metadata' in sys.modules, file=sys.stderr)\n")
    return subprocess.run([sys.executable, "-c", script, "check", "--exit-zero", "--output-format", "json",
                           "--cache-dir", str(project.parent / "cache"), "."],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def _codes(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted(item["code"] for item in json.loads(proc.stdout))


def test_a_warm_run_reads_the_plugins_back_and_sees_one_installed(site: Path, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("def handler(event, context):\n    print(event)\n", encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.lambdalint]\n", encoding="utf-8")
    _age(project)
    first = _check(project, site)
    assert first.returncode == 0, first.stderr
    assert "LAM980" not in _codes(first)
    warm = _check(project, site)
    assert warm.stdout == first.stdout
    assert warm.stderr.splitlines()[-1] == "False"  # neither searched nor imported
    (site / "printpack.py").write_text(PACK, encoding="utf-8")
    _install(site, "printpack", "0.1", "[lambdalint.rules]\nprint = printpack\n")
    installed = _check(project, site)
    assert _codes(installed) == sorted([*_codes(first), "LAM980"]), installed.stderr
