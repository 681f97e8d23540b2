"""A statement's `notes` (editorial notes for authors and reviewers) are never published; the scope's
`not_covered` list is (protocol, under "Not covered by this version")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from generator.content.loader import load_guideline
from generator.render import flowchart, patient
from tests.render_kit import MINIMAL, pdf_text, render_all

EXPLAINER = MINIMAL.parent / "patient-explainer"
MARKER = "EDITORIAL-NOTE-7f3a"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _with_notes(tmp_path: Path, source: Path, not_covered: bool = True) -> Path:
    folder = tmp_path / "content" / source.name
    shutil.copytree(source, folder)
    # On a statement with patient text and on an evidence row: every place a statement is shown.
    _edit(folder / "statements.yaml", "  - id: def-oligoprogression\n", f"  - id: def-oligoprogression\n    notes: {MARKER} check the figure\n")
    _edit(folder / "statements.yaml", "  - id: ev-weickhardt\n", f"  - id: ev-weickhardt\n    notes: |\n      {MARKER} the brief's n=38 + n=27\n")
    if not_covered:
        _edit(
            folder / "guideline.yaml",
            "  out_of_scope:",
            "  not_covered:\n    - Re-treatment of a lesion that fails in the field (no confirmed reference).\n  out_of_scope:",
        )
    return folder


def test_notes_load_and_pass_strict_check(tmp_path, cli):
    folder = _with_notes(tmp_path, MINIMAL)
    result = load_guideline(folder)
    assert not result.diagnostics, [d.format_text() for d in result.diagnostics]
    assert MARKER in result.guideline.statements_by_id["ev-weickhardt"].notes
    assert cli("check", "--strict", str(folder)).exit_code == 0


def test_notes_appear_in_no_document_and_no_export(tmp_path, cli):
    minimal = _with_notes(tmp_path, MINIMAL)
    g = load_guideline(minimal).guideline
    rendered = render_all(g, pdf=False)
    assert MARKER.encode() not in rendered.html
    assert MARKER.encode() not in rendered.svg
    assert MARKER not in json.dumps(flowchart.view(g))

    explainer = _with_notes(tmp_path / "x", EXPLAINER, not_covered=False)
    ge = load_guideline(explainer).guideline
    view = patient.view(ge)
    assert MARKER not in json.dumps(view)
    assert MARKER.encode() not in patient.render(view, {})

    result = cli("export", "fhir", str(minimal), "--out", "out")
    assert result.exit_code == 0, result.output
    assert MARKER not in (cli.cwd / "out" / "minimal" / "fhir-bundle.json").read_text(encoding="utf-8")


def test_not_covered_is_printed_in_the_protocol_scope(tmp_path):
    g = load_guideline(_with_notes(tmp_path, MINIMAL)).guideline
    html = render_all(g, pdf=False).html.decode("utf-8")
    start = html.index('id="scope"')
    scope = html[start : html.index("</section>", start)]
    assert "<dt>Not covered by this version</dt>" in scope
    assert "Re-treatment of a lesion that fails in the field (no confirmed reference)." in scope


def test_notes_appear_in_no_built_file(tmp_path, cli):
    """The whole build (every document, PDFs included, the manifest and the site index) carries no note."""
    folder = _with_notes(tmp_path, MINIMAL)
    result = cli("build", str(folder), "--out", "out", "-j", "1")
    assert result.exit_code == 0, result.output
    out = cli.cwd / "out"
    files = [p for p in out.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"clinician-protocol.pdf", "clinician-protocol.html", "patient-explainer.pdf", "patient-explainer.html", "flowchart.svg"} <= names
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".pdf":
            data = pdf_text(data).encode("utf-8")
            assert b"Weickhardt" in data  # the text layer was read
        assert MARKER.encode() not in data, path
