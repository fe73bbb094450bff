"""Which AWS service invokes a handler, recognised from how it reads its event.

Lambda tells a function nothing about its trigger, but the code does: an SQS
consumer reads `record["body"]`/`["messageId"]` from `event["Records"]`, a
stream consumer reads `record["kinesis"]` or `record["dynamodb"]`, an S3
consumer `record["s3"]`, an SNS subscriber `record["Sns"]`, and an HTTP
handler returns a dict with `statusCode`. Powertools says it outright with
event data classes (`@event_source(data_class=SQSEvent)`), parser models and
batch processors (`BatchProcessor(event_type=EventType.SQS)`).

The profile of an entry point covers the entry function, its nested
functions, and the project functions it passes event data to (or whose
result it returns), so a handler that loops over records and hands each one
to `process(record)` is recognised from the keys `process` reads. Which names
hold the record list or one record (through assignments, loops and the calls
between those functions) and which parameters the whole event (`process(event)`)
are analyses on the dataflow engine (`RecordFlow`, `EventRoots`;
`lambdalint.model.dataflow`) over the profile's functions, with no rounds of
their own. Rules share
the result through ``lambdalint.model.analyses.event_sources(...)`` (or the
rules' context); it is computed on first use and cached in the project, so files
whose rules never ask pay nothing.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Callable, Iterator, Union

import libcst as cst

from lambdalint.catalog import POWERTOOLS_PACKAGE
from lambdalint.catalog import events as ev
from lambdalint.literals import simple_value
from lambdalint.model.dataflow import EMPTY, Dataflow, bind_arguments, scope_binding
from lambdalint.model.labels import EVENT, expression_labels
from lambdalint.model.module import EntryPoint, ModuleModel
from lambdalint.model.project import CallGraph
from lambdalint.model.summary import FunctionInfo, dotted_name, target_names
from lambdalint.walk import children

_MAX_FUNCTIONS = 40  # functions one profile looks at
_MAX_DEPTH = 4  # calls followed from the entry point

Site = tuple["ModuleModel", FunctionInfo]
LoopNode = Union[cst.For, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp]


@dataclass(frozen=True, eq=False)
class RecordLoop:
    """A loop (or comprehension) over the event's records."""

    node: LoopNode
    model: ModuleModel
    function: FunctionInfo
    targets: frozenset[str]
    # Sources recognised from the fields the loop reads on each record (directly
    # or in the function it hands the record to); empty when nothing says.
    sources: frozenset[str]


@dataclass(eq=False)
class EventProfile:
    """What an entry point's code says about the event it receives."""

    entry: EntryPoint
    model: ModuleModel
    sources: frozenset[str] = frozenset()
    # source -> how we know, for messages ("reads `messageId` from its records").
    evidence: dict[str, str] = field(default_factory=dict)
    # Keys read on the event and values derived from it; keys read on records.
    event_keys: frozenset[str] = frozenset()
    record_keys: frozenset[str] = frozenset()
    record_loops: tuple[RecordLoop, ...] = ()
    # Uses Powertools batch processing (which reports partial failures itself).
    powertools_batch: bool = False
    # Builds a `batchItemFailures` response (in the entry point or a function
    # whose result it returns).
    reports_batch_failures: bool = False
    # How we know an HTTP caller (API Gateway, an ALB, a function URL) invokes it,
    # for messages; "" when nothing but its own `statusCode` responses says so (a
    # function called by another function or Step Functions may return those too).
    http_evidence: str = ""
    # Whether HTTP callers are all it has: its templates declare only HTTP events,
    # or its code declares an HTTP event type or answers through a Powertools
    # resolver. Reading request keys makes an HTTP caller likely, not certain.
    http_certain: bool = False
    # id(FunctionInfo) -> names holding the record list or one record.
    record_names: dict[int, set[str]] = field(default_factory=dict, repr=False)
    # Who invokes the function asynchronously or through an event source mapping
    # (a retried event: "S3", "EventBridge", "a schedule"...), and which synchronous
    # callers it answers ("API Gateway", "Cognito"...), each with how we know: from
    # the templates that deploy it, Powertools event classes, or keys only that
    # caller's events have. A `statusCode` response alone is no evidence either way.
    invokers: dict[str, str] = field(default_factory=dict)
    callers: dict[str, str] = field(default_factory=dict)

    # -- questions ------------------------------------------------------------

    def has(self, *sources: str) -> bool:
        return any(source in self.sources for source in sources)

    @property
    def answers_http(self) -> bool:
        """Known to answer API Gateway, an ALB or a function URL (by more than the
        shape of what it returns)."""
        return bool(self.http_evidence)

    @property
    def retried(self) -> bool:
        """Only asynchronous or event-source-mapping invokers are known: Lambda retries
        (or hands to a dead-letter queue or destination) what fails, and counts as
        processed what returns."""
        return bool(self.invokers) and not self.callers

    @property
    def reads_records(self) -> bool:
        """Reads `event["Records"]` (or a Powertools event's `records`)."""
        return ev.RECORDS_KEY in self.event_keys or bool(self.record_names_any())

    @property
    def record_sources(self) -> frozenset[str]:
        return self.sources & ev.RECORD_SOURCES

    @property
    def batch_sources(self) -> frozenset[str]:
        return self.sources & ev.BATCH_SOURCES

    def record_names_any(self) -> bool:
        return any(self.record_names.values())

    def describe(self, sources: frozenset[str] | None = None) -> str:
        """`SQS`, `Kinesis and DynamoDB Streams`: the sources, for messages."""
        chosen = sorted(self.sources if sources is None else sources, key=_SOURCE_ORDER.index)
        labels = [ev.SOURCE_LABELS[s] for s in chosen]
        if len(labels) <= 1:
            return "".join(labels)
        return ", ".join(labels[:-1]) + " and " + labels[-1]

    def is_records(self, expr: cst.BaseExpression, model: ModuleModel, function: FunctionInfo | None) -> bool:
        """True for the event's record list or one of its records (`event["Records"]`,
        `event["Records"][0]`, a loop variable over them, a parameter given one)."""
        return _is_records(self.record_names, model, function, expr)


_SOURCE_ORDER = [ev.SQS, ev.KINESIS, ev.DYNAMODB_STREAMS, ev.S3, ev.SNS, ev.API, ev.SECRETS_ROTATION,
                 ev.CUSTOM_RESOURCE, ev.CODEPIPELINE_JOB]
_STATUS_CODE_REASON = "returns a `statusCode` response"


# -- entry points and caching -------------------------------------------------------


def profile_for(model: ModuleModel, target: FunctionInfo | EntryPoint | None) -> EventProfile | None:
    """The profile of the entry point whose invocation runs ``target``.

    ``target`` is an entry point, or any function: then the entry point at the
    root of its invocation-scope chain (None when it is not in invocation scope).
    """
    if target is None:
        return None
    if isinstance(target, EntryPoint):
        return _entry_profile(model, target)
    profiles = _profiles(model)
    key = ("function", id(target))
    if key in profiles:
        return profiles[key]
    found = _root_entry(model, target)
    profile = _entry_profile(*found) if found is not None else None
    profiles[key] = profile
    return profile


def _profiles(model: ModuleModel) -> dict[tuple[str, int], EventProfile | None]:
    """The profiles computed so far, kept in the project (a model on its own keeps none)."""
    project = model.project
    if not isinstance(project, CallGraph):
        return {}
    return project.analysis(EventProfile, dict)


def _root_entry(model: ModuleModel, function: FunctionInfo) -> tuple[ModuleModel, EntryPoint] | None:
    for current in function.enclosing():
        entry = model.entry_point_for(current)
        if entry is not None:
            return model, entry
    project = model.project
    if not isinstance(project, CallGraph):
        return None
    reaching = project.entries_reaching(model, function)
    return reaching[0] if reaching else None


def _entry_profile(model: ModuleModel, entry: EntryPoint) -> EventProfile:
    profiles = _profiles(model)
    key = ("entry", id(entry.function))
    cached = profiles.get(key)
    if cached is None:
        cached = _Analysis(model, entry).run()
        profiles[key] = cached
    return cached


# -- the analysis -----------------------------------------------------------------------


class _Analysis:
    def __init__(self, model: ModuleModel, entry: EntryPoint) -> None:
        self.model = model
        self.entry = entry
        project = model.project
        self.project = project if isinstance(project, CallGraph) else None
        self.sources: dict[str, str] = {}
        self.event_keys: set[str] = set()
        self.record_keys: set[str] = set()
        self.records: dict[int, set[str]] = {}
        self.powertools_batch = False
        self.reports_batch_failures = False
        self.http_evidence = ""
        self.http_certain = False
        self.invokers: dict[str, str] = {}
        self.callers: dict[str, str] = {}
        self.api_from_response = False
        self.roots: dict[int, set[str]] = {}
        self.root_keys: set[str] = set()  # keys read on the whole event

    def add(self, source: str, why: str) -> None:
        self.sources.setdefault(source, why)

    def add_http(self, why: str, certain: bool) -> None:
        """An HTTP caller: `certain` when the code or template declares it."""
        self.add(ev.API, why)
        if not self.http_evidence or (certain and not self.http_certain):
            self.http_evidence = why
        self.http_certain = self.http_certain or certain

    def run(self) -> EventProfile:
        sites, responders = self._region()
        self.records = {id(f): set() for _, f in sites}
        self._record_names(sites)
        self._template_declarations()
        self._entry_declarations()
        self.roots = self._roots(sites)
        for model, function in sites:
            self._reads(model, function)
            self._calls(model, function)
        for model, function in responders:
            self._responses(model, function)
        if {ev.ROTATION_STEP_KEY, ev.ROTATION_TOKEN_KEY} <= self.event_keys:
            self.add(ev.SECRETS_ROTATION, f"reads `{ev.ROTATION_STEP_KEY}` and `{ev.ROTATION_TOKEN_KEY}` "
                                          "from the event")
        if ev.CUSTOM_RESOURCE_KEY in self.event_keys or ev.CUSTOM_RESOURCE_KEY_PAIR <= self.event_keys:
            self.add(ev.CUSTOM_RESOURCE, "reads a custom resource request from the event")
        if ev.CODEPIPELINE_JOB_KEY in self.event_keys:
            self.add(ev.CODEPIPELINE_JOB, f"reads `{ev.CODEPIPELINE_JOB_KEY}` from the event")
        loops = tuple(loop for model, function in sites for loop in self._loops(model, function))
        record_sources = frozenset(s for s in self.sources if s in ev.RECORD_SOURCES)
        loops = tuple(
            loop if loop.sources or loop.function is not self.entry.function
            else RecordLoop(loop.node, loop.model, loop.function, loop.targets, record_sources)
            for loop in loops
        )
        self._invocation()
        return EventProfile(
            entry=self.entry,
            model=self.model,
            sources=frozenset(self.sources),
            evidence=dict(self.sources),
            event_keys=frozenset(self.event_keys),
            record_keys=frozenset(self.record_keys),
            record_loops=loops,
            powertools_batch=self.powertools_batch,
            reports_batch_failures=self.reports_batch_failures,
            record_names=self.records,
            http_evidence=self.http_evidence,
            http_certain=self.http_certain,
            invokers=self.invokers,
            callers=self.callers,
        )

    # -- how it is invoked ----------------------------------------------------------------

    def _invocation(self) -> None:
        # The HTTP callers a template declares are named by their kind below; the API
        # source they also add (`_template_declarations`) is not a caller of its own.
        declared_http = any(getattr(s, "kind", None) in ev.HTTP_TEMPLATE_KINDS for s in self.entry.declared)
        for source in self.entry.declared:
            label = ev.TEMPLATE_KIND_LABELS.get(source.kind, source.kind)
            why = f"{source.name} in {source.where.describe()}"
            if source.invocation in ("async", "poll"):
                self.invokers.setdefault(label, why)
            elif source.invocation == "sync":
                self.callers.setdefault(label, why)
        for source, why in self.sources.items():
            if source in ev.RECORD_SOURCE_INVOCATION:
                self.invokers.setdefault(ev.SOURCE_LABELS[source], why)
            elif source == ev.API and not declared_http \
                    and not (self.api_from_response and why == _STATUS_CODE_REASON):
                self.callers.setdefault(ev.SOURCE_LABELS[source], why)
        for key in self.root_keys:
            if key in ev.ASYNC_EVENT_KEYS:
                self.invokers.setdefault(ev.ASYNC_EVENT_KEYS[key], f"reads `{key}` from the event")
            elif key in ev.SYNC_EVENT_KEYS:
                self.callers.setdefault(ev.SYNC_EVENT_KEYS[key], f"reads `{key}` from the event")

    def _roots(self, sites: list[Site]) -> dict[int, set[str]]:
        """Names holding the whole event: the entry point's event parameter, and the
        parameter of a function it hands the whole event to (unless reassigned)."""
        positional = self.entry.function.positional_params()
        if self.entry.kind != "handler" or not positional:
            return {}
        flow = EventRoots(self.project, self.entry, sites)
        roots: dict[int, set[str]] = {}
        for model, function in sites:
            try:
                names = {name for name in function.param_names if flow.param(model, function, name)}
            except RecursionError:  # code nested too deeply to follow
                continue
            if names:
                roots[id(function)] = names - {n for targets, _ in function.assignments for n in targets}
        return roots

    # -- which functions --------------------------------------------------------------

    def _region(self) -> tuple[list[Site], list[Site]]:
        """Functions that see the event (entry, nested, callees given event data) and
        functions whose results the entry point returns."""
        sites: list[Site] = []
        responders: list[Site] = []
        seen: set[int] = set()
        queue: deque[tuple[ModuleModel, FunctionInfo, int, bool]] = deque(
            [(self.model, self.entry.function, 0, True)]
        )
        while queue and len(sites) < _MAX_FUNCTIONS:
            model, function, depth, responds = queue.popleft()
            if id(function) in seen:
                continue
            seen.add(id(function))
            sites.append((model, function))
            if responds:
                responders.append((model, function))
            for inner in function.nested:
                queue.append((model, inner, depth, False))
            if self.project is None or depth >= _MAX_DEPTH:
                continue
            returned = _returned_calls(function)
            for call in function.calls:
                gives_event = any(EVENT in expression_labels(model, arg.value, function) for arg in call.args)
                if not gives_event and id(call) not in returned:
                    continue
                for target_model, target, _ in self.project.call_targets(model, call, function):
                    queue.append((target_model, target, depth + 1, responds and id(call) in returned))
        return sites, responders

    def _record_names(self, sites: list[Site]) -> None:
        """The names holding the record list or one record, per function of the region:
        an analysis on the dataflow engine (`RecordFlow`), read back into a table."""
        flow = RecordFlow(self.project, self.entry, sites)
        for model, function in sites:
            table = self.records[id(function)]
            for name in [*flow.assigned_names(function), *function.param_names]:
                try:
                    if name not in table and flow.local(model, function, name):
                        table.add(name)
                except RecursionError:  # code nested too deeply to follow
                    continue

    # -- what the code says ------------------------------------------------------------------

    def _template_declarations(self) -> None:
        """Event sources the templates that deploy the entry function declare."""
        kinds = {getattr(source, "kind", None) for source in self.entry.declared}
        if kinds & ev.ROTATION_TEMPLATE_KINDS:
            self.add(ev.SECRETS_ROTATION, "its template lets Secrets Manager invoke it")
        http = kinds & ev.HTTP_TEMPLATE_KINDS
        if http:
            shown = " and ".join(sorted(http))
            self.add_http(f"its template declares {'an' if shown[0] in 'AEIOU' else 'a'} {shown} event",
                          certain=kinds <= ev.HTTP_TEMPLATE_KINDS)

    def _entry_declarations(self) -> None:
        """Decorators and annotations of the entry function that name the event type."""
        model, function = self.model, self.entry.function
        for decorator in function.node.decorators:
            expr = decorator.decorator
            if (model.qualify(expr, None) or "").startswith(ev.CUSTOM_RESOURCE_HELPERS):
                # `@helper.create` of a `crhelper.CfnResource()`
                self.add(ev.CUSTOM_RESOURCE, "handles a custom resource request for `crhelper`")
            if isinstance(expr, cst.Call):
                self._batch_call(model, None, expr)
                for arg in expr.args:
                    if arg.keyword is not None and arg.keyword.value in ev.DATA_CLASS_KEYWORDS:
                        self._data_class(model, None, arg.value)
        positional = function.positional_params()
        if positional and positional[0].node is not None and positional[0].node.annotation is not None:
            self._data_class(model, None, positional[0].node.annotation.annotation)
        if self.entry.kind == "record-handler":
            registration = _record_handler_registration(model, function)
            if registration is not None:
                self._batch_call(model, *registration)

    def _data_class(self, model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression) -> bool:
        qualified = model.qualify(expr, function) or ""
        name = qualified.rsplit(".", 1)[-1]
        source = ev.DATA_CLASS_SOURCES.get(name)
        if not qualified.startswith(ev.EVENT_TYPE_PACKAGES):
            return False
        if name in ev.ASYNC_DATA_CLASSES:
            self.invokers.setdefault(ev.ASYNC_DATA_CLASSES[name], f"uses the `{name}` event type")
        elif name in ev.SYNC_DATA_CLASSES or name.startswith(ev.SYNC_DATA_CLASS_PREFIXES):
            self.callers.setdefault(ev.SYNC_DATA_CLASSES.get(name, "Cognito"), f"uses the `{name}` event type")
        if source is None:
            return False
        if source == ev.API:
            self.add_http(f"uses the `{name}` event type", certain=True)
        else:
            self.add(source, f"uses the `{name}` event type")
        return True

    def _reads(self, model: ModuleModel, function: FunctionInfo) -> None:
        roots = self.roots.get(id(function), ())
        for node in own_nodes(function):
            if type(node) not in _READ_NODES:
                continue
            read = key_read(node)
            if read is not None:
                key, base = read
                if roots and isinstance(base, cst.Name) and base.value in roots:
                    self.root_keys.add(key)
                if _is_records(self.records, model, function, base):
                    self.record_keys.add(key)
                    source = ev.RECORD_FIELDS.get(key)
                    if source is not None:
                        self.add(source, f"reads `{key}` from its records")
                elif EVENT in expression_labels(model, base, function):
                    self.event_keys.add(key)
                    if key in ev.API_REQUEST_KEYS:
                        self.add_http(f"reads `{key}` from the event", certain=False)
            elif isinstance(node, cst.Attribute):
                source = ev.RECORD_ATTRIBUTES.get(node.attr.value)
                if source is not None and _is_records(self.records, model, function, node.value) \
                        and _is_element_holder(node.value):
                    self.add(source, f"reads `.{node.attr.value}` from its records")
            elif isinstance(node, cst.Comparison):
                self._source_comparison(model, function, node)

    def _source_comparison(self, model: ModuleModel, function: FunctionInfo, node: cst.Comparison) -> None:
        """`record["eventSource"] == "aws:sqs"`; `step == "createSecret"` (a rotation step)."""
        sides = [node.left, *(target.comparator for target in node.comparisons)]
        literals = [simple_value(s) for s in sides if isinstance(s, cst.SimpleString)]
        others = [s for s in sides if not isinstance(s, cst.SimpleString)]
        for literal in literals:
            if not isinstance(literal, str):
                continue
            source = ev.EVENT_SOURCE_IDS.get(literal)
            why = f'compares its event source with "{literal}"'
            if source is None and literal in ev.ROTATION_STEPS:
                source, why = ev.SECRETS_ROTATION, f'compares its event\'s step with "{literal}"'
            if source is not None and any(EVENT in expression_labels(model, o, function) for o in others):
                self.add(source, why)

    def _calls(self, model: ModuleModel, function: FunctionInfo) -> None:
        for call in function.calls:
            self._batch_call(model, function, call)
            gives_event = any(EVENT in expression_labels(model, arg.value, function) for arg in call.args)
            if gives_event:
                if not self._data_class(model, function, call.func):
                    for arg in call.args:
                        if arg.keyword is not None and arg.keyword.value in ev.DATA_CLASS_KEYWORDS:
                            self._data_class(model, function, arg.value)
                func = call.func
                if (model.qualify(func, function) or "").startswith(ev.CUSTOM_RESOURCE_HELPERS):
                    self.add(ev.CUSTOM_RESOURCE, "answers CloudFormation through a custom resource helper")
                if isinstance(func, cst.Attribute) and func.attr.value == "resolve":
                    owner = model.qualify(func.value, function) or ""
                    if owner.endswith("()") and owner[:-2].rsplit(".", 1)[-1] in ev.API_RESOLVERS:
                        self.add_http("answers through a Powertools HTTP resolver", certain=True)

    def _batch_call(self, model: ModuleModel, function: FunctionInfo | None, call: cst.Call) -> None:
        """Powertools batch processing, and the event type its processor declares."""
        func = call.func
        last = func.attr.value if isinstance(func, cst.Attribute) else dotted_name(func)
        qualified = model.qualify(func, function) or ""
        processor: cst.BaseExpression | None = None
        if last in ev.POWERTOOLS_BATCH_CALLS:
            for index, arg in enumerate(call.args):
                if (arg.keyword is not None and arg.keyword.value == "processor") or \
                        (arg.keyword is None and index == 2 and last.endswith("process_partial_response")):
                    processor = arg.value
            if processor is None and not qualified.startswith(POWERTOOLS_PACKAGE):
                return
            self.powertools_batch = True
        elif _processor_class(qualified.removesuffix(".process").removesuffix(".response")):
            # `processor(records, handler)` / `processor.process()` of a processor instance.
            self.powertools_batch = True
            processor = func.value if isinstance(func, cst.Attribute) else func
        if processor is not None:
            source = _processor_source(model, function, processor)
            if source is not None:
                self.add(source, "uses a Powertools batch processor for it")

    def _responses(self, model: ModuleModel, function: FunctionInfo) -> None:
        for node in own_nodes(function):
            if type(node) is cst.SimpleString and _may_be(node, ev.BATCH_ITEM_FAILURES) \
                    and simple_value(node) == ev.BATCH_ITEM_FAILURES:
                self.reports_batch_failures = True
        returned: list[cst.BaseExpression] = list(function.returns)
        names = {n for value in function.returns if isinstance(value, cst.Name) for n in [value.value]}
        returned += [value for targets, value in function.assignments if names.intersection(targets)]
        if any(isinstance(value, cst.Dict) and dict_key(value, ev.STATUS_CODE_KEY) is not None
               for value in returned):
            self.api_from_response = True
            self.add(ev.API, _STATUS_CODE_REASON)

    def _loops(self, model: ModuleModel, function: FunctionInfo) -> Iterator[RecordLoop]:
        for node in own_nodes(function):
            if type(node) not in _LOOP_NODES:
                continue
            if isinstance(node, cst.For):
                if _is_records(self.records, model, function, node.iter):
                    targets = frozenset(target_names(node.target))
                    yield RecordLoop(node, model, function, targets,
                                     self._fields(model, function, [node.body], targets))
            elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                comp = node.for_in
                if _is_records(self.records, model, function, comp.iter):
                    targets = frozenset(target_names(comp.target))
                    body: list[cst.CSTNode] = [node]
                    yield RecordLoop(node, model, function, targets,
                                     self._fields(model, function, body, targets))

    def _fields(self, model: ModuleModel, function: FunctionInfo, body: list[cst.CSTNode],
                targets: frozenset[str]) -> frozenset[str]:
        """Sources named by the fields read on the loop variables, here or one call deep."""
        found: set[str] = set()
        calls: list[cst.Call] = []
        for node in _walk(body):
            read = key_read(node)
            if read is not None and _root_name(read[1]) in targets:
                source = ev.RECORD_FIELDS.get(read[0]) if isinstance(read[1], cst.Name) else None
                if source is not None:
                    found.add(source)
            elif isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                    and node.value.value in targets:
                source = ev.RECORD_ATTRIBUTES.get(node.attr.value)
                if source is not None:
                    found.add(source)
            elif isinstance(node, cst.Comparison):
                sides = [node.left, *(t.comparator for t in node.comparisons)]
                if any(_root_name(s) in targets for s in sides):
                    for side in sides:
                        if isinstance(side, cst.SimpleString) and simple_value(side) in ev.EVENT_SOURCE_IDS:
                            found.add(ev.EVENT_SOURCE_IDS[simple_value(side)])
            if isinstance(node, cst.Call):
                calls.append(node)
        if self.project is None:
            return frozenset(found)
        for call in calls:
            if not any(isinstance(a.value, cst.Name) and a.value.value in targets for a in call.args):
                continue
            for target_model, target, bound in self.project.call_targets(model, call, function):
                params = frozenset(
                    param for param, arg in bind_arguments(target, call, bound)
                    if isinstance(arg, cst.Name) and arg.value in targets
                )
                if params:
                    found |= self._fields_in_callee(target, params)
        return frozenset(found)

    @staticmethod
    def _fields_in_callee(function: FunctionInfo, params: frozenset[str]) -> set[str]:
        found: set[str] = set()
        for node in own_nodes(function):
            if type(node) not in _READ_NODES:
                continue
            read = key_read(node)
            if read is not None and isinstance(read[1], cst.Name) and read[1].value in params:
                source = ev.RECORD_FIELDS.get(read[0])
                if source is not None:
                    found.add(source)
            elif isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                    and node.value.value in params:
                source = ev.RECORD_ATTRIBUTES.get(node.attr.value)
                if source is not None:
                    found.add(source)
        return found


# -- syntax helpers (shared with the LAM5xx/LAM6xx rules) -------------------------------------


def own_nodes(function: FunctionInfo) -> tuple[cst.CSTNode, ...]:
    """Every node of a function's body, not descending into nested `def`s and classes
    (`FunctionInfo.own_nodes`: walked once and kept)."""
    return function.own_nodes()


_SCOPES = (cst.FunctionDef, cst.ClassDef)


def _walk(roots: list[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    stack = list(roots)
    while stack:
        node = stack.pop()
        yield node
        for child in children(node):
            if type(child) not in _SCOPES:
                stack.append(child)


def _may_be(node: cst.SimpleString, value: str) -> bool:
    """False when the literal's text says it is not ``value`` without evaluating it (no
    escape, ASCII, and ``value`` not in it: `simple_value` would read it off the text)."""
    text = node.value
    return value in text or "\\" in text or not text.isascii()


def string_index(node: cst.Subscript) -> str | None:
    """The key of `x["key"]`, else None."""
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
        value = simple_value(index.value)
        return value if isinstance(value, str) else None
    return None


def key_read(node: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """(key, mapping) for `m["key"]`, `m.get("key", ...)` and `"key" in m`."""
    # Asked of every node of the functions profiles and rules look into: the exact
    # type first (LibCST's node classes have no subclasses; `isinstance` through their
    # abstract bases costs several times more).
    if type(node) not in _KEY_READS:
        return None
    if isinstance(node, cst.Subscript):
        key = string_index(node)
        return (key, node.value) if key is not None else None
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args \
                and node.args[0].keyword is None and isinstance(node.args[0].value, cst.SimpleString):
            key = simple_value(node.args[0].value)
            return (key, func.value) if isinstance(key, str) else None
        return None
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 \
            and isinstance(node.comparisons[0].operator, (cst.In, cst.NotIn)) \
            and isinstance(node.left, cst.SimpleString):
        key = simple_value(node.left)
        return (key, node.comparisons[0].comparator) if isinstance(key, str) else None
    return None


_KEY_READS = frozenset({cst.Subscript, cst.Call, cst.Comparison})
_READ_NODES = _KEY_READS | {cst.Attribute}  # the nodes `_Analysis._reads` looks at
_LOOP_NODES = frozenset({cst.For, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp})


def dict_key(node: cst.Dict, key: str) -> cst.DictElement | None:
    """The element of a dict display with the literal key ``key``."""
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) \
                and simple_value(element.key) == key:
            return element
    return None


def _root_name(expr: cst.BaseExpression) -> str | None:
    """`r` for `r`, `r["a"]["b"]`, `r.get("a")`, `r.a`."""
    while True:
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
            expr = expr.func.value
        else:
            return None


def _returned_calls(function: FunctionInfo) -> set[int]:
    """Calls whose result the function returns (directly or through a returned name)."""
    values = list(function.returns)
    names = {value.value for value in function.returns if isinstance(value, cst.Name)}
    values += [value for targets, value in function.assignments if names.intersection(targets)]
    found: set[int] = set()
    for value in values:
        for node in _walk([value]):
            if isinstance(node, cst.Call):
                found.add(id(node))
    return found


def _is_records(records: dict[int, set[str]], model: ModuleModel, function: FunctionInfo | None,
                expr: cst.BaseExpression) -> bool:
    """`_holds_records` with the names a profile's table says hold records."""
    def named(name: str) -> bool:
        current = function
        while current is not None:
            if name in records.get(id(current), ()):
                return True
            if name in current.scope.bindings:
                return False
            current = current.parent
        return False

    return _holds_records(model, function, expr, named)


def _holds_records(model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression,
                   named: Callable[[str], bool]) -> bool:
    """True for the event's record list or one of its records: `event["Records"]`, its
    `.get`, a Powertools event's `records`, an element of one, what a pass-through call
    (`list(...)`) returns of one, and a name ``named`` says holds one."""
    if isinstance(expr, cst.Name):
        return named(expr.value)
    if isinstance(expr, cst.Subscript):
        key = string_index(expr)
        if key == ev.RECORDS_KEY:
            return EVENT in expression_labels(model, expr.value, function)
        if key is None:
            return _holds_records(model, function, expr.value, named)
        return False
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and expr.args \
                and isinstance(expr.args[0].value, cst.SimpleString) \
                and simple_value(expr.args[0].value) == ev.RECORDS_KEY:
            return EVENT in expression_labels(model, func.value, function)
        if expr.args and model.qualify(func, function) in ev.RECORD_PASS_THROUGH:
            return _holds_records(model, function, expr.args[0].value, named)
        return False
    if isinstance(expr, cst.Attribute) and expr.attr.value in ev.RECORDS_ATTRIBUTES:
        return EVENT in expression_labels(model, expr.value, function)
    return False


_RECORDS: frozenset = frozenset({"records"})


class _RegionFlow(Dataflow):
    """An analysis on the dataflow engine over the region of one entry point
    (`_Analysis._region`): only the region's functions are looked into, and only their
    calls to each other followed; module-level names hold nothing of the event (it is
    per invocation)."""

    def __init__(self, project: CallGraph | None, sites: list[Site]) -> None:
        super().__init__(project)  # type: ignore[arg-type]
        self._region = {id(function) for _, function in sites}
        # id(callee) -> the calls the region's functions make to it.
        self._region_calls: dict[int, list[tuple[ModuleModel, FunctionInfo, cst.Call, bool]]] = defaultdict(list)
        if project is not None:
            for model, function in sites:
                for call in function.calls:
                    for _target_model, target, bound in project.call_targets(model, call, function):
                        if id(target) in self._region:
                            self._region_calls[id(target)].append((model, function, call, bound))

    def tracks(self, model: ModuleModel, function: FunctionInfo) -> bool:
        return id(function) in self._region

    def module_name(self, model: ModuleModel, name: str) -> frozenset:
        return EMPTY


class RecordFlow(_RegionFlow):
    """Which names of an entry point's region hold the event's record list or one of
    its records. A name holds records when it is assigned (or loops over) something
    that holds them (`_holds_records`), and a parameter when a call made in the region
    passes it records, or it is a Powertools record handler's record."""

    splits_loops = False  # a loop variable over the record list holds one record

    def __init__(self, project: CallGraph | None, entry: EntryPoint, sites: list[Site]) -> None:
        super().__init__(project, sites)
        positional = entry.function.positional_params()
        self._seed = (id(entry.function), positional[0].name) \
            if entry.kind == "record-handler" and positional else None

    def assigned_names(self, function: FunctionInfo) -> list[str]:
        return list(self._assignments(function))

    def local(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset | None:
        # The function's own name (`global` declarations aside: an assignment under
        # one still marks the name here), else none of its bindings, else look outside.
        if self.tracks(model, function):
            found = self.assigned(model, function, name)
            if name in function.param_names:
                found = found | self.param(model, function, name)
            if found:
                return found
        if name in function.scope.bindings:
            return EMPTY
        return None

    def parameter(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        if self._seed == (id(function), name):
            return _RECORDS
        for caller_model, caller, call, bound in self._region_calls.get(id(function), ()):
            for param, arg in bind_arguments(function, call, bound):
                if param == name and self.expr(caller_model, arg, caller):
                    return _RECORDS
        return EMPTY

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> frozenset:
        if not isinstance(node, cst.BaseExpression):
            return EMPTY
        holds = _holds_records(model, function, node, lambda name: bool(self.name(model, name, function)))
        return _RECORDS if holds else EMPTY


_ROOT: frozenset = frozenset({"event"})


class EventRoots(_RegionFlow):
    """Which parameters of an entry point's region hold the whole event: the handler's
    event parameter, and a parameter a call made in the region passes one of those by
    name (`process(event)`). Only parameters: a value computed from the event is no
    longer the whole event (`_Analysis._roots` drops a parameter that is reassigned)."""

    def __init__(self, project: CallGraph | None, entry: EntryPoint, sites: list[Site]) -> None:
        super().__init__(project, sites)
        positional = entry.function.positional_params()
        self._seed = (id(entry.function), positional[0].name) \
            if entry.kind == "handler" and positional else None

    def parameter(self, model: ModuleModel, function: FunctionInfo, name: str) -> frozenset:
        if self._seed == (id(function), name):
            return _ROOT
        for caller_model, caller, call, bound in self._region_calls.get(id(function), ()):
            for param, arg in bind_arguments(function, call, bound):
                if param == name and isinstance(arg, cst.Name) and arg.value in caller.param_names \
                        and self.param(caller_model, caller, arg.value):
                    return _ROOT
        return EMPTY

    def expr(self, model: ModuleModel, node: cst.CSTNode, function: FunctionInfo | None) -> frozenset:
        return EMPTY  # only parameters hold the whole event


def _is_element_holder(expr: cst.BaseExpression) -> bool:
    """`record.body` reads a record, `event.records.body` does not exist: only names
    and indexed elements carry record attributes."""
    return isinstance(expr, (cst.Name, cst.Subscript))


def _processor_class(qualified: str) -> str | None:
    """The Powertools processor class of an instance (`...BatchProcessor()`), else None."""
    if not qualified.endswith("()"):
        return None
    name = qualified[:-2].rsplit(".", 1)[-1]
    return name if name in ev.POWERTOOLS_PROCESSORS else None


def _processor_source(model: ModuleModel, function: FunctionInfo | None, expr: cst.BaseExpression) -> str | None:
    """The source a batch processor handles: `BatchProcessor(event_type=EventType.SQS)`."""
    for _ in range(4):
        if isinstance(expr, cst.Name):
            binding = scope_binding(model, function, expr.value)
            if not isinstance(binding, cst.BaseExpression):
                return None
            expr = binding
            continue
        break
    if not isinstance(expr, cst.Call):
        return None
    name = (model.qualify(expr.func, function) or dotted_name(expr.func) or "").rsplit(".", 1)[-1]
    if name not in ev.POWERTOOLS_PROCESSORS:
        return None
    fixed = ev.POWERTOOLS_PROCESSORS[name]
    if fixed is not None:
        return fixed
    for index, arg in enumerate(expr.args):
        if (arg.keyword is not None and arg.keyword.value == "event_type") or (arg.keyword is None and index == 0):
            if isinstance(arg.value, cst.Attribute):
                return ev.POWERTOOLS_EVENT_TYPES.get(arg.value.attr.value)
    return None


def _record_handler_registration(
    model: ModuleModel, function: FunctionInfo
) -> tuple[FunctionInfo | None, cst.Call] | None:
    """The call that registers a Powertools record handler (`process_partial_response(...,
    record_handler=f, processor=p)`), with the function it is in."""
    wanted = f"{model.module_name}.{function.qualname}"
    places: list[tuple[FunctionInfo | None, list[cst.Call]]] = [(None, model.summary.module_calls)]
    places += [(f, f.calls) for f in model.functions.values()]
    for owner, calls in places:
        for call in calls:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "record_handler" \
                        and model.qualify(arg.value, owner) == wanted:
                    return owner, call
    return None
