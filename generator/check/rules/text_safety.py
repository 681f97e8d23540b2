"""Author text stays text: no raw HTML, no unsafe links or images, no template code, no hidden characters."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline
from generator.content.markdown import SAFE_LINK_SCHEMES, inspector
from generator.content.text_fields import TextField, iter_text

# Bidirectional controls can make text read differently from how it is stored ("Trojan Source").
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Characters that print as nothing, decided by Unicode category rather than by a list: controls
# (Cc: tab and line breaks excepted), formats (Cf: zero-width space and joiners, soft hyphen,
# word joiner, invisible operators, U+180E, the TAG characters U+E0000-E007F), private use and
# surrogates; plus the letters and marks that fonts draw as blank: Hangul fillers, the braille
# blank, the combining grapheme joiner, Khmer inherent vowels and the variation selectors.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs"}
_BLANK = re.compile("[\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# The colon also as an HTML entity: Markdown decodes `javascript&#58;` in a link target.
_UNSAFE_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data|file)\s*(?::|&colon;|&#0*58;?|&#x0*3a;?)")
_TEMPLATE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#")
_RAW_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!--")
LONG_WORD = 60
# Whatever any check below could report starts with a character outside printable ASCII (hidden
# and bidirectional characters), a brace (template code), `<` (HTML), a Markdown link or image
# marker, a scheme word before a colon or an entity, or is a word longer than LONG_WORD. Most text
# has none of them and is passed after these scans instead of six.
_SUSPECT = re.compile(r"[^\x20-\x7e\t\n\r]|[{}<]|\]\(|\]:|!\[")


def _maybe_unsafe(text: str) -> bool:
    if _SUSPECT.search(text):
        return True
    if (":" in text or "&" in text) and _UNSAFE_SCHEME.search(text):
        return True
    return len(text) > LONG_WORD and max(map(len, text.split()), default=0) > LONG_WORD


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    for field in iter_text(g):
        if field.kind == "identifier" or _maybe_unsafe(field.text):
            yield from check_field(field)


def _at(field: TextField, offset: int):
    return field.location(offset)


_CANDIDATE = re.compile("[^\x20-\x7e\t\n\r]")  # printable ASCII never needs a look-up


def invisible_character(text: str) -> int | None:
    """The offset of the first character that prints as nothing (bidirectional controls excepted)."""
    for m in _CANDIDATE.finditer(text):
        ch = m.group()
        if _BIDI.match(ch):
            continue
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES or _BLANK.match(ch):
            return m.start()
    return None


def _check_characters(f: TextField) -> Iterator[Diagnostic]:
    text = f.text
    m = _BIDI.search(text)
    if m:
        yield Diagnostic.error(
            _at(f, m.start()), "bidi-control", f"invisible bidirectional control character U+{ord(m.group()):04X}; delete it"
        )
    i = invisible_character(text)
    if i is not None:
        yield Diagnostic.error(
            _at(f, i), "invisible-character",
            f"invisible character U+{ord(text[i]):04X} ({unicodedata.name(text[i], 'unnamed')}); delete it",
        )


def check_field(f: TextField) -> Iterator[Diagnostic]:
    text = f.text
    yield from _check_characters(f)
    if f.kind == "identifier":  # a DOI or URL: its syntax is checked elsewhere; a URL's scheme here
        m = _UNSAFE_SCHEME.search(text)
        if m and f.field == "URL":
            yield Diagnostic.error(
                _at(f, m.start()), "unsafe-url", f"{m.group(1).lower()}: URLs are not allowed in content; link to an https:// page"
            )
        return
    m = _TEMPLATE.search(text)
    if m:
        yield Diagnostic.error(
            _at(f, m.start()),
            "template-syntax",
            f"{m.group()!r} looks like template code; content is never evaluated as a template, remove it",
        )
    m = _UNSAFE_SCHEME.search(text)
    if m:
        yield Diagnostic.error(
            _at(f, m.start()), "unsafe-url", f"{m.group(1).lower()}: URLs are not allowed in content; link to an https:// page"
        )
    for word in re.finditer(r"\S{%d,}" % (LONG_WORD + 1), text):
        if not word.group().lower().lstrip("(<[").startswith(SAFE_LINK_SCHEMES):
            yield Diagnostic.error(
                _at(f, word.start()),
                "long-word",
                f"a {len(word.group())}-character word cannot be laid out on a page; break it up",
            )
            break
    if f.markdown:
        # Only text with a tag, link or image marker can hold raw HTML, links or images:
        # skip the (comparatively slow) Markdown parse for the rest.
        if "<" in text or "](" in text or "]:" in text or "![" in text:
            yield from _check_markdown(f)
    else:
        m = _RAW_TAG.search(text)
        if m:
            yield Diagnostic.error(_at(f, m.start()), "raw-html", f"HTML {m.group()[:40]!r} is not allowed in content; write plain text")


def _check_markdown(f: TextField) -> Iterator[Diagnostic]:
    tokens = inspector().parse(f.text)
    lines = f.text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset_of(token, needle: str) -> int:
        start_line = token.map[0] if token.map else 0
        base = offsets[min(start_line, len(offsets) - 1)]
        found = f.text.find(needle, base) if needle else -1
        return found if found >= 0 else base

    for tok in tokens:
        if tok.type == "html_block":
            yield Diagnostic.error(
                _at(f, offset_of(tok, tok.content.strip()[:20])), "raw-html", "raw HTML is not allowed in content; write Markdown"
            )
        children = tok.children or []
        for child in children:
            if child.type == "html_inline":
                yield Diagnostic.error(
                    _at(f, offset_of(tok, child.content)), "raw-html", f"HTML {child.content[:40]!r} is not allowed in content; write Markdown"
                )
            elif child.type == "image":
                src = child.attrGet("src") or ""
                yield Diagnostic.error(
                    _at(f, offset_of(tok, src)),
                    "image-not-allowed",
                    f"images in statement text are not allowed ({src[:60]!r}); figures come from the algorithm",
                )
            elif child.type == "link_open":
                href = (child.attrGet("href") or "").strip()
                if not href.lower().startswith(SAFE_LINK_SCHEMES) and not href.startswith("#"):
                    yield Diagnostic.error(
                        _at(f, offset_of(tok, href)), "unsafe-url", f"link target {href[:60]!r} is not an https://, http:// or mailto: URL"
                    )
