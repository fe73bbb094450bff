"""The fast HCL reader (`hcl_read`) against python-hcl2's parse tree, its oracle: for
every text it gives exactly what `hcl.file_data`'s hcl2 path gives, or declines
(and `hcl.file_data` falls back to hcl2, so broken files keep hcl2's messages)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lambdalint.templates import TemplateError, hcl, hcl_read

pytest.importorskip("hcl2")


def _oracle(text: str) -> list | tuple[str, int, int]:
    try:
        return hcl._hcl2_file_data(text)
    except TemplateError as error:
        return (error.message, error.line, error.column)


# Every construct of the grammar, in the positions where newlines and comments go.
SAME = {
    "empty file": "",
    "only a newline": "\n",
    "comment only": "# nothing here\n",
    "comments of three kinds": "# a\n// b\n/* c\n d */\n",
    "no trailing newline": 'a = "x"',
    "comment at the end without newline": "a = 1 # done",
    "attributes": 'a = 1\nb = "two"\nc = true\nd = null\ne = false\n',
    "attribute with tabs": "a\t=\t1\n\tb =  2\n",
    "blanks before = kept in EQ": "abc     = 1\nx = { k   = 1, q\t: 2 }\n",
    "two attributes on a line": "a = 1 b = 2\n",
    "block without labels": "terraform {\n  required_version = \">= 1.0\"\n}\n",
    "block with labels": 'resource "aws_lambda_function" "f" {\n  handler = "app.handler"\n}\n',
    "unquoted labels": "resource aws_s3_bucket b {\n  bucket = x\n}\n",
    "label escapes": 'resource "a\\tb" "c$${d}" {}\n',
    "label with a bad escape": 'resource "a\\qb" "c" {}\n',
    "empty label": 'locals "" {}\n',
    "nested blocks": 'a {\n  b "x" {\n    c {\n      d = 1\n    }\n  }\n}\n',
    "brace on the next line": 'resource "x" "y"\n{\n  a = 1\n}\n',
    "empty block on one line": "a {}\nb { }\n",
    "block in one line with attribute": "a { b = 1 }\n",
    "comments between blocks": "a {}\n# one\n\n// two\n/* three */\nb {}\n",
    "keywords as attribute names": "for_each = 1\nin = 2\nif = 3\nfor = 4\nelse = 5\nendif = 6\nendfor = 7\n",
    "literal words as attribute names": "true = 1\nnull = 2\n",
    "keyword as block type": 'dynamic "x" {\n  for_each = var.x\n  content {\n    in = 1\n  }\n}\n',
    "integers": "a = 0\nb = 42\nc = -12\nd = -1\ne = - 7\n",
    "floats": "a = 1.5\nb = -1.5\nc = 1e5\nd = 1E-3\ne = 2.5e+10\nf = -12.25\n",
    "odd negative float": "a = -1-1.5\n",
    "strings": 'a = "plain"\nb = ""\nc = "with \\"quotes\\" and \\\\ and \\n"\nd = "unicode \\u00e9 é"\n',
    "interpolation": 'a = "x${var.y}z"\nb = "${local.a}"\nc = "${f(1, "s")}-${x[0]}"\n',
    "nested interpolation": 'a = "${lookup(m, "k${v}", "d")}"\nb = "${ {a = 1}.a }"\n',
    "escaped interpolation and directive": 'a = "$${x} %%{y} $ % $$ %%"\nb = "100%"\n',
    "string with a newline inside": 'a = "one\ntwo"\nb = 1\n',
    "operators and precedence": ("a = 1 + 2 * 3 - 4 / 5 % 6\nb = x == y || z != w && !q\n"
                                 "c = a < b && c > d || e <= f && g >= h\n"),
    "left associativity": "a = 1 - 2 - 3\nb = 1 / 2 * 3\nc = a || b || c\n",
    "unary": "a = -x\nb = !x\nc = -(1)\nd = !true\ne = 1 * -x\n",
    "binary minus tight": "a = b -1\nc = (d)-1\ne = f - 12\n",
    "operation takes the newline after it": "a = 1 + 2\n# c\nb = 3\n",
    "operators at line starts": "a = (\n  x\n  + y\n  - z\n)\nb = x\n  && y\n  || z\nc = x + y\n\n+ z\n",
    "operators after a newline an operation took": ("a = x * y\n-1\nb = x + y\n\n- z\nc = x * y\n\n|| z\nd = x + y\n\n"
                                                    "? 1 : 2\n"),
    "operator after comments": "a = x /* c */ + y\nb = x # why\n  * y\n",
    "operator then newline": "a = x +\n  y\nb = x ==\n# c\n  y\n",
    "conditionals": 'a = x ? 1 : 2\nb = x == 1 ? "a" : y ? "b" : "c"\n',
    "conditional across lines": "a = (x\n  ? 1\n  : 2\n)\nb = x ?\n  1 :\n  2\nc = x\n? 1\n: 2\n",
    "conditional branches with operations": "a = x ? y + 1 : z * 2\nb = x ? y + 1\n: 2\n",
    "parentheses": "a = (1)\nb = ((x))\nc = (\n  x\n)\nd = (# c\nx)\n",
    "tuples": ('a = []\nb = [1]\nc = [1, 2]\nd = [1, 2,]\ne = [\n  1,\n  2\n]\nf = [\n  "x", # one\n  "y", // two\n'
               '  /* three */ "z",\n]\n'),
    "tuple with newlines and no trailing comma": "a = [\n\n  1\n\n]\nb = [ 1 , 2 ]\n",
    "objects": 'a = {}\nb = { x = 1 }\nc = { x = 1, y = 2 }\nd = {\n  x = 1\n  y = 2\n}\ne = { "k" : 1, "j": 2 }\n',
    "object separators": ("a = {\n  x = 1,\n  y = 2,\n}\nb = { x = 1\n, y = 2 }\nc = { x = 1 y = 2 }\nd = {\n"
                          "  x = 1 # c\n  // d\n  y = 2 /* e */\n}\n"),
    "object keys": 'a = {\n  (var.k) = 1\n  "${p}-x" = 2\n  k.j = 3\n  1 = 4\n}\n',
    "keywords as object keys": ("a = {\n  for_each = 1\n  in = 2\n  if : 3\n}\nb = { for = 1, else = 2 }\nc = {\n"
                                "  x = [1]\n  endif = 1\n}\n"),
    "literal words as object keys": "a = { true = 1, null = 2 }\nb = {\n  x = 1\n  false = 2\n}\n",
    "attribute and index chains": ('a = x.y.z\nb = x[0]\nc = x.0.y\nd = x["k"].y[1]\ne = x.true.null\nf = x.if.in\n'
                                   "g = x [0] . y\n"),
    "index across lines": "a = x[\n  0\n]\nb = x[y + 1\n]\n",
    "splats": "a = x.*.y\nb = x[*].y\nc = x[*].y[0].z\nd = x.*\ne = x[*]\nf = x[*][0]\ng = x.*.y[*].z\n",
    "function calls": 'a = f()\nb = f(1)\nc = f(1, 2,)\nd = f(x...)\ne = f(a, b...)\nf = join(",", [for s in x : s])\n',
    "function calls across lines": ("a = f(\n  1,\n  2\n)\nb = f(\n)\nc = f( # c\n  x, # d\n  y...\n)\nd = f(x\n"
                                    "  , y)\n"),
    "provider functions": 'a = provider::aws::arn_parse("x")\nb = p::q::r()\n',
    "for tuple expressions": ('a = [for x in y : x]\nb = [for k, v in m : v if k != "a"]\nc = [\n  for x in y :\n  x\n'
                              "  if x\n]\nd = [for k,v in m: k]\n"),
    "for object expressions": ("a = {for k, v in m : k => v}\nb = {for x in y : x => x...}\n"
                               "c = {for x in y : x => f(x) if x != null}\nd = {\n  for k, v in m :\n  k => v\n"
                               "  if v\n}\n"),
    "for expression with operations": "a = [for x in y : x + 1 if x > 0]\nb = {for x in y : x.a => x.b ... if x.c}\n",
    "heredocs": ("a = <<EOF\nline one\n  line ${two}\n%{ if x }y%{ endif }\nEOF\nb = <<-EOT\n    indented\n    EOT\n"
                 "c = 1\n"),
    "heredoc with marker indented": "a = <<EOF\n  x\n  EOF\n",
    "empty heredoc": "a = <<EOF\nEOF\n",
    "heredoc in a call": 'a = jsonencode(<<EOF\n{"a": 1}\nEOF\n)\n',
    "heredoc after an operator": "a = x < <<E\ny\nE\n",
    "CRLF file": 'resource "a" "b" {\r\n  x = 1\r\n  y = [\r\n    1,\r\n  ]\r\n  # c\r\n  z = x\r\n    + y\r\n}\r\n',
    "CRLF heredoc": "a = <<EOF\r\nx\r\nEOF\r\nb = <<-EOT\r\n  y\r\n  EOT\r\n",
    "carriage return before equals": "a \r= 1\n",
    "names with dashes": "a = x-y\nb = a-1\nc = x-y-z.w\n",
    "a realistic module": '''module "lambda" {
  source = "terraform-aws-modules/lambda/aws"

  function_name = "${local.name}-fn"
  handler       = "index.lambda_handler"
  runtime       = var.runtime != null ? var.runtime : "python3.12"
  timeout       = try(var.timeout, 30) * 2
  layers        = concat(var.layers, [aws_lambda_layer_version.this[0].arn])

  environment_variables = merge(local.env, {
    STAGE = var.stage # the stage
  })

  allowed_triggers = { for k, v in var.triggers : k => {
    principal  = v.principal
    source_arn = v.arn
  } if v.enabled }

  tags = length(var.tags) > 0 ? var.tags : null
}
''',
}

# Valid HCL this reader declines on purpose (rare, or decided by Lark's parser states).
DECLINED = {
    "directive in a quoted string": 'a = "%{ if x }y%{ endif }"\n',
    "template string": 'a = \\"x\\"\n',
    "keyword as a name": "a = in\n",
    "keyword as a name in a tuple": "a = [for_each]\n",
    "keyword as a for variable": "a = [for in in x : 1]\n",
    "label with interpolation": 'resource "a${b}" "c" {}\n',
    "float-looking index": "a = x.1.5\n",
    "keyword prefix after ellipsis": "a = {for k in x : k => k... if0}\n",
}

# Not HCL: declined, and `file_data` raises hcl2's error.
INVALID = {
    "unterminated string": 'a = "x\n',
    "unterminated block": "a {\n  b = 1\n",
    "missing value": "a = \n",
    "equals after newline": "a\n= 1\n",
    "value on the next line": "a =\n  1\n",
    "double minus": "a = --1\n",
    "number after a value": "a = b -12\n",
    "tuple without comma": "a = [1 2]\n",
    "object double comma": "a = {x = 1,, y = 2}\n",
    "operator after a plain value on a new line": "a = (x\n# c\n+ y)\n",
    "operator after a comment line": "b = x\n# why\n* y\n",
    "multiplication after an operation's newline": "a = x + y\n\n* 2\n",
    "newline before ellipsis": "a = f(x\n...)\n",
    "unterminated comment": "a = 1 /* x\n",
    "unterminated interpolation": 'a = "${x"\n',
    "bad escape before newline": 'a = "x\\\n"\n',
    "for without in": "a = [for x y : x]\n",
    "for without variable": "a = [for]\n",
    "lone heredoc marker": "a = <<EOF\nx\n",
    "splat with space": "a = x[ * ]\n",
    "block label number": "a 1 {}\n",
    "stray brace": "}\n",
    "ampersand": "a = x & y\n",
    "a byte-order mark": "\ufeffa = 1\n",
}


@pytest.mark.parametrize("text", SAME.values(), ids=SAME.keys())
def test_reads_exactly_what_hcl2_gives(text: str) -> None:
    assert hcl_read.file_data(text) == _oracle(text)


@pytest.mark.parametrize("text", DECLINED.values(), ids=DECLINED.keys())
def test_declines_what_it_does_not_read_and_hcl2_reads_it(text: str) -> None:
    with pytest.raises(hcl_read.Decline):
        hcl_read.file_data(text)
    assert hcl.file_data(text) == hcl._hcl2_file_data(text)


@pytest.mark.parametrize("text", INVALID.values(), ids=INVALID.keys())
def test_declines_invalid_hcl_and_the_error_is_hcl2s(text: str) -> None:
    with pytest.raises(hcl_read.Decline):
        hcl_read.file_data(text)
    expected = _oracle(text)
    assert isinstance(expected, tuple), "hcl2 should reject it too"
    with pytest.raises(TemplateError) as raised:
        hcl.file_data(text)
    assert (raised.value.message, raised.value.line, raised.value.column) == expected


def test_every_prefix_and_deletion_of_a_file_is_read_exactly_or_declined() -> None:
    """Broken variants of a real-shaped file: never an answer hcl2 would not give."""
    text = SAME["a realistic module"] + SAME["heredocs"] + SAME["for object expressions"]
    variants = [text[:cut] for cut in range(0, len(text), 7)]
    variants += [text[:cut] + text[cut + 1:] for cut in range(3, len(text), 11)]
    read = 0
    for variant in variants:
        try:
            data = hcl_read.file_data(variant)
        except hcl_read.Decline:
            continue
        read += 1
        assert data == _oracle(variant), repr(variant)
    assert 0 < read < len(variants)


@pytest.mark.parametrize("depth", [50, 3000])
@pytest.mark.parametrize("shape", ["(", "[", "{a = ", "f(", "-(", '"${'])
def test_deep_nesting_is_read_or_declined_never_a_crash(shape: str, depth: int) -> None:
    closing = {"(": ")", "[": "]", "{a = ": "}", "f(": ")", "-(": ")", '"${': '}"'}[shape]
    text = "x = " + shape * depth + "1" + closing * depth + "\n"
    try:
        data = hcl_read.file_data(text)
    except hcl_read.Decline:
        assert depth == 3000  # shallow nesting is read
        try:
            expected = hcl._hcl2_file_data(text)
        except TemplateError as error:
            with pytest.raises(TemplateError) as raised:
                hcl.file_data(text)
            assert raised.value.message == error.message == hcl.TOO_DEEP
        else:
            assert hcl.file_data(text) == expected
        return
    assert depth == 50 and data == hcl._hcl2_file_data(text)


def test_deeply_nested_blocks_are_read_or_declined() -> None:
    text = "".join(f"b{i} {{\n" for i in range(2000)) + "x = 1\n" + "}\n" * 2000
    with pytest.raises(hcl_read.Decline):
        hcl_read.file_data(text)
    shallow = "".join(f"b{i} {{\n" for i in range(40)) + "x = 1\n" + "}\n" * 40
    assert hcl_read.file_data(shallow) == hcl._hcl2_file_data(shallow)


def test_reading_terraform_the_reader_reads_imports_neither_hcl2_nor_lark(tmp_path) -> None:
    script = ("import sys\nfrom lambdalint.templates import hcl\n"
              "hcl.parse(sys.argv[1])\nprint('hcl2' in sys.modules, 'lark' in sys.modules)\n")
    readable = 'resource "aws_lambda_function" "f" {\n  handler = "app.handler"\n  layers = [for l in x : l]\n}\n'
    run = subprocess.run([sys.executable, "-c", script, readable], capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["False", "False"], run.stdout + run.stderr
    declined = 'a = "%{ if x }y%{ endif }"\n'
    run = subprocess.run([sys.executable, "-c", script, declined], capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["True", "True"], run.stdout + run.stderr
