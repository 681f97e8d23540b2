"""The patient explainer's own content (see docs/patient-explainer.md): every caution it shows in plain
words, the care team's contacts filled in, key points and icon arrays that say nothing the section's
patient text does not."""

from __future__ import annotations

import re
from typing import Iterator

from generator.content.guideline import Guideline
from generator.content.patient_text import explainer_reference_keys
from generator.diagnostics import Diagnostic


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None or g.meta.patient is None:
        return
    yield from _cautions(g)
    yield from _care_team(g)
    yield from _key_points(g)
    yield from _icon_arrays(g)


NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")


def _numbers(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def _care_team(g: Guideline) -> Iterator[Diagnostic]:
    patient = g.meta.patient
    if patient.care_team is None:
        yield Diagnostic.warning(
            patient.location("title"),
            "care-team-placeholder",
            "the patient explainer prints a placeholder where patients look for whom to call: no patient.care_team; "
            "the committee must add the contacts (or write_in: true for lines filled in by hand)",
        )
        return
    if not patient.care_team:
        yield Diagnostic.warning(patient.location("care_team"), "care-team-placeholder", "patient.care_team lists no contact; add who patients call")
    for contact in patient.care_team:
        if not (contact.phone or contact.email or contact.write_in):
            yield Diagnostic.warning(
                contact.location("role"),
                "care-team-placeholder",
                f"care team contact {contact.role!r} gives no phone or email; add one (or write_in: true)",
            )


def _section_statements(g: Guideline) -> dict[str, dict[str, str]]:
    """Per patient section: statement id -> the patient text that shows it there (its own or one it is also based on)."""
    out: dict[str, dict[str, str]] = {}
    for s in g.statements:
        if s.patient is None:
            continue
        shown = out.setdefault(s.patient.section, {})
        for sid in (s.id, *s.patient.also_based_on):
            shown[sid] = shown.get(sid, "") + " " + s.patient.text
    return out


def _key_points(g: Guideline) -> Iterator[Diagnostic]:
    statements = g.statements_by_id
    shown = _section_statements(g)
    for section in g.meta.patient.sections:
        here = shown.get(section.id, {})
        for i, point in enumerate(section.key_points, 1):
            label = f"key point {i} of patient section {section.id!r}"
            basis = ""
            for sid in point.statements:
                if sid not in statements:
                    yield Diagnostic.error(point.location("statements"), "unknown-statement", f"{label} names statement {sid!r}, which does not exist")
                elif sid not in here:
                    yield Diagnostic.error(
                        point.location("statements"),
                        "key-point-unsupported",
                        f"{label} rests on {sid!r}, whose patient text is not in this section; a key point sums up what the section says",
                    )
                else:
                    basis += here[sid]
            missing = sorted(_numbers(point.text) - _numbers(basis), key=float)
            if missing and basis:
                yield Diagnostic.error(
                    point.location("text"),
                    "key-point-unsupported",
                    f"{label} states {', '.join(missing)}, which the patient text of its statements does not; "
                    "a key point says nothing the section does not",
                )


def _icon_arrays(g: Guideline) -> Iterator[Diagnostic]:
    for s in g.statements:
        figure = s.patient.icon_array if s.patient is not None else None
        if figure is None:
            continue
        stated = _numbers(s.patient.text)
        for group in figure.groups:
            if group.count > figure.of:
                yield Diagnostic.error(group.location("count"), "icon-array-unsupported", f"icon array of {s.id!r}: {group.count} of {figure.of} is more than the whole group")
            for n in (group.count, figure.of):
                if str(n) not in stated:
                    yield Diagnostic.error(
                        figure.location("groups"),
                        "icon-array-unsupported",
                        f"icon array of {s.id!r} shows {n}, which its patient text does not state; picture only numbers the text gives",
                    )
                    break


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
