"""What `guideline build` renders again after which edit (cheap fake documents, real loader and checks)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from generator.build import engine as builder
from generator.build.atomic import temp_name
from generator.render.documents import DocumentSpec
from tests.build_fakes import DOCUMENTS as FAKES
from generator.build.check_cache import CheckCache
from tests.build_helpers import CTX, edit, make_library, run_build, snapshot, stat_snapshot, statuses

ALL = {d.name for d in FAKES}
PROTOCOL = {"clinician-protocol-html", "clinician-protocol-pdf"}
PATIENT = {"patient-explainer-html", "patient-explainer-pdf"}


@pytest.fixture
def lib(tmp_path):
    (folder,) = make_library(tmp_path / "content", 1)
    out = tmp_path / "build"
    first = run_build([folder], out)
    assert set(statuses(first).values()) == {"built"} and len(first.outcomes) == 5
    return folder, out


def rebuilt(report) -> set[str]:
    return {name for name, status in statuses(report).items() if status == "built"}


def test_noop_rebuild_renders_and_writes_nothing(lib):
    folder, out = lib
    before, stats = snapshot(out), stat_snapshot(out)
    report = run_build([folder], out)
    assert rebuilt(report) == set() and report.count("skipped") == 5
    assert snapshot(out) == before
    assert stat_snapshot(out) == stats  # not even rewritten with the same bytes


def test_clinician_text_edit_rebuilds_protocol_only(lib):
    folder, out = lib
    patient_before = (out / "g-00" / "patient-explainer.pdf").read_bytes()
    edit(folder / "statements.yaml", "Continue the same TKI after local therapy.", "Continue the same TKI after local treatment.")
    assert rebuilt(run_build([folder], out)) == PROTOCOL
    assert (out / "g-00" / "patient-explainer.pdf").read_bytes() == patient_before
    assert b"after local treatment." in (out / "g-00" / "clinician-protocol.html").read_bytes()


def test_patient_text_edit_rebuilds_patient_documents_only(lib):
    folder, out = lib
    edit(folder / "statements.yaml", "You keep taking your tablets.", "You keep taking your medicine.")
    assert rebuilt(run_build([folder], out)) == PATIENT


def test_algorithm_edit_rebuilds_flowchart_and_protocol(lib):
    folder, out = lib
    edit(folder / "algorithm.yaml", "label: Switch systemic therapy", "label: Change systemic therapy")
    assert rebuilt(run_build([folder], out)) == {"flowchart"} | PROTOCOL


def test_edit_outside_every_view_rebuilds_nothing(lib):
    folder, out = lib
    edit(folder / "guideline.yaml", "# A small but complete", "# A small, complete")  # a YAML comment
    assert rebuilt(run_build([folder], out)) == set()


def test_force_rebuilds_everything_to_the_same_bytes(lib):
    folder, out = lib
    before = snapshot(out)
    assert rebuilt(run_build([folder], out, force=True)) == ALL
    assert snapshot(out) == before


def test_altered_or_deleted_output_is_rebuilt(lib):
    folder, out = lib
    good = snapshot(out)
    (out / "g-00" / "flowchart.svg").write_bytes(b"<svg>edited by hand</svg>")
    (out / "g-00" / "patient-explainer.pdf").unlink()
    report = run_build([folder], out)
    # The flowchart comes back with the same bytes, so the protocol that embeds it is not rendered again.
    assert rebuilt(report) == {"flowchart", "patient-explainer-pdf"}
    assert snapshot(out) == good


def test_template_edit_rebuilds_the_documents_using_that_folder(tmp_path):
    (folder,) = make_library(tmp_path / "content", 1)
    templates = tmp_path / "templates"
    for name in ("flowchart", "protocol", "patient", "shared"):
        (templates / name).mkdir(parents=True)
        (templates / name / "style.css").write_text(f"/* {name} */\n")
    out = tmp_path / "build"
    run_build([folder], out, templates_root=templates)
    (templates / "patient" / "style.css").write_text("/* patient, larger type */\n")
    assert rebuilt(run_build([folder], out, templates_root=templates)) == PATIENT
    (templates / "shared" / "extra.css").write_text("/* new shared file */\n")
    assert rebuilt(run_build([folder], out, templates_root=templates)) == PROTOCOL | PATIENT


def test_source_date_epoch_is_an_input(lib, monkeypatch):
    folder, out = lib
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert rebuilt(run_build([folder], out)) == ALL
    assert rebuilt(run_build([folder], out)) == set()


def test_html_only_keeps_the_pdfs_and_their_records(lib):
    folder, out = lib
    pdf_before = (out / "g-00" / "clinician-protocol.pdf").read_bytes()
    edit(folder / "statements.yaml", "Continue the same TKI after local therapy.", "Continue the same TKI afterwards.")
    report = run_build([folder], out, html_only=True)
    assert rebuilt(report) == {"clinician-protocol-html"}
    assert "clinician-protocol-pdf" not in statuses(report)
    assert (out / "g-00" / "clinician-protocol.pdf").read_bytes() == pdf_before
    manifest = json.loads((out / "g-00" / "manifest.json").read_text())
    assert set(manifest["outputs"]) == ALL
    # The next full build sees that the PDF is now behind its HTML.
    assert rebuilt(run_build([folder], out)) == {"clinician-protocol-pdf"}


def test_manifest_records_inputs_and_output_hashes(lib):
    folder, out = lib
    manifest = json.loads((out / "g-00" / "manifest.json").read_text())
    assert manifest["guideline"] == "g-00"
    for name, entry in manifest["outputs"].items():
        data = (out / "g-00" / entry["file"]).read_bytes()
        assert entry["sha256"] == builder.sha256(data) and entry["bytes"] == len(data)
        assert len(entry["inputs"]) == 64
    html = manifest["outputs"]["clinician-protocol-html"]
    assert html["parts"]["needs"] == {"flowchart": manifest["outputs"]["flowchart"]["sha256"]}
    assert set(html["parts"]["templates"]) == {"protocol", "shared"}


def test_output_no_document_produces_any_more_is_removed(lib):
    folder, out = lib
    (out / "g-00" / "notes.txt").write_text("mine")  # not ours: never touched
    fewer = tuple(d for d in FAKES if d.name != "patient-explainer-pdf")
    report = run_build([folder], out, documents=fewer)
    assert report.removed == ["g-00/patient-explainer.pdf"]
    assert not (out / "g-00" / "patient-explainer.pdf").exists()
    assert (out / "g-00" / "notes.txt").read_text() == "mine"
    assert "patient-explainer-pdf" not in json.loads((out / "g-00" / "manifest.json").read_text())["outputs"]


def test_failed_render_keeps_the_last_good_file_and_retries(tmp_path):
    (folder,) = make_library(tmp_path / "content", 1)
    docs = FAKES + (DocumentSpec("failing", "failing.txt", "tests.build_fakes.failing"),)
    out = tmp_path / "build"
    assert run_build([folder], out, documents=docs).ok
    good = snapshot(out)
    edit(folder / "statements.yaml", "Continue the same TKI after local therapy.", "Continue the same TKI. FAIL-RENDER")
    report = run_build([folder], out, documents=docs)
    assert not report.ok
    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [(o.document, o.message) for o in failed] == [("failing", "RuntimeError: asked to fail")]
    assert (out / "g-00" / "failing.txt").read_bytes() == good["g-00/failing.txt"]
    # The other documents were built; the failed one is tried again next time.
    assert rebuilt(run_build([folder], out, documents=docs)) == set()  # nothing else changed ...
    assert statuses(run_build([folder], out, documents=docs))["failing"] == "failed"  # ... and it is retried


def test_a_document_whose_needs_failed_is_not_built(tmp_path):
    (folder,) = make_library(tmp_path / "content", 1)
    docs = (
        DocumentSpec("failing", "failing.txt", "tests.build_fakes.failing"),
        DocumentSpec("after", "after.pdf", "tests.build_fakes.patient_pdf", needs=("failing",)),
    )
    edit(folder / "statements.yaml", "Continue the same TKI after local therapy.", "FAIL-RENDER")
    report = run_build([folder], tmp_path / "build", documents=docs)
    assert statuses(report) == {"failing": "failed", "after": "failed"}
    assert "a document it needs failed" in report.outcomes[-1].message
    assert not (tmp_path / "build" / "g-00" / "after.pdf").exists()


def test_duplicate_guideline_ids_stop_the_build_before_writing(tmp_path):
    a, b = make_library(tmp_path / "content", 2)
    edit(b / "guideline.yaml", "id: g-01", "id: g-00")
    prepared = builder.prepare([a, b], CTX, FAKES, CheckCache(None))
    assert not prepared.ok
    [d] = [d for d in prepared.diagnostics if d.is_error]
    assert (d.code, d.location.path) == ("duplicate-id", str(b / "guideline.yaml"))
    assert [s.id for s in prepared.sources] == ["g-00"]  # the first folder keeps its id
    with pytest.raises(builder.BuildError, match="both have the id 'g-00'"):  # the engine itself refuses too
        builder.build([*prepared.sources, builder.Source("g-00", b, {})], tmp_path / "build", documents=FAKES)
    assert not (tmp_path / "build").exists()


def test_temp_files_of_dead_builds_are_swept_live_ones_kept(lib):
    folder, out = lib
    gdir = out / "g-00"
    dead = gdir / ".flowchart.svg.tmp-999999999-0123abcd"
    dead.write_bytes(b"half a file")
    live = temp_name(gdir / "clinician-protocol.pdf")  # carries this (running) process's pid
    live.write_bytes(b"another build is writing this")
    run_build([folder], out)
    assert not dead.exists() and live.exists()


def test_needs_cycle_and_missing_needs_are_reported(tmp_path):
    (folder,) = make_library(tmp_path / "content", 1)
    cyc = (
        DocumentSpec("a", "a.txt", "tests.build_fakes.failing", needs=("b",)),
        DocumentSpec("b", "b.txt", "tests.build_fakes.failing", needs=("a",)),
    )
    with pytest.raises(builder.BuildError, match="cycle"):
        run_build([folder], tmp_path / "build", documents=cyc)
    with pytest.raises(builder.BuildError, match="not being built"):
        run_build([folder], tmp_path / "build", documents=FAKES[1:])


def test_missing_guideline_folder_in_output_is_recreated(lib):
    folder, out = lib
    good = snapshot(out)
    shutil.rmtree(out / "g-00")
    assert rebuilt(run_build([folder], out)) == ALL
    assert snapshot(out) == good


def test_cached_views_give_the_same_build(tmp_path):
    """A no-op build served from the check/view cache decides exactly as a cold one."""
    (folder,) = make_library(tmp_path / "content", 1)
    cache = tmp_path / "cache"
    out = tmp_path / "build"
    cold = run_build([folder], out, cache=cache)
    assert rebuilt(cold) == ALL
    assert any((cache / "views").iterdir())
    assert rebuilt(run_build([folder], out, cache=cache)) == set()
    edit(folder / "statements.yaml", "You keep taking your tablets.", "You keep taking your medicine.")
    assert rebuilt(run_build([folder], out, cache=cache)) == PATIENT
    os.utime(folder / "statements.yaml")  # touching a file changes nothing
    assert rebuilt(run_build([folder], out, cache=cache)) == set()


PARTS = (
    DocumentSpec("figure", "figure.svg", "tests.build_fakes.parts"),
    DocumentSpec("uses-figure", "uses-figure.json", "tests.build_fakes.parts_user", needs=("figure",)),
)


def test_companion_files_are_written_recorded_checked_and_given_to_dependents(tmp_path):
    """A document may write files beside its own (the flowchart's part-figures): one per word of the title here."""
    (folder,) = make_library(tmp_path / "content", 1)
    out = tmp_path / "build"
    assert run_build([folder], out, documents=PARTS).ok
    g = out / "g-00"
    assert sorted(p.name for p in g.glob("figure*.svg")) == ["figure-1.svg", "figure-2.svg", "figure-3.svg", "figure.svg"]
    assert (g / "figure-2.svg").read_bytes() == b"<svg>pathway</svg>"
    entry = json.loads((g / "manifest.json").read_text())["outputs"]["figure"]
    assert entry["files"] == {f"figure-{i}.svg": builder.sha256((g / f"figure-{i}.svg").read_bytes()) for i in (1, 2, 3)}
    given = json.loads((g / "uses-figure.json").read_text())
    assert sorted(given) == ["figure", "figure/figure-1.svg", "figure/figure-2.svg", "figure/figure-3.svg"]
    assert rebuilt(run_build([folder], out, documents=PARTS)) == set()

    # A deleted or altered companion is rebuilt; the dependent is then read from disk, companions too.
    (g / "figure-3.svg").unlink()
    assert rebuilt(run_build([folder], out, documents=PARTS)) == {"figure"}
    assert (g / "figure-3.svg").read_bytes() == b"<svg>(fixture)</svg>"

    # Fewer parts: the one no longer produced is removed, and the dependent sees the change.
    edit(folder / "algorithm.yaml", "title: Oligoprogression pathway (fixture)", "title: Oligoprogression pathway")
    assert rebuilt(run_build([folder], out, documents=PARTS)) == {"figure", "uses-figure"}
    assert not (g / "figure-3.svg").exists()
    assert sorted(json.loads((g / "uses-figure.json").read_text())) == ["figure", "figure/figure-1.svg", "figure/figure-2.svg"]

    # A skipped figure's companions still reach a dependent that is rebuilt.
    (g / "uses-figure.json").unlink()
    assert rebuilt(run_build([folder], out, documents=PARTS)) == {"uses-figure"}
    assert sorted(json.loads((g / "uses-figure.json").read_text())) == ["figure", "figure/figure-1.svg", "figure/figure-2.svg"]

    # A document no longer built takes its companions with it.
    report = run_build([folder], out, documents=())
    assert sorted(report.removed) == ["g-00/figure-1.svg", "g-00/figure-2.svg", "g-00/figure.svg", "g-00/uses-figure.json"]


def test_a_companion_not_named_after_its_document_fails_the_document(tmp_path):
    (folder,) = make_library(tmp_path / "content", 1)
    edit(folder / "algorithm.yaml", "title: Oligoprogression pathway (fixture)", "title: BAD-NAME")
    report = run_build([folder], tmp_path / "build", documents=PARTS[:1])
    assert [(o.status, o.message) for o in report.outcomes] == [
        ("failed", "TypeError: render() returned files not named like 'figure.svg''s companions: ['other.svg']")
    ]
    assert not (tmp_path / "build" / "g-00" / "other.svg").exists()
