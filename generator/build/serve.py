"""`guideline serve`: a local preview that rebuilds what changed and reloads the browser.

Three parts, each small:

* `Watcher`    polls the guideline folders and templates/ (size + mtime, every 0.5 s; no extra
               dependency) and says which guideline folders changed;
* `Preview`    rebuilds those folders with the build engine (`builder.prepare` + `builder.build`,
               which renders only the documents whose inputs changed), keeps each folder's check
               diagnostics and build failures, and counts versions;
* the HTTP handler serves build/<id>/ files, an index page, and `/__version`. HTML responses get a
  small script that polls `/__version` and reloads the page after a rebuild, plus a panel with
  the diagnostics when the content is broken. The built files on disk are never modified.

Only what this preview built is served or listed: the documents named in the manifest of a
guideline it built from the content folders, as regular files (never a symbolic link) inside the
output folder, up to a size bound. A `build/<x>/` that arrived by commit or copy (with its own
manifest and scripts) is neither linked nor served on the preview's origin.

The server binds 127.0.0.1 unless told otherwise and answers only requests addressed to a local
host name (a defence against DNS rebinding). A broken file never stops it: the page shows why.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import http.server
import json
import mimetypes
import re
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from generator.diagnostics import Diagnostic, format_diagnostics, one_line
from generator.content.paths import TEMPLATES
from generator.content.regular_file import read_regular
from generator.render.site_index import MAX_DOCUMENT_BYTES, collect, render_index

POLL_SECONDS = 0.5
IDLE_SECONDS = 20  # a connection that sends nothing for this long is closed
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
VERSION_PATH = "/__version"

RELOAD_SCRIPT = """<script data-guideline-preview>
(function () {
  var seen = %d;
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (v) {
      if (v.version !== seen) { location.reload(); } else { setTimeout(poll, 500); }
    }).catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 500);
})();
</script>"""


_CSP_META = re.compile(r'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")', re.IGNORECASE)


def allow_reload_script(page: str, script: str) -> str:
    """`page` with its CSP meta tag (if any) allowing the inline `script` and connections to 'self'."""
    match = _CSP_META.search(page)
    if match is None:
        return page
    body = script[script.index(">") + 1: script.rindex("</script>")]
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
    directives = [d.strip() for d in html.unescape(match.group(2)).split(";") if d.strip()]
    out, seen = [], set()
    for d in directives:
        name, _, value = d.partition(" ")
        seen.add(name)
        if name == "script-src":
            value = " ".join([v for v in value.split() if v != "'none'"] + [digest])
        elif name == "connect-src":
            value = " ".join([v for v in value.split() if v != "'none'"] + ["'self'"])
        out.append(f"{name} {value}".strip())
    if "script-src" not in seen:
        out.append(f"script-src {digest}")
    if "connect-src" not in seen:
        out.append("connect-src 'self'")
    policy = html.escape("; ".join(out), quote=True)
    return page[: match.start(2)] + policy + page[match.end(2):]


# --------------------------------------------------------------------------- watching


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """path -> (mtime_ns, size) of every file under `paths` (folders are walked, dot-files skipped)."""
    out: dict[str, tuple[int, int]] = {}
    for root in paths:
        if root.is_file():
            st = root.stat()
            out[str(root)] = (st.st_mtime_ns, st.st_size)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            for name in sorted(filenames):
                if name.startswith(".") or name.endswith((".tmp", ".pyc")):
                    continue
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out[p] = (st.st_mtime_ns, st.st_size)
    return out


@dataclass
class Watcher:
    """Which guideline folders changed since the last look (templates/ changes mean all of them)."""

    find_folders: Callable[[], list[Path]]
    templates: Path | None = TEMPLATES
    _last: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def changed(self) -> tuple[list[Path], list[Path]]:
        """(folders to rebuild, folders that disappeared)."""
        folders = self.find_folders()
        now = {str(f): snapshot([f]) for f in folders}
        templates_now = snapshot([self.templates]) if self.templates and self.templates.is_dir() else {}
        templates_changed = "__templates__" in self._last and templates_now != self._last["__templates__"]
        rebuild = [f for f in folders if templates_changed or self._last.get(str(f)) != now[str(f)]]
        gone = [Path(k) for k in self._last if k != "__templates__" and k not in now]
        self._last = {**now, "__templates__": templates_now}
        return rebuild, gone


# --------------------------------------------------------------------------- rebuilding


@dataclass
class FolderState:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # documents that failed to render
    summary: str = ""
    built_id: str | None = None  # the guideline id this preview built from the folder (what it may serve)


class Preview:
    """The state the server shows: per guideline folder, its last check and build result."""

    def __init__(self, paths: list[Path], out: Path, *, html_only: bool = True, today: dt.date | None = None,
                 templates: Path | None = TEMPLATES, log: Callable[[str], None] = lambda _m: None):
        self.paths = [Path(p) for p in paths]
        self.out = Path(out)
        self.html_only = html_only
        self.today = today
        self.log = log
        self.version = 0
        self.states: dict[str, FolderState] = {}
        self.general_error = ""  # a problem not tied to one folder (e.g. no guideline found)
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.watcher = Watcher(self._folders, templates)

    def _folders(self) -> list[Path]:
        from generator.content.folders import UsageError, guideline_folders

        try:
            folders = guideline_folders(self.paths)
        except UsageError as exc:
            self.general_error = str(exc)
            return []
        self.general_error = ""
        return folders

    def poll(self) -> bool:
        """Rebuild whatever changed since the last poll; True when something was rebuilt."""
        error_before = self.general_error
        rebuild, gone = self.watcher.changed()
        if not rebuild and not gone and error_before == self.general_error and self.version:
            return False
        new_states = {str(f): self._rebuild(f) for f in rebuild}
        with self.changed:
            for f in gone:
                self.states.pop(str(f), None)
            for key, state in new_states.items():  # broken now: the last good build stays on show
                old = self.states.get(key)
                if state.built_id is None and old is not None:
                    state.built_id = old.built_id
            self.states.update(new_states)
            self.version += 1
            self.changed.notify_all()
        return True

    def _rebuild(self, folder: Path) -> FolderState:
        from generator.build import engine as builder
        from generator.check.run import CheckContext

        state = FolderState()
        started = time.perf_counter()
        try:
            ctx = CheckContext(today=self.today or dt.date.today())
            prepared = builder.prepare([folder], ctx)
            state.diagnostics = prepared.diagnostics
            if prepared.ok and prepared.sources:
                report = builder.build(prepared.sources, self.out, jobs=1, html_only=self.html_only)
                state.failures = [f"{o.guideline}/{o.filename}: {o.message}" for o in report.outcomes if o.status == "failed"]
                state.summary = report.summary()
                state.built_id = prepared.sources[0].id
            else:
                state.summary = "not built: fix the errors first"
        except Exception as exc:  # noqa: BLE001 - the preview shows the problem and keeps serving
            state.failures = [f"{folder}: {type(exc).__name__}: {exc}"]
            state.summary = "build failed"
            self.log(traceback.format_exc())
        self.log(f"{one_line(folder.name)}: {one_line(state.summary)} ({time.perf_counter() - started:.2f} s)")
        for d in state.diagnostics:
            if d.is_error:
                self.log(d.format_text())
        return state

    def wait_for_version(self, after: int, timeout: float) -> int:
        """Block until the version is past `after` (or the timeout); returns the version."""
        with self.changed:
            self.changed.wait_for(lambda: self.version > after, timeout=timeout)
            return self.version

    # ------------------------------------------------------------------ what the pages show

    def problems(self) -> tuple[list[Diagnostic], list[str]]:
        with self.lock:
            diags = [d for s in self.states.values() for d in s.diagnostics]
            failures = [f for s in self.states.values() for f in s.failures]
            if self.general_error:
                failures = [self.general_error, *failures]
        return diags, failures

    def panel(self) -> str:
        """The diagnostics panel (HTML), empty when there is nothing to show."""
        diags, failures = self.problems()
        errors = [d for d in diags if d.is_error]
        warnings = [d for d in diags if not d.is_error]
        if not errors and not failures and not warnings:
            return ""
        if errors or failures:
            heading = f"{len(errors)} error{'s' if len(errors) != 1 else ''}" + (
                f", {len(failures)} build failure{'s' if len(failures) != 1 else ''}" if failures else "")
            note = "The documents below are from the last good build."
            css = "problems"
        else:
            heading = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
            note = "The documents are up to date."
            css = "problems warnings"
        text = "\n".join(filter(None, [format_diagnostics(diags, "text"), *failures]))
        return (
            f'<aside class="{css}" id="guideline-preview-problems" role="alert" '
            'style="border:2px solid #b00020;background:#fff4f4;color:#1a1a1a;padding:.5rem 1rem;margin:1rem;'
            'font:14px/1.4 sans-serif;position:relative;z-index:2147483647">'
            f"<h2 style=\"margin:.2rem 0;font-size:1.1rem;color:#b00020\">guideline check: {heading}</h2>"
            f"<p style=\"margin:.2rem 0\">{note}</p>"
            f'<pre style="white-space:pre-wrap;font-size:13px">{html.escape(text)}</pre></aside>'
        )

    def status_line(self) -> str:
        with self.lock:
            parts = [f"{Path(k).name}: {s.summary}" for k, s in sorted(self.states.items()) if s.summary]
        return f'<p class="status">Preview of {html.escape(str(self.out))}/ (version {self.version}). ' + html.escape("; ".join(parts)) + "</p>"

    def inject(self, page: str) -> str:
        """The served HTML: the problems panel after <body>, the reload script before </body>; a
        document's own Content-Security-Policy gains just that script (by its hash) and requests to
        this origin (its `/__version` poll)."""
        panel, script = self.panel(), RELOAD_SCRIPT % (self.version, VERSION_PATH)
        page = allow_reload_script(page, script)
        lower = page.lower()
        body = lower.find("<body")
        if body >= 0 and lower.find(">", body) >= 0:
            end = lower.find(">", body) + 1
            page, lower = page[:end] + panel + page[end:], lower[:end] + panel.lower() + lower[end:]
        else:
            page, lower = panel + page, panel.lower() + lower
        close = lower.rfind("</body>")
        return page[:close] + script + page[close:] if close >= 0 else page + script

    def built_ids(self) -> set[str]:
        with self.lock:
            return {s.built_id for s in self.states.values() if s.built_id}

    def index_page(self) -> str:
        return render_index(collect(self.out, only=self.built_ids()), title="Guideline preview",
                            before=self.status_line() + self.panel(), head=RELOAD_SCRIPT % (self.version, VERSION_PATH))

    def document(self, guideline_id: str, filename: str) -> bytes | None:
        """The bytes of a document this preview built and may serve, or None (then: 404)."""
        if guideline_id not in self.built_ids():
            return None
        entries = collect(self.out, only={guideline_id})
        if not entries or filename not in {d.filename for d in entries[0].documents}:
            return None
        path = self.out / guideline_id / filename
        try:
            if not path.resolve(strict=True).is_relative_to(self.out.resolve()):
                return None
        except (OSError, RuntimeError):
            return None
        data = read_regular(path, MAX_DOCUMENT_BYTES + 1)
        return data if data is not None and len(data) <= MAX_DOCUMENT_BYTES else None


# --------------------------------------------------------------------------- HTTP


class _Handler(http.server.BaseHTTPRequestHandler):
    preview: Preview  # set on the subclass made by make_server
    timeout = IDLE_SECONDS  # the socket timeout of each connection: an idle client is disconnected
    server_version = "guideline-preview"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def _host_ok(self) -> bool:
        """On a loopback address, answer only requests addressed to a local name (DNS rebinding)."""
        bound = self.server.server_address[0]
        if bound not in {"127.0.0.1", "::1"}:
            return True
        host = self.headers.get("Host") or ""
        name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
        return name in LOCAL_HOSTS

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found(self) -> None:
        self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def do_GET(self):  # noqa: N802
        try:
            self._answer()
        except (ConnectionError, TimeoutError):
            pass  # the client went away
        except Exception:  # noqa: BLE001 - answer, and keep serving; the log says why
            self.preview.log("the preview could not answer " + repr(self.path[:200]) + ":\n" + traceback.format_exc(limit=3))
            try:
                self._send(500, b"the preview could not answer this request\n", "text/plain; charset=utf-8")
            except OSError:
                pass

    def _answer(self) -> None:
        if not self._host_ok():
            self._send(421, b"this preview only answers requests for localhost\n", "text/plain; charset=utf-8")
            return
        try:  # a malformed path (a NUL, a line break, bytes that are not UTF-8): 400, never a traceback
            path = unquote(urlsplit(self.path).path, errors="strict")
        except (UnicodeDecodeError, ValueError):
            path = None
        if path is None or not path.isprintable():
            self._send(400, b"bad request: malformed path\n", "text/plain; charset=utf-8")
            return
        if path == VERSION_PATH:
            body = json.dumps({"version": self.preview.version}).encode()
            self._send(200, body, "application/json")
            return
        if path in ("/", "/index.html"):
            self._send(200, self.preview.index_page().encode("utf-8"), "text/html; charset=utf-8")
            return
        parts = path.split("/")
        # exactly /<guideline-id>/<file>: no folders, no dot-files
        if len(parts) != 3 or parts[0] or any(not p or p.startswith(".") for p in parts[1:]):
            self._not_found()
            return
        guideline_id, filename = parts[1], parts[2]
        if filename == "manifest.json":
            self._not_found()
            return
        data = self.preview.document(guideline_id, filename)
        if data is None:
            self._not_found()
            return
        if filename.endswith((".html", ".htm")):
            page = data.decode("utf-8", errors="replace")
            self._send(200, self.preview.inject(page).encode("utf-8"), "text/html; charset=utf-8")
            return
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self._send(200, data, content_type)


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(preview: Preview, host: str = "127.0.0.1", port: int = 8000) -> PreviewServer:
    import socket

    handler = type("PreviewHandler", (_Handler,), {"preview": preview})
    server_class = PreviewServer
    if ":" in host:
        server_class = type("PreviewServer6", (PreviewServer,), {"address_family": socket.AF_INET6})
    return server_class((host, port), handler)


class Runner:
    """The server and the watcher, each in a thread; `stop()` ends both."""

    def __init__(self, preview: Preview, host: str = "127.0.0.1", port: int = 8000, poll_seconds: float = POLL_SECONDS):
        self.preview = preview
        self.preview.out.mkdir(parents=True, exist_ok=True)
        self.server = make_server(preview, host, port)
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self.preview.poll()
            except Exception:  # noqa: BLE001 - never let the watcher die; show the problem instead
                self.preview.general_error = "the preview failed to rebuild:\n" + traceback.format_exc(limit=3)
                self.preview.log(self.preview.general_error)
            self._stop.wait(self.poll_seconds)

    def start(self) -> "Runner":
        self.preview.poll()  # the first build happens before the first page is served
        for target in (self.server.serve_forever, self._watch):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        for t in self._threads:
            t.join(timeout=5)
