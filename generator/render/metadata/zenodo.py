"""zenodo.json: Zenodo's deposit metadata (the `.zenodo.json` that a repository release reads)."""

from __future__ import annotations

import html
import json
from typing import Any

from generator.render.metadata import UNAVAILABLE, view  # noqa: F401  (the document's view)


def _creator(creator: dict[str, Any]) -> dict[str, Any]:
    if creator["kind"] == "organisation":
        return {"name": creator["name"]}
    name = f"{creator['family']}, {creator['given']}" if creator.get("given") else creator["family"]
    return {"name": name, **({"affiliation": creator["organisation"]} if creator.get("organisation") else {})}


def document(v: dict[str, Any]) -> dict[str, Any]:
    related = []
    if v["previous"] and v["previous"]["doi"]:
        related.append({"identifier": v["previous"]["doi"], "relation": "isNewVersionOf", "scheme": "doi"})
    related += [{"identifier": r["doi"], "relation": "isDerivedFrom", "scheme": "doi"} for r in v["cited"]]
    out: dict[str, Any] = {
        "upload_type": "publication",
        "publication_type": "other",
        "title": v["title"],
        "version": v["version"],
        "publication_date": v["date"],
        "creators": [_creator(c) for c in v["creators"]] or [{"name": UNAVAILABLE}],
        "description": html.escape(v["description"] or v["title"]),  # Zenodo reads HTML
        "keywords": v["keywords"],
        "related_identifiers": related,
    }
    if v["doi"]:
        out["doi"] = v["doi"]
    return out


def render(v: dict[str, Any], deps: dict[str, bytes]) -> bytes:
    return (json.dumps(document(v), indent=2, ensure_ascii=False) + "\n").encode()
