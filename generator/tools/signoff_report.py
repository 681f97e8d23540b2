"""What `guideline signoff` shows: the content fingerprint to approve, and each required role's state."""

from __future__ import annotations

from typing import Any

from generator.content.fingerprint import content_fingerprint
from generator.content.signoff import recused_from, required_roles


def signoff_status(g) -> dict[str, Any]:
    """Per required role: approved (of the current version and fingerprint), stale, or missing."""
    meta, record = g.meta, g.signoff
    fingerprint = content_fingerprint(g)
    roles = []
    for role in required_roles(meta):
        rows = [a for a in (record.approvals if record else []) if a.role == role and a.version == meta.version]
        good = [a for a in rows if a.fingerprint == fingerprint]
        state = "approved" if good else ("stale" if rows else "missing")
        chosen = (good or rows or [None])[0]
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


def format_text(report: dict[str, Any]) -> str:
    lines = [
        f"{report['guideline']} {report['version']} ({report['status']})",
        f"  fingerprint to approve: {report['fingerprint'] or '(the guideline does not load: run guideline check)'}",
    ]
    width = max((len(r["role"]) for r in report["roles"]), default=0)
    for r in report["roles"]:
        who = f" by {r['member']} on {r['date']}" if r["member"] else ""
        lines.append(f"  {r['role']:<{width}}  {r['state']}{who}")
    for rec in report["recusals"]:
        lines.append(f"  recused: {rec['member']} from {', '.join(rec['statements'])} ({rec['interest']})")
    lines.append("  ready to publish" if report["ready"] else "  not ready to publish: every role needs a current approval")
    return "\n".join(lines)
