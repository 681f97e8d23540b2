"""What both PDFs' document information says about who made a guideline and when (Author, dates).

The HTML carries it in <meta name="author">, <meta name="dcterms.created|modified">, which WeasyPrint
writes into the PDF; generator/render/pdf.py prefers SOURCE_DATE_EPOCH over the declared date.
"""

from __future__ import annotations

from generator.content.guideline import Guideline


def named_authors(g: Guideline) -> str | None:
    """The authors' names, else their organisations, else None (the guideline names only roles)."""
    meta = g.meta
    names = [a.name for a in meta.authors if a.name and a.responsibility == "author"]
    names = names or [a.name for a in meta.authors if a.name]
    organisations = list(dict.fromkeys(a.organisation for a in meta.authors if a.organisation))
    return ", ".join(names or organisations) or None


def committee_roles(g: Guideline) -> list[str]:
    """The roles of the guideline's committee, which name it when no author has a name or organisation."""
    return [a.role for a in g.meta.authors]


def author(g: Guideline) -> str:
    """The authors' names, else their organisations, else 'Guideline committee: <roles>' (the
    clinician protocol's Author; the patient explainer words the committee in its own template,
    so a translation translates it)."""
    return named_authors(g) or "Guideline committee: " + ", ".join(committee_roles(g))


def date(g: Guideline) -> str:
    """The guideline's last change (its newest changelog date), else its effective date (YYYY-MM-DD)."""
    meta = g.meta
    dated = [e.date for e in meta.changelog if e.date is not None]
    return (max(dated) if dated else meta.dates.effective).isoformat()
