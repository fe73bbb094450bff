"""LAM303 tmp-file-leak."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog.resources import (
    APPENDING_MODE_CHARS,
    CREATING_MODE_CHARS,
    DELETE_KEYWORD,
    DELETE_ON_CLOSE_CREATORS,
    DOWNLOAD_FILENAME_KEYWORD,
    DOWNLOAD_METHODS,
    EXISTENCE_CHECK_METHODS,
    EXISTENCE_CHECKS,
    FILE_OPENERS,
    PATH_JOINERS,
    PATH_WRITE_METHODS,
    RANDOM_TMP_CREATORS,
    TMP_DIR,
    TMP_DIR_CALLS,
    TMP_REMOVER_METHODS,
    TMP_REMOVERS,
)
from lambdalint.literals import string_value

from ._network import argument, keyword_arg, positional_args, written
from ._resources import callees, chain_functions, with_binding

_FIXED = "fixed"
_VARYING = "varying"
_MAX_DEPTH = 6


class TmpFileLeak(Rule):
    """
    ## What it does
    Flags files and folders created under `/tmp` in invocation scope that no code
    on the way removes: files opened for writing (`open(f"/tmp/{key}", "w")`,
    `Path(...).write_bytes(...)`) or downloaded there
    (`s3.download_file(bucket, key, f"/tmp/{key}")`) under a name that changes from
    one invocation to the next, files opened for appending under any name,
    `tempfile.mkstemp()`, `tempfile.mkdtemp()` and
    `tempfile.NamedTemporaryFile(delete=False)`.

    "Removes" means a call of `os.remove`, `os.unlink`, `os.rmdir`,
    `os.removedirs`, `shutil.rmtree`, or an `unlink()`/`rmdir()`/`cleanup()` method,
    in the function that creates the file, in a function it calls, or in a function
    on the call chain from the handler to it (a `finally:` in the handler counts).

    ## Why is this bad?
    `/tmp` belongs to the execution environment, not to the invocation: files
    written there survive into the next warm invocation. A name that differs per
    request (a key from the event, a random temporary name) adds a file on every
    invocation until the ephemeral storage (512 MB by default) is full and writes
    fail with `No space left on device`; appending to one file grows it the same
    way. The files also keep one request's data where the next request can read it.

    Not flagged: a fixed name written in `w` mode (each invocation overwrites the
    same file), `TemporaryDirectory()` and `NamedTemporaryFile()` (removed on
    close), functions that check whether the file exists (`os.path.exists`,
    `Path.exists()`: caching a static asset in `/tmp` across invocations is what
    AWS recommends), paths outside `/tmp` (such as an EFS mount), lazy
    initialisation (`if _model is None: ...`, which runs once per environment), and
    code outside invocation scope (init, test files, scripts and modules that no
    handler's module imports). Any removal counts, even of another path: the rule does not
    match removals to files.

    ## Fix safety
    No automatic fix: where the file stops being needed is for the author to say.
    `tempfile.TemporaryDirectory()` as a context manager, or `os.remove` in a
    `finally:`, is the usual shape.

    ## References
    - [AWS Lambda best practices: function code (`/tmp`)](https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)
    - [Configure ephemeral storage for Lambda functions](https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html)
    - [`tempfile`](https://docs.python.org/3/library/tempfile.html)
    """

    code = "LAM303"
    name = "tmp-file-leak"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    # Fires only in invocation scope: files no handler reaches skip it.
    scope_only = True
    words = ("/tmp", "tempfile", "gettempdir", "mkstemp", "mkdtemp", "NamedTemporaryFile")
    tags = ("storage", "state")

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not ctx.in_invocation_scope or ctx.is_lazy_init(node):
            return
        created = self._creates(node)
        if created is None or self._cleans_up():
            return
        self.report(
            node,
            f"`{written(node.func)}(...)` {created} ({ctx.scope_note()}) and nothing removes it: /tmp "
            "survives warm invocations and fills up; remove it when done (`os.remove` in a "
            "`finally:`) or use `tempfile.TemporaryDirectory()` as a context manager",
        )

    # -- what creates a file -----------------------------------------------------------------

    def _creates(self, node: cst.Call) -> str | None:
        """How the call leaves a file in /tmp, for the message; None if it does not."""
        ctx = self.ctx
        qualified = ctx.qualify(node.func) or ""
        if qualified in RANDOM_TMP_CREATORS or qualified in DELETE_ON_CLOSE_CREATORS:
            if any(arg.star for arg in node.args):
                return None
            if qualified in DELETE_ON_CLOSE_CREATORS:
                delete = keyword_arg(node, DELETE_KEYWORD)
                if delete is None or not (isinstance(delete.value, cst.Name) and delete.value.value == "False"):
                    return None
            folder = keyword_arg(node, "dir")
            if folder is not None and self._tmp_path(folder.value, 0) is None:
                return None  # a folder elsewhere (an EFS mount)
            return "creates a randomly named temporary file or folder in /tmp"
        if qualified in FILE_OPENERS:
            path = argument(node, "file", 0)
            mode = argument(node, "mode", 1)
            mode_text = string_value(mode.value) if mode is not None else None
            if path is None or mode_text is None or not set(mode_text) & CREATING_MODE_CHARS:
                return None
            kind = self._tmp_path(path.value, 0)
            if kind == _VARYING:
                return "creates a file in /tmp whose name changes per invocation"
            if kind == _FIXED and set(mode_text) & APPENDING_MODE_CHARS:
                return "appends to a file in /tmp on every invocation"
            return None
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if method in DOWNLOAD_METHODS:
            target = keyword_arg(node, DOWNLOAD_FILENAME_KEYWORD)
            if target is None:
                positional = positional_args(node)
                target = positional[-1] if positional else None
            if target is not None and self._tmp_path(target.value, 0) == _VARYING:
                return "downloads to a file in /tmp whose name changes per invocation"
            return None
        if method in PATH_WRITE_METHODS and self._tmp_path(func.value, 0) == _VARYING:
            return "creates a file in /tmp whose name changes per invocation"
        return None

    def _tmp_path(self, expr: object, depth: int) -> str | None:
        """_FIXED or _VARYING for a path under /tmp, None for anything else."""
        if depth > _MAX_DEPTH:
            return None
        ctx = self.ctx
        value = string_value(expr)
        if value is not None:
            return _FIXED if value == TMP_DIR or value.startswith(TMP_DIR + "/") else None
        if isinstance(expr, cst.FormattedString):
            head = expr.parts[0] if expr.parts else None
            if not isinstance(head, cst.FormattedStringText) or not (
                head.value == TMP_DIR or head.value.startswith(TMP_DIR + "/")
            ):
                return None
            parts = [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
            return _FIXED if all(self._constant(p, depth + 1) for p in parts) else _VARYING
        if isinstance(expr, cst.Name):
            bound = with_binding(ctx, expr.value) or ctx.binding_of(expr.value)
            return self._tmp_path(bound, depth + 1) if bound is not expr else None
        if isinstance(expr, cst.BinaryOperation) and isinstance(
            expr.operator, (cst.Add, cst.Divide, cst.Modulo)
        ):
            return self._joined(self._tmp_path(expr.left, depth + 1), [expr.right], depth)
        if isinstance(expr, cst.Call):
            qualified = ctx.qualify(expr.func)
            if qualified in TMP_DIR_CALLS:
                return _FIXED
            if any(arg.star for arg in expr.args):
                return None
            if qualified in PATH_JOINERS and expr.args:
                first, rest = expr.args[0].value, [a.value for a in expr.args[1:]]
                return self._joined(self._tmp_path(first, depth + 1), rest, depth)
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("format", "joinpath"):
                return self._joined(self._tmp_path(func.value, depth + 1), [a.value for a in expr.args], depth)
        return None

    def _joined(self, base: str | None, parts: list, depth: int) -> str | None:  # type: ignore[type-arg]
        if base is None:
            return None
        if base == _VARYING:
            return _VARYING
        return _FIXED if all(self._constant(part, depth + 1) for part in parts) else _VARYING

    def _constant(self, expr: object, depth: int) -> bool:
        """A literal, or a name bound once to a literal (a module constant)."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
            return True
        if isinstance(expr, (cst.Tuple, cst.List)):
            return all(self._constant(e.value, depth + 1) for e in expr.elements)
        if isinstance(expr, cst.Name):
            bound = self.ctx.binding_of(expr.value)
            return isinstance(bound, cst.BaseExpression) and bound is not expr and self._constant(bound, depth + 1)
        return False

    # -- what cleans up ----------------------------------------------------------------------

    def _cleans_up(self) -> bool:
        """Whether the function, what it calls, or a caller on the way from the handler
        removes files, or checks whether one exists (a cache)."""
        ctx = self.ctx
        function = ctx.function
        if function is None:
            return False
        def answer() -> bool:
            related = [(ctx.model, function), *callees(ctx.model, function), *chain_functions(ctx)]
            return any(_removes_or_checks(model, f) for model, f in related)

        return ctx.kept("LAM303: removes or checks files", function, answer)

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                key = event["Records"][0]["s3"]["object"]["key"]
                local = f"/tmp/{key.replace('/', '_')}"
                s3.download_file("uploads", key, local)  # expect
                with open(local, "rb") as f:
                    return len(f.read())
        '''),
        Good('''
            import os
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                key = event["Records"][0]["s3"]["object"]["key"]
                local = f"/tmp/{key.replace('/', '_')}"
                s3.download_file("uploads", key, local)
                try:
                    with open(local, "rb") as f:
                        return len(f.read())
                finally:
                    os.remove(local)
        '''),
        Bad('''
            import json
            import os
            import tempfile

            def export(rows):
                fd, path = tempfile.mkstemp(suffix=".json")  # expect
                with os.fdopen(fd, "w") as out:
                    json.dump(rows, out)
                scratch = tempfile.mkdtemp()  # expect
                keep = tempfile.NamedTemporaryFile(delete=False)  # expect
                return path, scratch, keep.name

            def lambda_handler(event, context):
                with open("/tmp/requests.log", "a") as log:  # expect
                    log.write(context.aws_request_id + "\\n")
                return export(event["rows"])
        '''),
        Bad('''
            import os
            from pathlib import Path

            def save(name, data):
                target = Path("/tmp") / name
                target.write_bytes(data)  # expect
                with open(os.path.join("/tmp", "out", name + ".csv"), "w") as out:  # expect
                    out.write("x")

            def handler(event, context):
                save(event["name"], event["data"].encode())
        '''),
        Good('''
            import os
            import boto3

            s3 = boto3.client("s3")
            MODEL_PATH = "/tmp/model.bin"

            def load_model():
                if not os.path.exists(MODEL_PATH):
                    s3.download_file("models", "current/model.bin", MODEL_PATH)
                return open(MODEL_PATH, "rb").read()

            def lambda_handler(event, context):
                return len(load_model())
        '''),
        Good('''
            import os
            import tempfile

            def lambda_handler(event, context):
                with tempfile.TemporaryDirectory() as work:
                    path = os.path.join(work, event["name"])
                    with open(path, "w") as f:
                        f.write(event["body"])
                with tempfile.NamedTemporaryFile(suffix=".csv") as tmp:
                    tmp.write(b"a,b")
                with open("/tmp/last-event.json", "w") as f:
                    f.write(event["body"])
                with open(f"/mnt/efs/{event['name']}", "w") as f:
                    f.write(event["body"])
                return "ok"
        '''),
        Good('''
            import shutil
            import tempfile

            def build(event):
                work = tempfile.mkdtemp()
                with open(f"{work}/{event['name']}", "w") as f:
                    f.write("x")
                return work

            def lambda_handler(event, context):
                work = build(event)
                try:
                    return work
                finally:
                    shutil.rmtree(work)
        '''),
        Good('''
            import tempfile

            def make_scratch():
                return tempfile.mkdtemp()

            SCRATCH = make_scratch()

            def lambda_handler(event, context):
                with open(f"{SCRATCH}/out.txt", "w") as f:
                    f.write(event["body"])
        '''),
    ]


def _removes_or_checks(model, function) -> bool:  # type: ignore[no-untyped-def]
    for call in function.calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in (TMP_REMOVER_METHODS | EXISTENCE_CHECK_METHODS):
            return True
        qualified = model.qualify(func, function)
        if qualified in TMP_REMOVERS or qualified in EXISTENCE_CHECKS:
            return True
    return any(_removes_or_checks(model, nested) for nested in function.nested)
