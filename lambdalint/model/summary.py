"""One pass over a module that records what the execution model needs.

We build our own map of imports, bindings, functions, classes and call sites
instead of using LibCST's scope and qualified-name providers: those cost
several times the parse itself (see the design's speed notes), and the
model only needs a handful of facts per function.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Callable, Union

import libcst as cst

from lambdalint.walk import NODE_TYPES, Step, children, walk_visitor

# A binding is what a name refers to: an already-qualified dotted name (imports,
# definitions), the expression last assigned to it, or None when it is unknown
# (a parameter, a loop variable, or conflicting assignments).
Binding = Union[str, cst.BaseExpression, None]


# Nodes that hold statements (blocks, compound statements other than `def` and
# `class`, and their clauses), and those plus the lines of simple statements.
_HOLD_STATEMENTS = frozenset(
    t for t in NODE_TYPES
    if getattr(cst, t.__name__, None) is t and t not in (cst.FunctionDef, cst.ClassDef)
    and issubclass(t, (cst.BaseSuite, cst.BaseCompoundStatement, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler,
                       cst.Finally, cst.MatchCase))
)
_HOLD_STATEMENTS_OR_LINES = _HOLD_STATEMENTS | {cst.SimpleStatementLine, cst.SimpleStatementSuite}


def _no_parent() -> None:
    return None


@dataclass
class Param:
    name: str
    kind: str  # "positional-only" | "positional" | "varargs" | "keyword-only" | "varkw"
    has_default: bool
    node: cst.Param | None = field(default=None, repr=False, compare=False)


@dataclass(eq=False)
class Scope:
    """Names visible in a module or a function body."""

    bindings: dict[str, Binding] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    nonlocal_names: set[str] = field(default_factory=set)
    parent: Scope | None = None

    def __repr__(self) -> str:
        return f"Scope({sorted(self.bindings)})"

    def bind(self, name: str, value: Binding) -> None:
        if name not in self.bindings:
            self.bindings[name] = value
            return
        old = self.bindings[name]
        if old is None or value is None:
            # A `None` placeholder (`_client = None`) next to a real value keeps
            # the real value: that is the lazy-init shape.
            if _is_none_literal(old):
                self.bindings[name] = value
            elif not _is_none_literal(value):
                self.bindings[name] = None
            return
        if _is_none_literal(old):
            self.bindings[name] = value
        elif _is_none_literal(value):
            return
        elif isinstance(old, str) or isinstance(value, str):
            if old != value:
                self.bindings[name] = None
        elif not old.deep_equals(value):
            self.bindings[name] = None


def _is_none_literal(value: Binding) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


_SCOPES = (cst.FunctionDef, cst.ClassDef)


@dataclass(eq=False)
class FunctionInfo:
    """A `def` (function, method or nested function) and what is inside it."""

    node: cst.FunctionDef
    qualname: str
    module_path: str
    class_name: str | None
    # The enclosing function, held weakly (its summary holds both): it holds this
    # one in `nested`, and a reference cycle would leave the syntax tree for the
    # garbage collector instead of freeing it when the run lets go of it.
    parent_ref: Callable[[], FunctionInfo | None] = field(repr=False)
    scope: Scope
    params: list[Param]
    is_async: bool
    calls: list[cst.Call] = field(default_factory=list)
    # (target names, value) pairs for the derived-value analysis.
    assignments: list[tuple[list[str], cst.BaseExpression]] = field(default_factory=list)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    nested: list[FunctionInfo] = field(default_factory=list)
    # `own_nodes()`, worked out the first time an analysis or rule asks.
    own: tuple[cst.CSTNode, ...] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"FunctionInfo({self.module_path}:{self.qualname})"

    @property
    def name(self) -> str:
        return self.node.name.value

    @property
    def parent(self) -> FunctionInfo | None:
        return self.parent_ref()

    @property
    def is_module_level(self) -> bool:
        return self.parent is None and self.class_name is None

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    @property
    def line_anchor(self) -> cst.CSTNode:
        return self.node.name

    def own_nodes(self) -> tuple[cst.CSTNode, ...]:
        """Every node of its body, not descending into nested `def`s and classes.

        Walked once and kept: the labels, an event profile (three times) and several
        LAM5xx/LAM6xx rules read them."""
        found = self.own
        if found is None:
            nodes: list[cst.CSTNode] = []
            stack: list[cst.CSTNode] = [self.node.body]
            while stack:
                node = stack.pop()
                nodes.append(node)
                for child in children(node):
                    if type(child) not in _SCOPES:
                        stack.append(child)
            found = self.own = tuple(nodes)
        return found

    def positional_params(self) -> list[Param]:
        return [p for p in self.params if p.kind in ("positional-only", "positional")]

    def enclosing(self) -> list[FunctionInfo]:
        """This function and the functions it is nested in, innermost first."""
        chain: list[FunctionInfo] = []
        current: FunctionInfo | None = self
        while current is not None:
            chain.append(current)
            current = current.parent
        return chain


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    name: str
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    bases: list[cst.BaseExpression] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"ClassInfo({self.name})"


@dataclass(eq=False)
class ModuleSummary:
    """Everything the one pass found in a module."""

    module_name: str
    module_scope: Scope
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    # Map from FunctionDef node to its info, for the rule traversal.
    by_node: dict[int, FunctionInfo] = field(default_factory=dict)
    # Call nodes that create an object once per environment (lazy init).
    lazy_calls: set[int] = field(default_factory=set)
    # Calls at module scope (init phase), by their call node.
    module_calls: list[cst.Call] = field(default_factory=list)


def _params(node: cst.Parameters) -> list[Param]:
    params: list[Param] = []
    for p in node.posonly_params:
        params.append(Param(p.name.value, "positional-only", p.default is not None, p))
    for p in node.params:
        params.append(Param(p.name.value, "positional", p.default is not None, p))
    if isinstance(node.star_arg, cst.Param):
        params.append(Param(node.star_arg.name.value, "varargs", False, node.star_arg))
    for p in node.kwonly_params:
        params.append(Param(p.name.value, "keyword-only", p.default is not None, p))
    if node.star_kwarg is not None:
        params.append(Param(node.star_kwarg.name.value, "varkw", False, node.star_kwarg))
    return params


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def target_names(target: cst.BaseExpression) -> list[str]:
    """Plain names bound by an assignment target (tuples unpacked)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            names.extend(target_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def names_in(node: cst.CSTNode) -> set[str]:
    """Dotted names (`x`, `self._c`, `CACHE`) mentioned anywhere in an expression."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Name, cst.Attribute)):
            dotted = dotted_name(current)
            if dotted:
                found.add(dotted)
        stack.extend(children(current))
    return found


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            found.append(current)
        if isinstance(current, (cst.Lambda, cst.FunctionDef)):
            continue
        stack.extend(children(current))
    return found


_LAZY_HOPS = 5  # local assignments followed back from a lazy assignment


class _Collector(cst.CSTVisitor):
    def __init__(self, summary: ModuleSummary, module_path: str, package: str) -> None:
        super().__init__()
        self.summary = summary
        self.module_path = module_path
        self.package = package
        self.functions: list[FunctionInfo] = []
        self.classes: list[ClassInfo | None] = []  # None marks a function boundary
        self.guards: list[set[str]] = []  # names tested by enclosing `if`s
        self.saved_guards: list[list[set[str]]] = []
        self.early_guards: dict[int, set[str]] = {}

    # -- scopes -----------------------------------------------------------

    @property
    def function(self) -> FunctionInfo | None:
        return self.functions[-1] if self.functions else None

    @property
    def scope(self) -> Scope:
        return self.function.scope if self.function else self.summary.module_scope

    def _bind(self, name: str, value: Binding) -> None:
        scope = self.scope
        if self.function is not None and name in scope.global_names:
            scope = self.summary.module_scope
        scope.bind(name, value)

    def _record_assignment(self, names: list[str], value: cst.BaseExpression) -> None:
        if self.function is not None and names:
            self.function.assignments.append((names, value))

    def _current_class(self) -> ClassInfo | None:
        return self.classes[-1] if self.classes else None

    # -- definitions ------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        info = ClassInfo(node=node, name=node.name.value, bases=[a.value for a in node.bases])
        if self.function is None and not any(c is None for c in self.classes):
            self.summary.classes.setdefault(info.name, info)
            self._bind(info.name, f"{self.summary.module_name}.{info.name}")
        else:
            self._bind(info.name, None)
        self.classes.append(info)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        parent = self.function
        cls = self._current_class()
        if cls is not None:
            prefix = f"{cls.name}."
            if parent is not None:
                prefix = f"{parent.qualname}.<locals>.{prefix}"
        elif parent is not None:
            prefix = f"{parent.qualname}.<locals>."
        else:
            prefix = ""
        qualname = prefix + node.name.value
        outer_scope = parent.scope if parent is not None else self.summary.module_scope
        info = FunctionInfo(
            node=node,
            qualname=qualname,
            module_path=self.module_path,
            class_name=cls.name if cls is not None else None,
            parent_ref=weakref.ref(parent) if parent is not None else _no_parent,
            scope=Scope(parent=outer_scope),
            params=_params(node.params),
            is_async=node.asynchronous is not None,
        )
        for param in info.params:
            info.scope.bindings[param.name] = None
        if cls is not None and info.params and info.params[0].kind != "keyword-only":
            decorators = {dotted_name(d.decorator) for d in node.decorators}
            if "staticmethod" not in decorators and cls is self.summary.classes.get(cls.name):
                # `self` is an instance of the class: `self.m()` resolves to C.m.
                instance = f"{self.summary.module_name}.{cls.name}"
                info.scope.bindings[info.params[0].name] = (
                    instance if "classmethod" in decorators else instance + "()"
                )
        self.summary.functions.setdefault(qualname, info)
        self.summary.by_node[id(node)] = info
        if cls is not None:
            cls.methods.setdefault(node.name.value, info)
        elif parent is None:
            self._bind(node.name.value, f"{self.summary.module_name}.{qualname}")
        else:
            parent.scope.bind(node.name.value, f"{self.summary.module_name}.{qualname}")
        if parent is not None:
            parent.nested.append(info)
        self.functions.append(info)
        self.classes.append(None)
        self.saved_guards.append(self.guards)
        self.guards = []

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.classes.pop()
        self.guards = self.saved_guards.pop()

    def visit_Global(self, node: cst.Global) -> None:
        if self.function is not None:
            self.function.scope.global_names.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        if self.function is not None:
            self.function.scope.nonlocal_names.update(n.name.value for n in node.names)

    # -- imports ----------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(alias.asname.name.value, full)
            else:
                top = full.split(".")[0]
                self._bind(top, top)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level:
            parts = self.package.split(".") if self.package else []
            if level > 1:
                parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
            base = ".".join(p for p in parts if p)
            module = ".".join(p for p in (base, module) if p)
        if isinstance(node.names, cst.ImportStar) or not module:
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self._bind(local, f"{module}.{name}")

    # -- bindings -----------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            names = target_names(target.target)
            if isinstance(target.target, cst.Name):
                self._bind(target.target.value, node.value)
            else:
                for name in names:
                    self._bind(name, None)
            self._record_assignment(names, node.value)
        self._check_lazy([t.target for t in node.targets], node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None:
            return
        names = target_names(node.target)
        if isinstance(node.target, cst.Name):
            self._bind(node.target.value, node.value)
        self._record_assignment(names, node.value)
        self._check_lazy([node.target], node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._record_assignment(target_names(node.target), node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        names = target_names(node.target)
        for name in names:
            self._bind(name, node.value)
        self._record_assignment(names, node.value)

    def visit_For(self, node: cst.For) -> None:
        names = target_names(node.target)
        for name in names:
            self._bind(name, None)
        self._record_assignment(names, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        # Comprehension variables live in their own scope; record them for the
        # derived-value analysis only.
        self._record_assignment(target_names(node.target), node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is None:
            return
        names = target_names(node.asname.name)
        if isinstance(node.asname.name, cst.Name):
            self._bind(node.asname.name.value, node.item)
        self._record_assignment(names, node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind(node.name.name.value, None)
        # Rebuilding a shared connection after a failure is a reconnect, not a
        # per-invocation creation: treat it like a guarded lazy init.
        self.guards.append({"<except>"})

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.guards.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if self.function is not None and node.value is not None:
            self.function.returns.append(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self.function is not None:
            self.function.calls.append(node)
        else:
            self.summary.module_calls.append(node)

    # -- lazy initialisation ------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        tested = names_in(node.test)
        self.guards.append(tested)
        function = self.function
        if function is None:
            return
        # Everything under `if _x is None: ...; _x = ...` runs once per environment,
        # including calls whose results reach `_x` through local variables.
        assigned = _assigned_keys(node.body, function, self._lazy_key)
        if assigned & tested:
            self.summary.lazy_calls.update(id(c) for c in _calls_in(node.body))
        # `if _x is not None: return _x` guards the assignments that follow it.
        if _returns(node.body):
            function_guards = self.early_guards.setdefault(id(function), set())
            function_guards |= tested

    def leave_If(self, original_node: cst.If) -> None:
        self.guards.pop()

    def _check_lazy(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        """Mark calls that run once per environment: guarded global/attribute/cache
        assignments and `x = x or make()`."""
        function = self.function
        if function is None:
            return
        tested = set().union(*self.guards) if self.guards else set()
        tested |= self.early_guards.get(id(function), set())
        for target in targets:
            key = self._lazy_key(target, function)
            if key is None:
                continue
            if key in tested or "<except>" in tested:
                self._mark_lazy(value, function)
            elif (
                isinstance(value, cst.BooleanOperation)
                and isinstance(value.operator, cst.Or)
                and dotted_name(value.left) == key
            ):
                self.summary.lazy_calls.update(id(c) for c in _calls_in(value.right))

    def _mark_lazy(self, value: cst.BaseExpression, function: FunctionInfo) -> None:
        """Calls in a lazily assigned value, and in the local assignments that feed it
        (`resp = sm.get_secret_value(...); _secret = resp["SecretString"]`)."""
        frontier: list[cst.CSTNode] = [value]
        seen: set[str] = set()
        for _ in range(_LAZY_HOPS):
            names: set[str] = set()
            for node in frontier:
                self.summary.lazy_calls.update(id(c) for c in _calls_in(node))
                names |= {n for n in names_in(node) if "." not in n}
            names -= seen
            if not names:
                return
            seen |= names
            frontier = [assigned for targets, assigned in function.assignments if names.intersection(targets)]

    @staticmethod
    def _lazy_key(target: cst.BaseExpression, function: FunctionInfo) -> str | None:
        scope = function.scope
        if isinstance(target, cst.Name):
            name = target.value
            if name in scope.global_names or name in scope.nonlocal_names:
                return name
            return None
        if isinstance(target, cst.Attribute):
            return dotted_name(target)
        if isinstance(target, cst.Subscript):
            base = dotted_name(target.value)
            if base is None:
                return None
            root = base.split(".")[0]
            # A cache dict that lives outside the function: module-level or an attribute.
            if "." in base or root in scope.global_names or root not in scope.bindings:
                return base
        return None


def _assigned_keys(block: cst.BaseSuite, function: FunctionInfo, key_of) -> set[str]:  # type: ignore[no-untyped-def]
    """What the statements of a block (and of the blocks nested in it, not of
    nested functions and classes) assign to. Only statements are walked: an
    assignment is a statement, and the expressions in between are most of a
    block's nodes (this ran for every `if` in every function)."""
    keys: set[str] = set()
    stack: list[cst.CSTNode] = [block]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.SimpleStatementLine or kind is cst.SimpleStatementSuite:
            for small in node.body:  # type: ignore[attr-defined]
                if type(small) is cst.Assign:
                    for target in small.targets:
                        key = key_of(target.target, function)
                        if key is not None:
                            keys.add(key)
                elif type(small) in (cst.AnnAssign, cst.AugAssign):
                    key = key_of(small.target, function)
                    if key is not None:
                        keys.add(key)
        elif kind in _HOLD_STATEMENTS:
            stack.extend(child for child in children(node) if type(child) in _HOLD_STATEMENTS_OR_LINES)
    return keys


def _returns(block: cst.BaseSuite) -> bool:
    body = getattr(block, "body", ())
    if isinstance(body, (list, tuple)) and body:
        last = body[-1]
        if isinstance(last, cst.SimpleStatementLine):
            return any(isinstance(small, (cst.Return, cst.Raise)) for small in last.body)
    return False


def summarize(module: cst.Module, module_name: str, module_path: str, is_package: bool,
              record: list[Step] | None = None) -> ModuleSummary:
    """Collect imports, bindings, functions, classes, calls and lazy inits of a module
    (``record``: see `walk_visitor`)."""
    summary = ModuleSummary(module_name=module_name, module_scope=Scope())
    package = module_name if is_package else module_name.rpartition(".")[0]
    walk_visitor(module, _Collector(summary, module_path, package), record)
    return summary
