"""Fake clinician protocol PDF, made from the HTML and the flowchart."""

from tests.build_fakes import pdf_from, slow


def view(g, given=None) -> dict:
    return {"title": g.meta.title}


def render(view, deps) -> bytes:
    slow()
    return pdf_from(view["title"], deps["clinician-protocol-html"] + deps["flowchart"])
