"""The readability gate of each language of the patient explainer.

Readability formulas are validated for one language each; applying Flesch-Kincaid to Spanish or
Arabic measures nothing. So each language gets the formula validated for it, and a language
without one gets a plain sentence-length limit, and every message says which gate applied:

| language | gate |
|---|---|
| English (the source text) | Flesch-Kincaid grade <= `patient.reading_grade_max` (check/readability.py) |
| Spanish | Fernández-Huerta reading ease >= the score of that school grade |
| any other | every sentence at most `patient.long_sentence_words` words |

Fernández-Huerta (1959) adapted Flesch's reading ease to Spanish. It is usually printed as
`206.84 - 0.60 P - 1.02 F` with F the sentences per 100 words, which makes shorter sentences read
*harder*; the consistent form, used here, takes F as words per sentence:

    L = 206.84 - 60 * (syllables / words) - 1.02 * (words / sentences)

(0.60 x syllables per 100 words = 60 x syllables per word). Its published scale maps scores to
school grades: 90-100 grade 4, 80-90 grade 5, 70-80 grade 6, 60-70 grades 7-8, 50-60 pre-university,
30-50 university. A `reading_grade_max` of 8 therefore asks for L >= 60.

Spanish syllables are counted by rule (Spanish spelling is close to syllabic): each group of
vowels is one syllable, except that two strong vowels (a, e, o) side by side, or a weak vowel
(i, u) with a written accent next to another vowel, are a hiatus and count two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.check.readability import Readability, Sentence, fk_grade, markdown_blocks, words

_ES_VOWELS = "aeiouáéíóúü"
_ES_STRONG = "aeoáéó"
_ES_GROUP = re.compile(f"[{_ES_VOWELS}y]+")
# Sentences end at . ! ? (and the Arabic question mark, the Urdu full stop) followed by a space:
# Spanish opens questions with ¿ and Arabic has no capitals, so no capital letter is required.
_SENTENCE_END = re.compile(r"(?<![.!?؟۔])[.!?؟۔]+[\"'”’»)\]]*(?=\s|$)")
_ABBREVIATIONS = ("p. ej.", "ej.", "dr.", "dra.", "sr.", "sra.", "etc.", "aprox.")

# (highest grade, lowest Fernández-Huerta score) from the formula's published scale
_FH_SCALE = ((4, 90.0), (5, 80.0), (6, 70.0), (8, 60.0), (12, 50.0), (16, 30.0))


def spanish_syllables(word: str) -> int:
    w = word.lower()
    if w.isdigit():
        return min(len(w), 4)
    count = 0
    for m in _ES_GROUP.finditer(w):
        group = m.group()
        if group == "y":
            # y is a vowel only alone ("y") or at a word's end after a vowel ("hoy", "muy")
            if len(w) == 1:
                count += 1
            continue
        group = group.rstrip("y") if m.end() < len(w) else group
        group = group.replace("y", "i")
        n = 1
        for a, b in zip(group, group[1:]):
            if (a in _ES_STRONG and b in _ES_STRONG) or a in "íú" or b in "íú":
                n += 1
        count += n
    return max(count, 1)


def split_sentences(block: str) -> list[str]:
    sentences, start = [], 0
    for m in _SENTENCE_END.finditer(block):
        before = block[start : m.end()].strip().lower()
        if before.endswith(_ABBREVIATIONS):
            continue
        sentences.append(block[start : m.end()].strip())
        start = m.end()
    tail = block[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if words(s)]


def analyse(text: str, language: str, markdown: bool = True) -> Readability:
    """Sentences, words and syllables of a translated text (syllables counted for Spanish only)."""
    blocks = markdown_blocks(text) if markdown else [" ".join(text.split())]
    out = []
    for block in blocks:
        for sentence in split_sentences(block):
            ws = words(sentence)
            syl = sum(spanish_syllables(w) for w in ws) if language.split("-")[0] == "es" else 0
            out.append(Sentence(sentence, len(ws), syl))
    return Readability(tuple(out))


def fernandez_huerta(words_: int, sentences: int, syllables: int) -> float:
    if not words_ or not sentences:
        return 100.0
    return 206.84 - 60.0 * (syllables / words_) - 1.02 * (words_ / sentences)


def fernandez_huerta_minimum(grade_max: float) -> float:
    for grade, score in _FH_SCALE:
        if grade_max <= grade:
            return score
    return 0.0


@dataclass(frozen=True)
class Gate:
    language: str
    formula: str | None  # None: the sentence-length limit
    limit: float

    def describe(self) -> str:
        if self.formula == "fernandez-huerta":
            return f"Fernández-Huerta reading ease at least {self.limit:g} (Spanish; from patient.reading_grade_max)"
        if self.formula == "flesch-kincaid":
            return f"Flesch-Kincaid grade at most {self.limit:g}"
        return (
            f"no validated readability formula for {self.language}: every sentence at most {self.limit:g} words "
            "(patient.long_sentence_words)"
        )

    def score(self, r: Readability) -> float | None:
        if self.formula == "fernandez-huerta":
            return fernandez_huerta(r.words, len(r.sentences), r.syllables)
        if self.formula == "flesch-kincaid":
            return fk_grade(r.words, len(r.sentences), r.syllables)
        return None

    def passes(self, value: float) -> bool:
        return value >= self.limit if self.formula == "fernandez-huerta" else value <= self.limit


def gate_for(language: str, patient) -> Gate:
    """The gate of a translation into `language` (patient: the guideline's PatientSettings)."""
    base = language.split("-")[0]
    if base == "es":
        return Gate(language, "fernandez-huerta", fernandez_huerta_minimum(patient.reading_grade_max))
    if base == "en":
        return Gate(language, "flesch-kincaid", patient.reading_grade_max)
    return Gate(language, None, float(patient.long_sentence_words))
