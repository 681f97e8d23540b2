"""Print typography for rendered text: en dashes in numeric ranges and between spaced clauses.

Authors type "0-2", "10.1-13.3" and "2-3 months - progression?" on a keyboard; a published guideline
prints "0–2", "10.1–13.3" and "2–3 months – progression?". Dates (2026-06-01), identifiers
(PD-L1, S0169-5002, T790M) and words (FDG-PET-CT) keep their hyphens. Only text is changed, never
markup: in HTML the tags (and so every href) are left as they are.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup, escape

from generator.content import markdown

# a number (optionally decimal) - a number, not part of a longer word, date or identifier
_RANGE = re.compile(r"(?<![\w.\-/])(\d+(?:[.,]\d+)?)-(\d+(?:[.,]\d+)?)(?![\w\-/]|[.,]\d)")
_SPACED = re.compile(r"(?<=\S) - (?=\S)")
_TAG = re.compile(r"(<[^>]*>)")


def dashes(text: str) -> str:
    """Plain text with its ranges and spaced hyphens set as en dashes."""
    return _SPACED.sub(" – ", _RANGE.sub("\\1–\\2", text))


def dashes_html(markup: str) -> Markup:
    """The same for HTML: only the text between tags changes. A plain string is escaped first."""
    parts = _TAG.split(str(escape(markup)))
    return Markup("".join(part if part.startswith("<") else dashes(part) for part in parts))


def plain_text(markdown_text: str) -> str:
    """Markdown as the plain text a reader sees (for PDF metadata and other places without markup)."""
    rendered = _TAG.sub("", markdown.render_inline(" ".join(markdown_text.split())))
    return dashes(html.unescape(rendered))
