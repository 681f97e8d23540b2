"""The patient-facing text of a guideline, and which glossary terms it uses.

Shared by the readability and glossary rules and by the patient explainer, so that what is checked
is exactly what is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from generator.content.guideline import Guideline
from generator.content.models import ContentModel, GlossaryEntry


@dataclass(frozen=True)
class PatientBlock:
    """One block of patient prose: a statement's patient text, a question, a glossary definition."""

    owner: ContentModel
    field: str
    text: str
    label: str  # how a diagnostic names it
    markdown: bool


def prose_blocks(g: Guideline) -> Iterator[PatientBlock]:
    """The blocks the reading grade applies to, in the explainer's order."""
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return
    order = {s.id: i for i, s in enumerate(patient.sections)}
    with_text = [s for s in g.statements if s.patient is not None]
    with_text.sort(key=lambda s: order.get(s.patient.section, len(order)))  # stable: statement order within a section
    for s in with_text:
        yield PatientBlock(s.patient, "text", s.patient.text, f"patient text of {s.id!r}", True)
    for section in patient.sections:
        for i, point in enumerate(section.key_points, 1):
            yield PatientBlock(point, "text", point.text, f"key point {i} of patient section {section.id!r}", False)
    for i, q in enumerate(patient.questions, 1):
        yield PatientBlock(q, "text", q.text, f"question {i}", False)
    for entry in patient.glossary:
        yield PatientBlock(entry, "definition", entry.definition, f"glossary definition of {entry.term!r}", False)
    refs = g.references_by_id
    for key in explainer_reference_keys(g):
        ref = refs[key]
        if ref.patient_caution is not None:
            yield PatientBlock(ref, "patient_caution", ref.patient_caution, f"patient caution of reference {key!r}", False)


def explainer_statement_ids(g: Guideline) -> list[str]:
    """The statements the explainer's paragraphs and questions rest on, in the explainer's order."""
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return []
    order = {s.id: i for i, s in enumerate(patient.sections)}
    with_text = sorted((s for s in g.statements if s.patient is not None), key=lambda s: order.get(s.patient.section, len(order)))
    ids = [sid for s in with_text for sid in (s.id, *s.patient.also_based_on)]
    ids += [sid for q in patient.questions for sid in q.statements]
    return list(dict.fromkeys(ids))


def explainer_reference_keys(g: Guideline) -> list[str]:
    """The references the explainer lists (those its statements cite), each once."""
    statements = g.statements_by_id
    refs = g.references_by_id
    keys = [k for sid in explainer_statement_ids(g) if sid in statements for k in statements[sid].citation_keys if k in refs]
    return list(dict.fromkeys(keys))


def all_blocks(g: Guideline) -> Iterator[PatientBlock]:
    """Every piece of patient-facing text, titles included (where glossary terms are looked for)."""
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return
    yield PatientBlock(patient, "title", patient.title, "patient title", False)
    for section in patient.sections:
        yield PatientBlock(section, "title", section.title, f"patient section title {section.id!r}", False)
    for s in g.statements:
        figure = s.patient.icon_array if s.patient is not None else None
        if figure is not None:
            yield PatientBlock(figure, "outcome", figure.outcome, f"icon array of {s.id!r}", False)
            for group in figure.groups:
                yield PatientBlock(group, "label", group.label, f"icon array of {s.id!r}", False)
    for contact in patient.care_team or ():
        for name in ("role", "hours"):
            if getattr(contact, name):
                yield PatientBlock(contact, name, getattr(contact, name), f"care team contact {contact.role!r}", False)
    yield from prose_blocks(g)


# --------------------------------------------------------------------------- glossary terms


def _variants(term: str) -> list[str]:
    """A term and its plural forms (the match is case-insensitive)."""
    t = " ".join(term.split())
    forms = [t, t + "s", t + "es"]
    if t.lower().endswith("y"):
        forms.append(t[:-1] + "ies")
    return forms


@lru_cache(maxsize=512)
def term_pattern(term: str) -> re.Pattern:
    """Matches `term` as a whole word (or words), any case, plurals tolerated."""
    alternatives = sorted((r"\s+".join(re.escape(part) for part in v.split(" ")) for v in _variants(term)), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


def normal_form(term: str) -> set[str]:
    """Spellings under which two terms count as the same glossary word."""
    return {v.casefold() for v in _variants(term)}


def entry_names(entry: GlossaryEntry) -> list[str]:
    return [entry.term, *entry.aliases]


def find_term(term: str, text: str) -> re.Match | None:
    first = term.split()[0].lower() if term.split() else term.lower()
    stem = first[:-1] if first.endswith("y") and len(first) > 1 else first  # "therapy" -> "therapies"
    if stem not in text.lower():  # a cheap test first: most terms are absent from most blocks
        return None
    return term_pattern(term).search(text)


def uses_entry(entry: GlossaryEntry, text: str) -> bool:
    return any(find_term(name, text) for name in entry_names(entry))


def glossary_entry_for(term: str, glossary: list[GlossaryEntry]) -> GlossaryEntry | None:
    """The glossary entry whose term or alias is `term` (up to case and plural)."""
    forms = normal_form(term)
    for entry in glossary:
        for name in entry_names(entry):
            if normal_form(name) & forms:
                return entry
    return None


def used_glossary(g: Guideline) -> list[GlossaryEntry]:
    """Glossary entries used in patient text other than their own definition, in glossary order."""
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return []
    blocks = list(all_blocks(g))
    return [e for e in patient.glossary if any(b.owner is not e and uses_entry(e, b.text) for b in blocks)]
