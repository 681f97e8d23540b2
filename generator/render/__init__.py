"""Renderers: pure functions from a guideline's view to document bytes (see generator/render/documents.py).

`environment` is the one Jinja environment, `pdf` the one WeasyPrint wrapper; each document module
(`flowchart`, `protocol`, `protocol_pdf`, ...) exposes `view(guideline) -> dict` and
`render(view, deps) -> bytes`.
"""
