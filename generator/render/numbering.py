"""Document order: statements numbered by kind (R1, D1, B1, E1, ...); references are numbered in citations.py.

Recommendations and good-practice points share one series (R1, R2, ...), as published guidelines
number their recommendations; definitions (D), background (B) and evidence (E) each have their own.
The protocol, the flowchart's markers and the text equivalent of the pathway all use these numbers,
so a marker "R4" in the flowchart is the recommendation printed as R4 in the protocol.
"""

from __future__ import annotations

from generator.content.guideline import Guideline
from generator.content.models import Statement


def ordered_statements(g: Guideline) -> list[Statement]:
    """Statements in print order: sections in the guideline's order, statements in file order within each.

    Statements in a section the guideline does not declare (a check error) come last, so nothing is lost.
    """
    order = {s.id: i for i, s in enumerate(g.meta.sections)} if g.meta else {}
    indexed = list(enumerate(g.statements))
    indexed.sort(key=lambda pair: (order.get(pair[1].section, len(order)), pair[0]))
    return [s for _, s in indexed]


# The letter of each kind's series; a kind not listed here is numbered in the S series.
PREFIXES = {"recommendation": "R", "good-practice": "R", "definition": "D", "background": "B", "evidence": "E"}


def statement_numbers(g: Guideline) -> dict[str, str]:
    """statement id -> "R1", "D1", "B2", ... in print order within each kind's series."""
    counts: dict[str, int] = {}
    numbers: dict[str, str] = {}
    for s in ordered_statements(g):
        prefix = PREFIXES.get(s.kind, "S")
        counts[prefix] = counts.get(prefix, 0) + 1
        numbers[s.id] = f"{prefix}{counts[prefix]}"
    return numbers


SERIES_ORDER = "RDBES"


def number_key(number: str) -> tuple[int, int]:
    """Sort key for printed numbers: recommendations first, then D, B, E; R2 before R10."""
    prefix, digits = number[:1], number[1:]
    return (SERIES_ORDER.find(prefix), int(digits) if digits.isdigit() else 0)

