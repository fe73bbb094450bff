"""`lambdalint server`, driven by a real LSP client (tests/lsp_client.py) over the pipes
of a subprocess: what an editor sends, what it gets back, and what applying it does."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lsp_client import Client, apply_edits, edits_of, uri_of

pytest.importorskip("pygls")

APP = textwrap.dedent('''\
    import boto3

    from helpers import load_orders


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return {"orders": load_orders(), "buckets": s3.list_buckets()}
''')
HELPERS = textwrap.dedent('''\
    import boto3


    def load_orders():
        table = boto3.resource("dynamodb").Table("orders")
        return table.get_item(Key={"id": "latest"})["Item"]
''')
CLIENT_ROW = 6  # 0-based line of `s3 = boto3.client("s3")` in APP


def make_project(root: Path, config: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"[project]\nname = \"orders\"\n\n[tool.lambdalint]\n{config}",
                                         encoding="utf-8")
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "helpers.py").write_text(HELPERS, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "orders")


@pytest.fixture
def client(project: Path):  # type: ignore[no-untyped-def]
    session = Client(project)
    yield session
    session.kill()


def codes(diagnostics: list[dict]) -> list[tuple[str, int]]:
    return sorted((d["code"], d["range"]["start"]["line"]) for d in diagnostics)


def test_a_session_from_initialize_to_exit(client: Client, project: Path):
    result = client.initialize(project)
    capabilities = result["capabilities"]
    assert capabilities["positionEncoding"] == "utf-16"
    assert capabilities["textDocumentSync"]["change"] == 1  # the whole text on each change
    assert "source.fixAll.lambdalint" in capabilities["codeActionProvider"]["codeActionKinds"]
    assert result["serverInfo"]["name"] == "lambdalint"
    helpers_uri = client.open(project / "helpers.py")
    [helper_finding] = client.diagnostics(helpers_uri)
    # Judged inside its project: the helper runs per invocation because the handler calls it.
    assert helper_finding["code"] == "LAM101"
    assert "called from `lambda_handler`" in helper_finding["message"]
    assert helper_finding["severity"] == 2  # warning
    assert helper_finding["source"] == "lambdalint"
    assert helper_finding["codeDescription"]["href"].endswith("/docs/rules/LAM101.md")
    assert helper_finding["range"] == {"start": {"line": 4, "character": 12},
                                       "end": {"line": 4, "character": 38}}
    chain = helper_finding["relatedInformation"]
    assert [(r["location"]["uri"], r["location"]["range"]["start"]["line"]) for r in chain] == [
        (uri_of(project / "app.py"), 5), (helpers_uri, 3)]
    assert chain[0]["message"] == "`lambda_handler` is the entry point Lambda invokes"
    assert chain[1]["message"] == "`load_orders` is called from `lambda_handler`"

    app_uri = client.open(project / "app.py")
    assert codes(client.diagnostics(app_uri)) == [("LAM101", CLIENT_ROW)]
    # The server asked to be told about changes on disk: code, configuration, templates.
    [registration] = [r for r in client.server_requests if r["method"] == "client/registerCapability"]
    [watch] = registration["params"]["registrations"]
    assert watch["method"] == "workspace/didChangeWatchedFiles"
    assert {"**/*.py", "**/pyproject.toml"} <= {w["globPattern"] for w in watch["registerOptions"]["watchers"]}
    # A change is checked from the unsaved text: a second client per invocation.
    changed = APP.replace('    return {', '    sqs = boto3.client("sqs")\n    return {')
    assert changed != APP
    mark = client.mark()
    client.change(app_uri, changed, version=2)
    assert codes(client.diagnostics(app_uri, after=mark, version=2)) == [("LAM101", CLIENT_ROW), ("LAM101", 7)]
    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.process.wait(timeout=10) == 0
    assert "Traceback" not in client.stderr_text()


def test_the_unsaved_text_of_one_file_counts_for_the_others_and_saves_recheck_them(client: Client, project: Path):
    client.initialize(project)
    helpers_uri = client.open(project / "helpers.py")
    assert codes(client.diagnostics(helpers_uri)) == [("LAM101", 4)]
    app_uri = client.open(project / "app.py")
    client.diagnostics(app_uri)
    # The handler stops calling the helper, on disk and in the editor; the save re-checks
    # the helper, which no longer runs per invocation.
    unhooked = APP.replace("load_orders()", "[]")
    (project / "app.py").write_text(unhooked, encoding="utf-8")
    mark = client.mark()
    client.change(app_uri, unhooked, version=2)
    client.save(app_uri)
    assert client.diagnostics(helpers_uri, after=mark) == []
    # A file changed outside the editor (a `git checkout`): the watched-files event re-checks.
    (project / "app.py").write_text(APP, encoding="utf-8")
    mark = client.mark()
    client.notify("workspace/didChangeWatchedFiles",
                  {"changes": [{"uri": uri_of(project / "app.py"), "type": 2}]})
    assert codes(client.diagnostics(helpers_uri, after=mark)) == [("LAM101", 4)]


def test_a_quick_fix_applied_to_the_text_removes_the_finding(client: Client, project: Path):
    client.initialize(project)
    uri = client.open(project / "app.py")
    [finding] = client.diagnostics(uri)
    actions = client.code_actions(uri, (CLIENT_ROW, 12), diagnostics=[finding], only=["quickfix"])
    titles = [a["title"] for a in actions]
    assert titles == ["LAM101: Move `s3` to module scope, created once, and reuse it",
                      "Suppress LAM101 with `# noqa: LAM101`"]
    fix = actions[0]
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "LAM101"
    assert fix["edit"]["documentChanges"][0]["textDocument"] == {"uri": uri, "version": 1}
    fixed = apply_edits(APP, edits_of(fix["edit"], uri))
    assert '\ns3 = boto3.client("s3")\n' in fixed and "    s3 = " not in fixed
    compile(fixed, "app.py", "exec")
    mark = client.mark()
    client.change(uri, fixed, version=2)
    assert client.diagnostics(uri, after=mark, version=2) == []
    # No finding under the cursor: no quick fix.
    assert client.code_actions(uri, (0, 0), only=["quickfix"]) == []


def test_the_noqa_action_silences_the_finding_and_keeps_other_codes(client: Client, project: Path):
    client.initialize(project)
    text = APP.replace('boto3.client("s3")', 'boto3.client("s3")  # noqa: E501')
    uri = client.open(project / "app.py", text)
    [finding] = client.diagnostics(uri)
    [noqa] = [a for a in client.code_actions(uri, (CLIENT_ROW, 20)) if a["title"].startswith("Suppress")]
    silenced = apply_edits(text, edits_of(noqa["edit"], uri))
    assert silenced.splitlines()[CLIENT_ROW] == '    s3 = boto3.client("s3")  # noqa: E501, LAM101'
    mark = client.mark()
    client.change(uri, silenced, version=2)
    assert client.diagnostics(uri, after=mark, version=2) == []
    assert finding["code"] == "LAM101"


@pytest.mark.parametrize("resolve", [False, True])
def test_fix_all_applies_every_safe_fix_the_way_check_fix_does(tmp_path: Path, resolve: bool):
    project = make_project(tmp_path / "orders")
    text = textwrap.dedent('''\
        import re

        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client("s3")
            pattern = re.compile(r"^orders/")
            sqs = boto3.client("sqs")
            return [s3, sqs, pattern.match(event["key"])]
    ''')
    (project / "app.py").write_text(text, encoding="utf-8")
    client = Client(project)
    try:
        client.initialize(project, resolve=resolve, document_changes=False)
        uri = client.open(project / "app.py")
        assert len(client.diagnostics(uri)) == 3
        [action] = client.code_actions(uri, (0, 0), only=["source.fixAll"])
        assert action["kind"] == "source.fixAll.lambdalint"
        assert action["title"] == "Fix all safe fixes in this file"
        if resolve:
            assert "edit" not in action  # computed when chosen
            action = client.request("codeAction/resolve", action)
        fixed = apply_edits(text, edits_of(action["edit"], uri))
        # What `lambdalint check --fix` writes for the same file.
        subprocess.run([sys.executable, "-m", "lambdalint", "check", "--fix", "--no-cache", "app.py"],
                       cwd=project, capture_output=True, check=False)
        assert fixed == (project / "app.py").read_text(encoding="utf-8")
        assert fixed != text
        mark = client.mark()
        client.change(uri, fixed, version=2)
        assert client.diagnostics(uri, after=mark, version=2) == []
        # Nothing left to fix: no action.
        assert client.code_actions(uri, (0, 0), only=["source.fixAll"]) == []
        # In the quick-fix menu too, where two or more safe fixes are left.
        client.change(uri, text, version=3)
        quick = client.code_actions(uri, (6, 12), only=["quickfix"])
        assert "Fix all safe fixes in this file" in [a["title"] for a in quick]
    finally:
        client.kill()


def test_a_buffer_that_does_not_parse_gets_one_lam000_and_the_server_goes_on(client: Client, project: Path):
    client.initialize(project)
    uri = client.open(project / "app.py")
    client.diagnostics(uri)
    mark = client.mark()
    client.change(uri, APP.replace("def lambda_handler(event, context):", "def lambda_handler(event, context:"),
                  version=2)
    [broken] = client.diagnostics(uri, after=mark, version=2)
    assert broken["code"] == "LAM000" and broken["severity"] == 1
    assert "codeDescription" not in broken
    assert broken["range"]["start"]["line"] == 5
    assert client.code_actions(uri, (5, 0)) == []
    mark = client.mark()
    client.change(uri, APP, version=3)
    assert codes(client.diagnostics(uri, after=mark, version=3)) == [("LAM101", CLIENT_ROW)]
    assert client.process.poll() is None


def test_columns_follow_the_negotiated_position_encoding(tmp_path: Path):
    project = make_project(tmp_path / "orders")
    text = APP.replace('s3 = boto3.client("s3")', 's3, label = boto3.client("s3"), "😀 café"')
    text = text.replace('s3, label = boto3.client("s3"), "😀 café"',
                        'label, s3 = "😀 café", boto3.client("s3")')
    expected = {"utf-16": 27, "utf-8": 30, "utf-32": 26}  # where `boto3` starts on the line
    for offered, negotiated in [(None, "utf-16"), (["utf-8", "utf-16"], "utf-8"), (["utf-32"], "utf-32")]:
        client = Client(project)
        try:
            result = client.initialize(project, encodings=offered)
            assert result["capabilities"]["positionEncoding"] == negotiated
            uri = client.open(project / "app.py", text)
            [finding] = client.diagnostics(uri)
            start = finding["range"]["start"]
            assert (start["line"], start["character"]) == (CLIENT_ROW, expected[negotiated])
            [noqa] = [a for a in client.code_actions(uri, (CLIENT_ROW, expected[negotiated]))
                      if a["title"].startswith("Suppress")]
            silenced = apply_edits(text, edits_of(noqa["edit"], uri), negotiated)
            assert silenced.splitlines()[CLIENT_ROW].endswith('boto3.client("s3")  # noqa: LAM101')
        finally:
            client.kill()


def test_configuration_is_read_again_when_pyproject_changes(client: Client, project: Path):
    client.initialize(project)
    uri = client.open(project / "app.py")
    assert codes(client.diagnostics(uri)) == [("LAM101", CLIENT_ROW)]
    pyproject = project / "pyproject.toml"
    pyproject_uri = uri_of(pyproject)

    def rewrite(config: str) -> int:
        pyproject.write_text(f"[project]\nname = \"orders\"\n\n[tool.lambdalint]\n{config}", encoding="utf-8")
        mark = client.mark()
        client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": pyproject_uri, "type": 2}]})
        return mark

    mark = rewrite('ignore = ["LAM101"]\n')
    assert client.diagnostics(uri, after=mark) == []
    # A mistake in the configuration: one message naming it, no findings, no crash.
    mark = rewrite('ignore = ["LAM9999"]\n')
    assert client.diagnostics(uri, after=mark) == []
    error = client.wait_for(lambda m: m["method"] == "window/showMessage", after=mark)["params"]
    assert error["type"] == 1
    assert "unknown rule code or prefix 'LAM9999'" in error["message"] and "pyproject.toml" in error["message"]
    mark = rewrite("select = [\n")  # not TOML
    client.diagnostics(uri, after=mark)
    error = client.wait_for(lambda m: m["method"] == "window/showMessage", after=mark)["params"]
    assert "invalid TOML" in error["message"]
    # Saved from the editor (no file watching): read again too.
    pyproject.write_text("[project]\nname = \"orders\"\n\n[tool.lambdalint]\nseverity = { LAM101 = \"error\" }\n",
                         encoding="utf-8")
    mark = client.mark()
    client.open(pyproject, version=1)
    client.save(pyproject_uri)
    [finding] = client.diagnostics(uri, after=mark)
    assert finding["severity"] == 1
    # The two configuration errors, each shown once, and nothing else.
    assert [(m["type"], "pyproject.toml" in m["message"]) for m in client.messages()] == [(1, True)] * 2
    assert client.process.poll() is None


def test_a_crashing_rule_is_logged_and_the_server_keeps_serving(tmp_path: Path):
    project = make_project(tmp_path / "orders")
    site = tmp_path / "site"
    site.mkdir()
    (site / "crashpack.py").write_text(textwrap.dedent('''\
        from lambdalint import Bad, Rule, Severity


        class CrashInVisit(Rule):
            """
            ## What it does
            Crashes on `crash_in_visit`.

            ## Why is this bad?
            A test.

            ## Fix safety
            No fix.

            ## References
            - none
            """

            code = "LAM991"
            name = "crash-in-visit"
            severity = Severity.INFO
            examples = [Bad("crash_in_visit()  # expect\\n")]

            def visit_Call(self, node):
                if "crash_in_visit" in self.ctx.source.text:
                    raise RuntimeError("boom in visit")


        class CrashInPrescan(CrashInVisit):
            code = "LAM992"
            name = "crash-in-prescan"

            def may_fire_on(self, text):
                if "crash_in_prescan" in text:
                    raise RuntimeError("boom in the pre-scan")
                return False
    '''), encoding="utf-8")
    info = site / "crashpack-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crashpack\nVersion: 0.0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[lambdalint.rules]\ncrash = crashpack\n", encoding="utf-8")
    client = Client(project, env={"PYTHONPATH": str(site)})
    try:
        client.initialize(project)
        uri = client.open(project / "app.py", APP + "\ncrash_in_visit()\n")
        # The engine drops the crashing rule's findings, keeps the others and says why.
        assert codes(client.diagnostics(uri)) == [("LAM101", CLIENT_ROW)]
        logged = client.wait_for(lambda m: m["method"] == "window/logMessage" and "LAM991" in m["params"]["message"])
        assert logged["params"]["type"] == 1 and "crashed" in logged["params"]["message"]
        # An exception that escapes the check: logged with its traceback, shown once.
        mark = client.mark()
        client.change(uri, APP + "\ncrash_in_prescan()\n", version=2)
        logged = client.wait_for(lambda m: m["method"] == "window/logMessage"
                                 and "boom in the pre-scan" in m["params"]["message"], after=mark)
        assert "Traceback" in logged["params"]["message"]
        shown = client.wait_for(lambda m: m["method"] == "window/showMessage", after=mark)["params"]
        assert "internal error" in shown["message"]
        mark = client.mark()
        client.change(uri, APP, version=3)
        assert codes(client.diagnostics(uri, after=mark, version=3)) == [("LAM101", CLIENT_ROW)]
        assert client.shutdown() == 0
    finally:
        client.kill()


def test_excluded_and_unsaved_files(tmp_path: Path):
    project = make_project(tmp_path / "orders", 'extend-exclude = ["scripts"]\n')
    (project / "scripts").mkdir()
    (project / "scripts" / "seed.py").write_text(APP, encoding="utf-8")
    client = Client(project)
    try:
        client.initialize(project)
        # Excluded by the configuration, as `--force-exclude` reads it: no findings.
        assert client.diagnostics(client.open(project / "scripts" / "seed.py")) == []
        # A new file not saved yet: checked on its own.
        new = client.open(project / "new_handler.py", APP.replace("from helpers import load_orders\n", ""))
        assert codes(client.diagnostics(new)) == [("LAM101", CLIENT_ROW - 1)]
        mark = client.mark()
        client.close(new)  # its findings are cleared
        assert client.diagnostics(new, after=mark) == []
    finally:
        client.kill()


def test_the_server_command_says_how_to_install_the_extra_when_pygls_is_missing(tmp_path: Path):
    code = ("import sys; sys.modules['pygls'] = None; sys.argv = ['lambdalint', 'server']; "
            "from lambdalint.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "pip install 'lambdalint[lsp]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_the_editor_setup_in_the_docs_starts_this_server():
    """docs/editors.md: the VS Code settings and the Neovim Lua name `lambdalint server`
    and the fix-all kind the server announces."""
    import re

    from lambdalint.lsp.server import FIX_ALL_KIND

    text = (Path(__file__).resolve().parent.parent / "docs" / "editors.md").read_text(encoding="utf-8")
    [settings] = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)
                  if "glspc" in block]
    assert settings["glspc.server.command"] == "lambdalint"
    assert settings["glspc.server.commandArguments"] == ["server"]
    assert settings["glspc.server.languageId"] == ["python"]
    assert FIX_ALL_KIND in settings["[python]"]["editor.codeActionsOnSave"]
    [lua] = re.findall(r"```lua\n(.*?)```", text, re.S)
    assert 'cmd = { "lambdalint", "server" }' in lua and f'only = {{ "{FIX_ALL_KIND}" }}' in lua
