"""The clinician protocol as PDF: the protocol HTML rendered by WeasyPrint, the flowchart served from memory."""

from __future__ import annotations

from generator.content.loader import Guideline
from generator.render import protocol
from generator.render.environment import asset_path

WATERMARK = "draft-watermark.svg"  # the page background of a draft (protocol.css, @page draft)


def view(g: Guideline) -> dict:
    # The PDF shows exactly what the HTML shows; its bytes arrive through deps. The page size is in the
    # HTML's CSS already; the view names the inputs so the build engine's hash sees them.
    return {"html": "clinician-protocol-html", "flowchart": "flowchart", "image": protocol.FLOWCHART_FILE}


def render(view: dict, deps: dict[str, bytes]) -> bytes:
    from generator.render.pdf import render_pdf  # WeasyPrint is imported only when a PDF is made

    files = {view["image"]: deps["flowchart"], WATERMARK: asset_path(f"protocol/{WATERMARK}").read_bytes()}
    return render_pdf(deps["clinician-protocol-html"], files=files)
