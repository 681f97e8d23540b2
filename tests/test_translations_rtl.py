"""A right-to-left translation (the Hebrew fixture): the HTML says dir="rtl", the PDF lays the text out right to left."""

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


def test_the_pdf_author_of_the_hebrew_explainer_is_hebrew(built):
    """The guideline names only its committee's roles: the PDF's Author is the committee, in Hebrew."""
    from pypdf import PdfReader

    assert PdfReader(built / "patient-explainer.he.pdf").metadata.author == "ועדת ההנחיה: אונקולוגיה של בית החזה, אונקולוגיית קרינה"
