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

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from generator.content.paths import TEMPLATES

# Relative URLs in a document (e.g. <img src="flowchart.svg">) resolve against this virtual folder:
# the build's generated files are served from memory under it, nothing is read from disk there.
GENERATED_BASE = "file:///guideline-build/"
DEFAULT_EPOCH = 946684800  # 2000-01-01T00:00:00Z, used when SOURCE_DATE_EPOCH is unset
PDF_VARIANT = "pdf/ua-1"
FONTS_STYLESHEET = "fonts/fonts.css"  # applied to every PDF, before the document's own stylesheets

FONT_CONFIG = FontConfiguration()


class UnsafeResourceError(Exception):
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


def source_date() -> str:
    """The W3C date of the build (see source_epoch)."""
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
    try:
        with _fixed_epoch():
            return _render(html, fetcher, (FONTS_STYLESHEET, *stylesheets), options)
    except RefusedURL as exc:
        raise UnsafeResourceError(exc.url, exc.reason) from None
    except FatalURLFetchingError as exc:  # WeasyPrint wraps other fetch failures in its own fatal error
        raise UnsafeResourceError(str(exc), "the resource could not be loaded") from None


def _render(html: str, fetcher: ProjectFetcher, stylesheets: tuple[str, ...], options: dict) -> bytes:
    document = HTML(string=html, base_url=GENERATED_BASE + "document.html", url_fetcher=fetcher).render(
        font_config=FONT_CONFIG, stylesheets=[stylesheet(s) for s in stylesheets], **options
    )
    metadata = document.metadata
    if not metadata.title or not metadata.lang:
        raise ValueError("a PDF/UA document needs <title> and <html lang>")
    if metadata.attachments:  # belt and braces: the fetcher already refuses every attachment URL
        raise UnsafeResourceError("<link rel=attachment>", "file attachments are not allowed")
    metadata.created = metadata.modified = source_date()
    return document.write_pdf(**options)
