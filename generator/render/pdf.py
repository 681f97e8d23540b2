"""The one WeasyPrint wrapper: locked-down resource fetching, tagged PDF/UA-1, reproducible bytes.

* Resources: the fetcher serves only files under templates/ and the build's own generated files
  (passed in memory, e.g. flowchart.svg); any other URL (file:// elsewhere, http(s)://, data:,
  attachments) raises FatalURLFetchingError, which stops the rendering. render_pdf turns it into
  UnsafeResourceError, an ordinary exception carrying the refused URL.
* Fonts: every PDF is set in the fonts under templates/fonts/ (FONTS_STYLESHEET declares them with
  @font-face; the fetcher serves them), never in whatever the machine has installed.
* Reuse: one FontConfiguration per process, compiled stylesheets cached by path.
* Reproducible: no attachments, no random identifiers; creation and modification dates come from
  SOURCE_DATE_EPOCH (a fixed default when unset), so the same HTML gives the same bytes. The font
  subsets are reproducible too: HarfBuzz's subsetter keeps each font's own timestamps, and the
  fontTools subsetter WeasyPrint falls back to without libharfbuzz-subset stamps SOURCE_DATE_EPOCH,
  which render_pdf sets for the render when the caller has not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import mimetypes
import os
from functools import lru_cache
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from generator.content.paths import TEMPLATES
from generator.errors import GuidelineError

# Relative URLs in a document (e.g. <img src="flowchart.svg">) resolve against this virtual folder:
# the build's generated files are served from memory under it, nothing is read from disk there.
GENERATED_BASE = "file:///guideline-build/"
DEFAULT_EPOCH = 946684800  # 2000-01-01T00:00:00Z, used when SOURCE_DATE_EPOCH is unset
PDF_VARIANT = "pdf/ua-1"
FONTS_STYLESHEET = "fonts/fonts.css"  # applied to every PDF, before the document's own stylesheets

FONT_CONFIG = FontConfiguration()


class UnsafeResourceError(GuidelineError):
    """The document asked for a resource outside the project's own assets; the PDF was not made."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"refused to load {url!r}: {reason}")


class RefusedURL(FatalURLFetchingError):
    """Raised inside WeasyPrint to stop rendering at the first forbidden URL."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"refused to load {url!r}: {reason}")


class ProjectFetcher(URLFetcher):
    """Serves templates/ files and in-memory generated files; refuses everything else."""

    def __init__(self, files: Mapping[str, bytes] | None = None):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
        self.files = dict(files or {})
        self.templates = TEMPLATES.resolve()
        self.fetched: list[str] = []  # every URL served, for tests and debugging

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(url, "only the project's own files are served (no network, data: or other schemes)")
        if url.startswith(GENERATED_BASE):
            name = unquote(parts.path[len(urlsplit(GENERATED_BASE).path):])
            if name in self.files:
                self.fetched.append(url)
                return URLFetcherResponse(url, self.files[name], {"Content-Type": _mime(name)})
            raise RefusedURL(url, f"{name!r} is not a file this build generated")
        path = Path(url2pathname(parts.path)).resolve()
        if path.is_relative_to(self.templates) and path.is_file():
            self.fetched.append(url)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path.name)})
        raise RefusedURL(url, f"only files under {TEMPLATES} are served")


def _mime(name: str) -> str:
    if name.endswith(".svg"):
        return "image/svg+xml"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def source_epoch() -> int:
    """SOURCE_DATE_EPOCH when set to a number (reproducible-builds.org), else a fixed default."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        return int(raw) if raw else DEFAULT_EPOCH
    except ValueError:
        return DEFAULT_EPOCH


def source_date(document_date: str | None = None, declared_epoch: str | None = None) -> str:
    """The PDF's creation and modification date, as a W3C date.

    SOURCE_DATE_EPOCH when set; else the date the document declares (<meta name="dcterms.modified">:
    the guideline's last change or its effective date); else the fixed default of source_epoch().
    `declared_epoch` is the caller's SOURCE_DATE_EPOCH (default: the environment's).
    """
    raw = (os.environ.get("SOURCE_DATE_EPOCH", "") if declared_epoch is None else declared_epoch).strip()
    if not (raw and raw.lstrip("-").isdigit()) and document_date:
        try:
            return f"{dt.date.fromisoformat(document_date[:10]).isoformat()}T00:00:00Z"
        except ValueError:
            pass
    moment = dt.datetime.fromtimestamp(source_epoch(), tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def _fixed_epoch():
    """SOURCE_DATE_EPOCH set (to source_epoch()) while WeasyPrint writes: fontTools reads it when it
    stamps a font subset's 'head' table, and would stamp the current time otherwise."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(source_epoch())
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


@lru_cache(maxsize=32)
def _stylesheet(relative: str, mtime_ns: int) -> CSS:
    path = TEMPLATES / relative
    return CSS(string=path.read_text(encoding="utf-8"), base_url=path.resolve().as_uri(),
               url_fetcher=ProjectFetcher(), font_config=FONT_CONFIG)


def stylesheet(relative: str) -> CSS:
    """A stylesheet under templates/, parsed once per process (re-parsed if the file changes)."""
    path = TEMPLATES / relative
    return _stylesheet(relative, path.stat().st_mtime_ns)


def render_pdf(
    html: str | bytes,
    *,
    files: Mapping[str, bytes] | None = None,
    stylesheets: tuple[str, ...] = (),
) -> bytes:
    """Turn one HTML document into tagged, reproducible PDF bytes.

    `files` are generated files the HTML refers to by relative URL (e.g. {"flowchart.svg": svg}).
    `stylesheets` are extra stylesheets under templates/ (usually the HTML inlines its own CSS);
    the fonts stylesheet always comes first.
    The HTML must set <html lang> and <title>: PDF/UA requires both.
    Raises UnsafeResourceError when the document refers to anything else.
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    fetcher = ProjectFetcher(files)
    options = {
        "pdf_variant": PDF_VARIANT,
        "attachments": None,  # never embed files; <link rel=attachment> goes through the fetcher and is refused
        "custom_metadata": False,
        "pdf_identifier": False,
        "optimize_images": False,
    }
    declared = os.environ.get("SOURCE_DATE_EPOCH", "")  # read before _fixed_epoch() sets it for fontTools
    try:
        with _fixed_epoch():
            return _render(html, fetcher, (FONTS_STYLESHEET, *stylesheets), options, declared)
    except RefusedURL as exc:
        raise UnsafeResourceError(exc.url, exc.reason) from None
    except FatalURLFetchingError as exc:  # WeasyPrint wraps other fetch failures in its own fatal error
        raise UnsafeResourceError(str(exc), "the resource could not be loaded") from None


def _render(html: str, fetcher: ProjectFetcher, stylesheets: tuple[str, ...], options: dict,
            declared_epoch: str | None = None) -> bytes:
    document = HTML(string=html, base_url=GENERATED_BASE + "document.html", url_fetcher=fetcher).render(
        font_config=FONT_CONFIG, stylesheets=[stylesheet(s) for s in stylesheets], **options
    )
    metadata = document.metadata
    if not metadata.title or not metadata.lang:
        raise ValueError("a PDF/UA document needs <title> and <html lang>")
    if metadata.attachments:  # belt and braces: the fetcher already refuses every attachment URL
        raise UnsafeResourceError("<link rel=attachment>", "file attachments are not allowed")
    date = source_date(metadata.modified or metadata.created, declared_epoch)
    metadata.created = metadata.modified = date
    return document.write_pdf(finisher=_finish, **options)


def _finish(document, pdf) -> None:
    mark_pagination_artifacts(document, pdf)
    relative_generated_links(pdf)


def relative_generated_links(pdf) -> None:
    """A link to another file of the build (patient-explainer.es.pdf, a full-size figure) stays relative.

    WeasyPrint resolves every href against the document's base URL, which for generated documents is
    the build's internal file:///guideline-build/; a PDF reader resolves a relative URI against the
    PDF's own location, so `patient-explainer.es.pdf` opens the file beside it wherever it is published.
    """
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary):
            continue
        for action in (obj, obj.get("A")):
            if isinstance(action, pydyf.Dictionary) and action.get("S") == "/URI":
                uri = action.get("URI")
                text = getattr(uri, "string", None)
                if isinstance(text, str) and text.startswith(GENERATED_BASE):
                    action["URI"] = pydyf.String(text[len(GENERATED_BASE) :])


def _number(reference) -> int | None:
    """The object number of a pydyf reference (b"12 0 R"), or None for any other value."""
    if isinstance(reference, (bytes, str)):
        text = reference.decode("ascii") if isinstance(reference, bytes) else reference
        parts = text.split()
        if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
            return int(parts[0])
    return None


def mark_pagination_artifacts(document, pdf) -> None:
    """Make every marked-content sequence the structure tree does not reach an /Artifact (/Pagination).

    WeasyPrint tags the text of page-margin boxes (running headers, footers, the draft mark) like body
    text, but links it to structure elements that hang outside the tree (PDF 1.7 has no place for them
    there): a PDF/UA checker reports such content as untagged. Headers and footers are pagination
    artifacts, so that is what they become; the parent tree forgets them.
    """
    objects = pdf.objects
    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    reachable: set[tuple[int, int]] = set()  # (page object number, MCID)
    stack = [_number(k) for k in root["K"]]
    while stack:
        number = stack.pop()
        if number is None:
            continue
        element = objects[number]
        page = _number(element.get("Pg")) if hasattr(element, "get") else None
        for kid in element.get("K", ()) if hasattr(element, "get") else ():
            if isinstance(kid, int):
                reachable.add((page, kid))
            else:
                stack.append(_number(kid))
    parent_tree = objects[_number(root["ParentTree"])]["Nums"]
    kids = pdf.pages["Kids"]  # pydyf keeps it flat: [number, 0, "R", number, 0, "R", ...]
    for index, page_number in enumerate(kids[0::3]):
        stream = objects[_number(objects[page_number]["Contents"])]
        items = stream.stream
        orphans = set()
        for i, item in enumerate(items):
            if isinstance(item, dict) and "MCID" in item and i + 1 < len(items) and items[i + 1] == b"BDC":
                if (page_number, item["MCID"]) not in reachable:
                    orphans.add(item["MCID"])
                    items[i - 1] = "/Artifact"
                    items[i] = pydyf.Dictionary({"Type": "/Pagination"})
        mapping = parent_tree[2 * index + 1] if 2 * index + 1 < len(parent_tree) else None
        if orphans and isinstance(mapping, list):
            for mcid in orphans:
                if mcid < len(mapping):
                    mapping[mcid] = "null"
