"""The patient explainer as one self-contained web page (templates/patient/explainer.html).

view(guideline) holds only patient-facing content: the patient title, the statements' `patient`
text (never their clinician text), questions, the glossary entries the text uses, and the sources
in plain form. So an edit to clinician-only text leaves the view, and the page, unchanged.

Every paragraph keeps the ids of the statements it derives from (its statement and
`also_based_on`), written as `data-statements`. The sources are not marked after each sentence (as
in published patient guides, the text reads without citation marks): each section ends with one
line naming the numbers of the research it rests on, which link to the list at the end.
"""

from __future__ import annotations

from generator.content import doi
from generator.content.grading import SYSTEMS
from generator.history.changes import advice_change_notices
from generator.render.documents import ViewInputs
from generator.content.guideline import Guideline
from generator.content.models import Reference
from generator.content.patient_text import used_glossary
from generator.content.po import direction
from generator.render import citations, pdf_info
from generator.render.environment import render_template

TEMPLATE = "patient/explainer.html"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def _long_date(value) -> str:
    """1 December 2026: unambiguous for every reader, whatever their locale."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _who(ref: Reference) -> dict | None:
    """Who did the work, or None when it has no author: the family names the leaflet prints ('Yu', or
    'Yu' and 'Smith') and whether it adds "and colleagues". The template words it (its strings are
    translated: 'Weickhardt y colaboradores').

    A record whose author list is truncated (authors_truncated) names its first author "and
    colleagues" however few names it holds: "Iyengar" alone would say one person did the study."""
    people = ref.author or ref.editor
    if not people:
        return None
    if len(people) <= 2 and not ref.authors_truncated:
        return {"names": [citations.family_name(p) for p in people], "colleagues": False}
    return {"names": [citations.family_name(people[0])], "colleagues": True}


def _source(ref: Reference, number: int, language: str) -> dict:
    """`language`, `dir`: the language the work's title, journal and names are written in (the
    reference's CSL `language`, else the guideline's), which a translated page isolates them in."""
    language = ref.language or language
    return {
        "number": number,
        "id": ref.id,
        "who": _who(ref),
        "title": ref.title if not (ref.author or ref.editor) else None,
        "journal": ref.container_title_short or ref.container_title or ref.publisher,
        "year": citations.year(ref.issued) or None,
        "doi": doi.normalise(ref.DOI),
        "url": doi.url(ref.DOI),
        "caution": ref.patient_caution,  # plain wording; check refuses a caution without it
        "language": language,
        "dir": direction(language),
    }


def _icon_array(figure) -> dict | None:
    if figure is None:
        return None
    # the picture's alt text ("<label>: 29 in 100 <outcome>.") is worded in the template
    groups = [{"label": g.label, "count": g.count} for g in figure.groups]
    return {"outcome": figure.outcome, "of": figure.of, "groups": groups}


def _care_team(contacts) -> list[dict] | None:
    """The contacts, or None: the leaflet then prints a placeholder (and check warns: care-team-placeholder)."""
    if contacts is None:
        return None
    return [
        {"role": c.role, "name": c.name, "phone": c.phone, "email": c.email, "hours": c.hours, "write_in": c.write_in}
        for c in contacts
    ]


def _patient_statements(g: Guideline) -> list[tuple[str, list]]:
    """(patient section id, statements with patient text in it, in statement order), in section order."""
    sections = g.meta.patient.sections
    return [(sec.id, [s for s in g.statements if s.patient is not None and s.patient.section == sec.id]) for sec in sections]


def view(g: Guideline, given: ViewInputs | None = None) -> dict | None:
    """None when guideline.yaml has no `patient:` block: the guideline has no patient explainer.
    `given.history` is the release history (generator/render/documents.py)."""
    given = given or ViewInputs()
    meta = g.meta
    patient = meta.patient
    if patient is None:
        return None
    statements = g.statements_by_id
    refs = g.references_by_id
    protocol_numbers = citations.reference_numbers(g)  # one numbering for both documents
    numbers: dict[str, int] = {}

    def cite(statement_ids: list[str]) -> list[int]:
        """The protocol's numbers of the references the statements cite (and note them for the list)."""
        out = []
        for sid in statement_ids:
            s = statements.get(sid)
            for key in s.citation_keys if s else ():
                if key in refs:
                    numbers[key] = protocol_numbers[key]
                    out.append(numbers[key])
        return sorted(set(out))

    system = SYSTEMS[meta.grading]

    def strength_wording(s) -> str | None:
        """How strongly a graded statement advises, in the grading system's plain words."""
        strength = system.strength(s.grade.strength) if s.grade is not None else None
        return strength.patient_wording if strength else None

    sections = []
    titles = {sec.id: sec.title for sec in patient.sections}
    changed = advice_change_notices(given.history)  # "This advice changed in version X: ..." since the last release
    key_points = {sec.id: [{"text": k.text, "statements": list(k.statements)} for k in sec.key_points] for sec in patient.sections}
    for section_id, members in _patient_statements(g):
        paragraphs = []
        for s in members:
            based_on = list(dict.fromkeys([s.id, *s.patient.also_based_on]))
            paragraphs.append(
                {
                    "id": s.id,
                    "statements": based_on,
                    "text": s.patient.text,
                    "strength": strength_wording(s),
                    "sources": cite(based_on),
                    "changed": changed.get(s.id),
                    "icon_array": _icon_array(s.patient.icon_array),
                }
            )
        if paragraphs:
            sections.append(
                {
                    "id": section_id,
                    "title": titles[section_id],
                    "paragraphs": paragraphs,
                    "key_points": key_points[section_id],
                    "sources": sorted({n for p in paragraphs for n in p["sources"]}),
                }
            )
    questions = [{"text": q.text, "statements": list(q.statements), "sources": cite(list(q.statements))} for q in patient.questions]
    question_sources = sorted({n for q in questions for n in q["sources"]})
    glossary = sorted(
        ({"term": e.term[:1].upper() + e.term[1:], "definition": e.definition} for e in used_glossary(g)),
        key=lambda e: e["term"].casefold(),
    )
    sources = [_source(refs[key], n, meta.language) for key, n in sorted(numbers.items(), key=lambda item: item[1])]
    pdf = {  # the PDF's document information, in the leaflet's own terms
        # Author: the authors' names, else the committee's roles, which the template words ("Guideline committee: ...")
        "author": pdf_info.named_authors(g),
        "committee": pdf_info.committee_roles(g),
        # Subject and Keywords are worded in the template (its strings are translated): the title and the terms
        "keyword_terms": [e["term"] for e in glossary],
        "date": pdf_info.date(g),
    }
    return {
        "id": meta.id,
        "language": meta.language,
        "title": patient.title,
        "guideline_title": meta.title,
        # the language of what no translation translates (the guideline's title, the works' titles and names)
        "content_language": meta.language,
        "content_dir": direction(meta.language),
        "version": meta.version,
        "status": meta.status,
        "effective": _long_date(meta.dates.effective),
        "review_by": _long_date(meta.dates.review_by),
        "page_size": meta.output.page_size,
        "sections": sections,
        "questions": questions,
        "question_sources": question_sources,
        "glossary": glossary,
        "care_team": _care_team(patient.care_team),
        "sources": sources,
        "pdf": pdf,
    }


def render(view: dict, deps: dict[str, bytes]) -> bytes:
    return render_template(TEMPLATE, **view).encode("utf-8")
