"""Fake document with companion files: `figure.svg` plus one `figure-N.svg` per word of the algorithm's
title (as the flowchart writes one file per part-figure), and a fake that shows what it was given."""

import hashlib
import json


def view(g, given=None) -> dict:
    return {"title": g.algorithm.title if g.algorithm else ""}


def render(view, deps):
    words = view["title"].split()
    if "BAD-NAME" in words:
        return {"figure.svg": b"<svg/>", "other.svg": b"<svg/>"}
    return {"figure.svg": b"<svg>all</svg>", **{f"figure-{i}.svg": f"<svg>{w}</svg>".encode() for i, w in enumerate(words, 1)}}


def render_user(view, deps) -> bytes:
    return json.dumps({k: hashlib.sha256(v).hexdigest()[:12] for k, v in sorted(deps.items())}).encode()
