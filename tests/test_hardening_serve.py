"""What a hostile build folder or client can make `guideline serve` and the site index do.

A `build/` folder can hold files nobody built: a pull request can commit them (`git add -f`), an
archive can carry them. The preview serves, and the index lists, only documents this preview
built (named in the manifest of a guideline from the content folders), as regular files inside
the output folder, with a size bound. A malformed request gets an answer, an idle connection is
closed.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.build import serve
from generator.build.serve import Preview, Runner
from generator.render import site_index
from tests.casekit import VALID

ROOT = Path(__file__).resolve().parents[1]


def _request(runner: Runner, path: str, method: str = "GET") -> tuple[int, bytes]:
    address, port = runner.server.server_address[:2]
    conn = http.client.HTTPConnection(address, port, timeout=30)
    try:
        conn.request(method, path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(VALID / "minimal", content / "minimal")
    preview = Preview([content], tmp_path / "build", html_only=True, today=dt.date(2026, 6, 1))
    runner = Runner(preview, "127.0.0.1", 0, poll_seconds=0.05).start()
    try:
        yield runner, tmp_path / "build"
    finally:
        runner.stop()


def _add_to_manifest(folder: Path, *files: str) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    for f in files:
        manifest["outputs"][f"extra-{f}"] = {"file": f}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_symbolic_links_under_build_are_never_served(served):
    runner, build = served
    folder = build / "minimal"
    assert _request(runner, "/minimal/clinician-protocol.html")[0] == 200
    (folder / "leak.txt").symlink_to("/etc/passwd")
    (folder / "leak.html").symlink_to("/etc/passwd")
    (folder / "zero.svg").symlink_to("/dev/zero")
    _add_to_manifest(folder, "leak.txt", "leak.html", "zero.svg")
    for name in ("leak.txt", "leak.html", "zero.svg"):
        status, body = _request(runner, f"/minimal/{name}")
        assert status == 404 and b"root:" not in body, name
    status, index = _request(runner, "/")
    assert status == 200 and b"leak" not in index and b"zero.svg" not in index


def test_only_documents_this_preview_built_are_served(served):
    runner, build = served
    folder = build / "minimal"
    (folder / "notes.txt").write_text("not built by the engine")
    (folder / "evil.html").write_text("<html><body><script>fetch('/__version')</script></body></html>")
    status, _ = _request(runner, "/minimal/evil.html")
    assert status == 404  # not in the manifest: nobody built it
    assert _request(runner, "/minimal/notes.txt")[0] == 404
    assert _request(runner, "/minimal/")[0] == 404  # no directory listings
    assert _request(runner, "/minimal")[0] == 404
    assert _request(runner, "/minimal/flowchart.svg")[0] == 200


def test_a_committed_build_folder_is_neither_linked_nor_served(served):
    runner, build = served
    evil = build / "evil"
    evil.mkdir()
    (evil / "page.html").write_text("<html><head><title>Evil</title></head><body><script>alert(1)</script></body></html>")
    (evil / "manifest.json").write_text(json.dumps({"outputs": {"page": {"file": "page.html"}}}))
    (build / "linked").symlink_to(build / "minimal", target_is_directory=True)
    status, index = _request(runner, "/")
    assert status == 200
    assert b"evil/page.html" not in index and b"Evil" not in index and b"linked/" not in index
    assert b'href="minimal/clinician-protocol.html"' in index
    assert _request(runner, "/evil/page.html")[0] == 404
    assert _request(runner, "/linked/clinician-protocol.html")[0] == 404


def test_malformed_paths_are_answered(served):
    runner, _ = served
    malformed = ("/%00", "/minimal/%00", "/minimal/clinician-protocol.html%00", "/%ff%fe", "/minimal/%0a", "/%1b[2J")
    for path in malformed:
        for method in ("GET", "HEAD"):
            status, body = _request(runner, path, method)
            assert status == 400, (path, method)  # a bad request, not a missing document
    for path in ("/a/b/c", "/minimal/.hidden", "/minimal/no-such.html"):
        assert _request(runner, path)[0] == 404, path
    assert _request(runner, "/minimal/clinician-protocol.html")[0] == 200  # still serving


@pytest.mark.timeout(30)
def test_idle_connections_are_closed(served, monkeypatch):
    runner, _ = served
    monkeypatch.setattr(serve._Handler, "timeout", 0.5)
    address, port = runner.server.server_address[:2]
    with socket.create_connection((address, port), timeout=10) as idle:
        idle.sendall(b"GET /__version HTTP/1.1\r\n")  # a request line, then nothing
        started = time.monotonic()
        assert idle.recv(1024) == b""  # the server hung up
        assert time.monotonic() - started < 8
    assert _request(runner, "/__version")[0] == 200


def _hostile_build(build: Path) -> None:
    folder = build / "minimal"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"outputs": {"a": {"file": "a.html"}, "b": {"file": "b.pdf"}}}))
    (folder / "a.html").symlink_to("/dev/zero")  # reading it whole: MemoryError
    (folder / "b.pdf").symlink_to("/etc/passwd")
    os.mkfifo(folder / "c.html")  # reading it blocks for ever
    other = build / "other"
    other.mkdir()
    (other / "manifest.json").symlink_to("/etc/passwd")
    (build / "root").symlink_to("/", target_is_directory=True)


@pytest.mark.timeout(30)
def test_site_index_reads_only_bounded_regular_files(tmp_path):
    build = tmp_path / "build"
    _hostile_build(build)
    entries = site_index.collect(build)
    assert [(e.id, e.title, e.documents) for e in entries] == [("minimal", "minimal", [])]
    run = subprocess.run([sys.executable, "-m", "generator.render.site_index", str(build)], cwd=ROOT,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    page = (build / "index.html").read_text()
    assert "a.html" not in page and "b.pdf" not in page and "root" not in page and "other" not in page


def test_site_index_bounds_the_title_read(tmp_path):
    folder = tmp_path / "build" / "minimal"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"outputs": {"a": {"file": "a.html"}}}))
    (folder / "a.html").write_text("<title>Real title</title>" + "x" * 5_000_000)
    [entry] = site_index.collect(tmp_path / "build")
    assert entry.title == "Real title" and [d.filename for d in entry.documents] == ["a.html"]


def test_the_preview_log_prints_folder_names_escaped(tmp_path):
    """The preview's log (serve's stderr) names a guideline folder escaped: a folder name holding a
    line break and `::error ...` stays inside its line."""
    forged = "evil\n::error title=forged::approved"
    shutil.copytree(VALID / "minimal", tmp_path / "content" / forged)
    lines: list[str] = []
    preview = Preview([tmp_path / "content"], tmp_path / "build", html_only=True, today=dt.date(2026, 6, 1), log=lines.append)
    preview.poll()
    logged = "\n".join(lines)
    assert "evil\\n::error title=forged::approved: " in logged, logged
    assert not any(line.startswith("::error") for line in logged.splitlines()), logged


@pytest.mark.parametrize("exists", [False, True])
def test_site_index_prints_the_build_folder_escaped(tmp_path, exists):
    """`python -m generator.render.site_index DIR` (run by CI) names DIR on one line, found or not."""
    forged = tmp_path / "evil\n::error title=forged::approved"
    if exists:
        forged.mkdir()
    run = subprocess.run([sys.executable, "-m", "generator.render.site_index", str(forged)],
                         capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert run.returncode == (0 if exists else 2), run.stderr
    output = run.stdout + run.stderr
    assert "evil\\n::error title=forged::approved" in output, output
    assert not any(line.startswith("::error") for line in output.splitlines()), output
