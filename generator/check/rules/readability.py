"""Patient text reads at or below the guideline's reading grade, in short sentences (see generator/check/readability.py)."""

from __future__ import annotations

import re
from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline
from generator.content.patient_text import PatientBlock, prose_blocks
from generator.check.readability import Readability, analyse, analyse_plain, fk_grade, syllables, words

ADVICE = "use shorter sentences and everyday words"


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return
    language = g.meta.language
    limit = patient.reading_grade_max
    total_words = total_sentences = total_syllables = 0
    for block in prose_blocks(g):
        result = analyse(block.text, language) if block.markdown else analyse_plain([" ".join(block.text.split())], language)
        total_words += result.words
        total_sentences += len(result.sentences)
        total_syllables += result.syllables
        if result.grade > limit:
            yield Diagnostic.error(
                block.owner.location(block.field),
                "reading-grade",
                f"{block.label} reads at Flesch-Kincaid grade {result.grade:.1f}, above the maximum {limit:g} "
                f"(patient.reading_grade_max){_hard_words(result, language)}; {ADVICE}",
            )
        yield from _long_sentences(block, result, patient.long_sentence_words)
    whole = fk_grade(total_words, total_sentences, total_syllables)
    if total_sentences and whole > limit:
        yield Diagnostic.error(
            patient.location("reading_grade_max"),
            "reading-grade",
            f"the patient explainer as a whole reads at Flesch-Kincaid grade {whole:.1f}, above the maximum {limit:g}; {ADVICE}",
        )


def _hard_words(result: Readability, language: str) -> str:
    found: dict[str, int] = {}
    for sentence in result.sentences:
        for w in words(sentence.text):
            n = syllables(w, language)
            if n >= 4 and w.lower() not in found:
                found[w.lower()] = n
    if not found:
        return ""
    longest = sorted(found, key=lambda w: -found[w])[:3]
    return "; longest words: " + ", ".join(longest)


def _long_sentences(block: PatientBlock, result: Readability, limit: int) -> Iterator[Diagnostic]:
    for sentence in result.sentences:
        if sentence.words <= limit:
            continue
        # Locate the sentence by its first words (Markdown may sit between them in the source).
        lead = words(sentence.text)[:3]
        m = re.search(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in lead) + r"(?!\w)", block.text)
        where = block.owner.text_location(block.field, m.start()) if m else block.owner.location(block.field)
        start = " ".join(sentence.text.split()[:6])
        yield Diagnostic.warning(
            where,
            "long-sentence",
            f"a sentence of {sentence.words} words in {block.label} ({start!r}...) is longer than "
            f"{limit} words (patient.long_sentence_words); split it",
        )
