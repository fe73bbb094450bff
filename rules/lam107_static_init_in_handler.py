"""LAM107 static-init-in-handler."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.catalog import (
    FILE_LOADERS,
    FILE_OPENERS,
    FILE_READ_METHODS,
    PATH_ATTRIBUTES,
    PATH_BUILDERS,
    PATH_LOADERS,
    PATH_METHODS,
    REGEX_COMPILE,
    REGEX_FLAGS,
    RUNTIME_WRITABLE_DIRS,
    TEXT_LOADERS,
)
from lambdalint.literals import string_parts, string_value

from ._hoist import hoist_fix

# How many names a path may go through (`CONFIG = os.path.join(BASE, "c.json")`).
_MAX_DEPTH = 8


class StaticInitInHandler(Rule):
    """
    ## What it does
    Flags work in invocation scope that does not depend on the event and could run
    once, at init: `re.compile` of a literal pattern, `json.load`/`yaml.safe_load`/
    `pickle.load`/`tomllib.load` of a file opened from a fixed path (a literal, or a
    path built from literals and `__file__`), and `joblib.load`/`torch.load` of a
    fixed path.

    ## Why is this bad?
    Lambda runs module scope once per execution environment and the handler once per
    request. Reading and parsing a bundled config file or deserialising a model on
    every invocation repeats the same disk reads and CPU work on each warm request,
    and you pay for it in latency and billed duration; a model load can take seconds.
    `re.compile` is cheaper thanks to the `re` module's own cache, but a module-level
    constant states the intent and skips the cache lookup.

    Not flagged: paths or patterns built from event data (`open(f"/tmp/{event['key']}")`),
    files under `/tmp` (written at run time, often from the event: `download_file(...,
    "/tmp/data.json")` then `json.load(open("/tmp/data.json"))`), loads at module
    scope, lazy initialisation (`global cfg; if cfg is None: cfg = ...`) and loads
    inside `functools.cache`/`lru_cache` functions, which run once per environment.
    `re.compile` of a pattern held in a variable is not flagged either, nor is
    code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    Safe fix for `re.compile(<literal>)` only: the call moves to a module-level
    constant (named after the variable it was assigned to, e.g. `WORD_RE`, or an
    identical existing constant is reused) and the function uses the constant. The
    pattern and flags are literals or module-level names, so the compiled object is
    the same; `re` caches patterns anyway, so only the per-call lookup goes away.
    Inside a `try` or `with` block (which may be there for an invalid pattern's
    `re.error`) the fix is unsafe: at module scope the error would fail the import.
    Loads of fixed files have no fix: moving I/O to import time changes when errors
    surface, which a reviewer should decide.

    ## References
    - [AWS Lambda best practices: take advantage of execution environment reuse](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [Lambda execution environment lifecycle: init phase](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
    - [`re.compile`](https://docs.python.org/3/library/re.html#re.compile)
    """

    code = "LAM107"
    name = "static-init-in-handler"
    scope_only = True
    severity = Severity.INFO
    fix = FixAvailability.SAFE
    # Every loader's name ends in "load"/"loads" and the regex one is "compile";
    # an aliased import still spells the original name.
    words = tuple(sorted({
        n.rsplit(".", 1)[-1]
        for n in REGEX_COMPILE | FILE_LOADERS | PATH_LOADERS | TEXT_LOADERS
    }))
    tags = ("performance", "cold-start")

    examples = [
        Fixed(
            before='''
            import re

            def lambda_handler(event, context):
                word = re.compile(r"[a-z]+", re.IGNORECASE)  # words only
                return word.findall(event["text"])
            ''',
            after='''
            import re

            WORD_RE = re.compile(r"[a-z]+", re.IGNORECASE)

            def lambda_handler(event, context):
                word = WORD_RE  # words only
                return word.findall(event["text"])
            ''',
        ),
        Bad('''
            import re

            def lambda_handler(event, context):
                email = re.compile(r"^[^@]+@[^@]+$", re.IGNORECASE)  # expect
                return bool(email.match(event["email"]))
        '''),
        Good('''
            import re

            EMAIL = re.compile(r"^[^@]+@[^@]+$", re.IGNORECASE)

            def lambda_handler(event, context):
                return bool(EMAIL.match(event["email"]))
        '''),
        Bad('''
            import json
            import yaml

            def lambda_handler(event, context):
                settings = json.load(open("config.json"))  # expect
                with open("rules.yaml") as f:
                    rules = yaml.safe_load(f)  # expect
                return settings[event["key"]], rules
        '''),
        Bad('''
            import os
            import pickle
            from pathlib import Path

            import joblib as jl
            import torch

            HERE = os.path.dirname(__file__)
            VOCAB = os.path.join(HERE, "vocab.pkl")

            def predict(features):
                model = jl.load("model.joblib")  # expect
                net = torch.load(Path(__file__).parent / "net.pt", map_location="cpu")  # expect
                with open(VOCAB, "rb") as fh:
                    vocab = pickle.load(fh)  # expect
                return model.predict(features), net, vocab

            def handler(event, context):
                return predict(event["features"])
        '''),
        Bad('''
            import json
            from pathlib import Path
            from re import compile as rx

            def lambda_handler(event, context):
                limits = json.loads(Path("limits.json").read_text())  # expect
                word = rx("[a-z]+" "[0-9]*")  # expect
                return limits, word.findall(event["text"])
        '''),
        Good('''
            import json
            import re

            def lambda_handler(event, context):
                key = event["key"]
                with open(f"/tmp/{key}") as f:
                    data = json.load(f)
                pattern = re.compile(event["pattern"])
                prefix = re.compile(f"^{key}")
                return data, pattern, prefix
        '''),
        Good('''
            import json

            _config = None

            def get_config():
                global _config
                if _config is None:
                    with open("config.json") as f:
                        _config = json.load(f)
                return _config

            def lambda_handler(event, context):
                return get_config()[event["key"]]
        '''),
        Good('''
            import functools

            import joblib

            @functools.lru_cache(maxsize=1)
            def model():
                return joblib.load("model.joblib")

            def lambda_handler(event, context):
                return model().predict([event["features"]])
        '''),
        Good('''
            import json
            import re

            with open("config.json") as f:
                CONFIG = json.load(f)

            def load_patterns():
                return [re.compile(p) for p in CONFIG["patterns"]] + [re.compile("x")]

            PATTERNS = load_patterns()

            def lambda_handler(event, context):
                return [p.pattern for p in PATTERNS if p.match(event["text"])]
        '''),
        Good('''
            import json

            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                s3.download_file(event["bucket"], event["key"], "/tmp/data.json")
                with open("/tmp/data.json") as f:
                    return json.load(f)
        '''),
        Good('''
            import re

            def lambda_handler(event, context, _words=re.compile(r"[a-z]+").findall):
                return _words(event["text"])
        '''),
        Good('''
            import json
            import re

            PATTERN = r"[a-z]+"

            def lambda_handler(event, context, flags=0):
                body = json.load(event["stream"])
                words = re.compile(PATTERN, flags)
                return body, words
        '''),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        name = ctx.qualify(node.func)
        if name is None:
            return
        if name in REGEX_COMPILE:
            found = self._literal_pattern(node)
        elif name in FILE_LOADERS:
            found = self._file_argument(node)
        elif name in TEXT_LOADERS:
            found = self._read_argument(node)
        elif name in PATH_LOADERS:
            found = self._path_argument(node)
        else:
            return
        if not found or ctx.is_lazy_init(node) or ctx.is_event_derived(node):
            return
        written = cst.Module([]).code_for_node(node.func)
        shown = f"`{written}(...)`" + ("" if written == name else f" (`{name}`)")
        where = ctx.scope_note()
        fix = None
        if name in REGEX_COMPILE:
            message = (
                f"{shown} compiles a literal pattern on every invocation ({where}); "
                "compile it once into a module-level constant"
            )
            fix = hoist_fix(ctx, node, self._constant_name(), "the compiled pattern", take_over=False)
        else:
            what = f"the fixed file {found}" if found.startswith("`") else "a fixed file"
            message = (
                f"{shown} loads {what} on every invocation ({where}); "
                "load it once at module scope (or in a cached loader) and reuse it"
            )
        self.report(node, message, fix=fix)

    def _constant_name(self) -> str:
        """`word_re = re.compile(...)` hoists as `WORD_RE`; anything else as `PATTERN_RE`."""
        parent = self.ctx.parent
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(
                parent.targets[0].target, cst.Name):
            base = parent.targets[0].target.value.strip("_").upper() or "PATTERN"
            return base if base.endswith(("RE", "REGEX", "PATTERN")) else f"{base}_RE"
        return "PATTERN_RE"

    # -- re.compile ---------------------------------------------------------------------

    def _literal_pattern(self, node: cst.Call) -> str | None:
        pattern = _argument(node, 0, ("pattern",))
        if pattern is None or not _is_literal_string(pattern):
            return None
        flags = _argument(node, 1, ("flags",))
        if flags is not None and not self._literal_flags(flags):
            return None
        if any(arg.star for arg in node.args):
            return None
        return "pattern"

    def _literal_flags(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Integer):
            return True
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            return self._literal_flags(expr.left) and self._literal_flags(expr.right)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return self.ctx.qualify(expr) in REGEX_FLAGS
        return False

    # -- loaders ------------------------------------------------------------------------

    def _file_argument(self, node: cst.Call) -> str | None:
        """The fixed path of the opened file a loader reads, as shown in messages."""
        arg = _argument(node, 0, ("fp", "stream", "file"))
        return self._opened_file(arg, 0) if arg is not None else None

    def _read_argument(self, node: cst.Call) -> str | None:
        """`json.loads(f.read())`, `json.loads(Path("c.json").read_text())`."""
        arg = _argument(node, 0, ("s", "data"))
        if not isinstance(arg, cst.Call) or not isinstance(arg.func, cst.Attribute):
            return None
        if arg.func.attr.value not in FILE_READ_METHODS:
            return None
        receiver = arg.func.value
        return self._opened_file(receiver, 0) or self._static_path(receiver, 0)

    def _path_argument(self, node: cst.Call) -> str | None:
        arg = _argument(node, 0, ("filename", "f"))
        if arg is None:
            return None
        return self._static_path(arg, 0) or self._opened_file(arg, 0)

    def _opened_file(self, expr: cst.BaseExpression, depth: int) -> str | None:
        """The fixed path `expr` was opened from: `open("c.json")`, `Path("c").open()`,
        or a name bound to one (`with open("c.json") as f`)."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            bound = self._enclosing_with_item(expr.value) if depth == 0 else None
            if bound is None:
                bound = self.ctx.binding_of(expr.value)
            if isinstance(bound, cst.BaseExpression) and bound is not expr:
                return self._opened_file(bound, depth + 1)
            return None
        if not isinstance(expr, cst.Call):
            return None
        if self.ctx.qualify(expr.func) in FILE_OPENERS:
            path = _argument(expr, 0, ("file", "filename"))
            return self._static_path(path, depth + 1) if path is not None else None
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "open":
            return self._static_path(expr.func.value, depth + 1)
        return None

    def _enclosing_with_item(self, name: str) -> cst.BaseExpression | None:
        """`open(...)` of the innermost `with ... as <name>:` around the loader.

        More precise than the name's binding, which is unknown when two `with`
        blocks of one function reuse the name (`f`) for different files.
        """
        for node in reversed(self.ctx.ancestors):
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(node, cst.With):
                for item in node.items:
                    target = item.asname.name if item.asname is not None else None
                    if isinstance(target, cst.Name) and target.value == name:
                        return item.item
        return None

    def _static_path(self, expr: cst.BaseExpression, depth: int) -> str | None:
        """How a path that is the same on every invocation reads, else None."""
        if depth > _MAX_DEPTH:
            return None
        if _is_literal_string(expr):
            value = _literal_value(expr)
            if value is not None and _is_runtime_written(value):
                return None  # written at run time, maybe from this very event
            return f"`{value}`" if value is not None else "a literal path"
        if isinstance(expr, cst.Name):
            if expr.value == "__file__":
                return "next to the module"
            bound = self.ctx.binding_of(expr.value)
            if isinstance(bound, cst.BaseExpression) and bound is not expr:
                return self._static_path(bound, depth + 1)
            return None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Divide, cst.Add)):
            left = self._static_path(expr.left, depth + 1)
            right = self._static_path(expr.right, depth + 1)
            return _joined(left, right) if left and right else None
        if isinstance(expr, cst.Attribute) and expr.attr.value in PATH_ATTRIBUTES:
            return self._static_path(expr.value, depth + 1)
        if not isinstance(expr, cst.Call) or any(arg.star or arg.keyword for arg in expr.args):
            return None
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in PATH_METHODS:
            parts = [expr.func.value, *(arg.value for arg in expr.args)]
        elif self.ctx.qualify(expr.func) in PATH_BUILDERS:
            parts = [arg.value for arg in expr.args]
        else:
            return None
        shown = [self._static_path(part, depth + 1) for part in parts]
        if not shown or not all(shown):
            return None
        result = shown[0]
        for part in shown[1:]:
            result = _joined(result, part)
        return result


def _argument(node: cst.Call, position: int, keywords: tuple[str, ...]) -> cst.BaseExpression | None:
    index = 0
    for arg in node.args:
        if arg.keyword is not None:
            if arg.keyword.value in keywords:
                return arg.value
            continue
        if arg.star:
            return None
        if index == position:
            return arg.value
        index += 1
    return None


def _is_literal_string(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.ConcatenatedString):
        return all(isinstance(part, cst.SimpleString) for part in string_parts(expr))
    return isinstance(expr, cst.SimpleString)


def _literal_value(expr: cst.BaseExpression) -> str | None:
    """A path literal's text; a bytes path names a file too."""
    text = string_value(expr)
    if text is None and (raw := string_value(expr, bytes_too=True)) is not None:
        text = raw.encode("latin-1").decode("utf-8", "replace")
    return text


def _is_runtime_written(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RUNTIME_WRITABLE_DIRS)


def _joined(left: str, right: str) -> str:
    """The last literal part names the file best: `model.pkl` for `HERE / "model.pkl"`."""
    return right if right.startswith("`") else left
