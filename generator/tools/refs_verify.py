"""Citation integrity beyond syntax: does each DOI exist at Crossref, with the title we cite, unretracted?

Plain functions over the loaded model; the `guideline refs verify` command (generator/commands/refs.py)
is a thin layer over `verify_guidelines`. Nothing here runs during `check` or `build`, and nothing
touches the network unless the caller passes `online=True`.

Crossref's REST API answers `GET {api}/works/{doi}` with `{"status": "ok", "message": {...}}`, where the
message holds `title` (a list), `subtitle`, `type`, and, for corrected or retracted works,
`updated-by` (notices that update this work) and `update-to` (the work a notice updates), each a list
of `{"DOI", "type", "label", "source", "updated"}` with types such as `retraction`,
`expression_of_concern`, `correction`. Unknown DOIs get a 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from generator import __version__

from generator.content import doi as doi_syntax
from generator.diagnostics import Diagnostic

DEFAULT_API = "https://api.crossref.org"
DEFAULT_CACHE = Path(".cache") / "refs"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_AGE_DAYS = 30  # retractions come later: re-ask Crossref about a DOI at least monthly
MAX_RESPONSE_BYTES = 4 * 1024 * 1024  # a work record with a long reference list is ~0.5 MB
CACHE_FORMAT = 1

RETRACTION_TYPES = {"retraction", "partial_retraction", "withdrawal", "removal"}
CONCERN_TYPES = {"expression_of_concern", "expression-of-concern"}
_RETRACTED_TITLE = re.compile(r"^\s*(retracted|withdrawn)\b", re.I)
_CONCERN_TITLE = re.compile(r"^\s*expression of concern\b", re.I)


@dataclass
class Lookup:
    """What Crossref said about one DOI (also the cache record)."""

    doi: str
    status: str  # "found", "not-found", "error" (this DOI's answer failed) or "unreachable" (no server)
    fetched: str  # ISO 8601 UTC timestamp
    titles: list[str] = field(default_factory=list)  # registered titles, and title + subtitle
    work_type: str | None = None
    updated_by: list[dict] = field(default_factory=list)  # notices updating this work
    update_to: list[dict] = field(default_factory=list)  # works this DOI (a notice) updates
    relations: list[str] = field(default_factory=list)  # relation types, e.g. "is-retracted-by"
    error: str | None = None
    from_cache: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("from_cache")
        data["format"] = CACHE_FORMAT
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Lookup":
        keys = set(cls.__dataclass_fields__) - {"from_cache"}
        return cls(**{k: v for k, v in data.items() if k in keys}, from_cache=True)


# --------------------------------------------------------------------------- titles


_TAG = re.compile(r"<[^<>]*>")


def normalise_title(title: str) -> str:
    """Case, punctuation, markup (<i>, <sup>, entities), white space and Unicode forms do not count."""
    text = _TAG.sub(" ", html.unescape(_TAG.sub(" ", title)))  # tags, then tags that were entity-escaped
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category.startswith(("P", "S")):  # punctuation and symbols: hyphens, dashes, quotes, colons
            kept.append(" ")
        elif category.startswith("M"):
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


def titles_match(cited: str, registered: Iterable[str]) -> bool:
    want = normalise_title(cited)
    return bool(want) and any(want == normalise_title(r) for r in registered)


# --------------------------------------------------------------------------- Crossref


def user_agent(mailto: str | None = None) -> str:
    """Crossref asks API users to identify themselves (the 'polite pool')."""
    contact = f"; mailto:{mailto}" if mailto else ""
    return f"guideline-as-code/{__version__} (refs verify; +https://www.crossref.org/documentation/retrieve-metadata/rest-api/{contact})"


def check_api(api: str) -> str | None:
    """Why `api` cannot be used as the API base URL, or None."""
    parsed = urllib.parse.urlparse(api)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f"--api must be an http(s):// URL, not {api!r}"
    return None


def work_url(api: str, doi: str) -> str:
    return f"{api.rstrip('/')}/works/{urllib.parse.quote(doi, safe='/')}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _read_bounded(response, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("the response took too long")
        chunk = response.read1(64 * 1024)  # what has arrived, so the deadline is checked between reads
        if not chunk:
            if getattr(response, "length", None):  # bytes promised by Content-Length that never came
                raise ValueError("the answer was cut off")
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ValueError(f"the response is larger than {MAX_RESPONSE_BYTES:,} bytes")
        chunks.append(chunk)


def fetch(doi: str, *, api: str = DEFAULT_API, timeout: float = DEFAULT_TIMEOUT, mailto: str | None = None) -> Lookup:
    """Ask Crossref about one (normalised) DOI. Never raises: failures come back as status "error"."""
    request = urllib.request.Request(
        work_url(api, doi), headers={"User-Agent": user_agent(mailto), "Accept": "application/json"}
    )
    deadline = time.monotonic() + timeout
    outcome: list = []

    def ask() -> None:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
                outcome.append(_read_bounded(response, deadline))
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)

    # The socket timeout bounds each read, not the whole answer: a server dripping a byte at a time
    # would never time out. So the request runs in a daemon thread and we wait `timeout` at most.
    worker = threading.Thread(target=ask, name=f"crossref {doi}", daemon=True)
    worker.start()
    worker.join(timeout + 0.25)
    try:
        if not outcome:
            raise TimeoutError("the answer took too long")
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        body = outcome[0]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return Lookup(doi, "not-found", _now())
        return Lookup(doi, "error", _now(), error=f"Crossref answered HTTP {exc.code}")
    except urllib.error.URLError as exc:  # no connection at all: no network, DNS, refused, TLS
        return Lookup(doi, "unreachable", _now(), error=str(exc.reason))
    except (TimeoutError, OSError) as exc:  # URLError, connection refused, socket timeout
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return Lookup(doi, "error", _now(), error=f"no answer within {timeout:g} s")
        return Lookup(doi, "error", _now(), error=f"request failed: {reason}")
    except ValueError as exc:  # response too large, bad URL
        return Lookup(doi, "error", _now(), error=str(exc))
    except Exception as exc:  # noqa: BLE001 - http.client's own errors: a bad status line, a cut-off body, ...
        return Lookup(doi, "error", _now(), error=f"invalid answer ({type(exc).__name__})")
    try:
        data = json.loads(body.decode("utf-8"))
        message = data["message"]
        if not isinstance(message, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
        return Lookup(doi, "error", _now(), error="the answer is not a Crossref work record (invalid JSON)")
    return parse_work(doi, message)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _clean(value: Any, limit: int = 120) -> str:
    """Text from the server as it may appear in a diagnostic: no control characters (terminal escapes,
    line breaks that would forge diagnostic lines), bounded length."""
    text = "".join(ch for ch in str(value) if not unicodedata.category(ch).startswith("C"))
    return text[:limit]


def _updates(value: Any) -> list[dict]:
    out = []
    for item in value[:100] if isinstance(value, list) else []:
        if isinstance(item, dict):
            out.append(
                {
                    "type": _clean(item.get("type", "")).lower(),
                    "DOI": _clean(item.get("DOI", "")),
                    "label": _clean(item.get("label", "")),
                    "source": _clean(item.get("source", "")),
                }
            )
    return out


def parse_work(doi: str, message: dict) -> Lookup:
    """The parts of a Crossref work record that verification needs."""
    titles = _strings(message.get("title"))
    subtitles = _strings(message.get("subtitle"))
    combined = [f"{t} {s}" for t in titles for s in subtitles]
    extra = _strings(message.get("original-title")) + _strings(message.get("short-title"))
    relation = message.get("relation")
    return Lookup(
        doi=doi,
        status="found",
        fetched=_now(),
        titles=titles + combined + extra,
        work_type=_clean(message.get("type")) if message.get("type") is not None else None,
        updated_by=_updates(message.get("updated-by")),
        update_to=_updates(message.get("update-to")),
        relations=sorted(_clean(k) for k in relation) if isinstance(relation, dict) else [],
    )


# --------------------------------------------------------------------------- cache


class Cache:
    """One JSON file per DOI under `folder`, named by the DOI's hash, each with its fetch time."""

    def __init__(self, folder: Path, max_age_days: float = DEFAULT_MAX_AGE_DAYS):
        self.folder = Path(folder)
        self.max_age = dt.timedelta(days=max_age_days)

    def _file(self, doi: str) -> Path:
        return self.folder / (hashlib.sha256(doi.encode("utf-8")).hexdigest()[:32] + ".json")

    def get(self, doi: str, *, fresh_only: bool = True) -> Lookup | None:
        try:
            data = json.loads(self._file(doi).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                return None
            lookup = Lookup.from_json(data)
            fetched = dt.datetime.fromisoformat(lookup.fetched)
            if fetched.tzinfo is None:
                fetched = fetched.replace(tzinfo=dt.timezone.utc)
        except (OSError, ValueError, TypeError):
            return None  # absent or unreadable: ask again
        if lookup.doi != doi or data.get("format") != CACHE_FORMAT or not _well_formed(lookup):
            return None  # another DOI's record, an old format, or a file edited by hand: ask again
        if fresh_only and dt.datetime.now(dt.timezone.utc) - fetched > self.max_age:
            return None
        return lookup

    def put(self, lookup: Lookup) -> None:
        """Written atomically; a cache that cannot be written is not an error (the next run asks again)."""
        if lookup.status not in ("found", "not-found"):
            return  # never remember a failure
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(lookup.to_json(), fh, indent=2, ensure_ascii=False, sort_keys=True)
            os.replace(tmp, self._file(lookup.doi))
        except OSError:
            pass


def _well_formed(lookup: Lookup) -> bool:
    def strings(value) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    def updates(value) -> bool:
        return isinstance(value, list) and all(
            isinstance(u, dict) and all(isinstance(u.get(k), str) for k in ("type", "DOI", "label", "source")) for u in value
        )

    return (
        lookup.status in ("found", "not-found")
        and strings(lookup.titles)
        and strings(lookup.relations)
        and updates(lookup.updated_by)
        and updates(lookup.update_to)
        and (lookup.work_type is None or isinstance(lookup.work_type, str))
    )


# --------------------------------------------------------------------------- verification


def _describe(update: dict) -> str:
    notice = f" (notice {update['DOI']})" if update.get("DOI") else ""
    source = f", recorded by {update['source']}" if update.get("source") else ""
    return f"{notice}{source}"


def judge(ref, lookup: Lookup) -> list[Diagnostic]:
    """Diagnostics for one reference (a models.Reference) given what Crossref said about its DOI."""
    shown = doi_syntax.normalise(ref.DOI)
    at_doi = ref.location("DOI")
    acknowledged = bool(getattr(ref, "caution", None))
    flag = Diagnostic.warning if acknowledged else Diagnostic.error
    ack = "; the reference's `caution` acknowledges it" if acknowledged else "; replace the reference, or record it under `caution:`"
    if lookup.status == "error":
        return [Diagnostic.error(at_doi, "doi-unverified", f"could not verify DOI {shown} ({lookup.error}); try again later")]
    if lookup.status == "not-found":
        return [Diagnostic.error(at_doi, "doi-not-found", f"DOI {shown} is not registered at Crossref; check it at https://doi.org/{shown}")]
    out = []
    if not titles_match(ref.title, lookup.titles):
        registered = lookup.titles[0] if lookup.titles else "(no title)"
        out.append(
            Diagnostic.error(
                ref.location("title"),
                "title-mismatch",
                f"the title does not match the one registered for DOI {shown}: {registered[:200]!r}",
            )
        )
    retractions = [u for u in lookup.updated_by if u["type"] in RETRACTION_TYPES]
    concerns = [u for u in lookup.updated_by if u["type"] in CONCERN_TYPES]
    retracted_by_relation = any("retract" in r for r in lookup.relations)
    concern_by_relation = any("concern" in r for r in lookup.relations)
    first_title = lookup.titles[0] if lookup.titles else ""
    if retractions or retracted_by_relation or _RETRACTED_TITLE.match(first_title):
        what = retractions[0]["type"].replace("_", " ") if retractions else "retraction"
        detail = _describe(retractions[0]) if retractions else ""
        out.append(flag(at_doi, "retracted", f"Crossref records a {what} of {shown}{detail}{ack}"))
    if concerns or concern_by_relation or _CONCERN_TITLE.match(first_title):
        detail = _describe(concerns[0]) if concerns else ""
        out.append(flag(at_doi, "expression-of-concern", f"Crossref records an expression of concern about {shown}{detail}{ack}"))
    notices = [u for u in lookup.update_to if u["type"] in RETRACTION_TYPES | CONCERN_TYPES]
    if notices or (lookup.work_type or "").lower() in RETRACTION_TYPES | CONCERN_TYPES:
        target = f" for {notices[0]['DOI']}" if notices and notices[0]["DOI"] else ""
        kind = (notices[0]["type"] if notices else lookup.work_type or "").replace("_", " ")
        out.append(Diagnostic.error(at_doi, "retracted", f"DOI {shown} is a {kind} notice{target}, not the article; cite the article"))
    return out


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: int = 0  # references with a DOI we could look at
    from_cache: int = 0
    fetched: int = 0
    not_cached: int = 0  # offline: references with no cached result
    skipped: int = 0  # references whose DOI is syntactically invalid (`check` reports those)
    failed: int = 0  # references with at least one error
    unreachable: str | None = None  # online, but the server could not be reached: why (asked no more)


def verify_guidelines(
    guidelines,
    *,
    online: bool,
    cache: Cache,
    api: str = DEFAULT_API,
    timeout: float = DEFAULT_TIMEOUT,
    refresh: bool = False,
    mailto: str | None = None,
    load_diagnostics: Iterable[Diagnostic] = (),
) -> Report:
    """Verify every reference of every loaded guideline. Offline, only cached answers are used.

    Online, the first DOI whose request cannot reach the server at all ends the asking: the report's
    `unreachable` says why, and the references not answered from the cache count as not verified.
    """
    report = Report()
    memo: dict[str, Lookup] = {}
    # A reference file that failed to load: say so (its errors), rather than "0 failed".
    ref_files = {g.paths[n] for g in guidelines for n in ("references.yaml", "references.json", "../references.yaml") if n in g.paths}
    broken = [d for d in load_diagnostics if d.is_error and d.location.path in ref_files]
    report.diagnostics.extend(broken)
    report.failed += len({d.location.path for d in broken})
    asked: set[tuple[str, str]] = set()  # a library bibliography entry cited by two guidelines is verified once
    for g in guidelines:
        for ref in g.references:
            where = (ref.location().path, ref.id)
            if where in asked:
                continue
            asked.add(where)
            if doi_syntax.problem(ref.DOI):
                report.skipped += 1
                continue
            doi = doi_syntax.normalise(ref.DOI)
            lookup = memo.get(doi)
            if lookup is None:
                if not refresh or not online:
                    lookup = cache.get(doi, fresh_only=online)
                if lookup is None and online and report.unreachable is None:
                    lookup = fetch(doi, api=api, timeout=timeout, mailto=mailto)
                    report.fetched += 1
                    if lookup.status == "unreachable":
                        # Every other DOI would fail the same way: say it once, ask no more.
                        report.unreachable = lookup.error or "no connection"
                        lookup = None
                    else:
                        cache.put(lookup)
                elif lookup is not None:
                    report.from_cache += 1
                if lookup is None:
                    report.not_cached += 1
                    continue
                memo[doi] = lookup
            report.checked += 1
            found = judge(ref, lookup)
            report.failed += any(d.is_error for d in found)
            report.diagnostics.extend(found)
    return report
