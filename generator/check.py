"""Run every rule over a loaded guideline and collect the diagnostics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from generator.diagnostics import Diagnostic

if TYPE_CHECKING:  # the loader (pydantic and every model) is imported only when something is loaded
    from generator.loader import Guideline


@dataclass(frozen=True)
class CheckContext:
    today: dt.date = field(default_factory=dt.date.today)
    strict: bool = False


Rule = Callable[["Guideline", CheckContext], Iterable[Diagnostic]]


def run_rules(guideline: "Guideline", ctx: CheckContext, rules: Iterable[Rule] | None = None) -> list[Diagnostic]:
    from generator.rules import ALL_RULES

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


def check_folders(folders, ctx: CheckContext) -> tuple[list[Guideline], list[Diagnostic]]:
    """Load and check each guideline folder; returns the guidelines and all diagnostics (finalized)."""
    from generator.loader import load_guideline

    guidelines, diagnostics = [], []
    for folder in folders:
        result = load_guideline(folder)
        diagnostics.extend(result.diagnostics)
        diagnostics.extend(run_rules(result.guideline, ctx))
        guidelines.append(result.guideline)
    return guidelines, finalize(diagnostics, ctx.strict)
