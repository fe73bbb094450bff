"""Planning units, parallel checking and the results cache give the same findings
as checking everything in one process, only faster."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lambdalint.config import Config
from lambdalint.engine import Engine
from lambdalint.registry import load_registry
from lambdalint.runner import CATALOG_STORE, Runner, plan

REPO = Path(__file__).resolve().parent.parent
RULES = load_registry(include_plugins=False).select(None)


def project(tmp_path: Path, copies: int = 12) -> Path:
    """Several copies of the example project, plus files no handler reaches."""
    root = tmp_path / "proj"
    for index in range(copies):
        shutil.copytree(REPO / "examples" / "src", root / f"svc{index}" / "src")
    (root / "lib").mkdir()
    (root / "lib" / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "lib" / "secrets.py").write_text('password = "hunter2-but-longer"\n')
    (root / "lib" / "broken.py").write_text("def broken(:\n")
    return root


def findings(outcome) -> list[tuple[str, int, str]]:
    return sorted((str(d.path), d.location.row, d.code) for d in outcome.diagnostics)


def test_plan_groups_handlers_with_what_they_import_and_leaves_the_rest_alone(tmp_path: Path):
    root = project(tmp_path, copies=1)
    files = [(p, p.relative_to(tmp_path).as_posix(), p.read_bytes()) for p in sorted(root.rglob("*.py"))]
    units, _ = plan(Engine(Config(), RULES), files)
    kinds = {rel: unit.kind for unit in units for _, rel, _ in unit.files}
    assert kinds["proj/svc0/src/api/app.py"] == "model"
    assert kinds["proj/svc0/src/shared/aws.py"] == "model"  # imported by the handlers
    assert kinds["proj/lib/secrets.py"] == "file"  # a rule that works anywhere may fire
    assert kinds["proj/lib/plain.py"] == "syntax"  # nothing can fire: only syntax-checked
    model = next(unit for unit in units if unit.kind == "model")
    assert "proj/svc0/src/shared/aws.py" not in model.entries  # parsed only when a call reaches it


def test_parallel_and_serial_runs_agree(tmp_path: Path):
    root = project(tmp_path)
    serial = Runner(Config(), RULES, jobs=1).run([root])
    parallel = Runner(Config(), RULES, jobs=2).run([root])
    assert findings(serial) == findings(parallel)
    codes = {code for _, _, code in findings(serial)}
    assert {"LAM101", "LAM102", "LAM000", "LAM402"} <= codes
    assert serial.files_checked == parallel.files_checked == len(list(root.rglob("*.py")))


def test_cache_replays_results_and_notices_changes(tmp_path: Path):
    root = project(tmp_path, copies=2)
    cache = tmp_path / "cache"
    cold = Runner(Config(), RULES, jobs=1, cache_dir=cache).run([root])
    assert any(cache.rglob("*.json")) and (cache / "CACHEDIR.TAG").is_file()
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"  # git leaves it alone
    replaying = Runner(Config(), RULES, jobs=1, cache_dir=cache)
    warm = replaying.run([root])
    assert findings(warm) == findings(cold)
    assert "engine" not in vars(replaying)  # answered from the cache: no rules were set up
    handler = root / "svc0" / "src" / "api" / "app.py"
    handler.write_text(handler.read_text().replace('boto3.client("dynamodb")', "TABLE_CLIENT"))
    changed = Runner(Config(), RULES, jobs=1, cache_dir=cache).run([root])
    fresh = Runner(Config(), RULES, jobs=1).run([root])
    assert findings(changed) == findings(fresh) != findings(cold)


def test_an_unchanged_rerun_reads_no_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The whole run's entry answers before the templates are parsed (YAML reading was
    most of a warm re-run of a monorepo of SAM templates); a changed template is seen."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "examples", root, ignore=shutil.ignore_patterns("terraform"))
    cache = tmp_path / "cache"
    cold = Runner(Config(), RULES, jobs=1, cache_dir=cache).run([root])
    assert any(d.path.name == "template.yaml" for d in cold.diagnostics)
    import lambdalint.templates.deployment as deployment

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a template was read")

    with monkeypatch.context() as patched:
        patched.setattr(deployment, "read_template", no_parsing)
        warm = Runner(Config(), RULES, jobs=1, cache_dir=cache).run([root])
    assert findings(warm) == findings(cold)
    template = root / "template.yaml"
    template.write_text(template.read_text().replace("Timeout:", "Timeout:  "))  # same meaning, new bytes
    changed = Runner(Config(), RULES, jobs=1, cache_dir=cache)
    assert findings(changed.run([root])) == findings(cold) and "engine" in vars(changed)


def test_cache_is_keyed_by_configuration(tmp_path: Path):
    root = project(tmp_path, copies=1)
    cache = tmp_path / "cache"
    Runner(Config(), RULES, jobs=1, cache_dir=cache).run([root])
    only_lam101 = load_registry(include_plugins=False).select(["LAM101"])
    narrowed = Runner(Config(), only_lam101, jobs=1, cache_dir=cache).run([root])
    assert {code for _, _, code in findings(narrowed)} <= {"LAM101", "LAM000"}


def test_cli_jobs_cache_and_no_cache(tmp_path: Path):
    root = project(tmp_path, copies=3)

    def run(*args: str) -> list:
        proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--output-format", "json", *args,
                               str(root)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 1, proc.stderr
        return json.loads(proc.stdout)

    cold = run("--jobs", "2", "--cache-dir", str(tmp_path / "c"))
    assert run("--jobs", "1", "--cache-dir", str(tmp_path / "c")) == cold
    assert run("--no-cache", "-j", "1") == cold
    assert not (tmp_path / ".lambdalint_cache").exists()  # --no-cache wrote nothing


WARM_RUN = """\
import json, sys
from lambdalint.cli import main
sys.argv = ["lambdalint", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    code = stop.code
heavy = sorted(name for name in sys.modules if name in ("libcst", "yaml") or name.startswith(
    ("lambdalint.rule", "lambdalint.engine", "lambdalint.model.module", "lambdalint.templates.deployment")))
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def test_a_run_the_cache_answers_loads_neither_libcst_nor_the_rules(tmp_path: Path):
    """What makes a warm re-run and a pre-commit run on unchanged files cheap: the whole
    run's key is the selection as written, so a hit never learns the rules' codes."""
    root = project(tmp_path, copies=2)
    (root / "template.yaml").write_text((REPO / "examples" / "template.yaml").read_text())
    args = ["check", "--output-format", "json", "--cache-dir", str(tmp_path / "c"), "--select", "LAM1,LAM4",
            "--ignore", "LAM104", str(root)]

    def run() -> tuple[list, dict]:
        proc = subprocess.run([sys.executable, "-c", WARM_RUN, *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
        return json.loads(proc.stdout), json.loads(proc.stderr.splitlines()[-1])

    cold, loaded = run()
    assert loaded["code"] == 1 and {"libcst", "lambdalint.rules", "yaml"} <= set(loaded["heavy"])
    warm, loaded = run()
    assert warm == cold and loaded == {"code": 1, "heavy": []}
    assert {item["code"] for item in cold} <= {"LAM000"} | {f"LAM{n}" for n in range(100, 500) if n != 104}
    args[args.index("LAM104")] = "LAM105"  # another selection is another key: the rules load again
    other, loaded = run()
    assert loaded["code"] == 1 and "libcst" in loaded["heavy"]


def test_an_unknown_code_stops_a_cached_run_too(tmp_path: Path):
    root = project(tmp_path, copies=1)
    cache = str(tmp_path / "c")
    base = [sys.executable, "-m", "lambdalint", "check", "--cache-dir", cache, str(root)]
    assert subprocess.run(base, cwd=tmp_path, capture_output=True, timeout=300).returncode == 1
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nignore = ["LAM99"]\n')
    proc = subprocess.run(base, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "unknown rule code or prefix 'LAM99' in 'ignore'" in proc.stderr
    proc = subprocess.run([*base[:-1], "--select", "LAM1,LAM77", str(root)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2 and "unknown rule code or prefix 'LAM99' in 'ignore'" in proc.stderr
    (tmp_path / "pyproject.toml").unlink()
    proc = subprocess.run([*base[:-1], "--select", "LAM1,LAM77", str(root)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2 and "unknown rule code or prefix 'LAM77' in --select" in proc.stderr
    assert proc.stdout == ""


LAYERED = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Common:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/common/
"""
FUNCTION = """\
  F{n}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/f{n}/
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref Common]
"""


def layered(tmp_path: Path, functions: int = 3) -> Path:
    """Functions in environments of their own, sharing a layer: a helper each handler
    calls (`db`), and a module each imports and none calls into (`legacy`)."""
    root = tmp_path / "layered"
    layer = root / "layers" / "common" / "python"
    layer.mkdir(parents=True)
    (layer / "db.py").write_text("import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb').Table('t')\n")
    (layer / "legacy.py").write_text('password = "hunter2-but-longer"\n\n\ndef old():\n    return 1\n')
    (root / "template.yaml").write_text(LAYERED + "".join(FUNCTION.format(n=n) for n in range(functions)))
    for n in range(functions):
        (root / "functions" / f"f{n}").mkdir(parents=True)
        (root / "functions" / f"f{n}" / "app.py").write_text(
            "import legacy\nfrom db import table\n\n\ndef handler(event, context):\n    return table()\n")
    return root


def counted_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The relative paths of the files the runner parses from now on, in order."""
    import lambdalint.runner as runner_module

    parsed: list[str] = []
    parse = runner_module.parse_source

    def counted(path, rel, data):
        parsed.append(rel)
        return parse(path, rel, data)

    monkeypatch.setattr(runner_module, "parse_source", counted)
    return parsed


def test_a_file_several_units_hold_is_parsed_once_and_checked_alone_once(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    """The layer's files are in each function's unit: `db.py` is modelled in each (its
    findings depend on the caller) but parsed once; `legacy.py`, which no handler calls
    into, is checked alone once, not once per function."""
    import lambdalint.runner as runner_module

    root = layered(tmp_path)
    parsed = counted_parses(monkeypatch)
    monkeypatch.chdir(tmp_path)
    outcome = Runner(Config(), RULES, jobs=1).run([root])
    assert parsed.count("layered/layers/common/python/db.py") == 1
    assert parsed.count("layered/layers/common/python/legacy.py") == 1
    assert [(Path(path).name, row, code) for path, row, code in findings(outcome)] == [
        ("db.py", 5, "LAM101"), ("legacy.py", 1, "LAM402")]
    assert not runner_module.SHARED_TREES._trees  # the run's trees are let go


def test_trees_are_kept_between_runs_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A process that runs check after check (the daemon, the language server) keeps
    each file's tree by its path and bytes: after an edit, only the edited file is
    parsed again, and the findings are those of a fresh run; a one-shot run keeps
    none."""
    from lambdalint import keep

    root = layered(tmp_path)
    parsed = counted_parses(monkeypatch)
    monkeypatch.chdir(tmp_path)

    def run() -> list[tuple[str, int, str]]:
        return findings(Runner(Config(), RULES, jobs=1).run([root]))

    first = run()
    once = len(parsed)
    assert run() == first and len(parsed) == 2 * once  # not kept: parsed again
    try:
        keep.keep_between_runs()
        assert run() == first and len(parsed) == 3 * once
        assert run() == first and len(parsed) == 3 * once  # all kept
        helper = root / "layers" / "common" / "python" / "db.py"
        helper.write_text("# the table, one line lower\n" + helper.read_text())
        parsed.clear()
        edited = run()
        assert parsed == ["layered/layers/common/python/db.py"]
        keep.keep_between_runs(False)
        assert edited == run() != first
    finally:
        keep.keep_between_runs(False)
    assert len(keep.TREES) == 0


def test_a_run_hashes_each_file_and_template_once_for_its_cache_keys(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    """The layer's helper is in every function's key, and the template in the key of
    every unit that reads it: each is hashed once in a run (the template once more,
    for the whole run's key), and the keys are those of hashing each on its own."""
    import hashlib

    import lambdalint.cache as cache_module

    root = layered(tmp_path, functions=4)
    helper = (root / "layers" / "common" / "python" / "db.py").read_bytes()
    hashed: list[bytes] = []
    sha256 = hashlib.sha256

    class Counted:
        def __init__(self, data: bytes = b"") -> None:
            hashed.append(data)
            self._hash = sha256(data)

        def update(self, data: bytes) -> None:
            self._hash.update(data)

        def digest(self) -> bytes:
            return self._hash.digest()

        def hexdigest(self) -> str:
            return self._hash.hexdigest()

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cache_module.hashlib, "sha256", Counted)
    Runner(Config(), RULES, jobs=1, cache_dir=tmp_path / "cache").run([root])
    assert hashed.count(helper) == 1  # for the whole run's key and every unit's
    assert hashed.count((root / "template.yaml").read_bytes()) == 2  # the run's key, the units'
    digests = cache_module.Digests()
    items = [("a.py", helper), ("b.py", b"x = 1\n")]
    assert cache_module.unit_key("s", items, digests) == cache_module.unit_key("s", items)


def test_each_unit_s_cache_entry_keeps_the_findings_of_a_file_checked_alone_for_it(tmp_path: Path):
    """A file left alone by several units is checked once, and each unit's cache entry
    holds its findings all the same: when the unit that checked it no longer holds it,
    the others still answer for it from the cache."""
    root = layered(tmp_path)
    cache = tmp_path / "cache"
    cold = findings(Runner(Config(), RULES, jobs=1, cache_dir=cache).run([root]))
    assert ("legacy.py", 1, "LAM402") in [(Path(p).name, row, code) for p, row, code in cold]
    for n in range(3):  # one unit after the other stops importing it; the others are cache hits
        app = root / "functions" / f"f{n}" / "app.py"
        app.write_text(app.read_text().replace("import legacy\n", ""))
        again = findings(Runner(Config(), RULES, jobs=1, cache_dir=cache).run([root]))
        assert again == cold == findings(Runner(Config(), RULES, jobs=1).run([root]))


def test_a_named_helper_is_checked_in_each_unit_that_holds_it_and_nothing_else_is(tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch):
    """pre-commit on a layer's helper: each function's unit models its handler (the
    helper's findings depend on its callers) but checks only the helper, and a partial
    result is not cached as the unit's."""
    from lambdalint.engine import Engine as RealEngine

    root = layered(tmp_path)
    (root / ".git").mkdir()  # the top of a repository: the project named files are judged in
    monkeypatch.chdir(root)
    helper = Path("layers/common/python/db.py")

    def located(outcome) -> list[tuple[str, int, str]]:
        return [(Path(p).resolve().relative_to(root.resolve()).as_posix(), row, code)
                for p, row, code in findings(outcome)]

    whole = [f for f in located(Runner(Config(), RULES, jobs=1).run([Path(".")])) if f[0] == helper.as_posix()]
    checked: list[str] = []
    check_source = RealEngine._check_source

    def counted(self, source, models, result):
        checked.append(source.rel_path)
        return check_source(self, source, models, result)

    monkeypatch.setattr(RealEngine, "_check_source", counted)
    cache = tmp_path / "cache"
    named = Runner(Config(), RULES, jobs=1, cache_dir=cache).run([helper])
    assert located(named) == whole and whole
    assert len(checked) == 3 and all(rel.endswith(helper.as_posix()) for rel in checked)  # once in each unit
    # Results only: the catalog's list of pageable operations is kept the first time a
    # process builds an engine with a cache folder, whichever run that is.
    assert not [p for p in cache.rglob("*.json") if p.parent.parent.name != CATALOG_STORE]


@pytest.mark.parametrize("value", [-1, "two", True])
def test_bad_jobs_value(value):
    from lambdalint.config import ConfigError, parse_table

    with pytest.raises(ConfigError, match="jobs"):
        parse_table({"jobs": value}, None)


def test_a_checked_project_is_freed_once_its_findings_are_taken():
    """Nothing outlives a unit but its findings: the engine, the rules and the
    shared analyses (taint, event paths, loops, logging) kept the last project's
    syntax trees alive through module-level caches (221 trees on the benchmark)."""
    import gc
    import weakref

    from lambdalint.source import parse_source

    code = (
        "import asyncio, json, logging, os, subprocess\n"
        "logger = logging.getLogger()\n\n\n"
        "def lambda_handler(event, context):\n"
        "    logger.info(json.dumps(event))\n"
        "    subprocess.run(event['cmd'], shell=True)\n"
        "    for record in event['Records']:\n"
        "        asyncio.get_event_loop().run_until_complete(asyncio.sleep(0))\n"
        "    return {'statusCode': 200}\n"
    )
    engine = Engine(Config(), load_registry(include_plugins=False).select(["ALL"]))
    result = engine.check_sources([parse_source(Path("app.py"), "app.py", code.encode())])
    assert {"LAM702", "LAM801", "LAM901"} <= {d.code for d in result.diagnostics}
    project = weakref.ref(result.project)
    findings = [(d.code, d.location.row) for d in result.diagnostics]
    del result
    gc.collect()
    assert project() is None
    assert findings


def test_a_checked_unit_leaves_no_cyclic_garbage():
    """A run turns the cyclic collector off: each unit's syntax trees must be freed
    by reference counting once its findings are taken. ast.literal_eval's closures,
    nested functions pointing at their parents, and the project and its models
    pointing at each other left every tree of a unit to the collector, which spent
    2 s of the pinned benchmark walking them."""
    import gc

    from lambdalint.runner import plan, run_unit

    root = Path(__file__).resolve().parent.parent / "examples"
    engine = Engine(Config(), load_registry(include_plugins=False).select(["ALL"]))
    files = [(path, path.relative_to(root).as_posix(), path.read_bytes())
             for path in sorted(root.rglob("*.py"))]
    units, _ = plan(engine, files)
    assert {unit.kind for unit in units} >= {"model"}
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        findings = [d for unit in units for d in run_unit(unit, None, engine).diagnostics]
        assert findings
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


def _fill_to_pool_size(folder: Path) -> None:
    """One LAM403 finding in each of enough files for --jobs to use its pool."""
    from lambdalint.runner import MIN_FILES_FOR_POOL

    for index in range(MIN_FILES_FOR_POOL):
        (folder / f"tool_{index}.py").write_text('URL = "https://admin:Sup3rSecretValue@db.example.com/x"\n',
                                                 encoding="utf-8")


def _pool_findings(folder: Path, jobs: int, cache: Path | None = None) -> list[tuple[str, int, str]]:
    """LAM101 and LAM403 findings of a run, as (file name, row, code)."""
    rules = load_registry(include_plugins=False).select(["LAM101", "LAM403"])
    outcome = Runner(Config(), rules, jobs=jobs, cache_dir=cache).run([folder])
    assert not outcome.internal_error, outcome.messages
    return [(Path(d.path).name, d.location.row, d.code) for d in outcome.diagnostics]


def _speculation_project(folder: Path) -> None:
    """`lib.py` is reached from the handler: alone it has no per-invocation client,
    in the model unit it has one. `legacy.py` is imported but left alone. The URL
    makes lib.py worth checking alone (and would show twice if both checks of it
    counted)."""
    (folder / "app.py").write_text(
        "import lib\nimport legacy\n\n\ndef lambda_handler(event, context):\n    return lib.make()\n",
        encoding="utf-8")
    (folder / "lib.py").write_text("import boto3\n\nDOCS = 'https://user:Sup3rSecretValue@example.com'\n\n\n"
                                   "def make():\n    return boto3.client('s3')\n", encoding="utf-8")
    (folder / "legacy.py").write_text(
        'import boto3\n\nDSN = "postgresql://admin:Sup3rSecretValue@db.example.com/app"\n', encoding="utf-8")
    _fill_to_pool_size(folder)


def test_speculative_checks_of_a_model_units_files_never_change_the_findings(tmp_path: Path):
    """With --jobs 2 the files of a model unit that are not entry points are also
    checked alone, ahead of knowing which ones the unit leaves alone: only the
    unit's answer may count for `lib.py`, and `legacy.py`'s speculative result is
    the one taken, once."""
    from lambdalint.runner import MIN_FILES_FOR_POOL

    _speculation_project(tmp_path)
    alone = _pool_findings(tmp_path, 1)
    assert ("lib.py", 7, "LAM101") in alone and ("legacy.py", 3, "LAM403") in alone
    assert len(alone) == len(set(alone)) == MIN_FILES_FOR_POOL + 3
    assert _pool_findings(tmp_path, 2) == alone


_SLOW: dict = {}


def _slow_model_unit(unit, policy, engine=None):  # type: ignore[no-untyped-def]
    """`run_unit` with the model unit slowed down, logging what it checks (a module
    function: the pool pickles it by name, and forked workers have the patch)."""
    if unit.kind == "model":
        time.sleep(1.5)
    with open(_SLOW["log"], "a", encoding="utf-8") as out:
        out.write(f"{unit.kind} {unit.files[0][1]}\n")
    return _SLOW["real"](unit, policy, engine)


def test_speculative_results_are_dropped_for_files_the_model_unit_checked(tmp_path: Path, monkeypatch):
    """The same project, with the model unit slowed down so that every speculative
    check is done before it ends."""
    import lambdalint.runner as runner_module

    _speculation_project(tmp_path)
    alone = _pool_findings(tmp_path, 1)
    monkeypatch.setitem(_SLOW, "log", tmp_path.parent / "units.log")
    monkeypatch.setitem(_SLOW, "real", runner_module.run_unit)
    monkeypatch.setattr(runner_module, "run_unit", _slow_model_unit)
    found = _pool_findings(tmp_path, 2)
    assert ("lib.py", 7, "LAM101") in found and ("legacy.py", 3, "LAM403") in found
    assert len(found) == len(set(found))
    assert found == alone
    checked = {f"{kind} {Path(rel).name}" for kind, rel in
               (line.split(" ", 1) for line in _SLOW["log"].read_text(encoding="utf-8").splitlines())}
    assert {"file lib.py", "file legacy.py", "model app.py"} <= checked


def test_files_a_model_unit_leaves_alone_are_checked_in_the_pool_and_cached(tmp_path: Path):
    """A handler imports `shared`, which imports `legacy`; no call from the handler
    reaches either, so the model unit leaves them to be checked alone (in the pool
    with --jobs 2). Their findings must be there either way, and in the cached re-run."""
    from lambdalint.runner import MIN_FILES_FOR_POOL, run_unit

    (tmp_path / "app.py").write_text(
        "import boto3\nimport shared\n\n\ndef lambda_handler(event, context):\n"
        "    s3 = boto3.client('s3')\n    return shared.VERSION\n", encoding="utf-8")
    (tmp_path / "shared.py").write_text("import legacy\n\nVERSION = 1\n", encoding="utf-8")
    (tmp_path / "legacy.py").write_text('DSN = "postgresql://admin:Sup3rSecretValue@db.example.com/app"\n',
                                        encoding="utf-8")
    _fill_to_pool_size(tmp_path)
    engine = Engine(Config(), load_registry(include_plugins=False).select(["LAM101", "LAM403"]))
    files = [(p, p.name, p.read_bytes()) for p in sorted(tmp_path.glob("*.py"))]
    model = [u for u in plan(engine, files)[0] if u.kind == "model"]
    assert [sorted(f[1] for f in u.files) for u in model] == [["app.py", "legacy.py", "shared.py"]]
    assert sorted(f[1] for f in run_unit(model[0], None, engine).deferred) == ["legacy.py", "shared.py"]

    alone = _pool_findings(tmp_path, 1)
    assert ("legacy.py", 1, "LAM403") in alone and ("app.py", 6, "LAM101") in alone
    assert len(alone) == MIN_FILES_FOR_POOL + 2
    assert _pool_findings(tmp_path, 2) == alone
    cache = tmp_path.parent / "cache"
    assert _pool_findings(tmp_path, 2, cache) == alone
    assert _pool_findings(tmp_path, 1, cache) == alone  # from the cache


def test_findings_carry_the_call_chain_that_makes_them_per_invocation(tmp_path: Path, monkeypatch):
    """`Diagnostic.chain`: each function from the entry point to the one holding the
    finding, with the line of its `def`, the same from a pool, a serial run and the cache."""
    root = project(tmp_path, copies=4)
    monkeypatch.chdir(root)
    chains = []
    for jobs, cache in [(1, None), (2, tmp_path / "cache"), (1, tmp_path / "cache")]:
        outcome = Runner(Config(), RULES, jobs=jobs, cache_dir=cache).run([Path(".")])
        chains.append({(str(d.path), d.location.row, d.code): [(link.function, str(link.path), link.row)
                                                              for link in d.chain]
                       for d in outcome.diagnostics})
    assert chains[0] == chains[1] == chains[2]
    found = chains[0]
    assert found[("svc0/src/shared/aws.py", 29, "LAM101")] == [
        ("orders.worker.handle_batch", "svc0/src/orders/worker.py", 24),
        ("shared.aws.orders_table", "svc0/src/shared/aws.py", 27)]
    assert found[("svc0/src/api/app.py", 29, "LAM101")] == [("api.app.lambda_handler", "svc0/src/api/app.py", 19)]
    # At module scope, nothing calls it: no chain.
    assert found[("svc0/src/thumbnails/app.py", 20, "LAM108")] == []
