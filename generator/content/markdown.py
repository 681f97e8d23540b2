"""One Markdown dialect for all content: CommonMark plus tables, with raw HTML never rendered."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

SAFE_LINK_SCHEMES = ("https://", "http://", "mailto:")


@lru_cache(maxsize=1)
def renderer() -> MarkdownIt:
    """The renderer used for output: raw HTML is off, so `<script>` stays visible, inert text."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.validateLink = _safe_link  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def inspector() -> MarkdownIt:
    """A parser with HTML recognition on, used only by checks to find raw HTML an author wrote."""
    md = MarkdownIt("commonmark", {"html": True})
    md.enable("table")
    return md


def _safe_link(url: str) -> bool:
    lowered = url.strip().lower()
    if lowered.startswith("#"):
        return True
    return lowered.startswith(SAFE_LINK_SCHEMES)


def render_block(text: str) -> str:
    return renderer().render(text)


def render_inline(text: str) -> str:
    return renderer().renderInline(text)
