"""Run every rule over a loaded guideline and collect the diagnostics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from generator.diagnostics import Diagnostic

if TYPE_CHECKING:  # the loader (pydantic and every model) is imported only when something is loaded
    from generator.content.loader import Guideline


@dataclass(frozen=True)
class CheckContext:
    today: dt.date = field(default_factory=dt.date.today)
    strict: bool = False


Rule = Callable[["Guideline", CheckContext], Iterable[Diagnostic]]


def run_rules(guideline: "Guideline", ctx: CheckContext, rules: Iterable[Rule] | None = None) -> list[Diagnostic]:
    from generator.check.rules import ALL_RULES

    out: list[Diagnostic] = []
    for rule in rules if rules is not None else ALL_RULES:
        out.extend(rule(guideline, ctx))
    return out


def finalize(diagnostics: list[Diagnostic], strict: bool) -> list[Diagnostic]:
    """Deduplicate, sort, and under --strict promote warnings to errors."""
    unique = list(dict.fromkeys(diagnostics))
    if strict:
        unique = [d.promoted() for d in unique]
    return sorted(unique, key=Diagnostic.sort_key)


def duplicate_guideline_ids(ids: list[tuple[Path, str]]) -> list[Diagnostic]:
    """Two folders with one guideline id would build into the same build/<id>/ (a copied folder whose id
    was not changed): an error on each later one, so `check` fails where `build` would."""
    from generator.diagnostics import Location, display_path

    first: dict[str, Path] = {}
    out = []
    for folder, gid in ids:
        if gid in first:
            out.append(
                Diagnostic.error(
                    Location(display_path(Path(folder) / "guideline.yaml")),
                    "duplicate-id",
                    f"guideline id {gid!r} is also the id of {display_path(first[gid])}; give each guideline its own id",
                )
            )
        else:
            first[gid] = Path(folder)
    return out


def check_folders(folders, ctx: CheckContext) -> tuple[list[Guideline], list[Diagnostic]]:
    """Load and check each guideline folder; returns the guidelines and all diagnostics (finalized)."""
    from generator.content.loader import load_guideline

    guidelines, diagnostics = [], []
    for folder in folders:
        result = load_guideline(folder)
        diagnostics.extend(result.diagnostics)
        diagnostics.extend(run_rules(result.guideline, ctx))
        guidelines.append(result.guideline)
    diagnostics.extend(duplicate_guideline_ids([(g.folder, g.id) for g in guidelines]))
    return guidelines, finalize(diagnostics, ctx.strict)
