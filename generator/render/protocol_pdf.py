"""The clinician protocol as PDF: the protocol HTML rendered by WeasyPrint, the flowchart served from memory."""

from __future__ import annotations

from generator.content.guideline import Guideline
from generator.render import flowchart
from generator.render.environment import asset_path

WATERMARK = "draft-watermark.svg"  # the page background of a draft (protocol.css, @page draft)


def view(g: Guideline, given=None) -> dict:
    # The PDF shows exactly what the HTML shows; its bytes arrive through deps. The page size is in the
    # HTML's CSS already; the view names the inputs so the build engine's hash sees them.
    return {"html": "clinician-protocol-html", "flowchart": "flowchart", "image": flowchart.FILE}


def render(view: dict, deps: dict[str, bytes]) -> bytes:
    from generator.render.pdf import render_pdf  # WeasyPrint is imported only when a PDF is made

    # the whole drawing and each part-figure (flowchart-1a.svg, ...), under the names the HTML uses
    parts = {k.split("/", 1)[1]: v for k, v in deps.items() if k.startswith(view["flowchart"] + "/")}
    files = {view["image"]: deps[view["flowchart"]], **parts, WATERMARK: asset_path(f"protocol/{WATERMARK}").read_bytes()}
    return render_pdf(deps["clinician-protocol-html"], files=files)
