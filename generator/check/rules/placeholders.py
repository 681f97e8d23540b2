"""Scaffold placeholders (`TODO:`) are warnings while drafting and errors under --strict."""

from __future__ import annotations

from typing import Iterator

from generator.diagnostics import Diagnostic, Location
from generator.content.guideline import Guideline

TOKEN = "TODO:"


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    for name, text in g.texts.items():
        if TOKEN not in text:
            continue
        path = g.paths.get(name, name)
        for lineno, line in enumerate(text.splitlines(), start=1):
            col = line.find(TOKEN)
            if col >= 0:
                yield Diagnostic.warning(
                    Location(path, lineno, col + 1),
                    "placeholder",
                    f"placeholder {line[col:col + 50].strip()!r} must be replaced before publishing",
                )
