"""Our AMA entries against an independent CSL processor: citeproc-js with the official AMA style.

For every reference of every guideline in content/ and tests/fixtures/valid/, plus records that
exercise the rules the real content does not (books, 7+ authors, no date), the generator's entry
(render/citations.py) must equal citeproc-js's, character for character, with the same words in
italics. The style and its locale are bundled under tests/csl/ (CC BY-SA, see its README); citeproc-js
is pinned in tests/csl/package-lock.json and installed by `make test` (scripts/bootstrap).

How our records become CSL-JSON for citeproc: the non-CSL fields (caution, patient_caution, note)
are dropped; the DOI is given in the normalised form we print; and a record that says its author
list is truncated (`authors_truncated: true`) gets one more author, the literal "et al", which is
exactly what AMA prints after a partial list (citeproc then also applies AMA's 7-author rule).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.content import doi
from generator.content.models import Reference
from generator.render import citations
from tests.render_kit import REAL, ROOT, load

CSL_DIR = ROOT / "tests" / "csl"
STYLE = CSL_DIR / "american-medical-association.csl"
LOCALE = CSL_DIR / "locales-en-US.xml"
NODE = shutil.which("node") or shutil.which("nodejs")
VALID = sorted(p for p in (ROOT / "tests" / "fixtures" / "valid").glob("*/") if (p / "guideline.yaml").is_file())

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs npm)")

SYNTHETIC = [
    {"id": "seven-authors", "type": "article-journal", "title": "Seven authors", "DOI": "10.1000/seven",
     "author": [{"family": f"Author{i}", "given": "Q. R."} for i in range(1, 8)],
     "container-title": "Journal of Things", "issued": {"date-parts": [[2021, 5, 3]]}, "volume": "12", "page": "1-9"},
    {"id": "book", "type": "book", "title": "the care of non-small-cell lung cancer: a guide to the SBRT of an end",
     "DOI": "10.1000/book",
     "author": [{"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"}],
     "publisher": "Springer", "issued": {"date-parts": [[2019]]}},
    {"id": "undated", "type": "article-journal", "title": "No date, no journal", "DOI": "10.1000/undated"},
    {"id": "short-journal", "type": "article-journal", "title": "Short journal title", "DOI": "10.1000/short",
     "author": [{"family": "King", "given": "Martin Luther", "suffix": "Jr"}, {"literal": "EORTC Lung Cancer Group"}],
     "container-title": "Journal of Thoracic Oncology", "container-title-short": "J. Thorac. Oncol.",
     "issued": {"date-parts": [[2020, 2]]}, "issue": "4"},
    {"id": "online-first", "type": "article-journal", "title": "Online first", "DOI": "10.1000/online",
     "author": [{"family": "Wang", "given": "Xiao-Shan"}], "authors_truncated": True,
     "container-title": "Lancet Oncology", "issued": {"date-parts": [[2023, 2, 14]]}},
]


def _references() -> list[Reference]:
    refs = [Reference.model_validate(r) for r in SYNTHETIC]
    for folder in [*REAL, *VALID]:
        refs.extend(load(folder).references)
    return refs


def _csl_json(ref: Reference) -> dict:
    item = ref.model_dump(by_alias=True, exclude_none=True, mode="json")
    for field in ("caution", "patient_caution", "note", "authors_truncated"):
        item.pop(field, None)
    for field in ("author", "editor"):
        if not item.get(field):
            item.pop(field, None)
    item["DOI"] = doi.normalise(ref.DOI)
    if ref.authors_truncated and ref.author:
        item["author"] = [*item["author"], {"literal": "et al"}]
    item["id"] = f"{len(item)}-{ref.id}"  # ids only need to be unique within one run
    return item


@pytest.fixture(scope="module")
def citeproc_entries() -> tuple[list[Reference], list[dict]]:
    if not (CSL_DIR / "node_modules" / "citeproc").is_dir():
        pytest.fail("citeproc-js is not installed: run `make test` (its bootstrap runs `npm ci` in tests/csl/)")
    refs = _references()
    items = [_csl_json(r) for r in refs]
    for i, item in enumerate(items):
        item["id"] = f"item{i}"
    run = subprocess.run(
        [NODE, str(CSL_DIR / "format.js"), str(STYLE), str(LOCALE)],
        input=json.dumps(items), capture_output=True, text=True, timeout=120, check=True,
    )
    out = json.loads(run.stdout)
    return refs, [out[item["id"]] for item in items]


def test_every_reference_matches_citeproc_js_with_the_ama_style(citeproc_entries):
    refs, entries = citeproc_entries
    assert len(refs) >= len(SYNTHETIC) + 20  # the real guideline's references are all in the comparison
    mismatches = [
        f"{r.id}:\n  ours:     {citations.plain_text(citations.format_reference(r))}\n  citeproc: {e['text']}"
        for r, e in zip(refs, entries)
        if citations.plain_text(citations.format_reference(r)) != e["text"]
    ]
    assert not mismatches, "\n".join(mismatches)


def test_the_same_words_are_in_italics(citeproc_entries):
    refs, entries = citeproc_entries
    for r, e in zip(refs, entries):
        ours = [s["text"] for s in citations.format_reference(r) if s["style"] == "italic"]
        theirs = [html.unescape(t) for t in re.findall(r"<i>(.*?)</i>", e["html"])]
        assert ours == theirs, r.id


def test_the_comparison_can_fail():
    """The harness is not a mirror: a wrong entry of ours differs from citeproc's."""
    r = Reference.model_validate(SYNTHETIC[0])
    wrong = citations.plain_text(citations.format_reference(r)).replace("et al", "and others")
    run = subprocess.run(
        [NODE, str(CSL_DIR / "format.js"), str(STYLE), str(LOCALE)],
        input=json.dumps([{**_csl_json(r), "id": "x"}]), capture_output=True, text=True, timeout=60, check=True,
    )
    assert json.loads(run.stdout)["x"]["text"] != wrong
    assert "Author1 QR, Author2 QR, Author3 QR, et al." in json.loads(run.stdout)["x"]["text"]
