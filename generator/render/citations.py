"""AMA-style references (AMA Manual of Style, 11th ed.) from CSL records, as data the templates print.

An entry is a list of segments {"text", "style"} (style: "plain", "italic" or "link" with "href"), so
the templates decide the markup and this module holds no HTML. Hand-written rather than citeproc-py,
whose AMA output glues the entry number to the text (see DESIGN.md).
"""

from __future__ import annotations

import re

from urllib.parse import quote

from generator.content.doi import normalise as normalize_doi
from generator.content.models import CslDate, CslName, Reference

MAX_AUTHORS = 6  # AMA: list all authors up to 6; with more, the first 3 followed by "et al"
AUTHORS_BEFORE_ET_AL = 3


def initials(given: str) -> str:
    """AMA initials, without periods: "A. J." -> "AJ", "Jean-Pierre" -> "J-P", "Mary Ann" -> "MA"."""
    out = []
    for word in given.replace(".", ". ").split():
        parts = [p for p in word.split("-") if p]
        out.append("-".join(p[0].upper() for p in parts))
    return "".join(out)


def author_name(name: CslName) -> str:
    if name.literal:
        return name.literal
    family = " ".join(p for p in (name.non_dropping_particle, name.family) if p)
    given = initials(" ".join(p for p in (name.given, name.dropping_particle) if p)) if name.given else ""
    text = " ".join(p for p in (family, given) if p)
    return f"{text} {name.suffix}" if name.suffix else text


def author_list(names: list[CslName]) -> str:
    if not names:
        return ""
    if len(names) > MAX_AUTHORS:
        return ", ".join(author_name(n) for n in names[:AUTHORS_BEFORE_ET_AL]) + ", et al"
    return ", ".join(author_name(n) for n in names)


def year(date: CslDate | None) -> str:
    if date is None:
        return ""
    if date.date_parts and date.date_parts[0]:
        return str(date.date_parts[0][0])
    for text in (date.literal, date.raw):
        if text and (m := re.search(r"\d{4}", text)):
            return m.group()
    return ""


def _sentence(text: str) -> str:
    """End with a period unless the text already ends with terminal punctuation."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def doi_url(doi: str) -> str:
    """The resolver link; characters a URL cannot hold (old SICI DOIs have < > #) are percent-encoded."""
    return "https://doi.org/" + quote(normalize_doi(doi), safe="/:;()._-")


def format_reference(ref: Reference) -> list[dict]:
    """The AMA entry of `ref` as segments: Authors. Title. *Journal*. Year;Vol(Issue):Pages. doi:..."""
    segments: list[dict] = []

    def plain(text: str) -> None:
        if segments and segments[-1]["style"] == "plain":
            segments[-1]["text"] += text
        else:
            segments.append({"text": text, "style": "plain"})

    authors = author_list(ref.author) or (author_list(ref.editor) + (", eds" if ref.editor else ""))
    if authors:
        plain(_sentence(authors) + " ")
    is_book = ref.type in ("book", "report", "thesis")
    if is_book:
        segments.append({"text": _sentence(ref.title).rstrip("."), "style": "italic"})
        plain(". ")
    else:
        plain(_sentence(ref.title) + " ")
    journal = ref.container_title_short or ref.container_title
    when = year(ref.issued)
    if is_book:
        plain("; ".join(p for p in (ref.publisher, when) if p) + ". " if (ref.publisher or when) else "")
    else:
        if journal:
            segments.append({"text": journal.rstrip("."), "style": "italic"})
            plain(". ")
        detail = when
        if ref.volume:
            detail += f";{ref.volume}"
            if ref.issue:
                detail += f"({ref.issue})"
        elif ref.issue:
            detail += f";({ref.issue})"
        if ref.page:
            detail += f":{ref.page}"
        elif ref.number and not ref.volume:
            detail += f":{ref.number}"
        if detail:
            plain(detail + ". ")
    doi = normalize_doi(ref.DOI)
    segments.append({"text": f"doi:{doi}", "style": "link", "href": doi_url(ref.DOI)})
    return segments


def plain_text(segments: list[dict]) -> str:
    return "".join(s["text"] for s in segments)
