"""Review dates: an overdue review blocks a published guideline and warns on a draft."""

from __future__ import annotations

from typing import Iterator

from generator.diagnostics import Diagnostic, Severity
from generator.content.guideline import Guideline


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None:
        return
    meta = g.meta
    dates = meta.dates
    severity = Severity.ERROR if meta.status == "published" else Severity.WARNING
    if dates.review_by <= dates.effective:
        yield Diagnostic.error(dates.location("review_by"), "invalid-dates", "review_by must be after the effective date")
    if dates.review_by < ctx.today:
        yield Diagnostic(
            dates.location("review_by"),
            severity,
            "review-overdue",
            f"review was due on {dates.review_by.isoformat()}; review the guideline and set a new review_by",
        )
    for s in g.statements:
        if s.review_due and s.last_reviewed and s.review_due <= s.last_reviewed:
            yield Diagnostic.error(s.location("review_due"), "invalid-dates", "review_due must be after last_reviewed")
        if s.review_due and s.review_due < ctx.today:
            yield Diagnostic(
                s.location("review_due"),
                severity,
                "statement-review-overdue",
                f"statement {s.id!r} was due for review on {s.review_due.isoformat()}",
            )
    versions = [c.version for c in meta.changelog]
    if meta.changelog and meta.version not in versions:
        yield Diagnostic.warning(meta.location("version"), "changelog-missing-version", f"changelog has no entry for version {meta.version}")
