"""Sign-off: who approved which version, and that no recused member's vote is counted.

A `published` guideline needs, for its current version, an approval from each required role
(the guideline's authors with `responsibility: approver`) of exactly the current content
fingerprint. Approvals of another fingerprint are stale (an error once published, a warning on a
draft: the protocol would otherwise print an approval of content that has since changed).
"""

from __future__ import annotations

from typing import Iterator

from generator.content.fingerprint import content_fingerprint
from generator.content.guideline import Guideline
from generator.content.signoff import approval_state, recused_from, required_roles
from generator.diagnostics import Diagnostic, Location, Severity


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    meta, record = g.meta, g.signoff
    if meta is None:
        return
    published = meta.status == "published"
    roles = required_roles(meta)
    if record is None:
        if published:
            yield Diagnostic.error(
                meta.location("status"),
                "approval-missing",
                f"a published guideline needs signoff.yaml with an approval of version {meta.version} from each "
                f"required role ({', '.join(roles)})",
            )
        return
    yield from _panel(g, record)
    fingerprint = content_fingerprint(g)
    current = set()
    for a in record.approvals:
        member = record.member(a.member)
        if member is None:
            yield Diagnostic.error(a.location("member"), "signoff-unknown-member", f"{a.member!r} is not on the panel")
        if a.role not in roles:
            yield Diagnostic.error(
                a.location("role"),
                "approval-unknown-role",
                f"{a.role!r} is not a required approver role; roles: {', '.join(roles) or '(none)'}",
            )
        state = approval_state(a, meta.version, fingerprint)
        if state == "stale":
            yield Diagnostic(
                a.location("fingerprint"),
                Severity.ERROR if published else Severity.WARNING,
                "approval-stale",
                f"this approval of version {a.version} is of other content ({a.fingerprint[:15]}…); the content "
                f"is now {fingerprint[:15]}…: ask {a.member!r} to approve again, or revert the change",
            )
        elif state == "current" and member is not None:
            current.add(a.role)
    if published and fingerprint is not None:
        missing = [r for r in roles if r not in current]
        if missing:
            yield Diagnostic.error(
                meta.location("status"),
                "approval-missing",
                f"version {meta.version} is published without a current approval from: {', '.join(missing)}",
            )


def _panel(g: Guideline, record) -> Iterator[Diagnostic]:
    known = g.known_ids("statements") or {s.id for s in g.statements}
    seen: set[str] = set()
    for member in record.panel:
        if member.id in seen:
            yield Diagnostic.error(member.location("id"), "duplicate-id", f"panel member id {member.id!r} is used twice")
        seen.add(member.id)
        for interest in member.interests:
            for sid in interest.statements:
                if sid not in known:
                    yield Diagnostic.error(interest.location("statements"), "unknown-statement", f"interest names unknown statement {sid!r}")
    for vote in record.votes:
        if vote.statement not in known:
            yield Diagnostic.error(vote.location("statement"), "unknown-statement", f"vote on unknown statement {vote.statement!r}")
        counted: set[str] = set()
        for member_id, field in vote.voters():
            if member_id in counted:
                yield Diagnostic.error(vote.location(field), "vote-counted-twice", f"{member_id!r} is counted twice in this vote")
            counted.add(member_id)
            member = record.member(member_id)
            if member is None:
                yield Diagnostic.error(vote.location(field), "signoff-unknown-member", f"{member_id!r} is not on the panel")
                continue
            interest = recused_from(member, vote.statement)
            if interest is not None and field != "abstain":
                yield Diagnostic.error(
                    vote.location(field),
                    "vote-recused",
                    f"{member.name} is recused from {vote.statement!r} ({interest.description}); their vote cannot "
                    f"be counted: move them out of '{field}'",
                )
