"""Calls a rule need not qualify at all.

Rules that look for calls of particular functions qualify every call they see,
and qualifying a name imported from another module of the project follows it
into that module, which loads (parses and models) the module. An attribute call
(`client.get(...)`, `logger.info(...)`) can only qualify to a name ending with
that attribute, so when no name the rule looks for ends so, it is skipped
before anything is loaded. A bare name (`fetch(...)`) may be an alias of
anything and is always qualified.

Not seen, so: a module-level alias of one of those functions under another
attribute name, called through its module (`http.fetch(...)` after
`fetch = httpx.get` in `http.py`).
"""

from __future__ import annotations

from typing import Iterable

import libcst as cst


def last_names(qualified_names: Iterable[str]) -> frozenset[str]:
    """What calls of these qualified names end with: `requests.Session().get` -> `get`."""
    return frozenset(name.rsplit(".", 1)[-1].partition("(")[0] for name in qualified_names)


def may_call_one_of(func: cst.BaseExpression, names: frozenset[str]) -> bool:
    """Whether a callee may qualify to a name whose last part is in ``names``."""
    return not isinstance(func, cst.Attribute) or func.attr.value in names
