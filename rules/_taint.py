"""What LAM701-LAM706 share: report a sink that event data reaches.

The execution model does the dataflow once per run (`lambdalint.model.taint`,
documented in docs/taint.md); each rule names one sink kind and says how to
fix it. Findings sit on the sink call (or, for LAM706, on a DynamoDB request
dict's entry), so a helper's sink is reported where it is, with the line the
event data was read on.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from lambdalint import Rule
from lambdalint.model import TaintFinding


class EventTaintRule(Rule):
    # Event data only flows in code that runs per invocation: files no entry point
    # reaches have no findings (the model never analyses them).
    scope_only = True
    # The sink kind of `lambdalint.catalog.taint` this rule reports.
    kind: ClassVar[str]
    # What to do instead, appended to every message.
    advice: ClassVar[str]

    def visit_Call(self, node: cst.Call) -> None:
        self._check(node)

    def _check(self, node: cst.CSTNode) -> None:
        for finding in self.ctx.taint.at(node, self.kind):
            self.report(node, self.message(finding))

    def message(self, finding: TaintFinding) -> str:
        return f"event value from {finding.source} reaches {finding.sink}; {self.advice}"
