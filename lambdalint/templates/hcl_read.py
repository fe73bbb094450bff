"""A fast reader of HCL2 files that gives exactly what python-hcl2's parse tree gives.

``hcl.file_data`` turns a file into plain data (blocks, attributes, and every
expression as its parse tree, flat). That data used to come from python-hcl2's
Lark parse tree only, which costs about 4 ms per kilobyte of Terraform plus a
quarter of a second to import Lark and build its parser: most of a run on a
Terraform repository. This module reads the same files by hand, a tokenizer (two
compiled regular expressions) and a recursive-descent parser written from
python-hcl2's grammar (`hcl2/hcl2.lark`, 8.x) and from what Lark does with it, and
builds the same data directly.

The contract is exactness or nothing: ``file_data`` returns what
``hcl.file_data``'s hcl2 path returns for the text, equal item for item (rule
names, token types and texts, every line and column), or raises ``Decline`` and
the caller asks hcl2. It declines on anything the grammar rejects (so a broken
file's message and line stay hcl2's), on what it does not read (template
directives `%{...}` in quoted strings, `\\"` template strings, keywords used as
names in expressions, a label with an interpolation), on a few spots where Lark's
answer depends on parser states that this reader does not model (below), and on
nesting deep enough to exhaust Python's stack. Declining costs time, never a
different answer. It was written against python-hcl2 8.1.4 and Lark 1.3.1;
`tests/test_hcl_read.py` compares it with the python-hcl2 installed (CI's too), so
a release that reads a construct differently shows there.

What Lark does that a reader of the grammar alone would not guess, and this one
copies:

- ``parses_to_tree`` appends a newline to the text.
- Whitespace is skipped, but `EQ` and `COLON` include the blanks before them
  (`[ \\t]*=`), and a newline or comment is a token (``NL_OR_COMMENT``), kept in
  ``new_line_or_comment`` nodes.
- The post-lexer merges a newline or comment into the text of a following binary
  operator or `?` (not `-`), keeping the operator's position: that is how an
  operator may start a line.
- Lark's lexer is contextual: which terminals it tries depends on the parser's
  state, and because the post-lexer holds a newline back until it sees the next
  token, the token after a newline is read in the state before it. A word is a
  keyword (`for`, `in`, `if`, ...), `true`/`false`/`null`, or a name by where it
  stands. LALR merges the states after an expression with those where one
  starts, so numbers and heredocs are tried after an expression too: `b -12` is
  `b` and the number `-12` (an error), `b -1` a subtraction, because
- numbers follow the grammar's odd terminals to the letter: `-1` is a unary minus
  on `1` but `-12` is one literal.
- Conflicts resolve as shifts: a binary operation takes the newline that follows
  it into its own node, the innermost one first; a run of newlines and comments
  is one node; a splat takes every attribute and index after it.
- A node's position runs from its first token's start to its last token's end.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from lambdalint.templates.hcl import _unescape


class Decline(Exception):
    """Not for this reader: python-hcl2 reads the text (and words its problem)."""


# -- tokens ---------------------------------------------------------------------------------

# Outside strings. Order matters as it does in Lark's lexer (longest patterns first);
# EQ and COLON come before blanks so that they take the blanks before them.
_CODE = re.compile(r"""
    (?P<EQ>[ \t]*=(?![=>]))
  | (?P<COLON>[ \t]*:(?!:))
  | (?P<WS>[ \t\r]+)
  | (?P<NL>\n[ \t]*|\#[^\n]*\n|//[^\n]*\n|/\*[\s\S]*?\*/)
  | (?P<WORD>[a-zA-Z_][a-zA-Z0-9_-]*)
  | (?P<QUOTED>"[^"\\$%\n]*")
  | (?P<QUOTE>")
  | (?P<NUMBER>-?[0-9])
  | (?P<HEREDOC><<)
  | (?P<PUNCT>\.\.\.|\[\*\]|==|!=|<=|>=|&&|\|\||\.\*|=>|::|[-+*/%<>!?(){}\[\],.])
""", re.VERBOSE)

# Inside a quoted string: the grammar's terminals, escaped interpolations first.
_STRING = re.compile(r"""
    (?P<ESCAPED_INTERPOLATION>\$\$\{[^}]*\})
  | (?P<ESCAPED_DIRECTIVE>%%\{[^}]*\})
  | (?P<STRING_CHARS>(?:(?!\$\$\{)(?!\$\{)(?!%%\{)(?!%\{)[^"\\]|\\.|\$(?!\$?\{)|%(?!%?\{))+)
  | (?P<INTERP_START>\$\{)
  | (?P<DBLQUOTE>")
""", re.VERBOSE)

# FLOAT_LITERAL before INT_LITERAL, as Lark tries them; both as the grammar spells them.
_NUMBER = re.compile(r"""
    (?P<FLOAT_LITERAL>(?:(?:-[0-9])?[0-9]+|(?:-[0-9])+)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+))
  | (?P<INT_LITERAL>(?:-[0-9])?[0-9]+)
""", re.VERBOSE)

_HEREDOC = re.compile(r"<<(-?)([a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:[\s\S]*?\r?\n)??\s*\2\r?\n")

_PUNCTUATION = {
    "...": "ELLIPSIS", "[*]": "FULL_SPLAT_START", "==": "DOUBLE_EQ", "!=": "NEQ", "<=": "LEQ", ">=": "GEQ",
    "&&": "DOUBLE_AMP", "||": "DOUBLE_PIPE", ".*": "ATTR_SPLAT", "=>": "FOR_OBJECT_ARROW", "::": "COLONS",
    "-": "MINUS", "+": "PLUS", "*": "ASTERISK", "/": "SLASH", "%": "PERCENT", "<": "LT", ">": "GT", "!": "NOT",
    "?": "QMARK", "(": "LPAR", ")": "RPAR", "{": "LBRACE", "}": "RBRACE", "[": "LSQB", "]": "RSQB", ",": "COMMA",
    ".": "DOT",
}

# Operators the post-lexer glues a preceding newline or comment to.
_GLUED = frozenset({"DOUBLE_EQ", "NEQ", "LT", "GT", "LEQ", "GEQ", "ASTERISK", "SLASH", "PERCENT", "DOUBLE_AMP",
                    "DOUBLE_PIPE", "PLUS", "QMARK"})

_KEYWORDS = {"in": "IN", "for": "FOR", "if": "IF", "for_each": "FOR_EACH", "else": "ELSE", "endif": "ENDIF",
             "endfor": "ENDFOR"}
_LITERALS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}

NL = "NL_OR_COMMENT"


class _Tokens:
    """The file's tokens as parallel lists: type, text, line, column, end line, end
    column (Lark's, 1-based). A word's type (``WORD``) is settled by the parser."""

    __slots__ = ("types", "texts", "lines", "columns", "end_lines", "end_columns")

    def __init__(self) -> None:
        self.types: list[str] = []
        self.texts: list[str] = []
        self.lines: list[int] = []
        self.columns: list[int] = []
        self.end_lines: list[int] = []
        self.end_columns: list[int] = []


def _tokenize(text: str) -> _Tokens:
    """The tokens Lark's lexer and python-hcl2's post-lexer give for the text, with a
    ``WORD`` for each name-like word and an ``EOF`` at the end; lines are counted
    as tokens that hold newlines are added, never by a pass over the text."""
    tokens = _Tokens()
    types, texts = tokens.types, tokens.texts
    lines, columns, end_lines, end_columns = tokens.lines, tokens.columns, tokens.end_lines, tokens.end_columns
    line, line_start = 1, 0  # the current line and the offset where it starts
    position, end = 0, len(text)
    modes: list[int] = []  # per open `${`: the depth of braces inside it; a string's parts when -1
    code_match, string_match = _CODE.match, _STRING.match

    def add(kind: str, start: int, stop: int, newlines: bool) -> None:
        nonlocal line, line_start
        value = text[start:stop]
        types.append(kind)
        texts.append(value)
        lines.append(line)
        columns.append(start - line_start + 1)
        if newlines and "\n" in value:
            line += value.count("\n")
            line_start = start + value.rfind("\n") + 1
        end_lines.append(line)
        end_columns.append(stop - line_start + 1)

    while position < end:
        if modes and modes[-1] == -1:  # inside a quoted string
            match = string_match(text, position)
            if match is None:
                raise Decline("a string the grammar does not read (a directive or a bad escape)")
            kind = match.lastgroup
            stop = match.end()
            if kind == "DBLQUOTE":
                modes.pop()
                add("DBLQUOTE", position, stop, False)
            elif kind == "INTERP_START":
                modes.append(0)
                add(kind, position, stop, False)
            else:
                add(kind, position, stop, True)  # type: ignore[arg-type]
            position = stop
            continue
        match = code_match(text, position)
        if match is None:
            raise Decline(f"a character the grammar has no token for: {text[position]!r}")
        kind = match.lastgroup
        stop = match.end()
        if kind == "PUNCT":
            kind = _PUNCTUATION[match.group()]
            if modes and (kind == "LBRACE" or kind == "RBRACE"):
                if kind == "LBRACE":
                    modes[-1] += 1
                elif modes[-1] == 0:  # the `}` of a `${`
                    modes.pop()
                else:
                    modes[-1] -= 1
            if kind in _GLUED:
                _operator(tokens, add, kind, position, stop)
                kind = ""
        elif kind == "WS":
            kind = ""
        elif kind == "NL":
            add(NL, position, stop, True)
            kind = ""
        elif kind == "QUOTED":  # a plain string: its quotes and its characters at once
            add("DBLQUOTE", position, position + 1, False)
            if stop - position > 2:
                add("STRING_CHARS", position + 1, stop - 1, False)
            add("DBLQUOTE", stop - 1, stop, False)
            kind = ""
        elif kind == "QUOTE":
            modes.append(-1)
            add("DBLQUOTE", position, stop, False)
            kind = ""
        elif kind == "NUMBER":
            # Lark tries numbers wherever an expression may start, and, its states being
            # merged, after one ends too: `b -12` is `b` and the number `-12` (an error)
            number = _NUMBER.match(text, position)
            if number is not None:
                stop = number.end()
                add(number.lastgroup, position, stop, False)  # type: ignore[arg-type]
            else:  # `-1` is no INT_LITERAL (the grammar wants two digits after a sign)
                stop = position + 1
                add("MINUS", position, stop, False)
            kind = ""
        elif kind == "HEREDOC":
            heredoc = _HEREDOC.match(text, position)  # likewise tried after an expression
            if heredoc is not None:
                stop = heredoc.end()
                add("HEREDOC_TEMPLATE_TRIM" if heredoc.group(1) else "HEREDOC_TEMPLATE", position, stop, True)
            else:
                stop = position + 1
                _operator(tokens, add, "LT", position, stop)
            kind = ""
        if kind:  # a word, `=`, `:` or punctuation: ``add`` for a one-line token, inline (most are such)
            types.append(kind)
            texts.append(text[position:stop])
            lines.append(line)
            end_lines.append(line)
            columns.append(position - line_start + 1)
            end_columns.append(stop - line_start + 1)
        position = stop
    if modes:
        raise Decline("a string or interpolation left open")
    add("EOF", end, end, False)
    return tokens


def _operator(tokens: _Tokens, add: Callable[[str, int, int, bool], None], kind: str, start: int,
              stop: int) -> None:
    """An operator token, with the newline or comment just before it glued to its text
    (python-hcl2's post-lexer); its position stays the operator's."""
    add(kind, start, stop, False)
    types, texts = tokens.types, tokens.texts
    if len(types) > 1 and types[-2] == NL:
        texts[-1] = texts[-2] + texts[-1]
        for column in (tokens.types, tokens.texts, tokens.lines, tokens.columns, tokens.end_lines,
                       tokens.end_columns):
            del column[-2]


# -- parser ---------------------------------------------------------------------------------

# A node while parsing: (rule name, first token, last token, children), a child being
# a node or a token's index. Flattened into ``file_data``'s lists at the end.
Tree = tuple  # (str, int, int, list)

_PRECEDENCE = {
    "DOUBLE_PIPE": 1, "DOUBLE_AMP": 2, "DOUBLE_EQ": 3, "NEQ": 3, "LT": 4, "GT": 4, "LEQ": 4, "GEQ": 4,
    "PLUS": 5, "MINUS": 5, "ASTERISK": 6, "SLASH": 6, "PERCENT": 6,
}


def _last(child: Any) -> int:
    return child if child.__class__ is int else child[2]


def _first(child: Any) -> int:
    return child if child.__class__ is int else child[1]


class _Parser:
    """Recursive descent over the tokens, one method per rule of python-hcl2's grammar."""

    def __init__(self, tokens: _Tokens) -> None:
        self.tokens = tokens
        self.types = tokens.types
        self.texts = tokens.texts
        self.index = 0

    # -- helpers

    def expect(self, kind: str) -> int:
        index = self.index
        if self.types[index] != kind:
            raise Decline(f"expected {kind}, found {self.types[index]}")
        self.index = index + 1
        return index

    def newlines(self, children: list) -> None:
        """A `new_line_or_comment?`: every newline and comment here, as one node."""
        types = self.types
        index = first = self.index
        while types[index] == NL:
            index += 1
        if index != first:
            children.append(("new_line_or_comment", first, index - 1, list(range(first, index))))
            self.index = index

    def take(self, children: list) -> None:
        """The current token (a bracket, a comma, `...`) into ``children``, then the
        newlines and comments after it."""
        children.append(self.index)
        self.index += 1
        self.newlines(children)

    def close(self, rule: str, kind: str, children: list) -> Tree:
        """The node ``rule`` of ``children``, ended by a ``kind`` token (its bracket)."""
        end = self.expect(kind)
        children.append(end)
        return (rule, _first(children[0]), end, children)

    # -- structure

    def body(self, top: bool) -> list:
        """`body`: attributes and blocks, as ``file_data`` gives them."""
        types, texts, tokens = self.types, self.texts, self.tokens
        attributes: list[list] = []
        blocks: list[list] = []
        while True:
            kind = types[self.index]
            if kind == NL:
                self.index += 1
                continue
            if kind != "WORD":
                if kind == ("EOF" if top else "RBRACE"):
                    return [attributes, blocks]
                raise Decline(f"{kind} where an attribute or block starts")
            name = self.index
            self.index += 1
            if types[self.index] == "EQ":
                self.index += 1
                expression = self.expression()
                last = _last(expression)
                line, column = tokens.lines[name], tokens.columns[name]
                if tokens.end_lines[last] == line:
                    end_line, end_column = line, tokens.end_columns[last]
                else:  # the mark of its first line (``hcl._single_line``)
                    end_line, end_column = line, column + max(len(texts[name]), 1)
                attributes.append([texts[name], line, column, end_line, end_column, _flat(expression, tokens)])
                continue
            labels = [texts[name]]
            while True:
                kind = types[self.index]
                if kind == "WORD":
                    labels.append(texts[self.index])
                    self.index += 1
                elif kind == "DBLQUOTE":
                    labels.append(self.label())
                else:
                    break
            while types[self.index] == NL:
                self.index += 1
            brace = self.expect("LBRACE")
            inner = self.body(False)
            self.expect("RBRACE")
            line, column = tokens.lines[name], tokens.columns[name]
            end = tokens.end_columns[brace] if tokens.lines[brace] == line else column + len(labels[0])
            blocks.append([labels[0], labels[1:], line, column, line, end, inner])

    def label(self) -> str:
        """A quoted block label's value, as ``hcl._label`` gives it."""
        types, texts = self.types, self.texts
        self.index += 1
        pieces: list[str] = []
        known = True
        while True:
            kind = types[self.index]
            raw = texts[self.index]
            self.index += 1
            if kind == "DBLQUOTE":
                return "".join(pieces) if known else ""
            if kind == "STRING_CHARS":
                value = _unescape(raw)
                if value is None:
                    known = False
                else:
                    pieces.append(value)
            elif kind == "ESCAPED_INTERPOLATION" or kind == "ESCAPED_DIRECTIVE":
                pieces.append(raw[1:])
            else:
                raise Decline("a label with an interpolation")

    # -- expressions

    def expression(self) -> Tree:
        """`expression`: a conditional or an `or_expr`."""
        condition = self.binary(1)
        if self.types[self.index] != "QMARK":
            return condition
        children: list = [condition, self.index]
        self.index += 1
        self.newlines(children)
        children.append(self.expression())
        self.newlines(children)
        children.append(self.expect("COLON"))
        self.newlines(children)
        yes_no = self.expression()
        children.append(yes_no)
        return ("conditional", _first(condition), _last(yes_no), children)

    def binary(self, lowest: int) -> Tree:
        """The ladder `or_expr` ... `mul_expr` by precedence climbing: left-associative
        `binary_op`s, each taking the newline that follows it."""
        types = self.types
        left = self.unary()
        while True:
            operator = self.index
            precedence = _PRECEDENCE.get(types[operator])
            if precedence is None or precedence < lowest:
                return left
            self.index += 1
            term: list = [("binary_operator", operator, operator, [operator])]
            self.newlines(term)
            right = self.binary(precedence + 1)
            term.append(right)
            children = [left, ("binary_term", operator, _last(right), term)]
            if types[self.index] == NL:
                self.newlines(children)
                # The operation is whole now: an operator that binds tighter cannot
                # take it as its left side (Lark has reduced it), a looser one can.
                if _PRECEDENCE.get(types[self.index], 0) > precedence:
                    raise Decline("a tighter operator after a newline that an operation took")
            left = ("binary_op", _first(left), _last(children[-1]), children)

    def unary(self) -> Tree:
        """`unary_op` (`-` or `!` on an `expr_term`), or an `expr_term`."""
        operator = self.index
        if self.types[operator] in ("MINUS", "NOT"):
            self.index += 1
            operand = self.term()
            return ("unary_op", operator, _last(operand), [operator, operand])
        return self.term()

    def term(self) -> Tree:
        """`expr_term` with its attributes, indexes and splats."""
        types = self.types
        node = self.primary()
        while True:
            index = self.index
            kind = types[index]
            if kind == "DOT" or kind == "LSQB":
                step = self.step()
                rule = "get_attr_expr_term" if step[0] == "get_attr" else "index_expr_term"
            elif kind == "ATTR_SPLAT" or kind == "FULL_SPLAT_START":
                self.index += 1
                splat: list = [index]
                while types[self.index] == "DOT" or types[self.index] == "LSQB":
                    splat.append(self.step())
                rule = "attr_splat_expr_term" if kind == "ATTR_SPLAT" else "full_splat_expr_term"
                step = ("attr_splat" if kind == "ATTR_SPLAT" else "full_splat", index, _last(splat[-1]), splat)
            else:
                return node
            inner = (rule, node[1], step[2], [node, step])
            node = ("expr_term", node[1], step[2], [inner])

    def step(self) -> Tree:
        """`get_attr`, `short_index` or `braces_index`."""
        types, texts = self.types, self.texts
        start = self.index
        if types[start] == "LSQB":
            children: list = []
            self.take(children)
            children.append(self.expression())
            self.newlines(children)
            return self.close("braces_index", "RSQB", children)
        name = start + 1
        kind = types[name]
        if kind == "INT_LITERAL":
            self.index = name + 1
            return ("short_index", start, name, [start, name])
        if kind != "WORD":
            raise Decline(f"{kind} after `.`")
        self.index = name + 1
        literal = _LITERALS.get(texts[name])
        if literal is not None:
            types[name] = literal
            return ("get_attr", start, name, [start, ("literal_value", name, name, [name])])
        types[name] = "NAME"
        return ("get_attr", start, name, [start, ("identifier", name, name, [name])])

    def primary(self) -> Tree:
        """The `expr_term` alternatives that are not postfix."""
        types, texts = self.types, self.texts
        index = self.index
        kind = types[index]
        if kind == "WORD":
            word = texts[index]
            literal = _LITERALS.get(word)
            if literal is not None:
                types[index] = literal
                self.index = index + 1
                return ("expr_term", index, index, [("literal_value", index, index, [index])])
            if word in _KEYWORDS:
                raise Decline(f"the keyword `{word}` as a name")
            following = types[index + 1]
            if following == "LPAR" or following == "COLONS":
                call = self.call()
                return ("expr_term", call[1], call[2], [call])
            types[index] = "NAME"
            self.index = index + 1
            return ("expr_term", index, index, [("identifier", index, index, [index])])
        if kind == "DBLQUOTE":
            string = self.string()
            return ("expr_term", string[1], string[2], [string])
        if kind == "INT_LITERAL" or kind == "FLOAT_LITERAL":
            self.index = index + 1
            rule = "int_lit" if kind == "INT_LITERAL" else "float_lit"
            return ("expr_term", index, index, [(rule, index, index, [index])])
        if kind == "LSQB":
            inner = self.tuple()
            return ("expr_term", inner[1], inner[2], [inner])
        if kind == "LBRACE":
            inner = self.object()
            return ("expr_term", inner[1], inner[2], [inner])
        if kind == "LPAR":
            children: list = []
            self.take(children)
            children.append(self.expression())
            self.newlines(children)
            return self.close("expr_term", "RPAR", children)
        if kind == "HEREDOC_TEMPLATE" or kind == "HEREDOC_TEMPLATE_TRIM":
            self.index = index + 1
            rule = "heredoc_template" if kind == "HEREDOC_TEMPLATE" else "heredoc_template_trim"
            return ("expr_term", index, index, [(rule, index, index, [index])])
        raise Decline(f"{kind} where an expression starts")

    def string(self) -> Tree:
        """`string`: its quotes and parts, `${...}` interpolations among them."""
        types = self.types
        start = self.index
        self.index += 1
        children: list = [start]
        while True:
            index = self.index
            kind = types[index]
            if kind == "DBLQUOTE":
                self.index = index + 1
                children.append(index)
                return ("string", start, index, children)
            if kind == "INTERP_START":
                self.index = index + 1
                expression = self.expression()
                end = self.expect("RBRACE")
                part = ("interpolation", index, end, [index, expression, end])
                children.append(("string_part", index, end, [part]))
            else:  # STRING_CHARS, ESCAPED_INTERPOLATION, ESCAPED_DIRECTIVE
                self.index = index + 1
                children.append(("string_part", index, index, [index]))

    def call(self) -> Tree:
        """`function_call`: `f(...)` or `provider::p::f(...)`."""
        types = self.types
        start = self.index
        types[start] = "NAME"
        children: list = [("identifier", start, start, [start])]
        self.index += 1
        if types[self.index] == "COLONS":
            for _ in range(2):
                children.append(self.expect("COLONS"))
                name = self.expect("WORD")
                types[name] = "NAME"
                children.append(("identifier", name, name, [name]))
        children.append(self.expect("LPAR"))
        self.newlines(children)
        if types[self.index] != "RPAR":
            children.append(self.arguments())
        self.newlines(children)
        return self.close("function_call", "RPAR", children)

    def arguments(self) -> Tree:
        """`arguments`: expressions by commas, a trailing `,` or `...`, newlines."""
        types = self.types
        children: list = [self.expression()]
        while True:
            self.newlines(children)
            kind = types[self.index]
            if kind == "COMMA":
                self.take(children)
                if types[self.index] == "RPAR":
                    break
                children.append(self.expression())
            elif kind == "ELLIPSIS":
                if children[-1][0] == "new_line_or_comment":
                    raise Decline("a newline before `...`")
                self.take(children)
                break
            else:
                break
        return ("arguments", _first(children[0]), _last(children[-1]), children)

    def tuple(self) -> Tree:
        """`tuple`, or `for_tuple_expr` when `for` follows the `[`."""
        types, texts = self.types, self.texts
        children: list = []
        self.take(children)
        if types[self.index] == "WORD" and texts[self.index] == "for":
            return self.for_tuple(children)
        while types[self.index] != "RSQB":
            children.append(self.expression())
            self.newlines(children)
            if types[self.index] != "COMMA":
                break
            self.take(children)
        return self.close("tuple", "RSQB", children)

    def object(self) -> Tree:
        """`object`, or `for_object_expr` when `for` follows the `{` (and is not a key)."""
        types, texts = self.types, self.texts
        children: list = []
        self.take(children)
        index = self.index
        if types[index] == "WORD" and texts[index] == "for" and types[index + 1] not in ("EQ", "COLON"):
            return self.for_object(children)
        while types[self.index] != "RBRACE":
            children.append(self.element())
            self.newlines(children)
            if types[self.index] == "COMMA":
                self.take(children)
        return self.close("object", "RBRACE", children)

    def element(self) -> Tree:
        """`object_elem`: a key (an expression, or a keyword), `=` or `:`, a value."""
        types, texts = self.types, self.texts
        index = self.index
        keyword = _KEYWORDS.get(texts[index]) if types[index] == "WORD" else None
        if keyword is not None:
            if types[index + 1] not in ("EQ", "COLON"):
                raise Decline("a keyword-like word in an object key")
            types[index] = keyword
            self.index = index + 1
            key: Tree = ("object_elem_key", index, index, [("keyword", index, index, [index])])
        else:
            expression = self.expression()
            key = ("object_elem_key", _first(expression), _last(expression), [expression])
        separator = self.index
        if types[separator] != "EQ" and types[separator] != "COLON":
            raise Decline(f"{types[separator]} after an object key")
        self.index += 1
        value = self.expression()
        return ("object_elem", key[1], _last(value), [key, separator, value])

    def for_intro(self) -> Tree:
        """`for_intro`: `for k, v in collection :`."""
        types, texts = self.types, self.texts
        start = self.index
        types[start] = "FOR"
        children: list = []
        self.take(children)
        children.append(self.name())
        if types[self.index] == "COMMA":
            children.append(self.index)
            self.index += 1
            children.append(self.name())
        self.newlines(children)
        index = self.index
        if types[index] != "WORD" or texts[index] != "in":
            raise Decline("no `in` in a for expression")
        types[index] = "IN"
        self.take(children)
        children.append(self.expression())
        self.newlines(children)
        children.append(self.expect("COLON"))
        self.newlines(children)
        return ("for_intro", start, _last(children[-1]), children)

    def name(self) -> Tree:
        """An `identifier` where only a name may stand (a for expression's variables)."""
        index = self.expect("WORD")
        word = self.texts[index]
        if word in _KEYWORDS or word in _LITERALS:
            raise Decline(f"`{word}` as a for expression's variable")
        self.types[index] = "NAME"
        return ("identifier", index, index, [index])

    def for_condition(self, children: list) -> None:
        """`for_cond?`: `if condition`, when there."""
        index = self.index
        if self.types[index] == "WORD" and self.texts[index] == "if":
            self.types[index] = "IF"
            self.index += 1
            condition: list = [index]
            self.newlines(condition)
            expression = self.expression()
            condition.append(expression)
            children.append(("for_cond", index, _last(expression), condition))

    def for_tuple(self, children: list) -> Tree:
        children.append(self.for_intro())
        self.newlines(children)
        children.append(self.expression())
        self.newlines(children)
        self.for_condition(children)
        self.newlines(children)
        return self.close("for_tuple_expr", "RSQB", children)

    def for_object(self, children: list) -> Tree:
        children.append(self.for_intro())
        self.newlines(children)
        children.append(self.expression())
        children.append(self.expect("FOR_OBJECT_ARROW"))
        self.newlines(children)
        children.append(self.expression())
        self.newlines(children)
        if self.types[self.index] == "ELLIPSIS":
            self.take(children)
        self.for_condition(children)
        self.newlines(children)
        return self.close("for_object_expr", "RBRACE", children)


def _flat(tree: Tree, tokens: _Tokens) -> list:
    """An expression's tree as ``file_data``'s flat list, in document order."""
    types, texts = tokens.types, tokens.texts
    lines, columns, end_lines, end_columns = tokens.lines, tokens.columns, tokens.end_lines, tokens.end_columns
    flat: list[Any] = []
    append, extend = flat.append, flat.extend
    pending: list = [tree]
    pop = pending.pop
    while pending:
        node = pop()
        if node.__class__ is int:
            append(f"{types[node]} {texts[node]}")
        else:
            name, first, last, children = node
            extend((len(children), name, lines[first], columns[first], end_lines[last], end_columns[last]))
            pending.extend(reversed(children))
    return flat


def file_data(text: str) -> list:
    """What ``hcl.file_data`` gives for the text, or raise ``Decline``."""
    try:
        parser = _Parser(_tokenize(text + "\n"))
        return parser.body(True)
    except RecursionError:
        raise Decline("nested too deeply for this reader") from None
