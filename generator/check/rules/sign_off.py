"""A published guideline is signed off: every approver row names who approved it and when.

Until approvals per version are data of their own, this is the publish gate on the authors list:
`status: published` with an approver row that lacks `name` or `signed_off` is an error (a draft may
leave them empty; the protocol then prints "not yet").
"""

from __future__ import annotations

from typing import Iterator

from generator.content.loader import Guideline
from generator.diagnostics import Diagnostic


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    meta = g.meta
    if meta is None or meta.status != "published":
        return
    for author in meta.authors:
        if author.responsibility != "approver":
            continue
        missing = [what for what, value in (("name", author.name), ("signed_off", author.signed_off)) if not value]
        if missing:
            yield Diagnostic.error(
                author.location(missing[0]),
                "published-without-sign-off",
                f"the guideline is published but approver {author.role!r} has no {' and no '.join(missing)}; "
                "record who approved it and when, or set status: draft",
            )
