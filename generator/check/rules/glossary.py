"""Jargon in patient text is explained in the glossary; glossary entries are used somewhere."""

from __future__ import annotations

from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline
from generator.content.patient_text import all_blocks, find_term, glossary_entry_for, uses_entry


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    patient = g.meta.patient if g.meta else None
    if patient is None:
        return
    blocks = list(all_blocks(g))
    for term in dict.fromkeys(patient.jargon):
        if glossary_entry_for(term, patient.glossary) is not None:
            continue
        uses = [(b, m) for b in blocks if (m := find_term(term, b.text))]
        if not uses:
            continue
        block, match = uses[0]
        more = f" (and in {len(uses) - 1} more place{'s' if len(uses) > 2 else ''})" if len(uses) > 1 else ""
        yield Diagnostic.error(
            block.owner.text_location(block.field, match.start()),
            "glossary-missing",
            f"{block.label} uses the jargon term {match.group()!r}{more}, which has no glossary entry; "
            f"add one under patient.glossary (or an alias), or use an everyday word",
        )
    if not g.complete:
        return  # some text did not load: cannot tell which entries are used
    for entry in patient.glossary:
        if not any(b.owner is not entry and uses_entry(entry, b.text) for b in blocks):
            yield Diagnostic.warning(
                entry.location("term"),
                "glossary-unused",
                f"glossary term {entry.term!r} is not used in any patient text; remove it or use the term",
            )
