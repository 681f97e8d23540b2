"""Every piece of author-written text in a guideline, with the object and field it lives in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from generator.content.loader import Guideline
from generator.content.models import ContentModel


@dataclass(frozen=True)
class TextField:
    owner: ContentModel
    field: str
    text: str
    markdown: bool  # rendered through Markdown (statement text) or printed as plain text
    audience: str  # "clinician", "patient" or "both"


def _fields(owner: ContentModel | None, names: tuple[str, ...], markdown: bool, audience: str) -> Iterator[TextField]:
    if owner is None:
        return
    for name in names:
        value = getattr(owner, name, None)
        if isinstance(value, str):
            yield TextField(owner, name, value, markdown, audience)


def iter_text(g: Guideline) -> Iterator[TextField]:
    meta = g.meta
    if meta is not None:
        yield from _fields(meta, ("title", "short_title"), False, "both")
        yield from _fields(meta, ("summary",), True, "clinician")
        yield from _fields(meta.scope, ("population", "setting"), True, "clinician")
        for name in ("out_of_scope", "not_covered"):
            for item in getattr(meta.scope, name):
                yield TextField(meta.scope, name, item, False, "clinician")
        for section in meta.sections:
            yield from _fields(section, ("title",), False, "clinician")
            yield from _fields(section, ("intro",), True, "clinician")
        for entry in meta.changelog:
            for change in entry.changes:
                yield TextField(entry, "changes", change, False, "clinician")
        if meta.patient is not None:
            yield from _fields(meta.patient, ("title",), False, "patient")
            for section in meta.patient.sections:
                yield from _fields(section, ("title",), False, "patient")
            for entry in meta.patient.glossary:
                yield from _fields(entry, ("term", "definition"), False, "patient")
            for q in meta.patient.questions:
                yield from _fields(q, ("text",), False, "patient")
    for s in g.statements:
        yield from _fields(s, ("title",), False, "clinician")
        yield from _fields(s, ("text",), True, "clinician")
        for c in s.citations:
            yield from _fields(c, ("locator", "quote"), False, "clinician")
        if s.study is not None:
            yield from _fields(s.study, ("study", "design", "participants", "result"), True, "clinician")
        if s.patient is not None:
            yield from _fields(s.patient, ("text",), True, "patient")
    for n in g.nodes:
        yield from _fields(n, ("label",), False, "both")
        yield from _fields(n, ("detail",), True, "both")
        for b in n.branches:
            yield from _fields(b, ("label",), False, "both")
    if g.algorithm is not None:
        yield from _fields(g.algorithm, ("title", "description"), False, "both")
    for r in g.references:
        yield from _fields(r, ("title", "container_title", "caution"), False, "clinician")
