"""A process that keeps lambdalint loaded between runs: `lambdalint check --daemon`.

Why: a run on one file edited since the last run (what pre-commit hands the hook)
spends most of its time before it checks anything: starting the interpreter and
importing LibCST, the model and the rules, reading botocore's list of pageable
operations. A daemon pays that once; the commands it is sent cost what is left
(reading the project, planning, the units that hold the files). `dmypy` does the
same for mypy.

How it behaves, so that it never changes an answer:

- `lambdalint check --daemon ARGS` sends ARGS, the working folder and the
  environment to the daemon of this interpreter and this lambdalint version, which
  runs exactly `lambdalint check ARGS` there and sends back its output and exit
  code. When no daemon answers, the run happens in the process as without
  `--daemon`, and a daemon is started in the background for the next one.
- The daemon answers one command at a time, and keeps each template's reading
  for the next command (`lambdalint.keep`). It stops after `IDLE_TIMEOUT` seconds
  without a command, when its memory grows past `MEMORY_LIMIT_MB`, and when any
  module it has loaded (lambdalint's, a rule plugin's, LibCST's...) changed on disk
  or the installed rule plugins changed: then the command is run by the client, and
  the next one starts a fresh daemon. It looks for such changes while idle too
  (a pre-commit hook environment removed or upgraded leaves no client behind).
- It listens on a Unix socket in a folder only its user can open
  (`$XDG_RUNTIME_DIR/lambdalint`, or `lambdalint-<uid>` in the temporary folder;
  `LAMBDALINT_DAEMON_DIR` names another). Where there is no such socket (Windows),
  `--daemon` just runs in the process.

Messages are a JSON object preceded by its length (8 bytes, big-endian).
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Iterator

from lambdalint import __version__

PROTOCOL = 1
IDLE_TIMEOUT = 30 * 60  # seconds
MEMORY_LIMIT_MB = 600
# How long `daemon start` waits for a daemon it started to answer.
START_TIMEOUT = 60.0
_LOOK_AGAIN = 30.0  # seconds between looks at the socket file while idle
_UNIX_PATH_MAX = 100  # sun_path is 104 bytes on macOS, 108 on Linux
_HEADER = 8

# Whether this process already sent its command to the daemon (which did not run
# it), or is the daemon running a command: `check --daemon` then runs in the process.
ASKED = False


# -- where ----------------------------------------------------------------------------


def folder() -> Path | None:
    """The private folder of this user's daemons, created if needed; None when the
    platform has no Unix sockets or the folder is not private (another user could
    answer in the daemon's place)."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"):
        return None
    named = os.environ.get("LAMBDALINT_DAEMON_DIR")
    if named:
        where = Path(named)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        where = Path(os.environ["XDG_RUNTIME_DIR"]) / "lambdalint"
    else:
        import tempfile

        where = Path(tempfile.gettempdir()) / f"lambdalint-{os.getuid()}"
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = where.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return where


def address() -> str | None:
    """The socket of the daemon that serves this interpreter and this version of
    lambdalint (another version or virtualenv has its own)."""
    import hashlib

    where = folder()
    if where is None:
        return None
    name = hashlib.sha256(f"{sys.executable}\0{__version__}\0{PROTOCOL}".encode()).hexdigest()[:16]
    path = str(where / f"{name}.sock")
    return path if len(path.encode()) < _UNIX_PATH_MAX else None


# -- messages -------------------------------------------------------------------------


def _send(connection: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    connection.sendall(len(data).to_bytes(_HEADER, "big") + data)


def _receive(connection: socket.socket) -> dict[str, Any] | None:
    """The next message, or None when the other side closed or sent garbage."""
    header = _read_exactly(connection, _HEADER)
    if header is None:
        return None
    body = _read_exactly(connection, int.from_bytes(header, "big"))
    if body is None:
        return None
    try:
        message = json.loads(body.decode("utf-8"))
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _read_exactly(connection: socket.socket, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = connection.recv(min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _ask(message: dict[str, Any], connect_timeout: float = 2.0) -> dict[str, Any] | None:
    """The daemon's answer to one message; None when no daemon answers."""
    path = address()
    if path is None:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(connect_timeout)
        connection.connect(path)
        connection.settimeout(None)  # a run over a large project takes what it takes
        _send(connection, {"protocol": PROTOCOL, **message})
        return _receive(connection)
    except OSError:
        return None
    finally:
        connection.close()


# -- the client -----------------------------------------------------------------------


def forward(args: list[str]) -> int | None:
    """Run the CLI command ``args`` in the daemon and print what it printed; its exit
    code, or None when no daemon ran it (one is then started for the next run, and
    the caller runs the command itself)."""
    global ASKED
    ASKED = True
    if address() is None:
        return None
    answer = _ask({"op": "run", "args": without_daemon_flag(args), "cwd": os.getcwd(),
                   "env": dict(os.environ)})
    if answer is None or "stale" in answer:  # none runs, or it is on its way out
        start_in_background()
    if answer is None or "code" not in answer:
        return None
    sys.stdout.write(answer.get("stdout", ""))
    sys.stdout.flush()
    sys.stderr.write(answer.get("stderr", ""))
    sys.stderr.flush()
    return int(answer["code"])


def without_daemon_flag(args: list[str]) -> list[str]:
    """``args`` without `--daemon` (before a `--` that ends the options)."""
    kept: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            return kept + args[index:]
        if arg != "--daemon":
            kept.append(arg)
    return kept


def start_in_background() -> None:
    """Start a daemon, detached from this process and its terminal; it exits at once
    when another one holds the lock."""
    import subprocess

    try:
        subprocess.Popen([sys.executable, "-m", "lambdalint", "daemon", "run"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True, cwd=os.path.abspath(os.sep))
    except OSError:
        pass  # the run goes on in the process; the next one tries again


def status() -> dict[str, Any] | None:
    """The running daemon's pid, age, commands answered and address; None when none answers."""
    return _ask({"op": "status"})


def stop() -> bool:
    """Ask the daemon to stop; whether one was running."""
    return _ask({"op": "stop"}) is not None


def start(timeout: float = START_TIMEOUT) -> dict[str, Any] | None:
    """Start a daemon unless one runs, and wait until it answers: its status, or None
    when it did not answer in time (or daemons are not available here)."""
    if address() is None:
        return None
    answer = status()
    if answer is not None:
        return answer
    start_in_background()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        answer = status()
        if answer is not None:
            return answer
    return None


# -- the daemon -----------------------------------------------------------------------


class Daemon:
    """One daemon: it holds the lock next to its socket while it lives, so that two
    daemons never serve the same address."""

    def __init__(self, path: str, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.path = path
        self.idle_timeout = idle_timeout
        self.started = time.time()
        self.answered = 0
        self._modules: dict[str, int] = {}
        self._plugins: list[str] = []
        self._stamp: str | None = None  # `registry.distributions_stamp` when they were found

    def serve(self) -> int:
        """Serve until idle, stale, too large or asked to stop; 0, or 1 when another
        daemon already serves the address."""
        import fcntl

        from lambdalint.keep import keep_between_runs

        lock = open(self.path + ".lock", "a+")  # noqa: SIM115 - held for the daemon's life
        # A daemon that found its modules changed is still on its way out when the
        # client starts the next one: wait for it a little.
        deadline = time.monotonic() + 2.0
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    lock.close()
                    return 1
                time.sleep(0.05)
        try:
            keep_between_runs()
            self._warm_up()
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            listener.bind(self.path)
            os.chmod(self.path, 0o600)
            listener.listen(16)
            mine = os.stat(self.path).st_ino
            try:
                self._loop(listener, mine)
            finally:
                listener.close()
                try:
                    if os.stat(self.path).st_ino == mine:
                        os.unlink(self.path)
                except FileNotFoundError:
                    pass
            return 0
        finally:
            lock.close()

    def _loop(self, listener: socket.socket, mine: int) -> None:
        """Answer until idle or asked to stop; also stop when the socket file is no
        longer this daemon's (``mine``: its inode; removed, or taken by another): no
        client can reach it; and when what it loaded changed on disk (an upgrade, a
        pre-commit hook environment removed): no client of that code is left."""
        listener.settimeout(min(self.idle_timeout, _LOOK_AGAIN))
        last = time.monotonic()
        while True:
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                try:
                    reachable = os.stat(self.path).st_ino == mine
                except OSError:
                    reachable = False
                if not reachable or time.monotonic() - last >= self.idle_timeout or self._stale() is not None:
                    return
                continue
            last = time.monotonic()
            with connection:
                connection.settimeout(60)  # a client that sends nothing does not hold the daemon
                try:
                    request = _receive(connection)
                except OSError:
                    continue
                connection.settimeout(None)
                if request is None or request.get("protocol") != PROTOCOL:
                    continue
                done = self._answer(connection, request)
            if done:
                return

    def _answer(self, connection: socket.socket, request: dict[str, Any]) -> bool:
        """Answer one request; whether the daemon stops after it."""
        op = request.get("op")
        try:
            if op == "status":
                _send(connection, self.status())
                return False
            if op == "stop":
                _send(connection, {"stopping": True})
                return True
            if op != "run":
                _send(connection, {"error": f"unknown request {op!r}"})
                return False
            why = self._stale()
            if why is not None:
                _send(connection, {"stale": why})
                return True
            answer = self._run(request)
            _send(connection, answer)
        except OSError:
            return False  # the client went away
        self.answered += 1
        return _peak_memory_mb() > MEMORY_LIMIT_MB

    def status(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "version": __version__, "python": sys.executable, "address": self.path,
                "uptime": round(time.time() - self.started, 1), "answered": self.answered,
                "peak_memory_mb": round(_peak_memory_mb())}

    def _run(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run the CLI as `lambdalint ARGS` would in the client's folder and environment."""
        global ASKED
        from lambdalint.cli import main

        args = request.get("args")
        cwd = request.get("cwd")
        env = request.get("env")
        if not (isinstance(args, list) and all(isinstance(a, str) for a in args) and isinstance(cwd, str)
                and isinstance(env, dict)):
            return {"error": "malformed request"}
        out, err = _stream(), _stream()
        home = os.getcwd()
        code: int = 0
        ASKED = True
        try:
            with _environment(env), redirect_stdout(out), redirect_stderr(err):
                os.chdir(cwd)
                try:
                    main.main(args=args, prog_name="lambdalint", standalone_mode=True)
                except SystemExit as exit:
                    code = _exit_code(exit, err)
        except OSError as error:  # the client's folder is gone
            return {"error": str(error)}
        finally:
            ASKED = False
            os.chdir(home)
        return {"code": code, "stdout": _text(out), "stderr": _text(err)}

    def _warm_up(self) -> None:
        """Import and exercise what a run needs (LibCST, the model, every rule,
        botocore's paginators, the template readers) on a small project of its own,
        then remember what is loaded, to notice when it changes on disk."""
        import tempfile

        from lambdalint.registry import distributions_stamp, plugin_identities

        with tempfile.TemporaryDirectory() as where:
            root = Path(where)
            (root / "app.py").write_text(_WARM_UP_HANDLER, encoding="utf-8")
            (root / "template.yaml").write_text(_WARM_UP_TEMPLATE, encoding="utf-8")
            (root / "pyproject.toml").write_text("[tool.lambdalint]\n", encoding="utf-8")
            self._run({"args": ["check", "--no-cache", "--jobs", "1", "."], "cwd": where, "env": dict(os.environ)})
        self._stamp = distributions_stamp()  # before the search: a change in between shows
        self._plugins = plugin_identities()
        self._modules = _module_times()

    def _stale(self) -> str | None:
        """Why this daemon must not answer any more: a module it loaded changed on
        disk, or the installed rule plugins changed (a newly installed plugin's rules
        would be missing)."""
        from lambdalint.registry import distributions_stamp, plugin_identities

        for path, mtime in self._modules.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return f"{path} changed"
            except OSError:
                return f"{path} is gone"
        stamp = distributions_stamp()  # searching for them again would cost each request 5 ms
        if stamp is None or stamp != self._stamp:
            if plugin_identities() != self._plugins:
                return "the installed rule plugins changed"
            self._stamp = stamp
        return None


_WARM_UP_HANDLER = '''import json
import boto3


def lambda_handler(event, context):
    s3 = boto3.client("s3")
    keys = s3.list_objects_v2(Bucket=event["bucket"])["Contents"]
    return {"statusCode": 200, "body": json.dumps([k["Key"] for k in keys])}
'''

_WARM_UP_TEMPLATE = '''AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Function:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.lambda_handler
      Runtime: python3.12
      CodeUri: .
'''


def _module_times() -> dict[str, int]:
    """The modification time of every loaded module's file."""
    times: dict[str, int] = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path not in times:
            try:
                times[path] = os.stat(path).st_mtime_ns
            except OSError:
                continue
    return times


def _peak_memory_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape", newline="",
                            write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8", errors="replace")  # type: ignore[attr-defined]


def _exit_code(exit: SystemExit, err: io.TextIOWrapper) -> int:
    """The exit code `sys.exit(value)` gives a process (a message is printed, code 1)."""
    if exit.code is None:
        return 0
    if isinstance(exit.code, int):
        return exit.code
    err.write(f"{exit.code}\n")
    return 1


@contextmanager
def _environment(env: dict[str, Any]) -> Iterator[None]:
    """The client's environment variables for the time of one command."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in env.items()})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
