"""The sign-off record (`signoff.yaml`): the panel, its declared interests, approvals and votes.

It is kept apart from the guideline's content because it is a record *about* a version of the
content: an approval names the version and the content fingerprint (generator.content.fingerprint)
it approves, and recording it must not change what it approved.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from generator.content.fingerprint import content_fingerprint
from generator.content.models import SEMVER_PATTERN, ContentModel, Slug, Text

SIGNOFF_FILE = "signoff.yaml"
FINGERPRINT_PATTERN = r"^sha256:[0-9a-f]{64}$"


class Interest(ContentModel):
    """One declared interest of a panel member (Guidelines International Network principles)."""

    description: Text = Field(description="What the interest is, e.g. 'Advisory board, Company X (2025)'.")
    kind: Literal["financial", "intellectual", "other"] = Field(
        default="financial", description="Financial (payments, shares, grants), intellectual (own trials, publications) or other."
    )
    statements: list[Slug] = Field(
        default_factory=list,
        description="The statements (usually recommendations) the interest bears on; empty means the whole guideline.",
    )
    management: Literal["none", "disclosed", "recused"] = Field(
        description="The panel's decision: none (no action needed), disclosed (declared, may vote) or recused "
        "(takes no part in the vote on those statements)."
    )


class PanelMember(ContentModel):
    id: Slug = Field(description="A stable id used by approvals and votes, e.g. a-lee.")
    name: Text = Field(description="The member's name as printed in the protocol.")
    role: Text = Field(description="The member's role on the panel, e.g. 'Radiation oncology'.")
    organisation: Text | None = Field(default=None, description="Where the member works.")
    interests: list[Interest] = Field(
        default_factory=list, description="Declared interests; an empty list is a declaration of none."
    )


class Approval(ContentModel):
    member: Slug = Field(description="The panel member (id) who approves.")
    role: Text = Field(description="The required role this approval fills (one of the guideline's approver roles).")
    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)] = Field(
        description="The guideline version approved."
    )
    fingerprint: Annotated[str, StringConstraints(pattern=FINGERPRINT_PATTERN)] = Field(
        description="The content fingerprint approved (`guideline signoff` prints the current one)."
    )
    date: dt.date = Field(description="The date of the approval.")
    signature: Text | None = Field(
        default=None, description="Optional: the signing commit or tag, e.g. a signed tag's name."
    )


class Vote(ContentModel):
    statement: Slug = Field(description="The recommendation voted on.")
    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)] = Field(description="The version voted on.")
    for_: list[Slug] = Field(default_factory=list, alias="for", description="Members (ids) voting for.")
    against: list[Slug] = Field(default_factory=list, description="Members (ids) voting against.")
    abstain: list[Slug] = Field(default_factory=list, description="Members (ids) abstaining.")

    def voters(self) -> list[tuple[str, str]]:
        """(member id, field) for every counted vote."""
        return [(m, f) for f, ids in (("for", self.for_), ("against", self.against), ("abstain", self.abstain)) for m in ids]


class SignoffFile(ContentModel):
    panel: list[PanelMember] = Field(default_factory=list, description="Who is on the panel, with declared interests.")
    approvals: list[Approval] = Field(default_factory=list, description="Approvals, one per member, role and version.")
    votes: list[Vote] = Field(default_factory=list, description="Recorded votes on recommendations.")

    def member(self, member_id: str) -> PanelMember | None:
        return next((m for m in self.panel if m.id == member_id), None)


def recused_from(member: PanelMember, statement_id: str) -> Interest | None:
    """The interest that recuses `member` from voting on `statement_id`, if any."""
    for interest in member.interests:
        if interest.management == "recused" and (not interest.statements or statement_id in interest.statements):
            return interest
    return None


def approval_state(approval: Approval, version: str, fingerprint: str | None) -> str:
    """"current" (this version, this content), "stale" (this version, other content) or "other-version"."""
    if approval.version != version or fingerprint is None:
        return "other-version"
    return "current" if approval.fingerprint == fingerprint else "stale"


def required_roles(meta: Any) -> list[str]:
    """The roles whose approval a published version needs: the guideline's authors with responsibility approver."""
    roles: list[str] = []
    for author in meta.authors:
        if author.responsibility == "approver" and author.role not in roles:
            roles.append(author.role)
    return roles


def signoff_status(g) -> dict[str, Any]:
    """Per required role: approved (of the current version and fingerprint), stale, or missing."""
    meta, record = g.meta, g.signoff
    fingerprint = content_fingerprint(g)
    roles = []
    for role in required_roles(meta):
        states = [(a, approval_state(a, meta.version, fingerprint)) for a in (record.approvals if record else []) if a.role == role]
        good = [a for a, s in states if s == "current" and record.member(a.member)]
        rows = good + [a for a, s in states if s == "stale"]
        state = "approved" if good else ("stale" if rows else "missing")
        chosen = rows[0] if rows else None
        member = record.member(chosen.member) if (record and chosen) else None
        roles.append({
            "role": role,
            "state": state,
            "member": member.name if member else (chosen.member if chosen else None),
            "date": chosen.date.isoformat() if chosen else None,
        })
    recusals = []
    for member in record.panel if record else []:
        for interest in member.interests:
            if interest.management == "recused":
                recusals.append({"member": member.name, "statements": interest.statements or ["(whole guideline)"],
                                 "interest": interest.description})
    return {
        "guideline": meta.id,
        "version": meta.version,
        "status": meta.status,
        "fingerprint": fingerprint,
        "roles": roles,
        "recusals": recusals,
        "ready": fingerprint is not None and all(r["state"] == "approved" for r in roles),
    }


def current_approvals(g) -> list[dict[str, Any]]:
    """The approvals of the current version and content, each with the approver's display name."""
    record = g.signoff
    if record is None or g.meta is None:
        return []
    fingerprint = content_fingerprint(g)
    out = []
    for a in record.approvals:
        member = record.member(a.member)
        if member is not None and approval_state(a, g.meta.version, fingerprint) == "current":
            out.append({"approval": a, "member": member, "display": ", ".join(p for p in (member.name, a.role, member.organisation) if p)})
    return out
