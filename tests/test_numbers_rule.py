"""The unsupported-number rule: how numbers are read, and what counts as support (see its module docstring)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.check.rules.numbers import numbers_in, unsupported


def support(text: str) -> set[Decimal]:
    return {v for _, _, v in numbers_in(text)}


def flagged(text: str, quote: str) -> list[str]:
    return [written for _, written in unsupported(text, support(quote))]


@pytest.mark.parametrize(
    "text, quote",
    [
        ("23% had a flare", "14/61 (23 %)"),  # a percent sign, spaced or not, is ignored
        ("median PFS2 10 months", "median PFS2 10.0 months"),  # compared by value
        ("P=0.022", "P=.022"),  # a leading-dot decimal
        ("4 or fewer sites", "four sites or fewer"),  # number words two to twenty
        ("three to five metastases", "3-5 metastases"),
        ("23 in 100 of them", "14 of 61 (23%)"),  # a frequency: 23 in 100 is 23%
        ("3 of 66 died", "3/66 (4.5%)"),
        ("range 3-21 days", "(range 3–21)"),
        ("25 of 51 were treated, 1 by surgery", "Twenty-five of 51 patients (49%) ... one with surgery"),
        ("alpha of 0.20", "a two-sided α of 0·20"),
    ],
)
def test_supported(text, quote):
    assert flagged(text, quote) == []


@pytest.mark.parametrize(
    "text, quote, expected",
    [
        ("About 1 in 4 had a flare", "14/61 (23%)", ["1 in 4"]),  # rounding hides the figure
        ("3 in 10 had side effects", "29% vs 9%", ["3 in 10"]),
        ("median PFS2 6.3 months", "median PFS2 6.2 months", ["6.3"]),
        ("grade 3 or higher in 5%", "grade ≥3 in 5%", []),
        ("grade 2 or higher in 5%", "grade ≥3 in 5%", ["2"]),
    ],
)
def test_unsupported(text, quote, expected):
    assert flagged(text, quote) == expected


def test_digits_inside_words_are_not_numbers():
    assert list(numbers_in("T790M, C797S, HER2, PFS2, NCT03256981, exon19")) == []


def test_one_is_not_read_as_a_number_in_checked_text_but_two_is():
    assert [w for _, w, _ in numbers_in("In one study, two toxicities", checked=True)] == ["two"]


def test_markdown_list_markers_are_not_numbers():
    text = "All of the following:\n\n1. a driver;\n2. 5 or fewer lesions.\n"
    assert [w for _, w, _ in numbers_in(text, checked=True)] == ["5"]
