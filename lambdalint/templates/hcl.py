"""HCL2 files (Terraform's syntax) as blocks and attributes with lines, and their
expressions evaluated as far as they are static.

A file is read by ``hcl_read``, a hand-written reader of python-hcl2's grammar
(https://github.com/amplify-education/python-hcl2) that gives exactly the data
python-hcl2's parse tree gives (`hcl2.parses_to_tree`, Lark with positions: the
line and column of every block, attribute and expression, which its dict output
does not give) in a tenth of the time, and without importing Lark. What it
declines (anything the grammar rejects, and a few rare constructs: template
directives in quoted strings, keywords used as names, nesting deeper than
Python's stack) python-hcl2 reads as before, so a broken file's message and line
are python-hcl2's. The rule names are those of python-hcl2 8.x (`pyproject.toml`
pins the major version), which stays a dependency for that. `hcl2` is imported
only for a file the reader declines, so neither a tree without Terraform nor one
whose Terraform the reader reads loads it. A file's reading is plain data first
(``file_data``: what the per-file cache keeps, `terraform.Parses`), then a
``Body`` whose expressions are ``Node``s; both come from the text alone.

Evaluation knows literals, strings with `${...}` interpolation, tuples and
objects, `var.x`, `local.x` and `path.*` (through a ``Scope``), references to
resources, data sources and modules (a ``Ref``), arithmetic and comparisons,
`a ? b : c` with a known condition, and a few pure functions (`format`,
`join`, `abspath`, `lookup`, ...). Anything else is ``UNKNOWN``, never a guess,
and whatever is computed from an unknown value is unknown too.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Protocol

from lambdalint.templates.loader import Mark, TemplateError

if TYPE_CHECKING:
    from lark import Tree


class _Unknown:
    """A value lambdalint cannot know without running Terraform."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


class _Null:
    """HCL's `null`: an argument set to null is as if it were not set."""

    _instance: _Null | None = None

    def __new__(cls) -> _Null:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "null"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()
NULL: Any = _Null()


@dataclass(frozen=True)
class Ref:
    """A reference to something Terraform creates: `aws_sqs_queue.orders.arn` is
    ``Ref(("aws_sqs_queue", "orders", "arn"))``, `data.x.y.z` starts with "data",
    `module.m.out` with "module". Indexes (`[0]`, `["a"]`) are left out: every
    instance of a resource is the same resource here. ``owner`` is the scope the
    names belong to when the reference was passed into another one (a module's
    argument); None for the scope that evaluated it."""

    parts: tuple[str, ...]
    owner: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class Digest:
    """`filebase64sha256(path)` and its kind: the hash of a file, which names the file."""

    of: Any


class Scope(Protocol):
    """What the names of an expression mean: a module's variables, locals and paths."""

    def variable(self, name: str) -> Any: ...

    def local(self, name: str) -> Any: ...

    def path(self, name: str) -> Any: ...


class NoScope:
    """For files whose values must be literal (`.tfvars`)."""

    def variable(self, name: str) -> Any:
        return UNKNOWN

    def local(self, name: str) -> Any:
        return UNKNOWN

    def path(self, name: str) -> Any:
        return UNKNOWN


# -- structure --------------------------------------------------------------------------


class Node:
    """A node of an expression's parse tree: python-hcl2's rule name (``data``), its
    children (nodes and ``Leaf`` tokens), and where it is written (``position``: line,
    column, end line, end column, what ``mark_of`` gives).

    Lark's own trees and tokens are turned into these as soon as a file is parsed
    (through ``file_data`` and ``body_of``): the same shape, rule names, token texts
    and types, and positions, in less than half the memory (12 MB against 27 MB for
    terraform-aws-lambda's examples: Lark keeps a metadata object per tree and every
    token's offsets); and a reading kept in the cache is built back into the same
    objects, so a cached reading and a fresh one cannot differ."""

    __slots__ = ("data", "children", "position")

    def __init__(self, data: str, children: list[Node | Leaf], position: tuple[int, int, int, int]) -> None:
        self.data = data
        self.children = children
        self.position = position

    def __repr__(self) -> str:
        return f"Node({self.data!r}, {self.children!r})"


class Leaf(str):
    """A token: its text, and its terminal's name in ``type`` (``INT_LITERAL``, ...)."""

    __slots__ = ("type",)

    type: str


class Attribute:
    """An attribute: its name, where it is written, and its expression. The
    expression's tree is built from the reading's flat list (``file_data``) when it
    is first asked for: a run evaluates few of the attributes it reads (269 of the
    3,077 of terraform-aws-lambda's examples), and building every tree cost most of
    turning a reading into a ``Body``. The list is checked when the body is built
    (`_check_expression`), so a damaged cache entry is still refused there."""

    __slots__ = ("name", "mark", "_expr", "_flat")

    def __init__(self, name: str, expr: Node | None, mark: Mark, flat: list | None = None) -> None:
        self.name = name
        self.mark = mark
        self._expr = expr
        self._flat = flat

    @property
    def expr(self) -> Node:
        expr = self._expr
        if expr is None:
            expr = self._expr = _node_of(self._flat)  # type: ignore[arg-type]
            self._flat = None
        return expr

    def __repr__(self) -> str:
        return f"Attribute({self.name!r}, {self.expr!r}, {self.mark!r})"


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    mark: Mark  # the header, up to its `{`


@dataclass
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, kind: str) -> Iterator[Block]:
        return (block for block in self.blocks if block.type == kind)

    def block(self, kind: str) -> Block | None:
        return next(self.blocks_of(kind), None)


TOO_DEEP = "the file is nested too deeply to read"


def parse(text: str) -> Body:
    """The file's top-level body, or raise TemplateError (with the line of the problem)."""
    return body_of(file_data(text))


def file_data(text: str) -> list:
    """What reading the file gives, as plain lists, strings and numbers (what the
    per-file cache stores as JSON; ``body_of`` builds the ``Body``); or raise
    TemplateError (with the line of the problem).

    A body is ``[attributes, blocks]``; an attribute ``[name, line, column, end_line,
    end_column, expression]``; a block ``[type, labels, line, column, end_line,
    end_column, body]``. An expression is its tree as one flat list, in document order:
    a node is its number of children, its rule name and its position (six items), a
    token is the string ``"TYPE text"``. Flat, so that neither building it nor JSON's
    reader and writer recurse however deeply an expression nests.

    ``hcl_read`` reads it when it can (the same data, exactly); python-hcl2 when it
    declines.
    """
    from lambdalint.templates import hcl_read  # here: it imports from this module

    try:
        return hcl_read.file_data(text)
    except hcl_read.Decline:
        return _hcl2_file_data(text)


def _hcl2_file_data(text: str) -> list:
    """``file_data`` by python-hcl2's parse tree: the reference ``hcl_read`` matches,
    and the reader of what it declines."""
    import hcl2  # here, not at module level: only a run with Terraform pays for it
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as error:
        line, column = getattr(error, "line", 1), getattr(error, "column", 1)
        line = line if isinstance(line, int) and line > 0 else 1
        column = column if isinstance(column, int) and column > 0 else 1
        raise TemplateError(f"invalid HCL: {_describe(error)}", line, column) from None
    except (LarkError, ValueError, RuntimeError) as error:
        raise TemplateError(f"invalid HCL: {error}") from None
    except RecursionError:
        raise TemplateError(TOO_DEEP) from None
    body = _child(tree, "body")
    if body is None:
        return [[], []]
    try:
        return _body_data(body)
    except RecursionError:
        raise TemplateError(TOO_DEEP) from None


def body_of(data: list) -> Body:
    """The ``Body`` of a file's data (``file_data``); ValueError when the data is not
    such (a damaged cache entry)."""
    try:
        return _body_of(data)
    except (TypeError, ValueError, IndexError, AttributeError, RecursionError) as error:
        raise ValueError(f"not the data of an HCL file: {error}") from None


def nesting(data: list) -> int:
    """How deeply the blocks of a file's data (``file_data``) nest (JSON's reader and
    writer recurse on them)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        (_, blocks), depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((block[6], depth + 1) for block in blocks)
    return deepest


def _body_of(data: list) -> Body:
    attributes, blocks = data
    body = Body()
    for name, line, column, end_line, end_column, expr in attributes:
        _check_expression(expr)
        body.attributes[name] = Attribute(name, None, Mark(line, column, end_line, end_column), expr)
    for kind, labels, line, column, end_line, end_column, inner in blocks:
        body.blocks.append(Block(kind, tuple(labels), _body_of(inner), Mark(line, column, end_line, end_column)))
    return body


def _check_expression(flat: list) -> None:
    """Raise ValueError unless ``_node_of`` builds one tree of the flat list: node
    headers of six items (a count of children, a rule name, four ints), tokens as
    strings, a node first, and as many items as the nodes' counts say. Cheaper
    than building it (no object per item), so a body's attributes are checked when
    it is built and their trees built when asked for."""
    if flat.__class__ is not list or not flat or flat[0].__class__ is not int:
        raise ValueError("not an expression")
    remaining = [1]  # per open node, the children still to come (the top: one node)
    index, end = 0, len(flat)
    while index < end:
        if not remaining:
            raise ValueError("not an expression: items after its end")
        item = flat[index]
        if item.__class__ is str:
            index += 1
            count = 0
        else:
            header = flat[index:index + 6]
            if (item.__class__ is not int or item < 0 or len(header) != 6 or header[1].__class__ is not str
                    or any(value.__class__ is not int for value in header[2:])):
                raise ValueError("not an expression: a damaged node")
            index += 6
            count = item
        remaining[-1] -= 1
        if not remaining[-1]:
            remaining.pop()
        if count:
            remaining.append(count)
    if remaining:
        raise ValueError("not an expression: it ends early")


def _node_of(flat: list) -> Node:
    """The tree of an expression's flat list (``file_data``)."""
    top: list[Node | Leaf] = []
    open_nodes: list[tuple[list[Node | Leaf], int]] = [(top, 1)]  # children lists still to fill
    index, end = 0, len(flat)
    while index < end:
        item = flat[index]
        child: Node | Leaf
        if item.__class__ is str:
            kind, _, text = item.partition(" ")
            child = Leaf(text)
            child.type = kind
            index += 1
            count = 0
        else:
            count = item
            child = Node(flat[index + 1], [], (flat[index + 2], flat[index + 3], flat[index + 4], flat[index + 5]))
            index += 6
        children, size = open_nodes[-1]
        children.append(child)
        if len(children) == size:
            open_nodes.pop()
        if count:
            open_nodes.append((child.children, count))  # type: ignore[union-attr]
    if len(top) != 1 or not isinstance(top[0], Node) or len(open_nodes) != 0:
        raise ValueError("not an expression")
    return top[0]


def _expression_data(tree: Tree) -> list:
    """A Lark expression tree as a flat list (``file_data``), in document order."""
    from lark import Tree

    flat: list[Any] = []
    append = flat.append
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, Tree):
            children = node.children
            append(len(children))
            append(str(node.data))
            flat.extend(_position(node))
            pending.extend(reversed(children))
        else:
            append(f"{node.type} {node}")
    return flat


def _describe(error: Exception) -> str:
    token = getattr(error, "token", None)
    if token is not None and str(token).strip():
        return f"unexpected `{str(token).strip()[:40]}`"
    char = getattr(error, "char", None)
    if char:
        return f"unexpected character `{char}`"
    return "unexpected end of file"


def _is_tree(node: Any) -> bool:
    return hasattr(node, "data") and hasattr(node, "children")


def _trees(node: Any) -> list[Any]:
    return [child for child in node.children if _is_tree(child) and child.data != "new_line_or_comment"]


def _child(node: Any, name: str) -> Any:
    return next((child for child in node.children if _is_tree(child) and child.data == name), None)


def _token_text(node: Any) -> str:
    """The text of an identifier-like node (`identifier`, `keyword`, `literal_value`, a token)."""
    if _is_tree(node):
        return "".join(_token_text(child) for child in node.children)
    return str(node)


def mark_of(node: Node) -> Mark:
    return Mark(*node.position)


def _position(tree: Tree) -> tuple[int, int, int, int]:
    """Where Lark says a tree is, with defaults where it does not say."""
    meta = tree.meta
    line = getattr(meta, "line", None) or 1
    column = getattr(meta, "column", None) or 1
    return line, column, getattr(meta, "end_line", None) or line, getattr(meta, "end_column", None) or column + 1


def _single_line(mark: Mark, width: int) -> Mark:
    """The mark when it fits on its first line, else its first ``width`` characters."""
    if mark.end_line == mark.line:
        return mark
    return Mark(mark.line, mark.column, mark.line, mark.column + max(width, 1))


def _body_data(node: Tree) -> list:
    attributes: list[list] = []
    blocks: list[list] = []
    for child in _trees(node):
        if child.data == "attribute":
            parts = _trees(child)
            if len(parts) < 2:
                continue
            name = _token_text(parts[0])
            mark = _single_line(Mark(*_position(child)), len(name))
            attributes.append([name, mark.line, mark.column, mark.end_line, mark.end_column,
                               _expression_data(parts[-1])])
        elif child.data == "block":
            parts = _trees(child)
            inner = parts[-1] if parts and parts[-1].data == "body" else None
            labels = [_label(p) for p in parts[:-1]] if inner is not None else [_label(p) for p in parts]
            if not labels:
                continue
            line, column, _, _ = _position(child)
            brace = next((c for c in child.children if not _is_tree(c) and getattr(c, "type", "") == "LBRACE"), None)
            end = brace.end_column if brace is not None and brace.line == line else column + len(labels[0])
            blocks.append([labels[0], labels[1:], line, column, line, end,
                           _body_data(inner) if inner is not None else [[], []]])
    return [attributes, blocks]


def _label(node: Tree) -> str:
    if node.data == "string":
        # Lark's tree as it is: the evaluator reads only what a ``Node`` shares with
        # it (``data``, ``children``, a token's ``type``), and labels are many.
        value = _string(node, NoScope(), 0)  # type: ignore[arg-type]
        return value if isinstance(value, str) else ""
    return _token_text(node)


# -- evaluation -----------------------------------------------------------------------------

_MAX_DEPTH = 60


def evaluate(expr: Node, scope: Scope) -> Any:
    """The value of an expression, ``UNKNOWN`` when it cannot be known without Terraform."""
    try:
        return _eval(expr, scope, 0)
    except RecursionError:
        return UNKNOWN


def unwrap(expr: Node) -> Node:
    """The expression inside `expr_term` wrappers and parentheses."""
    while expr.data == "expr_term":
        inner = _trees(expr)
        if len(inner) != 1:
            break
        expr = inner[0]
    return expr


def elements(expr: Node) -> list[Node] | None:
    """The item expressions of a tuple literal (`[a, b]`), else None."""
    expr = unwrap(expr)
    return _trees(expr) if expr.data == "tuple" else None


def object_items(expr: Node, scope: Scope) -> list[tuple[str, Node, Mark]] | None:
    """(key, value expression, mark) of an object literal (`{ a = 1 }`), else None;
    items with a computed key are left out."""
    expr = unwrap(expr)
    if expr.data != "object":
        return None
    items = []
    for elem in _trees(expr):
        if elem.data != "object_elem":
            continue
        parts = _trees(elem)
        if len(parts) < 2:
            continue
        key = _key(parts[0], scope)
        if isinstance(key, str):
            items.append((key, parts[-1], _single_line(mark_of(elem), len(key))))
    return items


def reference(expr: Node) -> tuple[str, ...] | None:
    """The names of a plain reference (`var.x` is ``("var", "x")``), else None."""
    expr = unwrap(expr)
    if expr.data == "string":  # "${var.x}"
        parts = [p for p in _trees(expr) if p.data == "string_part"]
        inner = _trees(parts[0]) if len(parts) == 1 else []
        if len(inner) == 1 and inner[0].data == "interpolation":
            expressions = _trees(inner[0])
            return reference(expressions[0]) if expressions else None
        return None
    names: list[str] = []
    while expr.data == "get_attr_expr_term":
        parts = _trees(expr)
        if len(parts) != 2:
            return None
        names.append(_token_text(_trees(parts[1])[0]) if _trees(parts[1]) else "")
        expr = unwrap(parts[0])
    if expr.data != "identifier":
        return None
    names.append(_token_text(expr))
    return tuple(reversed(names))


def _eval(node: Node, scope: Scope, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return UNKNOWN
    depth += 1
    kind = node.data
    if kind == "expr_term":
        inner = _trees(node)
        return _eval(inner[0], scope, depth) if len(inner) == 1 else UNKNOWN
    if kind == "string":
        return _string(node, scope, depth)
    if kind == "int_lit":
        return int(_token_text(node))
    if kind == "float_lit":
        try:
            return float(_token_text(node))
        except ValueError:
            return UNKNOWN
    if kind == "literal_value":
        text = _token_text(node)
        return {"true": True, "false": False}.get(text, NULL)
    if kind == "tuple":
        return [_eval(item, scope, depth) for item in _trees(node)]
    if kind == "object":
        result: dict[str, Any] = {}
        for elem in _trees(node):
            parts = _trees(elem)
            if elem.data != "object_elem" or len(parts) < 2:
                continue
            key = _key(parts[0], scope)
            if not isinstance(key, str):
                return UNKNOWN  # a computed key: which keys exist is unknown
            result[key] = _eval(parts[-1], scope, depth)
        return result
    if kind in ("identifier", "get_attr_expr_term", "index_expr_term"):
        return _traversal(node, scope, depth)
    if kind == "function_call":
        return _call(node, scope, depth)
    if kind == "conditional":
        parts = _trees(node)
        if len(parts) != 3:
            return UNKNOWN
        condition = _eval(parts[0], scope, depth)
        if condition is True:
            return _eval(parts[1], scope, depth)
        if condition is False:
            return _eval(parts[2], scope, depth)
        return UNKNOWN
    if kind == "binary_op":
        return _binary(node, scope, depth)
    if kind == "unary_op":
        operator = _token_text(node.children[0])
        parts = _trees(node)
        value = _eval(parts[0], scope, depth) if parts else UNKNOWN
        if operator == "-" and _is_number(value):
            return -value
        if operator == "!" and isinstance(value, bool):
            return not value
        return UNKNOWN
    if kind == "heredoc_template":
        return _heredoc(_token_text(node))
    return UNKNOWN  # splats, for expressions, template directives, heredocs with `<<-`


def _key(node: Node, scope: Scope) -> Any:
    """An object key: a bare name is the name itself, anything else is evaluated."""
    inner = _trees(node)
    target = unwrap(inner[0]) if inner else node
    if target.data in ("identifier", "keyword"):
        return _token_text(target)
    return _eval(target, scope, 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> str | None:
    """A value as it reads inside a string: numbers and bools convert, nothing else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return str(value)
    return None


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str | None:
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        following = text[index + 1: index + 2]
        if following in _ESCAPES:
            out.append(_ESCAPES[following])
            index += 2
        elif following in ("u", "U"):
            width = 4 if following == "u" else 8
            digits = text[index + 2: index + 2 + width]
            try:
                out.append(chr(int(digits, 16)))
            except (ValueError, OverflowError):
                return None
            index += 2 + width
        else:
            return None
    return "".join(out)


def _string(node: Node, scope: Scope, depth: int) -> Any:
    parts = [p for p in _trees(node) if p.data == "string_part"]
    # "${x}" alone is the value of x, unconverted (HCL's rule for a lone interpolation).
    if len(parts) == 1:
        inner = _trees(parts[0])
        if len(inner) == 1 and inner[0].data == "interpolation":
            expressions = _trees(inner[0])
            return _eval(expressions[0], scope, depth) if expressions else UNKNOWN
    pieces: list[str] = []
    unknown = False
    for part in parts:
        inner = _trees(part)
        if inner:
            if inner[0].data != "interpolation":
                return UNKNOWN  # `%{ if }` directives
            expressions = _trees(inner[0])
            text = _text(_eval(expressions[0], scope, depth)) if expressions else None
            if text is None:
                unknown = True
            else:
                pieces.append(text)
            continue
        token = part.children[0] if part.children else None
        raw = str(token) if token is not None else ""
        kind = getattr(token, "type", "")
        if kind == "ESCAPED_INTERPOLATION":
            pieces.append(raw[1:])  # `$${` is a literal `${`
        elif kind == "ESCAPED_DIRECTIVE":
            pieces.append(raw[1:])
        else:
            text = _unescape(raw)
            if text is None:
                return UNKNOWN
            pieces.append(text)
    return UNKNOWN if unknown else "".join(pieces)


def _heredoc(raw: str) -> Any:
    """`<<EOF ... EOF` without interpolation is its lines; with any, unknown."""
    lines = raw.replace("\r\n", "\n").split("\n")
    if len(lines) < 3 or "${" in raw or "%{" in raw:
        return UNKNOWN
    return "\n".join(lines[1:-2]) + "\n"


def _traversal(node: Node, scope: Scope, depth: int) -> Any:
    steps: list[tuple[str, Any]] = []
    current = node
    while True:
        if current.data == "expr_term":
            inner = _trees(current)
            if len(inner) != 1:
                return UNKNOWN
            current = inner[0]
        elif current.data == "get_attr_expr_term":
            parts = _trees(current)
            names = _trees(parts[1]) if len(parts) == 2 else []
            if not names:
                return UNKNOWN
            steps.append(("attr", _token_text(names[0])))
            current = parts[0]
        elif current.data == "index_expr_term":
            parts = _trees(current)
            if len(parts) != 2:
                return UNKNOWN
            index = parts[1]
            if index.data == "short_index":
                token = next((c for c in index.children if getattr(c, "type", "") == "INT_LITERAL"), None)
                steps.append(("index", int(str(token)) if token is not None else UNKNOWN))
            else:
                inner = _trees(index)
                steps.append(("index", _eval(inner[0], scope, depth) if inner else UNKNOWN))
            current = parts[0]
        else:
            break
    steps.reverse()
    if current.data != "identifier":
        return _steps(_eval(current, scope, depth), steps)
    root = _token_text(current)
    attrs = [name for kind, name in steps if kind == "attr"]
    if root in ("var", "local", "path"):
        if not steps or steps[0][0] != "attr":
            return UNKNOWN
        name = steps[0][1]
        value = scope.variable(name) if root == "var" else scope.local(name) if root == "local" else scope.path(name)
        return _steps(value, steps[1:])
    if root in ("each", "count", "self", "terraform") or not attrs:
        return UNKNOWN
    return Ref((root, *attrs))


def _steps(value: Any, steps: list[tuple[str, Any]]) -> Any:
    for kind, key in steps:
        if value is UNKNOWN or isinstance(value, Ref):
            return UNKNOWN
        if kind == "attr" and isinstance(value, dict):
            value = value.get(key, UNKNOWN)
        elif kind == "index" and isinstance(value, dict) and isinstance(key, str):
            value = value.get(key, UNKNOWN)
        elif kind == "index" and isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
            value = value[key] if 0 <= key < len(value) else UNKNOWN
        else:
            return UNKNOWN
    return value


def _binary(node: Node, scope: Scope, depth: int) -> Any:
    parts = _trees(node)
    if len(parts) != 2 or parts[1].data != "binary_term":
        return UNKNOWN
    term = _trees(parts[1])
    if len(term) != 2:
        return UNKNOWN
    operator = _token_text(term[0]).strip()
    left = _eval(parts[0], scope, depth)
    if operator == "&&" and left is False or operator == "||" and left is True:
        return left
    right = _eval(term[1], scope, depth)
    if left is UNKNOWN or right is UNKNOWN or isinstance(left, Ref) or isinstance(right, Ref):
        return UNKNOWN
    if operator in ("==", "!="):
        if not all(isinstance(v, (str, int, float, bool, _Null)) for v in (left, right)):
            return UNKNOWN
        return (left == right) is (operator == "==")
    if operator in ("&&", "||"):
        return right if isinstance(left, bool) and isinstance(right, bool) else UNKNOWN
    if not (_is_number(left) and _is_number(right)):
        return UNKNOWN
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if operator == "/":
        return left / right if right else UNKNOWN
    if operator == "%":
        return left % right if right else UNKNOWN
    if operator in ("<", ">", "<=", ">="):
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]
    return UNKNOWN


# -- functions ----------------------------------------------------------------------------------


def _call(node: Node, scope: Scope, depth: int) -> Any:
    parts = _trees(node)
    names = [p for p in parts if p.data == "identifier"]
    if len(names) != 1:
        return UNKNOWN  # `provider::x::f(...)`
    name = _token_text(names[0])
    arguments = _child(node, "arguments")
    expressions = _trees(arguments) if arguments is not None else []
    if any(getattr(c, "type", "") == "ELLIPSIS" for c in (arguments.children if arguments is not None else [])):
        return UNKNOWN  # `f(list...)`
    if name == "try":
        # Its first argument when that is known; an unknown one may or may not fail.
        return _eval(expressions[0], scope, depth) if expressions else UNKNOWN
    values = [_eval(expression, scope, depth) for expression in expressions]
    if name in _DIGESTS:
        return Digest(values[0]) if len(values) == 1 else UNKNOWN
    if name == "coalesce":
        for value in values:
            if value is UNKNOWN or isinstance(value, Ref):
                return UNKNOWN
            if value is not NULL and value != "":
                return value
        return UNKNOWN
    function = _FUNCTIONS.get(name)
    if function is None or any(v is UNKNOWN or isinstance(v, (Ref, Digest)) for v in values):
        return UNKNOWN
    try:
        return function(*values)
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError):
        return UNKNOWN


def _format(template: str, *values: Any) -> Any:
    out = []
    index = 0
    remaining = list(values)
    while index < len(template):
        char = template[index]
        if char != "%":
            out.append(char)
            index += 1
            continue
        verb = template[index + 1: index + 2]
        if verb == "%":
            out.append("%")
        elif verb in ("s", "d", "v") and remaining:
            text = _text(remaining.pop(0))
            if text is None:
                return UNKNOWN
            out.append(text)
        else:
            return UNKNOWN
        index += 2
    return "".join(out)


def _join(separator: str, *lists: Any) -> Any:
    items = [item for values in lists for item in values]
    texts = [_text(item) for item in items]
    return UNKNOWN if any(t is None for t in texts) else separator.join(texts)  # type: ignore[arg-type]


def _lookup(mapping: dict, key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    return default[0] if default else UNKNOWN


def _string_function(function: Callable[..., str]) -> Callable[..., Any]:
    def call(*values: Any) -> Any:
        if not all(isinstance(v, str) for v in values):
            return UNKNOWN
        return function(*values)
    return call


def _abspath(path: str) -> str:
    # Relative to Terraform's working directory, as every path is here.
    return posixpath.normpath(path)


_DIGESTS = frozenset({"filebase64sha256", "filebase64sha512", "filesha256", "filesha512", "filesha1", "filemd5"})
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": lambda template, *values: _format(template, *values) if isinstance(template, str) else UNKNOWN,
    "join": lambda separator, *lists: _join(separator, *lists)
    if isinstance(separator, str) and all(isinstance(v, list) for v in lists) else UNKNOWN,
    "abspath": _string_function(_abspath),
    "dirname": _string_function(lambda path: posixpath.dirname(path.rstrip("/")) or "."),
    "basename": _string_function(lambda path: posixpath.basename(path.rstrip("/"))),
    "lower": _string_function(str.lower),
    "upper": _string_function(str.upper),
    "trimspace": _string_function(str.strip),
    "trimsuffix": _string_function(lambda text, suffix: text[: -len(suffix)] if suffix and text.endswith(suffix)
                                   else text),
    "trimprefix": _string_function(lambda text, prefix: text[len(prefix):] if text.startswith(prefix) else text),
    "tostring": lambda value: _text(value) if _text(value) is not None else UNKNOWN,
    "tonumber": lambda value: value if isinstance(value, (int, float)) and not isinstance(value, bool)
    else (int(value) if isinstance(value, str) and value.strip().isdigit() else UNKNOWN),
    "tolist": lambda value: value if isinstance(value, list) else UNKNOWN,
    "concat": lambda *lists: [item for values in lists for item in values]
    if all(isinstance(v, list) for v in lists) else UNKNOWN,
    "element": lambda values, index: values[index % len(values)]
    if isinstance(values, list) and values and isinstance(index, int) else UNKNOWN,
    "lookup": lambda mapping, key, *default: _lookup(mapping, key, *default)
    if isinstance(mapping, dict) and isinstance(key, str) else UNKNOWN,
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()}
    if all(isinstance(m, dict) for m in maps) else UNKNOWN,
}
