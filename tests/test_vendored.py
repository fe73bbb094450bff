"""Third-party code stays third-party: packages installed into the tree (`pip install
--target` beside a function's code, a layer's `python/` folder) are never checked,
reported, fixed or modelled, and never change what `boto3` or `requests` mean. The
fixtures hold the real boto3 and requests of the test environment, with their
`*.dist-info`."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import copy_distribution, run_cli, write

from lambdalint.discovery import discover, installed_names

FUNCTION = '''\
import boto3


def lambda_handler(event, context):
    s3 = boto3.client("s3")
    return s3.list_buckets()
'''

VENDORED_FUNCTION = '''\
import boto3
import requests


def lambda_handler(event, context):
    table = boto3.resource("dynamodb").Table("orders")
    return requests.get("https://example.com/orders")
'''


def _tree(workdir: Path) -> None:
    write(workdir, {"functions/list/app.py": FUNCTION, "functions/orders/app.py": VENDORED_FUNCTION})
    copy_distribution("boto3", workdir / "layers/sdk/python")
    copy_distribution("requests", workdir / "functions/orders")


def _findings(run) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return sorted((f["filename"], f["code"], f["location"]["row"]) for f in json.loads(run.stdout))


def test_vendored_packages_are_not_checked_and_do_not_change_boto3(workdir):
    _tree(workdir)
    run = run_cli("check", "--no-cache", "--output-format", "json", ".")
    assert _findings(run) == [
        ("functions/list/app.py", "LAM101", 5),
        ("functions/orders/app.py", "LAM101", 6),
        ("functions/orders/app.py", "LAM201", 7),
    ]
    text = run_cli("check", "--no-cache", ".")
    assert "(2 files checked)" in text.stdout


def test_without_the_vendored_packages_the_findings_are_the_same(workdir):
    write(workdir, {"functions/list/app.py": FUNCTION, "functions/orders/app.py": VENDORED_FUNCTION})
    bare = _findings(run_cli("check", "--no-cache", "--output-format", "json", "."))
    _tree(workdir)
    assert _findings(run_cli("check", "--no-cache", "--output-format", "json", ".")) == bare


def test_fix_never_edits_vendored_code(workdir):
    _tree(workdir)
    before = {p: p.read_bytes() for p in workdir.rglob("*.py") if "functions/orders/app.py" not in p.as_posix()
              and "functions/list/app.py" not in p.as_posix()}
    run = run_cli("check", "--fix", "--unsafe-fixes", ".")
    assert run.exit_code in (0, 1)
    assert {p: p.read_bytes() for p in before} == before
    assert "\ns3 = boto3.client(\"s3\")\n" in (workdir / "functions/list/app.py").read_text()


def test_discovery_names_what_it_skipped(workdir):
    _tree(workdir)
    found = discover([Path(".")], [], workdir)
    assert {p.as_posix() for p in found.files} == {"functions/list/app.py", "functions/orders/app.py"}
    assert "layers/sdk/python/boto3" in found.vendored
    assert "functions/orders/requests" in found.vendored


def test_installed_names_come_from_record_top_level_or_the_distribution_name(tmp_path):
    write(tmp_path, {
        "a-1.0.dist-info/RECORD": "a/__init__.py,sha256=x,1\nsix.py,sha256=y,2\n../../bin/tool,,\n"
                                  "a-1.0.dist-info/METADATA,,\n",
        "b.egg-info/top_level.txt": "bee\n",
        "b.egg-info/installed-files.txt": "../bee/__init__.py\n",
        "c_pkg-2.0.dist-info/METADATA": "Name: c-pkg\n",
        "c_pkg-2.0.dist-info/RECORD": "",
    })
    names = installed_names(str(tmp_path), ["a-1.0.dist-info", "b.egg-info", "c_pkg-2.0.dist-info", "mine"])
    assert {"a", "six.py", "bee", "bee.py", "c_pkg"} <= names
    assert "mine" not in names and ".." not in names


def test_an_egg_info_of_pip_install_e_is_no_installation(workdir):
    """`pip install -e .` (and an sdist) leave `mypkg.egg-info` beside the project's own
    package: that package is the user's code, and is checked."""
    write(workdir, {"src/mypkg/__init__.py": "", "src/mypkg/handler.py": FUNCTION,
                    "src/mypkg.egg-info/top_level.txt": "mypkg\n", "src/mypkg.egg-info/SOURCES.txt": "x\n",
                    "src/mypkg.egg-info/PKG-INFO": "Name: mypkg\n", "pyproject.toml": "[project]\nname = 'mypkg'\n"})
    found = discover([Path(".")], [], workdir)
    assert "src/mypkg/handler.py" in {p.as_posix() for p in found.files} and found.vendored == []


def test_user_code_beside_installed_packages_is_still_checked(workdir):
    _tree(workdir)
    write(workdir, {"functions/orders/helpers.py": "import boto3\n\ndef table():\n    return boto3.resource('dynamodb')\n"})
    found = discover([Path(".")], [], workdir)
    assert "functions/orders/helpers.py" in {p.as_posix() for p in found.files}


def test_a_vendored_file_named_on_the_command_line_is_checked_alone(workdir):
    _tree(workdir)
    run = run_cli("check", "--no-cache", "functions/orders/requests/sessions.py")
    assert "(1 file checked)" in run.stdout
