"""DOI syntax: normalise the forms authors paste, reject what cannot be a DOI."""

from __future__ import annotations

import re

from urllib.parse import quote

_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi.org/",
    "doi:",
)
# Crossref's recommended pattern for modern DOIs, anchored; suffix without whitespace.
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def bare(value: str) -> str:
    """`https://doi.org/10.1/ABC` and `doi: 10.1/ABC` -> `10.1/ABC`: the DOI without a resolver or
    scheme prefix, its case kept (for metadata that others display, e.g. DataCite's related
    identifiers)."""
    v = value.strip()
    lowered = v.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            return v[len(prefix) :].strip()
    return v


def normalise(value: str) -> str:
    """`https://doi.org/10.1/ABC` and `doi: 10.1/ABC` -> `10.1/abc` (DOIs are case-insensitive)."""
    return bare(value).lower()


def problem(value: str) -> str | None:
    """Why `value` is not a valid DOI, or None."""
    v = normalise(value)
    if not v:
        return "DOI is empty"
    if any(ch.isspace() for ch in v):
        return f"DOI {value!r} contains white space"
    if not v.startswith("10."):
        return f"DOI {value!r} must start with the directory indicator '10.'"
    if not _DOI.match(v):
        return f"DOI {value!r} is malformed: expected 10.<4-9 digit registrant>/<suffix>"
    return None


def url(value: str) -> str:
    """The resolver link, the one every document and export uses; characters a URL cannot hold (old SICI
    DOIs have < > #) are percent-encoded."""
    return "https://doi.org/" + quote(normalise(value), safe="/:;()._-")
