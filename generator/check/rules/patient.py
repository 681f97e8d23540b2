"""The patient explainer's own content: every caution it shows in plain words (see docs/patient-explainer.md)."""

from __future__ import annotations

from typing import Iterator

from generator.content.loader import Guideline
from generator.content.patient_text import explainer_reference_keys
from generator.diagnostics import Diagnostic


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None or g.meta.patient is None:
        return
    yield from _cautions(g)


def _cautions(g: Guideline) -> Iterator[Diagnostic]:
    """A caution (written for clinicians) never reaches patients as it is: the explainer shows the
    reference's patient_caution, which the readability and glossary gates read like any patient text."""
    refs = g.references_by_id
    for key in explainer_reference_keys(g):
        ref = refs[key]
        if ref.caution is not None and ref.patient_caution is None:
            yield Diagnostic.error(
                ref.location("caution"),
                "patient-caution-missing",
                f"reference {key!r} has a caution and is listed in the patient explainer, but no patient_caution; "
                "write the warning for patients in plain words under patient_caution",
            )
