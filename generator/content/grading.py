"""The grading systems a guideline may declare (`grading:` in guideline.yaml), as data.

A system is two scales: how sure the evidence is (ESMO: levels of evidence I-V; GRADE: certainty
high ... very low) and how strongly the panel advises (ESMO: grades A-E; GRADE: strong or
conditional, for or against). Everything the documents print about a grade comes from here: the
protocol's legend, badges and summary table, the wording of strength for clinicians ("we
recommend" / "we suggest") and for patients, the FHIR codings, and the check that refuses a code
the system does not have. Adding a system is adding one `GradingSystem` value to `SYSTEMS`; no
renderer or exporter names a system.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["for", "against", "optional"]


@dataclass(frozen=True)
class Level:
    """One step of the evidence scale."""

    code: str  # what authors write: "IV", "very-low"
    label: str  # how documents print it: "IV", "Very low"
    meaning: str  # the legend's definition
    low: bool = False  # too uncertain for a strong recommendation without a written rationale
    hl7_quality: str | None = None  # http://terminology.hl7.org/CodeSystem/evidence-quality code, if one fits


@dataclass(frozen=True)
class Strength:
    """One step of the recommendation scale."""

    code: str  # what authors write: "B", "conditional-for"
    label: str  # how documents print it: "B", "Conditional for"
    meaning: str  # the legend's definition
    direction: Direction
    strong: bool  # a strong recommendation (GRADE strong; ESMO A and E)
    clinician_wording: str  # how the text of such a recommendation is worded: "We suggest ..."
    patient_wording: str  # one plain-language sentence for the patient explainer
    hl7_strength: str | None = None  # http://terminology.hl7.org/CodeSystem/recommendation-strength code


@dataclass(frozen=True)
class GradingSystem:
    id: str
    name: str
    level_axis: str  # the first scale, as a caption: "Level of evidence", "Certainty of evidence"
    strength_axis: str  # the second: "Grade of recommendation", "Strength of recommendation"
    level_format: str  # a level as a badge: "Level {label}" -> "Level IV"; "{label} certainty" -> "Low certainty"
    strength_format: str  # a strength as a badge: "Grade {label}" -> "Grade C"
    levels: tuple[Level, ...]
    strengths: tuple[Strength, ...]
    # When true, a strong recommendation on a `low` level needs `grade.rationale` (GRADE's paradigmatic
    # situations), or check warns.
    strength_first: bool = False  # describe() names the strength before the level
    strong_on_low_needs_rationale: bool = False
    rationale_hint: str = ""  # what a rationale should say, for the check message and the docs
    _by_code: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_code.update({("level", x.code): x for x in self.levels})
        self._by_code.update({("strength", x.code): x for x in self.strengths})

    @property
    def level_codes(self) -> list[str]:
        return [x.code for x in self.levels]

    @property
    def strength_codes(self) -> list[str]:
        return [x.code for x in self.strengths]

    def level(self, code: str) -> Level | None:
        return self._by_code.get(("level", code))

    def strength(self, code: str) -> Strength | None:
        return self._by_code.get(("strength", code))

    @property
    def level_code_system_id(self) -> str:
        """The id of the code system of the levels ('esmo-level-of-evidence'); export/fhir.py makes it a URI."""
        return f"{self.id}-{_slug(self.level_axis)}"

    @property
    def strength_code_system_id(self) -> str:
        return f"{self.id}-{_slug(self.strength_axis)}"

    def level_text(self, code: str) -> str:
        """'Level IV', 'Very low certainty' (a code the system lacks is printed as written)."""
        level = self.level(code)
        return _cap(self.level_format.format(label=level.label if level else code))

    def strength_text(self, code: str) -> str:
        """'Grade C', 'Conditional recommendation for'."""
        strength = self.strength(code)
        return _cap(self.strength_format.format(label=strength.label if strength else code))

    def describe(self, level: str, strength: str) -> str:
        """One phrase for a grade, as documents and diffs print it: 'Level IV, grade C',
        'Conditional recommendation for, low certainty'."""
        first, second = self.level_text(level), self.strength_text(strength)
        if self.strength_first:
            first, second = second, first
        return f"{first}, {second[:1].lower()}{second[1:]}"

    def needs_rationale(self, level: str, strength: str) -> bool:
        lv, st = self.level(level), self.strength(strength)
        return bool(self.strong_on_low_needs_rationale and lv and st and lv.low and st.strong)


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# Paraphrased from the ESMO Clinical Practice Guideline standard operating procedures
# (levels adapted from the Infectious Diseases Society of America-US Public Health Service grading).
ESMO = GradingSystem(
    id="esmo",
    name="ESMO levels of evidence and grades of recommendation",
    level_axis="Level of evidence",
    strength_axis="Grade of recommendation",
    level_format="Level {label}",
    strength_format="Grade {label}",
    levels=(
        Level("I", "I", "At least one large randomised controlled trial of good methodological quality, or meta-analyses of well-conducted randomised trials without heterogeneity"),
        Level("II", "II", "Small randomised trials, large randomised trials with a suspicion of bias, or meta-analyses of such trials or of trials with heterogeneity"),
        Level("III", "III", "Prospective cohort studies"),
        Level("IV", "IV", "Retrospective cohort studies or case-control studies", low=True),
        Level("V", "V", "Studies without a control group, case reports, expert opinion", low=True),
    ),
    strengths=(
        Strength("A", "A", "Strong evidence for efficacy with a substantial clinical benefit: strongly recommended",
                 "for", True, "is strongly recommended", "Doctors strongly recommend this."),
        Strength("B", "B", "Strong or moderate evidence for efficacy but with a limited clinical benefit: generally recommended",
                 "for", False, "is generally recommended", "Doctors generally recommend this."),
        Strength("C", "C", "Insufficient evidence for efficacy, or benefit does not outweigh the risks or disadvantages: optional",
                 "optional", False, "is optional", "This is an option. It may or may not be right for you."),
        Strength("D", "D", "Moderate evidence against efficacy or for adverse outcome: generally not recommended",
                 "against", False, "is generally not recommended", "Doctors generally advise against this."),
        Strength("E", "E", "Strong evidence against efficacy or for adverse outcome: never recommended",
                 "against", True, "is never recommended", "Doctors advise against this in all cases."),
    ),
)

# The GRADE Working Group's certainty of evidence and strength of recommendation. Wording of
# strength follows GRADE's convention: strong = "we recommend", conditional = "we suggest".
GRADE = GradingSystem(
    id="grade",
    name="GRADE certainty of evidence and strength of recommendation",
    level_axis="Certainty of evidence",
    strength_axis="Strength of recommendation",
    level_format="{label} certainty",
    strength_format="{label}",
    levels=(
        Level("high", "high", "Further research is very unlikely to change confidence in the estimate of effect", hl7_quality="high"),
        Level("moderate", "moderate", "Further research is likely to have an important impact on confidence in the estimate", hl7_quality="moderate"),
        Level("low", "low", "Further research is very likely to have an important impact on confidence in the estimate", low=True, hl7_quality="low"),
        Level("very-low", "very low", "Any estimate of effect is very uncertain", low=True, hl7_quality="very-low"),
    ),
    strengths=(
        Strength("strong-for", "strong recommendation for", "Strong recommendation for the intervention: most informed patients would choose it",
                 "for", True, "we recommend", "We recommend this. Most people in this situation would choose it.", "strong"),
        Strength("conditional-for", "conditional recommendation for", "Conditional (weak) recommendation for the intervention: most informed patients would choose it, but many would not",
                 "for", False, "we suggest", "We suggest this. Most people would choose it, but many would not. You and your team decide together.", "weak"),
        Strength("conditional-against", "conditional recommendation against", "Conditional (weak) recommendation against the intervention",
                 "against", False, "we suggest not", "We suggest not doing this. Most people would not choose it, but some would. You and your team decide together.", "weak"),
        Strength("strong-against", "strong recommendation against", "Strong recommendation against the intervention",
                 "against", True, "we recommend against", "We recommend against this. Most people in this situation would not choose it.", "strong"),
    ),
    strength_first=True,
    strong_on_low_needs_rationale=True,
    rationale_hint=(
        "say which of GRADE's paradigmatic situations justifies it (life-threatening situation; uncertain "
        "benefit with certain or serious harm; equivalent options of which one is less harmful or costly; "
        "possible catastrophic harm)"
    ),
)

SYSTEMS: dict[str, GradingSystem] = {s.id: s for s in (ESMO, GRADE)}
