"""LAM106 exit-in-handler."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Good, Rule, Severity
from lambdalint.catalog import EXIT_CALLS, EXIT_EXCEPTIONS


class ExitInHandler(Rule):
    """
    ## What it does
    Flags calls that end the process (`sys.exit`, the `exit` and `quit` builtins,
    `os._exit`, `os.abort`) and `raise SystemExit(...)` in invocation scope: in the
    handler or in any function the handler calls, across modules of the checked tree.

    ## Why is this bad?
    A Lambda function's handler runs inside a long-lived runtime process that asks
    Lambda for the next event once the handler returns. `sys.exit` raises
    `SystemExit`, which the runtime does not catch, and `os._exit`/`os.abort` stop
    the process outright: the invocation fails with `Runtime.ExitError` whatever
    the exit status was (even `sys.exit(0)`), the execution environment is thrown
    away, and the next request pays a cold start. Report a failure by raising an
    ordinary exception, or return an error response.

    `raise SystemExit(...)` is flagged too: it is exactly what `sys.exit` does.

    Not flagged: exits at module scope (`if __name__ == "__main__": sys.exit(main())`),
    a command-line `main()` that only module scope calls, a local function or
    variable named `exit` that shadows the builtin, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: what the function should do instead (raise, or return an
    error response) depends on the caller.

    ## References
    - [Lambda function handler in Python](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)
    - [Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
    - [`sys.exit`](https://docs.python.org/3/library/sys.html#sys.exit)
    """

    code = "LAM106"
    name = "exit-in-handler"
    scope_only = True
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    # The last part of every exit's name: `from sys import exit as bye` still says "exit".
    words = tuple(sorted({n.rsplit(".", 1)[-1] for n in EXIT_CALLS | EXIT_EXCEPTIONS}))
    tags = ("reliability", "cold-start")

    examples = [
        Bad('''
            import sys

            def lambda_handler(event, context):
                if "id" not in event:
                    sys.exit(1)  # expect
                return {"id": event["id"]}
        '''),
        Good('''
            def lambda_handler(event, context):
                if "id" not in event:
                    raise ValueError("the event has no 'id'")
                return {"id": event["id"]}
        '''),
        Bad('''
            import os
            import sys as s
            from sys import exit as stop

            def handler(event, context):
                if event.get("fatal"):
                    os._exit(3)  # expect
                if event.get("done"):
                    stop(0)  # expect
                s.exit("bad input")  # expect
        '''),
        Bad('''
            def validate(payload):
                if not payload:
                    exit(2)  # expect
                if payload == "q":
                    quit()  # expect
                return payload

            def lambda_handler(event, context):
                return validate(event.get("body"))
        '''),
        Bad('''
            def lambda_handler(event, context):
                if event.get("shutdown"):
                    raise SystemExit(0)  # expect
                if event.get("stop"):
                    raise SystemExit  # expect
                return "ok"
        '''),
        Bad('''
            from jobs.runner import run

            def lambda_handler(event, context):
                return run(event)
        ''', files={"jobs/runner.py": '''
            import sys

            def run(job):
                if job.get("cancelled"):
                    sys.exit(0)  # expect
                return job
        '''}),
        Good('''
            import sys

            def process(payload):
                return len(payload)

            def lambda_handler(event, context):
                return process(event["body"])

            if __name__ == "__main__":
                sys.exit(process(sys.argv[1]))
        '''),
        Good('''
            import json
            import sys

            def lambda_handler(event, context):
                return {"ok": bool(event)}

            def main():
                result = lambda_handler(json.load(sys.stdin), None)
                sys.exit(0 if result["ok"] else 1)

            if __name__ == "__main__":
                main()
        '''),
        Good('''
            def exit(code):
                return {"statusCode": code}

            def lambda_handler(event, context):
                quit = event.get("quit")
                if quit:
                    return exit(400)
                return exit(200)
        '''),
        Good('''
            import logging

            log = logging.getLogger()

            def lambda_handler(event, context, exit=log.error):
                exit("no exit here: a parameter shadows the builtin")
        '''),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        ctx = self.ctx
        if not ctx.in_invocation_scope:
            return
        name = ctx.qualify(node.func)
        if name is None or name not in EXIT_CALLS:
            return
        written = cst.Module([]).code_for_node(node.func)
        short = name.removeprefix("builtins.")
        shown = f"`{written}(...)`" + ("" if written == short else f" (`{short}`)")
        self.report(
            node,
            f"{shown} ends the Lambda runtime process ({ctx.scope_note()}): the "
            "invocation fails and the next request pays a cold start; raise an exception "
            "or return an error response instead",
        )

    def visit_Raise(self, node: cst.Raise) -> None:
        ctx = self.ctx
        if node.exc is None or not ctx.in_invocation_scope:
            return
        exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
        if ctx.qualify(exc) not in EXIT_EXCEPTIONS:
            return
        self.report(
            node,
            f"`raise SystemExit` ends the Lambda runtime process ({ctx.scope_note()}): the "
            "invocation fails and the next request pays a cold start; raise an ordinary "
            "exception or return an error response instead",
        )
