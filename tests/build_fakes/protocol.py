"""Fake clinician protocol (HTML): metadata, clinician text, references; embeds the flowchart."""

from html import escape

from tests.build_fakes import pad, slow


def view(g, given=None) -> dict:
    return {
        "title": g.meta.title,
        "version": g.meta.version,
        "statements": [[s.id, s.title or "", s.text] for s in g.statements],
        "references": sorted(r.id for r in g.references),
        "algorithm": [[n.id, n.label] for n in g.nodes],
    }


def render(view, deps) -> bytes:
    slow()
    body = "".join(f"<p id={escape(i)}>{escape(t)}</p>" for i, _, t in view["statements"])
    return (f"<html><title>{escape(view['title'])}</title>{body}" + deps["flowchart"].decode() + "<!--" + "p" * pad() + "--></html>").encode()
