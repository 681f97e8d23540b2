"""CITATION.cff (Citation File Format 1.2.0) for a guideline version."""

from __future__ import annotations

from typing import Any

import yaml

from generator.render.metadata import UNAVAILABLE, view  # noqa: F401  (the document's view)

MESSAGE = "If you use this guideline, please cite it using the metadata from this file."


def _author(creator: dict[str, Any]) -> dict[str, Any]:
    if creator["kind"] == "organisation":
        return {"name": creator["name"]}
    out = {"family-names": creator["family"]}
    if creator.get("given"):
        out["given-names"] = creator["given"]
    if creator.get("organisation"):
        out["affiliation"] = creator["organisation"]
    return out


def _reference(ref: dict[str, Any]) -> dict[str, Any]:
    authors = [
        {"family-names": a["family"], **({"given-names": a["given"]} if a.get("given") else {})}
        if "family" in a
        else {"name": a["literal"]}
        for a in ref["authors"]
    ]
    if ref.get("truncated"):
        authors.append({"name": "et al."})
    out: dict[str, Any] = {"type": "article", "title": ref["title"], "authors": authors or [{"name": UNAVAILABLE}]}
    out["doi"] = ref["doi"]
    if ref.get("journal"):
        out["journal"] = ref["journal"]
    if ref.get("year"):
        out["year"] = ref["year"]
    return out


def document(v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": MESSAGE,
        "type": "dataset",
        "title": v["title"],
        "version": v["version"],
        "date-released": v["date"],
        "authors": [_author(c) for c in v["creators"]] or [{"name": UNAVAILABLE}],
    }
    if v["doi"]:
        out["doi"] = v["doi"]
    if v["description"]:
        out["abstract"] = v["description"]
    if v["keywords"]:
        out["keywords"] = v["keywords"]
    if v["cited"]:
        out["references"] = [_reference(r) for r in v["cited"]]
    return out


def render(v: dict[str, Any], deps: dict[str, bytes]) -> bytes:
    text = yaml.safe_dump(document(v), sort_keys=False, allow_unicode=True, width=100)
    return ("# Citation metadata of this guideline version (https://citation-file-format.github.io/).\n" + text).encode()
