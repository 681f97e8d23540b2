"""Helpers for the renderer tests: load a guideline and run the documents' view()/render() directly.

(The build engine does the same through generator/render/documents.py; these tests do not depend on it.)
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from generator.content.loader import Guideline, load_guideline

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "fixtures" / "valid" / "minimal"
REAL = sorted(p for p in (ROOT / "content").glob("*/") if (p / "guideline.yaml").is_file())


@dataclass
class Rendered:
    guideline: Guideline
    svg: bytes
    html: bytes
    pdf: bytes | None
    files: dict[str, bytes]  # the flowchart's files: flowchart.svg, and its part-figures when split


def load(folder: Path) -> Guideline:
    result = load_guideline(Path(folder))
    assert result.guideline.meta is not None, [d.format_text() for d in result.diagnostics]
    return result.guideline


def render_all(g: Guideline, pdf: bool = True) -> Rendered:
    from generator.render import flowchart, protocol, protocol_pdf

    fview = flowchart.view(g)
    json.dumps(fview)  # the build engine hashes views: they must be JSON-serialisable
    files = flowchart.render(fview, {})
    svg = files[flowchart.FILE]
    # as the build engine passes a document with companion files to those that need it
    deps = {"flowchart": svg, **{f"flowchart/{name}": data for name, data in files.items() if name != flowchart.FILE}}
    pview = protocol.view(g)
    json.dumps(pview)
    html = protocol.render(pview, deps)
    out = None
    if pdf:
        dview = protocol_pdf.view(g)
        json.dumps(dview)
        out = protocol_pdf.render(dview, {"clinician-protocol-html": html, **deps})
    return Rendered(g, svg, html, out, files)


def copy_minimal(tmp_path: Path, name: str = "minimal") -> Path:
    target = tmp_path / name
    shutil.copytree(MINIMAL, target)
    return target


def pdf_text(pdf: bytes, tmp_path: Path | None = None, first: int | None = None, last: int | None = None) -> str:
    """The text of pages first..last (1-based, inclusive; default all), pages separated by a form feed.

    Read with pypdf (a pinned wheel: no system package needed), one line per text line, so a page's
    lines can be matched with ^...$ in re.M mode. A word broken at a line-end hyphen is joined again
    ("second-\\nline" -> "second-line"), as pdftotext did. `tmp_path` is unused.
    """
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    start = (first or 1) - 1
    stop = min(last or len(pages), len(pages))
    text = "\f".join(pages[i].extract_text() for i in range(start, stop))
    return re.sub(r"(?<=\w-)\n(?=\w)", "", text)


def squash(text: str) -> str:
    return " ".join(text.split())


class _Blocks(HTMLParser):
    """Text of each block element (p, li, td, ...) of a Markdown rendering, as a reader sees it."""

    BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []

    def _flush(self):
        text = squash("".join(self._current))
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS or tag in ("ul", "ol"):
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        self._current.append(data)

    def close(self):
        super().close()
        self._flush()


def rendered_blocks(markdown_text: str) -> list[str]:
    from generator.content.markdown import render_block

    parser = _Blocks()
    parser.feed(render_block(markdown_text))
    parser.close()
    return parser.blocks


def strip_page_furniture(text: str, guideline: Guideline) -> str:
    """pdf_text output without the running header/footer and watermark, so paragraphs read across pages."""
    meta = guideline.meta
    text = text.replace("\f", "\n")
    for furniture in (
        "DRAFT – not for clinical use",
        meta.short_title or meta.title,
        f"Version {meta.version}",
    ):
        text = text.replace(furniture, " ")
    text = re.sub(r"Status: \w+", " ", text)
    text = re.sub(r"Page \d+ of \d+", " ", text)
    return squash(text)


def unescape(text: str) -> str:
    return html_lib.unescape(text)


def marked_content_reachability(pdf: bytes) -> tuple[int, int, int]:
    """(marked-content ids in the page streams, how many the structure tree reaches, artifact sequences)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject

    reader = PdfReader(io.BytesIO(pdf))
    reached: set[tuple[int, int]] = set()
    seen: set[int] = set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, ArrayObject):
            stack.extend(item)
            continue
        if not isinstance(item, DictionaryObject) or "/K" not in item:
            continue
        page = item.get("/Pg")
        kids = item["/K"] if isinstance(item["/K"], ArrayObject) else [item["/K"]]
        for kid in kids:
            if isinstance(kid, int):
                reached.add((page.idnum, int(kid)))
                continue
            obj = kid.get_object()
            if obj.get("/Type") == "/MCR":
                reached.add((obj.get("/Pg", page).idnum, int(obj["/MCID"])))
            elif obj.get("/Type") != "/OBJR":
                stack.append(kid)
    ids, found, artifacts = 0, 0, 0
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator not in (b"BDC", b"BMC"):
                continue
            if operands[0] == "/Artifact":
                artifacts += 1
            elif operator == b"BDC" and isinstance(operands[1], DictionaryObject) and "/MCID" in operands[1]:
                ids += 1
                found += (page.indirect_reference.idnum, int(operands[1]["/MCID"])) in reached
    return ids, found, artifacts
