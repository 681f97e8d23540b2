"""Case features are well declared, every branch has a condition that parses and type-checks, and at
each decision exactly one branch applies to every possible case (no gap, no overlap)."""

from __future__ import annotations

import difflib
from typing import Iterator

from generator.content import conditions
from generator.content.conditions import Condition, ConditionProblem
from generator.content.guideline import Guideline
from generator.content.pathway import Pathway
from generator.diagnostics import Diagnostic

EXAMPLES = 3  # combinations quoted in a gap or overlap message


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.algorithm is None:
        return
    yield from _features(g)
    graph = Pathway.of(g)
    written = any(b.condition is not None for n in g.nodes for b in n.branches)
    if not g.features and not written:
        return  # a narrative algorithm: labels only, nothing to compute
    for step in graph.decisions:
        node = step.node
        missing = [b for b in node.branches if b.condition is None]
        for branch in missing:
            yield Diagnostic.error(
                branch.location("label"),
                "condition-missing",
                f"branch {branch.label!r} of decision {node.id!r} has no `condition`; once the algorithm declares "
                "features, every branch says in FHIRPath when it applies",
            )
        broken = False
        for i, branch in enumerate(node.branches):
            parsed = graph.parsed.get((node.id, i))
            if isinstance(parsed, ConditionProblem):
                broken = True
                yield Diagnostic.error(branch.text_location("condition", parsed.offset), parsed.code, parsed.message)
        if missing or broken:
            continue
        yield from _exactly_one(graph, step)


def _features(g: Guideline) -> Iterator[Diagnostic]:
    statements = g.statements_by_id
    seen: dict[str, int] = {}
    for f in g.features:
        if f.name in seen:
            yield Diagnostic.error(f.location("name"), "duplicate-id", f"feature {f.name!r} is already declared at line {seen[f.name]}")
        else:
            seen[f.name] = f.location("name").line
        if f.type == "integer":
            if f.min is None:
                yield Diagnostic.error(f.location("type"), "feature-invalid", f"integer feature {f.name!r} needs `min` (its smallest possible value)")
            elif f.max is not None and f.max < f.min:
                yield Diagnostic.error(f.location("max"), "feature-invalid", f"feature {f.name!r}: max {f.max} is below min {f.min}")
        else:
            for bound in ("min", "max", "unit"):
                if getattr(f, bound) is not None:
                    yield Diagnostic.error(f.location(bound), "feature-invalid", f"`{bound}` is for integer features; {f.name!r} is {f.type}")
        if f.type == "enum":
            codes = [v.code for v in f.values]
            if len(codes) < 2:
                yield Diagnostic.error(f.location("values" if f.values else "type"), "feature-invalid",
                                       f"enum feature {f.name!r} needs two or more `values`")
            dupes = sorted({c for c in codes if codes.count(c) > 1})
            if dupes:
                yield Diagnostic.error(f.location("values"), "feature-invalid", f"feature {f.name!r} lists {', '.join(dupes)} twice")
        elif f.values:
            yield Diagnostic.error(f.location("values"), "feature-invalid", f"`values` are for enum features; {f.name!r} is {f.type}")
        for sid in f.statements:
            if g.statements and sid not in statements and sid not in g.known_ids("statements"):
                close = difflib.get_close_matches(sid, list(statements), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield Diagnostic.error(f.location("statements"), "unknown-statement", f"statement {sid!r} does not exist{hint}")


def _exactly_one(graph: Pathway, step) -> Iterator[Diagnostic]:
    node = step.node
    conds: list[Condition] = graph.conditions_of(step) or []
    used = [graph.features[n] for n in graph.features if any(n in c.features for c in conds)]
    size = conditions.domain_size(used, {k for c in conds for k in c.constants})
    if size > conditions.DOMAIN_LIMIT:
        yield Diagnostic.error(
            node.location("branches"),
            "decision-domain-too-large",
            f"decision {node.id!r} ranges over {size:,} combinations of {', '.join('%' + f.name for f in used)} "
            f"(the limit is {conditions.DOMAIN_LIMIT:,}); give integer features a smaller `max`, or split the decision",
        )
        return
    try:
        table = graph.decision_table(step)
    except ConditionProblem as problem:  # a condition fhirpathpy answers with something other than true/false
        yield Diagnostic.error(node.location("branches"), problem.code, f"decision {node.id!r}: {problem.message}")
        return
    if table is None:
        return
    gaps, overlaps = [], {}
    for case, match in table.combinations():
        if not match:
            gaps.append(case)
        for a in match:
            for b in match:
                if a < b:
                    overlaps.setdefault((a, b), []).append(case)
    # The largest point of an unbounded integer stands for itself and every value above it.
    tops = {
        name: dom[-1]
        for name, dom in zip(table.features, table.domains)
        if graph.features[name].type == "integer" and graph.features[name].max is None
    }
    if gaps:
        yield Diagnostic.error(
            node.location("branches"),
            "branch-gap",
            f"decision {node.id!r}: no branch applies when {_cases(gaps, tops)}",
        )
    for (a, b), cases in sorted(overlaps.items()):
        first, second = node.branches[a], node.branches[b]
        yield Diagnostic.error(
            second.location("condition"),
            "branch-overlap",
            f"decision {node.id!r}: branches {first.label!r} and {second.label!r} both apply when {_cases(cases, tops)}",
        )


def _cases(cases: list[dict], tops: dict) -> str:
    def one(name, value) -> str:
        if name in tops and value == tops[name]:
            return f"%{name} >= {value}"
        return f"%{name} = {_value(value)}"

    shown = "; ".join(", ".join(one(k, v) for k, v in case.items()) or "(always)" for case in cases[:EXAMPLES])
    more = len(cases) - EXAMPLES
    return shown + (f" (and {more} more combination{'s' if more > 1 else ''})" if more > 0 else "")


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v)
    return str(v)
