"""Recommendations carry a level and a strength from the declared grading system, and only from it;
a strong recommendation on low certainty says why, where the system asks for that (GRADE)."""

from __future__ import annotations

from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.grading import SYSTEMS
from generator.content.guideline import Guideline


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None:
        return
    system = SYSTEMS[g.meta.grading]
    for s in g.statements:
        if s.kind != "recommendation":
            if s.grade is not None:
                yield Diagnostic.error(
                    s.location("grade"), "unexpected-grade", f"only recommendations are graded; this statement is a {s.kind}"
                )
            continue
        if s.grade is None:
            yield Diagnostic.error(
                s.location("id"),
                "missing-grade",
                f"recommendation {s.id!r} needs `grade: {{level: …, strength: …}}` ({system.name})",
            )
            continue
        if system.level(s.grade.level) is None:
            yield Diagnostic.error(
                s.grade.location("level"),
                "invalid-grade",
                f"{system.level_axis.lower()} {s.grade.level!r} is not in {system.name}: use one of {', '.join(system.level_codes)}",
            )
        if system.strength(s.grade.strength) is None:
            yield Diagnostic.error(
                s.grade.location("strength"),
                "invalid-grade",
                f"{system.strength_axis.lower()} {s.grade.strength!r} is not in {system.name}: use one of {', '.join(system.strength_codes)}",
            )
        if system.needs_rationale(s.grade.level, s.grade.strength) and not (s.grade.rationale or "").strip():
            yield Diagnostic.warning(
                s.grade.location("strength"),
                "strong-on-low-certainty",
                f"{system.strength_text(s.grade.strength).lower()} on {system.level_text(s.grade.level).lower()} "
                f"needs `grade.rationale`: {system.rationale_hint}",
            )
