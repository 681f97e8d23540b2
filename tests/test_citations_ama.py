"""AMA-style reference entries and citation numbering by first appearance."""

from __future__ import annotations

import pytest

from generator.content.models import Reference
from generator.render import citations
from generator.render.numbering import statement_numbers
from generator.render.citations import reference_numbers
from tests.render_kit import MINIMAL, load


def ref(**fields) -> Reference:
    base = {"id": "x", "type": "article-journal", "title": "A title", "DOI": "10.1000/xyz"}
    return Reference.model_validate({**base, **fields})


def text(r: Reference) -> str:
    return citations.plain_text(citations.format_reference(r))


@pytest.mark.parametrize(
    "given, expected",
    [("A. J.", "AJ"), ("Alex J", "AJ"), ("Jean-Pierre", "JP"), ("Xiao-Shan", "XS"), ("Mary Ann", "MA"), ("B.", "B"), ("john", "J")],
)
def test_initials_have_no_periods(given, expected):
    assert citations.initials(given) == expected


def test_full_journal_article():
    r = ref(
        title="Local ablative therapy of oligoprogressive disease",
        author=[{"family": "Weickhardt", "given": "A. J."}, {"family": "Scheier", "given": "Benjamin"}],
        **{"container-title": "Journal of Thoracic Oncology", "container-title-short": "J Thorac Oncol."},
        issued={"date-parts": [[2012, 12]]},
        volume="7",
        issue=12,
        page="1807-1814",
        DOI="https://doi.org/10.1097/JTO.0b013e3182745948",
    )
    segments = citations.format_reference(r)
    assert citations.plain_text(segments) == (
        "Weickhardt AJ, Scheier B. Local ablative therapy of oligoprogressive disease. J Thorac Oncol. "
        "2012;7(12):1807-1814. doi:10.1097/jto.0b013e3182745948"
    )
    italic = [s["text"] for s in segments if s["style"] == "italic"]
    assert italic == ["J Thorac Oncol"]  # the short journal title is preferred, in italics
    links = [s for s in segments if s["style"] == "link"]
    assert links == [
        {"text": "doi:10.1097/jto.0b013e3182745948", "style": "link", "href": "https://doi.org/10.1097/jto.0b013e3182745948"}
    ]


def test_six_authors_are_all_listed_seven_become_three_et_al():
    names = [{"family": f"Author{i}", "given": "Q"} for i in range(1, 8)]
    six = text(ref(author=names[:6]))
    assert six.startswith("Author1 Q, Author2 Q, Author3 Q, Author4 Q, Author5 Q, Author6 Q. A title.")
    seven = text(ref(author=names))
    assert seven.startswith("Author1 Q, Author2 Q, Author3 Q, et al. A title.")
    assert "Author4" not in seven


def test_particles_suffix_and_literal_names():
    r = ref(
        author=[
            {"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"},
            {"family": "King", "given": "Martin Luther", "suffix": "Jr"},
            {"literal": "EORTC Lung Cancer Group"},
        ]
    )
    assert text(r).startswith("van Gogh V, King ML Jr, EORTC Lung Cancer Group. A title.")


def test_missing_parts_leave_no_stray_punctuation():
    r = ref(title="Does it work?", **{"container-title": "Lancet"}, issued={"date-parts": [[2020]]})
    assert text(r) == "Does it work? Lancet. Published online 2020. doi:10.1000/xyz"
    bare = ref()
    assert text(bare) == "A title. doi:10.1000/xyz"


def test_truncated_author_list_ends_in_et_al_and_a_complete_one_does_not():
    three = [{"family": "Gomez", "given": "D. R."}, {"family": "Blumenschein", "given": "G. R."}, {"family": "Lee", "given": "J. J."}]
    assert text(ref(author=three)).startswith("Gomez DR, Blumenschein GR, Lee JJ. A title.")
    assert text(ref(author=three, authors_truncated=True)).startswith("Gomez DR, Blumenschein GR, Lee JJ, et al. A title.")
    assert text(ref(author=three[:1], authors_truncated=True)).startswith("Gomez DR, et al. A title.")
    ten = [{"family": f"A{i}", "given": "B"} for i in range(10)]
    assert text(ref(author=ten, authors_truncated=True)).startswith("A0 B, A1 B, A2 B, et al. A title.")


def test_hyphenated_given_names_lose_the_hyphen():
    r = ref(author=[{"family": "Wang", "given": "Xiao-Shan"}, {"family": "Bai", "given": "Y.-F."}])
    assert text(r).startswith("Wang XS, Bai YF. A title.")


@pytest.mark.parametrize(
    "issued, expected",
    [
        ({"date-parts": [[2013, 3]]}, "Published online March 2013."),
        ({"date-parts": [[2017, 8, 8]]}, "Published online August 8, 2017."),
        ({"date-parts": [[2023]]}, "Published online 2023."),
    ],
)
def test_a_work_without_volume_is_dated_by_its_online_publication(issued, expected):
    r = ref(**{"container-title": "J Thorac Oncol"}, issued=issued)
    assert text(r) == f"A title. J Thorac Oncol. {expected} doi:10.1000/xyz"
    with_volume = ref(**{"container-title": "J Thorac Oncol"}, issued=issued, volume="8")
    assert "Published online" not in text(with_volume)


def test_unconfirmed_fields_stay_out():
    """A record without authors or journal (unconfirmed, so left out) prints no placeholder for them."""
    r = ref(title="Local therapy with continued TKI", issued={"date-parts": [[2013, 3]]})
    assert text(r) == "Local therapy with continued TKI. Published online March 2013. doi:10.1000/xyz"
    assert text(ref(author=[{"family": "Ni", "given": "Y."}])) == "Ni Y. A title. doi:10.1000/xyz"


def test_doi_link_is_percent_encoded_but_printed_as_written():
    r = ref(DOI="10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2")
    link = [s for s in citations.format_reference(r) if s["style"] == "link"][0]
    assert link["text"] == "doi:10.1002/(sici)1097-0258(19980815/30)17:15/16<1661::aid-sim968>3.0.co;2-2"
    assert "<" not in link["href"] and "%3C1661" in link["href"]
    assert link["href"].startswith("https://doi.org/10.1002/")


def test_every_document_links_a_doi_the_same_way():
    """A DOI ending in '#' is one link everywhere: the protocol's, the explainer's and FHIR's."""
    from generator.content import doi

    assert doi.url("10.1000/abc#") == "https://doi.org/10.1000/abc%23"
    r = ref(DOI="10.1000/abc#")
    assert [s["href"] for s in citations.format_reference(r) if s["style"] == "link"] == [doi.url(r.DOI)]


def test_book_title_is_italic_with_publisher():
    r = ref(type="book", title="Radiation oncology of the lung: a guide", publisher="Springer", issued={"date-parts": [[2019]]})
    segments = citations.format_reference(r)
    assert [s["text"] for s in segments if s["style"] == "italic"] == ["Radiation Oncology of the Lung: A Guide"]
    assert citations.plain_text(segments) == "Radiation Oncology of the Lung: A Guide. Springer; 2019. doi:10.1000/xyz"


def test_references_are_numbered_by_first_citation_in_print_order():
    g = load(MINIMAL)
    assert reference_numbers(g) == {"weickhardt2012": 1, "yu2013": 2}
    assert statement_numbers(g) == {
        "def-oligoprogression": "D1",
        "rec-local-therapy": "R1",
        "rec-continue-tki": "R2",
        "ev-weickhardt": "E1",
    }
    # Print order follows the guideline's sections, not the order of statements.yaml.
    g.meta.sections.reverse()  # evidence, treatment, definitions
    assert statement_numbers(g) == {
        "ev-weickhardt": "E1",
        "rec-local-therapy": "R1",
        "rec-continue-tki": "R2",
        "def-oligoprogression": "D1",
    }
    assert reference_numbers(g) == {"weickhardt2012": 1, "yu2013": 2}
    g.meta.sections.reverse()
    g.statements[0].citations.clear()  # S1 no longer cites weickhardt; S2 cites weickhardt first
    g.statements[1].citations.reverse()  # ... now yu2013 first
    assert reference_numbers(g) == {"yu2013": 1, "weickhardt2012": 2}


def test_uncited_reference_is_still_listed_last():
    g = load(MINIMAL)
    extra = Reference.model_validate({"id": "zzz", "type": "article-journal", "title": "Never cited", "DOI": "10.1/abc"})
    g.references.insert(0, extra)
    assert reference_numbers(g) == {"weickhardt2012": 1, "yu2013": 2, "zzz": 3}
