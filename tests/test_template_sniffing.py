"""Whether a YAML/JSON file of another name is a template is kept in the cache folder by
the file's `stat` (`lambdalint.templates.discovery.Sniffed`): a re-run over an unchanged
tree does not read the files that are not templates again, and any change to a file or
to the tree is seen. These tests count the files read by wrapping the reader (the real
one still answers), and make files older than the racy window with `os.utime`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cli_helpers import run_cli, write

from lambdalint.cache import CACHE_DIR_NAME
from lambdalint.config import Config
from lambdalint.discovery import discover
from lambdalint.templates import discovery

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.lambda_handler
      CodeUri: src/
"""
# Data of the same size as TEMPLATE: an edit from one to the other keeps the size.
EVENT = json.dumps({"detail": "x" * (len(TEMPLATE) - 15)}) + "\n"
assert len(EVENT) == len(TEMPLATE)

HOUR_AGO = time.time_ns() - 3600 * 1_000_000_000


@pytest.fixture
def tree(workdir: Path) -> Path:
    write(workdir, {
        "src/app.py": "def lambda_handler(event, context):\n    return event\n",
        "stacks/orders.yaml": TEMPLATE,  # a template of another name
        "events/order.json": EVENT,  # data
        "events/other.yml": "name: ci\non: push\n",
    })
    _age(workdir)
    return workdir


def _age(*paths: Path) -> None:
    """The files (the files under a folder) last modified an hour ago: outside the racy
    window. Their change time is now: a file aged again is another file to the cache."""
    for path in paths:
        for file in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
            if CACHE_DIR_NAME not in file.parts:
                os.utime(file, ns=(HOUR_AGO, HOUR_AGO))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose text is read to tell whether they are templates."""
    seen: list[str] = []
    real = discovery._looks_like_template

    def counting(path):  # type: ignore[no-untyped-def]
        seen.append(Path(path).as_posix())
        return real(path)

    monkeypatch.setattr(discovery, "_looks_like_template", counting)
    return seen


def _templates(cache: Path | None) -> list[str]:
    config = Config()
    found = discover([Path(".")], config.excludes, config.root)
    templates, _ = discovery.find_templates(found.files, config, found.infrastructure, found.walked,
                                            found.listings, cache_dir=cache)
    return sorted(t.rel_path for t in templates)


def _kept(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.json"))


def test_an_unchanged_tree_reads_no_file_again(tree, reads):
    cache = tree / CACHE_DIR_NAME
    assert _templates(cache) == ["stacks/orders.yaml"]
    assert sorted(reads) == ["events/order.json", "events/other.yml", "stacks/orders.yaml"]
    kept = _kept(cache)
    assert len(kept) == 1
    written = kept[0].stat().st_mtime_ns
    reads.clear()
    assert _templates(cache) == ["stacks/orders.yaml"]
    assert reads == []
    assert kept[0].stat().st_mtime_ns == written  # nothing changed: not written again


def test_without_a_cache_folder_every_file_is_read_each_time(tree, reads):
    for _ in range(2):
        reads.clear()
        assert _templates(None) == ["stacks/orders.yaml"]
        assert sorted(reads) == ["events/order.json", "events/other.yml", "stacks/orders.yaml"]
    assert not (tree / CACHE_DIR_NAME).exists()


def test_an_edited_file_is_read_again(tree, reads):
    cache = tree / CACHE_DIR_NAME
    _templates(cache)
    reads.clear()
    (tree / "events/order.json").write_text(TEMPLATE)
    _age(tree / "events/order.json")
    assert _templates(cache) == ["events/order.json", "stacks/orders.yaml"]
    assert reads == ["events/order.json"]


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_seen(tree, reads):
    # As `cp -p` or an archive would leave it: only the change time tells.
    cache = tree / CACHE_DIR_NAME
    _templates(cache)
    reads.clear()
    event = tree / "events/order.json"
    time.sleep(0.01)  # the change time moves on a coarse clock
    before = event.stat()
    event.write_text(TEMPLATE)
    os.utime(event, ns=(before.st_atime_ns, before.st_mtime_ns))
    if event.stat().st_ctime_ns == before.st_ctime_ns:
        pytest.skip("this file system's change time did not move")
    assert _templates(cache) == ["events/order.json", "stacks/orders.yaml"]
    assert reads == ["events/order.json"]


def test_a_file_replaced_by_another_of_the_same_size_and_time_is_seen(tree, reads):
    cache = tree / CACHE_DIR_NAME
    _templates(cache)
    reads.clear()
    write(tree, {"incoming.tmp": TEMPLATE})
    _age(tree / "incoming.tmp")  # the same size and modification time as events/order.json
    os.replace(tree / "incoming.tmp", tree / "events/order.json")
    assert _templates(cache) == ["events/order.json", "stacks/orders.yaml"]
    assert reads == ["events/order.json"]


def test_added_removed_and_renamed_files_and_folders_are_seen(tree, reads):
    cache = tree / CACHE_DIR_NAME
    _templates(cache)
    reads.clear()
    write(tree, {"more/stack.yml": TEMPLATE})
    _age(tree / "more")
    (tree / "stacks/orders.yaml").rename(tree / "stacks/renamed.yaml")
    (tree / "events").rename(tree / "samples")
    assert _templates(cache) == ["more/stack.yml", "stacks/renamed.yaml"]
    assert sorted(reads) == ["more/stack.yml", "samples/order.json", "samples/other.yml", "stacks/renamed.yaml"]
    reads.clear()
    (tree / "more/stack.yml").unlink()
    assert _templates(cache) == ["stacks/renamed.yaml"]
    assert reads == []
    # Only the files of the last run are kept.
    kept = json.loads(_kept(cache)[0].read_text())["files"]
    assert sorted(Path(path).relative_to(tree).as_posix() for path in kept) == [
        "samples/order.json", "samples/other.yml", "stacks/renamed.yaml"]


def test_a_file_modified_within_the_racy_window_is_read_again(tree, reads):
    # Written again within the same tick of the clock, nothing in its stat would say so:
    # its answer is not kept, so the next run reads it again.
    cache = tree / CACHE_DIR_NAME
    event = tree / "events/order.json"
    recent = time.time_ns() - 500_000_000  # half a second ago
    os.utime(event, ns=(recent, recent))
    _templates(cache)
    for _ in range(2):
        reads.clear()
        assert _templates(cache) == ["stacks/orders.yaml"]
        assert reads == ["events/order.json"]
    kept = json.loads(_kept(cache)[0].read_text())["files"]
    assert str(event) not in kept and str(tree / "events/other.yml") in kept
    # Once older than the window, its answer is kept.
    _age(event)
    _templates(cache)
    reads.clear()
    assert _templates(cache) == ["stacks/orders.yaml"]
    assert reads == []


def test_a_file_modified_in_the_future_is_read_every_time(tree, reads):
    cache = tree / CACHE_DIR_NAME
    event = tree / "events/order.json"
    later = time.time_ns() + 3600 * 1_000_000_000
    os.utime(event, ns=(later, later))
    _templates(cache)
    for _ in range(2):
        reads.clear()
        _templates(cache)
        assert reads == ["events/order.json"]


@pytest.mark.parametrize("damage", [b"{not json", b"[1, 2]", b'{"files": [1]}', b'{"files": {"x": 1}}', b"\xff\xfe",
                                    b'{"files": {"ABS": [1, 2, 3]}}', b'{"files": {"ABS": "yes"}}'])
def test_a_damaged_file_is_ignored_and_written_again(tree, reads, damage):
    cache = tree / CACHE_DIR_NAME
    _templates(cache)
    kept = _kept(cache)[0]
    kept.write_bytes(damage.replace(b"ABS", os.fsencode(tree / "events/order.json")))
    reads.clear()
    assert _templates(cache) == ["stacks/orders.yaml"]
    assert "stacks/orders.yaml" in reads
    reads.clear()
    assert _templates(cache) == ["stacks/orders.yaml"]
    assert reads == []


def test_a_run_over_another_folder_keeps_its_own_answers(tree, reads):
    cache = tree / CACHE_DIR_NAME
    _templates(cache)
    config = Config()
    found = discover([Path("events")], config.excludes, config.root)
    discovery.find_templates(found.files, config, found.infrastructure, found.walked, found.listings,
                             cache_dir=cache)
    assert len(_kept(cache)) == 2
    reads.clear()
    assert _templates(cache) == ["stacks/orders.yaml"]
    assert reads == []


def test_the_cli_keeps_the_answers_in_its_cache_folder_and_sees_a_file_become_a_template(tree):
    run = run_cli("check", "--output-format", "json", ".")
    assert json.loads(run.stdout) == []
    assert any("sniffed-" in str(path) for path in (tree / CACHE_DIR_NAME).rglob("*.json"))
    # The data file becomes a template of a deprecated runtime: seen by a run the cache answered.
    (tree / "events/other.yml").write_text(TEMPLATE.replace("CodeUri: src/", "CodeUri: ../src/\n      Runtime: python3.7"))
    _age(tree / "events/other.yml")
    warm = run_cli("check", "--output-format", "json", ".")
    assert [(f["filename"], f["code"]) for f in json.loads(warm.stdout)] == [("events/other.yml", "LAM002")]
    assert warm.stdout == run_cli("check", "--no-cache", "--output-format", "json", ".").stdout
