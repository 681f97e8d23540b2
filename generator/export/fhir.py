"""A guideline as a FHIR R5 document Bundle: plain functions that build JSON-ready dicts.

What goes in (see docs/interoperability.md for the mapping and the conventions followed):

* one Composition: the guideline document, sections in the guideline's order, each statement a
  sub-section with its text as narrative and entries pointing to what it rests on;
* one PlanDefinition (type clinical-protocol) for the treatment algorithm: one action per node,
  decisions as groups whose sub-actions carry the branch condition and the relatedAction to the
  next node (`targetId` = the target action's id), each action's documentation pointing to its
  statements and their citations; a computable algorithm's conditions are FHIRPath (`text/fhirpath`);
* one Library (logic-library) when the algorithm declares case features: its input parameters are the
  features the conditions read as %name;
* one PlanDefinition (type eca-rule, after the HL7 CPG IG's RecommendationDefinition) per
  recommendation or good-practice statement, its action carrying strength and certainty of
  evidence in the core extensions cqf-strengthOfRecommendation / cqf-qualityOfEvidence;
* one Citation per reference (DOI and PMID as identifiers, after the EBM-on-FHIR IG).

Nothing here reads the clock: the timestamp comes from SOURCE_DATE_EPOCH or the guideline's dates,
and every id is derived from the guideline id plus a statement, reference or node id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path
from typing import Any

from generator.content import doi as doi_mod
from generator.content.grading import ESMO, SYSTEMS
from generator.content.guideline import Guideline
from generator.content.markdown import render_block
from generator.content.models import Reference, Statement
from generator.content.po import direction
from generator.content.signoff import current_approvals
from generator.content.translations import current_text, source_entries
from generator.render import citations as ama
from generator.errors import GuidelineError

# The one place naming this project's own FHIR namespace (code systems, canonical URLs, fullUrls).
# Change it to the publishing organisation's base URL before exchanging bundles for real.
CANONICAL_BASE = "https://guideline-as-code.example/fhir"


def grading_code_system(system_id: str) -> str:
    """The URI of a grading scale's code system (ids from generator.content.grading)."""
    return f"{CANONICAL_BASE}/CodeSystem/{system_id}"


CS_ESMO_LEVEL = grading_code_system(ESMO.level_code_system_id)
CS_ESMO_GRADE = grading_code_system(ESMO.strength_code_system_id)
CS_STATEMENT_KIND = f"{CANONICAL_BASE}/CodeSystem/statement-kind"
CS_NODE_KIND = f"{CANONICAL_BASE}/CodeSystem/algorithm-node-kind"
CS_PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
CS_DOCUMENT_TYPE = f"{CANONICAL_BASE}/CodeSystem/document-type"
NS_GUIDELINE = f"{CANONICAL_BASE}/NamingSystem/guideline"

HL7_PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
HL7_EVIDENCE_QUALITY = "http://terminology.hl7.org/CodeSystem/evidence-quality"
HL7_RECOMMENDATION_STRENGTH = "http://terminology.hl7.org/CodeSystem/recommendation-strength"
HL7_USAGE_CONTEXT = "http://terminology.hl7.org/CodeSystem/usage-context-type"
HL7_LIBRARY_TYPE = "http://terminology.hl7.org/CodeSystem/library-type"
EXT_STRENGTH = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
EXT_QUALITY = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
SYSTEM_ICD10 = "http://hl7.org/fhir/sid/icd-10"
SYSTEM_ICD11 = "http://id.who.int/icd/release/11/mms"
SYSTEM_URI = "urn:ietf:rfc:3986"
SYSTEM_DOI = "https://doi.org"
SYSTEM_PMID = "https://pubmed.ncbi.nlm.nih.gov"
SYSTEM_PMCID = "https://www.ncbi.nlm.nih.gov/pmc"

BUNDLE_FILENAME = "fhir-bundle.json"
RECOMMENDATION_KINDS = ("recommendation", "good-practice")

_STATUS_COMPOSITION = {"draft": "preliminary", "published": "final", "retired": "deprecated"}
_STATUS_ARTIFACT = {"draft": "draft", "published": "active", "retired": "retired"}
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


class ExportError(GuidelineError):
    """The guideline cannot be exported (it did not load completely)."""


# --------------------------------------------------------------------------- ids and small helpers
#
# Element ids inside a resource are namespaced ("section.<id>", "statement.<id>", "node.<id>",
# "branch.<node>.<target>", "extra.references"): slugs hold no dots, so a guideline section called
# "references" or a statement sharing a section's id can never produce duplicate element ids.


def fhir_id(*parts: str) -> str:
    """A valid FHIR id (`[A-Za-z0-9-.]{1,64}`) from slug parts, stable across builds.

    Slugs are already valid id characters; when the joined id is longer than 64 characters it is
    shortened and suffixed with a hash of the full id, so distinct long ids stay distinct.
    """
    raw = "-".join(parts)
    if _FHIR_ID.match(raw):
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
    cleaned = re.sub(r"[^A-Za-z0-9\-.]", "-", raw)[: 64 - 13].rstrip("-.") or "id"
    return f"{cleaned}-{digest}"


def composition_id(g: Guideline) -> str:
    return fhir_id(g.id, "guideline")


def algorithm_id(g: Guideline) -> str:
    return fhir_id(g.id, "algorithm")


def features_id(g: Guideline) -> str:
    return fhir_id(g.id, "features")


def recommendation_id(g: Guideline, statement_id: str) -> str:
    return fhir_id(g.id, "rec", statement_id)


def citation_id(g: Guideline, reference_id: str) -> str:
    return fhir_id(g.id, "ref", reference_id)


def full_url(resource_type: str, rid: str) -> str:
    return f"{CANONICAL_BASE}/{resource_type}/{rid}"


def _ref(resource_type: str, rid: str, display: str | None = None) -> dict:
    out = {"reference": f"{resource_type}/{rid}"}
    if display:
        out["display"] = display
    return out


def _computable_name(text: str) -> str:
    """`rec-local-therapy` -> `RecLocalTherapy` (FHIR's cnl-0: a name usable as an identifier)."""
    words = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not name or not name[0].isalpha():
        name = "N" + name
    return name[:255]


def _narrative(inner_html: str) -> dict:
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{inner_html}</div>'}


def _markdown_xhtml(text: str) -> str:
    """Statement Markdown as XHTML for a narrative; plain escaped text if the HTML is not well-formed XML."""
    html = render_block(text).strip()
    try:
        ET.fromstring(f"<div>{html}</div>")
    except ET.ParseError:
        return f"<p>{escape(text.strip())}</p>"
    return html


def _plain(text: str) -> str:
    """Markdown reduced to one line of plain text (for titles and displays)."""
    s = re.sub(r"[*_`]+", "", text)
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    return " ".join(s.split())


def _statement_title(s: Statement) -> str:
    if s.title:
        return s.title
    plain = _plain(s.text)
    return plain if len(plain) <= 80 else plain[:77].rstrip() + "..."


def export_timestamp(g: Guideline, environ: dict | None = None) -> str:
    """The bundle's fixed timestamp: SOURCE_DATE_EPOCH when set, else the guideline's latest own date."""
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        moment = dt.datetime.fromtimestamp(int(raw), tz=dt.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    dates = g.meta.dates
    candidates = [dates.effective] + ([dates.last_reviewed] if dates.last_reviewed else [])
    candidates += [c.date for c in g.meta.changelog if c.version == g.meta.version]
    return max(candidates).isoformat() + "T00:00:00Z"


def _use_context(g: Guideline) -> list[dict]:
    codings = [{"system": SYSTEM_ICD10, "code": c} for c in g.meta.codes.icd10]
    codings += [{"system": SYSTEM_ICD11, "code": c} for c in g.meta.codes.icd11]
    if not codings:
        return []
    return [
        {
            "code": {"system": HL7_USAGE_CONTEXT, "code": "focus", "display": "Clinical Focus"},
            # CodeableConcept.text is a plain string: the population's Markdown is reduced to text.
            "valueCodeableConcept": {"coding": codings, "text": _plain(g.meta.scope.population)},
        }
    ]


def _author_display(a) -> str:
    bits = [b for b in (a.name, a.role, a.organisation) if b]
    return ", ".join(bits)


# --------------------------------------------------------------------------- grading


def grading_extensions(g: Guideline, s: Statement) -> list[dict]:
    """cqf-strengthOfRecommendation and cqf-qualityOfEvidence for a graded statement.

    Each carries the HL7 code where the grading system maps one (GRADE), then the system's own code,
    so a reader that knows only HL7's codes and one that knows the system both find theirs."""
    if s.grade is None:
        return []
    system = SYSTEMS[g.meta.grading]
    level, strength = system.level(s.grade.level), system.strength(s.grade.strength)
    level_codings, strength_codings = [], []
    if level is not None and level.hl7_quality:
        level_codings.append({"system": HL7_EVIDENCE_QUALITY, "code": level.hl7_quality, "display": f"{level.label.capitalize()} quality"})
    level_codings.append({"system": grading_code_system(system.level_code_system_id), "code": s.grade.level, "display": level.meaning if level else s.grade.level})
    if strength is not None and strength.hl7_strength:
        hl7 = strength.hl7_strength
        strength_codings.append({"system": HL7_RECOMMENDATION_STRENGTH, "code": hl7, "display": hl7.capitalize()})
    strength_codings.append(
        {"system": grading_code_system(system.strength_code_system_id), "code": s.grade.strength, "display": strength.meaning if strength else s.grade.strength}
    )
    return [
        {
            "url": EXT_STRENGTH,
            "valueCodeableConcept": {"coding": strength_codings, "text": f"{system.strength_axis}: {system.strength_text(s.grade.strength)}"},
        },
        {
            "url": EXT_QUALITY,
            "valueCodeableConcept": {"coding": level_codings, "text": f"{system.level_axis}: {system.level_text(s.grade.level)}"},
        },
    ]


def grade_text(g: Guideline, s: Statement) -> str | None:
    if s.grade is None:
        return None
    return SYSTEMS[g.meta.grading].describe(s.grade.level, s.grade.strength)


# --------------------------------------------------------------------------- citations


def citation_summary(ref: Reference) -> str:
    """The reference's AMA entry as plain text: the same formatter the clinician protocol prints."""
    return ama.plain_text(ama.format_reference(ref))


def citation_resource(g: Guideline, ref: Reference, timestamp: str) -> dict:
    rid = citation_id(g, ref.id)
    doi = doi_mod.normalise(ref.DOI)
    identifiers = [
        {"type": {"text": "DOI"}, "system": SYSTEM_DOI, "value": doi},
        {"type": {"text": "DOI (URI)"}, "system": SYSTEM_URI, "value": doi_mod.url(ref.DOI)},
    ]
    if ref.PMID is not None:
        identifiers.append({"type": {"text": "PMID"}, "system": SYSTEM_PMID, "value": str(ref.PMID)})
    if ref.PMCID:
        identifiers.append({"type": {"text": "PMCID"}, "system": SYSTEM_PMCID, "value": ref.PMCID})
    artifact: dict[str, Any] = {
        "identifier": identifiers,
        "title": [{"text": ref.title}],
        "webLocation": [{"classifier": [{"text": "DOI based"}], "url": doi_mod.url(ref.DOI)}],
    }
    if ref.abstract:
        artifact["abstract"] = [{"text": ref.abstract}]
    form: dict[str, Any] = {}
    if ref.container_title:
        form["publishedIn"] = {"title": ref.container_title}
        if ref.publisher:
            form["publishedIn"]["publisher"] = {"display": ref.publisher}
    for src, dst in (("volume", "volume"), ("issue", "issue"), ("page", "pageString")):
        value = getattr(ref, src)
        if value is not None:
            form[dst] = str(value)
    year = ama.year(ref.issued)
    if year:
        form["publicationDateText"] = year
    if form:
        artifact["publicationForm"] = [form]
    if ref.author:
        artifact["contributorship"] = {
            "complete": not ref.authors_truncated,
            "entry": [
                {"contributor": {"display": ama.author_name(a)}, "rankingOrder": i + 1} for i, a in enumerate(ref.author)
            ],
        }
    if ref.caution:
        artifact["note"] = [{"text": f"Caution: {ref.caution}"}]
    summary = citation_summary(ref)
    return {
        "resourceType": "Citation",
        "id": rid,
        "url": full_url("Citation", rid),
        "identifier": [{"system": NS_GUIDELINE, "value": f"{g.id}/reference/{ref.id}"}],
        "status": "active",
        "title": ref.title,
        "date": timestamp,
        "text": _narrative(f"<p>{escape(summary)}</p>"),
        "summary": [{"style": {"text": "AMA-like"}, "text": summary}],
        "citedArtifact": artifact,
    }


def _citation_artifacts(g: Guideline, s: Statement, kind: str) -> list[dict]:
    """RelatedArtifacts of `kind` pointing at the Citations a statement cites (locator/quote kept)."""
    refs = g.references_by_id
    out = []
    for c in s.citations:
        ref = refs.get(c.key)
        if ref is None:
            continue
        art: dict[str, Any] = {
            "type": kind,
            "label": c.key,
            "display": ref.title,
            "citation": citation_summary(ref),
            "resourceReference": _ref("Citation", citation_id(g, ref.id)),
        }
        notes = [n for n in (f"locator: {c.locator}" if c.locator else None, f"quote: {c.quote}" if c.quote else None) if n]
        if notes:
            art["citation"] += " (" + "; ".join(notes) + ")"
        out.append(art)
    return out


# --------------------------------------------------------------------------- recommendations


def recommendation_resource(g: Guideline, s: Statement, timestamp: str) -> dict:
    rid = recommendation_id(g, s.id)
    meta = g.meta
    action: dict[str, Any] = {
        "id": f"statement.{s.id}",
        "linkId": s.id,
        "title": _statement_title(s),
        "description": s.text.strip(),
        "textEquivalent": _plain(s.text),
        "documentation": _citation_artifacts(g, s, "justification"),
    }
    extensions = grading_extensions(g, s)
    if extensions:
        action["extension"] = extensions
    description = s.text.strip()
    graded = grade_text(g, s)
    if graded:
        description += f"\n\n({graded})"
    period = {"start": meta.dates.effective.isoformat(), "end": (s.review_due or meta.dates.review_by).isoformat()}
    resource = _plan_definition(
        g, rid, f"{g.id}/statement/{s.id}", _computable_name(s.id), _statement_title(s), ("eca-rule", "ECA Rule"), timestamp, period
    )
    resource.update({
        "description": description,
        "topic": [{"coding": [{"system": CS_STATEMENT_KIND, "code": s.kind}], "text": s.kind}],
        "relatedArtifact": _citation_artifacts(g, s, "citation")
        + [
            {
                "type": "part-of",
                "display": meta.title,
                "resourceReference": _ref("Composition", composition_id(g), meta.title),
            }
        ],
        "text": _narrative(_statement_xhtml(g, s)),
        "action": [action],
    })
    return _finish_plan_definition(g, resource, s.last_reviewed or meta.dates.last_reviewed)


def _plan_definition(g: Guideline, rid: str, key: str, name: str, title: str, plan_type: tuple[str, str], timestamp: str, period: dict) -> dict:
    """The fields every PlanDefinition of a guideline shares (the algorithm's and each recommendation's)."""
    return {
        "resourceType": "PlanDefinition",
        "id": rid,
        "url": full_url("PlanDefinition", rid),
        "identifier": [{"system": NS_GUIDELINE, "value": key}],
        "version": g.meta.version,
        "name": name,
        "title": title,
        "type": {"coding": [{"system": HL7_PLAN_TYPE, "code": plan_type[0], "display": plan_type[1]}]},
        "status": _STATUS_ARTIFACT[g.meta.status],
        "date": timestamp,
        "effectivePeriod": period,
    }


def _finish_plan_definition(g: Guideline, resource: dict, last_reviewed) -> dict:
    if last_reviewed:
        resource["lastReviewDate"] = last_reviewed.isoformat()
    uc = _use_context(g)
    if uc:
        resource["useContext"] = uc
    return resource


def _statement_xhtml(g: Guideline, s: Statement) -> str:
    html = _markdown_xhtml(s.text)
    graded = grade_text(g, s)
    numbers = ama.reference_numbers(g)
    cited = sorted({numbers[k] for k in s.citation_keys if k in numbers})
    extra = []
    if graded:
        extra.append(escape(graded))
    if cited:
        extra.append("References: " + ", ".join(f"[{n}]" for n in cited))
    if extra:
        html += "<p>" + " · ".join(extra) + "</p>"
    return html


# --------------------------------------------------------------------------- algorithm


def _node_documentation(g: Guideline, statement_ids: list[str]) -> list[dict]:
    out = []
    by_id = g.statements_by_id
    for sid in statement_ids:
        s = by_id.get(sid)
        if s is None:
            continue
        art: dict[str, Any] = {"type": "justification", "label": sid, "display": _statement_title(s)}
        if s.kind in RECOMMENDATION_KINDS:
            art["resourceReference"] = _ref("PlanDefinition", recommendation_id(g, sid))
        else:
            art["resourceReference"] = _ref("Composition", composition_id(g), f"{g.meta.title}, statement {sid}")
        out.append(art)
        out.extend(_citation_artifacts(g, s, "citation"))
    # One citation entry per reference, even when several statements share it.
    seen: set[tuple] = set()
    unique = []
    for art in out:
        key = (art["type"], art.get("label"))
        if key not in seen:
            seen.add(key)
            unique.append(art)
    return unique


def algorithm_resource(g: Guideline, timestamp: str) -> dict:
    rid = algorithm_id(g)
    meta = g.meta
    algo = g.algorithm
    actions = []
    for node in g.nodes:
        action: dict[str, Any] = {
            "id": f"node.{node.id}",
            "linkId": node.id,
            "title": node.label,
            "code": {"coding": [{"system": CS_NODE_KIND, "code": node.kind}], "text": node.kind},
            "documentation": _node_documentation(g, node.statements),
        }
        if node.detail:
            action["description"] = node.detail
        if node.kind == "decision":
            action["groupingBehavior"] = "logical-group"
            action["selectionBehavior"] = "exactly-one"
            sub = []
            used: set[str] = set()
            for i, branch in enumerate(node.branches):
                condition = f"{node.label} {branch.label}"
                if branch.condition is not None:  # computable: FHIRPath over the case features (%name)
                    expression = {"description": condition, "language": "text/fhirpath", "expression": branch.condition.strip()}
                else:  # a narrative algorithm: the question and the branch, for people
                    expression = {"description": condition, "language": "text/plain", "expression": condition}
                # Slugs hold no dots, so a branch linkId never equals a node's.
                link = f"{node.id}.{branch.to}" if f"{node.id}.{branch.to}" not in used else f"{node.id}.{branch.to}.{i + 1}"
                used.add(link)
                branch_action: dict[str, Any] = {
                    "id": f"branch.{link}",
                    "linkId": link,
                    "title": branch.label,
                    "condition": [{"kind": "applicability", "expression": expression}],
                    # targetId names an action's id (invariant pld-4), not its linkId.
                    "relatedAction": [{"targetId": f"node.{branch.to}", "relationship": "before-start"}],
                }
                if branch.loop:
                    branch_action["description"] = f"Loops back to '{g.nodes_by_id[branch.to].label}'" if branch.to in g.nodes_by_id else "Loops back"
                sub.append(branch_action)
            action["action"] = sub
        elif node.next:
            action["relatedAction"] = [{"targetId": f"node.{node.next}", "relationship": "before-start"}]
        actions.append(action)
    steps = "".join(f"<li>{escape(n.label)}</li>" for n in g.nodes)
    resource = _plan_definition(
        g,
        rid,
        f"{g.id}/algorithm",
        _computable_name(f"{g.id}-algorithm"),
        algo.title if algo else f"{meta.title}: treatment algorithm",
        ("clinical-protocol", "Clinical Protocol"),
        timestamp,
        {"start": meta.dates.effective.isoformat(), "end": meta.dates.review_by.isoformat()},
    )
    resource.update({
        "relatedArtifact": [
            {"type": "part-of", "display": meta.title, "resourceReference": _ref("Composition", composition_id(g), meta.title)}
        ],
        "text": _narrative(f"<p>{escape(algo.description if algo else meta.title)}</p><ol>{steps}</ol>"),
        "action": actions,
    })
    if algo:
        resource["description"] = algo.description
    if g.features:
        resource["library"] = [full_url("Library", features_id(g))]
    return _finish_plan_definition(g, resource, meta.dates.last_reviewed)


# FHIR type of each feature's value, as the FHIRPath environment variable carries it.
FEATURE_FHIR_TYPES = {"boolean": "boolean", "integer": "integer", "enum": "code"}


def feature_domain_text(f) -> str:
    """What values a feature takes, in words (the parameter's documentation and the narrative)."""
    if f.type == "boolean":
        return "true or false"
    if f.type == "integer":
        unit = f" ({f.unit})" if f.unit else ""
        if f.max is None:
            return f"an integer, {f.min} or more{unit}"
        return f"an integer from {f.min} to {f.max}{unit}"
    return "one of the codes " + ", ".join(f"{v.code!r} ({v.label})" for v in f.values)


def features_resource(g: Guideline, timestamp: str) -> dict:
    """A Library (logic-library) whose input parameters are the case features the conditions read."""
    rid = features_id(g)
    meta = g.meta
    parameters = []
    rows = []
    for f in g.features:
        doc = f"{f.question} Value: {feature_domain_text(f)}. Defined by statement(s) {', '.join(f.statements)}."
        parameters.append({"name": f.name, "use": "in", "min": 0, "max": "1", "type": FEATURE_FHIR_TYPES[f.type], "documentation": doc})
        rows.append(f"<li><code>%{escape(f.name)}</code>: {escape(f.question)} ({escape(feature_domain_text(f))})</li>")
    return {
        "resourceType": "Library",
        "id": rid,
        "url": full_url("Library", rid),
        "identifier": [{"system": NS_GUIDELINE, "value": f"{g.id}/features"}],
        "version": meta.version,
        "name": _computable_name(f"{g.id}-features"),
        "title": f"{g.algorithm.title}: case features" if g.algorithm else f"{meta.title}: case features",
        "status": _STATUS_ARTIFACT[meta.status],
        "type": {"coding": [{"system": HL7_LIBRARY_TYPE, "code": "logic-library", "display": "Logic Library"}]},
        "date": timestamp,
        "description": "The facts about a case that the treatment algorithm's conditions read. Each is bound as the "
        "FHIRPath environment variable of its name (%name) when a condition is evaluated.",
        "text": _narrative(f"<p>Case features of the treatment algorithm.</p><ul>{''.join(rows)}</ul>"),
        "parameter": parameters,
        "relatedArtifact": [
            {"type": "part-of", "display": meta.title, "resourceReference": _ref("Composition", composition_id(g), meta.title)}
        ],
    }


# --------------------------------------------------------------------------- the document


def composition_resource(g: Guideline, timestamp: str) -> dict:
    meta = g.meta
    rid = composition_id(g)
    numbers = ama.reference_numbers(g)
    sections = []
    for sec in meta.sections:
        statements = [s for s in g.statements if s.section == sec.id]
        sub = []
        entries: list[dict] = []
        for s in statements:
            s_entries = []
            if s.kind in RECOMMENDATION_KINDS:
                s_entries.append(_ref("PlanDefinition", recommendation_id(g, s.id), _statement_title(s)))
            for key in dict.fromkeys(s.citation_keys):
                if key in g.references_by_id:
                    s_entries.append(_ref("Citation", citation_id(g, key), f"[{numbers[key]}] {key}"))
            item: dict[str, Any] = {
                "id": f"statement.{s.id}",
                "title": _statement_title(s),
                "code": {"coding": [{"system": f"{NS_GUIDELINE}/{g.id}/statement", "code": s.id}], "text": s.kind},
                "text": _narrative(_statement_xhtml(g, s)),
            }
            if s_entries:
                item["entry"] = s_entries
            sub.append(item)
            entries.extend(e for e in s_entries if e not in entries)
        intro = _markdown_xhtml(sec.intro) if sec.intro else ""
        listing = "".join(f"<li>{escape(_statement_title(s))}</li>" for s in statements)
        section: dict[str, Any] = {
            "id": f"section.{sec.id}",
            "title": sec.title,
            "code": {"coding": [{"system": f"{NS_GUIDELINE}/{g.id}/section", "code": sec.id}], "text": sec.title},
            "text": _narrative(intro + (f"<ul>{listing}</ul>" if listing else "<p>No statements.</p>")),
        }
        if entries:
            section["entry"] = entries
        if sub:
            section["section"] = sub
        sections.append(section)

    sections.append(
        {
            "id": "extra.treatment-algorithm",
            "title": g.algorithm.title if g.algorithm else "Treatment algorithm",
            "text": _narrative(f"<p>{escape(g.algorithm.description if g.algorithm else 'Treatment algorithm')}</p>"),
            "entry": [_ref("PlanDefinition", algorithm_id(g))] + ([_ref("Library", features_id(g))] if g.features else []),
        }
    )
    ordered_refs = sorted(g.references, key=lambda r: numbers[r.id])
    sections.append(
        {
            "id": "extra.references",
            "title": "References",
            "text": _narrative(
                "<ol>" + "".join(f"<li>{escape(citation_summary(r))}</li>" for r in ordered_refs) + "</ol>"
            ),
            "entry": [_ref("Citation", citation_id(g, r.id), f"[{numbers[r.id]}] {r.id}") for r in ordered_refs],
        }
    )
    patient_info = patient_section(g)
    if patient_info is not None:
        sections.append(patient_info)
    if meta.changelog:
        items = "".join(
            f"<li>{escape(c.version)} ({c.date.isoformat()}): {escape('; '.join(c.changes))}</li>" for c in meta.changelog
        )
        sections.append({"id": "extra.version-history", "title": "Version history", "text": _narrative(f"<ul>{items}</ul>")})

    authors = [{"display": _author_display(a)} for a in meta.authors]
    attesters = [
        {
            "mode": {"coding": [{"system": "http://hl7.org/fhir/composition-attestation-mode", "code": "official"}]},
            "time": a["approval"].date.isoformat(),
            "party": {"display": a["display"]},
        }
        for a in current_approvals(g)
    ]
    summary = f"<p>{escape(meta.title)}, version {escape(meta.version)} ({escape(meta.status)}).</p>"
    if meta.summary:
        summary += _markdown_xhtml(meta.summary)
    resource: dict[str, Any] = {
        "resourceType": "Composition",
        "id": rid,
        "url": full_url("Composition", rid),
        "identifier": [{"system": NS_GUIDELINE, "value": g.id}],
        "version": meta.version,
        "status": _STATUS_COMPOSITION[meta.status],
        "type": {
            "coding": [{"system": CS_DOCUMENT_TYPE, "code": "clinical-practice-guideline", "display": "Clinical practice guideline"}],
            "text": "Clinical practice guideline",
        },
        "date": timestamp,
        "title": meta.title,
        "language": meta.language,
        "author": authors,
        "text": _narrative(summary),
        "section": sections,
    }
    if attesters:
        resource["attester"] = attesters
    uc = _use_context(g)
    if uc:
        resource["useContext"] = uc
    return resource


TRANSLATION_EXTENSION = "http://hl7.org/fhir/StructureDefinition/translation"


def _translated(g: Guideline) -> dict[str, dict[str, str]]:
    """context -> {language: text}: only current translations (never fuzzy, stale or missing ones)."""
    out: dict[str, dict[str, str]] = {}
    for source in source_entries(g):
        for language, t in sorted(g.translations.items()):
            text = current_text(t, source)
            if text is not None:
                out.setdefault(source.key, {})[language] = text
    return out


def translation_extension(texts: dict[str, str]) -> dict:
    """The `_element` of a string element carrying its translations (the core translation extension)."""
    return {
        "extension": [
            {
                "url": TRANSLATION_EXTENSION,
                "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text}],
            }
            for lang, text in sorted(texts.items())
        ]
    }


def _language_div(language: str, inner: str) -> str:
    rtl = ' dir="rtl"' if direction(language) == "rtl" else ""
    return f'<div lang="{escape(language)}" xml:lang="{escape(language)}"{rtl}>{inner}</div>'


def patient_section(g: Guideline) -> dict | None:
    """The patient explainer's text as a Composition section, each patient section a sub-section.

    Titles carry their translations with the translation extension; each narrative holds one
    `<div lang>` per language (the source first), a language only where every paragraph of the
    section has a current translation (a narrative is never half translated).
    """
    patient = g.meta.patient
    if patient is None:
        return None
    translated = _translated(g)
    source_language = g.meta.language
    subs = []
    for sec in patient.sections:
        members = [s for s in g.statements if s.patient is not None and s.patient.section == sec.id]
        if not members:
            continue
        keys = [f"statement:{s.id}:patient.text" for s in members]
        divs = [_language_div(source_language, "".join(_markdown_xhtml(s.patient.text) for s in members))]
        for language in sorted(g.translations):
            if all(language in translated.get(k, {}) for k in keys):
                divs.append(_language_div(language, "".join(_markdown_xhtml(translated[k][language]) for k in keys)))
        item: dict[str, Any] = {
            "id": f"patient.{sec.id}",
            "title": sec.title,
            "code": {"coding": [{"system": f"{NS_GUIDELINE}/{g.id}/patient-section", "code": sec.id}], "text": sec.title},
            "text": _narrative("".join(divs)),
        }
        title_key = f"patient-section:{sec.id}:title"
        if translated.get(title_key):
            item["_title"] = translation_extension(translated[title_key])
        subs.append(item)
    section: dict[str, Any] = {
        "id": "extra.patient-information",
        "title": patient.title,
        "text": _narrative(f"<p>{escape(patient.title)}</p>"),
        "section": subs,
    }
    if translated.get("patient:title"):
        section["_title"] = translation_extension(translated["patient:title"])
    return section if subs else None


def provenance_resource(g: Guideline, entry) -> dict:
    """The Provenance of one release (changelog entry): who approved that version, and its release tag."""
    record = g.signoff
    agents = []
    for a in record.approvals if record else []:
        member = record.member(a.member)
        if a.version == entry.version and member is not None:
            agents.append({
                "type": {"coding": [{"system": CS_PROVENANCE_PARTICIPANT, "code": "attester", "display": "Attester"}]},
                "role": [{"text": a.role}],
                "who": {"display": ", ".join(p for p in (member.name, a.role, member.organisation) if p)},
            })
    if not agents:  # no approval recorded for this version: the panel as author
        agents.append({
            "type": {"coding": [{"system": CS_PROVENANCE_PARTICIPANT, "code": "author", "display": "Author"}]},
            "who": {"display": "; ".join(_author_display(a) for a in g.meta.authors)},
        })
    rid = composition_id(g)
    who = "; ".join(escape(agent["who"]["display"]) for agent in agents)
    role = "approved by" if agents[0]["type"]["coding"][0]["code"] == "attester" else "written by"
    return {
        "resourceType": "Provenance",
        "id": fhir_id(g.id, "provenance", entry.version.replace("+", "-")),
        # dom-6: a resource should carry a narrative (what a person reading the bundle sees)
        "text": _narrative(f"<p>Release of version {escape(entry.version)} on {entry.date.isoformat()}, {role} {who}.</p>"),
        "target": [{"reference": f"Composition/{rid}"}],
        "occurredDateTime": entry.date.isoformat(),
        "recorded": f"{entry.date.isoformat()}T00:00:00Z",
        "activity": {"text": f"Release of version {entry.version}"},
        "agent": agents,
        "entity": [{
            "role": "source",
            "what": {"identifier": {"system": f"{NS_GUIDELINE}/release-tag", "value": f"{g.id}/v{entry.version}"}},
        }],
    }


def build_bundle(g: Guideline, environ: dict | None = None) -> dict:
    """The whole FHIR R5 document Bundle for a loaded guideline, as plain dicts."""
    if g.meta is None or not g.complete:
        raise ExportError(f"{g.id}: the guideline did not load completely; run `guideline check` and fix it first")
    timestamp = export_timestamp(g, environ)
    resources = [composition_resource(g, timestamp), algorithm_resource(g, timestamp)]
    if g.features:
        resources.append(features_resource(g, timestamp))
    resources += [recommendation_resource(g, s, timestamp) for s in g.statements if s.kind in RECOMMENDATION_KINDS]
    resources += [citation_resource(g, r, timestamp) for r in g.references]
    # The Provenance of this release (the bundle is the document of one version; each release's bundle
    # carries its own): who approved it, when, and its release tag.
    resources += [provenance_resource(g, entry) for entry in g.meta.changelog if entry.version == g.meta.version]
    return {
        "resourceType": "Bundle",
        "id": fhir_id(g.id, "bundle"),
        "identifier": {"system": NS_GUIDELINE, "value": f"{g.id}/{g.meta.version}"},
        "type": "document",
        "timestamp": timestamp,
        "entry": [{"fullUrl": full_url(r["resourceType"], r["id"]), "resource": r} for r in resources],
    }


def serialise(bundle: dict) -> bytes:
    """Deterministic JSON: sorted keys, fixed indentation, UTF-8, trailing newline."""
    return (json.dumps(bundle, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file + fsync + os.replace (generator.build.atomic), so readers never see half a file."""
    from generator.build.atomic import write_bytes

    write_bytes(path, data)


def validate_bundle(bundle: dict) -> None:
    """Parse with the fhir.resources R5 models; raises ValueError (pydantic ValidationError) when invalid."""
    from fhir.resources.bundle import Bundle

    Bundle.model_validate(bundle)


def export_guideline(g: Guideline, out: Path, environ: dict | None = None, validate: bool = True) -> Path:
    """Build, validate and write `<out>/<guideline-id>/fhir-bundle.json`; returns the path written."""
    bundle = build_bundle(g, environ)
    if validate:
        validate_bundle(bundle)
    path = Path(out) / g.id / BUNDLE_FILENAME
    write_atomic(path, serialise(bundle))
    return path
