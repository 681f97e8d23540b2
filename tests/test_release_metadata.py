"""DOI-ready metadata beside the documents: CITATION.cff, datacite.json, zenodo.json.

Checked with independent validators: the Citation File Format's own JSON Schema (1.2.0, as vendored by
check-jsonschema) and DataCite's Metadata Schema 4.5 (the `datacite` package's JSON Schema and its
conversion to DataCite XML).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.render.metadata import cff, datacite, view, zenodo
from tests.render_kit import MINIMAL, REAL, ROOT, load

PATIENT = ROOT / "tests" / "fixtures" / "valid" / "patient-explainer"
FIXTURES = [MINIMAL, PATIENT, ROOT / "tests" / "fixtures" / "valid" / "pathway", *REAL]


def _cff_schema() -> dict:
    import check_jsonschema

    path = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "citation-file-format.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _files(folder: Path) -> tuple[dict, dict, dict, dict]:
    v = view(load(folder))
    json.dumps(v)  # the build engine hashes views
    return (
        v,
        yaml.safe_load(cff.render(v, {})),
        json.loads(datacite.render(v, {})),
        json.loads(zenodo.render(v, {})),
    )


@pytest.mark.parametrize("folder", FIXTURES, ids=lambda p: p.name)
def test_every_guideline_writes_metadata_the_validators_accept(folder: Path):
    import jsonschema
    from datacite import schema45
    from lxml import etree

    v, citation, record, deposit = _files(folder)
    jsonschema.validate(citation, _cff_schema())
    assert schema45.validate(record), list(schema45.validator.iter_errors(record))
    xml = etree.fromstring(schema45.tostring(record).encode())
    assert xml.find("{http://datacite.org/schema/kernel-4}version").text == v["version"]
    assert citation["title"] == record["titles"][0]["title"] == deposit["title"]
    assert citation["version"] == record["version"] == deposit["version"] == v["version"]


def test_cited_dois_are_derived_from_relations_with_their_case_kept():
    g = load(REAL[0])
    cited = list(dict.fromkeys(c.key for s in g.statements for c in s.citations))
    by_id = {r.id: r for r in g.references}
    _, citation, record, deposit = _files(REAL[0])
    derived = [r["relatedIdentifier"] for r in record["relatedIdentifiers"] if r["relationType"] == "IsDerivedFrom"]
    expected = [by_id[k].DOI.removeprefix("https://doi.org/") for k in cited]
    assert derived == expected and len(derived) >= 10
    assert [r["identifier"] for r in deposit["related_identifiers"]] == expected
    assert [r["doi"] for r in citation["references"]] == expected


def _release(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "g"
    shutil.copytree(PATIENT, folder)
    meta = folder / "guideline.yaml"
    data = meta.read_text(encoding="utf-8")
    meta.write_text(edit(data), encoding="utf-8")
    return folder


def test_a_new_version_names_the_previous_versions_doi(tmp_path: Path):
    folder = _release(
        tmp_path,
        lambda text: text.replace("version: 2.0.0\nstatus", "version: 2.1.0\nstatus").replace(
            "changelog:\n",
            "changelog:\n  - version: 2.1.0\n    date: 2026-02-01\n    changes: [Clarified the follow-up.]\n",
        ).replace("      - Added the patient explainer.\n", "      - Added the patient explainer.\n    doi: 10.5281/ZENODO.123456\n"),
    )
    v, citation, record, deposit = _files(folder)
    assert v["previous"] == {"version": "2.0.0", "doi": "10.5281/ZENODO.123456"}
    assert record["relatedIdentifiers"][0] == {
        "relatedIdentifier": "10.5281/ZENODO.123456",
        "relatedIdentifierType": "DOI",
        "relationType": "IsNewVersionOf",
    }
    assert deposit["related_identifiers"][0] == {"identifier": "10.5281/ZENODO.123456", "relation": "isNewVersionOf", "scheme": "doi"}
    assert citation["date-released"] == "2026-02-01" and record["publicationYear"] == "2026"
    assert "doi" not in record and any(m.startswith("DOI of this version") for m in v["missing"])


def test_the_registered_doi_of_this_version_is_the_records_identifier(tmp_path: Path):
    folder = _release(tmp_path, lambda text: text.replace("      - Added the patient explainer.\n", "      - Added the patient explainer.\n    doi: https://doi.org/10.5281/zenodo.777\n"))
    v, citation, record, deposit = _files(folder)
    assert record["doi"] == citation["doi"] == deposit["doi"] == "10.5281/zenodo.777"
    assert v["previous"] is None and not any(r["relationType"] == "IsNewVersionOf" for r in record["relatedIdentifiers"])


def test_creators_come_from_named_authors_and_nothing_is_invented(tmp_path: Path):
    _, citation, record, _ = _files(PATIENT)
    assert citation["authors"] == [{"family-names": "Example", "given-names": "A."}]
    assert record["creators"][0] == {"name": "Example, A.", "nameType": "Personal", "familyName": "Example", "givenName": "A."}
    v, citation, record, deposit = _files(MINIMAL)  # no name, panel, organisation or publisher
    assert citation["authors"] == [{"name": "(:unav)"}] and record["creators"] == [{"name": "(:unav)"}]
    assert record["publisher"] == {"name": "(:unav)"}
    assert [m.split(":")[0] for m in v["missing"]] == ["creators", "publisher", "DOI of this version"]
    folder = _release(tmp_path, lambda text: text + "publisher: Example Cancer Centre\n")
    _, _, record, _ = _files(folder)
    assert record["publisher"] == {"name": "Example Cancer Centre"}


def test_a_truncated_author_list_ends_in_et_al():
    g = load(REAL[0])
    truncated = {r.DOI.lower().removeprefix("https://doi.org/") for r in g.references if r.authors_truncated}
    assert truncated, "the real guideline records truncated author lists"
    _, citation, _, _ = _files(REAL[0])
    for ref in citation["references"]:
        assert (ref["authors"][-1] == {"name": "et al."}) == (ref["doi"].lower() in truncated), ref["title"]


def test_a_malformed_changelog_doi_is_a_located_error(tmp_path: Path):
    folder = _release(tmp_path, lambda text: text.replace("      - Added the patient explainer.\n", "      - Added the patient explainer.\n    doi: zenodo 123\n"))
    done = subprocess.run([sys.executable, "-m", "generator", "check", str(folder)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert f"{folder / 'guideline.yaml'}:28:10: error[invalid-value]: doi: Value error, DOI 'zenodo 123' contains white space" in done.stdout
    assert "Traceback" not in done.stderr


def test_the_build_writes_the_metadata_beside_the_documents(tmp_path: Path):
    out = tmp_path / "build"
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(MINIMAL), "--out", str(out), "--html-only"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    folder = out / "minimal"
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in ("CITATION.cff", "datacite.json", "zenodo.json"):
        assert (folder / name).is_file()
        assert name in {o["file"] for o in manifest["outputs"].values()}
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run([str(checker), "--builtin-schema", "vendor.citation-file-format", str(folder / "CITATION.cff")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
