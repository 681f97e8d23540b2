"""Fake flowchart: shows the algorithm's nodes only."""

from html import escape

from tests.build_fakes import pad, slow


def view(g, given=None) -> dict:
    return {"title": g.algorithm.title if g.algorithm else "", "nodes": [[n.id, n.kind, n.label] for n in g.nodes]}


def render(view, deps) -> bytes:
    slow()
    texts = "".join(f"<text>{escape(label)}</text>" for _, _, label in view["nodes"])
    return f'<svg xmlns="http://www.w3.org/2000/svg"><title>{escape(view["title"])}</title>{texts}</svg>\n<!-- {"p" * pad()} -->'.encode()
