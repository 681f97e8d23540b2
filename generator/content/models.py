"""The content model: one pydantic class per thing an author writes.

Field names are what authors type (CSL's hyphenated names included, via aliases). Every model
object remembers where it was written: `obj.location()` for itself, `obj.location("field")` for
one of its fields. Cross-file rules (do citation keys resolve? is the algorithm a valid graph?)
are not here: they live in `generator.check.rules`, one module per rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, field_validator

from generator.content.doi import problem as doi_problem
from generator.content.grading import SYSTEMS
from generator.content.slug import SLUG_MAX_LENGTH, SLUG_PATTERN
from generator.diagnostics import Location

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]
Text = Annotated[str, StringConstraints(min_length=1)]
GradingSystemId = Literal[tuple(SYSTEMS)]  # type: ignore[valid-type]  # the ids of generator.content.grading
SEMVER_PATTERN = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"


class ContentModel(BaseModel):
    """Base for every content object: unknown fields are errors, and each object knows its source location."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=False)

    # (SourceMap, path): set by the loader. One private attribute, and locations computed on demand:
    # pydantic initialises private attributes for every instance, and most locations are never asked for.
    _where: Any = PrivateAttr(default=None)

    def location(self, field: str | None = None) -> Location:
        """Where this object (or one of its fields) was written; its parent's place if the field is absent."""
        where = self._where
        if where is None:
            return Location("<unknown>")
        source, path = where
        if field is not None:
            info = type(self).model_fields.get(field)
            field_path = path + ((info.alias or field) if info is not None else field,)
            if field_path in source.values:
                return source.location(field_path)
        return source.location(path)

    def text_location(self, field: str, offset: int, index: int | None = None) -> Location:
        """The location of character `offset` inside the string field `field` (item `index` of a list field)."""
        value = getattr(self, field, None)
        if index is not None:
            value = value[index] if isinstance(value, list) and 0 <= index < len(value) else None
        if self._where is None or not isinstance(value, str):
            return self.location(field)
        source, path = self._where
        info = type(self).model_fields[field]
        key = path + (info.alias or field,) + ((index,) if index is not None else ())
        return source.text_location(key, offset, value)


# --------------------------------------------------------------------------- guideline.yaml


class Dates(ContentModel):
    effective: dt.date = Field(description="The date this version takes effect (YYYY-MM-DD).")
    review_by: dt.date = Field(description="The date by which the guideline must be reviewed again (YYYY-MM-DD).")
    last_reviewed: dt.date | None = None


class Codes(ContentModel):
    icd10: list[Text] = Field(default_factory=list, description="ICD-10 codes, checked against the WHO list, e.g. C78.0.")
    icd11: list[Text] = Field(default_factory=list, description="ICD-11 codes, e.g. 2D70.")


class Scope(ContentModel):
    population: Text
    setting: Text
    out_of_scope: list[Text] = Field(default_factory=list, description="What the guideline deliberately does not address (another indication, another guideline's question).")
    not_covered: list[Text] = Field(
        default_factory=list,
        description=(
            "Topics inside the scope that this version does not cover because no confirmed reference supports them "
            "(printed under 'Not covered by this version'), so a gap is visible rather than silent."
        ),
    )


class Author(ContentModel):
    role: Text
    responsibility: Literal["author", "reviewer", "approver"] = "approver"
    name: Text | None = None
    organisation: Text | None = None


class ChangelogEntry(ContentModel):
    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)]
    date: dt.date
    changes: list[Text] = Field(min_length=1)
    doi: Text | None = Field(
        default=None,
        description="The DOI registered for this version, once the publisher has one (the next version's "
        "DOI-ready metadata names it with IsNewVersionOf).",
    )

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        if value is not None and (why := doi_problem(value)):
            raise ValueError(why)
        return value


class Section(ContentModel):
    id: Slug
    title: Text
    intro: Text | None = None


class KeyPoint(ContentModel):
    text: Text = Field(description="One short plain sentence summing up what the section's patient text says.")
    statements: list[Slug] = Field(
        min_length=1,
        description="The statements whose patient text (in this section) the point sums up; its numbers must appear there.",
    )


class PatientSection(ContentModel):
    id: Slug
    title: Text
    key_points: list[KeyPoint] = Field(
        default_factory=list,
        description="The section's key points, printed in a box at its start (as published patient guides do).",
    )


class GlossaryEntry(ContentModel):
    term: Text
    definition: Text
    aliases: list[Text] = Field(default_factory=list)


class PatientQuestion(ContentModel):
    text: Text
    statements: list[Slug] = Field(min_length=1)


class CareTeamContact(ContentModel):
    role: Text = Field(description="Who to contact, in plain words, e.g. 'Your lung cancer nurse' or 'Evenings, nights and weekends'.")
    name: Text | None = None
    phone: Text | None = None
    email: Text | None = None
    hours: Text | None = Field(default=None, description="When to call, e.g. 'Monday to Friday, 9 am to 5 pm'.")
    write_in: bool = Field(
        default=False,
        description="True: the leaflet prints blank lines for the name and number, filled in by hand for each patient.",
    )


class PatientSettings(ContentModel):
    title: Text
    care_team: list[CareTeamContact] | None = Field(
        default=None,
        description=(
            "The 'Your care team' contact block. Until the committee fills it in, the leaflet prints a placeholder "
            "and check warns (care-team-placeholder), so --strict and `make pdf` refuse it."
        ),
    )
    reading_grade_max: float = Field(default=8.0, gt=0, le=20)
    long_sentence_words: int = Field(default=25, ge=5, le=200)
    sections: list[PatientSection] = Field(min_length=1)
    glossary: list[GlossaryEntry] = Field(default_factory=list)
    jargon: list[Text] = Field(default_factory=list)
    questions: list[PatientQuestion] = Field(default_factory=list)


class RelatedGuideline(ContentModel):
    """Another guideline of the library that readers of this one need (the documents link to it)."""

    guideline: Slug = Field(description="The id of another guideline in the same library (a folder beside this one).")
    relation: Text = Field(
        description="When a reader should go there, as the start of a sentence the link's title completes, e.g. 'For synchronous disease at diagnosis, see'.",
    )


class OutputSettings(ContentModel):
    page_size: Literal["A4", "letter", "A5"] = "A4"


class GuidelineMeta(ContentModel):
    id: Slug = Field(description="The guideline's stable id (lowercase letters, digits, hyphens): the folder and build/<id>/ name.")
    title: Text
    short_title: Text | None = None
    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN)] = Field(description="Semantic version MAJOR.MINOR.PATCH; every version needs a changelog entry.")
    status: Literal["draft", "published", "retired"] = Field(description="draft (work in progress), published (in clinical use: an overdue review is an error) or retired.")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")] = "en"
    dates: Dates
    codes: Codes = Field(default_factory=Codes)
    grading: GradingSystemId = Field(description="The grading system of every recommendation: esmo (levels I-V, grades A-E) or grade (GRADE).")
    scope: Scope
    related: list[RelatedGuideline] = Field(
        default_factory=list,
        description="Other guidelines of the library this one points readers to; check asks each to point back.",
    )
    summary: Text | None = None
    authors: list[Author] = Field(min_length=1)
    changelog: list[ChangelogEntry] = Field(default_factory=list, description="One entry per version, newest first.")
    sections: list[Section] = Field(min_length=1, description="The chapters of the clinician protocol, in order; statements name their section by id.")
    patient: PatientSettings | None = Field(default=None, description="Settings of the patient explainer; leave out for a clinician-only guideline.")
    output: OutputSettings = Field(default_factory=OutputSettings)
    keywords: list[Text] = Field(default_factory=list)
    publisher: Text | None = Field(
        default=None,
        description="The organisation that publishes the guideline (the publisher of its DOI registrations).",
    )


# --------------------------------------------------------------------------- statements.yaml


class Citation(ContentModel):
    key: Slug = Field(description="The id of a reference in references.yaml.")
    locator: Text | None = Field(default=None, description="Where in the source, e.g. table 2 or p. 1809.")
    quote: Text | None = Field(default=None, description="A short quotation from the source that supports the statement.")


class Grade(ContentModel):
    level: Text = Field(description="ESMO: I, II, III, IV or V. GRADE certainty: high, moderate, low or very-low.")
    strength: Text = Field(description="ESMO: A-E. GRADE: strong-for, conditional-for, conditional-against or strong-against.")
    # Check warns when the declared system asks for a rationale (GRADE) and it is missing.
    rationale: Text | None = Field(
        default=None,
        description="Why a strong recommendation rests on low or very low certainty (GRADE's paradigmatic situations); printed with it.",
    )


class StudySummary(ContentModel):
    """One row of the evidence-summary table."""

    study: Text
    design: Text
    participants: Text
    result: Text


class IconGroup(ContentModel):
    label: Text = Field(description="The group of people, e.g. 'People who had the radiation'.")
    count: int = Field(ge=0, le=1000, description="How many of `of` people had the outcome; the patient text must state it.")


class IconArray(ContentModel):
    """An icon array for a natural frequency the patient text states ("29 in 100 people ...")."""

    outcome: Text = Field(description="What the filled icons mean, in plain words, e.g. 'had side effects that were more than mild'.")
    of: int = Field(ge=10, le=100, description="The size of each group (10 or 100 icons); the patient text must state it.")
    groups: list[IconGroup] = Field(min_length=1, max_length=3)


class PatientText(ContentModel):
    section: Slug = Field(description="The id of a patient section declared under patient.sections in guideline.yaml.")
    text: Text
    also_based_on: list[Slug] = Field(default_factory=list, description="Other statement ids this patient text rests on.")
    icon_array: IconArray | None = Field(
        default=None,
        description="A picture of a number the text states: one row of icons per group, `count` of `of` filled.",
    )


# A number as written in YAML (5, 2.5) or as text ("0.20", "2-3" is two numbers: list them separately).
DefinitionNumber = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?$")] | int | float

StatementKind = Literal["definition", "background", "recommendation", "good-practice", "evidence"]


class Statement(ContentModel):
    id: Slug = Field(description="A stable id, unique in the guideline; the algorithm and patient questions refer to it.")
    kind: StatementKind = Field(description="definition, background, recommendation, good-practice or evidence.")
    section: Slug = Field(description="The id of a section declared in guideline.yaml.")
    title: Text | None = None
    text: Text = Field(description="The clinician text, in Markdown.")
    citations: list[Citation] = Field(default_factory=list, description="At least one reference id (`- smith2020`), or {key, locator, quote}.")
    grade: Grade | None = Field(default=None, description="Recommendations only: {level, strength} from the declared grading system.")
    study: StudySummary | None = Field(default=None, description="Evidence statements: one row of the evidence-summary table.")
    patient: PatientText | None = Field(default=None, description="Optional plain-language text for the patient explainer.")
    last_reviewed: dt.date | None = None
    review_due: dt.date | None = None
    definition_numbers: list[DefinitionNumber] = Field(
        default_factory=list,
        description=(
            "Numbers in this statement's text and patient text that the guideline sets itself (a threshold, an "
            "interval, a protocol choice) rather than reports from a source; the unsupported-number rule accepts "
            "them without a supporting quotation. Keep the list short: a finding belongs in a citation's quote."
        ),
    )
    notes: Text | None = Field(
        default=None,
        description=(
            "Editorial notes for authors and reviewers (what to check, where a figure came from). Never "
            "published: no document, export or preview prints them."
        ),
    )

    @field_validator("citations", mode="before")
    @classmethod
    def _keys_as_citations(cls, value: Any) -> Any:
        """`- weickhardt2012` is shorthand for `- key: weickhardt2012`."""
        if isinstance(value, list):
            return [{"key": item} if isinstance(item, str) else item for item in value]
        return value

    @property
    def citation_keys(self) -> list[str]:
        return [c.key for c in self.citations]


class StatementsFile(ContentModel):
    statements: list[Any] = Field(min_length=1)  # items are validated one by one (see loader)


# --------------------------------------------------------------------------- references (CSL)


class CslName(ContentModel):
    family: Text | None = None
    given: Text | None = None
    literal: Text | None = None
    suffix: Text | None = None
    dropping_particle: Text | None = Field(default=None, alias="dropping-particle")
    non_dropping_particle: Text | None = Field(default=None, alias="non-dropping-particle")


class CslDate(ContentModel):
    date_parts: list[list[int | str]] | None = Field(default=None, alias="date-parts")
    literal: Text | None = None
    raw: Text | None = None


StrOrInt = Annotated[str, StringConstraints(min_length=1)] | int


class Reference(ContentModel):
    """A CSL-JSON / CSL-YAML item (the format Zotero, Pandoc and citeproc speak)."""

    id: Slug = Field(description="The key statements cite this reference by.")
    type: Text = Field(description="The CSL item type, e.g. article-journal, book, chapter, report.")
    title: Text
    DOI: Text = Field(description="The DOI, e.g. 10.1200/JCO.2017.75.3909 (https://doi.org/... and doi: forms are accepted).")
    author: list[CslName] = Field(default_factory=list)
    editor: list[CslName] = Field(default_factory=list)
    container_title: Text | None = Field(default=None, alias="container-title")
    container_title_short: Text | None = Field(default=None, alias="container-title-short")
    collection_title: Text | None = Field(default=None, alias="collection-title")
    publisher: Text | None = None
    issued: CslDate | None = None
    accessed: CslDate | None = None
    volume: StrOrInt | None = None
    issue: StrOrInt | None = None
    page: StrOrInt | None = None
    number: StrOrInt | None = None
    PMID: StrOrInt | None = None
    PMCID: Text | None = None
    ISSN: Text | None = None
    URL: Text | None = None
    language: Text | None = None
    abstract: Text | None = None
    note: Text | None = None
    authors_truncated: bool = Field(
        default=False,
        description="Not CSL: true when `author` holds only the first authors of a longer list (printed with et al.).",
    )
    # Not CSL: a warning a committee must see wherever the reference is cited
    # (a retraction, an expression of concern, a correction).
    caution: Text | None = Field(default=None, description="Not CSL: a warning shown wherever the reference is cited (a retraction, a correction).")
    patient_caution: Text | None = Field(
        default=None,
        description=(
            "Not CSL: the caution in plain language, which the patient explainer shows instead of `caution` "
            "(required when the explainer lists the reference; checked like other patient text)."
        ),
    )


# --------------------------------------------------------------------------- algorithm.yaml


FEATURE_NAME_PATTERN = r"^[a-z][A-Za-z0-9]*$"  # a FHIRPath identifier: conditions write it as %name
FeatureName = Annotated[str, StringConstraints(pattern=FEATURE_NAME_PATTERN, max_length=64)]


class FeatureValue(ContentModel):
    """One value of an enum feature: the code conditions compare with, and the answer a reader sees."""

    code: Slug
    label: Text


class Feature(ContentModel):
    """A fact about the case that the algorithm's conditions read (a question the clinician answers)."""

    name: FeatureName
    type: Literal["boolean", "integer", "enum"]
    question: Text  # plain language, ends with "?"
    statements: list[Slug] = Field(min_length=1)  # the statements that define it
    unit: Text | None = None  # integers: what is counted or measured ("lesions", "ECOG grade")
    min: int | None = None  # integers: the smallest possible value (required)
    max: int | None = None  # integers: the largest possible value (none: unbounded)
    values: list[FeatureValue] = Field(default_factory=list)  # enums: two or more

    @field_validator("values", mode="before")
    @classmethod
    def _codes_as_values(cls, value: Any) -> Any:
        """`- oligo` is shorthand for `- {code: oligo, label: oligo}`."""
        if isinstance(value, list):
            return [{"code": item, "label": item} if isinstance(item, str) else item for item in value]
        return value


class Branch(ContentModel):
    label: Text
    to: Slug
    loop: bool = Field(default=False, description="true for an intended back-edge (e.g. follow-up -> restaging); other cycles are errors.")
    condition: Text | None = Field(default=None, description="FHIRPath over the features (%name), true when this branch applies, e.g. \"%ecog <= 2\".")


class AlgorithmNode(ContentModel):
    id: Slug
    kind: Literal["start", "decision", "action", "end"] = Field(description="start (exactly one), decision (two or more branches), action, or end.")
    label: Text
    detail: Text | None = None
    statements: list[Slug] = Field(default_factory=list, description="The ids of the statements this node rests on (at least one).")
    next: Slug | None = Field(default=None, description="The node that follows a start or action node.")
    branches: list[Branch] = Field(default_factory=list, description="A decision's labelled branches: {label, to}.")

    def edges(self) -> list[tuple[str, str | None, bool]]:
        """Outgoing edges as (target, label, is_declared_loop)."""
        if self.kind == "decision":
            return [(b.to, b.label, b.loop) for b in self.branches]
        if self.next:
            return [(self.next, None, False)]
        return []


class AlgorithmFile(ContentModel):
    title: Text
    description: Text
    features: list[Any] = Field(default_factory=list)  # validated one by one (see loader)
    nodes: list[Any] = Field(min_length=1)  # validated one by one (see loader)


# --------------------------------------------------------------------------- vignettes.yaml

FeatureAnswer = bool | int | str


class Vignette(ContentModel):
    """A patient case: the features' values, and the route through the algorithm they must take."""

    id: Slug
    title: Text
    description: Text | None = None  # Markdown: the case as a worked example
    features: dict[str, FeatureAnswer] = Field(min_length=1)
    route: list[Slug] = Field(default_factory=list)  # optional: every node from the start, in order
    end: Slug  # the node the walk stops at: an end node, or the target of a loop branch

    def value_location(self, name: str):
        """Where the value of feature `name` was written (the features mapping when absent)."""
        if self._where is not None:
            source, path = self._where
            key = path + ("features", name)
            if key in source.values:
                return source.location(key)
        return self.location("features")


class VignettesFile(ContentModel):
    vignettes: list[Any] = Field(min_length=1)  # validated one by one (see loader)


class ReferencesFile(ContentModel):
    references: list[Any] = Field(min_length=1)
