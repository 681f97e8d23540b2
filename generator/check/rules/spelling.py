"""One spelling convention per guideline, from its locale: `language: en-GB` (or another English
region but the US) writes "tumour" and "randomised", `en-US` writes "tumor" and "randomized"; the
rule reports every word of the other convention. A guideline in plain `en` is told when it mixes
the two. Reference records (titles are the publisher's), quotations and editorial notes are left
as they are. The templates use neither spelling (tests/test_spelling.py), so a document's frame
never contradicts its content.
"""

from __future__ import annotations

import re
from typing import Iterator

from generator.check.word_pattern import alternation
from generator.content import models as m
from generator.content.guideline import Guideline
from generator.content.text_fields import iter_text
from generator.diagnostics import Diagnostic

# (British, American) spellings of the same word start, and the endings that may follow
# ("tumours", "haemorrhagic"; short words take only their own endings: "literature" is no litre).
ANY = r"[a-z]*"
WORD_STARTS = [
    ("tumour", "tumor", ANY), ("haemorrhag", "hemorrhag", ANY), ("haematolog", "hematolog", ANY),
    ("haemoglobin", "hemoglobin", ANY), ("anaemi", "anemi", ANY), ("leukaemi", "leukemi", ANY),
    ("oedema", "edema", ANY), ("oesophag", "esophag", ANY), ("oestrogen", "estrogen", ANY),
    ("paediatric", "pediatric", ANY), ("gynaecolog", "gynecolog", ANY), ("behaviour", "behavior", ANY),
    ("colour", "color", r"(?:s|ed|ing|ful)?"), ("favour", "favor", r"(?:s|ed|ing|able|ably)?"),
    ("centre", "center", r"s?"), ("fibre", "fiber", r"s?"), ("litre", "liter", r"s?"),
]
# -ise / -ize (and -isation / -ization) verbs: the stem, then one of these endings.
ISE_STEMS = [
    "random", "organ", "character", "minim", "optim", "local", "util", "recogn", "priorit", "standard",
    "hospital", "immun", "ion", "summar", "real", "final", "categor", "emphas", "special", "general",
    "individual", "normal", "steril", "visual",
]
ISE_ENDINGS = r"(?:e|ed|es|er|ers|ing|ation|ations)"

UK = "British"
US = "American"


def _pattern(entries: list[tuple[str, str]]) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + alternation(entries) + r"(?![\w-])", re.IGNORECASE)


PATTERNS = {
    UK: _pattern([(uk, end) for uk, _, end in WORD_STARTS] + [(s + "is", ISE_ENDINGS) for s in ISE_STEMS] + [("analys", "(?:e|ed|es|ing)")]),
    US: _pattern([(us, end) for _, us, end in WORD_STARTS] + [(s + "iz", ISE_ENDINGS) for s in ISE_STEMS] + [("analyz", "(?:e|ed|es|ing)")]),
}
# Both conventions in one pass: a text holds few such words, each then told apart by PATTERNS.
EITHER = _pattern([(w, end) for uk, us, end in WORD_STARTS for w in (uk, us)]
                  + [(s + z, ISE_ENDINGS) for s in ISE_STEMS for z in ("is", "iz")] + [("analy" + z, "(?:e|ed|es|ing)") for z in "sz"])
# Words spelled so in both conventions.
NEUTRAL = re.compile(r"^(?:colorectal|colorimetr)", re.IGNORECASE)

SKIPPED = {(m.Statement, "notes"), (m.Citation, "quote"), (m.Citation, "locator")}


def convention(language: str) -> str | None:
    """The convention a language tag asks for: None for plain `en` (and for other languages)."""
    lang, _, region = language.partition("-")
    if lang != "en" or not region:
        return None
    return US if region == "US" else UK


def other(name: str) -> str:
    return US if name == UK else UK


def _words(g: Guideline) -> Iterator[tuple[str, object, re.Match]]:
    """(convention, text field, match) for every convention-specific word in published text."""
    for field in iter_text(g):
        owner = type(field.owner)
        if field.kind == "identifier" or owner is m.Reference or owner is m.CslName or (owner, field.field) in SKIPPED:
            continue
        for match in EITHER.finditer(field.text):
            if NEUTRAL.match(match.group()):
                continue
            for name, pattern in PATTERNS.items():
                if pattern.fullmatch(match.group()):
                    yield name, field, match


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None or not g.meta.language.startswith("en"):
        return
    found = list(_words(g))
    wanted = convention(g.meta.language)
    if wanted is None:  # plain `en`: only a mixture is reported, against the more frequent convention
        counts = {UK: 0, US: 0}
        for name, _, _ in found:
            counts[name] += 1
        if not (counts[UK] and counts[US]):
            return
        wanted = UK if counts[UK] >= counts[US] else US
        reason = f"the guideline mostly uses {wanted} spelling (declare language: en-GB or en-US)"
    else:
        reason = f"language {g.meta.language} uses {wanted} spelling"
    for name, field, match in found:
        if name == wanted:
            continue
        yield Diagnostic.warning(
            field.location(match.start()),
            "spelling-variant",
            f"{match.group()!r} is {name} spelling; {reason}: write it the {wanted} way",
        )
