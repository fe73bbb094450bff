"""The fix engine: exact output, idempotence, bytes preserved, passes, failures, CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
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
    "s3 = boto3.client(\"s3\")  # keep me\n"
    "\n"
    "\n"
    "def lambda_handler(event, context):\n"
    "    # the bucket client\n"
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


@pytest.mark.parametrize("ending", ["\n  ", "\n\t", "\n\n", "  \n\n   "])
def test_a_last_line_of_spaces_without_a_line_break_is_kept(ending: str):
    """LibCST prints a blank line before a last line of spaces without a line break
    back without the blank line; `--fix` writes the file's own bytes there."""
    data = (HANDLER + ending).encode()
    run = fix_bytes(data)
    assert run.files[0].fixed.data == (FIXED + ending).encode()
    assert not fix_bytes(run.files[0].fixed.data).changed


def test_what_libcst_does_not_print_back_is_spliced_in_or_the_file_left_alone():
    from lambdalint.autofix import spliced

    assert spliced(b"a = 1\n", b"a = 1\n", b"a = 2\n") == b"a = 2\n"
    # LibCST printed "x\n  " for "x\n\n  ": the fix changed the first line only.
    assert spliced(b"a = 1\nx\n  ", b"a = 1\nx\n\n  ", b"a = 2\nx\n  ") == b"a = 2\nx\n\n  "
    # ... or it changed the part LibCST does not print back: nothing is written.
    assert spliced(b"a = 1\nx\n  ", b"a = 1\nx\n\n  ", b"a = 1\ny\n") is None


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


# -- the hoist: where to, under which name, and when it is unsafe -----------------------

LAM102 = load_registry(include_plugins=False).rules["LAM102"]
LAM107 = load_registry(include_plugins=False).rules["LAM107"]


def hoisted(code: str, rules=(LAM101,), unsafe: bool = False) -> tuple[str, list]:
    """The fixed text (verified: parses, the findings are gone, a second --fix changes
    nothing) and the fixes the findings offered before."""
    data = textwrap.dedent(code).encode()
    policy = FixPolicy(unsafe=unsafe)
    offered = Engine(Config(), list(rules)).check_sources([parse_source(Path("app.py"), "app.py", data)])
    run = fix_bytes(data, rules, policy)
    text = run.files[0].fixed.text
    cst.parse_module(text)
    again = fix_bytes(text.encode(), rules, policy)
    assert not again.changed
    return text, [d.fix for d in offered.diagnostics]


def test_hoist_inside_try_is_unsafe():
    code = """
        import logging
        import boto3

        def lambda_handler(event, context):
            try:
                sns = boto3.client("sns", region_name="eu-west-1")
                sns.publish(TopicArn="arn:aws:sns:eu-west-1:1:t", Message="x")
            except Exception:
                logging.exception("publish failed")
            return "ok"
    """
    text, fixes = hoisted(code)
    assert [f.applicability for f in fixes] == [Applicability.UNSAFE]
    assert text == textwrap.dedent(code)  # --fix alone leaves it
    text, _ = hoisted(code, unsafe=True)
    assert 'sns = boto3.client("sns", region_name="eu-west-1")\n\n' in text
    assert "        sns = " not in text


def test_hoist_inside_with_or_in_a_helper_called_inside_try_is_unsafe():
    code = """
        import boto3
        from contextlib import suppress

        def client():
            s3 = boto3.client("s3")
            return s3

        def lambda_handler(event, context):
            with suppress(Exception):
                ddb = boto3.client("dynamodb")
                ddb.describe_table(TableName="t")
            try:
                client().head_bucket(Bucket="b")
            except Exception:
                return "no bucket"
            return "ok"
    """
    _, fixes = hoisted(code)
    assert [f.applicability for f in fixes] == [Applicability.UNSAFE, Applicability.UNSAFE]


def test_hoist_of_a_connection_made_only_on_some_paths_is_unsafe():
    code = """
        import redis

        def lambda_handler(event, context):
            for key in event["keys"]:
                cache = redis.Redis(host="cache.internal")
                cache.delete(key)
            return "ok"
    """
    _, fixes = hoisted(code, rules=(LAM102,))
    assert [f.applicability for f in fixes] == [Applicability.UNSAFE]


def test_hoist_reuses_a_module_level_client_of_the_same_name_without_shadowing_it():
    # `s3 = s3` inside the function would read the local before it is assigned.
    text, _ = hoisted("""
        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            s3 = boto3.client("s3")  # per call
            return s3.list_buckets()

        def other(event, context):
            s3 = boto3.client("s3")
            if event:
                s3 = None
            return s3
    """)
    assert text == textwrap.dedent("""
        import boto3

        s3 = boto3.client("s3")

        def lambda_handler(event, context):
            # per call
            return s3.list_buckets()

        def other(event, context):
            s3 = boto3.client("s3")
            if event:
                s3 = None
            return s3
    """)


def test_hoist_names_are_ones_a_person_writes():
    text, _ = hoisted("""
        import boto3

        s3_client = "taken"

        def uploads(event, context):
            s3 = boto3.client("s3")
            s3 = wrap(s3)
            return s3

        def reports(event, context):
            return boto3.client("s3").list_buckets()

        def audit():
            return s3
    """)
    assert "_2" not in text
    assert '_s3_client = boto3.client("s3")' in text
    assert "s3 = wrap(_s3_client)" not in text and "s3 = _s3_client" in text
    assert "return _s3_client.list_buckets()" in text


def test_no_hoist_when_every_good_name_is_taken():
    code = """
        import boto3

        s3_client = _s3_client = s3 = _s3 = None

        def lambda_handler(event, context):
            return boto3.client("s3").list_buckets()
    """
    text, fixes = hoisted(code)
    assert fixes == [None] and text == textwrap.dedent(code)


def test_hoist_of_a_table_moves_the_variable_under_its_own_name():
    text, _ = hoisted("""
        import os
        import boto3

        def lambda_handler(event, context):
            orders_table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
            customers = boto3.resource("dynamodb").Table(event["table"])
            orders_table.put_item(Item={"pk": event["id"]})
            return customers.get_item(Key={"pk": event["id"]})
    """)
    assert text == textwrap.dedent("""
        import os
        import boto3

        orders_table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])

        dynamodb = boto3.resource("dynamodb")

        def lambda_handler(event, context):
            customers = dynamodb.Table(event["table"])
            orders_table.put_item(Item={"pk": event["id"]})
            return customers.get_item(Key={"pk": event["id"]})
    """)


def test_hoist_keeps_comments_encoding_and_newlines_of_a_moved_variable():
    source = (
        "# -*- coding: latin-1 -*-\r\n"
        "import boto3\r\n"
        "\r\n"
        "def lambda_handler(event, context):\r\n"
        "    # the queue, café\r\n"
        "    sqs = boto3.client(\"sqs\")  # per call\r\n"
        "    return sqs.send_message(QueueUrl=\"q\", MessageBody=\"m\")\r\n"
    )
    run = fix_bytes(source.encode("latin-1"))
    fixed = run.files[0].fixed.data.decode("latin-1")
    assert fixed == (
        "# -*- coding: latin-1 -*-\r\n"
        "import boto3\r\n"
        "\r\n"
        "sqs = boto3.client(\"sqs\")  # per call\r\n"
        "\r\n"
        "def lambda_handler(event, context):\r\n"
        "    # the queue, café\r\n"
        "    return sqs.send_message(QueueUrl=\"q\", MessageBody=\"m\")\r\n"
    )
    assert not run.result.diagnostics


def test_hoist_does_not_take_over_a_name_other_code_reads():
    text, _ = hoisted("""
        import boto3

        class Store:
            def save(self):
                return client.put_object(Bucket="b", Key="k", Body=b"")

        def lambda_handler(event, context):
            client = boto3.client("s3")
            return client.list_buckets()
    """)
    assert 's3_client = boto3.client("s3")' in text and "client = s3_client" in text



@pytest.mark.parametrize("elsewhere, taken", [
    ("def other():\n    return client\n", True),  # another function reads the module's name
    ("@client\ndef other():\n    pass\n", True),  # so does a decorator
    ("def other(client=None):\n    return client\n", False),  # its own parameter
    ("def other():\n    client = 1\n    return client\n", False),  # its own local
    ("def other(s3):\n    return s3.client, dict(client=1)\n", False),  # an attribute, a keyword
    ("def other():\n    global client\n    return client\n", True),
])
def test_hoist_keeps_the_name_when_no_other_code_reads_it(elsewhere: str, taken: bool):
    """Where else a module mentions a name is found in one walk of it (kept for the
    module, however many clients its functions hoist); what counts as a mention is
    what it was: no attribute, no keyword, no function's own local."""
    text, _ = hoisted("import boto3\n\n" + elsewhere + """
def lambda_handler(event, context):
    client = boto3.client("s3")

    def inner():
        return client

    return client.list_buckets(), inner()
""")
    if taken:
        assert 's3_client = boto3.client("s3")' in text and "client = s3_client" in text
    else:
        assert '\nclient = boto3.client("s3")' in text and "client = s3_client" not in text


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
    assert "+s3 = boto3.client(\"s3\")  # keep me" in proc.stdout
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
    assert fix["message"].startswith("Move `s3` to module scope")
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


def test_a_statement_already_at_module_level_is_not_inserted_again():
    """Fixes that move the same statement to module level (two handlers building the
    same client) leave one; a statement that differs goes in."""
    from lambdalint.fix import apply_fixes

    module = cst.parse_module('import boto3\ns3 = boto3.client("s3")\n\n\ndef handler(event, context):\n'
                              '    return s3.list_buckets()\n')
    same = cst.parse_statement('s3 = boto3.client("s3")\n')
    other = cst.parse_statement('sqs = boto3.client("sqs")\n')
    fixes = [Fix("hoist", Applicability.SAFE, insertions=[(same, 1)]),
             Fix("hoist", Applicability.SAFE, insertions=[(other, 2)])]
    assert apply_fixes(module, fixes).code == (
        'import boto3\ns3 = boto3.client("s3")\nsqs = boto3.client("sqs")\n\n\n'
        'def handler(event, context):\n    return s3.list_buckets()\n')
    twice = [Fix("hoist", Applicability.SAFE, insertions=[(other, 1)]),
             Fix("hoist", Applicability.SAFE, insertions=[(other.deep_clone(), 1)])]
    assert apply_fixes(module, twice).code.count("sqs = ") == 1


@pytest.mark.parametrize("text", [
    "import os\n\n\ndef f():\n    if x:\n        return g(1)  # keep\n\n\ny = g(1)\n# the end\n",
    "# header\n\nimport os\r\n\r\ndef f():\r\n\treturn g(1)\r\n",
    "import os\ndef f():\n    return g(1)",  # no last line break: printed whole
    "x = g(1)\n",
])
def test_origin_prints_a_fixed_module_from_its_untouched_statements(text: str):
    """The JSON and SARIF edits of a fix are the difference between the file and the
    file fixed; the fixed file's code is put together from the statements the fix
    leaves alone, printed once per file, and the ones it changes, and must be
    exactly what printing it whole gives."""
    from lambdalint.fix import Origin, apply_fixes

    module = cst.parse_module(text)
    origin = Origin(module)
    calls = _calls(module)
    fixes = [Fix.replace(call.args[0].value, cst.Integer("2"), "two") for call in calls]
    fixes.append(Fix("hoist", Applicability.SAFE, insertions=[(cst.parse_statement("z = 3\n"), 1)],
                     imports=[ImportSpec("json")]))
    origin.fixes.extend(fixes)
    assert origin.code == module.code
    for fix in fixes:
        fixed = apply_fixes(module, [fix], origin.printed, origin.holders(fix))
        assert origin.code_of(fixed) == fixed.code == apply_fixes(module, [fix]).code
        assert fix.replacements == [] or fixed.code != module.code
    assert origin.code_of(cst.parse_module("")) == ""
    assert origin.code_of(module.with_changes(body=[])) == module.with_changes(body=[]).code


def test_the_nodes_holding_each_fix_of_a_file_come_from_one_walk():
    """`Origin.holders` answers for every fix of the file at once, the same nodes as
    for the fix alone, and for a fix it was not given, that fix's own."""
    from lambdalint.fix import Origin, _holders_of_each

    module = cst.parse_module("def f():\n    return g(1)\n\n\ndef h():\n    if y:\n        k(2)\n")
    origin = Origin(module)
    first, second = (Fix.replace(call.args[0].value, cst.Integer("3"), "three")
                     for call in _calls(module))
    origin.fixes.append(first)
    stranger = second
    alone = _holders_of_each(module, [{id(node) for node, _ in stranger.replacements}])[0]
    assert origin.holders(stranger) == alone and id(module.body[1]) in alone
    origin.fixes.append(second)
    assert origin.holders(first) == _holders_of_each(module, [{id(first.replacements[0][0])}])[0]
    assert origin.holders(second) == alone
    assert id(module.body[0]) in origin.holders(first) and id(module.body[1]) not in origin.holders(first)


def _calls(module: cst.Module) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    module.visit(Calls())
    return found


def test_the_nodes_holding_any_node_are_its_ancestors():
    """Whatever a fix replaces (a call, an operator, a comment, a comma, the module's
    header), the nodes that hold it are all its ancestors and nothing else; the walk
    that finds them skips whitespace and punctuation unless it must go through them."""
    import random

    from lambdalint.fix import _holders_of_each
    from lambdalint.walk import children

    module = cst.parse_module("# header\n\nimport os  # why\n\n\n@deco(1)\ndef f(a, b=2):\n"
                              "    # the sum\n    return (a + b) * g(x=[1, 2], y={'k': a})  # done\n")
    parents: dict[int, cst.CSTNode] = {}
    every: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        every.append(node)
        for child in children(node, with_trivia=True):
            parents[id(child)] = node
            stack.append(child)

    def ancestors(node: cst.CSTNode) -> set[int]:
        found: set[int] = set()
        parent = parents.get(id(node))
        while parent is not None:
            found.add(id(parent))
            parent = parents.get(id(parent))
        return found

    kinds = {type(node) for node in every}
    assert {cst.Comment, cst.Add, cst.Comma, cst.EmptyLine, cst.Call} <= kinds
    for node in every:
        assert _holders_of_each(module, [{id(node)}]) == [ancestors(node)]
    sample = random.Random(3).sample(every, 12)
    groups = [{id(node) for node in sample[:5]}, {id(node) for node in sample[5:]}]
    assert _holders_of_each(module, groups) == [
        set().union(*(ancestors(node) for node in sample[:5])),
        set().union(*(ancestors(node) for node in sample[5:]))]
