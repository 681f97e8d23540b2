"""The patient explainer as PDF: the explainer's own HTML rendered by WeasyPrint (tagged PDF/UA-1).

One PDF per language: patient-explainer.pdf from patient-explainer.html, and a companion
patient-explainer.<lang>.pdf from each patient-explainer.<lang>.html; the language switcher's
links point at the PDFs.

The page's inline print stylesheet makes the PDF: A4 (or the guideline's page size), 13pt text,
page numbers, and "Draft." at the top of every page of a draft.
"""

from __future__ import annotations

import re

from generator.content.guideline import Guideline

_SWITCHER_LINK = re.compile(rb'(href="patient-explainer(?:\.[A-Za-z]{2,3}(?:-[A-Z]{2})?)?)\.html"')


def view(g: Guideline, given=None) -> dict:
    # The PDF shows exactly what the HTML shows; its bytes arrive through deps.
    return {"html": "patient-explainer-html", "languages": sorted(g.translations)}


def _pdf_links(html: bytes) -> bytes:
    return _SWITCHER_LINK.sub(rb'\1.pdf"', html)


def render(view: dict, deps: dict[str, bytes]) -> bytes | dict[str, bytes]:
    from generator.render.pdf import render_pdf  # WeasyPrint is imported only when a PDF is made

    main = render_pdf(_pdf_links(deps[view["html"]]))
    # The build engine passes every companion of the HTML document; a caller that renders the
    # source language's HTML alone (tests of one page) gets the source language's PDF alone.
    translated = [lang for lang in view.get("languages") or [] if f"{view['html']}/patient-explainer.{lang}.html" in deps]
    if not translated:
        return main
    files = {"patient-explainer.pdf": main}
    for language in translated:
        html = deps[f"{view['html']}/patient-explainer.{language}.html"]
        files[f"patient-explainer.{language}.pdf"] = render_pdf(_pdf_links(html))
    return files
