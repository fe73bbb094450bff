"""Readings that a process running many checks keeps from one run to the next.

A run reads every template of its project, and most of a template's cost is its
reading: YAML composed and converted in Python, HCL rebuilt from the cache or
parsed with Lark. A reading depends on the file's text alone and nothing changes
it once made, so a process that runs check after check on the same projects (the
daemon, `lambdalint.daemon`, and the language server) keeps each one by its text and reads again only the
files that changed: on terraform-aws-modules/terraform-aws-lambda that is 0.3 s of
a pre-commit run's 0.6 s. The same goes for the Python files' syntax trees: after
an edit, the units that hold the edited file run again, and most of their files
did not change (parsing them was half of such a run).

Off until such a process turns it on (`keep_between_runs`): a one-shot run would
only hold on to memory it never uses again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

T = TypeVar("T")

# Characters of text whose readings are kept, per kind: the objects of a reading take
# several times their text, and the daemon stops past its memory limit.
BUDGET = 4 << 20


class Kept(Generic[T]):
    """Readings by the text they were read from, the least recently used let go first
    once their texts pass ``budget`` characters."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget
        self.enabled = False
        self._values: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()
        self._size = 0

    def get(self, key: Hashable) -> T | None:
        if not self.enabled:
            return None
        found = self._values.get(key)
        if found is None:
            return None
        self._values.move_to_end(key)
        return found[0]

    def put(self, key: Hashable, value: T, size: int) -> None:
        """Keep ``value``, read from text of ``size`` characters (under ``key``)."""
        if not self.enabled or size > self.budget or key in self._values:
            return
        self._values[key] = (value, size)
        self._size += size
        while self._size > self.budget:
            _, (_, dropped) = self._values.popitem(last=False)
            self._size -= dropped

    def clear(self) -> None:
        self._values.clear()
        self._size = 0

    def __len__(self) -> int:
        return len(self._values)


# The document of each YAML/JSON template (`templates.loader.load_text`), by (is JSON, text).
DOCUMENTS: Kept[object] = Kept()
# The body of each Terraform file (`templates.terraform.Parses.body`), by its text.
TERRAFORM_BODIES: Kept[object] = Kept()
# Each Python file's parse (`source.parse_source`), by its path, path relative to the
# working directory and bytes (`runner.parse_kept`). A syntax tree takes about 30
# times its source: this budget is about 30 MB of trees, which holds a monorepo's
# functions and helpers (aws-serverless-ecommerce-platform: 350 KB of Python).
TREES_BUDGET = 1 << 20
TREES: Kept[object] = Kept(TREES_BUDGET)


def keep_between_runs(enabled: bool = True) -> None:
    """Keep the readings of one run for the next (or stop, and let them go)."""
    for kept in (DOCUMENTS, TERRAFORM_BODIES, TREES):
        kept.enabled = enabled
        if not enabled:
            kept.clear()
