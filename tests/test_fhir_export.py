"""`guideline export fhir`: the bundle parses as FHIR R5, carries every statement and reference, and is stable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources import __fhir_version__
from fhir.resources.bundle import Bundle

from generator.export.fhir import (
    CS_ESMO_GRADE,
    CS_ESMO_LEVEL,
    EXT_QUALITY,
    EXT_STRENGTH,
    HL7_EVIDENCE_QUALITY,
    HL7_RECOMMENDATION_STRENGTH,
    fhir_id,
)
from generator.content.doi import normalise
from generator.content.loader import load_guideline


def values_of(node, key: str):
    """Every string value stored under `key`, anywhere in a JSON document."""
    if isinstance(node, dict):
        if isinstance(node.get(key), str):
            yield node[key]
        for value in node.values():
            yield from values_of(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from values_of(value, key)


def export(cli, folder: Path, env: dict | None = None) -> tuple[bytes, dict]:
    result = cli("export", "fhir", str(folder), "--out", "out", env=env)
    assert result.exit_code == 0, result.output
    path = cli.cwd / "out" / folder.name / "fhir-bundle.json"
    assert f"wrote out/{folder.name}/fhir-bundle.json" in result.output
    data = path.read_bytes()
    return data, json.loads(data)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def extension(action: dict, url: str) -> dict:
    return next(e["valueCodeableConcept"] for e in action.get("extension", []) if e["url"] == url)


def test_default_models_are_r5():
    assert __fhir_version__.startswith("5.")


def test_bundle_parses_as_fhir_r5_document(cli, minimal):
    data, bundle = export(cli, minimal)
    parsed = Bundle.model_validate_json(data)
    assert parsed.type == "document"
    assert parsed.entry[0].resource.get_resource_type() == "Composition"
    kinds = [e.resource.get_resource_type() for e in parsed.entry]
    assert kinds.count("Citation") == 2
    assert kinds.count("PlanDefinition") == 3  # the algorithm and the two recommendations
    full_urls = [e.fullUrl for e in parsed.entry]
    assert len(set(full_urls)) == len(full_urls)
    # every reference inside the document resolves to an entry of the bundle
    ids = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    refs = set(values_of(bundle, "reference"))
    assert refs and refs <= ids


def test_every_statement_appears_in_the_composition_in_section_order(cli, minimal):
    _, bundle = export(cli, minimal)
    composition = resources(bundle, "Composition")[0]
    assert composition["title"] == "Local treatment of oligoprogression on targeted therapy (test fixture)"
    assert composition["version"] == "1.1.0"
    assert composition["status"] == "preliminary"  # a draft guideline
    titles = [s["title"] for s in composition["section"]]
    assert titles[:3] == ["Definitions", "Treatment", "Evidence summary"]
    statement_ids = [
        sub["code"]["coding"][0]["code"] for s in composition["section"] if s["id"].startswith("section.") for sub in s.get("section", [])
    ]
    guideline = load_guideline(minimal).guideline
    assert statement_ids == [s.id for s in guideline.statements]
    treatment = next(s for s in composition["section"] if s["title"] == "Treatment")
    local = next(sub for sub in treatment["section"] if sub["id"] == "statement.rec-local-therapy")
    assert "<strong>may be considered</strong>" in local["text"]["div"]
    assert "Level IV, grade C" in local["text"]["div"]
    assert {"reference": "PlanDefinition/minimal-rec-rec-local-therapy", "display": "Local ablative therapy"} in local["entry"]
    assert any(e["reference"] == "Citation/minimal-ref-yu2013" for e in local["entry"])


def test_every_reference_is_a_citation_with_its_doi(cli, minimal):
    refs = minimal / "references.yaml"
    refs.write_text(refs.read_text().replace("    DOI: 10.1097/jto.0b013e3182745948", "    DOI: 10.1097/jto.0b013e3182745948\n    PMID: 23154552"))
    _, bundle = export(cli, minimal)
    citations = {c["id"]: c for c in resources(bundle, "Citation")}
    assert set(citations) == {"minimal-ref-weickhardt2012", "minimal-ref-yu2013"}
    w = citations["minimal-ref-weickhardt2012"]
    ids = {(i["system"], i["value"]) for i in w["citedArtifact"]["identifier"]}
    assert ("urn:ietf:rfc:3986", "https://doi.org/10.1097/jto.0b013e3182745948") in ids
    assert ("https://doi.org", "10.1097/jto.0b013e3182745948") in ids
    assert ("https://pubmed.ncbi.nlm.nih.gov", "23154552") in ids
    assert w["citedArtifact"]["title"][0]["text"].startswith("Local ablative therapy of oligoprogressive disease")
    assert not any(i["system"] == "https://pubmed.ncbi.nlm.nih.gov" for i in citations["minimal-ref-yu2013"]["citedArtifact"]["identifier"])
    # the reference list section lists every citation
    composition = resources(bundle, "Composition")[0]
    ref_section = next(s for s in composition["section"] if s["title"] == "References")
    assert sorted(e["reference"] for e in ref_section["entry"]) == ["Citation/minimal-ref-weickhardt2012", "Citation/minimal-ref-yu2013"]


def test_recommendation_carries_esmo_strength_and_level(cli, minimal):
    _, bundle = export(cli, minimal)
    plans = {p["id"]: p for p in resources(bundle, "PlanDefinition")}
    rec = plans["minimal-rec-rec-local-therapy"]
    assert rec["type"]["coding"][0]["code"] == "eca-rule"
    action = rec["action"][0]
    strength = extension(action, EXT_STRENGTH)["coding"][0]
    level = extension(action, EXT_QUALITY)["coding"][0]
    assert (strength["system"], strength["code"]) == (CS_ESMO_GRADE, "C")
    assert (level["system"], level["code"]) == (CS_ESMO_LEVEL, "IV")
    cited = [d["resourceReference"]["reference"] for d in action["documentation"]]
    assert cited == ["Citation/minimal-ref-weickhardt2012", "Citation/minimal-ref-yu2013"]
    assert "locator: abstract" in action["documentation"][0]["citation"]


def test_grade_guideline_maps_to_hl7_codes(cli, minimal):
    meta = minimal / "guideline.yaml"
    meta.write_text(meta.read_text().replace("grading: esmo", "grading: grade"))
    statements = minimal / "statements.yaml"
    text = statements.read_text().replace("grade: {level: IV, strength: C}", "grade: {level: low, strength: conditional-for}", 1)
    statements.write_text(text.replace("grade: {level: IV, strength: C}", "grade: {level: very-low, strength: strong-against}"))
    _, bundle = export(cli, minimal)
    plans = {p["id"]: p for p in resources(bundle, "PlanDefinition")}
    action = plans["minimal-rec-rec-local-therapy"]["action"][0]
    assert {"system": HL7_EVIDENCE_QUALITY, "code": "low"}.items() <= extension(action, EXT_QUALITY)["coding"][0].items()
    strength_codes = {(c["system"], c["code"]) for c in extension(action, EXT_STRENGTH)["coding"]}
    assert (HL7_RECOMMENDATION_STRENGTH, "weak") in strength_codes
    other = plans["minimal-rec-rec-continue-tki"]["action"][0]
    assert extension(other, EXT_QUALITY)["coding"][0]["code"] == "very-low"
    assert (HL7_RECOMMENDATION_STRENGTH, "strong") in {(c["system"], c["code"]) for c in extension(other, EXT_STRENGTH)["coding"]}


def test_algorithm_is_a_clinical_protocol_with_branches(cli, minimal):
    _, bundle = export(cli, minimal)
    algo = next(p for p in resources(bundle, "PlanDefinition") if p["id"] == "minimal-algorithm")
    assert algo["type"]["coding"][0]["code"] == "clinical-protocol"
    actions = {a["linkId"]: a for a in algo["action"]}
    assert list(actions) == ["progression", "oligo", "local", "follow-up", "switch", "done"]
    assert actions["progression"]["relatedAction"] == [{"targetId": "node.oligo", "relationship": "before-start"}]
    oligo = actions["oligo"]
    assert oligo["selectionBehavior"] == "exactly-one"
    branches = {b["title"]: b for b in oligo["action"]}
    assert set(branches) == {"Yes", "No"}
    assert branches["Yes"]["relatedAction"][0]["targetId"] == "node.local"
    assert branches["No"]["relatedAction"][0]["targetId"] == "node.switch"
    assert branches["Yes"]["condition"][0]["kind"] == "applicability"
    assert "Yes" in branches["Yes"]["condition"][0]["expression"]["expression"]
    loop = next(b for b in actions["follow-up"]["action"] if b["title"] == "Limited")
    assert loop["relatedAction"][0]["targetId"] == "node.oligo" and "Loops back" in loop["description"]
    docs = {d["resourceReference"]["reference"] for d in actions["local"]["documentation"]}
    assert {"PlanDefinition/minimal-rec-rec-local-therapy", "PlanDefinition/minimal-rec-rec-continue-tki",
            "Citation/minimal-ref-weickhardt2012", "Citation/minimal-ref-yu2013"} <= docs
    start_docs = [d for d in actions["progression"]["documentation"] if d["type"] == "justification"]
    assert start_docs[0]["label"] == "def-oligoprogression"


def test_two_exports_are_byte_identical_and_the_timestamp_is_fixed(cli, minimal):
    first, bundle = export(cli, minimal)
    second, _ = export(cli, minimal)
    assert first == second
    assert bundle["timestamp"] == "2026-01-01T00:00:00Z"  # the effective date / changelog date, not "now"
    _, pinned = export(cli, minimal, env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert pinned["timestamp"] == "2026-01-01T00:00:00Z"
    _, later = export(cli, minimal, env={"SOURCE_DATE_EPOCH": "1780000000"})
    assert later["timestamp"] == "2026-05-28T20:26:40Z"
    assert [p.name for p in (cli.cwd / "out" / "minimal").iterdir()] == ["fhir-bundle.json"]  # no temp files left


def test_ids_are_stable_valid_and_distinct():
    long_a = "a" * 40
    assert fhir_id("minimal", "rec", "rec-x") == "minimal-rec-rec-x"
    x, y = fhir_id(long_a, "rec", "b" * 40), fhir_id(long_a, "rec", "b" * 39 + "c")
    assert len(x) <= 64 and len(y) <= 64 and x != y
    assert x == fhir_id(long_a, "rec", "b" * 40)


def test_a_broken_guideline_is_not_exported(cli, minimal):
    statements = minimal / "statements.yaml"
    statements.write_text(statements.read_text().replace("citations: [yu2013]", "citations: [yu2031]"))
    result = cli("export", "fhir", str(minimal), "--out", "out")
    assert result.exit_code == 1
    assert "error[unknown-reference]" in result.output
    assert "Traceback" not in result.output
    assert not (cli.cwd / "out").exists()


@pytest.mark.parametrize("args", [["missing-folder"], ["--today", "soon", "MINIMAL"]])
def test_usage_errors_exit_2(cli, minimal, args):
    result = cli("export", "fhir", *[str(minimal) if a == "MINIMAL" else a for a in args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_truncated_author_list_is_not_claimed_complete(cli, minimal):
    refs = minimal / "references.yaml"
    text = refs.read_text()
    assert text.count("    DOI: 10.1097/jto.0b013e3182745948") == 1
    refs.write_text(text.replace("    DOI: 10.1097/jto.0b013e3182745948", "    DOI: 10.1097/jto.0b013e3182745948\n    authors_truncated: true"))
    _, bundle = export(cli, minimal)
    citations = {c["id"]: c for c in resources(bundle, "Citation")}
    w = citations["minimal-ref-weickhardt2012"]
    assert w["citedArtifact"]["contributorship"]["complete"] is False
    assert ", et al." in w["summary"][0]["text"]
    complete = [c for c in citations.values() if "contributorship" in c["citedArtifact"] and c["id"] != w["id"]]
    assert all(c["citedArtifact"]["contributorship"]["complete"] is True for c in complete)


def test_composition_numbers_references_as_the_protocol_does(cli, minimal):
    from generator.render.citations import reference_numbers

    g = load_guideline(minimal).guideline
    _, bundle = export(cli, minimal)
    composition = resources(bundle, "Composition")[0]
    shown = set(values_of(composition, "display"))
    assert {f"[{n}] {key}" for key, n in reference_numbers(g).items()} <= shown


REAL_GUIDELINES = sorted(p.parent for p in (Path(__file__).resolve().parents[1] / "content").glob("*/guideline.yaml"))


@pytest.mark.parametrize("folder", REAL_GUIDELINES, ids=[p.name for p in REAL_GUIDELINES])
def test_real_guidelines_export_completely(folder):
    """Every real guideline: a valid R5 bundle, every statement and reference present, XHTML narratives well-formed."""
    import xml.etree.ElementTree as ET

    from generator.export.fhir import build_bundle, validate_bundle

    g = load_guideline(folder).guideline
    bundle = build_bundle(g, {})
    validate_bundle(bundle)
    composition = resources(bundle, "Composition")[0]
    in_sections = {
        sub["code"]["coding"][0]["code"] for s in composition["section"] if s["id"].startswith("section.") for sub in s.get("section", [])
    }
    assert in_sections == {s.id for s in g.statements}
    recs = {p["identifier"][0]["value"].rsplit("/", 1)[1] for p in resources(bundle, "PlanDefinition") if p["type"]["coding"][0]["code"] == "eca-rule"}
    assert recs == {s.id for s in g.statements if s.kind in ("recommendation", "good-practice")}
    dois = {i["value"] for c in resources(bundle, "Citation") for i in c["citedArtifact"]["identifier"] if i["system"] == "https://doi.org"}
    assert dois == {normalise(r.DOI) for r in g.references} and len(dois) == len(g.references)
    divs = list(values_of(bundle, "div"))
    assert divs
    for div in divs:
        ET.fromstring(div)


def test_element_ids_are_unique_even_when_content_ids_collide(cli, minimal):
    """A section called "references" and a statement sharing a section's id must not duplicate element ids."""
    meta, statements = minimal / "guideline.yaml", minimal / "statements.yaml"
    meta.write_text(meta.read_text().replace("  - id: evidence\n", "  - id: references\n"))
    statements.write_text(
        statements.read_text().replace("section: evidence", "section: references").replace("id: ev-weickhardt", "id: treatment")
    )
    assert cli("check", str(minimal)).exit_code == 0
    data, bundle = export(cli, minimal)
    Bundle.model_validate_json(data)
    for entry in bundle["entry"]:
        ids = []

        def walk(node, top=True):
            if isinstance(node, dict):
                if not top and isinstance(node.get("id"), str):
                    ids.append(node["id"])
                for key, value in node.items():
                    if key != "resource":
                        walk(value, False)
            elif isinstance(node, list):
                for value in node:
                    walk(value, False)

        walk(entry["resource"])
        assert len(ids) == len(set(ids)), entry["resource"]["id"]
    composition = resources(bundle, "Composition")[0]
    assert [s["title"] for s in composition["section"]].count("References") == 1
    assert "section.references" in [s["id"] for s in composition["section"]]
