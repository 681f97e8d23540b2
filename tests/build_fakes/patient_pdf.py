"""Fake patient explainer PDF, made from its HTML."""

from tests.build_fakes import pdf_from, slow


def view(g, given=None) -> dict:
    return {"title": g.meta.patient.title if g.meta.patient else g.meta.title}


def render(view, deps) -> bytes:
    slow()
    return pdf_from(view["title"], deps["patient-explainer-html"])
