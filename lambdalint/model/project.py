"""Cross-file facts, computed once per run: which module a name means, who calls whom,
and, given the entry points, what runs per invocation.

This is the call-graph layer of `lambdalint.model`: above the per-module summary
and resolver, below entry-point discovery (`lambdalint.model.entrypoints`, whose
`Project` finds the entry points and then asks `CallGraph.compute_scope`) and the
analyses (`lambdalint.model.analyses`), which it never imports: they keep their
results in the graph through `CallGraph.analysis`.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict, deque
from typing import Callable, Hashable, Iterable, Iterator, TypeVar

import libcst as cst

from lambdalint import catalog
from lambdalint.model.imports import FLAT, ImportSpace, Resolution, module_path
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.summary import FunctionInfo

Target = tuple[ModuleModel, FunctionInfo, bool]  # (module, function, called bound to an instance)

_MAX_ALIAS_HOPS = 5
# Modules whose module-level bindings one name is followed through (`a.x = b.y`,
# `b.y = c.z`, ...): deeper chains are left as written.
_MAX_FOLLOW_DEPTH = 8
_MISSING = object()
# A suffix match (`shared/json.py` as `json`) never stands for these: `import json`
# means the standard library unless a top-level module of the tree shadows it.
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


T = TypeVar("T")

class _Unfollowable(Exception):
    """A name whose binding chain loops or is too deep (see `CallGraph.follow`)."""


class CallGraph:
    """All modules of one run, the calls between them, and the invocation scope
    across them once the entry points are known (`compute_scope`).

    `lambdalint.model.Project` (in `lambdalint.model.entrypoints`) is the one
    the rest of lambdalint builds: this graph plus its entry points.
    """

    def __init__(self, models: Iterable[ModuleModel],
                 loader: Callable[[str], ModuleModel | None] | None = None,
                 lazy: Iterable[tuple[str, str]] = (),
                 peek: Callable[[str], str | None] | None = None,
                 resolution: Resolution | None = None) -> None:
        """``models`` are built up front; ``lazy`` names more modules (relative path,
        module name) that ``loader`` builds only when a call resolves into them, so a
        module no handler reaches is never parsed for the model. ``peek`` gives the
        text of a lazy module (None once it is loaded or when it cannot be read).
        ``resolution`` says which file a dotted name means (`lambdalint.model.imports`):
        the unit's import environment; without one, the given files are one flat
        import space."""
        self.models = list(models)
        lazy = list(lazy)
        if resolution is None:
            files = [m.rel_path for m in self.models] + [rel for rel, _ in lazy]
            resolution = Resolution(ImportSpace.of(files), FLAT)
        self.resolution = resolution
        self._loader = loader
        self._peek = peek
        self._definitions_only: dict[tuple[str, str], bool] = {}
        self._by_rel: dict[str, ModuleModel | None] = {}
        self._by_suffix: dict[str, list[str]] = defaultdict(list)
        # Every component of every module name: a qualified name whose first
        # component is not one of them cannot start with a project module.
        self.module_heads: set[str] = set()
        # (importer rel_path, qualified) -> (followed name or None when it cannot be
        # followed, how many modules deep its answer went); see `follow`.
        self._followed: dict[tuple[str, str], tuple[str | None, int]] = {}
        self._following: list[list] = []  # [key, depth below it] per `follow` in progress
        for model in self.models:
            model.project = self
            self._by_rel[model.rel_path] = model
            self._index(model.rel_path, model.module_name)
        for rel_path, module_name in lazy:
            if rel_path not in self._by_rel:
                self._index(rel_path, module_name)
        self._targets_cache: dict[int, list[Target]] = {}
        self._analyses: dict[object, object] = {}
        self._reached_by: dict[int, list[tuple[ModuleModel, EntryPoint]]] | None = None

    def close(self) -> None:
        """Let go of the models and of everything built on them.

        Models and the project point at each other (and the shared analyses and
        event profiles at both), so without this the syntax trees of a checked
        unit wait for Python's cyclic collector, which must walk every one of
        their nodes to free them; the runner closes each unit's project as soon
        as it has its findings, and the trees are freed at once.
        """
        for model in self.models:
            model.project = None
        self.models = []
        self._by_rel.clear()
        self._loader = None
        self._peek = None
        self._followed.clear()
        self._targets_cache.clear()
        self._analyses.clear()
        self._reached_by = None

    def analysis(self, key: Hashable, build: Callable[[], T]) -> T:
        """A whole-project analysis that rules share, built once for this project.
        It lives as long as the project does: a module-level cache would keep the
        last project's syntax trees alive after its unit was checked."""
        if key not in self._analyses:
            self._analyses[key] = build()
        return self._analyses[key]  # type: ignore[return-value]

    # -- module and call resolution ---------------------------------------------

    def _index(self, rel_path: str, module_name: str) -> None:
        """Every name that may denote the module, whatever root of the environment
        finds it: the ends of its path (its module name is one of them)."""
        parts, _ = module_path(rel_path)
        if module_name.split(".") != parts[-len(module_name.split(".")):]:
            parts = module_name.split(".")  # a name not from its path (a test's module)
        self.module_heads.update(parts)
        for i in range(len(parts)):
            self._by_suffix[".".join(parts[i:])].append(rel_path)

    def find_module(self, dotted: str, importer: ModuleModel) -> ModuleModel | None:
        rel_path = self._path_of(dotted, importer)
        return self._get(rel_path) if rel_path is not None else None

    def file_of(self, dotted: str, importer: str) -> str | None:
        """The file of the project module ``dotted`` names for the file ``importer``
        (a relative path) in this unit's import environment, without loading it."""
        if dotted not in self._by_suffix:
            return None
        return self.resolution.find(dotted, importer)

    def is_file(self, rel_path: str) -> bool:
        """Whether a relative path is a Python file of the unit (loaded or not)."""
        return rel_path in self.resolution.space.files

    def _path_of(self, dotted: str, importer: ModuleModel) -> str | None:
        """The file of the project module ``dotted`` names for ``importer`` in this
        unit's import environment, without loading it."""
        if dotted not in self._by_suffix:
            return None  # no module of the unit is named so, whatever the environment
        return self.resolution.find(dotted, importer.rel_path)

    def _get(self, rel_path: str) -> ModuleModel | None:
        if rel_path in self._by_rel:
            return self._by_rel[rel_path]
        model = self._loader(rel_path) if self._loader is not None else None
        self._by_rel[rel_path] = model
        if model is not None:
            model.project = self
            self.models.append(model)
        return model

    def resolve(self, importer: ModuleModel, qualified: str) -> list[Target]:
        """Functions a qualified name denotes when called (a class means its `__init__`)."""
        for _ in range(_MAX_ALIAS_HOPS):
            model, rest = self._split_module(importer, qualified)
            if model is None:
                return []
            targets = _lookup(model, rest)
            if targets:
                return targets
            # A re-export (`from .impl import f` in a package) is a binding to follow.
            head, _, tail = rest.partition(".")
            binding = model.summary.module_scope.bindings.get(head.rstrip("()"))
            if not isinstance(binding, str) or binding == qualified:
                return []
            suffix = head[len(head.rstrip("()")):]
            qualified = binding + suffix + ("." + tail if tail else "")
            importer = model
        return []

    def names_class_instance(self, importer: ModuleModel, qualified: str) -> bool:
        """Whether a qualified name reads an object made by one of the project's classes
        (`orders.Repository().execute`, `shared.db.runner.execute` where the module binds
        `runner = Runner()`)."""
        index = qualified.find("()")
        while index != -1:
            model, rest = self._split_module(importer, qualified[:index])
            if model is not None and rest in model.summary.classes:
                return True
            index = qualified.find("()", index + 2)
        return False

    def _split_module(self, importer: ModuleModel, qualified: str) -> tuple[ModuleModel | None, str]:
        parts = qualified.split(".")
        for i in range(len(parts) - 1, 0, -1):
            if "()" in parts[i - 1]:
                continue
            prefix = ".".join(parts[:i])
            if prefix == importer.module_name:
                return importer, ".".join(parts[i:])
            model = self.find_module(prefix, importer)
            if model is not None:
                return model, ".".join(parts[i:])
        return None, qualified

    # -- objects imported from other modules -------------------------------------------

    def follow(self, importer: ModuleModel, qualified: str) -> str:
        """A qualified name of ``importer``, followed into the module-level bindings of
        the project modules it starts with.

        `shared.http.session.get`, where `shared/http.py` binds `session =
        requests.Session()`, becomes `requests.Session().get`: a binding to an
        expression is qualified in its own module (which follows further); a
        re-export (`from .impl import session`) is followed to where it leads, and
        a name re-exported from outside the tree takes that name (`boto3.client`).
        Everything else is returned unchanged: functions and classes of the tree
        (their own names, whatever re-exports lead to them: `CallGraph.resolve`
        follows those), names bound to several different values (conditionally),
        to unknown values (parameters, literals, subscripts) or not at all, and
        chains that loop or go more than a few modules deep. Answers are cached
        per (importer, name) and do not depend on the order of questions.
        """
        key = (importer.rel_path, qualified)
        depth = len(self._following)
        cached = self._followed.get(key)
        if cached is not None:
            found, below = cached
            if depth:
                if found is None or depth + below >= _MAX_FOLLOW_DEPTH:
                    raise _Unfollowable
                self._following[-1][1] = max(self._following[-1][1], below + 1)
            return qualified if found is None else found
        if depth >= _MAX_FOLLOW_DEPTH or any(frame[0] == key for frame in self._following):
            raise _Unfollowable
        frame: list = [key, 0]
        self._following.append(frame)
        try:
            found = self._follow(importer, qualified)
        except _Unfollowable:
            if depth:
                raise  # the outer names depend on this one: they stay unchanged too
            found = None
        finally:
            self._following.pop()
        if found is None:
            self._followed[key] = (None, 0)
            return qualified
        self._followed[key] = (found, frame[1])
        if depth:
            self._following[-1][1] = max(self._following[-1][1], frame[1] + 1)
        return found

    def _follow(self, importer: ModuleModel, qualified: str) -> str:
        if self._surely_unchanged(importer, qualified):
            return qualified
        model, name, after = self._walk(importer, qualified)
        if model is None:
            return name  # not a project name, or re-exported from outside the tree
        binding = model.summary.module_scope.bindings.get(name, _MISSING)
        if binding is None or binding is _MISSING or isinstance(binding, str):
            return qualified  # unknown, ambiguous, or a function or class of the tree
        if isinstance(binding, cst.Name) and binding.value == "None":
            return qualified  # a placeholder that something else fills in
        value = model.qualify(binding, None)
        return qualified if value is None else value + after

    def binding_site(self, importer: ModuleModel, qualified: str) -> tuple[ModuleModel, str, str] | None:
        """Where a qualified name of ``importer`` is bound: (project module, module-level
        name, what follows the name), re-exports followed. `shared.session.get()`, with
        `from .http import session` in `shared/__init__.py`, is bound in `shared/http.py`
        as (that module, "session", ".get()"). None when the name does not lead into a
        module-level name of the tree. The binding itself (``module.summary.module_scope.
        bindings[name]``) may be an expression, a function or class (its own qualified
        name) or None (several different values)."""
        model, name, after = self._walk(importer, qualified)
        return (model, name, after) if model is not None else None

    def _walk(self, importer: ModuleModel, qualified: str) -> tuple[ModuleModel | None, str, str]:
        """(module, name, what follows) for the module-level name a qualified name leads
        to through re-exports; (None, the name it leads to outside the tree, "") otherwise
        (the name unchanged when it does not start with a project module, or loops)."""
        model, rest = self._module_of(importer, qualified)
        for _ in range(_MAX_ALIAS_HOPS):
            if model is None:
                return None, rest, ""
            head, dot, tail = rest.partition(".")
            cut = head.find("(")
            name = head if cut < 0 else head[:cut]
            after = head[len(name):] + dot + tail  # the calls and attributes that follow
            binding = model.summary.module_scope.bindings.get(name, _MISSING)
            if not isinstance(binding, str) or binding == f"{model.module_name}.{name}":
                return (model, name, after) if binding is not _MISSING else (None, qualified, "")
            model, rest = self._module_of(model, binding + after)  # a re-export
        return None, qualified, ""

    def _module_of(self, importer: ModuleModel, qualified: str) -> tuple[ModuleModel | None, str]:
        """The project module a qualified name starts with (longest prefix) and the rest."""
        for i, rel_path in self._prefixes(importer, qualified):
            model = importer if rel_path is None else self._get(rel_path)
            if model is not None:
                return model, ".".join(qualified.split(".")[i:])
        return None, qualified

    def _prefixes(self, importer: ModuleModel, qualified: str) -> Iterator[tuple[int, str | None]]:
        """(i, file) for each prefix of i parts of a qualified name that names a
        project module, longest first (file None: the importer itself)."""
        parts = qualified.split(".")
        last = len(parts) - 1
        for i, part in enumerate(parts):
            if "(" in part:
                last = min(last, i)
                break
        stdlib = parts[0] in _STDLIB
        for i in range(last, 0, -1):
            prefix = ".".join(parts[:i])
            if prefix == importer.module_name:
                yield i, None
                return
            if prefix not in self._by_suffix:
                continue
            if stdlib:
                exact = self.resolution.exact(prefix)
                if exact is not None:
                    yield i, exact
            else:
                rel_path = self._path_of(prefix, importer)
                if rel_path is not None:
                    yield i, rel_path

    def _surely_unchanged(self, importer: ModuleModel, qualified: str) -> bool:
        """Whether following ``qualified`` must leave it unchanged, told from the text
        of the module it starts with when that module is not loaded yet: when the
        name is bound there by nothing but `def` and `class` (or not at all).

        Rules qualify every call they look at, and following a name imported from
        another module loaded and modelled that module, whose own calls were then
        qualified in turn: on the Powertools sources, 200 modules were parsed and
        checked in the model unit only to answer "a function of the project". The
        text test is conservative: a line that may bind the name (an import, an
        assignment, a loop or `with` target, `global`; in a comment or string too)
        or a star import means loading. One difference: a module that would turn
        out not to parse was skipped for a shorter prefix of the name; the name is
        now left unchanged (the file is reported as LAM000 either way).
        """
        if self._peek is None:
            return False
        for i, rel_path in self._prefixes(importer, qualified):
            if rel_path is None or rel_path in self._by_rel:
                return False  # modelled already: the model answers
            name = qualified.split(".")[i].partition("(")[0]
            key = (rel_path, name)
            if key not in self._definitions_only:
                text = self._peek(rel_path) if name else None
                self._definitions_only[key] = text is not None and _bound_only_by_definitions(text, name)
            return self._definitions_only[key]
        return False

    def call_targets(self, model: ModuleModel, call: cst.Call, function: FunctionInfo | None) -> list[Target]:
        cached = self._targets_cache.get(id(call))
        if cached is not None:
            return cached
        qualified = model.qualify(call.func, function)
        targets = self.resolve(model, qualified) if qualified else []
        self._targets_cache[id(call)] = targets
        return targets

    # -- invocation scope ----------------------------------------------------------

    def compute_scope(self) -> None:
        """Follow calls from the entry points the models hold (``ModuleModel.
        entry_points``, set by the layer above) to fill in each model's
        ``scope_chains``."""
        queue: deque[tuple[ModuleModel, FunctionInfo, tuple[str, ...]]] = deque()

        def reach(model: ModuleModel, function: FunctionInfo, chain: tuple[str, ...]) -> None:
            if id(function) in model.scope_chains or self.is_cached(model, function):
                return
            model.scope_chains[id(function)] = chain
            queue.append((model, function, chain))

        for model in self.models:
            for entry in model.entry_points:
                reach(model, entry.function, (display_name(model, entry.function),))
        # Wrappers returned by project decorators run per invocation; the
        # decorator body itself runs at import.
        for model in self.models:
            for entry in model.entry_points:
                for decorator in entry.function.node.decorators:
                    expr = decorator.decorator
                    expr = expr.func if isinstance(expr, cst.Call) else expr
                    qualified = model.qualify(expr, None)
                    for target_model, target, _ in self.resolve(model, qualified) if qualified else []:
                        for inner in target.nested:
                            chain = (display_name(model, entry.function),
                                     display_name(target_model, inner))
                            reach(target_model, inner, chain)
        while queue:
            model, function, chain = queue.popleft()
            for target_model, target in self._callees(model, function):
                reach(target_model, target, chain + (display_name(target_model, target),))

    def _callees(self, model: ModuleModel, function: FunctionInfo) -> Iterator[tuple[ModuleModel, FunctionInfo]]:
        region = [function]
        while region:
            current = region.pop()
            region.extend(current.nested)
            for call in current.calls:
                if model.is_lazy_init(call):
                    continue  # runs once per environment, whatever it calls
                for target_model, target, _ in self.call_targets(model, call, current):
                    yield target_model, target
                # Functions passed as callbacks (`map(f, xs)`, `submit(f)`) run too.
                for arg in call.args:
                    if isinstance(arg.value, (cst.Name, cst.Attribute)):
                        qualified = model.qualify(arg.value, current)
                        if qualified:
                            for target_model, target, _ in self.resolve(model, qualified):
                                if target.name != "__init__":
                                    yield target_model, target

    def is_cached(self, model: ModuleModel, function: FunctionInfo) -> bool:
        for decorator in function.node.decorators:
            qualified = model.qualify(decorator.decorator, None)
            if qualified in catalog.CACHE_DECORATORS or qualified in catalog.CONFIG_CACHE_DECORATORS:
                return True
        return False

    # -- reporting helpers -------------------------------------------------------------

    def reachable_from(self, model: ModuleModel, function: FunctionInfo) -> list[tuple[ModuleModel, FunctionInfo]]:
        """One entry point and the functions in its own invocation scope, in call order
        (``scope_chains`` keeps only the first entry point that reaches a function)."""
        order = [(model, function)]
        seen = {id(function)}
        queue = deque(order)
        while queue:
            current_model, current = queue.popleft()
            for target_model, target in self._callees(current_model, current):
                if id(target) not in seen and not self.is_cached(target_model, target):
                    seen.add(id(target))
                    order.append((target_model, target))
                    queue.append((target_model, target))
        return order

    def entries_reaching(self, model: ModuleModel, function: FunctionInfo) -> list[tuple[ModuleModel, EntryPoint]]:
        """Every entry point whose invocation runs ``function`` (or a def it is nested in),
        in discovery order; ``scope_chains`` records only the first."""
        if self._reached_by is None:
            self._reached_by = defaultdict(list)
            for entry_model in self.models:
                for entry in entry_model.entry_points:
                    for _, reached in self.reachable_from(entry_model, entry.function):
                        self._reached_by[id(reached)].append((entry_model, entry))
        current: FunctionInfo | None = function
        while current is not None:
            found = self._reached_by.get(id(current))
            if found:
                return list(found)
            current = current.parent
        return []

    def function_named(self, name: str) -> tuple[ModuleModel, FunctionInfo] | None:
        """The function a display name (`display_name`, as in ``scope_chains``) names,
        among the modules loaded (the longest module name wins: `a.b.f` is `f` of `a.b`)."""
        best: tuple[ModuleModel, FunctionInfo] | None = None
        for model in self._by_rel.values():
            if model is None or not name.startswith(model.module_name + "."):
                continue
            function = model.functions.get(name[len(model.module_name) + 1:])
            if function is not None and (best is None or len(model.module_name) > len(best[0].module_name)):
                best = (model, function)
        return best

    def in_scope_functions(self) -> Iterator[tuple[ModuleModel, FunctionInfo, tuple[str, ...]]]:
        for model in self.models:
            for function in model.functions.values():
                chain = model.scope_chains.get(id(function))
                if chain is not None:
                    yield model, function, chain


def display_name(model: ModuleModel, function: FunctionInfo) -> str:
    return f"{model.module_name}.{function.qualname}"


def _lookup(model: ModuleModel, rest: str) -> list[Target]:
    summary = model.summary
    if rest in summary.functions:
        function = summary.functions[rest]
        return [(model, function, function.class_name is not None and "." not in rest)]
    head, _, method = rest.partition(".")
    if head.endswith("()"):
        cls = summary.classes.get(head[:-2])
        if cls is not None and method and "." not in method and "()" not in method:
            found = _method(model, cls.name, method)
            return [(model, found, True)] if found else []
        return []
    cls = summary.classes.get(head)
    if cls is None:
        return []
    if not method:
        init = _method(model, cls.name, "__init__")
        return [(model, init, True)] if init else []
    if "." not in method:
        found = _method(model, cls.name, method)
        return [(model, found, False)] if found else []
    return []


def _method(model: ModuleModel, class_name: str, method: str, depth: int = 0) -> FunctionInfo | None:
    cls = model.summary.classes.get(class_name)
    if cls is None or depth > 5:
        return None
    if method in cls.methods:
        return cls.methods[method]
    for base in cls.bases:
        if isinstance(base, cst.Name):
            found = _method(model, base.value, method, depth + 1)
            if found is not None:
                return found
    return None


def _bound_only_by_definitions(text: str, name: str) -> bool:
    """Whether a module's text binds ``name`` by nothing but `def` and `class`, or
    not at all: no import of it, assignment to it (plain, annotated, augmented,
    unpacked, walrus), `for`/`with`/`except ... as` target, `global`, or star
    import. Over-cautious: an occurrence in a string or comment that looks like
    a binding counts as one. Each occurrence's line is looked at with string
    operations: one regular expression of all the shapes, compiled per name,
    cost more than the parse it saved."""
    if "import *" in text:
        return False
    size = len(name)
    at = text.find(name)
    while at >= 0:
        end = at + size
        if (at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "_.")) and \
                (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
            if _binds(text, at, end):
                return False
        at = text.find(name, end)
    return True


_ASSIGNS = re.compile(r"[ \t]*(?::[^\n=]*)?(?:[-+*/%&|^@]|//|>>|<<|\*\*)?=(?!=)|[ \t]*:=")
_NAMES_A_TARGET = re.compile(r"\b(?:import|global|nonlocal|for|del)\b|\bas[ \t]*$")
_OPEN_IMPORT = re.compile(r"\bimport[ \t]*\([^)]*$")


def _binds(text: str, at: int, end: int) -> bool:
    """Whether the occurrence of a name at text[at:end] may bind it."""
    start = text.rfind("\n", 0, at) + 1
    stop = text.find("\n", end)
    before, after = text[start:at], text[end:stop if stop >= 0 else len(text)]
    head = before.strip()
    if head in ("def", "class", "async def"):
        return False  # its own definition
    if _ASSIGNS.match(after) or (not head and after.lstrip().startswith(":")):
        return True  # name = ..., name: T = ..., name += ..., name := ..., name: T
    if _NAMES_A_TARGET.search(before):
        return True  # import ..., from ... import, global, for, del, ... as name
    if "," in before or "," in after:
        # a, name = ... (an `=` later on the line, not a comparison)
        rest = after.replace("==", "").replace("!=", "").replace("<=", "").replace(">=", "")
        if "=" in rest:
            return True
    block = text.rfind("import", 0, at)
    return block >= 0 and _OPEN_IMPORT.match(text, block, at) is not None  # from m import (\n a,\n name,
