"""`related` names other guidelines of the same library, and each of them points back."""

from __future__ import annotations

import difflib
from typing import Iterator

from generator.content.guideline import Guideline
from generator.diagnostics import Diagnostic


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None:
        return
    seen: set[str] = set()
    for entry in g.meta.related:
        where = entry.location("guideline")
        if entry.guideline == g.meta.id:
            yield Diagnostic.error(where, "related-unknown", f"guideline {entry.guideline!r} lists itself as related")
            continue
        if entry.guideline in seen:
            yield Diagnostic.error(where, "related-unknown", f"{entry.guideline!r} is listed twice under related")
            continue
        seen.add(entry.guideline)
        other = g.library_guidelines.get(entry.guideline)
        if other is None:
            close = difflib.get_close_matches(entry.guideline, list(g.library_guidelines), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield Diagnostic.error(
                where,
                "related-unknown",
                f"{entry.guideline!r} is not the id of another guideline beside this one{hint}",
            )
        elif g.meta.id not in other["related"]:
            yield Diagnostic.warning(
                where,
                "related-one-way",
                f"{entry.guideline!r} does not list {g.meta.id!r} under related; add it there, so that its "
                "documents link back to this guideline",
            )
