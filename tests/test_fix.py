"""The fix engine: exact output, idempotence, bytes preserved, passes, failures, CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from lambdalint import Bad, Good, Rule, Severity
from lambdalint.autofix import FixPolicy, run_fixes
from lambdalint.config import Config, parse_table
from lambdalint.engine import Engine
from lambdalint.fix import Applicability, Fix, ImportSpec, add_import, text_edits
from lambdalint.registry import load_registry
from lambdalint.source import parse_source

LAM101 = load_registry(include_plugins=False).rules["LAM101"]

HANDLER = (
    "import boto3\n"
    "\n"
    "\n"
    "def lambda_handler(event, context):\n"
    "    # the bucket client\n"
    "    s3 = boto3.client(\"s3\")  # keep me\n"
    "    return s3.list_buckets()\n"
)
FIXED = (
    "import boto3\n"
    "\n"
    "s3_client = boto3.client(\"s3\")\n"
    "\n"
    "\n"
    "def lambda_handler(event, context):\n"
    "    # the bucket client\n"
    "    s3 = s3_client  # keep me\n"
    "    return s3.list_buckets()\n"
)


def lambdalint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def fix_bytes(data: bytes, rules=(LAM101,), policy: FixPolicy | None = None, path: str = "app.py"):
    engine = Engine(Config(), list(rules))
    run = run_fixes(engine, [parse_source(Path(path), path, data)], policy or FixPolicy())
    return run


# -- bytes outside the edit survive ---------------------------------------------------


def test_exact_output_and_comments_kept():
    run = fix_bytes(HANDLER.encode())
    assert run.files[0].fixed.text == FIXED
    assert not run.result.diagnostics


def test_crlf_stays_crlf():
    data = HANDLER.replace("\n", "\r\n").encode()
    fixed = fix_bytes(data).files[0].fixed.data
    assert fixed == FIXED.replace("\n", "\r\n").encode()


def test_bom_is_kept():
    data = b"\xef\xbb\xbf" + HANDLER.encode()
    fixed = fix_bytes(data).files[0].fixed.data
    assert fixed == b"\xef\xbb\xbf" + FIXED.encode()


def test_latin1_with_cookie_is_kept_byte_for_byte():
    cookie = "# -*- coding: latin-1 -*-\n"
    text = cookie + HANDLER.replace("# keep me", "# café")
    fixed = fix_bytes(text.encode("latin-1")).files[0].fixed.data
    assert fixed == (cookie + FIXED.replace("# keep me", "# café")).encode("latin-1")


def test_second_fix_changes_nothing():
    once = fix_bytes(HANDLER.encode()).files[0].fixed.data
    twice = fix_bytes(once)
    assert not twice.changed


# -- when there is no fix -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "    with boto3.client('s3') as c:\n        pass\n",
        "    name = 's3'\n    boto3.client(name)\n",
        "    import boto3 as inner\n    inner.client('s3')\n",
        "    boto3.client('s3', region_name=LATER)\n",
    ],
)
def test_no_fix_when_moving_could_change_meaning(body):
    code = "import boto3\n\ndef lambda_handler(event, context):\n" + body + "\nLATER = 'x'\n"
    run = fix_bytes(code.encode())
    assert not run.changed
    assert run.result.diagnostics and all(d.fix is None for d in run.result.diagnostics)


# -- the loop ------------------------------------------------------------------------------------


class RenameF(Rule):
    """
    ## What it does
    Test rule: renames calls of `f` to `g`, nested calls overlap.

    ## Why is this bad?
    Test.

    ## Fix safety
    Safe.

    ## References
    - none
    """

    code = "LAM990"
    name = "rename-f"
    severity = Severity.INFO
    examples = [Bad("f(1)  # expect"), Good("g(1)")]

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "f":
            new = node.with_changes(func=cst.Name("g"))
            self.report(node, "call g", fix=Fix.replace(node, new, "use g"))


class Breaks(Rule):
    """
    ## What it does
    Test rule whose fix writes code that does not parse.

    ## Why is this bad?
    Test.

    ## Fix safety
    Broken on purpose.

    ## References
    - none
    """

    code = "LAM991"
    name = "breaks-code"
    severity = Severity.INFO

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "broken":
            self.report(node, "bad", fix=Fix.replace(node, cst.Name("def"), "break it"))


class UnsafeF(RenameF):
    code = "LAM992"
    name = "unsafe-rename-f"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "f":
            new = node.with_changes(func=cst.Name("g"))
            self.report(node, "call g", fix=Fix.replace(node, new, "use g", Applicability.UNSAFE))


def test_overlapping_fixes_converge_over_passes():
    run = fix_bytes(b"x = f(f(f(1)))\n", rules=(RenameF,))
    assert run.files[0].fixed.text == "x = g(g(g(1)))\n"
    assert run.files[0].applied["LAM990"] == 3
    assert not run.result.diagnostics


def test_fix_that_breaks_parsing_is_discarded_and_named():
    run = fix_bytes(b"x = broken\n", rules=(Breaks,))
    assert run.failed
    assert not run.changed
    assert "LAM991" in run.messages[0]


def test_unsafe_fixes_need_opt_in():
    assert not fix_bytes(b"f(1)\n", rules=(UnsafeF,)).changed
    assert fix_bytes(b"f(1)\n", rules=(UnsafeF,), policy=FixPolicy(unsafe=True)).changed
    promoted = FixPolicy(extend_safe=["LAM992"])
    assert fix_bytes(b"f(1)\n", rules=(UnsafeF,), policy=promoted).changed


def test_fixable_and_unfixable():
    assert not fix_bytes(HANDLER.encode(), policy=FixPolicy(unfixable=["LAM1"])).changed
    assert not fix_bytes(HANDLER.encode(), policy=FixPolicy(fixable=["LAM2"])).changed
    assert not fix_bytes(HANDLER.encode(), policy=FixPolicy(extend_unsafe=["LAM101"])).changed
    assert fix_bytes(HANDLER.encode(), policy=FixPolicy(extend_unsafe=["LAM101"], unsafe=True)).changed


def test_files_that_do_not_parse_are_never_fixed():
    run = fix_bytes(b"import boto3\ndef lambda_handler(event, context):\n    boto3.client('s3'\n")
    assert not run.changed
    assert [d.code for d in run.result.diagnostics] == ["LAM000"]


# -- imports ---------------------------------------------------------------------------------------


def test_add_import_never_duplicates_and_goes_after_the_imports():
    module = cst.parse_module('"""Doc."""\nfrom __future__ import annotations\nimport os\n\nX = 1\n')
    once = add_import(module, ImportSpec("json"))
    assert once.code == '"""Doc."""\nfrom __future__ import annotations\nimport os\nimport json\n\nX = 1\n'
    assert add_import(once, ImportSpec("json")).code == once.code
    with_from = add_import(once, ImportSpec("urllib.parse", "unquote_plus"))
    assert "from urllib.parse import unquote_plus\n" in with_from.code
    assert add_import(with_from, ImportSpec("urllib.parse", "unquote_plus")).code == with_from.code


def test_text_edits_are_one_based_line_ranges():
    edits = text_edits("a\nb\nc\n", "a\nB\nc\n")
    assert [e.to_dict() for e in edits] == [
        {"content": "B\n", "location": {"row": 2, "column": 1}, "end_location": {"row": 3, "column": 1}}
    ]


# -- CLI ----------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(HANDLER)
    os.chmod(tmp_path / "app.py", 0o640)
    return tmp_path


def test_cli_diff_writes_nothing(project: Path):
    proc = lambdalint("check", "--diff", "app.py", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert "+s3_client = boto3.client(\"s3\")" in proc.stdout
    assert "-    s3 = boto3.client(\"s3\")  # keep me" in proc.stdout
    assert (project / "app.py").read_text() == HANDLER


def test_cli_fix_writes_atomically_and_keeps_mode(project: Path):
    proc = lambdalint("check", "--fix", "--show-fixes", "app.py", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Fixed app.py: 1 x LAM101" in proc.stdout
    assert (project / "app.py").read_text() == FIXED
    assert stat.S_IMODE((project / "app.py").stat().st_mode) == 0o640
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]
    again = lambdalint("check", "--fix", "app.py", cwd=project)
    assert again.returncode == 0 and (project / "app.py").read_text() == FIXED
    assert lambdalint("check", "--diff", "app.py", cwd=project).returncode == 0


def test_cli_reports_fix_marker_and_json_fix(project: Path):
    text = lambdalint("check", "app.py", cwd=project)
    assert "LAM101 [*]" in text.stdout
    assert "1 fixable with the `--fix` option" in text.stdout
    data = json.loads(lambdalint("check", "--output-format", "json", "app.py", cwd=project).stdout)
    fix = data[0]["fix"]
    assert fix["applicability"] == "safe"
    assert fix["message"].startswith("Create the AWS client once at module scope as `s3_client`")
    assert {"content", "location", "end_location"} <= set(fix["edits"][0])


def test_cli_unfixable_config(project: Path):
    (project / "pyproject.toml").write_text('[tool.lambdalint]\nunfixable = ["LAM101"]\n')
    proc = lambdalint("check", "--fix", "app.py", cwd=project)
    assert proc.returncode == 1
    assert (project / "app.py").read_text() == HANDLER


def test_config_rejects_unknown_fix_codes(project: Path):
    (project / "pyproject.toml").write_text('[tool.lambdalint]\nextend-safe-fixes = ["LAM99"]\n')
    proc = lambdalint("check", "app.py", cwd=project)
    assert proc.returncode == 2
    assert "extend-safe-fixes" in proc.stderr


def test_parse_table_fix_keys():
    config = parse_table({"fix": True, "unsafe-fixes": True, "fixable": ["LAM1"]}, None)
    assert config.fix and config.unsafe_fixes and config.fixable == ["LAM1"]


def test_fix_improves_the_example_project(tmp_path: Path):
    import shutil

    examples = Path(__file__).resolve().parent.parent / "examples"
    shutil.copytree(examples, tmp_path / "examples")
    before = {p: p.read_bytes() for p in (tmp_path / "examples").rglob("*.py")}
    diff = lambdalint("check", "--diff", "examples", cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    assert diff.stdout.startswith("--- a/examples/")
    assert {p: p.read_bytes() for p in before} == before
    fixed = lambdalint("check", "--fix", "examples", cwd=tmp_path)
    assert fixed.returncode == 1  # the findings without a fix remain
    changed = [p for p in before if p.read_bytes() != before[p]]
    assert changed
    for path in changed:
        cst.parse_module(path.read_bytes())
        assert f"+++ b/{path.relative_to(tmp_path).as_posix()}" in diff.stdout
    second = lambdalint("check", "examples", cwd=tmp_path)
    assert "[*]" not in second.stdout and "fixable" not in second.stdout
    assert lambdalint("check", "--diff", "examples", cwd=tmp_path).returncode == 0


def test_applying_a_fix_rebuilds_only_the_nodes_that_hold_it():
    """The edits of every fix a JSON report shows are computed by applying it: a
    statement the fix does not touch must come back as the very same node."""
    from lambdalint.fix import Fix, apply_fixes

    module = cst.parse_module("import os\n\n\ndef f():\n    if x:\n        return g(1)  # keep\n\n\ny = 2\n")
    call = module.body[1].body.body[0].body.body[0].body[0].value  # type: ignore[attr-defined]
    fixed = apply_fixes(module, [Fix.replace(call.args[0].value, cst.Integer("2"), "two")])
    assert fixed.code == module.code.replace("g(1)", "g(2)")
    assert fixed.body[0] is module.body[0] and fixed.body[2] is module.body[2]
