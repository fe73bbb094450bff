"""The `lambdalint` command's entry point.

`lambdalint check --daemon` is sent to the daemon (`lambdalint.daemon`) before the
CLI is imported: importing click, the configuration and the runner costs a tenth
of a second, which is what the daemon is there to save. Every other command, and
a `--daemon` run no daemon answered, goes to the CLI (`lambdalint.cli`).
"""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    options = args[:args.index("--")] if "--" in args else args
    if args[:1] == ["check"] and "--daemon" in options:
        from lambdalint import daemon

        code = daemon.forward(args)
        if code is not None:
            sys.exit(code)
    from lambdalint.cli import main as cli

    cli()
