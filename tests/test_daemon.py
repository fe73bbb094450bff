"""`lambdalint check --daemon`: the daemon answers exactly what the command answers
in its own process, starts in the background when none runs, and steps aside when
what it loaded is no longer what is installed.

The daemons these tests start are real processes, in a folder of the test's own
(`LAMBDALINT_DAEMON_DIR`), each stopped when its test ends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import CLEAN_HANDLER, HANDLER_WITH_CLIENT

from lambdalint import daemon as daemons
from lambdalint.registry import plugin_identities

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"),
                                reason="the daemon needs Unix sockets")

SECOND_CLIENT = HANDLER_WITH_CLIENT.replace('    return s3.head_bucket(Bucket="reports")\n',
                                            '    sqs = boto3.client("sqs")\n'
                                            '    return s3.head_bucket(Bucket="reports"), sqs\n')


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The environment of a client whose daemon lives in the test's folder; the
    daemon is stopped (or killed) when the test ends."""
    run_dir = tmp_path / "run"
    monkeypatch.setenv("LAMBDALINT_DAEMON_DIR", str(run_dir))
    environment = {**os.environ, "LAMBDALINT_DAEMON_DIR": str(run_dir)}
    yield environment
    found = daemons.status()
    daemons.stop()
    if found is not None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(found["pid"]):
            time.sleep(0.05)
        if _alive(found["pid"]):
            os.kill(found["pid"], 9)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def lambdalint(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it (`python -m lambdalint` goes through the same
    entry point as the `lambdalint` script)."""
    return subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def wait_for_daemon(timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = daemons.status()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError("no daemon answered")


def answer_as_daemon(project: Path, env: dict[str, str], answer: dict) -> tuple[dict, subprocess.CompletedProcess[str]]:
    """Stand in for the daemon at its address: take one `check --daemon src/app.py`
    request and give ``answer``; the request, and the client once it is done."""
    path = daemons.address()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(1)
        mine = os.stat(path).st_ino
        argv = [sys.executable, "-m", "lambdalint", "check", "--daemon", "src/app.py"]
        client = subprocess.Popen(argv, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        connection, _ = listener.accept()
        with connection:
            request = daemons._receive(connection)
            daemons._send(connection, answer)
        out, err = client.communicate(timeout=300)
    try:
        if os.stat(path).st_ino == mine:
            os.unlink(path)  # the stand-in's socket file, unless a daemon took the address over
    except FileNotFoundError:
        pass
    return request, subprocess.CompletedProcess(argv, client.returncode, out, err)


def idle_loop_stops_when(daemon: daemons.Daemon, path: str, change) -> None:  # type: ignore[no-untyped-def]
    """The daemon's loop serves on while nothing changes, and stops soon after ``change()``."""
    import threading

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(1)
        loop = threading.Thread(target=daemon._loop, args=(listener, os.stat(path).st_ino), daemon=True)
        loop.start()
        loop.join(0.5)
        assert loop.is_alive()  # reachable, not idle long, nothing changed: it serves on
        change()
        loop.join(10)
        assert not loop.is_alive()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.lambdalint]\n", encoding="utf-8")
    (root / "src" / "app.py").write_text(HANDLER_WITH_CLIENT, encoding="utf-8")
    return root


def test_a_run_without_a_daemon_checks_in_process_and_starts_one(project, env):
    assert daemons.status() is None
    local = lambdalint(project, env, "check", "src/app.py")
    first = lambdalint(project, env, "check", "--daemon", "src/app.py")
    assert (first.returncode, first.stdout, first.stderr) == (local.returncode, local.stdout, local.stderr)
    assert first.returncode == 1 and "src/app.py:5:10: LAM101" in first.stdout
    started = wait_for_daemon()
    assert started["answered"] == 0 and started["version"] == daemons.__version__


def test_the_daemon_answers_what_the_command_answers_in_its_own_process(project, env):
    wait_for_daemon_started = lambdalint(project, env, "daemon", "start")
    assert wait_for_daemon_started.returncode == 0, wait_for_daemon_started.stderr
    assert "lambdalint daemon running" in wait_for_daemon_started.stdout
    cases = [
        ("check", "src/app.py"),
        ("check", "--output-format", "json", "."),
        ("check", "--select", "LAM999", "src/app.py"),  # a usage error: message and exit 2
        ("check", "--statistics", "--no-cache", "src/app.py"),
    ]
    (project / "src" / "app.py").write_text(SECOND_CLIENT, encoding="utf-8")  # a file no run has seen
    for args in cases:
        local = lambdalint(project, env, *args)
        served = lambdalint(project, env, args[0], "--daemon", *args[1:])
        assert (served.returncode, served.stdout, served.stderr) == (local.returncode, local.stdout, local.stderr)
    assert json.loads(lambdalint(project, env, "check", "--daemon", "--output-format", "json", ".").stdout)
    # From a subfolder, with the path relative to it: the daemon works in the client's folder.
    inside = lambdalint(project / "src", env, "check", "--daemon", "app.py")
    assert inside.returncode == 1 and inside.stdout.startswith("app.py:5:10: LAM101")
    assert daemons.status()["answered"] == len(cases) + 2


def test_fixes_through_the_daemon_are_written_as_in_process(project, env):
    assert lambdalint(project, env, "daemon", "start").returncode == 0
    fixed = lambdalint(project, env, "check", "--daemon", "--fix", "src/app.py")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "1 finding fixed" in fixed.stdout or "1 fixed" in fixed.stdout
    text = (project / "src" / "app.py").read_text(encoding="utf-8")
    assert text.index('boto3.client("s3")') < text.index("def lambda_handler")
    assert daemons.status()["answered"] == 1
    clean = lambdalint(project, env, "check", "--daemon", "src/app.py")
    assert clean.returncode == 0 and clean.stdout.startswith("All checks passed!")


def test_status_stop_and_a_second_daemon(project, env):
    stopped = lambdalint(project, env, "daemon", "status")
    assert stopped.returncode == 1 and stopped.stdout == "no lambdalint daemon is running\n"
    assert lambdalint(project, env, "daemon", "start").returncode == 0
    running = lambdalint(project, env, "daemon", "status", "--output-format", "json")
    assert running.returncode == 0
    found = json.loads(running.stdout)
    assert found["python"] == sys.executable and Path(found["address"]).exists()
    assert oct(Path(found["address"]).stat().st_mode & 0o777) == oct(0o600)
    second = lambdalint(project, env, "daemon", "run")
    assert second.returncode == 2 and "another lambdalint daemon is running" in second.stderr
    # A client that sends garbage does not stop it.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as junk:
        junk.connect(found["address"])
        junk.sendall(b"\x00\x00\x00\x00\x00\x00\x00\x05hello")
    assert daemons.status()["pid"] == found["pid"]
    assert lambdalint(project, env, "daemon", "stop").stdout == "lambdalint daemon stopped\n"
    deadline = time.monotonic() + 10
    while _alive(found["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(found["pid"]) and not Path(found["address"]).exists()
    assert lambdalint(project, env, "daemon", "stop").stdout == "no lambdalint daemon was running\n"


def test_the_daemon_stops_when_idle(project, env):
    idle = lambdalint(project, env, "daemon", "run", "--idle-timeout", "1")
    assert idle.returncode == 0, idle.stderr
    assert daemons.status() is None


def test_a_daemon_whose_modules_or_plugins_changed_steps_aside(tmp_path, monkeypatch):
    module = tmp_path / "loaded.py"
    module.write_text("X = 1\n", encoding="utf-8")
    daemon = daemons.Daemon(str(tmp_path / "d.sock"))
    daemon._modules = {str(module): module.stat().st_mtime_ns}
    daemon._plugins = ["mine=mine.rules (mine 1.0)"]
    daemon._stamp = "as installed"
    searched = []
    monkeypatch.setattr("lambdalint.registry.distributions_stamp", lambda: "as installed")
    monkeypatch.setattr("lambdalint.registry.plugin_identities", lambda: searched.append(1) or [])
    assert daemon._stale() is None and searched == []  # nothing on sys.path changed: not searched
    monkeypatch.setattr("lambdalint.registry.distributions_stamp", lambda: "touched")
    monkeypatch.setattr("lambdalint.registry.plugin_identities", lambda: ["mine=mine.rules (mine 1.0)"])
    assert daemon._stale() is None and daemon._stamp == "touched"  # searched: the same plugins
    monkeypatch.setattr("lambdalint.registry.distributions_stamp", lambda: None)  # cannot tell by stat
    monkeypatch.setattr("lambdalint.registry.plugin_identities", lambda: [])
    assert daemon._stale() == "the installed rule plugins changed"
    monkeypatch.setattr("lambdalint.registry.plugin_identities", lambda: ["mine=mine.rules (mine 1.0)"])
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 1_000_000_000))
    assert daemon._stale() == f"{module} changed"
    module.unlink()
    assert daemon._stale() == f"{module} is gone"


def test_a_stale_daemon_leaves_the_run_to_the_client(project, env, monkeypatch):
    """The client of a daemon that answers `stale` checks in its own process."""
    assert lambdalint(project, env, "daemon", "start").returncode == 0
    found = daemons.status()
    # What a stale daemon answers, from a stand-in at the daemon's address.
    assert lambdalint(project, env, "daemon", "stop").returncode == 0
    deadline = time.monotonic() + 10
    while _alive(found["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    request, client = answer_as_daemon(project, env, {"stale": "a module changed"})
    assert request["args"] == ["check", "src/app.py"]
    assert client.returncode == 1 and "src/app.py:5:10: LAM101" in client.stdout
    # ... and started a fresh daemon in the background, which takes the address over.
    fresh = wait_for_daemon()
    assert fresh["pid"] != found["pid"] and fresh["answered"] == 0


def test_a_daemon_whose_socket_file_is_removed_stops(tmp_path, monkeypatch):
    """A temporary-folder cleaner (or another daemon) took its address: no client can
    reach it, so it does not wait out its idle time."""
    monkeypatch.setattr(daemons, "_LOOK_AGAIN", 0.1)
    path = str(tmp_path / "d.sock")
    daemon = daemons.Daemon(path, idle_timeout=600)
    daemon._plugins = plugin_identities()
    idle_loop_stops_when(daemon, path, lambda: os.unlink(path))


def test_a_daemon_that_cannot_run_a_command_leaves_it_to_the_client(project, env):
    """A daemon that answers with an error (a request it could not run) is running:
    the client checks in its own process and starts no other daemon."""
    path = daemons.address()
    _, client = answer_as_daemon(project, env, {"error": "malformed request"})
    assert client.returncode == 1 and "src/app.py:5:10: LAM101" in client.stdout
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        assert not Path(path + ".lock").exists()  # no daemon was started
        time.sleep(0.1)


def test_an_idle_daemon_whose_modules_changed_stops(tmp_path, monkeypatch):
    """An upgrade, or a pre-commit hook environment removed, while the daemon waits:
    no client of what it loaded is left, so it does not wait out its idle time."""
    monkeypatch.setattr(daemons, "_LOOK_AGAIN", 0.1)
    module = tmp_path / "loaded.py"
    module.write_text("X = 1\n", encoding="utf-8")
    path = str(tmp_path / "d.sock")
    daemon = daemons.Daemon(path, idle_timeout=600)
    daemon._modules = {str(module): module.stat().st_mtime_ns}
    daemon._plugins = plugin_identities()
    idle_loop_stops_when(daemon, path, module.unlink)


def test_the_flag_is_taken_out_of_what_is_sent():
    assert daemons.without_daemon_flag(["check", "--daemon", "a.py"]) == ["check", "a.py"]
    assert daemons.without_daemon_flag(["check", "--", "--daemon"]) == ["check", "--", "--daemon"]


def test_no_daemon_in_a_folder_others_can_open(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("LAMBDALINT_DAEMON_DIR", str(shared))
    assert daemons.address() is None
    shared.chmod(0o700)
    assert daemons.address() is not None


def test_without_a_daemon_folder_the_flag_runs_in_process(project, tmp_path, monkeypatch):
    shared = tmp_path / "open"
    shared.mkdir()
    shared.chmod(0o777)
    env = {**os.environ, "LAMBDALINT_DAEMON_DIR": str(shared)}
    run = lambdalint(project, env, "check", "--daemon", "src/app.py")
    assert run.returncode == 1 and "src/app.py:5:10: LAM101" in run.stdout
    assert list(shared.iterdir()) == []
    refused = lambdalint(project, env, "daemon", "start")
    assert refused.returncode == 2 and "needs Unix sockets and a private folder" in refused.stderr


def test_clean_code_exits_zero_through_the_daemon(project, env):
    (project / "src" / "app.py").write_text(CLEAN_HANDLER, encoding="utf-8")
    assert lambdalint(project, env, "daemon", "start").returncode == 0
    served = lambdalint(project, env, "check", "--daemon", "src/app.py")
    assert served.returncode == 0 and served.stdout == "All checks passed! (1 file checked)\n"


def test_template_readings_are_kept_between_runs_only_when_asked(tmp_path, monkeypatch):
    """A daemon keeps each template's reading by its text: the next run reads only
    templates whose text changed; a one-shot run keeps nothing."""
    from lambdalint import keep
    from lambdalint.config import Config
    from lambdalint.runner import Runner
    from lambdalint.templates import deployment

    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(HANDLER_WITH_CLIENT, encoding="utf-8")
    template = root / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    read: list[str] = []
    load = deployment.load_text

    def counted(text: str, *, is_json: bool = False):
        read.append(text)
        return load(text, is_json=is_json)

    monkeypatch.setattr(deployment, "load_text", counted)

    def run() -> list[str]:
        outcome = Runner(Config(), _rules(), jobs=1).run([root])
        return sorted(f"{d.path}:{d.location.row}:{d.code}" for d in outcome.diagnostics)

    first = run()
    assert any(":LAM101" in finding for finding in first)
    assert len(read) == 1 and run() == first and len(read) == 2  # not kept: read again
    try:
        keep.keep_between_runs()
        kept = run()
        assert run() == kept == first and len(read) == 3  # read once, then kept
        template.write_text(TEMPLATE.replace("Timeout: 30", "Timeout: 20"), encoding="utf-8")
        run()
        assert len(read) == 4  # changed text: read again
    finally:
        keep.keep_between_runs(False)
    assert len(keep.DOCUMENTS) == 0


def test_terraform_bodies_are_kept_between_runs_only_when_asked(monkeypatch):
    pytest.importorskip("hcl2")
    from lambdalint import keep
    from lambdalint.templates import hcl, terraform

    parsed: list[str] = []
    parse = hcl.parse

    def counted(text: str):
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(hcl, "parse", counted)
    text = 'resource "aws_lambda_function" "f" {\n  handler = "app.handler"\n}\n'
    first = terraform.Parses(None).body(text)
    assert terraform.Parses(None).body(text) is not first and len(parsed) == 2
    try:
        keep.keep_between_runs()
        kept = terraform.Parses(None).body(text)
        assert terraform.Parses(None).body(text) is kept and len(parsed) == 3
        assert [b.labels for b in kept.blocks] == [b.labels for b in first.blocks]
    finally:
        keep.keep_between_runs(False)


def test_kept_readings_stay_within_their_budget():
    from lambdalint.keep import Kept

    kept: Kept[str] = Kept(budget=10)
    assert kept.get("a") is None
    kept.put("a", "A", 4)
    assert kept.get("a") is None  # off
    kept.enabled = True
    kept.put("a", "A", 4)
    kept.put("b", "B", 4)
    assert kept.get("a") == "A"  # now the most recently used
    kept.put("c", "C", 4)  # past the budget: the least recently used goes
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")
    kept.put("big", "X", 11)
    assert kept.get("big") is None and len(kept) == 2


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Function:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.lambda_handler
      Runtime: python3.12
      CodeUri: src/
      Timeout: 30
"""


def _rules():
    from lambdalint.registry import load_registry

    return load_registry(include_plugins=False).select(None)


@pytest.mark.parametrize(("argv", "forwarded"), [
    (["check", "--daemon", "app.py"], True),
    (["check", "app.py", "--daemon"], True),
    (["check", "app.py"], False),
    (["check", "--", "--daemon"], False),  # a file named --daemon
    (["rules", "--daemon"], False),  # only `check` is sent to the daemon
])
def test_the_entry_point_forwards_check_daemon_only(argv, forwarded, monkeypatch):
    from lambdalint import launch

    sent: list[list[str]] = []
    ran: list[list[str]] = []
    monkeypatch.setattr(sys, "argv", ["lambdalint", *argv])
    monkeypatch.setattr(daemons, "forward", lambda args: sent.append(args))  # None: no daemon ran it
    monkeypatch.setattr("lambdalint.cli.main", lambda: ran.append(sys.argv[1:]))
    launch.main()
    assert sent == ([argv] if forwarded else [])
    assert ran == [argv]  # no daemon answered: the CLI runs it
