"""The FHIR export carries the patient explainer's translations where FHIR has a place for them."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from fhir.resources.bundle import Bundle

from tests.conftest import FIXTURES

EXT = "http://hl7.org/fhir/StructureDefinition/translation"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def export(cli, folder: Path) -> dict:
    result = cli("export", "fhir", str(folder), "--out", "out")
    assert result.exit_code == 0, result.output
    data = json.loads((cli.cwd / "out" / folder.name / "fhir-bundle.json").read_text(encoding="utf-8"))
    Bundle.model_validate(data)  # the independent FHIR R5 models accept the extensions and narratives
    return data


def patient_section(bundle: dict) -> dict:
    composition = bundle["entry"][0]["resource"]
    return next(s for s in composition["section"] if s["id"] == "extra.patient-information")


def translations(element: dict) -> dict[str, str]:
    out = {}
    for ext in element.get("extension", []):
        assert ext["url"] == EXT
        parts = {e["url"]: e for e in ext["extension"]}
        out[parts["lang"]["valueCode"]] = parts["content"]["valueString"]
    return out


def languages_of(narrative: dict) -> dict[str, str]:
    root = ET.fromstring(narrative["div"])
    return {div.get("lang"): "".join(div.itertext()) for div in root.findall(f"{XHTML}div")}


def test_titles_carry_the_translation_extension_and_narratives_one_div_per_language(tmp_path, cli):
    folder = tmp_path / "translated"
    shutil.copytree(FIXTURES / "valid" / "translated", folder)
    section = patient_section(export(cli, folder))
    assert translations(section["_title"]) == {"es": "Tratar unos pocos puntos que crecen mientras sigue tomando sus tabletas"}
    treatment = next(s for s in section["section"] if s["id"] == "patient.treatment")
    assert translations(treatment["_title"]) == {"es": "Lo que sugiere el equipo"}
    texts = languages_of(treatment["text"])
    assert list(texts) == ["en", "es"]
    assert "Your team may suggest" in texts["en"] and "Su equipo puede sugerir" in texts["es"]
    root = ET.fromstring(treatment["text"]["div"])
    assert [d.get(XML_LANG) for d in root.findall(f"{XHTML}div")] == ["en", "es"]


def test_a_fuzzy_translation_is_not_exported(tmp_path, cli):
    folder = tmp_path / "translated"
    shutil.copytree(FIXTURES / "valid" / "translated", folder)
    po = folder / "translations" / "es.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(
        text.replace('msgctxt "statement:rec-local-therapy:patient.text"', '#, fuzzy\nmsgctxt "statement:rec-local-therapy:patient.text"')
        .replace('msgctxt "patient-section:treatment:title"', '#, fuzzy\nmsgctxt "patient-section:treatment:title"'),
        encoding="utf-8",
    )
    section = patient_section(export(cli, folder))
    treatment = next(s for s in section["section"] if s["id"] == "patient.treatment")
    assert "_title" not in treatment
    assert list(languages_of(treatment["text"])) == ["en"]  # never half or stale translated
    assert list(languages_of(next(s for s in section["section"] if s["id"] == "patient.what-is-happening")["text"])) == ["en", "es"]


def test_a_right_to_left_narrative_says_so(tmp_path, cli):
    folder = tmp_path / "hebrew"
    shutil.copytree(FIXTURES / "valid" / "hebrew", folder)
    section = patient_section(export(cli, folder))
    root = ET.fromstring(section["section"][0]["text"]["div"])
    he = [d for d in root.findall(f"{XHTML}div") if d.get("lang") == "he"]
    assert he and he[0].get("dir") == "rtl"
