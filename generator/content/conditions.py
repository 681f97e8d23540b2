"""Branch conditions: FHIRPath over the case features, parsed strictly, typed, evaluated by fhirpathpy.

A condition is a FHIRPath expression (https://hl7.org/fhirpath/) in which each case feature is an
environment variable, `%ecog`, `%cnsProgression`. The language accepted is the part of FHIRPath a
decision needs, and nothing a reader would have to guess at:

* features `%name`; literals `true`/`false`, integers (`-1`), strings (`'oligo'`, an enum's code);
* comparison `= != < <= > >=` (order only between integers), membership `in` / `contains` with
  a union of literals (`%ecog in (0 | 1)`), `and`, `or`, `xor`, `implies`, `.not()`, parentheses.

Anything else (paths into resources, other functions, arithmetic) is reported, as are unknown
features and type errors (an integer compared with a boolean, an enum with a code it does not have,
`<` between enum codes, a condition that is not true-or-false). fhirpathpy's own parser recovers
from syntax errors silently, so the grammar is run here with an error listener that stops at the
first one; evaluation is fhirpathpy's (`compile`, then the features as the environment).

Because every feature is compared only with constants, the truth of a decision's conditions is
constant between consecutive constants: `domain()` turns each feature into the finite list of
values that stands for all of them (every value of a boolean, an enum or a bounded integer; for an
integer without `max`, its `min` and each constant c the decision compares it with, and c + 1).
`decision_table()` evaluates every branch on every combination: the check finds gaps and overlaps
in it, and the clinician HTML's pathway panel looks its answers up in it.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from generator.content.models import Feature

DOMAIN_LIMIT = 10_000  # combinations per decision that the check enumerates and the HTML panel carries

BOOLEAN, INTEGER, DECIMAL, STRING = "boolean", "integer", "decimal", "string"


class ConditionProblem(Exception):
    """A condition that cannot be used: `code` is a diagnostic code, `offset` the character it starts at."""

    def __init__(self, code: str, message: str, offset: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Typed:
    """The static type of a sub-expression: a FHIRPath type, or the enum feature whose codes it holds."""

    kind: str  # boolean | integer | decimal | string | enum
    feature: str | None = None  # enum: the feature's name
    literal: Any = None  # a literal's value (strings and integers), for messages and thresholds

    def describe(self) -> str:
        if self.kind == "enum":
            return f"the enum %{self.feature}"
        return {"boolean": "true/false", "integer": "an integer", "decimal": "a decimal", "string": "text"}[self.kind]


@dataclass(frozen=True)
class Condition:
    """A parsed, type-checked condition."""

    text: str
    features: tuple[str, ...]  # the features it reads, in order of first use
    constants: tuple[int, ...]  # integer constants it compares with (the thresholds)


# --------------------------------------------------------------------------- parsing


def _parse_tree(text: str) -> dict:
    """fhirpathpy's AST (nested dicts), each node with the offset it starts at; syntax errors raise."""
    from antlr4 import CommonTokenStream, InputStream, Token
    from antlr4.error.ErrorListener import ErrorListener
    from antlr4.tree.Tree import ParseTreeWalker
    from fhirpathpy.parser.ASTPathListener import ASTPathListener
    from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
    from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

    def offset_of(line: int, column: int) -> int:
        lines = text.split("\n")
        return sum(len(x) + 1 for x in lines[: max(line - 1, 0)]) + column

    class Stop(ErrorListener):
        def syntaxError(self, recognizer, offending, line, column, msg, e):  # noqa: N802 (ANTLR's name)
            start = offending.start if offending is not None and getattr(offending, "start", -1) >= 0 else offset_of(line, column)
            raise ConditionProblem("condition-syntax", f"FHIRPath syntax: {msg}", start)

    class Positions(ASTPathListener):
        def pushNode(self, nodeType, ctx):  # noqa: N802,N803 (fhirpathpy's names)
            super().pushNode(nodeType, ctx)
            self.parentStack[-1]["start"] = ctx.start.start if ctx.start is not None else 0

    if not text.strip():
        raise ConditionProblem("condition-syntax", "the condition is empty")
    lexer = FHIRPathLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(Stop())
    parser = FHIRPathParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(Stop())
    try:
        tree = parser.expression()
    except ConditionProblem:
        raise
    except Exception as exc:  # the lexer's own exception on a character it cannot read
        raise ConditionProblem("condition-syntax", f"FHIRPath syntax: {exc.__class__.__name__}", 0) from None
    trailing = parser.getCurrentToken()
    if trailing is not None and trailing.type != Token.EOF:
        raise ConditionProblem("condition-syntax", f"FHIRPath syntax: unexpected {trailing.text!r}", trailing.start)
    listener = Positions()
    ParseTreeWalker().walk(listener, tree)
    return listener.parentStack[0]["children"][0]


# --------------------------------------------------------------------------- types


class _Checker:
    def __init__(self, features: dict[str, Feature]):
        self.features = features
        self.used: dict[str, None] = {}
        self.constants: set[int] = set()

    def fail(self, node: dict, code: str, message: str) -> ConditionProblem:
        return ConditionProblem(code, message, node.get("start", 0))

    def children(self, node: dict) -> list[dict]:
        return node.get("children", [])

    def infer(self, node: dict) -> Typed:
        kind = node["type"]
        method = getattr(self, f"_{kind}", None)
        if method is None:
            raise self.fail(node, "condition-syntax", f"{_describe_node(node)} is not part of the condition language "
                            "(features %name, literals, comparisons, in, and/or/xor/implies, .not())")
        return method(node)

    # terms
    def _TermExpression(self, node):  # noqa: N802
        return self.infer(self.children(node)[0])

    def _ParenthesizedTerm(self, node):  # noqa: N802
        return self.infer(self.children(node)[0])

    def _LiteralTerm(self, node):  # noqa: N802
        literal = self.children(node)[0]
        kind, text = literal["type"], literal.get("text", "")
        if kind == "BooleanLiteral":
            return Typed(BOOLEAN, literal=text == "true")
        if kind == "NumberLiteral":
            if "." in text:
                return Typed(DECIMAL, literal=float(text))
            return Typed(INTEGER, literal=int(text))
        if kind == "StringLiteral":
            return Typed(STRING, literal=_unquote(text))
        raise self.fail(node, "condition-syntax", f"the literal {text or '{}'} is not part of the condition language")

    def _ExternalConstantTerm(self, node):  # noqa: N802
        constant = self.children(node)[0]
        inner = self.children(constant)[0] if self.children(constant) else {}
        name = inner.get("text", "")
        if inner.get("type") == "StringLiteral":
            name = _unquote(name)
        name = name.strip("`")
        feature = self.features.get(name)
        if feature is None:
            import difflib

            close = difflib.get_close_matches(name, list(self.features), n=1)
            hint = f"; did you mean %{close[0]}?" if close else (
                f"; declared: {', '.join('%' + f for f in self.features)}" if self.features else "; declare it under `features:`")
            raise self.fail(node, "condition-unknown-feature", f"%{name} is not a declared feature{hint}")
        self.used.setdefault(name, None)
        if feature.type == "boolean":
            return Typed(BOOLEAN)
        if feature.type == "integer":
            return Typed(INTEGER)
        return Typed("enum", feature=name)

    def _InvocationTerm(self, node):  # noqa: N802
        text = _identifier(node) or _describe_node(node)
        hint = f"; write %{text}" if text in self.features else ""
        raise self.fail(node, "condition-syntax", f"{text!r} is a path into a resource, not a feature{hint}")

    def _PolarityExpression(self, node):  # noqa: N802
        operand = self.infer(self.children(node)[0])
        if operand.kind != INTEGER or operand.literal is None:
            raise self.fail(node, "condition-type", "a sign (+/-) applies only to an integer constant")
        sign = -1 if "-" in node.get("terminalNodeText", []) else 1
        return Typed(INTEGER, literal=sign * operand.literal)

    def _InvocationExpression(self, node):  # noqa: N802
        target, call = self.children(node)
        name = ""
        if call["type"] == "FunctionInvocation":
            functn = self.children(call)[0]
            name = self.children(functn)[0].get("text", "") if self.children(functn) else ""
            if name == "not" and len(self.children(functn)) == 1:
                operand = self.infer(target)
                if operand.kind != BOOLEAN:
                    raise self.fail(node, "condition-type", f".not() needs true/false, not {operand.describe()}")
                return Typed(BOOLEAN)
        shown = f"{name}()" if name else _describe_node(call)
        raise self.fail(call, "condition-syntax", f"{shown} is not part of the condition language (of the functions, only .not())")

    # operators
    def _logical(self, node):
        left, right = (self.infer(c) for c in self.children(node))
        op = " ".join(node.get("terminalNodeText", [])) or "and"
        for side, typed in (("left", left), ("right", right)):
            if typed.kind != BOOLEAN:
                raise self.fail(node, "condition-type", f"'{op}' needs true/false on both sides; the {side} side is {typed.describe()}")
        return Typed(BOOLEAN)

    _AndExpression = _OrExpression = _ImpliesExpression = _logical  # noqa: N815

    def _InequalityExpression(self, node):  # noqa: N802
        left, right = (self.infer(c) for c in self.children(node))
        op = "".join(node.get("terminalNodeText", []))
        for typed in (left, right):
            if typed.kind not in (INTEGER, DECIMAL):
                raise self.fail(node, "condition-type", f"'{op}' compares numbers; {typed.describe()} has no order")
        self._note_constants(left, right)
        return Typed(BOOLEAN)

    def _EqualityExpression(self, node):  # noqa: N802
        left, right = (self.infer(c) for c in self.children(node))
        op = "".join(node.get("terminalNodeText", []))
        if op in ("~", "!~"):
            raise self.fail(node, "condition-syntax", f"'{op}' (equivalence) is not part of the condition language; use = or !=")
        self._compatible(node, left, right, op)
        return Typed(BOOLEAN)

    def _MembershipExpression(self, node):  # noqa: N802
        left, right = (self.infer(c) for c in self.children(node))
        op = "".join(node.get("terminalNodeText", []))
        element, collection = (left, right) if op == "in" else (right, left)
        for typed in self._members(collection):
            self._compatible(node, element, typed, op)
        return Typed(BOOLEAN)

    def _UnionExpression(self, node):  # noqa: N802
        parts = [self.infer(c) for c in self.children(node)]
        kinds = {p.kind if p.kind != DECIMAL else INTEGER for p in parts}
        if len(kinds) != 1:
            raise self.fail(node, "condition-type", "a union (|) mixes " + " and ".join(sorted(p.describe() for p in parts)))
        return _Union(parts)

    def _members(self, typed: Typed) -> list[Typed]:
        return list(typed.parts) if isinstance(typed, _Union) else [typed]

    def _compatible(self, node: dict, left: Typed, right: Typed, op: str) -> None:
        for a, b in ((left, right), (right, left)):
            if a.kind == "enum":
                codes = [v.code for v in self.features[a.feature].values]
                if b.kind == "enum" and b.feature == a.feature:
                    return
                if b.kind != STRING:
                    raise self.fail(node, "condition-type", f"'{op}' compares {a.describe()} with {b.describe()}; compare it with one of its codes: "
                                    + ", ".join(repr(c) for c in codes))
                if b.literal not in codes:
                    raise self.fail(node, "condition-type", f"{b.literal!r} is not a value of %{a.feature}; its values are "
                                    + ", ".join(repr(c) for c in codes))
                return
        numeric = {INTEGER, DECIMAL}
        if left.kind in numeric and right.kind in numeric:
            self._note_constants(left, right)
            return
        if left.kind != right.kind:
            raise self.fail(node, "condition-type", f"'{op}' compares {left.describe()} with {right.describe()}")

    def _note_constants(self, *typed: Typed) -> None:
        for t in typed:
            if t.kind == INTEGER and t.literal is not None:
                self.constants.add(int(t.literal))
            elif t.kind == DECIMAL and t.literal is not None:  # `%n < 2.5`: the truth changes at 2 and 3
                self.constants.update({int(t.literal // 1), int(t.literal // 1) + 1})


@dataclass(frozen=True)
class _Union(Typed):
    parts: tuple = field(default=())

    def __init__(self, parts: list[Typed]):
        object.__setattr__(self, "kind", parts[0].kind)
        object.__setattr__(self, "feature", parts[0].feature)
        object.__setattr__(self, "literal", None)
        object.__setattr__(self, "parts", tuple(q for p in parts for q in (p.parts if isinstance(p, _Union) else (p,))))


def _identifier(node: dict) -> str:
    """The first identifier inside a node (the name of a bare path such as `ecog`)."""
    if node.get("type") == "Identifier":
        return node.get("text", "")
    for child in node.get("children", []):
        found = _identifier(child)
        if found:
            return found
    return ""


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'`":
        text = text[1:-1]
    return text.replace("\\'", "'").replace("\\\\", "\\")


def _describe_node(node: dict) -> str:
    text = node.get("text")
    if text:
        return repr(text)
    names = {
        "AdditiveExpression": "arithmetic (+, -, &)",
        "MultiplicativeExpression": "arithmetic (*, /, div, mod)",
        "IndexerExpression": "an indexer [...]",
        "TypeExpression": "a type test (is/as)",
        "NullLiteral": "the empty collection {}",
        "ThisInvocation": "$this",
        "IndexInvocation": "$index",
        "TotalInvocation": "$total",
        "MemberInvocation": "a path",
    }
    return names.get(node.get("type", ""), node.get("type", "this construct"))


def parse(text: str, features: dict[str, Feature]) -> Condition:
    """Parse and type-check one condition; raises ConditionProblem (with the offset of the problem)."""
    tree = _parse_tree(text)
    checker = _Checker(features)
    typed = checker.infer(tree)
    if typed.kind != BOOLEAN or isinstance(typed, _Union):
        raise ConditionProblem("condition-type", f"a condition must be true or false; this one is {typed.describe()}", 0)
    return Condition(text, tuple(checker.used), tuple(sorted(checker.constants)))


# --------------------------------------------------------------------------- evaluation


@lru_cache(maxsize=512)
def _compiled(text: str):
    import fhirpathpy

    return fhirpathpy.compile(text)


def evaluate(text: str, values: dict[str, Any]) -> bool:
    """fhirpathpy's answer for one condition, the features given as environment variables."""
    result = _compiled(text)({}, dict(values))
    if result == [True]:
        return True
    if result == [False]:
        return False
    raise ConditionProblem("condition-type", f"the condition evaluates to {result!r}, not true or false")


def domain(feature: Feature, constants: Iterable[int] = ()) -> list:
    """The values that stand for every possible value of `feature` in conditions using `constants`."""
    if feature.type == "boolean":
        return [False, True]
    if feature.type == "enum":
        return [v.code for v in feature.values]
    low = feature.min if feature.min is not None else 0
    if feature.max is not None:
        return list(range(low, feature.max + 1))
    points = {low} | {c for c in constants if c >= low} | {c + 1 for c in constants if c + 1 >= low}
    return sorted(points)


def domain_size(features: Iterable[Feature], constants: Iterable[int] = ()) -> int:
    size = 1
    constants = tuple(constants)
    for f in features:
        size *= len(domain(f, constants))
    return size


@dataclass
class DecisionTable:
    """Every combination of a decision's features, and which branches apply to each."""

    features: list[str]  # the features the decision's conditions read, in declaration order
    domains: list[list]  # the representative values of each
    matches: list[tuple[int, ...]]  # per combination (mixed radix, first feature most significant): branch indexes

    def combinations(self) -> Iterable[tuple[dict, tuple[int, ...]]]:
        for values, match in zip(itertools.product(*self.domains), self.matches):
            yield dict(zip(self.features, values)), match

    def lookup(self, values: dict[str, Any]) -> tuple[int, ...]:
        """The branches that apply to a case (the same look-up the HTML panel does in JavaScript)."""
        index = 0
        for name, dom in zip(self.features, self.domains):
            index = index * len(dom) + bucket(dom, values[name])
        return self.matches[index]

    def as_json(self) -> dict:
        return {"features": self.features, "domains": self.domains, "matches": [list(m) for m in self.matches]}


def bucket(dom: list, value: Any) -> int:
    """The position in a domain that stands for `value` (integers: the last point not above it)."""
    if dom and isinstance(dom[0], bool) or (dom and isinstance(dom[0], str)):
        return dom.index(value)
    return max(bisect.bisect_right(dom, value) - 1, 0)


def decision_table(conditions: list[Condition], features: dict[str, Feature]) -> DecisionTable:
    """Evaluate every branch's condition (fhirpathpy) on every combination of the features they read."""
    used = {name for c in conditions for name in c.features}
    names = [name for name in features if name in used]
    constants = sorted({k for c in conditions for k in c.constants})
    domains = [domain(features[n], constants) for n in names]
    matches = []
    for values in itertools.product(*domains):
        case = dict(zip(names, values))
        matches.append(tuple(i for i, c in enumerate(conditions) if evaluate(c.text, {n: case[n] for n in c.features})))
    return DecisionTable(names, domains, matches)
