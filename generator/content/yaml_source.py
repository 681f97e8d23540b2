"""Safe YAML loading that remembers where every value came from.

PyYAML composes the node graph (in C when libyaml is present); we build the Python values
ourselves so that we can reject what a guideline must never contain (Python tags, duplicate
keys, non-string keys), bound alias expansion ("billion laughs"), and record the line and
column of every key and value in a `SourceMap`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from generator.diagnostics import Diagnostic, Location

try:  # libyaml's parser is ~3x faster; the pure-Python one behaves the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000  # values after alias expansion: far above a real guideline, far below a bomb
MAX_DEPTH = 64
MAX_CHARS = 2 * MAX_FILE_BYTES  # text after alias expansion; without aliases it is at most the file's size
_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")  # line breaks to YAML, not to editors or GitHub

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}

_scalar_constructor = yaml.constructor.SafeConstructor()

class Mark(NamedTuple):
    """Where a node was written. A NamedTuple, not a dataclass: one is made for every value of every
    file, and a tuple is several times cheaper to create."""

    line: int  # 1-based
    column: int  # 1-based
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    index: int = -1  # character offsets of the node's start and end in the file's text
    end: int = -1


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of one file was written.

    It keeps the file's text and, the first time a location is asked for, composes it again (the
    parse that produced the values succeeded, so this one does) and finds the value's node by
    walking its path. A clean file is never asked: a check pays nothing per value for locations it
    does not print, and no node tree is kept alive for it. `prefix` is the path of the tree's root
    in the data the loader validates (a bare CSL-JSON array is validated as `references:`)."""

    path: str
    text: str | None = field(default=None, repr=False)  # the file's text, to find characters inside values
    prefix: tuple = ()
    _root: Any = field(default=None, init=False, repr=False, compare=False)  # the composed yaml.Node
    _line_starts: list[int] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def root(self) -> Any:
        if self._root is None and self.text is not None:
            loader = _Loader(self.text)
            try:
                self._root = loader.get_single_node()
            finally:
                loader.dispose()
        return self._root

    @property
    def values(self) -> "_Marks":
        return _Marks(self, key=False)

    @property
    def keys(self) -> "_Marks":
        return _Marks(self, key=True)

    def shifted(self, prefix: tuple) -> "SourceMap":
        """The same file, its root at `prefix` of the validated data."""
        shifted = SourceMap(self.path, self.text, prefix + self.prefix)
        shifted._root = self._root
        return shifted

    def mark(self, path: tuple, *, key: bool = False) -> Mark | None:
        """The mark of the value at `path` (of its key, with key=True), or None when nothing is there."""
        p = tuple(path)
        if p[: len(self.prefix)] != self.prefix:
            return None
        p = p[len(self.prefix) :]
        if key and not p:
            return None
        node = self.root
        key_node = None
        for step in p:
            node, key_node = _child(node, step)
            if node is None:
                return None
        if node is None:
            return None
        return _mark(key_node if key else node)

    def location(self, path: tuple = (), *, key: bool = False) -> Location:
        """The location of the value at `path` (or of its key); falls back to the nearest ancestor."""
        p = tuple(path)
        while True:
            mark = (self.mark(p, key=True) if key else None) or self.mark(p)
            if mark is not None:
                return Location(self.path, mark.line, mark.column)
            if not p:
                return Location(self.path, 1, 1)
            p = p[:-1]

    def text_location(self, path: tuple, offset: int, text: str) -> Location:
        """The location of character `offset` inside the string value at `path`."""
        mark = self.mark(tuple(path))
        if mark is None:
            return self.location(path)
        found = self._find_in_source(mark, offset, text)
        if found is not None:
            return found
        if mark.style in ("'", '"'):  # escapes (\n, \u202e, '') make the value's lines not the file's
            return Location(self.path, mark.line, mark.column)
        before = text[:offset]
        newlines = before.count("\n")
        if mark.style in ("|", ">"):
            # Block scalars start on the line after the indicator; their indentation is unknown here,
            # so the column is the mark's (the indicator's) column.
            return Location(self.path, mark.line + 1 + newlines, mark.column)
        if newlines:
            return Location(self.path, mark.line + newlines, 1)
        return Location(self.path, mark.line, mark.column + len(before) + (1 if mark.style else 0))


    def _find_in_source(self, mark: Mark, offset: int, value: str) -> Location | None:
        """Where value[offset] was written: folding (`>`, plain and quoted scalars over several lines) and
        block indentation change line breaks and spaces, never the characters of a word, so the n-th
        occurrence of the word at `offset` in the value is its n-th occurrence in the node's source."""
        if self.text is None or mark.index < 0 or mark.end <= mark.index or not 0 <= offset < len(value):
            return None
        word = re.match(r"\S{1,40}", value[offset:])  # bounded: counting long periodic words is quadratic
        if word is None:
            return None
        needle = word.group()
        span = self.text[mark.index : mark.end]
        nth, total = _count(value, needle, offset), _count(value, needle, len(value))
        if nth is None or total is None or total != _count(span, needle, len(span)):
            return None  # escapes or quoting changed the word (or it repeats too often): count lines instead
        at = -1
        for _ in range(nth + 1):
            at = span.find(needle, at + 1)
        if at < 0:
            return None
        at += mark.index
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, at)
        return Location(self.path, line, at - self._line_starts[line - 1] + 1)


def _count(haystack: str, needle: str, stop: int, limit: int = 10_000) -> int | None:
    """Occurrences of needle starting before `stop` (overlapping ones included); None past `limit`."""
    n, at = 0, haystack.find(needle)
    while 0 <= at < stop:
        n += 1
        if n > limit:
            return None
        at = haystack.find(needle, at + 1)
    return n


class _Marks:
    """`source.values` / `source.keys`: the marks by path, as a read-only mapping view."""

    def __init__(self, source: SourceMap, key: bool):
        self._source, self._key = source, key

    def get(self, path: tuple, default: Any = None) -> Mark | None:
        mark = self._source.mark(path, key=self._key)
        return default if mark is None else mark

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self._source.mark(path, key=self._key) is not None

    def values(self):
        """Every mark in the file (each node once, in document order)."""
        seen: set[int] = set()
        root = self._source.root
        stack = [root] if root is not None else []
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for k, v in reversed(node.value):
                    stack.append(v)
                    if self._key:
                        yield _mark(k)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))
            if not self._key:
                yield _mark(node)


def _child(node: Any, step: Any) -> tuple[Any, Any]:
    """The node at `step` (a key or an index) below `node`, and its key node; (None, None) if absent.
    The first of duplicate keys, as the loader keeps it."""
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and _key_text(key_node) == step:
                return value_node, key_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step], None
    return None, None


def _key_text(key_node: yaml.ScalarNode) -> str:
    """A mapping key as the loader stores it: its value when it is a string, else as written."""
    try:
        key = _scalar(key_node)
    except (ValueError, OverflowError, KeyError):
        return key_node.value
    return key if isinstance(key, str) else str(key_node.value)


@dataclass
class YamlDocument:
    data: Any
    source: SourceMap


class _Budget(Exception):
    pass


class _Rejected(Exception):
    def __init__(self, mark: Any, code: str, message: str):
        super().__init__(message)
        self.mark = mark
        self.code = code
        self.message = message


def _mark(node: yaml.Node) -> Mark:
    m = node.start_mark
    style = getattr(node, "style", None) or None  # libyaml says "" for plain scalars
    return Mark(m.line + 1, m.column + 1, style, m.index, node.end_mark.index)


def _loc(path: str, mark: Any) -> Location:
    if mark is None:
        return Location(path, 1, 1)
    return Location(path, mark.line + 1, mark.column + 1)


def read_text(path: Path, display: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a content file as UTF-8 text, with a diagnostic (not an exception) for each way it can fail."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Diagnostic.error(Location(display), "file-unreadable", f"cannot read file: {exc.strerror}")]
    if size > MAX_FILE_BYTES:
        return None, [
            Diagnostic.error(
                Location(display, 1, 1),
                "file-too-large",
                f"file is {size:,} bytes; content files may be at most {MAX_FILE_BYTES:,} bytes",
            )
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic.error(Location(display), "file-unreadable", f"cannot read file: {exc.strerror}")]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [
            Diagnostic.error(
                Location(display, 1, 1),
                "encoding-bom",
                "file starts with a byte-order mark; save it as UTF-8 without BOM",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Diagnostic.error(
                Location(display, line, column),
                "encoding-not-utf8",
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8",
            )
        ]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [Diagnostic.error(Location(display, line, 1), "encoding-not-utf8", "file contains a NUL byte")]
    return text, []


def parse_yaml(text: str, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse one YAML document from text into plain Python values plus a SourceMap."""
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return None, [Diagnostic.error(Location(display, 1, 1), "yaml-empty", "file is empty")]
    odd = _ODD_BREAK.search(text)
    if odd:  # YAML counts these as line breaks and editors do not: every later line number would be off
        at = odd.start()
        where = Location(display, text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))
        what = "a carriage return without a line feed" if odd.group() == "\r" else f"the line separator U+{ord(odd.group()):04X}"
        return None, [
            Diagnostic.error(where, "invisible-character", f"{what} (YAML reads it as a line break); use a plain line break or a space")
        ]
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "quoted scalar" in (exc.context or ""):
            mark = exc.context_mark  # where the unclosed quote opened, not the end of the file
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.context not in problem:
            problem = f"{problem} ({exc.context})"
        if "\t" in text and "tab" in problem.lower() or _tab_at(text, mark):
            problem += "; indent with spaces, not tabs"
        where = _loc(display, mark)
        lines = text.split("\n")
        if lines[-1] == "" and len(lines) > 1:
            lines.pop()
        if where.line > len(lines):  # the end of a truncated file: point at its last line, not beyond
            where = Location(display, len(lines), len(lines[-1]) + 1)
        lookalike = _lookalike(lines[: where.line])
        if lookalike:  # pasted from a word processor: the real cause, not where the parser gave up
            line, column, char = lookalike
            where = Location(display, line, column)
            what, needed = ("a full-width colon", "a colon") if char == FULLWIDTH_COLON else ("a non-breaking or typographic space", "a plain space")
            problem = f"U+{ord(char):04X} ({what}) where YAML needs {needed}; retype it ({problem})"
        return None, [Diagnostic.error(where, "yaml-syntax", problem)]
    except yaml.YAMLError as exc:  # e.g. a reader error for control characters
        mark = getattr(exc, "problem_mark", None)
        if mark is None and hasattr(exc, "position"):
            # A reader error (a control character): libyaml counts bytes, so find the character itself.
            char = getattr(exc, "character", None)
            at = text.find(chr(char) if isinstance(char, int) else str(char or "\x00")[:1])
            where = Location(display, text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)) if at >= 0 else Location(display, 1, 1)
            return None, [Diagnostic.error(where, "yaml-syntax", str(exc).splitlines()[0])]
        return None, [Diagnostic.error(_loc(display, mark), "yaml-syntax", str(exc).splitlines()[0])]
    except RecursionError:
        return None, [Diagnostic.error(Location(display, 1, 1), "yaml-too-deep", "YAML nesting is too deep")]
    if node is None:
        return None, [Diagnostic.error(Location(display, 1, 1), "yaml-empty", "file is empty")]

    source = SourceMap(display, text)
    budget = [0, 0]  # values, and characters of text, after alias expansion
    diagnostics: list[Diagnostic] = []
    try:
        data = _build(node, display, budget, 0, diagnostics)
    except _Budget as exc:
        return None, [
            Diagnostic.error(
                _loc(display, exc.args[0] if exc.args else None),
                "yaml-alias-limit",
                f"aliases expand the document past {MAX_NODES:,} values or {MAX_CHARS:,} characters (alias bomb?); "
                "write the values out",
            )
        ]
    except _Rejected as exc:
        return None, [Diagnostic.error(_loc(display, exc.mark), exc.code, exc.message)]
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    return YamlDocument(data, source), diagnostics


# A space YAML does not see as one, in indentation or after a key's colon, or a full-width colon after a key.
_LOOKALIKE = re.compile("^ *(?:- +)?(?:[\u00a0\u2000-\u200a\u202f\u205f\u3000]|[^\\s:#'\"\\[{]+(?::[\u00a0\u2000-\u200a\u202f\u205f\u3000]|\uff1a))")


FULLWIDTH_COLON = "\uff1a"


def _lookalike(lines: list[str]) -> tuple[int, int, str] | None:
    for number, line in enumerate(lines, 1):
        m = _LOOKALIKE.match(line)
        if m:
            return number, m.end(), m.group()[-1]
    return None


def _tab_at(text: str, mark: Any) -> bool:
    if mark is None:
        return False
    lines = text.splitlines()
    if mark.line >= len(lines):
        return False
    line = lines[mark.line]
    return "\t" in line[: len(line) - len(line.lstrip())]


def _build(node: yaml.Node, display: str, budget: list[int], depth: int, diags: list) -> Any:
    """The Python value of `node`, refusing what content must not hold. Locations are not recorded
    here: the SourceMap finds a node from its path when one is asked for."""
    budget[0] += 1
    if budget[0] > MAX_NODES:
        raise _Budget(node.start_mark)
    if depth > MAX_DEPTH:
        raise _Rejected(node.start_mark, "yaml-too-deep", f"YAML nesting deeper than {MAX_DEPTH} levels")
    if node.tag not in _STANDARD_TAGS:
        raise _Rejected(
            node.start_mark,
            "yaml-tag",
            f"tag {_short_tag(node.tag)} is not allowed; content files hold plain strings, numbers, lists and mappings",
        )
    if isinstance(node, yaml.ScalarNode):
        budget[1] += len(node.value)
        if budget[1] > MAX_CHARS:  # a long text aliased a thousand times: small file, gigabytes to check
            raise _Budget(node.start_mark)
        if node.tag == _STR_TAG:
            return node.value
        try:
            return _scalar(node)
        except (ValueError, OverflowError, KeyError) as exc:  # 2026-02-30, 25:00:00, a 5,000-digit number
            diags.append(
                Diagnostic.error(
                    _loc(display, node.start_mark),
                    "invalid-value",
                    f"{node.value[:40]!r} cannot be read ({str(exc).split(';')[0]}); fix it, or quote it if it is text",
                )
            )
            return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, display, budget, depth + 1, diags) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Rejected(key_node.start_mark, "yaml-tag", "merge keys (<<) are not allowed; write the fields out")
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _STANDARD_TAGS:
                raise _Rejected(key_node.start_mark, "yaml-key", "mapping keys must be plain strings")
            key = key_node.value if key_node.tag == _STR_TAG else _key_text(key_node)
            if key in result:
                first = next(k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and _key_text(k) == key)
                where = f" (first defined on line {first.start_mark.line + 1})"
                diags.append(
                    Diagnostic.error(
                        _loc(display, key_node.start_mark),
                        "yaml-duplicate-key",
                        f"duplicate key {key!r}{where}",
                    )
                )
                continue
            result[key] = _build(value_node, display, budget, depth + 1, diags)
        return result
    raise _Rejected(node.start_mark, "yaml-syntax", "unsupported YAML node")  # pragma: no cover


_STR_TAG = "tag:yaml.org,2002:str"
_COLLECTION_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
_CONSTRUCTORS = yaml.constructor.SafeConstructor.yaml_constructors


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a scalar node: strings as they are (most values), other standard tags by
    SafeConstructor's own function for that tag (called directly: no recursion bookkeeping, and
    nothing kept in the shared constructor)."""
    if node.tag == _STR_TAG:
        return node.value
    if node.tag in _COLLECTION_TAGS:  # `!!seq text`: the constructor would hand back a generator
        raise ValueError(f"{_short_tag(node.tag)} on a single value")
    return _CONSTRUCTORS[node.tag](_scalar_constructor, node)


def _short_tag(tag: str) -> str:
    if tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:") :]
    return tag
