"""The language server's checker (lambdalint/lsp/checker.py), in process: buffers are
checked inside their project, with their own workspace folder's configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_helpers import CLEAN_HANDLER, FINDING_ROW, HANDLER_WITH_CLIENT
from lambdalint.lsp.checker import Checker, ConfigProblem, encode_text


@pytest.fixture(autouse=True)
def keep_cwd():  # type: ignore[no-untyped-def]
    """The checker changes the working directory to the file's workspace folder."""
    here = os.getcwd()
    yield
    os.chdir(here)


def folder(root: Path, config: str) -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(f"[tool.lambdalint]\n{config}", encoding="utf-8")
    (root / "app.py").write_text(HANDLER_WITH_CLIENT, encoding="utf-8")
    return root


def test_each_workspace_folder_has_its_configuration(tmp_path: Path):
    plain = folder(tmp_path / "plain", "")
    quiet = folder(tmp_path / "quiet", 'ignore = ["LAM101"]\n')
    checker = Checker([plain, quiet])
    assert [(d.code, d.location.row) for d in checker.check(plain / "app.py", HANDLER_WITH_CLIENT).diagnostics] == [
        ("LAM101", FINDING_ROW)]
    assert checker.check(quiet / "app.py", HANDLER_WITH_CLIENT).diagnostics == []
    assert Path.cwd() == quiet
    assert checker.config_files() == [plain / "pyproject.toml", quiet / "pyproject.toml"]
    # The buffer, not the disk.
    assert checker.check(plain / "app.py", CLEAN_HANDLER).diagnostics == []


def test_a_bad_configuration_is_a_config_problem_until_reloaded(tmp_path: Path):
    root = folder(tmp_path / "proj", 'select = ["LAM9999"]\n')
    checker = Checker([root])
    with pytest.raises(ConfigProblem, match="unknown rule code or prefix 'LAM9999'"):
        checker.check(root / "app.py", HANDLER_WITH_CLIENT)
    (root / "pyproject.toml").write_text("[tool.lambdalint]\n", encoding="utf-8")
    with pytest.raises(ConfigProblem):  # remembered until the server says it changed
        checker.check(root / "app.py", HANDLER_WITH_CLIENT)
    checker.reload()
    assert len(checker.check(root / "app.py", HANDLER_WITH_CLIENT).diagnostics) == 1


def test_fix_all_gives_the_text_check_fix_writes(tmp_path: Path):
    root = folder(tmp_path / "proj", "")
    checker = Checker([root])
    fixed = checker.fix_all(root / "app.py", HANDLER_WITH_CLIENT)
    assert fixed.text is not None and not fixed.failed
    assert '\ns3 = boto3.client("s3")\n' in fixed.text and "    s3 = " not in fixed.text
    assert checker.check(root / "app.py", fixed.text).diagnostics == []
    assert checker.fix_all(root / "app.py", fixed.text).text is None  # nothing left
    # A file not saved yet is fixed on its own.
    assert checker.fix_all(root / "new.py", HANDLER_WITH_CLIENT).text == fixed.text


def test_buffers_are_encoded_as_their_file_would_be():
    assert encode_text("x = 'é'\n") == "x = 'é'\n".encode("utf-8")
    latin = "# -*- coding: latin-1 -*-\nx = 'é'\n"
    assert encode_text(latin) == latin.encode("latin-1")
    assert encode_text("# coding: latin-1\nx = '€'\n") == b"# coding: latin-1\nx = '?'\n"  # one char for one
    assert encode_text("# coding: no-such-codec\nx = 1\n") == b"# coding: no-such-codec\nx = 1\n"
