"""`guideline serve`: an HTTP preview that rebuilds what changed, reloads, and shows diagnostics."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from generator.build.serve import Preview, Runner

FIXTURE = Path(__file__).parent / "fixtures" / "valid" / "minimal"
CHROMIUM = "/usr/bin/chromium"
OLD = "Continue the same TKI after local therapy."
NEW = "Continue the same TKI after stereotactic radiotherapy of every site."


def _get(runner: Runner, path: str, host: str | None = None) -> tuple[int, str, dict]:
    address, port = runner.server.server_address[:2]
    conn = http.client.HTTPConnection(address, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host or f"127.0.0.1:{port}"})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content / "minimal")
    preview = Preview([content], tmp_path / "build", html_only=True, today=dt.date(2026, 6, 1))
    runner = Runner(preview, "127.0.0.1", 0, poll_seconds=0.05).start()
    try:
        yield runner, content / "minimal", tmp_path / "build"
    finally:
        runner.stop()


def _edit(path: Path, old: str, new: str) -> None:
    """Save the file the way editors do: a complete new file renamed into place, newer mtime."""
    text = path.read_text()
    assert old in text
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text.replace(old, new))
    st = path.stat()
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # visible even on coarse clocks
    os.replace(tmp, path)


def _wait_for(runner: Runner, path: str, condition, timeout: float = 30) -> str:
    """Fetch `path` after each rebuild until `condition(page)` holds; returns that page."""
    deadline = time.monotonic() + timeout
    while True:
        version = runner.preview.version
        page = _get(runner, path)[1]
        if condition(page):
            return page
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not change as expected within {timeout} s:\n{page[:3000]}")
        runner.preview.wait_for_version(version, timeout=1)


def test_serves_on_loopback_only_by_default(served):
    runner, _, _ = served
    assert runner.server.server_address[0] == "127.0.0.1"
    assert runner.url.startswith("http://127.0.0.1:")
    from generator.commands.serve import serve

    defaults = {p.name: p.default for p in serve.params}
    assert defaults["host"] == "127.0.0.1" and defaults["port"] == 8000
    status, body, _ = _get(runner, "/", host="attacker.example")
    assert status == 421  # a DNS-rebinding page cannot read the preview


def test_index_lists_the_built_documents(served):
    runner, _, _ = served
    status, body, headers = _get(runner, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<a href="minimal/clinician-protocol.html">' in body
    assert '<a href="minimal/flowchart.svg">' in body
    assert "fetch(\"/__version\"" in body


def test_edit_rebuilds_only_what_changed_and_the_page_reloads(served):
    runner, folder, build = served
    status, page, _ = _get(runner, "/minimal/clinician-protocol.html")
    assert status == 200 and OLD in page
    version = json.loads(_get(runner, "/__version")[1])["version"]
    assert f"var seen = {version};" in page  # the reload script knows which build it shows
    on_disk = (build / "minimal" / "clinician-protocol.html").read_text()
    assert "data-guideline-preview" not in on_disk  # only served pages carry the script
    flowchart_mtime = (build / "minimal" / "flowchart.svg").stat().st_mtime_ns
    protocol_mtime = (build / "minimal" / "clinician-protocol.html").stat().st_mtime_ns

    _edit(folder / "statements.yaml", f"text: {OLD}", f"text: {NEW}")
    page = _wait_for(runner, "/minimal/clinician-protocol.html", lambda p: NEW in p)

    assert OLD not in page
    new_version = json.loads(_get(runner, "/__version")[1])["version"]  # what the script polls
    assert new_version > version
    assert f"var seen = {new_version};" in page
    assert (build / "minimal" / "clinician-protocol.html").stat().st_mtime_ns != protocol_mtime
    # a clinician-text edit does not touch the flowchart
    assert (build / "minimal" / "flowchart.svg").stat().st_mtime_ns == flowchart_mtime


def test_broken_yaml_shows_the_diagnostic_and_the_server_keeps_running(served):
    runner, folder, _ = served
    _edit(folder / "statements.yaml", "  - id: rec-continue-tki\n", "  - id: rec-continue-tki\n    text: [unclosed\n")
    page = _wait_for(runner, "/minimal/clinician-protocol.html", lambda p: "error[yaml-syntax]" in p)

    assert 'id="guideline-preview-problems"' in page and "statements.yaml:" in page
    assert "last good build" in page and OLD in page  # the previous document is still shown
    status, index, _ = _get(runner, "/")
    assert status == 200 and "error[yaml-syntax]" in index

    # fixed again: the diagnostic goes away (and with it the panel, unless a document failed to render)
    _edit(folder / "statements.yaml", "    text: [unclosed\n", "")
    page = _wait_for(runner, "/minimal/clinician-protocol.html", lambda p: "error[yaml-syntax]" not in p)
    _, failures = runner.preview.problems()
    assert ('id="guideline-preview-problems"' in page) == bool(failures), failures


def test_check_errors_show_with_their_location(served):
    runner, folder, _ = served
    _edit(folder / "statements.yaml", "citations: [yu2013]", "citations: [yu2031]")
    page = _wait_for(runner, "/", lambda p: "unknown-reference" in p)
    assert "statements.yaml:40:" in page and "error[unknown-reference]" in page
    assert "did you mean &#x27;yu2013&#x27;?" in page  # escaped, never raw HTML from content


def test_files_outside_the_build_folder_and_manifests_are_not_served(served, tmp_path):
    runner, _, _ = served
    (tmp_path / "secret.txt").write_text("secret")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/minimal/manifest.json", "/minimal/../../secret.txt"):
        status, body, _ = _get(runner, path)
        assert status == 404 and "secret" not in body, path


@pytest.mark.browser
@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is not installed (`make test` installs it: scripts/bootstrap test)")
def test_browser_reloads_by_itself_after_an_edit(served):
    from playwright.sync_api import expect, sync_playwright

    runner, folder, _ = served
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            page = browser.new_page()
            page.goto(runner.url + "minimal/clinician-protocol.html")
            assert OLD in page.content()
            _edit(folder / "statements.yaml", f"text: {OLD}", f"text: {NEW}")
            # expect() polls without eval: the protocol's Content-Security-Policy refuses string evaluation
            expect(page.locator("body")).to_contain_text(NEW, timeout=30_000)
            started = time.monotonic()
            _edit(folder / "statements.yaml", "citations: [yu2013]", "citations: [yu2031]")
            expect(page.locator("#guideline-preview-problems")).to_contain_text("unknown-reference", timeout=30_000)
            assert time.monotonic() - started < 30
        finally:
            browser.close()


def test_a_port_in_use_is_a_one_line_usage_error(minimal, cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port), str(minimal.parent))
    assert result.exit_code == 2, result.output
    assert f"error: cannot listen on 127.0.0.1:{port}: " in result.output
    assert "Traceback" not in result.output
