"""The clinician protocol: what the HTML and the PDF show, tagging, page furniture, reproducibility."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.render_kit import marked_content_reachability

from generator.render import citations
from generator.render.environment import css_string
from generator.render.typography import dashes
from tests.render_kit import (
    MINIMAL,
    REAL,
    ROOT,
    copy_minimal,
    load,
    pdf_text,
    render_all,
    rendered_blocks,
    squash,
    strip_page_furniture,
)


@pytest.fixture(scope="module")
def minimal():
    return render_all(load(MINIMAL))


BLOCK = {"td", "th", "tr", "li", "p", "div", "caption", "table", "ul", "ol", "br", "dt", "dd", "figcaption",
         "h1", "h2", "h3", "h4", "header", "article", "section", "nav"}  # fmt: skip


class Elements(HTMLParser):
    """Every element as (tag, attrs, text inside it); block boundaries read as a space."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, list[str]]] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK:
            self.handle_data(" ")
        text: list[str] = []
        self.elements.append((tag, dict(attrs), text))
        if tag not in ("img", "meta", "br", "col", "link", "input", "hr"):
            self._open.append(text)

    def handle_endtag(self, tag):
        if tag in BLOCK:
            self.handle_data(" ")
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for t in self._open:
            t.append(data)


def elements(html: bytes) -> list[tuple[str, dict, str]]:
    p = Elements()
    p.feed(html.decode("utf-8"))
    return [(tag, attrs, squash("".join(text))) for tag, attrs, text in p.elements]


def find(html: bytes, tag: str, **attrs) -> list[tuple[dict, str]]:
    return [(a, t) for tg, a, t in elements(html) if tg == tag and all(a.get(k) == v for k, v in attrs.items())]


# --------------------------------------------------------------------------- HTML


def test_title_block(minimal):
    html = minimal.html
    assert find(html, "html")[0][0]["lang"] == "en"
    assert find(html, "h1")[0][1] == "Local treatment of oligoprogression on targeted therapy (test fixture)"
    first_table = re.search(rb'<table class="meta">.*?</table>', html, re.S).group()
    meta = {t.split(" ", 1)[0]: t for a, t in find(first_table, "tr")}
    assert "Version 1.1.0" in meta["Version"]
    assert meta["Status"] == "Status Draft (0 of 2 sign-offs, see authors and approvers)"
    assert meta["Effective"] == "Effective 2026-01-01" and meta["Review"] == "Review by 2028-01-01"
    assert meta["ICD-10"] == "ICD-10 C78.0 Secondary malignant neoplasm of lung"
    assert meta["ICD-11"] == "ICD-11 2D70"
    assert "ESMO levels of evidence" in meta["Grading"]
    assert [t for a, t in find(html, "td") if t in ("Thoracic oncology", "Radiation oncology")] == [
        "Thoracic oncology",
        "Radiation oncology",
    ]


def test_contents_link_to_every_chapter(minimal):
    html = minimal.html
    toc = [a["href"] for a, _ in find(html, "a") if a.get("href", "").startswith("#")]
    ids = {a.get("id") for _, a, _ in elements(html)}
    nav_links = re.search(rb'<nav class="toc".*?</nav>', html, re.S).group()
    targets = re.findall(rb'href="#([^"]+)"', nav_links)
    # "What changed in this version" is left out when the fixture is not in a git repository
    what_changed = ["what-changed"] if b'id="what-changed"' in html else []
    assert [t.decode() for t in targets] == [
        "recommendations", "algorithm", "pathway", "scope", "sec-definitions", "sec-treatment", "sec-evidence",
        "grading", "references", "authors", *what_changed, "history", "signoff",
    ]  # fmt: skip
    for href in toc:
        assert href[1:] in ids, f"dangling link {href}"


def test_statements_are_numbered_and_cite_the_reference_list(minimal):
    html = minimal.html
    articles = find(html, "article")
    # the evidence statement is a row of the evidence table, not an article: the study is printed once
    assert [a["id"] for a, _ in articles] == [
        "stmt-def-oligoprogression", "stmt-rec-local-therapy", "stmt-rec-continue-tki",
    ]  # fmt: skip
    texts = [t for _, t in articles]
    assert texts[0].startswith("D1 Oligoprogression Definition Progression at a limited number of sites")
    assert "controlled on the current systemic therapy. [1]" in texts[0]
    assert "may be considered while the current TKI continues. [1, 2]" in texts[1]
    assert "[1] abstract" in texts[1]  # the citation's locator is printed, not lost
    assert texts[1].startswith("R1 Local ablative therapy Recommendation Level IV Grade C")
    assert texts[2].startswith("R2 Recommendation Level IV Grade C Continue the same TKI after local therapy. [2]")
    cites = find(html, "span", **{"class": "cite"})
    assert [t for _, t in cites] == ["[1]", "[1, 2]", "[2]"]
    assert [a["href"] for a, t in find(html, "a") if t == "2" and a.get("href", "").startswith("#ref-")] == ["#ref-2"] * 2
    assert find(html, "li", id="ref-1") and find(html, "li", id="ref-2")
    assert b"<strong>limited number of sites</strong>" in html  # Markdown is rendered


def test_recommendations_are_boxed_with_level_and_grade_and_a_legend(minimal):
    html = minimal.html
    boxed = [a["id"] for a, _ in find(html, "article") if "kind-recommendation" in a["class"]]
    assert boxed == ["stmt-rec-local-therapy", "stmt-rec-continue-tki"]
    badges = [(a["title"], t) for a, t in find(html, "span") if "grade-badge" in a.get("class", "")]
    assert badges[:2] == [
        ("Retrospective cohort studies or case-control studies", "Level IV"),
        (
            "Insufficient evidence for efficacy, or benefit does not outweigh the risks or disadvantages: optional",
            "Grade C",
        ),
    ]
    legend = [t for a, t in find(html, "table") if "legend-table" in a.get("class", "")]
    assert legend[0].startswith("Level of evidence I At least one large randomised")
    assert "V Studies without a control group" in legend[0]
    assert "E Strong evidence against efficacy" in legend[1]


def test_evidence_table(minimal):
    (attrs, table), = find(minimal.html, "table", **{"class": "evidence stacking"})
    assert table == (
        "No. Study and design Participants Result Ref. Supports E1 Weickhardt 2012 Retrospective, single centre "
        "Retrospective single-centre series of local ablative therapy on continued TKI. "
        "65 screened; 25 received local therapy Median PFS2 6.2 months after local therapy 1 R1, D1"
    )
    # the row is the evidence statement's anchor, and links to the statements that cite its references
    (row, _), = find(minimal.html, "tr", id="stmt-ev-weickhardt")
    supports = re.search(rb'<td data-label="Supports".*?</td>', minimal.html, re.S).group()
    assert re.findall(rb'href="#([^"]+)"', supports) == [b"stmt-rec-local-therapy", b"stmt-def-oligoprogression"]


def test_summary_of_recommendations_comes_first_and_links_to_each(minimal):
    html = minimal.html
    assert html.index(b'id="recommendations"') < html.index(b'id="algorithm"') < html.index(b'id="scope"')
    (attrs, table), = find(html, "table", **{"class": "rec-summary stacking"})
    assert table == (
        "No. Recommendation Level Grade R1 Local ablative therapy IV C "
        "R2 Continue the same TKI after local therapy. IV C"
    )  # an untitled recommendation is summarised by its first sentence
    rows = re.search(rb'<table class="rec-summary.*?</table>', html, re.S).group()
    assert re.findall(rb'<td data-label="No."><a href="#([^"]+)"', rows) == [b"stmt-rec-local-therapy", b"stmt-rec-continue-tki"]


def test_the_body_follows_the_algorithm_and_legend_and_worked_examples_are_an_appendix():
    """Summary, algorithm, step list, then the body at once; the grading legend and the worked
    examples (5 pages in the real guideline) come after the body, before the references."""
    from generator.content.loader import load_guideline
    from generator.render import protocol

    g = load_guideline(Path(__file__).parent / "fixtures" / "valid" / "pathway").guideline
    html = protocol.render(protocol.view(g), {})
    order = ["recommendations", "algorithm", "pathway", "scope", *[f"sec-{s.id}" for s in g.meta.sections],
             "grading", "worked-examples", "references"]
    at = [html.index(f'<section id="{name}"'.encode()) for name in order]
    assert at == sorted(at)
    summary = html[at[0] : at[1]]
    assert b"legend-table" not in summary and b'href="#grading"' in summary
    contents = re.search(rb'<nav class="toc".*?</nav>', html, re.S).group()
    assert re.findall(rb'href="#(grading|worked-examples)"', contents) == [b"grading", b"worked-examples"]


def test_summary_and_legend_follow_the_declared_grading_system(tmp_path):
    folder = copy_minimal(tmp_path)
    meta = folder / "guideline.yaml"
    meta.write_text(meta.read_text().replace("grading: esmo", "grading: grade"))
    statements = folder / "statements.yaml"
    statements.write_text(statements.read_text().replace("{level: IV, strength: C}", "{level: low, strength: conditional-for}"))
    html = render_all(load(folder), pdf=False).html
    (attrs, table), = find(html, "table", **{"class": "rec-summary stacking"})
    assert table.startswith("No. Recommendation Certainty Strength R1 Local ablative therapy Low Conditional recommendation for")
    legend = [t for a, t in find(html, "table") if "legend-table" in a.get("class", "")]
    assert legend[0].startswith("Certainty of evidence High") and legend[1].startswith("Strength of recommendation Strong recommendation for")


def test_flowchart_figure_and_text_equivalent(minimal):
    html = minimal.html
    (img, _), = find(html, "img")
    assert img["src"] == "flowchart.svg"
    assert img["alt"].startswith(
        "Oligoprogression pathway (fixture): From progression on a TKI to local therapy or a switch of systemic therapy."
    )
    steps = [t for a, t in find(html, "li") if a.get("id", "").startswith("step-")]
    assert steps[0] == "Start: Progression on TKI (D1) Then go to step 2."
    assert steps[1] == (
        "Decision: Limited progression, all sites treatable? (D1) "
        "Yes: go to step 3 (Local ablative therapy, continue TKI). No: go to step 5 (Switch systemic therapy)."
    )
    assert "Limited: return to step 2 (Limited progression, all sites treatable?)." in steps[3]
    assert steps[5] == "End: Continue TKI and follow-up (R2) The pathway ends here."
    caption = find(html, "figcaption")[0][1]
    assert "Text alternative: the pathway step by step." in caption
    assert [a["href"] for a, t in find(html, "a") if a.get("class") in ("to-pathway", "full-size")] == ["#pathway", "flowchart.svg"]


def test_references_in_ama_style_with_doi_links(minimal):
    html = minimal.html
    g = load(MINIMAL)
    (a1, ref1), = find(html, "li", id="ref-1")
    expected = citations.plain_text(citations.format_reference(g.references_by_id["weickhardt2012"]))
    assert ref1 == f"1. {expected} Cited in D1, R1, E1."
    assert find(html, "i")[0][1] == "Journal of Thoracic Oncology"
    links = [a["href"] for a, t in find(html, "a") if t.startswith("doi:")]
    assert links == ["https://doi.org/10.1097/jto.0b013e3182745948", "https://doi.org/10.1097/jto.0b013e31827e1f83"]


def test_version_history(minimal):
    table = find(minimal.html, "table", **{"class": "history"})[0][1]
    assert table == "Version Date Changes 1.1.0 2026-01-01 Added the algorithm. 1.0.0 2025-06-01 First version."


def test_draft_marking_only_for_drafts(tmp_path, minimal):
    assert b"DRAFT \xe2\x80\x93 not for clinical use" in minimal.html
    folder = copy_minimal(tmp_path)
    meta = folder / "guideline.yaml"
    meta.write_text(meta.read_text().replace("status: draft", "status: published"))
    published = render_all(load(folder), pdf=False)
    body = published.html.split(b"</style>", 1)[1]
    assert b"DRAFT" not in body and b"draft-watermark" not in body
    assert str(css_string("Status: Published")).encode() in published.html  # the running footer


def test_caution_is_shown_with_the_reference_and_where_it_is_cited(tmp_path):
    folder = copy_minimal(tmp_path)
    refs = folder / "references.yaml"
    refs.write_text(
        refs.read_text().replace(
            "    DOI: 10.1097/jto.0b013e31827e1f83",
            "    DOI: 10.1097/jto.0b013e31827e1f83\n    caution: An expression of concern was published in 2024.",
        )
    )
    html = render_all(load(folder), pdf=False).html
    cites = [t for _, t in find(html, "span", **{"class": "cite"})]
    assert cites == ["[1]", "[1, 2⚠]", "[2⚠]"]
    notes = [t for a, t in find(html, "p") if a.get("class") == "caution"]
    assert notes == ["⚠ Caution on reference [2] (Local therapy with continued EGFR tyrosine…, 2013): An expression of concern was published in 2024."] * 2
    (_, ref2), = find(html, "li", id="ref-2")
    assert ref2.endswith("Caution: An expression of concern was published in 2024.")


def test_statement_review_date_is_shown(tmp_path):
    folder = copy_minimal(tmp_path)
    statements = folder / "statements.yaml"
    statements.write_text(
        statements.read_text().replace("    text: Continue the same TKI after local therapy.",
                                       "    text: Continue the same TKI after local therapy.\n    last_reviewed: 2026-03-01")
    )
    html = render_all(load(folder), pdf=False).html
    assert [t for a, t in find(html, "p") if a.get("class") == "reviewed"] == ["Statement last reviewed 2026-03-01"]
    assert "Statement last reviewed 2026-03-01" in [t for a, t in find(html, "article") if a["id"] == "stmt-rec-continue-tki"][0]


# --------------------------------------------------------------------------- PDF


def statement_text_with_citations(g, view_statement) -> tuple[list[str], str]:
    blocks = rendered_blocks(view_statement["text"])
    marks = ", ".join(f"{c['number']}{'⚠' if c['caution'] else ''}" for c in view_statement["citations"])
    return blocks, f"[{marks}]"


def assert_pdf_shows_every_statement_and_doi(rendered, tmp_path):
    from generator.render import protocol

    g = rendered.guideline
    # pdf_text joins a word broken at a line-end hyphen ("second-|line" -> "second-line"): compare without hyphens.
    # A line may also break after a slash ("pathology/|molecular"): that break reads as a space.
    # A line may break after an en dash too ("0–|2").
    text = strip_page_furniture(pdf_text(rendered.pdf, tmp_path), g).replace("-", "").replace("/ ", "/").replace("– ", "–")
    view = protocol.view(g)
    for section in view["sections"]:
        for s in section["statements"]:
            blocks, marks = statement_text_with_citations(g, s)
            blocks = [dashes(b).replace("-", "").replace("– ", "–") for b in blocks]  # ranges print with en dashes (0–2)
            for block in blocks:
                assert block in text, f"{s['number']} ({s['id']}): {block[:60]!r}... not in the PDF text"
            assert f"{blocks[-1]} {marks}" in text or (marks in text and blocks[-1] in text), s["id"]
            if s["title"]:
                assert dashes(squash(s["title"])).replace("-", "") in text
        for row in section["evidence"]:  # each study once, in the evidence table
            assert squash(dashes(row["study"])).replace("-", "") in text, row["id"]
    for ref in g.references:
        assert f"doi:{ref.DOI.lower()}".replace("-", "") in text.lower(), ref.id


def test_pdf_contains_every_statement_with_citations_and_every_doi(minimal, tmp_path):
    assert_pdf_shows_every_statement_and_doi(minimal, tmp_path)
    text = squash(pdf_text(minimal.pdf, tmp_path))
    assert "continues. [1, 2]" in text and "local therapy. [2]" in text


def test_pdf_is_tagged_with_language_title_and_page_size(minimal):
    reader = PdfReader(io.BytesIO(minimal.pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert reader.metadata.title.startswith("Local treatment of oligoprogression")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert not reader.attachments


def test_every_page_has_header_footer_and_draft_mark(minimal, tmp_path):
    reader = PdfReader(io.BytesIO(minimal.pdf))
    n = len(reader.pages)
    assert n >= 3
    for page in range(1, n + 1):
        text = squash(pdf_text(minimal.pdf, tmp_path, page, page))
        assert f"Page {page} of {n}" in text
        assert "DRAFT – not for clinical use" in text
        assert "Version 1.1.0" in text and "Oligoprogression fixture" in text and "Status: Draft" in text


def test_contents_carry_page_numbers(minimal, tmp_path):
    reader = PdfReader(io.BytesIO(minimal.pdf))
    pages = [pdf_text(minimal.pdf, tmp_path, i, i) for i in range(1, len(reader.pages) + 1)]
    toc = next(t for t in pages if "Contents" in t)
    for heading in ("Scope", "Treatment", "References", "Version history"):
        page = next(i for i, t in enumerate(pages, 1) if t is not toc and re.search(rf"^{heading}$", t, re.M))
        assert re.search(rf"{heading}\s*\.+\s*{page}\b", toc), (heading, page, toc)


def test_page_size_comes_from_the_guideline(tmp_path):
    folder = copy_minimal(tmp_path)
    meta = folder / "guideline.yaml"
    meta.write_text(meta.read_text() + "output:\n  page_size: letter\n")
    pdf = render_all(load(folder)).pdf
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_flowchart_is_embedded_in_the_pdf_with_alt_text(minimal):
    assert b"/Alt" in minimal.pdf or b"/Alt" in _inflated(minimal.pdf)
    reader = PdfReader(io.BytesIO(minimal.pdf))
    page = next(p for p in reader.pages if "Figure 1." in p.extract_text())
    assert "Limited progression," in page.extract_text()  # the SVG is drawn as vector text, not a bitmap


def _inflated(pdf: bytes) -> bytes:
    import zlib

    out = b""
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            out += zlib.decompress(m.group(1))
        except zlib.error:
            pass
    return out


# --------------------------------------------------------------------------- reproducibility


def test_two_renders_are_byte_identical(minimal):
    again = render_all(load(MINIMAL))
    assert again.svg == minimal.svg
    assert again.html == minimal.html
    assert again.pdf == minimal.pdf


def test_renders_in_separate_processes_are_byte_identical(minimal, tmp_path):
    """Another interpreter (another hash seed) gives the same bytes; SOURCE_DATE_EPOCH sets the PDF dates."""
    script = (
        "import sys; from pathlib import Path; from tests.render_kit import load, render_all;"
        "r = render_all(load(Path(sys.argv[1]))); out = Path(sys.argv[2]);"
        "(out / 'a.svg').write_bytes(r.svg); (out / 'a.html').write_bytes(r.html); (out / 'a.pdf').write_bytes(r.pdf)"
    )
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONHASHSEED"] = "12345"
    subprocess.run([sys.executable, "-c", script, str(MINIMAL), str(tmp_path)], cwd=ROOT, env=env, check=True)
    assert (tmp_path / "a.svg").read_bytes() == minimal.svg
    assert (tmp_path / "a.html").read_bytes() == minimal.html
    assert (tmp_path / "a.pdf").read_bytes() == minimal.pdf

    env["SOURCE_DATE_EPOCH"] = "1740787200"  # 2025-03-01, not the guideline's own date
    subprocess.run([sys.executable, "-c", script, str(MINIMAL), str(tmp_path)], cwd=ROOT, env=env, check=True)
    dated = PdfReader(tmp_path / "a.pdf").metadata
    assert dated["/CreationDate"].startswith("D:20250301000000") and dated["/ModDate"] == dated["/CreationDate"]
    # without SOURCE_DATE_EPOCH: the guideline's last change (its newest changelog entry)
    default = PdfReader(io.BytesIO(minimal.pdf)).metadata
    assert default["/CreationDate"].startswith("D:20260101000000")


# --------------------------------------------------------------------------- the real guideline


@pytest.mark.parametrize("folder", REAL, ids=[p.name for p in REAL])
def test_real_guideline_protocol(folder, tmp_path):
    rendered = render_all(load(folder))
    assert_pdf_shows_every_statement_and_doi(rendered, tmp_path)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    # The pathway is split into part-figures, one page each: the chapter heading, the first
    # part-figure and its caption share a page, each later part and its caption have a page.
    pages = [pdf_text(rendered.pdf, tmp_path, i, i) for i in range(1, len(reader.pages) + 1)]
    # a caption starts a line with its figure's name; a cross-reference wrapped to the start of a
    # line ("... continues in / Figure 1d. Text alternative: ...") is not a caption
    caption = r"^Figure 1[a-z]\. (?!Text alternative)"
    parts = [i for i, t in enumerate(pages) if re.search(caption, t, re.M)]
    assert len(parts) == len(rendered.files) - 1 > 1
    assert parts == list(range(parts[0], parts[0] + len(parts)))  # consecutive pages
    assert all(len(re.findall(caption, pages[i], re.M)) == 1 for i in parts)
    figure_page = pages[parts[0]]
    assert re.search(r"^Treatment algorithm$", figure_page, re.M)
    # the summary of recommendations, then the algorithm on its own page within the first third
    at = pages.index(figure_page) + 1
    assert at <= max(2, len(pages) / 3), f"the algorithm is on page {at} of {len(pages)}"
    assert "Summary of recommendations" in " ".join(pages[: at - 1])
    # the summary and its key run straight into the algorithm: no page of legend rows between them
    summary = next(i for i, t in enumerate(pages) if re.search(r"^Summary of recommendations$", t, re.M)) + 1
    between = pages[summary : at - 1]  # pages after the summary's first and before the algorithm's
    assert all(re.search(r"^R\d+ ", t, re.M) for t in between), f"a page without summary rows before page {at}"
    # the body follows the algorithm: its part-figures (one page each), then at most two pages of
    # the pathway step by step; the worked examples wait until after the body
    scope = next(i for i, t in enumerate(pages) if re.search(r"^Scope$", t, re.M)) + 1
    assert scope <= parts[-1] + 1 + 2, f"the body starts on page {scope} of {len(pages)}, the algorithm's last part is on page {parts[-1] + 1}"
    assert "Scope" not in figure_page.replace("Scope and", "")
    first = load(folder).nodes[0].label.split()[0]
    assert first in figure_page


# --------------------------------------------------------------------------- accessibility of the HTML

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is not installed (`make test` installs it: scripts/bootstrap test)")
def test_protocol_html_passes_axe_wcag21_aa(minimal, tmp_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    (tmp_path / "clinician-protocol.html").write_bytes(minimal.html)
    (tmp_path / "flowchart.svg").write_bytes(minimal.svg)
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto((tmp_path / "clinician-protocol.html").as_uri(), wait_until="load")
            assert page.evaluate("document.querySelector('img').naturalWidth") > 0  # the flowchart loads
            tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]})
            assert not results.response["violations"], results.generate_report()
            assert {Path(r.split("?")[0]).name for r in requests} == {"clinician-protocol.html", "flowchart.svg"}
        finally:
            browser.close()


# --------------------------------------------------------------------------- PDF internals


def test_every_marked_content_id_is_reached_from_the_structure_tree(minimal):
    ids, found, artifacts = marked_content_reachability(minimal.pdf)
    assert ids > 100 and found == ids
    # running header, footer and draft mark are pagination artifacts: at least four per page
    pages = len(PdfReader(io.BytesIO(minimal.pdf)).pages)
    assert artifacts >= 4 * pages


def test_pdf_document_information(minimal):
    info = PdfReader(io.BytesIO(minimal.pdf)).metadata
    assert info["/Title"].startswith("Local treatment of oligoprogression on targeted therapy (test fixture)")
    assert info["/Author"] == "Guideline committee: Thoracic oncology, Radiation oncology"  # no names yet
    assert info["/Subject"] and "clinical guideline" in info["/Keywords"]
    assert "C78.0" in info["/Keywords"]


def test_vignettes_are_worked_examples_with_the_route_the_check_walks():
    """The worked examples come from the same graph as the step list: each route's step numbers are
    the steps the vignette's walk passes, ending at its expected end."""
    import re

    from generator.content.loader import load_guideline
    from generator.content.pathway import Pathway
    from generator.render import protocol

    folder = Path(__file__).parent / "fixtures" / "valid" / "pathway"
    g = load_guideline(folder).guideline
    view = protocol.view(g)
    html = protocol.render(view, {}).decode("utf-8")
    graph = Pathway.of(g)
    assert 'id="worked-examples"' in html
    for v in g.vignettes:
        block = html.split(f'id="example-{v.id}"', 1)[1].split('class="worked-example"', 1)[0]
        steps = [int(n) for n in re.findall(r'href="#step-(\d+)"', block)]
        assert steps == [graph.by_id[n].number for n in graph.walk(v.features).route]
        assert steps[-1] == graph.by_id[v.end].number
    assert "ECOG performance status? <strong>3</strong>" in html  # a score has no unit
    assert re.search(r"lesions are progressing\? <strong>\d+ lesions</strong>", html)  # a count prints its unit
