"""Layout of the final documents, read back as a reader gets them.

PDF pages are read with pdfplumber (word boxes, drawn lines and box edges, marked-content tags);
the HTML pages are laid out by Debian's chromium through Playwright. Each fixture guideline and the
real one is rendered once per session.
"""

from __future__ import annotations

import itertools
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.content.loader import load_guideline
from tests.render_kit import render_all

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "valid"
GUIDELINES = [FIXTURES / "minimal", FIXTURES / "patient-explainer"] + sorted(
    p for p in (ROOT / "content").glob("*/") if (p / "guideline.yaml").is_file()
)
MM = 72 / 25.4
# The page margins of each PDF's CSS (templates/protocol/protocol.css, templates/patient/explainer.css):
# (top, right, bottom, left) in points. Body text stays inside; only pagination artifacts go outside.
MARGINS = {"protocol": (20 * MM, 15 * MM, 20 * MM, 15 * MM), "patient": (20 * MM, 20 * MM, 22 * MM, 20 * MM)}
SLACK = 1.0  # points: glyph boxes may reach a hair past the line box
CHROMIUM = "/usr/bin/chromium"
PAGE_SIZES = ["A4", "letter"]


@dataclass
class Documents:
    name: str
    pdfs: dict[str, bytes]  # "protocol" / "patient" -> PDF bytes
    html: dict[str, bytes]
    files: dict[str, bytes]  # the flowchart's SVG files, written beside the HTML by a build


@pytest.fixture(scope="session", params=GUIDELINES, ids=[p.name for p in GUIDELINES])
def documents(request) -> Documents:
    from generator.render import patient, patient_pdf

    g = load_guideline(request.param).guideline
    assert g.meta is not None
    rendered = render_all(g)
    pdfs = {"protocol": rendered.pdf}
    html = {"protocol": rendered.html}
    if g.meta.patient is not None:
        html["patient"] = patient.render(patient.view(g), {})
        pdfs["patient"] = patient_pdf.render(patient_pdf.view(g), {"patient-explainer-html": html["patient"]})
    return Documents(request.param.name, pdfs, html, rendered.files)


# The flowchart's pages: every fixture guideline (the pathway fixture too) and the real one, on A4 and
# on US letter (`output.page_size` in guideline.yaml).
FIGURE_CASES = [(p, size) for p in GUIDELINES[:2] + [FIXTURES / "pathway"] + GUIDELINES[2:] for size in PAGE_SIZES]


@dataclass
class Protocol:
    name: str
    page_size: str
    pdf: bytes
    files: dict[str, bytes]  # the flowchart's SVG files, written beside the HTML by a build


@pytest.fixture(scope="session", params=FIGURE_CASES, ids=[f"{p.name}-{size}" for p, size in FIGURE_CASES])
def protocol_at(request) -> Protocol:
    folder, size = request.param
    g = load_guideline(folder).guideline
    g.meta.output.page_size = size
    rendered = render_all(g)
    return Protocol(folder.name, size, rendered.pdf, rendered.files)


def _pdf(documents: Documents, kind: str) -> bytes:
    if kind not in documents.pdfs:
        pytest.skip(f"{documents.name} has no {kind} document")
    return documents.pdfs[kind]


def _pages(pdf: bytes):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages, start=1):
            words = page.extract_words(extra_attrs=["tag"], keep_blank_chars=False, use_text_flow=False)
            body = [w for w in words if w.get("tag") != "Artifact"]
            yield number, page, body


def _overlap(a: dict, b: dict, tolerance: float = 0.5) -> bool:
    return (
        a["x0"] < b["x1"] - tolerance
        and b["x0"] < a["x1"] - tolerance
        and a["top"] < b["bottom"] - tolerance
        and b["top"] < a["bottom"] - tolerance
    )


@pytest.mark.parametrize("kind", ["protocol", "patient"])
def test_no_two_words_overlap_on_any_page(documents, kind):
    pdf = _pdf(documents, kind)
    for number, page, words in _pages(pdf):
        clashes = [(a["text"], b["text"]) for a, b in itertools.combinations(words, 2) if _overlap(a, b)]
        assert not clashes, f"{documents.name} {kind} page {number}: overlapping words {clashes[:5]}"


@pytest.mark.parametrize("kind", ["protocol", "patient"])
def test_nothing_outside_the_content_box(documents, kind):
    pdf = _pdf(documents, kind)
    top, right, bottom, left = MARGINS[kind]
    for number, page, words in _pages(pdf):
        outside = [
            w["text"]
            for w in words
            if w["x0"] < left - SLACK
            or w["x1"] > page.width - right + SLACK
            or w["top"] < top - SLACK
            or w["bottom"] > page.height - bottom + SLACK
        ]
        assert not outside, f"{documents.name} {kind} page {number}: outside the content box {outside[:8]}"


def _lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into printed lines (same baseline, within a point), top to bottom, left to right."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        if lines and abs(lines[-1][0]["bottom"] - w["bottom"]) < 1.0:
            lines[-1].append(w)
        else:
            lines.append([w])
    return lines


@pytest.mark.parametrize("kind", ["protocol", "patient"])
def test_no_line_of_one_word_before_a_lowercase_continuation(documents, kind):
    """"You must / also / be well enough": a line holding one word, then a line going on in lower case."""
    pdf = _pdf(documents, kind)
    for number, page, words in _pages(pdf):
        lines = _lines([w for w in words if w.get("tag") != "Figure"])  # a drawing's labels are wrapped by design
        for line, after in zip(lines, lines[1:]):
            if len(line) != 1 or not after:
                continue
            word, nxt = line[0], min(after, key=lambda w: w["x0"])
            same_column = abs(nxt["x0"] - word["x0"]) < 2.0 and 0 < nxt["top"] - word["bottom"] < word["bottom"] - word["top"]
            if same_column and word["text"][:1].islower() and nxt["text"][:1].islower():
                pytest.fail(f"{documents.name} {kind} page {number}: {word['text']!r} alone on a line before {nxt['text']!r}")


def _segments(page):
    """The drawn lines and box edges of the page's figure (the draft watermark is an artifact: skipped)."""
    drawn = [obj for obj in page.curves + page.lines + page.rects if obj.get("tag") != "Artifact"]
    for obj in drawn:
        if obj["object_type"] == "rect":
            continue
        points = obj["pts"]
        yield from zip(points, points[1:])
    for r in (obj for obj in drawn if obj["object_type"] == "rect"):
        x0, x1, top, bottom = r["x0"], r["x1"], r["top"], r["bottom"]
        yield from (((x0, top), (x1, top)), ((x1, top), (x1, bottom)), ((x1, bottom), (x0, bottom)), ((x0, bottom), (x0, top)))


def _crosses(box: tuple[float, float, float, float], p, q, steps: int = 32) -> bool:
    x0, top, x1, bottom = box
    return any(
        x0 < p[0] + (q[0] - p[0]) * i / steps < x1 and top < p[1] + (q[1] - p[1]) * i / steps < bottom
        for i in range(steps + 1)
    )


def _figure_pages(pdf: bytes):
    """The pages holding a flowchart figure: their words drawn by the figure are tagged Figure."""
    pages = [(n, p, w) for n, p, w in _pages(pdf) if any(c.get("tag") == "Figure" for c in p.chars) and p.curves]
    assert pages, "no flowchart page found"
    return pages


def test_no_word_on_a_flowchart_page_is_crossed_by_a_line(protocol_at):
    name, size = protocol_at.name, protocol_at.page_size
    for number, page, words in _figure_pages(protocol_at.pdf):
        segments = list(_segments(page))
        crossed = [w["text"] for w in words if any(_crosses((w["x0"] + 0.3, w["top"] + 0.3, w["x1"] - 0.3, w["bottom"] - 0.3), p, q) for p, q in segments)]
        assert not crossed, f"{name} {size} page {number}: words crossed by a line {crossed[:10]}"


def test_flowchart_text_prints_at_9pt_or_more_and_the_figure_uses_the_page(protocol_at):
    """Every character a figure draws is at least 9 pt on the printed page (its font size times the
    figure's scale, as pdfplumber reads it from the text matrix), on A4 and on letter; the figure is
    as wide as the content box unless the page height or the largest scale (150%) stops it; and no
    figure word lies outside the content box or on another word."""
    name, size, pdf = protocol_at.name, protocol_at.page_size, protocol_at.pdf
    top, right, bottom, left = MARGINS["protocol"]
    for number, page, words in _figure_pages(pdf):
        chars = [c for c in page.chars if c.get("tag") == "Figure" and c["text"].strip()]
        smallest = min(c["size"] for c in chars)
        assert smallest >= 9 - 0.01, f"{name} {size} page {number}: figure text at {smallest:.2f} pt"
        drawn = [o for o in page.curves + page.rects if o.get("tag") == "Figure"]
        width = max(o["x1"] for o in drawn) - min(o["x0"] for o in drawn)
        height = max(o["bottom"] for o in drawn) - min(o["top"] for o in drawn)
        box_w, box_h = page.width - left - right, page.height - top - bottom - 30 * MM
        largest_scale = smallest >= 1.5 * 10 - 0.05  # the drawing's smallest font is 10 pt
        assert width >= box_w - 1.5 or height >= box_h - 1.5 or largest_scale, (
            f"{name} {size} page {number}: the figure is {width:.0f} x {height:.0f} pt on a {box_w:.0f} pt wide page"
        )
        assert left - SLACK <= min(o["x0"] for o in drawn) and max(o["x1"] for o in drawn) <= page.width - right + SLACK
        figure_words = [w for w in words if w.get("tag") == "Figure"]
        clashes = [(a["text"], b["text"]) for a, b in itertools.combinations(figure_words, 2) if _overlap(a, b)]
        assert not clashes, f"{name} {size} page {number}: overlapping words {clashes[:5]}"


def test_connectors_link_the_part_figures_both_ways_in_the_pdf(protocol_at):
    """Each connector box of a part-figure is a link to the page of the figure it names."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(protocol_at.pdf))
    destinations = {name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}
    figure_pages = {n - 1 for n, _, _ in _figure_pages(protocol_at.pdf)}
    links = []
    for index in sorted(figure_pages):
        for annot in reader.pages[index].get("/Annots", []):
            dest = annot.get_object().get("/Dest")
            if isinstance(dest, str) and dest.startswith("figure-"):
                assert destinations[dest] in figure_pages and destinations[dest] != index, (index, dest)
                links.append((index, destinations[dest]))
    if len(figure_pages) == 1:
        assert links == []
        return
    forward = {(a, b) for a, b in links if b > a}
    assert forward and {(b, a) for a, b in forward} <= set(links)  # every "continues in" has its "from"
    assert len(protocol_at.files) == len(figure_pages) + 1  # flowchart.svg and one file per part-figure


# --------------------------------------------------------------------------- HTML in Chromium

SPLIT_WORDS = """
() => {
  const split = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const style = getComputedStyle(node.parentElement);
    if (style.display === "none" || style.visibility === "hidden" || node.parentElement.closest(".visually-hidden")) continue;
    const text = node.data;
    // a word: what lies between spaces, hyphens, dashes and slashes (a line may break after those)
    const re = /[^\\s\\-\\u2010-\\u2015\\/]+/g;
    let m;
    while ((m = re.exec(text))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) split.push(m[0]);
    }
  }
  return split;
}
"""


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_no_word_of_either_html_page_is_split_across_lines(documents, browser, width, tmp_path):
    for kind, html in documents.html.items():
        path = tmp_path / f"{kind}.html"
        path.write_bytes(html)
        context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
        try:
            page = context.new_page()
            page.goto(path.as_uri(), wait_until="load")
            split = page.evaluate(SPLIT_WORDS)
        finally:
            context.close()
        assert not split, f"{documents.name} {kind} at {width} px: words split across lines {split[:10]}"


FIGURES_IN_PAGE = """
() => [...document.querySelectorAll("figure.flowchart")].map(fig => {
  const img = fig.querySelector("img"), full = fig.querySelector("a.full-size"), box = img.getBoundingClientRect();
  return {
    id: fig.id, src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0,
    width: box.width, fits: box.right <= document.documentElement.clientWidth + 0.5,
    full: full && full.getClientRects().length ? full.getAttribute("href") : null,
    text: fig.querySelector("a.to-pathway") && document.getElementById(fig.querySelector("a.to-pathway").hash.slice(1)) !== null,
    links: [...fig.querySelectorAll("a.connector-link")].map(a => {
      const r = a.getBoundingClientRect();
      return {target: document.getElementById(a.hash.slice(1)) !== null, name: a.getAttribute("aria-label"),
              inside: r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1};
    }),
  };
})
"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_each_figure_links_to_its_full_size_svg_and_the_text_alternative(documents, browser, width, tmp_path):
    """In the HTML, on a phone and on a desktop: every figure loads its SVG file from beside the page,
    fits the screen, shows a link to that file full size and one to the step-by-step text, and its
    connector links sit on the drawing and lead to the figure they name."""
    (tmp_path / "clinician-protocol.html").write_bytes(documents.html["protocol"])
    for name, data in documents.files.items():
        (tmp_path / name).write_bytes(data)
    context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
    try:
        page = context.new_page()
        page.goto((tmp_path / "clinician-protocol.html").as_uri(), wait_until="load")
        figures = page.evaluate(FIGURES_IN_PAGE)
    finally:
        context.close()
    parts = sorted(n for n in documents.files if n != "flowchart.svg")
    assert [f["src"] for f in figures] == (parts or ["flowchart.svg"])
    for f in figures:
        assert f["loaded"] and f["fits"] and f["text"], f
        assert f["full"] == f["src"], f"{documents.name} at {width} px: {f['id']} has no full-size link"
        assert all(link["target"] and link["inside"] and link["name"] for link in f["links"]), f["links"]
    assert sum(len(f["links"]) for f in figures) >= 2 * (len(parts) - 1)  # a tree of parts: in and out at least
