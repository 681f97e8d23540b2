"""`guideline new`: the scaffold passes `check`, fails `--strict` only on its TODO: placeholders."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from generator.tools.schema import BY_FILE

ROOT = Path(__file__).resolve().parents[1]
FILES = ["algorithm.yaml", "guideline.yaml", "references.yaml", "statements.yaml"]


def _check_json(cli, *args):
    result = cli("check", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout or "[]")


def test_new_guideline_passes_check_with_placeholder_warnings_only(cli, tmp_path):
    result = cli("new", "brain-metastases")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "content" / "brain-metastases"
    assert sorted(p.name for p in folder.iterdir()) == FILES
    assert "created content/brain-metastases/" in result.output

    code, diags = _check_json(cli, "content")
    assert code == 0, diags
    assert diags and {d["severity"] for d in diags} == {"warning"}
    assert {d["code"] for d in diags} == {"placeholder"}
    # every file has something left to write
    assert {Path(d["path"]).name for d in diags} == set(FILES)


def test_strict_refuses_the_scaffold_only_because_of_placeholders(cli, tmp_path):
    cli("new", "brain-metastases")
    code, diags = _check_json(cli, "--strict", "content")
    assert code == 1
    assert {(d["severity"], d["code"]) for d in diags} == {("error", "placeholder")}

    # With every placeholder token gone (an author who filled everything in), --strict passes.
    for path in (tmp_path / "content" / "brain-metastases").iterdir():
        path.write_text(path.read_text().replace("TODO: ", ""))
    code, diags = _check_json(cli, "--strict", "content")
    assert (code, diags) == (0, [])


def test_scaffold_explains_fields_and_points_at_the_schemas(cli, tmp_path):
    cli("new", "brain-metastases", "--today", "2026-03-15")
    folder = tmp_path / "content" / "brain-metastases"
    for name in FILES:
        text = (folder / name).read_text()
        first = text.splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../schemas/{BY_FILE[name].filename}"
        comments = sum(line.lstrip().startswith("#") for line in text.splitlines())
        assert comments >= 8, f"{name} has only {comments} comment lines"
        assert "{{" not in text and "{%" not in text
    meta = yaml.safe_load((folder / "guideline.yaml").read_text())
    assert meta["id"] == "brain-metastases"
    assert meta["status"] == "draft"
    assert str(meta["dates"]["effective"]) == "2026-03-15"
    assert str(meta["dates"]["review_by"]) == "2028-03-15"
    # Every top-level field of guideline.yaml is explained by a comment right above it
    # (or named in the comment above the field before it, as title/short_title).
    lines = (folder / "guideline.yaml").read_text().splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith((" ", "#", "-")):
            key = line.split(":")[0]
            above = lines[i - 1].startswith("#") or (lines[i - 1] and key in lines[i - 2] and lines[i - 2].startswith("#"))
            assert above, f"no comment above {line!r}"
    # The placeholder reference uses the DOI Handbook's example DOI, never a made-up clinical one.
    refs = yaml.safe_load((folder / "references.yaml").read_text())["references"]
    assert [r["DOI"] for r in refs] == ["10.1000/182"]
    assert all("TODO:" in r["title"] for r in refs)


def test_scaffold_validates_against_the_committed_schemas(cli, tmp_path):
    import jsonschema

    cli("new", "brain-metastases")
    folder = tmp_path / "content" / "brain-metastases"
    for name in FILES:
        schema = json.loads((ROOT / "schemas" / BY_FILE[name].filename).read_text())
        data = json.loads(json.dumps(yaml.safe_load((folder / name).read_text()), default=str))
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
        assert errors == [], (name, errors)


def test_schema_path_is_relative_to_the_project_schemas_folder(cli, tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "guideline.schema.json").write_text("{}")
    assert cli("new", "x1", "--dir", "library/thoracic").exit_code == 0
    first = (tmp_path / "library" / "thoracic" / "x1" / "statements.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../../schemas/statements.schema.json"


def test_dir_option_and_usage_errors(cli, tmp_path):
    assert cli("new", "lung-sbrt", "--dir", "guidelines").exit_code == 0
    assert (tmp_path / "guidelines" / "lung-sbrt" / "guideline.yaml").is_file()

    again = cli("new", "lung-sbrt", "--dir", "guidelines")
    assert again.exit_code == 2
    assert "guidelines/lung-sbrt: already exists" in again.output
    for bad in ("Lung_SBRT", "lung_sbrt", "lung sbrt", "../escape", "a" * 81, "lung-sbrt\n"):
        result = cli("new", bad)
        assert result.exit_code == 2, bad
        assert "is not a valid guideline id" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "content").exists() or not any((tmp_path / "content").iterdir())
    (tmp_path / "afile").write_text("")
    blocked = cli("new", "ok-id", "--dir", "afile")
    assert blocked.exit_code == 2 and "not a folder" in blocked.output
    # nothing half-created is left behind
    assert sorted(p.name for p in (tmp_path / "guidelines").iterdir()) == ["lung-sbrt"]


def test_new_guideline_builds_right_away(cli, tmp_path):
    """An author can preview the scaffold at once: every HTML document renders from it."""
    cli("new", "brain-metastases")
    result = cli("build", "content", "--out", "build", "--html-only", "-j", "1")
    assert result.exit_code == 0, result.output
    built = tmp_path / "build" / "brain-metastases"
    assert (built / "clinician-protocol.html").is_file() and (built / "flowchart.svg").is_file()
    assert "TODO: full title of the guideline" in (built / "clinician-protocol.html").read_text()
