"""The committed JSON Schemas (schemas/) follow the models, and real content validates against them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator.tools.schema import BY_FILE, SCHEMAS, render, stale_schemas

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "schemas"
VALID = ROOT / "tests" / "fixtures" / "valid"

CONTENT_FILES = sorted(
    p for p in (ROOT / "content").glob("*/*") if p.name in BY_FILE
) + sorted(p for p in VALID.glob("*/*") if p.name in BY_FILE)


def _plain(value):
    """YAML dates as the ISO strings an editor's schema validator sees."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _load(path: Path):
    text = path.read_text(encoding="utf-8")
    return _plain(json.loads(text) if path.suffix == ".json" else yaml.safe_load(text))


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(name: str, data) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(name).iter_errors(data)]


def test_committed_schemas_equal_a_fresh_generation():
    stale = stale_schemas(SCHEMA_DIR)
    assert not stale, f"{[p.name for p in stale]} fell behind the models: run `guideline schema` and commit schemas/"


def test_schema_files_are_deterministic_and_end_with_newline():
    for spec in SCHEMAS:
        text = render(spec)
        assert text == render(spec)
        assert text.endswith("}\n")
        assert json.loads(text)["$schema"].startswith("https://json-schema.org/")


@pytest.mark.parametrize("path", CONTENT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_content_validates_against_its_schema(path: Path):
    assert _errors(BY_FILE[path.name].name, _load(path)) == []


@pytest.mark.parametrize("path", [p for p in CONTENT_FILES if p.is_relative_to(ROOT / "content") and p.suffix == ".yaml"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_real_content_files_name_their_schema_on_the_first_line(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == BY_FILE[path.name].modeline(depth=2)
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target.is_file() and target.parent == SCHEMA_DIR


def test_statement_items_are_typed_not_any():
    statements = _load(VALID / "minimal" / "statements.yaml")
    statements["statements"][0]["kidn"] = statements["statements"][0].pop("kind")
    errors = _errors("statements", statements)
    assert any("'kidn' was unexpected" in e for e in errors), errors
    assert any("'kind' is a required property" in e for e in errors), errors


def test_statement_citation_shorthand_and_object_forms_both_validate():
    statements = _load(VALID / "minimal" / "statements.yaml")
    statements["statements"][0]["citations"] = ["yu2013", {"key": "weickhardt2012", "locator": "p. 3"}]
    assert _errors("statements", statements) == []
    statements["statements"][0]["citations"] = ["Yu 2013"]
    assert _errors("statements", statements) != []


def test_algorithm_nodes_are_typed():
    algorithm = _load(VALID / "minimal" / "algorithm.yaml")
    algorithm["nodes"][0]["kind"] = "begin"
    errors = _errors("algorithm", algorithm)
    assert any(e.startswith("nodes/0/kind: 'begin' is not one of") for e in errors), errors


def test_references_schema_accepts_csl_yaml_and_csl_json_and_uses_csl_names():
    refs = _load(VALID / "minimal" / "references.yaml")
    assert _errors("references", refs) == []
    assert _errors("references", refs["references"]) == []  # CSL-JSON: a bare array
    refs["references"][0]["container_title"] = refs["references"][0].pop("container-title")
    assert _errors("references", refs) != []


def test_guideline_schema_rejects_what_the_loader_rejects():
    meta = _load(VALID / "minimal" / "guideline.yaml")
    assert _errors("guideline", meta) == []
    for field, bad in (("status", "final"), ("version", "1.0"), ("grading", "oxford"), ("id", "Minimal Guideline")):
        broken = {**meta, field: bad}
        assert _errors("guideline", broken), field


def test_schema_command_writes_and_checks(cli, tmp_path):
    out = tmp_path / "schemas"
    result = cli("schema", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(s.filename for s in SCHEMAS)
    for spec in SCHEMAS:
        assert (out / spec.filename).read_text() == (SCHEMA_DIR / spec.filename).read_text()
    assert cli("schema", "--out", str(out), "--check").exit_code == 0
    (out / "statements.schema.json").write_text("{}\n")
    stale = cli("schema", "--out", str(out), "--check")
    assert stale.exit_code == 1
    assert "statements.schema.json: error[stale-schema]" in stale.output
    assert "unchanged" in cli("schema", "--out", str(out)).output.splitlines()[0]


def test_every_field_help_reaches_a_schema():
    """Field help is written once, on the model fields (Field(description=...)); each reaches the editor's schema."""
    from pydantic import BaseModel

    from generator.content import models
    from generator.tools.schema import generate

    shown = set()
    for spec in SCHEMAS:
        schema = generate(spec)
        for name, definition in [(spec.model.__name__, schema), *schema.get("$defs", {}).items()]:
            for field_name, prop in definition.get("properties", {}).items():
                if "description" in prop:
                    shown.add((name, field_name, prop["description"]))
    described = [
        (model.__name__, info.alias or field_name, info.description)
        for model in vars(models).values()
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == models.__name__
        for field_name, info in model.model_fields.items()
        if info.description
    ]
    assert len(described) >= 30, "the content model lost its field help"
    for model_name, field_name, text in described:
        if model_name.endswith("File"):
            continue  # the file models are replaced by typed copies in the schemas
        assert (model_name, field_name, text) in shown, f"{model_name}.{field_name} is not in any schema"
