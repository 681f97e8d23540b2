"""Document size: a clinician protocol too long for the memory a PDF render needs is refused before the build.

WeasyPrint lays out the whole document before it writes the first page, so one render's peak
resident memory grows linearly with its pages (docs/build.md, "Memory": 55 MiB for the imported
renderer, then up to 4.0 MiB per page). It cannot be made to grow more slowly without giving up
the protocol's page-numbered contents, its cross-references and its one tagged structure tree, so
the generator sets a documented limit instead: a clinician protocol estimated at more than
PAGE_LIMIT pages is an error (`document-too-large`), reported by `check` (and so before `build`
renders anything) at the statement where the estimate crosses the limit, with the estimate.

The estimate is computed from the content alone, with coefficients fitted (least squares, weighted
by 1/pages) to 18 real renders of the real guideline and of generated ones from 11 to 334 pages;
docs/build.md gives the table and the error (-19% to +27%):

    pages = 4.92 + 0.157 per 1,000 characters of statement text (title, text, study row, cited
            quotes and locators) + 0.0121 per "Supports" label of the evidence table (each
            statement that is not evidence citing a reference of an evidence row)
            + 0.313 per reference + 0.135 per algorithm node + 0.33 per worked example (vignette)

times 2.5 for A5 pages (A4 and letter hold about the same).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from generator.content.guideline import Guideline
from generator.diagnostics import Diagnostic, Location

PAGE_LIMIT = 300  # pages of a clinician protocol (a 200-page protocol, estimated up to 27% high, still passes)
RENDERER_MIB = 55  # a process that has imported WeasyPrint and the fonts, before the first page
MIB_PER_PAGE = 4.0  # the largest measured growth of a protocol render's peak resident memory per page

# Fitted coefficients, in pages (docs/build.md, "Memory").
FIXED_PAGES = 4.92
PAGES_PER_KCHAR = 0.157
PAGES_PER_SUPPORTS_LABEL = 0.0121
PAGES_PER_REFERENCE = 0.313
PAGES_PER_NODE = 0.135
# Not part of the fit (its renders had no worked examples): each worked example prints its answers
# and its route, a third of a page as rendered in the second real guideline (9 examples on 3 pages).
PAGES_PER_VIGNETTE = 0.33
# A5's text area is 0.43 of A4's (the same margins); a 645,000-character statement set on A5 came out at
# 285 pages, 2.7 times the A4 estimate: 2.5 between the two.
PAGE_SIZE_FACTOR = {"A4": 1.0, "letter": 1.0, "A5": 2.5}

EVIDENCE = "evidence"


def statement_chars(s) -> int:
    """Characters of one statement's printed text in the protocol."""
    n = len(s.title or "") + len(s.text or "")
    if s.study is not None:
        n += sum(len(getattr(s.study, f) or "") for f in ("study", "design", "participants", "result"))
    for c in s.citations:
        n += len(c.locator or "") + len(c.quote or "")
    return n


def statement_pages(g: Guideline) -> list[tuple[object, float]]:
    """Each statement, in file order, with the pages it adds (A4)."""
    statements = list(g.statements)
    # the statements that are not evidence and cite each reference: an evidence row lists them under "Supports"
    citing = Counter(k for s in statements if s.kind != EVIDENCE for k in dict.fromkeys(s.citation_keys))
    others = sum(1 for s in statements if s.kind != EVIDENCE)
    out = []
    for s in statements:
        pages = PAGES_PER_KCHAR * statement_chars(s) / 1000
        if s.kind == EVIDENCE:  # an upper bound: a statement citing two of the row's references is listed once
            pages += PAGES_PER_SUPPORTS_LABEL * min(others, sum(citing[k] for k in dict.fromkeys(s.citation_keys)))
        out.append((s, pages))
    return out


def fixed_pages(g: Guideline) -> float:
    """The pages that do not grow with the statements: cover, contents, scope, references, algorithm
    and its worked examples (A4)."""
    return (
        FIXED_PAGES + PAGES_PER_REFERENCE * len(g.references) + PAGES_PER_NODE * len(g.nodes)
        + PAGES_PER_VIGNETTE * len(g.vignettes)
    )


def page_factor(g: Guideline) -> float:
    return PAGE_SIZE_FACTOR.get(g.meta.output.page_size, 1.0) if g.meta is not None else 1.0


def estimate_pages(g: Guideline) -> int:
    """The estimated page count of the guideline's clinician protocol."""
    return round((fixed_pages(g) + sum(p for _, p in statement_pages(g))) * page_factor(g))


def peak_mib(pages: int) -> float:
    """The peak resident memory of rendering `pages` pages, at the largest growth measured."""
    return RENDERER_MIB + MIB_PER_PAGE * pages


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None or not g.statements:
        return
    factor = page_factor(g)
    running = fixed_pages(g)
    crossing = None
    for s, pages in statement_pages(g):
        running += pages
        if crossing is None and running * factor > PAGE_LIMIT:
            crossing = s
    if crossing is None:
        return
    total = round(running * factor)
    where = crossing.location()
    if where.path == "<unknown>":
        where = Location(g.paths.get("statements.yaml", str(g.folder)))
    yield Diagnostic.error(
        where,
        "document-too-large",
        f"the clinician protocol would be about {total} pages (estimated); the limit is {PAGE_LIMIT}, crossed at "
        f"statement {crossing.id!r} (rendering needs about {MIB_PER_PAGE:g} MiB per page, here {peak_mib(total) / 1024:.1f} GiB); "
        f"split the guideline by clinical question",
    )
