"""Check rules: one module per rule, each exposing `check(guideline, ctx) -> Iterable[Diagnostic]`.

A rule sees the whole loaded guideline (parts that failed to load are simply absent) and yields
diagnostics with locations; it never raises for anything in the content.
"""

from generator.check.rules import (
    algorithm,
    citations,
    codes,
    conditions,
    dates,
    document_size,
    dois,
    glossary,
    grading,
    ids,
    numbers,
    patient,
    placeholders,
    readability,
    related,
    sections,
    signoff,
    spelling,
    text_safety,
    translations,
    vignettes,
)

ALL_RULES = [
    ids.check,
    sections.check,
    citations.check,
    numbers.check,
    dois.check,
    grading.check,
    algorithm.check,
    conditions.check,
    vignettes.check,
    codes.check,
    dates.check,
    text_safety.check,
    placeholders.check,
    readability.check,
    glossary.check,
    patient.check,
    spelling.check,
    related.check,
    signoff.check,
    translations.check,
    document_size.check,
]
