"""A right-to-left translation (the Hebrew fixture): the HTML says dir="rtl", the PDF lays the text out right to left,
and the English inside it (the guideline's title, the works' titles, names and DOIs) keeps its own order."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pdfplumber
import pytest

from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow

TITLE = "טיפול בכמה נקודות שגדלות בזמן שאתם ממשיכים לקחת את הכדורים"
TEXT = "הצוות שלכם עשוי להציע לטפל בכל נקודה שגדלה בקרינה ממוקדת."


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from tests.conftest import Cli

    root = tmp_path_factory.mktemp("rtl")
    shutil.copytree(FIXTURES / "valid" / "hebrew", root / "content" / "hebrew")
    result = Cli(root)("build", "content/hebrew", "--strict", "--out", "out", "-j", "1", env={"GUIDELINE_NO_CACHE": "1"})
    assert result.exit_code == 0, result.output
    return root / "out" / "hebrew"


def lines_right_to_left(pdf_path: Path, page: int = 0) -> list[str]:
    """Each text line of a page read from its right edge to its left (how Hebrew is read), spaces from the gaps."""
    with pdfplumber.open(pdf_path) as pdf:
        chars = [c for c in pdf.pages[page].chars if c["text"].strip()]
    rows: dict[int, list[dict]] = {}
    for c in chars:
        rows.setdefault(round(c["top"]), []).append(c)
    out = []
    for top in sorted(rows):
        row = sorted(rows[top], key=lambda c: -c["x1"])
        text, last_left = "", None
        for c in row:
            if last_left is not None and last_left - c["x1"] > c["size"] * 0.15:
                text += " "
            text += c["text"]
            last_left = c["x0"]
        out.append(text)
    return out


def test_the_html_is_marked_right_to_left_and_the_english_inside_it_left_to_right(built):
    html = (built / "patient-explainer.he.html").read_text(encoding="utf-8")
    assert '<html lang="he" dir="rtl">' in html
    assert TEXT in html
    # the English part of the draft notice keeps its own direction inside the Hebrew page
    assert re.search(r'<span lang="en" dir="ltr">\(Draft translation, awaiting review by a medical translator\.', html)
    assert '<html lang="en">' in (built / "patient-explainer.html").read_text(encoding="utf-8")


def test_the_pdf_sets_hebrew_text_from_right_to_left(built):
    lines = lines_right_to_left(built / "patient-explainer.he.pdf")
    # the title starts at the right margin: read right to left, the first line is the title's beginning
    title_lines = [line for line in lines if line and TITLE.startswith(line)]
    assert title_lines, lines[:12]
    assert " ".join(title_lines) == TITLE or TITLE.startswith(" ".join(title_lines))
    assert len(title_lines[0].split()) >= 3  # a whole line of words in reading order, not a word reversed
    with pdfplumber.open(built / "patient-explainer.he.pdf") as pdf:
        pages = len(pdf.pages)
    body = " ".join(line for page in range(pages) for line in lines_right_to_left(built / "patient-explainer.he.pdf", page))
    assert "הצוות שלכם עשוי להציע לטפל בכל נקודה שגדלה" in body
    with pdfplumber.open(built / "patient-explainer.he.pdf") as pdf:
        words = pdf.pages[0].extract_words()
        page_width = pdf.pages[0].width
    first = next(w for w in words if w["text"][::-1] == "טיפול")
    # right-aligned: the title's first word ends at the right margin, far from the left one
    assert page_width - first["x1"] < first["x0"]


# --------------------------------------------------------------------------- English runs inside the Hebrew page

GUIDELINE_TITLE = "Local treatment of oligoprogression on targeted therapy (test fixture)"
WORK_TITLE = (
    "Local therapy with continued EGFR tyrosine kinase inhibitor therapy as a treatment strategy in EGFR-mutant advanced lung "
    "cancers that have developed acquired resistance to EGFR tyrosine kinase inhibitors"
)
DOI = "doi.org/10.1097/jto.0b013e3182745948"


def visual_lines(pdf_path: Path, page: int) -> list[str]:
    """Each text line of a page as printed, left to right (the glyphs' order on the paper), spaces from the gaps."""
    with pdfplumber.open(pdf_path) as pdf:
        chars = [c for c in pdf.pages[page].chars if c["text"].strip()]
    rows: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: c["bottom"]):
        if rows and abs(rows[-1][0]["bottom"] - c["bottom"]) < c["size"] * 0.4:
            rows[-1].append(c)
        else:
            rows.append([c])
    out = []
    for row in rows:
        text, last_right = "", None
        for c in sorted(row, key=lambda c: c["x0"]):
            if last_right is not None and c["x0"] - last_right > c["size"] * 0.15:
                text += " "
            text += c["text"]
            last_right = c["x1"]
        out.append(text)
    return out


def read_rtl(line: str, runs: list[str]) -> str:
    """How a reader of the right-to-left page reads a printed line: from right to left, except the
    left-to-right runs (regular expressions), each of which must be printed whole, left to right, and is
    read as one piece. Spaces are kept; a character outside the runs is read in its place."""
    pattern = re.compile("|".join(f"(?:{r})" for r in runs))
    pieces: list[str] = []
    pos = 0
    for m in pattern.finditer(line):
        pieces += list(line[pos : m.start()])
        pieces.append(m.group())
        pos = m.end()
    pieces += list(line[pos:])
    return "".join(reversed(pieces))


def sources_page(built: Path) -> tuple[Path, int]:
    path = built / "patient-explainer.he.pdf"
    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
    for page in range(pages):
        if any("Weickhardt" in line for line in visual_lines(path, page)):
            return path, page
    raise AssertionError("no page of the Hebrew PDF names Weickhardt")


def test_the_pdf_prints_each_english_run_whole_with_the_hebrew_punctuation_after_it(built):
    """The source list and the guideline's title are English inside Hebrew sentences. Read right to left
    (each English run left to right), the first source is '1. Weickhardt ו-Scheier. Journal of ..., 2012.'
    and its DOI reads as written: not '.Weickhardt ...' with the list's full stop in front of the name, nor
    '/10.1097/doi.org' with the link's pieces in reverse."""
    path, page = sources_page(built)
    lines = visual_lines(path, page)
    i = next(n for n, line in enumerate(lines) if "Weickhardt" in line)
    names = ["Weickhardt", "Scheier", "Journal of Thoracic Oncology", "2012", r"doi\.org/[\w./]*"]
    first = read_rtl(lines[i], names)
    assert first.startswith("1. Weickhardt ו-Scheier. Journal of Thoracic Oncology, 2012. doi.org/"), (lines[i], first)
    # the DOI continues on the next line, still left to right: its two pieces are the whole DOI in order
    doi_start = re.search(r"doi\.org/[\w./]*", lines[i]).group()
    assert doi_start + lines[i + 1].strip() == DOI, lines[i : i + 2]
    # the second source's title, in quotation marks, then its journal and year: the marks are outside the run
    j = next(n for n, line in enumerate(lines) if "Local therapy with continued" in line)
    title_lines = lines[j : j + 4]
    words = [r"doi\.org/[\w./]*", r"[A-Za-z][\w ()-]*[A-Za-z)]", "2013"]  # the first that matches at a place is taken
    read = " ".join(read_rtl(line, words) for line in title_lines)
    assert f"2. “{WORK_TITLE}”. Journal of Thoracic Oncology, 2013. doi.org/10.1097/jto.0b013e31827e1f83" in read, (title_lines, read)
    # the guideline's title in the Hebrew sentence, in the translator's quotation marks, followed by ", גרסה 1.1.0."
    k = next(n for n, line in enumerate(lines) if "Local treatment" in line)
    read = " ".join(read_rtl(line, [r"[A-Za-z][\w ()-]*[A-Za-z)]", r"1\.1\.0"]) for line in lines[k : k + 2])
    assert f"לרופאים: “{GUIDELINE_TITLE}”, גרסה 1.1.0." in read, (lines[k : k + 2], read)


def test_the_html_isolates_each_english_run_and_leaves_the_punctuation_outside(built):
    """<bdi dir="ltr" lang="en"> around every English run of the Hebrew page's sources (the guideline's title,
    each name, the work's title, the journal) and dir="ltr" on each DOI link, the page's own punctuation
    outside them, so a browser orders them as the PDF does."""
    import tinyhtml5

    X = "{http://www.w3.org/1999/xhtml}"
    root = tinyhtml5.parse((built / "patient-explainer.he.html").read_text(encoding="utf-8"))
    section = next(e for e in root.iter(X + "section") if e.get("id") == "sources")
    isolated = {(b.text, b.get("dir"), b.get("lang")): b for b in section.iter(X + "bdi")}
    for run in (GUIDELINE_TITLE, "Weickhardt", "Scheier", "Journal of Thoracic Oncology", WORK_TITLE):
        assert (run, "ltr", "en") in isolated, (run, sorted(isolated))
    tails = {run: (isolated[(run, "ltr", "en")].tail or "") for run in (GUIDELINE_TITLE, "Scheier", WORK_TITLE)}
    assert tails[GUIDELINE_TITLE].startswith("”, גרסה")
    assert tails["Scheier"].startswith(". ")
    assert tails[WORK_TITLE].startswith("”. ")
    links = [a for a in section.iter(X + "a") if a.get("href", "").startswith("https://doi.org/")]
    assert len(links) == 2 and all(a.get("dir") == "ltr" for a in links)
    # the English page prints the same text, isolated as well (harmless there), without lang (its own language)
    english = (built / "patient-explainer.html").read_text(encoding="utf-8")
    assert '<bdi dir="ltr">Weickhardt</bdi> and <bdi dir="ltr">Scheier</bdi>. <bdi dir="ltr">Journal of Thoracic Oncology</bdi>, 2012.' in english


def test_the_pdf_author_of_the_hebrew_explainer_is_hebrew(built):
    """The guideline names only its committee's roles: the PDF's Author is the committee, in Hebrew."""
    from pypdf import PdfReader

    assert PdfReader(built / "patient-explainer.he.pdf").metadata.author == "ועדת ההנחיה: אונקולוגיה של בית החזה, אונקולוגיית קרינה"
