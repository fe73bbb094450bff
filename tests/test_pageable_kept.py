"""LAM605's list of pageable operations is kept in the run's cache folder: computed
from botocore's paginator models once, read back by later runs (issue 19: a run
that is not answered whole from the results cache builds the engine, and reading
botocore's models cost it 0.1-0.2 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalint import cache as cache_module
from lambdalint import runner as runner_module
from lambdalint.catalog import events as ev
from lambdalint.config import Config
from lambdalint.registry import load_registry
from lambdalint.runner import Runner

pytest.importorskip("botocore")

LAM605 = load_registry(include_plugins=False).select(["LAM605"])

# `ecs.list_clusters` is pageable only in botocore's data (not in the built-in list).
HANDLER = textwrap.dedent("""\
    import boto3

    ecs = boto3.client("ecs")


    def lambda_handler(event, context):
        return ecs.list_clusters()["clusterArns"]
""")
FINDING = ("app.py", 7, "LAM605")


def _forget() -> None:
    ev.pageable_operations.cache_clear()
    ev.pageable_operation_names.cache_clear()


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process has yet to read the list (and forgets what the test read), and
    the home folder has no customer models. Returns the cache folder to use."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    _forget()
    yield tmp_path / "cache"
    _forget()


@pytest.fixture
def expected() -> dict:
    """The list computed from botocore's models, without any store."""
    computed = ev._botocore_paginators()
    assert computed is not None and len(computed) > 100
    return computed


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times botocore's paginator models are read in this test."""
    counted: list[int] = []
    real = ev._paginator_models

    def counting() -> list[tuple[str, dict]] | None:
        counted.append(1)
        return real()

    monkeypatch.setattr(ev, "_paginator_models", counting)
    return counted


def _not_read() -> None:
    raise AssertionError("botocore's paginator models were read")


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"*/{runner_module.CATALOG_STORE}/*/*.json"))


def _build(cache: Path | None) -> None:
    """Build a runner's engine (which asks for the list, for LAM605's words)."""
    Runner(Config(), LAM605, jobs=1, cache_dir=cache).engine  # noqa: B018 - built for its effect


def test_the_list_is_kept_on_first_use_and_read_back_by_the_next_run(fresh, expected, reads, tmp_path,
                                                                     monkeypatch):
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")

    def findings() -> list[tuple[str, int, str]]:
        outcome = Runner(Config(), LAM605, jobs=1, cache_dir=fresh).run([tmp_path / "app.py"])
        return [(d.path.name, d.location.row, d.code) for d in outcome.diagnostics]

    assert findings() == [FINDING]
    assert len(reads) == 1 and len(_entries(fresh)) == 1
    assert ev.pageable_operations() == expected
    _forget()
    with (tmp_path / "app.py").open("a", encoding="utf-8") as handle:
        handle.write("# edited: the results cache does not answer\n")
    monkeypatch.setattr(ev, "_paginator_models", _not_read)
    assert findings() == [FINDING]
    kept = ev.pageable_operations()
    assert kept == expected and kept is not expected
    assert kept["s3"]["list_objects_v2"] is not None and ev.pageable_operation_names() == {
        operation for operations in expected.values() for operation in operations}


def test_the_kept_entry_is_json_by_botocore_version_and_data_folder(fresh, expected):
    _build(fresh)
    [entry] = _entries(fresh)
    data = json.loads(entry.read_text(encoding="utf-8"))
    assert data["key"] == entry.stem == ev._paging_key()
    assert len(data["pagings"]) < 200 < sum(len(operations) for operations in data["services"].values())
    import botocore

    version, folder = ev._botocore_identity()
    assert version == botocore.__version__
    assert folder == os.path.join(os.path.dirname(botocore.__file__), "data")


def _real_entry(cache: Path) -> dict:
    [entry] = _entries(cache)
    return json.loads(entry.read_text(encoding="utf-8"))


DAMAGES = {
    "empty": lambda real: b"",
    "not json": lambda real: b"{not json",
    "truncated": lambda real: json.dumps(real).encode()[:5000],
    "a list": lambda real: b"[]",
    "another key": lambda real: json.dumps({**real, "key": "0" * 64}).encode(),
    "a string for names": lambda real: json.dumps({**real, "pagings": [["NextToken", [], []]]}).encode(),
    "two names lists": lambda real: json.dumps({**real, "pagings": [[[], []]]}).encode(),
    "index out of range": lambda real: json.dumps({**real, "services": {"s3": {"list_buckets": 10 ** 6}}}).encode(),
    "negative index": lambda real: json.dumps({**real, "services": {"s3": {"list_buckets": -1}}}).encode(),
    "true for an index": lambda real: json.dumps({**real, "services": {"s3": {"list_buckets": True}}}).encode(),
    "no services": lambda real: json.dumps({**real, "services": {}}).encode(),
    "not utf-8": lambda real: b"\xff\xfe{}",
    "nested too deep": lambda real: b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_or_foreign_entry_is_ignored_and_written_again(fresh, expected, reads, monkeypatch, damage):
    _build(fresh)
    [entry] = _entries(fresh)
    entry.write_bytes(DAMAGES[damage](_real_entry(fresh)))
    _forget()
    _build(fresh)
    assert len(reads) == 2  # computed again
    assert ev.pageable_operations() == expected
    _forget()
    monkeypatch.setattr(ev, "_paginator_models", _not_read)
    _build(fresh)  # the entry written again is read
    assert ev.pageable_operations() == expected


@pytest.mark.parametrize("other", [("1.0.0", None), (None, "/elsewhere/botocore/data")])
def test_another_botocore_does_not_reuse_the_entry(fresh, expected, reads, monkeypatch, other):
    _build(fresh)
    identity = ev._botocore_identity()
    assert identity is not None
    changed = tuple(new if new is not None else old for new, old in zip(other, identity))
    monkeypatch.setattr(ev, "_botocore_identity", lambda: changed)
    _forget()
    _build(fresh)
    assert len(reads) == 2 and len(_entries(fresh)) == 2
    assert ev.pageable_operations() == expected


def test_nothing_is_kept_without_a_cache_folder(fresh, expected, reads, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    puts: list[str] = []
    real_put = cache_module.ResultCache.put

    def recorded(self: cache_module.ResultCache, key: str, value: dict) -> None:
        puts.append(key)
        real_put(self, key, value)

    monkeypatch.setattr(cache_module.ResultCache, "put", recorded)
    _build(None)
    assert len(reads) == 1 and ev.pageable_operations() == expected
    assert puts == [] and list(tmp_path.iterdir()) == []


def test_a_store_does_not_outlive_the_run_that_gave_it(fresh, reads):
    _build(fresh)
    assert ev._kept_in is None
    _forget()
    _build(None)  # a run without a cache folder (an editor's unsaved buffer) reads botocore's models
    assert len(reads) == 2
    _forget()
    with pytest.raises(RuntimeError), ev.pageable_operations_kept_in(object()):  # type: ignore[arg-type]
        raise RuntimeError
    assert ev._kept_in is None


def test_a_later_run_with_another_cache_folder_uses_what_the_process_read(fresh, reads, tmp_path):
    """The language server runs many: the list is read once per process."""
    _build(fresh)
    _build(tmp_path / "other")
    assert len(reads) == 1 and _entries(tmp_path / "other") == []


def test_customer_models_are_not_kept(fresh, reads, tmp_path):
    """botocore's loader reads `~/.aws/models` too, whose files can change at any time:
    then the list is read from the models each run (by the loader) and not kept."""
    (tmp_path / "home" / ".aws" / "models").mkdir(parents=True)
    _build(fresh)
    assert len(reads) == 1 and ev.pageable_operations() is not ev.FALLBACK_PAGEABLE
    assert _entries(fresh) == []


def test_without_botocore_the_builtin_list_is_used_and_nothing_kept(fresh, monkeypatch):
    monkeypatch.setitem(sys.modules, "botocore", None)
    monkeypatch.setitem(sys.modules, "botocore.loaders", None)
    assert ev._botocore_identity() is None
    _build(fresh)
    assert ev.pageable_operations() is ev.FALLBACK_PAGEABLE
    assert _entries(fresh) == []


def test_a_spawned_worker_reads_the_kept_list(fresh, expected, monkeypatch):
    """A worker that is not forked builds its own engine, through the cache folder."""
    import gc

    _build(fresh)
    _forget()
    monkeypatch.setattr(ev, "_paginator_models", _not_read)
    enabled = gc.isenabled()
    try:
        runner_module._worker_init(Config(), LAM605, None, [], True, fresh)
        assert ev.pageable_operations() == expected
    finally:
        runner_module._WORKER.pop("engine", None)
        if enabled:
            gc.enable()


def test_a_check_run_leaves_the_entry_and_a_run_after_an_edit_imports_no_botocore(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(HANDLER, encoding="utf-8")
    cache = tmp_path / "cache"
    env = {**os.environ, "HOME": str(tmp_path / "home"), "USERPROFILE": str(tmp_path / "home")}

    def check(*options: str) -> subprocess.CompletedProcess[str]:
        run = subprocess.run([sys.executable, *options, "-m", "lambdalint", "check", "--output-format", "json",
                              "--cache-dir", str(cache), "."], cwd=project, env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 1, run.stderr
        assert [(d["filename"], d["location"]["row"], d["code"]) for d in json.loads(run.stdout)] == [FINDING]
        return run

    check()
    [entry] = _entries(cache)
    assert json.loads(entry.read_text(encoding="utf-8"))["key"] == entry.stem
    with (project / "app.py").open("a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    imported = [line.rsplit("|", 1)[-1].strip() for line in check("-X", "importtime").stderr.splitlines()
                if line.startswith("import time:")]
    assert "lambdalint.engine" in imported  # the file was checked again
    assert not [name for name in imported if name.split(".")[0] == "botocore"]
