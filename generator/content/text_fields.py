"""Every piece of author-written text in a guideline, with the object and field it lives in.

The fields are enumerated from the content models, not listed by hand: every string field of
every model (and every string in a list field) is text that reaches a document, the FHIR bundle
or a terminal, so a field added to a model is covered without touching this module. Only fields
whose values a pattern or a fixed choice already constrains (ids, versions, `kind: ...`) are
left out. Each field has a kind:

* "markdown":   rendered through Markdown (statement text, intros, study rows, node details);
* "identifier": a DOI, URL, PMID, PMCID or ISSN, printed as a link or a code (its characters are
                checked; long words, markup and braces are the identifier's business);
* "plain":      everything else, printed as plain text (titles, names, roles, labels, pages, ...).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import types
import typing
from dataclasses import dataclass
from typing import Iterator, Literal

from pydantic.fields import FieldInfo

from generator.content.guideline import Guideline
from generator.content import models as m
from generator.content.models import ContentModel

# Rendered through Markdown; every other text field is printed as plain text.
MARKDOWN_FIELDS = {
    (m.GuidelineMeta, "summary"),
    (m.Scope, "population"),
    (m.Scope, "setting"),
    (m.Section, "intro"),
    (m.Statement, "text"),
    (m.StudySummary, "study"),
    (m.StudySummary, "design"),
    (m.StudySummary, "participants"),
    (m.StudySummary, "result"),
    (m.PatientText, "text"),
    (m.AlgorithmNode, "detail"),
    (m.Vignette, "description"),
}
IDENTIFIER_FIELDS = {
    (m.Reference, "DOI"),
    (m.Reference, "URL"),
    (m.Reference, "PMID"),
    (m.Reference, "PMCID"),
    (m.Reference, "ISSN"),
}
PATIENT_MODELS = (
    m.PatientSettings, m.PatientSection, m.GlossaryEntry, m.PatientQuestion, m.PatientText,
    m.KeyPoint, m.CareTeamContact, m.IconArray, m.IconGroup,
)
SHARED_MODELS = (m.AlgorithmNode, m.Branch, m.AlgorithmFile, m.Feature, m.FeatureValue)  # the flowchart: both audiences


@dataclass(frozen=True)
class TextField:
    owner: ContentModel
    field: str
    text: str
    markdown: bool  # rendered through Markdown (statement text) or printed as plain text
    audience: str  # "clinician", "patient" or "both"
    kind: str = "plain"  # "markdown", "identifier" or "plain"
    index: int | None = None  # the item of a list field (e.g. scope.out_of_scope[2])

    def location(self, offset: int):
        """Where character `offset` of this text was written."""
        return self.owner.text_location(self.field, offset, index=self.index)


def _constrained(annotation, info: FieldInfo | None = None) -> bool:
    """True when a pattern or a fixed set of values (Literal) decides what the value may hold."""
    metadata = list(info.metadata) if info is not None else []
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        metadata += list(typing.get_args(annotation)[1:])
        annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
    if origin is Literal:
        return True
    if any(getattr(c, "pattern", None) for c in metadata):
        return True
    if origin is list:
        (item,) = typing.get_args(annotation) or (None,)
        return item is not None and _constrained(item)
    if origin is typing.Union or origin is types.UnionType:  # `X | None`
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(_constrained(a) for a in args)
    return False


@functools.lru_cache(maxsize=None)
def _text_fields(model: type[ContentModel]) -> dict[str, tuple[str, str]]:
    """field name -> (kind, audience) for every field of `model` that can hold free text."""
    if issubclass(model, PATIENT_MODELS):
        audience = "patient"
    elif issubclass(model, SHARED_MODELS) or model is m.GuidelineMeta:
        audience = "both"
    else:
        audience = "clinician"
    out = {}
    for name, info in model.model_fields.items():
        if _constrained(info.annotation, info):
            continue
        if (model, name) in MARKDOWN_FIELDS:
            kind = "markdown"
        elif (model, name) in IDENTIFIER_FIELDS:
            kind = "identifier"
        else:
            kind = "plain"
        out[name] = (kind, audience)
    return out


def _walk(obj: ContentModel, out: list[TextField]) -> list[TextField]:
    """Append the text fields of `obj` and of everything inside it to `out`, in the fields' declared
    order (a list, not a generator: a check walks some hundred thousand fields)."""
    kinds = _text_fields(type(obj))
    for name, value in obj.__dict__.items():
        if isinstance(value, ContentModel):
            _walk(value, out)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ContentModel):
                    _walk(item, out)
                elif isinstance(item, str) and name in kinds:
                    kind, audience = kinds[name]
                    out.append(TextField(obj, name, item, kind == "markdown", audience, kind, i))
        elif isinstance(value, str) and name in kinds:
            kind, audience = kinds[name]
            out.append(TextField(obj, name, value, kind == "markdown", audience, kind))
    return out


_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("text_fields_memo", default=None)


@contextlib.contextmanager
def walked_once() -> Iterator[None]:
    """Within this block, iter_text walks each guideline once and hands every later caller the same
    fields (the check runs several rules over all text; nothing changes the guideline meanwhile)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def iter_text(g: Guideline) -> Iterator[TextField]:
    """Every text field of the guideline: guideline.yaml, statements, algorithm (features included), references, vignettes, sign-off."""
    memo = _MEMO.get()
    if memo is None:
        return iter(_text_of(g))
    entry = memo.get(id(g))
    if entry is None or entry[0] is not g:
        entry = memo[id(g)] = (g, tuple(_text_of(g)))
    return iter(entry[1])


def _text_of(g: Guideline) -> list[TextField]:
    out: list[TextField] = []
    for model in (g.meta, *g.statements, g.algorithm, *g.nodes, *g.features, *g.vignettes, *g.references,
                  g.signoff):  # sign-off: names, roles and declared interests are printed in the protocol
        if model is not None:
            _walk(model, out)
    return out

