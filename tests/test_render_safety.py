"""Hostile content renders as inert text, and the PDF renderer reads nothing outside the project.

`guideline check` rejects all of this content; these tests bypass it and call the renderers directly,
so the renderers are safe on their own.
"""

from __future__ import annotations

import http.server
import json
import re
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.render.pdf import ProjectFetcher, RefusedURL, UnsafeResourceError, render_pdf
from tests.render_kit import copy_minimal, load, pdf_text, render_all, squash

# ---------------------------------------------------------------- watch every file the process opens

_OPENED: list[str] = []
_WATCHING = [False]


def _audit(event: str, args: tuple, _watching=_WATCHING, _opened=_OPENED, _paths=(str, bytes, Path)) -> None:
    # Bound as defaults: module globals are gone while the interpreter shuts down, the hook is not.
    if _watching[0] and event == "open" and args and isinstance(args[0], _paths):
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only records while a test watches


@pytest.fixture
def opened_files():
    _OPENED.clear()
    _WATCHING[0] = True
    yield _OPENED
    _WATCHING[0] = False


# ---------------------------------------------------------------- hostile content

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=file:///etc/passwd>"
TEMPLATE = "{{ 7*7 }} {% include 'x' %}"
JS_LINK = "[click me](javascript:alert(1))"
FILE_IMG = "![passwd](file:///etc/passwd)"


def hostile_guideline(tmp_path: Path, extra_text: str = ""):
    folder = copy_minimal(tmp_path)
    statements = folder / "statements.yaml"
    text = statements.read_text()
    payload = f"{SCRIPT} and {IMG} and {TEMPLATE} and {JS_LINK} and {FILE_IMG}{extra_text}"
    text = text.replace(
        "    text: Continue the same TKI after local therapy.",
        "    title: " + json.dumps(f"<b>Title</b> {{{{ 7*7 }}}} {SCRIPT}") + "\n    text: " + json.dumps(payload),
    )
    text = text.replace("        locator: abstract", "        locator: " + json.dumps('"><script>alert(3)</script>'))
    statements.write_text(text)
    refs = folder / "references.yaml"
    refs.write_text(
        refs.read_text().replace(
            "    DOI: 10.1097/jto.0b013e31827e1f83",
            "    DOI: 10.1097/jto.0b013e31827e1f83\n    caution: " + json.dumps("<img src=x onerror=alert(4)> {{ 7*7 }}"),
        )
    )
    algorithm = folder / "algorithm.yaml"
    algorithm.write_text(algorithm.read_text().replace("label: New progression?", "label: " + json.dumps(f"New? {SCRIPT}")))
    meta = folder / "guideline.yaml"
    meta.write_text(
        meta.read_text().replace(
            "  population: Adults with EGFR-mutant NSCLC on a tyrosine kinase inhibitor (TKI).",
            "  population: " + json.dumps("<iframe src=file:///etc/passwd></iframe> Adults"),
        )
    )
    return load(folder)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: bytes) -> list[tuple[str, dict]]:
    p = Tags()
    p.feed(html.decode("utf-8"))
    return p.tags


def article(html: bytes, statement_id: str) -> str:
    return re.search(rf'<article [^>]*id="stmt-{statement_id}".*?</article>'.encode(), html, re.S).group().decode()


def test_hostile_content_is_inert_text_in_html_svg_and_pdf(tmp_path, opened_files):
    g = hostile_guideline(tmp_path)
    rendered = render_all(g)
    html = rendered.html
    names = [t for t, _ in tags(html)]
    assert "script" not in names and "iframe" not in names
    images = [a for t, a in tags(html) if t == "img"]
    assert [a["src"] for a in images] == ["flowchart.svg"]  # the author's <img> and ![..](file:) are text
    hrefs = [a.get("href", "") for _, a in tags(html)] + [a.get("src", "") for _, a in tags(html)]
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "file:", "data:"))]
    for _, attrs in tags(html):  # no event-handler attribute got in through a title or caution
        assert not [k for k in attrs if k.startswith("on")]

    body = article(html, "rec-continue-tki")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=file:///etc/passwd&gt;" in body
    assert "{{ 7*7 }}" in body and "{% include" in body and "49" not in body
    assert "[click me](javascript:alert(1))" in body  # an unsafe link stays visible as text
    assert "&lt;b&gt;Title&lt;/b&gt;" in body

    svg = rendered.svg
    assert b"<script" not in svg
    import xml.etree.ElementTree as ET

    drawn = squash(" ".join(t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")))
    assert "New?<script>alert(1)</script>" in drawn.replace(" ", "")  # long words wrap mid-word

    text = squash(pdf_text(rendered.pdf, tmp_path))
    assert f"{SCRIPT} and {IMG} and {{{{ 7*7 }}}}" in text
    assert "root:x:0:0" not in text and b"root:x:0:0" not in rendered.pdf
    assert not [p for p in opened_files if "passwd" in p], opened_files


def test_an_image_from_the_network_fails_the_pdf_and_is_never_requested(tmp_path, opened_files):
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/pixel.png"
        g = hostile_guideline(tmp_path, extra_text=f" ![tracker]({url})")
        with pytest.raises(UnsafeResourceError) as info:
            render_all(g)
        assert url in str(info.value) and "refused" in str(info.value)
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []


LOCKED_DOWN = [
    '<img src="file:///etc/passwd" alt="x">',
    '<img src="../../../../../../etc/passwd" alt="x">',
    '<img src="/etc/passwd" alt="x">',
    '<link rel="attachment" href="file:///etc/passwd">',
    '<a rel="attachment" href="file:///etc/passwd">attached</a>',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    "<style>@import url(file:///etc/passwd);</style>",
    "<style>@font-face { font-family: x; src: url(file:///etc/passwd); } p { font-family: x; }</style>",
    '<div style="background: url(file:///etc/passwd)">x</div>',
    '<object data="file:///etc/passwd"></object>',
    '<embed src="file:///etc/passwd">',
    '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E" alt="x">',
    '<img src="https://example.invalid/x.png" alt="x">',
    '<img src="generated-but-not-given.svg" alt="x">',
    '<img src="file:///proc/self/environ" alt="x">',
]


@pytest.mark.parametrize("snippet", LOCKED_DOWN)
def test_pdf_renderer_refuses_every_resource_outside_the_project(snippet, opened_files):
    html = f'<!DOCTYPE html><html lang="en"><head><title>T</title></head><body><p>Hello</p>{snippet}</body></html>'
    with pytest.raises(UnsafeResourceError):
        render_pdf(html)
    assert not [p for p in opened_files if "passwd" in p or "environ" in p], opened_files


def test_pdf_renderer_serves_generated_files_and_templates():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>T</title>'
        '<link rel="stylesheet" href="file://{}"></head>'
        '<body><img src="flowchart.svg" alt="a square"></body></html>'
    )
    from generator.content.paths import TEMPLATES

    css = TEMPLATES / "shared" / "base.css"
    pdf = render_pdf(html.format(css), files={"flowchart.svg": svg})
    assert pdf.startswith(b"%PDF-")


def test_fetcher_refuses_symlinks_that_leave_the_templates(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ok.css").write_text("p {}")
    (templates / "escape.css").symlink_to("/etc/passwd")
    fetcher = ProjectFetcher()
    fetcher.templates = templates.resolve()
    assert fetcher.fetch((templates / "ok.css").as_uri()).read() == b"p {}"
    with pytest.raises(RefusedURL):
        fetcher.fetch((templates / "escape.css").as_uri())
    with pytest.raises(RefusedURL):
        fetcher.fetch((templates / ".." / "templates" / ".." / "x").as_uri())


def test_pdf_needs_language_and_title():
    with pytest.raises(ValueError, match="lang"):
        render_pdf("<!DOCTYPE html><html><head><title>T</title></head><body>x</body></html>")
