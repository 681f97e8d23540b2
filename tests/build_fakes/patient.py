"""Fake patient explainer (HTML): patient text only."""

from html import escape

from tests.build_fakes import pad, slow


def view(g, given=None) -> dict:
    patient = g.meta.patient
    return {
        "title": patient.title if patient else g.meta.title,
        "texts": [[s.id, s.patient.text] for s in g.statements if s.patient],
    }


def render(view, deps) -> bytes:
    slow()
    body = "".join(f"<p data-statements={escape(i)}>{escape(t)}</p>" for i, t in view["texts"])
    return f"<html><title>{escape(view['title'])}</title>{body}<!--{'p' * pad()}--></html>".encode()
