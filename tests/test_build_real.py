"""The build engine with the real documents (WeasyPrint, Graphviz): one end-to-end pass."""

from __future__ import annotations

import io
import os

import pytest
from pypdf import PdfReader

from generator.render.documents import DOCUMENTS
from tests.build_helpers import edit, make_library, run_build, snapshot, stat_snapshot, statuses

pytestmark = pytest.mark.slow


def test_real_documents_build_incrementally_reproducibly_and_in_parallel(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (folder,) = make_library(tmp_path / "content", 1)
    parallel = run_build([folder], tmp_path / "parallel", documents=DOCUMENTS, jobs=2)
    serial = run_build([folder], tmp_path / "serial", documents=DOCUMENTS, jobs=1)
    assert parallel.ok and serial.ok, [o.message for o in parallel.outcomes + serial.outcomes if o.message]
    assert set(statuses(parallel).values()) == {"built"} and len(parallel.outcomes) == len(DOCUMENTS)
    # Two clean builds, one parallel and one serial: the same bytes.
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")
    out = tmp_path / "parallel"
    for name in ("clinician-protocol.pdf", "patient-explainer.pdf"):
        reader = PdfReader(io.BytesIO((out / "g-00" / name).read_bytes()))
        assert len(reader.pages) >= 1

    # The real views separate the readers: a patient-text edit leaves the clinician documents alone ...
    protocol_before = (out / "g-00" / "clinician-protocol.pdf").read_bytes()
    edit(folder / "statements.yaml", "You keep taking your tablets.", "You keep taking your medicine.")
    report = run_build([folder], out, documents=DOCUMENTS, jobs=2)
    assert {d for d, s in statuses(report).items() if s == "built"} == {"patient-explainer-html", "patient-explainer-pdf"}
    assert (out / "g-00" / "clinician-protocol.pdf").read_bytes() == protocol_before
    assert b"medicine" in (out / "g-00" / "patient-explainer.html").read_bytes()

    # ... and a clinician-only edit leaves the patient documents alone.
    edit(folder / "statements.yaml", "Continue the same TKI after local therapy.", "Continue the same TKI after local treatment.")
    report = run_build([folder], out, documents=DOCUMENTS, jobs=2)
    assert {d for d, s in statuses(report).items() if s == "built"} == {"clinician-protocol-html", "clinician-protocol-pdf"}

    # The command: a no-op rebuild writes nothing at all.
    stats = stat_snapshot(out)
    # (the same user as the builds above: their per-user key signed the manifest)
    result = cli("build", str(folder.parent), "--out", str(out), env={"XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"]})
    assert result.exit_code == 0, result.output
    assert "0 built, 8 skipped, 0 failed" in result.output
    assert stat_snapshot(out) == stats
