"""DOI-ready metadata of a guideline version, written beside its documents.

One view (`view(guideline)`: what a DOI registration or a citation needs, from the content only) and
three renderers, one file each:

* `CITATION.cff` (Citation File Format 1.2.0, read by GitHub, Zenodo and Zotero),
* `datacite.json` (DataCite Metadata Schema 4.5, in the JSON form of DataCite's REST API),
* `zenodo.json` (Zenodo's deposit metadata, the `.zenodo.json` a repository release reads).

Relations: `IsNewVersionOf` the previous version's DOI (the changelog entry's `doi`, recorded when the
publisher registered it) and `IsDerivedFrom` every DOI the guideline cites. Nothing is invented: a
field the content does not give is left out, or carries DataCite's standard value `(:unav)` where the
schema requires one, and `missing` lists it so the publisher sees what to add before registering.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from generator.content import doi as doi_mod
from generator.content.guideline import Guideline
from generator.render.citations import year as issued_year
from generator.render.typography import plain_text

UNAVAILABLE = "(:unav)"  # DataCite's standard value for "not available"
RESOURCE_TYPE = "Clinical practice guideline"


def _release_entry(meta):
    return next((e for e in meta.changelog if e.version == meta.version), None)


def _previous_entry(meta):
    """The changelog entry before the current version's (the changelog is newest first)."""
    versions = [e.version for e in meta.changelog]
    if meta.version not in versions:
        return meta.changelog[0] if meta.changelog else None
    index = versions.index(meta.version)
    return meta.changelog[index + 1] if index + 1 < len(meta.changelog) else None


def _person(name: str, organisation: str | None) -> dict[str, Any]:
    # A name is one string in the content; the last word is taken as the family name (documented in
    # docs/release.md: write "Given Family" there, or check the files before registering).
    given, _, family = name.strip().rpartition(" ")
    person: dict[str, Any] = {"kind": "person", "name": name.strip(), "family": family or name.strip()}
    if given:
        person["given"] = given
    if organisation:
        person["organisation"] = organisation
    return person


def _creators(g: Guideline) -> list[dict[str, Any]]:
    """Named authors; else the panel of the sign-off record; else the authors' organisations."""
    meta = g.meta
    named = [_person(a.name, a.organisation) for a in meta.authors if a.name]
    if named:
        return named
    if g.signoff and g.signoff.panel:
        return [_person(m.name, m.organisation) for m in g.signoff.panel]
    organisations = list(dict.fromkeys(a.organisation for a in meta.authors if a.organisation))
    if organisations:
        return [{"kind": "organisation", "name": o} for o in organisations]
    if meta.publisher:
        return [{"kind": "organisation", "name": meta.publisher}]
    return []


def _reference(ref) -> dict[str, Any]:
    authors = [
        {"family": n.family, **({"given": n.given} if n.given else {})} if n.family else {"literal": n.literal}
        for n in ref.author
        if n.family or n.literal
    ]
    year = issued_year(ref.issued)
    out: dict[str, Any] = {"title": plain_text(ref.title), "doi": doi_mod.bare(ref.DOI), "authors": authors}
    if ref.authors_truncated:
        out["truncated"] = True
    if ref.container_title:
        out["journal"] = ref.container_title
    if year:
        out["year"] = int(year)
    return out


def view(g: Guideline, given=None) -> dict[str, Any] | None:
    meta = g.meta
    if meta is None:
        return None
    entry, previous = _release_entry(meta), _previous_entry(meta)
    date = entry.date if entry else meta.dates.effective
    cited_keys = list(dict.fromkeys(c.key for s in g.statements for c in s.citations))
    by_id = {r.id: r for r in g.references}
    cited = [by_id[k] for k in cited_keys if k in by_id]
    creators = _creators(g)
    missing = []
    if not creators:
        missing.append("creators: no author or panel member has a name, and no organisation or publisher is given")
    if not meta.publisher:
        missing.append("publisher: guideline.yaml has no publisher")
    if not (entry and entry.doi):
        missing.append(f"DOI of this version: register one, then record it as the doi of the {meta.version} changelog entry")
    return {
        "id": meta.id,
        "title": plain_text(meta.title),
        "version": meta.version,
        "status": meta.status,
        "date": date.isoformat(),
        "language": meta.language,
        "keywords": list(meta.keywords),
        "description": plain_text(meta.summary or meta.scope.population),
        "creators": creators,
        "publisher": meta.publisher,
        "doi": doi_mod.bare(entry.doi) if entry and entry.doi else None,
        "previous": {"version": previous.version, "doi": doi_mod.bare(previous.doi) if previous.doi else None}
        if previous
        else None,
        "cited": [_reference(r) for r in cited],
        "missing": missing,
    }


def year(view: dict[str, Any]) -> str:
    return str(dt.date.fromisoformat(view["date"]).year)
