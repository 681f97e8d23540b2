"""The one Jinja environment every document is rendered with.

Autoescape is on and undefined names are errors (StrictUndefined), so content is always text and a
template typo fails the build instead of printing nothing. Author Markdown goes through the
`markdown` / `markdown_inline` filters, which use generator.content.markdown (raw HTML off, safe links only).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from generator.content import markdown
from generator.content.paths import TEMPLATES
from generator.render import typography
from generator.errors import GuidelineError


class AssetError(GuidelineError):
    """A template asked for a file that is not under templates/."""


def asset_path(relative: str) -> Path:
    """The file `relative` under templates/, refusing anything that escapes the folder."""
    root = TEMPLATES.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise AssetError(f"{relative}: not a file under {TEMPLATES}")
    return path


def asset_text(relative: str) -> Markup:
    """The text of one of our own assets (e.g. a stylesheet to inline in <style>), unescaped.

    Only for files under templates/, never for content: that is why it is safe to mark as Markup.
    """
    return Markup(asset_path(relative).read_text(encoding="utf-8"))


def _markdown_block(text: str) -> Markup:
    return Markup(markdown.render_block(text))


def _markdown_inline(text: str) -> Markup:
    return Markup(markdown.render_inline(text))


def _append_inline(html: str, extra: str, separator: str = " ") -> Markup:
    """Put `extra` (already-safe markup, e.g. citation numbers) at the end of the block's last paragraph.

    A plain string (not Markup) is escaped, so raw content can never slip through as markup.
    `separator` goes between the text and `extra` (a no-break space keeps a marker on the last word's line).
    """
    html = escape(html)
    extra = escape(extra).strip()
    stripped = html.rstrip()
    if stripped.endswith(Markup("</p>")):
        return Markup(stripped[: -len("</p>")]) + escape(separator) + extra + Markup("</p>\n")
    if stripped.endswith((Markup("</ul>"), Markup("</ol>"))) and Markup("</li>") in stripped:
        # a block that ends with a list: the marker goes at the end of the last item
        cut = stripped.rindex(Markup("</li>"))
        item = Markup(stripped[:cut]).rstrip()
        if item.endswith(Markup("</p>")):  # a loose list item holds paragraphs
            item, tail = Markup(item[: -len("</p>")]), Markup("</p>")
        else:
            tail = Markup("")
        return item + escape(separator) + extra + tail + Markup(stripped[cut:]) + Markup("\n")
    return html + extra


def css_string(value: str) -> Markup:
    """A CSS string literal for text (e.g. a running header's `content:`), safe inside <style>.

    Everything but letters, digits and spaces becomes a CSS escape (hex digits and the one space that ends it), so no quote, backslash,
    `<` or `}` of the text can end the string, the rule or the style element.
    """
    text = value.unescape() if isinstance(value, Markup) else str(value)
    body = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{body}"')


_COUNTER = re.compile(r"%\((page|pages)\)s")


def page_counters(value: str) -> Markup:
    """A page footer's `content:` from a (translated) sentence with %(page)s and %(pages)s in it:
    the words as CSS strings (css_string), the placeholders as counter(page) and counter(pages)."""
    parts = []
    for i, piece in enumerate(_COUNTER.split(str(value))):
        if i % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts) or '""')


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "svg", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build; skips a stat per render
        extensions=["jinja2.ext.i18n"],  # {% trans %} and gettext(): a translated document passes its own gettext
    )
    env.install_null_translations()  # the source language: strings print as written
    env.filters["markdown"] = _markdown_block
    env.filters["markdown_inline"] = _markdown_inline
    env.filters["append_inline"] = _append_inline
    env.filters["dashes"] = typography.dashes_html
    env.filters["css_string"] = css_string
    env.filters["page_counters"] = page_counters
    env.globals["asset_text"] = asset_text
    return env


def render_template(name: str, **context) -> str:
    """Render templates/<name> with `context` (which should be the document's view)."""
    return environment().get_template(name).render(**context)
