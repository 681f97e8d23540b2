"""Reading grade of plain-language text: an offline approximation of the Flesch-Kincaid grade level.

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

(Kincaid et al. 1975, the formula behind "Flesch-Kincaid grade level" in word processors and in
`textstat`). The formula is exact; what every tool approximates is the counting:

* Markdown is stripped first (emphasis markers, link targets and code fences are not words);
  every block (paragraph, list item, heading) ends a sentence, so a bullet list without full stops
  is not read as one endless sentence.
* Sentences end at `.`, `!` or `?` followed by a space and a capital letter or digit (so "e.g. the"
  and "2.5" do not split), or at the end of a block.
* Words are runs of letters and digits; "well-known" and "don't" are one word each.
* Syllables: the larger of two estimates for each word, because each alone undercounts: Pyphen's
  hyphenation points for the language (offline dictionaries; hyphenation never splits off a single
  letter, so it reads "area" and "idea" as one syllable), and a vowel-group count with the usual
  English corrections (silent final "e", silent "-ed" and "-es"). A number counts one syllable per
  digit (at most four); a word always has at least one.

On hand-counted English text this lands within about 0.5 grade of the true value; textstat, MS
Word and online checkers disagree with each other by a similar margin. The formula was calibrated
for English; for other languages the grade is only a rough guide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyphen

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "dr.", "mr.", "mrs.", "ms.", "prof.", "approx.", "no.", "fig.")
# Starts only at the first of a run of [.!?] (same matches): otherwise "....." + spaces is quadratic.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’\-][^\W_]+)*")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Sentence:
    text: str
    words: int
    syllables: int


@dataclass(frozen=True)
class Readability:
    sentences: tuple[Sentence, ...]

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sentences)

    @property
    def syllables(self) -> int:
        return sum(s.syllables for s in self.sentences)

    @property
    def grade(self) -> float:
        """The Flesch-Kincaid grade level (0.0 for text without words)."""
        return fk_grade(self.words, len(self.sentences), self.syllables)

    def __add__(self, other: "Readability") -> "Readability":
        return Readability(self.sentences + other.sentences)


def fk_grade(words: int, sentences: int, syllables: int) -> float:
    """The Flesch-Kincaid grade level formula."""
    if not words or not sentences:
        return 0.0
    return 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59


# --------------------------------------------------------------------------- Markdown to blocks


# Text with none of these is plain paragraphs, whatever Markdown makes of it: skip the parser (speed).
# `[^\S\n]*`, not `\s*`: the latter ran from every line start across all following blank lines (quadratic).
_MARKUP = re.compile(r"[*_\[\]`#<>|\\!&~=]|^[^\S\n]*(?:[-+]|\d+[.)])(?:\s|$)|^ {4}", re.MULTILINE)


def markdown_blocks(text: str) -> list[str]:
    """The plain text of each block (paragraph, heading, list item, table cell row) of a Markdown text."""
    from generator.content.markdown import renderer

    if not _MARKUP.search(text):
        return [plain for para in re.split(r"\n\s*\n", text) if (plain := " ".join(para.split()))]
    blocks: list[str] = []
    for token in renderer().parse(text):
        if token.type == "inline":
            parts = []
            for child in token.children or ():
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            plain = " ".join("".join(parts).split())
            if plain:
                blocks.append(plain)
        elif token.type in ("fence", "code_block"):
            continue  # code is not prose
    return blocks


def plain_text(text: str) -> str:
    """Markdown without its markup: blocks joined by blank lines."""
    return "\n\n".join(markdown_blocks(text))


# --------------------------------------------------------------------------- counting


def split_sentences(block: str) -> list[str]:
    """Sentences of one block of plain text (the block's end always ends a sentence)."""
    sentences, start = [], 0
    for m in _SENTENCE_END.finditer(block):
        before = block[start : m.end()].rstrip()
        last_word = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
        if last_word in _ABBREVIATIONS:
            continue
        sentences.append(block[start : m.end()].strip())
        start = m.end()
    tail = block[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if _WORD.search(s)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=8)
def _dictionary(language: str) -> pyphen.Pyphen:
    tag = language.replace("-", "_")
    for candidate in (tag, tag.split("_")[0]):
        if not candidate.startswith("en") and candidate in pyphen.LANGUAGES:
            return pyphen.Pyphen(lang=candidate)
    return pyphen.Pyphen(lang="en_GB" if tag == "en_GB" else "en_US")


def _vowel_groups(word: str) -> int:
    w = word.lower()
    if w.startswith("y"):
        w = w[1:]  # a leading y is a consonant ("your", "yes")
    count = len(_VOWEL_GROUP.findall(w))
    if len(w) > 2 and w.endswith("e") and w[-2] not in "aeiouy" and not (w.endswith("le") and len(w) > 3 and w[-3] not in "aeiouy"):
        count -= 1  # silent final e: "make", "medicine" (but "table" keeps its "-le")
    elif len(w) > 3 and w.endswith("ed") and w[-3] not in "aeiouytd":
        count -= 1  # silent -ed: "smiled", "focused" (but "created", "added")
    elif len(w) > 3 and w.endswith("es") and w[-3] not in "aeiouysxzcg" and not w.endswith(("ches", "shes")):
        count -= 1  # silent -es: "makes", "types"
    return max(count, 1)


def syllables(word: str, language: str = "en") -> int:
    """Estimated syllables of one word (see the module docstring)."""
    return _syllables(word.lower(), language)


@lru_cache(maxsize=65536)  # patient text repeats a small vocabulary: counting is the hot path of the check
def _syllables(word: str, language: str) -> int:
    if _NUMBER.match(word):
        return min(max(len(re.sub(r"\D", "", word)), 1), 4)
    total = 0
    for part in re.split(r"['’\-]", word):
        if not part:
            continue
        if part.isdigit():
            total += min(len(part), 4)
            continue
        hyphenated = len(_dictionary(language).positions(part)) + 1
        english = language.split("-")[0] == "en" and part.isascii()
        total += max(hyphenated, _vowel_groups(part)) if english else hyphenated
    return max(total, 1)


def analyse_plain(blocks: list[str], language: str = "en") -> Readability:
    """Readability of blocks of plain text."""
    out = []
    for block in blocks:
        for sentence in split_sentences(block):
            ws = words(sentence.lower())
            out.append(Sentence(sentence, len(ws), sum(map(_syllables, ws, [language] * len(ws)))))
    return Readability(tuple(out))


def analyse(markdown_text: str, language: str = "en") -> Readability:
    """Readability of a Markdown text (plain text is valid Markdown)."""
    return analyse_plain(markdown_blocks(markdown_text), language)
