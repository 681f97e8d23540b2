"""Property-based tests: the loader and `check` never raise, never hang, and report with valid locations.

Hypothesis generates random YAML text, random structured documents (serialised with yaml.safe_dump),
random bytes, and random mutations of the valid fixture guideline. Runs are derandomised (a fixed
seed derived from each test) and keep no example database, so CI sees the same examples every time;
each test is bounded by pytest-timeout.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.check.run import CheckContext, run_rules
from generator.error_codes import CODES
from generator.content.loader import KNOWN_FILES, load_guideline
from generator.content.yaml_source import MAX_DEPTH, parse_yaml, read_text

VALID = Path(__file__).parent / "fixtures" / "valid" / "minimal"
FILES = sorted(p.name for p in VALID.iterdir())
TODAY = CheckContext(today=dt.date(2026, 6, 1))

BOUNDED = settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,  # wall-clock limits are pytest-timeout's job (the machine is shared and noisy)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters that matter to YAML, Markdown, HTML and templates, plus some that should never appear.
SPICY = ":-?[]{},&*!|>'\"%@`#\t\n\r <>/\\=;()$~^" + "\u202e\u200b\ufeff\x00\x07\x85\u2028é中🙂"
yaml_text = st.text(alphabet=st.sampled_from(list(SPICY) + list("abcxyz019 \n")), max_size=300)


def _n_lines(text: str) -> int:
    return text.count("\n") + 1


def _assert_located(diags, text: str, display: str) -> None:
    for d in diags:
        assert d.code in CODES, d
        assert d.location.path == display
        assert 0 <= d.location.line <= _n_lines(text), (d, _n_lines(text))
        assert d.location.column >= 0, d


# --------------------------------------------------------------------------- YAML text


@pytest.mark.timeout(60)
@BOUNDED
@given(text=st.one_of(yaml_text, st.text(max_size=300)))
def test_random_text_is_parsed_or_reported(text):
    doc, diags = parse_yaml(text, "x.yaml")
    assert (doc is None) == any(d.is_error for d in diags)
    if doc is None:
        assert diags, "a rejected document must say why"
    _assert_located(diags, text, "x.yaml")


# Line breaks YAML knows and editors do not are rejected by design (see the yaml-line-separator case).
plain_text = st.text(alphabet=st.characters(exclude_characters="\r\x85\u2028\u2029", exclude_categories=("Cs",)), max_size=40)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    plain_text,
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(plain_text.filter(bool), children, max_size=5),
    ),
    max_leaves=40,
)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isinf(a) and math.isinf(b) and (a > 0) == (b > 0))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@pytest.mark.timeout(60)
@BOUNDED
@given(data=documents, flow=st.booleans())
def test_structured_documents_load_like_safe_load(data, flow):
    """Any document PyYAML's safe_dump writes (no tags, no aliases) loads to the same values, with a location for each."""
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    doc, diags = parse_yaml(text, "x.yaml")
    _assert_located(diags, text, "x.yaml")
    if data is None or (isinstance(data, (list, dict)) and not data) or (isinstance(data, str) and not data.strip()):
        return  # an empty document is reported as empty, by design
    assert doc is not None, [d.format_text() for d in diags]
    assert _same(doc.data, yaml.safe_load(text))
    for mark in doc.source.values.values():
        assert 1 <= mark.line <= _n_lines(text)


@pytest.mark.timeout(60)
@BOUNDED
@given(raw=st.one_of(st.binary(max_size=400), yaml_text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_random_bytes_are_read_or_reported(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "statements.yaml"
        path.write_bytes(raw)
        text, diags = read_text(path, "statements.yaml")
        if text is None:
            assert diags and all(d.is_error for d in diags)
            for d in diags:
                assert 0 <= d.location.line <= raw.count(b"\n") + 1
            return
        doc, diags = parse_yaml(text, "statements.yaml")
        _assert_located(diags, text, "statements.yaml")


@pytest.mark.timeout(60)
@settings(BOUNDED, max_examples=20)
@given(depth=st.integers(min_value=MAX_DEPTH - 2, max_value=3000), kind=st.sampled_from(["[", "{a: ", "- "]))
def test_deep_nesting_is_bounded(depth, kind):
    if kind == "- ":
        text = "".join("  " * i + "-\n" for i in range(min(depth, 400)))
    else:
        text = kind * depth + ("]" if kind == "[" else "}") * depth
    doc, diags = parse_yaml(text, "x.yaml")
    _assert_located(diags, text, "x.yaml")


# --------------------------------------------------------------------------- mutations of the valid guideline


HOSTILE = [
    "<script>alert(1)</script>",
    "{{ config }}",
    "{% include '/etc/passwd' %}",
    "[x](javascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "![x](file:///etc/passwd)",
    '<img src="http://evil.example/t.png">',
    "\u202e",
    "\u200b",
    "\x00",
    "\x07",
    "\ufeff",
    "\t",
    "!!python/object/apply:os.system ['true']",
    "!include /etc/passwd",
    "&a [*a, *a]",
    "*undefined_alias",
    "<<: *a",
    "---",
    "...",
    "%YAML 1.1",
    "? [a, b]",
    "../../etc/passwd",
    "2026-02-30",
    "9" * 5000,
    "X" * 500,
    "'unclosed",
    '"unclosed',
    "{unclosed",
    "[unclosed",
    "|",
    ">-",
    "é中🙂",
]
OTHER_TYPES = ["[]", "{}", "123", "1.5", "null", "true", '""', "[a, b]", "{a: b}", "- x", "2026-01-01"]


@st.composite
def mutated_guideline(draw):
    name = draw(st.sampled_from(FILES))
    lines = (VALID / name).read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if not lines:
            lines = [""]
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "tab", "retype", "hostile", "truncate"]))
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap" and len(line) >= 2:
            j = draw(st.integers(min_value=0, max_value=len(line) - 2))
            lines[i] = line[:j] + line[j + 1] + line[j] + line[j + 2 :]
        elif op == "indent":
            lines[i] = " " * draw(st.integers(min_value=1, max_value=5)) + line
        elif op == "dedent":
            lines[i] = line[draw(st.integers(min_value=1, max_value=4)) :]
        elif op == "tab":
            lines[i] = "\t" + line.lstrip(" ")
        elif op == "retype" and ": " in line:
            key = line.split(": ", 1)[0]
            lines[i] = f"{key}: {draw(st.sampled_from(OTHER_TYPES))}"
        elif op == "hostile":
            at = draw(st.integers(min_value=0, max_value=len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(HOSTILE)) + line[at:]
        elif op == "truncate":
            cut = draw(st.integers(min_value=0, max_value=len(line)))
            lines = lines[:i] + [line[:cut]]
    return name, "\n".join(lines)


@pytest.mark.timeout(90)
@BOUNDED
@given(mutation=mutated_guideline())
def test_mutated_guideline_is_loaded_and_checked_or_reported(mutation):
    name, text = mutation
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "minimal"
        shutil.copytree(VALID, folder)
        (folder / name).write_text(text, encoding="utf-8")
        result = load_guideline(folder, base=Path(tmp))
        diags = result.diagnostics + run_rules(result.guideline, TODAY)
        texts = {f: (folder / f).read_text(encoding="utf-8") for f in FILES}
        for d in diags:
            assert d.code in CODES, d
            file = d.location.path.rsplit("/", 1)[-1]
            assert d.location.path == f"minimal/{file}" and file in KNOWN_FILES, d
            assert 0 <= d.location.line <= _n_lines(texts.get(file, "")), (d, name)
            assert d.location.column >= 0
        if not any(d.is_error for d in result.diagnostics):
            assert result.guideline.complete and result.guideline.meta is not None


# --------------------------------------------------------------------------- hostile statement text


fragments = st.lists(st.one_of(st.sampled_from(HOSTILE), yaml_text, st.sampled_from(["[a](", "](", ")", "<", ">", "![", "**", "\n\n", "    ", "`"])), max_size=8).map("".join)


@pytest.mark.timeout(60)
@BOUNDED
@given(text=fragments)
def test_any_statement_text_is_checked_and_renders_inert(text):
    """Whatever an author writes as statement text: check locates its findings; the renderer emits no markup from it."""
    import json

    from generator.content.markdown import render_block

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "minimal"
        shutil.copytree(VALID, folder)
        path = folder / "statements.yaml"
        old = "    text: Continue the same TKI after local therapy.\n"
        path.write_text(path.read_text(encoding="utf-8").replace(old, f"    text: {json.dumps(text)}\n"), encoding="utf-8")
        result = load_guideline(folder, base=Path(tmp))
        diags = result.diagnostics + run_rules(result.guideline, TODAY)
        n = _n_lines(path.read_text(encoding="utf-8"))
        for d in diags:
            assert d.code in CODES and 0 <= d.location.line <= n, d
    html = render_block(text).lower()
    for bad in ("<script", "<img", "<iframe", "<style", " style=", "javascript:", "vbscript:", "data:text", "file:"):
        if bad in ("javascript:", "vbscript:", "data:text", "file:"):
            assert f'href="{bad}' not in html and f'src="{bad}' not in html, html
        else:
            assert bad not in html, html


# --------------------------------------------------------------------------- locations inside text values

words = st.lists(
    # no quote characters: inside quoted scalars they are escaped, so not written as they read
    st.text(alphabet=st.sampled_from(list("abcxyz<>{}[]():/#&*!é中-")), min_size=1, max_size=8), min_size=1, max_size=30
)


@pytest.mark.timeout(60)
@BOUNDED
@given(parts=words, style=st.sampled_from([None, ">", "|", '"', "'"]), width=st.integers(min_value=10, max_value=60),
       breaks=st.lists(st.integers(min_value=0, max_value=29), max_size=3))
def test_a_word_inside_a_text_value_is_located_where_it_was_written(parts, style, width, breaks):
    """For folded, literal, quoted and plain multi-line scalars: the location of a word in the value is that word in the file."""
    value = ""
    for i, part in enumerate(parts):
        value += part + ("\n" if i in breaks and style == "|" else " ")
    value = value.strip(" ")
    text = "statement:\n  text: " + yaml.safe_dump(value, default_style=style, width=width, allow_unicode=True).removesuffix("...\n")
    doc, diags = parse_yaml(text, "x.yaml")
    if doc is None or doc.data["statement"]["text"] != value:
        return  # safe_dump's output for this value is not a plain round-trip (e.g. a trailing newline): nothing to locate
    lines = text.split("\n")
    for m in re.finditer(r"\S+", value):
        loc = doc.source.text_location(("statement", "text"), m.start(), value)
        assert 1 <= loc.line <= len(lines)
        written = lines[loc.line - 1][loc.column - 1 :]
        assert written.startswith(m.group()), (m.group(), loc, text)
