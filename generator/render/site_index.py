"""The index page of a build folder: every guideline with its title, version and status, and its
documents, one link each (the clinician protocol first, then the patient explainer, the flowchart,
its part-figures and any other document).

Used by `guideline serve` (the preview's home page) and by CI, which writes build/index.html
before publishing build/ to GitHub Pages: `python -m generator.render.site_index build`.
Standard library only, so the CI step needs no virtual environment.
"""

from __future__ import annotations

import html
import json
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.regular_file import read_regular
from generator.content.slug import is_slug
from generator.diagnostics import one_line

INDEX = "index.html"
MANIFEST = "manifest.json"
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
# The clinician protocol's head names the guideline (templates/protocol/protocol.html).
_META = re.compile(r'<meta name="guideline-(title|version|status)" content="([^"]*)">', re.I)
PROTOCOL = "clinician-protocol.html"
# How documents are ordered and named on the index (anything else: by file name, after these).
# (as on the published site, generator/tools/publish_site.py: the PDF before the web page)
_ORDER = ("clinician-protocol.pdf", "clinician-protocol.html", "patient-explainer.pdf", "patient-explainer.html", "flowchart.svg")
_LABELS = {
    "clinician-protocol.html": "Clinician protocol (HTML)",
    "clinician-protocol.pdf": "Clinician protocol (PDF)",
    "patient-explainer.html": "Patient explainer (HTML)",
    "patient-explainer.pdf": "Patient explainer (PDF)",
    "flowchart.svg": "Treatment algorithm, whole drawing (SVG)",
}
_PART = re.compile(r"^flowchart-(\d+[a-z]?)\.svg$")
# a translation of the patient explainer: patient-explainer.<language tag>.<html|pdf>
_TRANSLATION = re.compile(r"^patient-explainer\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\.(html|pdf)$")
_KINDS = {".pdf": "PDF", ".html": "HTML", ".svg": "SVG", ".json": "JSON", ".cff": "CFF"}
_NAMES = {"CITATION": "Citation metadata", "datacite": "DataCite metadata", "zenodo": "Zenodo metadata"}
# A build folder can hold what nobody built (a committed `build/`, an archive): nothing is read
# through a symbolic link, only regular files are opened, and reads are bounded.
TITLE_BYTES = 8192  # a page's <title> is in its first bytes
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024  # larger "documents" are not listed (nor served by the preview)


def regular_file(path: Path) -> os.stat_result | None:
    """The file's status when it is a regular file and not a symbolic link; else None."""
    try:
        st = os.lstat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def _real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


@dataclass
class Document:
    filename: str
    size: int

    @property
    def label(self) -> str:
        if self.filename in _LABELS:
            return _LABELS[self.filename]
        translation = _TRANSLATION.match(self.filename)
        if translation:
            return f"Patient explainer, {translation.group(1)} translation ({_KINDS['.' + translation.group(2)]})"
        part = _PART.match(self.filename)
        if part:
            return f"Treatment algorithm, Figure {part.group(1)} (SVG)"
        stem, ext = os.path.splitext(self.filename)
        name = _NAMES.get(stem) or stem.replace("-", " ").capitalize()
        return f"{name} ({_KINDS.get(ext, ext.lstrip('.').upper())})"

    @property
    def order(self) -> tuple:
        name = self.filename
        if name in _ORDER:
            return (_ORDER.index(name), "")
        if _TRANSLATION.match(name):  # right after the patient explainer it translates
            return (_ORDER.index("patient-explainer.html"), name)
        return (len(_ORDER), name)


@dataclass
class Entry:
    id: str
    title: str
    documents: list[Document] = field(default_factory=list)
    version: str | None = None
    status: str | None = None


def _named(folder: Path) -> dict[str, str]:
    """The guideline's title, version and status, as its clinician protocol's head gives them."""
    data = read_regular(folder / PROTOCOL, TITLE_BYTES)
    if data is None:
        return {}
    return {k.lower(): html.unescape(v).strip() for k, v in _META.findall(data.decode("utf-8", errors="replace")) if v.strip()}


def _title_of(folder: Path) -> str | None:
    for page in sorted(folder.glob("*.html")):
        data = read_regular(page, TITLE_BYTES)  # `a.html -> /dev/zero` is not a page
        if data is None:
            continue
        m = _TITLE.search(data.decode("utf-8", errors="replace"))
        if m and m.group(1).strip():
            return html.unescape(" ".join(m.group(1).split()))
    return None


def collect(build_dir: Path, only: set[str] | None = None) -> list[Entry]:
    """The guidelines built into build_dir (folders holding a manifest.json), sorted by id.

    `only`: the guideline ids to list (the preview lists only what it built itself). Folders and
    files that are symbolic links, and documents that are not regular files, are left out.
    """
    entries = []
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        return entries
    for folder in sorted(p for p in build_dir.iterdir() if is_slug(p.name) and _real_folder(p)):
        if only is not None and folder.name not in only:
            continue
        raw = read_regular(folder / MANIFEST, MAX_MANIFEST_BYTES + 1)
        if raw is None or len(raw) > MAX_MANIFEST_BYTES:
            continue
        try:
            outputs = json.loads(raw.decode("utf-8")).get("outputs", {})
            files = sorted({o.get("file") for o in outputs.values() if isinstance(o, dict) and isinstance(o.get("file"), str)}
                           | {f for o in outputs.values() if isinstance(o, dict) and isinstance(o.get("files"), dict)
                              for f in o["files"] if isinstance(f, str)})  # companions: the flowchart's part-figures
        except (ValueError, AttributeError, TypeError):
            continue
        docs = []
        for f in files:
            st = regular_file(folder / f) if "/" not in f and not f.startswith(".") else None
            if st is not None and st.st_size <= MAX_DOCUMENT_BYTES:
                docs.append(Document(f, st.st_size))
        docs.sort(key=lambda d: d.order)
        named = _named(folder)
        entries.append(
            Entry(folder.name, named.get("title") or _title_of(folder) or folder.name, docs, named.get("version"), named.get("status"))
        )
    return entries


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


STYLE = """
body{font:16px/1.5 "DejaVu Sans",system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-bottom:.2rem}.id{color:#555;font-size:.9rem;margin-top:0}
ul{padding-left:1.2rem}.size{color:#555;font-size:.85rem}
.problems{border:2px solid #b00020;background:#fff4f4;padding:.5rem 1rem;margin:1rem 0}
.problems h2{color:#b00020}.problems pre{white-space:pre-wrap;font-size:.85rem}
.status{color:#555;font-size:.9rem}
"""


def render_index(entries: list[Entry], *, title: str = "Guidelines", before: str = "", head: str = "") -> str:
    """The index page. `before` is trusted HTML placed above the list (the preview's status panel)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style>",
        head,
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
        before,
    ]
    if not entries:
        parts.append("<p>No guideline has been built yet.</p>")
    for e in entries:
        parts.append(f'<section id="{html.escape(e.id)}">')
        parts.append(f"<h2>{html.escape(e.title)}</h2>")
        facts = [f"version {e.version}" if e.version else "", e.status or ""]
        shown = " · ".join(f for f in facts if f)
        parts.append(f'<p class="id">{html.escape(e.id)}{(" · " + html.escape(shown)) if shown else ""}</p>')
        parts.append("<ul>")
        for d in e.documents:
            href = html.escape(f"{e.id}/{d.filename}")
            parts.append(f'<li><a href="{href}">{html.escape(d.label)}</a> <span class="size">{_size(d.size)}</span></li>')
        parts.append("</ul>")
        parts.append("</section>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(p for p in parts if p)


def write_index(build_dir: Path) -> Path:
    """Write build_dir/index.html (atomically) and return its path."""
    build_dir = Path(build_dir)
    target = build_dir / INDEX
    tmp = build_dir / f".{INDEX}.tmp"
    tmp.write_text(render_index(collect(build_dir)), encoding="utf-8")
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m generator.render.site_index BUILD-DIR", file=sys.stderr)
        return 2
    build_dir = Path(args[0])
    if not build_dir.is_dir():
        print(f"error: {one_line(str(build_dir))}: no such folder", file=sys.stderr)
        return 2
    target = write_index(build_dir)
    n = len(collect(build_dir))
    print(f"wrote {one_line(str(target))} ({n} guideline{'s' if n != 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
