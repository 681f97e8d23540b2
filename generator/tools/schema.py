"""JSON Schema for every content file, generated from the pydantic models (for editors).

The schemas are committed under schemas/ and each content file names its schema on its first line
(`# yaml-language-server: $schema=../../schemas/statements.schema.json`), so VS Code (Red Hat's YAML
extension) and other editors complete field names and flag mistakes while authors type. The models
stay the single source of truth (the help an editor shows on hover is each field's
`Field(description=...)`): `guideline schema` regenerates the files and a test fails when the
committed ones fall behind.

The file models validate their list items one by one (`list[Any]`, see loader.py) so that one bad
item does not hide the others; the schemas spell the items out instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from generator.content.loader import ALGORITHM_FILE, GUIDELINE_FILE, STATEMENTS_FILE, VIGNETTES_FILE
from generator.content.signoff import SIGNOFF_FILE, SignoffFile
from generator.content.slug import SLUG_PATTERN
from generator.content.models import (
    AlgorithmFile,
    AlgorithmNode,
    Feature,
    GuidelineMeta,
    Reference,
    ReferencesFile,
    Statement,
    StatementsFile,
    Vignette,
    VignettesFile,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path("schemas")


# The file models with their items typed (schema generation only; never used to load content).
class _StatementsFile(StatementsFile):
    statements: list[Statement] = Field(min_length=1)


class _ReferencesFile(ReferencesFile):
    references: list[Reference] = Field(min_length=1)


class _AlgorithmFile(AlgorithmFile):
    features: list[Feature] = Field(default_factory=list)
    nodes: list[AlgorithmNode] = Field(min_length=1)


class _VignettesFile(VignettesFile):
    vignettes: list[Vignette] = Field(min_length=1)


@dataclass(frozen=True)
class SchemaSpec:
    name: str  # schemas/<name>.schema.json
    files: str  # the content files it describes
    model: type[BaseModel]
    description: str

    @property
    def filename(self) -> str:
        return f"{self.name}.schema.json"

    def modeline(self, depth: int = 2) -> str:
        """The first line of a content file `depth` folders below the project root."""
        return f"# yaml-language-server: $schema={'../' * depth}schemas/{self.filename}"


SCHEMAS: tuple[SchemaSpec, ...] = (
    SchemaSpec("guideline", GUIDELINE_FILE, GuidelineMeta, "A guideline's metadata: content/<guideline-id>/guideline.yaml."),
    SchemaSpec("statements", STATEMENTS_FILE, _StatementsFile, "The clinical statements: content/<guideline-id>/statements.yaml."),
    SchemaSpec(
        "references",
        "references.yaml, references.json",
        _ReferencesFile,
        "The bibliography as CSL-YAML (`references:` list) or CSL-JSON (a bare array): "
        "content/<guideline-id>/references.yaml or references.json.",
    ),
    SchemaSpec("algorithm", ALGORITHM_FILE, _AlgorithmFile, "The treatment algorithm: content/<guideline-id>/algorithm.yaml."),
    SchemaSpec("vignettes", VIGNETTES_FILE, _VignettesFile, "Patient cases the algorithm is tested with: content/<guideline-id>/vignettes.yaml."),
    SchemaSpec("signoff", SIGNOFF_FILE, SignoffFile,
               "The sign-off record (panel, declared interests, approvals, votes): content/<guideline-id>/signoff.yaml."),
)

BY_FILE = {f.strip(): spec for spec in SCHEMAS for f in spec.files.split(",")}

def generate(spec: SchemaSpec) -> dict[str, Any]:
    """The JSON Schema (a dict) for one content file type."""
    schema = spec.model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.get("$defs", {})
    # A citation may be written as a bare reference key (`- yu2013`); see Statement._keys_as_citations.
    citation_items = defs.get("Statement", {}).get("properties", {}).get("citations", {}).get("items")
    if citation_items == {"$ref": "#/$defs/Citation"}:
        defs["Statement"]["properties"]["citations"]["items"] = {
            "anyOf": [{"type": "string", "pattern": SLUG_PATTERN, "description": "A reference key."}, citation_items]
        }
    if spec.name == "references":
        # CSL-JSON is a bare array of items; CSL-YAML wraps it in `references:`.
        file_schema = {k: v for k, v in schema.items() if k != "$defs"}
        schema = {
            "anyOf": [file_schema, {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Reference"}}],
            "$defs": defs,
        }
    schema.pop("title", None)
    schema.pop("description", None)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": spec.files,
        "description": spec.description,
        **schema,
    }


def render(spec: SchemaSpec) -> str:
    """The schema file's text: deterministic (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(generate(spec), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(out: Path) -> list[tuple[Path, bool]]:
    """Write every schema into `out`; returns (path, changed) per file. Unchanged files are not touched."""
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for spec in SCHEMAS:
        path = out / spec.filename
        text = render(spec)
        changed = not path.is_file() or path.read_text(encoding="utf-8") != text
        if changed:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        results.append((path, changed))
    return results


def stale_schemas(out: Path) -> list[Path]:
    """Schema files in `out` that are missing or differ from a fresh generation."""
    return [
        out / spec.filename
        for spec in SCHEMAS
        if not (out / spec.filename).is_file() or (out / spec.filename).read_text(encoding="utf-8") != render(spec)
    ]
