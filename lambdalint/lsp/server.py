"""`lambdalint server`: the Language Server Protocol over stdio, on pygls.

What it does for an editor:
- publishes each open Python file's findings when it is opened, after a pause
  in typing (`DEBOUNCE` seconds) and when it is saved, computed from the
  unsaved text inside the file's project (`lambdalint.lsp.checker`); each
  finding links to its rule's page, and one that runs per invocation because a
  handler calls it carries the call chain as related information;
- offers code actions: a finding's fix (a safe one as the preferred quick fix,
  an unsafe one labelled so), `# noqa: CODE` for the finding's line, and every
  safe fix of the file at once (`source.fixAll.lambdalint`, the same verified
  passes as `lambdalint check --fix`);
- reads `[tool.lambdalint]` like `lambdalint check`, and reads it again when a
  `pyproject.toml` changes or is saved; a configuration it cannot use is one
  error message, and its files get no findings until it is fixed;
- re-checks the open files when another file is saved or changes on disk (a
  helper module, a template), because what runs per invocation can change.

Checking runs on one thread of its own, so the server keeps reading messages
while a file is checked, and nothing in lambdalint runs on two threads at once.
An exception anywhere in a check is logged to the client and the server goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from lambdalint import __version__
from lambdalint.diagnostics import SYNTAX_ERROR_CODE, ChainLink, Diagnostic, Severity
from lambdalint.docs import rule_url
from lambdalint.fix import Applicability, Edit, text_edits
from lambdalint.lsp.checker import Checked, Checker, ConfigProblem, encode_text
from lambdalint.lsp.text import UTF8, UTF16, UTF32, Point, Positions, comment_slots, noqa_edit

DEBOUNCE = 0.3  # seconds of quiet after a change before the file is checked
FIX_ALL_KIND = "source.fixAll.lambdalint"
FIX_ALL_TITLE = "Fix all safe fixes in this file"
PYTHON_SUFFIXES = (".py", ".pyi")
CONFIG_NAME = "pyproject.toml"
# Files whose change on disk can change findings in the open files: code, the
# configuration, and deployment templates (which may have any name).
WATCHED = ("**/*.py", "**/*.pyi", f"**/{CONFIG_NAME}", "**/*.{yaml,yml,json,tf}")

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
_ENCODINGS = {lsp.PositionEncodingKind.Utf8: UTF8, lsp.PositionEncodingKind.Utf16: UTF16,
              lsp.PositionEncodingKind.Utf32: UTF32}

T = TypeVar("T")
logger = logging.getLogger(__name__)


class LambdalintServer(LanguageServer):
    """The server and the state of one editor session."""

    def __init__(self) -> None:
        # Full synchronisation: the client sends the whole text on each change. pygls
        # applies incremental changes to lines split by `str.splitlines`, which also
        # breaks at a form feed or U+2028, where LSP and Python do not.
        super().__init__("lambdalint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.checker: Checker | None = None
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambdalint-check")
        # uri -> the key of its last check (version, text, generation) and what it found; the
        # generation counts configuration reloads, so a check begun before one is not reused.
        self.results: dict[str, tuple[tuple[int | None, str, int], Checked]] = {}
        self.running: dict[str, tuple[tuple[int | None, str, int], asyncio.Future[Checked | None]]] = {}
        self.generation = 0
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.dirty: set[str] = set()  # open files whose text differs from the disk
        self.fix_all_edits: dict[str, tuple[tuple[int | None, str, int], lsp.WorkspaceEdit | None]] = {}
        self.told: set[str] = set()  # messages already shown or logged, shown once each
        self.failed_once = False

    # -- helpers -------------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return _ENCODINGS.get(self.workspace.position_encoding, UTF16)  # type: ignore[arg-type]

    def document(self, uri: str) -> Any | None:
        """The open document at ``uri`` (None when it is not open)."""
        return self.workspace.text_documents.get(uri)

    def open_python(self) -> list[str]:
        return [uri for uri in self.workspace.text_documents if _python_path(uri) is not None]

    async def in_worker(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log, once: bool = False) -> None:
        if once:
            if message in self.told:
                return
            self.told.add(message)
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def show(self, message: str, kind: lsp.MessageType) -> None:
        """A message in the editor's notification area, once per distinct text (until the
        configuration is read again)."""
        if message in self.told:
            return
        self.told.add(message)
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def internal_error(self, what: str) -> None:
        """An exception the server did not expect: logged with its traceback; the first one
        of the session is also shown, so it does not go unnoticed."""
        self.log(f"lambdalint: internal error while {what}:\n{traceback.format_exc()}", lsp.MessageType.Error)
        if not self.failed_once:
            self.failed_once = True
            self.window_show_message(lsp.ShowMessageParams(
                type=lsp.MessageType.Error,
                message=f"lambdalint: internal error while {what}; the server goes on (details in its log). "
                        "Please report this bug."))

    def dirty_buffers(self, besides: str) -> dict[str, str]:
        buffers = {}
        for uri in self.dirty:
            path = _python_path(uri)
            document = self.document(uri)
            if uri != besides and path is not None and document is not None:
                buffers[path] = document.source
        return buffers

    def report_messages(self, messages: Iterable[str]) -> None:
        for message in messages:
            kind = lsp.MessageType.Error if message.startswith("error:") else lsp.MessageType.Warning
            self.log(f"lambdalint: {message}", kind, once=True)

    # -- checking ------------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float, reuse: bool = True) -> None:
        """Check a file and publish its findings after ``delay`` seconds without another
        change to it (``reuse``: as in `check`)."""
        previous = self.timers.pop(uri, None)
        if previous is not None:
            previous.cancel()
        loop = asyncio.get_running_loop()
        self.timers[uri] = loop.call_later(
            delay, lambda: asyncio.ensure_future(self.check_and_publish(uri, reuse)))

    def schedule_all(self, delay: float, besides: str | None = None) -> None:
        """Check every open file again (another file changed)."""
        for uri in self.open_python():
            if uri != besides:
                self.schedule(uri, delay, reuse=False)

    async def check(self, uri: str, reuse: bool = False) -> Checked | None:
        """Check an open file's current text (None: it could not be checked; why is shown or
        logged). ``reuse``: the last check of the same text will do (for a code action; a
        re-check after another file changed must run again). Two requests for the same
        text while it is being checked share the check."""
        document = self.document(uri)
        path = _python_path(uri)
        if document is None or path is None or self.checker is None:
            return None
        key = (document.version, document.source, self.generation)
        known = self.results.get(uri)
        if reuse and known is not None and known[0] == key:
            return known[1]
        running = self.running.get(uri)
        if running is not None and running[0] == key:
            return await running[1]
        future = asyncio.ensure_future(self._check(uri, Path(path), key))
        self.running[uri] = (key, future)
        try:
            return await future
        finally:
            if self.running.get(uri, (None, None))[1] is future:
                del self.running[uri]

    async def _check(self, uri: str, path: Path, key: tuple[int | None, str, int]) -> Checked | None:
        text = key[1]
        try:
            checked = await self.in_worker(self.checker.check, path, text, self.dirty_buffers(uri))  # type: ignore[union-attr]
        except ConfigProblem as problem:
            self.show(f"lambdalint: {problem} (no findings are shown until it is fixed)", lsp.MessageType.Error)
            self.results.pop(uri, None)
            return Checked(text)
        except Exception:  # noqa: BLE001 - the server keeps serving
            self.internal_error(f"checking {path}")
            return None
        self.report_messages(checked.messages)
        document = self.document(uri)
        if document is not None and (document.version, document.source, self.generation) == key:
            self.results[uri] = (key, checked)
        return checked

    async def check_and_publish(self, uri: str, reuse: bool = False) -> None:
        self.timers.pop(uri, None)
        document = self.document(uri)
        if document is None:
            return
        version = document.version
        checked = await self.check(uri, reuse)
        current = self.document(uri)
        if checked is None or current is None or current.version != version:
            return  # closed or changed meanwhile: the change scheduled another check
        try:
            positions = Positions(checked.text, self.encoding)
            diagnostics = [self.to_lsp(d, positions, uri) for d in checked.diagnostics]
        except Exception:  # noqa: BLE001
            self.internal_error(f"reporting the findings of {_python_path(uri)}")
            return
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def to_lsp(self, diagnostic: Diagnostic, positions: Positions, uri: str) -> lsp.Diagnostic:
        start = positions.to_client(diagnostic.location.row, diagnostic.location.column)
        end = positions.to_client(diagnostic.end_location.row, diagnostic.end_location.column)
        if end == start and diagnostic.code == SYNTAX_ERROR_CODE:
            # A point: the character there, so that the editor underlines something.
            row, column = diagnostic.location.row, diagnostic.location.column
            after = positions.to_client(row, column + 1)
            end = after if after != start else end
        related = None
        if len(diagnostic.chain) > 1 and self._supports_related():
            related = [lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=from_fs_path(str(link.path)) or uri,
                                      range=self._line_range(link.path, link.row, uri, positions)),
                message=message) for link, message in zip(diagnostic.chain, _chain_messages(diagnostic.chain))]
        return lsp.Diagnostic(
            range=lsp.Range(start=_position(start), end=_position(end)),
            severity=_SEVERITY[diagnostic.severity],
            code=diagnostic.code,
            code_description=(lsp.CodeDescription(href=rule_url(diagnostic.code))
                              if diagnostic.code != SYNTAX_ERROR_CODE else None),
            source="lambdalint",
            message=diagnostic.message,
            related_information=related,
            data={"name": diagnostic.name, "fixable": diagnostic.fix is not None},
        )

    def _line_range(self, path: Path, row: int, uri: str, positions: Positions) -> lsp.Range:
        """A line of a file: all of it in the checked buffer, its start in another file."""
        if from_fs_path(str(path)) == uri:
            start, end = positions.to_client(row, 1), positions.to_client(row, 10 ** 9)
            return lsp.Range(start=_position(start), end=_position(end))
        return lsp.Range(start=lsp.Position(line=max(row - 1, 0), character=0),
                         end=lsp.Position(line=max(row - 1, 0), character=0))

    def _supports_related(self) -> bool:
        capabilities = self.client_capabilities.text_document
        publish = capabilities.publish_diagnostics if capabilities is not None else None
        return bool(publish is not None and publish.related_information)

    # -- code actions --------------------------------------------------------------------------

    def workspace_edit(self, uri: str, version: int | None, changes: list[Edit],
                       positions: Positions) -> lsp.WorkspaceEdit:
        edits = [lsp.TextEdit(range=lsp.Range(start=_position(positions.to_client(*c.start)),
                                              end=_position(positions.to_client(*c.end))),
                              new_text=c.content) for c in changes]
        workspace = self.client_capabilities.workspace
        edit_caps = workspace.workspace_edit if workspace is not None else None
        if edit_caps is not None and edit_caps.document_changes:
            return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=edits)])
        return lsp.WorkspaceEdit(changes={uri: edits})

    async def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        document = self.document(uri)
        if document is None or _python_path(uri) is None:
            return []
        checked = await self.check(uri, reuse=True)
        if checked is None or checked.text != document.source:
            return []
        version = document.version
        positions = Positions(checked.text, self.encoding)
        wanted = _Kinds(params.context.only)
        first = positions.from_client(Point(params.range.start.line, params.range.start.character))
        last = positions.from_client(Point(params.range.end.line, params.range.end.character))
        here = [d for d in checked.diagnostics if d.code != SYNTAX_ERROR_CODE
                and (d.location.row, d.location.column) <= last and first <= (d.end_location.row, d.end_location.column)]
        actions: list[lsp.CodeAction] = []
        if wanted(lsp.CodeActionKind.QuickFix) and here:
            fixes, noqas = await self.in_worker(_quick_fix_edits, checked.text, here)
            for diagnostic in here:
                shown = self.to_lsp(diagnostic, positions, uri)
                changes = fixes.get(id(diagnostic))
                if changes:
                    applicability = checked.policy.applicability(diagnostic.code, diagnostic.fix)
                    safe = applicability is Applicability.SAFE
                    title = f"{diagnostic.code}: {diagnostic.fix.title}" + ("" if safe else " (unsafe)")
                    actions.append(lsp.CodeAction(
                        title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[shown],
                        is_preferred=safe and checked.policy.allows(diagnostic) or None,
                        edit=self.workspace_edit(uri, version, changes, positions)))
            for diagnostic in here:
                change = noqas.get(id(diagnostic))
                if change is not None:
                    actions.append(lsp.CodeAction(
                        title=f"Suppress {diagnostic.code} with `# noqa: {diagnostic.code}`",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[self.to_lsp(diagnostic, positions, uri)],
                        edit=self.workspace_edit(uri, version, [change], positions)))
        safe = _safe_fixes(checked)
        kinds = []
        if wanted(FIX_ALL_KIND) and safe:
            kinds.append(FIX_ALL_KIND)
        if wanted(lsp.CodeActionKind.QuickFix) and len(safe) > 1 and any(d in safe for d in here):
            kinds.append(lsp.CodeActionKind.QuickFix)
        for kind in kinds:
            action = lsp.CodeAction(title=FIX_ALL_TITLE, kind=kind, data={"uri": uri, "fixAll": True})
            if not self._resolves_edits():
                action.edit = await self.fix_all_edit(uri)
                if action.edit is None:
                    continue
            actions.append(action)
        return actions

    def _resolves_edits(self) -> bool:
        capabilities = self.client_capabilities.text_document
        code_action = capabilities.code_action if capabilities is not None else None
        resolve = code_action.resolve_support if code_action is not None else None
        return bool(resolve is not None and "edit" in resolve.properties)

    async def resolve(self, action: lsp.CodeAction) -> lsp.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        if data.get("fixAll") and action.edit is None and isinstance(data.get("uri"), str):
            action.edit = await self.fix_all_edit(data["uri"])
        return action

    async def fix_all_edit(self, uri: str) -> lsp.WorkspaceEdit | None:
        """The edit that applies every safe fix of the file (None: nothing to change)."""
        document = self.document(uri)
        path = _python_path(uri)
        if document is None or path is None or self.checker is None:
            return None
        version, text = document.version, document.source
        key = (version, text, self.generation)
        known = self.fix_all_edits.get(uri)
        if known is not None and known[0] == key:
            return known[1]
        try:
            fixed = await self.in_worker(self.checker.fix_all, Path(path), text, self.dirty_buffers(uri))
        except ConfigProblem as problem:
            self.show(f"lambdalint: {problem}", lsp.MessageType.Error)
            return None
        except Exception:  # noqa: BLE001
            self.internal_error(f"fixing {path}")
            return None
        self.report_messages(fixed.messages)
        if fixed.failed:
            self.show("lambdalint: some fixes were not applied: " + "; ".join(fixed.messages),
                      lsp.MessageType.Warning)
        edit = None
        if fixed.text is not None and fixed.text != text:
            changes = await self.in_worker(text_edits, text, fixed.text)
            edit = self.workspace_edit(uri, version, changes, Positions(text, self.encoding))
        current = self.document(uri)
        if current is not None and (current.version, current.source, self.generation) == key:
            self.fix_all_edits[uri] = (key, edit)
        return edit

    def cancel_timer(self, uri: str) -> None:
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()


class _Kinds:
    """Whether a code action kind is among those a request asks for (all when it names none);
    kinds are hierarchical: asking for `source` includes `source.fixAll.lambdalint`."""

    def __init__(self, only: list[str] | None) -> None:
        self.only = only

    def __call__(self, kind: str) -> bool:
        return self.only is None or any(kind == k or kind.startswith(f"{k}.") for k in self.only)


def _quick_fix_edits(text: str, diagnostics: list[Diagnostic]) -> tuple[dict[int, list[Edit]], dict[int, Edit]]:
    """Each finding's fix edits and `# noqa` edit, by id of the finding (on the checking
    thread: a fix's edits come from printing the fixed module)."""
    fixes: dict[int, list[Edit]] = {}
    noqas: dict[int, Edit] = {}
    slots = comment_slots(text)
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if fix is not None and fix.applicability is not Applicability.DISPLAY_ONLY and fix.edits:
            fixes[id(diagnostic)] = list(fix.edits)
        # The reported line first (flake8 looks only there), then the statement's first line.
        rows = dict.fromkeys([diagnostic.location.row, *diagnostic.noqa_rows])
        suppress = noqa_edit(text, rows, diagnostic.code, slots)
        if suppress is not None:
            noqas[id(diagnostic)] = suppress
    return fixes, noqas


def _safe_fixes(checked: Checked) -> list[Diagnostic]:
    """The findings whose fixes "fix all" applies: safe ones the configuration allows."""
    return [d for d in checked.diagnostics if d.fix is not None and checked.policy.allows(d)
            and checked.policy.applicability(d.code, d.fix) is Applicability.SAFE]


def _chain_messages(chain: tuple[ChainLink, ...]) -> list[str]:
    """What each function on a call chain is, for the `def` it points at: the entry point,
    then who calls each of the others."""
    names = [f"`{link.function.rsplit('.', 1)[-1]}`" for link in chain]
    return [f"{name} is the entry point Lambda invokes" if index == 0
            else f"{name} is called from {names[index - 1]}" for index, name in enumerate(names)]


def _position(point: Point) -> lsp.Position:
    return lsp.Position(line=point.line, character=point.character)


def _path(uri: str) -> str | None:
    if not uri.startswith("file:"):
        return None
    return to_fs_path(uri)


def _python_path(uri: str) -> str | None:
    path = _path(uri)
    return path if path is not None and path.endswith(PYTHON_SUFFIXES) else None


def _folders(server: LambdalintServer) -> list[Path]:
    folders = [to_fs_path(folder.uri) for folder in server.workspace.folders.values()]
    if not folders and server.workspace.root_path:
        folders = [server.workspace.root_path]
    return [Path(folder) for folder in folders if folder]


def create_server() -> LambdalintServer:
    """A server with every feature registered (started with `start_io`)."""
    server = LambdalintServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: LambdalintServer, params: lsp.InitializeParams) -> None:
        ls.checker = Checker(_folders(ls))
        for warning in ls.checker.registry.warnings:
            ls.log(f"lambdalint: warning: {warning}", lsp.MessageType.Warning)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: LambdalintServer, params: lsp.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is not None and watched.dynamic_registration:
            options = lsp.DidChangeWatchedFilesRegistrationOptions(
                watchers=[lsp.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED])
            try:
                await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[lsp.Registration(
                    id="lambdalint-watched-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=options)]))
            except Exception:  # noqa: BLE001 - a client that refuses: saves still re-check
                ls.log("lambdalint: the client did not accept watching files; changes on disk are seen "
                       "when a file is saved in the editor", lsp.MessageType.Warning)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: LambdalintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = _python_path(uri)
        if path is None:
            return
        try:
            saved = Path(path).read_bytes() == encode_text(params.text_document.text)
        except OSError:
            saved = False
        if not saved:
            ls.dirty.add(uri)
        await ls.check_and_publish(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LambdalintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _python_path(uri) is None:
            return
        ls.dirty.add(uri)
        ls.fix_all_edits.pop(uri, None)
        ls.schedule(uri, DEBOUNCE)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: LambdalintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = _path(uri)
        ls.dirty.discard(uri)
        if path is not None and os.path.basename(path) == CONFIG_NAME:
            _reload(ls)
            return
        if _python_path(uri) is not None:
            ls.cancel_timer(uri)
            await ls.check_and_publish(uri)
        # What this file defines or calls can change what runs per invocation elsewhere.
        ls.schedule_all(DEBOUNCE, besides=uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LambdalintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel_timer(uri)
        ls.results.pop(uri, None)
        ls.fix_all_edits.pop(uri, None)
        if uri in ls.dirty:  # its unsaved text no longer counts for the other files
            ls.dirty.discard(uri)
            ls.schedule_all(DEBOUNCE)
        if _python_path(uri) is not None:
            ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: LambdalintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if any(os.path.basename(_path(change.uri) or "") == CONFIG_NAME for change in params.changes):
            _reload(ls)
        else:
            ls.schedule_all(DEBOUNCE)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: LambdalintServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        if ls.checker is not None:
            folders = [Path(os.path.abspath(folder)) for folder in _folders(ls)]
            ls.worker.submit(setattr, ls.checker, "folders", folders)  # the checking thread reads them
            _reload(ls)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll, FIX_ALL_KIND],
        resolve_provider=True))
    async def code_action(ls: LambdalintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        try:
            return await ls.code_actions(params)
        except Exception:  # noqa: BLE001
            ls.internal_error(f"computing code actions for {params.text_document.uri}")
            return []

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: LambdalintServer, action: lsp.CodeAction) -> lsp.CodeAction:
        try:
            return await ls.resolve(action)
        except Exception:  # noqa: BLE001
            ls.internal_error("resolving a code action")
            return action

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: LambdalintServer, params: None) -> None:
        for uri in list(ls.timers):
            ls.cancel_timer(uri)
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server


def _reload(ls: LambdalintServer) -> None:
    """Read the configuration again and re-check every open file."""
    if ls.checker is not None:
        ls.worker.submit(ls.checker.reload)
    ls.told.clear()
    ls.generation += 1
    ls.results.clear()
    ls.fix_all_edits.clear()
    ls.schedule_all(DEBOUNCE)


def serve() -> None:
    """Serve one client over stdin and stdout until it says exit."""
    from lambdalint.keep import keep_between_runs

    keep_between_runs()  # each check as you type reads only the templates that changed
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Anything printed by mistake goes to stderr: stdout carries the protocol.
    sys.stdout = sys.stderr
    create_server().start_io(stdin, stdout)
