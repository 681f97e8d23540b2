"""The publish gate on approvals: `status: published` needs every approver row signed off.

The failing side is the fixture case published-without-sign-off; here, the same guideline passes once
both approver rows carry a name and a date, and a draft may leave them empty.
"""

from __future__ import annotations


def _publish(minimal, *, signed: bool) -> None:
    path = minimal / "guideline.yaml"
    text = path.read_text(encoding="utf-8").replace("status: draft", "status: published")
    if signed:
        rows = "    responsibility: approver\n"
        assert text.count(rows) == 2
        text = text.replace(rows, rows + "    name: A. Example\n    signed_off: 2025-12-15\n")
    path.write_text(text, encoding="utf-8")


def test_a_published_guideline_signed_off_by_every_approver_passes_strict(cli, minimal):
    _publish(minimal, signed=True)
    result = cli("check", "--strict", "content")
    assert result.exit_code == 0, result.output
    assert "published-without-sign-off" not in result.output


def test_a_draft_needs_no_sign_off_but_publishing_does(cli, minimal):
    assert cli("check", "--strict", "content").exit_code == 0
    _publish(minimal, signed=False)
    result = cli("check", "content")
    assert result.exit_code == 1
    assert result.output.count("error[published-without-sign-off]") == 2
