"""What a build did and why, for people and for CI: a JSON report and a Markdown summary.

`guideline build --report FILE` writes the JSON (which guidelines this build covered, each
document's status and why it was rendered); `--summary FILE` appends the Markdown that a CI job
summary shows (GitHub: `--summary "$GITHUB_STEP_SUMMARY"`): the documents rebuilt with their
reasons, failures, and the skipped documents counted per guideline.
"""

from __future__ import annotations

import json
from pathlib import Path

from generator.build.atomic import write_bytes
from generator.build.engine import BuildReport
from generator.diagnostics import one_line


def report_record(report: BuildReport, guidelines: list[str], shard: tuple[int, int] | None = None,
                  work: dict[str, float] | None = None, total: int | None = None) -> dict:
    """The JSON report: the guidelines built (this shard's), every document's outcome, the shard's expected work."""
    record: dict = {
        "guidelines": list(guidelines),
        "summary": {status: report.count(status) for status in ("built", "skipped", "failed")},
        "seconds": round(report.seconds, 3),
        "removed": list(report.removed),
        "documents": [
            {"guideline": o.guideline, "document": o.document, "file": o.filename, "status": o.status,
             "reason": o.reason, "message": o.message, "seconds": round(o.seconds, 3)}
            for o in report.outcomes
        ],
    }
    if shard is not None:
        record["shard"] = {"index": shard[0], "count": shard[1], "of_guidelines": total}
        if work is not None:
            record["shard"]["expected_work"] = round(sum(work.get(g, 0.0) for g in guidelines), 2)
            record["shard"]["library_expected_work"] = round(sum(work.values()), 2)
    return record


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|") or " "


def markdown(record: dict) -> str:
    """The job summary: a heading with the counts, a table of what was rendered and why, then the skips."""
    counts = record["summary"]
    n = len(record["guidelines"])
    head = f"### Build: {n} guideline{'s' if n != 1 else ''}"
    shard = record.get("shard")
    if shard:
        head += f" (shard {shard['index']}/{shard['count']} of {shard['of_guidelines']})"
    lines = [head, "",
             f"{counts['built']} built, {counts['skipped']} skipped, {counts['failed']} failed in {record['seconds']:.1f} s."]
    if shard and "expected_work" in shard:
        lines.append(f"Expected work of this shard: {shard['expected_work']:.1f} of {shard['library_expected_work']:.1f} units "
                     "(shards are balanced by expected work).")
    lines.append("")
    rendered = sorted((d for d in record["documents"] if d["status"] != "skipped"), key=lambda d: d["guideline"])
    if rendered:
        lines += ["| guideline | document | status | why |", "|---|---|---|---|"]
        for d in rendered:
            why = d["reason"] if d["status"] == "built" else (d["message"] or d["reason"])
            lines.append(f"| {_cell(d['guideline'])} | {_cell(d['file'])} | {d['status']} | {_cell(why)} |")
        lines.append("")
    skipped: dict[str, int] = {}
    for d in record["documents"]:
        if d["status"] == "skipped":
            skipped[d["guideline"]] = skipped.get(d["guideline"], 0) + 1
    if skipped:
        listed = ", ".join(f"{_cell(g)} ({k})" for g, k in sorted(skipped.items()))
        lines += [f"Current, not rebuilt: {listed}.", ""]
    for removed in record["removed"]:
        lines.append(f"- removed {_cell(removed)} (no document produces it any more)")
    return "\n".join(lines).rstrip() + "\n\n"


def write_report(path: Path, record: dict) -> None:
    write_bytes(Path(path), json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")


def append_summary(path: Path, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown(record))
