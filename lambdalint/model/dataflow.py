"""One dataflow engine: where a value comes from, across functions and modules.

Several questions the rules ask have the same shape: "what does this value carry?"
Is it derived from the event or from STS credentials (`lambdalint.model.labels`),
does it show a secret (LAM405), where do these credentials come from (LAM406), is
it the whole event (LAM801), which key path of the event was it read at (LAM602,
LAM601, LAM607). An analysis answers it by saying three things, and this engine
does the rest, the same way for all of them:

- ``expr``: the facts an expression carries, from the facts of what it reads
  (its transfer function; it asks the engine for names and calls through
  `name` and `called`);
- ``parameter``: what a parameter holds on entry. `arguments` gives what the
  calls in invocation scope pass it (arguments bound to parameters the way
  Python binds them, `bind_arguments`), for analyses that follow values into
  the functions they are passed to; others name the parameter itself;
- ``seed``: facts that entry points' parameters hold (the event).

The engine finds what a name is bound to: the function's own assignments
(flow-insensitively; at one read, only the assignments that reach it, with
`lambdalint.model.reaching`), loop targets (``iteration``), enclosing
functions, module-level assignments, `global` writes in functions, names
imported from other modules of the project (re-exports followed,
`CallGraph.binding_site`), and the values project functions return, through
the project's call resolution (`CallGraph.call_targets`), in whatever module
they are defined.

Facts are frozensets, joined by union. Each fact about a function or module
(what a local name, a parameter or a return value carries, what a module-level
name holds) is a cell, computed the first time it is asked and kept; a cell that
reads itself through a cycle (recursion, `x = f(x)`, mutually recursive helpers)
is computed again from the others' new values until nothing changes (at most
``_MAX_ROUNDS`` times: a monotone analysis over a finite tree is done long before).
An analysis is computed once per project and kept there (`analysis_for`), so
every file that asks shares the same cells.

The solver is `Cells`, which `Dataflow` extends; it is the only fixpoint of the
model and the rules. The analyses on it: the labels (`labels`), the record names
and whole-event parameters of event profiles (`event_sources.RecordFlow`,
`EventRoots`), the event key paths of LAM601/LAM602 (`rules/_events.EventPath`),
the secrets flows of LAM405/LAM406 (`rules/_secrets`), the whole-event flow of
LAM801 (`rules/_logging`), and taint's function summaries (`taint.TaintEngine`,
whose values are summaries rather than sets: a subclass says how its values
start, `bottom`, and change, `join`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Hashable, Iterable, Sequence, TypeVar

import libcst as cst

from lambdalint.model.module import ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.reaching import Reaching, reaching
from lambdalint.model.summary import FunctionInfo, target_names
from lambdalint.walk import children

Facts = frozenset
EMPTY: frozenset = frozenset()
_MAX_ROUNDS = 16  # recomputations of one cell
# Cell kinds.
_ASSIGNED, _PARAM, _RETURN, _MODULE = "assigned", "param", "return", "module"

D = TypeVar("D", bound="Dataflow")


def analysis_for(project: CallGraph, cls: type[D], *key: Hashable) -> D:
    """The project's instance of a dataflow analysis (``key``: what else it depends on,
    passed to its constructor), built on first use and kept in the project."""
    return project.analysis((cls, key), lambda: cls(project, *key))


class Cells:
    """The solver under every analysis: cells computed on demand and kept.

    A cell is a key and its equation (an unbound method and its arguments). Asked
    for the first time (`cell`), it is computed; a cell its equation reads is
    recorded as an influence, and when a cell's value changes, the cells it
    influences are computed again, so that a cell that reads itself through a cycle
    ends with the cycle's fixpoint (each cell changes at most ``_MAX_ROUNDS``
    times). Values start at `bottom` and change by `join`: by default frozensets of
    facts that only grow; an analysis with other values (taint's function
    summaries) says how its values start and change."""

    def __init__(self) -> None:
        self._values: dict[tuple, object] = {}
        # key -> (an unbound method of the class, its arguments): no closure or bound
        # method, which would point back at the analysis and leave it, and the trees it
        # holds, to the cyclic garbage collector once the project lets go of it.
        self._equations: dict[tuple, tuple[Callable[..., object], tuple]] = {}
        self._influences: dict[tuple, set[tuple]] = {}
        self._stable: set[tuple] = set()
        self._rounds: dict[tuple, int] = defaultdict(int)
        self._current: tuple | None = None

    def bottom(self, key: tuple) -> object:
        """What a cell holds before it is computed (and what a cycle first reads)."""
        return EMPTY

    def join(self, old: object, new: object) -> object | None:
        """A cell's value once its equation gave ``new``; None when it did not change."""
        return None if new <= old else old | new  # type: ignore[operator]

    def cell(self, key: tuple, method: Callable[..., object], args: tuple) -> object:
        """The value of the cell ``key``, whose equation is ``method(self, *args)``."""
        if key not in self._equations:
            self._equations[key] = (method, args)
        return self._get(key)

    def _enter_cell(self) -> object:
        """Called before an equation runs: what `_leave_cell` restores after it."""
        return None

    def _leave_cell(self, saved: object) -> None:
        return None

    def _get(self, key: tuple) -> object:
        if key not in self._values:
            self._values[key] = self.bottom(key)
            self._solve(key)
        # The reader depends on the cell from now on; changes made while the cell was
        # first computed need not reach it, since it reads the value they left.
        current = self._current
        if current is not None:
            self._influences.setdefault(key, set()).add(current)
        return self._values[key]

    def _solve(self, key: tuple) -> None:
        if key in self._stable:
            return
        self._stable.add(key)
        saved, context = self._current, self._enter_cell()
        self._current = key
        method, args = self._equations[key]
        try:
            new = method(self, *args)
        finally:
            self._current = saved
            self._leave_cell(context)
        changed = self.join(self._values[key], new)
        if changed is None:
            return
        self._values[key] = changed
        self._rounds[key] += 1
        if self._rounds[key] > _MAX_ROUNDS:
            return
        influenced = self._influences.pop(key, ())
        for other in influenced:
            self._stable.discard(other)
        for other in influenced:
            self._solve(other)


class Dataflow(Cells):
    """A dataflow analysis over one project. Subclasses define ``expr`` and may
    define ``parameter``, ``iteration``, ``tracks``, ``local`` and ``module_name``."""

    # Whether loop variables get what ``iteration`` says of their loop; an analysis
    # that gives every name a loop binds what its iterable carries sets it to False
    # (and the engine never looks for the function's loops).
    splits_loops = True

    def __init__(self, project: CallGraph) -> None:
        super().__init__()
        self.project = project
        self._assigned_index: dict[int, dict[str, list[cst.BaseExpression]]] = {}
        self._loops: dict[int, dict[int, cst.BaseExpression]] = {}
        self._module_values: dict[int, dict[str, list[cst.BaseExpression]]] = {}
        self._callers: dict[int, list[tuple[ModuleModel, FunctionInfo, cst.Call, bool]]] | None = None
        self._reaching_cache: dict = {}
        self._reassigned: dict[tuple[int, str], bool] = {}
        # (model, function, ancestors) while `facts` answers for one read.
        self._at: tuple[ModuleModel, FunctionInfo, Sequence[cst.CSTNode]] | None = None
        # How deep an analysis's own recursion is (for analyses that bound it); a cell
        # is always computed from 0, so that no cell keeps a cut-short answer.
        self._depth = 0

    # -- what analyses define ------------------------------------------------------

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> frozenset:
        """The facts ``node`` (an expression of ``model``, read in ``function``) carries."""
        raise NotImplementedError

    def parameter(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        """What a parameter holds on entry: by default nothing (see `arguments`)."""
        return EMPTY

    def iteration(self, model: ModuleModel, iterable: cst.BaseExpression, target: cst.BaseExpression,
                  function: FunctionInfo) -> dict[str, frozenset]:
        """Facts of loop variables: by default each gets what the iterable carries."""
        facts = self.expr(model, iterable, function)
        return {name: facts for name in target_names(target)}

    def tracks(self, model: ModuleModel, function: FunctionInfo) -> bool:
        """Whether the analysis looks inside ``function`` (by default every function)."""
        return True

    # -- the questions rules ask -------------------------------------------------------

    def facts(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None,
              at: Sequence[cst.CSTNode] | None = None) -> frozenset:
        """What an expression carries (nothing when the code is nested too deeply to
        follow). With ``at``, the ancestors of the place it is read (from the module
        down), a local name it reads holds only the values that can reach that place:
        `token = "***"` before `print(token)` leaves nothing secret to print."""
        saved = self._at
        self._at = (model, function, at) if at is not None and function is not None else None
        try:
            return self.expr(model, node, function)
        except RecursionError:
            return EMPTY
        finally:
            self._at = saved

    # -- the engine --------------------------------------------------------------------

    def union(self, model: ModuleModel, nodes: Iterable[cst.CSTNode], function: FunctionInfo | None) -> frozenset:
        found: set = set()
        for node in nodes:
            found |= self.expr(model, node, function)
        return frozenset(found)

    def name(self, model: ModuleModel, name: str, function: FunctionInfo | None) -> frozenset:
        """What a name read in ``function`` (None: at module level) holds."""
        at = self._at
        if at is not None and function is at[1] and model is at[0] and self._is_reassigned(function, name):
            found = reaching(function, name, at[2], self._reaching_cache)
            if found is not None:
                self._at = None  # the assigned values are looked at flow-insensitively
                try:
                    return self._reaching(model, function, name, found)
                finally:
                    self._at = at
        current = function
        while current is not None:
            found = self.local(model, current, name)
            if found is _BREAK:
                break
            if found is not None:
                return found
            current = current.parent
        return self.module_name(model, name)

    def local(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset | None:
        """What ``name`` holds as a name of ``function``: ``None`` when it is not one
        (look in the enclosing function), `_BREAK` for a `global` (a module-level name).
        A name assigned something that carries facts holds those; otherwise a parameter
        holds what `parameter` says, and any other local nothing."""
        scope = function.scope
        if name in scope.global_names:
            return _BREAK
        if self.tracks(model, function):
            assigned = self.assigned(model, function, name)
            if assigned:
                return assigned
            if name in function.param_names:
                return self.param(model, function, name)
        if name in scope.bindings:
            return EMPTY
        return None

    def assigned(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        """The union of what ``function`` assigns to ``name`` (a cell)."""
        values = self._assignments(function).get(name)
        if not values:
            return EMPTY
        key = (_ASSIGNED, id(function), name)
        if key not in self._equations:
            self._equations[key] = (Dataflow._assigned_equation, (model, function, name, values))
        return self._get(key)

    def _assigned_equation(self, model: ModuleModel, function: FunctionInfo, name: str,
                           values: list[cst.BaseExpression]) -> frozenset:
        loops = self._loop_targets(function) if self.splits_loops else {}
        found: set = set()
        for value in values:
            target = loops.get(id(value))
            if target is not None:
                found |= self.iteration(model, value, target, function).get(name, EMPTY)
            else:
                found |= self.expr(model, value, function)
        return frozenset(found)

    def param(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        """What a parameter holds on entry (a cell): `seed` and `parameter`."""
        key = (_PARAM, id(function), name)
        if key not in self._equations:
            self._equations[key] = (Dataflow._param_equation, (model, function, name))
        return self._get(key)

    def _param_equation(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        return self.parameter(model, function, name)

    def returns(self, model: ModuleModel, function: FunctionInfo) -> frozenset:
        """What a function returns (a cell)."""
        if not function.returns or not self.tracks(model, function):
            return EMPTY
        key = (_RETURN, id(function))
        if key not in self._equations:
            self._equations[key] = (Dataflow._return_equation, (model, function))
        return self._get(key)

    def _return_equation(self, model: ModuleModel, function: FunctionInfo) -> frozenset:
        return self.union(model, function.returns, function)

    def called(self, model: ModuleModel, call: cst.Call, function: FunctionInfo | None) -> frozenset | None:
        """What the project functions a call reaches return; None when it reaches none."""
        targets = self.project.call_targets(model, call, function)
        if not targets:
            return None
        found: set = set()
        for target_model, target, _bound in targets:
            found |= self.returns(target_model, target)
        return frozenset(found)

    def arguments(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        """What the calls made in invocation scope pass to parameter ``name`` of ``function``."""
        found: set = set()
        for caller_model, caller, call, bound in self._calls_of(function):
            for param, arg in bind_arguments(function, call, bound):
                if param == name:
                    found |= self.expr(caller_model, arg, caller)
        return frozenset(found)

    def module_name(self, model: ModuleModel, name: str) -> frozenset:
        """What a module-level name holds (a cell): its module-level assignments, what
        functions assign it under `global`, and what an imported name is bound to in
        its module."""
        key = (_MODULE, id(model), name)
        if key not in self._equations:
            self._equations[key] = (Dataflow._module_equation, (model, name))
        return self._get(key)

    def _module_equation(self, model: ModuleModel, name: str) -> frozenset:
        found: set = set()
        values = self._module_values.get(id(model))
        if values is None:
            values = self._module_values[id(model)] = module_assignments(model)
        for value in values.get(name, ()):
            found |= self.expr(model, value, None)
        for function in model.functions.values():
            if name in function.scope.global_names:
                found |= self.assigned(model, function, name)
        binding = model.summary.module_scope.bindings.get(name)
        if isinstance(binding, str):
            found |= self.imported(model, binding)
        return frozenset(found)

    def imported(self, model: ModuleModel, qualified: str) -> frozenset:
        """A module-level name of another project module (`from settings import TOKEN`,
        `settings.TOKEN`)."""
        found = self.imported_module(model, qualified)
        if found is None:
            return EMPTY
        return self.module_name(*found)

    def imported_module(self, model: ModuleModel, qualified: str) -> tuple[ModuleModel, str] | None:
        """The other project module, and its module-level name, that an imported name
        is bound in (re-exports followed)."""
        return _other_module(model, self.project.binding_site(model, qualified))

    @staticmethod
    def imported_node(model: ModuleModel, node: cst.BaseExpression,
                      function: FunctionInfo | None) -> tuple[ModuleModel, str] | None:
        """The same for an expression (`settings.TOKEN`, `shared.settings.TOKEN`)."""
        return _other_module(model, model.origin(node, function))

    # -- the solver ----------------------------------------------------------------------

    def _enter_cell(self) -> object:
        saved = self._at, self._depth
        self._at, self._depth = None, 0  # a cell never depends on where it is asked
        return saved

    def _leave_cell(self, saved: object) -> None:
        self._at, self._depth = saved  # type: ignore[misc]

    # -- indexes ---------------------------------------------------------------------------

    def _assignments(self, function: FunctionInfo) -> dict[str, list[cst.BaseExpression]]:
        index = self._assigned_index.get(id(function))
        if index is None:
            index = defaultdict(list)
            for names, value in function.assignments:
                for name in names:
                    index[name].append(value)
            self._assigned_index[id(function)] = index
        return index

    def _is_reassigned(self, function: FunctionInfo, name: str) -> bool:
        """Whether a name can hold different values in the function (assigned more than
        once, or a parameter assigned again): only then does the place of a read matter."""
        key = (id(function), name)
        found = self._reassigned.get(key)
        if found is None:
            count = len(self._assignments(function).get(name, ()))
            found = self._reassigned[key] = count > 1 or (count == 1 and name in function.param_names)
        return found

    def _reaching(self, model: ModuleModel, function: FunctionInfo, name: str, found: Reaching) -> frozenset:
        loops = self._loop_targets(function) if self.splits_loops else {}
        facts: set = set()
        for value in found.values:
            target = loops.get(id(value))
            if target is not None:
                facts |= self.iteration(model, value, target, function).get(name, EMPTY)
            else:
                facts |= self.expr(model, value, function)
        if found.from_entry and name in function.param_names:
            facts |= self.param(model, function, name)
        return frozenset(facts)

    def _loop_targets(self, function: FunctionInfo) -> dict[int, cst.BaseExpression]:
        """id(iterable) -> target of each `for` and comprehension in the function."""
        loops = self._loops.get(id(function))
        if loops is None:
            loops = {}
            stack: list[cst.CSTNode] = [function.node.body]
            while stack:
                node = stack.pop()
                if isinstance(node, (cst.For, cst.CompFor)):
                    loops[id(node.iter)] = node.target
                stack.extend(children(node))
            self._loops[id(function)] = loops
        return loops

    def _calls_of(self, function: FunctionInfo) -> list[tuple[ModuleModel, FunctionInfo, cst.Call, bool]]:
        """The calls in invocation scope that reach ``function`` (shared by the analyses
        of a project)."""
        if self._callers is None:
            project = self.project
            self._callers = project.analysis(_CALLERS, lambda: invocation_callers(project))
        return self._callers.get(id(function), [])


# A sentinel of `Dataflow.local`: the name is a `global` of the function.
_BREAK: frozenset = frozenset({object()})
_CALLERS = "dataflow: calls in invocation scope by callee"


def invocation_callers(project: CallGraph) -> dict[int, list[tuple[ModuleModel, FunctionInfo, cst.Call, bool]]]:
    """id(callee) -> (module, caller, call, bound) for every call of a function in
    invocation scope (nested functions included) that resolves to a project function."""
    found: dict[int, list[tuple[ModuleModel, FunctionInfo, cst.Call, bool]]] = defaultdict(list)
    for model in list(project.models):
        for function in model.functions.values():
            if not model.in_invocation_scope(function):
                continue
            for call in function.calls:
                for _target_model, target, bound in project.call_targets(model, call, function):
                    found[id(target)].append((model, function, call, bound))
    return found


def _other_module(model: ModuleModel, site: tuple[ModuleModel, str, str] | None) -> tuple[ModuleModel, str] | None:
    if site is None or site[2] or site[0] is model:
        return None
    return site[0], site[1]


def module_assignments(model: ModuleModel) -> dict[str, list[cst.BaseExpression]]:
    """Values assigned to plain names by module-level statements (also under `if`/`try`)."""
    found: dict[str, list[cst.BaseExpression]] = defaultdict(list)
    stack: list[cst.CSTNode] = list(model.module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                for name in target_names(target.target):
                    found[name].append(node.value)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            for name in target_names(node.target):
                found[name].append(node.value)
        elif isinstance(node, (cst.SimpleStatementLine, cst.If, cst.Else, cst.Try, cst.ExceptHandler,
                               cst.Finally, cst.With, cst.IndentedBlock, cst.SimpleStatementSuite)):
            stack.extend(children(node))
    return found


def bind_arguments(target: FunctionInfo, call: cst.Call, bound: bool,
                   exact: bool = False) -> list[tuple[str, cst.BaseExpression]]:
    """Which parameter of ``target`` each argument of ``call`` lands in, the way Python
    binds them (``bound``: the call goes through an instance, so `self` is taken).

    By default an argument that may land in several parameters (`*args`, `**kwargs`
    at the call) is paired with each of them, and `*args`/`**kwargs` parameters
    receive what lands in them. With ``exact``, only the pairs that are certain:
    plain positional and keyword arguments up to the first star, into named
    parameters."""
    positional = target.positional_params()
    if bound and positional:
        positional = positional[1:]
    if exact:
        names = {p.name for p in target.params if p.kind != "varargs" and p.kind != "varkw"}
        pairs: list[tuple[str, cst.BaseExpression]] = []
        index = 0
        for arg in call.args:
            if arg.star:
                break  # positions after a star are unknown
            if arg.keyword is not None:
                if arg.keyword.value in names:
                    pairs.append((arg.keyword.value, arg.value))
            elif index < len(positional):
                pairs.append((positional[index].name, arg.value))
                index += 1
        return pairs
    names = {p.name for p in target.params if p.kind in ("positional", "keyword-only")}
    varargs = next((p.name for p in target.params if p.kind == "varargs"), None)
    varkw = next((p.name for p in target.params if p.kind == "varkw"), None)
    pairs = []
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            keyword = arg.keyword.value
            if keyword in names:
                pairs.append((keyword, arg.value))
            elif varkw:
                pairs.append((varkw, arg.value))
        elif arg.star == "*":
            pairs.extend((p.name, arg.value) for p in positional[index:])
            if varargs:
                pairs.append((varargs, arg.value))
        elif arg.star == "**":
            pairs.extend((p.name, arg.value) for p in target.params if p.kind != "varargs")
        elif index < len(positional):
            pairs.append((positional[index].name, arg.value))
            index += 1
        elif varargs:
            pairs.append((varargs, arg.value))
    return pairs


def returned_values(project: CallGraph, model: ModuleModel, call: cst.Call,
                    function: FunctionInfo | None) -> list[tuple[ModuleModel, FunctionInfo, cst.BaseExpression]]:
    """The expressions the project functions a call reaches return (`return ...`), each
    with its module and function: a rule that traces a value back to how it was made
    continues there (`open_body(key).read()` with `open_body` in another module)."""
    found: list[tuple[ModuleModel, FunctionInfo, cst.BaseExpression]] = []
    for target_model, target, _bound in project.call_targets(model, call, function):
        found.extend((target_model, target, value) for value in target.returns)
    return found


def scope_binding(model: ModuleModel, function: FunctionInfo | None, name: str) -> object:
    """The expression last bound to a name visible in ``function`` (module level when
    None), looked up through enclosing functions to the module: what
    `FileContext.binding_of` answers, for code of any module."""
    scope = function.scope if function is not None else model.summary.module_scope
    while scope is not None:
        if name in scope.bindings:
            return scope.bindings[name]
        scope = scope.parent
    return None
