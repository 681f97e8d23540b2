"""Recommendations carry a level and a strength from the declared grading system, and only from it."""

from __future__ import annotations

from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.grading import SYSTEMS
from generator.content.loader import Guideline


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
        if s.grade.level not in system.levels:
            yield Diagnostic.error(
                s.grade.location("level"),
                "invalid-grade",
                f"{system.level_label.lower()} {s.grade.level!r} is not in {system.name}: use one of {', '.join(system.levels)}",
            )
        if s.grade.strength not in system.strengths:
            yield Diagnostic.error(
                s.grade.location("strength"),
                "invalid-grade",
                f"{system.strength_label.lower()} {s.grade.strength!r} is not in {system.name}: use one of {', '.join(system.strengths)}",
            )
