"""What a translation of the patient explainer translates, and how current each translation is.

`source_entries(g)` lists every translatable field of the patient-facing text, each under a
stable key (the PO file's `msgctxt`):

| key | field |
|---|---|
| `patient:title` | `patient.title` in guideline.yaml |
| `patient-section:<id>:title` | a patient section's title |
| `statement:<id>:patient.text` | a statement's patient text (Markdown) |
| `question:<n>:text` | the n-th question to ask the care team (counted from 1) |
| `glossary:<term>:term`, `glossary:<term>:definition` | a glossary entry (its English term as key) |
| `patient-section:<id>:key-point:<n>` | the n-th key point of a patient section (counted from 1) |
| `statement:<id>:icon-array:outcome`, `statement:<id>:icon-array:group:<n>:label` | a paragraph's icon array |
| `care-team:<n>:role`, `care-team:<n>:hours` | the n-th care team contact's role and hours |
| `author:<n>:role` | the n-th author's role, when no author has a name or an organisation: the explainer's PDF then names its author "Guideline committee: <roles>" |
| `reference:<id>:caution` | the published warning about a reference the explainer cites (its `patient_caution`, else its `caution`) |
| `template` (msgid: the English string) | the template's own words (headings, notices), marked in templates/patient/ with Jinja's i18n extension, and the grading system's plain sentence for each strength the explainer shows ("How strong this advice is") |

`state(translation, entry)` says whether a language's entry for a field is `translated` (current:
made from this source text, not fuzzy), `fuzzy` (marked fuzzy, or made from another source text:
the source changed since) or `missing`. Check, `guideline translate status`, the build and the
FHIR export all read these two functions, so they cannot disagree about what is current.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from generator.content.loader import Guideline
from generator.content.models import ContentModel
from generator.content.paths import TEMPLATES
from generator.content.po import TEMPLATE_CONTEXT, TEMPLATE_FOLDER, Entry, Translation, entry_key, fingerprint

TRANSLATED, FUZZY, MISSING = "translated", "fuzzy", "missing"


@dataclass(frozen=True)
class SourceEntry:
    context: str  # msgctxt
    text: str  # msgid
    owner: ContentModel | None  # None for a template string
    field: str
    label: str  # how a diagnostic or a translator names the field
    markdown: bool = False
    occurrence: tuple[str, int] | None = None  # a template string: where it is written

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.text)

    @property
    def key(self) -> str:
        return entry_key(self.context, self.text)


@lru_cache(maxsize=4)
def _template_strings(folder: str, stamp: tuple) -> tuple[tuple[str, str, int], ...]:
    """(msgid, file, line) of every string marked for translation in templates/<folder>/ (Babel's Jinja extractor)."""
    from jinja2.ext import babel_extract

    out: dict[str, tuple[str, str, int]] = {}
    for path in sorted((TEMPLATES / folder).glob("*.html")):
        with open(path, "rb") as fh:
            options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
            for line, _func, message, _comments in babel_extract(fh, ("gettext", "_"), (), options):
                if isinstance(message, str) and message and message not in out:
                    out[message] = (message, f"templates/{folder}/{path.name}", line)
    return tuple(out.values())


def template_entries() -> list[SourceEntry]:
    folder = TEMPLATES / TEMPLATE_FOLDER
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.html"))) if folder.is_dir() else ()
    return [
        SourceEntry(TEMPLATE_CONTEXT, msgid, None, "", f"the template string {msgid[:60]!r}", False, (file, line))
        for msgid, file, line in _template_strings(TEMPLATE_FOLDER, stamp)
    ]


def _cited_by_patient_text(g: Guideline) -> list[str]:
    statements = g.statements_by_id
    ids: list[str] = []
    for s in g.statements:
        if s.patient is not None:
            ids += [s.id, *s.patient.also_based_on]
    for q in g.meta.patient.questions:
        ids += list(q.statements)
    keys: list[str] = []
    for sid in dict.fromkeys(ids):
        s = statements.get(sid)
        keys += s.citation_keys if s else []
    return list(dict.fromkeys(keys))


def source_entries(g: Guideline) -> list[SourceEntry]:
    """Every translatable field of the patient explainer, in the explainer's order."""
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return []
    out = [SourceEntry("patient:title", patient.title, patient, "title", "the patient explainer's title")]
    order = {sec.id: i for i, sec in enumerate(patient.sections)}
    for sec in patient.sections:
        out.append(SourceEntry(f"patient-section:{sec.id}:title", sec.title, sec, "title", f"the title of patient section {sec.id!r}"))
        for n, point in enumerate(sec.key_points, 1):
            out.append(SourceEntry(f"patient-section:{sec.id}:key-point:{n}", point.text, point, "text", f"key point {n} of patient section {sec.id!r}"))
    with_text = sorted((s for s in g.statements if s.patient is not None), key=lambda s: order.get(s.patient.section, len(order)))
    for s in with_text:
        out.append(SourceEntry(f"statement:{s.id}:patient.text", s.patient.text, s.patient, "text", f"the patient text of statement {s.id!r}", True))
        figure = s.patient.icon_array
        if figure is not None:
            out.append(SourceEntry(f"statement:{s.id}:icon-array:outcome", figure.outcome, figure, "outcome", f"the icon array of statement {s.id!r} (the people who ...)"))
            for n, group in enumerate(figure.groups, 1):
                out.append(SourceEntry(f"statement:{s.id}:icon-array:group:{n}:label", group.label, group, "label", f"group {n} of the icon array of statement {s.id!r}"))
    for i, q in enumerate(patient.questions, 1):
        out.append(SourceEntry(f"question:{i}:text", q.text, q, "text", f"question {i} to ask the care team"))
    for i, contact in enumerate(patient.care_team or (), 1):
        out.append(SourceEntry(f"care-team:{i}:role", contact.role, contact, "role", f"the role of care team contact {i}"))
        if contact.hours:
            out.append(SourceEntry(f"care-team:{i}:hours", contact.hours, contact, "hours", f"the hours of care team contact {i}"))
    for entry in patient.glossary:
        out.append(SourceEntry(f"glossary:{entry.term}:term", entry.term, entry, "term", f"the glossary term {entry.term!r}"))
        out.append(SourceEntry(f"glossary:{entry.term}:definition", entry.definition, entry, "definition", f"the glossary definition of {entry.term!r}"))
    if not any(a.name or a.organisation for a in g.meta.authors):  # render/pdf_info.py: named_authors is None
        for i, a in enumerate(g.meta.authors, 1):
            out.append(SourceEntry(f"author:{i}:role", a.role, a, "role", f"the role of author {i} (the PDF's Author: the guideline committee)"))
    refs = g.references_by_id
    for key in _cited_by_patient_text(g):
        ref = refs.get(key)
        if ref is not None and (ref.patient_caution or ref.caution):
            # what the explainer shows: the warning in plain words when the reference has one
            field = "patient_caution" if ref.patient_caution else "caution"
            out.append(SourceEntry(f"reference:{key}:caution", getattr(ref, field), ref, field, f"the published warning about reference {key!r}"))
    return out + _strength_entries(g, with_text) + template_entries()


def _strength_entries(g: Guideline, with_text) -> list[SourceEntry]:
    """The grading system's patient sentences the explainer prints (content/grading.py), once each."""
    from generator.content.grading import SYSTEMS

    system = SYSTEMS.get(g.meta.grading)
    seen: dict[str, SourceEntry] = {}
    for s in with_text:
        strength = system.strength(s.grade.strength) if system is not None and s.grade is not None else None
        if strength is not None and strength.patient_wording and strength.patient_wording not in seen:
            seen[strength.patient_wording] = SourceEntry(
                TEMPLATE_CONTEXT, strength.patient_wording, None, "", f"how strong the advice is ({system.id} {strength.code}; generator/content/grading.py)"
            )
    return list(seen.values())


def state(translation: Translation, source: SourceEntry) -> str:
    """translated, fuzzy or missing (see the module docstring)."""
    entry = translation.entries.get(source.key)
    if entry is None or not entry.text.strip():
        return MISSING
    if entry.fuzzy or not is_current(entry, source):
        return FUZZY
    return TRANSLATED


def is_current(entry: Entry, source: SourceEntry) -> bool:
    """Made from this source text: the same msgid, and (when recorded) the same fingerprint."""
    return entry.source == source.text and (entry.fingerprint is None or entry.fingerprint == source.fingerprint)


def current_text(translation: Translation | None, source: SourceEntry) -> str | None:
    """The translation of a field when it is current, else None (fuzzy and missing are never shown as current)."""
    if translation is None or state(translation, source) != TRANSLATED:
        return None
    return translation.entries[source.key].text


def counts(g: Guideline, translation: Translation) -> dict[str, int]:
    out = {TRANSLATED: 0, FUZZY: 0, MISSING: 0}
    for source in source_entries(g):
        out[state(translation, source)] += 1
    return out


def is_complete(g: Guideline, translation: Translation) -> bool:
    """Every field translated and current."""
    c = counts(g, translation)
    return c[FUZZY] == 0 and c[MISSING] == 0


def status_report(g: Guideline) -> dict:
    """Per language: counts, the file's status and reviewer, and which fields are fuzzy or missing."""
    sources = source_entries(g)
    languages = []
    for language, t in sorted(g.translations.items()):
        states = {s.key.replace("\x04", ":"): state(t, s) for s in sources}
        languages.append(
            {
                "language": language,
                "file": t.path,
                "status": t.status,
                "reviewer": t.reviewer,
                "translated": sum(v == TRANSLATED for v in states.values()),
                "fuzzy": sum(v == FUZZY for v in states.values()),
                "missing": sum(v == MISSING for v in states.values()),
                "total": len(sources),
                "complete": all(v == TRANSLATED for v in states.values()),
                "fuzzy_entries": [k for k, v in states.items() if v == FUZZY],
                "missing_entries": [k for k, v in states.items() if v == MISSING],
            }
        )
    return {"guideline": g.id, "source_language": g.meta.language if g.meta else None, "entries": len(sources), "languages": languages}
