"""The built translations: patient-explainer.<lang>.html and .pdf, their language, switcher, notices and dates."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.render_kit import pdf_text

pytestmark = pytest.mark.slow


@pytest.fixture
def translated(tmp_path: Path) -> Path:
    target = tmp_path / "content" / "translated"
    shutil.copytree(FIXTURES / "valid" / "translated", target)
    return target


def build(cli, folder: Path, *args: str):
    return cli("build", str(folder), "--out", "out", "-j", "1", *args, env={"GUIDELINE_NO_CACHE": "1"})


def test_each_language_gets_its_html_and_pdf_with_lang_switcher_draft_notice_and_dates(translated, cli):
    result = build(cli, translated)
    assert result.exit_code == 0, result.output
    out = cli.cwd / "out" / "translated"
    es = (out / "patient-explainer.es.html").read_text(encoding="utf-8")
    en = (out / "patient-explainer.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="es">', es) and re.search(r'<html lang="en">', en)
    # the switcher links each version to the other, each language named in itself
    assert '<a href="patient-explainer.es.html" hreflang="es" lang="es">Español</a>' in en
    assert '<a href="patient-explainer.html" hreflang="en" lang="en">English</a>' in es
    # the translation's text, never the source's, where it is current
    assert "Su equipo puede sugerir tratar cada punto que crece con radiación dirigida." in es
    assert "Your team may suggest" not in es
    # a draft translation says so, in Spanish and in English
    assert "Traducción provisional" in es and "awaiting review by a medical translator" in es
    assert "Traducción provisional" not in en
    # dates in the reader's language (Babel, CLDR)
    assert "1 de enero de 2026" in es and "1 January 2026" in en
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["outputs"]["patient-explainer-html"]["files"]) == ["patient-explainer.es.html"]
    assert list(manifest["outputs"]["patient-explainer-pdf"]["files"]) == ["patient-explainer.es.pdf"]

    pdf = pdf_text((out / "patient-explainer.es.pdf").read_bytes())
    assert "Traducción provisional" in pdf
    assert "radiación dirigida" in pdf
    from pypdf import PdfReader

    reader = PdfReader(out / "patient-explainer.es.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "es"
    links = [a["/A"].get("/URI") for page in reader.pages for a in (o.get_object() for o in page.get("/Annots", [])) if "/A" in a]
    assert "patient-explainer.pdf" in links  # the PDF's switcher points at the other PDF
    # the PDF's Author: the guideline names only roles, so it is the committee, in the reader's language
    assert reader.metadata.author == "Comité de la guía: Oncología torácica, Oncología radioterápica"
    assert PdfReader(out / "patient-explainer.pdf").metadata.author == "Guideline committee: Thoracic oncology, Radiation oncology"


def test_a_fuzzy_entry_is_shown_in_the_source_language_marked_and_refused_by_strict(translated, cli):
    po = translated / "translations" / "es.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgctxt "question:1:text"', '#, fuzzy\nmsgctxt "question:1:text"'), encoding="utf-8")
    strict = build(cli, translated, "--strict")
    assert strict.exit_code == 1 and "error[translation-fuzzy]" in strict.output
    assert not (cli.cwd / "out" / "translated" / "patient-explainer.es.html").exists()

    result = build(cli, translated)
    assert result.exit_code == 0, result.output
    es = (cli.cwd / "out" / "translated" / "patient-explainer.es.html").read_text(encoding="utf-8")
    assert "¿Se pueden tratar todos los puntos que crecen?" not in es  # a fuzzy translation is never shown as current
    assert "Can all of the growing spots be treated?" in es
    assert "Algunas partes de este folleto aún no están traducidas" in es


def test_removing_a_translation_removes_its_files(translated, cli):
    assert build(cli, translated).exit_code == 0
    (translated / "translations" / "es.po").unlink()
    assert build(cli, translated).exit_code == 0
    out = cli.cwd / "out" / "translated"
    assert not (out / "patient-explainer.es.html").exists() and not (out / "patient-explainer.es.pdf").exists()
    assert "hreflang" not in (out / "patient-explainer.html").read_text(encoding="utf-8")  # no switcher with one language


def test_the_grading_system_s_sentence_is_translated(translated, cli):
    assert build(cli, translated, "--html-only").exit_code == 0
    es = (cli.cwd / "out" / "translated" / "patient-explainer.es.html").read_text(encoding="utf-8")
    assert "Es una opción. Puede ser adecuada para usted o no." in es
    assert "This is an option." not in es


def test_the_template_s_own_words_are_translated(translated, cli):
    """Headings, notices, the sources line and the footer are template strings (msgctxt "template"): a
    Spanish reader meets no English words of the leaflet's frame, and the footer's dates sit in the
    translated sentence."""
    assert build(cli, translated, "--html-only").exit_code == 0
    es = (cli.cwd / "out" / "translated" / "patient-explainer.es.html").read_text(encoding="utf-8")
    en = (cli.cwd / "out" / "translated" / "patient-explainer.html").read_text(encoding="utf-8")
    for english, spanish in [
        ("Information for patients and families", "Información para pacientes y familias"),
        ("In this leaflet", "En este folleto"),
        ("Where this information comes from", "De dónde viene esta información"),
        ("Based on research", "Basado en los estudios"),
        ("This leaflet is based on a guideline for doctors", "Este folleto se basa en una guía para médicos"),
        ("If you have questions about your care", "Si tiene preguntas sobre su atención"),
    ]:
        assert english in en and english not in es, english
        assert spanish in es and spanish not in en, spanish
    assert re.search(r"Versión 1\.1\.0 \(borrador\)\. En uso desde el 1 de enero de 2026\.", es)
    assert re.search(r"Version 1\.1\.0 \(draft\)\. In use from 1 January 2026\.", en)


def _sources_text(html: str) -> str:
    """The text of the source list (#sources), as a reader sees it (tags removed, spaces collapsed)."""
    import tinyhtml5

    root = tinyhtml5.parse(html)
    section = next(e for e in root.iter("{http://www.w3.org/1999/xhtml}section") if e.get("id") == "sources")
    return " ".join("".join(section.itertext()).split())


def test_the_source_list_names_the_authors_in_the_translation_s_words(translated, cli):
    """'Weickhardt and Scheier' is a template sentence with the names in it: the Spanish list says 'y'."""
    assert build(cli, translated, "--html-only").exit_code == 0
    out = cli.cwd / "out" / "translated"
    es = _sources_text((out / "patient-explainer.es.html").read_text(encoding="utf-8"))
    en = _sources_text((out / "patient-explainer.html").read_text(encoding="utf-8"))
    assert "1. Weickhardt y Scheier. Journal of Thoracic Oncology, 2012." in es
    assert "1. Weickhardt and Scheier. Journal of Thoracic Oncology, 2012." in en
    assert " and " not in es


def test_the_real_spanish_explainer_says_y_colaboradores_and_names_its_committee_in_spanish():
    """The real guideline's Spanish explainer, HTML and PDF: every work with more authors than two (or a
    truncated list) is '<name> y colaboradores', never 'and colleagues'; the PDF's Author is Spanish."""
    from pypdf import PdfReader

    from generator.content.loader import load_guideline
    from generator.render import patient_translations
    from generator.render.pdf import render_pdf

    root = Path(__file__).resolve().parents[1] / "content" / "oligoprogression-egfr-nsclc"
    g = load_guideline(root).guideline
    files = patient_translations.render(patient_translations.view(g), {})
    es_html = files["patient-explainer.es.html"].decode("utf-8")
    listed = _sources_text(es_html)
    assert "y colaboradores" in listed
    assert "and colleagues" not in listed and "colleagues" not in es_html
    assert "and colleagues" in _sources_text(files["patient-explainer.html"].decode("utf-8"))

    pdf = render_pdf(files["patient-explainer.es.html"])
    text = pdf_text(pdf)
    assert "y colaboradores" in text and "colleagues" not in text
    author = PdfReader(io.BytesIO(pdf)).metadata.author
    assert author == (
        "Comité de la guía: Oncología torácica (médica), Oncología radioterápica, Cirugía torácica, Radiología intervencionista, "
        "Anatomía patológica y patología molecular, Farmacia oncológica, Representante de pacientes"
    )
