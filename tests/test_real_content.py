"""The brief's gate: every claim in every real guideline under content/ carries a resolvable citation."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content import doi
from generator.check.run import CheckContext, run_rules
from generator.content.loader import load_guideline

ROOT = Path(__file__).resolve().parents[1]
REAL = sorted(p for p in (ROOT / "content").iterdir() if (p / "guideline.yaml").is_file()) if (ROOT / "content").is_dir() else []


def test_there_is_real_content():
    assert REAL, "content/ holds no guideline"


@pytest.fixture(scope="module", params=REAL, ids=[p.name for p in REAL])
def guideline(request):
    result = load_guideline(request.param, base=ROOT)
    assert not [d for d in result.diagnostics if d.is_error], [d.format_text() for d in result.diagnostics]
    return result.guideline


def test_every_statement_cites_a_reference_that_has_a_doi(guideline):
    refs = guideline.references_by_id
    assert guideline.statements
    for s in guideline.statements:
        assert s.citations, f"{s.id} has no citation"
        for c in s.citations:
            assert c.key in refs, f"{s.id} cites unknown {c.key}"
            assert doi.problem(refs[c.key].DOI) is None, f"{c.key} has an invalid DOI"


def test_every_algorithm_node_traces_to_cited_statements(guideline):
    statements = guideline.statements_by_id
    for node in guideline.nodes:
        assert node.statements, node.id
        for sid in node.statements:
            assert statements[sid].citations


def test_real_content_passes_strict_check(guideline):
    import datetime as dt

    diags = run_rules(guideline, CheckContext(today=dt.date.today(), strict=True))
    assert not diags, [d.format_text() for d in diags]


def test_nothing_points_outside_the_repository():
    """Content, docs, templates, the generator, the tests and the README never send a reader to material users do
    not have (a shared folder next to the repository, its fact sheet, the brief the project started from)."""
    import re

    pattern = re.compile("|".join(["shared/clinical", r"facts\.md", "seed " + "brief"]), re.IGNORECASE)
    this = Path(__file__).resolve()
    paths = [ROOT / "README.md"] + [
        p for d in ("content", "docs", "templates", "generator", "tests", "scripts", ".ci", ".github") for p in (ROOT / d).rglob("*")
        if p.is_file() and p.resolve() != this and "__pycache__" not in p.parts
    ]
    hits = []
    for path in paths:
        if path.suffix in {".pyc", ".ttf", ".otf", ".woff", ".woff2", ".png", ".pdf"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        hits += [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}" for m in pattern.finditer(text)]
    assert not hits, hits
