"""One spelling convention per guideline (its locale), and templates that use neither."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.check.rules import spelling
from generator.check.run import CheckContext, run_rules
from generator.content.loader import load_guideline

ROOT = Path(__file__).resolve().parents[1]
EXPLAINER = ROOT / "tests" / "fixtures" / "valid" / "patient-explainer"


def _variants(folder: Path) -> list:
    g = load_guideline(folder).guideline
    return [d for d in run_rules(g, CheckContext(), rules=[spelling.check]) if d.code == "spelling-variant"]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def explainer(tmp_path):
    target = tmp_path / "patient-explainer"
    shutil.copytree(EXPLAINER, target)
    return target


def test_the_locale_decides_which_spelling_is_reported(explainer):
    guideline = explainer / "guideline.yaml"
    _edit(guideline, "A way to take pictures of the inside of the body.", "A way to take pictures of a tumor inside the body. Randomized.")
    found = _variants(explainer)  # en-GB
    assert sorted(d.message.split("'")[1] for d in found) == ["Randomized", "tumor"]
    assert all(d.location.path.endswith("guideline.yaml") and d.location.line and d.location.column > 1 for d in found)
    _edit(guideline, "language: en-GB", "language: en-US")
    _edit(guideline, "of a tumor inside", "of a tumour inside")
    found = _variants(explainer)
    assert sorted(d.message.split("'")[1] for d in found) == ["centre", "tumour"]  # the fixture's own "centre" too
    assert all("is British spelling; language en-US uses American spelling" in d.message for d in found)


def test_plain_english_is_told_only_about_a_mixture(explainer):
    guideline = explainer / "guideline.yaml"
    _edit(guideline, "language: en-GB", "language: en")
    _edit(guideline, "A way to take pictures of the inside of the body.", "Pictures of a tumour, a tumour and a tumor.")
    [found] = _variants(explainer)
    assert "'tumor' is American spelling; the guideline mostly uses British spelling" in found.message
    _edit(guideline, "and a tumor.", "and a tumour.")
    assert _variants(explainer) == []


def test_quotations_reference_titles_and_short_look_alikes_are_left_alone(explainer):
    _edit(explainer / "guideline.yaml", "A way to take pictures of the inside of the body.", "The literature on colorectal scans.")
    text = (explainer / "references.yaml").read_text(encoding="utf-8")
    (explainer / "references.yaml").write_text(text.replace("title: Local consolidative therapy", "title: Randomized local consolidative therapy", 1), encoding="utf-8")
    assert _variants(explainer) == []


def _visible_template_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


@pytest.mark.parametrize("path", sorted((ROOT / "templates").rglob("*.html")), ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_use_neither_spelling(path):
    """The documents' fixed wording never contradicts the guideline's convention: it avoids the words."""
    visible = _visible_template_text(path)
    found = [m.group() for pattern in spelling.PATTERNS.values() for m in pattern.finditer(visible)]
    assert not found, f"{path.name}: {found}"
