"""The algorithm is a valid decision graph whose every node rests on existing statements."""

from __future__ import annotations

import difflib
from typing import Iterator

from generator.diagnostics import Diagnostic
from generator.content.guideline import Guideline


def check(g: Guideline, ctx) -> Iterator[Diagnostic]:
    if g.algorithm is None or not g.nodes:
        return
    nodes = g.nodes_by_id
    statements = g.statements_by_id
    starts = [n for n in g.nodes if n.kind == "start"]
    if len(starts) != 1:
        where = starts[1].location("kind") if len(starts) > 1 else g.algorithm.location("nodes")
        yield Diagnostic.error(where, "algorithm-start", f"the algorithm needs exactly one start node, found {len(starts)}")

    for n in g.nodes:
        if n.kind == "decision":
            if n.next:
                yield Diagnostic.error(n.location("next"), "algorithm-branches", "a decision uses `branches`, not `next`")
            if len(n.branches) < 2:
                yield Diagnostic.error(
                    n.location("branches") if n.branches else n.location("id"),
                    "algorithm-branches",
                    f"decision {n.id!r} needs two or more labelled branches",
                )
            labels = [b.label.strip().lower() for b in n.branches]
            if len(set(labels)) != len(labels):
                yield Diagnostic.error(n.location("branches"), "algorithm-branches", f"decision {n.id!r} has two branches with the same label")
        elif n.branches:
            yield Diagnostic.error(n.location("branches"), "algorithm-branches", f"only decisions have branches; {n.id!r} is a {n.kind}")
        if n.kind == "end" and n.next:
            yield Diagnostic.error(n.location("next"), "algorithm-dead-end", f"end node {n.id!r} cannot have `next`")
        if n.kind in ("start", "action") and not n.next:
            yield Diagnostic.error(n.location("id"), "algorithm-dead-end", f"{n.kind} node {n.id!r} has no `next`; every path must reach an end")
        for target, _, _ in n.edges():
            if target not in nodes and target not in g.known_ids("nodes"):
                close = difflib.get_close_matches(target, list(nodes), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                field = "next" if n.kind != "decision" else "branches"
                yield Diagnostic.error(n.location(field), "algorithm-unknown-node", f"node {target!r} does not exist{hint}")
        if not n.statements:
            yield Diagnostic.error(n.location("id"), "algorithm-uncited", f"node {n.id!r} rests on no statement; list them under `statements`")
        for sid in n.statements:
            if g.statements and sid not in statements and sid not in g.known_ids("statements"):
                close = difflib.get_close_matches(sid, list(statements), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield Diagnostic.error(n.location("statements"), "unknown-statement", f"statement {sid!r} does not exist{hint}")

    if len(starts) != 1 or g.known_ids("nodes") - set(nodes):
        return  # graph-wide checks need the whole graph; the broken node has its own diagnostic
    # Reachability from the start (all edges).
    reached, stack = set(), [starts[0].id]
    while stack:
        nid = stack.pop()
        if nid in reached or nid not in nodes:
            continue
        reached.add(nid)
        stack.extend(t for t, _, _ in nodes[nid].edges())
    for n in g.nodes:
        if n.id not in reached:
            yield Diagnostic.error(n.location("id"), "algorithm-unreachable", f"node {n.id!r} cannot be reached from the start")

    # Undeclared cycles: with the declared loop edges removed, the graph must be acyclic.
    yield from _cycles(g)

    # Every node must be able to reach an end (using every edge, loops included): walk the edges
    # backwards from the ends, once (a fixed-point loop over all nodes was quadratic on long chains).
    incoming: dict[str, list[str]] = {}
    for n in g.nodes:
        for target, _, _ in n.edges():
            incoming.setdefault(target, []).append(n.id)
    can_end = {n.id for n in g.nodes if n.kind == "end"}
    pending = list(can_end)
    while pending:
        for source in incoming.get(pending.pop(), ()):
            if source not in can_end:
                can_end.add(source)
                pending.append(source)
    for n in g.nodes:
        if n.id in reached and n.id not in can_end and n.kind != "end":
            yield Diagnostic.error(n.location("id"), "algorithm-dead-end", f"no path from {n.id!r} reaches an end node")


def _cycles(g: Guideline) -> Iterator[Diagnostic]:
    nodes = g.nodes_by_id
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {nid: WHITE for nid in nodes}
    reported = set()
    for root in nodes:
        if colour[root] != WHITE:
            continue
        stack = [(root, iter([t for t, _, loop in nodes[root].edges() if not loop and t in nodes]))]
        colour[root] = GREY
        path = [root]
        while stack:
            nid, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[nid] = BLACK
                stack.pop()
                path.pop()
                continue
            if colour[child] == GREY:
                cycle = path[path.index(child) :] + [child]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    node = nodes[nid]
                    yield Diagnostic.error(
                        node.location("next" if node.kind != "decision" else "branches"),
                        "algorithm-cycle",
                        f"undeclared cycle {' -> '.join(cycle if len(cycle) <= 12 else cycle[:6] + ['...'] + cycle[-5:])}; "
                        "mark an intended back-edge with `loop: true` on a branch",
                    )
            elif colour[child] == WHITE:
                colour[child] = GREY
                path.append(child)
                stack.append((child, iter([t for t, _, loop in nodes[child].edges() if not loop and t in nodes])))
