"""The FHIR bundle runs the pathway on its own: conditions in FHIRPath, targets that are action ids.

`run_bundle` below is what another system does with the export alone (docs/interoperability.md,
"Running the pathway"): bind each case feature as the FHIRPath environment variable %name, start at
the start action, follow relatedAction.targetId, and at a decision take the sub-action whose
applicability condition fhirpathpy evaluates to true. It must reach every vignette's end.
"""

from __future__ import annotations

from pathlib import Path

import fhirpathpy
import pytest

from generator.content.loader import load_guideline
from generator.export.fhir import build_bundle

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "valid"
GUIDELINES = [FIXTURES / "minimal", FIXTURES / "pathway"] + sorted(
    p for p in (ROOT / "content").iterdir() if (p / "guideline.yaml").is_file()
)
COMPUTABLE = [p for p in GUIDELINES if (p / "vignettes.yaml").is_file()]


def bundle_of(folder: Path) -> tuple[dict, object]:
    g = load_guideline(folder).guideline
    return build_bundle(g, {"SOURCE_DATE_EPOCH": "0"}), g


def resource(bundle: dict, kind: str, suffix: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind and e["resource"]["id"].endswith(suffix))


def run_bundle(bundle: dict, case: dict) -> list[str]:
    """The linkIds of the actions a case passes, from the start to an end (or a loop's target)."""
    plan = resource(bundle, "PlanDefinition", "-algorithm")
    actions = {a["id"]: a for a in plan["action"]}
    kind = {a["id"]: a["code"]["coding"][0]["code"] for a in plan["action"]}
    current = next(a for a in plan["action"] if kind[a["id"]] == "start")
    route = [current["linkId"]]
    for _ in range(len(actions) + 1):
        if kind[current["id"]] == "end":
            return route
        if kind[current["id"]] == "decision":
            applicable = []
            for sub in current["action"]:
                (condition,) = sub["condition"]
                assert condition["kind"] == "applicability"
                assert condition["expression"]["language"] == "text/fhirpath"
                if fhirpathpy.evaluate({}, condition["expression"]["expression"], dict(case)) == [True]:
                    applicable.append(sub)
            assert len(applicable) == 1, f"{current['linkId']}: {len(applicable)} branches apply to {case}"
            chosen = applicable[0]
            current = actions[chosen["relatedAction"][0]["targetId"]]
            route.append(current["linkId"])
            if "Loops back" in chosen.get("description", ""):
                return route
            continue
        current = actions[current["relatedAction"][0]["targetId"]]
        route.append(current["linkId"])
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize("folder", COMPUTABLE, ids=[p.name for p in COMPUTABLE])
def test_the_bundle_alone_runs_every_vignette_to_its_end(folder):
    bundle, g = bundle_of(folder)
    assert g.vignettes
    for v in g.vignettes:
        route = run_bundle(bundle, v.features)
        assert route[-1] == v.end, v.id
        if v.route:
            assert route == v.route, v.id


@pytest.mark.parametrize("folder", COMPUTABLE, ids=[p.name for p in COMPUTABLE])
def test_features_are_library_parameters_the_plan_definition_names(folder):
    bundle, g = bundle_of(folder)
    library = resource(bundle, "Library", "-features")
    plan = resource(bundle, "PlanDefinition", "-algorithm")
    assert plan["library"] == [library["url"]]
    params = {p["name"]: p for p in library["parameter"]}
    assert list(params) == [f.name for f in g.features]
    types = {"boolean": "boolean", "integer": "integer", "enum": "code"}
    for f in g.features:
        assert params[f.name]["use"] == "in"
        assert params[f.name]["type"] == types[f.type]
        assert f.question in params[f.name]["documentation"]


@pytest.mark.parametrize("folder", GUIDELINES, ids=[p.name for p in GUIDELINES])
def test_related_actions_target_action_ids(folder):
    bundle, _ = bundle_of(folder)
    plan = resource(bundle, "PlanDefinition", "-algorithm")

    def every(actions):
        for a in actions:
            yield a
            yield from every(a.get("action", []))

    ids = {a["id"] for a in every(plan["action"])}
    targets = [r["targetId"] for a in every(plan["action"]) for r in a.get("relatedAction", [])]
    assert targets and set(targets) <= ids


# FHIR elements of type markdown (or XHTML) in what the export writes; every other string is plain text.
MARKDOWN_ELEMENTS = {"description", "textEquivalent", "div", "purpose", "usage", "copyright", "comment"}


def plain_strings(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from plain_strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from plain_strings(v, key)
    elif isinstance(node, str) and key not in MARKDOWN_ELEMENTS:
        yield key, node


@pytest.mark.parametrize("folder", GUIDELINES, ids=[p.name for p in GUIDELINES])
def test_no_markdown_markup_in_plain_string_fields(folder):
    bundle, _ = bundle_of(folder)
    found = [(k, v[:80]) for k, v in plain_strings(bundle) if "**" in v or "](" in v or "__" in v]
    assert not found


def test_use_context_text_is_plain_where_the_population_has_markdown(tmp_path):
    import shutil

    folder = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "minimal", folder)
    meta = folder / "guideline.yaml"
    text = meta.read_text(encoding="utf-8")
    assert "  population: " in text
    meta.write_text(text.replace("  population: ", "  population: Adults with **EGFR mutation**; ", 1), encoding="utf-8")
    bundle, _ = bundle_of(folder)
    texts = [e["resource"]["useContext"][0]["valueCodeableConcept"]["text"] for e in bundle["entry"] if "useContext" in e["resource"]]
    assert texts and all(t.startswith("Adults with EGFR mutation; ") for t in texts)
