"""The review report: each guideline's review_by and every statement's last_reviewed / review_due.

A statement without a `review_due` of its own falls under the guideline's `review_by` (shown as
inherited). Items are sorted by due date and flagged overdue (due before today) or due soon (due
within N days). Plain data in, plain data out; the command formats it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from generator.content.guideline import Guideline

OVERDUE, DUE_SOON, OK = "overdue", "due-soon", "ok"


def state_of(due: dt.date, today: dt.date, within: int) -> str:
    if due < today:
        return OVERDUE
    if (due - today).days <= within:
        return DUE_SOON
    return OK


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def guideline_report(g: Guideline, today: dt.date, within: int) -> dict[str, Any]:
    """One guideline's review dates as JSON-serialisable data."""
    meta = g.meta
    review_by = meta.dates.review_by
    items = []
    for s in g.statements:
        due = s.review_due or review_by
        items.append(
            {
                "id": s.id,
                "kind": s.kind,
                "section": s.section,
                "title": s.title,
                "last_reviewed": _iso(s.last_reviewed),
                "review_due": _iso(s.review_due),
                "due": due.isoformat(),
                "inherited": s.review_due is None,
                "days_left": (due - today).days,
                "state": state_of(due, today, within),
            }
        )
    items.sort(key=lambda i: (i["due"], i["id"]))
    counts = {OVERDUE: 0, DUE_SOON: 0, OK: 0}
    for i in items:
        counts[i["state"]] += 1
    return {
        "guideline": g.id,
        "title": meta.title,
        "version": meta.version,
        "status": meta.status,
        "path": g.paths.get("guideline.yaml", str(g.folder)),
        "review_by": review_by.isoformat(),
        "last_reviewed": _iso(meta.dates.last_reviewed),
        "days_left": (review_by - today).days,
        "state": state_of(review_by, today, within),
        "statements": items,
        "counts": counts,
    }


def build_report(guidelines: list[Guideline], today: dt.date, within: int) -> dict[str, Any]:
    reports = [guideline_report(g, today, within) for g in guidelines if g.meta is not None]
    return {"today": today.isoformat(), "within_days": within, "guidelines": reports}


# --------------------------------------------------------------------------- formats


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _flag(state: str, days: int) -> str:
    if state == OVERDUE:
        return f"OVERDUE by {_days(-days)}"
    if state == DUE_SOON:
        return "DUE SOON: today" if days == 0 else f"DUE SOON: in {_days(days)}"
    return f"ok: in {_days(days)}"


def format_text(report: dict) -> str:
    out = []
    for g in report["guidelines"]:
        out.append(f"{g['guideline']}: {g['title']} (version {g['version']}, {g['status']})")
        out.append(f"  guideline review_by {g['review_by']}: {_flag(g['state'], g['days_left'])}; "
                   f"last reviewed {g['last_reviewed'] or 'never recorded'}")
        rows = [("due", "last reviewed", "statement", "state")]
        for s in g["statements"]:
            due = s["due"] + ("*" if s["inherited"] else " ")
            rows.append((due, s["last_reviewed"] or "-", s["id"], _flag(s["state"], s["days_left"])))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for r in rows:
            out.append("  " + "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
        if any(s["inherited"] for s in g["statements"]):
            out.append("  * no review_due of its own: the guideline's review_by applies")
        c = g["counts"]
        out.append(f"  {c[OVERDUE]} overdue, {c[DUE_SOON]} due within {report['within_days']} days, {c[OK]} ok")
        out.append("")
    out.append(f"(today is {report['today']})")
    return "\n".join(out)


def format_markdown(report: dict) -> str:
    out = [f"# Review report ({report['today']})", ""]
    for g in report["guidelines"]:
        out += [
            f"## {g['title']} (`{g['guideline']}`, version {g['version']}, {g['status']})",
            "",
            f"Guideline review by **{g['review_by']}**: {_flag(g['state'], g['days_left'])}. "
            f"Last reviewed: {g['last_reviewed'] or 'never recorded'}.",
            "",
            "| due | last reviewed | statement | kind | state |",
            "|---|---|---|---|---|",
        ]
        for s in g["statements"]:
            due = s["due"] + (" (guideline)" if s["inherited"] else "")
            state = _flag(s["state"], s["days_left"])
            if s["state"] != OK:
                state = f"**{state}**"
            out.append(f"| {due} | {s['last_reviewed'] or '–'} | `{s['id']}` | {s['kind']} | {state} |")
        c = g["counts"]
        out += ["", f"{c[OVERDUE]} overdue, {c[DUE_SOON]} due within {report['within_days']} days, {c[OK]} ok.", ""]
    return "\n".join(out).rstrip() + "\n"
