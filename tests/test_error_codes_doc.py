"""docs/error-codes.md is generated from generator/error_codes.py and must not drift from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator.error_codes import CODES, markdown_document, markdown_table

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "error-codes.md"


def test_committed_table_equals_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == markdown_document(), (
        "docs/error-codes.md is stale: run `.venv/bin/python -m generator.error_codes > docs/error-codes.md`"
    )


def test_one_row_per_code_with_meaning_and_fix():
    rows = [line for line in markdown_table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(CODES)
    for code, (meaning, fix) in CODES.items():
        assert meaning.strip() and fix.strip(), code


def test_generator_script_prints_the_document():
    out = subprocess.run([sys.executable, "-m", "generator.error_codes"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout == markdown_document()


def test_readme_links_the_table():
    assert "(docs/error-codes.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
