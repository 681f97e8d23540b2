"""The approval record and declared interests, as the clinician protocol prints them."""

from __future__ import annotations

from generator.content.fingerprint import content_fingerprint
from generator.content.signoff import approval_state, required_roles, signoff_status

STATE_LABELS = {"current": "this version", "stale": "earlier content of this version", "other-version": "another version"}
ROLE_STATES = {"approved": "Approved", "stale": "Approval is of earlier content", "missing": "Not yet approved"}


def signoff_view(g, numbers: dict[str, str]) -> dict:
    """Plain data for the protocol: each approver role's state, every approval, the panel's interests, votes."""
    record = g.signoff
    if record is None:
        # Without a record nothing depends on the content (every role: not yet approved), so the view
        # leaves the fingerprint out: a patient-text edit must not rebuild the clinician protocol.
        roles = {r: {"role": r, "state": "missing", "member": None, "date": None, "label": ROLE_STATES["missing"]}
                 for r in required_roles(g.meta)}
        return {"present": False, "fingerprint": None, "roles": roles, "approvals": [], "interests": [],
                "votes": [], "ready": False, "signed": 0, "total": len(roles)}
    status = signoff_status(g)
    fingerprint = content_fingerprint(g)
    roles = {r["role"]: {**r, "label": ROLE_STATES[r["state"]]} for r in status["roles"]}

    def name(member_id: str) -> str:
        member = record.member(member_id) if record else None
        return member.name if member else member_id

    def bears_on(ids: list[str]) -> str:
        return ", ".join(numbers.get(i, i) for i in ids) if ids else "whole guideline"

    approvals = [
        {
            "member": name(a.member),
            "role": a.role,
            "version": a.version,
            "date": a.date.isoformat(),
            "fingerprint": a.fingerprint.removeprefix("sha256:")[:12],
            "state": STATE_LABELS[approval_state(a, g.meta.version, fingerprint)],
            "signature": a.signature,
        }
        for a in (record.approvals if record else [])
    ]
    interests = [
        {
            "member": m.name,
            "role": m.role,
            "organisation": m.organisation,
            "rows": [
                {"description": i.description, "kind": i.kind, "bears_on": bears_on(i.statements), "management": i.management}
                for i in m.interests
            ],
        }
        for m in (record.panel if record else [])
    ]
    votes = [
        {
            "statement": numbers.get(v.statement, v.statement),
            "version": v.version,
            "for": len(v.for_),
            "against": len(v.against),
            "abstain": len(v.abstain),
        }
        for v in (record.votes if record else [])
    ]
    return {
        "present": record is not None,
        "fingerprint": (fingerprint or "").removeprefix("sha256:")[:12],
        "roles": roles,
        "approvals": approvals,
        "interests": interests,
        "votes": votes,
        "ready": status["ready"],
        "signed": sum(1 for r in status["roles"] if r["state"] == "approved"),
        "total": len(status["roles"]),
    }
