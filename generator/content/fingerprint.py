"""The content fingerprint: what an approval approves.

A SHA-256 over the canonical JSON of what the authors wrote (exactly the fields set, in every
content file), leaving out what a release itself changes (`version`, `status`, `changelog`) and the
sign-off record. Comments, key order and YAML style do not change it; any change to a statement,
reference, the algorithm or the guideline's other metadata does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

RELEASE_FIELDS = frozenset({"version", "status", "changelog"})


def _plain(obj: Any) -> Any:
    return obj.model_dump(mode="json", by_alias=True, exclude_unset=True)


def content_fingerprint(guideline: Any) -> str | None:
    """`sha256:<hex>` for a completely loaded guideline; None when part of it failed to load."""
    if not guideline.complete or guideline.meta is None:
        return None
    meta = {k: v for k, v in _plain(guideline.meta).items() if k not in RELEASE_FIELDS}
    data = {
        "guideline": meta,
        "statements": [_plain(s) for s in guideline.statements],
        "references": sorted((_plain(r) for r in guideline.references), key=lambda r: r["id"]),
        "algorithm": {
            **{k: v for k, v in _plain(guideline.algorithm).items() if k != "nodes"},
            "nodes": [_plain(n) for n in guideline.nodes],
        }
        if guideline.algorithm is not None
        else None,
    }
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
