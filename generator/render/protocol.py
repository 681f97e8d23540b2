"""The clinician protocol as HTML (templates/protocol/protocol.html), the source of the PDF too.

view(guideline) projects everything the protocol prints (numbered statements, citation numbers,
AMA references, the pathway, the grading legend, ...) into JSON-serialisable data; render(view, deps)
fills the template. Author Markdown stays Markdown in the view and is rendered by the template's
`markdown` filters (raw HTML off), so content is always text.
"""

from __future__ import annotations

import base64
import hashlib
import re

from generator.history.changes import what_changed_summary
from generator.render.documents import ViewInputs
from generator.content.grading import SYSTEMS
from generator.content.guideline import Guideline
from generator.content.models import Statement
from generator.content.pathway import Pathway
from generator.render import citations, flowchart, pdf_info
from generator.render.environment import asset_text, render_template
from generator.render.numbering import number_key, ordered_statements, statement_numbers
from generator.render.typography import plain_text
from generator.render.signoff import signoff_view

TEMPLATE = "protocol/protocol.html"
WALK_SCRIPT = "protocol/walk.js"  # the pathway panel's script, inlined

KIND_LABELS = {
    "definition": "Definition",
    "background": "Background",
    "recommendation": "Recommendation",
    "good-practice": "Good practice point",
    "evidence": "Evidence",
}
STATUS_LABELS = {"draft": "Draft", "published": "Published", "retired": "Retired"}
RECOMMENDATION_KINDS = ("recommendation", "good-practice")  # the R series and the summary table


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def _icd10(code: str) -> dict:
    from generator.content.codes import icd10_description, icd10_exists  # loads the WHO list lazily

    description = icd10_description(code) if icd10_exists(code) else ""
    return {"code": code, "description": description}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _grading(system_id: str) -> dict:
    """The declared grading system as the legend and the summary table print it."""
    system = SYSTEMS[system_id]
    return {
        "id": system.id,
        "name": system.name,
        "level_axis": system.level_axis,
        "level_label": system.level_axis.split()[0],  # a column heading: "Level", "Certainty"
        "strength_label": system.strength_axis.split()[0],  # "Grade", "Strength"
        "strength_axis": system.strength_axis,
        "strength_first": system.strength_first,
        "levels": [
            {"code": x.code, "label": _cap(x.label), "text": system.level_text(x.code), "meaning": x.meaning} for x in system.levels
        ],
        "strengths": [
            {
                "code": x.code,
                "label": _cap(x.label),
                "text": system.strength_text(x.code),
                "meaning": x.meaning,
                "direction": x.direction,
                "strong": x.strong,
                "wording": x.clinician_wording,
            }
            for x in system.strengths
        ],
    }


def _grade(system, grade) -> dict:
    """One recommendation's grade: codes, printed badges, legend meanings, and the rationale if any."""
    level, strength = system.level(grade.level), system.strength(grade.strength)
    badges = [
        {"axis": "level", "text": system.level_text(grade.level), "meaning": level.meaning if level else ""},
        {"axis": "strength", "text": system.strength_text(grade.strength), "meaning": strength.meaning if strength else ""},
    ]
    return {
        "badges": badges[::-1] if system.strength_first else badges,
        "level": grade.level,
        "strength": grade.strength,
        "level_label": _cap(level.label) if level else grade.level,  # "IV", "Low"
        "strength_label": _cap(strength.label) if strength else grade.strength,  # "C", "Conditional recommendation for"
        "level_text": system.level_text(grade.level),
        "strength_text": system.strength_text(grade.strength),
        "level_meaning": level.meaning if level else "",
        "strength_meaning": strength.meaning if strength else "",
        "direction": strength.direction if strength else None,
        "strong": strength.strong if strength else False,
        "wording": strength.clinician_wording if strength else None,
        "description": system.describe(grade.level, grade.strength),
        "rationale": grade.rationale,
    }


def _statement(s: Statement, number: str, ref_numbers: dict[str, int], g: Guideline) -> dict:
    system = SYSTEMS[g.meta.grading]
    refs = g.references_by_id
    notes = []  # citations with a locator or quote, in the author's order
    marks: dict[int, dict] = {}  # one mark per reference number: [1, 3]
    for c in s.citations:
        if c.key not in ref_numbers:
            continue  # an unknown key is a check error; the protocol is never built from such content
        ref = refs[c.key]
        ref_number = ref_numbers[c.key]
        where = "; ".join(p for p in (c.locator, f"“{c.quote}”" if c.quote else None) if p)
        mark = marks.setdefault(
            ref_number, {"number": ref_number, "caution": ref.caution, "short": _short_ref(ref), "where": ""}
        )
        if where:
            mark["where"] = f"{mark['where']}; {where}" if mark["where"] else where
            notes.append({"number": ref_number, "locator": c.locator, "quote": c.quote})
    cites = [marks[n] for n in sorted(marks)]
    grade = _grade(system, s.grade) if s.grade is not None else None
    return {
        "number": number,
        "id": s.id,
        "kind": s.kind,
        "kind_label": KIND_LABELS.get(s.kind, s.kind),
        "title": s.title,
        "text": s.text,
        "citations": cites,
        "notes": notes,
        "grade": grade,
        "last_reviewed": _date(s.last_reviewed),
    }


def _short_ref(ref) -> str:
    """"Weickhardt 2012" (or the title's first words and the year): how a caution names its reference."""
    first = ref.author[0] if ref.author else None
    year = citations.year(ref.issued)
    if first is not None and (first.family or first.literal):
        return " ".join(p for p in (first.family or first.literal, year) if p)
    words = ref.title.split()
    title = " ".join(words[:6]) + ("…" if len(words) > 6 else "")
    return f"{title}, {year}" if year else title


def _first_sentence(text: str) -> str:
    """The first sentence of a Markdown text (the summary table's text for an untitled recommendation)."""
    flat = " ".join(text.split())
    match = re.search(r"(?<=[.!?])\s", flat)
    return flat[: match.start()] if match else flat


def _evidence_rows(ordered: list[Statement], numbers: dict[str, str], ref_numbers: dict[str, int]) -> dict[str, dict]:
    """One row per evidence statement: the study, and the statements that rest on it.

    A statement rests on an evidence row when it cites one of the row's references.
    """
    rows = {}
    for s in ordered:
        if s.kind != "evidence":
            continue
        keys = set(s.citation_keys)
        supports = sorted(
            ({"number": numbers[o.id], "id": o.id} for o in ordered if o.kind != "evidence" and keys.intersection(o.citation_keys)),
            key=lambda item: number_key(item["number"]),
        )
        study = s.study
        rows[s.id] = {
            "number": numbers[s.id],
            "id": s.id,
            "title": s.title,
            "text": s.text,
            "study": study.study if study else (s.title or numbers[s.id]),
            "design": study.design if study else "",
            "participants": study.participants if study else "",
            "result": study.result if study else "",
            "refs": sorted({ref_numbers[k] for k in s.citation_keys if k in ref_numbers}),
            "supports": supports,
        }
    return rows


def _pdf_metadata(g: Guideline) -> dict:
    """What the PDF's document information says: author, subject, keywords and date."""
    meta = g.meta
    keywords = list(dict.fromkeys([*meta.keywords, *meta.codes.icd10, *meta.codes.icd11, "clinical guideline"]))
    return {
        "author": pdf_info.author(g),
        "subject": plain_text(meta.summary) if meta.summary else plain_text(meta.scope.population),
        "keywords": ", ".join(keywords),
        "date": pdf_info.date(g),
    }


def _answer(feature, value) -> str:
    if feature.type == "boolean":
        return "Yes" if value else "No"
    if feature.type == "enum":
        return next((v.label for v in feature.values if v.code == value), str(value))
    return f"{value} {feature.unit}" if feature.unit else str(value)


def _worked_examples(g: Guideline, graph: Pathway) -> list[dict]:
    """The vignettes, each with its answers and the route the walk takes (the same graph as the steps)."""
    out = []
    for v in g.vignettes:
        walk = graph.walk(v.features)
        out.append({
            "id": v.id,
            "title": v.title,
            "description": v.description,
            "features": [
                {"question": f.question, "answer": _answer(f, v.features[f.name])}
                for f in graph.features.values() if f.name in v.features
            ],
            "route": [{"step": graph.by_id[n].number, "label": graph.by_id[n].node.label} for n in walk.route],
            "loops": walk.stopped == "loop",
        })
    return out


def _walk(g: Guideline, graph: Pathway, numbers: dict[str, str]) -> dict | None:
    """What the HTML's "walk the pathway" panel needs, or None for an algorithm that cannot be run
    (no features, a branch without a sound condition): the questions, the steps of the same graph as
    the step list, and each decision's table of fhirpathpy's answers (conditions.DecisionTable)."""
    if not graph.computable or graph.start is None:
        return None
    tables = graph.decision_tables()
    if any(step.id not in tables for step in graph.decisions):
        return None
    by_id = g.statements_by_id
    steps = {}
    for step in graph.steps:
        node = step.node
        rests = sorted((sid for sid in dict.fromkeys(node.statements) if sid in numbers), key=lambda sid: number_key(numbers[sid]))
        entry = {
            "id": step.id,
            "step": step.number,
            "kind": node.kind,
            "label": plain_text(node.label),
            "statements": [
                {"number": numbers[sid], "anchor": f"stmt-{sid}", "title": plain_text(by_id[sid].title or _first_sentence(by_id[sid].text))}
                for sid in rests
            ],
        }
        if node.kind == "decision":
            entry["branches"] = [{"label": plain_text(e.label or ""), "to": e.target, "loop": e.loop} for e in step.edges]
        elif node.kind != "end":
            if not step.edges:
                return None
            entry["next"] = {"to": step.edges[0].target, "loop": step.edges[0].loop}
        steps[step.id] = entry
    features = []
    for f in graph.features.values():
        features.append({
            "name": f.name,
            "type": f.type,
            "question": plain_text(f.question),
            "min": f.min,
            "max": f.max,
            "unit": f.unit,
            "values": [{"code": v.code, "label": plain_text(v.label or v.code)} for v in f.values]
            if f.type == "enum" else ([{"code": "true", "label": "Yes"}, {"code": "false", "label": "No"}] if f.type == "boolean" else []),
        })
    return {
        "start": graph.start.id,
        "order": [s.id for s in graph.steps],
        "steps": steps,
        "features": features,
        "tables": {k: t.as_json() for k, t in tables.items()},
    }


def view(g: Guideline, given: ViewInputs | None = None) -> dict:
    """What the clinician protocol shows; `given.history` is the release history (generator/render/documents.py)."""
    given = given or ViewInputs()
    meta = g.meta
    graph = Pathway.of(g)
    numbers = statement_numbers(g)
    ref_numbers = citations.reference_numbers(g)
    ordered = ordered_statements(g)
    statements = {s.id: _statement(s, numbers[s.id], ref_numbers, g) for s in ordered}

    rows = _evidence_rows(ordered, numbers, ref_numbers)
    sections = []
    for section in meta.sections:
        in_section = [s for s in ordered if s.section == section.id]
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "intro": section.intro,
                # evidence is printed once, as the section's evidence table; everything else as statements
                "statements": [statements[s.id] for s in in_section if s.kind != "evidence"],
                "evidence": [rows[s.id] for s in in_section if s.id in rows],
            }
        )
    summary = [
        {
            "number": numbers[s.id],
            "id": s.id,
            "kind": s.kind,
            "kind_label": KIND_LABELS[s.kind],
            "text": s.title or _first_sentence(s.text),
            "grade": statements[s.id]["grade"],
        }
        for s in ordered
        if s.kind in RECOMMENDATION_KINDS
    ]

    cited_by: dict[str, list[str]] = {}
    for s in ordered:
        for key in dict.fromkeys(s.citation_keys):
            cited_by.setdefault(key, []).append(numbers[s.id])
    references = []
    for ref in sorted(g.references, key=lambda r: ref_numbers[r.id]):
        references.append(
            {
                "number": ref_numbers[ref.id],
                "segments": citations.format_reference(ref),
                "caution": ref.caution,
                "cited_by": cited_by.get(ref.id, []),
            }
        )

    authors = [
        {
            "role": a.role,
            "responsibility": a.responsibility,
            "name": a.name,
            "organisation": a.organisation,
        }
        for a in meta.authors
    ]
    return {
        "lang": meta.language,
        "id": meta.id,
        "title": meta.title,
        "short_title": meta.short_title or meta.title,
        "version": meta.version,
        "status": meta.status,
        "status_label": STATUS_LABELS.get(meta.status, meta.status),
        "is_draft": meta.status == "draft",
        "page_size": meta.output.page_size,
        "dates": {
            "effective": _date(meta.dates.effective),
            "review_by": _date(meta.dates.review_by),
            "last_reviewed": _date(meta.dates.last_reviewed),
        },
        "codes": {"icd10": [_icd10(c) for c in meta.codes.icd10], "icd11": list(meta.codes.icd11)},
        "grading": _grading(meta.grading),
        "authors": authors,
        "summary": meta.summary,
        "scope": {
            "population": meta.scope.population,
            "setting": meta.scope.setting,
            "out_of_scope": list(meta.scope.out_of_scope),
            "not_covered": list(meta.scope.not_covered),
        },
        "related": related_view(g),
        "sections": sections,
        "recommendations": summary,
        "has_evidence": bool(rows),
        "algorithm": {
            "present": g.algorithm is not None and bool(g.nodes),
            "title": g.algorithm.title if g.algorithm else "",
            "description": g.algorithm.description if g.algorithm else "",
            "steps": flowchart.pathway(g, graph),
            "vignettes": _worked_examples(g, graph),
            "walk": _walk(g, graph, numbers),
        },
        "references": references,
        "signoff": signoff_view(g, numbers),
        "changelog": [
            {"version": e.version, "date": _date(e.date), "changes": list(e.changes)} for e in meta.changelog
        ],
        # "What changed in this version": against the previous release tag (generator/history/changes.py)
        "what_changed": what_changed_summary(g, given.history, numbers),
        "pdf": _pdf_metadata(g),
    }


def related_view(g: Guideline) -> list[dict]:
    """The guidelines this one points to (`related`), with what a link needs: the other guideline's
    title, version and status, and its documents' files relative to this one's (build/<id>/)."""
    out = []
    for entry in g.meta.related if g.meta else []:
        other = g.library_guidelines.get(entry.guideline)
        if other is None:
            continue
        base = f"../{other['id']}/"
        out.append(
            {
                "id": other["id"],
                "relation": entry.relation,
                "title": other["title"],
                "version": other["version"],
                "status_label": STATUS_LABELS.get(other["status"], other["status"]),
                "protocol": base + "clinician-protocol.html",
                "protocol_pdf": base + "clinician-protocol.pdf",
                "patient": base + "patient-explainer.html" if other["patient"] else None,
            }
        )
    return out


def figure_views(deps: dict[str, bytes], page_size: str) -> list[dict]:
    """The flowchart's figures as the protocol shows them: each one's file (beside the HTML), its
    printed width (so its smallest text prints at flowchart.MIN_PRINTED_PT or more), the steps it
    draws, the figures it continues in and comes from, and a link box over each connector."""
    found = flowchart.figures(deps)
    out = []
    for i, fig in enumerate(found, start=1):
        scale = flowchart.printed_scale(fig["width"], fig["height"], page_size)
        to = list(dict.fromkeys(c["figure"] for c in fig["connectors"] if c["direction"] == "to"))
        came = list(dict.fromkeys(c["figure"] for c in fig["connectors"] if c["direction"] == "from"))
        out.append(
            {
                **fig,
                "number": i,
                "count": len(found),
                "print_width": round(fig["width"] * scale, 1),
                "steps_text": flowchart.step_ranges(fig["steps"]) if fig["steps"] else "",
                "first_step": fig["steps"][0] if fig["steps"] else None,
                "to": to,
                "from": came,
                "links": [
                    {"figure": c["figure"], "text": c["text"], "left": c["box"][0], "top": c["box"][1],
                     "width": c["box"][2], "height": c["box"][3]}
                    for c in fig["connectors"]
                ],
            }
        )
    return out


def render(view: dict, deps: dict[str, bytes] | None = None) -> bytes:
    """The protocol HTML. It refers to the flowchart's SVG files beside it (build/<id>/); their
    bytes tell it how many figures there are, how large, and where their connectors are."""
    figures = figure_views(deps or {}, view["page_size"]) if view["algorithm"]["present"] else []
    script = asset_text(WALK_SCRIPT) if view["algorithm"].get("walk") else None
    return render_template(TEMPLATE, doc=view, figures=figures, whole=flowchart.FILE, walk_script=script,
                           csp=content_security_policy(script)).encode("utf-8")


def content_security_policy(script: str | None) -> str:
    """The protocol's policy: no network, no plugins, styles and images only from the page and the
    files beside it, and no script but the pathway panel's own (allowed by its SHA-256)."""
    scripts = f"'sha256-{base64.b64encode(hashlib.sha256(script.encode('utf-8')).digest()).decode()}'" if script else "'none'"
    return (f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; base-uri 'none'; form-action 'none'")
