"""Text safety covers every text field the content models have, found from the models themselves.

The broken cases (tests/fixtures/cases/text-safety-*, invisible-characters-by-category,
tag-characters-hidden-sentence) show single fields; these tests show that no text written in a
guideline escapes the walker, so a field added to a model later is checked without anyone
remembering to list it.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml

from generator.check.rules.text_safety import invisible_character
from generator.content.loader import load_guideline
from generator.content.text_fields import iter_text
from tests.casekit import VALID

_CONSTRAINED = re.compile(r"^[a-z0-9][a-z0-9-]*$|^[a-z][A-Za-z0-9]*$|^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$|^[a-z]{2,3}(-[A-Z]{2})?$|^A[45]$|^sha256:[0-9a-f]{64}$")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("base", sorted(p.name for p in VALID.iterdir()))
def test_every_text_written_in_a_guideline_is_walked(base):
    folder = VALID / base
    walked = {f.text for f in iter_text(load_guideline(folder).guideline)}
    written = set()
    for path in folder.iterdir():
        if path.suffix in (".yaml", ".json"):
            written |= {s for s in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))) if not _CONSTRAINED.match(s)}
    assert written, "the fixture holds text"
    assert written - walked == set(), "text fields the safety check never sees"


def test_a_field_added_to_a_model_is_walked_without_listing_it(monkeypatch, tmp_path):
    from generator.content import models, text_fields

    folder = tmp_path / "minimal"
    shutil.copytree(VALID / "minimal", folder)
    g = load_guideline(folder).guideline
    author = g.meta.authors[0]
    # as if the model had grown a field: pydantic stores extra attributes on the instance
    monkeypatch.setitem(models.Author.model_fields, "department", models.Author.model_fields["organisation"])
    text_fields._text_fields.cache_clear()
    object.__setattr__(author, "department", "Ward\u200b 5")
    try:
        found = [f for f in iter_text(g) if f.owner is author and f.field == "department"]
    finally:
        text_fields._text_fields.cache_clear()
    assert [f.text for f in found] == ["Ward\u200b 5"]


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2062", "\u180e", "\u3164", "\ufe0f", "\u034f",
                                  "\u2800", "\u115f", "\u1160", "\uffa0", "\u2060", "\ufeff", "\U000e0041", "\U000e007f",
                                  "\ue000", "\x07", "\x1b"])
def test_invisible_characters_are_found_by_category(char):
    assert invisible_character(f"dose{char}s") == 4, unicodedata.name(char, hex(ord(char)))


@pytest.mark.parametrize("text", ["Plain ASCII, with a tab\tand\nlines.", "Ärzte, café, 10\u00a0mg, ≥ 5 %, naïve — “quoted”",
                                  "日本語のテキスト", "Ελληνικά", "emoji ok: ✓"])
def test_visible_text_is_not_flagged(text):
    assert invisible_character(text) is None


@pytest.mark.parametrize("base", ["minimal", "patient-explainer", "translated"])
def test_every_patient_text_field_is_read_by_the_patient_gates(base):
    """The readability and glossary gates read the blocks of patient_text, which come from the same
    walker as text safety: every patient-audience text field is a block, apart from vocabulary and
    contact details (patient_text.NOT_BLOCKS)."""
    from generator.content import patient_text

    g = load_guideline(VALID / base).guideline
    walked = {(id(f.owner), f.field, f.text) for f in iter_text(g)
              if f.audience == "patient" and (type(f.owner), f.field) not in patient_text.NOT_BLOCKS}
    blocks = {(id(b.owner), b.field, b.text) for b in patient_text.all_blocks(g)}
    assert walked and walked <= blocks
    assert {(id(b.owner), b.field, b.text) for b in patient_text.prose_blocks(g)} <= blocks
