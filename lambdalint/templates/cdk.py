"""CDK apps in Python: `aws_lambda.Function(...)`, `PythonFunction(...)` and their event sources.

The app is read, never run: constructor calls whose arguments are literals
(or a few path expressions such as `os.path.join(os.path.dirname(__file__),
"src")`) give the function's settings; anything computed is left unknown.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from lambdalint.catalog import templates as facts
from lambdalint.discovery import relative
from lambdalint.templates.loader import Mark
from lambdalint.templates.model import (
    BATCH_KINDS,
    FUNCTION_URL,
    S3,
    EventSource,
    InlineCode,
    LayerRef,
    Setting,
    Template,
    TemplateFunction,
    join,
)


def read(template: Template) -> list[TemplateFunction]:
    try:
        tree = ast.parse(template.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # a broken Python file is reported by the Python checks, if checked
    reader = _Reader(template, _imports(tree))
    reader.strings = _module_strings(tree)
    try:
        reader.visit(tree)
    except RecursionError:
        return []
    reader.attach_events()
    return [entry.function for entry in reader.functions]


def runtime_name(qualified: str) -> str | None:
    """`python3.12` for `aws_cdk.aws_lambda.Runtime.PYTHON_3_12` (also the TypeScript
    reader's, whose names are qualified the same way), None for anything else."""
    if qualified.startswith(facts.CDK_RUNTIME_PREFIX):
        name = qualified[len(facts.CDK_RUNTIME_PREFIX):]
        if name.startswith("PYTHON_"):
            return "python" + name[len("PYTHON_"):].replace("_", ".")
        return name.lower()
    return None


def _imports(tree: ast.Module) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _module_strings(tree: ast.Module) -> dict[str, ast.Constant]:
    """Module-level names bound once, to a string (`INLINE_CODE = '''...'''`)."""
    found: dict[str, ast.Constant | None] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        value = getattr(node, "value", None)
        for target in targets:
            if isinstance(target, ast.Name):
                constant = value if isinstance(node, ast.Assign) and isinstance(value, ast.Constant) \
                    and isinstance(value.value, str) and len(targets) == 1 else None
                found[target.id] = None if target.id in found else constant
    return {name: value for name, value in found.items() if value is not None}


_STRING_START = re.compile(r"([rRuU]?)('{3}|\"{3}|'|\")")


def _string_lines(text: str, node: ast.Constant) -> tuple[tuple[int, int], ...] | None:
    """Where each line of a string literal's value starts in the file (1-based), when
    the literal holds it verbatim (no escapes, no implicit concatenation); else None."""
    segment = ast.get_source_segment(text, node)
    match = _STRING_START.match(segment or "")
    if segment is None or match is None or not isinstance(node.value, str):
        return None
    prefix, quote = match.groups()
    if segment[len(prefix) + len(quote):len(segment) - len(quote)] != node.value:
        return None
    line = text.splitlines()[node.lineno - 1]
    column = len(line.encode("utf-8")[:node.col_offset].decode("utf-8", "replace")) + 1 + len(prefix) + len(quote)
    rest = tuple((node.lineno + i, 1) for i in range(1, node.value.count("\n") + 1))
    return ((node.lineno, column), *rest)


def _mark(node: ast.AST) -> Mark:
    line = getattr(node, "lineno", 1)
    column = getattr(node, "col_offset", 0) + 1
    end_line = getattr(node, "end_lineno", None) or line
    end_column = (getattr(node, "end_col_offset", None) or column - 1) + 1
    if end_line != line:
        end_line, end_column = line, column + 1
    return Mark(line, column, end_line, end_column)


def _keyword_mark(keyword: ast.keyword) -> Mark:
    mark = _mark(keyword.value)
    column = keyword.col_offset + 1 if hasattr(keyword, "col_offset") else mark.column
    return Mark(getattr(keyword, "lineno", mark.line), column, mark.end_line, mark.end_column)


@dataclass
class _Entry:
    function: TemplateFunction
    names: set[str] = field(default_factory=set)  # `fn`, `self.fn` bound to the construct


class _Reader(ast.NodeVisitor):
    def __init__(self, template: Template, imports: dict[str, str]) -> None:
        self.template = template
        self.imports = imports
        self.functions: list[_Entry] = []
        self.by_call: dict[int, _Entry] = {}
        self.bindings: dict[str, _Entry] = {}
        self.pending: list[tuple[str, ast.Call]] = []  # (bound name, `x.add_event_source(...)` call)
        self.mappings: list[ast.Call] = []  # EventSourceMapping(...) constructs
        # Constructs that invoke a function given as an argument, (kind, call); the
        # `LambdaDestination(fn)` of an S3 notification is read with its filters instead.
        self.invokers: list[tuple[str, ast.Call]] = []
        self.notifications: list[ast.Call] = []  # `bucket.add_event_notification(...)`
        self.urls: list[tuple[str, ast.Call]] = []  # (bound name, `fn.add_function_url(...)`)
        self.layer_values: dict[str, tuple[str, str | None]] = {}  # bound name -> (construct id, folder)
        self.layer_calls: dict[int, tuple[str, str | None]] = {}
        self.strings: dict[str, ast.Constant] = {}  # module-level string constants

    # -- names --------------------------------------------------------------------

    def qualify(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    @staticmethod
    def dotted(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = _Reader.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    # -- the walk -----------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        entry = self.by_call.get(id(node.value))
        layer = self.layer_calls.get(id(node.value))
        for target in node.targets:
            name = self.dotted(target)
            if name and entry is not None:
                entry.names.add(name)
                self.bindings[name] = entry
            if name and layer is not None:
                self.layer_values[name] = layer

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        entry = self.by_call.get(id(node.value)) if node.value is not None else None
        name = self.dotted(node.target)
        if entry is not None and name:
            entry.names.add(name)
            self.bindings[name] = entry

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        qualified = self.qualify(node.func) or ""
        if qualified in facts.CDK_FUNCTIONS or qualified in facts.CDK_PYTHON_FUNCTIONS:
            entry = _Entry(self.function(node, python=qualified in facts.CDK_PYTHON_FUNCTIONS))
            self.functions.append(entry)
            self.by_call[id(node)] = entry
        elif qualified == facts.CDK_EVENT_SOURCE_MAPPING:
            self.mappings.append(node)
        elif qualified in facts.CDK_INVOKERS:
            self.invokers.append((facts.CDK_INVOKERS[qualified], node))
        elif qualified in facts.CDK_LAYERS or qualified in facts.CDK_LAYER_FROM_ARN:
            self.layer_calls[id(node)] = self.layer(node, qualified)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in facts.CDK_S3_NOTIFICATIONS:
            self.notifications.append(node)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == facts.CDK_ADD_FUNCTION_URL:
            owner = self.dotted(node.func.value)
            if owner:
                self.urls.append((owner, node))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in (
                facts.CDK_ADD_EVENT_SOURCE, facts.CDK_ADD_EVENT_SOURCE_MAPPING):
            owner = self.dotted(node.func.value)
            if owner:
                self.pending.append((owner, node))

    # -- one function construct ---------------------------------------------------------

    def function(self, call: ast.Call, python: bool) -> TemplateFunction:
        at = self.template.at
        keywords = {k.arg: k for k in call.keywords if k.arg}
        construct_id = call.args[1] if len(call.args) > 1 else keywords.get("id")
        construct_id = construct_id.value if isinstance(construct_id, ast.keyword) else construct_id
        name = construct_id.value if isinstance(construct_id, ast.Constant) and isinstance(
            construct_id.value, str) else "function"
        function = TemplateFunction(
            template=self.template,
            name=name,
            where=at(_mark(call)),
            default_timeout=facts.DEFAULT_TIMEOUT,
            default_memory=facts.DEFAULT_MEMORY,
            python_implied=python,
        )
        if "runtime" in keywords:
            function.runtime = Setting(self.runtime(keywords["runtime"].value), at(_keyword_mark(keywords["runtime"])))
        if "timeout" in keywords:
            function.timeout = Setting(self.duration(keywords["timeout"].value), at(_keyword_mark(keywords["timeout"])))
        if "memory_size" in keywords:
            value = keywords["memory_size"].value
            memory = value.value if isinstance(value, ast.Constant) and type(value.value) is int else None
            function.memory = Setting(memory, at(_keyword_mark(keywords["memory_size"])))
        if python:
            self.python_function(function, keywords)
        else:
            self.plain_function(function, keywords)
        if "layers" in keywords:
            self.layers(function, keywords["layers"])
        environment = keywords["environment"].value if "environment" in keywords else None
        if isinstance(environment, ast.Dict):
            function.note_environment({
                key.value: value.value for key, value in zip(environment.keys, environment.values)
                if isinstance(key, ast.Constant) and isinstance(value, ast.Constant)})
        events = keywords.get("events")
        if events is not None and isinstance(events.value, (ast.List, ast.Tuple)):
            for item in events.value.elts:
                source = self.event_source(item)
                if source is not None:
                    function.events.append(source)
        return function

    def plain_function(self, function: TemplateFunction, keywords: dict[str | None, ast.keyword]) -> None:
        at = self.template.at
        if "handler" in keywords:
            value = keywords["handler"].value
            text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            function.handler = Setting(text, at(_keyword_mark(keywords["handler"])))
        code = keywords.get("code")
        if code is None:
            function.code_note = "no code="
            return
        value = code.value
        if isinstance(value, ast.Call) and (self.qualify(value.func) or "") in facts.CDK_CODE_FROM_ASSET:
            path = self.path(value.args[0]) if value.args else None
            if path is None:
                function.code_note = "a computed asset path"
            elif path.endswith(facts.ARCHIVE_SUFFIXES):
                function.code_note = "a packaged artifact"
            else:
                function.code_dir = path
                function.code_where = at(_keyword_mark(code))
        elif isinstance(value, ast.Call) and (self.qualify(value.func) or "") in facts.CDK_CODE_FROM_INLINE:
            self.inline(function, value.args[0] if value.args else None, code)
        else:
            function.code_note = "S3 or image code"

    def inline(self, function: TemplateFunction, node: ast.AST | None, keyword: ast.keyword) -> None:
        """`Code.from_inline('''...''')` (or a module-level string): checked as a module."""
        if isinstance(node, ast.Name):
            node = self.strings.get(node.id)
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            function.code_note = "computed inline code"
            return
        function.code_note = "inline code"
        function.inline = InlineCode(node.value, self.template.at(_keyword_mark(keyword)),
                                     _string_lines(self.template.text, node))

    def python_function(self, function: TemplateFunction, keywords: dict[str | None, ast.keyword]) -> None:
        at = self.template.at
        entry = keywords.get("entry")
        path = self.path(entry.value) if entry is not None else None
        if path is None:
            function.code_note = "a computed entry path"
            return
        function.code_dir = path
        function.code_where = at(_keyword_mark(entry))
        index = self.text_of(keywords, "index", facts.CDK_PYTHON_DEFAULT_INDEX)
        handler = self.text_of(keywords, "handler", facts.CDK_PYTHON_DEFAULT_HANDLER)
        where = keywords.get("handler") or keywords.get("index") or entry
        if index is None or handler is None:
            function.handler = Setting(None, at(_keyword_mark(where)))
            return
        module = index[:-3] if index.endswith(".py") else index
        function.handler = Setting(f"{module.replace('/', '.')}.{handler}", at(_keyword_mark(where)))

    @staticmethod
    def text_of(keywords: dict[str | None, ast.keyword], key: str, default: str) -> str | None:
        if key not in keywords:
            return default
        value = keywords[key].value
        return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None

    # -- values ---------------------------------------------------------------------------

    def runtime(self, node: ast.AST) -> str | None:
        return runtime_name(self.qualify(node) or "")

    def duration(self, node: ast.AST) -> float | None:
        if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
            return None
        unit = facts.CDK_DURATION_UNITS.get(self.qualify(node.func) or "")
        amount = node.args[0]
        if unit is None or not isinstance(amount, ast.Constant) or type(amount.value) not in (int, float):
            return None
        seconds = amount.value * unit
        return int(seconds) if float(seconds).is_integer() else seconds

    def path(self, node: ast.AST) -> str | None:
        """An asset path relative to the working directory, if the expression is static."""
        value = self._path(node, 0)
        if value is None:
            return None
        if os.path.isabs(value):
            return join("", relative(Path(value)))
        return join(self.template.base_dir, value)

    def _path(self, node: ast.AST, depth: int) -> str | None:
        if depth > 10:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id == "__file__":
            # Relative to the app root, where `cdk synth` runs.
            here = self.template.rel_path
            return posixpath.relpath(here, self.template.base_dir or ".") if self.template.base_dir else here
        if isinstance(node, ast.Call):
            name = self.qualify(node.func) or self.dotted(node.func) or ""
            args = [self._path(a, depth + 1) for a in node.args]
            if node.keywords or any(a is None for a in args):
                return None
            if name in ("os.path.join", "posixpath.join") and args:
                return posixpath.join(*args)  # type: ignore[arg-type]
            if name == "os.path.dirname" and len(args) == 1:
                return posixpath.dirname(args[0]) or "."  # type: ignore[arg-type]
            if name in ("os.path.abspath", "os.path.realpath", "os.path.normpath", "str",
                        "pathlib.Path", "Path") and len(args) == 1:
                return args[0]
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute") and not node.args:
                return self._path(node.func.value, depth + 1)
            return None
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self._path(node.value, depth + 1)
            return posixpath.dirname(inner) or "." if inner is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self._path(node.left, depth + 1), self._path(node.right, depth + 1)
            return posixpath.join(left, right) if left is not None and right is not None else None
        return None

    # -- event sources ------------------------------------------------------------------------

    def event_source(self, node: ast.AST) -> EventSource | None:
        if not isinstance(node, ast.Call):
            return None
        kind = facts.CDK_EVENT_SOURCES.get(self.qualify(node.func) or "")
        if kind is None:
            return None
        name = self.dotted(node.func) or "event source"
        source = EventSource(kind, f"`{name.rsplit('.', 1)[-1]}(...)`", self.template.at(_mark(node)))
        if kind in BATCH_KINDS:
            source.partial_batch = self.reports(node)
            size = next((k.value for k in node.keywords if k.arg == "batch_size"), None)
            if isinstance(size, ast.Constant) and isinstance(size.value, int) and not isinstance(size.value, bool):
                source.batch_size = size.value
        elif kind == S3:
            filters = next((k.value for k in node.keywords if k.arg == "filters"), None)
            items = filters.elts if isinstance(filters, (ast.List, ast.Tuple)) else []
            if filters is not None and not isinstance(filters, (ast.List, ast.Tuple)):
                items = [filters]  # computed: unknown, read as no filter
            source.prefix, source.suffix = self.key_filter(items)
        return source

    def key_filter(self, nodes: list[ast.AST]) -> tuple[str | None, str | None]:
        """(prefix, suffix) of `s3.NotificationKeyFilter(prefix=..., suffix=...)` arguments."""
        prefix = suffix = None
        for node in nodes:
            if isinstance(node, ast.Call) and (self.qualify(node.func) or "") == facts.CDK_S3_KEY_FILTER:
                for keyword in node.keywords:
                    value = keyword.value
                    text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
                    if keyword.arg == facts.S3_FILTER_PREFIX:
                        prefix = text
                    elif keyword.arg == facts.S3_FILTER_SUFFIX:
                        suffix = text
        return prefix, suffix

    def layer(self, node: ast.Call, qualified: str) -> tuple[str, str | None]:
        """(construct id, folder in the tree or None) of a layer construct."""
        construct_id = node.args[1] if len(node.args) > 1 else None
        name = construct_id.value if isinstance(construct_id, ast.Constant) and isinstance(
            construct_id.value, str) else "layer"
        if qualified in facts.CDK_LAYER_FROM_ARN:
            return name, None
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if "entry" in keywords:
            return name, self.path(keywords["entry"])
        code = keywords.get("code")
        if isinstance(code, ast.Call) and (self.qualify(code.func) or "") in facts.CDK_CODE_FROM_ASSET and code.args:
            folder = self.path(code.args[0])
            return name, folder if folder is not None and not folder.endswith(facts.ARCHIVE_SUFFIXES) else None
        return name, None

    def layers(self, function: TemplateFunction, keyword: ast.keyword) -> None:
        if not isinstance(keyword.value, (ast.List, ast.Tuple)):
            return
        for item in keyword.value.elts:
            found = self.layer_calls.get(id(item))
            if found is None:
                found = self.layer_values.get(self.dotted(item) or "")
            if found is not None:
                function.layers.append(LayerRef(found[0], self.template.at(_mark(item)), found[1]))

    def mapping_source(self, node: ast.Call, label: str) -> EventSource | None:
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        arn = keywords.get("event_source_arn")
        kind = facts.CDK_ARN_ATTRIBUTES.get(arn.attr) if isinstance(arn, ast.Attribute) else None
        if kind is None:
            return None
        return EventSource(kind, label, self.template.at(_mark(node)), self.reports(node))

    @staticmethod
    def reports(node: ast.Call) -> bool | None:
        for keyword in node.keywords:
            if keyword.arg == facts.CDK_REPORT_FAILURES_KEYWORD:
                value = keyword.value
                return value.value if isinstance(value, ast.Constant) and isinstance(value.value, bool) else None
            if keyword.arg is None:
                return None  # `**options` may set it
        return False

    def attach_events(self) -> None:
        for owner, call in self.pending:
            entry = self.bindings.get(owner)
            if entry is None or not call.args and not call.keywords:
                continue
            if call.func.attr == facts.CDK_ADD_EVENT_SOURCE:  # type: ignore[attr-defined]
                source = self.event_source(call.args[0]) if call.args else None
            else:
                source = self.mapping_source(call, "`add_event_source_mapping(...)`")
            if source is not None:
                entry.function.events.append(source)
        for call in self.mappings:
            keywords = {k.arg: k.value for k in call.keywords if k.arg}
            target = self.dotted(keywords["target"]) if "target" in keywords else None
            entry = self.bindings.get(target) if target else None
            if entry is not None:
                source = self.mapping_source(call, "`EventSourceMapping(...)`")
                if source is not None:
                    entry.function.events.append(source)
        consumed: set[int] = set()
        for call in self.notifications:
            destination = next((arg for arg in call.args if isinstance(arg, ast.Call)
                                and (self.qualify(arg.func) or "") in facts.CDK_INVOKERS), None)
            entry = self.invoked(destination) if destination is not None else None
            if entry is None:
                continue
            consumed.add(id(destination))
            source = EventSource(S3, "`add_event_notification(...)`", self.template.at(_mark(call)))
            source.prefix, source.suffix = self.key_filter(list(call.args))
            entry.function.events.append(source)
        for kind, call in self.invokers:
            entry = self.invoked(call) if id(call) not in consumed else None
            if entry is not None:
                name = (self.dotted(call.func) or "construct").rsplit(".", 1)[-1]
                entry.function.events.append(EventSource(kind, f"`{name}(...)`", self.template.at(_mark(call))))
        for owner, call in self.urls:
            entry = self.bindings.get(owner)
            if entry is not None:
                entry.function.events.append(EventSource(FUNCTION_URL, "`add_function_url(...)`",
                                                         self.template.at(_mark(call))))

    def invoked(self, call: ast.Call) -> _Entry | None:
        """The function construct an invoker takes (`LambdaIntegration(fn)`, `handler=fn`)."""
        candidates = list(call.args) + [k.value for k in call.keywords if k.arg in ("handler", "fn", "function")]
        for node in candidates:
            entry = self.by_call.get(id(node)) or self.bindings.get(self.dotted(node) or "")
            if entry is not None:
                return entry
        return None
