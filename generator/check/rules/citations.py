"""Every statement carries at least one citation, and every citation key resolves to a reference (the
guideline's own, or an entry of the library bibliography)."""

from __future__ import annotations

import difflib
from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    refs = g.references_by_id
    references_loaded = bool(refs) or bool(g.library_references) or "references.yaml" in g.sources or "references.json" in g.sources
    known = list(dict.fromkeys([*refs, *(r.id for r in g.library_references)]))
    for s in g.statements:
        if not s.citations:
            yield Diagnostic.error(
                s.location("id"),
                "missing-citation",
                f"statement {s.id!r} cites no reference; every claim needs at least one citation",
            )
        seen = set()
        for c in s.citations:
            if c.key in seen:
                yield Diagnostic.warning(c.location("key"), "duplicate-citation", f"{c.key!r} is cited twice in this statement")
            seen.add(c.key)
            if references_loaded and c.key not in refs and c.key not in g.known_ids("references"):
                close = difflib.get_close_matches(c.key, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield Diagnostic.error(c.location("key"), "unknown-reference", f"citation {c.key!r} matches no reference{hint}")
