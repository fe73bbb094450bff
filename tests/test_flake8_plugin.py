"""The flake8 plugin, driven by the real flake8 in a subprocess through the installed entry point."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lambdalint
from cli_helpers import CLEAN_HANDLER, FINDING_COLUMN, FINDING_ROW, HANDLER_WITH_CLIENT, pyproject, write

pytest.importorskip("flake8")

NOQA_E501 = HANDLER_WITH_CLIENT.replace('boto3.client("s3")', 'boto3.client("s3")  # noqa: E501')


def flake8(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flake8", "--no-show-source", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


def lam_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if " LAM" in line]


def test_plugin_is_registered_under_its_code_prefix(tmp_path):
    run = flake8(tmp_path, "--version")
    assert f"lambdalint: {lambdalint.__version__}" in run.stdout


def test_finding_reported_at_the_same_place_as_the_cli(tmp_path):
    write(tmp_path, {"app.py": HANDLER_WITH_CLIENT})
    run = flake8(tmp_path, "--select", "LAM", "app.py")
    assert run.returncode == 1
    [line] = run.stdout.splitlines()
    assert line.startswith(f"app.py:{FINDING_ROW}:{FINDING_COLUMN}: LAM101 AWS client `boto3.client(...)`")


def test_noqa_for_another_code_does_not_hide_the_finding(tmp_path):
    write(tmp_path, {"app.py": NOQA_E501})
    run = flake8(tmp_path, "--select", "LAM,E501", "app.py")
    assert run.returncode == 1
    assert [line.split()[1] for line in lam_lines(run.stdout)] == ["LAM101"]


@pytest.mark.parametrize("comment", ["# noqa: LAM101", "# noqa: LAM1", "# noqa:LAM101,E501", "# NOQA", "# noqa"])
def test_flake8_applies_noqa(tmp_path, comment):
    write(tmp_path, {"app.py": HANDLER_WITH_CLIENT.replace('boto3.client("s3")', f'boto3.client("s3")  {comment}')})
    run = flake8(tmp_path, "--select", "LAM", "app.py")
    assert run.returncode == 0 and run.stdout == ""
    # The plugin leaves noqa to flake8, so flake8's own switch brings the finding back.
    assert lam_lines(flake8(tmp_path, "--select", "LAM", "--disable-noqa", "app.py").stdout)


def test_file_wide_lambdalint_noqa_still_applies(tmp_path):
    write(tmp_path, {"app.py": "# lambdalint: noqa: LAM101\n" + HANDLER_WITH_CLIENT})
    assert flake8(tmp_path, "--select", "LAM", "app.py").stdout == ""


def test_flake8_file_wide_noqa(tmp_path):
    write(tmp_path, {"app.py": "# flake8: noqa\n" + HANDLER_WITH_CLIENT})
    assert flake8(tmp_path, "--select", "LAM", "app.py").stdout == ""


def test_clean_file_passes(tmp_path):
    write(tmp_path, {"app.py": CLEAN_HANDLER})
    run = flake8(tmp_path, "--select", "LAM", "app.py")
    assert run.returncode == 0 and run.stdout == ""


def test_stdin(tmp_path):
    run = flake8(tmp_path, "--select", "LAM", "-", stdin=HANDLER_WITH_CLIENT)
    assert run.returncode == 1
    assert run.stdout.startswith(f"stdin:{FINDING_ROW}:{FINDING_COLUMN}: LAM101 ")
    named = flake8(tmp_path, "--select", "LAM", "--stdin-display-name", "src/app.py", "-", stdin=HANDLER_WITH_CLIENT)
    assert named.stdout.startswith(f"src/app.py:{FINDING_ROW}:{FINDING_COLUMN}: LAM101 ")


def test_unparsable_file_is_left_to_flake8(tmp_path):
    write(tmp_path, {"broken.py": "import boto3\ndef f(:\n    boto3.client('s3')\n"})
    run = flake8(tmp_path, "--select", "LAM,E999", "broken.py")
    assert run.returncode == 1
    assert "E999" in run.stdout
    assert lam_lines(run.stdout) == []  # no LAM000 next to flake8's own E999


def test_config_from_the_nearest_pyproject(tmp_path):
    write(tmp_path, {"svc/app.py": HANDLER_WITH_CLIENT, "other/app.py": HANDLER_WITH_CLIENT})
    pyproject(tmp_path / "svc", 'ignore = ["LAM101"]\n')
    run = flake8(tmp_path, "--select", "LAM", "svc", "other")
    assert [line.split(":")[0] for line in lam_lines(run.stdout)] == ["other/app.py"]


def test_per_file_ignores_and_severity_free_codes(tmp_path):
    write(tmp_path, {"tests/test_app.py": HANDLER_WITH_CLIENT, "app.py": HANDLER_WITH_CLIENT})
    pyproject(tmp_path, '[tool.lambdalint.per-file-ignores]\n"tests/**" = ["LAM1"]\n')
    run = flake8(tmp_path, "--select", "LAM", ".")
    assert [line.split(":")[0] for line in lam_lines(run.stdout)] == ["./app.py"]


def test_handlers_from_config(tmp_path):
    source = HANDLER_WITH_CLIENT.replace("def lambda_handler(event, context)", "def process(payload, ctx)")
    write(tmp_path, {"jobs/run.py": source})
    assert flake8(tmp_path, "--select", "LAM", "jobs/run.py").stdout == ""
    pyproject(tmp_path, 'handlers = ["jobs/run.py:process"]\n')
    assert lam_lines(flake8(tmp_path, "--select", "LAM", "jobs/run.py").stdout)


def test_bad_config_stops_flake8_with_the_message(tmp_path):
    write(tmp_path, {"app.py": HANDLER_WITH_CLIENT})
    pyproject(tmp_path, "colour = 1\n")
    run = flake8(tmp_path, "--select", "LAM", "app.py")
    assert run.returncode != 0
    assert "unknown key 'colour'" in run.stdout + run.stderr


def test_columns_count_code_points_and_cookies_are_honoured(tmp_path):
    source = HANDLER_WITH_CLIENT.replace('    s3 = boto3.client("s3")', '    é = 1; s3 = boto3.client("s3")')
    (tmp_path / "utf8.py").write_text(source, encoding="utf-8")
    (tmp_path / "latin.py").write_bytes(("# -*- coding: latin-1 -*-\n" + source).encode("latin-1"))
    run = flake8(tmp_path, "--select", "LAM", "latin.py", "utf8.py")
    assert sorted(line.split(": LAM101")[0] for line in lam_lines(run.stdout)) == [
        f"latin.py:{FINDING_ROW + 1}:{FINDING_COLUMN + 7}", f"utf8.py:{FINDING_ROW}:{FINDING_COLUMN + 7}"]  # `é` is one column


def test_parallel_workers(tmp_path):
    write(tmp_path, {f"app{i}.py": HANDLER_WITH_CLIENT for i in range(4)})
    run = flake8(tmp_path, "--select", "LAM", "--jobs", "2", ".")
    assert len(lam_lines(run.stdout)) == 4


def test_lambdalint_does_not_need_flake8(tmp_path):
    write(tmp_path, {"app.py": HANDLER_WITH_CLIENT})
    code = textwrap.dedent('''\
        import sys
        sys.modules["flake8"] = None  # any `import flake8` now fails
        import lambdalint.flake8_plugin
        from lambdalint.cli import main
        assert not [m for m in sys.modules if m.startswith("flake8") and sys.modules[m] is not None]
        main(["check", "app.py"])
    ''')
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "LAM101" in run.stdout


def test_plugin_class_shape():
    from lambdalint.flake8_plugin import Plugin

    assert Plugin.name == "lambdalint" and Plugin.version == lambdalint.__version__
    found = list(Plugin(None, HANDLER_WITH_CLIENT.splitlines(keepends=True), "app.py").run())
    assert [(row, col, text.split()[0], kind) for row, col, text, kind in found] == [
        (FINDING_ROW, FINDING_COLUMN - 1, "LAM101", Plugin)]
