"""The patient-facing text of a guideline, and which glossary terms it uses.

Shared by the readability and glossary rules and by the patient explainer, so that what is checked
is exactly what is shown. The text is found by the one walker over the content's text
(generator.content.text_fields.iter_text); this module puts it in the explainer's order and names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from generator.content.guideline import Guideline
from generator.content import models as m
from generator.content.models import ContentModel, GlossaryEntry
from generator.content.text_fields import iter_text


@dataclass(frozen=True)
class PatientBlock:
    """One block of patient prose: a statement's patient text, a question, a glossary definition."""

    owner: ContentModel
    field: str
    text: str
    label: str  # how a diagnostic names it
    markdown: bool


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


# Patient-audience fields that are vocabulary or contact details, not text to read: a glossary
# term, its aliases and the jargon list name words (matched against the blocks); a contact's name,
# phone and email are printed as given.
NOT_BLOCKS = {
    (m.GlossaryEntry, "term"), (m.GlossaryEntry, "aliases"), (m.PatientSettings, "jargon"),
    (m.CareTeamContact, "name"), (m.CareTeamContact, "phone"), (m.CareTeamContact, "email"),
}


def _blocks(g: Guideline) -> list[tuple[tuple, PatientBlock]]:
    """(explainer order, block) for each piece of patient text. The fields come from the one walker
    over the content's text (text_fields.iter_text), so a field is found where text safety finds it;
    this only puts them in the explainer's order and names them. Order: titles (group 0), then the
    prose the reading grade reads (group 1): statements' patient text by section, key points,
    questions, glossary definitions, the plain-words cautions of the works the explainer lists."""
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return []
    sections = {sec.id: i for i, sec in enumerate(patient.sections)}
    section_titles = {id(sec): i for i, sec in enumerate(patient.sections)}
    key_points = {id(point): (i, n, sec.id) for i, sec in enumerate(patient.sections) for n, point in enumerate(sec.key_points, 1)}
    questions = {id(q): n for n, q in enumerate(patient.questions, 1)}
    entries = {id(e): i for i, e in enumerate(patient.glossary)}
    contacts = {id(c): (i, c) for i, c in enumerate(patient.care_team or ())}
    texts, figures = {}, {}
    for i, st in enumerate(g.statements):
        if st.patient is not None:
            texts[id(st.patient)] = (i, st)
            figure = st.patient.icon_array
            if figure is not None:
                figures[id(figure)] = (i, st)
                figures.update({id(group): (i, st) for group in figure.groups})
    cautions = {key: n for n, key in enumerate(explainer_reference_keys(g))}
    out: list[tuple[tuple, PatientBlock]] = []
    for f in iter_text(g):
        owner, kind = f.owner, type(f.owner)
        if (kind, f.field) in NOT_BLOCKS:
            continue
        if kind is m.Reference:
            if f.field == "patient_caution" and owner.id in cautions:
                out.append(((1, 4, cautions[owner.id]), PatientBlock(owner, f.field, f.text, f"patient caution of reference {owner.id!r}", False)))
            continue
        if f.audience != "patient":
            continue
        if kind is m.PatientSettings and f.field == "title":
            out.append(((0, 0, 0), PatientBlock(owner, f.field, f.text, "patient title", False)))
        elif kind is m.PatientSection:
            out.append(((0, 1, section_titles[id(owner)]), PatientBlock(owner, f.field, f.text, f"patient section title {owner.id!r}", False)))
        elif id(owner) in figures:
            i, st = figures[id(owner)]
            out.append(((0, 2, i), PatientBlock(owner, f.field, f.text, f"icon array of {st.id!r}", False)))
        elif id(owner) in contacts:
            i, contact = contacts[id(owner)]
            out.append(((0, 3, i), PatientBlock(owner, f.field, f.text, f"care team contact {contact.role!r}", False)))
        elif id(owner) in texts:
            i, st = texts[id(owner)]
            out.append(((1, 0, sections.get(owner.section, len(sections)), i), PatientBlock(owner, f.field, f.text, f"patient text of {st.id!r}", True)))
        elif id(owner) in key_points:
            i, n, section_id = key_points[id(owner)]
            out.append(((1, 1, i, n), PatientBlock(owner, f.field, f.text, f"key point {n} of patient section {section_id!r}", False)))
        elif id(owner) in questions:
            n = questions[id(owner)]
            out.append(((1, 2, n), PatientBlock(owner, f.field, f.text, f"question {n}", False)))
        elif id(owner) in entries:
            out.append(((1, 3, entries[id(owner)]), PatientBlock(owner, f.field, f.text, f"glossary definition of {owner.term!r}", False)))
        else:  # a patient field added to a model later: glossary terms are looked for in it too
            out.append(((0, 9, 0), PatientBlock(owner, f.field, f.text, f"patient text ({kind.__name__}.{f.field})", False)))
    out.sort(key=lambda item: item[0])  # stable: walk order among equals
    return out


def prose_blocks(g: Guideline) -> Iterator[PatientBlock]:
    """The blocks the reading grade applies to, in the explainer's order."""
    for order, block in _blocks(g):
        if order[0] == 1:
            yield block


def all_blocks(g: Guideline) -> Iterator[PatientBlock]:
    """Every piece of patient-facing text, titles included (where glossary terms are looked for)."""
    for _, block in _blocks(g):
        yield block


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
