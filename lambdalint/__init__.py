"""lambdalint: a linter for Python code that runs on AWS Lambda.

The engine (this package) knows how Lambda runs code: which function is the
handler, what runs once per execution environment and what runs per
invocation. It knows no individual rule; those live in ``lambdalint.rules``.
"""

from lambdalint.diagnostics import Diagnostic, Location, Severity
from lambdalint.rule import Bad, FixAvailability, Fixed, Good, Rule

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
