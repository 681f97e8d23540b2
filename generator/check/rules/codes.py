"""ICD-10 codes exist in the WHO ICD-10 list (offline); ICD-11 codes are well-formed."""

from __future__ import annotations

from typing import Iterator

from generator.content.codes import icd10_exists, icd11_well_formed
from generator.content.guideline import Guideline
from generator.diagnostics import Diagnostic


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.meta is None:
        return
    codes = g.meta.codes
    for i, code in enumerate(codes.icd10):
        if not icd10_exists(code):
            yield Diagnostic.error(
                codes.location("icd10"), "invalid-icd10", f"{code!r} is not a code in the WHO ICD-10 classification"
            )
    for code in codes.icd11:
        if not icd11_well_formed(code):
            yield Diagnostic.error(codes.location("icd11"), "invalid-icd11", f"{code!r} is not a well-formed ICD-11 code (e.g. 2D70)")
