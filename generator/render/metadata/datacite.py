"""datacite.json: DataCite Metadata Schema 4.5, in the JSON form of DataCite's REST API (attributes)."""

from __future__ import annotations

import json
from typing import Any

from generator.render.metadata import RESOURCE_TYPE, UNAVAILABLE, view, year  # noqa: F401  (view: the document's view)

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"


def _creator(creator: dict[str, Any]) -> dict[str, Any]:
    if creator["kind"] == "organisation":
        return {"name": creator["name"], "nameType": "Organizational"}
    out: dict[str, Any] = {"name": creator["name"], "nameType": "Personal", "familyName": creator["family"]}
    if creator.get("given"):
        out["givenName"] = creator["given"]
        out["name"] = f"{creator['family']}, {creator['given']}"
    if creator.get("organisation"):
        out["affiliation"] = [{"name": creator["organisation"]}]
    return out


def related(v: dict[str, Any]) -> list[dict[str, str]]:
    """IsNewVersionOf the previous version (where its DOI is recorded), IsDerivedFrom every cited DOI."""
    out = []
    if v["previous"] and v["previous"]["doi"]:
        out.append({"relatedIdentifier": v["previous"]["doi"], "relatedIdentifierType": "DOI", "relationType": "IsNewVersionOf"})
    for ref in v["cited"]:
        out.append({"relatedIdentifier": ref["doi"], "relatedIdentifierType": "DOI", "relationType": "IsDerivedFrom"})
    return out


def document(v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if v["doi"]:
        out["doi"] = v["doi"]
    out |= {
        "types": {"resourceTypeGeneral": "Text", "resourceType": RESOURCE_TYPE},
        "creators": [_creator(c) for c in v["creators"]] or [{"name": UNAVAILABLE}],
        "titles": [{"title": v["title"]}],
        "publisher": {"name": v["publisher"] or UNAVAILABLE},
        "publicationYear": year(v),
        "version": v["version"],
        "language": v["language"],
        "dates": [{"date": v["date"], "dateType": "Issued"}],
        "subjects": [{"subject": k} for k in v["keywords"]],
        "descriptions": [{"description": v["description"], "descriptionType": "Abstract"}] if v["description"] else [],
        "relatedIdentifiers": related(v),
        "schemaVersion": SCHEMA_VERSION,
    }
    return out


def render(v: dict[str, Any], deps: dict[str, bytes]) -> bytes:
    return (json.dumps(document(v), indent=2, ensure_ascii=False) + "\n").encode()
