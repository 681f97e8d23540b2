"""What `guideline signoff` prints: the fingerprint to approve, and each required role's state."""

from __future__ import annotations

from typing import Any


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
