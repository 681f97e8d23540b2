"""The one definition of a slug: the shape of every id (guideline, statement, reference, section,
node, panel member), of the guideline's folder under build/, and of a release tag's guideline part.

Lowercase ASCII letters, digits and hyphens, starting with a letter or a digit, at most 80
characters. Kept apart from the models so that the build engine, the site index and git reading
use it without importing pydantic.
"""

from __future__ import annotations

import re

SLUG_BODY = r"[a-z0-9][a-z0-9-]*"  # for composing larger patterns (a release tag: <slug>/vX.Y.Z)
SLUG_PATTERN = rf"^{SLUG_BODY}$"  # for the models and JSON Schema (whole-value match)
SLUG_MAX_LENGTH = 80
_SLUG = re.compile(SLUG_BODY)


def is_slug(text: str) -> bool:
    """True for a slug (the whole text: a trailing line break is not allowed, as `$` would allow)."""
    return isinstance(text, str) and len(text) <= SLUG_MAX_LENGTH and _SLUG.fullmatch(text) is not None
