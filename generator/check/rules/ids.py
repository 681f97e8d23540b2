"""Ids are unique within their kind in a guideline."""

from __future__ import annotations

from typing import Iterable, Iterator

from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline


def _duplicates(items: Iterable, what: str) -> Iterator[Diagnostic]:
    first = {}
    for item in items:
        if item.id in first:
            yield Diagnostic.error(
                item.location("id"),
                "duplicate-id",
                f"{what} id {item.id!r} is already used at line {first[item.id].location('id').line}",
            )
        else:
            first[item.id] = item


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    yield from _duplicates(g.statements, "statement")
    library = {id(r) for r in g.library_references}
    yield from _duplicates([r for r in g.references if id(r) not in library], "reference")
    yield from _duplicates(g.library_references, "library reference")
    yield from _duplicates(g.nodes, "algorithm node")
    yield from _duplicates(g.vignettes, "vignette")
    if g.meta:
        yield from _duplicates(g.meta.sections, "section")
        if g.meta.patient:
            yield from _duplicates(g.meta.patient.sections, "patient section")
