"""Everything about citing a reference, in one place: numbering, names, years, DOI links, AMA entries.

The clinician protocol, the patient explainer and the FHIR export all use this module, so a work has
one number in every document, one spelling of each author and one link.

An AMA entry (AMA Manual of Style, 11th ed.) is a list of segments {"text", "style"} (style: "plain",
"italic" or "link" with "href"), so the templates decide the markup and this module holds no HTML.
Hand-written rather than citeproc-py, whose AMA output glues the entry number to the text (see
docs/design.md); tests/test_citations_csl.py compares every entry with citeproc-js and the official
AMA CSL style.
"""

from __future__ import annotations

import re

from generator.content import doi
from generator.content.guideline import Guideline
from generator.content.models import CslDate, CslName, Reference
from generator.render.numbering import ordered_statements

MAX_AUTHORS = 6  # AMA: list all authors up to 6; with more, the first 3 followed by "et al"
AUTHORS_BEFORE_ET_AL = 3
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def reference_numbers(g: Guideline) -> dict[str, int]:
    """reference id -> 1, 2, ... in order of first citation through the protocol.

    The one numbering of a guideline's references: the protocol, the explainer's sources (a subset,
    keeping these numbers) and the FHIR Composition all use it. References no statement cites (a
    check warning) follow in file order, so every DOI is still listed.
    """
    numbers: dict[str, int] = {}
    known = {r.id for r in g.references}
    for statement in ordered_statements(g):
        for key in statement.citation_keys:
            if key in known and key not in numbers:
                numbers[key] = len(numbers) + 1
    for ref in g.references:
        if ref.id not in numbers:
            numbers[ref.id] = len(numbers) + 1
    return numbers


def initials(given: str) -> str:
    """AMA initials, without periods or hyphens: "A. J." -> "AJ", "Xiao-Shan" -> "XS", "Mary Ann" -> "MA"."""
    out = []
    for word in given.replace(".", ". ").split():
        out.extend(p[0].upper() for p in word.split("-") if p)
    return "".join(out)


def family_name(name: CslName) -> str:
    """"van Gogh", "EORTC Lung Cancer Group": how plain text names a person or group."""
    if name.literal:
        return name.literal
    return " ".join(p for p in (name.non_dropping_particle, name.family) if p) or (name.given or "")


def author_name(name: CslName) -> str:
    """AMA form: family name, then initials ("Weickhardt AJ", "King ML Jr")."""
    if name.literal:
        return name.literal
    family = " ".join(p for p in (name.non_dropping_particle, name.family) if p)
    given = initials(" ".join(p for p in (name.given, name.dropping_particle) if p)) if name.given else ""
    text = " ".join(p for p in (family, given) if p)
    return f"{text} {name.suffix}" if name.suffix else text


def author_list(names: list[CslName], truncated: bool = False) -> str:
    """AMA: all authors up to 6, else the first 3 and "et al". A list the record holds only in part
    (`authors_truncated: true`) always ends in "et al": it never reads as complete."""
    if not names:
        return ""
    if len(names) > MAX_AUTHORS:
        return ", ".join(author_name(n) for n in names[:AUTHORS_BEFORE_ET_AL]) + ", et al"
    listed = ", ".join(author_name(n) for n in names)
    return listed + ", et al" if truncated else listed


def year(date: CslDate | None) -> str:
    if date is None:
        return ""
    if date.date_parts and date.date_parts[0]:
        return str(date.date_parts[0][0])
    for text in (date.literal, date.raw):
        if text and (m := re.search(r"\d{4}", text)):
            return m.group()
    return ""


def long_date(date: CslDate | None) -> str:
    """AMA's date for a work without volume: "March 2013", "August 8, 2017", "2019" (or "")."""
    if date is None or not date.date_parts or not date.date_parts[0]:
        return year(date)
    parts = [int(p) for p in date.date_parts[0] if str(p).strip().isdigit()]
    if len(parts) >= 2 and 1 <= parts[1] <= 12:
        month = MONTHS[parts[1] - 1]
        return f"{month} {parts[2]}, {parts[0]}" if len(parts) >= 3 else f"{month} {parts[0]}"
    return str(parts[0]) if parts else year(date)


# CSL's English title-case stop words (kept lower case unless first, last or after a colon).
_STOP_WORDS = frozenset(
    "a an and as at but by down for from in into nor of on onto or over so the till to up via with yet".split()
)


def title_case(text: str) -> str:
    """CSL title case, as AMA sets book titles: each word capitalised (every part of a hyphenated one),
    stop words lower case inside the title, words that already hold a capital left as written."""
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        after_colon = i > 0 and words[i - 1].endswith(":")
        inner = 0 < i < len(words) - 1
        if any(c.isupper() for c in word):
            out.append(word)
        elif word.lower() in _STOP_WORDS and inner and not after_colon:
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)


def _sentence(text: str) -> str:
    """End with a period unless the text already ends with terminal punctuation."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def format_reference(ref: Reference) -> list[dict]:
    """The AMA entry of `ref` as segments: Authors. Title. *Journal*. Year;Vol(Issue):Pages. doi:..."""
    segments: list[dict] = []

    def plain(text: str) -> None:
        if segments and segments[-1]["style"] == "plain":
            segments[-1]["text"] += text
        else:
            segments.append({"text": text, "style": "plain"})

    authors = author_list(ref.author, ref.authors_truncated) or (author_list(ref.editor) + (", eds" if ref.editor else ""))
    if authors:
        plain(_sentence(authors) + " ")
    is_book = ref.type in ("book", "report", "thesis")
    if is_book:
        segments.append({"text": title_case(_sentence(ref.title).rstrip(".")), "style": "italic"})
        plain(". ")
    else:
        plain(_sentence(ref.title) + " ")
    journal = (ref.container_title_short or ref.container_title or "").replace(".", "").strip()
    if is_book:
        when = year(ref.issued)
        plain("; ".join(p for p in (ref.publisher, when) if p) + ". " if (ref.publisher or when) else "")
    else:
        if journal:
            segments.append({"text": journal, "style": "italic"})
            plain(". ")
        if ref.volume or ref.issue:
            detail = year(ref.issued)
            detail += ";" + (str(ref.volume) if ref.volume else "") + (f"({ref.issue})" if ref.issue else "")
        else:  # AMA: a work not (yet) in an issue is dated by its online publication
            when = long_date(ref.issued)
            detail = f"Published online {when}" if when else ""
        locator = ref.number or ref.page
        if locator:
            detail += f":{locator}" if detail else str(locator)
        if detail:
            plain(detail + ". ")
    normal = doi.normalise(ref.DOI)
    segments.append({"text": f"doi:{normal}", "style": "link", "href": doi.url(ref.DOI)})
    return segments


def plain_text(segments: list[dict]) -> str:
    return "".join(s["text"] for s in segments)
