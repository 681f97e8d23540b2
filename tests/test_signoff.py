"""Sign-off as data: the content fingerprint, approvals of it, and the publish gate on them."""

from __future__ import annotations

import json

import yaml

from generator.content.fingerprint import content_fingerprint
from generator.content.loader import load_guideline


def fingerprint(folder):
    return content_fingerprint(load_guideline(folder).guideline)


def write_signoff(folder, approvals, panel=None, votes=None):
    panel = panel or [
        {"id": "t-onc", "name": "Test Oncologist", "role": "Thoracic oncology"},
        {"id": "r-onc", "name": "Test Radiation Oncologist", "role": "Radiation oncology"},
    ]
    data = {"panel": panel, "approvals": approvals, "votes": votes or []}
    (folder / "signoff.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def approve_all(folder, version="1.1.0", fp=None):
    fp = fp or fingerprint(folder)
    write_signoff(folder, [
        {"member": "t-onc", "role": "Thoracic oncology", "version": version, "fingerprint": fp, "date": "2026-01-02"},
        {"member": "r-onc", "role": "Radiation oncology", "version": version, "fingerprint": fp, "date": "2026-01-03"},
    ])


def publish(folder):
    path = folder / "guideline.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status: published"), encoding="utf-8")


def codes(cli, folder, *args):
    result = cli("check", "--format", "json", *args, str(folder))
    return result.exit_code, [d["code"] for d in json.loads(result.stdout)]


def test_fingerprint_ignores_layout_comments_and_release_fields(minimal):
    before = fingerprint(minimal)
    assert before and before.startswith("sha256:")
    meta = minimal / "guideline.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text("# a new comment\n" + text.replace("status: draft", "status: published")
                    .replace("version: 1.1.0", "version: 1.2.0"), encoding="utf-8")
    stmts = minimal / "statements.yaml"
    stmts.write_text(stmts.read_text(encoding="utf-8") + "\n# trailing comment\n", encoding="utf-8")
    assert fingerprint(minimal) == before


def test_fingerprint_changes_with_any_statement_text(minimal):
    before = fingerprint(minimal)
    stmts = minimal / "statements.yaml"
    text = stmts.read_text(encoding="utf-8")
    assert "may be considered" in text
    stmts.write_text(text.replace("may be considered", "should be considered", 1), encoding="utf-8")
    assert fingerprint(minimal) != before


def test_published_with_every_current_approval_passes(minimal, cli):
    approve_all(minimal)
    publish(minimal)
    code, found = codes(cli, minimal)
    assert not {c for c in found if c.startswith(("approval", "signoff", "vote"))}, found
    result = cli("signoff", str(minimal))
    assert result.exit_code == 0, result.output
    assert "Radiation oncology" in result.output and "approved by Test Radiation Oncologist on 2026-01-03" in result.output
    assert "ready to publish" in result.output


def test_a_change_after_approval_blocks_publishing(minimal, cli):
    approve_all(minimal)
    publish(minimal)
    stmts = minimal / "statements.yaml"
    stmts.write_text(stmts.read_text(encoding="utf-8").replace("may be considered", "should be considered", 1), encoding="utf-8")
    code, found = codes(cli, minimal)
    assert code == 1
    assert found.count("approval-stale") == 2 and "approval-missing" in found
    report = json.loads(cli("signoff", "--format", "json", str(minimal)).stdout)[0]
    assert [r["state"] for r in report["roles"]] == ["stale", "stale"] and report["ready"] is False


def test_one_missing_role_blocks_publishing(minimal, cli):
    fp = fingerprint(minimal)
    write_signoff(minimal, [{"member": "t-onc", "role": "Thoracic oncology", "version": "1.1.0", "fingerprint": fp, "date": "2026-01-02"}])
    publish(minimal)
    result = cli("check", str(minimal))
    assert result.exit_code == 1
    assert "error[approval-missing]: version 1.1.0 is published without a current approval from: Radiation oncology" in result.output


def test_approval_of_an_earlier_version_does_not_count(minimal, cli):
    approve_all(minimal, version="1.0.0")
    publish(minimal)
    code, found = codes(cli, minimal)
    assert code == 1 and "approval-missing" in found and "approval-stale" not in found


def test_a_recused_member_may_abstain(minimal, cli):
    panel = [{"id": "s", "name": "Test Surgeon", "role": "Thoracic surgery", "interests": [
        {"description": "Speaker fees (fixture)", "statements": ["rec-local-therapy"], "management": "recused"}]}]
    write_signoff(minimal, [], panel=panel, votes=[{"statement": "rec-local-therapy", "version": "1.1.0", "abstain": ["s"]}])
    code, found = codes(cli, minimal)
    assert "vote-recused" not in found
    write_signoff(minimal, [], panel=panel, votes=[{"statement": "rec-local-therapy", "version": "1.1.0", "against": ["s"]}])
    code, found = codes(cli, minimal)
    assert code == 1 and "vote-recused" in found


def page_text(minimal) -> str:
    """The protocol HTML's text as a reader sees it (tags removed, spaces folded)."""
    import re
    from html import unescape

    from generator.render import protocol
    from tests.render_kit import load

    html = protocol.render(protocol.view(load(minimal))).decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def signed_off_minimal(minimal):
    panel = [
        {"id": "t-onc", "name": "Test Oncologist", "role": "Thoracic oncology", "interests": []},
        {"id": "r-onc", "name": "Test Radiation Oncologist", "role": "Radiation oncology", "interests": [
            {"description": "Research grant from a device maker (fixture)", "kind": "financial",
             "statements": ["rec-local-therapy"], "management": "recused"}]},
    ]
    fp = fingerprint(minimal)
    write_signoff(minimal, [
        {"member": "t-onc", "role": "Thoracic oncology", "version": "1.1.0", "fingerprint": fp, "date": "2026-01-02"},
        {"member": "r-onc", "role": "Radiation oncology", "version": "1.1.0", "fingerprint": fp, "date": "2026-01-03",
         "signature": "minimal/v1.1.0"},
    ], panel=panel, votes=[{"statement": "rec-local-therapy", "version": "1.1.0", "for": ["t-onc"], "abstain": ["r-onc"]}])


def test_the_protocol_prints_the_approval_record_and_interests(minimal):
    signed_off_minimal(minimal)
    text = page_text(minimal)
    assert "Approval record and declared interests" in text
    assert "Every required role has approved this version." in text
    assert "Test Radiation Oncologist Radiation oncology 1.1.0 2026-01-03" in text
    assert "Research grant from a device maker (fixture) financial" in text and "recused" in text
    # the title page's table says, per approver role, whether this version is approved
    assert "Approved (2026-01-02)" in text and "Not yet approved" not in text


def test_the_protocol_says_plainly_when_approvals_are_missing_or_stale(minimal):
    text = page_text(minimal)
    assert "Not yet approved" in text and "No approvals are recorded." in text
    assert "it must not be used as a published protocol" in text
    signed_off_minimal(minimal)
    stmts = minimal / "statements.yaml"
    stmts.write_text(stmts.read_text(encoding="utf-8").replace("may be considered", "should be considered", 1), encoding="utf-8")
    text = page_text(minimal)
    assert "Approval is of earlier content" in text and "earlier content of this version" in text


def test_fhir_bundle_carries_attesters_and_the_release_provenance(minimal, cli):
    signed_off_minimal(minimal)
    result = cli("export", "fhir", str(minimal), "--out", "out")
    assert result.exit_code == 0, result.output
    bundle = json.loads((cli.cwd / "out" / "minimal" / "fhir-bundle.json").read_text())
    resources = [e["resource"] for e in bundle["entry"]]
    composition = resources[0]
    assert [a["party"]["display"] for a in composition["attester"]] == [
        "Test Oncologist, Thoracic oncology", "Test Radiation Oncologist, Radiation oncology"]
    assert {a["mode"]["coding"][0]["code"] for a in composition["attester"]} == {"official"}
    [prov] = [r for r in resources if r["resourceType"] == "Provenance"]
    assert prov["target"] == [{"reference": f"Composition/{composition['id']}"}]
    assert [a["type"]["coding"][0]["code"] for a in prov["agent"]] == ["attester", "attester"]
    assert prov["entity"][0]["what"]["identifier"]["value"] == "minimal/v1.1.0"
