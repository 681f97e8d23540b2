"""The treatment pathway as one graph: steps in reading order, edges with their conditions, and walks.

Everything that shows or runs the algorithm is drawn from this model, so they cannot disagree: the
flowchart and the protocol's step-by-step list number the steps from `Pathway.steps`, the worked
examples and `check` follow a vignette with `Pathway.walk`, the HTML pathway panel carries
`Pathway.decision_tables()`, and the FHIR export writes `Edge.condition`.

A walk starts at the start node, follows `next`, and at each decision takes the one branch whose
condition is true for the case (fhirpathpy evaluates it). It stops at an end node, or on taking a
declared loop branch (the case then returns to an earlier step with new findings: the walk ends at
that step), or where it cannot go on: a feature the decision needs has no value, no branch or more
than one applies, or the decision has no conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.content import conditions
from generator.content.conditions import Condition, ConditionProblem, DecisionTable
from generator.content.models import AlgorithmNode, Branch, Feature


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str | None  # branch label (decisions); None for `next`
    loop: bool
    branch: Branch | None = None  # the branch as written (decisions)

    @property
    def condition(self) -> str | None:
        return self.branch.condition if self.branch is not None else None


@dataclass
class Step:
    number: int  # 1-based, in reading order
    node: AlgorithmNode
    edges: list[Edge]

    @property
    def id(self) -> str:
        return self.node.id


@dataclass
class Walk:
    route: list[str]  # node ids from the start to where the walk stopped
    taken: list[tuple[str, int]]  # (decision id, branch index) for each decision passed
    stopped: str  # end | loop | missing | no-branch | several-branches | no-conditions | broken
    missing: list[str] = field(default_factory=list)  # stopped == missing: the features the decision needs

    @property
    def end(self) -> str | None:
        return self.route[-1] if self.route else None


def reading_order(nodes: list[AlgorithmNode]) -> list[AlgorithmNode]:
    """Nodes as a reader follows them: depth-first from the start, branches in their written order.

    Declared loops are not followed (they return to an earlier step); nodes the walk never reaches
    (a check error) follow in file order, so every node is still drawn and listed.
    """
    by_id = {n.id: n for n in nodes}
    start = next((n for n in nodes if n.kind == "start"), nodes[0] if nodes else None)
    seen: dict[str, AlgorithmNode] = {}
    stack = [start] if start else []
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen[node.id] = node
        targets = [by_id[t] for t, _, loop in node.edges() if not loop and t in by_id]
        stack.extend(reversed(targets))
    for node in nodes:
        seen.setdefault(node.id, node)
    return list(seen.values())


class Pathway:
    """The algorithm of one guideline: steps, edges, features and parsed conditions."""

    def __init__(self, nodes: list[AlgorithmNode], features: list[Feature]):
        self.features: dict[str, Feature] = {}
        for f in features:
            self.features.setdefault(f.name, f)
        by_id = {n.id: n for n in nodes}
        self.steps: list[Step] = []
        for number, node in enumerate(reading_order(nodes), start=1):
            if node.kind == "decision":
                edges = [Edge(node.id, b.to, b.label, b.loop, b) for b in node.branches]
            else:
                edges = [Edge(node.id, t, None, loop) for t, _, loop in node.edges()]
            self.steps.append(Step(number, node, [e for e in edges if e.target in by_id]))
        self.by_id: dict[str, Step] = {s.id: s for s in self.steps}
        self.start: Step | None = next((s for s in self.steps if s.node.kind == "start"), None)
        # Each branch condition parsed once: (decision id, branch index) -> Condition or the problem.
        self.parsed: dict[tuple[str, int], Condition | ConditionProblem] = {}
        for step in self.decisions:
            for i, branch in enumerate(step.node.branches):
                if branch.condition is not None:
                    try:
                        self.parsed[(step.id, i)] = conditions.parse(branch.condition, self.features)
                    except ConditionProblem as problem:
                        self.parsed[(step.id, i)] = problem

    @classmethod
    def of(cls, g) -> "Pathway":
        return cls(g.nodes, g.features)

    @property
    def decisions(self) -> list[Step]:
        return [s for s in self.steps if s.node.kind == "decision"]

    @property
    def computable(self) -> bool:
        """Features are declared and every branch of every decision has a condition."""
        return bool(self.features) and all(b.condition is not None for s in self.decisions for b in s.node.branches)

    def step_number(self, node_id: str) -> int | None:
        step = self.by_id.get(node_id)
        return step.number if step else None

    def conditions_of(self, step: Step) -> list[Condition] | None:
        """The decision's parsed conditions, or None when any branch has none or a broken one."""
        out = []
        for i, _ in enumerate(step.node.branches):
            parsed = self.parsed.get((step.id, i))
            if not isinstance(parsed, Condition):
                return None
            out.append(parsed)
        return out

    def decision_table(self, step: Step) -> DecisionTable | None:
        conds = self.conditions_of(step)
        if conds is None:
            return None
        used = [self.features[n] for n in self.features if any(n in c.features for c in conds)]
        if conditions.domain_size(used, {k for c in conds for k in c.constants}) > conditions.DOMAIN_LIMIT:
            return None
        return conditions.decision_table(conds, self.features)

    def decision_tables(self) -> dict[str, DecisionTable]:
        out = {}
        for step in self.decisions:
            table = self.decision_table(step)
            if table is not None:
                out[step.id] = table
        return out

    def walk(self, values: dict[str, Any]) -> Walk:
        """Follow a case through the algorithm (see the module docstring for where it stops)."""
        if self.start is None:
            return Walk([], [], "broken")
        route, taken = [self.start.id], []
        step = self.start
        for _ in range(len(self.steps) + 1):
            node = step.node
            if node.kind == "end":
                return Walk(route, taken, "end")
            if node.kind == "decision":
                conds = self.conditions_of(step)
                if conds is None:
                    return Walk(route, taken, "no-conditions")
                needed = [n for n in self.features if any(n in c.features for c in conds)]
                missing = [n for n in needed if n not in values]
                if missing:
                    return Walk(route, taken, "missing", missing)
                try:
                    matches = [i for i, c in enumerate(conds) if conditions.evaluate(c.text, {n: values[n] for n in c.features})]
                except ConditionProblem:
                    return Walk(route, taken, "broken")
                if len(matches) != 1:
                    return Walk(route, taken, "no-branch" if not matches else "several-branches")
                taken.append((node.id, matches[0]))
                branch = node.branches[matches[0]]
                nxt = self.by_id.get(branch.to)
                if nxt is None:
                    return Walk(route, taken, "broken")
                route.append(nxt.id)
                if branch.loop:
                    return Walk(route, taken, "loop")
                step = nxt
                continue
            edge = step.edges[0] if step.edges else None
            if edge is None or edge.target not in self.by_id:
                return Walk(route, taken, "broken")
            route.append(edge.target)
            if edge.loop:
                return Walk(route, taken, "loop")
            step = self.by_id[edge.target]
        return Walk(route, taken, "broken")  # an undeclared cycle (a check error)
