"""The patient explainer in each of its languages: patient-explainer.html and patient-explainer.<lang>.html.

view(g) is the source-language view of generator/render/patient.py plus, per translation
(translations/<lang>.po), the same view computed from a copy of the guideline whose patient
fields carry that language's current translations (content/translations.py decides what is
current: a fuzzy, stale or missing entry never is). Every version gets:

* `language` and `dir` (rtl for Arabic, Hebrew, ...), which set <html lang dir>: hyphenation
  (WeasyPrint hyphenates with the language's Pyphen dictionary), quotation marks and the reading
  order follow them;
* dates written by Babel in the reader's language (CLDR's long date format);
* `languages`: the switcher, every version named in its own language and linked;
* `translation`: for a translated version, its status and reviewer from the file's header, and
  the fields still shown in the source language (not current), so a draft or incomplete
  translation says so in the document;
* `messages`: the template's own strings translated (Jinja's i18n extension; `gettext` in the
  template context).

render(view, deps) returns the source file and one companion file per language (the build
engine's companion files: `patient-explainer.es.html` beside `patient-explainer.html`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from generator.content.guideline import Guideline
from generator.content.po import Translation, direction
from generator.content.translations import TEMPLATE_CONTEXT, current_text, source_entries
from generator.render import patient
from generator.render.environment import render_template

FILENAME = "patient-explainer.html"


def filename(language: str | None) -> str:
    return FILENAME if language is None else f"patient-explainer.{language}.html"


def _babel_locale(language: str):
    from babel import Locale

    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, LookupError):
        return Locale.parse(language.split("-")[0])


def language_name(language: str) -> str:
    """The language's name in itself (español, עברית), as a switcher shows it."""
    name = _babel_locale(language).get_display_name(language.replace("-", "_")) or language
    return name[:1].upper() + name[1:]


def long_date(value: dt.date, language: str) -> str:
    from babel.dates import format_date

    return format_date(value, format="long", locale=_babel_locale(language))


def translated_guideline(g: Guideline, t: Translation) -> tuple[Guideline, list[str], dict[str, str]]:
    """A copy of `g` with the current translations of `t` in its patient fields; the labels of
    the fields left in the source language; and the template's translated strings."""
    texts: dict[str, str] = {}
    untranslated: list[str] = []
    messages: dict[str, str] = {}
    for source in source_entries(g):
        text = current_text(t, source)
        if source.context == TEMPLATE_CONTEXT:
            if text is not None:
                messages[source.text] = text
            continue
        if text is None:
            untranslated.append(source.label)
        else:
            texts[source.context] = text

    def tr(context: str, value: str) -> str:
        return texts.get(context, value)

    meta = g.meta
    p = meta.patient
    new_patient = p.model_copy(
        update={
            "title": tr("patient:title", p.title),
            "sections": [
                s.model_copy(
                    update={
                        "title": tr(f"patient-section:{s.id}:title", s.title),
                        "key_points": [
                            k.model_copy(update={"text": tr(f"patient-section:{s.id}:key-point:{n}", k.text)})
                            for n, k in enumerate(s.key_points, 1)
                        ],
                    }
                )
                for s in p.sections
            ],
            "questions": [q.model_copy(update={"text": tr(f"question:{i}:text", q.text)}) for i, q in enumerate(p.questions, 1)],
            "care_team": None
            if p.care_team is None
            else [
                c.model_copy(
                    update={"role": tr(f"care-team:{i}:role", c.role), "hours": tr(f"care-team:{i}:hours", c.hours) if c.hours else c.hours}
                )
                for i, c in enumerate(p.care_team, 1)
            ],
            "glossary": [
                e.model_copy(
                    update={
                        "term": tr(f"glossary:{e.term}:term", e.term),
                        "definition": tr(f"glossary:{e.term}:definition", e.definition),
                    }
                )
                for e in p.glossary
            ],
        }
    )
    def icon_array(sid: str, figure):
        if figure is None:
            return None
        groups = [grp.model_copy(update={"label": tr(f"statement:{sid}:icon-array:group:{n}:label", grp.label)}) for n, grp in enumerate(figure.groups, 1)]
        return figure.model_copy(update={"outcome": tr(f"statement:{sid}:icon-array:outcome", figure.outcome), "groups": groups})

    statements = [
        s.model_copy(
            update={
                "patient": s.patient.model_copy(
                    update={"text": tr(f"statement:{s.id}:patient.text", s.patient.text), "icon_array": icon_array(s.id, s.patient.icon_array)}
                )
            }
        )
        if s.patient is not None
        else s
        for s in g.statements
    ]
    references = []
    for r in g.references:
        key = f"reference:{r.id}:caution"
        if key in texts:  # whichever of the two the explainer shows, it shows the translation
            r = r.model_copy(update={"caution": texts[key], "patient_caution": texts[key] if r.patient_caution else None})
        references.append(r)
    authors = [a.model_copy(update={"role": tr(f"author:{i}:role", a.role)}) for i, a in enumerate(meta.authors, 1)]
    copy = dataclasses.replace(
        g, meta=meta.model_copy(update={"patient": new_patient, "authors": authors}), statements=statements, references=references
    )
    return copy, untranslated, messages


def view(g: Guideline, given=None) -> dict | None:
    """`given`: the views' shared inputs (generator/render/documents.py), handed to the explainer's view."""
    source = patient.view(g, given)
    if source is None:
        return None
    source_language = g.meta.language
    languages = [source_language, *sorted(g.translations)]
    switcher = [
        {"language": lang, "name": language_name(lang), "href": filename(None if lang == source_language else lang)} for lang in languages
    ]
    dates = g.meta.dates

    def extras(language: str) -> dict:
        out = {"language": language, "dir": direction(language), "languages": switcher if len(switcher) > 1 else []}
        if language != source_language:  # the source keeps patient.py's unambiguous "1 December 2026"
            out["effective"] = long_date(dates.effective, language)
            out["review_by"] = long_date(dates.review_by, language)
        return out

    out = {**source, **extras(source_language), "translation": None, "messages": {}}
    versions = {}
    for language, t in sorted(g.translations.items()):
        copy, untranslated, messages = translated_guideline(g, t)
        version = patient.view(copy, given)
        for section in version.get("sections", []):  # the grading system's sentences are data, not template text
            for paragraph in section.get("paragraphs", []):
                if paragraph.get("strength") in messages:
                    paragraph["strength"] = messages[paragraph["strength"]]
        versions[language] = {
            **version,
            **extras(language),
            "translation": {
                "status": t.status,
                "reviewer": t.reviewer if t.status == "reviewed" else None,
                "translator": t.translator,
                "source_language": source_language,
                "source_language_name": language_name(source_language),
                "source_href": filename(None),
                "untranslated": untranslated,
            },
            "messages": messages,
        }
    return {"source": out, "translations": versions}


def _render_one(v: dict) -> bytes:
    messages = v["messages"]

    def gettext(message: str) -> str:
        return messages.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    context = {k: val for k, val in v.items() if k != "messages"}
    return render_template(patient.TEMPLATE, gettext=gettext, ngettext=ngettext, _=gettext, **context).encode("utf-8")


def render(view: dict, deps: dict[str, bytes]) -> dict[str, bytes]:
    files = {FILENAME: _render_one(view["source"])}
    for language, v in view["translations"].items():
        files[filename(language)] = _render_one(v)
    return files

