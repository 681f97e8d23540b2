"""Document order: statements numbered S1, S2, ... and references [1], [2], ... as the protocol prints them.

The protocol, the flowchart's markers and the text equivalent of the pathway all use these numbers,
so a marker "S4" in the flowchart is the statement printed as S4 in the protocol.
"""

from __future__ import annotations

from generator.content.loader import Guideline
from generator.content.models import Statement


def ordered_statements(g: Guideline) -> list[Statement]:
    """Statements in print order: sections in the guideline's order, statements in file order within each.

    Statements in a section the guideline does not declare (a check error) come last, so nothing is lost.
    """
    order = {s.id: i for i, s in enumerate(g.meta.sections)} if g.meta else {}
    indexed = list(enumerate(g.statements))
    indexed.sort(key=lambda pair: (order.get(pair[1].section, len(order)), pair[0]))
    return [s for _, s in indexed]


def statement_numbers(g: Guideline) -> dict[str, str]:
    """statement id -> "S1", "S2", ... in print order."""
    return {s.id: f"S{i}" for i, s in enumerate(ordered_statements(g), start=1)}


def reference_numbers(g: Guideline) -> dict[str, int]:
    """reference id -> 1, 2, ... in order of first citation through the protocol.

    References no statement cites (a check warning) follow in file order, so every DOI is still listed.
    """
    numbers: dict[str, int] = {}
    known = {r.id for r in g.references}
    for statement in ordered_statements(g):
        for key in statement.citation_keys:
            if key in known and key not in numbers:
                numbers[key] = len(numbers) + 1
    for ref in g.references:
        if ref.id not in numbers:
            numbers[ref.id] = len(numbers) + 1
    return numbers
