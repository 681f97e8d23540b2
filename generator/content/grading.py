"""The grading systems a guideline may declare, with the legend the documents print."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradingSystem:
    id: str
    name: str
    level_label: str  # what the first axis is called in print
    strength_label: str
    levels: dict[str, str]  # code -> meaning (legend text)
    strengths: dict[str, str]

    def describe(self, level: str, strength: str) -> str:
        return f"{self.level_label} {level}, {self.strength_label.lower()} {strength}"


# Paraphrased from the ESMO Clinical Practice Guideline standard operating procedures
# (levels adapted from the Infectious Diseases Society of America–US Public Health Service grading).
ESMO = GradingSystem(
    id="esmo",
    name="ESMO levels of evidence and grades of recommendation",
    level_label="Level",
    strength_label="Grade",
    levels={
        "I": "At least one large randomised controlled trial of good methodological quality, or meta-analyses of well-conducted randomised trials without heterogeneity",
        "II": "Small randomised trials, large randomised trials with a suspicion of bias, or meta-analyses of such trials or of trials with heterogeneity",
        "III": "Prospective cohort studies",
        "IV": "Retrospective cohort studies or case-control studies",
        "V": "Studies without a control group, case reports, expert opinion",
    },
    strengths={
        "A": "Strong evidence for efficacy with a substantial clinical benefit: strongly recommended",
        "B": "Strong or moderate evidence for efficacy but with a limited clinical benefit: generally recommended",
        "C": "Insufficient evidence for efficacy, or benefit does not outweigh the risks or disadvantages: optional",
        "D": "Moderate evidence against efficacy or for adverse outcome: generally not recommended",
        "E": "Strong evidence against efficacy or for adverse outcome: never recommended",
    },
)

GRADE = GradingSystem(
    id="grade",
    name="GRADE certainty of evidence and strength of recommendation",
    level_label="Certainty",
    strength_label="Strength",
    levels={
        "high": "Further research is very unlikely to change confidence in the estimate of effect",
        "moderate": "Further research is likely to have an important impact on confidence in the estimate",
        "low": "Further research is very likely to have an important impact on confidence in the estimate",
        "very-low": "Any estimate of effect is very uncertain",
    },
    strengths={
        "strong-for": "Strong recommendation for the intervention",
        "conditional-for": "Conditional (weak) recommendation for the intervention",
        "conditional-against": "Conditional (weak) recommendation against the intervention",
        "strong-against": "Strong recommendation against the intervention",
    },
)

SYSTEMS: dict[str, GradingSystem] = {s.id: s for s in (ESMO, GRADE)}
