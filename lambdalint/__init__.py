"""lambdalint: a linter for Python code that runs on AWS Lambda.

The engine (this package) knows how Lambda runs code: which function is the
handler, what runs once per execution environment and what runs per
invocation. It knows no individual rule; those live in ``lambdalint.rules``.
"""

import os as _os
import sys as _sys

# `python -m lambdalint` puts the current folder first on the import path (Python's
# rule for -m), so a checked project's `typing.py` or `yaml.py` would be imported,
# and run, in place of the real module. While -m is still locating this package
# (sys.argv[0] is "-m" until then), take that entry out again, before anything
# below imports a module.
if _sys.argv[:1] == ["-m"] and _sys.path and \
        _os.path.abspath(_sys.path[0] or _os.curdir) == _os.path.abspath(_os.getcwd()):
    del _sys.path[0]

from typing import TYPE_CHECKING as _TYPE_CHECKING  # noqa: E402
from typing import Any as _Any  # noqa: E402

if _TYPE_CHECKING:  # what `__getattr__` gives, as type checkers should see it
    from lambdalint.diagnostics import Diagnostic, Location, Severity  # noqa: F401
    from lambdalint.rule import Bad, FixAvailability, Fixed, Good, Rule  # noqa: F401

__version__ = "0.1.0"

__all__ = [
    "Bad",
    "Diagnostic",
    "FixAvailability",
    "Fixed",
    "Good",
    "Location",
    "Rule",
    "Severity",
    "__version__",
]


def __getattr__(name: str) -> _Any:
    """The rule API comes in when first asked for: it imports LibCST, which a run
    answered from the cache never needs (nor does `check --daemon` need the
    diagnostics: `lambdalint.launch`)."""
    if name in ("Diagnostic", "Location", "Severity"):
        from lambdalint import diagnostics

        return getattr(diagnostics, name)
    if name in ("Bad", "FixAvailability", "Fixed", "Good", "Rule"):
        from lambdalint import rule

        return getattr(rule, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
