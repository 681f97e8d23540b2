"""Related guidelines link to each other, and the published site index lists every guideline with
its status, version and a link to each of its documents."""

from __future__ import annotations

import re

from generator.render import site_index
from tests.build_helpers import edit, make_library


def _related_pair(tmp_path):
    content = tmp_path / "content"
    first, second = make_library(content, 2)
    edit(first / "guideline.yaml", "grading: esmo\n",
         "grading: esmo\nrelated:\n  - {guideline: g-01, relation: For synchronous disease at diagnosis see}\n")
    edit(second / "guideline.yaml", "grading: esmo\n",
         "grading: esmo\nrelated:\n  - {guideline: g-00, relation: For oligoprogression on a TKI see}\n")
    return content, first, second


def test_each_protocol_links_to_the_other(tmp_path, cli):
    content, first, second = _related_pair(tmp_path)
    result = cli("check", "--strict", str(content))
    assert result.exit_code == 0, result.output
    result = cli("build", "--html-only", "--out", str(tmp_path / "build"), str(content))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "build" / "g-00" / "clinician-protocol.html").read_text()
    related = page[page.index('id="related"'):]
    related = related[: related.index("</dd>")]
    assert "For synchronous disease at diagnosis see <cite>(g-01) Local treatment" in related
    assert '<a href="../g-01/clinician-protocol.html">clinician protocol</a>' in related
    assert '<a href="../g-01/patient-explainer.html">patient explainer</a>' in related
    assert "version 1.1.0, draft" in related
    back = (tmp_path / "build" / "g-01" / "clinician-protocol.html").read_text()
    assert '<a href="../g-00/clinician-protocol.html">clinician protocol</a>' in back


def test_a_new_title_of_the_related_guideline_rebuilds_the_protocol(tmp_path, cli):
    content, first, second = _related_pair(tmp_path)
    out = tmp_path / "build"
    assert cli("build", "--html-only", "--out", str(out), str(content)).exit_code == 0
    edit(second / "guideline.yaml", "title: (g-01) Local treatment", "title: (g-01) Renamed local treatment")
    result = cli("build", "--html-only", "--out", str(out), str(content))
    assert result.exit_code == 0, result.output
    assert "<cite>(g-01) Renamed local treatment" in (out / "g-00" / "clinician-protocol.html").read_text()


def test_a_one_way_link_is_reported(tmp_path, cli):
    content, first, second = _related_pair(tmp_path)
    edit(second / "guideline.yaml", "related:\n  - {guideline: g-00, relation: For oligoprogression on a TKI see}\n", "")
    result = cli("check", str(content))
    assert "content/g-00/guideline.yaml:" in result.output and "warning[related-one-way]" in result.output
    assert cli("check", "--strict", str(content)).exit_code == 1


def test_the_site_index_lists_status_version_and_every_document(tmp_path, cli):
    content, first, second = _related_pair(tmp_path)
    out = tmp_path / "build"
    assert cli("build", "--html-only", "--out", str(out), str(content)).exit_code == 0
    page = site_index.render_index(site_index.collect(out))
    for gid in ("g-00", "g-01"):
        section = page[page.index(f'<section id="{gid}">'):]
        section = section[: section.index("</section>")]
        assert f"<h2>({gid}) Local treatment" in section  # the guideline's title, not the page's
        assert "version 1.1.0 · Draft" in section
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', section)
        assert links[0] == (f"{gid}/clinician-protocol.html", "Clinician protocol (HTML)")  # no PDF: --html-only
        assert (f"{gid}/patient-explainer.html", "Patient explainer (HTML)") in links
        assert (f"{gid}/flowchart.svg", "Treatment algorithm, whole drawing (SVG)") in links
        built = {p.name for p in (out / gid).iterdir() if p.name != "manifest.json"}
        assert {href.split("/", 1)[1] for href, _ in links} == built


def test_the_site_index_names_a_translated_explainer_by_its_language():
    docs = [site_index.Document(n, 0) for n in ("flowchart.svg", "patient-explainer.es.pdf", "patient-explainer.html", "patient-explainer.es.html")]
    assert [d.label for d in sorted(docs, key=lambda d: d.order)] == [
        "Patient explainer (HTML)", "Patient explainer, es translation (HTML)", "Patient explainer, es translation (PDF)",
        "Treatment algorithm, whole drawing (SVG)",
    ]  # fmt: skip
