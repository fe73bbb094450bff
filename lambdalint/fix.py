"""The fix model: what a finding offers to change, expressed on the LibCST tree.

A fix replaces nodes (by identity, so it is only valid on the tree it was
made from), may insert module-level statements (placed after the imports,
or after the last statement that binds a name they use) and may add imports,
never duplicating one that exists. Its textual edits for JSON output are
computed by applying it alone and diffing, so what users see is exactly
what `--fix` would write.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

import libcst as cst

from lambdalint.edits import Applicability, Edit
from lambdalint.source import split_lines
from lambdalint.stack import call_with_deep_stack, is_too_deep
from lambdalint.walk import children


@dataclass(frozen=True)
class ImportSpec:
    """`import module` (name None) or `from module import name`."""

    module: str
    name: str | None = None

    def statement(self) -> cst.SimpleStatementLine:
        code = f"import {self.module}\n" if self.name is None else f"from {self.module} import {self.name}\n"
        return cst.parse_statement(code)  # type: ignore[return-value]


@dataclass(eq=False)
class Fix:
    title: str
    applicability: Applicability
    replacements: list[tuple[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel]] = field(default_factory=list)
    # (statement, index in Module.body before which it goes)
    insertions: list[tuple[cst.BaseStatement, int]] = field(default_factory=list)
    imports: list[ImportSpec] = field(default_factory=list)
    # Statements the fix removes because it moves them elsewhere (an insertion holds
    # them again): the comment on their line goes with them; the comment lines above
    # them stay where they were.
    moved: list[cst.CSTNode] = field(default_factory=list)
    code: str = ""  # the rule code, filled in by the engine
    # The tree the fix was made on, set by the engine; edits are computed from it
    # only when an output format (or the results cache) asks for them.
    origin: Origin | None = field(default=None, repr=False)
    _edits: list[Edit] | None = field(default=None, repr=False)

    @property
    def edits(self) -> list[Edit]:
        if self._edits is None:
            if self.origin is None:
                return []
            try:
                self._edits = call_with_deep_stack(_edits_of, self)
            except Exception as error:  # noqa: BLE001
                if not is_too_deep(error):
                    raise
                self._edits = []  # nested too deeply to print the file again: no edits to show
        return self._edits

    @classmethod
    def replace(cls, node: cst.CSTNode, new: cst.CSTNode, title: str,
                applicability: Applicability = Applicability.SAFE) -> Fix:
        return cls(title, applicability, replacements=[(node, new)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability.value,
            "message": self.title,
            "edits": [edit.to_dict() for edit in self.edits],
        }


class Origin:
    """The tree fixes were made on and, once asked for, its code: the fixes of one file
    share it, so that the file is printed once for all their edits, not once each.

    The code is kept by top-level statement: a fix changes one or two of them, and
    the code of the module it gives is the kept code of the statements it leaves
    alone and the new code of the others (`code_of`). Printing every fixed module
    whole cost a third of a fixable finding's edits on the Lambda-shaped corpus."""

    __slots__ = ("module", "fixes", "_code", "_known", "_printed", "_holders")

    def __init__(self, module: cst.Module, printed: dict[int, str] | None = None) -> None:
        self.module = module
        self.fixes: list[Fix] = []  # the fixes made on it (the engine adds them)
        self._code: str | None = None
        # The code of some of its top-level statements by id, generated already (the
        # positions pass, `positions.spans_of`, stops after the last finding).
        self._known = printed or {}
        self._printed: dict[int, str] | None = None
        self._holders: dict[int, set[int]] | None = None

    @property
    def printed(self) -> dict[int, str]:
        """Each top-level statement's code, by the statement's id."""
        if self._printed is None:
            known = self._known
            self._printed = {id(stmt): known.get(id(stmt)) or self.module.code_for_node(stmt)
                             for stmt in self.module.body}
            self._known = {}
        return self._printed

    @property
    def code(self) -> str:
        if self._code is None:
            self._code = self.code_of(self.module)
        return self._code

    def code_of(self, tree: cst.Module) -> str:
        """``tree.code`` for a module made from this one, its statements' code printed
        only for the statements that are not this module's own.

        A module's code is its header's, its statements' and its footer's, one after
        the other, each printed at the module's indentation level, which is none
        (`Module._codegen_impl`). The exceptions go the long way: a module without a
        last line break (its last token is taken off), an empty one (it prints a line
        break), and one with another indentation or line break than this one."""
        if (not tree.has_trailing_newline or not (tree.header or tree.body or tree.footer)
                or tree.default_indent != self.module.default_indent
                or tree.default_newline != self.module.default_newline):
            return tree.code
        printed = self.printed
        parts = [tree.code_for_node(line) for line in tree.header]
        for stmt in tree.body:
            text = printed.get(id(stmt))
            parts.append(tree.code_for_node(stmt) if text is None else text)
        parts += [tree.code_for_node(line) for line in tree.footer]
        return "".join(parts)

    def holders(self, fix: Fix) -> set[int]:
        """The ids of the nodes that hold a node ``fix`` replaces. They are found for
        all of `fixes` in one walk of the tree, most of what applying one costs."""
        if not any(known is fix for known in self.fixes):
            return _holders_of_each(self.module, [{id(node) for node, _ in fix.replacements}])[0]
        if self._holders is None or id(fix) not in self._holders:
            found = _holders_of_each(self.module, [{id(node) for node, _ in known.replacements}
                                                   for known in self.fixes])
            self._holders = {id(known): holders for known, holders in zip(self.fixes, found)}
        return self._holders[id(fix)]


def _edits_of(fix: Fix) -> list[Edit]:
    origin = fix.origin
    assert origin is not None
    fixed = apply_fixes(origin.module, [fix], origin.printed, origin.holders(fix))
    return text_edits(origin.code, origin.code_of(fixed))


class _Apply(cst.CSTTransformer):
    """Replaces nodes, going down only into the nodes that hold one: LibCST's
    transformer rebuilds every node it visits, and the edits of a fix to one
    call of a 5,000-line module were computed from a copy of all of it."""

    def __init__(self, module: cst.Module, replacements: dict[int, cst.CSTNode | cst.RemovalSentinel],
                 moved: frozenset[int] = frozenset(), holders: set[int] | None = None) -> None:
        super().__init__()
        self.replacements = replacements
        self.moved = moved
        self.holders = _holders_of_each(module, [set(replacements)])[0] if holders is None else holders

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.holders

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        replacement = self.replacements.get(id(original_node))
        if replacement is not None:
            return replacement
        if isinstance(updated_node, (cst.Module, cst.IndentedBlock)):
            return _rehome_comments(original_node, updated_node, self.replacements, self.moved)  # type: ignore[arg-type]
        return updated_node


def _holders_of_each(module: cst.Module, groups: list[set[int]]) -> list[set[int]]:
    """For each set of nodes' ids, the ids of the nodes that contain one of them,
    from one walk of the tree (that stops when it has met them all).

    The walk leaves whitespace, comments and punctuation out, half of a module's
    nodes, where none of them is whitespace, a comment or punctuation (an operator,
    say), or inside one: then it walks again, through every node."""
    wanted = set().union(*groups)
    parents = _parents(module, wanted, with_trivia=False)
    if parents is None:
        parents = _parents(module, wanted, with_trivia=True)
    found: list[set[int]] = []
    for group in groups:
        holders: set[int] = set()
        for key in group:
            parent = parents.get(key)
            while parent is not None and id(parent) not in holders:
                holders.add(id(parent))
                parent = parents.get(id(parent))
        found.append(holders)
    return found


def _parents(module: cst.Module, wanted: set[int], with_trivia: bool) -> dict[int, cst.CSTNode] | None:
    """The parent of each node met before the last of ``wanted``, by id; None when
    the walk does not meet them all."""
    parents: dict[int, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    missing = set(wanted)
    while stack and missing:
        node = stack.pop()
        missing.discard(id(node))
        for child in children(node, with_trivia=with_trivia):
            parents[id(child)] = node
            stack.append(child)
    return None if missing and with_trivia is False else parents


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Comment] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node)


def _rehome_comments(original: cst.Module | cst.IndentedBlock, updated: cst.Module | cst.IndentedBlock,
                     replacements: dict[int, Any], moved: frozenset[int] = frozenset()) -> cst.Module | cst.IndentedBlock:
    """A fix that removes a statement keeps its comments: they go on the lines just
    before the next statement of the block (or at the block's end); a statement that
    moves elsewhere takes the comment on its own line along."""
    removed = [id(stmt) for stmt in original.body if replacements.get(id(stmt)) is cst.RemovalSentinel.REMOVE]
    if not removed or len(original.body) - len(removed) != len(updated.body):
        return updated
    carried: list[cst.EmptyLine] = []
    body: list[cst.BaseStatement] = []
    kept = iter(updated.body)
    for stmt in original.body:
        if replacements.get(id(stmt)) is cst.RemovalSentinel.REMOVE:
            collector = _Comments()
            if id(stmt) in moved:
                # The comment lines above it stay (they may describe the code that
                # follows); the comment on its own line travels with it.
                for line in getattr(stmt, "leading_lines", ()):
                    line.visit(collector)
            else:
                stmt.visit(collector)
            carried += [cst.EmptyLine(indent=True, comment=comment) for comment in collector.found]
            continue
        new = next(kept)
        if carried:
            new = new.with_changes(leading_lines=[*carried, *new.leading_lines])
            carried = []
        body.append(new)
    if carried:
        return updated.with_changes(body=body, footer=[*carried, *updated.footer])
    return updated.with_changes(body=body)


def apply_fixes(module: cst.Module, fixes: list[Fix], printed: Mapping[int, str] | None = None,
                holders: set[int] | None = None) -> cst.Module:
    """Apply non-overlapping fixes made on this module's tree in one pass.

    ``printed`` may give the code of the module's top-level statements by id, and
    ``holders`` the ids of the nodes that hold a replaced one (`Origin` keeps
    both), which spares printing and walking the module again."""
    replacements: dict[int, cst.CSTNode | cst.RemovalSentinel] = {}
    for fix in fixes:
        for node, new in fix.replacements:
            replacements[id(node)] = new
    moved = frozenset(id(node) for fix in fixes for node in fix.moved)
    updated = module.visit(_Apply(module, replacements, moved, holders)) if replacements else module
    assert isinstance(updated, cst.Module)
    insertions = sorted(
        ((index, order, stmt) for order, fix in enumerate(fixes) for stmt, index in fix.insertions),
        key=lambda item: (item[0], item[1]),
    )
    body = list(updated.body)
    # A statement already at module level is not inserted again. Only statements of
    # an inserted one's own type can print the same code (the same text parses to
    # the same kind of statement), so the module's functions and classes, most of
    # its code, are not printed for this (the JSON and SARIF outputs work out the
    # edits of every fix, each on its own).
    kinds = {type(stmt) for _, _, stmt in insertions}
    known = printed or {}
    seen_code: set[str] = {known.get(id(stmt)) or module.code_for_node(stmt) for stmt in body if type(stmt) in kinds}
    for index, _, stmt in reversed(insertions):
        text = module.code_for_node(stmt)
        if text in seen_code:
            continue
        seen_code.add(text)
        body.insert(min(index, len(body)), stmt)
    updated = updated.with_changes(body=body)
    for spec in (spec for fix in fixes for spec in fix.imports):
        updated = add_import(updated, spec)
    return updated


def has_import(module: cst.Module, spec: ImportSpec) -> bool:
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if spec.name is None and isinstance(small, cst.Import):
                for alias in small.names:
                    if alias.asname is None and module.code_for_node(alias.name) == spec.module:
                        return True
            if spec.name is not None and isinstance(small, cst.ImportFrom) and small.module is not None:
                if small.relative or module.code_for_node(small.module) != spec.module:
                    continue
                if isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    if alias.asname is None and module.code_for_node(alias.name) == spec.name:
                        return True
    return False


def import_insertion_index(module: cst.Module) -> int:
    """Index in Module.body just after the docstring, `__future__` imports and the import block."""
    index = 0
    body = module.body
    if body and isinstance(body[0], cst.SimpleStatementLine) and body[0].body and isinstance(
        body[0].body[0], cst.Expr
    ) and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        index = 1
    last_import = None
    for position, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in stmt.body
        ):
            last_import = position
        elif position >= index and not _is_guarded_import(stmt):
            break
    return (last_import + 1) if last_import is not None else index


def _is_guarded_import(stmt: cst.BaseStatement) -> bool:
    """`try: import x / except ImportError:` blocks count as part of the import section."""
    if isinstance(stmt, cst.Try):
        inner = stmt.body.body
        return bool(inner) and all(
            isinstance(s, cst.SimpleStatementLine)
            and all(isinstance(small, (cst.Import, cst.ImportFrom)) for small in s.body)
            for s in inner
        )
    return False


def add_import(module: cst.Module, spec: ImportSpec) -> cst.Module:
    if has_import(module, spec):
        return module
    index = import_insertion_index(module)
    body = list(module.body)
    body.insert(index, spec.statement())
    return module.with_changes(body=body)


def text_edits(before: str, after: str) -> list[Edit]:
    """Minimal line-based edits turning before into after, with 1-based positions."""
    old = split_lines(before)
    new = split_lines(after)
    edits: list[Edit] = []
    # Lines the fix did not touch at either end are skipped first. What is left is
    # matched with difflib's heuristic for popular lines (blank lines, `return`...)
    # on, which only matters from 200 lines on: without it the match is quadratic
    # in those lines (a 500 KB file took 19 s; a 5 MB one, most of an hour).
    start = 0
    while start < len(old) and start < len(new) and old[start] == new[start]:
        start += 1
    stop = 0
    while stop < len(old) - start and stop < len(new) - start and old[-1 - stop] == new[-1 - stop]:
        stop += 1
    matcher = difflib.SequenceMatcher(a=old[start:len(old) - stop], b=new[start:len(new) - stop])
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i1, i2, j1, j2 = i1 + start, i2 + start, j1 + start, j2 + start
        content = "".join(new[j1:j2])
        end = (i2 + 1, 1)
        if i2 == len(old) and old and not old[-1].endswith(("\n", "\r")):
            end = (len(old), len(old[-1]) + 1)  # to the end of a last line without a newline
        edits.append(Edit(content, (i1 + 1, 1), end))
    return edits
