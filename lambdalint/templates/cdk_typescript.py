"""CDK apps in TypeScript that deploy Python functions: `new lambda.Function(...)`,
`new PythonFunction(...)`, their event sources, invokers and layers.

Many teams write their infrastructure in TypeScript and their functions in Python.
The app is parsed with tree-sitter's TypeScript grammar (the `tree-sitter` and
`tree-sitter-typescript` packages), never run, and tree-sitter is imported only
when a run finds a CDK app with TypeScript files.

jsii generates the Python CDK from the TypeScript one, so names are qualified the
way the Python reader (`lambdalint.templates.cdk`) qualifies them: `import * as
lambda from "aws-cdk-lib/aws-lambda"` makes `lambda.Code.fromAsset` the
`aws_cdk.aws_lambda.Code.from_asset` of the catalog, and an option `memorySize`
is `memory_size`. Both readers then share one table of constructs.

Values are read when they are literals, `const`s bound to literals (or to an
object of options, spread with `...`), `Duration.seconds(30)`-style calls, and
asset paths built with `path.join`/`path.resolve` from `__dirname` (the
TypeScript file's folder) or from the app's folder (where `cdk synth` runs).
Anything else is unknown, never a guess: a setting left unknown silences the
rules that would need it.
"""

from __future__ import annotations

import importlib.util
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambdalint.catalog import templates as facts
from lambdalint.templates.cdk import runtime_name
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

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_PARSERS: list[Parser] = []
_MAX_DEPTH = 12  # consts followed, spreads merged, sub-expressions of one value


def available() -> bool:
    """Whether the TypeScript grammar is installed (without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in ("tree_sitter", "tree_sitter_typescript"))


def _parser() -> Parser:
    if not _PARSERS:
        import tree_sitter
        import tree_sitter_typescript

        language = tree_sitter.Language(tree_sitter_typescript.language_typescript())
        _PARSERS.append(tree_sitter.Parser(language))
    return _PARSERS[0]


def read(template: Template) -> list[TemplateFunction]:
    data = template.text.encode("utf-8")
    tree = _parser().parse(data)
    reader = _Reader(template, data)
    reader.read(tree.root_node)
    return [entry.function for entry in reader.functions]


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(name: str) -> str:
    """The Python CDK's name for a TypeScript member: `fromAsset` -> `from_asset`;
    names that start in upper case (classes, enum members) are kept."""
    if not name or not name[0].islower():
        return name
    return _CAMEL.sub(r"_\1", name).lower()


def module_name(specifier: str) -> str | None:
    """`aws_cdk.aws_lambda` for `aws-cdk-lib/aws-lambda` (and CDK v1's `@aws-cdk/aws-lambda`),
    `path` for `path`/`node:path`; None for any other package."""
    if specifier in facts.CDK_TS_MODULES:
        return facts.CDK_TS_MODULES[specifier]
    if specifier in facts.CDK_TS_PATH_MODULES:
        return "path"
    for prefix in facts.CDK_TS_MODULE_PREFIXES:
        if specifier.startswith(prefix):
            rest = specifier[len(prefix):]
            if rest.endswith(facts.CDK_TS_ALPHA_SUFFIX):
                rest = rest[: -len(facts.CDK_TS_ALPHA_SUFFIX)]
            return "aws_cdk." + rest.replace("-", "_") if rest else "aws_cdk"
    return None


def _named(node: Node) -> list[Node]:
    """A node's named children without comments (the grammar puts them anywhere)."""
    return [child for child in node.named_children if child.type != "comment"]


_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "non_null_expression",
                       "satisfies_expression", "type_assertion"})


def _unwrap(node: Node | None) -> Node | None:
    """`(x)`, `x as T`, `x!`, `x satisfies T`, `<T>x`: x."""
    while node is not None and node.type in _WRAPPERS:
        children = _named(node)
        if not children:
            return None
        node = children[-1] if node.type == "type_assertion" else children[0]
    return node


Key = tuple[int, int, str]


def _key(node: Node) -> Key:
    return node.start_byte, node.end_byte, node.type


@dataclass
class _Options:
    """An object of construct options: each key (snake_case) with its pair and value
    node (None: a spread after it may have changed it), and whether a spread of
    something unknown may have set any other key."""

    pairs: dict[str, tuple[Node, Node | None]] = field(default_factory=dict)
    open: bool = False

    def value(self, key: str) -> Node | None:
        found = self.pairs.get(key)
        return found[1] if found is not None else None


@dataclass
class _Entry:
    function: TemplateFunction
    node: Node
    options: _Options


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "`": "`", "0": "\0",
            "$": "$", "/": "/", "\n": ""}


class _Reader:
    def __init__(self, template: Template, data: bytes) -> None:
        self.template = template
        self.data = data
        self.lines = data.split(b"\n")
        self.imports: dict[str, str] = {}
        self.consts: dict[str, Node | None] = {}  # None: bound more than once, or not a const
        self.functions: list[_Entry] = []
        self.by_node: dict[Key, _Entry] = {}
        self.bindings: dict[str, _Entry] = {}
        self.pending: list[tuple[str, str, Node]] = []  # (bound name, method, `x.addEventSource(...)` call)
        self.mappings: list[Node] = []  # `new EventSourceMapping(...)`
        self.invokers: list[tuple[str, Node]] = []  # (kind, `new LambdaIntegration(fn)`)
        self.notifications: list[tuple[str, Node]] = []  # (method, `bucket.addEventNotification(...)`)
        self.urls: list[tuple[str, Node]] = []  # (bound name, `fn.addFunctionUrl(...)`)
        self.layer_nodes: dict[Key, tuple[str, str | None]] = {}
        self.layer_values: dict[str, tuple[str, str | None]] = {}

    # -- text and places --------------------------------------------------------------

    def text(self, node: Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def point(self, row: int, byte_column: int) -> tuple[int, int]:
        """1-based line and character column of a tree-sitter point (whose column is in bytes)."""
        line = self.lines[row] if row < len(self.lines) else b""
        return row + 1, len(line[:byte_column].decode("utf-8", "replace")) + 1

    def mark(self, node: Node) -> Mark:
        line, column = self.point(*node.start_point)
        end_line, end_column = self.point(*node.end_point)
        if end_line != line:
            end_line, end_column = line, column + 1
        return Mark(line, column, end_line, end_column)

    def pair_mark(self, pair: Node) -> Mark:
        """An option: its key, and its value too when the value ends on the key's line."""
        if pair.type != "pair":
            return self.mark(pair)
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        line, column = self.point(*pair.start_point)
        last = value if value is not None and value.end_point[0] == pair.start_point[0] else key
        end_line, end_column = self.point(*(last or pair).end_point)
        if end_line != line:
            end_line, end_column = line, column + 1
        return Mark(line, column, end_line, end_column)

    # -- the walk ------------------------------------------------------------------------

    def read(self, root: Node) -> None:
        found: dict[str, list[Node]] = defaultdict(list)
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type in _COLLECTED:
                found[node.type].append(node)
            stack.extend(reversed(node.children))
        for node in found["import_statement"]:
            self.import_statement(node)
        for kind in ("lexical_declaration", "variable_declaration"):
            for node in found[kind]:
                self.declaration(node)
        for kind in _BINDERS:
            for node in found[kind]:
                self.shadow(node)
        constructs = sorted(found["new_expression"] + found["call_expression"], key=lambda n: n.start_byte)
        for node in constructs:
            self.construct(node)
        for node in found["variable_declarator"]:
            self.bind(node.child_by_field_name("name"), node.child_by_field_name("value"))
        for node in found["assignment_expression"]:
            self.bind(node.child_by_field_name("left"), node.child_by_field_name("right"))
        for node in found["public_field_definition"]:
            name = node.child_by_field_name("name")
            if name is not None:
                self.bind(name, node.child_by_field_name("value"), prefix="this.")
        for entry in self.functions:
            self.layers(entry)
        self.attach_events()

    def import_statement(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        clause = next((c for c in _named(node) if c.type in ("import_clause", "import_require_clause")), None)
        if clause is not None and clause.type == "import_require_clause":
            source = clause.child_by_field_name("source")
        module = module_name(self.string(source) or "") if source is not None else None
        if module is None or clause is None:
            return
        if clause.type == "import_require_clause":
            name = next((c for c in _named(clause) if c.type == "identifier"), None)
            if name is not None:
                self.imports[self.text(name)] = module
            return
        for part in _named(clause):
            if part.type == "identifier":  # `import path from "path"`
                self.imports[self.text(part)] = module
            elif part.type == "namespace_import":  # `import * as lambda from "..."`
                name = next((c for c in _named(part) if c.type == "identifier"), None)
                if name is not None:
                    self.imports[self.text(name)] = module
            elif part.type == "named_imports":  # `import { Function as Fn } from "..."`
                for spec in _named(part):
                    if spec.type != "import_specifier":
                        continue
                    imported = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or imported
                    if imported is not None and alias is not None:
                        self.imports[self.text(alias)] = f"{module}.{self.text(imported)}"

    def declaration(self, node: Node) -> None:
        """`const name = value` binds a value the reader may follow; `let`/`var` names
        (and consts declared twice, in different scopes) are unknown."""
        is_const = node.type == "lexical_declaration" and node.children and node.children[0].type == "const"
        for declarator in _named(node):
            if declarator.type != "variable_declarator":
                continue
            name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if name is None:
                continue
            if name.type != "identifier":  # a destructuring pattern
                self.shadow(name)
                continue
            text = self.text(name)
            target = _unwrap(value)
            if is_const and target is not None and target.type == "call_expression" and \
                    self.text(target.child_by_field_name("function") or target) == "require":
                module = module_name(self.string(self.arguments(target)[0]) or "") if self.arguments(target) else None
                if module is not None:  # `const lambda = require("aws-cdk-lib/aws-lambda")`
                    self.imports[text] = module
                    continue
            if text in self.consts or not is_const or value is None:
                self.consts[text] = None
            else:
                self.consts[text] = value

    def shadow(self, node: Node | None) -> None:
        """Names bound by parameters, loops, catch clauses and patterns: never consts."""
        if node is not None and node.type in _BINDERS:
            node = node.child_by_field_name(_BINDERS[node.type])
        stack = [node] if node is not None else []
        while stack:
            current = stack.pop()
            if current.type in ("identifier", "shorthand_property_identifier_pattern"):
                self.consts[self.text(current)] = None
            elif current.type not in ("type_annotation", "number", "string"):
                stack.extend(_named(current))

    def construct(self, node: Node) -> None:
        if node.type == "new_expression":
            qualified = self.qualify(node.child_by_field_name("constructor")) or ""
            if qualified in facts.CDK_FUNCTIONS or qualified in facts.CDK_PYTHON_FUNCTIONS:
                entry = self.function(node, python=qualified in facts.CDK_PYTHON_FUNCTIONS)
                self.functions.append(entry)
                self.by_node[_key(node)] = entry
            elif qualified == facts.CDK_EVENT_SOURCE_MAPPING:
                self.mappings.append(node)
            elif qualified in facts.CDK_INVOKERS:
                self.invokers.append((facts.CDK_INVOKERS[qualified], node))
            elif qualified in facts.CDK_LAYERS:
                self.layer_nodes[_key(node)] = self.layer(node, qualified)
            return
        function = _unwrap(node.child_by_field_name("function"))
        if function is None:
            return
        qualified = self.qualify(function) or ""
        if qualified in facts.CDK_LAYER_FROM_ARN:
            self.layer_nodes[_key(node)] = self.layer(node, qualified)
            return
        if function.type != "member_expression":
            return
        prop = function.child_by_field_name("property")
        method = snake(self.text(prop)) if prop is not None else ""
        if method in facts.CDK_S3_NOTIFICATIONS:
            self.notifications.append((method, node))
            return
        owner = self.dotted(function.child_by_field_name("object"))
        if owner is None:
            return
        if method == facts.CDK_ADD_FUNCTION_URL:
            self.urls.append((owner, node))
        elif method in (facts.CDK_ADD_EVENT_SOURCE, facts.CDK_ADD_EVENT_SOURCE_MAPPING):
            self.pending.append((owner, method, node))

    def bind(self, target: Node | None, value: Node | None, prefix: str = "") -> None:
        """`const fn = new lambda.Function(...)`, `this.fn = ...`, a class field."""
        name = self.dotted(target) if target is not None else None
        value = _unwrap(value)
        if name is None or value is None:
            return
        name = prefix + name
        entry = self.by_node.get(_key(value))
        if entry is not None:
            self.bindings[name] = entry
        layer = self.layer_nodes.get(_key(value))
        if layer is not None:
            self.layer_values[name] = layer

    # -- names -------------------------------------------------------------------------

    def qualify(self, node: Node | None, depth: int = 0) -> str | None:
        """`aws_cdk.aws_lambda.Code.from_asset` for `lambda.Code.fromAsset` (see the module docstring)."""
        node = _unwrap(node)
        if node is None or depth > _MAX_DEPTH:
            return None
        if node.type == "identifier":
            name = self.text(node)
            if name in self.imports:
                return self.imports[name]
            value = self.consts.get(name)
            return self.qualify(value, depth + 1) if value is not None else None
        if node.type == "member_expression":
            base = self.qualify(node.child_by_field_name("object"), depth + 1)
            prop = node.child_by_field_name("property")
            return f"{base}.{snake(self.text(prop))}" if base and prop is not None else None
        return None

    def dotted(self, node: Node | None) -> str | None:
        """`fn`, `this.fn`: how a construct is bound and referred to."""
        node = _unwrap(node)
        if node is None:
            return None
        if node.type in ("identifier", "this", "property_identifier", "private_property_identifier"):
            return self.text(node)
        if node.type == "member_expression":
            base = self.dotted(node.child_by_field_name("object"))
            prop = node.child_by_field_name("property")
            return f"{base}.{self.text(prop)}" if base and prop is not None else None
        return None

    def arguments(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        return _named(args) if args is not None else []

    def deref(self, node: Node | None, depth: int = 0) -> Node | None:
        """The expression a name stands for when it is a const (followed a few times)."""
        node = _unwrap(node)
        while node is not None and node.type == "identifier" and depth <= _MAX_DEPTH:
            value = self.consts.get(self.text(node))
            if value is None:
                return node
            node, depth = _unwrap(value), depth + 1
        return node

    # -- values -------------------------------------------------------------------------

    def string(self, node: Node | None, depth: int = 0) -> str | None:
        """A string the expression always evaluates to, or None.

        Literals, template strings whose parts are known, `+`, consts, and the path
        expressions of asset paths (`__dirname` is the TypeScript file's folder,
        relative to the app's folder like every other asset path).
        """
        node = _unwrap(node)
        if node is None or depth > _MAX_DEPTH:
            return None
        kind = node.type
        if kind in ("string", "template_string"):
            parts: list[str] = []
            for child in node.children:
                if child.type == "string_fragment":
                    parts.append(self.text(child))
                elif child.type == "escape_sequence":
                    escaped = self.text(child)[1:]
                    if escaped not in _ESCAPES:
                        return None
                    parts.append(_ESCAPES[escaped])
                elif child.type == "template_substitution":
                    inner = _named(child)
                    value = self.string(inner[0], depth + 1) if len(inner) == 1 else None
                    if value is None:
                        return None
                    parts.append(value)
            return "".join(parts)
        if kind == "identifier":
            name = self.text(node)
            if name == facts.CDK_TS_DIRNAME and name not in self.consts:
                here = posixpath.dirname(self.template.rel_path)
                return posixpath.relpath(here or ".", self.template.base_dir or ".")
            value = self.consts.get(name)
            return self.string(value, depth + 1) if value is not None else None
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is None or self.text(operator) != "+":
                return None
            left = self.string(node.child_by_field_name("left"), depth + 1)
            right = self.string(node.child_by_field_name("right"), depth + 1)
            return left + right if left is not None and right is not None else None
        if kind == "call_expression":
            return self.path_call(node, depth)
        return None

    def path_call(self, node: Node, depth: int) -> str | None:
        function = _unwrap(node.child_by_field_name("function"))
        name = self.qualify(function) or ""
        if not name and function is not None and self.text(function) == facts.CDK_TS_CWD:
            name = facts.CDK_TS_CWD  # a global, never imported
        args = [self.string(arg, depth + 1) for arg in self.arguments(node)]
        if any(arg is None for arg in args):
            return None
        if name == facts.CDK_TS_CWD and not args:
            return "."
        if name in facts.CDK_TS_PATH_JOIN and args:
            return posixpath.normpath(posixpath.join(*args))  # type: ignore[arg-type]
        if name in facts.CDK_TS_PATH_DIRNAME and len(args) == 1:
            return posixpath.normpath(posixpath.join(args[0], ".."))  # type: ignore[arg-type]
        return None

    def number(self, node: Node | None, depth: int = 0) -> int | float | None:
        node = self.deref(node, depth)
        if node is None or node.type != "number":
            return None
        text = self.text(node).replace("_", "")
        try:
            value = int(text, 0) if text.isdigit() or text[:2].lower() in ("0x", "0o", "0b") else float(text)
        except ValueError:
            return None
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def boolean(self, node: Node | None) -> bool | None:
        node = self.deref(node)
        if node is not None and node.type in ("true", "false"):
            return node.type == "true"
        return None

    def options(self, node: Node | None, depth: int = 0) -> _Options:
        """The keys of an object of options (through consts and `...` spreads)."""
        node = self.deref(node, depth)
        if node is None or node.type != "object" or depth > _MAX_DEPTH:
            return _Options(open=True)
        found = _Options()
        for child in _named(node):
            if child.type == "pair":
                key = self.key_name(child.child_by_field_name("key"))
                if key is None:
                    found.open = True  # a computed key may be any option
                    continue
                found.pairs[snake(key)] = (child, child.child_by_field_name("value"))
            elif child.type == "shorthand_property_identifier":  # `{ handler }`
                found.pairs[snake(self.text(child))] = (child, child)
            elif child.type == "spread_element":
                inner = _named(child)
                spread = self.options(inner[0], depth + 1) if inner else _Options(open=True)
                if spread.open:  # it may override every key before it
                    found.pairs = {k: (pair, None) for k, (pair, _) in found.pairs.items()}
                    found.open = True
                found.pairs.update(spread.pairs)
        return found

    def key_name(self, node: Node | None) -> str | None:
        if node is None:
            return None
        if node.type in ("property_identifier", "number"):
            return self.text(node)
        if node.type == "string":
            return self.string(node)
        return None  # `[computed]`

    def runtime(self, node: Node | None) -> str | None:
        target = self.deref(node)
        if target is not None and target.type == "new_expression":  # `new Runtime("python3.12", ...)`
            args = self.arguments(target)
            return self.string(args[0]) if args else None
        return runtime_name(self.qualify(node) or "")

    def duration(self, node: Node | None) -> float | None:
        target = self.deref(node)
        if target is None or target.type != "call_expression":
            return None
        unit = facts.CDK_DURATION_UNITS.get(self.qualify(target.child_by_field_name("function")) or "")
        args = self.arguments(target)
        amount = self.number(args[0]) if unit is not None and len(args) == 1 else None
        if amount is None or unit is None:
            return None
        seconds = amount * unit
        return int(seconds) if float(seconds).is_integer() else seconds

    def path(self, node: Node | None) -> str | None:
        """An asset path relative to the working directory, if the expression is static."""
        value = self.string(node)
        if value is None:
            return None
        if posixpath.isabs(value):
            return None  # an absolute path of the author's machine
        return join(self.template.base_dir, value)

    # -- one function construct -------------------------------------------------------------

    def function(self, node: Node, python: bool) -> _Entry:
        at = self.template.at
        args = self.arguments(node)
        name = self.string(args[1]) if len(args) > 1 else None
        options = self.options(args[2]) if len(args) > 2 else _Options(open=len(args) < 2)
        function = TemplateFunction(
            template=self.template,
            name=name or "function",
            where=at(self.mark(node)),
            default_timeout=facts.DEFAULT_TIMEOUT,
            default_memory=facts.DEFAULT_MEMORY,
            python_implied=python,
        )
        if "runtime" in options.pairs:
            pair, value = options.pairs["runtime"]
            function.runtime = Setting(self.runtime(value), at(self.pair_mark(pair)))
        function.timeout = self.setting(options, "timeout", self.duration, function)
        function.memory = self.setting(options, "memory_size", self.integer, function)
        if python:
            self.python_function(function, options)
        else:
            self.plain_function(function, options)
        environment = self.options(options.value("environment")) if "environment" in options.pairs else None
        if environment is not None:
            function.note_environment({key: self.string(value) for key, (_, value) in environment.pairs.items()})
        events = self.deref(options.value("events"))
        if events is not None and events.type == "array":
            for item in _named(events):
                source = self.event_source(item)
                if source is not None:
                    function.events.append(source)
        return _Entry(function, node, options)

    def setting(self, options: _Options, key: str, read: Any, function: TemplateFunction) -> Setting | None:
        if key in options.pairs:
            pair, value = options.pairs[key]
            return Setting(read(value) if value is not None else None, self.template.at(self.pair_mark(pair)))
        if options.open:  # set, perhaps, by options lambdalint cannot see
            return Setting(None, function.where)
        return None

    def integer(self, node: Node | None) -> int | None:
        value = self.number(node)
        return value if isinstance(value, int) else None

    def plain_function(self, function: TemplateFunction, options: _Options) -> None:
        at = self.template.at
        if "handler" in options.pairs:
            pair, value = options.pairs["handler"]
            function.handler = Setting(self.string(value), at(self.pair_mark(pair)))
        elif options.open:
            function.handler = Setting(None, function.where)
        if "code" not in options.pairs:
            function.code_note = "code set by options lambdalint cannot read" if options.open else "no code"
            return
        pair, value = options.pairs["code"]
        code = self.deref(value)
        call = code if code is not None and code.type in ("call_expression", "new_expression") else None
        if call is None:
            function.code_note = "a computed code location"
            return
        callee = call.child_by_field_name("function" if call.type == "call_expression" else "constructor")
        qualified = self.qualify(callee) or ""
        args = self.arguments(call)
        if qualified in facts.CDK_CODE_FROM_ASSET:
            path = self.path(args[0]) if args else None
            if path is None:
                function.code_note = "a computed asset path"
            elif path.endswith(facts.ARCHIVE_SUFFIXES):
                function.code_note = "a packaged artifact"
            else:
                function.code_dir = path
                function.code_where = at(self.pair_mark(pair))
        elif qualified in facts.CDK_CODE_FROM_INLINE:
            self.inline(function, args[0] if args else None, pair)
        else:
            function.code_note = "code in S3, an image or a computed location"

    def inline(self, function: TemplateFunction, node: Node | None, pair: Node) -> None:
        """`Code.fromInline(`...`)`: checked as a module; a template string without
        escapes or substitutions maps each line of the code to its line here."""
        text = self.string(node)
        if text is None:
            function.code_note = "computed inline code"
            return
        function.code_note = "inline code"
        literal = self.deref(node)
        lines = None
        if literal is not None and literal.type == "template_string" and not any(
                c.type in ("escape_sequence", "template_substitution") for c in literal.children):
            line, column = self.point(*literal.start_point)
            lines = ((line, column + 1),) + tuple((line + i, 1) for i in range(1, text.count("\n") + 1))
        function.inline = InlineCode(text, self.template.at(self.pair_mark(pair)), lines)

    def python_function(self, function: TemplateFunction, options: _Options) -> None:
        at = self.template.at
        if "entry" not in options.pairs:
            function.code_note = "an entry set by options lambdalint cannot read" if options.open else "no entry"
            return
        pair, value = options.pairs["entry"]
        path = self.path(value) if value is not None else None
        if path is None:
            function.code_note = "a computed entry path"
            return
        function.code_dir = path
        function.code_where = at(self.pair_mark(pair))
        index = self.option_text(options, "index", facts.CDK_PYTHON_DEFAULT_INDEX)
        handler = self.option_text(options, "handler", facts.CDK_PYTHON_DEFAULT_HANDLER)
        where = options.pairs.get("handler") or options.pairs.get("index") or options.pairs["entry"]
        if index is None or handler is None:
            function.handler = Setting(None, at(self.pair_mark(where[0])))
            return
        module = index[:-3] if index.endswith(".py") else index
        function.handler = Setting(f"{module.replace('/', '.')}.{handler}", at(self.pair_mark(where[0])))

    def option_text(self, options: _Options, key: str, default: str) -> str | None:
        if key not in options.pairs:
            return None if options.open else default
        return self.string(options.pairs[key][1])

    # -- layers ---------------------------------------------------------------------------

    def layer(self, node: Node, qualified: str) -> tuple[str, str | None]:
        """(construct id, folder in the tree or None) of a layer construct."""
        args = self.arguments(node)
        name = (self.string(args[1]) if len(args) > 1 else None) or "layer"
        if qualified in facts.CDK_LAYER_FROM_ARN or len(args) < 3:
            return name, None
        options = self.options(args[2])
        if "entry" in options.pairs:
            return name, self.path(options.value("entry"))
        code = self.deref(options.value("code"))
        if code is not None and code.type in ("call_expression", "new_expression"):
            callee = code.child_by_field_name("function" if code.type == "call_expression" else "constructor")
            code_args = self.arguments(code)
            if (self.qualify(callee) or "") in facts.CDK_CODE_FROM_ASSET and code_args:
                folder = self.path(code_args[0])
                return name, folder if folder is not None and not folder.endswith(facts.ARCHIVE_SUFFIXES) else None
        return name, None

    def layers(self, entry: _Entry) -> None:
        items = self.deref(entry.options.value("layers"))
        if items is None or items.type != "array":
            return
        for item in _named(items):
            target = self.deref(item)
            found = self.layer_nodes.get(_key(target)) if target is not None else None
            if found is None:
                found = self.layer_values.get(self.dotted(item) or "")
            if found is not None:
                entry.function.layers.append(LayerRef(found[0], self.template.at(self.mark(item)), found[1]))

    # -- event sources ----------------------------------------------------------------------

    def event_source(self, node: Node | None) -> EventSource | None:
        node = self.deref(node)
        if node is None or node.type != "new_expression":
            return None
        constructor = node.child_by_field_name("constructor")
        kind = facts.CDK_EVENT_SOURCES.get(self.qualify(constructor) or "")
        if kind is None:
            return None
        label = (self.dotted(constructor) or "event source").rsplit(".", 1)[-1]
        source = EventSource(kind, f"`{label}(...)`", self.template.at(self.mark(node)))
        args = self.arguments(node)
        options = self.options(args[1]) if len(args) > 1 else _Options()
        if kind in BATCH_KINDS:
            source.partial_batch = self.reports(options)
            source.batch_size = self.integer(options.value("batch_size")) if "batch_size" in options.pairs else None
        elif kind == S3:
            filters = self.deref(options.value("filters"))
            if filters is not None and filters.type == "array":
                source.prefix, source.suffix = self.key_filter(_named(filters))
        return source

    def key_filter(self, nodes: list[Node]) -> tuple[str | None, str | None]:
        """(prefix, suffix) of `{ prefix: "new/", suffix: ".jpg" }` filters (unknown: None)."""
        prefix = suffix = None
        for node in nodes:
            target = self.deref(node)
            if target is None or target.type != "object":
                continue
            options = self.options(target)
            if facts.S3_FILTER_PREFIX in options.pairs:
                prefix = self.string(options.value(facts.S3_FILTER_PREFIX))
            if facts.S3_FILTER_SUFFIX in options.pairs:
                suffix = self.string(options.value(facts.S3_FILTER_SUFFIX))
        return prefix, suffix

    def reports(self, options: _Options) -> bool | None:
        if facts.CDK_REPORT_FAILURES_KEYWORD in options.pairs:
            return self.boolean(options.value(facts.CDK_REPORT_FAILURES_KEYWORD))
        return None if options.open else False

    def mapping_source(self, options: _Options, node: Node, label: str) -> EventSource | None:
        arn = self.deref(options.value("event_source_arn"))
        prop = arn.child_by_field_name("property") if arn is not None and arn.type == "member_expression" else None
        kind = facts.CDK_ARN_ATTRIBUTES.get(snake(self.text(prop))) if prop is not None else None
        if kind is None:
            return None
        return EventSource(kind, label, self.template.at(self.mark(node)), self.reports(options))

    def attach_events(self) -> None:
        for owner, method, call in self.pending:
            entry = self.bindings.get(owner)
            args = self.arguments(call)
            if entry is None or not args:
                continue
            if method == facts.CDK_ADD_EVENT_SOURCE:
                source = self.event_source(args[0])
            else:  # `fn.addEventSourceMapping("Id", { eventSourceArn: ..., ... })`
                options = self.options(args[1]) if len(args) > 1 else _Options(open=True)
                source = self.mapping_source(options, call, "`addEventSourceMapping(...)`")
            if source is not None:
                entry.function.events.append(source)
        for node in self.mappings:
            args = self.arguments(node)
            options = self.options(args[2]) if len(args) > 2 else _Options(open=True)
            entry = self.bindings.get(self.dotted(options.value("target")) or "")
            if entry is not None:
                source = self.mapping_source(options, node, "`EventSourceMapping(...)`")
                if source is not None:
                    entry.function.events.append(source)
        consumed: set[Key] = set()
        for _, call in self.notifications:
            args = self.arguments(call)
            targets = [self.deref(arg) for arg in args]
            destination = next((t for t in targets if t is not None and t.type == "new_expression" and (
                self.qualify(t.child_by_field_name("constructor")) or "") in facts.CDK_INVOKERS), None)
            entry = self.invoked(destination) if destination is not None else None
            if entry is None or destination is None:
                continue
            consumed.add(_key(destination))
            source = EventSource(S3, "`addEventNotification(...)`", self.template.at(self.mark(call)))
            source.prefix, source.suffix = self.key_filter([t for t in targets if t is not None and t.type == "object"])
            entry.function.events.append(source)
        for kind, node in self.invokers:
            entry = self.invoked(node) if _key(node) not in consumed else None
            if entry is not None:
                name = (self.dotted(node.child_by_field_name("constructor")) or "construct").rsplit(".", 1)[-1]
                entry.function.events.append(EventSource(kind, f"`{name}(...)`", self.template.at(self.mark(node))))
        for owner, call in self.urls:
            entry = self.bindings.get(owner)
            if entry is not None:
                entry.function.events.append(EventSource(FUNCTION_URL, "`addFunctionUrl(...)`",
                                                         self.template.at(self.mark(call))))

    def invoked(self, node: Node) -> _Entry | None:
        """The function construct an invoker takes (`new LambdaIntegration(fn)`, `{ handler: fn }`)."""
        candidates: list[Node | None] = []
        for arg in self.arguments(node):
            target = self.deref(arg)
            if target is not None and target.type == "object":
                options = self.options(target)
                candidates += [options.value(key) for key in ("handler", "fn", "function")]
            else:
                candidates.append(arg)
        for candidate in candidates:
            target = _unwrap(candidate)
            if target is None:
                continue
            entry = self.by_node.get(_key(target)) or self.bindings.get(self.dotted(target) or "")
            if entry is not None:
                return entry
        return None


# Nodes that bind names other than by a declaration, and the field holding the pattern.
_BINDERS = {"required_parameter": "pattern", "optional_parameter": "pattern", "catch_clause": "parameter",
            "for_in_statement": "left", "arrow_function": "parameter"}
# Node types the walk collects, for the passes of `_Reader.read`.
_COLLECTED = frozenset({
    "import_statement", "lexical_declaration", "variable_declaration", "variable_declarator",
    "new_expression", "call_expression", "assignment_expression", "public_field_definition", *_BINDERS,
})
