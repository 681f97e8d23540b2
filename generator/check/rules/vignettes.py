"""Each vignette (vignettes.yaml) gives valid feature values and takes the route it expects; every
branch of a computable algorithm is taken by at least one vignette (a warning otherwise)."""

from __future__ import annotations

import difflib
from typing import Iterator

from generator.content.conditions import Condition
from generator.content.guideline import Guideline
from generator.content.models import Feature
from generator.content.pathway import Pathway
from generator.diagnostics import Diagnostic


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.algorithm is None or not g.nodes:
        return
    graph = Pathway.of(g)
    if not g.vignettes and not graph.computable:
        return
    # Walks need every condition to parse; when one does not, the conditions rule reports it and
    # the vignettes are checked for their values only (no cascade of route errors).
    sound = graph.computable and all(isinstance(p, Condition) for p in graph.parsed.values())
    covered: set[tuple[str, int]] = set()
    for v in g.vignettes:
        valid = True
        for name, value in v.features.items():
            feature = graph.features.get(name)
            if feature is None:
                valid = False
                if name in g.known_ids("features"):
                    continue  # the declaration itself is broken and reported
                close = difflib.get_close_matches(name, list(graph.features), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield Diagnostic.error(v.value_location(name), "vignette-unknown-feature", f"vignette {v.id!r}: {name!r} is not a declared feature{hint}")
                continue
            problem = _value_problem(feature, value)
            if problem:
                valid = False
                yield Diagnostic.error(v.value_location(name), "vignette-value", f"vignette {v.id!r}: {problem}")
        for field, ids in (("end", [v.end]), ("route", v.route)):
            for nid in ids:
                if nid not in graph.by_id:
                    valid = False
                    close = difflib.get_close_matches(nid, list(graph.by_id), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    yield Diagnostic.error(v.location(field), "vignette-route", f"vignette {v.id!r}: node {nid!r} does not exist{hint}")
        if not valid or not sound:
            continue
        walk = graph.walk(v.features)
        covered.update(walk.taken)
        if walk.stopped == "missing":
            stop = graph.by_id[walk.end]
            yield Diagnostic.error(
                v.location("features"),
                "vignette-incomplete",
                f"vignette {v.id!r}: decision {stop.id!r} (step {stop.number}) needs "
                + ", ".join(f"{n!r} ({graph.features[n].question})" for n in walk.missing),
            )
            continue
        if walk.stopped not in ("end", "loop"):
            continue  # no branch, or several, apply: branch-gap / branch-overlap say where
        if walk.end != v.end:
            yield Diagnostic.error(
                v.location("end"),
                "vignette-route",
                f"vignette {v.id!r} ends at {walk.end!r} (step {graph.step_number(walk.end)}), not {v.end!r}: "
                f"its route is {' -> '.join(walk.route)}",
            )
        elif v.route and v.route != walk.route:
            at = next((i for i, (a, b) in enumerate(zip(v.route, walk.route)) if a != b), min(len(v.route), len(walk.route)))
            yield Diagnostic.error(
                v.location("route"),
                "vignette-route",
                f"vignette {v.id!r}: the route differs from step {at + 1} on: expected "
                f"{' -> '.join(v.route[at:]) or '(nothing)'}, the walk takes {' -> '.join(walk.route[at:]) or '(nothing)'}",
            )
    if not sound:
        return
    for step in graph.decisions:
        for i, branch in enumerate(step.node.branches):
            if (step.id, i) not in covered:
                yield Diagnostic.warning(
                    branch.location("label"),
                    "branch-uncovered",
                    f"no vignette takes branch {branch.label!r} of decision {step.id!r}; add one to vignettes.yaml",
                )


def _value_problem(feature: Feature, value) -> str | None:
    if feature.type == "boolean":
        return None if isinstance(value, bool) else f"{feature.name!r} is true or false, not {value!r}"
    if feature.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{feature.name!r} is an integer, not {value!r}"
        if feature.min is not None and value < feature.min or feature.max is not None and value > feature.max:
            top = feature.max if feature.max is not None else "no limit"
            return f"{feature.name!r} = {value} is outside {feature.min}..{top}"
        return None
    codes = [v.code for v in feature.values]
    if value not in codes:
        return f"{feature.name!r} is one of {', '.join(repr(c) for c in codes)}, not {value!r}"
    return None
