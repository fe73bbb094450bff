"""Fixtures shared by the test modules (helper functions live in cli_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that is also the working directory (paths in output are relative to it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
