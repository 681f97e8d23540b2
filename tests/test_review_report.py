"""`guideline review-report`: review dates sorted by due date, overdue and due-soon items flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def add_review_dates(minimal: Path) -> None:
    statements = minimal / "statements.yaml"
    text = statements.read_text()
    text = text.replace("  - id: rec-continue-tki\n", "  - id: rec-continue-tki\n    last_reviewed: 2025-06-01\n    review_due: 2026-05-01\n")
    text = text.replace("  - id: ev-weickhardt\n", "  - id: ev-weickhardt\n    last_reviewed: 2026-01-10\n    review_due: 2026-07-15\n")
    text = text.replace("  - id: rec-local-therapy\n", "  - id: rec-local-therapy\n    review_due: 2027-03-01\n")
    statements.write_text(text)


def report_json(cli, *args: str, env: dict | None = None) -> dict:
    result = cli("review-report", *args, "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_statements_sorted_by_due_date_with_states(cli, minimal):
    add_review_dates(minimal)
    report = report_json(cli, str(minimal), "--today", "2026-06-01", "--within", "60")
    [g] = report["guidelines"]
    assert g["review_by"] == "2028-01-01" and g["state"] == "ok"
    rows = [(s["id"], s["due"], s["state"], s["inherited"]) for s in g["statements"]]
    assert rows == [
        ("rec-continue-tki", "2026-05-01", "overdue", False),
        ("ev-weickhardt", "2026-07-15", "due-soon", False),
        ("rec-local-therapy", "2027-03-01", "ok", False),
        ("def-oligoprogression", "2028-01-01", "ok", True),  # falls under the guideline's review_by
    ]
    assert g["statements"][0]["last_reviewed"] == "2025-06-01"
    assert g["statements"][0]["days_left"] == -31
    assert g["counts"] == {"overdue": 1, "due-soon": 1, "ok": 2}


def test_within_widens_the_due_soon_window(cli, minimal):
    add_review_dates(minimal)
    narrow = report_json(cli, str(minimal), "--today", "2026-06-01", "--within", "30")
    wide = report_json(cli, str(minimal), "--today", "2026-06-01", "--within", "365")
    state = lambda r, sid: next(s["state"] for s in r["guidelines"][0]["statements"] if s["id"] == sid)  # noqa: E731
    assert state(narrow, "ev-weickhardt") == "ok"
    assert state(wide, "ev-weickhardt") == "due-soon"
    assert state(wide, "rec-local-therapy") == "due-soon"


def test_today_comes_from_the_environment_like_check(cli, minimal):
    add_review_dates(minimal)
    later = report_json(cli, str(minimal), env={"GUIDELINE_TODAY": "2028-02-01"})
    assert later["today"] == "2028-02-01"
    g = later["guidelines"][0]
    assert g["state"] == "overdue"
    assert all(s["state"] == "overdue" for s in g["statements"])


def test_text_report(cli, minimal):
    add_review_dates(minimal)
    result = cli("review-report", str(minimal), "--today", "2026-06-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "minimal: Local treatment of oligoprogression on targeted therapy (test fixture) (version 1.1.0, draft)"
    assert "guideline review_by 2028-01-01: ok: in 579 days" in lines[1]
    body = [line.split() for line in lines[3:7]]
    assert [row[2] for row in body] == [
        "rec-continue-tki", "ev-weickhardt", "rec-local-therapy", "def-oligoprogression"]
    assert "OVERDUE by 31 days" in lines[3]
    assert "DUE SOON: in 44 days" in lines[4]
    assert lines[6].startswith("  2028-01-01*")
    assert "1 overdue, 1 due within 90 days, 2 ok" in result.output


def test_markdown_report(cli, minimal):
    add_review_dates(minimal)
    result = cli("review-report", str(minimal), "--today", "2026-06-01", "--format", "markdown")
    assert result.exit_code == 0
    assert "| 2026-05-01 | 2025-06-01 | `rec-continue-tki` | recommendation | **OVERDUE by 31 days** |" in result.output
    assert "| 2028-01-01 (guideline) | – | `def-oligoprogression` | definition | ok: in 579 days |" in result.output


def test_broken_guideline_and_usage_errors(cli, minimal):
    (minimal / "guideline.yaml").write_text("id: [unclosed\n")
    result = cli("review-report", str(minimal))
    assert result.exit_code == 1
    assert "does not load" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--within", "-1"], ["--today", "tomorrow"], ["nowhere"]])
def test_usage_errors_exit_2(cli, minimal, args):
    extra = [] if args == ["nowhere"] else [str(minimal)]
    assert cli("review-report", *args, *extra).exit_code == 2
