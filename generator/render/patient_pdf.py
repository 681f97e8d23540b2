"""The patient explainer as PDF: the explainer's own HTML rendered by WeasyPrint (tagged PDF/UA-1).

The page's inline print stylesheet makes the PDF: A4 (or the guideline's page size), 12.5pt text,
page numbers, and "Draft." at the top of every page of a draft.
"""

from __future__ import annotations

from generator.content.loader import Guideline


def view(g: Guideline) -> dict:
    # The PDF shows exactly what the HTML shows; its bytes arrive through deps.
    return {"html": "patient-explainer-html"}


def render(view: dict, deps: dict[str, bytes]) -> bytes:
    from generator.render.pdf import render_pdf  # WeasyPrint is imported only when a PDF is made

    return render_pdf(deps[view["html"]])
