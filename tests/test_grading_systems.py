"""The grading system is data: the legend, the badges, the patient wording of strength, the FHIR codings
and the check all follow the system a guideline declares (ESMO or GRADE), and nothing names a system."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.content.grading import SYSTEMS
from generator.render import patient, protocol
from tests.render_kit import copy_minimal, load

GENERATOR = Path(__file__).resolve().parents[1] / "generator"


def to_grade(folder: Path, first: str, second: str) -> Path:
    """The minimal guideline, declared GRADE, with its two recommendations graded `first` and `second`."""
    meta = folder / "guideline.yaml"
    meta.write_text(meta.read_text().replace("grading: esmo", "grading: grade"))
    statements = folder / "statements.yaml"
    text = statements.read_text().replace("grade: {level: IV, strength: C}", first, 1)
    statements.write_text(text.replace("grade: {level: IV, strength: C}", second, 1))
    return folder


@pytest.fixture
def graded(tmp_path):
    return to_grade(
        copy_minimal(tmp_path),
        "grade: {level: low, strength: conditional-for}",
        "grade: {level: very-low, strength: strong-against, rationale: Uncertain benefit and a risk of serious harm.}",
    )


@pytest.mark.parametrize("system", SYSTEMS.values(), ids=list(SYSTEMS))
def test_every_system_is_complete_data(system):
    assert len(set(system.level_codes)) == len(system.levels) >= 2
    assert len(set(system.strength_codes)) == len(system.strengths) >= 2
    for s in system.strengths:
        assert s.direction in ("for", "against", "optional")
        assert s.meaning and s.clinician_wording and s.patient_wording
    assert any(s.strong for s in system.strengths) and any(not s.strong for s in system.strengths)
    assert {s.direction for s in system.strengths} >= {"for", "against"}


def test_grade_is_certainty_and_strong_or_conditional_for_or_against():
    grade = SYSTEMS["grade"]
    assert grade.level_codes == ["high", "moderate", "low", "very-low"]
    assert {(s.strong, s.direction) for s in grade.strengths} == {(True, "for"), (False, "for"), (False, "against"), (True, "against")}
    assert grade.strength("strong-for").clinician_wording == "we recommend"
    assert grade.strength("conditional-for").clinician_wording == "we suggest"
    assert grade.needs_rationale("low", "strong-for") and grade.needs_rationale("very-low", "strong-against")
    assert not grade.needs_rationale("moderate", "strong-for") and not grade.needs_rationale("low", "conditional-for")
    assert not SYSTEMS["esmo"].needs_rationale("V", "A")  # ESMO asks for no such rationale


def test_no_renderer_or_exporter_names_a_grading_system():
    """Generalised, not special-cased: only generator/content/grading.py knows which systems exist."""
    offenders = []
    for path in GENERATOR.rglob("*.py"):
        if path.name == "grading.py" and path.parent.name == "content":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""["']esmo["']|\b(system\.id|grading)\s*[!=]=""", line):
                offenders.append(f"{path.relative_to(GENERATOR)}:{n}: {line.strip()}")
    assert not offenders, offenders


def test_protocol_legend_and_badges_follow_grade(graded):
    view = protocol.view(load(graded))
    legend = view["grading"]
    assert legend["level_axis"] == "Certainty of evidence" and legend["strength_axis"] == "Strength of recommendation"
    assert [r["label"] for r in legend["levels"]] == ["High", "Moderate", "Low", "Very low"]
    assert [r["label"] for r in legend["strengths"]] == [
        "Strong recommendation for", "Conditional recommendation for",
        "Conditional recommendation against", "Strong recommendation against",
    ]  # fmt: skip
    html = protocol.render(view, {"flowchart": b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100pt\" height=\"100pt\"/>"}).decode()
    assert "<caption>Certainty of evidence</caption>" in html and "Level of evidence" not in html
    assert re.search(r'grade-strength"[^>]*>Conditional recommendation for</span> <span class="grade-badge grade-level"[^>]*>Low certainty<', html)
    assert "Rationale for the grade:</strong> Uncertain benefit and a risk of serious harm." in html
    assert "graded with the GRADE certainty of evidence and strength of recommendation" in html
    assert ">Conditional recommendation for</td>" in html and ">Low</td>" in html  # the summary table


def test_protocol_keeps_esmo_badges(tmp_path):
    view = protocol.view(load(copy_minimal(tmp_path)))
    rec = next(st for sec in view["sections"] for st in sec["statements"] if st["grade"])
    assert [b["text"] for b in rec["grade"]["badges"]] == ["Level IV", "Grade C"]
    assert rec["grade"]["description"] == "Level IV, grade C"


def test_patient_explainer_words_strength_as_the_system_does(graded, tmp_path):
    v = patient.view(load(graded))
    by_statement = {p["statements"][0]: p["strength"] for s in v["sections"] for p in s["paragraphs"]}
    assert by_statement["rec-local-therapy"].startswith("We suggest this.")  # conditional-for
    assert by_statement["def-oligoprogression"] is None  # only graded statements say how strong they are
    esmo = patient.view(load(copy_minimal(tmp_path, "esmo")))
    esmo_by_statement = {p["statements"][0]: p["strength"] for s in esmo["sections"] for p in s["paragraphs"]}
    assert esmo_by_statement["rec-local-therapy"].startswith("This is an option.")  # ESMO grade C
    html = patient.render(v, {}).decode()
    assert '<p class="advice-strength"><strong>How strong this advice is:</strong> We suggest this.' in html


def test_fhir_codes_follow_the_declared_system(graded):
    from generator.export.fhir import EXT_QUALITY, EXT_STRENGTH, HL7_RECOMMENDATION_STRENGTH, build_bundle

    bundle = build_bundle(load(graded), {"SOURCE_DATE_EPOCH": "0"})
    plans = {e["resource"]["id"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "PlanDefinition"}
    action = plans["minimal-rec-rec-continue-tki"]["action"][0]
    ext = {e["url"]: e["valueCodeableConcept"] for e in action["extension"]}
    strength = {(c["system"].rsplit("/", 1)[-1], c["code"]) for c in ext[EXT_STRENGTH]["coding"]}
    assert strength == {("recommendation-strength", "strong"), ("grade-strength-of-recommendation", "strong-against")}
    assert ext[EXT_STRENGTH]["text"] == "Strength of recommendation: Strong recommendation against"
    assert ext[EXT_QUALITY]["text"] == "Certainty of evidence: Very low certainty"
    assert any(c["system"] == HL7_RECOMMENDATION_STRENGTH for c in ext[EXT_STRENGTH]["coding"])
    json.dumps(bundle)


def test_strong_on_low_certainty_with_a_rationale_passes_strict(graded, cli):
    result = cli("check", "--strict", str(graded))
    assert result.exit_code == 0, result.output
    statements = graded / "statements.yaml"
    statements.write_text(statements.read_text().replace(", rationale: Uncertain benefit and a risk of serious harm.", ""))
    result = cli("check", str(graded))
    assert result.exit_code == 0 and "warning[strong-on-low-certainty]" in result.output, result.output
    assert cli("check", "--strict", str(graded)).exit_code == 1
