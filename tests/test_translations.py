"""Translation files (translations/<lang>.po): `guideline translate update` and `status`, and what check says about them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import FIXTURES

TRANSLATED = FIXTURES / "valid" / "translated"


@pytest.fixture
def translated(tmp_path: Path) -> Path:
    target = tmp_path / "content" / "translated"
    shutil.copytree(TRANSLATED, target)
    return target


def msgfmt_check(path: Path) -> str:
    """GNU gettext's own validation of a PO file (format, header, escapes); its statistics line."""
    done = subprocess.run(["msgfmt", "-c", "--statistics", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stderr.strip()


def catalog(path: Path):
    """The file as Babel reads it (an independent PO parser)."""
    with open(path, "rb") as fh:
        return read_po(fh, abort_invalid=True)


def entry(path: Path, context: str):
    found = [m for m in catalog(path) if m.context == context]
    assert len(found) == 1, context
    return found[0]


def test_update_creates_one_entry_per_field_keyed_by_field_with_a_fingerprint(minimal, cli):
    result = cli("translate", "update", "es", str(minimal))
    assert result.exit_code == 0, result.output
    po = minimal / "translations" / "es.po"
    assert "created; 54 new" in result.output  # 12 fields of the guideline, 42 strings of the template and grading system
    assert msgfmt_check(po) == "0 translated messages, 54 untranslated messages."
    contexts = [m.context for m in catalog(po) if m.id and m.context != "template"]
    assert contexts == [
        "patient:title",
        "patient-section:what-is-happening:title",
        "patient-section:treatment:title",
        "statement:def-oligoprogression:patient.text",
        "statement:rec-local-therapy:patient.text",
        "question:1:text",
        "care-team:1:role",
        "care-team:1:hours",
        "glossary:oligoprogression:term",
        "glossary:oligoprogression:definition",
        # no author has a name or organisation: the PDF's Author names the committee by these roles
        "author:1:role",
        "author:2:role",
    ]
    text = entry(po, "statement:rec-local-therapy:patient.text")
    assert text.id.startswith("Your team may suggest treating each growing spot")
    assert any(c.startswith("source-fingerprint: sha256:") for c in text.auto_comments)
    assert text.locations == [("statements.yaml", 31)]
    header = catalog(po)
    assert header.locale_identifier == "es"
    raw = po.read_text(encoding="utf-8")
    assert '"X-Translation-Status: draft\\n"' in raw and '"X-Translation-Reviewer: \\n"' in raw
    # check: every field is missing, each at its entry in the file
    result = cli("check", "--format", "json", str(minimal))
    found = json.loads(result.stdout)
    assert result.exit_code == 0
    assert sum(d["code"] == "translation-missing" for d in found) == 54
    assert all(d["path"].endswith("translations/es.po") and d["line"] > 1 for d in found if d["code"] == "translation-missing")


def test_a_changed_source_marks_the_entry_fuzzy_keeps_the_old_translation_and_records_the_old_source(translated, cli):
    po = translated / "translations" / "es.po"
    statements = translated / "statements.yaml"
    statements.write_text(
        statements.read_text(encoding="utf-8").replace("with focused radiation.", "with strong, focused radiation."), encoding="utf-8"
    )
    # before the merge the file still holds the old source: not current
    result = cli("check", "--format", "json", str(translated))
    codes = {(d["code"], d["line"]) for d in json.loads(result.stdout)}
    assert ("translation-stale", 50) in codes, codes

    result = cli("translate", "update", "es", str(translated))
    assert result.exit_code == 0, result.output
    assert "0 new, 1 changed (marked fuzzy), 52 unchanged, 0 obsolete" in result.output
    msgfmt_check(po)
    changed = entry(po, "statement:rec-local-therapy:patient.text")
    assert changed.fuzzy
    assert "strong, focused radiation" in changed.id
    assert changed.string.startswith("Su equipo puede sugerir tratar cada punto")  # kept for the translator
    # `#| msgid`: the old source, for the translator to see what changed
    assert '#| "Your team may suggest treating each growing spot with focused radiation.\\n"' in po.read_text(encoding="utf-8")
    assert not entry(po, "question:1:text").fuzzy

    status = cli("translate", "status", "--format", "json", str(translated))
    assert status.exit_code == 1  # not complete and current
    (lang,) = json.loads(status.stdout)[0]["languages"]
    assert (lang["translated"], lang["fuzzy"], lang["missing"]) == (52, 1, 0)
    assert lang["fuzzy_entries"] == ["statement:rec-local-therapy:patient.text"]

    result = cli("check", "--format", "json", str(translated))
    assert result.exit_code == 0  # a warning while drafting
    assert [d["code"] for d in json.loads(result.stdout)] == ["translation-fuzzy"]
    strict = cli("check", "--strict", str(translated))
    assert strict.exit_code == 1  # publishing refuses the stale language
    assert "error[translation-fuzzy]" in strict.output

    # the translator revises the entry and removes the flag: current again
    text = po.read_text(encoding="utf-8")
    text = text.replace("#, fuzzy\n", "").replace("con radiación dirigida", "con radiación fuerte y dirigida")
    po.write_text(text, encoding="utf-8")
    assert cli("check", "--strict", str(translated)).exit_code == 0
    assert cli("translate", "status", str(translated)).exit_code == 0


def test_a_removed_field_is_kept_as_obsolete_and_an_unchanged_merge_changes_nothing(translated, cli):
    po = translated / "translations" / "es.po"
    guideline = translated / "guideline.yaml"
    cli("translate", "update", "es", str(translated))
    before = po.read_bytes()
    assert cli("translate", "update", "es", str(translated)).exit_code == 0
    assert po.read_bytes() == before  # idempotent: a merge with nothing new rewrites nothing

    statements = translated / "statements.yaml"
    text = statements.read_text(encoding="utf-8")
    block = "    patient:\n      section: treatment\n      text: |\n        Your team may suggest treating each growing spot with focused radiation.\n        You keep taking your tablets.\n"
    assert block in text
    statements.write_text(text.replace(block, ""), encoding="utf-8")
    # its text, and the strength sentence only it showed, are no longer fields (before the merge: unknown entries)
    assert cli("check", "--format", "json", str(translated)).stdout.count("translation-unknown-entry") == 2
    result = cli("translate", "update", "es", str(translated))
    assert "2 obsolete" in result.output
    obsolete = {m.context: m for m in catalog(po).obsolete.values()}
    assert sorted(obsolete) == ["statement:rec-local-therapy:patient.text", "template"]
    assert "Su equipo puede sugerir" in obsolete["statement:rec-local-therapy:patient.text"].string  # kept, as msgmerge keeps it
    result = cli("check", "--format", "json", str(translated))
    assert not [d for d in json.loads(result.stdout) if d["code"].startswith("translation")]  # obsolete entries are not fields


def test_status_text_names_each_language_its_counts_its_review_state_and_its_readability_gate(translated, cli):
    (translated / "translations" / "he.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: he\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "patient:title"\nmsgid "Treating a few growing spots while you keep taking your tablets"\n'
        'msgstr "טיפול בכמה נקודות שגדלות בזמן שאתם ממשיכים לקחת את הכדורים"\n',
        encoding="utf-8",
    )
    result = cli("translate", "status", str(translated))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "translated (source language en, 53 fields)"
    assert "  es: 53 translated, 0 fuzzy, 0 missing of 53; draft, not reviewed; complete" in lines
    assert "  he: 1 translated, 0 fuzzy, 52 missing of 53; draft, not reviewed; incomplete" in lines
    assert any("Fernández-Huerta reading ease at least 60" in line for line in lines)
    assert any("no validated readability formula for he: every sentence at most 25 words" in line for line in lines)


def test_reviewed_status_and_reviewer_are_read_from_the_header(translated, cli):
    po = translated / "translations" / "es.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(
        text.replace('"X-Translation-Status: draft\\n"', '"X-Translation-Status: reviewed\\n"').replace(
            '"X-Translation-Reviewer: \\n"', '"X-Translation-Reviewer: A. Example, medical translator\\n"'
        ),
        encoding="utf-8",
    )
    result = cli("translate", "status", "--format", "json", str(translated))
    (lang,) = json.loads(result.stdout)[0]["languages"]
    assert (lang["status"], lang["reviewer"]) == ("reviewed", "A. Example, medical translator")
    assert "reviewed by A. Example, medical translator" in cli("translate", "status", str(translated)).output
    # update keeps the header's review record
    cli("translate", "update", "es", str(translated))
    assert '"X-Translation-Reviewer: A. Example, medical translator\\n"' in po.read_text(encoding="utf-8")


def test_update_refuses_an_invalid_language_tag_and_the_guideline_s_own_language(minimal, cli):
    bad = cli("translate", "update", "spanish", str(minimal))
    assert bad.exit_code == 2 and "not a language tag" in bad.output
    same = cli("translate", "update", "en", str(minimal))
    assert same.exit_code == 1 and "written in en" in same.output
    assert not (minimal / "translations").exists()


def test_every_committed_translation_file_is_valid_for_gnu_gettext():
    root = Path(__file__).resolve().parents[1]
    files = sorted(root.glob("content/*/translations/*.po")) + sorted(root.glob("tests/fixtures/valid/*/translations/*.po"))
    assert files
    for path in files:
        msgfmt_check(path)


def test_the_real_spanish_translation_is_a_complete_draft_with_the_english_numbers(cli):
    """The Spanish explainer is not reviewed: its file says draft and names no reviewer; every number is the English one."""
    from generator.check.rules.translations import numbers
    from generator.content.loader import load_guideline
    from generator.content.translations import source_entries, state

    root = Path(__file__).resolve().parents[1] / "content" / "oligoprogression-egfr-nsclc"
    g = load_guideline(root).guideline
    es = g.translations["es"]
    assert (es.status, es.reviewer) == ("draft", None)
    sources = source_entries(g)
    assert {state(es, s) for s in sources} == {"translated"}
    for s in sources:
        assert numbers(es.entries[s.key].text) == numbers(s.text), s.context
    # every caveat of a number survives: the sentences that bound the flare figure are there
    flare = es.entries["statement:rec-short-interruption:patient.text"].text
    assert "23 de cada 100" in flare and "no sabemos si el riesgo es el mismo en una pausa corta" in flare


def test_a_reference_warning_is_translated_in_the_plain_words_the_explainer_shows(translated, cli):
    refs = translated / "references.yaml"
    text = refs.read_text(encoding="utf-8")
    assert "  - id: yu2013\n" in text
    refs.write_text(
        text.replace(
            "  - id: yu2013\n",
            "  - id: yu2013\n    caution: An erratum corrects table 2.\n    patient_caution: The journal later fixed a mistake in one table of this study.\n",
        ),
        encoding="utf-8",
    )
    cli("translate", "update", "es", str(translated))
    po = translated / "translations" / "es.po"
    assert entry(po, "reference:yu2013:caution").id == "The journal later fixed a mistake in one table of this study."
