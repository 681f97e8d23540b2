"""The library bibliography: a reference cited by several guidelines is written once, in
content/references.yaml, and every guideline that cites it prints it and follows its edits."""

from __future__ import annotations

import json
import re

from generator.build.check_cache import CheckCache
from generator.build.checked import load_and_check
from tests.build_helpers import CTX, edit, make_library

LIBRARY = """references:
  - id: yu2013
    type: article-journal
    title: Local therapy with continued EGFR tyrosine kinase inhibitor therapy as a treatment strategy in EGFR-mutant advanced lung cancers that have developed acquired resistance to EGFR tyrosine kinase inhibitors
    container-title: Journal of Thoracic Oncology
    issued: {date-parts: [[2013, 3]]}
    DOI: 10.1097/jto.0b013e31827e1f83
  - id: uncited2020
    type: article-journal
    title: A reference no guideline of this library cites
    DOI: 10.1000/uncited
"""


def _two_guidelines_sharing_yu2013(tmp_path):
    content = tmp_path / "content"
    folders = make_library(content, 2)
    for folder in folders:  # the shared record moves to the library: delete each guideline's copy
        refs = folder / "references.yaml"
        text = refs.read_text()
        refs.write_text(text[: text.index("  - id: yu2013")])
    (content / "references.yaml").write_text(LIBRARY)
    return content, folders


def test_both_guidelines_cite_the_one_record_and_print_it(tmp_path, cli):
    content, folders = _two_guidelines_sharing_yu2013(tmp_path)
    result = cli("check", "--strict", str(content))
    assert result.exit_code == 0, result.output
    assert "2 guidelines checked: no problems" in result.output
    result = cli("build", "--html-only", "--out", str(tmp_path / "build"), str(content))
    assert result.exit_code == 0, result.output
    for folder in folders:
        html = (tmp_path / "build" / folder.name / "clinician-protocol.html").read_text()
        assert "Local therapy with continued EGFR tyrosine kinase inhibitor therapy" in html
        assert "A reference no guideline of this library cites" not in html  # only what it cites


def test_a_guideline_without_references_of_its_own(tmp_path, cli):
    content, (first, _) = _two_guidelines_sharing_yu2013(tmp_path)
    text = (first / "references.yaml").read_text()
    library = LIBRARY + "  -" + text.split("  -", 1)[1]  # weickhardt2012 moves to the library too
    (content / "references.yaml").write_text(library)
    for folder in (first, content / "g-01"):
        (folder / "references.yaml").unlink()
    result = cli("check", "--strict", str(content))
    assert result.exit_code == 0, result.output


def test_an_edit_to_the_library_reaches_every_guideline_through_the_cache(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    content, folders = _two_guidelines_sharing_yu2013(tmp_path)
    cache = CheckCache(tmp_path / "cache")
    assert load_and_check(folders, CTX, cache).diagnostics == []
    edit(content / "references.yaml", "DOI: 10.1097/jto.0b013e31827e1f83", 'DOI: "10.1097 jto"')
    diags = load_and_check(folders, CTX, cache).diagnostics
    found = [(d.location.path, d.code) for d in diags]
    assert found == [("content/references.yaml", "invalid-doi")]  # said once, not once per guideline


def test_a_copy_of_a_library_entry_is_refused(tmp_path, cli):
    content, (first, _) = _two_guidelines_sharing_yu2013(tmp_path)
    library_entry = LIBRARY.split("  - id: uncited2020")[0].removeprefix("references:\n")
    (first / "references.yaml").write_text((first / "references.yaml").read_text() + library_entry)
    result = cli("check", "--format", "json", str(content))
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert [(d["path"], d["code"]) for d in found] == [("content/g-00/references.yaml", "library-duplicate")]
    assert re.search(r"also in the library bibliography content/references\.yaml", found[0]["message"])
