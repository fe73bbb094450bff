"""Positions computed in one code-generation pass are LibCST's own."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from lambdalint.positions import positions_of, slow_positions_of

STDLIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.mark.parametrize("name", ["json/decoder.py", "textwrap.py", "dataclasses.py"])
def test_positions_match_libcsts_public_way(name: str):
    module = cst.parse_module((STDLIB / name).read_bytes())
    fast = positions_of(module)
    slow = slow_positions_of(module)
    assert len(fast) > 1000
    assert set(fast) == set(slow)
    assert all(fast[node] == slow[node] for node in fast)


def test_positions_are_keyed_by_the_modules_own_nodes():
    module = cst.parse_module("import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    call = module.body[1].body.body[0].body[0].value  # type: ignore[attr-defined]
    span = positions_of(module)[call]
    assert (span.start.line, span.start.column, span.end.line, span.end.column) == (5, 11, 5, 29)
