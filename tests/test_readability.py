"""The reading-grade counter (generator/check/readability.py) and the readability and glossary rules."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from generator.check.run import CheckContext, run_rules
from generator.content.loader import load_guideline
from generator.check.readability import analyse, fk_grade, markdown_blocks, split_sentences, syllables, words
from generator.check.rules import glossary, readability

# Syllable counts from the CMU Pronouncing Dictionary (the usual reference for English).
CMU = {
    "the": 1, "cancer": 2, "tablets": 2, "radiation": 4, "people": 2, "treatment": 2, "science": 2,
    "created": 3, "smiled": 1, "table": 2, "little": 2, "beautiful": 3, "medicine": 3, "doctor": 2,
    "scan": 1, "questions": 2, "quiet": 2, "being": 2, "ablative": 3, "spots": 1, "growing": 2,
    "your": 1, "focused": 2, "inhibitor": 4, "side": 1, "effects": 2, "surgery": 3, "usually": 4,
    "skin": 1, "makes": 1, "changes": 2, "nurse": 1, "tired": 2, "lung": 1, "gene": 1, "oncologist": 4,
    "chemotherapy": 5, "immunotherapy": 6, "breathing": 2, "cough": 1, "hospital": 3, "family": 3,
    "information": 4, "medicines": 3, "careful": 2, "treated": 3, "kidney": 2, "liver": 2, "brain": 1,
    "appointment": 3, "understand": 3, "together": 3, "decision": 3, "possible": 3, "problem": 2,
}


def test_formula_is_flesch_kincaid():
    assert fk_grade(100, 5, 150) == pytest.approx(0.39 * 20 + 11.8 * 1.5 - 15.59)
    assert fk_grade(0, 0, 0) == 0.0


@pytest.mark.parametrize(
    "text, n_words, n_syllables, grade",
    [
        ("The cat sat on the mat.", 6, 6, -1.45),
        # Wikipedia's worked example of the Flesch formulas (24 syllables, reading ease 37.5).
        ("The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.", 13, 24, 11.3),
        ("You keep taking your tablets. The team checks the spots with a scan.", 13, 15, 0.6),
    ],
)
def test_known_sentences(text, n_words, n_syllables, grade):
    result = analyse(text)
    assert result.words == n_words
    assert abs(result.syllables - n_syllables) <= 1
    assert result.grade == pytest.approx(grade, abs=0.6)


def test_syllables_match_a_pronouncing_dictionary():
    wrong = {w: (syllables(w), n) for w, n in CMU.items() if syllables(w) != n}
    assert all(abs(got - want) <= 1 for got, want in wrong.values()), wrong
    assert len(wrong) <= len(CMU) // 10, wrong


def test_numbers_and_hyphenated_words():
    assert words("A well-known 2.5 cm spot, don't worry.") == ["A", "well-known", "2.5", "cm", "spot", "don't", "worry"]
    assert syllables("well-known") == 2
    assert syllables("2026") == 4


def test_sentences_split_at_stops_but_not_at_abbreviations_or_decimals():
    assert split_sentences("You may feel tired, e.g. after a scan. Take 2.5 tablets! Is it safe? Yes.") == [
        "You may feel tired, e.g. after a scan.",
        "Take 2.5 tablets!",
        "Is it safe?",
        "Yes.",
    ]


def test_markdown_is_stripped_and_each_block_ends_a_sentence():
    md = "Your **team** may [suggest](https://example.org/a-very-long-address-with-many-syllables) a scan\n\n- one thing\n- another thing\n"
    assert markdown_blocks(md) == ["Your team may suggest a scan", "one thing", "another thing"]
    assert len(analyse(md).sentences) == 3
    assert analyse(md).grade == pytest.approx(analyse("Your team may suggest a scan. One thing. Another thing.").grade)


def test_counting_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert analyse("Sometimes cancer grows in only a few spots.").grade < 8
    assert syllables("Krebserkrankung", "de") >= 4


def test_harder_text_scores_higher():
    plain = analyse("Your team may treat each growing spot. You keep taking your tablets.")
    clinical = analyse(
        "Stereotactic ablative radiotherapy of oligoprogressive metastases is recommended while continuing "
        "tyrosine kinase inhibition."
    )
    assert plain.grade < 8 < clinical.grade


# --------------------------------------------------------------------------- the rules


def _check(folder, rule):
    result = load_guideline(folder)
    return list(rule.check(result.guideline, CheckContext(today=dt.date(2026, 6, 1))))


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_minimal_fixture_passes(minimal):
    assert _check(minimal, readability) == []
    assert _check(minimal, glossary) == []


def test_grade_error_names_block_grade_and_limit(minimal):
    _edit(
        minimal / "guideline.yaml",
        "definition: When cancer grows in only a few spots while the rest stays under control.",
        "definition: Radiologically documented progression restricted to a circumscribed number of anatomical sites.",
    )
    diags = [d for d in _check(minimal, readability) if "glossary" in d.message]
    assert [d.code for d in diags] == ["reading-grade"]
    assert "glossary definition of 'oligoprogression' reads at Flesch-Kincaid grade" in diags[0].message
    grade = float(diags[0].message.split("grade ")[1].split(",")[0])
    assert grade > 8
    assert diags[0].location.line == 56


def test_reading_grade_max_is_the_guidelines_setting(minimal):
    _edit(minimal / "guideline.yaml", "reading_grade_max: 8", "reading_grade_max: 12")
    _edit(
        minimal / "statements.yaml",
        "You keep taking your tablets.",
        "You continue your medication throughout the treatment period.",
    )
    assert _check(minimal, readability) == []
    _edit(minimal / "guideline.yaml", "reading_grade_max: 12", "reading_grade_max: 6")
    assert {d.code for d in _check(minimal, readability)} == {"reading-grade"}


def test_alias_and_plural_satisfy_the_glossary(minimal):
    _edit(minimal / "guideline.yaml", "jargon: [oligoprogression, stereotactic]", "jargon: [oligoprogression, stereotactic, SBRT]")
    _edit(
        minimal / "guideline.yaml",
        "definition: When cancer grows in only a few spots while the rest stays under control.",
        "definition: When cancer grows in only a few spots while the rest stays under control.\n"
        "    - term: stereotactic radiation\n"
        "      aliases: [SBRT]\n"
        "      definition: Strong, very precise radiation aimed at a small area.",
    )
    _edit(minimal / "statements.yaml", "with focused radiation.", "with SBRTs.")
    assert _check(minimal, glossary) == []


def test_plural_forms_of_jargon_are_found(minimal):
    _edit(minimal / "guideline.yaml", "jargon: [oligoprogression, stereotactic]", "jargon: [oligoprogression, therapy, Lesion]")
    _edit(minimal / "statements.yaml", "with focused radiation.", "with focused radiation therapies, one lesion at a time.")
    found = sorted(d.message.split("jargon term ")[1].split(",")[0] for d in _check(minimal, glossary))
    assert found == ["'lesion'", "'therapies'"]


def test_glossary_entry_used_only_in_its_own_definition_is_unused(minimal):
    _edit(minimal / "statements.yaml", "Doctors call this oligoprogression.", "Doctors have a long word for this.")
    diags = _check(minimal, glossary)
    assert [d.code for d in diags] == ["glossary-unused"]


def test_jargon_inside_a_longer_word_is_not_a_use(minimal):
    _edit(minimal / "guideline.yaml", "jargon: [oligoprogression, stereotactic]", "jargon: [oligoprogression, cell]")
    _edit(minimal / "statements.yaml", "Doctors call this oligoprogression.", "Doctors call this oligoprogression in non-small-cell cancers.")
    assert _check(minimal, glossary) == []
    _edit(minimal / "statements.yaml", "in non-small-cell cancers.", "in the Cells of the lung.")
    diags = _check(minimal, glossary)
    assert [d.code for d in diags] == ["glossary-missing"] and "'Cells'" in diags[0].message


def test_rules_are_registered(minimal):
    _edit(minimal / "guideline.yaml", "reading_grade_max: 8", "reading_grade_max: 1")
    codes = {d.code for d in run_rules(load_guideline(minimal).guideline, CheckContext())}
    assert "reading-grade" in codes
