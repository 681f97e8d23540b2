"""Statements sit in declared sections; patient text sits in declared patient sections."""

from __future__ import annotations

import difflib
from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline


def _hint(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None:
        return
    sections = {s.id for s in g.meta.sections}
    patient = g.meta.patient
    patient_sections = {s.id for s in patient.sections} if patient else set()
    statement_ids = set(g.statements_by_id)
    used = set()
    for s in g.statements:
        used.add(s.section)
        if s.section not in sections:
            yield Diagnostic.error(
                s.location("section"), "unknown-section", f"section {s.section!r} is not declared in guideline.yaml{_hint(s.section, sections)}"
            )
        if s.patient is None:
            continue
        if patient is None:
            yield Diagnostic.error(
                s.patient.location(), "unknown-patient-section", "statement has patient text but guideline.yaml has no `patient:` settings"
            )
            continue
        if s.patient.section not in patient_sections:
            yield Diagnostic.error(
                s.patient.location("section"),
                "unknown-patient-section",
                f"patient section {s.patient.section!r} is not declared under patient.sections{_hint(s.patient.section, patient_sections)}",
            )
        for other in s.patient.also_based_on:
            if other not in statement_ids and other not in g.known_ids("statements"):
                yield Diagnostic.error(
                    s.patient.location("also_based_on"), "unknown-statement", f"statement {other!r} does not exist{_hint(other, statement_ids)}"
                )
    for section in g.meta.sections:
        if g.statements and g.complete and section.id not in used:
            yield Diagnostic.warning(section.location("id"), "empty-section", f"section {section.id!r} has no statements")
    if patient:
        for q in patient.questions:
            for sid in q.statements:
                if sid not in statement_ids and sid not in g.known_ids("statements") and g.statements:
                    yield Diagnostic.error(q.location("statements"), "unknown-statement", f"statement {sid!r} does not exist{_hint(sid, statement_ids)}")
