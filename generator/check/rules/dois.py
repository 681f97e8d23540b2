"""References have valid, unique DOIs; references nobody cites are flagged."""

from __future__ import annotations

from typing import Iterator

from generator.content import doi
from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    seen: dict[str, str] = {}
    for ref in g.references:
        why = doi.problem(ref.DOI)
        if why:
            yield Diagnostic.error(ref.location("DOI"), "invalid-doi", why)
            continue
        norm = doi.normalise(ref.DOI)
        if norm in seen:
            yield Diagnostic.error(ref.location("DOI"), "duplicate-doi", f"DOI {norm} is also used by reference {seen[norm]!r}")
        else:
            seen[norm] = ref.id
    if not g.statements:
        return
    cited = {c.key for s in g.statements for c in s.citations}
    for ref in g.references:
        if ref.id not in cited:
            yield Diagnostic.warning(ref.location("id"), "unused-reference", f"reference {ref.id!r} is not cited by any statement")
