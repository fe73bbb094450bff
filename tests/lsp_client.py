"""A small Language Server Protocol client for the tests: JSON-RPC over the pipes of a
`lambdalint server` subprocess, written from the protocol's framing (Content-Length
headers), independent of pygls, so the tests see exactly what an editor sees."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

TIMEOUT = 30.0


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


def capabilities(encodings: list[str] | None = None, resolve: bool = False,
                 document_changes: bool = True, watch: bool = True) -> dict[str, Any]:
    """Client capabilities like an editor's: related information, versioned edits,
    dynamic file watching; ``encodings`` offers position encodings (LSP 3.17)."""
    caps: dict[str, Any] = {
        "textDocument": {
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True,
                                   "codeDescriptionSupport": True, "dataSupport": True},
            "codeAction": {"dataSupport": True, "isPreferredSupport": True,
                           "codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                               "", "quickfix", "source", "source.fixAll"]}}},
            "synchronization": {"didSave": True, "dynamicRegistration": False},
        },
        "workspace": {"workspaceEdit": {"documentChanges": document_changes},
                      "didChangeWatchedFiles": {"dynamicRegistration": watch},
                      "workspaceFolders": True},
        "window": {"showMessage": {}},
    }
    if resolve:
        caps["textDocument"]["codeAction"]["resolveSupport"] = {"properties": ["edit"]}
    if encodings is not None:
        caps["general"] = {"positionEncodings": encodings}
    return caps


class Client:
    """Drives one server process: requests wait for their answer; notifications from the
    server are kept in order and looked through with `wait_for`."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lambdalint", "server"], cwd=cwd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
        self.next_id = 0
        self.answers: dict[int, "queue.Queue[dict[str, Any]]"] = {}
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.stderr: list[bytes] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # -- wire -------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        with self.lock:
            assert self.process.stdin is not None
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self.changed:
                        self.changed.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None, "a message without Content-Length"
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:  # a request from the server
                self.server_requests.append(message)
                self._send({"id": message["id"], "result": None})
            elif "id" in message:
                self.answers.setdefault(message["id"], queue.Queue()).put(message)
            with self.changed:
                if "method" in message and "id" not in message:
                    self.notifications.append(message)
                self.changed.notify_all()

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    # -- protocol -------------------------------------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
        self.next_id += 1
        ident = self.next_id
        box = self.answers.setdefault(ident, queue.Queue())
        self._send({"id": ident, "method": method, **({} if params is None else {"params": params})})
        try:
            answer = box.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer to {method} in {timeout} s; stderr: {self.stderr_text()}") from None
        assert "error" not in answer, answer
        return answer.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, **({} if params is None else {"params": params})})

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT,
                 after: int = 0) -> dict[str, Any]:
        """The first notification (from index ``after`` on) that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for message in self.notifications[after:]:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    methods = [m["method"] for m in self.notifications[after:]]
                    raise AssertionError(f"no such notification in {timeout} s (got {methods}); "
                                         f"stderr: {self.stderr_text()}")
                self.changed.wait(left)

    def mark(self) -> int:
        """Where the notifications received from now on start (for `wait_for`'s ``after``)."""
        with self.changed:
            return len(self.notifications)

    def diagnostics(self, uri: str, after: int = 0, version: int | None = None,
                    timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """The next diagnostics published for ``uri`` (for that version of it, if given)."""
        message = self.wait_for(
            lambda m: m["method"] == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            and (version is None or m["params"].get("version") == version), timeout, after)
        return message["params"]["diagnostics"]

    def messages(self, method: str = "window/showMessage") -> list[dict[str, Any]]:
        with self.changed:
            return [m["params"] for m in self.notifications if m["method"] == method]

    def stderr_text(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")[-3000:]

    # -- a session --------------------------------------------------------------------------------

    def initialize(self, root: Path, **options: Any) -> dict[str, Any]:
        result = self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri_of(root),
            "workspaceFolders": [{"uri": uri_of(root), "name": root.name}],
            "capabilities": capabilities(**options)})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        uri = uri_of(path)
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": version,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def save(self, uri: str) -> None:
        self.notify("textDocument/didSave", {"textDocument": {"uri": uri}})

    def close(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def code_actions(self, uri: str, start: tuple[int, int], end: tuple[int, int] | None = None,
                     only: list[str] | None = None, diagnostics: list[dict[str, Any]] | None = None) -> list[dict]:
        end = end or start
        context: dict[str, Any] = {"diagnostics": diagnostics or []}
        if only is not None:
            context["only"] = only
        return self.request("textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": start[0], "character": start[1]},
                      "end": {"line": end[0], "character": end[1]}},
            "context": context}) or []

    def shutdown(self, timeout: float = 10.0) -> int:
        """shutdown, then exit: the server's exit code."""
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


def edits_of(edit: dict[str, Any], uri: str) -> list[dict[str, Any]]:
    """The text edits a WorkspaceEdit makes to one document (either shape)."""
    if edit.get("documentChanges"):
        return [e for change in edit["documentChanges"] if change["textDocument"]["uri"] == uri
                for e in change["edits"]]
    return list((edit.get("changes") or {}).get(uri, []))


def apply_edits(text: str, edits: list[dict[str, Any]], encoding: str = "utf-16") -> str:
    """Apply LSP text edits to a text, the way an editor does: positions in the negotiated
    encoding's code units, lines split at \\n, \\r\\n and \\r; edits do not overlap and
    are applied from the last to the first."""
    lines = _lines(text)
    offsets = []
    start = 0
    for line in lines:
        offsets.append(start)
        start += len(line)

    def offset(position: dict[str, int]) -> int:
        row = position["line"]
        if row >= len(lines):
            return len(text)
        content = lines[row].rstrip("\r\n")
        units = 0
        for index, char in enumerate(content):
            if units >= position["character"]:
                return offsets[row] + index
            units += len(char.encode(encoding.replace("utf-16", "utf-16-le").replace("utf-32", "utf-32-le"),
                                     "surrogatepass")) // (2 if encoding == "utf-16" else 4 if encoding == "utf-32"
                                                           else 1)
        return offsets[row] + len(content)

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for begin, end, new in spans:
        text = text[:begin] + new + text[end:]
    return text


def _lines(text: str) -> list[str]:
    lines: list[str] = []
    current = ""
    index = 0
    while index < len(text):
        char = text[index]
        current += char
        if char == "\r" and text[index + 1:index + 2] == "\n":
            current += "\n"
            index += 1
        if char in "\r\n":
            lines.append(current)
            current = ""
        index += 1
    lines.append(current)
    return lines
