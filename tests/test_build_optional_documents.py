"""A guideline without a `patient:` block has no patient explainer: the build skips it, never fails on it."""

from __future__ import annotations

import json
import re


def _drop_patient_content(folder):
    meta = (folder / "guideline.yaml").read_text()
    meta = meta[: meta.index("\npatient:")] + "\n"
    (folder / "guideline.yaml").write_text(meta)
    statements = (folder / "statements.yaml").read_text()
    statements = re.sub(r"\n    patient:\n(      .*\n|        .*\n)+", "\n", statements)
    (folder / "statements.yaml").write_text(statements)


def test_guideline_without_patient_block_builds_without_explainer(cli, minimal, tmp_path):
    out = tmp_path / "out"
    first = cli("build", str(minimal), "--out", str(out), "--html-only", "-j", "1")
    assert first.exit_code == 0, first.output
    folder = out / "minimal"
    assert (folder / "patient-explainer.html").is_file()

    _drop_patient_content(minimal)
    assert cli("check", "--strict", str(minimal)).exit_code == 0
    second = cli("build", str(minimal), "--out", str(out), "--html-only", "-j", "1")
    assert second.exit_code == 0, second.output
    assert "failed" not in second.output.lower().replace("0 failed", "")
    assert not (folder / "patient-explainer.html").exists(), "the explainer of an earlier build is stale now"
    assert (folder / "clinician-protocol.html").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert not [name for name in manifest["outputs"] if name.startswith("patient")]
