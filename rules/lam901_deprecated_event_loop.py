"""LAM901 deprecated-event-loop."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.catalog.concurrency import (
    ASYNCIO_MODULE,
    GET_EVENT_LOOP,
    LOOP_BOUND_CLIENTS,
    RUN_UNTIL_COMPLETE,
    STDLIB_COROUTINE_FUNCTIONS,
)
from lambdalint.fix import Applicability, Fix, ImportSpec
from lambdalint.model import ModuleModel
from lambdalint.walk import children

from ._async import coroutine_targets, in_sync_code, local_binding, module_names, name_uses, reach, scope_body
from ._logging import written


class DeprecatedEventLoop(Rule):
    """
    ## What it does
    Flags `asyncio.get_event_loop().run_until_complete(x)` in synchronous code, also
    when the loop is first kept in a variable of the same function
    (`loop = asyncio.get_event_loop()` then `loop.run_until_complete(x)`), however
    `asyncio` or `get_event_loop` is imported.

    ## Why is this bad?
    `asyncio.get_event_loop()` without a running loop is deprecated: since Python 3.12
    it warns when no event loop is set, and from Python 3.14 it raises
    `RuntimeError`, so the handler breaks when the function moves to a newer runtime.
    `asyncio.run(x)` is the supported way to run a coroutine from synchronous code:
    it creates a loop, runs the coroutine, finishes async generators and closes the
    loop.

    Not flagged: code inside `async def` (a different mistake: the loop is already
    running), `new_event_loop()` loops, and a loop kept at module scope and used in
    the handler (one long-lived loop for the environment is a deliberate design;
    create it with `asyncio.new_event_loop()` there). The rule checks every file,
    test files and scripts included: the call breaks there too on Python 3.14.

    ## Fix safety
    The fix is safe: it replaces the call with `asyncio.run(x)` (using the module's
    own `asyncio` import or its alias, and adding `import asyncio` only when no name
    for the module is visible) and, for the variable form, removes the
    `loop = asyncio.get_event_loop()` line. It is offered only when the argument is a
    call of a coroutine function (an `async def` of the checked tree or one of
    asyncio's own; `asyncio.run` rejects futures such as `asyncio.gather(...)`), the
    variable is used for nothing else, and nothing suggests the code relies on one
    loop surviving across invocations: the module keeps no loop-bound client at module
    scope, the coroutine and the code it calls use none kept at module scope in any
    module of the checked tree, and none of those coroutines sets a `global` (a pool
    or session cached across invocations would break under `asyncio.run`, see
    LAM904). Otherwise the finding has no fix. An import of `get_event_loop` that is
    no longer used stays; remove it by hand or with your formatter.

    ## References
    - [`asyncio.get_event_loop`](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.get_event_loop)
    - [`asyncio.run`](https://docs.python.org/3/library/asyncio-runner.html#asyncio.run)
    - [Define Lambda function handler in Python: async code](https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html)
    """

    code = "LAM901"
    name = "deprecated-event-loop"
    severity = Severity.WARNING
    fix = FixAvailability.SAFE
    words = (RUN_UNTIL_COMPLETE,)
    tags = ("correctness", "async", "upgrade")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != RUN_UNTIL_COMPLETE:
            return
        ctx = self.ctx
        if not in_sync_code(ctx):
            return
        receiver = func.value
        loop_name = None
        if isinstance(receiver, cst.Name):
            binding = local_binding(ctx, receiver.value)
            if not self._is_get_event_loop(binding):
                return
            loop_name = receiver.value
        elif not self._is_get_event_loop(receiver):
            return
        shown = written(func) if loop_name is None else f"{loop_name}.{RUN_UNTIL_COMPLETE}"
        origin = "" if loop_name is None else f" on `{loop_name} = asyncio.get_event_loop()`"
        self.report(
            node,
            f"`{shown}(...)`{origin} relies on `asyncio.get_event_loop()`, deprecated without "
            "a running loop (a warning since Python 3.12, an error from 3.14); run the "
            "coroutine with `asyncio.run(...)`",
            fix=self._fix(node, loop_name),
        )

    def _is_get_event_loop(self, expr: object) -> bool:
        return (
            isinstance(expr, cst.Call)
            and not expr.args
            and self.ctx.qualify(expr.func) == GET_EVENT_LOOP
        )

    # -- the fix ----------------------------------------------------------------------------

    def _fix(self, call: cst.Call, loop_name: str | None) -> Fix | None:
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return None
        if not self._is_coroutine_call(call.args[0].value) or self._relies_on_one_loop(call.args[0].value):
            return None
        runner = self._asyncio_run()
        if runner is None:
            return None
        func, imports = runner
        new_call = call.with_changes(
            func=func, args=[call.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        )
        replacements: list = [(call, new_call)]
        if loop_name is not None:
            statement = self._removable_assignment(loop_name)
            if statement is None:
                return None
            replacements.append((statement, cst.RemovalSentinel.REMOVE))
        return Fix(
            f"Run the coroutine with `{written(func)}(...)`",
            Applicability.SAFE,
            replacements=replacements,
            imports=imports,
        )

    def _is_coroutine_call(self, expr: cst.BaseExpression) -> bool:
        ctx = self.ctx
        if isinstance(expr, cst.Name):
            binding = local_binding(ctx, expr.value)
            if not isinstance(binding, cst.Call) or len(name_uses(scope_body(ctx), expr.value)) != 2:
                return False
            expr = binding
        if not isinstance(expr, cst.Call):
            return False
        if ctx.qualify(expr.func) in STDLIB_COROUTINE_FUNCTIONS:
            return True
        return bool(coroutine_targets(ctx.model, expr, ctx.function))

    def _relies_on_one_loop(self, coroutine: cst.BaseExpression) -> bool:
        """Whether the code may depend on the loop surviving across invocations: this
        module keeps a loop-bound client, or the coroutine (or code it calls) uses one
        kept at module scope anywhere in the tree, or sets globals from a coroutine
        (`global _pool; _pool = await asyncpg.create_pool()`)."""
        ctx = self.ctx
        if _keeps_loop_bound_client(ctx.model, None):
            return True
        project = ctx.model.project
        if project is None:
            return False
        for model, function in reach(project, ctx.model, ctx.function, coroutine):
            if function.is_async and function.scope.global_names:
                return True
            if any(_keeps_loop_bound_client(target, name) for target, name in module_names(project, model, function)):
                return True
        return False

    def _asyncio_run(self) -> tuple[cst.BaseExpression, list[ImportSpec]] | None:
        """How to spell `asyncio.run` here, and the import that needs (if any)."""
        ctx = self.ctx
        visible = self._visible_names()
        for name in visible:
            if ctx.qualify(cst.Name(name)) == ASYNCIO_MODULE:
                return cst.Attribute(value=cst.Name(name), attr=cst.Name("run")), []
        if ctx.qualify(cst.Name(ASYNCIO_MODULE)) is not None:
            return None  # `asyncio` names something else here
        return (
            cst.Attribute(value=cst.Name(ASYNCIO_MODULE), attr=cst.Name("run")),
            [ImportSpec(ASYNCIO_MODULE)],
        )

    def _visible_names(self) -> list[str]:
        """Names bound in the current scope chain, `asyncio` first."""
        ctx = self.ctx
        names: list[str] = [ASYNCIO_MODULE]
        scope = ctx.function.scope if ctx.function is not None else ctx.model.summary.module_scope
        while scope is not None:
            names.extend(sorted(n for n, v in scope.bindings.items() if isinstance(v, str) and v == ASYNCIO_MODULE))
            scope = scope.parent
        return names

    def _removable_assignment(self, loop_name: str) -> cst.SimpleStatementLine | None:
        """The `loop = asyncio.get_event_loop()` line, when the loop is used for nothing
        else and removing the line leaves valid code."""
        ctx = self.ctx
        body = scope_body(ctx)
        if len(name_uses(body, loop_name)) != 2:
            return None
        binding = local_binding(ctx, loop_name)
        for block in _blocks(body):
            statements = list(block)
            for statement in statements:
                if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                    continue
                small = statement.body[0]
                if isinstance(small, cst.Assign) and small.value is binding:
                    if len(statements) < 2 or len(small.targets) != 1:
                        return None
                    return statement
        return None

    examples = [
        Bad('''
            import asyncio

            async def process(event):
                await asyncio.sleep(0)
                return {"ok": True}

            def lambda_handler(event, context):
                return asyncio.get_event_loop().run_until_complete(process(event))  # expect
        '''),
        Good('''
            import asyncio

            async def process(event):
                await asyncio.sleep(0)
                return {"ok": True}

            def lambda_handler(event, context):
                return asyncio.run(process(event))
        '''),
        Bad('''
            import asyncio as aio
            from asyncio import get_event_loop

            async def fetch_all(urls):
                return urls

            def handler(event, context):
                loop = get_event_loop()
                results = loop.run_until_complete(aio.gather(fetch_all(event["urls"])))  # expect
                loop.close()
                return results
        '''),
        Bad('''
            import asyncio

            async def main():
                return 1

            if __name__ == "__main__":
                asyncio.get_event_loop().run_until_complete(main())  # expect
        '''),
        Good('''
            import asyncio
            import aiohttp

            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            session = aiohttp.ClientSession(loop=loop)

            async def fetch(url):
                async with session.get(url) as response:
                    return await response.text()

            def lambda_handler(event, context):
                return loop.run_until_complete(fetch(event["url"]))
        '''),
        Good('''
            import asyncio

            shared_loop = asyncio.get_event_loop()

            async def work():
                loop = asyncio.get_event_loop()
                return loop

            def lambda_handler(event, context):
                return shared_loop.run_until_complete(work())
        '''),
        Fixed(
            before='''
            import asyncio

            async def process(event):
                return event

            def lambda_handler(event, context):
                result = asyncio.get_event_loop().run_until_complete(process(event))
                return result
            ''',
            after='''
            import asyncio

            async def process(event):
                return event

            def lambda_handler(event, context):
                result = asyncio.run(process(event))
                return result
            ''',
        ),
        Fixed(
            before='''
            import json
            from asyncio import get_event_loop

            async def process(event):
                return event

            def lambda_handler(event, context):
                loop = get_event_loop()
                # run the async part
                result = loop.run_until_complete(process(event))
                return json.dumps(result)
            ''',
            after='''
            import json
            from asyncio import get_event_loop
            import asyncio

            async def process(event):
                return event

            def lambda_handler(event, context):
                # run the async part
                result = asyncio.run(process(event))
                return json.dumps(result)
            ''',
        ),
        Fixed(
            before='''
            import asyncio as aio

            async def sync_all(ids):
                await aio.sleep(0)
                return ids

            def lambda_handler(event, context):
                loop = aio.get_event_loop()
                return loop.run_until_complete(sync_all(event["ids"]))
            ''',
            after='''
            import asyncio as aio

            async def sync_all(ids):
                await aio.sleep(0)
                return ids

            def lambda_handler(event, context):
                return aio.run(sync_all(event["ids"]))
            ''',
        ),
    ]


def _keeps_loop_bound_client(model: ModuleModel, name: str | None) -> bool:
    """A module-level name (or any, when name is None) bound to a loop-bound client."""
    bindings = model.summary.module_scope.bindings
    values = bindings.values() if name is None else [bindings.get(name)]
    return any(
        isinstance(value, cst.Call) and model.qualify(value.func, None) in LOOP_BOUND_CLIENTS
        for value in values
    )


def _blocks(root: cst.CSTNode):  # type: ignore[no-untyped-def]
    """Statement sequences (module body, indented blocks) under root, not inside nested defs."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Module):
            yield node.body
        elif isinstance(node, cst.IndentedBlock):
            yield node.body
        for child in children(node):
            if not isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.SimpleStatementLine)):
                stack.append(child)
