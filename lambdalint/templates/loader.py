"""YAML and JSON templates loaded with the line of every key.

CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.Arn`, `!Sub ...`)
become the long form JSON templates use (`{"Ref": "X"}`,
`{"Fn::GetAtt": ["A", "Arn"]}`), so the readers of SAM, CloudFormation and
serverless.yml see one shape whatever the file's syntax. JSON is read with
the same YAML composer (JSON is YAML's flow style), which keeps line numbers
for JSON templates too.

Nothing here executes anything: only the composer runs (no Python object
construction), and aliases are converted once each, so a "billion laughs"
file costs no more than its size.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

# PyYAML is imported by the first template loaded (`_import_yaml`): a run the results
# cache answers loads no template, and importing PyYAML was a tenth of such a run.
_Loader: Any = None
_CONSTRUCTOR: Any = None


def _import_yaml() -> None:
    global yaml, _Loader, _CONSTRUCTOR  # noqa: PLW0603
    import yaml

    _CONSTRUCTOR = yaml.constructor.SafeConstructor()
    _Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Short-form tags whose long form is not `Fn::<Name>`.
_PLAIN_TAGS = {"Ref": "Ref", "Condition": "Condition"}


class TemplateError(Exception):
    """A file that cannot be read as YAML/JSON; the message is user-facing."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Mark:
    """Where a key (and its value, when on the same line) sits: 1-based, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


NO_MARK = Mark(1, 1, 1, 1)


class Mapping(dict):  # type: ignore[type-arg]
    """A YAML/JSON object that remembers where each key is."""

    mark: Mark = NO_MARK
    marks: dict[Any, Mark]

    def __init__(self) -> None:
        super().__init__()
        self.marks = {}

    def mark_of(self, key: Any) -> Mark:
        return self.marks.get(key, self.mark)


class Sequence(list):  # type: ignore[type-arg]
    """A YAML/JSON list that remembers where each item is."""

    mark: Mark = NO_MARK
    marks: list[Mark]

    def __init__(self) -> None:
        super().__init__()
        self.marks = []

    def mark_of(self, index: int) -> Mark:
        return self.marks[index] if 0 <= index < len(self.marks) else self.mark


def _mark(start: Any, end: Any) -> Mark:
    return Mark(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _pair_mark(key: yaml.Node, value: yaml.Node) -> Mark:
    """The key, and its value too when the value ends on the key's line."""
    start = key.start_mark
    end = value.end_mark if value.end_mark.line == start.line else key.end_mark
    return _mark(start, end)


def _item_mark(node: yaml.Node) -> Mark:
    """A list item: its first key (and value) for a mapping, else the item on its first line."""
    if isinstance(node, yaml.MappingNode) and node.value:
        return _pair_mark(*node.value[0])
    start, end = node.start_mark, node.end_mark
    if end.line != start.line:
        return Mark(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
    return _mark(start, end)


class _Converter:
    def __init__(self) -> None:
        self.done: dict[int, Any] = {}

    def convert(self, node: yaml.Node) -> Any:
        known = self.done.get(id(node))
        if known is not None:
            return known
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            value = self._intrinsic(tag[1:], node)
        elif isinstance(node, yaml.MappingNode):
            value = self._mapping(node)
        elif isinstance(node, yaml.SequenceNode):
            value = self._sequence(node)
        else:
            value = _scalar(node)
        if isinstance(value, (Mapping, Sequence)):
            self.done[id(node)] = value
        return value

    def _mapping(self, node: yaml.MappingNode) -> Mapping:
        result = Mapping()
        result.mark = _mark(node.start_mark, node.end_mark)
        self.done[id(node)] = result  # before the children: recursive aliases end here
        for key_node, value_node in node.value:
            key = self.convert(key_node)
            if isinstance(key, (dict, list)):
                key = str(getattr(key_node, "value", ""))
            result[key] = self.convert(value_node)
            result.marks[key] = _pair_mark(key_node, value_node)
        return result

    def _sequence(self, node: yaml.SequenceNode) -> Sequence:
        result = Sequence()
        result.mark = _mark(node.start_mark, node.end_mark)
        self.done[id(node)] = result
        for item in node.value:
            result.append(self.convert(item))
            result.marks.append(_item_mark(item))
        return result

    def _intrinsic(self, name: str, node: yaml.Node) -> Mapping:
        key = _PLAIN_TAGS.get(name, f"Fn::{name}")
        if isinstance(node, yaml.MappingNode):
            inner: Any = self._mapping(node)
        elif isinstance(node, yaml.SequenceNode):
            inner = self._sequence(node)
        else:
            inner = str(node.value)
            if name == "GetAtt":
                resource, _, attribute = inner.partition(".")
                parts = Sequence()
                parts.extend([resource, attribute])
                parts.mark = _mark(node.start_mark, node.end_mark)
                parts.marks = [parts.mark, parts.mark]
                inner = parts
        result = Mapping()
        result.mark = _mark(node.start_mark, node.end_mark)
        result[key] = inner
        result.marks[key] = result.mark
        return result


def _scalar(node: yaml.Node) -> Any:
    constructor = _CONSTRUCTOR.yaml_constructors.get(node.tag)
    if constructor is None or node.tag == "tag:yaml.org,2002:str":
        return node.value
    try:
        return constructor(_CONSTRUCTOR, node)
    except Exception:  # noqa: BLE001 - an odd scalar stays text
        return node.value


def load_text(text: str, *, is_json: bool = False) -> Any:
    """The document in ``text`` as Mapping/Sequence/scalars, or raise TemplateError.

    An empty document is None. A JSON file must be valid JSON (CloudFormation reads it
    with a JSON parser); it is then composed as YAML for the key positions.
    """
    data = _load_json(text) if is_json else None
    if _Loader is None:
        _import_yaml()
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        if is_json:
            return _wrap(data)
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise TemplateError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as error:
        if is_json:
            return _wrap(data)
        raise TemplateError(f"invalid YAML: {error}") from None
    except RecursionError:
        raise TemplateError("the template is nested too deeply to read") from None
    if node is None:
        return None
    try:
        return _Converter().convert(node)
    except RecursionError:
        raise TemplateError("the template is nested too deeply to read") from None


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TemplateError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise TemplateError("the template is nested too deeply to read") from None


def _wrap(data: Any) -> Any:
    if isinstance(data, dict):
        result = Mapping()
        for key, value in data.items():
            result[key] = _wrap(value)
        return result
    if isinstance(data, list):
        items = Sequence()
        items.extend(_wrap(v) for v in data)
        items.marks = [NO_MARK] * len(items)
        return items
    return data


# After a key whose value is a literal block scalar: `: |`, `: |-`, `: |2+`, `: !Sub |`.
_LITERAL_BLOCK = re.compile(r"\s*:\s*(?:!\S+\s+)?\|(?P<a>[1-9]?)[+-]?(?P<b>[1-9]?)\s*(?:#.*)?")


def literal_block_lines(text: str, key: Mark, value: str) -> tuple[tuple[int, int], ...] | None:
    """Where each line of ``value`` starts in ``text`` (1-based line and column) when
    it is the literal block (`|`) of the key at ``key``; None when it is written any
    other way (folded `>`, quoted, flow style, JSON), or when the text read back
    from those lines is not exactly ``value``.

    The key's mark ends where the key does (its value ends on a later line).
    """
    lines = text.split("\n")
    row = key.line - 1
    if not 0 <= row < len(lines) or key.end_line != key.line:
        return None
    match = _LITERAL_BLOCK.fullmatch(lines[row][key.end_column - 1:].rstrip("\r"))
    if match is None:
        return None
    code = value.split("\n")
    explicit = match.group("a") or match.group("b")
    if explicit:
        indent = key.column - 1 + int(explicit)
    else:
        first = next((line for line in lines[row + 1:] if line.strip()), None)
        if first is None:
            return None
        indent = len(first) - len(first.lstrip(" "))
    while len(code) > 1 and code[-1] == "":
        code.pop()  # the final line break(s) of the block
    for offset, line in enumerate(code):
        index = row + 1 + offset
        written = lines[index].rstrip("\r") if index < len(lines) else None
        if written is None or (written[:indent].strip() or written[indent:] != line) and (line or written.strip()):
            return None
    return tuple((key.line + 1 + offset, indent + 1) for offset in range(value.count("\n") + 1))
