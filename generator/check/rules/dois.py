"""References have valid, unique DOIs; references nobody cites are flagged; a reference is written once,
in the guideline or in the library bibliography (content/references.yaml), never in both."""

from __future__ import annotations

from typing import Iterable, Iterator

from generator.content import doi
from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    yield from _library(g)
    library = {id(r) for r in g.library_references}
    # the library's own entries are checked with the whole library above
    yield from _doi_problems((r for r in g.references if id(r) not in library), {})
    if not g.statements:
        return
    cited = {c.key for s in g.statements for c in s.citations}
    for ref in g.references:
        if ref.id not in cited:
            yield Diagnostic.warning(ref.location("id"), "unused-reference", f"reference {ref.id!r} is not cited by any statement")


def _library(g: Guideline) -> Iterator[Diagnostic]:
    """The library bibliography's DOIs, and the guideline's own references that duplicate an entry of it."""
    if not g.library_references:
        return
    by_doi: dict[str, str] = {}
    yield from _doi_problems(g.library_references, by_doi)
    library_ids = {r.id for r in g.library_references}
    library = {id(r) for r in g.library_references}
    for ref in g.references:
        if id(ref) in library:
            continue
        norm = doi.normalise(ref.DOI) if not doi.problem(ref.DOI) else None
        if ref.id in library_ids:
            yield Diagnostic.error(
                ref.location("id"),
                "library-duplicate",
                f"reference {ref.id!r} is also in the library bibliography {g.library_path}; delete this copy "
                "(statements cite the library's entry by the same id)",
            )
        elif norm in by_doi:
            yield Diagnostic.error(
                ref.location("DOI"),
                "library-duplicate",
                f"DOI {norm} is also the DOI of {by_doi[norm]!r} in the library bibliography {g.library_path}; "
                f"delete this reference and cite {by_doi[norm]!r}",
            )


def _doi_problems(refs: Iterable, seen: dict[str, str]) -> Iterator[Diagnostic]:
    """`invalid-doi` and `duplicate-doi` for `refs`; `seen` collects each valid DOI, normalised, with
    the id of the first reference that has it."""
    for ref in refs:
        why = doi.problem(ref.DOI)
        if why:
            yield Diagnostic.error(ref.location("DOI"), "invalid-doi", why)
            continue
        norm = doi.normalise(ref.DOI)
        if norm in seen:
            yield Diagnostic.error(ref.location("DOI"), "duplicate-doi", f"DOI {norm} is also used by reference {seen[norm]!r}")
        else:
            seen[norm] = ref.id
