"""Every number in a statement is one that the supporting text of a reference it cites gives.

The supporting text of a statement is the `quote` and `locator` of each of its citations (for patient
text, also those of the statements it is `also_based_on`). A number the guideline sets itself (a
threshold, an interval) is listed under the statement's `definition_numbers` instead. Checked: the
statement text, the evidence-summary fields `design`, `participants` and `result`, and the patient
text; not titles or the study name, which carry trial names and years.

How numbers are read (the same way in the checked text and in the supporting text):

- a number is a run of digits with an optional decimal part (`6.2`, `.022` = `0.022`, and the
  Lancet's `0·20`), standing alone: digits inside a word (`T790M`, `HER2`, `PFS2`, `NCT03256981`) are
  not numbers, nor is the number of a Markdown list item (`1. `) in the checked text;
- numbers compare by value: `10.0` = `10`, `.20` = `0.20`; a percent sign is ignored
  (`23%` = `23 %` = `23`), and so is a range's dash (`3-21` is 3 and 21);
- number words count as the number (`four sites or fewer` supports `4`, `Twenty-five` supports
  `25`); in the checked text "one" does not, because it is far more often a pronoun ("one of them",
  "in one study") than a count, but in supporting text it does ("one with surgery" supports `1`);
- a frequency written "N in M" or "N out of M" (plain-language patient text: "23 in 100") is
  supported when N/M, as a percentage, is exactly a supported number ("23 in 100" by "23%"), or
  when N and M are both supported; "about 1 in 4" for 23% is not: round numbers hide the figure.
"""

from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Iterable, Iterator

from generator.check.word_pattern import alternation
from generator.content.guideline import Guideline
from generator.content.models import ContentModel, Statement
from generator.diagnostics import Diagnostic

UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_DIGITS = r"(?:\d+(?:[.·]\d+)?|\.\d+)"  # "·" is the Lancet's decimal point (0·20)
_UNIT = "|".join(UNITS)
_WORD = alternation([(t, rf"(?:[- ](?:{_UNIT}))?") for t in TENS] + [(w, "") for w in (*TEENS, *UNITS)])
NUMBER = re.compile(rf"(?<![\w.·])(?:{_DIGITS}(?![\w])|\b{_WORD}\b)", re.IGNORECASE)
RATIO = re.compile(rf"(?<![\w.·])({_DIGITS}) (?:in|out of) ({_DIGITS})(?!\w)", re.IGNORECASE)
LIST_MARKER = re.compile(r"^[ \t]*\d+[.)][ \t]", re.MULTILINE)  # "1. " opening a Markdown list item


@lru_cache(maxsize=4096)  # a guideline writes the same few hundred numbers again and again
def value(token: str) -> Decimal | None:
    if token[:1].isdigit():
        try:
            return Decimal(token.replace("·", ".")).normalize()
        except InvalidOperation:
            return None
    word = token.lower().replace("-", " ").split()
    if word and word[0] in TENS:
        return Decimal(TENS[word[0]] + (UNITS[word[1]] if len(word) > 1 else 0))
    if word and word[0] in TEENS:
        return Decimal(TEENS[word[0]])
    if word and word[0] in UNITS:
        return Decimal(UNITS[word[0]])
    try:
        return Decimal(token.replace("·", ".")).normalize()
    except InvalidOperation:
        return None


def numbers_in(text: str, *, checked: bool = False) -> Iterator[tuple[int, str, Decimal]]:
    """(offset, as written, value) for every number in `text`. In checked text (`checked=True`) the word
    "one" and the numbers of Markdown list markers ("1. ") are not numbers."""
    markers = (
        {m.start() + len(m.group()) - len(m.group().lstrip()) for m in LIST_MARKER.finditer(text)}
        if checked and ("." in text or ")" in text) else set()
    )
    for m in NUMBER.finditer(text):
        if checked and (m.start() in markers or m.group().lower() == "one"):
            continue
        v = value(m.group())
        if v is not None:
            yield m.start(), m.group(), v


def unsupported(text: str, supported: set[Decimal]) -> Iterator[tuple[int, str]]:
    """(offset, as written) of each number in `text` that `supported` does not contain."""
    in_ratio: set[int] = set()
    for m in RATIO.finditer(text) if " in " in text or " out of " in text else ():
        share, whole = value(m.group(1)), value(m.group(2))
        in_ratio.update((m.start(1), m.start(2)))
        if share is None or not whole:
            continue
        if (share * 100 / whole).normalize() in supported or {share, whole} <= supported:
            continue
        yield m.start(), m.group()
    for offset, written, v in numbers_in(text, checked=True):
        if offset not in in_ratio and v not in supported:
            yield offset, written


def _support(s: Statement) -> tuple[frozenset[Decimal], tuple[str, ...]]:
    """The numbers the citations of `s` (and its definition_numbers) support, and the keys it cites."""
    values: set[Decimal] = set()
    keys: list[str] = []
    for c in s.citations:
        keys.append(c.key)
        for text in (c.quote, c.locator):
            if text:
                values.update(v for _, _, v in numbers_in(text))
    for n in s.definition_numbers:
        v = value(str(n))
        if v is not None:
            values.add(v)
    return frozenset(values), tuple(dict.fromkeys(keys))


def _support_of(statements: Iterable[Statement], own: dict[int, tuple[frozenset[Decimal], tuple[str, ...]]]) -> tuple[set[Decimal], list[str]]:
    """The union of the support of several statements, each read once (`own`, by the statement object:
    two statements may share an id, which another rule reports)."""
    values: set[Decimal] = set()
    keys: list[str] = []
    for s in statements:
        if id(s) not in own:
            own[id(s)] = _support(s)
        found, cited = own[id(s)]
        values |= found
        keys.extend(cited)
    return values, list(dict.fromkeys(keys))


def _fields(s: Statement) -> Iterator[tuple[ContentModel, str, str, str]]:
    yield s, "text", s.text, "text"
    if s.study is not None:
        for name in ("design", "participants", "result"):
            yield s.study, name, getattr(s.study, name), f"study {name}"


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    by_id = g.statements_by_id
    read: dict[int, tuple[frozenset[Decimal], tuple[str, ...]]] = {}
    for s in g.statements:
        own, keys = _support_of([s], read)
        checks = [(owner, name, text, label, own, keys) for owner, name, text, label in _fields(s)]
        if s.patient is not None:
            based_on = [s, *(by_id[i] for i in s.patient.also_based_on if i in by_id)]
            values, patient_keys = _support_of(based_on, read)
            checks.append((s.patient, "text", s.patient.text, "patient text", values, patient_keys))
        for owner, name, text, label, values, cited in checks:
            reported: set[str] = set()
            for offset, written in unsupported(text, values):
                if written.lower() in reported:
                    continue
                reported.add(written.lower())
                sources = ", ".join(cited) if cited else "none"
                yield Diagnostic.warning(
                    owner.text_location(name, offset),
                    "unsupported-number",
                    f"{written!r} in the {label} of {s.id!r} appears in no quote or locator of the references it "
                    f"cites ({sources}); quote the passage that gives it in the citation, or list it under "
                    "definition_numbers if the guideline sets it itself",
                )
