"""The patient explainer: what it shows, where each paragraph comes from, and that it stands alone."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
import tinyhtml5

from generator.content import doi
from generator.content.loader import load_guideline
from generator.render import patient, patient_pdf

FIXTURES = Path(__file__).parent / "fixtures" / "valid"
EXPLAINER = FIXTURES / "patient-explainer"
REAL = sorted(p for p in (Path(__file__).parents[1] / "content").glob("*/") if (p / "guideline.yaml").is_file())
X = "{http://www.w3.org/1999/xhtml}"


def build(folder: Path):
    result = load_guideline(folder)
    assert not [d for d in result.diagnostics if d.is_error], [d.format_text() for d in result.diagnostics]
    g = result.guideline
    v = patient.view(g)
    json.dumps(v)  # the build engine hashes the view: it must be JSON
    html = patient.render(v, {}).decode("utf-8")
    return g, v, html, tinyhtml5.parse(html)


@pytest.fixture
def explainer(tmp_path):
    target = tmp_path / "patient-explainer"
    shutil.copytree(EXPLAINER, target)
    return target


def edit(path: Path, old: str, new: str):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def text_of(el) -> str:
    return " ".join("".join(el.itertext()).split())


def by_class(root, tag: str, cls: str):
    return [e for e in root.iter(X + tag) if cls in e.get("class", "").split()]


# --------------------------------------------------------------------------- content and order


def test_sections_follow_guideline_order_and_statement_order():
    g, v, html, root = build(EXPLAINER)
    headings = [text_of(h) for h in root.iter(X + "h2")]
    assert headings == [
        "In this leaflet",
        *[s.title for s in g.meta.patient.sections],
        "Questions to ask your care team",
        "Your care team",
        "What the words mean",
        "Where this information comes from",
    ]
    paras = [p.get("data-statements").split()[0] for p in by_class(root, "div", "para")]
    expected = [s.id for sec in g.meta.patient.sections for s in g.statements if s.patient and s.patient.section == sec.id]
    assert paras == expected


def test_patient_text_is_shown_and_clinician_text_is_not():
    g, v, html, root = build(EXPLAINER)
    page = text_of(root)
    view_json = json.dumps(v)
    for s in g.statements:
        clinician = " ".join(s.text.split())
        assert clinician[:40] not in page and clinician[:40] not in view_json, s.id
        if s.patient:
            first_sentence = " ".join(s.patient.text.split()).split(".")[0].replace("**", "")
            assert first_sentence in page, s.id
    for q in g.meta.patient.questions:
        assert q.text in page
    assert "<strong>keep taking\nthem</strong>" in html  # patient text is Markdown


def test_clinician_edit_leaves_the_view_unchanged_and_patient_edit_changes_it(explainer):
    before = build(explainer)[1]
    edit(explainer / "statements.yaml", "text: Continue the same TKI after local therapy.", "text: Continue the same TKI after any local therapy.")
    edit(explainer / "statements.yaml", "participants: 65 screened; 25 received local therapy", "participants: 65 screened; 24 received local therapy")
    assert build(explainer)[1] == before
    edit(explainer / "statements.yaml", "Serious side effects are rare.", "Serious side effects are not common.")
    after = build(explainer)[1]
    assert after != before and "not common" in json.dumps(after)


def test_glossary_lists_only_the_terms_used_in_alphabetical_order(explainer):
    edit(
        explainer / "guideline.yaml",
        "    - term: scan\n",
        "    - term: biopsy\n      definition: Taking a small piece of tissue to look at.\n    - term: scan\n",
    )
    _, v, _, root = build(explainer)
    terms = [text_of(dt) for dt in by_class(root, "dl", "glossary")[0].iter(X + "dt")]
    assert terms == ["Oligoprogression", "Scan", "Stereotactic radiation", "Targeted tablets"]
    assert "biopsy" not in json.dumps(v)


def test_draft_says_so_at_the_top_and_published_does_not():
    _, _, _, draft = build(FIXTURES / "minimal")
    header = next(draft.iter(X + "header"))
    notice = by_class(header, "p", "notice")
    assert notice and "Draft" in text_of(notice[0]) and "not been checked and approved" in text_of(notice[0])
    _, _, _, published = build(EXPLAINER)
    assert not by_class(published, "p", "notice")


# --------------------------------------------------------------------------- traceability


def test_every_paragraph_traces_to_statements_that_carry_citations():
    g, v, html, root = build(EXPLAINER)
    statements = g.statements_by_id
    main = next(root.iter(X + "main"))
    traced = [e for e in main.iter() if e.get("data-statements") is not None]
    key_points = sum(len(sec.key_points) for sec in g.meta.patient.sections)
    assert len(traced) == sum(1 for s in g.statements if s.patient) + len(g.meta.patient.questions) + key_points
    for el in traced:
        ids = el.get("data-statements").split()
        assert ids
        for sid in ids:
            assert sid in statements and statements[sid].citations, sid
    # every paragraph of the topic sections sits inside a traced block
    for section in by_class(main, "section", "topic"):
        for block in section:
            if block.tag != X + "h2" and not {"section-sources", "key-points"} & set(block.get("class", "").split()):
                assert block.get("data-statements"), text_of(block)


def test_each_section_names_the_sources_of_exactly_its_statements_and_the_text_has_no_marks():
    """Published patient guides carry no citation marks in the text: each section (and the questions)
    ends with one line naming the research its statements cite, which links to the list at the end."""
    g, v, html, root = build(EXPLAINER)
    statements = g.statements_by_id
    refs = g.references_by_id
    sources = {li.get("id"): li for li in root.iter(X + "li") if (li.get("id") or "").startswith("source-")}
    number_to_key = {}
    for li in sources.values():
        link = next(li.iter(X + "a"))
        key = next(k for k, r in refs.items() if doi.url(r.DOI) == link.get("href"))
        number_to_key[li.get("id")] = key
    main = next(root.iter(X + "main"))
    parts = [*by_class(main, "section", "topic"), next(e for e in main.iter(X + "section") if e.get("id") == "questions")]
    for part in parts:
        traced = [e for e in part.iter() if e.get("data-statements")]
        assert traced
        cited = {c.key for el in traced for sid in el.get("data-statements").split() for c in statements[sid].citations}
        for el in traced:  # no marks inside the text
            assert not list(el.iter(X + "sup")) and not [a for a in el.iter(X + "a") if a.get("href", "").startswith("#source-")]
        line = by_class(part, "p", "section-sources")
        assert len(line) == 1 and text_of(line[0]).startswith("Based on research")
        targets = [a.get("href").lstrip("#") for a in line[0].iter(X + "a")]
        assert all(t in sources for t in targets)
        assert {number_to_key[t] for t in targets} == cited
    # the list holds only sources some paragraph or question rests on, each with its DOI link
    used = {c.key for s in g.statements if s.patient for sid in [s.id, *s.patient.also_based_on] for c in statements[sid].citations}
    used |= {c.key for q in g.meta.patient.questions for sid in q.statements for c in statements[sid].citations}
    assert set(number_to_key.values()) == used


@pytest.mark.parametrize("folder", [EXPLAINER, *REAL], ids=lambda p: p.name)
def test_a_work_has_the_same_number_in_the_leaflet_and_the_protocol(folder):
    """One numbering: the explainer lists a subset of the protocol's references under their protocol numbers."""
    from generator.render.citations import reference_numbers

    g, v, html, root = build(folder)
    protocol = reference_numbers(g)
    listed = {li.get("id"): li for li in root.iter(X + "li") if (li.get("id") or "").startswith("source-")}
    assert listed
    for source in v["sources"]:
        assert source["number"] == protocol[source["id"]]
        assert listed[f"source-{source['number']}"].get("value") == str(protocol[source["id"]])


def test_plain_source_entries_and_caution_marking():
    g, v, html, root = build(EXPLAINER)
    entries = {li.get("id"): li for li in root.iter(X + "li") if (li.get("id") or "").startswith("source-")}
    texts = [re.sub(r"^\d+\. ", "", text_of(li)) for li in entries.values()]
    assert any(t.startswith("Weickhardt and colleagues. Journal of Thoracic Oncology, 2012.") for t in texts)
    assert any(t.startswith("“Local therapy with continued EGFR") for t in texts)  # no author: the title
    caution = [li for li in entries.values() if "caution" in li.get("class", "")]
    assert len(caution) == 1
    # the plain wording from patient_caution, never the clinician's caution
    assert "Please note: The journal has printed a correction to this study." in text_of(caution[0])
    assert "A correction to this article was published" not in html
    assert "doi.org/10.1016/s1470-2045(16)30532-0" in text_of(caution[0])


# --------------------------------------------------------------------------- a page that stands alone


def test_page_is_self_contained_and_accessible_by_structure():
    g, v, html, root = build(EXPLAINER)
    assert root.get("lang") == "en-GB"
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    assert not re.search(r"\bsrc\s*=", html)
    assert "url(" not in html
    external = {a.get("href") for a in root.iter(X + "a") if not a.get("href", "").startswith("#")}
    assert external == {doi.url(r.DOI) for r in g.references if r.id in {"weickhardt2012", "yu2013", "gomez2016"}}
    for landmark in ("header", "nav", "main", "footer"):
        assert len(list(root.iter(X + landmark))) == 1, landmark
    levels = [int(e.tag[-1]) for e in root.iter() if re.fullmatch(re.escape(X) + "h[1-6]", str(e.tag))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    for a in root.iter(X + "a"):
        if a.get("href").startswith("#"):
            assert a.get("href")[1:] in ids


def test_hostile_patient_text_stays_text(explainer):
    edit(explainer / "statements.yaml", "Serious side effects are rare.", "Serious side effects are rare. <script>alert(1)</script> {{ 7*7 }} [x](javascript:alert(1))")
    g = load_guideline(explainer).guideline
    html = patient.render(patient.view(g), {}).decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "{{ 7*7 }}" in html
    assert 'href="javascript' not in html


# --------------------------------------------------------------------------- PDF


@pytest.mark.slow
def test_pdf_is_tagged_with_language_a4_and_readable_size():
    from pypdf import PdfReader

    g, v, html, root = build(EXPLAINER)
    pdf = patient_pdf.render(patient_pdf.view(g), {"patient-explainer-html": html.encode()})
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert reader.metadata.title == g.meta.patient.title
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    sizes: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(abs(size * tm[3] * cm[3]) if tm[3] and cm[3] else size)

    full = ""
    for page in reader.pages:
        full += page.extract_text(visitor_text=visit) + "\n"
    flat = " ".join(full.split())
    assert "Sometimes cancer grows in only a few spots" in flat
    assert "Where this information comes from" in flat
    body = sorted(sizes)[len(sizes) // 2]  # the median run of text: body copy
    assert body >= 12, sizes


# --------------------------------------------------------------------------- key points, care team, icon array


def test_each_section_opens_with_its_key_points_traced_to_its_statements():
    g, v, html, root = build(EXPLAINER)
    topics = {s.get("id"): s for s in by_class(next(root.iter(X + "main")), "section", "topic")}
    for section in g.meta.patient.sections:
        boxes = by_class(topics[section.id], "div", "key-points") if section.id in topics else []
        if not section.key_points:
            assert not boxes
            continue
        assert len(boxes) == 1 and list(topics[section.id]).index(boxes[0]) == 1  # right under the heading
        items = list(boxes[0].iter(X + "li"))
        assert [text_of(li) for li in items] == [k.text for k in section.key_points]
        assert [li.get("data-statements").split() for li in items] == [k.statements for k in section.key_points]
    assert sum(1 for s in g.meta.patient.sections if s.key_points) == 2


def test_care_team_contacts_with_lines_to_write_in():
    g, v, html, root = build(EXPLAINER)
    block = next(e for e in root.iter(X + "section") if e.get("id") == "care-team")
    contacts = by_class(block, "div", "contact")
    assert [text_of(next(c.iter(X + "dt"))) for c in contacts] == ["Your specialist nurse", "Evenings, nights and weekends"]
    assert "Phone: 0100 000 0000" in text_of(contacts[0]) and "Monday to Friday, 9 am to 5 pm" in text_of(contacts[0])
    assert not by_class(contacts[0], "dd", "write-in")
    assert len(by_class(contacts[1], "dd", "write-in")) == 2  # name and phone, blank lines
    assert "write in the names and numbers" in text_of(block)
    assert any(a.get("href") == "#care-team" for a in next(root.iter(X + "nav")).iter(X + "a"))


def test_without_a_care_team_the_leaflet_prints_a_placeholder_that_check_refuses_strictly(explainer):
    from generator.check.run import CheckContext, finalize, run_rules

    text = (explainer / "guideline.yaml").read_text(encoding="utf-8")
    start = text.index("  care_team:\n")
    end = text.index("  sections:\n")
    (explainer / "guideline.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    g = load_guideline(explainer).guideline
    html = patient.render(patient.view(g), {}).decode()
    block = next(e for e in tinyhtml5.parse(html).iter(X + "section") if e.get("id") == "care-team")
    assert "To be completed" in text_of(block) and not by_class(block, "div", "contact")
    strict = finalize(run_rules(g, CheckContext(strict=True)), strict=True)
    [diag] = [d for d in strict if d.code == "care-team-placeholder"]
    assert diag.is_error and diag.location.path.endswith("guideline.yaml") and diag.location.line


def test_icon_array_pictures_the_number_the_text_states_with_alt_text():
    folder = next(p for p in REAL if p.name == "oligoprogression-egfr-nsclc")
    g, v, html, root = build(folder)
    [figure] = list(root.iter(X + "figure"))
    para = next(e for e in root.iter() if e.get("data-statements") and figure in list(e.iter(X + "figure")))
    statement = g.statements_by_id[para.get("data-statements").split()[0]]
    stated = " ".join(statement.patient.text.split())
    svgs = list(figure.iter("{http://www.w3.org/2000/svg}svg"))
    assert len(svgs) == len(statement.patient.icon_array.groups) == 2
    for svg, group in zip(svgs, statement.patient.icon_array.groups):
        assert svg.get("role") == "img"
        alt = svg.get("aria-label")
        assert alt.startswith(f"{group.label}: {group.count} in 100 ") and f"{group.count} in 100" in stated
        icons = list(svg.iter("{http://www.w3.org/2000/svg}g"))
        assert len(icons) == 100
        assert sum(1 for i in icons if i.get("fill") == "#0a4f9e") == group.count
    caption = next(figure.iter(X + "figcaption"))
    assert "100 people" in text_of(caption) and "one study" in text_of(caption)


@pytest.mark.slow
def test_pdf_document_information_dates_and_artifacts():
    """Item 5 for the leaflet: Title, Author, Subject, Keywords and dates from the guideline; the
    running header (Draft) and page footer are pagination artifacts; every marked-content id is
    reached from the structure tree."""
    from pypdf import PdfReader

    from tests.render_kit import marked_content_reachability

    g, v, html, root = build(FIXTURES / "minimal")  # a draft: "Draft" at the top of every page
    pdf = patient_pdf.render(patient_pdf.view(g), {"patient-explainer-html": html.encode()})
    reader = PdfReader(io.BytesIO(pdf))
    info = reader.metadata
    assert info["/Title"] == g.meta.patient.title
    assert info["/Author"].startswith("Guideline committee: ")
    assert info["/Subject"] == f"Information for patients and families: {g.meta.patient.title}"
    assert info["/Keywords"].startswith("patient information")
    newest = max(e.date for e in g.meta.changelog).strftime("%Y%m%d")
    assert info["/CreationDate"].startswith(f"D:{newest}") and info["/ModDate"].startswith(f"D:{newest}")
    ids, found, artifacts = marked_content_reachability(pdf)
    assert ids > 20 and found == ids
    assert artifacts >= 2 * len(reader.pages)  # the draft mark and the page number on every page


@pytest.mark.parametrize("folder", [EXPLAINER, *REAL], ids=lambda p: p.name)
def test_the_rendered_leaflet_and_protocol_give_each_work_one_number(folder):
    """Read from both pages: every work the leaflet lists carries the number the protocol's reference
    list gives the same DOI."""
    from tests.render_kit import render_all

    g, v, html, root = build(folder)
    protocol = render_all(g, pdf=False).html.decode("utf-8")

    def numbers(page: str, prefix: str) -> dict[str, int]:
        out = {}
        for number, block in re.findall(rf'<li id="{prefix}-(\d+)"[^>]*>(.*?)</li>', page, flags=re.S):
            dois = re.findall(r'href="(https://doi\.org/[^"]+)"', block)
            assert dois, block[:200]
            out[dois[0]] = int(number)
        return out

    leaflet, clinician = numbers(html, "source"), numbers(protocol, "ref")
    assert leaflet and all(clinician[url] == n for url, n in leaflet.items())


@pytest.mark.parametrize("folder", [EXPLAINER, *REAL], ids=lambda p: p.name)
def test_the_printed_leaflet_numbers_each_source_as_the_protocol_does(folder):
    """Read from the PDF a reader holds: the source list prints each work's protocol number (1, 2, 3, 5,
    ...), not the list's own count (a PDF renderer ignores <li value>, so the list once printed 1, 2, 3, 4
    and the fourth entry was the protocol's fifth work)."""
    from tests.render_kit import pdf_text

    g, v, html, root = build(folder)
    pdf = patient_pdf.render(patient_pdf.view(g), {"patient-explainer-html": html.encode("utf-8")})
    heading = text_of(next(s for s in root.iter(X + "section") if s.get("id") == "sources").find(X + "h2"))
    text = pdf_text(pdf)
    listed = text[text.rindex(heading) :].replace("\f", "\n")
    printed = [int(n) for n in re.findall(r"^\s*(\d{1,3})\.\s", listed, flags=re.M)]
    assert printed == [source["number"] for source in v["sources"]]


def test_a_truncated_author_list_is_never_read_as_the_whole_team(explainer):
    """A record holding two authors (or one) but marked authors_truncated is 'Name and colleagues' in the
    leaflet, as the protocol prints 'et al.'."""
    g, v, html, root = build(explainer)
    (gomez,) = [s for s in v["sources"] if s["id"] == "gomez2016"]
    assert gomez["who"] == {"names": ["Gomez", "Blumenschein"], "colleagues": False}
    assert "Gomez and Blumenschein. The Lancet Oncology, 2016." in text_of(root)
    edit(explainer / "references.yaml", "  - id: gomez2016\n", "  - id: gomez2016\n    authors_truncated: true\n")
    g, v, html, root = build(explainer)
    (gomez,) = [s for s in v["sources"] if s["id"] == "gomez2016"]
    assert gomez["who"] == {"names": ["Gomez"], "colleagues": True}
    assert "Gomez and colleagues. The Lancet Oncology, 2016." in text_of(root)
