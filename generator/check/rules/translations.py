"""Translations of the patient explainer (translations/<lang>.po): current, complete, safe and readable.

* `translation-missing`, `translation-fuzzy`, `translation-stale` (warnings; errors under --strict,
  so a language that is not complete and current is never published): a field with no
  translation, one marked fuzzy, and one made from a source text that has changed since (the file
  was not merged with `guideline translate update`);
* `translation-unknown-entry` (warning): an entry naming a field the guideline does not have;
* `translation-numbers` (error): the digits of a translation differ from its source's (a
  translation must say the same numbers);
* `translation-placeholders` (error): a translated template string whose `%(name)s` placeholders
  differ from its source's, or with a stray `%` (the template fills them in; write `%%` for a
  percent sign);
* `translation-decimal` (warning): a decimal number written with the source language's decimal
  mark instead of the translation language's (Babel's CLDR data: 2,5 in Spanish, 2.5 in English);
* the text-safety rules (raw HTML, unsafe links, template code, hidden characters) over every msgstr;
* the readability gate of the language (check/readability_gates.py) over the current translations.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from generator.check.readability import analyse as analyse_english
from generator.check.readability_gates import Gate, analyse, gate_for
from generator.check.rules.text_safety import check_field
from generator.content.guideline import Guideline
from generator.content.po import Translation
from generator.content.translations import FUZZY, MISSING, TEMPLATE_CONTEXT, SourceEntry, is_current, source_entries, state
from generator.diagnostics import Diagnostic, Location

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Prose the reading gate applies to (titles and glossary terms are too short to score).
_PROSE = re.compile(r"^(statement:.*:patient\.text|question:\d+:text|glossary:.*:definition)$")


@dataclass(frozen=True)
class _PoField:
    """A msgstr, shaped like content.text_fields.TextField for the text-safety checks."""

    location_: Location
    text: str
    markdown: bool
    kind: str = "plain"
    field: str = "msgstr"

    def location(self, offset: int) -> Location:
        return self.location_


def numbers(text: str) -> list[str]:
    """The numbers of a text, normalised: any script's digits, a decimal comma read as a point."""
    digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
    out = []
    for m in _NUMBER.finditer(digits):
        value = m.group()
        if re.fullmatch(r"\d+[.,]\d{1,2}", value):  # 2,5 and 2.5 are one number; 1,000 is not a decimal
            value = value.replace(",", ".")
        out.append(value)
    return sorted(out)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _placeholder_problem(source: str, text: str) -> str | None:
    wanted, found = sorted(_PLACEHOLDER.findall(source)), sorted(_PLACEHOLDER.findall(text))
    if wanted != found:
        return f"has the placeholders {', '.join(found) or 'none'}, its source {', '.join(wanted) or 'none'}; keep each %(name)s as it is"
    if wanted and "%" in _PLACEHOLDER.sub("", text).replace("%%", ""):
        return "has a % that is not a placeholder; write %% for a percent sign"
    return None


def _decimal_mark(language: str) -> str:
    from babel.numbers import get_decimal_symbol

    try:
        return get_decimal_symbol(language.replace("-", "_"))
    except (ValueError, LookupError):
        return "."


_DECIMAL = re.compile(r"(?<![\d.,])\d+([.,])\d{1,2}(?![\d.,])")


def _foreign_decimal(text: str, language: str) -> str | None:
    """A decimal number (one or two decimals, e.g. 2.5, 0,20) whose mark is not the language's."""
    mark = _decimal_mark(language)
    for m in _DECIMAL.finditer(text):
        if m.group(1) != mark:
            return m.group()
    return None


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None or not g.translations:
        return
    sources = source_entries(g)
    if g.meta.patient is None:
        for t in g.translations.values():
            yield Diagnostic.warning(t.at(), "translation-unknown-entry", f"{t.language}.po translates a patient explainer this guideline does not have")
        return
    known = {s.key for s in sources}
    for language, t in sorted(g.translations.items()):
        yield from _currency(t, sources, known)
        for source in sources:
            entry = t.entries.get(source.key)
            if entry is None or not entry.text.strip():
                continue
            where = t.at(source.key)
            yield from check_field(_PoField(where, entry.text, source.markdown, "markdown" if source.markdown else "plain"))
            problem = _placeholder_problem(source.text, entry.text) if source.context == TEMPLATE_CONTEXT else None
            if problem:
                yield Diagnostic.error(where, "translation-placeholders", f"the {language} translation of {source.label} {problem}")
            bad_decimal = _foreign_decimal(entry.text, language)
            if bad_decimal:
                yield Diagnostic.warning(
                    where,
                    "translation-decimal",
                    f"{bad_decimal!r} in the {language} translation of {source.label}: {language} writes decimals with "
                    f"{_decimal_mark(language)!r}",
                )
            if is_current(entry, source) and numbers(entry.text) != numbers(source.text):
                yield Diagnostic.error(
                    where,
                    "translation-numbers",
                    f"the {language} translation of {source.label} has the numbers {', '.join(numbers(entry.text)) or 'none'}, "
                    f"its source {', '.join(numbers(source.text)) or 'none'}; a translation must give the same numbers",
                )
        yield from _readability(g, t, sources, gate_for(language, g.meta.patient))


def _currency(t: Translation, sources: list[SourceEntry], known: set[str]) -> Iterator[Diagnostic]:
    absent = []
    for source in sources:
        s = state(t, source)
        entry = t.entries.get(source.key)
        if s == MISSING:
            if entry is None:
                absent.append(source.key.replace("\x04", ":"))
            else:
                yield Diagnostic.warning(
                    t.at(source.key), "translation-missing", f"{source.label} ({source.context}) has no {t.language} translation yet"
                )
        elif s == FUZZY and entry.fuzzy:
            yield Diagnostic.warning(
                t.at(source.key),
                "translation-fuzzy",
                f"the {t.language} translation of {source.label} is marked fuzzy: its source changed; revise it and remove the fuzzy flag",
            )
        elif s == FUZZY:
            yield Diagnostic.warning(
                t.at(source.key),
                "translation-stale",
                f"the {t.language} translation of {source.label} was made from another source text; "
                f"run `guideline translate update {t.language}` and revise it",
            )
    if absent:
        shown = ", ".join(absent[:3]) + (f" and {len(absent) - 3} more" if len(absent) > 3 else "")
        yield Diagnostic.warning(
            t.at(),
            "translation-missing",
            f"{len(absent)} field{'s' if len(absent) != 1 else ''} ha{'ve' if len(absent) != 1 else 's'} no entry in {t.language}.po "
            f"({shown}); run `guideline translate update {t.language}`",
        )
    for context, entry in t.entries.items():
        if context not in known:
            yield Diagnostic.warning(
                Location(t.path, entry.line, 1),
                "translation-unknown-entry",
                f"{context.replace(chr(4), ':')!r} names no field of this guideline; run `guideline translate update {t.language}` to mark it obsolete",
            )


def _readability(g: Guideline, t: Translation, sources: list[SourceEntry], gate: Gate) -> Iterator[Diagnostic]:
    total = None
    for source in sources:
        if not _PROSE.match(source.context) or state(t, source) != "translated":
            continue
        text = t.entries[source.key].text
        result = analyse_english(text, t.language) if gate.formula == "flesch-kincaid" else analyse(text, t.language, source.markdown)
        total = result if total is None else total + result
        where = t.at(source.key)
        if gate.formula is None:
            for sentence in result.sentences:
                if sentence.words > gate.limit:
                    start = " ".join(sentence.text.split()[:6])
                    yield Diagnostic.error(
                        where,
                        "reading-grade",
                        f"a sentence of {sentence.words} words in the {t.language} translation of {source.label} ({start!r}...) is longer "
                        f"than {gate.limit:g} words; readability gate for {t.language}: {gate.describe()}; split it",
                    )
            continue
        score = gate.score(result)
        if result.sentences and not gate.passes(score):
            yield Diagnostic.error(
                where,
                "reading-grade",
                f"the {t.language} translation of {source.label} scores {score:.1f}; readability gate for {t.language}: {gate.describe()}; "
                "use shorter sentences and everyday words",
            )
    if total is not None and gate.formula is not None and total.sentences:
        score = gate.score(total)
        if not gate.passes(score):
            yield Diagnostic.error(
                t.at(),
                "reading-grade",
                f"the {t.language} patient explainer as a whole scores {score:.1f}; readability gate for {t.language}: {gate.describe()}",
            )
