"""Run every rule over a loaded guideline and collect the diagnostics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from generator.diagnostics import Diagnostic

if TYPE_CHECKING:  # the loader (pydantic and every model) is imported only when something is loaded
    from generator.content.guideline import Guideline


@dataclass(frozen=True)
class CheckContext:
    today: dt.date = field(default_factory=dt.date.today)
    strict: bool = False


Rule = Callable[["Guideline", CheckContext], Iterable[Diagnostic]]


def run_rules(guideline: "Guideline", ctx: CheckContext, rules: Iterable[Rule] | None = None) -> list[Diagnostic]:
    from generator.check.rules import ALL_RULES
    from generator.content.text_fields import walked_once

    out: list[Diagnostic] = []
    with walked_once():
        for rule in rules if rules is not None else ALL_RULES:
            out.extend(rule(guideline, ctx))
    return out


def finalize(diagnostics: list[Diagnostic], strict: bool) -> list[Diagnostic]:
    """Deduplicate, sort, and under --strict promote warnings to errors."""
    unique = list(dict.fromkeys(diagnostics))
    if strict:
        unique = [d.promoted() for d in unique]
    return sorted(unique, key=Diagnostic.sort_key)


def duplicate_guideline_id(folder: Path, guideline_id: str, first: Path) -> Diagnostic:
    """Two folders with one guideline id would build into the same build/<id>/ (a copied folder whose id
    was not changed): an error on each later one, in `check` and in `build` alike."""
    from generator.diagnostics import Location, display_path

    return Diagnostic.error(
        Location(display_path(Path(folder) / "guideline.yaml")),
        "duplicate-id",
        f"guideline id {guideline_id!r} is also the id of {display_path(first)}; give each guideline its own id",
    )
