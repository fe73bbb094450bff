"""Event taint: which sinks untrusted event data reaches, and from which line.

The LAM7xx rules ask one question of a call: does event data reach its
dangerous argument (the SQL text, the shell command, the path...)? This module
answers it for a whole run at once, the first time a rule asks, and keeps the
answer per sink node.

How it works (see docs/taint.md for the user-facing account):

- Every function in invocation scope is analysed once, on its own, into a
  **summary**: its parameters (and the variables it reads from enclosing
  functions) are placeholders, and the summary says which of them reach its
  return value, which reach a sink, and which end up inside a parameter's
  object (`parts.append(...)`). A call site substitutes its own argument
  taint into the callee's summary, so a helper is analysed once however often
  it is called, and a clean call does not inherit another call's taint.
- Within a function the analysis follows statements in order (flow-sensitive):
  `x = int(x)` cleans `x` from there on; an `if x in ALLOWED:` branch sees a
  clean `x`, and so does the code after `if x not in ALLOWED: return`.
  Branches are joined by union; loops are iterated until nothing changes
  (at most ``_LOOP_ROUNDS`` times).
- Entry points are the call sites Lambda provides: the handler's (or record
  handler's) first parameter and the path parameters of Powertools routes are
  event data. `app.current_event` is event data wherever it is read.
- A tainted value is a set of ``Origin`` objects: where the data was read
  (for the message), and for which sink kinds it has been made safe
  (`shlex.quote` is enough for a shell, not for SQL).

- Each summary is a cell of the dataflow engine's solver
  (`lambdalint.model.dataflow.Cells`, the one under every analysis of the
  model): a call reads the callee's cell, and a group of mutually recursive
  functions is analysed again, by the solver, while their summaries change.
  Summaries are asked for callees first, so the solver finds a callee's done
  and recurses no deeper than a cycle is long.

What stays taint's own, and why it is not the engine's name-by-name flow: the
engine answers "what can this name hold anywhere in the function" (or, at one
read, which assignments reach it), the same for every caller. Taint must know
what a name holds at each statement, after the guards that cleaned it (`if x in
ALLOWED:`, `x = int(x)`), and keep one call's data apart from another's (a
helper called with a constant and with event data is reported only for the
latter): so it runs its own flow-sensitive walk of each function body (loop
bodies until their state stops changing, at most ``_LOOP_ROUNDS`` times) into a
summary with placeholders that each call fills in. Module-level names are not
followed (event data a handler stores under `global` for another function to
read is not tracked: the engine's module-level cells would add those findings).

Cost: each in-scope function is analysed once (recursive ones again while
their summaries change), in time linear in its size times ``_LOOP_ROUNDS``
per level of loop nesting; a call adds one substitution per distinct taint in
the callee's summary, plus one step per sink below the callee that its
parameters reach. Modules with no function in invocation scope are never
looked at. Positions (for the source line in messages) are resolved only for
modules that have a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Optional

import libcst as cst

from lambdalint.catalog import taint as tc
from lambdalint.literals import string_parts, string_value
from lambdalint.model.dataflow import Cells, bind_arguments, scope_binding
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.summary import FunctionInfo
from lambdalint.walk import children

_LOOP_ROUNDS = 4  # rounds of a loop body before its state is taken as stable
_BINDING_HOPS = 3  # name -> assigned expression hops when judging a value's shape

# Origin kinds: real event data, and the placeholders of a summary.
EVENT = "event"
PARAM = "param"
FREE = "free"


class Origin:
    """Where a tainted value comes from.

    ``kind`` is EVENT for real event data, PARAM/FREE for a summary's
    placeholders (a parameter, or a variable of an enclosing function, named
    ``name`` and belonging to the function with id ``owner``). ``root`` is
    True for the whole event (or a placeholder not read from yet): the first
    subscript, attribute or `.get` on it moves the origin to that expression,
    so messages name `event["body"]`, not the handler's parameter.
    ``cleared`` holds the sink kinds the value has been made safe for.
    ``path`` is the chain of reads from the event (or from the placeholder) that
    gave the value, kept only while it can still end at a field AWS supplies
    (see ``_TRUSTED``); None once it cannot.
    """

    __slots__ = ("kind", "node", "model", "root", "cleared", "owner", "name", "label", "path", "_key")

    def __init__(self, kind: str, node: cst.CSTNode | None, model: ModuleModel | None, root: bool,
                 cleared: frozenset[str] = frozenset(), owner: int = 0, name: str = "",
                 label: str | None = None, distinct: bool = True,
                 path: tuple[str, ...] | None = ()) -> None:
        self.kind = kind
        self.node = node
        self.model = model
        self.root = root
        self.cleared = cleared
        self.owner = owner
        self.name = name
        self.label = label
        self.path = path
        # Reads at different places are different origins (the message shows the
        # earliest), except a caller's placeholder read in a callee: one such read is
        # enough, and keeping one per call path would grow with the call graph.
        self._key = (kind, id(node) if distinct else 0, root, cleared, owner, name, path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Origin) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        what = self.name or type(self.node).__name__
        return f"Origin({self.kind}, {what}, root={self.root}, cleared={sorted(self.cleared)})"

    def moved(self, node: cst.CSTNode | None, model: ModuleModel | None,
              path: tuple[str, ...] | None) -> Origin:
        """The same data, read at ``node`` (``path`` from the event or placeholder)."""
        return Origin(self.kind, node, model, False, self.cleared, self.owner, self.name, path=path)

    def with_cleared(self, cleared: frozenset[str]) -> Origin:
        if cleared == self.cleared:
            return self
        return Origin(self.kind, self.node, self.model, self.root, cleared, self.owner, self.name,
                      self.label, distinct=self._key[1] != 0, path=self.path)

    def with_path(self, path: tuple[str, ...] | None) -> Origin:
        return Origin(self.kind, self.node, self.model, self.root, self.cleared, self.owner, self.name,
                      self.label, distinct=self._key[1] != 0, path=path)


# -- fields AWS supplies ----------------------------------------------------------------
#
# A read's path is a tuple of steps: a key (`"ResponseURL"`), `"*"` for an element of
# a list (`[0]`, a loop), `".name"` for an attribute. Event data read at a trusted
# path is dropped on the spot. A summary's placeholder (a helper's parameter) may
# hold any part of the event, so its path is relative and judged when a call
# substitutes the caller's data: a value computed from a placeholder's read (a
# decode, `.split(...)`, a call) keeps the read's path, frozen (`FROZEN` last),
# because it is trusted exactly when that read is. A path that can no longer reach
# a trusted field is None, and stays None.

# The step of a read that keeps the value as it was (a Powertools data class
# around the event, `typing.cast`).
SAME = ""
FROZEN = "!"
_STEP = re.compile(r'\["([^"]+)"\]|\[\*\]|\.(\w+)')


def _parse_trusted(text: str) -> tuple[str, ...]:
    steps: list[str] = []
    position = 0
    for match in _STEP.finditer(text):
        if match.start() != position:
            raise ValueError(f"bad trusted field path {text!r}")
        key, attribute = match.groups()
        steps.append(key if key is not None else "." + attribute if attribute is not None else "*")
        position = match.end()
    if position != len(text) or not steps:
        raise ValueError(f"bad trusted field path {text!r}")
    return tuple(steps)


_TRUSTED = frozenset(_parse_trusted(p) for fields in tc.TRUSTED_EVENT_FIELDS for p in fields.paths)
# Paths from the event that may still end at a trusted field ...
_TRUSTED_PREFIXES = frozenset(path[:end] for path in _TRUSTED for end in range(len(path)))
# ... paths from a placeholder that may (it may hold any part of the event) ...
_TRUSTED_INFIXES = frozenset(
    path[start:end] for path in _TRUSTED for start in range(len(path)) for end in range(start, len(path) + 1)
)
# ... and those that end where a trusted field does (only these survive a derivation).
_TRUSTED_SUFFIXES = frozenset(path[start:] for path in _TRUSTED for start in range(len(path) + 1))
_DROP = ("<trusted>",)  # what `_combine` answers for event data read from a trusted field
# The name of a parameter's placeholder for what iterating the parameter gives (a
# dict's keys): a call that passes a dict with constant keys binds it to nothing.
_KEYS = "\x00keys"


def _extend(kind: str, path: tuple[str, ...] | None, step: str | None) -> tuple[str, ...] | None:
    """The path after one more step (None: a derivation, not a plain read)."""
    if path is None:
        return None
    if path and path[-1] == FROZEN:
        return path
    if step is None:
        if kind != EVENT and path in _TRUSTED_SUFFIXES:
            return path + (FROZEN,)
        return None
    extended = path + (step,) if step else path
    if kind == EVENT:
        return extended if extended in _TRUSTED_PREFIXES or extended in _TRUSTED else None
    return extended if extended in _TRUSTED_INFIXES else None


def _combine(actual: Origin, placeholder: Origin) -> tuple[str, ...] | None:
    """The path of ``actual`` arriving where a summary read ``placeholder``'s path;
    ``_DROP`` when that ends at a trusted field of the event."""
    if actual.path is None or placeholder.path is None:
        return None
    if actual.path and actual.path[-1] == FROZEN:
        return actual.path
    frozen = bool(placeholder.path) and placeholder.path[-1] == FROZEN
    combined = actual.path + (placeholder.path[:-1] if frozen else placeholder.path)
    if actual.kind == EVENT:
        if combined in _TRUSTED:
            return _DROP
        return combined if not frozen and combined in _TRUSTED_PREFIXES else None
    if frozen:
        return combined + (FROZEN,) if combined in _TRUSTED_SUFFIXES else None
    return combined if combined in _TRUSTED_INFIXES else None


def _derive(taint: frozenset[Origin]) -> frozenset[Origin]:
    """Values computed from ``taint`` (a string, a container): no longer plain reads."""
    if not any(o.path for o in taint):
        return taint
    return frozenset(o.with_path(_extend(o.kind, o.path, None)) if o.path else o for o in taint)


def key_step(node: cst.BaseExpression | None) -> str | None:
    """The step of a subscript's index: a string key, `*` for a number or a
    variable (an element), None for what cannot be followed."""
    if node is None:
        return None
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        key = string_value(node)
        return key if key and key != "*" and not key.startswith(".") else None
    if isinstance(node, (cst.FormattedString, cst.BinaryOperation)):
        return None
    return "*"


Taint = frozenset  # frozenset[Origin]
EMPTY: frozenset[Origin] = frozenset()
State = dict  # dict[str, frozenset[Origin]]: names and dotted attributes (`self.sql`)
Node = tuple  # tuple[ModuleModel, FunctionInfo]: a function of the call graph


def _union(taints: Iterable[frozenset[Origin]]) -> frozenset[Origin]:
    result: frozenset[Origin] = EMPTY
    for taint in taints:
        if taint:
            result = result | taint if result else taint
    return result


def _clear(taint: frozenset[Origin], kinds: frozenset[str] | None,
           require: str | None = None) -> frozenset[Origin]:
    """Make a value safe for ``kinds`` (None: for every sink, i.e. clean).

    With ``require``, only origins already carrying that mark are affected
    (a prefix check makes only a normalised path safe).
    """
    if not taint:
        return taint
    result = set()
    for origin in taint:
        if require is not None and require not in origin.cleared:
            result.add(origin)
        elif kinds is not None:
            result.add(origin.with_cleared(origin.cleared | kinds))
    return frozenset(result)


def dangerous(taint: frozenset[Origin], kind: str) -> frozenset[Origin]:
    """The origins of a value that a sink of ``kind`` must not receive."""
    return frozenset(o for o in taint if kind not in o.cleared)


def _split(taint: frozenset[Origin], kind: str) -> tuple[frozenset[Origin], frozenset[Origin]]:
    """The event origins and the placeholders of ``taint`` that a ``kind`` sink must not get."""
    real: list[Origin] = []
    placeholders: list[Origin] = []
    for origin in taint:
        if kind not in origin.cleared:
            (real if origin.kind == EVENT else placeholders).append(origin)
    return frozenset(real), frozenset(placeholders)


def _through(placeholder: Origin, actual: Origin) -> Origin | None:
    """``actual`` arriving where a summary had ``placeholder``; None when the callee
    read a field AWS supplies from it."""
    cleared = actual.cleared | placeholder.cleared
    path = _combine(actual, placeholder)
    if path is _DROP:
        return None
    if actual.root and not placeholder.root:
        # The callee read from the whole event: its read is the better origin.
        return Origin(actual.kind, placeholder.node, placeholder.model, False, cleared,
                      actual.owner, actual.name, distinct=actual.kind == EVENT, path=path)
    origin = actual.with_cleared(cleared)
    return origin if origin.path == path else origin.with_path(path)


def _constant_keys(expr: cst.BaseExpression) -> bool:
    """A dict literal whose keys are all written out (no `**` spread, no computed key)."""
    return isinstance(expr, cst.Dict) and all(
        isinstance(e, cst.DictElement) and isinstance(e.key, (cst.SimpleString, cst.Integer)) for e in expr.elements)


def _substitute(taint: frozenset[Origin], callee: int, bindings: Mapping[str, frozenset[Origin]],
                caller: int, free: Callable[[str], frozenset[Origin]]) -> frozenset[Origin]:
    """A callee's summary taint seen from a call site: its parameters become the
    call's arguments, the caller's own variables (read by a nested callee) their
    current taint."""
    if not taint:
        return EMPTY
    result: set[Origin] = set()
    for origin in taint:
        if origin.kind == PARAM and origin.owner == callee:
            name = origin.name
            if name.endswith(_KEYS) and name not in bindings:
                name = name[:-len(_KEYS)]  # what iterating it gives: the value itself, unless known
            actuals = bindings.get(name, EMPTY)
        elif origin.kind == FREE and origin.owner == caller:
            actuals = free(origin.name)
        else:
            result.add(origin)
            continue
        for actual in actuals:
            arrived = _through(origin, actual)
            if arrived is not None:
                result.add(arrived)
    return frozenset(result)


# -- summaries and findings -------------------------------------------------------------


@dataclass
class Hit:
    """A sink reached by a summary's placeholders: reported once a call supplies event data."""

    kind: str
    node: cst.CSTNode
    model: ModuleModel
    template: str  # "the SQL text of `{call}`"
    written: cst.CSTNode | None  # what `{call}` shows
    taint: frozenset[Origin]


@dataclass
class Summary:
    returns: frozenset[Origin] = EMPTY
    hits: dict[tuple[int, str], Hit] = field(default_factory=dict)
    # parameter -> taint put into the object it names (`parts.append(x)`).
    mutations: dict[str, frozenset[Origin]] = field(default_factory=dict)
    _groups: list[tuple[frozenset[Origin], list[Hit]]] | None = field(default=None, repr=False)

    def grouped_hits(self) -> list[tuple[frozenset[Origin], list[Hit]]]:
        """Hits by their taint: a call substitutes each distinct taint once."""
        if self._groups is None:
            groups: dict[frozenset[Origin], list[Hit]] = {}
            for hit in self.hits.values():
                groups.setdefault(hit.taint, []).append(hit)
            self._groups = list(groups.items())
        return self._groups


_NO_SUMMARY = Summary()
_SUMMARY = "summary"  # the kind of the engine's cells


def _same_summary(new: Summary, old: Summary) -> bool:
    return (
        new.returns == old.returns
        and new.mutations == old.mutations
        and new.hits.keys() == old.hits.keys()
        and all(hit.taint == old.hits[key].taint for key, hit in new.hits.items())
    )


@dataclass(eq=False)
class TaintFinding:
    """Event data reaching one sink: what the LAM7xx rules report."""

    kind: str
    node: cst.CSTNode
    model: ModuleModel
    template: str
    written: cst.CSTNode | None
    origins: set[Origin]
    engine: TaintEngine = field(repr=False)

    @property
    def sink(self) -> str:
        """The sink as the message names it: "the SQL text of `cursor.execute(...)`"."""
        call = _code(self.written) + "(...)" if self.written is not None else ""
        return self.template.format(call=call)

    def origin(self) -> Origin:
        """The origin the message shows: the earliest one in the sink's own file."""
        return min(self.origins, key=self._origin_key)

    def _origin_key(self, origin: Origin) -> tuple[bool, str, int, str]:
        # Two origins on one line are told apart by what they read, so that the
        # message is the same from run to run (the origins are a set).
        model = origin.model or self.model
        return (model is not self.model, model.rel_path, self.engine.line(model, origin.node),
                origin.label or _code(origin.node))

    @property
    def source(self) -> str:
        """Where the event data was read: "line 12 (`event["body"]`)"."""
        origin = self.origin()
        model = origin.model or self.model
        line = self.engine.line(model, origin.node)
        where = f"line {line}" if model is self.model else f"{model.rel_path} line {line}"
        return f"{where} ({origin.label or '`' + _shown(origin.node) + '`'})"

    @property
    def source_line(self) -> int:
        origin = self.origin()
        return self.engine.line(origin.model or self.model, origin.node)


class TaintReport:
    """The findings of one module, by sink node."""

    def __init__(self, by_node: Mapping[int, list[TaintFinding]] | None = None) -> None:
        self._by_node = by_node or {}

    def at(self, node: cst.CSTNode, kind: str | None = None) -> list[TaintFinding]:
        found = self._by_node.get(id(node), [])
        return [f for f in found if kind is None or f.kind == kind]

    def __iter__(self):  # type: ignore[no-untyped-def]
        for findings in self._by_node.values():
            yield from findings

    def __len__(self) -> int:
        return sum(len(f) for f in self._by_node.values())


_EMPTY_REPORT = TaintReport()


def report_for(model: ModuleModel) -> TaintReport:
    """Event-taint findings whose sink is in ``model`` (the analysis runs once per project)."""
    project = model.project
    if not isinstance(project, CallGraph) or not model.scope_chains:
        return _EMPTY_REPORT
    return project.analysis(TaintEngine, lambda: _run(TaintEngine(project))).report(model)


def _run(engine: TaintEngine) -> TaintEngine:
    engine.run()
    return engine


class TaintEngine(Cells):
    """Summaries and findings for one project: each function's summary is a cell of the
    dataflow engine's solver (`lambdalint.model.dataflow.Cells`)."""

    def __init__(self, project: CallGraph) -> None:
        super().__init__()
        self.project = project
        self._findings: dict[int, dict[tuple[int, str], TaintFinding]] = {}
        self._reports: dict[int, TaintReport] = {}
        self._project_methods: frozenset[str] | None = None

    def run(self) -> None:
        roots = [
            (model, function)
            for model in self.project.models if model.scope_chains
            for function in model.functions.values() if model.in_invocation_scope(function)
        ]
        for model, function in self._callees_first(roots):
            self._guarded(lambda: self.summary(model, function))
        for model in self.project.models:
            for entry in model.entry_points:
                self._guarded(lambda: self._enter(model, entry))

    def project_methods(self) -> frozenset[str]:
        """Names of the methods the project's classes define (in the modules loaded
        so far), worked out once."""
        if self._project_methods is None:
            self._project_methods = frozenset(
                method for model in self.project.models
                for cls in model.summary.classes.values() for method in cls.methods
            )
        return self._project_methods

    @property
    def summaries(self) -> dict[int, Summary]:
        """id(function) -> its summary, for the functions analysed so far."""
        return {key[1]: value for key, value in self._values.items()}  # type: ignore[misc]

    @staticmethod
    def _guarded(work: Callable[[], object]) -> None:
        try:
            work()
        except RecursionError:
            pass  # too deep to analyse: the function contributes nothing, the run goes on

    def _edges(self, model: ModuleModel, function: FunctionInfo) -> list[tuple[ModuleModel, FunctionInfo]]:
        """What a function's summary depends on: its callees and its nested functions."""
        edges = [(model, nested) for nested in function.nested]
        for call in function.calls:
            edges.extend((m, f) for m, f, _bound in self.project.call_targets(model, call, function))
        return edges

    def _callees_first(self, roots: list[Node]) -> list[Node]:
        """The functions below ``roots`` in the call graph, each after the functions it
        calls (but in a cycle): asked in this order, a summary finds its callees' done,
        and the solver recurses no deeper than a cycle is long."""
        order: list[Node] = []
        seen: set[int] = set()
        for root in roots:
            if id(root[1]) in seen:
                continue
            seen.add(id(root[1]))
            work = [(root, iter(self._edges(*root)))]
            while work:
                node, edges = work[-1]
                for child in edges:
                    if id(child[1]) not in seen:
                        seen.add(id(child[1]))
                        work.append((child, iter(self._edges(*child))))
                        break
                else:
                    work.pop()
                    order.append(node)
        return order

    def summary(self, model: ModuleModel, function: FunctionInfo) -> Summary:
        """The function's summary (a cell: a group of mutually recursive functions is
        analysed again while their summaries change)."""
        return self.cell((_SUMMARY, id(function)), TaintEngine._summary_equation, (model, function))  # type: ignore[return-value]

    def _summary_equation(self, model: ModuleModel, function: FunctionInfo) -> Summary:
        return _FunctionAnalysis(self, model, function).run()

    def bottom(self, key: tuple) -> object:
        return _NO_SUMMARY  # what a recursive call reads first: nothing

    def join(self, old: object, new: object) -> object | None:
        return None if _same_summary(new, old) else new  # type: ignore[arg-type]

    def _enter(self, model: ModuleModel, entry: EntryPoint) -> None:
        """Lambda's call of an entry point: its event parameters carry event data."""
        function = entry.function
        seeds: dict[str, frozenset[Origin]] = {}
        params = {p.name: p for p in function.params}
        positional = function.positional_params()
        if entry.kind in ("handler", "record-handler") and positional:
            param = positional[0]
            # A record handler's record is not the event: its fields are not looked up
            # among the trusted ones.
            path = () if entry.kind == "handler" else None
            seeds[param.name] = frozenset({Origin(EVENT, param.node, model, True, path=path)})
        for name in entry.event_params:
            if name in params:
                seeds[name] = frozenset({Origin(EVENT, params[name].node, model, False, path=None,
                                                label=f"route parameter `{name}`")})
        if not seeds:
            return
        summary = self.summary(model, function)
        for hit in summary.hits.values():
            taint = _substitute(hit.taint, id(function), seeds, 0, lambda _name: EMPTY)
            real = frozenset(o for o in taint if o.kind == EVENT and hit.kind not in o.cleared)
            if real:
                self.add(hit.kind, hit.node, hit.model, hit.template, hit.written, real)

    def add(self, kind: str, node: cst.CSTNode, model: ModuleModel, template: str,
            written: cst.CSTNode | None, real: frozenset[Origin]) -> None:
        """A finding: event data (``real``, not safe for ``kind``) reaches ``node``."""
        table = self._findings.setdefault(id(model), {})
        finding = table.get((id(node), kind))
        if finding is None:
            table[(id(node), kind)] = TaintFinding(kind, node, model, template, written, real, self)
        else:
            finding.origins |= real

    def report(self, model: ModuleModel) -> TaintReport:
        report = self._reports.get(id(model))
        if report is None:
            by_node: dict[int, list[TaintFinding]] = {}
            for (node_id, _kind), finding in self._findings.get(id(model), {}).items():
                by_node.setdefault(node_id, []).append(finding)
            report = TaintReport(by_node)
            self._reports[id(model)] = report
        return report

    def line(self, model: ModuleModel, node: cst.CSTNode | None) -> int:
        if node is None:
            return 0
        return model.line_of(node)


def _sdk_operation(node: cst.Call) -> bool:
    """A method called the way boto3 calls an AWS operation: only keyword arguments,
    named in PascalCase (`SecretId=`, `VersionStage=`)."""
    return isinstance(node.func, cst.Attribute) and bool(node.args) and all(
        arg.keyword is not None and arg.keyword.value[:1].isupper() for arg in node.args)


def _last_name(expr: cst.BaseExpression) -> str:
    """`cursor` for `cursor`, `self.cursor`, `conn.cursor()`; "" for anything else."""
    while isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return expr.value if isinstance(expr, cst.Name) else ""


def _code(node: cst.CSTNode | None) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Param):
        return node.name.value
    return cst.Module([]).code_for_node(node)


def _shown(node: cst.CSTNode | None, limit: int = 48) -> str:
    """An expression as a message quotes it: whole when short, else abridged."""
    text = " ".join(_code(node).split())
    if len(text) <= limit:
        return text
    if isinstance(node, cst.Call):
        func = " ".join(_code(node.func).split())
        if len(func) <= limit - 5:
            return func + "(...)"
    return text[: limit - 3] + "..."


# -- the analysis of one function -------------------------------------------------------

_URL_SCHEME = re.compile(r"^[^/?#]*://")
_PATH_ONLY = frozenset({tc.PATH})
_URL_ONLY = frozenset({tc.URL})
_NORMALISED = frozenset({tc.NORMALISED})
_LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)

Action = tuple[str, Optional[frozenset], Optional[str]]  # (key, kinds or None for all, required mark)


def _fixed_host(prefix: str) -> bool:
    """Whether a URL that starts with ``prefix`` (clean parts shown as "X") has its
    scheme and host fixed: something before a `/`, `?` or `#` that ends the host."""
    rest = _URL_SCHEME.sub("", prefix, count=1)
    if rest.startswith("//") or not rest:
        return False
    return any(c in rest for c in "/?#")


class _FunctionAnalysis:
    def __init__(self, engine: TaintEngine, model: ModuleModel, function: FunctionInfo) -> None:
        self.engine = engine
        self.model = model
        self.function = function
        self.project = engine.project
        self.owner = id(function)
        self.summary = Summary()
        self.params = {p.name for p in function.params}
        entry = model.entry_point_for(function)
        positional = function.positional_params()
        # The parameter Lambda passes the event in, when this function is an entry point.
        self._event_param = positional[0].name if positional and entry is not None \
            and entry.kind == "handler" else None
        self.loops: list[tuple[list[State], list[State]]] = []  # (continues, breaks)
        self._free_cache: dict[str, frozenset[Origin]] = {}
        # State keys of attributes and items (`self.sql`, `body["order"]`) -> an
        # expression that reads them, to re-read where a branch did not set them.
        self._key_nodes: dict[str, cst.BaseExpression] = {}
        # (taint, sink kind) -> (event origins, placeholders) a sink of that kind must not get.
        self._splits: dict[tuple[frozenset[Origin], str], tuple[frozenset[Origin], frozenset[Origin]]] = {}

    def run(self) -> Summary:
        state: State = {}
        for param in self.function.params:
            state[param.name] = frozenset({Origin(PARAM, param.node, self.model, True,
                                                  owner=self.owner, name=param.name)})
        self._suite(self.function.node.body, state)
        return self.summary

    # -- state ------------------------------------------------------------------------

    def _key_of(self, node: cst.CSTNode) -> str | None:
        key = _path(node)
        if key is not None and not key.isidentifier() and isinstance(node, cst.BaseExpression):
            self._key_nodes.setdefault(key, node)
        return key

    def _join(self, *states: State | None) -> State | None:
        """The state after branches meet: what any of them left in each variable.
        A branch that did not set an attribute or item key reads it from its object."""
        live = [s for s in states if s is not None]
        if not live:
            return None
        if len(live) == 1:
            return dict(live[0])
        result: State = {}
        for key in set().union(*live):
            taints = []
            for state in live:
                taint = state.get(key)
                if taint is None:
                    node = self._key_nodes.get(key)
                    taint = self._eval(node, state) if node is not None else self._lookup(key, state)
                taints.append(taint)
            result[key] = _union(taints)
        return result

    # -- recording ------------------------------------------------------------------

    def _record(self, kind: str, node: cst.CSTNode, model: ModuleModel, template: str,
                written: cst.CSTNode | None, taint: frozenset[Origin]) -> None:
        if not taint:
            return
        split = self._splits.get((taint, kind))
        if split is None:
            split = self._splits[(taint, kind)] = _split(taint, kind)
        self._add_hit(kind, node, model, template, written, *split)

    def _add_hit(self, kind: str, node: cst.CSTNode, model: ModuleModel, template: str,
                 written: cst.CSTNode | None, real: frozenset[Origin], placeholders: frozenset[Origin]) -> None:
        if real:
            self.engine.add(kind, node, model, template, written, real)
        if not placeholders:
            return
        key = (id(node), kind)
        hit = self.summary.hits.get(key)
        if hit is None:
            self.summary.hits[key] = Hit(kind, node, model, template, written, placeholders)
        elif hit.taint is not placeholders and not placeholders <= hit.taint:
            hit.taint = hit.taint | placeholders

    def _read(self, taint: frozenset[Origin], node: cst.CSTNode,
              base: cst.CSTNode | None = None, step: str | None = None) -> frozenset[Origin]:
        """A part of a tainted value, read at ``node`` (from ``base``, the expression
        it is read from: a chain of reads, `event["a"]["b"]`, shows as one origin).
        ``step`` is how it is read (see ``key_step``; None: not a plain read): event
        data read from a field AWS supplies is dropped."""
        if not taint or not any(o.root or o.path is not None or (base is not None and o.node is base)
                                for o in taint):
            return taint
        result = []
        for origin in taint:
            path = _extend(origin.kind, origin.path, step)
            if origin.kind == EVENT and path in _TRUSTED:
                continue
            if origin.root or (base is not None and origin.node is base):
                result.append(origin.moved(node, self.model, path))
            elif path != origin.path:
                result.append(origin.with_path(path))
            else:
                result.append(origin)
        return frozenset(result)

    # -- statements ---------------------------------------------------------------------

    def _suite(self, suite: cst.BaseSuite, state: State | None) -> State | None:
        for statement in suite.body:
            if state is None:
                return None
            if isinstance(statement, cst.BaseSmallStatement):
                state = self._small(statement, state)
            else:
                state = self._statement(statement, state)
        return state

    def _statement(self, node: cst.CSTNode, state: State) -> State | None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                result = self._small(small, state)
                if result is None:
                    return None
                state = result
            return state
        if isinstance(node, cst.If):
            return self._if(node, state)
        if isinstance(node, cst.For):
            return self._for(node, state)
        if isinstance(node, cst.While):
            return self._while(node, state)
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self._try(node, state)
        if isinstance(node, cst.With):
            for item in node.items:
                taint = self._eval(item.item, state)
                if item.asname is not None:
                    self._assign_target(item.asname.name, taint, state)
            return self._suite(node.body, state)
        if isinstance(node, cst.Match):
            return self._match(node, state)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            _set(state, node.name.value, EMPTY)
        return state

    def _small(self, node: cst.BaseSmallStatement, state: State) -> State | None:
        if isinstance(node, cst.Expr):
            self._eval(node.value, state)
        elif isinstance(node, cst.Assign):
            self._assign(node, state)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self._assign_target(node.target, self._eval(node.value, state), state)
        elif isinstance(node, cst.AugAssign):
            taint = self._eval(node.value, state)
            target = node.target
            key = self._key_of(target)
            if key is not None:
                state[key] = self._lookup(key, state) | taint
            if not isinstance(target, cst.Name):
                self._eval(target, state)
                self._weak(target, taint, state)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self.summary.returns |= self._eval(node.value, state)
            return None
        elif isinstance(node, cst.Raise):
            if node.exc is not None:
                self._eval(node.exc, state)
            return None
        elif isinstance(node, cst.Assert):
            self._eval(node.test, state)
            self._apply(state, self._guards(node.test)[0])
        elif isinstance(node, cst.Del):
            for name in _target_keys(node.target):
                state[name] = EMPTY
        elif isinstance(node, cst.Break):
            if self.loops:
                self.loops[-1][1].append(state)
            return None
        elif isinstance(node, cst.Continue):
            if self.loops:
                self.loops[-1][0].append(state)
            return None
        return state

    def _assign(self, node: cst.Assign, state: State) -> None:
        value = node.value
        targets = [t.target for t in node.targets]
        if (len(targets) == 1 and isinstance(targets[0], (cst.Tuple, cst.List))
                and isinstance(value, (cst.Tuple, cst.List))
                and len(targets[0].elements) == len(value.elements)
                and not any(isinstance(e, cst.StarredElement) for e in (*targets[0].elements, *value.elements))):
            taints = [self._eval(e.value, state) for e in value.elements]
            for element, taint in zip(targets[0].elements, taints):
                self._assign_target(element.value, taint, state)
            return
        taint = self._eval(value, state)
        for target in targets:
            self._assign_target(target, taint, state)

    def _assign_target(self, target: cst.BaseExpression, taint: frozenset[Origin], state: State) -> None:
        if isinstance(target, cst.Name):
            _set(state, target.value, taint)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._assign_target(element.value, taint, state)
        elif isinstance(target, cst.StarredElement):
            self._assign_target(target.value, taint, state)
        elif isinstance(target, cst.Attribute):
            key = self._key_of(target)
            if key is not None:
                _set(state, key, taint)
            else:
                self._eval(target.value, state)
        elif isinstance(target, cst.Subscript):
            for element in target.slice:
                self._eval_slice(element, state)
            self._weak(target.value, taint, state)
            key = self._key_of(target)
            if key is not None:
                _set(state, key, taint)

    def _weak(self, expr: cst.BaseExpression, taint: frozenset[Origin], state: State) -> None:
        """Data put into the object ``expr`` names (`d[k] = v`, `parts.append(v)`): the
        object and the objects it is part of (`d` for `d["k"].append(v)`) now hold it."""
        if not taint:
            return
        taint = _derive(taint)
        chain: list[str] = []
        node: cst.CSTNode = expr
        while True:
            key = self._key_of(node)
            if key is not None and (not chain or key in state or isinstance(node, cst.Name)):
                chain.append(key)
            if isinstance(node, (cst.Subscript, cst.Attribute)):
                node = node.value
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                node = node.func.value
            else:
                break
        for key in chain:
            state[key] = self._lookup(key, state) | taint
        if chain and chain[-1] in self.params:
            root = chain[-1]
            self.summary.mutations[root] = self.summary.mutations.get(root, EMPTY) | taint

    def _lookup(self, key: str, state: State) -> frozenset[Origin]:
        found = state.get(key)
        if found is not None:
            return found
        return self._free(key) if key.isidentifier() else EMPTY

    def _if(self, node: cst.If, state: State) -> State | None:
        self._eval(node.test, state)
        when_true, when_false = self._guards(node.test)
        body = self._suite(node.body, self._apply(dict(state), when_true))
        other = self._apply(dict(state), when_false)
        if isinstance(node.orelse, cst.If):
            other = self._if(node.orelse, other)
        elif isinstance(node.orelse, cst.Else):
            other = self._suite(node.orelse.body, other)
        return self._join(body, other)

    def _for(self, node: cst.For, state: State) -> State | None:
        items = self._iterated(node.iter, state)
        head = state
        breaks: list[State] = []
        for _ in range(_LOOP_ROUNDS):
            body_state = dict(head)
            self._assign_target(node.target, items, body_state)
            self.loops.append(([], []))
            out = self._suite(node.body, body_state)
            continues, breaks = self.loops.pop()
            new_head = self._join(head, out, *continues) or head
            if new_head == head:
                break
            head = new_head
        after: State | None = head
        if node.orelse is not None:
            after = self._suite(node.orelse.body, dict(head))
        return self._join(after, *breaks)

    def _while(self, node: cst.While, state: State) -> State | None:
        head = state
        breaks: list[State] = []
        when_false: list[Action] = []
        for _ in range(_LOOP_ROUNDS):
            test_state = dict(head)
            self._eval(node.test, test_state)
            when_true, when_false = self._guards(node.test)
            self.loops.append(([], []))
            out = self._suite(node.body, self._apply(dict(test_state), when_true))
            continues, breaks = self.loops.pop()
            new_head = self._join(test_state, out, *continues) or head
            if new_head == head:
                break
            head = new_head
        after: State | None = self._apply(dict(head), when_false)
        if node.orelse is not None:
            after = self._suite(node.orelse.body, after)
        return self._join(after, *breaks)

    def _try(self, node: cst.Try | cst.TryStar, state: State) -> State | None:
        body = self._suite(node.body, dict(state))
        # An exception can come from anywhere in the body: handlers start from both ends.
        handler_in = self._join(state, body) or state
        outs: list[State | None] = []
        if node.orelse is not None and body is not None:
            outs.append(self._suite(node.orelse.body, body))
        else:
            outs.append(body)
        for handler in node.handlers:
            handler_state = dict(handler_in)
            if handler.type is not None:
                self._eval(handler.type, handler_state)
            if handler.name is not None and isinstance(handler.name.name, cst.Name):
                handler_state[handler.name.name.value] = EMPTY
            outs.append(self._suite(handler.body, handler_state))
        result = self._join(*outs)
        if node.finalbody is not None:
            final = self._suite(node.finalbody.body, dict(result if result is not None else handler_in))
            return final if result is not None else None
        return result

    def _match(self, node: cst.Match, state: State) -> State | None:
        subject = self._eval(node.subject, state)
        key = self._key_of(node.subject)
        outs: list[State | None] = []
        exhaustive = False
        for case in node.cases:
            case_state = dict(state)
            for name in _capture_names(case.pattern):
                case_state[name] = self._read(subject, node.subject)
            if key is not None and _literal_pattern(case.pattern):
                case_state[key] = EMPTY
            if case.guard is not None:
                self._eval(case.guard, case_state)
                self._apply(case_state, self._guards(case.guard)[0])
            elif isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None:
                exhaustive = True
            outs.append(self._suite(case.body, case_state))
        if not exhaustive:
            outs.append(state)
        return self._join(*outs)

    # -- guards (sanitising conditions) ------------------------------------------------

    def _apply(self, state: State, actions: list[Action]) -> State:
        for key, kinds, require in actions:
            state[key] = _clear(self._lookup(key, state), kinds, require)
        return state

    def _guards(self, test: cst.BaseExpression) -> tuple[list[Action], list[Action]]:
        """What a condition proves about a variable when it is true, and when false."""
        if isinstance(test, cst.NamedExpr):
            return self._guards(test.value)
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            when_true, when_false = self._guards(test.expression)
            return when_false, when_true
        if isinstance(test, cst.BooleanOperation):
            left_true, left_false = self._guards(test.left)
            right_true, right_false = self._guards(test.right)
            if isinstance(test.operator, cst.And):
                return left_true + right_true, []
            return [], left_false + right_false
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            return self._comparison_guards(test.left, test.comparisons[0])
        if isinstance(test, cst.Call):
            return self._call_guards(test), []
        return [], []

    def _comparison_guards(self, left: cst.BaseExpression,
                           target: cst.ComparisonTarget) -> tuple[list[Action], list[Action]]:
        operator, right = target.operator, target.comparator
        if isinstance(operator, (cst.In, cst.NotIn)):
            positive = isinstance(operator, cst.In)
            literal = string_value(left)
            if literal is not None and ".." in literal:
                # `".." in name`: the branch where it is not rejects traversal.
                subject = self._subject(right)
                actions = [(subject[0], _PATH_ONLY, None)] if subject else []
                return ([], actions) if positive else (actions, [])
            if self._is_allow_list(right):
                subject = self._subject(left)
                actions = [(subject[0], subject[1], None)] if subject else []
                return (actions, []) if positive else ([], actions)
            return [], []
        if isinstance(operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
            positive = isinstance(operator, (cst.Equal, cst.Is))
            actions: list[Action] = []
            if _is_literal(right) and not _is_none(right):
                subject = self._subject(left)
                actions = [(subject[0], subject[1], None)] if subject else []
            elif _is_literal(left) and not _is_none(left):
                subject = self._subject(right)
                actions = [(subject[0], subject[1], None)] if subject else []
            elif isinstance(left, cst.Call) and self.model.qualify(left.func, self.function) in tc.PATH_COMMON_PREFIX:
                actions = [(key, _PATH_ONLY, tc.NORMALISED) for key in _names_in_args(left)]
            return (actions, []) if positive else ([], actions)
        return [], []

    def _call_guards(self, call: cst.Call) -> list[Action]:
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        qualified = self.model.qualify(func, self.function)
        args = [a for a in call.args if a.keyword is None and not a.star]
        if isinstance(func, cst.Attribute) and method in tc.VALIDATING_METHODS:
            subject = self._subject(func.value)
            return [(subject[0], subject[1], None)] if subject else []
        if isinstance(func, cst.Attribute) and method in tc.PATH_PREFIX_CHECKS:
            subject = self._subject(func.value)
            return [(subject[0], _PATH_ONLY, tc.NORMALISED)] if subject else []
        checked: cst.BaseExpression | None = None
        if qualified in tc.REGEX_FULL_MATCH and len(args) >= 2:
            checked = args[1].value
        elif qualified in tc.REGEX_MATCH and len(args) >= 2:
            pattern = string_value(args[0].value)
            if pattern is not None and (pattern.endswith("$") or pattern.endswith("\\Z")) \
                    and (qualified == "re.match" or pattern.startswith("^")):
                checked = args[1].value
        elif method in tc.REGEX_FULL_MATCH_METHODS and args:
            checked = args[0].value
        elif qualified == "builtins.isinstance" and len(args) == 2:
            types = args[1].value
            names = [e.value for e in types.elements] if isinstance(types, cst.Tuple) else [types]
            if all(self.model.qualify(n, self.function) in tc.SAFE_TYPES for n in names):
                checked = args[0].value
        if checked is None:
            return []
        subject = self._subject(checked)
        return [(subject[0], subject[1], None)] if subject else []

    def _subject(self, expr: cst.BaseExpression) -> tuple[str, frozenset[str] | None] | None:
        """The variable a check vouches for, and for which sinks (None: all)."""
        if isinstance(expr, cst.Name):
            return expr.value, None
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in tc.URL_HOST_ATTRIBUTES and isinstance(expr.value, cst.Call) \
                    and self.model.qualify(expr.value.func, self.function) in tc.URL_PARSERS \
                    and expr.value.args:
                inner = self._subject(expr.value.args[0].value)
                return (inner[0], _URL_ONLY) if inner else None
            key = self._key_of(expr)
            return (key, None) if key else None
        if isinstance(expr, (cst.Subscript, cst.Call)) and self._key_of(expr) is not None:
            return self._key_of(expr), None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) \
                and expr.func.attr.value in tc.CASE_METHODS:
            return self._subject(expr.func.value)
        if isinstance(expr, cst.Call) and self.model.qualify(expr.func, self.function) == "builtins.str" \
                and len(expr.args) == 1:
            return self._subject(expr.args[0].value)
        return None

    def _iterated(self, iterable: cst.BaseExpression, state: State) -> frozenset[Origin]:
        """What a loop over ``iterable`` gets. Over a parameter that still holds what it
        was passed (or over its `.keys()`), that is the parameter's own placeholder for
        its keys: a caller that passes a dict with constant keys (`{"status":
        event["status"]}`) puts no event data there, whatever its values hold; any other
        argument stands for itself (`_substitute`)."""
        taint = self._eval(iterable, state)
        base = iterable
        if isinstance(base, cst.Call) and not base.args and isinstance(base.func, cst.Attribute) \
                and base.func.attr.value == "keys":
            base = base.func.value
        # A plain parameter only: `*items` holds the arguments themselves, not their keys.
        plain = {p.name for p in self.function.params if p.kind not in ("varargs", "varkw")}
        if isinstance(base, cst.Name) and base.value in plain:
            held = state.get(base.value, EMPTY)
            if len(held) == 1:
                (origin,) = held
                if origin.kind == PARAM and origin.root and origin.owner == self.owner and origin.name == base.value:
                    ours = frozenset(o for o in taint if o.kind == PARAM and o.owner == self.owner
                                     and o.name == base.value)
                    keys = Origin(PARAM, origin.node, self.model, True, owner=self.owner, name=base.value + _KEYS)
                    taint = (taint - ours) | {keys}
        return self._read(taint, iterable, step="*")

    def _is_allow_list(self, expr: cst.BaseExpression, hops: int = 0) -> bool:
        """A collection of literals, written here or bound to a name (`ALLOWED = {...}`)."""
        if isinstance(expr, (cst.Set, cst.List, cst.Tuple)):
            return bool(expr.elements) and all(
                isinstance(e, cst.Element) and _is_literal(e.value) for e in expr.elements
            )
        if isinstance(expr, cst.Dict):
            return bool(expr.elements) and all(
                isinstance(e, cst.DictElement) and _is_literal(e.key) for e in expr.elements
            )
        if hops >= _BINDING_HOPS:
            return False
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value == "keys" and not expr.args:
                return self._is_allow_list(func.value, hops + 1)
            if self.model.qualify(func, self.function) in tc.LITERAL_COLLECTION_CALLS and len(expr.args) == 1:
                return self._is_allow_list(expr.args[0].value, hops + 1)
            return False
        if isinstance(expr, cst.Name):
            binding = self._binding(expr.value)
            return isinstance(binding, cst.BaseExpression) and self._is_allow_list(binding, hops + 1)
        return False

    def _binding(self, name: str) -> object:
        return scope_binding(self.model, self.function, name)

    # -- expressions ---------------------------------------------------------------------

    def _eval(self, node: cst.CSTNode, state: State) -> frozenset[Origin]:
        method = _DISPATCH.get(type(node))
        if method is None:
            return EMPTY
        return method(self, node, state)

    def _eval_slice(self, element: cst.SubscriptElement, state: State) -> None:
        inner = element.slice
        if isinstance(inner, cst.Index):
            self._eval(inner.value, state)
        elif isinstance(inner, cst.Slice):
            for part in (inner.lower, inner.upper, inner.step):
                if part is not None:
                    self._eval(part, state)

    def _name(self, node: cst.Name, state: State) -> frozenset[Origin]:
        found = state.get(node.value)
        if found is not None:
            return found
        return self._free(node.value)

    def _free(self, name: str) -> frozenset[Origin]:
        """A name this function does not bind: a variable of an enclosing function
        becomes a placeholder the enclosing function fills in when it calls us."""
        cached = self._free_cache.get(name)
        if cached is not None:
            return cached
        result = EMPTY
        scope = self.function.scope
        if name not in scope.bindings or name in scope.nonlocal_names:
            parent = self.function.parent
            while parent is not None:
                if name in parent.scope.bindings and name not in parent.scope.global_names:
                    result = frozenset({Origin(FREE, None, self.model, True, owner=id(parent), name=name)})
                    break
                parent = parent.parent
        self._free_cache[name] = result
        return result

    def _attribute(self, node: cst.Attribute, state: State) -> frozenset[Origin]:
        key = self._key_of(node)
        if key is not None and key in state:
            return state[key]
        attr = node.attr.value
        if attr in tc.CURRENT_EVENT_ATTRIBUTES:
            return frozenset({Origin(EVENT, node, self.model, True)})
        base = self._eval(node.value, state)
        if not base:
            return EMPTY
        if attr in tc.PATH_NAME_ATTRIBUTES and self._is_path_object(node.value):
            return _clear(self._read(base, node, node.value, "." + attr), _PATH_ONLY)
        return self._read(base, node, node.value, "." + attr)

    def _subscript(self, node: cst.Subscript, state: State) -> frozenset[Origin]:
        key = self._key_of(node)
        if key is not None and key in state:
            return state[key]
        base = self._eval(node.value, state)
        for element in node.slice:
            self._eval_slice(element, state)
        if not base:
            return EMPTY
        index = node.slice[0].slice if len(node.slice) == 1 else None
        step = key_step(index.value) if isinstance(index, cst.Index) else None
        result = self._read(base, node, node.value, step)
        if self._last_path_component(node):
            result = _clear(result, _PATH_ONLY)
        return result

    def _last_path_component(self, node: cst.Subscript) -> bool:
        """`key.split("/")[-1]`, `key.rpartition("/")[2]`, `os.path.split(p)[1]`: no directories."""
        call = node.value
        if not isinstance(call, cst.Call) or len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return False
        index = node.slice[0].slice.value
        position = int(index.value, 0) if isinstance(index, cst.Integer) else (
            -int(index.expression.value, 0) if isinstance(index, cst.UnaryOperation)
            and isinstance(index.operator, cst.Minus) and isinstance(index.expression, cst.Integer) else None)
        func = call.func
        if isinstance(func, cst.Attribute) and call.args and string_value(call.args[0].value) == "/":
            method = func.attr.value
            return (method in ("split", "rsplit") and position == -1) or (
                method == "rpartition" and position in (2, -1))
        return position in (1, -1) and self.model.qualify(func, self.function) in tc.PATH_SPLITTERS

    def _binary(self, node: cst.BinaryOperation, state: State) -> frozenset[Origin]:
        operator = type(node.operator).__name__
        if operator == "Add":
            leaves = _add_leaves(node)
            taints = [self._eval(leaf, state) for leaf in leaves]
            result = _derive(_union(taints))
            if result and self._url_prefix_fixed(zip(leaves, taints)):
                result = _clear(result, _URL_ONLY)
            return result
        left = self._eval(node.left, state)
        right = self._eval(node.right, state)
        if operator in tc.NUMERIC_OPERATORS:
            return EMPTY
        result = _derive(left | right)
        if operator == "Modulo" and result and not left:
            text = string_value(node.left)
            if text is not None and _fixed_host(text.split("%", 1)[0]):
                result = _clear(result, _URL_ONLY)
        return result

    def _url_prefix_fixed(self, parts: Iterable[tuple[cst.CSTNode, frozenset[Origin]]]) -> bool:
        """Whether the clean text before the first tainted part fixes a URL's host.

        Clean parts whose text the code does not show (a base URL from an environment
        variable or a setting) stand for unknown text. A prefix made only of such
        parts cannot be judged (`ORDERS_API_URL + order_id` is right when the setting
        ends with `/`, as such a concatenation implies): it counts as fixed."""
        prefix = ""
        literal = False
        for part, taint in parts:
            if taint and not self._aws_supplied(taint):
                return _fixed_host(prefix) or (bool(prefix) and not literal)
            text = self._literal_text(part)
            literal = literal or text is not None
            prefix += text if text is not None else "X"
        return False

    def _literal_text(self, part: cst.CSTNode, hops: int = 0) -> str | None:
        """The text of a clean part of a built string: a literal, an f-string's literal
        text, or a name bound to a literal (`BASE_URL = "https://..."`)."""
        if isinstance(part, cst.FormattedStringText):
            return part.value
        if isinstance(part, cst.FormattedStringExpression):
            return self._literal_text(part.expression, hops) if part.format_spec is None else None
        if not isinstance(part, cst.BaseExpression):
            return None
        text = string_value(part)
        if text is not None:
            return text
        bound = self._resolve_name(part, hops)
        return self._literal_text(bound, hops + 1) if bound is not None else None

    def _aws_supplied(self, taint: frozenset[Origin]) -> bool:
        """Whether a value is read from fields AWS supplies of this entry point's own
        event (`f"https://{bucket}.s3.amazonaws.com/{key}"` in a handler: the bucket
        fixes the host). A summary judges the other reads only when a call supplies
        the data; the host of a URL it must judge now."""
        if self._event_param is None:
            return False
        for origin in taint:
            path = origin.path
            if origin.kind != PARAM or origin.owner != self.owner or origin.name != self._event_param \
                    or path is None:
                return False
            if (path[:-1] if path and path[-1] == FROZEN else path) not in _TRUSTED:
                return False
        return True

    def _formatted(self, node: cst.FormattedString, state: State) -> frozenset[Origin]:
        return self._string(self._fstring_parts(node, state))

    def _concatenated(self, node: cst.ConcatenatedString, state: State) -> frozenset[Origin]:
        parts: list[tuple[cst.CSTNode, frozenset[Origin]]] = []
        for side in string_parts(node):
            if isinstance(side, cst.FormattedString):
                parts += self._fstring_parts(side, state)
            else:
                parts.append((side, EMPTY))
        return self._string(parts)

    def _fstring_parts(self, node: cst.FormattedString, state: State) -> list[tuple[cst.CSTNode, frozenset[Origin]]]:
        """Each part of an f-string with what it carries (a field's format spec too)."""
        parts: list[tuple[cst.CSTNode, frozenset[Origin]]] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                taint = self._eval(part.expression, state)
                for spec in part.format_spec or ():
                    if isinstance(spec, cst.FormattedStringExpression):
                        taint |= self._eval(spec.expression, state)
                parts.append((part, taint))
            else:
                parts.append((part, EMPTY))
        return parts

    def _string(self, parts: list[tuple[cst.CSTNode, frozenset[Origin]]]) -> frozenset[Origin]:
        """A string built from parts carries their taint, except what only a URL's
        path could carry when the clean text before it fixes the host."""
        result = _derive(_union(t for _, t in parts))
        if result and self._url_prefix_fixed(parts):
            result = _clear(result, _URL_ONLY)
        return result

    def _unary(self, node: cst.UnaryOperation, state: State) -> frozenset[Origin]:
        self._eval(node.expression, state)
        return EMPTY

    def _boolean(self, node: cst.BooleanOperation, state: State) -> frozenset[Origin]:
        return self._eval(node.left, state) | self._eval(node.right, state)

    def _comparison(self, node: cst.Comparison, state: State) -> frozenset[Origin]:
        self._eval(node.left, state)
        for target in node.comparisons:
            self._eval(target.comparator, state)
        return EMPTY

    def _ifexp(self, node: cst.IfExp, state: State) -> frozenset[Origin]:
        self._eval(node.test, state)
        when_true, when_false = self._guards(node.test)
        body = self._eval(node.body, self._apply(dict(state), when_true))
        other = self._eval(node.orelse, self._apply(dict(state), when_false))
        return body | other

    def _sequence(self, node: cst.List | cst.Tuple | cst.Set, state: State) -> frozenset[Origin]:
        return _derive(_union(self._eval(e.value, state) for e in node.elements))

    def _dict(self, node: cst.Dict, state: State) -> frozenset[Origin]:
        taints = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                taints.append(self._eval(element.key, state))
                value = self._eval(element.value, state)
                taints.append(value)
                key = string_value(element.key)
                if key in tc.DYNAMODB_EXPRESSION_KEYS:
                    self._record(tc.DYNAMODB, element, self.model, f"the `{key}` of a DynamoDB request",
                                 None, value)
            else:
                taints.append(self._eval(element.value, state))
        return _derive(_union(taints))

    def _comprehension(self, node: cst.BaseComp | cst.DictComp, state: State) -> frozenset[Origin]:
        inner = dict(state)
        for_in: cst.CompFor | None = node.for_in
        while for_in is not None:
            items = self._iterated(for_in.iter, inner)
            self._assign_target(for_in.target, items, inner)
            for condition in for_in.ifs:
                self._eval(condition.test, inner)
                self._apply(inner, self._guards(condition.test)[0])
            for_in = for_in.inner_for_in
        if isinstance(node, cst.DictComp):
            return _derive(self._eval(node.key, inner) | self._eval(node.value, inner))
        return _derive(self._eval(node.elt, inner))

    def _await(self, node: cst.Await, state: State) -> frozenset[Origin]:
        return self._eval(node.expression, state)

    def _yield(self, node: cst.Yield, state: State) -> frozenset[Origin]:
        value = node.value
        if isinstance(value, cst.From):
            value = value.item
        if value is not None:
            self.summary.returns |= self._eval(value, state)
        return EMPTY

    def _named(self, node: cst.NamedExpr, state: State) -> frozenset[Origin]:
        taint = self._eval(node.value, state)
        self._assign_target(node.target, taint, state)
        return taint

    def _starred(self, node: cst.StarredElement, state: State) -> frozenset[Origin]:
        return self._eval(node.value, state)

    # -- calls ------------------------------------------------------------------------------

    def _call(self, node: cst.Call, state: State) -> frozenset[Origin]:
        key = self._key_of(node)
        if key is not None and key in state:
            return state[key]  # `body.get("order")` after a check of it
        func = node.func
        method: str | None = None
        receiver = EMPTY
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = self._eval(func.value, state)
        elif not isinstance(func, cst.Name):
            self._eval(func, state)
        args = [self._eval(arg.value, state) for arg in node.args]
        qualified = self.model.qualify(func, self.function)
        self._sinks(node, qualified, method, receiver, args, state)
        result: frozenset[Origin] | None = None
        if self.project is not None:
            targets = self.project.call_targets(self.model, node, self.function)
            if targets:
                result = EMPTY
                for target_model, target, bound in targets:
                    result |= self._apply_summary(node, target_model, target, bound, receiver, args, state)
                    if target.name == "__init__":
                        result |= self._read(_union(args), node)  # the object holds the data
        if result is None:
            if qualified and self._is_local_class(qualified):
                result = self._read(_union(args), node)
            else:
                result = self._library(node, qualified, method, receiver, args)
        if method in tc.MUTATING_METHODS and isinstance(func, cst.Attribute):
            self._weak(func.value, _union(args), state)
        return result

    def _is_local_class(self, qualified: str) -> bool:
        prefix = self.model.module_name + "."
        return qualified.startswith(prefix) and qualified[len(prefix):] in self.model.summary.classes

    def _apply_summary(self, node: cst.Call, target_model: ModuleModel, target: FunctionInfo, bound: bool,
                       receiver: frozenset[Origin], args: list[frozenset[Origin]], state: State) -> frozenset[Origin]:
        summary = self.engine.summary(target_model, target)
        if summary is _NO_SUMMARY or not (summary.returns or summary.hits or summary.mutations):
            return EMPTY
        by_expr = {id(arg.value): taint for arg, taint in zip(node.args, args)}
        bindings: dict[str, frozenset[Origin]] = {}
        exprs: dict[str, cst.BaseExpression] = {}
        keyed: dict[str, bool] = {}  # parameter -> whether every dict it is given has constant keys
        for param, expr in bind_arguments(target, node, bound):
            exprs.setdefault(param, expr)
            taint = by_expr.get(id(expr), EMPTY)
            if taint:
                bindings[param] = bindings.get(param, EMPTY) | taint
                keyed[param] = keyed.get(param, True) and _constant_keys(expr)
        for param, constant in keyed.items():
            if constant:
                bindings[param + _KEYS] = EMPTY  # iterating it gives those keys
        positional = target.positional_params()
        if bound and receiver and isinstance(node.func, cst.Attribute) and positional and target.name != "__init__":
            first = positional[0].name
            bindings[first] = bindings.get(first, EMPTY) | receiver

        def free(name: str) -> frozenset[Origin]:
            return self._lookup(name, state)

        seen: dict[frozenset[Origin], frozenset[Origin]] = {}

        def substitute(taint: frozenset[Origin]) -> frozenset[Origin]:
            result = seen.get(taint)
            if result is None:
                result = seen[taint] = _substitute(taint, id(target), bindings, self.owner, free)
            return result

        for taint, hits in summary.grouped_hits():
            actual = substitute(taint)
            if not actual:
                continue
            splits: dict[str, tuple[frozenset[Origin], frozenset[Origin]]] = {}
            for hit in hits:
                split = splits.get(hit.kind)
                if split is None:
                    split = splits[hit.kind] = _split(actual, hit.kind)
                self._add_hit(hit.kind, hit.node, hit.model, hit.template, hit.written, *split)
        for param, taint in summary.mutations.items():
            expr = exprs.get(param)
            if expr is not None:
                self._weak(expr, substitute(taint), state)
        return substitute(summary.returns)

    def _library(self, node: cst.Call, qualified: str | None, method: str | None,
                 receiver: frozenset[Origin], args: list[frozenset[Origin]]) -> frozenset[Origin]:
        """What a call outside the checked tree returns, from the catalog; unknown calls
        return clean data. An AWS SDK operation (`client.get_secret_value(SecretId=arn)`)
        answers with AWS's data, not its parameters: the event's id of a secret does not
        make the secret's value the caller's."""
        data = EMPTY if _sdk_operation(node) else _union(args)
        if qualified is not None:
            if qualified in tc.CLEANING_CALLS:
                return EMPTY
            kinds = tc.PARTIAL_SANITISERS.get(qualified)
            if kinds is not None:
                return _clear(self._read(data, node), kinds)
            if qualified in tc.PATH_NORMALISERS:
                return _clear(self._read(data, node), _NORMALISED)
            if qualified.startswith(tc.EVENT_WRAPPER_PREFIXES) or qualified in tc.SAME_DATA_CALLS:
                return self._read(data | receiver, node, step=SAME)
            if qualified in tc.PROPAGATING_CALLS:
                return self._read(data | receiver, node)
        if method is None:
            return EMPTY
        if receiver:
            if method in tc.NON_PROPAGATING_METHODS:
                return EMPTY
            step = None
            if method == "get" and node.args and node.args[0].keyword is None and not node.args[0].star:
                step = key_step(node.args[0].value)
            result = self._read(receiver | data, node, node.func.value if method.startswith("get") else None,
                                step)
            if method in tc.PATH_NORMALISING_METHODS and isinstance(node.func, cst.Attribute) \
                    and self._is_path_object(node.func.value):
                result = _clear(result, _NORMALISED)
            if method == "format" and isinstance(node.func, cst.Attribute):
                result = self._format_url(node.func.value, result)
            if method == "replace" and len(node.args) >= 2:
                old, new = (string_value(a.value) for a in node.args[:2])
                if old == "/" and new is not None and "/" not in new:
                    result = _clear(result, _PATH_ONLY)  # `key.replace("/", "")`: no directories
            return result
        if method in tc.ARG_PROPAGATING_METHODS and data:
            result = self._read(data, node)
            if method == "format" and isinstance(node.func, cst.Attribute):
                result = self._format_url(node.func.value, result)
            return result
        return EMPTY

    def _format_url(self, template: cst.BaseExpression, taint: frozenset[Origin]) -> frozenset[Origin]:
        text = string_value(template)
        if text is not None and _fixed_host(text.split("{", 1)[0]):
            return _clear(taint, _URL_ONLY)
        return taint

    # -- shapes of values ------------------------------------------------------------------

    def _resolve_name(self, expr: cst.BaseExpression, hops: int) -> cst.BaseExpression | None:
        """The expression a local name was assigned (when all its assignments agree)."""
        if isinstance(expr, cst.Name) and hops < _BINDING_HOPS:
            binding = self._binding(expr.value)
            return binding if isinstance(binding, cst.BaseExpression) else None
        return None

    def _is_path_object(self, expr: cst.BaseExpression, hops: int = 0) -> bool:
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            return self._is_path_object(expr.left, hops + 1)
        qualified = self.model.qualify(expr, self.function) or ""
        if any(qualified.startswith(t + "()") for t in tc.PATH_TYPES):
            return True
        bound = self._resolve_name(expr, hops)
        return bound is not None and self._is_path_object(bound, hops + 1)

    def _is_http_client(self, expr: cst.BaseExpression) -> bool:
        qualified = self.model.qualify(expr, self.function) or ""
        return qualified.endswith("()") and qualified[:-2] in tc.URL_CLIENT_TYPES

    def _is_string(self, expr: cst.BaseExpression, hops: int = 0) -> bool:
        """Whether an expression certainly builds a string (a command line, not a list)."""
        if isinstance(expr, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            return True
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
            return self._is_string(expr.left, hops + 1) or self._is_string(expr.right, hops + 1)
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("format", "join", "replace", "strip"):
                return True
            return self.model.qualify(func, self.function) in ("builtins.str", "shlex.join")
        bound = self._resolve_name(expr, hops)
        return bound is not None and self._is_string(bound, hops + 1)

    def _is_read(self, expr: cst.BaseExpression, hops: int = 0) -> bool:
        """Whether an expression is a value read as it is (`event["argv"]`, `body.get("cmd")`),
        not one the code built (`shlex.split(...)`, `base + [name]`)."""
        if isinstance(expr, (cst.Subscript, cst.Attribute)):
            return True
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            return expr.func.attr.value in ("get", "pop")
        bound = self._resolve_name(expr, hops)
        return bound is not None and self._is_read(bound, hops + 1)

    def _splits_read(self, expr: cst.BaseExpression, hops: int = 0) -> bool:
        """`name.split()`/`shlex.split(name)` of a value read as it is: its first word,
        the program, is the event's (a split of `f"convert {name}"` is not)."""
        bound = self._resolve_name(expr, hops)
        if bound is not None:
            return self._splits_read(bound, hops + 1)
        if not isinstance(expr, cst.Call):
            return False
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value == "split":
            return self._is_read(func.value)
        if self.model.qualify(func, self.function) == "shlex.split" and expr.args:
            return self._is_read(expr.args[0].value)
        return False

    def _sequence_literal(self, expr: cst.BaseExpression, hops: int = 0) -> cst.List | cst.Tuple | None:
        if isinstance(expr, (cst.List, cst.Tuple)):
            return expr
        bound = self._resolve_name(expr, hops)
        return self._sequence_literal(bound, hops + 1) if bound is not None else None

    # -- sinks ---------------------------------------------------------------------------

    @staticmethod
    def _args(node: cst.Call, args: list[frozenset[Origin]],
              spec: tc.ArgSpec) -> list[tuple[cst.Arg, frozenset[Origin]]]:
        found = []
        position = 0
        positional = True
        for arg, taint in zip(node.args, args):
            if arg.keyword is not None:
                if arg.keyword.value in spec.keywords:
                    found.append((arg, taint))
            elif arg.star:
                positional = False  # `*args`: positions after it are unknown
            elif positional:
                if position in spec.positions:
                    found.append((arg, taint))
                position += 1
        return found

    def _sink(self, kind: str, node: cst.Call, template: str, taint: frozenset[Origin],
              written: cst.CSTNode | None = None) -> None:
        if taint:
            self._record(kind, node, self.model, template, node.func if written is None else written, taint)

    def _sinks(self, node: cst.Call, qualified: str | None, method: str | None,
               receiver: frozenset[Origin], args: list[frozenset[Origin]], state: State) -> None:
        if not receiver and not any(args):
            return
        self._sql_sinks(node, qualified, method, args, state)
        self._shell_sinks(node, qualified, args, state)
        self._code_sinks(node, qualified, args)
        self._path_sinks(node, qualified, method, receiver, args)
        self._url_sinks(node, qualified, method, args)
        for arg, taint in zip(node.args, args):
            if arg.keyword is not None and arg.keyword.value in tc.DYNAMODB_EXPRESSION_KEYS:
                self._sink(tc.DYNAMODB, node, f"the `{arg.keyword.value}` of `{{call}}`", taint)

    def _sql_sinks(self, node: cst.Call, qualified: str | None, method: str | None,
                   args: list[frozenset[Origin]], state: State) -> None:
        spec = tc.SQL_TEXT_FUNCTIONS.get(qualified or "")
        if spec is None and method is not None:
            spec = tc.SQL_TEXT_METHODS.get(method)
            if spec is not None and not self._database_receiver(node, qualified, method):
                spec = None
        if spec is not None:
            taint = _union(t for _, t in self._args(node, args, spec))
            self._sink(tc.SQL, node, "the SQL text of `{call}`", taint)
        if method in tc.SQL_AWS_OPERATIONS:
            keywords = tc.SQL_AWS_OPERATIONS[method]
            taint = _union(t for a, t in zip(node.args, args) if a.keyword is not None and a.keyword.value in keywords)
            self._sink(tc.SQL, node, "the SQL text of `{call}`", taint)
        if method in tc.SQL_AWS_NESTED:
            outer, key = tc.SQL_AWS_NESTED[method]
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == outer:
                    taint = _union(self._eval(value, state) for value in _dict_values(arg.value, key))
                    self._sink(tc.SQL, node, "the SQL text of `{call}`", taint)

    def _database_receiver(self, node: cst.Call, qualified: str | None, method: str) -> bool:
        """Whether `x.execute(...)` runs SQL: `x` is an object of a known SQL library,
        or one whose type the model cannot see, but not an object of one of the project's
        own classes (a command object's `execute`), whose method the analysis follows
        into instead."""
        project = self.project
        if project is not None and project.call_targets(self.model, node, self.function):
            return False  # the project's own method: its body is analysed like any other
        root = qualified.partition(".")[0] if qualified else ""
        if root in tc.SQL_PACKAGES:
            return True
        if root in tc.NON_SQL_EXECUTE_PACKAGES:
            return False
        receiver = node.func.value  # type: ignore[attr-defined]
        if project is not None and qualified and root in project.module_heads \
                and project.names_class_instance(self.model, qualified):
            return False
        own = self._own_class_method(receiver, method)
        if own is not None:
            return own
        if method in self.engine.project_methods():
            return bool(tc.SQL_RECEIVER_NAME.search(_last_name(receiver)))
        return True

    def _own_class_method(self, receiver: cst.BaseExpression, method: str) -> bool | None:
        """`self.execute(...)` in a method of a project class: False when the class (or a
        base in this module) defines it or derives from nothing outside the project, True
        when a base is a known SQL library's class, None when this cannot be told."""
        function = self.function
        positional = function.positional_params()
        if function.class_name is None or not isinstance(receiver, cst.Name) or not positional \
                or receiver.value != positional[0].name:
            return None
        classes = self.model.summary.classes
        cls = classes.get(function.class_name.rsplit(".", 1)[-1])
        if cls is None:
            return None
        seen: set[str] = set()
        pending = [cls]
        while pending:
            current = pending.pop()
            if current.name in seen:
                continue
            seen.add(current.name)
            if method in current.methods:
                return False
            for base in current.bases:
                local = classes.get(base.value) if isinstance(base, cst.Name) else None
                if local is not None:
                    pending.append(local)
                    continue
                base_name = self.model.qualify(base, None) or ""
                if base_name.partition(".")[0] in tc.SQL_PACKAGES:
                    return True
                if base_name != "builtins.object":
                    return None
        return False

    def _shell_sinks(self, node: cst.Call, qualified: str | None, args: list[frozenset[Origin]],
                     state: State) -> None:
        if qualified is None:
            return
        spec = tc.SHELL_COMMAND_CALLS.get(qualified)
        if spec is not None:
            taint = _union(t for _, t in self._args(node, args, spec))
            self._sink(tc.SHELL, node, "the shell command of `{call}`", taint)
            return
        if qualified in tc.SUBPROCESS_CALLS:
            found = self._args(node, args, tc.SUBPROCESS_ARGS)
            if not found:
                return
            arg, taint = found[0]
            if self._shell_true(node):
                self._sink(tc.SHELL, node, "the shell command of `{call}` (`shell=True`)", taint)
            else:
                self._program_sink(node, arg.value, taint, state)
            return
        spec = tc.PROGRAM_CALLS.get(qualified)
        if spec is not None:
            taint = _union(t for _, t in self._args(node, args, spec))
            self._sink(tc.SHELL, node, "the program `{call}` runs", taint)
            return
        spec = tc.ARGV_CALLS.get(qualified)
        if spec is not None:
            for arg, taint in self._args(node, args, spec):
                self._program_sink(node, arg.value, taint, state)

    @staticmethod
    def _shell_true(node: cst.Call) -> bool:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == tc.SHELL_KEYWORD:
                return isinstance(arg.value, cst.Name) and arg.value.value == "True"
        return False

    def _program_sink(self, node: cst.Call, expr: cst.BaseExpression, taint: frozenset[Origin],
                      state: State) -> None:
        """Event data that decides what runs: the first item of an argument list, a
        shell's `-c` script, or a whole command string (run as a program name)."""
        sequence = self._sequence_literal(expr)
        if sequence is None:
            if self._is_string(expr) or self._is_read(expr) or self._splits_read(expr):
                self._sink(tc.SHELL, node, "the command of `{call}`", taint)
            return
        elements = sequence.elements
        if not elements or isinstance(elements[0], cst.StarredElement):
            return
        self._sink(tc.SHELL, node, "the program `{call}` runs", self._eval(elements[0].value, state))
        program = string_value(elements[0].value)
        if program is not None and program.rsplit("/", 1)[-1] in tc.SHELL_PROGRAMS:
            flags = [string_value(e.value) for e in elements]
            script = next((i for i, f in enumerate(flags) if f in tc.SHELL_SCRIPT_FLAGS), None)
            if script is not None:
                taint = _union(self._eval(e.value, state) for e in elements[script + 1:])
                shown = program.replace("{", "{{").replace("}", "}}")
                self._sink(tc.SHELL, node, f"the `{shown} -c` script of `{{call}}`", taint)

    def _code_sinks(self, node: cst.Call, qualified: str | None, args: list[frozenset[Origin]]) -> None:
        if qualified is None:
            return
        spec = tc.CODE_CALLS.get(qualified)
        if spec is not None:
            taint = _union(t for _, t in self._args(node, args, spec))
            self._sink(tc.CODE, node, "`{call}`", taint)
        elif qualified in tc.YAML_LOAD_CALLS:
            loader = self._args(node, args, tc.YAML_LOADER)
            if loader and self.model.qualify(loader[0][0].value, self.function) in tc.YAML_SAFE_LOADERS:
                return
            taint = _union(t for _, t in self._args(node, args, tc.YAML_STREAM))
            self._sink(tc.CODE, node, "`{call}` without a safe loader", taint)

    def _path_sinks(self, node: cst.Call, qualified: str | None, method: str | None,
                    receiver: frozenset[Origin], args: list[frozenset[Origin]]) -> None:
        spec = tc.PATH_CALLS.get(qualified or "")
        if spec is not None:
            taint = _union(t for _, t in self._args(node, args, spec))
            self._sink(tc.PATH, node, "the path of `{call}`", taint)
            return
        func = node.func
        if method in tc.PATH_OBJECT_METHODS and receiver and isinstance(func, cst.Attribute) \
                and self._is_path_object(func.value):
            self._sink(tc.PATH, node, "the path of `{call}`", receiver)
            return
        if method in tc.S3_FILE_TRANSFERS:
            named = [t for a, t in zip(node.args, args) if a.keyword is not None
                     and a.keyword.value == tc.S3_FILENAME_KEYWORD]
            positional = [t for a, t in zip(node.args, args) if a.keyword is None and not a.star]
            if named:
                taint = named[0]
            elif not positional or len(positional) > 3:
                taint = EMPTY
            elif tc.S3_FILE_TRANSFERS[method] == "upload":
                taint = positional[0]
            else:
                taint = positional[-1]
            self._sink(tc.PATH, node, "the local file of `{call}`", taint)

    def _url_sinks(self, node: cst.Call, qualified: str | None, method: str | None,
                   args: list[frozenset[Origin]]) -> None:
        spec = tc.URL_CALLS.get(qualified or "")
        if spec is None and method in tc.URL_CLIENT_METHODS and isinstance(node.func, cst.Attribute) \
                and self._is_http_client(node.func.value):
            spec = tc.URL_CLIENT_METHODS[method]
        if spec is not None:
            taint = _union(t for _, t in self._args(node, args, spec))
            self._sink(tc.URL, node, "the URL of `{call}`", taint)


_DISPATCH: dict[type, Callable[[_FunctionAnalysis, cst.CSTNode, State], frozenset[Origin]]] = {
    cst.Name: _FunctionAnalysis._name,
    cst.Attribute: _FunctionAnalysis._attribute,
    cst.Subscript: _FunctionAnalysis._subscript,
    cst.Call: _FunctionAnalysis._call,
    cst.BinaryOperation: _FunctionAnalysis._binary,
    cst.UnaryOperation: _FunctionAnalysis._unary,
    cst.BooleanOperation: _FunctionAnalysis._boolean,
    cst.Comparison: _FunctionAnalysis._comparison,
    cst.IfExp: _FunctionAnalysis._ifexp,
    cst.FormattedString: _FunctionAnalysis._formatted,
    cst.ConcatenatedString: _FunctionAnalysis._concatenated,
    cst.List: _FunctionAnalysis._sequence,
    cst.Tuple: _FunctionAnalysis._sequence,
    cst.Set: _FunctionAnalysis._sequence,
    cst.Dict: _FunctionAnalysis._dict,
    cst.ListComp: _FunctionAnalysis._comprehension,
    cst.SetComp: _FunctionAnalysis._comprehension,
    cst.GeneratorExp: _FunctionAnalysis._comprehension,
    cst.DictComp: _FunctionAnalysis._comprehension,
    cst.Await: _FunctionAnalysis._await,
    cst.Yield: _FunctionAnalysis._yield,
    cst.NamedExpr: _FunctionAnalysis._named,
    cst.StarredElement: _FunctionAnalysis._starred,
}  # type: ignore[dict-item]


# -- small helpers -------------------------------------------------------------------------


def _path(node: cst.CSTNode) -> str | None:
    """The state key of an expression that names a value: `x`, `self.sql`,
    `body["order"]`, and `body.get("order")` (the same value), else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _path(node.value)
        return f"{base}.{node.attr.value}" if base else None
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        index = node.slice[0].slice.value
        literal = string_value(index) if not isinstance(index, cst.Integer) else int(index.value, 0)
        base = _path(node.value)
        return f"{base}[{literal!r}]" if base and literal is not None else None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" \
            and len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star:
        literal = string_value(node.args[0].value)
        base = _path(node.func.value)
        return f"{base}[{literal!r}]" if base and literal is not None else None
    return None


def _set(state: State, key: str, taint: frozenset[Origin]) -> None:
    """A strong update of ``key``; paths below it (`key.x`, `key["y"]`) are stale now."""
    if any(k.startswith(key) and k[len(key):len(key) + 1] in (".", "[") for k in state):
        for stale in [k for k in state if k.startswith(key) and k[len(key):len(key) + 1] in (".", "[")]:
            del state[stale]
    state[key] = taint


def _target_keys(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, (cst.Name, cst.Attribute, cst.Subscript)):
        key = _path(target)
        return [key] if key else []
    if isinstance(target, (cst.Tuple, cst.List)):
        return [k for e in target.elements for k in _target_keys(e.value)]
    return []


def _add_leaves(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    leaves: list[cst.BaseExpression] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Add):
            stack.append(current.right)
            stack.append(current.left)
        else:
            leaves.append(current)
    return leaves


def _is_literal(node: cst.CSTNode) -> bool:
    if isinstance(node, _LITERALS):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return string_value(node) is not None
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return isinstance(node.expression, (cst.Integer, cst.Float))
    return False


def _is_none(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _names_in_args(call: cst.Call) -> list[str]:
    names: list[str] = []
    stack: list[cst.CSTNode] = [a.value for a in call.args]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.append(current.value)
        elif isinstance(current, (cst.List, cst.Tuple)):
            stack.extend(e.value for e in current.elements)
    return names


def _dict_values(expr: cst.CSTNode, key: str) -> list[cst.BaseExpression]:
    """Values under ``key`` in the dict literals of a (nested) literal."""
    found: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [expr]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Dict):
            for element in current.elements:
                if isinstance(element, cst.DictElement):
                    if string_value(element.key) == key:
                        found.append(element.value)
                    else:
                        stack.append(element.value)
        elif isinstance(current, (cst.List, cst.Tuple)):
            stack.extend(e.value for e in current.elements)
    return found


def _capture_names(pattern: cst.MatchPattern) -> list[str]:
    names: list[str] = []
    stack: list[cst.CSTNode] = [pattern]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.MatchAs, cst.MatchStar)) and isinstance(current.name, cst.Name):
            names.append(current.name.value)
        elif isinstance(current, cst.MatchMapping) and isinstance(current.rest, cst.Name):
            names.append(current.rest.value)
        stack.extend(children(current))
    return names


def _literal_pattern(pattern: cst.MatchPattern) -> bool:
    if isinstance(pattern, cst.MatchValue):
        return _is_literal(pattern.value) or isinstance(pattern.value, cst.Attribute)
    if isinstance(pattern, cst.MatchSingleton):
        return True
    if isinstance(pattern, cst.MatchOr):
        return all(_literal_pattern(p.pattern) for p in pattern.patterns)
    return False
